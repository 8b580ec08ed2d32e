//! The organiser's attendance (출석부): marks per person and day, walk-ins and their matching,
//! closing (completion and certificates), the printable sign-in sheet with one page per day, and
//! the department contact's broadcast audience.

use super::{minutes, organiser_of, session_name, show};
use crate::kit::auth::{ApiCaller, Caller};
use crate::kit::error::{ApiError, ErrorBody};
use crate::kit::form::PageForm;
use crate::kit::json::ApiJson;
use crate::kit::page::{Chrome, Ctx, Lang, OrPage, PageResult, when};
use crate::protection::views::PageId;
use crate::wellbeing::api::Id;
use crate::{AppState, Audit, audited};
use askama::Template;
use axum::Json;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use domain::access::{Action, Capability, Target};
use domain::programs::AttendanceStatus;
use domain::programs::completion::Outcome;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use store::programs::attendance::{self as att, Audience, Day, Mark, Participant, WalkIn};
use store::programs::completion::{self as comp, Judged};
use utoipa::ToSchema;

/// Everything the attendance page and its JSON twin show.
#[derive(Serialize, ToSchema)]
pub struct AttendanceView {
    pub session_id: i64,
    pub closed: bool,
    #[schema(value_type = Vec<Object>)]
    pub days: Vec<Day>,
    #[schema(value_type = Vec<Object>)]
    pub participants: Vec<Participant>,
    #[schema(value_type = Vec<Object>)]
    pub marks: Vec<Mark>,
    #[schema(value_type = Vec<Object>)]
    pub walk_ins: Vec<WalkIn>,
    #[schema(value_type = Vec<Object>)]
    pub audience: Vec<Audience>,
    #[schema(value_type = Vec<Object>)]
    pub completed: Vec<comp::Completed>,
}

pub(crate) async fn attendance_view(
    state: &AppState,
    caller: &Caller,
    id: i64,
) -> Result<AttendanceView, ApiError> {
    organiser_of(state, caller, id).await?;
    let db = &state.db;
    let days = att::days(db, id).await?;
    Ok(AttendanceView {
        session_id: id,
        closed: comp::is_closed(&days),
        days,
        participants: att::participants(db, id).await?,
        marks: att::marks(db, id).await?,
        walk_ins: att::walk_ins(db, id).await?,
        audience: att::audience(db, id).await?,
        completed: comp::completed(db, id).await?,
    })
}

/// A session's attendance: days, people enrolled, marks, walk-ins, broadcast audience and, once
/// closed, completions (organiser only).
#[utoipa::path(get, path = "/api/v1/programs/sessions/{id}/attendance", tag = "programs", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 200, body = AttendanceView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(crate) async fn attendance_api(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Id(id): Id,
) -> Result<Json<AttendanceView>, ApiError> {
    Ok(Json(attendance_view(&state, &caller, id).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MarkRequest {
    pub day_id: i64,
    pub enrolment_id: i64,
    /// present | late | partial | absent | excused
    pub status: String,
    /// Minutes attended: required for partial, optional for late.
    #[serde(default, deserialize_with = "crate::kit::form::empty_as_none")]
    pub minutes: Option<i64>,
}

async fn mark(
    state: &AppState,
    caller: &Caller,
    id: i64,
    req: &MarkRequest,
) -> Result<i64, ApiError> {
    organiser_of(state, caller, id).await?;
    if att::day_session(&state.db, req.day_id).await? != id {
        return Err(ApiError::not_found());
    }
    let status = AttendanceStatus::parse(&req.status)?;
    let now = store::now();
    audited(state, caller, async |tx| {
        let worth = att::mark(
            tx,
            req.day_id,
            req.enrolment_id,
            status,
            req.minutes,
            caller.account.id,
            now,
        )
        .await?;
        Ok((
            worth,
            Audit::new(
                format!("program_enrolment:{}", req.enrolment_id),
                "programs.attendance.mark",
                status.as_str(),
            ),
        ))
    })
    .await
}

/// Mark one enrolled person's attendance on one day (replacing an earlier mark).
#[utoipa::path(put, path = "/api/v1/programs/sessions/{id}/attendance", tag = "programs", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = MarkRequest,
    responses((status = 200, body = Object), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub(crate) async fn mark_api(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Id(id): Id,
    ApiJson(req): ApiJson<MarkRequest>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let worth = mark(&state, &caller, id, &req).await?;
    Ok(Json(serde_json::json!({ "minutes": worth })))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WalkInRequest {
    pub day_id: i64,
    pub name: String,
    #[serde(default, deserialize_with = "crate::kit::form::empty_as_none")]
    pub department_id: Option<i64>,
}

async fn walk_in(
    state: &AppState,
    caller: &Caller,
    id: i64,
    req: &WalkInRequest,
) -> Result<i64, ApiError> {
    organiser_of(state, caller, id).await?;
    if att::day_session(&state.db, req.day_id).await? != id {
        return Err(ApiError::not_found());
    }
    let now = store::now();
    audited(state, caller, async |tx| {
        let w = att::add_walk_in(
            tx,
            req.day_id,
            &req.name,
            req.department_id,
            caller.account.id,
            now,
        )
        .await?;
        Ok((
            w,
            Audit::new(format!("program_session:{id}"), "programs.walk_in", ""),
        ))
    })
    .await
}

/// Record someone present who is not enrolled (kept until matched to an account).
#[utoipa::path(post, path = "/api/v1/programs/sessions/{id}/walk-ins", tag = "programs", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = WalkInRequest,
    responses((status = 201, body = Object), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub(crate) async fn walk_in_api(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Id(id): Id,
    ApiJson(req): ApiJson<WalkInRequest>,
) -> Result<Response, ApiError> {
    let w = walk_in(&state, &caller, id, &req).await?;
    Ok((
        axum::http::StatusCode::CREATED,
        Json(serde_json::json!({ "id": w })),
    )
        .into_response())
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MatchRequest {
    pub account_id: i64,
}

async fn match_walk_in(
    state: &AppState,
    caller: &Caller,
    walk_in_id: i64,
    account_id: i64,
) -> Result<(i64, i64), ApiError> {
    let session = att::walk_in_session(&state.db, walk_in_id).await?;
    organiser_of(state, caller, session).await?;
    let now = store::now();
    let e = audited(state, caller, async |tx| {
        let e = att::match_walk_in(tx, walk_in_id, account_id, caller.account.id, now).await?;
        Ok((
            e,
            Audit::new(
                format!("account:{account_id}"),
                "programs.walk_in.match",
                "",
            ),
        ))
    })
    .await?;
    Ok((session, e))
}

/// Match a walk-in to an official's account: they get an enrolment and the walk-in's attendance.
#[utoipa::path(post, path = "/api/v1/programs/walk-ins/{id}/match", tag = "programs", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = MatchRequest,
    responses((status = 200, body = Object), (status = 400, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub(crate) async fn match_api(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Id(id): Id,
    ApiJson(req): ApiJson<MatchRequest>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let (_, e) = match_walk_in(&state, &caller, id, req.account_id).await?;
    Ok(Json(serde_json::json!({ "enrolment_id": e })))
}

async fn close(state: &AppState, caller: &Caller, id: i64) -> Result<Vec<Judged>, ApiError> {
    organiser_of(state, caller, id).await?;
    let now = store::now();
    audited(state, caller, async |tx| {
        let judged = comp::close(tx, id, caller.account.id, now).await?;
        Ok((
            judged,
            Audit::new(format!("program_session:{id}"), "programs.close", ""),
        ))
    })
    .await
}

/// Close a finished session: every participant is judged by the program's completion rule,
/// recognised minutes are credited once and certificates issued.
#[utoipa::path(post, path = "/api/v1/programs/sessions/{id}/close", tag = "programs", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 200, body = Object), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub(crate) async fn close_api(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Id(id): Id,
) -> Result<Json<Vec<Judged>>, ApiError> {
    Ok(Json(close(&state, &caller, id).await?))
}

// ---- the attendance page ----

pub(crate) struct Cell {
    day_id: i64,
    /// The day's name, for the cell's label when the table turns into cards on a phone.
    day: String,
    status: String,
    minutes: String,
    label: String,
}

pub(crate) struct Row {
    enrolment_id: i64,
    name: String,
    department: String,
    cells: Vec<Cell>,
    attended: String,
    outcome: String,
    certificate_id: Option<i64>,
}

pub(crate) struct DayCol {
    id: i64,
    label: String,
    open_now: bool,
}

pub(crate) struct WalkInRow {
    id: i64,
    name: String,
    department: String,
    recorded: String,
    matched: bool,
    /// The officials to match with, the likely one chosen.
    options: Vec<(i64, String, bool)>,
}

pub(crate) struct AudienceRow {
    day: String,
    department: String,
    headcount: i64,
    names: String,
}

#[derive(Template)]
#[template(path = "programs/learning_attendance.html")]
pub(crate) struct AttendancePage {
    c: Chrome,
    session_id: i64,
    program_id: i64,
    name: String,
    closed: bool,
    hybrid: bool,
    days: Vec<DayCol>,
    rows: Vec<Row>,
    walk_ins: Vec<WalkInRow>,
    audience: Vec<AudienceRow>,
    statuses: Vec<(&'static str, String)>,
    departments: Vec<(i64, String)>,
    message: Option<String>,
    error: Option<String>,
}

fn day_label(lang: Lang, d: &Day) -> String {
    let start = calendar::to_seoul(d.starts_at).format("%H:%M");
    let end = calendar::to_seoul(d.ends_at).format("%H:%M");
    match lang {
        Lang::Ko => format!("{} {start}–{end}", d.day.format("%m월 %d일")),
        Lang::En => format!("{} {start}–{end}", d.day.format("%d %b")),
    }
}

async fn attendance_screen(
    state: &AppState,
    ctx: &Ctx,
    caller: &Caller,
    id: i64,
    message: Option<String>,
    error: Option<&ApiError>,
) -> PageResult {
    let lang = ctx.lang;
    let facts = organiser_of(state, caller, id).await.or_page(ctx)?;
    let v = attendance_view(state, caller, id).await.or_page(ctx)?;
    let now = store::now();
    let by: HashMap<(i64, i64), &Mark> = v
        .marks
        .iter()
        .filter_map(|m| m.enrolment_id.map(|e| ((m.session_day_id, e), m)))
        .collect();
    let done: HashMap<i64, &comp::Completed> =
        v.completed.iter().map(|c| (c.enrolment_id, c)).collect();
    let rows = v
        .participants
        .iter()
        .map(|p| {
            let cells = v
                .days
                .iter()
                .map(|d| {
                    let m = by.get(&(d.id, p.enrolment_id));
                    let status = m.map(|m| m.status.clone()).unwrap_or_default();
                    let label = AttendanceStatus::parse(&status)
                        .map(|s| lang.t(s.korean(), s.english()).to_string())
                        .unwrap_or_else(|_| lang.t("기록 없음", "Not recorded").to_string());
                    Cell {
                        day_id: d.id,
                        day: day_label(lang, d),
                        minutes: m
                            .filter(|m| m.status == "partial" || m.status == "late")
                            .map(|m| m.minutes.to_string())
                            .unwrap_or_default(),
                        status,
                        label,
                    }
                })
                .collect();
            let attended: i64 = v
                .marks
                .iter()
                .filter(|m| m.enrolment_id == Some(p.enrolment_id))
                .map(|m| m.minutes)
                .sum();
            let (outcome, certificate_id) = match (v.closed, done.get(&p.enrolment_id)) {
                (true, Some(c)) => (
                    format!(
                        "{} · {}",
                        lang.t(Outcome::Completed.korean(), Outcome::Completed.english()),
                        minutes(lang, c.credited_minutes)
                    ),
                    c.certificate_id,
                ),
                (true, None) => (lang.t("미이수", "Not completed").to_string(), None),
                (false, _) => (String::new(), None),
            };
            Row {
                enrolment_id: p.enrolment_id,
                name: p.name.clone(),
                department: p.department.clone(),
                cells,
                attended: minutes(lang, attended),
                outcome,
                certificate_id,
            }
        })
        .collect();
    let accounts = store::office::accounts::list(&state.db, None)
        .await
        .or_page(ctx)?;
    let officials: Vec<(i64, String)> = accounts
        .iter()
        .filter(|a| a.active && a.role.is_staff())
        .map(|a| (a.id, a.display_name.clone()))
        .collect();
    let departments = store::office::departments::list(&state.db)
        .await
        .or_page(ctx)?
        .into_iter()
        .filter(|d| d.active)
        .map(|d| {
            let name = match lang {
                Lang::En if !d.name_en.is_empty() => d.name_en,
                _ => d.name,
            };
            (d.id, name)
        })
        .collect();
    let day_names: HashMap<i64, String> =
        v.days.iter().map(|d| (d.id, day_label(lang, d))).collect();
    let page = AttendancePage {
        c: ctx.chrome(),
        session_id: id,
        program_id: facts.program_id,
        name: session_name(lang, &facts),
        closed: v.closed,
        hybrid: facts.delivery == "hybrid",
        days: v
            .days
            .iter()
            .map(|d| DayCol {
                id: d.id,
                label: day_label(lang, d),
                open_now: d.check_in_open(now),
            })
            .collect(),
        rows,
        walk_ins: v
            .walk_ins
            .iter()
            .map(|w| WalkInRow {
                id: w.id,
                name: w.name.clone(),
                department: w.department_name.clone(),
                recorded: when(w.recorded_at),
                matched: w.matched_at.is_some(),
                options: {
                    // Their own account when they checked in themselves, else the one official
                    // of that name.
                    let same: Vec<_> = officials.iter().filter(|(_, n)| *n == w.name).collect();
                    let likely = w
                        .account_id
                        .or_else(|| (same.len() == 1).then(|| same[0].0));
                    officials
                        .iter()
                        .map(|(id, n)| (*id, n.clone(), Some(*id) == likely))
                        .collect()
                },
            })
            .collect(),
        audience: v
            .audience
            .iter()
            .map(|a| AudienceRow {
                day: day_names
                    .get(&a.session_day_id)
                    .cloned()
                    .unwrap_or_default(),
                department: a.department.clone(),
                headcount: a.headcount,
                names: a.names.lines().collect::<Vec<_>>().join(", "),
            })
            .collect(),
        statuses: AttendanceStatus::ALL
            .iter()
            .map(|s| (s.as_str(), lang.t(s.korean(), s.english()).to_string()))
            .collect(),
        departments,
        message,
        error: error.map(|e| lang.of(e).to_string()),
    };
    Ok(show(ctx, &page, error))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct Done {
    done: String,
}

fn done_message(lang: Lang, done: &str) -> Option<String> {
    let (ko, en) = match done {
        "mark" => ("출석을 기록했습니다.", "Attendance recorded."),
        "walk_in" => ("현장 참석자를 기록했습니다.", "Walk-in recorded."),
        "match" => (
            "현장 참석자를 계정과 연결했습니다. 출석이 그 사람의 기록으로 옮겨졌습니다.",
            "Walk-in matched; their attendance moved to the account.",
        ),
        _ => return None,
    };
    Some(lang.t(ko, en).to_string())
}

pub(crate) async fn attendance_page(
    State(state): State<AppState>,
    ctx: Ctx,
    PageId(id): PageId,
    Query(d): Query<Done>,
) -> PageResult {
    let caller = ctx.staff_or_refuse()?;
    attendance_screen(
        &state,
        &ctx,
        caller,
        id,
        done_message(ctx.lang, &d.done),
        None,
    )
    .await
}

async fn after<T>(
    state: &AppState,
    ctx: &Ctx,
    caller: &Caller,
    id: i64,
    done: &str,
    r: Result<T, ApiError>,
) -> PageResult {
    match r {
        Ok(_) => Ok(
            Redirect::to(&format!("/programs/sessions/{id}/attendance?done={done}"))
                .into_response(),
        ),
        Err(e) => attendance_screen(state, ctx, caller, id, None, Some(&e)).await,
    }
}

pub(crate) async fn mark_form(
    State(state): State<AppState>,
    ctx: Ctx,
    PageId(id): PageId,
    PageForm(req): PageForm<MarkRequest>,
) -> PageResult {
    let caller = ctx.staff_or_refuse()?;
    let r = mark(&state, caller, id, &req).await;
    after(&state, &ctx, caller, id, "mark", r).await
}

pub(crate) async fn walk_in_form(
    State(state): State<AppState>,
    ctx: Ctx,
    PageId(id): PageId,
    PageForm(req): PageForm<WalkInRequest>,
) -> PageResult {
    let caller = ctx.staff_or_refuse()?;
    let r = walk_in(&state, caller, id, &req).await;
    after(&state, &ctx, caller, id, "walk_in", r).await
}

pub(crate) async fn match_form(
    State(state): State<AppState>,
    ctx: Ctx,
    PageId(id): PageId,
    PageForm(req): PageForm<MatchRequest>,
) -> PageResult {
    let caller = ctx.staff_or_refuse()?;
    let session = att::walk_in_session(&state.db, id)
        .await
        .map_err(ApiError::from)
        .or_page(&ctx)?;
    let r = match_walk_in(&state, caller, id, req.account_id).await;
    after(&state, &ctx, caller, session, "match", r).await
}

pub(crate) async fn close_form(
    State(state): State<AppState>,
    ctx: Ctx,
    PageId(id): PageId,
) -> PageResult {
    let caller = ctx.staff_or_refuse()?;
    match close(&state, caller, id).await {
        Ok(judged) => {
            let n = judged
                .iter()
                .filter(|j| j.outcome == Outcome::Completed)
                .count();
            let message = match ctx.lang {
                Lang::Ko => format!("마감했습니다. {}명 중 {n}명이 이수했습니다.", judged.len()),
                Lang::En => format!("Closed: {n} of {} completed.", judged.len()),
            };
            attendance_screen(&state, &ctx, caller, id, Some(message), None).await
        }
        Err(e) => attendance_screen(&state, &ctx, caller, id, None, Some(&e)).await,
    }
}

// ---- the sign-in sheet ----

pub(crate) struct SheetDay {
    label: String,
    rows: Vec<(String, String, String, String)>,
}

#[derive(Template)]
#[template(path = "programs/learning_sheet.html")]
pub(crate) struct SheetPage {
    c: Chrome,
    session_id: i64,
    name: String,
    venue: String,
    days: Vec<SheetDay>,
    printed: String,
}

/// The sign-in sheet (출석부): one printed page per day, listing everyone enrolled at print time
/// (people promoted from the waitlist included) with a column to sign.
pub(crate) async fn sheet(
    State(state): State<AppState>,
    ctx: Ctx,
    PageId(id): PageId,
) -> PageResult {
    let caller = ctx.staff_or_refuse()?;
    let lang = ctx.lang;
    let facts = organiser_of(&state, caller, id).await.or_page(&ctx)?;
    let days = att::days(&state.db, id).await.or_page(&ctx)?;
    let people = att::participants(&state.db, id).await.or_page(&ctx)?;
    let marks = att::marks(&state.db, id).await.or_page(&ctx)?;
    let page = SheetPage {
        c: ctx.chrome(),
        session_id: id,
        name: session_name(lang, &facts),
        venue: facts.venue.clone(),
        days: days
            .iter()
            .map(|d| SheetDay {
                label: day_label(lang, d),
                rows: people
                    .iter()
                    .map(|p| {
                        let status = marks
                            .iter()
                            .find(|m| {
                                m.session_day_id == d.id && m.enrolment_id == Some(p.enrolment_id)
                            })
                            .and_then(|m| AttendanceStatus::parse(&m.status).ok())
                            .map(|s| lang.t(s.korean(), s.english()).to_string())
                            .unwrap_or_default();
                        let grade = p.grade.map(|g| match lang {
                            Lang::Ko => format!("{g}급"),
                            Lang::En => format!("Grade {g}"),
                        });
                        (
                            p.name.clone(),
                            p.department.clone(),
                            grade.unwrap_or_default(),
                            status,
                        )
                    })
                    .collect(),
            })
            .collect(),
        printed: when(store::now()),
    };
    Ok(ctx.render(&page))
}

// ---- the broadcast audience ----

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AudienceRequest {
    pub day_id: i64,
    /// The contact's own department when left out.
    #[serde(default, deserialize_with = "crate::kit::form::empty_as_none")]
    pub department_id: Option<i64>,
    pub headcount: i64,
    /// One name a line (optional).
    #[serde(default)]
    pub names: String,
}

async fn record_audience(
    state: &AppState,
    caller: &Caller,
    id: i64,
    req: &AudienceRequest,
) -> Result<(), ApiError> {
    let department = req
        .department_id
        .or(caller.account.department_id)
        .ok_or_else(ApiError::forbidden)?;
    caller
        .may(
            state,
            Capability::ProgramAudience,
            Action::Create,
            Target::Department(department),
        )
        .await?;
    if att::day_session(&state.db, req.day_id).await? != id {
        return Err(ApiError::not_found());
    }
    let now = store::now();
    audited(state, caller, async |tx| {
        att::record_audience(
            tx,
            req.day_id,
            department,
            req.headcount,
            &req.names,
            caller.account.id,
            now,
        )
        .await?;
        Ok((
            (),
            Audit::new(format!("department:{department}"), "programs.audience", ""),
        ))
    })
    .await
}

/// Record (or correct) the broadcast audience of the contact's department for one day.
#[utoipa::path(put, path = "/api/v1/programs/sessions/{id}/audience", tag = "programs", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = AudienceRequest,
    responses((status = 204), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub(crate) async fn audience_api(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Id(id): Id,
    ApiJson(req): ApiJson<AudienceRequest>,
) -> Result<axum::http::StatusCode, ApiError> {
    record_audience(&state, &caller, id, &req).await?;
    Ok(axum::http::StatusCode::NO_CONTENT)
}

#[derive(Template)]
#[template(path = "programs/learning_audience.html")]
pub(crate) struct AudiencePage {
    c: Chrome,
    session_id: i64,
    name: String,
    department: String,
    days: Vec<(i64, String, i64, String)>,
    chosen_day: i64,
    headcount: String,
    names: String,
    message: Option<String>,
    error: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct AudienceForm {
    day_id: String,
    headcount: String,
    names: String,
}

async fn audience_screen(
    state: &AppState,
    ctx: &Ctx,
    caller: &Caller,
    id: i64,
    typed: Option<&AudienceForm>,
    message: Option<String>,
    error: Option<&ApiError>,
) -> PageResult {
    let lang = ctx.lang;
    let department = caller.account.department_id.ok_or_else(|| ctx.refusal())?;
    caller
        .may(
            state,
            Capability::ProgramAudience,
            Action::Read,
            Target::Department(department),
        )
        .await
        .or_page(ctx)?;
    let facts = att::session_facts(&state.db, id)
        .await
        .map_err(ApiError::from)
        .or_page(ctx)?;
    let days = att::days(&state.db, id).await.or_page(ctx)?;
    let recorded = att::audience(&state.db, id).await.or_page(ctx)?;
    let dept_name = store::office::departments::list(&state.db)
        .await
        .or_page(ctx)?
        .into_iter()
        .find(|d| d.id == department)
        .map(|d| match lang {
            Lang::En if !d.name_en.is_empty() => d.name_en,
            _ => d.name,
        })
        .unwrap_or_default();
    let now = store::now();
    let today = days
        .iter()
        .find(|d| d.check_in_open(now))
        .or(days.first())
        .map(|d| d.id)
        .unwrap_or_default();
    let page = AudiencePage {
        c: ctx.chrome(),
        session_id: id,
        name: session_name(lang, &facts),
        department: dept_name,
        days: days
            .iter()
            .map(|d| {
                let mine = recorded
                    .iter()
                    .find(|a| a.session_day_id == d.id && a.department_id == department);
                (
                    d.id,
                    day_label(lang, d),
                    mine.map(|a| a.headcount).unwrap_or(-1),
                    mine.map(|a| a.names.lines().collect::<Vec<_>>().join(", "))
                        .unwrap_or_default(),
                )
            })
            .collect(),
        chosen_day: typed.and_then(|t| t.day_id.parse().ok()).unwrap_or(today),
        headcount: typed.map(|t| t.headcount.clone()).unwrap_or_default(),
        names: typed.map(|t| t.names.clone()).unwrap_or_default(),
        message,
        error: error.map(|e| lang.of(e).to_string()),
    };
    Ok(show(ctx, &page, error))
}

/// The department contact's page: how many watched the broadcast in their department's room,
/// and who (optional).
pub(crate) async fn audience_page(
    State(state): State<AppState>,
    ctx: Ctx,
    PageId(id): PageId,
    Query(d): Query<Done>,
) -> PageResult {
    let caller = ctx.staff_or_refuse()?;
    let message = (d.done == "1").then(|| {
        ctx.lang
            .t("시청 인원을 기록했습니다.", "Audience recorded.")
            .to_string()
    });
    audience_screen(&state, &ctx, caller, id, None, message, None).await
}

pub(crate) async fn audience_form(
    State(state): State<AppState>,
    ctx: Ctx,
    PageId(id): PageId,
    PageForm(form): PageForm<AudienceForm>,
) -> PageResult {
    let caller = ctx.staff_or_refuse()?;
    let parsed = match (
        form.day_id.trim().parse::<i64>(),
        form.headcount.trim().parse::<i64>(),
    ) {
        (Ok(day_id), Ok(headcount)) => Ok(AudienceRequest {
            day_id,
            department_id: None,
            headcount,
            names: form.names.clone(),
        }),
        _ => Err(ApiError::bad_request(
            "headcount_required",
            "날짜를 고르고 시청 인원을 숫자로 적어 주세요.",
            "Choose the day and enter the headcount as a number.",
        )),
    };
    let r = match parsed {
        Ok(req) => record_audience(&state, caller, id, &req).await,
        Err(e) => Err(e),
    };
    match r {
        Ok(()) => {
            Ok(Redirect::to(&format!("/programs/sessions/{id}/audience?done=1")).into_response())
        }
        Err(e) => audience_screen(&state, &ctx, caller, id, Some(&form), None, Some(&e)).await,
    }
}
