//! Service access (issue 18, C6): reaching residents outside office hours and at home.
//!
//! The after-hours reception (야간·휴일 민원실):
//! * [`schedule`]: an RFC 5545 recurrence rule with an anchor date, opening and closing times,
//!   public holidays skipped through the `calendar` crate and dated exceptions (closed, extra);
//!   [`schedule::upcoming`] lists the concrete evenings for the administrator to check.
//! * [`slots`]: the slots of one evening and its same-day booking cutoff.
//! * [`booking`]: schedule and service drafts, the plain recurrence choices, each service's
//!   defaults, the booking's contact check, codes, the cutoff decision and reminder timing.
//! * [`evening`]: the evening at the counter: check-in window, fair waiting order, no-shows.
//!
//! Home visits (찾아가는 종합민원실):
//! * [`home_visits`]: eligibility as settings, services to kits and skills, the states, a round
//!   as a routing problem.
//! * [`routing`]: VROOM's JSON problem and solution, the straight-line matrix, the solver and
//!   plan mode (`docs/service_access.md`).

pub mod booking;
pub mod evening;
pub mod home_visits;
pub mod routing;
pub mod schedule;
pub mod slots;

pub use schedule::{
    Exception, ExceptionKind, HORIZON_DAYS, Opening, Schedule, SkipReason, Skipped, Upcoming,
    opening, upcoming,
};
pub use slots::{CutoffRule, Slot, SlotPlan, cutoff_for, slots};
