//! The petition desk (민원 처리): the JSON API, the desk's assistance and answers, tracking
//! without an account, retention, and the pages of residents, the desk and the counter.

pub mod answers;
pub mod api;
pub mod assist;
pub mod intake_pages;
pub mod resident_pages;
pub mod retention;
pub mod staff_pages;
pub mod tracking;
pub mod views;

pub use api::Desk;

use crate::AppState;
use axum::Router;

pub fn routes() -> Router<AppState> {
    Router::new()
        .merge(api::routes())
        .merge(tracking::routes())
        .merge(retention::routes())
        .merge(assist::routes())
        .merge(answers::routes())
        .merge(resident_pages::routes())
        .merge(staff_pages::routes())
        .merge(intake_pages::routes())
}
