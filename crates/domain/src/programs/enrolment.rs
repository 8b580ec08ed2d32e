//! Enrolment: its states, how a place is given, and the waitlist order.
//!
//! Places go in order of arrival while there are any. When a session is full, the waitlist is
//! ordered by priority — nominated first, then those furthest from their yearly hours, then
//! arrival — and a freed place goes to its head, in the same transaction that freed it.

use crate::RuleError;
use crate::label::labelled;

labelled! {
    /// Where one person's place on a session stands.
    EnrolmentState {
        /// Waiting for the supervisor's approval (승인 대기).
        Requested = "requested", "승인 대기", "awaiting approval";
        Enrolled = "enrolled", "신청 확정", "enrolled";
        Waitlisted = "waitlisted", "대기", "on the waitlist";
        Declined = "declined", "반려", "declined";
        Cancelled = "cancelled", "취소", "cancelled";
    }
}

labelled! {
    /// How a person came to be on a session.
    EnrolmentOrigin {
        SelfEnrolled = "self", "본인 신청", "self-enrolled";
        Nominated = "nominated", "추천·지명", "nominated";
    }
}

impl EnrolmentState {
    /// Holds a place or a claim to one: counts as "already enrolled" against a second request.
    pub fn is_active(self) -> bool {
        matches!(
            self,
            EnrolmentState::Requested | EnrolmentState::Enrolled | EnrolmentState::Waitlisted
        )
    }
}

/// Where a new or approved request lands: awaiting approval, a place, or the waitlist.
/// `approved` is true once the supervisor has approved, or when nobody needs to (the program
/// asks for no approval, or the person was nominated — a nomination is the approval).
pub fn landing(approved: bool, enrolled: i64, capacity: i64) -> EnrolmentState {
    if !approved {
        EnrolmentState::Requested
    } else if enrolled < capacity {
        EnrolmentState::Enrolled
    } else {
        EnrolmentState::Waitlisted
    }
}

/// A waitlisted person's claim, in the order places are given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Claim {
    pub nominated: bool,
    /// Minutes short of the yearly requirement when they asked (zero when met or not covered).
    pub hours_short_minutes: i64,
    pub arrival: i64,
}

impl Claim {
    /// Sort key: smaller comes first.
    pub fn key(&self) -> (bool, i64, i64) {
        (!self.nominated, -self.hours_short_minutes, self.arrival)
    }
}

/// The SQL ordering of the same rule, kept beside [`Claim::key`] so they cannot drift apart.
pub const WAITLIST_ORDER: &str = "nominated DESC, hours_short_minutes DESC, arrival ASC";

/// Whether a new request may be made for a person whose earlier row is in `state`.
/// A cancelled place can be asked for again; a declined one only by a nomination (the
/// supervisor who declined may change their mind); an active one is a second request.
pub fn may_ask_again(state: EnrolmentState, nominated: bool) -> Result<(), RuleError> {
    match state {
        EnrolmentState::Cancelled => Ok(()),
        EnrolmentState::Declined if nominated => Ok(()),
        EnrolmentState::Declined => Err(RuleError::new(
            "enrolment_declined",
            "이 회차 신청은 반려되었습니다. 부서장에게 문의하세요",
            "your request for this session was declined; ask your supervisor",
        )),
        _ => Err(RuleError::new(
            "already_enrolled",
            "이미 이 회차에 신청되어 있습니다",
            "already enrolled in this session",
        )),
    }
}

/// Whether a person's place can be cancelled (by them, their supervisor or the officer).
pub fn may_cancel(state: EnrolmentState) -> Result<(), RuleError> {
    if state.is_active() {
        Ok(())
    } else {
        Err(RuleError::new(
            "not_active",
            "이미 취소되었거나 반려된 신청입니다",
            "this enrolment was already cancelled or declined",
        ))
    }
}

/// Whether a request can be approved or declined: only while it awaits approval (declining a
/// waitlisted person is allowed too — the supervisor may withdraw them).
pub fn may_decide(state: EnrolmentState, approve: bool) -> Result<(), RuleError> {
    match (state, approve) {
        (EnrolmentState::Requested, _) => Ok(()),
        (EnrolmentState::Waitlisted | EnrolmentState::Enrolled, false) => Ok(()),
        _ => Err(RuleError::new(
            "not_awaiting_approval",
            "승인을 기다리는 신청이 아닙니다",
            "this enrolment is not awaiting approval",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_lands_by_approval_then_by_free_places() {
        assert_eq!(landing(false, 0, 10), EnrolmentState::Requested);
        assert_eq!(landing(true, 9, 10), EnrolmentState::Enrolled);
        assert_eq!(landing(true, 10, 10), EnrolmentState::Waitlisted);
    }

    #[test]
    fn the_waitlist_puts_nominees_first_then_the_furthest_from_their_hours_then_arrival() {
        let c = |nominated, short, arrival| Claim {
            nominated,
            hours_short_minutes: short,
            arrival,
        };
        let mut claims = [
            c(false, 0, 1),
            c(false, 600, 5),
            c(true, 0, 9),
            c(false, 600, 3),
        ];
        claims.sort_by_key(Claim::key);
        assert_eq!(
            claims.iter().map(|c| c.arrival).collect::<Vec<_>>(),
            [9, 3, 5, 1]
        );
    }

    #[test]
    fn asking_again_cancelling_and_deciding_follow_the_state() {
        use EnrolmentState::*;
        assert!(may_ask_again(Cancelled, false).is_ok());
        assert_eq!(
            may_ask_again(Enrolled, false).unwrap_err().code,
            "already_enrolled"
        );
        assert_eq!(
            may_ask_again(Declined, false).unwrap_err().code,
            "enrolment_declined"
        );
        assert!(may_ask_again(Declined, true).is_ok());
        assert!(may_cancel(Waitlisted).is_ok());
        assert!(may_cancel(Cancelled).is_err());
        assert!(may_decide(Requested, true).is_ok());
        assert!(may_decide(Enrolled, true).is_err());
        assert!(may_decide(Waitlisted, false).is_ok());
    }
}
