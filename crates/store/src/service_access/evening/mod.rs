//! The after-hours evening at the counter (야간 민원실 운영): check-in of booked residents, walk-in
//! tickets, the waiting list, calling, outcomes, no-shows at closing, the number-ticket screen
//! and the petition filed from a booking ([`petition`]).
//!
//! Every write first takes the evening's lock ([`lock`]: `version = version + 1`), so ticket
//! numbers come from `next_ticket` in order and two counters never call the same person, on
//! both databases. Times are UTC text (RFC 3339), as the schema has them.

pub mod demo;
#[cfg(any(test, feature = "testing"))]
pub mod fixture;
pub mod petition;

use crate::kit::ByKey;
use crate::kit::sql::Target;
use crate::{Result, StoreError, Tx, execute, execute_one, fetch_all, fetch_one, fetch_optional};
use chrono::{DateTime, NaiveDateTime, Utc};
use domain::RuleError;
use domain::service_access::evening::{
    self as rules, Arrival, EveningState, Outcome, TicketKind, Waiting, Window,
};
use serde::Serialize;

pub(crate) fn bad(code: &'static str, ko: &str, en: &str) -> StoreError {
    StoreError::Rule(RuleError::new(code, ko, en))
}

/// Times are written as the booking part writes them, so the tables hold one format.
pub use super::after_hours::ts;

/// A stored time back (RFC 3339, or `YYYY-MM-DD HH:MM:SS` taken as UTC).
pub fn parse_ts(s: &str) -> Result<DateTime<Utc>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(t.with_timezone(&Utc));
    }
    NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S%.f")
        .map(|t| t.and_utc())
        .map_err(|_| StoreError::Internal(format!("unreadable stored time '{s}'")))
}

fn opt_ts(s: &Option<String>) -> Result<Option<DateTime<Utc>>> {
    s.as_deref().map(parse_ts).transpose()
}

/// What the counter needs to know of an evening and its schedule.
#[derive(Debug, Clone, Serialize)]
pub struct Evening {
    pub id: i64,
    pub schedule_id: i64,
    pub department_id: i64,
    pub schedule_name: String,
    pub schedule_name_en: String,
    pub place: String,
    pub place_en: String,
    /// The Korean date.
    pub day: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub cutoff_at: Option<DateTime<Utc>>,
    pub decided_at: Option<DateTime<Utc>>,
    pub state: EveningState,
    pub cancelled_reason: String,
    pub window: WindowView,
    pub min_bookings: i64,
}

#[derive(Debug, Clone, Copy, Serialize)]
pub struct WindowView {
    pub early_minutes: i64,
    pub late_minutes: i64,
}

impl From<WindowView> for Window {
    fn from(w: WindowView) -> Self {
        Window {
            early_minutes: w.early_minutes,
            late_minutes: w.late_minutes,
        }
    }
}

#[derive(sqlx::FromRow)]
struct EveningRow {
    id: i64,
    schedule_id: i64,
    department_id: i64,
    name: String,
    name_en: String,
    place: String,
    place_en: String,
    day: String,
    starts_at: String,
    ends_at: String,
    cutoff_at: String,
    decided_at: Option<String>,
    state: String,
    cancelled_reason: String,
    checkin_early_minutes: i64,
    checkin_late_minutes: i64,
    min_bookings: i64,
}

const EVENING_SQL: &str = "SELECT e.id, e.schedule_id, s.department_id, s.name, s.name_en, s.place, s.place_en, \
    e.day, e.starts_at, e.ends_at, e.cutoff_at, e.decided_at, e.state, e.cancelled_reason, \
    s.checkin_early_minutes, s.checkin_late_minutes, s.min_bookings \
    FROM after_hours_evenings e JOIN after_hours_schedules s ON s.id = e.schedule_id";

impl EveningRow {
    fn into_evening(self) -> Result<Evening> {
        Ok(Evening {
            id: self.id,
            schedule_id: self.schedule_id,
            department_id: self.department_id,
            schedule_name: self.name,
            schedule_name_en: self.name_en,
            place: self.place,
            place_en: self.place_en,
            day: self.day,
            starts_at: parse_ts(&self.starts_at)?,
            ends_at: parse_ts(&self.ends_at)?,
            cutoff_at: parse_ts(&self.cutoff_at).ok(),
            decided_at: opt_ts(&self.decided_at)?,
            state: EveningState::parse(&self.state)?,
            cancelled_reason: self.cancelled_reason,
            window: WindowView {
                early_minutes: self.checkin_early_minutes,
                late_minutes: self.checkin_late_minutes,
            },
            min_bookings: self.min_bookings,
        })
    }
}

/// One evening, or [`StoreError::NotFound`].
pub async fn evening<'a>(target: impl Target<'a>, id: i64) -> Result<Evening> {
    let sql = format!("{EVENING_SQL} WHERE e.id = $1");
    fetch_optional!(target, EveningRow, sqlx::AssertSqlSafe(sql), id)?
        .or_not_found()?
        .into_evening()
}

/// The evenings of these departments (all when `None`) from the Korean date `from_day` on,
/// soonest first: tonight and the next ones, for the desk.
pub async fn upcoming<'a>(
    target: impl Target<'a>,
    departments: Option<&[i64]>,
    from_day: &str,
    limit: i64,
) -> Result<Vec<Evening>> {
    let sql = format!("{EVENING_SQL} WHERE e.day >= $1 ORDER BY e.day, e.starts_at, e.id");
    let rows = fetch_all!(target, EveningRow, sqlx::AssertSqlSafe(sql), from_day)?;
    let mut out = Vec::new();
    for r in rows {
        if departments.is_none_or(|d| d.contains(&r.department_id)) {
            out.push(r.into_evening()?);
        }
        if out.len() as i64 >= limit {
            break;
        }
    }
    Ok(out)
}

/// Bookings of an evening per service and state, for the desk.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct ServiceCount {
    pub service_id: i64,
    pub kind: String,
    pub confirmed: i64,
    pub checked_in: i64,
    pub served: i64,
    pub no_show: i64,
}

pub async fn counts<'a>(target: impl Target<'a>, evening_id: i64) -> Result<Vec<ServiceCount>> {
    Ok(fetch_all!(
        target,
        ServiceCount,
        "SELECT v.id AS service_id, v.kind, \
         COALESCE(SUM(CASE WHEN b.state = 'confirmed' THEN 1 ELSE 0 END), 0) AS confirmed, \
         COALESCE(SUM(CASE WHEN b.state = 'checked_in' THEN 1 ELSE 0 END), 0) AS checked_in, \
         COALESCE(SUM(CASE WHEN b.state = 'served' THEN 1 ELSE 0 END), 0) AS served, \
         COALESCE(SUM(CASE WHEN b.state = 'no_show' THEN 1 ELSE 0 END), 0) AS no_show \
         FROM after_hours_evenings e JOIN after_hours_services v ON v.schedule_id = e.schedule_id \
         LEFT JOIN after_hours_bookings b ON b.service_id = v.id AND b.evening_id = e.id \
         WHERE e.id = $1 GROUP BY v.id, v.kind, v.position ORDER BY v.position, v.id",
        evening_id
    )?)
}

/// A service of the evening's schedule, for the walk-in form.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Service {
    pub id: i64,
    pub kind: String,
}

pub async fn services<'a>(target: impl Target<'a>, evening_id: i64) -> Result<Vec<Service>> {
    Ok(fetch_all!(
        target,
        Service,
        "SELECT v.id, v.kind FROM after_hours_services v JOIN after_hours_evenings e \
         ON e.schedule_id = v.schedule_id WHERE e.id = $1 AND v.active = TRUE ORDER BY v.position, v.id",
        evening_id
    )?)
}

/// A booking of the evening as the counter sees it.
#[derive(Debug, Clone, Serialize)]
pub struct Booking {
    pub id: i64,
    pub code: String,
    pub evening_id: i64,
    pub service_id: i64,
    pub service_kind: String,
    pub account_id: Option<i64>,
    pub name: String,
    pub phone: String,
    pub state: String,
    pub slot_start: DateTime<Utc>,
    pub checked_in_at: Option<DateTime<Utc>>,
    pub petition_id: Option<i64>,
}

#[derive(sqlx::FromRow)]
struct BookingRow {
    id: i64,
    code: String,
    evening_id: i64,
    service_id: i64,
    kind: String,
    account_id: Option<i64>,
    name: String,
    phone: String,
    state: String,
    slot_start: String,
    checked_in_at: Option<String>,
    petition_id: Option<i64>,
}

const BOOKING_SQL: &str = "SELECT b.id, b.code, b.evening_id, b.service_id, v.kind, b.account_id, b.name, \
    b.phone, b.state, l.starts_at AS slot_start, b.checked_in_at, b.petition_id \
    FROM after_hours_bookings b JOIN after_hours_slots l ON l.id = b.slot_id \
    JOIN after_hours_services v ON v.id = b.service_id";

impl BookingRow {
    fn into_booking(self) -> Result<Booking> {
        Ok(Booking {
            id: self.id,
            code: self.code,
            evening_id: self.evening_id,
            service_id: self.service_id,
            service_kind: self.kind,
            account_id: self.account_id,
            name: self.name,
            phone: self.phone,
            state: self.state,
            slot_start: parse_ts(&self.slot_start)?,
            checked_in_at: opt_ts(&self.checked_in_at)?,
            petition_id: self.petition_id,
        })
    }
}

pub async fn booking<'a>(target: impl Target<'a>, id: i64) -> Result<Booking> {
    let sql = format!("{BOOKING_SQL} WHERE b.id = $1");
    fetch_optional!(target, BookingRow, sqlx::AssertSqlSafe(sql), id)?
        .or_not_found()?
        .into_booking()
}

/// The evening's bookings (not cancelled) whose name holds `query`, or whose phone holds its
/// digits (at least four), in slot order. An empty query lists them all.
pub async fn find_bookings<'a>(
    target: impl Target<'a>,
    evening_id: i64,
    query: &str,
) -> Result<Vec<Booking>> {
    let sql = format!(
        "{BOOKING_SQL} WHERE b.evening_id = $1 AND b.state <> 'cancelled' ORDER BY l.starts_at, b.id"
    );
    let rows = fetch_all!(target, BookingRow, sqlx::AssertSqlSafe(sql), evening_id)?;
    let q = query.trim();
    let digits: String = q.chars().filter(char::is_ascii_digit).collect();
    let mut out = Vec::new();
    for r in rows {
        let phone: String = r.phone.chars().filter(char::is_ascii_digit).collect();
        let hit = q.is_empty()
            || r.name.contains(q)
            || r.code == domain::service_access::booking::normalise_code(q)
            || (digits.len() >= 4 && phone.contains(&digits));
        if hit {
            out.push(r.into_booking()?);
        }
    }
    Ok(out)
}

/// A number ticket (번호표).
#[derive(Debug, Clone, Serialize)]
pub struct Ticket {
    pub id: i64,
    pub evening_id: i64,
    pub number: i64,
    pub kind: TicketKind,
    pub name: String,
    pub service_id: Option<i64>,
    pub service_kind: Option<String>,
    pub booking_id: Option<i64>,
    pub booking_state: Option<String>,
    pub petition_id: Option<i64>,
    pub slot_start: Option<DateTime<Utc>>,
    pub issued_at: DateTime<Utc>,
    pub called_at: Option<DateTime<Utc>>,
    pub counter: Option<i64>,
    pub done_at: Option<DateTime<Utc>>,
    pub outcome: Option<Outcome>,
}

impl Ticket {
    fn waiting(&self) -> Waiting {
        Waiting {
            number: self.number,
            kind: self.kind,
            slot_start: self.slot_start,
            issued_at: self.issued_at,
        }
    }
}

#[derive(sqlx::FromRow)]
struct TicketRow {
    id: i64,
    evening_id: i64,
    number: i64,
    kind: String,
    name: String,
    service_id: Option<i64>,
    service_kind: Option<String>,
    booking_id: Option<i64>,
    booking_state: Option<String>,
    petition_id: Option<i64>,
    slot_start: Option<String>,
    issued_at: String,
    called_at: Option<String>,
    counter: Option<i64>,
    done_at: Option<String>,
    outcome: Option<String>,
}

const TICKET_SQL: &str = "SELECT t.id, t.evening_id, t.number, t.kind, t.name, t.service_id, \
    v.kind AS service_kind, t.booking_id, b.state AS booking_state, b.petition_id, l.starts_at AS slot_start, \
    t.issued_at, t.called_at, t.counter, t.done_at, t.outcome FROM after_hours_tickets t \
    LEFT JOIN after_hours_services v ON v.id = t.service_id \
    LEFT JOIN after_hours_bookings b ON b.id = t.booking_id \
    LEFT JOIN after_hours_slots l ON l.id = b.slot_id";

impl TicketRow {
    fn into_ticket(self) -> Result<Ticket> {
        Ok(Ticket {
            id: self.id,
            evening_id: self.evening_id,
            number: self.number,
            kind: TicketKind::parse(&self.kind)?,
            name: self.name,
            service_id: self.service_id,
            service_kind: self.service_kind,
            booking_id: self.booking_id,
            booking_state: self.booking_state,
            petition_id: self.petition_id,
            slot_start: opt_ts(&self.slot_start)?,
            issued_at: parse_ts(&self.issued_at)?,
            called_at: opt_ts(&self.called_at)?,
            counter: self.counter,
            done_at: opt_ts(&self.done_at)?,
            outcome: self.outcome.as_deref().map(Outcome::parse).transpose()?,
        })
    }
}

/// Every ticket of the evening, by number.
pub async fn tickets<'a>(target: impl Target<'a>, evening_id: i64) -> Result<Vec<Ticket>> {
    let sql = format!("{TICKET_SQL} WHERE t.evening_id = $1 ORDER BY t.number");
    fetch_all!(target, TicketRow, sqlx::AssertSqlSafe(sql), evening_id)?
        .into_iter()
        .map(TicketRow::into_ticket)
        .collect()
}

pub async fn ticket<'a>(target: impl Target<'a>, id: i64) -> Result<Ticket> {
    let sql = format!("{TICKET_SQL} WHERE t.id = $1");
    fetch_optional!(target, TicketRow, sqlx::AssertSqlSafe(sql), id)?
        .or_not_found()?
        .into_ticket()
}

/// The evening's tickets as the counter shows them: waiting in call order, called and not
/// done (latest call first), done.
#[derive(Debug, Clone, Serialize)]
pub struct Board {
    pub waiting: Vec<Ticket>,
    pub called: Vec<Ticket>,
    pub done: Vec<Ticket>,
}

pub fn board(all: Vec<Ticket>) -> Board {
    let (mut waiting, mut called, mut done) = (Vec::new(), Vec::new(), Vec::new());
    for t in all {
        match (t.called_at, t.done_at) {
            (_, Some(_)) => done.push(t),
            (Some(_), None) => called.push(t),
            (None, None) => waiting.push(t),
        }
    }
    waiting.sort_by(|a, b| rules::queue_order(&a.waiting(), &b.waiting()));
    called.sort_by_key(|t| std::cmp::Reverse(t.called_at));
    done.sort_by_key(|t| std::cmp::Reverse(t.done_at));
    Board {
        waiting,
        called,
        done,
    }
}

pub async fn board_of<'a>(target: impl Target<'a>, evening_id: i64) -> Result<Board> {
    Ok(board(tickets(target, evening_id).await?))
}

/// What the room's screen shows: numbers and counters only, never a name.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Screen {
    pub evening_id: i64,
    /// The latest call first: (number, counter).
    pub called: Vec<Called>,
    /// The next numbers in call order.
    pub next: Vec<i64>,
    pub waiting: usize,
    pub closed: bool,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Called {
    pub number: i64,
    pub counter: i64,
    pub called_at: String,
}

pub async fn screen<'a>(target: impl Target<'a> + Copy, evening_id: i64) -> Result<Screen> {
    let e = evening(target, evening_id).await?;
    let mut all = tickets(target, evening_id).await?;
    // Recent calls stay on the screen after the ticket is done, so a late look still finds it.
    all.sort_by_key(|t| std::cmp::Reverse(t.called_at));
    let called = all
        .iter()
        .filter(|t| t.called_at.is_some())
        .take(4)
        .filter_map(|t| {
            Some(Called {
                number: t.number,
                counter: t.counter?,
                called_at: ts(t.called_at?),
            })
        })
        .collect();
    let b = board(all);
    Ok(Screen {
        evening_id,
        called,
        next: b.waiting.iter().take(5).map(|t| t.number).collect(),
        waiting: b.waiting.len(),
        closed: e.state == EveningState::Closed,
    })
}

/// Take the evening's lock (every write starts here) and answer its state and the last
/// ticket number issued.
async fn lock(tx: &mut Tx, evening_id: i64) -> Result<(EveningState, i64)> {
    let row: Option<(String, i64)> = fetch_optional!(
        &mut *tx,
        _,
        "UPDATE after_hours_evenings SET version = version + 1 WHERE id = $1 RETURNING state, next_ticket",
        evening_id
    )?;
    let (state, next) = row.or_not_found()?;
    Ok((EveningState::parse(&state)?, next))
}

/// Lock a running evening: starting it when it was only confirmed (the first work of the
/// night), refusing closed, cancelled and not-opened evenings.
pub(crate) async fn lock_running(tx: &mut Tx, evening_id: i64) -> Result<i64> {
    let (state, next) = lock(tx, evening_id).await?;
    let started = rules::start(state)?;
    if started != state {
        execute!(
            &mut *tx,
            "UPDATE after_hours_evenings SET state = $1 WHERE id = $2",
            started.as_str(),
            evening_id
        )?;
    }
    Ok(next)
}

/// Staff open the evening (confirmed → in progress). Opening one already running changes
/// nothing.
pub async fn open(tx: &mut Tx, evening_id: i64) -> Result<Evening> {
    lock_running(tx, evening_id).await?;
    evening(&mut *tx, evening_id).await
}

async fn issue(
    tx: &mut Tx,
    evening_id: i64,
    kind: TicketKind,
    booking_id: Option<i64>,
    name: &str,
    service_id: Option<i64>,
    now: DateTime<Utc>,
) -> Result<i64> {
    let next = lock_running(tx, evening_id).await? + 1;
    execute!(
        &mut *tx,
        "UPDATE after_hours_evenings SET next_ticket = $1 WHERE id = $2",
        next,
        evening_id
    )?;
    let (id,): (i64,) = fetch_one!(
        &mut *tx,
        _,
        "INSERT INTO after_hours_tickets (evening_id, number, booking_id, kind, name, service_id, issued_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        evening_id,
        next,
        booking_id,
        kind.as_str(),
        name,
        service_id,
        ts(now)
    )?;
    Ok(id)
}

/// Which booking arrives: by its code, or the one the official picked from a search.
#[derive(Debug, Clone)]
pub enum Arriving {
    Code(String),
    Booking(i64),
}

/// A check-in: the ticket, where the arrival fell against the window, and the booking.
#[derive(Debug, Clone, Serialize)]
pub struct CheckedIn {
    pub ticket: Ticket,
    pub booking: Booking,
    /// Minutes outside the window, when the ticket is late: negative when early.
    pub minutes_outside: i64,
    #[serde(skip)]
    pub arrival: Arrival,
}

fn booking_unknown() -> StoreError {
    bad(
        "booking_unknown",
        "그런 예약 번호가 없습니다. 번호를 확인하거나 이름·전화번호로 찾아 주세요",
        "no booking has this code; check it or search by name or phone",
    )
}

/// Check a booked resident in: a booked ticket within the window, a late one outside it.
pub async fn check_in(
    tx: &mut Tx,
    evening_id: i64,
    who: &Arriving,
    now: DateTime<Utc>,
) -> Result<CheckedIn> {
    let found = match who {
        Arriving::Code(code) => {
            // Typed as shown (ABCD-EFGH) or not: stored without hyphens, upper case.
            let code = domain::service_access::booking::normalise_code(code);
            if code.is_empty() {
                return Err(bad(
                    "code_missing",
                    "예약 번호를 입력해 주세요",
                    "enter the booking code",
                ));
            }
            let sql = format!("{BOOKING_SQL} WHERE b.code = $1");
            fetch_optional!(&mut *tx, BookingRow, sqlx::AssertSqlSafe(sql), code)?
        }
        Arriving::Booking(id) => {
            let sql = format!("{BOOKING_SQL} WHERE b.id = $1");
            fetch_optional!(&mut *tx, BookingRow, sqlx::AssertSqlSafe(sql), *id)?
        }
    };
    let b = found.ok_or_else(booking_unknown)?.into_booking()?;
    if b.evening_id != evening_id {
        return Err(bad(
            "booking_other_evening",
            "다른 날의 예약입니다. 예약한 날에 오시거나 현장 접수로 번호표를 받으세요",
            "this booking is for another evening; come on that day or take a walk-in ticket",
        ));
    }
    let e = evening(&mut *tx, evening_id).await?;
    // The lock first: two counters checking the same person in are decided one after the other.
    lock_running(tx, evening_id).await?;
    let state: (String,) = fetch_one!(
        &mut *tx,
        _,
        "SELECT state FROM after_hours_bookings WHERE id = $1",
        b.id
    )?;
    match state.0.as_str() {
        "confirmed" => {}
        "checked_in" | "served" => {
            return Err(bad(
                "already_checked_in",
                "이미 도착 확인된 예약입니다",
                "this booking has already checked in",
            ));
        }
        "cancelled" => {
            return Err(bad(
                "booking_cancelled",
                "취소된 예약입니다. 현장 접수로 번호표를 받으세요",
                "this booking was cancelled; take a walk-in ticket",
            ));
        }
        _ => {
            return Err(bad(
                "booking_no_show",
                "불참으로 처리된 예약입니다. 현장 접수로 번호표를 받으세요",
                "this booking was marked a no-show; take a walk-in ticket",
            ));
        }
    }
    let arrival = rules::arrival(b.slot_start, now, e.window.into());
    let ticket_id = issue(
        tx,
        evening_id,
        arrival.ticket_kind(),
        Some(b.id),
        &b.name,
        Some(b.service_id),
        now,
    )
    .await?;
    execute_one!(
        &mut *tx,
        "UPDATE after_hours_bookings SET state = 'checked_in', checked_in_at = $1, updated_at = $1 \
         WHERE id = $2 AND state = 'confirmed'",
        ts(now),
        b.id
    )?;
    let minutes_outside = match arrival {
        Arrival::InWindow => 0,
        Arrival::TooEarly(m) => -m,
        Arrival::TooLate(m) => m,
    };
    Ok(CheckedIn {
        ticket: ticket(&mut *tx, ticket_id).await?,
        booking: booking(&mut *tx, b.id).await?,
        minutes_outside,
        arrival,
    })
}

/// Issue a walk-in ticket: a name is optional, the service must be one of the evening's.
pub async fn walk_in(
    tx: &mut Tx,
    evening_id: i64,
    name: &str,
    service_id: i64,
    now: DateTime<Utc>,
) -> Result<Ticket> {
    let name = name.trim();
    if name.chars().count() > 50 {
        return Err(bad(
            "name_too_long",
            "이름은 50자까지입니다",
            "the name is at most 50 characters",
        ));
    }
    let ours: Option<(i64,)> = fetch_optional!(
        &mut *tx,
        _,
        "SELECT v.id FROM after_hours_services v JOIN after_hours_evenings e ON e.schedule_id = v.schedule_id \
         WHERE e.id = $1 AND v.id = $2 AND v.active = TRUE",
        evening_id,
        service_id
    )?;
    if ours.is_none() {
        return Err(bad(
            "service_unknown",
            "이 운영일에 제공하지 않는 업무입니다",
            "this service is not offered this evening",
        ));
    }
    let id = issue(
        tx,
        evening_id,
        TicketKind::WalkIn,
        None,
        name,
        Some(service_id),
        now,
    )
    .await?;
    ticket(&mut *tx, id).await
}

/// Call the first waiting ticket in order to `counter`.
pub async fn call_next(
    tx: &mut Tx,
    evening_id: i64,
    counter: i64,
    now: DateTime<Utc>,
) -> Result<Ticket> {
    if !(1..=99).contains(&counter) {
        return Err(bad(
            "counter_invalid",
            "창구 번호는 1부터 99까지입니다",
            "the counter number is 1 to 99",
        ));
    }
    lock_running(tx, evening_id).await?;
    let b = board(tickets(&mut *tx, evening_id).await?);
    let first = b.waiting.first().ok_or_else(|| {
        bad(
            "nobody_waiting",
            "기다리는 사람이 없습니다",
            "nobody is waiting",
        )
    })?;
    execute_one!(
        &mut *tx,
        "UPDATE after_hours_tickets SET called_at = $1, counter = $2 WHERE id = $3 AND called_at IS NULL",
        ts(now),
        counter,
        first.id
    )?;
    ticket(&mut *tx, first.id).await
}

/// Record how a ticket ended. Served and no-show follow a call; anyone may leave while
/// waiting. A booked ticket's booking follows: served or no-show.
pub async fn set_outcome(
    tx: &mut Tx,
    evening_id: i64,
    ticket_id: i64,
    outcome: Outcome,
    now: DateTime<Utc>,
) -> Result<Ticket> {
    lock_running(tx, evening_id).await?;
    let t = ticket(&mut *tx, ticket_id).await?;
    if t.evening_id != evening_id {
        return Err(StoreError::NotFound);
    }
    if t.done_at.is_some() {
        return Err(bad(
            "ticket_done",
            "이미 처리가 끝난 번호표입니다",
            "this ticket is already done",
        ));
    }
    if outcome != Outcome::Left && t.called_at.is_none() {
        return Err(bad(
            "ticket_not_called",
            "아직 호출하지 않은 번호표입니다. 먼저 호출하세요",
            "this ticket has not been called yet; call it first",
        ));
    }
    execute_one!(
        &mut *tx,
        "UPDATE after_hours_tickets SET done_at = $1, outcome = $2 WHERE id = $3 AND done_at IS NULL",
        ts(now),
        outcome.as_str(),
        ticket_id
    )?;
    if let Some(booking_id) = t.booking_id {
        let sql = match outcome {
            Outcome::Served => Some(
                "UPDATE after_hours_bookings SET state = 'served', served_at = $1, updated_at = $1 \
                 WHERE id = $2 AND state = 'checked_in'",
            ),
            Outcome::NoShow => Some(
                "UPDATE after_hours_bookings SET state = 'no_show', no_show_at = $1, updated_at = $1 \
                 WHERE id = $2 AND state = 'checked_in'",
            ),
            Outcome::Left => None,
        };
        if let Some(sql) = sql {
            execute!(&mut *tx, sql, ts(now), booking_id)?;
        }
    }
    ticket(&mut *tx, ticket_id).await
}

/// What closing did.
#[derive(Debug, Clone, Serialize)]
pub struct Closed {
    pub evening: Evening,
    /// Confirmed bookings nobody checked in for, now no-shows.
    pub no_shows: u64,
}

/// Close the evening: every ticket must be done first (nobody is sent home by a button);
/// the confirmed bookings left become no-shows.
pub async fn close(tx: &mut Tx, evening_id: i64, now: DateTime<Utc>) -> Result<Closed> {
    let (state, _) = lock(tx, evening_id).await?;
    let closed = rules::close(state)?;
    let open: (i64,) = fetch_one!(
        &mut *tx,
        _,
        "SELECT COUNT(*) FROM after_hours_tickets WHERE evening_id = $1 AND done_at IS NULL",
        evening_id
    )?;
    if open.0 > 0 {
        return Err(bad(
            "tickets_open",
            &format!(
                "아직 끝나지 않은 번호표가 {}장 있습니다. 처리 완료·불참·떠남으로 표시한 뒤 마감하세요",
                open.0
            ),
            &format!(
                "{} ticket(s) are not done yet; mark them served, no-show or left before closing",
                open.0
            ),
        ));
    }
    execute!(
        &mut *tx,
        "UPDATE after_hours_evenings SET state = $1 WHERE id = $2",
        closed.as_str(),
        evening_id
    )?;
    let no_shows = execute!(
        &mut *tx,
        "UPDATE after_hours_bookings SET state = 'no_show', no_show_at = $1, updated_at = $1 \
         WHERE evening_id = $2 AND state = 'confirmed'",
        ts(now),
        evening_id
    )?;
    Ok(Closed {
        evening: evening(&mut *tx, evening_id).await?,
        no_shows,
    })
}
