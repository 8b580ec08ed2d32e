//! Programs over HTTP (issue 17, items 1-3 and 10): who may see and do what, per role; bad
//! input answered in both languages with nothing written; the waitlist promoted through the
//! API; the calendar feed at a renewable secret address.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::common::{add_staff, api, bilingual, browser, client, start};
use domain::office::accounts::Role;
use serde_json::{Value, json};

fn in_days(n: i64) -> String {
    (calendar::to_seoul(store::now()).date_naive() + chrono::Duration::days(n)).to_string()
}

fn program() -> Value {
    json!({
        "kind": "healing", "title": "민원공무원 힐링 프로그램", "recognised_minutes": 1260,
        "category": "workplace", "approval_required": true, "capacity_default": 2,
        "modules": [{"title": "숲길 걷기", "starts": "10:00:00", "ends": "12:00:00"}]
    })
}

fn session(capacity: i64) -> Value {
    json!({
        "label": "1기", "delivery": "in_person", "venue": "치유원", "capacity": capacity,
        "days": [{"day": in_days(10), "starts": "09:00:00", "ends": "18:00:00"},
                 {"day": in_days(11), "starts": "09:00:00", "ends": "17:00:00"}]
    })
}

async fn count(s: &crate::common::Server, table: &str) -> i64 {
    let sql = format!("SELECT COUNT(*) FROM {table}");
    let (n,) = store::fetch_one!(&s.state.db, (i64,), sqlx::AssertSqlSafe(sql)).unwrap();
    n
}

async fn programs_by_role(backend: &str) {
    let s = start(backend).await;
    add_staff(
        &s,
        &[("trainer", Role::TrainingOfficer, s.ids.office)],
        "010-1111-2222",
    )
    .await;
    let trainer = api(&s, "trainer").await;
    let kim = api(&s, "kim").await; // 민원팀, under 민원과
    let lee = api(&s, "lee").await; // 건설과
    let sup = api(&s, "sup").await; // 민원과's supervisor
    let resident = api(&s, "resident").await;

    // Only the training officer writes the catalogue; bad input is refused, nothing written.
    let (st, body) = kim.post("/api/v1/programs", program()).await;
    assert_eq!(st, 403, "{body}");
    let mut bad = program();
    bad["title"] = json!(" ");
    let (st, body) = trainer.post("/api/v1/programs", bad).await;
    assert_eq!(
        (st, body["code"].as_str()),
        (400, Some("title_required")),
        "{body}"
    );
    bilingual(&body);
    assert_eq!(count(&s, "programs").await, 0);
    let (st, p) = trainer.post("/api/v1/programs", program()).await;
    assert_eq!(st, 201, "{p}");
    let pid = p["program"]["id"].as_i64().unwrap();

    // A session in the past or that ends before it starts: a clear answer, nothing written.
    let mut past = session(2);
    past["days"] = json!([{"day": in_days(-1), "starts": "09:00:00", "ends": "18:00:00"}]);
    let (st, body) = trainer
        .post(&format!("/api/v1/programs/{pid}/sessions"), past)
        .await;
    assert_eq!(
        (st, body["code"].as_str()),
        (400, Some("day_in_past")),
        "{body}"
    );
    bilingual(&body);
    let mut reversed = session(2);
    reversed["days"] = json!([{"day": in_days(5), "starts": "18:00:00", "ends": "09:00:00"}]);
    let (st, body) = trainer
        .post(&format!("/api/v1/programs/{pid}/sessions"), reversed)
        .await;
    assert_eq!(
        (st, body["code"].as_str()),
        (400, Some("ends_before_start")),
        "{body}"
    );
    assert_eq!(count(&s, "program_sessions").await, 0);
    let (st, sess) = trainer
        .post(&format!("/api/v1/programs/{pid}/sessions"), session(1))
        .await;
    assert_eq!(st, 201, "{sess}");
    let sid = sess["id"].as_i64().unwrap();

    // Staff read the catalogue; a resident reads nothing.
    assert_eq!(kim.get("/api/v1/programs").await.0, 200);
    assert_eq!(resident.get("/api/v1/programs").await.0, 403);
    assert_eq!(
        resident
            .post(
                &format!("/api/v1/programs/sessions/{sid}/enrolments"),
                json!({})
            )
            .await
            .0,
        403
    );

    // kim asks (approval needed); twice is refused in both languages.
    let enrol = format!("/api/v1/programs/sessions/{sid}/enrolments");
    let (st, e) = kim.post(&enrol, json!({})).await;
    assert_eq!((st, e["state"].as_str()), (201, Some("requested")), "{e}");
    let kim_enrolment = e["id"].as_i64().unwrap();
    let (st, body) = kim.post(&enrol, json!({})).await;
    assert_eq!(
        (st, body["code"].as_str()),
        (400, Some("already_enrolled")),
        "{body}"
    );
    bilingual(&body);

    // Approval: not kim themselves, not lee, not a supervisor of another division; the
    // supervisor of 민원과 may.
    let decide = format!("/api/v1/programs/enrolments/{kim_enrolment}/decision");
    assert_eq!(kim.post(&decide, json!({"approve": true})).await.0, 403);
    assert_eq!(lee.post(&decide, json!({"approve": true})).await.0, 403);
    let (_, waiting) = sup.get("/api/v1/programs/approvals").await;
    assert_eq!(waiting.as_array().unwrap().len(), 1, "{waiting}");
    assert_eq!(lee.get("/api/v1/programs/approvals").await.0, 403);
    let (st, e) = sup.post(&decide, json!({"approve": true})).await;
    assert_eq!((st, e["state"].as_str()), (200, Some("enrolled")), "{e}");

    // lee cannot nominate kim's colleague nor cancel kim's place; the supervisor cannot
    // nominate lee (another division); the training officer can. The session is full: lee waits.
    assert_eq!(
        lee.post(
            &format!("/api/v1/programs/enrolments/{kim_enrolment}/cancel"),
            json!({})
        )
        .await
        .0,
        403
    );
    let lee_id = store::office::accounts::find_by_username(&s.state.db, "lee")
        .await
        .unwrap()
        .id;
    assert_eq!(sup.post(&enrol, json!({"account_id": lee_id})).await.0, 403);
    let (st, e) = trainer.post(&enrol, json!({"account_id": lee_id})).await;
    assert_eq!(
        (st, e["state"].as_str(), e["waitlist_position"].as_i64()),
        (201, Some("waitlisted"), Some(1)),
        "{e}"
    );
    let lee_enrolment = e["id"].as_i64().unwrap();

    // Only the training officer reads the roster.
    assert_eq!(
        kim.get(&format!("/api/v1/programs/sessions/{sid}/roster"))
            .await
            .0,
        403
    );
    let (_, roster) = trainer
        .get(&format!("/api/v1/programs/sessions/{sid}/roster"))
        .await;
    assert_eq!(roster.as_array().unwrap().len(), 2);

    // kim cancels: lee is promoted at once and told.
    let (st, c) = kim
        .post(
            &format!("/api/v1/programs/enrolments/{kim_enrolment}/cancel"),
            json!({}),
        )
        .await;
    assert_eq!(st, 200, "{c}");
    assert_eq!(c["promoted"], json!([lee_enrolment]));
    let (_, mine) = lee.get("/api/v1/programs/enrolments").await;
    assert_eq!(mine[0]["state"], "enrolled");
    let told: (i64,) = store::fetch_one!(
        &s.state.db, (i64,),
        "SELECT COUNT(*) FROM outbox WHERE recipient = 'lee@example.kr' AND subject LIKE '%a place is yours%'"
    ).unwrap();
    assert_eq!(told.0, 1);

    // The session's change and cancellation: the officer only; everyone holding a place told.
    assert_eq!(
        kim.put(&format!("/api/v1/programs/sessions/{sid}"), session(3))
            .await
            .0,
        403
    );
    let (st, ch) = trainer
        .put(&format!("/api/v1/programs/sessions/{sid}"), session(3))
        .await;
    assert_eq!((st, ch["told"].as_i64()), (200, Some(1)), "{ch}");
    assert_eq!(
        kim.post(
            &format!("/api/v1/programs/sessions/{sid}/cancel"),
            json!({"reason": "x"})
        )
        .await
        .0,
        403
    );
    let (st, body) = trainer
        .post(
            &format!("/api/v1/programs/sessions/{sid}/cancel"),
            json!({"reason": " "}),
        )
        .await;
    assert_eq!(
        (st, body["code"].as_str()),
        (400, Some("reason_required")),
        "{body}"
    );
    let (st, body) = trainer
        .post(
            &format!("/api/v1/programs/sessions/{sid}/cancel"),
            json!({"reason": "강사 사정"}),
        )
        .await;
    assert_eq!((st, body["told"].as_i64()), (200, Some(1)), "{body}");

    // A calendar address: renewing ends the old one; an unknown token is a 404.
    let (_, first) = lee.post("/api/v1/programs/calendar", json!({})).await;
    let first = first["path"].as_str().unwrap().to_string();
    let feed = client().get(s.url(&first)).send().await.unwrap();
    assert_eq!(feed.status(), 200);
    assert!(
        feed.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/calendar")
    );
    let text = feed.text().await.unwrap();
    assert!(
        text.contains("BEGIN:VEVENT") && text.contains("TZID=Asia/Seoul"),
        "{text}"
    );
    assert!(text.contains("STATUS:CANCELLED"), "{text}");
    let (_, second) = lee.post("/api/v1/programs/calendar", json!({})).await;
    let second = second["path"].as_str().unwrap().to_string();
    assert_eq!(
        client().get(s.url(&first)).send().await.unwrap().status(),
        404
    );
    assert_eq!(
        client().get(s.url(&second)).send().await.unwrap().status(),
        200
    );
    let program_feed = second.replace(".ics", &format!("/program/{pid}.ics"));
    assert_eq!(
        client()
            .get(s.url(&program_feed))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    s.shutdown().await;
}

#[tokio::test]
async fn programs_by_role_sqlite() {
    programs_by_role("sqlite").await;
}

#[tokio::test]
async fn programs_by_role_postgres() {
    if std::env::var("MINWON_TEST_POSTGRES_URL").is_err() {
        assert!(
            std::env::var("MINWON_REQUIRE_POSTGRES").is_err(),
            "PostgreSQL required"
        );
        eprintln!("skipped: MINWON_TEST_POSTGRES_URL not set");
        return;
    }
    programs_by_role("postgres").await;
}

#[tokio::test]
async fn the_pages_open_to_whom_the_policy_permits() {
    let s = start("sqlite").await;
    add_staff(
        &s,
        &[("trainer", Role::TrainingOfficer, s.ids.office)],
        "010-1111-2222",
    )
    .await;
    for (user, path, status) in [
        ("kim", "/programs", 200),
        ("kim", "/programs/office", 403),
        ("kim", "/programs/office/new", 403),
        ("sup", "/programs/approvals", 200),
        ("sup", "/programs/office", 403),
        ("trainer", "/programs/office", 200),
        ("trainer", "/programs/office/new", 200),
        ("trainer", "/programs/office/999", 404),
        ("trainer", "/programs/approvals", 200),
        ("resident", "/programs", 403),
    ] {
        let b = browser(&s, user).await;
        let (st, html, _) = b.get(path).await;
        assert_eq!(st, status, "{user} {path}");
        if st == 200 {
            assert!(html.contains("lang=\"ko\""), "{user} {path}");
        }
    }
    // A bad program form: errors beside the fields, everything typed kept, nothing written.
    let b = browser(&s, "trainer").await;
    let (st, html, _) = b
        .post(
            "/programs/office/new",
            &[
                ("kind", "healing"),
                ("title", ""),
                ("recognised_hours", "abc"),
                ("description", "숲길 걷기"),
                ("category", "workplace"),
                ("min_attended_percent", "80"),
            ],
        )
        .await;
    assert_eq!(st, 422);
    assert!(html.contains("id=\"p-title-error\""), "{html}");
    assert!(html.contains("id=\"p-recognised_minutes-error\""));
    assert!(html.contains(">숲길 걷기</textarea>"));
    assert_eq!(count(&s, "programs").await, 0);
    s.shutdown().await;
}
