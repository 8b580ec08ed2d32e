//! Answers as the official meant them, and approval (결재, issue 14): the preview of exactly the
//! text the petitioner will receive, the supervisor's decision on an answer or extension held
//! for approval, and the notices an official is given (assigned, returned, awaiting approval).
//!
//! Handlers parse, ask the access policy, call one store function and answer; the rules (what a
//! sendable answer is, who may decide) live in `domain::petitions`.

use crate::kit::extract::{Json, Path};
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use domain::access::Action;
use domain::petitions::HeldStep;
use serde::{Deserialize, Serialize};
use store::petitions::notices;
use store::petitions::{self, ApprovalDecision, Petition};
use utoipa::{OpenApi, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::AppState;
use crate::kit::auth::{ApiCaller, Caller};
use crate::kit::error::{ApiError, ErrorBody};
use crate::kit::json::ApiJson;
use crate::petitions::api::{
    PetitionView, may_on, render_answer, staff_petition_for, subject, view,
};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(AnswersDoc::openapi())
        .routes(routes!(preview_api))
        .routes(routes!(approval_api, decide_api))
        .routes(routes!(notices_api))
}

#[derive(OpenApi)]
#[openapi(components(schemas(
    PreviewRequest,
    PreviewView,
    ApprovalView,
    PendingView,
    ReturnedView,
    DecisionRequest,
    NoticeView
)))]
pub struct AnswersDoc;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PreviewRequest {
    /// The answer as typed (with a template: its `{answer}`).
    pub text: String,
    /// One of the type's answer templates, by name.
    #[serde(default)]
    pub template: Option<String>,
}

/// Exactly what the petitioner would receive.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PreviewView {
    /// The final text. Sending it as `text` without a template sends exactly this.
    pub text: String,
    /// True when sending goes to the supervisor first (the type needs approval).
    pub needs_approval: bool,
}

/// An answer as stored and sent: line breaks as `\n` (forms send `\r\n`), no surrounding
/// blank space. The preview and sending both use it, so the preview is the text sent.
pub(crate) fn final_text(text: &str) -> String {
    text.replace("\r\n", "\n").trim().to_string()
}

/// The answer as the petitioner will read it: the template filled (their own name, the
/// official, the date) and checked (no draft marker, no unfilled placeholder). Refused texts
/// answer with the same message sending would give.
pub(crate) async fn preview(
    state: &AppState,
    caller: &Caller,
    id: i64,
    text: String,
    template: Option<&str>,
) -> Result<PreviewView, ApiError> {
    // Staff who may handle the petition (update it).
    let p = staff_petition_for(state, caller, id, Action::Update).await?;
    let text = final_text(&render_answer(state, &p, caller, text, template).await?);
    domain::petitions::check_answer_text(&text)?;
    let needs_approval = petitions::get_type(&state.db, p.type_id)
        .await?
        .needs_approval;
    Ok(PreviewView {
        text,
        needs_approval,
    })
}

/// Preview an answer: the exact text the petitioner will receive, or why it cannot be sent.
#[utoipa::path(post, path = "/api/v1/petitions/{id}/answer-preview", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = PreviewRequest,
    responses((status = 200, body = PreviewView), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody)))]
async fn preview_api(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<i64>,
    ApiJson(req): ApiJson<PreviewRequest>,
) -> Result<Json<PreviewView>, ApiError> {
    Ok(Json(
        preview(&state, &caller, id, req.text, req.template.as_deref()).await?,
    ))
}

/// What awaits the supervisor.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PendingView {
    /// `answer` or `extension`.
    pub step: String,
    /// The answer's final text (answers).
    pub text: Option<String>,
    /// The extension's period, ground, reason (extensions).
    pub period: Option<String>,
    pub ground: Option<String>,
    pub reason: Option<String>,
    pub submitted_by: Option<i64>,
    pub submitted_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReturnedView {
    pub comment: String,
    pub returned_at: DateTime<Utc>,
    pub submitted_by: Option<i64>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ApprovalView {
    /// The petition's type sends answers and extensions to the supervisor first.
    pub needs_approval: bool,
    pub pending: Option<PendingView>,
    /// The last return, until the official submits again.
    pub returned: Option<ReturnedView>,
}

pub(crate) fn pending_view(p: &Petition) -> Option<PendingView> {
    let a = p.derived.approval.as_ref()?;
    let mut v = PendingView {
        step: String::new(),
        text: None,
        period: None,
        ground: None,
        reason: None,
        submitted_by: a.submitted_by,
        submitted_at: a.at,
    };
    match &a.step {
        HeldStep::Answer { text, .. } => {
            v.step = "answer".into();
            v.text = Some(text.clone());
        }
        HeldStep::Extension {
            period,
            ground,
            reason,
            ..
        } => {
            v.step = "extension".into();
            v.period = Some(period.to_string());
            v.ground = serde_json::to_value(ground)
                .ok()
                .and_then(|g| g.as_str().map(str::to_string));
            v.reason = Some(reason.clone());
        }
    }
    Some(v)
}

/// The approval state of a petition (staff who may read it).
#[utoipa::path(get, path = "/api/v1/petitions/{id}/approval", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 200, body = ApprovalView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn approval_api(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<i64>,
) -> Result<Json<ApprovalView>, ApiError> {
    let p = staff_petition_for(&state, &caller, id, Action::Read).await?;
    state
        .log_access(&caller, &subject(&p), "petition.approval_read", "")
        .await?;
    let needs_approval = petitions::get_type(&state.db, p.type_id)
        .await?
        .needs_approval;
    Ok(Json(ApprovalView {
        needs_approval,
        pending: pending_view(&p),
        returned: p.derived.approval_returned.as_ref().map(|r| ReturnedView {
            comment: r.comment.clone(),
            returned_at: r.at,
            submitted_by: r.submitted_by,
        }),
    }))
}

/// `{"decision": "approve", "comment": "…"}` or `{"decision": "return", "comment": "…"}`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionRequest {
    /// `approve` or `return`.
    pub decision: String,
    /// Required to return; optional to approve.
    #[serde(default)]
    pub comment: String,
}

/// The supervisor decides: the policy says who supervises the petition's division (결재권자),
/// the domain refuses one's own submission and a decision already taken.
pub(crate) async fn decide(
    state: &AppState,
    caller: &Caller,
    id: i64,
    decision: &str,
    comment: String,
) -> Result<Petition, ApiError> {
    let decision = match decision.trim() {
        "approve" => ApprovalDecision::Approve { comment },
        "return" => ApprovalDecision::Return { comment },
        _ => {
            return Err(ApiError::bad_request(
                "bad_decision",
                "결재 또는 반려를 고르세요",
                "choose approve or return",
            ));
        }
    };
    let p = petitions::get(&state.db, id).await?;
    may_on(state, caller, &p, Action::Approve)
        .await
        .map_err(|_| {
            ApiError::new(
                StatusCode::FORBIDDEN,
                "not_approver",
                "이 민원 부서의 결재권자(과장)만 결재하거나 반려할 수 있습니다",
                "only a supervisor of the petition's division may approve or return it",
            )
        })?;
    let action = match decision {
        ApprovalDecision::Approve { .. } => "petition.approved",
        ApprovalDecision::Return { .. } => "petition.approval_returned",
    };
    let (cal, _) = petitions::work_calendar(&state.db).await?;
    crate::audited(state, caller, async |tx: &mut store::Tx| {
        let p = petitions::decide_approval(tx, id, decision, caller.account.id, &cal, store::now())
            .await
            .map_err(|e| match ApiError::from(e) {
                // Deciding twice is a conflict with what happened, not a malformed request.
                e if e.code == "no_pending_approval" => ApiError {
                    status: StatusCode::CONFLICT,
                    ..e
                },
                e => e,
            })?;
        let entry = crate::Audit::new(subject(&p), action, "");
        Ok((p, entry))
    })
    .await
}

/// Approve or return the answer or extension a petition holds for approval.
#[utoipa::path(post, path = "/api/v1/petitions/{id}/approval", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = DecisionRequest,
    responses((status = 200, body = PetitionView), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn decide_api(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<i64>,
    ApiJson(req): ApiJson<DecisionRequest>,
) -> Result<Json<PetitionView>, ApiError> {
    let p = decide(&state, &caller, id, &req.decision, req.comment).await?;
    Ok(Json(view(&state, p, false, false).await?))
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct NoticeView {
    pub id: i64,
    pub petition_id: i64,
    /// `assigned`, `approval_returned` or `approval_requested`.
    pub kind: String,
    /// The notice in Korean.
    pub body_ko: String,
    /// The same notice in English.
    pub body_en: String,
    pub created_at: DateTime<Utc>,
    pub read: bool,
}

/// How many notices a screen shows.
pub(crate) const NOTICES_SHOWN: i64 = 20;

/// The caller's own notices, unread first.
pub(crate) async fn my_notices(
    state: &AppState,
    caller: &Caller,
) -> Result<Vec<NoticeView>, ApiError> {
    Ok(
        notices::for_account(&state.db, caller.account.id, NOTICES_SHOWN)
            .await?
            .into_iter()
            .map(|n| NoticeView {
                id: n.id,
                petition_id: n.petition_id,
                kind: n.kind,
                body_ko: n.body_ko,
                body_en: n.body_en,
                created_at: n.created_at,
                read: n.read_at.is_some(),
            })
            .collect(),
    )
}

/// The signed-in official's notices, in both languages: petitions assigned to them, approvals
/// returned to them, and (supervisors) submissions awaiting their approval.
#[utoipa::path(get, path = "/api/v1/notices", security(("bearer" = [])),
    responses((status = 200, body = [NoticeView]), (status = 403, body = ErrorBody)))]
async fn notices_api(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
) -> Result<Json<Vec<NoticeView>>, ApiError> {
    if !caller.account.role.is_staff() {
        return Err(ApiError::forbidden());
    }
    Ok(Json(my_notices(&state, &caller).await?))
}
