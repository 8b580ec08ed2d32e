//! Checks (검사): starting one, its answers and scores, reading and deleting it.

use super::*;
use crate::{execute, fetch_all, fetch_one, fetch_optional};

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
pub(super) struct ResponseRow {
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
pub(super) struct CheckRow {
    id: i64,
    account_id: AccountId,
    department_id: Option<DepartmentId>,
    started_at: DateTime<Utc>,
    completed_at: Option<DateTime<Utc>>,
    crisis: bool,
}

pub(super) const CHECK_COLUMNS: &str =
    "id, account_id, department_id, started_at, completed_at, crisis";

pub(super) async fn responses_of(db: &Db, ids: &[i64]) -> Result<BTreeMap<i64, Vec<Response>>> {
    let mut by_check: BTreeMap<i64, Vec<Response>> = BTreeMap::new();
    for id in ids {
        let rows = fetch_all!(
            db,
            ResponseRow,
            "SELECT check_id, instrument, version, answers, total, band, answered_at \
             FROM wellbeing_responses WHERE check_id = $1 ORDER BY answered_at, instrument",
            id
        )?;
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

pub(super) fn with_responses(
    rows: Vec<CheckRow>,
    mut responses: BTreeMap<i64, Vec<Response>>,
) -> Vec<Check> {
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
    let row = fetch_optional!(db, CheckRow, sqlx::AssertSqlSafe(sql), id)?.or_not_found()?;
    let responses = responses_of(db, &[row.id]).await?;
    with_responses(vec![row], responses).pop().or_not_found()
}

/// The official's checks, newest first (the trend and the list of past results).
pub async fn list_checks(db: &Db, account: AccountId) -> Result<Vec<Check>> {
    let sql = format!(
        "SELECT {CHECK_COLUMNS} FROM wellbeing_checks WHERE account_id = $1 ORDER BY started_at DESC, id DESC"
    );
    let rows = fetch_all!(db, CheckRow, sqlx::AssertSqlSafe(sql), account)?;
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
    let consent: Option<Consent> = fetch_optional!(
        tx,
        Consent,
        "SELECT version, given_at, withdrawn_at FROM wellbeing_consents WHERE account_id = $1",
        account
    )?;
    if !consent.is_some_and(|c| c.is_active()) {
        return Err(RuleError::new(
            "consent_required",
            "검사 전에 건강정보 처리에 대한 동의가 필요합니다",
            "consent to processing health data is needed before the first check",
        )
        .into());
    }
    let open: Option<(i64,)> = fetch_optional!(
        tx,
        _,
        "SELECT id FROM wellbeing_checks WHERE account_id = $1 AND completed_at IS NULL",
        account
    )?;
    if let Some((id,)) = open {
        return Ok((id, false));
    }
    let (id,): (i64,) = fetch_one!(tx, _, "INSERT INTO wellbeing_checks (account_id, department_id, started_at, completed_at, crisis) \
         VALUES ($1, $2, $3, NULL, FALSE) RETURNING id", account, department, now)
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
            format!("알 수 없는 검사 도구입니다: {instrument_id}"),
            format!("unknown instrument '{instrument_id}'"),
        )
    })?;
    let result = result_of(instrument, answers)?;
    // Take the row lock first (PostgreSQL; SQLite's write lock) so two submissions serialise.
    let state: Option<(Option<DateTime<Utc>>,)> = fetch_optional!(
        tx,
        _,
        "UPDATE wellbeing_checks SET crisis = crisis WHERE id = $1 RETURNING completed_at",
        check_id
    )?;
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
    execute!(tx, "INSERT INTO wellbeing_responses (check_id, instrument, version, answers, total, band, answered_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)", check_id, &instrument.id, instrument.version, &json, result.score.total, &result.band.key, now)
    .map_err(|e| {
        conflict_on_unique(e, domain::Bilingual::new(format!("{}에는 이미 답했습니다. 같은 검사에 두 번 답할 수 없습니다", instrument.name.ko), format!("{} is already answered in this check", instrument.name.en)))
    })?;
    let answered: Vec<Option<i64>> = answers.iter().copied().map(Some).collect();
    let crisis = instrument.opens_crisis_gate(&answered);
    if crisis {
        execute!(
            tx,
            "UPDATE wellbeing_checks SET crisis = TRUE WHERE id = $1",
            check_id
        )?;
    }
    let (count,): (i64,) = fetch_one!(
        tx,
        _,
        "SELECT COUNT(*) FROM wellbeing_responses WHERE check_id = $1",
        check_id
    )?;
    let completed = count >= battery.instruments.len() as i64;
    if completed {
        execute!(
            tx,
            "UPDATE wellbeing_checks SET completed_at = $1 WHERE id = $2",
            now,
            check_id
        )?;
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
        execute!(tx, sql, check_id)?;
    }
    Ok(())
}
