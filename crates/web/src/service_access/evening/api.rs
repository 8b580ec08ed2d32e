//! The evening's JSON API: `/api/v1/after-hours/evenings/{id}/…`.

use super::actions::{self, counter_of};
use crate::AppState;
use crate::kit::auth::ApiCaller;
use crate::kit::error::{ApiError, ErrorBody};
use crate::kit::extract::{Path, Query};
use crate::kit::json::ApiJson;
use crate::wellbeing::api::Id;
use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use store::service_access::evening::{self as ev, Arriving, Booking, Evening, Ticket};
use utoipa::{IntoParams, ToSchema};

/// A number ticket.
#[derive(Serialize, ToSchema)]
pub struct TicketView {
    pub id: i64,
    pub number: i64,
    /// booked | late | walk_in
    pub kind: String,
    /// The name given (empty for an anonymous walk-in).
    pub name: String,
    pub service_id: Option<i64>,
    pub service_kind: Option<String>,
    pub booking_id: Option<i64>,
    pub slot_start: Option<String>,
    pub issued_at: String,
    pub called_at: Option<String>,
    pub counter: Option<i64>,
    pub done_at: Option<String>,
    /// served | no_show | left
    pub outcome: Option<String>,
    /// Minutes waited until called (or until now).
    pub waited_minutes: i64,
}

impl From<Ticket> for TicketView {
    fn from(t: Ticket) -> Self {
        let until = t.called_at.unwrap_or_else(store::now);
        Self {
            waited_minutes: domain::service_access::evening::waited_minutes(t.issued_at, until),
            id: t.id,
            number: t.number,
            kind: t.kind.as_str().to_string(),
            name: t.name,
            service_id: t.service_id,
            service_kind: t.service_kind,
            booking_id: t.booking_id,
            slot_start: t.slot_start.map(|s| s.to_rfc3339()),
            issued_at: t.issued_at.to_rfc3339(),
            called_at: t.called_at.map(|s| s.to_rfc3339()),
            counter: t.counter,
            done_at: t.done_at.map(|s| s.to_rfc3339()),
            outcome: t.outcome.map(|o| o.as_str().to_string()),
        }
    }
}

/// An evening as the counter sees it.
#[derive(Serialize, ToSchema)]
pub struct EveningView {
    pub id: i64,
    pub department_id: i64,
    pub day: String,
    pub starts_at: String,
    pub ends_at: String,
    /// scheduled | confirmed | not_opened | in_progress | closed | cancelled
    pub state: String,
    pub checkin_early_minutes: i64,
    pub checkin_late_minutes: i64,
}

impl From<Evening> for EveningView {
    fn from(e: Evening) -> Self {
        Self {
            id: e.id,
            department_id: e.department_id,
            day: e.day,
            starts_at: e.starts_at.to_rfc3339(),
            ends_at: e.ends_at.to_rfc3339(),
            state: e.state.as_str().to_string(),
            checkin_early_minutes: e.window.early_minutes,
            checkin_late_minutes: e.window.late_minutes,
        }
    }
}

/// The waiting list in call order, the tickets called and not done, and those done.
#[derive(Serialize, ToSchema)]
pub struct WaitingView {
    pub evening: EveningView,
    pub waiting: Vec<TicketView>,
    pub called: Vec<TicketView>,
    pub done: Vec<TicketView>,
}

fn views(ts: Vec<Ticket>) -> Vec<TicketView> {
    ts.into_iter().map(TicketView::from).collect()
}

/// The evening's waiting list in the order it is called: booked residents within their window
/// first (by slot, then arrival), late arrivals and walk-ins after (by arrival).
#[utoipa::path(get, path = "/api/v1/after-hours/evenings/{id}/waiting", tag = "after-hours", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 200, body = WaitingView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(crate) async fn waiting_api(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Id(id): Id,
) -> Result<Json<WaitingView>, ApiError> {
    let e = counter_of(&state, &caller, id).await?;
    let b = ev::board_of(&state.db, id).await?;
    Ok(Json(WaitingView {
        evening: e.into(),
        waiting: views(b.waiting),
        called: views(b.called),
        done: views(b.done),
    }))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct CheckInRequest {
    /// The booking's confirmation code (or give `booking_id`).
    pub code: Option<String>,
    /// The booking found by name or phone.
    pub booking_id: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct CheckInView {
    pub ticket: TicketView,
    pub booking_id: i64,
    /// Minutes outside the check-in window: 0 within it, negative when early. Outside it the
    /// ticket is `late` and waits with the walk-ins.
    pub minutes_outside: i64,
    pub reason_ko: Option<String>,
    pub reason_en: Option<String>,
}

pub(crate) fn arriving(
    code: Option<String>,
    booking_id: Option<i64>,
) -> Result<Arriving, ApiError> {
    match (booking_id, code) {
        (Some(id), _) => Ok(Arriving::Booking(id)),
        (None, Some(c)) if !c.trim().is_empty() => Ok(Arriving::Code(c)),
        _ => Err(ApiError::bad_request(
            "code_missing",
            "예약 번호를 입력하거나 이름·전화번호로 찾아 고르세요",
            "enter the booking code, or search by name or phone and pick the booking",
        )),
    }
}

/// Check a booked resident in: within the window a `booked` ticket, outside it a `late` one
/// (with the reason).
#[utoipa::path(post, path = "/api/v1/after-hours/evenings/{id}/check-in", tag = "after-hours", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = CheckInRequest,
    responses((status = 200, body = CheckInView), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(crate) async fn check_in_api(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Id(id): Id,
    ApiJson(req): ApiJson<CheckInRequest>,
) -> Result<Json<CheckInView>, ApiError> {
    let who = arriving(req.code, req.booking_id)?;
    let c = actions::check_in(&state, &caller, id, who).await?;
    let reason = c.arrival.reason();
    Ok(Json(CheckInView {
        booking_id: c.booking.id,
        minutes_outside: c.minutes_outside,
        reason_ko: reason.as_ref().map(|r| r.ko.clone()),
        reason_en: reason.map(|r| r.en),
        ticket: c.ticket.into(),
    }))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct WalkInRequest {
    /// Optional.
    pub name: String,
    pub service_id: Option<i64>,
}

/// Issue a walk-in ticket (name optional) for one of the evening's services.
#[utoipa::path(post, path = "/api/v1/after-hours/evenings/{id}/walk-ins", tag = "after-hours", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = WalkInRequest,
    responses((status = 200, body = TicketView), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(crate) async fn walk_in_api(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Id(id): Id,
    ApiJson(req): ApiJson<WalkInRequest>,
) -> Result<Json<TicketView>, ApiError> {
    let t = actions::walk_in(&state, &caller, id, &req.name, req.service_id).await?;
    Ok(Json(t.into()))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct CallRequest {
    /// The counter calling (1–99).
    pub counter: Option<i64>,
}

/// Call the first ticket in order to a counter. Under the evening's lock: two counters never
/// call the same ticket.
#[utoipa::path(post, path = "/api/v1/after-hours/evenings/{id}/call-next", tag = "after-hours", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = CallRequest,
    responses((status = 200, body = TicketView), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(crate) async fn call_next_api(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Id(id): Id,
    ApiJson(req): ApiJson<CallRequest>,
) -> Result<Json<TicketView>, ApiError> {
    Ok(Json(
        actions::call_next(&state, &caller, id, req.counter)
            .await?
            .into(),
    ))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct OutcomeRequest {
    /// served | no_show | left
    pub outcome: String,
}

/// How a ticket ended: served or no-show after a call, left at any time. Once only.
#[utoipa::path(post, path = "/api/v1/after-hours/evenings/{id}/tickets/{ticket_id}/outcome", tag = "after-hours", security(("bearer" = [])),
    params(("id" = i64, Path), ("ticket_id" = i64, Path)), request_body = OutcomeRequest,
    responses((status = 200, body = TicketView), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(crate) async fn outcome_api(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path((id, ticket_id)): Path<(i64, i64)>,
    ApiJson(req): ApiJson<OutcomeRequest>,
) -> Result<Json<TicketView>, ApiError> {
    Ok(Json(
        actions::outcome(&state, &caller, id, ticket_id, &req.outcome)
            .await?
            .into(),
    ))
}

/// Open the evening at the counter (confirmed → in progress); the first check-in does it too.
#[utoipa::path(post, path = "/api/v1/after-hours/evenings/{id}/open", tag = "after-hours", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 200, body = EveningView), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(crate) async fn open_api(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Id(id): Id,
) -> Result<Json<EveningView>, ApiError> {
    Ok(Json(actions::open(&state, &caller, id).await?.into()))
}

#[derive(Serialize, ToSchema)]
pub struct ClosedView {
    pub evening: EveningView,
    /// Confirmed bookings nobody checked in for, marked no-show.
    pub no_shows: u64,
}

/// Close the evening once every ticket is done; the bookings nobody came for become no-shows.
#[utoipa::path(post, path = "/api/v1/after-hours/evenings/{id}/close", tag = "after-hours", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 200, body = ClosedView), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(crate) async fn close_api(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Id(id): Id,
) -> Result<Json<ClosedView>, ApiError> {
    let c = actions::close(&state, &caller, id).await?;
    Ok(Json(ClosedView {
        evening: c.evening.into(),
        no_shows: c.no_shows,
    }))
}

#[derive(Serialize, ToSchema)]
pub struct BookingView {
    pub id: i64,
    pub code: String,
    pub name: String,
    /// Masked: 010-****-1234.
    pub phone: String,
    pub service_kind: String,
    pub slot_start: String,
    /// confirmed | checked_in | served | no_show
    pub state: String,
    pub petition_id: Option<i64>,
}

impl From<Booking> for BookingView {
    fn from(b: Booking) -> Self {
        Self {
            phone: domain::privacy::mask(domain::privacy::PersonalKind::Phone, &b.phone),
            id: b.id,
            code: b.code,
            name: b.name,
            service_kind: b.service_kind,
            slot_start: b.slot_start.to_rfc3339(),
            state: b.state,
            petition_id: b.petition_id,
        }
    }
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(default)]
pub struct BookingQuery {
    /// Part of the name, the code, or at least four digits of the phone; empty lists all.
    pub q: String,
}

/// Find the booking of someone arriving: the evening's bookings whose name, code or phone digits match.
#[utoipa::path(get, path = "/api/v1/after-hours/evenings/{id}/check-in", tag = "after-hours", security(("bearer" = [])),
    params(("id" = i64, Path), BookingQuery),
    responses((status = 200, body = Vec<BookingView>), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(crate) async fn bookings_api(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Id(id): Id,
    Query(q): Query<BookingQuery>,
) -> Result<Json<Vec<BookingView>>, ApiError> {
    counter_of(&state, &caller, id).await?;
    let found = ev::find_bookings(&state.db, id, &q.q).await?;
    Ok(Json(found.into_iter().map(BookingView::from).collect()))
}
