//! The entities and rules of every capability. Pure: no I/O, no clock, no randomness —
//! time and identifiers come in as arguments so every rule is testable at any date.

// Rules every capability shares: the one access policy and the one masking rule.
pub mod access;
pub mod label;
pub mod privacy;

// One folder per capability, with the same name in `store` and `web`.
pub mod office;
pub mod petitions;
pub mod protection;
pub mod wellbeing;

/// Identifier of an account (계정).
pub type AccountId = i64;
/// Identifier of a department (부서).
pub type DepartmentId = i64;

/// A rule was broken by the input. `code` is stable for API clients; the message is shown to
/// people, Korean first, English second.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleError {
    pub code: &'static str,
    pub message: String,
}

impl RuleError {
    pub fn new(code: &'static str, korean: &str, english: &str) -> Self {
        Self {
            code,
            message: format!("{korean} ({english})"),
        }
    }
}

impl std::fmt::Display for RuleError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.message)
    }
}

impl std::error::Error for RuleError {}
