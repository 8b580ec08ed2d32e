//! Petitions (민원): the type catalogue, intake, the timeline and every step of handling, the
//! queue, reminders — one file per concern, re-exported here so callers say `store::petitions::…`. Rules live in `domain::petitions`; this module stores what they decide.
//!
//! Each write locks the petition row first (which on SQLite takes the write lock), applies the
//! step with [`Derived::apply`], appends the event, rewrites the row's copy of the derived state
//! and takes the next number of the change sequence — all in the caller's transaction, so the
//! access-log entry and the outbox notices the caller adds commit with it or not at all.

mod attachments;
mod catalogue;
mod intake;
mod queue;
mod reminders;
mod rows;
mod steps;
mod tracking_password;
mod working_calendar;

pub mod crypto;
pub mod demo;
pub mod generate;
pub mod notices;
pub mod retention;
pub mod search;
pub mod suggestions;
pub mod tracking;

use crate::{Db, Result, StoreError, Tx, conflict_on_unique, kit::outbox, on_db};
use calendar::{DeadlineInput, HolidayData, OfficeHours, Period, WorkCalendar};
use chrono::{DateTime, Datelike, Utc};
use domain::petitions::fields::{FieldDef, validate_defs, validate_values};
use domain::petitions::intake::IntakeRecord;
use domain::petitions::{
    Channel, Derived, Event, HeldStep, Kind, PetitionId, RepeatInfo, State, TimelineEntry,
    deadline_error, receipt_number, transfer_limit,
};
use domain::{AccountId, DepartmentId, RuleError};
use notices::{NoticeKind, Words};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::sync::{Arc, OnceLock};
use std::time::Instant;

pub use crypto::PiiKey;

pub use attachments::*;
pub use catalogue::*;
pub use intake::*;
pub use queue::*;
pub use reminders::*;
pub use rows::*;
pub use steps::*;
pub use tracking_password::*;
pub use working_calendar::*;
