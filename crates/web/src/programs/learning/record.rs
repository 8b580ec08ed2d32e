//! The learning record (상시학습 실적): each official's hours this year against the requirement
//! and the designated-learning quota, the programs and outside hours behind them, outside hours
//! entered with evidence for the training officer to approve, and the roll-up of a supervisor's
//! division or the whole office with who is at risk of missing the requirement by year end.

use super::{minutes, person_target, show};
use crate::kit::auth::{ApiCaller, Caller};
use crate::kit::error::{ApiError, ErrorBody};
use crate::kit::extract::Multipart;
use crate::kit::form::PageForm;
use crate::kit::json::ApiJson;
use crate::kit::page::{Chrome, Ctx, Lang, OrPage, PageResult, when};
use crate::protection::views::PageId;
use crate::wellbeing::api::Id;
use crate::{AppState, Audit, audited};
use askama::Template;
use axum::Json;
use axum::body::Body;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{Datelike, NaiveDate};
use domain::access::{Action, Capability, Target};
use domain::programs::record::{Entry, Summary, summarise};
use domain::programs::{ExternalState, LearningCategory, LearningRequirement};
use domain::{AccountId, DepartmentId};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use store::programs::completion::{self as comp, Certificate};
use store::programs::record::{self as rec, Credit, ExternalEntry, ExternalInput};
use utoipa::ToSchema;

/// One official's year.
#[derive(Serialize, ToSchema)]
pub struct RecordView {
    pub account_id: AccountId,
    pub name: String,
    pub department: String,
    pub grade: Option<i64>,
    pub year: i32,
    #[schema(value_type = Object)]
    pub requirement: LearningRequirement,
    #[schema(value_type = Object)]
    pub summary: Summary,
    #[schema(value_type = Vec<Object>)]
    pub credits: Vec<Credit>,
    #[schema(value_type = Vec<Object>)]
    pub certificates: Vec<Certificate>,
    #[schema(value_type = Vec<Object>)]
    pub external: Vec<ExternalEntry>,
    pub booked_minutes: i64,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct YearQuery {
    /// The year (this year when left out).
    #[serde(deserialize_with = "crate::kit::form::empty_as_none")]
    pub year: Option<i32>,
}

fn this_year() -> i32 {
    store::programs::korean_year(store::now())
}

fn today() -> NaiveDate {
    calendar::to_seoul(store::now()).date_naive()
}

/// The day the at-risk rule looks from: today in this year, the last day of a past year.
fn as_of(year: i32) -> NaiveDate {
    let t = today();
    if year >= t.year() {
        t
    } else {
        NaiveDate::from_ymd_opt(year, 12, 31).unwrap_or(t)
    }
}

pub(crate) async fn record_of(
    state: &AppState,
    caller: &Caller,
    account_id: AccountId,
    year: i32,
) -> Result<RecordView, ApiError> {
    let person = store::office::accounts::get(&state.db, account_id).await?;
    caller
        .may(
            state,
            Capability::ProgramEnrolment,
            Action::Read,
            person_target(person.id, person.department_id),
        )
        .await?;
    let db = &state.db;
    let requirement = store::programs::requirement(db).await?;
    let grade = store::programs::person(db, account_id).await?.grade;
    let credits = rec::credits(db, account_id, year).await?;
    let booked = rec::booked_minutes(db, year, store::now())
        .await?
        .get(&account_id)
        .copied()
        .unwrap_or(0);
    let entries: Vec<Entry<'_>> = credits
        .iter()
        .map(|c| Entry {
            category: &c.category,
            designated: c.designated,
            minutes: c.minutes,
        })
        .collect();
    let summary = summarise(&entries, &requirement, grade, booked, as_of(year));
    let department = match person.department_id {
        Some(d) => store::office::departments::list(db)
            .await?
            .into_iter()
            .find(|x| x.id == d)
            .map(|x| x.name)
            .unwrap_or_default(),
        None => String::new(),
    };
    Ok(RecordView {
        account_id,
        name: person.display_name.clone(),
        department,
        grade,
        year,
        requirement,
        summary,
        certificates: comp::certificates_of(db, account_id)
            .await?
            .into_iter()
            .filter(|c| c.last_day.year() == year)
            .collect(),
        external: rec::external_of(db, account_id).await?,
        credits,
        booked_minutes: booked,
    })
}

/// The caller's own learning record of a year.
#[utoipa::path(get, path = "/api/v1/programs/learning/me", tag = "programs", security(("bearer" = [])),
    params(("year" = Option<i32>, Query)),
    responses((status = 200, body = RecordView), (status = 403, body = ErrorBody)))]
pub(crate) async fn mine_api(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Query(q): Query<YearQuery>,
) -> Result<Json<RecordView>, ApiError> {
    let year = q.year.unwrap_or_else(this_year);
    Ok(Json(
        record_of(&state, &caller, caller.account.id, year).await?,
    ))
}

/// Someone's learning record (their supervisor for their division, the training officer).
#[utoipa::path(get, path = "/api/v1/programs/learning/people/{id}", tag = "programs", security(("bearer" = [])),
    params(("id" = i64, Path), ("year" = Option<i32>, Query)),
    responses((status = 200, body = RecordView), (status = 403, body = ErrorBody)))]
pub(crate) async fn person_api(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Id(id): Id,
    Query(q): Query<YearQuery>,
) -> Result<Json<RecordView>, ApiError> {
    let year = q.year.unwrap_or_else(this_year);
    Ok(Json(record_of(&state, &caller, id, year).await?))
}

/// One row of the roll-up.
#[derive(Serialize, ToSchema)]
pub struct TeamRow {
    pub account_id: AccountId,
    pub name: String,
    pub department_id: Option<DepartmentId>,
    pub department: String,
    pub grade: Option<i64>,
    #[schema(value_type = Object)]
    pub summary: Summary,
}

#[derive(Serialize, ToSchema)]
pub struct TeamView {
    pub year: i32,
    #[schema(value_type = Object)]
    pub requirement: LearningRequirement,
    pub people: Vec<TeamRow>,
    /// Covered officials, how many met both lines, how many are at risk.
    pub covered: usize,
    pub met: usize,
    pub at_risk: usize,
}

/// The people whose records the caller reaches: their division for a supervisor, everyone for
/// the training officer; refused (and logged) for anyone else.
pub(crate) async fn team_of(
    state: &AppState,
    caller: &Caller,
    year: i32,
) -> Result<TeamView, ApiError> {
    let department = caller
        .account
        .department_id
        .ok_or_else(ApiError::forbidden)?;
    caller
        .may(
            state,
            Capability::ProgramEnrolment,
            Action::Read,
            Target::Department(department),
        )
        .await?;
    let db = &state.db;
    let requirement = store::programs::requirement(db).await?;
    let booked = rec::booked_minutes(db, year, store::now()).await?;
    let credits = rec::rollup(db, year).await?;
    let as_of = as_of(year);
    let mut people = Vec::new();
    for p in credits {
        if p.account_id == caller.account.id
            || !caller
                .permits(
                    state,
                    Capability::ProgramEnrolment,
                    Action::Read,
                    person_target(p.account_id, p.department_id),
                )
                .await?
        {
            continue;
        }
        // The roll-up needs totals only: two entries stand for the year.
        let entries = [
            Entry {
                category: "",
                designated: true,
                minutes: p.designated_minutes,
            },
            Entry {
                category: "",
                designated: false,
                minutes: p.total_minutes - p.designated_minutes,
            },
        ];
        let summary = summarise(
            &entries,
            &requirement,
            p.grade,
            booked.get(&p.account_id).copied().unwrap_or(0),
            as_of,
        );
        people.push(TeamRow {
            account_id: p.account_id,
            name: p.name,
            department_id: p.department_id,
            department: p.department,
            grade: p.grade,
            summary,
        });
    }
    let covered = people.iter().filter(|p| p.summary.covered).count();
    let met = people
        .iter()
        .filter(|p| p.summary.covered && p.summary.met())
        .count();
    let at_risk = people.iter().filter(|p| p.summary.at_risk).count();
    Ok(TeamView {
        year,
        requirement,
        people,
        covered,
        met,
        at_risk,
    })
}

/// The roll-up (부서원 상시학습 달성현황): the caller's division, or the office for the
/// training officer, with who is at risk by year end.
#[utoipa::path(get, path = "/api/v1/programs/learning/team", tag = "programs", security(("bearer" = [])),
    params(("year" = Option<i32>, Query)),
    responses((status = 200, body = TeamView), (status = 403, body = ErrorBody)))]
pub(crate) async fn team_api(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Query(q): Query<YearQuery>,
) -> Result<Json<TeamView>, ApiError> {
    Ok(Json(
        team_of(&state, &caller, q.year.unwrap_or_else(this_year)).await?,
    ))
}

// ---- outside hours ----

/// Read the outside-hours form: its text fields, and its evidence file stored only once the
/// text is right (a refused entry leaves nothing behind but a content-addressed blob nobody
/// refers to, which is never the case for bad text: the file is not read then).
async fn read_external(
    state: &AppState,
    mp: Multipart,
) -> Result<
    (ExternalInput, store::kit::blobs::StoredBlob, String),
    (HashMap<String, String>, ApiError),
> {
    let today = today();
    let (texts, mut files) = crate::petitions::resident_pages::read_parts(state, mp, async |t| {
        parse_external(t)
            .and_then(|i| rec::check_external(&i, today).map_err(ApiError::from))
            .is_ok()
    })
    .await?;
    let input = match parse_external(&texts).and_then(|i| {
        rec::check_external(&i, today)
            .map(|_| i)
            .map_err(ApiError::from)
    }) {
        Ok(i) => i,
        Err(e) => return Err((texts, e)),
    };
    let Some((blob, name)) = files.pop() else {
        return Err((
            texts,
            ApiError::bad_request(
                "evidence_required",
                "증빙 파일(수료증, 참석 확인서 등)을 첨부해 주세요.",
                "Attach the evidence (a certificate, a letter of attendance…).",
            ),
        ));
    };
    Ok((input, blob, name))
}

fn parse_external(t: &HashMap<String, String>) -> Result<ExternalInput, ApiError> {
    let get = |k: &str| t.get(k).map(|v| v.trim()).unwrap_or("");
    let hours: i64 = get("hours").parse().unwrap_or(0);
    let mins: i64 = if get("minutes").is_empty() {
        0
    } else {
        get("minutes").parse().unwrap_or(-1)
    };
    if get("hours").parse::<i64>().is_err() && !get("hours").is_empty() || mins < 0 {
        return Err(ApiError::bad_request(
            "external_minutes_out_of_range",
            "시간과 분은 숫자로 적어 주세요.",
            "Enter the hours and minutes as numbers.",
        ));
    }
    let happened_on = NaiveDate::parse_from_str(get("happened_on"), "%Y-%m-%d").map_err(|_| {
        ApiError::bad_request(
            "external_date_required",
            "교육일을 골라 주세요.",
            "Choose the date of the training.",
        )
    })?;
    Ok(ExternalInput {
        title: get("title").to_string(),
        category: LearningCategory::parse(get("category"))?,
        designated: !get("designated").is_empty() && get("designated") != "no",
        minutes: hours * 60 + mins,
        happened_on,
    })
}

async fn submit(
    state: &AppState,
    caller: &Caller,
    input: &ExternalInput,
    blob: &store::kit::blobs::StoredBlob,
    name: &str,
) -> Result<ExternalEntry, ApiError> {
    caller
        .may(
            state,
            Capability::ProgramEnrolment,
            Action::Create,
            person_target(caller.account.id, caller.account.department_id),
        )
        .await?;
    let now = store::now();
    audited(state, caller, async |tx| {
        let e = rec::submit_external(tx, caller.account.id, input, &blob.sha256, name, now).await?;
        Ok((
            e,
            Audit::new(
                format!("account:{}", caller.account.id),
                "programs.external.submit",
                "",
            ),
        ))
    })
    .await
}

/// Enter hours from outside training with evidence (multipart: title, category, designated,
/// hours, minutes, happened_on, and the file as `files`). The same evidence twice is refused.
#[utoipa::path(post, path = "/api/v1/programs/learning/external", tag = "programs", security(("bearer" = [])),
    request_body(content_type = "multipart/form-data", content = Object),
    responses((status = 201, body = Object), (status = 400, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub(crate) async fn external_api(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    mp: Multipart,
) -> Result<Response, ApiError> {
    let (input, blob, name) = read_external(&state, mp).await.map_err(|(_, e)| e)?;
    let e = submit(&state, &caller, &input, &blob, &name).await?;
    Ok((axum::http::StatusCode::CREATED, Json(e)).into_response())
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionRequest {
    #[serde(deserialize_with = "crate::kit::form::yes_no")]
    pub approve: bool,
    #[serde(default)]
    pub note: String,
}

async fn decide(
    state: &AppState,
    caller: &Caller,
    id: i64,
    req: &DecisionRequest,
) -> Result<ExternalEntry, ApiError> {
    let entry = rec::external(&state.db, id).await?;
    caller
        .may(
            state,
            Capability::ProgramEnrolment,
            Action::Approve,
            Target::Office,
        )
        .await?;
    // Nobody approves their own hours.
    if entry.account_id == caller.account.id {
        return Err(ApiError::forbidden());
    }
    let now = store::now();
    audited(state, caller, async |tx| {
        let e =
            rec::decide_external(tx, id, req.approve, &req.note, caller.account.id, now).await?;
        let action = if req.approve {
            "programs.external.approve"
        } else {
            "programs.external.reject"
        };
        Ok((
            e,
            Audit::new(format!("account:{}", entry.account_id), action, ""),
        ))
    })
    .await
}

/// Approve outside hours (crediting them in the year they happened) or reject them with a
/// reason: the training officer.
#[utoipa::path(post, path = "/api/v1/programs/learning/external/{id}/decision", tag = "programs", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = DecisionRequest,
    responses((status = 200, body = Object), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub(crate) async fn decide_api(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Id(id): Id,
    ApiJson(req): ApiJson<DecisionRequest>,
) -> Result<Json<ExternalEntry>, ApiError> {
    Ok(Json(decide(&state, &caller, id, &req).await?))
}

/// The evidence file of an outside entry, for its owner and whoever may read their record.
pub(crate) async fn evidence_download(
    State(state): State<AppState>,
    ctx: Ctx,
    PageId(id): PageId,
) -> PageResult {
    let caller = ctx.staff_or_refuse()?;
    let r = async {
        let e = rec::external(&state.db, id).await?;
        caller
            .may(
                &state,
                Capability::ProgramEnrolment,
                Action::Read,
                person_target(e.account_id, e.department_id),
            )
            .await?;
        let reader = state.petitions.blobs.open(&e.evidence_hash).await?;
        state
            .log_access(
                caller,
                &format!("account:{}", e.account_id),
                "programs.external.evidence",
                "",
            )
            .await?;
        let mut res = Body::from_stream(tokio_util::io::ReaderStream::new(reader)).into_response();
        crate::petitions::api::attachment_headers(
            &mut res,
            "application/octet-stream",
            &e.evidence_name,
        );
        Ok::<_, ApiError>(res)
    }
    .await;
    r.or_page(&ctx)
}

// ---- pages ----

pub(crate) struct Line {
    label: String,
    value: String,
}

pub(crate) struct CreditRow {
    title: String,
    category: String,
    designated: bool,
    hours: String,
    source: String,
    when: String,
}

pub(crate) struct SessionLink {
    id: i64,
    program_id: i64,
    name: String,
    when: String,
    /// The room's code is taken now (and the broadcast audience can be recorded).
    live: bool,
    hybrid: bool,
    /// The session has started (feedback can be given by those who attended).
    started: bool,
    closed: bool,
}

fn session_links(
    lang: Lang,
    lines: Vec<store::programs::attendance::SessionLine>,
) -> Vec<SessionLink> {
    let now = store::now();
    lines
        .into_iter()
        .map(|l| {
            let title = match lang {
                Lang::En if !l.title_en.is_empty() => l.title_en,
                _ => l.title,
            };
            let name = if l.label.is_empty() {
                title
            } else {
                format!("{title} {}", l.label)
            };
            let live = l.open_days > 0
                && l.first_start
                    .is_some_and(|s| now >= s - chrono::Duration::minutes(30))
                && l.last_end.is_some_and(|e| now <= e);
            SessionLink {
                id: l.session_id,
                program_id: l.program_id,
                name,
                when: l.first_start.map(when).unwrap_or_default(),
                live,
                hybrid: l.delivery == "hybrid",
                started: l.first_start.is_some_and(|s| now >= s),
                closed: l.open_days == 0,
            }
        })
        .collect()
}

pub(crate) struct ExternalRow {
    id: i64,
    title: String,
    hours: String,
    on: String,
    state: String,
    note: String,
    evidence: String,
}

#[derive(Template)]
#[template(path = "programs/learning_record.html")]
pub(crate) struct RecordPage {
    c: Chrome,
    mine: bool,
    name: String,
    department: String,
    year: i32,
    total: String,
    required: String,
    designated: String,
    designated_required: String,
    total_met: bool,
    designated_met: bool,
    covered: bool,
    at_risk: bool,
    missing: String,
    booked: String,
    has_booked: bool,
    percent: i64,
    categories: Vec<Line>,
    credits: Vec<CreditRow>,
    certificates: Vec<(i64, String, String)>,
    external: Vec<ExternalRow>,
    category_choices: Vec<(&'static str, String)>,
    form_category: String,
    form: HashMap<String, String>,
    error: Option<String>,
    message: Option<String>,
    team: bool,
    approvals: bool,
    today: String,
    my_sessions: Vec<SessionLink>,
    /// The organiser's sessions: recent ones and those not closed yet.
    run_sessions: Vec<SessionLink>,
}

fn category_name(lang: Lang, code: &str) -> String {
    LearningCategory::parse(code)
        .map(|c| lang.t(c.korean(), c.english()).to_string())
        .unwrap_or_else(|_| code.to_string())
}

fn state_name(lang: Lang, code: &str) -> String {
    ExternalState::parse(code)
        .map(|s| lang.t(s.korean(), s.english()).to_string())
        .unwrap_or_else(|_| code.to_string())
}

#[allow(clippy::too_many_arguments)] // the page with what was typed, the notice and the error
async fn record_screen(
    state: &AppState,
    ctx: &Ctx,
    caller: &Caller,
    account_id: AccountId,
    year: i32,
    form: HashMap<String, String>,
    message: Option<String>,
    error: Option<&ApiError>,
) -> PageResult {
    let lang = ctx.lang;
    let v = record_of(state, caller, account_id, year)
        .await
        .or_page(ctx)?;
    let s = &v.summary;
    let dept = caller.account.department_id.unwrap_or_default();
    let mine = account_id == caller.account.id;
    let my_sessions = if mine {
        session_links(
            lang,
            store::programs::attendance::sessions_of(&state.db, account_id)
                .await
                .or_page(ctx)?,
        )
    } else {
        Vec::new()
    };
    let organiser = mine
        && caller
            .permits(state, Capability::Programs, Action::Update, Target::Office)
            .await
            .or_page(ctx)?;
    let run_sessions = if organiser {
        let since = store::now() - chrono::Duration::days(60);
        session_links(
            lang,
            store::programs::attendance::recent_sessions(&state.db, since)
                .await
                .or_page(ctx)?,
        )
    } else {
        Vec::new()
    };
    let page = RecordPage {
        c: ctx.chrome(),
        mine,
        name: v.name.clone(),
        department: v.department.clone(),
        year,
        total: minutes(lang, s.total_minutes),
        required: minutes(lang, v.requirement.required_minutes),
        designated: minutes(lang, s.designated_minutes),
        designated_required: minutes(lang, v.requirement.designated_minutes),
        total_met: s.total_met,
        designated_met: s.designated_met,
        covered: s.covered,
        at_risk: s.at_risk,
        missing: minutes(lang, s.missing_minutes),
        booked: minutes(lang, v.booked_minutes),
        has_booked: v.booked_minutes > 0,
        percent: if v.requirement.required_minutes > 0 {
            (s.total_minutes * 100 / v.requirement.required_minutes).min(100)
        } else {
            100
        },
        categories: s
            .by_category
            .iter()
            .map(|(code, m)| Line {
                label: category_name(lang, code),
                value: minutes(lang, *m),
            })
            .collect(),
        credits: v
            .credits
            .iter()
            .map(|c| CreditRow {
                title: c.title.clone(),
                category: category_name(lang, &c.category),
                designated: c.designated,
                hours: minutes(lang, c.minutes),
                source: if c.completion_id.is_some() {
                    lang.t("교육 이수", "Program completed").to_string()
                } else {
                    lang.t("외부 교육 (승인)", "Outside training (approved)")
                        .to_string()
                },
                when: calendar::to_seoul(c.credited_at).date_naive().to_string(),
            })
            .collect(),
        certificates: v
            .certificates
            .iter()
            .map(|c| {
                let title = match lang {
                    Lang::En if !c.title_en.is_empty() => c.title_en.clone(),
                    _ => c.title.clone(),
                };
                (c.id, title, c.code.clone())
            })
            .collect(),
        external: v
            .external
            .iter()
            .map(|x| ExternalRow {
                id: x.id,
                title: x.title.clone(),
                hours: minutes(lang, x.minutes),
                on: x.happened_on.to_string(),
                state: state_name(lang, &x.state),
                note: x.decision_note.clone(),
                evidence: x.evidence_name.clone(),
            })
            .collect(),
        category_choices: LearningCategory::ALL
            .iter()
            .map(|c| (c.as_str(), lang.t(c.korean(), c.english()).to_string()))
            .collect(),
        form_category: form.get("category").cloned().unwrap_or_default(),
        form,
        error: error.map(|e| lang.of(e).to_string()),
        message,
        team: caller
            .permits(
                state,
                Capability::ProgramEnrolment,
                Action::Read,
                Target::Department(dept),
            )
            .await
            .or_page(ctx)?,
        approvals: caller
            .permits(
                state,
                Capability::ProgramEnrolment,
                Action::Approve,
                Target::Office,
            )
            .await
            .or_page(ctx)?,
        today: today().to_string(),
        my_sessions,
        run_sessions,
    };
    Ok(show(ctx, &page, error))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct RecordQuery {
    #[serde(deserialize_with = "crate::kit::form::empty_as_none")]
    year: Option<i32>,
    done: String,
}

/// The official's own record, with the form for outside hours.
pub(crate) async fn mine_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<RecordQuery>,
) -> PageResult {
    let caller = ctx.staff_or_refuse()?;
    let message = (q.done == "external").then(|| {
        ctx.lang
            .t(
                "외부 교육시간을 신청했습니다. 교육 담당자가 승인하면 실적에 반영됩니다.",
                "Outside hours entered; they count once the training officer approves them.",
            )
            .to_string()
    });
    record_screen(
        &state,
        &ctx,
        caller,
        caller.account.id,
        q.year.unwrap_or_else(this_year),
        HashMap::new(),
        message,
        None,
    )
    .await
}

/// The outside-hours form (multipart, with the evidence file).
pub(crate) async fn external_form(
    State(state): State<AppState>,
    ctx: Ctx,
    mp: Multipart,
) -> PageResult {
    let caller = ctx.staff_or_refuse()?;
    let r = match read_external(&state, mp).await {
        Ok((input, blob, name)) => submit(&state, caller, &input, &blob, &name)
            .await
            .map_err(|e| (HashMap::new(), e)),
        Err(e) => Err(e),
    };
    match r {
        Ok(_) => Ok(Redirect::to("/programs/learning?done=external").into_response()),
        Err((texts, e)) => {
            record_screen(
                &state,
                &ctx,
                caller,
                caller.account.id,
                this_year(),
                texts,
                None,
                Some(&e),
            )
            .await
        }
    }
}

/// Someone's record, for their supervisor or the training officer.
pub(crate) async fn person_page(
    State(state): State<AppState>,
    ctx: Ctx,
    PageId(id): PageId,
    Query(q): Query<RecordQuery>,
) -> PageResult {
    let caller = ctx.staff_or_refuse()?;
    record_screen(
        &state,
        &ctx,
        caller,
        id,
        q.year.unwrap_or_else(this_year),
        HashMap::new(),
        None,
        None,
    )
    .await
}

pub(crate) struct TeamLine {
    account_id: AccountId,
    name: String,
    department: String,
    grade: String,
    total: String,
    designated: String,
    status: String,
    met: bool,
    at_risk: bool,
}

#[derive(Template)]
#[template(path = "programs/learning_team.html")]
pub(crate) struct TeamPage {
    c: Chrome,
    year: i32,
    required: String,
    designated_required: String,
    covered: usize,
    met: usize,
    at_risk: usize,
    risk_only: bool,
    rows: Vec<TeamLine>,
    /// The caller sets the requirement (the training officer).
    sets: bool,
    form: RequirementForm,
    message: Option<String>,
    error: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct TeamQuery {
    #[serde(deserialize_with = "crate::kit::form::empty_as_none")]
    year: Option<i32>,
    risk: String,
    done: String,
}

/// The roll-up page.
pub(crate) async fn team_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<TeamQuery>,
) -> PageResult {
    let caller = ctx.staff_or_refuse()?;
    let message = (q.done == "requirement").then(|| {
        ctx.lang
            .t(
                "연간 기준을 저장했습니다.",
                "The yearly requirement is saved.",
            )
            .to_string()
    });
    team_screen(&state, &ctx, caller, &q, None, message, None).await
}

async fn team_screen(
    state: &AppState,
    ctx: &Ctx,
    caller: &Caller,
    q: &TeamQuery,
    typed: Option<&RequirementForm>,
    message: Option<String>,
    error: Option<&ApiError>,
) -> PageResult {
    let lang = ctx.lang;
    let year = q.year.unwrap_or_else(this_year);
    let v = team_of(state, caller, year).await.or_page(ctx)?;
    let risk_only = q.risk == "1";
    let sets = caller
        .permits(state, Capability::Programs, Action::Update, Target::Office)
        .await
        .or_page(ctx)?;
    let r = &v.requirement;
    let form = match typed {
        Some(t) => t.clone(),
        None => RequirementForm {
            required_hours: (r.required_minutes / 60).to_string(),
            designated_hours: (r.designated_minutes / 60).to_string(),
            covered_from_grade: r.covered_from_grade.to_string(),
            feedback_min_answers: r.feedback_min_answers.to_string(),
        },
    };
    let page = TeamPage {
        c: ctx.chrome(),
        year,
        required: minutes(lang, v.requirement.required_minutes),
        designated_required: minutes(lang, v.requirement.designated_minutes),
        covered: v.covered,
        met: v.met,
        at_risk: v.at_risk,
        risk_only,
        sets,
        form,
        message,
        error: error.map(|e| lang.of(e).to_string()),
        rows: v
            .people
            .iter()
            .filter(|p| !risk_only || p.summary.at_risk)
            .map(|p| {
                let s = &p.summary;
                let status = if !s.covered {
                    lang.t("대상 아님", "Not covered")
                } else if s.met() {
                    lang.t("충족", "Met")
                } else if s.at_risk {
                    lang.t("미충족 · 미달 우려", "Not met · at risk")
                } else {
                    lang.t("미충족", "Not met")
                };
                TeamLine {
                    account_id: p.account_id,
                    name: p.name.clone(),
                    department: p.department.clone(),
                    grade: p
                        .grade
                        .map(|g| match lang {
                            Lang::Ko => format!("{g}급"),
                            Lang::En => format!("{g}"),
                        })
                        .unwrap_or_default(),
                    total: minutes(lang, s.total_minutes),
                    designated: minutes(lang, s.designated_minutes),
                    status: status.to_string(),
                    met: s.covered && s.met(),
                    at_risk: s.at_risk,
                }
            })
            .collect(),
    };
    Ok(show(ctx, &page, error))
}

/// The requirement as the roll-up's form types it (hours, not minutes).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub(crate) struct RequirementForm {
    required_hours: String,
    designated_hours: String,
    covered_from_grade: String,
    feedback_min_answers: String,
}

async fn set_requirement(
    state: &AppState,
    caller: &Caller,
    r: &LearningRequirement,
) -> Result<(), ApiError> {
    caller
        .may(state, Capability::Programs, Action::Update, Target::Office)
        .await?;
    store::programs::set_requirement(&state.db, r, store::now()).await?;
    state
        .log_access(
            caller,
            "office",
            "programs.requirement",
            &format!("{} min", r.required_minutes),
        )
        .await
}

/// Set the organisation's yearly learning requirement (the training officer).
#[utoipa::path(put, path = "/api/v1/programs/learning/requirement", tag = "programs", security(("bearer" = [])),
    request_body = Object,
    responses((status = 204), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub(crate) async fn requirement_api(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiJson(r): ApiJson<LearningRequirement>,
) -> Result<axum::http::StatusCode, ApiError> {
    set_requirement(&state, &caller, &r).await?;
    Ok(axum::http::StatusCode::NO_CONTENT)
}

pub(crate) async fn requirement_form(
    State(state): State<AppState>,
    ctx: Ctx,
    PageForm(f): PageForm<RequirementForm>,
) -> PageResult {
    let caller = ctx.staff_or_refuse()?;
    let number = |v: &str| v.trim().parse::<i64>().ok();
    let parsed = match (
        number(&f.required_hours),
        number(&f.designated_hours),
        number(&f.covered_from_grade),
        number(&f.feedback_min_answers),
    ) {
        (Some(h), Some(d), Some(g), Some(n)) => Ok(LearningRequirement {
            required_minutes: h * 60,
            designated_minutes: d * 60,
            covered_from_grade: g,
            feedback_min_answers: n,
        }),
        _ => Err(ApiError::bad_request(
            "invalid_learning_requirement",
            "모든 칸에 숫자를 적어 주세요.",
            "Enter a number in every field.",
        )),
    };
    let r = match parsed {
        Ok(r) => set_requirement(&state, caller, &r).await,
        Err(e) => Err(e),
    };
    match r {
        Ok(()) => Ok(Redirect::to("/programs/learning/team?done=requirement").into_response()),
        Err(e) => {
            team_screen(
                &state,
                &ctx,
                caller,
                &TeamQuery::default(),
                Some(&f),
                None,
                Some(&e),
            )
            .await
        }
    }
}

pub(crate) struct ApprovalRow {
    id: i64,
    name: String,
    department: String,
    title: String,
    category: String,
    designated: bool,
    hours: String,
    on: String,
    evidence: String,
    requested: String,
}

#[derive(Template)]
#[template(path = "programs/learning_approvals.html")]
pub(crate) struct ApprovalsPage {
    c: Chrome,
    rows: Vec<ApprovalRow>,
    message: Option<String>,
    error: Option<String>,
}

async fn approvals_screen(
    state: &AppState,
    ctx: &Ctx,
    caller: &Caller,
    message: Option<String>,
    error: Option<&ApiError>,
) -> PageResult {
    let lang = ctx.lang;
    caller
        .may(
            state,
            Capability::ProgramEnrolment,
            Action::Approve,
            Target::Office,
        )
        .await
        .or_page(ctx)?;
    let rows = rec::external_requested(&state.db)
        .await
        .or_page(ctx)?
        .into_iter()
        .map(|x| ApprovalRow {
            id: x.id,
            name: x.name,
            department: x.department,
            title: x.title,
            category: category_name(lang, &x.category),
            designated: x.designated,
            hours: minutes(lang, x.minutes),
            on: x.happened_on.to_string(),
            evidence: x.evidence_name,
            requested: when(x.requested_at),
        })
        .collect();
    let page = ApprovalsPage {
        c: ctx.chrome(),
        rows,
        message,
        error: error.map(|e| lang.of(e).to_string()),
    };
    Ok(show(ctx, &page, error))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct DoneQuery {
    done: String,
}

/// Outside hours waiting for the training officer.
pub(crate) async fn approvals_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<DoneQuery>,
) -> PageResult {
    let caller = ctx.staff_or_refuse()?;
    let message = match q.done.as_str() {
        "approved" => Some(
            ctx.lang
                .t(
                    "승인했습니다. 학습 실적에 반영되었습니다.",
                    "Approved; the hours now count.",
                )
                .to_string(),
        ),
        "rejected" => Some(ctx.lang.t("반려했습니다.", "Rejected.").to_string()),
        _ => None,
    };
    approvals_screen(&state, &ctx, caller, message, None).await
}

pub(crate) async fn decide_form(
    State(state): State<AppState>,
    ctx: Ctx,
    PageId(id): PageId,
    PageForm(req): PageForm<DecisionRequest>,
) -> PageResult {
    let caller = ctx.staff_or_refuse()?;
    match decide(&state, caller, id, &req).await {
        Ok(_) => {
            let done = if req.approve { "approved" } else { "rejected" };
            Ok(Redirect::to(&format!("/programs/learning/approvals?done={done}")).into_response())
        }
        Err(e) => approvals_screen(&state, &ctx, caller, None, Some(&e)).await,
    }
}
