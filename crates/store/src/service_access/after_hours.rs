//! After-hours reception (야간·휴일 민원실): schedules with their services and exceptions, the
//! evenings materialised on first booking, booking (race-free on both databases), cancelling
//! and moving by code, the cutoff decision, reminders and bulk cancellation.
//!
//! Every change to an evening's places first bumps the evening's `version` inside its
//! transaction ([`lock_evening`]): on PostgreSQL the row lock queues the writers of that
//! evening, on SQLite `BEGIN IMMEDIATE` already holds the one write lock. The place itself is
//! taken by `UPDATE … SET booked = booked + 1 WHERE booked < capacity`, so a full slot changes
//! no row and the booking is not written.
//!
//! Times are stored as UTC text (`2026-05-14T09:00:00Z`), days as Korean dates, times of day as
//! Korean `HH:MM` (the migration's columns are text on both databases).

use crate::kit::outbox;
use crate::{Db, Result, StoreError, Tx, execute, fetch_all, fetch_one, fetch_optional};
use calendar::HolidayData;
use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use domain::service_access::booking::{
    BookingChannel, BookingState, ChecklistItem, Contact, Cutoff, EveningState, PaymentMethod,
    ReminderKind, ScheduleDraft, ServiceDraft, ServiceKind, code_from, decide, may_book,
    normalise_code, person_key, reminder_due, show_code,
};
use domain::service_access::{Exception, ExceptionKind, Schedule, SlotPlan, cutoff_for};
use domain::{AccountId, DepartmentId, Invalid, RuleError};
use serde::Serialize;

/// UTC as stored.
pub fn ts(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

fn parse_ts(s: &str) -> Result<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| StoreError::internal("stored after-hours time", e))
}

fn parse_day(s: &str) -> Result<NaiveDate> {
    s.parse()
        .map_err(|e| StoreError::internal("stored after-hours day", e))
}

fn parse_hm(s: &str) -> Result<NaiveTime> {
    NaiveTime::parse_from_str(s, "%H:%M")
        .map_err(|e| StoreError::internal("stored after-hours time of day", e))
}

fn hm(t: NaiveTime) -> String {
    t.format("%H:%M").to_string()
}

/// A form's field errors as one store error (the first): pages check drafts themselves first.
fn refused(e: Invalid) -> StoreError {
    match e.0.into_iter().next() {
        Some(f) => StoreError::Rule(f.error),
        None => StoreError::internal("refused without a reason", "empty field errors"),
    }
}

/// The office's holiday data (the built-in calendar plus the office's own rows).
pub async fn holidays(db: &Db) -> Result<HolidayData> {
    let rows = crate::office::holidays::list(db).await?;
    HolidayData::from_rows(
        rows.iter()
            .map(|r| (r.date, r.name.as_str(), r.kind.as_str(), r.removed)),
    )
    .map_err(|e| StoreError::internal("stored holiday data", e))
}

// ---------------------------------------------------------------------------------------------
// Schedules

/// A stored schedule with its running department.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoredSchedule {
    pub id: i64,
    pub department_id: DepartmentId,
    pub department_name: String,
    pub draft: ScheduleDraft,
    pub active: bool,
}

impl StoredSchedule {
    pub fn schedule(&self) -> Schedule {
        self.draft.schedule()
    }
}

#[derive(sqlx::FromRow)]
struct ScheduleRow {
    id: i64,
    department_id: i64,
    department_name: String,
    name: String,
    name_en: String,
    place: String,
    place_en: String,
    rule: String,
    anchor: String,
    opens: String,
    closes: String,
    cutoff_kind: String,
    cutoff_value: String,
    min_bookings: i64,
    one_per_person: bool,
    payment_methods: String,
    checkin_early_minutes: i64,
    checkin_late_minutes: i64,
    remind_day_before: bool,
    remind_hours_before: bool,
    active: bool,
}

#[derive(sqlx::FromRow)]
struct ExceptionRow {
    schedule_id: i64,
    day: String,
    kind: String,
    reason: String,
    opens: Option<String>,
    closes: Option<String>,
}

const SCHEDULE_SELECT: &str = "SELECT s.id, s.department_id, COALESCE(d.name, '') AS \
    department_name, s.name, s.name_en, s.place, s.place_en, s.rule, s.anchor, s.opens, \
    s.closes, s.cutoff_kind, s.cutoff_value, s.min_bookings, s.one_per_person, \
    s.payment_methods, s.checkin_early_minutes, s.checkin_late_minutes, s.remind_day_before, \
    s.remind_hours_before, s.active FROM after_hours_schedules s \
    LEFT JOIN departments d ON d.id = s.department_id";

fn to_u32(n: i64) -> u32 {
    u32::try_from(n.max(0)).unwrap_or(u32::MAX)
}

impl ScheduleRow {
    fn into_schedule(self, exceptions: Vec<Exception>) -> Result<StoredSchedule> {
        Ok(StoredSchedule {
            id: self.id,
            department_id: self.department_id,
            department_name: self.department_name,
            active: self.active,
            draft: ScheduleDraft {
                name: self.name,
                name_en: self.name_en,
                place: self.place,
                place_en: self.place_en,
                rule: self.rule,
                anchor: parse_day(&self.anchor)?,
                opens: parse_hm(&self.opens)?,
                closes: parse_hm(&self.closes)?,
                cutoff: Cutoff::from_stored(&self.cutoff_kind, &self.cutoff_value),
                min_bookings: to_u32(self.min_bookings),
                one_per_person: self.one_per_person,
                payment_methods: self
                    .payment_methods
                    .split(',')
                    .filter_map(|m| PaymentMethod::parse(m.trim()).ok())
                    .collect(),
                checkin_early_minutes: to_u32(self.checkin_early_minutes),
                checkin_late_minutes: to_u32(self.checkin_late_minutes),
                remind_day_before: self.remind_day_before,
                remind_hours_before: self.remind_hours_before,
                exceptions,
            },
        })
    }
}

impl ExceptionRow {
    fn into_exception(self) -> Result<Exception> {
        let date = parse_day(&self.day)?;
        let kind = match (self.kind.as_str(), self.opens, self.closes) {
            ("extra", Some(o), Some(c)) => ExceptionKind::Extra {
                opens: parse_hm(&o)?,
                closes: parse_hm(&c)?,
                reason: self.reason,
            },
            _ => ExceptionKind::Closed {
                reason: self.reason,
            },
        };
        Ok(Exception { date, kind })
    }
}

async fn exceptions_of(db: &Db, schedule: Option<i64>) -> Result<Vec<(i64, Exception)>> {
    let rows: Vec<ExceptionRow> = match schedule {
        Some(id) => fetch_all!(
            db,
            ExceptionRow,
            "SELECT schedule_id, day, kind, reason, opens, closes FROM after_hours_exceptions \
             WHERE schedule_id = $1 ORDER BY day",
            id
        )?,
        None => fetch_all!(
            db,
            ExceptionRow,
            "SELECT schedule_id, day, kind, reason, opens, closes FROM after_hours_exceptions \
             ORDER BY day"
        )?,
    };
    rows.into_iter()
        .map(|r| Ok((r.schedule_id, r.into_exception()?)))
        .collect()
}

/// One schedule.
pub async fn schedule(db: &Db, id: i64) -> Result<StoredSchedule> {
    let sql = format!("{SCHEDULE_SELECT} WHERE s.id = $1");
    let row = fetch_optional!(db, ScheduleRow, sqlx::AssertSqlSafe(sql), id)?
        .ok_or(StoreError::NotFound)?;
    let ex = exceptions_of(db, Some(id)).await?;
    row.into_schedule(ex.into_iter().map(|(_, e)| e).collect())
}

/// Every schedule (the active ones only when `active_only`), by name.
pub async fn schedules(db: &Db, active_only: bool) -> Result<Vec<StoredSchedule>> {
    let sql = format!("{SCHEDULE_SELECT} WHERE s.active = $1 OR $2 ORDER BY s.name, s.id");
    let rows = fetch_all!(
        db,
        ScheduleRow,
        sqlx::AssertSqlSafe(sql),
        true,
        !active_only
    )?;
    let ex = exceptions_of(db, None).await?;
    rows.into_iter()
        .map(|r| {
            let id = r.id;
            r.into_schedule(
                ex.iter()
                    .filter(|(s, _)| *s == id)
                    .map(|(_, e)| e.clone())
                    .collect(),
            )
        })
        .collect()
}

/// Create a schedule after its check (the caller has checked the draft against the same
/// holidays and shown field errors; this refuses with the first).
pub async fn create_schedule(
    tx: &mut Tx,
    holidays: &HolidayData,
    department: DepartmentId,
    d: &ScheduleDraft,
    by: Option<AccountId>,
    now: DateTime<Utc>,
) -> Result<i64> {
    d.validate(holidays, calendar::to_seoul(now).date_naive())
        .map_err(refused)?;
    let (id,): (i64,) = fetch_one!(
        &mut *tx,
        _,
        "INSERT INTO after_hours_schedules (department_id, name, name_en, place, place_en, rule, \
         anchor, opens, closes, cutoff_kind, cutoff_value, min_bookings, one_per_person, \
         payment_methods, checkin_early_minutes, checkin_late_minutes, remind_day_before, \
         remind_hours_before, active, created_by, created_at, updated_at) VALUES ($1, $2, $3, \
         $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $21) \
         RETURNING id",
        department,
        d.name.trim(),
        d.name_en.trim(),
        d.place.trim(),
        d.place_en.trim(),
        d.rule.trim(),
        d.anchor.to_string(),
        hm(d.opens),
        hm(d.closes),
        d.cutoff.kind(),
        d.cutoff.value(),
        i64::from(d.min_bookings),
        d.one_per_person,
        payments(&d.payment_methods),
        i64::from(d.checkin_early_minutes),
        i64::from(d.checkin_late_minutes),
        d.remind_day_before,
        d.remind_hours_before,
        true,
        by,
        ts(now)
    )?;
    write_exceptions(tx, id, &d.exceptions).await?;
    Ok(id)
}

fn payments(m: &[PaymentMethod]) -> String {
    m.iter().map(|m| m.as_str()).collect::<Vec<_>>().join(",")
}

/// Save a schedule's settings and exceptions. Evenings already materialised keep their times
/// (people booked them); only later evenings follow the new rule.
pub async fn update_schedule(
    tx: &mut Tx,
    holidays: &HolidayData,
    id: i64,
    d: &ScheduleDraft,
    active: bool,
    now: DateTime<Utc>,
) -> Result<()> {
    d.validate(holidays, calendar::to_seoul(now).date_naive())
        .map_err(refused)?;
    let n = execute!(
        &mut *tx,
        "UPDATE after_hours_schedules SET name = $1, name_en = $2, place = $3, place_en = $4, \
         rule = $5, anchor = $6, opens = $7, closes = $8, cutoff_kind = $9, cutoff_value = $10, \
         min_bookings = $11, one_per_person = $12, payment_methods = $13, \
         checkin_early_minutes = $14, checkin_late_minutes = $15, remind_day_before = $16, \
         remind_hours_before = $17, active = $18, updated_at = $19 WHERE id = $20",
        d.name.trim(),
        d.name_en.trim(),
        d.place.trim(),
        d.place_en.trim(),
        d.rule.trim(),
        d.anchor.to_string(),
        hm(d.opens),
        hm(d.closes),
        d.cutoff.kind(),
        d.cutoff.value(),
        i64::from(d.min_bookings),
        d.one_per_person,
        payments(&d.payment_methods),
        i64::from(d.checkin_early_minutes),
        i64::from(d.checkin_late_minutes),
        d.remind_day_before,
        d.remind_hours_before,
        active,
        ts(now),
        id
    )?;
    crate::kit::touched_one(n)?;
    execute!(
        &mut *tx,
        "DELETE FROM after_hours_exceptions WHERE schedule_id = $1",
        id
    )?;
    write_exceptions(tx, id, &d.exceptions).await
}

async fn write_exceptions(tx: &mut Tx, schedule: i64, list: &[Exception]) -> Result<()> {
    for e in list {
        let (kind, reason, opens, closes) = match &e.kind {
            ExceptionKind::Closed { reason } => ("closed", reason.clone(), None, None),
            ExceptionKind::Extra {
                opens,
                closes,
                reason,
            } => ("extra", reason.clone(), Some(hm(*opens)), Some(hm(*closes))),
        };
        execute!(
            &mut *tx,
            "INSERT INTO after_hours_exceptions (schedule_id, day, kind, reason, opens, closes) \
             VALUES ($1, $2, $3, $4, $5, $6)",
            schedule,
            e.date.to_string(),
            kind,
            reason.trim(),
            opens,
            closes
        )?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Services

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoredService {
    pub id: i64,
    pub schedule_id: i64,
    pub draft: ServiceDraft,
    pub active: bool,
}

#[derive(sqlx::FromRow)]
struct ServiceRow {
    id: i64,
    schedule_id: i64,
    kind: String,
    slot_minutes: i64,
    counters: i64,
    per_counter: i64,
    in_person: String,
    in_person_en: String,
    guardian_for_minors: bool,
    checklist: String,
    fee_note: String,
    fee_note_en: String,
    active: bool,
}

impl ServiceRow {
    fn into_service(self) -> Result<StoredService> {
        let checklist: Vec<ChecklistItem> = serde_json::from_str(&self.checklist)
            .map_err(|e| StoreError::internal("stored checklist", e))?;
        Ok(StoredService {
            id: self.id,
            schedule_id: self.schedule_id,
            active: self.active,
            draft: ServiceDraft {
                kind: ServiceKind::parse(&self.kind)?,
                slot_minutes: to_u32(self.slot_minutes),
                counters: to_u32(self.counters),
                per_counter: to_u32(self.per_counter),
                in_person: self.in_person,
                in_person_en: self.in_person_en,
                guardian_for_minors: self.guardian_for_minors,
                checklist,
                fee_note: self.fee_note,
                fee_note_en: self.fee_note_en,
            },
        })
    }
}

const SERVICE_SELECT: &str = "SELECT id, schedule_id, kind, slot_minutes, counters, per_counter, \
    in_person, in_person_en, guardian_for_minors, checklist, fee_note, fee_note_en, active \
    FROM after_hours_services";

/// A schedule's services in their order (the active ones only when `active_only`).
pub async fn services(db: &Db, schedule: i64, active_only: bool) -> Result<Vec<StoredService>> {
    let sql = format!(
        "{SERVICE_SELECT} WHERE schedule_id = $1 AND (active = $2 OR $3) ORDER BY position, id"
    );
    fetch_all!(
        db,
        ServiceRow,
        sqlx::AssertSqlSafe(sql),
        schedule,
        true,
        !active_only
    )?
    .into_iter()
    .map(ServiceRow::into_service)
    .collect()
}

pub async fn service(db: &Db, id: i64) -> Result<StoredService> {
    let sql = format!("{SERVICE_SELECT} WHERE id = $1");
    fetch_optional!(db, ServiceRow, sqlx::AssertSqlSafe(sql), id)?
        .ok_or(StoreError::NotFound)?
        .into_service()
}

/// Add a service to a schedule, or save the one of that kind (one per kind and schedule).
/// Slots already materialised keep their length; later evenings take the new plan.
pub async fn save_service(
    tx: &mut Tx,
    schedule: i64,
    opens: NaiveTime,
    closes: NaiveTime,
    d: &ServiceDraft,
    active: bool,
) -> Result<i64> {
    d.validate(opens, closes).map_err(refused)?;
    let checklist = serde_json::to_string(&d.checklist)
        .map_err(|e| StoreError::internal("checklist not serialisable", e))?;
    let position = d.kind as i64;
    let (id,): (i64,) = fetch_one!(
        &mut *tx,
        _,
        "INSERT INTO after_hours_services (schedule_id, kind, slot_minutes, counters, \
         per_counter, in_person, in_person_en, guardian_for_minors, checklist, fee_note, \
         fee_note_en, position, active) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, \
         $12, $13) ON CONFLICT (schedule_id, kind) DO UPDATE SET slot_minutes = \
         excluded.slot_minutes, counters = excluded.counters, per_counter = excluded.per_counter, \
         in_person = excluded.in_person, in_person_en = excluded.in_person_en, \
         guardian_for_minors = excluded.guardian_for_minors, checklist = excluded.checklist, \
         fee_note = excluded.fee_note, fee_note_en = excluded.fee_note_en, \
         active = excluded.active RETURNING id",
        schedule,
        d.kind.as_str(),
        i64::from(d.slot_minutes),
        i64::from(d.counters),
        i64::from(d.per_counter),
        d.in_person.trim(),
        d.in_person_en.trim(),
        d.guardian_for_minors,
        checklist,
        d.fee_note.trim(),
        d.fee_note_en.trim(),
        position,
        active
    )?;
    Ok(id)
}

// ---------------------------------------------------------------------------------------------
// Evenings and slots

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Evening {
    pub id: i64,
    pub schedule_id: i64,
    pub day: NaiveDate,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub cutoff_at: DateTime<Utc>,
    pub state: EveningState,
    pub decided_at: Option<DateTime<Utc>>,
    pub cancelled_reason: String,
    pub cancelled_at: Option<DateTime<Utc>>,
}

#[derive(sqlx::FromRow)]
struct EveningRow {
    id: i64,
    schedule_id: i64,
    day: String,
    starts_at: String,
    ends_at: String,
    cutoff_at: String,
    state: String,
    decided_at: Option<String>,
    cancelled_reason: String,
    cancelled_at: Option<String>,
}

impl EveningRow {
    fn into_evening(self) -> Result<Evening> {
        Ok(Evening {
            id: self.id,
            schedule_id: self.schedule_id,
            day: parse_day(&self.day)?,
            starts_at: parse_ts(&self.starts_at)?,
            ends_at: parse_ts(&self.ends_at)?,
            cutoff_at: parse_ts(&self.cutoff_at)?,
            state: EveningState::parse(&self.state)?,
            decided_at: self.decided_at.as_deref().map(parse_ts).transpose()?,
            cancelled_reason: self.cancelled_reason,
            cancelled_at: self.cancelled_at.as_deref().map(parse_ts).transpose()?,
        })
    }
}

const EVENING_SELECT: &str = "SELECT id, schedule_id, day, starts_at, ends_at, cutoff_at, state, \
    decided_at, cancelled_reason, cancelled_at FROM after_hours_evenings";

pub async fn evening(db: &Db, id: i64) -> Result<Evening> {
    let sql = format!("{EVENING_SELECT} WHERE id = $1");
    fetch_optional!(db, EveningRow, sqlx::AssertSqlSafe(sql), id)?
        .ok_or(StoreError::NotFound)?
        .into_evening()
}

async fn evening_in(tx: &mut Tx, id: i64) -> Result<Evening> {
    let sql = format!("{EVENING_SELECT} WHERE id = $1");
    fetch_optional!(&mut *tx, EveningRow, sqlx::AssertSqlSafe(sql), id)?
        .ok_or(StoreError::NotFound)?
        .into_evening()
}

/// A schedule's materialised evenings from a Korean date on.
pub async fn evenings_from(db: &Db, schedule: i64, from: NaiveDate) -> Result<Vec<Evening>> {
    let sql = format!("{EVENING_SELECT} WHERE schedule_id = $1 AND day >= $2 ORDER BY day");
    fetch_all!(
        db,
        EveningRow,
        sqlx::AssertSqlSafe(sql),
        schedule,
        from.to_string()
    )?
    .into_iter()
    .map(EveningRow::into_evening)
    .collect()
}

/// The evening of a schedule on a day, when materialised.
pub async fn evening_on(db: &Db, schedule: i64, day: NaiveDate) -> Result<Option<Evening>> {
    let sql = format!("{EVENING_SELECT} WHERE schedule_id = $1 AND day = $2");
    fetch_optional!(
        db,
        EveningRow,
        sqlx::AssertSqlSafe(sql),
        schedule,
        day.to_string()
    )?
    .map(EveningRow::into_evening)
    .transpose()
}

/// One slot of a service on an evening, with its places.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SlotPlaces {
    pub service_id: i64,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub capacity: i64,
    pub booked: i64,
}

impl SlotPlaces {
    pub fn free(&self) -> i64 {
        (self.capacity - self.booked).max(0)
    }
}

/// An evening as the booking page shows it: when, its state, and each service's slots.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EveningPlaces {
    pub schedule_id: i64,
    pub day: NaiveDate,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub cutoff_at: DateTime<Utc>,
    /// Materialised evening, once someone booked or it was decided.
    pub evening: Option<Evening>,
    pub slots: Vec<SlotPlaces>,
}

impl EveningPlaces {
    pub fn state(&self) -> EveningState {
        self.evening
            .as_ref()
            .map_or(EveningState::Scheduled, |e| e.state)
    }

    /// Whether booking is open at `now`.
    pub fn bookable(&self, now: DateTime<Utc>) -> bool {
        may_book(self.state(), self.cutoff_at, now).is_ok()
    }
}

/// The next `n` evenings of a schedule from `today` with their places: the rule's evenings
/// computed, the booked counts of those already materialised.
pub async fn availability(
    db: &Db,
    holidays: &HolidayData,
    s: &StoredSchedule,
    services: &[StoredService],
    today: NaiveDate,
    n: usize,
) -> Result<Vec<EveningPlaces>> {
    let up =
        domain::service_access::upcoming(&s.schedule(), holidays, today, n).map_err(refused)?;
    let stored = evenings_from(db, s.id, today).await?;
    let mut out = Vec::new();
    for o in up.openings {
        let evening = stored.iter().find(|e| e.day == o.date).cloned();
        let booked: Vec<(i64, String, i64)> = match &evening {
            Some(e) => fetch_all!(
                db,
                _,
                "SELECT service_id, starts_at, booked FROM after_hours_slots WHERE evening_id = $1",
                e.id
            )?,
            None => Vec::new(),
        };
        let (starts_at, ends_at) = match &evening {
            Some(e) => (e.starts_at, e.ends_at),
            None => (o.starts_utc, o.ends_utc),
        };
        let mut slots = Vec::new();
        for sv in services.iter().filter(|x| x.active) {
            let Ok(list) = domain::service_access::slots(&o, &sv.draft.plan()) else {
                continue;
            };
            for sl in list {
                let key = ts(sl.starts_utc);
                let taken = booked
                    .iter()
                    .find(|(svc, at, _)| *svc == sv.id && *at == key)
                    .map_or(0, |(_, _, b)| *b);
                slots.push(SlotPlaces {
                    service_id: sv.id,
                    starts_at: sl.starts_utc,
                    ends_at: sl.ends_utc,
                    capacity: i64::from(sl.capacity),
                    booked: taken,
                });
            }
        }
        out.push(EveningPlaces {
            schedule_id: s.id,
            day: o.date,
            starts_at,
            ends_at,
            cutoff_at: evening
                .as_ref()
                .map_or_else(|| cutoff_for(&o, &s.draft.cutoff.rule()), |e| e.cutoff_at),
            evening,
            slots,
        });
    }
    Ok(out)
}

fn no_evening() -> StoreError {
    RuleError::new(
        "no_evening",
        "그날은 야간 민원실이 열리지 않습니다",
        "the after-hours reception does not open that day",
    )
    .into()
}

fn no_slot() -> StoreError {
    RuleError::new(
        "no_slot",
        "그 시간에는 이 업무의 예약 시간대가 없습니다",
        "there is no such slot for this service that evening",
    )
    .into()
}

/// The evening of a schedule on a day, written with its slots on first need (`INSERT … ON
/// CONFLICT DO NOTHING`, then read), so two first bookings at once write it once. A day the
/// schedule does not open on is refused.
pub async fn materialise(
    tx: &mut Tx,
    holidays: &HolidayData,
    schedule: i64,
    day: NaiveDate,
) -> Result<i64> {
    if let Some((id,)) = fetch_optional!(
        &mut *tx,
        (i64,),
        "SELECT id FROM after_hours_evenings WHERE schedule_id = $1 AND day = $2",
        schedule,
        day.to_string()
    )? {
        return Ok(id);
    }
    let s = schedule_in(tx, schedule).await?;
    let up = domain::service_access::upcoming(&s.schedule(), holidays, day, 1).map_err(refused)?;
    let o = up
        .openings
        .into_iter()
        .next()
        .filter(|o| o.date == day)
        .ok_or_else(no_evening)?;
    let cutoff = cutoff_for(&o, &s.draft.cutoff.rule());
    execute!(
        &mut *tx,
        "INSERT INTO after_hours_evenings (schedule_id, day, starts_at, ends_at, cutoff_at) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (schedule_id, day) DO NOTHING",
        schedule,
        day.to_string(),
        ts(o.starts_utc),
        ts(o.ends_utc),
        ts(cutoff)
    )?;
    let (id,): (i64,) = fetch_one!(
        &mut *tx,
        _,
        "SELECT id FROM after_hours_evenings WHERE schedule_id = $1 AND day = $2",
        schedule,
        day.to_string()
    )?;
    let services: Vec<(i64, i64, i64, i64)> = fetch_all!(
        &mut *tx,
        _,
        "SELECT id, slot_minutes, counters, per_counter FROM after_hours_services \
         WHERE schedule_id = $1 AND active = $2",
        schedule,
        true
    )?;
    for (service, minutes, counters, per_counter) in services {
        let plan = SlotPlan {
            minutes: to_u32(minutes),
            counters: to_u32(counters),
            per_counter: to_u32(per_counter),
        };
        let Ok(list) = domain::service_access::slots(&o, &plan) else {
            continue;
        };
        for sl in list {
            execute!(
                &mut *tx,
                "INSERT INTO after_hours_slots (evening_id, service_id, starts_at, ends_at, \
                 capacity) VALUES ($1, $2, $3, $4, $5) \
                 ON CONFLICT (evening_id, service_id, starts_at) DO NOTHING",
                id,
                service,
                ts(sl.starts_utc),
                ts(sl.ends_utc),
                i64::from(sl.capacity)
            )?;
        }
    }
    Ok(id)
}

async fn schedule_in(tx: &mut Tx, id: i64) -> Result<StoredSchedule> {
    let sql = format!("{SCHEDULE_SELECT} WHERE s.id = $1");
    let row = fetch_optional!(&mut *tx, ScheduleRow, sqlx::AssertSqlSafe(sql), id)?
        .ok_or(StoreError::NotFound)?;
    // Exceptions matter for which days open; materialising reads them in the transaction.
    let ex: Vec<ExceptionRow> = fetch_all!(
        &mut *tx,
        ExceptionRow,
        "SELECT schedule_id, day, kind, reason, opens, closes FROM after_hours_exceptions \
         WHERE schedule_id = $1 ORDER BY day",
        id
    )?;
    let ex = ex
        .into_iter()
        .map(ExceptionRow::into_exception)
        .collect::<Result<Vec<_>>>()?;
    row.into_schedule(ex)
}

/// Take the evening's lock: every change to its places begins here (see the module).
pub async fn lock_evening(tx: &mut Tx, evening: i64) -> Result<()> {
    let n = execute!(
        &mut *tx,
        "UPDATE after_hours_evenings SET version = version + 1 WHERE id = $1",
        evening
    )?;
    crate::kit::touched_one(n)
}

// ---------------------------------------------------------------------------------------------
// Bookings

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Booking {
    pub id: i64,
    pub code: String,
    pub evening_id: i64,
    pub slot_id: i64,
    pub service_id: i64,
    pub service_kind: ServiceKind,
    pub schedule_id: i64,
    pub schedule_name: String,
    pub schedule_name_en: String,
    pub place: String,
    pub place_en: String,
    pub department_id: DepartmentId,
    pub day: NaiveDate,
    pub slot_starts_at: DateTime<Utc>,
    pub slot_ends_at: DateTime<Utc>,
    pub account_id: Option<AccountId>,
    pub name: String,
    pub phone: String,
    pub email: String,
    pub minor_with_guardian: bool,
    pub channel: BookingChannel,
    pub taken_by: Option<AccountId>,
    pub state: BookingState,
    pub cancelled_by: Option<String>,
    pub created_at: DateTime<Utc>,
    pub cancelled_at: Option<DateTime<Utc>>,
}

impl Booking {
    /// The code as people read it (`ABCD-EFGH`).
    pub fn shown_code(&self) -> String {
        show_code(&self.code)
    }
}

#[derive(sqlx::FromRow)]
struct BookingRow {
    id: i64,
    code: String,
    evening_id: i64,
    slot_id: i64,
    service_id: i64,
    kind: String,
    schedule_id: i64,
    schedule_name: String,
    schedule_name_en: String,
    place: String,
    place_en: String,
    department_id: i64,
    day: String,
    slot_starts_at: String,
    slot_ends_at: String,
    account_id: Option<i64>,
    name: String,
    phone: String,
    email: String,
    minor_with_guardian: bool,
    channel: String,
    taken_by: Option<i64>,
    state: String,
    cancelled_by: Option<String>,
    created_at: String,
    cancelled_at: Option<String>,
}

impl BookingRow {
    fn into_booking(self) -> Result<Booking> {
        Ok(Booking {
            id: self.id,
            code: self.code,
            evening_id: self.evening_id,
            slot_id: self.slot_id,
            service_id: self.service_id,
            service_kind: ServiceKind::parse(&self.kind)?,
            schedule_id: self.schedule_id,
            schedule_name: self.schedule_name,
            schedule_name_en: self.schedule_name_en,
            place: self.place,
            place_en: self.place_en,
            department_id: self.department_id,
            day: parse_day(&self.day)?,
            slot_starts_at: parse_ts(&self.slot_starts_at)?,
            slot_ends_at: parse_ts(&self.slot_ends_at)?,
            account_id: self.account_id,
            name: self.name,
            phone: self.phone,
            email: self.email,
            minor_with_guardian: self.minor_with_guardian,
            channel: BookingChannel::parse(&self.channel)?,
            taken_by: self.taken_by,
            state: BookingState::parse(&self.state)?,
            cancelled_by: self.cancelled_by,
            created_at: parse_ts(&self.created_at)?,
            cancelled_at: self.cancelled_at.as_deref().map(parse_ts).transpose()?,
        })
    }
}

const BOOKING_SELECT: &str = "SELECT b.id, b.code, b.evening_id, b.slot_id, b.service_id, \
    sv.kind, e.schedule_id, s.name AS schedule_name, s.name_en AS schedule_name_en, s.place, \
    s.place_en, s.department_id, e.day, sl.starts_at AS slot_starts_at, sl.ends_at AS \
    slot_ends_at, b.account_id, b.name, b.phone, b.email, b.minor_with_guardian, b.channel, \
    b.taken_by, b.state, b.cancelled_by, b.created_at, b.cancelled_at \
    FROM after_hours_bookings b JOIN after_hours_evenings e ON e.id = b.evening_id \
    JOIN after_hours_schedules s ON s.id = e.schedule_id \
    JOIN after_hours_slots sl ON sl.id = b.slot_id \
    JOIN after_hours_services sv ON sv.id = b.service_id";

pub async fn booking(db: &Db, id: i64) -> Result<Booking> {
    let sql = format!("{BOOKING_SELECT} WHERE b.id = $1");
    fetch_optional!(db, BookingRow, sqlx::AssertSqlSafe(sql), id)?
        .ok_or(StoreError::NotFound)?
        .into_booking()
}

async fn booking_in(tx: &mut Tx, id: i64) -> Result<Booking> {
    let sql = format!("{BOOKING_SELECT} WHERE b.id = $1");
    fetch_optional!(&mut *tx, BookingRow, sqlx::AssertSqlSafe(sql), id)?
        .ok_or(StoreError::NotFound)?
        .into_booking()
}

/// An evening's bookings by slot, then name.
pub async fn evening_bookings(db: &Db, evening: i64) -> Result<Vec<Booking>> {
    let sql = format!(
        "{BOOKING_SELECT} WHERE b.evening_id = $1 ORDER BY sl.starts_at, sv.position, b.id"
    );
    fetch_all!(db, BookingRow, sqlx::AssertSqlSafe(sql), evening)?
        .into_iter()
        .map(BookingRow::into_booking)
        .collect()
}

/// A resident's own bookings, the next evenings first.
pub async fn bookings_of(db: &Db, account: AccountId) -> Result<Vec<Booking>> {
    let sql = format!("{BOOKING_SELECT} WHERE b.account_id = $1 ORDER BY e.day DESC, b.id DESC");
    fetch_all!(db, BookingRow, sqlx::AssertSqlSafe(sql), account)?
        .into_iter()
        .map(BookingRow::into_booking)
        .collect()
}

/// Which place is asked for: the schedule's evening on a day, a service, the slot's start.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct SlotKey {
    pub schedule_id: i64,
    pub day: NaiveDate,
    pub service_id: i64,
    pub starts_at: DateTime<Utc>,
}

/// Who books, and how.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BookRequest {
    pub slot: SlotKey,
    pub contact: Contact,
    pub minor_with_guardian: bool,
    pub channel: BookingChannel,
    /// The resident's own account, when signed in.
    pub account: Option<AccountId>,
    /// The official who took it on the phone.
    pub taken_by: Option<AccountId>,
    /// The address of the booking's page, for the message (`https://…/after-hours/booking`).
    pub link: String,
}

pub fn full() -> StoreError {
    RuleError::new(
        "slot_full",
        "이 시간대는 예약이 다 찼습니다. 다른 시간을 골라 주세요",
        "this slot is full; please choose another time",
    )
    .into()
}

fn twice() -> StoreError {
    RuleError::new(
        "already_booked",
        "이 전화번호로 그날 예약이 이미 있습니다 (한 사람당 하루 한 건)",
        "this phone number already holds a booking that evening (one per person)",
    )
    .into()
}

/// The slot of `key` on `evening`, and whether it is full as read now.
async fn slot_of(tx: &mut Tx, evening: i64, key: &SlotKey) -> Result<(i64, bool)> {
    let row: Option<(i64, bool)> = fetch_optional!(
        &mut *tx,
        _,
        "SELECT id, booked >= capacity FROM after_hours_slots WHERE evening_id = $1 \
         AND service_id = $2 AND starts_at = $3",
        evening,
        key.service_id,
        ts(key.starts_at)
    )?;
    row.ok_or_else(no_slot)
}

/// Take one place: the evening's lock, the cutoff and state, one per person, then the slot's
/// counter. Answers the evening and slot ids.
///
/// A slot already full is refused before queueing on the evening's lock: a place comes back
/// only by a cancellation, so "full" at this read is as true as "full" under the lock, and the
/// many who arrive after the last place do not wait in line to hear it.
async fn take_place(
    tx: &mut Tx,
    holidays: &HolidayData,
    key: &SlotKey,
    person: &str,
    except_booking: Option<i64>,
    now: DateTime<Utc>,
) -> Result<(i64, i64)> {
    let evening = materialise(tx, holidays, key.schedule_id, key.day).await?;
    let (slot, full_now) = slot_of(tx, evening, key).await?;
    if full_now {
        return Err(full());
    }
    lock_evening(tx, evening).await?;
    let e = evening_in(tx, evening).await?;
    may_book(e.state, e.cutoff_at, now)?;
    let (one_per_person,): (bool,) = fetch_one!(
        &mut *tx,
        _,
        "SELECT one_per_person FROM after_hours_schedules WHERE id = $1",
        key.schedule_id
    )?;
    if one_per_person {
        let (n,): (i64,) = fetch_one!(
            &mut *tx,
            _,
            "SELECT COUNT(*) FROM after_hours_bookings WHERE evening_id = $1 \
             AND person_key = $2 AND state <> 'cancelled' AND id <> $3",
            evening,
            person,
            except_booking.unwrap_or(0)
        )?;
        if n > 0 {
            return Err(twice());
        }
    }
    let n = execute!(
        &mut *tx,
        "UPDATE after_hours_slots SET booked = booked + 1 WHERE id = $1 AND booked < capacity",
        slot
    )?;
    if n != 1 {
        return Err(full());
    }
    Ok((evening, slot))
}

/// Give a place back (the evening's lock is taken by the caller).
async fn release_place(tx: &mut Tx, slot: i64) -> Result<()> {
    execute!(
        &mut *tx,
        "UPDATE after_hours_slots SET booked = booked - 1 WHERE id = $1 AND booked > 0",
        slot
    )?;
    Ok(())
}

async fn new_code(tx: &mut Tx) -> Result<String> {
    // Collisions are a one-in-a-billion event; the loop makes the code unique regardless.
    for _ in 0..8 {
        let mut bytes = [0u8; domain::service_access::booking::CODE_LENGTH];
        getrandom::fill(&mut bytes).map_err(|_| StoreError::Hashing)?;
        let code = code_from(&bytes);
        let taken: Option<(i64,)> = fetch_optional!(
            &mut *tx,
            _,
            "SELECT id FROM after_hours_bookings WHERE code = $1",
            code.as_str()
        )?;
        if taken.is_none() {
            return Ok(code);
        }
    }
    Err(StoreError::internal(
        "booking code",
        "no free code after 8 tries",
    ))
}

/// Book a place, in the caller's transaction (for an audited write): race-free (see the
/// module), the confirmation with its code and checklist queued in the outbox.
pub async fn book_in(
    tx: &mut Tx,
    holidays: &HolidayData,
    r: &BookRequest,
    now: DateTime<Utc>,
) -> Result<Booking> {
    let person = person_key(&r.contact.phone);
    let (evening, slot) = take_place(tx, holidays, &r.slot, &person, None, now).await?;
    let code = new_code(tx).await?;
    let (id,): (i64,) = fetch_one!(
        &mut *tx,
        _,
        "INSERT INTO after_hours_bookings (code, evening_id, slot_id, service_id, account_id, \
         name, phone, email, person_key, minor_with_guardian, channel, taken_by, state, \
         created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, \
         'confirmed', $13, $13) RETURNING id",
        code.as_str(),
        evening,
        slot,
        r.slot.service_id,
        r.account,
        r.contact.name.as_str(),
        r.contact.phone.as_str(),
        r.contact.email.as_str(),
        person.as_str(),
        r.minor_with_guardian,
        r.channel.as_str(),
        r.taken_by,
        ts(now)
    )?;
    let b = booking_in(tx, id).await?;
    let checklist = checklist_in(tx, b.service_id).await?;
    let (subject, body) = confirmation(&b, &checklist, &r.link);
    let file = calendar_attachment(&b, &checklist);
    notify(tx, &b, &subject, &body, Some(&file), now).await?;
    Ok(b)
}

/// [`book_in`] in its own transaction.
pub async fn book(
    db: &Db,
    holidays: &HolidayData,
    r: &BookRequest,
    now: DateTime<Utc>,
) -> Result<Booking> {
    let mut tx = db.begin().await?;
    let b = book_in(&mut tx, holidays, r, now).await?;
    tx.commit().await?;
    Ok(b)
}

async fn checklist_in(tx: &mut Tx, service: i64) -> Result<Vec<ChecklistItem>> {
    let (text,): (String,) = fetch_one!(
        &mut *tx,
        _,
        "SELECT checklist FROM after_hours_services WHERE id = $1",
        service
    )?;
    serde_json::from_str(&text).map_err(|e| StoreError::internal("stored checklist", e))
}

fn when(b: &Booking) -> String {
    let s = calendar::to_seoul(b.slot_starts_at);
    format!(
        "{} {}-{}",
        s.format("%Y-%m-%d"),
        s.format("%H:%M"),
        calendar::to_seoul(b.slot_ends_at).format("%H:%M")
    )
}

fn list(items: &[ChecklistItem]) -> String {
    items
        .iter()
        .map(|i| {
            if i.en.is_empty() {
                format!("- {}", i.ko)
            } else {
                format!("- {} ({})", i.ko, i.en)
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The confirmation message: code, when, where, what to bring and the calendar file.
pub fn confirmation(b: &Booking, checklist: &[ChecklistItem], link: &str) -> (String, String) {
    let code = b.shown_code();
    (
        format!("[민원] 야간 민원실 예약 확정 {code} (booking confirmed)"),
        format!(
            "{name}님, {what} 예약이 확정되었습니다.\n예약번호: {code}\n일시: {when}\n장소: {place}\n\
             준비물:\n{items}\n\n일정 파일(.ics): {link}/{code}.ics\n예약 취소·변경: {link} \
             (예약번호와 전화번호)\n\nYour booking for {what_en} is confirmed.\nCode: {code}\n\
             When: {when} (Korean time)\nWhere: {place_en}\nCalendar file: {link}/{code}.ics\n\
             Cancel or move it at {link} with the code and your phone number.",
            name = b.name,
            what = b.service_kind.korean(),
            what_en = b.service_kind.english(),
            when = when(b),
            place = b.place,
            place_en = if b.place_en.is_empty() {
                &b.place
            } else {
                &b.place_en
            },
            items = list(checklist),
        ),
    )
}

/// A message to the booked person: e-mail when given (with `attachment`), else a text message.
async fn notify(
    tx: &mut Tx,
    b: &Booking,
    subject: &str,
    body: &str,
    attachment: Option<&outbox::Attachment>,
    now: DateTime<Utc>,
) -> Result<()> {
    let (channel, to) = if b.email.trim().is_empty() {
        (outbox::Channel::Sms, b.phone.as_str())
    } else {
        (outbox::Channel::Email, b.email.as_str())
    };
    outbox::enqueue_with_attachment(tx, channel, to.trim(), subject, body, attachment, now).await?;
    Ok(())
}

/// Korea keeps +09:00 all year (no DST since 1988): one STANDARD part is the whole zone.
const VTIMEZONE: &str = "BEGIN:VTIMEZONE\r\nTZID:Asia/Seoul\r\nBEGIN:STANDARD\r\n\
DTSTART:19880509T030000\r\nTZOFFSETFROM:+1000\r\nTZOFFSETTO:+0900\r\nTZNAME:KST\r\n\
END:STANDARD\r\nEND:VTIMEZONE\r\n";

fn seoul(t: DateTime<Utc>) -> icalendar::CalendarDateTime {
    icalendar::CalendarDateTime::WithTimezone {
        date_time: calendar::to_seoul(t).naive_local(),
        tzid: "Asia/Seoul".into(),
    }
}

/// The booking's iCalendar file: one event with `TZID=Asia/Seoul` and the zone's VTIMEZONE,
/// so calendars that know no zone names still place it right. It holds the time, place and
/// checklist, no personal data (the code alone opens it on the web).
pub fn calendar_file(b: &Booking, checklist: &[ChecklistItem]) -> String {
    use icalendar::{Calendar, Component, Event, EventLike, EventStatus};
    let mut cal = Calendar::new();
    cal.name("야간 민원실 예약 (after-hours booking)");
    let mut description = format!(
        "예약번호 (code): {}\n준비물 (what to bring):\n",
        b.shown_code()
    );
    for i in checklist {
        description.push_str(&format!("- {} {}\n", i.ko, i.en));
    }
    let mut ev = Event::new();
    ev.uid(&format!("minwon-after-hours-{}@minwon", b.code))
        .summary(&format!(
            "{} {} ({})",
            b.schedule_name,
            b.service_kind.korean(),
            b.service_kind.english()
        ))
        .starts(seoul(b.slot_starts_at))
        .ends(seoul(b.slot_ends_at))
        .timestamp(b.created_at)
        .description(&description)
        .location(&b.place)
        .status(if b.state == BookingState::Cancelled {
            EventStatus::Cancelled
        } else {
            EventStatus::Confirmed
        });
    cal.push(ev.done());
    let body = cal.done().to_string();
    // The builder writes no VTIMEZONE; it goes before the first event.
    match body.find("BEGIN:VEVENT") {
        Some(at) => format!("{}{VTIMEZONE}{}", &body[..at], &body[at..]),
        None => body,
    }
}

/// The calendar file as a mail attachment.
fn calendar_attachment(b: &Booking, checklist: &[ChecklistItem]) -> outbox::Attachment {
    outbox::Attachment {
        name: "after-hours.ics".into(),
        content_type: "text/calendar; charset=utf-8".into(),
        text: calendar_file(b, checklist),
    }
}

fn unknown_code() -> StoreError {
    // One answer for a code that does not exist and a phone that does not match: a guessed
    // code learns nothing.
    RuleError::new(
        "unknown_code",
        "예약번호와 전화번호가 맞는 예약이 없습니다. 확인 문자나 메일의 예약번호를 확인해 주세요",
        "no booking matches this code and phone number; check the code in your confirmation",
    )
    .into()
}

/// The booking of a code, when the phone number matches it.
pub async fn by_code(db: &Db, code: &str, phone: &str) -> Result<Booking> {
    let sql = format!("{BOOKING_SELECT} WHERE b.code = $1 AND b.person_key = $2");
    fetch_optional!(
        db,
        BookingRow,
        sqlx::AssertSqlSafe(sql),
        normalise_code(code),
        person_key(phone)
    )?
    .ok_or_else(unknown_code)?
    .into_booking()
}

/// The booking of a code alone: for its calendar file, which holds no personal data.
pub async fn booking_by_code(db: &Db, code: &str) -> Result<Option<Booking>> {
    let sql = format!("{BOOKING_SELECT} WHERE b.code = $1");
    fetch_optional!(
        db,
        BookingRow,
        sqlx::AssertSqlSafe(sql),
        normalise_code(code)
    )?
    .map(BookingRow::into_booking)
    .transpose()
}

async fn by_code_in(tx: &mut Tx, code: &str, phone: &str) -> Result<Booking> {
    let sql = format!("{BOOKING_SELECT} WHERE b.code = $1 AND b.person_key = $2");
    fetch_optional!(
        &mut *tx,
        BookingRow,
        sqlx::AssertSqlSafe(sql),
        normalise_code(code),
        person_key(phone)
    )?
    .ok_or_else(unknown_code)?
    .into_booking()
}

fn not_cancellable() -> StoreError {
    RuleError::new(
        "not_cancellable",
        "이미 취소되었거나 처리된 예약입니다",
        "this booking is already cancelled or was served",
    )
    .into()
}

/// Cancel a booking by its code and phone, in the caller's transaction; the place is freed and
/// the person told.
pub async fn cancel_by_code_in(
    tx: &mut Tx,
    code: &str,
    phone: &str,
    now: DateTime<Utc>,
) -> Result<Booking> {
    let b = by_code_in(tx, code, phone).await?;
    cancel_in(tx, b.id, "resident", now).await
}

/// Cancel one booking (by the resident or by staff on their behalf): lock, free the place, tell.
pub async fn cancel_in(tx: &mut Tx, id: i64, by: &str, now: DateTime<Utc>) -> Result<Booking> {
    let b = booking_in(tx, id).await?;
    lock_evening(tx, b.evening_id).await?;
    let b = booking_in(tx, id).await?;
    if b.state != BookingState::Confirmed {
        return Err(not_cancellable());
    }
    if now >= b.slot_starts_at {
        return Err(RuleError::new(
            "slot_begun",
            "이미 시작한 시간대의 예약은 취소할 수 없습니다",
            "this slot has already begun",
        )
        .into());
    }
    execute!(
        &mut *tx,
        "UPDATE after_hours_bookings SET state = 'cancelled', cancelled_by = $1, \
         cancelled_at = $2, updated_at = $2 WHERE id = $3",
        by,
        ts(now),
        id
    )?;
    release_place(tx, b.slot_id).await?;
    let b = booking_in(tx, id).await?;
    let code = b.shown_code();
    // The same event marked cancelled: opening it takes the evening out of the calendar.
    let file = calendar_attachment(&b, &checklist_in(tx, b.service_id).await?);
    notify(
        tx,
        &b,
        &format!("[민원] 야간 민원실 예약 취소 {code} (booking cancelled)"),
        &format!(
            "{}님, {} {} 예약({code})이 취소되었습니다.\nYour booking {code} for {} was cancelled.",
            b.name,
            when(&b),
            b.service_kind.korean(),
            when(&b)
        ),
        Some(&file),
        now,
    )
    .await?;
    Ok(b)
}

/// Move a booking to another slot (another evening, even another service of the schedule) in
/// one transaction: the new place is taken first, so a full slot leaves the old one held.
pub async fn reschedule_in(
    tx: &mut Tx,
    holidays: &HolidayData,
    code: &str,
    phone: &str,
    to: &SlotKey,
    link: &str,
    now: DateTime<Utc>,
) -> Result<Booking> {
    let old = by_code_in(tx, code, phone).await?;
    if old.state != BookingState::Confirmed || now >= old.slot_starts_at {
        return Err(not_cancellable());
    }
    if to.schedule_id != old.schedule_id {
        return Err(no_slot());
    }
    // Both evenings are locked in id order before anything changes, so two moves in opposite
    // directions cannot wait on each other.
    let target = materialise(tx, holidays, to.schedule_id, to.day).await?;
    let mut order = [old.evening_id, target];
    order.sort_unstable();
    lock_evening(tx, order[0]).await?;
    if order[1] != order[0] {
        lock_evening(tx, order[1]).await?;
    }
    let person = person_key(&old.phone);
    let (evening, slot) = take_place(tx, holidays, to, &person, Some(old.id), now).await?;
    if slot == old.slot_id {
        // The same slot: give back the place just taken and keep the booking as it is.
        release_place(tx, slot).await?;
        return Ok(old);
    }
    release_place(tx, old.slot_id).await?;
    execute!(
        &mut *tx,
        "UPDATE after_hours_bookings SET evening_id = $1, slot_id = $2, service_id = $3, \
         updated_at = $4, reminded_day_before_at = NULL, reminded_hours_before_at = NULL \
         WHERE id = $5",
        evening,
        slot,
        to.service_id,
        ts(now),
        old.id
    )?;
    let b = booking_in(tx, old.id).await?;
    let checklist = checklist_in(tx, b.service_id).await?;
    let (subject, body) = confirmation(&b, &checklist, link);
    let file = calendar_attachment(&b, &checklist);
    notify(
        tx,
        &b,
        &format!("{subject} · 변경 (moved)"),
        &body,
        Some(&file),
        now,
    )
    .await?;
    Ok(b)
}

// ---------------------------------------------------------------------------------------------
// The cutoff decision, reminders, bulk cancellation

/// Staff of a department who can be told (officials and supervisors with an address).
async fn tell_department(
    tx: &mut Tx,
    department: DepartmentId,
    subject: &str,
    body: &str,
    now: DateTime<Utc>,
) -> Result<usize> {
    let staff: Vec<(String, String)> = fetch_all!(
        &mut *tx,
        _,
        "SELECT email, phone FROM accounts WHERE department_id = $1 AND active = $2 \
         AND role IN ('official', 'supervisor') ORDER BY id",
        department,
        true
    )?;
    let mut n = 0;
    for (email, phone) in staff {
        let (channel, to) = if !email.trim().is_empty() {
            (outbox::Channel::Email, email)
        } else if !phone.trim().is_empty() {
            (outbox::Channel::Sms, phone)
        } else {
            continue;
        };
        outbox::enqueue(tx, channel, to.trim(), subject, body, now).await?;
        n += 1;
    }
    Ok(n)
}

/// One evening decided at its cutoff.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Decision {
    pub evening_id: i64,
    pub schedule_id: i64,
    pub day: NaiveDate,
    pub bookings: i64,
    pub state: EveningState,
}

/// Decide every evening whose cutoff has passed and that has not ended: `confirmed` with
/// enough bookings, else `not_opened`; the running department is told either way. Each is
/// decided once (`decided_at`), so the job may run as often as it likes. Evenings nobody booked
/// are materialised here, so "no evening tonight" is stored and shown too.
pub async fn decide_due(db: &Db, now: DateTime<Utc>) -> Result<Vec<Decision>> {
    let holidays = holidays(db).await?;
    let today = calendar::to_seoul(now).date_naive();
    let mut out = Vec::new();
    for s in schedules(db, true).await? {
        // The next evenings within two weeks: any cutoff rule fits (at most 336 hours ahead).
        let Ok(up) = domain::service_access::upcoming(&s.schedule(), &holidays, today, 4) else {
            continue;
        };
        for o in up.openings {
            let cutoff = cutoff_for(&o, &s.draft.cutoff.rule());
            if cutoff > now || o.ends_utc <= now {
                continue;
            }
            let mut tx = db.begin().await?;
            let evening = materialise(&mut tx, &holidays, s.id, o.date).await?;
            lock_evening(&mut tx, evening).await?;
            let e = evening_in(&mut tx, evening).await?;
            if e.decided_at.is_some() || e.state != EveningState::Scheduled {
                tx.commit().await?;
                continue;
            }
            let (bookings,): (i64,) = fetch_one!(
                &mut tx,
                _,
                "SELECT COUNT(*) FROM after_hours_bookings WHERE evening_id = $1 \
                 AND state <> 'cancelled'",
                evening
            )?;
            let state = decide(to_u32(bookings), s.draft.min_bookings);
            execute!(
                &mut tx,
                "UPDATE after_hours_evenings SET state = $1, decided_at = $2 WHERE id = $3",
                state.as_str(),
                ts(now),
                evening
            )?;
            let day = o.date.to_string();
            let hours = format!(
                "{}-{}",
                calendar::to_seoul(o.starts_utc).format("%H:%M"),
                calendar::to_seoul(o.ends_utc).format("%H:%M")
            );
            let (subject, body) = if state == EveningState::Confirmed {
                (
                    format!("[민원] 오늘 야간 민원실 운영: 예약 {bookings}건 (you work tonight)"),
                    format!(
                        "{} {day} {hours} 운영이 확정되었습니다. 예약 {bookings}건.\n\
                         You work tonight ({day} {hours}): {bookings} bookings.",
                        s.draft.name
                    ),
                )
            } else {
                (
                    "[민원] 오늘 야간 민원실 미운영 (no evening tonight)".to_string(),
                    format!(
                        "{} {day}: 마감까지 예약 {bookings}건 (최소 {}건)으로 운영하지 않습니다.\n\
                         No evening tonight ({day}): {bookings} bookings by the cutoff, {} needed.",
                        s.draft.name, s.draft.min_bookings, s.draft.min_bookings
                    ),
                )
            };
            tell_department(&mut tx, s.department_id, &subject, &body, now).await?;
            if state == EveningState::NotOpened {
                // Anyone booked below the threshold is told the evening does not open.
                let ids: Vec<(i64,)> = fetch_all!(
                    &mut tx,
                    _,
                    "SELECT id FROM after_hours_bookings WHERE evening_id = $1 \
                     AND state = 'confirmed'",
                    evening
                )?;
                for (id,) in ids {
                    office_cancel(
                        &mut tx,
                        id,
                        "예약 인원이 부족해 운영하지 않습니다",
                        "too few bookings by the cutoff",
                        now,
                    )
                    .await?;
                }
            }
            tx.commit().await?;
            out.push(Decision {
                evening_id: evening,
                schedule_id: s.id,
                day: o.date,
                bookings,
                state,
            });
        }
    }
    Ok(out)
}

/// Cancel one booking on the office's side and tell the person why (lock held by the caller).
async fn office_cancel(
    tx: &mut Tx,
    id: i64,
    reason: &str,
    reason_en: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    let b = booking_in(tx, id).await?;
    execute!(
        &mut *tx,
        "UPDATE after_hours_bookings SET state = 'cancelled', cancelled_by = 'office', \
         cancelled_at = $1, updated_at = $1 WHERE id = $2",
        ts(now),
        id
    )?;
    release_place(tx, b.slot_id).await?;
    let b = booking_in(tx, id).await?;
    let code = b.shown_code();
    // The event marked cancelled, as for a booking cancelled by its holder.
    let file = calendar_attachment(&b, &checklist_in(tx, b.service_id).await?);
    notify(
        tx,
        &b,
        &format!("[민원] 야간 민원실 운영 취소 안내 {code} (evening cancelled)"),
        &format!(
            "{}님, {} 야간 민원실이 운영하지 않아 예약({code})이 취소되었습니다. 사유: {reason}\n\
             The after-hours evening of {} does not take place, so your booking {code} is \
             cancelled. Reason: {reason_en}",
            b.name,
            when(&b),
            when(&b)
        ),
        Some(&file),
        now,
    )
    .await
}

/// Cancel a whole evening (supervisor, administrator): every booking is cancelled by the office
/// and each person told, in the caller's transaction. Answers how many bookings were cancelled.
pub async fn cancel_evening_in(
    tx: &mut Tx,
    evening: i64,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<usize> {
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > 500 {
        return Err(RuleError::new(
            "reason_required",
            "취소 사유를 500자 이내로 입력하세요",
            "give the reason for cancelling, within 500 characters",
        )
        .into());
    }
    lock_evening(tx, evening).await?;
    let e = evening_in(tx, evening).await?;
    if matches!(e.state, EveningState::Cancelled | EveningState::Closed) {
        return Err(RuleError::new(
            "evening_over",
            "이미 취소되었거나 끝난 날입니다",
            "this evening is already cancelled or over",
        )
        .into());
    }
    execute!(
        &mut *tx,
        "UPDATE after_hours_evenings SET state = 'cancelled', cancelled_reason = $1, \
         cancelled_at = $2 WHERE id = $3",
        reason,
        ts(now),
        evening
    )?;
    let ids: Vec<(i64,)> = fetch_all!(
        &mut *tx,
        _,
        "SELECT id FROM after_hours_bookings WHERE evening_id = $1 AND state = 'confirmed' \
         ORDER BY id",
        evening
    )?;
    for (id,) in &ids {
        office_cancel(tx, *id, reason, reason, now).await?;
    }
    Ok(ids.len())
}

/// Cancel an evening on a schedule's day, materialising it when nobody booked yet.
pub async fn cancel_day_in(
    tx: &mut Tx,
    holidays: &HolidayData,
    schedule: i64,
    day: NaiveDate,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<(i64, usize)> {
    let evening = materialise(tx, holidays, schedule, day).await?;
    let n = cancel_evening_in(tx, evening, reason, now).await?;
    Ok((evening, n))
}

#[derive(sqlx::FromRow)]
struct DueReminder {
    id: i64,
    slot_starts_at: String,
    remind_day_before: bool,
    remind_hours_before: bool,
    reminded_day_before_at: Option<String>,
    reminded_hours_before_at: Option<String>,
}

/// Queue every reminder due at `now` (the day before, two hours before; each switchable per
/// schedule, each once per booking). Answers how many were queued.
pub async fn queue_reminders(db: &Db, link: &str, now: DateTime<Utc>) -> Result<usize> {
    let horizon = ts(now + chrono::TimeDelta::days(2));
    let due: Vec<DueReminder> = fetch_all!(
        db,
        DueReminder,
        "SELECT b.id, sl.starts_at AS slot_starts_at, s.remind_day_before, \
         s.remind_hours_before, b.reminded_day_before_at, b.reminded_hours_before_at \
         FROM after_hours_bookings b JOIN after_hours_slots sl ON sl.id = b.slot_id \
         JOIN after_hours_evenings e ON e.id = b.evening_id \
         JOIN after_hours_schedules s ON s.id = e.schedule_id \
         WHERE b.state = 'confirmed' AND e.state IN ('scheduled', 'confirmed') \
         AND sl.starts_at > $1 AND sl.starts_at < $2",
        ts(now),
        horizon
    )?;
    let mut n = 0;
    for d in due {
        let slot = parse_ts(&d.slot_starts_at)?;
        let kind = if d.remind_hours_before
            && d.reminded_hours_before_at.is_none()
            && reminder_due(ReminderKind::HoursBefore, slot, now)
        {
            ReminderKind::HoursBefore
        } else if d.remind_day_before
            && d.reminded_day_before_at.is_none()
            && reminder_due(ReminderKind::DayBefore, slot, now)
        {
            ReminderKind::DayBefore
        } else {
            continue;
        };
        let column = match kind {
            ReminderKind::DayBefore => "reminded_day_before_at",
            ReminderKind::HoursBefore => "reminded_hours_before_at",
        };
        let mut tx = db.begin().await?;
        // Marked first, guarded by the empty column: a second run at once sends nothing.
        let sql = format!(
            "UPDATE after_hours_bookings SET {column} = $1 WHERE id = $2 AND {column} IS NULL \
             AND state = 'confirmed'"
        );
        if execute!(&mut tx, sqlx::AssertSqlSafe(sql), ts(now), d.id)? == 1 {
            let b = booking_in(&mut tx, d.id).await?;
            let checklist = checklist_in(&mut tx, b.service_id).await?;
            let code = b.shown_code();
            let (ko, en) = match kind {
                ReminderKind::DayBefore => ("내일", "Tomorrow"),
                ReminderKind::HoursBefore => ("오늘", "Today"),
            };
            notify(
                &mut tx,
                &b,
                &format!("[민원] {ko} 야간 민원실 예약 안내 {code} ({en})"),
                &format!(
                    "{}님, {ko} {} {} 예약이 있습니다.\n예약번호: {code}\n장소: {}\n준비물:\n{}\n\
                     취소·변경: {link}\n\n{en}: your booking {code} for {}, {} at {}.",
                    b.name,
                    when(&b),
                    b.service_kind.korean(),
                    b.place,
                    list(&checklist),
                    b.service_kind.english(),
                    when(&b),
                    if b.place_en.is_empty() {
                        &b.place
                    } else {
                        &b.place_en
                    }
                ),
                None,
                now,
            )
            .await?;
            n += 1;
        }
        tx.commit().await?;
    }
    Ok(n)
}
