//! Pages for people (server-rendered). The full set of pages comes with the pages capability;
//! these are the sign-in flow and the home page every other page builds on.

use crate::AppState;
use crate::auth::{Address, CSRF_COOKIE, SESSION_COOKIE, check_login, cookie};
use crate::error::ApiError;
use askama::Template;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Form, Router};
use serde::Deserialize;

// The petition desk's pages live in their own files next to this one.
#[path = "pages_admin.rs"]
pub mod admin;
#[path = "pages_admin_edit.rs"]
pub mod admin_edit;
#[path = "pages_common.rs"]
pub mod common;
#[path = "pages_intake.rs"]
pub mod intake;
#[path = "pages_resident.rs"]
pub mod resident;
#[path = "pages_staff.rs"]
pub mod staff;

pub fn routes() -> Router<AppState> {
    Router::new()
        .merge(resident::routes())
        .merge(staff::routes())
        .merge(intake::routes())
        .merge(admin::routes())
        .merge(admin_edit::routes())
        .route("/", get(home))
        .route("/login", get(login_form).post(login))
        .route("/logout", axum::routing::post(logout))
        .route("/static/{*path}", get(static_file))
}

/// What the page header shows about the signed-in person.
pub struct SignedIn {
    pub name: String,
    pub role: &'static str,
    pub csrf_token: String,
    /// Staff get the panic button (a plain form: these pages carry no script).
    pub staff: bool,
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    c: common::Chrome,
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    signed_in: Option<SignedIn>,
    csrf_token: String,
    username: String,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    signed_in: Option<SignedIn>,
    heading: String,
    message: String,
}

fn render(t: &impl Template) -> Response {
    match t.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "template failed");
            ApiError::internal().into_response()
        }
    }
}

/// An error as a page for people, Korean first, English second.
pub fn error_page(status: StatusCode, heading: &str, message: &str) -> Response {
    let mut res = render(&ErrorPage {
        signed_in: None,
        heading: heading.to_string(),
        message: message.to_string(),
    });
    *res.status_mut() = status;
    res
}

async fn home(ctx: common::Ctx) -> Response {
    ctx.render(&HomePage { c: ctx.chrome() })
}

fn cookie_header(name: &str, value: &str, max_age: i64, secure: bool) -> Option<HeaderValue> {
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{name}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}"
    ))
    .ok()
}

async fn login_form(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let existing = cookie(&headers, CSRF_COOKIE).map(str::to_string);
    let token = match existing {
        Some(t) if t.len() == 64 => t,
        _ => match store::secrets::new_token() {
            Ok(t) => t,
            Err(_) => return ApiError::internal().into_response(),
        },
    };
    let mut res = render(&LoginPage {
        signed_in: None,
        csrf_token: token.clone(),
        username: String::new(),
        error: None,
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
            crate::account_pages::after_password(&state, &account, &address, &headers).await
        }
        Err(e) => {
            let mut res = render(&LoginPage {
                signed_in: None,
                csrf_token: form.csrf_token,
                username: form.username,
                error: Some(e.message),
            });
            *res.status_mut() = e.status;
            res
        }
    }
}

async fn logout(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if let Some(token) = cookie(&headers, SESSION_COOKIE)
        && let Err(e) = store::accounts::delete_session(&state.db, token).await
    {
        return ApiError::from(e).into_response();
    }
    let mut res = Redirect::to("/").into_response();
    if let Some(v) = cookie_header(SESSION_COOKIE, "", 0, state.config.behind_tls) {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    res
}

/// Our stylesheet and the vendored KRDS files, built into the binary so nothing is fetched
/// from elsewhere at run time.
static STATIC: include_dir::Dir<'_> = include_dir::include_dir!("$CARGO_MANIFEST_DIR/static");

async fn static_file(axum::extract::Path(path): axum::extract::Path<String>) -> Response {
    let Some(file) = STATIC.get_file(&path) else {
        return not_found(axum::http::Uri::from_static("/static")).await;
    };
    let content_type = match path.rsplit_once('.').map(|(_, ext)| ext) {
        Some("css") => "text/css; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("woff2") => "font/woff2",
        Some("png") => "image/png",
        _ => "application/octet-stream",
    };
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        file.contents(),
    )
        .into_response()
}

/// Unknown paths: JSON for the API, a page for people.
pub async fn not_found(uri: axum::http::Uri) -> Response {
    if uri.path().starts_with("/api/") {
        ApiError::not_found().into_response()
    } else {
        error_page(
            StatusCode::NOT_FOUND,
            "페이지를 찾을 수 없습니다 (Page not found)",
            "주소를 확인해 주세요. (Please check the address.)",
        )
    }
}
