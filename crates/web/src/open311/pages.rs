//! The administrator's Open311 key page (`/admin/open311`): issue a key (shown once) and revoke
//! keys, the same operations as the JSON API and the CLI, each in the access log.

use crate::AppState;
use crate::kit::error::ApiError;
use crate::kit::page::{Chrome, Ctx};
use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use domain::access::{Action, Capability, Target};
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

/// Administrators only (the policy's Settings grant).
async fn allowed(state: &AppState, ctx: &Ctx, action: Action) -> Result<(), Response> {
    let Some(caller) = ctx.caller.as_ref() else {
        return Err(Redirect::to("/login").into_response());
    };
    caller
        .may(state, Capability::Settings, action, Target::Office)
        .await
        .map_err(|e| ctx.error(&e))
}

async fn render(
    state: &AppState,
    ctx: &Ctx,
    new_key: Option<String>,
    notice: Option<String>,
    error: Option<String>,
) -> Response {
    let list = match keys::list_keys(&state.db).await {
        Ok(l) => l,
        Err(e) => return ctx.error(&e.into()),
    };
    let when = |t: chrono::DateTime<chrono::Utc>| {
        calendar::to_seoul(t).format("%Y-%m-%d %H:%M").to_string()
    };
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
        error: error.clone(),
    };
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    ctx.render_status(status, &page)
}

async fn show(State(state): State<AppState>, ctx: Ctx) -> Response {
    if let Err(r) = allowed(&state, &ctx, Action::Read).await {
        return r;
    }
    render(&state, &ctx, None, None, None).await
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
) -> Response {
    if let Err(r) = allowed(&state, &ctx, Action::Create).await {
        return r;
    }
    let rate = match f.rate_per_minute.trim() {
        "" => keys::DEFAULT_RATE_PER_MINUTE,
        v => v.parse().unwrap_or(0),
    };
    let result = async {
        let mut tx = state.db.begin().await?;
        let (key, secret) = keys::issue_key(&mut tx, &f.name, rate, store::now()).await?;
        if let Some(caller) = ctx.caller.as_ref() {
            store::office::audit::append(
                &mut tx,
                &crate::access_record(
                    caller,
                    &format!("open311_key:{}", key.name),
                    "open311_key.issue",
                    "",
                ),
            )
            .await?;
        }
        tx.commit().await?;
        Ok::<_, store::StoreError>(secret)
    }
    .await;
    match result {
        Ok(secret) => render(&state, &ctx, Some(secret), None, None).await,
        Err(e) => {
            let e = ApiError::from(e);
            let m = ctx.lang.of(&e).to_string();
            render(&state, &ctx, None, None, Some(m)).await
        }
    }
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
) -> Response {
    if let Err(r) = allowed(&state, &ctx, Action::Delete).await {
        return r;
    }
    let result = async {
        let mut tx = state.db.begin().await?;
        let key = keys::revoke_key(&mut tx, &f.name, store::now()).await?;
        if let Some(caller) = ctx.caller.as_ref() {
            store::office::audit::append(
                &mut tx,
                &crate::access_record(
                    caller,
                    &format!("open311_key:{}", key.name),
                    "open311_key.revoke",
                    "",
                ),
            )
            .await?;
        }
        tx.commit().await?;
        Ok::<_, store::StoreError>(key.name)
    }
    .await;
    let l = ctx.lang;
    match result {
        Ok(name) => {
            let notice = format!("{} {name}", l.t("폐기했습니다:", "Revoked:"));
            render(&state, &ctx, None, Some(notice), None).await
        }
        Err(e) => {
            let e = ApiError::from(e);
            let m = ctx.lang.of(&e).to_string();
            render(&state, &ctx, None, None, Some(m)).await
        }
    }
}
