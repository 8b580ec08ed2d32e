//! Deletion (삭제): everything of one person at their request, and the retention purge.

use super::*;
use crate::execute;

/// Delete everything the official has in wellbeing: checks, answers, shares, referrals, plan,
/// check-ins, invitations and consent. Returns how many rows went.
pub async fn delete_all(tx: &mut Tx, account: AccountId) -> Result<u64> {
    let mut n = 0;
    for sql in [
        "DELETE FROM wellbeing_shares WHERE owner_id = $1",
        "DELETE FROM wellbeing_responses WHERE check_id IN (SELECT id FROM wellbeing_checks WHERE account_id = $1)",
        "DELETE FROM wellbeing_checks WHERE account_id = $1",
        "DELETE FROM wellbeing_referrals WHERE owner_id = $1",
        "DELETE FROM wellbeing_checkins WHERE account_id = $1",
        "DELETE FROM wellbeing_plans WHERE account_id = $1",
        "DELETE FROM wellbeing_invitations WHERE account_id = $1",
        "DELETE FROM wellbeing_consents WHERE account_id = $1",
    ] {
        n += execute!(tx, sql, account)?;
    }
    Ok(n)
}

/// Delete what is older than the retention period (5 years): checks by when they started (with
/// their answers and shares), shares, referrals, consents, plans by their last change, check-ins
/// and invitations. Returns how many rows went. The server calls it periodically
/// (`minwon admin wellbeing purge` runs it once).
pub async fn purge(db: &Db, now: DateTime<Utc>) -> Result<u64> {
    let cutoff = retention_cutoff(now);
    let mut tx = db.begin().await?;
    let mut n = 0;
    for sql in [
        "DELETE FROM wellbeing_shares WHERE given_at < $1 \
         OR check_id IN (SELECT id FROM wellbeing_checks WHERE started_at < $1)",
        "DELETE FROM wellbeing_responses WHERE check_id IN (SELECT id FROM wellbeing_checks WHERE started_at < $1)",
        "DELETE FROM wellbeing_checks WHERE started_at < $1",
        "DELETE FROM wellbeing_referrals WHERE created_at < $1",
        "DELETE FROM wellbeing_checkins WHERE at < $1 \
         OR account_id IN (SELECT account_id FROM wellbeing_plans WHERE updated_at < $1)",
        "DELETE FROM wellbeing_plans WHERE updated_at < $1",
        "DELETE FROM wellbeing_invitations WHERE created_at < $1",
        "DELETE FROM wellbeing_consents WHERE given_at < $1",
    ] {
        n += execute!(&mut tx, sql, cutoff)?;
    }
    tx.commit().await?;
    Ok(n)
}

/// The periodic job: delete expired records and queue due plan reminders.
pub async fn maintenance(db: &Db, now: DateTime<Utc>) -> Result<(u64, u64)> {
    let purged = purge(db, now).await?;
    let reminders = queue_due_reminders(db, now).await?;
    Ok((purged, reminders))
}
