//! The after-hours evening at the counter (issue 18 item 6): the desk (`/after-hours/desk`),
//! the counter (`…/counter`: check-in, walk-ins, the waiting list, calling, outcomes, closing),
//! the petition filed from a booking (`…/bookings/{id}/petition`) and the room's number-ticket
//! screen (`…/screen`), with their JSON API under `/api/v1/after-hours/evenings/{id}/…`.
//!
//! Access: working the counter is `Capability::AfterHoursBooking` / `Update` in the evening's
//! running department (its officials, the division's supervisor); the screen is
//! `Capability::AfterHours` / `Read` (any staff member, the room's TV signed in as one).

pub mod actions;
pub mod api;
pub mod pages;
pub mod petition;
pub mod screen;
pub mod views;

use crate::AppState;
use crate::kit::page::{Audience, NavEntry};
use axum::Router;
use axum::routing::{get, post};
use domain::access::Screen;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The staff menu's entry for the desk.
pub const NAV: NavEntry = NavEntry {
    href: "/after-hours/desk",
    ko: "야간 민원실 창구",
    en: "After-hours desk",
    place: 57,
    shown_to: Audience::Permitted(Screen::AfterHoursDesk),
};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(api::waiting_api))
        .routes(routes!(api::check_in_api))
        .routes(routes!(api::walk_in_api))
        .routes(routes!(api::call_next_api))
        .routes(routes!(api::outcome_api))
        .routes(routes!(api::open_api))
        .routes(routes!(api::close_api))
        .routes(routes!(api::bookings_api))
        .routes(routes!(petition::petition_api))
        .routes(routes!(screen::screen_api))
        .merge(pages().into())
}

fn pages() -> Router<AppState> {
    Router::new()
        .route("/after-hours/desk", get(pages::desk))
        .route("/after-hours/evenings/{id}/counter", get(pages::counter))
        .route(
            "/after-hours/evenings/{id}/counter/check-in",
            post(pages::check_in_form),
        )
        .route(
            "/after-hours/evenings/{id}/counter/walk-in",
            post(pages::walk_in_form),
        )
        .route(
            "/after-hours/evenings/{id}/counter/call",
            post(pages::call_form),
        )
        .route(
            "/after-hours/evenings/{id}/counter/tickets/{ticket}",
            post(pages::outcome_form),
        )
        .route(
            "/after-hours/evenings/{id}/counter/open",
            post(pages::open_form),
        )
        .route(
            "/after-hours/evenings/{id}/counter/close",
            post(pages::close_form),
        )
        .route(
            "/after-hours/evenings/{id}/bookings/{booking}/petition",
            get(petition::petition_page).post(petition::petition_form),
        )
        .route(
            "/after-hours/evenings/{id}/screen",
            get(screen::screen_page),
        )
}
