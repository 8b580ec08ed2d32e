//! Frontline protection (capability C3): flags, incidents, the Decree's measures (append-only),
//! evidence with its custody log, equipment, drills, panic alerts, timed contacts and the
//! inputs of the indicators. Rules live in `domain::protection`; who may read what is decided
//! by `domain::access` in the web layer.

mod alerts;
mod contacts;
mod demo;
mod drills;
mod equipment;
mod evidence;
mod flags;
mod incidents;
mod indicators;
mod measures;
mod places;
mod restrictions;
mod settings;

use crate::{Db, Result, StoreError, Tx, on_db};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use domain::protection::{
    self as rules, Channel, ContactFact, CustodyAction, DrillFact, EquipmentKind, EvidenceKind,
    HeldDrill, IncidentFact, IncidentKind, MeasureInput, MeasureKind,
};
use domain::wellbeing::InvitationReason;
use domain::{AccountId, DepartmentId, RuleError};
use serde::Serialize;

fn bad(code: &'static str, ko: &str, en: &str) -> StoreError {
    StoreError::Rule(RuleError::new(code, ko, en))
}

fn parse_or_db<T>(r: std::result::Result<T, RuleError>) -> Result<T> {
    r.map_err(|e| StoreError::Database(sqlx::Error::Decode(Box::new(e))))
}

pub use alerts::*;
pub use contacts::*;
pub use demo::*;
pub use drills::*;
pub use equipment::*;
pub use evidence::*;
pub use flags::*;
pub use incidents::*;
pub use indicators::*;
pub use measures::*;
pub use places::*;
pub use restrictions::*;
pub use settings::*;
