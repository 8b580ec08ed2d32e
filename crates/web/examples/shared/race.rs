//! What the two race benchmarks (`bench_enrolment`, `bench_booking`) share: the ways a place
//! is decided, the per-request figures, and the command line with its loop over the databases.

use std::future::Future;
use std::time::Duration;

/// How a request for a place is decided (each benchmark says what its ways do exactly).
#[derive(Clone, Copy, PartialEq)]
pub enum Way {
    /// Minwon's own store function, with every rule and the message.
    Minwon,
    /// The least a correct implementation of the same guarantee does: the floor under any.
    Floor,
    /// PostgreSQL's textbook alternative: SERIALIZABLE, retried on serialization failure.
    Serializable,
}

impl Way {
    pub fn name(self) -> &'static str {
        match self {
            Way::Minwon => "minwon",
            Way::Floor => "floor",
            Way::Serializable => "serializable+retry",
        }
    }
}

/// Per-request times, sorted.
pub struct Latencies(Vec<Duration>);

impl Latencies {
    pub fn new(mut all: Vec<Duration>) -> Self {
        all.sort();
        Latencies(all)
    }

    /// Milliseconds at quantile `p` (1.0 is the slowest).
    pub fn ms(&self, p: f64) -> f64 {
        let at = ((self.0.len() as f64 * p) as usize).min(self.0.len() - 1);
        self.0[at].as_secs_f64() * 1e3
    }
}

/// `[N] [PLACES] [sqlite|postgres|both]`: `race` for each way on a fresh database of each
/// backend asked for. SQLite runs one writer at a time whatever the isolation, so SERIALIZABLE
/// runs on PostgreSQL only.
pub async fn run<P, F, Fut>(default_n: usize, default_places: P, race: F)
where
    P: std::str::FromStr + Copy,
    F: Fn(&'static str, usize, P, Way) -> Fut,
    Fut: Future<Output = ()>,
{
    let args: Vec<String> = std::env::args().skip(1).collect();
    let n = args
        .first()
        .and_then(|a| a.parse().ok())
        .unwrap_or(default_n);
    let places = args
        .get(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(default_places);
    let which = args.get(2).map(String::as_str).unwrap_or("both");
    if matches!(which, "sqlite" | "both") {
        for way in [Way::Minwon, Way::Floor] {
            race("sqlite", n, places, way).await;
        }
    }
    if matches!(which, "postgres" | "both") {
        if std::env::var("MINWON_TEST_POSTGRES_URL").is_ok() {
            for way in [Way::Minwon, Way::Floor, Way::Serializable] {
                race("postgres", n, places, way).await;
            }
        } else {
            println!("postgres skipped: MINWON_TEST_POSTGRES_URL not set");
        }
    }
}
