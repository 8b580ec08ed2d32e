//! From attendance to recognised hours (issue 17, items 4–7 and 11): check-in by the room's
//! rotating code, the organiser's attendance and sign-in sheets, the broadcast audience, closing
//! with completion and certificates (verified on a public page), feedback in aggregate, each
//! official's learning record with outside hours, the roll-up, and the HR exports.
//!
//! One file per concern, each with its JSON handlers, page handlers and views side by side.
//! Access: the organiser is whoever may update the catalogue (`Capability::Programs`, the
//! training officer); a person's attendance, hours and certificates are records of
//! `Capability::ProgramEnrolment` owned by that person in their department; the broadcast audience
//! is `Capability::ProgramAudience` of the contact's department.

pub mod attendance;
pub mod certificates;
pub mod checkin;
pub mod exports;
pub mod feedback;
pub mod record;

use crate::AppState;
use crate::kit::auth::Caller;
use crate::kit::error::ApiError;
use crate::kit::page::{Audience, Ctx, NavEntry};
use askama::Template;
use axum::Router;
use axum::response::Response;
use axum::routing::{get, post};
use domain::access::{Action, Capability, Screen, Target};
use store::programs::attendance::{SessionFacts, session_facts};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The learning record's menu entry (registered with the rest of programs in `super`).
pub(super) const NAV: NavEntry = NavEntry {
    href: "/programs/learning",
    ko: "학습 실적",
    en: "Learning record",
    place: 86,
    shown_to: Audience::Permitted(Screen::Programs),
};

/// The learning routes (with their OpenAPI paths), merged into the programs' registration.
pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(checkin::check_in_api))
        .routes(routes!(attendance::attendance_api, attendance::mark_api))
        .routes(routes!(attendance::walk_in_api))
        .routes(routes!(attendance::match_api))
        .routes(routes!(attendance::audience_api))
        .routes(routes!(attendance::close_api))
        .routes(routes!(certificates::verify_api))
        .routes(routes!(feedback::answer_api))
        .routes(routes!(feedback::report_api))
        .routes(routes!(feedback::questions_api))
        .routes(routes!(record::mine_api))
        .routes(routes!(record::person_api))
        .routes(routes!(record::team_api))
        .routes(routes!(record::requirement_api))
        .routes(routes!(record::external_api))
        .routes(routes!(record::decide_api))
        .routes(routes!(exports::session_export_api))
        .routes(routes!(exports::year_export_api))
        .merge(pages().into())
}

fn pages() -> Router<AppState> {
    Router::new()
        .route("/programs/sessions/{id}/room", get(checkin::room))
        .route(
            "/programs/sessions/{id}/checkin",
            get(checkin::checkin_page).post(checkin::checkin_form),
        )
        .route(
            "/programs/sessions/{id}/attendance",
            get(attendance::attendance_page),
        )
        .route(
            "/programs/sessions/{id}/attendance/mark",
            post(attendance::mark_form),
        )
        .route(
            "/programs/sessions/{id}/walk-ins",
            post(attendance::walk_in_form),
        )
        .route(
            "/programs/walk-ins/{id}/match",
            post(attendance::match_form),
        )
        .route(
            "/programs/sessions/{id}/close",
            post(attendance::close_form),
        )
        .route("/programs/sessions/{id}/sheet", get(attendance::sheet))
        .route(
            "/programs/sessions/{id}/audience",
            get(attendance::audience_page).post(attendance::audience_form),
        )
        .route(
            "/programs/certificates/{id}",
            get(certificates::certificate_page),
        )
        .route("/verify/certificate", get(certificates::verify_page))
        .route(
            "/programs/sessions/{id}/feedback",
            get(feedback::feedback_page).post(feedback::feedback_form),
        )
        .route("/programs/{id}/feedback/report", get(feedback::report_page))
        .route(
            "/programs/{id}/feedback/questions",
            get(feedback::survey_page).post(feedback::survey_form),
        )
        .route(
            "/programs/learning",
            get(record::mine_page).post(record::external_form),
        )
        .route("/programs/learning/people/{id}", get(record::person_page))
        .route("/programs/learning/team", get(record::team_page))
        .route(
            "/programs/learning/requirement",
            post(record::requirement_form),
        )
        .route("/programs/learning/approvals", get(record::approvals_page))
        .route(
            "/programs/learning/approvals/{id}",
            post(record::decide_form),
        )
        .route(
            "/programs/learning/evidence/{id}",
            get(record::evidence_download),
        )
        .route(
            "/programs/sessions/{id}/export",
            get(exports::session_export_page),
        )
        .route("/programs/learning/export", get(exports::year_export_page))
}

/// The session if the caller organises programs (the training officer), else a refusal that is
/// logged.
pub(crate) async fn organiser_of(
    state: &AppState,
    caller: &Caller,
    session_id: i64,
) -> Result<SessionFacts, ApiError> {
    caller
        .may(state, Capability::Programs, Action::Update, Target::Office)
        .await?;
    Ok(session_facts(&state.db, session_id).await?)
}

/// A person's learning records as the access policy sees them.
pub(crate) fn person_target(
    account_id: domain::AccountId,
    department_id: Option<domain::DepartmentId>,
) -> Target<'static> {
    Target::Record {
        owner: Some(account_id),
        department: department_id,
        shared_with: &[],
    }
}

/// A page, or with an error its status.
pub(crate) fn show(ctx: &Ctx, page: &impl Template, error: Option<&ApiError>) -> Response {
    match error {
        Some(e) => ctx.render_status(e.status, page),
        None => ctx.render(page),
    }
}

/// A session's name in the page's language: "친절 응대 힐링 1기".
pub(crate) fn session_name(lang: crate::kit::page::Lang, f: &SessionFacts) -> String {
    let title = match lang {
        crate::kit::page::Lang::En if !f.title_en.trim().is_empty() => f.title_en.as_str(),
        _ => f.title.as_str(),
    };
    if f.label.trim().is_empty() {
        title.to_string()
    } else {
        format!("{title} {}", f.label)
    }
}

/// Minutes in the page's language.
pub(crate) fn minutes(lang: crate::kit::page::Lang, m: i64) -> String {
    match lang {
        crate::kit::page::Lang::Ko => domain::programs::attendance::minutes_ko(m),
        crate::kit::page::Lang::En => domain::programs::attendance::minutes_en(m),
    }
}
