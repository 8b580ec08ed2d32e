//! Programs (교육·힐링 프로그램, capability C5): healing programs, training, workshops and
//! onboarding, from the catalogue to recognised hours (인정시간).
//!
//! `catalogue` holds what a program and a session are and the audience rule; `enrolment` the
//! enrolment states, the waitlist order and the decision a place is given by. The numbers an
//! organisation chooses (yearly hours, the designated-learning quota, the grades the rule
//! covers) are [`LearningRequirement`], a setting — never constants.
//!
//! Who may see and do what is decided in [`crate::access`] alone (`Capability::Programs`,
//! `ProgramEnrolment`, `ProgramAudience`).

pub mod attendance;
mod catalogue;
pub mod certificate;
pub mod checkin;
pub mod completion;
mod enrolment;
pub mod feedback;
pub mod healing;
pub mod practice;
pub mod record;

pub use catalogue::*;
pub use enrolment::*;

use crate::RuleError;
use crate::label::labelled;
use serde::{Deserialize, Serialize};

labelled! {
    /// What kind of program it is.
    ProgramKind {
        Healing = "healing", "힐링 프로그램", "healing program";
        Training = "training", "교육", "training";
        Workshop = "workshop", "워크숍", "workshop";
        Onboarding = "onboarding", "신규자 교육", "onboarding";
    }
}

labelled! {
    /// The 상시학습 category recognised hours count under.
    LearningCategory {
        /// 집합교육: classroom courses.
        Course = "course", "집합교육", "classroom course";
        /// 사이버교육: online courses.
        Online = "online", "사이버교육", "online course";
        /// 직장교육: courses held by the office for its own staff.
        Workplace = "workplace", "직장교육", "workplace training";
        /// 세미나·워크숍 and other job-related learning.
        Seminar = "seminar", "세미나·워크숍", "seminar or workshop";
        /// 자기개발학습: reading, study groups, outside lectures.
        SelfStudy = "self_study", "자기개발학습", "self-directed learning";
    }
}

labelled! {
    /// How a session is given.
    Delivery {
        InPerson = "in_person", "대면", "in person";
        Online = "online", "온라인", "online";
        /// A small room plus a live broadcast to every department's room.
        Hybrid = "hybrid", "대면 + 생중계", "in person and broadcast";
    }
}

labelled! {
    /// Whether a session still takes place.
    SessionState {
        Scheduled = "scheduled", "예정", "scheduled";
        Cancelled = "cancelled", "취소됨", "cancelled";
    }
}

labelled! {
    /// Per person and day.
    AttendanceStatus {
        Present = "present", "출석", "present";
        Late = "late", "지각", "late";
        Partial = "partial", "부분 참석", "partly present";
        Absent = "absent", "결석", "absent";
        Excused = "excused", "공가·사유 결석", "excused";
    }
}

labelled! {
    /// How an attendance row was recorded.
    AttendanceMethod {
        /// The participant typed or scanned the rotating code in the room.
        Code = "code", "출석 코드", "check-in code";
        Organiser = "organiser", "담당자 기록", "recorded by the organiser";
        /// A department contact, for the broadcast audience.
        Department = "department", "부서 담당자 기록", "recorded by the department contact";
    }
}

labelled! {
    /// Hours entered from outside training.
    ExternalState {
        Requested = "requested", "승인 요청", "awaiting approval";
        Approved = "approved", "승인", "approved";
        Rejected = "rejected", "반려", "rejected";
    }
}

labelled! {
    /// A feedback question's kind.
    QuestionKind {
        Scale = "scale", "척도", "scale";
        Text = "text", "자유 응답", "free text";
    }
}

labelled! {
    /// The reminders the reminder job sends, each once per enrolment and day.
    ReminderKind {
        Eve = "eve", "전날 안내", "the day before";
        Morning = "morning", "당일 아침 안내", "the morning of the day";
        /// To the supervisor of a nominee who did not come.
        NoShow = "no_show", "불참 알림", "did not attend";
    }
}

/// The organisation's yearly learning requirement (setting `programs.learning_requirement`,
/// JSON). 100 hours is common, but every number is the organisation's own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LearningRequirement {
    /// Minutes a covered official must reach in a year.
    pub required_minutes: i64,
    /// Of which this many must be designated learning (부처지정학습).
    pub designated_minutes: i64,
    /// The rule covers grades `covered_from_grade` to 9 (4 = 4급 이하).
    pub covered_from_grade: i64,
    /// Feedback is reported only when at least this many answered.
    pub feedback_min_answers: i64,
}

impl Default for LearningRequirement {
    fn default() -> Self {
        Self {
            required_minutes: 100 * 60,
            designated_minutes: 0,
            covered_from_grade: 4,
            feedback_min_answers: 5,
        }
    }
}

impl LearningRequirement {
    /// Whether an official of `grade` is covered; an account without a grade is not.
    pub fn covers(&self, grade: Option<i64>) -> bool {
        grade.is_some_and(|g| g >= self.covered_from_grade && g <= 9)
    }

    /// How many minutes an official is short of the year's requirement (zero when covered
    /// and met, or not covered at all): the waitlist's second priority.
    pub fn short_by(&self, grade: Option<i64>, credited_minutes: i64) -> i64 {
        if self.covers(grade) {
            (self.required_minutes - credited_minutes).max(0)
        } else {
            0
        }
    }

    pub fn validate(&self) -> Result<(), RuleError> {
        let ok = (0..=2000 * 60).contains(&self.required_minutes)
            && (0..=self.required_minutes).contains(&self.designated_minutes)
            && (1..=9).contains(&self.covered_from_grade)
            && (1..=100).contains(&self.feedback_min_answers);
        if ok {
            Ok(())
        } else {
            Err(RuleError::new(
                "invalid_learning_requirement",
                "연간 학습 기준이 맞지 않습니다: 시간은 0 이상, 지정학습은 기준 이하, 급은 1~9여야 합니다",
                "the yearly learning requirement does not add up: hours at least 0, designated \
                 learning within them, grades 1 to 9",
            ))
        }
    }
}

// Field errors are shared plumbing; programs names them as before.
pub use crate::{FieldError, Invalid};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_requirement_covers_grades_from_its_setting_and_counts_what_is_short() {
        let r = LearningRequirement::default();
        assert!(r.covers(Some(4)) && r.covers(Some(9)));
        assert!(!r.covers(Some(3)) && !r.covers(None));
        assert_eq!(r.short_by(Some(7), 40 * 60), 60 * 60);
        assert_eq!(r.short_by(Some(7), 120 * 60), 0);
        assert_eq!(r.short_by(Some(2), 0), 0);
        assert!(r.validate().is_ok());
        let bad = LearningRequirement {
            designated_minutes: r.required_minutes + 1,
            ..r
        };
        assert_eq!(
            bad.validate().unwrap_err().code,
            "invalid_learning_requirement"
        );
    }
}
