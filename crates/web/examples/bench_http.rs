//! HTTP and access-log benchmark. Prints requests/s, p50 and p99 of `/healthz` and of an
//! authenticated JSON read (`/api/v1/me`) on Minwon, against a bare axum handler in the same run;
//! then access-log appends/s on SQLite and (with MINWON_TEST_POSTGRES_URL) PostgreSQL.
//!
//! cargo run --release -p web --example bench_http -- [SECONDS] [CONCURRENCY]
//!
//! A measuring tool, not production code: any failure aborts the measurement.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use domain::office::accounts::Role;
use domain::office::audit::AuditRecord;
use std::time::{Duration, Instant};
use store::testing::TestDb;
use store::{kit::secrets, office::accounts, office::audit};

struct Stats {
    rps: f64,
    p50: Duration,
    p99: Duration,
}

async fn load(url: String, token: Option<String>, seconds: u64, concurrency: usize) -> Stats {
    let client = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let mut tasks = Vec::new();
    for _ in 0..concurrency {
        let (client, url, token) = (client.clone(), url.clone(), token.clone());
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            while Instant::now() < deadline {
                let t0 = Instant::now();
                let mut req = client.get(&url);
                if let Some(t) = &token {
                    req = req.bearer_auth(t);
                }
                match req.send().await {
                    Ok(r) if r.status().is_success() => {
                        let _ = r.bytes().await;
                        lat.push(t0.elapsed());
                    }
                    Ok(r) => eprintln!("unexpected status {}", r.status()),
                    Err(e) => eprintln!("request failed: {e}"),
                }
            }
            lat
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.unwrap_or_default());
    }
    all.sort();
    let pct = |p: f64| {
        all.get(((all.len() as f64 * p) as usize).min(all.len().saturating_sub(1)))
            .copied()
            .unwrap_or_default()
    };
    Stats {
        rps: all.len() as f64 / seconds as f64,
        p50: pct(0.50),
        p99: pct(0.99),
    }
}

fn show(name: &str, s: &Stats) {
    println!(
        "{name:<34} {:>9.0} req/s   p50 {:>7.3} ms   p99 {:>7.3} ms",
        s.rps,
        s.p50.as_secs_f64() * 1e3,
        s.p99.as_secs_f64() * 1e3
    );
}

async fn audit_rate(db: &store::Db, n: usize, concurrency: usize) -> f64 {
    let t0 = Instant::now();
    let mut tasks = Vec::new();
    for w in 0..concurrency {
        let db = db.clone();
        tasks.push(tokio::spawn(async move {
            for i in 0..n / concurrency {
                let r = AuditRecord {
                    at: store::now(),
                    account_id: Some(1),
                    address: "127.0.0.1".into(),
                    subject: format!("petitioner:{w}-{i}"),
                    action: "petition.read".into(),
                    reason: String::new(),
                };
                if let Err(e) = audit::record(&db, &r).await {
                    eprintln!("append failed: {e}");
                }
            }
        }));
    }
    for t in tasks {
        let _ = t.await;
    }
    n as f64 / t0.elapsed().as_secs_f64()
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let seconds: u64 = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(10);
    let concurrency: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(32);

    // Minwon on SQLite, rate limit off, one official with a token.
    let t = TestDb::new("sqlite").await.expect("sqlite");
    let mut tx = t.db.begin().await.expect("tx");
    let hash = secrets::hash_password("bench-pass-1234").expect("hash");
    let account = accounts::create(
        &mut tx,
        &accounts::NewAccount {
            username: "bench",
            display_name: "벤치",
            email: "",
            phone: "",
            role: Role::Administrator,
            department_id: None,
            password_hash: &hash,
        },
        store::now(),
    )
    .await
    .expect("account");
    let (_, token) = accounts::create_api_token(
        &mut tx,
        account.id,
        "bench",
        chrono::Duration::days(1),
        store::now(),
    )
    .await
    .expect("token");
    tx.commit().await.expect("commit");
    let state = web::AppState::new(
        t.db.clone(),
        web::WebConfig {
            rate_per_minute: 0,
            ..Default::default()
        },
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let minwon = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(web::serve(listener, state, std::future::pending()));

    // The bare alternative: one axum handler returning a small JSON body.
    let bare_app = axum::Router::new().route(
        "/healthz",
        axum::routing::get(|| async { axum::Json(serde_json::json!({"status": "ok"})) }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let bare = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, bare_app).await });

    println!("{seconds} s per target, {concurrency} concurrent clients, keep-alive, loopback");
    let b = load(format!("{bare}/healthz"), None, seconds, concurrency).await;
    show("bare axum GET /healthz", &b);
    let h = load(format!("{minwon}/healthz"), None, seconds, concurrency).await;
    show("minwon GET /healthz", &h);
    let m = load(
        format!("{minwon}/api/v1/me"),
        Some(token),
        seconds,
        concurrency,
    )
    .await;
    show("minwon GET /api/v1/me (bearer)", &m);
    println!("ratio healthz minwon/bare:          {:.2}", h.rps / b.rps);
    println!("ratio authenticated read/bare:      {:.2}", m.rps / b.rps);

    let n = 5000;
    for backend in store::testing::backends() {
        let db = TestDb::new(backend).await.expect("db");
        let one = audit_rate(&db.db, n / 5, 1).await;
        let many = audit_rate(&db.db, n, 8).await;
        println!(
            "access log on {backend:<8}: {one:>8.0} appends/s (1 writer)   {many:>8.0} appends/s (8 writers)"
        );
    }
    if store::testing::backends().len() == 1 {
        println!("access log on postgres: skipped (set MINWON_TEST_POSTGRES_URL)");
    }
}
