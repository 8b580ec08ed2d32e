//! What the counter does, shared by the JSON API and the pages: ask the policy, call one store
//! function in an audited transaction.

use crate::kit::auth::Caller;
use crate::kit::error::ApiError;
use crate::{AppState, Audit, audited};
use domain::access::{Action, Capability, Target};
use domain::service_access::evening::Outcome;
use store::service_access::evening::{self as ev, Arriving, CheckedIn, Closed, Evening, Ticket};

/// The evening, if the caller works its counter (the running department's staff, the
/// division's supervisor); else 403 (logged) or 404.
pub async fn counter_of(state: &AppState, caller: &Caller, id: i64) -> Result<Evening, ApiError> {
    let e = ev::evening(&state.db, id).await?;
    caller
        .may(
            state,
            Capability::AfterHoursBooking,
            Action::Update,
            Target::Department(e.department_id),
        )
        .await?;
    Ok(e)
}

fn subject(evening: i64) -> String {
    format!("after_hours_evening:{evening}")
}

pub async fn check_in(
    state: &AppState,
    caller: &Caller,
    id: i64,
    who: Arriving,
) -> Result<CheckedIn, ApiError> {
    counter_of(state, caller, id).await?;
    let now = store::now();
    audited(state, caller, async |tx| {
        let c = ev::check_in(tx, id, &who, now).await?;
        let audit = Audit::new(
            format!("after_hours_booking:{}", c.booking.id),
            "after_hours.check_in",
            c.ticket.kind.as_str(),
        );
        Ok((c, audit))
    })
    .await
}

pub async fn walk_in(
    state: &AppState,
    caller: &Caller,
    id: i64,
    name: &str,
    service_id: Option<i64>,
) -> Result<Ticket, ApiError> {
    counter_of(state, caller, id).await?;
    let service_id = service_id.ok_or_else(|| {
        ApiError::bad_request("service_missing", "업무를 고르세요", "choose the service")
    })?;
    let now = store::now();
    audited(state, caller, async |tx| {
        let t = ev::walk_in(tx, id, name, service_id, now).await?;
        Ok((t, Audit::new(subject(id), "after_hours.walk_in", "")))
    })
    .await
}

pub async fn call_next(
    state: &AppState,
    caller: &Caller,
    id: i64,
    counter: Option<i64>,
) -> Result<Ticket, ApiError> {
    counter_of(state, caller, id).await?;
    let counter = counter.ok_or_else(|| {
        ApiError::bad_request(
            "counter_invalid",
            "창구 번호를 고르세요",
            "choose the counter",
        )
    })?;
    let now = store::now();
    audited(state, caller, async |tx| {
        let t = ev::call_next(tx, id, counter, now).await?;
        let reason = format!("{}:{}", t.number, counter);
        Ok((t, Audit::new(subject(id), "after_hours.call", &reason)))
    })
    .await
}

pub async fn outcome(
    state: &AppState,
    caller: &Caller,
    id: i64,
    ticket: i64,
    outcome: &str,
) -> Result<Ticket, ApiError> {
    counter_of(state, caller, id).await?;
    let outcome = Outcome::parse(outcome).map_err(|_| {
        ApiError::bad_request(
            "outcome_invalid",
            "처리 결과를 고르세요 (처리 완료, 불참, 떠남)",
            "choose an outcome: served, no_show or left",
        )
    })?;
    let now = store::now();
    audited(state, caller, async |tx| {
        let t = ev::set_outcome(tx, id, ticket, outcome, now).await?;
        let audit = Audit::new(
            format!("after_hours_ticket:{}", t.id),
            "after_hours.outcome",
            outcome.as_str(),
        );
        Ok((t, audit))
    })
    .await
}

pub async fn open(state: &AppState, caller: &Caller, id: i64) -> Result<Evening, ApiError> {
    counter_of(state, caller, id).await?;
    audited(state, caller, async |tx| {
        let e = ev::open(tx, id).await?;
        Ok((e, Audit::new(subject(id), "after_hours.open", "")))
    })
    .await
}

pub async fn close(state: &AppState, caller: &Caller, id: i64) -> Result<Closed, ApiError> {
    counter_of(state, caller, id).await?;
    let now = store::now();
    audited(state, caller, async |tx| {
        let c = ev::close(tx, id, now).await?;
        let reason = format!("no_shows:{}", c.no_shows);
        Ok((c, Audit::new(subject(id), "after_hours.close", &reason)))
    })
    .await
}
