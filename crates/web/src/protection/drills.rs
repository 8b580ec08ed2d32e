//! Drills with the police per half-year, the reminder, and the background reminder and
//! evidence-retention job.

use super::targets::{dept_visible, require_oversight};
use super::views::{Notice, PageId, done_message, show};
use crate::AppState;
use crate::kit::auth::{ApiCaller, Caller};
use crate::kit::error::{ApiError, ErrorBody};
use crate::kit::form::PageForm;
use crate::kit::json::ApiJson;
use crate::kit::page::{Chrome, Ctx, Lang, OrPage, PageResult, when};
use crate::wellbeing::api::Id;
use askama::Template;
use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{DateTime, NaiveDate, Utc};
use domain::access::Action;
use domain::protection::{self as rules, DrillReminder, HalfYear};
use serde::{Deserialize, Serialize};
use store::protection::{self as sp};
use tokio::sync::watch;
use utoipa::ToSchema;

/// The drill reminder for today, if one is due.
pub(crate) fn reminder_now(drills: &[sp::Drill]) -> Option<(DrillReminder, HalfYear)> {
    let today = rules::local_date(store::now());
    rules::drill_reminder(today, &sp::drill_facts(drills)).map(|r| (r, HalfYear::of(today)))
}

#[derive(Serialize, ToSchema)]
pub struct DrillsView {
    #[schema(value_type = Vec<Object>)]
    pub drills: Vec<sp::Drill>,
    /// `none_planned` or `not_yet_held` for the current half-year, if due.
    pub reminder: Option<String>,
    pub reminder_message: Option<String>,
    /// The same reminder with its halves apart, for pages.
    #[serde(skip)]
    pub reminder_parts: Option<domain::Bilingual>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DrillRequest {
    pub planned_on: NaiveDate,
    pub scenario: String,
    pub partner: Option<String>,
    pub department_id: Option<i64>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DrillHeldRequest {
    /// Default: now.
    #[serde(default, deserialize_with = "crate::kit::form::moment")]
    pub held_at: Option<DateTime<Utc>>,
    pub participants: String,
    pub after_action: Option<String>,
    pub fixes: Option<String>,
}

pub(crate) async fn drills_view(state: &AppState, caller: &Caller) -> Result<DrillsView, ApiError> {
    let policy = require_oversight(state, caller).await?;
    let all = sp::drills(&state.db).await?;
    let reminder = reminder_now(&all);
    Ok(DrillsView {
        drills: all
            .into_iter()
            .filter(|d| dept_visible(&policy, d.department_id, Action::Read))
            .collect(),
        reminder: reminder.map(|(r, _)| {
            serde_json::to_value(r)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default()
        }),
        reminder_message: reminder.map(|(r, h)| {
            let (ko, en) = r.message(h);
            format!("{ko} ({en})")
        }),
        reminder_parts: reminder.map(|(r, h)| {
            let (ko, en) = r.message(h);
            domain::Bilingual::new(ko, en)
        }),
    })
}

/// Drills with the police per half-year, and the reminder when this half-year has none.
#[utoipa::path(get, path = "/api/v1/protection/drills", tag = "protection", security(("bearer" = [])),
    responses((status = 200, body = DrillsView), (status = 403, body = ErrorBody)))]
pub(crate) async fn list_drills(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
) -> Result<Json<DrillsView>, ApiError> {
    Ok(Json(drills_view(&state, &caller).await?))
}

pub(crate) async fn plan(
    state: &AppState,
    caller: &Caller,
    req: &DrillRequest,
) -> Result<sp::Drill, ApiError> {
    let policy = require_oversight(state, caller).await?;
    let dept = req.department_id.or(caller.account.department_id);
    if !dept_visible(&policy, dept, Action::Update) {
        return Err(ApiError::forbidden());
    }
    let mut tx = state.db.begin().await?;
    let d = sp::plan_drill(
        &mut tx,
        req.planned_on,
        dept,
        &req.scenario,
        req.partner.as_deref().unwrap_or(""),
        caller.account.id,
        store::now(),
    )
    .await?;
    tx.commit().await?;
    Ok(d)
}

/// Plan a drill.
#[utoipa::path(post, path = "/api/v1/protection/drills", tag = "protection", security(("bearer" = [])),
    request_body = DrillRequest,
    responses((status = 201, body = Object), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub(crate) async fn plan_drill(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiJson(req): ApiJson<DrillRequest>,
) -> Result<Response, ApiError> {
    let d = plan(&state, &caller, &req).await?;
    Ok((StatusCode::CREATED, Json(d)).into_response())
}

pub(crate) async fn held(
    state: &AppState,
    caller: &Caller,
    id: i64,
    req: &DrillHeldRequest,
) -> Result<sp::Drill, ApiError> {
    let policy = require_oversight(state, caller).await?;
    let d = sp::drills(&state.db)
        .await?
        .into_iter()
        .find(|d| d.id == id)
        .ok_or_else(ApiError::not_found)?;
    if !dept_visible(&policy, d.department_id, Action::Update) {
        return Err(ApiError::forbidden());
    }
    let now = store::now();
    let mut tx = state.db.begin().await?;
    let d = sp::record_drill(
        &mut tx,
        id,
        req.held_at.unwrap_or(now),
        &req.participants,
        req.after_action.as_deref().unwrap_or(""),
        req.fixes.as_deref().unwrap_or(""),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(d)
}

/// Record that a drill was held: participants, after-action notes, fixes.
#[utoipa::path(post, path = "/api/v1/protection/drills/{id}/held", tag = "protection", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = DrillHeldRequest,
    responses((status = 200, body = Object), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub(crate) async fn record_drill(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Id(id): Id,
    ApiJson(req): ApiJson<DrillHeldRequest>,
) -> Result<Json<sp::Drill>, ApiError> {
    Ok(Json(held(&state, &caller, id, &req).await?))
}

/// Check every half-hour whether a drill reminder is due ([`sp::queue_drill_reminders`]
/// sends it once per half-year and kind) and delete evidence past its retention period
/// ([`sp::purge_expired_evidence`]), until `stop` turns true. Spawned by the binary beside the
/// wellbeing maintenance.
pub async fn run_reminders(
    db: store::Db,
    blobs: std::sync::Arc<dyn store::kit::blobs::BlobStore>,
    every: std::time::Duration,
    mut stop: watch::Receiver<bool>,
) {
    loop {
        match sp::queue_drill_reminders(&db, store::now()).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(n, "drill reminders queued"),
            Err(e) => tracing::error!(error = %e, "drill reminder failed"),
        }
        match sp::purge_expired_evidence(&db, blobs.as_ref(), store::now()).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(n, "evidence past retention deleted"),
            Err(e) => tracing::error!(error = %e, "evidence retention purge failed"),
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

pub(crate) struct DrillRow {
    id: i64,
    planned_on: String,
    half: String,
    scenario: String,
    partner: String,
    held: Option<String>,
    participants: String,
    after_action: String,
    fixes: String,
}

#[derive(Template)]
#[template(path = "protection/protection_drills.html")]
pub(crate) struct DrillsPage {
    c: Chrome,
    rows: Vec<DrillRow>,
    reminder: Option<String>,
    today: String,
    message: Option<String>,
    error: Option<String>,
}

pub(crate) async fn drills_page(
    state: &AppState,
    ctx: &Ctx,
    caller: &Caller,
    done: Option<&str>,
    error: Option<&ApiError>,
) -> Result<Response, ApiError> {
    let lang = ctx.lang;
    let v = drills_view(state, caller).await?;
    let rows = v
        .drills
        .into_iter()
        .map(|d| {
            let h = domain::protection::HalfYear::of(d.planned_on);
            DrillRow {
                id: d.id,
                planned_on: d.planned_on.to_string(),
                half: match lang {
                    Lang::Ko => format!(
                        "{}년 {}",
                        h.year,
                        if h.half == 1 {
                            "상반기"
                        } else {
                            "하반기"
                        }
                    ),
                    Lang::En => format!("{} H{}", h.year, h.half),
                },
                scenario: d.scenario,
                partner: d.partner,
                held: d.held_at.map(when),
                participants: d.participants,
                after_action: d.after_action,
                fixes: d.fixes,
            }
        })
        .collect();
    let page = DrillsPage {
        c: ctx.chrome(),
        rows,
        reminder: v.reminder_parts.map(|m| lang.of(&m).to_string()),
        today: domain::protection::local_date(store::now()).to_string(),
        message: done_message(lang, done),
        error: error.map(|e| lang.of(&e).to_string()),
    };
    Ok(show(ctx, &page, error))
}

/// After a change on the drills page: back to it, or the page again with the error.
pub(crate) async fn drills_done<T>(
    state: &AppState,
    ctx: &Ctx,
    caller: &Caller,
    r: Result<T, ApiError>,
) -> PageResult {
    match r {
        Ok(_) => Ok(Redirect::to("/protection/drills?done=1").into_response()),
        Err(e) => drills_page(state, ctx, caller, None, Some(&e))
            .await
            .map_err(|_| ctx.fail(&e)),
    }
}

pub(crate) async fn drills(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(n): Query<Notice>,
) -> PageResult {
    let caller = ctx.staff_or_refuse()?;
    drills_page(&state, &ctx, caller, n.done.as_deref(), None)
        .await
        .or_page(&ctx)
}

pub(crate) async fn plan_form(
    State(state): State<AppState>,
    ctx: Ctx,
    PageForm(req): PageForm<DrillRequest>,
) -> PageResult {
    let caller = ctx.staff_or_refuse()?;
    let r = plan(&state, caller, &req).await;
    drills_done(&state, &ctx, caller, r).await
}

pub(crate) async fn held_form(
    State(state): State<AppState>,
    ctx: Ctx,
    PageId(id): PageId,
    PageForm(req): PageForm<DrillHeldRequest>,
) -> PageResult {
    let caller = ctx.staff_or_refuse()?;
    let r = held(&state, caller, id, &req).await;
    drills_done(&state, &ctx, caller, r).await
}
