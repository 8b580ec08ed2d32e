//! The office itself (사무실): sign-in, accounts, departments, settings, holidays, the access
//! log and its monthly review.

pub mod account_api;
pub mod account_pages;
pub mod admin_edit_pages;
pub mod admin_pages;
pub mod api;
pub mod privacy_review;
pub mod sign_in_pages;

use crate::AppState;
use axum::Router;

pub fn routes() -> Router<AppState> {
    Router::new()
        .merge(api::routes())
        .merge(account_api::routes())
        .merge(account_pages::routes())
        .merge(privacy_review::routes())
        .merge(sign_in_pages::routes())
        .merge(admin_pages::routes())
        .merge(admin_edit_pages::routes())
}
