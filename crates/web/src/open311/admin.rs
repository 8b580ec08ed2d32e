//! Administrators issue and revoke Open311 client keys through the JSON API
//! (`/api/v1/open311/keys`). A key is shown once, when issued; only its hash is stored.

use crate::AppState;
use crate::kit::auth::{ApiCaller, Caller};
use crate::kit::error::{ApiError, ErrorBody};
use crate::kit::extract::{Json, Path};
use crate::kit::json::ApiJson;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use domain::access::{Action, Capability, Target};
use serde::{Deserialize, Serialize};
use store::open311 as keys;
use utoipa::{OpenApi, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(Open311AdminDoc::openapi())
        .routes(routes!(list_keys, issue_key))
        .routes(routes!(revoke_key))
}

#[derive(OpenApi)]
#[openapi(components(schemas(KeyView, IssueKeyRequest, IssuedKey)))]
pub struct Open311AdminDoc;

#[derive(Serialize, ToSchema)]
pub struct KeyView {
    id: i64,
    name: String,
    rate_per_minute: i64,
    created_at: DateTime<Utc>,
    revoked_at: Option<DateTime<Utc>>,
}

impl From<keys::Key> for KeyView {
    fn from(k: keys::Key) -> Self {
        KeyView {
            id: k.id,
            name: k.name,
            rate_per_minute: k.rate_per_minute,
            created_at: k.created_at,
            revoked_at: k.revoked_at,
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IssueKeyRequest {
    /// The client application, e.g. `예시군 생활불편 앱`.
    name: String,
    /// POSTs per minute for this key (default 60).
    rate_per_minute: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct IssuedKey {
    #[serde(flatten)]
    key: KeyView,
    /// The `api_key` to give the client: shown this once.
    api_key: String,
}

/// Every Open311 key ever issued, newest first (administrators).
#[utoipa::path(get, path = "/api/v1/open311/keys", security(("bearer" = [])),
    responses((status = 200, body = [KeyView]), (status = 403, body = ErrorBody)))]
async fn list_keys(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
) -> Result<Json<Vec<KeyView>>, ApiError> {
    caller
        .may(&state, Capability::Settings, Action::Read, Target::Office)
        .await?;
    let list = keys::list_keys(&state.db).await?;
    Ok(Json(list.into_iter().map(KeyView::from).collect()))
}

/// Issue a key for a client application (administrators). The answer holds the key, once.
#[utoipa::path(post, path = "/api/v1/open311/keys", security(("bearer" = [])), request_body = IssueKeyRequest,
    responses((status = 201, body = IssuedKey), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn issue_key(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiJson(req): ApiJson<IssueKeyRequest>,
) -> Result<Response, ApiError> {
    let rate = req.rate_per_minute.unwrap_or(keys::DEFAULT_RATE_PER_MINUTE);
    let (key, secret) = issue(&state, &caller, &req.name, rate).await?;
    Ok((
        StatusCode::CREATED,
        Json(IssuedKey {
            key: key.into(),
            api_key: secret,
        }),
    )
        .into_response())
}

/// Revoke the live key of that name (administrators); clients using it get 403 at once.
#[utoipa::path(delete, path = "/api/v1/open311/keys/{name}", security(("bearer" = [])),
    params(("name" = String, Path)),
    responses((status = 200, body = KeyView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn revoke_key(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path(name): Path<String>,
) -> Result<Json<KeyView>, ApiError> {
    let key = revoke(&state, &caller, &name).await?;
    Ok(Json(KeyView::from(key)))
}

/// Issue a key (API and page): the key and its secret, the issue in the access log.
pub(crate) async fn issue(
    state: &AppState,
    caller: &Caller,
    name: &str,
    rate_per_minute: i64,
) -> Result<(keys::Key, String), ApiError> {
    caller
        .may(state, Capability::Settings, Action::Create, Target::Office)
        .await?;
    let mut tx = state.db.begin().await?;
    let (key, secret) = keys::issue_key(&mut tx, name, rate_per_minute, store::now()).await?;
    crate::commit_logged(tx, caller, &key_subject(&key), "open311_key.issue", "").await?;
    Ok((key, secret))
}

/// Revoke the live key of that name (API and page), in the access log.
pub(crate) async fn revoke(
    state: &AppState,
    caller: &Caller,
    name: &str,
) -> Result<keys::Key, ApiError> {
    caller
        .may(state, Capability::Settings, Action::Delete, Target::Office)
        .await?;
    let mut tx = state.db.begin().await?;
    let key = keys::revoke_key(&mut tx, name, store::now()).await?;
    crate::commit_logged(tx, caller, &key_subject(&key), "open311_key.revoke", "").await?;
    Ok(key)
}

fn key_subject(key: &keys::Key) -> String {
    format!("open311_key:{}", key.name)
}
