//! Office settings as key/value text (hours, retention periods, name hiding …).

use crate::{Db, Result, on_db};
use chrono::{DateTime, Utc};

pub async fn get(db: &Db, key: &str) -> Result<Option<String>> {
    let row: Option<(String,)> = on_db!(db, |pool| sqlx::query_as(
        "SELECT value FROM settings WHERE key = $1"
    )
    .bind(key)
    .fetch_optional(pool)
    .await)?;
    Ok(row.map(|r| r.0))
}

pub async fn set(db: &Db, key: &str, value: &str, now: DateTime<Utc>) -> Result<()> {
    on_db!(db, |pool| sqlx::query(
        "INSERT INTO settings (key, value, updated_at) VALUES ($1, $2, $3) \
         ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at"
    )
    .bind(key)
    .bind(value)
    .bind(now)
    .execute(pool)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

pub async fn all(db: &Db) -> Result<Vec<(String, String)>> {
    Ok(on_db!(db, |pool| sqlx::query_as(
        "SELECT key, value FROM settings ORDER BY key"
    )
    .fetch_all(pool)
    .await)?)
}
