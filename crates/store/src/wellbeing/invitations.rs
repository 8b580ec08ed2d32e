//! Invitations (검진 안내) to take the self-check.

use super::*;
use crate::{execute_one, fetch_all, fetch_one, fetch_optional};

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
    let open: Option<(i64,)> = fetch_optional!(
        tx,
        _,
        "SELECT id FROM wellbeing_invitations WHERE account_id = $1 AND reason = $2 AND dismissed_at IS NULL",
        account,
        reason.as_str()
    )?;
    if let Some((id,)) = open {
        return Ok(id);
    }
    let (id,): (i64,) = fetch_one!(
        tx,
        _,
        "INSERT INTO wellbeing_invitations (account_id, reason, created_at) VALUES ($1, $2, $3) RETURNING id",
        account,
        reason.as_str(),
        now
    )?;
    Ok(id)
}

/// The official's open invitations.
pub async fn invitations(db: &Db, account: AccountId) -> Result<Vec<Invitation>> {
    Ok(fetch_all!(
        db,
        Invitation,
        "SELECT id, account_id, reason, created_at, dismissed_at FROM wellbeing_invitations \
         WHERE account_id = $1 AND dismissed_at IS NULL ORDER BY created_at DESC, id DESC",
        account
    )?)
}

pub async fn dismiss_invitation(
    tx: &mut Tx,
    id: i64,
    account: AccountId,
    now: DateTime<Utc>,
) -> Result<()> {
    execute_one!(
        tx,
        "UPDATE wellbeing_invitations SET dismissed_at = $1 WHERE id = $2 AND account_id = $3 AND dismissed_at IS NULL",
        now,
        id,
        account
    )
}
