//! Healing programs and wellbeing (issue 17, item 8): the organiser's switch for the
//! self-check before and after and the group's change (the only thing they see of it), a
//! participant's offers and their linked check, and placing a healing-program referral in a
//! session — an ordinary enrolment that the organiser cannot tell from a self-enrolment.
//!
//! Access: the organiser is whoever may update the catalogue (`Capability::Programs`, the
//! training officer). Starting a linked check is the participant's own wellbeing record
//! (`Capability::Wellbeing`). Placing asks the wellbeing policy about the referral (its owner
//! or an addressed counsellor) — never `ProgramEnrolment`, which a counsellor does not hold.

use crate::kit::auth::{ApiCaller, Caller};
use crate::kit::error::{ApiError, ErrorBody};
use crate::kit::form::{Fields, PageForm};
use crate::kit::json::ApiJson;
use crate::kit::page::{Chrome, Ctx, Lang, OrPage, PageResult, when};
use crate::protection::views::PageId;
use crate::wellbeing::api::Id;
use crate::{AppState, Audit, audited};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use domain::access::{Action, Capability, Target};
use domain::programs::ProgramKind;
use domain::programs::healing::{GroupChange, Phase, window};
use domain::wellbeing::{ReferralKind, ReferralStatus};
use serde::{Deserialize, Serialize};
use store::programs::healing::{self as sh, Facts};
use store::programs::{self as sp, Enrolment};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_self_check, put_self_check))
        .routes(routes!(get_offers))
        .routes(routes!(post_start))
        .routes(routes!(post_placement))
        .merge(pages().into())
}

fn pages() -> Router<AppState> {
    Router::new()
        .route(
            "/programs/sessions/{id}/self-check",
            get(organiser_page).post(switch_form),
        )
        .route(
            "/programs/sessions/{id}/self-check/{phase}/start",
            post(start_form),
        )
        .route("/wellbeing/referrals/{id}/place", post(place_form))
}

// ---------------------------------------------------------------------------------------------
// Actions shared by the API and the pages

async fn may_organise(state: &AppState, caller: &Caller) -> Result<(), ApiError> {
    caller
        .may(state, Capability::Programs, Action::Update, Target::Office)
        .await
}

/// Switch before and after on or off; returns how many participants were told now.
async fn switch(
    state: &AppState,
    caller: &Caller,
    session: i64,
    on: bool,
) -> Result<u64, ApiError> {
    may_organise(state, caller).await?;
    audited(state, caller, async |tx| {
        let told = sh::set_before_after(tx, session, on, store::now()).await?;
        let what = if on { "on" } else { "off" };
        Ok((
            told,
            Audit::new(
                format!("program_session:{session}"),
                "programs.session.self_check",
                what,
            ),
        ))
    })
    .await
}

/// The organiser's view: the switch and the group's change (suppressed below ten pairs).
async fn organiser_view(
    state: &AppState,
    caller: &Caller,
    session: i64,
) -> Result<(Facts, GroupChange), ApiError> {
    may_organise(state, caller).await?;
    let f = sh::facts(&state.db, session).await?;
    let battery = crate::wellbeing::api::battery(&state.db).await?;
    let g = sh::group_change(&state.db, session, &battery, store::now()).await?;
    Ok((f, g))
}

/// Start (or resume) the caller's own check for a session's phase.
async fn start(
    state: &AppState,
    caller: &Caller,
    session: i64,
    phase: &str,
) -> Result<(i64, bool), ApiError> {
    crate::wellbeing::api::require_own(state, caller, Action::Create).await?;
    let phase = Phase::parse(phase)?;
    let consent = store::wellbeing::consent(&state.db, caller.account.id).await?;
    if !consent.is_some_and(|c| c.is_active()) {
        return Err(crate::wellbeing::api::consent_required());
    }
    // Like an ordinary check, starting one is not logged: only the official sees it.
    let mut tx = state.db.begin().await?;
    let started = sh::start_linked(
        &mut tx,
        caller.account.id,
        caller.account.department_id,
        session,
        phase,
        store::now(),
    )
    .await?;
    tx.commit().await?;
    Ok(started)
}

/// Place a healing-program referral's owner in a session. The access-log entry is the one a
/// self-enrolment leaves (`programs.enrol` on the person, naming the session), so nothing in the
/// log, the roster or the messages tells the organiser where the place came from.
async fn place(
    state: &AppState,
    caller: &Caller,
    referral: i64,
    session: i64,
) -> Result<Enrolment, ApiError> {
    let r = crate::wellbeing::api::referral_for(state, caller, referral, Action::Update).await?;
    if ReferralKind::parse(&r.kind)? != ReferralKind::HealingProgram {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "not_healing_referral",
            "힐링 프로그램 참여 요청이 아닙니다",
            "this referral does not ask for a healing program",
        ));
    }
    let status = ReferralStatus::parse(&r.status)?;
    if status == ReferralStatus::Closed {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "referral_closed",
            "종결된 요청입니다",
            "this referral is closed",
        ));
    }
    if r.owner_id != caller.account.id && status == ReferralStatus::Open {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "referral_not_accepted",
            "요청을 먼저 확인(수락)한 뒤 배정해 주세요",
            "acknowledge the request before placing them",
        ));
    }
    let owner = r.owner_id;
    let person = sp::person(&state.db, owner).await?;
    let rule = sp::requirement(&state.db).await?;
    let now = store::now();
    let credited = sp::credited_minutes(&state.db, owner, sp::korean_year(now)).await?;
    let short = rule.short_by(person.grade, credited);
    audited(state, caller, async |tx| {
        let e = sh::place_referral(tx, referral, session, &person, short, now).await?;
        Ok((
            e,
            Audit::new(
                format!("account:{owner}"),
                "programs.enrol",
                &format!("session:{session}"),
            ),
        ))
    })
    .await
}

// ---------------------------------------------------------------------------------------------
// JSON API

#[derive(Serialize, ToSchema)]
pub struct SelfCheckView {
    session_id: i64,
    before_after: bool,
    /// The check before: from enrolment until this instant (the first day's start).
    pre_closes: chrono::DateTime<chrono::Utc>,
    post_opens: chrono::DateTime<chrono::Utc>,
    post_closes: chrono::DateTime<chrono::Utc>,
    /// `status`: `too_few` (fewer than 10 pairs), `waiting` (`until` the after-window closes)
    /// or `shown` with `rows`: per instrument the means before and after and the change.
    #[schema(value_type = Object)]
    group: GroupChange,
}

fn self_check_view(f: &Facts, group: GroupChange) -> SelfCheckView {
    let (post_opens, post_closes) = window(Phase::Post, f.first_start, f.last_end);
    SelfCheckView {
        session_id: f.session_id,
        before_after: f.before_after,
        pre_closes: f.first_start,
        post_opens: post_opens.unwrap_or(f.last_end),
        post_closes,
        group,
    }
}

/// The self-check before and after of a session (organiser only): the switch and the group's
/// change, never anyone's score.
#[utoipa::path(get, path = "/api/v1/programs/sessions/{id}/self-check", tag = "programs", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 200, body = SelfCheckView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn get_self_check(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Id(id): Id,
) -> Result<Json<SelfCheckView>, ApiError> {
    let (f, g) = organiser_view(&state, &caller, id).await?;
    Ok(Json(self_check_view(&f, g)))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SwitchRequest {
    before_after: bool,
}

#[derive(Serialize, ToSchema)]
pub struct Switched {
    before_after: bool,
    /// Participants told now that the check is offered.
    told: u64,
}

/// Switch the self-check before and after on or off (organiser; healing programs only).
#[utoipa::path(put, path = "/api/v1/programs/sessions/{id}/self-check", tag = "programs", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = SwitchRequest,
    responses((status = 200, body = Switched), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn put_self_check(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Id(id): Id,
    ApiJson(r): ApiJson<SwitchRequest>,
) -> Result<Json<Switched>, ApiError> {
    let told = switch(&state, &caller, id, r.before_after).await?;
    Ok(Json(Switched {
        before_after: r.before_after,
        told,
    }))
}

/// The self-checks offered to the caller now, with how far they are.
#[utoipa::path(get, path = "/api/v1/programs/self-checks", tag = "programs", security(("bearer" = [])),
    responses((status = 200, body = Vec<Object>), (status = 403, body = ErrorBody)))]
async fn get_offers(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
) -> Result<Json<Vec<sh::Offer>>, ApiError> {
    crate::wellbeing::api::require_own(&state, &caller, Action::Read).await?;
    Ok(Json(
        sh::offers_for(&state.db, caller.account.id, store::now()).await?,
    ))
}

#[derive(Serialize, ToSchema)]
pub struct StartedCheck {
    /// The wellbeing check to answer (`/api/v1/wellbeing/checks/{id}`).
    check_id: i64,
    created: bool,
}

/// Start (or resume) the caller's self-check for a session's phase (`pre` or `post`): the
/// ordinary wellbeing check, under the wellbeing consent, linked to the session on the
/// caller's side only.
#[utoipa::path(post, path = "/api/v1/programs/sessions/{id}/self-check/{phase}", tag = "programs", security(("bearer" = [])),
    params(("id" = i64, Path), ("phase" = String, Path)),
    responses((status = 201, body = StartedCheck), (status = 200, body = StartedCheck), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn post_start(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path((id, phase)): Path<(i64, String)>,
) -> Result<Response, ApiError> {
    let (check_id, created) = start(&state, &caller, id, &phase).await?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(StartedCheck { check_id, created })).into_response())
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlacementRequest {
    session_id: i64,
}

/// Place the owner of a healing-program referral in an upcoming healing session (the
/// counsellor who acknowledged it, or the owner). The enrolment is an ordinary self-enrolment:
/// approval when the program needs it, the waitlist when full.
#[utoipa::path(post, path = "/api/v1/wellbeing/referrals/{id}/placement", tag = "wellbeing", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = PlacementRequest,
    responses((status = 201, body = Object), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn post_placement(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Id(id): Id,
    ApiJson(r): ApiJson<PlacementRequest>,
) -> Result<(StatusCode, Json<Enrolment>), ApiError> {
    let e = place(&state, &caller, id, r.session_id).await?;
    Ok((StatusCode::CREATED, Json(e)))
}

// ---------------------------------------------------------------------------------------------
// Views shared with the programs and wellbeing pages

fn title_of(lang: Lang, ko: &str, en: &str, label: &str) -> String {
    let t = match lang {
        Lang::En if !en.trim().is_empty() => en,
        _ => ko,
    };
    if label.is_empty() {
        t.to_string()
    } else {
        format!("{t} {label}")
    }
}

fn dates(f: &Facts) -> String {
    let first = calendar::to_seoul(f.first_start).format("%Y-%m-%d");
    let last = calendar::to_seoul(f.last_end).format("%Y-%m-%d");
    if first.to_string() == last.to_string() {
        first.to_string()
    } else {
        format!("{first} ~ {last}")
    }
}

/// An upcoming healing session to choose.
pub(crate) struct SessionChoice {
    pub id: i64,
    pub label: String,
}

/// Upcoming healing sessions; for a person, those they hold or ask for no place on.
pub(crate) async fn healing_choices(
    state: &AppState,
    lang: Lang,
    person: Option<domain::AccountId>,
) -> Result<Vec<SessionChoice>, ApiError> {
    let taken: Vec<i64> = match person {
        Some(who) => sp::enrolments_of(&state.db, who)
            .await?
            .iter()
            .filter(|e| e.state.is_active())
            .map(|e| e.session_id)
            .collect(),
        None => Vec::new(),
    };
    Ok(sh::upcoming_healing(&state.db, store::now())
        .await?
        .iter()
        .filter(|f| !taken.contains(&f.session_id))
        .map(|f| SessionChoice {
            id: f.session_id,
            label: format!(
                "{} · {}",
                title_of(lang, &f.title, &f.title_en, &f.label),
                dates(f)
            ),
        })
        .collect())
}

/// A self-check offered on the participant's programs page.
pub(crate) struct OfferView {
    pub session_id: i64,
    pub title: String,
    pub phase: &'static str,
    pub phase_words: String,
    pub closes: String,
    /// `new`, `started` or `done`.
    pub progress: &'static str,
    pub check_id: Option<i64>,
}

pub(crate) async fn offer_views(
    state: &AppState,
    caller: &Caller,
    lang: Lang,
) -> Result<Vec<OfferView>, ApiError> {
    Ok(sh::offers_for(&state.db, caller.account.id, store::now())
        .await?
        .into_iter()
        .map(|o| OfferView {
            session_id: o.session_id,
            title: title_of(lang, &o.title, &o.title_en, &o.label),
            phase: o.phase.as_str(),
            phase_words: match o.phase {
                Phase::Pre => lang.t("사전 자가점검", "Self-check before").to_string(),
                Phase::Post => lang.t("사후 자가점검", "Self-check after").to_string(),
            },
            closes: when(o.closes),
            progress: match (o.check_id, o.completed) {
                (_, true) => "done",
                (Some(_), false) => "started",
                (None, false) => "new",
            },
            check_id: o.check_id,
        })
        .collect())
}

/// A healing-program referral on the counsellor's page: placed, or to place.
pub(crate) struct PlacementRow {
    pub id: i64,
    pub owner: String,
    pub placed: Option<String>,
    pub acknowledged: bool,
}

pub(crate) async fn placement_rows(
    state: &AppState,
    lang: Lang,
    referrals: &[store::wellbeing::Referral],
) -> Result<Vec<PlacementRow>, ApiError> {
    let mut out = Vec::new();
    for r in referrals {
        if r.kind != ReferralKind::HealingProgram.as_str()
            || (r.status == ReferralStatus::Closed.as_str() && r.placed_session_id.is_none())
        {
            continue;
        }
        let placed = match r.placed_session_id {
            Some(s) => {
                let f = sh::facts(&state.db, s).await?;
                Some(format!(
                    "{} · {}",
                    title_of(lang, &f.title, &f.title_en, &f.label),
                    dates(&f)
                ))
            }
            None => None,
        };
        out.push(PlacementRow {
            id: r.id,
            owner: r.owner_name.clone(),
            placed,
            acknowledged: r.status == ReferralStatus::Acknowledged.as_str(),
        });
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// The organiser's page

struct ChangeView {
    name: String,
    shown: bool,
    pairs: i64,
    before: String,
    after: String,
    change: String,
}

#[derive(Template)]
#[template(path = "programs/healing_session.html")]
struct OrganiserPage {
    c: Chrome,
    id: i64,
    heading: String,
    healing: bool,
    cancelled: bool,
    on: bool,
    pre_closes: String,
    post_opens: String,
    post_closes: String,
    /// `too_few`, `waiting` or `shown`.
    status: &'static str,
    until: String,
    rows: Vec<ChangeView>,
    message: Option<String>,
    error: Option<String>,
}

fn signed(x: f64) -> String {
    if x > 0.0 {
        format!("+{x:.1}")
    } else if x < 0.0 {
        format!("−{:.1}", -x)
    } else {
        "0.0".into()
    }
}

async fn organiser_screen(
    state: &AppState,
    ctx: &Ctx,
    caller: &Caller,
    id: i64,
    message: Option<String>,
    error: Option<&ApiError>,
) -> Result<Response, ApiError> {
    let lang = ctx.lang;
    let (f, g) = organiser_view(state, caller, id).await?;
    let (post_opens, post_closes) = window(Phase::Post, f.first_start, f.last_end);
    let (status, until, rows) = match g {
        GroupChange::TooFew => ("too_few", String::new(), Vec::new()),
        GroupChange::Waiting { until } => ("waiting", when(until), Vec::new()),
        GroupChange::Shown { rows } => (
            "shown",
            String::new(),
            rows.iter()
                .map(|r| ChangeView {
                    name: lang.t(&r.ko, &r.en).to_string(),
                    shown: r.means.is_some(),
                    pairs: r.means.as_ref().map_or(0, |m| m.pairs),
                    before: r
                        .means
                        .as_ref()
                        .map_or(String::new(), |m| format!("{:.1}", m.before)),
                    after: r
                        .means
                        .as_ref()
                        .map_or(String::new(), |m| format!("{:.1}", m.after)),
                    change: r.means.as_ref().map_or(String::new(), |m| signed(m.change)),
                })
                .collect(),
        ),
    };
    let page = OrganiserPage {
        c: ctx.chrome(),
        id,
        heading: title_of(lang, &f.title, &f.title_en, &f.label),
        healing: f.kind == ProgramKind::Healing,
        cancelled: f.cancelled,
        on: f.before_after,
        pre_closes: when(f.first_start),
        post_opens: when(post_opens.unwrap_or(f.last_end)),
        post_closes: when(post_closes),
        status,
        until,
        rows,
        message,
        error: error.map(|e| lang.of(e).to_string()),
    };
    Ok(match error {
        Some(e) => ctx.render_status(e.status, &page),
        None => ctx.render(&page),
    })
}

#[derive(Deserialize, Default)]
struct Done {
    done: Option<String>,
}

async fn organiser_page(
    State(state): State<AppState>,
    ctx: Ctx,
    PageId(id): PageId,
    Query(d): Query<Done>,
) -> PageResult {
    let caller = ctx.staff_or_refuse()?;
    // Said only after the switch was saved (the redirect comes from a successful write).
    let message = match d.done.as_deref() {
        Some("on") => Some(ctx.lang.t(
            "자가점검 사전·사후를 켰습니다. 참가자에게 안내했습니다.",
            "The self-check before and after is on; participants have been told.",
        )),
        Some("off") => Some(ctx.lang.t(
            "자가점검 사전·사후를 껐습니다.",
            "The self-check before and after is off.",
        )),
        _ => None,
    };
    organiser_screen(&state, &ctx, caller, id, message.map(str::to_string), None)
        .await
        .or_page(&ctx)
}

async fn switch_form(
    State(state): State<AppState>,
    ctx: Ctx,
    PageId(id): PageId,
    PageForm(f): PageForm<Fields>,
) -> PageResult {
    let caller = ctx.staff_or_refuse()?;
    let on = f.get("before_after") == "on";
    match switch(&state, caller, id, on).await {
        Ok(_) => {
            let done = if on { "on" } else { "off" };
            Ok(
                Redirect::to(&format!("/programs/sessions/{id}/self-check?done={done}"))
                    .into_response(),
            )
        }
        Err(e) if e.status == StatusCode::FORBIDDEN || e.status == StatusCode::NOT_FOUND => {
            Err(ctx.fail(&e))
        }
        Err(e) => organiser_screen(&state, &ctx, caller, id, None, Some(&e))
            .await
            .or_page(&ctx),
    }
}

// ---------------------------------------------------------------------------------------------
// The participant's and the counsellor's forms

async fn start_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, phase)): Path<(String, String)>,
) -> PageResult {
    let caller = ctx.staff_or_refuse()?;
    let Ok(id) = id.parse::<i64>() else {
        return Err(ctx.fail(&ApiError::not_found()));
    };
    match start(&state, caller, id, &phase).await {
        Ok((check, _)) => Ok(Redirect::to(&format!("/wellbeing/checks/{check}")).into_response()),
        Err(e) if e.code == "consent_required" => {
            Ok(Redirect::to("/wellbeing/consent").into_response())
        }
        Err(e) => {
            let mut page = super::pages::home_with_error(&state, &ctx, caller, &e)
                .await
                .or_page(&ctx)?;
            *page.status_mut() = e.status;
            Ok(page)
        }
    }
}

async fn place_form(
    State(state): State<AppState>,
    ctx: Ctx,
    PageId(id): PageId,
    PageForm(f): PageForm<Fields>,
) -> PageResult {
    let caller = ctx.staff_or_refuse()?;
    let session = f.get("session_id").parse::<i64>().map_err(|_| {
        ctx.fail(&ApiError::new(
            StatusCode::BAD_REQUEST,
            "session_required",
            "회차를 고르세요",
            "choose a session",
        ))
    })?;
    place(&state, caller, id, session).await.or_page(&ctx)?;
    let back = if f.get("back") == "/wellbeing" {
        "/wellbeing"
    } else {
        "/wellbeing/counsellor"
    };
    Ok(Redirect::to(back).into_response())
}
