//! The practice desk (issue 17 item 9) through the pages, per role: the trainer opens it and
//! sees everyone's work beside the assistant; a trainee works their own cases and sees nobody
//! else's; another official, a supervisor and a resident see nothing. Bad input is answered
//! beside the field with everything typed kept, and no practice case is ever a petition.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::common;

use chrono::Duration;
use common::*;
use domain::office::accounts::Role;
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
}
