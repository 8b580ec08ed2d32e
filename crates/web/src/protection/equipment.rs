//! Safety equipment (안전장비): the registry, issuing and checks.

use super::targets::{dept_visible, require_oversight};
use super::views::{Choice, Notice, PageId, choices, done_message, name_of, named, names, show};
use crate::AppState;
use crate::kit::auth::{ApiCaller, Caller};
use crate::kit::error::{ApiError, ErrorBody};
use crate::kit::form::PageForm;
use crate::kit::json::ApiJson;
use crate::kit::page::{Chrome, Ctx, OrPage, PageResult, when};
use crate::wellbeing::api::Id;
use askama::Template;
use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use domain::access::Action;
use domain::protection::EquipmentKind;
use serde::Deserialize;
use store::protection::{self as sp};
use utoipa::ToSchema;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EquipmentRequest {
    /// `whistle`, `portable_recorder`, `body_camera`, `emergency_bell`, `cctv`.
    pub kind: String,
    pub label: String,
    pub location: Option<String>,
    pub department_id: Option<i64>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IssueRequest {
    /// The holder; `null` (a blank form field) takes it back.
    #[serde(default, deserialize_with = "crate::kit::form::empty_as_none")]
    pub holder_id: Option<i64>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckRequest {
    #[serde(deserialize_with = "crate::kit::form::yes_no")]
    pub ok: bool,
    pub fault: Option<String>,
}

/// The equipment registry of the caller's division.
#[utoipa::path(get, path = "/api/v1/protection/equipment", tag = "protection", security(("bearer" = [])),
    responses((status = 200, body = Vec<Object>), (status = 403, body = ErrorBody)))]
pub(crate) async fn list_equipment(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
) -> Result<Json<Vec<sp::Equipment>>, ApiError> {
    let policy = require_oversight(&state, &caller).await?;
    Ok(Json(
        sp::equipment(&state.db)
            .await?
            .into_iter()
            .filter(|e| dept_visible(&policy, e.department_id, Action::Read))
            .collect(),
    ))
}

pub(crate) async fn register_equipment(
    state: &AppState,
    caller: &Caller,
    req: &EquipmentRequest,
) -> Result<sp::Equipment, ApiError> {
    let policy = require_oversight(state, caller).await?;
    let dept = req.department_id.or(caller.account.department_id);
    if !dept_visible(&policy, dept, Action::Update) {
        return Err(ApiError::forbidden());
    }
    let kind = EquipmentKind::parse(&req.kind)?;
    let mut tx = state.db.begin().await?;
    let e = sp::add_equipment(
        &mut tx,
        kind,
        &req.label,
        req.location.as_deref().unwrap_or(""),
        dept,
        store::now(),
    )
    .await?;
    tx.commit().await?;
    Ok(e)
}

/// Register a whistle, recorder, body camera, emergency bell or CCTV.
#[utoipa::path(post, path = "/api/v1/protection/equipment", tag = "protection", security(("bearer" = [])),
    request_body = EquipmentRequest,
    responses((status = 201, body = Object), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub(crate) async fn add_equipment(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiJson(req): ApiJson<EquipmentRequest>,
) -> Result<Response, ApiError> {
    let e = register_equipment(&state, &caller, &req).await?;
    Ok((StatusCode::CREATED, Json(e)).into_response())
}

pub(crate) async fn equipment_in_reach(
    state: &AppState,
    caller: &Caller,
    id: i64,
) -> Result<sp::Equipment, ApiError> {
    let policy = require_oversight(state, caller).await?;
    let e = sp::equipment(&state.db)
        .await?
        .into_iter()
        .find(|e| e.id == id)
        .ok_or_else(ApiError::not_found)?;
    if !dept_visible(&policy, e.department_id, Action::Update) {
        return Err(ApiError::forbidden());
    }
    Ok(e)
}

pub(crate) async fn issue(
    state: &AppState,
    caller: &Caller,
    id: i64,
    holder: Option<i64>,
) -> Result<sp::Equipment, ApiError> {
    equipment_in_reach(state, caller, id).await?;
    if let Some(h) = holder {
        store::office::accounts::get(&state.db, h)
            .await
            .map_err(|_| {
                ApiError::bad_request(
                    "unknown_holder",
                    "받는 사람 계정이 없습니다",
                    "no such account",
                )
            })?;
    }
    let mut tx = state.db.begin().await?;
    let e = sp::issue_equipment(&mut tx, id, holder, store::now()).await?;
    tx.commit().await?;
    Ok(e)
}

/// Issue equipment to an official, or take it back (`holder_id: null`).
#[utoipa::path(post, path = "/api/v1/protection/equipment/{id}/issue", tag = "protection", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = IssueRequest,
    responses((status = 200, body = Object), (status = 403, body = ErrorBody)))]
pub(crate) async fn issue_equipment(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Id(id): Id,
    ApiJson(req): ApiJson<IssueRequest>,
) -> Result<Json<sp::Equipment>, ApiError> {
    Ok(Json(issue(&state, &caller, id, req.holder_id).await?))
}

pub(crate) async fn check(
    state: &AppState,
    caller: &Caller,
    id: i64,
    req: &CheckRequest,
) -> Result<sp::EquipmentCheck, ApiError> {
    equipment_in_reach(state, caller, id).await?;
    let mut tx = state.db.begin().await?;
    let fault = req.fault.as_deref().unwrap_or("");
    let c =
        sp::check_equipment(&mut tx, id, req.ok, fault, caller.account.id, store::now()).await?;
    tx.commit().await?;
    Ok(c)
}

/// Record a check: working, or the fault found.
#[utoipa::path(post, path = "/api/v1/protection/equipment/{id}/checks", tag = "protection", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = CheckRequest,
    responses((status = 201, body = Object), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub(crate) async fn check_equipment(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Id(id): Id,
    ApiJson(req): ApiJson<CheckRequest>,
) -> Result<Response, ApiError> {
    let c = check(&state, &caller, id, &req).await?;
    Ok((StatusCode::CREATED, Json(c)).into_response())
}

pub(crate) struct EquipmentRow {
    id: i64,
    kind: String,
    label: String,
    location: String,
    holder: String,
    issued: String,
    checked: String,
    faulty: bool,
}

pub(crate) struct Person {
    id: i64,
    name: String,
}

#[derive(Template)]
#[template(path = "protection/protection_equipment.html")]
pub(crate) struct EquipmentPage {
    c: Chrome,
    rows: Vec<EquipmentRow>,
    kinds: Vec<Choice>,
    people: Vec<Person>,
    message: Option<String>,
    error: Option<String>,
}

pub(crate) async fn equipment_page(
    state: &AppState,
    ctx: &Ctx,
    caller: &Caller,
    done: Option<&str>,
    error: Option<&ApiError>,
) -> Result<Response, ApiError> {
    let lang = ctx.lang;
    let policy = require_oversight(state, caller).await?;
    let names = names(state).await?;
    let rows = sp::equipment(&state.db)
        .await?
        .into_iter()
        .filter(|e| dept_visible(&policy, e.department_id, Action::Read))
        .map(|e| EquipmentRow {
            id: e.id,
            kind: EquipmentKind::parse(&e.kind)
                .map(|k| named(lang, k))
                .unwrap_or(e.kind),
            label: e.label,
            location: e.location,
            holder: e.holder_id.map(|h| name_of(&names, h)).unwrap_or_default(),
            issued: e.issued_at.map(when).unwrap_or_default(),
            checked: e.last_checked_at.map(when).unwrap_or_default(),
            faulty: e.faulty,
        })
        .collect();
    let people = store::office::accounts::list(&state.db, None)
        .await?
        .into_iter()
        .filter(|a| a.active && a.role.is_staff())
        .map(|a| Person {
            id: a.id,
            name: a.display_name,
        })
        .collect();
    let page = EquipmentPage {
        c: ctx.chrome(),
        rows,
        kinds: choices(lang, EquipmentKind::ALL),
        people,
        message: done_message(lang, done),
        error: error.map(|e| lang.of(&e).to_string()),
    };
    Ok(show(ctx, &page, error))
}

pub(crate) async fn equipment(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(n): Query<Notice>,
) -> PageResult {
    let caller = ctx.staff_or_refuse()?;
    equipment_page(&state, &ctx, caller, n.done.as_deref(), None)
        .await
        .or_page(&ctx)
}

/// After a change on the equipment page: back to it, or the page again with the error.
pub(crate) async fn equipment_done<T>(
    state: &AppState,
    ctx: &Ctx,
    caller: &Caller,
    r: Result<T, ApiError>,
) -> PageResult {
    match r {
        Ok(_) => Ok(Redirect::to("/protection/equipment?done=1").into_response()),
        Err(e) => equipment_page(state, ctx, caller, None, Some(&e))
            .await
            .map_err(|_| ctx.fail(&e)),
    }
}

pub(crate) async fn add_equipment_form(
    State(state): State<AppState>,
    ctx: Ctx,
    PageForm(req): PageForm<EquipmentRequest>,
) -> PageResult {
    let caller = ctx.staff_or_refuse()?;
    let r = register_equipment(&state, caller, &req).await;
    equipment_done(&state, &ctx, caller, r).await
}

pub(crate) async fn issue_form(
    State(state): State<AppState>,
    ctx: Ctx,
    PageId(id): PageId,
    PageForm(req): PageForm<IssueRequest>,
) -> PageResult {
    let caller = ctx.staff_or_refuse()?;
    let r = issue(&state, caller, id, req.holder_id).await;
    equipment_done(&state, &ctx, caller, r).await
}

pub(crate) async fn check_form(
    State(state): State<AppState>,
    ctx: Ctx,
    PageId(id): PageId,
    PageForm(req): PageForm<CheckRequest>,
) -> PageResult {
    let caller = ctx.staff_or_refuse()?;
    let r = check(&state, caller, id, &req).await;
    equipment_done(&state, &ctx, caller, r).await
}
