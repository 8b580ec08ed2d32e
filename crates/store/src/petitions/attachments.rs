//! Attachments (첨부파일) of a petition: content-addressed blobs with their metadata rows.

use super::*;
use crate::{fetch_all, fetch_one};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Attachment {
    pub id: i64,
    pub petition_id: i64,
    pub sha256: String,
    pub filename: String,
    pub content_type: String,
    pub size: i64,
    pub created_at: DateTime<Utc>,
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
    let row = fetch_one!(tx, Attachment, "INSERT INTO petition_attachments (petition_id, sha256, filename, content_type, size, actor_id, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) \
         RETURNING id, petition_id, sha256, filename, content_type, size, created_at", petition_id, &blob.sha256, &filename, &blob.content_type, blob.size as i64, actor, now)
    .map_err(|e| conflict_on_unique(e, domain::Bilingual::new("같은 파일이 이미 첨부되어 있습니다", "this file is already attached")))?;
    let next = step(
        tx,
        petition_id,
        &current,
        Event::Note {
            text: format!(
                "첨부 {filename} ({} bytes, sha256 {})",
                blob.size, blob.sha256
            ),
        },
        actor,
        cal,
        now,
    )
    .await?;
    persist(tx, petition_id, &next, cal, now).await?;
    Ok(row)
}

pub async fn attachments(db: &Db, petition_id: PetitionId) -> Result<Vec<Attachment>> {
    Ok(fetch_all!(
        db,
        Attachment,
        "SELECT id, petition_id, sha256, filename, content_type, size, created_at \
         FROM petition_attachments WHERE petition_id = $1 ORDER BY id",
        petition_id
    )?)
}
