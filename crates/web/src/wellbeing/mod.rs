//! Staff wellbeing (직원 마음건강): the self-check, sharing with a counsellor, the plan, the
//! group report, and their pages.

pub mod api;
pub mod pages;

use crate::AppState;
use axum::Router;

pub fn routes() -> Router<AppState> {
    Router::new().merge(api::routes()).merge(pages::routes())
}
