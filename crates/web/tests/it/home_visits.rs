//! Home visits (issue 18) through the JSON API and the pages, per role: a request's health and
//! disability data reach only who took it, the staff of the round it is in and the division's
//! supervisor, each reveal in the access log; administrators, counsellors, other officials and
//! other residents get 403. Bad input is refused with every field named; a round with more
//! visits than its team can do names the visits left out and why.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::common;

use chrono::Duration;
use common::*;
use domain::office::accounts::Role;
use serde_json::{Value, json};
use store::fetch_one;

async fn reveals(s: &Server, id: i64) -> i64 {
    let (n,): (i64,) = fetch_one!(
        &s.state.db,
        _,
        "SELECT COUNT(*) FROM audit_log WHERE subject = $1 AND action = 'home_visit_request.reveal'",
        format!("home_visit_request:{id}")
    )
    .unwrap();
    n
}

fn request(name: &str, services: &[&str], lat: f64) -> Value {
    json!({
        "name": name, "age": 82, "phone": "010-5555-6666", "address": "예시군 예시읍 중앙로 1",
        "lat": lat, "lon": 127.489, "caller": "family", "channel": "phone",
        "reason": "거동이 불편함", "basis": {"living_alone": true, "severe_disability": false, "immobile": false},
        "consent": true, "services": services
    })
}

fn in_days(d: i64) -> String {
    (store::now().with_timezone(&calendar::seoul()).date_naive() + Duration::days(d)).to_string()
}

store::backend_tests! {
    #[tokio::test]
    async fn a_request_reaches_only_intake_round_staff_and_supervisor(backend) {
        let s = start_unlimited(backend).await;
        add_staff(&s, &[("visitor", Role::Official, s.ids.team), ("park", Role::Official, s.ids.team)], "010-2222-3333").await;
        let kim = api(&s, "kim").await;

        // Bad input: no basis, no consent, coordinates outside Korea — every field named, nothing stored.
        let mut bad = request("나이 부족", &["passport_delivery"], 35.0);
        bad["age"] = json!(40);
        bad["basis"]["living_alone"] = json!(false);
        bad["consent"] = json!(false);
        bad["lat"] = json!(10.0);
        let (st, body) = kim.post("/api/v1/home-visits/requests", bad).await;
        assert_eq!(st, 422, "{body}");
        bilingual(&body);
        let m = body["message_en"].as_str().unwrap();
        assert!(m.contains("basis: not eligible") && m.contains("consent:") && m.contains("lat: the coordinates are outside Korea"), "{m}");
        let (_, list) = kim.get("/api/v1/home-visits/requests").await;
        assert_eq!(list.as_array().unwrap().len(), 0);

        let (st, r) = kim.post("/api/v1/home-visits/requests", request("김순자", &["passport_delivery"], 36.65)).await;
        assert_eq!(st, 201, "{r}");
        let id = r["id"].as_i64().unwrap();
        assert_eq!(r["state"], "eligible");
        assert_eq!(r["eligible_by"], "age,living_alone");
        let (st, r2) = kim.post("/api/v1/home-visits/requests", request("이영희", &["id_card_application"], 36.66)).await;
        assert_eq!(st, 201, "{r2}");
        let id2 = r2["id"].as_i64().unwrap();

        // The intake official reads it, and the reveal is logged; the list reveals nothing.
        let (st, one) = kim.get(&format!("/api/v1/home-visits/requests/{id}")).await;
        assert_eq!(st, 200, "{one}");
        assert_eq!(one["living_alone"], true);
        assert_eq!(reveals(&s, id).await, 1);
        let (_, list) = kim.get("/api/v1/home-visits/requests").await;
        assert!(list[0].get("living_alone").is_none() && list[0].get("reason").is_none(), "{list}");

        // Nobody else, before the round: not the team member-to-be, other officials, admin,
        // counsellor, other residents.
        for who in ["visitor", "park", "lee", "admin", "counsel", "resident"] {
            let (st, body) = api(&s, who).await.get(&format!("/api/v1/home-visits/requests/{id}")).await;
            assert_eq!(st, 403, "{who}: {body}");
            let (_, list) = api(&s, who).await.get("/api/v1/home-visits/requests").await;
            assert_eq!(list.as_array().map(Vec::len), Some(0), "{who}");
        }
        assert_eq!(reveals(&s, id).await, 1);

        // Only the supervisor plans: an official cannot start a round.
        let (st, _) = kim.post("/api/v1/home-visits/rounds", json!({"day": in_days(3), "area": "예시읍"})).await;
        assert_eq!(st, 403);
        let sup = api(&s, "sup").await;
        let (st, round) = sup.post("/api/v1/home-visits/rounds", json!({"day": in_days(3), "area": "예시읍"})).await;
        assert_eq!(st, 201, "{round}");
        let rid = round["id"].as_i64().unwrap();
        let visitor_id = store::office::accounts::find_by_username(&s.state.db, "visitor").await.unwrap().id;
        // A team with no members is refused.
        let team = json!({"name": "1팀", "members": [], "starts": "09:00:00", "ends": "17:00:00", "max_visits": 1,
            "skills": ["signature_tablet", "forms"], "start_label": "예시군청", "start_lat": 36.6424, "start_lon": 127.489});
        let (st, body) = sup.post(&format!("/api/v1/home-visits/rounds/{rid}/teams"), team.clone()).await;
        assert_eq!(st, 422, "{body}");
        assert!(body["message_en"].as_str().unwrap().contains("members: choose at least one member"), "{body}");
        let mut team = team;
        team["members"] = json!([visitor_id]);
        let (st, body) = sup.post(&format!("/api/v1/home-visits/rounds/{rid}/teams"), team).await;
        assert_eq!(st, 201, "{body}");
        let (st, body) = sup.post(&format!("/api/v1/home-visits/rounds/{rid}/requests"), json!({"request_ids": [id, id2]})).await;
        assert_eq!(st, 200, "{body}");

        // A malformed VROOM file is answered with where it is wrong.
        let res = client().post(s.url(&format!("/api/v1/home-visits/rounds/{rid}/vroom")))
            .bearer_auth(&sup.token).body("{\"jobs\": [{\"id\": \"x\"}], \"vehicles\": []}").send().await.unwrap();
        assert_eq!(res.status().as_u16(), 422);
        let body: Value = res.json().await.unwrap();
        assert!(body["message_en"].as_str().unwrap().contains("jobs[0]"), "{body}");

        // Planned: more than the team can do (cap 1, no scanner) — the left-out visit says why.
        let (st, planned) = sup.post(&format!("/api/v1/home-visits/rounds/{rid}/plan"), json!(null)).await;
        assert_eq!(st, 200, "{planned}");
        let stops = planned["stops"].as_array().unwrap();
        let left = stops.iter().find(|s| s["request_id"] == id2).unwrap();
        assert!(left["team_id"].is_null());
        assert!(left["left_out_en"].as_str().unwrap().contains("fingerprint scanner"), "{left}");
        let placed = stops.iter().find(|s| s["request_id"] == id).unwrap();
        let stop = placed["id"].as_i64().unwrap();
        assert_eq!(placed["position"], 1);

        // Now shared with the round's staff: the team member reads it (logged); park still not.
        let visitor = api(&s, "visitor").await;
        let (st, _) = visitor.get(&format!("/api/v1/home-visits/requests/{id}")).await;
        assert_eq!(st, 200);
        assert_eq!(reveals(&s, id).await, 2);
        // And in the lists: the request and the round are the team member's now.
        let (_, list) = visitor.get("/api/v1/home-visits/requests").await;
        assert!(list.as_array().unwrap().iter().any(|r| r["id"] == id), "{list}");
        let (_, rounds) = visitor.get("/api/v1/home-visits/rounds").await;
        assert!(rounds.as_array().unwrap().iter().any(|r| r["id"] == rid), "{rounds}");
        let (_, rounds) = api(&s, "park").await.get("/api/v1/home-visits/rounds").await;
        assert_eq!(rounds.as_array().map(Vec::len), Some(0), "{rounds}");
        let (st, _) = sup.get(&format!("/api/v1/home-visits/requests/{id}")).await;
        assert_eq!(st, 200);
        assert_eq!(reveals(&s, id).await, 3);
        for who in ["park", "lee", "admin", "counsel", "resident"] {
            let (st, _) = api(&s, who).await.get(&format!("/api/v1/home-visits/requests/{id}")).await;
            assert_eq!(st, 403, "{who}");
            let (st, _) = api(&s, who).await.get(&format!("/api/v1/home-visits/rounds/{rid}")).await;
            assert_eq!(st, 403, "{who}");
        }
        // The team member reads the round but cannot re-plan it.
        let (st, _) = visitor.get(&format!("/api/v1/home-visits/rounds/{rid}")).await;
        assert_eq!(st, 200);
        let (st, _) = visitor.post(&format!("/api/v1/home-visits/rounds/{rid}/plan"), json!(null)).await;
        assert_eq!(st, 403);

        // Export is VROOM JSON with the stop as a job.
        let (st, vroom) = sup.get(&format!("/api/v1/home-visits/rounds/{rid}/vroom")).await;
        assert_eq!(st, 200);
        assert!(vroom["jobs"].as_array().unwrap().iter().any(|j| j["id"] == stop), "{vroom}");

        // Outcome before publishing is refused; after, recorded with the resident's message.
        let outcome = json!({"outcome": "done", "identity_method": "id_card", "notes": "여권 전달"});
        let (st, _) = visitor.post(&format!("/api/v1/home-visits/rounds/{rid}/stops/{stop}/outcome"), outcome.clone()).await;
        assert_eq!(st, 409);
        let (st, body) = sup.post(&format!("/api/v1/home-visits/rounds/{rid}/publish"), json!(null)).await;
        assert_eq!(st, 200, "{body}");
        // The left-out request went back to wait; it is no longer in the round.
        let (_, back) = sup.get(&format!("/api/v1/home-visits/requests/{id2}")).await;
        assert_eq!(back["state"], "eligible");
        // An outcome for a stop of another round is refused.
        let (_, other) = sup.post("/api/v1/home-visits/rounds", json!({"day": in_days(5), "area": "남면"})).await;
        let other = other["id"].as_i64().unwrap();
        let (st, body) = sup.post(&format!("/api/v1/home-visits/rounds/{other}/stops/{stop}/outcome"), outcome.clone()).await;
        assert_eq!(st, 404, "{body}");
        assert_eq!(body["code"], "stop_not_in_round");
        // Done with no identity check is refused on that field; only "not home" needs none.
        let unchecked = json!({"outcome": "done", "notes": "여권 전달"});
        let (st, body) = visitor.post(&format!("/api/v1/home-visits/rounds/{rid}/stops/{stop}/outcome"), unchecked).await;
        assert_eq!(st, 422, "{body}");
        assert!(body["message_en"].as_str().unwrap().contains("identity"), "{body}");
        let (st, rec) = visitor.post(&format!("/api/v1/home-visits/rounds/{rid}/stops/{stop}/outcome"), outcome).await;
        assert_eq!(st, 201, "{rec}");
        let (body,): (String,) = fetch_one!(&s.state.db, _, "SELECT body FROM outbox WHERE id = $1", rec["message_id"].as_i64().unwrap()).unwrap();
        assert!(body.contains("방문이 끝났습니다"), "{body}");
        let (_, r) = kim.get(&format!("/api/v1/home-visits/requests/{id}")).await;
        assert_eq!(r["state"], "visited");
    }

    #[tokio::test]
    async fn the_administrator_sets_who_qualifies(backend) {
        let s = start_unlimited(backend).await;
        let admin = api(&s, "admin").await;
        let kim = api(&s, "kim").await;
        let (st, rules) = kim.get("/api/v1/home-visits/eligibility").await;
        assert_eq!(st, 200);
        assert_eq!(rules["age_threshold"], 65);
        // Only the administrator changes them; a threshold of 70 is refused.
        let stricter = json!({"age_threshold": 75, "combinations": [["age", "living_alone"], ["severe_disability"]]});
        let (st, _) = kim.put("/api/v1/home-visits/eligibility", stricter.clone()).await;
        assert_eq!(st, 403);
        let (st, body) = admin.put("/api/v1/home-visits/eligibility", json!({"age_threshold": 70, "combinations": [[]]})).await;
        assert_eq!(st, 422, "{body}");
        assert!(body["message_en"].as_str().unwrap().contains("65 or 75"), "{body}");
        let (st, _) = admin.put("/api/v1/home-visits/eligibility", stricter).await;
        assert_eq!(st, 200);
        // Now a 70-year-old living alone no longer qualifies, and the reason names 75.
        let mut r = request("칠십세", &["certificate_delivery"], 36.65);
        r["age"] = json!(70);
        let (st, body) = kim.post("/api/v1/home-visits/requests", r).await;
        assert_eq!(st, 422, "{body}");
        assert!(body["message_ko"].as_str().unwrap().contains("75세 이상"), "{body}");
        // The page, for the administrator only.
        let (st, page, _) = browser(&s, "admin").await.get("/home-visits/eligibility?lang=en").await;
        assert_eq!(st, 200);
        assert!(page.contains("id=\"age-75\" name=\"age_threshold\" value=\"75\" checked"), "{page}");
        let (st, _, _) = browser(&s, "kim").await.get("/home-visits/eligibility").await;
        assert_eq!(st, 403);
    }

    #[tokio::test]
    async fn the_pages_show_a_request_only_to_who_may_read_it(backend) {
        let s = start_unlimited(backend).await;
        let kim = browser(&s, "kim").await;
        // Bad input on the page: kept, answered beside the fields, nothing stored.
        let form = [
            ("name", "박시험"), ("age", "40"), ("phone", "010-1111-2222"), ("address", "예시읍 1"),
            ("lat", "36.64"), ("lon", "abc"), ("caller", "self"), ("channel", "phone"),
            ("reason", "거동 불편"), ("services", "passport_delivery"),
        ];
        let (st, page, _) = kim.post("/home-visits/requests/new", &form).await;
        assert_eq!(st, 422, "{page}");
        assert!(page.contains("id=\"hv-lat-error\"") && page.contains("id=\"hv-basis-error\"") && page.contains("id=\"hv-consent-error\""), "{page}");
        assert!(page.contains("value=\"박시험\"") && page.contains("거동 불편</textarea>"), "{page}");
        let (_, list) = api(&s, "kim").await.get("/api/v1/home-visits/requests").await;
        assert_eq!(list.as_array().map(Vec::len), Some(0));
        // In English too.
        let (st, page, _) = kim.post("/home-visits/requests/new?lang=en", &form).await;
        assert_eq!(st, 422);
        assert!(page.contains("enter latitude and longitude as numbers"), "{page}");

        let mut good = form.to_vec();
        good.retain(|(k, _)| *k != "lon" && *k != "age");
        good.extend([("lon", "127.49"), ("age", "80"), ("living_alone", "on"), ("consent", "on")]);
        let (st, _, to) = kim.post("/home-visits/requests/new", &good).await;
        assert_eq!(st, 303);
        let to = to.unwrap();
        assert!(to.ends_with("?done=taken"), "{to}");
        let path = to.trim_end_matches("?done=taken").to_string();
        let (st, page, _) = kim.get(&path).await;
        assert_eq!(st, 200);
        assert!(page.contains("홀로 사는 분") && page.contains("80세"), "{page}");
        let (st, page, _) = browser(&s, "sup").await.get(&format!("{path}?lang=en")).await;
        assert_eq!(st, 200);
        assert!(page.contains("Living alone") || page.contains("living alone"), "{page}");
        for who in ["lee", "admin", "counsel", "resident"] {
            let (st, page, _) = browser(&s, who).await.get(&path).await;
            assert_eq!(st, 403, "{who}: {page}");
            assert!(!page.contains("홀로 사는 분"), "{who}");
        }
        // A family member files online for their 읍면동, and reads their own request only.
        let team = s.ids.team.to_string();
        let mut online: Vec<(&str, &str)> = good.iter().filter(|(k, _)| *k != "channel" && *k != "name").copied().collect();
        online.extend([("name", "주민신청"), ("department_id", team.as_str()), ("caller", "family")]);
        let resident = browser(&s, "resident").await;
        let (st, _, to) = resident.post("/home-visits/request", &online).await;
        assert_eq!(st, 303);
        let mine = to.unwrap().trim_end_matches("?done=taken").to_string();
        let (st, page, _) = resident.get(&mine).await;
        assert_eq!(st, 200);
        assert!(page.contains("온라인"), "{page}");
        let (st, _, _) = resident.get(&path).await;
        assert_eq!(st, 403);
        // The 민원팀 supervisor's division holds it; kim did not enter it and cannot read it.
        let (st, _, _) = browser(&s, "sup").await.get(&mine).await;
        assert_eq!(st, 200);
        let (st, _, _) = kim.get(&mine).await;
        assert_eq!(st, 403);

        // The hub lists it for kim and not for lee.
        let (_, hub, _) = kim.get("/home-visits").await;
        assert!(hub.contains("박시험"));
        let (_, hub, _) = browser(&s, "lee").await.get("/home-visits").await;
        assert!(!hub.contains("박시험"));
    }
}
