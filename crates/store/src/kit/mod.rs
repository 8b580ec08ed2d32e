//! Database plumbing shared by every capability: attachments, secrets, the outbox, group
//! commit, the counters a transaction keeps until its commit, and the clock.

pub mod blobs;
pub mod clock;
pub mod group_commit;
pub mod outbox;
pub(crate) mod pending;
pub mod secrets;
pub mod sql;

use crate::{Result, StoreError};

/// The shapes every capability's look-ups and updates by key share.
pub trait ByKey<T> {
    /// The one row a look-up by key must find: none is [`StoreError::NotFound`].
    fn or_not_found(self) -> Result<T>;
}

impl<T> ByKey<T> for Option<T> {
    fn or_not_found(self) -> Result<T> {
        self.ok_or(StoreError::NotFound)
    }
}

/// An update or delete by key must touch a row: none touched is [`StoreError::NotFound`].
pub fn touched_one(rows_affected: u64) -> Result<()> {
    if rows_affected == 0 {
        Err(StoreError::NotFound)
    } else {
        Ok(())
    }
}
