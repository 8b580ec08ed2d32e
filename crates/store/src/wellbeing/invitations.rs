//! Invitations (검진 안내) to take the self-check.

use super::*;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Invitation {
    pub id: i64,
    pub account_id: AccountId,
    pub reason: String,
    pub created_at: DateTime<Utc>,
    pub dismissed_at: Option<DateTime<Utc>>,
}

/// Invite an official to a check (called by the protection capability after repeated
/// incidents). An invitation still open for the same reason is returned instead of a second
/// one. Only the official ever sees it: no access-log entry or notification names them, so it
/// never becomes an individual signal to supervisors or administrators.
pub async fn invite(
    tx: &mut Tx,
    account: AccountId,
    reason: InvitationReason,
    now: DateTime<Utc>,
) -> Result<i64> {
    let open: Option<(i64,)> = on_tx!(tx, |conn| {
        sqlx::query_as(
        "SELECT id FROM wellbeing_invitations WHERE account_id = $1 AND reason = $2 AND dismissed_at IS NULL"
    )
    .bind(account)
    .bind(reason.as_str())
    .fetch_optional(&mut *conn)
    .await
    })?;
    if let Some((id,)) = open {
        return Ok(id);
    }
    let (id,): (i64,) = on_tx!(tx, |conn| {
        sqlx::query_as(
        "INSERT INTO wellbeing_invitations (account_id, reason, created_at) VALUES ($1, $2, $3) RETURNING id"
    )
    .bind(account)
    .bind(reason.as_str())
    .bind(now)
    .fetch_one(&mut *conn)
    .await
    })?;
    Ok(id)
}

/// The official's open invitations.
pub async fn invitations(db: &Db, account: AccountId) -> Result<Vec<Invitation>> {
    Ok(on_db!(db, |pool| sqlx::query_as::<_, Invitation>(
        "SELECT id, account_id, reason, created_at, dismissed_at FROM wellbeing_invitations \
         WHERE account_id = $1 AND dismissed_at IS NULL ORDER BY created_at DESC, id DESC"
    )
    .bind(account)
    .fetch_all(pool)
    .await)?)
}

pub async fn dismiss_invitation(
    tx: &mut Tx,
    id: i64,
    account: AccountId,
    now: DateTime<Utc>,
) -> Result<()> {
    let n = on_tx!(tx, |conn| {
        sqlx::query(
        "UPDATE wellbeing_invitations SET dismissed_at = $1 WHERE id = $2 AND account_id = $3 AND dismissed_at IS NULL"
    )
    .bind(now)
    .bind(id)
    .bind(account)
    .execute(&mut *conn)
    .await
    .map(|r| r.rows_affected())
    })?;
    crate::kit::touched_one(n)?;
    Ok(())
}
