//! The JSON routes under `/api/v1/after-hours`: schedules (with a preview), services,
//! evenings with their places, bookings (create, look up, cancel and move by code and phone),
//! an evening's bookings and its cancellation.

use crate::AppState;
use crate::kit::auth::ApiCaller;
use crate::kit::error::{ApiError, ErrorBody};
use crate::kit::json::ApiJson;
use crate::wellbeing::api::Id;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, NaiveDate, Utc};
use domain::DepartmentId;
use domain::service_access::booking::{ContactDraft, ScheduleDraft, ServiceDraft};
use domain::service_access::{Upcoming, upcoming};
use serde::{Deserialize, Serialize};
use store::service_access::after_hours::{
    self as ah, Booking, EveningPlaces, SlotKey, StoredSchedule, StoredService,
};
use utoipa::{OpenApi, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(AfterHoursDoc::openapi())
        .routes(routes!(list_schedules, post_schedule))
        .routes(routes!(post_preview))
        .routes(routes!(get_schedule, put_schedule))
        .routes(routes!(get_services, put_service))
        .routes(routes!(get_evenings))
        .routes(routes!(post_booking))
        .routes(routes!(post_lookup))
        .routes(routes!(post_cancel))
        .routes(routes!(post_reschedule))
        .routes(routes!(get_evening_bookings))
        .routes(routes!(post_cancel_evening))
}

#[derive(OpenApi)]
#[openapi(
    components(schemas(NewSchedule, CodeRequest, MoveRequest, BookingRequest, CancelEvening)),
    tags((name = "after-hours", description = "야간·휴일 민원실 (after-hours reception): schedules, services, evenings with free places, bookings by code and phone, the cutoff decision."))
)]
pub struct AfterHoursDoc;

/// A schedule with its services.
#[derive(Serialize)]
struct ScheduleView {
    #[serde(flatten)]
    schedule: StoredSchedule,
    services: Vec<StoredService>,
}

async fn view(state: &AppState, id: i64) -> Result<ScheduleView, ApiError> {
    Ok(ScheduleView {
        schedule: ah::schedule(&state.db, id).await?,
        services: ah::services(&state.db, id, false).await?,
    })
}

/// Every schedule (staff).
#[utoipa::path(get, path = "/api/v1/after-hours/schedules", tag = "after-hours", security(("bearer" = [])),
    responses((status = 200, body = Vec<Object>), (status = 403, body = ErrorBody)))]
async fn list_schedules(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
) -> Result<Json<Vec<StoredSchedule>>, ApiError> {
    super::may_read_schedules(&state, &caller).await?;
    Ok(Json(ah::schedules(&state.db, false).await?))
}

#[derive(Deserialize, ToSchema)]
struct NewSchedule {
    department_id: DepartmentId,
    #[schema(value_type = Object)]
    schedule: ScheduleDraft,
}

/// Create a schedule (the administrator; a supervisor for their division).
#[utoipa::path(post, path = "/api/v1/after-hours/schedules", tag = "after-hours", security(("bearer" = [])),
    request_body = NewSchedule,
    responses((status = 201, body = Object), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn post_schedule(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiJson(n): ApiJson<NewSchedule>,
) -> Result<Response, ApiError> {
    let id = super::create_schedule(&state, &caller, n.department_id, &n.schedule).await?;
    Ok((StatusCode::CREATED, Json(view(&state, id).await?)).into_response())
}

/// The next evenings a draft would open and the dates it skips, before saving.
#[utoipa::path(post, path = "/api/v1/after-hours/schedules/preview", tag = "after-hours", security(("bearer" = [])),
    request_body = Object,
    responses((status = 200, body = Object), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn post_preview(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiJson(d): ApiJson<ScheduleDraft>,
) -> Result<Json<Upcoming>, ApiError> {
    super::may_read_schedules(&state, &caller).await?;
    let holidays = ah::holidays(&state.db).await?;
    let today = calendar::to_seoul(store::now()).date_naive();
    d.validate(&holidays, today).map_err(first)?;
    Ok(Json(
        upcoming(&d.schedule(), &holidays, today, 8).map_err(first)?,
    ))
}

fn first(e: domain::Invalid) -> ApiError {
    match e.0.into_iter().next() {
        Some(f) => ApiError::from(f.error),
        None => ApiError::internal(),
    }
}

#[utoipa::path(get, path = "/api/v1/after-hours/schedules/{id}", tag = "after-hours", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 200, body = Object), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn get_schedule(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Id(id): Id,
) -> Result<Json<ScheduleView>, ApiError> {
    super::may_read_schedules(&state, &caller).await?;
    Ok(Json(view(&state, id).await?))
}

#[derive(Deserialize)]
struct EditSchedule {
    #[serde(flatten)]
    schedule: ScheduleDraft,
    #[serde(default = "yes")]
    active: bool,
}

fn yes() -> bool {
    true
}

/// Replace a schedule's settings and exceptions.
#[utoipa::path(put, path = "/api/v1/after-hours/schedules/{id}", tag = "after-hours", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = Object,
    responses((status = 200, body = Object), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn put_schedule(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Id(id): Id,
    ApiJson(e): ApiJson<EditSchedule>,
) -> Result<Json<ScheduleView>, ApiError> {
    super::update_schedule(&state, &caller, id, &e.schedule, e.active).await?;
    Ok(Json(view(&state, id).await?))
}

#[utoipa::path(get, path = "/api/v1/after-hours/schedules/{id}/services", tag = "after-hours", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 200, body = Vec<Object>), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn get_services(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Id(id): Id,
) -> Result<Json<Vec<StoredService>>, ApiError> {
    super::may_read_schedules(&state, &caller).await?;
    ah::schedule(&state.db, id).await?;
    Ok(Json(ah::services(&state.db, id, false).await?))
}

#[derive(Deserialize)]
struct EditService {
    #[serde(flatten)]
    service: ServiceDraft,
    #[serde(default = "yes")]
    active: bool,
}

/// Add a service to a schedule, or replace the one of its kind.
#[utoipa::path(put, path = "/api/v1/after-hours/schedules/{id}/services", tag = "after-hours", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = Object,
    responses((status = 200, body = Vec<Object>), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn put_service(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Id(id): Id,
    ApiJson(e): ApiJson<EditService>,
) -> Result<Json<Vec<StoredService>>, ApiError> {
    super::save_service(&state, &caller, id, &e.service, e.active).await?;
    Ok(Json(ah::services(&state.db, id, false).await?))
}

/// The next evenings of a schedule with each slot's free places (anyone signed in).
#[utoipa::path(get, path = "/api/v1/after-hours/schedules/{id}/evenings", tag = "after-hours", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 200, body = Vec<Object>), (status = 404, body = ErrorBody)))]
async fn get_evenings(
    State(state): State<AppState>,
    ApiCaller(_caller): ApiCaller,
    Id(id): Id,
) -> Result<Json<Vec<EveningPlaces>>, ApiError> {
    let s = ah::schedule(&state.db, id).await?;
    if !s.active {
        return Err(ApiError::not_found());
    }
    let services = ah::services(&state.db, id, true).await?;
    let holidays = ah::holidays(&state.db).await?;
    let today = calendar::to_seoul(store::now()).date_naive();
    Ok(Json(
        ah::availability(&state.db, &holidays, &s, &services, today, 8).await?,
    ))
}

#[derive(Deserialize, ToSchema)]
struct BookingRequest {
    schedule_id: i64,
    #[schema(value_type = String, format = Date)]
    day: NaiveDate,
    service_id: i64,
    /// The slot's start (UTC).
    #[schema(value_type = String, format = DateTime)]
    starts_at: DateTime<Utc>,
    name: String,
    phone: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    minor_with_guardian: bool,
    /// The resident's consent to the use of their data (a phone booking: given on the call).
    consent: bool,
}

/// Book a place: a resident for themself (online), an official of the running department for
/// someone on the phone.
#[utoipa::path(post, path = "/api/v1/after-hours/bookings", tag = "after-hours", security(("bearer" = [])),
    request_body = BookingRequest,
    responses((status = 201, body = Object), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn post_booking(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiJson(r): ApiJson<BookingRequest>,
) -> Result<Response, ApiError> {
    let contact = ContactDraft {
        name: r.name,
        phone: r.phone,
        email: r.email,
        consent: r.consent,
    }
    .check()
    .map_err(first)?;
    let key = SlotKey {
        schedule_id: r.schedule_id,
        day: r.day,
        service_id: r.service_id,
        starts_at: r.starts_at,
    };
    let b = super::book(
        &state,
        Some(&caller),
        &caller.address,
        key,
        contact,
        r.minor_with_guardian,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(b)).into_response())
}

#[derive(Deserialize, ToSchema)]
struct CodeRequest {
    code: String,
    phone: String,
}

/// A booking by its code and the phone number it was made with.
#[utoipa::path(post, path = "/api/v1/after-hours/bookings/lookup", tag = "after-hours", security(("bearer" = [])),
    request_body = CodeRequest,
    responses((status = 200, body = Object), (status = 400, body = ErrorBody), (status = 429, body = ErrorBody)))]
async fn post_lookup(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiJson(r): ApiJson<CodeRequest>,
) -> Result<Json<Booking>, ApiError> {
    Ok(Json(
        super::by_code(&state, &caller.address, &r.code, &r.phone).await?,
    ))
}

/// Cancel a booking by code and phone; the place is freed and the person told.
#[utoipa::path(post, path = "/api/v1/after-hours/bookings/cancel", tag = "after-hours", security(("bearer" = [])),
    request_body = CodeRequest,
    responses((status = 200, body = Object), (status = 400, body = ErrorBody), (status = 429, body = ErrorBody)))]
async fn post_cancel(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiJson(r): ApiJson<CodeRequest>,
) -> Result<Json<Booking>, ApiError> {
    Ok(Json(
        super::cancel_by_code(&state, &caller.address, &r.code, &r.phone).await?,
    ))
}

#[derive(Deserialize, ToSchema)]
struct MoveRequest {
    code: String,
    phone: String,
    #[schema(value_type = String, format = Date)]
    day: NaiveDate,
    service_id: i64,
    #[schema(value_type = String, format = DateTime)]
    starts_at: DateTime<Utc>,
}

/// Move a booking to another slot of its schedule, in one transaction: a full slot leaves the
/// old place held.
#[utoipa::path(post, path = "/api/v1/after-hours/bookings/reschedule", tag = "after-hours", security(("bearer" = [])),
    request_body = MoveRequest,
    responses((status = 200, body = Object), (status = 400, body = ErrorBody), (status = 429, body = ErrorBody)))]
async fn post_reschedule(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiJson(r): ApiJson<MoveRequest>,
) -> Result<Json<Booking>, ApiError> {
    let b = super::by_code(&state, &caller.address, &r.code, &r.phone).await?;
    let key = SlotKey {
        schedule_id: b.schedule_id,
        day: r.day,
        service_id: r.service_id,
        starts_at: r.starts_at,
    };
    Ok(Json(
        super::reschedule(&state, &caller.address, &r.code, &r.phone, key).await?,
    ))
}

/// An evening's bookings (officials of the running department, its supervisor, the
/// administrator).
#[utoipa::path(get, path = "/api/v1/after-hours/evenings/{id}/bookings", tag = "after-hours", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 200, body = Vec<Object>), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn get_evening_bookings(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Id(id): Id,
) -> Result<Json<Vec<Booking>>, ApiError> {
    let e = ah::evening(&state.db, id).await?;
    let s = ah::schedule(&state.db, e.schedule_id).await?;
    super::may_work(&state, &caller, s.department_id).await?;
    Ok(Json(ah::evening_bookings(&state.db, id).await?))
}

#[derive(Deserialize, ToSchema)]
struct CancelEvening {
    reason: String,
}

#[derive(Serialize)]
struct Cancelled {
    cancelled_bookings: usize,
}

/// Cancel an evening: every booking is cancelled by the office and each person told.
#[utoipa::path(post, path = "/api/v1/after-hours/evenings/{id}/cancel", tag = "after-hours", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = CancelEvening,
    responses((status = 200, body = Object), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn post_cancel_evening(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Id(id): Id,
    ApiJson(r): ApiJson<CancelEvening>,
) -> Result<Json<Cancelled>, ApiError> {
    let n = super::cancel_evening(&state, &caller, id, &r.reason).await?;
    Ok(Json(Cancelled {
        cancelled_bookings: n,
    }))
}
