//! The privacy officer's monthly review of the access log (접속기록 점검): the JSON API and
//! the page. Who looked at whose data, volumes per account with the unusual ones flagged by
//! `domain::office::audit_review::is_unusual`, denied attempts, and a signed-off review record.
//! Reading the review is itself written to the access log.

use crate::AppState;
use crate::kit::auth::{ApiCaller, Caller};
use crate::kit::error::{ApiError, ErrorBody};
use crate::kit::extract::{Form, Json, Path, Query};
use crate::kit::json::ApiJson;
use crate::kit::page::{Chrome, Ctx, OrPage, PageError, PageResult, when};
use crate::office::account_pages::{FieldErrors, Step, refused, signed_in};
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use domain::access::{Action, Capability, Target};
use serde::{Deserialize, Serialize};
use store::office::audit_review::{self, MonthReview};
use utoipa::{OpenApi, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(PrivacyReviewDoc::openapi())
        .routes(routes!(api_review))
        .routes(routes!(api_sign_off))
        .route("/privacy/review", get(review_page))
        .route("/privacy/review/sign-off", post(sign_off_post))
        .route(
            "/desk/petitions/{id}/attachments/{sha256}/download",
            get(attachment_page),
        )
}

// ---------------------------------------------------------------------------------------------
// Downloads with a stated reason (열람 사유).

/// `?reason=…` on a download.
#[derive(Deserialize)]
pub struct ReasonQuery {
    pub reason: Option<String>,
}

/// The reason of an API download: the query, else the `X-Access-Reason` header; refused
/// without one.
pub fn stated_reason(
    query: Option<&str>,
    headers: &axum::http::HeaderMap,
) -> Result<String, ApiError> {
    let given = query
        .filter(|r| !r.trim().is_empty())
        .map(str::to_string)
        .or_else(|| {
            headers
                .get("x-access-reason")
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        });
    Ok(domain::office::audit_review::validate_reason(
        given.as_deref().unwrap_or_default(),
    )?)
}

#[derive(Template)]
#[template(path = "office/download_reason.html")]
struct ReasonPage {
    c: Chrome,
    action: String,
    reason: String,
    errs: FieldErrors,
}

/// The reason of a page download, or the form that asks for it (with the error next to the
/// field when a reason was sent but is not acceptable).
pub fn page_reason(ctx: &Ctx, given: Option<&str>, action: &str) -> Result<String, Box<Response>> {
    match given {
        None => Err(Box::new(ctx.render(&ReasonPage {
            c: ctx.chrome(),
            action: action.to_string(),
            reason: String::new(),
            errs: FieldErrors::default(),
        }))),
        Some(r) => domain::office::audit_review::validate_reason(r).map_err(|e| {
            Box::new(ctx.render_status(
                StatusCode::BAD_REQUEST,
                &ReasonPage {
                    c: ctx.chrome(),
                    action: action.to_string(),
                    reason: r.to_string(),
                    errs: FieldErrors::one("reason", ctx.lang.of(&e).to_string()),
                },
            ))
        }),
    }
}

async fn attachment_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, sha256)): Path<(i64, String)>,
    Query(q): Query<ReasonQuery>,
) -> PageResult {
    // Anyone but an official is sent to sign in (as one).
    let caller = ctx
        .staff()
        .ok_or_else(|| PageError::from(Redirect::to("/login").into_response()))?;
    let action = format!("/desk/petitions/{id}/attachments/{sha256}/download");
    let reason = match page_reason(&ctx, q.reason.as_deref(), &action) {
        Ok(r) => r,
        Err(form) => return Ok(*form),
    };
    crate::petitions::api::attachment_download(&state, caller, id, &sha256, &reason)
        .await
        .or_page(&ctx)
}

#[derive(OpenApi)]
#[openapi(components(schemas(ReviewView, SignOffRequest, SignOffView)))]
pub struct PrivacyReviewDoc;

/// The month asked for, or by default the month before the current one (the one to review).
fn pick_month(month: Option<&str>) -> Result<(i32, u32), ApiError> {
    match month.map(str::trim).filter(|m| !m.is_empty()) {
        Some(m) => Ok(domain::office::audit_review::parse_month(m)?),
        None => {
            let (y, m) = audit_review::month_of(store::now());
            Ok(if m == 1 { (y - 1, 12) } else { (y, m - 1) })
        }
    }
}

/// Read a month for review: the policy first, then the read is logged.
pub async fn read_month(
    state: &AppState,
    caller: &Caller,
    year: i32,
    month: u32,
) -> Result<MonthReview, ApiError> {
    caller
        .may(state, Capability::AuditReview, Action::Read, Target::Office)
        .await?;
    let review = audit_review::month(&state.db, year, month).await?;
    state
        .log_access(
            caller,
            &format!("audit-month:{}", review.month),
            "audit_review.read",
            "",
        )
        .await?;
    Ok(review)
}

/// Sign off a month (privacy officers only): the record and its log entry in one transaction.
pub async fn sign_off(
    state: &AppState,
    caller: &Caller,
    year: i32,
    month: u32,
    comment: &str,
) -> Result<audit_review::SignOff, ApiError> {
    caller
        .may(
            state,
            Capability::AuditReview,
            Action::Create,
            Target::Office,
        )
        .await?;
    let now = store::now();
    if !audit_review::has_begun(year, month, now)? {
        return Err(ApiError::bad_request(
            "month_not_begun",
            "아직 시작하지 않은 달은 점검할 수 없습니다",
            "a month that has not begun cannot be reviewed",
        ));
    }
    let review = audit_review::month(&state.db, year, month).await?;
    let mut tx = state.db.begin().await?;
    let id = audit_review::sign_off(
        &mut tx,
        &review,
        caller.account.id,
        &caller.address,
        comment,
        now,
    )
    .await?;
    tx.commit().await?;
    audit_review::sign_offs(&state.db, &review.month)
        .await?
        .into_iter()
        .find(|s| s.id == id)
        .ok_or_else(ApiError::internal)
}

// ---------------------------------------------------------------------------------------------
// The API.

#[derive(Serialize, ToSchema)]
pub struct ReviewView {
    /// `YYYY-MM`, Seoul time.
    month: String,
    /// Entries in the month, denied attempts included.
    entries: i64,
    /// Median entries per account in the month.
    office_median: i64,
    denied_total: i64,
    /// Accounts flagged as unusual.
    flagged: i64,
    /// Per account: entries, own median of earlier months, `unusual`.
    #[schema(value_type = Vec<Object>)]
    volumes: Vec<audit_review::AccountVolume>,
    /// Who looked at whose data (account, subject, action, entries), most first.
    #[schema(value_type = Vec<Object>)]
    accesses: Vec<audit_review::SubjectAccess>,
    /// Refused attempts, newest first.
    #[schema(value_type = Vec<Object>)]
    denied: Vec<audit_review::Denial>,
    #[schema(value_type = Vec<Object>)]
    sign_offs: Vec<audit_review::SignOff>,
}

impl From<MonthReview> for ReviewView {
    fn from(r: MonthReview) -> Self {
        ReviewView {
            flagged: r.flagged(),
            month: r.month,
            entries: r.entries,
            office_median: r.office_median,
            denied_total: r.denied_total,
            volumes: r.volumes,
            accesses: r.accesses,
            denied: r.denied,
            sign_offs: r.sign_offs,
        }
    }
}

#[derive(Deserialize)]
struct MonthQuery {
    month: Option<String>,
}

/// One month of the access log for review (privacy officers). Default: the previous month.
#[utoipa::path(get, path = "/api/v1/audit/review", tag = "audit", security(("bearer" = [])),
    params(("month" = Option<String>, Query, description = "YYYY-MM")),
    responses((status = 200, body = ReviewView), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn api_review(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Query(q): Query<MonthQuery>,
) -> Result<Json<ReviewView>, ApiError> {
    let (y, m) = pick_month(q.month.as_deref())?;
    Ok(Json(read_month(&state, &caller, y, m).await?.into()))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignOffRequest {
    /// What was looked at and what was done about the flags (5–2000 characters).
    comment: String,
}

#[derive(Serialize, ToSchema)]
pub struct SignOffView {
    #[schema(value_type = Object)]
    #[serde(flatten)]
    sign_off: audit_review::SignOff,
}

/// Sign off a month's review (privacy officers; once per month).
#[utoipa::path(post, path = "/api/v1/audit/review/{month}/sign-off", tag = "audit", security(("bearer" = [])),
    params(("month" = String, Path, description = "YYYY-MM")), request_body = SignOffRequest,
    responses((status = 201, body = SignOffView), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn api_sign_off(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path(month): Path<String>,
    ApiJson(req): ApiJson<SignOffRequest>,
) -> Result<Response, ApiError> {
    let (y, m) = domain::office::audit_review::parse_month(&month)?;
    let s = sign_off(&state, &caller, y, m, &req.comment).await?;
    Ok((StatusCode::CREATED, Json(SignOffView { sign_off: s })).into_response())
}

// ---------------------------------------------------------------------------------------------
// The page.

struct VolumeRow {
    who: String,
    role: String,
    entries: i64,
    own_median: String,
    unusual: bool,
}

struct AccessRow {
    who: String,
    subject: String,
    action: String,
    entries: i64,
}

struct DenialRow {
    at: String,
    who: String,
    address: String,
    subject: String,
    action: String,
}

struct SignOffRow {
    reviewer: String,
    at: String,
    comment: String,
    counts: String,
}

#[derive(Template)]
#[template(path = "office/privacy_review.html")]
struct ReviewPage {
    c: Chrome,
    month: String,
    prev_month: String,
    next_month: String,
    entries: i64,
    office_median: i64,
    flagged: i64,
    denied_total: i64,
    volumes: Vec<VolumeRow>,
    accesses: Vec<AccessRow>,
    denied: Vec<DenialRow>,
    sign_offs: Vec<SignOffRow>,
    comment: String,
    notice: Option<String>,
    errs: FieldErrors,
    floor: i64,
    factor: i64,
}

fn shifted(y: i32, m: u32, by: i32) -> String {
    let idx = y * 12 + i32::try_from(m).unwrap_or(1) - 1 + by;
    format!("{:04}-{:02}", idx.div_euclid(12), idx.rem_euclid(12) + 1)
}

fn who(username: Option<&str>, id: Option<i64>) -> String {
    match (username, id) {
        (Some(u), _) => u.to_string(),
        (None, Some(i)) => format!("#{i}"),
        (None, None) => "-".into(),
    }
}

async fn render_review(
    state: &AppState,
    ctx: &Ctx,
    month: Option<&str>,
    comment: String,
    step: Step<Option<String>>,
) -> PageResult {
    let caller = signed_in(ctx)?;
    let (notice, (errs, status)) = match step {
        Ok(notice) => (notice, (FieldErrors::default(), StatusCode::OK)),
        Err(r) => (None, refused(ctx, r)),
    };
    let (y, m) = pick_month(month).or_page(ctx)?;
    let r = read_month(state, caller, y, m).await.or_page(ctx)?;
    let lang = ctx.lang;
    let page = ReviewPage {
        c: ctx.chrome(),
        prev_month: shifted(y, m, -1),
        next_month: shifted(y, m, 1),
        entries: r.entries,
        office_median: r.office_median,
        flagged: r.flagged(),
        denied_total: r.denied_total,
        volumes: r
            .volumes
            .iter()
            .map(|v| VolumeRow {
                who: format!("{} ({})", v.display_name, v.username),
                role: v
                    .role
                    .parse::<domain::office::accounts::Role>()
                    .map(|role| crate::kit::page::role_name(lang, role).to_string())
                    .unwrap_or_default(),
                entries: v.entries,
                own_median: v
                    .own_median
                    .map(|m| m.to_string())
                    .unwrap_or_else(|| "—".into()),
                unusual: v.unusual,
            })
            .collect(),
        accesses: r
            .accesses
            .iter()
            .map(|a| AccessRow {
                who: who(a.username.as_deref(), a.account_id),
                subject: a.subject.clone(),
                action: a.action.clone(),
                entries: a.entries,
            })
            .collect(),
        denied: r
            .denied
            .iter()
            .map(|d| DenialRow {
                at: when(d.at),
                who: who(d.username.as_deref(), d.account_id),
                address: d.address.clone(),
                subject: d.subject.clone(),
                action: d.action.clone(),
            })
            .collect(),
        sign_offs: r
            .sign_offs
            .iter()
            .map(|s| SignOffRow {
                reviewer: s.reviewer.clone(),
                at: when(s.reviewed_at),
                comment: s.comment.clone(),
                counts: match lang {
                    crate::kit::page::Lang::Ko => format!(
                        "기록 {}건, 거부 {}건, 이상 계정 {}개",
                        s.entries, s.denied, s.flagged
                    ),
                    crate::kit::page::Lang::En => format!(
                        "{} entries, {} denied, {} flagged account(s)",
                        s.entries, s.denied, s.flagged
                    ),
                },
            })
            .collect(),
        month: r.month,
        comment,
        notice,
        errs,
        floor: domain::office::audit_review::UNUSUAL_FLOOR,
        factor: domain::office::audit_review::UNUSUAL_FACTOR,
    };
    Ok(ctx.render_status(status, &page))
}

async fn review_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<MonthQuery>,
) -> PageResult {
    render_review(&state, &ctx, q.month.as_deref(), String::new(), Ok(None)).await
}

#[derive(Deserialize)]
struct SignOffForm {
    month: String,
    comment: String,
}

async fn sign_off_post(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(f): Form<SignOffForm>,
) -> PageResult {
    let caller = signed_in(&ctx)?;
    let (y, m) = domain::office::audit_review::parse_month(&f.month).or_page(&ctx)?;
    match sign_off(&state, caller, y, m, &f.comment).await {
        Ok(s) => {
            let notice = match ctx.lang {
                crate::kit::page::Lang::Ko => format!("{} 점검에 서명했습니다.", s.month),
                crate::kit::page::Lang::En => {
                    format!("The review of {} is signed off.", s.month)
                }
            };
            render_review(
                &state,
                &ctx,
                Some(&f.month),
                String::new(),
                Ok(Some(notice)),
            )
            .await
        }
        // Someone without the right gets the refusal page, not the review.
        Err(e) if e.status == StatusCode::FORBIDDEN => Err(ctx.fail(&e)),
        Err(e) => {
            let field = if e.code == "invalid_comment" {
                "comment"
            } else {
                ""
            };
            let comment = f.comment.clone();
            render_review(&state, &ctx, Some(&f.month), comment, Err((field, e))).await
        }
    }
}
