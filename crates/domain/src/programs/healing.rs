//! Healing programs and wellbeing (issue 17, item 8): the self-check before and after a
//! session, and the only thing an organiser learns from it — the group's change.
//!
//! A participant takes the ordinary wellbeing self-check in a window before the first day (from
//! enrolment until it starts) and after the last day (the [`POST_WINDOW_DAYS`] that follow).
//! The organiser sees, per instrument, the mean before, the mean after and the change over the
//! participants who completed both, and only when at least [`MIN_CELL`] such pairs exist; and
//! not before the after-window has closed, so no late answer can be worked out by comparing
//! the page from one day to the next. Nothing else: no counts per band, no minimum or maximum,
//! no row per person.

use crate::RuleError;
use crate::label::labelled;
use crate::programs::ProgramKind;
use crate::wellbeing::Battery;
use crate::wellbeing::report::MIN_CELL;
use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

labelled! {
    /// When a check is taken for a session: before it or after it.
    Phase {
        Pre = "pre", "사전", "before";
        Post = "post", "사후", "after";
    }
}

/// The days after the last day in which the check after is offered.
pub const POST_WINDOW_DAYS: i64 = 14;

/// When a phase's check may be taken: `(opens, closes)`; the check before opens with the
/// enrolment (`None`) and closes when the first day starts.
pub fn window(
    phase: Phase,
    first_start: DateTime<Utc>,
    last_end: DateTime<Utc>,
) -> (Option<DateTime<Utc>>, DateTime<Utc>) {
    match phase {
        Phase::Pre => (None, first_start),
        Phase::Post => (Some(last_end), last_end + Duration::days(POST_WINDOW_DAYS)),
    }
}

/// The phase whose check is offered at `now`, if any.
pub fn open_phase(
    now: DateTime<Utc>,
    first_start: DateTime<Utc>,
    last_end: DateTime<Utc>,
) -> Option<Phase> {
    [Phase::Pre, Phase::Post].into_iter().find(|&p| {
        let (opens, closes) = window(p, first_start, last_end);
        opens.is_none_or(|o| o <= now) && now < closes
    })
}

/// Refuse a check offered outside its window, saying when it is offered.
pub fn check_window(
    phase: Phase,
    now: DateTime<Utc>,
    first_start: DateTime<Utc>,
    last_end: DateTime<Utc>,
) -> Result<(), RuleError> {
    if open_phase(now, first_start, last_end) == Some(phase) {
        return Ok(());
    }
    Err(match phase {
        Phase::Pre => RuleError::new(
            "outside_window",
            "사전 자가점검은 프로그램 첫날이 시작하기 전까지만 받을 수 있습니다",
            "the check before is offered only until the program's first day starts",
        ),
        Phase::Post => RuleError::new(
            "outside_window",
            format!(
                "사후 자가점검은 프로그램 마지막 날이 끝난 뒤 {POST_WINDOW_DAYS}일 동안만 받을 수 있습니다"
            ),
            format!(
                "the check after is offered only in the {POST_WINDOW_DAYS} days after the program's last day"
            ),
        ),
    })
}

/// Before and after may be switched on only for a healing program's session that goes ahead.
pub fn may_switch(kind: ProgramKind, cancelled: bool) -> Result<(), RuleError> {
    if kind != ProgramKind::Healing {
        return Err(RuleError::new(
            "not_healing",
            "자가점검 사전·사후는 힐링 프로그램에만 설정할 수 있습니다",
            "the self-check before and after is for healing programs only",
        ));
    }
    if cancelled {
        return Err(RuleError::new(
            "session_cancelled",
            "취소된 회차입니다",
            "this session is cancelled",
        ));
    }
    Ok(())
}

/// One participant's scores on one instrument, before and after (on the instrument's scale).
#[derive(Debug, Clone, PartialEq)]
pub struct Pair {
    pub instrument: String,
    pub before: f64,
    pub after: f64,
}

/// The group's means on one instrument, each rounded to one decimal.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Means {
    pub pairs: i64,
    pub before: f64,
    pub after: f64,
    /// After minus before: below zero is better on every instrument of the battery.
    pub change: f64,
}

/// One instrument's row: its name and, when shown, the means.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChangeRow {
    pub instrument: String,
    pub ko: String,
    pub en: String,
    /// `None`: fewer than [`MIN_CELL`] pairs on this instrument.
    pub means: Option<Means>,
}

/// What the organiser may see of a session's checks.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum GroupChange {
    /// Fewer than [`MIN_CELL`] participants completed both: nothing is shown.
    TooFew,
    /// Enough pairs, but the after-window is still open until `until`.
    Waiting { until: DateTime<Utc> },
    /// The means per instrument, in battery order.
    Shown { rows: Vec<ChangeRow> },
}

fn one_decimal(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

/// The group's change from the pairs of a session (one [`Pair`] per person and instrument),
/// with the after-window's end. Suppresses everything below [`MIN_CELL`] pairs.
pub fn group_change(
    battery: &Battery,
    pairs: &[Pair],
    post_closes: DateTime<Utc>,
    now: DateTime<Utc>,
) -> GroupChange {
    fn of<'a>(pairs: &'a [Pair], id: &'a str) -> impl Iterator<Item = &'a Pair> + 'a {
        pairs.iter().filter(move |p| p.instrument == id)
    }
    let most = battery
        .instruments
        .iter()
        .map(|i| of(pairs, &i.id).count() as i64)
        .max()
        .unwrap_or(0);
    if most < MIN_CELL {
        return GroupChange::TooFew;
    }
    if now < post_closes {
        return GroupChange::Waiting { until: post_closes };
    }
    let rows = battery
        .instruments
        .iter()
        .map(|i| {
            let n = of(pairs, &i.id).count() as i64;
            let means = (n >= MIN_CELL).then(|| {
                let before = of(pairs, &i.id).map(|p| p.before).sum::<f64>() / n as f64;
                let after = of(pairs, &i.id).map(|p| p.after).sum::<f64>() / n as f64;
                Means {
                    pairs: n,
                    before: one_decimal(before),
                    after: one_decimal(after),
                    change: one_decimal(after - before),
                }
            });
            ChangeRow {
                instrument: i.id.clone(),
                ko: i.name.ko.clone(),
                en: i.name.en.clone(),
                means,
            }
        })
        .collect();
    GroupChange::Shown { rows }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wellbeing::battery;
    use chrono::TimeZone;

    fn at(d: u32, h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, d, h, 0, 0).unwrap()
    }

    fn pairs(instrument: &str, n: usize) -> Vec<Pair> {
        (0..n)
            .map(|i| Pair {
                instrument: instrument.into(),
                before: 10.0 + i as f64,
                after: 8.0 + i as f64,
            })
            .collect()
    }

    #[test]
    fn windows_before_the_first_day_and_fourteen_days_after_the_last() {
        let (first, last) = (at(10, 0), at(12, 9));
        assert_eq!(open_phase(at(1, 0), first, last), Some(Phase::Pre));
        assert_eq!(open_phase(at(10, 0), first, last), None);
        assert_eq!(open_phase(at(11, 0), first, last), None);
        assert_eq!(open_phase(at(12, 9), first, last), Some(Phase::Post));
        assert_eq!(open_phase(at(26, 8), first, last), Some(Phase::Post));
        assert_eq!(open_phase(at(26, 9), first, last), None);
        assert!(check_window(Phase::Pre, at(9, 23), first, last).is_ok());
        let late = check_window(Phase::Pre, at(10, 1), first, last).unwrap_err();
        assert_eq!(late.code, "outside_window");
        assert!(check_window(Phase::Post, at(9, 0), first, last).is_err());
        assert!(check_window(Phase::Post, at(20, 0), first, last).is_ok());
    }

    #[test]
    fn only_a_healing_session_that_goes_ahead_may_switch_on() {
        assert!(may_switch(ProgramKind::Healing, false).is_ok());
        assert_eq!(
            may_switch(ProgramKind::Training, false).unwrap_err().code,
            "not_healing"
        );
        assert_eq!(
            may_switch(ProgramKind::Healing, true).unwrap_err().code,
            "session_cancelled"
        );
    }

    #[test]
    fn nine_pairs_show_nothing_ten_show_the_means() {
        let b = battery().unwrap();
        let after = at(30, 0);
        assert_eq!(
            group_change(b, &pairs("phq9", 9), at(26, 9), after),
            GroupChange::TooFew
        );
        let GroupChange::Shown { rows } = group_change(b, &pairs("phq9", 10), at(26, 9), after)
        else {
            panic!("ten pairs are shown");
        };
        let phq = rows.iter().find(|r| r.instrument == "phq9").unwrap();
        assert_eq!(
            phq.means,
            Some(Means {
                pairs: 10,
                before: 14.5,
                after: 12.5,
                change: -2.0
            })
        );
        // Every other instrument had no pairs: hidden, not zero.
        assert!(
            rows.iter()
                .filter(|r| r.instrument != "phq9")
                .all(|r| r.means.is_none())
        );
    }

    #[test]
    fn an_instrument_below_ten_is_hidden_beside_one_shown() {
        let b = battery().unwrap();
        let mut all = pairs("phq9", 12);
        all.extend(pairs("gad7", 9));
        let GroupChange::Shown { rows } = group_change(b, &all, at(26, 9), at(27, 0)) else {
            panic!("twelve pairs are shown");
        };
        let gad = rows.iter().find(|r| r.instrument == "gad7").unwrap();
        assert_eq!(gad.means, None);
    }

    #[test]
    fn nothing_is_shown_while_the_after_window_is_open() {
        let b = battery().unwrap();
        assert_eq!(
            group_change(b, &pairs("phq9", 20), at(26, 9), at(20, 0)),
            GroupChange::Waiting { until: at(26, 9) }
        );
        // Fewer than ten says so whatever the date.
        assert_eq!(
            group_change(b, &pairs("phq9", 3), at(26, 9), at(20, 0)),
            GroupChange::TooFew
        );
    }

    #[test]
    fn means_round_to_one_decimal() {
        let b = battery().unwrap();
        let mut all = pairs("pss10", 10);
        all[0].after += 1.0 / 3.0;
        let GroupChange::Shown { rows } = group_change(b, &all, at(1, 0), at(2, 0)) else {
            panic!("shown");
        };
        let m = rows
            .iter()
            .find(|r| r.instrument == "pss10")
            .and_then(|r| r.means.clone())
            .unwrap();
        assert_eq!((m.before, m.after, m.change), (14.5, 12.5, -2.0));
    }
}
