//! A person's own account (내 계정) in the JSON API, and the steps the pages share with it:
//! changing one's password, the list of one's sessions and signing out the others, two-factor
//! sign-in with TOTP and recovery codes, residents' sign-up with a code sent through the
//! outbox, and the office head's late petitions across departments.

use crate::AppState;
use crate::kit::auth::{
    ApiCaller, Caller, Credential, SESSION_COOKIE, TOTP_REQUIRED_SETTING, cookie, totp_required,
};
use crate::kit::error::{ApiError, ErrorBody};
use crate::kit::extract::Json;
use crate::kit::json::ApiJson;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use domain::access::{Action, Capability, Target};
use domain::office::accounts::{validate_display_name, validate_password, validate_username};
use serde::{Deserialize, Serialize};
use store::office::accounts::{self, SessionInfo};
use store::{office::audit, office::mfa, office::signup};
use utoipa::{OpenApi, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(AccountDoc::openapi())
        .routes(routes!(api_change_password))
        .routes(routes!(api_sessions))
        .routes(routes!(api_end_others))
        .routes(routes!(api_totp_start, api_totp_disable))
        .routes(routes!(api_totp_confirm))
        .routes(routes!(api_signup))
        .routes(routes!(api_signup_verify))
        .routes(routes!(api_late))
        .routes(routes!(api_set_totp_required))
}

#[derive(OpenApi)]
#[openapi(components(schemas(
    PasswordChange,
    SessionView,
    Ended,
    TotpEnrolment,
    TotpCode,
    RecoveryCodes,
    TotpDisable,
    SignUpRequest,
    SignUpStarted,
    SignUpVerify,
    SignedUp,
    LateView,
    TotpRequired
)))]
pub struct AccountDoc;

// ---------------------------------------------------------------------------------------------
// The steps, shared by the API and the pages.

fn wrong_password() -> ApiError {
    ApiError::new(
        StatusCode::BAD_REQUEST,
        "wrong_password",
        "지금 비밀번호가 맞지 않습니다",
        "the current password is not right",
    )
}

async fn check_own_password(
    state: &AppState,
    caller: &Caller,
    password: &str,
) -> Result<(), ApiError> {
    let (_, hash) = accounts::find_for_login(&state.db, &caller.account.username)
        .await?
        .ok_or_else(ApiError::not_found)?;
    if store::kit::secrets::verify_password(password, &hash) {
        Ok(())
    } else {
        Err(wrong_password())
    }
}

/// Change one's own password: the current one is checked, the new one follows the rules and
/// differs; every other session and API token ends. Returns how many sessions ended.
pub async fn change_password(
    state: &AppState,
    caller: &Caller,
    current: &str,
    new: &str,
    keep_token: Option<&str>,
) -> Result<u64, ApiError> {
    check_own_password(state, caller, current).await?;
    validate_password(new)?;
    if new == current {
        return Err(ApiError::bad_request(
            "same_password",
            "새 비밀번호가 지금 비밀번호와 같습니다",
            "the new password is the same as the current one",
        ));
    }
    let hash = store::kit::secrets::hash_password(new)?;
    let now = store::now();
    let mut tx = state.db.begin().await?;
    let ended =
        accounts::change_own_password(&mut tx, caller.account.id, &hash, keep_token, now).await?;
    crate::commit_logged(
        tx,
        caller,
        &format!("account:{}", caller.account.id),
        "account.password_change",
        "",
    )
    .await?;
    Ok(ended)
}

/// The session cookie of this request, when the caller came with one.
pub fn session_token<'a>(caller: &Caller, headers: &'a HeaderMap) -> Option<&'a str> {
    match caller.credential {
        Credential::Session { .. } => cookie(headers, SESSION_COOKIE),
        Credential::ApiToken { .. } => None,
    }
}

/// End every session but the caller's own (all of them when asked with an API token).
pub async fn end_other_sessions(
    state: &AppState,
    caller: &Caller,
    keep_token: Option<&str>,
) -> Result<u64, ApiError> {
    let mut tx = state.db.begin().await?;
    let ended = accounts::end_other_sessions(&mut tx, caller.account.id, keep_token).await?;
    crate::commit_logged(
        tx,
        caller,
        &format!("account:{}", caller.account.id),
        "account.sessions_end_others",
        &ended.to_string(),
    )
    .await?;
    Ok(ended)
}

/// Start TOTP enrolment: a fresh secret, shown now and never again.
pub async fn totp_start(state: &AppState, caller: &Caller) -> Result<mfa::Enrolment, ApiError> {
    if caller.account.totp_enabled {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "totp_enabled",
            "이중 인증이 이미 켜져 있습니다. 바꾸려면 먼저 끄세요",
            "two-factor sign-in is already on; turn it off first to change the device",
        ));
    }
    let mut tx = state.db.begin().await?;
    let e = mfa::begin_enrolment(
        &mut tx,
        &state.petitions.key,
        caller.account.id,
        &caller.account.username,
    )
    .await?;
    tx.commit().await?;
    Ok(e)
}

/// Confirm enrolment with a first code; returns the recovery codes (shown once).
pub async fn totp_confirm(
    state: &AppState,
    caller: &Caller,
    code: &str,
) -> Result<Vec<String>, ApiError> {
    let now = store::now();
    let mut tx = state.db.begin().await?;
    let codes =
        mfa::confirm_enrolment(&mut tx, &state.petitions.key, caller.account.id, code, now).await?;
    crate::commit_logged(
        tx,
        caller,
        &format!("account:{}", caller.account.id),
        "account.totp_enable",
        "",
    )
    .await?;
    Ok(codes)
}

/// Turn two-factor sign-in off: the password and a current code (or recovery code) prove it is
/// the person. Refused while the setting makes it compulsory for the role.
pub async fn totp_disable(
    state: &AppState,
    caller: &Caller,
    password: &str,
    code: &str,
) -> Result<(), ApiError> {
    if totp_required(state, &caller.account).await? {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "totp_required",
            "이 역할은 이중 인증이 의무입니다",
            "two-factor sign-in is compulsory for this role",
        ));
    }
    check_own_password(state, caller, password).await?;
    let now = store::now();
    let mut tx = state.db.begin().await?;
    mfa::verify(&mut tx, &state.petitions.key, caller.account.id, code, now).await?;
    mfa::disable(&mut tx, caller.account.id).await?;
    crate::commit_logged(
        tx,
        caller,
        &format!("account:{}", caller.account.id),
        "account.totp_disable",
        "",
    )
    .await?;
    Ok(())
}

/// What a sign-up form or request carries.
pub struct SignUpInput<'a> {
    pub username: &'a str,
    pub display_name: &'a str,
    pub contact: &'a str,
    pub password: &'a str,
}

/// Which field a sign-up error belongs to, for showing it next to that field.
pub fn signup_field(code: &str) -> &'static str {
    match code {
        "invalid_username" | "conflict" => "username",
        "invalid_name" => "display_name",
        "invalid_contact" => "contact",
        "weak_password" => "password",
        _ => "",
    }
}

/// Start a resident's sign-up: the inactive account, the code in the outbox, one transaction.
pub async fn signup_start(
    state: &AppState,
    input: &SignUpInput<'_>,
    address: &str,
) -> Result<signup::Pending, ApiError> {
    validate_username(input.username.trim())?;
    validate_display_name(input.display_name)?;
    domain::office::accounts::validate_contact(input.contact)?;
    validate_password(input.password)?;
    let hash = store::kit::secrets::hash_password(input.password)?;
    let now = store::now();
    let mut tx = state.db.begin().await?;
    let pending = signup::start(
        &mut tx,
        &signup::SignUp {
            username: input.username.trim(),
            display_name: input.display_name,
            contact: input.contact,
            password_hash: &hash,
        },
        now,
    )
    .await
    .map_err(ApiError::from)?;
    audit::append(
        &mut tx,
        &domain::office::audit::AuditRecord {
            at: now,
            account_id: Some(pending.account.id),
            address: address.to_string(),
            subject: format!("account:{}", pending.account.id),
            action: "account.signup".into(),
            reason: pending.channel.as_str().into(),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(pending)
}

/// Check a sign-up code; a wrong one is counted so guessing stops after a few tries.
pub async fn signup_verify(
    state: &AppState,
    token: &str,
    code: &str,
    address: &str,
) -> Result<signup::Verified, ApiError> {
    let now = store::now();
    let mut tx = state.db.begin().await?;
    match signup::verify(&mut tx, token, code, now).await {
        Ok(v) => {
            audit::append(
                &mut tx,
                &domain::office::audit::AuditRecord {
                    at: now,
                    account_id: Some(v.account.id),
                    address: address.to_string(),
                    subject: format!("account:{}", v.account.id),
                    action: "account.signup_verified".into(),
                    reason: format!("petitions claimed: {}", v.claimed),
                },
            )
            .await?;
            tx.commit().await?;
            Ok(v)
        }
        Err(e) => {
            drop(tx);
            if matches!(&e, store::StoreError::Rule(r) if r.code == "wrong_code") {
                signup::count_wrong(&state.db, token).await?;
            }
            Err(e.into())
        }
    }
}

/// One late petition as the office head's overview shows it: no names, no contents.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LateView {
    pub id: i64,
    pub receipt_no: Option<String>,
    pub type_name: String,
    pub department: String,
    pub state: String,
    pub due_at: Option<DateTime<Utc>>,
    /// Working minutes past the due moment.
    pub late_minutes: Option<i64>,
}

/// Every department's late petitions, most late first (the office head).
pub async fn late_petitions(state: &AppState, caller: &Caller) -> Result<Vec<LateView>, ApiError> {
    caller
        .may(
            state,
            Capability::LatePetitions,
            Action::Read,
            Target::Office,
        )
        .await?;
    let now = store::now();
    let filter = store::petitions::QueueFilter {
        overdue: true,
        limit: 500,
        ..Default::default()
    };
    let page = store::petitions::queue(&state.db, &filter, now).await?;
    let depts: std::collections::HashMap<i64, String> = store::office::departments::list(&state.db)
        .await?
        .into_iter()
        .map(|d| (d.id, d.name))
        .collect();
    let types: std::collections::HashMap<i64, String> =
        store::petitions::list_types(&state.db, false)
            .await?
            .into_iter()
            .map(|t| (t.id, t.name))
            .collect();
    let mut rows: Vec<LateView> = page
        .items
        .into_iter()
        .map(|i| LateView {
            id: i.petition.id,
            receipt_no: i.petition.receipt_no.clone(),
            type_name: types.get(&i.petition.type_id).cloned().unwrap_or_default(),
            department: i
                .petition
                .department_id
                .and_then(|d| depts.get(&d).cloned())
                .unwrap_or_default(),
            state: i.petition.state.as_str().to_string(),
            due_at: i.due,
            late_minutes: i.working_minutes_left.map(|m| -m),
        })
        .collect();
    rows.sort_by_key(|r| std::cmp::Reverse(r.late_minutes.unwrap_or(0)));
    Ok(rows)
}

// ---------------------------------------------------------------------------------------------
// The API.

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordChange {
    current_password: String,
    new_password: String,
}

#[derive(Serialize, ToSchema)]
pub struct Ended {
    /// How many other sessions ended.
    ended: u64,
}

/// Change your own password. Every other session and API token ends; the session in use stays.
#[utoipa::path(post, path = "/api/v1/me/password", tag = "accounts", request_body = PasswordChange,
    security(("bearer" = [])),
    responses((status = 200, body = Ended), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
async fn api_change_password(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    headers: HeaderMap,
    ApiJson(req): ApiJson<PasswordChange>,
) -> Result<Json<Ended>, ApiError> {
    let keep = session_token(&caller, &headers);
    let ended = change_password(
        &state,
        &caller,
        &req.current_password,
        &req.new_password,
        keep,
    )
    .await?;
    Ok(Json(Ended { ended }))
}

#[derive(Serialize, ToSchema)]
pub struct SessionView {
    /// Names the session (a prefix of its stored hash), never its cookie.
    id: String,
    address: String,
    user_agent: String,
    created_at: DateTime<Utc>,
    expires_at: DateTime<Utc>,
    /// The session this request came with.
    current: bool,
}

impl From<SessionInfo> for SessionView {
    fn from(s: SessionInfo) -> Self {
        SessionView {
            id: s.id,
            address: s.address,
            user_agent: s.user_agent,
            created_at: s.created_at,
            expires_at: s.expires_at,
            current: s.current,
        }
    }
}

/// Your live browser sessions, newest first.
#[utoipa::path(get, path = "/api/v1/me/sessions", tag = "accounts", security(("bearer" = [])),
    responses((status = 200, body = [SessionView]), (status = 401, body = ErrorBody)))]
async fn api_sessions(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    headers: HeaderMap,
) -> Result<Json<Vec<SessionView>>, ApiError> {
    let list = accounts::list_sessions(
        &state.db,
        caller.account.id,
        session_token(&caller, &headers),
        store::now(),
    )
    .await?;
    Ok(Json(list.into_iter().map(SessionView::from).collect()))
}

/// Sign out your other sessions (with an API token: every browser session).
#[utoipa::path(delete, path = "/api/v1/me/sessions/others", tag = "accounts", security(("bearer" = [])),
    responses((status = 200, body = Ended), (status = 401, body = ErrorBody)))]
async fn api_end_others(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    headers: HeaderMap,
) -> Result<Json<Ended>, ApiError> {
    let ended = end_other_sessions(&state, &caller, session_token(&caller, &headers)).await?;
    Ok(Json(Ended { ended }))
}

#[derive(Serialize, ToSchema)]
pub struct TotpEnrolment {
    /// Base32 secret for typing into an authenticator app. Shown this once.
    secret: String,
    /// The `otpauth://` address (what a QR code holds).
    otpauth_uri: String,
}

/// Start two-factor enrolment: returns a new secret; confirm with a first code.
#[utoipa::path(post, path = "/api/v1/me/totp", tag = "accounts", security(("bearer" = [])),
    responses((status = 201, body = TotpEnrolment), (status = 409, body = ErrorBody)))]
async fn api_totp_start(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
) -> Result<Response, ApiError> {
    let e = totp_start(&state, &caller).await?;
    Ok((
        StatusCode::CREATED,
        Json(TotpEnrolment {
            secret: e.secret_base32,
            otpauth_uri: e.otpauth_uri,
        }),
    )
        .into_response())
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TotpCode {
    /// The 6-digit code the app shows now.
    code: String,
}

#[derive(Serialize, ToSchema)]
pub struct RecoveryCodes {
    /// Ten single-use codes for when the phone is lost. Shown this once.
    recovery_codes: Vec<String>,
}

/// Confirm enrolment with the app's current code; two-factor sign-in is on from now.
#[utoipa::path(post, path = "/api/v1/me/totp/confirm", tag = "accounts", request_body = TotpCode,
    security(("bearer" = [])),
    responses((status = 200, body = RecoveryCodes), (status = 400, body = ErrorBody)))]
async fn api_totp_confirm(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiJson(req): ApiJson<TotpCode>,
) -> Result<Json<RecoveryCodes>, ApiError> {
    let recovery_codes = totp_confirm(&state, &caller, &req.code).await?;
    Ok(Json(RecoveryCodes { recovery_codes }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TotpDisable {
    password: String,
    /// A current app code or an unused recovery code.
    code: String,
}

/// Turn two-factor sign-in off (refused where the setting makes it compulsory).
#[utoipa::path(delete, path = "/api/v1/me/totp", tag = "accounts", request_body = TotpDisable,
    security(("bearer" = [])),
    responses((status = 204), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn api_totp_disable(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiJson(req): ApiJson<TotpDisable>,
) -> Result<StatusCode, ApiError> {
    totp_disable(&state, &caller, &req.password, &req.code).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignUpRequest {
    username: String,
    display_name: String,
    /// An e-mail address (code by mail) or a mobile number (code by SMS).
    contact: String,
    password: String,
}

#[derive(Serialize, ToSchema)]
pub struct SignUpStarted {
    /// Names this sign-up when verifying. Keep it; it is not shown again.
    signup_token: String,
    /// `email` or `sms`.
    channel: String,
    /// Where the code went, masked.
    sent_to: String,
    expires_at: DateTime<Utc>,
}

/// A resident signs up: the account waits, inactive, for the code sent to the contact.
#[utoipa::path(post, path = "/api/v1/signup", tag = "accounts", request_body = SignUpRequest,
    responses((status = 202, body = SignUpStarted), (status = 400, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn api_signup(
    State(state): State<AppState>,
    crate::kit::auth::Address(address): crate::kit::auth::Address,
    ApiJson(req): ApiJson<SignUpRequest>,
) -> Result<Response, ApiError> {
    let p = signup_start(
        &state,
        &SignUpInput {
            username: &req.username,
            display_name: &req.display_name,
            contact: &req.contact,
            password: &req.password,
        },
        &address,
    )
    .await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(SignUpStarted {
            signup_token: p.token,
            channel: p.channel.as_str().to_string(),
            sent_to: p.recipient,
            expires_at: p.expires_at,
        }),
    )
        .into_response())
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignUpVerify {
    signup_token: String,
    code: String,
}

#[derive(Serialize, ToSchema)]
pub struct SignedUp {
    /// An API token for the new account.
    token: String,
    expires_at: DateTime<Utc>,
    account_id: i64,
    /// Earlier petitions filed under the verified contact, now under this account.
    claimed_petitions: u64,
}

/// Verify the sign-up code: the account becomes active and an API token is returned.
#[utoipa::path(post, path = "/api/v1/signup/verify", tag = "accounts", request_body = SignUpVerify,
    responses((status = 201, body = SignedUp), (status = 400, body = ErrorBody)))]
async fn api_signup_verify(
    State(state): State<AppState>,
    crate::kit::auth::Address(address): crate::kit::auth::Address,
    ApiJson(req): ApiJson<SignUpVerify>,
) -> Result<Response, ApiError> {
    let v = signup_verify(&state, &req.signup_token, &req.code, &address).await?;
    let now = store::now();
    let mut tx = state.db.begin().await?;
    let (token, secret) = accounts::create_api_token(
        &mut tx,
        v.account.id,
        "signup",
        chrono::Duration::days(state.config.token_days),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok((
        StatusCode::CREATED,
        Json(SignedUp {
            token: secret,
            expires_at: token.expires_at,
            account_id: v.account.id,
            claimed_petitions: v.claimed,
        }),
    )
        .into_response())
}

/// Late petitions of every department (the head of the civil-affairs office).
#[utoipa::path(get, path = "/api/v1/petitions/late", tag = "accounts", security(("bearer" = [])),
    responses((status = 200, body = [LateView]), (status = 403, body = ErrorBody)))]
async fn api_late(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
) -> Result<Json<Vec<LateView>>, ApiError> {
    Ok(Json(late_petitions(&state, &caller).await?))
}

#[derive(Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TotpRequired {
    /// Whether administrators and protection officers must sign in with a second factor.
    required: bool,
}

/// Make two-factor sign-in compulsory (or not) for administrators and protection officers.
#[utoipa::path(put, path = "/api/v1/settings/totp-required", tag = "accounts", request_body = TotpRequired,
    security(("bearer" = [])),
    responses((status = 200, body = TotpRequired), (status = 403, body = ErrorBody)))]
async fn api_set_totp_required(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiJson(req): ApiJson<TotpRequired>,
) -> Result<Json<TotpRequired>, ApiError> {
    set_totp_required(&state, &caller, req.required).await?;
    Ok(Json(req))
}

/// Store the setting (administrators), logged.
pub async fn set_totp_required(
    state: &AppState,
    caller: &Caller,
    required: bool,
) -> Result<(), ApiError> {
    caller
        .may(state, Capability::Settings, Action::Update, Target::Office)
        .await?;
    let now = store::now();
    store::office::settings::set(
        &state.db,
        TOTP_REQUIRED_SETTING,
        if required { "true" } else { "false" },
        now,
    )
    .await?;
    state
        .log_access(
            caller,
            "settings",
            "settings.totp_required",
            if required { "true" } else { "false" },
        )
        .await
}
