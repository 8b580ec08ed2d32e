//! Calendar feeds: a secret URL per person (only its hash is kept; renewing replaces it, so
//! the old URL stops working) and the events a feed lists.

use crate::{Db, Result, Tx, execute, fetch_all, fetch_optional};
use chrono::{DateTime, Utc};
use domain::AccountId;
use serde::Serialize;

/// Make (or renew) a person's calendar token. Returns the token itself, shown once in the URL.
pub async fn renew_calendar_token(
    tx: &mut Tx,
    account: AccountId,
    now: DateTime<Utc>,
) -> Result<String> {
    let token = crate::kit::secrets::new_token()?;
    execute!(
        &mut *tx,
        "INSERT INTO program_calendar_tokens (account_id, token_hash, created_at) VALUES ($1, $2, $3) \
         ON CONFLICT (account_id) DO UPDATE SET token_hash = excluded.token_hash, \
         created_at = excluded.created_at",
        account,
        crate::kit::secrets::token_hash(&token),
        now
    )?;
    Ok(token)
}

/// When the person's current token was made, if they have one.
pub async fn calendar_token_made(db: &Db, account: AccountId) -> Result<Option<DateTime<Utc>>> {
    let row: Option<(DateTime<Utc>,)> = fetch_optional!(
        db,
        _,
        "SELECT created_at FROM program_calendar_tokens WHERE account_id = $1",
        account
    )?;
    Ok(row.map(|r| r.0))
}

/// Whose feed a token opens (only active accounts).
pub async fn calendar_owner(db: &Db, token: &str) -> Result<Option<AccountId>> {
    let row: Option<(AccountId,)> = fetch_optional!(
        db,
        _,
        "SELECT t.account_id FROM program_calendar_tokens t JOIN accounts a ON a.id = t.account_id \
         WHERE t.token_hash = $1 AND a.active = $2",
        crate::kit::secrets::token_hash(token),
        true
    )?;
    Ok(row.map(|r| r.0))
}

/// One day of a session as a calendar event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct FeedEvent {
    pub day_id: i64,
    pub session_id: i64,
    pub program_id: i64,
    pub title: String,
    pub label: String,
    pub venue: String,
    pub online_link: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    /// `scheduled` or `cancelled`.
    pub state: String,
    pub updated_at: DateTime<Utc>,
}

const FEED_SELECT: &str = "SELECT d.id AS day_id, s.id AS session_id, p.id AS program_id, \
    p.title, s.label, s.venue, s.online_link, d.starts_at, d.ends_at, s.state, s.updated_at \
    FROM program_session_days d JOIN program_sessions s ON s.id = d.session_id \
    JOIN programs p ON p.id = s.program_id";

/// The days of every session the person holds a place on (cancelled sessions too, so a
/// calendar drops them).
pub async fn feed_for_account(db: &Db, account: AccountId) -> Result<Vec<FeedEvent>> {
    let sql = format!(
        "{FEED_SELECT} JOIN program_enrolments e ON e.session_id = s.id \
         WHERE e.account_id = $1 AND e.state = 'enrolled' ORDER BY d.starts_at"
    );
    Ok(fetch_all!(
        db,
        FeedEvent,
        sqlx::AssertSqlSafe(sql),
        account
    )?)
}

/// The days of every session of a program.
pub async fn feed_for_program(db: &Db, program: i64) -> Result<Vec<FeedEvent>> {
    let sql = format!("{FEED_SELECT} WHERE p.id = $1 ORDER BY d.starts_at");
    Ok(fetch_all!(
        db,
        FeedEvent,
        sqlx::AssertSqlSafe(sql),
        program
    )?)
}
