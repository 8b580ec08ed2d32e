//! The one clock (issue 15, item 8): a test sets its server's clock, every handler reads it, and
//! nothing else does (tests in one binary run side by side, each on its own clock).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::common;

use chrono::{DateTime, Duration, TimeZone, Utc};
use common::*;
use serde_json::json;

store::backend_tests! {
    #[tokio::test]
    async fn a_server_runs_on_the_clock_its_test_sets(backend) {
        let s = start(backend).await;
        let clock = s.state.db.clock().clone();
        // Wednesday 2031-05-07 10:00 in Seoul.
        let t0 = Utc.with_ymd_and_hms(2031, 5, 7, 1, 0, 0).unwrap();
        clock.set(t0);

        let res = client()
            .post(s.url("/api/v1/tokens"))
            .json(&json!({"username": "kim", "password": PASSWORD}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 201, "{backend}");
        let body: serde_json::Value = res.json().await.unwrap();
        let expires: DateTime<Utc> = body["expires_at"].as_str().unwrap().parse().unwrap();
        assert_eq!(
            expires,
            t0 + Duration::days(90),
            "{backend}: issued at the set time"
        );
        let kim = Api {
            s: &s,
            token: body["token"].as_str().unwrap().to_string(),
        };
        assert_eq!(kim.get("/api/v1/me").await.0, 200, "{backend}");

        // Outside a request, the test itself still reads the system time.
        let system = store::Clock::system();
        let (before, now, after) = (system.now(), store::now(), system.now());
        assert!(
            before <= now && now <= after,
            "{backend}: {now} is the system time"
        );

        clock.advance(Duration::days(90) - Duration::seconds(1));
        assert_eq!(kim.get("/api/v1/me").await.0, 200, "{backend}: still valid");
        clock.advance(Duration::seconds(1));
        assert_eq!(
            kim.get("/api/v1/me").await.0,
            401,
            "{backend}: the token has expired on the server's clock"
        );
        s.shutdown().await;
    }
}
