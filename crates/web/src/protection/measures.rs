//! The Decree's measures on an incident (Decree art. 4), in legal order: the menu and taking one.

use super::incidents::{Restriction, again, again_typed};
use super::targets::{incident_for, incident_subject};
use super::views::{PageId, local_time};
use crate::AppState;
use crate::kit::auth::{ApiCaller, Caller};
use crate::kit::error::{ApiError, ErrorBody};
use crate::kit::json::ApiJson;
use crate::kit::page::{Ctx, PageResult};
use crate::wellbeing::api::Id;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{DateTime, Utc};
use domain::access::Action;
use domain::label::Label;
use domain::protection::{self as rules, MeasureInput, MeasureKind, WarningReason};
use serde::{Deserialize, Serialize};
use store::protection::{self as sp};
use utoipa::ToSchema;

pub(crate) fn measure_input(r: &MeasureRequest) -> Result<MeasureInput, ApiError> {
    Ok(MeasureInput {
        kind: Some(MeasureKind::parse(&r.kind)?),
        note: r.note.clone().unwrap_or_default(),
        warning_reason: r
            .warning_reason
            .as_deref()
            .filter(|s| !s.is_empty())
            .map(WarningReason::parse)
            .transpose()?,
        restriction_start: r.restriction_start,
        restriction_end: r.restriction_end,
        restriction_covers: r
            .restriction_covers
            .iter()
            .flatten()
            .map(|c| rules::RestrictionCover::parse(c))
            .collect::<Result<Vec<_>, _>>()?,
        reason: r.reason.clone().unwrap_or_default(),
        link_wellbeing: r.link_wellbeing.unwrap_or(false),
        official_consent: r.official_consent.unwrap_or(false),
        recipient: r.recipient.clone().unwrap_or_default(),
    })
}

/// Take a measure on an incident (API and pages).
pub(crate) async fn take_measure(
    state: &AppState,
    caller: &Caller,
    id: i64,
    req: &MeasureRequest,
) -> Result<sp::Measure, ApiError> {
    let i = incident_for(state, caller, id, Action::Update).await?;
    let input = measure_input(req)?;
    let now = store::now();
    let mut tx = state.db.begin().await?;
    let m = sp::add_measure(&mut tx, i.id, &input, caller.account.id, now).await?;
    crate::commit_logged(
        tx,
        caller,
        &incident_subject(i.id),
        "protection.measure",
        &m.kind,
    )
    .await?;
    Ok(m)
}

#[derive(Serialize, ToSchema)]
pub struct MenuItem {
    pub kind: String,
    pub label: String,
    /// Why the measure cannot be taken now (Korean (English)), or absent.
    pub refused: Option<String>,
    /// The same refusal with its halves apart, for pages.
    #[serde(skip)]
    pub refusal: Option<domain::RuleError>,
}

pub(crate) fn menu(taken: &[MeasureKind]) -> Vec<MenuItem> {
    rules::measure_menu(taken)
        .into_iter()
        .map(|(k, r)| MenuItem {
            kind: k.as_str().into(),
            label: k.both(),
            refused: r.as_ref().map(|e| e.message()),
            refusal: r,
        })
        .collect()
}

#[derive(Deserialize, ToSchema, Default, Clone)]
#[serde(deny_unknown_fields)]
pub struct MeasureRequest {
    /// One of `warning`, `ended`, `separated`, `access_restricted`, `counselling`,
    /// `criminal_complaint`, `legal_support`, `evidence_handed`.
    pub kind: String,
    pub note: Option<String>,
    /// For a warning: `insult`, `threat`, `sexual_harassment`, `time_exceeded`.
    pub warning_reason: Option<String>,
    pub restriction_start: Option<DateTime<Utc>>,
    pub restriction_end: Option<DateTime<Utc>>,
    /// For an access restriction: what it covers, one or more of `visits`, `calls`, `online`.
    pub restriction_covers: Option<Vec<String>>,
    pub reason: Option<String>,
    pub link_wellbeing: Option<bool>,
    pub official_consent: Option<bool>,
    pub recipient: Option<String>,
}

/// Take one of the Decree's measures. Ending a call or visit before a recorded warning, an
/// access restriction that ends before it starts, counselling linked to wellbeing without the
/// official's consent: 400, nothing written.
#[utoipa::path(post, path = "/api/v1/protection/incidents/{id}/measures", tag = "protection", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = MeasureRequest,
    responses((status = 201, body = Object), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub(crate) async fn add_measure(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Id(id): Id,
    ApiJson(req): ApiJson<MeasureRequest>,
) -> Result<Response, ApiError> {
    let m = take_measure(&state, &caller, id, &req).await?;
    Ok((StatusCode::CREATED, Json(m)).into_response())
}

#[derive(Deserialize, Default)]
pub(crate) struct MeasureForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    warning_reason: String,
    #[serde(default)]
    restriction_start: String,
    #[serde(default)]
    restriction_end: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    link_wellbeing: Option<String>,
    #[serde(default)]
    official_consent: Option<String>,
    #[serde(default)]
    recipient: String,
    #[serde(default)]
    covers_visits: Option<String>,
    #[serde(default)]
    covers_calls: Option<String>,
    #[serde(default)]
    covers_online: Option<String>,
}

pub(crate) async fn measure(
    State(state): State<AppState>,
    ctx: Ctx,
    PageId(id): PageId,
    axum::Form(f): axum::Form<MeasureForm>,
) -> PageResult {
    let caller = ctx.staff_or_refuse()?;
    let result = async {
        let req = MeasureRequest {
            kind: f.kind.clone(),
            note: Some(f.note.clone()),
            warning_reason: Some(f.warning_reason.clone()),
            restriction_start: local_time(&f.restriction_start)?,
            restriction_end: local_time(&f.restriction_end)?,
            reason: Some(f.reason.clone()),
            link_wellbeing: Some(f.link_wellbeing.is_some()),
            official_consent: Some(f.official_consent.is_some()),
            recipient: Some(f.recipient.clone()),
            restriction_covers: Some(
                [
                    (f.covers_visits.is_some(), "visits"),
                    (f.covers_calls.is_some(), "calls"),
                    (f.covers_online.is_some(), "online"),
                ]
                .into_iter()
                .filter(|(on, _)| *on)
                .map(|(_, c)| c.to_string())
                .collect(),
            ),
        };
        take_measure(&state, caller, id, &req).await
    }
    .await;
    match result {
        Ok(_) => Ok(
            Redirect::to(&format!("/protection/incidents/{id}?done=1#measures")).into_response(),
        ),
        Err(e) if f.kind == "access_restricted" => {
            // The restriction form keeps what was typed, its error beside it.
            let typed = Restriction {
                start: f.restriction_start.clone(),
                end: f.restriction_end.clone(),
                reason: f.reason.clone(),
                visits: f.covers_visits.is_some(),
                calls: f.covers_calls.is_some(),
                online: f.covers_online.is_some(),
                error: Some(ctx.lang.of(&e).to_string()),
            };
            again_typed(&state, &ctx, caller, id, e, typed).await
        }
        Err(e) => again(&state, &ctx, caller, id, e).await,
    }
}
