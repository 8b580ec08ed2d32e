//! The after-hours evening at the counter (야간 민원실 운영): check-in windows, the waiting
//! list's order (Qmatic's fair queuing: booked people within their window are not held up by
//! late arrivals and walk-ins), no-shows and the evening's states.
//!
//! Pure: every time comes in as an argument.

/// The evening's states are the booking part's (scheduled → confirmed | not_opened →
/// in_progress → closed; cancelled).
pub use super::booking::EveningState;
use crate::RuleError;
use crate::label::labelled;
use chrono::{DateTime, Duration, Utc};
use std::cmp::Ordering;

labelled! {
    /// How a number ticket (번호표) joined the waiting list.
    TicketKind {
        /// A booked resident within their check-in window: called first, in slot order.
        Booked = "booked", "예약", "booked";
        /// A booked resident outside their window: the walk-in queue.
        Late = "late", "예약(시간 외)", "booked, outside the window";
        WalkIn = "walk_in", "현장 방문", "walk-in";
    }
}

labelled! {
    /// How a ticket ended.
    Outcome {
        Served = "served", "처리 완료", "served";
        NoShow = "no_show", "불참", "no-show";
        /// Left before being served (the official marks it after calling).
        Left = "left", "떠남", "left";
    }
}

/// How many minutes before and after the slot start a booked resident checks in as booked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub early_minutes: i64,
    pub late_minutes: i64,
}

/// Where an arrival falls against the booking's check-in window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arrival {
    InWindow,
    /// This many minutes before the window opens.
    TooEarly(i64),
    /// This many minutes after the window closed.
    TooLate(i64),
}

impl Arrival {
    /// The ticket this arrival gets: booked within the window, late otherwise.
    pub fn ticket_kind(self) -> TicketKind {
        match self {
            Arrival::InWindow => TicketKind::Booked,
            Arrival::TooEarly(_) | Arrival::TooLate(_) => TicketKind::Late,
        }
    }

    /// Why the resident joins the walk-in queue, for the official to tell them.
    pub fn reason(self) -> Option<crate::Bilingual> {
        match self {
            Arrival::InWindow => None,
            Arrival::TooEarly(m) => Some(crate::Bilingual::new(
                format!("예약 시간 확인 창보다 {m}분 일찍 도착하여 현장 대기 순서로 접수합니다"),
                format!("arrived {m} min before the check-in window: queued with the walk-ins"),
            )),
            Arrival::TooLate(m) => Some(crate::Bilingual::new(
                format!("예약 시간 확인 창이 {m}분 지나 도착하여 현장 대기 순서로 접수합니다"),
                format!("arrived {m} min after the check-in window: queued with the walk-ins"),
            )),
        }
    }
}

/// Whether arriving at `at` for a slot starting at `slot_start` is within the window
/// (both ends included). Minutes outside are rounded up, so a second late is a minute.
pub fn arrival(slot_start: DateTime<Utc>, at: DateTime<Utc>, w: Window) -> Arrival {
    let opens = slot_start - Duration::minutes(w.early_minutes);
    let closes = slot_start + Duration::minutes(w.late_minutes);
    let up = |d: Duration| (d.num_seconds() + 59) / 60;
    if at < opens {
        Arrival::TooEarly(up(opens - at))
    } else if at > closes {
        Arrival::TooLate(up(at - closes))
    } else {
        Arrival::InWindow
    }
}

/// A waiting ticket as the order needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Waiting {
    pub number: i64,
    pub kind: TicketKind,
    /// The booked slot's start (booked tickets).
    pub slot_start: Option<DateTime<Utc>>,
    pub issued_at: DateTime<Utc>,
}

/// The waiting list's order: booked tickets first, by slot start then arrival; late arrivals
/// and walk-ins after, by arrival. The ticket number breaks ties (it is issued in order).
pub fn queue_order(a: &Waiting, b: &Waiting) -> Ordering {
    let booked = |w: &Waiting| w.kind == TicketKind::Booked;
    booked(b)
        .cmp(&booked(a))
        .then_with(|| match (booked(a), booked(b)) {
            (true, true) => a.slot_start.cmp(&b.slot_start),
            _ => Ordering::Equal,
        })
        .then_with(|| a.issued_at.cmp(&b.issued_at))
        .then_with(|| a.number.cmp(&b.number))
}

/// The waiting list in the order it is called.
pub fn in_order(mut waiting: Vec<Waiting>) -> Vec<Waiting> {
    waiting.sort_by(queue_order);
    waiting
}

/// The next ticket to call: the first in order, if anyone waits.
pub fn next_to_call(waiting: &[Waiting]) -> Option<&Waiting> {
    waiting.iter().min_by(|a, b| queue_order(a, b))
}

/// Whether a confirmed booking that has not checked in is a no-show at `now`: its window has
/// passed, or the evening is closed.
pub fn is_no_show(slot_start: DateTime<Utc>, w: Window, now: DateTime<Utc>, closed: bool) -> bool {
    closed || now > slot_start + Duration::minutes(w.late_minutes)
}

fn not_running(state: EveningState) -> RuleError {
    match state {
        EveningState::Cancelled => RuleError::new(
            "evening_cancelled",
            "취소된 운영일입니다",
            "this evening was cancelled",
        ),
        EveningState::NotOpened => RuleError::new(
            "evening_not_opened",
            "예약이 모자라 운영하지 않는 날입니다",
            "this evening did not open (too few bookings at the cutoff)",
        ),
        EveningState::Closed => RuleError::new(
            "evening_closed",
            "이미 마감된 운영일입니다",
            "this evening is closed",
        ),
        _ => RuleError::new(
            "evening_not_running",
            "지금은 창구를 운영하지 않습니다",
            "the counter is not running",
        ),
    }
}

/// The state after the counter's first work (a check-in, a walk-in, staff opening it):
/// a scheduled or confirmed evening goes in progress; closed, cancelled and not-opened
/// evenings refuse.
pub fn start(state: EveningState) -> Result<EveningState, RuleError> {
    match state {
        EveningState::Scheduled | EveningState::Confirmed | EveningState::InProgress => {
            Ok(EveningState::InProgress)
        }
        s => Err(not_running(s)),
    }
}

/// Closing the evening: from in progress (or confirmed, if nobody came).
pub fn close(state: EveningState) -> Result<EveningState, RuleError> {
    match state {
        EveningState::Scheduled | EveningState::Confirmed | EveningState::InProgress => {
            Ok(EveningState::Closed)
        }
        s => Err(not_running(s)),
    }
}

/// Minutes waited from `issued_at` to `now` (never negative).
pub fn waited_minutes(issued_at: DateTime<Utc>, now: DateTime<Utc>) -> i64 {
    (now - issued_at).num_minutes().max(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use proptest::prelude::*;

    fn t(h: u32, m: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2027, 1, 14, h, m, 0)
            .single()
            .unwrap_or_default()
    }

    const W: Window = Window {
        early_minutes: 30,
        late_minutes: 10,
    };

    #[test]
    fn window_ends_are_inside() {
        assert_eq!(arrival(t(9, 30), t(9, 0), W), Arrival::InWindow);
        assert_eq!(arrival(t(9, 30), t(9, 40), W), Arrival::InWindow);
        assert_eq!(arrival(t(9, 30), t(8, 59), W), Arrival::TooEarly(1));
        assert_eq!(arrival(t(9, 30), t(9, 41), W), Arrival::TooLate(1));
        assert_eq!(
            arrival(t(9, 30), t(9, 40) + Duration::seconds(1), W),
            Arrival::TooLate(1)
        );
        assert_eq!(
            arrival(t(9, 30), t(9, 41), W).ticket_kind(),
            TicketKind::Late
        );
        assert_eq!(
            arrival(t(9, 30), t(9, 35), W).ticket_kind(),
            TicketKind::Booked
        );
        assert!(arrival(t(9, 30), t(10, 0), W).reason().is_some());
    }

    fn w(number: i64, kind: TicketKind, slot: Option<DateTime<Utc>>, at: DateTime<Utc>) -> Waiting {
        Waiting {
            number,
            kind,
            slot_start: slot,
            issued_at: at,
        }
    }

    #[test]
    fn booked_first_by_slot_then_late_and_walk_ins_by_arrival() {
        let list = vec![
            w(1, TicketKind::WalkIn, None, t(9, 0)),
            w(2, TicketKind::Late, Some(t(9, 0)), t(9, 5)),
            w(3, TicketKind::Booked, Some(t(9, 30)), t(9, 6)),
            w(4, TicketKind::Booked, Some(t(9, 15)), t(9, 7)),
            w(5, TicketKind::WalkIn, None, t(9, 8)),
        ];
        let order: Vec<i64> = in_order(list.clone()).iter().map(|w| w.number).collect();
        assert_eq!(order, vec![4, 3, 1, 2, 5]);
        assert_eq!(next_to_call(&list).map(|w| w.number), Some(4));
        assert_eq!(next_to_call(&[]), None);
    }

    #[test]
    fn no_show_after_the_window_or_at_closing() {
        assert!(!is_no_show(t(9, 0), W, t(9, 10), false));
        assert!(is_no_show(t(9, 0), W, t(9, 11), false));
        assert!(is_no_show(t(9, 0), W, t(8, 0), true));
    }

    #[test]
    fn states() {
        assert_eq!(start(EveningState::Confirmed), Ok(EveningState::InProgress));
        assert_eq!(
            start(EveningState::InProgress),
            Ok(EveningState::InProgress)
        );
        assert_eq!(
            start(EveningState::Cancelled).map_err(|e| e.code),
            Err("evening_cancelled")
        );
        assert_eq!(
            start(EveningState::NotOpened).map_err(|e| e.code),
            Err("evening_not_opened")
        );
        assert_eq!(
            start(EveningState::Closed).map_err(|e| e.code),
            Err("evening_closed")
        );
        assert_eq!(close(EveningState::InProgress), Ok(EveningState::Closed));
        assert!(close(EveningState::Closed).is_err());
    }

    fn kind() -> impl Strategy<Value = TicketKind> {
        prop_oneof![
            Just(TicketKind::Booked),
            Just(TicketKind::Late),
            Just(TicketKind::WalkIn)
        ]
    }

    proptest! {
        /// Every booked ticket precedes every other; within each group arrival (or slot) order
        /// holds, and the next to call is the head of the ordered list.
        #[test]
        fn order_is_fair(items in proptest::collection::vec((kind(), 0i64..120, 0i64..120), 0..30)) {
            let list: Vec<Waiting> = items.iter().enumerate().map(|(i, (k, slot, at))| {
                w(i as i64 + 1, *k, Some(t(9, 0) + Duration::minutes(*slot)), t(8, 0) + Duration::minutes(*at))
            }).collect();
            let ordered = in_order(list.clone());
            prop_assert_eq!(ordered.len(), list.len());
            for pair in ordered.windows(2) {
                let (a, b) = (&pair[0], &pair[1]);
                prop_assert!(!(a.kind != TicketKind::Booked && b.kind == TicketKind::Booked));
                if a.kind == TicketKind::Booked && b.kind == TicketKind::Booked {
                    prop_assert!(a.slot_start <= b.slot_start);
                }
                if a.kind != TicketKind::Booked && b.kind != TicketKind::Booked {
                    prop_assert!(a.issued_at <= b.issued_at);
                }
            }
            prop_assert_eq!(next_to_call(&list), ordered.first());
        }
    }
}
