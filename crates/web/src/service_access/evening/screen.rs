//! The room's number-ticket screen (번호표 화면) for the TV: the number called now and its
//! counter, the next numbers; never a name or anything else personal. A small script
//! (`/static/evening-screen.js`) asks the JSON API every few seconds, updates the numbers,
//! lets screen readers hear a new call (`aria-live`) and, where the browser has it, says the
//! call in Korean (speech synthesis) after a short tone. Without script the page reloads itself.

use super::views::{place, schedule_name};
use crate::AppState;
use crate::kit::auth::{ApiCaller, Caller};
use crate::kit::error::{ApiError, ErrorBody};
use crate::kit::page::{Chrome, Ctx, OrPage, PageResult};
use crate::wellbeing::api::Id;
use askama::Template;
use axum::Json;
use axum::extract::State;
use domain::access::{Action, Capability, Target};
use serde::Serialize;
use store::service_access::evening::{self as ev, Evening};
use utoipa::ToSchema;

/// Seconds between two looks at the waiting list.
pub const POLL_SECONDS: u32 = 3;

async fn readable(state: &AppState, caller: &Caller, id: i64) -> Result<Evening, ApiError> {
    let e = ev::evening(&state.db, id).await?;
    caller
        .may(
            state,
            Capability::AfterHours,
            Action::Read,
            Target::Department(e.department_id),
        )
        .await?;
    Ok(e)
}

#[derive(Serialize, ToSchema)]
pub struct CalledView {
    pub number: i64,
    pub counter: i64,
    pub called_at: String,
}

/// What the screen shows: numbers and counters only.
#[derive(Serialize, ToSchema)]
pub struct ScreenView {
    pub evening_id: i64,
    /// The latest call first.
    pub called: Vec<CalledView>,
    /// The next numbers in call order.
    pub next: Vec<i64>,
    pub waiting: usize,
    pub closed: bool,
}

impl From<ev::Screen> for ScreenView {
    fn from(s: ev::Screen) -> Self {
        Self {
            evening_id: s.evening_id,
            called: s
                .called
                .into_iter()
                .map(|c| CalledView {
                    number: c.number,
                    counter: c.counter,
                    called_at: c.called_at,
                })
                .collect(),
            next: s.next,
            waiting: s.waiting,
            closed: s.closed,
        }
    }
}

/// The room's screen as data: the latest calls (number, counter) and the next numbers. No
/// names or other personal data.
#[utoipa::path(get, path = "/api/v1/after-hours/evenings/{id}/screen", tag = "after-hours", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 200, body = ScreenView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(crate) async fn screen_api(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Id(id): Id,
) -> Result<Json<ScreenView>, ApiError> {
    readable(&state, &caller, id).await?;
    Ok(Json(ev::screen(&state.db, id).await?.into()))
}

#[derive(Template)]
#[template(path = "service_access/evening/screen.html")]
pub(crate) struct ScreenPage {
    c: Chrome,
    id: i64,
    title: String,
    place: String,
    now: Option<(i64, i64)>,
    earlier: Vec<(i64, i64)>,
    next: Vec<i64>,
    waiting: usize,
    closed: bool,
    poll: u32,
}

pub(crate) async fn screen_page(
    State(state): State<AppState>,
    ctx: Ctx,
    crate::protection::views::PageId(id): crate::protection::views::PageId,
) -> PageResult {
    let caller = ctx.staff_or_refuse()?;
    let e = readable(&state, caller, id).await.or_page(&ctx)?;
    let s = ev::screen(&state.db, id)
        .await
        .map_err(ApiError::from)
        .or_page(&ctx)?;
    let mut calls = s.called.iter().map(|c| (c.number, c.counter));
    let page = ScreenPage {
        c: ctx.chrome(),
        id,
        title: schedule_name(ctx.lang, &e),
        place: place(ctx.lang, &e),
        now: calls.next(),
        earlier: calls.collect(),
        next: s.next,
        waiting: s.waiting,
        closed: s.closed,
        poll: POLL_SECONDS,
    };
    Ok(ctx.render(&page))
}
