//! The eligibility settings (방문 대상 기준): the age threshold and the combinations that
//! qualify. The administrator edits them (`Capability::Settings`); staff read them on the
//! request form. JSON: `GET`/`PUT /api/v1/home-visits/eligibility`; page: `/home-visits/eligibility`.

use super::invalid;
use crate::kit::auth::{ApiCaller, Caller};
use crate::kit::error::{ApiError, ErrorBody};
use crate::kit::form::{Fields, PageForm};
use crate::kit::json::ApiJson;
use crate::kit::page::{Chrome, Ctx, Lang, OrPage, PageResult};
use crate::{AppState, Audit, audited};
use askama::Template;
use axum::Json;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use domain::Invalid;
use domain::access::{Action, Capability, Target};
use domain::service_access::home_visits::{Condition, EligibilityRules};
use store::service_access::home_visits as sh;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// How many combinations the page offers (blank rows are ignored).
const ROWS: usize = 4;

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_rules, put_rules))
        .merge(
            Router::new()
                .route("/home-visits/eligibility", get(page).post(save_form))
                .into(),
        )
}

async fn save(
    state: &AppState,
    caller: &Caller,
    rules: &EligibilityRules,
) -> Result<Result<(), Invalid>, ApiError> {
    caller
        .may(state, Capability::Settings, Action::Update, Target::Office)
        .await?;
    if let Err(bad) = rules.validate() {
        return Ok(Err(bad));
    }
    audited(state, caller, async |tx| {
        sh::set_rules(tx, rules, store::now()).await?;
        Ok((
            (),
            Audit::new("settings:home_visits.eligibility", "settings.update", ""),
        ))
    })
    .await?;
    Ok(Ok(()))
}

/// The eligibility settings.
#[utoipa::path(get, path = "/api/v1/home-visits/eligibility", tag = "service_access", security(("bearer" = [])),
    responses((status = 200, body = Object), (status = 401, body = ErrorBody)))]
pub(crate) async fn get_rules(
    State(state): State<AppState>,
    ApiCaller(_caller): ApiCaller,
) -> Result<Json<EligibilityRules>, ApiError> {
    Ok(Json(sh::rules(&state.db).await?))
}

/// Change the eligibility settings (administrators): `age_threshold` 65 or 75, and
/// `combinations` of `age`, `living_alone`, `severe_disability`, `immobile`.
#[utoipa::path(put, path = "/api/v1/home-visits/eligibility", tag = "service_access", security(("bearer" = [])),
    request_body = Object,
    responses((status = 200, body = Object), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn put_rules(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiJson(rules): ApiJson<EligibilityRules>,
) -> Result<Json<EligibilityRules>, ApiError> {
    match save(&state, &caller, &rules).await? {
        Ok(()) => Ok(Json(rules)),
        Err(bad) => Err(invalid(&bad)),
    }
}

struct Cell {
    value: &'static str,
    label: String,
    on: bool,
}

#[derive(Template)]
#[template(path = "service_access/home_visits/eligibility.html")]
struct Page {
    c: Chrome,
    threshold: u32,
    rows: Vec<Vec<Cell>>,
    errs: super::pages::Errors,
    message: Option<String>,
}

fn render(
    ctx: &Ctx,
    rules: &EligibilityRules,
    errs: super::pages::Errors,
    message: Option<String>,
) -> Response {
    let lang = ctx.lang;
    let rows = (0..ROWS)
        .map(|i| {
            let combo = rules.combinations.get(i);
            Condition::ALL
                .iter()
                .map(|c| Cell {
                    value: c.as_str(),
                    label: match (c, lang) {
                        (Condition::Age, Lang::Ko) => "나이 기준 이상".into(),
                        (Condition::Age, Lang::En) => "at or over the age threshold".into(),
                        (c, _) => lang.t(c.korean(), c.english()).to_string(),
                    },
                    on: combo.is_some_and(|x| x.contains(c)),
                })
                .collect()
        })
        .collect();
    let status = if errs.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = Page {
        c: ctx
            .chrome()
            .crumb(lang.t("방문 대상 기준", "Home-visit eligibility"), ""),
        threshold: rules.age_threshold,
        rows,
        errs,
        message,
    };
    ctx.render_status(status, &page)
}

#[derive(serde::Deserialize)]
struct Done {
    done: Option<String>,
}

async fn page(State(state): State<AppState>, ctx: Ctx, Query(d): Query<Done>) -> PageResult {
    let caller = ctx.staff_or_refuse()?;
    caller
        .may(&state, Capability::Settings, Action::Update, Target::Office)
        .await
        .or_page(&ctx)?;
    let rules = sh::rules(&state.db).await.or_page(&ctx)?;
    let msg = d
        .done
        .map(|_| ctx.lang.t("저장했습니다.", "Saved.").to_string());
    Ok(render(&ctx, &rules, super::pages::Errors::default(), msg))
}

async fn save_form(
    State(state): State<AppState>,
    ctx: Ctx,
    PageForm(f): PageForm<Fields>,
) -> PageResult {
    let caller = ctx.staff_or_refuse()?;
    let rules = EligibilityRules {
        age_threshold: f.get("age_threshold").parse().unwrap_or(0),
        combinations: (0..ROWS)
            .map(|i| {
                f.all(&format!("combo{i}"))
                    .iter()
                    .filter_map(|c| Condition::parse(c).ok())
                    .collect::<Vec<_>>()
            })
            .filter(|c| !c.is_empty())
            .collect(),
    };
    match save(&state, caller, &rules).await.or_page(&ctx)? {
        Ok(()) => Ok(Redirect::to("/home-visits/eligibility?done=1").into_response()),
        Err(bad) => Ok(render(
            &ctx,
            &rules,
            super::pages::Errors::of(ctx.lang, &bad),
            None,
        )),
    }
}
