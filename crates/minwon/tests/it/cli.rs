//! The binary as a newcomer uses it: demo server, admin commands, calendar and text tools.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::Write;
use std::process::{Command, Stdio};

use crate::common::{data_args, database, get_json, minwon, serve_demo, temp_dir, token};

store::backend_tests! {
    #[tokio::test]
    async fn serve_demo_prints_url_and_logins_and_stops_gracefully(backend) {
        let (dir, pg, _t) = database("serve", backend).await;
        let (mut child, url, printed) = serve_demo(&dir, pg.as_deref());
        let text = printed.join("\n");
        assert!(text.contains("minwon-demo-2026"));
        assert!(
            text.contains("demo petitions:"),
            "demo petitions seeded: {text}"
        );
        for role in [
            "administrator",
            "supervisor",
            "official",
            "training_officer",
            "counsellor",
            "committee_member",
            "protection_officer",
            "resident",
        ] {
            assert!(text.contains(role), "{role} login printed");
        }
        assert!(!url.ends_with(":0"), "the chosen port is printed: {url}");
        let c = reqwest::Client::new();
        let health: serde_json::Value = c
            .get(format!("{url}/healthz"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(health["status"], "ok");
        let token = token(&c, &url, "sup.civil", "minwon-demo-2026").await;
        let depts: Vec<serde_json::Value> =
            get_json(&c, format!("{url}/api/v1/departments"), &token).await;
        assert_eq!(depts.len(), 12);

        // SIGTERM: a clean stop, exit code 0.
        let status = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        let exit = child.wait().unwrap();
        assert!(exit.success(), "graceful exit: {exit:?}");

        // A second demo start on the same data keeps it (no duplicate seeding).
        let out = minwon()
            .args(["admin"])
            .args(data_args(&dir, pg.as_deref()))
            .args(["department", "list"])
            .output()
            .unwrap();
        assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 12);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[tokio::test]
    async fn admin_commands_and_their_errors(backend) {
        let (dir, pg, _t) = database("admin", backend).await;
        let data = data_args(&dir, pg.as_deref());
        let run = |args: &[&str], stdin: Option<&str>| {
            let mut c = minwon();
            c.arg("admin")
                .args(&data)
                .args(args)
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped());
            let mut child = c.spawn().unwrap();
            if let Some(s) = stdin {
                child.stdin.take().unwrap().write_all(s.as_bytes()).unwrap();
            } else {
                drop(child.stdin.take());
            }
            let out = child.wait_with_output().unwrap();
            (
                out.status.code().unwrap_or(-1),
                String::from_utf8_lossy(&out.stdout).to_string(),
                String::from_utf8_lossy(&out.stderr).to_string(),
            )
        };
        let (code, out, _) = run(
            &[
                "department",
                "create",
                "--code",
                "county",
                "--name",
                "예시군청",
            ],
            None,
        );
        assert_eq!(code, 0, "{out}");
        let (code, _, _) = run(
            &[
                "department",
                "create",
                "--code",
                "civil",
                "--name",
                "민원과",
                "--parent",
                "county",
            ],
            None,
        );
        assert_eq!(code, 0);
        let (code, _, err) = run(
            &["department", "create", "--code", "civil", "--name", "again"],
            None,
        );
        assert_eq!(code, 2);
        assert!(err.contains("already exists"), "{err}");
        let (code, _, err) = run(
            &[
                "department",
                "create",
                "--code",
                "lost",
                "--name",
                "n",
                "--parent",
                "nowhere",
            ],
            None,
        );
        assert_eq!(code, 2);
        assert!(err.contains("does not exist"), "{err}");

        let (code, out, _) = run(
            &[
                "account",
                "create",
                "--username",
                "kim",
                "--name",
                "김민원",
                "--role",
                "official",
                "--department",
                "civil",
                "--password-stdin",
            ],
            Some("a-good-password-1\n"),
        );
        assert_eq!(code, 0, "{out}");
        let (code, out, _) = run(
            &[
                "account",
                "create",
                "--username",
                "boss",
                "--name",
                "관리자",
                "--role",
                "administrator",
            ],
            None,
        );
        assert_eq!(code, 0);
        assert!(out.contains("temporary password"), "{out}");
        let (code, _, err) = run(
            &[
                "account",
                "create",
                "--username",
                "x1y",
                "--name",
                "n",
                "--role",
                "emperor",
            ],
            None,
        );
        assert_eq!(code, 2);
        assert!(err.contains("unknown role"), "{err}");
        let (code, _, err) = run(
            &[
                "account",
                "create",
                "--username",
                "weak",
                "--name",
                "n",
                "--role",
                "official",
                "--department",
                "civil",
                "--password-stdin",
            ],
            Some("short\n"),
        );
        assert_eq!(code, 2);
        assert!(err.contains("10 to 200"), "{err}");
        let (code, _, _) = run(
            &[
                "account",
                "reset-password",
                "--username",
                "kim",
                "--password-stdin",
            ],
            Some("another-good-pw-2\n"),
        );
        assert_eq!(code, 0);
        let (code, _, err) = run(&["account", "reset-password", "--username", "ghost"], None);
        assert_eq!(code, 2);
        assert!(err.contains("ghost"));
        let (code, out, _) = run(&["account", "list"], None);
        assert_eq!(code, 0);
        assert!(out.contains("kim") && out.contains("boss"));

        let (code, out, err) = run(&["generate", "40"], None);
        assert_eq!(code, 0, "{err}");
        assert!(out.contains("generated 40 petitions"), "{out}");
        let (code, out, err) = run(&["reindex"], None);
        assert_eq!(code, 0, "{err}");
        assert!(out.contains("search index rebuilt): 40 petitions"), "{out}");

        let (code, out, err) = run(&["open311-key", "add", "fixmystreet-app"], None);
        assert_eq!(code, 0, "{err}");
        let key = out.lines().last().unwrap().trim().to_string();
        assert!(
            key.len() >= 20 && !key.contains(' '),
            "the key alone on the last line: {out}"
        );
        let (code, _, err) = run(&["open311-key", "revoke", "fixmystreet-app"], None);
        assert_eq!(code, 0, "{err}");
        let (code, _, err) = run(&["open311-key", "revoke", "no-such-app"], None);
        assert_eq!(code, 2, "{err}");
        assert!(!err.is_empty());

        let (code, out, err) = run(&["wellbeing", "purge"], None);
        assert_eq!(code, 0, "{err}");
        assert!(out.contains("deleted 0 wellbeing records"), "{out}");

        // Issue 14: retention purge of petition files, harmless when nothing is due or run twice.
        for args in [
            &["petitions", "purge", "--dry-run"][..],
            &["petitions", "purge"][..],
            &["petitions", "purge"][..],
        ] {
            let (code, out, err) = run(args, None);
            assert_eq!(code, 0, "{err}");
            assert!(out.contains("nothing to purge; 0 deleted earlier"), "{out}");
        }
        let (code, out, err) = run(&["petitions", "remote", "county"], None);
        assert_eq!(code, 0, "{err}");
        assert!(out.contains("3 working hours"), "{out}");
        let (code, _, err) = run(&["petitions", "remote", "no-such"], None);
        assert_eq!(code, 2, "{err}");

        let (code, out, _) = run(&["audit", "verify"], None);
        assert_eq!(code, 0);
        assert!(out.contains("intact"), "{out}");
        let (code, _, err) = run(&["audit", "prune", "--older-than-days", "30"], None);
        assert_eq!(code, 2, "retention below 2 years refused");
        assert!(err.contains("2 years"));
        let _ = std::fs::remove_dir_all(&dir);
    }
}

#[test]
fn bad_database_url_and_config_are_clear() {
    let dir = temp_dir("badurl");
    let out = minwon()
        .args(["migrate", "--data"])
        .arg(&dir)
        .args(["--database-url", "mysql://x"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unsupported database URL"));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("minwon.toml"), "listen = 12\n").unwrap();
    let out = minwon()
        .args(["migrate", "--data"])
        .arg(&dir)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("invalid config"));
    std::fs::write(dir.join("minwon.toml"), "session_hours = 4\n").unwrap();
    let out = minwon()
        .args(["migrate", "--data"])
        .arg(&dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn deadline_and_holidays_on_the_command_line() {
    let out = minwon()
        .args([
            "deadline",
            "--received",
            "2026-11-23T10:00:00+09:00",
            "--period",
            "3d",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(stdout.lines().last(), Some("2026-11-26T10:00:00+09:00"));
    let out = minwon()
        .args([
            "deadline",
            "--received",
            "2026-11-23T10:00:00+09:00",
            "--period",
            "7d",
        ])
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).lines().last(),
        Some("2026-12-01T18:00:00+09:00")
    );
    for bad in [
        vec!["--received", "2026-13-40T10:00:00+09:00", "--period", "3d"],
        vec!["--received", "2026-11-23T10:00:00+09:00", "--period", "3x"],
        vec![
            "--received",
            "2026-11-23T10:00:00+09:00",
            "--period",
            "3d",
            "--pause",
            "2026-11-24T10:00:00+09:00/2026-11-23T10:00:00+09:00",
        ],
    ] {
        let out = minwon().arg("deadline").args(&bad).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{bad:?}");
        assert!(!out.stderr.is_empty());
    }
    let out = minwon()
        .args(["holidays", "--year", "2026", "--format", "json"])
        .output()
        .unwrap();
    let list: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        list.iter()
            .any(|h| h["date"] == "2026-02-17" && h["name"] == "설날" && h["kind"] == "lunar")
    );
    assert!(
        list.iter().any(|h| h["date"] == "2026-05-01"),
        "노동절 from 2026"
    );
}

#[test]
fn text_screen_reads_lines_and_prints_json() {
    let mut child = minwon()
        .args(["text", "screen"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(
            "도로에 구멍이 나서 위험합니다. 보수 부탁드립니다.\n이 개새끼들아 일 똑바로 해\n\n"
                .as_bytes(),
        )
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    let rows: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(rows.len() >= 2);
    assert_eq!(rows[0]["abusive"], false);
    assert_eq!(rows[1]["abusive"], true);
    let score = rows[1]["score"].as_f64().unwrap();
    assert!((0.0..=1.0).contains(&score));
}

/// Runs the binary with `args` and `stdin`; returns (exit code, stdout, stderr).
fn run_minwon(args: &[String], stdin: &str) -> (i32, String, String) {
    let mut child = minwon()
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // A command that refuses at once exits without reading its input: a broken pipe here is
    // that, not a failure (its exit code and message are what the tests check).
    match child.stdin.take().unwrap().write_all(stdin.as_bytes()) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
        Err(e) => panic!("writing to minwon's stdin: {e}"),
    }
    let out = child.wait_with_output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).to_string(),
        String::from_utf8_lossy(&out.stderr).to_string(),
    )
}

store::backend_tests! {
    #[tokio::test]
    async fn train_routing_from_the_database_and_route_with_it(backend) {
        let (dir, _, t) = database("office-routing", backend).await;
        let db_args = vec![
            "--data".to_string(),
            dir.display().to_string(),
            "--database-url".to_string(),
            t.url.clone(),
        ];
        let train: Vec<String> = ["train", "routing", "--from-db"]
            .iter()
            .map(|s| s.to_string())
            .chain(db_args.clone())
            .collect();
        let route: Vec<String> = ["text", "route", "--data", &dir.display().to_string()]
            .iter()
            .map(|s| s.to_string())
            .collect();

        // Nothing answered yet: a clear refusal, no model, and route says how to get one.
        let (code, _, err) = run_minwon(&train, "");
        assert_eq!(code, 2, "{err}");
        assert!(err.contains("too few examples"), "{err}");
        let model = dir.join("models").join("routing-office.bin");
        assert!(!model.exists());
        let (code, _, err) = run_minwon(&route, "도로 파손\n");
        assert_eq!(code, 2);
        assert!(err.contains("minwon train routing --from-db"), "{err}");

        // Generated history: roads answered by 도로과, certificates by 민원과.
        store::testing::topic_history(&t.db, 16).await.unwrap();
        let (code, out, err) = run_minwon(&train, "");
        assert_eq!(code, 0, "{err}");
        assert!(
            out.contains("32 examples of which 0 corrections, 2 departments"),
            "{out}"
        );
        assert!(model.is_file());
        let (code, out, err) = run_minwon(
            &route,
            "청평면 도로에 포트홀이 생겼어요\n주민등록등본은 어디서 발급하나요\n\n\u{0}\u{1}😀\n",
        );
        assert_eq!(code, 0, "{err}");
        let rows: Vec<serde_json::Value> = out
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(
            rows.len(),
            4,
            "one answer per line, even for empty and garbage lines"
        );
        assert_eq!(rows[0]["category"], "roads");
        assert_eq!(rows[1]["category"], "papers");
        assert!(
            rows[0]["model_version"]
                .as_str()
                .unwrap()
                .starts_with("routing-")
        );
        // A stricter minimum is honoured.
        let mut strict = train.clone();
        strict.extend(["--min-examples".to_string(), "100".to_string()]);
        let (code, _, err) = run_minwon(&strict, "");
        assert_eq!(code, 2);
        assert!(err.contains("need at least 100"), "{err}");
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// Issue 15 item 10: the data flags may stand before or after an admin subcommand.
    #[tokio::test]
    async fn data_flags_before_or_after_the_subcommand(backend) {
        let (dir, pg, _t) = database("flags", backend).await;
        let data = data_args(&dir, pg.as_deref());
        let run = |before: &[String], args: &[&str], after: &[String]| {
            let out = minwon()
                .arg("admin")
                .args(before)
                .args(args)
                .args(after)
                .output()
                .unwrap();
            (
                out.status.code().unwrap_or(-1),
                String::from_utf8_lossy(&out.stdout).to_string(),
                String::from_utf8_lossy(&out.stderr).to_string(),
            )
        };
        let create = [
            "department",
            "create",
            "--code",
            "county",
            "--name",
            "예시군청",
        ];
        // After: the department lands in this test's database …
        let (code, _, err) = run(&[], &create, &data);
        assert_eq!(code, 0, "{err}");
        // … so the same code given with the flags before is refused there.
        let (code, _, err) = run(&data, &create, &[]);
        assert_eq!(code, 2, "{err}");
        assert!(err.contains("already exists"), "{err}");
        for (before, after) in [(&data[..], &[][..]), (&[][..], &data[..])] {
            let (code, out, err) = run(before, &["audit", "verify"], after);
            assert_eq!(code, 0, "{err}");
            assert!(out.contains("intact"), "{out}");
            let (code, out, err) = run(before, &["department", "list"], after);
            assert_eq!(code, 0, "{err}");
            assert!(out.contains("county"), "{out}");
        }
        // Split: --data before, --database-url after (or the other way for PostgreSQL).
        let (code, out, err) = run(&data[..2], &["audit", "verify"], &data[2..]);
        assert_eq!(code, 0, "{err}");
        assert!(out.contains("intact"), "{out}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
