//! Retention of petition files and the org chart's distances (issue 14), for administrators:
//! `GET/PUT /api/v1/petitions/retention`, `POST /api/v1/petitions/retention/purge`,
//! `PUT /api/v1/departments/{id}/remote`. The pages (`/admin/retention`) call the same store
//! functions. Each purge writes one access-log entry per deleted petition (store).

use crate::AppState;
use crate::kit::auth::{ApiCaller, Caller};
use crate::kit::error::{ApiError, ErrorBody};
use crate::kit::extract::{Json, Path};
use crate::kit::json::ApiJson;
use axum::extract::State;
use domain::access::{Action, Capability, Target};
use serde::{Deserialize, Serialize};
use store::petitions::retention;
use utoipa::{OpenApi, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(RetentionDoc::openapi())
        .routes(routes!(show, set_years))
        .routes(routes!(purge))
        .routes(routes!(set_remote))
}

#[derive(OpenApi)]
#[openapi(components(schemas(
    RetentionView,
    ExpiredView,
    StatisticsView,
    YearsRequest,
    PurgeRequest,
    PurgeView,
    RemoteRequest
)))]
pub struct RetentionDoc;

/// Retention is an office setting: administrators (Settings).
pub(crate) async fn may_settle(
    state: &AppState,
    caller: &Caller,
    action: Action,
) -> Result<(), ApiError> {
    caller
        .may(state, Capability::Settings, action, Target::Office)
        .await
}

#[derive(Serialize, ToSchema)]
pub struct ExpiredView {
    pub(crate) id: i64,
    pub(crate) receipt_no: Option<String>,
    pub(crate) type_id: i64,
    pub(crate) completed_at: chrono::DateTime<chrono::Utc>,
    pub(crate) retention_years: u32,
    pub(crate) deletable_from: chrono::DateTime<chrono::Utc>,
}

impl From<retention::Expired> for ExpiredView {
    fn from(e: retention::Expired) -> Self {
        ExpiredView {
            id: e.id,
            receipt_no: e.receipt_no,
            type_id: e.type_id,
            completed_at: e.completed_at,
            retention_years: e.retention_years,
            deletable_from: e.deletable_from,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct StatisticsView {
    pub(crate) month: String,
    pub(crate) type_id: i64,
    pub(crate) department_id: i64,
    pub(crate) channel: String,
    pub(crate) petitions: i64,
    pub(crate) on_time: i64,
}

#[derive(Serialize, ToSchema)]
pub struct RetentionView {
    /// The office's period in years, counted from the 1 January after completion.
    pub(crate) years: u32,
    /// Petitions whose retention has run now (what a purge would delete).
    pub(crate) due: Vec<ExpiredView>,
    /// Petitions deleted so far.
    pub(crate) purged: i64,
    /// Anonymous statistics of deleted petitions.
    pub(crate) statistics: Vec<StatisticsView>,
}

/// The retention setting, what is due for deletion and the statistics kept.
#[utoipa::path(get, path = "/api/v1/petitions/retention", security(("bearer" = [])),
    responses((status = 200, body = RetentionView), (status = 403, body = ErrorBody)))]
async fn show(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
) -> Result<Json<RetentionView>, ApiError> {
    may_settle(&state, &caller, Action::Read).await?;
    Ok(Json(view(&state).await?))
}

impl RetentionView {
    pub(crate) fn years_text(&self) -> String {
        self.years.to_string()
    }
}

pub(crate) async fn view(state: &AppState) -> Result<RetentionView, ApiError> {
    let now = store::now();
    Ok(RetentionView {
        years: retention::office_years(&state.db).await?,
        due: retention::expired(&state.db, now, 500)
            .await?
            .into_iter()
            .map(ExpiredView::from)
            .collect(),
        purged: retention::purged_count(&state.db).await?,
        statistics: retention::statistics(&state.db)
            .await?
            .into_iter()
            .map(|r| StatisticsView {
                month: r.month,
                type_id: r.type_id,
                department_id: r.department_id,
                channel: r.channel,
                petitions: r.petitions,
                on_time: r.on_time,
            })
            .collect(),
    })
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct YearsRequest {
    /// Years (1–100) from the 1 January after completion.
    years: u32,
    /// A petition type's own period instead of the office's; `years` = 0 returns it to the
    /// office's.
    type_id: Option<i64>,
}

/// Set the office's retention period, or one type's.
#[utoipa::path(put, path = "/api/v1/petitions/retention", security(("bearer" = [])), request_body = YearsRequest,
    responses((status = 200, body = RetentionView), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn set_years(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiJson(req): ApiJson<YearsRequest>,
) -> Result<Json<RetentionView>, ApiError> {
    may_settle(&state, &caller, Action::Update).await?;
    let now = store::now();
    match req.type_id {
        Some(t) => {
            let years = (req.years > 0).then_some(req.years);
            crate::audited(&state, &caller, async |tx: &mut store::Tx| {
                retention::set_type_years(tx, t, years).await?;
                let entry =
                    crate::Audit::new(format!("petition_type:{t}"), "petition_type.retention", "");
                Ok(((), entry))
            })
            .await?;
        }
        None => {
            retention::set_office_years(&state.db, req.years, now).await?;
            state
                .log_access(
                    &caller,
                    "settings",
                    "settings.retention",
                    &req.years.to_string(),
                )
                .await?;
        }
    }
    Ok(Json(view(&state).await?))
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct PurgeRequest {
    /// Only list what would be deleted.
    #[serde(default, deserialize_with = "crate::kit::form::yes_no")]
    pub(crate) dry_run: bool,
}

#[derive(Serialize, ToSchema)]
pub struct PurgeView {
    pub(crate) dry_run: bool,
    /// What was deleted (or would be).
    pub(crate) petitions: Vec<ExpiredView>,
    pub(crate) attachments_deleted: u64,
    pub(crate) purged_before: i64,
    /// What happened, in words (Korean first).
    pub(crate) message: String,
    /// The same in each language, for pages.
    #[serde(skip)]
    pub(crate) message_parts: domain::Bilingual,
}

/// Delete the petitions whose retention has run (one access-log entry each); a second run finds
/// nothing and says so.
#[utoipa::path(post, path = "/api/v1/petitions/retention/purge", security(("bearer" = [])), request_body = PurgeRequest,
    responses((status = 200, body = PurgeView), (status = 403, body = ErrorBody)))]
async fn purge(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiJson(req): ApiJson<PurgeRequest>,
) -> Result<Json<PurgeView>, ApiError> {
    may_settle(&state, &caller, Action::Delete).await?;
    Ok(Json(run_purge(&state, &caller, req.dry_run, "api").await?))
}

pub(crate) async fn run_purge(
    state: &AppState,
    caller: &Caller,
    dry_run: bool,
    address: &str,
) -> Result<PurgeView, ApiError> {
    let r = retention::purge(
        &state.db,
        Some(state.petitions.blobs.as_ref()),
        store::now(),
        dry_run,
        Some(caller.account.id),
        address,
    )
    .await?;
    let n = r.petitions.len();
    let (before, files) = (r.purged_before, r.attachments_deleted);
    let parts = match (r.dry_run, n) {
        (_, 0) => domain::Bilingual::new(
            format!("보존기간이 지난 민원이 없습니다. 지금까지 {before}건을 지웠습니다"),
            format!("nothing to delete; {before} deleted earlier"),
        ),
        (true, n) => domain::Bilingual::new(
            format!("보존기간이 지난 민원 {n}건"),
            format!("would delete {n} petitions"),
        ),
        (false, n) => domain::Bilingual::new(
            format!("민원 {n}건과 첨부 파일 {files}개를 지웠습니다. 통계는 남겼습니다"),
            format!("deleted {n} petitions and {files} files; statistics kept"),
        ),
    };
    Ok(PurgeView {
        dry_run: r.dry_run,
        petitions: r.petitions.into_iter().map(ExpiredView::from).collect(),
        attachments_deleted: r.attachments_deleted,
        purged_before: r.purged_before,
        message: parts.to_string(),
        message_parts: parts,
    })
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RemoteRequest {
    /// Away from the main office: in-office transfers to or from it get 3 working hours.
    remote: bool,
}

/// Mark a department as away from the main office (Decree art. 13: 3 working hours).
#[utoipa::path(put, path = "/api/v1/departments/{id}/remote", security(("bearer" = [])), request_body = RemoteRequest,
    params(("id" = i64, Path)),
    responses((status = 200, body = RemoteRequest), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn set_remote(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<i64>,
    ApiJson(req): ApiJson<RemoteRequest>,
) -> Result<Json<serde_json::Value>, ApiError> {
    caller
        .may(
            &state,
            Capability::Departments,
            Action::Update,
            Target::Office,
        )
        .await?;
    crate::audited(&state, &caller, async |tx: &mut store::Tx| {
        store::petitions::set_department_remote(tx, id, req.remote)
            .await
            .map_err(|e| match e {
                store::StoreError::NotFound => ApiError::not_found(),
                e => e.into(),
            })?;
        Ok((
            (),
            crate::Audit::new(format!("department:{id}"), "department.remote", ""),
        ))
    })
    .await?;
    Ok(Json(serde_json::json!({"id": id, "remote": req.remote})))
}
