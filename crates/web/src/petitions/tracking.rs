//! Tracking a petition without an account, for the pages (`/track`) and the JSON API
//! (`POST /api/v1/track`): both go through the one counted check, `store::petitions::tracking::find`, with
//! the client address the trusted proxy saw. What the petitioner reads about their handler
//! comes from `store::petitions::handler` (department and public phone when names are hidden).

use crate::AppState;
use crate::kit::auth::Address;
use crate::kit::error::{ApiError, ErrorBody};
use crate::kit::extract::Json;
use crate::kit::json::ApiJson;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use domain::office::audit::AuditRecord;
use serde::{Deserialize, Serialize};
use store::petitions::tracking::{self, Lookup};
use store::petitions::{self, Petition};
use utoipa::{OpenApi, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(TrackingDoc::openapi()).routes(routes!(track))
}

#[derive(OpenApi)]
#[openapi(components(schemas(TrackRequest, TrackView, TrackAnswer)))]
pub struct TrackingDoc;

/// The refusal when look-ups are locked: when to try again, in Seoul time. It never says
/// whether the number or the code was wrong.
pub fn locked_error(until: DateTime<Utc>) -> ApiError {
    let at = crate::kit::page::when(until);
    ApiError::new(
        StatusCode::TOO_MANY_REQUESTS,
        "tracking_locked",
        format!("조회에 실패한 횟수가 너무 많아 잠시 막았습니다. {at} 이후에 다시 시도해 주세요"),
        format!("too many failed look-ups; try again after {at}, Korea time"),
    )
}

/// The refusal for a wrong number or code: one message for both.
pub fn mismatch_error() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "tracking_mismatch",
        "번호 또는 조회 코드가 맞지 않습니다. 접수증의 번호와 조회 코드를 확인해 주세요",
        "the number or the tracking code does not match; check both on your receipt",
    )
}

/// The one way to a petition without an account: the counted check and its lock.
pub async fn lookup(
    state: &AppState,
    number: &str,
    code: &str,
    address: &str,
) -> Result<Petition, ApiError> {
    let now = store::now();
    match tracking::find(&state.db, number, code, address, now).await? {
        Lookup::Found(p) => Ok(*p),
        Lookup::NotFound => Err(mismatch_error()),
        Lookup::Locked { until } => {
            tracing::warn!(address, "tracking look-ups locked");
            Err(locked_error(until))
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TrackRequest {
    /// Receipt number (`2026-0000123`) or, before receipt, the petition number.
    number: String,
    /// The tracking code from the receipt (`ABCD-EFGH-JKMN`); old links: the last 4 phone
    /// digits or the tracking password.
    code: String,
}

#[derive(Serialize, ToSchema)]
pub struct TrackAnswer {
    at: DateTime<Utc>,
    text: String,
    additional: bool,
}

/// What the petitioner sees of their petition.
#[derive(Serialize, ToSchema)]
pub struct TrackView {
    number: String,
    receipt_no: Option<String>,
    petition_no: i64,
    type_name: String,
    title: String,
    state: String,
    state_korean: String,
    department: String,
    /// `담당: …` — department and its public phone when the office hides officials' names.
    contact: String,
    arrived_at: DateTime<Utc>,
    received_at: Option<DateTime<Utc>>,
    due: Option<DateTime<Utc>>,
    answers: Vec<TrackAnswer>,
}

/// Track a petition without an account. Failed look-ups are counted per petition and per client
/// address; at the limit the answer is 429 with the time to try again (and `Retry-After`).
#[utoipa::path(post, path = "/api/v1/track", request_body = TrackRequest,
    responses((status = 200, body = TrackView), (status = 404, body = ErrorBody, description = "number or code wrong (never says which)"),
              (status = 429, body = ErrorBody, description = "locked after too many failures")))]
async fn track(
    axum::extract::State(state): axum::extract::State<AppState>,
    Address(address): Address,
    ApiJson(req): ApiJson<TrackRequest>,
) -> Result<Response, ApiError> {
    let p = match lookup(&state, &req.number, &req.code, &address).await {
        Ok(p) => p,
        Err(e) if e.status == StatusCode::TOO_MANY_REQUESTS => {
            let mut res = e.into_response();
            res.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("60"));
            return Ok(res);
        }
        Err(e) => return Err(e),
    };
    store::office::audit::record(
        &state.db,
        &AuditRecord {
            at: store::now(),
            account_id: None,
            address: address.clone(),
            subject: crate::petitions::api::subject(&p),
            action: "petition.track".into(),
            reason: "petitioner".into(),
        },
    )
    .await?;
    let handler = petitions::handler(&state.db, &p).await?;
    let t = petitions::get_type(&state.db, p.type_id).await?;
    let (cal, _) = petitions::work_calendar(&state.db).await?;
    let due = p.derived.due(&cal, store::now())?;
    let view = TrackView {
        number: p.receipt_no.clone().unwrap_or_else(|| p.id.to_string()),
        receipt_no: p.receipt_no.clone(),
        petition_no: p.id,
        type_name: t.name,
        title: p.title.clone(),
        state: p.state.as_str().into(),
        state_korean: p.state.korean().into(),
        department: handler.department.clone(),
        contact: handler.line(),
        arrived_at: p.arrived_at,
        received_at: p.received_at,
        due,
        answers: p
            .derived
            .answers
            .iter()
            .map(|a| TrackAnswer {
                at: a.at,
                text: handler.scrub(&a.text),
                additional: a.additional,
            })
            .collect(),
    };
    Ok(Json(view).into_response())
}
