//! After-hours booking stories (issue 18, items 1-5), run on SQLite and PostgreSQL.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::fixtures;
use chrono::{DateTime, NaiveDate, NaiveTime, TimeDelta, TimeZone, Utc};
use domain::office::accounts::Role;
use domain::service_access::booking::{
    BookingChannel, BookingState, Contact, Cutoff, EveningState, PaymentMethod, ScheduleDraft,
    ServiceKind, defaults,
};
use store::service_access::after_hours::{self as ah, BookRequest, SlotKey};
use store::testing::TestDb;
use store::{Db, StoreError};

fn t(h: u32, m: u32) -> NaiveTime {
    NaiveTime::from_hms_opt(h, m, 0).unwrap()
}

/// Monday 2026-05-11 10:00 in Seoul.
fn monday() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 5, 11, 1, 0, 0).unwrap()
}

/// Thursday 2026-05-14, the 2nd Thursday of May.
fn thursday() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 5, 14).unwrap()
}

/// 18:00 Korean time on a day.
fn kst(day: NaiveDate, h: u32, m: u32) -> DateTime<Utc> {
    (day.and_time(t(h, m)) - TimeDelta::hours(9)).and_utc()
}

fn passports(min_bookings: u32) -> ScheduleDraft {
    ScheduleDraft {
        name: "여권 야간 민원실".into(),
        name_en: "Evening passport desk".into(),
        place: "본관 1층 민원실".into(),
        place_en: "Main building, 1st floor".into(),
        rule: "FREQ=MONTHLY;BYDAY=2TH,4TH".into(),
        anchor: NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
        opens: t(18, 0),
        closes: t(20, 0),
        cutoff: Cutoff::SameDayAt(t(18, 0)),
        min_bookings,
        one_per_person: true,
        payment_methods: vec![PaymentMethod::Cash],
        checkin_early_minutes: 30,
        checkin_late_minutes: 10,
        remind_day_before: true,
        remind_hours_before: true,
        exceptions: Vec::new(),
    }
}

struct World {
    _t: TestDb,
    db: Db,
    holidays: calendar::HolidayData,
    schedule: i64,
    service: i64,
    official: i64,
}

/// The 2nd/4th-Thursday passport schedule with one service of `capacity` places per slot.
async fn world(backend: &str, capacity: u32, min_bookings: u32) -> World {
    let t_db = TestDb::new(backend).await.unwrap();
    let db = t_db.db.clone();
    let (dept, people) =
        fixtures::civil_staff(&db, &[("desk", Role::Official), ("head", Role::Supervisor)]).await;
    let holidays = ah::holidays(&db).await.unwrap();
    let mut tx = db.begin().await.unwrap();
    let schedule = ah::create_schedule(
        &mut tx,
        &holidays,
        dept,
        &passports(min_bookings),
        Some(people[1]),
        monday(),
    )
    .await
    .unwrap();
    let mut svc = defaults(ServiceKind::PassportApplication);
    svc.slot_minutes = 30;
    svc.counters = 1;
    svc.per_counter = capacity;
    let service = ah::save_service(&mut tx, schedule, t(18, 0), t(20, 0), &svc, true)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    World {
        _t: t_db,
        db,
        holidays,
        schedule,
        service,
        official: people[0],
    }
}

fn contact(i: usize) -> Contact {
    Contact {
        name: format!("주민{i}"),
        phone: format!("010{:08}", 10_000_000 + i),
        email: String::new(),
    }
}

impl World {
    fn key(&self, h: u32, m: u32) -> SlotKey {
        SlotKey {
            schedule_id: self.schedule,
            day: thursday(),
            service_id: self.service,
            starts_at: kst(thursday(), h, m),
        }
    }

    fn request(&self, i: usize, h: u32, m: u32) -> BookRequest {
        BookRequest {
            slot: self.key(h, m),
            contact: contact(i),
            minor_with_guardian: false,
            channel: BookingChannel::Online,
            account: None,
            taken_by: None,
            link: "http://minwon.test/after-hours/booking".into(),
        }
    }

    async fn book(&self, i: usize, h: u32, m: u32) -> Result<ah::Booking, StoreError> {
        ah::book(&self.db, &self.holidays, &self.request(i, h, m), monday()).await
    }

    async fn booked(&self, h: u32, m: u32) -> i64 {
        let (n,): (i64,) = store::fetch_one!(
            &self.db,
            (i64,),
            "SELECT booked FROM after_hours_slots WHERE service_id = $1 AND starts_at = $2",
            self.service,
            ah::ts(kst(thursday(), h, m))
        )
        .unwrap();
        n
    }

    async fn checklist(&self) -> Vec<domain::service_access::booking::ChecklistItem> {
        ah::service(&self.db, self.service)
            .await
            .unwrap()
            .draft
            .checklist
    }

    async fn outbox(&self) -> i64 {
        let (n,): (i64,) =
            store::fetch_one!(&self.db, (i64,), "SELECT COUNT(*) FROM outbox").unwrap();
        n
    }
}

fn code_of(e: StoreError) -> &'static str {
    match e {
        StoreError::Rule(r) => r.code,
        other => panic!("expected a rule error, got {other:?}"),
    }
}

store::backend_tests! {
    /// Fifty people book ten places at once: exactly ten succeed, the rest hear "full", and the
    /// slot says ten.
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn fifty_race_for_ten_places(backend) {
        let w = std::sync::Arc::new(world(backend, 10, 0).await);
        let mut tasks = Vec::new();
        for i in 0..50 {
            let w = w.clone();
            tasks.push(tokio::spawn(async move { w.book(i, 18, 0).await }));
        }
        let mut ok = 0;
        let mut full = 0;
        for task in tasks {
            match task.await.unwrap() {
                Ok(_) => ok += 1,
                Err(e) => {
                    assert_eq!(code_of(e), "slot_full");
                    full += 1;
                }
            }
        }
        assert_eq!((ok, full), (10, 40));
        assert_eq!(w.booked(18, 0).await, 10);
        let (rows,): (i64,) = store::fetch_one!(
            &w.db,
            (i64,),
            "SELECT COUNT(*) FROM after_hours_bookings"
        )
        .unwrap();
        assert_eq!(rows, 10);
        // One confirmation each, nothing for the refused.
        assert_eq!(w.outbox().await, 10);
    }

    /// A booking gets a unique code and a confirmation with the checklist; the same phone cannot
    /// book that evening twice; a slot that does not exist and a day that does not open are
    /// refused; nothing is half-written.
    #[tokio::test]
    async fn booking_rules_and_their_answers(backend) {
        let w = world(backend, 2, 0).await;
        let b = w.book(1, 18, 0).await.unwrap();
        assert_eq!(b.code.len(), 8);
        assert_eq!(b.state, BookingState::Confirmed);
        assert_eq!(b.day, thursday());
        let (body,): (String,) = store::fetch_one!(
            &w.db,
            (String,),
            "SELECT body FROM outbox ORDER BY id DESC LIMIT 1"
        )
        .unwrap();
        assert!(body.contains(&b.shown_code()), "{body}");
        assert!(body.contains("3.5×4.5cm"), "{body}");
        assert!(body.contains(".ics"), "{body}");
        // A text message carries no file, only the link.
        let (file,): (String,) = store::fetch_one!(
            &w.db,
            (String,),
            "SELECT attachment_name FROM outbox ORDER BY id DESC LIMIT 1"
        )
        .unwrap();
        assert_eq!(file, "");

        // With an e-mail address the confirmation carries the calendar file itself.
        let mut by_mail = w.request(9, 19, 0);
        by_mail.contact.email = "resident9@example.kr".into();
        let m = ah::book(&w.db, &w.holidays, &by_mail, monday()).await.unwrap();
        let (name, kind, ics): (String, String, String) = store::fetch_one!(
            &w.db,
            (String, String, String),
            "SELECT attachment_name, attachment_type, attachment FROM outbox \
             WHERE recipient = 'resident9@example.kr'"
        )
        .unwrap();
        assert_eq!(name, "after-hours.ics");
        assert_eq!(kind, "text/calendar; charset=utf-8");
        assert_eq!(ics, ah::calendar_file(&m, &w.checklist().await));
        assert!(ics.contains("DTSTART;TZID=Asia/Seoul:20260514T190000"), "{ics}");
        assert!(ics.contains("BEGIN:VTIMEZONE") && ics.contains("STATUS:CONFIRMED"), "{ics}");
        assert!(ics.contains(&m.shown_code()), "{ics}");
        assert!(!ics.contains("resident9") && !ics.contains("주민9"), "no personal data: {ics}");
        let mut tx = w.db.begin().await.unwrap();
        ah::cancel_by_code_in(&mut tx, &m.code, &by_mail.contact.phone, monday()).await.unwrap();
        tx.commit().await.unwrap();
        let (cancelled,): (String,) = store::fetch_one!(
            &w.db,
            (String,),
            "SELECT attachment FROM outbox WHERE recipient = 'resident9@example.kr' ORDER BY id DESC LIMIT 1"
        )
        .unwrap();
        assert!(cancelled.contains("STATUS:CANCELLED"), "{cancelled}");

        // The same person (the phone typed another way) on another slot of that evening.
        let mut again = w.request(1, 18, 30);
        again.contact.phone = "01010000001".into();
        let e = ah::book(&w.db, &w.holidays, &again, monday()).await.unwrap_err();
        assert_eq!(code_of(e), "already_booked");
        assert_eq!(w.booked(18, 30).await, 0);

        // A slot outside the evening and a Wednesday.
        assert_eq!(code_of(w.book(2, 18, 10).await.unwrap_err()), "no_slot");
        let mut wednesday = w.request(3, 18, 0);
        wednesday.slot.day = NaiveDate::from_ymd_opt(2026, 5, 13).unwrap();
        let e = ah::book(&w.db, &w.holidays, &wednesday, monday()).await.unwrap_err();
        assert_eq!(code_of(e), "no_evening");

        // Full after two.
        w.book(4, 18, 0).await.unwrap();
        assert_eq!(code_of(w.book(5, 18, 0).await.unwrap_err()), "slot_full");
        assert_eq!(w.booked(18, 0).await, 2);

        // After the cutoff (18:00 that day) booking is refused and says when it closed.
        let late = kst(thursday(), 18, 0);
        let e = ah::book(&w.db, &w.holidays, &w.request(6, 19, 0), late).await.unwrap_err();
        match e {
            StoreError::Rule(r) => {
                assert_eq!(r.code, "past_cutoff");
                assert!(r.ko.contains("18:00"), "{}", r.ko);
            }
            other => panic!("{other:?}"),
        }
    }

    /// Cancel and move by code and phone: a wrong phone and an unknown code get the same
    /// answer; moving to a full slot keeps the old place; moving frees the old place.
    #[tokio::test]
    async fn cancel_and_move_by_code(backend) {
        let w = world(backend, 1, 0).await;
        let b = w.book(1, 18, 0).await.unwrap();
        w.book(2, 18, 30).await.unwrap();
        let phone = contact(1).phone;

        let wrong_phone = ah::by_code(&w.db, &b.code, "010-9999-9999").await.unwrap_err();
        let no_code = ah::by_code(&w.db, "ZZZZZZZZ", &phone).await.unwrap_err();
        assert_eq!(code_of(wrong_phone), "unknown_code");
        assert_eq!(code_of(no_code), "unknown_code");
        // Typed with a hyphen and in lower case, it is found.
        let found = ah::by_code(&w.db, &b.shown_code().to_lowercase(), "010-1000-0001")
            .await
            .unwrap();
        assert_eq!(found.id, b.id);

        // 18:30 is full: the move fails, 18:00 stays held.
        let mut tx = w.db.begin().await.unwrap();
        let e = ah::reschedule_in(&mut tx, &w.holidays, &b.code, &phone, &w.key(18, 30), "x", monday())
            .await
            .unwrap_err();
        drop(tx);
        assert_eq!(code_of(e), "slot_full");
        assert_eq!(w.booked(18, 0).await, 1);
        assert_eq!(w.booked(18, 30).await, 1);

        // 19:00 is free: the move takes it and frees 18:00.
        let mut tx = w.db.begin().await.unwrap();
        let moved = ah::reschedule_in(&mut tx, &w.holidays, &b.code, &phone, &w.key(19, 0), "x", monday())
            .await
            .unwrap();
        tx.commit().await.unwrap();
        assert_eq!(moved.slot_starts_at, kst(thursday(), 19, 0));
        assert_eq!(w.booked(18, 0).await, 0);
        assert_eq!(w.booked(19, 0).await, 1);

        // Cancel: the place is free again, a second cancel is refused.
        let mut tx = w.db.begin().await.unwrap();
        let c = ah::cancel_by_code_in(&mut tx, &b.code, &phone, monday()).await.unwrap();
        tx.commit().await.unwrap();
        assert_eq!(c.state, BookingState::Cancelled);
        assert_eq!(c.cancelled_by.as_deref(), Some("resident"));
        assert_eq!(w.booked(19, 0).await, 0);
        let mut tx = w.db.begin().await.unwrap();
        let e = ah::cancel_by_code_in(&mut tx, &b.code, &phone, monday()).await.unwrap_err();
        assert_eq!(code_of(e), "not_cancellable");
    }

    /// At the cutoff an evening with too few bookings does not open: the department is told,
    /// the booked person too, later bookings are refused; once decided it is not decided again.
    /// An evening with enough opens, and staff hear how many.
    #[tokio::test]
    async fn the_cutoff_decides_whether_the_evening_opens(backend) {
        let w = world(backend, 5, 2).await;
        w.book(1, 18, 0).await.unwrap();
        let before = w.outbox().await;
        let at_cutoff = kst(thursday(), 18, 0);
        let decided = ah::decide_due(&w.db, at_cutoff).await.unwrap();
        assert_eq!(decided.len(), 1);
        assert_eq!(decided[0].state, EveningState::NotOpened);
        assert_eq!(decided[0].bookings, 1);
        let e = ah::evening(&w.db, decided[0].evening_id).await.unwrap();
        assert_eq!(e.state, EveningState::NotOpened);
        assert_eq!(e.decided_at, Some(at_cutoff));
        // Two staff told, the one booked person told.
        assert_eq!(w.outbox().await, before + 3);
        assert_eq!(w.booked(18, 0).await, 0);
        assert!(ah::decide_due(&w.db, at_cutoff + TimeDelta::minutes(5)).await.unwrap().is_empty());
        let e = ah::book(&w.db, &w.holidays, &w.request(9, 19, 0), at_cutoff - TimeDelta::minutes(1))
            .await
            .unwrap_err();
        assert_eq!(code_of(e), "evening_not_opened");

        // The 4th Thursday: two bookings, it opens.
        let fourth = NaiveDate::from_ymd_opt(2026, 5, 28).unwrap();
        for i in 0..2 {
            let mut r = w.request(20 + i, 18, 0);
            r.slot.day = fourth;
            r.slot.starts_at = kst(fourth, 18, 0);
            ah::book(&w.db, &w.holidays, &r, monday()).await.unwrap();
        }
        let decided = ah::decide_due(&w.db, kst(fourth, 18, 0)).await.unwrap();
        assert_eq!(decided.len(), 1);
        assert_eq!(decided[0].state, EveningState::Confirmed);
        let (subject,): (String,) = store::fetch_one!(
            &w.db,
            (String,),
            "SELECT subject FROM outbox ORDER BY id DESC LIMIT 1"
        )
        .unwrap();
        assert!(subject.contains("예약 2건"), "{subject}");
    }

    /// Reminders go once each: the day before from 09:00, and two hours before.
    #[tokio::test]
    async fn reminders_go_once_each(backend) {
        let w = world(backend, 5, 0).await;
        w.book(1, 19, 0).await.unwrap();
        let base = w.outbox().await;
        let wednesday_9 = kst(NaiveDate::from_ymd_opt(2026, 5, 13).unwrap(), 9, 0);
        assert_eq!(ah::queue_reminders(&w.db, "x", wednesday_9 - TimeDelta::hours(1)).await.unwrap(), 0);
        assert_eq!(ah::queue_reminders(&w.db, "x", wednesday_9).await.unwrap(), 1);
        assert_eq!(ah::queue_reminders(&w.db, "x", wednesday_9).await.unwrap(), 0);
        let two_before = kst(thursday(), 17, 0);
        assert_eq!(ah::queue_reminders(&w.db, "x", two_before).await.unwrap(), 1);
        assert_eq!(ah::queue_reminders(&w.db, "x", two_before).await.unwrap(), 0);
        assert_eq!(w.outbox().await, base + 2);
    }

    /// Cancelling an evening cancels every booking by the office and tells each person, in one
    /// transaction; a phone booking records who took it.
    #[tokio::test]
    async fn an_evening_is_cancelled_with_notices(backend) {
        let w = world(backend, 5, 0).await;
        let a = w.book(1, 18, 0).await.unwrap();
        let mut phone = w.request(2, 18, 30);
        phone.channel = BookingChannel::Phone;
        phone.taken_by = Some(w.official);
        phone.contact.email = "caller2@example.kr".into();
        let p = ah::book(&w.db, &w.holidays, &phone, monday()).await.unwrap();
        assert_eq!(p.channel, BookingChannel::Phone);
        assert_eq!(p.taken_by, Some(w.official));
        let before = w.outbox().await;

        let mut tx = w.db.begin().await.unwrap();
        let e = ah::cancel_evening_in(&mut tx, a.evening_id, " ", monday()).await.unwrap_err();
        assert_eq!(code_of(e), "reason_required");
        let n = ah::cancel_evening_in(&mut tx, a.evening_id, "정전 점검", monday()).await.unwrap();
        tx.commit().await.unwrap();
        assert_eq!(n, 2);
        assert_eq!(w.outbox().await, before + 2);
        // The e-mail notice carries the event marked cancelled.
        let (file,): (String,) = store::fetch_one!(
            &w.db,
            (String,),
            "SELECT attachment FROM outbox WHERE recipient = 'caller2@example.kr' ORDER BY id DESC LIMIT 1"
        )
        .unwrap();
        assert!(file.contains("STATUS:CANCELLED"), "{file}");
        let list = ah::evening_bookings(&w.db, a.evening_id).await.unwrap();
        assert!(list.iter().all(|b| b.state == BookingState::Cancelled
            && b.cancelled_by.as_deref() == Some("office")));
        let e = ah::evening(&w.db, a.evening_id).await.unwrap();
        assert_eq!(e.state, EveningState::Cancelled);
        assert_eq!(e.cancelled_reason, "정전 점검");
        assert_eq!(code_of(w.book(3, 19, 0).await.unwrap_err()), "evening_cancelled");
    }

    /// A schedule reads back as saved, its availability lists the evenings with places, and a
    /// rule that never opens is refused on the rule field.
    #[tokio::test]
    async fn schedules_read_back_and_list_their_evenings(backend) {
        let w = world(backend, 3, 0).await;
        let s = ah::schedule(&w.db, w.schedule).await.unwrap();
        assert_eq!(s.draft, passports(0));
        let services = ah::services(&w.db, w.schedule, true).await.unwrap();
        assert_eq!(services.len(), 1);
        w.book(1, 18, 0).await.unwrap();
        let days = ah::availability(&w.db, &w.holidays, &s, &services, monday().date_naive(), 3)
            .await
            .unwrap();
        assert_eq!(days[0].day, thursday());
        assert_eq!(days[0].slots.len(), 4);
        assert_eq!(days[0].slots[0].free(), 2);
        assert_eq!(days[1].day, NaiveDate::from_ymd_opt(2026, 5, 28).unwrap());
        assert_eq!(days[1].slots[0].free(), 3);

        let mut never = passports(0);
        never.rule = "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30".into();
        let mut tx = w.db.begin().await.unwrap();
        let e = ah::create_schedule(&mut tx, &w.holidays, s.department_id, &never, None, monday())
            .await
            .unwrap_err();
        assert!(matches!(code_of(e), "no_dates" | "rrule_invalid"));
    }
}
