//! Sessions (회차) of a program and their days. A change or cancellation tells everyone who
//! holds or waits for a place, through the outbox, in the same transaction.

use super::{promote, refused, tell};
use crate::kit::ByKey;
use crate::{Db, Result, StoreError, Tx, execute, fetch_all, fetch_one, fetch_optional};
use chrono::{DateTime, NaiveDate, Utc};
use domain::AccountId;
use domain::programs::{DayDraft, Delivery, SessionDraft, SessionState};
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Session {
    pub id: i64,
    pub program_id: i64,
    pub program_title: String,
    pub program_title_en: String,
    pub label: String,
    pub delivery: Delivery,
    pub venue: String,
    pub capacity: i64,
    pub online_link: String,
    pub materials: String,
    pub materials_link: String,
    pub state: SessionState,
    pub cancel_reason: String,
    pub days: Vec<SessionDay>,
    /// Places taken, waiting for approval and waiting for a place.
    pub enrolled: i64,
    pub requested: i64,
    pub waitlisted: i64,
}

impl Session {
    pub fn first_start(&self) -> Option<DateTime<Utc>> {
        self.days.first().map(|d| d.starts_at)
    }

    pub fn last_end(&self) -> Option<DateTime<Utc>> {
        self.days.iter().map(|d| d.ends_at).max()
    }

    /// The days as they were entered (Seoul dates and times), for the edit form and the
    /// "days already held stay" rule.
    pub fn day_drafts(&self) -> Vec<DayDraft> {
        self.days
            .iter()
            .map(|d| DayDraft {
                day: d.day,
                starts: calendar::to_seoul(d.starts_at).time(),
                ends: calendar::to_seoul(d.ends_at).time(),
            })
            .collect()
    }

    pub fn free_places(&self) -> i64 {
        (self.capacity - self.enrolled).max(0)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct SessionDay {
    pub id: i64,
    pub day: NaiveDate,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub attendance_closed_at: Option<DateTime<Utc>>,
}

#[derive(sqlx::FromRow)]
struct SessionRow {
    id: i64,
    program_id: i64,
    program_title: String,
    program_title_en: String,
    label: String,
    delivery: String,
    venue: String,
    capacity: i64,
    online_link: String,
    materials: String,
    materials_link: String,
    state: String,
    cancel_reason: String,
    enrolled: i64,
    requested: i64,
    waitlisted: i64,
}

const SESSION_SELECT: &str = "SELECT s.id, s.program_id, p.title AS program_title, \
    p.title_en AS program_title_en, s.label, s.delivery, s.venue, s.capacity, s.online_link, \
    s.materials, s.materials_link, s.state, s.cancel_reason, \
    (SELECT COUNT(*) FROM program_enrolments e WHERE e.session_id = s.id AND e.state = 'enrolled') AS enrolled, \
    (SELECT COUNT(*) FROM program_enrolments e WHERE e.session_id = s.id AND e.state = 'requested') AS requested, \
    (SELECT COUNT(*) FROM program_enrolments e WHERE e.session_id = s.id AND e.state = 'waitlisted') AS waitlisted \
    FROM program_sessions s JOIN programs p ON p.id = s.program_id";

async fn with_days(db: &Db, rows: Vec<SessionRow>) -> Result<Vec<Session>> {
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let days = days_of(db, r.id).await?;
        out.push(Session {
            id: r.id,
            program_id: r.program_id,
            program_title: r.program_title,
            program_title_en: r.program_title_en,
            label: r.label,
            delivery: Delivery::parse(&r.delivery)?,
            venue: r.venue,
            capacity: r.capacity,
            online_link: r.online_link,
            materials: r.materials,
            materials_link: r.materials_link,
            state: SessionState::parse(&r.state)?,
            cancel_reason: r.cancel_reason,
            days,
            enrolled: r.enrolled,
            requested: r.requested,
            waitlisted: r.waitlisted,
        });
    }
    Ok(out)
}

pub async fn days_of(db: &Db, session: i64) -> Result<Vec<SessionDay>> {
    Ok(fetch_all!(
        db,
        SessionDay,
        "SELECT id, day, starts_at, ends_at, attendance_closed_at FROM program_session_days \
         WHERE session_id = $1 ORDER BY day",
        session
    )?)
}

pub async fn session(db: &Db, id: i64) -> Result<Session> {
    let sql = format!("{SESSION_SELECT} WHERE s.id = $1");
    let row = fetch_optional!(db, SessionRow, sqlx::AssertSqlSafe(sql), id)?.or_not_found()?;
    with_days(db, vec![row]).await?.pop().or_not_found()
}

/// A program's sessions, soonest first.
pub async fn sessions_of(db: &Db, program: i64) -> Result<Vec<Session>> {
    let sql = format!("{SESSION_SELECT} WHERE s.program_id = $1 ORDER BY s.id");
    let rows = fetch_all!(db, SessionRow, sqlx::AssertSqlSafe(sql), program)?;
    let mut all = with_days(db, rows).await?;
    all.sort_by_key(|s| (s.first_start(), s.id));
    Ok(all)
}

/// Scheduled sessions that have not begun, of programs not archived, soonest first.
pub async fn upcoming_sessions(db: &Db, now: DateTime<Utc>) -> Result<Vec<Session>> {
    let sql = format!(
        "{SESSION_SELECT} WHERE s.state = 'scheduled' AND p.archived = $1 AND \
         (SELECT MIN(d.starts_at) FROM program_session_days d WHERE d.session_id = s.id) > $2"
    );
    let rows = fetch_all!(db, SessionRow, sqlx::AssertSqlSafe(sql), false, now)?;
    let mut all = with_days(db, rows).await?;
    all.sort_by_key(|s| (s.first_start(), s.id));
    Ok(all)
}

async fn write_days(tx: &mut Tx, session: i64, days: &[DayDraft]) -> Result<()> {
    for d in days {
        let (starts, ends) = d
            .instants()
            .ok_or_else(|| StoreError::internal("a Seoul time without an instant", d.day))?;
        execute!(
            &mut *tx,
            "INSERT INTO program_session_days (session_id, day, starts_at, ends_at) \
             VALUES ($1, $2, $3, $4) ON CONFLICT (session_id, day) \
             DO UPDATE SET starts_at = excluded.starts_at, ends_at = excluded.ends_at",
            session,
            d.day,
            starts,
            ends
        )?;
    }
    Ok(())
}

/// Create a session of a program with its days. Returns its id.
pub async fn create_session(
    tx: &mut Tx,
    program: i64,
    d: &SessionDraft,
    by: AccountId,
    now: DateTime<Utc>,
) -> Result<i64> {
    d.validate(now, &[]).map_err(refused)?;
    let secret = crate::kit::secrets::new_token()?;
    let found: Option<(i64,)> = fetch_optional!(
        &mut *tx,
        _,
        "SELECT id FROM programs WHERE id = $1",
        program
    )?;
    found.or_not_found()?;
    let (id,): (i64,) = fetch_one!(
        &mut *tx,
        _,
        "INSERT INTO program_sessions (program_id, label, delivery, venue, capacity, \
         online_link, materials, materials_link, state, checkin_secret, created_by, created_at, \
         updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'scheduled', $9, $10, $11, $11) \
         RETURNING id",
        program,
        d.label.trim(),
        d.delivery.as_str(),
        d.venue.trim(),
        d.capacity,
        d.online_link.trim(),
        d.materials.trim(),
        d.materials_link.trim(),
        secret,
        by,
        now
    )?;
    write_days(tx, id, &d.days).await?;
    Ok(id)
}

/// What a change to a session did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SessionChange {
    /// People told of the change.
    pub told: usize,
    /// Enrolments promoted from the waitlist (a capacity raised).
    pub promoted: Vec<i64>,
}

/// Change a session: its fields and days (a day already held stays as it was). Everyone who
/// holds or waits for a place is told; a raised capacity promotes from the waitlist at once.
pub async fn update_session(
    tx: &mut Tx,
    id: i64,
    d: &SessionDraft,
    now: DateTime<Utc>,
) -> Result<SessionChange> {
    lock_session(tx, id).await?;
    let stored = session_in(tx, id).await?;
    if stored.0 == SessionState::Cancelled {
        return Err(cancelled());
    }
    d.validate(now, &stored.1).map_err(refused)?;
    execute!(
        &mut *tx,
        "UPDATE program_sessions SET label = $1, delivery = $2, venue = $3, capacity = $4, \
         online_link = $5, materials = $6, materials_link = $7, updated_at = $8 WHERE id = $9",
        d.label.trim(),
        d.delivery.as_str(),
        d.venue.trim(),
        d.capacity,
        d.online_link.trim(),
        d.materials.trim(),
        d.materials_link.trim(),
        now,
        id
    )?;
    let dates: Vec<NaiveDate> = d.days.iter().map(|x| x.day).collect();
    for gone in stored.1.iter().filter(|x| !dates.contains(&x.day)) {
        let used: (i64,) = fetch_one!(
            &mut *tx,
            _,
            "SELECT COUNT(*) FROM program_attendance a JOIN program_session_days d \
             ON d.id = a.session_day_id WHERE d.session_id = $1 AND d.day = $2",
            id,
            gone.day
        )?;
        if used.0 > 0 {
            return Err(StoreError::conflict(
                format!("{}에는 출석 기록이 있어 뺄 수 없습니다", gone.day),
                format!("{} has attendance records and cannot be removed", gone.day),
            ));
        }
        execute!(
            &mut *tx,
            "DELETE FROM program_reminders_sent WHERE session_day_id IN \
             (SELECT id FROM program_session_days WHERE session_id = $1 AND day = $2)",
            id,
            gone.day
        )?;
        execute!(
            &mut *tx,
            "DELETE FROM program_session_days WHERE session_id = $1 AND day = $2",
            id,
            gone.day
        )?;
    }
    write_days(tx, id, &d.days).await?;
    let promoted = promote(tx, id, now).await?;
    let (title, when) = describe(tx, id).await?;
    let told = tell_holders(
        tx,
        id,
        &format!("[민원] 교육 일정 변경: {title} (session changed)"),
        &format!(
            "신청하신 '{title}' 회차의 내용이 바뀌었습니다. 일정: {when}\n\
             The session '{title}' you are enrolled in has changed. Dates: {when}"
        ),
        &promoted,
        now,
    )
    .await?;
    Ok(SessionChange { told, promoted })
}

/// Cancel a session: everyone who holds or waits for a place is told. Their enrolments keep
/// their state, so the roster still shows who was to come.
pub async fn cancel_session(
    tx: &mut Tx,
    id: i64,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<usize> {
    lock_session(tx, id).await?;
    let stored = session_in(tx, id).await?;
    if stored.0 == SessionState::Cancelled {
        return Err(cancelled());
    }
    if reason.trim().is_empty() || reason.chars().count() > 500 {
        return Err(domain::RuleError::new(
            "reason_required",
            "취소 사유를 500자 이내로 입력하세요",
            "give the reason for cancelling, within 500 characters",
        )
        .into());
    }
    execute!(
        &mut *tx,
        "UPDATE program_sessions SET state = 'cancelled', cancel_reason = $1, updated_at = $2 \
         WHERE id = $3",
        reason.trim(),
        now,
        id
    )?;
    let (title, when) = describe(tx, id).await?;
    tell_holders(
        tx,
        id,
        &format!("[민원] 교육 취소: {title} (session cancelled)"),
        &format!(
            "신청하신 '{title}' ({when}) 회차가 취소되었습니다. 사유: {r}\n\
             The session '{title}' ({when}) you were enrolled in is cancelled. Reason: {r}",
            r = reason.trim()
        ),
        &[],
        now,
    )
    .await
}

pub(crate) fn cancelled() -> StoreError {
    StoreError::conflict("취소된 회차입니다", "this session has been cancelled")
}

/// Take the session's lock: every change to its places starts here, so two enrolments in
/// the same session never decide on the same count (PostgreSQL locks the row; SQLite's
/// transaction holds the write lock already). Returns the next arrival number.
pub(crate) async fn lock_session(tx: &mut Tx, id: i64) -> Result<i64> {
    let row: Option<(i64,)> = fetch_optional!(
        &mut *tx,
        _,
        "UPDATE program_sessions SET arrivals = arrivals + 1 WHERE id = $1 RETURNING arrivals",
        id
    )?;
    Ok(row.or_not_found()?.0)
}

/// The session's state and days, read inside the transaction.
async fn session_in(tx: &mut Tx, id: i64) -> Result<(SessionState, Vec<DayDraft>)> {
    let (state,): (String,) = fetch_one!(
        &mut *tx,
        _,
        "SELECT state FROM program_sessions WHERE id = $1",
        id
    )?;
    let rows: Vec<(NaiveDate, DateTime<Utc>, DateTime<Utc>)> = fetch_all!(
        &mut *tx,
        _,
        "SELECT day, starts_at, ends_at FROM program_session_days WHERE session_id = $1 ORDER BY day",
        id
    )?;
    let days = rows
        .into_iter()
        .map(|(day, s, e)| DayDraft {
            day,
            starts: calendar::to_seoul(s).time(),
            ends: calendar::to_seoul(e).time(),
        })
        .collect();
    Ok((SessionState::parse(&state)?, days))
}

/// The program's title and the session's dates in words, for messages.
pub(crate) async fn describe(tx: &mut Tx, session: i64) -> Result<(String, String)> {
    let (title, label): (String, String) = fetch_one!(
        &mut *tx,
        _,
        "SELECT p.title, s.label FROM program_sessions s JOIN programs p ON p.id = s.program_id \
         WHERE s.id = $1",
        session
    )?;
    let days: Vec<(DateTime<Utc>, DateTime<Utc>)> = fetch_all!(
        &mut *tx,
        _,
        "SELECT starts_at, ends_at FROM program_session_days WHERE session_id = $1 ORDER BY day",
        session
    )?;
    let when = days
        .iter()
        .map(|(s, e)| {
            format!(
                "{} {}-{}",
                calendar::to_seoul(*s).format("%Y-%m-%d"),
                calendar::to_seoul(*s).format("%H:%M"),
                calendar::to_seoul(*e).format("%H:%M")
            )
        })
        .collect::<Vec<_>>()
        .join(", ");
    let title = if label.is_empty() {
        title
    } else {
        format!("{title} {label}")
    };
    Ok((title, when))
}

/// Tell everyone who holds, waits for or asked for a place (except those just promoted, who
/// get their own message).
async fn tell_holders(
    tx: &mut Tx,
    session: i64,
    subject: &str,
    body: &str,
    except: &[i64],
    now: DateTime<Utc>,
) -> Result<usize> {
    let people: Vec<(i64, AccountId)> = fetch_all!(
        &mut *tx,
        _,
        "SELECT id, account_id FROM program_enrolments WHERE session_id = $1 \
         AND state IN ('enrolled', 'waitlisted', 'requested') ORDER BY id",
        session
    )?;
    let mut told = 0;
    for (enrolment, account) in people {
        if !except.contains(&enrolment) && tell(tx, account, subject, body, now).await? {
            told += 1;
        }
    }
    Ok(told)
}
