//! Incidents (특이민원 사건): recording, reading and correcting them, as JSON under
//! `/api/v1/protection/incidents` and as the protection home and the incident page.

use super::alerts::visible_alerts;
use super::evidence::EvidenceView;
use super::flags::flags_view;
use super::measures::{MenuItem, menu};
use super::targets::{Policy, incident_for, incident_subject, incident_target, may_record_own};
use super::views::{
    Choice, Notice, PageId, Row, channel_choices, choices, done_message, kind_choices, label,
    name_of, named, names, show,
};
use crate::AppState;
use crate::kit::auth::{ApiCaller, Caller};
use crate::kit::error::{ApiError, ErrorBody};
use crate::kit::form::PageForm;
use crate::kit::json::ApiJson;
use crate::kit::page::{Chrome, Ctx, Lang, PageResult, when};
use crate::wellbeing::api::Id;
use askama::Template;
use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{DateTime, Duration, Utc};
use domain::access::{Action, Capability};
use domain::label::Label;
use domain::protection::{Channel, EvidenceKind, IncidentKind, MeasureKind, WarningReason};
use serde::{Deserialize, Serialize};
use store::protection::{self as sp, Incident};
use utoipa::ToSchema;

pub(crate) fn details_from(
    r: &IncidentRequest,
    now: DateTime<Utc>,
) -> Result<sp::IncidentDetails, ApiError> {
    Ok(sp::IncidentDetails {
        kind: IncidentKind::parse(&r.kind)?,
        channel: Channel::parse(&r.channel)?,
        occurred_at: r.occurred_at.unwrap_or(now),
        place: r.place.clone().unwrap_or_default(),
        petition_id: r.petition_id,
        petitioner_name: r.petitioner_name.clone().unwrap_or_default(),
        petitioner_phone: r.petitioner_phone.clone().unwrap_or_default(),
        narrative: r.narrative.clone().unwrap_or_default(),
        involved: r.involved.clone().unwrap_or_default(),
    })
}

/// Record an incident reported by the caller (API and pages).
pub(crate) async fn record_incident(
    state: &AppState,
    caller: &Caller,
    req: &IncidentRequest,
) -> Result<Incident, ApiError> {
    may_record_own(state, caller).await?;
    let now = store::now();
    let d = details_from(req, now)?;
    let mut tx = state.db.begin().await?;
    let r = sp::create_incident(
        &mut tx,
        &d,
        caller.account.id,
        caller.account.department_id,
        false,
        now,
    )
    .await?;
    crate::commit_logged(
        tx,
        caller,
        &incident_subject(r.incident.id),
        "protection.incident_create",
        "",
    )
    .await?;
    Ok(r.incident)
}

/// Incidents the caller may read, newest first, for the last `days`.
pub(crate) async fn visible_incidents(
    state: &AppState,
    caller: &Caller,
    days: i64,
) -> Result<Vec<Incident>, ApiError> {
    let policy = Policy::of(state, caller).await?;
    let since = store::now() - Duration::days(days);
    Ok(sp::list_incidents(&state.db, since, 1000)
        .await?
        .into_iter()
        .filter(|i| policy.may(Capability::Protection, Action::Read, incident_target(i)))
        .collect())
}

#[derive(Deserialize, ToSchema, Default, Clone)]
#[serde(deny_unknown_fields)]
pub struct IncidentRequest {
    /// `verbal_abuse`, `threat`, `sexual_harassment`, `violence`, `weapon`,
    /// `repeated_no_purpose`, `disruption` (or `unclassified`).
    pub kind: String,
    /// `counter`, `phone`, `visit`, `online`.
    pub channel: String,
    /// Default: now. A form's `datetime-local` value is Korean time.
    #[serde(default, deserialize_with = "crate::kit::form::moment")]
    pub occurred_at: Option<DateTime<Utc>>,
    pub place: Option<String>,
    #[serde(default, deserialize_with = "crate::kit::form::empty_as_none")]
    pub petition_id: Option<i64>,
    pub petitioner_name: Option<String>,
    pub petitioner_phone: Option<String>,
    pub narrative: Option<String>,
    /// Other officials involved (account ids).
    pub involved: Option<Vec<i64>>,
}

#[derive(Serialize, ToSchema)]
pub struct IncidentSummary {
    pub id: i64,
    pub kind: String,
    pub kind_label: String,
    pub channel: String,
    pub occurred_at: DateTime<Utc>,
    pub place: String,
    pub department_id: Option<i64>,
    pub reported_by: i64,
    pub from_alert: bool,
}

impl From<&Incident> for IncidentSummary {
    fn from(i: &Incident) -> Self {
        IncidentSummary {
            id: i.id,
            kind: i.kind.as_str().into(),
            kind_label: i.kind.both(),
            channel: i.channel.as_str().into(),
            occurred_at: i.occurred_at,
            place: i.place.clone(),
            department_id: i.department_id,
            reported_by: i.reported_by,
            from_alert: i.from_alert,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct IncidentView {
    #[serde(flatten)]
    pub summary: IncidentSummary,
    pub petition_id: Option<i64>,
    /// Personal data: reading it is written to the access log.
    pub petitioner_name: String,
    pub narrative: String,
    pub involved: Vec<i64>,
    #[schema(value_type = Vec<Object>)]
    pub measures: Vec<sp::Measure>,
    /// The Decree's measures in legal order, with why each is refused now.
    pub menu: Vec<MenuItem>,
    /// Absent for callers who may not open evidence.
    pub evidence: Option<Vec<EvidenceView>>,
    /// Earlier incidents with the same petitioner.
    pub petitioner_incidents: i64,
}

/// Incidents the caller may read (their own; their division's for supervisors and protection
/// officers), last 365 days.
#[utoipa::path(get, path = "/api/v1/protection/incidents", tag = "protection", security(("bearer" = [])),
    responses((status = 200, body = Vec<IncidentSummary>)))]
pub(crate) async fn list_incidents(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
) -> Result<Json<Vec<IncidentSummary>>, ApiError> {
    let list = visible_incidents(&state, &caller, 365).await?;
    Ok(Json(list.iter().map(IncidentSummary::from).collect()))
}

/// Record an incident (the caller is the reporting official).
#[utoipa::path(post, path = "/api/v1/protection/incidents", tag = "protection", security(("bearer" = [])),
    request_body = IncidentRequest,
    responses((status = 201, body = IncidentSummary), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub(crate) async fn create_incident(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiJson(req): ApiJson<IncidentRequest>,
) -> Result<Response, ApiError> {
    let i = record_incident(&state, &caller, &req).await?;
    Ok((StatusCode::CREATED, Json(IncidentSummary::from(&i))).into_response())
}

/// Build the full view of an incident, logging the read of the petitioner's data.
pub(crate) async fn incident_view(
    state: &AppState,
    caller: &Caller,
    id: i64,
) -> Result<IncidentView, ApiError> {
    let i = incident_for(state, caller, id, Action::Read).await?;
    let measures = sp::measures(&state.db, i.id).await?;
    let taken = sp::taken(&measures);
    let policy = Policy::of(state, caller).await?;
    let evidence = if policy.may(Capability::Evidence, Action::Read, incident_target(&i)) {
        Some(
            sp::evidence_of(&state.db, i.id)
                .await?
                .into_iter()
                .map(EvidenceView::from)
                .collect(),
        )
    } else {
        None
    };
    let history = sp::petitioner_history(&state.db, &i.petitioner_key).await?;
    state
        .log_access(
            caller,
            &incident_subject(i.id),
            "protection.incident_read",
            "",
        )
        .await?;
    Ok(IncidentView {
        summary: IncidentSummary::from(&i),
        petition_id: i.petition_id,
        petitioner_name: i.petitioner_name.clone(),
        narrative: i.narrative.clone(),
        involved: i.involved.clone(),
        measures,
        menu: menu(&taken),
        evidence,
        petitioner_incidents: history.iter().filter(|h| h.id != i.id).count() as i64,
    })
}

/// One incident with its measures (in the order taken), the legal menu, evidence and the
/// petitioner's history count. Written to the access log.
#[utoipa::path(get, path = "/api/v1/protection/incidents/{id}", tag = "protection", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 200, body = IncidentView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(crate) async fn get_incident(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Id(id): Id,
) -> Result<Json<IncidentView>, ApiError> {
    Ok(Json(incident_view(&state, &caller, id).await?))
}

/// Correct or complete an incident's details (e.g. after a panic alert).
#[utoipa::path(put, path = "/api/v1/protection/incidents/{id}", tag = "protection", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = IncidentRequest,
    responses((status = 200, body = IncidentSummary), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub(crate) async fn update_incident(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Id(id): Id,
    ApiJson(req): ApiJson<IncidentRequest>,
) -> Result<Json<IncidentSummary>, ApiError> {
    let i = amend_incident(&state, &caller, id, &req).await?;
    Ok(Json(IncidentSummary::from(&i)))
}

pub(crate) async fn amend_incident(
    state: &AppState,
    caller: &Caller,
    id: i64,
    req: &IncidentRequest,
) -> Result<Incident, ApiError> {
    let i = incident_for(state, caller, id, Action::Update).await?;
    let now = store::now();
    let d = details_from(req, now)?;
    let mut tx = state.db.begin().await?;
    let updated = sp::update_incident(&mut tx, i.id, &d, now).await?;
    crate::commit_logged(
        tx,
        caller,
        &incident_subject(i.id),
        "protection.incident_update",
        "",
    )
    .await?;
    Ok(updated)
}

pub(crate) struct AlertRow {
    id: i64,
    when: String,
    who: String,
    place: String,
    acknowledged: bool,
}

#[derive(Template)]
#[template(path = "protection/protection.html")]
pub(crate) struct HomePage {
    c: Chrome,
    oversees: bool,
    rows: Vec<Row>,
    alerts: Vec<AlertRow>,
    kinds: Vec<Choice>,
    channels: Vec<Choice>,
    screened: Vec<ScreenedRow>,
    flags: Vec<FlagRow>,
    message: Option<String>,
    error: Option<String>,
}

pub(crate) struct ScreenedRow {
    id: i64,
    receipt: String,
    kinds: String,
    when: String,
}

pub(crate) struct FlagRow {
    when: String,
    channel: String,
    reason: String,
    by: String,
    petition_id: Option<i64>,
}

pub(crate) async fn home(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(n): Query<Notice>,
) -> PageResult {
    let caller = ctx.staff_or_refuse()?;
    match home_page(&state, &ctx, caller, n.done.as_deref(), None).await {
        Ok(r) => Ok(r),
        Err(e) => Err(ctx.fail(&e)),
    }
}

pub(crate) async fn home_page(
    state: &AppState,
    ctx: &Ctx,
    caller: &Caller,
    done: Option<&str>,
    error: Option<&ApiError>,
) -> Result<Response, ApiError> {
    let lang = ctx.lang;
    let policy = Policy::of(state, caller).await?;
    let names = names(state).await?;
    let rows = visible_incidents(state, caller, 365)
        .await?
        .iter()
        .map(|i| Row {
            id: i.id,
            when: when(i.occurred_at),
            kind: named(lang, i.kind),
            channel: named(lang, i.channel),
            place: i.place.clone(),
            reporter: name_of(&names, i.reported_by),
            from_alert: i.from_alert,
        })
        .collect();
    let alerts = visible_alerts(state, caller)
        .await?
        .into_iter()
        .map(|a| AlertRow {
            id: a.id,
            when: when(a.at),
            who: name_of(&names, a.raised_by),
            place: a.place,
            acknowledged: a.acknowledged_at.is_some(),
        })
        .collect();
    let flagged = flags_view(state, caller).await?;
    let screened = flagged
        .screened
        .into_iter()
        .take(20)
        .map(|f| ScreenedRow {
            id: f.id,
            receipt: f.receipt_no.unwrap_or_else(|| format!("#{}", f.id)),
            kinds: f.abuse_kinds,
            when: when(f.arrived_at),
        })
        .collect();
    let flags = flagged
        .flags
        .into_iter()
        .take(20)
        .map(|f| FlagRow {
            when: when(f.created_at),
            channel: Channel::parse(&f.channel)
                .map(|c| named(lang, c))
                .unwrap_or(f.channel),
            reason: f.reason,
            by: name_of(&names, f.raised_by),
            petition_id: f.petition_id,
        })
        .collect();
    let page = HomePage {
        c: ctx.chrome(),
        oversees: policy.oversees(),
        screened,
        flags,
        rows,
        alerts,
        kinds: kind_choices(lang),
        channels: channel_choices(lang),
        message: done_message(lang, done),
        error: error.map(|e| lang.of(&e).to_string()),
    };
    Ok(show(ctx, &page, error))
}

pub(crate) async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    PageForm(req): PageForm<IncidentRequest>,
) -> PageResult {
    let caller = ctx.staff_or_refuse()?;
    let result = record_incident(&state, caller, &req).await;
    match result {
        Ok(i) => {
            Ok(Redirect::to(&format!("/protection/incidents/{}?done=1", i.id)).into_response())
        }
        Err(e) => match home_page(&state, &ctx, caller, None, Some(&e)).await {
            Ok(r) => Ok(r),
            Err(e) => Err(ctx.fail(&e)),
        },
    }
}

pub(crate) struct MeasureRow {
    when: String,
    kind: String,
    actor: String,
    detail: String,
}

pub(crate) struct MenuRow {
    kind: String,
    label: String,
    refused: Option<String>,
}

pub(crate) struct EvidenceRow {
    id: i64,
    kind: String,
    filename: String,
    sha256: String,
    size: i64,
    when: String,
}

#[derive(Template)]
#[template(path = "protection/protection_incident.html")]
pub(crate) struct IncidentPage {
    c: Chrome,
    id: i64,
    kind: String,
    kind_value: String,
    channel: String,
    channel_value: String,
    when: String,
    occurred_local: String,
    place: String,
    petition_id: String,
    petitioner_name: String,
    narrative: String,
    reporter: String,
    from_alert: bool,
    petitioner_incidents: i64,
    measures: Vec<MeasureRow>,
    menu: Vec<MenuRow>,
    evidence: Option<Vec<EvidenceRow>>,
    kinds: Vec<Choice>,
    channels: Vec<Choice>,
    reasons: Vec<Choice>,
    evidence_kinds: Vec<Choice>,
    message: Option<String>,
    error: Option<String>,
    /// What was typed into the restriction form, kept after a refusal with its error.
    typed: Restriction,
}

/// The access-restriction form as typed (empty on a fresh page).
#[derive(Default, Clone)]
pub(crate) struct Restriction {
    pub(crate) start: String,
    pub(crate) end: String,
    pub(crate) reason: String,
    pub(crate) visits: bool,
    pub(crate) calls: bool,
    pub(crate) online: bool,
    pub(crate) error: Option<String>,
}

pub(crate) fn measure_detail(lang: Lang, m: &sp::Measure) -> String {
    let mut parts = Vec::new();
    if let Some(r) = m
        .warning_reason
        .as_deref()
        .and_then(|r| WarningReason::parse(r).ok())
    {
        parts.push(named(lang, r));
    }
    if let (Some(s), Some(e)) = (m.restriction_start, m.restriction_end) {
        parts.push(format!("{} – {}", when(s), when(e)));
    }
    let covers = domain::protection::covers_from_text(&m.restriction_covers);
    if !covers.is_empty() {
        parts.push(
            covers
                .iter()
                .map(|c| named(lang, *c))
                .collect::<Vec<_>>()
                .join(", "),
        );
    }
    for t in [&m.reason, &m.recipient, &m.note] {
        if !t.is_empty() {
            parts.push(t.clone());
        }
    }
    if m.link_wellbeing {
        parts.push(label(
            lang,
            "마음건강 연계(본인 동의)",
            "linked to wellbeing (with consent)",
        ));
    }
    parts.join(" · ")
}

pub(crate) async fn incident_page(
    state: &AppState,
    ctx: &Ctx,
    caller: &Caller,
    id: i64,
    done: Option<&str>,
    error: Option<&ApiError>,
    typed: Restriction,
) -> Result<Response, ApiError> {
    let lang = ctx.lang;
    let v: IncidentView = incident_view(state, caller, id).await?;
    let i = sp::get_incident(&state.db, id).await?;
    let names = names(state).await?;
    let measures = v
        .measures
        .iter()
        .map(|m| MeasureRow {
            when: when(m.at),
            kind: MeasureKind::parse(&m.kind)
                .map(|k| named(lang, k))
                .unwrap_or_else(|_| m.kind.clone()),
            actor: name_of(&names, m.actor_id),
            detail: measure_detail(lang, m),
        })
        .collect();
    let menu = v
        .menu
        .iter()
        .map(|m: &MenuItem| MenuRow {
            kind: m.kind.clone(),
            label: MeasureKind::parse(&m.kind)
                .map(|k| named(lang, k))
                .unwrap_or_default(),
            refused: m.refusal.as_ref().map(|r| lang.of(&r).to_string()),
        })
        .collect();
    let evidence = v.evidence.map(|list: Vec<EvidenceView>| {
        list.into_iter()
            .map(|e| EvidenceRow {
                id: e.id,
                kind: EvidenceKind::parse(&e.kind)
                    .map(|k| named(lang, k))
                    .unwrap_or(e.kind),
                filename: e.filename,
                sha256: e.sha256,
                size: e.size,
                when: when(e.created_at),
            })
            .collect()
    });
    let page = IncidentPage {
        c: ctx.chrome(),
        id,
        kind: named(lang, i.kind),
        kind_value: i.kind.as_str().into(),
        channel: named(lang, i.channel),
        channel_value: i.channel.as_str().into(),
        when: when(i.occurred_at),
        occurred_local: calendar::to_seoul(i.occurred_at)
            .format("%Y-%m-%dT%H:%M")
            .to_string(),
        place: i.place.clone(),
        petition_id: i.petition_id.map(|p| p.to_string()).unwrap_or_default(),
        petitioner_name: v.petitioner_name,
        narrative: v.narrative,
        reporter: name_of(&names, i.reported_by),
        from_alert: i.from_alert,
        petitioner_incidents: v.petitioner_incidents,
        measures,
        menu,
        evidence,
        kinds: kind_choices(lang),
        channels: channel_choices(lang),
        reasons: choices(lang, WarningReason::ALL),
        evidence_kinds: choices(lang, EvidenceKind::ALL),
        message: done_message(lang, done),
        error: error.map(|e| lang.of(&e).to_string()),
        typed,
    };
    Ok(show(ctx, &page, error))
}

pub(crate) async fn incident(
    State(state): State<AppState>,
    ctx: Ctx,
    PageId(id): PageId,
    Query(n): Query<Notice>,
) -> PageResult {
    let caller = ctx.staff_or_refuse()?;
    match incident_page(
        &state,
        &ctx,
        caller,
        id,
        n.done.as_deref(),
        None,
        Restriction::default(),
    )
    .await
    {
        Ok(r) => Ok(r),
        Err(e) => Err(ctx.fail(&e)),
    }
}

/// After a refused change, the incident page again with the error (or the error page when the
/// incident itself cannot be shown).
pub(crate) async fn again(
    state: &AppState,
    ctx: &Ctx,
    caller: &Caller,
    id: i64,
    e: ApiError,
) -> PageResult {
    again_typed(state, ctx, caller, id, e, Restriction::default()).await
}

pub(crate) async fn again_typed(
    state: &AppState,
    ctx: &Ctx,
    caller: &Caller,
    id: i64,
    e: ApiError,
    typed: Restriction,
) -> PageResult {
    incident_page(state, ctx, caller, id, None, Some(&e), typed)
        .await
        .map_err(|_| ctx.fail(&e))
}

pub(crate) async fn amend(
    State(state): State<AppState>,
    ctx: Ctx,
    PageId(id): PageId,
    PageForm(mut req): PageForm<IncidentRequest>,
) -> PageResult {
    let caller = ctx.staff_or_refuse()?;
    let result = async {
        // The page does not edit who else was involved: keep them.
        req.involved = Some(sp::get_incident(&state.db, id).await?.involved);
        amend_incident(&state, caller, id, &req).await
    }
    .await;
    match result {
        Ok(_) => Ok(Redirect::to(&format!("/protection/incidents/{id}?done=1")).into_response()),
        Err(e) => again(&state, &ctx, caller, id, e).await,
    }
}
