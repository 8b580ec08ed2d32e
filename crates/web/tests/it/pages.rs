//! Access control of the petition desk's pages over real HTTP: officials see only their reach,
//! residents only their own petitions, tracking needs the right phone digits, and bad input on a
//! form is explained and changes nothing.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::common;

use common::{Server, client, cookie_value, session, set_cookie, start_with};
use serde_json::{Value, json};
use web::WebConfig;

async fn page(path: &str, s: &Server, cookie: &str) -> (u16, String) {
    let res = client()
        .get(s.url(path))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap();
    (res.status().as_u16(), res.text().await.unwrap())
}

async fn api_post(s: &Server, token: &str, path: &str, body: Value) -> Value {
    let res = client()
        .post(s.url(path))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success(), "{path}: {}", res.status());
    res.json().await.unwrap()
}

/// A server without rate limits (the tests send many requests quickly).
async fn unlimited(backend: &str) -> Server {
    start_with(
        backend,
        WebConfig {
            rate_per_minute: 0,
            ..WebConfig::default()
        },
    )
    .await
}

/// The general proposal type (건의민원) at the 민원팀.
async fn proposal_type(s: &Server, admin: &str) -> Value {
    api_post(
        s,
        admin,
        "/api/v1/petition-types",
        json!({"code": "proposal", "name": "건의민원", "kind": "proposal", "department_code": "civil-team"}),
    )
    .await
}

/// The pre-session form token a page hands out, as cookie and field value.
async fn form_token(s: &Server, path: &str) -> String {
    let res = client().get(s.url(path)).send().await.unwrap();
    cookie_value(&set_cookie(&res, "minwon_csrf").unwrap())
}

store::backend_tests! {
    #[tokio::test]
    async fn pages_follow_the_access_policy(backend) {
        let s = unlimited(backend).await;
        let admin = s.token("admin").await;
        let resident = s.token("resident").await;
        let t = proposal_type(&s, &admin).await;
        let filed = api_post(
            &s,
            &resident,
            "/api/v1/petitions",
            json!({"type_id": t["id"], "title": "가로등 고장 신고", "body": "마을 입구 가로등이 꺼져 있습니다."}),
        )
        .await;
        let id = filed["id"].as_i64().unwrap();

        // Officials: the 민원팀 official opens it; the 건설과 official may not.
        let kim = session(&s, "kim").await;
        let (st, body) = page(&format!("/desk/petitions/{id}"), &s, &kim).await;
        assert_eq!(st, 200);
        assert!(body.contains("가로등 고장 신고"));
        // The petitioner is masked until revealed.
        assert!(body.contains("resident*이름") || !body.contains("resident 이름"));
        let lee = session(&s, "lee").await;
        let (st, body) = page(&format!("/desk/petitions/{id}"), &s, &lee).await;
        assert_eq!(st, 403);
        assert!(!body.contains("가로등 고장 신고"));
        let (st, body) = page("/desk", &s, &lee).await;
        assert_eq!(st, 200);
        assert!(
            !body.contains("가로등 고장 신고"),
            "not in another department's queue"
        );
        let (st, body) = page("/desk", &s, &kim).await;
        assert_eq!(st, 200);
        assert!(body.contains("가로등 고장 신고"));

        // Without a session the desk sends people to sign in; residents are refused.
        let (st, _) = page(&format!("/desk/petitions/{id}"), &s, "").await;
        assert_eq!(st, 303);
        let resident_session = session(&s, "resident").await;
        let (st, _) = page(&format!("/desk/petitions/{id}"), &s, &resident_session).await;
        assert_eq!(st, 403);
        // The resident sees their own under /my; an official is not its petitioner.
        let (st, body) = page(&format!("/my/{id}"), &s, &resident_session).await;
        assert_eq!(st, 200);
        assert!(body.contains("가로등 고장 신고"));
        let (st, body) = page(&format!("/my/{id}"), &s, &kim).await;
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
        let before = store::petitions::queue(
            &s.state.db,
            &store::petitions::QueueFilter {
                include_done: true,
                limit: 100,
                ..Default::default()
            },
            store::now(),
        )
        .await
        .unwrap()
        .counts
        .total;
        let csrf = form_token(&s, &format!("/petitions/new/{}", t["id"])).await;
        // A multipart body written by hand (what a browser sends for the filing form).
        let boundary = "minwon-test-boundary";
        let mut body = String::new();
        for (k, v) in [
            ("csrf_token", csrf.as_str()),
            ("title", "제목은 남아야 합니다"),
            ("body", ""),
            ("name", "홍길동"),
            ("phone", "010-9999-1111"),
            ("consent", "yes"),
        ] {
            body.push_str(&format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n"
            ));
        }
        body.push_str(&format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"\"\r\nContent-Type: application/octet-stream\r\n\r\n\r\n--{boundary}--\r\n"
        ));
        let res = client()
            .post(s.url(&format!("/petitions/new/{}", t["id"])))
            .header("cookie", format!("minwon_csrf={csrf}"))
            .header(
                "content-type",
                format!("multipart/form-data; boundary={boundary}"),
            )
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 422);
        let body = res.text().await.unwrap();
        assert!(body.contains("제목과 내용을 입력해 주세요"), "{body}");
        assert!(body.contains("value=\"제목은 남아야 합니다\""));
        let after = store::petitions::queue(
            &s.state.db,
            &store::petitions::QueueFilter {
                include_done: true,
                limit: 100,
                ..Default::default()
            },
            store::now(),
        )
        .await
        .unwrap()
        .counts
        .total;
        assert_eq!(before, after, "nothing half-written");

        // A tracking password chosen at filing finds the petition; a wrong one does not.
        let (body, content_type) = multipart(&csrf, &[
            ("title", "공원 벤치 수리 요청"),
            ("body", "놀이터 옆 벤치가 부서졌습니다."),
            ("name", "홍길동"),
            ("phone", "010-9999-1111"),
            ("tracking_password", "bench-pass-2026"),
            ("consent", "yes"),
        ]);
        let res = client()
            .post(s.url(&format!("/petitions/new/{}", t["id"])))
            .header("cookie", format!("minwon_csrf={csrf}"))
            .header("content-type", content_type)
            .body(body)
            .send()
            .await
            .unwrap();
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
        let (st, _) = page("/admin", &s, &kim).await;
        assert_eq!(st, 403);
        let admin_session = session(&s, "admin").await;
        let (st, body) = page("/admin", &s, &admin_session).await;
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
        let typed = api_post(
            &s,
            &admin,
            "/api/v1/petition-types",
            json!({"code": "question-law", "name": "질의민원(법령)", "kind": "question_law",
                   "department_code": "civil-team",
                   "templates": [{"name": "기본", "text": "{answer} — {department} {official}"}]}),
        )
        .await;
        let q = api_post(
            &s,
            &resident,
            "/api/v1/petitions",
            json!({"type_id": typed["id"], "title": "조례 질의", "body": "조례 제3조의 뜻을 알려 주세요."}),
        )
        .await;
        let qid = q["id"].as_i64().unwrap();
        let kim_token = s.token("kim").await;
        let path = format!("/api/v1/petitions/{qid}/actions");
        api_post(&s, &kim_token, &path, json!({"action": "receive"})).await;
        let answered = api_post(
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
}

/// A multipart form body of text fields, as a browser sends the filing form.
fn multipart(csrf: &str, fields: &[(&str, &str)]) -> (String, String) {
    let boundary = "minwon-test-boundary";
    let mut body = String::new();
    // The form token opens the body, as the form's first (hidden) field.
    for (k, v) in [("csrf_token", csrf)].iter().chain(fields) {
        body.push_str(&format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n"
        ));
    }
    body.push_str(&format!("--{boundary}--\r\n"));
    (body, format!("multipart/form-data; boundary={boundary}"))
}

store::backend_tests! {
    /// Anyone may report anonymously without an account (Act art. 2): no name or contact is kept,
    /// no statutory clock runs, and the report is followed with its tracking password only.
    #[tokio::test]
    async fn anonymous_reports_without_an_account(backend) {
        let s = unlimited(backend).await;
        let admin = s.token("admin").await;
        let t = proposal_type(&s, &admin).await;
        let statutory = api_post(
            &s,
            &admin,
            "/api/v1/petition-types",
            json!({"code": "permit", "name": "허가", "kind": "statutory", "period": "5d", "department_code": "civil-team"}),
        )
        .await;
        let form = format!("/petitions/new/{}", t["id"]);
        let (st, html) = page(&format!("{form}?anonymous=true"), &s, "").await;
        assert_eq!(st, 200);
        assert!(html.contains("id=\"anonymous-note\""), "{html}");
        assert!(!html.contains("name=\"phone\""), "no contact fields");
        let (_, html) = page(&format!("/petitions/new/{}", statutory["id"]), &s, "").await;
        assert!(
            !html.contains("anonymous-link"),
            "statutory types need a name"
        );

        let csrf = form_token(&s, &form).await;
        let post = |fields: Vec<(&'static str, &'static str)>| {
            let (body, content_type) = multipart(&csrf, &fields);
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
