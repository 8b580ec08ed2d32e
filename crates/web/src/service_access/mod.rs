//! Service access (capability C6): the after-hours reception by booking (야간·휴일 민원실) and
//! home visits planned into rounds (찾아가는 종합민원실).
//!
//! * [`after_hours`]: schedules and services (administrator), booking, cancelling and moving
//!   (residents online, staff on the phone), reminders.
//! * [`evening`]: the evening at the counter: check-in, the waiting list, the number-ticket
//!   screen, no-shows, the petition filed from a booking.
//! * [`home_visits`]: requests, rounds, route planning, the round sheet and outcomes.
//!
//! Access: schedules are `Capability::AfterHours`; a booking is `Capability::AfterHoursBooking`
//! (the resident's own record in the running department); a home-visit request is
//! `Capability::HomeVisitRequest` (health and disability data: intake, the round's staff and
//! the supervisor; every reveal logged); rounds are `Capability::HomeVisitRound`.

pub mod after_hours;
pub mod evening;
pub mod home_visits;

use crate::AppState;
use crate::Registration;
use crate::kit::page::{Audience, NavEntry};
use domain::access::Screen;
use utoipa_axum::router::OpenApiRouter;

/// Service access's routes (with their OpenAPI paths) and menu entries, named here once.
pub const REGISTRATION: Registration = Registration {
    name: "service_access",
    routes,
    public_routes: None,
    nav: &[
        // Residents and people without an account book here; staff see the free places.
        NavEntry {
            href: "/after-hours",
            ko: "야간 민원실 예약",
            en: "After-hours booking",
            place: 25,
            shown_to: Audience::Everyone,
        },
        evening::NAV,
        NavEntry {
            href: "/after-hours/office",
            ko: "야간 민원실 운영",
            en: "After-hours office",
            place: 89,
            shown_to: Audience::Permitted(Screen::AfterHoursOffice),
        },
        NavEntry {
            href: "/home-visits",
            ko: "찾아가는 민원",
            en: "Home visits",
            place: 92,
            shown_to: Audience::Permitted(Screen::HomeVisits),
        },
    ],
};

fn routes() -> OpenApiRouter<AppState> {
    after_hours::routes()
        .merge(evening::routes())
        .merge(home_visits::routes())
}
