//! The petition desk's JSON API (capability C1) under `/api/v1`: the type catalogue, intake,
//! handling steps, the queue, search, timeline and attachments.
//!
//! Every handler asks the one access policy (`Caller::may`) and writes the access log for
//! reads of petitioner data; changes write their log entry in the same transaction as the
//! change. Personal data leaves masked through `domain::privacy::mask` unless a reader with the
//! right grant gives a reason.

use crate::kit::auth::{ApiCaller, Caller};
use crate::kit::error::{ApiError, ErrorBody};
use crate::kit::extract::{Json, Path, Query};
use crate::kit::json::ApiJson;
use crate::{AppState, access_record};
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use domain::access::{Action, Capability, Target};
use domain::petitions::fields::FieldDef;
use domain::petitions::intake::{IdentityCheck, IntakeRecord};
use domain::petitions::{Channel, Event, ExtensionGround, Kind, PauseKind, State as PState};
use domain::privacy::{PersonalKind, mask};
use futures_util::TryStreamExt;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use std::sync::Arc;
use store::kit::blobs::{BlobLimits, BlobStore, LocalBlobStore};
use store::kit::group_commit::GroupCommit;
use store::petitions::search::{SearchIndex, SearchQuery};
use store::petitions::{self, Petition, PiiKey, QueueFilter, TypeSpec};
use store::{office::audit, office::departments};
use utoipa::{OpenApi, ToSchema};
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouterExt};
use utoipa_axum::routes;

/// What the petition desk needs besides the database: the key for resident registration
/// numbers, the blob store for attachments, this process's search index.
pub struct Desk {
    pub key: PiiKey,
    pub blobs: Arc<dyn BlobStore>,
    pub limits: BlobLimits,
    /// `None` only if not even an in-memory index could be made; search then answers 503.
    pub index: Option<Arc<SearchIndex>>,
    /// Intake shares transactions (store::kit::group_commit); started on first use, inside the runtime.
    intake: std::sync::OnceLock<GroupCommit>,
}

impl std::fmt::Debug for Desk {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Desk")
    }
}

impl Desk {
    /// From the configuration: the key given (or, without one, a key that lives as long as the
    /// process — fine for tests, never for an office), blobs and index under the data directory
    /// (or a temporary directory and memory).
    pub fn from_config(
        key: Option<PiiKey>,
        data_dir: Option<&std::path::Path>,
        max_bytes: u64,
    ) -> Self {
        let key = key.unwrap_or_else(|| {
            tracing::warn!("no key file given: resident registration numbers use a key that dies with this process");
            PiiKey::generate().unwrap_or_else(|_| PiiKey::from_bytes([7; 32]))
        });
        let blob_dir: PathBuf = match data_dir {
            Some(d) => d.join("blobs"),
            None => std::env::temp_dir().join(format!(
                "minwon-blobs-{}",
                store::kit::secrets::new_token()
                    .unwrap_or_default()
                    .get(..12)
                    .unwrap_or("x")
            )),
        };
        let blobs: Arc<dyn BlobStore> = match LocalBlobStore::new(&blob_dir) {
            Ok(b) => Arc::new(b),
            Err(e) => {
                tracing::error!(error = %e, dir = %blob_dir.display(), "blob store unavailable");
                Arc::new(NoBlobs)
            }
        };
        let index_dir = data_dir.map(|d| d.join("search-index"));
        let index = SearchIndex::open(index_dir.as_deref())
            .or_else(|e| {
                tracing::error!(error = %e, "search index unavailable on disk; keeping it in memory");
                SearchIndex::open(None)
            })
            .map(Arc::new)
            .map_err(|e| tracing::error!(error = %e, "no search index"))
            .ok();
        let limits = BlobLimits {
            max_bytes,
            ..BlobLimits::default()
        };
        Desk {
            key,
            blobs,
            limits,
            index,
            intake: std::sync::OnceLock::new(),
        }
    }

    /// The group-commit writer every intake path goes through.
    pub fn intake(&self, db: &store::Db) -> &GroupCommit {
        self.intake.get_or_init(|| GroupCommit::start(db.clone()))
    }
}

/// A blob store that refuses everything (when the directory cannot be used).
struct NoBlobs;

impl BlobStore for NoBlobs {
    fn put<'a>(
        &'a self,
        _: store::kit::blobs::ByteStream,
        _: &'a BlobLimits,
    ) -> std::pin::Pin<
        Box<dyn Future<Output = store::Result<store::kit::blobs::StoredBlob>> + Send + 'a>,
    > {
        Box::pin(async {
            Err(store::StoreError::Internal(
                "the blob store is unavailable".into(),
            ))
        })
    }
    fn open<'a>(
        &'a self,
        _: &'a str,
    ) -> std::pin::Pin<
        Box<dyn Future<Output = store::Result<store::kit::blobs::ByteStream>> + Send + 'a>,
    > {
        Box::pin(async { Err(store::StoreError::NotFound) })
    }
    fn remove<'a>(
        &'a self,
        _: &'a str,
    ) -> std::pin::Pin<Box<dyn Future<Output = store::Result<()>> + Send + 'a>> {
        Box::pin(async { Ok(()) })
    }
}

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(PetitionsDoc::openapi())
        .routes(routes!(list_types, create_type))
        .routes(routes!(update_type))
        .routes(routes!(queue, file_petition))
        .routes(routes!(search))
        .routes(routes!(get_petition))
        .routes(routes!(timeline))
        .routes(routes!(act))
        // Attachments have their own size limit (the desk's), checked while the body streams.
        .routes(routes!(upload_attachment).layer(axum::extract::DefaultBodyLimit::disable()))
        .routes(routes!(download_attachment))
}

#[derive(OpenApi)]
#[openapi(components(schemas(
    TypeView,
    TypeRequest,
    FileRequest,
    PetitionerInput,
    PetitionView,
    PetitionerView,
    QueueView,
    QueueCountsView,
    SearchView,
    SearchHitView,
    TimelineView,
    ActionRequest,
    AttachmentView
)))]
pub struct PetitionsDoc;

// ---------------------------------------------------------------------------------------------
// Types
// ---------------------------------------------------------------------------------------------

#[derive(Serialize, ToSchema)]
pub struct TypeView {
    id: i64,
    code: String,
    name: String,
    /// English name; empty when the office gave none.
    name_en: String,
    /// statutory, question_law, question_system, proposal, other, grievance
    kind: String,
    kind_korean: String,
    /// Processing period, e.g. `7d`, `3h`, `immediate`.
    period: String,
    department_id: Option<i64>,
    description: String,
    required_documents: Vec<String>,
    #[schema(value_type = Vec<Object>)]
    fields: Vec<FieldDef>,
    #[schema(value_type = Vec<Object>)]
    templates: Vec<petitions::Template>,
    requires_rrn: bool,
    public: bool,
    active: bool,
    /// Answers and extensions go to the division's supervisor first (결재).
    needs_approval: bool,
    /// Web and Open311 petitions of this type are published on Open311 GET /requests.
    publishable: bool,
}

impl From<petitions::PetitionType> for TypeView {
    fn from(t: petitions::PetitionType) -> Self {
        TypeView {
            id: t.id,
            code: t.code,
            name: t.name,
            name_en: t.name_en,
            kind: t.kind.as_str().into(),
            kind_korean: t.kind.korean().into(),
            period: t.period.to_string(),
            department_id: t.department_id,
            description: t.description,
            required_documents: t.required_documents,
            fields: t.fields,
            templates: t.templates,
            requires_rrn: t.requires_rrn,
            public: t.public,
            active: t.active,
            needs_approval: t.needs_approval,
            publishable: t.publishable,
        }
    }
}

/// A petition type as an administrator defines it.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TypeRequest {
    code: String,
    name: String,
    /// English name (optional; the Korean one stands in).
    #[serde(default)]
    name_en: String,
    #[schema(value_type = String, example = "statutory")]
    kind: Kind,
    /// Required for statutory types (e.g. `3d`, `1m`); defaults to the kind's period.
    #[schema(value_type = Option<String>, example = "7d")]
    period: Option<calendar::Period>,
    department_code: Option<String>,
    #[serde(default)]
    description: String,
    #[serde(default)]
    required_documents: Vec<String>,
    /// Extra fields: `{key, label, datatype: text|number|date|bool|choice, required, choices}`.
    #[serde(default)]
    #[schema(value_type = Vec<Object>)]
    fields: Vec<FieldDef>,
    /// Answer templates: `{name, text}` with placeholders {name} {receipt_no} {title} {department} {official} {date} {answer}.
    #[serde(default)]
    #[schema(value_type = Vec<Object>)]
    templates: Vec<petitions::Template>,
    #[serde(default)]
    requires_rrn: bool,
    #[serde(default = "yes")]
    public: bool,
    #[serde(default = "yes")]
    active: bool,
    /// Answers and extensions need the supervisor's approval (결재).
    #[serde(default)]
    needs_approval: bool,
    /// Publish this type's web and Open311 petitions on Open311 GET /requests (masked). Refused
    /// for types that collect resident registration numbers.
    #[serde(default)]
    publishable: bool,
}

fn yes() -> bool {
    true
}

pub(crate) async fn department_by_code(
    state: &AppState,
    code: Option<&str>,
) -> Result<Option<i64>, ApiError> {
    match code.filter(|c| !c.is_empty()) {
        Some(code) => Ok(Some(
            departments::get_by_code(&state.db, code)
                .await?
                .ok_or_else(|| {
                    ApiError::bad_request(
                        "unknown_department",
                        format!("부서 '{code}'가 없습니다"),
                        format!("department '{code}' does not exist"),
                    )
                })?
                .id,
        )),
        None => Ok(None),
    }
}

impl TypeRequest {
    async fn into_spec(self, state: &AppState) -> Result<TypeSpec, ApiError> {
        let department_id = department_by_code(state, self.department_code.as_deref()).await?;
        Ok(TypeSpec {
            code: self.code,
            name: self.name,
            name_en: self.name_en,
            kind: self.kind,
            period: self.period,
            department_id,
            description: self.description,
            required_documents: self.required_documents,
            fields: self.fields,
            templates: self.templates,
            requires_rrn: self.requires_rrn,
            public: self.public,
            active: self.active,
            needs_approval: self.needs_approval,
            publishable: self.publishable,
        })
    }
}

/// The catalogue of petition types: residents see public, open types; staff see all.
#[utoipa::path(get, path = "/api/v1/petition-types", security(("bearer" = [])),
    responses((status = 200, body = [TypeView]), (status = 401, body = ErrorBody)))]
async fn list_types(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
) -> Result<Json<Vec<TypeView>>, ApiError> {
    let public_only = !caller.account.role.is_staff();
    let types = petitions::list_types(&state.db, public_only).await?;
    Ok(Json(types.into_iter().map(TypeView::from).collect()))
}

/// Define a petition type (administrators).
#[utoipa::path(post, path = "/api/v1/petition-types", security(("bearer" = [])), request_body = TypeRequest,
    responses((status = 201, body = TypeView), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn create_type(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiJson(req): ApiJson<TypeRequest>,
) -> Result<Response, ApiError> {
    caller
        .may(&state, Capability::Settings, Action::Create, Target::Office)
        .await?;
    let spec = req.into_spec(&state).await?;
    let t = crate::audited(&state, &caller, async |tx: &mut store::Tx| {
        let t = petitions::create_type(tx, &spec, store::now()).await?;
        let entry = crate::Audit::new(
            format!("petition_type:{}", t.id),
            "petition_type.create",
            "",
        );
        Ok((t, entry))
    })
    .await?;
    Ok((StatusCode::CREATED, Json(TypeView::from(t))).into_response())
}

/// Change a petition type (administrators).
#[utoipa::path(put, path = "/api/v1/petition-types/{id}", security(("bearer" = [])), request_body = TypeRequest,
    params(("id" = i64, Path)),
    responses((status = 200, body = TypeView), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn update_type(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<i64>,
    ApiJson(req): ApiJson<TypeRequest>,
) -> Result<Json<TypeView>, ApiError> {
    caller
        .may(&state, Capability::Settings, Action::Update, Target::Office)
        .await?;
    let spec = req.into_spec(&state).await?;
    let t = crate::audited(&state, &caller, async |tx: &mut store::Tx| {
        let t = petitions::update_type(tx, id, &spec, store::now()).await?;
        Ok((
            t,
            crate::Audit::new(format!("petition_type:{id}"), "petition_type.update", ""),
        ))
    })
    .await?;
    Ok(Json(TypeView::from(t)))
}

// ---------------------------------------------------------------------------------------------
// Views
// ---------------------------------------------------------------------------------------------

#[derive(Serialize, ToSchema)]
pub struct PetitionerView {
    pub name: String,
    pub phone: String,
    pub email: String,
    pub address: String,
    /// Only when revealed and the type collects it.
    pub resident_number: Option<String>,
    /// Whether the values above are masked.
    pub masked: bool,
}

#[derive(Serialize, ToSchema)]
pub struct PetitionView {
    id: i64,
    /// e.g. `2026-0000123`; absent until received.
    receipt_no: Option<String>,
    type_id: i64,
    kind: String,
    channel: String,
    anonymous: bool,
    state: String,
    state_korean: String,
    title: String,
    body: String,
    location: String,
    #[schema(value_type = Object)]
    extra: serde_json::Value,
    /// Counter, phone, mail and visit intake: `identity_check` and `documents_checked`.
    #[schema(value_type = Object)]
    intake: serde_json::Value,
    petitioner: PetitionerView,
    department_id: Option<i64>,
    assignee_id: Option<i64>,
    arrived_at: DateTime<Utc>,
    /// Online petitions must be received by then (8 working hours after arrival).
    receipt_due: Option<DateTime<Utc>>,
    received_at: Option<DateTime<Utc>>,
    /// The due moment now, from `calendar::deadline`: before receipt the receipt limit (8
    /// working hours from arrival), then the statutory one (absent without a clock).
    due: Option<DateTime<Utc>>,
    /// The answer the petitioner can expect: `due` once received; before receipt, computed as
    /// if received at the latest legal moment (`receipt_due`).
    expected_answer: Option<DateTime<Utc>>,
    /// Working time left in minutes (negative when overdue).
    working_minutes_left: Option<i64>,
    /// How the due moment was computed, step by step (Korean).
    deadline_explanation: Vec<String>,
    flagged: bool,
    abuse_score: f64,
    abuse_kinds: Vec<String>,
    abuse_model: String,
    repeat_proposed: bool,
    /// Everything the timeline adds up to: pauses, extensions, transfers, answers, ratings …
    #[schema(value_type = Object)]
    handling: serde_json::Value,
    /// The random tracking code (`POST /api/v1/track`): only in the answer that filed the
    /// petition, never again (only its hash is kept).
    #[serde(skip_serializing_if = "Option::is_none")]
    tracking_code: Option<String>,
}

/// The petitioner in full when revealed (the resident number decrypted), else through the one
/// masking rule: for the API and the desk's petition page alike.
pub(crate) fn petitioner_view(
    state: &AppState,
    p: &Petition,
    reveal: bool,
) -> Result<PetitionerView, ApiError> {
    Ok(if reveal {
        PetitionerView {
            name: p.petitioner_name.clone(),
            phone: p.petitioner_phone.clone(),
            email: p.petitioner_email.clone(),
            address: p.petitioner_address.clone(),
            resident_number: petitions::reveal_rrn(p, &state.petitions.key)?,
            masked: false,
        }
    } else {
        PetitionerView {
            name: mask(PersonalKind::Name, &p.petitioner_name),
            phone: mask(PersonalKind::Phone, &p.petitioner_phone),
            email: mask(PersonalKind::Email, &p.petitioner_email),
            address: mask(PersonalKind::Address, &p.petitioner_address),
            resident_number: p
                .rrn_encrypted
                .as_ref()
                .map(|_| mask(PersonalKind::ResidentNumber, "")),
            masked: true,
        }
    })
}

pub(crate) async fn view(
    state: &AppState,
    p: Petition,
    reveal: bool,
    explain: bool,
) -> Result<PetitionView, ApiError> {
    let (cal, _) = petitions::work_calendar(&state.db).await?;
    view_with(state, p, reveal, explain, &cal)
}

/// A petition as the API shows it, its deadline computed now by the calendar.
fn view_with(
    state: &AppState,
    p: Petition,
    reveal: bool,
    explain: bool,
    cal: &calendar::WorkCalendar,
) -> Result<PetitionView, ApiError> {
    let now = store::now();
    // The clock the office works against: before receipt the receipt limit (as the queue).
    let (due, left, lines) = match p.derived.clock_input(now) {
        Some(input) => {
            let due =
                calendar::deadline(cal, &input, now).map_err(domain::petitions::deadline_error)?;
            let left = calendar::working_time_left(cal, &input, now)
                .map_err(domain::petitions::deadline_error)?
                .num_minutes();
            let lines = if explain {
                calendar::explain(cal, &input, now)
                    .map(|e| e.korean_lines())
                    .unwrap_or_default()
            } else {
                vec![]
            };
            (Some(due), Some(left), lines)
        }
        None => (None, None, vec![]),
    };
    // Before receipt: the answer expected as if received at the latest legal moment.
    let expected_answer = p
        .derived
        .expected_answer(cal, now)
        .map_err(ApiError::from)?;
    Ok(PetitionView {
        id: p.id,
        receipt_no: p.receipt_no.clone(),
        type_id: p.type_id,
        kind: p.derived.kind.as_str().into(),
        channel: p.channel.clone(),
        anonymous: p.anonymous,
        state: p.state.as_str().into(),
        state_korean: p.state.korean().into(),
        petitioner: petitioner_view(state, &p, reveal)?,
        title: p.title.clone(),
        body: p.body.clone(),
        location: p.location.clone(),
        extra: p.extra.clone(),
        intake: serde_json::to_value(&p.intake).unwrap_or_default(),
        department_id: p.department_id,
        assignee_id: p.assignee_id,
        arrived_at: p.arrived_at,
        receipt_due: p.derived.receipt_due,
        received_at: p.received_at,
        due,
        expected_answer,
        working_minutes_left: left,
        deadline_explanation: lines,
        flagged: p.flagged,
        abuse_score: p.abuse_score,
        abuse_kinds: p.abuse_kinds.clone(),
        abuse_model: p.abuse_model.clone(),
        repeat_proposed: p.repeat_proposed,
        handling: handling(&p.derived),
        tracking_code: None,
    })
}

/// The derived state as the API shows it: an approval in progress (the held answer or extension,
/// a supervisor's comment) is the office's internal step, read through the approval endpoint.
fn handling(d: &domain::petitions::Derived) -> serde_json::Value {
    let mut v = serde_json::to_value(d).unwrap_or_default();
    if let Some(o) = v.as_object_mut() {
        o.remove("approval");
        o.remove("approval_returned");
    }
    v
}

/// A petition as a resident (or an API client acting for one) reads it: the officials' words in
/// `handling` pass the one name-hiding rule (`store::petitions::HandlerRow`, the same as the
/// notices and the tracking page), and with hiding on the official's account id is left out.
/// Staff read it as stored.
async fn view_for(
    state: &AppState,
    caller: &Caller,
    p: Petition,
    reveal: bool,
    explain: bool,
    cal: &calendar::WorkCalendar,
) -> Result<PetitionView, ApiError> {
    if !caller.account.role.is_resident() {
        return view_with(state, p, reveal, explain, cal);
    }
    let handler = petitions::handler(&state.db, &p).await?;
    let mut v = view_with(state, p, reveal, explain, cal)?;
    if handler.hidden() {
        v.assignee_id = None;
    }
    handler.scrub_json(&mut v.handling);
    Ok(v)
}

/// Whether the access policy lets a resident file a petition of their own.
pub(crate) async fn may_file_own(state: &AppState, caller: &Caller) -> Result<(), ApiError> {
    let own = Target::Record {
        owner: Some(caller.account.id),
        department: None,
        shared_with: &[],
    };
    caller
        .may(state, Capability::Petitions, Action::Create, own)
        .await
}

/// Whether the access policy lets an official take petitions in at their own department's
/// counter, whatever department they go to (one-stop intake); none without a department.
pub(crate) async fn may_take_in(state: &AppState, caller: &Caller) -> Result<(), ApiError> {
    let own = caller
        .account
        .department_id
        .ok_or_else(ApiError::forbidden)?;
    caller
        .may(
            state,
            Capability::Petitions,
            Action::Create,
            Target::Department(own),
        )
        .await
}

/// Whether the access policy lets the caller do `action` on this petition.
pub(crate) async fn may_on(
    state: &AppState,
    caller: &Caller,
    p: &Petition,
    action: Action,
) -> Result<(), ApiError> {
    caller
        .may(state, Capability::Petitions, action, record_target(p))
        .await
}

/// Petition `id`, when the access policy lets the caller do `action` on it.
pub(crate) async fn petition_for(
    state: &AppState,
    caller: &Caller,
    id: i64,
    action: Action,
) -> Result<Petition, ApiError> {
    let p = petitions::get(&state.db, id).await?;
    may_on(state, caller, &p, action).await?;
    Ok(p)
}

/// [`petition_for`] for the office's own people only: the desk's work (drafting, approval,
/// routing) that a resident never reaches, whatever their petition.
pub(crate) async fn staff_petition_for(
    state: &AppState,
    caller: &Caller,
    id: i64,
    action: Action,
) -> Result<Petition, ApiError> {
    if !caller.account.role.is_staff() {
        return Err(ApiError::forbidden());
    }
    petition_for(state, caller, id, action).await
}

pub(crate) fn record_target(p: &Petition) -> Target<'static> {
    Target::Record {
        owner: p.petitioner_account_id,
        department: p.department_id,
        shared_with: &[],
    }
}

pub(crate) fn subject(p: &Petition) -> String {
    match &p.receipt_no {
        Some(n) => format!("petitioner:{n}"),
        None => format!("petition:{}", p.id),
    }
}

// ---------------------------------------------------------------------------------------------
// Intake
// ---------------------------------------------------------------------------------------------

#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct PetitionerInput {
    #[serde(default)]
    name: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    address: String,
    /// Only for types that require it; stored encrypted.
    resident_number: Option<String>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FileRequest {
    type_id: i64,
    /// web, counter, phone, mail, api. Residents always file as `web`.
    #[schema(value_type = Option<String>, example = "counter")]
    channel: Option<Channel>,
    /// An anonymous report: no name or contact, no statutory clock.
    #[serde(default)]
    anonymous: bool,
    #[serde(default)]
    petitioner: Option<PetitionerInput>,
    title: String,
    body: String,
    #[serde(default)]
    location: String,
    /// Values of the type's extra fields.
    #[serde(default)]
    #[schema(value_type = Object)]
    extra: serde_json::Map<String, serde_json::Value>,
    /// Staff may route at intake to a department other than the type's.
    department_code: Option<String>,
    /// Counter, phone, mail and visit intake (staff): how the identity was checked —
    /// `id_card`, `driver_license`, `passport`, `mobile_id` (counter, visit), `phone_callback`
    /// (phone), `signature` (mail), `not_checked` (phone, mail).
    #[schema(value_type = Option<String>, example = "id_card")]
    identity_check: Option<IdentityCheck>,
    /// The type's required documents the official saw (all of them at the counter, on a visit
    /// and by mail).
    #[serde(default)]
    documents_checked: Vec<String>,
}

/// File a petition. Residents file their own (online: it arrives and is received by an
/// official); staff enter counter, phone and mail petitions, which are received at once. Send an
/// `Idempotency-Key` header to make retries safe: the same key returns the same petition (200).
#[utoipa::path(post, path = "/api/v1/petitions", security(("bearer" = [])), request_body = FileRequest,
    params(("Idempotency-Key" = Option<String>, Header, description = "makes a retried submission return the first petition")),
    responses((status = 201, body = PetitionView), (status = 200, body = PetitionView, description = "replayed"),
              (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn file_petition(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    headers: HeaderMap,
    ApiJson(req): ApiJson<FileRequest>,
) -> Result<Response, ApiError> {
    let role = caller.account.role;
    let (channel, petitioner_account_id, petitioner) = if role.is_resident() {
        may_file_own(&state, &caller).await?;
        // The resident's own account fills in what they leave out.
        let given = req.petitioner.unwrap_or_default();
        let pick = |g: String, a: &str| {
            if g.trim().is_empty() {
                a.to_string()
            } else {
                g
            }
        };
        let p = petitions::Petitioner {
            name: pick(given.name, &caller.account.display_name),
            phone: pick(given.phone, &caller.account.phone),
            email: pick(given.email, &caller.account.email),
            address: given.address,
            resident_number: given.resident_number,
        };
        (Channel::Web, Some(caller.account.id), p)
    } else {
        // One-stop intake: an official enters any petition at their own counter.
        may_take_in(&state, &caller).await?;
        let given = req.petitioner.unwrap_or_default();
        (
            req.channel.unwrap_or(Channel::Counter),
            None,
            petitions::Petitioner {
                name: given.name,
                phone: given.phone,
                email: given.email,
                address: given.address,
                resident_number: given.resident_number,
            },
        )
    };
    let department_id = if role.is_staff() {
        department_by_code(&state, req.department_code.as_deref()).await?
    } else {
        None
    };
    let idempotency_key = headers
        .get("idempotency-key")
        .map(|v| {
            v.to_str().map(str::to_string).map_err(|_| {
                ApiError::bad_request(
                    "bad_idempotency_key",
                    "Idempotency-Key는 ASCII 문자열이어야 합니다",
                    "Idempotency-Key must be ASCII",
                )
            })
        })
        .transpose()?;
    let new = petitions::NewPetition {
        type_id: req.type_id,
        channel,
        anonymous: req.anonymous,
        petitioner_account_id,
        petitioner,
        title: req.title,
        body: req.body,
        location: req.location,
        extra: req.extra,
        idempotency_key,
        department_id,
        intake: IntakeRecord {
            identity_check: req.identity_check,
            documents_checked: req.documents_checked,
        },
    };
    let screening = screen(&new.title, &new.body)
        .await
        .ok_or_else(ApiError::internal)?;
    let now = store::now();
    let (cal, _) = petitions::work_calendar(&state.db).await?;
    let checked = petitions::check(&state.db, new, &state.petitions.key, screening).await?;
    let (who, cal_for_job) = (caller.clone(), cal.clone());
    let filed = state
        .petitions
        .intake(&state.db)
        .run(move |tx| {
            Box::pin(async move {
                let filed =
                    petitions::file(tx, &checked, Some(who.account.id), &cal_for_job, now).await?;
                if !filed.replayed {
                    let record = access_record(
                        &who,
                        &subject(&filed.petition),
                        "petition.create",
                        checked.petition().channel.as_str(),
                    );
                    audit::append(tx, &record).await?;
                }
                Ok(filed)
            })
        })
        .await?;
    let owner = filed.petition.petitioner_account_id == Some(caller.account.id);
    let status = if filed.replayed {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    let mut view = view_with(&state, filed.petition, owner, false, &cal)?;
    view.tracking_code = filed.tracking_code;
    let mut res = (status, Json(view)).into_response();
    if filed.replayed {
        res.headers_mut()
            .insert("idempotency-replayed", HeaderValue::from_static("true"));
    }
    Ok(res)
}

/// Texts up to this size are screened in place: handing them to the blocking pool would cost
/// more than screening them (tens of microseconds).
const SCREEN_IN_PLACE_BYTES: usize = 1024;

/// The abuse screening and routing suggestion of a petition's text (CPU work on the models);
/// long texts off the async threads. `None` only if the blocking task died.
pub(crate) async fn screen(title: &str, body: &str) -> Option<petitions::ScreeningRecord> {
    if title.len() + body.len() <= SCREEN_IN_PLACE_BYTES {
        return Some(petitions::screen(title, body));
    }
    let (title, body) = (title.to_string(), body.to_string());
    tokio::task::spawn_blocking(move || petitions::screen(&title, &body))
        .await
        .ok()
}

// ---------------------------------------------------------------------------------------------
// Queue and search
// ---------------------------------------------------------------------------------------------

/// The departments whose petitions the caller may read, from the access policy: `None` when
/// the whole office, `Some(list)` otherwise.
pub(crate) async fn reach(state: &AppState, caller: &Caller) -> Result<Option<Vec<i64>>, ApiError> {
    let actor = caller.actor();
    if domain::access::reaches_office(actor.role, Capability::Petitions, Action::Read) {
        return Ok(None);
    }
    let org = caller.org_chart(state).await?;
    let all = departments::list(&state.db).await?;
    Ok(Some(
        all.into_iter()
            .filter(|d| {
                domain::access::decide(
                    &actor,
                    Capability::Petitions,
                    Action::Read,
                    Target::Department(d.id),
                    org,
                )
                .is_ok()
            })
            .map(|d| d.id)
            .collect(),
    ))
}

#[derive(Deserialize)]
struct QueueParams {
    /// `mine` (assigned to me) or everything in reach (default).
    scope: Option<String>,
    department_id: Option<i64>,
    type_id: Option<i64>,
    state: Option<String>,
    #[serde(default)]
    overdue: bool,
    #[serde(default)]
    due_today: bool,
    #[serde(default)]
    flagged: bool,
    #[serde(default)]
    include_done: bool,
    limit: Option<i64>,
    offset: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct QueueCountsView {
    total: i64,
    overdue: i64,
    due_today: i64,
    due_soon: i64,
    paused: i64,
    flagged: i64,
    repeat_proposed: i64,
}

#[derive(Serialize, ToSchema)]
pub struct QueueView {
    items: Vec<PetitionView>,
    counts: QueueCountsView,
}

pub(crate) async fn filter_for(state: &AppState, caller: &Caller) -> Result<QueueFilter, ApiError> {
    let mut f = QueueFilter::default();
    if caller.account.role.is_resident() {
        f.petitioner_account_id = Some(caller.account.id);
        f.include_done = true;
    } else {
        f.departments = reach(state, caller).await?;
        if f.departments.as_ref().is_some_and(Vec::is_empty) {
            return Err(ApiError::forbidden());
        }
    }
    Ok(f)
}

fn parse_state(s: Option<&str>) -> Result<Option<PState>, ApiError> {
    s.filter(|s| !s.is_empty())
        .map(|s| s.parse::<PState>().map_err(ApiError::from))
        .transpose()
}

/// The work list: petitions in the caller's reach ordered by working time left, with filters
/// and counts (residents: their own petitions).
#[utoipa::path(get, path = "/api/v1/petitions", security(("bearer" = [])),
    params(("scope" = Option<String>, Query, description = "`mine`: assigned to me"), ("department_id" = Option<i64>, Query),
           ("type_id" = Option<i64>, Query), ("state" = Option<String>, Query), ("overdue" = Option<bool>, Query),
           ("due_today" = Option<bool>, Query), ("flagged" = Option<bool>, Query), ("include_done" = Option<bool>, Query),
           ("limit" = Option<i64>, Query), ("offset" = Option<i64>, Query)),
    responses((status = 200, body = QueueView), (status = 403, body = ErrorBody)))]
async fn queue(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Query(p): Query<QueueParams>,
) -> Result<Json<QueueView>, ApiError> {
    let mut f = filter_for(&state, &caller).await?;
    if let Some(d) = p.department_id {
        f.departments = match f.departments {
            None => Some(vec![d]),
            Some(list) if list.contains(&d) => Some(vec![d]),
            Some(_) => return Err(ApiError::forbidden()),
        };
    }
    if p.scope.as_deref() == Some("mine") {
        f.assignee_id = Some(caller.account.id);
    }
    f.type_id = p.type_id;
    f.state = parse_state(p.state.as_deref())?;
    f.overdue = p.overdue;
    f.due_today = p.due_today;
    f.flagged = p.flagged;
    f.include_done = f.include_done || p.include_done;
    f.limit = p.limit.unwrap_or(50);
    f.offset = p.offset.unwrap_or(0);
    let page = petitions::queue(&state.db, &f, store::now()).await?;
    state
        .log_access(&caller, "petitions", "petition.list", "")
        .await?;
    let (cal, _) = petitions::work_calendar(&state.db).await?;
    let mut items = Vec::with_capacity(page.items.len());
    for item in page.items {
        let own = item.petition.petitioner_account_id == Some(caller.account.id);
        items.push(view_for(&state, &caller, item.petition, own, false, &cal).await?);
    }
    let c = page.counts;
    Ok(Json(QueueView {
        items,
        counts: QueueCountsView {
            total: c.total,
            overdue: c.overdue,
            due_today: c.due_today,
            due_soon: c.due_soon,
            paused: c.paused,
            flagged: c.flagged,
            repeat_proposed: c.repeat_proposed,
        },
    }))
}

#[derive(Deserialize)]
struct SearchParams {
    q: String,
    type_id: Option<i64>,
    state: Option<String>,
    department_id: Option<i64>,
    limit: Option<usize>,
    offset: Option<usize>,
}

#[derive(Serialize, ToSchema)]
pub struct SearchHitView {
    score: f32,
    petition: PetitionView,
}

#[derive(Serialize, ToSchema)]
pub struct SearchView {
    total: usize,
    hits: Vec<SearchHitView>,
}

/// Full-text search over titles, bodies and answers (Korean: words and the bigrams inside
/// them), within the caller's reach.
#[utoipa::path(get, path = "/api/v1/petitions/search", security(("bearer" = [])),
    params(("q" = String, Query), ("type_id" = Option<i64>, Query), ("state" = Option<String>, Query),
           ("department_id" = Option<i64>, Query), ("limit" = Option<usize>, Query), ("offset" = Option<usize>, Query)),
    responses((status = 200, body = SearchView), (status = 403, body = ErrorBody)))]
async fn search(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Query(p): Query<SearchParams>,
) -> Result<Json<SearchView>, ApiError> {
    let f = filter_for(&state, &caller).await?;
    let departments = match (f.departments, p.department_id) {
        (None, Some(d)) => Some(vec![d]),
        (Some(list), Some(d)) if list.contains(&d) => Some(vec![d]),
        (Some(_), Some(_)) => return Err(ApiError::forbidden()),
        (reach, None) => reach,
    };
    let q = SearchQuery {
        text: p.q.chars().take(500).collect(),
        departments,
        petitioner_account_id: f.petitioner_account_id,
        type_id: p.type_id,
        state: parse_state(p.state.as_deref())?,
        limit: p.limit.unwrap_or(20),
        offset: p.offset.unwrap_or(0),
    };
    let index = state.petitions.index.as_ref().ok_or_else(|| {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "search_unavailable",
            "검색을 지금 쓸 수 없습니다",
            "search is unavailable",
        )
    })?;
    let result = index.search(&state.db, &q).await?;
    state
        .log_access(&caller, "petitions", "petition.search", "")
        .await?;
    let (cal, _) = petitions::work_calendar(&state.db).await?;
    let mut hits = Vec::with_capacity(result.hits.len());
    for h in result.hits {
        let p = petitions::get(&state.db, h.id).await?;
        let own = p.petitioner_account_id == Some(caller.account.id);
        hits.push(SearchHitView {
            score: h.score,
            petition: view_for(&state, &caller, p, own, false, &cal).await?,
        });
    }
    Ok(Json(SearchView {
        total: result.total,
        hits,
    }))
}

// ---------------------------------------------------------------------------------------------
// One petition
// ---------------------------------------------------------------------------------------------

/// One petition with its deadline computation. Personal data is masked unless `reason` is
/// given by a reader allowed to see it (the petitioner always sees their own); either way the
/// read is recorded in the access log.
#[utoipa::path(get, path = "/api/v1/petitions/{id}", security(("bearer" = [])),
    params(("id" = i64, Path), ("reason" = Option<String>, Query, description = "reason for revealing personal data")),
    responses((status = 200, body = PetitionView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn get_petition(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<i64>,
    Query(q): Query<crate::office::api::RevealQuery>,
) -> Result<Json<PetitionView>, ApiError> {
    let p = petitions::get(&state.db, id).await?;
    let target = record_target(&p);
    caller
        .may(&state, Capability::Petitions, Action::Read, target)
        .await?;
    let reason = q.reason.unwrap_or_default();
    let own = p.petitioner_account_id == Some(caller.account.id);
    let reveal = own
        || (!reason.trim().is_empty()
            && caller
                .may(
                    &state,
                    Capability::PetitionerPersonalData,
                    Action::Read,
                    target,
                )
                .await
                .is_ok());
    let action = if reveal && !own {
        "petitioner.reveal"
    } else {
        "petition.read"
    };
    state
        .log_access(&caller, &subject(&p), action, reason.trim())
        .await?;
    let (cal, _) = petitions::work_calendar(&state.db).await?;
    Ok(Json(
        view_for(&state, &caller, p, reveal, true, &cal).await?,
    ))
}

#[derive(Serialize, ToSchema)]
pub struct TimelineView {
    seq: i64,
    at: DateTime<Utc>,
    actor_id: Option<i64>,
    kind: String,
    #[schema(value_type = Object)]
    event: serde_json::Value,
}

/// The append-only timeline of a petition, oldest first.
#[utoipa::path(get, path = "/api/v1/petitions/{id}/timeline", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 200, body = [TimelineView]), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn timeline(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<i64>,
) -> Result<Json<Vec<TimelineView>>, ApiError> {
    let p = petition_for(&state, &caller, id, Action::Read).await?;
    state
        .log_access(&caller, &subject(&p), "petition.timeline", "")
        .await?;
    let events = petitions::timeline(&state.db, id).await?;
    // A resident reads the timeline through the same name-hiding rule as the petition itself.
    let staff = caller.account.role.is_staff();
    let handler = if caller.account.role.is_resident() {
        Some(petitions::handler(&state.db, &p).await?)
    } else {
        None
    };
    Ok(Json(
        events
            .into_iter()
            // Approval steps are the office's internal work; the petitioner sees their outcome.
            .filter(|e| staff || !e.event.is_internal())
            .map(|e| {
                let mut event = serde_json::to_value(&e.event).unwrap_or_default();
                let mut actor_id = e.actor_id;
                if let Some(h) = &handler {
                    h.scrub_json(&mut event);
                    if h.hidden() && actor_id != p.petitioner_account_id {
                        actor_id = None;
                    }
                }
                TimelineView {
                    seq: e.seq,
                    at: e.at,
                    actor_id,
                    kind: e.kind,
                    event,
                }
            })
            .collect(),
    ))
}

// ---------------------------------------------------------------------------------------------
// Handling steps
// ---------------------------------------------------------------------------------------------

/// One handling step. `action` names it; the other fields are its own.
#[derive(Deserialize, ToSchema)]
#[serde(tag = "action", rename_all = "snake_case", deny_unknown_fields)]
pub enum ActionRequest {
    /// 접수 (receive an online petition; the receipt number is assigned).
    Receive,
    /// 배정: to a department and optionally an official (by username).
    Assign {
        department_code: String,
        assignee: Option<String>,
    },
    /// 이송 inside the office; `far_or_misassigned` gives 3 working hours instead of 1.
    Transfer {
        department_code: String,
        #[serde(default)]
        far_or_misassigned: bool,
        reason: String,
    },
    /// 이송 to another agency (the petitioner is told).
    TransferOut {
        agency: String,
        reason: String,
    },
    /// 보완 요청 (within 8 working hours of receipt); the clock pauses.
    RequestSupplement {
        items: String,
        answer_by: DateTime<Utc>,
    },
    /// The petitioner asks for more time to supplement (at most twice).
    SupplementMoreTime {
        answer_by: DateTime<Utc>,
    },
    /// The supplement request could not be delivered.
    SupplementDeliveryFailed,
    /// The supplement arrived (petitioner or staff); the clock runs again.
    SupplementReceived {
        #[serde(default)]
        note: String,
    },
    /// Return a petition not supplemented by the deadline (반려).
    ReturnUnsupplemented {
        reason: String,
    },
    /// Pause the clock: site_investigation, inspection, hearing, prerequisite, outage.
    Pause {
        #[schema(value_type = String, example = "site_investigation")]
        kind: PauseKind,
        reason: String,
    },
    Resume {
        #[serde(default)]
        note: String,
    },
    /// Extend a grievance's running on-site investigation once, by 7 days (14 + 7 in all).
    ExtendSiteInvestigation {
        reason: String,
    },
    /// 처리기간 연장: cooperation, fact_check, force_majeure, similar (never workload or absent_handler).
    Extend {
        #[schema(value_type = String, example = "7d")]
        period: calendar::Period,
        #[schema(value_type = String, example = "cooperation")]
        ground: ExtensionGround,
        reason: String,
        /// The petitioner's recorded consent (needed for a second extension).
        #[serde(default)]
        consent: bool,
    },
    /// 중간통지.
    ProgressNotice {
        note: String,
    },
    /// 답변: `text` alone, or a type template by name with `text` as its {answer}.
    Answer {
        text: String,
        template: Option<String>,
    },
    /// 추가 답변 to a dissatisfied petitioner.
    AdditionalAnswer {
        text: String,
    },
    Close {
        #[serde(default)]
        reason: String,
    },
    /// Close as a repeated petition (Act art. 23), with the basis.
    CloseAsRepeated {
        basis: String,
    },
    /// 만족도 1–5 (petitioner).
    Rate {
        score: u8,
        #[serde(default)]
        comment: String,
        /// Ask for an additional answer (ratings 1–2): back to the office's queue.
        #[serde(default)]
        more_wanted: bool,
    },
    Reopen {
        reason: String,
    },
    Note {
        text: String,
    },
}

async fn account_in(state: &AppState, username: &str, department_id: i64) -> Result<i64, ApiError> {
    let a = store::office::accounts::find_by_username(&state.db, username)
        .await
        .map_err(|_| {
            ApiError::bad_request(
                "unknown_account",
                format!("담당자 '{username}'가 없습니다"),
                format!("no account '{username}'"),
            )
        })?;
    if !a.role.is_staff() || a.department_id != Some(department_id) || !a.active {
        return Err(ApiError::bad_request(
            "assignee_not_in_department",
            format!("'{username}'은(는) 그 부서의 직원이 아닙니다"),
            format!("'{username}' is not staff of that department"),
        ));
    }
    Ok(a.id)
}

pub(crate) async fn render_answer(
    state: &AppState,
    p: &Petition,
    caller: &Caller,
    text: String,
    template: Option<&str>,
) -> Result<String, ApiError> {
    let Some(name) = template.filter(|t| !t.is_empty()) else {
        return Ok(text);
    };
    let t = petitions::get_type(&state.db, p.type_id).await?;
    let tpl = t.templates.iter().find(|x| x.name == name).ok_or_else(|| {
        ApiError::bad_request(
            "unknown_template",
            format!("답변 서식 '{name}'이 없습니다"),
            format!("no template '{name}' for this type"),
        )
    })?;
    let dept = match p.department_id {
        Some(d) => departments::get(&state.db, d).await?.name,
        None => String::new(),
    };
    let date = calendar::to_seoul(store::now())
        .format("%Y-%m-%d")
        .to_string();
    // The answer goes to the petitioner: their own name, unmasked (masking is for staff screens).
    let petitioner = p.petitioner_name.trim();
    // Offices may hide handlers' real names (DOMAIN.md section 5): sign with the department.
    let hide = caller.settings(state).await?.hide_handler_names();
    let official = if hide {
        ""
    } else {
        caller.account.display_name.as_str()
    };
    Ok(domain::petitions::render_template(
        &tpl.text,
        &[
            ("name", petitioner),
            ("receipt_no", p.receipt_no.as_deref().unwrap_or("")),
            ("title", p.title.as_str()),
            ("department", dept.as_str()),
            ("official", official),
            ("date", date.as_str()),
            ("answer", text.as_str()),
        ],
    ))
}

/// Apply one handling step. Steps not allowed in the current state (answer a closed petition,
/// extend twice without consent, extend for workload …) are refused with a 4xx and change
/// nothing. Petitioner steps (supplement, rating) are for the resident who filed it.
#[utoipa::path(post, path = "/api/v1/petitions/{id}/actions", security(("bearer" = [])), request_body = ActionRequest,
    params(("id" = i64, Path)),
    responses((status = 200, body = PetitionView), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn act(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<i64>,
    ApiJson(req): ApiJson<ActionRequest>,
) -> Result<Json<PetitionView>, ApiError> {
    let (p, is_petitioner) = take_step(&state, &caller, id, req).await?;
    let (cal, _) = petitions::work_calendar(&state.db).await?;
    Ok(Json(
        view_for(&state, &caller, p, is_petitioner, false, &cal).await?,
    ))
}

/// One handling step by a signed-in caller, shared by the API and the pages: checks whose step
/// it is and the access policy, applies it with its access-log entry in one transaction.
/// Returns the petition after the step and whether the caller is its petitioner.
pub(crate) async fn take_step(
    state: &AppState,
    caller: &Caller,
    id: i64,
    req: ActionRequest,
) -> Result<(Petition, bool), ApiError> {
    let p = petitions::get(&state.db, id).await?;
    let placeholder = store::now();
    let event = match req {
        ActionRequest::Receive => Event::Received {
            receipt_no: String::new(),
        },
        ActionRequest::Assign {
            department_code,
            assignee,
        } => {
            let dept = department_by_code(state, Some(&department_code))
                .await?
                .ok_or_else(ApiError::not_found)?;
            let assignee_id = match assignee.as_deref().filter(|a| !a.is_empty()) {
                Some(u) => Some(account_in(state, u, dept).await?),
                None => None,
            };
            Event::Assigned {
                department_id: dept,
                assignee_id,
            }
        }
        ActionRequest::Transfer {
            department_code,
            far_or_misassigned,
            reason,
        } => Event::Transferred {
            to: department_by_code(state, Some(&department_code))
                .await?
                .ok_or_else(ApiError::not_found)?,
            far_or_misassigned,
            reason,
            due: placeholder,
        },
        ActionRequest::TransferOut { agency, reason } => Event::TransferredOut {
            agency,
            reason,
            due: None,
        },
        ActionRequest::RequestSupplement { items, answer_by } => {
            Event::SupplementRequested { items, answer_by }
        }
        ActionRequest::SupplementMoreTime { answer_by } => Event::SupplementMoreTime { answer_by },
        ActionRequest::SupplementDeliveryFailed => Event::SupplementDeliveryFailed,
        ActionRequest::SupplementReceived { note } => Event::SupplementReceived { note },
        ActionRequest::ReturnUnsupplemented { reason } => Event::ReturnedUnsupplemented { reason },
        ActionRequest::Pause { kind, reason } => Event::PauseStarted { kind, reason },
        ActionRequest::Resume { note } => Event::PauseEnded { note },
        ActionRequest::ExtendSiteInvestigation { reason } => {
            Event::SiteInvestigationExtended { reason }
        }
        ActionRequest::Extend {
            period,
            ground,
            reason,
            consent,
        } => Event::Extended {
            period,
            ground,
            reason,
            consent,
            new_due: placeholder,
        },
        ActionRequest::ProgressNotice { note } => Event::ProgressNotice { note },
        ActionRequest::Answer { text, template } => {
            let text = crate::petitions::answers::final_text(
                &render_answer(state, &p, caller, text, template.as_deref()).await?,
            );
            domain::petitions::check_answer_text(&text)?;
            Event::Answered {
                text,
                template,
                additional: false,
            }
        }
        ActionRequest::AdditionalAnswer { text } => {
            let text = crate::petitions::answers::final_text(&text);
            domain::petitions::check_answer_text(&text)?;
            Event::Answered {
                text,
                template: None,
                additional: true,
            }
        }
        ActionRequest::Close { reason } => Event::Closed { reason },
        ActionRequest::CloseAsRepeated { basis } => Event::ClosedAsRepeated { basis },
        ActionRequest::Rate {
            score,
            comment,
            more_wanted,
        } => Event::Rated {
            score,
            comment,
            more_wanted,
        },
        ActionRequest::Reopen { reason } => Event::Reopened { reason },
        ActionRequest::Note { text } => Event::Note { text },
    };
    // Who may take the step: the petitioner their own steps, staff the office's (the policy
    // decides on the record; the domain says whose step it is).
    let is_petitioner = p.petitioner_account_id == Some(caller.account.id);
    let staff_step_by_staff =
        caller.account.role.is_staff() && !matches!(event, Event::Rated { .. });
    let petitioner_step = is_petitioner
        && matches!(
            event,
            Event::SupplementMoreTime { .. }
                | Event::SupplementReceived { .. }
                | Event::Rated { .. }
        );
    if !(staff_step_by_staff || petitioner_step) {
        return Err(ApiError::forbidden());
    }
    may_on(state, caller, &p, Action::Update).await?;
    // For a type the administrator marked, an answer or an extension goes to the supervisor
    // first (결재); it takes effect when approved.
    let event = match domain::petitions::HeldStep::of(&event) {
        Some(step)
            if petitions::get_type(&state.db, p.type_id)
                .await?
                .needs_approval =>
        {
            Event::ApprovalRequested {
                step,
                submitted_by: Some(caller.account.id),
            }
        }
        _ => event,
    };
    let name = event.name();
    let now = store::now();
    // Routing a petition elsewhere than the model suggested is a correction to learn from.
    let routed_to = match &event {
        Event::Assigned { department_id, .. } => Some(*department_id),
        Event::Transferred { to, .. } => Some(*to),
        _ => None,
    };
    let (cal, _) = petitions::work_calendar(&state.db).await?;
    let by = Some(caller.account.id);
    let p = crate::audited(state, caller, async |tx: &mut store::Tx| {
        let p = petitions::act(tx, id, event, by, &cal, now).await?;
        if let Some(d) = routed_to {
            store::petitions::suggestions::record_correction(tx, &p, d, by, now).await?;
        }
        let audit = crate::Audit {
            subject: subject(&p),
            action: format!("petition.{name}"),
            reason: String::new(),
        };
        Ok((p, audit))
    })
    .await?;
    Ok((p, is_petitioner))
}

// ---------------------------------------------------------------------------------------------
// Attachments
// ---------------------------------------------------------------------------------------------

#[derive(Serialize, ToSchema)]
pub struct AttachmentView {
    id: i64,
    sha256: String,
    filename: String,
    content_type: String,
    size: i64,
    created_at: DateTime<Utc>,
}

#[derive(Deserialize)]
struct UploadParams {
    filename: Option<String>,
}

/// Attach a file: the raw bytes as the request body (streamed, never held whole), the name in
/// `filename`. The type is recognised from the content (PDF, PNG, JPEG, GIF, HWP/HWPX, text);
/// the size limit is the server's setting (20 MB by default).
#[utoipa::path(post, path = "/api/v1/petitions/{id}/attachments", security(("bearer" = [])),
    params(("id" = i64, Path), ("filename" = Option<String>, Query)),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses((status = 201, body = AttachmentView), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 413, body = ErrorBody), (status = 415, body = ErrorBody)))]
async fn upload_attachment(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<i64>,
    Query(q): Query<UploadParams>,
    body: Body,
) -> Result<Response, ApiError> {
    let p = petition_for(&state, &caller, id, Action::Update).await?;
    if !p.state.is_open() {
        return Err(ApiError::bad_request(
            "transition_not_allowed",
            "처리가 끝난 민원에는 파일을 첨부할 수 없습니다",
            "a finished petition takes no attachments",
        ));
    }
    let stream = body
        .into_data_stream()
        .map_err(|e| std::io::Error::other(e.to_string()));
    let reader: store::kit::blobs::ByteStream = Box::pin(tokio_util::io::StreamReader::new(stream));
    let blob = state
        .petitions
        .blobs
        .put(reader, &state.petitions.limits)
        .await
        .map_err(|e| match e {
            store::StoreError::Rule(r) if r.code == "attachment_too_large" => {
                ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, r.code, r.ko, r.en)
            }
            store::StoreError::Rule(r) if r.code == "attachment_type_not_allowed" => {
                ApiError::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, r.code, r.ko, r.en)
            }
            other => ApiError::from(other),
        })?;
    let now = store::now();
    let (cal, _) = petitions::work_calendar(&state.db).await?;
    let filename = q.filename.as_deref().unwrap_or("");
    let by = Some(caller.account.id);
    let a = crate::audited(&state, &caller, async |tx: &mut store::Tx| {
        let a = petitions::add_attachment(tx, id, &blob, filename, by, &cal, now).await?;
        let entry = crate::Audit::new(subject(&p), "petition.attach", &a.sha256);
        Ok((a, entry))
    })
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(AttachmentView {
            id: a.id,
            sha256: a.sha256,
            filename: a.filename,
            content_type: a.content_type,
            size: a.size,
            created_at: a.created_at,
        }),
    )
        .into_response())
}

/// Download an attachment (streamed). A stated reason is required (`?reason=` or the
/// `X-Access-Reason` header) and recorded in the access-log entry.
#[utoipa::path(get, path = "/api/v1/petitions/{id}/attachments/{sha256}", security(("bearer" = [])),
    params(("id" = i64, Path), ("sha256" = String, Path),
           ("reason" = Option<String>, Query, description = "why the file is needed (or the X-Access-Reason header); required")),
    responses((status = 200, content_type = "application/octet-stream"), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn download_attachment(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path((id, sha256)): Path<(i64, String)>,
    Query(q): Query<crate::office::privacy_review::ReasonQuery>,
    headers: axum::http::HeaderMap,
) -> Result<Response, ApiError> {
    let reason = crate::office::privacy_review::stated_reason(q.reason.as_deref(), &headers)?;
    attachment_download(&state, &caller, id, &sha256, &reason).await
}

/// Stream one attachment after the policy allows it, logging who took it and why.
pub(crate) async fn attachment_download(
    state: &AppState,
    caller: &Caller,
    id: i64,
    sha256: &str,
    reason: &str,
) -> Result<Response, ApiError> {
    let p = petition_for(state, caller, id, Action::Read).await?;
    let list = petitions::attachments(&state.db, id).await?;
    let a = list
        .into_iter()
        .find(|a| a.sha256 == sha256)
        .ok_or_else(ApiError::not_found)?;
    let reader = state.petitions.blobs.open(&a.sha256).await?;
    state
        .log_access(
            caller,
            &subject(&p),
            "petition.attachment_read",
            &format!("{reason} (sha256 {})", a.sha256),
        )
        .await?;
    let mut res = Body::from_stream(tokio_util::io::ReaderStream::new(reader)).into_response();
    attachment_headers(&mut res, &a.content_type, &a.filename);
    Ok(res)
}

/// Content type and a download name (ASCII only: other characters become `_`) for a file.
pub(crate) fn attachment_headers(res: &mut Response, content_type: &str, filename: &str) {
    let h = res.headers_mut();
    if let Ok(v) = HeaderValue::from_str(content_type) {
        h.insert(header::CONTENT_TYPE, v);
    }
    let ascii: String = filename
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{ascii}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
}

// ---------------------------------------------------------------------------------------------
// Background work
// ---------------------------------------------------------------------------------------------

/// Run the reminder sweep ([`store::petitions::sweep`]) every `every` until `stop` turns true,
/// and keep the search index caught up. The binary spawns this next to the outbox worker.
pub async fn run_sweeper(
    state: AppState,
    every: std::time::Duration,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    let mut purged_on: Option<chrono::NaiveDate> = None;
    loop {
        // Once a day: petitions whose retention has run are deleted (issue 14).
        let today = calendar::to_seoul(store::now()).date_naive();
        if purged_on != Some(today) {
            match petitions::retention::purge(
                &state.db,
                Some(state.petitions.blobs.as_ref()),
                store::now(),
                false,
                None,
                "sweep",
            )
            .await
            {
                Ok(r) => {
                    purged_on = Some(today);
                    if !r.petitions.is_empty() {
                        tracing::info!(purged = r.petitions.len(), "petition retention")
                    }
                }
                Err(e) => tracing::error!(error = %e, "petition retention failed"),
            }
        }
        match petitions::sweep(&state.db, store::now()).await {
            Ok(r) if r != petitions::SweepReport::default() => {
                tracing::info!(?r, "petition reminders")
            }
            Ok(_) => {}
            Err(e) => tracing::error!(error = %e, "petition sweep failed"),
        }
        if let Some(index) = &state.petitions.index
            && let Err(e) = index.catch_up(&state.db).await
        {
            tracing::error!(error = %e, "search index catch-up failed");
        }
        tokio::select! {
            _ = tokio::time::sleep(every) => {}
            _ = stop.changed() => {}
        }
        if *stop.borrow() {
            break;
        }
    }
}
