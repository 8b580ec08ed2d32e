//! The notification outbox: requests enqueue, a worker sends, with retries and backoff.
//! No request handler waits on mail or SMS.

use crate::{Db, Pool, Result, Tx, execute, fetch_all, fetch_one, fetch_optional};
use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    Email,
    Sms,
}

impl Channel {
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Email => "email",
            Channel::Sms => "sms",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct OutboxMessage {
    pub id: i64,
    pub channel: String,
    pub recipient: String,
    pub subject: String,
    pub body: String,
    pub status: String,
    pub attempts: i32,
    pub last_error: String,
    /// The attachment's file name; empty when the message has none.
    pub attachment_name: String,
    /// Its MIME type, e.g. `text/calendar; charset=utf-8`.
    pub attachment_type: String,
    pub attachment: String,
}

/// One small text file sent with an e-mail (an SMS carries none).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    pub name: String,
    pub content_type: String,
    pub text: String,
}

const COLUMNS: &str = "id, channel, recipient, subject, body, status, attempts, last_error, attachment_name, \
     attachment_type, attachment";

/// After this many failed attempts a message is marked `failed` and left for a person.
pub const MAX_ATTEMPTS: i32 = 8;

/// Queue a message inside the caller's transaction: it is sent only if the change commits.
pub async fn enqueue(
    tx: &mut Tx,
    channel: Channel,
    recipient: &str,
    subject: &str,
    body: &str,
    now: DateTime<Utc>,
) -> Result<i64> {
    enqueue_with_attachment(tx, channel, recipient, subject, body, None, now).await
}

/// [`enqueue`] with a file for an e-mail; an SMS drops it (its body carries the link instead).
pub async fn enqueue_with_attachment(
    tx: &mut Tx,
    channel: Channel,
    recipient: &str,
    subject: &str,
    body: &str,
    attachment: Option<&Attachment>,
    now: DateTime<Utc>,
) -> Result<i64> {
    let (name, content_type, text) = match (channel, attachment) {
        (Channel::Email, Some(a)) => (a.name.as_str(), a.content_type.as_str(), a.text.as_str()),
        _ => ("", "", ""),
    };
    let (id,): (i64,) = fetch_one!(
        tx,
        _,
        "INSERT INTO outbox (channel, recipient, subject, body, status, attempts, next_attempt_at, \
         created_at, attachment_name, attachment_type, attachment) \
         VALUES ($1, $2, $3, $4, 'pending', 0, $5, $5, $6, $7, $8) RETURNING id",
        channel.as_str(),
        recipient,
        subject,
        body,
        now,
        name,
        content_type,
        text
    )?;
    Ok(id)
}

/// Claim up to `limit` due messages for `lease`. A claimed message is invisible to other
/// workers until the lease runs out, so a worker that dies mid-send loses nothing.
///
/// The one place with two SQL texts: PostgreSQL lets several workers share the queue with
/// `FOR UPDATE SKIP LOCKED`; SQLite has one writer at a time, so the plain statement is atomic.
pub async fn claim_due(
    db: &Db,
    now: DateTime<Utc>,
    limit: i64,
    lease: Duration,
) -> Result<Vec<OutboxMessage>> {
    let skip_locked = match &db.pool {
        Pool::Sqlite(_) => "",
        Pool::Postgres(_) => " FOR UPDATE SKIP LOCKED",
    };
    let sql = format!(
        "UPDATE outbox SET status = 'sending', next_attempt_at = $1 WHERE id IN \
         (SELECT id FROM outbox WHERE status IN ('pending', 'sending') AND next_attempt_at <= $2 \
         ORDER BY id LIMIT $3{skip_locked}) \
         RETURNING {COLUMNS}"
    );
    let until = now + lease;
    Ok(fetch_all!(
        db,
        OutboxMessage,
        sqlx::AssertSqlSafe(sql),
        until,
        now,
        limit
    )?)
}

pub async fn mark_sent(db: &Db, id: i64, now: DateTime<Utc>) -> Result<()> {
    execute!(
        db,
        "UPDATE outbox SET status = 'sent', sent_at = $1, attempts = attempts + 1, last_error = '' WHERE id = $2",
        now,
        id
    )?;
    Ok(())
}

/// Exponential backoff: 30 s, 1 min, 2 min … capped at one hour.
pub fn backoff(attempts: i32) -> Duration {
    let exp = attempts.clamp(0, 7) as u32;
    Duration::seconds((30i64 << exp).min(3600))
}

/// Record a failed attempt: retry later, or give up after [`MAX_ATTEMPTS`].
pub async fn mark_failed(
    db: &Db,
    msg: &OutboxMessage,
    error: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    let attempts = msg.attempts + 1;
    let status = if attempts >= MAX_ATTEMPTS {
        "failed"
    } else {
        "pending"
    };
    let error: String = error.chars().take(500).collect();
    execute!(
        db,
        "UPDATE outbox SET status = $1, attempts = $2, last_error = $3, next_attempt_at = $4 WHERE id = $5",
        status,
        attempts,
        error,
        now + backoff(msg.attempts),
        msg.id
    )?;
    Ok(())
}

pub async fn get(db: &Db, id: i64) -> Result<OutboxMessage> {
    let sql = format!("SELECT {COLUMNS} FROM outbox WHERE id = $1");
    fetch_optional!(db, OutboxMessage, sqlx::AssertSqlSafe(sql), id)?
        .ok_or(crate::StoreError::NotFound)
}

#[cfg(test)]
mod tests {
    use super::backoff;

    #[test]
    fn backoff_grows_and_is_capped() {
        assert_eq!(backoff(0).num_seconds(), 30);
        assert_eq!(backoff(1).num_seconds(), 60);
        assert_eq!(backoff(6).num_seconds(), 1920);
        assert_eq!(backoff(7).num_seconds(), 3600);
        assert_eq!(backoff(100).num_seconds(), 3600);
    }
}
