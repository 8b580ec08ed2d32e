//! Group commit (묶음 커밋) for intake: petitions filed at the same moment share one database
//! transaction and one flush to disk, each inside its own savepoint.
//!
//! Why: every intake takes the same few rows (the year's receipt counter, the change-sequence
//! head, the access log's chain head) and holds them until its commit, so concurrent intakes
//! queue up one flush each. One writer task takes whatever work is waiting, runs each piece in
//! a savepoint (a refused petition rolls back to it, and its counters and appended rows with it,
//! leaving the others untouched), commits once, and only then answers every caller. The counters
//! are read once per batch, and they and the appended rows are written once at its commit
//! ([`crate::kit::pending`]). Nobody waits for a batch to
//! fill: the first job starts at once, and the jobs that arrive during its commit form the next
//! batch.

use crate::{Db, Result, StoreError, Tx, on_tx};
use std::future::Future;
use std::pin::Pin;
use tokio::sync::{mpsc, oneshot};

/// A future borrowing the transaction.
pub type TxFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T>> + Send + 'a>>;

/// One caller's work, type-erased: run it in the batch (saying whether it succeeded, so its
/// savepoint is kept or undone), then tell the caller how it ended.
type Job = Box<dyn for<'a> FnOnce(&'a mut Tx) -> JobFuture<'a> + Send>;
type JobFuture<'a> = Pin<Box<dyn Future<Output = (bool, Finish)> + Send + 'a>>;
/// Called after the commit with its outcome (or the savepoint's own error, already captured).
type Finish = Box<dyn FnOnce(Option<&StoreError>) + Send>;

/// Most jobs in one transaction: keeps the time a batch holds the write lock bounded.
const MAX_BATCH: usize = 64;

/// The handle callers submit work through. Cheap to clone.
#[derive(Clone, Debug)]
pub struct GroupCommit {
    jobs: mpsc::Sender<Job>,
}

impl GroupCommit {
    /// Start the writer task on the current tokio runtime.
    pub fn start(db: Db) -> Self {
        let (jobs, rx) = mpsc::channel::<Job>(MAX_BATCH * 4);
        tokio::spawn(writer(db, rx));
        GroupCommit { jobs }
    }

    /// Run `work` inside a shared transaction and return its result once that transaction
    /// has committed. An error from `work` rolls back its own changes only.
    pub async fn run<T, F>(&self, work: F) -> Result<T>
    where
        T: Send + 'static,
        F: for<'a> FnOnce(&'a mut Tx) -> TxFuture<'a, T> + Send + 'static,
    {
        let (tell, answer) = oneshot::channel::<Result<T>>();
        let job: Job = Box::new(move |tx: &mut Tx| {
            Box::pin(async move {
                let outcome = work(tx).await;
                let succeeded = outcome.is_ok();
                let finish: Finish = Box::new(move |commit: Option<&StoreError>| {
                    let result = match (outcome, commit) {
                        (Err(e), _) => Err(e),
                        (Ok(_), Some(e)) => {
                            Err(StoreError::internal("the batch could not be committed", e))
                        }
                        (Ok(v), None) => Ok(v),
                    };
                    // The caller may have gone away (a closed connection): nothing to tell.
                    let _ = tell.send(result);
                });
                (succeeded, finish)
            })
        });
        self.jobs.send(job).await.map_err(|_| not_saved())?;
        // A dropped answer means the batch never got to this job (no transaction, a broken
        // connection): nothing of it was saved.
        answer.await.map_err(|_| not_saved())?
    }
}

fn not_saved() -> StoreError {
    StoreError::Internal("the group commit worker is gone: nothing was saved".into())
}

/// Savepoint statements, run as one round trip (several statements in one simple query).
async fn savepoint(tx: &mut Tx, sql: &'static str) -> Result<()> {
    on_tx!(tx, |conn| sqlx::raw_sql(sql)
        .execute(&mut *conn)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(())
}

/// The writer: one batch at a time until every handle is dropped. Each batch runs in a task of
/// its own, so a batch that fails badly loses its own jobs (their callers hear "not saved")
/// and the writer goes on.
async fn writer(db: Db, mut rx: mpsc::Receiver<Job>) {
    let mut batch: Vec<Job> = Vec::with_capacity(MAX_BATCH);
    while rx.recv_many(&mut batch, MAX_BATCH).await > 0 {
        let jobs = std::mem::take(&mut batch);
        let batch = db.clock().scope(run_batch(db.clone(), jobs));
        if let Err(e) = tokio::spawn(batch).await {
            tracing::error!(error = %e, "an intake batch was lost");
        }
    }
}

async fn run_batch(db: Db, jobs: Vec<Job>) {
    let mut tx = match db.begin().await {
        Ok(tx) => tx,
        Err(e) => {
            tracing::error!(error = %e, "no transaction for an intake batch");
            return; // dropping the jobs tells their callers
        }
    };
    let mut jobs = jobs;
    if jobs.len() == 1
        && let Some(job) = jobs.pop()
    {
        // Alone: the transaction itself is the savepoint.
        match job(&mut tx).await {
            (true, finish) => finish(tx.commit().await.err().as_ref()),
            (false, finish) => finish(None), // dropping `tx` rolls it back
        }
        return;
    }
    let mut finishers: Vec<Finish> = Vec::with_capacity(jobs.len());
    // One savepoint serves the whole batch: after a job that succeeded it is released and taken
    // again, after one that failed it is rolled back to (which keeps it) — one round trip
    // between jobs either way. The counters the failed job took go back with it.
    const ROLLBACK: &str = "ROLLBACK TO SAVEPOINT intake";
    let mut between = "SAVEPOINT intake";
    for job in jobs {
        if let Err(e) = savepoint(&mut tx, between).await {
            // The batch's state is unknown from here: give up on all of it.
            tracing::error!(error = %e, "intake savepoint failed");
            return;
        }
        let before = tx.pending_mark();
        let (succeeded, finish) = job(&mut tx).await;
        between = if succeeded {
            "RELEASE SAVEPOINT intake; SAVEPOINT intake"
        } else {
            tx.rollback_pending(before);
            ROLLBACK
        };
        finishers.push(finish);
    }
    // COMMIT releases an open savepoint; only a failed last job needs undoing first.
    if between == ROLLBACK
        && let Err(e) = savepoint(&mut tx, ROLLBACK).await
    {
        tracing::error!(error = %e, "intake savepoint failed");
        return;
    }
    let outcome = tx.commit().await.err();
    for finish in finishers {
        finish(outcome.as_ref());
    }
}
