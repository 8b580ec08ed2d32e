//! Incidents (특이민원 사건): recording, reading and correcting them, as JSON under
//! `/api/v1/protection/incidents` and as the protection home and the incident page.

use super::alerts::visible_alerts;
use super::alerts::{PlaceView, place_view};
use super::evidence::EvidenceView;
use super::flags::FlagForm;
use super::flags::flags_view;
use super::measures::{MenuItem, menu};
use super::targets::{Policy, incident_for, incident_subject, incident_target, may_record_own};
use super::views::{
    Choice, Notice, PageId, Row, abuse_words, channel_choices, choices, done_message, kind_choices,
    label, local_time, name_of, named, names, show,
};
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

/// The message when no petition matches what was typed.
pub(crate) fn no_such_petition(typed: &str) -> ApiError {
    let typed = typed.trim();
    ApiError::bad_request(
        "unknown_petition",
        format!(
            "‘{typed}’에 해당하는 민원을 찾을 수 없습니다. 접수번호(예: 2026-0000061 또는 0000061)나 민원 번호를 적어 주세요"
        ),
        format!(
            "No petition matches ‘{typed}’. Type its receipt number (e.g. 2026-0000061 or 0000061) or its petition number"
        ),
    )
}

/// The petition of a request: `petition` as people know it (receipt number, its sequence, or
/// the petition number), resolved through the store; else `petition_id`.
async fn petition_of(state: &AppState, req: &IncidentRequest) -> Result<Option<i64>, ApiError> {
    match req.petition.as_deref().map(str::trim) {
        Some(typed) if !typed.is_empty() => sp::petition_by_reference(&state.db, typed)
            .await?
            .map(Some)
            .ok_or_else(|| no_such_petition(typed)),
        _ => Ok(req.petition_id),
    }
}

/// Record an incident reported by the caller (API and pages).
pub(crate) async fn record_incident(
    state: &AppState,
    caller: &Caller,
    req: &IncidentRequest,
) -> Result<Incident, ApiError> {
    may_record_own(state, caller).await?;
    let now = store::now();
    let mut d = details_from(req, now)?;
    d.petition_id = petition_of(state, req).await?;
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
    /// The petition as people know it instead of `petition_id`: its receipt number
    /// (`2026-0000061`), the 7-digit sequence alone (`0000061`) or the petition number.
    #[serde(default)]
    pub petition: Option<String>,
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
    let mut d = details_from(req, now)?;
    d.petition_id = petition_of(state, req).await?;
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

/// The incident form as typed: every field as text, so a refused form comes back as it was.
#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub(crate) struct IncidentForm {
    pub(crate) kind: String,
    pub(crate) channel: String,
    pub(crate) occurred_at: String,
    pub(crate) place: String,
    pub(crate) petition: String,
    pub(crate) petitioner_name: String,
    pub(crate) petitioner_phone: String,
    pub(crate) narrative: String,
}

/// A form as typed with the problem of each field (`field`, message in the page's language).
#[derive(Default, Clone)]
pub(crate) struct Typed<F> {
    pub(crate) form: F,
    pub(crate) errors: Vec<(&'static str, String)>,
}

impl<F> Typed<F> {
    pub(crate) fn fresh(form: F) -> Self {
        Typed {
            form,
            errors: Vec::new(),
        }
    }

    /// The problem of `field`, to show beside it.
    pub(crate) fn error(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, m)| m.as_str())
    }

    pub(crate) fn invalid(&self, field: &str) -> bool {
        self.error(field).is_some()
    }
}

/// Read the incident form into the API's request, checking every field at once: the kind and
/// channel, the time, the domain's limits and the petition number (resolved through the store).
/// Each problem is said beside its field, in the page's language.
async fn read_incident_form(
    state: &AppState,
    lang: Lang,
    form: &IncidentForm,
) -> Result<Result<IncidentRequest, Vec<(&'static str, String)>>, ApiError> {
    let mut errors: Vec<(&'static str, String)> = Vec::new();
    if let Err(e) = IncidentKind::parse(form.kind.trim()) {
        errors.push(("kind", lang.of(&e).to_string()));
    }
    if let Err(e) = Channel::parse(form.channel.trim()) {
        errors.push(("channel", lang.of(&e).to_string()));
    }
    let now = store::now();
    let occurred_at = match local_time(&form.occurred_at) {
        Ok(t) => t,
        Err(e) => {
            errors.push(("occurred_at", lang.of(&e).to_string()));
            None
        }
    };
    for (field, e) in domain::protection::incident_problems(
        &form.narrative,
        &form.place,
        occurred_at.unwrap_or(now),
        now,
    ) {
        errors.push((field, lang.of(&e).to_string()));
    }
    let typed = form.petition.trim();
    let petition_id = if typed.is_empty() {
        None
    } else {
        match sp::petition_by_reference(&state.db, typed).await? {
            Some(id) => Some(id),
            None => {
                errors.push(("petition", lang.of(&no_such_petition(typed)).to_string()));
                None
            }
        }
    };
    if !errors.is_empty() {
        return Ok(Err(errors));
    }
    let text = |s: &str| Some(s.to_string());
    Ok(Ok(IncidentRequest {
        kind: form.kind.trim().to_string(),
        channel: form.channel.trim().to_string(),
        occurred_at,
        place: text(&form.place),
        petition_id,
        petition: None,
        petitioner_name: text(&form.petitioner_name),
        petitioner_phone: text(&form.petitioner_phone),
        narrative: text(&form.narrative),
        involved: None,
    }))
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
    /// The incident form as typed (blank on a fresh page).
    typed: Typed<IncidentForm>,
    /// The flag form as typed.
    flag: Typed<FlagForm>,
    /// The caller's standing panic-alert place and today's, with suggestions.
    place: PlaceView,
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
    home_page(
        &state,
        &ctx,
        caller,
        n.done.as_deref(),
        None,
        Forms::default(),
    )
    .await
    .or_page(&ctx)
}

/// The forms of the protection home as typed, when one comes back refused.
#[derive(Default)]
pub(crate) struct Forms {
    pub(crate) incident: Typed<IncidentForm>,
    pub(crate) flag: Typed<FlagForm>,
    pub(crate) place: Option<(String, String)>,
}

pub(crate) async fn home_page(
    state: &AppState,
    ctx: &Ctx,
    caller: &Caller,
    done: Option<&str>,
    error: Option<&ApiError>,
    forms: Forms,
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
            kinds: abuse_words(lang, &f.abuse_kinds),
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
    let place = place_view(state, caller, forms.place).await?;
    let page = HomePage {
        c: ctx.chrome(),
        typed: forms.incident,
        flag: forms.flag,
        place,
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
    PageForm(form): PageForm<IncidentForm>,
) -> PageResult {
    let caller = ctx.staff_or_refuse()?;
    let checked = read_incident_form(&state, ctx.lang, &form)
        .await
        .or_page(&ctx)?;
    let (error, errors) = match checked {
        Ok(req) => match record_incident(&state, caller, &req).await {
            Ok(i) => {
                let to = format!("/protection/incidents/{}?done=1", i.id);
                return Ok(Redirect::to(&to).into_response());
            }
            Err(e) => (e, Vec::new()),
        },
        Err(errors) => (invalid_form(), errors),
    };
    let forms = Forms {
        incident: Typed { form, errors },
        ..Forms::default()
    };
    home_page(&state, &ctx, caller, None, Some(&error), forms)
        .await
        .or_page(&ctx)
}

/// The page-level error of a form refused field by field (the fields say what is wrong).
pub(crate) fn invalid_form() -> ApiError {
    ApiError::new(
        StatusCode::BAD_REQUEST,
        "invalid_fields",
        "입력 내용을 확인해 주세요. 고칠 곳을 각 칸 옆에 표시했습니다",
        "Please check the form: what to correct is shown beside each field",
    )
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
    channel: String,
    when: String,
    place: String,
    petition: String,
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
    /// The details form: the incident as stored, or as typed when refused.
    details: Typed<IncidentForm>,
}

impl IncidentPage {
    /// Where the details form posts.
    fn details_action(&self) -> String {
        format!("/protection/incidents/{}", self.id)
    }
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
    incident_page_with(state, ctx, caller, id, done, error, typed, None).await
}

#[allow(clippy::too_many_arguments)]
pub(crate) async fn incident_page_with(
    state: &AppState,
    ctx: &Ctx,
    caller: &Caller,
    id: i64,
    done: Option<&str>,
    error: Option<&ApiError>,
    typed: Restriction,
    details: Option<Typed<IncidentForm>>,
) -> Result<Response, ApiError> {
    let lang = ctx.lang;
    let v: IncidentView = incident_view(state, caller, id).await?;
    let i = sp::get_incident(&state.db, id).await?;
    let petition = match i.petition_id {
        Some(p) => sp::petition_reference(&state.db, p).await?,
        None => String::new(),
    };
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
    let details = details.unwrap_or_else(|| {
        Typed::fresh(IncidentForm {
            kind: i.kind.as_str().into(),
            channel: i.channel.as_str().into(),
            occurred_at: calendar::to_seoul(i.occurred_at)
                .format("%Y-%m-%dT%H:%M")
                .to_string(),
            place: i.place.clone(),
            petition: petition.clone(),
            petitioner_name: v.petitioner_name.clone(),
            petitioner_phone: String::new(),
            narrative: v.narrative.clone(),
        })
    });
    let page = IncidentPage {
        c: ctx.chrome(),
        details,
        id,
        kind: named(lang, i.kind),
        channel: named(lang, i.channel),
        when: when(i.occurred_at),
        place: i.place.clone(),
        petition,
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
    incident_page(
        &state,
        &ctx,
        caller,
        id,
        n.done.as_deref(),
        None,
        Restriction::default(),
    )
    .await
    .or_page(&ctx)
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
    PageForm(form): PageForm<IncidentForm>,
) -> PageResult {
    let caller = ctx.staff_or_refuse()?;
    let checked = read_incident_form(&state, ctx.lang, &form)
        .await
        .or_page(&ctx)?;
    let (error, errors) = match checked {
        Ok(mut req) => {
            let result = async {
                // The page does not edit who else was involved: keep them.
                req.involved = Some(sp::get_incident(&state.db, id).await?.involved);
                amend_incident(&state, caller, id, &req).await
            }
            .await;
            match result {
                Ok(_) => {
                    let to = format!("/protection/incidents/{id}?done=1");
                    return Ok(Redirect::to(&to).into_response());
                }
                Err(e) => (e, Vec::new()),
            }
        }
        Err(errors) => (invalid_form(), errors),
    };
    let details = Some(Typed { form, errors });
    incident_page_with(
        &state,
        &ctx,
        caller,
        id,
        None,
        Some(&error),
        Restriction::default(),
        details,
    )
    .await
    .map_err(|_| ctx.fail(&error))
}
