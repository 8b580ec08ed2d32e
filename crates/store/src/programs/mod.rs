//! Programs (capability C5): the catalogue, sessions and their days, enrolment with the
//! waitlist, calendar feeds and reminders. The rules live in `domain::programs`; who may do
//! what is decided by `domain::access` in the handlers. Writes take a [`Tx`], so a change, its
//! notifications and its access-log entry commit together.

// Attendance to recognised hours (items 4-7 and 11), as modules of their own: callers write
// `store::programs::attendance::check_in` etc.
pub mod attendance;
mod catalogue;
pub mod completion;
pub mod demo;
mod enrolment;
pub mod feedback;
mod feeds;
pub mod healing;
pub mod learning_demo;
pub mod practice;
pub mod record;
mod reminders;
mod sessions;

pub use catalogue::*;
pub use enrolment::*;
pub use feeds::*;
pub use reminders::*;
pub use sessions::*;

use crate::kit::outbox;
use crate::{Db, Result, StoreError, Tx, fetch_optional};
use chrono::{DateTime, Datelike, Utc};
use domain::AccountId;
use domain::programs::{Invalid, LearningRequirement};

/// The setting that holds the organisation's [`LearningRequirement`] as JSON.
pub const LEARNING_REQUIREMENT: &str = "programs.learning_requirement";

/// The organisation's yearly learning requirement, or the default when never set.
pub async fn requirement(db: &Db) -> Result<LearningRequirement> {
    match crate::office::settings::get(db, LEARNING_REQUIREMENT).await? {
        None => Ok(LearningRequirement::default()),
        Some(text) => serde_json::from_str(&text)
            .map_err(|e| StoreError::internal("stored learning requirement unreadable", e)),
    }
}

/// Store the organisation's requirement after its check.
pub async fn set_requirement(db: &Db, r: &LearningRequirement, now: DateTime<Utc>) -> Result<()> {
    r.validate()?;
    let text = serde_json::to_string(r)
        .map_err(|e| StoreError::internal("learning requirement not serialisable", e))?;
    crate::office::settings::set(db, LEARNING_REQUIREMENT, &text, now).await
}

/// A form's field errors as one store error (the JSON API names the first; pages check the
/// draft themselves first and show each next to its field).
pub(crate) fn refused(e: Invalid) -> StoreError {
    match e.0.into_iter().next() {
        Some(f) => StoreError::Rule(f.error),
        None => StoreError::internal("refused without a reason", "empty field errors"),
    }
}

/// The Korean year an instant falls in.
pub fn korean_year(at: DateTime<Utc>) -> i32 {
    calendar::to_seoul(at).year()
}

/// Tell one person something through the outbox: by e-mail when they have an address, else
/// by text message, else not at all (nobody to tell). Returns whether a message was queued.
pub(crate) async fn tell(
    tx: &mut Tx,
    account: AccountId,
    subject: &str,
    body: &str,
    now: DateTime<Utc>,
) -> Result<bool> {
    let row: Option<(String, String)> = fetch_optional!(
        &mut *tx,
        _,
        "SELECT email, phone FROM accounts WHERE id = $1 AND active = $2",
        account,
        true
    )?;
    let Some((email, phone)) = row else {
        return Ok(false);
    };
    let (channel, to) = if !email.trim().is_empty() {
        (outbox::Channel::Email, email)
    } else if !phone.trim().is_empty() {
        (outbox::Channel::Sms, phone)
    } else {
        return Ok(false);
    };
    outbox::enqueue(tx, channel, to.trim(), subject, body, now).await?;
    Ok(true)
}
