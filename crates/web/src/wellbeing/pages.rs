//! The wellbeing pages under `/wellbeing`: consent, one instrument per page (pause and resume),
//! the crisis page, results with bands and next steps, sharing, the plan, the counsellor's inbox
//! and the group report. Every decision goes through the functions of [`crate::wellbeing::api`], the
//! same ones the API uses.

use crate::AppState;
use crate::kit::auth::Caller;
use crate::kit::error::ApiError;
use crate::kit::extract::{Form, Query};
use crate::kit::form::PageForm;
use crate::kit::page::{Chrome, Ctx, Lang, OrPage, PageError, PageResult};
use crate::wellbeing::api::{self as api, InvitationView, battery, invitation_view};
use askama::Template;
use axum::Router;
use axum::extract::{FromRequestParts, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use chrono::{DateTime, Utc};
use domain::RuleError;
use domain::access::{Action, Screen};
use domain::wellbeing::report::GroupReport;
use domain::wellbeing::{
    CRISIS_LINES, CrisisLine, Instrument, NextStep, PlanInput, ReferralKind, ReferralLevel,
    ReferralStatus, SCREENING_NOTICE_EN, SCREENING_NOTICE_KO, SharePurpose,
};
use serde::Deserialize;
use store::wellbeing as sw;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/wellbeing", get(home))
        .route("/wellbeing/consent", get(consent_page).post(consent_post))
        .route("/wellbeing/consent/withdraw", post(consent_withdraw))
        .route("/wellbeing/checks", post(start))
        .route("/wellbeing/checks/{id}", get(check_page))
        .route("/wellbeing/checks/{id}/answers", post(answers))
        .route("/wellbeing/checks/{id}/share", post(share))
        .route(
            "/wellbeing/checks/{id}/delete",
            get(delete_check_page).post(delete_check),
        )
        .route("/wellbeing/shares/{id}/revoke", post(revoke))
        .route("/wellbeing/referrals", post(refer))
        .route("/wellbeing/referrals/{id}/status", post(referral_status))
        .route("/wellbeing/plan", get(plan_page).post(plan_post))
        .route("/wellbeing/plan/checkin", post(checkin))
        .route("/wellbeing/invitations/{id}/dismiss", post(dismiss))
        .route(
            "/wellbeing/delete-all",
            get(delete_all_page).post(delete_all),
        )
        .route("/wellbeing/counsellor", get(counsellor_page))
        .route("/wellbeing/report", get(report_page))
}

/// A numeric id from the path, or our error page in the page's language.
struct PageId(i64);

impl FromRequestParts<AppState> for PageId {
    type Rejection = Response;
    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        match api::Id::from_request_parts(parts, state).await {
            Ok(api::Id(id)) => Ok(PageId(id)),
            Err(e) => Err(Ctx::from_request_parts(parts, state).await?.error(&e)),
        }
    }
}

/// The signed-in person and the request's page context; without a session, the login page.
/// Residents get in here and are refused by the policy, so their attempt is logged.
struct WbPage(Caller, Ctx);

impl FromRequestParts<AppState> for WbPage {
    type Rejection = PageError;
    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let ctx = Ctx::from_request_parts(parts, state).await?;
        match ctx.caller.clone() {
            Some(caller) => Ok(WbPage(caller, ctx)),
            None => Err(ctx.refusal()),
        }
    }
}

fn see_other(to: &str) -> PageResult {
    Ok(Redirect::to(to).into_response())
}

/// A form the person must correct: the page again with the error, answered 400; any other
/// failure is the error page.
fn correct_or_fail(ctx: &Ctx, e: ApiError) -> Result<String, PageError> {
    if e.status == StatusCode::BAD_REQUEST {
        Ok(ctx.lang.of(&e).to_string())
    } else {
        Err(ctx.fail(&e))
    }
}

/// A stored code in the page's words; a code this version does not know, as it is.
fn words<T>(
    lang: Lang,
    code: &str,
    parse: impl Fn(&str) -> Result<T, RuleError>,
    names: impl Fn(T) -> (&'static str, &'static str),
) -> String {
    parse(code).map_or_else(
        |_| code.to_string(),
        |v| {
            let (ko, en) = names(v);
            lang.t(ko, en).to_string()
        },
    )
}

fn purpose_words(lang: Lang, code: &str) -> String {
    words(lang, code, SharePurpose::parse, |p| {
        (p.korean(), p.english())
    })
}

fn kind_words(lang: Lang, code: &str) -> String {
    words(lang, code, ReferralKind::parse, |k| {
        (k.korean(), k.english())
    })
}

fn status_words(lang: Lang, code: &str) -> String {
    words(lang, code, ReferralStatus::parse, |k| {
        (k.korean(), k.english())
    })
}

fn date(t: &DateTime<Utc>) -> String {
    calendar::to_seoul(*t).format("%Y-%m-%d %H:%M").to_string()
}

fn referral_text(lang: Lang, level: ReferralLevel) -> Option<&'static str> {
    match level {
        ReferralLevel::Urgent => Some(lang.t(
            "가능한 한 빨리 전문가의 도움을 받으시기를 권합니다.",
            "Urgent: please see a professional as soon as possible.",
        )),
        ReferralLevel::Suggested => Some(lang.t(
            "전문가 상담을 받아 보시기를 권합니다.",
            "We suggest talking to a professional.",
        )),
        ReferralLevel::None => None,
    }
}

/// A crisis line in the page's language.
struct LineView {
    number: &'static str,
    name: &'static str,
}

fn crisis_lines(lang: Lang) -> Vec<LineView> {
    CRISIS_LINES
        .iter()
        .map(|l: &CrisisLine| LineView {
            number: l.number,
            name: lang.t(l.ko, l.en),
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Home

struct TrendRow {
    id: i64,
    date: String,
    completed: bool,
    crisis: bool,
    cells: Vec<String>,
}

struct CounsellorOption {
    id: i64,
    name: String,
}

struct AccessRow {
    date: String,
    who: String,
    what: &'static str,
}

/// The access-log actions in words.
fn access_words(lang: Lang, action: &str) -> &'static str {
    let (ko, en) = match action {
        "wellbeing.read" => ("결과 열람", "read a shared result"),
        "wellbeing.read_denied" => ("열람 시도 — 거부됨", "attempt to read, refused"),
        "wellbeing.write_denied" => ("변경 시도 — 거부됨", "attempt to change, refused"),
        "wellbeing.share" => ("상담사와 공유", "shared with a counsellor"),
        "wellbeing.share_revoke" => ("공유 철회", "share revoked"),
        "wellbeing.delete" => ("결과 삭제", "result deleted"),
        "wellbeing.delete_all" => ("모든 기록 삭제", "all records deleted"),
        "wellbeing.inbox" => ("상담사 목록에서 확인", "seen in a counsellor's inbox"),
        "wellbeing.referral_status" => ("요청 상태 변경", "request status changed"),
        _ => ("기타", "other"),
    };
    lang.t(ko, en)
}

struct ReferralRow {
    kind: String,
    status: String,
    date: String,
}

#[derive(Template)]
#[template(path = "wellbeing/wellbeing.html")]
struct HomePage {
    c: Chrome,
    csrf_token: String,
    consent_active: bool,
    invitations: Vec<InvitationView>,
    open_check: Option<(i64, usize, usize)>,
    instrument_names: Vec<String>,
    trend: Vec<TrendRow>,
    referrals: Vec<ReferralRow>,
    counsellors: Vec<CounsellorOption>,
    is_counsellor: bool,
    may_report: bool,
    access: Vec<AccessRow>,
    /// What was just deleted, said only when it is indeed gone.
    deleted: Option<&'static str>,
}

async fn counsellor_options(state: &AppState) -> Result<Vec<CounsellorOption>, ApiError> {
    Ok(sw::counsellors(&state.db)
        .await?
        .into_iter()
        .map(|c| CounsellorOption {
            id: c.id,
            name: c.display_name,
        })
        .collect())
}

#[derive(Deserialize)]
struct HomeQuery {
    /// After a deletion: `all`, or the id of the deleted result.
    #[serde(default)]
    deleted: String,
}

async fn home(
    State(state): State<AppState>,
    WbPage(caller, ctx): WbPage,
    Query(q): Query<HomeQuery>,
) -> PageResult {
    let page = home_page(&state, &caller, ctx.chrome(), &q.deleted)
        .await
        .or_page(&ctx)?;
    Ok(ctx.render(&page))
}

async fn home_page(
    state: &AppState,
    caller: &Caller,
    c: Chrome,
    deleted: &str,
) -> Result<HomePage, ApiError> {
    api::require_own(state, caller, Action::Read).await?;
    let lang = c.lang;
    let battery = &battery(&state.db).await?;
    let me = caller.account.id;
    let consent_active = sw::consent(&state.db, me)
        .await?
        .is_some_and(|c| c.is_active());
    let checks = sw::list_checks(&state.db, me).await?;
    let open_check = checks
        .iter()
        .find(|c| c.completed_at.is_none())
        .map(|c| (c.id, c.responses.len(), battery.instruments.len()));
    // Completed checks newest first; each cell compares with the next older check, where a
    // higher score is worse on all four instruments.
    let completed: Vec<_> = checks
        .iter()
        .filter(|c| c.completed_at.is_some())
        .map(|c| (c, c.results(battery)))
        .collect();
    let trend = completed
        .iter()
        .enumerate()
        .map(|(n, (c, results))| TrendRow {
            id: c.id,
            date: date(&c.started_at),
            completed: true,
            crisis: c.crisis,
            cells: battery
                .instruments
                .iter()
                .map(|i| {
                    let Some(r) = results.iter().find(|r| r.instrument == i.id) else {
                        return "—".into();
                    };
                    let before = completed.get(n + 1).and_then(|(_, older)| {
                        older
                            .iter()
                            .find(|o| o.instrument == i.id && o.version == r.version)
                    });
                    let change = match before.map(|o| r.score.value() - o.score.value()) {
                        Some(d) if d > 0.0 => format!(" ▲{d:.0} {}", lang.t("나빠짐", "worse")),
                        Some(d) if d < 0.0 => {
                            format!(" ▼{:.0} {}", -d, lang.t("좋아짐", "better"))
                        }
                        Some(_) => format!(" {}", lang.t("변화 없음", "no change")),
                        None => String::new(),
                    };
                    let band = lang.t(&r.band.ko, &r.band.en);
                    format!("{} ({band}){change}", r.score_display)
                })
                .collect(),
        })
        .collect();
    let referrals = sw::referrals_of(&state.db, me)
        .await?
        .iter()
        .map(|r| ReferralRow {
            kind: kind_words(lang, &r.kind),
            status: status_words(lang, &r.status),
            date: date(&r.created_at),
        })
        .collect();
    let invitations = sw::invitations(&state.db, me)
        .await?
        .iter()
        .map(invitation_view)
        .collect();
    // Said only when what was asked to go is indeed gone.
    let deleted = match deleted {
        "all" if checks.is_empty() => Some(lang.t(
            "모든 마음건강 기록을 삭제했습니다.",
            "All your wellbeing records are deleted.",
        )),
        id => id
            .parse::<i64>()
            .ok()
            .filter(|id| checks.iter().all(|c| c.id != *id))
            .map(|_| lang.t("결과를 삭제했습니다.", "The result is deleted.")),
    };
    Ok(HomePage {
        csrf_token: c.csrf_token.clone(),
        c,
        consent_active,
        invitations,
        open_check,
        instrument_names: battery
            .instruments
            .iter()
            .map(|i| lang.t(&i.name.ko, &i.name.en).to_string())
            .collect(),
        trend,
        deleted,
        referrals,
        counsellors: counsellor_options(state).await?,
        access: api::access_history(state, caller)
            .await?
            .iter()
            .map(|a| {
                let (at, who, action) = a.parts();
                AccessRow {
                    date: date(at),
                    who: who.to_string(),
                    what: access_words(lang, action),
                }
            })
            .collect(),
        is_counsellor: caller.may_open(Screen::CounsellorInbox),
        may_report: caller.may_open(Screen::WellbeingReport),
    })
}

// ---------------------------------------------------------------------------------------------
// Consent

#[derive(Template)]
#[template(path = "wellbeing/wellbeing_consent.html")]
struct ConsentPage {
    c: Chrome,
    csrf_token: String,
    active: bool,
    error: Option<String>,
}

impl ConsentPage {
    fn new(ctx: &Ctx, active: bool, error: Option<String>) -> Self {
        ConsentPage {
            c: ctx.chrome(),
            csrf_token: ctx.csrf_token.clone(),
            active,
            error,
        }
    }
}

async fn consent_page(State(state): State<AppState>, WbPage(caller, ctx): WbPage) -> PageResult {
    api::require_own(&state, &caller, Action::Read)
        .await
        .or_page(&ctx)?;
    let active = sw::consent(&state.db, caller.account.id)
        .await
        .or_page(&ctx)?
        .is_some_and(|c| c.is_active());
    Ok(ctx.render(&ConsentPage::new(&ctx, active, None)))
}

async fn consent_post(
    State(state): State<AppState>,
    WbPage(caller, ctx): WbPage,
    PageForm(form): PageForm<api::ConsentRequest>,
) -> PageResult {
    match api::give_consent(&state, &caller, form.agree).await {
        Ok(()) => see_other("/wellbeing"),
        Err(e) => {
            let error = correct_or_fail(&ctx, e)?;
            let page = ConsentPage::new(&ctx, false, Some(error));
            Ok(ctx.render_status(StatusCode::BAD_REQUEST, &page))
        }
    }
}

async fn consent_withdraw(
    State(state): State<AppState>,
    WbPage(caller, ctx): WbPage,
) -> PageResult {
    api::withdraw_consent(&state, &caller).await.or_page(&ctx)?;
    see_other("/wellbeing")
}

// ---------------------------------------------------------------------------------------------
// The check

async fn start(State(state): State<AppState>, WbPage(caller, ctx): WbPage) -> PageResult {
    match api::start(&state, &caller).await {
        Ok((id, _)) => see_other(&format!("/wellbeing/checks/{id}")),
        Err(e) if e.code == "consent_required" => see_other("/wellbeing/consent"),
        Err(e) => Err(ctx.fail(&e)),
    }
}

struct OptionView {
    value: i64,
    label: String,
    checked: bool,
}

struct ItemView {
    number: usize,
    text: String,
    options: Vec<OptionView>,
}

#[derive(Template)]
#[template(path = "wellbeing/wellbeing_instrument.html")]
struct InstrumentPage {
    c: Chrome,
    csrf_token: String,
    check_id: i64,
    instrument_id: String,
    name: String,
    /// Where the item texts come from, shown under the title (a working translation until an
    /// office imports its licensed validated version).
    published: bool,
    text_source_note: String,
    version: i64,
    timeframe: String,
    step: usize,
    steps: usize,
    items: Vec<ItemView>,
    error: Option<String>,
}

fn instrument_page(
    ctx: &Ctx,
    check_id: i64,
    instrument: &Instrument,
    step: usize,
    steps: usize,
    given: &[Option<i64>],
    error: Option<String>,
) -> InstrumentPage {
    let lang = ctx.lang;
    let pick = |t: &domain::wellbeing::Text| lang.t(&t.ko, &t.en).to_string();
    InstrumentPage {
        c: ctx.chrome(),
        csrf_token: ctx.csrf_token.clone(),
        check_id,
        instrument_id: instrument.id.clone(),
        name: pick(&instrument.name),
        published: instrument.text_source == domain::wellbeing::TextSource::Published,
        text_source_note: instrument.text_source_note.clone(),
        version: instrument.version,
        timeframe: pick(&instrument.timeframe),
        step,
        steps,
        items: instrument
            .items
            .iter()
            .enumerate()
            .map(|(i, item)| ItemView {
                number: item.number,
                text: lang.t(&item.ko, &item.en).to_string(),
                options: instrument
                    .option_sets
                    .get(&item.options)
                    .map(|os| {
                        os.iter()
                            .map(|o| OptionView {
                                value: o.value,
                                label: lang.t(&o.ko, &o.en).to_string(),
                                checked: given.get(i).copied().flatten() == Some(o.value),
                            })
                            .collect()
                    })
                    .unwrap_or_default(),
            })
            .collect(),
        error,
    }
}

struct ResultRow {
    name: String,
    score: String,
    band: String,
    convention: bool,
}

struct StepView {
    key: &'static str,
    text: &'static str,
}

struct ShareRow {
    id: i64,
    counsellor: String,
    purpose: String,
    given: String,
    revoked: Option<String>,
}

struct PurposeOption {
    value: &'static str,
    label: &'static str,
}

#[derive(Template)]
#[template(path = "wellbeing/wellbeing_result.html")]
struct ResultPage {
    c: Chrome,
    csrf_token: String,
    check_id: i64,
    owner_view: bool,
    owner_name: String,
    shared_for: Vec<String>,
    date: String,
    crisis: bool,
    crisis_lines: Vec<LineView>,
    results: Vec<ResultRow>,
    referral: Option<&'static str>,
    next_steps: Vec<StepView>,
    notice: &'static str,
    shares: Vec<ShareRow>,
    counsellors: Vec<CounsellorOption>,
    purposes: Vec<PurposeOption>,
    /// Upcoming healing sessions, when a healing program is a next step (item 8).
    healing_sessions: Vec<crate::programs::healing::SessionChoice>,
}

async fn check_page(
    State(state): State<AppState>,
    WbPage(caller, ctx): WbPage,
    PageId(id): PageId,
) -> PageResult {
    check_page_inner(&state, &caller, &ctx, id)
        .await
        .or_page(&ctx)
}

/// An unfinished check is its next instrument's page; a finished one, the results.
async fn check_page_inner(
    state: &AppState,
    caller: &Caller,
    ctx: &Ctx,
    id: i64,
) -> Result<Response, ApiError> {
    let (check, shares) = api::readable_check(state, caller, id).await?;
    let battery = &battery(&state.db).await?;
    let lang = ctx.lang;
    let owner_view = check.account_id == caller.account.id;
    if check.completed_at.is_none() {
        if !owner_view {
            // A shared check is always complete; an unfinished one is nobody else's business.
            return Err(ApiError::forbidden());
        }
        let Some(next) = check.next_instrument(battery) else {
            return Err(ApiError::not_found());
        };
        let step = check.responses.len() + 1;
        let steps = battery.instruments.len();
        return Ok(ctx.render(&instrument_page(ctx, id, next, step, steps, &[], None)));
    }
    let results = check.results(battery);
    let next = domain::wellbeing::next_steps(&results, check.crisis);
    let referral = results
        .iter()
        .map(|r| r.referral)
        .max()
        .unwrap_or(ReferralLevel::None);
    let owner_name = shares
        .first()
        .map(|s| s.owner_name.clone())
        .unwrap_or_default();
    let shared_for = shares
        .iter()
        .filter(|s| s.counsellor_id == caller.account.id && s.revoked_at.is_none())
        .map(|s| purpose_words(lang, &s.purpose))
        .collect();
    Ok(ctx.render(&ResultPage {
        c: ctx.chrome(),
        csrf_token: ctx.csrf_token.clone(),
        check_id: id,
        owner_view,
        owner_name,
        shared_for,
        date: date(&check.started_at),
        crisis: check.crisis,
        crisis_lines: crisis_lines(lang),
        next_steps: next
            .iter()
            .map(|s: &NextStep| StepView {
                key: s.key,
                text: lang.t(s.ko, s.en),
            })
            .collect(),
        results: results
            .iter()
            .map(|r| ResultRow {
                name: lang.t(&r.name.ko, &r.name.en).to_string(),
                score: r.score_display.clone(),
                band: lang.t(&r.band.ko, &r.band.en).to_string(),
                convention: r.bands_convention,
            })
            .collect(),
        referral: referral_text(lang, referral),
        notice: lang.t(SCREENING_NOTICE_KO, SCREENING_NOTICE_EN),
        shares: if owner_view {
            shares
                .iter()
                .map(|s| ShareRow {
                    id: s.id,
                    counsellor: s.counsellor_name.clone(),
                    purpose: purpose_words(lang, &s.purpose),
                    given: date(&s.given_at),
                    revoked: s.revoked_at.as_ref().map(date),
                })
                .collect()
        } else {
            Vec::new()
        },
        counsellors: if owner_view {
            counsellor_options(state).await?
        } else {
            Vec::new()
        },
        purposes: SharePurpose::ALL
            .iter()
            .map(|p| PurposeOption {
                value: p.as_str(),
                label: lang.t(p.korean(), p.english()),
            })
            .collect(),
        healing_sessions: if owner_view && next.iter().any(|s| s.key == "healing_program") {
            crate::programs::healing::healing_choices(state, lang, Some(caller.account.id)).await?
        } else {
            Vec::new()
        },
    }))
}

#[derive(Template)]
#[template(path = "wellbeing/wellbeing_crisis.html")]
struct CrisisPage {
    c: Chrome,
    csrf_token: String,
    check_id: i64,
    crisis_lines: Vec<LineView>,
    counsellors: Vec<CounsellorOption>,
}

/// The answers of one instrument page: `instrument` and `q1` … `qN`.
async fn answers(
    State(state): State<AppState>,
    WbPage(caller, ctx): WbPage,
    PageId(id): PageId,
    Form(fields): Form<Vec<(String, String)>>,
) -> PageResult {
    answers_inner(&state, &caller, &ctx, id, &fields)
        .await
        .or_page(&ctx)
}

async fn answers_inner(
    state: &AppState,
    caller: &Caller,
    ctx: &Ctx,
    id: i64,
    fields: &[(String, String)],
) -> Result<Response, ApiError> {
    let battery = &battery(&state.db).await?;
    let field = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let instrument_id = field("instrument").unwrap_or_default();
    let Some(instrument) = battery.get(instrument_id) else {
        return Err(ApiError::bad_request(
            "unknown_instrument",
            "알 수 없는 검사 도구입니다",
            format!("unknown instrument '{instrument_id}'"),
        ));
    };
    let mut given = Vec::with_capacity(instrument.items.len());
    for item in &instrument.items {
        let raw = field(&format!("q{}", item.number)).filter(|v| !v.is_empty());
        match raw.map(str::parse::<i64>) {
            None => given.push(None),
            Some(Ok(v)) => given.push(Some(v)),
            Some(Err(_)) => {
                return Err(ApiError::bad_request(
                    "answer_out_of_range",
                    format!("{}번 문항의 답이 올바르지 않습니다", item.number),
                    format!("item {} has an invalid answer", item.number),
                ));
            }
        }
    }
    match api::answer(state, caller, id, instrument_id, &given).await {
        Ok(done) if done.crisis => Ok(ctx.render(&CrisisPage {
            c: ctx.chrome(),
            csrf_token: ctx.csrf_token.clone(),
            check_id: id,
            crisis_lines: crisis_lines(ctx.lang),
            counsellors: counsellor_options(state).await?,
        })),
        Ok(_) => Ok(Redirect::to(&format!("/wellbeing/checks/{id}")).into_response()),
        Err(e) if e.status == StatusCode::BAD_REQUEST => {
            // Show the same page again with what was ticked and what is missing.
            let check = sw::get_check(&state.db, id).await?;
            let step = check.responses.len() + 1;
            let steps = battery.instruments.len();
            let error = Some(ctx.lang.of(&e).to_string());
            let page = instrument_page(ctx, id, instrument, step, steps, &given, error);
            Ok(ctx.render_status(StatusCode::BAD_REQUEST, &page))
        }
        Err(e) => Err(e),
    }
}

async fn share(
    State(state): State<AppState>,
    WbPage(caller, ctx): WbPage,
    PageId(id): PageId,
    PageForm(form): PageForm<api::ShareRequest>,
) -> PageResult {
    let counsellor = form
        .counsellor_id
        .ok_or_else(api::not_a_counsellor)
        .or_page(&ctx)?;
    api::share_check(&state, &caller, id, counsellor, form.purpose)
        .await
        .or_page(&ctx)?;
    see_other(&format!("/wellbeing/checks/{id}"))
}

async fn revoke(
    State(state): State<AppState>,
    WbPage(caller, ctx): WbPage,
    PageId(id): PageId,
) -> PageResult {
    let share = sw::get_share(&state.db, id).await.or_page(&ctx)?;
    api::revoke(&state, &caller, id).await.or_page(&ctx)?;
    see_other(&format!("/wellbeing/checks/{}", share.check_id))
}

// ---------------------------------------------------------------------------------------------
// Deleting: both deletions cannot be undone, so each asks first on a page of its own (no script
// needed). One result needs a ticked box, everything the typed word 삭제 (or "delete").

#[derive(Template)]
#[template(path = "wellbeing/wellbeing_delete.html")]
struct DeletePage {
    c: Chrome,
    /// One result (its id and date), or everything when absent.
    check: Option<(i64, String)>,
    /// Everything: how many results would go.
    results: usize,
    typed: String,
    error: Option<&'static str>,
}

/// The confirmation for one result: its owner only, like the deletion itself.
async fn delete_check_view(
    state: &AppState,
    caller: &Caller,
    ctx: &Ctx,
    id: i64,
    error: Option<&'static str>,
) -> Result<DeletePage, ApiError> {
    let check = api::owned_check(state, caller, id, Action::Delete).await?;
    Ok(DeletePage {
        c: ctx.chrome(),
        check: Some((id, date(&check.started_at))),
        results: 1,
        typed: String::new(),
        error,
    })
}

async fn delete_check_page(
    State(state): State<AppState>,
    WbPage(caller, ctx): WbPage,
    PageId(id): PageId,
) -> PageResult {
    let page = delete_check_view(&state, &caller, &ctx, id, None)
        .await
        .or_page(&ctx)?;
    Ok(ctx.render(&page))
}

#[derive(Deserialize)]
struct ConfirmForm {
    #[serde(default)]
    confirm: String,
    #[serde(default)]
    confirm_word: String,
}

async fn delete_check(
    State(state): State<AppState>,
    WbPage(caller, ctx): WbPage,
    PageId(id): PageId,
    Form(form): Form<ConfirmForm>,
) -> PageResult {
    if form.confirm != "yes" {
        let error = ctx.lang.t(
            "삭제하려면 확인란에 표시해 주세요. 삭제한 결과는 되살릴 수 없습니다.",
            "Tick the box to delete. A deleted result cannot be restored.",
        );
        let page = delete_check_view(&state, &caller, &ctx, id, Some(error))
            .await
            .or_page(&ctx)?;
        return Ok(ctx.render_status(StatusCode::BAD_REQUEST, &page));
    }
    api::remove_check(&state, &caller, id).await.or_page(&ctx)?;
    see_other(&format!("/wellbeing?deleted={id}"))
}

async fn delete_all_view(
    state: &AppState,
    caller: &Caller,
    ctx: &Ctx,
    typed: &str,
    error: Option<&'static str>,
) -> Result<DeletePage, ApiError> {
    api::require_own(state, caller, Action::Delete).await?;
    let results = sw::list_checks(&state.db, caller.account.id).await?.len();
    Ok(DeletePage {
        c: ctx.chrome(),
        check: None,
        results,
        typed: typed.to_string(),
        error,
    })
}

async fn delete_all_page(State(state): State<AppState>, WbPage(caller, ctx): WbPage) -> PageResult {
    let page = delete_all_view(&state, &caller, &ctx, "", None)
        .await
        .or_page(&ctx)?;
    Ok(ctx.render(&page))
}

/// The word that confirms deleting everything, in either language.
fn confirms_all(word: &str) -> bool {
    matches!(word.trim(), "삭제" | "delete" | "Delete" | "DELETE")
}

async fn delete_all(
    State(state): State<AppState>,
    WbPage(caller, ctx): WbPage,
    Form(form): Form<ConfirmForm>,
) -> PageResult {
    if !confirms_all(&form.confirm_word) {
        let error = ctx.lang.t(
            "모두 삭제하려면 입력란에 ‘삭제’라고 적어 주세요.",
            "To delete everything, type ‘delete’ in the box.",
        );
        let page = delete_all_view(&state, &caller, &ctx, &form.confirm_word, Some(error))
            .await
            .or_page(&ctx)?;
        return Ok(ctx.render_status(StatusCode::BAD_REQUEST, &page));
    }
    api::remove_everything(&state, &caller)
        .await
        .or_page(&ctx)?;
    see_other("/wellbeing?deleted=all")
}

async fn refer(
    State(state): State<AppState>,
    WbPage(caller, ctx): WbPage,
    PageForm(form): PageForm<api::ReferralRequest>,
) -> PageResult {
    api::refer(
        &state,
        &caller,
        form.kind,
        form.counsellor_id,
        &form.message,
    )
    .await
    .or_page(&ctx)?;
    see_other("/wellbeing")
}

async fn referral_status(
    State(state): State<AppState>,
    WbPage(caller, ctx): WbPage,
    PageId(id): PageId,
    PageForm(form): PageForm<api::StatusRequest>,
) -> PageResult {
    api::move_referral(&state, &caller, id, form.status)
        .await
        .or_page(&ctx)?;
    see_other("/wellbeing/counsellor")
}

async fn dismiss(
    State(state): State<AppState>,
    WbPage(caller, ctx): WbPage,
    PageId(id): PageId,
) -> PageResult {
    api::dismiss(&state, &caller, id).await.or_page(&ctx)?;
    see_other("/wellbeing")
}

// ---------------------------------------------------------------------------------------------
// Plan

struct CheckinRow {
    date: String,
    actions_done: i64,
    mood: i64,
    note: String,
}

struct WeekdayOption {
    value: u32,
    name: &'static str,
    selected: bool,
}

#[derive(Template)]
#[template(path = "wellbeing/wellbeing_plan.html")]
struct PlanPage {
    c: Chrome,
    csrf_token: String,
    has_plan: bool,
    goals: String,
    actions: String,
    action_list: Vec<String>,
    weekdays: Vec<WeekdayOption>,
    no_reminder: bool,
    hour: u32,
    next_reminder: Option<String>,
    checkins: Vec<CheckinRow>,
    error: Option<String>,
}

const WEEKDAYS: [(&str, &str); 7] = [
    ("월요일", "Monday"),
    ("화요일", "Tuesday"),
    ("수요일", "Wednesday"),
    ("목요일", "Thursday"),
    ("금요일", "Friday"),
    ("토요일", "Saturday"),
    ("일요일", "Sunday"),
];

async fn plan_view(
    state: &AppState,
    caller: &Caller,
    ctx: &Ctx,
    error: Option<String>,
) -> Result<PlanPage, ApiError> {
    api::require_own(state, caller, Action::Read).await?;
    let plan = sw::plan(&state.db, caller.account.id).await?;
    let weekday = plan.as_ref().and_then(|p| p.reminder_weekday);
    Ok(PlanPage {
        c: ctx.chrome(),
        csrf_token: ctx.csrf_token.clone(),
        has_plan: plan.is_some(),
        goals: plan
            .as_ref()
            .map(|p| p.goals.join("\n"))
            .unwrap_or_default(),
        actions: plan
            .as_ref()
            .map(|p| p.actions.join("\n"))
            .unwrap_or_default(),
        action_list: plan.as_ref().map(|p| p.actions.clone()).unwrap_or_default(),
        weekdays: WEEKDAYS
            .iter()
            .enumerate()
            .map(|(i, (ko, en))| WeekdayOption {
                value: i as u32,
                name: ctx.lang.t(ko, en),
                selected: weekday == Some(i as i64),
            })
            .collect(),
        no_reminder: weekday.is_none(),
        hour: plan
            .as_ref()
            .and_then(|p| p.reminder_hour)
            .and_then(|h| u32::try_from(h).ok())
            .unwrap_or(9),
        next_reminder: plan
            .as_ref()
            .and_then(|p| p.next_reminder_at.as_ref().map(date)),
        checkins: plan
            .map(|p| {
                p.checkins
                    .iter()
                    .map(|c| CheckinRow {
                        date: date(&c.at),
                        actions_done: c.actions_done,
                        mood: c.mood,
                        note: c.note.clone(),
                    })
                    .collect()
            })
            .unwrap_or_default(),
        error,
    })
}

async fn plan_page(State(state): State<AppState>, WbPage(caller, ctx): WbPage) -> PageResult {
    let page = plan_view(&state, &caller, &ctx, None).await.or_page(&ctx)?;
    Ok(ctx.render(&page))
}

/// After a plan or check-in form: back to the plan, or the plan again with what to correct.
async fn plan_after(
    state: &AppState,
    caller: &Caller,
    ctx: &Ctx,
    saved: Result<(), ApiError>,
) -> PageResult {
    let Err(e) = saved else {
        return see_other("/wellbeing/plan");
    };
    let error = correct_or_fail(ctx, e)?;
    let page = plan_view(state, caller, ctx, Some(error))
        .await
        .or_page(ctx)?;
    Ok(ctx.render_status(StatusCode::BAD_REQUEST, &page))
}

#[derive(Deserialize)]
struct PlanForm {
    #[serde(default)]
    goals: String,
    #[serde(default)]
    actions: String,
    #[serde(default)]
    reminder_weekday: String,
    #[serde(default)]
    reminder_hour: String,
}

async fn plan_post(
    State(state): State<AppState>,
    WbPage(caller, ctx): WbPage,
    Form(form): Form<PlanForm>,
) -> PageResult {
    let lines = |s: &str| s.lines().map(str::to_string).collect::<Vec<_>>();
    let input = PlanInput {
        goals: lines(&form.goals),
        actions: lines(&form.actions),
        reminder_weekday: form.reminder_weekday.trim().parse().ok(),
        reminder_hour: form.reminder_hour.trim().parse().ok(),
    };
    let saved = api::save_plan(&state, &caller, &input).await;
    plan_after(&state, &caller, &ctx, saved).await
}

#[derive(Deserialize)]
struct CheckinForm {
    #[serde(default)]
    actions_done: String,
    #[serde(default)]
    mood: String,
    #[serde(default)]
    note: String,
}

async fn checkin(
    State(state): State<AppState>,
    WbPage(caller, ctx): WbPage,
    Form(form): Form<CheckinForm>,
) -> PageResult {
    // Blank or unreadable numbers fall out of range, so the plan page says what to correct.
    let done = form.actions_done.trim().parse().unwrap_or(-1);
    let mood = form.mood.trim().parse().unwrap_or(0);
    let saved = api::add_checkin(&state, &caller, done, mood, &form.note).await;
    plan_after(&state, &caller, &ctx, saved).await
}

// ---------------------------------------------------------------------------------------------
// Counsellor and report

struct InboxShare {
    check_id: i64,
    owner: String,
    purpose: String,
    given: String,
}

struct InboxReferral {
    id: i64,
    owner: String,
    kind: String,
    message: String,
    status: String,
    date: String,
}

#[derive(Template)]
#[template(path = "wellbeing/wellbeing_counsellor.html")]
struct CounsellorPage {
    c: Chrome,
    csrf_token: String,
    shares: Vec<InboxShare>,
    referrals: Vec<InboxReferral>,
    /// Healing-program requests to place in a session, and upcoming sessions (item 8).
    placements: Vec<crate::programs::healing::PlacementRow>,
    healing_sessions: Vec<crate::programs::healing::SessionChoice>,
}

async fn counsellor_page(State(state): State<AppState>, WbPage(caller, ctx): WbPage) -> PageResult {
    let (shares, referrals) = api::counsellor_inbox(&state, &caller).await.or_page(&ctx)?;
    let lang = ctx.lang;
    Ok(ctx.render(&CounsellorPage {
        c: ctx.chrome(),
        csrf_token: ctx.csrf_token.clone(),
        shares: shares
            .iter()
            .map(|s| InboxShare {
                check_id: s.check_id,
                owner: s.owner_name.clone(),
                purpose: purpose_words(lang, &s.purpose),
                given: date(&s.given_at),
            })
            .collect(),
        referrals: referrals
            .iter()
            .map(|r| InboxReferral {
                id: r.id,
                owner: r.owner_name.clone(),
                kind: kind_words(lang, &r.kind),
                message: r.message.clone(),
                status: status_words(lang, &r.status),
                date: date(&r.created_at),
            })
            .collect(),
        placements: crate::programs::healing::placement_rows(&state, lang, &referrals)
            .await
            .or_page(&ctx)?,
        healing_sessions: crate::programs::healing::healing_choices(&state, lang, None)
            .await
            .or_page(&ctx)?,
    }))
}

#[derive(Template)]
#[template(path = "wellbeing/wellbeing_report.html")]
struct ReportPage {
    c: Chrome,
    report: GroupReport,
    instrument_names: Vec<String>,
}

impl ReportPage {
    /// A band's name in the page's language.
    fn band<'a>(&self, b: &'a domain::wellbeing::report::BandCount) -> &'a str {
        self.c.lang.t(&b.ko, &b.en)
    }
}

#[derive(Deserialize)]
struct ReportQuery {
    #[serde(default)]
    year: String,
}

async fn report_page(
    State(state): State<AppState>,
    WbPage(caller, ctx): WbPage,
    Query(q): Query<ReportQuery>,
) -> PageResult {
    let year = api::report_year(Some(&q.year)).or_page(&ctx)?;
    let report = api::group(&state, &caller, year).await.or_page(&ctx)?;
    let battery = battery(&state.db).await.or_page(&ctx)?;
    Ok(ctx.render(&ReportPage {
        c: ctx.chrome(),
        report,
        instrument_names: battery
            .instruments
            .iter()
            .map(|i| ctx.lang.t(&i.name.ko, &i.name.en).to_string())
            .collect(),
    }))
}
