//! The desk (`/after-hours/desk`) and the counter (`/after-hours/evenings/{id}/counter`). Every
//! form answers with the counter again, saying what actually happened, or the error beside its
//! field with everything typed kept.

use super::actions::{self, counter_of};
use super::api::arriving;
use super::views::{
    BookingRow, TicketRow, booking_row, evening_when, hm, place, schedule_name, service_name,
    state_name, ticket_row,
};
use crate::AppState;
use crate::kit::auth::Caller;
use crate::kit::error::ApiError;
use crate::kit::extract::{Path, Query};
use crate::kit::form::{PageForm, empty_as_none};
use crate::kit::page::{Chrome, Ctx, Lang, OrPage, PageResult};
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use domain::access::{Action, Capability, Target};
use domain::service_access::evening::{EveningState, TicketKind};
use serde::Deserialize;
use store::service_access::evening::{self as ev, Evening};

// ---------------------------------------------------------------------------------------------
// The desk
// ---------------------------------------------------------------------------------------------

pub(crate) struct DeskEvening {
    id: i64,
    when: String,
    name: String,
    place: String,
    state: String,
    /// The cutoff decision in words.
    decision: String,
    services: Vec<(String, i64, i64, i64, i64)>,
    runs: bool,
    today: bool,
}

#[derive(Template)]
#[template(path = "service_access/evening/desk.html")]
pub(crate) struct DeskPage {
    c: Chrome,
    evenings: Vec<DeskEvening>,
}

/// The departments whose counters the caller works.
async fn worked_departments(state: &AppState, caller: &Caller) -> Result<Vec<i64>, ApiError> {
    let mut out = Vec::new();
    for d in store::office::departments::list(&state.db).await? {
        let target = Target::Department(d.id);
        if caller
            .permits(state, Capability::AfterHoursBooking, Action::Update, target)
            .await?
        {
            out.push(d.id);
        }
    }
    Ok(out)
}

fn decision(lang: Lang, e: &Evening) -> String {
    let at = e.cutoff_at.map(crate::kit::page::when).unwrap_or_default();
    match (e.state, lang) {
        (EveningState::Scheduled, Lang::Ko) => format!("마감 {at}에 운영 여부 결정"),
        (EveningState::Scheduled, Lang::En) => format!("Decided at the cutoff, {at}"),
        (EveningState::NotOpened, Lang::Ko) => {
            format!("예약 {}건 미만으로 운영하지 않음 ({at})", e.min_bookings)
        }
        (EveningState::NotOpened, Lang::En) => {
            format!("Not opening: fewer than {} bookings ({at})", e.min_bookings)
        }
        (EveningState::Cancelled, Lang::Ko) => format!("취소: {}", e.cancelled_reason),
        (EveningState::Cancelled, Lang::En) => format!("Cancelled: {}", e.cancelled_reason),
        (_, Lang::Ko) => format!("운영 확정 (마감 {at})"),
        (_, Lang::En) => format!("Opening confirmed (cutoff {at})"),
    }
}

pub(crate) async fn desk(State(state): State<AppState>, ctx: Ctx) -> PageResult {
    let caller = ctx.staff_or_refuse()?;
    let lang = ctx.lang;
    let departments = worked_departments(&state, caller).await.or_page(&ctx)?;
    if departments.is_empty() {
        return Err(ctx.fail(&ApiError::forbidden()));
    }
    let today = calendar::to_seoul(store::now()).date_naive().to_string();
    let list = ev::upcoming(&state.db, Some(&departments), &today, 8)
        .await
        .map_err(ApiError::from)
        .or_page(&ctx)?;
    let mut evenings = Vec::new();
    for e in list {
        let counts = ev::counts(&state.db, e.id)
            .await
            .map_err(ApiError::from)
            .or_page(&ctx)?;
        evenings.push(DeskEvening {
            id: e.id,
            when: evening_when(&e),
            name: schedule_name(lang, &e),
            place: place(lang, &e),
            state: state_name(lang, e.state).to_string(),
            decision: decision(lang, &e),
            services: counts
                .iter()
                .map(|s| {
                    let name = service_name(lang, &s.kind);
                    (name, s.confirmed, s.checked_in, s.served, s.no_show)
                })
                .collect(),
            runs: matches!(
                e.state,
                EveningState::Scheduled | EveningState::Confirmed | EveningState::InProgress
            ),
            today: e.day == today,
        });
    }
    let page = DeskPage {
        c: ctx
            .chrome()
            .crumb(lang.t("야간 민원실 창구", "After-hours desk"), ""),
        evenings,
    };
    Ok(ctx.render(&page))
}

// ---------------------------------------------------------------------------------------------
// The counter
// ---------------------------------------------------------------------------------------------

/// What the forms keep and say after an action.
#[derive(Default)]
pub(crate) struct Feedback {
    message: Option<String>,
    /// (field, message)
    errors: Vec<(&'static str, String)>,
    code: String,
    q: String,
    walk_name: String,
    walk_service: Option<i64>,
    counter: i64,
}

#[derive(Template)]
#[template(path = "service_access/evening/counter.html")]
pub(crate) struct CounterPage {
    c: Chrome,
    id: i64,
    title: String,
    when: String,
    place: String,
    state: String,
    may_open: bool,
    running: bool,
    closed: bool,
    window: String,
    services: Vec<(i64, String)>,
    counters: Vec<i64>,
    waiting: Vec<TicketRow>,
    called: Vec<TicketRow>,
    done: Vec<TicketRow>,
    bookings: Vec<BookingRow>,
    searched: bool,
    f: Feedback,
}

impl CounterPage {
    fn error(&self, field: &str) -> Option<&str> {
        self.f
            .errors
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, m)| m.as_str())
    }
}

/// Which form field an error belongs beside.
fn field_of(code: &str) -> &'static str {
    match code {
        "booking_unknown"
        | "booking_other_evening"
        | "already_checked_in"
        | "booking_cancelled"
        | "booking_no_show"
        | "code_missing" => "code",
        "service_unknown" | "service_missing" | "name_too_long" => "walk_in",
        "nobody_waiting" | "counter_invalid" => "call",
        "ticket_done" | "ticket_not_called" | "outcome_invalid" => "tickets",
        "tickets_open" => "close",
        _ => "form",
    }
}

async fn counter_view(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    f: Feedback,
    status: StatusCode,
) -> PageResult {
    let caller = ctx.staff_or_refuse()?;
    let lang = ctx.lang;
    let e = counter_of(state, caller, id).await.or_page(ctx)?;
    let load = async {
        let board = ev::board_of(&state.db, id).await?;
        let services = ev::services(&state.db, id).await?;
        let bookings = if f.q.trim().is_empty() {
            Vec::new()
        } else {
            ev::find_bookings(&state.db, id, &f.q).await?
        };
        Ok::<_, store::StoreError>((board, services, bookings))
    };
    let (board, services, bookings) = load.await.map_err(ApiError::from).or_page(ctx)?;
    let now = store::now();
    let rows = |ts: &[ev::Ticket]| ts.iter().map(|t| ticket_row(lang, t, now)).collect();
    let page = CounterPage {
        c: ctx
            .chrome()
            .crumb(
                lang.t("야간 민원실 창구", "After-hours desk"),
                "/after-hours/desk",
            )
            .crumb(format!("{} {}", e.day, lang.t("창구", "counter")), ""),
        id,
        title: schedule_name(lang, &e),
        when: evening_when(&e),
        place: place(lang, &e),
        state: state_name(lang, e.state).to_string(),
        may_open: matches!(e.state, EveningState::Scheduled | EveningState::Confirmed),
        running: matches!(
            e.state,
            EveningState::Scheduled | EveningState::Confirmed | EveningState::InProgress
        ),
        closed: e.state == EveningState::Closed,
        window: match lang {
            Lang::Ko => format!(
                "예약 시간 {}분 전부터 {}분 후까지 도착하면 예약 순서로, 그 밖에는 현장 대기 순서로 접수합니다.",
                e.window.early_minutes, e.window.late_minutes
            ),
            Lang::En => format!(
                "Arrivals from {} min before to {} min after their slot keep their booking's place; others queue with the walk-ins.",
                e.window.early_minutes, e.window.late_minutes
            ),
        },
        services: services
            .iter()
            .map(|s| (s.id, service_name(lang, &s.kind)))
            .collect(),
        counters: (1..=6).collect(),
        waiting: rows(&board.waiting),
        called: rows(&board.called),
        done: rows(&board.done),
        bookings: bookings
            .iter()
            .map(|b| booking_row(lang, b, &e, now))
            .collect(),
        searched: !f.q.trim().is_empty(),
        f: Feedback {
            counter: if f.counter == 0 { 1 } else { f.counter },
            ..f
        },
    };
    Ok(ctx.render_status(status, &page))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct CounterQuery {
    q: String,
    counter: Option<i64>,
}

pub(crate) async fn counter(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Query(q): Query<CounterQuery>,
) -> PageResult {
    let f = Feedback {
        q: q.q,
        counter: q.counter.unwrap_or(1),
        ..Feedback::default()
    };
    counter_view(&state, &ctx, id, f, StatusCode::OK).await
}

/// The answer to a counter form: the page with the message, or with the error beside its field.
async fn answer<T>(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    mut f: Feedback,
    result: Result<T, ApiError>,
    said: impl FnOnce(Lang, &T) -> String,
) -> PageResult {
    match result {
        Ok(v) => {
            f.message = Some(said(ctx.lang, &v));
            counter_view(state, ctx, id, f, StatusCode::OK).await
        }
        Err(e) if e.status.is_server_error() || e.status == StatusCode::FORBIDDEN => {
            Err(ctx.fail(&e))
        }
        Err(e) if e.status == StatusCode::NOT_FOUND && field_of(e.code) == "form" => {
            Err(ctx.fail(&e))
        }
        Err(e) => {
            f.errors
                .push((field_of(e.code), ctx.lang.of(&e).to_string()));
            counter_view(state, ctx, id, f, StatusCode::UNPROCESSABLE_ENTITY).await
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct CheckInForm {
    code: String,
    #[serde(deserialize_with = "empty_as_none")]
    booking_id: Option<i64>,
    q: String,
}

pub(crate) async fn check_in_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    PageForm(form): PageForm<CheckInForm>,
) -> PageResult {
    let caller = ctx.staff_or_refuse()?;
    let code = (!form.code.trim().is_empty()).then(|| form.code.clone());
    let result = match arriving(code, form.booking_id) {
        Ok(who) => actions::check_in(&state, caller, id, who).await,
        Err(e) => Err(e),
    };
    let keep_code = if result.is_ok() {
        String::new()
    } else {
        form.code
    };
    let f = Feedback {
        code: keep_code,
        q: form.q,
        ..Feedback::default()
    };
    answer(&state, &ctx, id, f, result, |lang, c| {
        let slot = hm(c.booking.slot_start);
        let n = c.ticket.number;
        let name = &c.booking.name;
        match (c.ticket.kind, c.arrival.reason()) {
            (TicketKind::Booked, _) | (_, None) => lang
                .t(
                    &format!("{name}님 도착 확인: 번호표 {n}번 (예약 {slot}, 예약 순서)"),
                    &format!("{name} checked in: ticket {n} (booked {slot}, booking order)"),
                )
                .to_string(),
            (_, Some(r)) => lang
                .t(
                    &format!(
                        "{name}님 도착 확인: 번호표 {n}번 (현장 대기 순서). {}",
                        r.ko
                    ),
                    &format!("{name} checked in: ticket {n} (walk-in order). {}", r.en),
                )
                .to_string(),
        }
    })
    .await
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct WalkInForm {
    name: String,
    #[serde(deserialize_with = "empty_as_none")]
    service_id: Option<i64>,
}

pub(crate) async fn walk_in_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    PageForm(form): PageForm<WalkInForm>,
) -> PageResult {
    let caller = ctx.staff_or_refuse()?;
    let result = actions::walk_in(&state, caller, id, &form.name, form.service_id).await;
    let f = if result.is_ok() {
        Feedback::default()
    } else {
        Feedback {
            walk_name: form.name,
            walk_service: form.service_id,
            ..Feedback::default()
        }
    };
    answer(&state, &ctx, id, f, result, |lang, t| {
        let n = t.number;
        lang.t(
            &format!("현장 방문 번호표 {n}번을 발급했습니다."),
            &format!("Walk-in ticket {n} issued."),
        )
        .to_string()
    })
    .await
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct CallForm {
    #[serde(deserialize_with = "empty_as_none")]
    counter: Option<i64>,
}

pub(crate) async fn call_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    PageForm(form): PageForm<CallForm>,
) -> PageResult {
    let caller = ctx.staff_or_refuse()?;
    let result = actions::call_next(&state, caller, id, form.counter).await;
    let f = Feedback {
        counter: form.counter.unwrap_or(1),
        ..Feedback::default()
    };
    answer(&state, &ctx, id, f, result, |lang, t| {
        let (n, c) = (t.number, t.counter.unwrap_or_default());
        let name = if t.name.is_empty() {
            String::new()
        } else {
            format!(" ({})", t.name)
        };
        lang.t(
            &format!("{n}번{name}을 {c}번 창구로 호출했습니다."),
            &format!("Ticket {n}{name} called to counter {c}."),
        )
        .to_string()
    })
    .await
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct OutcomeForm {
    outcome: String,
    #[serde(deserialize_with = "empty_as_none")]
    counter: Option<i64>,
}

pub(crate) async fn outcome_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, ticket)): Path<(i64, i64)>,
    PageForm(form): PageForm<OutcomeForm>,
) -> PageResult {
    let caller = ctx.staff_or_refuse()?;
    let result = actions::outcome(&state, caller, id, ticket, &form.outcome).await;
    let f = Feedback {
        counter: form.counter.unwrap_or(1),
        ..Feedback::default()
    };
    answer(&state, &ctx, id, f, result, |lang, t| {
        let n = t.number;
        let o = t
            .outcome
            .map(|o| super::views::outcome_name(lang, o))
            .unwrap_or_default();
        lang.t(
            &format!("{n}번: {o}(으)로 표시했습니다."),
            &format!("Ticket {n} marked {o}."),
        )
        .to_string()
    })
    .await
}

pub(crate) async fn open_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> PageResult {
    let caller = ctx.staff_or_refuse()?;
    let result = actions::open(&state, caller, id).await;
    answer(&state, &ctx, id, Feedback::default(), result, |lang, _| {
        lang.t("창구 운영을 시작했습니다.", "The counter is open.")
            .to_string()
    })
    .await
}

pub(crate) async fn close_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> PageResult {
    let caller = ctx.staff_or_refuse()?;
    let result = actions::close(&state, caller, id).await;
    answer(&state, &ctx, id, Feedback::default(), result, |lang, c| {
        let n = c.no_shows;
        lang.t(
            &format!("마감했습니다. 오지 않은 예약 {n}건을 불참으로 처리했습니다."),
            &format!("Closed. {n} booking(s) nobody came for were marked no-show."),
        )
        .to_string()
    })
    .await
}
