//! Programs (교육·힐링 프로그램, capability C5): the catalogue and sessions of the training
//! officer, the official's enrolments and waitlist, the supervisor's approvals and
//! nominations, calendar feeds and the reminder job.
//!
//! `api` holds the JSON routes and the actions both the API and the pages call (so a page and
//! an API call are refused, logged and answered alike); `forms` reads the pages' forms into the
//! domain's drafts with an error beside each field; `pages` the pages; `feeds` the iCalendar
//! feeds at secret URLs (outside the session layer: a calendar program carries no cookie);
//! `learning` from attendance to recognised hours (check-in, completion, certificates,
//! feedback, the learning record, exports).
//!
//! Access: the catalogue is `Capability::Programs` (staff read, the training officer
//! writes); a person's place is `Capability::ProgramEnrolment` as a record owned by them in
//! their department (their own; a supervisor's division; the training officer's office).

pub mod api;
pub mod feeds;
pub mod forms;
pub mod healing;
pub mod learning;
pub mod pages;
pub mod practice;

use crate::AppState;
use crate::Registration;
use crate::kit::page::{Audience, NavEntry};
use domain::access::Screen;
use utoipa_axum::router::OpenApiRouter;

/// The programs' routes (with their OpenAPI paths) and menu entries, named here once.
pub const REGISTRATION: Registration = Registration {
    name: "programs",
    routes,
    public_routes: Some(feeds::routes),
    nav: &[
        NavEntry {
            href: "/programs",
            ko: "교육·힐링",
            en: "Programs",
            place: 85,
            shown_to: Audience::Permitted(Screen::Programs),
        },
        NavEntry {
            href: "/programs/office",
            ko: "교육 운영",
            en: "Training office",
            place: 87,
            shown_to: Audience::Permitted(Screen::ProgramOffice),
        },
        NavEntry {
            href: "/programs/approvals",
            ko: "교육 승인",
            en: "Approvals",
            place: 88,
            shown_to: Audience::Permitted(Screen::ProgramApprovals),
        },
        learning::NAV,
    ],
};

fn routes() -> OpenApiRouter<AppState> {
    api::routes()
        .merge(pages::routes().into())
        .merge(learning::routes())
        .merge(practice::routes())
        .merge(healing::routes())
}
