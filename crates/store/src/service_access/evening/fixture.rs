//! A small after-hours evening written with plain SQL, for tests of the counter: one schedule
//! of a department with two services, one evening, 30-minute slots and the bookings asked for.

use super::ts;
use crate::{Result, Tx, fetch_one};
use chrono::{DateTime, Duration, Utc};

/// What the fixture wrote.
#[derive(Debug, Clone)]
pub struct Fixture {
    pub schedule_id: i64,
    pub evening_id: i64,
    /// passport_application, certificates
    pub services: [i64; 2],
    /// The bookings, in the order asked.
    pub bookings: Vec<FixtureBooking>,
}

#[derive(Debug, Clone)]
pub struct FixtureBooking {
    pub id: i64,
    pub code: String,
    pub slot_start: DateTime<Utc>,
}

/// A booking to write: name, phone, the slot (0 = the opening, each 30 minutes on), and the
/// resident's account when they booked signed in.
pub struct Wanted<'a> {
    pub name: &'a str,
    pub phone: &'a str,
    pub slot: i64,
    pub account_id: Option<i64>,
}

/// One evening of department `department_id` opening at `opens` for two hours, in `state`.
pub async fn evening(
    tx: &mut Tx,
    department_id: i64,
    opens: DateTime<Utc>,
    state: &str,
    wanted: &[Wanted<'_>],
) -> Result<Fixture> {
    let now = ts(opens - Duration::days(7));
    let day = calendar::to_seoul(opens).date_naive().to_string();
    let (schedule_id,): (i64,) = fetch_one!(
        &mut *tx,
        _,
        "INSERT INTO after_hours_schedules (department_id, name, name_en, place, place_en, rule, anchor, \
         opens, closes, created_at, updated_at) VALUES ($1, '야간 여권 민원실', 'Evening passport desk', \
         '본관 1층 민원실', 'Main building, ground floor', 'FREQ=WEEKLY;BYDAY=TH', $2, '18:00', '20:00', $3, $3) \
         RETURNING id",
        department_id,
        &day,
        &now
    )?;
    let mut services = [0; 2];
    for (i, kind) in ["passport_application", "certificates"].iter().enumerate() {
        let (id,): (i64,) = fetch_one!(
            &mut *tx,
            _,
            "INSERT INTO after_hours_services (schedule_id, kind, slot_minutes, counters, per_counter, position) \
             VALUES ($1, $2, 30, 2, 2, $3) RETURNING id",
            schedule_id,
            *kind,
            i as i64
        )?;
        services[i] = id;
    }
    let (evening_id,): (i64,) = fetch_one!(
        &mut *tx,
        _,
        "INSERT INTO after_hours_evenings (schedule_id, day, starts_at, ends_at, cutoff_at, state, decided_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $5) RETURNING id",
        schedule_id,
        &day,
        ts(opens),
        ts(opens + Duration::hours(2)),
        ts(opens - Duration::hours(3)),
        state
    )?;
    let mut slots = Vec::new();
    for k in 0..4 {
        let start = opens + Duration::minutes(30 * k);
        let (id,): (i64,) = fetch_one!(
            &mut *tx,
            _,
            "INSERT INTO after_hours_slots (evening_id, service_id, starts_at, ends_at, capacity) \
             VALUES ($1, $2, $3, $4, 4) RETURNING id",
            evening_id,
            services[0],
            ts(start),
            ts(start + Duration::minutes(30))
        )?;
        slots.push((id, start));
    }
    let mut bookings = Vec::new();
    for (i, w) in wanted.iter().enumerate() {
        let (slot_id, slot_start) = slots[(w.slot as usize).min(3)];
        let code = format!("E{evening_id}B{:03}", i + 1);
        let key: String = w.phone.chars().filter(char::is_ascii_digit).collect();
        let (id,): (i64,) = fetch_one!(
            &mut *tx,
            _,
            "INSERT INTO after_hours_bookings (code, evening_id, slot_id, service_id, account_id, name, phone, \
             person_key, channel, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'online', $9, $9) \
             RETURNING id",
            &code,
            evening_id,
            slot_id,
            services[0],
            w.account_id,
            w.name,
            w.phone,
            &key,
            &now
        )?;
        crate::execute!(
            &mut *tx,
            "UPDATE after_hours_slots SET booked = booked + 1 WHERE id = $1",
            slot_id
        )?;
        bookings.push(FixtureBooking {
            id,
            code,
            slot_start,
        });
    }
    Ok(Fixture {
        schedule_id,
        evening_id,
        services,
        bookings,
    })
}
