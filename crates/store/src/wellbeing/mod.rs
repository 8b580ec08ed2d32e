//! Staff wellbeing (capability C4): consent, checks and their answers, shares, referrals, plans,
//! invitations, deletion and the group-report inputs. Scoring and every rule live in
//! `domain::wellbeing`; who may read what is decided by `domain::access` in the handlers. Writes
//! take a [`Tx`] so a change and its access-log entry commit together.

mod checks;
mod consent;
mod deletion;
mod invitations;
mod plan;
mod referrals;
mod report;
mod shares;

pub mod instruments;

use crate::kit::ByKey;
use crate::{Db, Result, StoreError, Tx, conflict_on_unique, kit::outbox};
use chrono::{DateTime, Datelike, TimeZone, Utc};
use domain::wellbeing::report::{ReportDepartment, Respondent};
use domain::wellbeing::{
    Battery, CONSENT_VERSION, InstrumentResult, InvitationReason, PlanInput, ReferralKind,
    ReferralStatus, SharePurpose, next_reminder, result_of, retention_cutoff, validate_checkin,
    validate_note,
};
use domain::{AccountId, DepartmentId, RuleError};
use serde::Serialize;
use std::collections::BTreeMap;

fn conflict(korean: &str, english: &str) -> StoreError {
    StoreError::conflict(korean, english)
}

pub use checks::*;
pub use consent::*;
pub use deletion::*;
pub use invitations::*;
pub use plan::*;
pub use referrals::*;
pub use report::*;
pub use shares::*;
