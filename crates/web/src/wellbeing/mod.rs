//! Staff wellbeing (직원 마음건강): the self-check, sharing with a counsellor, the plan, the
//! group report, and their pages.

pub mod api;
pub mod pages;

use crate::AppState;
use crate::Registration;
use crate::kit::page::{Audience, NavEntry};
use domain::access::Screen;
use utoipa_axum::router::OpenApiRouter;

/// Staff wellbeing's routes (with their OpenAPI paths) and menu entries, named here once.
pub const REGISTRATION: Registration = Registration {
    name: "wellbeing",
    routes,
    public_routes: None,
    nav: &[NavEntry {
        href: "/wellbeing",
        ko: "마음건강",
        en: "Wellbeing",
        place: 80,
        shown_to: Audience::Permitted(Screen::Wellbeing),
    }],
};

fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .merge(api::routes())
        .merge(pages::routes().into())
}
