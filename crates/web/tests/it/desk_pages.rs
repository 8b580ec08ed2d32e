//! Issue 16 at the desk, over real HTTP on both databases: choosing people and periods from
//! lists the rules shape (assignee from the department's staff, extensions as a number in the
//! period's own unit, actions the rules forbid now shown closed with the reason of the same rule
//! that refuses them), internal codes in words, and result documents that only the petitioner
//! and the office's reach can take.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::common;

use chrono::{Duration, TimeZone, Utc};
use common::{Server, api, browser, client, cookie_value, session, set_cookie};
use serde_json::{Value, json};

/// A type handled by 민원팀: a question (7 days) or, with `period`, a statutory one.
async fn make_type(s: &Server, code: &str, period: Option<&str>) -> i64 {
    let admin = api(s, "admin").await;
    let mut body = json!({"code": code, "name": format!("{code} 종류"), "kind": "question_system",
        "department_code": "civil-team",
        "templates": [{"name": "기본", "text": "{name}님, {answer}"}, {"name": "허가", "text": "허가합니다. {answer}"}]});
    if let Some(p) = period {
        body["kind"] = json!("statutory");
        body["period"] = json!(p);
    }
    let (st, t) = admin.post("/api/v1/petition-types", body).await;
    assert_eq!(st, 201, "{t}");
    t["id"].as_i64().unwrap()
}

/// The resident files (with a phone, so the petition is tracked); returns (id, tracking code).
async fn filed(s: &Server, type_id: i64, title: &str) -> (i64, String) {
    let (st, p) = api(s, "resident")
        .await
        .post(
            "/api/v1/petitions",
            json!({"type_id": type_id, "title": title, "body": format!("{title} 내용입니다."),
                   "petitioner": {"name": "홍길동", "phone": "010-2222-3333"}}),
        )
        .await;
    assert_eq!(st, 201, "{p}");
    (
        p["id"].as_i64().unwrap(),
        p["tracking_code"].as_str().unwrap().to_string(),
    )
}

async fn receive(s: &Server, id: i64) -> Value {
    let (st, r) = api(s, "kim")
        .await
        .post(
            &format!("/api/v1/petitions/{id}/actions"),
            json!({"action": "receive"}),
        )
        .await;
    assert_eq!(st, 200, "{r}");
    r
}

/// The result-document form as a browser sends it: one file, the token in the action's query.
async fn attach_result(
    s: &Server,
    cookie: &str,
    csrf: &str,
    id: i64,
    name: &str,
    bytes: &[u8],
) -> (u16, String, Option<String>) {
    let boundary = "minwon-result-boundary";
    let mut body: Vec<u8> = Vec::new();
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n{csrf}\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"{name}\"\r\nContent-Type: application/pdf\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let res = client()
        .post(s.url(&format!("/desk/petitions/{id}/result")))
        .header("cookie", cookie)
        .header(
            "content-type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(body)
        .send()
        .await
        .unwrap();
    common::page_answer(res).await
}

/// A form post as an anonymous visitor (the pre-sign-in form token) or with a session cookie.
async fn post_form(
    s: &Server,
    path: &str,
    cookie: Option<&str>,
    fields: &[(&str, &str)],
) -> (u16, Vec<u8>, Option<String>) {
    let (cookie, csrf) = match cookie {
        Some(c) => (c.to_string(), common::session_csrf(s, c).await),
        None => {
            let res = client().get(s.url("/track")).send().await.unwrap();
            let t = cookie_value(&set_cookie(&res, "minwon_csrf").unwrap());
            (format!("minwon_csrf={t}"), t)
        }
    };
    let mut all: Vec<(&str, &str)> = fields.to_vec();
    all.push(("csrf_token", &csrf));
    let res = client()
        .post(s.url(path))
        .header("cookie", cookie)
        .form(&all)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    let disposition = res
        .headers()
        .get("content-disposition")
        .map(|v| v.to_str().unwrap().to_string());
    (status, res.bytes().await.unwrap().to_vec(), disposition)
}

async fn actions(s: &Server, subject: &str) -> Vec<String> {
    store::office::audit::list(
        &s.state.db,
        &store::office::audit::AuditQuery {
            subject: Some(subject.into()),
            limit: 200,
            ..Default::default()
        },
    )
    .await
    .unwrap()
    .into_iter()
    .map(|e| e.action)
    .collect()
}

const PDF: &[u8] = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n";

store::backend_tests! {
    #[tokio::test]
    async fn result_documents_reach_the_petitioner_and_nobody_else(backend) {
        let s = common::start_unlimited(backend).await;
        let t = make_type(&s, "permit", Some("5d")).await;
        let (id, code) = filed(&s, t, "도로점용 허가 신청").await;
        let kim = browser(&s, "kim").await;

        // Before receipt the form is shown closed with the rule's reason, and a post is refused
        // with nothing stored.
        let (st, html, _) = kim.get(&format!("/desk/petitions/{id}")).await;
        assert_eq!(st, 200);
        assert!(html.contains("id=\"result-blocked\""), "{html}");
        let (st, html, _) = attach_result(&s, &kim.cookie, &kim.csrf, id, "허가증.pdf", PDF).await;
        assert_eq!(st, 422);
        assert!(html.contains("id=\"result-error\""), "{html}");
        assert!(store::petitions::attachments(&s.state.db, id).await.unwrap().is_empty());

        let r = receive(&s, id).await;
        let receipt_no = r["receipt_no"].as_str().unwrap().to_string();
        let (_, html, _) = kim.get(&format!("/desk/petitions/{id}")).await;
        assert!(!html.contains("id=\"result-blocked\""));
        assert!(html.contains("id=\"result-form\""));

        // Attached: kept as an attachment marked as a result, logged, noted in words.
        let (st, _, location) =
            attach_result(&s, &kim.cookie, &kim.csrf, id, "허가증.pdf", PDF).await;
        assert_eq!(st, 303);
        assert_eq!(location.as_deref(), Some(format!("/desk/petitions/{id}?done=1").as_str()));
        let files = store::petitions::attachments(&s.state.db, id).await.unwrap();
        assert_eq!(files.len(), 1);
        assert!(files[0].result);
        let sha = files[0].sha256.clone();
        let subject = format!("petitioner:{receipt_no}");
        assert!(actions(&s, &subject).await.contains(&"petition.result_attach".to_string()));
        let (_, html, _) = kim.get(&format!("/desk/petitions/{id}")).await;
        assert!(html.contains("id=\"result-documents\""));
        assert!(html.contains("결과 문서 첨부: 허가증.pdf"), "{html}");
        // The hash is only inside the details on demand, never in the line's words.
        assert!(html.contains(&format!("<code class=\"mw-hash\">SHA-256 {sha}</code>")));
        assert!(!html.contains(&format!("sha256 {sha}")));

        // The petitioner, verified by number and tracking code, sees and downloads it.
        let (st, page, _) = post_form(&s, "/track", None, &[("number", &receipt_no), ("pin", &code)]).await;
        assert_eq!(st, 200);
        let page = String::from_utf8(page).unwrap();
        assert!(page.contains("id=\"result-documents\"") && page.contains("허가증.pdf"));
        let (st, bytes, disposition) = post_form(
            &s,
            "/track/result",
            None,
            &[("number", &receipt_no), ("pin", &code), ("sha256", &sha)],
        )
        .await;
        assert_eq!(st, 200);
        assert_eq!(bytes, PDF);
        assert!(disposition.unwrap().starts_with("attachment"));
        assert!(actions(&s, &subject).await.contains(&"petition.result_read".to_string()));
        // Signed in, the petitioner takes it from their own page without the code.
        let resident = session(&s, "resident").await;
        let (st, bytes, _) = post_form(
            &s,
            "/track/result",
            Some(&resident),
            &[("number", &receipt_no), ("pin", ""), ("sha256", &sha)],
        )
        .await;
        assert_eq!(st, 200);
        assert_eq!(bytes, PDF);

        // An anonymous caller with the number and hash but no code, or a wrong code: nothing.
        for pin in ["", "AAAA-BBBB-CCCC"] {
            let (st, bytes, _) = post_form(
                &s,
                "/track/result",
                None,
                &[("number", &receipt_no), ("pin", pin), ("sha256", &sha)],
            )
            .await;
            assert_eq!(st, 404, "pin {pin:?}");
            assert_ne!(bytes, PDF);
        }
        // No address alone leads to it.
        let res = client().get(s.url("/track/result")).send().await.unwrap();
        assert_eq!(res.status(), 405);
        // Another resident, signed in: not their petition.
        {
            let hash = store::kit::secrets::hash_password(common::PASSWORD).unwrap();
            let mut tx = s.state.db.begin().await.unwrap();
            store::office::accounts::create(
                &mut tx,
                &store::office::accounts::NewAccount {
                    username: "neighbour",
                    display_name: "이웃 주민",
                    email: "neighbour@example.kr",
                    phone: "010-9999-8888",
                    role: domain::office::accounts::Role::Resident,
                    department_id: None,
                    password_hash: &hash,
                },
                store::now(),
            )
            .await
            .unwrap();
            tx.commit().await.unwrap();
        }
        let neighbour = session(&s, "neighbour").await;
        let (st, bytes, _) = post_form(
            &s,
            "/track/result",
            Some(&neighbour),
            &[("number", &receipt_no), ("pin", ""), ("sha256", &sha)],
        )
        .await;
        assert_eq!(st, 404);
        assert_ne!(bytes, PDF);

        // The office: the handling department takes it (with a reason, logged); an official of
        // another department is refused by the access policy.
        let (st, _) = api(&s, "kim")
            .await
            .get(&format!("/api/v1/petitions/{id}/attachments/{sha}?reason=발급 확인"))
            .await;
        assert_eq!(st, 200);
        let (st, _) = api(&s, "lee")
            .await
            .get(&format!("/api/v1/petitions/{id}/attachments/{sha}?reason=궁금함"))
            .await;
        assert_eq!(st, 403);
        let lee = browser(&s, "lee").await;
        let (st, html, _) = lee.get(&format!("/desk/petitions/{id}")).await;
        assert_eq!(st, 403);
        assert!(!html.contains("허가증.pdf"));

        // Neither the tracking API nor Open311 says anything of it.
        let res = client()
            .post(s.url("/api/v1/track"))
            .json(&json!({"number": receipt_no, "code": code}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        let body = res.text().await.unwrap();
        assert!(!body.contains("허가증") && !body.contains(&sha), "{body}");
        let res = client()
            .get(s.url(&format!("/open311/v2/requests/{id}.json")))
            .send()
            .await
            .unwrap();
        let body = res.text().await.unwrap();
        assert!(!body.contains("허가증") && !body.contains(&sha), "{body}");
        s.shutdown().await;
    }
}

store::backend_tests! {
    #[tokio::test]
    async fn desk_choices_come_from_the_rules(backend) {
        let s = common::start_unlimited(backend).await;
        // Monday 2026-11-23 10:00 Korean time.
        let clock = s.state.db.clock().clone();
        clock.set(Utc.with_ymd_and_hms(2026, 11, 23, 1, 0, 0).unwrap());
        let t = make_type(&s, "quick", Some("immediate")).await;
        let (id, _) = filed(&s, t, "즉시 처리 민원").await;
        receive(&s, id).await;
        let kim = browser(&s, "kim").await;
        let (st, html, _) = kim.get(&format!("/desk/petitions/{id}")).await;
        assert_eq!(st, 200);

        // The assignee is chosen from each department's staff; residents are not offered.
        assert!(html.contains("<option value=\"civil-team/kim\""), "{html}");
        assert!(html.contains("<option value=\"build/lee\""));
        assert!(!html.contains("/resident\""));
        // Codes stay internal: the channel in words.
        assert!(html.contains("<dd id=\"channel\">인터넷</dd>"), "{html}");
        let (st, _, _) = kim
            .post(&format!("/desk/petitions/{id}/act"), &[("action", "assign"), ("assign_to", "civil-team/kim")])
            .await;
        assert_eq!(st, 303);
        let p = store::petitions::get(&s.state.db, id).await.unwrap();
        assert!(p.assignee_id.is_some());
        // A person of another department under this one is refused next to the list.
        let (st, html, _) = kim
            .post(&format!("/desk/petitions/{id}/act"), &[("action", "assign"), ("assign_to", "civil-team/lee")])
            .await;
        assert_eq!(st, 422);
        assert!(html.contains("id=\"assign-error\""), "{html}");
        assert!(html.contains("<option value=\"civil-team/lee\"") || html.contains("value=\"build/lee\""));

        // An immediate petition is extended in working hours, at most its own 3.
        let (_, html, _) = kim.get(&format!("/desk/petitions/{id}")).await;
        assert!(html.contains("max=\"3\""), "{html}");
        assert!(html.contains("(근무시간)"));
        assert!(!html.contains("id=\"extend-blocked\""));
        let ext = |n: &'static str, consent: &'static str| {
            vec![
                ("action", "extend"),
                ("amount", n),
                ("ground", "cooperation"),
                ("reason", "관계기관 협의"),
                ("consent", consent),
            ]
        };
        let (st, html, _) = kim.post(&format!("/desk/petitions/{id}/act"), &ext("4", "")).await;
        assert_eq!(st, 422);
        assert!(html.contains("id=\"ext-error\"") && html.contains("근무시간"), "{html}");
        assert!(html.contains("value=\"4\""), "what was typed is kept");
        let (st, _, _) = kim.post(&format!("/desk/petitions/{id}/act"), &ext("3", "")).await;
        assert_eq!(st, 303);
        // The second needs the petitioner's consent: the box is there and required.
        let (_, html, _) = kim.get(&format!("/desk/petitions/{id}")).await;
        assert!(html.contains("id=\"ext-consent\" name=\"consent\" value=\"1\" required"), "{html}");
        let (st, _, _) = kim.post(&format!("/desk/petitions/{id}/act"), &ext("2", "1")).await;
        assert_eq!(st, 303);
        // After two, the form is closed with the reason the step itself would give.
        let (_, html, _) = kim.get(&format!("/desk/petitions/{id}")).await;
        assert!(html.contains("id=\"extend-blocked\""), "{html}");
        assert!(html.contains("두 번까지만 연장할 수 있습니다"));
        let (st, html, _) = kim.post(&format!("/desk/petitions/{id}/act"), &ext("1", "1")).await;
        assert_eq!(st, 422);
        assert!(html.contains("두 번까지만 연장할 수 있습니다"));

        // A type that needs approval: while an extension waits for the supervisor, the form is
        // closed with the reason the submission itself would get.
        let (st, t) = api(&s, "admin")
            .await
            .post(
                "/api/v1/petition-types",
                json!({"code": "held", "name": "결재 종류", "kind": "question_system",
                       "department_code": "civil-team", "needs_approval": true}),
            )
            .await;
        assert_eq!(st, 201, "{t}");
        let (id, _) = filed(&s, t["id"].as_i64().unwrap(), "결재 필요 민원").await;
        receive(&s, id).await;
        let (st, _, _) = kim.post(&format!("/desk/petitions/{id}/act"), &ext("1", "")).await;
        assert_eq!(st, 303);
        let (_, html, _) = kim.get(&format!("/desk/petitions/{id}")).await;
        assert!(html.contains("id=\"extend-blocked\""), "{html}");
        assert!(html.contains("이미 결재를 기다리는 건이 있습니다"));

        // A supplement: open within 8 working hours of receipt, closed with the reason after.
        let t = make_type(&s, "slow", Some("10d")).await;
        let (id, _) = filed(&s, t, "보완 필요 민원").await;
        receive(&s, id).await;
        let (_, html, _) = kim.get(&format!("/desk/petitions/{id}")).await;
        assert!(!html.contains("id=\"supplement-blocked\""));
        assert!(html.contains("min=\"2026-11-23\""), "the date picker starts today: {html}");
        clock.advance(Duration::days(2));
        // Two days on, the session has lapsed: sign in again.
        let kim = browser(&s, "kim").await;
        let (st, html, _) = kim.get(&format!("/desk/petitions/{id}?lang=en")).await;
        assert_eq!(st, 200);
        assert!(html.contains("id=\"supplement-blocked\""), "{html}");
        assert!(html.contains("within 8 working hours of receipt"));
        let (st, html, _) = kim
            .post(
                &format!("/desk/petitions/{id}/act"),
                &[("action", "request_supplement"), ("items", "도면"), ("answer_by", "2026-12-04")],
            )
            .await;
        assert_eq!(st, 422);
        assert!(html.contains("id=\"sup-error\""), "{html}");
        assert!(html.contains("8근무시간"));
        s.shutdown().await;
    }
}
