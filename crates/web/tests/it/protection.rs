//! Frontline protection over real HTTP, on SQLite and (when configured) PostgreSQL: the panic
//! alert seen live over server-sent events, an incident with a recording as evidence, the
//! measures in legal order, the indicators counting it, evidence integrity, and who may see what.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::common;

use common::{Server, api, bilingual, client, start_with, texts};
use domain::office::accounts::Role;
use serde_json::{Value, json};
use std::time::Duration;
use store::office::accounts;
use store::testing::TempDir;
use web::WebConfig;

async fn seed_more(s: &Server) {
    let people = [
        ("guard", Role::ProtectionOfficer, s.ids.civil),
        ("guard2", Role::ProtectionOfficer, s.ids.build),
        ("hrofficer", Role::TrainingOfficer, s.ids.office),
    ];
    common::add_staff(s, &people, "010-9999-0000").await;
}

/// A small valid WAV file (RIFF header + a few samples).
fn wav() -> Vec<u8> {
    let data = vec![0u8, 1, 2, 3, 4, 5, 6, 7];
    let mut v = Vec::new();
    v.extend_from_slice(b"RIFF");
    v.extend_from_slice(&(36 + data.len() as u32).to_le_bytes());
    v.extend_from_slice(b"WAVEfmt ");
    v.extend_from_slice(&16u32.to_le_bytes());
    v.extend_from_slice(&[1, 0, 1, 0]);
    v.extend_from_slice(&8000u32.to_le_bytes());
    v.extend_from_slice(&8000u32.to_le_bytes());
    v.extend_from_slice(&[1, 0, 8, 0]);
    v.extend_from_slice(b"data");
    v.extend_from_slice(&(data.len() as u32).to_le_bytes());
    v.extend_from_slice(&data);
    v
}

/// Read server-sent events from a streaming response until one `alert` event arrives.
async fn next_alert(res: &mut reqwest::Response) -> Value {
    let mut buf = String::new();
    loop {
        let chunk = tokio::time::timeout(Duration::from_secs(10), res.chunk())
            .await
            .expect("an event within 10 s")
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

store::backend_tests! {
    #[tokio::test]
    async fn panic_alert_live_incident_with_recording_measures_in_order_indicators(backend) {
        let data = TempDir::new("minwon-protect").unwrap();
        let config = WebConfig {
            data_dir: Some(data.0.clone()),
            ..WebConfig::default()
        };
        let s = start_with(backend, config).await;
        seed_more(&s).await;
        let kim = api(&s, "kim").await;
        let sup = api(&s, "sup").await;
        let guard = api(&s, "guard").await;
        let admin = api(&s, "admin").await;
        let (st, _) = admin
            .send(
                reqwest::Method::PUT,
                "/api/v1/protection/settings",
                Some(
                    json!({"counter_minutes": 20, "phone_minutes": 10, "visit_minutes": 30,
                            "evidence_retention_days": 1095, "security_desk": "desk@example.kr"}),
                ),
            )
            .await;
        assert_eq!(st, 200);

        // The supervisor's screen listens; an official may not.
        let mut stream = client()
            .get(s.url("/api/v1/protection/alerts/stream"))
            .bearer_auth(&sup.token)
            .send()
            .await
            .unwrap();
        assert_eq!(stream.status(), 200);
        assert!(
            stream.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/event-stream")
        );
        // Every staff screen may listen (the desk or the office head can be anyone); a
        // resident may not.
        let resident = api(&s, "resident").await;
        let denied = client()
            .get(s.url("/api/v1/protection/alerts/stream"))
            .bearer_auth(&resident.token)
            .send()
            .await
            .unwrap();
        assert_eq!(denied.status(), 403);
        // Every protection officer of the office is told, 건설과's too.
        let guard2 = api(&s, "guard2").await;
        let mut other_stream = client()
            .get(s.url("/api/v1/protection/alerts/stream"))
            .bearer_auth(&guard2.token)
            .send()
            .await
            .unwrap();
        assert_eq!(other_stream.status(), 200);
        // An official of another department listens but is no recipient.
        let lee = api(&s, "lee").await;
        let mut lee_stream = client()
            .get(s.url("/api/v1/protection/alerts/stream"))
            .bearer_auth(&lee.token)
            .send()
            .await
            .unwrap();
        assert_eq!(lee_stream.status(), 200);

        // kim presses the panic button.
        let (st, raised) = kim
            .post("/api/v1/protection/alerts", json!({"place": "2번 창구"}))
            .await;
        assert_eq!(st, 201, "{raised}");
        let incident = raised["incident_id"].as_i64().unwrap();
        let live = next_alert(&mut stream).await;
        assert_eq!(live["incident_id"].as_i64(), Some(incident));
        assert_eq!(live["place"], "2번 창구");
        assert_eq!(live["raised_by_name"], "kim 이름");
        assert_eq!(
            next_alert(&mut other_stream).await["incident_id"].as_i64(),
            Some(incident)
        );
        assert!(
            tokio::time::timeout(Duration::from_millis(500), lee_stream.chunk())
                .await
                .map(|c| !String::from_utf8_lossy(&c.unwrap().unwrap()).contains("event: alert"))
                .unwrap_or(true),
            "an official who is no recipient must not receive the alert"
        );
        // The answer lists who was told, from the rows written: both screens shown now.
        let told: Vec<(String, String, String)> = raised["recipients"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                (
                    r["name"].as_str().unwrap().to_string(),
                    r["channel"].as_str().unwrap().to_string(),
                    r["role"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        for (who, ch) in [
            ("sup 이름", "screen"),
            ("sup 이름", "sms"),
            ("sup 이름", "email"),
            ("guard 이름", "screen"),
            ("guard2 이름", "sms"),
            ("", "email"),
        ] {
            assert!(
                told.iter().any(|(n, c, _)| n == who && c == ch),
                "{who} {ch} in {told:?}"
            );
        }
        assert_eq!(raised["reached"], true);
        assert!(raised["summary"].as_str().unwrap().contains("sup 이름"));
        let alert_id = raised["alert"]["id"].as_i64().unwrap();
        let (st, receipt) = kim
            .get(&format!("/api/v1/protection/alerts/{alert_id}"))
            .await;
        assert_eq!(st, 200, "{receipt}");
        let shown: Vec<&str> = receipt["recipients"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["channel"] == "screen" && r["status"] == "shown")
            .map(|r| r["name"].as_str().unwrap())
            .collect();
        assert!(
            shown.contains(&"sup 이름") && shown.contains(&"guard2 이름"),
            "{receipt}"
        );
        assert!(
            receipt["recipients"]
                .as_array()
                .unwrap()
                .iter()
                .any(|r| r["address"] == "de***@example.kr"
                    || r["address"].as_str().unwrap().starts_with("de")),
            "addresses are masked: {receipt}"
        );
        // Someone it was not sent to cannot read or acknowledge it.
        assert_eq!(
            lee.get(&format!("/api/v1/protection/alerts/{alert_id}"))
                .await
                .0,
            403
        );
        let (st, e) = lee
            .post(
                &format!("/api/v1/protection/alerts/{alert_id}/acknowledge"),
                json!({}),
            )
            .await;
        assert_eq!(st, 403);
        assert_eq!(e["code"], "not_your_alert");
        bilingual(&e);
        // Nor can the one who pressed acknowledge their own alert.
        let (st, _) = kim
            .post(
                &format!("/api/v1/protection/alerts/{alert_id}/acknowledge"),
                json!({}),
            )
            .await;
        assert_eq!(st, 403);

        // The outbox carries it to the supervisor, the division's protection officer, the desk.
        let due = store::kit::outbox::claim_due(
            &s.state.db,
            store::now(),
            50,
            chrono::Duration::minutes(5),
        )
        .await
        .unwrap();
        let recipients: Vec<&str> = due.iter().map(|m| m.recipient.as_str()).collect();
        for r in ["sup@example.kr", "guard@example.kr", "desk@example.kr"] {
            assert!(recipients.contains(&r), "{r} in {recipients:?}");
        }
        assert!(recipients.contains(&"guard2@example.kr"));
        assert!(!recipients.contains(&"admin@example.kr"));

        // kim records what happened and attaches the recording.
        let path = format!("/api/v1/protection/incidents/{incident}");
        let (st, body) = kim
            .send(
                reqwest::Method::PUT,
                &path,
                Some(
                    json!({"kind": "verbal_abuse", "channel": "counter", "place": "2번 창구",
                            "petitioner_name": "홍길동", "petitioner_phone": "010-1111-2222",
                            "narrative": "30분간 고성과 욕설"}),
                ),
            )
            .await;
        assert_eq!(st, 200, "{body}");
        let recording = wav();
        let (st, ev) = kim
            .upload(
                &format!("{path}/evidence?kind=recording&filename=call.wav"),
                recording.clone(),
            )
            .await;
        assert_eq!(st, 201, "{ev}");
        assert_eq!(ev["content_type"], "audio/wav");
        let sha = ev["sha256"].as_str().unwrap().to_string();
        assert_eq!(sha.len(), 64);
        let ev_id = ev["id"].as_i64().unwrap();

        // Bad evidence: wrong type, too large; nothing written.
        let (st, body) = kim
            .upload(
                &format!("{path}/evidence?kind=recording"),
                b"MZ\x90\x00\x03\x00\x00\x00".to_vec(),
            )
            .await;
        assert_eq!(
            (st, body["code"].as_str()),
            (415, Some("evidence_type_not_allowed"))
        );
        bilingual(&body);
        store::office::settings::set(&s.state.db, "protection.evidence_max_mb", "1", store::now())
            .await
            .unwrap();
        let mut big = wav();
        big.extend(vec![0u8; 1024 * 1024 + 10]);
        let (st, body) = kim
            .upload(&format!("{path}/evidence?kind=recording"), big)
            .await;
        assert_eq!(
            (st, body["code"].as_str()),
            (413, Some("evidence_too_large"))
        );
        bilingual(&body);
        let (_, view) = guard.get(&path).await;
        assert_eq!(view["evidence"].as_array().unwrap().len(), 1);

        // The supervisor: ending first is refused with a clear message; then in legal order.
        let mpath = format!("{path}/measures");
        let (st, body) = sup.post(&mpath, json!({"kind": "ended"})).await;
        assert_eq!((st, body["code"].as_str()), (400, Some("warning_required")));
        bilingual(&body);
        let (_, view) = sup.get(&path).await;
        assert!(view["measures"].as_array().unwrap().is_empty());
        assert_eq!(view["menu"][1]["kind"], "ended");
        assert!(view["menu"][1]["refused"].as_str().is_some());
        // Supervisors do not open evidence.
        assert!(view["evidence"].is_null());
        assert_eq!(view["petitioner_name"], "홍길동");
        let (st, body) = sup
            .post(
                &mpath,
                json!({"kind": "warning", "warning_reason": "insult", "note": "사유 고지"}),
            )
            .await;
        assert_eq!(st, 201, "{body}");
        let (st, _) = sup.post(&mpath, json!({"kind": "ended"})).await;
        assert_eq!(st, 201);
        let (st, body) = sup
            .post(
                &mpath,
                json!({"kind": "access_restricted", "reason": "폭언 반복",
                       "restriction_start": "2026-06-10T00:00:00Z",
                       "restriction_end": "2026-06-01T00:00:00Z"}),
            )
            .await;
        assert_eq!(
            (st, body["code"].as_str()),
            (400, Some("restriction_ends_before_start"))
        );
        bilingual(&body);
        let (st, body) = sup
            .post(
                &mpath,
                json!({"kind": "counselling", "link_wellbeing": true}),
            )
            .await;
        assert_eq!((st, body["code"].as_str()), (400, Some("consent_required")));
        let (st, _) = sup
            .post(
                &mpath,
                json!({"kind": "counselling", "link_wellbeing": true, "official_consent": true}),
            )
            .await;
        assert_eq!(st, 201);
        let (st, _) = guard
            .post(
                &mpath,
                json!({"kind": "evidence_handed", "recipient": "예시경찰서"}),
            )
            .await;
        assert_eq!(st, 201);
        let (_, view) = sup.get(&path).await;
        let kinds = texts(&view["measures"], "kind");
        assert_eq!(
            kinds,
            vec!["warning", "ended", "counselling", "evidence_handed"]
        );

        // Acknowledging the alert, once.
        let ack = format!("/api/v1/protection/alerts/{alert_id}/acknowledge");
        assert_eq!(sup.post(&ack, json!({})).await.0, 200);
        assert_eq!(sup.post(&ack, json!({})).await.0, 409);

        // Evidence: custody log, download with its hash, hand-over. No reason, no file.
        let (st, body) = guard
            .get(&format!("/api/v1/protection/evidence/{ev_id}/download"))
            .await;
        assert_eq!((st, body["code"].as_str()), (400, Some("reason_required")));
        let (st, download) = {
            let res = client()
                .get(s.url(&format!(
                    "/api/v1/protection/evidence/{ev_id}/download?reason=%EA%B2%BD%EC%B0%B0+%EC%A0%9C%EC%B6%9C"
                )))
                .bearer_auth(&guard.token)
                .send()
                .await
                .unwrap();
            (res.status().as_u16(), res.bytes().await.unwrap())
        };
        assert_eq!(st, 200);
        assert_eq!(download.to_vec(), recording);
        let (st, _) = guard
            .post(
                &format!("/api/v1/protection/evidence/{ev_id}/handover"),
                json!({"recipient": "예시경찰서 수사과"}),
            )
            .await;
        assert_eq!(st, 204);
        let (st, e) = kim
            .get(&format!("/api/v1/protection/evidence/{ev_id}"))
            .await;
        assert_eq!(st, 200);
        let actions = texts(&e["custody"], "action");
        assert_eq!(
            actions,
            vec![
                "uploaded",
                "verified",
                "downloaded",
                "handed_over",
                "viewed"
            ]
        );
        // Supervisors and others never open evidence.
        for who in ["sup", "lee", "guard2", "admin", "counsel", "hrofficer"] {
            let a = api(&s, who).await;
            let (st, _) = a.get(&format!("/api/v1/protection/evidence/{ev_id}")).await;
            assert_eq!(st, 403, "{who} opened evidence");
        }
        // Incidents: the official concerned, the division's supervisor and officer; nobody else.
        for (who, expected) in [
            ("kim", 200),
            ("sup", 200),
            ("guard", 200),
            ("lee", 403),
            ("guard2", 403),
            ("admin", 403),
            ("counsel", 403),
            ("hrofficer", 403),
            ("resident", 403),
        ] {
            let a = api(&s, who).await;
            assert_eq!(a.get(&path).await.0, expected, "{who}");
            let (_, list) = a.get("/api/v1/protection/incidents").await;
            let sees = list
                .as_array()
                .is_some_and(|l| l.iter().any(|i| i["id"].as_i64() == Some(incident)));
            assert_eq!(sees, expected == 200, "{who} list");
        }

        // Reading the petitioner's data is in the access log.
        let (n,): (i64,) = store::on_db!(&s.state.db, |pool| sqlx::query_as(
            "SELECT COUNT(*) FROM audit_log WHERE subject = $1 AND action = 'protection.incident_read'"
        )
        .bind(format!("protection_incident:{incident}"))
        .fetch_one(pool)
        .await)
        .unwrap();
        assert!(n >= 4, "{n}");

        // A byte flipped on disk: verify reports it, download refuses.
        let blob_path = store::kit::blobs::LocalBlobStore::new(data.0.join("blobs"))
            .unwrap()
            .path_of(&sha)
            .unwrap();
        let mut bytes = std::fs::read(&blob_path).unwrap();
        bytes[20] ^= 0xff;
        std::fs::write(&blob_path, &bytes).unwrap();
        let (st, v) = guard
            .post(
                &format!("/api/v1/protection/evidence/{ev_id}/verify"),
                json!({}),
            )
            .await;
        assert_eq!((st, v["intact"].as_bool()), (200, Some(false)));
        let (st, body) = guard
            .get(&format!(
                "/api/v1/protection/evidence/{ev_id}/download?reason=integrity+check"
            ))
            .await;
        assert_eq!(
            (st, body["code"].as_str()),
            (409, Some("evidence_mismatch"))
        );
        bilingual(&body);
        let (_, e) = guard
            .get(&format!("/api/v1/protection/evidence/{ev_id}"))
            .await;
        assert!(
            e["custody"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|c| c["action"] == "mismatch")
                .count()
                >= 2
        );

        // The indicators count it.
        let (st, ind) = sup.get("/api/v1/protection/indicators").await;
        assert_eq!(st, 200, "{ind}");
        let month = domain::protection::month_of(store::now());
        let office = ind["rows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["month"] == month.as_str() && r["department_id"].is_null())
            .unwrap();
        assert_eq!(office["indicators"]["incidents"], 1);
        assert_eq!(office["indicators"]["responded"], 1);
        assert_eq!(office["indicators"]["measures"]["ended"], 1);
        assert_eq!(office["indicators"]["support_given"], 1);
        let team = ind["rows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["department_id"].as_i64() == Some(s.ids.team))
            .unwrap();
        assert_eq!(team["indicators"]["incidents"], 1);
        let (st, body) = sup.get("/api/v1/protection/indicators?from=2026-13").await;
        assert_eq!((st, body["code"].as_str()), (400, Some("bad_month")));

        // The OpenAPI document lists the protection routes.
        let (_, doc) = kim.get("/api/v1/openapi.json").await;
        assert!(doc["paths"]["/api/v1/protection/alerts"]["post"].is_object());
        assert!(doc["paths"]["/api/v1/protection/incidents/{id}/measures"]["post"].is_object());

        drop(stream);
        drop(other_stream);
        s.shutdown().await;
    }

    #[tokio::test]
    async fn contacts_flags_history_equipment_drills(backend) {
        let s = common::start(backend).await;
        seed_more(&s).await;
        let kim = api(&s, "kim").await;
        let sup = api(&s, "sup").await;
        let guard = api(&s, "guard").await;

        // Timed phone call: recommended time and warning text; ending needs the warning.
        let (st, c) = kim
            .post(
                "/api/v1/protection/contacts",
                json!({"channel": "phone", "recorded": true}),
            )
            .await;
        assert_eq!(st, 201, "{c}");
        assert_eq!(c["recommended_minutes"], 15);
        assert!(c["warning_ko"].as_str().unwrap().contains("15분"));
        let cid = c["contact"]["id"].as_i64().unwrap();
        let (st, body) = kim
            .post(
                &format!("/api/v1/protection/contacts/{cid}/finish"),
                json!({"ended_by_official": true}),
            )
            .await;
        assert_eq!((st, body["code"].as_str()), (400, Some("warning_required")));
        // Someone else's contact is not theirs to warn.
        let lee = api(&s, "lee").await;
        let (st, _) = lee
            .post(
                &format!("/api/v1/protection/contacts/{cid}/warn"),
                json!({"reason": "time_exceeded"}),
            )
            .await;
        assert_eq!(st, 403);
        let (st, _) = kim
            .post(
                &format!("/api/v1/protection/contacts/{cid}/warn"),
                json!({"reason": "time_exceeded"}),
            )
            .await;
        assert_eq!(st, 201);
        let (st, done) = kim
            .post(
                &format!("/api/v1/protection/contacts/{cid}/finish"),
                json!({"ended_by_official": true}),
            )
            .await;
        assert_eq!(st, 200);
        assert_eq!(done["ended_by_official"], true);

        // A counter petition from a person, an incident linked to it, a flag; their next
        // petition shows the history (counts to the official, details to the supervisor).
        let admin = api(&s, "admin").await;
        let t = admin
            .new_type(
                json!({"code": "question", "name": "질의민원", "kind": "question_system",
                       "department_code": "civil-team"}),
            )
            .await;
        let file = || async {
            let (st, p) = kim
                .post(
                    "/api/v1/petitions",
                    json!({"type_id": t["id"], "channel": "counter", "identity_check": "id_card", "title": "문의",
                           "body": "절차 문의", "petitioner": {"name": "홍길동", "phone": "010-1111-2222"}}),
                )
                .await;
            assert_eq!(st, 201, "{p}");
            p["id"].as_i64().unwrap()
        };
        let first = file().await;
        let (st, body) = kim
            .post(
                "/api/v1/protection/incidents",
                json!({"kind": "threat", "channel": "counter", "petition_id": first,
                       "narrative": "협박"}),
            )
            .await;
        assert_eq!(st, 201, "{body}");
        let (st, body) = kim
            .post(
                "/api/v1/protection/incidents",
                json!({"kind": "threat", "channel": "fax"}),
            )
            .await;
        assert_eq!((st, body["code"].as_str()), (400, Some("unknown_Channel")));
        let next = file().await;
        let (st, h) = kim
            .get(&format!("/api/v1/protection/petitions/{next}/history"))
            .await;
        assert_eq!(st, 200, "{h}");
        assert_eq!(h["incidents"], 1);
        assert!(h["recent"].is_null());
        let (_, h) = sup
            .get(&format!("/api/v1/protection/petitions/{next}/history"))
            .await;
        assert_eq!(h["recent"][0]["kind"], "threat");
        assert_eq!(
            lee.get(&format!("/api/v1/protection/petitions/{next}/history"))
                .await
                .0,
            403
        );
        // The same through the page linked from the petition.
        let hpath = format!("/protection/petitions/{next}/history");
        let (_, desk, _) = common::browser(&s, "kim")
            .await
            .get(&format!("/desk/petitions/{next}"))
            .await;
        assert!(desk.contains(&hpath));
        let (st, html, _) = common::browser(&s, "sup").await.get(&hpath).await;
        assert_eq!(st, 200);
        assert!(html.contains("/protection/incidents/"));
        let (st, html, _) = common::browser(&s, "kim").await.get(&hpath).await;
        assert_eq!(st, 200);
        assert!(
            !html.contains("/protection/incidents/"),
            "officials see counts only"
        );
        let (st, flag) = kim
            .post(
                "/api/v1/protection/flags",
                json!({"channel": "phone", "petitioner_name": "홍길동",
                       "petitioner_phone": "010-1111-2222", "reason": "반복 폭언"}),
            )
            .await;
        assert_eq!(st, 201, "{flag}");
        let (st, body) = kim
            .post(
                "/api/v1/protection/flags",
                json!({"channel": "phone", "reason": " "}),
            )
            .await;
        assert_eq!(
            (st, body["code"].as_str()),
            (400, Some("flag_reason_required"))
        );
        let (st, flags) = sup.get("/api/v1/protection/flags").await;
        assert_eq!(st, 200);
        assert_eq!(flags["flags"].as_array().unwrap().len(), 1);

        // Equipment: officials do not manage it.
        let (st, _) = kim
            .post(
                "/api/v1/protection/equipment",
                json!({"kind": "whistle", "label": "W-1"}),
            )
            .await;
        assert_eq!(st, 403);
        let (st, eq) = guard
            .post(
                "/api/v1/protection/equipment",
                json!({"kind": "portable_recorder", "label": "R-1", "location": "1층 창구"}),
            )
            .await;
        assert_eq!(st, 201, "{eq}");
        let eid = eq["id"].as_i64().unwrap();
        let kim_id = accounts::find_by_username(&s.state.db, "kim")
            .await
            .unwrap()
            .id;
        let (st, issued) = guard
            .post(
                &format!("/api/v1/protection/equipment/{eid}/issue"),
                json!({"holder_id": kim_id}),
            )
            .await;
        assert_eq!((st, issued["holder_id"].as_i64()), (200, Some(kim_id)));
        let (st, body) = guard
            .post(
                &format!("/api/v1/protection/equipment/{eid}/checks"),
                json!({"ok": false}),
            )
            .await;
        assert_eq!((st, body["code"].as_str()), (400, Some("fault_required")));
        let (st, _) = guard
            .post(
                &format!("/api/v1/protection/equipment/{eid}/checks"),
                json!({"ok": false, "fault": "배터리 불량"}),
            )
            .await;
        assert_eq!(st, 201);
        let (_, list) = sup.get("/api/v1/protection/equipment").await;
        assert_eq!(list[0]["faulty"], true);

        // Drills: reminder until one is planned this half-year.
        let (st, d) = guard.get("/api/v1/protection/drills").await;
        assert_eq!(st, 200);
        assert_eq!(d["reminder"], "none_planned");
        assert!(d["reminder_message"].as_str().unwrap().contains("모의훈련"));
        let today = domain::protection::local_date(store::now());
        let (st, drill) = guard
            .post(
                "/api/v1/protection/drills",
                json!({"planned_on": today, "scenario": "흉기 난동 대응", "partner": "예시경찰서"}),
            )
            .await;
        assert_eq!(st, 201, "{drill}");
        let did = drill["id"].as_i64().unwrap();
        let (st, body) = guard
            .post(
                &format!("/api/v1/protection/drills/{did}/held"),
                json!({"participants": " "}),
            )
            .await;
        assert_eq!(
            (st, body["code"].as_str()),
            (400, Some("participants_required"))
        );
        let (st, _) = guard
            .post(
                &format!("/api/v1/protection/drills/{did}/held"),
                json!({"participants": "민원팀 6명, 경찰 2명", "after_action": "비상벨 응답 3분",
                       "fixes": "비상벨 위치 표시"}),
            )
            .await;
        assert_eq!(st, 200);
        let (_, d) = guard.get("/api/v1/protection/drills").await;
        assert!(d["reminder"].is_null(), "{d}");
        let (st, _) = kim.get("/api/v1/protection/drills").await;
        assert_eq!(st, 403);

        // The indicators: one recorded call of one; the drill held.
        let (_, ind) = sup.get("/api/v1/protection/indicators").await;
        let month = domain::protection::month_of(store::now());
        let office = ind["rows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["month"] == month.as_str() && r["department_id"].is_null())
            .unwrap();
        assert_eq!(office["indicators"]["calls"], 1);
        assert_eq!(office["indicators"]["recorded_share"], 1.0);
        assert_eq!(office["indicators"]["drills_held"], 1);

        s.shutdown().await;
    }

    #[tokio::test]
    async fn the_pages_work_without_javascript(backend) {
        let s = common::start(backend).await;
        seed_more(&s).await;
        let kim = common::browser(&s, "kim").await;
        // The panic button is on every staff page, a plain form.
        for path in ["/desk", "/wellbeing", "/protection", "/protection/contact"] {
            let (st, html, _) = kim.get(path).await;
            assert_eq!(st, 200, "{path}");
            assert!(html.contains("action=\"/protection/panic\""), "{path}");
        }
        let resident = common::browser(&s, "resident").await;
        let (_, html, _) = resident.get("/").await;
        assert!(!html.contains("/protection/panic"));
        let (st, _, _) = resident.post("/protection/panic", &[]).await;
        assert_eq!(st, 403);

        // Any staff member may press it and then sees their own incident.
        let counsel = common::browser(&s, "counsel").await;
        let (st, _, to) = counsel.post("/protection/panic", &[]).await;
        assert_eq!(st, 303);
        assert_eq!(counsel.get(&to.unwrap()).await.0, 200);

        let (st, _, to) = kim
            .post("/protection/panic", &[("place", "2번 창구")])
            .await;
        assert_eq!(st, 303);
        let to = to.unwrap();
        assert!(to.starts_with("/protection/alerts/"), "{to}");
        let (st, html, _) = kim.get(&to).await;
        assert_eq!(st, 200);
        // The confirmation names who was told and how, from what was queued.
        assert!(html.contains("명·곳에 알렸습니다"), "{html}");
        assert!(html.contains("sup 이름") && html.contains("guard 이름"));
        assert!(html.contains("010-****-5678"), "phone numbers masked");
        assert!(!html.contains("비상호출을 보냈습니다. 상급자"));
        let at = html.find("href=\"/protection/incidents/").unwrap() + "href=\"".len();
        let incident: String = html[at..].chars().take_while(|c| *c != '"').collect();
        // Every staff screen subscribes to alerts.
        assert!(html.contains("mw-live-alerts"));

        let sup = common::browser(&s, "sup").await;
        let (st, html, _) = sup.get(&to).await;
        assert_eq!(st, 200);
        assert!(html.contains("ack-button"), "a recipient may acknowledge");
        let (st, _, back) = sup.post(&format!("{to}/acknowledge"), &[]).await;
        assert_eq!(st, 303);
        assert!(back.unwrap().ends_with("?done=ack"));
        let (st, html, _) = sup.post(&format!("{to}/acknowledge"), &[]).await;
        assert_eq!(st, 409);
        assert!(
            html.contains("이미 다른 사람이 출동 확인한"),
            "Korean error on the page"
        );
        let (st, html, _) = sup.get(&incident).await;
        assert_eq!(st, 200);
        assert!(html.contains("mw-live-alerts"));
        assert!(html.contains("disabled aria-describedby=\"why-ended\""));
        let measures = format!("{incident}/measures");
        let (st, html, _) = sup.post(&measures, &[("kind", "ended")]).await;
        assert_eq!(st, 400);
        assert!(html.contains("경고를 기록한"), "Korean error shown");
        let (st, _, _) = sup
            .post(
                &measures,
                &[("kind", "warning"), ("warning_reason", "insult")],
            )
            .await;
        assert_eq!(st, 303);
        let (st, _, _) = sup.post(&measures, &[("kind", "ended")]).await;
        assert_eq!(st, 303);
        let (st, html, _) = sup
            .post(
                &measures,
                &[
                    ("kind", "access_restricted"),
                    ("restriction_start", "2026-06-10T09:00"),
                    ("restriction_end", "2026-06-01T09:00"),
                    ("reason", "폭언"),
                ],
            )
            .await;
        assert_eq!(st, 400);
        assert!(html.contains("종료 일시는 시작 일시보다"));
        let (_, html, _) = sup.get(&incident).await;
        let warned = html.find("경고(사유 고지)</strong>").unwrap();
        let ended = html.find("통화·면담 종료</strong>").unwrap();
        assert!(warned < ended, "measures listed in the order taken");
        // In English on request.
        let (_, html, _) = sup.get(&format!("{incident}?lang=en")).await;
        assert!(html.contains("call or visit ended"));

        // An official's own flag on a call, through the page form.
        let (st, html, _) = kim
            .post(
                "/protection/flags",
                &[("channel", "phone"), ("reason", " ")],
            )
            .await;
        assert_eq!(st, 400);
        assert!(html.contains("표시 사유를 적으세요"));
        let (st, _, _) = kim
            .post(
                "/protection/flags",
                &[
                    ("channel", "phone"),
                    ("petitioner_name", "홍길동"),
                    ("petitioner_phone", "010-1111-2222"),
                    ("reason", "통화마다 욕설"),
                ],
            )
            .await;
        assert_eq!(st, 303);
        let (_, html, _) = kim.get("/protection").await;
        assert!(html.contains("통화마다 욕설"));

        let lee = common::browser(&s, "lee").await;
        assert_eq!(lee.get(&incident).await.0, 403);
        assert_eq!(kim.get("/protection/equipment").await.0, 403);
        let (st, html, _) = sup.get("/protection/drills").await;
        assert_eq!(st, 200);
        assert!(html.contains("모의훈련이 계획되지 않았습니다"));
        let (st, html, _) = sup.get("/protection/indicators").await;
        assert_eq!(st, 200);
        assert!(html.contains("<table"));

        // The contact timer: the warning text is on the page (shown without the script).
        let (st, _, to) = kim
            .post(
                "/protection/contact",
                &[("channel", "phone"), ("recorded", "yes")],
            )
            .await;
        assert_eq!(st, 303);
        let contact = to.unwrap();
        let (_, html, _) = kim.get(&contact).await;
        assert!(html.contains("권장 시간(15분)"));
        let (st, html, _) = kim
            .post(
                &format!("{contact}/finish"),
                &[("ended_by_official", "yes")],
            )
            .await;
        assert_eq!(st, 400);
        assert!(html.contains("경고"));
        s.shutdown().await;
    }

    #[tokio::test]
    async fn panic_places_and_incident_forms_that_keep_what_was_typed(backend) {
        let s = common::start(backend).await;
        seed_more(&s).await;
        let kim = common::browser(&s, "kim").await;
        let sup = common::browser(&s, "sup").await;
        let alert_id = |to: &str| to.rsplit('/').next().unwrap().parse::<i64>().unwrap();

        // No place known yet: the press still alerts at once, and its page asks where.
        let sup_api = api(&s, "sup").await;
        let mut stream = client()
            .get(s.url("/api/v1/protection/alerts/stream"))
            .bearer_auth(&sup_api.token)
            .send()
            .await
            .unwrap();
        let (st, _, to) = kim.post("/protection/panic", &[]).await;
        assert_eq!(st, 303);
        let to = to.unwrap();
        let first = next_alert(&mut stream).await;
        assert_eq!(first["place"], "");
        let (_, html, _) = kim.get(&to).await;
        assert!(html.contains("지금 어디에 계십니까?") && html.contains("id=\"where-place\""));
        assert!(html.contains("자리 미확인"));
        let (_, html, _) = sup.get(&to).await;
        assert!(!html.contains("id=\"where-place\""), "only the one who pressed says where");
        let (_, html, _) = sup.get("/protection").await;
        assert!(html.contains("자리 미확인"), "the list says the place is not known yet");
        // A blank place is refused beside the field; someone else's alert is not theirs to place.
        let (st, html, _) = kim.post(&format!("{to}/place"), &[("place", " ")]).await;
        assert_eq!(st, 400);
        assert!(html.contains("id=\"where-place-error\"") && html.contains("창구나 상담실"));
        assert_eq!(sup.post(&format!("{to}/place"), &[("place", "옥상")]).await.0, 404);
        let (st, _, back) = kim.post(&format!("{to}/place"), &[("place", "3번 창구")]).await;
        assert_eq!(st, 303);
        assert!(back.unwrap().ends_with("?done=place"));
        // The banner is pushed again with the place; the alert page and its incident say it.
        let again = next_alert(&mut stream).await;
        assert_eq!((again["id"].as_i64(), again["place"].as_str()), (Some(alert_id(&to)), Some("3번 창구")));
        let (_, html, _) = sup.get(&to).await;
        assert!(html.contains("3번 창구") && !html.contains("자리 미확인"));
        let (_, html, _) = sup.get("/protection").await;
        assert!(html.contains("3번 창구"));

        // Later presses that day carry the place without asking.
        let (_, _, to2) = kim.post("/protection/panic", &[]).await;
        let to2 = to2.unwrap();
        assert_eq!(next_alert(&mut stream).await["place"], "3번 창구");
        let (_, html, _) = kim.get(&to2).await;
        assert!(html.contains("위치가 바뀌었으면 고쳐 주세요"));
        // A standing place (the per-account setting) wins over the day's choice.
        let (_, html, _) = kim.get("/protection").await;
        assert!(html.contains("오늘 알린 위치") && html.contains("id=\"p-standing\""));
        let long = "가".repeat(201);
        let (st, html, _) = kim.post("/protection/panic-place", &[("place", &long)]).await;
        assert_eq!(st, 400);
        assert!(html.contains("id=\"p-standing-error\"") && html.contains(&long));
        let (st, _, _) = kim.post("/protection/panic-place", &[("place", "2층 상담실")]).await;
        assert_eq!(st, 303);
        let (_, _, _) = kim.post("/protection/panic", &[]).await;
        assert_eq!(next_alert(&mut stream).await["place"], "2층 상담실");
        // The JSON API may still name the place itself.
        let kim_api = api(&s, "kim").await;
        let (st, body) = kim_api
            .post("/api/v1/protection/alerts", json!({"place": "민원실 입구"}))
            .await;
        assert_eq!(st, 201, "{body}");
        assert_eq!(body["alert"]["place"], "민원실 입구");
        drop(stream);

        // A counter petition with its receipt number.
        let admin = api(&s, "admin").await;
        let t = admin
            .new_type(
                json!({"code": "question", "name": "질의민원", "kind": "question_system",
                       "department_code": "civil-team"}),
            )
            .await;
        let (st, p) = kim_api
            .post(
                "/api/v1/petitions",
                json!({"type_id": t["id"], "channel": "counter", "identity_check": "id_card", "title": "문의",
                       "body": "절차 문의", "petitioner": {"name": "홍길동", "phone": "010-1111-2222"}}),
            )
            .await;
        assert_eq!(st, 201, "{p}");
        let pid = p["id"].as_i64().unwrap();
        let receipt = p["receipt_no"].as_str().expect("a counter petition is received").to_string();
        let seq = receipt.split('-').nth(1).unwrap().to_string();

        // Every problem at once, each beside its field, and everything typed kept.
        let narrative = "창구에서 30분간 고성과 욕설, 서류를 던짐";
        let (st, html, _) = kim
            .post(
                "/protection/incidents",
                &[
                    ("kind", "verbal_abuse"),
                    ("channel", "counter"),
                    ("occurred_at", "2099-01-01T09:00"),
                    ("place", "3번 창구"),
                    ("petition", "2026-9999999"),
                    ("petitioner_name", "홍길동"),
                    ("petitioner_phone", "010-1111-2222"),
                    ("narrative", narrative),
                ],
            )
            .await;
        assert_eq!(st, 400);
        assert!(html.contains("id=\"n-petition-error\"") && html.contains("id=\"n-occurred_at-error\""));
        assert!(html.contains("‘2026-9999999’에 해당하는 민원을 찾을 수 없습니다"));
        assert!(html.contains("발생 일시가 미래입니다"));
        assert!(html.contains("aria-describedby=\"n-petition-error\""));
        assert!(html.contains(narrative), "the account of what happened is kept");
        for kept in ["value=\"2026-9999999\"", "value=\"홍길동\"", "value=\"010-1111-2222\"", "value=\"2099-01-01T09:00\"", "value=\"3번 창구\"", "value=\"verbal_abuse\" selected"] {
            assert!(html.contains(kept), "{kept}");
        }
        assert!(html.contains("id=\"incident-errors\"") && html.contains("href=\"#n-petition\""));
        // In English too.
        let (st, html, _) = kim
            .post(
                "/protection/incidents?lang=en",
                &[("kind", "threat"), ("channel", "counter"), ("petition", "abc"), ("narrative", narrative)],
            )
            .await;
        assert_eq!(st, 400);
        assert!(html.contains("No petition matches ‘abc’") && html.contains(narrative));
        kim.get("/protection?lang=ko").await;
        // Nothing was written by the refusals.
        let (_, list) = kim_api.get("/api/v1/protection/incidents").await;
        let before = list.as_array().unwrap().len();

        // The receipt number in every usual form finds the petition.
        for typed in [receipt.clone(), seq.clone(), pid.to_string(), format!("#{pid}")] {
            let (st, _, to) = kim
                .post(
                    "/protection/incidents",
                    &[("kind", "threat"), ("channel", "counter"), ("petition", &typed), ("narrative", "협박")],
                )
                .await;
            assert_eq!(st, 303, "{typed}");
            let to = to.unwrap();
            let id: i64 = to.split('/').nth(3).unwrap().split('?').next().unwrap().parse().unwrap();
            let (_, inc) = kim_api.get(&format!("/api/v1/protection/incidents/{id}")).await;
            assert_eq!(inc["petition_id"].as_i64(), Some(pid), "{typed}");
            let (_, html, _) = kim.get(&to).await;
            assert!(html.contains(&format!("value=\"{receipt}\"")), "the page shows the receipt number");
        }
        let (_, list) = kim_api.get("/api/v1/protection/incidents").await;
        assert_eq!(list.as_array().unwrap().len(), before + 4);
        // The API takes the receipt number as well.
        let (st, body) = kim_api
            .post(
                "/api/v1/protection/incidents",
                json!({"kind": "threat", "channel": "phone", "petition": receipt, "narrative": "협박"}),
            )
            .await;
        assert_eq!(st, 201, "{body}");
        let id = body["id"].as_i64().unwrap();
        let (st, body) = kim_api
            .post(
                "/api/v1/protection/incidents",
                json!({"kind": "threat", "channel": "phone", "petition": "0000000", "narrative": "협박"}),
            )
            .await;
        assert_eq!(st, 400);
        assert_eq!(body["code"], "unknown_petition");

        // Correcting an incident: a rejected number keeps the typed account too.
        let page = format!("/protection/incidents/{id}");
        let (st, html, _) = kim
            .post(
                &page,
                &[("kind", "threat"), ("channel", "phone"), ("petition", "2020-0000001"), ("narrative", "고친 경위")],
            )
            .await;
        assert_eq!(st, 400);
        assert!(html.contains("id=\"e-petition-error\"") && html.contains("고친 경위"));
        let (_, inc) = kim_api.get(&format!("/api/v1/protection/incidents/{id}")).await;
        assert_eq!(inc["narrative"], "협박", "nothing half-written");

        // The flag form: a rejected petition number and a missing reason, both said, all kept.
        let (st, html, _) = kim
            .post(
                "/protection/flags",
                &[("channel", "phone"), ("petition", "77777"), ("petitioner_name", "김철수"), ("reason", "")],
            )
            .await;
        assert_eq!(st, 400);
        assert!(html.contains("id=\"f-petition-error\"") && html.contains("id=\"f-reason-error\""));
        assert!(html.contains("value=\"김철수\"") && html.contains("value=\"77777\""));
        assert!(html.contains("value=\"phone\" selected"));
        let (st, _, _) = kim
            .post(
                "/protection/flags",
                &[("channel", "counter"), ("petition", &receipt), ("reason", "반복 고성")],
            )
            .await;
        assert_eq!(st, 303);
        s.shutdown().await;
    }
}
