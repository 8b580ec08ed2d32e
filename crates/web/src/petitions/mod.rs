//! The petition desk (민원 처리): the JSON API, the desk's assistance and answers, tracking
//! without an account, retention, and the pages of residents, the desk and the counter.

pub mod answers;
pub mod api;
pub mod assist;
pub mod intake_pages;
pub mod resident_pages;
pub mod result_documents;
pub mod retention;
pub mod staff_pages;
pub mod tracking;
pub mod views;

pub use api::Desk;

use crate::AppState;
use crate::Registration;
use crate::kit::page::{Audience, NavEntry};
use domain::access::Screen;
use utoipa_axum::router::OpenApiRouter;

/// The petition desk's routes (with their OpenAPI paths) and menu entries, named here once.
pub const REGISTRATION: Registration = Registration {
    name: "petitions",
    routes,
    public_routes: None,
    nav: &[
        NavEntry {
            href: "/petitions/new",
            ko: "민원 신청",
            en: "File a petition",
            place: 10,
            shown_to: Audience::Everyone,
        },
        NavEntry {
            href: "/track",
            ko: "처리 조회",
            en: "Track a petition",
            place: 20,
            shown_to: Audience::Everyone,
        },
        NavEntry {
            href: "/my",
            ko: "나의 민원",
            en: "My petitions",
            place: 30,
            shown_to: Audience::Permitted(Screen::MyPetitions),
        },
        NavEntry {
            href: "/desk",
            ko: "업무 목록",
            en: "Work queue",
            place: 40,
            shown_to: Audience::Permitted(Screen::WorkQueue),
        },
        NavEntry {
            href: "/desk/dashboard",
            ko: "현황판",
            en: "Dashboard",
            place: 50,
            shown_to: Audience::Permitted(Screen::Dashboard),
        },
        NavEntry {
            href: "/desk/late",
            ko: "지연 민원",
            en: "Late petitions",
            place: 90,
            shown_to: Audience::Permitted(Screen::LatePetitions),
        },
    ],
};

fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .merge(api::routes())
        .merge(tracking::routes())
        .merge(retention::routes())
        .merge(assist::routes())
        .merge(answers::routes())
        .merge(resident_pages::routes().into())
        .merge(staff_pages::routes().into())
        .merge(result_documents::routes().into())
        .merge(intake_pages::routes().into())
}
