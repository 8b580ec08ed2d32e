//! The petitioner's download of a result document (결과 문서: a permit, a certificate the office
//! attached to its answer). Only through the tracking verification: a form posted with the
//! number and tracking code (the one counted check), or a signed-in resident's own petition —
//! never by an address alone. Every download is in the access log. Officials take the same file
//! through the desk's attachment download, under the access policy.

use crate::AppState;
use crate::kit::error::ApiError;
use crate::kit::page::{Ctx, PageResult};
use crate::petitions::api::{attachment_headers, subject};
use crate::petitions::resident_pages::resolve;
use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::post;
use domain::office::audit::AuditRecord;
use serde::Deserialize;
use store::petitions;

pub fn routes() -> Router<AppState> {
    Router::new().route("/track/result", post(download))
}

#[derive(Deserialize)]
struct DownloadForm {
    #[serde(default)]
    number: String,
    #[serde(default)]
    pin: String,
    #[serde(default)]
    sha256: String,
}

async fn download(
    State(state): State<AppState>,
    ctx: Ctx,
    crate::kit::extract::Form(f): crate::kit::extract::Form<DownloadForm>,
) -> PageResult {
    match result_file(&state, &ctx, &f).await {
        Ok(res) => Ok(res),
        Err(e) if e.status == StatusCode::TOO_MANY_REQUESTS => Err(ctx.fail(&e)),
        // Wrong code, someone else's petition, no such document: one answer for all.
        Err(e) if e.status.is_client_error() => Err(ctx.fail(&ApiError::not_found())),
        Err(e) => Err(ctx.fail(&e)),
    }
}

async fn result_file(
    state: &AppState,
    ctx: &Ctx,
    f: &DownloadForm,
) -> Result<axum::response::Response, ApiError> {
    let p = resolve(state, ctx, &f.number, &f.pin).await?;
    let a = petitions::attachments(&state.db, p.id)
        .await?
        .into_iter()
        .find(|a| a.result && a.sha256 == f.sha256)
        .ok_or_else(ApiError::not_found)?;
    let reader = state.petitions.blobs.open(&a.sha256).await?;
    store::office::audit::record(
        &state.db,
        &AuditRecord {
            at: store::now(),
            account_id: ctx.caller.as_ref().map(|c| c.account.id),
            address: ctx.address.clone(),
            subject: subject(&p),
            action: "petition.result_read".into(),
            reason: format!("petitioner (sha256 {})", a.sha256),
        },
    )
    .await?;
    let mut res = Body::from_stream(tokio_util::io::ReaderStream::new(reader)).into_response();
    attachment_headers(&mut res, &a.content_type, &a.filename);
    Ok(res)
}
