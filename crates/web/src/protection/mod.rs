//! Frontline protection (민원공무원 보호): incidents and the Decree's measures, evidence, equipment,
//! drills, panic alerts live over server-sent events, and their pages.

pub mod api;
pub mod pages;

pub use api::{Live, run_relay};

use crate::AppState;
use axum::Router;

pub fn routes() -> Router<AppState> {
    Router::new().merge(api::routes()).merge(pages::routes())
}
