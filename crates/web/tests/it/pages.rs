//! Access control of the petition desk's pages over real HTTP: officials see only their reach,
//! residents only their own petitions, tracking needs the right phone digits, and bad input on a
//! form is explained and changes nothing.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::common;

use common::{
    Server, api_ok, client, file_on_page, form_token, get_page, multipart, session, start_unlimited,
};
use serde_json::{Value, json};

/// The general proposal type (건의민원) at the 민원팀.
async fn proposal_type(s: &Server, admin: &str) -> Value {
    api_ok(
        s,
        admin,
        "/api/v1/petition-types",
        json!({"code": "proposal", "name": "건의민원", "kind": "proposal", "department_code": "civil-team"}),
    )
    .await
}

store::backend_tests! {
    #[tokio::test]
    async fn pages_follow_the_access_policy(backend) {
        let s = start_unlimited(backend).await;
        let admin = s.token("admin").await;
        let resident = s.token("resident").await;
        let t = proposal_type(&s, &admin).await;
        let filed = api_ok(
            &s,
            &resident,
            "/api/v1/petitions",
            json!({"type_id": t["id"], "title": "가로등 고장 신고", "body": "마을 입구 가로등이 꺼져 있습니다."}),
        )
        .await;
        let id = filed["id"].as_i64().unwrap();

        // Officials: the 민원팀 official opens it; the 건설과 official may not.
        let kim = session(&s, "kim").await;
        let (st, body) = get_page(&s, &format!("/desk/petitions/{id}"), &kim).await;
        assert_eq!(st, 200);
        assert!(body.contains("가로등 고장 신고"));
        // The petitioner is masked until revealed.
        assert!(body.contains("resident*이름") || !body.contains("resident 이름"));
        let lee = session(&s, "lee").await;
        let (st, body) = get_page(&s, &format!("/desk/petitions/{id}"), &lee).await;
        assert_eq!(st, 403);
        assert!(!body.contains("가로등 고장 신고"));
        let (st, body) = get_page(&s, "/desk", &lee).await;
        assert_eq!(st, 200);
        assert!(
            !body.contains("가로등 고장 신고"),
            "not in another department's queue"
        );
        let (st, body) = get_page(&s, "/desk", &kim).await;
        assert_eq!(st, 200);
        assert!(body.contains("가로등 고장 신고"));

        // Without a session the desk sends people to sign in; residents are refused.
        let (st, _) = get_page(&s, &format!("/desk/petitions/{id}"), "").await;
        assert_eq!(st, 303);
        let resident_session = session(&s, "resident").await;
        let (st, _) = get_page(&s, &format!("/desk/petitions/{id}"), &resident_session).await;
        assert_eq!(st, 403);
        // The resident sees their own under /my; an official is not its petitioner.
        let (st, body) = get_page(&s, &format!("/my/{id}"), &resident_session).await;
        assert_eq!(st, 200);
        assert!(body.contains("가로등 고장 신고"));
        let (st, body) = get_page(&s, &format!("/my/{id}"), &kim).await;
        assert_eq!(st, 404);
        assert!(!body.contains("가로등 고장 신고"));

        // Tracking: the wrong phone digits find nothing and say so; the right ones show it.
        let csrf = form_token(&s, "/track").await;
        let track = |pin: &'static str| {
            let csrf = csrf.clone();
            let url = s.url("/track");
            async move {
                let res = client()
                    .post(url)
                    .header("cookie", format!("minwon_csrf={csrf}"))
                    .form(&[
                        ("number", id.to_string()),
                        ("pin", pin.to_string()),
                        ("csrf_token", csrf.clone()),
                    ])
                    .send()
                    .await
                    .unwrap();
                (res.status().as_u16(), res.text().await.unwrap())
            }
        };
        let (st, body) = track("0000").await;
        assert_eq!(st, 422);
        assert!(body.contains("맞지 않습니다"));
        assert!(!body.contains("가로등 고장 신고"));
        let (st, body) = track("5678").await;
        assert_eq!(st, 200);
        assert!(body.contains("가로등 고장 신고"));

        // A rating before any answer is refused with a message and changes nothing.
        let res = client()
            .post(s.url("/track/step"))
            .header("cookie", format!("minwon_csrf={csrf}"))
            .form(&[
                ("number", id.to_string()),
                ("pin", "5678".into()),
                ("step", "rate".into()),
                ("score", "5".into()),
                ("csrf_token", csrf.clone()),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 422);
        let p = store::petitions::get(&s.state.db, id).await.unwrap();
        assert_eq!(p.derived.ratings, 0);

        // Bad input on the filing form: the form comes back filled in, nothing is filed.
        let before = common::petition_count(&s).await;
        // With the empty file part a browser sends when no file is chosen.
        let res = file_on_page(
            &s,
            &t["id"],
            &[
                ("title", "제목은 남아야 합니다"),
                ("body", ""),
                ("name", "홍길동"),
                ("phone", "010-9999-1111"),
                ("consent", "yes"),
            ],
            &[("", b"")],
        )
        .await;
        assert_eq!(res.status(), 422);
        let body = res.text().await.unwrap();
        assert!(body.contains("id=\"body-error\""), "{body}");
        assert!(body.contains("내용을 입력해 주세요"), "{body}");
        assert!(body.contains("value=\"제목은 남아야 합니다\""));
        let after = common::petition_count(&s).await;
        assert_eq!(before, after, "nothing half-written");

        // A tracking password chosen at filing finds the petition; a wrong one does not.
        let res = file_on_page(
            &s,
            &t["id"],
            &[
                ("title", "공원 벤치 수리 요청"),
                ("body", "놀이터 옆 벤치가 부서졌습니다."),
                ("name", "홍길동"),
                ("phone", "010-9999-1111"),
                ("tracking_password", "bench-pass-2026"),
                ("consent", "yes"),
            ],
            &[],
        )
        .await;
        assert_eq!(res.status(), 201);
        let receipt = res.text().await.unwrap();
        let number: String = receipt
            .split("id=\"receipt-number\">")
            .nth(1)
            .unwrap()
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        for (secret, status) in [
            ("bench-pass-2026", 200),
            ("bench-pass-2025", 422),
            ("1111", 200),
        ] {
            let res = client()
                .post(s.url("/track"))
                .header("cookie", format!("minwon_csrf={csrf}"))
                .form(&[
                    ("number", number.as_str()),
                    ("pin", secret),
                    ("csrf_token", csrf.as_str()),
                ])
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), status, "{secret}");
        }

        // Administration: administrators only.
        let (st, _) = get_page(&s, "/admin", &kim).await;
        assert_eq!(st, 403);
        let admin_session = session(&s, "admin").await;
        let (st, body) = get_page(&s, "/admin", &admin_session).await;
        assert_eq!(st, 200);
        assert!(body.contains("건의민원"));

        // With handlers' names hidden, a template answer names the department only.
        store::office::settings::set(
            &s.state.db,
            web::office::admin_pages::HIDE_HANDLER_NAMES,
            "true",
            store::now(),
        )
        .await
        .unwrap();
        let typed = api_ok(
            &s,
            &admin,
            "/api/v1/petition-types",
            json!({"code": "question-law", "name": "질의민원(법령)", "kind": "question_law",
                   "department_code": "civil-team",
                   "templates": [{"name": "기본", "text": "{answer} — {department} {official}"}]}),
        )
        .await;
        let q = api_ok(
            &s,
            &resident,
            "/api/v1/petitions",
            json!({"type_id": typed["id"], "title": "조례 질의", "body": "조례 제3조의 뜻을 알려 주세요."}),
        )
        .await;
        let qid = q["id"].as_i64().unwrap();
        let kim_token = s.token("kim").await;
        let path = format!("/api/v1/petitions/{qid}/actions");
        api_ok(&s, &kim_token, &path, json!({"action": "receive"})).await;
        let answered = api_ok(
            &s,
            &kim_token,
            &path,
            json!({"action": "answer", "text": "이렇습니다", "template": "기본"}),
        )
        .await;
        let text = answered["handling"]["answers"][0]["text"].as_str().unwrap();
        assert!(text.contains("민원팀"), "{text}");
        assert!(!text.contains("kim 이름"), "{text}");
        s.shutdown().await;
    }

    /// Anyone may report anonymously without an account (Act art. 2): no name or contact is kept,
    /// no statutory clock runs, and the report is followed with its tracking password only.
    #[tokio::test]
    async fn anonymous_reports_without_an_account(backend) {
        let s = start_unlimited(backend).await;
        let admin = s.token("admin").await;
        let t = proposal_type(&s, &admin).await;
        let statutory = api_ok(
            &s,
            &admin,
            "/api/v1/petition-types",
            json!({"code": "permit", "name": "허가", "kind": "statutory", "period": "5d", "department_code": "civil-team"}),
        )
        .await;
        let form = format!("/petitions/new/{}", t["id"]);
        let (st, html) = get_page(&s, &format!("{form}?anonymous=true"), "").await;
        assert_eq!(st, 200);
        assert!(html.contains("id=\"anonymous-note\""), "{html}");
        assert!(!html.contains("name=\"phone\""), "no contact fields");
        let (_, html) = get_page(&s, &format!("/petitions/new/{}", statutory["id"]), "").await;
        assert!(
            !html.contains("anonymous-link"),
            "statutory types need a name"
        );

        let csrf = form_token(&s, &form).await;
        let post = |fields: Vec<(&'static str, &'static str)>| {
            let fields: Vec<(&str, &str)> = [("csrf_token", csrf.as_str())].into_iter().chain(fields).collect();
            let (body, content_type) = multipart(&fields, &[], "");
            client()
                .post(s.url(&form))
                .header("cookie", format!("minwon_csrf={csrf}"))
                .header("content-type", content_type)
                .body(body)
                .send()
        };
        // Without a tracking password nobody could follow it: refused, nothing written.
        let res = post(vec![
            ("anonymous", "yes"),
            ("title", "불법 투기 신고"),
            ("body", "공원 입구에 쓰레기가 버려져 있습니다."),
        ])
        .await
        .unwrap();
        assert_eq!(res.status(), 422);
        assert!(res.text().await.unwrap().contains("조회 비밀번호"));
        // Contact fields sent anyway are dropped.
        let res = post(vec![
            ("anonymous", "yes"),
            ("title", "불법 투기 신고"),
            ("body", "공원 입구에 쓰레기가 버려져 있습니다."),
            ("name", "홍길동"),
            ("phone", "010-1234-5678"),
            ("tracking_password", "report-pass-2026"),
        ])
        .await
        .unwrap();
        assert_eq!(res.status(), 201);
        let receipt = res.text().await.unwrap();
        assert!(receipt.contains("id=\"anonymous-receipt\""), "{receipt}");
        let number: String = receipt
            .split("id=\"receipt-number\">")
            .nth(1)
            .unwrap()
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        let p = store::petitions::get(&s.state.db, number.parse().unwrap())
            .await
            .unwrap();
        assert!(p.anonymous);
        assert_eq!(
            (p.petitioner_name.as_str(), p.petitioner_phone.as_str()),
            ("", "")
        );
        assert_eq!(p.derived.period, None, "no statutory clock");
        for (secret, status) in [("report-pass-2026", 200), ("5678", 422), ("", 422)] {
            let res = client()
                .post(s.url("/track"))
                .header("cookie", format!("minwon_csrf={csrf}"))
                .form(&[
                    ("number", number.as_str()),
                    ("pin", secret),
                    ("csrf_token", csrf.as_str()),
                ])
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), status, "{secret:?}");
        }
        s.shutdown().await;
    }
}

store::backend_tests! {
    /// Issue 16 (queue): search by receipt number in every usual form and by the masked name,
    /// the additional-answer request back in the queue with its tile, sorting links with
    /// `aria-sort`, and the one deadline badge on the queue, the petition page and /my.
    #[tokio::test]
    async fn the_queue_page_finds_filters_sorts_and_badges(backend) {
        let s = start_unlimited(backend).await;
        let admin = s.token("admin").await;
        let resident = s.token("resident").await;
        let kim_api = s.token("kim").await;
        let t = proposal_type(&s, &admin).await;
        let mut ids = Vec::new();
        for title in ["가로등 고장 신고", "버스 정류장 의자 파손"] {
            let p = api_ok(
                &s,
                &resident,
                "/api/v1/petitions",
                json!({"type_id": t["id"], "title": title, "body": "살펴 주세요."}),
            )
            .await;
            let id = p["id"].as_i64().unwrap();
            api_ok(&s, &kim_api, &format!("/api/v1/petitions/{id}/actions"), json!({"action": "receive"})).await;
            ids.push(id);
        }
        let first = store::petitions::get(&s.state.db, ids[0]).await.unwrap();
        let no = first.receipt_no.clone().unwrap();
        let seq = no.split('-').nth(1).unwrap().to_string();
        let short = seq.trim_start_matches('0').to_string();
        let masked = domain::privacy::mask(domain::privacy::PersonalKind::Name, &first.petitioner_name);
        assert!(masked.contains('*'), "{masked}");
        let kim = session(&s, "kim").await;
        for q in [no.as_str(), seq.as_str(), short.as_str()] {
            let (st, body) = get_page(&s, &format!("/desk?{}", serde_urlencoded::to_string([("q", q)]).unwrap()), &kim).await;
            assert_eq!(st, 200);
            assert!(body.contains("가로등 고장 신고"), "{q}");
            assert!(!body.contains("버스 정류장 의자 파손"), "{q}");
        }
        let (_, body) = get_page(&s, &format!("/desk?{}", serde_urlencoded::to_string([("q", &masked)]).unwrap()), &kim).await;
        assert!(body.contains("가로등 고장 신고") && body.contains("버스 정류장 의자 파손"));
        let (_, body) = get_page(&s, "/desk?q=%EB%B0%95*%EB%AF%BC", &kim).await;
        assert!(!body.contains("가로등 고장 신고"), "another masked name finds nobody");

        // Answered, rated 1 with the request: back in the queue, marked, counted and filtered.
        let id = ids[0];
        api_ok(&s, &kim_api, &format!("/api/v1/petitions/{id}/actions"),
            json!({"action": "answer", "text": "다음 주에 고치겠습니다."})).await;
        let (_, body) = get_page(&s, &format!("/desk/petitions/{id}"), &kim).await;
        assert!(body.contains("기한 내 처리"), "answered: the outcome, not a countdown");
        let res = client()
            .post(s.url(&format!("/api/v1/petitions/{id}/actions")))
            .bearer_auth(&resident)
            .json(&json!({"action": "rate", "score": 4, "more_wanted": true}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 400);
        assert!(
            res.text().await.unwrap().contains("additional_needs_low_rating"),
            "a request needs a rating of 1 or 2"
        );
        api_ok(&s, &resident, &format!("/api/v1/petitions/{id}/actions"),
            json!({"action": "rate", "score": 1, "comment": "언제인가요?", "more_wanted": true})).await;
        let (_, body) = get_page(&s, "/desk", &kim).await;
        assert!(body.contains("id=\"tile-additional\">추가 답변 요청 <strong>1</strong>"), "{body}");
        let (_, body) = get_page(&s, "/desk?urgency=additional", &kim).await;
        assert!(body.contains("가로등 고장 신고") && body.contains("mw-additional"));
        assert!(!body.contains("버스 정류장 의자 파손"));
        assert!(body.contains("id=\"tile-additional\" aria-current=\"true\""));

        // Sorting by receipt number, both ways, by plain links with aria-sort.
        let (_, body) = get_page(&s, "/desk?sort=number_desc", &kim).await;
        assert!(body.contains("aria-sort=\"descending\"><a href=\"/desk?"), "{body}");
        assert!(body.find("버스 정류장 의자 파손").unwrap() < body.find("가로등 고장 신고").unwrap());
        let (_, body) = get_page(&s, "/desk?sort=number", &kim).await;
        assert!(body.find("가로등 고장 신고").unwrap() < body.find("버스 정류장 의자 파손").unwrap());

        // The resident's page shows the outcome: when it was answered and that it was on time.
        let mine = session(&s, "resident").await;
        let (st, body) = get_page(&s, &format!("/my/{id}?lang=en"), &mine).await;
        assert_eq!(st, 200);
        assert!(body.contains("Done on time") && body.contains("Outcome"), "{body}");
    }
}
