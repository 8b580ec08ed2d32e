//! The home page and the sign-in flow (로그인).

use crate::AppState;
use crate::kit::auth::{Address, CSRF_COOKIE, SESSION_COOKIE, check_login, cookie};
use crate::kit::error::ApiError;
use crate::kit::extract::{Form, Query};
use crate::kit::page::{self as common, SignedIn, cookie_header, render};
use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use serde::Deserialize;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/login", get(login_form).post(login))
        .route("/start", get(start))
        .route("/privacy-policy", get(privacy_policy))
        .route("/logout", axum::routing::post(logout))
}

#[derive(Template)]
#[template(path = "office/home.html")]
struct HomePage {
    c: common::Chrome,
}

#[derive(Template)]
#[template(path = "office/login.html")]
struct LoginPage {
    signed_in: Option<SignedIn>,
    csrf_token: String,
    username: String,
    error: Option<String>,
    /// Where to go once signed in, when a page sent the person here.
    next: String,
}

async fn home(ctx: common::Ctx) -> Response {
    ctx.render(&HomePage { c: ctx.chrome() })
}

#[derive(Template)]
#[template(path = "kit/privacy_policy.html")]
struct PrivacyPolicyPage {
    c: common::Chrome,
    /// Years a completed petition is kept (the office's setting).
    petition_years: u32,
    /// Days protection evidence is kept (the office's setting).
    evidence_days: i64,
    wellbeing_years: u32,
    session_hours: i64,
}

/// 개인정보처리방침: what Minwon collects, why, for how long and who to ask, with the periods
/// this office has set.
async fn privacy_policy(State(state): State<AppState>, ctx: common::Ctx) -> common::PageResult {
    use common::OrPage;
    let petition_years = store::petitions::retention::office_years(&state.db)
        .await
        .or_page(&ctx)?;
    let evidence_days = store::protection::evidence_retention_days(&state.db)
        .await
        .or_page(&ctx)?;
    Ok(ctx.render(&PrivacyPolicyPage {
        c: ctx
            .chrome()
            .crumb(ctx.lang.t("개인정보처리방침", "Privacy policy"), ""),
        petition_years,
        evidence_days,
        wellbeing_years: domain::wellbeing::RETENTION_YEARS,
        session_hours: state.config.session_hours,
    }))
}

/// The signed-in person's own start page (the queue, protection, administration, the
/// counsellor's inbox, 나의 민원); sign-in first for nobody.
async fn start(ctx: common::Ctx) -> Response {
    match &ctx.caller {
        Some(c) => Redirect::to(common::start_page(&c.actor())).into_response(),
        None => Redirect::to("/login").into_response(),
    }
}

#[derive(Deserialize)]
struct NextQuery {
    next: Option<String>,
}

/// After signing in: the page that was asked for, else the person's start page.
fn after_sign_in(next: Option<&str>) -> &str {
    next.and_then(common::local_next).unwrap_or("/start")
}

async fn login_form(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<NextQuery>,
) -> Response {
    let existing = cookie(&headers, CSRF_COOKIE).map(str::to_string);
    let token = match existing {
        Some(t) if t.len() == 64 => t,
        _ => match store::kit::secrets::new_token() {
            Ok(t) => t,
            Err(_) => return ApiError::internal().into_response(),
        },
    };
    let mut res = render(&LoginPage {
        signed_in: None,
        csrf_token: token.clone(),
        username: String::new(),
        error: None,
        next: q
            .next
            .as_deref()
            .and_then(common::local_next)
            .unwrap_or_default()
            .to_string(),
    });
    if let Some(v) = cookie_header(CSRF_COOKIE, &token, 3600, state.config.behind_tls) {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    res
}

#[derive(Deserialize)]
struct LoginForm {
    username: String,
    password: String,
    csrf_token: String,
    #[serde(default)]
    next: String,
}

async fn login(
    State(state): State<AppState>,
    Address(address): Address,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Response {
    match check_login(&state, &form.username, &form.password, &address).await {
        // A right password: the session starts, or the second factor is asked for first.
        Ok(account) => {
            let to = after_sign_in(Some(&form.next));
            crate::office::account_pages::after_password(&state, &account, &address, &headers, to)
                .await
        }
        Err(e) => {
            let mut res = render(&LoginPage {
                signed_in: None,
                csrf_token: form.csrf_token,
                username: form.username,
                error: Some(e.message()),
                next: common::local_next(&form.next)
                    .unwrap_or_default()
                    .to_string(),
            });
            *res.status_mut() = e.status;
            res
        }
    }
}

async fn logout(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if let Some(token) = cookie(&headers, SESSION_COOKIE)
        && let Err(e) = store::office::accounts::delete_session(&state.db, token).await
    {
        return ApiError::from(e).into_response();
    }
    let mut res = Redirect::to("/").into_response();
    if let Some(v) = cookie_header(SESSION_COOKIE, "", 0, state.config.behind_tls) {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    res
}
