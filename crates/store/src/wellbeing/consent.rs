//! Consent (동의) to the confidential self-check, given and withdrawn.

use super::*;
use crate::{execute, execute_one, fetch_optional};

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
    Ok(fetch_optional!(
        db,
        Consent,
        "SELECT version, given_at, withdrawn_at FROM wellbeing_consents WHERE account_id = $1",
        account
    )?)
}

pub async fn give_consent(tx: &mut Tx, account: AccountId, now: DateTime<Utc>) -> Result<()> {
    execute!(
        tx,
        "INSERT INTO wellbeing_consents (account_id, version, given_at, withdrawn_at) \
         VALUES ($1, $2, $3, NULL) ON CONFLICT (account_id) DO UPDATE \
         SET version = excluded.version, given_at = excluded.given_at, withdrawn_at = NULL",
        account,
        CONSENT_VERSION,
        now
    )?;
    Ok(())
}

/// Withdrawing stops new checks; results stay until the official deletes them or they expire.
pub async fn withdraw_consent(tx: &mut Tx, account: AccountId, now: DateTime<Utc>) -> Result<()> {
    execute_one!(
        tx,
        "UPDATE wellbeing_consents SET withdrawn_at = $1 WHERE account_id = $2 AND withdrawn_at IS NULL",
        now,
        account
    )
}
