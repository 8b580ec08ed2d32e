//! Attendance per person and day (출석): self check-in by the room's rotating code, the
//! organiser's marks, walk-ins kept until they are matched to an account, and the broadcast
//! audience a department contact records.
//!
//! The `minutes` column of `program_attendance` holds the minutes a mark is worth
//! ([`domain::programs::attendance::attended_minutes`]), so completion sums one column.

use crate::kit::sql::Target;
use crate::{Db, Result, StoreError, Tx, execute, fetch_all, fetch_one, fetch_optional};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use domain::programs::attendance::attended_minutes;
use domain::programs::{AttendanceMethod, AttendanceStatus, checkin};
use domain::{AccountId, DepartmentId, RuleError};
use serde::Serialize;

/// The room's code is accepted from this many minutes before a day starts until it ends.
pub const CHECKIN_OPENS_MINUTES: i64 = 30;
/// Checking in later than this many minutes after the start is late: the minutes from the
/// check-in to the end are what counts.
pub const LATE_AFTER_MINUTES: i64 = 10;

fn bad(code: &'static str, ko: &str, en: &str) -> StoreError {
    StoreError::Rule(RuleError::new(code, ko, en))
}

/// What closing and checking in need to know about a session and its program.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct SessionFacts {
    pub session_id: i64,
    pub program_id: i64,
    pub title: String,
    pub title_en: String,
    pub label: String,
    pub delivery: String,
    pub venue: String,
    pub state: String,
    pub category: String,
    pub designated: bool,
    pub recognised_minutes: i64,
    pub min_attended_percent: i64,
    pub feedback_required: bool,
    pub owner_department_id: Option<DepartmentId>,
    pub created_by: Option<AccountId>,
    #[serde(skip)]
    pub checkin_secret: String,
}

pub async fn session_facts<'a>(target: impl Target<'a>, session_id: i64) -> Result<SessionFacts> {
    fetch_optional!(
        target,
        SessionFacts,
        "SELECT s.id AS session_id, p.id AS program_id, p.title, p.title_en, s.label, s.delivery, \
         s.venue, s.state, p.category, p.designated, p.recognised_minutes, p.min_attended_percent, \
         p.feedback_required, p.owner_department_id, s.created_by, s.checkin_secret \
         FROM program_sessions s JOIN programs p ON p.id = s.program_id WHERE s.id = $1",
        session_id
    )?
    .ok_or(StoreError::NotFound)
}

/// One day of a session.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct Day {
    pub id: i64,
    pub session_id: i64,
    pub day: NaiveDate,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub attendance_closed_at: Option<DateTime<Utc>>,
}

impl Day {
    /// The day's scheduled minutes.
    pub fn minutes(&self) -> i64 {
        (self.ends_at - self.starts_at).num_minutes().max(0)
    }

    /// Whether the room's code is accepted at `now`.
    pub fn check_in_open(&self, now: DateTime<Utc>) -> bool {
        self.attendance_closed_at.is_none()
            && now >= self.starts_at - Duration::minutes(CHECKIN_OPENS_MINUTES)
            && now <= self.ends_at
    }
}

pub async fn days<'a>(target: impl Target<'a>, session_id: i64) -> Result<Vec<Day>> {
    Ok(fetch_all!(
        target,
        Day,
        "SELECT id, session_id, day, starts_at, ends_at, attendance_closed_at \
         FROM program_session_days WHERE session_id = $1 ORDER BY starts_at",
        session_id
    )?)
}

async fn day(tx: &mut Tx, day_id: i64) -> Result<Day> {
    fetch_optional!(
        tx,
        Day,
        "SELECT id, session_id, day, starts_at, ends_at, attendance_closed_at \
         FROM program_session_days WHERE id = $1",
        day_id
    )?
    .ok_or(StoreError::NotFound)
}

fn refuse_closed(day: &Day) -> Result<()> {
    if day.attendance_closed_at.is_some() {
        return Err(bad(
            "attendance_closed",
            "출석이 마감된 날입니다. 마감 후에는 고칠 수 없습니다.",
            "Attendance for that day is closed and can no longer be changed.",
        ));
    }
    Ok(())
}

/// What a check-in did.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CheckIn {
    pub session_id: i64,
    pub day: NaiveDate,
    pub status: AttendanceStatus,
    pub minutes: i64,
    /// When the attendance was recorded (the first check-in, when checking in again).
    pub recorded_at: DateTime<Utc>,
    /// The person was not enrolled: kept as a walk-in for the organiser to confirm.
    pub walk_in: bool,
    /// They had checked in already today; nothing changed.
    pub already: bool,
}

/// Check `account_id` in to `session_id` with the room's `code` at `now`.
pub async fn check_in(
    tx: &mut Tx,
    session_id: i64,
    account_id: AccountId,
    code: &str,
    now: DateTime<Utc>,
) -> Result<CheckIn> {
    let facts = session_facts(&mut *tx, session_id).await?;
    if facts.state == "cancelled" {
        return Err(bad(
            "session_cancelled",
            "취소된 교육입니다.",
            "This session was cancelled.",
        ));
    }
    let Some(today) = days(&mut *tx, session_id)
        .await?
        .into_iter()
        .find(|d| d.check_in_open(now))
    else {
        return Err(bad(
            "checkin_not_open",
            "지금은 이 교육의 출석 시간이 아닙니다. 시작 30분 전부터 끝날 때까지 출석할 수 있습니다.",
            "Check-in for this session is not open now: it opens 30 minutes before the start and closes at the end.",
        ));
    };
    // The other sessions whose code is shown in some room now, to tell a wrong room apart.
    let others: Vec<(String,)> = fetch_all!(
        &mut *tx,
        _,
        "SELECT DISTINCT s.checkin_secret FROM program_session_days d \
         JOIN program_sessions s ON s.id = d.session_id \
         WHERE d.session_id <> $1 AND s.state = 'scheduled' AND d.starts_at <= $2 AND d.ends_at >= $3",
        session_id,
        now + Duration::minutes(CHECKIN_OPENS_MINUTES),
        now
    )?;
    let others: Vec<&[u8]> = others.iter().map(|(s,)| s.as_bytes()).collect();
    checkin::check(code, facts.checkin_secret.as_bytes(), &others, now)
        .map_err(|r| StoreError::Rule(r.error()))?;

    let (status, minutes) = if now <= today.starts_at + Duration::minutes(LATE_AFTER_MINUTES) {
        (AttendanceStatus::Present, today.minutes())
    } else {
        let left = (today.ends_at - now)
            .num_minutes()
            .clamp(1, today.minutes().max(1));
        (AttendanceStatus::Late, left)
    };
    let enrolment: Option<(i64,)> = fetch_optional!(
        &mut *tx,
        _,
        "SELECT id FROM program_enrolments WHERE session_id = $1 AND account_id = $2 AND state = 'enrolled'",
        session_id,
        account_id
    )?;
    let (holder_column, holder, walk_in) = match enrolment {
        Some((id,)) => ("enrolment_id", id, false),
        None => (
            "walk_in_id",
            walk_in_for_account(tx, session_id, account_id, now).await?,
            true,
        ),
    };
    // `holder_column` is one of two constants.
    let existing: Option<(String, i64, DateTime<Utc>)> = fetch_optional!(
        &mut *tx,
        _,
        sqlx::AssertSqlSafe(format!(
            "SELECT status, minutes, recorded_at FROM program_attendance \
             WHERE session_day_id = $1 AND {holder_column} = $2"
        )),
        today.id,
        holder
    )?;
    if let Some((status, minutes, recorded_at)) = existing {
        return Ok(CheckIn {
            session_id,
            day: today.day,
            status: AttendanceStatus::parse(&status)?,
            minutes,
            recorded_at,
            walk_in,
            already: true,
        });
    }
    execute!(
        &mut *tx,
        sqlx::AssertSqlSafe(format!(
            "INSERT INTO program_attendance (session_day_id, {holder_column}, status, minutes, method, \
             recorded_by, recorded_at) VALUES ($1, $2, $3, $4, $5, $6, $7)"
        )),
        today.id,
        holder,
        status.as_str(),
        minutes,
        AttendanceMethod::Code.as_str(),
        account_id,
        now
    )?;
    Ok(CheckIn {
        session_id,
        day: today.day,
        status,
        minutes,
        recorded_at: now,
        walk_in,
        already: false,
    })
}

/// The walk-in row of a signed-in official who checked in without being enrolled: theirs if it
/// exists, else a new one carrying their account (the organiser confirms it later).
async fn walk_in_for_account(
    tx: &mut Tx,
    session_id: i64,
    account_id: AccountId,
    now: DateTime<Utc>,
) -> Result<i64> {
    let found: Option<(i64,)> = fetch_optional!(
        &mut *tx,
        _,
        "SELECT id FROM program_walk_ins WHERE session_id = $1 AND account_id = $2",
        session_id,
        account_id
    )?;
    if let Some((id,)) = found {
        return Ok(id);
    }
    let (id,): (i64,) = fetch_one!(
        &mut *tx,
        _,
        "INSERT INTO program_walk_ins (session_id, name, department_id, department_name, account_id, \
         recorded_by, recorded_at) \
         SELECT $1, a.display_name, a.department_id, COALESCE(d.name, ''), a.id, a.id, $3 \
         FROM accounts a LEFT JOIN departments d ON d.id = a.department_id WHERE a.id = $2 \
         RETURNING id",
        session_id,
        account_id,
        now
    )?;
    Ok(id)
}

/// The organiser's mark for an enrolled person on one day (replacing any earlier mark).
#[allow(clippy::too_many_arguments)]
pub async fn mark(
    tx: &mut Tx,
    day_id: i64,
    enrolment_id: i64,
    status: AttendanceStatus,
    minutes: Option<i64>,
    by: AccountId,
    now: DateTime<Utc>,
) -> Result<i64> {
    let day = day(tx, day_id).await?;
    refuse_closed(&day)?;
    let worth = attended_minutes(status, minutes, day.minutes())?;
    let enrolled: Option<(i64,)> = fetch_optional!(
        &mut *tx,
        _,
        "SELECT id FROM program_enrolments WHERE id = $1 AND session_id = $2 AND state = 'enrolled'",
        enrolment_id,
        day.session_id
    )?;
    if enrolled.is_none() {
        return Err(bad(
            "not_enrolled",
            "이 교육에 등록되지 않은 사람입니다. 현장 참석자로 기록해 주세요.",
            "That person is not enrolled on this session; record them as a walk-in.",
        ));
    }
    execute!(
        &mut *tx,
        "INSERT INTO program_attendance (session_day_id, enrolment_id, status, minutes, method, recorded_by, recorded_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) \
         ON CONFLICT (session_day_id, enrolment_id) DO UPDATE SET status = excluded.status, \
         minutes = excluded.minutes, method = excluded.method, recorded_by = excluded.recorded_by, \
         recorded_at = excluded.recorded_at",
        day_id,
        enrolment_id,
        status.as_str(),
        worth,
        AttendanceMethod::Organiser.as_str(),
        by,
        now
    )?;
    Ok(worth)
}

/// Record someone present who is not enrolled (name as they gave it) on one day.
pub async fn add_walk_in(
    tx: &mut Tx,
    day_id: i64,
    name: &str,
    department_id: Option<DepartmentId>,
    by: AccountId,
    now: DateTime<Utc>,
) -> Result<i64> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 50 {
        return Err(bad(
            "walk_in_name_required",
            "현장 참석자의 이름을 적어 주세요 (50자 이내).",
            "Enter the walk-in's name (at most 50 characters).",
        ));
    }
    let day = day(tx, day_id).await?;
    refuse_closed(&day)?;
    let (id,): (i64,) = fetch_one!(
        &mut *tx,
        _,
        "INSERT INTO program_walk_ins (session_id, name, department_id, department_name, recorded_by, recorded_at) \
         VALUES ($1, $2, $3, COALESCE((SELECT name FROM departments WHERE id = $3), ''), $4, $5) RETURNING id",
        day.session_id,
        name,
        department_id,
        by,
        now
    )?;
    execute!(
        &mut *tx,
        "INSERT INTO program_attendance (session_day_id, walk_in_id, status, minutes, method, recorded_by, recorded_at) \
         VALUES ($1, $2, 'present', $3, 'organiser', $4, $5)",
        day_id,
        id,
        day.minutes(),
        by,
        now
    )?;
    Ok(id)
}

/// Match a walk-in to an account: the account gets an enrolment on the session (made or
/// restored), and the walk-in's attendance moves to it for every day it has no mark of its own.
/// The walk-in row stays, with whom it was matched to. Returns the enrolment.
pub async fn match_walk_in(
    tx: &mut Tx,
    walk_in_id: i64,
    account_id: AccountId,
    by: AccountId,
    now: DateTime<Utc>,
) -> Result<i64> {
    let (session_id, matched_at): (i64, Option<DateTime<Utc>>) = fetch_optional!(
        &mut *tx,
        _,
        "SELECT session_id, matched_at FROM program_walk_ins WHERE id = $1",
        walk_in_id
    )?
    .ok_or(StoreError::NotFound)?;
    if matched_at.is_some() {
        return Err(StoreError::conflict(
            "이미 계정과 연결한 현장 참석자입니다.",
            "That walk-in is already matched to an account.",
        ));
    }
    let staff: Option<(String,)> = fetch_optional!(
        &mut *tx,
        _,
        "SELECT role FROM accounts WHERE id = $1 AND active = $2",
        account_id,
        true
    )?;
    if staff.is_none_or(|(role,)| role == "resident") {
        return Err(bad(
            "unknown_official",
            "연결할 직원 계정을 찾을 수 없습니다.",
            "No official's account to match was found.",
        ));
    }
    let existing: Option<(i64,)> = fetch_optional!(
        &mut *tx,
        _,
        "SELECT id FROM program_enrolments WHERE session_id = $1 AND account_id = $2",
        session_id,
        account_id
    )?;
    let enrolment = match existing {
        Some((id,)) => {
            execute!(
                &mut *tx,
                "UPDATE program_enrolments SET state = 'enrolled', decided_by = $2, decided_at = $3, \
                 decision_note = 'walk-in', updated_at = $3 WHERE id = $1",
                id,
                by,
                now
            )?;
            id
        }
        None => {
            let (arrival,): (i64,) = fetch_one!(
                &mut *tx,
                _,
                "UPDATE program_sessions SET arrivals = arrivals + 1 WHERE id = $1 RETURNING arrivals",
                session_id
            )?;
            let (id,): (i64,) = fetch_one!(
                &mut *tx,
                _,
                "INSERT INTO program_enrolments (session_id, account_id, state, origin, arrival, requested_at, \
                 decided_by, decided_at, decision_note, updated_at) \
                 VALUES ($1, $2, 'enrolled', 'self', $3, $4, $5, $4, 'walk-in', $4) RETURNING id",
                session_id,
                account_id,
                arrival,
                now,
                by
            )?;
            id
        }
    };
    execute!(
        &mut *tx,
        "UPDATE program_attendance SET enrolment_id = $2, walk_in_id = NULL \
         WHERE walk_in_id = $1 AND session_day_id NOT IN \
         (SELECT session_day_id FROM program_attendance WHERE enrolment_id = $2)",
        walk_in_id,
        enrolment
    )?;
    execute!(
        &mut *tx,
        "UPDATE program_walk_ins SET account_id = $2, matched_by = $3, matched_at = $4 WHERE id = $1",
        walk_in_id,
        account_id,
        by,
        now
    )?;
    Ok(enrolment)
}

/// Record (or correct) the broadcast audience of a department's room on one day.
pub async fn record_audience(
    tx: &mut Tx,
    day_id: i64,
    department_id: DepartmentId,
    headcount: i64,
    names: &str,
    by: AccountId,
    now: DateTime<Utc>,
) -> Result<()> {
    let day = day(tx, day_id).await?;
    refuse_closed(&day)?;
    let facts = session_facts(&mut *tx, day.session_id).await?;
    if facts.delivery != "hybrid" {
        return Err(bad(
            "not_broadcast",
            "생중계가 없는 교육입니다.",
            "This session is not broadcast.",
        ));
    }
    if !(0..=10_000).contains(&headcount) {
        return Err(bad(
            "headcount_out_of_range",
            "시청 인원은 0명 이상 10,000명 이하로 적어 주세요.",
            "The headcount must be between 0 and 10,000.",
        ));
    }
    let names: Vec<&str> = names
        .lines()
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .collect();
    if names.len() as i64 > headcount {
        return Err(bad(
            "names_exceed_headcount",
            "적은 이름이 시청 인원보다 많습니다.",
            "More names are listed than the headcount.",
        ));
    }
    execute!(
        &mut *tx,
        "INSERT INTO program_broadcast_audience (session_day_id, department_id, headcount, names, recorded_by, recorded_at) \
         VALUES ($1, $2, $3, $4, $5, $6) \
         ON CONFLICT (session_day_id, department_id) DO UPDATE SET headcount = excluded.headcount, \
         names = excluded.names, recorded_by = excluded.recorded_by, recorded_at = excluded.recorded_at",
        day_id,
        department_id,
        headcount,
        names.join("\n"),
        by,
        now
    )?;
    Ok(())
}

/// Someone enrolled, as the sign-in sheet and the attendance page list them.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct Participant {
    pub enrolment_id: i64,
    pub account_id: AccountId,
    pub name: String,
    pub department: String,
    pub grade: Option<i64>,
}

/// Everyone enrolled on a session now (people promoted from the waitlist included), by
/// department and name.
pub async fn participants(db: &Db, session_id: i64) -> Result<Vec<Participant>> {
    Ok(fetch_all!(
        db,
        Participant,
        "SELECT e.id AS enrolment_id, a.id AS account_id, a.display_name AS name, \
         COALESCE(d.name, '') AS department, a.grade \
         FROM program_enrolments e JOIN accounts a ON a.id = e.account_id \
         LEFT JOIN departments d ON d.id = a.department_id \
         WHERE e.session_id = $1 AND e.state = 'enrolled' ORDER BY d.name, a.display_name, e.id",
        session_id
    )?)
}

/// One attendance row of a session.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct Mark {
    pub session_day_id: i64,
    pub enrolment_id: Option<i64>,
    pub walk_in_id: Option<i64>,
    pub status: String,
    pub minutes: i64,
    pub method: String,
    pub recorded_at: DateTime<Utc>,
}

pub async fn marks(db: &Db, session_id: i64) -> Result<Vec<Mark>> {
    Ok(fetch_all!(
        db,
        Mark,
        "SELECT a.session_day_id, a.enrolment_id, a.walk_in_id, a.status, a.minutes, a.method, a.recorded_at \
         FROM program_attendance a JOIN program_session_days d ON d.id = a.session_day_id \
         WHERE d.session_id = $1 ORDER BY a.id",
        session_id
    )?)
}

#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct WalkIn {
    pub id: i64,
    pub name: String,
    pub department_name: String,
    pub account_id: Option<AccountId>,
    pub matched_at: Option<DateTime<Utc>>,
    pub recorded_at: DateTime<Utc>,
}

pub async fn walk_ins(db: &Db, session_id: i64) -> Result<Vec<WalkIn>> {
    Ok(fetch_all!(
        db,
        WalkIn,
        "SELECT id, name, department_name, account_id, matched_at, recorded_at \
         FROM program_walk_ins WHERE session_id = $1 ORDER BY id",
        session_id
    )?)
}

#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct Audience {
    pub session_day_id: i64,
    pub department_id: DepartmentId,
    pub department: String,
    pub headcount: i64,
    pub names: String,
    pub recorded_at: DateTime<Utc>,
}

pub async fn audience(db: &Db, session_id: i64) -> Result<Vec<Audience>> {
    Ok(fetch_all!(
        db,
        Audience,
        "SELECT b.session_day_id, b.department_id, dep.name AS department, b.headcount, b.names, b.recorded_at \
         FROM program_broadcast_audience b JOIN program_session_days d ON d.id = b.session_day_id \
         JOIN departments dep ON dep.id = b.department_id \
         WHERE d.session_id = $1 ORDER BY d.starts_at, dep.name",
        session_id
    )?)
}

/// The session a walk-in was recorded on.
pub async fn walk_in_session(db: &Db, walk_in_id: i64) -> Result<i64> {
    let found: Option<(i64,)> = fetch_optional!(
        db,
        _,
        "SELECT session_id FROM program_walk_ins WHERE id = $1",
        walk_in_id
    )?;
    found.map(|(s,)| s).ok_or(StoreError::NotFound)
}

/// The session a day belongs to.
pub async fn day_session(db: &Db, day_id: i64) -> Result<i64> {
    let found: Option<(i64,)> = fetch_optional!(
        db,
        _,
        "SELECT session_id FROM program_session_days WHERE id = $1",
        day_id
    )?;
    found.map(|(s,)| s).ok_or(StoreError::NotFound)
}

/// A session as the learning pages list it, with links to its attendance, check-in and survey.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct SessionLine {
    pub session_id: i64,
    pub program_id: i64,
    pub title: String,
    pub title_en: String,
    pub label: String,
    pub delivery: String,
    pub first_start: Option<DateTime<Utc>>,
    pub last_end: Option<DateTime<Utc>>,
    /// Days whose attendance is not closed yet.
    pub open_days: i64,
}

const SESSION_LINE: &str = "SELECT s.id AS session_id, p.id AS program_id, p.title, p.title_en, s.label, s.delivery, \
     (SELECT MIN(starts_at) FROM program_session_days WHERE session_id = s.id) AS first_start, \
     (SELECT MAX(ends_at) FROM program_session_days WHERE session_id = s.id) AS last_end, \
     (SELECT COUNT(*) FROM program_session_days WHERE session_id = s.id AND attendance_closed_at IS NULL) AS open_days \
     FROM program_sessions s JOIN programs p ON p.id = s.program_id WHERE s.state = 'scheduled'";

/// The sessions `account_id` is enrolled on, latest first.
pub async fn sessions_of(db: &Db, account_id: AccountId) -> Result<Vec<SessionLine>> {
    Ok(fetch_all!(
        db,
        SessionLine,
        sqlx::AssertSqlSafe(format!(
            "{SESSION_LINE} AND EXISTS (SELECT 1 FROM program_enrolments e WHERE e.session_id = s.id \
             AND e.account_id = $1 AND e.state = 'enrolled') ORDER BY first_start DESC, s.id DESC LIMIT 20"
        )),
        account_id
    )?)
}

/// Sessions from `since` on, and any not closed yet, for the organiser: latest first.
pub async fn recent_sessions(db: &Db, since: DateTime<Utc>) -> Result<Vec<SessionLine>> {
    Ok(fetch_all!(
        db,
        SessionLine,
        sqlx::AssertSqlSafe(format!(
            "SELECT * FROM ({SESSION_LINE}) x WHERE x.last_end >= $1 OR x.open_days > 0 \
             ORDER BY x.first_start DESC, x.session_id DESC LIMIT 50"
        )),
        since
    )?)
}
