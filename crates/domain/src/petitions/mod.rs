//! Petitions (민원): types, the timeline of events and the state derived from it, and the rules
//! of the Act on Civil Petitions (민원 처리에 관한 법률) that decide which step is allowed when.
//!
//! The timeline is the truth: every state change, notice and note is an [`Event`], appended and
//! never changed. [`Derived`] is what the events add up to ([`Derived::replay`]); storage keeps a
//! copy of it for queries and proves the copy equal to a replay. Each step is checked by
//! [`Derived::apply`], which either returns the next state or a [`RuleError`] and changes nothing.
//!
//! Deadlines come only from [`calendar::deadline`]; this module builds its input
//! ([`Derived::deadline_input`]) and never does date arithmetic of its own.

use crate::{AccountId, DepartmentId, RuleError};
use calendar::{DeadlineInput, Pause, Period, WorkCalendar};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

mod answers;
mod derived;
mod events;
mod kinds;
mod notes;
mod retention;

pub mod contact;
pub mod fields;
pub mod intake;

pub use answers::*;
pub use derived::*;
pub use events::*;
pub use kinds::*;
pub use notes::*;
pub use retention::*;

/// The receipt number in the petition register (민원 처리부): year and a 7-digit sequence.
pub fn receipt_number(year: i32, seq: i64) -> String {
    format!("{year}-{seq:07}")
}

#[cfg(test)]
mod tests;
