//! The petition desk over real HTTP, on SQLite and (when configured) PostgreSQL: a petition is
//! filed, received, transferred, paused for a supplement, extended, answered, rated and
//! re-answered, with every deadline equal to the calendar's and every step in the timeline and
//! the access log.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::common;

use calendar::{DeadlineInput, Pause, Period, WorkCalendar};
use chrono::{DateTime, Utc};
use common::{api, client, start_unlimited, start_with, texts};
use serde_json::{Value, json};
use web::WebConfig;

fn time(v: &Value) -> DateTime<Utc> {
    v.as_str().unwrap().parse().unwrap()
}

/// The calendar's deadline for what the timeline says happened.
fn expected_due(timeline: &Value, period: Period) -> DateTime<Utc> {
    let cal = WorkCalendar::standard().unwrap();
    let events = timeline.as_array().unwrap();
    let at = |kind: &str| -> Vec<DateTime<Utc>> {
        events
            .iter()
            .filter(|e| e["kind"] == kind)
            .map(|e| time(&e["at"]))
            .collect()
    };
    let mut input = DeadlineInput::new(at("received")[0], period);
    for (start, end) in at("supplement_requested")
        .into_iter()
        .zip(at("supplement_received"))
    {
        input.pauses.push(Pause {
            start,
            end: Some(end),
        });
    }
    for e in events.iter().filter(|e| e["kind"] == "extended") {
        input
            .extensions
            .push(e["event"]["period"].as_str().unwrap().parse().unwrap());
    }
    calendar::deadline(&cal, &input, store::now()).unwrap()
}

store::backend_tests! {
    #[tokio::test]
    async fn the_whole_life_of_a_petition(backend) {
        let s = start_with(
            backend,
            WebConfig {
                attachment_max_bytes: 4096,
                rate_per_minute: 0,
                ..WebConfig::default()
            },
        )
        .await;
        let admin = api(&s, "admin").await;
        let resident = api(&s, "resident").await;
        let kim = api(&s, "kim").await; // official, 민원팀
        let lee = api(&s, "lee").await; // official, 건설과
        let sup = api(&s, "sup").await; // supervisor, 민원과

        // The catalogue: a general type at the 민원팀 and a statutory type with extra fields.
        let general = admin
            .new_type(
                json!({"code": "question-system", "name": "질의민원(제도·절차)", "kind": "question_system",
                       "department_code": "civil-team",
                       "templates": [{"name": "기본", "text": "{name}님, 접수번호 {receipt_no}: {answer} ({department})"}]}),
            )
            .await;
        assert_eq!(general["period"], "7d");
        let permit = admin
            .new_type(
                json!({"code": "road-use", "name": "도로점용허가", "kind": "statutory", "period": "5d",
                       "department_code": "build", "required_documents": ["위치도"],
                       "fields": [{"key": "area", "label": "점용 면적(㎡)", "datatype": "number", "required": true},
                                  {"key": "purpose", "label": "목적", "datatype": "choice", "choices": ["공사", "행사"]}]}),
            )
            .await;
        let (st, _) = kim
            .post(
                "/api/v1/petition-types",
                json!({"code": "x", "name": "x", "kind": "proposal"}),
            )
            .await;
        assert_eq!(st, 403, "only administrators define types");
        let (_, types) = resident.get("/api/v1/petition-types").await;
        assert_eq!(types.as_array().unwrap().len(), 2);

        // Bad input: clear 4xx, nothing filed.
        let gid = general["id"].as_i64().unwrap();
        let pid = permit["id"].as_i64().unwrap();
        for (body, code) in [
            (
                json!({"type_id": 9999, "title": "t", "body": "b"}),
                "unknown_type",
            ),
            (
                json!({"type_id": pid, "title": "점용", "body": "공사"}),
                "missing_field",
            ),
            (
                json!({"type_id": pid, "title": "점용", "body": "공사", "extra": {"area": "넓음"}}),
                "wrong_datatype",
            ),
            (
                json!({"type_id": pid, "title": "점용", "body": "공사", "extra": {"area": 3, "purpose": "기타"}}),
                "bad_choice",
            ),
            (
                json!({"type_id": gid, "title": " ", "body": "b"}),
                "missing_field",
            ),
        ] {
            let (st, e) = resident.post("/api/v1/petitions", body).await;
            assert_eq!((st, e["code"].as_str().unwrap()), (400, code), "{e}");
        }
        let (st, _) = resident
            .post("/api/v1/petitions", json!({"type_id": "one"}))
            .await;
        assert_eq!(st, 422);

        // File online with an idempotency key; the retry returns the same petition.
        let file = || {
            client()
                .post(s.url("/api/v1/petitions"))
                .bearer_auth(&resident.token)
                .header("Idempotency-Key", "retry-1")
                .json(&json!({"type_id": gid, "title": "보도블록 파손 문의",
                               "body": "석봉로 인도 블록이 파손되어 보수 절차가 궁금합니다.",
                               "petitioner": {"phone": "010-2222-3333", "address": "경기도 가평군 가평읍 석봉로 181 2층"}}))
        };
        let first = file().send().await.unwrap();
        assert_eq!(first.status(), 201);
        let p: Value = first.json().await.unwrap();
        let again = file().send().await.unwrap();
        assert_eq!(again.status(), 200);
        assert_eq!(again.headers()["idempotency-replayed"], "true");
        let again: Value = again.json().await.unwrap();
        assert_eq!(again["id"], p["id"]);
        let id = p["id"].as_i64().unwrap();
        assert_eq!(p["state"], "arrived");
        assert!(
            p["receipt_due"].is_string(),
            "online: to be received within 8 working hours"
        );
        assert!(p["abuse_model"].as_str().unwrap().starts_with("abuse-"));

        // Staff of other departments cannot see it; the resident cannot take staff steps.
        assert_eq!(lee.get(&format!("/api/v1/petitions/{id}")).await.0, 403);
        assert_eq!(resident.act(id, json!({"action": "receive"})).await.0, 403);

        // Receive: receipt number in order for the year; masked personal data by default.
        let (st, p) = kim.act(id, json!({"action": "receive"})).await;
        assert_eq!(st, 200, "{p}");
        let receipt = p["receipt_no"].as_str().unwrap().to_string();
        assert!(receipt.ends_with("-0000001"), "{receipt}");
        assert_eq!(p["petitioner"]["phone"], "010-****-3333");
        assert_eq!(
            p["petitioner"]["address"],
            "경기도 가평군 가평읍 석봉로 ***"
        );
        let (_, shown) = kim
            .get(&format!("/api/v1/petitions/{id}?reason=보수 일정 안내"))
            .await;
        assert_eq!(shown["petitioner"]["phone"], "010-2222-3333");

        // Transfer to 건설과 (1 working hour rule, tracked), assign, supplement.
        let (st, p) = kim
            .act(
                id,
                json!({"action": "transfer", "department_code": "build", "reason": "도로 소관"}),
            )
            .await;
        assert_eq!(st, 200, "{p}");
        assert_eq!(p["handling"]["transfers"][0]["limit_hours"], 1);
        assert_eq!(
            kim.get(&format!("/api/v1/petitions/{id}")).await.0,
            403,
            "gone from 민원팀"
        );
        let (st, p) = lee
            .act(
                id,
                json!({"action": "assign", "department_code": "build", "assignee": "lee"}),
            )
            .await;
        assert_eq!(
            (st, p["state"].as_str().unwrap()),
            (200, "in_progress"),
            "{p}"
        );
        let answer_by = (store::now() + chrono::Duration::days(10)).to_rfc3339();
        let (st, p) = lee
            .act(id, json!({"action": "request_supplement", "items": "파손 위치 사진", "answer_by": answer_by}))
            .await;
        assert_eq!(
            (st, p["state"].as_str().unwrap()),
            (200, "supplement"),
            "{p}"
        );
        let (st, p) = resident
            .act(
                id,
                json!({"action": "supplement_received", "note": "사진 첨부"}),
            )
            .await;
        assert_eq!(
            (st, p["state"].as_str().unwrap()),
            (200, "in_progress"),
            "{p}"
        );

        // Attachments: a PDF is stored by hash; wrong types and sizes are refused.
        let up = |bytes: Vec<u8>| {
            client()
                .post(s.url(&format!(
                    "/api/v1/petitions/{id}/attachments?filename=사진.pdf"
                )))
                .bearer_auth(&resident.token)
                .body(bytes)
                .send()
        };
        let res = up(b"%PDF-1.4 photo".to_vec()).await.unwrap();
        assert_eq!(res.status(), 201);
        let att: Value = res.json().await.unwrap();
        assert_eq!(att["content_type"], "application/pdf");
        assert_eq!(
            up(b"MZ\x90\x00binary".to_vec()).await.unwrap().status(),
            415
        );
        assert_eq!(
            up([b"%PDF-".to_vec(), vec![b'x'; 5000]].concat())
                .await
                .unwrap()
                .status(),
            413
        );
        // A download states its reason (query or header), kept in the access log.
        let sha = att["sha256"].as_str().unwrap();
        let (st, body) = lee
            .get(&format!("/api/v1/petitions/{id}/attachments/{sha}"))
            .await;
        assert_eq!((st, body["code"].as_str()), (400, Some("reason_required")));
        let res = client()
            .get(s.url(&format!("/api/v1/petitions/{id}/attachments/{sha}")))
            .header("x-access-reason", "answer drafting")
            .bearer_auth(&lee.token)
            .send()
            .await
            .unwrap();
        assert_eq!(res.bytes().await.unwrap().as_ref(), b"%PDF-1.4 photo");

        // Extensions: workload refused and nothing changes; once; twice only with consent.
        let (_, before) = lee.get(&format!("/api/v1/petitions/{id}/timeline")).await;
        let (st, e) = lee
            .act(id, json!({"action": "extend", "period": "7d", "ground": "workload", "reason": "업무 과다"}))
            .await;
        assert_eq!(
            (st, e["code"].as_str().unwrap()),
            (400, "extension_ground_not_allowed")
        );
        let (_, after) = lee.get(&format!("/api/v1/petitions/{id}/timeline")).await;
        assert_eq!(before, after, "a refused step leaves no trace");
        let (st, p) = lee
            .act(id, json!({"action": "extend", "period": "7d", "ground": "fact_check", "reason": "현장 확인 필요"}))
            .await;
        assert_eq!(st, 200, "{p}");
        let (st, e) = lee
            .act(id, json!({"action": "extend", "period": "3d", "ground": "cooperation", "reason": "협의"}))
            .await;
        assert_eq!(
            (st, e["code"].as_str().unwrap()),
            (400, "extension_needs_consent")
        );
        let (_, timeline) = lee.get(&format!("/api/v1/petitions/{id}/timeline")).await;
        assert_eq!(
            time(&p["due"]),
            expected_due(&timeline, Period::Days(7)),
            "the calendar's deadline"
        );

        // Answer with the type's template, rating, additional answer, close; no answer after.
        let (st, p) = lee
            .act(
                id,
                json!({"action": "answer", "text": "다음 주에 보수합니다", "template": "기본"}),
            )
            .await;
        assert_eq!((st, p["state"].as_str().unwrap()), (200, "answered"), "{p}");
        let text = p["handling"]["answers"][0]["text"].as_str().unwrap();
        assert!(
            text.contains(&receipt)
                && text.contains("다음 주에 보수합니다")
                && text.contains("건설과"),
            "{text}"
        );
        assert_eq!(
            lee.act(id, json!({"action": "rate", "score": 5})).await.0,
            403,
            "only the petitioner rates"
        );
        let (st, p) = resident
            .act(
                id,
                json!({"action": "rate", "score": 1, "comment": "너무 늦어요"}),
            )
            .await;
        assert_eq!(st, 200, "{p}");
        let (st, p) = lee
            .act(
                id,
                json!({"action": "additional_answer", "text": "이번 주 금요일로 앞당겼습니다"}),
            )
            .await;
        assert_eq!(st, 200, "{p}");
        assert_eq!(p["handling"]["results_notified"], 2);
        let (st, _) = lee
            .act(id, json!({"action": "close", "reason": "보수 완료"}))
            .await;
        assert_eq!(st, 200);
        let (st, e) = lee.act(id, json!({"action": "answer", "text": "또"})).await;
        assert_eq!(
            (st, e["code"].as_str().unwrap()),
            (400, "transition_not_allowed")
        );

        // Every step is on the timeline …
        let (_, timeline) = resident
            .get(&format!("/api/v1/petitions/{id}/timeline"))
            .await;
        let kinds = texts(&timeline, "kind");
        assert_eq!(
            kinds,
            [
                "filed",
                "received",
                "transferred",
                "assigned",
                "supplement_requested",
                "supplement_received",
                "note",
                "extended",
                "answered",
                "rated",
                "answered",
                "closed"
            ]
        );
        assert!(store::petitions::verify(&s.state.db, id).await.unwrap());
        // … and in the access log, with the reveal and its reason.
        let (_, log) = admin
            .get(&format!(
                "/api/v1/audit?subject=petitioner:{receipt}&limit=100&reason=점검"
            ))
            .await;
        let actions = texts(&log, "action");
        for a in [
            "petition.received",
            "petitioner.reveal",
            "petition.transferred",
            "petition.assigned",
            "petition.supplement_requested",
            "petition.extended",
            "petition.answered",
            "petition.rated",
            "petition.closed",
            "petition.attach",
            "petition.attachment_read",
            "petition.timeline",
        ] {
            assert!(actions.contains(&a), "{a} missing from {actions:?}");
        }
        assert!(
            log.as_array()
                .unwrap()
                .iter()
                .any(|e| e["reason"] == "보수 일정 안내")
        );

        // Queue and search from the supervisor's division and the official's department.
        let (st, page) = kim
            .post("/api/v1/petitions", json!({"type_id": gid, "channel": "phone", "identity_check": "phone_callback", "title": "민원 서류 문의",
                   "body": "민원 서류 발급 절차", "petitioner": {"name": "박민수", "phone": "010-5555-6666"}}))
            .await;
        assert_eq!(
            (st, page["state"].as_str().unwrap()),
            (201, "received"),
            "{page}"
        );
        let (st, q) = kim.get("/api/v1/petitions").await;
        assert_eq!(st, 200);
        assert_eq!(q["counts"]["total"], 1);
        assert_eq!(q["items"][0]["petitioner"]["name"], "박*수");
        let (_, q) = sup.get("/api/v1/petitions?include_done=true").await;
        assert_eq!(
            q["counts"]["total"], 1,
            "open ones counted: the closed one is in 건설과"
        );
        let (st, found) = sup.get("/api/v1/petitions/search?q=민원").await;
        assert_eq!((st, found["total"].as_i64().unwrap()), (200, 1), "{found}");
        let (_, found) = lee.get("/api/v1/petitions/search?q=파손").await;
        assert_eq!(found["hits"][0]["petition"]["id"], id);
        let (_, found) = kim.get("/api/v1/petitions/search?q=파손").await;
        assert_eq!(found["total"], 0, "outside the official's reach");
        let (_, mine) = resident.get("/api/v1/petitions").await;
        assert_eq!(mine["counts"]["total"], 1);

        // The OpenAPI document describes the desk.
        let (_, doc) = admin.get("/api/v1/openapi.json").await;
        for path in [
            "/api/v1/petitions",
            "/api/v1/petitions/{id}/actions",
            "/api/v1/petitions/search",
        ] {
            assert!(doc["paths"].get(path).is_some(), "{path}");
        }
        s.shutdown().await;
    }

    /// A grievance's on-site investigation stops the clock (Decree art. 17) and may be extended
    /// once; other kinds cannot use it.
    #[tokio::test]
    async fn grievance_site_investigation_over_http(backend) {
        let s = start_unlimited(backend).await;
        let admin = api(&s, "admin").await;
        let kim = api(&s, "kim").await;
        let mut ids = Vec::new();
        for (code, kind) in [("grievance", "grievance"), ("proposal", "proposal")] {
            let t = admin
                .new_type(
                    json!({"code": code, "name": code, "kind": kind, "department_code": "civil-team"}),
                )
                .await;
            let (st, p) = kim
                .post(
                    "/api/v1/petitions",
                    json!({"type_id": t["id"], "channel": "counter", "identity_check": "id_card",
                       "title": "공사 소음 피해", "body": "야간 공사 소음으로 잠을 잘 수 없습니다",
                       "petitioner": {"name": "최영희", "phone": "010-2222-3333"}}),
                )
                .await;
            assert_eq!(st, 201, "{p}");
            ids.push(p["id"].as_i64().unwrap());
        }
        let (grievance, proposal) = (ids[0], ids[1]);
        let site =
            json!({"action": "pause", "kind": "site_investigation", "reason": "현장 소음 측정"});
        let (st, e) = kim.act(proposal, site.clone()).await;
        assert_eq!(
            (st, e["code"].as_str()),
            (400, Some("site_investigation_grievance_only")),
            "{e}"
        );
        let (st, e) = kim
            .act(
                grievance,
                json!({"action": "extend_site_investigation", "reason": "추가 측정"}),
            )
            .await;
        assert_eq!(
            (st, e["code"].as_str()),
            (400, Some("not_investigating")),
            "{e}"
        );
        let (st, p) = kim.act(grievance, site).await;
        assert_eq!((st, p["state"].as_str()), (200, Some("paused")), "{p}");
        let extend = json!({"action": "extend_site_investigation", "reason": "추가 측정"});
        let (st, p) = kim.act(grievance, extend.clone()).await;
        assert_eq!(st, 200, "{p}");
        let (st, e) = kim.act(grievance, extend).await;
        assert_eq!(
            (st, e["code"].as_str()),
            (400, Some("site_investigation_extended_once")),
            "{e}"
        );
        let (_, timeline) = kim
            .get(&format!("/api/v1/petitions/{grievance}/timeline"))
            .await;
        let kinds = texts(&timeline, "kind");
        assert!(
            kinds.ends_with(&["pause_started", "site_investigation_extended"]),
            "{kinds:?}"
        );
        s.shutdown().await;
    }
}
