//! The JSON routes under `/api/v1/programs` and the actions the pages share with them.

use crate::kit::auth::{ApiCaller, Caller};
use crate::kit::error::{ApiError, ErrorBody};
use crate::kit::json::ApiJson;
use crate::wellbeing::api::Id;
use crate::{AppState, Audit, audited};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use domain::access::{Action, Capability, Target};
use domain::programs::{ProgramDraft, SessionDraft};
use domain::{AccountId, DepartmentId};
use serde::{Deserialize, Serialize};
use store::programs::{self as sp, Enrolment, Program, Session};
use utoipa::{OpenApi, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ProgramsDoc::openapi())
        .routes(routes!(list_programs, post_program))
        .routes(routes!(get_program, put_program))
        .routes(routes!(post_session))
        .routes(routes!(get_session, put_session))
        .routes(routes!(post_cancel_session))
        .routes(routes!(get_roster))
        .routes(routes!(post_enrolment))
        .routes(routes!(get_open))
        .routes(routes!(get_mine))
        .routes(routes!(get_approvals))
        .routes(routes!(post_decision))
        .routes(routes!(post_cancel))
        .routes(routes!(post_calendar))
}

#[derive(OpenApi)]
#[openapi(
    components(schemas(ProgramView, Offer, EnrolRequest, DecisionRequest, CancelRequest, CalendarView)),
    tags((name = "programs", description = "교육·힐링 프로그램 (programs): the catalogue, sessions, enrolment with approval and a waitlist, calendar feeds."))
)]
pub struct ProgramsDoc;

// ---------------------------------------------------------------------------------------------
// What the policy is asked

/// A person's place, as the policy sees it: their record in their department.
fn record(owner: AccountId, department: Option<DepartmentId>) -> Target<'static> {
    Target::Record {
        owner: Some(owner),
        department,
        shared_with: &[],
    }
}

/// The access-log subject of a person's programs record.
fn subject(owner: AccountId) -> String {
    format!("account:{owner}")
}

pub(crate) async fn may_read_catalogue(state: &AppState, caller: &Caller) -> Result<(), ApiError> {
    caller
        .may(state, Capability::Programs, Action::Read, Target::Office)
        .await
}

pub(crate) async fn may_run(
    state: &AppState,
    caller: &Caller,
    action: Action,
) -> Result<(), ApiError> {
    caller
        .may(state, Capability::Programs, action, Target::Office)
        .await
}

/// The departments whose people the caller answers for: `None` = the whole office.
pub(crate) async fn division(
    state: &AppState,
    caller: &Caller,
) -> Result<Option<Vec<DepartmentId>>, ApiError> {
    if caller
        .permits(
            state,
            Capability::ProgramEnrolment,
            Action::Approve,
            Target::Office,
        )
        .await?
    {
        return Ok(None);
    }
    let mut out = Vec::new();
    for d in store::office::departments::list(&state.db).await? {
        if caller
            .permits(
                state,
                Capability::ProgramEnrolment,
                Action::Approve,
                Target::Department(d.id),
            )
            .await?
        {
            out.push(d.id);
        }
    }
    Ok(Some(out))
}

// ---------------------------------------------------------------------------------------------
// Actions shared by the API and the pages

pub(crate) async fn new_program(
    state: &AppState,
    caller: &Caller,
    d: &ProgramDraft,
) -> Result<i64, ApiError> {
    may_run(state, caller, Action::Create).await?;
    audited(state, caller, async |tx| {
        let id = sp::create_program(
            tx,
            d,
            caller.account.id,
            caller.account.department_id,
            store::now(),
        )
        .await?;
        Ok((
            id,
            Audit::new(format!("program:{id}"), "programs.create", ""),
        ))
    })
    .await
}

pub(crate) async fn edit_program(
    state: &AppState,
    caller: &Caller,
    id: i64,
    d: &ProgramDraft,
) -> Result<(), ApiError> {
    may_run(state, caller, Action::Update).await?;
    audited(state, caller, async |tx| {
        sp::update_program(tx, id, d, store::now()).await?;
        Ok((
            (),
            Audit::new(format!("program:{id}"), "programs.update", ""),
        ))
    })
    .await
}

pub(crate) async fn new_session(
    state: &AppState,
    caller: &Caller,
    program: i64,
    d: &SessionDraft,
) -> Result<i64, ApiError> {
    may_run(state, caller, Action::Create).await?;
    audited(state, caller, async |tx| {
        let id = sp::create_session(tx, program, d, caller.account.id, store::now()).await?;
        Ok((
            id,
            Audit::new(
                format!("program_session:{id}"),
                "programs.session.create",
                "",
            ),
        ))
    })
    .await
}

pub(crate) async fn edit_session(
    state: &AppState,
    caller: &Caller,
    id: i64,
    d: &SessionDraft,
) -> Result<sp::SessionChange, ApiError> {
    may_run(state, caller, Action::Update).await?;
    audited(state, caller, async |tx| {
        let c = sp::update_session(tx, id, d, store::now()).await?;
        Ok((
            c,
            Audit::new(
                format!("program_session:{id}"),
                "programs.session.update",
                "",
            ),
        ))
    })
    .await
}

pub(crate) async fn cancel_session(
    state: &AppState,
    caller: &Caller,
    id: i64,
    reason: &str,
) -> Result<usize, ApiError> {
    may_run(state, caller, Action::Update).await?;
    audited(state, caller, async |tx| {
        let n = sp::cancel_session(tx, id, reason, store::now()).await?;
        Ok((
            n,
            Audit::new(
                format!("program_session:{id}"),
                "programs.session.cancel",
                reason,
            ),
        ))
    })
    .await
}

/// Enrol the caller (no `account`, or their own) or nominate someone else.
pub(crate) async fn enrol(
    state: &AppState,
    caller: &Caller,
    session: i64,
    account: Option<AccountId>,
) -> Result<Enrolment, ApiError> {
    let who = account.unwrap_or(caller.account.id);
    let person = sp::person(&state.db, who).await?;
    caller
        .may(
            state,
            Capability::ProgramEnrolment,
            Action::Create,
            record(who, person.department_id),
        )
        .await?;
    let nominated_by = (who != caller.account.id).then_some(caller.account.id);
    let rule = sp::requirement(&state.db).await?;
    let now = store::now();
    let credited = sp::credited_minutes(&state.db, who, sp::korean_year(now)).await?;
    let short = rule.short_by(person.grade, credited);
    let req = sp::EnrolRequest {
        session,
        account: who,
        nominated_by,
    };
    let action = if nominated_by.is_some() {
        "programs.nominate"
    } else {
        "programs.enrol"
    };
    audited(state, caller, async |tx| {
        let e = sp::enrol_in(tx, req, &person, short, now).await?;
        Ok((
            e,
            Audit::new(subject(who), action, &format!("session:{session}")),
        ))
    })
    .await
}

/// An enrolment the caller may act on with `action`; a stranger's is refused (and logged).
async fn enrolment_for(
    state: &AppState,
    caller: &Caller,
    id: i64,
    action: Action,
) -> Result<Enrolment, ApiError> {
    let e = sp::enrolment(&state.db, id).await?;
    caller
        .may(
            state,
            Capability::ProgramEnrolment,
            action,
            record(e.account_id, e.department_id),
        )
        .await?;
    Ok(e)
}

pub(crate) async fn decide(
    state: &AppState,
    caller: &Caller,
    id: i64,
    approve: bool,
    note: &str,
) -> Result<Enrolment, ApiError> {
    let e = enrolment_for(state, caller, id, Action::Approve).await?;
    let action = if approve {
        "programs.approve"
    } else {
        "programs.decline"
    };
    audited(state, caller, async |tx| {
        let d = sp::decide(tx, id, approve, caller.account.id, note, store::now()).await?;
        Ok((d, Audit::new(subject(e.account_id), action, note)))
    })
    .await
}

pub(crate) async fn cancel(
    state: &AppState,
    caller: &Caller,
    id: i64,
) -> Result<sp::Cancelled, ApiError> {
    let e = enrolment_for(state, caller, id, Action::Update).await?;
    audited(state, caller, async |tx| {
        let c = sp::cancel(tx, id, caller.account.id, store::now()).await?;
        Ok((c, Audit::new(subject(e.account_id), "programs.cancel", "")))
    })
    .await
}

/// A session the caller may enrol in, with their place on it if they have one.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Offer {
    #[schema(value_type = Object)]
    pub session: Session,
    pub program_kind: String,
    pub recognised_minutes: i64,
    pub approval_required: bool,
    #[schema(value_type = Option<Object>)]
    pub mine: Option<Enrolment>,
}

/// Upcoming sessions of programs whose audience admits the caller (and any they hold a place
/// on), soonest first.
pub(crate) async fn open_to(state: &AppState, caller: &Caller) -> Result<Vec<Offer>, ApiError> {
    may_read_catalogue(state, caller).await?;
    let person = sp::person(&state.db, caller.account.id).await?;
    let mine = sp::enrolments_of(&state.db, caller.account.id).await?;
    let mut programs: std::collections::HashMap<i64, Program> = std::collections::HashMap::new();
    for p in sp::programs(&state.db).await? {
        programs.insert(p.id, p);
    }
    let mut out = Vec::new();
    for s in sp::upcoming_sessions(&state.db, store::now()).await? {
        let Some(p) = programs.get(&s.program_id) else {
            continue;
        };
        let held = mine.iter().find(|e| e.session_id == s.id).cloned();
        if p.audience.admits(&person) || held.is_some() {
            out.push(Offer {
                program_kind: p.kind.as_str().to_string(),
                recognised_minutes: p.recognised_minutes,
                approval_required: p.approval_required,
                mine: held,
                session: s,
            });
        }
    }
    Ok(out)
}

/// Requests awaiting the caller's approval: their division's, or all for the training officer.
pub(crate) async fn approvals(
    state: &AppState,
    caller: &Caller,
) -> Result<Vec<Enrolment>, ApiError> {
    let scope = division(state, caller).await?;
    if scope.as_ref().is_some_and(Vec::is_empty) {
        caller
            .may(
                state,
                Capability::ProgramEnrolment,
                Action::Approve,
                Target::Office,
            )
            .await?;
    }
    Ok(sp::awaiting_approval(&state.db, scope.as_deref()).await?)
}

// ---------------------------------------------------------------------------------------------
// JSON routes

/// A program with its agenda and sessions.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProgramView {
    #[schema(value_type = Object)]
    pub program: Program,
    #[schema(value_type = Vec<Object>)]
    pub sessions: Vec<Session>,
}

/// The catalogue (every staff member reads it).
#[utoipa::path(get, path = "/api/v1/programs", tag = "programs", security(("bearer" = [])),
    responses((status = 200, body = Vec<Object>), (status = 403, body = ErrorBody)))]
async fn list_programs(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
) -> Result<Json<Vec<Program>>, ApiError> {
    may_read_catalogue(&state, &caller).await?;
    Ok(Json(sp::programs(&state.db).await?))
}

/// Create a program (the training officer).
#[utoipa::path(post, path = "/api/v1/programs", tag = "programs", security(("bearer" = [])),
    request_body = Object,
    responses((status = 201, body = ProgramView), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn post_program(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiJson(d): ApiJson<ProgramDraft>,
) -> Result<Response, ApiError> {
    let id = new_program(&state, &caller, &d).await?;
    let view = program_view(&state, id).await?;
    Ok((StatusCode::CREATED, Json(view)).into_response())
}

async fn program_view(state: &AppState, id: i64) -> Result<ProgramView, ApiError> {
    Ok(ProgramView {
        program: sp::program(&state.db, id).await?,
        sessions: sp::sessions_of(&state.db, id).await?,
    })
}

/// A program with its agenda and sessions.
#[utoipa::path(get, path = "/api/v1/programs/{id}", tag = "programs", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 200, body = ProgramView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn get_program(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Id(id): Id,
) -> Result<Json<ProgramView>, ApiError> {
    may_read_catalogue(&state, &caller).await?;
    Ok(Json(program_view(&state, id).await?))
}

/// Replace a program's fields and agenda (the training officer).
#[utoipa::path(put, path = "/api/v1/programs/{id}", tag = "programs", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = Object,
    responses((status = 200, body = ProgramView), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn put_program(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Id(id): Id,
    ApiJson(d): ApiJson<ProgramDraft>,
) -> Result<Json<ProgramView>, ApiError> {
    edit_program(&state, &caller, id, &d).await?;
    Ok(Json(program_view(&state, id).await?))
}

/// Add a session (one or several days) to a program (the training officer).
#[utoipa::path(post, path = "/api/v1/programs/{id}/sessions", tag = "programs", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = Object,
    responses((status = 201, body = Object), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn post_session(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Id(id): Id,
    ApiJson(d): ApiJson<SessionDraft>,
) -> Result<Response, ApiError> {
    let sid = new_session(&state, &caller, id, &d).await?;
    Ok((
        StatusCode::CREATED,
        Json(sp::session(&state.db, sid).await?),
    )
        .into_response())
}

/// A session with its days and counts.
#[utoipa::path(get, path = "/api/v1/programs/sessions/{id}", tag = "programs", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 200, body = Object), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn get_session(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Id(id): Id,
) -> Result<Json<Session>, ApiError> {
    may_read_catalogue(&state, &caller).await?;
    Ok(Json(sp::session(&state.db, id).await?))
}

/// Change a session; everyone enrolled or waiting is told, a raised capacity promotes.
#[utoipa::path(put, path = "/api/v1/programs/sessions/{id}", tag = "programs", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = Object,
    responses((status = 200, body = Object), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn put_session(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Id(id): Id,
    ApiJson(d): ApiJson<SessionDraft>,
) -> Result<Json<sp::SessionChange>, ApiError> {
    Ok(Json(edit_session(&state, &caller, id, &d).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CancelRequest {
    pub reason: String,
}

/// Cancel a session; everyone enrolled or waiting is told.
#[utoipa::path(post, path = "/api/v1/programs/sessions/{id}/cancel", tag = "programs", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = CancelRequest,
    responses((status = 200, body = Object), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn post_cancel_session(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Id(id): Id,
    ApiJson(r): ApiJson<CancelRequest>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let told = cancel_session(&state, &caller, id, &r.reason).await?;
    Ok(Json(serde_json::json!({ "told": told })))
}

/// Who holds, waits for or asked for a place (the training officer).
#[utoipa::path(get, path = "/api/v1/programs/sessions/{id}/roster", tag = "programs", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 200, body = Vec<Object>), (status = 403, body = ErrorBody)))]
async fn get_roster(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Id(id): Id,
) -> Result<Json<Vec<Enrolment>>, ApiError> {
    caller
        .may(
            &state,
            Capability::ProgramEnrolment,
            Action::Read,
            Target::Office,
        )
        .await?;
    sp::session(&state.db, id).await?;
    Ok(Json(sp::roster(&state.db, id).await?))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EnrolRequest {
    /// Someone else to nominate; absent: the caller enrols themselves.
    #[serde(default)]
    pub account_id: Option<AccountId>,
}

/// Enrol oneself, or nominate someone (a supervisor for their division, the training officer
/// for anyone). Over capacity the request joins the waitlist; twice is refused.
#[utoipa::path(post, path = "/api/v1/programs/sessions/{id}/enrolments", tag = "programs", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = EnrolRequest,
    responses((status = 201, body = Object), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn post_enrolment(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Id(id): Id,
    ApiJson(r): ApiJson<EnrolRequest>,
) -> Result<Response, ApiError> {
    let e = enrol(&state, &caller, id, r.account_id).await?;
    Ok((StatusCode::CREATED, Json(e)).into_response())
}

/// Sessions the caller may enrol in, with their place if they hold one.
#[utoipa::path(get, path = "/api/v1/programs/open", tag = "programs", security(("bearer" = [])),
    responses((status = 200, body = Vec<Offer>), (status = 403, body = ErrorBody)))]
async fn get_open(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
) -> Result<Json<Vec<Offer>>, ApiError> {
    Ok(Json(open_to(&state, &caller).await?))
}

/// The caller's enrolments, with their waitlist position.
#[utoipa::path(get, path = "/api/v1/programs/enrolments", tag = "programs", security(("bearer" = [])),
    responses((status = 200, body = Vec<Object>), (status = 403, body = ErrorBody)))]
async fn get_mine(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
) -> Result<Json<Vec<Enrolment>>, ApiError> {
    caller
        .may(
            &state,
            Capability::ProgramEnrolment,
            Action::Read,
            record(caller.account.id, caller.account.department_id),
        )
        .await?;
    Ok(Json(sp::enrolments_of(&state.db, caller.account.id).await?))
}

/// Requests awaiting the caller's approval.
#[utoipa::path(get, path = "/api/v1/programs/approvals", tag = "programs", security(("bearer" = [])),
    responses((status = 200, body = Vec<Object>), (status = 403, body = ErrorBody)))]
async fn get_approvals(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
) -> Result<Json<Vec<Enrolment>>, ApiError> {
    Ok(Json(approvals(&state, &caller).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionRequest {
    pub approve: bool,
    #[serde(default)]
    pub note: String,
}

/// Approve or decline a request (a supervisor of the division, or the training officer).
#[utoipa::path(post, path = "/api/v1/programs/enrolments/{id}/decision", tag = "programs", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = DecisionRequest,
    responses((status = 200, body = Object), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn post_decision(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Id(id): Id,
    ApiJson(r): ApiJson<DecisionRequest>,
) -> Result<Json<Enrolment>, ApiError> {
    Ok(Json(decide(&state, &caller, id, r.approve, &r.note).await?))
}

/// Cancel a place or a request; a freed place goes to the head of the waitlist at once.
#[utoipa::path(post, path = "/api/v1/programs/enrolments/{id}/cancel", tag = "programs", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 200, body = Object), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn post_cancel(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Id(id): Id,
) -> Result<Json<sp::Cancelled>, ApiError> {
    Ok(Json(cancel(&state, &caller, id).await?))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CalendarView {
    /// The secret feed address (path); the previous one stops working.
    pub path: String,
}

/// Make or renew the caller's calendar feed address.
#[utoipa::path(post, path = "/api/v1/programs/calendar", tag = "programs", security(("bearer" = [])),
    responses((status = 200, body = CalendarView), (status = 403, body = ErrorBody)))]
async fn post_calendar(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
) -> Result<Json<CalendarView>, ApiError> {
    Ok(Json(CalendarView {
        path: renew_calendar(&state, &caller).await?,
    }))
}

/// Renew the caller's calendar token; answers the feed's path.
pub(crate) async fn renew_calendar(state: &AppState, caller: &Caller) -> Result<String, ApiError> {
    let who = caller.account.id;
    caller
        .may(
            state,
            Capability::ProgramEnrolment,
            Action::Update,
            record(who, caller.account.department_id),
        )
        .await?;
    let token = audited(state, caller, async |tx| {
        let t = sp::renew_calendar_token(tx, who, store::now()).await?;
        Ok((t, Audit::new(subject(who), "programs.calendar.renew", "")))
    })
    .await?;
    Ok(super::feeds::path_of(&token))
}

/// Queue the programs' reminders (the eve, the morning, a nominee's no-show to the supervisor)
/// every `every` until `stop` turns true; each goes once ([`sp::queue_reminders`]). Spawned by
/// the binary beside the other jobs.
pub async fn run_reminders(
    db: store::Db,
    every: std::time::Duration,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    loop {
        match sp::queue_reminders(&db, store::now()).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(n, "program reminders queued"),
            Err(e) => tracing::error!(error = %e, "program reminders failed"),
        }
        match sp::healing::queue_offers(&db, store::now()).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(n, "self-check offers queued"),
            Err(e) => tracing::error!(error = %e, "self-check offers failed"),
        }
        tokio::select! {
            _ = tokio::time::sleep(every) => {}
            _ = stop.changed() => {}
        }
        if *stop.borrow() {
            break;
        }
    }
}
