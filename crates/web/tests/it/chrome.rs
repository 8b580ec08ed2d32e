//! The page chrome over real HTTP: form tokens never in an address (multipart forms carry theirs
//! as the first part of the body), each role's start page after sign-in, and menus that offer
//! only what the person may open.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::common;

use common::{Server, client, cookie_value, set_cookie, start_with};
use serde_json::{Value, json};
use web::WebConfig;

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

const PETITION: [(&str, &str); 5] = [
    ("title", "가로등 고장 신고"),
    ("body", "시장 앞 가로등이 꺼져 있습니다."),
    ("name", "홍길동"),
    ("phone", "010-9999-1111"),
    ("consent", "yes"),
];

store::backend_tests! {
    /// The filing form is multipart: its token travels as the first part of the body, and a
    /// body without it, with a wrong one, with it later, or with it only in the address is
    /// refused before anything is written.
    #[tokio::test]
    async fn multipart_forms_carry_their_token_in_the_body(backend) {
        let s = unlimited(backend).await;
        let admin = s.token("admin").await;
        let t: Value = client()
            .post(s.url("/api/v1/petition-types"))
            .bearer_auth(&admin)
            .json(&json!({"code": "proposal", "name": "건의민원", "kind": "proposal", "department_code": "civil-team"}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let path = format!("/petitions/new/{}", t["id"]);
        let res = client().get(s.url(&path)).send().await.unwrap();
        let csrf = cookie_value(&set_cookie(&res, "minwon_csrf").unwrap());
        let html = res.text().await.unwrap();
        assert!(!html.contains("csrf_token="), "no token in any address of the form page");
        let form = html
            .split(&format!("<form method=\"post\" action=\"{path}\""))
            .nth(1)
            .unwrap();
        assert!(
            form.split("<input").nth(1).unwrap().starts_with(&format!(
                " type=\"hidden\" name=\"csrf_token\" value=\"{csrf}\">"
            )),
            "the token is the form's first field: {form}"
        );
        let post = |url: String, parts: Vec<(&'static str, String)>| {
            let parts: Vec<(&str, &str)> = parts.iter().map(|(k, v)| (*k, v.as_str())).collect();
            // With the empty file part a browser sends when no file is chosen.
            let (body, content_type) =
                common::multipart(&parts, &[("", b"")], "application/octet-stream");
            client()
                .post(s.url(&url))
                .header("cookie", format!("minwon_csrf={csrf}"))
                .header("content-type", content_type)
                .body(body)
                .send()
        };
        let petition = || PETITION.iter().map(|(k, v)| (*k, v.to_string()));
        let before = common::petition_count(&s).await;

        let without = post(path.clone(), petition().collect()).await.unwrap();
        assert_eq!(without.status(), 403, "no token");
        let wrong = "0".repeat(64);
        let wrong = post(
            path.clone(),
            std::iter::once(("csrf_token", wrong)).chain(petition()).collect(),
        )
        .await
        .unwrap();
        assert_eq!(wrong.status(), 403, "a wrong token");
        let later = post(
            path.clone(),
            petition().chain(std::iter::once(("csrf_token", csrf.clone()))).collect(),
        )
        .await
        .unwrap();
        assert_eq!(later.status(), 403, "the token must open the body");
        let in_address = post(format!("{path}?csrf_token={csrf}"), petition().collect())
            .await
            .unwrap();
        assert_eq!(in_address.status(), 403, "a token in the address no longer counts");
        assert_eq!(common::petition_count(&s).await, before, "nothing written by a refused form");

        let right = post(
            path.clone(),
            std::iter::once(("csrf_token", csrf.clone())).chain(petition()).collect(),
        )
        .await
        .unwrap();
        assert_eq!(right.status(), 201);
        let receipt = right.text().await.unwrap();
        assert!(!receipt.contains("csrf_token="), "no token in the receipt's addresses");
        assert_eq!(common::petition_count(&s).await, before + 1);
        s.shutdown().await;
    }
}

/// Sign in through the form, with `next` when given: the session cookie and where the answer
/// sends the person.
async fn sign_in(s: &Server, username: &str, next: Option<&str>) -> (String, String) {
    let res = client().get(s.url("/login")).send().await.unwrap();
    let pre = cookie_value(&set_cookie(&res, "minwon_csrf").unwrap());
    let mut form = vec![
        ("username", username),
        ("password", common::PASSWORD),
        ("csrf_token", pre.as_str()),
    ];
    if let Some(n) = next {
        form.push(("next", n));
    }
    let res = client()
        .post(s.url("/login"))
        .header("cookie", format!("minwon_csrf={pre}"))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303, "{username} signs in");
    let session = cookie_value(&set_cookie(&res, "minwon_session").unwrap());
    let to = res.headers()["location"].to_str().unwrap().to_string();
    (format!("minwon_session={session}"), to)
}

async fn get(s: &Server, cookie: &str, path: &str) -> (u16, String, Option<String>) {
    let res = client()
        .get(s.url(path))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap();
    let location = res
        .headers()
        .get("location")
        .map(|v| v.to_str().unwrap().to_string());
    (res.status().as_u16(), res.text().await.unwrap(), location)
}

/// The links of the main menu on a page.
fn menu_links(html: &str) -> Vec<String> {
    let nav = html
        .split("class=\"mw-nav mw-wide\"")
        .nth(1)
        .and_then(|rest| rest.split("</nav>").next())
        .unwrap_or_default();
    nav.split("href=\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .map(str::to_string)
        .collect()
}

store::backend_tests! {
    /// Each role lands on its own start page; every link its menu offers opens (never 403);
    /// staff find wellbeing in theirs; a page asked for before signing in comes first, but
    /// only a page of this site.
    #[tokio::test]
    async fn everyone_starts_on_their_own_page_and_their_menu_opens(backend) {
        let s = unlimited(backend).await;
        common::add_staff(
            &s,
            &[
                ("guard", domain::office::accounts::Role::ProtectionOfficer, s.ids.civil),
                ("dpo", domain::office::accounts::Role::PrivacyOfficer, s.ids.office),
                ("trainer", domain::office::accounts::Role::TrainingOfficer, s.ids.office),
                ("committee", domain::office::accounts::Role::CommitteeMember, s.ids.office),
            ],
            "010-2222-3333",
        )
        .await;
        for (user, start, staff) in [
            ("kim", "/desk", true),
            ("sup", "/desk", true),
            ("trainer", "/programs/office", true),
            ("committee", "/wellbeing", true),
            ("guard", "/protection", true),
            ("admin", "/admin", true),
            ("counsel", "/wellbeing/counsellor", true),
            ("dpo", "/privacy/review", true),
            ("resident", "/my", false),
        ] {
            let (cookie, to) = sign_in(&s, user, None).await;
            assert_eq!(to, "/start", "{user}");
            let (status, _, landing) = get(&s, &cookie, "/start").await;
            assert_eq!(status, 303, "{user}");
            assert_eq!(landing.as_deref(), Some(start), "{user}'s start page");
            let (status, html, _) = get(&s, &cookie, start).await;
            assert_eq!(status, 200, "{user} opens {start}");
            let links = menu_links(&html);
            assert!(!links.is_empty(), "{user} has a menu");
            assert_eq!(links.contains(&"/wellbeing".to_string()), staff, "{user}: wellbeing in the staff menu");
            for link in &links {
                let (status, _, _) = get(&s, &cookie, link).await;
                assert!(status < 400, "{user}'s menu offers {link}, which answers {status}");
            }
        }
        // A page asked for first; another site never.
        let (_, to) = sign_in(&s, "kim", Some("/desk/dashboard")).await;
        assert_eq!(to, "/desk/dashboard");
        for away in ["//evil.example/x", "https://evil.example/", "/\\evil.example", "/logout"] {
            let (_, to) = sign_in(&s, "kim", Some(away)).await;
            assert_eq!(to, "/start", "{away} is not followed");
        }
        // A page that needs signing in sends the person to sign in and back.
        let res = client().get(s.url("/desk/dashboard?x=1")).send().await.unwrap();
        assert_eq!(res.status(), 303);
        assert_eq!(res.headers()["location"], "/login?next=%2Fdesk%2Fdashboard%3Fx%3D1");
        let (status, html, _) = get(&s, "", "/login?next=%2Fdesk%2Fdashboard").await;
        assert_eq!(status, 200);
        assert!(html.contains("name=\"next\" value=\"/desk/dashboard\""), "{html}");
        s.shutdown().await;
    }

    /// The administrator sets the office's address and phone for the footer: a bad phone is
    /// told beside its field with what was typed kept and nothing saved; others may not.
    #[tokio::test]
    async fn the_footer_shows_the_office_contact_the_administrator_set(backend) {
        let s = unlimited(backend).await;
        let admin = common::browser(&s, "admin").await;
        let address = "경기도 예시군 군청로 12";
        let (status, html, _) = admin
            .post(
                "/admin/settings",
                &[("office_address", address), ("office_phone", "12-34")],
            )
            .await;
        assert_eq!(status, 422, "{html}");
        assert!(html.contains("id=\"office-phone-error\""), "{html}");
        assert!(html.contains(&format!("value=\"{address}\"")), "the address is kept");
        assert!(html.contains("value=\"12-34\""), "the phone as typed");
        let stored = |key| store::office::settings::get(&s.state.db, key);
        assert_eq!(stored(store::office::settings::OFFICE_ADDRESS).await.unwrap(), None);

        let kim = common::browser(&s, "kim").await;
        let (status, _, _) = kim
            .post("/admin/settings", &[("office_address", "침입"), ("office_phone", "")])
            .await;
        assert_eq!(status, 403, "an official may not change the office's settings");
        assert_eq!(stored(store::office::settings::OFFICE_ADDRESS).await.unwrap(), None);

        let (status, _, _) = admin
            .post(
                "/admin/settings",
                &[("office_address", address), ("office_phone", "031-580-2000")],
            )
            .await;
        assert!(status == 200 || status == 303, "{status}");
        let (_, home, _) = get(&s, "", "/").await;
        assert!(home.contains(&format!("id=\"office-address\">{address}<")), "{home}");
        assert!(home.contains("031-580-2000"), "{home}");
        s.shutdown().await;
    }
}
