//! The booking's iCalendar file (`/after-hours/booking/{CODE}.ics`), the same file the
//! confirmation e-mail carries (`store::service_access::after_hours::calendar_file`). The code
//! alone opens it: it holds the time, place and checklist, no personal data.

use crate::AppState;
use crate::kit::error::ApiError;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use store::service_access::after_hours as ah;

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
        ah::calendar_file(&b, &list),
    )
        .into_response())
}
