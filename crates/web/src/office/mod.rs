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
use crate::Registration;
use crate::kit::page::{Audience, NavEntry};
use domain::access::Screen;
use utoipa_axum::router::OpenApiRouter;

/// The office's routes (with their OpenAPI paths) and menu entries, named here once.
pub const REGISTRATION: Registration = Registration {
    name: "office",
    routes,
    public_routes: None,
    nav: &[
        NavEntry {
            href: "/admin",
            ko: "관리",
            en: "Administration",
            place: 60,
            shown_to: Audience::Permitted(Screen::Administration),
        },
        NavEntry {
            href: "/privacy/review",
            ko: "접속기록 점검",
            en: "Access-log review",
            place: 100,
            shown_to: Audience::Permitted(Screen::AccessLogReview),
        },
        NavEntry {
            href: "/account",
            ko: "내 계정",
            en: "My account",
            place: 110,
            shown_to: Audience::Permitted(Screen::Account),
        },
    ],
};

fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .merge(api::routes())
        .merge(account_api::routes())
        .merge(privacy_review::routes())
        .merge(account_pages::routes().into())
        .merge(sign_in_pages::routes().into())
        .merge(admin_pages::routes().into())
        .merge(admin_edit_pages::routes().into())
}
