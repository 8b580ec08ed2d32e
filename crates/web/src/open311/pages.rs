//! The administrator's Open311 key page (`/admin/open311`): issue a key (shown once) and revoke
//! keys, the same operations as the JSON API and the CLI, each in the access log.

use crate::AppState;
use crate::kit::error::ApiError;
use crate::kit::page::{Chrome, Ctx, OrPage, PageResult, when};
use crate::office::admin_pages::{allowed, form_page};
use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::routing::{get, post};
use domain::access::{Action, Capability};
use serde::Deserialize;
use store::open311 as keys;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/open311", get(show))
        .route("/admin/open311/keys", post(issue))
        .route("/admin/open311/keys/revoke", post(revoke))
}

pub struct KeyRow {
    pub name: String,
    pub rate: i64,
    pub created: String,
    pub revoked: Option<String>,
}

#[derive(Template)]
#[template(path = "open311/open311_keys.html")]
struct KeysPage {
    c: Chrome,
    keys: Vec<KeyRow>,
    new_key: Option<String>,
    notice: Option<String>,
    error: Option<String>,
}

async fn render(
    state: &AppState,
    ctx: &Ctx,
    new_key: Option<String>,
    notice: Option<String>,
    error: Option<String>,
) -> PageResult {
    let list = keys::list_keys(&state.db).await.or_page(ctx)?;
    let page = KeysPage {
        c: ctx.chrome(),
        keys: list
            .into_iter()
            .map(|k| KeyRow {
                name: k.name,
                rate: k.rate_per_minute,
                created: when(k.created_at),
                revoked: k.revoked_at.map(when),
            })
            .collect(),
        new_key,
        notice,
        error,
    };
    form_page(ctx, page.error.is_some(), &page)
}

// Administrators only (the policy's Settings grant).
async fn show(State(state): State<AppState>, ctx: Ctx) -> PageResult {
    allowed(&state, &ctx, Capability::Settings, Action::Read).await?;
    render(&state, &ctx, None, None, None).await
}

/// The keys page after a change: what `shown` makes of it, or why it was refused.
async fn after<T>(
    state: &AppState,
    ctx: &Ctx,
    result: Result<T, ApiError>,
    shown: impl FnOnce(T) -> (Option<String>, Option<String>),
) -> PageResult {
    match result {
        Ok(done) => {
            let (new_key, notice) = shown(done);
            render(state, ctx, new_key, notice, None).await
        }
        Err(e) => render(state, ctx, None, None, Some(ctx.lang.of(&e).to_string())).await,
    }
}

#[derive(Deserialize)]
struct IssueForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    rate_per_minute: String,
}

async fn issue(
    State(state): State<AppState>,
    ctx: Ctx,
    crate::kit::extract::Form(f): crate::kit::extract::Form<IssueForm>,
) -> PageResult {
    allowed(&state, &ctx, Capability::Settings, Action::Create).await?;
    let rate = match f.rate_per_minute.trim() {
        "" => keys::DEFAULT_RATE_PER_MINUTE,
        v => v.parse().unwrap_or(0),
    };
    let caller = ctx.staff_or_refuse()?;
    let result = super::admin::issue(&state, caller, &f.name, rate).await;
    after(&state, &ctx, result, |(_, secret)| (Some(secret), None)).await
}

#[derive(Deserialize)]
struct RevokeForm {
    #[serde(default)]
    name: String,
}

async fn revoke(
    State(state): State<AppState>,
    ctx: Ctx,
    crate::kit::extract::Form(f): crate::kit::extract::Form<RevokeForm>,
) -> PageResult {
    allowed(&state, &ctx, Capability::Settings, Action::Delete).await?;
    let caller = ctx.staff_or_refuse()?;
    let result = super::admin::revoke(&state, caller, &f.name).await;
    let l = ctx.lang;
    after(&state, &ctx, result, |key| {
        let notice = format!("{} {}", l.t("폐기했습니다:", "Revoked:"), key.name);
        (None, Some(notice))
    })
    .await
}
