//! Who is calling: a browser session (cookie) or an API token (Authorization: Bearer), and the
//! CSRF check for browser requests that change something.

use crate::AppState;
use crate::kit::error::ApiError;
use crate::kit::security::client_ip;
use axum::body::Body;
use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use calendar::OfficeHours;
use domain::access::{self, Action, Actor, Capability, OrgChart, Target};
use std::collections::HashMap;
use std::sync::Arc;
use store::office::accounts::{self, Account};
use tokio::sync::OnceCell;

pub const SESSION_COOKIE: &str = "minwon_session";
/// Pre-session CSRF cookie for the login form (double submit).
pub const CSRF_COOKIE: &str = "minwon_csrf";

/// How the caller proved who they are.
#[derive(Debug, Clone)]
pub enum Credential {
    Session { csrf_token: String },
    ApiToken { token_id: i64 },
}

/// An authenticated caller.
#[derive(Debug, Clone)]
pub struct Caller {
    pub account: Account,
    pub credential: Credential,
    pub address: String,
    /// What the policy reads for this request, read once.
    facts: RequestFacts,
}

/// The org chart and the office settings as this request sees them: read on first use, then
/// shared by every question the request asks (clones of the caller share them), so one staff
/// action no longer goes back to the store for each.
#[derive(Debug, Clone, Default)]
struct RequestFacts {
    org: Arc<OnceCell<OrgChart>>,
    settings: Arc<OnceCell<Settings>>,
}

/// The office settings (key/value text), read once per request.
#[derive(Debug, Clone, Default)]
pub struct Settings(HashMap<String, String>);

impl Settings {
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).map(String::as_str)
    }

    /// The office hours, or the default when never set.
    pub fn office_hours(&self) -> Result<OfficeHours, ApiError> {
        Ok(store::office::settings::parse_office_hours(
            self.get(store::office::settings::OFFICE_HOURS),
        )?)
    }

    /// Whether officials' names are hidden from residents (absent = no).
    pub fn hide_handler_names(&self) -> bool {
        self.get(store::office::settings::HIDE_HANDLER_NAMES)
            .is_some_and(|v| v.trim() == "true")
    }
}

impl Caller {
    fn new(account: Account, credential: Credential, address: String) -> Self {
        Self {
            account,
            credential,
            address,
            facts: RequestFacts::default(),
        }
    }

    /// The org chart for this request.
    pub async fn org_chart(&self, state: &AppState) -> Result<&OrgChart, ApiError> {
        Ok(self
            .facts
            .org
            .get_or_try_init(|| store::office::departments::org_chart(&state.db))
            .await?)
    }

    /// The office settings for this request.
    pub async fn settings(&self, state: &AppState) -> Result<&Settings, ApiError> {
        Ok(self
            .facts
            .settings
            .get_or_try_init(|| async {
                let rows = store::office::settings::all(&state.db).await?;
                Ok::<_, store::StoreError>(Settings(rows.into_iter().collect()))
            })
            .await?)
    }

    /// Whether the header menu offers the caller a screen (see [`access::may_open`]).
    pub fn may_open(&self, screen: access::Screen) -> bool {
        access::may_open(&self.actor(), screen)
    }

    pub fn actor(&self) -> Actor {
        Actor {
            account_id: self.account.id,
            role: self.account.role,
            department_id: self.account.department_id,
            office_head: self.account.office_head,
        }
    }

    /// Ask the one access policy, with the org chart read once for the request. A refusal is written to the access log (the privacy officer's
    /// monthly review lists denied attempts).
    pub async fn may(
        &self,
        state: &AppState,
        capability: Capability,
        action: Action,
        target: Target<'_>,
    ) -> Result<(), ApiError> {
        if self.permits(state, capability, action, target).await? {
            return Ok(());
        }
        tracing::warn!(
            account = self.account.id,
            ?capability,
            ?action,
            "access denied"
        );
        let record = crate::access_record(
            self,
            &denied_subject(&target),
            &format!(
                "denied.{}.{}",
                snake(&format!("{capability:?}")),
                snake(&format!("{action:?}"))
            ),
            "접근 정책이 거부함 (refused by the access policy)",
        );
        if let Err(e) = store::office::audit::record(&state.db, &record).await {
            tracing::error!(error = %e, "could not log a denied access");
        }
        Err(ApiError::forbidden())
    }

    /// Ask the policy without logging a refusal: for choosing what to show (e.g. whether
    /// contact data is shown whole), never for guarding an action.
    pub async fn permits(
        &self,
        state: &AppState,
        capability: Capability,
        action: Action,
        target: Target<'_>,
    ) -> Result<bool, ApiError> {
        let org = self.org_chart(state).await?;
        Ok(access::decide(&self.actor(), capability, action, target, org).is_ok())
    }

    pub fn csrf_token(&self) -> Option<&str> {
        match &self.credential {
            Credential::Session { csrf_token } => Some(csrf_token),
            Credential::ApiToken { .. } => None,
        }
    }
}

/// Whose data a refused request was about, in the access log's subject words.
fn denied_subject(target: &Target<'_>) -> String {
    match target {
        Target::Office => "office".to_string(),
        Target::Department(d) => format!("department:{d}"),
        Target::Record { owner: Some(o), .. } => format!("account:{o}"),
        Target::Record {
            department: Some(d),
            ..
        } => format!("department:{d}"),
        Target::Record { .. } => "record".to_string(),
    }
}

/// `AuditLog` → `audit_log`, for action names in the access log.
fn snake(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 4);
    for (i, c) in name.chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            out.push('_');
        }
        out.push(c.to_ascii_lowercase());
    }
    out
}

/// What the authentication middleware found, for the extractors below.
#[derive(Debug, Clone)]
pub struct Authenticated(pub Option<Caller>);

/// The address recorded in the access log for this request.
#[derive(Debug, Clone)]
pub struct RequestAddress(pub String);

pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
}

/// Resolve the caller once per request, then enforce CSRF on browser requests that change state.
pub async fn authenticate(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let address = client_ip(&req, &state.config)
        .map(|ip| ip.to_string())
        .unwrap_or_default();
    let now = store::now();
    let mut caller = None;
    let mut bad_token = false;
    if let Some(secret) = bearer(req.headers()) {
        match accounts::find_api_token(&state.db, secret, now).await {
            Ok(Some((token, account))) => {
                caller = Some(Caller::new(
                    account,
                    Credential::ApiToken { token_id: token.id },
                    address.clone(),
                ))
            }
            Ok(None) => bad_token = true,
            Err(e) => return ApiError::from(e).into_response(),
        }
    } else if let Some(token) = cookie(req.headers(), SESSION_COOKIE) {
        match accounts::find_session(&state.db, token, now).await {
            Ok(Some(s)) => {
                caller = Some(Caller::new(
                    s.account,
                    Credential::Session {
                        csrf_token: s.csrf_token,
                    },
                    address.clone(),
                ))
            }
            Ok(None) => {}
            // A session is a person's: a page, unless the path is the API's.
            Err(e) => {
                return crate::kit::error::respond(
                    crate::kit::error::is_api(req.uri().path()),
                    crate::kit::page::Lang::of_request(req.headers()),
                    &ApiError::from(e),
                );
            }
        }
    }
    if bad_token {
        return ApiError::new(
            StatusCode::UNAUTHORIZED,
            "invalid_token",
            "API 토큰이 유효하지 않거나 만료되었습니다",
            "the API token is invalid, revoked or expired",
        )
        .into_response();
    }

    let unsafe_method = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if unsafe_method && bearer(req.headers()).is_none() {
        match csrf_check(req, caller.as_ref()).await {
            Ok(r) => req = r,
            Err(resp) => return resp,
        }
    }
    // Where the office makes two factors compulsory, an account without them may only set
    // them up (and sign out) until it has.
    if let Some(c) = &caller
        && !c.account.totp_enabled
        && access::second_factor_compulsory(c.account.role)
        && !enrolment_path(req.uri().path())
    {
        match totp_required(&state, &c.account).await {
            Ok(true) if req.uri().path().starts_with("/api/") => {
                return enrol_first().into_response();
            }
            Ok(true) => return Redirect::to("/account/totp?enrol=required").into_response(),
            Ok(false) => {}
            Err(e) => return e.into_response(),
        }
    }
    req.extensions_mut().insert(RequestAddress(address));
    req.extensions_mut().insert(Authenticated(caller));
    next.run(req).await
}

/// The paths an account that must still enrol in two-factor sign-in may use.
fn enrolment_path(path: &str) -> bool {
    path == "/account"
        || path.starts_with("/account/")
        || path == "/logout"
        || path.starts_with("/static/")
        || path == "/api/v1/me"
        || path.starts_with("/api/v1/me/totp")
        || path == "/api/v1/openapi.json"
        || path == "/healthz"
}

fn is_form(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.starts_with("application/x-www-form-urlencoded")
                || v.starts_with("multipart/form-data")
        })
}

fn csrf_rejected() -> Response {
    ApiError::new(
        StatusCode::FORBIDDEN,
        "csrf",
        "보안 토큰이 없거나 맞지 않습니다. 페이지를 새로 고친 뒤 다시 시도해 주세요",
        "the form's security token is missing or wrong; reload the page and try again",
    )
    .into_response()
}

/// Browser requests carry ambient credentials (cookies), so a change needs proof that the page
/// sending it is ours: the session's CSRF token (or, before login, the CSRF cookie's value) in
/// the `X-CSRF-Token` header or the form field `csrf_token`. Requests with neither a session
/// cookie nor a form body carry no ambient credential and pass (e.g. scripts obtaining a token).
async fn csrf_check(req: Request, caller: Option<&Caller>) -> Result<Request, Response> {
    let has_session_cookie = cookie(req.headers(), SESSION_COOKIE).is_some();
    let form = is_form(req.headers());
    if !has_session_cookie && !form {
        return Ok(req);
    }
    let expected = match caller.and_then(Caller::csrf_token) {
        Some(t) => t.to_string(),
        None => match cookie(req.headers(), CSRF_COOKIE) {
            Some(t) if !t.is_empty() => t.to_string(),
            _ => return Err(csrf_rejected()),
        },
    };
    if let Some(given) = req
        .headers()
        .get("x-csrf-token")
        .and_then(|v| v.to_str().ok())
    {
        return if constant_time_eq(given.as_bytes(), expected.as_bytes()) {
            Ok(req)
        } else {
            Err(csrf_rejected())
        };
    }
    let urlencoded = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if !urlencoded {
        // Multipart forms carry the token in their first part, never in the address (where it
        // would reach logs, history and Referer headers).
        return multipart_token(req, &expected).await;
    }
    let (parts, body) = req.into_parts();
    let bytes = match axum::body::to_bytes(body, crate::MAX_FORM_BYTES).await {
        Ok(b) => b,
        Err(_) => {
            return Err(ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "too_large",
                "요청이 너무 큽니다",
                "the request is too large",
            )
            .into_response());
        }
    };
    let given = serde_urlencoded::from_bytes::<Vec<(String, String)>>(&bytes)
        .ok()
        .and_then(|fields| {
            fields
                .into_iter()
                .find(|(k, _)| k == "csrf_token")
                .map(|(_, v)| v)
        });
    match given {
        Some(t) if constant_time_eq(t.as_bytes(), expected.as_bytes()) => {
            Ok(Request::from_parts(parts, Body::from(bytes)))
        }
        _ => Err(csrf_rejected()),
    }
}

/// How far into a multipart body the token part must have ended: a hidden field first in the
/// form is a few hundred bytes, so a body that does not start with it is refused before any
/// upload is read.
const TOKEN_PART_LIMIT: usize = 8 * 1024;

/// Check the `csrf_token` part that must open a multipart body, then hand the request on with
/// its body whole (the bytes read so far, followed by the rest of the stream).
async fn multipart_token(req: Request, expected: &str) -> Result<Request, Response> {
    use futures_util::StreamExt;
    let Some(boundary) = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(multipart_boundary)
    else {
        return Err(csrf_rejected());
    };
    let (parts, body) = req.into_parts();
    let mut rest = body.into_data_stream();
    let mut head = bytes::BytesMut::new();
    let given = loop {
        if let Some(token) = first_part_token(&head, &boundary) {
            break token;
        }
        if head.len() > TOKEN_PART_LIMIT {
            return Err(csrf_rejected());
        }
        match rest.next().await {
            Some(Ok(chunk)) => head.extend_from_slice(&chunk),
            _ => return Err(csrf_rejected()),
        }
    };
    if !constant_time_eq(&given, expected.as_bytes()) {
        return Err(csrf_rejected());
    }
    let head = head.freeze();
    let body = Body::from_stream(futures_util::stream::once(async { Ok(head) }).chain(rest));
    Ok(Request::from_parts(parts, body))
}

/// The boundary of a `multipart/form-data` content type.
fn multipart_boundary(content_type: &str) -> Option<String> {
    content_type.split(';').skip(1).find_map(|p| {
        let (k, v) = p.trim().split_once('=')?;
        k.eq_ignore_ascii_case("boundary")
            .then(|| v.trim_matches('"').to_string())
            .filter(|b| !b.is_empty())
    })
}

/// The value of the body's first part when that part is complete in `buf` and is the text field
/// `csrf_token`; `None` while more bytes are needed. Anything else as the first part can never
/// become a token, so the caller's size limit ends the wait.
fn first_part_token(buf: &[u8], boundary: &str) -> Option<Vec<u8>> {
    let opening = format!("--{boundary}\r\n");
    let rest = buf.strip_prefix(opening.as_bytes())?;
    let header_end = find(rest, b"\r\n\r\n")?;
    let headers = std::str::from_utf8(&rest[..header_end]).ok()?;
    let is_token = headers.split("\r\n").any(|line| {
        let Some((name, value)) = line.split_once(':') else {
            return false;
        };
        let mut params = value.split(';').map(str::trim);
        name.trim().eq_ignore_ascii_case("content-disposition")
            && params.next() == Some("form-data")
            && params.all(|p| !p.starts_with("filename"))
            && value.split(';').any(|p| p.trim() == "name=\"csrf_token\"")
    });
    if !is_token {
        return None;
    }
    let value = &rest[header_end + 4..];
    let end = find(value, format!("\r\n--{boundary}").as_bytes())?;
    Some(value[..end].to_vec())
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Extractor for the JSON API: the caller, or 401 JSON.
pub struct ApiCaller(pub Caller);

impl<S: Send + Sync> FromRequestParts<S> for ApiCaller {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        match parts.extensions.get::<Authenticated>() {
            Some(Authenticated(Some(c))) => Ok(ApiCaller(c.clone())),
            _ => Err(ApiError::unauthenticated()),
        }
    }
}

/// Extractor for pages: the caller, or a redirect to the login page.
pub struct PageCaller(pub Caller);

impl<S: Send + Sync> FromRequestParts<S> for PageCaller {
    type Rejection = Response;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        match parts.extensions.get::<Authenticated>() {
            Some(Authenticated(Some(c))) => Ok(PageCaller(c.clone())),
            _ => Err(Redirect::to("/login").into_response()),
        }
    }
}

/// Extractor for pages anyone may see: the caller if signed in.
pub struct MaybeCaller(pub Option<Caller>);

impl<S: Send + Sync> FromRequestParts<S> for MaybeCaller {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(MaybeCaller(
            parts
                .extensions
                .get::<Authenticated>()
                .and_then(|a| a.0.clone()),
        ))
    }
}

/// The request's client address (for login throttling and the access log).
pub struct Address(pub String);

impl<S: Send + Sync> FromRequestParts<S> for Address {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Address(
            parts
                .extensions
                .get::<RequestAddress>()
                .map(|a| a.0.clone())
                .unwrap_or_default(),
        ))
    }
}

/// Check a username and password with throttling; records the attempt either way.
pub async fn check_login(
    state: &AppState,
    username: &str,
    password: &str,
    address: &str,
) -> Result<Account, ApiError> {
    let now = store::now();
    let username = username.trim();
    if !accounts::login_allowed(&state.db, username, address, now).await? {
        return Err(ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "login_throttled",
            "로그인 실패가 너무 많습니다. 15분 뒤에 다시 시도해 주세요",
            "too many failed sign-ins; try again in 15 minutes",
        ));
    }
    let found = accounts::find_for_login(&state.db, username).await?;
    let ok = match &found {
        Some((account, hash)) => {
            account.active && store::kit::secrets::verify_password(password, hash)
        }
        None => {
            // Same work as a real check, so timing does not reveal unknown usernames.
            store::kit::secrets::verify_password(password, store::kit::secrets::dummy_hash());
            false
        }
    };
    accounts::record_login_attempt(&state.db, username, address, ok, now).await?;
    match found {
        Some((account, _)) if ok => Ok(account),
        _ => Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "bad_credentials",
            "아이디 또는 비밀번호가 맞지 않습니다",
            "wrong username or password",
        )),
    }
}

// Compulsory second factor: a sign-in rule, so the session layer can enforce it.

/// The setting that makes two-factor sign-in compulsory for administrators and protection
/// officers (`true`/`false`, default `false`).
pub const TOTP_REQUIRED_SETTING: &str = "security.totp_required";

/// Whether two-factor sign-in is compulsory for this account (the setting, for the roles that
/// hold the most: administrators and protection officers).
pub async fn totp_required(state: &AppState, account: &Account) -> Result<bool, ApiError> {
    if !domain::access::second_factor_compulsory(account.role) {
        return Ok(false);
    }
    Ok(
        store::office::settings::get(&state.db, TOTP_REQUIRED_SETTING)
            .await?
            .is_some_and(|v| v == "true"),
    )
}

/// Whether this caller must enrol before doing anything else.
pub async fn must_enrol(state: &AppState, account: &Account) -> Result<bool, ApiError> {
    Ok(!account.totp_enabled && totp_required(state, account).await?)
}

/// What an API request gets while the caller must still enrol.
pub fn enrol_first() -> ApiError {
    ApiError::new(
        StatusCode::FORBIDDEN,
        "totp_required",
        "이중 인증을 먼저 등록해야 합니다 (/account/totp)",
        "set up two-factor sign-in first (/account/totp)",
    )
}
