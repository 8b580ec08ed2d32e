//! The after-hours evening at the counter (issue 18 item 6): check-in against the window,
//! walk-ins, the fair waiting order, calling, outcomes, closing with no-shows, the screen and
//! the petition filed from a booking — on SQLite and PostgreSQL, with concurrent counters.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use chrono::{DateTime, Duration, TimeZone, Utc};
use domain::office::accounts::Role;
use domain::petitions::Channel;
use domain::service_access::evening::{EveningState, Outcome, TicketKind};
use store::petitions::{self, PiiKey};
use store::service_access::evening::fixture::{self, Fixture, Wanted};
use store::service_access::evening::petition::{self as from_booking, FromBooking};
use store::service_access::evening::{self as ev, Arriving};
use store::testing::TestDb;
use store::{Db, StoreError, execute};

/// Thursday 14 January 2027, 18:00 in Seoul.
fn opens() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2027, 1, 14, 9, 0, 0).unwrap()
}

fn code(e: StoreError) -> &'static str {
    match e {
        StoreError::Rule(r) => r.code,
        StoreError::NotFound => "not_found",
        e => panic!("unexpected {e:?}"),
    }
}

async fn setup(db: &Db, state: &str) -> (i64, Vec<i64>, Fixture) {
    let (dept, staff) =
        crate::fixtures::civil_staff(db, &[("desk", Role::Official), ("desk2", Role::Official)])
            .await;
    let mut tx = db.begin().await.unwrap();
    let f = fixture::evening(
        &mut tx,
        dept,
        opens(),
        state,
        &[
            Wanted {
                name: "김민원",
                phone: "010-1111-2222",
                slot: 0,
                account_id: None,
            },
            Wanted {
                name: "이여권",
                phone: "010-3333-4444",
                slot: 1,
                account_id: None,
            },
            Wanted {
                name: "박늦음",
                phone: "010-5555-6666",
                slot: 0,
                account_id: None,
            },
            Wanted {
                name: "최불참",
                phone: "010-7777-8888",
                slot: 2,
                account_id: None,
            },
        ],
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    (dept, staff, f)
}

async fn check_in(
    db: &Db,
    evening: i64,
    who: Arriving,
    at: DateTime<Utc>,
) -> Result<ev::CheckedIn, StoreError> {
    let mut tx = db.begin().await.unwrap();
    let r = ev::check_in(&mut tx, evening, &who, at).await;
    if r.is_ok() {
        tx.commit().await.unwrap();
    }
    r
}

store::backend_tests! {
    #[tokio::test]
    async fn counter_evening(backend) {
        let t = TestDb::new(backend).await.unwrap();
        let db = &t.db;
        let (_, _, f) = setup(db, "confirmed").await;
        let e = f.evening_id;
        let b = &f.bookings;

        // Within the window (20 minutes early): a booked ticket, and the evening starts.
        let kim = check_in(db, e, Arriving::Code(b[0].code.to_lowercase()), opens() - Duration::minutes(20)).await.unwrap();
        assert_eq!((kim.ticket.number, kim.ticket.kind), (1, TicketKind::Booked));
        assert_eq!(kim.booking.state, "checked_in");
        assert_eq!(ev::evening(db, e).await.unwrap().state, EveningState::InProgress);
        // A walk-in after that, then a booking 25 minutes after its slot: late, behind the walk-in.
        let mut tx = db.begin().await.unwrap();
        let walk = ev::walk_in(&mut tx, e, "", f.services[1], opens() + Duration::minutes(5)).await.unwrap();
        tx.commit().await.unwrap();
        assert_eq!((walk.number, walk.kind), (2, TicketKind::WalkIn));
        let park = check_in(db, e, Arriving::Booking(b[2].id), opens() + Duration::minutes(25)).await.unwrap();
        assert_eq!((park.ticket.kind, park.minutes_outside), (TicketKind::Late, 15));
        // Lee comes for the 18:30 slot at 18:26: booked, so called before the walk-in.
        let lee = check_in(db, e, Arriving::Code(b[1].code.clone()), opens() + Duration::minutes(26)).await.unwrap();
        assert_eq!(lee.ticket.kind, TicketKind::Booked);
        let board = ev::board_of(db, e).await.unwrap();
        let order: Vec<i64> = board.waiting.iter().map(|t| t.number).collect();
        assert_eq!(order, vec![1, 4, 2, 3]);

        // Bad input changes nothing.
        let twice = check_in(db, e, Arriving::Code(b[0].code.clone()), opens()).await.unwrap_err();
        assert_eq!(code(twice), "already_checked_in");
        let unknown = check_in(db, e, Arriving::Code("NOPE".into()), opens()).await.unwrap_err();
        assert_eq!(code(unknown), "booking_unknown");
        let mut tx = db.begin().await.unwrap();
        let other = ev::walk_in(&mut tx, e, "x", 999_999, opens()).await.unwrap_err();
        assert_eq!(code(other), "service_unknown");
        drop(tx);
        assert_eq!(ev::tickets(db, e).await.unwrap().len(), 4);

        // Calling takes the first in order; outcomes follow calls and are given once.
        let mut tx = db.begin().await.unwrap();
        let first = ev::call_next(&mut tx, e, 1, opens() + Duration::minutes(30)).await.unwrap();
        let second = ev::call_next(&mut tx, e, 2, opens() + Duration::minutes(31)).await.unwrap();
        tx.commit().await.unwrap();
        assert_eq!((first.number, first.counter), (1, Some(1)));
        assert_eq!((second.number, second.counter), (4, Some(2)));
        let mut tx = db.begin().await.unwrap();
        let not_called = ev::set_outcome(&mut tx, e, walk.id, Outcome::Served, opens()).await.unwrap_err();
        assert_eq!(code(not_called), "ticket_not_called");
        let served = ev::set_outcome(&mut tx, e, first.id, Outcome::Served, opens() + Duration::minutes(40)).await.unwrap();
        assert_eq!(served.booking_state.as_deref(), Some("served"));
        let no_show = ev::set_outcome(&mut tx, e, second.id, Outcome::NoShow, opens() + Duration::minutes(40)).await.unwrap();
        assert_eq!(no_show.booking_state.as_deref(), Some("no_show"));
        let again = ev::set_outcome(&mut tx, e, first.id, Outcome::Left, opens()).await.unwrap_err();
        assert_eq!(code(again), "ticket_done");
        tx.commit().await.unwrap();

        // The screen: numbers and counters, the next in order; never a name.
        let screen = ev::screen(db, e).await.unwrap();
        assert_eq!(screen.called.first().map(|c| (c.number, c.counter)), Some((4, 2)));
        assert_eq!(screen.next, vec![2, 3]);
        let json = serde_json::to_string(&screen).unwrap();
        for name in ["김민원", "이여권", "박늦음", "최불참", "010"] {
            assert!(!json.contains(name), "{json}");
        }

        // Closing waits for every ticket; then the booking nobody came for is a no-show.
        let mut tx = db.begin().await.unwrap();
        let open = ev::close(&mut tx, e, opens() + Duration::hours(2)).await.unwrap_err();
        assert_eq!(code(open), "tickets_open");
        drop(tx);
        let mut tx = db.begin().await.unwrap();
        let c = ev::call_next(&mut tx, e, 1, opens() + Duration::minutes(50)).await.unwrap();
        ev::set_outcome(&mut tx, e, c.id, Outcome::Served, opens() + Duration::minutes(55)).await.unwrap();
        let last = ev::board_of(&mut tx, e).await.unwrap().waiting[0].id;
        ev::set_outcome(&mut tx, e, last, Outcome::Left, opens() + Duration::minutes(56)).await.unwrap();
        let empty = ev::call_next(&mut tx, e, 1, opens() + Duration::minutes(57)).await.unwrap_err();
        assert_eq!(code(empty), "nobody_waiting");
        let closed = ev::close(&mut tx, e, opens() + Duration::hours(2)).await.unwrap();
        tx.commit().await.unwrap();
        assert_eq!((closed.evening.state, closed.no_shows), (EveningState::Closed, 1));
        assert_eq!(ev::booking(db, b[3].id).await.unwrap().state, "no_show");
        let late = check_in(db, e, Arriving::Code(b[3].code.clone()), opens()).await.unwrap_err();
        assert_eq!(code(late), "evening_closed");
    }

    #[tokio::test]
    async fn evening_not_running_and_other_evening(backend) {
        let t = TestDb::new(backend).await.unwrap();
        let db = &t.db;
        let (dept, _, f) = setup(db, "cancelled").await;
        let refused = check_in(db, f.evening_id, Arriving::Code(f.bookings[0].code.clone()), opens()).await.unwrap_err();
        assert_eq!(code(refused), "evening_cancelled");
        let mut tx = db.begin().await.unwrap();
        let g = fixture::evening(&mut tx, dept, opens() + Duration::days(14), "not_opened", &[]).await.unwrap();
        tx.commit().await.unwrap();
        let mut tx = db.begin().await.unwrap();
        let not_opened = ev::walk_in(&mut tx, g.evening_id, "", g.services[0], opens()).await.unwrap_err();
        assert_eq!(code(not_opened), "evening_not_opened");
        drop(tx);
        let other = check_in(db, g.evening_id, Arriving::Code(f.bookings[0].code.clone()), opens()).await.unwrap_err();
        assert_eq!(code(other), "booking_other_evening");
        assert!(ev::tickets(db, g.evening_id).await.unwrap().is_empty());
        assert_eq!(ev::booking(db, f.bookings[0].id).await.unwrap().state, "confirmed");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn concurrent_counters(backend) {
        let t = TestDb::new(backend).await.unwrap();
        let db = t.db.clone();
        let (_, _, f) = setup(&db, "confirmed").await;
        let e = f.evening_id;
        // Four arrivals and eight walk-ins at once, then six counters calling at once.
        let mut tasks = Vec::new();
        for b in f.bookings.clone() {
            let db = db.clone();
            tasks.push(tokio::spawn(async move {
                check_in(&db, e, Arriving::Code(b.code), opens()).await.map(|_| ())
            }));
        }
        for i in 0..8 {
            let (db, service) = (db.clone(), f.services[i % 2]);
            tasks.push(tokio::spawn(async move {
                let mut tx = db.begin().await?;
                ev::walk_in(&mut tx, e, "", service, opens()).await?;
                tx.commit().await
            }));
        }
        for t in tasks {
            t.await.unwrap().unwrap();
        }
        let all = ev::tickets(&db, e).await.unwrap();
        let numbers: Vec<i64> = all.iter().map(|t| t.number).collect();
        assert_eq!(numbers, (1..=12).collect::<Vec<_>>());
        let mut calls = Vec::new();
        for counter in 1..=6 {
            let db = db.clone();
            calls.push(tokio::spawn(async move {
                let mut tx = db.begin().await?;
                let t = ev::call_next(&mut tx, e, counter, opens()).await?;
                tx.commit().await?;
                Ok::<_, StoreError>(t.id)
            }));
        }
        let mut called = Vec::new();
        for c in calls {
            called.push(c.await.unwrap().unwrap());
        }
        called.sort_unstable();
        called.dedup();
        assert_eq!(called.len(), 6, "two counters called the same ticket");
        let board = ev::board_of(&db, e).await.unwrap();
        assert_eq!((board.called.len(), board.waiting.len()), (6, 6));
        // The three within their window were called first (the 19:00 booking came too early).
        assert_eq!(board.called.iter().filter(|t| t.kind == TicketKind::Booked).count(), 3);
        assert!(board.waiting.iter().all(|t| t.kind != TicketKind::Booked));
    }

    #[tokio::test]
    async fn petition_from_booking(backend) {
        let t = TestDb::new(backend).await.unwrap();
        let db = &t.db;
        let now = store::now();
        let (dept, staff, f) = setup(db, "confirmed").await;
        let mut tx = db.begin().await.unwrap();
        petitions::ensure_general_types(&mut tx, Some(dept), now).await.unwrap();
        let resident = crate::fixtures::account(&mut tx, ("hong", "홍길동", "hong@example.kr"), Role::Resident, None, now).await;
        tx.commit().await.unwrap();
        // Even a type the office publishes: a counter petition is never on Open311.
        execute!(db, "UPDATE petition_types SET publishable = TRUE").unwrap();
        execute!(db, "UPDATE after_hours_bookings SET account_id = $1 WHERE id = $2", resident, f.bookings[0].id).unwrap();
        let other = petitions::get_type_by_code(db, "other").await.unwrap();
        let e = f.evening_id;
        let b0 = ev::booking(db, f.bookings[0].id).await.unwrap();
        // Not checked in yet: refused.
        assert_eq!(code(from_booking::may_file(&b0, e).unwrap_err()), "booking_not_checked_in");
        check_in(db, e, Arriving::Booking(b0.id), opens()).await.unwrap();
        let b0 = ev::booking(db, b0.id).await.unwrap();
        let input = FromBooking {
            type_id: other.id,
            name: b0.name.clone(),
            phone: b0.phone.clone(),
            title: "야간 민원실: 여권 발급 신청".into(),
            body: "예약 번호로 접수한 여권 발급 신청입니다.".into(),
            intake: store::testing::intake_for(Channel::Counter),
        };
        let new = from_booking::new_petition(&b0, input);
        let screening = petitions::screen(&new.title, &new.body);
        let key = PiiKey::generate().unwrap();
        let checked = petitions::check(db, new, &key, screening).await.unwrap();
        let (cal, _) = petitions::work_calendar(db).await.unwrap();
        let at = opens() + Duration::minutes(10);
        let mut tx = db.begin().await.unwrap();
        let filed = from_booking::file_from_booking(&mut tx, e, b0.id, &checked, staff[0], &cal, at).await.unwrap();
        tx.commit().await.unwrap();
        let p = &filed.petition;
        assert_eq!((p.channel.as_str(), p.petitioner_account_id), ("counter", Some(resident)));
        assert!(p.receipt_no.is_some(), "a counter petition is received at once");
        let b0 = ev::booking(db, b0.id).await.unwrap();
        assert_eq!((b0.state.as_str(), b0.petition_id), ("served", Some(p.id)));
        let ticket = ev::tickets(db, e).await.unwrap().remove(0);
        assert_eq!(ticket.outcome, Some(Outcome::Served));
        // Filing twice is refused, and nothing more is written.
        let mut tx = db.begin().await.unwrap();
        let twice = from_booking::file_from_booking(&mut tx, e, b0.id, &checked, staff[0], &cal, at).await.unwrap_err();
        assert_eq!(code(twice), "petition_filed");
        drop(tx);
        let listed = store::open311::find_requests(db, &store::open311::RequestFilter {
            type_ids: vec![other.id],
            start: opens() - Duration::days(1),
            end: opens() + Duration::days(1),
            open: None,
            limit: 100,
        }).await.unwrap();
        assert!(listed.is_empty(), "counter petitions are not published on Open311");
    }
}
