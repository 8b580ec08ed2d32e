//! What every page of the petition desk shares: the language (Korean first, English by a
//! switch), the request context (who is calling, the form token), rendering with the cookies a
//! page needs, and plain words for states and timeline events.

use crate::AppState;
use crate::kit::auth::{Authenticated, CSRF_COOKIE, Caller, RequestAddress, cookie};
use crate::kit::error::ApiError;
use askama::Template;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use chrono::{DateTime, Utc};
use domain::access::{self, Actor, Screen};
use domain::office::accounts::Role;

/// The language cookie set by the switch (`?lang=en` or `?lang=ko` on any page).
pub const LANG_COOKIE: &str = "minwon_lang";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Ko,
    En,
}

impl Lang {
    /// The text in this language. Templates call `c.lang.t("…", "…")` so both texts sit side by
    /// side where they are used.
    pub fn t<'a>(&self, ko: &'a str, en: &'a str) -> &'a str {
        match self {
            Lang::Ko => ko,
            Lang::En => en,
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            Lang::Ko => "ko",
            Lang::En => "en",
        }
    }

    fn parse(s: &str) -> Option<Lang> {
        match s {
            "ko" => Some(Lang::Ko),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// The half of a bilingual message (an error, a rule, a notice) in this language.
    pub fn of<'a>(&self, m: &'a impl domain::Halves) -> &'a str {
        self.t(m.ko(), m.en())
    }

    /// The language a request asks for by its cookie (Korean when none): for answers made
    /// before a page handler runs (bad input, 405, 414, 431).
    pub fn of_request(headers: &axum::http::HeaderMap) -> Lang {
        cookie(headers, LANG_COOKIE)
            .and_then(Lang::parse)
            .unwrap_or(Lang::Ko)
    }
}

/// Everything a page handler needs to know about the request.
pub struct Ctx {
    pub lang: Lang,
    pub caller: Option<Caller>,
    /// The token forms carry: the session's, or before sign-in the double-submit cookie's.
    pub csrf_token: String,
    /// A fresh pre-session token that must be sent as a cookie with this page.
    new_csrf: bool,
    /// `?lang=` was given: remember it in a cookie.
    lang_from_query: bool,
    /// Path and query of this page without `lang`, for the language switch.
    here: String,
    /// A GET: the page can be shown again after signing in.
    get: bool,
    pub address: String,
    secure: bool,
    /// What the footer says about the office.
    office: OfficeFacts,
}

/// The office as the footer names it: name, address, phone and hours, from the settings and
/// the top department (each left out where the office has not set it).
#[derive(Debug, Clone, Default)]
pub struct OfficeFacts {
    pub name: String,
    pub name_en: String,
    pub address: String,
    pub phone: String,
    pub hours: Option<calendar::OfficeHours>,
}

/// Settings the footer reads: the office's postal address and main phone number.
pub const OFFICE_ADDRESS_SETTING: &str = store::office::settings::OFFICE_ADDRESS;
pub const OFFICE_PHONE_SETTING: &str = store::office::settings::OFFICE_PHONE;

impl OfficeFacts {
    /// Read once per page. A failure leaves the footer without the facts rather than failing
    /// the page: the footer is no reason to refuse someone their petition.
    async fn read(db: &store::Db) -> OfficeFacts {
        let settings = store::office::settings::all(db).await.unwrap_or_default();
        let setting = |key: &str| {
            settings
                .iter()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v.trim().to_string())
                .unwrap_or_default()
        };
        let top = store::office::departments::list(db)
            .await
            .unwrap_or_default()
            .into_iter()
            .find(|d| d.parent_id.is_none() && d.active);
        let phone = match setting(OFFICE_PHONE_SETTING) {
            p if p.is_empty() => top
                .as_ref()
                .map(|d| d.public_phone.clone())
                .unwrap_or_default(),
            p => p,
        };
        OfficeFacts {
            name: top.as_ref().map(|d| d.name.clone()).unwrap_or_default(),
            name_en: top.map(|d| d.name_en).unwrap_or_default(),
            address: setting(OFFICE_ADDRESS_SETTING),
            phone,
            hours: store::office::settings::office_hours(db).await.ok(),
        }
    }
}

/// The office's hours as the footer writes them ("평일 09:00–18:00 (점심시간 12:00–13:00)").
pub fn hours_text(lang: Lang, h: &calendar::OfficeHours) -> String {
    let t = |x: chrono::NaiveTime| x.format("%H:%M").to_string();
    let lunch = h
        .lunch
        .map(|(a, b)| format!(" ({} {}–{})", lang.t("점심시간", "lunch break"), t(a), t(b)));
    format!(
        "{} {}–{}{}",
        lang.t("평일", "Weekdays"),
        t(h.start),
        t(h.end),
        lunch.unwrap_or_default()
    )
}

impl FromRequestParts<AppState> for Ctx {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let caller = parts
            .extensions
            .get::<Authenticated>()
            .and_then(|a| a.0.clone());
        let address = parts
            .extensions
            .get::<RequestAddress>()
            .map(|a| a.0.clone())
            .unwrap_or_default();
        let query: Vec<(String, String)> = parts
            .uri
            .query()
            .and_then(|q| serde_urlencoded::from_str(q).ok())
            .unwrap_or_default();
        let from_query = query
            .iter()
            .find(|(k, _)| k == "lang")
            .and_then(|(_, v)| Lang::parse(v));
        let lang = from_query
            .or_else(|| cookie(&parts.headers, LANG_COOKIE).and_then(Lang::parse))
            .unwrap_or(Lang::Ko);
        let rest: Vec<&(String, String)> = query.iter().filter(|(k, _)| k != "lang").collect();
        let here = if rest.is_empty() {
            parts.uri.path().to_string()
        } else {
            format!(
                "{}?{}",
                parts.uri.path(),
                serde_urlencoded::to_string(&rest).unwrap_or_default()
            )
        };
        let (csrf_token, new_csrf) = match caller.as_ref().and_then(Caller::csrf_token) {
            Some(t) => (t.to_string(), false),
            None => match cookie(&parts.headers, CSRF_COOKIE) {
                Some(t) if t.len() == 64 => (t.to_string(), false),
                _ => (
                    store::kit::secrets::new_token()
                        .map_err(|_| ApiError::internal().into_response())?,
                    true,
                ),
            },
        };
        Ok(Ctx {
            lang,
            caller,
            csrf_token,
            new_csrf,
            lang_from_query: from_query.is_some(),
            here,
            get: parts.method == axum::http::Method::GET,
            address,
            secure: state.config.behind_tls,
            office: OfficeFacts::read(&state.db).await,
        })
    }
}

/// One link of the header menu, contributed by a capability's registration.
#[derive(Debug, Clone, Copy)]
pub struct NavEntry {
    pub href: &'static str,
    pub ko: &'static str,
    pub en: &'static str,
    /// Place in the menu, lower first, so the menu reads the same whatever order the
    /// capabilities are listed in.
    pub place: u8,
    /// Who sees the link.
    pub shown_to: Audience,
}

/// Who a menu link is shown to.
#[derive(Debug, Clone, Copy)]
pub enum Audience {
    /// Everyone, signed in or not.
    Everyone,
    /// Those signed in whom the access policy lets open the screen.
    Permitted(Screen),
}

impl NavEntry {
    fn shown(&self, actor: Option<&Actor>) -> bool {
        match self.shown_to {
            Audience::Everyone => true,
            Audience::Permitted(screen) => actor.is_some_and(|a| access::may_open(a, screen)),
        }
    }
}

/// A link of the menu as one page shows it.
#[derive(Debug, Clone)]
pub struct NavLink {
    pub href: &'static str,
    pub label: &'static str,
}

/// The header menu for this caller: every capability's entries the policy lets them see.
pub fn menu(lang: Lang, caller: Option<&Caller>) -> Vec<NavLink> {
    let actor = caller.map(Caller::actor);
    let mut entries: Vec<&NavEntry> = crate::navigation()
        .filter(|e| e.shown(actor.as_ref()))
        .collect();
    entries.sort_by_key(|e| e.place);
    entries
        .into_iter()
        .map(|e| NavLink {
            href: e.href,
            label: lang.t(e.ko, e.en),
        })
        .collect()
}

/// Where a person lands after signing in: the screen their work starts on, when the policy
/// lets them open it (the home page otherwise).
pub fn start_page(actor: &Actor) -> &'static str {
    let choices: &[(Screen, &'static str)] = match actor.role {
        Role::Resident => &[(Screen::MyPetitions, "/my")],
        Role::Administrator => &[(Screen::Administration, "/admin")],
        Role::ProtectionOfficer => &[(Screen::Protection, "/protection")],
        Role::Counsellor => &[(Screen::CounsellorInbox, "/wellbeing/counsellor")],
        Role::PrivacyOfficer => &[(Screen::AccessLogReview, "/privacy/review")],
        Role::TrainingOfficer => &[
            (Screen::ProgramOffice, "/programs/office"),
            (Screen::Wellbeing, "/wellbeing"),
        ],
        Role::Official | Role::Supervisor | Role::CommitteeMember => &[
            (Screen::WorkQueue, "/desk"),
            (Screen::Wellbeing, "/wellbeing"),
        ],
    };
    choices
        .iter()
        .find(|(screen, _)| access::may_open(actor, *screen))
        .map_or("/", |(_, href)| href)
}

/// A `next` address a sign-in may go on to: a path of this site only (never `//host` or a
/// scheme, which would send the person elsewhere), and never back to signing in or out.
pub fn local_next(next: &str) -> Option<&str> {
    let local = next.starts_with('/')
        && !next.starts_with("//")
        && !next.contains('\\')
        && !next.chars().any(char::is_control)
        && !next.starts_with("/login")
        && !next.starts_with("/logout");
    local.then_some(next)
}

/// What the page chrome (header, navigation, language switch) shows.
#[derive(Clone)]
pub struct Chrome {
    pub lang: Lang,
    pub csrf_token: String,
    /// Name and role of the signed-in person.
    pub who: Option<(String, String)>,
    /// Staff see the panic button.
    pub staff: bool,
    /// The main menu.
    pub nav: Vec<NavLink>,
    /// Supervisors and protection officers: their screens show panic alerts live.
    pub alerts: bool,
    /// Link that shows this page in the other language.
    pub switch_href: String,
    pub switch_label: &'static str,
    pub switch_lang: &'static str,
    /// The office in the footer.
    pub office: OfficeFacts,
    /// The trail to a deep page (home first, the page itself last); empty on top pages.
    pub crumbs: Vec<Crumb>,
}

/// One step of the breadcrumbs: a link, or the page itself (no `href`).
#[derive(Debug, Clone)]
pub struct Crumb {
    pub label: String,
    pub href: Option<String>,
}

impl Chrome {
    /// Add a step to the breadcrumbs (`href` empty for the page itself, which comes last):
    /// `ctx.chrome().crumb(ctx.lang.t("업무 목록", "Work queue"), "/desk").crumb(title, "")`.
    /// The home step comes first by itself.
    pub fn crumb(mut self, label: impl Into<String>, href: &str) -> Self {
        if self.crumbs.is_empty() {
            self.crumbs.push(Crumb {
                label: self.lang.t("홈", "Home").to_string(),
                href: Some("/".to_string()),
            });
        }
        self.crumbs.push(Crumb {
            label: label.into(),
            href: (!href.is_empty()).then(|| href.to_string()),
        });
        self
    }

    /// The office's name in this page's language (the Korean one when no English is set).
    pub fn office_name(&self) -> &str {
        match self.lang {
            Lang::En if !self.office.name_en.is_empty() => &self.office.name_en,
            _ => &self.office.name,
        }
    }

    /// The office's hours in this page's language, when known.
    pub fn office_hours(&self) -> Option<String> {
        self.office.hours.as_ref().map(|h| hours_text(self.lang, h))
    }

    /// Whether the menu offers this screen: pages link to it only then.
    pub fn offers(&self, href: &str) -> bool {
        self.nav.iter().any(|l| l.href == href)
    }
}

impl Ctx {
    pub fn chrome(&self) -> Chrome {
        let role = self.caller.as_ref().map(|c| c.account.role);
        let other = match self.lang {
            Lang::Ko => Lang::En,
            Lang::En => Lang::Ko,
        };
        let sep = if self.here.contains('?') { '&' } else { '?' };
        Chrome {
            lang: self.lang,
            csrf_token: self.csrf_token.clone(),
            who: self.caller.as_ref().map(|c| {
                (
                    c.account.display_name.clone(),
                    role_name(self.lang, c.account.role).to_string(),
                )
            }),
            staff: role.is_some_and(Role::is_staff),
            nav: menu(self.lang, self.caller.as_ref()),
            // Every staff member listens: the security desk or the office head may be anyone
            // (the stream itself asks the policy for each alert).
            alerts: self
                .caller
                .as_ref()
                .is_some_and(|c| access::may_open(&c.actor(), Screen::LiveAlerts)),
            switch_href: format!("{}{sep}lang={}", self.here, other.code()),
            switch_label: match other {
                Lang::En => "English",
                Lang::Ko => "한국어",
            },
            switch_lang: other.code(),
            office: self.office.clone(),
            crumbs: Vec::new(),
        }
    }

    /// Whether this page's address (path and query, without `lang`) contains `s`.
    pub fn here_has(&self, s: &str) -> bool {
        self.here.contains(s)
    }

    pub fn staff(&self) -> Option<&Caller> {
        self.caller.as_ref().filter(|c| c.account.role.is_staff())
    }

    /// `ctx.staff_or_refuse()?` in a page handler: the signed-in official, or the sign-in page
    /// for nobody signed in and the forbidden page for a resident.
    pub fn staff_or_refuse(&self) -> Result<&Caller, PageError> {
        self.staff().ok_or_else(|| self.refusal())
    }

    /// The sign-in page, asked to come back here afterwards (a page, not a form's answer).
    pub fn sign_in_then_here(&self) -> String {
        if !self.get {
            return "/login".to_string();
        }
        format!(
            "/login?{}",
            serde_urlencoded::to_string([("next", &self.here)]).unwrap_or_default()
        )
    }

    /// Refusal of a page: sign in first when nobody is signed in, else our forbidden page.
    pub fn refusal(&self) -> PageError {
        match &self.caller {
            None => PageError::from(Redirect::to(&self.sign_in_then_here()).into_response()),
            Some(_) => self.fail(&ApiError::forbidden()),
        }
    }

    /// `Err(ctx.fail(&e))?`: the error page in this page's language, as a [`PageError`].
    pub fn fail(&self, e: &ApiError) -> PageError {
        PageError::from(self.error(e))
    }

    /// Render a page with the cookies it needs (form token before sign-in, language choice).
    pub fn render(&self, t: &impl Template) -> Response {
        self.render_status(StatusCode::OK, t)
    }

    pub fn render_status(&self, status: StatusCode, t: &impl Template) -> Response {
        let mut res = match t.render() {
            Ok(html) => (status, Html(html)).into_response(),
            Err(e) => {
                tracing::error!(error = %e, "template failed");
                return ApiError::internal().into_response();
            }
        };
        let secure = if self.secure { "; Secure" } else { "" };
        if self.new_csrf
            && let Ok(v) = HeaderValue::from_str(&format!(
                "{CSRF_COOKIE}={}; Path=/; HttpOnly; SameSite=Lax; Max-Age=7200{secure}",
                self.csrf_token
            ))
        {
            res.headers_mut().append(header::SET_COOKIE, v);
        }
        if self.lang_from_query
            && let Ok(v) = HeaderValue::from_str(&format!(
                "{LANG_COOKIE}={}; Path=/; SameSite=Lax; Max-Age=31536000{secure}",
                self.lang.code()
            ))
        {
            res.headers_mut().append(header::SET_COOKIE, v);
        }
        res
    }

    /// An error as a page in the chosen language.
    pub fn error(&self, e: &ApiError) -> Response {
        let t = ErrorPage {
            c: self.chrome(),
            heading: error_heading(self.lang, e.status).to_string(),
            message: self.lang.of(e).to_string(),
            request_id: server_error_id(e),
        };
        self.render_status(e.status, &t)
    }
}

/// What a page handler answers: its page, or why it could not show it.
pub type PageResult = Result<Response, PageError>;

/// Why a page handler could not show its page, already rendered: our error page in the
/// caller's language (see [`OrPage`]), or a redirect (e.g. to sign in).
#[derive(Debug)]
pub struct PageError(Box<Response>);

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        *self.0
    }
}

impl From<Response> for PageError {
    fn from(r: Response) -> Self {
        PageError(Box::new(r))
    }
}

/// `result.or_page(&ctx)?` in a page handler: a failure becomes our error page.
pub trait OrPage<T> {
    fn or_page(self, ctx: &Ctx) -> Result<T, PageError>;
}

impl<T, E: Into<ApiError>> OrPage<T> for Result<T, E> {
    fn or_page(self, ctx: &Ctx) -> Result<T, PageError> {
        self.map_err(|e| PageError(Box::new(ctx.error(&e.into()))))
    }
}

#[derive(Template)]
#[template(path = "kit/mw_error.html")]
struct ErrorPage {
    c: Chrome,
    heading: String,
    message: String,
    request_id: Option<String>,
}

/// The request id a server error page shows, so a person can quote it.
fn server_error_id(e: &ApiError) -> Option<String> {
    if e.status.is_server_error() {
        crate::kit::error::current_request_id()
    } else {
        None
    }
}

pub fn role_name(lang: Lang, role: Role) -> &'static str {
    match lang {
        Lang::Ko => role.korean(),
        Lang::En => role.english(),
    }
}

/// A moment in Korean time, as people read it.
pub fn when(t: DateTime<Utc>) -> String {
    calendar::to_seoul(t).format("%Y-%m-%d %H:%M").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_language_gets_its_own_half_even_with_parentheses_inside() {
        let e = ApiError::bad_request(
            "too_long",
            "제목은 200자 이내(공백 포함)로 적어 주세요",
            "a title is at most 200 characters (spaces included)",
        );
        assert_eq!(
            Lang::Ko.of(&e),
            "제목은 200자 이내(공백 포함)로 적어 주세요"
        );
        assert_eq!(
            Lang::En.of(&e),
            "a title is at most 200 characters (spaces included)"
        );
        let page = error_page_in(Lang::En, &e);
        assert_eq!(page.status(), StatusCode::BAD_REQUEST);
    }
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
#[template(path = "kit/error.html")]
struct PlainErrorPage {
    signed_in: Option<SignedIn>,
    heading: String,
    message: String,
    request_id: Option<String>,
}

pub fn render(t: &impl Template) -> Response {
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
    let mut res = render(&PlainErrorPage {
        signed_in: None,
        heading: heading.to_string(),
        message: message.to_string(),
        request_id: None,
    });
    *res.status_mut() = status;
    res
}

/// An error as a plain page in one language, for answers made before a page handler runs.
pub fn error_page_in(lang: Lang, e: &ApiError) -> Response {
    let mut res = render(&PlainErrorPage {
        signed_in: None,
        heading: error_heading(lang, e.status).to_string(),
        message: lang.of(e).to_string(),
        request_id: server_error_id(e),
    });
    *res.status_mut() = e.status;
    res
}

fn error_heading(lang: Lang, status: StatusCode) -> &'static str {
    match status {
        StatusCode::NOT_FOUND => lang.t("찾을 수 없습니다", "Not found"),
        StatusCode::FORBIDDEN => lang.t("권한이 없습니다", "Not allowed"),
        StatusCode::UNAUTHORIZED => lang.t("로그인이 필요합니다", "Please sign in"),
        s if s.is_server_error() => lang.t("서버 오류", "Server error"),
        _ => lang.t("요청을 처리할 수 없습니다", "The request cannot be done"),
    }
}

/// A `Set-Cookie` value for our cookies (HttpOnly, SameSite=Lax, `Secure` behind TLS).
pub fn cookie_header(name: &str, value: &str, max_age: i64, secure: bool) -> Option<HeaderValue> {
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{name}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}"
    ))
    .ok()
}

/// Our stylesheet and the vendored KRDS files, built into the binary so nothing is fetched
/// from elsewhere at run time.
static STATIC: include_dir::Dir<'_> = include_dir::include_dir!("$CARGO_MANIFEST_DIR/static");

pub async fn static_file(
    crate::kit::extract::Path(path): crate::kit::extract::Path<String>,
) -> Response {
    // The vendored KRDS component.css names its icons `../../img/img/…` (upstream's folder
    // layout); they live once, in `krds/img/…`.
    let path = match path.strip_prefix("krds/img/img/") {
        Some(rest) => format!("krds/img/{rest}"),
        None => path,
    };
    let Some(file) = STATIC.get_file(&path) else {
        return not_found(axum::http::Uri::from_static("/static")).await;
    };
    let content_type = match path.rsplit_once('.').map(|(_, ext)| ext) {
        Some("css") => "text/css; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("woff2") => "font/woff2",
        Some("png") => "image/png",
        Some("ico") => "image/x-icon",
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

/// Browsers ask for `/favicon.ico` by themselves: the same icon as the pages name.
pub async fn favicon() -> Response {
    static_file(crate::kit::extract::Path("favicon.svg".to_string())).await
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
