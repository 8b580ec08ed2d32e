//! Indicators for the evaluation per month and department.

use super::views::label;
use crate::AppState;
use crate::kit::auth::{ApiCaller, Caller};
use crate::kit::error::{ApiError, ErrorBody};
use crate::kit::page::{Chrome, Ctx, OrPage, PageResult};
use askama::Template;
use axum::Json;
use axum::extract::{Query, State};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use domain::access::{Action, Capability, Target};
use domain::protection::{self as rules, Indicators};
use serde::{Deserialize, Serialize};
use store::protection::{self as sp};
use utoipa::ToSchema;

/// Parse `YYYY-MM` into the first instant of that month in Korea.
pub(crate) fn month_start(s: &str) -> Result<DateTime<Utc>, ApiError> {
    let bad = || {
        ApiError::bad_request(
            "bad_month",
            "월은 YYYY-MM 형식이어야 합니다",
            "month must be YYYY-MM",
        )
    };
    let d =
        NaiveDate::parse_from_str(&format!("{}-01", s.trim()), "%Y-%m-%d").map_err(|_| bad())?;
    let local = d.and_hms_opt(0, 0, 0).ok_or_else(bad)?;
    let start = local.and_local_timezone(calendar::seoul()).single();
    start.map(|t| t.to_utc()).ok_or_else(bad)
}

/// Indicators per month and department for `[from, to]` months (default: this year).
pub(crate) async fn compute_indicators(
    state: &AppState,
    caller: &Caller,
    from: Option<&str>,
    to: Option<&str>,
) -> Result<Vec<IndicatorRow>, ApiError> {
    caller
        .may(state, Capability::Evaluation, Action::Read, Target::Office)
        .await?;
    let now = store::now();
    let this_year = format!("{}-01", rules::local_date(now).format("%Y"));
    let start = month_start(from.filter(|s| !s.is_empty()).unwrap_or(&this_year))?;
    let end_month = month_start(
        to.filter(|s| !s.is_empty())
            .unwrap_or(&rules::month_of(now)),
    )?;
    let end = end_month + Duration::days(32);
    let end = month_start(&rules::month_of(end))?;
    if end <= start || end - start > Duration::days(3 * 366) {
        return Err(ApiError::bad_request(
            "bad_range",
            "기간은 시작 월부터 3년 이내여야 합니다",
            "the range must run forwards, at most 3 years",
        ));
    }
    let (inc, contacts, drills) = sp::indicator_inputs(&state.db, start, end).await?;
    let names: std::collections::HashMap<i64, String> = store::office::departments::list(&state.db)
        .await?
        .into_iter()
        .map(|d| (d.id, d.name))
        .collect();
    Ok(rules::indicators(&inc, &contacts, &drills)
        .into_iter()
        .map(|((month, dept), ind)| IndicatorRow {
            month,
            department_id: dept,
            department_name: dept
                .and_then(|d| names.get(&d).cloned())
                .unwrap_or_else(|| "전체 (office)".into()),
            indicators: ind,
        })
        .collect())
}

#[derive(Serialize, ToSchema)]
pub struct IndicatorRow {
    pub month: String,
    /// Absent: the whole office.
    pub department_id: Option<i64>,
    pub department_name: String,
    #[schema(value_type = Object)]
    pub indicators: Indicators,
}

#[derive(Serialize, ToSchema)]
pub struct IndicatorsView {
    pub rows: Vec<IndicatorRow>,
}

#[derive(Deserialize)]
pub struct RangeParams {
    pub(crate) from: Option<String>,
    pub(crate) to: Option<String>,
}

/// Indicators for the evaluation per month (`YYYY-MM`, KST) and department: share of calls
/// recorded, incidents, responses and mean minutes to the first measure, measures by kind,
/// drills held, support given. Rows without a department are office totals.
#[utoipa::path(get, path = "/api/v1/protection/indicators", tag = "protection", security(("bearer" = [])),
    params(("from" = Option<String>, Query), ("to" = Option<String>, Query)),
    responses((status = 200, body = IndicatorsView), (status = 400, body = ErrorBody)))]
pub(crate) async fn indicators(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Query(q): Query<RangeParams>,
) -> Result<Json<IndicatorsView>, ApiError> {
    let rows = compute_indicators(&state, &caller, q.from.as_deref(), q.to.as_deref()).await?;
    Ok(Json(IndicatorsView { rows }))
}

pub(crate) struct IndicatorLine {
    month: String,
    department: String,
    calls: i64,
    recorded: String,
    incidents: i64,
    responded: i64,
    response: String,
    measures: i64,
    drills: i64,
    support: i64,
}

#[derive(Template)]
#[template(path = "protection/protection_indicators.html")]
pub(crate) struct IndicatorsPage {
    c: Chrome,
    rows: Vec<IndicatorLine>,
    from: String,
    to: String,
}

pub(crate) async fn indicators_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<RangeParams>,
) -> PageResult {
    let caller = ctx.staff_or_refuse()?;
    let rows = compute_indicators(&state, caller, q.from.as_deref(), q.to.as_deref())
        .await
        .or_page(&ctx)?;
    let rows = rows
        .into_iter()
        .map(|r: IndicatorRow| {
            let i = r.indicators;
            IndicatorLine {
                month: r.month,
                department: if r.department_id.is_none() {
                    label(ctx.lang, "전체", "Whole office")
                } else {
                    r.department_name
                },
                calls: i.calls,
                recorded: i
                    .recorded_share
                    .map(|s| format!("{:.0}%", s * 100.0))
                    .unwrap_or_else(|| "–".into()),
                incidents: i.incidents,
                responded: i.responded,
                response: i
                    .mean_response_minutes
                    .map(|m| format!("{m:.1}"))
                    .unwrap_or_else(|| "–".into()),
                measures: i.measures.values().sum(),
                drills: i.drills_held,
                support: i.support_given,
            }
        })
        .collect();
    Ok(ctx.render(&IndicatorsPage {
        c: ctx.chrome(),
        rows,
        from: q.from.unwrap_or_default(),
        to: q.to.unwrap_or_default(),
    }))
}
