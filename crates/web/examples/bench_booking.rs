//! The booking race (issue 18, item 3): N residents book one slot of PLACES at the same moment,
//! each in its own task and transaction. Exactly PLACES must be booked, the rest told "full",
//! and the slot's counter must say PLACES; the program checks that and prints the timings, on
//! SQLite and (when MINWON_TEST_POSTGRES_URL is set) PostgreSQL.
//!
//! cargo run -p web --example bench_booking -- [N] [PLACES] [sqlite|postgres|both]
//!
//! Beside Minwon's own way it runs two others on a fresh database each, checked the same way:
//! the floor (the bare transaction: the conditional counter update and one insert, a refusal
//! rolled back) and, on PostgreSQL, SERIALIZABLE with retry:
//! - minwon: `store::service_access::after_hours::book`: materialise, the slot (full is refused
//!   here), the evening's lock, the state and cutoff, one per person, the counter, the code, the
//!   row and the confirmation with its calendar file in the outbox;
//! - floor: no evening lock, no rules, no code search, no message;
//! - serializable+retry: read the counter, write it and the row.
//!
//! A measuring tool, not production code: any failure aborts the measurement.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "shared/race.rs"]
mod shared;
use chrono::{Duration, NaiveTime};
use domain::service_access::booking::{
    BookingChannel, Contact, Cutoff, PaymentMethod, ScheduleDraft, ServiceKind, defaults,
};
use shared::{Latencies, Way};
use std::time::Instant;
use store::office::departments;
use store::service_access::after_hours::{self as ah, BookRequest, SlotKey};
use store::testing::TestDb;

struct Ids {
    evening: i64,
    slot: i64,
    service: i64,
}

async fn insert(tx: &mut store::Tx, ids: &Ids, i: usize) -> Result<(), store::StoreError> {
    let now = ah::ts(store::now());
    store::execute!(
        &mut *tx,
        "INSERT INTO after_hours_bookings (code, evening_id, slot_id, service_id, name, phone, \
         person_key, channel, created_at, updated_at) VALUES ($1, $2, $3, $4, 'x', $5, $5, \
         'online', $6, $6)",
        format!("F{i:07}"),
        ids.evening,
        ids.slot,
        ids.service,
        format!("010{i:08}"),
        now
    )?;
    Ok(())
}

/// One booking the floor's way: whether it got a place. The conditional update alone keeps the
/// count; a full slot rolls back, so a refusal writes nothing.
async fn floor(db: &store::Db, ids: &Ids, i: usize) -> bool {
    let mut tx = db.begin().await.unwrap();
    let n = store::execute!(
        &mut tx,
        "UPDATE after_hours_slots SET booked = booked + 1 WHERE id = $1 AND booked < capacity",
        ids.slot
    )
    .unwrap();
    if n == 1 {
        insert(&mut tx, ids, i).await.unwrap();
        tx.commit().await.unwrap();
    }
    n == 1
}

/// One booking the SERIALIZABLE way: whether it got a place, and how often it started again.
async fn serializable(db: &store::Db, ids: &Ids, i: usize) -> (bool, u32) {
    let mut retries = 0;
    loop {
        let attempt = async {
            let mut tx = db.begin().await?;
            store::execute!(&mut tx, "SET TRANSACTION ISOLATION LEVEL SERIALIZABLE")?;
            let (booked, capacity): (i64, i64) = store::fetch_one!(
                &mut tx,
                _,
                "SELECT booked, capacity FROM after_hours_slots WHERE id = $1",
                ids.slot
            )?;
            let got = booked < capacity;
            if got {
                store::execute!(
                    &mut tx,
                    "UPDATE after_hours_slots SET booked = $1 WHERE id = $2",
                    booked + 1,
                    ids.slot
                )?;
                insert(&mut tx, ids, i).await?;
            }
            tx.commit().await?;
            Ok::<bool, store::StoreError>(got)
        }
        .await;
        match attempt {
            Ok(got) => return (got, retries),
            Err(e) if e.to_string().contains("could not serialize") => retries += 1,
            Err(e) => panic!("{e}"),
        }
    }
}

async fn race(backend: &str, n: usize, places: u32, way: Way) {
    let t = TestDb::new(backend).await.expect("test db");
    let db = t.db.clone();
    let now = store::now();
    let holidays = ah::holidays(&db).await.unwrap();
    let today = calendar::to_seoul(now).date_naive();
    let mut tx = db.begin().await.unwrap();
    let dept = departments::create(
        &mut tx,
        &departments::NewDepartment {
            code: "civil",
            name: "민원과",
            name_en: "",
            parent_code: None,
        },
        now,
    )
    .await
    .unwrap();
    let six = NaiveTime::from_hms_opt(18, 0, 0).unwrap();
    let eight = NaiveTime::from_hms_opt(20, 0, 0).unwrap();
    let draft = ScheduleDraft {
        name: "야간 민원실".into(),
        name_en: String::new(),
        place: "민원실".into(),
        place_en: String::new(),
        rule: "FREQ=DAILY".into(),
        anchor: today,
        opens: six,
        closes: eight,
        cutoff: Cutoff::SameDayAt(six),
        min_bookings: 0,
        one_per_person: true,
        payment_methods: vec![PaymentMethod::Cash],
        checkin_early_minutes: 30,
        checkin_late_minutes: 10,
        remind_day_before: true,
        remind_hours_before: true,
        exceptions: vec![],
    };
    let schedule = ah::create_schedule(&mut tx, &holidays, dept.id, &draft, None, now)
        .await
        .unwrap();
    let mut svc = defaults(ServiceKind::PassportApplication);
    svc.slot_minutes = 120;
    svc.counters = 1;
    svc.per_counter = places;
    let service = ah::save_service(&mut tx, schedule, six, eight, &svc, true)
        .await
        .unwrap();
    // Two weeks ahead, skipping a holiday if it is one: the first evening the rule opens.
    let s = draft.schedule();
    let day = domain::service_access::upcoming(&s, &holidays, today + Duration::days(14), 1)
        .unwrap()
        .openings[0]
        .date;
    let evening = ah::materialise(&mut tx, &holidays, schedule, day)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let starts = domain::service_access::opening(day, six, eight, false).starts_utc;
    let (slot,): (i64,) = store::fetch_one!(
        &db,
        (i64,),
        "SELECT id FROM after_hours_slots WHERE evening_id = $1",
        evening
    )
    .unwrap();
    let ids = std::sync::Arc::new(Ids {
        evening,
        slot,
        service,
    });

    let start = Instant::now();
    let mut tasks = Vec::with_capacity(n);
    for i in 0..n {
        let db = db.clone();
        let ids = ids.clone();
        let holidays = holidays.clone();
        tasks.push(tokio::spawn(async move {
            let t0 = Instant::now();
            let (got, retries) = match way {
                Way::Minwon => {
                    let r = BookRequest {
                        slot: SlotKey {
                            schedule_id: schedule,
                            day,
                            service_id: service,
                            starts_at: starts,
                        },
                        contact: Contact {
                            name: format!("주민{i}"),
                            phone: format!("010{i:08}"),
                            email: String::new(),
                        },
                        minor_with_guardian: false,
                        channel: BookingChannel::Online,
                        account: None,
                        taken_by: None,
                        link: "/after-hours/booking".into(),
                    };
                    match ah::book(&db, &holidays, &r, store::now()).await {
                        Ok(_) => (true, 0),
                        Err(store::StoreError::Rule(e)) if e.code == "slot_full" => (false, 0),
                        Err(e) => panic!("{e}"),
                    }
                }
                Way::Floor => (floor(&db, &ids, i).await, 0),
                Way::Serializable => serializable(&db, &ids, i).await,
            };
            (t0.elapsed(), got, retries)
        }));
    }
    let mut lat = Vec::with_capacity(n);
    let mut retries = 0;
    let mut booked = 0;
    for t in tasks {
        let (elapsed, got, r) = t.await.unwrap();
        lat.push(elapsed);
        retries += r;
        booked += usize::from(got);
    }
    let wall = start.elapsed();
    let lat = Latencies::new(lat);
    let (rows,): (i64,) =
        store::fetch_one!(&db, (i64,), "SELECT COUNT(*) FROM after_hours_bookings").unwrap();
    let (counter,): (i64,) = store::fetch_one!(
        &db,
        (i64,),
        "SELECT booked FROM after_hours_slots WHERE id = $1",
        slot
    )
    .unwrap();
    assert_eq!(booked, places as usize, "exactly the places given");
    assert_eq!(rows, i64::from(places), "one row per place");
    assert_eq!(counter, i64::from(places), "the counter agrees");
    println!(
        "{backend:8} {:18} {n} requests for {places} places: {booked} booked, {} full; wall {:.2} s \
         ({:.0} requests/s); per request p50 {:.1} ms, p95 {:.1} ms, max {:.1} ms; {retries} retries",
        way.name(),
        n - booked,
        wall.as_secs_f64(),
        n as f64 / wall.as_secs_f64(),
        lat.ms(0.50),
        lat.ms(0.95),
        lat.ms(1.0),
    );
}

#[tokio::main]
async fn main() {
    shared::run(500, 10u32, race).await;
}
