//! Referrals (상담·프로그램 의뢰) and their status.

use super::*;
use crate::{execute_one, fetch_all, fetch_one, fetch_optional};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Referral {
    pub id: i64,
    pub owner_id: AccountId,
    pub owner_name: String,
    pub counsellor_id: Option<AccountId>,
    pub kind: String,
    pub message: String,
    pub status: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// The healing session a healing-program request was placed in (item 8).
    pub placed_session_id: Option<i64>,
}

pub(super) const REFERRAL_SELECT: &str = "SELECT r.id, r.owner_id, o.display_name AS owner_name, r.counsellor_id, \
     r.kind, r.message, r.status, r.created_at, r.updated_at, r.placed_session_id \
     FROM wellbeing_referrals r JOIN accounts o ON o.id = r.owner_id";

pub async fn create_referral(
    tx: &mut Tx,
    owner: AccountId,
    kind: ReferralKind,
    counsellor: Option<AccountId>,
    message: &str,
    now: DateTime<Utc>,
) -> Result<i64> {
    validate_note(message)?;
    if let Some(c) = counsellor {
        ensure_counsellor(tx, c).await?;
    }
    let (id,): (i64,) = fetch_one!(
        tx,
        _,
        "INSERT INTO wellbeing_referrals (owner_id, counsellor_id, kind, message, status, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, 'open', $5, $5) RETURNING id",
        owner,
        counsellor,
        kind.as_str(),
        message.trim(),
        now
    )?;
    Ok(id)
}

pub async fn get_referral(db: &Db, id: i64) -> Result<Referral> {
    let sql = format!("{REFERRAL_SELECT} WHERE r.id = $1");
    fetch_optional!(db, Referral, sqlx::AssertSqlSafe(sql), id)?.or_not_found()
}

/// The counsellors a referral is addressed to: the named one, or every counsellor.
pub async fn readers_of_referral(db: &Db, r: &Referral) -> Result<Vec<AccountId>> {
    Ok(match r.counsellor_id {
        Some(c) => vec![c],
        None => counsellors(db).await?.into_iter().map(|c| c.id).collect(),
    })
}

pub async fn referrals_of(db: &Db, owner: AccountId) -> Result<Vec<Referral>> {
    let sql =
        format!("{REFERRAL_SELECT} WHERE r.owner_id = $1 ORDER BY r.created_at DESC, r.id DESC");
    Ok(fetch_all!(db, Referral, sqlx::AssertSqlSafe(sql), owner)?)
}

/// Referrals addressed to this counsellor or to every counsellor, newest first.
pub async fn referrals_for(db: &Db, counsellor: AccountId) -> Result<Vec<Referral>> {
    let sql = format!(
        "{REFERRAL_SELECT} WHERE r.counsellor_id = $1 OR r.counsellor_id IS NULL ORDER BY r.created_at DESC, r.id DESC"
    );
    Ok(fetch_all!(
        db,
        Referral,
        sqlx::AssertSqlSafe(sql),
        counsellor
    )?)
}

pub async fn set_referral_status(
    tx: &mut Tx,
    id: i64,
    status: ReferralStatus,
    now: DateTime<Utc>,
) -> Result<()> {
    execute_one!(
        tx,
        "UPDATE wellbeing_referrals SET status = $1, updated_at = $2 WHERE id = $3",
        status.as_str(),
        now,
        id
    )
}
