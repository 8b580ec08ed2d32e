//! The personal-data access log (접속기록): entries and their hash chain.
//!
//! Each entry carries the hash of the one before it, so a changed, inserted or deleted row breaks
//! the chain and [`verify_chain`] finds it. Storage appends; nothing here does I/O.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;
use sha2::{Digest, Sha256};

/// The hash that stands before the first entry.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// One access to personal data: who, when, from where, whose data, what was done and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditEntry {
    pub seq: i64,
    pub at: DateTime<Utc>,
    pub account_id: Option<i64>,
    pub address: String,
    /// Whose data (e.g. `petitioner:2026-0000012`, `account:7`).
    pub subject: String,
    /// What was done (e.g. `petition.read`, `petitioner.reveal`, `account.create`).
    pub action: String,
    pub reason: String,
    pub prev_hash: String,
    pub hash: String,
}

/// The fields an entry is made of before it is chained.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditRecord {
    pub at: DateTime<Utc>,
    pub account_id: Option<i64>,
    pub address: String,
    pub subject: String,
    pub action: String,
    pub reason: String,
}

/// SHA-256 over the previous hash and every field, each length-prefixed so no two different
/// entries serialise alike. Time is hashed at microsecond precision, the precision both
/// databases keep.
pub fn entry_hash(seq: i64, prev_hash: &str, r: &AuditRecord) -> String {
    let mut h = Sha256::new();
    let account = r.account_id.map(|a| a.to_string()).unwrap_or_default();
    let at = r.at.to_rfc3339_opts(SecondsFormat::Micros, true);
    let seq = seq.to_string();
    for field in [
        prev_hash,
        seq.as_str(),
        at.as_str(),
        account.as_str(),
        r.address.as_str(),
        r.subject.as_str(),
        r.action.as_str(),
        r.reason.as_str(),
    ] {
        h.update((field.len() as u64).to_be_bytes());
        h.update(field.as_bytes());
    }
    hex::encode(h.finalize())
}

/// A break found in the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChainBreak {
    /// A sequence number is missing: a row was deleted.
    Gap { expected: i64, found: i64 },
    /// The row's own content does not match its hash: the row was changed.
    Altered { seq: i64 },
    /// The row does not point at its predecessor: rows were replaced or reordered.
    Unlinked { seq: i64 },
    /// The chain ends before the recorded head: the newest rows were deleted.
    Truncated { last_seq: i64, head_seq: i64 },
}

impl std::fmt::Display for ChainBreak {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ChainBreak::Gap { expected, found } => write!(
                f,
                "entry {expected} is missing (next present is {found}): a row was deleted"
            ),
            ChainBreak::Altered { seq } => {
                write!(f, "entry {seq} was changed after it was written")
            }
            ChainBreak::Unlinked { seq } => {
                write!(f, "entry {seq} does not follow its predecessor")
            }
            ChainBreak::Truncated { last_seq, head_seq } => write!(
                f,
                "the log ends at entry {last_seq} but {head_seq} entries were written: newest rows deleted"
            ),
        }
    }
}

/// Incremental verifier so the store can stream rows without loading the log whole.
#[derive(Debug, Clone)]
pub struct ChainVerifier {
    expected_seq: i64,
    prev_hash: String,
    checked: u64,
}

impl ChainVerifier {
    /// Start after a checkpoint: the last pruned entry (`0` and [`GENESIS_HASH`] when none).
    pub fn new(after_seq: i64, after_hash: &str) -> Self {
        Self {
            expected_seq: after_seq + 1,
            prev_hash: after_hash.to_string(),
            checked: 0,
        }
    }

    pub fn push(&mut self, e: &AuditEntry) -> Result<(), ChainBreak> {
        if e.seq != self.expected_seq {
            return Err(ChainBreak::Gap {
                expected: self.expected_seq,
                found: e.seq,
            });
        }
        if e.prev_hash != self.prev_hash {
            return Err(ChainBreak::Unlinked { seq: e.seq });
        }
        let record = AuditRecord {
            at: e.at,
            account_id: e.account_id,
            address: e.address.clone(),
            subject: e.subject.clone(),
            action: e.action.clone(),
            reason: e.reason.clone(),
        };
        if entry_hash(e.seq, &e.prev_hash, &record) != e.hash {
            return Err(ChainBreak::Altered { seq: e.seq });
        }
        self.prev_hash = e.hash.clone();
        self.expected_seq += 1;
        self.checked += 1;
        Ok(())
    }

    /// Compare the end of the chain with the head the store keeps beside it.
    pub fn finish(self, head_seq: i64, head_hash: &str) -> Result<u64, ChainBreak> {
        let last_seq = self.expected_seq - 1;
        if last_seq != head_seq {
            return Err(ChainBreak::Truncated { last_seq, head_seq });
        }
        if self.prev_hash != head_hash {
            return Err(ChainBreak::Unlinked { seq: last_seq });
        }
        Ok(self.checked)
    }
}

/// Verify a whole chain in memory (tests, small logs).
pub fn verify_chain(
    entries: &[AuditEntry],
    head_seq: i64,
    head_hash: &str,
) -> Result<u64, ChainBreak> {
    let mut v = ChainVerifier::new(0, GENESIS_HASH);
    for e in entries {
        v.push(e)?;
    }
    v.finish(head_seq, head_hash)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn chain(n: i64) -> Vec<AuditEntry> {
        let mut prev = GENESIS_HASH.to_string();
        (1..=n)
            .map(|seq| {
                let r = AuditRecord {
                    at: Utc.with_ymd_and_hms(2026, 11, 24, 9, 0, 0).unwrap()
                        + chrono::Duration::seconds(seq),
                    account_id: Some(seq % 3),
                    address: "127.0.0.1".into(),
                    subject: format!("account:{seq}"),
                    action: "account.read".into(),
                    reason: String::new(),
                };
                let hash = entry_hash(seq, &prev, &r);
                let e = AuditEntry {
                    seq,
                    at: r.at,
                    account_id: r.account_id,
                    address: r.address,
                    subject: r.subject,
                    action: r.action,
                    reason: r.reason,
                    prev_hash: prev.clone(),
                    hash: hash.clone(),
                };
                prev = hash;
                e
            })
            .collect()
    }

    #[test]
    fn intact_chain_verifies() {
        let c = chain(5);
        let head = c[4].hash.clone();
        assert_eq!(verify_chain(&c, 5, &head), Ok(5));
        assert_eq!(verify_chain(&[], 0, GENESIS_HASH), Ok(0));
    }

    #[test]
    fn every_tampering_is_found() {
        let c = chain(5);
        let head = c[4].hash.clone();

        let mut altered = c.clone();
        altered[2].reason = "nothing to see".into();
        assert_eq!(
            verify_chain(&altered, 5, &head),
            Err(ChainBreak::Altered { seq: 3 })
        );

        let mut deleted = c.clone();
        deleted.remove(1);
        assert_eq!(
            verify_chain(&deleted, 5, &head),
            Err(ChainBreak::Gap {
                expected: 2,
                found: 3
            })
        );

        let truncated = c[..4].to_vec();
        assert_eq!(
            verify_chain(&truncated, 5, &head),
            Err(ChainBreak::Truncated {
                last_seq: 4,
                head_seq: 5
            })
        );
    }

    #[test]
    fn field_boundaries_matter() {
        let base = AuditRecord {
            at: Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap(),
            account_id: None,
            address: "ab".into(),
            subject: "c".into(),
            action: String::new(),
            reason: String::new(),
        };
        let shifted = AuditRecord {
            address: "a".into(),
            subject: "bc".into(),
            ..base.clone()
        };
        assert_ne!(
            entry_hash(1, GENESIS_HASH, &base),
            entry_hash(1, GENESIS_HASH, &shifted)
        );
    }
}
