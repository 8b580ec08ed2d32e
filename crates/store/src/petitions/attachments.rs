//! Attachments (첨부파일) of a petition: content-addressed blobs with their metadata rows. The
//! office's result documents (결과 문서: a permit, a certificate) are attachments too, marked
//! `result` so that only the petitioner and the office see them.

use super::*;
use crate::{fetch_all, fetch_one};
use domain::petitions::FileNote;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Attachment {
    pub id: i64,
    pub petition_id: i64,
    pub sha256: String,
    pub filename: String,
    pub content_type: String,
    pub size: i64,
    pub created_at: DateTime<Utc>,
    /// A result document the office issued, not something the petitioner sent.
    pub result: bool,
}

/// Record an attachment already written to the blob store; noted on the timeline.
pub async fn add_attachment(
    tx: &mut Tx,
    petition_id: PetitionId,
    blob: &crate::kit::blobs::StoredBlob,
    filename: &str,
    actor: Option<AccountId>,
    cal: &WorkCalendar,
    now: DateTime<Utc>,
) -> Result<Attachment> {
    let current = lock(tx, petition_id).await?;
    record(
        tx,
        petition_id,
        current,
        blob,
        filename,
        false,
        actor,
        cal,
        now,
    )
    .await
}

/// Record a result document already written to the blob store (the official's step; refused in
/// the states `domain::petitions::check_result_document` names); noted on the timeline.
pub async fn add_result_document(
    tx: &mut Tx,
    petition_id: PetitionId,
    blob: &crate::kit::blobs::StoredBlob,
    filename: &str,
    actor: Option<AccountId>,
    cal: &WorkCalendar,
    now: DateTime<Utc>,
) -> Result<Attachment> {
    let current = lock(tx, petition_id).await?;
    domain::petitions::check_result_document(current.state)?;
    record(
        tx,
        petition_id,
        current,
        blob,
        filename,
        true,
        actor,
        cal,
        now,
    )
    .await
}

#[allow(clippy::too_many_arguments)]
async fn record(
    tx: &mut Tx,
    petition_id: PetitionId,
    current: Derived,
    blob: &crate::kit::blobs::StoredBlob,
    filename: &str,
    result: bool,
    actor: Option<AccountId>,
    cal: &WorkCalendar,
    now: DateTime<Utc>,
) -> Result<Attachment> {
    let filename: String = filename
        .chars()
        .filter(|c| !c.is_control() && *c != '/' && *c != '\\')
        .take(200)
        .collect();
    let filename = if filename.trim().is_empty() {
        "attachment".to_string()
    } else {
        filename
    };
    let row = fetch_one!(tx, Attachment, "INSERT INTO petition_attachments (petition_id, sha256, filename, content_type, size, actor_id, created_at, result) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
         RETURNING id, petition_id, sha256, filename, content_type, size, created_at, result", petition_id, &blob.sha256, &filename, &blob.content_type, blob.size as i64, actor, now, result)
    .map_err(|e| conflict_on_unique(e, domain::Bilingual::new("같은 파일이 이미 첨부되어 있습니다", "this file is already attached")))?;
    let note = FileNote {
        result,
        filename,
        size: blob.size,
        sha256: blob.sha256.clone(),
    };
    let next = step(
        tx,
        petition_id,
        &current,
        Event::Note { text: note.text() },
        actor,
        cal,
        now,
    )
    .await?;
    persist(tx, petition_id, &next, cal, now).await?;
    Ok(row)
}

/// Every file of a petition, result documents included (the office's view).
pub async fn attachments(db: &Db, petition_id: PetitionId) -> Result<Vec<Attachment>> {
    Ok(fetch_all!(
        db,
        Attachment,
        "SELECT id, petition_id, sha256, filename, content_type, size, created_at, result \
         FROM petition_attachments WHERE petition_id = $1 ORDER BY id",
        petition_id
    )?)
}
