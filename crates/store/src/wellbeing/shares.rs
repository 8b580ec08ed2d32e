//! Shares (공유) of a check with a counsellor the owner chose, and their revocation.

use super::*;
use crate::{execute_one, fetch_all, fetch_one, fetch_optional};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Share {
    pub id: i64,
    pub check_id: i64,
    pub owner_id: AccountId,
    pub owner_name: String,
    pub counsellor_id: AccountId,
    pub counsellor_name: String,
    pub purpose: String,
    pub given_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
}

pub(super) const SHARE_SELECT: &str = "SELECT s.id, s.check_id, s.owner_id, o.display_name AS owner_name, \
     s.counsellor_id, c.display_name AS counsellor_name, s.purpose, s.given_at, s.revoked_at \
     FROM wellbeing_shares s JOIN accounts o ON o.id = s.owner_id JOIN accounts c ON c.id = s.counsellor_id";

/// A counsellor someone may share with or address a referral to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Counsellor {
    pub id: AccountId,
    pub display_name: String,
}

pub async fn counsellors(db: &Db) -> Result<Vec<Counsellor>> {
    Ok(fetch_all!(
        db,
        Counsellor,
        "SELECT id, display_name FROM accounts WHERE role = 'counsellor' AND active = TRUE ORDER BY display_name, id"
    )?)
}

pub(super) async fn ensure_counsellor(tx: &mut Tx, id: AccountId) -> Result<()> {
    let found: Option<(i64,)> = fetch_optional!(
        tx,
        _,
        "SELECT id FROM accounts WHERE id = $1 AND role = 'counsellor' AND active = TRUE",
        id
    )?;
    if found.is_none() {
        return Err(RuleError::new(
            "not_a_counsellor",
            "선택한 사람은 상담사가 아닙니다. 상담사 목록에서 골라 주세요",
            "that account is not a counsellor; choose one from the list of counsellors",
        )
        .into());
    }
    Ok(())
}

/// Share a completed check with a named counsellor for one purpose. The result must have been
/// seen first, i.e. the check is completed.
pub async fn share(
    tx: &mut Tx,
    check: &Check,
    counsellor: AccountId,
    purpose: SharePurpose,
    now: DateTime<Utc>,
) -> Result<i64> {
    if check.completed_at.is_none() {
        return Err(conflict(
            "결과를 확인한 뒤에 공유할 수 있습니다. 먼저 검사를 마쳐 주세요",
            "a result can be shared only after you have seen it: finish the check first",
        ));
    }
    ensure_counsellor(tx, counsellor).await?;
    let (id,): (i64,) = fetch_one!(
        tx,
        _,
        "INSERT INTO wellbeing_shares (check_id, owner_id, counsellor_id, purpose, given_at) \
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
        check.id,
        check.account_id,
        counsellor,
        purpose.as_str(),
        now
    )
    .map_err(|e| {
        conflict_on_unique(
            e,
            domain::Bilingual::new(
                "이미 이 상담사에게 같은 목적으로 공유했습니다",
                "already shared with this counsellor for this purpose",
            ),
        )
    })?;
    Ok(id)
}

pub async fn get_share(db: &Db, id: i64) -> Result<Share> {
    let sql = format!("{SHARE_SELECT} WHERE s.id = $1");
    fetch_optional!(db, Share, sqlx::AssertSqlSafe(sql), id)?.or_not_found()
}

/// End a share. Refused (not found) when it is not the owner's or already revoked.
pub async fn revoke_share(
    tx: &mut Tx,
    id: i64,
    owner: AccountId,
    now: DateTime<Utc>,
) -> Result<()> {
    execute_one!(
        tx,
        "UPDATE wellbeing_shares SET revoked_at = $1 WHERE id = $2 AND owner_id = $3 AND revoked_at IS NULL",
        now,
        id,
        owner
    )
}

/// Every share of a check, revoked ones included (the owner's record of who was given what).
pub async fn shares_of_check(db: &Db, check_id: i64) -> Result<Vec<Share>> {
    let sql = format!("{SHARE_SELECT} WHERE s.check_id = $1 ORDER BY s.given_at, s.id");
    Ok(fetch_all!(db, Share, sqlx::AssertSqlSafe(sql), check_id)?)
}

/// The counsellors a check is shared with now: the `shared_with` of the access decision.
pub async fn readers_of_check(db: &Db, check_id: i64) -> Result<Vec<AccountId>> {
    let rows: Vec<(i64,)> = fetch_all!(
        db,
        _,
        "SELECT counsellor_id FROM wellbeing_shares WHERE check_id = $1 AND revoked_at IS NULL",
        check_id
    )?;
    Ok(rows.into_iter().map(|(id,)| id).collect())
}

/// Active shares addressed to a counsellor, newest first.
pub async fn shares_to(db: &Db, counsellor: AccountId) -> Result<Vec<Share>> {
    let sql = format!(
        "{SHARE_SELECT} WHERE s.counsellor_id = $1 AND s.revoked_at IS NULL ORDER BY s.given_at DESC, s.id DESC"
    );
    Ok(fetch_all!(db, Share, sqlx::AssertSqlSafe(sql), counsellor)?)
}
