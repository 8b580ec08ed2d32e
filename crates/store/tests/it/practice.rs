//! The practice desk (issue 17 item 9) on SQLite and PostgreSQL: a desk per training session
//! with deterministic synthetic cases, each trainee's own decisions with the assistant's
//! suggestion and the time taken, closing — and nothing of it reaching the office's petitions.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use chrono::{DateTime, Duration, TimeZone, Utc};
use domain::office::accounts::Role;
use domain::petitions::Kind;
use domain::programs::practice::Choice;
use store::programs::practice as pr;
use store::testing::TestDb;
use store::{Db, StoreError, execute, fetch_one};

fn morning() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 5, 12, 0, 0, 0).unwrap()
}

/// A session of a program of `kind`, with `enrolled` enrolled. Answers the session.
async fn session(db: &Db, kind: &str, enrolled: &[i64]) -> i64 {
    let now = morning() - Duration::days(30);
    let (program,): (i64,) = fetch_one!(
        db,
        _,
        "INSERT INTO programs (kind, title, title_en, recognised_minutes, category, designated, \
         min_attended_percent, created_at, updated_at) \
         VALUES ($1, '신규 공무원 교육', 'Onboarding', 840, 'course', $2, 100, $3, $3) RETURNING id",
        kind,
        true,
        now
    )
    .unwrap();
    let (session,): (i64,) = fetch_one!(
        db,
        _,
        "INSERT INTO program_sessions (program_id, label, delivery, venue, capacity, checkin_secret, created_at, updated_at) \
         VALUES ($1, '1기', 'in_person', '교육장', 20, 's', $2, $2) RETURNING id",
        program,
        now
    )
    .unwrap();
    for (i, who) in enrolled.iter().enumerate() {
        execute!(
            db,
            "INSERT INTO program_enrolments (session_id, account_id, state, origin, arrival, requested_at, updated_at) \
             VALUES ($1, $2, 'enrolled', 'nominated', $3, $4, $4)",
            session,
            *who,
            i as i64 + 1,
            now
        )
        .unwrap();
    }
    session
}

async fn open(db: &Db, session: i64, n: usize, by: i64) -> Result<pr::Desk, StoreError> {
    pr::check_session(db, session).await?;
    let names = pr::department_names(db).await?;
    let prepared = pr::prepare(pr::generate(session, n), &names);
    let mut tx = db.begin().await?;
    let desk = pr::open_desk(&mut tx, session, &prepared, by, morning()).await?;
    tx.commit().await?;
    Ok(desk)
}

fn choice(kind: Kind, department: &str, abusive: bool) -> Choice {
    Choice {
        kind,
        department: department.into(),
        abusive,
        draft: "현장을 확인하고 보수하겠습니다.".into(),
    }
}

async fn decide_at(
    db: &Db,
    case: i64,
    who: i64,
    c: &Choice,
    opened: DateTime<Utc>,
    decided: DateTime<Utc>,
) -> Result<pr::Decision, StoreError> {
    let mut tx = db.begin().await?;
    pr::open_case(&mut tx, case, who, opened).await?;
    let d = pr::decide(&mut tx, case, who, c, decided).await?;
    tx.commit().await?;
    Ok(d)
}

async fn count(db: &Db, table: &str) -> i64 {
    let (n,): (i64,) = fetch_one!(
        db,
        _,
        sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM {table}"))
    )
    .unwrap();
    n
}

/// Every table a petition leaves a trace in (the queue, search, statistics, Open311, the
/// dashboards and the evaluation read these), and the outbox to residents.
const REAL: &[&str] = &[
    "petitions",
    "petition_events",
    "petition_tracking",
    "routing_suggestions",
    "routing_corrections",
    "draft_requests",
    "petition_statistics",
    "outbox",
];

store::backend_tests! {
    #[tokio::test]
    async fn a_desk_per_training_session_with_the_same_cases_every_time(backend) {
        let t = TestDb::new(backend).await.unwrap();
        let db = t.db.clone();
        let (_, ids) = crate::fixtures::civil_staff(
            &db,
            &[("officer", Role::TrainingOfficer), ("new01", Role::Official)],
        )
        .await;
        let s = session(&db, "onboarding", &ids[1..]).await;

        // The generator is deterministic per session, and knows what is right.
        let a = pr::generate(s, 12);
        assert_eq!(a, pr::generate(s, 12));
        assert_ne!(a, pr::generate(s + 1, 12));
        assert!(a.iter().all(|c| !c.body.contains("{place}") && !c.petitioner.is_empty()));
        assert!(a.iter().any(|c| c.expected.abusive), "some cases are abusive");

        let desk = open(&db, s, 12, ids[0]).await.unwrap();
        let cases = pr::cases(&db, desk.id).await.unwrap();
        assert_eq!(cases.len(), 12);
        assert_eq!(cases[0].number, 1);
        // The assistant's view is stored with each case, as intake stores it.
        assert!(cases.iter().all(|c| !c.suggested_department.is_empty() && c.suggested_score > 0.0));
        assert!(cases.iter().all(|c| c.draft.starts_with(pr::UNFINISHED[0]) && c.draft.contains("{answer}")));
        assert!(text::draft::DRAFT_BANNER.starts_with(pr::UNFINISHED[0]));
        let abusive = cases.iter().find(|c| c.expected_abusive).unwrap();
        assert!(abusive.screened_abusive, "the screening flags an outburst: {}", abusive.body);

        // Twice: refused, and nothing half-written.
        let again = open(&db, s, 5, ids[0]).await;
        assert!(matches!(again, Err(StoreError::Conflict(_))), "{again:?}");
        assert_eq!(count(&db, "practice_cases").await, 12);

        // Healing programs and cancelled sessions have no desk.
        let healing = session(&db, "healing", &[]).await;
        match open(&db, healing, 12, ids[0]).await {
            Err(StoreError::Rule(r)) => assert_eq!(r.code, "not_a_training_session"),
            other => panic!("{other:?}"),
        }
        let cancelled = session(&db, "training", &[]).await;
        execute!(&db, "UPDATE program_sessions SET state = 'cancelled' WHERE id = $1", cancelled).unwrap();
        match open(&db, cancelled, 12, ids[0]).await {
            Err(StoreError::Rule(r)) => assert_eq!(r.code, "session_cancelled"),
            other => panic!("{other:?}"),
        }
        assert_eq!(count(&db, "practice_desks").await, 1);
    }

    #[tokio::test]
    async fn trainees_decide_their_own_copy_timed_from_opening(backend) {
        let t = TestDb::new(backend).await.unwrap();
        let db = t.db.clone();
        let (_, ids) = crate::fixtures::civil_staff(
            &db,
            &[
                ("officer", Role::TrainingOfficer),
                ("new01", Role::Official),
                ("new02", Role::Official),
                ("stranger", Role::Official),
            ],
        )
        .await;
        let (officer, a, b, stranger) = (ids[0], ids[1], ids[2], ids[3]);
        let before: Vec<i64> = {
            let mut v = Vec::new();
            for table in REAL {
                v.push(count(&db, table).await);
            }
            v
        };
        let s = session(&db, "onboarding", &[a, b]).await;
        let desk = open(&db, s, 4, officer).await.unwrap();
        let cases = pr::cases(&db, desk.id).await.unwrap();
        let c = &cases[0];
        let e = c.expected();

        // Trainee a follows the assistant; it took 3 minutes 20 seconds from opening.
        let t0 = morning() + Duration::hours(1);
        let agree = choice(e.kind, &c.suggested_department, c.screened_abusive);
        let d = decide_at(&db, c.id, a, &agree, t0, t0 + Duration::seconds(200)).await.unwrap();
        assert_eq!(d.seconds, 200);
        assert_eq!(d.suggested_department, c.suggested_department);
        assert!(d.compared(c).unwrap().agreed_with_assistant());

        // Trainee b goes elsewhere and calls it abusive: differs from the assistant.
        let differ = choice(Kind::Other, "nowhere", !c.screened_abusive);
        let d = decide_at(&db, c.id, b, &differ, t0, t0 + Duration::seconds(40)).await.unwrap();
        let cmp = d.compared(c).unwrap();
        assert_eq!(cmp.route_as_assistant, Some(false));
        assert!(!cmp.screen_as_assistant && !cmp.route_right);

        // Each sees their own; the trainer sees both.
        assert_eq!(pr::decisions(&db, desk.id, Some(a)).await.unwrap().len(), 1);
        assert_eq!(pr::decisions(&db, desk.id, None).await.unwrap().len(), 2);

        // Once per case; not for someone not enrolled.
        let twice = decide_at(&db, c.id, a, &agree, t0, t0 + Duration::seconds(300)).await;
        assert!(matches!(twice, Err(StoreError::Conflict(_))), "{twice:?}");
        let theirs = decide_at(&db, c.id, stranger, &agree, t0, t0).await;
        assert!(matches!(theirs, Err(StoreError::NotFound)), "{theirs:?}");
        assert!(pr::decisions(&db, desk.id, Some(stranger)).await.unwrap().is_empty());
        assert_eq!(pr::desks_for(&db, Some(stranger)).await.unwrap().len(), 0);
        assert_eq!(pr::desks_for(&db, Some(a)).await.unwrap().len(), 1);

        // Closed: no more decisions, and closing twice is refused.
        let mut tx = db.begin().await.unwrap();
        pr::close_desk(&mut tx, desk.id, officer, t0 + Duration::hours(1)).await.unwrap();
        tx.commit().await.unwrap();
        let late = decide_at(&db, cases[1].id, a, &agree, t0, t0 + Duration::hours(2)).await;
        assert!(matches!(late, Err(StoreError::Conflict(_))), "{late:?}");
        let mut tx = db.begin().await.unwrap();
        assert!(pr::close_desk(&mut tx, desk.id, officer, t0).await.is_err());
        drop(tx);

        // The isolation proof: a whole practice round left no trace among real petitions.
        for (table, n) in REAL.iter().zip(before) {
            assert_eq!(count(&db, table).await, n, "{table}");
        }
        assert_eq!(count(&db, "petitions").await, 0);
    }
}
