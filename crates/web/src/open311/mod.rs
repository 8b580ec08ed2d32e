//! Open311 GeoReport v2 (`/open311/v2/`): the standard's endpoints, their form parser and
//! XML/JSON formats, and the administration of API keys.

pub mod admin;
pub mod api;
pub mod form;
pub mod format;
pub mod pages;

use crate::AppState;
use axum::Router;

/// Routes behind the session layer (key administration).
pub fn routes() -> Router<AppState> {
    Router::new().merge(admin::routes()).merge(pages::routes())
}

/// The standard's own routes: clients carry an api_key instead of a session.
pub fn public_routes() -> Router<AppState> {
    api::routes()
}
