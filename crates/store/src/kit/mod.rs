//! Database plumbing shared by every capability: attachments, secrets, the outbox, group
//! commit, the counters a transaction keeps until its commit, and the clock.

pub mod blobs;
pub mod clock;
pub mod group_commit;
pub mod outbox;
pub(crate) mod pending;
pub mod secrets;
