//! Database plumbing shared by every capability: attachments, secrets, the outbox, group
//! commit and the counters a transaction keeps until its commit.

pub mod blobs;
pub mod group_commit;
pub mod outbox;
pub(crate) mod pending;
pub mod secrets;
