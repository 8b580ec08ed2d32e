//! Service access (capability C6): the after-hours reception by booking (야간·휴일 민원실) and
//! home visits planned into rounds (찾아가는 종합민원실). The rules live in
//! `domain::service_access`; who may do what is decided by `domain::access` in the handlers.
//!
//! * [`after_hours`]: schedules, services, exceptions, evenings and bookings.
//! * [`evening`]: the evening itself: check-in, the waiting list, number tickets, no-shows and
//!   the petition filed from a booking.
//! * [`home_visits`]: requests, teams, rounds, stops and outcomes.

pub mod after_hours;
pub mod demo_booking;
pub mod demo_homevisits;
pub mod evening;
pub mod home_visits;
