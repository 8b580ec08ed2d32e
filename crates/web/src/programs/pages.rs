//! The pages under `/programs`: the official's programs and enrolments, the training
//! officer's catalogue and sessions (roster, approvals, nominations, cancellation), and the
//! supervisor's approvals. Every form works without JavaScript; each action goes through the
//! same function as its JSON route ([`super::api`]).

use super::api;
use super::forms::{self, Errors, Fields, ProgramForm, SessionForm};
use crate::AppState;
use crate::kit::auth::Caller;
use crate::kit::error::ApiError;
use crate::kit::form::PageForm;
use crate::kit::page::{Chrome, Ctx, Lang, OrPage, PageResult, when};
use crate::protection::views::PageId;
use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use domain::access::{Action, Capability, Target};
use domain::office::accounts::Role;
use domain::programs::{Delivery, EnrolmentState, LearningCategory, ProgramKind, SessionState};
use serde::Deserialize;
use store::programs::{self as sp, Enrolment, Program, Session};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/programs", get(home))
        .route("/programs/sessions/{id}/enrol", post(enrol_form))
        .route("/programs/enrolments/{id}/cancel", post(cancel_form))
        .route("/programs/enrolments/{id}/decision", post(decision_form))
        .route("/programs/calendar", post(calendar_form))
        .route("/programs/approvals", get(approvals_page))
        .route("/programs/nominate", post(nominate_form))
        .route("/programs/office", get(office))
        .route(
            "/programs/office/new",
            get(new_program_page).post(new_program_form),
        )
        .route(
            "/programs/office/{id}",
            get(program_page).post(edit_program_form),
        )
        .route("/programs/office/{id}/sessions", post(new_session_form))
        .route(
            "/programs/office/sessions/{id}",
            get(session_page).post(edit_session_form),
        )
        .route(
            "/programs/office/sessions/{id}/cancel",
            post(cancel_session_form),
        )
}

#[derive(Deserialize, Default)]
pub(crate) struct Notice {
    done: Option<String>,
}

/// The confirmation of what a redirect came back from, in words.
fn done_words(lang: Lang, done: Option<&str>) -> Option<String> {
    let (ko, en) = match done? {
        "requested" => (
            "신청했습니다. 부서장 승인을 기다립니다.",
            "Requested: it awaits your supervisor's approval.",
        ),
        "enrolled" => ("신청이 확정되었습니다.", "You are enrolled."),
        "waitlisted" => (
            "정원이 차서 대기자로 등록했습니다. 자리가 나면 자동으로 확정되고 알려 드립니다.",
            "The session is full: you are on the waitlist and will be told when a place is yours.",
        ),
        "cancelled" => ("취소했습니다.", "Cancelled."),
        "promoted" => (
            "취소했습니다. 대기자에게 자리가 넘어갔습니다.",
            "Cancelled; the place went to the head of the waitlist.",
        ),
        "approved" => ("승인했습니다.", "Approved."),
        "declined" => ("반려했습니다.", "Declined."),
        "nominated" => ("추천했습니다.", "Nominated."),
        "calendar" => (
            "새 캘린더 주소를 만들었습니다. 이전 주소는 더 이상 쓸 수 없습니다.",
            "A new calendar address was made; the old one no longer works.",
        ),
        "saved" => (
            "저장했습니다. 신청자에게 변경을 알렸습니다.",
            "Saved; everyone enrolled was told.",
        ),
        "created" => ("만들었습니다.", "Created."),
        "session_cancelled" => (
            "회차를 취소하고 신청자 모두에게 알렸습니다.",
            "The session is cancelled and everyone enrolled was told.",
        ),
        _ => return None,
    };
    Some(lang.t(ko, en).to_string())
}

fn kind_word(lang: Lang, k: ProgramKind) -> String {
    lang.t(k.korean(), k.english()).to_string()
}

fn state_word(lang: Lang, s: EnrolmentState) -> String {
    lang.t(s.korean(), s.english()).to_string()
}

fn hours(lang: Lang, minutes: i64) -> String {
    let (h, m) = (minutes / 60, minutes % 60);
    match (lang, m) {
        (Lang::Ko, 0) => format!("{h}시간"),
        (Lang::Ko, _) => format!("{h}시간 {m}분"),
        (Lang::En, 0) => format!("{h} h"),
        (Lang::En, _) => format!("{h} h {m} min"),
    }
}

/// A session's days in words: "2026-05-11 09:00–18:00 · 2026-05-12 …".
fn days_words(s: &Session) -> String {
    s.days
        .iter()
        .map(|d| {
            format!(
                "{} {}–{}",
                d.day,
                calendar::to_seoul(d.starts_at).format("%H:%M"),
                calendar::to_seoul(d.ends_at).format("%H:%M")
            )
        })
        .collect::<Vec<_>>()
        .join(" · ")
}

fn title_of(lang: Lang, ko: &str, en: &str) -> String {
    if lang == Lang::En && !en.is_empty() {
        en.to_string()
    } else {
        ko.to_string()
    }
}

fn session_title(lang: Lang, s: &Session) -> String {
    let t = title_of(lang, &s.program_title, &s.program_title_en);
    if s.label.is_empty() {
        t
    } else {
        format!("{t} {}", s.label)
    }
}

fn delivery_words(lang: Lang, s: &Session) -> String {
    let d = lang.t(s.delivery.korean(), s.delivery.english());
    match (s.delivery, s.venue.is_empty()) {
        (Delivery::Online, _) | (_, true) => d.to_string(),
        _ => format!("{d} · {}", s.venue),
    }
}

/// Where a redirect after a form goes: back to a programs page, never elsewhere.
fn back(f: &Fields, fallback: &str) -> String {
    let b = f.get("back");
    if b.starts_with("/programs") && !b.contains("//") {
        b
    } else {
        fallback.to_string()
    }
}

fn redirect(to: &str, done: &str) -> Response {
    let sep = if to.contains('?') { '&' } else { '?' };
    Redirect::to(&format!("{to}{sep}done={done}")).into_response()
}

// ---------------------------------------------------------------------------------------------
// The official's page

struct OfferRow {
    session_id: i64,
    title: String,
    kind: String,
    days: String,
    place: String,
    hours: String,
    places: String,
    approval: bool,
    mine: Option<String>,
    full: bool,
}

struct MineRow {
    id: i64,
    title: String,
    days: String,
    state: String,
    state_code: &'static str,
    position: Option<i64>,
    note: String,
    cancellable: bool,
    session_cancelled: bool,
    place: String,
    /// The link, materials and their link: for those holding a place only.
    online_link: String,
    materials: String,
    materials_link: String,
}

#[derive(Template)]
#[template(path = "programs/home.html")]
struct HomePage {
    c: Chrome,
    message: Option<String>,
    error: Option<String>,
    offers: Vec<OfferRow>,
    mine: Vec<MineRow>,
    calendar_made: Option<String>,
    calendar_path: Option<String>,
    /// Self-checks before and after offered now (item 8).
    self_checks: Vec<super::healing::OfferView>,
}

async fn home_page(
    state: &AppState,
    ctx: &Ctx,
    caller: &Caller,
    done: Option<&str>,
    error: Option<&ApiError>,
    calendar_path: Option<String>,
) -> Result<Response, ApiError> {
    let lang = ctx.lang;
    let offers = api::open_to(state, caller).await?;
    let mut sessions = std::collections::HashMap::new();
    let mine_rows = sp::enrolments_of(&state.db, caller.account.id).await?;
    for e in &mine_rows {
        if let std::collections::hash_map::Entry::Vacant(slot) = sessions.entry(e.session_id) {
            slot.insert(sp::session(&state.db, e.session_id).await?);
        }
    }
    let page = HomePage {
        c: ctx.chrome(),
        message: done_words(lang, done),
        error: error.map(|e| lang.of(e).to_string()),
        offers: offers
            .iter()
            .map(|o| OfferRow {
                session_id: o.session.id,
                title: session_title(lang, &o.session),
                kind: ProgramKind::parse(&o.program_kind)
                    .map(|k| kind_word(lang, k))
                    .unwrap_or_default(),
                days: days_words(&o.session),
                place: delivery_words(lang, &o.session),
                hours: hours(lang, o.recognised_minutes),
                places: match lang {
                    Lang::Ko => format!(
                        "정원 {} · 확정 {} · 대기 {}",
                        o.session.capacity, o.session.enrolled, o.session.waitlisted
                    ),
                    Lang::En => format!(
                        "{} places · {} enrolled · {} waiting",
                        o.session.capacity, o.session.enrolled, o.session.waitlisted
                    ),
                },
                approval: o.approval_required,
                mine: o
                    .mine
                    .as_ref()
                    .filter(|m| m.state.is_active())
                    .map(|m| state_word(lang, m.state)),
                full: o.session.free_places() == 0,
            })
            .collect(),
        mine: mine_rows
            .iter()
            .filter_map(|e| {
                let s = sessions.get(&e.session_id)?;
                Some(MineRow {
                    id: e.id,
                    title: session_title(lang, s),
                    days: days_words(s),
                    state: state_word(lang, e.state),
                    state_code: e.state.as_str(),
                    position: e.waitlist_position,
                    note: e.decision_note.clone(),
                    cancellable: e.state.is_active()
                        && s.state == SessionState::Scheduled
                        && s.first_start().is_some_and(|t| t > store::now()),
                    session_cancelled: s.state == SessionState::Cancelled,
                    place: delivery_words(lang, s),
                    online_link: if e.state == EnrolmentState::Enrolled {
                        s.online_link.clone()
                    } else {
                        String::new()
                    },
                    materials: if e.state == EnrolmentState::Enrolled {
                        s.materials.clone()
                    } else {
                        String::new()
                    },
                    materials_link: if e.state == EnrolmentState::Enrolled {
                        s.materials_link.clone()
                    } else {
                        String::new()
                    },
                })
            })
            .collect(),
        calendar_made: sp::calendar_token_made(&state.db, caller.account.id)
            .await?
            .map(when),
        calendar_path,
        self_checks: super::healing::offer_views(state, caller, lang).await?,
    };
    Ok(ctx.render(&page))
}

/// The official's page again with an error (a self-check that could not start).
pub(crate) async fn home_with_error(
    state: &AppState,
    ctx: &Ctx,
    caller: &Caller,
    e: &ApiError,
) -> Result<Response, ApiError> {
    home_page(state, ctx, caller, None, Some(e), None).await
}

async fn home(State(state): State<AppState>, ctx: Ctx, Query(n): Query<Notice>) -> PageResult {
    let caller = ctx.staff_or_refuse()?;
    home_page(&state, &ctx, caller, n.done.as_deref(), None, None)
        .await
        .or_page(&ctx)
}

/// After a change on the official's page: back where the form came from, or the page again
/// with the error.
async fn home_done(
    state: &AppState,
    ctx: &Ctx,
    caller: &Caller,
    to: &str,
    r: Result<&str, ApiError>,
) -> PageResult {
    match r {
        Ok(done) => Ok(redirect(to, done)),
        Err(e) if to == "/programs" => home_page(state, ctx, caller, None, Some(&e), None)
            .await
            .or_page(ctx),
        Err(e) => Err(ctx.fail(&e)),
    }
}

async fn enrol_form(
    State(state): State<AppState>,
    ctx: Ctx,
    PageId(id): PageId,
    PageForm(f): PageForm<Fields>,
) -> PageResult {
    let caller = ctx.staff_or_refuse()?;
    let r = api::enrol(&state, caller, id, None)
        .await
        .map(|e| e.state.as_str());
    home_done(&state, &ctx, caller, &back(&f, "/programs"), r).await
}

async fn cancel_form(
    State(state): State<AppState>,
    ctx: Ctx,
    PageId(id): PageId,
    PageForm(f): PageForm<Fields>,
) -> PageResult {
    let caller = ctx.staff_or_refuse()?;
    let r = api::cancel(&state, caller, id).await.map(|c| {
        if c.promoted.is_empty() {
            "cancelled"
        } else {
            "promoted"
        }
    });
    home_done(&state, &ctx, caller, &back(&f, "/programs"), r).await
}

async fn decision_form(
    State(state): State<AppState>,
    ctx: Ctx,
    PageId(id): PageId,
    PageForm(f): PageForm<Fields>,
) -> PageResult {
    let caller = ctx.staff_or_refuse()?;
    let approve = f.get("approve") == "yes";
    let r = api::decide(&state, caller, id, approve, &f.get("note"))
        .await
        .map(|_| if approve { "approved" } else { "declined" });
    home_done(&state, &ctx, caller, &back(&f, "/programs/approvals"), r).await
}

async fn calendar_form(State(state): State<AppState>, ctx: Ctx) -> PageResult {
    let caller = ctx.staff_or_refuse()?;
    let path = api::renew_calendar(&state, caller).await.or_page(&ctx)?;
    home_page(&state, &ctx, caller, Some("calendar"), None, Some(path))
        .await
        .or_page(&ctx)
}

// ---------------------------------------------------------------------------------------------
// The supervisor's approvals and nominations

struct RequestRow {
    id: i64,
    name: String,
    department: String,
    title: String,
    days: String,
    asked: String,
}

struct Choice {
    value: String,
    label: String,
}

#[derive(Template)]
#[template(path = "programs/approvals.html")]
struct ApprovalsPage {
    c: Chrome,
    message: Option<String>,
    requests: Vec<RequestRow>,
    sessions: Vec<Choice>,
    people: Vec<Choice>,
}

async fn approvals_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(n): Query<Notice>,
) -> PageResult {
    let caller = ctx.staff_or_refuse()?;
    let lang = ctx.lang;
    let waiting = api::approvals(&state, caller).await.or_page(&ctx)?;
    let scope = api::division(&state, caller).await.or_page(&ctx)?;
    let upcoming = sp::upcoming_sessions(&state.db, store::now())
        .await
        .or_page(&ctx)?;
    let mut requests = Vec::new();
    for e in &waiting {
        let s = sp::session(&state.db, e.session_id).await.or_page(&ctx)?;
        requests.push(RequestRow {
            id: e.id,
            name: e.display_name.clone(),
            department: e.department_name.clone(),
            title: session_title(lang, &s),
            days: days_words(&s),
            asked: when(e.requested_at),
        });
    }
    let people = sp::officials(&state.db, scope.as_deref())
        .await
        .or_page(&ctx)?;
    let page = ApprovalsPage {
        c: ctx.chrome(),
        message: done_words(lang, n.done.as_deref()),
        requests,
        sessions: upcoming
            .iter()
            .map(|s| Choice {
                value: s.id.to_string(),
                label: format!("{} ({})", session_title(lang, s), days_words(s)),
            })
            .collect(),
        people: people
            .iter()
            .map(|p| Choice {
                value: p.id.to_string(),
                label: format!("{} · {}", p.display_name, p.department_name),
            })
            .collect(),
    };
    Ok(ctx.render(&page))
}

async fn nominate_form(
    State(state): State<AppState>,
    ctx: Ctx,
    PageForm(f): PageForm<Fields>,
) -> PageResult {
    let caller = ctx.staff_or_refuse()?;
    let to = back(&f, "/programs/approvals");
    let (Ok(session), Ok(account)) = (
        f.get("session_id").parse::<i64>(),
        f.get("account_id").parse::<i64>(),
    ) else {
        return Err(ctx.fail(&ApiError::bad_request(
            "choose_both",
            "회차와 추천할 직원을 고르세요",
            "choose a session and the official to nominate",
        )));
    };
    let r = api::enrol(&state, caller, session, Some(account))
        .await
        .map(|_| "nominated");
    match r {
        Ok(done) => Ok(redirect(&to, done)),
        Err(e) => Err(ctx.fail(&e)),
    }
}

// ---------------------------------------------------------------------------------------------
// The training officer's catalogue

struct ProgramRow {
    id: i64,
    title: String,
    kind: String,
    hours: String,
    sessions: usize,
    next: String,
}

#[derive(Template)]
#[template(path = "programs/office.html")]
struct OfficePage {
    c: Chrome,
    programs: Vec<ProgramRow>,
}

async fn office(State(state): State<AppState>, ctx: Ctx) -> PageResult {
    let caller = ctx.staff_or_refuse()?;
    api::may_run(&state, caller, Action::Create)
        .await
        .or_page(&ctx)?;
    let lang = ctx.lang;
    let mut rows = Vec::new();
    for p in sp::programs(&state.db).await.or_page(&ctx)? {
        let sessions = sp::sessions_of(&state.db, p.id).await.or_page(&ctx)?;
        let next = sessions
            .iter()
            .filter(|s| {
                s.state == SessionState::Scheduled
                    && s.first_start().is_some_and(|t| t > store::now())
            })
            .map(days_words)
            .next()
            .unwrap_or_else(|| "—".into());
        rows.push(ProgramRow {
            id: p.id,
            title: title_of(lang, &p.title, &p.title_en),
            kind: kind_word(lang, p.kind),
            hours: hours(lang, p.recognised_minutes),
            sessions: sessions.len(),
            next,
        });
    }
    Ok(ctx.render(&OfficePage {
        c: ctx.chrome(),
        programs: rows,
    }))
}

/// What the program form offers to choose from.
pub(crate) struct Options {
    kinds: Vec<Choice>,
    categories: Vec<Choice>,
    roles: Vec<Choice>,
    departments: Vec<Choice>,
}

async fn options(state: &AppState, lang: Lang) -> Result<Options, ApiError> {
    Ok(Options {
        kinds: ProgramKind::ALL
            .iter()
            .map(|k| Choice {
                value: k.as_str().into(),
                label: kind_word(lang, *k),
            })
            .collect(),
        categories: LearningCategory::ALL
            .iter()
            .map(|k| Choice {
                value: k.as_str().into(),
                label: lang.t(k.korean(), k.english()).into(),
            })
            .collect(),
        roles: Role::ALL
            .iter()
            .filter(|r| r.is_staff())
            .map(|r| Choice {
                value: r.as_str().into(),
                label: crate::kit::page::role_name(lang, *r).into(),
            })
            .collect(),
        departments: store::office::departments::list(&state.db)
            .await?
            .into_iter()
            .filter(|d| d.active)
            .map(|d| Choice {
                value: d.id.to_string(),
                label: title_of(lang, &d.name, &d.name_en),
            })
            .collect(),
    })
}

#[derive(Template)]
#[template(path = "programs/program.html")]
struct ProgramPage {
    c: Chrome,
    message: Option<String>,
    /// `None` for a new program.
    id: Option<i64>,
    heading: String,
    form: ProgramForm,
    errors: Errors,
    o: Options,
    sessions: Vec<SessionRow>,
    session_form: SessionForm,
    session_errors: Errors,
    deliveries: Vec<Choice>,
}

struct SessionRow {
    id: i64,
    title: String,
    days: String,
    place: String,
    counts: String,
    cancelled: bool,
}

impl ProgramPage {
    fn has_role(&self, r: &str) -> bool {
        self.form.roles.iter().any(|x| x == r)
    }

    fn has_department(&self, d: &str) -> bool {
        self.form.departments.iter().any(|x| x == d)
    }
}

fn deliveries(lang: Lang) -> Vec<Choice> {
    Delivery::ALL
        .iter()
        .map(|d| Choice {
            value: d.as_str().into(),
            label: lang.t(d.korean(), d.english()).into(),
        })
        .collect()
}

fn counts(lang: Lang, s: &Session) -> String {
    match lang {
        Lang::Ko => format!(
            "정원 {} · 확정 {} · 승인 대기 {} · 대기 {}",
            s.capacity, s.enrolled, s.requested, s.waitlisted
        ),
        Lang::En => format!(
            "{} places · {} enrolled · {} awaiting approval · {} waitlisted",
            s.capacity, s.enrolled, s.requested, s.waitlisted
        ),
    }
}

#[allow(clippy::too_many_arguments)]
async fn program_view(
    state: &AppState,
    ctx: &Ctx,
    id: Option<i64>,
    form: ProgramForm,
    errors: Errors,
    session_form: Option<SessionForm>,
    session_errors: Errors,
    done: Option<&str>,
) -> Result<Response, ApiError> {
    let lang = ctx.lang;
    let (heading, sessions, capacity) = match id {
        None => (
            lang.t("새 프로그램", "New program").to_string(),
            Vec::new(),
            0,
        ),
        Some(id) => {
            let p = sp::program(&state.db, id).await?;
            let sessions = sp::sessions_of(&state.db, id).await?;
            (
                title_of(lang, &p.title, &p.title_en),
                sessions
                    .iter()
                    .map(|s| SessionRow {
                        id: s.id,
                        title: if s.label.is_empty() {
                            format!("#{}", s.id)
                        } else {
                            s.label.clone()
                        },
                        days: days_words(s),
                        place: delivery_words(lang, s),
                        counts: counts(lang, s),
                        cancelled: s.state == SessionState::Cancelled,
                    })
                    .collect(),
                p.capacity_default,
            )
        }
    };
    let status = if errors.is_empty() && session_errors.is_empty() {
        axum::http::StatusCode::OK
    } else {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = ProgramPage {
        c: ctx.chrome(),
        message: done_words(lang, done),
        id,
        heading,
        form,
        errors,
        o: options(state, lang).await?,
        sessions,
        session_form: session_form.unwrap_or_else(|| SessionForm::blank(capacity)),
        session_errors,
        deliveries: deliveries(lang),
    };
    Ok(ctx.render_status(status, &page))
}

async fn new_program_page(State(state): State<AppState>, ctx: Ctx) -> PageResult {
    let caller = ctx.staff_or_refuse()?;
    api::may_run(&state, caller, Action::Create)
        .await
        .or_page(&ctx)?;
    program_view(
        &state,
        &ctx,
        None,
        ProgramForm::blank(),
        Errors::new(),
        None,
        Errors::new(),
        None,
    )
    .await
    .or_page(&ctx)
}

async fn new_program_form(
    State(state): State<AppState>,
    ctx: Ctx,
    PageForm(body): PageForm<Fields>,
) -> PageResult {
    let caller = ctx.staff_or_refuse()?;
    api::may_run(&state, caller, Action::Create)
        .await
        .or_page(&ctx)?;
    let form = ProgramForm::read(&body);
    let r = match form.draft(ctx.lang) {
        Ok(d) => api::new_program(&state, caller, &d)
            .await
            .map_err(|e| forms::from_api(ctx.lang, "title", &e)),
        Err(e) => Err(e),
    };
    match r {
        Ok(id) => Ok(redirect(&format!("/programs/office/{id}"), "created")),
        Err(errors) => program_view(&state, &ctx, None, form, errors, None, Errors::new(), None)
            .await
            .or_page(&ctx),
    }
}

async fn program_page(
    State(state): State<AppState>,
    ctx: Ctx,
    PageId(id): PageId,
    Query(n): Query<Notice>,
) -> PageResult {
    let caller = ctx.staff_or_refuse()?;
    api::may_run(&state, caller, Action::Update)
        .await
        .or_page(&ctx)?;
    let p = sp::program(&state.db, id).await.or_page(&ctx)?;
    program_view(
        &state,
        &ctx,
        Some(id),
        ProgramForm::of(&p),
        Errors::new(),
        None,
        Errors::new(),
        n.done.as_deref(),
    )
    .await
    .or_page(&ctx)
}

async fn edit_program_form(
    State(state): State<AppState>,
    ctx: Ctx,
    PageId(id): PageId,
    PageForm(body): PageForm<Fields>,
) -> PageResult {
    let caller = ctx.staff_or_refuse()?;
    api::may_run(&state, caller, Action::Update)
        .await
        .or_page(&ctx)?;
    let form = ProgramForm::read(&body);
    let r = match form.draft(ctx.lang) {
        Ok(d) => api::edit_program(&state, caller, id, &d)
            .await
            .map_err(|e| forms::from_api(ctx.lang, "title", &e)),
        Err(e) => Err(e),
    };
    match r {
        Ok(()) => Ok(redirect(&format!("/programs/office/{id}"), "created")),
        Err(errors) => program_view(
            &state,
            &ctx,
            Some(id),
            form,
            errors,
            None,
            Errors::new(),
            None,
        )
        .await
        .or_page(&ctx),
    }
}

async fn new_session_form(
    State(state): State<AppState>,
    ctx: Ctx,
    PageId(id): PageId,
    PageForm(body): PageForm<Fields>,
) -> PageResult {
    let caller = ctx.staff_or_refuse()?;
    api::may_run(&state, caller, Action::Create)
        .await
        .or_page(&ctx)?;
    let p: Program = sp::program(&state.db, id).await.or_page(&ctx)?;
    let form = SessionForm::read(&body);
    let r = match form.draft(ctx.lang, store::now(), &[]) {
        Ok(d) => api::new_session(&state, caller, id, &d)
            .await
            .map_err(|e| forms::from_api(ctx.lang, "days", &e)),
        Err(e) => Err(e),
    };
    match r {
        Ok(sid) => Ok(redirect(
            &format!("/programs/office/sessions/{sid}"),
            "created",
        )),
        Err(errors) => program_view(
            &state,
            &ctx,
            Some(id),
            ProgramForm::of(&p),
            Errors::new(),
            Some(form),
            errors,
            None,
        )
        .await
        .or_page(&ctx),
    }
}

// ---------------------------------------------------------------------------------------------
// A session: its form, roster, nominations and cancellation

struct RosterRow {
    id: i64,
    name: String,
    department: String,
    state: String,
    state_code: &'static str,
    how: String,
    position: Option<i64>,
    short: String,
}

#[derive(Template)]
#[template(path = "programs/session.html")]
struct SessionPage {
    c: Chrome,
    message: Option<String>,
    id: i64,
    program_id: i64,
    heading: String,
    counts: String,
    cancelled: Option<String>,
    form: SessionForm,
    errors: Errors,
    deliveries: Vec<Choice>,
    roster: Vec<RosterRow>,
    people: Vec<Choice>,
    cancel_error: Option<String>,
    /// A healing program's session links to its self-check before and after.
    healing: bool,
}

fn roster_row(lang: Lang, e: &Enrolment) -> RosterRow {
    RosterRow {
        id: e.id,
        name: e.display_name.clone(),
        department: e.department_name.clone(),
        state: state_word(lang, e.state),
        state_code: e.state.as_str(),
        how: match &e.nominated_by_name {
            Some(n) => format!("{} ({n})", lang.t(e.origin.korean(), e.origin.english())),
            None => lang.t(e.origin.korean(), e.origin.english()).to_string(),
        },
        position: e.waitlist_position,
        short: if e.hours_short_minutes > 0 {
            hours(lang, e.hours_short_minutes)
        } else {
            "—".into()
        },
    }
}

async fn session_view(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    form: Option<SessionForm>,
    errors: Errors,
    cancel_error: Option<String>,
    done: Option<&str>,
) -> Result<Response, ApiError> {
    let lang = ctx.lang;
    let s = sp::session(&state.db, id).await?;
    let roster = sp::roster(&state.db, id).await?;
    let people = sp::officials(&state.db, None).await?;
    let status = if errors.is_empty() && cancel_error.is_none() {
        axum::http::StatusCode::OK
    } else {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = SessionPage {
        c: ctx.chrome(),
        message: done_words(lang, done),
        id,
        program_id: s.program_id,
        heading: session_title(lang, &s),
        counts: counts(lang, &s),
        cancelled: (s.state == SessionState::Cancelled).then(|| s.cancel_reason.clone()),
        form: form.unwrap_or_else(|| SessionForm::of(&s)),
        errors,
        deliveries: deliveries(lang),
        roster: roster.iter().map(|e| roster_row(lang, e)).collect(),
        people: people
            .iter()
            .filter(|p| {
                !roster
                    .iter()
                    .any(|e| e.account_id == p.id && e.state.is_active())
            })
            .map(|p| Choice {
                value: p.id.to_string(),
                label: format!("{} · {}", p.display_name, p.department_name),
            })
            .collect(),
        cancel_error,
        healing: sp::program(&state.db, s.program_id).await?.kind == ProgramKind::Healing,
    };
    Ok(ctx.render_status(status, &page))
}

async fn may_see_roster(state: &AppState, caller: &Caller) -> Result<(), ApiError> {
    caller
        .may(
            state,
            Capability::ProgramEnrolment,
            Action::Read,
            Target::Office,
        )
        .await
}

async fn session_page(
    State(state): State<AppState>,
    ctx: Ctx,
    PageId(id): PageId,
    Query(n): Query<Notice>,
) -> PageResult {
    let caller = ctx.staff_or_refuse()?;
    api::may_run(&state, caller, Action::Update)
        .await
        .or_page(&ctx)?;
    may_see_roster(&state, caller).await.or_page(&ctx)?;
    session_view(
        &state,
        &ctx,
        id,
        None,
        Errors::new(),
        None,
        n.done.as_deref(),
    )
    .await
    .or_page(&ctx)
}

async fn edit_session_form(
    State(state): State<AppState>,
    ctx: Ctx,
    PageId(id): PageId,
    PageForm(body): PageForm<Fields>,
) -> PageResult {
    let caller = ctx.staff_or_refuse()?;
    api::may_run(&state, caller, Action::Update)
        .await
        .or_page(&ctx)?;
    let stored = sp::session(&state.db, id).await.or_page(&ctx)?;
    let form = SessionForm::read(&body);
    let r = match form.draft(ctx.lang, store::now(), &stored.day_drafts()) {
        Ok(d) => api::edit_session(&state, caller, id, &d)
            .await
            .map_err(|e| forms::from_api(ctx.lang, "days", &e)),
        Err(e) => Err(e),
    };
    match r {
        Ok(_) => Ok(redirect(
            &format!("/programs/office/sessions/{id}"),
            "saved",
        )),
        Err(errors) => session_view(&state, &ctx, id, Some(form), errors, None, None)
            .await
            .or_page(&ctx),
    }
}

async fn cancel_session_form(
    State(state): State<AppState>,
    ctx: Ctx,
    PageId(id): PageId,
    PageForm(f): PageForm<Fields>,
) -> PageResult {
    let caller = ctx.staff_or_refuse()?;
    match api::cancel_session(&state, caller, id, &f.get("reason")).await {
        Ok(_) => Ok(redirect(
            &format!("/programs/office/sessions/{id}"),
            "session_cancelled",
        )),
        Err(e) if e.status == axum::http::StatusCode::FORBIDDEN => Err(ctx.fail(&e)),
        Err(e) => session_view(
            &state,
            &ctx,
            id,
            None,
            Errors::new(),
            Some(ctx.lang.of(&e).to_string()),
            None,
        )
        .await
        .or_page(&ctx),
    }
}
