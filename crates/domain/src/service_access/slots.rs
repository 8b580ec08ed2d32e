//! The bookable slots of one evening and its same-day booking cutoff.

use calendar::chrono::{DateTime, NaiveTime, TimeDelta, Utc};
use serde::Serialize;

use super::schedule::{Opening, kst_to_utc};
use crate::RuleError;
use crate::{FieldError, Invalid};

/// How an evening is cut into slots.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SlotPlan {
    /// Length of one slot in minutes.
    pub minutes: u32,
    /// Counters (창구) open that evening.
    pub counters: u32,
    /// Residents one counter serves in one slot.
    pub per_counter: u32,
}

impl SlotPlan {
    /// Residents one slot takes: counters × per counter.
    pub fn capacity(&self) -> u32 {
        self.counters.saturating_mul(self.per_counter)
    }
}

/// One slot of an evening.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Slot {
    pub starts_utc: DateTime<Utc>,
    pub ends_utc: DateTime<Utc>,
    pub capacity: u32,
}

/// The slots of one evening from its opening, back to back. A remainder shorter than a slot
/// at the end is not bookable: a resident booked there would be served after closing.
pub fn slots(opening: &Opening, plan: &SlotPlan) -> Result<Vec<Slot>, Invalid> {
    check_plan(opening, plan)?;
    let step = TimeDelta::minutes(i64::from(plan.minutes));
    let mut out = Vec::new();
    let mut start = opening.starts_utc;
    while start + step <= opening.ends_utc {
        out.push(Slot {
            starts_utc: start,
            ends_utc: start + step,
            capacity: plan.capacity(),
        });
        start += step;
    }
    Ok(out)
}

/// A slot has a length, someone to serve it, and fits in the evening at least once.
fn check_plan(opening: &Opening, plan: &SlotPlan) -> Result<(), Invalid> {
    let mut bad = Invalid::default();
    let mut add = |field: &'static str, e: RuleError| bad.0.push(FieldError { field, error: e });
    let length = opening.ends_utc - opening.starts_utc;
    if plan.minutes == 0 {
        add(
            "slot_minutes",
            RuleError::new(
                "slot_length_zero",
                "예약 단위 시간은 1분 이상이어야 합니다",
                "a slot lasts at least one minute",
            ),
        );
    } else if TimeDelta::minutes(i64::from(plan.minutes)) > length {
        add(
            "slot_minutes",
            RuleError::new(
                "slot_longer_than_opening",
                format!(
                    "예약 단위({}분)가 운영 시간({}분)보다 깁니다",
                    plan.minutes,
                    length.num_minutes()
                ),
                format!(
                    "a slot ({} min) is longer than the evening ({} min)",
                    plan.minutes,
                    length.num_minutes()
                ),
            ),
        );
    }
    if plan.counters == 0 {
        add(
            "counters",
            RuleError::new(
                "no_counters",
                "창구는 하나 이상이어야 합니다",
                "at least one counter must be open",
            ),
        );
    }
    if plan.per_counter == 0 {
        add(
            "per_counter",
            RuleError::new(
                "no_capacity",
                "창구마다 한 명 이상 받아야 합니다",
                "each counter serves at least one resident per slot",
            ),
        );
    }
    bad.into_result()
}

/// When booking for an evening closes (은평: by 18:00 the same day).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CutoffRule {
    /// At this Korean time on the evening's date.
    SameDayAt(NaiveTime),
    /// This many hours before the evening opens.
    HoursBefore(u32),
}

/// The moment booking for `opening` closes. Never after the opening itself: a same-day time
/// later than the opening (19:00 for an 18:00 evening) closes booking at the opening, since
/// staff must know before then whether they work that evening.
pub fn cutoff_for(opening: &Opening, rule: &CutoffRule) -> DateTime<Utc> {
    let at = match rule {
        CutoffRule::SameDayAt(t) => kst_to_utc(opening.date, *t),
        CutoffRule::HoursBefore(h) => opening.starts_utc - TimeDelta::hours(i64::from(*h)),
    };
    at.min(opening.starts_utc)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::service_access::schedule::opening;
    use calendar::chrono::NaiveDate;
    use proptest::prelude::*;

    fn t(h: u32, m: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(h, m, 0).unwrap()
    }

    fn thursday_evening() -> Opening {
        opening(
            NaiveDate::from_ymd_opt(2027, 1, 14).unwrap(),
            t(18, 0),
            t(20, 0),
            false,
        )
    }

    fn plan(minutes: u32, counters: u32, per_counter: u32) -> SlotPlan {
        SlotPlan {
            minutes,
            counters,
            per_counter,
        }
    }

    #[test]
    fn an_evening_is_cut_into_back_to_back_slots_of_the_plans_capacity() {
        let s = slots(&thursday_evening(), &plan(30, 2, 3)).unwrap();
        assert_eq!(s.len(), 4);
        assert!(s.iter().all(|x| x.capacity == 6));
        assert_eq!(s[0].starts_utc.to_rfc3339(), "2027-01-14T09:00:00+00:00");
        assert_eq!(s[3].ends_utc.to_rfc3339(), "2027-01-14T11:00:00+00:00");
        assert!(s.windows(2).all(|w| w[0].ends_utc == w[1].starts_utc));
    }

    #[test]
    fn a_remainder_shorter_than_a_slot_is_not_bookable() {
        let s = slots(&thursday_evening(), &plan(45, 1, 1)).unwrap();
        assert_eq!(s.len(), 2);
        assert_eq!(s[1].ends_utc.to_rfc3339(), "2027-01-14T10:30:00+00:00");
    }

    #[test]
    fn a_plan_without_length_counters_or_capacity_is_refused_field_by_field() {
        let bad = slots(&thursday_evening(), &plan(0, 0, 0)).unwrap_err();
        let got: Vec<_> = bad.0.iter().map(|f| (f.field, f.error.code)).collect();
        assert_eq!(
            got,
            [
                ("slot_minutes", "slot_length_zero"),
                ("counters", "no_counters"),
                ("per_counter", "no_capacity")
            ]
        );
        let long = slots(&thursday_evening(), &plan(121, 1, 1)).unwrap_err();
        assert_eq!(long.0[0].error.code, "slot_longer_than_opening");
        assert!(long.0[0].error.ko.contains("120분"));
        // The whole evening as one slot is fine.
        assert_eq!(
            slots(&thursday_evening(), &plan(120, 1, 1)).unwrap().len(),
            1
        );
    }

    #[test]
    fn the_cutoff_is_a_same_day_time_or_hours_before_never_after_opening() {
        let o = thursday_evening();
        // 은평: book by 18:00 the same day.
        assert_eq!(
            cutoff_for(&o, &CutoffRule::SameDayAt(t(18, 0))).to_rfc3339(),
            "2027-01-14T09:00:00+00:00"
        );
        assert_eq!(
            cutoff_for(&o, &CutoffRule::SameDayAt(t(12, 0))).to_rfc3339(),
            "2027-01-14T03:00:00+00:00"
        );
        assert_eq!(
            cutoff_for(&o, &CutoffRule::HoursBefore(26)).to_rfc3339(),
            "2027-01-13T07:00:00+00:00"
        );
        // Later than the opening: the opening itself.
        assert_eq!(
            cutoff_for(&o, &CutoffRule::SameDayAt(t(19, 0))),
            o.starts_utc
        );
        let saturday = opening(
            NaiveDate::from_ymd_opt(2027, 1, 30).unwrap(),
            t(9, 0),
            t(13, 0),
            false,
        );
        assert_eq!(
            cutoff_for(&saturday, &CutoffRule::SameDayAt(t(18, 0))),
            saturday.starts_utc
        );
        assert_eq!(cutoff_for(&o, &CutoffRule::HoursBefore(0)), o.starts_utc);
    }

    proptest! {
        /// Slots start at the opening, never pass the closing, and leave less than one slot
        /// unused at the end.
        #[test]
        fn slots_fill_the_evening_without_passing_its_close(
            opens in 0u32..(23 * 60),
            length in 1u32..600,
            minutes in 1u32..240,
            counters in 1u32..10,
            per_counter in 1u32..10,
        ) {
            let close = (opens + length).min(24 * 60 - 1);
            prop_assume!(close > opens);
            let o = opening(
                NaiveDate::from_ymd_opt(2027, 6, 10).unwrap(),
                t(opens / 60, opens % 60),
                t(close / 60, close % 60),
                false,
            );
            match slots(&o, &plan(minutes, counters, per_counter)) {
                Ok(s) => {
                    prop_assert_eq!(s.len() as u32, (close - opens) / minutes);
                    prop_assert_eq!(s[0].starts_utc, o.starts_utc);
                    let last = &s[s.len() - 1];
                    prop_assert!(last.ends_utc <= o.ends_utc);
                    prop_assert!(o.ends_utc - last.ends_utc < TimeDelta::minutes(i64::from(minutes)));
                    prop_assert!(s.iter().all(|x| x.capacity == counters * per_counter));
                }
                Err(bad) => {
                    prop_assert!(minutes > close - opens);
                    prop_assert_eq!(bad.0[0].error.code, "slot_longer_than_opening");
                }
            }
        }
    }
}
