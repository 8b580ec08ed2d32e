//! The practice desk (실습, issue 17 item 9): onboarding trainees work synthetic petitions
//! with the desk's assistance — triage (the kind, and so its legal period), routing, abuse
//! screening and a draft answer — and the trainer compares each decision with what the
//! assistant suggested and with what the generator knows to be right.
//!
//! Pure rules only: which sessions may hold a desk, how many cases, what makes a decision
//! complete, how a decision compares, and the per-trainee summary.

use super::{Invalid, ProgramKind, SessionState};
use crate::RuleError;
use crate::petitions::Kind;

/// Fewest and most cases a desk may hold.
pub const MIN_CASES: i64 = 1;
pub const MAX_CASES: i64 = 40;
/// Longest draft answer kept, in characters.
pub const MAX_DRAFT_CHARS: usize = 4000;

/// Whether a session may hold a practice desk: onboarding and training, not cancelled. Healing
/// programs and workshops have no desk work to practise.
pub fn may_hold_desk(kind: ProgramKind, state: SessionState) -> Result<(), RuleError> {
    if state == SessionState::Cancelled {
        return Err(RuleError::new(
            "session_cancelled",
            "취소된 회차에는 실습 창구를 열 수 없습니다",
            "a cancelled session cannot have a practice desk",
        ));
    }
    match kind {
        ProgramKind::Onboarding | ProgramKind::Training => Ok(()),
        ProgramKind::Healing | ProgramKind::Workshop => Err(RuleError::new(
            "not_a_training_session",
            "실습 창구는 신규자 교육과 교육 과정의 회차에만 열 수 있습니다",
            "a practice desk opens only on a session of an onboarding or training program",
        )),
    }
}

/// The number of cases the trainer asked for, from the form's text.
pub fn case_count(typed: &str) -> Result<i64, Invalid> {
    let mut bad = Invalid::default();
    match typed.trim().parse::<i64>() {
        Ok(n) if (MIN_CASES..=MAX_CASES).contains(&n) => return Ok(n),
        _ => bad.add(
            "cases",
            "invalid_case_count",
            &format!("사례 수는 {MIN_CASES}~{MAX_CASES} 사이의 숫자로 적으세요"),
            &format!("the number of cases must be a number from {MIN_CASES} to {MAX_CASES}"),
        ),
    }
    Err(bad)
}

/// A trainee's decision on one case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choice {
    pub kind: Kind,
    /// The department's code.
    pub department: String,
    pub abusive: bool,
    pub draft: String,
}

/// What the trainee typed, before its check.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChoiceDraft {
    pub kind: String,
    pub department: String,
    /// `yes`, `no`, or empty when not answered.
    pub abusive: String,
    pub draft: String,
}

/// Check a decision: a known kind, one of the office's departments (`departments`: codes),
/// an answer on abuse, and a draft that is written — not empty and without the marks the
/// assistant's draft carries until an official has replaced them (`unfinished`).
pub fn check_choice(
    d: &ChoiceDraft,
    departments: &[&str],
    unfinished: &[&str],
) -> Result<Choice, Invalid> {
    let mut bad = Invalid::default();
    let kind = d.kind.trim().parse::<Kind>().ok();
    if kind.is_none() {
        bad.add(
            "kind",
            "unknown_kind",
            "민원 종류를 고르세요",
            "choose the kind of petition",
        );
    }
    let department = d.department.trim();
    if !departments.contains(&department) {
        bad.add(
            "department",
            "unknown_department",
            "처리 부서를 목록에서 고르세요",
            "choose the handling department from the list",
        );
    }
    let abusive = match d.abusive.trim() {
        "yes" => Some(true),
        "no" => Some(false),
        _ => None,
    };
    if abusive.is_none() {
        bad.add(
            "abusive",
            "missing_screening",
            "폭언·욕설 등 특이 민원인지 판단해 고르세요",
            "decide whether the petition is abusive",
        );
    }
    let draft = d.draft.trim();
    if draft.is_empty() {
        bad.add(
            "draft",
            "empty_draft",
            "답변을 작성하세요",
            "write the answer",
        );
    } else if let Some(mark) = unfinished.iter().find(|m| draft.contains(**m)) {
        bad.add(
            "draft",
            "unfinished_draft",
            &format!("초안 표시와 채울 곳({mark})을 고쳐 쓴 뒤 제출하세요"),
            &format!("replace the draft marks ({mark}) with your own text before deciding"),
        );
    } else if draft.chars().count() > MAX_DRAFT_CHARS {
        bad.add(
            "draft",
            "draft_too_long",
            &format!("답변은 {MAX_DRAFT_CHARS}자 이내로 줄이세요"),
            &format!("keep the answer within {MAX_DRAFT_CHARS} characters"),
        );
    }
    match (kind, abusive) {
        (Some(kind), Some(abusive)) if bad.is_empty() => Ok(Choice {
            kind,
            department: department.to_string(),
            abusive,
            draft: draft.to_string(),
        }),
        _ => Err(bad),
    }
}

/// What the assistant said of a case.
#[derive(Debug, Clone, PartialEq)]
pub struct Suggestion {
    /// The suggested department's code; `None` when the assistant had no suggestion.
    pub department: Option<String>,
    pub abusive: bool,
}

/// What the generator knows to be right.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expected {
    pub kind: Kind,
    pub department: String,
    pub abusive: bool,
}

/// One decision compared with the assistant and with the expected answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Comparison {
    /// Routed where the assistant suggested (`None`: there was no suggestion).
    pub route_as_assistant: Option<bool>,
    pub screen_as_assistant: bool,
    pub kind_right: bool,
    pub route_right: bool,
    pub screen_right: bool,
}

impl Comparison {
    /// Agreed with the assistant on everything it suggested.
    pub fn agreed_with_assistant(&self) -> bool {
        self.route_as_assistant != Some(false) && self.screen_as_assistant
    }

    /// Kind, department and screening all as expected.
    pub fn all_right(&self) -> bool {
        self.kind_right && self.route_right && self.screen_right
    }
}

pub fn compare(choice: &Choice, suggestion: &Suggestion, expected: &Expected) -> Comparison {
    Comparison {
        route_as_assistant: suggestion
            .department
            .as_deref()
            .map(|d| d == choice.department),
        screen_as_assistant: suggestion.abusive == choice.abusive,
        kind_right: choice.kind == expected.kind,
        route_right: choice.department == expected.department,
        screen_right: choice.abusive == expected.abusive,
    }
}

/// One trainee's work on a desk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    pub done: usize,
    pub of: usize,
    /// Decisions that agreed with the assistant on everything it suggested.
    pub agreed: usize,
    /// Decisions right on kind, department and screening.
    pub right: usize,
    /// Median seconds from opening a case to deciding it; `None` before any decision.
    pub median_seconds: Option<i64>,
}

/// The summary of one trainee's decisions (comparison, seconds taken) on a desk of `of` cases.
pub fn summarise(decisions: &[(Comparison, i64)], of: usize) -> Summary {
    let mut secs: Vec<i64> = decisions.iter().map(|(_, s)| *s).collect();
    secs.sort_unstable();
    let median_seconds = match secs.len() {
        0 => None,
        n if n % 2 == 1 => Some(secs[n / 2]),
        n => Some((secs[n / 2 - 1] + secs[n / 2]) / 2),
    };
    Summary {
        done: decisions.len(),
        of,
        agreed: decisions
            .iter()
            .filter(|(c, _)| c.agreed_with_assistant())
            .count(),
        right: decisions.iter().filter(|(c, _)| c.all_right()).count(),
        median_seconds,
    }
}

/// Seconds as "3분 20초" / "3 min 20 s".
pub fn duration_ko(seconds: i64) -> String {
    let (m, s) = (seconds / 60, seconds % 60);
    match (m, s) {
        (0, s) => format!("{s}초"),
        (m, 0) => format!("{m}분"),
        (m, s) => format!("{m}분 {s}초"),
    }
}

pub fn duration_en(seconds: i64) -> String {
    let (m, s) = (seconds / 60, seconds % 60);
    match (m, s) {
        (0, s) => format!("{s} s"),
        (m, 0) => format!("{m} min"),
        (m, s) => format!("{m} min {s} s"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn typed(kind: &str, dept: &str, abusive: &str, draft: &str) -> ChoiceDraft {
        ChoiceDraft {
            kind: kind.into(),
            department: dept.into(),
            abusive: abusive.into(),
            draft: draft.into(),
        }
    }

    #[test]
    fn only_onboarding_and_training_sessions_that_go_ahead_hold_a_desk() {
        let ok = SessionState::Scheduled;
        assert!(may_hold_desk(ProgramKind::Onboarding, ok).is_ok());
        assert!(may_hold_desk(ProgramKind::Training, ok).is_ok());
        assert_eq!(
            may_hold_desk(ProgramKind::Healing, ok).unwrap_err().code,
            "not_a_training_session"
        );
        assert_eq!(
            may_hold_desk(ProgramKind::Onboarding, SessionState::Cancelled)
                .unwrap_err()
                .code,
            "session_cancelled"
        );
        assert_eq!(case_count(" 12 ").unwrap(), 12);
        for bad in ["0", "41", "열둘", ""] {
            assert!(case_count(bad).unwrap_err().get("cases").is_some(), "{bad}");
        }
    }

    #[test]
    fn a_decision_needs_every_field_and_a_written_draft() {
        let depts = ["build", "env"];
        let marks = ["[초안", "{answer}"];
        let c = check_choice(
            &typed("grievance", "build", "no", "보수하겠습니다."),
            &depts,
            &marks,
        )
        .unwrap();
        assert_eq!(c.kind, Kind::Grievance);
        let all = check_choice(&typed("", "tax", "", "  "), &depts, &marks).unwrap_err();
        for f in ["kind", "department", "abusive", "draft"] {
            assert!(all.get(f).is_some(), "{f}");
        }
        assert_eq!(all.get("draft").unwrap().code, "empty_draft");
        let left = check_choice(
            &typed("other", "env", "yes", "[초안 · DRAFT] 안녕하세요 {answer}"),
            &depts,
            &marks,
        )
        .unwrap_err();
        assert_eq!(left.get("draft").unwrap().code, "unfinished_draft");
        assert_eq!(left.0.len(), 1);
    }

    #[test]
    fn comparison_and_summary() {
        let choice = Choice {
            kind: Kind::Grievance,
            department: "build".into(),
            abusive: false,
            draft: "x".into(),
        };
        let expected = Expected {
            kind: Kind::Grievance,
            department: "build".into(),
            abusive: false,
        };
        let agreeing = Suggestion {
            department: Some("build".into()),
            abusive: false,
        };
        let c = compare(&choice, &agreeing, &expected);
        assert!(c.agreed_with_assistant() && c.all_right());
        let differing = Suggestion {
            department: Some("env".into()),
            abusive: true,
        };
        let d = compare(&choice, &differing, &expected);
        assert_eq!(d.route_as_assistant, Some(false));
        assert!(!d.agreed_with_assistant() && d.all_right());
        let none = Suggestion {
            department: None,
            abusive: false,
        };
        let n = compare(&choice, &none, &expected);
        assert_eq!(n.route_as_assistant, None);
        assert!(n.agreed_with_assistant());
        let wrong = compare(
            &Choice {
                kind: Kind::Other,
                ..choice.clone()
            },
            &agreeing,
            &expected,
        );
        assert!(!wrong.all_right() && wrong.route_right);

        let s = summarise(&[(c, 100), (d, 300), (wrong, 200)], 12);
        assert_eq!((s.done, s.of, s.agreed, s.right), (3, 12, 2, 2));
        assert_eq!(s.median_seconds, Some(200));
        assert_eq!(
            summarise(&[(c, 100), (d, 301)], 12).median_seconds,
            Some(200)
        );
        assert_eq!(summarise(&[], 12).median_seconds, None);
        assert_eq!(duration_ko(200), "3분 20초");
        assert_eq!(duration_en(120), "2 min");
    }
}
