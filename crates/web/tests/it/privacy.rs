//! Issue 14, privacy, over real HTTP on SQLite and (when configured) PostgreSQL:
//! - Open311 publishes only what the office publishes (web and Open311 petitions of publishable
//!   types, masked): a counter petition of a welfare type never appears in any GET;
//! - with officials' names hidden, no notice, tracking answer or Open311 answer carries an
//!   official's name or personal number (the outbox is read);
//! - tracking needs a random code, and hammering locks per petition and per address, counted in
//!   the database (two app servers see one count);
//! - the client address is the one the trusted proxy saw: a forged X-Forwarded-For changes
//!   neither login throttling, nor the rate limit, nor the access log.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::common;

use common::{
    Api, Server, add_staff, api, bilingual, browser, client, file_on_page, form_token,
    start_unlimited, start_with, unlimited,
};
use domain::office::accounts::Role;
use serde_json::{Value, json};
use web::WebConfig;
use web::kit::security::TrustedProxy;

/// Rows of a query with one text column, on either backend.
async fn texts(s: &Server, sql: &'static str) -> Vec<String> {
    let rows: Vec<(String,)> = match &s.state.db.pool {
        store::Pool::Sqlite(p) => sqlx::query_as(sql).fetch_all(p).await.unwrap(),
        store::Pool::Postgres(p) => sqlx::query_as(sql).fetch_all(p).await.unwrap(),
    };
    rows.into_iter().map(|r| r.0).collect()
}

/// What was queued for residents: subject and body of every outbox row.
async fn outbox_text(s: &Server) -> Vec<String> {
    texts(
        s,
        "SELECT recipient || ' | ' || subject || ' | ' || body FROM outbox ORDER BY id",
    )
    .await
}

async fn o_get(s: &Server, path: &str) -> (u16, String) {
    let res = client()
        .get(s.url(&format!("/open311/v2/{path}")))
        .send()
        .await
        .unwrap();
    (res.status().as_u16(), res.text().await.unwrap())
}

async fn type_id(admin: &Api<'_>, spec: Value) -> i64 {
    let (st, t) = admin.post("/api/v1/petition-types", spec).await;
    assert_eq!(st, 201, "{t}");
    t["id"].as_i64().unwrap()
}

async fn act(who: &Api<'_>, id: i64, body: Value) -> Value {
    let (st, p) = who
        .post(&format!("/api/v1/petitions/{id}/actions"), body)
        .await;
    assert_eq!(st, 200, "{p}");
    p
}

// ---------------------------------------------------------------------------------------------
// Item 3: Open311 publishes only what the office publishes
// ---------------------------------------------------------------------------------------------

store::backend_tests! {
    #[tokio::test]
    async fn open311_publishes_only_what_the_office_publishes(backend) {
        let s = start_unlimited(backend).await;
        let admin = api(&s, "admin").await;
        let kim = api(&s, "kim").await;
        let resident = api(&s, "resident").await;

        let light = type_id(
            &admin,
            json!({"code": "streetlight", "name": "가로등 고장 신고", "kind": "other",
                   "department_code": "civil-team", "publishable": true}),
        )
        .await;
        let welfare = type_id(
            &admin,
            json!({"code": "welfare-help", "name": "복지 상담 신청", "kind": "grievance",
                   "department_code": "civil-team"}),
        )
        .await;
        // A type that collects resident registration numbers can never be published.
        let rrn_spec = json!({"code": "basic-living", "name": "기초생활수급 신청", "kind": "statutory",
                              "period": "30d", "department_code": "civil-team", "requires_rrn": true,
                              "publishable": true});
        let (st, e) = admin.post("/api/v1/petition-types", rrn_spec.clone()).await;
        assert_eq!(
            (st, e["code"].as_str()),
            (400, Some("publishable_rrn")),
            "{e}"
        );
        bilingual(&e);
        let mut rrn_ok = rrn_spec;
        rrn_ok["publishable"] = json!(false);
        let rrn = type_id(&admin, rrn_ok.clone()).await;
        rrn_ok["publishable"] = json!(true);
        let (st, e) = admin
            .send(
                reqwest::Method::PUT,
                &format!("/api/v1/petition-types/{rrn}"),
                Some(rrn_ok),
            )
            .await;
        assert_eq!(
            (st, e["code"].as_str()),
            (400, Some("publishable_rrn")),
            "{e}"
        );
        let (_, listed) = admin.get("/api/v1/petition-types").await;
        let flags: Vec<(i64, bool)> = listed
            .as_array()
            .unwrap()
            .iter()
            .map(|t| {
                (
                    t["id"].as_i64().unwrap(),
                    t["publishable"].as_bool().unwrap(),
                )
            })
            .collect();
        assert!(
            flags.contains(&(light, true)) && flags.contains(&(rrn, false)),
            "{flags:?}"
        );

        // A welfare application filed at the counter, with a body full of personal detail.
        let (st, counter) = kim
            .post(
                "/api/v1/petitions",
                json!({"type_id": welfare, "channel": "counter", "identity_check": "id_card", "title": "기초생활 상담",
                       "body": "박복지, 010-2222-3333, 실직 후 생계가 어렵습니다.",
                       "location": "예시군 중앙로 12 101동 202호",
                       "petitioner": {"name": "박복지", "phone": "010-2222-3333", "address": "예시군 중앙로 12 101동 202호"}}),
            )
            .await;
        assert_eq!(st, 201, "{counter}");
        let counter_id = counter["id"].as_i64().unwrap();
        // A streetlight report taken at the counter is not published either (channel).
        let (st, counter_light) = kim
            .post(
                "/api/v1/petitions",
                json!({"type_id": light, "channel": "counter", "identity_check": "id_card", "title": "창구 가로등 신고",
                       "body": "창구에서 받은 가로등 신고", "location": "예시군 석봉로 3",
                       "petitioner": {"name": "이창구", "phone": "010-3333-4444"}}),
            )
            .await;
        assert_eq!(st, 201, "{counter_light}");
        let counter_light_id = counter_light["id"].as_i64().unwrap();
        // A web report of the publishable type: published, masked.
        let (st, web) = resident
            .post(
                "/api/v1/petitions",
                json!({"type_id": light, "title": "가로등이 꺼졌습니다",
                       "body": "중앙로 15 앞 가로등이 꺼졌습니다. 이웃 010-5555-6666, hong@example.kr",
                       "location": "예시군 중앙로 15 앞",
                       "petitioner": {"name": "홍길동", "phone": "010-7777-8888", "address": "예시군 중앙로 15 2층"}}),
            )
            .await;
        assert_eq!(st, 201, "{web}");
        let web_id = web["id"].as_i64().unwrap();

        for fmt in ["json", "xml"] {
            let (st, all) = o_get(&s, &format!("requests.{fmt}")).await;
            assert_eq!(st, 200, "{all}");
            for hidden in [counter_id, counter_light_id] {
                assert!(
                    !all.contains(&format!("\"service_request_id\":\"{hidden}\""))
                        && !all.contains(&format!("<service_request_id>{hidden}<")),
                    "{all}"
                );
            }
            for secret in [
                "박복지",
                "2222-3333",
                "101동",
                "실직",
                "창구",
                "5555-6666",
                "hong@",
                "2층",
            ] {
                assert!(!all.contains(secret), "{secret} in {all}");
            }
            assert!(all.contains(&web_id.to_string()), "{all}");
            assert!(
                all.contains("010-****-6666"),
                "masked by the one rule: {all}"
            );
            assert!(all.contains("예시군 중앙로 ***"), "road name only: {all}");
            // By id: the counter petitions do not exist for Open311.
            for hidden in [counter_id, counter_light_id] {
                let (st, one) = o_get(&s, &format!("requests/{hidden}.{fmt}")).await;
                assert_eq!(st, 404, "{one}");
                let (st, listed) =
                    o_get(&s, &format!("requests.{fmt}?service_request_id={hidden}")).await;
                assert_eq!(st, 200);
                assert!(
                    !listed.contains("기초생활") && !listed.contains("창구"),
                    "{listed}"
                );
            }
            let (st, by_code) =
                o_get(&s, &format!("requests.{fmt}?service_code=welfare-help")).await;
            assert_eq!(st, 200);
            assert!(!by_code.contains("기초생활"), "{by_code}");
            let (st, one) = o_get(&s, &format!("requests/{web_id}.{fmt}")).await;
            assert_eq!(st, 200, "{one}");
        }
        // Services: what may be filed; never a type that needs a resident registration number.
        let (_, services) = o_get(&s, "services.json").await;
        assert!(
            services.contains("streetlight") && services.contains("welfare-help"),
            "{services}"
        );
        assert!(!services.contains("basic-living"), "{services}");
        let (st, _) = o_get(&s, "services/basic-living.json").await;
        assert_eq!(st, 404);

        // Unpublishing the type takes its petitions off at once.
        let (st, t) = admin
            .send(
                reqwest::Method::PUT,
                &format!("/api/v1/petition-types/{light}"),
                Some(
                    json!({"code": "streetlight", "name": "가로등 고장 신고", "kind": "other",
                            "department_code": "civil-team", "publishable": false}),
                ),
            )
            .await;
        assert_eq!(st, 200, "{t}");
        let (st, _) = o_get(&s, &format!("requests/{web_id}.json")).await;
        assert_eq!(st, 404);
        s.shutdown().await;
    }
}

// ---------------------------------------------------------------------------------------------
// Item 6: hiding officials' names reaches everything
// ---------------------------------------------------------------------------------------------

store::backend_tests! {
    #[tokio::test]
    async fn hidden_names_reach_notices_tracking_and_open311(backend) {
        let s = start_unlimited(backend).await;
        let admin = api(&s, "admin").await;
        add_staff(&s, &[("park", Role::Official, s.ids.team)], "010-4444-9999").await;
        let park = api(&s, "park").await;
        let resident = api(&s, "resident").await;

        // The department's public phone, through the API (administrators only, checked).
        let path = "/api/v1/departments/civil-team/public-phone";
        let (st, e) = admin.put(path, json!({"public_phone": "전화 없음"})).await;
        assert_eq!(
            (st, e["code"].as_str()),
            (400, Some("bad_public_phone")),
            "{e}"
        );
        bilingual(&e);
        let (st, _) = park
            .put(path, json!({"public_phone": "031-580-2114"}))
            .await;
        assert_eq!(st, 403);
        let (st, d) = admin
            .put(path, json!({"public_phone": "031-580-2114"}))
            .await;
        assert_eq!(
            (st, d["public_phone"].as_str()),
            (200, Some("031-580-2114")),
            "{d}"
        );
        let (_, depts) = admin.get("/api/v1/departments").await;
        assert!(depts.to_string().contains("031-580-2114"));

        let light = type_id(
            &admin,
            json!({"code": "streetlight", "name": "가로등 고장 신고", "kind": "other",
                   "department_code": "civil-team", "publishable": true}),
        )
        .await;
        let file = async |title: &str| {
            let (st, p) = resident
                .post(
                    "/api/v1/petitions",
                    json!({"type_id": light, "title": title, "body": "가로등이 꺼졌습니다.",
                           "location": "예시군 중앙로 15"}),
                )
                .await;
            assert_eq!(st, 201, "{p}");
            (
                p["id"].as_i64().unwrap(),
                p["tracking_code"].as_str().unwrap().to_string(),
            )
        };
        let handle = async |id: i64| {
            act(&park, id, json!({"action": "receive"})).await;
            act(
                &park,
                id,
                json!({"action": "assign", "department_code": "civil-team", "assignee": "park"}),
            )
            .await;
            act(
                &park,
                id,
                json!({"action": "progress_notice", "note": "park 이름 주무관이 현장을 봅니다. 직통 010-4444-9999"}),
            )
            .await;
            act(
                &park,
                id,
                json!({"action": "answer", "text": "교체했습니다. 담당 park 이름 (01044449999)"}),
            )
            .await;
        };

        // Names shown (the setting off): the notice names the official — the test can fail.
        let (shown, _) = file("이름이 보이는 신고").await;
        handle(shown).await;
        // … and so does the resident's own petition JSON, so the checks below can fail.
        let (_, own) = resident.get(&format!("/api/v1/petitions/{shown}")).await;
        assert!(own["handling"].to_string().contains("park 이름"), "{own}");
        assert!(own["assignee_id"].as_i64().is_some(), "{own}");
        let before = outbox_text(&s).await;
        assert!(
            before
                .iter()
                .any(|m| m.contains("park 이름") && m.contains("010-4444-9999")),
            "{before:#?}"
        );

        // Names hidden (the administrator's page): nothing from now on names park or gives
        // park's number.
        let admin_page = browser(&s, "admin").await;
        let (st, _, _) = admin_page
            .post("/admin/settings", &[("hide_names", "yes")])
            .await;
        assert!(st == 303 || st == 200, "{st}");
        assert_eq!(
            store::office::settings::get(&s.state.db, store::office::settings::HIDE_HANDLER_NAMES)
                .await
                .unwrap()
                .as_deref(),
            Some("true")
        );
        let (id, code) = file("이름을 가리는 신고").await;
        handle(id).await;
        let after = outbox_text(&s).await;
        let new: Vec<&String> = after[before.len()..].iter().collect();
        assert!(new.len() >= 3, "receipt, progress notice, answer: {new:#?}");
        for m in &new {
            assert!(
                !m.contains("park") && !m.contains("4444-9999") && !m.contains("44449999"),
                "{m}"
            );
        }
        assert!(
            new.iter().any(|m| m.contains("담당: 민원팀 031-580-2114")),
            "{new:#?}"
        );

        // The tracking answer (API) and page.
        let res = client()
            .post(s.url("/api/v1/track"))
            .json(&json!({"number": id.to_string(), "code": code}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        let tracked = res.text().await.unwrap();
        assert!(tracked.contains("담당: 민원팀 031-580-2114"), "{tracked}");
        assert!(
            !tracked.contains("park") && !tracked.contains("4444-9999") && !tracked.contains("44449999"),
            "{tracked}"
        );
        let csrf = form_token(&s, "/track").await;
        let (st, page) = track_page(&s, &csrf, &id.to_string(), &code).await;
        assert_eq!(st, 200, "{page}");
        assert!(
            page.contains("민원팀 031-580-2114") && page.contains("교체했습니다"),
            "{page}"
        );
        assert!(!page.contains("park") && !page.contains("4444-9999") && !page.contains("44449999"), "{page}");

        // The English tracking page: the handler line in English, the department as stored.
        let res = client()
            .post(s.url("/track?lang=en"))
            .header("cookie", format!("minwon_csrf={csrf}"))
            .form(&[
                ("number", id.to_string().as_str()),
                ("pin", code.as_str()),
                ("csrf_token", csrf.as_str()),
            ])
            .send()
            .await
            .unwrap();
        let page = res.text().await.unwrap();
        assert!(
            page.contains(
                "<dt>Handled by</dt><dd id=\"contact\">민원팀 (department), phone 031-580-2114</dd>"
            ),
            "{page}"
        );
        assert!(!page.contains("park") && !page.contains("4444-9999") && !page.contains("44449999"), "{page}");

        // Everything the resident reaches through the JSON API: their petition (its
        // `handling`), the timeline, the list, the search and the answer to their own step.
        let (st, own) = resident.get(&format!("/api/v1/petitions/{id}")).await;
        assert_eq!(st, 200, "{own}");
        let text = own.to_string();
        assert!(text.contains("교체했습니다"), "{own}");
        assert!(!text.contains("park") && !text.contains("4444-9999") && !text.contains("44449999"), "{own}");
        assert!(own["assignee_id"].is_null(), "{own}");
        assert!(own["handling"]["assignee_id"].is_null(), "{own}");
        let (st, tl) = resident
            .get(&format!("/api/v1/petitions/{id}/timeline"))
            .await;
        assert_eq!(st, 200, "{tl}");
        let text = tl.to_string();
        assert!(text.contains("교체했습니다"), "{tl}");
        assert!(!text.contains("park") && !text.contains("4444-9999") && !text.contains("44449999"), "{tl}");
        let (_, list) = resident.get("/api/v1/petitions").await;
        let text = list.to_string();
        assert!(text.contains("교체했습니다"), "{list}");
        assert!(!text.contains("park") && !text.contains("4444-9999") && !text.contains("44449999"), "{list}");
        let (st, search) = resident.get("/api/v1/petitions/search?q=교체").await;
        if st == 200 {
            let text = search.to_string();
            assert!(!text.contains("park") && !text.contains("4444-9999") && !text.contains("44449999"), "{search}");
        }
        let stepped = act(&resident, id, json!({"action": "rate", "score": 5})).await;
        let text = stepped.to_string();
        assert!(
            !text.contains("park") && !text.contains("4444-9999") && !text.contains("44449999"),
            "{stepped}"
        );
        // Staff still read who handles it.
        let (_, staff) = park.get(&format!("/api/v1/petitions/{id}")).await;
        assert!(
            staff["handling"].to_string().contains("park 이름"),
            "{staff}"
        );

        // Open311 (the type is published).
        let (st, o) = o_get(&s, &format!("requests/{id}.json")).await;
        assert_eq!(st, 200, "{o}");
        assert!(!o.contains("park") && !o.contains("4444-9999") && !o.contains("44449999"), "{o}");
        assert!(o.contains("031-580-2114"), "{o}");
        s.shutdown().await;
    }

    /// Item 6 (API): the name-hiding setting is read and changed by administrators only, each
    /// change logged in the access log; every other role is refused.
    #[tokio::test]
    async fn hide_names_setting_through_the_api_is_for_administrators(backend) {
        let s = start_unlimited(backend).await;
        let path = "/api/v1/settings/hide-handler-names";
        for user in ["sup", "kim", "counsel", "resident"] {
            let who = api(&s, user).await;
            let (st, e) = who.get(path).await;
            assert_eq!(st, 403, "{user}: {e}");
            let (st, e) = who.put(path, json!({"hide_handler_names": true})).await;
            assert_eq!(st, 403, "{user}: {e}");
        }
        let res = client().get(s.url(path)).send().await.unwrap();
        assert_eq!(res.status(), 401);
        assert!(
            !store::office::settings::hide_handler_names(&s.state.db)
                .await
                .unwrap(),
            "refused callers changed nothing"
        );

        let admin = api(&s, "admin").await;
        let (st, v) = admin.get(path).await;
        assert_eq!(
            (st, v["hide_handler_names"].as_bool()),
            (200, Some(false)),
            "{v}"
        );
        let (st, e) = admin.put(path, json!({"hide_handler_names": "예"})).await;
        assert_eq!(st, 422, "{e}");
        bilingual(&e);
        let (st, v) = admin.put(path, json!({"hide_handler_names": true})).await;
        assert_eq!(
            (st, v["hide_handler_names"].as_bool()),
            (200, Some(true)),
            "{v}"
        );
        let (_, v) = admin.get(path).await;
        assert_eq!(v["hide_handler_names"].as_bool(), Some(true), "{v}");
        assert!(
            store::office::settings::hide_handler_names(&s.state.db)
                .await
                .unwrap()
        );
        let logged = texts(
            &s,
            "SELECT action || ' ' || reason FROM audit_log WHERE subject = 'settings' ORDER BY seq",
        )
        .await;
        let name = store::office::settings::HIDE_HANDLER_NAMES;
        assert_eq!(
            logged,
            vec![
                format!("settings.read {name}"),
                format!("settings.update {name}"),
                format!("settings.read {name}"),
            ],
            "{logged:?}"
        );
        let (st, v) = admin.put(path, json!({"hide_handler_names": false})).await;
        assert_eq!(
            (st, v["hide_handler_names"].as_bool()),
            (200, Some(false)),
            "{v}"
        );

        // Listed in the OpenAPI document, both methods.
        let (_, doc) = admin.get("/api/v1/openapi.json").await;
        let listed = &doc["paths"][path];
        assert!(
            listed["get"].is_object() && listed["put"].is_object(),
            "{listed}"
        );
        s.shutdown().await;
    }

    /// The administrator's pages: the publishable flag (refused for an RRN type, with the message
    /// next to the form and what was typed kept) and the department's public phone.
    #[tokio::test]
    async fn admin_pages_set_publishable_and_public_phone(backend) {
        let s = start_unlimited(backend).await;
        let page = browser(&s, "admin").await;
        let team = s.ids.team.to_string();
        let rrn_form = |publishable: bool| {
            let mut f = vec![
                ("code", "basic-living"),
                ("name", "기초생활수급 신청"),
                ("period", "30d"),
                ("department_id", team.as_str()),
                ("requires_rrn", "yes"),
                ("public", "yes"),
                ("active", "yes"),
            ];
            if publishable {
                f.push(("publishable", "yes"));
            }
            f
        };
        let (st, html, _) = page.post("/admin/types", &rrn_form(true)).await;
        assert_eq!(st, 422, "{html}");
        assert!(
            html.contains("주민등록번호를 받는 민원 종류는 공개(Open311 게시)할 수 없습니다"),
            "{html}"
        );
        assert!(
            html.contains("value=\"기초생활수급 신청\""),
            "what was typed is kept"
        );
        assert!(
            store::petitions::list_types(&s.state.db, false)
                .await
                .unwrap()
                .is_empty()
        );
        let (st, _, to) = page.post("/admin/types", &rrn_form(false)).await;
        assert_eq!(st, 303);
        let (st, html, _) = page.get(to.as_deref().unwrap()).await;
        assert_eq!(st, 200);
        assert!(html.contains("id=\"publishable\""), "{html}");
        assert!(
            !html.contains("aria-describedby=\"publishable-help\" checked"),
            "{html}"
        );

        // A general type becomes publishable on its page.
        let admin = api(&s, "admin").await;
        let general = type_id(
            &admin,
            json!({"code": "proposal", "name": "건의민원", "kind": "proposal", "department_code": "civil-team"}),
        )
        .await;
        let (st, _, _) = page
            .post(
                &format!("/admin/types/{general}"),
                &[("department_id", team.as_str()), ("publishable", "yes")],
            )
            .await;
        assert_eq!(st, 303);
        assert!(
            store::petitions::get_type(&s.state.db, general)
                .await
                .unwrap()
                .publishable
        );

        // The department's public phone: a bad one is explained and kept, nothing changes.
        let path = format!("/admin/departments/{}", s.ids.team);
        let civil = s.ids.civil.to_string();
        let post = async |phone: &str| {
            let pairs = [
                ("name", "민원팀"),
                ("name_en", ""),
                ("parent_id", civil.as_str()),
                ("active", "yes"),
                ("public_phone", phone),
            ];
            page.post(&path, &pairs).await
        };
        let (st, html, _) = post("내선 없음").await;
        assert_eq!(st, 422, "{html}");
        assert!(
            html.contains("대표 전화는 숫자 7~15자리로 적어 주세요"),
            "{html}"
        );
        assert!(html.contains("value=\"내선 없음\""));
        let d = store::office::departments::get(&s.state.db, s.ids.team)
            .await
            .unwrap();
        assert_eq!(d.public_phone, "");
        let (st, _, _) = post("031-580-2114").await;
        assert_eq!(st, 303);
        let d = store::office::departments::get(&s.state.db, s.ids.team)
            .await
            .unwrap();
        assert_eq!(d.public_phone, "031-580-2114");
        let (_, html, _) = page.get(&path).await;
        assert!(html.contains("value=\"031-580-2114\""));
        s.shutdown().await;
    }
}

// ---------------------------------------------------------------------------------------------
// Item 7: tracking cannot be guessed
// ---------------------------------------------------------------------------------------------

async fn track_page(s: &Server, csrf: &str, number: &str, code: &str) -> (u16, String) {
    let res = client()
        .post(s.url("/track"))
        .header("cookie", format!("minwon_csrf={csrf}"))
        .form(&[("number", number), ("pin", code), ("csrf_token", csrf)])
        .send()
        .await
        .unwrap();
    (res.status().as_u16(), res.text().await.unwrap())
}

async fn track_api(base: &str, number: &str, code: &str) -> (u16, Value) {
    let res = client()
        .post(format!("{base}/api/v1/track"))
        .json(&json!({"number": number, "code": code}))
        .send()
        .await
        .unwrap();
    let st = res.status().as_u16();
    (st, res.json().await.unwrap_or(Value::Null))
}

store::backend_tests! {
    #[tokio::test]
    async fn tracking_codes_and_counted_lookups(backend) {
        let s = start_unlimited(backend).await;
        let admin = api(&s, "admin").await;
        let t = type_id(
            &admin,
            json!({"code": "proposal", "name": "건의민원", "kind": "proposal", "department_code": "civil-team"}),
        )
        .await;

        // Filing on the page: the receipt shows the code, and the receipt notice carries it.
        let res = file_on_page(
            &s,
            t,
            &[
                ("title", "공원 벤치 수리 요청"),
                ("body", "놀이터 옆 벤치가 부서졌습니다."),
                ("name", "홍길동"),
                ("phone", "010-9999-1111"),
                ("consent", "yes"),
            ],
            &[],
        )
        .await;
        assert_eq!(res.status(), 201);
        let receipt = res.text().await.unwrap();
        let csrf = form_token(&s, "/track").await;
        let grab = |html: &str, id: &str| -> String {
            html.split(&format!("id=\"{id}\">"))
                .nth(1)
                .unwrap_or_else(|| panic!("{id} in {html}"))
                .split('<')
                .next()
                .unwrap()
                .to_string()
        };
        let number = grab(&receipt, "receipt-number");
        let code = grab(&receipt, "tracking-code");
        assert_eq!(code.len(), 14, "{code}");
        let notices = outbox_text(&s).await;
        assert!(
            notices
                .iter()
                .any(|m| m.starts_with("010-9999-1111") && m.contains(&code)),
            "{notices:#?}"
        );
        // Only the hash is kept.
        let stored = texts(&s, "SELECT code_hash FROM petition_codes").await;
        assert!(!stored.iter().any(|h| h.contains(&code)));

        // The code finds it (typed in lower case, with spaces, too); the API answers the same.
        let (st, page) =
            track_page(&s, &csrf, &number, &code.to_lowercase().replace('-', " ")).await;
        assert_eq!(st, 200);
        assert!(page.contains("공원 벤치 수리 요청"));
        let (st, v) = track_api(&s.base, &number, &code).await;
        assert_eq!(
            (st, v["title"].as_str()),
            (200, Some("공원 벤치 수리 요청")),
            "{v}"
        );
        // Old links: the number and the phone digits still work, through the same check.
        let (st, _) = track_page(&s, &csrf, &number, "1111").await;
        assert_eq!(st, 200);

        // Wrong codes: one message that never says which part was wrong, then a lock with the
        // time to try again — the right code is refused while it lasts.
        for _ in 0..store::petitions::tracking::DEFAULT_MAX_FAILURES_PER_PETITION {
            let (st, page) = track_page(&s, &csrf, &number, "WXYZ-WXYZ-WXYZ").await;
            assert_eq!(st, 422);
            assert!(
                page.contains("번호 또는 조회 코드가 맞지 않습니다"),
                "{page}"
            );
            assert!(
                page.contains(&format!("value=\"{number}\"")),
                "the number is kept"
            );
        }
        let (st, page) = track_page(&s, &csrf, &number, &code).await;
        assert_eq!(st, 429, "{page}");
        assert!(page.contains("이후에 다시 시도해 주세요"), "{page}");
        assert!(!page.contains("공원 벤치 수리 요청"));
        let (st, v) = track_api(&s.base, &number, &code).await;
        assert_eq!(
            (st, v["code"].as_str()),
            (429, Some("tracking_locked")),
            "{v}"
        );
        bilingual(&v);

        // Another petition from the same address is not locked by that petition's count …
        let resident = api(&s, "resident").await;
        let (_, other) = resident
            .post(
                "/api/v1/petitions",
                json!({"type_id": t, "title": "두 번째 민원", "body": "내용"}),
            )
            .await;
        let other_id = other["id"].as_i64().unwrap().to_string();
        let other_code = other["tracking_code"].as_str().unwrap().to_string();
        assert_eq!(track_api(&s.base, &other_id, &other_code).await.0, 200);
        // … but hammering numbers from one address locks the address, on every app server:
        // a second server on the same database sees the same count.
        let second = web::AppState::new(s.state.db.clone(), unlimited());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base2 = format!("http://{}", listener.local_addr().unwrap());
        let (stop, rx) = tokio::sync::oneshot::channel::<()>();
        let server2 = tokio::spawn(web::serve(listener, second, async {
            let _ = rx.await;
        }));
        let used = store::petitions::tracking::DEFAULT_MAX_FAILURES_PER_PETITION;
        for i in used..store::petitions::tracking::DEFAULT_MAX_FAILURES_PER_ADDRESS {
            let base = if i % 2 == 0 { &s.base } else { &base2 };
            let (st, _) = track_api(base, &format!("{}", 90_000 + i), "ABCD-EFGH-JKMN").await;
            assert_eq!(st, 404);
        }
        let (st, v) = track_api(&base2, &other_id, &other_code).await;
        assert_eq!(
            (st, v["code"].as_str()),
            (429, Some("tracking_locked")),
            "{v}"
        );
        let (st, _) = track_api(&s.base, &other_id, &other_code).await;
        assert_eq!(st, 429);
        let _ = stop.send(());
        server2.await.unwrap().unwrap();
        s.shutdown().await;
    }
}

// ---------------------------------------------------------------------------------------------
// Item 8: the client's address is the one the trusted proxy saw
// ---------------------------------------------------------------------------------------------

fn behind_proxy(proxies: &str) -> WebConfig {
    WebConfig {
        trust_proxy: true,
        trusted_proxies: web::kit::security::parse_trusted_proxies(proxies).unwrap(),
        rate_per_minute: 0,
        ..WebConfig::default()
    }
}

async fn login_as(s: &Server, username: &str, forwarded: &str) -> u16 {
    client()
        .post(s.url("/api/v1/tokens"))
        .header("x-forwarded-for", forwarded)
        .json(&json!({"username": username, "password": "wrong-password-1"}))
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

store::backend_tests! {
    #[tokio::test]
    async fn forged_forwarded_for_is_ignored(backend) {
        // Login throttling per address: rotating the client-written part changes nothing.
        let s = start_with(backend, behind_proxy("127.0.0.1, ::1")).await;
        for i in 0..store::office::accounts::MAX_FAILURES_PER_ADDRESS {
            let st = login_as(
                &s,
                &format!("nobody{i}"),
                &format!("198.51.100.{i}, 203.0.113.7"),
            )
            .await;
            assert_eq!(st, 401);
        }
        assert_eq!(
            login_as(&s, "nobody-x", "198.51.100.250, 203.0.113.7").await,
            429
        );
        assert_eq!(login_as(&s, "nobody-x", "203.0.113.7").await, 429);
        // Another client behind the same proxy is not affected.
        assert_eq!(
            login_as(&s, "nobody-y", "198.51.100.1, 203.0.113.8").await,
            401
        );

        // The access log records the address the proxy saw, not the forged one.
        let admin = api(&s, "admin").await;
        let t = type_id(
            &admin,
            json!({"code": "proposal", "name": "건의민원", "kind": "proposal", "department_code": "civil-team"}),
        )
        .await;
        let resident = api(&s, "resident").await;
        let (_, p) = resident
            .post(
                "/api/v1/petitions",
                json!({"type_id": t, "title": "주소 기록", "body": "내용"}),
            )
            .await;
        let id = p["id"].as_i64().unwrap();
        let res = client()
            .post(s.url("/api/v1/track"))
            .header("x-forwarded-for", "6.6.6.6, 203.0.113.9")
            .json(&json!({"number": id.to_string(), "code": p["tracking_code"]}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        let log = store::office::audit::list(
            &s.state.db,
            &store::office::audit::AuditQuery {
                subject: Some(format!("petition:{id}")),
                limit: 10,
                ..Default::default()
            },
        )
        .await
        .unwrap();
        let track = log.iter().find(|e| e.action == "petition.track").unwrap();
        assert_eq!(track.address, "203.0.113.9");
        s.shutdown().await;

        // A peer that is not a trusted proxy: its header is not believed at all.
        let s = start_with(backend, behind_proxy("10.0.0.0/8")).await;
        for i in 0..store::office::accounts::MAX_FAILURES_PER_ADDRESS {
            let st = login_as(&s, &format!("nobody{i}"), &format!("198.51.100.{i}")).await;
            assert_eq!(st, 401);
        }
        assert_eq!(
            login_as(&s, "nobody-z", "203.0.113.50").await,
            429,
            "all from 127.0.0.1"
        );
        s.shutdown().await;

        // The rate limit: the forged part rotates, the bucket is the same.
        let s = start_with(
            backend,
            WebConfig {
                rate_per_minute: 60,
                rate_burst: 3,
                ..behind_proxy("127.0.0.1")
            },
        )
        .await;
        let mut statuses = Vec::new();
        for i in 0..5 {
            let res = client()
                .get(s.url("/healthz"))
                .header("x-forwarded-for", format!("192.0.2.{i}, 203.0.113.7"))
                .send()
                .await
                .unwrap();
            statuses.push(res.status().as_u16());
        }
        assert_eq!(statuses[..3], [200, 200, 200]);
        assert!(statuses[3..].iter().all(|s| *s == 429), "{statuses:?}");
        let other = client()
            .get(s.url("/healthz"))
            .header("x-forwarded-for", "203.0.113.8")
            .send()
            .await
            .unwrap();
        assert_eq!(other.status(), 200, "another client has its own bucket");
        s.shutdown().await;
    }
}

#[test]
fn the_right_most_untrusted_hop_is_the_client() {
    use std::net::IpAddr;
    let config = WebConfig {
        trust_proxy: true,
        trusted_proxies: vec![
            TrustedProxy::parse("10.0.0.0/8").unwrap(),
            TrustedProxy::parse("::1").unwrap(),
        ],
        ..WebConfig::default()
    };
    let ip = |s: &str| s.parse::<IpAddr>().unwrap();
    let client_of =
        |peer: &str, h: &[&str]| web::kit::security::forwarded_client(Some(ip(peer)), h, &config);
    assert_eq!(
        client_of("10.0.0.2", &["1.1.1.1, 2.2.2.2"]),
        Some(ip("2.2.2.2"))
    );
    assert_eq!(
        client_of("10.0.0.2", &["1.1.1.1", "2.2.2.2, 10.0.0.3"]),
        Some(ip("2.2.2.2"))
    );
    assert_eq!(
        client_of("10.0.0.2", &["junk, 10.0.0.9"]),
        Some(ip("10.0.0.9"))
    );
    assert_eq!(
        client_of("192.0.2.1", &["2.2.2.2"]),
        Some(ip("192.0.2.1")),
        "peer not trusted"
    );
    assert_eq!(
        client_of("::ffff:10.1.2.3", &["2.2.2.2"]),
        Some(ip("2.2.2.2")),
        "mapped IPv4"
    );
    assert!(TrustedProxy::parse("10.0.0.0/33").is_err());
    assert!(TrustedProxy::parse("proxy.local").is_err());
    let off = WebConfig {
        trust_proxy: false,
        ..config.clone()
    };
    assert_eq!(
        web::kit::security::forwarded_client(Some(ip("10.0.0.2")), &["2.2.2.2"], &off),
        Some(ip("10.0.0.2"))
    );
}
