//! The JSON API under `/api/v1`, described by the OpenAPI document at `/api/v1/openapi.json`.

use crate::AppState;
use crate::kit::auth::{Address, ApiCaller, Caller, Credential, check_login};
use crate::kit::error::{ApiError, ErrorBody};
use crate::kit::extract::{Json, Path, Query};
use crate::kit::json::ApiJson;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use domain::access::{Action, Capability, Target};
use domain::office::accounts::{Role, validate_password};
use domain::privacy::{PersonalKind, mask};
use serde::{Deserialize, Serialize};
use store::office::accounts::{self, Account};
use store::{office::audit, office::departments};
use utoipa::{OpenApi, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(healthz))
        .routes(routes!(create_token))
        .routes(routes!(revoke_current_token))
        .routes(routes!(me))
        .routes(routes!(list_departments, create_department))
        .routes(routes!(set_public_phone))
        .routes(routes!(get_hide_names, set_hide_names))
        .routes(routes!(list_accounts, create_account))
        .routes(routes!(get_account))
        .routes(routes!(reset_password))
        .routes(routes!(list_audit))
        .routes(routes!(verify_audit))
}

#[derive(OpenApi)]
#[openapi(components(schemas(
    ErrorBody,
    Health,
    TokenRequest,
    TokenResponse,
    AccountView,
    DepartmentView,
    NewDepartmentRequest,
    PublicPhoneRequest,
    HideNamesSetting,
    NewAccountRequest,
    PasswordRequest,
    AuditEntryView,
    AuditVerification
)))]
pub struct ApiDoc;

#[derive(Serialize, ToSchema)]
pub struct Health {
    status: &'static str,
    database: &'static str,
}

/// Liveness and database reachability.
#[utoipa::path(get, path = "/healthz", responses((status = 200, body = Health), (status = 503, body = ErrorBody)))]
async fn healthz(State(state): State<AppState>) -> Response {
    match state.db.ping().await {
        Ok(()) => Json(Health {
            status: "ok",
            database: state.db.backend(),
        })
        .into_response(),
        Err(e) => {
            tracing::error!(error = %e, "health check failed");
            ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "database_unavailable",
                "데이터베이스에 연결할 수 없습니다",
                "the database is unreachable",
            )
            .into_response()
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TokenRequest {
    username: String,
    password: String,
    /// A label for the token, e.g. the script that uses it.
    name: Option<String>,
    /// The authenticator app's current code (or a recovery code) when the account signs in
    /// with two factors.
    totp_code: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct TokenResponse {
    /// Shown once; send as `Authorization: Bearer <token>`.
    token: String,
    expires_at: DateTime<Utc>,
}

/// Exchange a username and password for an API token (login throttling applies).
#[utoipa::path(post, path = "/api/v1/tokens", request_body = TokenRequest,
    responses((status = 201, body = TokenResponse), (status = 401, body = ErrorBody), (status = 429, body = ErrorBody)))]
async fn create_token(
    State(state): State<AppState>,
    Address(address): Address,
    ApiJson(req): ApiJson<TokenRequest>,
) -> Result<Response, ApiError> {
    let account = check_login(&state, &req.username, &req.password, &address).await?;
    let now = store::now();
    let name = req.name.unwrap_or_else(|| "api".to_string());
    let mut tx = state.db.begin().await?;
    if account.totp_enabled {
        let code = req.totp_code.as_deref().unwrap_or_default();
        if code.trim().is_empty() {
            return Err(ApiError::new(
                StatusCode::UNAUTHORIZED,
                "totp_code_required",
                "이중 인증 코드(totp_code)가 필요합니다",
                "this account needs its two-factor code in totp_code",
            ));
        }
        store::office::mfa::verify(&mut tx, &state.petitions.key, account.id, code, now).await?;
    } else if crate::kit::auth::must_enrol(&state, &account).await? {
        return Err(crate::kit::auth::enrol_first());
    }
    let (token, secret) = accounts::create_api_token(
        &mut tx,
        account.id,
        &name,
        chrono::Duration::days(state.config.token_days),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok((
        StatusCode::CREATED,
        Json(TokenResponse {
            token: secret,
            expires_at: token.expires_at,
        }),
    )
        .into_response())
}

/// Revoke the token this request is made with.
#[utoipa::path(delete, path = "/api/v1/tokens/current", security(("bearer" = [])),
    responses((status = 204), (status = 401, body = ErrorBody)))]
async fn revoke_current_token(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
) -> Result<StatusCode, ApiError> {
    match caller.credential {
        Credential::ApiToken { token_id } => {
            accounts::revoke_api_token(&state.db, token_id, store::now()).await?;
            Ok(StatusCode::NO_CONTENT)
        }
        Credential::Session { .. } => Err(ApiError::bad_request(
            "not_a_token",
            "API 토큰으로 보낸 요청이 아닙니다",
            "this request was not made with an API token",
        )),
    }
}

/// An account as the API shows it. Contact data is masked unless the reader may see it whole.
#[derive(Serialize, ToSchema)]
pub struct AccountView {
    id: i64,
    username: String,
    display_name: String,
    email: String,
    phone: String,
    #[schema(value_type = String, example = "official")]
    role: Role,
    department_id: Option<i64>,
    active: bool,
    created_at: DateTime<Utc>,
}

impl AccountView {
    fn new(a: Account, masked: bool) -> Self {
        let (email, phone) = if masked {
            (
                mask(PersonalKind::Email, &a.email),
                mask(PersonalKind::Phone, &a.phone),
            )
        } else {
            (a.email, a.phone)
        };
        Self {
            id: a.id,
            username: a.username,
            display_name: a.display_name,
            email,
            phone,
            role: a.role,
            department_id: a.department_id,
            active: a.active,
            created_at: a.created_at,
        }
    }
}

/// The caller's own account.
#[utoipa::path(get, path = "/api/v1/me", security(("bearer" = [])),
    responses((status = 200, body = AccountView), (status = 401, body = ErrorBody)))]
async fn me(ApiCaller(caller): ApiCaller) -> Json<AccountView> {
    Json(AccountView::new(caller.account, false))
}

#[derive(Serialize, ToSchema)]
pub struct DepartmentView {
    id: i64,
    code: String,
    name: String,
    name_en: String,
    parent_id: Option<i64>,
    /// 대표 전화: given to residents instead of an official's name and number when names are hidden.
    public_phone: String,
}

impl From<departments::Department> for DepartmentView {
    fn from(d: departments::Department) -> Self {
        Self {
            id: d.id,
            code: d.code,
            name: d.name,
            name_en: d.name_en,
            parent_id: d.parent_id,
            public_phone: d.public_phone,
        }
    }
}

/// The org chart.
#[utoipa::path(get, path = "/api/v1/departments", security(("bearer" = [])),
    responses((status = 200, body = [DepartmentView]), (status = 403, body = ErrorBody)))]
async fn list_departments(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
) -> Result<Json<Vec<DepartmentView>>, ApiError> {
    caller
        .may(
            &state,
            Capability::Departments,
            Action::Read,
            Target::Office,
        )
        .await?;
    let rows = departments::list(&state.db).await?;
    Ok(Json(rows.into_iter().map(DepartmentView::from).collect()))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewDepartmentRequest {
    code: String,
    name: String,
    #[serde(default)]
    name_en: String,
    parent_code: Option<String>,
    /// 대표 전화, e.g. `031-580-2114`.
    #[serde(default)]
    public_phone: String,
}

/// Add a department (administrators).
#[utoipa::path(post, path = "/api/v1/departments", security(("bearer" = [])), request_body = NewDepartmentRequest,
    responses((status = 201, body = DepartmentView), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn create_department(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiJson(req): ApiJson<NewDepartmentRequest>,
) -> Result<Response, ApiError> {
    caller
        .may(
            &state,
            Capability::Departments,
            Action::Create,
            Target::Office,
        )
        .await?;
    let mut tx = state.db.begin().await?;
    let d = departments::create(
        &mut tx,
        &departments::NewDepartment {
            code: &req.code,
            name: &req.name,
            name_en: &req.name_en,
            parent_code: req.parent_code.as_deref().filter(|s| !s.is_empty()),
        },
        store::now(),
    )
    .await?;
    // In the same transaction: a bad phone leaves no department behind.
    let d = departments::set_public_phone(&mut tx, d.id, &req.public_phone).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(DepartmentView::from(d))).into_response())
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PublicPhoneRequest {
    /// e.g. `031-580-2114`; empty clears it.
    public_phone: String,
}

/// Set a department's public phone (administrators). With officials' names hidden, residents
/// are given the department and this number.
#[utoipa::path(put, path = "/api/v1/departments/{code}/public-phone", security(("bearer" = [])),
    request_body = PublicPhoneRequest, params(("code" = String, Path)),
    responses((status = 200, body = DepartmentView), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn set_public_phone(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path(code): Path<String>,
    ApiJson(req): ApiJson<PublicPhoneRequest>,
) -> Result<Json<DepartmentView>, ApiError> {
    caller
        .may(
            &state,
            Capability::Departments,
            Action::Update,
            Target::Office,
        )
        .await?;
    let before = departments::get_by_code(&state.db, &code)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let mut tx = state.db.begin().await?;
    let d = departments::set_public_phone(&mut tx, before.id, &req.public_phone).await?;
    crate::commit_logged(
        tx,
        &caller,
        &format!("department:{}", d.id),
        "department.update",
        "public_phone",
    )
    .await?;
    Ok(Json(DepartmentView::from(d)))
}

/// Whether the office hides officials' names from residents (담당자 실명 비공개).
#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HideNamesSetting {
    /// `true`: notices, the tracking page and answer, the resident's own petition JSON and
    /// Open311 give the department and its public phone, never the official's name or number.
    hide_handler_names: bool,
}

/// Read the name-hiding setting (administrators). The read is recorded in the access log.
#[utoipa::path(get, path = "/api/v1/settings/hide-handler-names", security(("bearer" = [])),
    responses((status = 200, body = HideNamesSetting), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn get_hide_names(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
) -> Result<Json<HideNamesSetting>, ApiError> {
    caller
        .may(&state, Capability::Settings, Action::Read, Target::Office)
        .await?;
    let hide = caller.settings(&state).await?.hide_handler_names();
    state
        .log_access(
            &caller,
            "settings",
            "settings.read",
            store::office::settings::HIDE_HANDLER_NAMES,
        )
        .await?;
    Ok(Json(HideNamesSetting {
        hide_handler_names: hide,
    }))
}

/// Turn name hiding on or off (administrators); the change and its access-log entry are one
/// transaction.
#[utoipa::path(put, path = "/api/v1/settings/hide-handler-names", security(("bearer" = [])),
    request_body = HideNamesSetting,
    responses((status = 200, body = HideNamesSetting), (status = 422, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn set_hide_names(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiJson(req): ApiJson<HideNamesSetting>,
) -> Result<Json<HideNamesSetting>, ApiError> {
    save_hide_names(&state, &caller, req.hide_handler_names).await?;
    Ok(Json(req))
}

/// The administration page's settings form: name hiding and the office's address and phone
/// (already checked by `domain::office::contact`), one transaction with its access-log entry.
pub(crate) async fn save_settings(
    state: &AppState,
    caller: &Caller,
    hide: bool,
    address: &str,
    phone: &str,
) -> Result<(), ApiError> {
    caller
        .may(state, Capability::Settings, Action::Update, Target::Office)
        .await?;
    let mut tx = state.db.begin().await?;
    let now = store::now();
    store::office::settings::set_hide_handler_names(&mut tx, hide, now).await?;
    store::office::settings::set_office_contact(&mut tx, address, phone, now).await?;
    crate::commit_logged(tx, caller, "settings", "settings.update", "office").await?;
    Ok(())
}

/// Turn name hiding on or off (API and administration page), with its access-log entry.
pub(crate) async fn save_hide_names(
    state: &AppState,
    caller: &Caller,
    hide: bool,
) -> Result<(), ApiError> {
    caller
        .may(state, Capability::Settings, Action::Update, Target::Office)
        .await?;
    let mut tx = state.db.begin().await?;
    store::office::settings::set_hide_handler_names(&mut tx, hide, store::now()).await?;
    crate::commit_logged(
        tx,
        caller,
        "settings",
        "settings.update",
        store::office::settings::HIDE_HANDLER_NAMES,
    )
    .await?;
    Ok(())
}

/// Accounts the caller may read (administrators: all; supervisors: their division), contact
/// data masked. The listing is recorded in the access log.
#[utoipa::path(get, path = "/api/v1/accounts", security(("bearer" = [])),
    responses((status = 200, body = [AccountView]), (status = 403, body = ErrorBody)))]
async fn list_accounts(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
) -> Result<Json<Vec<AccountView>>, ApiError> {
    let org = caller.org_chart(&state).await?;
    let actor = caller.actor();
    let office_wide =
        domain::access::reaches_office(actor.role, Capability::Accounts, Action::Read);
    let all = accounts::list(&state.db, None).await?;
    let visible: Vec<Account> = all
        .into_iter()
        .filter(|a| {
            office_wide
                || domain::access::decide(
                    &actor,
                    Capability::Accounts,
                    Action::Read,
                    Target::Record {
                        owner: Some(a.id),
                        department: a.department_id,
                        shared_with: &[],
                    },
                    org,
                )
                .is_ok()
        })
        .collect();
    if visible.is_empty() && !office_wide {
        // Nothing in reach at all means the role has no business here.
        caller
            .may(&state, Capability::Accounts, Action::Read, Target::Office)
            .await?;
    }
    state
        .log_access(&caller, "accounts", "account.list", "")
        .await?;
    Ok(Json(
        visible
            .into_iter()
            .map(|a| AccountView::new(a, true))
            .collect(),
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAccountRequest {
    username: String,
    display_name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    phone: String,
    #[schema(value_type = String, example = "official")]
    role: Role,
    department_code: Option<String>,
    password: String,
}

/// Create an account (administrators).
#[utoipa::path(post, path = "/api/v1/accounts", security(("bearer" = [])), request_body = NewAccountRequest,
    responses((status = 201, body = AccountView), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn create_account(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiJson(req): ApiJson<NewAccountRequest>,
) -> Result<Response, ApiError> {
    caller
        .may(&state, Capability::Accounts, Action::Create, Target::Office)
        .await?;
    validate_password(&req.password)?;
    let department_id = match req.department_code.as_deref().filter(|c| !c.is_empty()) {
        Some(code) => Some(
            departments::get_by_code(&state.db, code)
                .await?
                .ok_or_else(|| {
                    ApiError::bad_request(
                        "unknown_department",
                        format!("부서 '{code}'가 없습니다"),
                        format!("department '{code}' does not exist"),
                    )
                })?
                .id,
        ),
        None => None,
    };
    let hash = store::kit::secrets::hash_password(&req.password)?;
    let mut tx = state.db.begin().await?;
    let account = accounts::create(
        &mut tx,
        &accounts::NewAccount {
            username: &req.username,
            display_name: &req.display_name,
            email: &req.email,
            phone: &req.phone,
            role: req.role,
            department_id,
            password_hash: &hash,
        },
        store::now(),
    )
    .await?;
    crate::commit_logged(
        tx,
        &caller,
        &format!("account:{}", account.id),
        "account.create",
        "",
    )
    .await?;
    Ok((StatusCode::CREATED, Json(AccountView::new(account, false))).into_response())
}

/// `?reason=…`: why the reader needs unmasked personal data (required to reveal it).
#[derive(Deserialize)]
pub(crate) struct RevealQuery {
    pub(crate) reason: Option<String>,
}

/// One account. Contact data is masked unless `reason` is given by a reader allowed to update
/// accounts; either way the read is recorded in the access log.
#[utoipa::path(get, path = "/api/v1/accounts/{id}", security(("bearer" = [])),
    params(("id" = i64, Path), ("reason" = Option<String>, Query, description = "reason for revealing contact data")),
    responses((status = 200, body = AccountView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn get_account(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<i64>,
    Query(q): Query<RevealQuery>,
) -> Result<Json<AccountView>, ApiError> {
    let account = accounts::get(&state.db, id).await?;
    let target = Target::Record {
        owner: Some(account.id),
        department: account.department_id,
        shared_with: &[],
    };
    caller
        .may(&state, Capability::Accounts, Action::Read, target)
        .await?;
    let reason = q.reason.unwrap_or_default();
    let reveal = !reason.trim().is_empty()
        && caller
            .permits(&state, Capability::Accounts, Action::Update, target)
            .await?;
    let action = if reveal {
        "account.reveal"
    } else {
        "account.read"
    };
    state
        .log_access(&caller, &format!("account:{id}"), action, reason.trim())
        .await?;
    Ok(Json(AccountView::new(account, !reveal)))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordRequest {
    password: String,
}

/// Set a new password (administrators); ends the account's sessions and tokens.
#[utoipa::path(post, path = "/api/v1/accounts/{id}/password", security(("bearer" = [])), request_body = PasswordRequest,
    params(("id" = i64, Path)),
    responses((status = 204), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn reset_password(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<i64>,
    ApiJson(req): ApiJson<PasswordRequest>,
) -> Result<StatusCode, ApiError> {
    let account = accounts::get(&state.db, id).await?;
    caller
        .may(
            &state,
            Capability::Accounts,
            Action::Update,
            Target::Record {
                owner: Some(account.id),
                department: account.department_id,
                shared_with: &[],
            },
        )
        .await?;
    validate_password(&req.password)?;
    let hash = store::kit::secrets::hash_password(&req.password)?;
    let mut tx = state.db.begin().await?;
    accounts::set_password(&mut tx, id, &hash, store::now()).await?;
    crate::commit_logged(
        tx,
        &caller,
        &format!("account:{id}"),
        "account.password_reset",
        "",
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize, ToSchema)]
pub struct AuditEntryView {
    seq: i64,
    at: DateTime<Utc>,
    account_id: Option<i64>,
    address: String,
    subject: String,
    action: String,
    reason: String,
    hash: String,
}

#[derive(Deserialize)]
struct AuditParams {
    subject: Option<String>,
    account_id: Option<i64>,
    before: Option<i64>,
    limit: Option<i64>,
    /// Reason for reading the log (recorded).
    reason: Option<String>,
}

/// The access log, newest first (administrators). Reading it is itself recorded.
#[utoipa::path(get, path = "/api/v1/audit", security(("bearer" = [])),
    params(("subject" = Option<String>, Query), ("account_id" = Option<i64>, Query), ("before" = Option<i64>, Query),
           ("limit" = Option<i64>, Query), ("reason" = Option<String>, Query)),
    responses((status = 200, body = [AuditEntryView]), (status = 403, body = ErrorBody)))]
async fn list_audit(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Query(p): Query<AuditParams>,
) -> Result<Json<Vec<AuditEntryView>>, ApiError> {
    caller
        .may(&state, Capability::AuditLog, Action::Read, Target::Office)
        .await?;
    let entries = audit::list(
        &state.db,
        &audit::AuditQuery {
            subject: p.subject.filter(|s| !s.is_empty()),
            account_id: p.account_id,
            before_seq: p.before,
            limit: p.limit.unwrap_or(100),
        },
    )
    .await?;
    state
        .log_access(
            &caller,
            "audit_log",
            "audit.read",
            p.reason.as_deref().unwrap_or(""),
        )
        .await?;
    Ok(Json(
        entries
            .into_iter()
            .map(|e| AuditEntryView {
                seq: e.seq,
                at: e.at,
                account_id: e.account_id,
                address: e.address,
                subject: e.subject,
                action: e.action,
                reason: e.reason,
                hash: e.hash,
            })
            .collect(),
    ))
}

#[derive(Serialize, ToSchema)]
pub struct AuditVerification {
    intact: bool,
    entries: u64,
    /// What is broken, when it is.
    problem: Option<String>,
}

/// Recompute the access log's hash chain (administrators).
#[utoipa::path(get, path = "/api/v1/audit/verify", security(("bearer" = [])),
    responses((status = 200, body = AuditVerification), (status = 403, body = ErrorBody)))]
async fn verify_audit(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
) -> Result<Json<AuditVerification>, ApiError> {
    caller
        .may(&state, Capability::AuditLog, Action::Read, Target::Office)
        .await?;
    Ok(Json(match audit::verify(&state.db).await? {
        audit::Verification::Intact { entries } => AuditVerification {
            intact: true,
            entries,
            problem: None,
        },
        audit::Verification::Broken(b) => AuditVerification {
            intact: false,
            entries: 0,
            problem: Some(b.to_string()),
        },
    }))
}
