//! Pages for residents: choose a petition type, file (with the type's extra fields,
//! attachments and consent), the receipt, tracking by number and phone digits, and the
//! petitioner's own steps (supplement, more time, rating). No account is needed; a signed-in
//! resident also sees all their petitions under `/my`.
//!
//! Every rule lives in the store and domain: these handlers call `store::petitions::file`,
//! `act`, `find_for_petitioner` and the calendar's deadline and explanation, exactly as the
//! JSON API does.

use crate::AppState;
use crate::kit::error::ApiError;
use crate::kit::extract::{Multipart, Path, Query};
use crate::kit::page::{Chrome, Ctx, Lang, OrPage, PageResult, when};
use crate::petitions::views::{event_words, explain_lines, form_error, period_words, state_name};
use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use chrono::{DateTime, Utc};
use domain::office::audit::AuditRecord;
use domain::petitions::fields::{Datatype, FieldDef};
use domain::petitions::{Channel, Event, State as PState};
use serde::Deserialize;
use std::collections::HashMap;
use store::kit::blobs::StoredBlob;
use store::petitions::{self, Petition, PetitionType};
use tokio::io::AsyncWriteExt;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/petitions/new", get(choose_type))
        .route(
            "/petitions/new/{type_id}",
            get(file_form)
                .post(file_submit)
                // Attachments stream to the blob store, which enforces the per-file limit.
                .layer(axum::extract::DefaultBodyLimit::disable()),
        )
        .route("/track", get(track_form).post(track_submit))
        .route("/track/step", axum::routing::post(track_step))
        .route(
            "/track/supplement",
            axum::routing::post(track_supplement)
                // Attachments stream to the blob store, as when filing.
                .layer(axum::extract::DefaultBodyLimit::disable()),
        )
        .route("/my", get(my_list))
        .route("/my/{id}", get(my_one))
}

/// At most this many files per petition from the web form.
pub(crate) const MAX_FILES: usize = 5;
/// Largest text field accepted in the filing form.
const MAX_TEXT_BYTES: usize = 100 * 1024;

// ---------------------------------------------------------------------------------------------
// Choosing a type
// ---------------------------------------------------------------------------------------------

pub struct TypeCard {
    pub id: i64,
    pub name: String,
    pub kind: &'static str,
    pub period: String,
    pub description: String,
}

#[derive(Template)]
#[template(path = "petitions/petition_types.html")]
struct TypesPage {
    c: Chrome,
    q: String,
    types: Vec<TypeCard>,
}

#[derive(Deserialize)]
struct TypeQuery {
    #[serde(default)]
    q: String,
}

/// A type's name in the reader's language (the Korean one when the office gave no English name).
pub(crate) fn type_name(lang: Lang, t: &PetitionType) -> String {
    t.name_in(lang == Lang::En).to_string()
}

/// A kind of petition in the reader's language.
pub(crate) fn kind_name(lang: Lang, k: domain::petitions::Kind) -> &'static str {
    match lang {
        Lang::Ko => k.korean(),
        Lang::En => k.english(),
    }
}

impl TypeCard {
    fn of(lang: Lang, t: &PetitionType) -> Self {
        TypeCard {
            id: t.id,
            name: type_name(lang, t),
            kind: kind_name(lang, t.kind),
            period: period_words(lang, t.period),
            description: t.description.clone(),
        }
    }
}

/// Whether every word of the query appears in the type's names, kind, description or documents.
fn matches_words(t: &PetitionType, q: &str) -> bool {
    let hay = format!(
        "{} {} {} {} {}",
        t.name,
        t.name_en,
        t.kind.korean(),
        t.description,
        t.required_documents.join(" ")
    )
    .to_lowercase();
    q.split_whitespace()
        .all(|w| hay.contains(&w.to_lowercase()))
}

async fn choose_type(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<TypeQuery>,
) -> PageResult {
    let cards = petitions::list_types(&state.db, true)
        .await
        .or_page(&ctx)?
        .into_iter()
        .filter(|t| t.active && matches_words(t, &q.q))
        .map(|t| TypeCard::of(ctx.lang, &t))
        .collect();
    Ok(ctx.render(&TypesPage {
        c: ctx.chrome(),
        q: q.q,
        types: cards,
    }))
}

// ---------------------------------------------------------------------------------------------
// The filing form
// ---------------------------------------------------------------------------------------------

/// One extra field of the type as the form shows it.
pub struct FieldView {
    pub name: String,
    pub label: String,
    pub input: &'static str,
    pub required: bool,
    /// Each choice: the value sent (the office's Korean word), the words shown, chosen or not.
    pub choices: Vec<(String, String, bool)>,
    pub value: String,
    pub checked: bool,
    /// The range of a number field, for the browser's input and the hint.
    pub min: Option<i64>,
    pub max: Option<i64>,
}

/// Errors beside their fields, in the order they were found (the form's order), each field
/// once: the summary at the top links to them.
#[derive(Default)]
pub struct FieldErrors(Vec<(String, String)>);

impl FieldErrors {
    pub fn of(&self, field: &str) -> Option<&String> {
        self.0.iter().find(|(f, _)| f == field).map(|(_, m)| m)
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    /// The fields with errors for the summary at the top: (field id, message).
    pub fn summary(&self) -> &[(String, String)] {
        &self.0
    }
    pub(crate) fn add(&mut self, field: &str, lang: Lang, ko: &str, en: &str) {
        if self.of(field).is_none() {
            self.0.push((field.to_string(), lang.t(ko, en).to_string()));
        }
    }
    pub(crate) fn add_rule(&mut self, field: &str, lang: Lang, rule: &domain::RuleError) {
        self.add(field, lang, &rule.ko, &rule.en);
    }
}

/// A file received with an earlier, refused attempt of the form, kept so it need not be chosen
/// again (a browser cannot refill a file input).
pub struct KeptFile {
    pub index: usize,
    pub filename: String,
    /// "12.3 KB"
    pub size: String,
    /// The blob's description sealed with the office key (AES-GCM): only this server made it,
    /// so a form cannot point at somebody else's file.
    pub token: String,
}

/// Seal a stored file's description so the form can carry it back.
fn seal(state: &AppState, blob: &StoredBlob, filename: &str) -> Option<String> {
    let plain =
        serde_json::json!([blob.sha256, blob.size, blob.content_type, filename]).to_string();
    state.petitions.key.encrypt(&plain).ok()
}

/// Open a sealed file token; `None` when it was not made by this server.
fn unseal(state: &AppState, token: &str) -> Option<(StoredBlob, String)> {
    let plain = state.petitions.key.decrypt(token).ok()?;
    let (sha256, size, content_type, filename): (String, u64, String, String) =
        serde_json::from_str(&plain).ok()?;
    Some((
        StoredBlob {
            sha256,
            size,
            content_type,
        },
        filename,
    ))
}

fn size_words(bytes: u64) -> String {
    match bytes {
        0..1024 => format!("{bytes} B"),
        1024..1_048_576 => format!("{:.1} KB", bytes as f64 / 1024.0),
        _ => format!("{:.1} MB", bytes as f64 / 1_048_576.0),
    }
}

/// The files of a submission: those kept from earlier attempts (`kept_N`, unless `drop_N` was
/// ticked) and then the ones sent now, each content once (the same file chosen twice is
/// attached once). Also returns how many copies were left out.
pub(crate) fn gather_files(
    state: &AppState,
    texts: &HashMap<String, String>,
    sent: Vec<(StoredBlob, String)>,
) -> (Vec<(StoredBlob, String)>, usize) {
    let mut kept: Vec<(usize, &String)> = texts
        .iter()
        .filter_map(|(k, token)| Some((k.strip_prefix("kept_")?.parse().ok()?, token)))
        .filter(|(i, _)| !texts.contains_key(&format!("drop_{i}")))
        .collect();
    kept.sort_unstable();
    let candidates = kept
        .into_iter()
        .filter_map(|(_, token)| unseal(state, token))
        .chain(sent);
    let mut all: Vec<(StoredBlob, String)> = Vec::new();
    let mut copies = 0;
    for (blob, name) in candidates {
        if all.iter().any(|(b, _)| b.sha256 == blob.sha256) {
            copies += 1;
        } else {
            all.push((blob, name));
        }
    }
    (all, copies)
}

/// The files to carry back on a refused form.
pub(crate) fn kept_files(state: &AppState, files: &[(StoredBlob, String)]) -> Vec<KeptFile> {
    files
        .iter()
        .enumerate()
        .filter_map(|(index, (b, name))| {
            seal(state, b, name).map(|token| KeptFile {
                index,
                filename: name.clone(),
                size: size_words(b.size),
                token,
            })
        })
        .collect()
}

/// What the resident typed, to refill the form after a mistake.
#[derive(Default)]
pub struct FileValues {
    pub title: String,
    pub body: String,
    pub location: String,
    pub name: String,
    pub phone: String,
    pub email: String,
    pub address: String,
    pub consent: bool,
    pub idem: String,
    /// An anonymous report (익명 신고): no name or contact, no statutory clock (Act art. 2).
    pub anonymous: bool,
    pub(crate) extra: HashMap<String, String>,
}

impl FileValues {
    /// The petition these values describe, of type `t` and come in by `channel`, with no account
    /// and no intake record (callers that have them add them).
    pub(crate) fn new_petition(
        &self,
        t: &PetitionType,
        channel: Channel,
        rrn: String,
    ) -> petitions::NewPetition {
        petitions::NewPetition {
            intake: Default::default(),
            type_id: t.id,
            channel,
            anonymous: self.anonymous,
            petitioner_account_id: None,
            petitioner: petitions::Petitioner {
                name: self.name.clone(),
                phone: self.phone.clone(),
                email: self.email.clone(),
                address: self.address.clone(),
                resident_number: Some(rrn).filter(|r| !r.trim().is_empty()),
            },
            title: self.title.clone(),
            body: self.body.clone(),
            location: self.location.clone(),
            extra: extra_json(&t.fields, self),
            idempotency_key: Some(self.idem.clone()).filter(|k| !k.is_empty()),
            department_id: None,
        }
    }
}

#[derive(Template)]
#[template(path = "petitions/petition_file.html")]
struct FilePage {
    c: Chrome,
    t: TypeCard,
    documents: Vec<String>,
    requires_rrn: bool,
    fields: Vec<FieldView>,
    v: FileValues,
    errors: FieldErrors,
    /// Files received with an earlier attempt, kept.
    kept: Vec<KeptFile>,
    /// Copies of the same file left out.
    copies: usize,
    max_mb: u64,
    /// Statutory petitions need a named applicant; the other kinds may be reported anonymously.
    may_anonymous: bool,
}

pub(crate) fn field_views(lang: Lang, defs: &[FieldDef], v: &FileValues) -> Vec<FieldView> {
    defs.iter()
        .map(|d| {
            let value = v.extra.get(&d.key).cloned().unwrap_or_default();
            FieldView {
                name: format!("x_{}", d.key),
                label: match lang {
                    Lang::Ko => d.label.clone(),
                    Lang::En => d.label_english().to_string(),
                },
                input: match d.datatype {
                    Datatype::Text => "text",
                    Datatype::Number => "number",
                    Datatype::Date => "date",
                    Datatype::Bool => "checkbox",
                    Datatype::Choice => "select",
                },
                required: d.required,
                choices: d
                    .choices
                    .iter()
                    .enumerate()
                    .map(|(i, c)| {
                        let shown = match lang {
                            Lang::Ko => c.clone(),
                            Lang::En => d.choice_english(i).to_string(),
                        };
                        (c.clone(), shown, *c == value)
                    })
                    .collect(),
                checked: value == "true",
                value,
                min: (d.datatype == Datatype::Number).then(|| d.lowest()),
                max: d.max.filter(|_| d.datatype == Datatype::Number),
            }
        })
        .collect()
}

async fn open_type(state: &AppState, type_id: i64) -> Result<PetitionType, ApiError> {
    let t = petitions::get_type(&state.db, type_id).await?;
    if !t.active || !t.public {
        return Err(ApiError::not_found());
    }
    Ok(t)
}

/// What a refused form carries back besides the values.
#[derive(Default)]
struct Refused {
    errors: FieldErrors,
    kept: Vec<KeptFile>,
    copies: usize,
}

fn file_page(ctx: &Ctx, state: &AppState, t: &PetitionType, v: FileValues, r: Refused) -> FilePage {
    FilePage {
        c: ctx.chrome(),
        fields: field_views(ctx.lang, &t.fields, &v),
        documents: t.required_documents.clone(),
        requires_rrn: t.requires_rrn,
        t: TypeCard::of(ctx.lang, t),
        may_anonymous: t.kind != domain::petitions::Kind::Statutory,
        v,
        errors: r.errors,
        kept: r.kept,
        copies: r.copies,
        max_mb: state.petitions.limits.max_bytes / (1024 * 1024),
    }
}

#[derive(Deserialize)]
struct FileFormQuery {
    #[serde(default)]
    anonymous: bool,
}

async fn file_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(type_id): Path<i64>,
    Query(q): Query<FileFormQuery>,
) -> PageResult {
    let t = open_type(&state, type_id).await.or_page(&ctx)?;
    let mut v = FileValues {
        // A fresh key per form: a resubmitted form files nothing twice.
        idem: store::kit::secrets::new_token().unwrap_or_default(),
        anonymous: q.anonymous && t.kind != domain::petitions::Kind::Statutory,
        ..FileValues::default()
    };
    if let Some(c) = ctx.caller.as_ref().filter(|c| c.account.role.is_resident()) {
        v.name = c.account.display_name.clone();
        v.phone = c.account.phone.clone();
        v.email = c.account.email.clone();
    }
    Ok(ctx.render(&file_page(&ctx, &state, &t, v, Refused::default())))
}

/// Read a text part with a size cap.
async fn read_text(field: &mut axum::extract::multipart::Field<'_>) -> Result<String, ApiError> {
    let mut buf = Vec::new();
    while let Some(chunk) = field.chunk().await.map_err(unreadable_form)? {
        buf.extend_from_slice(&chunk);
        if buf.len() > MAX_TEXT_BYTES {
            return Err(ApiError::bad_request(
                "too_long",
                "입력이 너무 깁니다",
                "the text is too long",
            ));
        }
    }
    String::from_utf8(buf).map_err(|_| {
        ApiError::bad_request(
            "not_utf8",
            "글자 인코딩이 맞지 않습니다",
            "the text is not UTF-8",
        )
    })
}

fn unreadable_form(e: axum::extract::multipart::MultipartError) -> ApiError {
    ApiError::bad_request(
        "bad_form",
        "양식을 읽을 수 없습니다",
        format!("the form could not be read: {e}"),
    )
}

/// Stream one uploaded file into the blob store without holding it in memory.
async fn store_file(
    state: &AppState,
    field: &mut axum::extract::multipart::Field<'_>,
) -> Result<StoredBlob, ApiError> {
    store_file_within(state, field, &state.petitions.limits).await
}

/// [`store_file`] under other limits (evidence takes recordings and video).
pub(crate) async fn store_file_within(
    state: &AppState,
    field: &mut axum::extract::multipart::Field<'_>,
    limits: &store::kit::blobs::BlobLimits,
) -> Result<StoredBlob, ApiError> {
    let (writer, reader) = tokio::io::duplex(64 * 1024);
    let put = state.petitions.blobs.put(Box::pin(reader), limits);
    let feed = async {
        let mut writer = writer;
        while let Some(chunk) = field.chunk().await.map_err(|e| e.to_string())? {
            // A refused file (too large, wrong type) closes the reader: stop feeding.
            if writer.write_all(&chunk).await.is_err() {
                break;
            }
        }
        writer.shutdown().await.ok();
        Ok::<(), String>(())
    };
    let (fed, stored) = tokio::join!(feed, put);
    let blob = stored.map_err(ApiError::from)?;
    fed.map_err(|m| ApiError::bad_request("upload_failed", "파일을 받지 못했습니다", m))?;
    Ok(blob)
}

/// Every part of a multipart form: text parts by name (capped), files streamed to the blob
/// store (at most [`MAX_FILES`], under the attachment limits). On a refusal the text read so
/// far comes back with the message, so the form can be refilled. `may_send_files` sees the text
/// parts before the first file (forms put them first); when it says no, reading stops there and
/// no file reaches the store.
pub(crate) async fn read_parts(
    state: &AppState,
    mut mp: Multipart,
    may_send_files: impl AsyncFnOnce(&HashMap<String, String>) -> bool,
) -> Result<(HashMap<String, String>, Vec<(StoredBlob, String)>), (HashMap<String, String>, ApiError)>
{
    let mut texts = HashMap::new();
    let mut files = Vec::new();
    let mut gate = Some(may_send_files);
    loop {
        let mut field = match mp.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) => return Err((texts, unreadable_form(e))),
        };
        let name = field.name().unwrap_or_default().to_string();
        if name == "files" {
            let filename = field.file_name().unwrap_or_default().to_string();
            if filename.is_empty() {
                continue; // the empty file input a browser always sends
            }
            if let Some(gate) = gate.take()
                && !gate(&texts).await
            {
                break;
            }
            if files.len() >= MAX_FILES {
                return Err((
                    texts,
                    ApiError::bad_request(
                        "too_many_files",
                        "파일은 5개까지 첨부할 수 있습니다",
                        "up to 5 files",
                    ),
                ));
            }
            match store_file(state, &mut field).await {
                Ok(b) => files.push((b, filename)),
                // Which file was refused; an internal failure stays as it is (a 500).
                Err(mut e) => {
                    if !e.status.is_server_error() {
                        e.ko = format!("{filename}: {}", e.ko);
                        e.en = format!("{filename}: {}", e.en);
                    }
                    return Err((texts, e));
                }
            }
            continue;
        }
        match read_text(&mut field).await {
            Ok(t) => {
                texts.insert(name, t);
            }
            Err(m) => return Err((texts, m)),
        }
    }
    Ok((texts, files))
}

pub(crate) fn file_values(mut texts: HashMap<String, String>) -> (FileValues, String, String) {
    let mut take = |k: &str| texts.remove(k).unwrap_or_default();
    let mut v = FileValues {
        title: take("title"),
        body: take("body"),
        location: take("location"),
        name: take("name"),
        phone: take("phone"),
        email: take("email"),
        address: take("address"),
        consent: !take("consent").is_empty(),
        anonymous: !take("anonymous").is_empty(),
        idem: take("idem"),
        ..FileValues::default()
    };
    let rrn = take("resident_number");
    let password = take("tracking_password");
    for (k, text) in texts {
        if let Some(key) = k.strip_prefix("x_") {
            v.extra.insert(key.to_string(), text);
        }
    }
    (v, rrn, password)
}

/// The form's extra values as the domain's field validation expects them.
pub(crate) fn extra_json(
    defs: &[FieldDef],
    v: &FileValues,
) -> serde_json::Map<String, serde_json::Value> {
    let mut m = serde_json::Map::new();
    for d in defs {
        match (d.datatype, v.extra.get(&d.key)) {
            (Datatype::Bool, Some(s)) => {
                m.insert(d.key.clone(), serde_json::Value::Bool(s == "true"));
            }
            (Datatype::Bool, None) => {}
            (_, Some(s)) if !s.trim().is_empty() => {
                m.insert(d.key.clone(), serde_json::Value::String(s.clone()));
            }
            _ => {}
        }
    }
    m
}

/// The resident form's checks, every one at once and each beside its field, in the form's
/// order. The rules are the domain's (extra fields, phone and e-mail formats) and the store's
/// (the tracking password's length), so the page and the API agree.
fn resident_errors(
    lang: Lang,
    t: &PetitionType,
    v: &FileValues,
    rrn: &str,
    password: &str,
) -> FieldErrors {
    use domain::petitions::contact;
    let mut e = FieldErrors::default();
    if v.title.trim().is_empty() {
        e.add("title", lang, "제목을 입력해 주세요", "please give a title");
    }
    if v.body.trim().is_empty() {
        e.add(
            "body",
            lang,
            "내용을 입력해 주세요",
            "please describe your petition",
        );
    }
    extra_field_errors(lang, t, v, &mut e);
    let password_chars = password.chars().count();
    if v.anonymous {
        if !petitions::TRACKING_PASSWORD_CHARS.contains(&password_chars) {
            e.add(
                "tracking_password",
                lang,
                "익명 신고는 조회 비밀번호(8자~64자)가 있어야 처리 상황을 볼 수 있습니다",
                "an anonymous report needs a tracking password (8 to 64 characters) to be followed",
            );
        }
        return e;
    }
    if v.name.trim().is_empty() {
        e.add(
            "name",
            lang,
            "이름을 입력해 주세요",
            "please give your name",
        );
    }
    if v.phone.trim().is_empty() {
        e.add(
            "phone",
            lang,
            "휴대전화 번호를 입력해 주세요. 처리 결과를 알려 드립니다",
            "please give your mobile number: we tell you the result",
        );
    } else if let Err(rule) = contact::check_phone(&v.phone) {
        e.add_rule("phone", lang, &rule);
    }
    if !v.email.trim().is_empty()
        && let Err(rule) = contact::check_email(&v.email)
    {
        e.add_rule("email", lang, &rule);
    }
    if password_chars > 0 && !petitions::TRACKING_PASSWORD_CHARS.contains(&password_chars) {
        e.add(
            "tracking_password",
            lang,
            "조회 비밀번호는 8자에서 64자까지입니다. 쓰지 않으려면 비워 두세요",
            "the tracking password has 8 to 64 characters; leave it empty if you do not want one",
        );
    }
    if t.requires_rrn && rrn.trim().is_empty() {
        e.add(
            "resident_number",
            lang,
            "이 민원은 법령에 따라 주민등록번호가 필요합니다",
            "this petition type requires a resident registration number by law",
        );
    }
    if !v.consent {
        e.add(
            "consent",
            lang,
            "개인정보 수집·이용에 동의해야 온라인으로 신청할 수 있습니다",
            "please agree to the use of your personal data to file online",
        );
    }
    e
}

/// Each extra field through the one validation of extra fields, so its error sits beside it.
pub(crate) fn extra_field_errors(
    lang: Lang,
    t: &PetitionType,
    v: &FileValues,
    e: &mut FieldErrors,
) {
    let values = extra_json(&t.fields, v);
    for d in &t.fields {
        let mut one = serde_json::Map::new();
        if let Some(x) = values.get(&d.key) {
            one.insert(d.key.clone(), x.clone());
        }
        if let Err(rule) = domain::petitions::fields::validate_values(std::slice::from_ref(d), &one)
        {
            e.add_rule(&format!("x_{}", d.key), lang, &rule);
        }
    }
}

/// Where a refusal of the store (the same checks as the API) belongs on the resident's form.
fn resident_field_of(code: &str) -> &'static str {
    match code {
        "rrn_not_allowed" | "bad_resident_number" => "resident_number",
        "bad_phone" => "phone",
        "bad_email" => "email",
        "too_long" => "body",
        "bad_tracking_password" => "tracking_password",
        _ => "form",
    }
}

async fn file_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(type_id): Path<i64>,
    mp: Multipart,
) -> PageResult {
    let t = open_type(&state, type_id).await.or_page(&ctx)?;
    let lang = ctx.lang;
    let (texts, sent, read_error) = match read_parts(&state, mp, async |_| true).await {
        Ok((texts, files)) => (texts, files, None),
        Err((_, e)) if e.status.is_server_error() => return Err(ctx.fail(&e)),
        Err((texts, e)) => (texts, Vec::new(), Some(e)),
    };
    let (files, copies) = gather_files(&state, &texts, sent);
    let (mut v, rrn, password) = file_values(texts);
    if v.anonymous {
        // Nothing about the person is kept, whatever the form carried.
        (v.name, v.phone, v.email, v.address) = Default::default();
    }
    let mut errors = resident_errors(lang, &t, &v, &rrn, &password);
    if let Some(e) = read_error {
        errors.add("files", lang, &e.ko, &e.en);
    }
    if files.len() > MAX_FILES {
        errors.add(
            "files",
            lang,
            "파일은 5개까지 첨부할 수 있습니다. 빼실 파일의 ✕를 고르세요",
            "up to 5 files: tick ✕ beside the ones to leave out",
        );
    }
    let refill = |v: FileValues, errors: FieldErrors, files: &[(StoredBlob, String)]| {
        let r = Refused {
            errors,
            kept: kept_files(&state, files),
            copies,
        };
        Ok(ctx.render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &file_page(&ctx, &state, &t, v, r),
        ))
    };
    if !errors.is_empty() {
        return refill(v, errors, &files);
    }
    let rrn = if v.anonymous { String::new() } else { rrn };
    match file_petition(&state, &ctx, &t, &v, rrn, &password, files.clone()).await {
        Ok((p, code)) => receipt(&state, &ctx, p, code).await,
        Err(e) if e.status.is_server_error() => Err(ctx.fail(&e)),
        Err(e) => {
            let mut errors = FieldErrors::default();
            errors.add(resident_field_of(e.code), lang, &e.ko, &e.en);
            refill(v, errors, &files)
        }
    }
}

/// File through the store (the same call as the API), attachments and access-log entry in the
/// same transaction: either everything is recorded or nothing is.
async fn file_petition(
    state: &AppState,
    ctx: &Ctx,
    t: &PetitionType,
    v: &FileValues,
    rrn: String,
    password: &str,
    files: Vec<(StoredBlob, String)>,
) -> Result<(Petition, Option<String>), ApiError> {
    let caller = ctx.caller.as_ref();
    let resident = caller.filter(|c| c.account.role.is_resident());
    if let Some(c) = resident {
        crate::petitions::api::may_file_own(state, c).await?;
    }
    let new = petitions::NewPetition {
        petitioner_account_id: resident.filter(|_| !v.anonymous).map(|c| c.account.id),
        ..v.new_petition(t, Channel::Web, rrn)
    };
    // CPU work (screening, password hashing) before the shared transaction, off the async threads.
    let (title, body, password) = (new.title.clone(), new.body.clone(), password.to_string());
    let (screening, password) = tokio::task::spawn_blocking(move || {
        let password = (!password.is_empty())
            .then(|| petitions::TrackingPassword::new(&password))
            .transpose();
        (petitions::screen(&title, &body), password)
    })
    .await
    .map_err(|_| ApiError::internal())?;
    file_checked(state, ctx, new, screening, files, password?).await
}

/// Write a petition through the shared intake transaction — the petition, its files, an
/// optional tracking password and the access-log entry, all or nothing — for the resident's
/// form and the official's counter intake alike. Returns the petition and its tracking code
/// (absent when the submission was a replay of an earlier one).
pub(crate) async fn file_checked(
    state: &AppState,
    ctx: &Ctx,
    new: petitions::NewPetition,
    screening: petitions::ScreeningRecord,
    files: Vec<(StoredBlob, String)>,
    password: Option<petitions::TrackingPassword>,
) -> Result<(Petition, Option<String>), ApiError> {
    let now = store::now();
    let (cal, _) = petitions::work_calendar(&state.db).await?;
    let actor = ctx.caller.as_ref().map(|c| c.account.id);
    let checked = petitions::check(&state.db, new, &state.petitions.key, screening).await?;
    let reason = checked.petition().channel.as_str().to_string();
    let address = ctx.address.clone();
    let filed = state
        .petitions
        .intake(&state.db)
        .run(move |tx| {
            Box::pin(async move {
                let filed = petitions::file(tx, &checked, actor, &cal, now).await?;
                if filed.replayed {
                    return Ok(filed);
                }
                let id = filed.petition.id;
                for (blob, filename) in &files {
                    petitions::add_attachment(tx, id, blob, filename, actor, &cal, now).await?;
                }
                if let Some(password) = &password {
                    petitions::set_tracking_password(tx, id, password, now).await?;
                }
                let record = AuditRecord {
                    at: now,
                    account_id: actor,
                    address,
                    subject: crate::petitions::api::subject(&filed.petition),
                    action: "petition.create".into(),
                    reason,
                };
                store::office::audit::append(tx, &record).await?;
                Ok(filed)
            })
        })
        .await?;
    if filed.replayed {
        return Ok((filed.petition, None));
    }
    let id = filed.petition.id;
    Ok((petitions::get(&state.db, id).await?, filed.tracking_code))
}

// ---------------------------------------------------------------------------------------------
// Receipt and tracking
// ---------------------------------------------------------------------------------------------

/// The expected completion: the due moment from the one deadline function once received;
/// before receipt, the latest it can be (received at the end of the 8-hour receipt limit).
fn expected(
    lang: Lang,
    cal: &calendar::WorkCalendar,
    p: &Petition,
    now: DateTime<Utc>,
) -> Option<(String, Vec<String>, bool)> {
    let (input, estimate) = p.derived.expected_input(now)?;
    let due = calendar::deadline(cal, &input, now).ok()?;
    let lines = calendar::explain(cal, &input, now)
        .map(|e| explain_lines(lang, &e))
        .unwrap_or_default();
    Some((when(due), lines, estimate))
}

pub struct Answer {
    pub at: String,
    pub text: String,
    pub additional: bool,
}

pub struct Supplement {
    pub items: String,
    pub answer_by: String,
    pub may_ask_more_time: bool,
}

/// Everything the petitioner sees about their petition.
pub struct Tracked {
    /// What the petitioner types to find it: the receipt number, or the petition number before receipt.
    pub number: String,
    pub receipt_no: Option<String>,
    pub petition_no: i64,
    pub type_name: String,
    pub title: String,
    pub body: String,
    pub state: String,
    pub state_code: &'static str,
    pub arrived_at: String,
    pub received_at: Option<String>,
    pub due: Option<String>,
    pub due_lines: Vec<String>,
    pub due_estimate: bool,
    pub department: String,
    /// `담당: …` from the one handler rule: department and public phone when names are hidden.
    pub contact: String,
    pub timeline: Vec<(String, String)>,
    pub supplement: Option<Supplement>,
    pub answers: Vec<Answer>,
    pub can_rate: bool,
    pub satisfaction: Option<u8>,
    pub dissatisfied: bool,
    pub attachments: Vec<String>,
    /// The office's result documents (a permit, a certificate): (content hash, name, size in KB),
    /// downloaded through the verified form (`petitions::result_documents`).
    pub results: Vec<(String, String, i64)>,
    /// Tracked with the password only, and without a statutory clock.
    pub anonymous: bool,
    /// The deadline badge of the office's pages (`views::due_badge`), once received: time left
    /// or overdue, or when it was finished and whether on time.
    pub badge: Option<crate::petitions::views::DueBadge>,
}

pub(crate) async fn tracked(
    state: &AppState,
    lang: Lang,
    p: &Petition,
) -> Result<Tracked, ApiError> {
    let now = store::now();
    let (cal, _) = petitions::work_calendar(&state.db).await?;
    let t = petitions::get_type(&state.db, p.type_id).await?;
    let department = match p.department_id {
        Some(d) => {
            let d = store::office::departments::get(&state.db, d).await?;
            match lang {
                Lang::Ko => d.name,
                Lang::En if !d.name_en.is_empty() => d.name_en,
                Lang::En => d.name,
            }
        }
        None => String::new(),
    };
    // Officials' words reach the petitioner through the name-hiding rule.
    let handler = petitions::handler(&state.db, p).await?;
    let events = petitions::timeline(&state.db, p.id).await?;
    let timeline = events
        .iter()
        .filter_map(|e| event_words(lang, &e.event).map(|w| (when(e.at), handler.scrub(&w))))
        .collect();
    let (due, due_lines, due_estimate) = match expected(lang, &cal, p, now) {
        Some((d, l, e)) => (Some(d), l, e),
        None => (None, vec![], false),
    };
    let d = &p.derived;
    let answered = matches!(p.state, PState::Answered | PState::Closed) && !d.answers.is_empty();
    let (results, attachments): (Vec<_>, Vec<_>) = petitions::attachments(&state.db, p.id)
        .await?
        .into_iter()
        .partition(|a| a.result);
    let attachments = attachments.into_iter().map(|a| a.filename).collect();
    let results = results
        .into_iter()
        .map(|a| (a.sha256, a.filename, (a.size + 1023) / 1024))
        .collect();
    Ok(Tracked {
        number: p.receipt_no.clone().unwrap_or_else(|| p.id.to_string()),
        receipt_no: p.receipt_no.clone(),
        petition_no: p.id,
        type_name: type_name(lang, &t),
        title: p.title.clone(),
        body: p.body.clone(),
        state: state_name(lang, p.state).to_string(),
        state_code: p.state.as_str(),
        arrived_at: when(p.arrived_at),
        received_at: p.received_at.map(when),
        due,
        due_lines,
        due_estimate,
        department,
        // The page labels the line itself (담당 / Handled by); in English the words around the
        // stored department name are English too.
        contact: match lang {
            Lang::Ko => handler.line(),
            Lang::En => handler.line_en(),
        }
        .split_once(": ")
        .map(|(_, rest)| rest.to_string())
        .unwrap_or_default(),
        timeline,
        supplement: d
            .supplement
            .as_ref()
            .filter(|_| p.state == PState::Supplement)
            .map(|s| Supplement {
                items: handler.scrub(&s.items),
                answer_by: when(s.answer_by),
                may_ask_more_time: s.more_time < 2,
            }),
        answers: d
            .answers
            .iter()
            .map(|a| Answer {
                at: when(a.at),
                text: handler.scrub(&a.text),
                additional: a.additional,
            })
            .collect(),
        can_rate: answered && d.satisfaction.is_none(),
        satisfaction: d.satisfaction,
        dissatisfied: d
            .satisfaction
            .is_some_and(|s| s <= domain::petitions::DISSATISFIED_AT_MOST),
        attachments,
        results,
        anonymous: p.anonymous,
        badge: if p.state == PState::Arrived {
            None
        } else {
            Some(crate::petitions::views::due_badge(lang, &cal, p, now)?)
        },
    })
}

#[derive(Template)]
#[template(path = "petitions/petition_receipt.html")]
struct ReceiptPage {
    c: Chrome,
    p: Tracked,
    /// The random tracking code, shown this once (absent on a replayed submission).
    code: Option<String>,
}

async fn receipt(state: &AppState, ctx: &Ctx, p: Petition, code: Option<String>) -> PageResult {
    let t = tracked(state, ctx.lang, &p).await.or_page(ctx)?;
    Ok(ctx.render_status(
        StatusCode::CREATED,
        &ReceiptPage {
            c: ctx.chrome(),
            p: t,
            code,
        },
    ))
}

#[derive(Template)]
#[template(path = "petitions/track_form.html")]
struct TrackFormPage {
    c: Chrome,
    number: String,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "petitions/track.html")]
struct TrackPage {
    c: Chrome,
    p: Tracked,
    /// Sent back with each step so the petitioner stays verified without an account.
    pin: String,
    notice: Option<String>,
    error: Option<String>,
}

#[derive(Deserialize)]
struct TrackQuery {
    /// Filled in from the receipt's link; the code is never in a link.
    #[serde(default)]
    number: String,
}

async fn track_form(ctx: Ctx, Query(q): Query<TrackQuery>) -> Response {
    // Only what a receipt or petition number is made of: digits and the hyphen.
    let number: String = q
        .number
        .chars()
        .filter(|c| c.is_ascii_digit() || *c == '-')
        .take(20)
        .collect();
    ctx.render(&TrackFormPage {
        c: ctx.chrome(),
        number,
        error: None,
    })
}

#[derive(Deserialize)]
struct TrackForm {
    #[serde(default)]
    number: String,
    #[serde(default)]
    pin: String,
}

/// The petition a petitioner may see: by number and tracking code (or, old links, phone digits
/// or tracking password) through the one counted check, or (nothing given) their own when
/// signed in as the resident who filed it. Every other case is "not found" or locked.
pub(crate) async fn resolve(
    state: &AppState,
    ctx: &Ctx,
    number: &str,
    pin: &str,
) -> Result<Petition, ApiError> {
    if !pin.trim().is_empty() {
        return crate::petitions::tracking::lookup(state, number, pin, &ctx.address).await;
    }
    let caller = ctx.caller.as_ref().ok_or_else(ApiError::not_found)?;
    let p = match number.trim().parse::<i64>() {
        Ok(id) => petitions::get(&state.db, id).await?,
        Err(_) => petitions::get_by_receipt_no(&state.db, number.trim()).await?,
    };
    if p.petitioner_account_id != Some(caller.account.id) {
        return Err(ApiError::not_found());
    }
    Ok(p)
}

/// The access-log entry of a petitioner reading or changing their own petition.
async fn log(state: &AppState, ctx: &Ctx, p: &Petition, action: &str) -> Result<(), ApiError> {
    store::office::audit::record(
        &state.db,
        &AuditRecord {
            at: store::now(),
            account_id: ctx.caller.as_ref().map(|c| c.account.id),
            address: ctx.address.clone(),
            subject: crate::petitions::api::subject(p),
            action: action.into(),
            reason: "petitioner".into(),
        },
    )
    .await?;
    Ok(())
}

async fn show(
    state: &AppState,
    ctx: &Ctx,
    p: &Petition,
    pin: String,
    notice: Option<String>,
    error: Option<String>,
) -> PageResult {
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    log(state, ctx, p, "petition.track").await.or_page(ctx)?;
    let t = tracked(state, ctx.lang, p).await.or_page(ctx)?;
    Ok(ctx.render_status(
        status,
        &TrackPage {
            c: ctx.chrome(),
            p: t,
            pin,
            notice,
            error,
        },
    ))
}

/// Take one of the petitioner's steps and show the petition again: thanked, or with the refusal.
async fn step_and_show(
    state: &AppState,
    ctx: &Ctx,
    p: &Petition,
    pin: String,
    event: Event,
    files: Vec<(StoredBlob, String)>,
) -> PageResult {
    let l = ctx.lang;
    match petitioner_step(state, ctx, p, event, files).await {
        Ok(after) => {
            let notice = l
                .t("반영되었습니다. 고맙습니다.", "Done. Thank you.")
                .to_string();
            show(state, ctx, &after, pin, Some(notice), None).await
        }
        Err(e) => show(state, ctx, p, pin, None, Some(l.of(&e).to_string())).await,
    }
}

async fn track_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    crate::kit::extract::Form(f): crate::kit::extract::Form<TrackForm>,
) -> PageResult {
    let found = if f.number.trim().is_empty() || f.pin.trim().is_empty() {
        Err(crate::petitions::tracking::mismatch_error())
    } else {
        crate::petitions::tracking::lookup(&state, &f.number, &f.pin, &ctx.address).await
    };
    match found {
        Ok(p) => show(&state, &ctx, &p, f.pin, None, None).await,
        Err(e) if e.status == StatusCode::INTERNAL_SERVER_ERROR => Err(ctx.fail(&e)),
        // Wrong or locked: the form again with the number kept and the reason next to it
        // (429 when locked, with the time to try again; never which part was wrong).
        Err(e) => Ok(ctx.render_status(
            if e.status == StatusCode::TOO_MANY_REQUESTS {
                e.status
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            },
            &TrackFormPage {
                c: ctx.chrome(),
                number: f.number,
                error: Some(ctx.lang.of(&e).to_string()),
            },
        )),
    }
}

#[derive(Deserialize)]
struct StepForm {
    #[serde(default)]
    number: String,
    #[serde(default)]
    pin: String,
    step: String,
    #[serde(default)]
    answer_by: String,
    #[serde(default)]
    score: String,
    #[serde(default)]
    comment: String,
    #[serde(default)]
    more_wanted: Option<String>,
}

/// The petitioner's own steps: ask for more time to supplement, rate the answer
/// (a low rating with a request opens the way to an additional answer).
async fn track_step(
    State(state): State<AppState>,
    ctx: Ctx,
    crate::kit::extract::Form(f): crate::kit::extract::Form<StepForm>,
) -> PageResult {
    let p = resolve(&state, &ctx, &f.number, &f.pin)
        .await
        .or_page(&ctx)?;
    let l = ctx.lang;
    let closing = store::office::settings::office_hours(&state.db)
        .await
        .or_page(&ctx)?
        .end;
    let event = match f.step.as_str() {
        "more_time" => match crate::petitions::staff_pages::end_of_day(&f.answer_by, closing) {
            Some(answer_by) => Ok(Event::SupplementMoreTime { answer_by }),
            None => Err(form_error(
                l,
                "새 보완 기한 날짜를 골라 주세요",
                "please choose the new date",
            )),
        },
        "rate" => match f.score.parse::<u8>() {
            Ok(score) if (1..=5).contains(&score) => Ok(Event::Rated {
                score,
                comment: f.comment.trim().to_string(),
                more_wanted: f.more_wanted.is_some(),
            }),
            _ => Err(form_error(
                l,
                "만족도를 1점에서 5점 사이로 골라 주세요",
                "please choose a rating from 1 to 5",
            )),
        },
        _ => Err(form_error(l, "알 수 없는 요청입니다", "unknown step")),
    };
    let event = match event {
        Ok(e) => e,
        Err(m) => return show(&state, &ctx, &p, f.pin, None, Some(m)).await,
    };
    step_and_show(&state, &ctx, &p, f.pin, event, Vec::new()).await
}

/// One step of the petitioner's, with the files they sent, and its access-log entry: one
/// transaction, so a refused step leaves no attachment recorded either.
async fn petitioner_step(
    state: &AppState,
    ctx: &Ctx,
    p: &Petition,
    event: Event,
    files: Vec<(StoredBlob, String)>,
) -> Result<Petition, ApiError> {
    let name = event.name();
    let now = store::now();
    let (cal, _) = petitions::work_calendar(&state.db).await?;
    let actor = ctx.caller.as_ref().map(|c| c.account.id);
    let mut tx = state.db.begin().await?;
    // Files first: the step may end the state in which the petitioner may add them.
    for (blob, filename) in &files {
        petitions::add_attachment(&mut tx, p.id, blob, filename, actor, &cal, now).await?;
    }
    let after = petitions::act(&mut tx, p.id, event, actor, &cal, now).await?;
    store::office::audit::append(
        &mut tx,
        &AuditRecord {
            at: now,
            account_id: actor,
            address: ctx.address.clone(),
            subject: crate::petitions::api::subject(&after),
            action: format!("petition.{name}"),
            reason: "petitioner".into(),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

/// The answer to a supplement request with attachments (multipart: the form token travels in
/// the query string). Files are only taken while a supplement is asked for.
async fn track_supplement(State(state): State<AppState>, ctx: Ctx, mp: Multipart) -> PageResult {
    let l = ctx.lang;
    // Files are streamed only for a petitioner who is verified and asked for a supplement.
    let verified = async |t: &HashMap<String, String>| {
        let get = |k: &str| t.get(k).map(String::as_str).unwrap_or_default();
        resolve(&state, &ctx, get("number"), get("pin"))
            .await
            .is_ok_and(|p| p.state == PState::Supplement)
    };
    let (texts, files) = match read_parts(&state, mp, verified).await {
        Ok(x) => x,
        Err((_, e)) if e.status.is_server_error() => return Err(ctx.fail(&e)),
        Err((texts, m)) => {
            let get = |k: &str| texts.get(k).cloned().unwrap_or_default();
            let p = resolve(&state, &ctx, &get("number"), &get("pin"))
                .await
                .or_page(&ctx)?;
            let m = format!(
                "{} — {}",
                l.of(&m),
                l.t("파일을 다시 골라 주세요", "please choose the files again")
            );
            return show(&state, &ctx, &p, get("pin"), None, Some(m)).await;
        }
    };
    let get = |k: &str| texts.get(k).cloned().unwrap_or_default();
    let pin = get("pin");
    let p = resolve(&state, &ctx, &get("number"), &pin)
        .await
        .or_page(&ctx)?;
    let note = get("note").trim().to_string();
    if p.state != PState::Supplement {
        let m = form_error(
            l,
            "지금은 보완 요청이 없습니다",
            "there is no supplement request now",
        );
        return show(&state, &ctx, &p, pin, None, Some(m)).await;
    }
    if note.is_empty() {
        let m = form_error(
            l,
            "보완할 내용을 적어 주세요",
            "please write the information asked for",
        );
        return show(&state, &ctx, &p, pin, None, Some(m)).await;
    }
    let event = Event::SupplementReceived { note };
    step_and_show(&state, &ctx, &p, pin, event, files).await
}

// ---------------------------------------------------------------------------------------------
// A signed-in resident's own petitions
// ---------------------------------------------------------------------------------------------

pub struct MyRow {
    pub number: String,
    pub title: String,
    pub type_name: String,
    pub state: String,
    pub arrived_at: String,
    /// A supplement is asked for: what, and by when (the resident's move).
    pub action: Option<(String, String)>,
    /// Still being handled: the expected completion; done: when it was completed.
    pub open: bool,
    pub date: Option<String>,
}

/// Which of their petitions the resident looks at.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum MyFilter {
    All,
    /// A supplement is asked for.
    Action,
    Open,
    Done,
}

impl MyFilter {
    const ALL: [MyFilter; 4] = [
        MyFilter::All,
        MyFilter::Action,
        MyFilter::Open,
        MyFilter::Done,
    ];
    fn code(self) -> &'static str {
        match self {
            MyFilter::All => "all",
            MyFilter::Action => "action",
            MyFilter::Open => "open",
            MyFilter::Done => "done",
        }
    }
    fn words(self, lang: Lang) -> &'static str {
        match self {
            MyFilter::All => lang.t("전체", "All"),
            MyFilter::Action => lang.t("보완 요청", "Supplement asked"),
            MyFilter::Open => lang.t("처리 중", "Being handled"),
            MyFilter::Done => lang.t("처리 완료", "Completed"),
        }
    }
    fn holds(self, r: &MyRow) -> bool {
        match self {
            MyFilter::All => true,
            MyFilter::Action => r.action.is_some(),
            MyFilter::Open => r.open,
            MyFilter::Done => !r.open,
        }
    }
}

/// A filter tab: link, words, count, current.
pub struct MyTab {
    pub code: &'static str,
    pub words: &'static str,
    pub count: usize,
    pub current: bool,
}

#[derive(Template)]
#[template(path = "petitions/my_petitions.html")]
struct MyPage {
    c: Chrome,
    tabs: Vec<MyTab>,
    filter: &'static str,
    /// The ones waiting for the resident, shown above the list whatever the filter.
    waiting: usize,
    rows: Vec<MyRow>,
}

#[derive(Deserialize)]
struct MyQuery {
    #[serde(default)]
    state: String,
}

/// When a petition that is no longer open was completed: its last answer, its transfer to
/// another agency, or its last change (withdrawn, returned, closed without an answer).
fn completed_at(p: &Petition) -> DateTime<Utc> {
    let d = &p.derived;
    match (d.answers.last(), &d.agency_transfer) {
        (Some(a), _) => a.at,
        (None, Some(t)) => t.at,
        (None, None) => p.updated_at,
    }
}

async fn my_list(State(state): State<AppState>, ctx: Ctx, Query(q): Query<MyQuery>) -> PageResult {
    let caller = ctx.caller.as_ref().ok_or_else(|| ctx.refusal())?;
    let lang = ctx.lang;
    let filter = MyFilter::ALL
        .into_iter()
        .find(|f| f.code() == q.state)
        .unwrap_or(MyFilter::All);
    let f = store::petitions::QueueFilter {
        petitioner_account_id: Some(caller.account.id),
        include_done: true,
        limit: 200,
        ..Default::default()
    };
    let mut items = petitions::queue(&state.db, &f, store::now())
        .await
        .or_page(&ctx)?
        .items;
    // What waits for the resident first, then newest first.
    items.sort_by_key(|i| {
        (
            i.petition.state != PState::Supplement,
            std::cmp::Reverse(i.petition.arrived_at),
        )
    });
    let names: HashMap<i64, String> = petitions::list_types(&state.db, false)
        .await
        .or_page(&ctx)?
        .iter()
        .map(|t| (t.id, type_name(lang, t)))
        .collect();
    let mut rows = Vec::with_capacity(items.len());
    for i in items {
        let p = i.petition;
        let open = p.state.is_open();
        let action = p
            .derived
            .supplement
            .as_ref()
            .filter(|_| p.state == PState::Supplement)
            .map(|s| (s.items.clone(), when(s.answer_by)));
        rows.push(MyRow {
            number: p.receipt_no.clone().unwrap_or_else(|| p.id.to_string()),
            type_name: names.get(&p.type_id).cloned().unwrap_or_default(),
            state: state_name(lang, p.state).to_string(),
            arrived_at: when(p.arrived_at),
            date: if open {
                i.due.map(when)
            } else {
                Some(when(completed_at(&p)))
            },
            open,
            action,
            title: p.title,
        });
    }
    let tabs = MyFilter::ALL
        .into_iter()
        .map(|f| MyTab {
            code: f.code(),
            words: f.words(lang),
            count: rows.iter().filter(|r| f.holds(r)).count(),
            current: f == filter,
        })
        .collect();
    let waiting = rows.iter().filter(|r| r.action.is_some()).count();
    rows.retain(|r| filter.holds(r));
    Ok(ctx.render(&MyPage {
        c: ctx.chrome(),
        tabs,
        filter: filter.code(),
        waiting,
        rows,
    }))
}

async fn my_one(State(state): State<AppState>, ctx: Ctx, Path(number): Path<String>) -> PageResult {
    let p = resolve(&state, &ctx, &number, "").await.or_page(&ctx)?;
    show(&state, &ctx, &p, String::new(), None, None).await
}
