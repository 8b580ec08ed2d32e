//! Completion (이수): whether a participant completed a session, and the recognised minutes
//! (인정시간) it credits.
//!
//! Judged against every day of the session, never only the days held so far (mod_attendance
//! #718): the share is minutes attended over all scheduled minutes. A program may also require
//! its feedback survey to be answered before completion.

use crate::label::labelled;
use serde::{Deserialize, Serialize};

/// A program's completion rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rule {
    /// The least share of scheduled minutes attended, in percent (1–100).
    pub min_share_percent: i64,
    /// Whether the feedback survey must be answered.
    pub feedback_required: bool,
}

impl Default for Rule {
    /// The common office rule: 80 % attended, feedback not required.
    fn default() -> Self {
        Self {
            min_share_percent: 80,
            feedback_required: false,
        }
    }
}

labelled! {
    /// The outcome of a participant's session.
    Outcome {
        /// Completed (이수).
        Completed = "completed", "이수", "Completed";
        /// Attended enough, but the required feedback is missing.
        FeedbackMissing = "feedback_missing", "미이수(설문 미응답)", "Not completed (feedback missing)";
        /// Attended, but less than the rule's share.
        ShareShort = "share_short", "미이수(출석 부족)", "Not completed (attendance too low)";
        /// Never came.
        NoShow = "no_show", "불참", "Did not attend";
    }
}

/// What closing a session gives one participant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Judgement {
    pub outcome: Outcome,
    /// Share attended, in whole percent (rounded down).
    pub share_percent: i64,
    /// Recognised minutes credited (0 unless completed).
    pub credited_minutes: i64,
}

/// Judge one participant: `attended` of `scheduled` minutes, whether they answered the
/// feedback, and the program's `recognised` minutes.
pub fn judge(
    rule: Rule,
    scheduled: i64,
    attended: i64,
    feedback_given: bool,
    recognised: i64,
) -> Judgement {
    let attended = attended.clamp(0, scheduled.max(0));
    let share_percent = if scheduled > 0 {
        attended * 100 / scheduled
    } else {
        0
    };
    // Compare without rounding: attended / scheduled >= min / 100.
    let share_met =
        scheduled > 0 && attended * 100 >= rule.min_share_percent.clamp(1, 100) * scheduled;
    let outcome = if attended == 0 {
        Outcome::NoShow
    } else if !share_met {
        Outcome::ShareShort
    } else if rule.feedback_required && !feedback_given {
        Outcome::FeedbackMissing
    } else {
        Outcome::Completed
    };
    // The program's recognised minutes are credited whole once the rule is met: 인정시간 is
    // what the course is worth, as HR offices record it, not the minutes sat through.
    let credited_minutes = if outcome == Outcome::Completed {
        recognised.max(0)
    } else {
        0
    };
    Judgement {
        outcome,
        share_percent,
        credited_minutes,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RULE: Rule = Rule {
        min_share_percent: 80,
        feedback_required: false,
    };

    #[test]
    fn the_share_is_of_every_scheduled_minute() {
        // Three days of 6 hours; two attended is 66 %, short of 80 %.
        let j = judge(RULE, 1080, 720, true, 1080);
        assert_eq!(j.outcome, Outcome::ShareShort);
        assert_eq!(j.share_percent, 66);
        assert_eq!(j.credited_minutes, 0);
        // Exactly 80 % completes.
        let j = judge(RULE, 1000, 800, false, 1080);
        assert_eq!(j.outcome, Outcome::Completed);
        assert_eq!(j.credited_minutes, 1080);
        // One minute short does not.
        assert_eq!(
            judge(RULE, 1000, 799, false, 1080).outcome,
            Outcome::ShareShort
        );
    }

    #[test]
    fn nobody_who_never_came_completes() {
        let rule = Rule {
            min_share_percent: 1,
            ..RULE
        };
        assert_eq!(judge(rule, 600, 0, true, 600).outcome, Outcome::NoShow);
    }

    #[test]
    fn required_feedback_holds_completion_back() {
        let rule = Rule {
            feedback_required: true,
            ..RULE
        };
        let j = judge(rule, 600, 600, false, 600);
        assert_eq!(j.outcome, Outcome::FeedbackMissing);
        assert_eq!(j.credited_minutes, 0);
        assert_eq!(judge(rule, 600, 600, true, 600).outcome, Outcome::Completed);
    }

    #[test]
    fn nonsense_inputs_stay_in_range() {
        assert_eq!(judge(RULE, 0, 0, true, 60).outcome, Outcome::NoShow);
        let j = judge(RULE, 600, 900, true, 60);
        assert_eq!(j.share_percent, 100);
        assert_eq!(j.credited_minutes, 60);
    }
}
