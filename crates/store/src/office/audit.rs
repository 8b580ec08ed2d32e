//! The access log (접속기록), append-only and hash-chained (see `domain::office::audit`).

use crate::{Db, Result, Tx, execute, fetch_all, fetch_one, fetch_optional};
use chrono::{DateTime, Utc};
use domain::office::audit::{AuditEntry, AuditRecord, ChainBreak, ChainVerifier, entry_hash};

#[derive(sqlx::FromRow)]
struct EntryRow {
    seq: i64,
    at: DateTime<Utc>,
    account_id: Option<i64>,
    address: String,
    subject: String,
    action: String,
    reason: String,
    prev_hash: String,
    hash: String,
}

impl From<EntryRow> for AuditEntry {
    fn from(r: EntryRow) -> Self {
        AuditEntry {
            seq: r.seq,
            at: r.at,
            account_id: r.account_id,
            address: r.address,
            subject: r.subject,
            action: r.action,
            reason: r.reason,
            prev_hash: r.prev_hash,
            hash: r.hash,
        }
    }
}

/// Append one entry inside the caller's transaction, so the access and its log commit together
/// (the row is written at the commit, with the others of the transaction). The head row is
/// locked at the transaction's first append (the write lock on SQLite, the row lock on
/// PostgreSQL) before the previous hash is read, so concurrent appends form one chain.
pub async fn append(tx: &mut Tx, record: &AuditRecord) -> Result<AuditEntry> {
    let head = tx.audit_head().await?;
    let (seq, prev_hash) = (head.seq + 1, head.hash.clone());
    let hash = entry_hash(seq, &prev_hash, record);
    let entry = AuditEntry {
        seq,
        at: record.at,
        account_id: record.account_id,
        address: record.address.clone(),
        subject: record.subject.clone(),
        action: record.action.clone(),
        reason: record.reason.clone(),
        prev_hash,
        hash,
    };
    tx.append_audit(entry.clone()).await?;
    Ok(entry)
}

/// Append one entry in a transaction of its own (reads that change nothing else).
pub async fn record(db: &Db, record: &AuditRecord) -> Result<AuditEntry> {
    let mut tx = db.begin().await?;
    let entry = append(&mut tx, record).await?;
    tx.commit().await?;
    Ok(entry)
}

/// Filters for reading the log.
#[derive(Debug, Default, Clone)]
pub struct AuditQuery {
    pub subject: Option<String>,
    pub account_id: Option<i64>,
    pub before_seq: Option<i64>,
    pub limit: i64,
}

/// Newest first.
pub async fn list(db: &Db, q: &AuditQuery) -> Result<Vec<AuditEntry>> {
    let rows = fetch_all!(
        db,
        EntryRow,
        "SELECT seq, at, account_id, address, subject, action, reason, prev_hash, hash FROM audit_log \
         WHERE ($1 IS NULL OR subject = $1) AND ($2 IS NULL OR account_id = $2) \
         AND ($3 IS NULL OR seq < $3) ORDER BY seq DESC LIMIT $4",
        q.subject.as_deref(),
        q.account_id,
        q.before_seq,
        q.limit.clamp(1, 1000)
    )?;
    Ok(rows.into_iter().map(AuditEntry::from).collect())
}

/// Outcome of [`verify`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verification {
    Intact { entries: u64 },
    Broken(ChainBreak),
}

#[derive(sqlx::FromRow)]
struct Head {
    seq: i64,
    hash: String,
    pruned_seq: i64,
    pruned_hash: String,
}

async fn head(db: &Db) -> Result<Head> {
    Ok(fetch_one!(
        db,
        Head,
        "SELECT seq, hash, pruned_seq, pruned_hash FROM audit_head WHERE id = 1"
    )?)
}

/// Walk the whole chain in pages, recomputing every hash.
pub async fn verify(db: &Db) -> Result<Verification> {
    const PAGE: i64 = 5000;
    let head = head(db).await?;
    let mut verifier = ChainVerifier::new(head.pruned_seq, &head.pruned_hash);
    let mut after = head.pruned_seq;
    loop {
        let rows = fetch_all!(
            db,
            EntryRow,
            "SELECT seq, at, account_id, address, subject, action, reason, prev_hash, hash \
             FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2",
            after,
            PAGE
        )?;
        let n = rows.len();
        for row in rows {
            let entry = AuditEntry::from(row);
            after = entry.seq;
            if let Err(b) = verifier.push(&entry) {
                return Ok(Verification::Broken(b));
            }
        }
        if n < PAGE as usize {
            break;
        }
    }
    Ok(match verifier.finish(head.seq, &head.hash) {
        Ok(entries) => Verification::Intact { entries },
        Err(b) => Verification::Broken(b),
    })
}

/// Delete entries older than `cutoff` (the retention setting, default 2 years) and remember the
/// last deleted entry as the chain's new starting point. Returns how many were deleted.
pub async fn prune(db: &Db, cutoff: DateTime<Utc>) -> Result<u64> {
    let mut tx = db.begin().await?;
    // Lock the head first, as `append` does.
    tx.audit_head().await?;
    let last: Option<(i64, String)> = fetch_optional!(
        &mut tx,
        _,
        "SELECT seq, hash FROM audit_log WHERE at < $1 ORDER BY seq DESC LIMIT 1",
        cutoff
    )?;
    let Some((seq, hash)) = last else {
        return Ok(0);
    };
    let done = execute!(&mut tx, "DELETE FROM audit_log WHERE seq <= $1", seq)?;
    execute!(
        &mut tx,
        "UPDATE audit_head SET pruned_seq = $1, pruned_hash = $2 WHERE id = 1",
        seq,
        &hash
    )?;
    tx.commit().await?;
    Ok(done)
}
