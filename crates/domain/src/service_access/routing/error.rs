//! Errors of a route-planning problem: each one says where in the VROOM file it is
//! (e.g. `jobs[3].time_windows[0]`) and what is wrong, in Korean and English.

use crate::Halves;

/// One thing wrong with the problem, at one place in the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issue {
    /// Where, as a JSON path: `jobs[3].time_windows[0]`, `matrices.car.durations[2]`.
    pub path: String,
    /// Stable for API clients, e.g. `window_reversed`.
    pub code: &'static str,
    pub ko: String,
    pub en: String,
}

impl Halves for Issue {
    fn ko(&self) -> &str {
        &self.ko
    }
    fn en(&self) -> &str {
        &self.en
    }
}

/// Everything wrong with a problem at once, so an office fixes the file in one go.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ProblemError {
    pub issues: Vec<Issue>,
    /// Both languages of every issue, prefixed with its path, one per line.
    ko: String,
    en: String,
}

impl ProblemError {
    pub fn new(issues: Vec<Issue>) -> Self {
        let line = |i: &Issue, text: &str| format!("{}: {}", i.path, text);
        let ko = issues
            .iter()
            .map(|i| line(i, &i.ko))
            .collect::<Vec<_>>()
            .join("\n");
        let en = issues
            .iter()
            .map(|i| line(i, &i.en))
            .collect::<Vec<_>>()
            .join("\n");
        Self { issues, ko, en }
    }

    pub fn one(
        path: impl Into<String>,
        code: &'static str,
        ko: impl Into<String>,
        en: impl Into<String>,
    ) -> Self {
        Self::new(vec![Issue {
            path: path.into(),
            code,
            ko: ko.into(),
            en: en.into(),
        }])
    }

    /// The issue at exactly this path, if any.
    pub fn at(&self, path: &str) -> Option<&Issue> {
        self.issues.iter().find(|i| i.path == path)
    }
}

impl Halves for ProblemError {
    fn ko(&self) -> &str {
        &self.ko
    }
    fn en(&self) -> &str {
        &self.en
    }
}

impl std::fmt::Display for ProblemError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.joined())
    }
}

impl std::error::Error for ProblemError {}

/// Collects issues while a problem is checked.
#[derive(Default)]
pub(super) struct Issues(pub Vec<Issue>);

impl Issues {
    pub fn add(
        &mut self,
        path: impl Into<String>,
        code: &'static str,
        ko: impl Into<String>,
        en: impl Into<String>,
    ) {
        self.0.push(Issue {
            path: path.into(),
            code,
            ko: ko.into(),
            en: en.into(),
        });
    }

    pub fn into_result(self) -> Result<(), ProblemError> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(ProblemError::new(self.0))
        }
    }
}
