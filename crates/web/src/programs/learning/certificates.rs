//! Certificates of completion (수료증): the printable A4 certificate for its holder (and whoever
//! may read their learning record), and the public verification page, which anyone may use
//! without signing in and which shows only the masked name, the program, the dates and the hours.

use super::{minutes, person_target};
use crate::AppState;
use crate::kit::error::{ApiError, ErrorBody};
use crate::kit::page::{Chrome, Ctx, Lang, OrPage, PageResult, when};
use crate::protection::views::PageId;
use askama::Template;
use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use chrono::{DateTime, NaiveDate, Utc};
use domain::access::{Action, Capability};
use domain::programs::LearningCategory;
use serde::{Deserialize, Serialize};
use store::programs::completion::{self as comp, Verification};
use utoipa::ToSchema;

#[derive(Template)]
#[template(path = "programs/learning_certificate.html")]
pub(crate) struct CertificatePage {
    c: Chrome,
    cert: comp::Certificate,
    program: String,
    category: String,
    dates: String,
    hours: String,
    issued: String,
}

fn dates(lang: Lang, first: NaiveDate, last: NaiveDate) -> String {
    let f = |d: NaiveDate| match lang {
        Lang::Ko => d.format("%Y년 %m월 %d일").to_string(),
        Lang::En => d.format("%d %B %Y").to_string(),
    };
    if first == last {
        f(first)
    } else {
        format!("{} – {}", f(first), f(last))
    }
}

/// The printable certificate.
pub(crate) async fn certificate_page(
    State(state): State<AppState>,
    ctx: Ctx,
    PageId(id): PageId,
) -> PageResult {
    let caller = ctx.staff_or_refuse()?;
    let lang = ctx.lang;
    let cert = comp::certificate(&state.db, id)
        .await
        .map_err(ApiError::from)
        .or_page(&ctx)?;
    caller
        .may(
            &state,
            Capability::ProgramEnrolment,
            Action::Read,
            person_target(cert.account_id, cert.department_id),
        )
        .await
        .or_page(&ctx)?;
    let category = LearningCategory::parse(&cert.category)
        .map(|c| lang.t(c.korean(), c.english()).to_string())
        .unwrap_or_else(|_| cert.category.clone());
    let program = match lang {
        Lang::En if !cert.title_en.is_empty() => cert.title_en.clone(),
        _ => cert.title.clone(),
    };
    let page = CertificatePage {
        c: ctx.chrome(),
        program,
        category,
        dates: dates(lang, cert.first_day, cert.last_day),
        hours: minutes(lang, cert.minutes),
        issued: calendar::to_seoul(cert.issued_at).date_naive().to_string(),
        cert,
    };
    Ok(ctx.render(&page))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct VerifyQuery {
    /// The code printed on the certificate (`K7QM-2XRT-9PBD-H4WN`; case, spaces and hyphens do
    /// not matter).
    pub code: String,
}

/// What anyone may learn of a certificate.
#[derive(Debug, Serialize, ToSchema)]
pub struct VerifiedView {
    pub code: String,
    /// The holder's name, masked (김*용).
    pub name: String,
    pub program: String,
    pub first_day: NaiveDate,
    pub last_day: NaiveDate,
    /// Recognised minutes (인정시간).
    pub minutes: i64,
}

fn unknown() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "certificate_not_found",
        "그런 수료증이 없습니다. 수료증에 적힌 확인 번호를 다시 확인해 주세요.",
        "No certificate has that code. Please check the verification code printed on the certificate.",
    )
}

fn locked(until: DateTime<Utc>) -> ApiError {
    ApiError::new(
        StatusCode::TOO_MANY_REQUESTS,
        "verification_locked",
        format!(
            "확인에 너무 많이 실패했습니다. {} 이후에 다시 해 주세요.",
            when(until)
        ),
        format!(
            "Too many failed checks. Please try again after {}.",
            when(until)
        ),
    )
}

async fn verify(state: &AppState, address: &str, code: &str) -> Result<VerifiedView, ApiError> {
    if code.trim().is_empty() {
        return Err(ApiError::bad_request(
            "code_required",
            "수료증의 확인 번호를 적어 주세요.",
            "Enter the certificate's verification code.",
        ));
    }
    match comp::verify(&state.db, code, address, store::now()).await? {
        Verification::Found(v) => Ok(VerifiedView {
            code: v.code,
            name: v.name,
            program: v.program,
            first_day: v.first_day,
            last_day: v.last_day,
            minutes: v.minutes,
        }),
        Verification::NotFound => Err(unknown()),
        Verification::Locked { until } => Err(locked(until)),
    }
}

/// Verify a certificate by its code; no sign-in needed. Failures are counted per client address.
#[utoipa::path(get, path = "/api/v1/programs/certificates/verify", tag = "programs",
    params(("code" = String, Query)),
    responses((status = 200, body = VerifiedView), (status = 404, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub(crate) async fn verify_api(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<VerifyQuery>,
) -> Result<Json<VerifiedView>, ApiError> {
    Ok(Json(verify(&state, &ctx.address, &q.code).await?))
}

#[derive(Template)]
#[template(path = "programs/learning_verify.html")]
pub(crate) struct VerifyPage {
    c: Chrome,
    code: String,
    found: Option<(String, String, String, String, String)>,
    error: Option<String>,
}

/// The public verification page (수료증 진위 확인).
pub(crate) async fn verify_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<VerifyQuery>,
) -> PageResult {
    let lang = ctx.lang;
    let asked = !q.code.trim().is_empty();
    let result = if asked {
        Some(verify(&state, &ctx.address, &q.code).await)
    } else {
        None
    };
    let (found, error, status) = match result {
        Some(Ok(v)) => (
            Some((
                v.code,
                v.name,
                v.program,
                dates(lang, v.first_day, v.last_day),
                minutes(lang, v.minutes),
            )),
            None,
            None,
        ),
        Some(Err(e)) => (None, Some(lang.of(&e).to_string()), Some(e)),
        None => (None, None, None),
    };
    let page = VerifyPage {
        c: ctx.chrome(),
        code: q.code.chars().take(40).collect(),
        found,
        error,
    };
    Ok(super::show(&ctx, &page, status.as_ref()))
}
