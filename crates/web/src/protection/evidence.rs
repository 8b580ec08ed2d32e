//! Evidence files: upload (streamed, hashed), the custody log, integrity checks, download with
//! a stated reason and hand-over.

use super::incidents::again;
use super::targets::{evidence_subject, incident_target};
use super::views::{Notice, PageId, done_message, label, name_of, named, names, show};
use crate::AppState;
use crate::kit::auth::{ApiCaller, Caller};
use crate::kit::error::{ApiError, ErrorBody};
use crate::kit::form::PageForm;
use crate::kit::json::ApiJson;
use crate::kit::page::{Chrome, Ctx, OrPage, PageResult, when};
use crate::wellbeing::api::Id;
use askama::Template;
use axum::Json;
use axum::body::Body;
use axum::extract::{Multipart, Query, State};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{DateTime, Utc};
use domain::access::{Action, Capability};
use domain::protection::{self as rules, CustodyAction, EvidenceKind};
use futures_util::TryStreamExt;
use serde::{Deserialize, Serialize};
use store::kit::blobs::BlobLimits;
use store::protection::{self as sp, Incident};
use utoipa::ToSchema;

/// Evidence limits: the allow-list of `domain::protection` and the size setting.
pub(crate) async fn evidence_limits(state: &AppState) -> Result<BlobLimits, ApiError> {
    let mb = store::office::settings::get(&state.db, "protection.evidence_max_mb")
        .await?
        .and_then(|v| v.trim().parse::<u64>().ok())
        .filter(|v| *v > 0);
    Ok(BlobLimits {
        max_bytes: mb.map_or(rules::EVIDENCE_MAX_BYTES, |m| m * 1024 * 1024),
        allowed: rules::EVIDENCE_TYPES.to_vec(),
    })
}

/// The incident an evidence file is about to be attached to, and the limits it must meet.
pub(crate) async fn evidence_upload_target(
    state: &AppState,
    caller: &Caller,
    id: i64,
) -> Result<(Incident, BlobLimits), ApiError> {
    let i = sp::get_incident(&state.db, id).await?;
    caller
        .may(
            state,
            Capability::Evidence,
            Action::Create,
            incident_target(&i),
        )
        .await?;
    Ok((i, evidence_limits(state).await?))
}

/// The blob store's refusals, in the words of evidence.
pub(crate) fn evidence_error(e: ApiError, limits: &BlobLimits) -> ApiError {
    let mb = limits.max_bytes / (1024 * 1024);
    match e.code {
        "attachment_too_large" => ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "evidence_too_large",
            format!("증거 파일은 {mb} MB까지입니다"),
            format!("an evidence file may be at most {mb} MB"),
        ),
        "attachment_type_not_allowed" => ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "evidence_type_not_allowed",
            "허용되지 않는 증거 형식입니다 (녹음 MP3·WAV·OGG·M4A, 영상 MP4·WebM, 사진 PNG·JPEG, PDF, 텍스트)",
            "evidence type not allowed (audio MP3, WAV, OGG, M4A; video MP4, WebM; photos PNG, JPEG; PDF; text)",
        ),
        _ => e,
    }
}

/// Attach a stored blob to the incident, with its custody and access-log entries.
pub(crate) async fn attach_evidence(
    state: &AppState,
    caller: &Caller,
    incident: &Incident,
    kind: EvidenceKind,
    blob: &store::kit::blobs::StoredBlob,
    filename: &str,
) -> Result<sp::Evidence, ApiError> {
    let now = store::now();
    let mut tx = state.db.begin().await?;
    let e = sp::add_evidence(
        &mut tx,
        incident.id,
        kind,
        blob,
        filename,
        caller.account.id,
        now,
    )
    .await?;
    crate::commit_logged(
        tx,
        caller,
        &evidence_subject(e.id),
        "protection.evidence_upload",
        &e.sha256,
    )
    .await?;
    Ok(e)
}

/// Store an evidence file streamed from `body` (never held whole) and attach it.
pub(crate) async fn store_evidence(
    state: &AppState,
    caller: &Caller,
    id: i64,
    kind: &str,
    filename: &str,
    body: Body,
) -> Result<sp::Evidence, ApiError> {
    let (incident, limits) = evidence_upload_target(state, caller, id).await?;
    let kind = EvidenceKind::parse(kind)?;
    let stream = body
        .into_data_stream()
        .map_err(|e| std::io::Error::other(e.to_string()));
    let reader: store::kit::blobs::ByteStream = Box::pin(tokio_util::io::StreamReader::new(stream));
    let blob = state
        .petitions
        .blobs
        .put(reader, &limits)
        .await
        .map_err(|e| evidence_error(ApiError::from(e), &limits))?;
    attach_evidence(state, caller, &incident, kind, &blob, filename).await
}

/// Load an evidence file and its incident, if the caller may act on evidence of it.
pub(crate) async fn evidence_for(
    state: &AppState,
    caller: &Caller,
    id: i64,
    action: Action,
) -> Result<(sp::Evidence, Incident), ApiError> {
    let e = sp::get_evidence(&state.db, id).await?;
    let i = sp::get_incident(&state.db, e.incident_id).await?;
    if let Err(err) = caller
        .may(state, Capability::Evidence, action, incident_target(&i))
        .await
    {
        state
            .log_access(
                caller,
                &evidence_subject(id),
                "protection.evidence_denied",
                "",
            )
            .await?;
        return Err(err);
    }
    Ok((e, i))
}

/// Write one custody entry and its access-log entry together.
pub(crate) async fn custody(
    state: &AppState,
    caller: &Caller,
    e: &sp::Evidence,
    action: CustodyAction,
    detail: &str,
) -> Result<(), ApiError> {
    let now = store::now();
    let mut tx = state.db.begin().await?;
    sp::log_custody(&mut tx, e.id, action, Some(caller.account.id), detail, now).await?;
    crate::commit_logged(
        tx,
        caller,
        &evidence_subject(e.id),
        &format!("protection.evidence_{}", action.as_str()),
        detail,
    )
    .await?;
    Ok(())
}

/// Check the file against its SHA-256; a mismatch is written to the custody log.
pub(crate) async fn verify(
    state: &AppState,
    caller: &Caller,
    e: &sp::Evidence,
) -> Result<VerifyView, ApiError> {
    let intact = sp::verify_blob(state.petitions.blobs.as_ref(), &e.sha256).await?;
    let action = if intact {
        CustodyAction::Verified
    } else {
        CustodyAction::Mismatch
    };
    custody(state, caller, e, action, &e.sha256).await?;
    if !intact {
        tracing::error!(evidence = e.id, sha256 = %e.sha256, "evidence file does not match its hash");
    }
    Ok(VerifyView {
        evidence_id: e.id,
        sha256: e.sha256.clone(),
        intact,
    })
}

pub(crate) fn tampered() -> ApiError {
    ApiError::new(
        StatusCode::CONFLICT,
        "evidence_mismatch",
        "증거 파일이 등록 당시의 SHA-256과 다릅니다. 파일이 변경되었거나 손상되었습니다. 보호 담당자에게 알리세요",
        "the evidence file no longer matches the SHA-256 recorded at upload: it was altered or damaged; tell the protection officer",
    )
}

/// Stream an evidence file after checking it is intact (a second streamed pass, never whole
/// in memory). Writes the custody log and the access log, both with the stated reason.
pub(crate) async fn download(
    state: &AppState,
    caller: &Caller,
    id: i64,
    reason: &str,
) -> Result<Response, ApiError> {
    let (e, _) = evidence_for(state, caller, id, Action::Read).await?;
    if let Some(at) = e.purged_at {
        return Err(ApiError::new(
            StatusCode::GONE,
            "evidence_purged",
            format!(
                "보존기간이 지나 {} 삭제된 증거입니다. 관리 기록은 남아 있습니다",
                at.format("%Y-%m-%d")
            ),
            "the evidence was deleted at the end of its retention period; its custody log remains",
        ));
    }
    if !verify(state, caller, &e).await?.intact {
        return Err(tampered());
    }
    let reader = state.petitions.blobs.open(&e.sha256).await?;
    custody(state, caller, &e, CustodyAction::Downloaded, reason).await?;
    let mut res = Body::from_stream(tokio_util::io::ReaderStream::new(reader)).into_response();
    crate::petitions::api::attachment_headers(&mut res, &e.content_type, &e.filename);
    if let Ok(v) = HeaderValue::from_str(&e.sha256) {
        res.headers_mut().insert("x-content-sha256", v);
    }
    Ok(res)
}

#[derive(Serialize, ToSchema)]
pub struct EvidenceView {
    pub id: i64,
    pub incident_id: i64,
    pub kind: String,
    pub sha256: String,
    pub filename: String,
    pub content_type: String,
    pub size: i64,
    pub uploaded_by: i64,
    pub created_at: DateTime<Utc>,
    /// Every access and hand-over (only on the single-evidence view).
    #[schema(value_type = Option<Vec<Object>>)]
    pub custody: Option<Vec<sp::CustodyEntry>>,
}

impl From<sp::Evidence> for EvidenceView {
    fn from(e: sp::Evidence) -> Self {
        EvidenceView {
            id: e.id,
            incident_id: e.incident_id,
            kind: e.kind,
            sha256: e.sha256,
            filename: e.filename,
            content_type: e.content_type,
            size: e.size,
            uploaded_by: e.uploaded_by,
            created_at: e.created_at,
            custody: None,
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HandoverRequest {
    /// Who received it (e.g. the police station's investigator).
    pub recipient: String,
}

#[derive(Serialize, ToSchema)]
pub struct VerifyView {
    pub evidence_id: i64,
    pub sha256: String,
    /// `false`: the stored bytes no longer hash to `sha256`.
    pub intact: bool,
}

#[derive(Deserialize)]
pub struct UploadParams {
    kind: Option<String>,
    filename: Option<String>,
}

/// Attach evidence: the raw bytes as the body (streamed to disk, hashed as they pass), `kind`
/// (`recording`, `video`, `photo`, `document`) and `filename` in the query. The type is
/// recognised from the content; the limit is `protection.evidence_max_mb` (200 MB by default).
#[utoipa::path(post, path = "/api/v1/protection/incidents/{id}/evidence", tag = "protection", security(("bearer" = [])),
    params(("id" = i64, Path), ("kind" = String, Query), ("filename" = Option<String>, Query)),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses((status = 201, body = EvidenceView), (status = 403, body = ErrorBody),
              (status = 413, body = ErrorBody), (status = 415, body = ErrorBody)))]
pub(crate) async fn upload_evidence(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Id(id): Id,
    Query(q): Query<UploadParams>,
    body: Body,
) -> Result<Response, ApiError> {
    let e = store_evidence(
        &state,
        &caller,
        id,
        q.kind.as_deref().unwrap_or("document"),
        q.filename.as_deref().unwrap_or(""),
        body,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(EvidenceView::from(e))).into_response())
}

pub(crate) async fn evidence_view(
    state: &AppState,
    caller: &Caller,
    id: i64,
) -> Result<EvidenceView, ApiError> {
    let (e, _) = evidence_for(state, caller, id, Action::Read).await?;
    custody(state, caller, &e, CustodyAction::Viewed, "").await?;
    let log = sp::custody_log(&state.db, e.id).await?;
    let mut v = EvidenceView::from(e);
    v.custody = Some(log);
    Ok(v)
}

/// One evidence file's details and custody log (the viewing itself is logged).
#[utoipa::path(get, path = "/api/v1/protection/evidence/{id}", tag = "protection", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 200, body = EvidenceView), (status = 403, body = ErrorBody)))]
pub(crate) async fn get_evidence(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Id(id): Id,
) -> Result<Json<EvidenceView>, ApiError> {
    Ok(Json(evidence_view(&state, &caller, id).await?))
}

/// Download the file (streamed), after checking it still matches its SHA-256: 409
/// `evidence_mismatch` when it does not. A stated reason is required (`?reason=` or the
/// `X-Access-Reason` header), kept in the custody log and the access log.
#[utoipa::path(get, path = "/api/v1/protection/evidence/{id}/download", tag = "protection", security(("bearer" = [])),
    params(("id" = i64, Path), ("reason" = Option<String>, Query, description = "why the file is needed (or the X-Access-Reason header); required")),
    responses((status = 200, content_type = "application/octet-stream"), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub(crate) async fn download_evidence(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Id(id): Id,
    axum::extract::Query(q): axum::extract::Query<crate::office::privacy_review::ReasonQuery>,
    headers: axum::http::HeaderMap,
) -> Result<Response, ApiError> {
    let reason = crate::office::privacy_review::stated_reason(q.reason.as_deref(), &headers)?;
    download(&state, &caller, id, &reason).await
}

/// Check the stored file against its SHA-256 (the result is written to the custody log).
#[utoipa::path(post, path = "/api/v1/protection/evidence/{id}/verify", tag = "protection", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 200, body = VerifyView), (status = 403, body = ErrorBody)))]
pub(crate) async fn verify_evidence(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Id(id): Id,
) -> Result<Json<VerifyView>, ApiError> {
    let (e, _) = evidence_for(&state, &caller, id, Action::Read).await?;
    Ok(Json(verify(&state, &caller, &e).await?))
}

pub(crate) async fn hand_over(
    state: &AppState,
    caller: &Caller,
    id: i64,
    recipient: &str,
) -> Result<(), ApiError> {
    let (e, _) = evidence_for(state, caller, id, Action::Update).await?;
    let recipient = recipient.trim();
    if recipient.is_empty() || recipient.chars().count() > rules::MAX_SHORT_CHARS {
        return Err(ApiError::bad_request(
            "recipient_required",
            "증거를 받은 기관·사람을 적으세요 (200자 이내)",
            "name who received the evidence",
        ));
    }
    custody(state, caller, &e, CustodyAction::HandedOver, recipient).await
}

/// Record a hand-over (e.g. to the police) in the custody log.
#[utoipa::path(post, path = "/api/v1/protection/evidence/{id}/handover", tag = "protection", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = HandoverRequest,
    responses((status = 204), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub(crate) async fn hand_over_evidence(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Id(id): Id,
    ApiJson(req): ApiJson<HandoverRequest>,
) -> Result<StatusCode, ApiError> {
    hand_over(&state, &caller, id, &req.recipient).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Evidence upload: a multipart form (the form token rides in the action's query), the file
/// streamed into the blob store.
pub(crate) async fn upload(
    State(state): State<AppState>,
    ctx: Ctx,
    PageId(id): PageId,
    mut mp: Multipart,
) -> PageResult {
    let caller = ctx.staff_or_refuse()?;
    let result = async {
        let (incident, limits) = evidence_upload_target(&state, caller, id).await?;
        let mut kind = EvidenceKind::Document;
        let mut stored = None;
        while let Some(mut field) = mp.next_field().await.map_err(|e| {
            ApiError::bad_request(
                "bad_form",
                "양식을 읽을 수 없습니다",
                format!("the form could not be read: {e}"),
            )
        })? {
            match field.name() {
                Some("kind") => {
                    let text = field.text().await.unwrap_or_default();
                    kind = EvidenceKind::parse(text.trim())?;
                }
                Some("file") => {
                    let name = field.file_name().unwrap_or_default().to_string();
                    let blob = crate::petitions::resident_pages::store_file_within(
                        &state, &mut field, &limits,
                    )
                    .await
                    .map_err(|e| evidence_error(e, &limits))?;
                    stored = Some((blob, name));
                }
                _ => {}
            }
        }
        let (blob, name) = stored.ok_or_else(|| {
            ApiError::bad_request("file_required", "파일을 고르세요", "choose a file")
        })?;
        attach_evidence(&state, caller, &incident, kind, &blob, &name).await
    }
    .await;
    match result {
        Ok(e) => Ok(Redirect::to(&format!("/protection/evidence/{}?done=1", e.id)).into_response()),
        Err(e) => again(&state, &ctx, caller, id, e).await,
    }
}

pub(crate) struct CustodyRow {
    when: String,
    action: String,
    actor: String,
    detail: String,
    alarm: bool,
}

#[derive(Template)]
#[template(path = "protection/protection_evidence.html")]
pub(crate) struct EvidencePage {
    c: Chrome,
    id: i64,
    incident_id: i64,
    kind: String,
    filename: String,
    content_type: String,
    size: i64,
    sha256: String,
    custody: Vec<CustodyRow>,
    retention_days: i64,
    message: Option<String>,
    error: Option<String>,
}

pub(crate) async fn evidence_page(
    state: &AppState,
    ctx: &Ctx,
    caller: &Caller,
    id: i64,
    message: Option<String>,
    error: Option<&ApiError>,
) -> Result<Response, ApiError> {
    let lang = ctx.lang;
    let v = evidence_view(state, caller, id).await?;
    let names = names(state).await?;
    let custody = v
        .custody
        .unwrap_or_default()
        .into_iter()
        .map(|c| {
            let action = domain::protection::CustodyAction::parse(&c.action);
            CustodyRow {
                when: when(c.at),
                alarm: c.action == "mismatch",
                action: action.map(|a| named(lang, a)).unwrap_or(c.action),
                actor: c.actor_id.map(|a| name_of(&names, a)).unwrap_or_default(),
                detail: c.detail,
            }
        })
        .collect();
    let page = EvidencePage {
        c: ctx.chrome(),
        id: v.id,
        incident_id: v.incident_id,
        kind: EvidenceKind::parse(&v.kind)
            .map(|k| named(lang, k))
            .unwrap_or(v.kind),
        filename: v.filename,
        content_type: v.content_type,
        size: v.size,
        sha256: v.sha256,
        custody,
        retention_days: sp::evidence_retention_days(&state.db).await?,
        message,
        error: error.map(|e| lang.of(&e).to_string()),
    };
    Ok(show(ctx, &page, error))
}

pub(crate) async fn evidence(
    State(state): State<AppState>,
    ctx: Ctx,
    PageId(id): PageId,
    Query(n): Query<Notice>,
) -> PageResult {
    let caller = ctx.staff_or_refuse()?;
    let msg = done_message(ctx.lang, n.done.as_deref());
    match evidence_page(&state, &ctx, caller, id, msg, None).await {
        Ok(r) => Ok(r),
        Err(e) => Err(ctx.fail(&e)),
    }
}

pub(crate) async fn download_page(
    State(state): State<AppState>,
    ctx: Ctx,
    PageId(id): PageId,
    axum::extract::Query(q): axum::extract::Query<crate::office::privacy_review::ReasonQuery>,
) -> PageResult {
    let caller = ctx.staff_or_refuse()?;
    // No file without a stated reason: ask for it, keeping what was typed.
    let reason = match crate::office::privacy_review::page_reason(
        &ctx,
        q.reason.as_deref(),
        &format!("/protection/evidence/{id}/download"),
    ) {
        Ok(r) => r,
        Err(form) => return Ok(*form),
    };
    match download(&state, caller, id, &reason).await {
        Ok(r) => Ok(r),
        Err(e) => match evidence_page(&state, &ctx, caller, id, None, Some(&e)).await {
            Ok(r) => Ok(r),
            Err(_) => Err(ctx.fail(&e)),
        },
    }
}

pub(crate) async fn verify_form(
    State(state): State<AppState>,
    ctx: Ctx,
    PageId(id): PageId,
) -> PageResult {
    let caller = ctx.staff_or_refuse()?;
    let result = async {
        let (e, _) = evidence_for(&state, caller, id, Action::Read).await?;
        verify(&state, caller, &e).await
    }
    .await;
    let lang = ctx.lang;
    let outcome = match result {
        Ok(v) if v.intact => {
            evidence_page(
                &state,
                &ctx,
                caller,
                id,
                Some(label(
                    lang,
                    "파일이 등록 당시의 SHA-256과 일치합니다.",
                    "The file matches the SHA-256 recorded at upload.",
                )),
                None,
            )
            .await
        }
        Ok(_) => {
            let e = ApiError::new(
                axum::http::StatusCode::CONFLICT,
                "evidence_mismatch",
                "파일이 등록 당시의 SHA-256과 다릅니다. 변경되었거나 손상되었습니다",
                "the file no longer matches the SHA-256 recorded at upload: altered or damaged",
            );
            evidence_page(&state, &ctx, caller, id, None, Some(&e)).await
        }
        Err(e) => Err(e),
    };
    outcome.or_page(&ctx)
}

pub(crate) async fn handover(
    State(state): State<AppState>,
    ctx: Ctx,
    PageId(id): PageId,
    PageForm(req): PageForm<HandoverRequest>,
) -> PageResult {
    let caller = ctx.staff_or_refuse()?;
    match hand_over(&state, caller, id, &req.recipient).await {
        Ok(()) => Ok(Redirect::to(&format!("/protection/evidence/{id}?done=1")).into_response()),
        Err(e) => evidence_page(&state, &ctx, caller, id, None, Some(&e))
            .await
            .map_err(|_| ctx.fail(&e)),
    }
}
