//! Open311 GeoReport v2 storage: the client keys an administrator issues (stored as SHA-256
//! hashes, shown once), what an Open311 request carries beyond its petition (coordinates,
//! address id, device and account ids, media link, the token), and the queries behind
//! `GET /requests`. The petition itself is filed by `petitions::file` like any other.

use crate::kit::ByKey;
use crate::kit::secrets::{new_token, token_hash};
use crate::{
    Db, Result, Tx, conflict_on_unique, execute, fetch_all, fetch_one, fetch_optional, on_db,
};
use chrono::{DateTime, Utc};
use domain::RuleError;
use domain::office::audit::AuditRecord;
use domain::petitions::PetitionId;
use serde::Serialize;
use std::collections::HashMap;

/// POSTs per minute a key gets unless the administrator says otherwise.
pub const DEFAULT_RATE_PER_MINUTE: i64 = 60;

/// An issued client key (the secret itself is never stored).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Key {
    pub id: i64,
    pub name: String,
    pub rate_per_minute: i64,
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
}

const KEY_COLUMNS: &str = "id, name, rate_per_minute, created_at, revoked_at";

/// A key's name is a label for people (the client application): 1–60 printable characters.
fn check_name(name: &str) -> Result<&str> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 60 || name.chars().any(char::is_control) {
        return Err(RuleError::new(
            "bad_key_name",
            "키 이름은 1–60자의 글자여야 합니다",
            "a key name is 1 to 60 printable characters",
        )
        .into());
    }
    Ok(name)
}

/// Issue a key: returns it with the secret, which is shown this once.
pub async fn issue_key(
    tx: &mut Tx,
    name: &str,
    rate_per_minute: i64,
    now: DateTime<Utc>,
) -> Result<(Key, String)> {
    let name = check_name(name)?;
    if !(1..=100_000).contains(&rate_per_minute) {
        return Err(RuleError::new(
            "bad_rate",
            "분당 요청 수는 1에서 100,000 사이여야 합니다",
            "requests per minute must be between 1 and 100,000",
        )
        .into());
    }
    let secret = new_token()?;
    let sql = format!(
        "INSERT INTO open311_keys (name, key_hash, rate_per_minute, created_at) \
         VALUES ($1, $2, $3, $4) RETURNING {KEY_COLUMNS}"
    );
    let msg = domain::Bilingual::new(
        format!("Open311 키 '{name}'가 이미 있습니다. 먼저 폐기하세요"),
        format!("a live Open311 key named '{name}' exists; revoke it first"),
    );
    let key = fetch_one!(
        tx,
        Key,
        sqlx::AssertSqlSafe(sql.clone()),
        name,
        token_hash(&secret),
        rate_per_minute,
        now
    )
    .map_err(|e| conflict_on_unique(e, msg))?;
    Ok((key, secret))
}

/// Revoke the live key of that name. `NotFound` when there is none.
pub async fn revoke_key(tx: &mut Tx, name: &str, now: DateTime<Utc>) -> Result<Key> {
    let sql = format!(
        "UPDATE open311_keys SET revoked_at = $1 WHERE name = $2 AND revoked_at IS NULL \
         RETURNING {KEY_COLUMNS}"
    );
    fetch_optional!(tx, Key, sqlx::AssertSqlSafe(sql.clone()), now, name.trim())?.or_not_found()
}

/// Every key ever issued, newest first.
pub async fn list_keys(db: &Db) -> Result<Vec<Key>> {
    let sql = format!("SELECT {KEY_COLUMNS} FROM open311_keys ORDER BY id DESC");
    Ok(fetch_all!(db, Key, sqlx::AssertSqlSafe(sql))?)
}

/// The live key with this secret, if any.
pub async fn find_key(db: &Db, secret: &str) -> Result<Option<Key>> {
    let sql = format!(
        "SELECT {KEY_COLUMNS} FROM open311_keys WHERE key_hash = $1 AND revoked_at IS NULL"
    );
    Ok(fetch_optional!(
        db,
        Key,
        sqlx::AssertSqlSafe(sql),
        token_hash(secret)
    )?)
}

/// The access-log record of a key change made outside a session (the CLI).
fn key_record(name: &str, action: &str, reason: &str, now: DateTime<Utc>) -> AuditRecord {
    AuditRecord {
        at: now,
        account_id: None,
        address: String::new(),
        subject: format!("open311_key:{name}"),
        action: action.to_string(),
        reason: reason.to_string(),
    }
}

/// Issue a key and log it in one transaction (for the CLI, which has no caller account).
pub async fn issue_key_logged(db: &Db, name: &str, reason: &str) -> Result<(Key, String)> {
    let now = crate::now();
    let mut tx = db.begin().await?;
    let (key, secret) = issue_key(&mut tx, name, DEFAULT_RATE_PER_MINUTE, now).await?;
    crate::office::audit::append(
        &mut tx,
        &key_record(&key.name, "open311_key.issue", reason, now),
    )
    .await?;
    tx.commit().await?;
    Ok((key, secret))
}

/// Revoke a key and log it in one transaction (for the CLI).
pub async fn revoke_key_logged(db: &Db, name: &str, reason: &str) -> Result<Key> {
    let now = crate::now();
    let mut tx = db.begin().await?;
    let key = revoke_key(&mut tx, name, now).await?;
    crate::office::audit::append(
        &mut tx,
        &key_record(&key.name, "open311_key.revoke", reason, now),
    )
    .await?;
    tx.commit().await?;
    Ok(key)
}

/// What an Open311 request carries beyond its petition.
#[derive(Debug, Clone, Default, PartialEq, sqlx::FromRow)]
pub struct RequestExtra {
    pub petition_id: PetitionId,
    pub key_id: i64,
    pub token: String,
    pub lat: Option<f64>,
    pub long: Option<f64>,
    pub address_string: String,
    pub address_id: String,
    /// Write-only: never returned by GET.
    pub device_id: String,
    /// Write-only: echoed in the POST answer only.
    pub account_id: String,
    pub media_url: String,
}

const EXTRA_COLUMNS: &str = "petition_id, key_id, token, lat, long, address_string, address_id, \
    device_id, account_id, media_url";

/// Record the Open311 part of a request in the transaction that filed its petition. The token
/// is made here and returned in `extra.token`.
pub async fn add_request(
    tx: &mut Tx,
    extra: &RequestExtra,
    now: DateTime<Utc>,
) -> Result<RequestExtra> {
    let mut stored = extra.clone();
    stored.token = new_token()?;
    execute!(
        tx,
        "INSERT INTO open311_requests (petition_id, key_id, token, lat, long, address_string, \
         address_id, device_id, account_id, media_url, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        stored.petition_id,
        stored.key_id,
        &stored.token,
        stored.lat,
        stored.long,
        &stored.address_string,
        &stored.address_id,
        &stored.device_id,
        &stored.account_id,
        &stored.media_url,
        now
    )?;
    Ok(stored)
}

/// The petition behind a token.
pub async fn petition_for_token(db: &Db, token: &str) -> Result<Option<PetitionId>> {
    let row: Option<(i64,)> = fetch_optional!(
        db,
        _,
        "SELECT petition_id FROM open311_requests WHERE token = $1",
        token
    )?;
    Ok(row.map(|r| r.0))
}

/// The Open311 parts of these petitions (those filed through Open311), by petition id.
pub async fn extras(db: &Db, ids: &[PetitionId]) -> Result<HashMap<PetitionId, RequestExtra>> {
    let mut out = HashMap::new();
    // Chunks keep the statement's parameter count small on both databases.
    for chunk in ids.chunks(200) {
        let params: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "SELECT {EXTRA_COLUMNS} FROM open311_requests WHERE petition_id IN ({})",
            params.join(", ")
        );
        let rows = on_db!(db, |pool| {
            let mut q = sqlx::query_as::<_, RequestExtra>(sqlx::AssertSqlSafe(sql.clone()));
            for id in chunk {
                q = q.bind(*id);
            }
            q.fetch_all(pool).await
        })?;
        out.extend(rows.into_iter().map(|r| (r.petition_id, r)));
    }
    Ok(out)
}

/// Which petitions `GET /requests` lists (the spec's parameters other than ids).
#[derive(Debug, Clone)]
pub struct RequestFilter {
    /// Petition types to include (the published ones, or those of them the client named). Only
    /// petitions filed through the web form or Open311 are ever listed.
    pub type_ids: Vec<i64>,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    /// `Some(true)` open only, `Some(false)` closed only, `None` both.
    pub open: Option<bool>,
    pub limit: i64,
}

/// Ids of the petitions that match, newest first.
pub async fn find_requests(db: &Db, f: &RequestFilter) -> Result<Vec<PetitionId>> {
    if f.type_ids.is_empty() {
        return Ok(vec![]);
    }
    let types: Vec<String> = (0..f.type_ids.len())
        .map(|i| format!("${}", i + 3))
        .collect();
    // The open states are domain::petitions::State::is_open, spelled out for SQL.
    let status = match f.open {
        Some(true) => {
            " AND state IN ('arrived', 'received', 'in_progress', 'supplement', 'paused')"
        }
        Some(false) => {
            " AND state NOT IN ('arrived', 'received', 'in_progress', 'supplement', 'paused')"
        }
        None => "",
    };
    let sql = format!(
        "SELECT id FROM petitions WHERE arrived_at >= $1 AND arrived_at <= $2 \
         AND channel IN ('web', 'open311') \
         AND type_id IN ({}){status} ORDER BY arrived_at DESC, id DESC LIMIT {}",
        types.join(", "),
        f.limit.clamp(1, 1000)
    );
    let rows: Vec<(i64,)> = on_db!(db, |pool| {
        let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
            .bind(f.start)
            .bind(f.end);
        for t in &f.type_ids {
            q = q.bind(*t);
        }
        q.fetch_all(pool).await
    })?;
    Ok(rows.into_iter().map(|r| r.0).collect())
}
