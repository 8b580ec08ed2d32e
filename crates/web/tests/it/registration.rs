//! Each capability registers itself once (issue 15, item 3): the OpenAPI document keeps every
//! operation it had before the registrations moved, and the header menu comes from the
//! capabilities' navigation entries, each shown only to whom the access policy permits it.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::common;

use common::{add_staff, browser, get_json, get_text, start};
use domain::office::accounts::Role;
use std::collections::BTreeSet;

/// Every documented operation ("METHOD path"), recorded before the reshape.
const OPERATIONS: &str = include_str!("openapi_operations.txt");

#[tokio::test]
async fn the_openapi_document_keeps_every_operation() {
    let s = start("sqlite").await;
    let doc = get_json(&s, "/api/v1/openapi.json").await;
    let mut served = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            served.insert(format!("{} {path}", method.to_uppercase()));
        }
    }
    let expected: BTreeSet<String> = OPERATIONS.lines().map(str::to_string).collect();
    let missing: Vec<_> = expected.difference(&served).collect();
    let added: Vec<_> = served.difference(&expected).collect();
    assert!(missing.is_empty(), "operations lost: {missing:?}");
    assert!(added.is_empty(), "operations added: {added:?}");
    // The document's own description and bearer scheme stay.
    assert_eq!(doc["info"]["title"], "Minwon API");
    assert!(doc["components"]["securitySchemes"]["bearer"].is_object());
    assert!(doc["components"]["schemas"]["ErrorBody"].is_object());
    let tags: BTreeSet<&str> = doc["tags"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|t| t["name"].as_str())
        .collect();
    assert!(tags.contains("wellbeing") && tags.contains("protection"));
    s.shutdown().await;
}

/// The links of the main menu (`<nav class="mw-nav">`) on a page.
fn menu(html: &str) -> Vec<String> {
    let start = html.find("class=\"mw-nav mw-wide\"").expect("a main menu");
    let end = start + html[start..].find("</nav>").unwrap();
    html[start..end]
        .split("href=\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .map(str::to_string)
        .collect()
}

#[tokio::test]
async fn the_menu_shows_what_the_policy_permits_each_role() {
    let s = start("sqlite").await;
    add_staff(
        &s,
        &[
            ("privacy", Role::PrivacyOfficer, s.ids.office),
            ("head", Role::Official, s.ids.civil),
        ],
        "010-2222-3333",
    )
    .await;
    let head = store::office::accounts::find_by_username(&s.state.db, "head")
        .await
        .unwrap();
    let mut tx = s.state.db.begin().await.unwrap();
    store::office::accounts::set_office_head(&mut tx, head.id, true)
        .await
        .unwrap();
    tx.commit().await.unwrap();

    let anonymous = get_text(&s, "/track").await;
    assert_eq!(
        menu(&anonymous),
        ["/petitions/new", "/track", "/after-hours"]
    );

    let staff = [
        "/desk",
        "/after-hours/desk",
        "/protection",
        "/wellbeing",
        "/programs",
        "/programs/learning",
    ];
    let cases: [(&str, Vec<&str>); 7] = [
        ("resident", vec!["/my", "/account"]),
        ("kim", [&staff[..], &["/home-visits", "/account"]].concat()),
        // Only those who read petitions are offered the queue (issue 16).
        (
            "counsel",
            vec![
                "/protection",
                "/wellbeing",
                "/programs",
                "/programs/learning",
                "/account",
            ],
        ),
        (
            "privacy",
            vec![
                "/protection",
                "/wellbeing",
                "/programs",
                "/programs/learning",
                "/privacy/review",
                "/account",
            ],
        ),
        (
            "head",
            [&staff[..], &["/desk/late", "/home-visits", "/account"]].concat(),
        ),
        (
            "sup",
            vec![
                "/desk",
                "/desk/dashboard",
                "/after-hours/desk",
                "/protection",
                "/wellbeing",
                "/programs",
                "/programs/learning",
                "/programs/approvals",
                "/after-hours/office",
                "/home-visits",
                "/account",
            ],
        ),
        (
            "admin",
            vec![
                "/admin",
                "/protection",
                "/wellbeing",
                "/programs",
                "/programs/learning",
                "/after-hours/office",
                "/account",
            ],
        ),
    ];
    for (user, links) in cases {
        let b = browser(&s, user).await;
        let (status, html, _) = b.get("/track").await;
        assert_eq!(status, 200, "{user}");
        let mut expected = vec!["/petitions/new", "/track", "/after-hours"];
        expected.extend(links);
        assert_eq!(menu(&html), expected, "{user}'s menu");
    }
    s.shutdown().await;
}
