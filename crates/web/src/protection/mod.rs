//! Frontline protection (민원공무원 보호): incidents and the Decree's measures, evidence, equipment,
//! drills, panic alerts live over server-sent events, and their pages.
//!
//! One file per concern (incidents, measures, evidence, equipment, drills, alerts, contacts,
//! flags, indicators, settings), each holding that concern's JSON handlers, page handlers,
//! inputs and views together: a JSON route and its form do the same action with the same
//! input type, so they belong side by side, and a change to one concern touches one file.
//! `targets` says what protection records are to the access policy; `views` holds what the
//! pages share. `api` and `pages` are only the route tables (and the OpenAPI document).
//!
//! Access: an incident is a [`domain::access::Target::Record`] owned by the official who
//! reported it, shared with the officials involved, in its department; `domain::access` lets
//! the officials concerned and the division's supervisors and protection officers reach it,
//! nobody else. Evidence files only the officials concerned and protection officers. Reading
//! the petitioner's name or an evidence file writes the access log. Panic alerts go to every
//! open screen of someone who may read the incident, through a broadcast channel feeding
//! server-sent events, and through the outbox.

pub mod alerts;
pub mod api;
pub mod contacts;
pub mod drills;
pub mod equipment;
pub mod evidence;
pub mod flags;
pub mod incidents;
pub mod indicators;
pub mod measures;
pub mod pages;
pub mod settings;
pub mod targets;
pub mod views;

pub use alerts::{Live, run_relay};

use crate::AppState;
use crate::Registration;
use crate::kit::page::{Audience, NavEntry};
use domain::access::Screen;
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
    api::routes().merge(pages::routes().into())
}
