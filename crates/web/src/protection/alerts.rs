//! Panic alerts (비상호출): the press, the line of recipients, escalation, the live stream of
//! server-sent events and its PostgreSQL relay, the confirmation page and "on my way".

use super::targets::{Policy, incident_subject};
use super::views::{Notice, PageId, label, name_of, named, names, show};
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
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{DateTime, Duration, Utc};
use domain::access::{self, Action, Actor, Capability, OrgChart, Target};
use domain::protection::{self as rules, Channel};
use domain::{AccountId, DepartmentId};
use serde::{Deserialize, Serialize};
use std::convert::Infallible;
use std::sync::Arc;
use store::protection::{self as sp, Alert, Incident};
use tokio::sync::{broadcast, watch};
use utoipa::ToSchema;

/// What the protection capability keeps besides the database: the live alert channel.
pub struct Live {
    pub alerts: broadcast::Sender<Arc<AlertEvent>>,
    /// Turns true when the server shuts down, so open event streams end and the graceful
    /// shutdown does not wait on them forever.
    pub stopping: watch::Sender<bool>,
    /// (alert, escalated, place) already pushed: the process that took the press pushes at
    /// once and hears its own PostgreSQL notification again, which must not show twice; the
    /// place said after the press is pushed again, so banners show where to go.
    published: std::sync::Mutex<std::collections::VecDeque<(i64, bool, String)>>,
}

impl Live {
    pub fn new() -> Self {
        let (alerts, _) = broadcast::channel(64);
        let (stopping, _) = watch::channel(false);
        Self {
            alerts,
            stopping,
            published: std::sync::Mutex::new(std::collections::VecDeque::new()),
        }
    }

    /// Push an alert to this process's screens, once per alert and round.
    pub fn publish(&self, ev: AlertEvent) {
        let key = (ev.id, ev.escalated, ev.place.clone());
        {
            let Ok(mut seen) = self.published.lock() else {
                return;
            };
            if seen.contains(&key) {
                return;
            }
            seen.push_back(key);
            while seen.len() > 512 {
                seen.pop_front();
            }
        }
        // No subscriber is not an error: the outbox still carries the alert.
        let _ = self.alerts.send(Arc::new(ev));
    }
}

impl Default for Live {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for Live {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Live")
    }
}

/// One panic alert as pushed to screens.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AlertEvent {
    pub id: i64,
    pub incident_id: i64,
    pub raised_by: AccountId,
    pub raised_by_name: String,
    pub department_id: Option<DepartmentId>,
    pub department_name: String,
    pub place: String,
    pub at: DateTime<Utc>,
    /// Sent again to the next in line, nobody having acknowledged it in time.
    pub escalated: bool,
    /// Where to go: the alert's page (who was told, "on my way").
    pub url: String,
    /// The accounts it was sent to (the stream shows it to them whatever their division).
    #[serde(skip)]
    pub recipients: Vec<AccountId>,
}

/// Setting: seconds before an unacknowledged alert goes to the next in line.
pub const ESCALATION_KEY: &str = "protection.alert_escalation_seconds";

/// The escalation delay in force: the setting, else the default.
pub(crate) async fn escalation_seconds(db: &store::Db) -> Result<i64, ApiError> {
    Ok(store::office::settings::get(db, ESCALATION_KEY)
        .await?
        .and_then(|v| rules::parse_escalation_seconds(&v).ok())
        .unwrap_or(rules::ALERT_ESCALATION_SECONDS))
}

/// An active staff account by username (the office head and a security desk account).
pub(crate) fn staff_named<'a>(
    all: &'a [store::office::accounts::Account],
    username: &str,
) -> Option<&'a store::office::accounts::Account> {
    all.iter()
        .find(|a| a.username == username.trim() && a.active && a.role.is_staff())
}

/// Everything the alert line is computed from, read once.
pub(crate) struct LineInputs {
    all: Vec<store::office::accounts::Account>,
    staff: Vec<rules::AlertStaff>,
    org: OrgChart,
    desk: Option<rules::SecurityDesk>,
    office_head: Option<AccountId>,
}

pub(crate) async fn line_inputs(db: &store::Db) -> Result<LineInputs, ApiError> {
    let all = store::office::accounts::list(db, None).await?;
    let org = store::office::departments::org_chart(db).await?;
    let staff = all
        .iter()
        .filter(|a| a.role.is_staff())
        .map(|a| rules::AlertStaff {
            id: a.id,
            role: a.role,
            department_id: a.department_id,
            active: a.active,
        })
        .collect();
    let desk_setting = store::office::settings::get(db, sp::SECURITY_DESK_KEY)
        .await?
        .unwrap_or_default();
    // A setting that no longer parses or names a removed account reaches nobody; the
    // confirmation then says so instead of pretending.
    let desk = match rules::parse_security_desk(&desk_setting).ok().flatten() {
        Some(rules::DeskAddress::Email(a)) => Some(rules::SecurityDesk::Email(a)),
        Some(rules::DeskAddress::Sms(a)) => Some(rules::SecurityDesk::Sms(a)),
        Some(rules::DeskAddress::Username(u)) => {
            staff_named(&all, &u).map(|a| rules::SecurityDesk::Account(a.id))
        }
        None => None,
    };
    // The head of the civil-affairs office is a flag on their account (`accounts.office_head`),
    // the same one that shows them late petitions of every department.
    let office_head = all
        .iter()
        .find(|a| a.office_head && a.active && a.role.is_staff())
        .map(|a| a.id);
    Ok(LineInputs {
        all,
        staff,
        org,
        desk,
        office_head,
    })
}

/// Recipients as addressees: accounts with their phone and mail, bare addresses as they are.
pub(crate) fn addressees(
    all: &[store::office::accounts::Account],
    line: &[rules::AlertRecipient],
) -> Vec<sp::AlertAddressee> {
    line.iter()
        .filter_map(|r| match &r.reach {
            rules::AlertReach::Account(id) => {
                all.iter()
                    .find(|a| a.id == *id)
                    .map(|a| sp::AlertAddressee {
                        account_id: Some(a.id),
                        role: r.role,
                        phone: a.phone.clone(),
                        email: a.email.clone(),
                    })
            }
            rules::AlertReach::Sms(n) => Some(sp::AlertAddressee {
                account_id: None,
                role: r.role,
                phone: n.clone(),
                email: String::new(),
            }),
            rules::AlertReach::Email(m) => Some(sp::AlertAddressee {
                account_id: None,
                role: r.role,
                phone: String::new(),
                email: m.clone(),
            }),
        })
        .collect()
}

/// The message every channel carries: who, where, when, and the page to open.
pub(crate) fn alert_message(
    who: &str,
    where_: &str,
    at: DateTime<Utc>,
    alert_id: i64,
    again: bool,
) -> (String, String) {
    let subject = if again {
        "[긴급·재알림] 민원실 비상호출 미확인 (panic alert not yet acknowledged)"
    } else {
        "[긴급] 민원실 비상호출 (panic alert)"
    };
    let at = at.format("%Y-%m-%d %H:%M:%S UTC");
    let (again_ko, again_en) = if again {
        ("[미확인 재알림] ", "[not yet acknowledged] ")
    } else {
        ("", "")
    };
    let body = format!(
        "{again_ko}{who} 님이 비상호출을 눌렀습니다: {where_}, {at}.\n{again_en}{who} raised a panic alert: {where_}, {at}.\n/protection/alerts/{alert_id}"
    );
    (subject.to_string(), body)
}

pub(crate) async fn department_name(db: &store::Db, d: Option<DepartmentId>) -> String {
    match d {
        Some(d) => store::office::departments::get(db, d)
            .await
            .map(|d| d.name)
            .unwrap_or_default(),
        None => String::new(),
    }
}

pub(crate) fn place_text(dept_name: &str, place: &str) -> String {
    if place.is_empty() {
        dept_name.to_string()
    } else {
        format!("{dept_name} {place}").trim().to_string()
    }
}

/// Raise a panic alert: the alert, the start of its incident, a row per recipient and channel
/// with its outbox message, one transaction; then the live push (after commit, so nobody is
/// sent to an alert that does not exist). On PostgreSQL the commit also notifies every other
/// app server (`pg_notify`), whose relay pushes it to their screens.
pub(crate) async fn panic_alert(
    state: &AppState,
    caller: &Caller,
    req: &AlertRequest,
) -> Result<(Alert, Incident), ApiError> {
    if !caller.account.role.is_staff() {
        return Err(ApiError::forbidden());
    }
    // The panic button of the pages is at the counter.
    let channel = Channel::parse(req.channel.as_deref().unwrap_or("counter"))?;
    // Where: as sent, else the caller's standing place, else where they said they were on
    // today's first press; unknown, the confirmation page asks at once (never before alerting).
    let remembered = sp::alert_place(&state.db, caller.account.id).await?;
    let place = match req.place.as_deref().map(str::trim) {
        Some(p) if !p.is_empty() => p,
        _ => remembered.for_today(today()),
    };
    let inputs = line_inputs(&state.db).await?;
    let line = rules::alert_recipients(
        caller.account.id,
        caller.account.department_id,
        &inputs.org,
        &inputs.staff,
        inputs.desk.as_ref(),
        inputs.office_head,
    );
    let to = addressees(&inputs.all, &line);
    let dept_name = department_name(&state.db, caller.account.department_id).await;
    let trimmed: String = place.trim().chars().take(rules::MAX_SHORT_CHARS).collect();
    let where_ = place_text(&dept_name, &trimmed);
    let now = store::now();
    let who = caller.account.display_name.clone();
    let mut tx = state.db.begin().await?;
    // The message links the alert's page, whose id the store knows once it is written.
    let message = |alert_id: i64| alert_message(&who, &where_, now, alert_id, false);
    let (alert, incident) = sp::raise_alert(
        &mut tx,
        caller.account.id,
        caller.account.department_id,
        place,
        channel,
        &to,
        &message,
        now,
    )
    .await?;
    crate::commit_logged(
        tx,
        caller,
        &incident_subject(incident.id),
        "protection.panic",
        &alert.place,
    )
    .await?;
    if let Ok(ev) = alert_event(&state.db, alert.id).await {
        state.protection.publish(ev);
    }
    Ok((alert, incident))
}

/// Today in Korea.
fn today() -> chrono::NaiveDate {
    calendar::to_seoul(store::now()).date_naive()
}

/// The panic-alert place of the protection home: the caller's standing place, today's choice,
/// and the places others use as suggestions.
pub(crate) struct PlaceView {
    pub(crate) standing: String,
    pub(crate) today: String,
    pub(crate) suggestions: Vec<String>,
    /// Typed and refused, with why.
    pub(crate) error: Option<String>,
}

pub(crate) async fn place_view(
    state: &AppState,
    caller: &Caller,
    refused: Option<(String, String)>,
) -> Result<PlaceView, ApiError> {
    let p = sp::alert_place(&state.db, caller.account.id).await?;
    let today = if p.chosen_on == today().to_string() {
        p.chosen.clone()
    } else {
        String::new()
    };
    let (standing, error) = match refused {
        Some((typed, error)) => (typed, Some(error)),
        None => (p.standing, None),
    };
    Ok(PlaceView {
        standing,
        today,
        suggestions: sp::known_places(&state.db).await?,
        error,
    })
}

#[derive(Deserialize, Default)]
pub(crate) struct PlaceForm {
    #[serde(default)]
    place: String,
    /// Also keep it as the standing place of the account.
    #[serde(default)]
    remember: String,
}

/// The standing place of one's panic alerts (a setting per account; blank clears it).
pub(crate) async fn standing_place_form(
    State(state): State<AppState>,
    ctx: Ctx,
    PageForm(form): PageForm<PlaceForm>,
) -> PageResult {
    let caller = ctx.staff_or_refuse()?;
    let saved: Result<(), ApiError> = async {
        let mut tx = state.db.begin().await?;
        let place = sp::set_standing_place(&mut tx, caller.account.id, &form.place).await?;
        let subject = format!("account:{}", caller.account.id);
        crate::commit_logged(tx, caller, &subject, "protection.alert_place", &place).await?;
        Ok(())
    }
    .await;
    match saved {
        Ok(()) => Ok(Redirect::to("/protection?done=place#panic-place").into_response()),
        Err(e) => {
            let forms = super::incidents::Forms {
                place: Some((form.place.clone(), ctx.lang.of(&e).to_string())),
                ..Default::default()
            };
            super::incidents::home_page(&state, &ctx, caller, None, Some(&e), forms)
                .await
                .map_err(|_| ctx.fail(&e))
        }
    }
}

/// The one who pressed says where they are: the alert and its incident take the place, the
/// account keeps it for today (and, ticked, for good), and every banner shows it.
pub(crate) async fn place_form(
    State(state): State<AppState>,
    ctx: Ctx,
    PageId(id): PageId,
    PageForm(form): PageForm<PlaceForm>,
) -> PageResult {
    let caller = ctx.staff_or_refuse()?;
    let saved = async {
        let mut tx = state.db.begin().await?;
        let a = sp::place_alert(&mut tx, id, caller.account.id, &form.place, today()).await?;
        if form.remember == "yes" {
            sp::set_standing_place(&mut tx, caller.account.id, &form.place).await?;
        }
        crate::commit_logged(
            tx,
            caller,
            &incident_subject(a.incident_id),
            "protection.alert_place",
            &a.place,
        )
        .await?;
        Ok::<_, ApiError>(a)
    }
    .await;
    match saved {
        Ok(a) => {
            if let Ok(ev) = alert_event(&state.db, a.id).await {
                state.protection.publish(ev);
            }
            Ok(Redirect::to(&format!("/protection/alerts/{id}?done=place")).into_response())
        }
        Err(e) => {
            let typed = (form.place.clone(), ctx.lang.of(&e).to_string());
            alert_view_with(&state, &ctx, caller, id, None, Some(&e), Some(typed))
                .await
                .map_err(|_| ctx.fail(&e))
        }
    }
}

/// The live event of an alert as stored (any app server builds the same one).
pub(crate) async fn alert_event(db: &store::Db, id: i64) -> Result<AlertEvent, ApiError> {
    let a = sp::get_alert(db, id).await?;
    let raiser = store::office::accounts::get(db, a.raised_by).await?;
    Ok(AlertEvent {
        id: a.id,
        incident_id: a.incident_id,
        raised_by: a.raised_by,
        raised_by_name: raiser.display_name,
        department_id: a.department_id,
        department_name: department_name(db, a.department_id).await,
        place: a.place.clone(),
        at: a.at,
        escalated: a.escalated_at.is_some(),
        url: format!("/protection/alerts/{}", a.id),
        recipients: sp::alert_recipient_ids(db, a.id).await?,
    })
}

/// The target an alert is to the policy: owned by whoever pressed, in their department,
/// shared with everyone it was sent to (so each recipient reads and acknowledges it whatever
/// their division).
pub(crate) fn alert_target<'a>(a: &Alert, recipients: &'a [AccountId]) -> Target<'a> {
    Target::Record {
        owner: Some(a.raised_by),
        department: a.department_id,
        shared_with: recipients,
    }
}

/// One recipient row of the confirmation, addresses masked.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DeliveryView {
    /// 0: at the press; 1: the escalation to the next in line.
    pub round: i64,
    pub account_id: Option<AccountId>,
    /// Display name, or empty for the security desk's bare address.
    pub name: String,
    /// `supervisor`, `protection_officer`, `security_desk`, `office_head`.
    pub role: String,
    /// `screen`, `sms`, `email`.
    pub channel: String,
    /// Masked phone number or mail address; empty for screens.
    pub address: String,
    /// Outbox state (`pending`, `sending`, `sent`, `failed`) or, for screens, `shown`/`waiting`.
    pub status: String,
    pub at: Option<DateTime<Utc>>,
}

/// What a press did, from the rows written: the confirmation of the panic button.
#[derive(Serialize, ToSchema)]
pub struct AlertReceipt {
    #[schema(value_type = Object)]
    pub alert: Alert,
    pub incident_id: i64,
    pub recipients: Vec<DeliveryView>,
    /// Whether anyone at all was told.
    pub reached: bool,
    /// The confirmation sentence, built from `recipients`.
    pub summary: String,
}

pub(crate) fn mask_address(channel: &str, address: &str) -> String {
    use domain::privacy::{PersonalKind, mask};
    match channel {
        "sms" => mask(PersonalKind::Phone, address),
        "email" => mask(PersonalKind::Email, address),
        _ => String::new(),
    }
}

/// The confirmation sentence from the deliveries (Korean, English): how many people and
/// addresses by which channel, or that nobody could be reached and to call 112.
pub(crate) fn alert_summary(d: &[DeliveryView]) -> (String, String) {
    if d.is_empty() {
        return (
            "아무에게도 알리지 못했습니다: 부서장, 보호 담당자, 방호실, 민원실장이 모두 등록되어 있지 않습니다. 위험하면 지금 112에 전화하고 주변 동료에게 큰 소리로 알리세요. 호출은 기록되었습니다.".into(),
            "Nobody could be told: no supervisor, protection officer, security desk or office head is set up. If you are in danger call 112 now and alert colleagues nearby. The press was recorded.".into(),
        );
    }
    let mut people: Vec<String> = Vec::new();
    for r in d {
        let who = if r.name.is_empty() {
            r.address.clone()
        } else {
            r.name.clone()
        };
        if !people.contains(&who) {
            people.push(who);
        }
    }
    let n = |c: &str| d.iter().filter(|r| r.channel == c).count();
    (
        format!(
            "{}명·곳에 알렸습니다: {} — 화면 {}건, 문자 {}건, 메일 {}건.",
            people.len(),
            people.join(", "),
            n("screen"),
            n("sms"),
            n("email")
        ),
        format!(
            "Told {} people or addresses: {} — screen {}, SMS {}, mail {}.",
            people.len(),
            people.join(", "),
            n("screen"),
            n("sms"),
            n("email")
        ),
    )
}

/// The confirmation of an alert for the one who pressed, its recipients, and those the
/// policy lets read its incident.
pub(crate) async fn alert_receipt(
    state: &AppState,
    caller: &Caller,
    id: i64,
) -> Result<AlertReceipt, ApiError> {
    let a = sp::get_alert(&state.db, id).await?;
    let recipients = sp::alert_recipient_ids(&state.db, id).await?;
    caller
        .may(
            state,
            Capability::Protection,
            Action::Read,
            alert_target(&a, &recipients),
        )
        .await?;
    let rows: Vec<DeliveryView> = sp::alert_deliveries(&state.db, id)
        .await?
        .into_iter()
        .map(|r| DeliveryView {
            address: mask_address(&r.channel, &r.address),
            round: r.round,
            account_id: r.account_id,
            name: r.name,
            role: r.role,
            channel: r.channel,
            status: r.status,
            at: r.delivered_at.or(r.sent_at),
        })
        .collect();
    Ok(AlertReceipt {
        incident_id: a.incident_id,
        alert: a,
        reached: !rows.is_empty(),
        summary: {
            let (ko, en) = alert_summary(&rows);
            format!("{ko} ({en})")
        },
        recipients: rows,
    })
}

/// Send every alert unacknowledged for the escalation delay to the next in line, by SMS.
/// Returns how many were escalated by this call (another app server may take some).
pub async fn escalate_due(state: &AppState, now: DateTime<Utc>) -> Result<usize, ApiError> {
    let wait = escalation_seconds(&state.db).await?;
    let due = sp::alerts_to_escalate(&state.db, now - Duration::seconds(wait)).await?;
    if due.is_empty() {
        return Ok(0);
    }
    let inputs = line_inputs(&state.db).await?;
    let mut n = 0;
    for a in due {
        let told = sp::first_round(&state.db, a.id).await?;
        let next =
            rules::escalation_recipients(&told, a.raised_by, inputs.office_head, &inputs.staff);
        let to = addressees(&inputs.all, &next);
        let who = inputs
            .all
            .iter()
            .find(|x| x.id == a.raised_by)
            .map(|x| x.display_name.clone())
            .unwrap_or_default();
        let where_ = place_text(&department_name(&state.db, a.department_id).await, &a.place);
        let (subject, body) = alert_message(&who, &where_, a.at, a.id, true);
        let mut tx = state.db.begin().await?;
        if sp::escalate_alert(&mut tx, a.id, &to, &subject, &body, now).await? {
            tx.commit().await?;
            n += 1;
            if let Ok(ev) = alert_event(&state.db, a.id).await {
                state.protection.publish(ev);
            }
        }
    }
    Ok(n)
}

/// The escalation job of `minwon serve`: every few seconds, until `stop` turns true.
pub async fn run_escalation(
    state: AppState,
    every: std::time::Duration,
    mut stop: watch::Receiver<bool>,
) {
    loop {
        match escalate_due(&state, store::now()).await {
            Ok(0) => {}
            Ok(n) => tracing::warn!(n, "unacknowledged panic alerts escalated"),
            Err(e) => tracing::error!(error = %e.message(), "panic alert escalation failed"),
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

/// Relay alerts announced on PostgreSQL by any app server to this server's screens, until
/// the server stops. On SQLite (one process) there is nothing to relay. A lost connection is
/// retried after a pause; meanwhile the outbox still carries every alert.
pub async fn run_relay(state: AppState) {
    let mut stop = state.protection.stopping.subscribe();
    loop {
        let mut listener = match sp::AlertListener::connect(&state.db).await {
            Ok(Some(l)) => l,
            Ok(None) => return,
            Err(e) => {
                tracing::error!(error = %e, "panic alert relay could not listen");
                tokio::select! {
                    _ = tokio::time::sleep(std::time::Duration::from_secs(5)) => continue,
                    _ = stop.changed() => return,
                }
            }
        };
        loop {
            tokio::select! {
                got = listener.recv() => match got {
                    Ok(id) => match alert_event(&state.db, id).await {
                        Ok(ev) => state.protection.publish(ev),
                        Err(e) => tracing::error!(error = %e.message(), id, "panic alert relay could not load alert"),
                    },
                    Err(e) => {
                        tracing::error!(error = %e, "panic alert relay lost its connection");
                        break;
                    }
                },
                _ = stop.changed() => return,
            }
            if *stop.borrow() {
                return;
            }
        }
    }
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct AlertRequest {
    pub place: Option<String>,
    pub channel: Option<String>,
}

/// Panic alerts of the last 24 hours the caller may see.
#[utoipa::path(get, path = "/api/v1/protection/alerts", tag = "protection", security(("bearer" = [])),
    responses((status = 200, body = Vec<Object>)))]
pub(crate) async fn list_alerts(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
) -> Result<Json<Vec<Alert>>, ApiError> {
    Ok(Json(visible_alerts(&state, &caller).await?))
}

pub(crate) async fn visible_alerts(
    state: &AppState,
    caller: &Caller,
) -> Result<Vec<Alert>, ApiError> {
    let policy = Policy::of(state, caller).await?;
    let alerts = sp::alerts_since(&state.db, store::now() - Duration::hours(24)).await?;
    let mut out = Vec::new();
    for a in alerts {
        // The recipients are read only for alerts the division rule alone does not open.
        let open = policy.may(Capability::Protection, Action::Read, alert_target(&a, &[]))
            || policy.may(
                Capability::Protection,
                Action::Read,
                alert_target(&a, &sp::alert_recipient_ids(&state.db, a.id).await?),
            );
        if open {
            out.push(a);
        }
    }
    Ok(out)
}

/// The panic button: an alert and the start of an incident, sent to the supervisors of the
/// caller's division, every protection officer and the security desk (else the office head)
/// by screen, SMS and mail. The answer lists who was told, from the rows written.
#[utoipa::path(post, path = "/api/v1/protection/alerts", tag = "protection", security(("bearer" = [])),
    request_body = AlertRequest,
    responses((status = 201, body = AlertReceipt), (status = 403, body = ErrorBody)))]
pub(crate) async fn raise_alert(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiJson(req): ApiJson<AlertRequest>,
) -> Result<Response, ApiError> {
    let (alert, _) = panic_alert(&state, &caller, &req).await?;
    let receipt = alert_receipt(&state, &caller, alert.id).await?;
    Ok((StatusCode::CREATED, Json(receipt)).into_response())
}

/// An alert with who was told, by which channel, and what became of each message.
#[utoipa::path(get, path = "/api/v1/protection/alerts/{id}", tag = "protection", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 200, body = AlertReceipt), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(crate) async fn get_alert(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Id(id): Id,
) -> Result<Json<AlertReceipt>, ApiError> {
    Ok(Json(alert_receipt(&state, &caller, id).await?))
}

pub(crate) struct Subscriber {
    rx: broadcast::Receiver<Arc<AlertEvent>>,
    stop: watch::Receiver<bool>,
    actor: Actor,
    org: OrgChart,
    db: store::Db,
}

/// Server-sent events: `alert` events for every panic alert sent to the caller or that the
/// policy lets them read, as they are raised on any app server (PostgreSQL relays them) and
/// again when escalated. Every staff member may listen (the security desk or the office head
/// can be anyone); the stream ends when the server stops. A recipient's screen row is marked
/// shown when the event goes out to them.
#[utoipa::path(get, path = "/api/v1/protection/alerts/stream", tag = "protection", security(("bearer" = [])),
    responses((status = 200, content_type = "text/event-stream"), (status = 403, body = ErrorBody)))]
pub(crate) async fn alert_stream(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
) -> Result<Response, ApiError> {
    if !caller.account.role.is_staff() {
        return Err(ApiError::forbidden());
    }
    let policy = Policy::of(&state, &caller).await?;
    let sub = Subscriber {
        rx: state.protection.alerts.subscribe(),
        stop: state.protection.stopping.subscribe(),
        actor: policy.actor,
        org: policy.org,
        db: state.db.clone(),
    };
    let stream = futures_util::stream::unfold(sub, |mut s| async move {
        loop {
            if *s.stop.borrow() {
                return None;
            }
            tokio::select! {
                got = s.rx.recv() => match got {
                    Ok(ev) => {
                        let target = Target::Record {
                            owner: Some(ev.raised_by),
                            department: ev.department_id,
                            shared_with: &ev.recipients,
                        };
                        if access::decide(&s.actor, Capability::Protection, Action::Read, target, &s.org).is_ok() {
                            if ev.recipients.contains(&s.actor.account_id)
                                && let Err(e) = sp::mark_shown(&s.db, ev.id, s.actor.account_id, s.db.clock().now()).await
                            {
                                tracing::error!(error = %e, "could not record a shown alert");
                            }
                            let data = serde_json::to_string(&*ev).unwrap_or_default();
                            let event = Event::default().event("alert").id(ev.id.to_string()).data(data);
                            return Some((Ok::<Event, Infallible>(event), s));
                        }
                    }
                    Err(broadcast::error::RecvError::Lagged(_)) => {}
                    Err(broadcast::error::RecvError::Closed) => return None,
                },
                _ = s.stop.changed() => return None,
            }
        }
    });
    Ok(Sse::new(stream)
        .keep_alive(KeepAlive::default())
        .into_response())
}

/// Whom "on my way" is for, to the policy: those it was sent to and the division's
/// responders, not the one who pressed.
pub(crate) fn responder_target<'a>(a: &Alert, recipients: &'a [AccountId]) -> Target<'a> {
    Target::Record {
        owner: None,
        department: a.department_id,
        shared_with: recipients,
    }
}

/// "On my way": a recipient (or a responder of the division) acknowledges the alert, once.
/// The one who pressed and anyone it was not sent to are refused.
pub(crate) async fn acknowledge(
    state: &AppState,
    caller: &Caller,
    id: i64,
) -> Result<Alert, ApiError> {
    let a = sp::get_alert(&state.db, id).await?;
    let recipients = sp::alert_recipient_ids(&state.db, id).await?;
    if caller
        .may(
            state,
            Capability::Protection,
            Action::Update,
            responder_target(&a, &recipients),
        )
        .await
        .is_err()
    {
        state
            .log_access(
                caller,
                &incident_subject(a.incident_id),
                "protection.denied",
                "alert_ack",
            )
            .await?;
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "not_your_alert",
            "이 비상호출은 귀하에게 보낸 것이 아니어서 출동 확인을 할 수 없습니다",
            "this alert was not sent to you, so you cannot acknowledge it",
        ));
    }
    let mut tx = state.db.begin().await?;
    let a = sp::acknowledge_alert(&mut tx, a.id, caller.account.id, store::now())
        .await
        .map_err(|e| match e {
            store::StoreError::NotFound => ApiError::new(
                StatusCode::CONFLICT,
                "already_acknowledged",
                "이미 다른 사람이 출동 확인한 비상호출입니다",
                "this alert has already been acknowledged",
            ),
            other => other.into(),
        })?;
    crate::commit_logged(
        tx,
        caller,
        &incident_subject(a.incident_id),
        "protection.alert_ack",
        "",
    )
    .await?;
    Ok(a)
}

/// "On my way": the first recipient to respond acknowledges the alert.
#[utoipa::path(post, path = "/api/v1/protection/alerts/{id}/acknowledge", tag = "protection", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 200, body = Object), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub(crate) async fn acknowledge_alert(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Id(id): Id,
) -> Result<Json<Alert>, ApiError> {
    Ok(Json(acknowledge(&state, &caller, id).await?))
}

/// The panic button of every staff page: works as a plain form post.
pub(crate) async fn panic(
    State(state): State<AppState>,
    ctx: Ctx,
    PageForm(req): PageForm<AlertRequest>,
) -> PageResult {
    let caller = ctx.staff_or_refuse()?;
    match panic_alert(&state, caller, &req).await {
        Ok((alert, _)) => {
            Ok(Redirect::to(&format!("/protection/alerts/{}", alert.id)).into_response())
        }
        Err(e) => Err(ctx.fail(&e)),
    }
}

pub(crate) async fn ack(State(state): State<AppState>, ctx: Ctx, PageId(id): PageId) -> PageResult {
    let caller = ctx.staff_or_refuse()?;
    match acknowledge(&state, caller, id).await {
        Ok(_) => Ok(Redirect::to(&format!("/protection/alerts/{id}?done=ack")).into_response()),
        Err(e) => match alert_view(&state, &ctx, caller, id, None, Some(&e)).await {
            Ok(r) => Ok(r),
            Err(_) => Err(ctx.fail(&e)),
        },
    }
}

pub(crate) struct DeliveryRow {
    who: String,
    role: String,
    channel: String,
    status: String,
    when: String,
    escalation: bool,
}

#[derive(Template)]
#[template(path = "protection/protection_alert.html")]
pub(crate) struct AlertPage {
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
    /// The policy would take "on my way" from the caller (it asks again on the press).
    may_ack: bool,
    /// The place said by the one who pressed (blank: not yet).
    said_place: String,
    /// The place form as typed and refused, with why.
    place_typed: String,
    place_error: Option<String>,
    suggestions: Vec<String>,
    message: Option<String>,
    error: Option<String>,
}

/// The confirmation after a press, and the recipients' page of the alert.
pub(crate) async fn alert_page(
    State(state): State<AppState>,
    ctx: Ctx,
    PageId(id): PageId,
    Query(n): Query<Notice>,
) -> PageResult {
    let caller = ctx.staff_or_refuse()?;
    alert_view(&state, &ctx, caller, id, n.done.as_deref(), None)
        .await
        .or_page(&ctx)
}

pub(crate) fn delivery_status(lang: Lang, channel: &str, status: &str) -> String {
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

pub(crate) async fn alert_view(
    state: &AppState,
    ctx: &Ctx,
    caller: &Caller,
    id: i64,
    done: Option<&str>,
    error: Option<&ApiError>,
) -> Result<Response, ApiError> {
    alert_view_with(state, ctx, caller, id, done, error, None).await
}

pub(crate) async fn alert_view_with(
    state: &AppState,
    ctx: &Ctx,
    caller: &Caller,
    id: i64,
    done: Option<&str>,
    error: Option<&ApiError>,
    place: Option<(String, String)>,
) -> Result<Response, ApiError> {
    let lang = ctx.lang;
    let r = alert_receipt(state, caller, id).await?;
    let names = names(state).await?;
    let dept = match r.alert.department_id {
        Some(d) => store::office::departments::get(&state.db, d)
            .await
            .map(|d| d.name)
            .unwrap_or_default(),
        None => String::new(),
    };
    let (ko, en) = alert_summary(&r.recipients);
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
                .map(|k| named(lang, k))
                .unwrap_or_else(|_| d.role.clone()),
            channel: domain::protection::AlertChannel::parse(&d.channel)
                .map(|k| named(lang, k))
                .unwrap_or_else(|_| d.channel.clone()),
            status: delivery_status(lang, &d.channel, &d.status),
            when: d.at.map(when).unwrap_or_default(),
            escalation: d.round > 0,
        })
        .collect();
    // The button shows when the policy would take the press.
    let recipients = sp::alert_recipient_ids(&state.db, id).await?;
    let may_ack = r.alert.acknowledged_at.is_none()
        && caller
            .permits(
                state,
                Capability::Protection,
                Action::Update,
                responder_target(&r.alert, &recipients),
            )
            .await?;
    let page = AlertPage {
        c: ctx.chrome(),
        id,
        incident_id: r.incident_id,
        raised_by: name_of(&names, r.alert.raised_by),
        place: if r.alert.place.is_empty() {
            format!(
                "{dept} · {}",
                label(lang, "자리 미확인", "place not said yet")
            )
        } else {
            format!("{dept} {}", r.alert.place).trim().to_string()
        },
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
        may_ack,
        said_place: r.alert.place.clone(),
        place_typed: place
            .as_ref()
            .map(|p| p.0.clone())
            .unwrap_or_else(|| r.alert.place.clone()),
        place_error: place.map(|p| p.1),
        suggestions: sp::known_places(&state.db).await?,
        message: match done {
            Some("place") => Some(label(
                lang,
                "장소를 알렸습니다. 받는 사람 화면에 표시됩니다.",
                "Your place is sent; it shows on the recipients' screens.",
            )),
            Some(_) => Some(label(
                lang,
                "출동 확인을 기록했습니다.",
                "Your acknowledgement is recorded.",
            )),
            None => None,
        },
        error: error.map(|e| lang.of(&e).to_string()),
    };
    Ok(show(ctx, &page, error))
}
