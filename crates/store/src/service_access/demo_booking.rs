//! The demo county's after-hours reception (issue 18): the 은평-style passport evenings on the
//! 2nd and 4th Thursday (18:00–20:00, booking by 18:00 the same day, open only when booked)
//! and a last-Saturday morning for passports and certificates, both run by the petition desk
//! team (민원팀) of the civil-affairs office; bookings on the next evening, online and by
//! phone; the next Saturday cancelled with notices in the outbox. Seeded once, after the county.

use super::after_hours::{self as ah, BookRequest, SlotKey};
use crate::{Db, Result, fetch_one};
use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use domain::service_access::booking::{
    BookingChannel, Contact, Cutoff, PaymentMethod, ScheduleDraft, ServiceKind, defaults,
};

fn hm(h: u32, m: u32) -> NaiveTime {
    NaiveTime::from_hms_opt(h, m, 0).unwrap_or(NaiveTime::MIN)
}

fn draft(
    name: &str,
    name_en: &str,
    rule: &str,
    opens: NaiveTime,
    closes: NaiveTime,
    cutoff: Cutoff,
    anchor: NaiveDate,
) -> ScheduleDraft {
    ScheduleDraft {
        name: name.into(),
        name_en: name_en.into(),
        place: "본관 1층 종합민원실".into(),
        place_en: "Main building, ground floor, civil-affairs hall".into(),
        rule: rule.into(),
        anchor,
        opens,
        closes,
        cutoff,
        min_bookings: 1,
        one_per_person: true,
        payment_methods: vec![PaymentMethod::Cash, PaymentMethod::Card],
        checkin_early_minutes: 30,
        checkin_late_minutes: 10,
        remind_day_before: true,
        remind_hours_before: true,
        exceptions: Vec::new(),
    }
}

/// Who books on the demo evenings: (name, phone, e-mail).
const PEOPLE: [(&str, &str, &str); 6] = [
    ("박지훈", "010-2345-6701", "jihoon.park@example.kr"),
    ("이수진", "010-2345-6702", ""),
    ("최영호", "010-2345-6703", ""),
    ("정미란", "010-2345-6704", "miran@example.kr"),
    ("강도윤", "010-2345-6705", ""),
    ("윤서아", "010-2345-6706", ""),
];

/// Seed the demo's schedules and bookings. Answers how many bookings were made (0 when the
/// demo already has schedules).
pub async fn seed(db: &Db, now: DateTime<Utc>) -> Result<usize> {
    let (n,): (i64,) = fetch_one!(db, _, "SELECT COUNT(*) FROM after_hours_schedules")?;
    if n > 0 {
        return Ok(0);
    }
    let Some(desk) = crate::office::departments::get_by_code(db, "civil-desk").await? else {
        return Ok(0);
    };
    let head = crate::office::accounts::find_by_username(db, "sup.civil").await?;
    let official = crate::office::accounts::find_by_username(db, "official.desk").await?;
    let resident = crate::office::accounts::find_by_username(db, "resident")
        .await
        .ok();
    let holidays = ah::holidays(db).await?;
    let today = calendar::to_seoul(now).date_naive();
    let anchor = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap_or(today);

    let mut tx = db.begin().await?;
    let thursdays = ah::create_schedule(
        &mut tx,
        &holidays,
        desk.id,
        &draft(
            "여권 야간 민원실 (둘째·넷째 목요일)",
            "Evening passport desk (2nd and 4th Thursday)",
            "FREQ=MONTHLY;BYDAY=2TH,4TH",
            hm(18, 0),
            hm(20, 0),
            Cutoff::SameDayAt(hm(18, 0)),
            anchor,
        ),
        Some(head.id),
        now,
    )
    .await?;
    let mut passport = defaults(ServiceKind::PassportApplication);
    passport.counters = 2;
    let application =
        ah::save_service(&mut tx, thursdays, hm(18, 0), hm(20, 0), &passport, true).await?;
    let mut collection = defaults(ServiceKind::PassportCollection);
    collection.counters = 1;
    ah::save_service(&mut tx, thursdays, hm(18, 0), hm(20, 0), &collection, true).await?;

    let saturdays = ah::create_schedule(
        &mut tx,
        &holidays,
        desk.id,
        &draft(
            "토요 민원실 (마지막 토요일 오전)",
            "Saturday morning desk (last Saturday)",
            "FREQ=MONTHLY;BYDAY=-1SA",
            hm(9, 0),
            hm(13, 0),
            Cutoff::HoursBefore(15),
            anchor,
        ),
        Some(head.id),
        now,
    )
    .await?;
    let saturday_passport = ah::save_service(
        &mut tx,
        saturdays,
        hm(9, 0),
        hm(13, 0),
        &defaults(ServiceKind::PassportApplication),
        true,
    )
    .await?;
    ah::save_service(
        &mut tx,
        saturdays,
        hm(9, 0),
        hm(13, 0),
        &defaults(ServiceKind::Certificates),
        true,
    )
    .await?;
    tx.commit().await?;

    let mut made = 0;
    // The next Thursday evening still taking bookings: online and phone bookings.
    let s = ah::schedule(db, thursdays).await?;
    let services = ah::services(db, thursdays, true).await?;
    let next = ah::availability(db, &holidays, &s, &services, today, 4)
        .await?
        .into_iter()
        .find(|e| e.bookable(now));
    if let Some(e) = next {
        let slots: Vec<_> = e
            .slots
            .iter()
            .filter(|x| x.service_id == application)
            .collect();
        for (i, (name, phone, email)) in PEOPLE.iter().take(4).enumerate() {
            let Some(slot) = slots.get(i % slots.len().max(1)) else {
                break;
            };
            let by_phone = i % 2 == 1;
            let r = BookRequest {
                slot: SlotKey {
                    schedule_id: thursdays,
                    day: e.day,
                    service_id: application,
                    starts_at: slot.starts_at,
                },
                contact: Contact {
                    name: (*name).into(),
                    phone: phone.replace('-', ""),
                    email: (*email).into(),
                },
                minor_with_guardian: i == 3,
                channel: if by_phone {
                    BookingChannel::Phone
                } else {
                    BookingChannel::Online
                },
                account: None,
                taken_by: by_phone.then_some(official.id),
                link: "/after-hours/booking".into(),
            };
            ah::book(db, &holidays, &r, now).await?;
            made += 1;
        }
        if let (Some(res), Some(slot)) = (&resident, slots.last()) {
            let r = BookRequest {
                slot: SlotKey {
                    schedule_id: thursdays,
                    day: e.day,
                    service_id: application,
                    starts_at: slot.starts_at,
                },
                contact: Contact {
                    name: res.display_name.clone(),
                    phone: "01098765432".into(),
                    email: res.email.clone(),
                },
                minor_with_guardian: false,
                channel: BookingChannel::Online,
                account: Some(res.id),
                taken_by: None,
                link: "/after-hours/booking".into(),
            };
            ah::book(db, &holidays, &r, now).await?;
            made += 1;
        }
    }

    // The next Saturday: two bookings, then cancelled by the office (a building inspection).
    let s = ah::schedule(db, saturdays).await?;
    let services = ah::services(db, saturdays, true).await?;
    let next = ah::availability(db, &holidays, &s, &services, today, 4)
        .await?
        .into_iter()
        .find(|e| e.bookable(now));
    if let Some(e) = next {
        let first = e.slots.iter().find(|x| x.service_id == saturday_passport);
        if let Some(slot) = first {
            for (name, phone, email) in PEOPLE.iter().skip(4) {
                let r = BookRequest {
                    slot: SlotKey {
                        schedule_id: saturdays,
                        day: e.day,
                        service_id: saturday_passport,
                        starts_at: slot.starts_at,
                    },
                    contact: Contact {
                        name: (*name).into(),
                        phone: phone.replace('-', ""),
                        email: (*email).into(),
                    },
                    minor_with_guardian: false,
                    channel: BookingChannel::Online,
                    account: None,
                    taken_by: None,
                    link: "/after-hours/booking".into(),
                };
                ah::book(db, &holidays, &r, now).await?;
                made += 1;
            }
        }
        let mut tx = db.begin().await?;
        ah::cancel_day_in(
            &mut tx,
            &holidays,
            saturdays,
            e.day,
            "청사 전기 설비 점검으로 운영하지 않습니다 (building power inspection)",
            now,
        )
        .await?;
        tx.commit().await?;
    }
    Ok(made)
}
