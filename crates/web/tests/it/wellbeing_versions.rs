//! Wellbeing, findable and honest: the self-check is in the staff navigation on the common
//! chrome with the language switch, the text source of each instrument is on screen, and an
//! office's imported validated text becomes a new version while earlier results keep theirs.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::common;

use common::*;
use serde_json::{Value, json};

const CBI: &str = include_str!("../../../domain/data/instruments/cbi_client.v1.json");

fn answers(n: usize, v: i64) -> Vec<Value> {
    vec![json!(v); n]
}

async fn answer(who: &Api<'_>, id: i64, instrument: &str, n: usize, v: i64) {
    let (st, body) = who
        .post(
            &format!("/api/v1/wellbeing/checks/{id}/responses"),
            json!({"instrument": instrument, "answers": answers(n, v)}),
        )
        .await;
    assert_eq!(st, 201, "{instrument}: {body}");
}

async fn start_check(who: &Api<'_>) -> i64 {
    let (st, _) = who
        .post("/api/v1/wellbeing/consent", json!({"agree": true}))
        .await;
    assert_eq!(st, 204);
    let (st, started) = who.post("/api/v1/wellbeing/checks", json!({})).await;
    assert!(st == 201 || st == 200, "{st} {started}");
    started["id"].as_i64().unwrap()
}

store::backend_tests! {
    #[tokio::test]
    async fn imported_versions_and_the_text_source_on_screen(backend) {
        let s = start(backend).await;
        // kim's check, all on the shipped version 1.
        let kim = api(&s, "kim").await;
        let id = start_check(&kim).await;
        for (inst, n, v) in [
            ("phq9", 9, 0),
            ("gad7", 7, 0),
            ("pss10", 10, 0),
            ("cbi_client", 6, 50),
        ] {
            answer(&kim, id, inst, n, v).await;
        }

        // The page says the texts are a working translation, in the common chrome.
        let sup_page = browser(&s, "sup").await;
        let sup = api(&s, "sup").await;
        let sid = start_check(&sup).await;
        let (st, html, _) = sup_page.get(&format!("/wellbeing/checks/{sid}")).await;
        assert_eq!(st, 200);
        assert!(
            html.contains("id=\"text-source\"") && html.contains("작업용 번역"),
            "{html}"
        );
        assert!(
            html.contains("href=\"/wellbeing\"") && html.contains("mw-lang"),
            "staff navigation and language switch"
        );
        let (_, html, _) = sup_page
            .get(&format!("/wellbeing/checks/{sid}?lang=en"))
            .await;
        assert!(html.contains("<html lang=\"en\">") && html.contains("Wellbeing"));

        // The office imports its licensed CBI text as version 2.
        let text = CBI
            .replace("\"version\": 1,", "\"version\": 2,")
            .replace("\"working_translation\"", "\"published\"");
        let v2 = store::wellbeing::instruments::import(&s.state.db, &text, store::now())
            .await
            .unwrap();
        assert_eq!(v2.version, 2);
        let (_, battery) = sup.get("/api/v1/wellbeing/instruments").await;
        let cbi = battery["instruments"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["id"] == "cbi_client")
            .unwrap();
        assert_eq!(
            (cbi["version"].as_i64(), cbi["text_source"].as_str()),
            (Some(2), Some("published"))
        );

        // sup's check reaches the CBI: version 2, shown as the validated text.
        for (inst, n) in [("phq9", 9), ("gad7", 7), ("pss10", 10)] {
            answer(&sup, sid, inst, n, 0).await;
        }
        let (_, html, _) = sup_page.get(&format!("/wellbeing/checks/{sid}")).await;
        assert!(
            html.contains("공인 한국어판") && html.contains("v2"),
            "{html}"
        );
        answer(&sup, sid, "cbi_client", 6, 50).await;
        let version_of = |check: Value| {
            check["results"]
                .as_array()
                .unwrap()
                .iter()
                .find(|r| r["instrument"] == "cbi_client")
                .unwrap()["version"]
                .as_i64()
        };
        let (_, mine) = sup.get(&format!("/api/v1/wellbeing/checks/{sid}")).await;
        assert_eq!(version_of(mine), Some(2));
        // kim's earlier result keeps the version that scored it.
        let (_, old) = kim.get(&format!("/api/v1/wellbeing/checks/{id}")).await;
        assert_eq!(version_of(old), Some(1));
        // The same version again is refused.
        let e = store::wellbeing::instruments::import(&s.state.db, &text, store::now())
            .await
            .unwrap_err();
        assert!(
            e.to_string().contains("instrument") || e.to_string().contains("버전"),
            "{e}"
        );
        s.shutdown().await;
    }
}
