//! The bookable slots of one evening and its same-day booking cutoff.

use calendar::chrono::{DateTime, NaiveTime, TimeDelta, Utc};
use serde::Serialize;

use super::schedule::{Opening, kst_to_utc};
use crate::RuleError;
use crate::programs::{FieldError, Invalid};

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
