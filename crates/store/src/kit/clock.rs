//! The one clock: every "now" of the application comes from here.
//!
//! Each [`Db`](crate::Db) carries a [`Clock`] that reads the system time until a test sets it.
//! [`now`] reads the clock of the task it runs in: the web layer runs each request inside
//! [`Clock::scope`] of its database's clock, so handlers keep calling `store::now()` and a test
//! that sets its server's clock moves every handler of that server, and no other test's (tests
//! in one binary run in parallel, each with its own database and clock). Outside a scope, `now`
//! is the system time.
//!
//! Time is wall-clock time in UTC at microsecond precision; Seoul local time is
//! `calendar::to_seoul`. Durations (rate limits, timings) use `std::time::Instant` instead.

use chrono::{DateTime, SubsecRound, TimeDelta, Utc};
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

/// Marks a clock that follows the system time.
const SYSTEM: i64 = i64::MIN;

/// A wall clock: the system's, or one a test has set. Clones share one setting.
#[derive(Clone, Debug)]
pub struct Clock {
    /// Microseconds since the Unix epoch the clock stands at, or [`SYSTEM`].
    set_at: Arc<AtomicI64>,
}

impl Default for Clock {
    fn default() -> Self {
        Clock {
            set_at: Arc::new(AtomicI64::new(SYSTEM)),
        }
    }
}

tokio::task_local! {
    static CURRENT: Clock;
}

/// The system time at the precision both databases keep (microseconds), so a value read back
/// equals the value written. The only place that asks the system for the date.
#[allow(clippy::disallowed_methods)]
fn system_now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(6)
}

impl Clock {
    /// A clock that follows the system time.
    pub fn system() -> Self {
        Clock::default()
    }

    /// A clock standing still at `at` until set or advanced.
    pub fn stopped_at(at: DateTime<Utc>) -> Self {
        let clock = Clock::default();
        clock.set(at);
        clock
    }

    /// The current time on this clock, in microseconds.
    pub fn now(&self) -> DateTime<Utc> {
        match self.set_at.load(Ordering::Relaxed) {
            SYSTEM => system_now(),
            // Only values written by `set` come here, all within chrono's range.
            micros => DateTime::from_timestamp_micros(micros).unwrap_or_default(),
        }
    }

    /// Stop the clock at `at` (for tests): it reads `at` until set or advanced again.
    pub fn set(&self, at: DateTime<Utc>) {
        // `i64::MIN` µs is before chrono's range, so no valid instant is taken for SYSTEM.
        self.set_at.store(at.timestamp_micros(), Ordering::Relaxed);
    }

    /// Move the clock forward by `by` (backward if negative) and stop it there.
    pub fn advance(&self, by: TimeDelta) {
        self.set(self.now() + by);
    }

    /// Follow the system time again.
    pub fn follow_system(&self) {
        self.set_at.store(SYSTEM, Ordering::Relaxed);
    }

    /// Run `work` with this clock as the one [`now`] reads, in this task (a task spawned from it
    /// needs its own scope).
    pub fn scope<F: Future>(&self, work: F) -> impl Future<Output = F::Output> + use<F> {
        CURRENT.scope(self.clone(), work)
    }
}

/// The current time on the clock of this task (see [`Clock::scope`]), else the system's, at the
/// precision both databases keep (microseconds).
pub fn now() -> DateTime<Utc> {
    CURRENT
        .try_with(Clock::now)
        .unwrap_or_else(|_| system_now())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use chrono::TimeZone;

    fn at(h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2031, 5, 5, h, 0, 0).unwrap()
    }

    fn assert_reads_the_system(read: impl Fn() -> DateTime<Utc>) {
        let before = system_now();
        let read = read();
        assert!(
            before <= read && read <= system_now(),
            "{read} is the system time"
        );
    }

    #[test]
    fn a_stopped_clock_is_set_and_advanced_and_can_follow_the_system_again() {
        let clock = Clock::stopped_at(at(1));
        assert_eq!(clock.now(), at(1));
        let shared = clock.clone();
        shared.advance(TimeDelta::hours(2));
        assert_eq!(clock.now(), at(3), "clones share one setting");
        clock.set(at(0));
        assert_eq!(shared.now(), at(0));
        clock.follow_system();
        assert_reads_the_system(|| clock.now());
        let system = Clock::system().now();
        assert_eq!(
            system,
            system.trunc_subsecs(6),
            "microseconds, like the databases"
        );
    }

    #[tokio::test]
    async fn now_reads_the_clock_of_its_task_and_the_system_outside() {
        let a = Clock::stopped_at(at(1));
        let b = Clock::stopped_at(at(2));
        let (in_a, in_b) = tokio::join!(
            a.scope(async {
                tokio::task::yield_now().await;
                now()
            }),
            b.scope(async {
                tokio::task::yield_now().await;
                now()
            }),
        );
        assert_eq!((in_a, in_b), (at(1), at(2)));
        let nested = a.scope(b.scope(async { now() })).await;
        assert_eq!(nested, at(2), "the innermost scope wins");
        assert_reads_the_system(now);
    }
}
