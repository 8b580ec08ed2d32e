//! Self check-in (출석 체크): the room's screen with the rotating code and its QR image, and the
//! official's check-in by typing the code or opening the QR's address while signed in.
//!
//! The room's page holds no state: the code is derived from the session's secret and the time,
//! so reopening or reloading it (or opening it on a second screen) shows the same code. A small
//! script reloads it when the code turns; without script the page says to reload.

use super::{organiser_of, session_name, show};
use crate::kit::auth::{ApiCaller, Caller};
use crate::kit::error::{ApiError, ErrorBody};
use crate::kit::form::PageForm;
use crate::kit::json::ApiJson;
use crate::kit::page::{Chrome, Ctx, Lang, OrPage, PageResult, when};
use crate::protection::views::PageId;
use crate::wellbeing::api::Id;
use crate::{AppState, Audit, audited};
use askama::Template;
use axum::Json;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use domain::programs::checkin;
use serde::{Deserialize, Serialize};
use store::programs::attendance::{self as att, CheckIn};
use utoipa::ToSchema;

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct CheckInRequest {
    /// The six digits shown in the room.
    pub code: String,
}

#[derive(Serialize, ToSchema)]
pub struct CheckInView {
    pub session_id: i64,
    pub day: String,
    /// present | late
    pub status: String,
    pub minutes: i64,
    pub recorded_at: String,
    /// Not enrolled: recorded as a walk-in for the organiser to confirm.
    pub walk_in: bool,
    /// Checked in before; nothing changed.
    pub already: bool,
}

impl From<CheckIn> for CheckInView {
    fn from(c: CheckIn) -> Self {
        Self {
            session_id: c.session_id,
            day: c.day.to_string(),
            status: c.status.as_str().to_string(),
            minutes: c.minutes,
            recorded_at: c.recorded_at.to_rfc3339(),
            walk_in: c.walk_in,
            already: c.already,
        }
    }
}

pub(crate) async fn check_in(
    state: &AppState,
    caller: &Caller,
    session_id: i64,
    code: &str,
) -> Result<CheckIn, ApiError> {
    if !caller.account.role.is_staff() {
        return Err(ApiError::forbidden());
    }
    let now = store::now();
    audited(state, caller, async |tx| {
        let c = att::check_in(tx, session_id, caller.account.id, code, now).await?;
        let action = if c.walk_in {
            "programs.checkin.walk_in"
        } else {
            "programs.checkin"
        };
        Ok((
            c,
            Audit::new(format!("program_session:{session_id}"), action, ""),
        ))
    })
    .await
}

/// Check in to a session with the code shown in the room. An expired code, another session's
/// code and a wrong code are told apart; someone not enrolled is kept as a walk-in.
#[utoipa::path(post, path = "/api/v1/programs/sessions/{id}/checkin", tag = "programs", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = CheckInRequest,
    responses((status = 200, body = CheckInView), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(crate) async fn check_in_api(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Id(id): Id,
    ApiJson(req): ApiJson<CheckInRequest>,
) -> Result<Json<CheckInView>, ApiError> {
    Ok(Json(check_in(&state, &caller, id, &req.code).await?.into()))
}

#[derive(Template)]
#[template(path = "programs/learning_room.html")]
pub(crate) struct RoomPage {
    c: Chrome,
    session_id: i64,
    name: String,
    code: String,
    /// The QR image (SVG markup made here, no user text in it).
    qr: String,
    seconds_left: i64,
    open_now: bool,
}

/// The absolute address of the check-in page for `code`, for the QR image.
fn checkin_url(state: &AppState, headers: &HeaderMap, session_id: i64, code: &str) -> String {
    let host = headers
        .get(axum::http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            h.chars()
                .all(|c| c.is_ascii_alphanumeric() || ".-:[]".contains(c))
        })
        .unwrap_or("localhost");
    let scheme = if state.config.behind_tls {
        "https"
    } else {
        "http"
    };
    format!("{scheme}://{host}/programs/sessions/{session_id}/checkin?code={code}")
}

/// The QR image of `text` as inline SVG markup.
fn qr_svg(text: &str) -> Result<String, ApiError> {
    let code = qrcode::QrCode::new(text.as_bytes()).map_err(ApiError::internal_because)?;
    let svg = code
        .render::<qrcode::render::svg::Color<'_>>()
        .min_dimensions(260, 260)
        .quiet_zone(true)
        .build();
    // Inline in HTML: drop the XML declaration and give the image its accessible name.
    let svg = svg
        .find("<svg")
        .map(|at| svg[at..].to_string())
        .unwrap_or(svg);
    Ok(svg.replacen("<svg", "<svg role=\"img\" aria-labelledby=\"qr-label\"", 1))
}

/// The room's screen: the code of this moment, its QR image, and the seconds until it turns.
pub(crate) async fn room(
    State(state): State<AppState>,
    ctx: Ctx,
    PageId(id): PageId,
    headers: HeaderMap,
) -> PageResult {
    let caller = ctx.staff_or_refuse()?;
    let facts = organiser_of(&state, caller, id).await.or_page(&ctx)?;
    let now = store::now();
    let days = att::days(&state.db, id).await.or_page(&ctx)?;
    let code = checkin::code_at(facts.checkin_secret.as_bytes(), now);
    let url = checkin_url(&state, &headers, id, &code);
    let page = RoomPage {
        c: ctx.chrome(),
        session_id: id,
        name: session_name(ctx.lang, &facts),
        qr: qr_svg(&url).or_page(&ctx)?,
        code,
        seconds_left: checkin::seconds_left(now),
        open_now: days.iter().any(|d| d.check_in_open(now)),
    };
    Ok(ctx.render(&page))
}

#[derive(Template)]
#[template(path = "programs/learning_checkin.html")]
pub(crate) struct CheckInPage {
    c: Chrome,
    session_id: i64,
    name: String,
    code: String,
    error: Option<String>,
    done: Option<String>,
    walk_in: bool,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct CodeQuery {
    code: String,
}

fn done_words(lang: Lang, c: &CheckIn) -> String {
    let at = when(c.recorded_at);
    match (lang, c.already) {
        (Lang::Ko, true) => format!("이미 출석했습니다 ({at}, {}).", c.status.korean()),
        (Lang::Ko, false) => format!("출석했습니다 ({at}, {}).", c.status.korean()),
        (Lang::En, true) => format!("You had already checked in ({at}, {}).", c.status.english()),
        (Lang::En, false) => format!("You are checked in ({at}, {}).", c.status.english()),
    }
}

async fn checkin_view(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    code: String,
    result: Option<Result<CheckIn, ApiError>>,
) -> PageResult {
    let facts = att::session_facts(&state.db, id)
        .await
        .map_err(ApiError::from)
        .or_page(ctx)?;
    let (error, done, walk_in) = match &result {
        Some(Err(e)) => (Some(ctx.lang.of(e).to_string()), None, false),
        Some(Ok(c)) => (None, Some(done_words(ctx.lang, c)), c.walk_in),
        None => (None, None, false),
    };
    let page = CheckInPage {
        c: ctx.chrome(),
        session_id: id,
        name: session_name(ctx.lang, &facts),
        code,
        error,
        done,
        walk_in,
    };
    let failed = match &result {
        Some(Err(e)) => Some(e),
        _ => None,
    };
    Ok(show(ctx, &page, failed))
}

/// The check-in form; the QR's address fills the code in, so one tap checks in.
pub(crate) async fn checkin_page(
    State(state): State<AppState>,
    ctx: Ctx,
    PageId(id): PageId,
    Query(q): Query<CodeQuery>,
) -> PageResult {
    ctx.staff_or_refuse()?;
    let code: String = q
        .code
        .chars()
        .filter(char::is_ascii_digit)
        .take(6)
        .collect();
    checkin_view(&state, &ctx, id, code, None).await
}

pub(crate) async fn checkin_form(
    State(state): State<AppState>,
    ctx: Ctx,
    PageId(id): PageId,
    PageForm(req): PageForm<CheckInRequest>,
) -> PageResult {
    let caller = ctx.staff_or_refuse()?;
    let r = check_in(&state, caller, id, &req.code).await;
    let code = if r.is_ok() { String::new() } else { req.code };
    checkin_view(&state, &ctx, id, code, Some(r)).await
}
