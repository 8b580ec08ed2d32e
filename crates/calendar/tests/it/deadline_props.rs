//! Property tests of the deadline function.
//!
//! * a longer period (same unit, or days across the 5/6-day switch) never gives an earlier
//!   due moment; `Nd` (N ≤ 5) equals `8N h`;
//! * a pause never makes the due moment earlier; an extension always makes it later;
//! * hour-counted: a receipt in non-working time gives the same due moment as a receipt at
//!   the next working moment; day-counted: a receipt on a non-working day is the same as one
//!   at the next working day's opening;
//! * hour-counted due moments are in working time, interval ends included (12:00 and 18:00
//!   count as working time: a count that ends there is due there);
//! * with an open pause, the due moment never moves backwards as `now` advances;
//! * `explain` gives the same due moment as `deadline`.

// Test helpers outside `#[test]` fns: clippy.toml's test allowances do not reach them.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use calendar::chrono::{DateTime, TimeDelta, Utc};
use calendar::{
    CountingMode, DeadlineInput, HolidayData, OfficeHours, Pause, Period, WorkCalendar, deadline,
};
use proptest::arbitrary::any;
use proptest::prelude::*;
use std::sync::LazyLock;

static CAL: LazyLock<WorkCalendar> = LazyLock::new(|| {
    WorkCalendar::new(1990, 2100, &HolidayData::default(), OfficeHours::default()).unwrap()
});

/// 2020-01-01 00:00 KST as a Unix timestamp.
const START: i64 = 1_577_804_400;
const SPAN: i64 = 20 * 365 * 86_400;

fn instant() -> impl Strategy<Value = DateTime<Utc>> {
    // Minute resolution, plus a few exact boundaries (09:00, 12:00, 13:00, 18:00) via minutes.
    (0..SPAN / 60).prop_map(|m| DateTime::from_timestamp(START + m * 60, 0).unwrap())
}

fn period() -> impl Strategy<Value = Period> {
    prop_oneof![
        (1u32..200).prop_map(Period::Hours),
        (1u32..60).prop_map(Period::Days),
        (1u32..20).prop_map(Period::Weeks),
        (1u32..24).prop_map(Period::Months),
        (1u32..5).prop_map(Period::Years),
        Just(Period::Immediate),
    ]
}

fn with_count(p: Period, n: u32) -> Period {
    match p {
        Period::Hours(_) => Period::Hours(n),
        Period::Days(_) => Period::Days(n),
        Period::Weeks(_) => Period::Weeks(n),
        Period::Months(_) => Period::Months(n),
        Period::Years(_) => Period::Years(n),
        Period::Immediate => Period::Hours(n.max(3)),
    }
}

/// A pause starting up to 30 days after `from`, lasting up to 10 days (minute resolution).
fn pause_after(from: DateTime<Utc>, start_min: i64, len_min: i64) -> Pause {
    let start = from + TimeDelta::minutes(start_min);
    Pause {
        start,
        end: Some(start + TimeDelta::minutes(len_min)),
    }
}

fn due(input: &DeadlineInput) -> DateTime<Utc> {
    deadline(
        &CAL,
        input,
        DateTime::from_timestamp(4_102_444_800, 0).unwrap(),
    )
    .unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn longer_period_never_earlier(r in instant(), p in period(), extra in 1u32..10) {
        let n = p.count();
        let short = DeadlineInput::new(r, p);
        let long = DeadlineInput::new(r, with_count(p, n + extra));
        prop_assert!(due(&long) >= due(&short), "{p} vs +{extra}");
    }

    #[test]
    fn days_up_to_five_are_eight_hours_each(r in instant(), n in 1u32..=5) {
        prop_assert_eq!(
            due(&DeadlineInput::new(r, Period::Days(n))),
            due(&DeadlineInput::new(r, Period::Hours(8 * n)))
        );
    }

    #[test]
    fn pause_never_shortens(
        r in instant(), p in period(),
        start_min in 0i64..30 * 1440, len_min in 0i64..10 * 1440,
        before_min in 0i64..3 * 1440,
    ) {
        let base = DeadlineInput::new(r, p);
        let mut paused = base.clone();
        // Some pauses start before receipt (they must be clipped, not shorten anything).
        paused.pauses.push(pause_after(r - TimeDelta::minutes(before_min), start_min, len_min));
        prop_assert!(due(&paused) >= due(&base));
    }

    #[test]
    fn extension_never_shortens(r in instant(), p in period(), e in period()) {
        let base = DeadlineInput::new(r, p);
        let mut extended = base.clone();
        extended.extensions.push(e);
        prop_assert!(due(&extended) > due(&base), "{p} + {e}");
    }

    #[test]
    fn receipt_in_non_working_time_is_receipt_at_next_working_moment(r in instant(), p in period()) {
        let next = CAL.next_working_moment(r).unwrap();
        match p.counting_mode() {
            CountingMode::WorkingHours => {
                prop_assert_eq!(due(&DeadlineInput::new(r, p)), due(&DeadlineInput::new(next, p)));
            }
            CountingMode::WorkingDays => {
                let day = calendar::to_seoul(r).date_naive();
                if !CAL.is_working_day(day).unwrap() {
                    prop_assert_eq!(due(&DeadlineInput::new(r, p)), due(&DeadlineInput::new(next, p)));
                }
            }
            CountingMode::Calendar => {}
        }
    }

    #[test]
    fn hour_counted_due_is_in_working_time(
        r in instant(), n in 1u32..100, start_min in 0i64..10 * 1440, len_min in 0i64..3 * 1440,
        ext in 0u32..20,
    ) {
        let mut input = DeadlineInput::new(r, Period::Hours(n));
        input.pauses.push(pause_after(r, start_min, len_min));
        if ext > 0 {
            input.extensions.push(Period::Hours(ext));
        }
        let d = due(&input);
        prop_assert!(CAL.is_working_time(d).unwrap(), "{}", calendar::to_seoul(d));
        // and the due moment is never at an interval's opening (a count ends, it never starts)
        prop_assert!(d > r);
    }

    #[test]
    fn explain_agrees_with_deadline(
        r in instant(), p in period(), e in period(),
        start_min in 0i64..10 * 1440, len_min in 0i64..3 * 1440, open in any::<bool>(),
    ) {
        let mut input = DeadlineInput::new(r, p);
        let start = r + TimeDelta::minutes(start_min);
        let end = (!open).then(|| start + TimeDelta::minutes(len_min));
        input.pauses.push(Pause { start, end });
        input.extensions.push(e);
        let now = r + TimeDelta::minutes(start_min + len_min / 2);
        let explained = calendar::explain(&CAL, &input, now).unwrap();
        prop_assert_eq!(explained.due.to_utc(), deadline(&CAL, &input, now).unwrap());
        prop_assert!(explained.base_due.to_utc() <= explained.due.to_utc());
    }

    #[test]
    fn open_pause_due_never_moves_back(r in instant(), p in period(), start_min in 0i64..5 * 1440, a in 0i64..5 * 1440, b in 0i64..5 * 1440) {
        let mut input = DeadlineInput::new(r, p);
        let start = r + TimeDelta::minutes(start_min);
        input.pauses.push(Pause { start, end: None });
        let (early, late) = (a.min(b), a.max(b));
        let d1 = deadline(&CAL, &input, start + TimeDelta::minutes(early)).unwrap();
        let d2 = deadline(&CAL, &input, start + TimeDelta::minutes(late)).unwrap();
        prop_assert!(d2 >= d1);
    }
}
