//! The practice desk (실습, issue 17 item 9): the trainer opens a sandbox of synthetic petitions
//! on a training session; each enrolled trainee works the cases on a page that looks like the
//! real desk (the assistant's routing suggestion with its score, the abuse screening, the
//! built-in draft), marked 실습 · PRACTICE everywhere; the trainer compares every decision with
//! the assistant and with the expected answer.
//!
//! Access: the trainer is whoever may update the catalogue (`Capability::Programs`, the training
//! officer) and sees everyone's work; a trainee is enrolled on the session and sees only their
//! own (and the expected answers once the desk is closed). Nobody else sees a desk. Nothing here
//! touches a petition: the cases live in `practice_*` tables (see `store::programs::practice`).
//! The JSON API (`api`) calls the same actions: `open_desk`, `look_at_case`, `decide`,
//! `close_desk`.

use super::learning::{session_name, show};
use crate::kit::auth::Caller;
use crate::kit::error::ApiError;
use crate::kit::extract::Path;
use crate::kit::form::PageForm;
use crate::kit::page::{Chrome, Ctx, Lang, OrPage, PageResult};
use crate::protection::views::PageId;
use crate::{AppState, Audit, audited};
use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use domain::AccountId;
use domain::access::{Action, Capability, Target};
use domain::petitions::Kind;
use domain::programs::practice::{self as rules, ChoiceDraft, Comparison};
use serde::Deserialize;
use std::collections::HashMap;
use store::programs::attendance::session_facts;
use store::programs::practice::{self as pr, Case, Decision, Desk};
use utoipa_axum::router::OpenApiRouter;

mod api;

/// The pages, and the JSON API (with its OpenAPI paths) in `api`.
pub(super) fn routes() -> OpenApiRouter<AppState> {
    api::routes().merge(pages().into())
}

fn pages() -> Router<AppState> {
    Router::new()
        .route("/programs/practice", get(list_page))
        .route(
            "/programs/sessions/{id}/practice",
            get(desk_page).post(open_form),
        )
        .route("/programs/sessions/{id}/practice/close", post(close_form))
        .route(
            "/programs/sessions/{id}/practice/people/{account}",
            get(person_page),
        )
        .route(
            "/programs/practice/cases/{id}",
            get(case_page).post(decide_form),
        )
}

/// Whether the caller is a trainer (organises programs). Asked without logging a refusal: a
/// trainee's pages ask it too.
async fn is_trainer(state: &AppState, caller: &Caller) -> Result<bool, ApiError> {
    caller
        .permits(state, Capability::Programs, Action::Update, Target::Office)
        .await
}

fn not_a_trainee() -> ApiError {
    ApiError::new(
        StatusCode::FORBIDDEN,
        "not_a_trainee",
        "이 실습 창구의 교육생이나 교육 담당자만 볼 수 있습니다",
        "only the trainees of this session and the training officer see this practice desk",
    )
}

/// Who the caller is on a session's desk: the trainer, a trainee, or refused (and logged).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Trainer,
    Trainee,
}

async fn role_on(state: &AppState, caller: &Caller, session_id: i64) -> Result<Role, ApiError> {
    if is_trainer(state, caller).await? {
        return Ok(Role::Trainer);
    }
    // A trainee's own work is their enrolment record (their own, in their department).
    let own = super::learning::person_target(caller.account.id, caller.account.department_id);
    if caller.account.role.is_staff()
        && pr::is_trainee(&state.db, session_id, caller.account.id).await?
        && caller
            .permits(state, Capability::ProgramEnrolment, Action::Update, own)
            .await?
    {
        return Ok(Role::Trainee);
    }
    // Refused like any denial of the policy: traced and written to the access log.
    tracing::warn!(
        account = caller.account.id,
        session_id,
        "practice desk refused"
    );
    let record = crate::access_record(
        caller,
        &format!("program_session:{session_id}"),
        "denied.practice_desk",
        "실습 창구의 교육생이나 교육 담당자가 아님 (neither a trainee nor the trainer)",
    );
    if let Err(e) = store::office::audit::record(&state.db, &record).await {
        tracing::error!(error = %e, "could not log a denied access");
    }
    Err(not_a_trainee())
}

// ---------------------------------------------------------------------------------------------
// Words

fn kind_word(lang: Lang, code: &str) -> String {
    match code.parse::<Kind>() {
        Ok(k) => lang.t(k.korean(), k.english()).to_string(),
        Err(_) => "—".into(),
    }
}

/// The kind with its legal period: "고충민원 · 7일".
fn kind_with_period(lang: Lang, k: Kind) -> String {
    use calendar::Period;
    let period = match k.default_period() {
        Some(Period::Days(d)) => lang.t(&format!("{d}일"), &format!("{d} days")).to_string(),
        Some(Period::Immediate) => lang
            .t("즉시 (3근무시간)", "at once (3 working hours)")
            .into(),
        Some(_) | None => lang
            .t("유형별 법정 기간", "the type's statutory period")
            .into(),
    };
    format!("{} · {period}", lang.t(k.korean(), k.english()))
}

/// The office's departments as code → name in the page's language.
async fn department_names(
    state: &AppState,
    lang: Lang,
) -> Result<HashMap<String, String>, ApiError> {
    Ok(store::office::departments::list(&state.db)
        .await?
        .into_iter()
        .filter(|d| d.active)
        .map(|d| {
            let name = match lang {
                Lang::En if !d.name_en.trim().is_empty() => d.name_en,
                _ => d.name,
            };
            (d.code, name)
        })
        .collect())
}

fn dept_word(names: &HashMap<String, String>, code: &str) -> String {
    if code.is_empty() {
        return "—".into();
    }
    names.get(code).cloned().unwrap_or_else(|| code.to_string())
}

fn abusive_word(lang: Lang, abusive: bool) -> &'static str {
    if abusive {
        lang.t("폭언 등 특이 민원", "abusive")
    } else {
        lang.t("특이 사항 없음", "not abusive")
    }
}

fn seconds_word(lang: Lang, s: i64) -> String {
    match lang {
        Lang::Ko => rules::duration_ko(s),
        Lang::En => rules::duration_en(s),
    }
}

/// "같음" / "다름", for agreement with the assistant or the expected answer.
fn same(lang: Lang, v: bool) -> (&'static str, &'static str) {
    if v {
        (lang.t("일치", "same"), "mw-same")
    } else {
        (lang.t("다름", "differs"), "mw-differs")
    }
}

/// The assistant's view of a case in words, as the real desk shows it.
struct AssistView {
    routing: Option<(String, String)>,
    screening: String,
    screening_detail: String,
}

fn assist_view(lang: Lang, c: &Case, names: &HashMap<String, String>) -> AssistView {
    AssistView {
        routing: (!c.suggested_department.is_empty()).then(|| {
            (
                format!(
                    "{} {:.0}%",
                    dept_word(names, &c.suggested_department),
                    c.suggested_score * 100.0
                ),
                match lang {
                    Lang::Ko => format!(
                        "확률 {:.2} · 모델 {}",
                        c.suggested_score, c.suggestion_model
                    ),
                    Lang::En => format!(
                        "probability {:.2} · model {}",
                        c.suggested_score, c.suggestion_model
                    ),
                },
            )
        }),
        screening: if c.screened_abusive {
            let kinds = if c.screened_kinds.is_empty() {
                String::new()
            } else {
                let words: Vec<String> = c
                    .screened_kinds
                    .split(',')
                    .map(|k| crate::petitions::staff_pages::abuse_kind_name(lang, k))
                    .collect();
                format!(" ({})", words.join(", "))
            };
            format!(
                "{}{kinds}",
                lang.t(
                    "주의: 폭언·욕설 등으로 보이는 표현이 있습니다",
                    "Caution: the text seems to contain abusive language"
                )
            )
        } else {
            lang.t("특이 사항 없음", "Nothing unusual found")
                .to_string()
        },
        screening_detail: match lang {
            Lang::Ko => format!(
                "점수 {:.2} (0~1, 0.5 이상이면 주의 표시) · 모델 {}",
                c.screened_score, c.screening_model
            ),
            Lang::En => format!(
                "score {:.2} (0 to 1; 0.5 or more flags it) · model {}",
                c.screened_score, c.screening_model
            ),
        },
    }
}

fn expected_words(lang: Lang, c: &Case, names: &HashMap<String, String>) -> String {
    let e = c.expected();
    format!(
        "{} · {} · {}",
        kind_with_period(lang, e.kind),
        dept_word(names, &e.department),
        abusive_word(lang, e.abusive)
    )
}

/// One decision beside the assistant's suggestion and the expected answer.
pub(crate) struct DecisionRow {
    case_id: i64,
    number: i64,
    title: String,
    trainee: String,
    decided: bool,
    kind: String,
    kind_right: (&'static str, &'static str),
    department: String,
    suggested: String,
    route_assistant: (&'static str, &'static str),
    route_right: (&'static str, &'static str),
    screened: String,
    screening: String,
    screen_assistant: (&'static str, &'static str),
    screen_right: (&'static str, &'static str),
    expected: String,
    took: String,
    draft: String,
}

fn decision_row(
    lang: Lang,
    d: &Decision,
    c: &Case,
    names: &HashMap<String, String>,
) -> DecisionRow {
    let cmp: Option<Comparison> = d.compared(c);
    let none = (lang.t("제안 없음", "no suggestion"), "mw-none");
    DecisionRow {
        case_id: c.id,
        number: c.number,
        title: c.title.clone(),
        trainee: d.trainee.clone(),
        decided: cmp.is_some(),
        kind: kind_word(lang, &d.kind),
        kind_right: same(lang, cmp.is_some_and(|x| x.kind_right)),
        department: dept_word(names, &d.department),
        suggested: if d.suggested_department.is_empty() {
            "—".into()
        } else {
            format!(
                "{} {:.0}%",
                dept_word(names, &d.suggested_department),
                d.suggested_score * 100.0
            )
        },
        route_assistant: match cmp.and_then(|x| x.route_as_assistant) {
            Some(v) => same(lang, v),
            None => none,
        },
        route_right: same(lang, cmp.is_some_and(|x| x.route_right)),
        screened: abusive_word(lang, d.abusive).to_string(),
        screening: abusive_word(lang, d.screened_abusive).to_string(),
        screen_assistant: same(lang, cmp.is_some_and(|x| x.screen_as_assistant)),
        screen_right: same(lang, cmp.is_some_and(|x| x.screen_right)),
        expected: expected_words(lang, c, names),
        took: if cmp.is_some() {
            seconds_word(lang, d.seconds)
        } else {
            lang.t("처리 중", "in progress").to_string()
        },
        draft: d.draft.clone(),
    }
}

/// A trainee's summary in words.
pub(crate) struct SummaryRow {
    account_id: AccountId,
    name: String,
    department: String,
    done: String,
    agreed: String,
    right: String,
    median: String,
}

fn summary_row(
    lang: Lang,
    id: AccountId,
    name: &str,
    department: &str,
    mine: &[&Decision],
    cases: &HashMap<i64, &Case>,
    of: usize,
) -> SummaryRow {
    let compared: Vec<(Comparison, i64)> = mine
        .iter()
        .filter_map(|d| {
            let c = cases.get(&d.case_id)?;
            Some((d.compared(c)?, d.seconds))
        })
        .collect();
    let s = rules::summarise(&compared, of);
    SummaryRow {
        account_id: id,
        name: name.to_string(),
        department: department.to_string(),
        done: format!("{} / {}", s.done, s.of),
        agreed: if s.done == 0 {
            "—".into()
        } else {
            format!("{} / {} ({}%)", s.agreed, s.done, s.agreed * 100 / s.done)
        },
        right: if s.done == 0 {
            "—".into()
        } else {
            format!("{} / {}", s.right, s.done)
        },
        median: s
            .median_seconds
            .map(|m| seconds_word(lang, m))
            .unwrap_or_else(|| "—".into()),
    }
}

// ---------------------------------------------------------------------------------------------
// The desk page

#[derive(Deserialize)]
pub(crate) struct Done {
    done: Option<String>,
}

fn done_words(lang: Lang, done: Option<&str>) -> Option<String> {
    let (ko, en) = match done? {
        "opened" => (
            "실습 창구를 열었습니다. 교육생이 사례를 처리할 수 있습니다.",
            "The practice desk is open; trainees can work the cases.",
        ),
        "closed" => (
            "실습 창구를 닫았습니다. 교육생에게 모범 답안이 보입니다.",
            "The practice desk is closed; trainees now see the expected answers.",
        ),
        "decided" => ("처리 결과를 기록했습니다.", "Your decision is recorded."),
        _ => return None,
    };
    Some(lang.t(ko, en).to_string())
}

pub(crate) struct CaseRow {
    id: i64,
    number: i64,
    title: String,
    assistant: String,
    screening: String,
    expected: String,
    status: String,
    status_code: &'static str,
    took: String,
}

#[derive(Template)]
#[template(path = "programs/practice_desk.html")]
pub(crate) struct DeskPage {
    c: Chrome,
    session_id: i64,
    name: String,
    trainer: bool,
    desk: Option<(String, bool, i64)>,
    notice: Option<String>,
    cases_typed: String,
    cases_error: Option<String>,
    close_error: Option<String>,
    summaries: Vec<SummaryRow>,
    cases: Vec<CaseRow>,
    mine: Option<SummaryRow>,
    show_expected: bool,
}

#[allow(clippy::too_many_arguments)]
async fn desk_screen(
    state: &AppState,
    ctx: &Ctx,
    caller: &Caller,
    session_id: i64,
    notice: Option<String>,
    cases_typed: &str,
    cases_error: Option<&ApiError>,
    close_error: Option<&ApiError>,
) -> PageResult {
    let lang = ctx.lang;
    let facts = session_facts(&state.db, session_id)
        .await
        .map_err(ApiError::from)
        .or_page(ctx)?;
    let role = role_on(state, caller, session_id).await.or_page(ctx)?;
    let desk = pr::desk_of_session(&state.db, session_id)
        .await
        .or_page(ctx)?;
    let names = department_names(state, lang).await.or_page(ctx)?;
    let mut page = DeskPage {
        c: ctx.chrome(),
        session_id,
        name: session_name(lang, &facts),
        trainer: role == Role::Trainer,
        desk: desk.as_ref().map(|d| {
            (
                calendar::to_seoul(d.opened_at)
                    .format("%Y-%m-%d %H:%M")
                    .to_string(),
                d.is_closed(),
                d.case_count,
            )
        }),
        notice,
        cases_typed: cases_typed.to_string(),
        cases_error: cases_error.map(|e| lang.of(e).to_string()),
        close_error: close_error.map(|e| lang.of(e).to_string()),
        summaries: Vec::new(),
        cases: Vec::new(),
        mine: None,
        show_expected: false,
    };
    if let Some(desk) = &desk {
        let cases = pr::cases(&state.db, desk.id).await.or_page(ctx)?;
        let by_id: HashMap<i64, &Case> = cases.iter().map(|c| (c.id, c)).collect();
        let of = cases.len();
        page.show_expected = role == Role::Trainer || desk.is_closed();
        if role == Role::Trainer {
            let all = pr::decisions(&state.db, desk.id, None).await.or_page(ctx)?;
            for t in pr::trainees(&state.db, session_id).await.or_page(ctx)? {
                let mine: Vec<&Decision> = all
                    .iter()
                    .filter(|d| d.account_id == t.account_id)
                    .collect();
                page.summaries.push(summary_row(
                    lang,
                    t.account_id,
                    &t.name,
                    t.department.as_deref().unwrap_or(""),
                    &mine,
                    &by_id,
                    of,
                ));
            }
            page.cases = cases
                .iter()
                .map(|c| {
                    let a = assist_view(lang, c, &names);
                    let n = all
                        .iter()
                        .filter(|d| d.case_id == c.id && d.decided_at.is_some())
                        .count();
                    CaseRow {
                        id: c.id,
                        number: c.number,
                        title: c.title.clone(),
                        assistant: a.routing.map(|r| r.0).unwrap_or_else(|| "—".into()),
                        screening: abusive_word(lang, c.screened_abusive).to_string(),
                        expected: expected_words(lang, c, &names),
                        status: match lang {
                            Lang::Ko => format!("{n}명 처리"),
                            Lang::En => format!("{n} decided"),
                        },
                        status_code: "",
                        took: String::new(),
                    }
                })
                .collect();
        } else {
            let mine = pr::decisions(&state.db, desk.id, Some(caller.account.id))
                .await
                .or_page(ctx)?;
            let refs: Vec<&Decision> = mine.iter().collect();
            page.mine = Some(summary_row(
                lang,
                caller.account.id,
                &caller.account.display_name,
                "",
                &refs,
                &by_id,
                of,
            ));
            page.cases = cases
                .iter()
                .map(|c| {
                    let d = mine.iter().find(|d| d.case_id == c.id);
                    let a = assist_view(lang, c, &names);
                    let (status, code) = match d {
                        Some(d) if d.decided_at.is_some() => {
                            (lang.t("처리함", "decided"), "decided")
                        }
                        Some(_) => (lang.t("처리 중", "in progress"), "open"),
                        None => (lang.t("새 사례", "new"), "new"),
                    };
                    CaseRow {
                        id: c.id,
                        number: c.number,
                        title: c.title.clone(),
                        assistant: a.routing.map(|r| r.0).unwrap_or_else(|| "—".into()),
                        screening: abusive_word(lang, c.screened_abusive).to_string(),
                        expected: if desk.is_closed() {
                            expected_words(lang, c, &names)
                        } else {
                            String::new()
                        },
                        status: status.to_string(),
                        status_code: code,
                        took: d
                            .filter(|d| d.decided_at.is_some())
                            .map(|d| seconds_word(lang, d.seconds))
                            .unwrap_or_default(),
                    }
                })
                .collect();
        }
    }
    let error = cases_error.or(close_error);
    Ok(show(ctx, &page, error))
}

async fn desk_page(
    State(state): State<AppState>,
    ctx: Ctx,
    PageId(id): PageId,
    Query(q): Query<Done>,
) -> PageResult {
    let caller = ctx.staff_or_refuse()?;
    let notice = done_words(ctx.lang, q.done.as_deref());
    desk_screen(&state, &ctx, caller, id, notice, "12", None, None).await
}

#[derive(Deserialize)]
pub(crate) struct OpenForm {
    #[serde(default)]
    cases: String,
}

/// Open a desk: checks, then the assistant's work on every case (CPU, off the async threads),
/// then one audited transaction that writes the desk and its cases.
async fn open_desk(
    state: &AppState,
    caller: &Caller,
    session_id: i64,
    typed: &str,
) -> Result<Desk, ApiError> {
    caller
        .may(state, Capability::Programs, Action::Update, Target::Office)
        .await?;
    let n = rules::case_count(typed).map_err(|e| match e.first() {
        Some(f) => ApiError::from(store::StoreError::Rule(f.error.clone())),
        None => ApiError::bad_request("invalid_case_count", "사례 수", "case count"),
    })?;
    pr::check_session(&state.db, session_id).await?;
    if pr::desk_of_session(&state.db, session_id).await?.is_some() {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "desk_open",
            "이 회차에는 이미 실습 창구가 열려 있습니다",
            "this session already has a practice desk",
        ));
    }
    let names = pr::department_names(&state.db).await?;
    let prepared = tokio::task::spawn_blocking(move || {
        pr::prepare(pr::generate(session_id, n as usize), &names)
    })
    .await
    .map_err(|e| {
        tracing::error!(error = %e, "practice cases not prepared");
        ApiError::internal()
    })?;
    let by = caller.account.id;
    audited(state, caller, async |tx| {
        let desk = pr::open_desk(tx, session_id, &prepared, by, store::now()).await?;
        Ok((
            desk,
            Audit::new(
                format!("program_session:{session_id}"),
                "programs.practice_open",
                &format!("cases={n}"),
            ),
        ))
    })
    .await
}

async fn open_form(
    State(state): State<AppState>,
    ctx: Ctx,
    PageId(id): PageId,
    PageForm(form): PageForm<OpenForm>,
) -> PageResult {
    let caller = ctx.staff_or_refuse()?;
    match open_desk(&state, caller, id, &form.cases).await {
        Ok(_) => Ok(
            Redirect::to(&format!("/programs/sessions/{id}/practice?done=opened")).into_response(),
        ),
        Err(e) if e.status == StatusCode::FORBIDDEN => Err(ctx.fail(&e)),
        Err(e) => desk_screen(&state, &ctx, caller, id, None, &form.cases, Some(&e), None).await,
    }
}

async fn close_form(
    State(state): State<AppState>,
    ctx: Ctx,
    PageId(id): PageId,
    PageForm(_): PageForm<HashMap<String, String>>,
) -> PageResult {
    let caller = ctx.staff_or_refuse()?;
    match close_desk(&state, caller, id).await {
        Ok(()) => Ok(
            Redirect::to(&format!("/programs/sessions/{id}/practice?done=closed")).into_response(),
        ),
        Err(e) if e.status == StatusCode::FORBIDDEN || e.status == StatusCode::NOT_FOUND => {
            Err(ctx.fail(&e))
        }
        Err(e) => desk_screen(&state, &ctx, caller, id, None, "12", None, Some(&e)).await,
    }
}

/// Close a session's desk (the trainer): no more decisions; trainees see the expected answers.
async fn close_desk(state: &AppState, caller: &Caller, session_id: i64) -> Result<(), ApiError> {
    caller
        .may(state, Capability::Programs, Action::Update, Target::Office)
        .await?;
    let desk = pr::desk_of_session(&state.db, session_id)
        .await?
        .ok_or_else(no_desk)?;
    let by = caller.account.id;
    audited(state, caller, async |tx| {
        pr::close_desk(tx, desk.id, by, store::now()).await?;
        Ok((
            (),
            Audit::new(
                format!("program_session:{session_id}"),
                "programs.practice_close",
                "",
            ),
        ))
    })
    .await
}

fn no_desk() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "no_practice_desk",
        "이 회차에는 실습 창구가 없습니다",
        "this session has no practice desk",
    )
}

// ---------------------------------------------------------------------------------------------
// One trainee's work (the trainer's view)

#[derive(Template)]
#[template(path = "programs/practice_person.html")]
pub(crate) struct PersonPage {
    c: Chrome,
    session_id: i64,
    name: String,
    summary: SummaryRow,
    rows: Vec<DecisionRow>,
}

async fn person_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((session_id, account)): Path<(i64, i64)>,
) -> PageResult {
    let caller = ctx.staff_or_refuse()?;
    let lang = ctx.lang;
    caller
        .may(&state, Capability::Programs, Action::Update, Target::Office)
        .await
        .or_page(&ctx)?;
    let facts = session_facts(&state.db, session_id)
        .await
        .map_err(ApiError::from)
        .or_page(&ctx)?;
    let desk = pr::desk_of_session(&state.db, session_id)
        .await
        .or_page(&ctx)?
        .ok_or_else(ApiError::not_found)
        .or_page(&ctx)?;
    let trainee = pr::trainees(&state.db, session_id)
        .await
        .or_page(&ctx)?
        .into_iter()
        .find(|t| t.account_id == account)
        .ok_or_else(ApiError::not_found)
        .or_page(&ctx)?;
    let cases = pr::cases(&state.db, desk.id).await.or_page(&ctx)?;
    let by_id: HashMap<i64, &Case> = cases.iter().map(|c| (c.id, c)).collect();
    let names = department_names(&state, lang).await.or_page(&ctx)?;
    let mine = pr::decisions(&state.db, desk.id, Some(account))
        .await
        .or_page(&ctx)?;
    let refs: Vec<&Decision> = mine.iter().collect();
    let page = PersonPage {
        c: ctx.chrome(),
        session_id,
        name: session_name(lang, &facts),
        summary: summary_row(
            lang,
            account,
            &trainee.name,
            trainee.department.as_deref().unwrap_or(""),
            &refs,
            &by_id,
            cases.len(),
        ),
        rows: mine
            .iter()
            .filter_map(|d| Some(decision_row(lang, d, by_id.get(&d.case_id)?, &names)))
            .collect(),
    };
    Ok(ctx.render(&page))
}

// ---------------------------------------------------------------------------------------------
// One case

#[derive(Template)]
#[template(path = "programs/practice_case.html")]
pub(crate) struct CasePage {
    c: Chrome,
    notice: Option<String>,
    session_id: i64,
    name: String,
    id: i64,
    number: i64,
    of: i64,
    title: String,
    body: String,
    petitioner: String,
    phone: String,
    routing: Option<(String, String)>,
    screening: String,
    screening_detail: String,
    flagged: bool,
    trainer: bool,
    closed: bool,
    /// Kind code and words with its period.
    kinds: Vec<(&'static str, String)>,
    departments: Vec<(String, String)>,
    typed: ChoiceDraft,
    errors: super::forms::Errors,
    mine: Option<DecisionRow>,
    expected: Option<String>,
    everyone: Vec<DecisionRow>,
    /// The next case of the desk, to go on with.
    next: Option<i64>,
}

fn into_errors(lang: Lang, invalid: domain::programs::Invalid) -> super::forms::Errors {
    let mut e = super::forms::Errors::new();
    for f in invalid.0 {
        e.push((f.field, lang.of(&f.error).to_string()));
    }
    e
}

/// What a case page answers besides the case: the form as typed with its problems, or a
/// confirmation, and the status.
struct Shown {
    typed: Option<ChoiceDraft>,
    errors: super::forms::Errors,
    notice: Option<String>,
    status: StatusCode,
}

async fn case_screen(
    state: &AppState,
    ctx: &Ctx,
    caller: &Caller,
    case_id: i64,
    shown: Shown,
) -> PageResult {
    let Shown {
        typed,
        errors,
        notice,
        status,
    } = shown;
    let lang = ctx.lang;
    let (case, desk, role) = look_at_case(state, caller, case_id).await.or_page(ctx)?;
    let facts = session_facts(&state.db, desk.session_id)
        .await
        .map_err(ApiError::from)
        .or_page(ctx)?;
    let names = department_names(state, lang).await.or_page(ctx)?;
    let mut departments: Vec<(String, String)> =
        names.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
    departments.sort_by(|a, b| a.1.cmp(&b.1));
    let a = assist_view(lang, &case, &names);
    let all = pr::decisions(
        &state.db,
        desk.id,
        (role == Role::Trainee).then_some(caller.account.id),
    )
    .await
    .or_page(ctx)?;
    let on_case: Vec<&Decision> = all.iter().filter(|d| d.case_id == case.id).collect();
    let next = pr::cases(&state.db, desk.id)
        .await
        .or_page(ctx)?
        .into_iter()
        .find(|c| c.number == case.number + 1)
        .map(|c| c.id);
    let mine = if role == Role::Trainee {
        on_case
            .iter()
            .find(|d| d.decided_at.is_some())
            .map(|d| decision_row(lang, d, &case, &names))
    } else {
        None
    };
    let page = CasePage {
        c: ctx.chrome(),
        notice,
        session_id: desk.session_id,
        name: session_name(lang, &facts),
        id: case.id,
        number: case.number,
        of: desk.case_count,
        title: case.title.clone(),
        body: case.body.clone(),
        petitioner: case.petitioner.clone(),
        phone: case.phone.clone(),
        routing: a.routing,
        screening: a.screening,
        screening_detail: a.screening_detail,
        flagged: case.screened_abusive,
        trainer: role == Role::Trainer,
        closed: desk.is_closed(),
        kinds: Kind::ALL
            .iter()
            .map(|k| (k.as_str(), kind_with_period(lang, *k)))
            .collect(),
        departments,
        typed: typed.unwrap_or_else(|| ChoiceDraft {
            draft: case.draft.clone(),
            ..ChoiceDraft::default()
        }),
        mine,
        expected: (role == Role::Trainer || desk.is_closed())
            .then(|| expected_words(lang, &case, &names)),
        everyone: if role == Role::Trainer {
            on_case
                .iter()
                .map(|d| decision_row(lang, d, &case, &names))
                .collect()
        } else {
            Vec::new()
        },
        errors,
        next,
    };
    Ok(ctx.render_status(status, &page))
}

/// A case as the caller may see it: refused unless they are the trainer or a trainee of its
/// session; a trainee's first look starts the clock of the time taken.
async fn look_at_case(
    state: &AppState,
    caller: &Caller,
    case_id: i64,
) -> Result<(Case, Desk, Role), ApiError> {
    let (case, desk) = pr::case(&state.db, case_id).await?;
    let role = role_on(state, caller, desk.session_id).await?;
    if role == Role::Trainee && !desk.is_closed() {
        let mut tx = state.db.begin().await?;
        pr::open_case(&mut tx, case.id, caller.account.id, store::now()).await?;
        tx.commit().await?;
    }
    Ok((case, desk, role))
}

async fn case_page(
    State(state): State<AppState>,
    ctx: Ctx,
    PageId(id): PageId,
    Query(q): Query<Done>,
) -> PageResult {
    let caller = ctx.staff_or_refuse()?;
    let notice = done_words(ctx.lang, q.done.as_deref());
    let shown = Shown {
        typed: None,
        errors: super::forms::Errors::new(),
        notice,
        status: StatusCode::OK,
    };
    case_screen(&state, &ctx, caller, id, shown).await
}

#[derive(Deserialize)]
pub(crate) struct DecideForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    department: String,
    #[serde(default)]
    abusive: String,
    #[serde(default)]
    draft: String,
}

/// A trainee's decision: enrolled on the case's session, checked field by field, then one
/// audited write. Refusals name the field they concern.
async fn decide(
    state: &AppState,
    caller: &Caller,
    case_id: i64,
    typed: &ChoiceDraft,
) -> Result<Result<Decision, domain::programs::Invalid>, ApiError> {
    let (_, desk) = pr::case(&state.db, case_id).await?;
    if role_on(state, caller, desk.session_id).await? != Role::Trainee {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "trainer_does_not_decide",
            "교육 담당자는 사례를 처리하지 않습니다. 교육생의 처리를 비교해 보세요",
            "the trainer does not decide cases; compare the trainees' decisions",
        ));
    }
    let names = pr::department_names(&state.db).await?;
    let codes: Vec<&str> = names.keys().map(String::as_str).collect();
    let choice = match rules::check_choice(typed, &codes, pr::UNFINISHED) {
        Ok(c) => c,
        Err(invalid) => return Ok(Err(invalid)),
    };
    let by = caller.account.id;
    let d = audited(state, caller, async |tx| {
        let d = pr::decide(tx, case_id, by, &choice, store::now()).await?;
        Ok((
            d,
            Audit::new(
                format!("practice_case:{case_id}"),
                "programs.practice_decide",
                "",
            ),
        ))
    })
    .await?;
    Ok(Ok(d))
}

async fn decide_form(
    State(state): State<AppState>,
    ctx: Ctx,
    PageId(id): PageId,
    PageForm(form): PageForm<DecideForm>,
) -> PageResult {
    let caller = ctx.staff_or_refuse()?;
    let lang = ctx.lang;
    let typed = ChoiceDraft {
        kind: form.kind,
        department: form.department,
        abusive: form.abusive,
        draft: form.draft,
    };
    match decide(&state, caller, id, &typed).await {
        Ok(Ok(_)) => Ok(
            Redirect::to(&format!("/programs/practice/cases/{id}?done=decided")).into_response(),
        ),
        Ok(Err(invalid)) => {
            let shown = Shown {
                typed: Some(typed),
                errors: into_errors(lang, invalid),
                notice: None,
                status: StatusCode::UNPROCESSABLE_ENTITY,
            };
            case_screen(&state, &ctx, caller, id, shown).await
        }
        Err(e) if e.status == StatusCode::FORBIDDEN || e.status == StatusCode::NOT_FOUND => {
            Err(ctx.fail(&e))
        }
        // A closed desk or a case already decided: shown above the form, everything kept.
        Err(e) => {
            let mut errors = super::forms::Errors::new();
            errors.push(("decision", lang.of(&e).to_string()));
            let shown = Shown {
                typed: Some(typed),
                errors,
                notice: None,
                status: e.status,
            };
            case_screen(&state, &ctx, caller, id, shown).await
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The list of desks

pub(crate) struct DeskRow {
    session_id: i64,
    name: String,
    state: String,
}

#[derive(Template)]
#[template(path = "programs/practice_list.html")]
pub(crate) struct ListPage {
    c: Chrome,
    rows: Vec<DeskRow>,
    trainer: bool,
}

async fn list_page(State(state): State<AppState>, ctx: Ctx) -> PageResult {
    let caller = ctx.staff_or_refuse()?;
    let lang = ctx.lang;
    let trainer = is_trainer(&state, caller).await.or_page(&ctx)?;
    let desks = pr::desks_for(&state.db, (!trainer).then_some(caller.account.id))
        .await
        .or_page(&ctx)?;
    let mut rows = Vec::new();
    for d in desks {
        let facts = session_facts(&state.db, d.session_id)
            .await
            .map_err(ApiError::from)
            .or_page(&ctx)?;
        rows.push(DeskRow {
            session_id: d.session_id,
            name: session_name(lang, &facts),
            state: if d.is_closed() {
                lang.t("닫힘", "closed").to_string()
            } else {
                lang.t("진행 중", "open").to_string()
            },
        });
    }
    Ok(ctx.render(&ListPage {
        c: ctx.chrome(),
        rows,
        trainer,
    }))
}
