//! Frontline protection (민원공무원 보호): incidents and the Decree's measures, evidence, equipment,
//! drills, panic alerts live over server-sent events, and their pages.

pub mod api;
pub mod pages;

pub use api::{Live, run_relay};

use crate::AppState;
use crate::Registration;
use crate::kit::page::{Audience, NavEntry};
use domain::access::Screen;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;

/// Frontline protection's routes (with their OpenAPI paths) and menu entries, named here once.
pub const REGISTRATION: Registration = Registration {
    name: "protection",
    routes,
    public_routes: None,
    nav: &[NavEntry {
        href: "/protection",
        ko: "민원공무원 보호",
        en: "Protection",
        place: 70,
        shown_to: Audience::Permitted(Screen::Protection),
    }],
};

fn routes() -> OpenApiRouter<AppState> {
    // The API module still lists its paths in `ProtectionDoc` itself.
    OpenApiRouter::with_openapi(api::ProtectionDoc::openapi())
        .merge(api::routes().into())
        .merge(pages::routes().into())
}
