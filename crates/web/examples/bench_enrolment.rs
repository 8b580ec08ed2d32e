//! The enrolment race (issue 17, item 3): N officials ask for a place on one session of
//! PLACES at the same moment, each in its own task and transaction. Exactly PLACES must be
//! enrolled and the rest waitlisted, the waitlist numbered 1.. in arrival order, with nothing
//! lost; the program checks that and prints the timings, on SQLite and (when
//! MINWON_TEST_POSTGRES_URL is set) PostgreSQL.
//!
//! cargo run -p web --example bench_enrolment -- [N] [PLACES] [sqlite|postgres|both]
//!
//! Beside Minwon's own way it runs two others on a fresh database each, checked the same way:
//! the floor (the bare locked transaction, no rules) and, on PostgreSQL, SERIALIZABLE with retry:
//! - minwon: `store::programs::enrol`, with the audience rule, the priority facts and the outbox
//!   message, behind the session's row lock;
//! - floor: the same row lock, a count and one insert; no rules, no message;
//! - serializable+retry: no lock, arrival numbered before the transaction.
//!
//! A measuring tool, not production code: any failure aborts the measurement.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "shared/race.rs"]
mod shared;
use chrono::{Duration, NaiveTime};
use domain::office::accounts::Role;
use domain::programs::{
    Audience, DayDraft, Delivery, EnrolmentState, LearningCategory, ProgramDraft, ProgramKind,
    SessionDraft,
};
use shared::{Latencies, Way};
use std::time::Instant;
use store::programs::{self as sp, EnrolRequest};
use store::testing::TestDb;
use store::{office::accounts, office::departments};

/// How a request for a place is decided.
/// Both alternatives' decision: count the places taken and add the row enrolled or waitlisted.
async fn count_and_insert(
    tx: &mut store::Tx,
    sid: i64,
    who: domain::AccountId,
    capacity: i64,
    arrival: i64,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), store::StoreError> {
    let (taken,): (i64,) = store::fetch_one!(
        &mut *tx,
        _,
        "SELECT COUNT(*) FROM program_enrolments WHERE session_id = $1 AND state = 'enrolled'",
        sid
    )?;
    let state = if taken < capacity {
        "enrolled"
    } else {
        "waitlisted"
    };
    store::execute!(
        &mut *tx,
        "INSERT INTO program_enrolments (session_id, account_id, state, origin, arrival, requested_at, updated_at) \
         VALUES ($1, $2, $3, 'self', $4, $5, $5)",
        sid,
        who,
        state,
        arrival,
        now
    )?;
    Ok(())
}

/// One request the floor's way.
async fn floor(db: &store::Db, sid: i64, who: domain::AccountId) {
    let now = store::now();
    let mut tx = db.begin().await.unwrap();
    let (arrival, capacity): (i64, i64) = store::fetch_one!(
        &mut tx,
        _,
        "UPDATE program_sessions SET arrivals = arrivals + 1 WHERE id = $1 RETURNING arrivals, capacity",
        sid
    )
    .unwrap();
    count_and_insert(&mut tx, sid, who, capacity, arrival, now)
        .await
        .unwrap();
    tx.commit().await.unwrap();
}

/// One request the SERIALIZABLE way; returns how many times it had to start again.
async fn serializable(db: &store::Db, sid: i64, who: domain::AccountId, arrival: i64) -> u32 {
    let mut retries = 0;
    loop {
        let now = store::now();
        let attempt = async {
            let mut tx = db.begin().await?;
            store::execute!(&mut tx, "SET TRANSACTION ISOLATION LEVEL SERIALIZABLE")?;
            let (capacity,): (i64,) = store::fetch_one!(
                &mut tx,
                _,
                "SELECT capacity FROM program_sessions WHERE id = $1",
                sid
            )?;
            count_and_insert(&mut tx, sid, who, capacity, arrival, now).await?;
            tx.commit().await?;
            Ok::<(), store::StoreError>(())
        }
        .await;
        match attempt {
            Ok(()) => return retries,
            Err(e) if e.to_string().contains("could not serialize") => retries += 1,
            Err(e) => panic!("{e}"),
        }
    }
}

async fn race(backend: &str, n: usize, places: i64, way: Way) {
    let t = TestDb::new(backend).await.expect("test db");
    let db = t.db.clone();
    let now = store::now();
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
    let officer = accounts::create(
        &mut tx,
        &accounts::NewAccount {
            username: "officer",
            display_name: "교육 담당",
            email: "",
            phone: "",
            role: Role::TrainingOfficer,
            department_id: Some(dept.id),
            password_hash: "x",
        },
        now,
    )
    .await
    .unwrap();
    let mut people = Vec::with_capacity(n);
    for i in 0..n {
        let a = accounts::create(
            &mut tx,
            &accounts::NewAccount {
                username: &format!("official{i:04}"),
                display_name: &format!("직원{i}"),
                email: &format!("official{i:04}@example.kr"),
                phone: "",
                role: Role::Official,
                department_id: Some(dept.id),
                password_hash: "x",
            },
            now,
        )
        .await
        .unwrap();
        people.push(a.id);
    }
    let program = ProgramDraft {
        kind: ProgramKind::Healing,
        title: "민원공무원 힐링 프로그램".into(),
        title_en: String::new(),
        description: String::new(),
        description_en: String::new(),
        recognised_minutes: 21 * 60,
        category: LearningCategory::Workplace,
        designated: false,
        approval_required: false,
        notify_supervisor: false,
        min_attended_percent: 80,
        feedback_required: false,
        capacity_default: places,
        audience: Audience::default(),
        modules: vec![],
    };
    let pid = sp::create_program(&mut tx, &program, officer.id, None, now)
        .await
        .unwrap();
    let day = calendar::to_seoul(now).date_naive() + Duration::days(14);
    let nine = NaiveTime::from_hms_opt(9, 0, 0).unwrap();
    let six = NaiveTime::from_hms_opt(18, 0, 0).unwrap();
    let session = SessionDraft {
        label: "1기".into(),
        delivery: Delivery::InPerson,
        venue: "치유원".into(),
        capacity: places,
        online_link: String::new(),
        materials: String::new(),
        materials_link: String::new(),
        days: vec![DayDraft {
            day,
            starts: nine,
            ends: six,
        }],
    };
    let sid = sp::create_session(&mut tx, pid, &session, officer.id, now)
        .await
        .unwrap();
    tx.commit().await.unwrap();

    let start = Instant::now();
    let mut tasks = Vec::with_capacity(n);
    for (i, &who) in people.iter().enumerate() {
        let db = db.clone();
        tasks.push(tokio::spawn(async move {
            let t0 = Instant::now();
            let retries = match way {
                Way::Minwon => {
                    let req = EnrolRequest {
                        session: sid,
                        account: who,
                        nominated_by: None,
                    };
                    sp::enrol(&db, req, store::now()).await.unwrap();
                    0
                }
                Way::Floor => {
                    floor(&db, sid, who).await;
                    0
                }
                Way::Serializable => serializable(&db, sid, who, i as i64 + 1).await,
            };
            (t0.elapsed(), retries)
        }));
    }
    let mut lat = Vec::with_capacity(n);
    let mut retries = 0;
    for t in tasks {
        let (elapsed, r) = t.await.unwrap();
        lat.push(elapsed);
        retries += r;
    }
    let wall = start.elapsed();
    let lat = Latencies::new(lat);

    let roster = sp::roster(&db, sid).await.unwrap();
    let enrolled: Vec<_> = roster
        .iter()
        .filter(|e| e.state == EnrolmentState::Enrolled)
        .collect();
    let waiting: Vec<_> = roster
        .iter()
        .filter(|e| e.state == EnrolmentState::Waitlisted)
        .collect();
    assert_eq!(roster.len(), n, "every request kept");
    assert_eq!(enrolled.len() as i64, places, "exactly the places given");
    assert_eq!(waiting.len(), n - places as usize, "the rest waitlisted");
    let last_place = enrolled.iter().map(|e| e.arrival).max().unwrap();
    // Under a lock, arrival is the order the lock was granted, so places follow it by
    // construction; SERIALIZABLE numbers arrivals first and commits in whatever order survives.
    let by_arrival = waiting.iter().all(|e| e.arrival > last_place);
    assert!(
        by_arrival || way == Way::Serializable,
        "places went by arrival"
    );
    let positions: Vec<i64> = waiting
        .iter()
        .map(|e| e.waitlist_position.unwrap())
        .collect();
    assert_eq!(
        positions,
        (1..=waiting.len() as i64).collect::<Vec<_>>(),
        "waitlist numbered 1.."
    );
    assert!(
        waiting.windows(2).all(|w| w[0].arrival < w[1].arrival),
        "waitlist in arrival order"
    );
    if way == Way::Minwon {
        let (messages,): (i64,) =
            store::fetch_one!(&db, (i64,), "SELECT COUNT(*) FROM outbox").unwrap();
        assert_eq!(messages as usize, n, "one message per person");
    }
    println!(
        "{backend:8} {:18} {n} requests for {places} places: {} enrolled, {} waitlisted in order; \
         wall {:.2} s ({:.0} enrolments/s); per request p50 {:.1} ms, p95 {:.1} ms, max {:.1} ms; \
         {retries} retries; places {} arrival order",
        way.name(),
        enrolled.len(),
        waiting.len(),
        wall.as_secs_f64(),
        n as f64 / wall.as_secs_f64(),
        lat.ms(0.50),
        lat.ms(0.95),
        lat.ms(1.0),
        if by_arrival { "in" } else { "NOT in" },
    );
}

#[tokio::main]
async fn main() {
    shared::run(1000, 80i64, race).await;
}
