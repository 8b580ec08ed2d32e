//! What the binary's tests share: the binary without the caller's environment, a data
//! directory with a fresh database on either backend, and a demo server.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

/// The `minwon` binary, blind to any `MINWON_*` setting of the shell that runs the tests.
pub fn minwon() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_minwon"));
    c.env_remove("MINWON_DATA")
        .env_remove("MINWON_DATABASE_URL")
        .env_remove("MINWON_LISTEN")
        .env_remove("MINWON_CONFIG")
        .env_remove("MINWON_HOLIDAY_DATA");
    c
}

/// An empty place for one test's data under the system's temporary directory.
pub fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("minwon-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

/// The data flags for a test: a SQLite data dir, or a fresh PostgreSQL database.
pub fn data_args(dir: &Path, pg: Option<&str>) -> Vec<String> {
    let mut v = vec!["--data".to_string(), dir.display().to_string()];
    if let Some(url) = pg {
        v.push("--database-url".into());
        v.push(url.to_string());
    }
    v
}

/// A data directory and a fresh database on `backend`; the URL to pass when it is PostgreSQL
/// (SQLite lives in the data directory).
pub async fn database(
    name: &str,
    backend: &str,
) -> (PathBuf, Option<String>, store::testing::TestDb) {
    let t = store::testing::TestDb::new(backend).await.unwrap();
    let pg = (backend == "postgres").then(|| t.url.clone());
    (temp_dir(&format!("{name}-{backend}")), pg, t)
}

/// An API token for `user`.
pub async fn token(c: &reqwest::Client, url: &str, user: &str, password: &str) -> String {
    let res = c
        .post(format!("{url}/api/v1/tokens"))
        .json(&serde_json::json!({"username": user, "password": password}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201, "token for {user}");
    let v: serde_json::Value = res.json().await.unwrap();
    v["token"].as_str().unwrap().to_string()
}

/// A GET with an API token, its body read as JSON.
pub async fn get_json<T: serde::de::DeserializeOwned>(
    c: &reqwest::Client,
    url: String,
    token: &str,
) -> T {
    let res = c.get(url).bearer_auth(token).send().await.unwrap();
    res.json().await.unwrap()
}

/// `minwon serve --demo` on a free port: the process, its address and the lines it printed
/// up to the address. The rest of its output is drained so it never blocks on a full pipe.
pub fn serve_demo(dir: &Path, pg: Option<&str>) -> (Child, String, Vec<String>) {
    let mut child = minwon()
        .arg("serve")
        .arg("--demo")
        .args(data_args(dir, pg))
        .args(["--listen", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let mut printed = Vec::new();
    let url = loop {
        let line = lines.next().expect("server printed its URL").unwrap();
        printed.push(line.clone());
        if let Some(rest) = line.strip_prefix("Minwon listening on ") {
            break rest.to_string();
        }
    };
    std::thread::spawn(move || for _ in lines {});
    (child, url, printed)
}
