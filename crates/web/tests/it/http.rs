//! The HTTP skeleton over a real server, on SQLite and (when configured) PostgreSQL.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::common;

use common::{PASSWORD, client, cookie_value, get_json, get_page, set_cookie, start, start_with};
use serde_json::{Value, json};
use web::WebConfig;

store::backend_tests! {
    #[tokio::test]
    async fn health_headers_and_request_ids(backend) {
        let s = start(backend).await;
        let res = client().get(s.url("/healthz")).send().await.unwrap();
        assert_eq!(res.status(), 200);
        let h = res.headers().clone();
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["status"], "ok");
        assert_eq!(body["database"], backend);
        let csp = h["content-security-policy"].to_str().unwrap();
        assert!(csp.contains("frame-ancestors 'none'"));
        assert!(csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"));
        assert_eq!(h["x-content-type-options"], "nosniff");
        assert_eq!(h["x-frame-options"], "DENY");
        assert!(
            h.get("strict-transport-security").is_none(),
            "no HSTS without TLS"
        );
        assert!(!h["x-request-id"].to_str().unwrap().is_empty());

        let doc = get_json(&s, "/api/v1/openapi.json").await;
        assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
        for path in [
            "/api/v1/tokens",
            "/api/v1/accounts",
            "/api/v1/audit/verify",
            "/healthz",
        ] {
            assert!(doc["paths"].get(path).is_some(), "{path} documented");
        }

        let res = client()
            .get(s.url("/api/v1/nothing-here"))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 404);
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["code"], "not_found");
        let res = client().get(s.url("/nothing-here")).send().await.unwrap();
        assert_eq!(res.status(), 404);
        assert!(
            res.text()
                .await
                .unwrap()
                .contains("페이지를 찾을 수 없습니다")
        );
        s.shutdown().await;
    }
}

#[tokio::test]
async fn hsts_behind_tls() {
    let s = start_with(
        "sqlite",
        WebConfig {
            behind_tls: true,
            ..WebConfig::default()
        },
    )
    .await;
    let res = client().get(s.url("/healthz")).send().await.unwrap();
    assert!(
        res.headers()["strict-transport-security"]
            .to_str()
            .unwrap()
            .contains("max-age=")
    );
    s.shutdown().await;
}

store::backend_tests! {
    #[tokio::test]
    async fn tokens_authenticate_and_revoke(backend) {
        let s = start(backend).await;
        let c = client();
        let res = c.get(s.url("/api/v1/me")).send().await.unwrap();
        assert_eq!(res.status(), 401);
        let res = c
            .post(s.url("/api/v1/tokens"))
            .json(&json!({"username": "kim", "password": "wrong-password-1"}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 401);
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["code"], "bad_credentials");
        assert!(body["message"].as_str().unwrap().contains("비밀번호"));

        let token = s.token("kim").await;
        let me: Value = c
            .get(s.url("/api/v1/me"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(me["username"], "kim");
        assert_eq!(me["role"], "official");
        let res = c
            .delete(s.url("/api/v1/tokens/current"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 204);
        let res = c
            .get(s.url("/api/v1/me"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 401);
        let res = c
            .get(s.url("/api/v1/me"))
            .bearer_auth("mw_forged")
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 401);
        s.shutdown().await;
    }

    #[tokio::test]
    async fn roles_reach_only_what_the_policy_allows(backend) {
        let s = start(backend).await;
        let c = client();
        let admin = s.token("admin").await;
        let sup = s.token("sup").await;
        let kim = s.token("kim").await;
        let resident = s.token("resident").await;
        let counsel = s.token("counsel").await;

        // Account lists: all for the administrator, the division for the supervisor, none for others.
        let all: Vec<Value> = c
            .get(s.url("/api/v1/accounts"))
            .bearer_auth(&admin)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(all.len(), 6);
        assert!(
            all.iter().all(|a| a["phone"] == "010-****-5678"),
            "masked in lists"
        );
        let division: Vec<Value> = c
            .get(s.url("/api/v1/accounts"))
            .bearer_auth(&sup)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let names: Vec<&str> = division
            .iter()
            .map(|a| a["username"].as_str().unwrap())
            .collect();
        assert_eq!(names, vec!["sup", "kim"]);
        for t in [&kim, &resident, &counsel] {
            let res = c
                .get(s.url("/api/v1/accounts"))
                .bearer_auth(t)
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 403);
        }

        // One account: a supervisor reads their division only; lee (건설과) is outside it.
        let lee_id = all.iter().find(|a| a["username"] == "lee").unwrap()["id"]
            .as_i64()
            .unwrap();
        let kim_id = all.iter().find(|a| a["username"] == "kim").unwrap()["id"]
            .as_i64()
            .unwrap();
        let res = c
            .get(s.url(&format!("/api/v1/accounts/{lee_id}")))
            .bearer_auth(&sup)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 403);
        let seen: Value = c
            .get(s.url(&format!("/api/v1/accounts/{kim_id}?reason=check")))
            .bearer_auth(&sup)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(
            seen["phone"], "010-****-5678",
            "a supervisor may not reveal"
        );
        let revealed: Value = c
            .get(s.url(&format!(
                "/api/v1/accounts/{kim_id}?reason=%EC%97%B0%EB%9D%BD%EC%B2%98%20%ED%99%95%EC%9D%B8"
            )))
            .bearer_auth(&admin)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(revealed["phone"], "010-1234-5678");

        // Only administrators create accounts and departments or read the log.
        let new_account = json!({"username": "park", "display_name": "박민원", "role": "official",
                                 "department_code": "civil-team", "password": "another-pass-99"});
        for t in [&sup, &kim, &resident, &counsel] {
            let res = c
                .post(s.url("/api/v1/accounts"))
                .bearer_auth(t)
                .json(&new_account)
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 403);
            let res = c
                .get(s.url("/api/v1/audit"))
                .bearer_auth(t)
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 403);
            let res = c
                .post(s.url("/api/v1/departments"))
                .bearer_auth(t)
                .json(&json!({"code": "x-dept", "name": "새 부서"}))
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 403);
        }
        let res = c
            .post(s.url("/api/v1/accounts"))
            .bearer_auth(&admin)
            .json(&new_account)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 201);
        let res = c
            .post(s.url("/api/v1/accounts"))
            .bearer_auth(&admin)
            .json(&new_account)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 409, "duplicate username");
        let res = c
            .post(s.url("/api/v1/departments"))
            .bearer_auth(&admin)
            .json(&json!({"code": "welfare", "name": "복지과", "parent_code": "office"}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 201);
        let depts: Vec<Value> = c
            .get(s.url("/api/v1/departments"))
            .bearer_auth(&kim)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(depts.len(), 5);
        let res = c
            .get(s.url("/api/v1/departments"))
            .bearer_auth(&resident)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 403);

        // Every access to personal data is in the log, with its reason, and the chain holds.
        let log: Vec<Value> = c
            .get(s.url("/api/v1/audit?limit=50"))
            .bearer_auth(&admin)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let actions: Vec<&str> = log.iter().map(|e| e["action"].as_str().unwrap()).collect();
        assert!(actions.contains(&"account.list"));
        assert!(actions.contains(&"account.create"));
        let reveal = log
            .iter()
            .find(|e| e["action"] == "account.reveal")
            .expect("reveal logged");
        assert_eq!(reveal["reason"], "연락처 확인");
        assert_eq!(reveal["subject"], format!("account:{kim_id}"));
        let read = log
            .iter()
            .find(|e| e["action"] == "account.read")
            .expect("read logged");
        assert_eq!(read["subject"], format!("account:{kim_id}"));
        let v: Value = c
            .get(s.url("/api/v1/audit/verify"))
            .bearer_auth(&admin)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(v["intact"], true);
        assert!(v["entries"].as_u64().unwrap() >= 5);

        // A password reset ends the account's tokens.
        let park = s.token("sup").await;
        let sup_id = all.iter().find(|a| a["username"] == "sup").unwrap()["id"]
            .as_i64()
            .unwrap();
        let res = c
            .post(s.url(&format!("/api/v1/accounts/{sup_id}/password")))
            .bearer_auth(&admin)
            .json(&json!({"password": "fresh-pass-2026"}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 204);
        assert_eq!(
            c.get(s.url("/api/v1/me"))
                .bearer_auth(&park)
                .send()
                .await
                .unwrap()
                .status(),
            401
        );
        s.shutdown().await;
    }

    #[tokio::test]
    async fn bad_input_gets_clear_errors_and_writes_nothing(backend) {
        let s = start(backend).await;
        let c = client();
        let admin = s.token("admin").await;
        let count = || async {
            let all: Vec<Value> = c
                .get(s.url("/api/v1/accounts"))
                .bearer_auth(&admin)
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            all.len()
        };
        let before = count().await;
        let post = |body: reqwest::Body, ctype: &'static str| {
            c.post(s.url("/api/v1/accounts"))
                .bearer_auth(&admin)
                .header("content-type", ctype)
                .body(body)
        };
        let cases: Vec<(reqwest::Body, &str, u16, &str)> = vec![
            ("{\"username\": ".into(), "application/json", 400, "invalid_json"),
            ("[1,2,3]".into(), "application/json", 422, "invalid_fields"),
            (vec![0xff, 0xfe, 0x7b].into(), "application/json", 400, "invalid_json"),
            ("{}".into(), "text/plain", 415, "unsupported_media_type"),
            (
                json!({"username": "new1", "display_name": "n", "role": "official", "password": "abc-def-1234",
                       "department_code": "office", "is_admin": true}).to_string().into(),
                "application/json", 422, "invalid_fields",
            ),
            (
                json!({"username": "x' OR '1'='1", "display_name": "n", "role": "official",
                       "password": "abc-def-1234", "department_code": "office"}).to_string().into(),
                "application/json", 400, "invalid_username",
            ),
            (
                json!({"username": "robert", "display_name": "<script>alert(1)</script>", "role": "emperor",
                       "password": "abc-def-1234"}).to_string().into(),
                "application/json", 422, "invalid_fields",
            ),
            (
                json!({"username": "weakling", "display_name": "n", "role": "official", "password": "short",
                       "department_code": "office"}).to_string().into(),
                "application/json", 400, "weak_password",
            ),
            (
                json!({"username": "nodept", "display_name": "n", "role": "official", "password": "abc-def-1234",
                       "department_code": "'; DROP TABLE accounts; --"}).to_string().into(),
                "application/json", 400, "unknown_department",
            ),
            (
                format!("{{\"username\": \"{}\"}}", "a".repeat(2 * 1024 * 1024)).into(),
                "application/json", 413, "body_unreadable",
            ),
        ];
        for (body, ctype, status, code) in cases {
            let res = post(body, ctype).send().await.unwrap();
            assert_eq!(res.status().as_u16(), status, "expected {code}");
            let v: Value = res.json().await.unwrap();
            assert_eq!(v["code"], code);
            assert!(
                v["message"].as_str().unwrap().contains('('),
                "bilingual message: {v}"
            );
        }
        assert_eq!(count().await, before, "nothing half-written");
        // The store still works after hostile strings.
        let res = c.get(s.url("/healthz")).send().await.unwrap();
        assert_eq!(res.status(), 200);
        s.shutdown().await;
    }

    #[tokio::test]
    async fn browser_sessions_with_csrf(backend) {
        let s = start(backend).await;
        let c = client();
        // The login page sets a pre-session CSRF cookie and embeds the same token.
        let res = c.get(s.url("/login")).send().await.unwrap();
        assert_eq!(res.status(), 200);
        let csrf = cookie_value(&set_cookie(&res, "minwon_csrf").unwrap());
        let html = res.text().await.unwrap();
        assert!(html.contains(&csrf));
        assert!(html.contains("<html lang=\"ko\">"));

        // Without the token, or with the wrong one: refused.
        let form = [("username", "kim"), ("password", PASSWORD)];
        let res = c.post(s.url("/login")).form(&form).send().await.unwrap();
        assert_eq!(res.status(), 403);
        let res = c
            .post(s.url("/login"))
            .header("cookie", format!("minwon_csrf={csrf}"))
            .form(&[
                ("username", "kim"),
                ("password", PASSWORD),
                ("csrf_token", "0000"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 403);
        // Wrong password: the page says so, in Korean and English.
        let res = c
            .post(s.url("/login"))
            .header("cookie", format!("minwon_csrf={csrf}"))
            .form(&[
                ("username", "kim"),
                ("password", "nope-nope-123"),
                ("csrf_token", csrf.as_str()),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 401);
        let page = res.text().await.unwrap();
        assert!(
            page.contains("아이디 또는 비밀번호가 맞지 않습니다")
                && page.contains("wrong username or password")
        );

        let res = c
            .post(s.url("/login"))
            .header("cookie", format!("minwon_csrf={csrf}"))
            .form(&[
                ("username", "kim"),
                ("password", PASSWORD),
                ("csrf_token", csrf.as_str()),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 303);
        let session_cookie = set_cookie(&res, "minwon_session").unwrap();
        assert!(session_cookie.contains("HttpOnly") && session_cookie.contains("SameSite=Lax"));
        let session = cookie_value(&session_cookie);
        let cookie = format!("minwon_session={session}");

        let (_, home) = get_page(&s, "/", &cookie).await;
        assert!(home.contains("kim 이름"));
        let me: Value = c
            .get(s.url("/api/v1/me"))
            .header("cookie", &cookie)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(me["username"], "kim");
        let session_csrf = {
            let start = home.find("name=\"csrf_token\" value=\"").unwrap() + 25;
            home[start..start + 64].to_string()
        };

        // A change through the session needs the session's token.
        let res = c
            .post(s.url("/logout"))
            .header("cookie", &cookie)
            .form(&[("csrf_token", "bad")])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 403);
        let res = c
            .delete(s.url("/api/v1/tokens/current"))
            .header("cookie", &cookie)
            .send()
            .await
            .unwrap();
        assert_eq!(
            res.status(),
            403,
            "JSON changes with a cookie need X-CSRF-Token"
        );
        let res = c
            .post(s.url("/logout"))
            .header("cookie", &cookie)
            .form(&[("csrf_token", session_csrf.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 303);
        let res = c
            .get(s.url("/api/v1/me"))
            .header("cookie", &cookie)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 401, "logged out");
        s.shutdown().await;
    }
}

#[tokio::test]
async fn expired_sessions_are_anonymous() {
    let s = start("sqlite").await;
    let account = store::office::accounts::find_by_username(&s.state.db, "kim")
        .await
        .unwrap();
    let past = store::now() - chrono::Duration::hours(10);
    let token = store::office::accounts::create_session(
        &s.state.db,
        account.id,
        "127.0.0.1",
        chrono::Duration::hours(8),
        past,
    )
    .await
    .unwrap();
    let res = client()
        .get(s.url("/api/v1/me"))
        .header("cookie", format!("minwon_session={token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    s.shutdown().await;
}

store::backend_tests! {
    #[tokio::test]
    async fn password_guessing_is_throttled(backend) {
        let s = start(backend).await;
        let c = client();
        for _ in 0..store::office::accounts::MAX_FAILURES_PER_USERNAME {
            let res = c
                .post(s.url("/api/v1/tokens"))
                .json(&json!({"username": "kim", "password": "guess-guess-1"}))
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 401);
        }
        // Even the right password is refused while the lock lasts.
        let res = c
            .post(s.url("/api/v1/tokens"))
            .json(&json!({"username": "kim", "password": PASSWORD}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 429);
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["code"], "login_throttled");
        // Another account is not locked by kim's guesses.
        s.token("lee").await;
        s.shutdown().await;
    }
}

#[tokio::test]
async fn public_endpoints_are_rate_limited() {
    let s = start_with(
        "sqlite",
        WebConfig {
            rate_per_minute: 60,
            rate_burst: 3,
            ..WebConfig::default()
        },
    )
    .await;
    let mut statuses = Vec::new();
    for _ in 0..5 {
        statuses.push(
            client()
                .get(s.url("/healthz"))
                .send()
                .await
                .unwrap()
                .status()
                .as_u16(),
        );
    }
    assert_eq!(&statuses[..3], &[200, 200, 200]);
    assert_eq!(statuses[4], 429);
    s.shutdown().await;
}

#[tokio::test]
async fn graceful_shutdown_finishes_acknowledged_writes() {
    let s = start("sqlite").await;
    let admin = s.token("admin").await;
    let url = s.url("/api/v1/departments");
    // Fire writes, then stop the server while they are in flight: each acknowledged one must exist.
    let mut inflight = Vec::new();
    for i in 0..20 {
        let (url, admin) = (url.clone(), admin.clone());
        inflight.push(tokio::spawn(async move {
            client()
                .post(url)
                .bearer_auth(admin)
                .json(&json!({"code": format!("d-{i}"), "name": format!("부서 {i}")}))
                .send()
                .await
                .map(|r| (i, r.status().as_u16()))
        }));
    }
    let db = s.state.db.clone();
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    s.shutdown().await;
    for h in inflight {
        if let Ok(Ok((i, 201))) = h.await {
            assert!(
                store::office::departments::get_by_code(&db, &format!("d-{i}"))
                    .await
                    .unwrap()
                    .is_some(),
                "acknowledged write {i} lost"
            );
        }
    }
}
