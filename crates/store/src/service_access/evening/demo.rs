//! The demo's evening at the counter (issue 18 item 6): an extra evening today (연말 여권 수요
//! 추가 운영) on the first after-hours schedule without an evening today, opened an hour ago
//! and running: two booked residents served with their petitions filed at the counter (the
//! first is the demo resident's own booking, so it shows in their "my petitions"), a walk-in
//! served, a booked resident who did not come up when called (no-show), one booking whose
//! window passed without arrival, and three tickets waiting in fair order (booked, walk-in,
//! late). Seeded once, after the booking part's demo.

use super::{Arriving, call_next, check_in, set_outcome, ts, walk_in};
use crate::petitions::{self, PiiKey};
use crate::service_access::evening::petition::{self as from_booking, FromBooking};
use crate::{Db, Result, execute, fetch_all, fetch_one, fetch_optional};
use chrono::{DateTime, Duration, NaiveTime, TimeZone, Timelike, Utc};
use domain::petitions::intake::{IdentityCheck, IntakeRecord};
use domain::service_access::evening::Outcome;

/// Who booked tonight: (name, phone, slot index).
const PEOPLE: [(&str, &str, usize); 6] = [
    ("김하늘", "01031234501", 0),
    ("오세훈", "01031234502", 0),
    ("한지민", "01031234503", 1),
    ("서민준", "01031234504", 1),
    ("장예린", "01031234505", 2),
    ("문태호", "01031234506", 3),
];

/// Seed tonight's evening. Answers how many tickets were issued (0 when the demo has tickets
/// already or no schedule is free today).
pub async fn seed(db: &Db, now: DateTime<Utc>, key: &PiiKey) -> Result<usize> {
    let (n,): (i64,) = fetch_one!(db, _, "SELECT COUNT(*) FROM after_hours_tickets")?;
    if n > 0 {
        return Ok(0);
    }
    let local = calendar::to_seoul(now);
    let day = local.date_naive().to_string();
    let free: Option<(i64, i64)> = fetch_optional!(
        db,
        _,
        "SELECT s.id, s.department_id FROM after_hours_schedules s WHERE s.active = TRUE AND NOT EXISTS \
         (SELECT 1 FROM after_hours_evenings e WHERE e.schedule_id = s.id AND e.day = $1) \
         AND NOT EXISTS (SELECT 1 FROM after_hours_exceptions x WHERE x.schedule_id = s.id AND x.day = $1) \
         ORDER BY s.id LIMIT 1",
        &day
    )?;
    let Some((schedule, _department)) = free else {
        return Ok(0);
    };
    // Opened an hour ago at a half hour, for three hours (kept within the day).
    let minute = local.time().hour() * 60 + local.time().minute();
    let start_minute = minute.saturating_sub(60) / 30 * 30;
    let at_local = |m: u32| {
        NaiveTime::from_hms_opt(m.min(23 * 60 + 59) / 60, m.min(23 * 60 + 59) % 60, 0)
            .unwrap_or(NaiveTime::MIN)
    };
    let (opens_local, closes_local) = (at_local(start_minute), at_local(start_minute + 180));
    let utc = |t: NaiveTime| {
        calendar::SEOUL
            .from_local_datetime(&local.date_naive().and_time(t))
            .single()
            .map(|t| t.with_timezone(&Utc))
    };
    let (Some(opens), Some(closes)) = (utc(opens_local), utc(closes_local)) else {
        return Ok(0);
    };
    let hm = |t: NaiveTime| t.format("%H:%M").to_string();

    let mut tx = db.begin().await?;
    execute!(
        &mut tx,
        "INSERT INTO after_hours_exceptions (schedule_id, day, kind, reason, opens, closes) \
         VALUES ($1, $2, 'extra', '연말 여권 수요 추가 운영', $3, $4)",
        schedule,
        &day,
        hm(opens_local),
        hm(closes_local)
    )?;
    let (evening,): (i64,) = fetch_one!(
        &mut tx,
        _,
        "INSERT INTO after_hours_evenings (schedule_id, day, starts_at, ends_at, cutoff_at, state, decided_at) \
         VALUES ($1, $2, $3, $4, $3, 'confirmed', $5) RETURNING id",
        schedule,
        &day,
        ts(opens),
        ts(closes),
        ts(opens - Duration::hours(3))
    )?;
    let services: Vec<(i64, i64, i64, i64)> = fetch_all!(
        &mut tx,
        _,
        "SELECT id, slot_minutes, counters, per_counter FROM after_hours_services \
         WHERE schedule_id = $1 AND active = TRUE ORDER BY position, id",
        schedule
    )?;
    let Some(&(first_service, ..)) = services.first() else {
        return Ok(0);
    };
    let mut slots = Vec::new();
    for (service, minutes, counters, per_counter) in &services {
        let mut start = opens;
        while start + Duration::minutes(*minutes) <= closes {
            let (id,): (i64,) = fetch_one!(
                &mut tx,
                _,
                "INSERT INTO after_hours_slots (evening_id, service_id, starts_at, ends_at, capacity) \
                 VALUES ($1, $2, $3, $4, $5) RETURNING id",
                evening,
                *service,
                ts(start),
                ts(start + Duration::minutes(*minutes)),
                counters * per_counter
            )?;
            if *service == first_service {
                slots.push((id, start));
            }
            start += Duration::minutes(*minutes);
        }
    }
    let resident = crate::office::accounts::find_by_username(db, "resident")
        .await
        .ok();
    let created = ts(now - Duration::days(5));
    let mut bookings = Vec::new();
    for (i, (name, phone, slot)) in PEOPLE.iter().enumerate() {
        let Some(&(slot_id, _)) = slots.get(*slot) else {
            break;
        };
        // The demo resident booked the first place signed in, under their own name.
        let (account, name) = match (&resident, i) {
            (Some(r), 0) => (Some(r.id), r.display_name.clone()),
            _ => (None, (*name).to_string()),
        };
        let code = format!("DEMO{}{:02}", evening % 100, i + 1);
        let (id,): (i64,) = fetch_one!(
            &mut tx,
            _,
            "INSERT INTO after_hours_bookings (code, evening_id, slot_id, service_id, account_id, name, phone, \
             person_key, channel, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $7, $8, $9, $9) \
             RETURNING id",
            &code,
            evening,
            slot_id,
            first_service,
            account,
            &name,
            *phone,
            if i % 3 == 1 { "phone" } else { "online" },
            &created
        )?;
        execute!(
            &mut tx,
            "UPDATE after_hours_slots SET booked = booked + 1 WHERE id = $1",
            slot_id
        )?;
        bookings.push(id);
    }
    tx.commit().await?;
    if bookings.len() < PEOPLE.len() {
        return Ok(0);
    }
    let at = |m: i64| opens + Duration::minutes(m);
    let collection = services.get(1).map(|s| s.0).unwrap_or(first_service);
    let mut tx = db.begin().await?;
    // Arrivals and calls as the evening went, in order.
    let kim = check_in(&mut tx, evening, &Arriving::Booking(bookings[0]), at(-10)).await?;
    let oh = check_in(&mut tx, evening, &Arriving::Booking(bookings[1]), at(-5)).await?;
    call_next(&mut tx, evening, 1, at(2)).await?;
    call_next(&mut tx, evening, 2, at(5)).await?;
    walk_in(&mut tx, evening, "", collection, at(8)).await?;
    let walker = call_next(&mut tx, evening, 2, at(20)).await?;
    set_outcome(&mut tx, evening, walker.id, Outcome::Served, at(28)).await?;
    check_in(&mut tx, evening, &Arriving::Booking(bookings[3]), at(25)).await?;
    let absent = call_next(&mut tx, evening, 2, at(35)).await?;
    set_outcome(&mut tx, evening, absent.id, Outcome::NoShow, at(40)).await?;
    walk_in(&mut tx, evening, "이현장", first_service, at(40)).await?;
    check_in(&mut tx, evening, &Arriving::Booking(bookings[4]), at(50)).await?;
    check_in(&mut tx, evening, &Arriving::Booking(bookings[2]), at(55)).await?;
    tx.commit().await?;

    // The first two served with their petitions filed at the counter.
    let Ok(kind) = petitions::get_type_by_code(db, "other").await else {
        return Ok(7);
    };
    let (cal, _) = petitions::work_calendar(db).await?;
    let official = crate::office::accounts::find_by_username(db, "official.desk").await?;
    for (c, minute) in [(&kim, 15), (&oh, 18)] {
        let b = &c.booking;
        let new = from_booking::new_petition(
            b,
            FromBooking {
                type_id: kind.id,
                name: b.name.clone(),
                phone: b.phone.clone(),
                title: "[야간 민원실] 여권 신청".into(),
                body: format!(
                    "야간 민원실 예약({})으로 방문하여 창구에서 접수한 여권 신청 민원입니다.",
                    domain::service_access::booking::show_code(&b.code)
                ),
                intake: IntakeRecord {
                    identity_check: Some(IdentityCheck::IdCard),
                    documents_checked: kind.required_documents.clone(),
                },
            },
        );
        let screening = petitions::screen(&new.title, &new.body);
        let checked = petitions::check(db, new, key, screening).await?;
        let mut tx = db.begin().await?;
        from_booking::file_from_booking(
            &mut tx,
            evening,
            b.id,
            &checked,
            official.id,
            &cal,
            at(minute),
        )
        .await?;
        tx.commit().await?;
    }
    Ok(7)
}
