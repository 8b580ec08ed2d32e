//! The pages: the hub (requests and rounds the caller may read), the phone request form for
//! 읍면동 staff and the online form for residents and family, a request (its reveal logged),
//! rounds, a round (teams, requests, plan, hand moves, import/export, publish), the stop
//! (the outcome at the door) and the printable round sheet (`sheet`).

use super::OutcomeInput;
use crate::AppState;
use crate::kit::auth::Caller;
use crate::kit::error::ApiError;
use crate::kit::extract::Path;
use crate::kit::form::{Fields, PageForm};
use crate::kit::page::{Chrome, Ctx, Lang, OrPage, PageResult};
use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use chrono::{NaiveDate, NaiveTime};
use domain::Invalid;
use domain::access::Action;
use domain::service_access::home_visits::{
    self as hv, Basis, Caller as Who, Condition, IdentityMethod, Kit, Outcome, RequestChannel,
    RequestDraft, RequestState, Service, TeamDraft,
};
use serde::Deserialize;
use store::service_access::home_visits::{self as sh, Request, Round, Stop, Team};

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/home-visits", get(hub))
        .route(
            "/home-visits/requests/new",
            get(new_request).post(take_request),
        )
        .route("/home-visits/request", get(new_request).post(take_request))
        .route("/home-visits/requests/{id}", get(request_page))
        .route("/home-visits/rounds", get(rounds_page).post(create_round))
        .route("/home-visits/rounds/{id}", get(round_page))
        .route("/home-visits/rounds/{id}/teams", post(add_team))
        .route("/home-visits/rounds/{id}/requests", post(add_requests))
        .route("/home-visits/rounds/{id}/plan", post(plan))
        .route("/home-visits/rounds/{id}/import", post(import))
        .route("/home-visits/rounds/{id}/move", post(move_stop))
        .route("/home-visits/rounds/{id}/publish", post(publish))
        .route("/home-visits/rounds/{id}/vroom.json", get(export))
        .route(
            "/home-visits/rounds/{id}/sheet",
            get(super::sheet::sheet_page),
        )
        .route(
            "/home-visits/rounds/{id}/stops/{stop}",
            get(stop_page).post(record),
        )
}

// ---------------------------------------------------------------------------------------------
// Shared words

/// Problems by field, in the page's language.
#[derive(Debug, Clone, Default)]
pub(crate) struct Errors(Vec<(&'static str, String)>);

impl Errors {
    pub(crate) fn of(lang: Lang, inv: &Invalid) -> Self {
        let mut out: Vec<(&'static str, String)> = Vec::new();
        for f in &inv.0 {
            if !out.iter().any(|(k, _)| *k == f.field) {
                out.push((f.field, lang.of(&f.error).to_string()));
            }
        }
        Errors(out)
    }

    pub(crate) fn get(&self, field: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, m)| m.as_str())
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub(crate) fn all(&self) -> &[(&'static str, String)] {
        &self.0
    }
}

fn word<T: domain::label::Label>(lang: Lang, x: T) -> String {
    lang.t(x.korean(), x.english()).to_string()
}

pub(crate) fn services_words(lang: Lang, services: &[Service]) -> String {
    services
        .iter()
        .map(|s| word(lang, *s))
        .collect::<Vec<_>>()
        .join(", ")
}

pub(crate) fn kit_words(lang: Lang, services: &[Service]) -> String {
    super::api::kit_words(lang, services)
}

/// A preferred time window as words: `14:00–17:00`, or "any time" without one.
pub(crate) fn window_words(lang: Lang, start: &Option<String>, end: &Option<String>) -> String {
    match (start, end) {
        (Some(a), Some(b)) => format!("{a}–{b}"),
        _ => lang.t("언제든", "any time").to_string(),
    }
}

/// A team's members by name.
pub(crate) fn members_words(t: &Team) -> String {
    t.members
        .iter()
        .map(|m| m.1.clone())
        .collect::<Vec<_>>()
        .join(", ")
}

fn state_word(lang: Lang, code: &str) -> String {
    RequestState::parse(code)
        .map(|s| word(lang, s))
        .unwrap_or_else(|_| code.to_string())
}

fn round_state_word(lang: Lang, r: &Round) -> String {
    word(lang, r.state())
}

/// A value/label pair for radios, checkboxes and selects.
pub(crate) struct Choice {
    pub value: String,
    pub label: String,
    pub on: bool,
}

fn choices<T: domain::label::Label>(
    lang: Lang,
    all: &[T],
    on: impl Fn(&str) -> bool,
) -> Vec<Choice> {
    all.iter()
        .map(|x| Choice {
            value: x.code().to_string(),
            label: word(lang, *x),
            on: on(x.code()),
        })
        .collect()
}

fn err_page(ctx: &Ctx, e: &ApiError) -> PageResult {
    Err(ctx.fail(e))
}

// ---------------------------------------------------------------------------------------------
// The hub

struct RequestRow {
    id: i64,
    name: String,
    address: String,
    services: String,
    state: String,
    state_code: String,
    created: String,
}

struct RoundRow {
    id: i64,
    day: String,
    area: String,
    state: String,
}

#[derive(Template)]
#[template(path = "service_access/home_visits/hub.html")]
struct Hub {
    c: Chrome,
    requests: Vec<RequestRow>,
    rounds: Vec<RoundRow>,
    plans: bool,
    takes: bool,
}

fn request_row(lang: Lang, r: &Request) -> RequestRow {
    RequestRow {
        id: r.id,
        name: r.name.clone(),
        address: r.address.clone(),
        services: services_words(lang, &r.services()),
        state: state_word(lang, &r.state),
        state_code: r.state.clone(),
        created: crate::kit::page::when(r.created_at),
    }
}

fn round_row(lang: Lang, r: &Round) -> RoundRow {
    RoundRow {
        id: r.id,
        day: r.day.clone(),
        area: r.area.clone(),
        state: round_state_word(lang, r),
    }
}

async fn hub(State(state): State<AppState>, ctx: Ctx) -> PageResult {
    let caller = ctx.staff_or_refuse()?;
    let lang = ctx.lang;
    let requests = super::visible_requests(&state, caller)
        .await
        .or_page(&ctx)?;
    let rounds = super::visible_rounds(&state, caller).await.or_page(&ctx)?;
    let plans = super::plans_rounds(&state, caller).await.or_page(&ctx)?;
    let page = Hub {
        c: ctx
            .chrome()
            .crumb(lang.t("찾아가는 민원", "Home visits"), ""),
        requests: requests.iter().map(|r| request_row(lang, r)).collect(),
        rounds: rounds.iter().map(|r| round_row(lang, r)).collect(),
        plans,
        takes: caller.account.department_id.is_some(),
    };
    Ok(ctx.render(&page))
}

// ---------------------------------------------------------------------------------------------
// The request form

/// The request form as typed.
#[derive(Debug, Clone, Default)]
struct RequestForm {
    name: String,
    birth_date: String,
    age: String,
    phone: String,
    address: String,
    lat: String,
    lon: String,
    caller: String,
    channel: String,
    reason: String,
    living_alone: bool,
    severe_disability: bool,
    immobile: bool,
    consent: bool,
    services: Vec<String>,
    preferred_days: String,
    window_start: String,
    window_end: String,
    department_id: String,
}

impl RequestForm {
    fn blank(resident: bool) -> Self {
        RequestForm {
            lat: format!("{:.4}", hv::DEFAULT_POINT.0),
            lon: format!("{:.4}", hv::DEFAULT_POINT.1),
            caller: if resident { "self" } else { "" }.into(),
            channel: if resident { "online" } else { "phone" }.into(),
            ..RequestForm::default()
        }
    }

    fn read(f: &Fields, resident: bool) -> Self {
        RequestForm {
            name: f.get("name"),
            birth_date: f.get("birth_date"),
            age: f.get("age"),
            phone: f.get("phone"),
            address: f.get("address"),
            lat: f.get("lat"),
            lon: f.get("lon"),
            caller: f.get("caller"),
            channel: if resident {
                "online".into()
            } else {
                f.get("channel")
            },
            reason: f.get("reason"),
            living_alone: f.checked("living_alone"),
            severe_disability: f.checked("severe_disability"),
            immobile: f.checked("immobile"),
            consent: f.checked("consent"),
            services: f.all("services"),
            preferred_days: f.get("preferred_days"),
            window_start: f.get("window_start"),
            window_end: f.get("window_end"),
            department_id: f.get("department_id"),
        }
    }

    /// The draft, and what the form alone finds wrong (numbers, dates and times that do not parse).
    fn draft(&self) -> (RequestDraft, Invalid) {
        let mut bad = Invalid::default();
        let number = |s: &str| s.trim().parse::<f64>().ok();
        let (lat, lon) = match (number(&self.lat), number(&self.lon)) {
            (Some(a), Some(b)) => (a, b),
            _ => {
                bad.add(
                    "lat",
                    "bad_coordinates",
                    "위도와 경도를 숫자로 적어 주세요",
                    "enter latitude and longitude as numbers",
                );
                (0.0, 0.0)
            }
        };
        let birth_date = match self.birth_date.trim() {
            "" => None,
            s => match s.parse::<NaiveDate>() {
                Ok(d) => Some(d),
                Err(_) => {
                    bad.add(
                        "birth_date",
                        "bad_date",
                        "생년월일이 올바른 날짜가 아닙니다",
                        "the birth date is not a date",
                    );
                    None
                }
            },
        };
        let age = match self.age.trim() {
            "" => None,
            s => match s.parse::<u32>() {
                Ok(a) if a <= 130 => Some(a),
                _ => {
                    bad.add(
                        "age",
                        "bad_age",
                        "나이는 0~130 사이의 숫자입니다",
                        "the age is a number from 0 to 130",
                    );
                    None
                }
            },
        };
        let time = |s: &str| NaiveTime::parse_from_str(s.trim(), "%H:%M").ok();
        let d = RequestDraft {
            name: self.name.clone(),
            birth_date,
            age,
            phone: self.phone.clone(),
            address: self.address.clone(),
            lat,
            lon,
            caller: Who::parse(&self.caller).ok(),
            channel: RequestChannel::parse(&self.channel).ok(),
            reason: self.reason.clone(),
            basis: Basis {
                age: None,
                living_alone: self.living_alone,
                severe_disability: self.severe_disability,
                immobile: self.immobile,
            },
            consent: self.consent,
            services: self
                .services
                .iter()
                .filter_map(|s| Service::parse(s).ok())
                .collect(),
            preferred_days: self.preferred_days.clone(),
            window_start: time(&self.window_start),
            window_end: time(&self.window_end),
        };
        (d, bad)
    }
}

#[derive(Template)]
#[template(path = "service_access/home_visits/request_form.html")]
struct RequestFormPage {
    c: Chrome,
    f: RequestForm,
    errs: Errors,
    resident: bool,
    action: String,
    callers: Vec<Choice>,
    channels: Vec<Choice>,
    services: Vec<Choice>,
    departments: Vec<Choice>,
    rules: String,
}

async fn form_page(
    state: &AppState,
    ctx: &Ctx,
    caller: &Caller,
    f: RequestForm,
    errs: Errors,
) -> Result<Response, ApiError> {
    let lang = ctx.lang;
    let resident = caller.account.role.is_resident();
    let rules = sh::rules(&state.db).await?;
    let combos: Vec<String> = rules
        .combinations
        .iter()
        .map(|c| rules.describe(c, lang == Lang::Ko))
        .collect();
    let departments = store::office::departments::list(&state.db)
        .await?
        .into_iter()
        .filter(|d| d.active)
        .map(|d| Choice {
            on: f.department_id == d.id.to_string(),
            value: d.id.to_string(),
            label: match lang {
                Lang::En if !d.name_en.is_empty() => d.name_en,
                _ => d.name,
            },
        })
        .collect();
    let title = if resident {
        lang.t("찾아가는 민원 신청", "Ask for a home visit")
    } else {
        lang.t("방문 신청 접수 (전화)", "Take a home-visit request (phone)")
    };
    let status = if errs.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = RequestFormPage {
        c: ctx
            .chrome()
            .crumb(
                lang.t("찾아가는 민원", "Home visits"),
                if resident { "" } else { "/home-visits" },
            )
            .crumb(title, ""),
        callers: choices(lang, Who::ALL, |v| v == f.caller),
        channels: choices(lang, RequestChannel::ALL, |v| v == f.channel),
        services: choices(lang, Service::ALL, |v| f.services.iter().any(|s| s == v)),
        departments,
        rules: combos.join(lang.t(" 또는 ", "; or ")),
        action: if resident {
            "/home-visits/request".into()
        } else {
            "/home-visits/requests/new".into()
        },
        resident,
        f,
        errs,
    };
    Ok(ctx.render_status(status, &page))
}

/// Residents come to `/home-visits/request`; staff to `/home-visits/requests/new`.
fn signed_in(ctx: &Ctx) -> Result<&Caller, crate::kit::page::PageError> {
    ctx.caller.as_ref().ok_or_else(|| ctx.refusal())
}

async fn new_request(State(state): State<AppState>, ctx: Ctx) -> PageResult {
    let caller = signed_in(&ctx)?;
    let f = RequestForm::blank(caller.account.role.is_resident());
    form_page(&state, &ctx, caller, f, Errors::default())
        .await
        .or_page(&ctx)
}

async fn take_request(
    State(state): State<AppState>,
    ctx: Ctx,
    PageForm(fields): PageForm<Fields>,
) -> PageResult {
    let caller = signed_in(&ctx)?;
    let resident = caller.account.role.is_resident();
    let f = RequestForm::read(&fields, resident);
    let (draft, mut bad) = f.draft();
    let dept = f.department_id.parse::<i64>().ok();
    if !bad.is_empty() {
        // The form's own problems (a number that does not parse) and the rules' together;
        // nothing is stored.
        let rules = sh::rules(&state.db).await.or_page(&ctx)?;
        let today = store::now().with_timezone(&calendar::seoul()).date_naive();
        if let Err(more) = hv::check_request(&draft, &rules, today) {
            for e in more.0 {
                if bad.get(e.field).is_none() {
                    bad.0.push(e);
                }
            }
        }
        let errs = Errors::of(ctx.lang, &bad);
        return form_page(&state, &ctx, caller, f, errs).await.or_page(&ctx);
    }
    match super::take_request(&state, caller, dept, &draft)
        .await
        .or_page(&ctx)?
    {
        Ok(r) => {
            Ok(Redirect::to(&format!("/home-visits/requests/{}?done=taken", r.id)).into_response())
        }
        Err(more) => {
            // The form's own problems first (a number that does not parse), then the rules'.
            for e in more.0 {
                if bad.get(e.field).is_none() {
                    bad.0.push(e);
                }
            }
            let errs = Errors::of(ctx.lang, &bad);
            form_page(&state, &ctx, caller, f, errs).await.or_page(&ctx)
        }
    }
}

// ---------------------------------------------------------------------------------------------
// One request

#[derive(Deserialize)]
struct Done {
    done: Option<String>,
}

#[derive(Template)]
#[template(path = "service_access/home_visits/request.html")]
struct RequestPage {
    c: Chrome,
    r: Request,
    message: Option<String>,
    state: String,
    caller_word: String,
    channel_word: String,
    eligible_by: String,
    services: String,
    kit: String,
    basis: Vec<String>,
    window: String,
}

async fn request_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Query(done): Query<Done>,
) -> PageResult {
    let caller = signed_in(&ctx)?;
    let lang = ctx.lang;
    let r = super::request_for(&state, caller, id, Action::Read)
        .await
        .or_page(&ctx)?;
    super::reveal(&state, caller, &r).await.or_page(&ctx)?;
    let rules = sh::rules(&state.db).await.or_page(&ctx)?;
    let mut basis = Vec::new();
    if let Some(a) = r.age {
        basis.push(format!("{a}{}", lang.t("세", " years old")));
    }
    if let Some(b) = &r.birth_date {
        basis.push(format!("{} {b}", lang.t("생년월일", "born")));
    }
    for (on, c) in [
        (r.living_alone, Condition::LivingAlone),
        (r.severe_disability, Condition::SevereDisability),
        (r.immobile, Condition::Immobile),
    ] {
        if on {
            basis.push(word(lang, c));
        }
    }
    let page = RequestPage {
        c: ctx
            .chrome()
            .crumb(lang.t("찾아가는 민원", "Home visits"), "/home-visits")
            .crumb(r.name.clone(), ""),
        message: done.done.map(|_| {
            lang.t(
                "방문 신청을 접수했습니다. 대상 확인이 끝나 일정 배정을 기다립니다.",
                "The request is taken; it is eligible and waits for a round.",
            )
            .to_string()
        }),
        state: state_word(lang, &r.state),
        caller_word: Who::parse(&r.caller)
            .map(|x| word(lang, x))
            .unwrap_or_default(),
        channel_word: RequestChannel::parse(&r.channel)
            .map(|x| word(lang, x))
            .unwrap_or_default(),
        eligible_by: rules.describe(&r.eligible_by(), lang == Lang::Ko),
        services: services_words(lang, &r.services()),
        kit: kit_words(lang, &r.services()),
        basis,
        window: window_words(lang, &r.window_start, &r.window_end),
        r,
    };
    Ok(ctx.render(&page))
}

// ---------------------------------------------------------------------------------------------
// Rounds

#[derive(Template)]
#[template(path = "service_access/home_visits/rounds.html")]
struct RoundsPage {
    c: Chrome,
    rounds: Vec<RoundRow>,
    plans: bool,
    day: String,
    area: String,
    errs: Errors,
}

async fn rounds_list(
    state: &AppState,
    ctx: &Ctx,
    caller: &Caller,
    day: String,
    area: String,
    errs: Errors,
) -> Result<Response, ApiError> {
    let lang = ctx.lang;
    let rounds = super::visible_rounds(state, caller).await?;
    let status = if errs.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = RoundsPage {
        c: ctx
            .chrome()
            .crumb(lang.t("찾아가는 민원", "Home visits"), "/home-visits")
            .crumb(lang.t("방문 일정", "Rounds"), ""),
        rounds: rounds.iter().map(|r| round_row(lang, r)).collect(),
        plans: super::plans_rounds(state, caller).await?,
        day,
        area,
        errs,
    };
    Ok(ctx.render_status(status, &page))
}

async fn rounds_page(State(state): State<AppState>, ctx: Ctx) -> PageResult {
    let caller = ctx.staff_or_refuse()?;
    rounds_list(
        &state,
        &ctx,
        caller,
        String::new(),
        String::new(),
        Errors::default(),
    )
    .await
    .or_page(&ctx)
}

async fn create_round(
    State(state): State<AppState>,
    ctx: Ctx,
    PageForm(f): PageForm<Fields>,
) -> PageResult {
    let caller = ctx.staff_or_refuse()?;
    let (day, area) = (f.get("day"), f.get("area"));
    match super::create_round(&state, caller, day.parse().ok(), &area)
        .await
        .or_page(&ctx)?
    {
        Ok(r) => Ok(Redirect::to(&format!("/home-visits/rounds/{}", r.id)).into_response()),
        Err(bad) => {
            let errs = Errors::of(ctx.lang, &bad);
            rounds_list(&state, &ctx, caller, day, area, errs)
                .await
                .or_page(&ctx)
        }
    }
}

// ---------------------------------------------------------------------------------------------
// One round

struct StopRow {
    id: i64,
    position: i64,
    name: String,
    address: String,
    services: String,
    arrival: String,
    window: String,
    outcome: String,
    first: bool,
    last: bool,
}

struct TeamBlock {
    id: i64,
    name: String,
    members: String,
    hours: String,
    skills: String,
    cap: i64,
    start: String,
    stops: Vec<StopRow>,
}

struct LeftRow {
    id: i64,
    name: String,
    services: String,
    why: String,
}

struct Person {
    id: i64,
    name: String,
    on: bool,
}

/// The team form as typed.
#[derive(Debug, Clone)]
struct TeamForm {
    name: String,
    members: Vec<String>,
    starts: String,
    ends: String,
    break_start: String,
    break_minutes: String,
    max_visits: String,
    skills: Vec<String>,
    start_label: String,
    start_lat: String,
    start_lon: String,
}

impl Default for TeamForm {
    fn default() -> Self {
        TeamForm {
            name: String::new(),
            members: vec![],
            starts: "09:00".into(),
            ends: "17:00".into(),
            break_start: "12:00".into(),
            break_minutes: "60".into(),
            max_visits: "8".into(),
            skills: vec![],
            start_label: "예시군청".into(),
            start_lat: format!("{:.4}", hv::DEFAULT_POINT.0),
            start_lon: format!("{:.4}", hv::DEFAULT_POINT.1),
        }
    }
}

impl TeamForm {
    fn read(f: &Fields) -> Self {
        TeamForm {
            name: f.get("name"),
            members: f.all("members"),
            starts: f.get("starts"),
            ends: f.get("ends"),
            break_start: f.get("break_start"),
            break_minutes: f.get("break_minutes"),
            max_visits: f.get("max_visits"),
            skills: f.all("skills"),
            start_label: f.get("start_label"),
            start_lat: f.get("start_lat"),
            start_lon: f.get("start_lon"),
        }
    }

    fn draft(&self) -> TeamDraft {
        let time = |s: &str| NaiveTime::parse_from_str(s.trim(), "%H:%M").ok();
        TeamDraft {
            name: self.name.clone(),
            members: self.members.iter().filter_map(|m| m.parse().ok()).collect(),
            starts: time(&self.starts),
            ends: time(&self.ends),
            break_start: time(&self.break_start),
            break_minutes: self.break_minutes.parse().unwrap_or(0),
            max_visits: self.max_visits.parse().unwrap_or(0),
            skills: self
                .skills
                .iter()
                .filter_map(|k| Kit::parse(k).ok())
                .collect(),
            start_label: self.start_label.clone(),
            start_lat: self.start_lat.parse().unwrap_or(0.0),
            start_lon: self.start_lon.parse().unwrap_or(0.0),
        }
    }
}

#[derive(Template)]
#[template(path = "service_access/home_visits/round.html")]
struct RoundPage {
    c: Chrome,
    round: Round,
    state: String,
    plans: bool,
    editable: bool,
    visiting: bool,
    teams: Vec<TeamBlock>,
    left: Vec<LeftRow>,
    waiting: Vec<RequestRow>,
    people: Vec<Person>,
    kits: Vec<Choice>,
    tf: TeamForm,
    team_errs: Errors,
    error: Option<String>,
    error_id: &'static str,
    import_text: String,
    message: Option<String>,
    violations: Vec<String>,
}

#[derive(Default)]
struct RoundExtras {
    tf: Option<TeamForm>,
    team_errs: Errors,
    error: Option<(ApiError, &'static str)>,
    import_text: String,
    message: Option<String>,
    violations: Vec<String>,
}

async fn round_view(
    state: &AppState,
    ctx: &Ctx,
    caller: &Caller,
    id: i64,
    x: RoundExtras,
) -> Result<Response, ApiError> {
    let lang = ctx.lang;
    let round = super::round_for(state, caller, id, Action::Read).await?;
    let plans = super::plans_rounds(state, caller).await?
        && caller
            .permits(
                state,
                domain::access::Capability::HomeVisitRound,
                Action::Create,
                domain::access::Target::Department(round.department_id),
            )
            .await?;
    let teams = sh::teams(&state.db, id).await?;
    let stops = sh::stops(&state.db, id).await?;
    let outcome_word = |s: &Stop| {
        s.outcome
            .as_deref()
            .and_then(|o| Outcome::parse(o).ok())
            .map(|o| word(lang, o))
            .unwrap_or_default()
    };
    let blocks = teams
        .iter()
        .map(|t| {
            let mine: Vec<&Stop> = stops.iter().filter(|s| s.team_id == Some(t.id)).collect();
            let n = mine.len();
            TeamBlock {
                id: t.id,
                name: t.name.clone(),
                members: members_words(t),
                hours: format!(
                    "{}–{}{}",
                    t.starts,
                    t.ends,
                    t.break_start
                        .as_ref()
                        .map(|b| format!(
                            " ({} {b}, {}{})",
                            lang.t("휴식", "break"),
                            t.break_minutes,
                            lang.t("분", " min")
                        ))
                        .unwrap_or_default()
                ),
                skills: t
                    .skills
                    .iter()
                    .map(|k| word(lang, *k))
                    .collect::<Vec<_>>()
                    .join(", "),
                cap: t.max_visits,
                start: t.start_label.clone(),
                stops: mine
                    .iter()
                    .enumerate()
                    .map(|(i, s)| StopRow {
                        id: s.id,
                        position: s.position.unwrap_or(0),
                        name: s.name.clone(),
                        address: s.address.clone(),
                        services: services_words(lang, &s.services()),
                        arrival: format!(
                            "{}–{}",
                            s.arrival.clone().unwrap_or_default(),
                            s.departure.clone().unwrap_or_default()
                        ),
                        window: window_words(lang, &s.window_start, &s.window_end),
                        outcome: outcome_word(s),
                        first: i == 0,
                        last: i + 1 == n,
                    })
                    .collect(),
            }
        })
        .collect();
    let left = stops
        .iter()
        .filter(|s| s.team_id.is_none())
        .map(|s| LeftRow {
            id: s.id,
            name: s.name.clone(),
            services: services_words(lang, &s.services()),
            why: match lang {
                Lang::Ko if !s.left_out.is_empty() => s.left_out.clone(),
                Lang::En if !s.left_out_en.is_empty() => s.left_out_en.clone(),
                _ => lang.t("아직 계획하지 않음", "not planned yet").to_string(),
            },
        })
        .collect();
    let editable = round.state().editable() && plans;
    let waiting = if editable {
        super::visible_requests(state, caller)
            .await?
            .iter()
            .filter(|r| r.state() == RequestState::Eligible)
            .map(|r| request_row(lang, r))
            .collect()
    } else {
        vec![]
    };
    let tf = x.tf.unwrap_or_default();
    let people = if editable {
        store::office::accounts::list(&state.db, None)
            .await?
            .into_iter()
            .filter(|a| a.active && a.role.is_staff())
            .map(|a| Person {
                on: tf.members.contains(&a.id.to_string()),
                id: a.id,
                name: a.display_name,
            })
            .collect()
    } else {
        vec![]
    };
    let (error, error_id, status) = match &x.error {
        Some((e, at)) => (Some(lang.of(e).to_string()), *at, e.status),
        None if !x.team_errs.is_empty() => (None, "", StatusCode::UNPROCESSABLE_ENTITY),
        None => (None, "", StatusCode::OK),
    };
    let page = RoundPage {
        c: ctx
            .chrome()
            .crumb(lang.t("찾아가는 민원", "Home visits"), "/home-visits")
            .crumb(lang.t("방문 일정", "Rounds"), "/home-visits/rounds")
            .crumb(format!("{} {}", round.day, round.area), ""),
        state: round_state_word(lang, &round),
        visiting: round.state().visiting(),
        kits: choices(lang, Kit::ALL, |v| tf.skills.iter().any(|s| s == v)),
        round,
        plans,
        editable,
        teams: blocks,
        left,
        waiting,
        people,
        tf,
        team_errs: x.team_errs,
        error,
        error_id,
        import_text: x.import_text,
        message: x.message,
        violations: x.violations,
    };
    Ok(ctx.render_status(status, &page))
}

async fn round_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Query(done): Query<Done>,
) -> PageResult {
    let caller = ctx.staff_or_refuse()?;
    let lang = ctx.lang;
    let message = done.done.as_deref().map(|d| {
        match d {
            "planned" => lang.t("경로를 계획했습니다.", "The round is planned."),
            "moved" => lang.t(
                "순서를 바꾸고 도착 시간을 다시 계산했습니다.",
                "Moved; arrivals re-timed.",
            ),
            "published" => lang.t(
                "방문 일정을 확정했습니다. 빠진 신청은 다시 일정을 기다립니다.",
                "The round is published; visits left out wait for another round.",
            ),
            "team" => lang.t("팀을 추가했습니다.", "The team is added."),
            "requests" => lang.t(
                "신청을 일정에 넣었습니다.",
                "The requests are in the round.",
            ),
            _ => lang.t("저장했습니다.", "Saved."),
        }
        .to_string()
    });
    let x = RoundExtras {
        message,
        ..RoundExtras::default()
    };
    round_view(&state, &ctx, caller, id, x).await.or_page(&ctx)
}

/// After an action on the round page: back to it, or the page again with the error beside
/// the form it came from.
async fn after(
    state: &AppState,
    ctx: &Ctx,
    caller: &Caller,
    id: i64,
    r: Result<&'static str, (ApiError, &'static str)>,
    mut x: RoundExtras,
) -> PageResult {
    match r {
        Ok(done) => {
            Ok(Redirect::to(&format!("/home-visits/rounds/{id}?done={done}")).into_response())
        }
        Err(e) if e.0.status == StatusCode::FORBIDDEN || e.0.status == StatusCode::NOT_FOUND => {
            err_page(ctx, &e.0)
        }
        Err(e) => {
            x.error = Some(e);
            round_view(state, ctx, caller, id, x).await.or_page(ctx)
        }
    }
}

async fn add_team(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    PageForm(f): PageForm<Fields>,
) -> PageResult {
    let caller = ctx.staff_or_refuse()?;
    let tf = TeamForm::read(&f);
    match super::add_team(&state, caller, id, &tf.draft()).await {
        Ok(Ok(_)) => after(&state, &ctx, caller, id, Ok("team"), RoundExtras::default()).await,
        Ok(Err(bad)) => {
            let x = RoundExtras {
                team_errs: Errors::of(ctx.lang, &bad),
                tf: Some(tf),
                ..RoundExtras::default()
            };
            round_view(&state, &ctx, caller, id, x).await.or_page(&ctx)
        }
        Err(e) => {
            after(
                &state,
                &ctx,
                caller,
                id,
                Err((e, "team-form")),
                RoundExtras {
                    tf: Some(tf),
                    ..RoundExtras::default()
                },
            )
            .await
        }
    }
}

async fn add_requests(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    PageForm(f): PageForm<Fields>,
) -> PageResult {
    let caller = ctx.staff_or_refuse()?;
    let ids: Vec<i64> = f
        .all("request_ids")
        .iter()
        .filter_map(|x| x.parse().ok())
        .collect();
    let r = super::add_requests(&state, caller, id, &ids)
        .await
        .map(|_| "requests")
        .map_err(|e| (e, "requests-form"));
    after(&state, &ctx, caller, id, r, RoundExtras::default()).await
}

async fn plan(State(state): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> PageResult {
    let caller = ctx.staff_or_refuse()?;
    let r = super::plan(&state, caller, id, None)
        .await
        .map(|_| "planned")
        .map_err(|e| (e, "plan-form"));
    after(&state, &ctx, caller, id, r, RoundExtras::default()).await
}

async fn import(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    PageForm(f): PageForm<Fields>,
) -> PageResult {
    let caller = ctx.staff_or_refuse()?;
    let text = f.get("problem");
    let r = super::plan(&state, caller, id, Some(&text))
        .await
        .map(|_| "planned")
        .map_err(|e| (e, "import-form"));
    let x = RoundExtras {
        import_text: text,
        ..RoundExtras::default()
    };
    after(&state, &ctx, caller, id, r, x).await
}

async fn move_stop(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    PageForm(f): PageForm<Fields>,
) -> PageResult {
    let caller = ctx.staff_or_refuse()?;
    let lang = ctx.lang;
    let stop: u64 = f.get("stop").parse().unwrap_or(0);
    let to_team: Option<u64> = f.get("team").parse().ok();
    let teams = sh::teams(&state.db, id).await.or_page(&ctx)?;
    let stops = sh::stops(&state.db, id).await.or_page(&ctx)?;
    // A "to team" button sends only the team.
    let how = match f.get("how") {
        h if h.is_empty() && to_team.is_some() => "team".to_string(),
        h => h,
    };
    let routes = super::moved(super::routes_of(&teams, &stops), stop, &how, to_team);
    match super::reorder(&state, caller, id, &routes).await {
        Ok(v) if v.is_empty() => {
            after(
                &state,
                &ctx,
                caller,
                id,
                Ok("moved"),
                RoundExtras::default(),
            )
            .await
        }
        Ok(v) => {
            // Saved, but say what the hand order breaks.
            let names: std::collections::HashMap<i64, String> =
                stops.iter().map(|s| (s.id, s.name.clone())).collect();
            let violations = v
                .into_iter()
                .map(|(s, ko, en)| {
                    format!(
                        "{}: {}",
                        names.get(&(s as i64)).cloned().unwrap_or_default(),
                        lang.t(&ko, &en)
                    )
                })
                .collect();
            let x = RoundExtras {
                violations,
                message: Some(
                    lang.t(
                        "순서를 바꾸고 도착 시간을 다시 계산했습니다.",
                        "Moved; arrivals re-timed.",
                    )
                    .into(),
                ),
                ..RoundExtras::default()
            };
            round_view(&state, &ctx, caller, id, x).await.or_page(&ctx)
        }
        Err(e) => {
            after(
                &state,
                &ctx,
                caller,
                id,
                Err((e, "plan-form")),
                RoundExtras::default(),
            )
            .await
        }
    }
}

async fn publish(State(state): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> PageResult {
    let caller = ctx.staff_or_refuse()?;
    let r = super::publish(&state, caller, id)
        .await
        .map(|_| "published")
        .map_err(|e| (e, "publish-form"));
    after(&state, &ctx, caller, id, r, RoundExtras::default()).await
}

async fn export(State(state): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> PageResult {
    let caller = ctx.staff_or_refuse()?;
    super::round_for(&state, caller, id, Action::Read)
        .await
        .or_page(&ctx)?;
    let text = super::vroom_text(&state, id).await.or_page(&ctx)?;
    Ok((
        [
            (
                axum::http::header::CONTENT_TYPE,
                "application/json".to_string(),
            ),
            (
                axum::http::header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"round-{id}-vroom.json\""),
            ),
        ],
        text,
    )
        .into_response())
}

// ---------------------------------------------------------------------------------------------
// The stop

#[derive(Template)]
#[template(path = "service_access/home_visits/stop.html")]
struct StopPage {
    c: Chrome,
    round: Round,
    stop: Stop,
    team: String,
    services: String,
    kit: String,
    window: String,
    outcomes: Vec<Choice>,
    methods: Vec<Choice>,
    types: Vec<Choice>,
    f: OutcomeInput,
    errs: Errors,
    recorded: Option<String>,
    visiting: bool,
    error: Option<String>,
}

async fn stop_view(
    state: &AppState,
    ctx: &Ctx,
    caller: &Caller,
    (id, stop_id): (i64, i64),
    f: OutcomeInput,
    errs: Errors,
    error: Option<&ApiError>,
) -> Result<Response, ApiError> {
    let lang = ctx.lang;
    let round = super::round_for(state, caller, id, Action::Read).await?;
    let stop = sh::stops(&state.db, id)
        .await?
        .into_iter()
        .find(|s| s.id == stop_id)
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::NOT_FOUND,
                "stop_not_in_round",
                "이 방문 일정의 방문지가 아닙니다",
                "this stop is not part of this round",
            )
        })?;
    let team = match stop.team_id {
        Some(t) => sh::teams(&state.db, id)
            .await?
            .into_iter()
            .find(|x| x.id == t)
            .map(|x| x.name)
            .unwrap_or_default(),
        None => String::new(),
    };
    let recorded = sh::outcome(&state.db, stop_id).await?.map(|o| {
        let what = Outcome::parse(&o.outcome)
            .map(|x| word(lang, x))
            .unwrap_or_default();
        // Blank when nobody opened the door.
        let how = IdentityMethod::parse(&o.identity_method)
            .map(|x| format!(" ({})", word(lang, x)))
            .unwrap_or_default();
        let petition = o
            .petition_id
            .map(|p| {
                format!(
                    " · {} #{p}",
                    lang.t("현장 접수 민원", "petition filed on site")
                )
            })
            .unwrap_or_default();
        format!(
            "{what}{how}{petition} · {}",
            lang.t(
                "주민에게 문자 안내함",
                "the resident is told by text message"
            )
        )
    });
    let types = store::petitions::list_types(&state.db, false)
        .await?
        .into_iter()
        .filter(|t| t.active)
        .map(|t| Choice {
            on: f.petition_type_id == Some(t.id),
            value: t.id.to_string(),
            label: t.name,
        })
        .collect();
    let status = match error {
        Some(e) => e.status,
        None if !errs.is_empty() => StatusCode::UNPROCESSABLE_ENTITY,
        None => StatusCode::OK,
    };
    let page = StopPage {
        c: ctx
            .chrome()
            .crumb(lang.t("방문 일정", "Rounds"), "/home-visits/rounds")
            .crumb(
                format!("{} {}", round.day, round.area),
                &format!("/home-visits/rounds/{id}"),
            )
            .crumb(stop.name.clone(), ""),
        team,
        services: services_words(lang, &stop.services()),
        kit: kit_words(lang, &stop.services()),
        window: window_words(lang, &stop.window_start, &stop.window_end),
        outcomes: choices(lang, Outcome::ALL, |v| v == f.outcome),
        methods: choices(lang, IdentityMethod::ALL, |v| v == f.identity_method),
        types,
        recorded,
        visiting: round.state().visiting(),
        round,
        stop,
        f,
        errs,
        error: error.map(|e| lang.of(e).to_string()),
    };
    Ok(ctx.render_status(status, &page))
}

async fn stop_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, stop)): Path<(i64, i64)>,
) -> PageResult {
    let caller = ctx.staff_or_refuse()?;
    stop_view(
        &state,
        &ctx,
        caller,
        (id, stop),
        OutcomeInput::default(),
        Errors::default(),
        None,
    )
    .await
    .or_page(&ctx)
}

async fn record(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, stop)): Path<(i64, i64)>,
    PageForm(f): PageForm<Fields>,
) -> PageResult {
    let caller = ctx.staff_or_refuse()?;
    let input = OutcomeInput {
        outcome: f.get("outcome"),
        identity_method: f.get("identity_method"),
        notes: f.get("notes"),
        petition_type_id: f.get("petition_type_id").parse().ok(),
        petition_title: Some(f.get("petition_title")).filter(|t| !t.is_empty()),
    };
    match super::record(&state, caller, id, stop, &input).await {
        Ok(Ok(_)) => {
            Ok(Redirect::to(&format!("/home-visits/rounds/{id}/stops/{stop}")).into_response())
        }
        Ok(Err(bad)) => {
            let errs = Errors::of(ctx.lang, &bad);
            stop_view(&state, &ctx, caller, (id, stop), input, errs, None)
                .await
                .or_page(&ctx)
        }
        Err(e) if matches!(e.status, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND) => {
            err_page(&ctx, &e)
        }
        Err(e) => stop_view(
            &state,
            &ctx,
            caller,
            (id, stop),
            input,
            Errors::default(),
            Some(&e),
        )
        .await
        .or_page(&ctx),
    }
}
