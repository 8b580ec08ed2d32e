//! The pages: `/after-hours` (residents, also signed out: the evenings, their free places and
//! the booking form), `/after-hours/booking` (cancel or move with the code and phone),
//! `/after-hours/office` (schedules, services, preview before saving) and
//! `/after-hours/evenings/{id}` (the evening's bookings, phone bookings, cancelling the
//! evening). Every form works without JavaScript.

use super::forms::{self, BookingForm, ScheduleForm, ServiceForm, slot_value};
use crate::AppState;
use crate::kit::auth::Caller;
use crate::kit::error::ApiError;
use crate::kit::form::{Fields, PageForm};
use crate::kit::page::{Chrome, Ctx, Lang, OrPage, PageResult};
use crate::programs::forms::Errors;
use crate::protection::views::PageId;
use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use chrono::{DateTime, NaiveDate, Utc};
use domain::service_access::booking::{
    BookingState, EveningState, PaymentMethod, ServiceKind, defaults,
};
use domain::service_access::{SkipReason, upcoming};
use serde::Deserialize;
use store::service_access::after_hours::{
    self as ah, Booking, EveningPlaces, StoredSchedule, StoredService,
};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/after-hours", get(resident_page).post(book_form))
        .route("/after-hours/booking", get(lookup_page).post(lookup_form))
        .route("/after-hours/booking/{file}", get(super::ics::download))
        .route("/after-hours/office", get(office_page))
        .route(
            "/after-hours/office/new",
            get(new_schedule_page).post(new_schedule_form),
        )
        .route(
            "/after-hours/office/{id}",
            get(schedule_page).post(schedule_form),
        )
        .route(
            "/after-hours/office/{id}/services",
            get(service_page).post(service_form),
        )
        .route("/after-hours/office/{id}/evening", post(open_evening_form))
        .route("/after-hours/evenings/{id}", get(evening_page))
        .route(
            "/after-hours/evenings/{id}/bookings",
            post(phone_booking_form),
        )
        .route(
            "/after-hours/evenings/{id}/cancel",
            post(cancel_evening_form),
        )
}

/// Evenings listed on the booking page per schedule.
const EVENINGS_SHOWN: usize = 4;
/// Evenings the administrator previews before saving.
const PREVIEW: usize = 8;

fn today() -> NaiveDate {
    calendar::to_seoul(store::now()).date_naive()
}

fn pick<'a>(lang: Lang, ko: &'a str, en: &'a str) -> &'a str {
    if lang == Lang::En && !en.is_empty() {
        en
    } else {
        ko
    }
}

fn kind_word(lang: Lang, k: ServiceKind) -> String {
    lang.t(k.korean(), k.english()).to_string()
}

fn hm(t: DateTime<Utc>) -> String {
    calendar::to_seoul(t).format("%H:%M").to_string()
}

fn day_words(lang: Lang, day: NaiveDate) -> String {
    format!("{day} ({})", super::weekday(lang, day))
}

fn moment(t: DateTime<Utc>) -> String {
    calendar::to_seoul(t).format("%Y-%m-%d %H:%M").to_string()
}

fn cutoff_words(lang: Lang, t: DateTime<Utc>) -> String {
    match lang {
        Lang::Ko => format!("{} 마감", moment(t)),
        Lang::En => format!("booking closes {}", moment(t)),
    }
}

fn evening_state_words(lang: Lang, e: &EveningPlaces) -> String {
    let s = e.state();
    let mut w = lang.t(s.korean(), s.english()).to_string();
    if let Some(ev) = &e.evening {
        if let Some(at) = ev.decided_at {
            w.push_str(&match lang {
                Lang::Ko => format!(" · {} 결정", moment(at)),
                Lang::En => format!(" · decided {}", moment(at)),
            });
        }
        if s == EveningState::Cancelled && !ev.cancelled_reason.is_empty() {
            w.push_str(&format!(" · {}", ev.cancelled_reason));
        }
    }
    w
}

fn payments_words(lang: Lang, m: &[PaymentMethod]) -> String {
    m.iter()
        .map(|p| lang.t(p.korean(), p.english()))
        .collect::<Vec<_>>()
        .join(", ")
}

// ---------------------------------------------------------------------------------------------
// The resident's page

struct SlotOption {
    value: String,
    label: String,
    full: bool,
}

struct SlotCell {
    time: String,
    free: i64,
    capacity: i64,
}

struct ServiceRow {
    name: String,
    slots: Vec<SlotCell>,
}

struct EveningView {
    day: String,
    hours: String,
    state: String,
    open: bool,
    cutoff: String,
    services: Vec<ServiceRow>,
}

struct ServiceInfo {
    name: String,
    in_person: String,
    checklist: Vec<String>,
    fee: String,
    guardian: bool,
}

struct ScheduleView {
    id: i64,
    name: String,
    place: String,
    department: String,
    payments: String,
    evenings: Vec<EveningView>,
    services: Vec<ServiceInfo>,
    options: Vec<SlotOption>,
}

struct MineRow {
    code: String,
    what: String,
    when: String,
    state: String,
}

#[derive(Template)]
#[template(path = "service_access/after_hours/resident.html")]
struct ResidentPage {
    c: Chrome,
    schedules: Vec<ScheduleView>,
    form: BookingForm,
    errors: Errors,
    /// The schedule whose form was posted (its errors and values show there).
    posted: i64,
    signed_in: bool,
    mine: Vec<MineRow>,
}

impl ResidentPage {
    fn value_for(&self, schedule: &i64, field: &str) -> String {
        let schedule = *schedule;
        // Before any post: the signed-in resident's own details (empty when signed out).
        if schedule != self.posted && self.posted != 0 {
            return String::new();
        }
        match field {
            "name" => self.form.name.clone(),
            "phone" => self.form.phone.clone(),
            "email" => self.form.email.clone(),
            _ => String::new(),
        }
    }

    fn error_for(&self, schedule: &i64, field: &str) -> Option<&str> {
        let schedule = *schedule;
        if schedule == self.posted {
            self.errors.get(field)
        } else {
            None
        }
    }
}

fn service_info(lang: Lang, s: &StoredService) -> ServiceInfo {
    ServiceInfo {
        name: kind_word(lang, s.draft.kind),
        in_person: pick(lang, &s.draft.in_person, &s.draft.in_person_en).to_string(),
        checklist: s
            .draft
            .checklist
            .iter()
            .map(|i| pick(lang, &i.ko, &i.en).to_string())
            .collect(),
        fee: pick(lang, &s.draft.fee_note, &s.draft.fee_note_en).to_string(),
        guardian: s.draft.guardian_for_minors,
    }
}

/// A schedule's evenings as the booking page shows them, and the slots one may choose.
async fn schedule_view(
    state: &AppState,
    lang: Lang,
    s: &StoredSchedule,
    holidays: &calendar::HolidayData,
) -> Result<ScheduleView, ApiError> {
    let services = ah::services(&state.db, s.id, true).await?;
    let days = ah::availability(&state.db, holidays, s, &services, today(), EVENINGS_SHOWN).await?;
    let now = store::now();
    let name_of = |id: i64| {
        services
            .iter()
            .find(|x| x.id == id)
            .map(|x| kind_word(lang, x.draft.kind))
            .unwrap_or_default()
    };
    let mut options = Vec::new();
    let evenings = days
        .iter()
        .map(|e| {
            let open = e.bookable(now);
            for sl in &e.slots {
                if open {
                    let left = match lang {
                        Lang::Ko => format!("{}자리 남음", sl.free()),
                        Lang::En => format!("{} left", sl.free()),
                    };
                    options.push(SlotOption {
                        value: slot_value(e.day, sl.service_id, sl.starts_at),
                        label: format!(
                            "{} {}–{} · {} · {}",
                            day_words(lang, e.day),
                            hm(sl.starts_at),
                            hm(sl.ends_at),
                            name_of(sl.service_id),
                            if sl.free() == 0 {
                                lang.t("마감", "full").to_string()
                            } else {
                                left
                            }
                        ),
                        full: sl.free() == 0,
                    });
                }
            }
            EveningView {
                day: day_words(lang, e.day),
                hours: format!("{}–{}", hm(e.starts_at), hm(e.ends_at)),
                state: evening_state_words(lang, e),
                open,
                cutoff: cutoff_words(lang, e.cutoff_at),
                services: services
                    .iter()
                    .map(|sv| ServiceRow {
                        name: kind_word(lang, sv.draft.kind),
                        slots: e
                            .slots
                            .iter()
                            .filter(|x| x.service_id == sv.id)
                            .map(|x| SlotCell {
                                time: hm(x.starts_at),
                                free: x.free(),
                                capacity: x.capacity,
                            })
                            .collect(),
                    })
                    .collect(),
            }
        })
        .collect();
    Ok(ScheduleView {
        id: s.id,
        name: pick(lang, &s.draft.name, &s.draft.name_en).to_string(),
        place: pick(lang, &s.draft.place, &s.draft.place_en).to_string(),
        department: s.department_name.clone(),
        payments: payments_words(lang, &s.draft.payment_methods),
        evenings,
        services: services.iter().map(|x| service_info(lang, x)).collect(),
        options,
    })
}

fn mine_rows(lang: Lang, list: &[Booking]) -> Vec<MineRow> {
    list.iter()
        .map(|b| MineRow {
            code: b.shown_code(),
            what: format!(
                "{} · {}",
                pick(lang, &b.schedule_name, &b.schedule_name_en),
                kind_word(lang, b.service_kind)
            ),
            when: super::slot_words(lang, b.slot_starts_at, b.slot_ends_at),
            state: lang.t(b.state.korean(), b.state.english()).to_string(),
        })
        .collect()
}

async fn resident_render(
    state: &AppState,
    ctx: &Ctx,
    form: BookingForm,
    errors: Errors,
    posted: i64,
) -> Result<Response, ApiError> {
    let lang = ctx.lang;
    let holidays = ah::holidays(&state.db).await?;
    let mut schedules = Vec::new();
    for s in ah::schedules(&state.db, true).await? {
        schedules.push(schedule_view(state, lang, &s, &holidays).await?);
    }
    let resident = ctx.caller.as_ref().filter(|c| !c.account.role.is_staff());
    let mine = match resident {
        Some(c) => mine_rows(lang, &ah::bookings_of(&state.db, c.account.id).await?),
        None => Vec::new(),
    };
    let mut form = form;
    if posted == 0
        && let Some(c) = resident
    {
        // Signed in: name and phone as the account has them.
        form.name = c.account.display_name.clone();
        form.phone = c.account.phone.clone();
        form.email = c.account.email.clone();
    }
    let page = ResidentPage {
        c: ctx.chrome(),
        schedules,
        form,
        errors,
        posted,
        signed_in: resident.is_some(),
        mine,
    };
    let status = if page.errors.is_empty() {
        axum::http::StatusCode::OK
    } else {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok(ctx.render_status(status, &page))
}

async fn resident_page(State(state): State<AppState>, ctx: Ctx) -> PageResult {
    resident_render(&state, &ctx, BookingForm::default(), Errors::new(), 0)
        .await
        .or_page(&ctx)
}

#[derive(Template)]
#[template(path = "service_access/after_hours/confirmation.html")]
struct ConfirmationPage {
    c: Chrome,
    heading: String,
    code: String,
    ics: String,
    when: String,
    what: String,
    place: String,
    name: String,
    told: String,
    in_person: String,
    checklist: Vec<String>,
    fee: String,
    payments: String,
}

async fn confirmation(
    state: &AppState,
    ctx: &Ctx,
    b: &Booking,
    heading: &str,
) -> Result<Response, ApiError> {
    let lang = ctx.lang;
    let service = ah::service(&state.db, b.service_id).await?;
    let s = ah::schedule(&state.db, b.schedule_id).await?;
    let info = service_info(lang, &service);
    let page = ConfirmationPage {
        c: ctx.chrome(),
        heading: heading.to_string(),
        code: b.shown_code(),
        ics: format!("{}/{}.ics", super::BOOKING_PAGE, b.code),
        when: super::slot_words(lang, b.slot_starts_at, b.slot_ends_at),
        what: info.name,
        place: pick(lang, &b.place, &b.place_en).to_string(),
        name: b.name.clone(),
        told: if b.email.is_empty() {
            match lang {
                Lang::Ko => "예약번호를 문자로 보냅니다.".to_string(),
                Lang::En => "The code is on its way to your phone by text message.".to_string(),
            }
        } else {
            match lang {
                Lang::Ko => format!("예약번호와 일정 파일(.ics)을 {}(으)로 보냅니다.", b.email),
                Lang::En => format!(
                    "The code and the calendar file are on their way to {}.",
                    b.email
                ),
            }
        },
        in_person: info.in_person,
        checklist: info.checklist,
        fee: info.fee,
        payments: payments_words(lang, &s.draft.payment_methods),
    };
    Ok(ctx.render(&page))
}

async fn book_form(
    State(state): State<AppState>,
    ctx: Ctx,
    PageForm(f): PageForm<Fields>,
) -> PageResult {
    let lang = ctx.lang;
    let form = BookingForm::from_fields(&f);
    let posted: i64 = form.schedule.parse().unwrap_or(-1);
    let staff = ctx
        .caller
        .as_ref()
        .is_some_and(|c| c.account.role.is_staff());
    if staff {
        // Staff book on the evening's page, for the person on the phone.
        return Err(ctx.refusal());
    }
    let (key, contact) = match form.read(lang, false) {
        Ok(v) => v,
        Err(errors) => {
            return resident_render(&state, &ctx, form, errors, posted)
                .await
                .or_page(&ctx);
        }
    };
    match super::book(
        &state,
        ctx.caller.as_ref(),
        &ctx.address,
        key,
        contact,
        form.minor,
    )
    .await
    {
        Ok(b) => confirmation(
            &state,
            &ctx,
            &b,
            lang.t("예약이 확정되었습니다", "Your booking is confirmed"),
        )
        .await
        .or_page(&ctx),
        Err(e) if e.status.is_client_error() && e.status.as_u16() != 403 => {
            let mut errors = Errors::new();
            errors.push((forms::booking_field(e.code), lang.of(&e).to_string()));
            resident_render(&state, &ctx, form, errors, posted)
                .await
                .or_page(&ctx)
        }
        Err(e) => Err(ctx.fail(&e)),
    }
}

// ---------------------------------------------------------------------------------------------
// Cancel or move with the code

#[derive(Template)]
#[template(path = "service_access/after_hours/lookup.html")]
struct LookupPage {
    c: Chrome,
    code: String,
    phone: String,
    errors: Errors,
    message: Option<String>,
    found: Option<FoundView>,
}

struct FoundView {
    code: String,
    ics: String,
    what: String,
    when: String,
    place: String,
    state: String,
    active: bool,
    options: Vec<SlotOption>,
}

async fn lookup_render(
    state: &AppState,
    ctx: &Ctx,
    code: &str,
    phone: &str,
    errors: Errors,
    message: Option<String>,
    found: Option<&Booking>,
) -> Result<Response, ApiError> {
    let lang = ctx.lang;
    let found = match found {
        Some(b) => {
            let s = ah::schedule(&state.db, b.schedule_id).await?;
            let holidays = ah::holidays(&state.db).await?;
            let view = schedule_view(state, lang, &s, &holidays).await?;
            Some(FoundView {
                code: b.shown_code(),
                ics: format!("{}/{}.ics", super::BOOKING_PAGE, b.code),
                what: format!(
                    "{} · {}",
                    pick(lang, &b.schedule_name, &b.schedule_name_en),
                    kind_word(lang, b.service_kind)
                ),
                when: super::slot_words(lang, b.slot_starts_at, b.slot_ends_at),
                place: pick(lang, &b.place, &b.place_en).to_string(),
                state: lang.t(b.state.korean(), b.state.english()).to_string(),
                active: b.state == BookingState::Confirmed && b.slot_starts_at > store::now(),
                options: view.options,
            })
        }
        None => None,
    };
    let status = if errors.is_empty() {
        axum::http::StatusCode::OK
    } else {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = LookupPage {
        c: ctx.chrome(),
        code: code.to_string(),
        phone: phone.to_string(),
        errors,
        message,
        found,
    };
    Ok(ctx.render_status(status, &page))
}

async fn lookup_page(State(state): State<AppState>, ctx: Ctx) -> PageResult {
    lookup_render(&state, &ctx, "", "", Errors::new(), None, None)
        .await
        .or_page(&ctx)
}

async fn lookup_form(
    State(state): State<AppState>,
    ctx: Ctx,
    PageForm(f): PageForm<Fields>,
) -> PageResult {
    let lang = ctx.lang;
    let (code, phone) = (f.get("code"), f.get("phone"));
    let mut errors = Errors::new();
    if code.is_empty() {
        errors.push((
            "code",
            lang.t("예약번호를 입력하세요", "type the booking code")
                .to_string(),
        ));
    }
    if domain::petitions::contact::phone_digits(&phone).is_none() {
        errors.push((
            "phone",
            lang.t(
                "예약할 때 쓴 전화번호를 입력하세요 (예: 010-1234-5678)",
                "type the phone number you booked with (e.g. 010-1234-5678)",
            )
            .to_string(),
        ));
    }
    if !errors.is_empty() {
        return lookup_render(&state, &ctx, &code, &phone, errors, None, None)
            .await
            .or_page(&ctx);
    }
    let r = match f.get("act").as_str() {
        "cancel" => super::cancel_by_code(&state, &ctx.address, &code, &phone)
            .await
            .map(|b| {
                (
                    b,
                    Some(
                        lang.t(
                            "예약을 취소했습니다. 확인 메시지를 보냅니다.",
                            "Your booking is cancelled; a confirmation is on its way.",
                        )
                        .to_string(),
                    ),
                )
            }),
        "move" => {
            let target = super::by_code(&state, &ctx.address, &code, &phone).await;
            match target {
                Ok(b) => match forms::slot_key(b.schedule_id, &f.get("slot")) {
                    Some(key) => super::reschedule(&state, &ctx.address, &code, &phone, key)
                        .await
                        .map(|b| {
                            (
                                b,
                                Some(
                                    lang.t(
                                        "예약을 옮겼습니다. 새 예약 안내를 보냅니다.",
                                        "Your booking was moved; the new details are on their way.",
                                    )
                                    .to_string(),
                                ),
                            )
                        }),
                    None => Err(ApiError::bad_request(
                        "no_slot",
                        "옮길 시간을 고르세요",
                        "choose the time to move to",
                    )),
                },
                Err(e) => Err(e),
            }
        }
        _ => super::by_code(&state, &ctx.address, &code, &phone)
            .await
            .map(|b| (b, None)),
    };
    match r {
        Ok((b, message)) => lookup_render(
            &state,
            &ctx,
            &code,
            &phone,
            Errors::new(),
            message,
            Some(&b),
        )
        .await
        .or_page(&ctx),
        Err(e) if e.status.is_client_error() && e.status.as_u16() != 403 => {
            let mut errors = Errors::new();
            errors.push((forms::booking_field(e.code), lang.of(&e).to_string()));
            // A refused move shows the booking again, still held.
            let still = ah::by_code(&state.db, &code, &phone).await.ok();
            lookup_render(&state, &ctx, &code, &phone, errors, None, still.as_ref())
                .await
                .or_page(&ctx)
        }
        Err(e) => Err(ctx.fail(&e)),
    }
}

// ---------------------------------------------------------------------------------------------
// The office: schedules and services

struct ScheduleRow {
    id: i64,
    name: String,
    department: String,
    rule: String,
    hours: String,
    next: String,
    active: bool,
}

#[derive(Template)]
#[template(path = "service_access/after_hours/office.html")]
struct OfficePage {
    c: Chrome,
    rows: Vec<ScheduleRow>,
    may_create: bool,
    message: Option<String>,
}

fn staff(ctx: &Ctx) -> Result<&Caller, crate::kit::page::PageError> {
    ctx.staff_or_refuse()
}

#[derive(Deserialize, Default)]
struct Notice {
    done: Option<String>,
}

fn done_words(lang: Lang, done: Option<&str>) -> Option<String> {
    let (ko, en) = match done? {
        "created" => ("일정을 만들었습니다.", "The schedule was created."),
        "saved" => ("저장했습니다.", "Saved."),
        "service" => ("업무를 저장했습니다.", "The service was saved."),
        "booked" => (
            "전화 예약을 받았습니다. 예약번호를 예약자에게 보냅니다 (메일 또는 문자).",
            "The phone booking is taken; the code is on its way to the caller (e-mail or text).",
        ),
        "cancelled" => (
            "이 날을 취소했습니다. 예약자 모두에게 알림을 보냅니다.",
            "The evening is cancelled; everyone booked is being told.",
        ),
        _ => return None,
    };
    Some(lang.t(ko, en).to_string())
}

async fn office_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(n): Query<Notice>,
) -> PageResult {
    let caller = staff(&ctx)?;
    super::may_read_schedules(&state, caller)
        .await
        .or_page(&ctx)?;
    let lang = ctx.lang;
    let holidays = ah::holidays(&state.db).await.or_page(&ctx)?;
    let mut rows = Vec::new();
    for s in ah::schedules(&state.db, false).await.or_page(&ctx)? {
        let next = upcoming(&s.schedule(), &holidays, today(), 2)
            .map(|u| {
                u.openings
                    .iter()
                    .map(|o| day_words(lang, o.date))
                    .collect::<Vec<_>>()
                    .join(", ")
            })
            .unwrap_or_default();
        rows.push(ScheduleRow {
            id: s.id,
            name: pick(lang, &s.draft.name, &s.draft.name_en).to_string(),
            department: s.department_name.clone(),
            rule: s.draft.rule.clone(),
            hours: format!(
                "{}–{}",
                s.draft.opens.format("%H:%M"),
                s.draft.closes.format("%H:%M")
            ),
            next,
            active: s.active,
        });
    }
    let may_create = !super::departments_run_by(&state, caller)
        .await
        .or_page(&ctx)?
        .is_empty();
    let page = OfficePage {
        c: ctx
            .chrome()
            .crumb(lang.t("야간 민원실 운영", "After-hours office"), ""),
        rows,
        may_create,
        message: done_words(lang, n.done.as_deref()),
    };
    Ok(ctx.render(&page))
}

struct Choice {
    value: String,
    label: String,
}

struct PreviewRow {
    day: String,
    hours: String,
    extra: bool,
    cutoff: String,
}

struct SkippedRow {
    day: String,
    reason: String,
}

struct ServiceSummary {
    kind: String,
    name: String,
    plan: String,
    active: bool,
}

struct EveningLink {
    day: String,
    value: String,
    state: String,
    bookings: String,
}

#[derive(Template)]
#[template(path = "service_access/after_hours/schedule.html")]
struct SchedulePage {
    c: Chrome,
    id: Option<i64>,
    form: ScheduleForm,
    errors: Errors,
    departments: Vec<Choice>,
    preview: Option<(Vec<PreviewRow>, Vec<SkippedRow>)>,
    services: Vec<ServiceSummary>,
    kinds: Vec<Choice>,
    evenings: Vec<EveningLink>,
    message: Option<String>,
    days: Vec<Choice>,
    /// The caller works this schedule's evenings (sees bookings, takes phone bookings).
    works: bool,
}

impl SchedulePage {
    fn field_invalid(&self, field: &str) -> bool {
        self.errors.get(field).is_some()
    }
}

fn day_choices(lang: Lang) -> Vec<Choice> {
    let ko = ["월", "화", "수", "목", "금", "토", "일"];
    let en = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
    forms::DAY_CODES
        .iter()
        .enumerate()
        .map(|(i, c)| Choice {
            value: c.to_string(),
            label: lang.t(ko[i], en[i]).to_string(),
        })
        .collect()
}

fn preview_of(
    lang: Lang,
    d: &domain::service_access::booking::ScheduleDraft,
    holidays: &calendar::HolidayData,
) -> Option<(Vec<PreviewRow>, Vec<SkippedRow>)> {
    let up = upcoming(&d.schedule(), holidays, today(), PREVIEW).ok()?;
    Some((
        up.openings
            .iter()
            .map(|o| PreviewRow {
                day: day_words(lang, o.date),
                hours: format!("{}–{}", hm(o.starts_utc), hm(o.ends_utc)),
                extra: o.extra,
                cutoff: moment(domain::service_access::cutoff_for(o, &d.cutoff.rule())),
            })
            .collect(),
        up.skipped
            .iter()
            .map(|s| SkippedRow {
                day: day_words(lang, s.date),
                reason: match &s.reason {
                    SkipReason::Holiday { name } => match lang {
                        Lang::Ko => format!("공휴일: {name}"),
                        Lang::En => format!("public holiday: {name}"),
                    },
                    SkipReason::Closed { reason } => match lang {
                        Lang::Ko => format!("휴무: {reason}"),
                        Lang::En => format!("closed: {reason}"),
                    },
                },
            })
            .collect(),
    ))
}

#[allow(clippy::too_many_arguments)]
async fn schedule_render(
    state: &AppState,
    ctx: &Ctx,
    caller: &Caller,
    id: Option<i64>,
    form: ScheduleForm,
    errors: Errors,
    preview: Option<(Vec<PreviewRow>, Vec<SkippedRow>)>,
    message: Option<String>,
) -> Result<Response, ApiError> {
    let lang = ctx.lang;
    let departments = super::departments_run_by(state, caller)
        .await?
        .into_iter()
        .map(|d| Choice {
            value: d.id.to_string(),
            label: pick(lang, &d.name, &d.name_en).to_string(),
        })
        .collect();
    let mut works = false;
    let (services, evenings) = match id {
        Some(id) => {
            let s = ah::schedule(&state.db, id).await?;
            works = super::may_work(state, caller, s.department_id)
                .await
                .is_ok();
            let services = ah::services(&state.db, id, false)
                .await?
                .iter()
                .map(|x| ServiceSummary {
                    kind: x.draft.kind.as_str().to_string(),
                    name: kind_word(lang, x.draft.kind),
                    plan: match lang {
                        Lang::Ko => format!(
                            "{}분 단위 · 창구 {} · 창구당 {}명",
                            x.draft.slot_minutes, x.draft.counters, x.draft.per_counter
                        ),
                        Lang::En => format!(
                            "{} min slots · {} counters · {} each",
                            x.draft.slot_minutes, x.draft.counters, x.draft.per_counter
                        ),
                    },
                    active: x.active,
                })
                .collect();
            let holidays = ah::holidays(&state.db).await?;
            let all = ah::services(&state.db, id, true).await?;
            let days =
                ah::availability(&state.db, &holidays, &s, &all, today(), EVENINGS_SHOWN).await?;
            let evenings = days
                .iter()
                .map(|e| {
                    let booked: i64 = e.slots.iter().map(|x| x.booked).sum();
                    EveningLink {
                        day: format!(
                            "{} {}–{}",
                            day_words(lang, e.day),
                            hm(e.starts_at),
                            hm(e.ends_at)
                        ),
                        value: e.day.to_string(),
                        state: evening_state_words(lang, e),
                        bookings: match lang {
                            Lang::Ko => format!("예약 {booked}건"),
                            Lang::En => format!("{booked} booked"),
                        },
                    }
                })
                .collect();
            (services, evenings)
        }
        None => (Vec::new(), Vec::new()),
    };
    let title = match id {
        Some(_) => pick(lang, &form.name, &form.name_en).to_string(),
        None => lang.t("새 일정", "New schedule").to_string(),
    };
    let status = if errors.is_empty() {
        axum::http::StatusCode::OK
    } else {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = SchedulePage {
        c: ctx
            .chrome()
            .crumb(
                lang.t("야간 민원실 운영", "After-hours office"),
                "/after-hours/office",
            )
            .crumb(title, ""),
        id,
        form,
        errors,
        departments,
        preview,
        services,
        kinds: ServiceKind::ALL
            .iter()
            .map(|k| Choice {
                value: k.as_str().to_string(),
                label: kind_word(lang, *k),
            })
            .collect(),
        evenings,
        message,
        days: day_choices(lang),
        works,
    };
    Ok(ctx.render_status(status, &page))
}

async fn new_schedule_page(State(state): State<AppState>, ctx: Ctx) -> PageResult {
    let caller = staff(&ctx)?;
    let mut form = ScheduleForm::blank(today());
    if let Some(d) = super::departments_run_by(&state, caller)
        .await
        .or_page(&ctx)?
        .first()
    {
        form.department = d.id.to_string();
    } else {
        return Err(ctx.refusal());
    }
    schedule_render(&state, &ctx, caller, None, form, Errors::new(), None, None)
        .await
        .or_page(&ctx)
}

/// Preview or save: the preview renders the evenings with everything kept; save stores.
async fn schedule_post(
    state: &AppState,
    ctx: &Ctx,
    caller: &Caller,
    id: Option<i64>,
    f: &Fields,
) -> Result<Response, ApiError> {
    let lang = ctx.lang;
    let mut form = ScheduleForm::from_fields(f);
    if id.is_none() {
        form.active = true;
    }
    let holidays = ah::holidays(&state.db).await?;
    let draft = form.draft(lang, &holidays, today());
    // The rule the plain choice wrote is shown in the raw field.
    if let Ok(r) = form.rule_text() {
        form.rule = r;
    }
    let d = match draft {
        Ok(d) => d,
        Err(errors) => {
            return schedule_render(state, ctx, caller, id, form, errors, None, None).await;
        }
    };
    if f.get("act") != "save" {
        let preview = preview_of(lang, &d, &holidays);
        return schedule_render(state, ctx, caller, id, form, Errors::new(), preview, None).await;
    }
    match id {
        Some(id) => {
            super::update_schedule(state, caller, id, &d, form.active).await?;
            Ok(Redirect::to(&format!("/after-hours/office/{id}?done=saved")).into_response())
        }
        None => {
            let department = form.department.parse().map_err(|_| ApiError::forbidden())?;
            let id = super::create_schedule(state, caller, department, &d).await?;
            Ok(Redirect::to(&format!("/after-hours/office/{id}?done=created")).into_response())
        }
    }
}

async fn new_schedule_form(
    State(state): State<AppState>,
    ctx: Ctx,
    PageForm(f): PageForm<Fields>,
) -> PageResult {
    let caller = staff(&ctx)?;
    schedule_post(&state, &ctx, caller, None, &f)
        .await
        .or_page(&ctx)
}

async fn schedule_page(
    State(state): State<AppState>,
    ctx: Ctx,
    PageId(id): PageId,
    Query(n): Query<Notice>,
) -> PageResult {
    let caller = staff(&ctx)?;
    super::may_read_schedules(&state, caller)
        .await
        .or_page(&ctx)?;
    let s = ah::schedule(&state.db, id).await.or_page(&ctx)?;
    let form = ScheduleForm::of(&s);
    let holidays = ah::holidays(&state.db).await.or_page(&ctx)?;
    let preview = preview_of(ctx.lang, &s.draft, &holidays);
    schedule_render(
        &state,
        &ctx,
        caller,
        Some(id),
        form,
        Errors::new(),
        preview,
        done_words(ctx.lang, n.done.as_deref()),
    )
    .await
    .or_page(&ctx)
}

async fn schedule_form(
    State(state): State<AppState>,
    ctx: Ctx,
    PageId(id): PageId,
    PageForm(f): PageForm<Fields>,
) -> PageResult {
    let caller = staff(&ctx)?;
    schedule_post(&state, &ctx, caller, Some(id), &f)
        .await
        .or_page(&ctx)
}

#[derive(Template)]
#[template(path = "service_access/after_hours/service.html")]
struct ServicePage {
    c: Chrome,
    id: i64,
    schedule: String,
    form: ServiceForm,
    errors: Errors,
    kind_name: String,
}

#[derive(Deserialize, Default)]
struct KindQuery {
    kind: Option<String>,
}

async fn service_render(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    form: ServiceForm,
    errors: Errors,
) -> Result<Response, ApiError> {
    let lang = ctx.lang;
    let s = ah::schedule(&state.db, id).await?;
    let name = pick(lang, &s.draft.name, &s.draft.name_en).to_string();
    let kind_name = ServiceKind::parse(&form.kind)
        .map(|k| kind_word(lang, k))
        .unwrap_or_default();
    let status = if errors.is_empty() {
        axum::http::StatusCode::OK
    } else {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = ServicePage {
        c: ctx
            .chrome()
            .crumb(
                lang.t("야간 민원실 운영", "After-hours office"),
                "/after-hours/office",
            )
            .crumb(name.clone(), &format!("/after-hours/office/{id}"))
            .crumb(kind_name.clone(), ""),
        id,
        schedule: name,
        form,
        errors,
        kind_name,
    };
    Ok(ctx.render_status(status, &page))
}

/// A service's form: the stored one of that kind, else the kind's defaults to edit.
async fn service_page(
    State(state): State<AppState>,
    ctx: Ctx,
    PageId(id): PageId,
    Query(q): Query<KindQuery>,
) -> PageResult {
    let caller = staff(&ctx)?;
    let s = ah::schedule(&state.db, id).await.or_page(&ctx)?;
    caller
        .may(
            &state,
            domain::access::Capability::AfterHours,
            domain::access::Action::Update,
            domain::access::Target::Department(s.department_id),
        )
        .await
        .or_page(&ctx)?;
    let kind = q
        .kind
        .as_deref()
        .and_then(|k| ServiceKind::parse(k).ok())
        .unwrap_or(ServiceKind::PassportApplication);
    let stored = ah::services(&state.db, id, false).await.or_page(&ctx)?;
    let form = match stored.iter().find(|x| x.draft.kind == kind) {
        Some(x) => ServiceForm::of(&x.draft, x.active),
        None => ServiceForm::of(&defaults(kind), true),
    };
    service_render(&state, &ctx, id, form, Errors::new())
        .await
        .or_page(&ctx)
}

async fn service_form(
    State(state): State<AppState>,
    ctx: Ctx,
    PageId(id): PageId,
    PageForm(f): PageForm<Fields>,
) -> PageResult {
    let caller = staff(&ctx)?;
    let s = ah::schedule(&state.db, id).await.or_page(&ctx)?;
    let form = ServiceForm::from_fields(&f);
    match form.draft(ctx.lang, s.draft.opens, s.draft.closes) {
        Ok(d) => {
            super::save_service(&state, caller, id, &d, form.active)
                .await
                .or_page(&ctx)?;
            Ok(Redirect::to(&format!("/after-hours/office/{id}?done=service")).into_response())
        }
        Err(errors) => service_render(&state, &ctx, id, form, errors)
            .await
            .or_page(&ctx),
    }
}

/// Open an evening's page, writing the evening first when nobody booked it yet.
async fn open_evening_form(
    State(state): State<AppState>,
    ctx: Ctx,
    PageId(id): PageId,
    PageForm(f): PageForm<Fields>,
) -> PageResult {
    let caller = staff(&ctx)?;
    let day: NaiveDate = f
        .get("day")
        .parse()
        .map_err(|_| ctx.fail(&ApiError::not_found()))?;
    let evening = super::evening_of_day(&state, caller, id, day)
        .await
        .or_page(&ctx)?;
    Ok(Redirect::to(&format!("/after-hours/evenings/{evening}")).into_response())
}

// ---------------------------------------------------------------------------------------------
// One evening: its bookings, phone bookings, cancelling it

struct BookingRow {
    code: String,
    time: String,
    service: String,
    name: String,
    phone: String,
    channel: String,
    state: String,
    minor: bool,
}

#[derive(Template)]
#[template(path = "service_access/after_hours/evening.html")]
struct EveningPage {
    c: Chrome,
    id: i64,
    title: String,
    state: String,
    rows: Vec<BookingRow>,
    form: BookingForm,
    errors: Errors,
    options: Vec<SlotOption>,
    schedule: i64,
    bookable: bool,
    may_cancel: bool,
    cancelled: bool,
    reason: String,
    message: Option<String>,
}

#[allow(clippy::too_many_arguments)]
async fn evening_render(
    state: &AppState,
    ctx: &Ctx,
    caller: &Caller,
    id: i64,
    form: BookingForm,
    errors: Errors,
    reason: String,
    message: Option<String>,
) -> Result<Response, ApiError> {
    let lang = ctx.lang;
    let e = ah::evening(&state.db, id).await?;
    let s = ah::schedule(&state.db, e.schedule_id).await?;
    super::may_work(state, caller, s.department_id).await?;
    let may_cancel = caller
        .permits(
            state,
            domain::access::Capability::AfterHours,
            domain::access::Action::Update,
            domain::access::Target::Department(s.department_id),
        )
        .await?;
    let list = ah::evening_bookings(&state.db, id).await?;
    let rows = list
        .iter()
        .map(|b| BookingRow {
            code: b.shown_code(),
            time: format!("{}–{}", hm(b.slot_starts_at), hm(b.slot_ends_at)),
            service: kind_word(lang, b.service_kind),
            name: b.name.clone(),
            phone: b.phone.clone(),
            channel: lang.t(b.channel.korean(), b.channel.english()).to_string(),
            state: lang.t(b.state.korean(), b.state.english()).to_string(),
            minor: b.minor_with_guardian,
        })
        .collect();
    let holidays = ah::holidays(&state.db).await?;
    let view = schedule_view(state, lang, &s, &holidays).await?;
    let key = e.day.to_string();
    let options: Vec<SlotOption> = view
        .options
        .into_iter()
        .filter(|o| o.value.starts_with(&key))
        .collect();
    let mut state_words = lang.t(e.state.korean(), e.state.english()).to_string();
    if let Some(at) = e.decided_at {
        state_words.push_str(&match lang {
            Lang::Ko => format!(" · {} 결정", moment(at)),
            Lang::En => format!(" · decided {}", moment(at)),
        });
    }
    state_words.push_str(&format!(" · {}", cutoff_words(lang, e.cutoff_at)));
    let title = format!(
        "{} {} {}–{}",
        pick(lang, &s.draft.name, &s.draft.name_en),
        day_words(lang, e.day),
        hm(e.starts_at),
        hm(e.ends_at)
    );
    let status = if errors.is_empty() {
        axum::http::StatusCode::OK
    } else {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = EveningPage {
        c: ctx
            .chrome()
            .crumb(
                lang.t("야간 민원실 운영", "After-hours office"),
                "/after-hours/office",
            )
            .crumb(title.clone(), ""),
        id,
        title,
        state: state_words,
        rows,
        bookable: !options.is_empty(),
        options,
        form,
        errors,
        schedule: s.id,
        may_cancel,
        cancelled: e.state == EveningState::Cancelled,
        reason: if e.cancelled_reason.is_empty() {
            reason
        } else {
            e.cancelled_reason
        },
        message,
    };
    Ok(ctx.render_status(status, &page))
}

async fn evening_page(
    State(state): State<AppState>,
    ctx: Ctx,
    PageId(id): PageId,
    Query(n): Query<Notice>,
) -> PageResult {
    let caller = staff(&ctx)?;
    let message = done_words(ctx.lang, n.done.as_deref());
    evening_render(
        &state,
        &ctx,
        caller,
        id,
        BookingForm::default(),
        Errors::new(),
        String::new(),
        message,
    )
    .await
    .or_page(&ctx)
}

async fn phone_booking_form(
    State(state): State<AppState>,
    ctx: Ctx,
    PageId(id): PageId,
    PageForm(f): PageForm<Fields>,
) -> PageResult {
    let caller = staff(&ctx)?;
    let lang = ctx.lang;
    let form = BookingForm::from_fields(&f);
    // The resident agreed on the phone; the official ticks that they asked.
    let (key, contact) = match form.read(lang, false) {
        Ok(v) => v,
        Err(errors) => {
            return evening_render(&state, &ctx, caller, id, form, errors, String::new(), None)
                .await
                .or_page(&ctx);
        }
    };
    match super::book(&state, Some(caller), &ctx.address, key, contact, form.minor).await {
        Ok(_) => {
            Ok(Redirect::to(&format!("/after-hours/evenings/{id}?done=booked")).into_response())
        }
        Err(e) if e.status.is_client_error() && e.status.as_u16() != 403 => {
            let mut errors = Errors::new();
            errors.push((forms::booking_field(e.code), lang.of(&e).to_string()));
            evening_render(&state, &ctx, caller, id, form, errors, String::new(), None)
                .await
                .or_page(&ctx)
        }
        Err(e) => Err(ctx.fail(&e)),
    }
}

async fn cancel_evening_form(
    State(state): State<AppState>,
    ctx: Ctx,
    PageId(id): PageId,
    PageForm(f): PageForm<Fields>,
) -> PageResult {
    let caller = staff(&ctx)?;
    let reason = f.get("reason");
    match super::cancel_evening(&state, caller, id, &reason).await {
        Ok(_) => {
            Ok(Redirect::to(&format!("/after-hours/evenings/{id}?done=cancelled")).into_response())
        }
        Err(e) if e.code == "reason_required" => {
            let mut errors = Errors::new();
            errors.push(("reason", ctx.lang.of(&e).to_string()));
            evening_render(
                &state,
                &ctx,
                caller,
                id,
                BookingForm::default(),
                errors,
                reason,
                None,
            )
            .await
            .or_page(&ctx)
        }
        Err(e) => Err(ctx.fail(&e)),
    }
}
