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

/// Years a receipt number typed without its year may belong to: this one and the four before.
pub const RECEIPT_YEARS_SEARCHED: i32 = 5;

/// A search text that names a petition by number, in the forms people use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NumberQuery {
    /// The receipt numbers it may be, newest year first: `2026-0000061` and `2026-61` name one;
    /// `0000061` and `61` name the same sequence in each of [`RECEIPT_YEARS_SEARCHED`] years.
    Receipt(Vec<String>),
    /// `(61)`: the petition number the office's pages show before receipt.
    Petition(i64),
}

/// Reads `text` as a petition number, or `None` when it is anything else (words, names).
pub fn number_query(text: &str, this_year: i32) -> Option<NumberQuery> {
    let t = text.trim();
    let digits = |s: &str| {
        (!s.is_empty() && s.len() <= 7 && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse::<i64>().ok())
            .flatten()
            .filter(|n| *n > 0)
    };
    if let Some(inner) = t.strip_prefix('(').and_then(|r| r.strip_suffix(')')) {
        return digits(inner.trim()).map(NumberQuery::Petition);
    }
    if let Some((year, seq)) = t.split_once('-') {
        let year = (year.len() == 4)
            .then(|| year.parse::<i32>().ok())
            .flatten()?;
        return digits(seq).map(|n| NumberQuery::Receipt(vec![receipt_number(year, n)]));
    }
    let n = digits(t)?;
    Some(NumberQuery::Receipt(
        (0..RECEIPT_YEARS_SEARCHED)
            .map(|back| receipt_number(this_year - back, n))
            .collect(),
    ))
}

#[cfg(test)]
mod tests;
