//! Panic alerts that always reach someone and say the truth, and access restrictions that
//! are enforced where they apply — over real HTTP on SQLite and PostgreSQL.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::common;

use common::{api, bilingual, browser, client, start_unlimited};
use domain::office::accounts::Role;
use serde_json::{Value, json};

fn settings(extra: Value) -> Value {
    let mut v = json!({"counter_minutes": 30, "phone_minutes": 15, "visit_minutes": 30,
        "evidence_retention_days": 1095, "security_desk": ""});
    for (k, x) in extra.as_object().unwrap() {
        v[k] = x.clone();
    }
    v
}

fn rows(receipt: &Value) -> Vec<(String, String, String, i64)> {
    receipt["recipients"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["name"].as_str().unwrap().to_string(),
                r["role"].as_str().unwrap().to_string(),
                r["channel"].as_str().unwrap().to_string(),
                r["round"].as_i64().unwrap(),
            )
        })
        .collect()
}

store::backend_tests! {
    #[tokio::test]
    async fn nobody_in_line_falls_to_the_office_head_then_says_call_112_and_escalates(backend) {
        let s = start_unlimited(backend).await;
        let admin = api(&s, "admin").await;
        // 건설과 has no supervisor and the office no protection officer or security desk.
        let lee = api(&s, "lee").await;

        // Bad settings are refused, nothing changes.
        for (bad, code) in [
            (
                json!({"security_desk": "nobody.here"}),
                "security_desk_invalid",
            ),
            (json!({"security_desk": "12-3"}), "security_desk_invalid"),
            (json!({"office_head": "ghost"}), "office_head_invalid"),
            (json!({"office_head": "resident"}), "office_head_invalid"),
            (
                json!({"alert_escalation_seconds": 5}),
                "escalation_seconds_out_of_range",
            ),
        ] {
            let (st, e) = admin
                .put("/api/v1/protection/settings", settings(bad))
                .await;
            assert_eq!((st, e["code"].as_str().unwrap()), (400, code), "{e}");
            bilingual(&e);
        }
        let (st, _) = lee
            .put("/api/v1/protection/settings", settings(json!({})))
            .await;
        assert_eq!(st, 403, "only administrators");

        // Nobody at all: the press is recorded and the answer says so, with what to do.
        let (st, r) = lee
            .post("/api/v1/protection/alerts", json!({"place": "현장"}))
            .await;
        assert_eq!(st, 201, "{r}");
        assert_eq!(r["reached"], false);
        assert!(r["recipients"].as_array().unwrap().is_empty());
        assert!(r["summary"].as_str().unwrap().contains("112"), "{r}");
        let incident = r["incident_id"].as_i64().unwrap();
        assert_eq!(
            lee.get(&format!("/api/v1/protection/incidents/{incident}"))
                .await
                .0,
            200,
            "the press is recorded as an incident"
        );
        let page = browser(&s, "lee").await;
        let alert_id = r["alert"]["id"].as_i64().unwrap();
        let (st, html, _) = page.get(&format!("/protection/alerts/{alert_id}")).await;
        assert_eq!(st, 200);
        assert!(html.contains("아무에게도 알리지 못했습니다") && html.contains("112"));
        assert!(html.contains("role=\"alert\" id=\"alert-summary\""));
        let (_, html, _) = page
            .get(&format!("/protection/alerts/{alert_id}?lang=en"))
            .await;
        assert!(html.contains("Nobody could be told"));

        // The administrator names the office head: the next press reaches them.
        let (st, v) = admin
            .put(
                "/api/v1/protection/settings",
                settings(json!({"office_head": "counsel", "alert_escalation_seconds": 30})),
            )
            .await;
        assert_eq!(st, 200, "{v}");
        assert_eq!(v["office_head"], "counsel");
        assert_eq!(v["alert_escalation_seconds"], 30);
        let (_, r) = lee.post("/api/v1/protection/alerts", json!({})).await;
        let told = rows(&r);
        assert!(
            told.iter()
                .all(|(n, role, _, _)| n == "counsel 이름" && role == "office_head"),
            "{told:?}"
        );
        assert_eq!(told.len(), 3, "screen, SMS, mail: {told:?}");
        assert_eq!(r["reached"], true);

        // Escalation: not before the setting, then once, to everyone told again by SMS (the
        // office head was already told), and never after an acknowledgement.
        let id = r["alert"]["id"].as_i64().unwrap();
        let now = store::now();
        assert_eq!(
            web::protection::alerts::escalate_due(&s.state, now + chrono::Duration::seconds(10))
                .await
                .unwrap(),
            0
        );
        // Both alerts are due: the first, which reached nobody, now goes to the office head
        // named since; the second to everyone told again.
        assert_eq!(
            web::protection::alerts::escalate_due(&s.state, now + chrono::Duration::seconds(31))
                .await
                .unwrap(),
            2
        );
        let (_, first) = lee
            .get(&format!("/api/v1/protection/alerts/{alert_id}"))
            .await;
        assert!(
            rows(&first)
                .iter()
                .any(|(n, role, c, round)| n == "counsel 이름"
                    && role == "office_head"
                    && c == "sms"
                    && *round == 1),
            "{first}"
        );
        assert_eq!(
            web::protection::alerts::escalate_due(&s.state, now + chrono::Duration::seconds(90))
                .await
                .unwrap(),
            0,
            "once"
        );
        let (_, after) = lee.get(&format!("/api/v1/protection/alerts/{id}")).await;
        assert!(!after["alert"]["escalated_at"].is_null());
        let round1: Vec<_> = rows(&after).into_iter().filter(|r| r.3 == 1).collect();
        assert!(
            round1
                .iter()
                .any(|(n, _, c, _)| n == "counsel 이름" && c == "sms"),
            "{round1:?}"
        );
        assert!(
            !round1.iter().any(|(_, _, c, _)| c == "email"),
            "escalation goes by SMS"
        );

        // With a protection officer, the office head is next in line, not first.
        common::add_staff(
            &s,
            &[("guard", Role::ProtectionOfficer, s.ids.civil)],
            "010-2222-3333",
        )
        .await;
        let (_, r) = lee.post("/api/v1/protection/alerts", json!({})).await;
        let told = rows(&r);
        assert!(
            told.iter().all(|(n, _, _, _)| n == "guard 이름"),
            "{told:?}"
        );
        let id = r["alert"]["id"].as_i64().unwrap();
        // Acknowledged in time: no escalation.
        let guard = api(&s, "guard").await;
        assert_eq!(
            guard
                .post(
                    &format!("/api/v1/protection/alerts/{id}/acknowledge"),
                    json!({})
                )
                .await
                .0,
            200
        );
        let (st, e) = guard
            .post(
                &format!("/api/v1/protection/alerts/{id}/acknowledge"),
                json!({}),
            )
            .await;
        assert_eq!(
            (st, e["code"].as_str().unwrap()),
            (409, "already_acknowledged")
        );
        bilingual(&e);
        let (_, r2) = lee.post("/api/v1/protection/alerts", json!({})).await;
        let id2 = r2["alert"]["id"].as_i64().unwrap();
        assert_eq!(
            web::protection::alerts::escalate_due(
                &s.state,
                store::now() + chrono::Duration::seconds(31)
            )
            .await
            .unwrap(),
            1
        );
        let (_, a1) = lee.get(&format!("/api/v1/protection/alerts/{id}")).await;
        assert!(
            a1["alert"]["escalated_at"].is_null(),
            "acknowledged: not escalated"
        );
        let (_, a2) = lee.get(&format!("/api/v1/protection/alerts/{id2}")).await;
        let round1: Vec<_> = rows(&a2).into_iter().filter(|r| r.3 == 1).collect();
        assert!(
            round1
                .iter()
                .any(|(n, role, c, _)| n == "counsel 이름" && role == "office_head" && c == "sms"),
            "the office head is next in line: {round1:?}"
        );
        s.shutdown().await;
    }

    #[tokio::test]
    async fn a_supervisor_without_a_department_can_listen(backend) {
        let s = start_unlimited(backend).await;
        let hash = store::kit::secrets::hash_password(common::PASSWORD).unwrap();
        let mut tx = s.state.db.begin().await.unwrap();
        store::office::accounts::create(
            &mut tx,
            &store::office::accounts::NewAccount {
                username: "floating",
                display_name: "무소속 과장",
                email: "",
                phone: "010-3333-4444",
                role: Role::Supervisor,
                department_id: Some(s.ids.build),
                password_hash: &hash,
            },
            store::now(),
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        // Left without a department (as after a reorganisation).
        store::on_db!(&s.state.db, |pool| sqlx::query(
            "UPDATE accounts SET department_id = NULL WHERE username = 'floating'"
        )
        .execute(pool)
        .await
        .map(|_| ()))
        .unwrap();
        let floating = api(&s, "floating").await;
        let res = client()
            .get(s.url("/api/v1/protection/alerts/stream"))
            .bearer_auth(&floating.token)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        let page = browser(&s, "floating").await;
        let (_, html, _) = page.get("/protection").await;
        assert!(html.contains("mw-live-alerts"));
        s.shutdown().await;
    }

    #[tokio::test]
    async fn access_restrictions_answer_online_filing_with_the_notice_and_flag_the_desk(backend) {
        let s = start_unlimited(backend).await;
        common::add_staff(
            &s,
            &[("guard", Role::ProtectionOfficer, s.ids.civil)],
            "010-2222-3333",
        )
        .await;
        let admin = api(&s, "admin").await;
        let resident = api(&s, "resident").await;
        let kim = api(&s, "kim").await;
        let sup = api(&s, "sup").await;
        let lee = api(&s, "lee").await;
        let t = admin
            .new_type(
                json!({"code": "road", "name": "도로 민원", "kind": "grievance", "department_code": "civil-team"}),
            )
            .await;
        let tid = t["id"].as_i64().unwrap();
        let (st, p1) = resident
            .post(
                "/api/v1/petitions",
                json!({"type_id": tid, "title": "도로 파손", "body": "보도블록이 깨졌습니다"}),
            )
            .await;
        assert_eq!(st, 201, "{p1}");
        let pid = p1["id"].as_i64().unwrap();

        // The official records an incident with that petition (its petitioner's identity).
        let (st, inc) = kim
            .post(
                "/api/v1/protection/incidents",
                json!({"kind": "threat", "channel": "visit", "petition_id": pid, "narrative": "흉기로 위협"}),
            )
            .await;
        assert_eq!(st, 201, "{inc}");
        let iid = inc["id"].as_i64().unwrap();
        let measures = format!("/api/v1/protection/incidents/{iid}/measures");
        let start = store::now() - chrono::Duration::hours(1);
        let end = store::now() + chrono::Duration::days(7);
        // Bad input: end before start, no coverage, an unknown coverage — nothing written.
        for (body, code) in [
            (
                json!({"kind": "access_restricted", "restriction_start": end, "restriction_end": start,
                    "restriction_covers": ["online"], "reason": "흉기"}),
                "restriction_ends_before_start",
            ),
            (
                json!({"kind": "access_restricted", "restriction_start": start, "restriction_end": end,
                    "restriction_covers": [], "reason": "흉기"}),
                "restriction_covers_required",
            ),
            (
                json!({"kind": "access_restricted", "restriction_start": start, "restriction_end": end,
                    "reason": "흉기"}),
                "restriction_covers_required",
            ),
            (
                json!({"kind": "access_restricted", "restriction_start": start, "restriction_end": end,
                    "restriction_covers": ["email"], "reason": "흉기"}),
                "unknown_RestrictionCover",
            ),
        ] {
            let (st, e) = sup.post(&measures, body).await;
            assert_eq!((st, e["code"].as_str().unwrap()), (400, code), "{e}");
            bilingual(&e);
        }
        let (_, list) = sup
            .get(&format!("/api/v1/protection/incidents/{iid}"))
            .await;
        assert!(list["measures"].as_array().unwrap().is_empty(), "{list}");
        // Before the restriction, the resident files online freely.
        let (st, _) = resident
            .post(
                "/api/v1/petitions",
                json!({"type_id": tid, "title": "가로등 고장", "body": "가로등이 꺼졌습니다"}),
            )
            .await;
        assert_eq!(st, 201);
        let (st, m) = sup
            .post(
                &measures,
                json!({"kind": "access_restricted", "restriction_start": start, "restriction_end": end,
                       "restriction_covers": ["visits", "online"], "reason": "흉기 소지 위협"}),
            )
            .await;
        assert_eq!(st, 201, "{m}");
        assert_eq!(m["restriction_covers"], "visits,online");

        // Online filing now answers with the lawful notice: measure, period, basis.
        let (st, e) = resident
            .post(
                "/api/v1/petitions",
                json!({"type_id": tid, "title": "다른 민원", "body": "다시 신청합니다"}),
            )
            .await;
        assert_eq!(
            (st, e["code"].as_str().unwrap()),
            (400, "access_restricted"),
            "{e}"
        );
        let msg = e["message"].as_str().unwrap();
        assert!(
            msg.contains("시행령 제4조") && msg.contains("Decree art. 4"),
            "{msg}"
        );
        let kst = (end + chrono::Duration::hours(9))
            .format("%Y-%m-%d %H:%M")
            .to_string();
        assert!(msg.contains(&kst), "the period's end {kst} in {msg}");
        // A counter filing is not refused (calls and visits are the official's to apply).
        let (st, counter) = kim
            .post(
                "/api/v1/petitions",
                json!({"type_id": tid, "channel": "counter", "title": "창구 민원", "body": "창구에서 접수",
                       "identity_check": "id_card",
                       "petitioner": {"name": "홍길동", "phone": "010-1111-2222"}}),
            )
            .await;
        assert_eq!(st, 201, "{counter}");

        // The desk sees it: the queue flag and the petition page, for those who may read it.
        let desk = browser(&s, "kim").await;
        let (st, html, _) = desk.get("/desk").await;
        assert_eq!(st, 200);
        assert!(html.contains("접근 제한 중"), "queue flag");
        let (st, html, _) = desk.get(&format!("/desk/petitions/{pid}")).await;
        assert_eq!(st, 200);
        assert!(html.contains("id=\"restriction-notice\""));
        assert!(html.contains("이전 사건 1건"), "incident history count");
        let (_, html, _) = desk.get(&format!("/desk/petitions/{pid}?lang=en")).await;
        assert!(html.contains("under an access restriction"));
        // The history API: the restriction to the official, its reason to the supervisor only.
        let (st, h) = kim
            .get(&format!("/api/v1/protection/petitions/{pid}/history"))
            .await;
        assert_eq!(st, 200);
        assert_eq!(h["restrictions"][0]["covers"], json!(["visits", "online"]));
        assert!(h["restrictions"][0]["reason"].is_null());
        let (_, h) = sup
            .get(&format!("/api/v1/protection/petitions/{pid}/history"))
            .await;
        assert_eq!(h["restrictions"][0]["reason"], "흉기 소지 위협");
        // Someone who may not read the petition sees nothing of it.
        assert_eq!(
            lee.get(&format!("/api/v1/protection/petitions/{pid}/history"))
                .await
                .0,
            403
        );
        let other = browser(&s, "lee").await;
        let (_, html, _) = other.get("/desk").await;
        assert!(!html.contains("접근 제한 중"));

        // Open311: a restriction on a person known by name and phone covers that channel too.
        let (st, inc2) = kim
            .post(
                "/api/v1/protection/incidents",
                json!({"kind": "verbal_abuse", "channel": "phone", "petitioner_name": "박민원",
                       "petitioner_phone": "010-9000-1000"}),
            )
            .await;
        assert_eq!(st, 201, "{inc2}");
        let (st, _) = sup
            .post(
                &format!("/api/v1/protection/incidents/{}/measures", inc2["id"]),
                json!({"kind": "access_restricted", "restriction_start": start, "restriction_end": end,
                       "restriction_covers": ["online", "calls"], "reason": "반복 폭언"}),
            )
            .await;
        assert_eq!(st, 201);
        let (st, k) = admin
            .post("/api/v1/open311/keys", json!({"name": "app"}))
            .await;
        assert_eq!(st, 201, "{k}");
        let form = |phone: &str| {
            serde_urlencoded::to_string([
                ("api_key", k["api_key"].as_str().unwrap()),
                ("service_code", "road"),
                ("lat", "37.83"),
                ("long", "127.51"),
                ("first_name", "박민원"),
                ("phone", phone),
                ("description", "도로가 파였습니다"),
            ])
            .unwrap()
        };
        let post = |body: String| {
            client()
                .post(s.url("/open311/v2/requests.json"))
                .header("content-type", "application/x-www-form-urlencoded")
                .body(body)
                .send()
        };
        let res = post(form("010-9000-1000")).await.unwrap();
        let status = res.status().as_u16();
        let body: Value = res.json().await.unwrap();
        assert_eq!(status, 400, "{body}");
        assert_eq!(body[0]["code"], 400, "{body}");
        assert!(
            body[0]["description"]
                .as_str()
                .unwrap()
                .contains("Decree art. 4"),
            "{body}"
        );
        // Someone else files through Open311 as before.
        let res = post(form("010-9000-2000")).await.unwrap();
        assert_eq!(res.status().as_u16(), 200, "{}", res.text().await.unwrap());

        // A call from that person shows the restriction and its notice; a visit is not
        // covered; another caller has none.
        let call = |channel: &'static str, phone: &'static str| {
            kim.post(
                "/api/v1/protection/contacts",
                json!({"channel": channel, "recorded": true, "petitioner_name": "박민원",
                       "petitioner_phone": phone}),
            )
        };
        let (st, c) = call("phone", "010-9000-1000").await;
        assert_eq!(st, 201, "{c}");
        assert_eq!(c["restrictions"].as_array().unwrap().len(), 1, "{c}");
        assert!(
            c["restrictions"][0]["notice"]
                .as_str()
                .unwrap()
                .contains("시행령 제4조")
        );
        assert!(c["restrictions"][0]["reason"].is_null());
        let (_, c) = call("visit", "010-9000-1000").await;
        assert!(c["restrictions"].as_array().unwrap().is_empty(), "{c}");
        let (_, c) = call("phone", "010-9000-2000").await;
        assert!(c["restrictions"].as_array().unwrap().is_empty(), "{c}");
        let (st, _, to) = desk
            .post(
                "/protection/contact",
                &[
                    ("channel", "phone"),
                    ("recorded", "yes"),
                    ("petitioner_name", "박민원"),
                    ("petitioner_phone", "010-9000-1000"),
                ],
            )
            .await;
        assert_eq!(st, 303);
        let (_, html, _) = desk.get(&to.unwrap()).await;
        assert!(
            html.contains("id=\"contact-restriction\""),
            "the call screen shows it"
        );

        // The restriction form on the incident page keeps what was typed, error beside it.
        let page = browser(&s, "sup").await;
        let (st, html, _) = page
            .post(
                &format!("/protection/incidents/{iid}/measures"),
                &[
                    ("kind", "access_restricted"),
                    ("restriction_start", "2026-06-01T09:00"),
                    ("restriction_end", "2026-06-10T09:00"),
                    ("reason", "다시 위협"),
                ],
            )
            .await;
        assert_eq!(st, 400);
        assert!(
            html.contains("제한 범위(방문, 전화, 온라인 신청)를 하나 이상 고르세요"),
            "error next to the field"
        );
        assert!(
            html.contains("value=\"2026-06-01T09:00\"") && html.contains("value=\"다시 위협\""),
            "kept what was typed"
        );
        s.shutdown().await;
    }
}
