//! Evidence (증거) with its chain of custody, verification and retention.

use super::*;
use crate::{execute, fetch_all, fetch_one, fetch_optional, kit::ByKey};

#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct Evidence {
    pub id: i64,
    pub incident_id: i64,
    pub kind: String,
    pub sha256: String,
    pub filename: String,
    pub content_type: String,
    pub size: i64,
    pub uploaded_by: AccountId,
    pub created_at: DateTime<Utc>,
    /// When the file was deleted at the end of its retention period.
    pub purged_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct CustodyEntry {
    pub id: i64,
    pub evidence_id: i64,
    pub at: DateTime<Utc>,
    pub actor_id: Option<AccountId>,
    pub action: String,
    pub detail: String,
}

pub(super) const EVIDENCE_COLUMNS: &str = "id, incident_id, kind, sha256, filename, content_type, size, uploaded_by, created_at, purged_at";

/// Attach a stored blob to an incident, and open its custody log.
pub async fn add_evidence(
    tx: &mut Tx,
    incident_id: i64,
    kind: EvidenceKind,
    blob: &crate::kit::blobs::StoredBlob,
    filename: &str,
    actor: AccountId,
    now: DateTime<Utc>,
) -> Result<Evidence> {
    let name: String = filename
        .trim()
        .chars()
        .take(rules::MAX_SHORT_CHARS)
        .collect();
    let size = i64::try_from(blob.size).unwrap_or(i64::MAX);
    let sql = format!(
        "INSERT INTO protection_evidence (incident_id, kind, sha256, filename, content_type, size, uploaded_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING {EVIDENCE_COLUMNS}"
    );
    let e: Evidence = fetch_one!(
        tx,
        _,
        sqlx::AssertSqlSafe(sql),
        incident_id,
        kind.as_str(),
        &blob.sha256,
        &name,
        &blob.content_type,
        size,
        actor,
        now
    )
    .map_err(|e| {
        crate::conflict_on_unique(
            e,
            domain::Bilingual::new(
                "같은 파일이 이미 이 사건의 증거로 등록되어 있습니다",
                "this file is already evidence of this incident",
            ),
        )
    })?;
    log_custody(
        tx,
        e.id,
        CustodyAction::Uploaded,
        Some(actor),
        &blob.sha256,
        now,
    )
    .await?;
    Ok(e)
}

pub async fn log_custody(
    tx: &mut Tx,
    evidence_id: i64,
    action: CustodyAction,
    actor: Option<AccountId>,
    detail: &str,
    now: DateTime<Utc>,
) -> Result<CustodyEntry> {
    Ok(fetch_one!(
        tx,
        CustodyEntry,
        "INSERT INTO protection_custody (evidence_id, at, actor_id, action, detail) VALUES ($1, $2, $3, $4, $5) \
         RETURNING id, evidence_id, at, actor_id, action, detail",
        evidence_id,
        now,
        actor,
        action.as_str(),
        detail.trim()
    )?)
}

pub async fn evidence_of(db: &Db, incident_id: i64) -> Result<Vec<Evidence>> {
    let sql = format!(
        "SELECT {EVIDENCE_COLUMNS} FROM protection_evidence WHERE incident_id = $1 ORDER BY id"
    );
    Ok(fetch_all!(
        db,
        Evidence,
        sqlx::AssertSqlSafe(sql),
        incident_id
    )?)
}

pub async fn get_evidence(db: &Db, id: i64) -> Result<Evidence> {
    let sql = format!("SELECT {EVIDENCE_COLUMNS} FROM protection_evidence WHERE id = $1");
    fetch_optional!(db, Evidence, sqlx::AssertSqlSafe(sql), id)?.or_not_found()
}

/// Every evidence file (for the integrity sweep).
pub async fn all_evidence(db: &Db) -> Result<Vec<Evidence>> {
    let sql = format!("SELECT {EVIDENCE_COLUMNS} FROM protection_evidence ORDER BY id");
    Ok(fetch_all!(db, Evidence, sqlx::AssertSqlSafe(sql))?)
}

pub async fn custody_log(db: &Db, evidence_id: i64) -> Result<Vec<CustodyEntry>> {
    Ok(fetch_all!(
        db,
        CustodyEntry,
        "SELECT id, evidence_id, at, actor_id, action, detail FROM protection_custody \
         WHERE evidence_id = $1 ORDER BY id",
        evidence_id
    )?)
}

/// Check a stored evidence file against its address: `Ok(true)` when the bytes still hash to
/// it, `Ok(false)` when they changed (or vanished).
pub async fn verify_blob(blobs: &dyn crate::kit::blobs::BlobStore, sha256: &str) -> Result<bool> {
    match blobs.open(sha256).await {
        Ok(stream) => Ok(crate::kit::blobs::hash_stream(stream).await?.0 == sha256),
        Err(StoreError::NotFound) => Ok(false),
        Err(e) => Err(e),
    }
}

/// Check every evidence file against its address and write the outcome to each custody log
/// (no actor: the sweep). Returns the files that no longer match.
pub async fn verify_all(
    db: &Db,
    blobs: &dyn crate::kit::blobs::BlobStore,
    now: DateTime<Utc>,
) -> Result<(usize, Vec<Evidence>)> {
    // Purged files are gone on purpose: nothing to verify.
    let all: Vec<Evidence> = all_evidence(db)
        .await?
        .into_iter()
        .filter(|e| e.purged_at.is_none())
        .collect();
    let mut broken = Vec::new();
    for e in &all {
        let intact = verify_blob(blobs, &e.sha256).await?;
        let action = if intact {
            CustodyAction::Verified
        } else {
            CustodyAction::Mismatch
        };
        let mut tx = db.begin().await?;
        log_custody(&mut tx, e.id, action, None, "sweep", now).await?;
        tx.commit().await?;
        if !intact {
            broken.push(e.clone());
        }
    }
    Ok((all.len(), broken))
}

/// Delete the evidence files older than the retention setting ([`evidence_retention_days`]):
/// each is marked purged with a custody entry in one transaction, then its file is removed
/// unless another evidence record or a petition attachment still refers to the same content.
/// Returns how many were purged. Run it daily; it is idempotent.
pub async fn purge_expired_evidence(
    db: &Db,
    blobs: &dyn crate::kit::blobs::BlobStore,
    now: DateTime<Utc>,
) -> Result<u64> {
    let days = evidence_retention_days(db).await?;
    let cutoff = now - chrono::Duration::days(days);
    let expired: Vec<(i64, String)> = fetch_all!(
        db,
        _,
        "SELECT id, sha256 FROM protection_evidence WHERE purged_at IS NULL AND created_at < $1 ORDER BY id",
        cutoff
    )?;
    let mut purged = 0u64;
    for (id, sha256) in expired {
        let mut tx = db.begin().await?;
        let marked = execute!(
            &mut tx,
            "UPDATE protection_evidence SET purged_at = $1 WHERE id = $2 AND purged_at IS NULL",
            now,
            id
        )?;
        if marked == 0 {
            continue; // purged meanwhile by another server
        }
        let detail = format!("{days}일 보존 후 삭제 (deleted after {days} days)");
        log_custody(&mut tx, id, CustodyAction::Purged, None, &detail, now).await?;
        tx.commit().await?;
        let (still_used,): (i64,) = fetch_one!(
            db,
            _,
            "SELECT (SELECT COUNT(*) FROM protection_evidence WHERE sha256 = $1 AND purged_at IS NULL) \
             + (SELECT COUNT(*) FROM petition_attachments WHERE sha256 = $1)",
            &sha256
        )?;
        if still_used == 0 {
            blobs.remove(&sha256).await?;
        }
        purged += 1;
    }
    Ok(purged)
}
