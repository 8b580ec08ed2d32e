//! Frontline protection pages under `/protection`: incidents with the measures in legal order,
//! evidence with its SHA-256 and custody log, equipment, drills with the half-year reminder,
//! indicators, the contact timer and the panic button. Every form works without JavaScript;
//! `static/protection.js` adds the running timer and the live alert banner.

use crate::AppState;
use crate::kit::auth::Caller;
use crate::kit::error::ApiError;
use crate::kit::extract::{Multipart, Query};
use crate::kit::page::{Chrome, Ctx, Lang, when};
use crate::protection::api::{
    self as p, DrillHeldRequest, DrillRequest, EquipmentRequest, EvidenceView, IncidentRequest,
    IncidentView, IndicatorRow, MeasureRequest, MenuItem, Policy,
};
use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, Utc};
use domain::access::Action;
use domain::protection::{
    Channel, EquipmentKind, EvidenceKind, IncidentKind, MeasureKind, WarningReason,
};
use serde::Deserialize;
use std::collections::HashMap;
use store::protection as sp;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/protection", get(home))
        .route("/protection/panic", post(panic))
        .route("/protection/alerts/{id}", get(alert_page))
        .route("/protection/alerts/{id}/acknowledge", post(ack))
        .route("/protection/incidents", post(create))
        .route("/protection/flags", post(raise_flag))
        .route("/protection/petitions/{id}/history", get(history))
        .route("/protection/incidents/{id}", get(incident).post(amend))
        .route("/protection/incidents/{id}/measures", post(measure))
        .route("/protection/incidents/{id}/evidence", post(upload))
        .route("/protection/evidence/{id}", get(evidence))
        .route("/protection/evidence/{id}/download", get(download))
        .route("/protection/evidence/{id}/verify", post(verify))
        .route("/protection/evidence/{id}/handover", post(handover))
        .route("/protection/equipment", get(equipment).post(add_equipment))
        .route("/protection/equipment/{id}/issue", post(issue))
        .route("/protection/equipment/{id}/check", post(check))
        .route("/protection/drills", get(drills).post(plan))
        .route("/protection/drills/{id}/held", post(held))
        .route("/protection/indicators", get(indicators))
        .route(
            "/protection/contact",
            get(contact_start).post(contact_begin),
        )
        .route("/protection/contact/{id}", get(contact_page))
        .route("/protection/contact/{id}/warn", post(contact_warn))
        .route("/protection/contact/{id}/finish", post(contact_finish))
}

fn refuse(ctx: &Ctx) -> Response {
    match &ctx.caller {
        None => Redirect::to("/login").into_response(),
        Some(_) => ctx.error(&ApiError::forbidden()),
    }
}

/// A numeric id from the path, or a bilingual error page.
struct PageId(i64);

impl axum::extract::FromRequestParts<AppState> for PageId {
    type Rejection = Response;
    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        match crate::wellbeing::api::Id::from_request_parts(parts, state).await {
            Ok(crate::wellbeing::api::Id(id)) => Ok(PageId(id)),
            Err(e) => Err(e.into_response()),
        }
    }
}

/// A `datetime-local` value (Korean time) as UTC; empty is `None`.
fn local_time(s: &str) -> Result<Option<DateTime<Utc>>, ApiError> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(None);
    }
    NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M")
        .or_else(|_| NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S"))
        .map(|t| Some(t.and_utc() - Duration::hours(9)))
        .map_err(|_| {
            ApiError::bad_request(
                "bad_time",
                "일시 형식이 올바르지 않습니다",
                "the date and time are not valid",
            )
        })
}

/// A page, with the status of the error it reports (a refused form shows the page again).
fn show(ctx: &Ctx, page: &impl Template, error: Option<&ApiError>) -> Response {
    match error {
        Some(e) => ctx.render_status(e.status, page),
        None => ctx.render(page),
    }
}

fn label(lang: Lang, ko: &str, en: &str) -> String {
    lang.t(ko, en).to_string()
}

/// Account names for display.
async fn names(state: &AppState) -> Result<HashMap<i64, String>, ApiError> {
    Ok(store::office::accounts::list(&state.db, None)
        .await?
        .into_iter()
        .map(|a| (a.id, a.display_name))
        .collect())
}

fn name_of(names: &HashMap<i64, String>, id: i64) -> String {
    names.get(&id).cloned().unwrap_or_else(|| format!("#{id}"))
}

// ---------------------------------------------------------------------------------------------
// Home: incidents, alerts, record and flag
// ---------------------------------------------------------------------------------------------

struct Row {
    id: i64,
    when: String,
    kind: String,
    channel: String,
    place: String,
    reporter: String,
    from_alert: bool,
}

struct AlertRow {
    id: i64,
    when: String,
    who: String,
    place: String,
    acknowledged: bool,
}

struct Choice {
    value: &'static str,
    label: String,
}

fn choices<T: Copy>(
    lang: Lang,
    all: &[T],
    f: impl Fn(T) -> (&'static str, &'static str, &'static str),
) -> Vec<Choice> {
    all.iter()
        .map(|k| {
            let (v, ko, en) = f(*k);
            Choice {
                value: v,
                label: label(lang, ko, en),
            }
        })
        .collect()
}

fn kind_choices(lang: Lang) -> Vec<Choice> {
    choices(lang, &IncidentKind::ALL[1..], |k| {
        (k.as_str(), k.korean(), k.english())
    })
}

fn channel_choices(lang: Lang) -> Vec<Choice> {
    choices(lang, Channel::ALL, |k| {
        (k.as_str(), k.korean(), k.english())
    })
}

#[derive(Template)]
#[template(path = "protection/protection.html")]
struct HomePage {
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

struct ScreenedRow {
    id: i64,
    receipt: String,
    kinds: String,
    when: String,
}

struct FlagRow {
    when: String,
    channel: String,
    reason: String,
    by: String,
    petition_id: Option<i64>,
}

#[derive(Deserialize, Default)]
struct Notice {
    done: Option<String>,
}

async fn home(State(state): State<AppState>, ctx: Ctx, Query(n): Query<Notice>) -> Response {
    let Some(caller) = ctx.staff() else {
        return refuse(&ctx);
    };
    match home_page(&state, &ctx, caller, n.done.as_deref(), None).await {
        Ok(r) => r,
        Err(e) => ctx.error(&e),
    }
}

fn done_message(lang: Lang, done: Option<&str>) -> Option<String> {
    done.map(|_| label(lang, "저장했습니다.", "Saved."))
}

async fn home_page(
    state: &AppState,
    ctx: &Ctx,
    caller: &Caller,
    done: Option<&str>,
    error: Option<&ApiError>,
) -> Result<Response, ApiError> {
    let lang = ctx.lang;
    let policy = Policy::of(state, caller).await?;
    let names = names(state).await?;
    let rows = p::visible_incidents(state, caller, 365)
        .await?
        .iter()
        .map(|i| Row {
            id: i.id,
            when: when(i.occurred_at),
            kind: label(lang, i.kind.korean(), i.kind.english()),
            channel: label(lang, i.channel.korean(), i.channel.english()),
            place: i.place.clone(),
            reporter: name_of(&names, i.reported_by),
            from_alert: i.from_alert,
        })
        .collect();
    let alerts = p::visible_alerts(state, caller)
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
    let flagged = p::flags_view(state, caller).await?;
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
                .map(|c| label(lang, c.korean(), c.english()))
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
        error: error.map(|e| lang.t(&e.ko, &e.en).to_string()),
    };
    Ok(show(ctx, &page, error))
}

#[derive(Deserialize, Default)]
struct PanicForm {
    #[serde(default)]
    place: String,
}

/// The panic button of every staff page: works as a plain form post.
async fn panic(
    State(state): State<AppState>,
    ctx: Ctx,
    crate::kit::extract::Form(f): crate::kit::extract::Form<PanicForm>,
) -> Response {
    let Some(caller) = ctx.staff() else {
        return refuse(&ctx);
    };
    match p::panic_alert(&state, caller, &f.place, Channel::Counter).await {
        Ok((alert, _)) => Redirect::to(&format!("/protection/alerts/{}", alert.id)).into_response(),
        Err(e) => ctx.error(&e),
    }
}

async fn ack(State(state): State<AppState>, ctx: Ctx, PageId(id): PageId) -> Response {
    let Some(caller) = ctx.staff() else {
        return refuse(&ctx);
    };
    match p::acknowledge(&state, caller, id).await {
        Ok(_) => Redirect::to(&format!("/protection/alerts/{id}?done=ack")).into_response(),
        Err(e) => match alert_view(&state, &ctx, caller, id, None, Some(&e)).await {
            Ok(r) => r,
            Err(_) => ctx.error(&e),
        },
    }
}

struct DeliveryRow {
    who: String,
    role: String,
    channel: String,
    status: String,
    when: String,
    escalation: bool,
}

#[derive(Template)]
#[template(path = "protection/protection_alert.html")]
struct AlertPage {
    c: Chrome,
    id: i64,
    incident_id: i64,
    raised_by: String,
    place: String,
    when: String,
    reached: bool,
    summary: String,
    rows: Vec<DeliveryRow>,
    acknowledged: Option<String>,
    escalated: Option<String>,
    /// The one who pressed records what happened on the incident page.
    own: bool,
    /// A recipient may acknowledge (the server asks the policy again on the press).
    may_ack: bool,
    message: Option<String>,
    error: Option<String>,
}

/// The confirmation after a press, and the recipients' page of the alert.
async fn alert_page(
    State(state): State<AppState>,
    ctx: Ctx,
    PageId(id): PageId,
    Query(n): Query<Notice>,
) -> Response {
    let Some(caller) = ctx.staff() else {
        return refuse(&ctx);
    };
    match alert_view(&state, &ctx, caller, id, n.done.as_deref(), None).await {
        Ok(r) => r,
        Err(e) => ctx.error(&e),
    }
}

fn delivery_status(lang: Lang, channel: &str, status: &str) -> String {
    let (ko, en) = match (channel, status) {
        (_, "shown") => ("화면에 표시됨", "shown on screen"),
        (_, "waiting") => ("화면 접속 대기", "not on screen yet"),
        (_, "sent") => ("발송됨", "sent"),
        (_, "failed") => ("발송 실패", "failed"),
        (_, "sending") => ("발송 중", "sending"),
        _ => ("발송 대기", "queued"),
    };
    label(lang, ko, en)
}

async fn alert_view(
    state: &AppState,
    ctx: &Ctx,
    caller: &Caller,
    id: i64,
    done: Option<&str>,
    error: Option<&ApiError>,
) -> Result<Response, ApiError> {
    let lang = ctx.lang;
    let r = p::alert_receipt(state, caller, id).await?;
    let names = names(state).await?;
    let dept = match r.alert.department_id {
        Some(d) => store::office::departments::get(&state.db, d)
            .await
            .map(|d| d.name)
            .unwrap_or_default(),
        None => String::new(),
    };
    let (ko, en) = p::alert_summary(&r.recipients);
    let rows = r
        .recipients
        .iter()
        .map(|d| DeliveryRow {
            who: if d.name.is_empty() {
                d.address.clone()
            } else {
                format!("{} {}", d.name, d.address).trim().to_string()
            },
            role: domain::protection::AlertRole::parse(&d.role)
                .map(|k| label(lang, k.korean(), k.english()))
                .unwrap_or_else(|_| d.role.clone()),
            channel: domain::protection::AlertChannel::parse(&d.channel)
                .map(|k| label(lang, k.korean(), k.english()))
                .unwrap_or_else(|_| d.channel.clone()),
            status: delivery_status(lang, &d.channel, &d.status),
            when: d.at.map(when).unwrap_or_default(),
            escalation: d.round > 0,
        })
        .collect();
    let recipient = r
        .recipients
        .iter()
        .any(|d| d.account_id == Some(caller.account.id));
    let page = AlertPage {
        c: ctx.chrome(),
        id,
        incident_id: r.incident_id,
        raised_by: name_of(&names, r.alert.raised_by),
        place: format!("{dept} {}", r.alert.place).trim().to_string(),
        when: when(r.alert.at),
        reached: r.reached,
        summary: match lang {
            Lang::Ko => ko,
            Lang::En => en,
        },
        rows,
        acknowledged: r
            .alert
            .acknowledged_by
            .zip(r.alert.acknowledged_at)
            .map(|(by, at)| format!("{} · {}", name_of(&names, by), when(at))),
        escalated: r.alert.escalated_at.map(when),
        own: r.alert.raised_by == caller.account.id,
        may_ack: recipient && r.alert.acknowledged_at.is_none(),
        message: done.map(|_| {
            label(
                lang,
                "출동 확인을 기록했습니다.",
                "Your acknowledgement is recorded.",
            )
        }),
        error: error.map(|e| lang.t(&e.ko, &e.en).to_string()),
    };
    Ok(show(ctx, &page, error))
}

#[derive(Deserialize, Default)]
struct IncidentForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    channel: String,
    #[serde(default)]
    occurred_at: String,
    #[serde(default)]
    place: String,
    #[serde(default)]
    petition_id: String,
    #[serde(default)]
    petitioner_name: String,
    #[serde(default)]
    petitioner_phone: String,
    #[serde(default)]
    narrative: String,
}

impl IncidentForm {
    fn request(&self) -> Result<IncidentRequest, ApiError> {
        let petition_id = match self.petition_id.trim() {
            "" => None,
            s => Some(s.parse().map_err(|_| {
                ApiError::bad_request(
                    "bad_petition",
                    "민원 번호가 올바르지 않습니다",
                    "the petition number is not valid",
                )
            })?),
        };
        Ok(IncidentRequest {
            kind: self.kind.clone(),
            channel: self.channel.clone(),
            occurred_at: local_time(&self.occurred_at)?,
            place: Some(self.place.clone()),
            petition_id,
            petitioner_name: Some(self.petitioner_name.clone()),
            petitioner_phone: Some(self.petitioner_phone.clone()),
            narrative: Some(self.narrative.clone()),
            involved: None,
        })
    }
}

async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    crate::kit::extract::Form(f): crate::kit::extract::Form<IncidentForm>,
) -> Response {
    let Some(caller) = ctx.staff() else {
        return refuse(&ctx);
    };
    let result = async {
        let req = f.request()?;
        p::record_incident(&state, caller, &req).await
    }
    .await;
    match result {
        Ok(i) => Redirect::to(&format!("/protection/incidents/{}?done=1", i.id)).into_response(),
        Err(e) => match home_page(&state, &ctx, caller, None, Some(&e)).await {
            Ok(r) => r,
            Err(e) => ctx.error(&e),
        },
    }
}

#[derive(Deserialize, Default)]
struct FlagForm {
    #[serde(default)]
    channel: String,
    #[serde(default)]
    petition_id: String,
    #[serde(default)]
    petitioner_name: String,
    #[serde(default)]
    petitioner_phone: String,
    #[serde(default)]
    reason: String,
}

async fn raise_flag(
    State(state): State<AppState>,
    ctx: Ctx,
    crate::kit::extract::Form(f): crate::kit::extract::Form<FlagForm>,
) -> Response {
    let Some(caller) = ctx.staff() else {
        return refuse(&ctx);
    };
    let result = async {
        let petition_id = match f.petition_id.trim() {
            "" => None,
            s => Some(s.parse::<i64>().map_err(|_| {
                ApiError::bad_request(
                    "bad_petition",
                    "민원 번호가 올바르지 않습니다",
                    "the petition number is not valid",
                )
            })?),
        };
        let req = p::FlagRequest {
            petition_id,
            channel: f.channel.clone(),
            petitioner_name: Some(f.petitioner_name.clone()),
            petitioner_phone: Some(f.petitioner_phone.clone()),
            reason: f.reason.clone(),
        };
        p::flag(&state, caller, &req).await
    }
    .await;
    match result {
        Ok(_) => Redirect::to("/protection?done=1").into_response(),
        Err(e) => home_page(&state, &ctx, caller, None, Some(&e))
            .await
            .unwrap_or_else(|_| ctx.error(&e)),
    }
}

#[derive(Template)]
#[template(path = "protection/protection_history.html")]
struct HistoryPage {
    c: Chrome,
    petition_id: i64,
    incidents: i64,
    flags: i64,
    recent: Option<Vec<Row>>,
}

/// The petitioner's history, linked from the petition page: counts for the official,
/// the incidents for supervisors and protection officers.
async fn history(State(state): State<AppState>, ctx: Ctx, PageId(id): PageId) -> Response {
    let Some(caller) = ctx.staff() else {
        return refuse(&ctx);
    };
    let lang = ctx.lang;
    let r = async {
        let h = p::history(&state, caller, id).await?;
        let names = names(&state).await?;
        let recent = h.recent.map(|list| {
            list.into_iter()
                .map(|i| {
                    let kind = IncidentKind::parse(&i.kind).unwrap_or(IncidentKind::Unclassified);
                    let channel = Channel::parse(&i.channel).unwrap_or(Channel::Counter);
                    Row {
                        id: i.id,
                        when: when(i.occurred_at),
                        kind: label(lang, kind.korean(), kind.english()),
                        channel: label(lang, channel.korean(), channel.english()),
                        place: i.place,
                        reporter: name_of(&names, i.reported_by),
                        from_alert: i.from_alert,
                    }
                })
                .collect()
        });
        Ok::<_, ApiError>(ctx.render(&HistoryPage {
            c: ctx.chrome(),
            petition_id: id,
            incidents: h.incidents,
            flags: h.flags,
            recent,
        }))
    }
    .await;
    r.unwrap_or_else(|e| ctx.error(&e))
}

// ---------------------------------------------------------------------------------------------
// One incident
// ---------------------------------------------------------------------------------------------

struct MeasureRow {
    when: String,
    kind: String,
    actor: String,
    detail: String,
}

struct MenuRow {
    kind: String,
    label: String,
    refused: Option<String>,
}

struct EvidenceRow {
    id: i64,
    kind: String,
    filename: String,
    sha256: String,
    size: i64,
    when: String,
}

#[derive(Template)]
#[template(path = "protection/protection_incident.html")]
struct IncidentPage {
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
struct Restriction {
    start: String,
    end: String,
    reason: String,
    visits: bool,
    calls: bool,
    online: bool,
    error: Option<String>,
}

fn measure_detail(lang: Lang, m: &sp::Measure) -> String {
    let mut parts = Vec::new();
    if let Some(r) = m
        .warning_reason
        .as_deref()
        .and_then(|r| WarningReason::parse(r).ok())
    {
        parts.push(label(lang, r.korean(), r.english()));
    }
    if let (Some(s), Some(e)) = (m.restriction_start, m.restriction_end) {
        parts.push(format!("{} – {}", when(s), when(e)));
    }
    let covers = domain::protection::covers_from_text(&m.restriction_covers);
    if !covers.is_empty() {
        parts.push(
            covers
                .iter()
                .map(|c| label(lang, c.korean(), c.english()))
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

async fn incident_page(
    state: &AppState,
    ctx: &Ctx,
    caller: &Caller,
    id: i64,
    done: Option<&str>,
    error: Option<&ApiError>,
    typed: Restriction,
) -> Result<Response, ApiError> {
    let lang = ctx.lang;
    let v: IncidentView = p::incident_view(state, caller, id).await?;
    let i = sp::get_incident(&state.db, id).await?;
    let names = names(state).await?;
    let measures = v
        .measures
        .iter()
        .map(|m| MeasureRow {
            when: when(m.at),
            kind: MeasureKind::parse(&m.kind)
                .map(|k| label(lang, k.korean(), k.english()))
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
                .map(|k| label(lang, k.korean(), k.english()))
                .unwrap_or_default(),
            refused: m.refusal.as_ref().map(|r| lang.t(&r.ko, &r.en).to_string()),
        })
        .collect();
    let evidence = v.evidence.map(|list: Vec<EvidenceView>| {
        list.into_iter()
            .map(|e| EvidenceRow {
                id: e.id,
                kind: EvidenceKind::parse(&e.kind)
                    .map(|k| label(lang, k.korean(), k.english()))
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
        kind: label(lang, i.kind.korean(), i.kind.english()),
        kind_value: i.kind.as_str().into(),
        channel: label(lang, i.channel.korean(), i.channel.english()),
        channel_value: i.channel.as_str().into(),
        when: when(i.occurred_at),
        occurred_local: (i.occurred_at + Duration::hours(9))
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
        reasons: choices(lang, WarningReason::ALL, |k| {
            (k.as_str(), k.korean(), k.english())
        }),
        evidence_kinds: choices(lang, EvidenceKind::ALL, |k| {
            (k.as_str(), k.korean(), k.english())
        }),
        message: done_message(lang, done),
        error: error.map(|e| lang.t(&e.ko, &e.en).to_string()),
        typed,
    };
    Ok(show(ctx, &page, error))
}

async fn incident(
    State(state): State<AppState>,
    ctx: Ctx,
    PageId(id): PageId,
    Query(n): Query<Notice>,
) -> Response {
    let Some(caller) = ctx.staff() else {
        return refuse(&ctx);
    };
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
        Ok(r) => r,
        Err(e) => ctx.error(&e),
    }
}

/// After a refused change, the incident page again with the error (or the error page when the
/// incident itself cannot be shown).
async fn again(state: &AppState, ctx: &Ctx, caller: &Caller, id: i64, e: ApiError) -> Response {
    again_typed(state, ctx, caller, id, e, Restriction::default()).await
}

async fn again_typed(
    state: &AppState,
    ctx: &Ctx,
    caller: &Caller,
    id: i64,
    e: ApiError,
    typed: Restriction,
) -> Response {
    match incident_page(state, ctx, caller, id, None, Some(&e), typed).await {
        Ok(r) => r,
        Err(_) => ctx.error(&e),
    }
}

async fn amend(
    State(state): State<AppState>,
    ctx: Ctx,
    PageId(id): PageId,
    crate::kit::extract::Form(f): crate::kit::extract::Form<IncidentForm>,
) -> Response {
    let Some(caller) = ctx.staff() else {
        return refuse(&ctx);
    };
    let result = async {
        let mut req = f.request()?;
        // The page does not edit who else was involved: keep them.
        req.involved = Some(sp::get_incident(&state.db, id).await?.involved);
        p::amend_incident(&state, caller, id, &req).await
    }
    .await;
    match result {
        Ok(_) => Redirect::to(&format!("/protection/incidents/{id}?done=1")).into_response(),
        Err(e) => again(&state, &ctx, caller, id, e).await,
    }
}

#[derive(Deserialize, Default)]
struct MeasureForm {
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

async fn measure(
    State(state): State<AppState>,
    ctx: Ctx,
    PageId(id): PageId,
    crate::kit::extract::Form(f): crate::kit::extract::Form<MeasureForm>,
) -> Response {
    let Some(caller) = ctx.staff() else {
        return refuse(&ctx);
    };
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
        p::take_measure(&state, caller, id, &req).await
    }
    .await;
    match result {
        Ok(_) => {
            Redirect::to(&format!("/protection/incidents/{id}?done=1#measures")).into_response()
        }
        Err(e) if f.kind == "access_restricted" => {
            // The restriction form keeps what was typed, its error beside it.
            let typed = Restriction {
                start: f.restriction_start.clone(),
                end: f.restriction_end.clone(),
                reason: f.reason.clone(),
                visits: f.covers_visits.is_some(),
                calls: f.covers_calls.is_some(),
                online: f.covers_online.is_some(),
                error: Some(ctx.lang.t(&e.ko, &e.en).to_string()),
            };
            again_typed(&state, &ctx, caller, id, e, typed).await
        }
        Err(e) => again(&state, &ctx, caller, id, e).await,
    }
}

/// Evidence upload: a multipart form (the form token rides in the action's query), the file
/// streamed into the blob store.
async fn upload(
    State(state): State<AppState>,
    ctx: Ctx,
    PageId(id): PageId,
    mut mp: Multipart,
) -> Response {
    let Some(caller) = ctx.staff() else {
        return refuse(&ctx);
    };
    let result = async {
        let (incident, limits) = p::evidence_upload_target(&state, caller, id).await?;
        let mut kind = EvidenceKind::Document;
        let mut stored = None;
        while let Some(mut field) = mp.next_field().await.map_err(|e| {
            ApiError::bad_request(
                "bad_form",
                "양식을 읽을 수 없습니다",
                format!("the form could not be read: {e}"),
            )
        })? {
            match field.name() {
                Some("kind") => {
                    let text = field.text().await.unwrap_or_default();
                    kind = EvidenceKind::parse(text.trim())?;
                }
                Some("file") => {
                    let name = field.file_name().unwrap_or_default().to_string();
                    let blob = crate::petitions::resident_pages::store_file_within(
                        &state, &mut field, &limits,
                    )
                    .await
                    .map_err(|e| p::evidence_error(e, &limits))?;
                    stored = Some((blob, name));
                }
                _ => {}
            }
        }
        let (blob, name) = stored.ok_or_else(|| {
            ApiError::bad_request("file_required", "파일을 고르세요", "choose a file")
        })?;
        p::attach_evidence(&state, caller, &incident, kind, &blob, &name).await
    }
    .await;
    match result {
        Ok(e) => Redirect::to(&format!("/protection/evidence/{}?done=1", e.id)).into_response(),
        Err(e) => again(&state, &ctx, caller, id, e).await,
    }
}

// ---------------------------------------------------------------------------------------------
// Evidence
// ---------------------------------------------------------------------------------------------

struct CustodyRow {
    when: String,
    action: String,
    actor: String,
    detail: String,
    alarm: bool,
}

#[derive(Template)]
#[template(path = "protection/protection_evidence.html")]
struct EvidencePage {
    c: Chrome,
    id: i64,
    incident_id: i64,
    kind: String,
    filename: String,
    content_type: String,
    size: i64,
    sha256: String,
    custody: Vec<CustodyRow>,
    retention_days: i64,
    message: Option<String>,
    error: Option<String>,
}

async fn evidence_page(
    state: &AppState,
    ctx: &Ctx,
    caller: &Caller,
    id: i64,
    message: Option<String>,
    error: Option<&ApiError>,
) -> Result<Response, ApiError> {
    let lang = ctx.lang;
    let v = p::evidence_view(state, caller, id).await?;
    let names = names(state).await?;
    let custody = v
        .custody
        .unwrap_or_default()
        .into_iter()
        .map(|c| {
            let action = domain::protection::CustodyAction::parse(&c.action);
            CustodyRow {
                when: when(c.at),
                alarm: c.action == "mismatch",
                action: action
                    .map(|a| label(lang, a.korean(), a.english()))
                    .unwrap_or(c.action),
                actor: c.actor_id.map(|a| name_of(&names, a)).unwrap_or_default(),
                detail: c.detail,
            }
        })
        .collect();
    let page = EvidencePage {
        c: ctx.chrome(),
        id: v.id,
        incident_id: v.incident_id,
        kind: EvidenceKind::parse(&v.kind)
            .map(|k| label(lang, k.korean(), k.english()))
            .unwrap_or(v.kind),
        filename: v.filename,
        content_type: v.content_type,
        size: v.size,
        sha256: v.sha256,
        custody,
        retention_days: sp::evidence_retention_days(&state.db).await?,
        message,
        error: error.map(|e| lang.t(&e.ko, &e.en).to_string()),
    };
    Ok(show(ctx, &page, error))
}

async fn evidence(
    State(state): State<AppState>,
    ctx: Ctx,
    PageId(id): PageId,
    Query(n): Query<Notice>,
) -> Response {
    let Some(caller) = ctx.staff() else {
        return refuse(&ctx);
    };
    let msg = done_message(ctx.lang, n.done.as_deref());
    match evidence_page(&state, &ctx, caller, id, msg, None).await {
        Ok(r) => r,
        Err(e) => ctx.error(&e),
    }
}

async fn download(
    State(state): State<AppState>,
    ctx: Ctx,
    PageId(id): PageId,
    crate::kit::extract::Query(q): crate::kit::extract::Query<
        crate::office::privacy_review::ReasonQuery,
    >,
) -> Response {
    let Some(caller) = ctx.staff() else {
        return refuse(&ctx);
    };
    // No file without a stated reason: ask for it, keeping what was typed.
    let reason = match crate::office::privacy_review::page_reason(
        &ctx,
        q.reason.as_deref(),
        &format!("/protection/evidence/{id}/download"),
    ) {
        Ok(r) => r,
        Err(form) => return *form,
    };
    match p::download(&state, caller, id, &reason).await {
        Ok(r) => r,
        Err(e) => match evidence_page(&state, &ctx, caller, id, None, Some(&e)).await {
            Ok(r) => r,
            Err(_) => ctx.error(&e),
        },
    }
}

async fn verify(State(state): State<AppState>, ctx: Ctx, PageId(id): PageId) -> Response {
    let Some(caller) = ctx.staff() else {
        return refuse(&ctx);
    };
    let result = async {
        let (e, _) = p::evidence_for(&state, caller, id, Action::Read).await?;
        p::verify(&state, caller, &e).await
    }
    .await;
    let lang = ctx.lang;
    let outcome = match result {
        Ok(v) if v.intact => {
            evidence_page(
                &state,
                &ctx,
                caller,
                id,
                Some(label(
                    lang,
                    "파일이 등록 당시의 SHA-256과 일치합니다.",
                    "The file matches the SHA-256 recorded at upload.",
                )),
                None,
            )
            .await
        }
        Ok(_) => {
            let e = ApiError::new(
                axum::http::StatusCode::CONFLICT,
                "evidence_mismatch",
                "파일이 등록 당시의 SHA-256과 다릅니다. 변경되었거나 손상되었습니다",
                "the file no longer matches the SHA-256 recorded at upload: altered or damaged",
            );
            evidence_page(&state, &ctx, caller, id, None, Some(&e)).await
        }
        Err(e) => Err(e),
    };
    outcome.unwrap_or_else(|e| ctx.error(&e))
}

#[derive(Deserialize, Default)]
struct HandoverForm {
    #[serde(default)]
    recipient: String,
}

async fn handover(
    State(state): State<AppState>,
    ctx: Ctx,
    PageId(id): PageId,
    crate::kit::extract::Form(f): crate::kit::extract::Form<HandoverForm>,
) -> Response {
    let Some(caller) = ctx.staff() else {
        return refuse(&ctx);
    };
    match p::hand_over(&state, caller, id, &f.recipient).await {
        Ok(()) => Redirect::to(&format!("/protection/evidence/{id}?done=1")).into_response(),
        Err(e) => evidence_page(&state, &ctx, caller, id, None, Some(&e))
            .await
            .unwrap_or_else(|_| ctx.error(&e)),
    }
}

// ---------------------------------------------------------------------------------------------
// Equipment
// ---------------------------------------------------------------------------------------------

struct EquipmentRow {
    id: i64,
    kind: String,
    label: String,
    location: String,
    holder: String,
    issued: String,
    checked: String,
    faulty: bool,
}

struct Person {
    id: i64,
    name: String,
}

#[derive(Template)]
#[template(path = "protection/protection_equipment.html")]
struct EquipmentPage {
    c: Chrome,
    rows: Vec<EquipmentRow>,
    kinds: Vec<Choice>,
    people: Vec<Person>,
    message: Option<String>,
    error: Option<String>,
}

async fn equipment_page(
    state: &AppState,
    ctx: &Ctx,
    caller: &Caller,
    done: Option<&str>,
    error: Option<&ApiError>,
) -> Result<Response, ApiError> {
    let lang = ctx.lang;
    let policy = p::require_oversight(state, caller).await?;
    let names = names(state).await?;
    let rows = sp::equipment(&state.db)
        .await?
        .into_iter()
        .filter(|e| p::dept_visible(&policy, e.department_id, Action::Read))
        .map(|e| EquipmentRow {
            id: e.id,
            kind: EquipmentKind::parse(&e.kind)
                .map(|k| label(lang, k.korean(), k.english()))
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
        kinds: choices(lang, EquipmentKind::ALL, |k| {
            (k.as_str(), k.korean(), k.english())
        }),
        people,
        message: done_message(lang, done),
        error: error.map(|e| lang.t(&e.ko, &e.en).to_string()),
    };
    Ok(show(ctx, &page, error))
}

async fn equipment(State(state): State<AppState>, ctx: Ctx, Query(n): Query<Notice>) -> Response {
    let Some(caller) = ctx.staff() else {
        return refuse(&ctx);
    };
    equipment_page(&state, &ctx, caller, n.done.as_deref(), None)
        .await
        .unwrap_or_else(|e| ctx.error(&e))
}

/// After a change on the equipment page: back to it, or the page again with the error.
async fn equipment_done<T>(
    state: &AppState,
    ctx: &Ctx,
    caller: &Caller,
    r: Result<T, ApiError>,
) -> Response {
    match r {
        Ok(_) => Redirect::to("/protection/equipment?done=1").into_response(),
        Err(e) => equipment_page(state, ctx, caller, None, Some(&e))
            .await
            .unwrap_or_else(|_| ctx.error(&e)),
    }
}

#[derive(Deserialize, Default)]
struct EquipmentForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    label: String,
    #[serde(default)]
    location: String,
}

async fn add_equipment(
    State(state): State<AppState>,
    ctx: Ctx,
    crate::kit::extract::Form(f): crate::kit::extract::Form<EquipmentForm>,
) -> Response {
    let Some(caller) = ctx.staff() else {
        return refuse(&ctx);
    };
    let req = EquipmentRequest {
        kind: f.kind,
        label: f.label,
        location: Some(f.location),
        department_id: None,
    };
    let r = p::register_equipment(&state, caller, &req).await;
    equipment_done(&state, &ctx, caller, r).await
}

#[derive(Deserialize, Default)]
struct IssueForm {
    #[serde(default)]
    holder_id: String,
}

async fn issue(
    State(state): State<AppState>,
    ctx: Ctx,
    PageId(id): PageId,
    crate::kit::extract::Form(f): crate::kit::extract::Form<IssueForm>,
) -> Response {
    let Some(caller) = ctx.staff() else {
        return refuse(&ctx);
    };
    let holder = f.holder_id.trim().parse::<i64>().ok();
    let r = p::issue(&state, caller, id, holder).await;
    equipment_done(&state, &ctx, caller, r).await
}

#[derive(Deserialize, Default)]
struct CheckForm {
    #[serde(default)]
    ok: String,
    #[serde(default)]
    fault: String,
}

async fn check(
    State(state): State<AppState>,
    ctx: Ctx,
    PageId(id): PageId,
    crate::kit::extract::Form(f): crate::kit::extract::Form<CheckForm>,
) -> Response {
    let Some(caller) = ctx.staff() else {
        return refuse(&ctx);
    };
    let r = p::check(&state, caller, id, f.ok == "yes", &f.fault).await;
    equipment_done(&state, &ctx, caller, r).await
}

// ---------------------------------------------------------------------------------------------
// Drills
// ---------------------------------------------------------------------------------------------

struct DrillRow {
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
struct DrillsPage {
    c: Chrome,
    rows: Vec<DrillRow>,
    reminder: Option<String>,
    today: String,
    message: Option<String>,
    error: Option<String>,
}

async fn drills_page(
    state: &AppState,
    ctx: &Ctx,
    caller: &Caller,
    done: Option<&str>,
    error: Option<&ApiError>,
) -> Result<Response, ApiError> {
    let lang = ctx.lang;
    let v = p::drills_view(state, caller).await?;
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
        reminder: v.reminder_parts.map(|m| lang.t(&m.ko, &m.en).to_string()),
        today: domain::protection::local_date(store::now()).to_string(),
        message: done_message(lang, done),
        error: error.map(|e| lang.t(&e.ko, &e.en).to_string()),
    };
    Ok(show(ctx, &page, error))
}

/// After a change on the drills page: back to it, or the page again with the error.
async fn drills_done<T>(
    state: &AppState,
    ctx: &Ctx,
    caller: &Caller,
    r: Result<T, ApiError>,
) -> Response {
    match r {
        Ok(_) => Redirect::to("/protection/drills?done=1").into_response(),
        Err(e) => drills_page(state, ctx, caller, None, Some(&e))
            .await
            .unwrap_or_else(|_| ctx.error(&e)),
    }
}

async fn drills(State(state): State<AppState>, ctx: Ctx, Query(n): Query<Notice>) -> Response {
    let Some(caller) = ctx.staff() else {
        return refuse(&ctx);
    };
    drills_page(&state, &ctx, caller, n.done.as_deref(), None)
        .await
        .unwrap_or_else(|e| ctx.error(&e))
}

#[derive(Deserialize, Default)]
struct DrillForm {
    #[serde(default)]
    planned_on: String,
    #[serde(default)]
    scenario: String,
    #[serde(default)]
    partner: String,
}

async fn plan(
    State(state): State<AppState>,
    ctx: Ctx,
    crate::kit::extract::Form(f): crate::kit::extract::Form<DrillForm>,
) -> Response {
    let Some(caller) = ctx.staff() else {
        return refuse(&ctx);
    };
    let r = async {
        let planned_on =
            NaiveDate::parse_from_str(f.planned_on.trim(), "%Y-%m-%d").map_err(|_| {
                ApiError::bad_request(
                    "bad_date",
                    "날짜 형식이 올바르지 않습니다",
                    "the date is not valid",
                )
            })?;
        let req = DrillRequest {
            planned_on,
            scenario: f.scenario.clone(),
            partner: Some(f.partner.clone()),
            department_id: None,
        };
        p::plan(&state, caller, &req).await
    }
    .await;
    drills_done(&state, &ctx, caller, r).await
}

#[derive(Deserialize, Default)]
struct HeldForm {
    #[serde(default)]
    held_at: String,
    #[serde(default)]
    participants: String,
    #[serde(default)]
    after_action: String,
    #[serde(default)]
    fixes: String,
}

async fn held(
    State(state): State<AppState>,
    ctx: Ctx,
    PageId(id): PageId,
    crate::kit::extract::Form(f): crate::kit::extract::Form<HeldForm>,
) -> Response {
    let Some(caller) = ctx.staff() else {
        return refuse(&ctx);
    };
    let r = async {
        let req = DrillHeldRequest {
            held_at: local_time(&f.held_at)?,
            participants: f.participants.clone(),
            after_action: Some(f.after_action.clone()),
            fixes: Some(f.fixes.clone()),
        };
        p::held(&state, caller, id, &req).await
    }
    .await;
    drills_done(&state, &ctx, caller, r).await
}

// ---------------------------------------------------------------------------------------------
// Indicators
// ---------------------------------------------------------------------------------------------

struct IndicatorLine {
    month: String,
    department: String,
    calls: i64,
    recorded: String,
    incidents: i64,
    responded: i64,
    response: String,
    measures: i64,
    drills: i64,
    support: i64,
}

#[derive(Template)]
#[template(path = "protection/protection_indicators.html")]
struct IndicatorsPage {
    c: Chrome,
    rows: Vec<IndicatorLine>,
    from: String,
    to: String,
}

#[derive(Deserialize, Default)]
struct RangeForm {
    from: Option<String>,
    to: Option<String>,
}

async fn indicators(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<RangeForm>,
) -> Response {
    let Some(caller) = ctx.staff() else {
        return refuse(&ctx);
    };
    let rows = match p::compute_indicators(&state, caller, q.from.as_deref(), q.to.as_deref()).await
    {
        Ok(r) => r,
        Err(e) => return ctx.error(&e),
    };
    let rows = rows
        .into_iter()
        .map(|r: IndicatorRow| {
            let i = r.indicators;
            IndicatorLine {
                month: r.month,
                department: if r.department_id.is_none() {
                    label(ctx.lang, "전체", "Whole office")
                } else {
                    r.department_name
                },
                calls: i.calls,
                recorded: i
                    .recorded_share
                    .map(|s| format!("{:.0}%", s * 100.0))
                    .unwrap_or_else(|| "–".into()),
                incidents: i.incidents,
                responded: i.responded,
                response: i
                    .mean_response_minutes
                    .map(|m| format!("{m:.1}"))
                    .unwrap_or_else(|| "–".into()),
                measures: i.measures.values().sum(),
                drills: i.drills_held,
                support: i.support_given,
            }
        })
        .collect();
    ctx.render(&IndicatorsPage {
        c: ctx.chrome(),
        rows,
        from: q.from.unwrap_or_default(),
        to: q.to.unwrap_or_default(),
    })
}

// ---------------------------------------------------------------------------------------------
// Contact timer
// ---------------------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "protection/protection_contact.html")]
struct ContactPage {
    c: Chrome,
    contact: Option<ContactShown>,
    reasons: Vec<Choice>,
    message: Option<String>,
    error: Option<String>,
}

struct ContactShown {
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

async fn contact_render(
    state: &AppState,
    ctx: &Ctx,
    contact: Option<sp::Contact>,
    done: Option<&str>,
    error: Option<&ApiError>,
) -> Result<Response, ApiError> {
    let lang = ctx.lang;
    let shown = match contact {
        Some(c) => {
            let v = p::contact_view(state, c).await?;
            let ch = Channel::parse(&v.contact.channel)?;
            Some(ContactShown {
                id: v.contact.id,
                channel: label(lang, ch.korean(), ch.english()),
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
                    .map(|r| lang.t(&r.notice_parts.ko, &r.notice_parts.en).to_string())
                    .collect(),
            })
        }
        None => None,
    };
    let page = ContactPage {
        c: ctx.chrome(),
        contact: shown,
        reasons: choices(lang, WarningReason::ALL, |k| {
            (k.as_str(), k.korean(), k.english())
        }),
        message: done_message(lang, done),
        error: error.map(|e| lang.t(&e.ko, &e.en).to_string()),
    };
    Ok(show(ctx, &page, error))
}

async fn contact_start(State(state): State<AppState>, ctx: Ctx) -> Response {
    if ctx.staff().is_none() {
        return refuse(&ctx);
    }
    contact_render(&state, &ctx, None, None, None)
        .await
        .unwrap_or_else(|e| ctx.error(&e))
}

#[derive(Deserialize, Default)]
struct ContactForm {
    #[serde(default)]
    channel: String,
    #[serde(default)]
    recorded: Option<String>,
    #[serde(default)]
    petitioner_name: String,
    #[serde(default)]
    petitioner_phone: String,
}

async fn contact_begin(
    State(state): State<AppState>,
    ctx: Ctx,
    crate::kit::extract::Form(f): crate::kit::extract::Form<ContactForm>,
) -> Response {
    let Some(caller) = ctx.staff() else {
        return refuse(&ctx);
    };
    let who = (f.petitioner_name.as_str(), f.petitioner_phone.as_str());
    match p::begin_contact(&state, caller, &f.channel, f.recorded.is_some(), who).await {
        Ok(v) => Redirect::to(&format!("/protection/contact/{}", v.contact.id)).into_response(),
        Err(e) => contact_render(&state, &ctx, None, None, Some(&e))
            .await
            .unwrap_or_else(|_| ctx.error(&e)),
    }
}

async fn contact_page(
    State(state): State<AppState>,
    ctx: Ctx,
    PageId(id): PageId,
    Query(n): Query<Notice>,
) -> Response {
    let Some(caller) = ctx.staff() else {
        return refuse(&ctx);
    };
    let r = async {
        let c = p::own_contact(&state, caller, id).await?;
        contact_render(&state, &ctx, Some(c), n.done.as_deref(), None).await
    }
    .await;
    r.unwrap_or_else(|e| ctx.error(&e))
}

/// The contact page again with an error.
async fn contact_again(
    state: &AppState,
    ctx: &Ctx,
    caller: &Caller,
    id: i64,
    e: ApiError,
) -> Response {
    match p::own_contact(state, caller, id).await {
        Ok(c) => contact_render(state, ctx, Some(c), None, Some(&e))
            .await
            .unwrap_or_else(|_| ctx.error(&e)),
        Err(_) => ctx.error(&e),
    }
}

#[derive(Deserialize, Default)]
struct WarnForm {
    #[serde(default)]
    reason: String,
}

async fn contact_warn(
    State(state): State<AppState>,
    ctx: Ctx,
    PageId(id): PageId,
    crate::kit::extract::Form(f): crate::kit::extract::Form<WarnForm>,
) -> Response {
    let Some(caller) = ctx.staff() else {
        return refuse(&ctx);
    };
    match p::warn(&state, caller, id, &f.reason).await {
        Ok(_) => Redirect::to(&format!("/protection/contact/{id}?done=1")).into_response(),
        Err(e) => contact_again(&state, &ctx, caller, id, e).await,
    }
}

#[derive(Deserialize, Default)]
struct FinishForm {
    #[serde(default)]
    ended_by_official: String,
}

async fn contact_finish(
    State(state): State<AppState>,
    ctx: Ctx,
    PageId(id): PageId,
    crate::kit::extract::Form(f): crate::kit::extract::Form<FinishForm>,
) -> Response {
    let Some(caller) = ctx.staff() else {
        return refuse(&ctx);
    };
    match p::finish(&state, caller, id, f.ended_by_official == "yes").await {
        Ok(_) => Redirect::to(&format!("/protection/contact/{id}?done=1")).into_response(),
        Err(e) => contact_again(&state, &ctx, caller, id, e).await,
    }
}

/// For the live banner: whether this role's screens subscribe to alerts (the stream itself
/// asks the policy for each alert).
/// Every staff member listens: the security desk or the office head may be anyone, and a
/// supervisor need not have a department.
pub fn listens(caller: Option<&Caller>) -> bool {
    caller.is_some_and(|c| c.account.role.is_staff())
}
