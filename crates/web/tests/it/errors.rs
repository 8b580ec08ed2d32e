//! Errors that say what happened, in both languages, over a real server: bad input of every
//! kind answers with our bilingual body (JSON for the API, a page for people); an internal
//! failure is a 500 with the request id and no internal text; a real conflict stays a 409.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
// The request tables read best as tuples.
#![allow(clippy::type_complexity)]

use crate::common;

use common::{client, session, start};
use reqwest::Method;
use serde_json::{Value, json};

fn hangul(s: &str) -> bool {
    s.chars().any(|c| ('가'..='힣').contains(&c))
}

/// `{code, message, message_ko, message_en}` with each half in its language and `message`
/// joining them.
fn assert_bilingual_json(what: &str, body: &Value) {
    let ko = body["message_ko"].as_str().unwrap_or_default();
    let en = body["message_en"].as_str().unwrap_or_default();
    assert!(
        !body["code"].as_str().unwrap_or_default().is_empty(),
        "{what}: {body}"
    );
    assert!(hangul(ko), "{what}: Korean half: {body}");
    assert!(
        !en.is_empty() && !hangul(en),
        "{what}: English half: {body}"
    );
    assert_eq!(body["message"], format!("{ko} ({en})"), "{what}");
}

async fn send(
    method: Method,
    url: &str,
    headers: &[(&str, &str)],
    body: Option<&str>,
) -> (u16, String, String) {
    let mut req = client().request(method, url);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    if let Some(b) = body {
        req = req.body(b.to_string());
    }
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    let kind = res
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    (status, kind, res.text().await.unwrap())
}

store::backend_tests! {
    #[tokio::test]
    async fn malformed_requests_answer_with_a_bilingual_body(backend) {
        let s = start(backend).await;
        let admin = s.token("admin").await;
        let bearer = format!("Bearer {admin}");
        let cookie = session(&s, "kim").await;
        let auth = [("authorization", bearer.as_str())];
        let json_auth = [
            ("authorization", bearer.as_str()),
            ("content-type", "application/json"),
        ];
        let long_query = format!("/api/v1/petitions?state={}", "x".repeat(10_000));
        let big_header = "y".repeat(40_000);
        let big = [
            ("authorization", bearer.as_str()),
            ("x-padding", big_header.as_str()),
        ];
        let page = [("cookie", cookie.as_str())];
        let depts = "/api/v1/departments";
        // (what, method, path, headers, body, expected status or 0 for "any 4xx")
        let table: Vec<(&str, Method, &str, &[(&str, &str)], Option<&str>, u16)> = vec![
            ("bad JSON", Method::POST, depts, &json_auth, Some("{"), 400),
            (
                "JSON without its type",
                Method::POST,
                depts,
                &auth,
                Some("{}"),
                415,
            ),
            (
                "wrong types",
                Method::POST,
                depts,
                &json_auth,
                Some(r#"{"code": 5, "name": []}"#),
                422,
            ),
            (
                "unknown field",
                Method::POST,
                depts,
                &json_auth,
                Some(r#"{"code": "z", "name": "z", "colour": "red"}"#),
                422,
            ),
            (
                "bad path id",
                Method::GET,
                "/api/v1/petitions/abc",
                &auth,
                None,
                400,
            ),
            (
                "bad query",
                Method::GET,
                "/api/v1/petitions?department_id=one",
                &auth,
                None,
                400,
            ),
            ("wrong method", Method::DELETE, depts, &auth, None, 405),
            ("huge URI", Method::GET, &long_query, &auth, None, 414),
            ("huge headers", Method::GET, depts, &big, None, 431),
        ];
        for (what, method, path, headers, body, want) in table {
            let (status, kind, text) = send(method, &s.url(path), headers, body).await;
            assert_eq!(status, want, "{what}: {text}");
            assert!(kind.starts_with("application/json"), "{what}: {kind}");
            let v: Value = serde_json::from_str(&text).unwrap();
            assert_bilingual_json(what, &v);
            assert!(v.get("request_id").is_none(), "{what}: not a server error");
        }

        // People get a page in their language.
        let pages: Vec<(&str, Method, &str, &[(&str, &str)], u16)> = vec![
            (
                "page with a bad id",
                Method::GET,
                "/desk/petitions/abc",
                &page,
                400,
            ),
            (
                "page by a wrong method",
                Method::OPTIONS,
                "/desk",
                &page,
                405,
            ),
        ];
        for (what, method, path, headers, want) in pages {
            let (status, kind, text) = send(method, &s.url(path), headers, None).await;
            assert_eq!(status, want, "{what}: {text}");
            assert!(kind.starts_with("text/html"), "{what}: {kind}");
            assert!(hangul(&text), "{what}: {text}");
        }
        let (status, _, text) = send(
            Method::GET,
            &s.url("/desk/petitions/abc"),
            &[("cookie", &format!("{cookie}; minwon_lang=en"))],
            None,
        )
        .await;
        assert_eq!(status, 400);
        assert!(
            text.contains("The request cannot be done"),
            "English page: {text}"
        );
        s.shutdown().await;
    }

    #[tokio::test]
    async fn a_real_conflict_is_still_409_with_both_halves(backend) {
        let s = start(backend).await;
        let admin = common::api(&s, "admin").await;
        let (st, body) = admin
            .post(
                "/api/v1/departments",
                json!({"code": "civil", "name": "민원과 둘"}),
            )
            .await;
        assert_eq!(st, 409, "{body}");
        assert_eq!(body["code"], "conflict");
        assert_bilingual_json("duplicate department", &body);
        assert!(body["message_en"].as_str().unwrap().contains("civil"));
        assert!(body.get("request_id").is_none());
        s.shutdown().await;
    }

    #[tokio::test]
    async fn an_internal_failure_is_500_with_the_request_id_and_no_internal_text(backend) {
        let s = start(backend).await;
        let admin = s.token("admin").await;
        let cookie = session(&s, "kim").await;
        // The database goes away under the running server.
        s.state.db.close().await;

        let res = client()
            .get(s.url("/api/v1/departments"))
            .bearer_auth(&admin)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 500);
        let id = res.headers()["x-request-id"].to_str().unwrap().to_string();
        let text = res.text().await.unwrap();
        let body: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(body["code"], "internal");
        assert_eq!(body["request_id"], id.as_str(), "{body}");
        assert_bilingual_json("internal", &body);
        let lower = text.to_lowercase();
        for leak in ["pool", "closed", "sqlx", "database", "sqlite", "postgres"] {
            assert!(
                !lower.contains(leak),
                "internal text leaked ({leak}): {text}"
            );
        }

        let res = client()
            .get(s.url("/desk"))
            .header("cookie", &cookie)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 500);
        let id = res.headers()["x-request-id"].to_str().unwrap().to_string();
        let html = res.text().await.unwrap();
        assert!(html.contains(&id), "the page shows the request id: {html}");
        assert!(html.contains("서버 오류"), "{html}");
        assert!(!html.to_lowercase().contains("pool"), "{html}");
        s.shutdown().await;
    }
}
