//! Petition desk benchmark (issue 4). For each backend (SQLite; PostgreSQL when
//! MINWON_TEST_POSTGRES_URL is set):
//!
//! 1. intake through the API (POST /api/v1/petitions: validation, screening, receipt number,
//!    timeline, access log) in petitions/s for SECONDS, against raw single-row sqlx INSERTs of
//!    the same rows into the same table in the same run (alternating 10-second windows of
//!    each), and their ratio;
//! 2. on a fresh database with GENERATE petitions stored (the bulk generator), the p95 of a
//!    queue page and of a search through the API, the time to rebuild the search index, and the
//!    process RSS.
//!
//! cargo run --release -p web --example bench_petitions -- [SECONDS] [CONCURRENCY] [GENERATE] [sqlite|postgres|both]
//!
//! A measuring tool, not production code: any failure aborts the measurement.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use domain::office::accounts::Role;
use serde_json::json;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use store::petitions;
use store::testing::TestDb;
use store::{Db, office::accounts, office::departments, on_db};

fn rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

fn p(lat: &mut [Duration], q: f64) -> Duration {
    lat.sort();
    lat.get(((lat.len() as f64 * q) as usize).min(lat.len().saturating_sub(1)))
        .copied()
        .unwrap_or_default()
}

struct Setup {
    base: String,
    official: String,
    supervisor: String,
    type_id: i64,
    db: Db,
    _t: TestDb,
    state: web::AppState,
}

async fn setup(backend: &str) -> Setup {
    let t = TestDb::new(backend).await.expect("test db");
    let db = t.db.clone();
    let now = store::now();
    let mut tx = db.begin().await.unwrap();
    let mut ids = Vec::new();
    for (code, parent) in [
        ("county", None),
        ("civil", Some("county")),
        ("civil-desk", Some("civil")),
        ("build", Some("county")),
        ("env", Some("county")),
        ("welfare", Some("county")),
        ("finance", Some("county")),
        ("econ", Some("county")),
        ("agri", Some("county")),
        ("health", Some("county")),
        ("culture", Some("county")),
        ("admin", Some("county")),
    ] {
        let d = departments::create(
            &mut tx,
            &departments::NewDepartment {
                code,
                name: code,
                name_en: "",
                parent_code: parent,
            },
            now,
        )
        .await
        .unwrap();
        ids.push(d.id);
    }
    let mut tokens = Vec::new();
    for (username, role, dept) in [
        ("official.desk", Role::Official, ids[2]),
        ("sup.civil", Role::Supervisor, ids[1]),
    ] {
        let a = accounts::create(
            &mut tx,
            &accounts::NewAccount {
                username,
                display_name: username,
                email: "",
                phone: "",
                role,
                department_id: Some(dept),
                password_hash: "x",
            },
            now,
        )
        .await
        .unwrap();
        let (_, secret) =
            accounts::create_api_token(&mut tx, a.id, "bench", chrono::Duration::days(1), now)
                .await
                .unwrap();
        tokens.push(secret);
    }
    petitions::ensure_general_types(&mut tx, Some(ids[2]), now)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let type_id = petitions::get_type_by_code(&db, "question-system")
        .await
        .unwrap()
        .id;
    let data = store::testing::TempDir::new("minwon-bench").unwrap();
    let state = web::AppState::new(
        db.clone(),
        web::WebConfig {
            rate_per_minute: 0,
            data_dir: Some(data.0.clone()),
            ..Default::default()
        },
    );
    std::mem::forget(data); // the index lives until the process ends
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(web::serve(listener, state.clone(), std::future::pending()));
    Setup {
        base,
        official: tokens[0].clone(),
        supervisor: tokens[1].clone(),
        type_id,
        db,
        _t: t,
        state,
    }
}

const TITLES: &[&str] = &[
    "보도블록 파손 신고",
    "가로등 고장",
    "쓰레기 무단투기",
    "공사장 소음",
    "민원서류 발급 문의",
];

async fn intake_api(s: &Setup, seconds: u64, concurrency: usize) -> f64 {
    let client = reqwest::Client::new();
    let done = Arc::new(AtomicU64::new(0));
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let mut tasks = Vec::new();
    for w in 0..concurrency {
        let (client, url, token, done) = (
            client.clone(),
            format!("{}/api/v1/petitions", s.base),
            s.official.clone(),
            done.clone(),
        );
        let type_id = s.type_id;
        tasks.push(tokio::spawn(async move {
            let mut i = 0usize;
            while Instant::now() < deadline {
                i += 1;
                let res = client
                    .post(&url)
                    .bearer_auth(&token)
                    .json(&json!({"type_id": type_id, "channel": "phone",
                        "title": TITLES[i % TITLES.len()],
                        "body": format!("가평읍 석봉로 {w}-{i} 번지 앞 보도블록이 파손되어 보수를 요청합니다."),
                        "petitioner": {"name": "홍길동", "phone": format!("010-{w:04}-{:04}", i % 10000)}}))
                    .send()
                    .await;
                match res {
                    Ok(r) if r.status().as_u16() == 201 => {
                        done.fetch_add(1, Ordering::Relaxed);
                    }
                    Ok(r) => eprintln!("intake status {}: {}", r.status(), r.text().await.unwrap_or_default()),
                    Err(e) => eprintln!("intake failed: {e}"),
                }
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    done.load(Ordering::Relaxed) as f64 / seconds as f64
}

/// The same rows, one autocommitted INSERT each, straight through sqlx.
async fn intake_raw(s: &Setup, seconds: u64, concurrency: usize) -> f64 {
    let done = Arc::new(AtomicU64::new(0));
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let mut tasks = Vec::new();
    for w in 0..concurrency {
        let (db, done) = (s.db.clone(), done.clone());
        let type_id = s.type_id;
        tasks.push(tokio::spawn(async move {
            let mut i = 0usize;
            while Instant::now() < deadline {
                i += 1;
                let now = store::now();
                let body = format!("가평읍 석봉로 {w}-{i} 번지 앞 보도블록이 파손되어 보수를 요청합니다.");
                let r = on_db!(&db, |pool| sqlx::query(
                    "INSERT INTO petitions (type_id, channel, anonymous, petitioner_key, petitioner_name, \
                     petitioner_phone, petitioner_email, petitioner_address, title, body, location, extra, \
                     abuse_abusive, abuse_score, abuse_kinds, abuse_model, derived, state, arrived_at, \
                     event_count, change_seq, created_at, updated_at) VALUES ($1, 'phone', FALSE, $2, $3, $4, '', '', \
                     $5, $6, '', '{}', FALSE, 0, '[]', 'raw', '{}', 'raw', $7, 0, 0, $7, $7)"
                )
                .bind(type_id)
                .bind(format!("raw-{w}-{i}"))
                .bind("홍길동")
                .bind(format!("010-{w:04}-{:04}", i % 10000))
                .bind(TITLES[i % TITLES.len()])
                .bind(&body)
                .bind(now)
                .execute(pool)
                .await
                .map(|r| r.rows_affected()));
                match r {
                    Ok(_) => {
                        done.fetch_add(1, Ordering::Relaxed);
                    }
                    Err(e) => eprintln!("raw insert failed: {e}"),
                }
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    // Leave the table as the API left it for the next part.
    on_db!(&s.db, |pool| sqlx::query(
        "DELETE FROM petitions WHERE state = 'raw'"
    )
    .execute(pool)
    .await
    .map(|_| ()))
    .unwrap();
    done.load(Ordering::Relaxed) as f64 / seconds as f64
}

async fn p95_of(
    client: &reqwest::Client,
    urls: &[String],
    token: &str,
    rounds: usize,
) -> (Duration, Duration) {
    let mut lat = Vec::new();
    for k in 0..rounds {
        let url = &urls[k % urls.len()];
        let t0 = Instant::now();
        let r = client.get(url).bearer_auth(token).send().await.unwrap();
        assert!(r.status().is_success(), "{url}: {}", r.status());
        let _ = r.bytes().await.unwrap();
        lat.push(t0.elapsed());
    }
    (p(&mut lat, 0.50), p(&mut lat, 0.95))
}

/// Length of one measuring window of the intake comparison.
const ROUND_SECONDS: u64 = 10;

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let seconds: u64 = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(60);
    let concurrency: usize = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(8);
    let generate: u64 = args
        .get(3)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    let which = args.get(4).map(String::as_str).unwrap_or("both");
    let mut backends = Vec::new();
    if which != "postgres" {
        backends.push("sqlite");
    }
    if which != "sqlite" && std::env::var("MINWON_TEST_POSTGRES_URL").is_ok() {
        backends.push("postgres");
    }
    println!("intake {seconds} s, concurrency {concurrency}; {generate} generated petitions");
    for backend in backends {
        let s = setup(backend).await;
        // Alternate 10-second windows of each, so a change in the machine's load (other work on
        // these shared cores) falls on both sides alike.
        let rounds = seconds.div_ceil(ROUND_SECONDS).max(1);
        let window = (seconds / rounds).max(1);
        let (mut api, mut raw, mut ratios) = (0.0, 0.0, Vec::new());
        for _ in 0..rounds {
            let a = intake_api(&s, window, concurrency).await;
            let r = intake_raw(&s, window, concurrency).await;
            ratios.push(format!("{:.2}", a / r));
            api += a / rounds as f64;
            raw += r / rounds as f64;
        }
        println!(
            "[{backend}] intake: API {api:.0} petitions/s, raw sqlx inserts {raw:.0} rows/s, ratio {:.2} \
             ({rounds} alternating windows of {window} s; per window {})",
            api / raw,
            ratios.join(" ")
        );

        // The scale part starts from a fresh database: the intake above filed all its petitions
        // into one department (over 100 000 open ones at these rates), which no real office has.
        drop(s);
        let s = setup(backend).await;
        let t0 = Instant::now();
        let mut last_print = Instant::now();
        petitions::generate::generate(&s.db, generate, 42, store::now(), |n| {
            if last_print.elapsed() > Duration::from_secs(15) {
                eprintln!("  generated {n}");
                last_print = Instant::now();
            }
        })
        .await
        .unwrap();
        let gen_secs = t0.elapsed().as_secs_f64();
        let stored = petitions::generate::count(&s.db).await.unwrap();
        let t0 = Instant::now();
        let index = s.state.petitions.index.as_ref().unwrap();
        index.rebuild(&s.db).await.unwrap();
        let index_secs = t0.elapsed().as_secs_f64();
        println!(
            "[{backend}] {stored} petitions stored: generated in {gen_secs:.0} s ({:.0}/s), search index rebuilt in {index_secs:.0} s",
            generate as f64 / gen_secs
        );

        let client = reqwest::Client::new();
        let queue_urls: Vec<String> = [
            "/api/v1/petitions?limit=50",
            "/api/v1/petitions?limit=50&overdue=true",
            "/api/v1/petitions?limit=50&due_today=true",
            "/api/v1/petitions?limit=50&offset=200",
        ]
        .iter()
        .map(|u| format!("{}{u}", s.base))
        .collect();
        let (q50, q95) = p95_of(&client, &queue_urls, &s.official, 200).await;
        let (d50, d95) = p95_of(&client, &queue_urls, &s.supervisor, 200).await;
        let search_urls: Vec<String> = [
            "파손",
            "민원",
            "소음",
            "가로등",
            "주차장",
            "예방접종",
            "도로 파손",
            "쓰레기 무단투기",
        ]
        .iter()
        .map(|q| format!("{}/api/v1/petitions/search?q={q}&limit=20", s.base))
        .collect();
        let (s50, s95) = p95_of(&client, &search_urls, &s.supervisor, 200).await;
        println!(
            "[{backend}] queue page (official, 1 department): p50 {:.1} ms, p95 {:.1} ms; (supervisor, division): p50 {:.1} ms, p95 {:.1} ms",
            q50.as_secs_f64() * 1e3,
            q95.as_secs_f64() * 1e3,
            d50.as_secs_f64() * 1e3,
            d95.as_secs_f64() * 1e3
        );
        println!(
            "[{backend}] search (20 hits): p50 {:.1} ms, p95 {:.1} ms; process RSS {:.0} MB",
            s50.as_secs_f64() * 1e3,
            s95.as_secs_f64() * 1e3,
            rss_mb()
        );
    }
}
