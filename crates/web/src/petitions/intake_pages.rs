//! Intake on a resident's behalf at the desk (대리 접수, issue 14): an official registers a
//! petition that came in at the counter, on the phone, by mail or on a visit — how the identity
//! was checked, the type's required documents as a checklist, the extra fields, the scanned
//! attachments — and prints the receipt (접수증) on A4.
//!
//! The form goes through the same store calls as `POST /api/v1/petitions` (`petitions::check`,
//! which applies `domain::petitions::intake::check`, then `petitions::file` with the attachments
//! and the access-log entry in one transaction). Errors are shown beside their field; what was
//! typed and the files already scanned are kept (the files as sealed tokens, so a resubmission
//! does not need them again and cannot point at somebody else's file).

use crate::AppState;
use crate::kit::auth::Caller;
use crate::kit::error::ApiError;
use crate::kit::extract::{Multipart, Path, Query};
use crate::kit::form::PageForm;
use crate::kit::page::{Chrome, Ctx, Lang, OrPage, PageError, PageResult, when};
use crate::petitions::api::may_take_in;
use crate::petitions::resident_pages::{
    FieldErrors, FieldView, FileValues, KeptFile, MAX_FILES, Tracked, extra_field_errors,
    field_views, file_values, gather_files, kept_files, kind_name, read_parts, tracked, type_name,
};
use crate::petitions::views::{explain_lines, period_words};
use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use domain::access::Action;
use domain::petitions::Channel;
use domain::petitions::intake::{FIELD_DOCUMENTS, FIELD_IDENTITY, IdentityCheck, IntakeRecord};
use serde::Deserialize;
use std::collections::HashMap;
use store::kit::blobs::StoredBlob;
use store::petitions::{self, Petition, PetitionType};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/desk/intake", get(choose))
        .route(
            "/desk/intake/{type_id}",
            get(form)
                .post(submit)
                // Scanned files stream to the blob store, which enforces the per-file limit.
                .layer(axum::extract::DefaultBodyLimit::disable()),
        )
        .route("/desk/receipts/{id}", get(receipt))
        .route("/desk/receipts/{id}/tracking-code", post(reissue_code))
        .route("/admin/retention", get(retention_show))
        .route(
            "/admin/retention/years",
            axum::routing::post(retention_years),
        )
        .route(
            "/admin/retention/purge",
            axum::routing::post(retention_purge),
        )
}

/// The channels an official takes petitions in from.
const CHANNELS: [Channel; 4] = [
    Channel::Counter,
    Channel::Phone,
    Channel::Mail,
    Channel::Visit,
];

pub fn channel_name(lang: Lang, c: Channel) -> &'static str {
    match c {
        Channel::Counter => lang.t("창구 방문", "At the counter"),
        Channel::Phone => lang.t("전화", "By phone"),
        Channel::Mail => lang.t("우편", "By mail"),
        Channel::Visit => lang.t("출장 방문", "On a visit"),
        Channel::Web => lang.t("인터넷", "Online"),
        Channel::Api => lang.t("연계 시스템", "Another system"),
        Channel::Open311 => lang.t("Open311", "Open311"),
    }
}

pub fn identity_name(lang: Lang, i: IdentityCheck) -> &'static str {
    match lang {
        Lang::Ko => i.korean(),
        Lang::En => i.english(),
    }
}

fn parse_channel(s: &str) -> Option<Channel> {
    CHANNELS.into_iter().find(|c| c.as_str() == s)
}

/// Only staff the access policy lets file petitions at their own department's counter.
async fn allowed<'c>(state: &AppState, ctx: &'c Ctx) -> Result<&'c Caller, PageError> {
    let caller = ctx.staff_or_refuse()?;
    may_take_in(state, caller).await.or_page(ctx)?;
    Ok(caller)
}

// ---------------------------------------------------------------------------------------------
// Choosing the type
// ---------------------------------------------------------------------------------------------

pub struct TypeLink {
    pub id: i64,
    pub name: String,
    pub kind: &'static str,
    pub documents: usize,
}

#[derive(Template)]
#[template(path = "petitions/desk_intake_types.html")]
struct TypesPage {
    c: Chrome,
    types: Vec<TypeLink>,
}

async fn choose(State(state): State<AppState>, ctx: Ctx) -> PageResult {
    allowed(&state, &ctx).await?;
    // Officials take in every open type, the ones not offered online too.
    let types = petitions::list_types(&state.db, false)
        .await
        .or_page(&ctx)?
        .into_iter()
        .filter(|t| t.active)
        .map(|t| TypeLink {
            id: t.id,
            name: type_name(ctx.lang, &t),
            kind: kind_name(ctx.lang, t.kind),
            documents: t.required_documents.len(),
        })
        .collect();
    Ok(ctx.render(&TypesPage {
        c: ctx.chrome(),
        types,
    }))
}

// ---------------------------------------------------------------------------------------------
// The form
// ---------------------------------------------------------------------------------------------

/// What the official typed, to put back after a refusal.
#[derive(Default)]
pub struct IntakeValues {
    pub v: FileValues,
    pub channel: String,
    pub identity: String,
    pub documents: Vec<String>,
}

pub struct DocumentCheck {
    pub index: usize,
    pub name: String,
    pub checked: bool,
}

#[derive(Template)]
#[template(path = "petitions/desk_intake.html")]
struct FormPage {
    c: Chrome,
    type_id: i64,
    type_name: String,
    kind: &'static str,
    period: String,
    requires_rrn: bool,
    channels: Vec<(&'static str, &'static str, bool)>,
    identities: Vec<(&'static str, &'static str, bool)>,
    documents: Vec<DocumentCheck>,
    fields: Vec<FieldView>,
    values: IntakeValues,
    errors: FieldErrors,
    /// Files scanned with an earlier attempt, kept.
    kept: Vec<KeptFile>,
    /// Copies of the same file left out.
    copies: usize,
    max_mb: u64,
}

fn form_page(
    ctx: &Ctx,
    state: &AppState,
    t: &PetitionType,
    values: IntakeValues,
    errors: FieldErrors,
    (kept, copies): (Vec<KeptFile>, usize),
) -> FormPage {
    let lang = ctx.lang;
    FormPage {
        c: ctx.chrome(),
        type_id: t.id,
        type_name: type_name(lang, t),
        kind: kind_name(lang, t.kind),
        period: period_words(lang, t.period),
        requires_rrn: t.requires_rrn,
        channels: CHANNELS
            .into_iter()
            .map(|c| {
                (
                    c.as_str(),
                    channel_name(lang, c),
                    values.channel == c.as_str(),
                )
            })
            .collect(),
        identities: IdentityCheck::ALL
            .into_iter()
            .map(|i| {
                (
                    i.as_str(),
                    identity_name(lang, i),
                    values.identity == i.as_str(),
                )
            })
            .collect(),
        documents: t
            .required_documents
            .iter()
            .enumerate()
            .map(|(index, name)| DocumentCheck {
                index,
                name: name.clone(),
                checked: values.documents.contains(name),
            })
            .collect(),
        fields: field_views(lang, &t.fields, &values.v),
        values,
        errors,
        kept,
        copies,
        max_mb: state.petitions.limits.max_bytes / (1024 * 1024),
    }
}

async fn intake_type(state: &AppState, type_id: i64) -> Result<PetitionType, ApiError> {
    let t = petitions::get_type(&state.db, type_id).await?;
    if !t.active {
        return Err(ApiError::not_found());
    }
    Ok(t)
}

#[derive(Deserialize)]
struct FormQuery {
    channel: Option<String>,
}

async fn form(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(type_id): Path<i64>,
    Query(q): Query<FormQuery>,
) -> PageResult {
    allowed(&state, &ctx).await?;
    let t = intake_type(&state, type_id).await.or_page(&ctx)?;
    let values = IntakeValues {
        v: FileValues {
            // A fresh key per form: a resubmitted form files nothing twice.
            idem: store::kit::secrets::new_token().unwrap_or_default(),
            ..FileValues::default()
        },
        channel: q
            .channel
            .filter(|c| parse_channel(c).is_some())
            .unwrap_or_else(|| "counter".into()),
        ..IntakeValues::default()
    };
    Ok(ctx.render(&form_page(
        &ctx,
        &state,
        &t,
        values,
        FieldErrors::default(),
        (Vec::new(), 0),
    )))
}

/// Everything the form sent, apart from the files.
fn values_from(texts: &HashMap<String, String>, t: &PetitionType) -> IntakeValues {
    let get = |k: &str| texts.get(k).cloned().unwrap_or_default();
    IntakeValues {
        // The resident's form and this one share their fields; an official's form has no
        // consent box and no anonymous report.
        v: FileValues {
            consent: false,
            anonymous: false,
            ..file_values(texts.clone()).0
        },
        channel: get("channel"),
        identity: get("identity_check"),
        documents: t
            .required_documents
            .iter()
            .enumerate()
            .filter(|(i, _)| texts.contains_key(&format!("doc_{i}")))
            .map(|(_, d)| d.clone())
            .collect(),
    }
}

/// The form's own checks, each beside its field; the rules themselves are the domain's (the
/// same functions the API goes through), so the page and the API never disagree.
fn field_errors(lang: Lang, t: &PetitionType, v: &IntakeValues, rrn: &str) -> FieldErrors {
    let mut e = FieldErrors::default();
    let channel = parse_channel(&v.channel);
    if channel.is_none() {
        e.add(
            "channel",
            lang,
            "접수 경로를 고르세요",
            "choose how the petition came in",
        );
    }
    let identity = v.identity.parse::<IdentityCheck>().ok();
    if let Some(channel) = channel {
        let record = IntakeRecord {
            identity_check: identity,
            documents_checked: v.documents.clone(),
        };
        if let Err((field, rule)) =
            domain::petitions::intake::check(channel, &record, &t.required_documents)
        {
            e.add(field, lang, &rule.ko, &rule.en);
        }
    }
    if v.v.title.trim().is_empty() {
        e.add(
            "title",
            lang,
            "제목을 입력해 주세요",
            "the title is required",
        );
    }
    if v.v.body.trim().is_empty() {
        e.add(
            "body",
            lang,
            "내용을 입력해 주세요",
            "the details are required",
        );
    }
    if v.v.name.trim().is_empty() {
        e.add(
            "name",
            lang,
            "신청인 이름을 입력해 주세요",
            "the petitioner's name is required",
        );
    }
    if v.v.phone.trim().is_empty() && v.v.email.trim().is_empty() && v.v.address.trim().is_empty() {
        e.add(
            "phone",
            lang,
            "연락처(전화, 전자우편, 주소 중 하나)를 입력해 주세요",
            "a contact is required: phone, email or address",
        );
    } else if !v.v.phone.trim().is_empty()
        && let Err(rule) = domain::petitions::contact::check_phone(&v.v.phone)
    {
        e.add_rule("phone", lang, &rule);
    }
    if !v.v.email.trim().is_empty()
        && let Err(rule) = domain::petitions::contact::check_email(&v.v.email)
    {
        e.add_rule("email", lang, &rule);
    }
    if t.requires_rrn && rrn.trim().is_empty() {
        e.add(
            "resident_number",
            lang,
            "이 민원은 주민등록번호가 필요합니다",
            "this petition type requires a resident registration number",
        );
    }
    extra_field_errors(lang, t, &v.v, &mut e);
    e
}

/// Where a store refusal belongs on the form.
fn field_of(code: &str) -> &'static str {
    match code {
        "missing_identity_check" | "identity_check_not_for_channel" | "bad_identity_check" => {
            FIELD_IDENTITY
        }
        "missing_document" | "unknown_document" => FIELD_DOCUMENTS,
        "rrn_not_allowed" | "bad_resident_number" => "resident_number",
        "bad_phone" => "phone",
        "bad_email" => "email",
        "too_long" => "body",
        _ => "form",
    }
}

async fn submit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(type_id): Path<i64>,
    mp: Multipart,
) -> PageResult {
    let caller = allowed(&state, &ctx).await?;
    let t = intake_type(&state, type_id).await.or_page(&ctx)?;
    let lang = ctx.lang;
    let refill =
        |values: IntakeValues, errors: FieldErrors, files: &[(StoredBlob, String)], copies| {
            let kept = kept_files(&state, files);
            Ok(ctx.render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &form_page(&ctx, &state, &t, values, errors, (kept, copies)),
            ))
        };
    let (texts, files, read_error) = match read_parts(&state, mp, async |_| true).await {
        Ok((texts, files)) => (texts, files, None),
        Err((_, e)) if e.status.is_server_error() => return Err(ctx.fail(&e)),
        Err((texts, m)) => (texts, Vec::new(), Some(m)),
    };
    let values = values_from(&texts, &t);
    let rrn = texts.get("resident_number").cloned().unwrap_or_default();
    // Files from earlier attempts (sealed) and the ones sent now, each content once.
    let (all, copies) = gather_files(&state, &texts, files);
    let mut errors = field_errors(lang, &t, &values, &rrn);
    if let Some(m) = read_error {
        errors.add("files", lang, &m.ko, &m.en);
    }
    if all.len() > MAX_FILES {
        errors.add(
            "files",
            lang,
            "파일은 5개까지 첨부할 수 있습니다",
            "up to 5 files",
        );
    }
    if !errors.is_empty() {
        return refill(values, errors, &all, copies);
    }
    match file(&state, &ctx, &t, &values, rrn, all.clone()).await {
        // The receipt is shown at once: the random tracking code exists in the clear only now
        // (the database keeps its hash), so it is printed from this answer.
        Ok((p, code)) => {
            let notice = (
                "접수했습니다. 접수증을 인쇄해 민원인에게 드리세요.",
                "Registered. Print the receipt and hand it to the resident.",
            );
            receipt_with(&state, &ctx, caller, p.id, code, Some(notice)).await
        }
        Err(e) if e.status.is_server_error() => Err(ctx.fail(&e)),
        Err(e) => {
            let mut errors = FieldErrors::default();
            errors.add(field_of(e.code), lang, &e.ko, &e.en);
            refill(values, errors, &all, copies)
        }
    }
}

/// File through the store as the API does; attachments, intake record and access-log entry in
/// the same transaction.
async fn file(
    state: &AppState,
    ctx: &Ctx,
    t: &PetitionType,
    values: &IntakeValues,
    rrn: String,
    files: Vec<(StoredBlob, String)>,
) -> Result<(Petition, Option<String>), ApiError> {
    // Only staff file on a resident's behalf (the page checked the policy already).
    ctx.staff().ok_or_else(ApiError::forbidden)?;
    let channel = parse_channel(&values.channel).ok_or_else(ApiError::forbidden)?;
    let new = petitions::NewPetition {
        intake: IntakeRecord {
            identity_check: values.identity.parse().ok(),
            documents_checked: values.documents.clone(),
        },
        anonymous: false,
        ..values.v.new_petition(t, channel, rrn)
    };
    let screening = crate::petitions::api::screen(&new.title, &new.body)
        .await
        .ok_or_else(ApiError::internal)?;
    crate::petitions::resident_pages::file_checked(state, ctx, new, screening, files, None).await
}

// ---------------------------------------------------------------------------------------------
// The receipt (접수증)
// ---------------------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "petitions/desk_receipt.html")]
struct ReceiptPage {
    c: Chrome,
    p: Tracked,
    channel: &'static str,
    identity: Option<&'static str>,
    documents: Vec<String>,
    petitioner: String,
    tracking_code: Option<String>,
    /// What just happened, when this answer follows an action (Korean, English).
    notice: Option<(&'static str, &'static str)>,
    official: String,
    department: String,
    printed_at: String,
}

async fn receipt(State(state): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> PageResult {
    let caller = ctx.staff_or_refuse()?;
    receipt_with(&state, &ctx, caller, id, None, None).await
}

/// The receipt page, with a tracking code only when one was just made and a notice of what was
/// just done.
async fn receipt_with(
    state: &AppState,
    ctx: &Ctx,
    caller: &Caller,
    id: i64,
    tracking_code: Option<String>,
    notice: Option<(&'static str, &'static str)>,
) -> PageResult {
    let mut page = receipt_page(state, ctx, caller, id, tracking_code)
        .await
        .or_page(ctx)?;
    page.notice = notice;
    Ok(ctx.render(&page))
}

/// A new tracking code for a petitioner who lost theirs: the old codes stop working, the new
/// one is printed on a fresh receipt, and the reissue is on the access log.
async fn reissue_code(State(state): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> PageResult {
    let caller = ctx.staff_or_refuse()?;
    let code = async {
        // The same permission as printing the receipt: checked before anything changes.
        let p = printable(&state, caller, id).await?;
        crate::audited(&state, caller, async |tx: &mut store::Tx| {
            let code = store::petitions::tracking::reissue(tx, id, store::now()).await?;
            let subject = crate::petitions::api::subject(&p);
            let entry = crate::Audit::new(subject, "petition.tracking_code.reissue", "");
            Ok((code, entry))
        })
        .await
    }
    .await
    .or_page(&ctx)?;
    let notice = (
        "새 조회 번호를 발급했습니다. 이전 번호는 더 이상 쓸 수 없습니다. 접수증을 다시 인쇄해 드리세요.",
        "A new tracking code was issued; the old one no longer works. Print the receipt again for the resident.",
    );
    receipt_with(&state, &ctx, caller, id, Some(code), Some(notice)).await
}

async fn receipt_page(
    state: &AppState,
    ctx: &Ctx,
    caller: &Caller,
    id: i64,
    tracking_code: Option<String>,
) -> Result<ReceiptPage, ApiError> {
    let p = printable(state, caller, id).await?;
    let lang = ctx.lang;
    // The receipt is handed to the petitioner: their name in full is theirs to read, but the
    // reading is on the access log like every other.
    state
        .log_access(
            caller,
            &crate::petitions::api::subject(&p),
            "petition.receipt",
            "",
        )
        .await?;
    let mut t = tracked(state, lang, &p).await?;
    if t.due_lines.is_empty() {
        // `tracked` explains only a running clock; the receipt always says how it was computed.
        let (cal, _) = petitions::work_calendar(&state.db).await?;
        if let Some((input, _)) = p.derived.expected_input(store::now()) {
            t.due_lines = calendar::explain(&cal, &input, store::now())
                .map(|e| explain_lines(lang, &e))
                .unwrap_or_default();
        }
    }
    let department = match p.department_id {
        Some(d) => store::office::departments::get(&state.db, d)
            .await
            .map(|d| d.name)
            .unwrap_or_default(),
        None => String::new(),
    };
    Ok(ReceiptPage {
        c: ctx.chrome(),
        channel: Channel::ALL
            .into_iter()
            .find(|c| c.as_str() == p.channel)
            .map_or("", |c| channel_name(lang, c)),
        identity: p.intake.identity_check.map(|i| identity_name(lang, i)),
        documents: p.intake.documents_checked.clone(),
        petitioner: p.petitioner_name.clone(),
        notice: None,
        tracking_code,
        official: caller.account.display_name.clone(),
        department,
        printed_at: when(store::now()),
        p: t,
    })
}

/// The petition whose receipt the caller may print (and whose tracking code they may reissue).
/// The official who took it in at their counter prints its receipt even when it went to another
/// department (one-stop intake): asked as filing at their own department; anyone else needs to
/// read the petition.
async fn printable(state: &AppState, caller: &Caller, id: i64) -> Result<Petition, ApiError> {
    let p = petitions::get(&state.db, id).await.map_err(|e| match e {
        store::StoreError::NotFound => ApiError::not_found(),
        e => e.into(),
    })?;
    let filer = petitions::timeline(&state.db, p.id)
        .await?
        .first()
        .and_then(|e| e.actor_id);
    if filer == Some(caller.account.id) && caller.account.department_id.is_some() {
        may_take_in(state, caller).await?;
    } else {
        crate::petitions::api::may_on(state, caller, &p, Action::Read).await?;
    }
    Ok(p)
}

// ---------------------------------------------------------------------------------------------
// Transfers on the clock (이송 기한), shown on the petition page and the dashboard
// ---------------------------------------------------------------------------------------------

/// One transfer with its limit and whether it was met (Decree art. 13, Act art. 16).
pub struct TransferLine {
    pub petition_id: i64,
    pub number: String,
    pub at: String,
    pub from: String,
    pub to: String,
    /// 1 or 3 working hours inside the office, 8 to another agency.
    pub limit_hours: u32,
    pub due: String,
    pub on_time: bool,
    pub to_agency: bool,
}

/// The transfers of one petition, in the order they happened.
pub fn transfer_lines(
    p: &Petition,
    dept_names: &HashMap<i64, String>,
) -> Vec<(chrono::DateTime<chrono::Utc>, TransferLine)> {
    let number = crate::petitions::views::number(p);
    let name = |d: Option<i64>| {
        d.and_then(|d| dept_names.get(&d).cloned())
            .unwrap_or_default()
    };
    let d = &p.derived;
    let mut out: Vec<_> = d
        .transfers
        .iter()
        .map(|t| {
            (
                t.at,
                TransferLine {
                    petition_id: p.id,
                    number: number.clone(),
                    at: when(t.at),
                    from: name(t.from),
                    to: name(Some(t.to)),
                    limit_hours: t.limit_hours,
                    due: when(t.due),
                    on_time: t.on_time,
                    to_agency: false,
                },
            )
        })
        .collect();
    if let Some(t) = &d.agency_transfer {
        out.push((
            t.at,
            TransferLine {
                petition_id: p.id,
                number,
                at: when(t.at),
                from: name(p.department_id),
                to: t.agency.clone(),
                limit_hours: t.limit_hours,
                due: when(t.due),
                on_time: t.on_time,
                to_agency: true,
            },
        ));
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Retention (보존기간) for administrators: the same store calls as /api/v1/petitions/retention
// ---------------------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "petitions/admin_retention.html")]
struct RetentionPage {
    c: Chrome,
    r: crate::petitions::retention::RetentionView,
    types: HashMap<i64, String>,
    notice: Option<String>,
    error: Option<String>,
    years: String,
    /// The last purge's outcome, listed.
    done: Option<crate::petitions::retention::PurgeView>,
}

impl RetentionPage {
    fn type_name(&self, id: &i64) -> String {
        self.types
            .get(id)
            .cloned()
            .unwrap_or_else(|| id.to_string())
    }
}

/// Administrators only (Settings), asked of the access policy.
async fn settling<'c>(
    state: &AppState,
    ctx: &'c Ctx,
    action: Action,
) -> Result<&'c Caller, PageError> {
    let caller = ctx.caller.as_ref().ok_or_else(|| ctx.refusal())?;
    crate::petitions::retention::may_settle(state, caller, action)
        .await
        .or_page(ctx)?;
    Ok(caller)
}

/// What the retention page shows besides the settings: a notice, or a refused form's error
/// with the years typed kept, or the last purge's outcome.
#[derive(Default)]
struct RetentionShown {
    years: Option<String>,
    notice: Option<String>,
    error: Option<String>,
    done: Option<crate::petitions::retention::PurgeView>,
}

impl RetentionShown {
    fn refused(years: String, error: String) -> Self {
        RetentionShown {
            years: Some(years),
            error: Some(error),
            ..RetentionShown::default()
        }
    }
}

async fn retention_page(state: &AppState, ctx: &Ctx, s: RetentionShown) -> PageResult {
    let r = crate::petitions::retention::view(state)
        .await
        .or_page(ctx)?;
    let types = petitions::list_types(&state.db, false)
        .await
        .or_page(ctx)?
        .into_iter()
        .map(|t| (t.id, t.name))
        .collect();
    let status = if s.error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let page = RetentionPage {
        c: ctx.chrome(),
        years: s.years.unwrap_or_else(|| r.years_text()),
        r,
        types,
        notice: s.notice,
        error: s.error,
        done: s.done,
    };
    Ok(ctx.render_status(status, &page))
}

async fn retention_show(State(state): State<AppState>, ctx: Ctx) -> PageResult {
    settling(&state, &ctx, Action::Read).await?;
    retention_page(&state, &ctx, RetentionShown::default()).await
}

#[derive(Deserialize)]
struct YearsForm {
    #[serde(default)]
    years: String,
}

async fn retention_years(
    State(state): State<AppState>,
    ctx: Ctx,
    crate::kit::extract::Form(f): crate::kit::extract::Form<YearsForm>,
) -> PageResult {
    let caller = settling(&state, &ctx, Action::Update).await?;
    let lang = ctx.lang;
    let Ok(years) = f.years.trim().parse::<u32>() else {
        let m = lang.t(
            "보존기간은 1년에서 100년 사이의 숫자입니다",
            "retention is a number of years from 1 to 100",
        );
        return retention_page(&state, &ctx, RetentionShown::refused(f.years, m.into())).await;
    };
    if let Err(e) =
        store::petitions::retention::set_office_years(&state.db, years, store::now()).await
    {
        let m = lang.of(&ApiError::from(e)).to_string();
        return retention_page(&state, &ctx, RetentionShown::refused(f.years, m)).await;
    }
    state
        .log_access(caller, "settings", "settings.retention", &years.to_string())
        .await
        .or_page(&ctx)?;
    let notice = match lang {
        Lang::Ko => format!("보존기간을 {years}년으로 정했습니다."),
        Lang::En => format!("Retention set to {years} years."),
    };
    let s = RetentionShown {
        notice: Some(notice),
        ..RetentionShown::default()
    };
    retention_page(&state, &ctx, s).await
}

async fn retention_purge(
    State(state): State<AppState>,
    ctx: Ctx,
    PageForm(f): PageForm<crate::petitions::retention::PurgeRequest>,
) -> PageResult {
    let dry_run = f.dry_run;
    let action = if dry_run {
        Action::Read
    } else {
        Action::Delete
    };
    let caller = settling(&state, &ctx, action).await?;
    let done = crate::petitions::retention::run_purge(&state, caller, dry_run, &ctx.address)
        .await
        .or_page(&ctx)?;
    let s = RetentionShown {
        notice: Some(ctx.lang.of(&done.message_parts).to_string()),
        done: Some(done),
        ..RetentionShown::default()
    };
    retention_page(&state, &ctx, s).await
}
