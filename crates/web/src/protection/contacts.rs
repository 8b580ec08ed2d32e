//! The contact timer: a call or visit timed against the recommended time, the warning and
//! the end of the contact.

use super::flags::RestrictionView;
use super::targets::{incident_subject, may_record_own};
use super::views::{Choice, Notice, PageId, choices, done_message, named, show};
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
use domain::protection::{self as rules, Channel, WarningReason};
use serde::{Deserialize, Serialize};
use store::protection::{self as sp, Contact};
use utoipa::ToSchema;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContactRequest {
    /// `counter`, `phone` or `visit`.
    pub channel: String,
    /// Whether the call is being recorded.
    #[serde(default, deserialize_with = "crate::kit::form::yes_no")]
    pub recorded: bool,
    /// Who is calling or visiting (optional): with a name or phone, a restriction in force on
    /// them is shown with the contact.
    pub petitioner_name: Option<String>,
    pub petitioner_phone: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct ContactView {
    #[schema(value_type = Object)]
    pub contact: Contact,
    pub recommended_minutes: i64,
    /// The warning to read out when the time is exceeded (Korean, English).
    pub warning_ko: String,
    pub warning_en: String,
    /// Access restrictions in force on this caller or visitor that cover this channel.
    pub restrictions: Vec<RestrictionView>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WarnRequest {
    /// `insult`, `threat`, `sexual_harassment`, `time_exceeded`.
    pub reason: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FinishRequest {
    /// The official ends the contact (needs a recorded warning first).
    #[serde(default, deserialize_with = "crate::kit::form::yes_no")]
    pub ended_by_official: bool,
}

pub(crate) async fn contact_view(state: &AppState, c: Contact) -> Result<ContactView, ApiError> {
    let channel = Channel::parse(&c.channel)?;
    let minutes = sp::contact_minutes(&state.db, channel).await?;
    let (ko, en) = rules::warning_text(WarningReason::TimeExceeded, minutes);
    // A call is covered by "calls", a counter or visit contact by "visits".
    let cover = if channel == Channel::Phone {
        rules::RestrictionCover::Calls
    } else {
        rules::RestrictionCover::Visits
    };
    let restrictions = sp::active_restrictions(&state.db, &c.petitioner_key, store::now())
        .await?
        .into_iter()
        .filter(|r| r.covers.contains(&cover))
        .map(|r| RestrictionView {
            notice: rules::restriction_notice(r.start, r.end, &r.covers).message(),
            notice_parts: {
                let n = rules::restriction_notice(r.start, r.end, &r.covers);
                domain::Bilingual::new(n.ko, n.en)
            },
            covers: r.covers.iter().map(|c| c.as_str().to_string()).collect(),
            start: r.start,
            end: r.end,
            reason: None,
            incident_id: None,
        })
        .collect();
    Ok(ContactView {
        contact: c,
        recommended_minutes: minutes,
        warning_ko: ko,
        warning_en: en,
        restrictions,
    })
}

pub(crate) async fn begin_contact(
    state: &AppState,
    caller: &Caller,
    req: &ContactRequest,
) -> Result<ContactView, ApiError> {
    may_record_own(state, caller).await?;
    let channel = Channel::parse(&req.channel)?;
    let mut tx = state.db.begin().await?;
    let c = sp::start_contact(
        &mut tx,
        caller.account.id,
        caller.account.department_id,
        channel,
        req.recorded,
        store::now(),
    )
    .await?;
    let key = sp::petitioner_key(
        req.petitioner_name.as_deref().unwrap_or(""),
        req.petitioner_phone.as_deref().unwrap_or(""),
    );
    let c = if key.is_empty() {
        c
    } else {
        sp::set_contact_petitioner(&mut tx, c.id, &key).await?;
        sp::Contact {
            petitioner_key: key,
            ..c
        }
    };
    tx.commit().await?;
    contact_view(state, c).await
}

/// Start timing a call or visit; the answer carries the recommended time and the warning text.
#[utoipa::path(post, path = "/api/v1/protection/contacts", tag = "protection", security(("bearer" = [])),
    request_body = ContactRequest,
    responses((status = 201, body = ContactView), (status = 400, body = ErrorBody)))]
pub(crate) async fn start_contact(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiJson(req): ApiJson<ContactRequest>,
) -> Result<Response, ApiError> {
    let v = begin_contact(&state, &caller, &req).await?;
    Ok((StatusCode::CREATED, Json(v)).into_response())
}

pub(crate) async fn own_contact(
    state: &AppState,
    caller: &Caller,
    id: i64,
) -> Result<Contact, ApiError> {
    let c = sp::get_contact(&state.db, id).await?;
    if c.account_id != caller.account.id {
        return Err(ApiError::forbidden());
    }
    Ok(c)
}

pub(crate) async fn warn(
    state: &AppState,
    caller: &Caller,
    id: i64,
    reason: &str,
) -> Result<sp::Measure, ApiError> {
    let c = own_contact(state, caller, id).await?;
    let reason = WarningReason::parse(reason)?;
    let mut tx = state.db.begin().await?;
    let m = sp::warn_contact(&mut tx, &c, reason, store::now()).await?;
    crate::commit_logged(
        tx,
        caller,
        &incident_subject(m.incident_id),
        "protection.measure",
        &m.kind,
    )
    .await?;
    Ok(m)
}

/// Record the warning read out (it becomes the warning measure of the contact's incident).
#[utoipa::path(post, path = "/api/v1/protection/contacts/{id}/warn", tag = "protection", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = WarnRequest,
    responses((status = 201, body = Object), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub(crate) async fn warn_contact(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Id(id): Id,
    ApiJson(req): ApiJson<WarnRequest>,
) -> Result<Response, ApiError> {
    let m = warn(&state, &caller, id, &req.reason).await?;
    Ok((StatusCode::CREATED, Json(m)).into_response())
}

pub(crate) async fn finish(
    state: &AppState,
    caller: &Caller,
    id: i64,
    ended_by_official: bool,
) -> Result<Contact, ApiError> {
    let c = own_contact(state, caller, id).await?;
    let mut tx = state.db.begin().await?;
    let c = sp::finish_contact(&mut tx, &c, ended_by_official, store::now()).await?;
    tx.commit().await?;
    Ok(c)
}

/// Finish a call or visit; `ended_by_official` needs a recorded warning first.
#[utoipa::path(post, path = "/api/v1/protection/contacts/{id}/finish", tag = "protection", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = FinishRequest,
    responses((status = 200, body = Object), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub(crate) async fn finish_contact(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Id(id): Id,
    ApiJson(req): ApiJson<FinishRequest>,
) -> Result<Json<Contact>, ApiError> {
    Ok(Json(
        finish(&state, &caller, id, req.ended_by_official).await?,
    ))
}

#[derive(Template)]
#[template(path = "protection/protection_contact.html")]
pub(crate) struct ContactPage {
    c: Chrome,
    contact: Option<ContactShown>,
    reasons: Vec<Choice>,
    message: Option<String>,
    error: Option<String>,
}

pub(crate) struct ContactShown {
    id: i64,
    channel: String,
    started: String,
    started_iso: String,
    minutes: i64,
    warning_ko: String,
    warning_en: String,
    recorded: bool,
    warned: bool,
    finished: bool,
    incident_id: Option<i64>,
    /// The lawful notices of restrictions in force on this caller or visitor.
    restrictions: Vec<String>,
}

pub(crate) async fn contact_render(
    state: &AppState,
    ctx: &Ctx,
    contact: Option<sp::Contact>,
    done: Option<&str>,
    error: Option<&ApiError>,
) -> Result<Response, ApiError> {
    let lang = ctx.lang;
    let shown = match contact {
        Some(c) => {
            let v = contact_view(state, c).await?;
            let ch = Channel::parse(&v.contact.channel)?;
            Some(ContactShown {
                id: v.contact.id,
                channel: named(lang, ch),
                started: when(v.contact.started_at),
                started_iso: v.contact.started_at.to_rfc3339(),
                minutes: v.recommended_minutes,
                warning_ko: v.warning_ko,
                warning_en: v.warning_en,
                recorded: v.contact.recorded,
                warned: v.contact.warned_at.is_some(),
                finished: v.contact.finished_at.is_some(),
                incident_id: v.contact.incident_id,
                restrictions: v
                    .restrictions
                    .iter()
                    .map(|r| lang.of(&r.notice_parts).to_string())
                    .collect(),
            })
        }
        None => None,
    };
    let page = ContactPage {
        c: ctx.chrome(),
        contact: shown,
        reasons: choices(lang, WarningReason::ALL),
        message: done_message(lang, done),
        error: error.map(|e| lang.of(&e).to_string()),
    };
    Ok(show(ctx, &page, error))
}

pub(crate) async fn contact_start(State(state): State<AppState>, ctx: Ctx) -> PageResult {
    ctx.staff_or_refuse()?;
    contact_render(&state, &ctx, None, None, None)
        .await
        .or_page(&ctx)
}

pub(crate) async fn contact_begin(
    State(state): State<AppState>,
    ctx: Ctx,
    PageForm(req): PageForm<ContactRequest>,
) -> PageResult {
    let caller = ctx.staff_or_refuse()?;
    match begin_contact(&state, caller, &req).await {
        Ok(v) => Ok(Redirect::to(&format!("/protection/contact/{}", v.contact.id)).into_response()),
        Err(e) => contact_render(&state, &ctx, None, None, Some(&e))
            .await
            .map_err(|_| ctx.fail(&e)),
    }
}

pub(crate) async fn contact_page(
    State(state): State<AppState>,
    ctx: Ctx,
    PageId(id): PageId,
    Query(n): Query<Notice>,
) -> PageResult {
    let caller = ctx.staff_or_refuse()?;
    let r = async {
        let c = own_contact(&state, caller, id).await?;
        contact_render(&state, &ctx, Some(c), n.done.as_deref(), None).await
    }
    .await;
    r.or_page(&ctx)
}

/// The contact page again with an error.
pub(crate) async fn contact_again(
    state: &AppState,
    ctx: &Ctx,
    caller: &Caller,
    id: i64,
    e: ApiError,
) -> PageResult {
    match own_contact(state, caller, id).await {
        Ok(c) => contact_render(state, ctx, Some(c), None, Some(&e))
            .await
            .map_err(|_| ctx.fail(&e)),
        Err(_) => Err(ctx.fail(&e)),
    }
}

pub(crate) async fn contact_warn(
    State(state): State<AppState>,
    ctx: Ctx,
    PageId(id): PageId,
    PageForm(req): PageForm<WarnRequest>,
) -> PageResult {
    let caller = ctx.staff_or_refuse()?;
    match warn(&state, caller, id, &req.reason).await {
        Ok(_) => Ok(Redirect::to(&format!("/protection/contact/{id}?done=1")).into_response()),
        Err(e) => contact_again(&state, &ctx, caller, id, e).await,
    }
}

pub(crate) async fn contact_finish(
    State(state): State<AppState>,
    ctx: Ctx,
    PageId(id): PageId,
    PageForm(req): PageForm<FinishRequest>,
) -> PageResult {
    let caller = ctx.staff_or_refuse()?;
    match finish(&state, caller, id, req.ended_by_official).await {
        Ok(_) => Ok(Redirect::to(&format!("/protection/contact/{id}?done=1")).into_response()),
        Err(e) => contact_again(&state, &ctx, caller, id, e).await,
    }
}
