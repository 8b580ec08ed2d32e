//! Staff wellbeing (capability C4) over HTTP: the JSON API under `/api/v1/wellbeing` and, in
//! [`crate::wellbeing::pages`], the pages under `/wellbeing`. Both go through the functions here,
//! so a page and an API call are refused, logged and answered alike.
//!
//! Confidentiality: every access to a check or referral is described as a
//! [`Target::Record`] (owner, and the counsellors it is shared with) and decided by
//! `domain::access`; nobody else — supervisors, HR, administrators — reaches an individual result
//! by any route. A refused read is itself written to the access log.

use crate::kit::auth::{ApiCaller, Caller};
use crate::kit::error::{ApiError, ErrorBody};
use crate::kit::extract::{Json, Path, Query};
use crate::kit::json::ApiJson;
use crate::{AppState, Audit, audited};
use axum::extract::{FromRequestParts, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use domain::AccountId;
use domain::access::{Action, Capability, Screen, Target};
use domain::wellbeing::report::{GroupReport, group_report};
use domain::wellbeing::{
    self as wb, Battery, CRISIS_LINES, CrisisLine, InstrumentResult, InvitationReason, NextStep,
    PlanInput, ReferralKind, ReferralLevel, ReferralStatus, SCREENING_NOTICE_EN,
    SCREENING_NOTICE_KO, SharePurpose,
};
use serde::{Deserialize, Serialize};
use store::office::audit;
use store::wellbeing::{self as sw, Check, Share};
use utoipa::{OpenApi, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(WellbeingDoc::openapi())
        .routes(routes!(instruments))
        .routes(routes!(get_consent, post_consent, delete_consent))
        .routes(routes!(list_checks, start_check))
        .routes(routes!(get_check, delete_check))
        .routes(routes!(submit))
        .routes(routes!(list_shares, create_share))
        .routes(routes!(revoke_share))
        .routes(routes!(list_counsellors))
        .routes(routes!(inbox))
        .routes(routes!(list_referrals, create_referral))
        .routes(routes!(set_referral_status))
        .routes(routes!(get_plan, put_plan))
        .routes(routes!(checkin))
        .routes(routes!(list_invitations))
        .routes(routes!(dismiss_invitation))
        .routes(routes!(delete_everything))
        .routes(routes!(my_access_log))
        .routes(routes!(report))
}

#[derive(OpenApi)]
#[openapi(
        components(schemas(ConsentView, ConsentRequest, CheckView, CheckSummary, ResultView,
                       SubmitRequest, SubmitView, ShareRequest, ShareView, CounsellorView,
                       InboxView, ReferralRequest, ReferralView, StatusRequest, PlanView,
                       PlanRequest, CheckinRequest, InvitationView, Started, AccessView)),
    tags((name = "wellbeing", description = "직원 마음건강 자가검진 (staff wellbeing self-check). Individual results are readable by their owner and by a counsellor they shared with, by nobody else."))
)]
pub struct WellbeingDoc;

// ---------------------------------------------------------------------------------------------
// Shared by the API and the pages

/// A numeric id from the path; anything else is a clear 400, not axum's plain-text rejection.
pub struct Id(pub i64);

impl<S: Send + Sync> FromRequestParts<S> for Id {
    type Rejection = ApiError;
    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &S,
    ) -> Result<Self, Self::Rejection> {
        match Path::<i64>::from_request_parts(parts, state).await {
            Ok(Path(id)) => Ok(Id(id)),
            Err(_) => Err(ApiError::bad_request(
                "bad_id",
                "주소의 번호가 올바르지 않습니다",
                "the id in the address is not a number",
            )),
        }
    }
}

/// The report year from the query (`?year=2026`); absent means this year.
pub(crate) fn report_year(raw: Option<&str>) -> Result<i32, ApiError> {
    match raw.map(str::trim).filter(|y| !y.is_empty()) {
        None => Ok(sw::current_year(store::now())),
        Some(y) => y.parse().map_err(|_| {
            ApiError::bad_request(
                "bad_year",
                "연도가 올바르지 않습니다",
                "the year is out of range",
            )
        }),
    }
}

/// The battery this office uses: the shipped instruments and the versions it imported.
pub(crate) async fn battery(db: &store::Db) -> Result<Battery, ApiError> {
    store::wellbeing::instruments::battery(db)
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "wellbeing instrument data broken");
            ApiError::internal()
        })
}

/// The access-log subject of an official's wellbeing data.
pub(crate) fn subject(owner: AccountId) -> String {
    format!("account:{owner}")
}

/// An official's wellbeing record, as the policy sees it: its owner and who it is shared with.
fn record(owner: AccountId, shared_with: &[AccountId]) -> Target<'_> {
    Target::Record {
        owner: Some(owner),
        department: None,
        shared_with,
    }
}

fn own(caller: &Caller) -> Target<'static> {
    record(caller.account.id, &[])
}

/// The access-log entry of a change to `owner`'s wellbeing records.
fn entry(owner: AccountId, action: &str, reason: String) -> Audit {
    Audit {
        subject: subject(owner),
        action: action.to_string(),
        reason,
    }
}

/// Staff may keep wellbeing records of their own; residents may not.
pub(crate) async fn require_own(
    state: &AppState,
    caller: &Caller,
    action: Action,
) -> Result<(), ApiError> {
    caller
        .may(state, Capability::Wellbeing, action, own(caller))
        .await
}

/// Ask the policy about someone's wellbeing record; a refusal is written to the access log
/// before it is returned, so an attempt to read without consent leaves a trace.
async fn decide_record(
    state: &AppState,
    caller: &Caller,
    capability: Capability,
    action: Action,
    owner: AccountId,
    shared_with: &[AccountId],
    what: &str,
) -> Result<(), ApiError> {
    match caller
        .may(state, capability, action, record(owner, shared_with))
        .await
    {
        Ok(()) => Ok(()),
        Err(_) => {
            let verb = if action == Action::Read {
                "read"
            } else {
                "write"
            };
            state
                .log_access(
                    caller,
                    &subject(owner),
                    &format!("wellbeing.{verb}_denied"),
                    what,
                )
                .await?;
            // Someone who reads results shared with them was asked about one not shared.
            if caller.may_open(Screen::CounsellorInbox) && action == Action::Read {
                Err(ApiError::new(
                    StatusCode::FORBIDDEN,
                    "not_shared",
                    "본인이 상담사님께 공유하지 않은 결과는 볼 수 없습니다. 이 시도는 접속기록에 남습니다",
                    "the official has not shared this with you; this attempt is recorded in the access log",
                ))
            } else {
                Err(ApiError::new(
                    StatusCode::FORBIDDEN,
                    "forbidden",
                    "마음건강 결과는 본인만 볼 수 있습니다. 이 시도는 접속기록에 남습니다",
                    "wellbeing results are the official's alone; this attempt is recorded in the access log",
                ))
            }
        }
    }
}

/// A check the caller may read: its owner, or a counsellor it is shared with now. Reads by
/// anyone but the owner are logged.
pub(crate) async fn readable_check(
    state: &AppState,
    caller: &Caller,
    id: i64,
) -> Result<(Check, Vec<Share>), ApiError> {
    let check = sw::get_check(&state.db, id).await?;
    let readers = sw::readers_of_check(&state.db, id).await?;
    decide_record(
        state,
        caller,
        Capability::Wellbeing,
        Action::Read,
        check.account_id,
        &readers,
        &format!("check {id}"),
    )
    .await?;
    let shares = sw::shares_of_check(&state.db, id).await?;
    if caller.account.id != check.account_id {
        let purposes: Vec<&str> = shares
            .iter()
            .filter(|s| s.counsellor_id == caller.account.id && s.revoked_at.is_none())
            .map(|s| s.purpose.as_str())
            .collect();
        state
            .log_access(
                caller,
                &subject(check.account_id),
                "wellbeing.read",
                &format!("check {id} shared for {}", purposes.join(", ")),
            )
            .await?;
    }
    Ok((check, shares))
}

/// A check the caller may change: its owner only (counsellors read, never write).
pub(crate) async fn owned_check(
    state: &AppState,
    caller: &Caller,
    id: i64,
    action: Action,
) -> Result<Check, ApiError> {
    let check = sw::get_check(&state.db, id).await?;
    decide_record(
        state,
        caller,
        Capability::Wellbeing,
        action,
        check.account_id,
        &[],
        &format!("check {id}"),
    )
    .await?;
    Ok(check)
}

pub(crate) fn consent_required() -> ApiError {
    ApiError::new(
        StatusCode::FORBIDDEN,
        "consent_required",
        "검사 전에 건강정보 처리에 대한 동의가 필요합니다",
        "consent to processing health data is needed before the first check",
    )
}

/// Start a check or resume the unfinished one. Returns the id and whether it is new.
pub(crate) async fn start(state: &AppState, caller: &Caller) -> Result<(i64, bool), ApiError> {
    require_own(state, caller, Action::Create).await?;
    let consent = sw::consent(&state.db, caller.account.id).await?;
    if !consent.is_some_and(|c| c.is_active()) {
        return Err(consent_required());
    }
    let mut tx = state.db.begin().await?;
    let started = sw::start_check(
        &mut tx,
        caller.account.id,
        caller.account.department_id,
        store::now(),
    )
    .await?;
    tx.commit().await?;
    Ok(started)
}

pub(crate) async fn answer(
    state: &AppState,
    caller: &Caller,
    id: i64,
    instrument: &str,
    answers: &[Option<i64>],
) -> Result<sw::Submitted, ApiError> {
    owned_check(state, caller, id, Action::Update).await?;
    let battery = &battery(&state.db).await?;
    let mut tx = state.db.begin().await?;
    let done = sw::submit(&mut tx, id, battery, instrument, answers, store::now()).await?;
    tx.commit().await?;
    Ok(done)
}

pub(crate) async fn share_check(
    state: &AppState,
    caller: &Caller,
    id: i64,
    counsellor: AccountId,
    purpose: SharePurpose,
) -> Result<i64, ApiError> {
    let check = owned_check(state, caller, id, Action::Update).await?;
    audited(state, caller, async |tx: &mut store::Tx| {
        let share_id = sw::share(tx, &check, counsellor, purpose, store::now()).await?;
        let why = format!(
            "check {id} shared with account {counsellor} for {}",
            purpose.as_str()
        );
        Ok((share_id, entry(check.account_id, "wellbeing.share", why)))
    })
    .await
}

pub(crate) async fn revoke(
    state: &AppState,
    caller: &Caller,
    share_id: i64,
) -> Result<(), ApiError> {
    require_own(state, caller, Action::Update).await?;
    let share = sw::get_share(&state.db, share_id).await?;
    decide_record(
        state,
        caller,
        Capability::Wellbeing,
        Action::Update,
        share.owner_id,
        &[],
        &format!("share {share_id}"),
    )
    .await?;
    audited(state, caller, async |tx: &mut store::Tx| {
        sw::revoke_share(tx, share_id, caller.account.id, store::now()).await?;
        let why = format!(
            "check {} share with account {} revoked",
            share.check_id, share.counsellor_id
        );
        Ok(((), entry(share.owner_id, "wellbeing.share_revoke", why)))
    })
    .await
}

pub(crate) async fn remove_check(
    state: &AppState,
    caller: &Caller,
    id: i64,
) -> Result<(), ApiError> {
    let check = owned_check(state, caller, id, Action::Delete).await?;
    audited(state, caller, async |tx: &mut store::Tx| {
        sw::delete_check(tx, id).await?;
        let why = format!("check {id} deleted on request");
        Ok(((), entry(check.account_id, "wellbeing.delete", why)))
    })
    .await
}

pub(crate) async fn remove_everything(state: &AppState, caller: &Caller) -> Result<u64, ApiError> {
    require_own(state, caller, Action::Delete).await?;
    let me = caller.account.id;
    audited(state, caller, async |tx: &mut store::Tx| {
        let n = sw::delete_all(tx, me).await?;
        let why = "all wellbeing records deleted on request".to_string();
        Ok((n, entry(me, "wellbeing.delete_all", why)))
    })
    .await
}

pub(crate) async fn refer(
    state: &AppState,
    caller: &Caller,
    kind: ReferralKind,
    counsellor: Option<AccountId>,
    message: &str,
) -> Result<i64, ApiError> {
    require_own(state, caller, Action::Create).await?;
    caller
        .may(
            state,
            Capability::WellbeingReferral,
            Action::Create,
            own(caller),
        )
        .await?;
    let mut tx = state.db.begin().await?;
    let id = sw::create_referral(
        &mut tx,
        caller.account.id,
        kind,
        counsellor,
        message,
        store::now(),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// A referral the caller may act on (`Read` or `Update`): its owner or an addressed counsellor.
pub(crate) async fn referral_for(
    state: &AppState,
    caller: &Caller,
    id: i64,
    action: Action,
) -> Result<sw::Referral, ApiError> {
    let r = sw::get_referral(&state.db, id).await?;
    let readers = sw::readers_of_referral(&state.db, &r).await?;
    decide_record(
        state,
        caller,
        Capability::WellbeingReferral,
        action,
        r.owner_id,
        &readers,
        &format!("referral {id}"),
    )
    .await?;
    Ok(r)
}

pub(crate) async fn move_referral(
    state: &AppState,
    caller: &Caller,
    id: i64,
    status: ReferralStatus,
) -> Result<(), ApiError> {
    let r = referral_for(state, caller, id, Action::Update).await?;
    if caller.account.id == r.owner_id {
        // The status is the counsellor's answer; the official withdraws by deleting instead.
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "요청 상태는 상담사가 바꿉니다",
            "only the counsellor changes a referral's status",
        ));
    }
    audited(state, caller, async |tx: &mut store::Tx| {
        sw::set_referral_status(tx, id, status, store::now()).await?;
        let why = format!("referral {id} {}", status.as_str());
        Ok(((), entry(r.owner_id, "wellbeing.referral_status", why)))
    })
    .await
}

/// Referrals addressed to a counsellor, each confirmed by the policy; reading them is logged.
pub(crate) async fn counsellor_inbox(
    state: &AppState,
    caller: &Caller,
) -> Result<(Vec<Share>, Vec<sw::Referral>), ApiError> {
    if !caller.may_open(Screen::CounsellorInbox) {
        return Err(ApiError::forbidden());
    }
    let shares = sw::shares_to(&state.db, caller.account.id).await?;
    let mut referrals = Vec::new();
    for r in sw::referrals_for(&state.db, caller.account.id).await? {
        let readers = sw::readers_of_referral(&state.db, &r).await?;
        let target = record(r.owner_id, &readers);
        if caller
            .permits(state, Capability::WellbeingReferral, Action::Read, target)
            .await?
        {
            referrals.push(r);
        }
    }
    let owners: std::collections::BTreeSet<AccountId> = shares
        .iter()
        .map(|s| s.owner_id)
        .chain(referrals.iter().map(|r| r.owner_id))
        .collect();
    for owner in owners {
        state
            .log_access(
                caller,
                &subject(owner),
                "wellbeing.inbox",
                "counsellor inbox",
            )
            .await?;
    }
    Ok((shares, referrals))
}

pub(crate) async fn group(
    state: &AppState,
    caller: &Caller,
    year: i32,
) -> Result<GroupReport, ApiError> {
    caller
        .may(
            state,
            Capability::WellbeingGroupReport,
            Action::Read,
            Target::Office,
        )
        .await?;
    if !(2000..=2200).contains(&year) {
        return Err(ApiError::bad_request(
            "bad_year",
            "연도가 올바르지 않습니다",
            "the year is out of range",
        ));
    }
    let (departments, respondents) = sw::report_inputs(&state.db, year).await?;
    let report = group_report(year, &battery(&state.db).await?, &departments, &respondents);
    state
        .log_access(
            caller,
            "wellbeing:group",
            "wellbeing.report",
            &format!("year {year}"),
        )
        .await?;
    Ok(report)
}

// ---------------------------------------------------------------------------------------------
// Views

#[derive(Serialize, ToSchema)]
pub struct ResultView {
    instrument: String,
    version: i64,
    name_ko: String,
    name_en: String,
    /// On the instrument's scale: a sum, or for the CBI a mean with one decimal.
    score: String,
    band: String,
    band_ko: String,
    band_en: String,
    /// The bands are a common convention, not validated cut-offs.
    bands_convention: bool,
    #[schema(value_type = String, example = "suggested")]
    referral: ReferralLevel,
}

impl From<&InstrumentResult> for ResultView {
    fn from(r: &InstrumentResult) -> Self {
        Self {
            instrument: r.instrument.clone(),
            version: r.version,
            name_ko: r.name.ko.clone(),
            name_en: r.name.en.clone(),
            score: r.score_display.clone(),
            band: r.band.key.clone(),
            band_ko: r.band.ko.clone(),
            band_en: r.band.en.clone(),
            bands_convention: r.bands_convention,
            referral: r.referral,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct ShareView {
    id: i64,
    check_id: i64,
    owner_id: i64,
    owner_name: String,
    counsellor_id: i64,
    counsellor_name: String,
    purpose: String,
    given_at: DateTime<Utc>,
    revoked_at: Option<DateTime<Utc>>,
}

impl From<&Share> for ShareView {
    fn from(s: &Share) -> Self {
        Self {
            id: s.id,
            check_id: s.check_id,
            owner_id: s.owner_id,
            owner_name: s.owner_name.clone(),
            counsellor_id: s.counsellor_id,
            counsellor_name: s.counsellor_name.clone(),
            purpose: s.purpose.clone(),
            given_at: s.given_at,
            revoked_at: s.revoked_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct CheckView {
    id: i64,
    owner_id: i64,
    started_at: DateTime<Utc>,
    completed_at: Option<DateTime<Utc>>,
    /// `in_progress` or `completed`.
    status: &'static str,
    /// The crisis gate opened (PHQ-9 item 9 answered 1 or more).
    crisis: bool,
    #[schema(value_type = Vec<Object>)]
    crisis_lines: Vec<CrisisLine>,
    answered: Vec<String>,
    next_instrument: Option<String>,
    results: Vec<ResultView>,
    #[schema(value_type = String)]
    referral: ReferralLevel,
    #[schema(value_type = Vec<Object>)]
    next_steps: Vec<NextStep>,
    /// Screening, never diagnosis.
    notice_ko: &'static str,
    notice_en: &'static str,
    /// The owner's record of shares (empty for a counsellor's view).
    shares: Vec<ShareView>,
}

/// `in_progress` or `completed`.
fn status_of(check: &Check) -> &'static str {
    if check.completed_at.is_some() {
        "completed"
    } else {
        "in_progress"
    }
}

/// The crisis lines, shown only when the crisis gate opened.
fn crisis_lines(crisis: bool) -> Vec<CrisisLine> {
    if crisis {
        CRISIS_LINES.to_vec()
    } else {
        Vec::new()
    }
}

/// The instrument a check asks next, if any.
async fn next_instrument(state: &AppState, id: i64) -> Result<Option<String>, ApiError> {
    let check = sw::get_check(&state.db, id).await?;
    let battery = battery(&state.db).await?;
    Ok(check.next_instrument(&battery).map(|i| i.id.clone()))
}

impl CheckView {
    pub(crate) fn new(
        check: &Check,
        battery: &Battery,
        shares: &[Share],
        owner_view: bool,
    ) -> Self {
        let results = check.results(battery);
        let complete = check.completed_at.is_some();
        let referral = results
            .iter()
            .map(|r| r.referral)
            .max()
            .unwrap_or(ReferralLevel::None);
        Self {
            id: check.id,
            owner_id: check.account_id,
            started_at: check.started_at,
            completed_at: check.completed_at,
            status: status_of(check),
            crisis: check.crisis,
            crisis_lines: crisis_lines(check.crisis),
            answered: check
                .responses
                .iter()
                .map(|r| r.instrument.clone())
                .collect(),
            next_instrument: check.next_instrument(battery).map(|i| i.id.clone()),
            next_steps: if complete {
                wb::next_steps(&results, check.crisis)
            } else {
                Vec::new()
            },
            results: results.iter().map(ResultView::from).collect(),
            referral,
            notice_ko: SCREENING_NOTICE_KO,
            notice_en: SCREENING_NOTICE_EN,
            shares: if owner_view {
                shares.iter().map(ShareView::from).collect()
            } else {
                Vec::new()
            },
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct CheckSummary {
    id: i64,
    started_at: DateTime<Utc>,
    completed_at: Option<DateTime<Utc>>,
    status: &'static str,
    crisis: bool,
    results: Vec<ResultView>,
}

// ---------------------------------------------------------------------------------------------
// Handlers

/// The battery: item texts (Korean and English), options, scoring keys and bands with sources.
#[utoipa::path(get, path = "/api/v1/wellbeing/instruments", tag = "wellbeing", security(("bearer" = [])),
    responses((status = 200, body = Object), (status = 403, body = ErrorBody)))]
async fn instruments(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
) -> Result<Json<Battery>, ApiError> {
    require_own(&state, &caller, Action::Read).await?;
    Ok(Json(battery(&state.db).await?))
}

#[derive(Serialize, ToSchema)]
pub struct ConsentView {
    active: bool,
    version: Option<i64>,
    given_at: Option<DateTime<Utc>>,
    withdrawn_at: Option<DateTime<Utc>>,
    /// The version of the consent text in force.
    current_version: i64,
}

/// The caller's consent to processing health data.
#[utoipa::path(get, path = "/api/v1/wellbeing/consent", tag = "wellbeing", security(("bearer" = [])),
    responses((status = 200, body = ConsentView), (status = 403, body = ErrorBody)))]
async fn get_consent(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
) -> Result<Json<ConsentView>, ApiError> {
    require_own(&state, &caller, Action::Read).await?;
    let c = sw::consent(&state.db, caller.account.id).await?;
    Ok(Json(ConsentView {
        active: c.as_ref().is_some_and(|c| c.is_active()),
        version: c.as_ref().map(|c| c.version),
        given_at: c.as_ref().map(|c| c.given_at),
        withdrawn_at: c.as_ref().and_then(|c| c.withdrawn_at),
        current_version: wb::CONSENT_VERSION,
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConsentRequest {
    /// Must be `true` (a form's ticked box): consent is explicit.
    #[serde(default, deserialize_with = "crate::kit::form::yes_no")]
    pub(crate) agree: bool,
}

/// Give consent (separate and explicit) before the first check.
#[utoipa::path(post, path = "/api/v1/wellbeing/consent", tag = "wellbeing", security(("bearer" = [])),
    request_body = ConsentRequest,
    responses((status = 204), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn post_consent(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiJson(req): ApiJson<ConsentRequest>,
) -> Result<StatusCode, ApiError> {
    give_consent(&state, &caller, req.agree).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub(crate) async fn give_consent(
    state: &AppState,
    caller: &Caller,
    agree: bool,
) -> Result<(), ApiError> {
    require_own(state, caller, Action::Create).await?;
    if !agree {
        return Err(ApiError::bad_request(
            "consent_not_given",
            "동의하려면 동의 항목을 선택해 주세요",
            "tick the consent box to agree",
        ));
    }
    let mut tx = state.db.begin().await?;
    sw::give_consent(&mut tx, caller.account.id, store::now()).await?;
    tx.commit().await?;
    Ok(())
}

pub(crate) async fn withdraw_consent(state: &AppState, caller: &Caller) -> Result<(), ApiError> {
    require_own(state, caller, Action::Update).await?;
    let mut tx = state.db.begin().await?;
    sw::withdraw_consent(&mut tx, caller.account.id, store::now()).await?;
    tx.commit().await?;
    Ok(())
}

/// Withdraw consent: no new checks; existing results stay until deleted or expired.
#[utoipa::path(delete, path = "/api/v1/wellbeing/consent", tag = "wellbeing", security(("bearer" = [])),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn delete_consent(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
) -> Result<StatusCode, ApiError> {
    withdraw_consent(&state, &caller).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The caller's own checks, newest first: the trend over past checks.
#[utoipa::path(get, path = "/api/v1/wellbeing/checks", tag = "wellbeing", security(("bearer" = [])),
    responses((status = 200, body = [CheckSummary]), (status = 403, body = ErrorBody)))]
async fn list_checks(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
) -> Result<Json<Vec<CheckSummary>>, ApiError> {
    require_own(&state, &caller, Action::Read).await?;
    let battery = &battery(&state.db).await?;
    let checks = sw::list_checks(&state.db, caller.account.id).await?;
    Ok(Json(
        checks
            .iter()
            .map(|c| CheckSummary {
                id: c.id,
                started_at: c.started_at,
                completed_at: c.completed_at,
                status: status_of(c),
                crisis: c.crisis,
                results: c.results(battery).iter().map(ResultView::from).collect(),
            })
            .collect(),
    ))
}

#[derive(Serialize, ToSchema)]
pub struct Started {
    id: i64,
    /// False when an unfinished check was resumed.
    created: bool,
    next_instrument: Option<String>,
}

/// Start a check (consent first), or resume the unfinished one (200 instead of 201).
#[utoipa::path(post, path = "/api/v1/wellbeing/checks", tag = "wellbeing", security(("bearer" = [])),
    responses((status = 201, body = Started), (status = 200, body = Started), (status = 403, body = ErrorBody)))]
async fn start_check(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
) -> Result<Response, ApiError> {
    let (id, created) = start(&state, &caller).await?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((
        status,
        Json(Started {
            id,
            created,
            next_instrument: next_instrument(&state, id).await?,
        }),
    )
        .into_response())
}

/// One check: progress, or the results with bands, referral level and what to do next.
/// Readable by its owner and by a counsellor it is shared with; any other attempt is refused
/// and logged.
#[utoipa::path(get, path = "/api/v1/wellbeing/checks/{id}", tag = "wellbeing", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 200, body = CheckView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn get_check(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Id(id): Id,
) -> Result<Json<CheckView>, ApiError> {
    let (check, shares) = readable_check(&state, &caller, id).await?;
    let owner_view = check.account_id == caller.account.id;
    Ok(Json(CheckView::new(
        &check,
        &battery(&state.db).await?,
        &shares,
        owner_view,
    )))
}

/// Delete one check with its answers and shares (the owner's request).
#[utoipa::path(delete, path = "/api/v1/wellbeing/checks/{id}", tag = "wellbeing", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn delete_check(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Id(id): Id,
) -> Result<StatusCode, ApiError> {
    remove_check(&state, &caller, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SubmitRequest {
    /// `phq9`, `gad7`, `pss10` or `cbi_client`.
    instrument: String,
    /// One answer per item in order: the option's `value` (`null` = not answered).
    answers: Vec<Option<i64>>,
}

#[derive(Serialize, ToSchema)]
pub struct SubmitView {
    result: ResultView,
    /// The crisis gate opened: show the crisis lines now.
    crisis: bool,
    #[schema(value_type = Vec<Object>)]
    crisis_lines: Vec<CrisisLine>,
    completed: bool,
    next_instrument: Option<String>,
}

/// Answer one instrument of a check (one instrument per request; a paused check resumes at the
/// next unanswered one). Missing or out-of-range answers and a second answer to the same
/// instrument are refused and nothing is saved.
#[utoipa::path(post, path = "/api/v1/wellbeing/checks/{id}/responses", tag = "wellbeing", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = SubmitRequest,
    responses((status = 201, body = SubmitView), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn submit(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Id(id): Id,
    ApiJson(req): ApiJson<SubmitRequest>,
) -> Result<Response, ApiError> {
    let done = answer(&state, &caller, id, &req.instrument, &req.answers).await?;
    Ok((
        StatusCode::CREATED,
        Json(SubmitView {
            result: ResultView::from(&done.result),
            crisis: done.crisis,
            crisis_lines: crisis_lines(done.crisis),
            completed: done.completed,
            next_instrument: next_instrument(&state, id).await?,
        }),
    )
        .into_response())
}

/// The shares of one check (owner only), revoked ones included.
#[utoipa::path(get, path = "/api/v1/wellbeing/checks/{id}/shares", tag = "wellbeing", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 200, body = [ShareView]), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn list_shares(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Id(id): Id,
) -> Result<Json<Vec<ShareView>>, ApiError> {
    owned_check(&state, &caller, id, Action::Read).await?;
    let shares = sw::shares_of_check(&state.db, id).await?;
    Ok(Json(shares.iter().map(ShareView::from).collect()))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ShareRequest {
    /// A counsellor's account (one of `GET /api/v1/wellbeing/counsellors`).
    #[serde(default, deserialize_with = "crate::kit::form::empty_as_none")]
    #[schema(value_type = i64)]
    pub(crate) counsellor_id: Option<AccountId>,
    /// `counselling`, `healing_program` or `external_referral`.
    #[schema(value_type = String)]
    pub(crate) purpose: SharePurpose,
}

/// Share a completed check with a named counsellor for one purpose (logged).
#[utoipa::path(post, path = "/api/v1/wellbeing/checks/{id}/shares", tag = "wellbeing", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = ShareRequest,
    responses((status = 201, body = ShareView), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn create_share(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Id(id): Id,
    ApiJson(req): ApiJson<ShareRequest>,
) -> Result<Response, ApiError> {
    let counsellor = req.counsellor_id.ok_or_else(not_a_counsellor)?;
    let share_id = share_check(&state, &caller, id, counsellor, req.purpose).await?;
    let share = sw::get_share(&state.db, share_id).await?;
    Ok((StatusCode::CREATED, Json(ShareView::from(&share))).into_response())
}

/// Revoke a share (the owner; logged). The counsellor loses access at once.
#[utoipa::path(delete, path = "/api/v1/wellbeing/shares/{id}", tag = "wellbeing", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn revoke_share(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Id(id): Id,
) -> Result<StatusCode, ApiError> {
    revoke(&state, &caller, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize, ToSchema)]
pub struct CounsellorView {
    id: i64,
    display_name: String,
}

/// The counsellors one may share with or ask for help.
#[utoipa::path(get, path = "/api/v1/wellbeing/counsellors", tag = "wellbeing", security(("bearer" = [])),
    responses((status = 200, body = [CounsellorView]), (status = 403, body = ErrorBody)))]
async fn list_counsellors(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
) -> Result<Json<Vec<CounsellorView>>, ApiError> {
    require_own(&state, &caller, Action::Read).await?;
    Ok(Json(
        sw::counsellors(&state.db)
            .await?
            .into_iter()
            .map(|c| CounsellorView {
                id: c.id,
                display_name: c.display_name,
            })
            .collect(),
    ))
}

#[derive(Serialize, ToSchema)]
pub struct ReferralView {
    id: i64,
    owner_id: i64,
    owner_name: String,
    counsellor_id: Option<i64>,
    kind: String,
    message: String,
    status: String,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl From<&sw::Referral> for ReferralView {
    fn from(r: &sw::Referral) -> Self {
        Self {
            id: r.id,
            owner_id: r.owner_id,
            owner_name: r.owner_name.clone(),
            counsellor_id: r.counsellor_id,
            kind: r.kind.clone(),
            message: r.message.clone(),
            status: r.status.clone(),
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct InboxView {
    shares: Vec<ShareView>,
    referrals: Vec<ReferralView>,
}

/// A counsellor's inbox: results shared with them and referrals addressed to them.
#[utoipa::path(get, path = "/api/v1/wellbeing/inbox", tag = "wellbeing", security(("bearer" = [])),
    responses((status = 200, body = InboxView), (status = 403, body = ErrorBody)))]
async fn inbox(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
) -> Result<Json<InboxView>, ApiError> {
    let (shares, referrals) = counsellor_inbox(&state, &caller).await?;
    Ok(Json(InboxView {
        shares: shares.iter().map(ShareView::from).collect(),
        referrals: referrals.iter().map(ReferralView::from).collect(),
    }))
}

/// The caller's own referrals.
#[utoipa::path(get, path = "/api/v1/wellbeing/referrals", tag = "wellbeing", security(("bearer" = [])),
    responses((status = 200, body = [ReferralView]), (status = 403, body = ErrorBody)))]
async fn list_referrals(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
) -> Result<Json<Vec<ReferralView>>, ApiError> {
    require_own(&state, &caller, Action::Read).await?;
    let rs = sw::referrals_of(&state.db, caller.account.id).await?;
    Ok(Json(rs.iter().map(ReferralView::from).collect()))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReferralRequest {
    /// `counselling` or `healing_program`.
    #[schema(value_type = String)]
    pub(crate) kind: ReferralKind,
    /// A named counsellor, or none (blank) for every counsellor.
    #[serde(default, deserialize_with = "crate::kit::form::empty_as_none")]
    #[schema(value_type = Option<i64>)]
    pub(crate) counsellor_id: Option<AccountId>,
    #[serde(default)]
    pub(crate) message: String,
}

/// Ask for counselling or a healing program; the counsellor sees the request. No result is
/// attached unless the official shares one.
#[utoipa::path(post, path = "/api/v1/wellbeing/referrals", tag = "wellbeing", security(("bearer" = [])),
    request_body = ReferralRequest,
    responses((status = 201, body = ReferralView), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn create_referral(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiJson(req): ApiJson<ReferralRequest>,
) -> Result<Response, ApiError> {
    let id = refer(&state, &caller, req.kind, req.counsellor_id, &req.message).await?;
    let r = sw::get_referral(&state.db, id).await?;
    Ok((StatusCode::CREATED, Json(ReferralView::from(&r))).into_response())
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StatusRequest {
    /// `open`, `acknowledged` or `closed`.
    #[schema(value_type = String)]
    pub(crate) status: ReferralStatus,
}

/// A counsellor answers a referral addressed to them (logged).
#[utoipa::path(post, path = "/api/v1/wellbeing/referrals/{id}/status", tag = "wellbeing", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = StatusRequest,
    responses((status = 204), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn set_referral_status(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Id(id): Id,
    ApiJson(req): ApiJson<StatusRequest>,
) -> Result<StatusCode, ApiError> {
    let status = req.status;
    move_referral(&state, &caller, id, status).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize, ToSchema)]
pub struct PlanView {
    #[schema(value_type = Object)]
    plan: Option<sw::Plan>,
}

/// The caller's self-management plan with recent check-ins (private like results).
#[utoipa::path(get, path = "/api/v1/wellbeing/plan", tag = "wellbeing", security(("bearer" = [])),
    responses((status = 200, body = PlanView), (status = 403, body = ErrorBody)))]
async fn get_plan(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
) -> Result<Json<PlanView>, ApiError> {
    require_own(&state, &caller, Action::Read).await?;
    Ok(Json(PlanView {
        plan: sw::plan(&state.db, caller.account.id).await?,
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanRequest {
    goals: Vec<String>,
    /// Small weekly actions.
    actions: Vec<String>,
    /// 0 = Monday … 6 = Sunday; omit for no reminder.
    reminder_weekday: Option<u32>,
    /// 0–23, Korean time (default 9).
    reminder_hour: Option<u32>,
}

pub(crate) async fn save_plan(
    state: &AppState,
    caller: &Caller,
    input: &PlanInput,
) -> Result<(), ApiError> {
    require_own(state, caller, Action::Update).await?;
    let mut tx = state.db.begin().await?;
    sw::save_plan(&mut tx, caller.account.id, input, store::now()).await?;
    tx.commit().await?;
    Ok(())
}

/// Write or rewrite the plan; a weekly reminder goes out through the outbox.
#[utoipa::path(put, path = "/api/v1/wellbeing/plan", tag = "wellbeing", security(("bearer" = [])),
    request_body = PlanRequest,
    responses((status = 204), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn put_plan(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiJson(req): ApiJson<PlanRequest>,
) -> Result<StatusCode, ApiError> {
    let input = PlanInput {
        goals: req.goals,
        actions: req.actions,
        reminder_weekday: req.reminder_weekday,
        reminder_hour: req.reminder_hour,
    };
    save_plan(&state, &caller, &input).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckinRequest {
    actions_done: i64,
    /// 1 (very bad) to 5 (very good).
    mood: i64,
    #[serde(default)]
    note: String,
}

pub(crate) async fn add_checkin(
    state: &AppState,
    caller: &Caller,
    actions_done: i64,
    mood: i64,
    note: &str,
) -> Result<(), ApiError> {
    require_own(state, caller, Action::Update).await?;
    let mut tx = state.db.begin().await?;
    sw::add_checkin(
        &mut tx,
        caller.account.id,
        actions_done,
        mood,
        note,
        store::now(),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Record a weekly check-in on the plan.
#[utoipa::path(post, path = "/api/v1/wellbeing/plan/checkins", tag = "wellbeing", security(("bearer" = [])),
    request_body = CheckinRequest,
    responses((status = 204), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn checkin(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiJson(req): ApiJson<CheckinRequest>,
) -> Result<StatusCode, ApiError> {
    add_checkin(&state, &caller, req.actions_done, req.mood, &req.note).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize, ToSchema)]
pub struct InvitationView {
    id: i64,
    reason: String,
    message_ko: String,
    message_en: String,
    created_at: DateTime<Utc>,
}

pub(crate) fn invitation_view(i: &sw::Invitation) -> InvitationView {
    let text = InvitationReason::parse(&i.reason)
        .map(InvitationReason::message)
        .unwrap_or(wb::Text {
            ko: "마음건강 자가검진에 초대합니다.".into(),
            en: "You are invited to the self-check.".into(),
        });
    InvitationView {
        id: i.id,
        reason: i.reason.clone(),
        message_ko: text.ko,
        message_en: text.en,
        created_at: i.created_at,
    }
}

impl InvitationView {
    pub(crate) fn id(&self) -> i64 {
        self.id
    }
    pub(crate) fn message_ko(&self) -> &str {
        &self.message_ko
    }
    pub(crate) fn message_en(&self) -> &str {
        &self.message_en
    }
}

/// The caller's open invitations to a check. Only the invited official sees them.
#[utoipa::path(get, path = "/api/v1/wellbeing/invitations", tag = "wellbeing", security(("bearer" = [])),
    responses((status = 200, body = [InvitationView]), (status = 403, body = ErrorBody)))]
async fn list_invitations(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
) -> Result<Json<Vec<InvitationView>>, ApiError> {
    require_own(&state, &caller, Action::Read).await?;
    let is = sw::invitations(&state.db, caller.account.id).await?;
    Ok(Json(is.iter().map(invitation_view).collect()))
}

pub(crate) async fn dismiss(state: &AppState, caller: &Caller, id: i64) -> Result<(), ApiError> {
    require_own(state, caller, Action::Update).await?;
    let mut tx = state.db.begin().await?;
    sw::dismiss_invitation(&mut tx, id, caller.account.id, store::now()).await?;
    tx.commit().await?;
    Ok(())
}

/// Dismiss an invitation (an invitation, never an obligation).
#[utoipa::path(post, path = "/api/v1/wellbeing/invitations/{id}/dismiss", tag = "wellbeing", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn dismiss_invitation(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Id(id): Id,
) -> Result<StatusCode, ApiError> {
    dismiss(&state, &caller, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Delete every wellbeing record of the caller (checks, shares, referrals, plan, consent).
#[utoipa::path(delete, path = "/api/v1/wellbeing/me", tag = "wellbeing", security(("bearer" = [])),
    responses((status = 204), (status = 403, body = ErrorBody)))]
async fn delete_everything(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
) -> Result<StatusCode, ApiError> {
    remove_everything(&state, &caller).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
struct ReportQuery {
    year: Option<String>,
}

/// Group report of one calendar year for HR (training officer) and counsellors: participation
/// and band distributions by department; groups under 10 respondents, and groups whose
/// subtraction would reveal one, are hidden.
#[utoipa::path(get, path = "/api/v1/wellbeing/report", tag = "wellbeing", security(("bearer" = [])),
    params(("year" = Option<i32>, Query)),
    responses((status = 200, body = Object), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn report(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Query(q): Query<ReportQuery>,
) -> Result<Json<GroupReport>, ApiError> {
    let year = report_year(q.year.as_deref())?;
    Ok(Json(group(&state, &caller, year).await?))
}

#[derive(Serialize, ToSchema)]
pub struct AccessView {
    at: DateTime<Utc>,
    /// Who acted (their display name; "본인" for the official).
    who: String,
    action: String,
    reason: String,
}

/// What others did with the official's wellbeing records, newest first: counsellors' reads,
/// refused attempts, shares and revocations (from the access log). Transparency for the owner.
pub(crate) async fn access_history(
    state: &AppState,
    caller: &Caller,
) -> Result<Vec<AccessView>, ApiError> {
    require_own(state, caller, Action::Read).await?;
    let entries = audit::list(
        &state.db,
        &audit::AuditQuery {
            subject: Some(subject(caller.account.id)),
            limit: 200,
            ..Default::default()
        },
    )
    .await?;
    let mut names = std::collections::BTreeMap::new();
    let mut out = Vec::new();
    for e in entries
        .into_iter()
        .filter(|e| e.action.starts_with("wellbeing."))
    {
        let who = match e.account_id {
            Some(id) if id == caller.account.id => "본인 (you)".to_string(),
            Some(id) => {
                if let std::collections::btree_map::Entry::Vacant(v) = names.entry(id) {
                    let name = store::office::accounts::get(&state.db, id)
                        .await
                        .map(|a| format!("{} ({})", a.display_name, a.role.korean()))
                        .unwrap_or_else(|_| format!("account {id}"));
                    v.insert(name);
                }
                names.get(&id).cloned().unwrap_or_default()
            }
            None => String::new(),
        };
        out.push(AccessView {
            at: e.at,
            who,
            action: e.action,
            reason: e.reason,
        });
    }
    Ok(out)
}

impl AccessView {
    pub(crate) fn parts(&self) -> (&DateTime<Utc>, &str, &str) {
        (&self.at, &self.who, &self.action)
    }
}

/// Who touched the caller's wellbeing records (the access log, filtered to them).
#[utoipa::path(get, path = "/api/v1/wellbeing/access-log", tag = "wellbeing", security(("bearer" = [])),
    responses((status = 200, body = [AccessView]), (status = 403, body = ErrorBody)))]
async fn my_access_log(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
) -> Result<Json<Vec<AccessView>>, ApiError> {
    Ok(Json(access_history(&state, &caller).await?))
}

/// The periodic wellbeing job for `minwon serve`: right away, then every `every`, delete records
/// past the 5-year retention and queue due plan reminders (`store::wellbeing::maintenance`).
/// Returns when `stop` turns true, like the outbox worker. `now` is the clock (`store::now` in
/// the server; tests move it forward).
pub async fn run_maintenance(
    db: store::Db,
    every: std::time::Duration,
    now: impl Fn() -> DateTime<Utc>,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    loop {
        if *stop.borrow() {
            return;
        }
        match sw::maintenance(&db, now()).await {
            Ok((purged, reminders)) if purged > 0 || reminders > 0 => {
                tracing::info!(purged, reminders, "wellbeing maintenance");
            }
            Ok(_) => {}
            Err(e) => tracing::error!(error = %e, "wellbeing maintenance failed"),
        }
        tokio::select! {
            _ = tokio::time::sleep(every) => {}
            _ = stop.changed() => {}
        }
    }
}

/// A share or referral names someone who is not one of the office's counsellors.
pub(crate) fn not_a_counsellor() -> ApiError {
    ApiError::bad_request(
        "not_a_counsellor",
        "상담사를 목록에서 골라 주세요",
        "choose a counsellor from the list",
    )
}
