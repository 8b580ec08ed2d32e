//! Consent (동의) to the confidential self-check, given and withdrawn.

use super::*;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Consent {
    pub version: i64,
    pub given_at: DateTime<Utc>,
    pub withdrawn_at: Option<DateTime<Utc>>,
}

impl Consent {
    /// Given to the current consent text and not withdrawn.
    pub fn is_active(&self) -> bool {
        self.withdrawn_at.is_none() && self.version == CONSENT_VERSION
    }
}

pub async fn consent(db: &Db, account: AccountId) -> Result<Option<Consent>> {
    Ok(on_db!(db, |pool| sqlx::query_as::<_, Consent>(
        "SELECT version, given_at, withdrawn_at FROM wellbeing_consents WHERE account_id = $1"
    )
    .bind(account)
    .fetch_optional(pool)
    .await)?)
}

pub async fn give_consent(tx: &mut Tx, account: AccountId, now: DateTime<Utc>) -> Result<()> {
    on_tx!(tx, |conn| sqlx::query(
        "INSERT INTO wellbeing_consents (account_id, version, given_at, withdrawn_at) \
         VALUES ($1, $2, $3, NULL) ON CONFLICT (account_id) DO UPDATE \
         SET version = excluded.version, given_at = excluded.given_at, withdrawn_at = NULL"
    )
    .bind(account)
    .bind(CONSENT_VERSION)
    .bind(now)
    .execute(&mut *conn)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

/// Withdrawing stops new checks; results stay until the official deletes them or they expire.
pub async fn withdraw_consent(tx: &mut Tx, account: AccountId, now: DateTime<Utc>) -> Result<()> {
    let n = on_tx!(tx, |conn| {
        sqlx::query(
        "UPDATE wellbeing_consents SET withdrawn_at = $1 WHERE account_id = $2 AND withdrawn_at IS NULL"
    )
    .bind(now)
    .bind(account)
    .execute(&mut *conn)
    .await
    .map(|r| r.rows_affected())
    })?;
    crate::kit::touched_one(n)?;
    Ok(())
}
