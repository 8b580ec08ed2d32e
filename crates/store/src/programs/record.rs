//! The learning record (상시학습 실적): credits per person and year, hours entered from outside
//! training with evidence for the training officer to approve, the department roll-up, and the
//! rows of the HR exports.

use super::attendance::{Day, days};
use crate::{Db, Result, StoreError, Tx, execute, fetch_all, fetch_one, fetch_optional};
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use domain::programs::{ExternalState, LearningCategory};
use domain::{AccountId, DepartmentId, RuleError};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

fn bad(code: &'static str, ko: &str, en: &str) -> StoreError {
    StoreError::Rule(RuleError::new(code, ko, en))
}

/// One credited entry of a year: a completion or approved outside hours.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct Credit {
    pub id: i64,
    pub year: i64,
    pub category: String,
    pub designated: bool,
    pub minutes: i64,
    pub title: String,
    pub completion_id: Option<i64>,
    pub external_id: Option<i64>,
    pub credited_at: DateTime<Utc>,
}

pub async fn credits(db: &Db, account_id: AccountId, year: i32) -> Result<Vec<Credit>> {
    Ok(fetch_all!(
        db,
        Credit,
        "SELECT id, year, category, designated, minutes, title, completion_id, external_id, credited_at \
         FROM learning_credits WHERE account_id = $1 AND year = $2 ORDER BY credited_at, id",
        account_id,
        i64::from(year)
    )?)
}

/// Recognised minutes of the sessions people are booked on that have not started yet and end
/// within `year`, per account: what the at-risk rule counts as on its way.
pub async fn booked_minutes(
    db: &Db,
    year: i32,
    now: DateTime<Utc>,
) -> Result<HashMap<AccountId, i64>> {
    let last = NaiveDate::from_ymd_opt(year, 12, 31).ok_or(StoreError::NotFound)?;
    let rows: Vec<(AccountId, i64)> = fetch_all!(
        db,
        _,
        "SELECT e.account_id, CAST(SUM(p.recognised_minutes) AS BIGINT) FROM program_enrolments e \
         JOIN program_sessions s ON s.id = e.session_id JOIN programs p ON p.id = s.program_id \
         WHERE e.state = 'enrolled' AND s.state = 'scheduled' \
         AND (SELECT MIN(starts_at) FROM program_session_days WHERE session_id = s.id) > $1 \
         AND (SELECT MAX(day) FROM program_session_days WHERE session_id = s.id) <= $2 \
         GROUP BY e.account_id",
        now,
        last
    )?;
    Ok(rows.into_iter().collect())
}

/// Hours from outside training, as typed.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ExternalInput {
    pub title: String,
    pub category: LearningCategory,
    pub designated: bool,
    pub minutes: i64,
    pub happened_on: NaiveDate,
}

/// An entry of outside hours.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct ExternalEntry {
    pub id: i64,
    pub account_id: AccountId,
    pub name: String,
    pub department: String,
    pub department_id: Option<DepartmentId>,
    pub title: String,
    pub category: String,
    pub designated: bool,
    pub minutes: i64,
    pub happened_on: NaiveDate,
    pub evidence_hash: String,
    pub evidence_name: String,
    pub state: String,
    pub requested_at: DateTime<Utc>,
    pub decided_at: Option<DateTime<Utc>>,
    pub decision_note: String,
}

const EXTERNAL_SELECT: &str = "SELECT x.id, x.account_id, a.display_name AS name, COALESCE(d.name, '') AS department, \
     a.department_id, x.title, x.category, x.designated, x.minutes, x.happened_on, x.evidence_hash, x.evidence_name, \
     x.state, x.requested_at, x.decided_at, x.decision_note FROM learning_external_entries x \
     JOIN accounts a ON a.id = x.account_id LEFT JOIN departments d ON d.id = a.department_id";

/// Check outside hours before any file is kept: a title, 1 minute to 100 hours, a day neither
/// in the future nor before last year.
pub fn check_external(input: &ExternalInput, today: NaiveDate) -> Result<()> {
    let title = input.title.trim();
    if title.is_empty() || title.chars().count() > 200 {
        return Err(bad(
            "external_title_required",
            "교육명을 적어 주세요 (200자 이내).",
            "Enter the name of the training (at most 200 characters).",
        ));
    }
    if !(1..=100 * 60).contains(&input.minutes) {
        return Err(bad(
            "external_minutes_out_of_range",
            "인정받을 시간은 1분 이상 100시간 이하로 적어 주세요.",
            "The hours must be between 1 minute and 100 hours.",
        ));
    }
    if input.happened_on > today || input.happened_on.year() < today.year() - 1 {
        return Err(bad(
            "external_date_out_of_range",
            "교육일은 작년 1월 1일부터 오늘까지여야 합니다.",
            "The date must be between 1 January last year and today.",
        ));
    }
    Ok(())
}

/// Enter outside hours with the evidence already in the blob store (`evidence_hash`). The same
/// evidence twice for one person is refused.
pub async fn submit_external(
    tx: &mut Tx,
    account_id: AccountId,
    input: &ExternalInput,
    evidence_hash: &str,
    evidence_name: &str,
    now: DateTime<Utc>,
) -> Result<ExternalEntry> {
    check_external(input, now.with_timezone(&calendar::SEOUL).date_naive())?;
    let (id,): (i64,) = fetch_optional!(
        &mut *tx,
        _,
        "INSERT INTO learning_external_entries (account_id, title, category, designated, minutes, happened_on, \
         evidence_hash, evidence_name, state, requested_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
         ON CONFLICT (account_id, evidence_hash) DO NOTHING RETURNING id",
        account_id,
        input.title.trim(),
        input.category.as_str(),
        input.designated,
        input.minutes,
        input.happened_on,
        evidence_hash,
        evidence_name.trim(),
        ExternalState::Requested.as_str(),
        now
    )?
    .ok_or_else(|| {
        StoreError::conflict(
            "같은 증빙 파일로 이미 신청한 교육시간이 있습니다.",
            "Hours were already entered with this same evidence file.",
        )
    })?;
    external_entry(&mut *tx, id).await
}

async fn external_entry(tx: &mut Tx, id: i64) -> Result<ExternalEntry> {
    fetch_optional!(
        tx,
        ExternalEntry,
        sqlx::AssertSqlSafe(format!("{EXTERNAL_SELECT} WHERE x.id = $1")),
        id
    )?
    .ok_or(StoreError::NotFound)
}

pub async fn external(db: &Db, id: i64) -> Result<ExternalEntry> {
    fetch_optional!(
        db,
        ExternalEntry,
        sqlx::AssertSqlSafe(format!("{EXTERNAL_SELECT} WHERE x.id = $1")),
        id
    )?
    .ok_or(StoreError::NotFound)
}

/// An official's entries, newest first.
pub async fn external_of(db: &Db, account_id: AccountId) -> Result<Vec<ExternalEntry>> {
    Ok(fetch_all!(
        db,
        ExternalEntry,
        sqlx::AssertSqlSafe(format!(
            "{EXTERNAL_SELECT} WHERE x.account_id = $1 ORDER BY x.requested_at DESC, x.id DESC"
        )),
        account_id
    )?)
}

/// Entries waiting for a decision, oldest first.
pub async fn external_requested(db: &Db) -> Result<Vec<ExternalEntry>> {
    Ok(fetch_all!(
        db,
        ExternalEntry,
        sqlx::AssertSqlSafe(format!(
            "{EXTERNAL_SELECT} WHERE x.state = 'requested' ORDER BY x.requested_at, x.id"
        )),
    )?)
}

/// Approve (crediting the hours in the year they happened) or reject (with a reason).
pub async fn decide_external(
    tx: &mut Tx,
    id: i64,
    approve: bool,
    note: &str,
    by: AccountId,
    now: DateTime<Utc>,
) -> Result<ExternalEntry> {
    let note = note.trim();
    if !approve && note.is_empty() {
        return Err(bad(
            "reason_required",
            "반려하는 이유를 적어 주세요.",
            "Give the reason for rejecting.",
        ));
    }
    let state = if approve {
        ExternalState::Approved
    } else {
        ExternalState::Rejected
    };
    let touched = execute!(
        &mut *tx,
        "UPDATE learning_external_entries SET state = $2, decided_by = $3, decided_at = $4, decision_note = $5 \
         WHERE id = $1 AND state = 'requested'",
        id,
        state.as_str(),
        by,
        now,
        note
    )?;
    let entry = external_entry(&mut *tx, id).await?;
    if touched == 0 {
        return Err(StoreError::conflict(
            "이미 승인 또는 반려한 신청입니다.",
            "That entry has already been decided.",
        ));
    }
    if approve {
        execute!(
            &mut *tx,
            "INSERT INTO learning_credits (account_id, year, category, designated, minutes, title, external_id, credited_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (external_id) DO NOTHING",
            entry.account_id,
            i64::from(entry.happened_on.year()),
            &entry.category,
            entry.designated,
            entry.minutes,
            &entry.title,
            id,
            now
        )?;
    }
    Ok(entry)
}

/// One official's year, for the roll-up.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct PersonYear {
    pub account_id: AccountId,
    pub name: String,
    pub department_id: Option<DepartmentId>,
    pub department: String,
    pub grade: Option<i64>,
    pub total_minutes: i64,
    pub designated_minutes: i64,
}

/// Every active official's credited minutes of `year`, by department and name.
pub async fn rollup(db: &Db, year: i32) -> Result<Vec<PersonYear>> {
    Ok(fetch_all!(
        db,
        PersonYear,
        "SELECT a.id AS account_id, a.display_name AS name, a.department_id, COALESCE(d.name, '') AS department, \
         a.grade, CAST(COALESCE(SUM(c.minutes), 0) AS BIGINT) AS total_minutes, \
         CAST(COALESCE(SUM(CASE WHEN c.designated THEN c.minutes ELSE 0 END), 0) AS BIGINT) AS designated_minutes \
         FROM accounts a LEFT JOIN departments d ON d.id = a.department_id \
         LEFT JOIN learning_credits c ON c.account_id = a.id AND c.year = $1 \
         WHERE a.active = $2 AND a.role <> 'resident' \
         GROUP BY a.id, a.display_name, a.department_id, d.name, a.grade \
         ORDER BY d.name, a.display_name, a.id",
        i64::from(year),
        true
    )?)
}

/// One row of the HR exports: a person on a session (or an outside entry).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HoursRow {
    pub account_id: AccountId,
    pub name: String,
    pub department: String,
    pub grade: Option<i64>,
    pub title: String,
    pub session_label: String,
    pub first_day: Option<NaiveDate>,
    pub last_day: Option<NaiveDate>,
    pub starts_at: Option<DateTime<Utc>>,
    pub ends_at: Option<DateTime<Utc>>,
    /// Scheduled minutes of the session (교육시간).
    pub scheduled_minutes: i64,
    pub attended_minutes: i64,
    /// Credited minutes (인정시간) once completed.
    pub credited_minutes: Option<i64>,
    /// Whether attendance is closed (otherwise completion is not known yet).
    pub closed: bool,
}

#[derive(sqlx::FromRow)]
struct EnrolmentHours {
    session_id: i64,
    account_id: AccountId,
    name: String,
    department: String,
    grade: Option<i64>,
    title: String,
    session_label: String,
    attended_minutes: i64,
    credited_minutes: Option<i64>,
}

const HOURS_SELECT: &str = "SELECT e.session_id, e.account_id, a.display_name AS name, COALESCE(d.name, '') AS department, \
     a.grade, p.title, s.label AS session_label, \
     CAST(COALESCE((SELECT SUM(t.minutes) FROM program_attendance t WHERE t.enrolment_id = e.id), 0) AS BIGINT) AS attended_minutes, \
     m.credited_minutes FROM program_enrolments e JOIN accounts a ON a.id = e.account_id \
     LEFT JOIN departments d ON d.id = a.department_id JOIN program_sessions s ON s.id = e.session_id \
     JOIN programs p ON p.id = s.program_id LEFT JOIN program_completions m ON m.enrolment_id = e.id";

async fn with_days(db: &Db, rows: Vec<EnrolmentHours>) -> Result<Vec<HoursRow>> {
    let mut cache: HashMap<i64, Vec<Day>> = HashMap::new();
    for r in &rows {
        if let std::collections::hash_map::Entry::Vacant(slot) = cache.entry(r.session_id) {
            slot.insert(days(db, r.session_id).await?);
        }
    }
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let ds = cache
            .get(&r.session_id)
            .map(Vec::as_slice)
            .unwrap_or_default();
        out.push(HoursRow {
            account_id: r.account_id,
            name: r.name,
            department: r.department,
            grade: r.grade,
            title: r.title,
            session_label: r.session_label,
            first_day: ds.first().map(|d| d.day),
            last_day: ds.last().map(|d| d.day),
            starts_at: ds.first().map(|d| d.starts_at),
            ends_at: ds.last().map(|d| d.ends_at),
            scheduled_minutes: ds.iter().map(Day::minutes).sum(),
            attended_minutes: r.attended_minutes,
            credited_minutes: r.credited_minutes,
            closed: super::completion::is_closed(ds),
        });
    }
    Ok(out)
}

#[derive(sqlx::FromRow)]
struct ExternalHours {
    account_id: AccountId,
    name: String,
    department: String,
    grade: Option<i64>,
    title: String,
    happened_on: NaiveDate,
    minutes: i64,
}

/// Everyone enrolled on a session.
pub async fn session_hours(db: &Db, session_id: i64) -> Result<Vec<HoursRow>> {
    let rows = fetch_all!(
        db,
        EnrolmentHours,
        sqlx::AssertSqlSafe(format!(
            "{HOURS_SELECT} WHERE e.session_id = $1 AND e.state = 'enrolled' ORDER BY d.name, a.display_name, e.id"
        )),
        session_id
    )?;
    with_days(db, rows).await
}

/// Every enrolment on a session ending in `year`, and every approved outside entry of the year.
pub async fn year_hours(db: &Db, year: i32) -> Result<Vec<HoursRow>> {
    let first = NaiveDate::from_ymd_opt(year, 1, 1).ok_or(StoreError::NotFound)?;
    let last = NaiveDate::from_ymd_opt(year, 12, 31).ok_or(StoreError::NotFound)?;
    let rows = fetch_all!(
        db,
        EnrolmentHours,
        sqlx::AssertSqlSafe(format!(
            "{HOURS_SELECT} WHERE e.state = 'enrolled' AND s.state = 'scheduled' \
             AND (SELECT MAX(day) FROM program_session_days WHERE session_id = s.id) BETWEEN $1 AND $2 \
             ORDER BY d.name, a.display_name, e.id"
        )),
        first,
        last
    )?;
    let mut out = with_days(db, rows).await?;
    let external = fetch_all!(
        db,
        ExternalHours,
        "SELECT x.account_id, a.display_name AS name, COALESCE(d.name, '') AS department, a.grade, x.title, \
         x.happened_on, x.minutes \
         FROM learning_external_entries x JOIN accounts a ON a.id = x.account_id \
         LEFT JOIN departments d ON d.id = a.department_id \
         WHERE x.state = 'approved' AND x.happened_on BETWEEN $1 AND $2 ORDER BY d.name, a.display_name, x.id",
        first,
        last
    )?;
    out.extend(external.into_iter().map(|x| HoursRow {
        account_id: x.account_id,
        name: x.name,
        department: x.department,
        grade: x.grade,
        title: x.title,
        session_label: String::new(),
        first_day: Some(x.happened_on),
        last_day: Some(x.happened_on),
        starts_at: None,
        ends_at: None,
        scheduled_minutes: x.minutes,
        attended_minutes: x.minutes,
        credited_minutes: Some(x.minutes),
        closed: true,
    }));
    out.sort_by(|a, b| {
        (&a.department, &a.name, a.first_day).cmp(&(&b.department, &b.name, b.first_day))
    });
    Ok(out)
}

/// The outside entry an evidence hash belongs to, for the download's check.
pub async fn evidence_owner(db: &Db, evidence_hash: &str) -> Result<Vec<(i64, AccountId)>> {
    Ok(fetch_all!(
        db,
        _,
        "SELECT id, account_id FROM learning_external_entries WHERE evidence_hash = $1",
        evidence_hash
    )?)
}

/// How many minutes an account has credited in `year` (for a one-person page).
pub async fn credited_total(db: &Db, account_id: AccountId, year: i32) -> Result<i64> {
    let (n,): (i64,) = fetch_one!(
        db,
        _,
        "SELECT CAST(COALESCE(SUM(minutes), 0) AS BIGINT) FROM learning_credits WHERE account_id = $1 AND year = $2",
        account_id,
        i64::from(year)
    )?;
    Ok(n)
}
