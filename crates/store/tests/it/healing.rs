//! Healing programs and wellbeing storage stories (issue 17, item 8), on SQLite and PostgreSQL:
//! the switch, the offers told once, a linked check in and out of its window, the group's
//! change only from ten pairs and only after the window, deletion dropping a person out, and a
//! referral placed as an ordinary enrolment.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use chrono::{DateTime, NaiveTime, TimeZone, Utc};
use domain::office::accounts::Role;
use domain::programs::healing::{GroupChange, Phase};
use domain::programs::{
    Audience, DayDraft, Delivery, EnrolmentOrigin, EnrolmentState, LearningCategory, ProgramDraft,
    ProgramKind, SessionDraft,
};
use domain::wellbeing::{ReferralKind, battery};
use store::programs::healing as sh;
use store::programs::{self as sp, EnrolRequest};
use store::testing::TestDb;
use store::wellbeing as sw;
use store::{Db, StoreError};

/// 2026-05-01 09:00 in Seoul; the session runs 11–13 May, its after-window closes 27 May 16:00.
fn start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 5, 1, 0, 0, 0).unwrap()
}

fn may(d: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 5, d, 3, 0, 0).unwrap()
}

fn draft(kind: ProgramKind) -> ProgramDraft {
    ProgramDraft {
        kind,
        title: "민원공무원 힐링 프로그램".into(),
        title_en: "Healing program".into(),
        description: String::new(),
        description_en: String::new(),
        recognised_minutes: 21 * 60,
        category: LearningCategory::Workplace,
        designated: false,
        approval_required: false,
        notify_supervisor: false,
        min_attended_percent: 80,
        feedback_required: false,
        capacity_default: 40,
        audience: Audience::default(),
        modules: vec![],
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

struct World {
    db: Db,
    _t: TestDb,
    staff: Vec<i64>,
    session: i64,
    training: i64,
}

/// A training officer, `n` officials enrolled in a healing session of `capacity`, and a
/// training program's session.
async fn world(backend: &str, n: usize, capacity: i64) -> World {
    let t = TestDb::new(backend).await.unwrap();
    let db = t.db.clone();
    db.clock().set(start());
    let mut people: Vec<(String, Role)> = vec![("officer".into(), Role::TrainingOfficer)];
    for i in 0..n {
        people.push((format!("off{i}"), Role::Official));
    }
    let refs: Vec<(&str, Role)> = people.iter().map(|(u, r)| (u.as_str(), *r)).collect();
    let (_, ids) = crate::fixtures::civil_staff(&db, &refs).await;
    let mut tx = db.begin().await.unwrap();
    let healing = sp::create_program(&mut tx, &draft(ProgramKind::Healing), ids[0], None, start())
        .await
        .unwrap();
    let s = sp::create_session(&mut tx, healing, &session(capacity), ids[0], start())
        .await
        .unwrap();
    let training = sp::create_program(
        &mut tx,
        &draft(ProgramKind::Training),
        ids[0],
        None,
        start(),
    )
    .await
    .unwrap();
    let training = sp::create_session(&mut tx, training, &session(40), ids[0], start())
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let staff = ids[1..].to_vec();
    for &who in staff.iter().take(capacity as usize) {
        let req = EnrolRequest {
            session: s,
            account: who,
            nominated_by: None,
        };
        sp::enrol(&db, req, start()).await.unwrap();
    }
    World {
        db,
        _t: t,
        staff,
        session: s,
        training,
    }
}

fn code(e: &Result<impl std::fmt::Debug, StoreError>) -> String {
    match e {
        Err(StoreError::Rule(r)) => r.code.to_string(),
        Err(StoreError::Conflict(m)) => format!("conflict: {}", m.en),
        other => format!("{other:?}"),
    }
}

async fn count(db: &Db, sql: &str) -> i64 {
    let (n,) = store::fetch_one!(db, (i64,), sqlx::AssertSqlSafe(sql.to_string())).unwrap();
    n
}

async fn switch(w: &World, session: i64, on: bool, at: DateTime<Utc>) -> Result<u64, StoreError> {
    let mut tx = w.db.begin().await?;
    let n = sh::set_before_after(&mut tx, session, on, at).await?;
    tx.commit().await?;
    Ok(n)
}

async fn consent(w: &World, who: i64) {
    let mut tx = w.db.begin().await.unwrap();
    sw::give_consent(&mut tx, who, start()).await.unwrap();
    tx.commit().await.unwrap();
}

/// Take the whole battery for a phase, every answer at option `level` (0 = the mildest).
async fn take(
    w: &World,
    who: i64,
    phase: Phase,
    level: usize,
    at: DateTime<Utc>,
) -> Result<i64, StoreError> {
    let b = battery().unwrap();
    let mut tx = w.db.begin().await?;
    let (check, _) = sh::start_linked(&mut tx, who, None, w.session, phase, at).await?;
    for i in &b.instruments {
        let answers: Vec<Option<i64>> = i
            .items
            .iter()
            .map(|item| {
                let mut v: Vec<i64> = i.option_sets[&item.options]
                    .iter()
                    .map(|o| o.value)
                    .collect();
                v.sort_unstable();
                Some(v[level.min(v.len() - 1)])
            })
            .collect();
        sw::submit(&mut tx, check, b, &i.id, &answers, at).await?;
    }
    tx.commit().await?;
    Ok(check)
}

async fn change(w: &World, at: DateTime<Utc>) -> GroupChange {
    sh::group_change(&w.db, w.session, battery().unwrap(), at)
        .await
        .unwrap()
}

fn phq(g: &GroupChange) -> Option<(i64, f64, f64, f64)> {
    let GroupChange::Shown { rows } = g else {
        return None;
    };
    let m = rows
        .iter()
        .find(|r| r.instrument == "phq9")?
        .means
        .clone()?;
    Some((m.pairs, m.before, m.after, m.change))
}

store::backend_tests! {
    #[tokio::test]
    async fn only_a_healing_session_switches_on_and_each_participant_is_told_once(backend) {
        let w = world(backend, 3, 40).await;
        assert_eq!(switch(&w, w.session, true, start()).await.unwrap(), 3);
        assert_eq!(switch(&w, w.session, true, start()).await.unwrap(), 0);
        let (subject,): (String,) = store::fetch_one!(&w.db, (String,),
            "SELECT subject FROM outbox WHERE recipient = 'off0@example.kr' ORDER BY id DESC").unwrap();
        assert!(subject.contains("자가점검(사전)"), "{subject}");
        assert!(sh::facts(&w.db, w.session).await.unwrap().before_after);

        // A training session is refused and stays off.
        assert_eq!(code(&switch(&w, w.training, true, start()).await), "not_healing");
        assert!(!sh::facts(&w.db, w.training).await.unwrap().before_after);

        // The job tells nobody twice, and tells them again when the after-window opens.
        assert_eq!(sh::queue_offers(&w.db, start()).await.unwrap(), 0);
        assert_eq!(sh::queue_offers(&w.db, may(12)).await.unwrap(), 0);
        assert_eq!(sh::queue_offers(&w.db, may(14)).await.unwrap(), 3);
        assert_eq!(sh::queue_offers(&w.db, may(15)).await.unwrap(), 0);

        // A cancelled session cannot be switched.
        let mut tx = w.db.begin().await.unwrap();
        sp::cancel_session(&mut tx, w.session, "우천", start()).await.unwrap();
        tx.commit().await.unwrap();
        assert_eq!(code(&switch(&w, w.session, false, start()).await), "session_cancelled");
    }

    #[tokio::test]
    async fn a_check_is_taken_only_in_its_window_by_a_participant_once(backend) {
        let w = world(backend, 2, 1).await;
        let (inside, outside) = (w.staff[0], w.staff[1]);
        consent(&w, inside).await;
        consent(&w, outside).await;
        // Not switched on yet.
        assert_eq!(code(&take(&w, inside, Phase::Pre, 1, start()).await), "not_offered");
        switch(&w, w.session, true, start()).await.unwrap();
        // The second official only waits for a place.
        assert_eq!(code(&take(&w, outside, Phase::Pre, 1, start()).await), "not_enrolled");
        // After, offered only once the last day is over.
        assert_eq!(code(&take(&w, inside, Phase::Post, 1, may(5)).await), "outside_window");
        let offers = sh::offers_for(&w.db, inside, may(5)).await.unwrap();
        assert_eq!((offers.len(), offers[0].phase, offers[0].completed), (1, Phase::Pre, false));
        take(&w, inside, Phase::Pre, 1, may(5)).await.unwrap();
        assert!(sh::offers_for(&w.db, inside, may(5)).await.unwrap()[0].completed);
        assert_eq!(
            code(&take(&w, inside, Phase::Pre, 1, may(6)).await),
            "conflict: you have already taken this check for this session"
        );
        // During the session nothing is offered; before closes at the first start.
        assert!(sh::offers_for(&w.db, inside, may(12)).await.unwrap().is_empty());
        assert_eq!(code(&take(&w, inside, Phase::Pre, 1, may(11)).await), "outside_window");
        assert_eq!(code(&take(&w, inside, Phase::Post, 1, may(28)).await), "outside_window");
        // Nothing half-written: one check, one link.
        assert_eq!(count(&w.db, "SELECT COUNT(*) FROM wellbeing_checks").await, 1);
        assert_eq!(count(&w.db, "SELECT COUNT(*) FROM wellbeing_program_checks").await, 1);
        // Without consent, no check.
        let mut tx = w.db.begin().await.unwrap();
        sw::withdraw_consent(&mut tx, inside, start()).await.unwrap();
        tx.commit().await.unwrap();
        assert_eq!(code(&take(&w, inside, Phase::Post, 1, may(14)).await), "consent_required");
    }

    #[tokio::test]
    async fn the_group_change_shows_from_ten_pairs_after_the_window_and_loses_whoever_deletes(backend) {
        let w = world(backend, 12, 40).await;
        switch(&w, w.session, true, start()).await.unwrap();
        for (n, &who) in w.staff.iter().enumerate() {
            consent(&w, who).await;
            take(&w, who, Phase::Pre, 2, may(5)).await.unwrap();
            // Ten take the check after too, a little better; one is worse; one never does.
            match n {
                0..=9 => { take(&w, who, Phase::Post, 1, may(15)).await.unwrap(); }
                10 => { take(&w, who, Phase::Post, 3, may(15)).await.unwrap(); }
                _ => {}
            }
        }
        // Eleven pairs, but the after-window is open until 27 May.
        assert!(matches!(change(&w, may(20)).await, GroupChange::Waiting { .. }));
        let g = change(&w, may(28)).await;
        // PHQ-9: nine items, before all 2 (18); after all 1 (9) for ten, all 3 (27) for one.
        let (pairs, before, after, delta) = phq(&g).unwrap();
        assert_eq!((pairs, before), (11, 18.0));
        assert_eq!(after, ((10.0 * 9.0 + 27.0) / 11.0 * 10.0_f64).round() / 10.0);
        assert_eq!(delta, ((after - before) * 10.0).round() / 10.0);
        // The one who never took it starts inside the window but finishes after it closed: the
        // figures stay as they were.
        let late = w.staff[11];
        let b = battery().unwrap();
        let mut tx = w.db.begin().await.unwrap();
        let (check, _) = sh::start_linked(&mut tx, late, None, w.session, Phase::Post, may(26)).await.unwrap();
        tx.commit().await.unwrap();
        let mut tx = w.db.begin().await.unwrap();
        for i in &b.instruments {
            let answers: Vec<Option<i64>> = i.items.iter().map(|_| Some(0)).collect();
            if i.id == "cbi_client" { continue; }
            sw::submit(&mut tx, check, b, &i.id, &answers, may(28)).await.unwrap();
        }
        let cbi = b.get("cbi_client").unwrap();
        let answers: Vec<Option<i64>> = cbi.items.iter().map(|_| Some(0)).collect();
        assert!(sw::submit(&mut tx, check, b, "cbi_client", &answers, may(28)).await.unwrap().completed);
        tx.commit().await.unwrap();
        assert_eq!(phq(&change(&w, may(29)).await), phq(&g));
        // Deleting a check or all one's data drops out of the aggregate: ten, then nine.
        let mut tx = w.db.begin().await.unwrap();
        sw::delete_all(&mut tx, w.staff[10]).await.unwrap();
        tx.commit().await.unwrap();
        assert_eq!(phq(&change(&w, may(28)).await).unwrap(), (10, 18.0, 9.0, -9.0));
        let post: (i64,) = store::fetch_one!(&w.db, (i64,),
            "SELECT check_id FROM wellbeing_program_checks WHERE account_id = $1 AND phase = 'post'", w.staff[0]).unwrap();
        let mut tx = w.db.begin().await.unwrap();
        sw::delete_check(&mut tx, post.0).await.unwrap();
        tx.commit().await.unwrap();
        assert_eq!(change(&w, may(28)).await, GroupChange::TooFew);
        assert_eq!(count(&w.db, "SELECT COUNT(*) FROM wellbeing_program_checks").await, 21);
    }

    #[tokio::test]
    async fn a_referral_is_placed_as_an_ordinary_enrolment_once(backend) {
        let w = world(backend, 3, 1).await;
        let who = w.staff[2];
        let mut tx = w.db.begin().await.unwrap();
        let r = sw::create_referral(&mut tx, who, ReferralKind::HealingProgram, None, "쉬고 싶습니다", start()).await.unwrap();
        let counselling = sw::create_referral(&mut tx, who, ReferralKind::Counselling, None, "", start()).await.unwrap();
        tx.commit().await.unwrap();
        let person = sp::person(&w.db, who).await.unwrap();
        let place = async |referral, session| {
            let mut tx = w.db.begin().await?;
            let e = sh::place_referral(&mut tx, referral, session, &person, 0, start()).await?;
            tx.commit().await?;
            Ok::<_, StoreError>(e)
        };
        assert_eq!(code(&place(counselling, w.session).await), "not_healing_referral");
        assert_eq!(code(&place(r, w.training).await), "not_healing");
        // The session is full (one place): waitlisted like anyone, by their own request.
        let e = place(r, w.session).await.unwrap();
        assert_eq!((e.state, e.origin, e.nominated_by_name.clone()), (EnrolmentState::Waitlisted, EnrolmentOrigin::SelfEnrolled, None));
        assert_eq!(sw::get_referral(&w.db, r).await.unwrap().placed_session_id, Some(w.session));
        assert_eq!(code(&place(r, w.session).await), "conflict: this referral is already placed in a session");
        // Nothing the organiser or the outbox holds says where it came from.
        let texts: Vec<(String, String)> = store::fetch_all!(&w.db, (String, String), "SELECT subject, body FROM outbox").unwrap();
        assert!(texts.iter().all(|(s, b)| !format!("{s}{b}").contains("상담") && !format!("{s}{b}").to_lowercase().contains("referral") && !format!("{s}{b}").to_lowercase().contains("wellbeing")));
        let roster = sp::roster(&w.db, w.session).await.unwrap();
        let mine = roster.iter().find(|e| e.account_id == who).unwrap();
        assert_eq!((mine.origin, mine.decision_note.as_str()), (EnrolmentOrigin::SelfEnrolled, ""));

        // A second request: a cancelled or begun session is refused, nothing written.
        let mut tx = w.db.begin().await.unwrap();
        let again = sw::create_referral(&mut tx, w.staff[1], ReferralKind::HealingProgram, None, "", start()).await.unwrap();
        tx.commit().await.unwrap();
        let other = sp::person(&w.db, w.staff[1]).await.unwrap();
        let mut tx = w.db.begin().await.unwrap();
        let begun = sh::place_referral(&mut tx, again, w.session, &other, 0, may(12)).await;
        assert_eq!(code(&begun), "session_started");
        drop(tx);
        let mut tx = w.db.begin().await.unwrap();
        sp::cancel_session(&mut tx, w.session, "강사 사정", start()).await.unwrap();
        tx.commit().await.unwrap();
        let mut tx = w.db.begin().await.unwrap();
        let cancelled = sh::place_referral(&mut tx, again, w.session, &other, 0, start()).await;
        assert_eq!(code(&cancelled), "conflict: this session has been cancelled");
        drop(tx);
        assert_eq!(sw::get_referral(&w.db, again).await.unwrap().placed_session_id, None);
        assert_eq!(count(&w.db, &format!("SELECT COUNT(*) FROM program_enrolments WHERE account_id = {}", w.staff[1])).await, 0);
    }
}
