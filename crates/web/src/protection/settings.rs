//! The protection settings (contact times, evidence retention, the alert line).

use super::alerts::{ESCALATION_KEY, escalation_seconds, staff_named};
use crate::AppState;
use crate::kit::auth::{ApiCaller, Caller};
use crate::kit::error::{ApiError, ErrorBody};
use crate::kit::json::ApiJson;
use axum::Json;
use axum::extract::State;
use domain::access::{Action, Capability, Target};
use domain::protection::{self as rules, Channel};
use serde::{Deserialize, Serialize};
use store::protection::{self as sp};
use utoipa::ToSchema;

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
pub(crate) async fn get_settings(
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
pub(crate) async fn put_settings(
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
        crate::commit_logged(
            tx,
            caller,
            "accounts",
            "accounts.office_head",
            "protection settings",
        )
        .await?;
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
