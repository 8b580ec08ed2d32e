//! The JSON API (`/api/v1/home-visits/…`, tag `service_access`): the same actions as the
//! pages (`super`), the same refusals. A request's list gives no health or disability data;
//! reading one request reveals it and writes the reveal to the access log.

use super::{OutcomeInput, invalid};
use crate::AppState;
use crate::kit::auth::ApiCaller;
use crate::kit::error::{ApiError, ErrorBody};
use crate::kit::extract::Path;
use crate::kit::json::ApiJson;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, NaiveDate, Utc};
use domain::access::Action;
use domain::service_access::home_visits::{self as hv, RequestDraft, TeamDraft};
use serde::{Deserialize, Serialize};
use store::service_access::home_visits::{self as sh, Recorded, Request, Round, Stop, Team};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_requests, create_request))
        .routes(routes!(get_request))
        .routes(routes!(list_rounds, create_round))
        .routes(routes!(get_round))
        .routes(routes!(add_team))
        .routes(routes!(add_requests))
        .routes(routes!(plan))
        .routes(routes!(reorder))
        .routes(routes!(export_vroom, import_vroom))
        .routes(routes!(publish))
        .routes(routes!(record_outcome))
}

/// A request in a list: no health or disability data.
#[derive(Debug, Serialize, ToSchema)]
pub struct RequestSummary {
    pub id: i64,
    pub department_id: i64,
    pub name: String,
    pub address: String,
    /// Service codes.
    pub services: Vec<String>,
    /// `received`, `eligible`, `ineligible`, `scheduled`, `visited`, `closed`.
    pub state: String,
    pub created_at: DateTime<Utc>,
}

impl From<&Request> for RequestSummary {
    fn from(r: &Request) -> Self {
        Self {
            id: r.id,
            department_id: r.department_id,
            name: r.name.clone(),
            address: r.address.clone(),
            services: r
                .services()
                .iter()
                .map(|s| s.as_str().to_string())
                .collect(),
            state: r.state.clone(),
            created_at: r.created_at,
        }
    }
}

/// Requests the caller may read, newest first.
#[utoipa::path(get, path = "/api/v1/home-visits/requests", tag = "service_access", security(("bearer" = [])),
    responses((status = 200, body = Vec<RequestSummary>), (status = 401, body = ErrorBody)))]
pub(crate) async fn list_requests(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
) -> Result<Json<Vec<RequestSummary>>, ApiError> {
    let rs = super::visible_requests(&state, &caller).await?;
    Ok(Json(rs.iter().map(RequestSummary::from).collect()))
}

/// A new request: the person, where, who called and how, why, the eligibility basis,
/// consent, services, preferred days and window. Staff take it for their own 읍면동; a
/// resident names it (`department_id`).
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewRequest {
    pub department_id: Option<i64>,
    #[serde(flatten)]
    #[schema(value_type = Object)]
    pub request: RequestDraft,
}

/// Take a home-visit request. A request with no eligible basis or no consent is refused (422)
/// with every field's problem; nothing is stored.
#[utoipa::path(post, path = "/api/v1/home-visits/requests", tag = "service_access", security(("bearer" = [])),
    request_body = NewRequest,
    responses((status = 201, body = Object), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn create_request(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiJson(req): ApiJson<NewRequest>,
) -> Result<Response, ApiError> {
    match super::take_request(&state, &caller, req.department_id, &req.request).await? {
        Ok(r) => Ok((StatusCode::CREATED, Json(r)).into_response()),
        Err(bad) => Err(invalid(&bad)),
    }
}

/// One request in full, with the kit to bring: its health and disability data are revealed,
/// and the reveal is written to the access log.
#[utoipa::path(get, path = "/api/v1/home-visits/requests/{id}", tag = "service_access", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 200, body = Object), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(crate) async fn get_request(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<i64>,
) -> Result<Json<Request>, ApiError> {
    let r = super::request_for(&state, &caller, id, Action::Read).await?;
    super::reveal(&state, &caller, &r).await?;
    Ok(Json(r))
}

/// Rounds the caller may read.
#[utoipa::path(get, path = "/api/v1/home-visits/rounds", tag = "service_access", security(("bearer" = [])),
    responses((status = 200, body = Vec<Object>), (status = 401, body = ErrorBody)))]
pub(crate) async fn list_rounds(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
) -> Result<Json<Vec<Round>>, ApiError> {
    Ok(Json(super::visible_rounds(&state, &caller).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewRound {
    pub day: NaiveDate,
    pub area: String,
}

/// Start a round (the division's supervisor).
#[utoipa::path(post, path = "/api/v1/home-visits/rounds", tag = "service_access", security(("bearer" = [])),
    request_body = NewRound,
    responses((status = 201, body = Object), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn create_round(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiJson(req): ApiJson<NewRound>,
) -> Result<Response, ApiError> {
    match super::create_round(&state, &caller, Some(req.day), &req.area).await? {
        Ok(r) => Ok((StatusCode::CREATED, Json(r)).into_response()),
        Err(bad) => Err(invalid(&bad)),
    }
}

/// A round with its teams and stops (placed in order, then those left out with why).
#[derive(Debug, Serialize, ToSchema)]
pub struct RoundView {
    #[schema(value_type = Object)]
    pub round: Round,
    #[schema(value_type = Vec<Object>)]
    pub teams: Vec<Team>,
    #[schema(value_type = Vec<Object>)]
    pub stops: Vec<Stop>,
}

async fn round_view(state: &AppState, round: Round) -> Result<RoundView, ApiError> {
    Ok(RoundView {
        teams: sh::teams(&state.db, round.id).await?,
        stops: sh::stops(&state.db, round.id).await?,
        round,
    })
}

#[utoipa::path(get, path = "/api/v1/home-visits/rounds/{id}", tag = "service_access", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 200, body = RoundView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(crate) async fn get_round(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<i64>,
) -> Result<Json<RoundView>, ApiError> {
    let round = super::round_for(&state, &caller, id, Action::Read).await?;
    Ok(Json(round_view(&state, round).await?))
}

/// Add a team: members (staff account ids), working hours, a break, a visit cap, the kits it
/// carries (`fingerprint_scanner`, `signature_tablet`, `forms`, `seal_pad`, `cash_box`) and
/// its start point.
#[utoipa::path(post, path = "/api/v1/home-visits/rounds/{id}/teams", tag = "service_access", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = Object,
    responses((status = 201, body = Object), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn add_team(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<i64>,
    ApiJson(team): ApiJson<TeamDraft>,
) -> Result<Response, ApiError> {
    match super::add_team(&state, &caller, id, &team).await? {
        Ok(team_id) => Ok((
            StatusCode::CREATED,
            Json(serde_json::json!({ "id": team_id })),
        )
            .into_response()),
        Err(bad) => Err(invalid(&bad)),
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RequestIds {
    pub request_ids: Vec<i64>,
}

/// Put eligible requests into the round.
#[utoipa::path(post, path = "/api/v1/home-visits/rounds/{id}/requests", tag = "service_access", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = RequestIds,
    responses((status = 200, body = RoundView), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub(crate) async fn add_requests(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<i64>,
    ApiJson(req): ApiJson<RequestIds>,
) -> Result<Json<RoundView>, ApiError> {
    super::add_requests(&state, &caller, id, &req.request_ids).await?;
    let round = sh::round(&state.db, id).await?;
    Ok(Json(round_view(&state, round).await?))
}

/// Plan the round with the built-in solver (straight-line travel times): stops in order per
/// team with arrival times, and the visits left out with why.
#[utoipa::path(post, path = "/api/v1/home-visits/rounds/{id}/plan", tag = "service_access", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 200, body = RoundView), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub(crate) async fn plan(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<i64>,
) -> Result<Json<RoundView>, ApiError> {
    super::plan(&state, &caller, id, None).await?;
    let round = sh::round(&state.db, id).await?;
    Ok(Json(round_view(&state, round).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Reorder {
    /// Each team's stops in the order wanted: `[{"team_id": 1, "stop_ids": [4, 2]}]`.
    pub routes: Vec<RouteOrder>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RouteOrder {
    pub team_id: i64,
    pub stop_ids: Vec<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Reordered {
    pub round: RoundView,
    /// Broken rules after re-timing: stop id and the rule in Korean and English.
    pub violations: Vec<(i64, String, String)>,
}

/// Reorder by hand: the routes are re-timed as given (not re-optimised) and every broken rule
/// (late, over the cap, a missing kit) is reported.
#[utoipa::path(post, path = "/api/v1/home-visits/rounds/{id}/reorder", tag = "service_access", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = Reorder,
    responses((status = 200, body = Reordered), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn reorder(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<i64>,
    ApiJson(req): ApiJson<Reorder>,
) -> Result<Json<Reordered>, ApiError> {
    let routes: Vec<(u64, Vec<u64>)> = req
        .routes
        .iter()
        .map(|r| {
            (
                r.team_id as u64,
                r.stop_ids.iter().map(|s| *s as u64).collect(),
            )
        })
        .collect();
    let violations = super::reorder(&state, &caller, id, &routes).await?;
    let round = sh::round(&state.db, id).await?;
    Ok(Json(Reordered {
        round: round_view(&state, round).await?,
        violations: violations
            .into_iter()
            .map(|(s, ko, en)| (s as i64, ko, en))
            .collect(),
    }))
}

/// The round as a VROOM problem (jobs = stops, vehicles = teams, skills = kits), to solve
/// elsewhere or to add a duration matrix from OSRM or Valhalla and import back.
#[utoipa::path(get, path = "/api/v1/home-visits/rounds/{id}/vroom", tag = "service_access", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 200, body = Object), (status = 403, body = ErrorBody)))]
pub(crate) async fn export_vroom(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    super::round_for(&state, &caller, id, Action::Read).await?;
    let text = super::vroom_text(&state, id).await?;
    Ok((
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        text,
    )
        .into_response())
}

/// Plan from an imported VROOM problem (e.g. the export with a road-network matrix added):
/// a malformed file is refused with where it is wrong.
#[utoipa::path(post, path = "/api/v1/home-visits/rounds/{id}/vroom", tag = "service_access", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = Object,
    responses((status = 200, body = RoundView), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn import_vroom(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<i64>,
    body: String,
) -> Result<Json<RoundView>, ApiError> {
    super::plan(&state, &caller, id, Some(&body)).await?;
    let round = sh::round(&state.db, id).await?;
    Ok(Json(round_view(&state, round).await?))
}

/// Publish the round: the sheets are final; visits left out go back to wait.
#[utoipa::path(post, path = "/api/v1/home-visits/rounds/{id}/publish", tag = "service_access", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 200, body = RoundView), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub(crate) async fn publish(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<i64>,
) -> Result<Json<RoundView>, ApiError> {
    super::publish(&state, &caller, id).await?;
    let round = sh::round(&state.db, id).await?;
    Ok(Json(round_view(&state, round).await?))
}

/// Record what happened at the door of a stop of this round (a petition filed on site in the
/// same transaction); the resident is told through the outbox.
#[utoipa::path(post, path = "/api/v1/home-visits/rounds/{id}/stops/{stop}/outcome", tag = "service_access", security(("bearer" = [])),
    params(("id" = i64, Path), ("stop" = i64, Path)), request_body = OutcomeInput,
    responses((status = 201, body = Object), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn record_outcome(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path((id, stop)): Path<(i64, i64)>,
    ApiJson(input): ApiJson<OutcomeInput>,
) -> Result<Response, ApiError> {
    let r: Recorded = match super::record(&state, &caller, id, stop, &input).await? {
        Ok(r) => r,
        Err(bad) => return Err(invalid(&bad)),
    };
    Ok((StatusCode::CREATED, Json(r)).into_response())
}

/// Kept for the pages: the kit of a request's services in words.
pub(crate) fn kit_words(lang: crate::kit::page::Lang, services: &[hv::Service]) -> String {
    hv::kit_for(services)
        .iter()
        .map(|k| lang.t(k.korean(), k.english()))
        .collect::<Vec<_>>()
        .join(", ")
}
