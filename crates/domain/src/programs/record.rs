//! The learning record (상시학습 실적): an official's recognised minutes this year against the
//! organisation's requirement and its designated-learning (부처지정학습) quota, and whether they
//! are at risk of missing the requirement by the end of the year.
//!
//! **At risk** (미달 우려) is a straight-line pace: an official is at risk when the requirement is
//! not yet met and the minutes credited so far plus those of sessions they are booked on later
//! this year fall more than one working day ([`GRACE_MINUTES`]) below the requirement's share of
//! the year already gone. With 100 hours required, someone with 30 hours on 2 July (pace 50) is
//! at risk; with a 24-hour course booked in September as well (54) they are not. From 1 October
//! anyone short is at risk whatever their pace: a course-sized gap can no longer be left to
//! chance.

use super::LearningRequirement;
use chrono::{Datelike, NaiveDate};
use serde::Serialize;
use std::collections::BTreeMap;

/// One credited entry of the year (a completed program or approved outside hours).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry<'a> {
    /// The 상시학습 category code.
    pub category: &'a str,
    pub designated: bool,
    pub minutes: i64,
}

/// An official's year.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub total_minutes: i64,
    pub designated_minutes: i64,
    /// Minutes per category code.
    pub by_category: BTreeMap<String, i64>,
    /// 충족: total at or above the requirement.
    pub total_met: bool,
    /// 충족: designated at or above the quota.
    pub designated_met: bool,
    /// Minutes still needed toward the requirement (0 when met).
    pub missing_minutes: i64,
    /// The requirement covers the official's grade (4급 이하 by default).
    pub covered: bool,
    /// Covered, short, and behind the pace (see the module).
    pub at_risk: bool,
}

impl Summary {
    /// Both the total and the designated quota are met.
    pub fn met(&self) -> bool {
        self.total_met && self.designated_met
    }
}

/// Sum an official's entries of one year against the requirement. `booked_minutes` are the
/// recognised minutes of sessions they are booked on later in the year; `today` is in Seoul.
/// Someone whose grade the requirement does not cover is never at risk.
pub fn summarise(
    entries: &[Entry<'_>],
    requirement: &LearningRequirement,
    grade: Option<i64>,
    booked_minutes: i64,
    today: NaiveDate,
) -> Summary {
    let mut by_category: BTreeMap<String, i64> = BTreeMap::new();
    let mut total = 0;
    let mut designated = 0;
    for e in entries {
        let m = e.minutes.max(0);
        total += m;
        if e.designated {
            designated += m;
        }
        *by_category.entry(e.category.to_string()).or_default() += m;
    }
    let total_met = total >= requirement.required_minutes;
    let designated_met = designated >= requirement.designated_minutes;
    Summary {
        total_minutes: total,
        designated_minutes: designated,
        by_category,
        total_met,
        designated_met,
        missing_minutes: (requirement.required_minutes - total).max(0),
        covered: requirement.covers(grade),
        at_risk: requirement.covers(grade)
            && at_risk(total, booked_minutes.max(0), requirement, today),
    }
}

/// How far below the pace someone may fall before they are at risk: one working day, so the
/// first days of January flag nobody.
pub const GRACE_MINUTES: i64 = 8 * 60;

/// See the module's explanation.
pub fn at_risk(
    done: i64,
    booked: i64,
    requirement: &LearningRequirement,
    today: NaiveDate,
) -> bool {
    if done >= requirement.required_minutes {
        return false;
    }
    if today.month() >= 10 {
        return true;
    }
    let days_in_year = if today.leap_year() { 366 } else { 365 };
    let elapsed = i64::from(today.ordinal());
    // done + booked + grace < required × elapsed / days, without rounding.
    (done + booked + GRACE_MINUTES) * days_in_year < requirement.required_minutes * elapsed
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, m, d).unwrap_or_default()
    }

    const REQ: LearningRequirement = LearningRequirement {
        required_minutes: 6000,
        designated_minutes: 1200,
        covered_from_grade: 4,
        feedback_min_answers: 5,
    };

    #[test]
    fn entries_sum_by_category_and_designation() {
        let entries = [
            Entry {
                category: "job",
                designated: false,
                minutes: 1080,
            },
            Entry {
                category: "job",
                designated: true,
                minutes: 600,
            },
            Entry {
                category: "self",
                designated: false,
                minutes: 300,
            },
        ];
        let s = summarise(&entries, &REQ, Some(7), 0, day(3, 1));
        assert_eq!(s.total_minutes, 1980);
        assert_eq!(s.designated_minutes, 600);
        assert_eq!(s.by_category.get("job"), Some(&1680));
        assert_eq!(s.by_category.get("self"), Some(&300));
        assert!(!s.total_met && !s.designated_met && !s.met());
        assert_eq!(s.missing_minutes, 4020);
    }

    #[test]
    fn met_when_both_lines_are_reached() {
        let entries = [
            Entry {
                category: "job",
                designated: true,
                minutes: 1200,
            },
            Entry {
                category: "job",
                designated: false,
                minutes: 4800,
            },
        ];
        let s = summarise(&entries, &REQ, Some(7), 0, day(12, 31));
        assert!(s.total_met && s.designated_met && s.met());
        assert_eq!(s.missing_minutes, 0);
        assert!(!s.at_risk);
        // Total reached without the designated quota is still 미충족.
        let entries = [Entry {
            category: "job",
            designated: false,
            minutes: 6000,
        }];
        let s = summarise(&entries, &REQ, Some(7), 0, day(6, 1));
        assert!(s.total_met && !s.designated_met && !s.met());
    }

    #[test]
    fn at_risk_is_behind_the_straight_line_pace() {
        // 2 July is day 183 of 365: the pace is 6000 × 183 / 365 = 3008.2 minutes, less the
        // 480-minute grace is 2528.2.
        assert!(at_risk(1800, 0, &REQ, day(7, 2)));
        assert!(at_risk(1800, 720, &REQ, day(7, 2)));
        assert!(!at_risk(1800, 1440, &REQ, day(7, 2)));
        assert!(!at_risk(2530, 0, &REQ, day(7, 2)));
        // The first weeks of January flag nobody; by March, nothing at all is behind.
        assert!(!at_risk(0, 0, &REQ, day(1, 1)));
        assert!(!at_risk(0, 0, &REQ, day(1, 29)));
        assert!(at_risk(0, 0, &REQ, day(3, 1)));
    }

    #[test]
    fn nobody_outside_the_covered_grades_is_at_risk() {
        let s = summarise(&[], &REQ, Some(3), 0, day(11, 1));
        assert!(!s.covered && !s.at_risk);
        let s = summarise(&[], &REQ, None, 0, day(11, 1));
        assert!(!s.at_risk);
        assert!(summarise(&[], &REQ, Some(9), 0, day(11, 1)).at_risk);
    }

    #[test]
    fn the_last_quarter_flags_everyone_short() {
        assert!(at_risk(5900, 0, &REQ, day(10, 1)));
        assert!(!at_risk(6000, 0, &REQ, day(10, 1)));
        assert!(!at_risk(5900, 0, &REQ, day(9, 30)));
    }
}
