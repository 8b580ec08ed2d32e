//! Healing programs and wellbeing (issue 17, item 8) through the API and the pages, per role:
//! the organiser switches before and after on (a training session is refused), participants
//! take the ordinary check for a phase, the organiser sees only the group's change from ten
//! pairs — and nobody (organiser, supervisor, another official, counsellor, administrator)
//! reads a person's scores through programs; a referral placed by the counsellor is an ordinary
//! enrolment, with nothing in the roster, the messages or the access log that says why.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::common;

use chrono::{DateTime, Duration, TimeZone, Utc};
use common::*;
use domain::office::accounts::Role;
use serde_json::{Value, json};
use store::{execute, fetch_all, fetch_one};

/// 1 June 2026, 09:00 in Seoul; the session runs 10–11 June.
fn now0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 6, 1, 0, 0, 0).unwrap()
}

fn first_day() -> DateTime<Utc> {
    now0() + Duration::days(9)
}

/// The last day's end: 11 June 18:00 in Seoul.
fn last_end() -> DateTime<Utc> {
    first_day() + Duration::days(1) + Duration::hours(9)
}

/// A program of `kind` with a two-day session starting on the first day; the given people
/// enrolled. Answers the session.
async fn session_of(s: &Server, kind: &str, people: &[&str]) -> i64 {
    let db = &s.state.db;
    let (program,): (i64,) = fetch_one!(
        db,
        _,
        "INSERT INTO programs (kind, title, title_en, recognised_minutes, category, created_at, updated_at) \
         VALUES ($1, '마음 쉼표 힐링', 'Pause for the mind', 960, 'workplace', $2, $2) RETURNING id",
        kind,
        now0()
    )
    .unwrap();
    let (session,): (i64,) = fetch_one!(
        db,
        _,
        "INSERT INTO program_sessions (program_id, label, delivery, venue, capacity, checkin_secret, created_at, updated_at) \
         VALUES ($1, '1기', 'in_person', '휴양림', 40, 'secret', $2, $2) RETURNING id",
        program,
        now0()
    )
    .unwrap();
    for d in 0..2 {
        let starts = first_day() + Duration::days(d);
        execute!(
            db,
            "INSERT INTO program_session_days (session_id, day, starts_at, ends_at) VALUES ($1, $2, $3, $4)",
            session,
            calendar::to_seoul(starts).date_naive(),
            starts,
            starts + Duration::hours(9)
        )
        .unwrap();
    }
    for (i, who) in people.iter().enumerate() {
        execute!(
            db,
            "INSERT INTO program_enrolments (session_id, account_id, state, origin, arrival, requested_at, updated_at) \
             SELECT $1, id, 'enrolled', 'self', $2, $3, $3 FROM accounts WHERE username = $4",
            session,
            i as i64 + 1,
            now0(),
            *who
        )
        .unwrap();
    }
    session
}

/// Take the whole battery for `phase` through the API, every answer at option `level`.
async fn take(a: &Api<'_>, session: i64, phase: &str, level: usize) -> i64 {
    let (st, started) = a
        .post(
            &format!("/api/v1/programs/sessions/{session}/self-check/{phase}"),
            json!({}),
        )
        .await;
    assert_eq!(st, 201, "{started}");
    let check = started["check_id"].as_i64().unwrap();
    let battery = domain::wellbeing::battery().unwrap();
    for i in &battery.instruments {
        let answers: Vec<i64> = i
            .items
            .iter()
            .map(|item| {
                let mut v: Vec<i64> = i.option_sets[&item.options]
                    .iter()
                    .map(|o| o.value)
                    .collect();
                v.sort_unstable();
                // PHQ-9's item 9 stays at 0: no crisis gate in this story.
                if i.id == "phq9" && item.number == 9 {
                    0
                } else {
                    v[level.min(v.len() - 1)]
                }
            })
            .collect();
        let (st, body) = a
            .post(
                &format!("/api/v1/wellbeing/checks/{check}/responses"),
                json!({"instrument": i.id, "answers": answers}),
            )
            .await;
        assert_eq!(st, 201, "{body}");
    }
    check
}

async fn consent(a: &Api<'_>) {
    let (st, body) = a
        .post("/api/v1/wellbeing/consent", json!({"agree": true}))
        .await;
    assert!(st == 200 || st == 201 || st == 204, "{st} {body}");
}

const ROLES: [&str; 5] = ["officer", "sup", "lee", "counsel", "admin"];

store::backend_tests! {
    #[tokio::test]
    async fn before_and_after_shows_only_the_group_change_to_the_organiser(backend) {
        let s = start_unlimited(backend).await;
        let clock = s.state.db.clock().clone();
        clock.set(now0());
        add_staff(&s, &[("officer", Role::TrainingOfficer, s.ids.office)], "010-2222-3333").await;
        let mut people: Vec<String> = (0..10).map(|i| format!("part{i}")).collect();
        for p in &people {
            add_staff(&s, &[(p.as_str(), Role::Official, s.ids.team)], "010-3333-4444").await;
        }
        people.push("kim".into());
        let names: Vec<&str> = people.iter().map(String::as_str).collect();
        let healing = session_of(&s, "healing", &names).await;
        let training = session_of(&s, "training", &names).await;

        // Bad input: a training session is refused in both languages, and stays off.
        let officer = api(&s, "officer").await;
        let (st, e) = officer.put(&format!("/api/v1/programs/sessions/{training}/self-check"), json!({"before_after": true})).await;
        assert_eq!((st, e["code"].as_str()), (400, Some("not_healing")));
        bilingual(&e);
        let officer_page = browser(&s, "officer").await;
        let (st, page, _) = officer_page.post(&format!("/programs/sessions/{training}/self-check?lang=en"), &[("before_after", "on")]).await;
        assert_eq!(st, 400);
        assert!(page.contains("for healing programs only"), "{page}");
        let (_, off) = officer.get(&format!("/api/v1/programs/sessions/{training}/self-check")).await;
        assert_eq!(off["before_after"], false);

        // The organiser switches on: all eleven are told.
        let (st, on) = officer.put(&format!("/api/v1/programs/sessions/{healing}/self-check"), json!({"before_after": true})).await;
        assert_eq!((st, on["told"].as_u64()), (200, Some(11)), "{on}");
        let (st, page, _) = officer_page.get(&format!("/programs/sessions/{healing}/self-check")).await;
        assert_eq!(st, 200);
        assert!(page.contains("group-too-few") && page.contains("10명 미만"), "{page}");

        // kim sees the offer; without consent the check is not started.
        let kim_page = browser(&s, "kim").await;
        let (_, home, _) = kim_page.get("/programs?lang=en").await;
        assert!(home.contains("Self-check before") && home.contains("Take the self-check"), "{home}");
        let (st, _, to) = kim_page.post(&format!("/programs/sessions/{healing}/self-check/pre/start"), &[]).await;
        assert_eq!((st, to.as_deref()), (303, Some("/wellbeing/consent")));
        // After, not yet: a clear answer on the programs page, nothing started.
        let kim = api(&s, "kim").await;
        consent(&kim).await;
        let (st, page, _) = kim_page.post(&format!("/programs/sessions/{healing}/self-check/post/start?lang=en"), &[]).await;
        assert_eq!(st, 400);
        assert!(page.contains("the check after is offered only in the 14 days"), "{page}");
        let (_, checks) = kim.get("/api/v1/wellbeing/checks").await;
        assert_eq!(checks.as_array().unwrap().len(), 0);

        // Everyone takes the check before; ten and kim after, better.
        let mut kim_check = 0;
        for p in &people {
            let a = api(&s, p).await;
            if p != "kim" { consent(&a).await; }
            let id = take(&a, healing, "pre", 2).await;
            if p == "kim" { kim_check = id; }
        }
        // Twice: refused.
        let (st, e) = kim.post(&format!("/api/v1/programs/sessions/{healing}/self-check/pre"), json!({})).await;
        assert_eq!(st, 409);
        bilingual(&e);
        clock.set(last_end() + Duration::days(2));
        for p in &people {
            take(&api(&s, p).await, healing, "post", 1).await;
        }
        // Eleven pairs, but the window is open: nothing yet.
        let (_, v) = officer.get(&format!("/api/v1/programs/sessions/{healing}/self-check")).await;
        assert_eq!(v["group"]["status"], "waiting", "{v}");
        clock.set(last_end() + Duration::days(15));
        let (_, v) = officer.get(&format!("/api/v1/programs/sessions/{healing}/self-check")).await;
        assert_eq!(v["group"]["status"], "shown", "{v}");
        let phq = v["group"]["rows"].as_array().unwrap().iter().find(|r| r["instrument"] == "phq9").unwrap().clone();
        // Eight items at 2 then at 1 (item 9 at 0): 16 → 8.
        assert_eq!(phq["means"], json!({"pairs": 11, "before": 16.0, "after": 8.0, "change": -8.0}));
        let text = v.to_string();
        for word in ["account", "check_id", "answers", "band", "min", "max", "kim"] {
            assert!(!text.contains(word), "{word} in {text}");
        }
        // (A fresh sign-in: the clock moved past the first session's lifetime.)
        let (_, page, _) = browser(&s, "officer").await.get(&format!("/programs/sessions/{healing}/self-check?lang=en")).await;
        assert!(page.contains("id=\"group-change\"") && page.contains("−8.0") && !page.contains("kim 이름"), "{page}");

        // Nobody reads a person's scores through programs, on the pages or the API.
        for role in ROLES {
            let a = api(&s, role).await;
            let b = browser(&s, role).await;
            let (st, _) = a.get(&format!("/api/v1/wellbeing/checks/{kim_check}")).await;
            assert_eq!(st, 403, "{role} reads kim's check");
            let (st, _, _) = b.get(&format!("/wellbeing/checks/{kim_check}")).await;
            assert_eq!(st, 403, "{role} opens kim's result");
            let (st, v) = a.get(&format!("/api/v1/programs/sessions/{healing}/self-check")).await;
            let (pst, page, _) = b.get(&format!("/programs/sessions/{healing}/self-check")).await;
            if role == "officer" {
                assert_eq!((st, pst), (200, 200));
            } else {
                assert_eq!((st, pst), (403, 403), "{role}: {v}");
                assert!(!page.contains("group-change"), "{role}");
            }
            let (st, roster) = a.get(&format!("/api/v1/programs/sessions/{healing}/roster")).await;
            if st == 200 {
                let t = roster.to_string();
                assert!(!t.contains("phq") && !t.contains("score") && !t.contains("check"), "{role}: {t}");
            }
            let (_, page, _) = b.get(&format!("/programs/office/sessions/{healing}")).await;
            assert!(!page.contains("우울") && !page.contains("PHQ"), "{role}");
        }

        // Whoever deletes their wellbeing data drops out: ten pairs still show, then nine do not.
        let (st, _) = kim.delete("/api/v1/wellbeing/me").await;
        assert!(st == 200 || st == 204, "{st}");
        let (_, v) = officer.get(&format!("/api/v1/programs/sessions/{healing}/self-check")).await;
        let phq = v["group"]["rows"].as_array().unwrap().iter().find(|r| r["instrument"] == "phq9").unwrap().clone();
        assert_eq!(phq["means"]["pairs"], 10);
        let (st, _) = api(&s, "part0").await.delete("/api/v1/wellbeing/me").await;
        assert!(st == 200 || st == 204);
        let (_, v) = officer.get(&format!("/api/v1/programs/sessions/{healing}/self-check")).await;
        assert_eq!(v["group"], json!({"status": "too_few"}));
    }

    #[tokio::test]
    async fn a_referral_placed_by_the_counsellor_is_an_ordinary_enrolment(backend) {
        let s = start_unlimited(backend).await;
        s.state.db.clock().set(now0());
        add_staff(&s, &[("officer", Role::TrainingOfficer, s.ids.office)], "010-2222-3333").await;
        let healing = session_of(&s, "healing", &[]).await;
        let training = session_of(&s, "training", &[]).await;
        // lee enrols himself, the ordinary way.
        let lee = api(&s, "lee").await;
        let (st, _) = lee.post(&format!("/api/v1/programs/sessions/{healing}/enrolments"), json!({})).await;
        assert_eq!(st, 201);

        let kim = api(&s, "kim").await;
        consent(&kim).await;
        let (st, r) = kim.post("/api/v1/wellbeing/referrals", json!({"kind": "healing_program", "message": "쉬고 싶어요"})).await;
        assert_eq!(st, 201, "{r}");
        let referral = r["id"].as_i64().unwrap();
        let counsel = api(&s, "counsel").await;
        let place = |session: i64| json!({"session_id": session});
        let path = format!("/api/v1/wellbeing/referrals/{referral}/placement");
        // Not before the counsellor acknowledges it; never by anyone else.
        let (st, e) = counsel.post(&path, place(healing)).await;
        assert_eq!((st, e["code"].as_str()), (409, Some("referral_not_accepted")));
        bilingual(&e);
        for role in ["officer", "sup", "lee", "admin"] {
            let (st, _) = api(&s, role).await.post(&path, place(healing)).await;
            assert_eq!(st, 403, "{role} places kim");
        }
        let (st, _) = counsel.post(&format!("/api/v1/wellbeing/referrals/{referral}/status"), json!({"status": "acknowledged"})).await;
        assert!(st == 200 || st == 204, "{st}");
        let (st, e) = counsel.post(&path, place(training)).await;
        assert_eq!((st, e["code"].as_str()), (400, Some("not_healing")));
        let seq_before: (i64,) = fetch_one!(&s.state.db, _, "SELECT COALESCE(MAX(seq), 0) FROM audit_log").unwrap();
        let outbox_before: (i64,) = fetch_one!(&s.state.db, _, "SELECT COALESCE(MAX(id), 0) FROM outbox").unwrap();
        let (st, e) = counsel.post(&path, place(healing)).await;
        assert_eq!((st, e["state"].as_str()), (201, Some("enrolled")), "{e}");
        let (st, e) = counsel.post(&path, place(healing)).await;
        assert_eq!(st, 409);
        bilingual(&e);

        // The organiser's roster: kim's place looks exactly like lee's.
        let (_, roster) = api(&s, "officer").await.get(&format!("/api/v1/programs/sessions/{healing}/roster")).await;
        let rows = roster.as_array().unwrap();
        let shape = |r: &Value| (r["origin"].clone(), r["nominated_by_name"].clone(), r["decision_note"].clone(), r["state"].clone());
        assert_eq!(rows.len(), 2);
        assert_eq!(shape(&rows[0]), shape(&rows[1]));
        // The log holds one entry, as a self-enrolment's; the messages say nothing of why.
        let log: Vec<(String, String, String)> = fetch_all!(&s.state.db, _, "SELECT subject, action, reason FROM audit_log WHERE seq > $1", seq_before.0).unwrap();
        assert_eq!(log.len(), 1, "{log:?}");
        assert_eq!((log[0].1.as_str(), log[0].2.clone()), ("programs.enrol", format!("session:{healing}")));
        let lee_log: Vec<(String, String)> = fetch_all!(&s.state.db, _, "SELECT action, reason FROM audit_log WHERE action = 'programs.enrol' ORDER BY seq").unwrap();
        assert_eq!(lee_log[0], lee_log[1]);
        let texts: Vec<(String, String)> = fetch_all!(&s.state.db, _, "SELECT subject, body FROM outbox WHERE id > $1", outbox_before.0).unwrap();
        assert!(!texts.is_empty());
        for (subject, body) in texts {
            let t = format!("{subject} {body}").to_lowercase();
            assert!(!t.contains("wellbeing") && !t.contains("referral") && !t.contains("상담") && !t.contains("마음건강"), "{t}");
        }
        // Only the wellbeing side knows: the counsellor's page says where kim was placed.
        let (_, page, _) = browser(&s, "counsel").await.get("/wellbeing/counsellor").await;
        assert!(page.contains("배정함") && page.contains("마음 쉼표 힐링 1기"), "{page}");
    }
}
