//! Service access (issue 18, C6): reaching residents outside office hours and at home.
//!
//! So far only the after-hours reception (야간·휴일 민원실) schedule rules exist:
//! * [`schedule`]: an RFC 5545 recurrence rule with an anchor date, opening and closing times,
//!   public holidays skipped through the `calendar` crate and dated exceptions (closed, extra);
//!   [`schedule::upcoming`] lists the concrete evenings for the administrator to check.
//! * [`slots`]: the slots of one evening and its same-day booking cutoff.
//!
//! Bookings, reminders, the evening itself and home visits (찾아가는 종합민원실) come later
//! (`docs/service_access.md`).

pub mod home_visits;
pub mod routing;
pub mod schedule;
pub mod slots;

pub use schedule::{
    Exception, ExceptionKind, HORIZON_DAYS, Opening, Schedule, SkipReason, Skipped, Upcoming,
    opening, upcoming,
};
pub use slots::{CutoffRule, Slot, SlotPlan, cutoff_for, slots};
