//! The entities and rules of every capability. Pure: no I/O, no clock, no randomness —
//! time and identifiers come in as arguments so every rule is testable at any date.

// Rules every capability shares: the one access policy and the one masking rule.
pub mod access;
pub mod label;
pub mod privacy;

// One folder per capability, with the same name in `store` and `web`.
pub mod office;
pub mod petitions;
pub mod programs;
pub mod protection;
pub mod service_access;
pub mod wellbeing;

/// Identifier of an account (계정).
pub type AccountId = i64;
/// Identifier of a department (부서).
pub type DepartmentId = i64;

/// A message for people kept in its two halves, Korean and English: pages show the half of
/// their language (`web::kit::page::Lang::of`).
pub trait Halves {
    fn ko(&self) -> &str;
    fn en(&self) -> &str;

    /// Both halves in one line, Korean first: "한국어 (English)".
    fn joined(&self) -> String {
        format!("{} ({})", self.ko(), self.en())
    }
}

impl<T: Halves + ?Sized> Halves for &T {
    fn ko(&self) -> &str {
        (**self).ko()
    }
    fn en(&self) -> &str {
        (**self).en()
    }
}

impl Halves for RuleError {
    fn ko(&self) -> &str {
        &self.ko
    }
    fn en(&self) -> &str {
        &self.en
    }
}

impl Halves for Bilingual {
    fn ko(&self) -> &str {
        &self.ko
    }
    fn en(&self) -> &str {
        &self.en
    }
}

/// A rule was broken by the input. `code` is stable for API clients; `ko` and `en` are the
/// same explanation for people in Korean and English, kept apart so each page shows its own
/// language whatever punctuation a half contains.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleError {
    pub code: &'static str,
    pub ko: String,
    pub en: String,
}

impl RuleError {
    pub fn new(code: &'static str, ko: impl Into<String>, en: impl Into<String>) -> Self {
        Self {
            code,
            ko: ko.into(),
            en: en.into(),
        }
    }

    /// Both halves in one line, Korean first: "한국어 (English)".
    pub fn message(&self) -> String {
        self.joined()
    }
}

impl std::fmt::Display for RuleError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.joined())
    }
}

impl std::error::Error for RuleError {}

/// A message for people in Korean and English, e.g. what a conflict with stored data means.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bilingual {
    pub ko: String,
    pub en: String,
}

impl Bilingual {
    pub fn new(ko: impl Into<String>, en: impl Into<String>) -> Self {
        Self {
            ko: ko.into(),
            en: en.into(),
        }
    }
}

impl std::fmt::Display for Bilingual {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.joined())
    }
}

/// One input field's error, for showing next to that field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: &'static str,
    pub error: RuleError,
}

/// Every field error of one form at once, so a person fixes them together.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Invalid(pub Vec<FieldError>);

impl Invalid {
    pub fn add(&mut self, field: &'static str, code: &'static str, ko: &str, en: &str) {
        self.0.push(FieldError {
            field,
            error: RuleError::new(code, ko, en),
        });
    }

    pub fn get(&self, field: &str) -> Option<&RuleError> {
        self.0.iter().find(|e| e.field == field).map(|e| &e.error)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `Ok` when nothing was wrong.
    pub fn into_result(self) -> Result<(), Invalid> {
        if self.0.is_empty() { Ok(()) } else { Err(self) }
    }

    /// The first error, for answers that carry one message (the JSON API names the field).
    pub fn first(&self) -> Option<&FieldError> {
        self.0.first()
    }
}
