//! Officials' assistance over real HTTP, on SQLite and (when configured) PostgreSQL: the routing
//! suggestion made at intake and the abuse screening in the API, the queue and the petition
//! page; corrections by assigning elsewhere and by the explicit action; draft answers built in
//! and through an OpenAI-compatible endpoint — a real axum server on a real socket in this test —
//! with the prompt masked, every exchange logged, and failures falling back.
//!
//! The office's routing model is process-wide: the story's twins (and nothing else here) take
//! `ROUTER` so that one never removes the model under the other.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::State;
use axum::routing::post;
use common::{Server, client, session, start_with};
use serde_json::{Value, json};
use store::petitions::suggestions;
use web::WebConfig;
use web::petitions::assist::DraftEndpoint;

/// What the fake model server does with each request.
#[derive(Clone, Copy, PartialEq)]
enum Mode {
    Answer,
    Slow,
    Broken,
}

#[derive(Clone)]
struct Fake {
    mode: Arc<Mutex<Mode>>,
    seen: Arc<Mutex<Vec<Value>>>,
}

async fn completions(
    State(f): State<Fake>,
    axum::Json(body): axum::Json<Value>,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    f.seen.lock().unwrap().push(body);
    let mode = *f.mode.lock().unwrap();
    match mode {
        Mode::Answer => axum::Json(json!({
            "id": "chatcmpl-1", "object": "chat.completion",
            "choices": [{"index": 0, "finish_reason": "stop",
                         "message": {"role": "assistant", "content": "석봉로 포트홀은 이번 주에 보수하겠습니다."}}]
        }))
        .into_response(),
        Mode::Slow => {
            tokio::time::sleep(Duration::from_secs(5)).await;
            axum::Json(json!({"choices": []})).into_response()
        }
        Mode::Broken => (axum::http::StatusCode::INTERNAL_SERVER_ERROR, "boom").into_response(),
    }
}

async fn fake_model() -> (String, Fake) {
    let f = Fake {
        mode: Arc::new(Mutex::new(Mode::Answer)),
        seen: Arc::new(Mutex::new(Vec::new())),
    };
    let app = axum::Router::new()
        .route("/v1/chat/completions", post(completions))
        .with_state(f.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (base, f)
}

async fn call(
    s: &Server,
    token: &str,
    method: &str,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let req = match method {
        "GET" => client().get(s.url(path)),
        _ => client().post(s.url(path)),
    }
    .bearer_auth(token);
    let req = match body {
        Some(b) => req.json(&b),
        None => req,
    };
    let res = req.send().await.unwrap();
    let st = res.status().as_u16();
    let text = res.text().await.unwrap();
    (
        st,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

/// The session's form token as a page renders it.
fn form_token(html: &str) -> String {
    let marker = "name=\"csrf_token\" value=\"";
    let at = html.find(marker).expect("a form with a token") + marker.len();
    html[at..].split('"').next().unwrap().to_string()
}

fn office_router() -> text::Router {
    let mut exs = Vec::new();
    for (texts, label) in [
        (store::testing::ROAD_TEXTS, "build"),
        (store::testing::PAPER_TEXTS, "civil-team"),
    ] {
        for place in ["석봉로", "가평읍", "청평면"] {
            for (title, body) in texts {
                exs.push(text::RoutingExample {
                    text: format!("{title}\n{}", body.replace("{place}", place)),
                    label: label.into(),
                    weight: 1.0,
                });
            }
        }
    }
    text::train_routing(&exs, &text::routing::RoutingTrainOptions::default()).unwrap()
}

/// Held while a story installs, uses or removes the process-wide routing model.
static ROUTER: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

store::backend_tests! {
    #[tokio::test]
    async fn suggestion_correction_and_drafts(backend) {
        let _router = ROUTER.lock().await;
        let (model_base, fake) = fake_model().await;
        let router = office_router();
        let version = router.version().to_string();
        suggestions::install_router(Some(router));
        let s = start_with(
            backend,
            WebConfig {
                rate_per_minute: 0,
                drafting: Some(DraftEndpoint {
                    base_url: model_base.clone(),
                    model: "local-test-model".into(),
                    timeout: Duration::from_secs(1),
                }),
                ..WebConfig::default()
            },
        )
        .await;
        let admin = s.token("admin").await;
        let kim = s.token("kim").await; // official, 민원팀 (civil-team)
        let resident = s.token("resident").await;
        let (st, ty) = call(
            &s,
            &admin,
            "POST",
            "/api/v1/petition-types",
            Some(json!({"code": "grievance", "name": "고충민원", "kind": "grievance",
                        "department_code": "civil-team",
                        "templates": [{"name": "기본", "text": "{name}님께, {answer}\n담당: {department}"}]})),
        )
        .await;
        assert_eq!(st, 201, "{ty}");
        let type_id = ty["id"].as_i64().unwrap();
        let file = |title: &str, body: &str| {
            json!({"type_id": type_id, "title": title, "body": body,
                   "petitioner": {"name": "홍길동", "phone": "010-2222-3333"}})
        };
        let (st, p) = call(
            &s,
            &resident,
            "POST",
            "/api/v1/petitions",
            Some(file(
                "포트홀 신고",
                "석봉로 도로에 포트홀이 생겼습니다. 연락은 010-2222-3333 홍길동",
            )),
        )
        .await;
        assert_eq!(st, 201, "{p}");
        let id = p["id"].as_i64().unwrap();

        // The suggestion and the screening, for staff only.
        let (st, a) = call(
            &s,
            &kim,
            "GET",
            &format!("/api/v1/petitions/{id}/assist"),
            None,
        )
        .await;
        assert_eq!(st, 200, "{a}");
        assert_eq!(a["suggestion"]["department_code"], "build");
        assert_eq!(a["suggestion"]["department_name"], "건설과");
        assert_eq!(a["suggestion"]["model_version"], version.as_str());
        let score = a["suggestion"]["score"].as_f64().unwrap();
        assert!(score > 0.5 && score <= 1.0);
        assert_eq!(a["screening"]["abusive"], false);
        assert!(
            a["screening"]["model_version"]
                .as_str()
                .unwrap()
                .starts_with("abuse-")
        );
        let (st, _) = call(
            &s,
            &resident,
            "GET",
            &format!("/api/v1/petitions/{id}/assist"),
            None,
        )
        .await;
        assert_eq!(st, 403);
        let (st, _) = call(&s, &kim, "GET", "/api/v1/petitions/999999/assist", None).await;
        assert_eq!(st, 404);

        // Queue and petition page show both.
        let cookie = session(&s, "kim").await;
        let page = |path: String| {
            let cookie = cookie.clone();
            let s = &s;
            async move {
                let res = client()
                    .get(s.url(&path))
                    .header("cookie", cookie)
                    .send()
                    .await
                    .unwrap();
                (res.status().as_u16(), res.text().await.unwrap())
            }
        };
        let (st, html) = page("/desk".into()).await;
        assert_eq!(st, 200);
        assert!(html.contains("분류 제안"), "queue shows the suggestion");
        assert!(html.contains("건설과 "), "{html}");
        let (st, html) = page(format!("/desk/petitions/{id}")).await;
        assert_eq!(st, 200);
        assert!(html.contains("id=\"routing-suggestion\""));
        // In words ("건설과 (가능성 …)"); the probability and model version on demand (issue 16).
        assert!(html.contains("건설과 (가능성"), "{html}");
        let detail = html.split("id=\"routing-detail\">").nth(1).unwrap();
        assert!(detail.split("</p>").next().unwrap().contains(&version));
        assert!(html.contains("id=\"abuse-score\""));
        assert!(html.contains("id=\"abuse-detail\""));
        let csrf = form_token(&html);
        assert!(
            html.contains(
                "/desk/petitions/{id}/routing"
                    .replace("{id}", &id.to_string())
                    .as_str()
            )
        );

        // Receiving and assigning it to 민원팀, not the suggested 건설과, records a correction.
        for body in [
            json!({"action": "receive"}),
            json!({"action": "assign", "department_code": "civil-team"}),
        ] {
            let (st, v) = call(
                &s,
                &kim,
                "POST",
                &format!("/api/v1/petitions/{id}/actions"),
                Some(body),
            )
            .await;
            assert_eq!(st, 200, "{v}");
        }
        let c = suggestions::corrections(&s.state.db, Some(id))
            .await
            .unwrap();
        assert_eq!(c.len(), 1);
        assert_eq!(
            (c[0].suggested_label.as_str(), c[0].corrected_code.as_str()),
            ("build", "civil-team")
        );
        assert!(c[0].actor_id.is_some());
        assert!(
            !c[0].text.contains("홍길동") && !c[0].text.contains("2222-3333"),
            "{}",
            c[0].text
        );

        // The explicit correction: API and page; bad input is a clear 4xx.
        let path = format!("/api/v1/petitions/{id}/routing-correction");
        let (st, v) = call(
            &s,
            &kim,
            "POST",
            &path,
            Some(json!({"department_code": "build"})),
        )
        .await;
        assert_eq!(
            (st, v["recorded"].clone()),
            (200, json!(false)),
            "agreeing records nothing"
        );
        let (st, v) = call(
            &s,
            &kim,
            "POST",
            &path,
            Some(json!({"department_code": "nope"})),
        )
        .await;
        assert_eq!((st, v["code"].as_str()), (400, Some("unknown_department")));
        let (st, v) = call(
            &s,
            &kim,
            "POST",
            &path,
            Some(json!({"department_code": ""})),
        )
        .await;
        assert_eq!((st, v["code"].as_str()), (400, Some("missing_field")));
        let (st, _) = call(&s, &kim, "POST", &path, Some(json!({}))).await;
        assert_eq!(st, 422);
        let (st, _) = call(
            &s,
            &resident,
            "POST",
            &path,
            Some(json!({"department_code": "civil-team"})),
        )
        .await;
        assert_eq!(st, 403);
        let res = client()
            .post(s.url(&format!("/desk/petitions/{id}/routing")))
            .header("cookie", &cookie)
            .form(&[
                ("csrf_token", csrf.as_str()),
                ("department_code", "civil-team"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 303, "{}", res.text().await.unwrap());
        assert_eq!(
            suggestions::corrections(&s.state.db, Some(id))
                .await
                .unwrap()
                .len(),
            2
        );

        // A petition filed without a model has nothing to correct.
        suggestions::install_router(None);
        let (_, q) = call(
            &s,
            &resident,
            "POST",
            "/api/v1/petitions",
            Some(file("등본", "등본 발급 문의")),
        )
        .await;
        let qid = q["id"].as_i64().unwrap();
        let (st, a) = call(
            &s,
            &kim,
            "GET",
            &format!("/api/v1/petitions/{qid}/assist"),
            None,
        )
        .await;
        assert_eq!((st, a["suggestion"].clone()), (200, Value::Null));
        let (st, v) = call(
            &s,
            &kim,
            "POST",
            &format!("/api/v1/petitions/{qid}/routing-correction"),
            Some(json!({"department_code": "build"})),
        )
        .await;
        assert_eq!((st, v["code"].as_str()), (409, Some("no_suggestion")));
        suggestions::install_router(Some(office_router()));

        // Drafts through the model: the prompt carries the template and similar answered
        // petitions, masked; the answer comes back marked as a draft; the exchange is logged.
        let (st, other) = call(
            &s,
            &resident,
            "POST",
            "/api/v1/petitions",
            Some(file("도로 포트홀", "가평읍 도로에 포트홀이 있습니다")),
        )
        .await;
        assert_eq!(st, 201);
        let oid = other["id"].as_i64().unwrap();
        for body in [
            json!({"action": "receive"}),
            json!({"action": "answer", "text": "가평읍 포트홀은 보수를 마쳤습니다."}),
        ] {
            let (st, v) = call(
                &s,
                &kim,
                "POST",
                &format!("/api/v1/petitions/{oid}/actions"),
                Some(body),
            )
            .await;
            assert_eq!(st, 200, "{v}");
        }
        let draft_path = format!("/api/v1/petitions/{id}/draft");
        let (st, d) = call(&s, &kim, "POST", &draft_path, Some(json!({}))).await;
        assert_eq!(st, 200, "{d}");
        assert_eq!(d["from_model"], true);
        assert_eq!(d["model"], "local-test-model");
        let t = d["text"].as_str().unwrap();
        assert!(t.starts_with(text::draft::DRAFT_BANNER), "{t}");
        assert!(t.contains("이번 주에 보수하겠습니다"));
        assert_eq!(d["sources"], json!(["도로 포트홀"]));
        let sent = fake.seen.lock().unwrap().last().cloned().unwrap();
        assert_eq!(sent["model"], "local-test-model");
        let prompt = sent["messages"].to_string();
        assert!(prompt.contains("석봉로 도로에 포트홀"), "{prompt}");
        assert!(
            prompt.contains("가평읍 포트홀은 보수를 마쳤습니다"),
            "similar answer sent"
        );
        assert!(prompt.contains("{answer}"), "template sent with its slot");
        assert!(
            !prompt.contains("홍길동") && !prompt.contains("2222-3333"),
            "{prompt}"
        );
        assert!(prompt.contains("010-****-3333"));
        let log = suggestions::drafts(&s.state.db, id).await.unwrap();
        assert_eq!(log.len(), 1);
        assert_eq!(
            (log[0].outcome.as_str(), log[0].model.as_str()),
            ("ok", "local-test-model")
        );
        assert!(log[0].output.contains("보수하겠습니다"));
        assert!(log[0].prompt.contains("석봉로"));
        assert!(log[0].endpoint.ends_with("/v1/chat/completions"));
        assert!(log[0].actor_id.is_some());

        // Failure and timeout fall back to the built-in draft with a note, and are logged.
        for (mode, why) in [(Mode::Broken, "HTTP 500"), (Mode::Slow, "timed out")] {
            *fake.mode.lock().unwrap() = mode;
            let (st, d) = call(
                &s,
                &kim,
                "POST",
                &draft_path,
                Some(json!({"template": "기본"})),
            )
            .await;
            assert_eq!(st, 200, "{d}");
            assert_eq!(d["from_model"], false);
            assert!(d["note"].as_str().unwrap().contains(why), "{d}");
            let t = d["text"].as_str().unwrap();
            assert!(t.starts_with(text::draft::DRAFT_BANNER));
            // The answer goes to the petitioner: their own name (issue 14).
            assert!(
                t.contains("홍길동님께"),
                "template filled with the real name: {t}"
            );
            // Another petitioner's answer is beside the draft, never in it.
            assert!(
                !t.contains("가평읍 포트홀은 보수를 마쳤습니다"),
                "similar answer kept out of the text: {t}"
            );
            assert!(
                d["similar"][0]["answer"]
                    .as_str()
                    .unwrap()
                    .contains("가평읍 포트홀은 보수를 마쳤습니다"),
                "{d}"
            );
            let last = suggestions::drafts(&s.state.db, id)
                .await
                .unwrap()
                .pop()
                .unwrap();
            assert_eq!(last.outcome, "fallback");
            assert!(last.error.contains(why), "{}", last.error);
        }
        *fake.mode.lock().unwrap() = Mode::Answer;
        let (st, v) = call(
            &s,
            &kim,
            "POST",
            &draft_path,
            Some(json!({"template": "없는 서식"})),
        )
        .await;
        assert_eq!((st, v["code"].as_str()), (400, Some("unknown_template")));
        let (st, _) = call(&s, &resident, "POST", &draft_path, Some(json!({}))).await;
        assert_eq!(st, 403);

        // The page's draft button puts the draft into the answer form.
        let res = client()
            .post(s.url(&format!("/desk/petitions/{id}/draft")))
            .header("cookie", &cookie)
            .form(&[("csrf_token", csrf.as_str()), ("template", "기본")])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        let html = res.text().await.unwrap();
        assert!(html.contains("이번 주에 보수하겠습니다"), "{html}");
        assert!(html.contains("초안"));
        s.shutdown().await;
        suggestions::install_router(None);
    }
}
