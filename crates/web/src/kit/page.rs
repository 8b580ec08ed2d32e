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
use axum::response::{Html, IntoResponse, Response};
use chrono::{DateTime, Utc};
use domain::office::accounts::Role;
use domain::petitions::{Event, ExtensionGround, PauseKind, State as PState};

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

    /// The half of a bilingual error in this language.
    pub fn of<'a>(&self, e: &'a ApiError) -> &'a str {
        self.t(&e.ko, &e.en)
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
    pub address: String,
    secure: bool,
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
            address,
            secure: state.config.behind_tls,
        })
    }
}

/// What the page chrome (header, navigation, language switch) shows.
#[derive(Clone)]
pub struct Chrome {
    pub lang: Lang,
    pub csrf_token: String,
    /// Name and role of the signed-in person.
    pub who: Option<(String, String)>,
    pub staff: bool,
    pub supervisor: bool,
    pub admin: bool,
    pub resident: bool,
    /// The head of the civil-affairs office (late petitions of every department).
    pub office_head: bool,
    /// The privacy officer (the monthly access-log review).
    pub privacy_officer: bool,
    /// Supervisors and protection officers: their screens show panic alerts live.
    pub alerts: bool,
    /// Link that shows this page in the other language.
    pub switch_href: String,
    pub switch_label: &'static str,
    pub switch_lang: &'static str,
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
            supervisor: matches!(role, Some(Role::Supervisor | Role::Administrator)),
            admin: role == Some(Role::Administrator),
            resident: role == Some(Role::Resident),
            office_head: self.caller.as_ref().is_some_and(|c| c.account.office_head),
            privacy_officer: role == Some(Role::PrivacyOfficer),
            alerts: crate::protection::pages::listens(self.caller.as_ref()),
            switch_href: format!("{}{sep}lang={}", self.here, other.code()),
            switch_label: match other {
                Lang::En => "English",
                Lang::Ko => "한국어",
            },
            switch_lang: other.code(),
        }
    }

    /// Whether this page's address (path and query, without `lang`) contains `s`.
    pub fn here_has(&self, s: &str) -> bool {
        self.here.contains(s)
    }

    pub fn staff(&self) -> Option<&Caller> {
        self.caller.as_ref().filter(|c| c.account.role.is_staff())
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

pub fn state_name(lang: Lang, s: PState) -> &'static str {
    match lang {
        Lang::Ko => s.korean(),
        Lang::En => match s {
            PState::Arrived => "arrived, waiting for receipt",
            PState::Received => "received",
            PState::InProgress => "being handled",
            PState::Supplement => "waiting for your supplement",
            PState::Paused => "paused",
            PState::Answered => "answered",
            PState::Closed => "closed",
            PState::TransferredOut => "sent to another agency",
            PState::Returned => "returned",
            PState::Withdrawn => "withdrawn",
        },
    }
}

pub fn pause_name(lang: Lang, k: PauseKind) -> &'static str {
    match k {
        PauseKind::Supplement => lang.t("보완", "supplement"),
        PauseKind::SiteInvestigation => lang.t("현장조사", "site investigation"),
        PauseKind::Inspection => lang.t("시험·검사·감정", "tests or expert review"),
        PauseKind::Hearing => lang.t("의견청취", "hearing opinions"),
        PauseKind::Prerequisite => lang.t("선결문제 대기", "waiting for a prerequisite matter"),
        PauseKind::Outage => lang.t("시스템 장애", "system outage"),
    }
}

pub fn ground_name(lang: Lang, g: ExtensionGround) -> &'static str {
    match g {
        ExtensionGround::Cooperation => lang.t("관계기관 협의", "cooperation with other bodies"),
        ExtensionGround::FactCheck => lang.t("사실·현장 확인", "fact or site checks"),
        ExtensionGround::ForceMajeure => lang.t("천재지변 등", "force majeure"),
        ExtensionGround::Similar => lang.t("그 밖의 부득이한 사유", "similar unavoidable reason"),
        ExtensionGround::Workload => lang.t("업무량 (불가)", "workload (not allowed)"),
        ExtensionGround::AbsentHandler => {
            lang.t("담당자 부재 (불가)", "absent handler (not allowed)")
        }
    }
}

/// A timeline event in plain words for the petitioner; `None` for the office's internal steps
/// (notes, reminders), which residents do not see.
pub fn event_words(lang: Lang, e: &Event) -> Option<String> {
    let l = lang;
    Some(match e {
        Event::Filed { .. } => l.t("민원이 도착했습니다.", "Your petition arrived.").into(),
        Event::Received { receipt_no } => match l {
            Lang::Ko => format!("접수되었습니다. 접수번호 {receipt_no}"),
            Lang::En => format!("Received with receipt number {receipt_no}."),
        },
        Event::Assigned { .. } => l
            .t(
                "담당 부서(담당자)가 정해졌습니다.",
                "A department and official took it on.",
            )
            .into(),
        Event::Transferred { reason, .. } => match l {
            Lang::Ko => format!("처리할 부서로 옮겼습니다 (이송). 사유: {reason}"),
            Lang::En => format!("Moved to the competent department. Reason: {reason}"),
        },
        Event::TransferredOut { agency, reason, .. } => match l {
            Lang::Ko => format!("{agency}(으)로 이송했습니다. 사유: {reason}"),
            Lang::En => format!("Sent to {agency}. Reason: {reason}"),
        },
        Event::SupplementRequested { items, answer_by } => match l {
            Lang::Ko => format!(
                "보완을 요청했습니다: {items} — {}까지 보내 주세요. 그동안 처리기간은 멈춥니다.",
                when(*answer_by)
            ),
            Lang::En => format!(
                "We asked you for more information: {items} — please send it by {}. The processing clock stops meanwhile.",
                when(*answer_by)
            ),
        },
        Event::SupplementMoreTime { answer_by } => match l {
            Lang::Ko => format!("보완 기한을 {}까지 늘렸습니다.", when(*answer_by)),
            Lang::En => format!("The supplement deadline moved to {}.", when(*answer_by)),
        },
        Event::SupplementDeliveryFailed => l
            .t(
                "보완 요청을 전달하지 못했습니다.",
                "The supplement request could not be delivered.",
            )
            .into(),
        Event::SupplementReceived { .. } => l
            .t(
                "보완 내용을 받았습니다. 처리기간이 다시 흐릅니다.",
                "We received your supplement; the clock runs again.",
            )
            .into(),
        Event::ReturnedUnsupplemented { reason } => match l {
            Lang::Ko => format!("보완되지 않아 돌려보냈습니다 (반려). 사유: {reason}"),
            Lang::En => format!("Returned because it was not supplemented. Reason: {reason}"),
        },
        Event::PauseStarted { kind, reason } => match l {
            Lang::Ko => format!(
                "처리를 잠시 멈췄습니다 ({}): {reason}. 이 기간은 처리기간에 넣지 않습니다.",
                pause_name(l, *kind)
            ),
            Lang::En => format!(
                "Handling paused ({}): {reason}. This time does not count.",
                pause_name(l, *kind)
            ),
        },
        Event::PauseEnded { .. } => l.t("처리를 다시 시작했습니다.", "Handling resumed.").into(),
        Event::SiteInvestigationExtended { reason } => match l {
            Lang::Ko => format!(
                "현장조사 기간을 7일 연장했습니다: {reason}. 현장조사는 모두 21일까지 처리기간에 넣지 않습니다."
            ),
            Lang::En => format!(
                "The on-site investigation was extended by 7 days: {reason}. Up to 21 days of investigation do not count."
            ),
        },
        Event::Extended {
            ground,
            reason,
            new_due,
            ..
        } => match l {
            Lang::Ko => format!(
                "처리기간을 연장했습니다 ({}): {reason}. 새 처리 예정: {}",
                ground_name(l, *ground),
                when(*new_due)
            ),
            Lang::En => format!(
                "The period was extended ({}): {reason}. New expected completion: {}",
                ground_name(l, *ground),
                when(*new_due)
            ),
        },
        Event::ProgressNotice { note } => match l {
            Lang::Ko => format!("처리 상황 안내: {note}"),
            Lang::En => format!("Progress notice: {note}"),
        },
        Event::Answered { additional, .. } => if *additional {
            l.t("추가 답변을 드렸습니다.", "We sent an additional answer.")
        } else {
            l.t("답변을 드렸습니다.", "We answered.")
        }
        .into(),
        Event::Closed { .. } => l.t("종결되었습니다.", "Closed.").into(),
        Event::ClosedAsRepeated { basis } => match l {
            Lang::Ko => {
                format!("같은 내용이 반복되어 종결했습니다 (민원처리법 제23조). 근거: {basis}")
            }
            Lang::En => format!("Closed as a repeated petition (Act art. 23). Basis: {basis}"),
        },
        Event::Rated { score, .. } => match l {
            Lang::Ko => format!("만족도 {score}점을 남기셨습니다."),
            Lang::En => format!("You rated the answer {score} of 5."),
        },
        Event::Reopened { reason } => match l {
            Lang::Ko => format!("다시 처리합니다: {reason}"),
            Lang::En => format!("Reopened: {reason}"),
        },
        // Internal: notes, reminders and approvals (결재) in progress; the petitioner sees
        // the approved step itself.
        Event::Note { .. }
        | Event::Reminder { .. }
        | Event::ApprovalRequested { .. }
        | Event::ApprovalReturned { .. }
        | Event::Approved { .. } => return None,
    })
}

/// A period in words.
pub fn period_words(lang: Lang, p: calendar::Period) -> String {
    use calendar::Period;
    match lang {
        Lang::Ko => p.korean(),
        Lang::En => match p {
            Period::Hours(n) => format!("{n} working hours"),
            Period::Days(n) => format!("{n} days"),
            Period::Weeks(n) => format!("{n} weeks"),
            Period::Months(n) => format!("{n} months"),
            Period::Years(n) => format!("{n} years"),
            Period::Immediate => "immediate (3 working hours)".into(),
        },
    }
}

/// How the due moment was computed, step by step: the calendar's own Korean lines, or the same
/// steps in English from the same breakdown.
pub fn explain_lines(lang: Lang, e: &calendar::Explanation) -> Vec<String> {
    use calendar::{CountingMode, Excluded};
    if lang == Lang::Ko {
        return e.korean_lines();
    }
    let moment = |t: &chrono::DateTime<chrono::FixedOffset>| t.format("%Y-%m-%d %H:%M").to_string();
    let day = |t: &chrono::DateTime<chrono::FixedOffset>| t.format("%Y-%m-%d").to_string();
    let period = period_words(lang, e.period);
    let mut lines = vec![match e.mode {
        CountingMode::WorkingHours => format!(
            "Period: {period}, counted in working hours ({} working hours; a day is 8 hours)",
            e.period.as_working_hours().unwrap_or(0)
        ),
        CountingMode::WorkingDays => format!(
            "Period: {period}, counted in working days (the receipt day counts if it is a working day)"
        ),
        CountingMode::Calendar => {
            format!(
                "Period: {period}, counted in calendar days (first day included, Civil Act art. 159–161)"
            )
        }
    }];
    lines.push(format!("Received: {}", moment(&e.received)));
    lines.push(match e.mode {
        CountingMode::WorkingHours => format!("Counting starts: {}", moment(&e.counting_starts)),
        _ => format!("Day 1: {}", day(&e.counting_starts)),
    });
    lines.push(format!(
        "Due before pauses and extensions: {}",
        moment(&e.base_due)
    ));
    for p in &e.pauses {
        let what = match p.excluded {
            Excluded::WorkingSeconds(s) => {
                format!(
                    "{} h {} min of working time not counted",
                    s / 3600,
                    (s % 3600) / 60
                )
            }
            Excluded::Days { days, working } => {
                format!("{days} days ({working} working days) not counted")
            }
        };
        let end = if p.open {
            "ongoing".to_string()
        } else {
            moment(&p.end)
        };
        lines.push(format!("Paused: {} – {end} ({what})", moment(&p.start)));
    }
    for x in &e.extensions {
        lines.push(format!(
            "Extended by {} → {}",
            period_words(lang, x.period),
            moment(&x.due_after)
        ));
    }
    lines.push(format!("Due: {}", moment(&e.due)));
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn english_explanation_has_the_same_steps_and_due_moment() {
        let cal = calendar::WorkCalendar::standard().unwrap();
        // DOMAIN.md's example: received Mon 2026-11-23, 7 days → due Tue 1 Dec 18:00.
        let received = calendar::seoul()
            .with_ymd_and_hms(2026, 11, 23, 10, 0, 0)
            .unwrap()
            .with_timezone(&Utc);
        let input = calendar::DeadlineInput::new(received, calendar::Period::Days(7));
        let e = calendar::explain(&cal, &input, received).unwrap();
        let ko = explain_lines(Lang::Ko, &e);
        let en = explain_lines(Lang::En, &e);
        assert_eq!(ko, e.korean_lines());
        assert_eq!(ko.len(), en.len());
        assert_eq!(en.last().unwrap(), "Due: 2026-12-01 18:00");
        assert!(en[0].contains("working days"));
    }

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
