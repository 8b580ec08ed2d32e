//! The panic alert of the demo county through `minwon serve`: an official of every demo
//! department presses it and the answer names who was told (the supervisors of their division,
//! every protection officer); with PostgreSQL, a second server process on the same database
//! shows the alert live on its own stream; an alert nobody acknowledges goes to the office head
//! by SMS after the setting.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::common::{database, get_json, serve_demo, token};
use serde_json::{Value, json};
use std::process::{Child, Command};
use std::time::Duration;

const PASSWORD: &str = "minwon-demo-2026";

/// A `minwon serve --demo` process and its address; killed when dropped.
struct Served {
    child: Child,
    url: String,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let _ = self.child.wait();
    }
}

fn serve(dir: &std::path::Path, pg: Option<&str>) -> Served {
    let (child, url, _) = serve_demo(dir, pg);
    Served { child, url }
}

/// Press the panic button as the holder of `token`: the answer, which must be 201.
async fn press(c: &reqwest::Client, url: &str, token: &str, body: Value) -> Value {
    let res = c
        .post(format!("{url}/api/v1/protection/alerts"))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201, "{url} {body}");
    res.json().await.unwrap()
}

/// Read server-sent events until one `alert` event arrives (10 s at most).
async fn next_alert(res: &mut reqwest::Response) -> Value {
    let mut buf = String::new();
    loop {
        let chunk = tokio::time::timeout(Duration::from_secs(10), res.chunk())
            .await
            .expect("an alert event within 10 s")
            .unwrap()
            .expect("stream open");
        buf.push_str(&String::from_utf8_lossy(&chunk));
        while let Some(end) = buf.find("\n\n") {
            let block: String = buf.drain(..end + 2).collect();
            if block.lines().any(|l| l == "event: alert") {
                let data: String = block
                    .lines()
                    .filter_map(|l| l.strip_prefix("data: "))
                    .collect();
                return serde_json::from_str(&data).unwrap();
            }
        }
    }
}

/// (name, channel) pairs of an alert's answer, round 0.
fn told(receipt: &Value) -> Vec<(String, String, String)> {
    receipt["recipients"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["name"].as_str().unwrap().to_string(),
                r["role"].as_str().unwrap().to_string(),
                r["channel"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

store::backend_tests! {
    #[tokio::test]
    async fn every_demo_department_reaches_someone_across_servers_and_escalates(backend) {
        eprintln!("panic alerts on {backend}");
        let (dir, pg, _t) = database("alert", backend).await;
        let a = serve(&dir, pg.as_deref());
        let c = reqwest::Client::new();
        let admin = token(&c, &a.url, "admin", PASSWORD).await;

        // An official in every demo department (a new account each, the same password).
        let depts: Vec<Value> = get_json(&c, format!("{}/api/v1/departments", a.url), &admin).await;
        assert_eq!(depts.len(), 12);
        // The demo's division of 한과장 (sup.civil): 민원봉사과 and the 민원팀 under it.
        for d in &depts {
            let code = d["code"].as_str().unwrap();
            let user = format!("press.{code}");
            let res = c
                .post(format!("{}/api/v1/accounts", a.url))
                .bearer_auth(&admin)
                .json(
                    &json!({"username": user, "display_name": format!("{code} 직원"),
                    "phone": "010-7777-0000", "role": "official", "department_code": code,
                    "password": "press-pass-1234"}),
                )
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 201, "{code}: {}", res.text().await.unwrap());
            let tok = token(&c, &a.url, &user, "press-pass-1234").await;
            let receipt = press(&c, &a.url, &tok, json!({"place": "창구"})).await;
            let told = told(&receipt);
            let has = |name: &str, role: &str| told.iter().any(|(n, r, _)| n == name && r == role);
            let in_civil = code == "civil" || code == "civil-desk";
            assert_eq!(
                has("한과장", "supervisor"),
                in_civil,
                "{code}: the supervisor of the division only: {told:?}"
            );
            assert!(
                has("조보호", "protection_officer"),
                "{code}: every protection officer: {told:?}"
            );
            // Screen, SMS and mail for each account with a phone and a mail address.
            for ch in ["screen", "sms", "email"] {
                assert!(
                    told.iter().any(|(n, _, c)| n == "조보호" && c == ch),
                    "{code}: {ch} {told:?}"
                );
            }
            assert_eq!(receipt["reached"], true, "{code}");
            assert!(
                !told.iter().any(|(n, _, _)| n == &format!("{code} 직원")),
                "never oneself"
            );
        }

        if let Some(pg) = pg.as_deref() {
            // A second app server on the same PostgreSQL: the supervisor's screen there sees
            // an alert raised on the first.
            let b = serve(&dir.join("b"), Some(pg));
            let sup_b = token(&c, &b.url, "sup.civil", PASSWORD).await;
            let mut stream = c
                .get(format!("{}/api/v1/protection/alerts/stream", b.url))
                .bearer_auth(&sup_b)
                .send()
                .await
                .unwrap();
            assert_eq!(stream.status(), 200);
            // The relay listens once the server runs; give its LISTEN a moment.
            tokio::time::sleep(Duration::from_millis(500)).await;
            let desk = token(&c, &a.url, "official.desk", PASSWORD).await;
            let raised = press(&c, &a.url, &desk, json!({"place": "3번 창구"})).await;
            let live = next_alert(&mut stream).await;
            assert_eq!(live["id"], raised["alert"]["id"]);
            assert_eq!(live["place"], "3번 창구");
            assert_eq!(live["raised_by_name"], "김민원");
            // Shown on that screen: the row on the first server says so.
            let id = raised["alert"]["id"].as_i64().unwrap();
            let mut shown = false;
            for _ in 0..20 {
                let r: Value = get_json(&c, format!("{}/api/v1/protection/alerts/{id}", a.url), &desk).await;
                shown = r["recipients"].as_array().unwrap().iter().any(|x| {
                    x["name"] == "한과장" && x["channel"] == "screen" && x["status"] == "shown"
                });
                if shown {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            assert!(shown, "the screen on server B is recorded as shown");
            // The supervisor acknowledges on server B; the alert is acknowledged for A too.
            let res = c
                .post(format!(
                    "{}/api/v1/protection/alerts/{id}/acknowledge",
                    b.url
                ))
                .bearer_auth(&sup_b)
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 200);
            drop(b);
        }

        // Escalation: the office head is named and alerts wait 10 s for an acknowledgement.
        let res = c
            .put(format!("{}/api/v1/protection/settings", a.url))
            .bearer_auth(&admin)
            .json(
                &json!({"counter_minutes": 30, "phone_minutes": 15, "visit_minutes": 30,
                "evidence_retention_days": 1095, "security_desk": "010-5550-0112",
                "office_head": "committee", "alert_escalation_seconds": 10}),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
        let env = token(&c, &a.url, "official.env", PASSWORD).await;
        let receipt = press(&c, &a.url, &env, json!({})).await;
        let id = receipt["alert"]["id"].as_i64().unwrap();
        assert!(
            told(&receipt)
                .iter()
                .any(|(_, r, c)| r == "security_desk" && c == "sms")
        );
        assert!(!told(&receipt).iter().any(|(_, r, _)| r == "office_head"));
        let mut escalated = Value::Null;
        for _ in 0..40 {
            tokio::time::sleep(Duration::from_millis(500)).await;
            let r: Value = get_json(&c, format!("{}/api/v1/protection/alerts/{id}", a.url), &env).await;
            if !r["alert"]["escalated_at"].is_null() {
                escalated = r;
                break;
            }
        }
        assert!(!escalated.is_null(), "escalated within 20 s");
        let round1: Vec<&Value> = escalated["recipients"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["round"] == 1)
            .collect();
        assert!(
            round1.iter().any(|r| r["name"] == "강위원"
                && r["role"] == "office_head"
                && r["channel"] == "sms"),
            "{round1:?}"
        );
        // The outbox worker delivered its SMS to the log.
        let mut logged = String::new();
        for _ in 0..20 {
            logged = std::fs::read_to_string(dir.join("sms.log")).unwrap_or_default();
            if logged.contains("미확인 재알림") {
                break;
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
        assert!(
            logged.contains("미확인 재알림"),
            "escalation SMS sent: {logged}"
        );
        drop(a);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
