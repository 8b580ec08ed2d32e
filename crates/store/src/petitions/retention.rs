//! Retention of petition files (개인정보 보호법 art. 21; DOMAIN.md section 8): a completed
//! petition is deleted once the retention period of its type has run, counted from the
//! 1 January after its completion (10 years unless the type or the office setting says
//! otherwise). What stays: the anonymous statistics (`petition_statistics`), the purge record
//! with no personal data (`petition_purges`) and one access-log entry per deletion.

use super::{from_json, work_calendar};
use crate::kit::blobs::BlobStore;
use crate::{
    Db, Result, StoreError, Tx, execute, execute_one, fetch_all, fetch_one, fetch_optional,
};
use calendar::WorkCalendar;
use chrono::{DateTime, Utc};
use domain::office::audit::AuditRecord;
use domain::petitions::{DEFAULT_RETENTION_YEARS, Derived, retention_cutoff, retention_ends};
use serde::Serialize;

/// The office's retention period in years (a setting; default [`DEFAULT_RETENTION_YEARS`]).
pub const RETENTION_SETTING: &str = "petitions.retention_years";

/// The states of a completed petition: only these are ever deleted.
const DONE_STATES_SQL: &str =
    "state IN ('answered', 'closed', 'transferred_out', 'returned', 'withdrawn')";

/// A petition whose retention has run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Expired {
    pub id: i64,
    pub receipt_no: Option<String>,
    pub type_id: i64,
    /// The last change of the completed petition (its completion, or a later note).
    pub completed_at: DateTime<Utc>,
    pub retention_years: u32,
    /// When it became deletable (1 January after completion + the period).
    pub deletable_from: DateTime<Utc>,
}

/// What a purge did (or, in a dry run, would do).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PurgeReport {
    pub dry_run: bool,
    pub petitions: Vec<Expired>,
    pub attachments_deleted: u64,
    /// Petitions deleted by earlier runs (so a second run can say nothing was left).
    pub purged_before: i64,
}

/// The office's retention period in years.
pub async fn office_years(db: &Db) -> Result<u32> {
    Ok(crate::office::settings::get(db, RETENTION_SETTING)
        .await?
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(DEFAULT_RETENTION_YEARS))
}

/// Set the office's retention period (at least 1 year).
pub async fn set_office_years(db: &Db, years: u32, now: DateTime<Utc>) -> Result<()> {
    if years == 0 || years > 100 {
        return Err(bad_years());
    }
    crate::office::settings::set(db, RETENTION_SETTING, &years.to_string(), now).await
}

/// Set a type's own retention period (`None` = the office's).
pub async fn set_type_years(tx: &mut Tx, type_id: i64, years: Option<u32>) -> Result<()> {
    if years.is_some_and(|y| y == 0 || y > 100) {
        return Err(bad_years());
    }
    execute_one!(
        tx,
        "UPDATE petition_types SET retention_years = $1 WHERE id = $2",
        years.map(i64::from),
        type_id
    )
}

fn bad_years() -> StoreError {
    StoreError::Rule(domain::RuleError::new(
        "bad_retention",
        "보존기간은 1년에서 100년 사이입니다",
        "retention must be 1 to 100 years",
    ))
}

/// Completed petitions whose retention has run at `now`, oldest first (at most `limit`).
pub async fn expired(db: &Db, now: DateTime<Utc>, limit: i64) -> Result<Vec<Expired>> {
    let office = office_years(db).await?;
    let types: Vec<(i64, Option<i64>)> = fetch_all!(
        db,
        _,
        "SELECT id, retention_years FROM petition_types ORDER BY id"
    )?;
    let mut out = Vec::new();
    for (type_id, own) in types {
        let years = own
            .and_then(|y| u32::try_from(y).ok())
            .filter(|y| *y > 0)
            .unwrap_or(office);
        let cutoff = retention_cutoff(now, years);
        let sql = format!(
            "SELECT id, receipt_no, updated_at FROM petitions \
             WHERE type_id = $1 AND {DONE_STATES_SQL} AND updated_at < $2 ORDER BY id LIMIT $3"
        );
        let rows: Vec<(i64, Option<String>, DateTime<Utc>)> =
            fetch_all!(db, _, sqlx::AssertSqlSafe(sql), type_id, cutoff, limit)?;
        out.extend(
            rows.into_iter()
                .map(|(id, receipt_no, completed_at)| Expired {
                    id,
                    receipt_no,
                    type_id,
                    completed_at,
                    retention_years: years,
                    deletable_from: retention_ends(completed_at, years),
                }),
        );
    }
    out.sort_by_key(|e| (e.completed_at, e.id));
    out.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
    Ok(out)
}

/// Delete every petition whose retention has run (or only list them when `dry_run`): its
/// row, timeline, attachments (the blob too unless another record uses it), tracking
/// password and Open311 record, after adding it to the anonymous statistics; one access-log
/// entry per deletion by `actor` (`None`: the daily sweep). Running it again finds nothing.
pub async fn purge(
    db: &Db,
    blobs: Option<&dyn BlobStore>,
    now: DateTime<Utc>,
    dry_run: bool,
    actor: Option<i64>,
    address: &str,
) -> Result<PurgeReport> {
    let mut report = PurgeReport {
        dry_run,
        petitions: Vec::new(),
        attachments_deleted: 0,
        purged_before: purged_count(db).await?,
    };
    let (cal, _) = work_calendar(db).await?;
    loop {
        let batch = expired(db, now, 500).await?;
        if batch.is_empty() {
            break;
        }
        if dry_run {
            report.petitions = batch;
            break;
        }
        for e in batch {
            let mut tx = db.begin().await?;
            let shas = purge_one(&mut tx, &cal, &e, now, actor, address).await?;
            tx.commit().await?;
            // Blobs go after the commit: a failed commit must not lose a file still referenced.
            if let Some(store) = blobs {
                for sha in shas {
                    if !blob_in_use(db, &sha).await? {
                        store.remove(&sha).await?;
                        report.attachments_deleted += 1;
                    }
                }
            }
            report.petitions.push(e);
        }
    }
    Ok(report)
}

/// How many petitions were deleted at the end of their retention so far.
pub async fn purged_count(db: &Db) -> Result<i64> {
    let (n,): (i64,) = fetch_one!(db, _, "SELECT COUNT(*) FROM petition_purges")?;
    Ok(n)
}

/// One month's anonymous counts, kept after the files are gone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct StatisticsRow {
    pub month: String,
    pub type_id: i64,
    pub department_id: i64,
    pub channel: String,
    pub petitions: i64,
    pub on_time: i64,
}

/// The statistics of deleted petitions, by month, type, department and channel.
pub async fn statistics(db: &Db) -> Result<Vec<StatisticsRow>> {
    Ok(fetch_all!(
        db,
        _,
        "SELECT month, type_id, department_id, channel, petitions, on_time \
         FROM petition_statistics ORDER BY month, type_id, department_id, channel"
    )?)
}

/// Delete one petition in `tx`; returns the attachments' SHA-256 for the blob clean-up.
async fn purge_one(
    tx: &mut Tx,
    cal: &WorkCalendar,
    e: &Expired,
    now: DateTime<Utc>,
    actor: Option<i64>,
    address: &str,
) -> Result<Vec<String>> {
    // Lock the row (a no-op update, as for every petition write) and read what the
    // statistics keep; a petition reopened meanwhile is left alone.
    let sql = format!(
        "UPDATE petitions SET event_count = event_count WHERE id = $1 AND {DONE_STATES_SQL} \
         RETURNING derived, department_id, channel, type_id"
    );
    let row: Option<(String, Option<i64>, String, i64)> =
        fetch_optional!(tx, _, sqlx::AssertSqlSafe(sql), e.id)?;
    let Some((derived, department_id, channel, type_id)) = row else {
        return Ok(Vec::new());
    };
    let d: Derived = from_json(&derived)?;
    let month = calendar::to_seoul(e.completed_at)
        .format("%Y-%m")
        .to_string();
    let on_time = i64::from(d.answered_on_time(cal));
    execute!(
        tx,
        "INSERT INTO petition_statistics (month, type_id, department_id, channel, petitions, on_time) \
         VALUES ($1, $2, $3, $4, 1, $5) ON CONFLICT (month, type_id, department_id, channel) \
         DO UPDATE SET petitions = petition_statistics.petitions + 1, \
         on_time = petition_statistics.on_time + $5",
        &month,
        type_id,
        department_id.unwrap_or(0),
        &channel,
        on_time
    )?;
    // The purge record first: the timeline's trigger lets its rows go only after it.
    let seq = tx.next_change_seq().await?;
    execute!(
        tx,
        "INSERT INTO petition_purges (petition_id, change_seq, purged_at) VALUES ($1, $2, $3)",
        e.id,
        seq,
        now
    )?;
    let shas: Vec<(String,)> = fetch_all!(
        tx,
        _,
        "SELECT sha256 FROM petition_attachments WHERE petition_id = $1",
        e.id
    )?;
    // Everything that names the petitioner or points at the petition.
    for sql in [
        "DELETE FROM petition_events WHERE petition_id = $1",
        "DELETE FROM petition_attachments WHERE petition_id = $1",
        "DELETE FROM petition_tracking WHERE petition_id = $1",
        "DELETE FROM open311_requests WHERE petition_id = $1",
        "DELETE FROM routing_suggestions WHERE petition_id = $1",
        "DELETE FROM routing_corrections WHERE petition_id = $1",
        "DELETE FROM draft_requests WHERE petition_id = $1",
        // Protection records are kept on their own terms; only the link goes.
        "UPDATE protection_flags SET petition_id = NULL WHERE petition_id = $1",
        "UPDATE protection_incidents SET petition_id = NULL WHERE petition_id = $1",
        "DELETE FROM petitions WHERE id = $1",
    ] {
        execute!(tx, sql, e.id)?;
    }
    crate::office::audit::append(
        tx,
        &AuditRecord {
            at: now,
            account_id: actor,
            address: address.to_string(),
            subject: match &e.receipt_no {
                Some(n) => format!("petitioner:{n}"),
                None => format!("petition:{}", e.id),
            },
            action: "petition.purge".into(),
            reason: format!(
                "보존기간 {}년 경과 (retention of {} years ended {})",
                e.retention_years,
                e.retention_years,
                calendar::to_seoul(e.deletable_from).format("%Y-%m-%d")
            ),
        },
    )
    .await?;
    Ok(shas.into_iter().map(|s| s.0).collect())
}

/// Whether any record still uses this blob (an attachment of another petition, evidence).
async fn blob_in_use(db: &Db, sha: &str) -> Result<bool> {
    let (n,): (i64,) = fetch_one!(
        db,
        _,
        "SELECT (SELECT COUNT(*) FROM petition_attachments WHERE sha256 = $1) + \
         (SELECT COUNT(*) FROM protection_evidence WHERE sha256 = $1)",
        sha
    )?;
    Ok(n > 0)
}
