//! A real server on 127.0.0.1:0 over a fresh database, driven over real HTTP.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use domain::office::accounts::Role;
use serde_json::Value;
use store::testing::TestDb;
use store::{kit::secrets, office::accounts, office::departments};
use web::{AppState, WebConfig};

pub const PASSWORD: &str = "test-pass-1234";

pub struct Server {
    pub base: String,
    pub state: AppState,
    pub stop: Option<tokio::sync::oneshot::Sender<()>>,
    pub handle: tokio::task::JoinHandle<std::io::Result<()>>,
    pub ids: Ids,
    _db: TestDb,
}

/// Seeded ids: office(1) > civil(민원과) > civil-team(민원팀); office > build(건설과).
#[derive(Debug, Clone, Copy)]
pub struct Ids {
    pub office: i64,
    pub civil: i64,
    pub team: i64,
    pub build: i64,
}

pub async fn start(backend: &str) -> Server {
    start_with(backend, WebConfig::default()).await
}

/// The configuration with the per-client rate limit off, for stories that make many requests
/// from one address.
pub fn unlimited() -> WebConfig {
    WebConfig {
        rate_per_minute: 0,
        ..WebConfig::default()
    }
}

/// A server without the per-client rate limit.
pub async fn start_unlimited(backend: &str) -> Server {
    start_with(backend, unlimited()).await
}

pub async fn start_with(backend: &str, config: WebConfig) -> Server {
    let t = TestDb::new(backend).await.expect("test db");
    let db = t.db.clone();
    let now = store::now();
    let mut tx = db.begin().await.unwrap();
    let dept =
        |code: &'static str, name: &'static str, parent: Option<&'static str>| (code, name, parent);
    let specs = [
        dept("office", "예시군청", None),
        dept("civil", "민원과", Some("office")),
        dept("civil-team", "민원팀", Some("civil")),
        dept("build", "건설과", Some("office")),
    ];
    let mut ids = Vec::new();
    for (code, name, parent) in specs {
        let d = departments::create(
            &mut tx,
            &departments::NewDepartment {
                code,
                name,
                name_en: "",
                parent_code: parent,
            },
            now,
        )
        .await
        .unwrap();
        ids.push(d.id);
    }
    let ids = Ids {
        office: ids[0],
        civil: ids[1],
        team: ids[2],
        build: ids[3],
    };
    let people = [
        ("admin", Role::Administrator, Some(ids.office)),
        ("sup", Role::Supervisor, Some(ids.civil)),
        ("kim", Role::Official, Some(ids.team)),
        ("lee", Role::Official, Some(ids.build)),
        ("counsel", Role::Counsellor, Some(ids.office)),
        ("resident", Role::Resident, None),
    ];
    create_accounts(&mut tx, &people, "010-1234-5678").await;
    tx.commit().await.unwrap();

    let state = AppState::new(db, config);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let handle = tokio::spawn(web::serve(listener, state.clone(), async {
        let _ = rx.await;
    }));
    Server {
        base,
        state,
        stop: Some(tx),
        handle,
        ids,
        _db: t,
    }
}

impl Server {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// An API token for a seeded user.
    pub async fn token(&self, username: &str) -> String {
        let res = client()
            .post(self.url("/api/v1/tokens"))
            .json(&serde_json::json!({"username": username, "password": PASSWORD}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 201, "token for {username}");
        let body: serde_json::Value = res.json().await.unwrap();
        body["token"].as_str().unwrap().to_string()
    }

    pub async fn shutdown(mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        self.handle.await.unwrap().unwrap();
    }
}

/// A page's answer: its status, its body and where it sends the browser (`Location`).
pub async fn page_answer(res: reqwest::Response) -> (u16, String, Option<String>) {
    let status = res.status().as_u16();
    let location = res
        .headers()
        .get("location")
        .map(|v| v.to_str().unwrap().to_string());
    (status, res.text().await.unwrap(), location)
}

/// A page fetched with the given cookie header: its status and body.
pub async fn get_page(s: &Server, path: &str, cookie: &str) -> (u16, String) {
    let res = client()
        .get(s.url(path))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap();
    (res.status().as_u16(), res.text().await.unwrap())
}

/// What anybody gets at `path`, without a cookie: the body as text.
pub async fn get_text(s: &Server, path: &str) -> String {
    let res = client().get(s.url(path)).send().await.unwrap();
    res.text().await.unwrap()
}

/// What anybody gets at `path`, without a cookie: the body as JSON.
pub async fn get_json(s: &Server, path: &str) -> Value {
    let res = client().get(s.url(path)).send().await.unwrap();
    res.json().await.unwrap()
}

/// Post JSON with an API token and insist that it succeeds: the answer's body.
pub async fn api_ok(s: &Server, token: &str, path: &str, body: Value) -> Value {
    let res = client()
        .post(s.url(path))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success(), "{path}: {}", res.status());
    res.json().await.unwrap()
}

/// A multipart body as a browser sends a form with files: the text fields, then each file
/// `(name, bytes)` as a part `files` of `file_type`. The body and its content type.
pub fn multipart(
    fields: &[(&str, &str)],
    files: &[(&str, &[u8])],
    file_type: &str,
) -> (Vec<u8>, String) {
    let boundary = "minwon-test-boundary";
    let mut body = Vec::new();
    for (k, v) in fields {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n")
                .as_bytes(),
        );
    }
    for (name, bytes) in files {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"{name}\"\r\nContent-Type: {file_type}\r\n\r\n").as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (body, format!("multipart/form-data; boundary={boundary}"))
}

/// The pre-session form token a page hands out, as cookie and field value.
pub async fn form_token(s: &Server, path: &str) -> String {
    let res = client().get(s.url(path)).send().await.unwrap();
    cookie_value(&set_cookie(&res, "minwon_csrf").unwrap())
}

/// File a petition of type `type_id` on the public form as a browser without a session does:
/// the form's own token, the fields and files as multipart. The answer.
pub async fn file_on_page(
    s: &Server,
    type_id: impl std::fmt::Display,
    fields: &[(&str, &str)],
    files: &[(&str, &[u8])],
) -> reqwest::Response {
    let path = format!("/petitions/new/{type_id}");
    let csrf = form_token(s, &path).await;
    // The form token opens the body, as the form's first (hidden) field.
    let fields: Vec<(&str, &str)> = [("csrf_token", csrf.as_str())]
        .into_iter()
        .chain(fields.iter().copied())
        .collect();
    let (body, content_type) = multipart(&fields, files, "application/octet-stream");
    client()
        .post(s.url(&path))
        .header("cookie", format!("minwon_csrf={csrf}"))
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap()
}

/// The text field `key` of every entry of a JSON array.
pub fn texts<'a>(list: &'a Value, key: &str) -> Vec<&'a str> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|e| e[key].as_str().unwrap())
        .collect()
}

pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

pub fn set_cookie(res: &reqwest::Response, name: &str) -> Option<String> {
    res.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(&format!("{name}=")))
        .map(|v| v.to_string())
}

pub fn cookie_value(set_cookie: &str) -> String {
    set_cookie
        .split(';')
        .next()
        .and_then(|kv| kv.split_once('='))
        .map(|(_, v)| v.to_string())
        .unwrap_or_default()
}

/// A signed-in browser session driven by plain form posts (no JavaScript).
pub struct Browser<'a> {
    pub s: &'a Server,
    pub cookie: String,
    pub csrf: String,
}

pub fn csrf_in(html: &str) -> Option<String> {
    let at = html.find("name=\"csrf_token\" value=\"")?;
    let rest = &html[at + "name=\"csrf_token\" value=\"".len()..];
    rest.split('"').next().map(str::to_string)
}

/// Post the login form as a browser does: first the page for its pre-session form token, then
/// the form with that token as field and cookie. The login's answer.
pub async fn login(s: &Server, username: &str, password: &str) -> reqwest::Response {
    let pre = form_token(s, "/login").await;
    client()
        .post(s.url("/login"))
        .header("cookie", format!("minwon_csrf={pre}"))
        .form(&[
            ("username", username),
            ("password", password),
            ("csrf_token", pre.as_str()),
        ])
        .send()
        .await
        .unwrap()
}

pub async fn browser<'a>(s: &'a Server, user: &str) -> Browser<'a> {
    let res = login(s, user, PASSWORD).await;
    assert_eq!(res.status(), 303, "{user} signs in");
    let session = cookie_value(&set_cookie(&res, "minwon_session").unwrap());
    let cookie = format!("minwon_session={session}");
    let (_, home) = get_page(s, "/", &cookie).await;
    let csrf = csrf_in(&home).expect("the signed-in header carries the session's CSRF token");
    Browser { s, cookie, csrf }
}

impl Browser<'_> {
    pub async fn get(&self, path: &str) -> (u16, String, Option<String>) {
        let res = client()
            .get(self.s.url(path))
            .header("cookie", &self.cookie)
            .send()
            .await
            .unwrap();
        page_answer(res).await
    }

    pub async fn post(&self, path: &str, form: &[(&str, &str)]) -> (u16, String, Option<String>) {
        let mut fields: Vec<(&str, &str)> = form.to_vec();
        fields.push(("csrf_token", &self.csrf));
        let res = client()
            .post(self.s.url(path))
            .header("cookie", &self.cookie)
            .form(&fields)
            .send()
            .await
            .unwrap();
        page_answer(res).await
    }
}

/// Add staff accounts beyond the common seed: (username, role, department), password
/// [`PASSWORD`], mail `username@example.kr`, the given phone.
pub async fn add_staff(s: &Server, people: &[(&str, Role, i64)], phone: &str) {
    let people: Vec<_> = people.iter().map(|&(u, r, d)| (u, r, Some(d))).collect();
    let mut tx = s.state.db.begin().await.unwrap();
    create_accounts(&mut tx, &people, phone).await;
    tx.commit().await.unwrap();
}

/// Accounts (username, role, department) named `username 이름`, with the password [`PASSWORD`],
/// mail `username@example.kr` and the given phone.
async fn create_accounts(tx: &mut store::Tx, people: &[(&str, Role, Option<i64>)], phone: &str) {
    let hash = secrets::hash_password(PASSWORD).unwrap();
    for &(username, role, department_id) in people {
        accounts::create(
            tx,
            &accounts::NewAccount {
                username,
                display_name: &format!("{username} 이름"),
                email: &format!("{username}@example.kr"),
                phone,
                role,
                department_id,
                password_hash: &hash,
            },
            store::now(),
        )
        .await
        .unwrap();
    }
}

/// The question type (질의민원) at the 민원팀, published: the spec for [`Api::new_type`].
pub fn question_type() -> Value {
    serde_json::json!({"code": "question-system", "name": "질의민원(제도·절차)",
                       "kind": "question_system", "department_code": "civil-team",
                       "publishable": true})
}

/// An API client signed in with a token.
pub struct Api<'a> {
    pub s: &'a Server,
    pub token: String,
}

impl Api<'_> {
    pub async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        let mut req = client()
            .request(method, self.s.url(path))
            .bearer_auth(&self.token);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let res = req.send().await.unwrap();
        let status = res.status().as_u16();
        let text = res.text().await.unwrap();
        // A body that is not JSON is kept as text, for the failure message.
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }
    pub async fn get(&self, path: &str) -> (u16, Value) {
        self.send(reqwest::Method::GET, path, None).await
    }
    pub async fn post(&self, path: &str, body: Value) -> (u16, Value) {
        self.send(reqwest::Method::POST, path, Some(body)).await
    }
    pub async fn put(&self, path: &str, body: Value) -> (u16, Value) {
        self.send(reqwest::Method::PUT, path, Some(body)).await
    }
    pub async fn delete(&self, path: &str) -> (u16, Value) {
        self.send(reqwest::Method::DELETE, path, None).await
    }
    /// A petition type made through the API (administrators): its JSON.
    pub async fn new_type(&self, spec: Value) -> Value {
        let (st, t) = self.post("/api/v1/petition-types", spec).await;
        assert_eq!(st, 201, "{t}");
        t
    }
    /// A step on a petition (`POST /api/v1/petitions/{id}/actions`).
    pub async fn act(&self, id: i64, body: Value) -> (u16, Value) {
        self.post(&format!("/api/v1/petitions/{id}/actions"), body)
            .await
    }
    pub async fn upload(&self, path: &str, bytes: Vec<u8>) -> (u16, Value) {
        let res = client()
            .post(self.s.url(path))
            .bearer_auth(&self.token)
            .header("content-type", "application/octet-stream")
            .body(bytes)
            .send()
            .await
            .unwrap();
        let status = res.status().as_u16();
        (status, res.json().await.unwrap_or(Value::Null))
    }
}

pub async fn api<'a>(s: &'a Server, user: &str) -> Api<'a> {
    Api {
        s,
        token: s.token(user).await,
    }
}

pub fn bilingual(body: &Value) {
    let m = body["message"].as_str().unwrap_or_default();
    assert!(
        m.chars().next().is_some_and(|c| ('가'..='힣').contains(&c)) && m.contains('('),
        "message should be Korean first, English in parentheses: {body}"
    );
}

/// Sign in through the login form; returns the session cookie header.
pub async fn session(s: &Server, username: &str) -> String {
    browser(s, username).await.cookie
}

/// The session's form token, read from a page that carries it.
pub async fn session_csrf(s: &Server, cookie: &str) -> String {
    let (_, body) = get_page(s, "/", cookie).await;
    csrf_in(&body).expect("a form token on the page")
}

/// How many petitions the office holds, finished ones included: what a refused form must leave
/// unchanged.
pub async fn petition_count(s: &Server) -> i64 {
    store::petitions::queue(
        &s.state.db,
        &store::petitions::QueueFilter {
            include_done: true,
            limit: 1,
            ..Default::default()
        },
        store::now(),
    )
    .await
    .unwrap()
    .counts
    .total
}
