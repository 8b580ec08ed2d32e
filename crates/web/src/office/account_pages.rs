//! Pages of one's own account (내 계정): password, sessions, two-factor sign-in; the second
//! sign-in step; residents' sign-up with a code; the office head's late petitions. Each
//! handler parses, calls one step of `web::office::account_api`, and renders; errors stand next to the
//! field they are about and the form keeps what was typed.

use crate::AppState;
use crate::kit::auth::Caller;
use crate::kit::auth::{SESSION_COOKIE, cookie};
use crate::kit::error::ApiError;
use crate::kit::extract::Form;
use crate::kit::page::{Chrome, Ctx, Lang, OrPage, PageError, PageResult, when};
use crate::office::account_api::{self, SignUpInput};
use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;

/// The cookie that holds a right password while the second factor is asked for.
pub const PENDING_COOKIE: &str = "minwon_2fa";
/// The cookie that names a sign-up waiting for its code.
pub const SIGNUP_COOKIE: &str = "minwon_signup";

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/account", get(account_page))
        .route("/account/password", post(password_post))
        .route("/account/sessions/end-others", post(end_others_post))
        .route("/account/totp", get(totp_page))
        .route("/account/totp/start", post(totp_start_post))
        .route("/account/totp/confirm", post(totp_confirm_post))
        .route("/account/totp/disable", post(totp_disable_post))
        .route("/account/totp-required", post(totp_required_post))
        .route("/login/totp", get(second_step_page).post(second_step_post))
        .route("/signup", get(signup_page).post(signup_post))
        .route("/signup/verify", get(verify_page).post(verify_post))
        .route("/desk/late", get(late_page))
}

/// Errors of a form, each under the name of its field ("" = the form as a whole).
#[derive(Default)]
pub struct FieldErrors(Vec<(&'static str, String)>);

impl FieldErrors {
    pub fn one(field: &'static str, message: String) -> Self {
        FieldErrors(vec![(field, message)])
    }

    /// The error of a field, if any (templates: `errs.get("password")`).
    pub fn get(&self, field: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, m)| m.as_str())
    }

    /// Errors that belong to no field (shown above the form).
    pub fn general(&self) -> Option<&str> {
        self.get("")
    }
}

fn cookie_header(name: &str, value: &str, max_age: i64, secure: bool) -> Option<HeaderValue> {
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{name}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}"
    ))
    .ok()
}

fn with_cookie(mut res: Response, v: Option<HeaderValue>) -> Response {
    if let Some(v) = v {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    res
}

fn to_login() -> Response {
    Redirect::to("/login").into_response()
}

fn user_agent(headers: &HeaderMap) -> String {
    headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string()
}

/// Start a browser session after every factor was checked, and go on to `to`.
pub async fn start_session(
    state: &AppState,
    account_id: i64,
    address: &str,
    headers: &HeaderMap,
    to: &str,
) -> Response {
    let ttl = chrono::Duration::hours(state.config.session_hours);
    match store::office::accounts::create_session_with_agent(
        &state.db,
        account_id,
        address,
        &user_agent(headers),
        ttl,
        store::now(),
    )
    .await
    {
        Ok(token) => with_cookie(
            Redirect::to(to).into_response(),
            cookie_header(
                SESSION_COOKIE,
                &token,
                state.config.session_hours * 3600,
                state.config.behind_tls,
            ),
        ),
        Err(e) => ApiError::from(e).into_response(),
    }
}

/// After a right password: either the session starts, or (two-factor on) the second step.
pub async fn after_password(
    state: &AppState,
    account: &store::office::accounts::Account,
    address: &str,
    headers: &HeaderMap,
    to: &str,
) -> Response {
    if !account.totp_enabled {
        return start_session(state, account.id, address, headers, to).await;
    }
    match store::office::mfa::begin_pending(&state.db, account.id, store::now()).await {
        Ok(token) => with_cookie(
            Redirect::to("/login/totp").into_response(),
            cookie_header(
                PENDING_COOKIE,
                &token,
                store::office::mfa::PENDING_MINUTES * 60,
                state.config.behind_tls,
            ),
        ),
        Err(e) => ApiError::from(e).into_response(),
    }
}

// ---------------------------------------------------------------------------------------------
// My account: password, sessions, two-factor status.

struct SessionRow {
    address: String,
    user_agent: String,
    created_at: String,
    current: bool,
}

#[derive(Template)]
#[template(path = "office/account.html")]
struct AccountPage {
    c: Chrome,
    username: String,
    role: String,
    totp_enabled: bool,
    totp_required: bool,
    admin: bool,
    required_setting: bool,
    sessions: Vec<SessionRow>,
    notice: Option<String>,
    errs: FieldErrors,
}

/// The signed-in person, or the sign-in page.
pub(crate) fn signed_in(ctx: &Ctx) -> Result<&Caller, PageError> {
    ctx.caller.as_ref().ok_or_else(|| ctx.refusal())
}

/// What a step of one's account ends with: a notice, or a refusal shown beside its field.
pub(crate) type Step<T> = Result<T, (&'static str, ApiError)>;

/// A refusal beside its field (`""`: above the form), with its status.
pub(crate) fn refused(
    ctx: &Ctx,
    (field, e): (&'static str, ApiError),
) -> (FieldErrors, StatusCode) {
    (
        FieldErrors::one(field, ctx.lang.of(&e).to_string()),
        e.status,
    )
}

async fn render_account(
    state: &AppState,
    ctx: &Ctx,
    headers: &HeaderMap,
    step: Step<Option<String>>,
) -> PageResult {
    let caller = signed_in(ctx)?;
    let (notice, (errs, status)) = match step {
        Ok(notice) => (notice, (FieldErrors::default(), StatusCode::OK)),
        Err(r) => (None, refused(ctx, r)),
    };
    let now = store::now();
    let sessions = store::office::accounts::list_sessions(
        &state.db,
        caller.account.id,
        account_api::session_token(caller, headers),
        now,
    )
    .await
    .or_page(ctx)?;
    let required_setting =
        store::office::settings::get(&state.db, crate::kit::auth::TOTP_REQUIRED_SETTING)
            .await
            .or_page(ctx)?
            .is_some_and(|v| v == "true");
    let totp_required = crate::kit::auth::totp_required(state, &caller.account)
        .await
        .or_page(ctx)?;
    // Fresh from the database: a change made on this request shows at once.
    let account = store::office::accounts::get(&state.db, caller.account.id)
        .await
        .or_page(ctx)?;
    Ok(ctx.render_status(
        status,
        &AccountPage {
            c: ctx.chrome(),
            username: account.username.clone(),
            role: crate::kit::page::role_name(ctx.lang, account.role).to_string(),
            totp_enabled: account.totp_enabled,
            totp_required,
            admin: domain::access::may_open(
                &caller.actor(),
                domain::access::Screen::Administration,
            ),
            required_setting,
            sessions: sessions
                .into_iter()
                .map(|s| SessionRow {
                    address: s.address,
                    user_agent: s.user_agent,
                    created_at: when(s.created_at),
                    current: s.current,
                })
                .collect(),
            notice,
            errs,
        },
    ))
}

async fn account_page(State(state): State<AppState>, ctx: Ctx, headers: HeaderMap) -> PageResult {
    let notice = ctx.here_has("enrol=required").then(|| {
        ctx.lang
            .t(
                "이 역할은 이중 인증이 의무입니다. 먼저 등록해 주세요.",
                "Two-factor sign-in is compulsory for your role: set it up first.",
            )
            .to_string()
    });
    render_account(&state, &ctx, &headers, Ok(notice)).await
}

#[derive(Deserialize)]
struct PasswordForm {
    current_password: String,
    new_password: String,
    new_password_again: String,
}

async fn password_post(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    Form(f): Form<PasswordForm>,
) -> PageResult {
    let caller = signed_in(&ctx)?;
    let step = if f.new_password != f.new_password_again {
        Err((
            "new_password_again",
            ApiError::bad_request(
                "passwords_differ",
                "두 번 적은 새 비밀번호가 다릅니다",
                "The two new passwords differ",
            ),
        ))
    } else {
        let keep = account_api::session_token(caller, &headers);
        account_api::change_password(&state, caller, &f.current_password, &f.new_password, keep)
            .await
            .map(|ended| {
                Some(match ctx.lang {
                    Lang::Ko => {
                        format!("비밀번호를 바꾸었습니다. 다른 로그인 {ended}개를 끝냈습니다.")
                    }
                    Lang::En => format!("Password changed. {ended} other session(s) signed out."),
                })
            })
            .map_err(|e| {
                let field = match e.code {
                    "wrong_password" => "current_password",
                    "weak_password" | "same_password" => "new_password",
                    _ => "",
                };
                (field, e)
            })
    };
    render_account(&state, &ctx, &headers, step).await
}

async fn end_others_post(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
) -> PageResult {
    let caller = signed_in(&ctx)?;
    let keep = account_api::session_token(caller, &headers);
    let ended = account_api::end_other_sessions(&state, caller, keep)
        .await
        .or_page(&ctx)?;
    let notice = match ctx.lang {
        Lang::Ko => format!("다른 로그인 {ended}개를 끝냈습니다."),
        Lang::En => format!("{ended} other session(s) signed out."),
    };
    render_account(&state, &ctx, &headers, Ok(Some(notice))).await
}

#[derive(Deserialize)]
struct RequiredForm {
    #[serde(default)]
    required: String,
}

async fn totp_required_post(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    Form(f): Form<RequiredForm>,
) -> PageResult {
    let caller = signed_in(&ctx)?;
    let required = f.required == "yes";
    account_api::set_totp_required(&state, caller, required)
        .await
        .or_page(&ctx)?;
    let notice = if required {
        ctx.lang.t(
            "관리자와 보호 담당자는 이제 이중 인증이 의무입니다.",
            "Administrators and protection officers must now use two-factor sign-in.",
        )
    } else {
        ctx.lang.t(
            "이중 인증 의무를 해제했습니다.",
            "Two-factor sign-in is no longer compulsory.",
        )
    };
    render_account(&state, &ctx, &headers, Ok(Some(notice.to_string()))).await
}

// ---------------------------------------------------------------------------------------------
// Two-factor enrolment.

#[derive(Template)]
#[template(path = "office/account_totp.html")]
struct TotpPage {
    c: Chrome,
    enabled: bool,
    required: bool,
    recovery_left: i64,
    /// Shown right after "start": the secret and the otpauth address, this once.
    secret: Option<(String, String)>,
    /// Shown right after confirming: the recovery codes, this once.
    recovery_codes: Vec<String>,
    notice: Option<String>,
    errs: FieldErrors,
}

/// What the two-factor page shows once, after a step.
#[derive(Default)]
struct TotpShown {
    secret: Option<(String, String)>,
    recovery_codes: Vec<String>,
    notice: Option<String>,
}

async fn render_totp(state: &AppState, ctx: &Ctx, step: Step<TotpShown>) -> PageResult {
    let caller = signed_in(ctx)?;
    let (shown, (errs, status)) = match step {
        Ok(shown) => (shown, (FieldErrors::default(), StatusCode::OK)),
        Err(r) => (TotpShown::default(), refused(ctx, r)),
    };
    let account = store::office::accounts::get(&state.db, caller.account.id)
        .await
        .or_page(ctx)?;
    let required = crate::kit::auth::totp_required(state, &account)
        .await
        .or_page(ctx)?;
    let recovery_left = store::office::mfa::recovery_codes_left(&state.db, account.id)
        .await
        .or_page(ctx)?;
    Ok(ctx.render_status(
        status,
        &TotpPage {
            c: ctx.chrome(),
            enabled: account.totp_enabled,
            required,
            recovery_left,
            secret: shown.secret,
            recovery_codes: shown.recovery_codes,
            notice: shown.notice,
            errs,
        },
    ))
}

async fn totp_page(State(state): State<AppState>, ctx: Ctx) -> PageResult {
    let notice = ctx.here_has("enrol=required").then(|| {
        ctx.lang
            .t(
                "이 역할은 이중 인증이 의무입니다. 등록을 마쳐야 다른 화면을 쓸 수 있습니다.",
                "Two-factor sign-in is compulsory for your role: finish setting it up to use the other pages.",
            )
            .to_string()
    });
    let shown = TotpShown {
        notice,
        ..TotpShown::default()
    };
    render_totp(&state, &ctx, Ok(shown)).await
}

async fn totp_start_post(State(state): State<AppState>, ctx: Ctx) -> PageResult {
    let caller = signed_in(&ctx)?;
    let e = account_api::totp_start(&state, caller)
        .await
        .or_page(&ctx)?;
    let shown = TotpShown {
        secret: Some((e.secret_base32, e.otpauth_uri)),
        ..TotpShown::default()
    };
    render_totp(&state, &ctx, Ok(shown)).await
}

#[derive(Deserialize)]
struct CodeForm {
    code: String,
}

async fn totp_confirm_post(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(f): Form<CodeForm>,
) -> PageResult {
    let caller = signed_in(&ctx)?;
    let step = account_api::totp_confirm(&state, caller, &f.code)
        .await
        .map(|codes| TotpShown {
            recovery_codes: codes,
            notice: Some(ctx.lang.t(
                "이중 인증을 켰습니다. 아래 복구 코드를 안전한 곳에 적어 두세요. 다시 보여 드리지 않습니다.",
                "Two-factor sign-in is on. Write the recovery codes below somewhere safe: they are not shown again.",
            ).to_string()),
            ..TotpShown::default()
        })
        .map_err(|e| ("code", e));
    render_totp(&state, &ctx, step).await
}

#[derive(Deserialize)]
struct DisableForm {
    password: String,
    code: String,
}

async fn totp_disable_post(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(f): Form<DisableForm>,
) -> PageResult {
    let caller = signed_in(&ctx)?;
    let step = account_api::totp_disable(&state, caller, &f.password, &f.code)
        .await
        .map(|()| TotpShown {
            notice: Some(
                ctx.lang
                    .t("이중 인증을 껐습니다.", "Two-factor sign-in is off.")
                    .to_string(),
            ),
            ..TotpShown::default()
        })
        .map_err(|e| {
            let field = match e.code {
                "wrong_password" => "password",
                "wrong_code" => "disable_code",
                _ => "",
            };
            (field, e)
        });
    render_totp(&state, &ctx, step).await
}

// ---------------------------------------------------------------------------------------------
// The second sign-in step.

#[derive(Template)]
#[template(path = "office/login_totp.html")]
struct SecondStepPage {
    c: Chrome,
    errs: FieldErrors,
}

async fn second_step_page(State(state): State<AppState>, ctx: Ctx, headers: HeaderMap) -> Response {
    let live = match cookie(&headers, PENDING_COOKIE) {
        Some(t) => store::office::mfa::pending_account(&state.db, t, store::now())
            .await
            .ok()
            .flatten()
            .is_some(),
        None => false,
    };
    if !live {
        return to_login();
    }
    ctx.render(&SecondStepPage {
        c: ctx.chrome(),
        errs: FieldErrors::default(),
    })
}

async fn second_step_post(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    Form(f): Form<CodeForm>,
) -> Response {
    let Some(token) = cookie(&headers, PENDING_COOKIE) else {
        return to_login();
    };
    match store::office::mfa::complete_pending(
        &state.db,
        &state.petitions.key,
        token,
        &f.code,
        store::now(),
    )
    .await
    {
        Ok((account_id, factor)) => {
            let to = match factor {
                store::office::mfa::Factor::Totp => "/start".to_string(),
                store::office::mfa::Factor::Recovery { remaining } => {
                    format!("/account/totp?recovery_used=1&left={remaining}")
                }
            };
            let res = start_session(&state, account_id, &ctx.address, &headers, &to).await;
            with_cookie(
                res,
                cookie_header(PENDING_COOKIE, "", 0, state.config.behind_tls),
            )
        }
        Err(e) => {
            let e = ApiError::from(e);
            if e.code == "sign_in_expired" {
                return to_login();
            }
            let mut res = ctx.render(&SecondStepPage {
                c: ctx.chrome(),
                errs: FieldErrors::one("code", ctx.lang.of(&e).to_string()),
            });
            *res.status_mut() = StatusCode::UNAUTHORIZED;
            res
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Residents' sign-up.

#[derive(Template)]
#[template(path = "office/signup.html")]
struct SignUpPage {
    c: Chrome,
    username: String,
    display_name: String,
    contact: String,
    errs: FieldErrors,
}

async fn signup_page(ctx: Ctx) -> Response {
    ctx.render(&SignUpPage {
        c: ctx.chrome(),
        username: String::new(),
        display_name: String::new(),
        contact: String::new(),
        errs: FieldErrors::default(),
    })
}

#[derive(Deserialize)]
struct SignUpForm {
    username: String,
    display_name: String,
    contact: String,
    password: String,
}

async fn signup_post(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(f): Form<SignUpForm>,
) -> Response {
    let input = SignUpInput {
        username: &f.username,
        display_name: &f.display_name,
        contact: &f.contact,
        password: &f.password,
    };
    match account_api::signup_start(&state, &input, &ctx.address).await {
        Ok(p) => with_cookie(
            Redirect::to("/signup/verify").into_response(),
            cookie_header(
                SIGNUP_COOKIE,
                &p.token,
                domain::office::accounts::VERIFICATION_MINUTES * 60,
                state.config.behind_tls,
            ),
        ),
        Err(e) => ctx.render_status(
            e.status,
            &SignUpPage {
                c: ctx.chrome(),
                username: f.username.clone(),
                display_name: f.display_name.clone(),
                contact: f.contact.clone(),
                errs: FieldErrors::one(
                    account_api::signup_field(e.code),
                    ctx.lang.of(&e).to_string(),
                ),
            },
        ),
    }
}

#[derive(Template)]
#[template(path = "office/signup_verify.html")]
struct VerifyPage {
    c: Chrome,
    sent_to: String,
    by_sms: bool,
    minutes: i64,
    errs: FieldErrors,
}

async fn verify_page(State(state): State<AppState>, ctx: Ctx, headers: HeaderMap) -> Response {
    render_verify(
        &state,
        &ctx,
        &headers,
        FieldErrors::default(),
        StatusCode::OK,
    )
    .await
}

async fn render_verify(
    state: &AppState,
    ctx: &Ctx,
    headers: &HeaderMap,
    errs: FieldErrors,
    status: StatusCode,
) -> Response {
    let Some(token) = cookie(headers, SIGNUP_COOKIE) else {
        return Redirect::to("/signup").into_response();
    };
    let (by_sms, sent_to) = match store::office::signup::pending_recipient(&state.db, token).await {
        Ok(Some((ch, to))) => (ch == domain::office::accounts::ContactChannel::Sms, to),
        Ok(None) => return Redirect::to("/signup").into_response(),
        Err(e) => return ctx.error(&e.into()),
    };
    ctx.render_status(
        status,
        &VerifyPage {
            c: ctx.chrome(),
            sent_to,
            by_sms,
            minutes: domain::office::accounts::VERIFICATION_MINUTES,
            errs,
        },
    )
}

async fn verify_post(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    Form(f): Form<CodeForm>,
) -> Response {
    let Some(token) = cookie(&headers, SIGNUP_COOKIE) else {
        return Redirect::to("/signup").into_response();
    };
    match account_api::signup_verify(&state, token, &f.code, &ctx.address).await {
        Ok(v) => {
            let res = start_session(&state, v.account.id, &ctx.address, &headers, "/my").await;
            with_cookie(
                res,
                cookie_header(SIGNUP_COOKIE, "", 0, state.config.behind_tls),
            )
        }
        Err(e) => {
            let status = e.status;
            render_verify(
                &state,
                &ctx,
                &headers,
                FieldErrors::one("code", ctx.lang.of(&e).to_string()),
                status,
            )
            .await
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The office head's late petitions.

struct LateRow {
    number: String,
    type_name: String,
    department: String,
    due: String,
    late: String,
}

#[derive(Template)]
#[template(path = "petitions/desk_late.html")]
struct LatePage {
    c: Chrome,
    rows: Vec<LateRow>,
    by_department: Vec<(String, usize)>,
}

fn late_words(lang: Lang, minutes: Option<i64>) -> String {
    let Some(m) = minutes else {
        return String::new();
    };
    let (d, h) = (m / 480, (m % 480) / 60);
    match lang {
        Lang::Ko => format!("근무일 {d}일 {h}시간 지남"),
        Lang::En => format!("{d} working day(s) {h} h late"),
    }
}

async fn late_page(State(state): State<AppState>, ctx: Ctx) -> PageResult {
    let caller = signed_in(&ctx)?;
    let list = account_api::late_petitions(&state, caller)
        .await
        .or_page(&ctx)?;
    let mut by_department: Vec<(String, usize)> = Vec::new();
    for r in &list {
        match by_department.iter_mut().find(|(d, _)| *d == r.department) {
            Some((_, n)) => *n += 1,
            None => by_department.push((r.department.clone(), 1)),
        }
    }
    by_department.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let rows = list
        .into_iter()
        .map(|r| LateRow {
            number: r.receipt_no.unwrap_or_else(|| format!("({})", r.id)),
            type_name: r.type_name,
            department: r.department,
            due: r.due_at.map(when).unwrap_or_default(),
            late: late_words(ctx.lang, r.late_minutes),
        })
        .collect();
    Ok(ctx.render(&LatePage {
        c: ctx.chrome(),
        rows,
        by_department,
    }))
}
