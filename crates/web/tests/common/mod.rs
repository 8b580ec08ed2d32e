//! A real server on 127.0.0.1:0 over a fresh database, driven over real HTTP.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use domain::accounts::Role;
use store::testing::TestDb;
use store::{accounts, departments, secrets};
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
    let hash = secrets::hash_password(PASSWORD).unwrap();
    for (username, role, dept) in [
        ("admin", Role::Administrator, Some(ids.office)),
        ("sup", Role::Supervisor, Some(ids.civil)),
        ("kim", Role::Official, Some(ids.team)),
        ("lee", Role::Official, Some(ids.build)),
        ("counsel", Role::Counsellor, Some(ids.office)),
        ("resident", Role::Resident, None),
    ] {
        accounts::create(
            &mut tx,
            &accounts::NewAccount {
                username,
                display_name: &format!("{username} 이름"),
                email: &format!("{username}@example.kr"),
                phone: "010-1234-5678",
                role,
                department_id: dept,
                password_hash: &hash,
            },
            now,
        )
        .await
        .unwrap();
    }
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

/// Sign in through the login form; returns the session cookie header.
pub async fn session(s: &Server, username: &str) -> String {
    let res = client().get(s.url("/login")).send().await.unwrap();
    let csrf = cookie_value(&set_cookie(&res, "minwon_csrf").unwrap());
    let res = client()
        .post(s.url("/login"))
        .header("cookie", format!("minwon_csrf={csrf}"))
        .form(&[
            ("username", username),
            ("password", PASSWORD),
            ("csrf_token", csrf.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303, "sign-in of {username}");
    let session = cookie_value(&set_cookie(&res, "minwon_session").unwrap());
    format!("minwon_session={session}")
}

/// The session's form token, read from a page that carries it.
pub async fn session_csrf(s: &Server, cookie: &str) -> String {
    let body = client()
        .get(s.url("/"))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let marker = "name=\"csrf_token\" value=\"";
    let at = body.find(marker).expect("a form token on the page");
    let rest = &body[at + marker.len()..];
    rest[..rest.find('"').unwrap()].to_string()
}
