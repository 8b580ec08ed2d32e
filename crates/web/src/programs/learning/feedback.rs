//! Feedback (만족도 조사): the participant answers once; the organiser sees only the aggregate,
//! and nothing but the count until enough have answered.

use super::{session_name, show};
use crate::kit::auth::{ApiCaller, Caller};
use crate::kit::error::{ApiError, ErrorBody};
use crate::kit::form::{Fields, PageForm};
use crate::kit::json::ApiJson;
use crate::kit::page::{Chrome, Ctx, Lang, OrPage, PageResult};
use crate::protection::views::PageId;
use crate::wellbeing::api::Id;
use crate::{AppState, Audit, audited};
use askama::Template;
use axum::Json;
use axum::extract::State;
use domain::access::{Action, Capability, Target};
use domain::programs::QuestionKind;
use domain::programs::feedback::{Question, Reply, Report};
use serde::Deserialize;
use std::collections::HashMap;
use store::programs::attendance as att;
use store::programs::feedback as fb;
use utoipa::ToSchema;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FeedbackRequest {
    /// One answer per question, in order: a number 1–5 for a scale question, text for a
    /// free-text one (may be empty).
    #[schema(value_type = Vec<Object>)]
    pub answers: Vec<Reply>,
}

async fn answer(
    state: &AppState,
    caller: &Caller,
    session_id: i64,
    replies: &[Reply],
) -> Result<i64, ApiError> {
    if !caller.account.role.is_staff() {
        return Err(ApiError::forbidden());
    }
    let now = store::now();
    // The access log names the session, never the answers.
    audited(state, caller, async |tx| {
        let e = fb::answer(tx, session_id, caller.account.id, replies, now).await?;
        Ok((
            e,
            Audit::new(
                format!("program_session:{session_id}"),
                "programs.feedback",
                "",
            ),
        ))
    })
    .await
}

/// Answer the program's survey for a session one took part in, once.
#[utoipa::path(post, path = "/api/v1/programs/sessions/{id}/feedback", tag = "programs", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = FeedbackRequest,
    responses((status = 204), (status = 400, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub(crate) async fn answer_api(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Id(id): Id,
    ApiJson(req): ApiJson<FeedbackRequest>,
) -> Result<axum::http::StatusCode, ApiError> {
    answer(&state, &caller, id, &req.answers).await?;
    Ok(axum::http::StatusCode::NO_CONTENT)
}

async fn report(state: &AppState, caller: &Caller, program_id: i64) -> Result<Report, ApiError> {
    caller
        .may(state, Capability::Programs, Action::Update, Target::Office)
        .await?;
    let min = store::programs::requirement(&state.db)
        .await?
        .feedback_min_answers;
    Ok(fb::report(
        &state.db,
        program_id,
        usize::try_from(min).unwrap_or(0),
        store::now(),
    )
    .await?)
}

/// The program's feedback in aggregate (organiser only): averages, counts per answer and free
/// texts sorted, or only the number of answers until enough have answered.
#[utoipa::path(get, path = "/api/v1/programs/{id}/feedback", tag = "programs", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 200, body = Object), (status = 403, body = ErrorBody)))]
pub(crate) async fn report_api(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Id(id): Id,
) -> Result<Json<Report>, ApiError> {
    Ok(Json(report(&state, &caller, id).await?))
}

pub(crate) struct QuestionView {
    n: usize,
    scale: bool,
    prompt: String,
    value: String,
    error: bool,
}

#[derive(Template)]
#[template(path = "programs/learning_feedback.html")]
pub(crate) struct FeedbackPage {
    c: Chrome,
    session_id: i64,
    name: String,
    questions: Vec<QuestionView>,
    answered: bool,
    thanked: bool,
    error: Option<String>,
}

fn prompt(lang: Lang, q: &Question) -> String {
    match lang {
        Lang::En if !q.en.is_empty() => q.en.clone(),
        _ => q.ko.clone(),
    }
}

async fn feedback_screen(
    state: &AppState,
    ctx: &Ctx,
    caller: &Caller,
    id: i64,
    typed: &HashMap<String, String>,
    thanked: bool,
    error: Option<&ApiError>,
) -> PageResult {
    let lang = ctx.lang;
    let facts = att::session_facts(&state.db, id)
        .await
        .map_err(ApiError::from)
        .or_page(ctx)?;
    let mut tx = state
        .db
        .begin()
        .await
        .map_err(ApiError::from)
        .or_page(ctx)?;
    let survey = fb::survey(&mut tx, facts.program_id, store::now())
        .await
        .map_err(ApiError::from)
        .or_page(ctx)?;
    tx.commit().await.map_err(ApiError::from).or_page(ctx)?;
    let enrolment = store::programs::enrolments_of(&state.db, caller.account.id)
        .await
        .or_page(ctx)?
        .into_iter()
        .find(|e| e.session_id == id);
    let answered = match enrolment {
        Some(e) => fb::answered(&state.db, facts.program_id, e.id)
            .await
            .or_page(ctx)?,
        None => false,
    };
    // Which question the error names ("3번 문항" / "question 3"), to mark it.
    let wrong: Option<usize> = error.and_then(|e| {
        e.en.split_whitespace()
            .skip_while(|w| *w != "question")
            .nth(1)
            .and_then(|n| n.parse().ok())
    });
    let page = FeedbackPage {
        c: ctx.chrome(),
        session_id: id,
        name: session_name(lang, &facts),
        questions: survey
            .questions
            .iter()
            .enumerate()
            .map(|(i, q)| QuestionView {
                n: i + 1,
                scale: q.kind == QuestionKind::Scale,
                prompt: prompt(lang, q),
                value: typed
                    .get(&format!("q{}", i + 1))
                    .cloned()
                    .unwrap_or_default(),
                error: wrong == Some(i + 1),
            })
            .collect(),
        answered,
        thanked,
        error: error.map(|e| lang.of(e).to_string()),
    };
    Ok(show(ctx, &page, error))
}

pub(crate) async fn feedback_page(
    State(state): State<AppState>,
    ctx: Ctx,
    PageId(id): PageId,
) -> PageResult {
    let caller = ctx.staff_or_refuse()?;
    feedback_screen(&state, &ctx, caller, id, &HashMap::new(), false, None).await
}

pub(crate) async fn feedback_form(
    State(state): State<AppState>,
    ctx: Ctx,
    PageId(id): PageId,
    PageForm(form): PageForm<HashMap<String, String>>,
) -> PageResult {
    let caller = ctx.staff_or_refuse()?;
    let facts = att::session_facts(&state.db, id)
        .await
        .map_err(ApiError::from)
        .or_page(&ctx)?;
    let mut tx = state
        .db
        .begin()
        .await
        .map_err(ApiError::from)
        .or_page(&ctx)?;
    let survey = fb::survey(&mut tx, facts.program_id, store::now())
        .await
        .map_err(ApiError::from)
        .or_page(&ctx)?;
    tx.commit().await.map_err(ApiError::from).or_page(&ctx)?;
    let replies: Vec<Reply> = survey
        .questions
        .iter()
        .enumerate()
        .map(|(i, q)| {
            let v = form
                .get(&format!("q{}", i + 1))
                .map(|s| s.trim())
                .unwrap_or("");
            match q.kind {
                QuestionKind::Scale => Reply::Scale(v.parse().unwrap_or(0)),
                QuestionKind::Text => Reply::Text(v.to_string()),
            }
        })
        .collect();
    match answer(&state, caller, id, &replies).await {
        Ok(_) => feedback_screen(&state, &ctx, caller, id, &HashMap::new(), true, None).await,
        Err(e) => feedback_screen(&state, &ctx, caller, id, &form, false, Some(&e)).await,
    }
}

pub(crate) struct ReportRow {
    prompt: String,
    average: Option<String>,
    counts: Vec<(i64, i64)>,
    texts: Vec<String>,
}

#[derive(Template)]
#[template(path = "programs/learning_feedback_report.html")]
pub(crate) struct ReportPage {
    c: Chrome,
    program_id: i64,
    answers: usize,
    needed: usize,
    rows: Vec<ReportRow>,
    shown: bool,
}

pub(crate) async fn report_page(
    State(state): State<AppState>,
    ctx: Ctx,
    PageId(id): PageId,
) -> PageResult {
    let caller = ctx.staff_or_refuse()?;
    let lang = ctx.lang;
    let r = report(&state, caller, id).await.or_page(&ctx)?;
    let page = match r {
        Report::Withheld { answers, needed } => ReportPage {
            c: ctx.chrome(),
            program_id: id,
            answers,
            needed,
            rows: Vec::new(),
            shown: false,
        },
        Report::Shown { answers, questions } => ReportPage {
            c: ctx.chrome(),
            program_id: id,
            answers,
            needed: 0,
            rows: questions
                .iter()
                .map(|q| ReportRow {
                    prompt: prompt(lang, &q.question),
                    average: q.average.map(|a| format!("{a:.1}")),
                    counts: (1..=5).zip(q.counts).collect(),
                    texts: q.texts.clone(),
                })
                .collect(),
            shown: true,
        },
    };
    Ok(ctx.render(&page))
}

// ---------------------------------------------------------------------------------------------
// The organiser's own questions

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QuestionsRequest {
    /// The survey's questions in order: `{"kind": "scale" | "text", "ko": "…", "en": "…"}`.
    #[schema(value_type = Vec<Object>)]
    pub questions: Vec<Question>,
}

async fn replace(
    state: &AppState,
    caller: &Caller,
    program_id: i64,
    questions: &[Question],
) -> Result<fb::Survey, ApiError> {
    caller
        .may(state, Capability::Programs, Action::Update, Target::Office)
        .await?;
    let now = store::now();
    audited(state, caller, async |tx| {
        let survey = fb::replace_questions(tx, program_id, questions, now).await?;
        Ok((
            survey,
            Audit::new(
                format!("program:{program_id}"),
                "programs.survey_questions",
                "",
            ),
        ))
    })
    .await
}

/// Replace the program's survey questions (organiser only), until somebody has answered.
#[utoipa::path(put, path = "/api/v1/programs/{id}/feedback/questions", tag = "programs", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = QuestionsRequest,
    responses((status = 200, body = Object), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub(crate) async fn questions_api(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Id(id): Id,
    ApiJson(req): ApiJson<QuestionsRequest>,
) -> Result<Json<fb::Survey>, ApiError> {
    Ok(Json(replace(&state, &caller, id, &req.questions).await?))
}

pub(crate) struct QuestionRow {
    n: usize,
    scale: bool,
    /// The text in the page's language, for the read-only list.
    shown: String,
    ko: String,
    en: String,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "programs/learning_survey.html")]
pub(crate) struct SurveyPage {
    c: Chrome,
    program_id: i64,
    title: String,
    rows: Vec<QuestionRow>,
    answers: i64,
    saved: bool,
    error: Option<String>,
}

/// Empty rows offered below the written ones, for new questions.
const SPARE_QUESTIONS: usize = 2;

fn rows_of(lang: Lang, questions: &[Question], wrong: Option<(usize, String)>) -> Vec<QuestionRow> {
    questions
        .iter()
        .map(|q| (q.kind, q.ko.clone(), q.en.clone()))
        .chain(std::iter::repeat_n(
            (QuestionKind::Scale, String::new(), String::new()),
            SPARE_QUESTIONS,
        ))
        .enumerate()
        .map(|(i, (kind, ko, en))| QuestionRow {
            n: i + 1,
            scale: kind == QuestionKind::Scale,
            shown: prompt(
                lang,
                &Question {
                    kind,
                    ko: ko.clone(),
                    en: en.clone(),
                },
            ),
            ko,
            en,
            error: wrong
                .as_ref()
                .filter(|(n, _)| *n == i + 1)
                .map(|(_, m)| m.clone()),
        })
        .collect()
}

async fn survey_screen(
    state: &AppState,
    ctx: &Ctx,
    program_id: i64,
    typed: Option<(&[Question], usize, &ApiError)>,
    saved: bool,
) -> PageResult {
    let lang = ctx.lang;
    let program = store::programs::program(&state.db, program_id)
        .await
        .or_page(ctx)?;
    let mut tx = state
        .db
        .begin()
        .await
        .map_err(ApiError::from)
        .or_page(ctx)?;
    let survey = fb::survey(&mut tx, program_id, store::now())
        .await
        .map_err(ApiError::from)
        .or_page(ctx)?;
    tx.commit().await.map_err(ApiError::from).or_page(ctx)?;
    let title = match lang {
        Lang::En if !program.title_en.trim().is_empty() => program.title_en.clone(),
        _ => program.title.clone(),
    };
    let rows = match typed {
        Some((questions, n, e)) => rows_of(lang, questions, Some((n, lang.of(e).to_string()))),
        None => rows_of(lang, &survey.questions, None),
    };
    let page = SurveyPage {
        c: ctx.chrome(),
        program_id,
        title,
        rows,
        answers: survey.answers,
        saved,
        error: typed.map(|(_, _, e)| lang.of(e).to_string()),
    };
    Ok(show(ctx, &page, typed.map(|(_, _, e)| e)))
}

pub(crate) async fn survey_page(
    State(state): State<AppState>,
    ctx: Ctx,
    PageId(id): PageId,
) -> PageResult {
    let caller = ctx.staff_or_refuse()?;
    caller
        .may(&state, Capability::Programs, Action::Update, Target::Office)
        .await
        .or_page(&ctx)?;
    survey_screen(&state, &ctx, id, None, false).await
}

pub(crate) async fn survey_form(
    State(state): State<AppState>,
    ctx: Ctx,
    PageId(id): PageId,
    PageForm(f): PageForm<Fields>,
) -> PageResult {
    let caller = ctx.staff_or_refuse()?;
    // Rows whose texts are both empty are left out: that is how a question is removed.
    let questions: Vec<Question> = f
        .all("kind")
        .into_iter()
        .zip(f.all("ko"))
        .zip(f.all("en"))
        .filter(|((_, ko), en)| !ko.is_empty() || !en.is_empty())
        .map(|((kind, ko), en)| Question {
            kind: QuestionKind::parse(&kind).unwrap_or(QuestionKind::Scale),
            ko,
            en,
        })
        .collect();
    // Which row a mistake is in, so it is marked where it was typed.
    let wrong_row = domain::programs::feedback::check_questions(&questions)
        .err()
        .map(|(n, _)| n)
        .unwrap_or(1);
    match replace(&state, caller, id, &questions).await {
        Ok(_) => survey_screen(&state, &ctx, id, None, true).await,
        Err(e) => survey_screen(&state, &ctx, id, Some((&questions, wrong_row, &e)), false).await,
    }
}
