//! Flags on petitions (위험 표시) and the screened petitions the protection officer reviews.

use super::*;
use crate::{fetch_all, fetch_one, fetch_optional, kit::ByKey};

#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct Flag {
    pub id: i64,
    pub petition_id: Option<i64>,
    pub channel: String,
    #[serde(skip)]
    pub petitioner_key: String,
    pub reason: String,
    pub department_id: Option<DepartmentId>,
    pub raised_by: AccountId,
    pub created_at: DateTime<Utc>,
}

/// The petitions' identity of a petitioner, so incidents and flags find their history.
pub async fn petitioner_key_of(db: &Db, petition_id: i64) -> Result<String> {
    let row: Option<(String,)> = fetch_optional!(
        db,
        _,
        "SELECT petitioner_key FROM petitions WHERE id = $1",
        petition_id
    )?;
    Ok(row.or_not_found()?.0)
}

/// The same identity for a caller or visitor known only by name and phone (as petitions
/// hash it), so a call can be matched with the same person's petitions.
pub fn petitioner_key(name: &str, phone: &str) -> String {
    use sha2::{Digest, Sha256};
    let digits: String = phone.chars().filter(char::is_ascii_digit).collect();
    if name.trim().is_empty() && digits.is_empty() {
        return String::new();
    }
    hex::encode(Sha256::digest(
        format!("person:{}:{digits}", name.trim()).as_bytes(),
    ))
}

pub struct NewFlag<'a> {
    pub petition_id: Option<i64>,
    pub channel: Channel,
    pub petitioner_key: &'a str,
    pub reason: &'a str,
    pub department_id: Option<DepartmentId>,
    pub raised_by: AccountId,
}

pub async fn raise_flag(tx: &mut Tx, new: &NewFlag<'_>, now: DateTime<Utc>) -> Result<Flag> {
    let reason = new.reason.trim();
    if reason.is_empty() || reason.chars().count() > rules::MAX_SHORT_CHARS {
        return Err(bad(
            "flag_reason_required",
            "표시 사유를 적으세요 (200자 이내)",
            "give the reason for the flag (at most 200 characters)",
        ));
    }
    Ok(fetch_one!(
        tx,
        Flag,
        "INSERT INTO protection_flags (petition_id, channel, petitioner_key, reason, department_id, raised_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) \
         RETURNING id, petition_id, channel, petitioner_key, reason, department_id, raised_by, created_at",
        new.petition_id,
        new.channel.as_str(),
        new.petitioner_key,
        reason,
        new.department_id,
        new.raised_by,
        now
    )?)
}

/// Flags on one petitioner (officials' own), newest first.
pub async fn flags_of_petitioner(db: &Db, key: &str) -> Result<Vec<Flag>> {
    if key.is_empty() {
        return Ok(vec![]);
    }
    Ok(fetch_all!(
        db,
        Flag,
        "SELECT id, petition_id, channel, petitioner_key, reason, department_id, raised_by, created_at \
         FROM protection_flags WHERE petitioner_key = $1 ORDER BY id DESC LIMIT 100",
        key
    )?)
}

/// The newest officials' flags.
pub async fn recent_flags(db: &Db, limit: i64) -> Result<Vec<Flag>> {
    Ok(fetch_all!(
        db,
        Flag,
        "SELECT id, petition_id, channel, petitioner_key, reason, department_id, raised_by, created_at \
         FROM protection_flags ORDER BY id DESC LIMIT $1",
        limit
    )?)
}

/// A petition the text screening flagged (the automatic flags, kept on the petitions).
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct ScreenedPetition {
    pub id: i64,
    pub receipt_no: Option<String>,
    pub department_id: Option<DepartmentId>,
    pub abuse_score: f64,
    pub abuse_kinds: String,
    pub arrived_at: DateTime<Utc>,
}

/// The newest petitions the screening flagged as abusive.
pub async fn screened(db: &Db, limit: i64) -> Result<Vec<ScreenedPetition>> {
    Ok(fetch_all!(
        db,
        ScreenedPetition,
        "SELECT id, receipt_no, department_id, abuse_score, abuse_kinds, arrived_at FROM petitions \
         WHERE abuse_abusive = TRUE ORDER BY arrived_at DESC, id DESC LIMIT $1",
        limit
    )?)
}
