//! The practice desk's JSON API (`/api/v1/programs/…`, tag `programs`): the same actions as the
//! pages — opening, looking at a case (which starts a trainee's clock), deciding, closing — and
//! the same refusals, through the helpers of `super`. Who sees what is decided once here, in
//! `Seen`: the trainer everything; a trainee their own work, and the expected answers (and
//! whether they got them right) only once the desk is closed.

use super::{Role, close_desk, decide, look_at_case, no_desk, open_desk, role_on};
use crate::AppState;
use crate::kit::auth::{ApiCaller, Caller};
use crate::kit::error::{ApiError, ErrorBody};
use crate::kit::json::ApiJson;
use crate::wellbeing::api::Id;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use domain::AccountId;
use domain::programs::practice::{self as rules, ChoiceDraft};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use store::office::departments::Department;
use store::programs::attendance::session_facts;
use store::programs::practice::{self as pr, Case, Decision, Desk};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(desk_api, open_api))
        .routes(routes!(close_api))
        .routes(routes!(case_api))
        .routes(routes!(decide_api))
}

// ---------------------------------------------------------------------------------------------
// What the API answers

/// A practice desk.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeskView {
    pub id: i64,
    pub session_id: i64,
    pub case_count: i64,
    pub opened_at: DateTime<Utc>,
    /// Set once the trainer has closed the desk: no more decisions; trainees see the answers.
    pub closed_at: Option<DateTime<Utc>>,
}

impl From<&Desk> for DeskView {
    fn from(d: &Desk) -> Self {
        Self {
            id: d.id,
            session_id: d.session_id,
            case_count: d.case_count,
            opened_at: d.opened_at,
            closed_at: d.closed_at,
        }
    }
}

/// A department of the office, by the code the cases carry.
#[derive(Debug, Serialize, ToSchema)]
pub struct DepartmentRef {
    pub code: String,
    /// The department's id (what a decision sends as `department_id`); absent when the office
    /// has no active department of this code.
    pub id: Option<i64>,
    pub name: Option<String>,
    pub name_en: Option<String>,
}

/// What the generator knows to be right.
#[derive(Debug, Serialize, ToSchema)]
pub struct ExpectedView {
    /// A petition kind (`grievance`, `question-system`, `question-law`, `proposal`, `statutory`,
    /// `other`).
    pub kind: String,
    pub department: DepartmentRef,
    pub abusive: bool,
}

/// What the assistant said of a case when the desk opened.
#[derive(Debug, Serialize, ToSchema)]
pub struct AssistantView {
    /// The suggested department; absent when the assistant had no suggestion.
    pub department: Option<DepartmentRef>,
    /// The suggestion's probability (0–1).
    pub score: f64,
    pub routing_model: String,
    /// The abuse screening's verdict, its score (0–1) and the kinds of abuse it named.
    pub abusive: bool,
    pub abuse_score: f64,
    pub abuse_kinds: Vec<String>,
    pub screening_model: String,
}

/// A case in the desk's list (no text: reading a case is `GET practice/cases/{id}`, which
/// starts a trainee's clock).
#[derive(Debug, Serialize, ToSchema)]
pub struct CaseBrief {
    pub id: i64,
    pub number: i64,
    pub title: String,
    pub assistant: AssistantView,
    /// The trainer's, or everyone's once the desk is closed.
    pub expected: Option<ExpectedView>,
}

/// One case in full: the synthetic petition, the assistant's view and its draft answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct CaseView {
    pub id: i64,
    pub number: i64,
    pub title: String,
    pub body: String,
    /// Fictitious, made up by the generator.
    pub petitioner: String,
    pub phone: String,
    pub assistant: AssistantView,
    /// The assistant's draft letter, with its draft mark and `{answer}` for the trainee.
    pub draft: String,
    pub expected: Option<ExpectedView>,
}

/// A decision compared with the assistant and, when the caller may see it, the expected answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct ComparisonView {
    /// Routed where the assistant suggested; absent when it had no suggestion.
    pub route_as_assistant: Option<bool>,
    pub screen_as_assistant: bool,
    pub agreed_with_assistant: bool,
    pub kind_right: Option<bool>,
    pub route_right: Option<bool>,
    pub screen_right: Option<bool>,
    pub all_right: Option<bool>,
}

/// What the assistant had suggested when the trainee decided.
#[derive(Debug, Serialize, ToSchema)]
pub struct SuggestionView {
    pub department: Option<DepartmentRef>,
    pub score: f64,
    pub abusive: bool,
}

/// A trainee's work on a case: opened, and once decided, the decision beside the assistant's
/// suggestion and (when the caller may see it) the expected answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct DecisionView {
    pub case_id: i64,
    pub case_number: i64,
    pub account_id: AccountId,
    pub trainee: String,
    pub opened_at: DateTime<Utc>,
    /// Absent while the case is only opened; then the fields below are absent too.
    pub decided_at: Option<DateTime<Utc>>,
    pub kind: Option<String>,
    pub department: Option<DepartmentRef>,
    pub abusive: Option<bool>,
    pub answer: Option<String>,
    /// From the first look at the case to the decision.
    pub seconds: Option<i64>,
    pub assistant: Option<SuggestionView>,
    pub expected: Option<ExpectedView>,
    pub comparison: Option<ComparisonView>,
}

/// One trainee's work on the desk.
#[derive(Debug, Serialize, ToSchema)]
pub struct SummaryView {
    pub account_id: AccountId,
    pub name: String,
    pub department: Option<String>,
    pub done: usize,
    pub of: usize,
    /// Decisions that followed the assistant on everything it suggested.
    pub agreed: usize,
    /// Decisions right on kind, department and screening (when the caller may see it).
    pub right: Option<usize>,
    /// Median seconds from opening a case to deciding it.
    pub median_seconds: Option<i64>,
}

/// A session's desk as the caller may see it.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeskAnswer {
    pub desk: DeskView,
    /// `trainer` (everyone's work) or `trainee` (the caller's own).
    pub role: String,
    pub cases: Vec<CaseBrief>,
    /// The trainer: every trainee enrolled; a trainee: themselves.
    pub trainees: Vec<SummaryView>,
    pub decisions: Vec<DecisionView>,
}

/// One case as the caller may see it, with the work on it they may see.
#[derive(Debug, Serialize, ToSchema)]
pub struct CaseAnswer {
    pub desk: DeskView,
    pub role: String,
    pub case: CaseView,
    /// The trainer: every trainee's; a trainee: their own.
    pub decisions: Vec<DecisionView>,
}

fn role_word(role: Role) -> String {
    match role {
        Role::Trainer => "trainer",
        Role::Trainee => "trainee",
    }
    .to_string()
}

/// What one caller may see of a desk: the expected answers go to the trainer, and to trainees
/// once the desk is closed.
struct Seen {
    departments: HashMap<String, Department>,
    expected: bool,
}

impl Seen {
    async fn of(state: &AppState, role: Role, desk: &Desk) -> Result<Self, ApiError> {
        let departments = store::office::departments::list(&state.db)
            .await?
            .into_iter()
            .filter(|d| d.active)
            .map(|d| (d.code.clone(), d))
            .collect();
        Ok(Self {
            departments,
            expected: role == Role::Trainer || desk.is_closed(),
        })
    }

    fn department(&self, code: &str) -> Option<DepartmentRef> {
        if code.is_empty() {
            return None;
        }
        let d = self.departments.get(code);
        Some(DepartmentRef {
            code: code.to_string(),
            id: d.map(|d| d.id),
            name: d.map(|d| d.name.clone()),
            name_en: d.map(|d| d.name_en.clone()),
        })
    }

    fn expected(&self, c: &Case) -> Option<ExpectedView> {
        if !self.expected {
            return None;
        }
        let e = c.expected();
        Some(ExpectedView {
            kind: e.kind.as_str().to_string(),
            department: self.department(&e.department)?,
            abusive: e.abusive,
        })
    }

    fn assistant(&self, c: &Case) -> AssistantView {
        AssistantView {
            department: self.department(&c.suggested_department),
            score: c.suggested_score,
            routing_model: c.suggestion_model.clone(),
            abusive: c.screened_abusive,
            abuse_score: c.screened_score,
            abuse_kinds: c
                .screened_kinds
                .split(',')
                .filter(|k| !k.is_empty())
                .map(str::to_string)
                .collect(),
            screening_model: c.screening_model.clone(),
        }
    }

    fn brief(&self, c: &Case) -> CaseBrief {
        CaseBrief {
            id: c.id,
            number: c.number,
            title: c.title.clone(),
            assistant: self.assistant(c),
            expected: self.expected(c),
        }
    }

    fn case(&self, c: &Case) -> CaseView {
        CaseView {
            id: c.id,
            number: c.number,
            title: c.title.clone(),
            body: c.body.clone(),
            petitioner: c.petitioner.clone(),
            phone: c.phone.clone(),
            assistant: self.assistant(c),
            draft: c.draft.clone(),
            expected: self.expected(c),
        }
    }

    fn decision(&self, d: &Decision, c: &Case) -> DecisionView {
        let cmp = d.compared(c);
        let decided = cmp.is_some();
        let right = |v: bool| self.expected.then_some(v);
        DecisionView {
            case_id: d.case_id,
            case_number: d.case_number,
            account_id: d.account_id,
            trainee: d.trainee.clone(),
            opened_at: d.opened_at,
            decided_at: d.decided_at,
            kind: decided.then(|| d.kind.clone()),
            department: decided.then(|| self.department(&d.department)).flatten(),
            abusive: decided.then_some(d.abusive),
            answer: decided.then(|| d.draft.clone()),
            seconds: decided.then_some(d.seconds),
            assistant: decided.then(|| SuggestionView {
                department: self.department(&d.suggested_department),
                score: d.suggested_score,
                abusive: d.screened_abusive,
            }),
            expected: self.expected(c),
            comparison: cmp.map(|x| ComparisonView {
                route_as_assistant: x.route_as_assistant,
                screen_as_assistant: x.screen_as_assistant,
                agreed_with_assistant: x.agreed_with_assistant(),
                kind_right: right(x.kind_right),
                route_right: right(x.route_right),
                screen_right: right(x.screen_right),
                all_right: right(x.all_right()),
            }),
        }
    }

    fn summary(
        &self,
        (account_id, name, department): (AccountId, &str, Option<String>),
        mine: &[&Decision],
        cases: &HashMap<i64, &Case>,
    ) -> SummaryView {
        let compared: Vec<_> = mine
            .iter()
            .filter_map(|d| Some((d.compared(cases.get(&d.case_id)?)?, d.seconds)))
            .collect();
        let s = rules::summarise(&compared, cases.len());
        SummaryView {
            account_id,
            name: name.to_string(),
            department,
            done: s.done,
            of: s.of,
            agreed: s.agreed,
            right: self.expected.then_some(s.right),
            median_seconds: s.median_seconds,
        }
    }
}

/// A session's desk as the caller sees it: the trainer everyone's work, a trainee their own.
async fn desk_answer(
    state: &AppState,
    caller: &Caller,
    session_id: i64,
) -> Result<DeskAnswer, ApiError> {
    session_facts(&state.db, session_id).await?;
    let role = role_on(state, caller, session_id).await?;
    let desk = pr::desk_of_session(&state.db, session_id)
        .await?
        .ok_or_else(no_desk)?;
    let seen = Seen::of(state, role, &desk).await?;
    let cases = pr::cases(&state.db, desk.id).await?;
    let by_id: HashMap<i64, &Case> = cases.iter().map(|c| (c.id, c)).collect();
    let own = (role == Role::Trainee).then_some(caller.account.id);
    let decisions = pr::decisions(&state.db, desk.id, own).await?;
    let trainees = pr::trainees(&state.db, session_id)
        .await?
        .into_iter()
        .filter(|t| own.is_none_or(|me| me == t.account_id))
        .map(|t| {
            let mine: Vec<&Decision> = decisions
                .iter()
                .filter(|d| d.account_id == t.account_id)
                .collect();
            seen.summary((t.account_id, &t.name, t.department), &mine, &by_id)
        })
        .collect();
    Ok(DeskAnswer {
        desk: DeskView::from(&desk),
        role: role_word(role),
        cases: cases.iter().map(|c| seen.brief(c)).collect(),
        trainees,
        decisions: decisions
            .iter()
            .filter_map(|d| Some(seen.decision(d, by_id.get(&d.case_id)?)))
            .collect(),
    })
}

// ---------------------------------------------------------------------------------------------
// The routes

/// A session's practice desk: the trainer sees every trainee's summary and every decision beside
/// the assistant's suggestion and the expected answer; a trainee only their own work, with the
/// expected answers once the desk is closed. Anyone else is refused (and logged).
#[utoipa::path(get, path = "/api/v1/programs/sessions/{id}/practice", tag = "programs", security(("bearer" = [])),
    params(("id" = i64, Path, description = "the session")),
    responses((status = 200, body = DeskAnswer), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(crate) async fn desk_api(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Id(id): Id,
) -> Result<Json<DeskAnswer>, ApiError> {
    Ok(Json(desk_answer(&state, &caller, id).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OpenRequest {
    /// How many synthetic petitions (1–40).
    pub cases: i64,
}

/// Open a practice desk on an onboarding or training session (the trainer): the cases are
/// generated and the assistant looks at each once.
#[utoipa::path(post, path = "/api/v1/programs/sessions/{id}/practice", tag = "programs", security(("bearer" = [])),
    params(("id" = i64, Path, description = "the session")), request_body = OpenRequest,
    responses((status = 201, body = DeskAnswer), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub(crate) async fn open_api(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Id(id): Id,
    ApiJson(req): ApiJson<OpenRequest>,
) -> Result<Response, ApiError> {
    open_desk(&state, &caller, id, &req.cases.to_string()).await?;
    let answer = desk_answer(&state, &caller, id).await?;
    Ok((StatusCode::CREATED, Json(answer)).into_response())
}

/// Close a session's desk (the trainer): no more decisions; trainees see the expected answers.
#[utoipa::path(post, path = "/api/v1/programs/sessions/{id}/practice/close", tag = "programs", security(("bearer" = [])),
    params(("id" = i64, Path, description = "the session")),
    responses((status = 200, body = DeskAnswer), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody)))]
pub(crate) async fn close_api(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Id(id): Id,
) -> Result<Json<DeskAnswer>, ApiError> {
    close_desk(&state, &caller, id).await?;
    Ok(Json(desk_answer(&state, &caller, id).await?))
}

/// One case: the synthetic petition, the assistant's view and draft, and the work on it the
/// caller may see. A trainee's first look starts the clock of their time taken.
#[utoipa::path(get, path = "/api/v1/programs/practice/cases/{id}", tag = "programs", security(("bearer" = [])),
    params(("id" = i64, Path, description = "the case")),
    responses((status = 200, body = CaseAnswer), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(crate) async fn case_api(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Id(id): Id,
) -> Result<Json<CaseAnswer>, ApiError> {
    let (case, desk, role) = look_at_case(&state, &caller, id).await?;
    let seen = Seen::of(&state, role, &desk).await?;
    let own = (role == Role::Trainee).then_some(caller.account.id);
    let decisions = pr::decisions(&state.db, desk.id, own)
        .await?
        .iter()
        .filter(|d| d.case_id == case.id)
        .map(|d| seen.decision(d, &case))
        .collect();
    Ok(Json(CaseAnswer {
        desk: DeskView::from(&desk),
        role: role_word(role),
        case: seen.case(&case),
        decisions,
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionRequest {
    /// A petition kind (`grievance`, `question-system`, `question-law`, `proposal`,
    /// `statutory`, `other`).
    #[serde(default)]
    pub kind: String,
    /// One of the office's active departments.
    pub department_id: Option<i64>,
    /// Whether the petition is abusive (폭언 등 특이 민원).
    pub abusive: Option<bool>,
    /// The answer letter, without the assistant's draft mark and `{answer}`.
    #[serde(default)]
    pub answer: String,
}

/// A trainee's decision on a case, once: the kind, the handling department, abusive or not,
/// and the answer. Refused after the desk is closed (409).
#[utoipa::path(post, path = "/api/v1/programs/practice/cases/{id}/decision", tag = "programs", security(("bearer" = [])),
    params(("id" = i64, Path, description = "the case")), request_body = DecisionRequest,
    responses((status = 201, body = DecisionView), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub(crate) async fn decide_api(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Id(id): Id,
    ApiJson(req): ApiJson<DecisionRequest>,
) -> Result<Response, ApiError> {
    // The rules check a department by its code; an id that is no active department is no code.
    let department = match req.department_id {
        Some(wanted) => store::office::departments::list(&state.db)
            .await?
            .into_iter()
            .find(|d| d.id == wanted && d.active)
            .map(|d| d.code)
            .unwrap_or_default(),
        None => String::new(),
    };
    let typed = ChoiceDraft {
        kind: req.kind,
        department,
        abusive: match req.abusive {
            Some(true) => "yes",
            Some(false) => "no",
            None => "",
        }
        .to_string(),
        draft: req.answer,
    };
    let decision = match decide(&state, &caller, id, &typed).await? {
        Ok(d) => d,
        // Every field's problem is checked at once; the answer names the first.
        Err(invalid) => {
            return Err(match invalid.first() {
                Some(f) => ApiError::from(f.error.clone()),
                None => ApiError::internal_because("a decision refused without a reason"),
            });
        }
    };
    let (case, desk) = pr::case(&state.db, id).await?;
    let seen = Seen::of(&state, Role::Trainee, &desk).await?;
    Ok((StatusCode::CREATED, Json(seen.decision(&decision, &case))).into_response())
}
