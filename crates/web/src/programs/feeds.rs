//! iCalendar feeds at secret addresses: a person's sessions, and a program's. The address
//! carries the person's token (only its hash is stored; renewing it ends the old address), so
//! calendar programs, which carry no cookie, can subscribe. Times go out with
//! `TZID=Asia/Seoul`; a cancelled session stays in the feed as `STATUS:CANCELLED` so a
//! subscribed calendar drops it.

use crate::AppState;
use crate::kit::error::ApiError;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use icalendar::{Calendar, CalendarDateTime, Component, Event, EventLike, EventStatus};
use store::programs::{self as sp, FeedEvent};

/// Outside the session layer: the token in the address is the credential.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/calendar/programs/{token}", get(person_feed))
        .route("/calendar/programs/{token}/program/{id}", get(program_feed))
}

/// The feed path of a token.
pub fn path_of(token: &str) -> String {
    format!("/calendar/programs/{token}.ics")
}

fn strip(token: &str) -> &str {
    token.strip_suffix(".ics").unwrap_or(token)
}

async fn owner(state: &AppState, token: &str) -> Result<domain::AccountId, ApiError> {
    sp::calendar_owner(&state.db, strip(token))
        .await?
        .ok_or_else(ApiError::not_found)
}

async fn person_feed(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> Result<Response, ApiError> {
    let who = owner(&state, &token).await?;
    let events = sp::feed_for_account(&state.db, who).await?;
    Ok(ics("내 교육 일정 (my programs)", &events))
}

async fn program_feed(
    State(state): State<AppState>,
    Path((token, id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    owner(&state, &token).await?;
    let id: i64 = strip(&id).parse().map_err(|_| ApiError::not_found())?;
    let program = sp::program(&state.db, id).await?;
    let events = sp::feed_for_program(&state.db, id).await?;
    Ok(ics(&program.title, &events))
}

fn seoul(t: chrono::DateTime<chrono::Utc>) -> CalendarDateTime {
    CalendarDateTime::WithTimezone {
        date_time: calendar::to_seoul(t).naive_local(),
        tzid: "Asia/Seoul".into(),
    }
}

/// The feed as text/calendar.
fn ics(name: &str, events: &[FeedEvent]) -> Response {
    let mut cal = Calendar::new();
    cal.name(name);
    for e in events {
        let title = if e.label.is_empty() {
            e.title.clone()
        } else {
            format!("{} {}", e.title, e.label)
        };
        let mut ev = Event::new();
        ev.uid(&format!("minwon-program-day-{}@minwon", e.day_id))
            .summary(&title)
            .starts(seoul(e.starts_at))
            .ends(seoul(e.ends_at))
            .timestamp(e.updated_at);
        if !e.venue.is_empty() {
            ev.location(&e.venue);
        }
        if !e.online_link.is_empty() {
            ev.url(&e.online_link);
        }
        if e.state == "cancelled" {
            ev.status(EventStatus::Cancelled);
        } else {
            ev.status(EventStatus::Confirmed);
        }
        cal.push(ev.done());
    }
    (
        [
            (header::CONTENT_TYPE, "text/calendar; charset=utf-8"),
            (header::CACHE_CONTROL, "private, max-age=300"),
        ],
        cal.done().to_string(),
    )
        .into_response()
}
