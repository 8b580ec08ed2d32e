//! The practice desk (issue 17 item 9) through the pages, per role: the trainer opens it and
//! sees everyone's work beside the assistant; a trainee works their own cases and sees nobody
//! else's; another official, a supervisor and a resident see nothing. Bad input is answered
//! beside the field with everything typed kept, and no practice case is ever a petition. The
//! JSON API answers the same roles alike (`the_practice_api_per_role`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::common;

use chrono::Duration;
use common::*;
use domain::office::accounts::Role;
use serde_json::{Value, json};
use store::{execute, fetch_one};

/// A session of a program of `kind` with kim enrolled (and `more`). Answers the session.
async fn seed(s: &Server, kind: &str, more: &[&str]) -> i64 {
    let db = &s.state.db;
    let now = store::now() - Duration::days(3);
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
    let mut people = vec!["kim"];
    people.extend_from_slice(more);
    for (i, who) in people.iter().enumerate() {
        execute!(
            db,
            "INSERT INTO program_enrolments (session_id, account_id, state, origin, arrival, requested_at, updated_at) \
             SELECT $1, id, 'enrolled', 'nominated', $2, $3, $3 FROM accounts WHERE username = $4",
            session,
            i as i64 + 1,
            now,
            *who
        )
        .unwrap();
    }
    session
}

async fn first_case(s: &Server, session: i64) -> (i64, String, String) {
    let desk = store::programs::practice::desk_of_session(&s.state.db, session)
        .await
        .unwrap()
        .unwrap();
    let c = store::programs::practice::cases(&s.state.db, desk.id)
        .await
        .unwrap()
        .remove(0);
    (c.id, c.suggested_department, c.expected_kind)
}

async fn open311_count(s: &Server) -> usize {
    let v = get_json(s, "/open311/v2/requests.json").await;
    v.as_array().map(Vec::len).unwrap_or(0)
}

store::backend_tests! {
    #[tokio::test]
    async fn the_trainer_opens_a_desk_and_sees_each_trainee_beside_the_assistant(backend) {
        let s = start_unlimited(backend).await;
        add_staff(&s, &[("officer", Role::TrainingOfficer, s.ids.office)], "010-2222-3333").await;
        let session = seed(&s, "onboarding", &[]).await;
        let healing = seed(&s, "healing", &[]).await;
        let petitions = petition_count(&s).await;
        let open311 = open311_count(&s).await;

        // The trainer: no desk yet, the form to open one.
        let officer = browser(&s, "officer").await;
        let path = format!("/programs/sessions/{session}/practice");
        let (st, page, _) = officer.get(&path).await;
        assert_eq!(st, 200);
        assert!(page.contains("id=\"practice-banner\"") && page.contains("PRACTICE"), "{page}");
        assert!(page.contains("id=\"practice-open\""), "{page}");

        // Bad input: a count out of range, kept and answered beside the field.
        let (st, page, _) = officer.post(&path, &[("cases", "99")]).await;
        assert_eq!(st, 400, "{page}");
        assert!(page.contains("id=\"practice-cases-error\"") && page.contains("value=\"99\""), "{page}");
        assert!(page.contains("1~40"), "{page}");
        let (_, page, _) = officer.get(&format!("{path}?lang=en")).await;
        assert!(page.contains("Open a practice desk"), "{page}");
        // A healing program's session has no desk.
        let (st, page, _) = officer
            .post(&format!("/programs/sessions/{healing}/practice?lang=en"), &[("cases", "12")])
            .await;
        assert_eq!(st, 400, "{page}");
        assert!(page.contains("only on a session of an onboarding or training program"), "{page}");
        assert!(store::programs::practice::desk_of_session(&s.state.db, healing).await.unwrap().is_none());

        // Opened with 6 cases; opening twice is refused.
        let (st, _, to) = officer.post(&path, &[("cases", "6")]).await;
        assert_eq!(st, 303);
        assert_eq!(to.as_deref(), Some(format!("{path}?done=opened").as_str()));
        let (st, page, _) = officer.post(&path, &[("cases", "6")]).await;
        assert_eq!(st, 409, "{page}");
        assert!(page.contains("이미 실습 창구가 열려 있습니다"), "{page}");
        let (_, page, _) = officer.get(&path).await;
        assert_eq!(page.matches("/programs/practice/cases/").count(), 6, "{page}");
        assert!(page.contains("id=\"practice-summary\"") && page.contains("0 / 6"), "{page}");

        // The trainee works case 1: bad input first — nothing recorded, everything kept.
        let (case, suggested, expected_kind) = first_case(&s, session).await;
        let kim = browser(&s, "kim").await;
        let case_path = format!("/programs/practice/cases/{case}");
        let (st, page, _) = kim.get(&case_path).await;
        assert_eq!(st, 200);
        assert!(page.contains("id=\"practice-banner\"") && page.contains("id=\"routing-suggestion\""), "{page}");
        assert!(page.contains("[초안 · DRAFT]"), "the assistant's draft is in the answer box: {page}");
        assert!(!page.contains("id=\"case-expected\""), "no expected answer while the desk is open");
        let (st, page, _) = kim
            .post(&case_path, &[("kind", "nonsense"), ("department", "tax"), ("abusive", ""), ("draft", "   ")])
            .await;
        assert_eq!(st, 422, "{page}");
        for id in ["pc-kind-error", "pc-department-error", "pc-abusive-error", "pc-draft-error"] {
            assert!(page.contains(id), "{id}: {page}");
        }
        let (st, page, _) = kim
            .post(
                &format!("{case_path}?lang=en"),
                &[("kind", &expected_kind), ("department", "build"), ("abusive", "no"), ("draft", "[초안 · DRAFT] 안녕하세요 {answer}")],
            )
            .await;
        assert_eq!(st, 422, "{page}");
        assert!(page.contains("replace the draft marks"), "{page}");
        assert!(page.contains("value=\"build\" selected"), "the department typed is kept: {page}");
        assert!(store::programs::practice::decisions(&s.state.db, 1, None).await.unwrap().iter().all(|d| d.decided_at.is_none()));

        // The decision, as the assistant suggested (build exists in this office when suggested).
        let dept = if suggested == "build" { "build" } else { "civil" };
        let (st, _, to) = kim
            .post(&case_path, &[("kind", &expected_kind), ("department", dept), ("abusive", "no"), ("draft", "현장을 확인해 보수하겠습니다.")])
            .await;
        assert_eq!(st, 303, "{to:?}");
        let (_, page, _) = kim.get(&format!("{case_path}?done=decided")).await;
        assert!(page.contains("id=\"my-decision\"") && page.contains("처리 결과를 기록했습니다"), "{page}");
        let (st, page, _) = kim.post(&case_path, &[("kind", &expected_kind), ("department", dept), ("abusive", "no"), ("draft", "다시")]).await;
        assert_eq!(st, 409, "{page}");
        assert!(page.contains("id=\"decision-error\""), "{page}");

        // The trainer sees it beside the suggestion, per case and per trainee.
        let (_, page, _) = officer.get(&case_path).await;
        assert!(page.contains("id=\"case-decisions\"") && page.contains("id=\"case-expected\""), "{page}");
        assert!(page.contains("현장을 확인해 보수하겠습니다."), "{page}");
        let kim_id: (i64,) = fetch_one!(&s.state.db, _, "SELECT id FROM accounts WHERE username = 'kim'").unwrap();
        let (st, page, _) = officer.get(&format!("{path}/people/{}", kim_id.0)).await;
        assert_eq!(st, 200);
        assert!(page.contains("id=\"person-decisions\"") && page.contains("1 / 6"), "{page}");

        // Closing: the trainee then sees the expected answer, and decides nothing more.
        let (st, _, _) = officer.post(&format!("{path}/close"), &[]).await;
        assert_eq!(st, 303);
        let (_, page, _) = kim.get(&case_path).await;
        assert!(page.contains("id=\"case-expected\""), "{page}");
        // …and a decision after closing is refused, saying why.
        let desk = store::programs::practice::desk_of_session(&s.state.db, session).await.unwrap().unwrap();
        let second = store::programs::practice::cases(&s.state.db, desk.id).await.unwrap()[1].id;
        let (st, page, _) = kim
            .post(&format!("/programs/practice/cases/{second}?lang=en"), &[("kind", "other"), ("department", "civil"), ("abusive", "yes"), ("draft", "늦은 답변")])
            .await;
        assert_eq!(st, 409, "{page}");
        assert!(page.contains("id=\"decision-error\"") && page.contains("the practice desk is closed"), "{page}");

        // A cancelled session holds no desk either.
        let cancelled = seed(&s, "training", &[]).await;
        execute!(&s.state.db, "UPDATE program_sessions SET state = 'cancelled' WHERE id = $1", cancelled).unwrap();
        let (st, page, _) = officer.post(&format!("/programs/sessions/{cancelled}/practice"), &[("cases", "4")]).await;
        assert_eq!(st, 400, "{page}");
        assert!(page.contains("취소된 회차에는 실습 창구를 열 수 없습니다"), "{page}");

        // Nothing reached the office's petitions, and a case id is no petition.
        assert_eq!(petition_count(&s).await, petitions);
        assert_eq!(open311_count(&s).await, open311);
        let (st, _, _) = officer.get(&format!("/desk/petitions/{case}")).await;
        assert_eq!(st, 404);
        let sup = browser(&s, "sup").await;
        let (st, _, _) = sup.get(&format!("/desk/petitions/{case}")).await;
        assert_eq!(st, 404);
        let (st, _) = api(&s, "sup").await.get(&format!("/api/v1/petitions/{case}")).await;
        assert_eq!(st, 404);
    }

    #[tokio::test]
    async fn who_sees_a_practice_desk(backend) {
        let s = start_unlimited(backend).await;
        add_staff(&s, &[("officer", Role::TrainingOfficer, s.ids.office)], "010-2222-3333").await;
        add_staff(&s, &[("park", Role::Official, s.ids.team)], "010-2222-4444").await;
        let session = seed(&s, "onboarding", &["park"]).await;
        let officer = browser(&s, "officer").await;
        let path = format!("/programs/sessions/{session}/practice");
        assert_eq!(officer.post(&path, &[("cases", "3")]).await.0, 303);
        let (case, _, kind) = first_case(&s, session).await;
        let case_path = format!("/programs/practice/cases/{case}");

        // park decides; kim (also a trainee) must not see it.
        let park = browser(&s, "park").await;
        assert_eq!(park.get(&case_path).await.0, 200);
        let (st, _, _) = park
            .post(&case_path, &[("kind", &kind), ("department", "civil"), ("abusive", "no"), ("draft", "박의 답변입니다.")])
            .await;
        assert_eq!(st, 303);

        // Trainee: their own desk and cases, not another's work, not the trainer's pages.
        let kim = browser(&s, "kim").await;
        let (st, page, _) = kim.get(&path).await;
        assert_eq!(st, 200);
        assert!(page.contains("id=\"practice-mine\"") && !page.contains("id=\"practice-summary\""), "{page}");
        let (_, page, _) = kim.get(&case_path).await;
        assert!(!page.contains("박의 답변입니다."), "{page}");
        let park_id: (i64,) = fetch_one!(&s.state.db, _, "SELECT id FROM accounts WHERE username = 'park'").unwrap();
        assert_eq!(kim.get(&format!("{path}/people/{}", park_id.0)).await.0, 403);
        assert_eq!(kim.post(&format!("{path}/close"), &[]).await.0, 403);
        assert_eq!(kim.post(&path, &[("cases", "3")]).await.0, 403);
        let (_, page, _) = kim.get("/programs/practice").await;
        assert!(page.contains(&path), "{page}");

        // The trainer: everyone.
        let (_, page, _) = officer.get(&case_path).await;
        assert!(page.contains("박의 답변입니다."), "{page}");
        assert_eq!(officer.get(&format!("{path}/people/{}", park_id.0)).await.0, 200);

        // Another official not enrolled, and the supervisor: refused everywhere, nothing shown.
        for who in ["lee", "sup"] {
            let b = browser(&s, who).await;
            for p in [path.clone(), case_path.clone(), format!("{path}/people/{}", park_id.0)] {
                let (st, page, _) = b.get(&p).await;
                assert_eq!(st, 403, "{who} {p}");
                assert!(!page.contains("박의 답변입니다."), "{who} {p}");
            }
            let (st, _, _) = b
                .post(&case_path, &[("kind", &kind), ("department", "civil"), ("abusive", "no"), ("draft", "x")])
                .await;
            assert_eq!(st, 403, "{who} decides");
            let (_, page, _) = b.get("/programs/practice").await;
            assert!(!page.contains(&path), "{who}: {page}");
        }
        // Each refusal is in the access log, naming the session.
        let (denied,): (i64,) = fetch_one!(
            &s.state.db,
            _,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'denied.practice_desk' AND subject = $1",
            format!("program_session:{session}")
        )
        .unwrap();
        assert!(denied >= 6, "{denied}");
        // The resident: not a staff page at all.
        let resident = browser(&s, "resident").await;
        for p in [path.clone(), case_path.clone(), "/programs/practice".to_string()] {
            let (st, page, _) = resident.get(&p).await;
            assert_eq!(st, 403, "resident {p}");
            assert!(!page.contains("박의 답변입니다."));
        }
        let decided = store::programs::practice::decisions(&s.state.db, 1, None).await.unwrap();
        assert_eq!(decided.iter().filter(|d| d.decided_at.is_some()).count(), 1);
    }

    #[tokio::test]
    async fn the_practice_api_per_role(backend) {
        let s = start_unlimited(backend).await;
        add_staff(&s, &[("officer", Role::TrainingOfficer, s.ids.office)], "010-2222-3333").await;
        add_staff(&s, &[("park", Role::Official, s.ids.team)], "010-2222-4444").await;
        let session = seed(&s, "onboarding", &["park"]).await;
        let healing = seed(&s, "healing", &[]).await;
        let petitions = petition_count(&s).await;
        let open311 = open311_count(&s).await;
        let officer = api(&s, "officer").await;
        let kim = api(&s, "kim").await;
        let park = api(&s, "park").await;
        let desk_path = format!("/api/v1/programs/sessions/{session}/practice");

        // Before a desk: the trainer is told there is none; a trainee may not open one.
        let (st, v) = officer.get(&desk_path).await;
        assert_eq!((st, v["code"].as_str()), (404, Some("no_practice_desk")), "{v}");
        let (st, _) = kim.post(&desk_path, json!({"cases": 4})).await;
        assert_eq!(st, 403);
        // Bad input: a count out of range, a healing session, a count that is no number.
        for n in [0, 41] {
            let (st, v) = officer.post(&desk_path, json!({"cases": n})).await;
            assert_eq!((st, v["code"].as_str()), (400, Some("invalid_case_count")), "{v}");
            assert!(v["message_en"].as_str().unwrap().contains("1 to 40"), "{v}");
        }
        let (st, v) = officer
            .post(&format!("/api/v1/programs/sessions/{healing}/practice"), json!({"cases": 4}))
            .await;
        assert_eq!((st, v["code"].as_str()), (400, Some("not_a_training_session")), "{v}");
        let (st, _) = officer.post(&desk_path, json!({"cases": "four"})).await;
        assert_eq!(st, 422);
        let (st, _) = officer.post("/api/v1/programs/sessions/999999/practice", json!({"cases": 4})).await;
        assert_eq!(st, 404);
        assert!(store::programs::practice::desk_of_session(&s.state.db, session).await.unwrap().is_none());

        // Opened: 201 with the desk as the trainer sees it; twice is a conflict.
        let (st, v) = officer.post(&desk_path, json!({"cases": 4})).await;
        assert_eq!(st, 201, "{v}");
        assert_eq!((v["role"].as_str(), v["desk"]["case_count"].as_i64()), (Some("trainer"), Some(4)), "{v}");
        assert!(v["desk"]["closed_at"].is_null());
        let cases = v["cases"].as_array().unwrap();
        assert_eq!(cases.len(), 4);
        assert!(cases.iter().all(|c| c["expected"]["kind"].is_string() && c.get("body").is_none()), "{v}");
        assert_eq!(v["trainees"].as_array().unwrap().len(), 2, "{v}");
        assert_eq!(v["trainees"][0]["done"], 0);
        let (st, v) = officer.post(&desk_path, json!({"cases": 4})).await;
        assert_eq!(st, 409, "{v}");

        // A trainee's view of the desk: no expected answers while it is open, only themselves.
        let (st, v) = kim.get(&desk_path).await;
        assert_eq!((st, v["role"].as_str()), (200, Some("trainee")), "{v}");
        assert!(v["cases"].as_array().unwrap().iter().all(|c| c["expected"].is_null()), "{v}");
        assert_eq!(v["trainees"].as_array().unwrap().len(), 1);
        let me = &v["trainees"][0];
        assert_eq!((me["department"].as_str(), me["of"].as_i64()), (Some("민원팀"), Some(4)), "{v}");
        assert!(v["trainees"][0]["right"].is_null(), "{v}");

        // Looking at a case starts the trainee's clock (and only the trainee's).
        let (case, _, kind) = first_case(&s, session).await;
        let case_path = format!("/api/v1/programs/practice/cases/{case}");
        let (st, v) = officer.get(&case_path).await;
        assert_eq!(st, 200, "{v}");
        assert!(v["case"]["expected"]["department"]["code"].is_string(), "{v}");
        let (st, v) = kim.get(&case_path).await;
        assert_eq!(st, 200, "{v}");
        assert!(v["case"]["body"].as_str().unwrap().len() > 10, "{v}");
        assert!(v["case"]["draft"].as_str().unwrap().contains("[초안 · DRAFT]"), "{v}");
        assert!(v["case"]["expected"].is_null(), "{v}");
        assert_eq!(v["decisions"].as_array().unwrap().len(), 1, "{v}");
        assert!(v["decisions"][0]["decided_at"].is_null() && v["decisions"][0]["answer"].is_null(), "{v}");
        let opened = store::programs::practice::decisions(&s.state.db, 1, None).await.unwrap();
        assert_eq!(opened.len(), 1, "the trainer's look starts no clock");
        // Two minutes pass before kim decides.
        execute!(
            &s.state.db,
            "UPDATE practice_decisions SET opened_at = $1 WHERE case_id = $2",
            store::now() - Duration::minutes(2),
            case
        )
        .unwrap();

        // Bad input: each field named by its code, nothing recorded.
        let decide = format!("{case_path}/decision");
        let good = json!({"kind": kind, "department_id": s.ids.build, "abusive": false, "answer": "현장을 확인해 보수하겠습니다."});
        let with = |k: &str, val: Value| {
            let mut b = good.clone();
            if val.is_null() {
                b.as_object_mut().unwrap().remove(k);
            } else {
                b[k] = val;
            }
            b
        };
        for (body, code) in [
            (json!({}), "unknown_kind"),
            (with("kind", json!("nonsense")), "unknown_kind"),
            (with("department_id", json!(999_999)), "unknown_department"),
            (with("department_id", Value::Null), "unknown_department"),
            (with("abusive", Value::Null), "missing_screening"),
            (with("answer", json!("  ")), "empty_draft"),
            (with("answer", json!("[초안 · DRAFT] 안녕하세요 {answer}")), "unfinished_draft"),
            (with("answer", json!("가".repeat(4001))), "draft_too_long"),
        ] {
            let (st, v) = kim.post(&decide, body.clone()).await;
            assert_eq!((st, v["code"].as_str()), (400, Some(code)), "{body}: {v}");
            assert!(v["message_ko"].is_string() && v["message_en"].is_string(), "{v}");
        }
        let (st, _) = kim.post(&decide, with("abusive", json!("maybe"))).await;
        assert_eq!(st, 422);
        let (st, _) = kim.post(&decide, with("extra", json!(1))).await;
        assert_eq!(st, 422);
        let work = store::programs::practice::decisions(&s.state.db, 1, None).await.unwrap();
        assert!(work.iter().all(|d| d.decided_at.is_none()), "nothing recorded");

        // The decision: 201, compared with the assistant, not yet with the expected answer.
        let (st, v) = kim.post(&decide, good.clone()).await;
        assert_eq!(st, 201, "{v}");
        assert_eq!(v["department"]["id"].as_i64(), Some(s.ids.build), "{v}");
        assert_eq!(v["answer"], "현장을 확인해 보수하겠습니다.");
        assert!(v["seconds"].as_i64().unwrap() >= 120, "the clock ran from the first look: {v}");
        assert!(v["comparison"]["screen_as_assistant"].is_boolean(), "{v}");
        assert!(v["comparison"]["kind_right"].is_null() && v["expected"].is_null(), "{v}");
        let (st, v) = kim.post(&decide, good.clone()).await;
        assert_eq!(st, 409, "{v}");

        // park decides too; neither trainee sees the other's work.
        assert_eq!(park.get(&case_path).await.0, 200);
        let (st, _) = park
            .post(&decide, with("answer", json!("박의 답변입니다.")))
            .await;
        assert_eq!(st, 201);
        let (_, v) = kim.get(&desk_path).await;
        assert!(!v.to_string().contains("박의 답변입니다."), "{v}");
        assert_eq!(v["trainees"][0]["done"], 1, "{v}");
        let (_, v) = kim.get(&case_path).await;
        assert_eq!(v["decisions"].as_array().unwrap().len(), 1, "{v}");
        assert!(!v.to_string().contains("박의 답변입니다."), "{v}");

        // The trainer: everyone's work beside the assistant and the expected answer.
        let (st, v) = officer.get(&desk_path).await;
        assert_eq!(st, 200);
        let done: Vec<_> = v["decisions"].as_array().unwrap().iter().filter(|d| d["decided_at"].is_string()).collect();
        assert_eq!(done.len(), 2, "{v}");
        for d in &done {
            assert!(d["expected"]["kind"].is_string() && d["comparison"]["all_right"].is_boolean(), "{d}");
            assert!(d["assistant"]["abusive"].is_boolean(), "{d}");
        }
        assert!(v["trainees"].as_array().unwrap().iter().all(|t| t["done"] == 1 && t["right"].is_number()), "{v}");
        let (_, v) = officer.get(&case_path).await;
        assert!(v.to_string().contains("박의 답변입니다.") && v.to_string().contains("현장을 확인해"), "{v}");
        // …but decides nothing.
        let (st, v) = officer.post(&decide, good.clone()).await;
        assert_eq!((st, v["code"].as_str()), (403, Some("trainer_does_not_decide")), "{v}");

        // Another official, the supervisor and a resident: refused everything, nothing shown.
        for who in ["lee", "sup", "resident"] {
            let a = api(&s, who).await;
            for (st, v) in [
                a.get(&desk_path).await,
                a.get(&case_path).await,
                a.post(&decide, good.clone()).await,
                a.post(&desk_path, json!({"cases": 4})).await,
                a.post(&format!("{desk_path}/close"), json!({})).await,
            ] {
                assert_eq!(st, 403, "{who}: {v}");
                assert!(!v.to_string().contains("박의 답변입니다."), "{who}: {v}");
            }
        }
        let (denied,): (i64,) = fetch_one!(
            &s.state.db,
            _,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'denied.practice_desk' AND subject = $1",
            format!("program_session:{session}")
        )
        .unwrap();
        assert!(denied >= 9, "{denied}");
        assert_eq!(kim.post(&format!("{desk_path}/close"), json!({})).await.0, 403);
        // Unknown ids.
        assert_eq!(kim.get("/api/v1/programs/practice/cases/999999").await.0, 404);
        assert_eq!(kim.get("/api/v1/programs/practice/cases/abc").await.0, 400);

        // Closing: once; then a trainee sees the answers and decides nothing more.
        let (st, v) = officer.post(&format!("{desk_path}/close"), json!({})).await;
        assert_eq!(st, 200, "{v}");
        assert!(v["desk"]["closed_at"].is_string(), "{v}");
        assert_eq!(officer.post(&format!("{desk_path}/close"), json!({})).await.0, 409);
        let (_, v) = kim.get(&desk_path).await;
        assert!(v["cases"].as_array().unwrap().iter().all(|c| c["expected"]["kind"].is_string()), "{v}");
        assert!(v["trainees"][0]["right"].is_number(), "{v}");
        let mine = &v["decisions"].as_array().unwrap().iter().find(|d| d["decided_at"].is_string()).cloned().unwrap();
        assert!(mine["comparison"]["kind_right"].is_boolean() && mine["expected"].is_object(), "{mine}");
        let second = v["cases"][1]["id"].as_i64().unwrap();
        let (st, v) = kim
            .post(&format!("/api/v1/programs/practice/cases/{second}/decision"), good.clone())
            .await;
        assert_eq!(st, 409, "{v}");
        assert!(v["message_en"].as_str().unwrap().contains("closed"), "{v}");

        // The five operations are documented, with the answers' shapes.
        let doc = get_json(&s, "/api/v1/openapi.json").await;
        assert_eq!(doc["paths"]["/api/v1/programs/practice/cases/{id}/decision"]["post"]["tags"][0], "programs");
        for schema in ["DeskAnswer", "CaseAnswer", "DecisionView", "DecisionRequest", "OpenRequest"] {
            assert!(doc["components"]["schemas"][schema].is_object(), "{schema}");
        }

        // Isolation: still no petition, nothing in Open311, a case id is no petition.
        assert_eq!(petition_count(&s).await, petitions);
        assert_eq!(open311_count(&s).await, open311);
        assert_eq!(api(&s, "sup").await.get(&format!("/api/v1/petitions/{case}")).await.0, 404);
        assert_eq!(officer.get(&format!("/api/v1/petitions/{case}")).await.0, 404);
    }
}
