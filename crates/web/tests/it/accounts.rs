//! Accounts people expect, over real HTTP on both databases: own password, sessions, TOTP
//! two-factor sign-in with recovery codes, residents' sign-up with a code from the outbox, the
//! office head's late petitions; and the privacy officer's monthly access-log review with
//! denied attempts and sign-off, tried by every role.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::common;

use common::{login, page_answer, start_unlimited};

use common::*;
use domain::office::accounts::Role;
use serde_json::{Value, json};

fn unix_now() -> u64 {
    u64::try_from(store::now().timestamp()).unwrap()
}

/// The newest outbox message to a recipient (what the worker would send).
async fn outbox_body(s: &Server, recipient: &str) -> String {
    let (body,): (String,) = store::on_db!(&s.state.db, |pool| sqlx::query_as(
        "SELECT body FROM outbox WHERE recipient = $1 ORDER BY id DESC LIMIT 1"
    )
    .bind(recipient)
    .fetch_one(pool)
    .await)
    .unwrap();
    body
}

fn code_in(body: &str) -> String {
    body.split(|c: char| !c.is_ascii_digit())
        .find(|w| w.len() == 6)
        .unwrap()
        .to_string()
}

async fn actions_of(s: &Server, action: &str) -> Vec<(Option<i64>, String, String)> {
    store::on_db!(&s.state.db, |pool| sqlx::query_as(
        "SELECT account_id, subject, reason FROM audit_log WHERE action = $1 ORDER BY seq"
    )
    .bind(action)
    .fetch_all(pool)
    .await)
    .unwrap()
}

store::backend_tests! {
    #[tokio::test]
    async fn own_password_and_sessions(backend) {
        let s = start_unlimited(backend).await;
        // Two browser sessions and a token for kim.
        let first = browser(&s, "kim").await;
        let second = browser(&s, "kim").await;
        let kim = api(&s, "kim").await;
        let (st, list) = kim.get("/api/v1/me/sessions").await;
        assert_eq!(st, 200);
        assert_eq!(list.as_array().unwrap().len(), 2);
        assert!(
            list.as_array()
                .unwrap()
                .iter()
                .all(|x| x["current"] == false)
        );

        // The page lists them, marks this one, and keeps the typed-in nothing on errors.
        let (st, page, _) = first.get("/account").await;
        assert_eq!(st, 200);
        assert!(
            page.contains("지금 이 화면"),
            "the current session is marked"
        );
        let (st, page, _) = first
            .post(
                "/account/password",
                &[
                    ("current_password", "wrong-password-1"),
                    ("new_password", "new-pass-5678"),
                    ("new_password_again", "new-pass-5678"),
                ],
            )
            .await;
        assert_eq!(st, 400);
        assert!(
            page.contains("id=\"current_password-err\""),
            "error next to the field"
        );
        assert!(page.contains("지금 비밀번호가 맞지 않습니다"));
        let (st, page, _) = first
            .post(
                "/account/password",
                &[
                    ("current_password", PASSWORD),
                    ("new_password", "short"),
                    ("new_password_again", "short"),
                ],
            )
            .await;
        assert_eq!(st, 400);
        assert!(page.contains("id=\"new_password-err\""));
        // Nothing changed: the old password still signs in.
        assert_eq!(
            client()
                .post(s.url("/api/v1/tokens"))
                .json(&json!({"username": "kim", "password": PASSWORD}))
                .send()
                .await
                .unwrap()
                .status(),
            201
        );

        // Change it on the page: this session stays, the other one and every token end.
        let (st, page, _) = first
            .post(
                "/account/password",
                &[
                    ("current_password", PASSWORD),
                    ("new_password", "new-pass-5678"),
                    ("new_password_again", "new-pass-5678"),
                ],
            )
            .await;
        assert_eq!(st, 200, "{page}");
        assert!(
            page.contains("다른 로그인 1개를 끝냈습니다"),
            "the count is what happened"
        );
        assert_eq!(first.get("/account").await.0, 200);
        assert_eq!(second.get("/account").await.2.as_deref(), Some("/login?next=%2Faccount"));
        assert_eq!(
            kim.get("/api/v1/me").await.0,
            401,
            "tokens end with the password"
        );
        let log = actions_of(&s, "account.password_change").await;
        assert_eq!(log.len(), 1);

        // The API: wrong current password refused bilingually; right one changes it.
        let kim = Api {
            s: &s,
            token: {
                let res = client()
                    .post(s.url("/api/v1/tokens"))
                    .json(&json!({"username": "kim", "password": "new-pass-5678"}))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(res.status(), 201);
                res.json::<Value>().await.unwrap()["token"]
                    .as_str()
                    .unwrap()
                    .to_string()
            },
        };
        let (st, e) = kim
            .post(
                "/api/v1/me/password",
                json!({"current_password": "nope-nope-1", "new_password": "third-pass-9012"}),
            )
            .await;
        assert_eq!((st, e["code"].as_str()), (400, Some("wrong_password")));
        bilingual(&e);

        // Sign out the others from the API: the page session ends.
        let (st, ended) = kim.delete("/api/v1/me/sessions/others").await;
        assert_eq!((st, ended["ended"].as_u64()), (200, Some(1)));
        assert_eq!(first.get("/account").await.2.as_deref(), Some("/login?next=%2Faccount"));

        // And from the page: another session ends, this one stays.
        let mut tx = s.state.db.begin().await.unwrap();
        store::office::accounts::change_own_password(
            &mut tx,
            store::office::accounts::find_by_username(&s.state.db, "kim")
                .await
                .unwrap()
                .id,
            &store::kit::secrets::hash_password(PASSWORD).unwrap(),
            None,
            store::now(),
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        let a = browser(&s, "kim").await;
        let b = browser(&s, "kim").await;
        let (st, page, _) = a.post("/account/sessions/end-others", &[]).await;
        assert_eq!(st, 200);
        assert!(page.contains("다른 로그인 1개를 끝냈습니다"));
        assert_eq!(a.get("/account").await.0, 200);
        assert_eq!(b.get("/account").await.2.as_deref(), Some("/login?next=%2Faccount"));
        s.shutdown().await;
    }
}

async fn second_step(s: &Server, pending: &str, code: &str) -> reqwest::Response {
    let pre = "b".repeat(64);
    client()
        .post(s.url("/login/totp"))
        .header("cookie", format!("minwon_2fa={pending}; minwon_csrf={pre}"))
        .form(&[("code", code), ("csrf_token", pre.as_str())])
        .send()
        .await
        .unwrap()
}

store::backend_tests! {
    #[tokio::test]
    async fn totp_enrolment_sign_in_and_recovery_codes(backend) {
        let s = start_unlimited(backend).await;
        let kim = api(&s, "kim").await;
        let (st, e) = kim.post("/api/v1/me/totp", json!({})).await;
        assert_eq!(st, 201, "{e}");
        let secret = e["secret"].as_str().unwrap().to_string();
        assert!(
            e["otpauth_uri"]
                .as_str()
                .unwrap()
                .starts_with("otpauth://totp/Minwon:kim?")
        );
        // The secret is sealed in the database, never stored as shown.
        let (stored,): (String,) = store::on_db!(&s.state.db, |pool| sqlx::query_as(
            "SELECT totp_secret FROM accounts WHERE username = 'kim'"
        )
        .fetch_one(pool)
        .await)
        .unwrap();
        assert!(!stored.contains(&secret) && stored.starts_with("v1:"));

        // A wrong first code does not turn it on.
        let (st, e) = kim
            .post("/api/v1/me/totp/confirm", json!({"code": "000000"}))
            .await;
        assert_eq!((st, e["code"].as_str()), (400, Some("wrong_code")));
        bilingual(&e);
        let code = store::office::mfa::code_at(&secret, unix_now()).unwrap();
        let (st, r) = kim
            .post("/api/v1/me/totp/confirm", json!({"code": code}))
            .await;
        assert_eq!(st, 200, "{r}");
        let recovery: Vec<String> = r["recovery_codes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c.as_str().unwrap().to_string())
            .collect();
        assert_eq!(recovery.len(), 10);

        // Tokens now need the code; the same code never works twice.
        let token = |code: Option<String>| {
            let s = &s;
            async move {
                let mut body = json!({"username": "kim", "password": PASSWORD});
                if let Some(c) = code {
                    body["totp_code"] = json!(c);
                }
                let res = client()
                    .post(s.url("/api/v1/tokens"))
                    .json(&body)
                    .send()
                    .await
                    .unwrap();
                let st = res.status().as_u16();
                (st, res.json::<Value>().await.unwrap())
            }
        };
        let (st, e) = token(None).await;
        assert_eq!((st, e["code"].as_str()), (401, Some("totp_code_required")));
        let (st, e) = token(Some(code.clone())).await;
        assert_eq!(
            (st, e["code"].as_str()),
            (400, Some("wrong_code")),
            "replayed code"
        );
        let next = store::office::mfa::code_at(&secret, unix_now() + 30).unwrap();
        let (st, _) = token(Some(next)).await;
        assert_eq!(st, 201, "the next step's code works once");

        // The page sign-in: password, then the second step.
        let res = login(&s, "kim", PASSWORD).await;
        assert_eq!(res.status(), 303);
        assert_eq!(
            res.headers().get("location").unwrap().to_str().unwrap(),
            "/login/totp"
        );
        assert!(
            set_cookie(&res, "minwon_session").is_none(),
            "no session yet"
        );
        let pending = cookie_value(&set_cookie(&res, "minwon_2fa").unwrap());
        let res = second_step(&s, &pending, "123456").await;
        assert_eq!(res.status(), 401);
        let page = res.text().await.unwrap();
        assert!(page.contains("id=\"code-err\"") && page.contains("인증 코드가 맞지 않거나"));
        // A recovery code signs in once; reused, it is refused.
        let res = second_step(&s, &pending, &recovery[0]).await;
        assert_eq!(res.status(), 303);
        assert!(set_cookie(&res, "minwon_session").is_some());
        let res = login(&s, "kim", PASSWORD).await;
        let pending = cookie_value(&set_cookie(&res, "minwon_2fa").unwrap());
        let res = second_step(&s, &pending, &recovery[0].to_uppercase()).await;
        assert_eq!(res.status(), 401, "a used recovery code is refused");
        let res = second_step(&s, &pending, &recovery[1]).await;
        assert_eq!(res.status(), 303);
        assert_eq!(
            store::office::mfa::recovery_codes_left(
                &s.state.db,
                store::office::accounts::find_by_username(&s.state.db, "kim")
                    .await
                    .unwrap()
                    .id
            )
            .await
            .unwrap(),
            8
        );
        // Five wrong codes use the pending step up.
        let res = login(&s, "kim", PASSWORD).await;
        let pending = cookie_value(&set_cookie(&res, "minwon_2fa").unwrap());
        for _ in 0..5 {
            assert_eq!(second_step(&s, &pending, "999999").await.status(), 401);
        }
        let late = store::office::mfa::code_at(&secret, unix_now() + 60).unwrap();
        let res = second_step(&s, &pending, &late).await;
        assert_eq!(
            res.headers().get("location").unwrap().to_str().unwrap(),
            "/login",
            "out of tries: back to the start"
        );

        // Turning it off takes the password and a code.
        let (st, e) = kim
            .send(
                reqwest::Method::DELETE,
                "/api/v1/me/totp",
                Some(json!({"password": PASSWORD, "code": "111111"})),
            )
            .await;
        assert_eq!((st, e["code"].as_str()), (400, Some("wrong_code")));
        let (st, _) = kim
            .send(
                reqwest::Method::DELETE,
                "/api/v1/me/totp",
                Some(json!({"password": PASSWORD, "code": recovery[2]})),
            )
            .await;
        assert_eq!(st, 204);
        assert_eq!(
            login(&s, "kim", PASSWORD).await.headers()["location"],
            "/start"
        );
        s.shutdown().await;
    }

    #[tokio::test]
    async fn totp_compulsory_for_administrators_by_setting(backend) {
        let s = start_unlimited(backend).await;
        let admin = api(&s, "admin").await;
        let kim = api(&s, "kim").await;
        let (st, _) = kim
            .put("/api/v1/settings/totp-required", json!({"required": true}))
            .await;
        assert_eq!(st, 403, "only administrators change the setting");
        let (st, _) = admin
            .put("/api/v1/settings/totp-required", json!({"required": true}))
            .await;
        assert_eq!(st, 200);
        // The administrator without a second factor may only enrol now.
        let (st, e) = admin.get("/api/v1/accounts").await;
        assert_eq!((st, e["code"].as_str()), (403, Some("totp_required")));
        bilingual(&e);
        let res = login(&s, "admin", PASSWORD).await;
        let cookie = format!(
            "minwon_session={}",
            cookie_value(&set_cookie(&res, "minwon_session").unwrap())
        );
        let get = |path: &'static str| {
            let (s, cookie) = (&s, cookie.clone());
            async move {
                let res = client()
                    .get(s.url(path))
                    .header("cookie", cookie)
                    .send()
                    .await
                    .unwrap();
                let (status, body, to) = page_answer(res).await;
                (status, to, body)
            }
        };
        let (st, to, _) = get("/admin").await;
        assert_eq!(
            (st, to.as_deref()),
            (303, Some("/account/totp?enrol=required"))
        );
        let (st, _, html) = get("/account/totp?enrol=required").await;
        assert_eq!(st, 200);
        assert!(html.contains("이 역할은 이중 인증이 의무입니다"));
        // Officials are not concerned.
        assert_eq!(kim.get("/api/v1/petitions").await.0, 200);
        // Enrol; then everything is open again, and turning it off is refused.
        let (_, e) = admin.post("/api/v1/me/totp", json!({})).await;
        let secret = e["secret"].as_str().unwrap().to_string();
        let code = store::office::mfa::code_at(&secret, unix_now()).unwrap();
        let (st, r) = admin
            .post("/api/v1/me/totp/confirm", json!({"code": code}))
            .await;
        assert_eq!(st, 200);
        assert_eq!(admin.get("/api/v1/accounts").await.0, 200);
        let rc = r["recovery_codes"][0].as_str().unwrap();
        let (st, e) = admin
            .send(
                reqwest::Method::DELETE,
                "/api/v1/me/totp",
                Some(json!({"password": PASSWORD, "code": rc})),
            )
            .await;
        assert_eq!((st, e["code"].as_str()), (403, Some("totp_required")));
        s.shutdown().await;
    }

    #[tokio::test]
    async fn resident_sign_up_with_a_code_from_the_outbox(backend) {
        let s = start_unlimited(backend).await;
        // A petition filed at the counter earlier, under the phone the resident will prove.
        let admin = api(&s, "admin").await;
        let t = admin
            .new_type(
                json!({"code": "proposal", "name": "건의", "kind": "proposal", "department_code": "civil-team"}),
            )
            .await;
        let kim = api(&s, "kim").await;
        let (st, p) = kim
            .post(
                "/api/v1/petitions",
                json!({"type_id": t["id"], "channel": "counter", "identity_check": "id_card", "title": "가로등 고장", "body": "골목 가로등이 꺼졌습니다",
                       "petitioner": {"name": "정하늘", "phone": "010-5555-6666"}}),
            )
            .await;
        assert_eq!(st, 201, "{p}");

        // Bad input: refused bilingually, nothing written.
        let (st, e) = client()
            .post(s.url("/api/v1/signup"))
            .json(&json!({"username": "haneul", "display_name": "정하늘", "contact": "02-123-4567", "password": "haneul-pass-1"}))
            .send()
            .await
            .map(|r| (r.status().as_u16(), r))
            .unwrap();
        assert_eq!(st, 400);
        let e: Value = e.json().await.unwrap();
        assert_eq!(e["code"], "invalid_contact");
        bilingual(&e);
        assert!(
            store::office::accounts::find_by_username(&s.state.db, "haneul")
                .await
                .is_err()
        );

        let start = |contact: &'static str, username: &'static str| {
            let s = &s;
            async move {
                let res = client()
                    .post(s.url("/api/v1/signup"))
                    .json(&json!({"username": username, "display_name": "정하늘", "contact": contact, "password": "haneul-pass-1"}))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(res.status(), 202);
                res.json::<Value>().await.unwrap()
            }
        };
        let started = start("010-5555-6666", "haneul").await;
        assert_eq!(started["channel"], "sms");
        assert!(
            !started["sent_to"].as_str().unwrap().contains("5555"),
            "masked"
        );
        let token = started["signup_token"].as_str().unwrap().to_string();
        // Not active before the code: no sign-in.
        assert_eq!(
            client()
                .post(s.url("/api/v1/tokens"))
                .json(&json!({"username": "haneul", "password": "haneul-pass-1"}))
                .send()
                .await
                .unwrap()
                .status(),
            401
        );
        let code = code_in(&outbox_body(&s, "01055556666").await);
        let verify = |token: String, code: String| {
            let s = &s;
            async move {
                let res = client()
                    .post(s.url("/api/v1/signup/verify"))
                    .json(&json!({"signup_token": token, "code": code}))
                    .send()
                    .await
                    .unwrap();
                (res.status().as_u16(), res.json::<Value>().await.unwrap())
            }
        };
        let wrong = if code == "000000" { "111111" } else { "000000" };
        let (st, e) = verify(token.clone(), wrong.into()).await;
        assert_eq!((st, e["code"].as_str()), (400, Some("wrong_code")));
        bilingual(&e);
        let (st, done) = verify(token.clone(), code.clone()).await;
        assert_eq!(st, 201, "{done}");
        assert_eq!(done["claimed_petitions"], 1);
        let resident = Api {
            s: &s,
            token: done["token"].as_str().unwrap().to_string(),
        };
        let (_, mine) = resident.get("/api/v1/petitions?include_done=true").await;
        assert_eq!(
            mine["counts"]["total"], 1,
            "the earlier petition is theirs now"
        );
        let (st, e) = verify(token, code).await;
        assert_eq!((st, e["code"].as_str()), (400, Some("code_used")));

        // Expired codes and too many tries.
        let started = start("jung@example.kr", "jung.sky").await;
        assert_eq!(started["channel"], "email");
        let token = started["signup_token"].as_str().unwrap().to_string();
        let code = code_in(&outbox_body(&s, "jung@example.kr").await);
        store::on_db!(&s.state.db, |pool| sqlx::query(
            "UPDATE verification_codes SET expires_at = $1 WHERE recipient = 'jung@example.kr'"
        )
        .bind(store::now() - chrono::Duration::seconds(1))
        .execute(pool)
        .await
        .map(|r| r.rows_affected()))
        .unwrap();
        let (st, e) = verify(token, code).await;
        assert_eq!((st, e["code"].as_str()), (400, Some("code_expired")));
        let started = start("sky@example.kr", "sky.jung").await;
        let token = started["signup_token"].as_str().unwrap().to_string();
        let code = code_in(&outbox_body(&s, "sky@example.kr").await);
        let wrong = if code == "000000" { "111111" } else { "000000" };
        for _ in 0..5 {
            assert_eq!(verify(token.clone(), wrong.into()).await.0, 400);
        }
        let (st, e) = verify(token, code).await;
        assert_eq!((st, e["code"].as_str()), (400, Some("code_attempts")));

        // The page: an error next to the field keeps what was typed; the code page finishes it.
        let c = client();
        let pre = "c".repeat(64);
        let sign_up = |contact: &'static str| {
            c.post(s.url("/signup"))
                .header("cookie", format!("minwon_csrf={pre}"))
                .form(&[
                    ("username", "page.user"),
                    ("display_name", "화면 사용자"),
                    ("contact", contact),
                    ("password", "page-pass-123"),
                    ("csrf_token", &pre),
                ])
                .send()
        };
        let res = sign_up("not-a-contact").await.unwrap();
        assert_eq!(res.status(), 400);
        let page = res.text().await.unwrap();
        assert!(page.contains("id=\"contact-err\"") && page.contains("value=\"page.user\""));
        let res = sign_up("page@example.kr").await.unwrap();
        assert_eq!(res.status(), 303);
        let signup = cookie_value(&set_cookie(&res, "minwon_signup").unwrap());
        let code = code_in(&outbox_body(&s, "page@example.kr").await);
        let res = c
            .post(s.url("/signup/verify"))
            .header(
                "cookie",
                format!("minwon_csrf={pre}; minwon_signup={signup}"),
            )
            .form(&[("code", code.as_str()), ("csrf_token", &pre)])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 303);
        assert_eq!(res.headers()["location"], "/my");
        assert!(set_cookie(&res, "minwon_session").is_some());
        s.shutdown().await;
    }

    #[tokio::test]
    async fn the_office_head_sees_late_petitions_of_every_department(backend) {
        let s = start_unlimited(backend).await;
        let admin = api(&s, "admin").await;
        // Two petitions received at the counter a month ago, in two departments: both late.
        let mut ids = Vec::new();
        for (code, dept) in [("late-a", "civil-team"), ("late-b", "build")] {
            let t = admin
                .new_type(
                    json!({"code": code, "name": format!("유형 {code}"), "kind": "proposal", "department_code": dept}),
                )
                .await;
            let new = store::petitions::NewPetition {
                type_id: t["id"].as_i64().unwrap(),
                channel: domain::petitions::Channel::Counter,
                anonymous: false,
                petitioner_account_id: None,
                petitioner: store::petitions::Petitioner {
                    name: "오민지".into(),
                    phone: "010-7777-8888".into(),
                    email: String::new(),
                    address: String::new(),
                    resident_number: None,
                },
                title: "늦은 민원".into(),
                body: "처리가 늦었습니다".into(),
                location: String::new(),
                extra: Default::default(),
                idempotency_key: None,
                department_id: None,
                intake: store::testing::intake_for(domain::petitions::Channel::Counter),
            };
            let db = &s.state.db;
            let (cal, _) = store::petitions::work_calendar(db).await.unwrap();
            let screening = store::petitions::screen(&new.title, &new.body);
            let checked = store::petitions::check(db, new, &s.state.petitions.key, screening)
                .await
                .unwrap();
            let mut tx = db.begin().await.unwrap();
            let f = store::petitions::file(
                &mut tx,
                &checked,
                None,
                &cal,
                store::now() - chrono::Duration::days(30),
            )
            .await
            .unwrap();
            tx.commit().await.unwrap();
            ids.push(f.petition.id);
        }
        // Nobody without the flag sees the office-wide list, whatever their role.
        for user in ["admin", "sup", "kim", "lee", "counsel", "resident"] {
            let (st, e) = api(&s, user).await.get("/api/v1/petitions/late").await;
            assert_eq!((st, e["code"].as_str()), (403, Some("forbidden")), "{user}");
        }
        let sup = store::office::accounts::find_by_username(&s.state.db, "sup")
            .await
            .unwrap();
        let mut tx = s.state.db.begin().await.unwrap();
        store::office::accounts::set_office_head(&mut tx, sup.id, true)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        assert_eq!(
            store::office::accounts::office_heads(&s.state.db)
                .await
                .unwrap()[0]
                .id,
            sup.id
        );
        let (st, late) = api(&s, "sup").await.get("/api/v1/petitions/late").await;
        assert_eq!(st, 200, "{late}");
        let got: Vec<i64> = late
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["id"].as_i64().unwrap())
            .collect();
        assert_eq!(
            got.len(),
            2,
            "건설과 too, outside the supervisor's division: {late}"
        );
        assert!(ids.iter().all(|id| got.contains(id)));
        assert!(!late.to_string().contains("오민지"), "no personal data");
        let page = browser(&s, "sup").await;
        let (st, html, _) = page.get("/desk/late").await;
        assert_eq!(st, 200);
        assert!(html.contains("건설과") && html.contains("민원팀"));
        assert!(html.contains("href=\"/desk/late\""), "in the navigation");
        s.shutdown().await;
    }

    #[tokio::test]
    async fn privacy_officer_reviews_the_month_and_signs_off(backend) {
        let s = start_unlimited(backend).await;
        add_staff(
            &s,
            &[("privacy", Role::PrivacyOfficer, s.ids.office)],
            "010-0000-1111",
        )
        .await;
        let month = {
            let (y, m) = store::office::audit_review::month_of(store::now());
            format!("{y:04}-{m:02}")
        };
        // A refused request is logged as a denied attempt.
        let kim = api(&s, "kim").await;
        assert_eq!(kim.get("/api/v1/audit").await.0, 403);
        let denied = actions_of(&s, "denied.audit_log.read").await;
        assert_eq!(denied.len(), 1);
        assert_eq!(denied[0].1, "office");

        // An unusual volume: one account reads far more this month than its colleagues.
        let lee = store::office::accounts::find_by_username(&s.state.db, "lee")
            .await
            .unwrap();
        let mut tx = s.state.db.begin().await.unwrap();
        for (user, n) in [
            ("lee", 40),
            ("kim", 2),
            ("sup", 3),
            ("counsel", 2),
            ("admin", 1),
        ] {
            let who = store::office::accounts::find_by_username(&s.state.db, user)
                .await
                .unwrap();
            for i in 0..n {
                store::office::audit::append(
                    &mut tx,
                    &domain::office::audit::AuditRecord {
                        at: store::now(),
                        account_id: Some(who.id),
                        address: "127.0.0.1".into(),
                        subject: format!("petitioner:{i}"),
                        action: "petition.read".into(),
                        reason: String::new(),
                    },
                )
                .await
                .unwrap();
            }
        }
        tx.commit().await.unwrap();

        // Every role but the privacy officer is refused the review and the sign-off.
        for user in ["admin", "sup", "kim", "lee", "counsel", "resident"] {
            let a = api(&s, user).await;
            let (st, _) = a.get(&format!("/api/v1/audit/review?month={month}")).await;
            assert_eq!(st, 403, "{user} reads the review");
            let (st, _) = a
                .post(
                    &format!("/api/v1/audit/review/{month}/sign-off"),
                    json!({"comment": "검토 완료, 이상 없음"}),
                )
                .await;
            assert_eq!(st, 403, "{user} signs off");
        }
        let b = browser(&s, "sup").await;
        let (st, _, _) = b
            .post(
                "/privacy/review/sign-off",
                &[("month", &month), ("comment", "검토 완료, 이상 없음")],
            )
            .await;
        assert_eq!(st, 403);

        let privacy = api(&s, "privacy").await;
        let (st, r) = privacy
            .get(&format!("/api/v1/audit/review?month={month}"))
            .await;
        assert_eq!(st, 200, "{r}");
        let lee_row = r["volumes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|v| v["account_id"] == lee.id)
            .unwrap();
        assert_eq!(lee_row["entries"], 40);
        assert_eq!(lee_row["unusual"], true, "{r}");
        assert!(
            r["denied_total"].as_i64().unwrap() >= 7,
            "the refusals above: {r}"
        );
        assert!(
            r["accesses"]
                .as_array()
                .unwrap()
                .iter()
                .any(|a| a["subject"] == "petitioner:3")
        );
        let (st, e) = privacy.get("/api/v1/audit/review?month=2026-13").await;
        assert_eq!((st, e["code"].as_str()), (400, Some("invalid_month")));

        // The page shows the flag in words, and a short comment is refused next to its field.
        let page = browser(&s, "privacy").await;
        let (st, html, _) = page.get(&format!("/privacy/review?month={month}")).await;
        assert_eq!(st, 200);
        assert!(html.contains("이상: 확인 필요") && html.contains("denied.audit_log.read"));
        let (st, html, _) = page
            .post(
                "/privacy/review/sign-off",
                &[("month", &month), ("comment", "ok")],
            )
            .await;
        assert_eq!(st, 400);
        assert!(html.contains("id=\"comment-err\"") && html.contains(">ok</textarea>"));
        let (st, html, _) = page
            .post(
                "/privacy/review/sign-off",
                &[
                    ("month", &month),
                    ("comment", "lee 계정 대량 열람: 민원 일괄 처리로 확인함"),
                ],
            )
            .await;
        assert_eq!(st, 200, "{html}");
        assert!(html.contains("점검에 서명했습니다") && html.contains("대량 열람"));
        let (st, e) = privacy
            .post(
                &format!("/api/v1/audit/review/{month}/sign-off"),
                json!({"comment": "두 번째 서명 시도"}),
            )
            .await;
        assert_eq!((st, e["code"].as_str()), (409, Some("conflict")));
        let signed = actions_of(&s, "audit_review.sign_off").await;
        assert_eq!(signed.len(), 1);
        assert_eq!(signed[0].1, format!("audit-month:{month}"));
        let (_, r) = privacy
            .get(&format!("/api/v1/audit/review?month={month}"))
            .await;
        assert_eq!(r["sign_offs"][0]["flagged"].as_i64(), Some(1));
        assert_eq!(
            store::office::audit::verify(&s.state.db).await.unwrap(),
            store::office::audit::Verification::Intact {
                entries: store::on_db!(&s.state.db, |pool| sqlx::query_as::<_, (i64,)>(
                    "SELECT COUNT(*) FROM audit_log"
                )
                .fetch_one(pool)
                .await)
                .unwrap()
                .0 as u64
            },
            "the chain holds the denials and the sign-off"
        );
        // The OpenAPI document lists the new paths.
        let (_, doc) = privacy.get("/api/v1/openapi.json").await;
        for path in [
            "/api/v1/audit/review",
            "/api/v1/audit/review/{month}/sign-off",
            "/api/v1/me/password",
            "/api/v1/me/sessions",
            "/api/v1/me/totp",
            "/api/v1/signup",
            "/api/v1/petitions/late",
        ] {
            assert!(doc["paths"].get(path).is_some(), "{path}");
        }
        s.shutdown().await;
    }
}
