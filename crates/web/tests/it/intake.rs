//! Issue 14 over real HTTP on SQLite and PostgreSQL: counter intake through the JSON API and the
//! desk page (errors beside the field, input and scanned files kept, the printable receipt),
//! the receipt clock of online petitions in the API and Open311, transfers on the petition page
//! and the dashboard, and the retention purge through the API and the admin page.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::common;

use chrono::{Duration, Utc};
use common::{
    Server, api, browser, client, multipart, page_answer, question_type, start_unlimited,
};
use domain::petitions::{Channel, Event};
use serde_json::{Value, json};
use store::petitions;

/// A statutory type with two required documents and a required extra field, and a question
/// type without documents; both handled by 민원팀.
async fn types(s: &Server) -> (i64, i64) {
    let admin = api(s, "admin").await;
    let permit = admin
        .new_type(
            json!({"code": "road-use", "name": "도로점용허가", "kind": "statutory", "period": "5d",
                   "department_code": "civil-team",
                   "required_documents": ["점용 위치도", "점용물 설계도"],
                   "fields": [{"key": "area", "label": "점용 면적", "datatype": "number", "required": true}]}),
        )
        .await;
    let q = admin.new_type(question_type()).await;
    (permit["id"].as_i64().unwrap(), q["id"].as_i64().unwrap())
}

/// A look-up on the tracking API with a receipt number and a code: its status and body.
async fn client_track(s: &Server, number: &str, code: &str) -> (u16, String) {
    let res = client()
        .post(s.url("/api/v1/track"))
        .json(&json!({"number": number, "code": code}))
        .send()
        .await
        .unwrap();
    (res.status().as_u16(), res.text().await.unwrap())
}

store::backend_tests! {
    #[tokio::test]
    async fn counter_intake_through_the_api(backend) {
        let s = start_unlimited(backend).await;
        let (permit, question) = types(&s).await;
        let kim = api(&s, "kim").await;
        let before = common::petition_count(&s).await;
        let body = |docs: Value, identity: &str| {
            json!({"type_id": permit, "channel": "counter", "identity_check": identity,
                   "documents_checked": docs, "title": "가게 앞 도로 점용", "body": "공사 자재 적치",
                   "extra": {"area": 12}, "petitioner": {"name": "최영희", "phone": "010-2222-3333"}})
        };
        let (st, e) = kim
            .post("/api/v1/petitions", body(json!(["점용 위치도"]), "id_card"))
            .await;
        assert_eq!(
            (st, e["code"].as_str().unwrap()),
            (400, "missing_document"),
            "{e}"
        );
        assert!(e["message"].as_str().unwrap().contains("점용물 설계도"));
        let (st, e) = kim
            .post(
                "/api/v1/petitions",
                body(json!(["점용 위치도", "점용물 설계도"]), "signature"),
            )
            .await;
        assert_eq!(
            (st, e["code"].as_str().unwrap()),
            (400, "identity_check_not_for_channel")
        );
        let (st, e) = kim
            .post(
                "/api/v1/petitions",
                body(json!(["점용 위치도", "점용물 설계도"]), "sixth_sense"),
            )
            .await;
        assert!(st == 400 || st == 422, "{st} {e}");
        assert_eq!(common::petition_count(&s).await, before, "nothing half-written");
        let (st, p) = kim
            .post(
                "/api/v1/petitions",
                body(json!(["점용물 설계도", "점용 위치도"]), "id_card"),
            )
            .await;
        assert_eq!(st, 201, "{p}");
        assert_eq!(p["channel"], "counter");
        assert_eq!(p["state"], "received");
        assert_eq!(p["intake"]["identity_check"], "id_card");
        assert_eq!(
            p["intake"]["documents_checked"],
            json!(["점용 위치도", "점용물 설계도"])
        );
        assert!(p["receipt_no"].as_str().is_some());
        // A resident files online: no identity check to record, and an expected answer before
        // receipt computed as if received at the latest legal moment.
        let resident = api(&s, "resident").await;
        let (st, e) = resident
            .post(
                "/api/v1/petitions",
                json!({"type_id": question, "title": "등본", "body": "발급 절차", "identity_check": "id_card"}),
            )
            .await;
        assert_eq!(
            (st, e["code"].as_str().unwrap()),
            (400, "intake_not_online"),
            "{e}"
        );
        let (st, web) = resident
            .post(
                "/api/v1/petitions",
                json!({"type_id": question, "title": "등본", "body": "발급 절차"}),
            )
            .await;
        assert_eq!(st, 201, "{web}");
        assert_eq!(web["state"], "arrived");
        assert_eq!(
            web["due"], web["receipt_due"],
            "before receipt, the receipt limit"
        );
        let (cal, _) = petitions::work_calendar(&s.state.db).await.unwrap();
        let receipt_due: chrono::DateTime<Utc> =
            serde_json::from_value(web["receipt_due"].clone()).unwrap();
        let expected: chrono::DateTime<Utc> =
            serde_json::from_value(web["expected_answer"].clone()).unwrap();
        let stored = petitions::get(&s.state.db, web["id"].as_i64().unwrap())
            .await
            .unwrap();
        let as_if = calendar::deadline(
            &cal,
            &calendar::DeadlineInput::new(receipt_due, stored.derived.period.unwrap()),
            store::now(),
        )
        .unwrap();
        assert_eq!(expected, as_if);
        // In the queue it is due at its receipt limit.
        let (_, q) = kim.get("/api/v1/petitions").await;
        let item = q["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["id"] == web["id"])
            .unwrap()
            .clone();
        assert_eq!(item["due"], web["receipt_due"], "{item}");
        // The OpenAPI document lists what was added.
        let (_, doc) = kim.get("/api/v1/openapi.json").await;
        let doc = doc.to_string();
        for needle in [
            "identity_check",
            "documents_checked",
            "expected_answer",
            "/api/v1/petitions/retention/purge",
            "/api/v1/departments/{id}/remote",
        ] {
            assert!(
                doc.contains(needle),
                "{needle} missing from the OpenAPI document"
            );
        }
        s.shutdown().await;
    }
}

/// The hidden tokens of the files the form kept.
fn kept_tokens(html: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(i) = rest.find("name=\"kept_") {
        rest = &rest[i + 6..];
        let name: String = rest.split('"').next().unwrap().to_string();
        let v = rest.find("value=\"").unwrap();
        let value: String = rest[v + 7..].split('"').next().unwrap().to_string();
        out.push((name, value));
    }
    out
}

store::backend_tests! {
    #[tokio::test]
    async fn counter_intake_on_the_desk_page_and_the_receipt(backend) {
        let s = start_unlimited(backend).await;
        let (permit, _) = types(&s).await;
        let kim = browser(&s, "kim").await;
        let (st, html, _) = kim.get("/desk/intake").await;
        assert_eq!(st, 200);
        assert!(html.contains("도로점용허가"));
        let (st, html, _) = kim.get(&format!("/desk/intake/{permit}")).await;
        assert_eq!(st, 200);
        assert!(html.contains("점용 위치도") && html.contains("identity_check"));
        // Residents never reach the desk intake.
        let resident = browser(&s, "resident").await;
        assert_eq!(resident.get(&format!("/desk/intake/{permit}")).await.0, 403);

        let before = common::petition_count(&s).await;
        let post = |fields: Vec<(&'static str, String)>,
                    files: Vec<(&'static str, &'static [u8])>| {
            let (s, kim) = (&s, &kim);
            async move {
                let mut f: Vec<(&str, &str)> =
                    fields.iter().map(|(a, b)| (*a, b.as_str())).collect();
                f.insert(0, ("csrf_token", kim.csrf.as_str()));
                let (body, ct) = multipart(&f, &files, "application/pdf");
                let res = client()
                    .post(s.url(&format!("/desk/intake/{permit}")))
                    .header("cookie", &kim.cookie)
                    .header("content-type", ct)
                    .body(body)
                    .send()
                    .await
                    .unwrap();
                page_answer(res).await
            }
        };
        let typed = vec![
            ("idem", "intake-test-1".to_string()),
            ("channel", "counter".to_string()),
            ("identity_check", "id_card".to_string()),
            ("doc_0", "yes".to_string()),
            ("name", "최영희".to_string()),
            ("phone", "010-2222-3333".to_string()),
            ("title", "가게 앞 도로 점용".to_string()),
            ("body", "공사 자재를 사흘 동안 둡니다".to_string()),
            ("x_area", "12".to_string()),
        ];
        // One required document not seen: refused beside the checklist, everything kept.
        let (st, html, _) = post(
            typed.clone(),
            vec![("scan-도면.pdf", b"%PDF-1.4 plan".as_slice())],
        )
        .await;
        assert_eq!(st, 422);
        assert!(html.contains("id=\"documents-error\""), "{html}");
        assert!(
            html.contains("구비서류를 확인해 주세요: 점용물 설계도"),
            "{html}"
        );
        assert!(
            html.contains("value=\"가게 앞 도로 점용\"")
                && html.contains("공사 자재를 사흘 동안 둡니다")
        );
        assert!(html.contains("value=\"010-2222-3333\"") && html.contains("value=\"12\""));
        assert!(html.contains("id=\"doc_0\" name=\"doc_0\" value=\"yes\" checked"));
        assert!(
            html.contains("scan-도면.pdf"),
            "the scanned file's name stays"
        );
        assert_eq!(common::petition_count(&s).await, before, "nothing half-written");
        let kept = kept_tokens(&html);
        assert_eq!(kept.len(), 1);
        // A forged token is ignored, never attached.
        let mut forged = typed.clone();
        forged.push(("kept_9", "v1:AAAA:BBBB".to_string()));
        forged.push(("identity_check", String::new()));
        let (st, html, _) = post(forged, vec![]).await;
        assert_eq!(st, 422);
        assert!(html.contains("id=\"identity_check-error\""));
        assert!(!html.contains("kept_1"), "{html}");

        // Completed: the receipt at once (its tracking code exists in the clear only now), the
        // kept scan attached.
        let mut done = typed.clone();
        done.push(("doc_1", "yes".to_string()));
        done.push((
            Box::leak(kept[0].0.clone().into_boxed_str()),
            kept[0].1.clone(),
        ));
        let (st, receipt, _) = post(done, vec![]).await;
        assert_eq!(st, 200, "{receipt}");
        let id: i64 = receipt
            .split("href=\"/desk/petitions/")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .unwrap()
            .parse()
            .unwrap();
        let location = format!("/desk/receipts/{id}");
        let p = petitions::get(&s.state.db, id).await.unwrap();
        assert_eq!(p.channel, "counter");
        assert_eq!(
            p.intake.documents_checked,
            vec!["점용 위치도", "점용물 설계도"]
        );
        let files = petitions::attachments(&s.state.db, id).await.unwrap();
        assert_eq!(files.len(), 1);
        assert_eq!(files[0].filename, "scan-도면.pdf");
        let no = p.receipt_no.clone().unwrap();
        assert!(receipt.contains(&no));
        assert!(receipt.contains("/static/print.css"));
        // The random tracking code is printed, and it finds the petition.
        let code = receipt
            .split("id=\"tracking-code\">")
            .nth(1)
            .and_then(|rest| rest.split('<').next())
            .unwrap()
            .to_string();
        assert_eq!(code.len(), 14, "{code}");
        let (st, tracked) = client_track(&s, &no, &code).await;
        assert_eq!(st, 200, "{tracked}");
        // Printed again later, the code is not shown (only its hash is kept); a new one can be
        // issued, and the old one then stops working.
        let (st, again_receipt, _) = kim.get(&location).await;
        assert_eq!(st, 200);
        assert!(!again_receipt.contains("id=\"tracking-code\""));
        assert!(again_receipt.contains("id=\"reissue-code\""));
        assert!(receipt.contains("주민등록증 확인"));
        let (cal, _) = petitions::work_calendar(&s.state.db).await.unwrap();
        let due = p.derived.due(&cal, store::now()).unwrap().unwrap();
        assert!(
            receipt.contains(&calendar::to_seoul(due).format("%Y-%m-%d %H:%M").to_string()),
            "{receipt}"
        );
        assert!(
            receipt.contains("id=\"due-lines\"><li>"),
            "the explanation is printed"
        );
        let (_, css, _) = kim.get("/static/print.css").await;
        assert!(css.contains("@page") && css.contains("A4"));
        // The petition page shows how it was taken in.
        let (_, page, _) = kim.get(&format!("/desk/petitions/{id}")).await;
        assert!(page.contains("id=\"intake-identity\""));
        // Resubmitting the same form files nothing twice.
        let mut again = typed.clone();
        again.push(("doc_1", "yes".to_string()));
        let before = common::petition_count(&s).await;
        let (st, replayed, _) = post(again, vec![]).await;
        assert_eq!(st, 200);
        assert!(replayed.contains(&no), "the same petition's receipt");
        assert!(!replayed.contains("id=\"tracking-code\""));
        assert_eq!(common::petition_count(&s).await, before, "nothing filed twice");
        let (st, reissued, _) = kim.post(&format!("{location}/tracking-code"), &[]).await;
        assert_eq!(st, 200, "{reissued}");
        let new_code = reissued
            .split("id=\"tracking-code\">")
            .nth(1)
            .and_then(|rest| rest.split('<').next())
            .unwrap()
            .to_string();
        assert_ne!(new_code, code);
        assert_eq!(client_track(&s, &no, &new_code).await.0, 200);
        assert_ne!(
            client_track(&s, &no, &code).await.0,
            200,
            "the old code stops working"
        );
        s.shutdown().await;
    }

    #[tokio::test]
    async fn transfers_show_their_limits_on_the_page_and_dashboard(backend) {
        let s = start_unlimited(backend).await;
        let (_, question) = types(&s).await;
        let kim = api(&s, "kim").await;
        let (_, p) = kim
            .post(
                "/api/v1/petitions",
                json!({"type_id": question, "channel": "phone", "identity_check": "not_checked",
                       "title": "도로 문의", "body": "도로 관리 주체", "petitioner": {"name": "박민수", "phone": "010-5555-6666"}}),
            )
            .await;
        let id = p["id"].as_i64().unwrap();
        // Received now; the transfer is recorded as if two working days later: late.
        let (cal, _) = petitions::work_calendar(&s.state.db).await.unwrap();
        let later = store::now() + Duration::days(3);
        let mut tx = s.state.db.begin().await.unwrap();
        petitions::act(
            &mut tx,
            id,
            Event::TransferredOut {
                agency: "경기도청".into(),
                reason: "도 관리 도로".into(),
                due: None,
            },
            None,
            &cal,
            later,
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        let (_, view) = kim.get(&format!("/api/v1/petitions/{id}")).await;
        assert_eq!(
            view["handling"]["agency_transfer"]["on_time"], false,
            "{view}"
        );
        assert_eq!(view["handling"]["agency_transfer"]["limit_hours"], 8);
        let sup = browser(&s, "sup").await;
        let (_, page, _) = sup.get(&format!("/desk/petitions/{id}")).await;
        assert!(
            page.contains("id=\"transfers\"") && page.contains("transfer-late"),
            "{page}"
        );
        // A transfer inside the office through the API, on time.
        let (_, p2) = kim
            .post(
                "/api/v1/petitions",
                json!({"type_id": question, "channel": "counter", "identity_check": "id_card",
                       "title": "소음", "body": "공사 소음", "petitioner": {"name": "최영희", "phone": "010-2222-3333"}}),
            )
            .await;
        let (st, moved) = kim
            .post(
                &format!("/api/v1/petitions/{}/actions", p2["id"]),
                json!({"action": "transfer", "department_code": "build", "far_or_misassigned": false, "reason": "소관"}),
            )
            .await;
        assert_eq!(st, 200, "{moved}");
        assert_eq!(moved["handling"]["transfers"][0]["limit_hours"], 1);
        // A remote department gets 3 hours (administrators mark it).
        let admin = api(&s, "admin").await;
        let (st, _) = admin
            .put(
                &format!("/api/v1/departments/{}/remote", s.ids.build),
                json!({"remote": true}),
            )
            .await;
        assert_eq!(st, 200);
        assert_eq!(
            kim.put(
                &format!("/api/v1/departments/{}/remote", s.ids.build),
                json!({"remote": false})
            )
            .await
            .0,
            403
        );
        assert!(
            petitions::department_remote(&s.state.db, s.ids.build)
                .await
                .unwrap()
        );
        // The dashboard counts the last 30 days' transfers and lists the late one.
        let (st, dash, _) = sup.get("/desk/dashboard").await;
        assert_eq!(st, 200);
        assert!(dash.contains("id=\"late-transfers\">1<"), "{dash}");
        assert!(dash.contains("id=\"transfer-summary\""));
        s.shutdown().await;
    }

    #[tokio::test]
    async fn open311_requests_carry_their_expected_answer(backend) {
        let s = start_unlimited(backend).await;
        let (_, _) = types(&s).await;
        let admin = api(&s, "admin").await;
        let (st, k) = admin
            .post(
                "/api/v1/open311/keys",
                json!({"name": "app", "rate_per_minute": null}),
            )
            .await;
        assert_eq!(st, 201, "{k}");
        let key = k["api_key"].as_str().unwrap().to_string();
        let body = serde_urlencoded::to_string([
            ("api_key", key.as_str()),
            ("service_code", "question-system"),
            ("address_string", "석봉로 181"),
            ("description", "민원 서류 발급 절차가 궁금합니다."),
            ("first_name", "민수"),
            ("last_name", "박"),
            ("phone", "010-5555-6666"),
        ])
        .unwrap();
        let res = client()
            .post(s.url("/open311/v2/requests.json"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        let text = res.text().await.unwrap();
        let v: Value = serde_json::from_str(&text).unwrap();
        let item = &v[0];
        assert!(item["expected_datetime"].is_string(), "{text}");
        let expected = item["expected_datetime"]
            .as_str()
            .expect("a new request has one");
        let id: i64 = item["service_request_id"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        let p = petitions::get(&s.state.db, id).await.unwrap();
        assert_eq!(p.channel, Channel::Open311.as_str());
        let (cal, _) = petitions::work_calendar(&s.state.db).await.unwrap();
        let want = p
            .derived
            .expected_answer(&cal, store::now())
            .unwrap()
            .unwrap();
        let got = chrono::DateTime::parse_from_rfc3339(expected)
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(got, want);
        // The same on GET.
        let res = client()
            .get(s.url(&format!("/open311/v2/requests/{id}.json")))
            .send()
            .await
            .unwrap();
        let v: Value = res.json().await.unwrap();
        assert_eq!(v[0]["expected_datetime"].as_str(), Some(expected));
        s.shutdown().await;
    }

    #[tokio::test]
    async fn retention_purge_through_the_api_and_the_admin_page(backend) {
        let s = start_unlimited(backend).await;
        let (_, question) = types(&s).await;
        // A petition completed in 2014: past 10 years from 1 January 2015.
        let (cal, _) = petitions::work_calendar(&s.state.db).await.unwrap();
        let at = chrono::TimeZone::with_ymd_and_hms(&Utc, 2014, 3, 3, 2, 0, 0).unwrap();
        let new = petitions::NewPetition {
            intake: store::testing::intake_for(Channel::Counter),
            type_id: question,
            channel: Channel::Counter,
            anonymous: false,
            petitioner_account_id: None,
            petitioner: petitions::Petitioner {
                name: "오래된".into(),
                phone: "010-0000-1111".into(),
                ..Default::default()
            },
            title: "2014년 민원".into(),
            body: "오래된 내용".into(),
            location: String::new(),
            extra: Default::default(),
            idempotency_key: None,
            department_id: None,
        };
        let checked = petitions::check(
            &s.state.db,
            new,
            &s.state.petitions.key,
            petitions::screen("a", "b"),
        )
        .await
        .unwrap();
        let mut tx = s.state.db.begin().await.unwrap();
        let p = petitions::file(&mut tx, &checked, None, &cal, at)
            .await
            .unwrap()
            .petition;
        petitions::act(
            &mut tx,
            p.id,
            Event::Answered {
                text: "답".into(),
                template: None,
                additional: false,
            },
            None,
            &cal,
            at,
        )
        .await
        .unwrap();
        petitions::act(
            &mut tx,
            p.id,
            Event::Closed {
                reason: "끝".into(),
            },
            None,
            &cal,
            at,
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();

        let kim = api(&s, "kim").await;
        assert_eq!(
            kim.post(
                "/api/v1/petitions/retention/purge",
                json!({"dry_run": true})
            )
            .await
            .0,
            403
        );
        let admin = api(&s, "admin").await;
        let (st, r) = admin.get("/api/v1/petitions/retention").await;
        assert_eq!(st, 200);
        assert_eq!(r["years"], 10);
        assert_eq!(r["due"].as_array().unwrap().len(), 1);
        let (st, dry) = admin
            .post(
                "/api/v1/petitions/retention/purge",
                json!({"dry_run": true}),
            )
            .await;
        assert_eq!(st, 200);
        assert_eq!(dry["petitions"].as_array().unwrap().len(), 1);
        assert!(petitions::get(&s.state.db, p.id).await.is_ok());
        let (st, e) = admin
            .put("/api/v1/petitions/retention", json!({"years": 0}))
            .await;
        assert_eq!((st, e["code"].as_str().unwrap()), (400, "bad_retention"));

        // The page: a preview, then the deletion, then once more (nothing left, and it says so).
        let page = browser(&s, "admin").await;
        let (st, html, _) = page.get("/admin/retention").await;
        assert_eq!(st, 200);
        assert!(html.contains("id=\"due-count\">1<"));
        let (_, html, _) = page.post("/admin/retention/purge", &[]).await;
        assert!(html.contains("민원 1건"), "{html}");
        assert!(matches!(
            petitions::get(&s.state.db, p.id).await,
            Err(store::StoreError::NotFound)
        ));
        let (_, html, _) = page.post("/admin/retention/purge", &[]).await;
        assert!(
            html.contains("보존기간이 지난 민원이 없습니다") && html.contains("1건을 지웠습니다"),
            "{html}"
        );
        let (_, again) = admin
            .post("/api/v1/petitions/retention/purge", json!({}))
            .await;
        assert_eq!(again["petitions"].as_array().unwrap().len(), 0);
        assert_eq!(again["purged_before"], 1);
        let (_, r) = admin.get("/api/v1/petitions/retention").await;
        assert_eq!(r["statistics"][0]["month"], "2014-03");
        assert_eq!(r["statistics"][0]["petitions"], 1);
        let (_, log) = admin.get("/api/v1/audit?limit=200").await;
        assert_eq!(
            log.to_string().matches("petition.purge").count(),
            1,
            "one entry per deletion"
        );
        let (st, html, _) = page
            .post("/admin/retention/years", &[("years", "abc")])
            .await;
        assert_eq!(st, 422);
        assert!(html.contains("value=\"abc\""));
        s.shutdown().await;
    }
}
