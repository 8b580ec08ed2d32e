//! What an official is told (알림): a petition assigned to them, an approval (결재) returned to
//! them. Each notice is a row they see on their own screen and, when their account has an email
//! address, a mail through the outbox — both in the transaction of the step that caused it.

use chrono::{DateTime, Utc};
use domain::AccountId;
use serde::Serialize;

use crate::{Db, Result, Tx, on_db, on_tx, outbox};

/// Why an official is told.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NoticeKind {
    /// A petition was assigned to them (배정).
    Assigned,
    /// Their answer or extension came back from the supervisor with a comment (결재 반려).
    ApprovalReturned,
}

impl NoticeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            NoticeKind::Assigned => "assigned",
            NoticeKind::ApprovalReturned => "approval_returned",
        }
    }
}

/// One notice as the official sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct StaffNotice {
    pub id: i64,
    pub petition_id: i64,
    pub kind: String,
    pub body: String,
    pub created_at: DateTime<Utc>,
    pub read_at: Option<DateTime<Utc>>,
}

/// Tell `account` about a petition: a row for their screen and, with an address, a mail.
pub async fn tell(
    tx: &mut Tx,
    account: AccountId,
    petition_id: i64,
    kind: NoticeKind,
    subject: &str,
    body: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    on_tx!(tx, |conn| sqlx::query(
        "INSERT INTO staff_notices (account_id, petition_id, kind, body, created_at) \
         VALUES ($1, $2, $3, $4, $5)"
    )
    .bind(account)
    .bind(petition_id)
    .bind(kind.as_str())
    .bind(body)
    .bind(now)
    .execute(&mut *conn)
    .await
    .map(|r| r.rows_affected()))?;
    let email: Option<(String,)> = on_tx!(tx, |conn| sqlx::query_as(
        "SELECT email FROM accounts WHERE id = $1 AND active = TRUE"
    )
    .bind(account)
    .fetch_optional(&mut *conn)
    .await)?;
    if let Some((to,)) = email.filter(|(e,)| !e.trim().is_empty()) {
        outbox::enqueue(
            tx,
            outbox::Channel::Email,
            &to,
            &format!("[민원 업무] {subject}"),
            body,
            now,
        )
        .await?;
    }
    Ok(())
}

/// An official's notices, unread first, newest first within each.
pub async fn for_account(db: &Db, account: AccountId, limit: i64) -> Result<Vec<StaffNotice>> {
    Ok(on_db!(db, |pool| sqlx::query_as::<_, StaffNotice>(
        "SELECT id, petition_id, kind, body, created_at, read_at FROM staff_notices \
         WHERE account_id = $1 ORDER BY (read_at IS NULL) DESC, id DESC LIMIT $2"
    )
    .bind(account)
    .bind(limit)
    .fetch_all(pool)
    .await)?)
}

/// The official opened the petition: its notices to them are read.
pub async fn mark_read(
    db: &Db,
    account: AccountId,
    petition_id: i64,
    now: DateTime<Utc>,
) -> Result<u64> {
    Ok(on_db!(db, |pool| sqlx::query(
        "UPDATE staff_notices SET read_at = $1 \
         WHERE account_id = $2 AND petition_id = $3 AND read_at IS NULL"
    )
    .bind(now)
    .bind(account)
    .bind(petition_id)
    .execute(pool)
    .await
    .map(|r| r.rows_affected()))?)
}
