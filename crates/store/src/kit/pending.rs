//! What a write transaction keeps in memory until its commit: the shared counters it took — the
//! year's receipt number (접수번호), the change-sequence head, the access log's chain head — and
//! the append-only rows it wrote (timeline events, access-log entries).
//!
//! Why: each counter is one row every writer takes, and the appended rows are never read back
//! inside the transaction that writes them. Reading (and locking) each counter once, and writing
//! counters and appended rows once just before the commit, gives the same numbers, locks and rows
//! as a statement per use, but a batch of filings (group commit) pays a few statements per batch
//! instead of several per filing. A savepoint that is rolled back restores the mark it took
//! ([`Tx::pending_mark`]), so numbers taken by a refused filing are handed out again and its rows
//! are never written.

use crate::{Result, Tx, execute, fetch_one, on_tx};
use chrono::{DateTime, Utc};
use domain::office::audit::AuditEntry;
use std::collections::BTreeMap;

/// One counter: its value and whether the transaction moved it.
#[derive(Clone, Debug)]
struct Counter {
    value: i64,
    moved: bool,
}

/// The access log's chain head: the last entry's number and hash.
#[derive(Clone, Debug)]
pub(crate) struct ChainHead {
    pub seq: i64,
    pub hash: String,
    moved: bool,
}

/// A timeline event waiting for the commit.
#[derive(Clone, Debug)]
pub(crate) struct EventRow {
    pub petition_id: i64,
    pub seq: i64,
    pub at: DateTime<Utc>,
    pub actor_id: Option<i64>,
    pub kind: &'static str,
    pub data: String,
}

/// The counters read so far (none until first use) and the rows appended.
#[derive(Debug, Default)]
pub struct Pending {
    change: Option<Counter>,
    audit: Option<ChainHead>,
    receipts: BTreeMap<i64, Counter>,
    events: Vec<EventRow>,
    entries: Vec<AuditEntry>,
}

/// Where a transaction's pending state stood at a savepoint.
#[derive(Debug)]
pub(crate) struct Mark {
    change: Option<Counter>,
    audit: Option<ChainHead>,
    receipts: BTreeMap<i64, Counter>,
    events: usize,
    entries: usize,
}

/// Most rows in one multi-row INSERT (well under either database's limit on parameters).
const ROWS_PER_INSERT: usize = 500;

impl Tx {
    /// The next change number (the head row stays locked until the transaction ends, so
    /// numbers increase in commit order).
    pub(crate) async fn next_change_seq(&mut self) -> Result<i64> {
        let counter = match self.pending.change.take() {
            Some(c) => c,
            None => {
                let (value,): (i64,) = fetch_one!(
                    self,
                    _,
                    "UPDATE petition_change_head SET seq = seq WHERE id = 1 RETURNING seq"
                )?;
                Counter::read(value)
            }
        };
        Ok(self.pending.change.insert(counter).advance())
    }

    /// The next receipt count of `year`; gap-free among committed receipts and in order.
    pub(crate) async fn next_receipt_count(&mut self, year: i64) -> Result<i64> {
        let counter = match self.pending.receipts.remove(&year) {
            Some(c) => c,
            None => {
                // Creates the year's row at its first receipt, and locks it.
                let (value,): (i64,) = fetch_one!(
                    self,
                    _,
                    "INSERT INTO receipt_counters (year, last) VALUES ($1, 0) \
                     ON CONFLICT (year) DO UPDATE SET last = receipt_counters.last RETURNING last",
                    year
                )?;
                Counter::read(value)
            }
        };
        Ok(self
            .pending
            .receipts
            .entry(year)
            .or_insert(counter)
            .advance())
    }

    /// The access log's chain head, read and locked on first use.
    pub(crate) async fn audit_head(&mut self) -> Result<&mut ChainHead> {
        let head = match self.pending.audit.take() {
            Some(h) => h,
            None => {
                let (seq, hash): (i64, String) = fetch_one!(
                    self,
                    _,
                    "UPDATE audit_head SET seq = seq WHERE id = 1 RETURNING seq, hash"
                )?;
                ChainHead {
                    seq,
                    hash,
                    moved: false,
                }
            }
        };
        Ok(self.pending.audit.insert(head))
    }

    /// Append an access-log entry chained to [`Tx::audit_head`] (its hash already computed).
    pub(crate) async fn append_audit(&mut self, entry: AuditEntry) -> Result<()> {
        let (seq, hash) = (entry.seq, entry.hash.clone());
        self.audit_head().await?.advance_to(seq, hash);
        self.pending.entries.push(entry);
        Ok(())
    }

    /// Append timeline events.
    pub(crate) fn append_events(&mut self, rows: impl IntoIterator<Item = EventRow>) {
        self.pending.events.extend(rows);
    }

    /// Where the pending state stands now, to go back to if a savepoint is rolled back.
    pub(crate) fn pending_mark(&self) -> Mark {
        Mark {
            change: self.pending.change.clone(),
            audit: self.pending.audit.clone(),
            receipts: self.pending.receipts.clone(),
            events: self.pending.events.len(),
            entries: self.pending.entries.len(),
        }
    }

    pub(crate) fn rollback_pending(&mut self, mark: Mark) {
        self.pending.change = mark.change;
        self.pending.audit = mark.audit;
        self.pending.receipts = mark.receipts;
        self.pending.events.truncate(mark.events);
        self.pending.entries.truncate(mark.entries);
    }

    /// Write the appended rows and every counter the transaction moved (just before commit).
    pub(crate) async fn flush_pending(&mut self) -> Result<()> {
        let pending = std::mem::take(&mut self.pending);
        for rows in pending.events.chunks(ROWS_PER_INSERT) {
            self.insert_events(rows).await?;
        }
        for rows in pending.entries.chunks(ROWS_PER_INSERT) {
            self.insert_entries(rows).await?;
        }
        if let Some(c) = pending.change.filter(|c| c.moved) {
            execute!(
                self,
                "UPDATE petition_change_head SET seq = $1 WHERE id = 1",
                c.value
            )?;
        }
        if let Some(a) = pending.audit.filter(|a| a.moved) {
            execute!(
                self,
                "UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1",
                a.seq,
                &a.hash
            )?;
        }
        for (year, c) in pending.receipts.into_iter().filter(|(_, c)| c.moved) {
            execute!(
                self,
                "UPDATE receipt_counters SET last = $1 WHERE year = $2",
                c.value,
                year
            )?;
        }
        Ok(())
    }

    async fn insert_events(&mut self, rows: &[EventRow]) -> Result<()> {
        let sql = format!(
            "INSERT INTO petition_events (petition_id, seq, at, actor_id, kind, data) VALUES {}",
            placeholders(rows.len(), 6)
        );
        on_tx!(self, |conn| {
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
            for r in rows {
                q = q
                    .bind(r.petition_id)
                    .bind(r.seq)
                    .bind(r.at)
                    .bind(r.actor_id)
                    .bind(r.kind)
                    .bind(&r.data);
            }
            q.execute(&mut *conn).await.map(|r| r.rows_affected())
        })?;
        Ok(())
    }

    async fn insert_entries(&mut self, rows: &[AuditEntry]) -> Result<()> {
        let sql = format!(
            "INSERT INTO audit_log (seq, at, account_id, address, subject, action, reason, \
             prev_hash, hash) VALUES {}",
            placeholders(rows.len(), 9)
        );
        on_tx!(self, |conn| {
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
            for r in rows {
                q = q
                    .bind(r.seq)
                    .bind(r.at)
                    .bind(r.account_id)
                    .bind(&r.address)
                    .bind(&r.subject)
                    .bind(&r.action)
                    .bind(&r.reason)
                    .bind(&r.prev_hash)
                    .bind(&r.hash);
            }
            q.execute(&mut *conn).await.map(|r| r.rows_affected())
        })?;
        Ok(())
    }
}

/// `($1, …, $width), ($width+1, …), …` for `rows` rows.
pub(crate) fn placeholders(rows: usize, width: usize) -> String {
    (0..rows)
        .map(|r| {
            let cells: Vec<String> = (1..=width).map(|c| format!("${}", r * width + c)).collect();
            format!("({})", cells.join(", "))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

impl Counter {
    fn read(value: i64) -> Self {
        Counter {
            value,
            moved: false,
        }
    }

    fn advance(&mut self) -> i64 {
        self.value += 1;
        self.moved = true;
        self.value
    }
}

impl ChainHead {
    fn advance_to(&mut self, seq: i64, hash: String) {
        self.seq = seq;
        self.hash = hash;
        self.moved = true;
    }
}
