//! Programs storage stories (issue 17, items 1-3 and 10), run on SQLite and PostgreSQL.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use chrono::{DateTime, NaiveTime, TimeZone, Utc};
use domain::office::accounts::Role;
use domain::programs::{
    Audience, DayDraft, Delivery, EnrolmentState, LearningCategory, ProgramDraft, ProgramKind,
    SessionDraft,
};
use store::programs::{self as sp, EnrolRequest};
use store::testing::TestDb;
use store::{Db, StoreError};

/// 2026-05-01 09:00 in Seoul.
fn start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 5, 1, 0, 0, 0).unwrap()
}

fn program(approval: bool, capacity: i64) -> ProgramDraft {
    ProgramDraft {
        kind: ProgramKind::Healing,
        title: "민원공무원 힐링 프로그램".into(),
        title_en: "Healing program for counter staff".into(),
        description: "숲길 걷기, 핸드드립 커피".into(),
        description_en: String::new(),
        recognised_minutes: 21 * 60,
        category: LearningCategory::Workplace,
        designated: false,
        approval_required: approval,
        notify_supervisor: true,
        min_attended_percent: 80,
        feedback_required: true,
        capacity_default: capacity,
        audience: Audience::default(),
        modules: vec![domain::programs::ModuleDraft {
            day_number: 1,
            title: "숲길 걷기".into(),
            title_en: "Forest walk".into(),
            starts: NaiveTime::from_hms_opt(10, 0, 0).unwrap(),
            ends: NaiveTime::from_hms_opt(12, 0, 0).unwrap(),
            leader: "산림치유지도사".into(),
        }],
    }
}

fn day(d: &str, s: u32, e: u32) -> DayDraft {
    DayDraft {
        day: d.parse().unwrap(),
        starts: NaiveTime::from_hms_opt(s, 0, 0).unwrap(),
        ends: NaiveTime::from_hms_opt(e, 0, 0).unwrap(),
    }
}

fn session(capacity: i64) -> SessionDraft {
    SessionDraft {
        label: "1기".into(),
        delivery: Delivery::InPerson,
        venue: "자연휴양림 연수원".into(),
        capacity,
        online_link: String::new(),
        materials: String::new(),
        materials_link: String::new(),
        days: vec![
            day("2026-05-11", 9, 18),
            day("2026-05-12", 9, 18),
            day("2026-05-13", 9, 16),
        ],
    }
}

async fn count(db: &Db, sql: &str) -> i64 {
    let (n,) = store::fetch_one!(db, (i64,), sqlx::AssertSqlSafe(sql.to_string())).unwrap();
    n
}

struct World {
    db: Db,
    _t: TestDb,
    officer: i64,
    sup: i64,
    staff: Vec<i64>,
    program: i64,
    session: i64,
}

/// The office, a supervisor, a training officer and `n` officials, one program and one session.
async fn world(backend: &str, n: usize, approval: bool, capacity: i64) -> World {
    let t = TestDb::new(backend).await.unwrap();
    let db = t.db.clone();
    db.clock().set(start());
    let mut people: Vec<(String, Role)> = vec![
        ("officer".into(), Role::TrainingOfficer),
        ("boss".into(), Role::Supervisor),
    ];
    for i in 0..n {
        people.push((format!("off{i}"), Role::Official));
    }
    let refs: Vec<(&str, Role)> = people.iter().map(|(u, r)| (u.as_str(), *r)).collect();
    let (_, ids) = crate::fixtures::civil_staff(&db, &refs).await;
    let mut tx = db.begin().await.unwrap();
    let program = sp::create_program(&mut tx, &program(approval, capacity), ids[0], None, start())
        .await
        .unwrap();
    let session = sp::create_session(&mut tx, program, &session(capacity), ids[0], start())
        .await
        .unwrap();
    tx.commit().await.unwrap();
    World {
        db,
        _t: t,
        officer: ids[0],
        sup: ids[1],
        staff: ids[2..].to_vec(),
        program,
        session,
    }
}

async fn enrol(w: &World, who: i64, by: Option<i64>) -> Result<sp::Enrolment, StoreError> {
    let req = EnrolRequest {
        session: w.session,
        account: who,
        nominated_by: by,
    };
    sp::enrol(&w.db, req, start()).await
}

fn code(e: &Result<impl std::fmt::Debug, StoreError>) -> String {
    match e {
        Err(StoreError::Rule(r)) => r.code.to_string(),
        Err(StoreError::Conflict(m)) => format!("conflict: {}", m.en),
        other => format!("{other:?}"),
    }
}

async fn outbox_to(db: &Db, who: &str) -> Vec<String> {
    let rows: Vec<(String,)> = store::fetch_all!(
        db,
        (String,),
        "SELECT subject FROM outbox WHERE recipient = $1 ORDER BY id",
        format!("{who}@example.kr")
    )
    .unwrap();
    rows.into_iter().map(|r| r.0).collect()
}

store::backend_tests! {
    #[tokio::test]
    async fn a_program_and_its_sessions_are_kept_and_bad_ones_write_nothing(backend) {
        let w = world(backend, 1, false, 80).await;
        let p = sp::program(&w.db, w.program).await.unwrap();
        assert_eq!(p.recognised_minutes, 1260);
        assert_eq!(p.modules.len(), 1);
        assert_eq!(p.modules[0].starts, "10:00");
        let s = sp::session(&w.db, w.session).await.unwrap();
        assert_eq!(s.days.len(), 3);
        // 09:00 in Seoul is midnight UTC.
        assert_eq!(s.days[0].starts_at, Utc.with_ymd_and_hms(2026, 5, 11, 0, 0, 0).unwrap());
        assert_eq!(s.day_drafts()[2], day("2026-05-13", 9, 16));

        // A program without a title, a session that ends before it starts or lies in the past.
        let mut tx = w.db.begin().await.unwrap();
        let bad = ProgramDraft { title: " ".into(), ..program(false, 10) };
        let e = sp::create_program(&mut tx, &bad, w.officer, None, start()).await;
        assert_eq!(code(&e), "title_required");
        let mut reversed = session(10);
        reversed.days = vec![day("2026-05-20", 18, 9)];
        let e = sp::create_session(&mut tx, w.program, &reversed, w.officer, start()).await;
        assert_eq!(code(&e), "ends_before_start");
        let mut past = session(10);
        past.days = vec![day("2026-04-30", 9, 18)];
        let e = sp::create_session(&mut tx, w.program, &past, w.officer, start()).await;
        assert_eq!(code(&e), "day_in_past");
        drop(tx);
        assert_eq!(count(&w.db, "SELECT COUNT(*) FROM programs").await, 1);
        assert_eq!(count(&w.db, "SELECT COUNT(*) FROM program_sessions").await, 1);
        assert_eq!(count(&w.db, "SELECT COUNT(*) FROM program_session_days").await, 3);

        // Editing replaces the agenda and the audience.
        let mut tx = w.db.begin().await.unwrap();
        let edited = ProgramDraft {
            modules: vec![],
            audience: Audience { grades: vec![7, 8], ..Audience::default() },
            ..program(true, 40)
        };
        sp::update_program(&mut tx, w.program, &edited, start()).await.unwrap();
        tx.commit().await.unwrap();
        let p = sp::program(&w.db, w.program).await.unwrap();
        assert!(p.modules.is_empty() && p.approval_required);
        assert_eq!(p.audience.grades, [7, 8]);
    }

    #[tokio::test]
    async fn enrolment_follows_audience_approval_and_capacity(backend) {
        let w = world(backend, 4, true, 2).await;
        // The audience: grade 7-9 only; o3 has no grade.
        let mut tx = w.db.begin().await.unwrap();
        let edited = ProgramDraft {
            audience: Audience { grades: vec![7, 8, 9], ..Audience::default() },
            ..program(true, 2)
        };
        sp::update_program(&mut tx, w.program, &edited, start()).await.unwrap();
        for &o in &w.staff[..3] {
            sp::set_official_facts(&mut tx, o, Some(8), None).await.unwrap();
        }
        tx.commit().await.unwrap();
        assert_eq!(code(&enrol(&w, w.staff[3], None).await), "not_in_audience");

        // Self-enrolment waits for the supervisor, who is told.
        let a = enrol(&w, w.staff[0], None).await.unwrap();
        assert_eq!(a.state, EnrolmentState::Requested);
        assert!(outbox_to(&w.db, "boss").await.iter().any(|s| s.contains("approval requested")));
        // Twice: refused, nothing written.
        assert_eq!(code(&enrol(&w, w.staff[0], None).await), "already_enrolled");
        assert_eq!(count(&w.db, "SELECT COUNT(*) FROM program_enrolments").await, 1);

        // Approved: a place. A nomination needs no approval, and may go outside the audience.
        let mut tx = w.db.begin().await.unwrap();
        let a = sp::decide(&mut tx, a.id, true, w.sup, "", start()).await.unwrap();
        tx.commit().await.unwrap();
        assert_eq!(a.state, EnrolmentState::Enrolled);
        let b = enrol(&w, w.staff[3], Some(w.sup)).await.unwrap();
        assert_eq!(b.state, EnrolmentState::Enrolled);
        // Full: the next approved request waits; a decision on it twice is refused.
        let c = enrol(&w, w.staff[1], None).await.unwrap();
        let mut tx = w.db.begin().await.unwrap();
        let c = sp::decide(&mut tx, c.id, true, w.sup, "", start()).await.unwrap();
        tx.commit().await.unwrap();
        assert_eq!(c.state, EnrolmentState::Waitlisted);
        assert_eq!(c.waitlist_position, Some(1));
        let mut tx = w.db.begin().await.unwrap();
        assert_eq!(code(&sp::decide(&mut tx, c.id, true, w.sup, "", start()).await), "not_awaiting_approval");
        drop(tx);
        // A declined request cannot be asked again by its owner.
        let d = enrol(&w, w.staff[2], None).await.unwrap();
        let mut tx = w.db.begin().await.unwrap();
        sp::decide(&mut tx, d.id, false, w.sup, "업무 일정", start()).await.unwrap();
        tx.commit().await.unwrap();
        assert_eq!(code(&enrol(&w, w.staff[2], None).await), "enrolment_declined");

        // Cancelling a place promotes the head of the waitlist, who is told.
        let mut tx = w.db.begin().await.unwrap();
        let gone = sp::cancel(&mut tx, a.id, w.staff[0], start()).await.unwrap();
        tx.commit().await.unwrap();
        assert_eq!(gone.promoted, vec![c.id]);
        assert_eq!(sp::enrolment(&w.db, c.id).await.unwrap().state, EnrolmentState::Enrolled);
        assert!(outbox_to(&w.db, "off1").await.iter().any(|s| s.contains("a place is yours")));
        // Cancelling again is refused; asking again after a cancellation is allowed (waitlist).
        let mut tx = w.db.begin().await.unwrap();
        assert_eq!(code(&sp::cancel(&mut tx, a.id, w.staff[0], start()).await), "not_active");
        drop(tx);
        let again = enrol(&w, w.staff[0], None).await.unwrap();
        assert_eq!(again.state, EnrolmentState::Requested);
        let roster = sp::roster(&w.db, w.session).await.unwrap();
        assert_eq!(roster.iter().filter(|e| e.state == EnrolmentState::Enrolled).count(), 2);
    }

    #[tokio::test]
    async fn the_waitlist_orders_nominees_then_hours_short_then_arrival_and_capacity_promotes(backend) {
        let w = world(backend, 5, false, 1).await;
        let mut tx = w.db.begin().await.unwrap();
        for &o in &w.staff {
            sp::set_official_facts(&mut tx, o, Some(7), None).await.unwrap();
        }
        tx.commit().await.unwrap();
        // o2 already has 90 hours this year (an approved outside entry): 10 short, the others 100.
        let mut tx = w.db.begin().await.unwrap();
        let (ext,): (i64,) = store::fetch_one!(
            &mut tx, (i64,),
            "INSERT INTO learning_external_entries (account_id, title, category, minutes, happened_on, \
             evidence_hash, evidence_name, state, requested_at) VALUES ($1, '독서', 'self_study', 5400, \
             '2026-03-01', 'h', 'b.pdf', 'approved', $2) RETURNING id",
            w.staff[2], start()
        ).unwrap();
        store::execute!(
            &mut tx,
            "INSERT INTO learning_credits (account_id, year, category, designated, minutes, title, \
             external_id, credited_at) VALUES ($1, 2026, 'self_study', $2, 5400, '독서', $3, $4)",
            w.staff[2], false, ext, start()
        ).unwrap();
        tx.commit().await.unwrap();

        let first = enrol(&w, w.staff[0], None).await.unwrap();
        assert_eq!(first.state, EnrolmentState::Enrolled);
        let late_short = enrol(&w, w.staff[2], None).await.unwrap();
        let plain = enrol(&w, w.staff[1], None).await.unwrap();
        let nominee = enrol(&w, w.staff[3], Some(w.officer)).await.unwrap();
        let last = enrol(&w, w.staff[4], None).await.unwrap();
        assert_eq!(late_short.hours_short_minutes, 600);
        assert_eq!(plain.hours_short_minutes, 6000);
        let db = w.db.clone();
        let pos = |id| {
            let db = db.clone();
            async move { sp::enrolment(&db, id).await.unwrap().waitlist_position }
        };
        assert_eq!(pos(nominee.id).await, Some(1));
        assert_eq!(pos(plain.id).await, Some(2));
        assert_eq!(pos(last.id).await, Some(3));
        assert_eq!(pos(late_short.id).await, Some(4));

        // Raising the capacity to 3 promotes the two at the head, and tells everyone else.
        let mut tx = w.db.begin().await.unwrap();
        let change = sp::update_session(&mut tx, w.session, &session(3), start()).await.unwrap();
        tx.commit().await.unwrap();
        assert_eq!(change.promoted, vec![nominee.id, plain.id]);
        assert!(outbox_to(&w.db, "off0").await.iter().any(|s| s.contains("session changed")));
        assert_eq!(pos(last.id).await, Some(1));

        // Cancelling the session tells everyone still holding or waiting; no more enrolment.
        let mut tx = w.db.begin().await.unwrap();
        assert_eq!(code(&sp::cancel_session(&mut tx, w.session, " ", start()).await), "reason_required");
        drop(tx);
        let mut tx = w.db.begin().await.unwrap();
        let told = sp::cancel_session(&mut tx, w.session, "강사 사정", start()).await.unwrap();
        tx.commit().await.unwrap();
        assert_eq!(told, 5);
        assert!(outbox_to(&w.db, "off4").await.iter().any(|s| s.contains("session cancelled")));
        let e = enrol(&w, w.staff[0], None).await;
        assert!(code(&e).contains("cancelled"), "{e:?}");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn two_hundred_at_once_for_twenty_places_give_exactly_twenty(backend) {
        let w = world(backend, 200, false, 20).await;
        let mut tasks = Vec::new();
        for &o in &w.staff {
            let db = w.db.clone();
            let session = w.session;
            tasks.push(tokio::spawn(async move {
                let req = EnrolRequest { session, account: o, nominated_by: None };
                db.clock().scope(sp::enrol(&db, req, start())).await
            }));
        }
        for t in tasks {
            t.await.unwrap().unwrap();
        }
        let roster = sp::roster(&w.db, w.session).await.unwrap();
        let enrolled: Vec<_> = roster.iter().filter(|e| e.state == EnrolmentState::Enrolled).collect();
        let waiting: Vec<_> = roster.iter().filter(|e| e.state == EnrolmentState::Waitlisted).collect();
        assert_eq!(enrolled.len(), 20);
        assert_eq!(waiting.len(), 180);
        // Places went to the first twenty arrivals; the waitlist follows arrival, 1..180.
        let max_enrolled = enrolled.iter().map(|e| e.arrival).max().unwrap();
        assert!(waiting.iter().all(|e| e.arrival > max_enrolled));
        let positions: Vec<i64> = waiting.iter().map(|e| e.waitlist_position.unwrap()).collect();
        assert_eq!(positions, (1..=180).collect::<Vec<_>>());
        assert!(waiting.windows(2).all(|p| p[0].arrival < p[1].arrival));
    }

    #[tokio::test]
    async fn calendar_tokens_renew_and_reminders_go_once(backend) {
        let w = world(backend, 2, false, 5).await;
        let a = enrol(&w, w.staff[0], Some(w.sup)).await.unwrap();
        enrol(&w, w.staff[1], None).await.unwrap();
        let mut tx = w.db.begin().await.unwrap();
        let old = sp::renew_calendar_token(&mut tx, w.staff[0], start()).await.unwrap();
        tx.commit().await.unwrap();
        assert_eq!(sp::calendar_owner(&w.db, &old).await.unwrap(), Some(w.staff[0]));
        let mut tx = w.db.begin().await.unwrap();
        let new = sp::renew_calendar_token(&mut tx, w.staff[0], start()).await.unwrap();
        tx.commit().await.unwrap();
        assert_eq!(sp::calendar_owner(&w.db, &old).await.unwrap(), None);
        assert_eq!(sp::calendar_owner(&w.db, &new).await.unwrap(), Some(w.staff[0]));
        assert_eq!(sp::feed_for_account(&w.db, w.staff[0]).await.unwrap().len(), 3);
        assert_eq!(sp::feed_for_program(&w.db, w.program).await.unwrap().len(), 3);

        // The eve of the first day (2026-05-10, 20:00 in Seoul): both told, once.
        let eve = Utc.with_ymd_and_hms(2026, 5, 10, 11, 0, 0).unwrap();
        assert_eq!(sp::queue_reminders(&w.db, eve).await.unwrap(), 2);
        assert_eq!(sp::queue_reminders(&w.db, eve).await.unwrap(), 0);
        // 06:00 on the day: nothing yet; 07:30: the morning reminder.
        let six = Utc.with_ymd_and_hms(2026, 5, 10, 21, 0, 0).unwrap();
        assert_eq!(sp::queue_reminders(&w.db, six).await.unwrap(), 0);
        let half_seven = Utc.with_ymd_and_hms(2026, 5, 10, 22, 30, 0).unwrap();
        // The morning reminder of day one and the eve reminder of day two.
        assert_eq!(sp::queue_reminders(&w.db, half_seven).await.unwrap(), 4);
        assert!(outbox_to(&w.db, "off0").await.iter().any(|s| s.contains("(today)")));

        // The day's attendance closed with nobody recorded: the nominee's supervisor hears,
        // once; the self-enrolled person's does not.
        let (day1,): (i64,) = store::fetch_one!(
            &w.db, (i64,),
            "SELECT id FROM program_session_days WHERE session_id = $1 ORDER BY day LIMIT 1",
            w.session
        ).unwrap();
        store::execute!(
            &w.db,
            "UPDATE program_session_days SET attendance_closed_at = $1 WHERE id = $2",
            half_seven, day1
        ).unwrap();
        let evening = Utc.with_ymd_and_hms(2026, 5, 11, 10, 0, 0).unwrap();
        let before = outbox_to(&w.db, "boss").await.len();
        sp::queue_reminders(&w.db, evening).await.unwrap();
        let sup = outbox_to(&w.db, "boss").await;
        assert_eq!(sup.len(), before + 1);
        assert!(sup.last().unwrap().contains("off0"));
        sp::queue_reminders(&w.db, evening).await.unwrap();
        assert_eq!(outbox_to(&w.db, "boss").await.len(), before + 1);
        let _ = a;
    }
}
