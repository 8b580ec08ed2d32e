//! Persistence: SQLite (embedded, default) or PostgreSQL, chosen by the database URL.
//!
//! Every query is written once. [`Db`] and [`Tx`] hold a pool or transaction of either backend
//! and the [`on_db!`]/[`on_tx!`] macros run the same SQL text against whichever it is; only the
//! migrations differ per backend (column types). Writes take a [`Tx`] so that a change and its
//! access-log entry commit together or not at all.

// Database plumbing that knows no capability.
pub mod kit;

// One folder per capability, with the same name in `domain` and `web`.
pub mod office;
pub mod open311;
pub mod petitions;
pub mod programs;
pub mod protection;
pub mod service_access;
pub mod wellbeing;

// Test databases and fixtures: for tests and benchmarks only, never in the binary.
#[cfg(any(test, feature = "testing"))]
pub mod testing;

use chrono::{DateTime, Utc};
pub use kit::clock::Clock;
use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::{Postgres, Sqlite, Transaction};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("not found")]
    NotFound,
    /// The change conflicts with what is stored (a taken name, a state that does not allow it).
    #[error("{0}")]
    Conflict(domain::Bilingual),
    #[error("{0}")]
    Rule(#[from] domain::RuleError),
    #[error("unsupported database URL '{0}': use sqlite://PATH or postgres://…")]
    BadUrl(String),
    #[error("password hashing failed")]
    Hashing,
    /// Something the caller cannot fix failed (a file, the search index, stored JSON, a commit).
    /// The text is for the log, never for the answer.
    #[error("{0}")]
    Internal(String),
}

impl StoreError {
    pub fn conflict(ko: impl Into<String>, en: impl Into<String>) -> Self {
        StoreError::Conflict(domain::Bilingual::new(ko, en))
    }

    /// An internal failure: what was being done, and the error underneath.
    pub fn internal(what: &str, e: impl std::fmt::Display) -> Self {
        StoreError::Internal(format!("{what}: {e}"))
    }
}

pub type Result<T> = std::result::Result<T, StoreError>;

/// A connection pool to one of the two backends, with what the process keeps of that database.
#[derive(Clone, Debug)]
pub struct Db {
    pub pool: Pool,
    pub(crate) kept: Arc<Kept>,
    /// The clock of everything done on this database (set by tests; see [`kit::clock`]).
    clock: Clock,
}

#[derive(Clone, Debug)]
pub enum Pool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// Read-mostly data this process keeps per database for a short while, since every request
/// needs it and it changes a few times a year (see `petitions::KEPT_FOR`). An edit made through
/// this process drops the kept copy at once.
#[derive(Default)]
pub(crate) struct Kept {
    /// The working calendar, its fingerprint and when that fingerprint was last checked.
    pub calendar:
        std::sync::Mutex<Option<(std::time::Instant, String, Arc<calendar::WorkCalendar>)>>,
    /// The org chart and when it was read.
    pub org: std::sync::Mutex<Option<(std::time::Instant, domain::access::OrgChart)>>,
    /// Petition types by id, each with when it was read.
    pub types: std::sync::Mutex<
        std::collections::HashMap<i64, (std::time::Instant, petitions::PetitionType)>,
    >,
}

/// Kept data an edit makes stale.
#[derive(Debug)]
pub(crate) enum Stale {
    Calendar,
    OrgChart,
    Type(i64),
}

impl Kept {
    pub(crate) fn forget(&self, what: &Stale) {
        match what {
            Stale::Calendar => {
                if let Ok(mut c) = self.calendar.lock() {
                    *c = None;
                }
            }
            Stale::OrgChart => {
                if let Ok(mut o) = self.org.lock() {
                    *o = None;
                }
            }
            Stale::Type(id) => {
                if let Ok(mut t) = self.types.lock() {
                    t.remove(id);
                }
            }
        }
    }
}

impl std::fmt::Debug for Kept {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Kept")
    }
}

/// A transaction on one of the two backends, with what it keeps until its commit (the shared
/// counters it took, the append-only rows it wrote: [`pending`]). Dropped without
/// [`Tx::commit`], it rolls back.
pub struct Tx {
    /// Public for [`on_tx!`] only.
    #[doc(hidden)]
    pub conn: TxConn,
    pending: kit::pending::Pending,
    kept: Arc<Kept>,
    /// Kept data this transaction changes, forgotten once it has committed.
    stale: Vec<Stale>,
}

#[doc(hidden)]
pub enum TxConn {
    Sqlite(Transaction<'static, Sqlite>),
    Postgres(Transaction<'static, Postgres>),
}

/// Run `$body` with `$pool` bound to the backend's pool (`&SqlitePool` or `&PgPool`).
#[macro_export]
macro_rules! on_db {
    ($db:expr, |$pool:ident| $body:expr) => {
        match &($db).pool {
            $crate::Pool::Sqlite($pool) => $body,
            $crate::Pool::Postgres($pool) => $body,
        }
    };
}

/// Run `$body` with `$conn` bound to the transaction's connection; use `&mut *$conn` as executor.
#[macro_export]
macro_rules! on_tx {
    ($tx:expr, |$conn:ident| $body:expr) => {
        match &mut ($tx).conn {
            $crate::TxConn::Sqlite(t) => {
                let $conn = &mut **t;
                $body
            }
            $crate::TxConn::Postgres(t) => {
                let $conn = &mut **t;
                $body
            }
        }
    };
}

/// Connections per pool: enough for every core to wait on I/O twice over, and a few spare for
/// the outbox worker and health checks.
fn pool_size() -> u32 {
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2);
    u32::try_from(cores * 2 + 2).unwrap_or(8)
}

impl Db {
    fn new(pool: Pool) -> Self {
        Db {
            pool,
            kept: Arc::default(),
            clock: Clock::system(),
        }
    }

    /// The clock of this database: the system's unless a test has set it. Clones share it.
    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    /// Connect to `sqlite://PATH` (created if missing; WAL, synchronous=FULL) or `postgres://…`.
    pub async fn connect(url: &str) -> Result<Db> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let pool = PgPoolOptions::new()
                .max_connections(pool_size())
                .acquire_timeout(Duration::from_secs(10))
                .connect(url)
                .await?;
            Ok(Db::new(Pool::Postgres(pool)))
        } else if url.starts_with("sqlite:") {
            let opts = SqliteConnectOptions::from_str(url)?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Full)
                .busy_timeout(Duration::from_secs(10))
                .foreign_keys(true);
            let pool = SqlitePoolOptions::new()
                .max_connections(pool_size())
                .acquire_timeout(Duration::from_secs(10))
                // A file on this machine does not drop connections; the check before every use
                // would double the cost of a short read (a second trip to the worker thread).
                .test_before_acquire(false)
                .connect_with(opts)
                .await?;
            Ok(Db::new(Pool::Sqlite(pool)))
        } else {
            Err(StoreError::BadUrl(url.to_string()))
        }
    }

    /// Apply the migrations of this backend that have not run yet.
    pub async fn migrate(&self) -> Result<()> {
        match &self.pool {
            Pool::Sqlite(pool) => sqlx::migrate!("migrations/sqlite").run(pool).await?,
            Pool::Postgres(pool) => sqlx::migrate!("migrations/postgres").run(pool).await?,
        }
        Ok(())
    }

    pub async fn begin(&self) -> Result<Tx> {
        let conn = match &self.pool {
            // IMMEDIATE takes the write lock at BEGIN, where the busy timeout applies. A
            // deferred transaction that reads first and writes later cannot wait: SQLite
            // refuses its upgrade at once ("database is locked") when another writer got in
            // between. Every `begin` here is for writing; plain reads use the pool.
            Pool::Sqlite(pool) => TxConn::Sqlite(pool.begin_with("BEGIN IMMEDIATE").await?),
            Pool::Postgres(pool) => TxConn::Postgres(pool.begin().await?),
        };
        Ok(Tx {
            conn,
            pending: kit::pending::Pending::default(),
            kept: self.kept.clone(),
            stale: Vec::new(),
        })
    }

    pub fn backend(&self) -> &'static str {
        match self.pool {
            Pool::Sqlite(_) => "sqlite",
            Pool::Postgres(_) => "postgres",
        }
    }

    /// A cheap round trip, for the health check.
    pub async fn ping(&self) -> Result<()> {
        execute!(self, "SELECT 1")?;
        Ok(())
    }

    /// Wait for in-flight statements and close every connection (graceful shutdown).
    pub async fn close(&self) {
        on_db!(self, |pool| pool.close().await)
    }
}

impl Tx {
    /// Write what is pending (appended rows, counters), then commit.
    pub async fn commit(mut self) -> Result<()> {
        self.flush_pending().await?;
        match self.conn {
            TxConn::Sqlite(t) => t.commit().await?,
            TxConn::Postgres(t) => t.commit().await?,
        }
        for s in &self.stale {
            self.kept.forget(s);
        }
        Ok(())
    }

    /// Forget the kept copy of `what` once this transaction has committed.
    pub(crate) fn changes(&mut self, what: Stale) {
        self.stale.push(what);
    }
}

/// The current time at the precision both databases keep (microseconds), so a value read back
/// equals the value written: the clock of this task (a request runs on its database's clock),
/// else the system's. See [`kit::clock`].
pub fn now() -> DateTime<Utc> {
    kit::clock::now()
}

/// Map a unique-constraint violation to a [`StoreError::Conflict`] with a message for people.
pub(crate) fn conflict_on_unique(e: sqlx::Error, message: domain::Bilingual) -> StoreError {
    match &e {
        sqlx::Error::Database(d) if d.is_unique_violation() => StoreError::Conflict(message),
        _ => StoreError::Database(e),
    }
}
