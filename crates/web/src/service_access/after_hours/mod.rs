//! After-hours reception by booking (야간·휴일 민원실): schedules and their services (the
//! administrator office-wide, a supervisor for their division), booking online (residents,
//! also signed out) and on the phone (officials of the running department), cancelling and
//! moving with the code and phone number, the cutoff decision and reminders (a job), and bulk
//! cancellation of an evening.
//!
//! `api` holds the JSON routes; the actions both call are here, so a page and an API call are
//! refused, logged and answered alike. `forms` reads the pages' forms into the domain's drafts
//! with an error beside each field; `pages` the pages; `ics` the calendar file.
//!
//! Access: schedules are `Capability::AfterHours` (target: the running department); a booking
//! is `Capability::AfterHoursBooking`, a record owned by the resident's account in the
//! schedule's department. A booking made signed out is reached only with its code and phone.

pub mod api;
pub mod forms;
pub mod ics;
pub mod pages;

use crate::kit::auth::Caller;
use crate::kit::error::ApiError;
use crate::{AppState, Audit, audited};
use chrono::{DateTime, Utc};
use domain::access::{Action, Capability, Target};
use domain::service_access::booking::{BookingChannel, Contact, ScheduleDraft, ServiceDraft};
use domain::{AccountId, DepartmentId};
use std::net::IpAddr;
use std::sync::OnceLock;
use store::service_access::after_hours::{self as ah, BookRequest, Booking, SlotKey};

/// The page every message links to for cancelling, moving and the calendar file.
pub const BOOKING_PAGE: &str = "/after-hours/booking";

/// A booking as the policy sees it: the resident's record in the schedule's department.
fn record(owner: Option<AccountId>, department: DepartmentId) -> Target<'static> {
    Target::Record {
        owner,
        department: Some(department),
        shared_with: &[],
    }
}

/// Booking and code look-ups by people without an account are limited per address beyond the
/// site-wide limit: a code with a phone number is a credential, so guessing must stay slow.
fn lookups() -> &'static crate::kit::security::RateLimiter {
    static LIMITER: OnceLock<crate::kit::security::RateLimiter> = OnceLock::new();
    LIMITER.get_or_init(|| crate::kit::security::RateLimiter::new(20, 10))
}

/// Refused when this address looked up or booked too often in the last minute (unless the
/// office turned rate limits off).
pub(crate) fn throttle(state: &AppState, address: &str) -> Result<(), ApiError> {
    if state.config.rate_per_minute == 0 {
        return Ok(());
    }
    match address.parse::<IpAddr>() {
        Ok(ip) if !lookups().allow(ip) => Err(ApiError::new(
            axum::http::StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            "시도가 너무 많습니다. 1분 뒤에 다시 해 주세요",
            "too many attempts; try again in a minute",
        )),
        _ => Ok(()),
    }
}

// ---------------------------------------------------------------------------------------------
// Schedules and services

/// The departments whose schedules the caller may set (`Create` on `AfterHours`).
pub(crate) async fn departments_run_by(
    state: &AppState,
    caller: &Caller,
) -> Result<Vec<store::office::departments::Department>, ApiError> {
    let mut out = Vec::new();
    for d in store::office::departments::list(&state.db).await? {
        if d.active
            && caller
                .permits(
                    state,
                    Capability::AfterHours,
                    Action::Create,
                    Target::Department(d.id),
                )
                .await?
        {
            out.push(d);
        }
    }
    Ok(out)
}

pub(crate) async fn may_read_schedules(state: &AppState, caller: &Caller) -> Result<(), ApiError> {
    caller
        .may(state, Capability::AfterHours, Action::Read, Target::Office)
        .await
}

pub(crate) async fn create_schedule(
    state: &AppState,
    caller: &Caller,
    department: DepartmentId,
    d: &ScheduleDraft,
) -> Result<i64, ApiError> {
    caller
        .may(
            state,
            Capability::AfterHours,
            Action::Create,
            Target::Department(department),
        )
        .await?;
    let holidays = ah::holidays(&state.db).await?;
    audited(state, caller, async |tx| {
        let id = ah::create_schedule(
            tx,
            &holidays,
            department,
            d,
            Some(caller.account.id),
            store::now(),
        )
        .await?;
        Ok((
            id,
            Audit::new(
                format!("after_hours_schedule:{id}"),
                "after_hours.schedule.create",
                "",
            ),
        ))
    })
    .await
}

pub(crate) async fn update_schedule(
    state: &AppState,
    caller: &Caller,
    id: i64,
    d: &ScheduleDraft,
    active: bool,
) -> Result<(), ApiError> {
    let s = ah::schedule(&state.db, id).await?;
    caller
        .may(
            state,
            Capability::AfterHours,
            Action::Update,
            Target::Department(s.department_id),
        )
        .await?;
    let holidays = ah::holidays(&state.db).await?;
    audited(state, caller, async |tx| {
        ah::update_schedule(tx, &holidays, id, d, active, store::now()).await?;
        Ok((
            (),
            Audit::new(
                format!("after_hours_schedule:{id}"),
                "after_hours.schedule.update",
                "",
            ),
        ))
    })
    .await
}

pub(crate) async fn save_service(
    state: &AppState,
    caller: &Caller,
    schedule: i64,
    d: &ServiceDraft,
    active: bool,
) -> Result<i64, ApiError> {
    let s = ah::schedule(&state.db, schedule).await?;
    caller
        .may(
            state,
            Capability::AfterHours,
            Action::Update,
            Target::Department(s.department_id),
        )
        .await?;
    audited(state, caller, async |tx| {
        let id = ah::save_service(tx, schedule, s.draft.opens, s.draft.closes, d, active).await?;
        Ok((
            id,
            Audit::new(
                format!("after_hours_schedule:{schedule}"),
                "after_hours.service.save",
                d.kind.as_str(),
            ),
        ))
    })
    .await
}

// ---------------------------------------------------------------------------------------------
// Booking

/// Who books: a signed-in resident (their own account), an official on the phone (the running
/// department's), or nobody signed in (online, reached later by code and phone).
pub(crate) async fn book(
    state: &AppState,
    caller: Option<&Caller>,
    address: &str,
    slot: SlotKey,
    contact: Contact,
    minor_with_guardian: bool,
) -> Result<Booking, ApiError> {
    let s = ah::schedule(&state.db, slot.schedule_id).await?;
    if !s.active {
        return Err(ApiError::not_found());
    }
    let (channel, account, taken_by) = match caller {
        Some(c) if c.account.role.is_staff() => {
            c.may(
                state,
                Capability::AfterHoursBooking,
                Action::Create,
                record(None, s.department_id),
            )
            .await?;
            (BookingChannel::Phone, None, Some(c.account.id))
        }
        Some(c) => {
            c.may(
                state,
                Capability::AfterHoursBooking,
                Action::Create,
                record(Some(c.account.id), s.department_id),
            )
            .await?;
            (BookingChannel::Online, Some(c.account.id), None)
        }
        None => {
            throttle(state, address)?;
            (BookingChannel::Online, None, None)
        }
    };
    let holidays = ah::holidays(&state.db).await?;
    let r = BookRequest {
        slot,
        contact,
        minor_with_guardian,
        channel,
        account,
        taken_by,
        link: state.config.public_link(BOOKING_PAGE),
    };
    let now = store::now();
    match caller {
        Some(c) => {
            audited(state, c, async |tx| {
                let b = ah::book_in(tx, &holidays, &r, now).await?;
                Ok((
                    b.clone(),
                    Audit::new(
                        format!("after_hours_booking:{}", b.id),
                        "after_hours.booking.create",
                        b.channel.as_str(),
                    ),
                ))
            })
            .await
        }
        None => Ok(ah::book(&state.db, &holidays, &r, now).await?),
    }
}

/// A booking by code and phone (the second factor), throttled per address.
pub(crate) async fn by_code(
    state: &AppState,
    address: &str,
    code: &str,
    phone: &str,
) -> Result<Booking, ApiError> {
    throttle(state, address)?;
    Ok(ah::by_code(&state.db, code, phone).await?)
}

pub(crate) async fn cancel_by_code(
    state: &AppState,
    address: &str,
    code: &str,
    phone: &str,
) -> Result<Booking, ApiError> {
    throttle(state, address)?;
    let mut tx = state.db.begin().await?;
    let b = ah::cancel_by_code_in(&mut tx, code, phone, store::now()).await?;
    tx.commit().await?;
    Ok(b)
}

pub(crate) async fn reschedule(
    state: &AppState,
    address: &str,
    code: &str,
    phone: &str,
    to: SlotKey,
) -> Result<Booking, ApiError> {
    throttle(state, address)?;
    let holidays = ah::holidays(&state.db).await?;
    let mut tx = state.db.begin().await?;
    let b = ah::reschedule_in(
        &mut tx,
        &holidays,
        code,
        phone,
        &to,
        &state.config.public_link(BOOKING_PAGE),
        store::now(),
    )
    .await?;
    tx.commit().await?;
    Ok(b)
}

/// May the caller work the evenings of this schedule's department (see its bookings, take
/// phone bookings)?
pub(crate) async fn may_work(
    state: &AppState,
    caller: &Caller,
    department: DepartmentId,
) -> Result<(), ApiError> {
    caller
        .may(
            state,
            Capability::AfterHoursBooking,
            Action::Read,
            record(None, department),
        )
        .await
}

/// Cancel a whole evening (supervisor of the division, administrator): `Update` on the
/// schedule.
pub(crate) async fn cancel_evening(
    state: &AppState,
    caller: &Caller,
    evening: i64,
    reason: &str,
) -> Result<usize, ApiError> {
    let e = ah::evening(&state.db, evening).await?;
    let s = ah::schedule(&state.db, e.schedule_id).await?;
    caller
        .may(
            state,
            Capability::AfterHours,
            Action::Update,
            Target::Department(s.department_id),
        )
        .await?;
    audited(state, caller, async |tx| {
        let n = ah::cancel_evening_in(tx, evening, reason, store::now()).await?;
        Ok((
            n,
            Audit::new(
                format!("after_hours_evening:{evening}"),
                "after_hours.evening.cancel",
                reason,
            ),
        ))
    })
    .await
}

/// The evening of a schedule on a day, written on first need (a phone booking page or a
/// cancellation before anyone booked).
pub(crate) async fn evening_of_day(
    state: &AppState,
    caller: &Caller,
    schedule: i64,
    day: chrono::NaiveDate,
) -> Result<i64, ApiError> {
    let s = ah::schedule(&state.db, schedule).await?;
    may_work(state, caller, s.department_id).await?;
    if let Some(e) = ah::evening_on(&state.db, schedule, day).await? {
        return Ok(e.id);
    }
    let holidays = ah::holidays(&state.db).await?;
    let mut tx = state.db.begin().await?;
    let id = ah::materialise(&mut tx, &holidays, schedule, day).await?;
    tx.commit().await?;
    Ok(id)
}

/// The job: decide the evenings at their cutoff and queue reminders (linking the booking page at
/// the site's public address), every `every`.
pub async fn run_jobs(
    state: AppState,
    every: std::time::Duration,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    let db = &state.db;
    let link = state.config.public_link(BOOKING_PAGE);
    loop {
        match ah::decide_due(db, store::now()).await {
            Ok(d) if d.is_empty() => {}
            Ok(d) => tracing::info!(n = d.len(), "after-hours evenings decided"),
            Err(e) => tracing::error!(error = %e, "after-hours decision failed"),
        }
        match ah::queue_reminders(db, &link, store::now()).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(n, "after-hours reminders queued"),
            Err(e) => tracing::error!(error = %e, "after-hours reminders failed"),
        }
        tokio::select! {
            _ = tokio::time::sleep(every) => {}
            _ = stop.changed() => {}
        }
        if *stop.borrow() {
            break;
        }
    }
}

/// A slot's time in Korean words: `2026-05-14 (목) 18:00–18:30`.
pub(crate) fn slot_words(
    lang: crate::kit::page::Lang,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> String {
    let s = calendar::to_seoul(from);
    let day = s.date_naive();
    format!(
        "{} ({}) {}–{}",
        day,
        weekday(lang, day),
        s.format("%H:%M"),
        calendar::to_seoul(to).format("%H:%M")
    )
}

pub(crate) fn weekday(lang: crate::kit::page::Lang, day: chrono::NaiveDate) -> &'static str {
    use chrono::Datelike;
    let i = day.weekday().num_days_from_monday() as usize;
    let ko = ["월", "화", "수", "목", "금", "토", "일"];
    let en = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
    lang.t(ko[i % 7], en[i % 7])
}

/// The JSON routes (with their OpenAPI paths) and the pages.
pub fn routes() -> utoipa_axum::router::OpenApiRouter<AppState> {
    api::routes().merge(pages::routes().into())
}
