//! Programs from attendance to recognised hours (issue 17, items 4–7 and 11) through the pages
//! and the API, per role: check-in by the rotating code, the organiser's attendance and closing,
//! certificates verified publicly (revealing nothing more), feedback only in aggregate, the
//! learning record kept from strangers, the roll-up and the exports.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::common;

use chrono::{DateTime, Duration, TimeZone, Utc};
use common::*;
use domain::office::accounts::Role;
use domain::programs::checkin;
use serde_json::json;
use store::{execute, fetch_one};

const SECRET: &str = "web-session-secret";

/// 12 May 2026, 09:00 in Seoul.
fn start_at() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 5, 12, 0, 0, 0).unwrap()
}

/// A two-day in-person session of a program worth 16 hours (80 % to complete), with kim and
/// the extra officials `more` enrolled. Answers the session id.
async fn seed(s: &Server, more: &[&str]) -> (i64, Vec<i64>) {
    add_staff(
        s,
        &[("officer", Role::TrainingOfficer, s.ids.office)],
        "010-2222-3333",
    )
    .await;
    for (i, who) in more.iter().enumerate() {
        add_staff(
            s,
            &[(who, Role::Official, s.ids.team)],
            &format!("010-3333-{:04}", i),
        )
        .await;
    }
    let db = &s.state.db;
    execute!(db, "UPDATE accounts SET grade = 7 WHERE role <> 'resident'").unwrap();
    let now = start_at() - Duration::days(20);
    let (program,): (i64,) = fetch_one!(
        db,
        _,
        "INSERT INTO programs (kind, title, title_en, recognised_minutes, category, designated, \
         min_attended_percent, created_at, updated_at) \
         VALUES ('healing', '친절 응대 힐링', 'Healing for counter staff', 960, 'course', $1, 80, $2, $2) RETURNING id",
        true,
        now
    )
    .unwrap();
    let (session,): (i64,) = fetch_one!(
        db,
        _,
        "INSERT INTO program_sessions (program_id, label, delivery, venue, capacity, checkin_secret, created_at, updated_at) \
         VALUES ($1, '1기', 'hybrid', '대회의실', 40, $2, $3, $3) RETURNING id",
        program,
        SECRET,
        now
    )
    .unwrap();
    let mut days = Vec::new();
    for i in 0..2 {
        let starts = start_at() + Duration::days(i);
        let (id,): (i64,) = fetch_one!(
            db,
            _,
            "INSERT INTO program_session_days (session_id, day, starts_at, ends_at) VALUES ($1, $2, $3, $4) RETURNING id",
            session,
            calendar::to_seoul(starts).date_naive(),
            starts,
            starts + Duration::hours(8)
        )
        .unwrap();
        days.push(id);
    }
    let mut people = vec!["kim"];
    people.extend_from_slice(more);
    for (i, who) in people.iter().enumerate() {
        execute!(
            db,
            "INSERT INTO program_enrolments (session_id, account_id, state, origin, arrival, requested_at, updated_at) \
             SELECT $1, id, 'enrolled', 'self', $2, $3, $3 FROM accounts WHERE username = $4",
            session,
            i as i64 + 1,
            now,
            *who
        )
        .unwrap();
    }
    (session, days)
}

async fn account_id(s: &Server, username: &str) -> i64 {
    let (id,): (i64,) = fetch_one!(
        &s.state.db,
        _,
        "SELECT id FROM accounts WHERE username = $1",
        username
    )
    .unwrap();
    id
}

store::backend_tests! {
    #[tokio::test]
    async fn check_in_attendance_close_and_a_public_certificate(backend) {
        let s = start_unlimited(backend).await;
        let (session, days) = seed(&s, &[]).await;
        let clock = s.state.db.clock().clone();
        let now = start_at() + Duration::minutes(3);
        clock.set(now);

        // The room's screen: the organiser's, with the code of this moment and its QR image.
        let officer = browser(&s, "officer").await;
        let (st, room, _) = officer.get(&format!("/programs/sessions/{session}/room")).await;
        assert_eq!(st, 200);
        let code = checkin::code_at(SECRET.as_bytes(), now);
        assert!(room.contains(&code) && room.contains("<svg"), "{room}");
        // Reopening shows the same code (nothing is kept between loads).
        let (_, again, _) = officer.get(&format!("/programs/sessions/{session}/room")).await;
        assert!(again.contains(&code));
        // Not for an official.
        let kim = browser(&s, "kim").await;
        let (st, _, _) = kim.get(&format!("/programs/sessions/{session}/room")).await;
        assert_eq!(st, 403);

        // kim opens the QR's address: the code is filled in; a stale code is refused next to
        // the field, the typed code kept.
        let (st, page, _) = kim.get(&format!("/programs/sessions/{session}/checkin?code={code}")).await;
        assert_eq!(st, 200);
        assert!(page.contains(&format!("value=\"{code}\"")));
        let stale = checkin::code_at(SECRET.as_bytes(), now - Duration::minutes(3));
        let (st, page, _) = kim.post(&format!("/programs/sessions/{session}/checkin"), &[("code", &stale)]).await;
        assert_eq!(st, 400);
        assert!(page.contains("만료된 출석 코드") && page.contains(&format!("value=\"{stale}\"")), "{page}");
        let (st, page, _) = kim.post(&format!("/programs/sessions/{session}/checkin?lang=en"), &[("code", &code)]).await;
        assert_eq!(st, 200);
        assert!(page.contains("checkin-done"), "{page}");

        // lee is not enrolled: recorded as a walk-in, told so.
        let lee = browser(&s, "lee").await;
        let (st, page, _) = lee.post(&format!("/programs/sessions/{session}/checkin"), &[("code", &code)]).await;
        assert_eq!(st, 200);
        assert!(page.contains("checkin-walk-in"));

        // The attendance page is the organiser's alone.
        let (st, _, _) = lee.get(&format!("/programs/sessions/{session}/attendance")).await;
        assert_eq!(st, 403);
        let (st, page, _) = officer.get(&format!("/programs/sessions/{session}/attendance")).await;
        assert_eq!(st, 200);
        assert!(page.contains("lee 이름") && page.contains("kim 이름"));

        // The organiser marks kim's second day through the API; partial without minutes fails.
        let api_officer = api(&s, "officer").await;
        let kim_id = account_id(&s, "kim").await;
        let (_, att) = api_officer.get(&format!("/api/v1/programs/sessions/{session}/attendance")).await;
        let enrolment = att["participants"][0]["enrolment_id"].as_i64().unwrap();
        let (st, body) = api_officer
            .put(&format!("/api/v1/programs/sessions/{session}/attendance"),
                 json!({"day_id": days[1], "enrolment_id": enrolment, "status": "partial"}))
            .await;
        assert_eq!(st, 400, "{body}");
        bilingual(&body);
        let (st, _) = api_officer
            .put(&format!("/api/v1/programs/sessions/{session}/attendance"),
                 json!({"day_id": days[1], "enrolment_id": enrolment, "status": "late", "minutes": 420}))
            .await;
        assert_eq!(st, 200);

        // Closing before the end is refused; after it, kim completes: 900 of 960 minutes.
        let (st, body) = api_officer.post(&format!("/api/v1/programs/sessions/{session}/close"), json!({})).await;
        assert_eq!(st, 400, "{body}");
        clock.set(start_at() + Duration::days(2));
        // Sessions last 8 hours: everyone signs in again on the later day.
        let officer = browser(&s, "officer").await;
        let kim = browser(&s, "kim").await;
        let lee = browser(&s, "lee").await;
        let (st, page, _) = officer.post(&format!("/programs/sessions/{session}/close"), &[]).await;
        assert_eq!(st, 200);
        assert!(page.contains("1명 중 1명이 이수"), "{page}");

        // The organiser's record lists the sessions they run, with the way to their attendance.
        let (st, mine, _) = officer.get("/programs/learning").await;
        assert_eq!(st, 200);
        assert!(mine.contains(&format!("/programs/sessions/{session}/attendance")), "{mine}");

        // kim's record shows the 16 hours and the certificate.
        let (st, record, _) = kim.get("/programs/learning").await;
        assert_eq!(st, 200);
        assert!(record.contains("16시간"), "{record}");
        let cert_id: i64 = record.split("/programs/certificates/").nth(1).unwrap().split('"').next().unwrap().parse().unwrap();
        let (st, cert, _) = kim.get(&format!("/programs/certificates/{cert_id}")).await;
        assert_eq!(st, 200);
        let code = cert.split("id=\"cert-code\">").nth(1).unwrap().split('<').next().unwrap().to_string();
        // A stranger sees neither kim's record nor their certificate.
        let (st, _, _) = lee.get(&format!("/programs/certificates/{cert_id}")).await;
        assert_eq!(st, 403);
        let (st, _, _) = lee.get(&format!("/programs/learning/people/{kim_id}")).await;
        assert_eq!(st, 403);
        let (st, _) = api(&s, "lee").await.get(&format!("/api/v1/programs/learning/people/{kim_id}")).await;
        assert_eq!(st, 403);

        // The public page, without signing in: the masked name, the program, dates and hours.
        let res = client().get(s.url(&format!("/verify/certificate?code={}", code.to_lowercase()))).send().await.unwrap();
        assert_eq!(res.status(), 200);
        let public = res.text().await.unwrap();
        assert!(public.contains("k****름") && public.contains("친절 응대 힐링") && public.contains("16시간"), "{public}");
        assert!(!public.contains("kim 이름") && !public.contains("민원팀") && !public.contains("7급"));
        let res = client().get(s.url("/api/v1/programs/certificates/verify?code=ABCD-EFGH-JKMN-PQRS")).send().await.unwrap();
        assert_eq!(res.status(), 404);
        let body: serde_json::Value = res.json().await.unwrap();
        assert_eq!(body["code"], "certificate_not_found");
        bilingual(&body);
        let res = client().get(s.url("/verify/certificate?lang=en&code=nope")).send().await.unwrap();
        assert_eq!(res.status(), 404);
        assert!(res.text().await.unwrap().contains("No certificate has that code"));

        // The export carries the Korean headers and kim's row.
        let res = client()
            .get(s.url(&format!("/programs/sessions/{session}/export?format=csv")))
            .header("cookie", &officer.cookie)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        let csv = res.text().await.unwrap();
        assert!(csv.contains("성명,소속,직급,과정명") && csv.contains("kim 이름,민원팀,7급,친절 응대 힐링,1기"), "{csv}");
        let (st, _, _) = kim.get(&format!("/programs/sessions/{session}/export?format=xlsx")).await;
        assert_eq!(st, 403);
        s.shutdown().await;
    }

    #[tokio::test]
    async fn feedback_reaches_the_organiser_only_in_aggregate(backend) {
        let s = start_unlimited(backend).await;
        let more = ["part1", "part2", "part3", "part4"];
        let (session, days) = seed(&s, &more).await;
        let clock = s.state.db.clock().clone();
        clock.set(start_at() + Duration::hours(1));
        let officer = api(&s, "officer").await;
        let (_, att) = officer.get(&format!("/api/v1/programs/sessions/{session}/attendance")).await;
        for p in att["participants"].as_array().unwrap() {
            let (st, _) = officer
                .put(&format!("/api/v1/programs/sessions/{session}/attendance"),
                     json!({"day_id": days[0], "enrolment_id": p["enrolment_id"], "status": "present"}))
                .await;
            assert_eq!(st, 200);
        }
        let program = {
            let (id,): (i64,) = fetch_one!(&s.state.db, _, "SELECT program_id FROM program_sessions WHERE id = $1", session).unwrap();
            id
        };
        let mut all = vec!["kim"];
        all.extend_from_slice(&more);
        for (i, who) in all.iter().enumerate() {
            let b = browser(&s, who).await;
            let (st, page, _) = b.post(&format!("/programs/sessions/{session}/feedback"), &[
                ("q1", &(i + 1).to_string()), ("q2", "4"), ("q3", "5"), ("q4", &format!("비밀 소감 {who}")),
            ]).await;
            assert_eq!(st, 200, "{page}");
            assert!(page.contains("feedback-thanks"));
            if i == 3 {
                // Four answers: the organiser sees the count only.
                let (st, r) = officer.get(&format!("/api/v1/programs/{program}/feedback")).await;
                assert_eq!(st, 200);
                assert_eq!(r["shown"], "withheld");
                assert!(!r.to_string().contains("비밀"));
            }
        }
        // Twice: a clear answer.
        let kim = api(&s, "kim").await;
        let (st, body) = kim
            .post(&format!("/api/v1/programs/sessions/{session}/feedback"), json!({"answers": [5, 5, 5, ""]}))
            .await;
        assert_eq!(st, 409, "{body}");
        bilingual(&body);
        // A participant never reads the report.
        let (st, _) = kim.get(&format!("/api/v1/programs/{program}/feedback")).await;
        assert_eq!(st, 403);
        // Five: averages and sorted texts, nobody's answer by name.
        let b = browser(&s, "officer").await;
        let (st, page, _) = b.get(&format!("/programs/{program}/feedback/report")).await;
        assert_eq!(st, 200);
        assert!(page.contains("3.0") && page.contains("비밀 소감 part1"), "{page}");
        assert!(!page.contains("kim 이름"));
        s.shutdown().await;
    }

    #[tokio::test]
    async fn the_organiser_writes_the_questions_participants_answer(backend) {
        let s = start_unlimited(backend).await;
        let (session, days) = seed(&s, &[]).await;
        let clock = s.state.db.clock().clone();
        clock.set(start_at() + Duration::hours(1));
        let program = {
            let (id,): (i64,) = fetch_one!(&s.state.db, _, "SELECT program_id FROM program_sessions WHERE id = $1", session).unwrap();
            id
        };
        let path = format!("/programs/{program}/feedback/questions");
        let officer = browser(&s, "officer").await;
        let (st, page, _) = officer.get(&path).await;
        assert_eq!(st, 200);
        assert!(page.contains("과정 내용에 전반적으로 만족하십니까?"), "the defaults to start from");

        // A question with English only: marked where it was typed, everything kept, nothing saved.
        let (st, page, _) = officer.post(&path, &[
            ("kind", "scale"), ("ko", "숲길 걷기가 도움이 되었습니까?"), ("en", "Did the forest walk help?"),
            ("kind", "text"), ("ko", ""), ("en", "Only English here"),
            ("kind", "scale"), ("ko", ""), ("en", ""),
        ]).await;
        assert_eq!(st, 400, "{page}");
        assert!(page.contains("sq2-error") && page.contains("2번 문항의 한국어 문장을 적어 주세요"), "{page}");
        assert!(page.contains("Only English here") && page.contains("숲길 걷기가 도움이 되었습니까?"));
        let mut tx = s.state.db.begin().await.unwrap();
        assert_eq!(store::programs::feedback::survey(&mut tx, program, store::now()).await.unwrap().questions.len(), 4);
        drop(tx);

        // Saved: the empty rows are dropped.
        let (st, page, _) = officer.post(&path, &[
            ("kind", "scale"), ("ko", "숲길 걷기가 도움이 되었습니까?"), ("en", "Did the forest walk help?"),
            ("kind", "text"), ("ko", "다음 기수에 바라는 점"), ("en", ""),
            ("kind", "scale"), ("ko", ""), ("en", ""),
        ]).await;
        assert_eq!(st, 200, "{page}");
        assert!(page.contains("survey-saved"));

        // Nobody else writes them.
        let kim = browser(&s, "kim").await;
        let (st, _, _) = kim.get(&path).await;
        assert_eq!(st, 403);
        let kim_api = api(&s, "kim").await;
        let (st, body) = kim_api
            .put(&format!("/api/v1/programs/{program}/feedback/questions"), json!({"questions": [{"kind": "text", "ko": "장난", "en": ""}]}))
            .await;
        assert_eq!(st, 403, "{body}");

        // The participant answers the organiser's two questions.
        let officer_api = api(&s, "officer").await;
        let (_, att) = officer_api.get(&format!("/api/v1/programs/sessions/{session}/attendance")).await;
        let enrolment = att["participants"][0]["enrolment_id"].clone();
        let (st, _) = officer_api
            .put(&format!("/api/v1/programs/sessions/{session}/attendance"),
                 json!({"day_id": days[0], "enrolment_id": enrolment, "status": "present"}))
            .await;
        assert_eq!(st, 200);
        let (st, page, _) = kim.get(&format!("/programs/sessions/{session}/feedback")).await;
        assert_eq!(st, 200);
        assert!(page.contains("숲길 걷기가 도움이 되었습니까?") && !page.contains("강사와 진행은"), "{page}");
        let (st, page, _) = kim.post(&format!("/programs/sessions/{session}/feedback"), &[("q1", "5"), ("q2", "또 오고 싶어요")]).await;
        assert_eq!(st, 200, "{page}");
        assert!(page.contains("feedback-thanks"));

        // Answered once: the questions are fixed, on the page and through the API.
        let (st, page, _) = officer.get(&path).await;
        assert_eq!(st, 200);
        assert!(page.contains("survey-locked") && !page.contains("survey-save"), "{page}");
        let (st, body) = officer_api
            .put(&format!("/api/v1/programs/{program}/feedback/questions"), json!({"questions": [{"kind": "text", "ko": "새 문항", "en": ""}]}))
            .await;
        assert_eq!(st, 409, "{body}");
        bilingual(&body);
        s.shutdown().await;
    }

    #[tokio::test]
    async fn outside_hours_approval_and_the_division_roll_up(backend) {
        let s = start_unlimited(backend).await;
        seed(&s, &[]).await;
        s.state.db.clock().set(start_at());
        let kim = api(&s, "kim").await;
        let pdf = b"%PDF-1.4\n% evidence of a seminar\n%%EOF\n".to_vec();
        let send = |fields: Vec<(&'static str, String)>| {
            let (body, ct) = multipart(
                &fields.iter().map(|(k, v)| (*k, v.as_str())).collect::<Vec<_>>(),
                &[("seminar.pdf", pdf.as_slice())],
                "application/pdf",
            );
            client()
                .post(s.url("/api/v1/programs/learning/external"))
                .bearer_auth(&kim.token)
                .header("content-type", ct)
                .body(body)
        };
        let fields = vec![
            ("title", "적극행정 세미나".to_string()),
            ("category", "seminar".to_string()),
            ("hours", "3".to_string()),
            ("happened_on", "2026-05-02".to_string()),
        ];
        let res = send(fields.clone()).send().await.unwrap();
        assert_eq!(res.status(), 201);
        let entry: serde_json::Value = res.json().await.unwrap();
        // The same evidence twice: refused, nothing added.
        let res = send(fields.clone()).send().await.unwrap();
        assert_eq!(res.status(), 409);
        let body: serde_json::Value = res.json().await.unwrap();
        bilingual(&body);
        // A date in the future: refused before the file is kept.
        let mut future = fields.clone();
        future[3].1 = "2026-06-30".into();
        let res = send(future).send().await.unwrap();
        assert_eq!(res.status(), 400);

        // kim cannot approve; the training officer can.
        let id = entry["id"].as_i64().unwrap();
        let (st, _) = kim.post(&format!("/api/v1/programs/learning/external/{id}/decision"), json!({"approve": true})).await;
        assert_eq!(st, 403);
        let officer = api(&s, "officer").await;
        let (st, _) = officer.post(&format!("/api/v1/programs/learning/external/{id}/decision"), json!({"approve": true})).await;
        assert_eq!(st, 200);
        let (_, me) = kim.get("/api/v1/programs/learning/me?year=2026").await;
        assert_eq!(me["summary"]["total_minutes"], 180);

        // The supervisor of 민원과 sees kim (민원팀, under it), not lee (건설과); an official no roll-up.
        let (st, team) = api(&s, "sup").await.get("/api/v1/programs/learning/team?year=2026").await;
        assert_eq!(st, 200);
        let names: Vec<&str> = team["people"].as_array().unwrap().iter().map(|p| p["name"].as_str().unwrap()).collect();
        assert!(names.contains(&"kim 이름") && !names.contains(&"lee 이름"), "{names:?}");
        let (st, _) = kim.get("/api/v1/programs/learning/team").await;
        assert_eq!(st, 403);
        // The yearly requirement: the training officer sets it, nobody else; nonsense is refused.
        let (st, _) = kim
            .put("/api/v1/programs/learning/requirement",
                 json!({"required_minutes": 6000, "designated_minutes": 1200, "covered_from_grade": 4, "feedback_min_answers": 5}))
            .await;
        assert_eq!(st, 403);
        let (st, body) = officer
            .put("/api/v1/programs/learning/requirement",
                 json!({"required_minutes": 600, "designated_minutes": 1200, "covered_from_grade": 4, "feedback_min_answers": 5}))
            .await;
        assert_eq!(st, 400, "{body}");
        bilingual(&body);
        let (st, _) = officer
            .put("/api/v1/programs/learning/requirement",
                 json!({"required_minutes": 4800, "designated_minutes": 600, "covered_from_grade": 4, "feedback_min_answers": 5}))
            .await;
        assert_eq!(st, 204);
        let (_, me) = kim.get("/api/v1/programs/learning/me?year=2026").await;
        assert_eq!(me["requirement"]["required_minutes"], 4800);
        assert_eq!(me["summary"]["missing_minutes"], 4620);
        // The training officer sees the office.
        let (_, all) = officer.get("/api/v1/programs/learning/team?year=2026").await;
        let names: Vec<&str> = all["people"].as_array().unwrap().iter().map(|p| p["name"].as_str().unwrap()).collect();
        assert!(names.contains(&"lee 이름"));
        // The roll-up page: the requirement form once, in the page body, and a plain title.
        let (st, page, _) = browser(&s, "officer").await.get("/programs/learning/team?year=2026").await;
        assert_eq!(st, 200);
        assert_eq!(page.matches("id=\"requirement-form\"").count(), 1, "{page}");
        let head = page.split("</head>").next().unwrap_or_default();
        assert!(!head.contains("requirement-form") && !head.contains("<section"), "{head}");
        s.shutdown().await;
    }
}
