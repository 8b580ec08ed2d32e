//! The booking's iCalendar file (`/after-hours/booking/{CODE}.ics`): one event with
//! `TZID=Asia/Seoul` and the zone's VTIMEZONE, so calendars that know no zone names still
//! place it right. The code alone opens it: it holds the time, place and checklist, no
//! personal data.

use crate::AppState;
use crate::kit::error::ApiError;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use icalendar::{Calendar, CalendarDateTime, Component, Event, EventLike, EventStatus};
use store::service_access::after_hours::{self as ah, Booking};

/// Korea keeps +09:00 all year (no DST since 1988): one STANDARD part is the whole zone.
const VTIMEZONE: &str = "BEGIN:VTIMEZONE\r\nTZID:Asia/Seoul\r\nBEGIN:STANDARD\r\n\
DTSTART:19880509T030000\r\nTZOFFSETFROM:+1000\r\nTZOFFSETTO:+0900\r\nTZNAME:KST\r\n\
END:STANDARD\r\nEND:VTIMEZONE\r\n";

fn seoul(t: chrono::DateTime<chrono::Utc>) -> CalendarDateTime {
    CalendarDateTime::WithTimezone {
        date_time: calendar::to_seoul(t).naive_local(),
        tzid: "Asia/Seoul".into(),
    }
}

/// The file's text.
pub fn text(b: &Booking, checklist: &[domain::service_access::booking::ChecklistItem]) -> String {
    let mut cal = Calendar::new();
    cal.name("야간 민원실 예약 (after-hours booking)");
    let mut ev = Event::new();
    let mut description = format!(
        "예약번호 (code): {}\n준비물 (what to bring):\n",
        b.shown_code()
    );
    for i in checklist {
        description.push_str(&format!("- {} {}\n", i.ko, i.en));
    }
    ev.uid(&format!("minwon-after-hours-{}@minwon", b.code))
        .summary(&format!(
            "{} {} ({})",
            b.schedule_name,
            b.service_kind.korean(),
            b.service_kind.english()
        ))
        .starts(seoul(b.slot_starts_at))
        .ends(seoul(b.slot_ends_at))
        .timestamp(b.created_at)
        .description(&description)
        .location(&b.place)
        .status(
            if b.state == domain::service_access::booking::BookingState::Cancelled {
                EventStatus::Cancelled
            } else {
                EventStatus::Confirmed
            },
        );
    cal.push(ev.done());
    let body = cal.done().to_string();
    // The builder writes no VTIMEZONE; it goes before the first event.
    match body.find("BEGIN:VEVENT") {
        Some(at) => format!("{}{VTIMEZONE}{}", &body[..at], &body[at..]),
        None => body,
    }
}

pub(crate) async fn download(
    State(state): State<AppState>,
    Path(file): Path<String>,
) -> Result<Response, ApiError> {
    let code = file.strip_suffix(".ics").ok_or_else(ApiError::not_found)?;
    let b = ah::booking_by_code(&state.db, code)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let list = ah::service(&state.db, b.service_id).await?.draft.checklist;
    Ok((
        [
            (header::CONTENT_TYPE, "text/calendar; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"after-hours.ics\"",
            ),
            (header::CACHE_CONTROL, "private, no-store"),
        ],
        text(&b, &list),
    )
        .into_response())
}
