//! Open311 GeoReport v2 (`/open311/v2/`): the standard's endpoints, their form parser and
//! XML/JSON formats, and the administration of API keys.

pub mod admin;
pub mod api;
pub mod form;
pub mod format;
pub mod pages;

use crate::AppState;
use crate::Registration;
use axum::Router;
use utoipa_axum::router::OpenApiRouter;

/// Open311's routes (with their OpenAPI paths) and menu entries, named here once.
pub const REGISTRATION: Registration = Registration {
    name: "open311",
    routes,
    public_routes: Some(public_routes),
    nav: &[],
};

fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .merge(admin::routes())
        .merge(pages::routes().into())
}

/// The standard's own routes: clients carry an api_key instead of a session.
fn public_routes() -> Router<AppState> {
    api::routes()
}
