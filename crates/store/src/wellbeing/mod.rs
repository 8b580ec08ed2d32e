//! Staff wellbeing (capability C4): consent, checks and their answers, shares, referrals, plans,
//! invitations, deletion and the group-report inputs. Scoring and every rule live in
//! `domain::wellbeing`; who may read what is decided by `domain::access` in the handlers. Writes
//! take a [`Tx`] so a change and its access-log entry commit together.

pub mod instruments;

use crate::{Db, Result, StoreError, Tx, conflict_on_unique, kit::outbox, on_db, on_tx};
use chrono::{DateTime, Datelike, TimeZone, Utc};
use domain::wellbeing::report::{ReportDepartment, Respondent};
use domain::wellbeing::{
    Battery, CONSENT_VERSION, InstrumentResult, InvitationReason, PlanInput, ReferralKind,
    ReferralStatus, SharePurpose, next_reminder, result_of, retention_cutoff, validate_checkin,
    validate_note,
};
use domain::{AccountId, DepartmentId, RuleError};
use serde::Serialize;
use std::collections::BTreeMap;

fn conflict(korean: &str, english: &str) -> StoreError {
    StoreError::conflict(korean, english)
}

// ---------------------------------------------------------------------------------------------
// Consent (동의)

#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Consent {
    pub version: i64,
    pub given_at: DateTime<Utc>,
    pub withdrawn_at: Option<DateTime<Utc>>,
}

impl Consent {
    /// Given to the current consent text and not withdrawn.
    pub fn is_active(&self) -> bool {
        self.withdrawn_at.is_none() && self.version == CONSENT_VERSION
    }
}

pub async fn consent(db: &Db, account: AccountId) -> Result<Option<Consent>> {
    Ok(on_db!(db, |pool| sqlx::query_as::<_, Consent>(
        "SELECT version, given_at, withdrawn_at FROM wellbeing_consents WHERE account_id = $1"
    )
    .bind(account)
    .fetch_optional(pool)
    .await)?)
}

pub async fn give_consent(tx: &mut Tx, account: AccountId, now: DateTime<Utc>) -> Result<()> {
    on_tx!(tx, |conn| sqlx::query(
        "INSERT INTO wellbeing_consents (account_id, version, given_at, withdrawn_at) \
         VALUES ($1, $2, $3, NULL) ON CONFLICT (account_id) DO UPDATE \
         SET version = excluded.version, given_at = excluded.given_at, withdrawn_at = NULL"
    )
    .bind(account)
    .bind(CONSENT_VERSION)
    .bind(now)
    .execute(&mut *conn)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

/// Withdrawing stops new checks; results stay until the official deletes them or they expire.
pub async fn withdraw_consent(tx: &mut Tx, account: AccountId, now: DateTime<Utc>) -> Result<()> {
    let n = on_tx!(tx, |conn| {
        sqlx::query(
        "UPDATE wellbeing_consents SET withdrawn_at = $1 WHERE account_id = $2 AND withdrawn_at IS NULL"
    )
    .bind(now)
    .bind(account)
    .execute(&mut *conn)
    .await
    .map(|r| r.rows_affected())
    })?;
    if n == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Checks (검사)

/// The answers to one instrument.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Response {
    pub instrument: String,
    pub version: i64,
    pub answers: Vec<i64>,
    pub total: i64,
    pub band: String,
    pub answered_at: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
struct ResponseRow {
    check_id: i64,
    instrument: String,
    version: i64,
    answers: String,
    total: i64,
    band: String,
    answered_at: DateTime<Utc>,
}

impl ResponseRow {
    fn into_response(self) -> Result<Response> {
        let answers: Vec<i64> = serde_json::from_str(&self.answers)
            .map_err(|e| StoreError::internal("stored answers unreadable", e))?;
        Ok(Response {
            instrument: self.instrument,
            version: self.version,
            answers,
            total: self.total,
            band: self.band,
            answered_at: self.answered_at,
        })
    }
}

/// One sitting of the battery and what has been answered so far.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Check {
    pub id: i64,
    pub account_id: AccountId,
    pub department_id: Option<DepartmentId>,
    pub started_at: DateTime<Utc>,
    pub completed_at: Option<DateTime<Utc>>,
    pub crisis: bool,
    pub responses: Vec<Response>,
}

impl Check {
    /// The first instrument of the battery not answered yet (where a paused check resumes).
    pub fn next_instrument<'b>(
        &self,
        battery: &'b Battery,
    ) -> Option<&'b domain::wellbeing::Instrument> {
        battery
            .instruments
            .iter()
            .find(|i| !self.responses.iter().any(|r| r.instrument == i.id))
    }

    /// Results per instrument, in battery order, rescored with the version that scored them.
    pub fn results(&self, battery: &Battery) -> Vec<InstrumentResult> {
        battery
            .instruments
            .iter()
            .filter_map(|i| {
                let r = self.responses.iter().find(|r| r.instrument == i.id)?;
                let inst = battery.get_version(&r.instrument, r.version)?;
                let answers: Vec<Option<i64>> = r.answers.iter().copied().map(Some).collect();
                result_of(inst, &answers).ok()
            })
            .collect()
    }
}

#[derive(sqlx::FromRow)]
struct CheckRow {
    id: i64,
    account_id: AccountId,
    department_id: Option<DepartmentId>,
    started_at: DateTime<Utc>,
    completed_at: Option<DateTime<Utc>>,
    crisis: bool,
}

const CHECK_COLUMNS: &str = "id, account_id, department_id, started_at, completed_at, crisis";

async fn responses_of(db: &Db, ids: &[i64]) -> Result<BTreeMap<i64, Vec<Response>>> {
    let mut by_check: BTreeMap<i64, Vec<Response>> = BTreeMap::new();
    for id in ids {
        let rows = on_db!(db, |pool| sqlx::query_as::<_, ResponseRow>(
            "SELECT check_id, instrument, version, answers, total, band, answered_at \
             FROM wellbeing_responses WHERE check_id = $1 ORDER BY answered_at, instrument"
        )
        .bind(id)
        .fetch_all(pool)
        .await)?;
        for r in rows {
            let check_id = r.check_id;
            by_check
                .entry(check_id)
                .or_default()
                .push(r.into_response()?);
        }
    }
    Ok(by_check)
}

fn with_responses(rows: Vec<CheckRow>, mut responses: BTreeMap<i64, Vec<Response>>) -> Vec<Check> {
    rows.into_iter()
        .map(|r| Check {
            responses: responses.remove(&r.id).unwrap_or_default(),
            id: r.id,
            account_id: r.account_id,
            department_id: r.department_id,
            started_at: r.started_at,
            completed_at: r.completed_at,
            crisis: r.crisis,
        })
        .collect()
}

pub async fn get_check(db: &Db, id: i64) -> Result<Check> {
    let sql = format!("SELECT {CHECK_COLUMNS} FROM wellbeing_checks WHERE id = $1");
    let row = on_db!(db, |pool| sqlx::query_as::<_, CheckRow>(
        sqlx::AssertSqlSafe(sql)
    )
    .bind(id)
    .fetch_optional(pool)
    .await)?
    .ok_or(StoreError::NotFound)?;
    let responses = responses_of(db, &[row.id]).await?;
    with_responses(vec![row], responses)
        .pop()
        .ok_or(StoreError::NotFound)
}

/// The official's checks, newest first (the trend and the list of past results).
pub async fn list_checks(db: &Db, account: AccountId) -> Result<Vec<Check>> {
    let sql = format!(
        "SELECT {CHECK_COLUMNS} FROM wellbeing_checks WHERE account_id = $1 ORDER BY started_at DESC, id DESC"
    );
    let rows = on_db!(db, |pool| sqlx::query_as::<_, CheckRow>(
        sqlx::AssertSqlSafe(sql)
    )
    .bind(account)
    .fetch_all(pool)
    .await)?;
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let responses = responses_of(db, &ids).await?;
    Ok(with_responses(rows, responses))
}

/// Start a check, or return the unfinished one (`false`) so a paused check is resumed.
/// Refused without active consent.
pub async fn start_check(
    tx: &mut Tx,
    account: AccountId,
    department: Option<DepartmentId>,
    now: DateTime<Utc>,
) -> Result<(i64, bool)> {
    let consent: Option<Consent> = on_tx!(tx, |conn| sqlx::query_as::<_, Consent>(
        "SELECT version, given_at, withdrawn_at FROM wellbeing_consents WHERE account_id = $1"
    )
    .bind(account)
    .fetch_optional(&mut *conn)
    .await)?;
    if !consent.is_some_and(|c| c.is_active()) {
        return Err(RuleError::new(
            "consent_required",
            "검사 전에 건강정보 처리에 대한 동의가 필요합니다",
            "consent to processing health data is needed before the first check",
        )
        .into());
    }
    let open: Option<(i64,)> = on_tx!(tx, |conn| sqlx::query_as(
        "SELECT id FROM wellbeing_checks WHERE account_id = $1 AND completed_at IS NULL"
    )
    .bind(account)
    .fetch_optional(&mut *conn)
    .await)?;
    if let Some((id,)) = open {
        return Ok((id, false));
    }
    let (id,): (i64,) = on_tx!(tx, |conn| sqlx::query_as(
        "INSERT INTO wellbeing_checks (account_id, department_id, started_at, completed_at, crisis) \
         VALUES ($1, $2, $3, NULL, FALSE) RETURNING id"
    )
    .bind(account)
    .bind(department)
    .bind(now)
    .fetch_one(&mut *conn)
    .await)
    .map_err(|e| {
        conflict_on_unique(e, domain::Bilingual::new("진행 중인 검사가 이미 있습니다", "a check is already in progress"))
    })?;
    Ok((id, true))
}

/// What one submission did.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Submitted {
    pub result: InstrumentResult,
    /// The crisis gate opened on this submission.
    pub crisis: bool,
    /// This submission answered the last instrument.
    pub completed: bool,
}

/// Save the answers to one instrument of a check. Refused for an unknown instrument, missing or
/// out-of-range answers, a finished check, or an instrument already answered; nothing is written
/// then.
pub async fn submit(
    tx: &mut Tx,
    check_id: i64,
    battery: &Battery,
    instrument_id: &str,
    answers: &[Option<i64>],
    now: DateTime<Utc>,
) -> Result<Submitted> {
    let instrument = battery.get(instrument_id).ok_or_else(|| {
        RuleError::new(
            "unknown_instrument",
            &format!("알 수 없는 검사 도구입니다: {instrument_id}"),
            &format!("unknown instrument '{instrument_id}'"),
        )
    })?;
    let result = result_of(instrument, answers)?;
    // Take the row lock first (PostgreSQL; SQLite's write lock) so two submissions serialise.
    let state: Option<(Option<DateTime<Utc>>,)> = on_tx!(tx, |conn| sqlx::query_as(
        "UPDATE wellbeing_checks SET crisis = crisis WHERE id = $1 RETURNING completed_at"
    )
    .bind(check_id)
    .fetch_optional(&mut *conn)
    .await)?;
    match state {
        None => return Err(StoreError::NotFound),
        Some((Some(_),)) => {
            return Err(conflict(
                "이미 끝난 검사입니다. 새 검사를 시작해 주세요",
                "this check is already completed; start a new one",
            ));
        }
        Some((None,)) => {}
    }
    let answers: Vec<i64> = answers.iter().copied().flatten().collect();
    let json = serde_json::to_string(&answers)
        .map_err(|e| StoreError::internal("answers not serialisable", e))?;
    on_tx!(tx, |conn| sqlx::query(
        "INSERT INTO wellbeing_responses (check_id, instrument, version, answers, total, band, answered_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)"
    )
    .bind(check_id)
    .bind(&instrument.id)
    .bind(instrument.version)
    .bind(&json)
    .bind(result.score.total)
    .bind(&result.band.key)
    .bind(now)
    .execute(&mut *conn)
    .await
    .map(|r| r.rows_affected()))
    .map_err(|e| {
        conflict_on_unique(e, domain::Bilingual::new(format!("{}에는 이미 답했습니다. 같은 검사에 두 번 답할 수 없습니다", instrument.name.ko), format!("{} is already answered in this check", instrument.name.en)))
    })?;
    let answered: Vec<Option<i64>> = answers.iter().copied().map(Some).collect();
    let crisis = instrument.opens_crisis_gate(&answered);
    if crisis {
        on_tx!(tx, |conn| sqlx::query(
            "UPDATE wellbeing_checks SET crisis = TRUE WHERE id = $1"
        )
        .bind(check_id)
        .execute(&mut *conn)
        .await
        .map(|r| r.rows_affected()))?;
    }
    let (count,): (i64,) = on_tx!(tx, |conn| sqlx::query_as(
        "SELECT COUNT(*) FROM wellbeing_responses WHERE check_id = $1"
    )
    .bind(check_id)
    .fetch_one(&mut *conn)
    .await)?;
    let completed = count >= battery.instruments.len() as i64;
    if completed {
        on_tx!(tx, |conn| sqlx::query(
            "UPDATE wellbeing_checks SET completed_at = $1 WHERE id = $2"
        )
        .bind(now)
        .bind(check_id)
        .execute(&mut *conn)
        .await
        .map(|r| r.rows_affected()))?;
    }
    Ok(Submitted {
        result,
        crisis,
        completed,
    })
}

/// Delete one check with its answers and shares (the official's request).
pub async fn delete_check(tx: &mut Tx, check_id: i64) -> Result<()> {
    for sql in [
        "DELETE FROM wellbeing_shares WHERE check_id = $1",
        "DELETE FROM wellbeing_responses WHERE check_id = $1",
        "DELETE FROM wellbeing_checks WHERE id = $1",
    ] {
        on_tx!(tx, |conn| sqlx::query(sql)
            .bind(check_id)
            .execute(&mut *conn)
            .await
            .map(|r| r.rows_affected()))?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Shares (공유)

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

const SHARE_SELECT: &str = "SELECT s.id, s.check_id, s.owner_id, o.display_name AS owner_name, \
     s.counsellor_id, c.display_name AS counsellor_name, s.purpose, s.given_at, s.revoked_at \
     FROM wellbeing_shares s JOIN accounts o ON o.id = s.owner_id JOIN accounts c ON c.id = s.counsellor_id";

/// A counsellor someone may share with or address a referral to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Counsellor {
    pub id: AccountId,
    pub display_name: String,
}

pub async fn counsellors(db: &Db) -> Result<Vec<Counsellor>> {
    Ok(on_db!(db, |pool| {
        sqlx::query_as::<_, Counsellor>(
        "SELECT id, display_name FROM accounts WHERE role = 'counsellor' AND active = TRUE ORDER BY display_name, id"
    )
    .fetch_all(pool)
    .await
    })?)
}

async fn ensure_counsellor(tx: &mut Tx, id: AccountId) -> Result<()> {
    let found: Option<(i64,)> = on_tx!(tx, |conn| sqlx::query_as(
        "SELECT id FROM accounts WHERE id = $1 AND role = 'counsellor' AND active = TRUE"
    )
    .bind(id)
    .fetch_optional(&mut *conn)
    .await)?;
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
    let (id,): (i64,) = on_tx!(tx, |conn| sqlx::query_as(
        "INSERT INTO wellbeing_shares (check_id, owner_id, counsellor_id, purpose, given_at) \
         VALUES ($1, $2, $3, $4, $5) RETURNING id"
    )
    .bind(check.id)
    .bind(check.account_id)
    .bind(counsellor)
    .bind(purpose.as_str())
    .bind(now)
    .fetch_one(&mut *conn)
    .await)
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
    on_db!(db, |pool| sqlx::query_as::<_, Share>(sqlx::AssertSqlSafe(
        sql
    ))
    .bind(id)
    .fetch_optional(pool)
    .await)?
    .ok_or(StoreError::NotFound)
}

/// End a share. Refused (not found) when it is not the owner's or already revoked.
pub async fn revoke_share(
    tx: &mut Tx,
    id: i64,
    owner: AccountId,
    now: DateTime<Utc>,
) -> Result<()> {
    let n = on_tx!(tx, |conn| {
        sqlx::query(
        "UPDATE wellbeing_shares SET revoked_at = $1 WHERE id = $2 AND owner_id = $3 AND revoked_at IS NULL"
    )
    .bind(now)
    .bind(id)
    .bind(owner)
    .execute(&mut *conn)
    .await
    .map(|r| r.rows_affected())
    })?;
    if n == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

/// Every share of a check, revoked ones included (the owner's record of who was given what).
pub async fn shares_of_check(db: &Db, check_id: i64) -> Result<Vec<Share>> {
    let sql = format!("{SHARE_SELECT} WHERE s.check_id = $1 ORDER BY s.given_at, s.id");
    Ok(on_db!(db, |pool| sqlx::query_as::<_, Share>(
        sqlx::AssertSqlSafe(sql)
    )
    .bind(check_id)
    .fetch_all(pool)
    .await)?)
}

/// The counsellors a check is shared with now: the `shared_with` of the access decision.
pub async fn readers_of_check(db: &Db, check_id: i64) -> Result<Vec<AccountId>> {
    let rows: Vec<(i64,)> = on_db!(db, |pool| sqlx::query_as(
        "SELECT counsellor_id FROM wellbeing_shares WHERE check_id = $1 AND revoked_at IS NULL"
    )
    .bind(check_id)
    .fetch_all(pool)
    .await)?;
    Ok(rows.into_iter().map(|(id,)| id).collect())
}

/// Active shares addressed to a counsellor, newest first.
pub async fn shares_to(db: &Db, counsellor: AccountId) -> Result<Vec<Share>> {
    let sql = format!(
        "{SHARE_SELECT} WHERE s.counsellor_id = $1 AND s.revoked_at IS NULL ORDER BY s.given_at DESC, s.id DESC"
    );
    Ok(on_db!(db, |pool| sqlx::query_as::<_, Share>(
        sqlx::AssertSqlSafe(sql)
    )
    .bind(counsellor)
    .fetch_all(pool)
    .await)?)
}

// ---------------------------------------------------------------------------------------------
// Referrals (상담·프로그램 의뢰)

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
}

const REFERRAL_SELECT: &str = "SELECT r.id, r.owner_id, o.display_name AS owner_name, r.counsellor_id, \
     r.kind, r.message, r.status, r.created_at, r.updated_at \
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
    let (id,): (i64,) = on_tx!(tx, |conn| {
        sqlx::query_as(
        "INSERT INTO wellbeing_referrals (owner_id, counsellor_id, kind, message, status, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, 'open', $5, $5) RETURNING id"
    )
    .bind(owner)
    .bind(counsellor)
    .bind(kind.as_str())
    .bind(message.trim())
    .bind(now)
    .fetch_one(&mut *conn)
    .await
    })?;
    Ok(id)
}

pub async fn get_referral(db: &Db, id: i64) -> Result<Referral> {
    let sql = format!("{REFERRAL_SELECT} WHERE r.id = $1");
    on_db!(db, |pool| sqlx::query_as::<_, Referral>(
        sqlx::AssertSqlSafe(sql)
    )
    .bind(id)
    .fetch_optional(pool)
    .await)?
    .ok_or(StoreError::NotFound)
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
    Ok(on_db!(db, |pool| sqlx::query_as::<_, Referral>(
        sqlx::AssertSqlSafe(sql)
    )
    .bind(owner)
    .fetch_all(pool)
    .await)?)
}

/// Referrals addressed to this counsellor or to every counsellor, newest first.
pub async fn referrals_for(db: &Db, counsellor: AccountId) -> Result<Vec<Referral>> {
    let sql = format!(
        "{REFERRAL_SELECT} WHERE r.counsellor_id = $1 OR r.counsellor_id IS NULL ORDER BY r.created_at DESC, r.id DESC"
    );
    Ok(on_db!(db, |pool| sqlx::query_as::<_, Referral>(
        sqlx::AssertSqlSafe(sql)
    )
    .bind(counsellor)
    .fetch_all(pool)
    .await)?)
}

pub async fn set_referral_status(
    tx: &mut Tx,
    id: i64,
    status: ReferralStatus,
    now: DateTime<Utc>,
) -> Result<()> {
    let n = on_tx!(tx, |conn| sqlx::query(
        "UPDATE wellbeing_referrals SET status = $1, updated_at = $2 WHERE id = $3"
    )
    .bind(status.as_str())
    .bind(now)
    .bind(id)
    .execute(&mut *conn)
    .await
    .map(|r| r.rows_affected()))?;
    if n == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Self-management plan (자기관리 계획)

#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Checkin {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub actions_done: i64,
    pub mood: i64,
    pub note: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Plan {
    pub goals: Vec<String>,
    pub actions: Vec<String>,
    pub reminder_weekday: Option<i64>,
    pub reminder_hour: Option<i64>,
    pub next_reminder_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Newest first.
    pub checkins: Vec<Checkin>,
}

#[derive(sqlx::FromRow)]
struct PlanRow {
    goals: String,
    actions: String,
    reminder_weekday: Option<i64>,
    reminder_hour: Option<i64>,
    next_reminder_at: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

fn json_lines(s: &str) -> Result<Vec<String>> {
    serde_json::from_str(s).map_err(|e| StoreError::internal("stored plan unreadable", e))
}

pub async fn plan(db: &Db, account: AccountId) -> Result<Option<Plan>> {
    let row = on_db!(db, |pool| {
        sqlx::query_as::<_, PlanRow>(
        "SELECT goals, actions, reminder_weekday, reminder_hour, next_reminder_at, created_at, updated_at \
         FROM wellbeing_plans WHERE account_id = $1"
    )
    .bind(account)
    .fetch_optional(pool)
    .await
    })?;
    let Some(row) = row else { return Ok(None) };
    let checkins = on_db!(db, |pool| sqlx::query_as::<_, Checkin>(
        "SELECT id, at, actions_done, mood, note FROM wellbeing_checkins WHERE account_id = $1 \
         ORDER BY at DESC, id DESC LIMIT 52"
    )
    .bind(account)
    .fetch_all(pool)
    .await)?;
    Ok(Some(Plan {
        goals: json_lines(&row.goals)?,
        actions: json_lines(&row.actions)?,
        reminder_weekday: row.reminder_weekday,
        reminder_hour: row.reminder_hour,
        next_reminder_at: row.next_reminder_at,
        created_at: row.created_at,
        updated_at: row.updated_at,
        checkins,
    }))
}

/// Write (or rewrite) the plan; the weekly reminder is scheduled from now.
pub async fn save_plan(
    tx: &mut Tx,
    account: AccountId,
    input: &PlanInput,
    now: DateTime<Utc>,
) -> Result<()> {
    let p = input.normalised()?;
    let goals = serde_json::to_string(&p.goals)
        .map_err(|e| StoreError::internal("plan not serialisable", e))?;
    let actions = serde_json::to_string(&p.actions)
        .map_err(|e| StoreError::internal("plan not serialisable", e))?;
    let next = match (p.reminder_weekday, p.reminder_hour) {
        (Some(d), Some(h)) => next_reminder(now, d, h),
        _ => None,
    };
    on_tx!(tx, |conn| {
        sqlx::query(
        "INSERT INTO wellbeing_plans (account_id, goals, actions, reminder_weekday, reminder_hour, \
         next_reminder_at, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $7) \
         ON CONFLICT (account_id) DO UPDATE SET goals = excluded.goals, actions = excluded.actions, \
         reminder_weekday = excluded.reminder_weekday, reminder_hour = excluded.reminder_hour, \
         next_reminder_at = excluded.next_reminder_at, updated_at = excluded.updated_at"
    )
    .bind(account)
    .bind(&goals)
    .bind(&actions)
    .bind(p.reminder_weekday.map(i64::from))
    .bind(p.reminder_hour.map(i64::from))
    .bind(next)
    .bind(now)
    .execute(&mut *conn)
    .await
    .map(|r| r.rows_affected())
    })?;
    Ok(())
}

pub async fn add_checkin(
    tx: &mut Tx,
    account: AccountId,
    actions_done: i64,
    mood: i64,
    note: &str,
    now: DateTime<Utc>,
) -> Result<i64> {
    let actions: Option<(String,)> = on_tx!(tx, |conn| sqlx::query_as(
        "SELECT actions FROM wellbeing_plans WHERE account_id = $1"
    )
    .bind(account)
    .fetch_optional(&mut *conn)
    .await)?;
    let Some((actions,)) = actions else {
        return Err(conflict(
            "먼저 자기관리 계획을 세워 주세요",
            "write a self-management plan first",
        ));
    };
    validate_checkin(actions_done, json_lines(&actions)?.len(), mood, note)?;
    let (id,): (i64,) = on_tx!(tx, |conn| sqlx::query_as(
        "INSERT INTO wellbeing_checkins (account_id, at, actions_done, mood, note) \
         VALUES ($1, $2, $3, $4, $5) RETURNING id"
    )
    .bind(account)
    .bind(now)
    .bind(actions_done)
    .bind(mood)
    .bind(note.trim())
    .fetch_one(&mut *conn)
    .await)?;
    Ok(id)
}

/// Queue the weekly plan reminders that are due, through the outbox, and schedule the next
/// ones. The message says nothing about results (mail can be read over a shoulder). Each plan is
/// claimed by moving its reminder forward first, so several servers never send one twice.
/// Call it periodically (with [`purge`]); returns how many reminders were queued.
pub async fn queue_due_reminders(db: &Db, now: DateTime<Utc>) -> Result<u64> {
    #[derive(sqlx::FromRow)]
    struct Due {
        account_id: AccountId,
        next_reminder_at: DateTime<Utc>,
        reminder_weekday: i64,
        reminder_hour: i64,
        email: String,
    }
    let due = on_db!(db, |pool| sqlx::query_as::<_, Due>(
        "SELECT p.account_id, p.next_reminder_at, p.reminder_weekday, p.reminder_hour, a.email \
         FROM wellbeing_plans p JOIN accounts a ON a.id = p.account_id \
         WHERE p.next_reminder_at IS NOT NULL AND p.next_reminder_at <= $1 \
         AND p.reminder_weekday IS NOT NULL AND p.reminder_hour IS NOT NULL AND a.active = TRUE \
         ORDER BY p.account_id LIMIT 500"
    )
    .bind(now)
    .fetch_all(pool)
    .await)?;
    let mut queued = 0;
    for d in due {
        let weekday = u32::try_from(d.reminder_weekday).unwrap_or(0);
        let hour = u32::try_from(d.reminder_hour).unwrap_or(9);
        let next = next_reminder(now, weekday, hour);
        let mut tx = db.begin().await?;
        let claimed = on_tx!(&mut tx, |conn| {
            sqlx::query(
            "UPDATE wellbeing_plans SET next_reminder_at = $1 WHERE account_id = $2 AND next_reminder_at = $3"
        )
        .bind(next)
        .bind(d.account_id)
        .bind(d.next_reminder_at)
        .execute(&mut *conn)
        .await
        .map(|r| r.rows_affected())
        })?;
        if claimed == 1 && !d.email.trim().is_empty() {
            outbox::enqueue(
                &mut tx,
                outbox::Channel::Email,
                d.email.trim(),
                "[민원] 이번 주 자기관리 계획 (Your weekly plan)",
                "이번 주 자기관리 계획을 확인하고 실천 기록을 남겨 보세요. /wellbeing/plan\n\
                 Take a look at this week's self-management plan and check in. /wellbeing/plan",
                now,
            )
            .await?;
            queued += 1;
        }
        tx.commit().await?;
    }
    Ok(queued)
}

// ---------------------------------------------------------------------------------------------
// Invitations (검진 안내)

#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Invitation {
    pub id: i64,
    pub account_id: AccountId,
    pub reason: String,
    pub created_at: DateTime<Utc>,
    pub dismissed_at: Option<DateTime<Utc>>,
}

/// Invite an official to a check (called by the protection capability after repeated
/// incidents). An invitation still open for the same reason is returned instead of a second
/// one. Only the official ever sees it: no access-log entry or notification names them, so it
/// never becomes an individual signal to supervisors or administrators.
pub async fn invite(
    tx: &mut Tx,
    account: AccountId,
    reason: InvitationReason,
    now: DateTime<Utc>,
) -> Result<i64> {
    let open: Option<(i64,)> = on_tx!(tx, |conn| {
        sqlx::query_as(
        "SELECT id FROM wellbeing_invitations WHERE account_id = $1 AND reason = $2 AND dismissed_at IS NULL"
    )
    .bind(account)
    .bind(reason.as_str())
    .fetch_optional(&mut *conn)
    .await
    })?;
    if let Some((id,)) = open {
        return Ok(id);
    }
    let (id,): (i64,) = on_tx!(tx, |conn| {
        sqlx::query_as(
        "INSERT INTO wellbeing_invitations (account_id, reason, created_at) VALUES ($1, $2, $3) RETURNING id"
    )
    .bind(account)
    .bind(reason.as_str())
    .bind(now)
    .fetch_one(&mut *conn)
    .await
    })?;
    Ok(id)
}

/// The official's open invitations.
pub async fn invitations(db: &Db, account: AccountId) -> Result<Vec<Invitation>> {
    Ok(on_db!(db, |pool| sqlx::query_as::<_, Invitation>(
        "SELECT id, account_id, reason, created_at, dismissed_at FROM wellbeing_invitations \
         WHERE account_id = $1 AND dismissed_at IS NULL ORDER BY created_at DESC, id DESC"
    )
    .bind(account)
    .fetch_all(pool)
    .await)?)
}

pub async fn dismiss_invitation(
    tx: &mut Tx,
    id: i64,
    account: AccountId,
    now: DateTime<Utc>,
) -> Result<()> {
    let n = on_tx!(tx, |conn| {
        sqlx::query(
        "UPDATE wellbeing_invitations SET dismissed_at = $1 WHERE id = $2 AND account_id = $3 AND dismissed_at IS NULL"
    )
    .bind(now)
    .bind(id)
    .bind(account)
    .execute(&mut *conn)
    .await
    .map(|r| r.rows_affected())
    })?;
    if n == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Deletion (삭제)

/// Delete everything the official has in wellbeing: checks, answers, shares, referrals, plan,
/// check-ins, invitations and consent. Returns how many rows went.
pub async fn delete_all(tx: &mut Tx, account: AccountId) -> Result<u64> {
    let mut n = 0;
    for sql in [
        "DELETE FROM wellbeing_shares WHERE owner_id = $1",
        "DELETE FROM wellbeing_responses WHERE check_id IN (SELECT id FROM wellbeing_checks WHERE account_id = $1)",
        "DELETE FROM wellbeing_checks WHERE account_id = $1",
        "DELETE FROM wellbeing_referrals WHERE owner_id = $1",
        "DELETE FROM wellbeing_checkins WHERE account_id = $1",
        "DELETE FROM wellbeing_plans WHERE account_id = $1",
        "DELETE FROM wellbeing_invitations WHERE account_id = $1",
        "DELETE FROM wellbeing_consents WHERE account_id = $1",
    ] {
        n += on_tx!(tx, |conn| sqlx::query(sql)
            .bind(account)
            .execute(&mut *conn)
            .await
            .map(|r| r.rows_affected()))?;
    }
    Ok(n)
}

/// Delete what is older than the retention period (5 years): checks by when they started (with
/// their answers and shares), shares, referrals, consents, plans by their last change, check-ins
/// and invitations. Returns how many rows went. The server calls it periodically
/// (`minwon admin wellbeing purge` runs it once).
pub async fn purge(db: &Db, now: DateTime<Utc>) -> Result<u64> {
    let cutoff = retention_cutoff(now);
    let mut tx = db.begin().await?;
    let mut n = 0;
    for sql in [
        "DELETE FROM wellbeing_shares WHERE given_at < $1 \
         OR check_id IN (SELECT id FROM wellbeing_checks WHERE started_at < $1)",
        "DELETE FROM wellbeing_responses WHERE check_id IN (SELECT id FROM wellbeing_checks WHERE started_at < $1)",
        "DELETE FROM wellbeing_checks WHERE started_at < $1",
        "DELETE FROM wellbeing_referrals WHERE created_at < $1",
        "DELETE FROM wellbeing_checkins WHERE at < $1 \
         OR account_id IN (SELECT account_id FROM wellbeing_plans WHERE updated_at < $1)",
        "DELETE FROM wellbeing_plans WHERE updated_at < $1",
        "DELETE FROM wellbeing_invitations WHERE created_at < $1",
        "DELETE FROM wellbeing_consents WHERE given_at < $1",
    ] {
        n += on_tx!(&mut tx, |conn| sqlx::query(sql)
            .bind(cutoff)
            .execute(&mut *conn)
            .await
            .map(|r| r.rows_affected()))?;
    }
    tx.commit().await?;
    Ok(n)
}

/// The periodic job: delete expired records and queue due plan reminders.
pub async fn maintenance(db: &Db, now: DateTime<Utc>) -> Result<(u64, u64)> {
    let purged = purge(db, now).await?;
    let reminders = queue_due_reminders(db, now).await?;
    Ok((purged, reminders))
}

// ---------------------------------------------------------------------------------------------
// Group report inputs (집단 분석)

/// The departments with their staff headcount, and each respondent's latest completed check in
/// `year` (Korean calendar year). Only department and band keys leave this function.
pub async fn report_inputs(db: &Db, year: i32) -> Result<(Vec<ReportDepartment>, Vec<Respondent>)> {
    let kst = chrono::FixedOffset::east_opt(9 * 3600).ok_or(StoreError::NotFound)?;
    let bound = |y: i32| {
        kst.with_ymd_and_hms(y, 1, 1, 0, 0, 0)
            .single()
            .map(|t| t.with_timezone(&Utc))
            .ok_or_else(|| {
                StoreError::Rule(RuleError::new(
                    "bad_year",
                    "연도가 올바르지 않습니다",
                    "the year is out of range",
                ))
            })
    };
    let (start, end) = (bound(year)?, bound(year + 1)?);
    let departments = crate::office::departments::list(db).await?;
    let heads: Vec<(i64, i64)> = on_db!(db, |pool| {
        sqlx::query_as(
        "SELECT department_id, COUNT(*) FROM accounts WHERE active = TRUE AND role <> 'resident' \
         AND department_id IS NOT NULL GROUP BY department_id"
    )
    .fetch_all(pool)
    .await
    })?;
    let heads: BTreeMap<i64, i64> = heads.into_iter().collect();
    let depts = departments
        .into_iter()
        .map(|d| ReportDepartment {
            headcount: heads.get(&d.id).copied().unwrap_or(0),
            id: d.id,
            parent: d.parent_id,
            name: d.name,
        })
        .collect();

    #[derive(sqlx::FromRow)]
    struct Row {
        account_id: i64,
        check_id: i64,
        department_id: Option<i64>,
        instrument: String,
        band: String,
    }
    // Newest check first per account, so the first one seen per account is its latest.
    let rows = on_db!(db, |pool| sqlx::query_as::<_, Row>(
        "SELECT c.account_id, c.id AS check_id, c.department_id, r.instrument, r.band \
         FROM wellbeing_checks c JOIN wellbeing_responses r ON r.check_id = c.id \
         WHERE c.completed_at IS NOT NULL AND c.completed_at >= $1 AND c.completed_at < $2 \
         ORDER BY c.account_id, c.completed_at DESC, c.id DESC"
    )
    .bind(start)
    .bind(end)
    .fetch_all(pool)
    .await)?;
    let mut latest: BTreeMap<i64, (i64, Respondent)> = BTreeMap::new();
    for r in rows {
        let entry = latest.entry(r.account_id).or_insert_with(|| {
            (
                r.check_id,
                Respondent {
                    department: r.department_id,
                    bands: BTreeMap::new(),
                },
            )
        });
        if entry.0 == r.check_id {
            entry.1.bands.insert(r.instrument, r.band);
        }
    }
    Ok((depts, latest.into_values().map(|(_, r)| r).collect()))
}

/// The current year in Korea, the default report period.
pub fn current_year(now: DateTime<Utc>) -> i32 {
    (now + chrono::Duration::hours(9)).year()
}
