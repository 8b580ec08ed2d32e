//! Staff wellbeing over real HTTP, on SQLite and (when configured) PostgreSQL: the check, the
//! crisis gate, sharing, and that no other role reaches an individual result by the API or
//! the pages.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::common;

use common::{Api, Server, api, bilingual, browser, start, texts};
use domain::office::accounts::Role;
use domain::wellbeing::battery;
use serde_json::{Value, json};
use store::office::accounts;
use store::wellbeing as sw;

/// Extra roles the common seed does not have: HR, protection officer, committee member, a
/// second counsellor.
async fn seed_more(s: &Server) {
    let o = s.ids.office;
    let people = [
        ("hrofficer", Role::TrainingOfficer, o),
        ("guard", Role::ProtectionOfficer, o),
        ("committee", Role::CommitteeMember, o),
        ("counsel2", Role::Counsellor, o),
    ];
    common::add_staff(s, &people, "").await;
}

/// Everyone but the owner `kim`.
const OTHERS: [&str; 9] = [
    "admin",
    "sup",
    "lee",
    "counsel",
    "counsel2",
    "hrofficer",
    "guard",
    "committee",
    "resident",
];

async fn account_id(s: &Server, username: &str) -> i64 {
    accounts::find_by_username(&s.state.db, username)
        .await
        .unwrap()
        .id
}

fn answers(instrument: &str, v: i64) -> Vec<Value> {
    let n = battery().unwrap().get(instrument).unwrap().items.len();
    vec![json!(v); n]
}

/// kim consents and completes a check through the API: PHQ-9 item 9 = 1, GAD-7 all 3.
async fn kim_completes(kim: &Api<'_>) -> i64 {
    let (st, _) = kim
        .post("/api/v1/wellbeing/consent", json!({"agree": true}))
        .await;
    assert_eq!(st, 204);
    let (st, started) = kim.post("/api/v1/wellbeing/checks", json!({})).await;
    assert!(st == 201 || st == 200, "{st} {started}");
    let id = started["id"].as_i64().unwrap();
    let mut phq = answers("phq9", 0);
    phq[8] = json!(1);
    for (inst, a) in [
        ("phq9", phq),
        ("gad7", answers("gad7", 3)),
        ("pss10", answers("pss10", 0)),
        ("cbi_client", answers("cbi_client", 50)),
    ] {
        let (st, body) = kim
            .post(
                &format!("/api/v1/wellbeing/checks/{id}/responses"),
                json!({"instrument": inst, "answers": a}),
            )
            .await;
        assert_eq!(st, 201, "{inst}: {body}");
    }
    id
}

store::backend_tests! {
    #[tokio::test]
    async fn the_check_through_the_api(backend) {
        let s = start(backend).await;
        let kim = api(&s, "kim").await;

        // Consent first, explicit.
        let (st, c) = kim.get("/api/v1/wellbeing/consent").await;
        assert_eq!((st, c["active"].as_bool()), (200, Some(false)));
        let (st, body) = kim.post("/api/v1/wellbeing/checks", json!({})).await;
        assert_eq!((st, body["code"].as_str()), (403, Some("consent_required")));
        bilingual(&body);
        let (st, body) = kim
            .post("/api/v1/wellbeing/consent", json!({"agree": false}))
            .await;
        assert_eq!(
            (st, body["code"].as_str()),
            (400, Some("consent_not_given"))
        );
        let (st, body) = kim
            .post("/api/v1/wellbeing/consent", json!({"agree": true, "x": 1}))
            .await;
        assert_eq!(st, 422, "{body}");
        let (st, _) = kim
            .post("/api/v1/wellbeing/consent", json!({"agree": true}))
            .await;
        assert_eq!(st, 204);

        // The battery is served with its sources and honest text labels.
        let (st, b) = kim.get("/api/v1/wellbeing/instruments").await;
        assert_eq!(st, 200);
        assert_eq!(b["instruments"].as_array().unwrap().len(), 4);
        assert_eq!(b["instruments"][0]["text_source"], "working_translation");

        let (st, started) = kim.post("/api/v1/wellbeing/checks", json!({})).await;
        assert_eq!(st, 201);
        let id = started["id"].as_i64().unwrap();
        assert_eq!(started["next_instrument"], "phq9");
        let path = format!("/api/v1/wellbeing/checks/{id}/responses");

        // Bad input: clear 4xx, Korean first, and nothing written.
        let mut missing = answers("phq9", 1);
        missing[3] = Value::Null;
        for (body, status, code) in [
            (
                json!({"instrument": "phq9", "answers": missing}),
                400,
                "missing_answers",
            ),
            (
                json!({"instrument": "phq9", "answers": answers("phq9", 1)[..8]}),
                400,
                "missing_answers",
            ),
            (
                json!({"instrument": "phq9", "answers": answers("phq9", 4)}),
                400,
                "answer_out_of_range",
            ),
            (
                json!({"instrument": "phq9", "answers": vec![0; 10]}),
                400,
                "too_many_answers",
            ),
            (
                json!({"instrument": "who5", "answers": [1]}),
                400,
                "unknown_instrument",
            ),
            (
                json!({"instrument": "phq9", "answers": "all"}),
                422,
                "invalid_fields",
            ),
        ] {
            let (st, e) = kim.post(&path, body.clone()).await;
            assert_eq!(
                (st, e["code"].as_str()),
                (status, Some(code)),
                "{body}: {e}"
            );
            bilingual(&e);
        }
        let (_, check) = kim.get(&format!("/api/v1/wellbeing/checks/{id}")).await;
        assert_eq!(check["answered"], json!([]));

        // PHQ-9 item 9 = 1 with a low total: the crisis lines come back at once.
        let mut phq = answers("phq9", 0);
        phq[8] = json!(1);
        let (st, done) = kim
            .post(&path, json!({"instrument": "phq9", "answers": phq}))
            .await;
        assert_eq!(st, 201, "{done}");
        assert_eq!(done["crisis"], true);
        assert_eq!(done["result"]["band"], "minimal");
        let lines = texts(&done["crisis_lines"], "number");
        assert_eq!(lines, ["109", "1577-0199", "112", "119"]);
        assert_eq!(done["next_instrument"], "gad7");

        // The same instrument twice: 409, the first answer stays.
        let (st, e) = kim
            .post(
                &path,
                json!({"instrument": "phq9", "answers": answers("phq9", 3)}),
            )
            .await;
        assert_eq!((st, e["code"].as_str()), (409, Some("conflict")));
        bilingual(&e);

        // Pause and resume: starting again returns the same check (200).
        let (st, again) = kim.post("/api/v1/wellbeing/checks", json!({})).await;
        assert_eq!((st, again["id"].as_i64()), (200, Some(id)));
        assert_eq!(again["next_instrument"], "gad7");

        for (inst, a) in [
            ("gad7", answers("gad7", 3)),
            ("pss10", answers("pss10", 4)),
            ("cbi_client", answers("cbi_client", 75)),
        ] {
            let (st, body) = kim
                .post(&path, json!({"instrument": inst, "answers": a}))
                .await;
            assert_eq!(st, 201, "{body}");
        }
        let (st, check) = kim.get(&format!("/api/v1/wellbeing/checks/{id}")).await;
        assert_eq!(st, 200);
        assert_eq!(check["status"], "completed");
        assert_eq!(check["crisis"], true);
        assert_eq!(check["referral"], "urgent", "GAD-7 21 ≥ 15");
        let scores: Vec<(&str, &str, &str)> = check["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                (
                    r["instrument"].as_str().unwrap(),
                    r["score"].as_str().unwrap(),
                    r["band"].as_str().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            scores,
            [
                ("phq9", "1", "minimal"),
                ("gad7", "21", "severe"),
                ("pss10", "24", "moderate"),
                ("cbi_client", "75.0", "high")
            ]
        );
        let keys = texts(&check["next_steps"], "key");
        assert_eq!(keys[..2], ["crisis_lines", "counsellor"]);
        assert!(keys.contains(&"referral_urgent"));
        assert!(
            check["notice_ko"]
                .as_str()
                .unwrap()
                .contains("진단이 아닙니다")
        );
        // A finished check takes no more answers.
        let (st, _) = kim
            .post(
                &path,
                json!({"instrument": "gad7", "answers": answers("gad7", 0)}),
            )
            .await;
        assert_eq!(st, 409);

        // Documented in the OpenAPI document.
        let (_, doc) = kim.get("/api/v1/openapi.json").await;
        for path in [
            "/api/v1/wellbeing/checks/{id}",
            "/api/v1/wellbeing/checks/{id}/responses",
            "/api/v1/wellbeing/checks/{id}/shares",
            "/api/v1/wellbeing/report",
            "/api/v1/wellbeing/access-log",
        ] {
            assert!(doc["paths"].get(path).is_some(), "{path} documented");
        }

        let (st, list) = kim.get("/api/v1/wellbeing/checks").await;
        assert_eq!(st, 200);
        assert_eq!(list.as_array().unwrap().len(), 1);
        assert_eq!(list[0]["results"].as_array().unwrap().len(), 4);

        // Ids and years that are not numbers: JSON errors, not plain text.
        let (st, e) = kim.get("/api/v1/wellbeing/checks/abc").await;
        assert_eq!((st, e["code"].as_str()), (400, Some("bad_id")));
        bilingual(&e);
        let (st, e) = kim.delete("/api/v1/wellbeing/shares/x1").await;
        assert_eq!((st, e["code"].as_str()), (400, Some("bad_id")));
        let counsel_api = api(&s, "counsel").await;
        let (st, e) = counsel_api.get("/api/v1/wellbeing/report?year=abc").await;
        assert_eq!((st, e["code"].as_str()), (400, Some("bad_year")));

        // Sharing: only completed, only with a counsellor, only a known purpose.
        let counsel = account_id(&s, "counsel").await;
        let lee = account_id(&s, "lee").await;
        let shares = format!("/api/v1/wellbeing/checks/{id}/shares");
        let (st, e) = kim
            .post(
                &shares,
                json!({"counsellor_id": lee, "purpose": "counselling"}),
            )
            .await;
        assert_eq!((st, e["code"].as_str()), (400, Some("not_a_counsellor")));
        let (st, e) = kim
            .post(
                &shares,
                json!({"counsellor_id": counsel, "purpose": "gossip"}),
            )
            .await;
        // The purpose is read by its code: an unknown one is an invalid field.
        assert_eq!((st, e["code"].as_str()), (422, Some("invalid_fields")));
        assert!(e["message_en"].as_str().is_some_and(|m| m.contains("gossip")));

        // Withdrawn consent: no new check; results stay until deleted.
        assert_eq!(kim.delete("/api/v1/wellbeing/consent").await.0, 204);
        assert_eq!(kim.delete("/api/v1/wellbeing/consent").await.0, 404);
        let (st, e) = kim.post("/api/v1/wellbeing/checks", json!({})).await;
        assert_eq!((st, e["code"].as_str()), (403, Some("consent_required")));
        assert_eq!(
            kim.get(&format!("/api/v1/wellbeing/checks/{id}")).await.0,
            200
        );
        s.shutdown().await;
    }

    #[tokio::test]
    async fn no_other_role_reaches_a_result_through_the_api(backend) {
        let s = start(backend).await;
        seed_more(&s).await;
        let kim = api(&s, "kim").await;
        let id = kim_completes(&kim).await;
        let kim_id = account_id(&s, "kim").await;
        let counsel_id = account_id(&s, "counsel").await;
        let check = format!("/api/v1/wellbeing/checks/{id}");

        let mut others = Vec::new();
        for u in OTHERS {
            others.push((u, api(&s, u).await));
        }
        // Unshared: every other role is refused on every route, and each attempt is logged.
        for (u, a) in &others {
            let (st, e) = a.get(&check).await;
            assert_eq!(st, 403, "{u} read {e}");
            bilingual(&e);
            if *u == "counsel" || *u == "counsel2" {
                assert_eq!(e["code"], "not_shared", "{u}");
            }
            assert_eq!(a.get(&format!("{check}/shares")).await.0, 403, "{u} shares");
            let (st, _) = a
                .post(
                    &format!("{check}/shares"),
                    json!({"counsellor_id": counsel_id, "purpose": "counselling"}),
                )
                .await;
            assert_eq!(st, 403, "{u} share");
            let (st, _) = a
                .post(
                    &format!("{check}/responses"),
                    json!({"instrument": "gad7", "answers": answers("gad7", 0)}),
                )
                .await;
            assert_eq!(st, 403, "{u} answer");
            assert_eq!(a.delete(&check).await.0, 403, "{u} delete");
            // Their own lists never contain kim's check.
            let (st, list) = a.get("/api/v1/wellbeing/checks").await;
            if *u == "resident" {
                assert_eq!(st, 403);
            } else {
                assert_eq!((st, list.as_array().map(Vec::len)), (200, Some(0)), "{u}");
            }
        }
        let admin = &others[0].1;
        let (st, log) = admin
            .get(&format!("/api/v1/audit?subject=account:{kim_id}&limit=200"))
            .await;
        assert_eq!(st, 200);
        let denied: Vec<i64> = log
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["action"] == "wellbeing.read_denied")
            .map(|e| e["account_id"].as_i64().unwrap())
            .collect();
        for u in OTHERS {
            let uid = account_id(&s, u).await;
            assert!(denied.contains(&uid), "{u}'s attempt is logged");
        }

        // The owner sees who tried, by name.
        let (st, mine) = kim.get("/api/v1/wellbeing/access-log").await;
        assert_eq!(st, 200);
        let tried: Vec<&str> = mine
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["action"] == "wellbeing.read_denied")
            .map(|e| e["who"].as_str().unwrap())
            .collect();
        assert!(tried.iter().any(|w| w.starts_with("sup 이름")), "{tried:?}");
        assert!(
            tried.iter().any(|w| w.starts_with("admin 이름")),
            "{tried:?}"
        );
        // Nobody else reads kim's access history: each sees their own.
        let (_, theirs) = others[1].1.get("/api/v1/wellbeing/access-log").await;
        assert!(!theirs.to_string().contains("read_denied"), "{theirs}");

        // Shared with counsel for counselling: counsel alone may read, and it is logged.
        let (st, share) = kim
            .post(
                &format!("{check}/shares"),
                json!({"counsellor_id": counsel_id, "purpose": "counselling"}),
            )
            .await;
        assert_eq!(st, 201, "{share}");
        for (u, a) in &others {
            let (st, body) = a.get(&check).await;
            if *u == "counsel" {
                assert_eq!(st, 200, "{body}");
                assert_eq!(body["results"].as_array().unwrap().len(), 4);
                assert_eq!(
                    body["shares"],
                    json!([]),
                    "the owner's share record is hers"
                );
                // Reading is all: no sharing on, no deleting.
                assert_eq!(a.delete(&check).await.0, 403);
                assert_eq!(a.get(&format!("{check}/shares")).await.0, 403);
            } else {
                assert_eq!(st, 403, "{u} after sharing with counsel");
            }
        }
        let (_, inbox) = others[3].1.get("/api/v1/wellbeing/inbox").await;
        assert_eq!(inbox["shares"][0]["check_id"], id);
        let (_, log) = admin
            .get(&format!("/api/v1/audit?subject=account:{kim_id}&limit=200"))
            .await;
        let actions = texts(&log, "action");
        assert!(actions.contains(&"wellbeing.share") && actions.contains(&"wellbeing.read"));

        // Revoked: counsel is refused again at once.
        let share_id = share["id"].as_i64().unwrap();
        assert_eq!(
            others[3]
                .1
                .delete(&format!("/api/v1/wellbeing/shares/{share_id}"))
                .await
                .0,
            403
        );
        let (st, _) = kim
            .delete(&format!("/api/v1/wellbeing/shares/{share_id}"))
            .await;
        assert_eq!(st, 204);
        let (st, e) = others[3].1.get(&check).await;
        assert_eq!((st, e["code"].as_str()), (403, Some("not_shared")));
        let (st, _) = kim
            .delete(&format!("/api/v1/wellbeing/shares/{share_id}"))
            .await;
        assert_eq!(st, 404, "revoked once");

        // Group reports: HR and counsellors only.
        for (u, a) in &others {
            let (st, _) = a.get("/api/v1/wellbeing/report").await;
            let may = matches!(*u, "hrofficer" | "counsel" | "counsel2");
            assert_eq!(st == 200, may, "{u} report {st}");
        }
        assert_eq!(kim.get("/api/v1/wellbeing/report").await.0, 403);

        // Deletion on request.
        let (st, _) = kim.delete(&check).await;
        assert_eq!(st, 204);
        assert_eq!(kim.get(&check).await.0, 404);
        s.shutdown().await;
    }

    #[tokio::test]
    async fn referrals_plans_invitations_and_deleting_everything(backend) {
        let s = start(backend).await;
        let kim = api(&s, "kim").await;
        let counsel = api(&s, "counsel").await;
        let lee = api(&s, "lee").await;
        let sup = api(&s, "sup").await;
        let kim_id = account_id(&s, "kim").await;

        // A referral to any counsellor: the counsellor sees it; no one else does.
        let (st, e) = kim
            .post("/api/v1/wellbeing/referrals", json!({"kind": "therapy"}))
            .await;
        assert_eq!((st, e["code"].as_str()), (422, Some("invalid_fields")));
        assert!(e["message_en"].as_str().is_some_and(|m| m.contains("therapy")));
        let (st, e) = kim
            .post(
                "/api/v1/wellbeing/referrals",
                json!({"kind": "counselling", "message": "가".repeat(1001)}),
            )
            .await;
        assert_eq!((st, e["code"].as_str()), (400, Some("note_too_long")));
        let (st, r) = kim
            .post(
                "/api/v1/wellbeing/referrals",
                json!({"kind": "healing_program", "message": "오후가 좋습니다"}),
            )
            .await;
        assert_eq!(st, 201, "{r}");
        let rid = r["id"].as_i64().unwrap();
        let (st, inbox) = counsel.get("/api/v1/wellbeing/inbox").await;
        assert_eq!(st, 200);
        assert_eq!(inbox["referrals"][0]["message"], "오후가 좋습니다");
        for a in [&lee, &sup] {
            assert_eq!(a.get("/api/v1/wellbeing/inbox").await.0, 403);
            let (st, _) = a
                .post(
                    &format!("/api/v1/wellbeing/referrals/{rid}/status"),
                    json!({"status": "closed"}),
                )
                .await;
            assert_eq!(st, 403);
            let (_, mine) = a.get("/api/v1/wellbeing/referrals").await;
            assert_eq!(mine, json!([]));
        }
        let (st, _) = kim
            .post(
                &format!("/api/v1/wellbeing/referrals/{rid}/status"),
                json!({"status": "closed"}),
            )
            .await;
        assert_eq!(st, 403, "the status is the counsellor's answer");
        let (st, _) = counsel
            .post(
                &format!("/api/v1/wellbeing/referrals/{rid}/status"),
                json!({"status": "acknowledged"}),
            )
            .await;
        assert_eq!(st, 204);
        let (_, mine) = kim.get("/api/v1/wellbeing/referrals").await;
        assert_eq!(mine[0]["status"], "acknowledged");

        // The plan: private, validated, weekly reminder scheduled.
        let (st, e) = kim
            .post(
                "/api/v1/wellbeing/plan/checkins",
                json!({"actions_done": 0, "mood": 3}),
            )
            .await;
        assert_eq!(st, 409, "{e}");
        let (st, e) = kim
            .put(
                "/api/v1/wellbeing/plan",
                json!({"goals": [], "actions": ["걷기"]}),
            )
            .await;
        assert_eq!((st, e["code"].as_str()), (400, Some("plan_goals")));
        let (st, _) = kim
            .put(
                "/api/v1/wellbeing/plan",
                json!({"goals": ["잠 7시간"], "actions": ["점심 산책", "스트레칭"], "reminder_weekday": 0}),
            )
            .await;
        assert_eq!(st, 204);
        let (st, e) = kim
            .post(
                "/api/v1/wellbeing/plan/checkins",
                json!({"actions_done": 2, "mood": 9}),
            )
            .await;
        assert_eq!((st, e["code"].as_str()), (400, Some("checkin_mood")));
        let (st, _) = kim
            .post(
                "/api/v1/wellbeing/plan/checkins",
                json!({"actions_done": 2, "mood": 4, "note": "좋음"}),
            )
            .await;
        assert_eq!(st, 204);
        let (_, plan) = kim.get("/api/v1/wellbeing/plan").await;
        assert_eq!(plan["plan"]["checkins"][0]["mood"], 4);
        assert!(plan["plan"]["next_reminder_at"].is_string());
        let (_, other) = sup.get("/api/v1/wellbeing/plan").await;
        assert_eq!(
            other["plan"],
            Value::Null,
            "the supervisor sees only their own (none)"
        );

        // An invitation (as the protection capability will send it): only kim sees it.
        let mut tx = s.state.db.begin().await.unwrap();
        sw::invite(
            &mut tx,
            kim_id,
            domain::wellbeing::InvitationReason::RepeatedIncidents,
            store::now(),
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        let (_, invs) = kim.get("/api/v1/wellbeing/invitations").await;
        assert_eq!(invs.as_array().unwrap().len(), 1);
        assert!(invs[0]["message_ko"].as_str().unwrap().contains("본인만"));
        let inv = invs[0]["id"].as_i64().unwrap();
        for a in [&lee, &sup, &counsel] {
            let (_, theirs) = a.get("/api/v1/wellbeing/invitations").await;
            assert_eq!(theirs, json!([]));
            let (st, _) = a
                .post(
                    &format!("/api/v1/wellbeing/invitations/{inv}/dismiss"),
                    json!({}),
                )
                .await;
            assert_eq!(st, 404);
        }
        let admin = api(&s, "admin").await;
        let (_, log) = admin
            .get(&format!("/api/v1/audit?subject=account:{kim_id}&limit=200"))
            .await;
        assert!(
            !log.to_string().contains("invit"),
            "an invitation leaves no individual signal in the log"
        );
        let (st, _) = kim
            .post(
                &format!("/api/v1/wellbeing/invitations/{inv}/dismiss"),
                json!({}),
            )
            .await;
        assert_eq!(st, 204);

        // Delete everything on request; consent too.
        let (st, _) = kim
            .post("/api/v1/wellbeing/consent", json!({"agree": true}))
            .await;
        assert_eq!(st, 204);
        let (st, _) = kim.delete("/api/v1/wellbeing/me").await;
        assert_eq!(st, 204);
        let (_, plan) = kim.get("/api/v1/wellbeing/plan").await;
        assert_eq!(plan["plan"], Value::Null);
        let (_, c) = kim.get("/api/v1/wellbeing/consent").await;
        assert_eq!(c["active"], false);
        let (_, mine) = kim.get("/api/v1/wellbeing/referrals").await;
        assert_eq!(mine, json!([]));
        s.shutdown().await;
    }

    #[tokio::test]
    async fn the_group_report_never_reveals_a_small_group(backend) {
        let s = start(backend).await;
        seed_more(&s).await;
        let db = &s.state.db;
        let b = battery().unwrap();
        // 12 respondents in 민원팀 and 3 directly in 민원과: 민원과 (15) − 민원팀 (12) would
        // reveal 3 people.
        let mut tx = db.begin().await.unwrap();
        let mut people = Vec::new();
        for n in 0..15 {
            let dept = if n < 12 { s.ids.team } else { s.ids.civil };
            let a = accounts::create(
                &mut tx,
                &accounts::NewAccount {
                    username: &format!("staff{n}"),
                    display_name: "직원",
                    email: "",
                    phone: "",
                    role: Role::Official,
                    department_id: Some(dept),
                    password_hash: "x",
                },
                store::now(),
            )
            .await
            .unwrap();
            people.push((a.id, dept));
        }
        for (i, (who, dept)) in people.iter().enumerate() {
            let now = store::now();
            sw::give_consent(&mut tx, *who, now).await.unwrap();
            let (id, _) = sw::start_check(&mut tx, *who, Some(*dept), now)
                .await
                .unwrap();
            for inst in &b.instruments {
                let opts = inst.option_sets.values().next().unwrap();
                let v = opts[i % opts.len()].value;
                sw::submit(
                    &mut tx,
                    id,
                    b,
                    &inst.id,
                    &vec![Some(v); inst.items.len()],
                    now,
                )
                .await
                .unwrap();
            }
        }
        tx.commit().await.unwrap();

        let hr = api(&s, "hrofficer").await;
        let (st, report) = hr.get("/api/v1/wellbeing/report").await;
        assert_eq!(st, 200, "{report}");
        let rows = report["rows"].as_array().unwrap();
        let row = |dept: Option<i64>| {
            rows.iter()
                .find(|r| r["department_id"].as_i64() == dept)
                .unwrap()
        };
        assert_eq!(row(None)["respondents"], 15);
        assert_eq!(row(Some(s.ids.civil))["respondents"], 15);
        assert_eq!(row(Some(s.ids.team))["respondents"], Value::Null);
        assert_eq!(row(Some(s.ids.team))["hidden"], "complementary");
        assert_eq!(row(Some(s.ids.build))["hidden"], "small");
        let phq: i64 = row(None)["distributions"][0]["bands"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| b["count"].as_i64().unwrap())
            .sum();
        assert_eq!(phq, 15);

        // The attacker: every shown row minus any shown rows below it.
        let parent = |d: Option<i64>| -> Option<Option<i64>> {
            let d = d?;
            if d == s.ids.office {
                Some(None)
            } else if d == s.ids.civil || d == s.ids.build {
                Some(Some(s.ids.office))
            } else {
                Some(Some(s.ids.civil))
            }
        };
        let below = |a: Option<i64>, b: Option<i64>| {
            let mut cur = parent(a);
            while let Some(p) = cur {
                if p == b {
                    return true;
                }
                cur = parent(p);
            }
            false
        };
        let shown: Vec<(Option<i64>, i64)> = rows
            .iter()
            .filter_map(|r| Some((r["department_id"].as_i64(), r["respondents"].as_i64()?)))
            .collect();
        for (top, total) in &shown {
            let under: Vec<&(Option<i64>, i64)> =
                shown.iter().filter(|(d, _)| below(*d, *top)).collect();
            for mask in 0u32..(1 << under.len()) {
                let chosen: Vec<_> = (0..under.len())
                    .filter(|i| mask & (1 << i) != 0)
                    .map(|i| under[i])
                    .collect();
                if chosen
                    .iter()
                    .any(|a| chosen.iter().any(|b| a.0 != b.0 && below(a.0, b.0)))
                {
                    continue;
                }
                let diff = total - chosen.iter().map(|(_, n)| n).sum::<i64>();
                assert!(
                    diff == 0 || diff >= 10,
                    "{top:?} minus {chosen:?} reveals {diff} people"
                );
            }
        }
        let (st, e) = hr.get("/api/v1/wellbeing/report?year=1800").await;
        assert_eq!((st, e["code"].as_str()), (400, Some("bad_year")));
        s.shutdown().await;
    }
}

// ---------------------------------------------------------------------------------------------
// Pages

fn page_answers(instrument: &str, v: i64) -> Vec<(String, String)> {
    let n = battery().unwrap().get(instrument).unwrap().items.len();
    let mut f = vec![("instrument".to_string(), instrument.to_string())];
    f.extend((1..=n).map(|i| (format!("q{i}"), v.to_string())));
    f
}

fn as_refs(f: &[(String, String)]) -> Vec<(&str, &str)> {
    f.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
}

store::backend_tests! {
    #[tokio::test]
    async fn the_check_through_the_pages_and_every_role_refused(backend) {
        let s = start(backend).await;
        seed_more(&s).await;
        let kim = browser(&s, "kim").await;

        // The hub says who sees what; without consent the check sends you to the consent page.
        let (st, html, _) = kim.get("/wellbeing").await;
        assert_eq!(st, 200);
        // One language per page, like every other page: Korean first, English by the switch.
        assert!(html.contains("본인만") && !html.contains("Only you see"));
        let (st, html, _) = kim.get("/wellbeing?lang=en").await;
        assert_eq!(st, 200);
        assert!(html.contains("Only you see") && !html.contains("본인만"));
        assert!(html.contains("<html lang=\"en\">"));
        let (_, html, _) = kim.get("/wellbeing?lang=ko").await;
        assert!(html.contains("본인만"));
        let (st, _, to) = kim.post("/wellbeing/checks", &[]).await;
        assert_eq!((st, to.as_deref()), (303, Some("/wellbeing/consent")));
        let (st, html, _) = kim.get("/wellbeing/consent").await;
        assert_eq!(st, 200);
        assert!(html.contains("<label for=\"agree\">"));
        let (st, html, _) = kim.post("/wellbeing/consent", &[]).await;
        assert_eq!(st, 400, "an unticked box is not consent");
        assert!(html.contains("role=\"alert\""));
        let (st, _, _) = kim.post("/wellbeing/consent", &[("agree", "yes")]).await;
        assert_eq!(st, 303);

        // One instrument per page, with a fieldset and legend per item.
        let (st, _, to) = kim.post("/wellbeing/checks", &[]).await;
        assert_eq!(st, 303);
        let to = to.unwrap();
        let id: i64 = to.rsplit('/').next().unwrap().parse().unwrap();
        let (st, html, _) = kim.get(&to).await;
        assert_eq!(st, 200);
        assert!(html.contains("PHQ-9") && html.contains("1단계"));
        assert_eq!(html.matches("<fieldset").count(), 9);
        assert_eq!(html.matches("<legend>").count(), 9);
        // The common chrome's own scripts only (files under /static/, none inline), no styles.
        assert_eq!(
            html.matches("<script").count(),
            html.matches("<script src=\"/static/").count()
        );
        assert!(!html.contains("style="));
        let answers_path = format!("/wellbeing/checks/{id}/answers");

        // Missing answers: the same page again, with the error and the ticks kept.
        let mut partial = page_answers("phq9", 2);
        partial.remove(5);
        let (st, html, _) = kim.post(&answers_path, &as_refs(&partial)).await;
        assert_eq!(st, 400);
        assert!(html.contains("5번") && !html.contains("not answered"), "{html}");
        assert!(html.contains("checked"));
        let mut bad = page_answers("phq9", 2);
        bad[1].1 = "many".into();
        assert_eq!(kim.post(&answers_path, &as_refs(&bad)).await.0, 400);

        // Item 9 = 1: the crisis page at once, with the lines and a counsellor offer.
        let mut phq = page_answers("phq9", 0);
        phq[9].1 = "1".into();
        let (st, html, _) = kim.post(&answers_path, &as_refs(&phq)).await;
        assert_eq!(st, 200);
        for line in ["109", "1577-0199", "112", "119"] {
            assert!(html.contains(&format!("tel:{line}")), "{line}");
        }
        assert!(html.contains("action=\"/wellbeing/referrals\""));
        // A second submission of the same instrument: refused with a page in either language.
        let (st, html, _) = kim.post(&answers_path, &as_refs(&phq)).await;
        assert_eq!(st, 409);
        assert!(html.contains("이미"));
        let in_english = format!("{answers_path}?lang=en");
        let (st, html, _) = kim.post(&in_english, &as_refs(&phq)).await;
        assert_eq!(st, 409);
        assert!(html.contains("already answered"));

        // Pause: the hub offers to resume; the check page shows the next instrument.
        let (_, html, _) = kim.get("/wellbeing").await;
        assert!(html.contains(&format!("/wellbeing/checks/{id}")) && html.contains("이어서 하기"));
        let (_, html, _) = kim.get(&format!("/wellbeing/checks/{id}")).await;
        assert!(html.contains("GAD-7") && html.contains("2단계"));
        for (inst, v) in [("gad7", 1), ("pss10", 2), ("cbi_client", 25)] {
            let (st, _, _) = kim
                .post(&answers_path, &as_refs(&page_answers(inst, v)))
                .await;
            assert_eq!(st, 303, "{inst}");
        }
        let (st, result, _) = kim.get(&format!("/wellbeing/checks/{id}")).await;
        assert_eq!(st, 200);
        assert!(result.contains("진단이 아닙니다") && !result.contains("not a medical diagnosis"));
        // The English page: the instrument's own English wording, bands and next steps.
        let (_, english, _) = kim.get(&format!("/wellbeing/checks/{id}?lang=en")).await;
        assert!(english.contains("not a medical diagnosis") && english.contains(r#"<td data-label="Band">mild</td>"#));
        assert!(english.contains("Generalized Anxiety Disorder") && !english.contains("가벼운 불안 증상"));
        let (_, english, _) = kim.get("/wellbeing?lang=en").await;
        assert!(english.contains("7 (mild)"), "{english}");
        kim.get("/wellbeing?lang=ko").await;
        assert!(result.contains("가벼운 불안 증상"), "GAD-7 7 → mild");
        assert!(
            result.contains("관례적 구간"),
            "PSS and CBI bands are labelled conventions"
        );
        assert!(
            result.contains("tel:109"),
            "the crisis lines stay on the result"
        );
        assert!(result.contains(&format!("/wellbeing/checks/{id}/share")));
        let (_, hub, _) = kim.get("/wellbeing").await;
        assert!(hub.contains("지난 결과") && hub.contains("7 (가벼운 불안 증상)"));

        // Every other role: refused on the result page and on every form that changes it.
        let counsel_id = account_id(&s, "counsel").await.to_string();
        let mut others = Vec::new();
        for u in OTHERS {
            others.push((u, browser(&s, u).await));
        }
        for (u, b) in &others {
            let (st, html, _) = b.get(&format!("/wellbeing/checks/{id}")).await;
            assert_eq!(st, 403, "{u}");
            assert!(!html.contains("가벼운 불안 증상"), "{u} saw a band");
            let (st, _, _) = b
                .post(
                    &format!("/wellbeing/checks/{id}/share"),
                    &[("counsellor_id", &counsel_id), ("purpose", "counselling")],
                )
                .await;
            assert_eq!(st, 403, "{u} share");
            let (st, _, _) = b.post(&format!("/wellbeing/checks/{id}/delete"), &[]).await;
            assert_eq!(st, 403, "{u} delete");
            let (st, _, _) = b
                .post(&answers_path, &as_refs(&page_answers("gad7", 0)))
                .await;
            assert_eq!(st, 403, "{u} answer");
            let (st, html, _) = b.get("/wellbeing").await;
            if *u == "resident" {
                assert_eq!(st, 403);
            } else {
                assert_eq!(st, 200, "{u} has a hub of their own");
                assert!(!html.contains(&format!("/wellbeing/checks/{id}")), "{u}");
            }
            let (st, _, _) = b.get("/wellbeing/report").await;
            assert_eq!(
                st == 200,
                matches!(*u, "hrofficer" | "counsel" | "counsel2"),
                "{u} report"
            );
            let (st, _, _) = b.get("/wellbeing/counsellor").await;
            assert_eq!(st == 200, matches!(*u, "counsel" | "counsel2"), "{u} inbox");
        }
        let (st, _, _) = kim.get("/wellbeing/report").await;
        assert_eq!(st, 403);
        // kim's hub tells her who tried.
        let (_, hub, _) = kim.get("/wellbeing").await;
        assert!(hub.contains("열람 시도 — 거부됨") && hub.contains("sup 이름"));
        // Bad ids and forms: pages in the reader's language, not plain text.
        let (st, html, _) = kim.get("/wellbeing/checks/abc").await;
        assert_eq!(st, 400);
        assert!(html.contains("번호가 올바르지 않습니다"));
        let (st, html, _) = kim.get("/wellbeing/checks/abc?lang=en").await;
        assert_eq!(st, 400);
        assert!(html.contains("not a number"));
        let (st, html, _) = kim
            .post(
                &format!("/wellbeing/checks/{id}/share"),
                &[("purpose", "counselling")],
            )
            .await;
        assert_eq!(st, 400);
        assert!(html.contains("상담사를 목록에서"));

        // Shared with counsel through the page: counsel reads, counsel2 and the rest do not.
        let (st, _, _) = kim
            .post(
                &format!("/wellbeing/checks/{id}/share"),
                &[("counsellor_id", &counsel_id), ("purpose", "counselling")],
            )
            .await;
        assert_eq!(st, 303);
        for (u, b) in &others {
            let (st, html, _) = b.get(&format!("/wellbeing/checks/{id}")).await;
            if *u == "counsel" {
                assert_eq!(st, 200);
                assert!(html.contains("가벼운 불안 증상") && html.contains("상담"));
                assert!(
                    !html.contains("/share\""),
                    "no sharing on for the counsellor"
                );
                let (_, inbox, _) = b.get("/wellbeing/counsellor").await;
                assert!(inbox.contains(&format!("/wellbeing/checks/{id}")));
            } else {
                assert_eq!(st, 403, "{u} after sharing with counsel");
            }
        }
        // Revoke through the page.
        let (_, result, _) = kim.get(&format!("/wellbeing/checks/{id}")).await;
        let share_id: i64 = result
            .split("/wellbeing/shares/")
            .nth(1)
            .and_then(|r| r.split('/').next())
            .unwrap()
            .parse()
            .unwrap();
        let (st, _, _) = others[3]
            .1
            .post(&format!("/wellbeing/shares/{share_id}/revoke"), &[])
            .await;
        assert_eq!(st, 403, "counsel cannot revoke for kim");
        let (st, _, _) = kim
            .post(&format!("/wellbeing/shares/{share_id}/revoke"), &[])
            .await;
        assert_eq!(st, 303);
        assert_eq!(
            others[3].1.get(&format!("/wellbeing/checks/{id}")).await.0,
            403
        );

        // The plan page: a bad plan is refused in both languages, a good one saved.
        let (st, html, _) = kim
            .post("/wellbeing/plan", &[("goals", ""), ("actions", "걷기")])
            .await;
        assert_eq!(st, 400);
        assert!(html.contains("목표") && html.contains("goals"));
        let (st, _, _) = kim
            .post(
                "/wellbeing/plan",
                &[
                    ("goals", "잠 7시간"),
                    ("actions", "걷기\n스트레칭"),
                    ("reminder_weekday", "2"),
                    ("reminder_hour", "8"),
                ],
            )
            .await;
        assert_eq!(st, 303);
        let (st, _, _) = kim
            .post(
                "/wellbeing/plan/checkin",
                &[("actions_done", "1"), ("mood", "4")],
            )
            .await;
        assert_eq!(st, 303);
        let (_, html, _) = kim.get("/wellbeing/plan").await;
        assert!(html.contains("스트레칭") && html.contains("1/2"));
        let (_, html, _) = others[1].1.get("/wellbeing/plan").await;
        assert!(
            !html.contains("스트레칭"),
            "the supervisor never sees kim's plan"
        );

        // A second check, worse on anxiety: the trend says so.
        let kim_api = api(&s, "kim").await;
        kim_completes(&kim_api).await;
        let (_, hub, _) = kim.get("/wellbeing").await;
        assert!(hub.contains("21 (심한 불안 증상) ▲14 나빠짐"), "{hub}");

        // Delete through the page: it asks first, on a page of its own.
        let (_, result, _) = kim.get(&format!("/wellbeing/checks/{id}")).await;
        assert!(result.contains(&format!("href=\"/wellbeing/checks/{id}/delete\"")));
        assert!(!result.contains(&format!("action=\"/wellbeing/checks/{id}/delete\"")));
        let (st, confirm, _) = kim.get(&format!("/wellbeing/checks/{id}/delete")).await;
        assert_eq!(st, 200);
        assert!(confirm.contains("되살릴 수 없습니다") && confirm.contains("name=\"confirm\""));
        // Without the tick: the question again with the reason next to the box, nothing gone.
        let (st, again, _) = kim
            .post(&format!("/wellbeing/checks/{id}/delete"), &[])
            .await;
        assert_eq!(st, 400);
        assert!(again.contains("id=\"confirm-error\"") && again.contains("aria-invalid"));
        assert_eq!(kim.get(&format!("/wellbeing/checks/{id}")).await.0, 200);
        let (st, again, _) = kim
            .post(&format!("/wellbeing/checks/{id}/delete?lang=en"), &[])
            .await;
        assert_eq!(st, 400);
        assert!(again.contains("Tick the box"));
        kim.get("/wellbeing?lang=ko").await;
        // Nobody else gets the question either.
        let (st, _, _) = others[1].1.get(&format!("/wellbeing/checks/{id}/delete")).await;
        assert_eq!(st, 403);
        let (st, _, to) = kim
            .post(&format!("/wellbeing/checks/{id}/delete"), &[("confirm", "yes")])
            .await;
        assert_eq!(st, 303);
        let to = to.unwrap();
        assert_eq!(kim.get(&format!("/wellbeing/checks/{id}")).await.0, 404);
        let (_, hub, _) = kim.get(&to).await;
        assert!(hub.contains("결과를 삭제했습니다"), "{hub}");
        // A forged notice about a result that still exists says nothing.
        let (_, all_checks) = kim_api.get("/api/v1/wellbeing/checks").await;
        let kept = all_checks[0]["id"].as_i64().unwrap();
        let (_, hub, _) = kim.get(&format!("/wellbeing?deleted={kept}")).await;
        assert!(!hub.contains("결과를 삭제했습니다"));

        // Everything: the typed word first.
        let (st, confirm, _) = kim.get("/wellbeing/delete-all").await;
        assert_eq!(st, 200);
        assert!(confirm.contains("검사 결과 1건") && confirm.contains("name=\"confirm_word\""));
        let (st, again, _) = kim
            .post("/wellbeing/delete-all", &[("confirm_word", "네")])
            .await;
        assert_eq!(st, 400);
        assert!(again.contains("id=\"confirm-error\"") && again.contains("value=\"네\""));
        let (_, hub, _) = kim.get("/wellbeing").await;
        assert!(hub.contains("지난 결과") && hub.contains(&format!("/wellbeing/checks/{kept}")));
        let (st, _, to) = kim
            .post("/wellbeing/delete-all", &[("confirm_word", " 삭제 ")])
            .await;
        assert_eq!((st, to.as_deref()), (303, Some("/wellbeing?deleted=all")));
        let (_, hub, _) = kim.get("/wellbeing?deleted=all").await;
        assert!(hub.contains("모든 마음건강 기록을 삭제했습니다"));
        assert!(!hub.contains(&format!("/wellbeing/checks/{kept}")));
        s.shutdown().await;
    }

    #[tokio::test]
    async fn the_maintenance_job_purges_old_records_and_stops(backend) {
        let s = start(backend).await;
        let kim = api(&s, "kim").await;
        let id = kim_completes(&kim).await;
        let kim_id = account_id(&s, "kim").await;
        let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
        let job = tokio::spawn(web::wellbeing::api::run_maintenance(
            s.state.db.clone(),
            std::time::Duration::from_secs(3600),
            // Six years from now, today's check is past the 5-year retention.
            || store::now() + chrono::Duration::days(6 * 366),
            stop_rx,
        ));
        // The first round runs at once.
        let mut gone = false;
        for _ in 0..50 {
            if sw::get_check(&s.state.db, id).await.is_err() {
                gone = true;
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        assert!(gone, "a check older than 5 years is purged");
        assert!(
            sw::list_checks(&s.state.db, kim_id)
                .await
                .unwrap()
                .is_empty()
        );
        stop_tx.send(true).unwrap();
        job.await.unwrap();
        s.shutdown().await;
    }
}
