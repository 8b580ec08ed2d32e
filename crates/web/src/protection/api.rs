//! Frontline protection (capability C3) over HTTP: the JSON API under `/api/v1/protection`
//! and, in [`crate::protection::pages`], the pages under `/protection`. Both go through the
//! functions here, so a page and an API call are refused, logged and answered alike.
//!
//! Access: an incident is a [`Target::Record`] owned by the official who reported it, shared
//! with the officials involved, in its department; `domain::access` lets the officials concerned
//! and the division's supervisors and protection officers reach it, nobody else. Evidence files
//! only the officials concerned and protection officers. Reading the petitioner's name or an
//! evidence file writes the access log.
//!
//! Panic alerts go to every open screen of someone who may read the incident, through a
//! broadcast channel feeding server-sent events, and through the outbox.

use crate::kit::auth::{ApiCaller, Caller};
use crate::kit::error::{ApiError, ErrorBody};
use crate::kit::extract::{Json, Query};
use crate::kit::json::ApiJson;
use crate::wellbeing::api::Id;
use crate::{AppState, access_record};
use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use domain::access::{self, Action, Actor, Capability, OrgChart, Target};
use domain::protection::{
    self as rules, Channel, CustodyAction, DrillReminder, EquipmentKind, EvidenceKind, HalfYear,
    IncidentKind, Indicators, MeasureInput, MeasureKind, WarningReason,
};
use domain::{AccountId, DepartmentId};
use futures_util::TryStreamExt;
use serde::{Deserialize, Serialize};
use std::convert::Infallible;
use std::sync::Arc;
use store::kit::blobs::BlobLimits;
use store::office::audit;
use store::protection::{self as sp, Alert, Contact, Incident};
use tokio::sync::{broadcast, watch};
use utoipa::{OpenApi, ToSchema};

/// What the protection capability keeps besides the database: the live alert channel.
pub struct Live {
    pub alerts: broadcast::Sender<Arc<AlertEvent>>,
    /// Turns true when the server shuts down, so open event streams end and the graceful
    /// shutdown does not wait on them forever.
    pub stopping: watch::Sender<bool>,
    /// (alert, escalated) pairs already pushed: the process that took the press pushes at
    /// once and hears its own PostgreSQL notification again, which must not show twice.
    published: std::sync::Mutex<std::collections::VecDeque<(i64, bool)>>,
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
        let key = (ev.id, ev.escalated);
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

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/api/v1/protection/incidents",
            get(list_incidents).post(create_incident),
        )
        .route(
            "/api/v1/protection/incidents/{id}",
            get(get_incident).put(update_incident),
        )
        .route(
            "/api/v1/protection/incidents/{id}/measures",
            post(add_measure),
        )
        .route(
            "/api/v1/protection/incidents/{id}/evidence",
            post(upload_evidence).layer(axum::extract::DefaultBodyLimit::disable()),
        )
        .route("/api/v1/protection/evidence/{id}", get(get_evidence))
        .route(
            "/api/v1/protection/evidence/{id}/download",
            get(download_evidence),
        )
        .route(
            "/api/v1/protection/evidence/{id}/verify",
            post(verify_evidence),
        )
        .route(
            "/api/v1/protection/evidence/{id}/handover",
            post(hand_over_evidence),
        )
        .route("/api/v1/protection/flags", get(list_flags).post(raise_flag))
        .route(
            "/api/v1/protection/petitions/{id}/history",
            get(petitioner_history),
        )
        .route(
            "/api/v1/protection/alerts",
            get(list_alerts).post(raise_alert),
        )
        .route("/api/v1/protection/alerts/stream", get(alert_stream))
        .route("/api/v1/protection/alerts/{id}", get(get_alert))
        .route(
            "/api/v1/protection/alerts/{id}/acknowledge",
            post(acknowledge_alert),
        )
        .route(
            "/api/v1/protection/equipment",
            get(list_equipment).post(add_equipment),
        )
        .route(
            "/api/v1/protection/equipment/{id}/issue",
            post(issue_equipment),
        )
        .route(
            "/api/v1/protection/equipment/{id}/checks",
            post(check_equipment),
        )
        .route(
            "/api/v1/protection/drills",
            get(list_drills).post(plan_drill),
        )
        .route("/api/v1/protection/drills/{id}/held", post(record_drill))
        .route("/api/v1/protection/contacts", post(start_contact))
        .route("/api/v1/protection/contacts/{id}/warn", post(warn_contact))
        .route(
            "/api/v1/protection/contacts/{id}/finish",
            post(finish_contact),
        )
        .route("/api/v1/protection/indicators", get(indicators))
        .route(
            "/api/v1/protection/settings",
            get(get_settings).put(put_settings),
        )
}

#[derive(OpenApi)]
#[openapi(
    paths(list_incidents, create_incident, get_incident, update_incident, add_measure,
          upload_evidence, get_evidence, download_evidence, verify_evidence, hand_over_evidence,
          list_flags, raise_flag, petitioner_history, list_alerts, raise_alert, get_alert, alert_stream,
          acknowledge_alert, list_equipment, add_equipment, issue_equipment, check_equipment,
          list_drills, plan_drill, record_drill, start_contact, warn_contact, finish_contact,
          indicators, get_settings, put_settings),
    components(schemas(IncidentRequest, IncidentSummary, IncidentView, MeasureRequest, MenuItem,
                       EvidenceView, HandoverRequest, VerifyView, FlagRequest, FlagsView,
                       HistoryView, RestrictionView, AlertRequest, AlertEvent, AlertReceipt, DeliveryView, EquipmentRequest,
                       IssueRequest, CheckRequest, DrillsView, DrillRequest, DrillHeldRequest,
                       ContactRequest, ContactView, WarnRequest, FinishRequest,
                       IndicatorsView, SettingsView)),
    tags((name = "protection", description = "민원공무원 보호 (frontline protection): incidents, the Decree's measures in legal order, evidence with custody log, equipment, drills, panic alerts, indicators."))
)]
pub struct ProtectionDoc;

// ---------------------------------------------------------------------------------------------
// Shared by the API and the pages
// ---------------------------------------------------------------------------------------------

pub(crate) fn incident_target(i: &Incident) -> Target<'_> {
    Target::Record {
        owner: Some(i.reported_by),
        department: i.department_id,
        shared_with: &i.involved,
    }
}

pub(crate) fn incident_subject(id: i64) -> String {
    format!("protection_incident:{id}")
}

fn evidence_subject(id: i64) -> String {
    format!("protection_evidence:{id}")
}

/// The caller's view of the policy, with one org chart for a whole list.
pub(crate) struct Policy {
    actor: Actor,
    org: OrgChart,
}

impl Policy {
    pub(crate) async fn of(state: &AppState, caller: &Caller) -> Result<Policy, ApiError> {
        Ok(Policy {
            actor: caller.actor(),
            org: store::office::departments::org_chart(&state.db).await?,
        })
    }

    pub(crate) fn may(&self, capability: Capability, action: Action, target: Target<'_>) -> bool {
        access::decide(&self.actor, capability, action, target, &self.org).is_ok()
    }

    /// Whether the caller works with incidents beyond their own (supervisors, protection officers).
    pub(crate) fn oversees(&self) -> bool {
        self.actor
            .department_id
            .is_some_and(|d| self.may(Capability::Protection, Action::Read, Target::Department(d)))
    }
}

/// Load an incident the caller may act on; a refusal leaves a trace in the access log.
pub(crate) async fn incident_for(
    state: &AppState,
    caller: &Caller,
    id: i64,
    action: Action,
) -> Result<Incident, ApiError> {
    let i = sp::get_incident(&state.db, id).await?;
    if let Err(e) = caller
        .may(state, Capability::Protection, action, incident_target(&i))
        .await
    {
        state
            .log_access(caller, &incident_subject(id), "protection.denied", "")
            .await?;
        return Err(e);
    }
    Ok(i)
}

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
    let own = Target::Record {
        owner: Some(caller.account.id),
        department: caller.account.department_id,
        shared_with: &[],
    };
    caller
        .may(state, Capability::Protection, Action::Create, own)
        .await?;
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
    audit::append(
        &mut tx,
        &access_record(
            caller,
            &incident_subject(r.incident.id),
            "protection.incident_create",
            "",
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(r.incident)
}

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
    audit::append(
        &mut tx,
        &access_record(
            caller,
            &incident_subject(i.id),
            "protection.measure",
            &m.kind,
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(m)
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
fn staff_named<'a>(
    all: &'a [store::office::accounts::Account],
    username: &str,
) -> Option<&'a store::office::accounts::Account> {
    all.iter()
        .find(|a| a.username == username.trim() && a.active && a.role.is_staff())
}

/// Everything the alert line is computed from, read once.
struct LineInputs {
    all: Vec<store::office::accounts::Account>,
    staff: Vec<rules::AlertStaff>,
    org: OrgChart,
    desk: Option<rules::SecurityDesk>,
    office_head: Option<AccountId>,
}

async fn line_inputs(db: &store::Db) -> Result<LineInputs, ApiError> {
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
fn addressees(
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
fn alert_message(
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

async fn department_name(db: &store::Db, d: Option<DepartmentId>) -> String {
    match d {
        Some(d) => store::office::departments::get(db, d)
            .await
            .map(|d| d.name)
            .unwrap_or_default(),
        None => String::new(),
    }
}

fn place_text(dept_name: &str, place: &str) -> String {
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
    place: &str,
    channel: Channel,
) -> Result<(Alert, Incident), ApiError> {
    if !caller.account.role.is_staff() {
        return Err(ApiError::forbidden());
    }
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
    audit::append(
        &mut tx,
        &access_record(
            caller,
            &incident_subject(incident.id),
            "protection.panic",
            &alert.place,
        ),
    )
    .await?;
    tx.commit().await?;
    if let Ok(ev) = alert_event(&state.db, alert.id).await {
        state.protection.publish(ev);
    }
    Ok((alert, incident))
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

fn mask_address(channel: &str, address: &str) -> String {
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

/// Evidence limits: the allow-list of `domain::protection` and the size setting.
async fn evidence_limits(state: &AppState) -> Result<BlobLimits, ApiError> {
    let mb = store::office::settings::get(&state.db, "protection.evidence_max_mb")
        .await?
        .and_then(|v| v.trim().parse::<u64>().ok())
        .filter(|v| *v > 0);
    Ok(BlobLimits {
        max_bytes: mb.map_or(rules::EVIDENCE_MAX_BYTES, |m| m * 1024 * 1024),
        allowed: rules::EVIDENCE_TYPES.to_vec(),
    })
}

/// The incident an evidence file is about to be attached to, and the limits it must meet.
pub(crate) async fn evidence_upload_target(
    state: &AppState,
    caller: &Caller,
    id: i64,
) -> Result<(Incident, BlobLimits), ApiError> {
    let i = sp::get_incident(&state.db, id).await?;
    caller
        .may(
            state,
            Capability::Evidence,
            Action::Create,
            incident_target(&i),
        )
        .await?;
    Ok((i, evidence_limits(state).await?))
}

/// The blob store's refusals, in the words of evidence.
pub(crate) fn evidence_error(e: ApiError, limits: &BlobLimits) -> ApiError {
    let mb = limits.max_bytes / (1024 * 1024);
    match e.code {
        "attachment_too_large" => ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "evidence_too_large",
            &format!("증거 파일은 {mb} MB까지입니다"),
            &format!("an evidence file may be at most {mb} MB"),
        ),
        "attachment_type_not_allowed" => ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "evidence_type_not_allowed",
            "허용되지 않는 증거 형식입니다 (녹음 MP3·WAV·OGG·M4A, 영상 MP4·WebM, 사진 PNG·JPEG, PDF, 텍스트)",
            "evidence type not allowed (audio MP3, WAV, OGG, M4A; video MP4, WebM; photos PNG, JPEG; PDF; text)",
        ),
        _ => e,
    }
}

/// Attach a stored blob to the incident, with its custody and access-log entries.
pub(crate) async fn attach_evidence(
    state: &AppState,
    caller: &Caller,
    incident: &Incident,
    kind: EvidenceKind,
    blob: &store::kit::blobs::StoredBlob,
    filename: &str,
) -> Result<sp::Evidence, ApiError> {
    let now = store::now();
    let mut tx = state.db.begin().await?;
    let e = sp::add_evidence(
        &mut tx,
        incident.id,
        kind,
        blob,
        filename,
        caller.account.id,
        now,
    )
    .await?;
    audit::append(
        &mut tx,
        &access_record(
            caller,
            &evidence_subject(e.id),
            "protection.evidence_upload",
            &e.sha256,
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(e)
}

/// Store an evidence file streamed from `body` (never held whole) and attach it.
async fn store_evidence(
    state: &AppState,
    caller: &Caller,
    id: i64,
    kind: &str,
    filename: &str,
    body: Body,
) -> Result<sp::Evidence, ApiError> {
    let (incident, limits) = evidence_upload_target(state, caller, id).await?;
    let kind = EvidenceKind::parse(kind)?;
    let stream = body
        .into_data_stream()
        .map_err(|e| std::io::Error::other(e.to_string()));
    let reader: store::kit::blobs::ByteStream = Box::pin(tokio_util::io::StreamReader::new(stream));
    let blob = state
        .petitions
        .blobs
        .put(reader, &limits)
        .await
        .map_err(|e| evidence_error(ApiError::from(e), &limits))?;
    attach_evidence(state, caller, &incident, kind, &blob, filename).await
}

/// Load an evidence file and its incident, if the caller may act on evidence of it.
pub(crate) async fn evidence_for(
    state: &AppState,
    caller: &Caller,
    id: i64,
    action: Action,
) -> Result<(sp::Evidence, Incident), ApiError> {
    let e = sp::get_evidence(&state.db, id).await?;
    let i = sp::get_incident(&state.db, e.incident_id).await?;
    if let Err(err) = caller
        .may(state, Capability::Evidence, action, incident_target(&i))
        .await
    {
        state
            .log_access(
                caller,
                &evidence_subject(id),
                "protection.evidence_denied",
                "",
            )
            .await?;
        return Err(err);
    }
    Ok((e, i))
}

/// Write one custody entry and its access-log entry together.
pub(crate) async fn custody(
    state: &AppState,
    caller: &Caller,
    e: &sp::Evidence,
    action: CustodyAction,
    detail: &str,
) -> Result<(), ApiError> {
    let now = store::now();
    let mut tx = state.db.begin().await?;
    sp::log_custody(&mut tx, e.id, action, Some(caller.account.id), detail, now).await?;
    audit::append(
        &mut tx,
        &access_record(
            caller,
            &evidence_subject(e.id),
            &format!("protection.evidence_{}", action.as_str()),
            detail,
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Check the file against its SHA-256; a mismatch is written to the custody log.
pub(crate) async fn verify(
    state: &AppState,
    caller: &Caller,
    e: &sp::Evidence,
) -> Result<VerifyView, ApiError> {
    let intact = sp::verify_blob(state.petitions.blobs.as_ref(), &e.sha256).await?;
    let action = if intact {
        CustodyAction::Verified
    } else {
        CustodyAction::Mismatch
    };
    custody(state, caller, e, action, &e.sha256).await?;
    if !intact {
        tracing::error!(evidence = e.id, sha256 = %e.sha256, "evidence file does not match its hash");
    }
    Ok(VerifyView {
        evidence_id: e.id,
        sha256: e.sha256.clone(),
        intact,
    })
}

fn tampered() -> ApiError {
    ApiError::new(
        StatusCode::CONFLICT,
        "evidence_mismatch",
        "증거 파일이 등록 당시의 SHA-256과 다릅니다. 파일이 변경되었거나 손상되었습니다. 보호 담당자에게 알리세요",
        "the evidence file no longer matches the SHA-256 recorded at upload: it was altered or damaged; tell the protection officer",
    )
}

/// Stream an evidence file after checking it is intact (a second streamed pass, never whole
/// in memory). Writes the custody log and the access log, both with the stated reason.
pub(crate) async fn download(
    state: &AppState,
    caller: &Caller,
    id: i64,
    reason: &str,
) -> Result<Response, ApiError> {
    let (e, _) = evidence_for(state, caller, id, Action::Read).await?;
    if let Some(at) = e.purged_at {
        return Err(ApiError::new(
            StatusCode::GONE,
            "evidence_purged",
            &format!(
                "보존기간이 지나 {} 삭제된 증거입니다. 관리 기록은 남아 있습니다",
                at.format("%Y-%m-%d")
            ),
            "the evidence was deleted at the end of its retention period; its custody log remains",
        ));
    }
    if !verify(state, caller, &e).await?.intact {
        return Err(tampered());
    }
    let reader = state.petitions.blobs.open(&e.sha256).await?;
    custody(state, caller, &e, CustodyAction::Downloaded, reason).await?;
    let mut res = Body::from_stream(tokio_util::io::ReaderStream::new(reader)).into_response();
    crate::petitions::api::attachment_headers(&mut res, &e.content_type, &e.filename);
    if let Ok(v) = HeaderValue::from_str(&e.sha256) {
        res.headers_mut().insert("x-content-sha256", v);
    }
    Ok(res)
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

/// Those who may see a department's equipment and drills: supervisors and protection officers.
pub(crate) async fn require_oversight(
    state: &AppState,
    caller: &Caller,
) -> Result<Policy, ApiError> {
    let policy = Policy::of(state, caller).await?;
    if policy.oversees() {
        Ok(policy)
    } else {
        Err(ApiError::forbidden())
    }
}

/// A department-held thing (equipment, drill) the caller may see: in their division.
pub(crate) fn dept_visible(policy: &Policy, dept: Option<DepartmentId>, action: Action) -> bool {
    match dept {
        Some(d) => policy.may(Capability::Protection, action, Target::Department(d)),
        None => policy.may(Capability::Protection, action, Target::Office) || policy.oversees(),
    }
}

/// The drill reminder for today, if one is due.
pub(crate) fn reminder_now(drills: &[sp::Drill]) -> Option<(DrillReminder, HalfYear)> {
    let today = rules::local_date(store::now());
    rules::drill_reminder(today, &sp::drill_facts(drills)).map(|r| (r, HalfYear::of(today)))
}

/// Parse `YYYY-MM` into the first instant of that month in Korea.
fn month_start(s: &str) -> Result<DateTime<Utc>, ApiError> {
    let bad = || {
        ApiError::bad_request(
            "bad_month",
            "월은 YYYY-MM 형식이어야 합니다",
            "month must be YYYY-MM",
        )
    };
    let d =
        NaiveDate::parse_from_str(&format!("{}-01", s.trim()), "%Y-%m-%d").map_err(|_| bad())?;
    let local = d.and_hms_opt(0, 0, 0).ok_or_else(bad)?;
    Ok(local.and_utc() - Duration::hours(9))
}

/// Indicators per month and department for `[from, to]` months (default: this year).
pub(crate) async fn compute_indicators(
    state: &AppState,
    caller: &Caller,
    from: Option<&str>,
    to: Option<&str>,
) -> Result<Vec<IndicatorRow>, ApiError> {
    caller
        .may(state, Capability::Evaluation, Action::Read, Target::Office)
        .await?;
    let now = store::now();
    let this_year = format!("{}-01", rules::local_date(now).format("%Y"));
    let start = month_start(from.filter(|s| !s.is_empty()).unwrap_or(&this_year))?;
    let end_month = month_start(
        to.filter(|s| !s.is_empty())
            .unwrap_or(&rules::month_of(now)),
    )?;
    let end = end_month + Duration::days(32);
    let end = month_start(&rules::month_of(end))?;
    if end <= start || end - start > Duration::days(3 * 366) {
        return Err(ApiError::bad_request(
            "bad_range",
            "기간은 시작 월부터 3년 이내여야 합니다",
            "the range must run forwards, at most 3 years",
        ));
    }
    let (inc, contacts, drills) = sp::indicator_inputs(&state.db, start, end).await?;
    let names: std::collections::HashMap<i64, String> = store::office::departments::list(&state.db)
        .await?
        .into_iter()
        .map(|d| (d.id, d.name))
        .collect();
    Ok(rules::indicators(&inc, &contacts, &drills)
        .into_iter()
        .map(|((month, dept), ind)| IndicatorRow {
            month,
            department_id: dept,
            department_name: dept
                .and_then(|d| names.get(&d).cloned())
                .unwrap_or_else(|| "전체 (office)".into()),
            indicators: ind,
        })
        .collect())
}

// ---------------------------------------------------------------------------------------------
// Views and requests
// ---------------------------------------------------------------------------------------------

#[derive(Deserialize, ToSchema, Default, Clone)]
#[serde(deny_unknown_fields)]
pub struct IncidentRequest {
    /// `verbal_abuse`, `threat`, `sexual_harassment`, `violence`, `weapon`,
    /// `repeated_no_purpose`, `disruption` (or `unclassified`).
    pub kind: String,
    /// `counter`, `phone`, `visit`, `online`.
    pub channel: String,
    /// Default: now.
    pub occurred_at: Option<DateTime<Utc>>,
    pub place: Option<String>,
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
            kind_label: format!("{} ({})", i.kind.korean(), i.kind.english()),
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
            label: format!("{} ({})", k.korean(), k.english()),
            refused: r.as_ref().map(|e| e.message()),
            refusal: r,
        })
        .collect()
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

#[derive(Serialize, ToSchema)]
pub struct EvidenceView {
    pub id: i64,
    pub incident_id: i64,
    pub kind: String,
    pub sha256: String,
    pub filename: String,
    pub content_type: String,
    pub size: i64,
    pub uploaded_by: i64,
    pub created_at: DateTime<Utc>,
    /// Every access and hand-over (only on the single-evidence view).
    #[schema(value_type = Option<Vec<Object>>)]
    pub custody: Option<Vec<sp::CustodyEntry>>,
}

impl From<sp::Evidence> for EvidenceView {
    fn from(e: sp::Evidence) -> Self {
        EvidenceView {
            id: e.id,
            incident_id: e.incident_id,
            kind: e.kind,
            sha256: e.sha256,
            filename: e.filename,
            content_type: e.content_type,
            size: e.size,
            uploaded_by: e.uploaded_by,
            created_at: e.created_at,
            custody: None,
        }
    }
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

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HandoverRequest {
    /// Who received it (e.g. the police station's investigator).
    pub recipient: String,
}

#[derive(Serialize, ToSchema)]
pub struct VerifyView {
    pub evidence_id: i64,
    pub sha256: String,
    /// `false`: the stored bytes no longer hash to `sha256`.
    pub intact: bool,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FlagRequest {
    pub petition_id: Option<i64>,
    pub channel: String,
    pub petitioner_name: Option<String>,
    pub petitioner_phone: Option<String>,
    pub reason: String,
}

#[derive(Serialize, ToSchema)]
pub struct FlagsView {
    /// Petitions the text screening flagged (automatic), in the caller's reach.
    #[schema(value_type = Vec<Object>)]
    pub screened: Vec<sp::ScreenedPetition>,
    /// Officials' own flags in the caller's reach.
    #[schema(value_type = Vec<Object>)]
    pub flags: Vec<sp::Flag>,
}

#[derive(Serialize, ToSchema)]
pub struct HistoryView {
    pub petition_id: i64,
    pub incidents: i64,
    pub flags: i64,
    /// Details for supervisors and protection officers; officials get the counts.
    pub recent: Option<Vec<IncidentSummary>>,
    /// Access restrictions in force on this petitioner: period and coverage for whoever may
    /// read the petition (they must apply it); the reason and incident only with `recent`.
    pub restrictions: Vec<RestrictionView>,
}

/// An access restriction in force, as the desk sees it.
#[derive(Serialize, ToSchema)]
pub struct RestrictionView {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    /// `visits`, `calls`, `online`.
    pub covers: Vec<String>,
    /// The lawful notice to give the petitioner (Korean, then English in parentheses).
    pub notice: String,
    /// The same notice with its halves apart, for pages.
    #[serde(skip)]
    pub notice_parts: domain::Bilingual,
    pub reason: Option<String>,
    pub incident_id: Option<i64>,
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct AlertRequest {
    pub place: Option<String>,
    pub channel: Option<String>,
}

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
    /// The holder; `null` takes it back.
    pub holder_id: Option<i64>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckRequest {
    pub ok: bool,
    pub fault: Option<String>,
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
    pub held_at: Option<DateTime<Utc>>,
    pub participants: String,
    pub after_action: Option<String>,
    pub fixes: Option<String>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContactRequest {
    /// `counter`, `phone` or `visit`.
    pub channel: String,
    /// Whether the call is being recorded.
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
    pub ended_by_official: bool,
}

#[derive(Serialize, ToSchema)]
pub struct IndicatorRow {
    pub month: String,
    /// Absent: the whole office.
    pub department_id: Option<i64>,
    pub department_name: String,
    #[schema(value_type = Object)]
    pub indicators: Indicators,
}

#[derive(Serialize, ToSchema)]
pub struct IndicatorsView {
    pub rows: Vec<IndicatorRow>,
}

#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SettingsView {
    pub counter_minutes: i64,
    pub phone_minutes: i64,
    pub visit_minutes: i64,
    pub evidence_retention_days: i64,
    /// The security desk told of every panic alert: an account's username, a mail address
    /// or a mobile number.
    pub security_desk: String,
    /// Username of the office head, told when nobody else in the line exists and sent the
    /// escalation (empty: none). Omitted on `PUT`: unchanged.
    #[serde(default)]
    pub office_head: Option<String>,
    /// Seconds before an unacknowledged panic alert goes to the next in line by SMS
    /// (10–3600, default 60). Omitted on `PUT`: unchanged.
    #[serde(default)]
    pub alert_escalation_seconds: Option<i64>,
}

#[derive(Deserialize)]
pub struct UploadParams {
    kind: Option<String>,
    filename: Option<String>,
}

#[derive(Deserialize)]
pub struct RangeParams {
    from: Option<String>,
    to: Option<String>,
}

// ---------------------------------------------------------------------------------------------
// Handlers
// ---------------------------------------------------------------------------------------------

/// Incidents the caller may read (their own; their division's for supervisors and protection
/// officers), last 365 days.
#[utoipa::path(get, path = "/api/v1/protection/incidents", tag = "protection", security(("bearer" = [])),
    responses((status = 200, body = Vec<IncidentSummary>)))]
async fn list_incidents(
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
async fn create_incident(
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
async fn get_incident(
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
async fn update_incident(
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
    audit::append(
        &mut tx,
        &access_record(
            caller,
            &incident_subject(i.id),
            "protection.incident_update",
            "",
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(updated)
}

/// Take one of the Decree's measures. Ending a call or visit before a recorded warning, an
/// access restriction that ends before it starts, counselling linked to wellbeing without the
/// official's consent: 400, nothing written.
#[utoipa::path(post, path = "/api/v1/protection/incidents/{id}/measures", tag = "protection", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = MeasureRequest,
    responses((status = 201, body = Object), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn add_measure(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Id(id): Id,
    ApiJson(req): ApiJson<MeasureRequest>,
) -> Result<Response, ApiError> {
    let m = take_measure(&state, &caller, id, &req).await?;
    Ok((StatusCode::CREATED, Json(m)).into_response())
}

/// Attach evidence: the raw bytes as the body (streamed to disk, hashed as they pass), `kind`
/// (`recording`, `video`, `photo`, `document`) and `filename` in the query. The type is
/// recognised from the content; the limit is `protection.evidence_max_mb` (200 MB by default).
#[utoipa::path(post, path = "/api/v1/protection/incidents/{id}/evidence", tag = "protection", security(("bearer" = [])),
    params(("id" = i64, Path), ("kind" = String, Query), ("filename" = Option<String>, Query)),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses((status = 201, body = EvidenceView), (status = 403, body = ErrorBody),
              (status = 413, body = ErrorBody), (status = 415, body = ErrorBody)))]
async fn upload_evidence(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Id(id): Id,
    Query(q): Query<UploadParams>,
    body: Body,
) -> Result<Response, ApiError> {
    let e = store_evidence(
        &state,
        &caller,
        id,
        q.kind.as_deref().unwrap_or("document"),
        q.filename.as_deref().unwrap_or(""),
        body,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(EvidenceView::from(e))).into_response())
}

pub(crate) async fn evidence_view(
    state: &AppState,
    caller: &Caller,
    id: i64,
) -> Result<EvidenceView, ApiError> {
    let (e, _) = evidence_for(state, caller, id, Action::Read).await?;
    custody(state, caller, &e, CustodyAction::Viewed, "").await?;
    let log = sp::custody_log(&state.db, e.id).await?;
    let mut v = EvidenceView::from(e);
    v.custody = Some(log);
    Ok(v)
}

/// One evidence file's details and custody log (the viewing itself is logged).
#[utoipa::path(get, path = "/api/v1/protection/evidence/{id}", tag = "protection", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 200, body = EvidenceView), (status = 403, body = ErrorBody)))]
async fn get_evidence(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Id(id): Id,
) -> Result<Json<EvidenceView>, ApiError> {
    Ok(Json(evidence_view(&state, &caller, id).await?))
}

/// Download the file (streamed), after checking it still matches its SHA-256: 409
/// `evidence_mismatch` when it does not. A stated reason is required (`?reason=` or the
/// `X-Access-Reason` header), kept in the custody log and the access log.
#[utoipa::path(get, path = "/api/v1/protection/evidence/{id}/download", tag = "protection", security(("bearer" = [])),
    params(("id" = i64, Path), ("reason" = Option<String>, Query, description = "why the file is needed (or the X-Access-Reason header); required")),
    responses((status = 200, content_type = "application/octet-stream"), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn download_evidence(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Id(id): Id,
    crate::kit::extract::Query(q): crate::kit::extract::Query<
        crate::office::privacy_review::ReasonQuery,
    >,
    headers: axum::http::HeaderMap,
) -> Result<Response, ApiError> {
    let reason = crate::office::privacy_review::stated_reason(q.reason.as_deref(), &headers)?;
    download(&state, &caller, id, &reason).await
}

/// Check the stored file against its SHA-256 (the result is written to the custody log).
#[utoipa::path(post, path = "/api/v1/protection/evidence/{id}/verify", tag = "protection", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 200, body = VerifyView), (status = 403, body = ErrorBody)))]
async fn verify_evidence(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Id(id): Id,
) -> Result<Json<VerifyView>, ApiError> {
    let (e, _) = evidence_for(&state, &caller, id, Action::Read).await?;
    Ok(Json(verify(&state, &caller, &e).await?))
}

pub(crate) async fn hand_over(
    state: &AppState,
    caller: &Caller,
    id: i64,
    recipient: &str,
) -> Result<(), ApiError> {
    let (e, _) = evidence_for(state, caller, id, Action::Update).await?;
    let recipient = recipient.trim();
    if recipient.is_empty() || recipient.chars().count() > rules::MAX_SHORT_CHARS {
        return Err(ApiError::bad_request(
            "recipient_required",
            "증거를 받은 기관·사람을 적으세요 (200자 이내)",
            "name who received the evidence",
        ));
    }
    custody(state, caller, &e, CustodyAction::HandedOver, recipient).await
}

/// Record a hand-over (e.g. to the police) in the custody log.
#[utoipa::path(post, path = "/api/v1/protection/evidence/{id}/handover", tag = "protection", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = HandoverRequest,
    responses((status = 204), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn hand_over_evidence(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Id(id): Id,
    ApiJson(req): ApiJson<HandoverRequest>,
) -> Result<StatusCode, ApiError> {
    hand_over(&state, &caller, id, &req.recipient).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The automatic flags (text screening) and officials' own flags in the caller's reach.
#[utoipa::path(get, path = "/api/v1/protection/flags", tag = "protection", security(("bearer" = [])),
    responses((status = 200, body = FlagsView)))]
async fn list_flags(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
) -> Result<Json<FlagsView>, ApiError> {
    Ok(Json(flags_view(&state, &caller).await?))
}

/// The flagged petitions and officials' flags the caller may see (petitions they may read).
pub(crate) async fn flags_view(state: &AppState, caller: &Caller) -> Result<FlagsView, ApiError> {
    let policy = Policy::of(state, caller).await?;
    let in_reach = |dept: Option<DepartmentId>| {
        policy.may(
            Capability::Petitions,
            Action::Read,
            Target::Record {
                owner: None,
                department: dept,
                shared_with: &[],
            },
        )
    };
    let screened = sp::screened(&state.db, 200)
        .await?
        .into_iter()
        .filter(|p| in_reach(p.department_id))
        .collect();
    let flags = sp::recent_flags(&state.db, 200)
        .await?
        .into_iter()
        .filter(|f| f.raised_by == caller.account.id || in_reach(f.department_id))
        .collect();
    Ok(FlagsView { screened, flags })
}

pub(crate) async fn flag(
    state: &AppState,
    caller: &Caller,
    req: &FlagRequest,
) -> Result<sp::Flag, ApiError> {
    let dept = caller.account.department_id;
    caller
        .may(
            state,
            Capability::Protection,
            Action::Create,
            Target::Record {
                owner: Some(caller.account.id),
                department: dept,
                shared_with: &[],
            },
        )
        .await?;
    let channel = Channel::parse(&req.channel)?;
    let key = match req.petition_id {
        Some(pid) => {
            let p = store::petitions::get(&state.db, pid).await?;
            caller
                .may(
                    state,
                    Capability::Petitions,
                    Action::Read,
                    crate::petitions::api::record_target(&p),
                )
                .await?;
            sp::petitioner_key_of(&state.db, pid).await?
        }
        None => sp::petitioner_key(
            req.petitioner_name.as_deref().unwrap_or(""),
            req.petitioner_phone.as_deref().unwrap_or(""),
        ),
    };
    let now = store::now();
    let mut tx = state.db.begin().await?;
    let f = sp::raise_flag(
        &mut tx,
        &sp::NewFlag {
            petition_id: req.petition_id,
            channel,
            petitioner_key: &key,
            reason: &req.reason,
            department_id: dept,
            raised_by: caller.account.id,
        },
        now,
    )
    .await?;
    audit::append(
        &mut tx,
        &access_record(
            caller,
            &format!("protection_flag:{}", f.id),
            "protection.flag",
            "",
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(f)
}

/// An official's own flag on a petition, a call or a visit.
#[utoipa::path(post, path = "/api/v1/protection/flags", tag = "protection", security(("bearer" = [])),
    request_body = FlagRequest,
    responses((status = 201, body = Object), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn raise_flag(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiJson(req): ApiJson<FlagRequest>,
) -> Result<Response, ApiError> {
    let f = flag(&state, &caller, &req).await?;
    Ok((StatusCode::CREATED, Json(f)).into_response())
}

pub(crate) async fn history(
    state: &AppState,
    caller: &Caller,
    petition_id: i64,
) -> Result<HistoryView, ApiError> {
    let p = store::petitions::get(&state.db, petition_id).await?;
    caller
        .may(
            state,
            Capability::Petitions,
            Action::Read,
            crate::petitions::api::record_target(&p),
        )
        .await?;
    let key = sp::petitioner_key_of(&state.db, petition_id).await?;
    let incidents = sp::petitioner_history(&state.db, &key).await?;
    let flags = sp::flags_of_petitioner(&state.db, &key).await?;
    let policy = Policy::of(state, caller).await?;
    let detailed = p
        .department_id
        .is_some_and(|d| policy.may(Capability::Protection, Action::Read, Target::Department(d)));
    if detailed {
        state
            .log_access(
                caller,
                &format!("petition:{petition_id}"),
                "protection.history_read",
                "",
            )
            .await?;
    }
    let restrictions = sp::active_restrictions(&state.db, &key, store::now())
        .await?
        .into_iter()
        .map(|r| RestrictionView {
            notice: rules::restriction_notice(r.start, r.end, &r.covers).message(),
            notice_parts: {
                let n = rules::restriction_notice(r.start, r.end, &r.covers);
                domain::Bilingual::new(n.ko, n.en)
            },
            covers: r.covers.iter().map(|c| c.as_str().to_string()).collect(),
            start: r.start,
            end: r.end,
            reason: detailed.then_some(r.reason),
            incident_id: detailed.then_some(r.incident_id),
        })
        .collect();
    Ok(HistoryView {
        petition_id,
        restrictions,
        incidents: incidents.len() as i64,
        flags: flags.len() as i64,
        recent: detailed.then(|| {
            incidents
                .iter()
                .take(20)
                .map(IncidentSummary::from)
                .collect()
        }),
    })
}

/// The banner of the desk's petition page while the petitioner is under an access
/// restriction: period, coverage and how many incidents they have. The page is only shown to
/// whoever may read the petition (asked before), so no further decision here.
pub(crate) async fn restriction_banner(
    state: &AppState,
    petition_id: i64,
    lang: crate::kit::page::Lang,
    now: DateTime<Utc>,
) -> Result<Option<String>, ApiError> {
    let key = sp::petitioner_key_of(&state.db, petition_id).await?;
    let running = sp::active_restrictions(&state.db, &key, now).await?;
    let Some(r) = running.first() else {
        return Ok(None);
    };
    let incidents = sp::petitioner_history(&state.db, &key).await?.len();
    let kst = |t: DateTime<Utc>| {
        (t + Duration::hours(9))
            .format("%Y-%m-%d %H:%M")
            .to_string()
    };
    let covers = |ko: bool| {
        r.covers
            .iter()
            .map(|c| if ko { c.korean() } else { c.english() })
            .collect::<Vec<_>>()
            .join(", ")
    };
    Ok(Some(lang.t(
        &format!(
            "이 민원인은 접근 제한 조치 중입니다 (시행령 제4조): {} ~ {}, 범위: {}. 이전 사건 {}건. 제한 범위의 방문·전화는 안내문을 알리고 응대를 제한하세요.",
            kst(r.start), kst(r.end), covers(true), incidents
        ),
        &format!(
            "This petitioner is under an access restriction (Decree art. 4): {} to {} (Korean time), covering {}. Earlier incidents: {}. For covered visits and calls, give the notice and limit the contact.",
            kst(r.start), kst(r.end), covers(false), incidents
        ),
    ).to_string()))
}

/// The petitioner's history when their petition arrives: counts for the official handling it,
/// the incidents themselves for the division's supervisors and protection officers.
#[utoipa::path(get, path = "/api/v1/protection/petitions/{id}/history", tag = "protection", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 200, body = HistoryView), (status = 403, body = ErrorBody)))]
async fn petitioner_history(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Id(id): Id,
) -> Result<Json<HistoryView>, ApiError> {
    Ok(Json(history(&state, &caller, id).await?))
}

/// Panic alerts of the last 24 hours the caller may see.
#[utoipa::path(get, path = "/api/v1/protection/alerts", tag = "protection", security(("bearer" = [])),
    responses((status = 200, body = Vec<Object>)))]
async fn list_alerts(
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
async fn raise_alert(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiJson(req): ApiJson<AlertRequest>,
) -> Result<Response, ApiError> {
    let channel = Channel::parse(req.channel.as_deref().unwrap_or("counter"))?;
    let (alert, _) =
        panic_alert(&state, &caller, req.place.as_deref().unwrap_or(""), channel).await?;
    let receipt = alert_receipt(&state, &caller, alert.id).await?;
    Ok((StatusCode::CREATED, Json(receipt)).into_response())
}

/// An alert with who was told, by which channel, and what became of each message.
#[utoipa::path(get, path = "/api/v1/protection/alerts/{id}", tag = "protection", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 200, body = AlertReceipt), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn get_alert(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Id(id): Id,
) -> Result<Json<AlertReceipt>, ApiError> {
    Ok(Json(alert_receipt(&state, &caller, id).await?))
}

struct Subscriber {
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
async fn alert_stream(
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
                                && let Err(e) = sp::mark_shown(&s.db, ev.id, s.actor.account_id, store::now()).await
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

/// "On my way": a recipient (or a responder of the division) acknowledges the alert, once.
/// The one who pressed and anyone it was not sent to are refused.
pub(crate) async fn acknowledge(
    state: &AppState,
    caller: &Caller,
    id: i64,
) -> Result<Alert, ApiError> {
    let a = sp::get_alert(&state.db, id).await?;
    let recipients = sp::alert_recipient_ids(&state.db, id).await?;
    let responder = Target::Record {
        owner: None,
        department: a.department_id,
        shared_with: &recipients,
    };
    if caller
        .may(state, Capability::Protection, Action::Update, responder)
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
    audit::append(
        &mut tx,
        &access_record(
            caller,
            &incident_subject(a.incident_id),
            "protection.alert_ack",
            "",
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(a)
}

/// "On my way": the first recipient to respond acknowledges the alert.
#[utoipa::path(post, path = "/api/v1/protection/alerts/{id}/acknowledge", tag = "protection", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 200, body = Object), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn acknowledge_alert(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Id(id): Id,
) -> Result<Json<Alert>, ApiError> {
    Ok(Json(acknowledge(&state, &caller, id).await?))
}

/// The equipment registry of the caller's division.
#[utoipa::path(get, path = "/api/v1/protection/equipment", tag = "protection", security(("bearer" = [])),
    responses((status = 200, body = Vec<Object>), (status = 403, body = ErrorBody)))]
async fn list_equipment(
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
async fn add_equipment(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiJson(req): ApiJson<EquipmentRequest>,
) -> Result<Response, ApiError> {
    let e = register_equipment(&state, &caller, &req).await?;
    Ok((StatusCode::CREATED, Json(e)).into_response())
}

async fn equipment_in_reach(
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
async fn issue_equipment(
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
    ok: bool,
    fault: &str,
) -> Result<sp::EquipmentCheck, ApiError> {
    equipment_in_reach(state, caller, id).await?;
    let mut tx = state.db.begin().await?;
    let c = sp::check_equipment(&mut tx, id, ok, fault, caller.account.id, store::now()).await?;
    tx.commit().await?;
    Ok(c)
}

/// Record a check: working, or the fault found.
#[utoipa::path(post, path = "/api/v1/protection/equipment/{id}/checks", tag = "protection", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = CheckRequest,
    responses((status = 201, body = Object), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn check_equipment(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Id(id): Id,
    ApiJson(req): ApiJson<CheckRequest>,
) -> Result<Response, ApiError> {
    let c = check(
        &state,
        &caller,
        id,
        req.ok,
        req.fault.as_deref().unwrap_or(""),
    )
    .await?;
    Ok((StatusCode::CREATED, Json(c)).into_response())
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
async fn list_drills(
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
async fn plan_drill(
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
async fn record_drill(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Id(id): Id,
    ApiJson(req): ApiJson<DrillHeldRequest>,
) -> Result<Json<sp::Drill>, ApiError> {
    Ok(Json(held(&state, &caller, id, &req).await?))
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
    channel: &str,
    recorded: bool,
    who: (&str, &str),
) -> Result<ContactView, ApiError> {
    let own = Target::Record {
        owner: Some(caller.account.id),
        department: caller.account.department_id,
        shared_with: &[],
    };
    caller
        .may(state, Capability::Protection, Action::Create, own)
        .await?;
    let channel = Channel::parse(channel)?;
    let mut tx = state.db.begin().await?;
    let c = sp::start_contact(
        &mut tx,
        caller.account.id,
        caller.account.department_id,
        channel,
        recorded,
        store::now(),
    )
    .await?;
    let key = sp::petitioner_key(who.0, who.1);
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
async fn start_contact(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiJson(req): ApiJson<ContactRequest>,
) -> Result<Response, ApiError> {
    let who = (
        req.petitioner_name.as_deref().unwrap_or(""),
        req.petitioner_phone.as_deref().unwrap_or(""),
    );
    let v = begin_contact(&state, &caller, &req.channel, req.recorded, who).await?;
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
    audit::append(
        &mut tx,
        &access_record(
            caller,
            &incident_subject(m.incident_id),
            "protection.measure",
            &m.kind,
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(m)
}

/// Record the warning read out (it becomes the warning measure of the contact's incident).
#[utoipa::path(post, path = "/api/v1/protection/contacts/{id}/warn", tag = "protection", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = WarnRequest,
    responses((status = 201, body = Object), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn warn_contact(
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
async fn finish_contact(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Id(id): Id,
    ApiJson(req): ApiJson<FinishRequest>,
) -> Result<Json<Contact>, ApiError> {
    Ok(Json(
        finish(&state, &caller, id, req.ended_by_official).await?,
    ))
}

/// Indicators for the evaluation per month (`YYYY-MM`, KST) and department: share of calls
/// recorded, incidents, responses and mean minutes to the first measure, measures by kind,
/// drills held, support given. Rows without a department are office totals.
#[utoipa::path(get, path = "/api/v1/protection/indicators", tag = "protection", security(("bearer" = [])),
    params(("from" = Option<String>, Query), ("to" = Option<String>, Query)),
    responses((status = 200, body = IndicatorsView), (status = 400, body = ErrorBody)))]
async fn indicators(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Query(q): Query<RangeParams>,
) -> Result<Json<IndicatorsView>, ApiError> {
    let rows = compute_indicators(&state, &caller, q.from.as_deref(), q.to.as_deref()).await?;
    Ok(Json(IndicatorsView { rows }))
}

pub(crate) async fn settings_view(state: &AppState) -> Result<SettingsView, ApiError> {
    Ok(SettingsView {
        counter_minutes: sp::contact_minutes(&state.db, Channel::Counter).await?,
        phone_minutes: sp::contact_minutes(&state.db, Channel::Phone).await?,
        visit_minutes: sp::contact_minutes(&state.db, Channel::Visit).await?,
        evidence_retention_days: sp::evidence_retention_days(&state.db).await?,
        security_desk: store::office::settings::get(&state.db, sp::SECURITY_DESK_KEY)
            .await?
            .unwrap_or_default(),
        office_head: Some(
            store::office::accounts::office_heads(&state.db)
                .await?
                .into_iter()
                .next()
                .map(|a| a.username)
                .unwrap_or_default(),
        ),
        alert_escalation_seconds: Some(escalation_seconds(&state.db).await?),
    })
}

/// Recommended contact time per channel, evidence retention, the security desk.
#[utoipa::path(get, path = "/api/v1/protection/settings", tag = "protection", security(("bearer" = [])),
    responses((status = 200, body = SettingsView)))]
async fn get_settings(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
) -> Result<Json<SettingsView>, ApiError> {
    if !caller.account.role.is_staff() {
        return Err(ApiError::forbidden());
    }
    Ok(Json(settings_view(&state).await?))
}

/// Change them (administrators).
#[utoipa::path(put, path = "/api/v1/protection/settings", tag = "protection", security(("bearer" = [])),
    request_body = SettingsView,
    responses((status = 200, body = SettingsView), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn put_settings(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiJson(req): ApiJson<SettingsView>,
) -> Result<Json<SettingsView>, ApiError> {
    save_settings(&state, &caller, &req).await?;
    Ok(Json(settings_view(&state).await?))
}

/// Check and save the protection settings (administrators); the API and the administrator's
/// page both come here.
pub(crate) async fn save_settings(
    state: &AppState,
    caller: &Caller,
    req: &SettingsView,
) -> Result<(), ApiError> {
    caller
        .may(state, Capability::Settings, Action::Update, Target::Office)
        .await?;
    for m in [req.counter_minutes, req.phone_minutes, req.visit_minutes] {
        rules::parse_contact_minutes(&m.to_string())?;
    }
    if req.evidence_retention_days < 365 {
        return Err(ApiError::bad_request(
            "retention_too_short",
            "증거 보존 기간은 365일 이상이어야 합니다",
            "evidence is kept at least 365 days",
        ));
    }
    // The alert line's settings name accounts that must exist and be able to sign in now.
    let all = store::office::accounts::list(&state.db, None).await?;
    if let Some(rules::DeskAddress::Username(u)) = rules::parse_security_desk(&req.security_desk)?
        && staff_named(&all, &u).is_none()
    {
        return Err(ApiError::bad_request(
            "security_desk_invalid",
            format!(
                "방호실 계정 '{u}'이(가) 없거나 사용 중지되었습니다. 계정 아이디, 메일 주소 또는 휴대전화 번호를 적으세요"
            ),
            format!(
                "no active staff account '{u}': give an account username, a mail address or a mobile number"
            ),
        ));
    }
    // The office head: one account flagged `office_head`; an empty name clears the flag.
    let office_head = match req.office_head.as_deref().map(str::trim) {
        None => None,
        Some("") => Some(None),
        Some(head) => match staff_named(&all, head) {
            Some(a) => Some(Some(a.id)),
            None => {
                return Err(ApiError::bad_request(
                    "office_head_invalid",
                    format!("민원실장 계정 '{head}'이(가) 없거나 사용 중지되었습니다"),
                    format!(
                        "no active staff account '{head}' for the head of the civil-affairs office"
                    ),
                ));
            }
        },
    };
    if let Some(secs) = req.alert_escalation_seconds {
        rules::parse_escalation_seconds(&secs.to_string())?;
    }
    let now = store::now();
    if let Some(head) = office_head {
        let mut tx = state.db.begin().await?;
        store::office::accounts::make_office_head(&mut tx, head).await?;
        store::office::audit::append(
            &mut tx,
            &crate::access_record(
                caller,
                "accounts",
                "accounts.office_head",
                "protection settings",
            ),
        )
        .await?;
        tx.commit().await?;
    }
    if let Some(secs) = req.alert_escalation_seconds {
        store::office::settings::set(&state.db, ESCALATION_KEY, &secs.to_string(), now).await?;
    }
    for (ch, m) in [
        (Channel::Counter, req.counter_minutes),
        (Channel::Phone, req.phone_minutes),
        (Channel::Visit, req.visit_minutes),
    ] {
        store::office::settings::set(&state.db, &sp::contact_minutes_key(ch), &m.to_string(), now)
            .await?;
    }
    store::office::settings::set(
        &state.db,
        sp::RETENTION_KEY,
        &req.evidence_retention_days.to_string(),
        now,
    )
    .await?;
    store::office::settings::set(
        &state.db,
        sp::SECURITY_DESK_KEY,
        req.security_desk.trim(),
        now,
    )
    .await?;
    state
        .log_access(caller, "settings", "settings.update", "protection")
        .await
}

// ---------------------------------------------------------------------------------------------
// Background work
// ---------------------------------------------------------------------------------------------

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
