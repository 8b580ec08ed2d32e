//! Petitions (민원): the type catalogue, intake, the timeline and every step of handling, the
//! queue, reminders. Rules live in `domain::petitions`; this module stores what they decide.
//!
//! Each write locks the petition row first (which on SQLite takes the write lock), applies the
//! step with [`Derived::apply`], appends the event, rewrites the row's copy of the derived state
//! and takes the next number of the change sequence — all in the caller's transaction, so the
//! access-log entry and the outbox notices the caller adds commit with it or not at all.

pub mod crypto;
pub mod demo;
pub mod generate;
pub mod notices;
pub mod retention;
pub mod search;
pub mod suggestions;
pub mod tracking;

use crate::{Db, Result, StoreError, Tx, conflict_on_unique, kit::outbox, on_db, on_tx};
use calendar::{DeadlineInput, HolidayData, OfficeHours, Period, WorkCalendar};
use chrono::{DateTime, Datelike, Utc};
use domain::petitions::fields::{FieldDef, validate_defs, validate_values};
use domain::petitions::intake::IntakeRecord;
use domain::petitions::{
    Channel, Derived, Event, HeldStep, Kind, PetitionId, RepeatInfo, State, TimelineEntry,
    deadline_error, receipt_number, transfer_limit,
};
use domain::{AccountId, DepartmentId, RuleError};
use notices::{NoticeKind, Words};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::sync::{Arc, OnceLock};
use std::time::Instant;

pub use crypto::PiiKey;

// ---------------------------------------------------------------------------------------------
// Working calendar with the office's holiday data
// ---------------------------------------------------------------------------------------------

/// The working calendar built from the holiday rows and the office hours setting, and a
/// fingerprint of both. The due cache remembers the fingerprint it was computed with, so an edit
/// of the holiday data or the hours is noticed and every open petition's due moment recomputed
/// ([`refresh_due_cache`]); the calendar kept per database is rebuilt when the fingerprint
/// changes, so every app server picks up an edit made on another (within [`KEPT_FOR`]).
pub async fn work_calendar(db: &Db) -> Result<(Arc<WorkCalendar>, String)> {
    if let Ok(kept) = db.kept.calendar.lock()
        && let Some((checked, fingerprint, cal)) = kept.as_ref()
        && checked.elapsed() < KEPT_FOR
    {
        return Ok((cal.clone(), fingerprint.clone()));
    }
    let rows = crate::office::holidays::list(db).await?;
    let hours = crate::office::settings::office_hours(db).await?;
    let mut h = Sha256::new();
    if hours != OfficeHours::default() {
        // Only a changed setting enters the hash, so existing due caches stay valid.
        h.update(format!("hours {hours:?}\n").as_bytes());
    }
    for r in &rows {
        h.update(format!("{}|{}|{}|{}\n", r.date, r.name, r.kind, r.removed).as_bytes());
    }
    let fingerprint = hex::encode(h.finalize());
    if let Ok(mut kept) = db.kept.calendar.lock()
        && let Some((checked, fp, cal)) = kept.as_mut()
        && *fp == fingerprint
    {
        *checked = Instant::now();
        return Ok((cal.clone(), fingerprint));
    }
    let data = HolidayData::from_rows(
        rows.iter()
            .map(|r| (r.date, r.name.as_str(), r.kind.as_str(), r.removed)),
    )
    .map_err(|e| StoreError::internal("stored holiday data", e))?;
    let cal = WorkCalendar::new(2000, 2100, &data, hours)
        .map_err(|e| StoreError::internal("working calendar", e))?;
    let cal = Arc::new(cal);
    if let Ok(mut kept) = db.kept.calendar.lock() {
        *kept = Some((Instant::now(), fingerprint.clone(), cal.clone()));
    }
    Ok((cal, fingerprint))
}

/// How long the working calendar and a petition type are used without reading them again (every
/// request needs them; they change a few times a year). An edit made through this process is
/// seen at once ([`crate::Stale`]); one made by another process (the command
/// line, a second app server) within this time.
pub(crate) const KEPT_FOR: std::time::Duration = std::time::Duration::from_secs(1);

pub(crate) const DUE_CACHE_SETTING: &str = "petitions.due_cache_calendar";

/// Recompute the cached due moment of every open petition when the holiday data changed since
/// the cache was filled. Cheap when nothing changed (one small read). Call after editing
/// holidays; the queue and the reminder sweep call it too.
pub async fn refresh_due_cache(db: &Db, now: DateTime<Utc>) -> Result<u64> {
    let (cal, fingerprint) = work_calendar(db).await?;
    refresh_due_cache_with(db, &cal, &fingerprint, now).await
}

/// [`refresh_due_cache`] with the calendar the caller already holds.
async fn refresh_due_cache_with(
    db: &Db,
    cal: &WorkCalendar,
    fingerprint: &str,
    now: DateTime<Utc>,
) -> Result<u64> {
    if crate::office::settings::get(db, DUE_CACHE_SETTING)
        .await?
        .as_deref()
        == Some(fingerprint)
    {
        return Ok(0);
    }
    let mut after = 0i64;
    let mut changed = 0u64;
    loop {
        let rows: Vec<(i64, String)> = on_db!(db, |pool| sqlx::query_as(
            "SELECT id, derived FROM petitions WHERE id > $1 AND state IN \
             ('arrived', 'received', 'in_progress', 'supplement', 'paused') ORDER BY id LIMIT 500"
        )
        .bind(after)
        .fetch_all(pool)
        .await)?;
        let Some(last) = rows.last() else { break };
        after = last.0;
        let mut tx = db.begin().await?;
        for (id, derived) in &rows {
            let d: Derived = from_json(derived)?;
            let due = d.clock_due(cal, now)?;
            on_tx!(&mut tx, |conn| sqlx::query(
                "UPDATE petitions SET due_at = $1 WHERE id = $2"
            )
            .bind(due)
            .bind(id)
            .execute(&mut *conn)
            .await
            .map(|r| r.rows_affected()))?;
            changed += 1;
        }
        tx.commit().await?;
    }
    crate::office::settings::set(db, DUE_CACHE_SETTING, fingerprint, now).await?;
    Ok(changed)
}

// ---------------------------------------------------------------------------------------------
// The catalogue of petition types
// ---------------------------------------------------------------------------------------------

/// An answer template (답변 서식) with `{placeholders}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Template {
    pub name: String,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PetitionType {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub kind: Kind,
    pub period: Period,
    pub department_id: Option<DepartmentId>,
    pub description: String,
    pub required_documents: Vec<String>,
    pub fields: Vec<FieldDef>,
    pub templates: Vec<Template>,
    pub requires_rrn: bool,
    pub public: bool,
    pub active: bool,
    /// Answers and extensions go to the division's supervisor first (결재).
    pub needs_approval: bool,
    /// The office publishes this type's web and Open311 petitions on Open311 GET (separate
    /// from `public`, which says residents may file it).
    pub publishable: bool,
}

#[derive(sqlx::FromRow)]
struct TypeRow {
    id: i64,
    code: String,
    name: String,
    kind: String,
    period: String,
    department_id: Option<i64>,
    description: String,
    required_documents: String,
    fields: String,
    templates: String,
    requires_rrn: bool,
    public: bool,
    active: bool,
    needs_approval: bool,
    publishable: bool,
}

const TYPE_COLUMNS: &str = "id, code, name, kind, period, department_id, description, \
    required_documents, fields, templates, requires_rrn, public, active, needs_approval, publishable";

fn from_json<T: serde::de::DeserializeOwned>(text: &str) -> Result<T> {
    serde_json::from_str(text).map_err(|e| StoreError::internal("stored JSON unreadable", e))
}

fn to_json<T: Serialize>(v: &T) -> Result<String> {
    serde_json::to_string(v).map_err(|e| StoreError::internal("JSON not serialisable", e))
}

impl TypeRow {
    fn into_type(self) -> Result<PetitionType> {
        Ok(PetitionType {
            id: self.id,
            code: self.code,
            name: self.name,
            kind: self.kind.parse()?,
            period: self.period.parse().map_err(deadline_error)?,
            department_id: self.department_id,
            description: self.description,
            required_documents: from_json(&self.required_documents)?,
            fields: from_json(&self.fields)?,
            templates: from_json(&self.templates)?,
            requires_rrn: self.requires_rrn,
            public: self.public,
            active: self.active,
            needs_approval: self.needs_approval,
            publishable: self.publishable,
        })
    }
}

/// What an administrator writes to define or change a type.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct TypeSpec {
    pub code: String,
    pub name: String,
    pub kind: Kind,
    /// Required for statutory types; the kind's default otherwise.
    pub period: Option<Period>,
    pub department_id: Option<DepartmentId>,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub required_documents: Vec<String>,
    #[serde(default)]
    pub fields: Vec<FieldDef>,
    #[serde(default)]
    pub templates: Vec<Template>,
    #[serde(default)]
    pub requires_rrn: bool,
    #[serde(default = "yes")]
    pub public: bool,
    #[serde(default = "yes")]
    pub active: bool,
    /// Answers and extensions need the supervisor's approval (결재).
    #[serde(default)]
    pub needs_approval: bool,
    /// Published on Open311 GET (never with `requires_rrn`).
    #[serde(default)]
    pub publishable: bool,
}

fn yes() -> bool {
    true
}

fn check_spec(spec: &TypeSpec) -> Result<Period> {
    domain::office::accounts::validate_department_code(&spec.code)?;
    domain::office::accounts::validate_display_name(&spec.name)?;
    validate_defs(&spec.fields)?;
    for t in &spec.templates {
        domain::petitions::validate_template(&t.name, &t.text)?;
    }
    if spec.requires_rrn && spec.kind != Kind::Statutory {
        return Err(RuleError::new(
            "rrn_not_allowed",
            "주민등록번호는 법령이 요구하는 법정민원에만 받을 수 있습니다",
            "a resident registration number may be collected only for statutory types that require it",
        )
        .into());
    }
    if spec.publishable && spec.requires_rrn {
        return Err(RuleError::new(
            "publishable_rrn",
            "주민등록번호를 받는 민원 종류는 공개(Open311 게시)할 수 없습니다",
            "a type that collects resident registration numbers cannot be published on Open311",
        )
        .into());
    }
    match (spec.period, spec.kind.default_period()) {
        (Some(p), _) | (None, Some(p)) => Ok(p),
        (None, None) => Err(RuleError::new(
            "period_missing",
            "법정민원 종류에는 처리기간이 필요합니다",
            "a statutory type needs a processing period",
        )
        .into()),
    }
}

pub async fn create_type(tx: &mut Tx, spec: &TypeSpec, now: DateTime<Utc>) -> Result<PetitionType> {
    let period = check_spec(spec)?;
    let sql = format!(
        "INSERT INTO petition_types (code, name, kind, period, department_id, description, \
         required_documents, fields, templates, requires_rrn, public, active, created_at, updated_at, \
         needs_approval, publishable) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13, $14, $15) RETURNING {TYPE_COLUMNS}"
    );
    let msg = domain::Bilingual::new(
        format!("민원 종류 코드 '{}'가 이미 있습니다", spec.code),
        format!("type code '{}' exists", spec.code),
    );
    let docs = to_json(&spec.required_documents)?;
    let fields = to_json(&spec.fields)?;
    let templates = to_json(&spec.templates)?;
    let row = on_tx!(tx, |conn| sqlx::query_as::<_, TypeRow>(
        sqlx::AssertSqlSafe(sql.clone())
    )
    .bind(&spec.code)
    .bind(spec.name.trim())
    .bind(spec.kind.as_str())
    .bind(period.to_string())
    .bind(spec.department_id)
    .bind(&spec.description)
    .bind(&docs)
    .bind(&fields)
    .bind(&templates)
    .bind(spec.requires_rrn)
    .bind(spec.public)
    .bind(spec.active)
    .bind(now)
    .bind(spec.needs_approval)
    .bind(spec.publishable)
    .fetch_one(&mut *conn)
    .await)
    .map_err(|e| conflict_on_unique(e, msg))?;
    row.into_type()
}

pub async fn update_type(
    tx: &mut Tx,
    id: i64,
    spec: &TypeSpec,
    now: DateTime<Utc>,
) -> Result<PetitionType> {
    let period = check_spec(spec)?;
    let sql = format!(
        "UPDATE petition_types SET code = $1, name = $2, kind = $3, period = $4, department_id = $5, \
         description = $6, required_documents = $7, fields = $8, templates = $9, requires_rrn = $10, \
         public = $11, active = $12, updated_at = $13, needs_approval = $15, publishable = $16 WHERE id = $14 \
         RETURNING {TYPE_COLUMNS}"
    );
    let docs = to_json(&spec.required_documents)?;
    let fields = to_json(&spec.fields)?;
    let templates = to_json(&spec.templates)?;
    let msg = domain::Bilingual::new(
        format!("민원 종류 코드 '{}'가 이미 있습니다", spec.code),
        format!("type code '{}' exists", spec.code),
    );
    let row = on_tx!(tx, |conn| sqlx::query_as::<_, TypeRow>(
        sqlx::AssertSqlSafe(sql.clone())
    )
    .bind(&spec.code)
    .bind(spec.name.trim())
    .bind(spec.kind.as_str())
    .bind(period.to_string())
    .bind(spec.department_id)
    .bind(&spec.description)
    .bind(&docs)
    .bind(&fields)
    .bind(&templates)
    .bind(spec.requires_rrn)
    .bind(spec.public)
    .bind(spec.active)
    .bind(now)
    .bind(id)
    .bind(spec.needs_approval)
    .bind(spec.publishable)
    .fetch_optional(&mut *conn)
    .await)
    .map_err(|e| conflict_on_unique(e, msg))?;
    tx.changes(crate::Stale::Type(id));
    row.ok_or(StoreError::NotFound)?.into_type()
}

pub async fn get_type(db: &Db, id: i64) -> Result<PetitionType> {
    let sql = format!("SELECT {TYPE_COLUMNS} FROM petition_types WHERE id = $1");
    on_db!(db, |pool| sqlx::query_as::<_, TypeRow>(
        sqlx::AssertSqlSafe(sql)
    )
    .bind(id)
    .fetch_optional(pool)
    .await)?
    .ok_or(StoreError::NotFound)?
    .into_type()
}

/// [`get_type`], kept for [`KEPT_FOR`] (intake reads the type of every petition).
async fn get_type_kept(db: &Db, id: i64) -> Result<PetitionType> {
    if let Ok(kept) = db.kept.types.lock()
        && let Some((read, t)) = kept.get(&id)
        && read.elapsed() < KEPT_FOR
    {
        return Ok(t.clone());
    }
    let t = get_type(db, id).await?;
    if let Ok(mut kept) = db.kept.types.lock() {
        kept.insert(id, (Instant::now(), t.clone()));
    }
    Ok(t)
}

pub async fn get_type_by_code(db: &Db, code: &str) -> Result<PetitionType> {
    let sql = format!("SELECT {TYPE_COLUMNS} FROM petition_types WHERE code = $1");
    on_db!(db, |pool| sqlx::query_as::<_, TypeRow>(
        sqlx::AssertSqlSafe(sql)
    )
    .bind(code)
    .fetch_optional(pool)
    .await)?
    .ok_or(StoreError::NotFound)?
    .into_type()
}

/// Every type, or only public active ones (what residents may choose).
pub async fn list_types(db: &Db, public_only: bool) -> Result<Vec<PetitionType>> {
    let sql = format!(
        "SELECT {TYPE_COLUMNS} FROM petition_types WHERE ($1 = FALSE OR (public = TRUE AND active = TRUE)) ORDER BY id"
    );
    let rows = on_db!(db, |pool| sqlx::query_as::<_, TypeRow>(
        sqlx::AssertSqlSafe(sql)
    )
    .bind(public_only)
    .fetch_all(pool)
    .await)?;
    rows.into_iter().map(TypeRow::into_type).collect()
}

/// The five general types of DOMAIN.md section 1 with their default periods and a template
/// each, handled by `department_id`. Existing codes are left alone.
pub async fn ensure_general_types(
    tx: &mut Tx,
    department_id: Option<DepartmentId>,
    now: DateTime<Utc>,
) -> Result<()> {
    let general = [
        ("question-law", "질의민원(법령)", Kind::QuestionLaw),
        (
            "question-system",
            "질의민원(제도·절차)",
            Kind::QuestionSystem,
        ),
        ("proposal", "건의민원", Kind::Proposal),
        ("other", "기타민원", Kind::Other),
        ("grievance", "고충민원", Kind::Grievance),
    ];
    for (code, name, kind) in general {
        let exists: Option<(i64,)> = on_tx!(tx, |conn| sqlx::query_as(
            "SELECT id FROM petition_types WHERE code = $1"
        )
        .bind(code)
        .fetch_optional(&mut *conn)
        .await)?;
        if exists.is_some() {
            continue;
        }
        create_type(
            tx,
            &TypeSpec {
                code: code.into(),
                name: name.into(),
                kind,
                period: None,
                department_id,
                description: String::new(),
                required_documents: vec![],
                fields: vec![],
                templates: vec![Template {
                    name: "기본 답변".into(),
                    text: "{name}님, 귀하께서 신청하신 민원(접수번호 {receipt_no}, \"{title}\")에 대하여 \
                           다음과 같이 답변드립니다.\n\n{answer}\n\n담당: {department} {official}"
                        .into(),
                }],
                requires_rrn: false,
                public: true,
                active: true,
                needs_approval: false,
                publishable: false,
            },
            now,
        )
        .await?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Petitions
// ---------------------------------------------------------------------------------------------

/// One petition as stored: intake data plus the copy of the derived state.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Petition {
    pub id: PetitionId,
    pub receipt_no: Option<String>,
    pub type_id: i64,
    pub channel: String,
    pub anonymous: bool,
    pub petitioner_account_id: Option<AccountId>,
    pub petitioner_name: String,
    pub petitioner_phone: String,
    pub petitioner_email: String,
    pub petitioner_address: String,
    /// Encrypted; decrypt with [`reveal_rrn`].
    #[serde(skip)]
    pub rrn_encrypted: Option<String>,
    pub title: String,
    pub body: String,
    pub location: String,
    pub extra: serde_json::Value,
    /// How an official took it in on the resident's behalf (empty for online petitions).
    pub intake: IntakeRecord,
    pub abuse_abusive: bool,
    pub abuse_score: f64,
    pub abuse_kinds: Vec<String>,
    pub abuse_model: String,
    pub derived: Derived,
    pub state: State,
    pub department_id: Option<DepartmentId>,
    pub assignee_id: Option<AccountId>,
    pub arrived_at: DateTime<Utc>,
    pub received_at: Option<DateTime<Utc>>,
    pub flagged: bool,
    pub repeat_proposed: bool,
    pub due_at: Option<DateTime<Utc>>,
    pub event_count: i64,
    pub change_seq: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
struct PetitionRow {
    id: i64,
    receipt_no: Option<String>,
    type_id: i64,
    channel: String,
    anonymous: bool,
    petitioner_account_id: Option<i64>,
    petitioner_name: String,
    petitioner_phone: String,
    petitioner_email: String,
    petitioner_address: String,
    rrn_encrypted: Option<String>,
    title: String,
    body: String,
    location: String,
    extra: String,
    intake: String,
    abuse_abusive: bool,
    abuse_score: f64,
    abuse_kinds: String,
    abuse_model: String,
    derived: String,
    state: String,
    department_id: Option<i64>,
    assignee_id: Option<i64>,
    arrived_at: DateTime<Utc>,
    received_at: Option<DateTime<Utc>>,
    flagged: bool,
    repeat_proposed: bool,
    due_at: Option<DateTime<Utc>>,
    event_count: i64,
    change_seq: i64,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

pub(crate) const PETITION_COLUMNS: &str = "id, receipt_no, type_id, channel, anonymous, \
    petitioner_account_id, petitioner_name, petitioner_phone, petitioner_email, petitioner_address, \
    rrn_encrypted, title, body, location, extra, intake, abuse_abusive, abuse_score, abuse_kinds, abuse_model, \
    derived, state, department_id, assignee_id, arrived_at, received_at, flagged, repeat_proposed, \
    due_at, event_count, change_seq, created_at, updated_at";

impl PetitionRow {
    fn into_petition(self) -> Result<Petition> {
        Ok(Petition {
            id: self.id,
            receipt_no: self.receipt_no,
            type_id: self.type_id,
            channel: self.channel,
            anonymous: self.anonymous,
            petitioner_account_id: self.petitioner_account_id,
            petitioner_name: self.petitioner_name,
            petitioner_phone: self.petitioner_phone,
            petitioner_email: self.petitioner_email,
            petitioner_address: self.petitioner_address,
            rrn_encrypted: self.rrn_encrypted,
            title: self.title,
            body: self.body,
            location: self.location,
            extra: from_json(&self.extra)?,
            intake: from_json(&self.intake)?,
            abuse_abusive: self.abuse_abusive,
            abuse_score: self.abuse_score,
            abuse_kinds: from_json(&self.abuse_kinds)?,
            abuse_model: self.abuse_model,
            derived: from_json(&self.derived)?,
            state: self.state.parse()?,
            department_id: self.department_id,
            assignee_id: self.assignee_id,
            arrived_at: self.arrived_at,
            received_at: self.received_at,
            flagged: self.flagged,
            repeat_proposed: self.repeat_proposed,
            due_at: self.due_at,
            event_count: self.event_count,
            change_seq: self.change_seq,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

/// The petitioner as given at intake.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct Petitioner {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub address: String,
    /// Only where the type requires it; stored encrypted.
    #[serde(default)]
    pub resident_number: Option<String>,
}

/// A petition to file.
#[derive(Debug, Clone)]
pub struct NewPetition {
    pub type_id: i64,
    pub channel: Channel,
    pub anonymous: bool,
    /// The resident's own account when they file themselves.
    pub petitioner_account_id: Option<AccountId>,
    pub petitioner: Petitioner,
    pub title: String,
    pub body: String,
    pub location: String,
    pub extra: serde_json::Map<String, serde_json::Value>,
    /// A retried submission with the same key returns the first petition.
    pub idempotency_key: Option<String>,
    /// Staff entering at the counter may route straight to a department (default: the type's).
    pub department_id: Option<DepartmentId>,
    /// Counter, phone, mail and visit intake: how identity was checked and which required
    /// documents were seen (checked by `domain::petitions::intake::check`).
    pub intake: IntakeRecord,
}

/// The abuse screening stored with each petition, and the routing suggestion made with it:
/// both are CPU work done before the filing transaction.
#[derive(Debug, Clone, PartialEq)]
pub struct ScreeningRecord {
    pub abusive: bool,
    pub score: f64,
    pub kinds: Vec<String>,
    pub model_version: String,
    pub routing: Option<crate::petitions::suggestions::RoutingGuess>,
}

/// The shipped abuse model (models/abuse-ko.bin), loaded once.
pub fn abuse_model() -> Option<&'static text::AbuseModel> {
    static MODEL: OnceLock<Option<text::AbuseModel>> = OnceLock::new();
    static BYTES: &[u8] = include_bytes!("../../../../models/abuse-ko.bin");
    MODEL
        .get_or_init(|| match text::AbuseModel::from_bytes(BYTES) {
            Ok(m) => Some(m),
            Err(e) => {
                tracing::error!(error = %e, "abuse model unreadable; screening disabled");
                None
            }
        })
        .as_ref()
}

/// Screen a petition's title and body with the text crate's abuse screening, and ask the
/// office's routing model (when there is one) for a department.
pub fn screen(title: &str, body: &str) -> ScreeningRecord {
    let routing = crate::petitions::suggestions::guess(title, body);
    match abuse_model() {
        Some(m) => {
            let s = m.screen(&format!("{title}\n{body}"));
            ScreeningRecord {
                abusive: s.abusive,
                score: f64::from(s.score),
                kinds: s
                    .kinds
                    .iter()
                    .map(|k| format!("{k:?}").to_lowercase())
                    .collect(),
                model_version: s.model_version,
                routing,
            }
        }
        None => ScreeningRecord {
            abusive: false,
            score: 0.0,
            kinds: vec![],
            model_version: "unavailable".into(),
            routing,
        },
    }
}

/// Limits of free text at intake.
pub const MAX_TITLE_CHARS: usize = 200;
pub const MAX_BODY_CHARS: usize = 20_000;

fn bad(code: &'static str, ko: &str, en: &str) -> StoreError {
    StoreError::Rule(RuleError::new(code, ko, en))
}

fn normal_rrn(rrn: &str) -> Result<String> {
    let digits: String = rrn.chars().filter(char::is_ascii_digit).collect();
    let only_digits_and_dash = rrn.trim().chars().all(|c| c.is_ascii_digit() || c == '-');
    if digits.len() != 13 || !only_digits_and_dash {
        return Err(bad(
            "bad_resident_number",
            "주민등록번호 형식이 올바르지 않습니다 (13자리)",
            "a resident registration number has 13 digits",
        ));
    }
    Ok(format!("{}-{}", &digits[..6], &digits[6..]))
}

/// Who the petitioner is, hashed: the account when known, else name and phone digits.
fn petitioner_key(new: &NewPetition) -> String {
    let id = match new.petitioner_account_id {
        Some(a) => format!("account:{a}"),
        None => {
            let digits: String = new
                .petitioner
                .phone
                .chars()
                .filter(char::is_ascii_digit)
                .collect();
            format!("person:{}:{digits}", new.petitioner.name.trim())
        }
    };
    hex::encode(Sha256::digest(id.as_bytes()))
}

/// Texts at least this similar (character 3-gram Jaccard) are "the same content".
pub const REPEAT_SIMILARITY: f32 = 0.6;

/// Result of [`file`].
#[derive(Debug, Clone)]
pub struct Filed {
    pub petition: Petition,
    /// `true` when an earlier submission with the same idempotency key was returned.
    pub replayed: bool,
    /// The random tracking code (`crate::petitions::tracking`), given this once; `None` when replayed
    /// (only its hash is stored).
    pub tracking_code: Option<String>,
}

/// A petition checked before its filing transaction: its type, fields and resident registration
/// number validated, the repeat check made, the screening attached. Checking reads through the
/// pool, so a refused petition never waits for the write lock and the filing transaction only
/// writes. (A type closed or a petition filed between check and filing is not seen: both are
/// as if the petition had come a moment earlier.)
#[derive(Debug, Clone)]
pub struct Checked {
    new: NewPetition,
    title: String,
    body: String,
    kind: Kind,
    period: Period,
    rrn_encrypted: Option<String>,
    extra: serde_json::Map<String, serde_json::Value>,
    intake: IntakeRecord,
    department_id: DepartmentId,
    petitioner_key: String,
    repeat: Option<RepeatInfo>,
    screening: ScreeningRecord,
}

impl Checked {
    pub fn petition(&self) -> &NewPetition {
        &self.new
    }
}

/// Check a petition to file (see [`Checked`]). Bad input is refused here with a clear error.
pub async fn check(
    db: &Db,
    new: NewPetition,
    key: &PiiKey,
    screening: ScreeningRecord,
) -> Result<Checked> {
    let ptype = get_type_kept(db, new.type_id).await.map_err(|e| match e {
        StoreError::NotFound => bad(
            "unknown_type",
            "알 수 없는 민원 종류입니다",
            "unknown petition type",
        ),
        e => e,
    })?;
    if !ptype.active {
        return Err(bad(
            "type_inactive",
            "지금은 받지 않는 민원 종류입니다",
            "this petition type is not open",
        ));
    }
    let title = new.title.trim();
    let body = new.body.trim();
    if title.is_empty() || body.is_empty() {
        return Err(bad(
            "missing_field",
            "제목과 내용을 입력해 주세요",
            "title and body are required",
        ));
    }
    if title.chars().count() > MAX_TITLE_CHARS || body.chars().count() > MAX_BODY_CHARS {
        return Err(bad(
            "too_long",
            "제목은 200자, 내용은 20,000자까지입니다",
            "title up to 200 and body up to 20,000 characters",
        ));
    }
    let p = &new.petitioner;
    let has_contact = !p.phone.trim().is_empty()
        || !p.email.trim().is_empty()
        || !p.address.trim().is_empty()
        || new.petitioner_account_id.is_some();
    if !new.anonymous && (p.name.trim().is_empty() || !has_contact) {
        return Err(bad(
            "missing_field",
            "이름과 연락처가 필요합니다. 익명 신고로 접수하려면 anonymous를 선택하세요",
            "a name and a contact are required (Act art. 2); file as an anonymous report otherwise",
        ));
    }
    if new.anonymous && ptype.kind == Kind::Statutory {
        return Err(bad(
            "anonymous_not_allowed",
            "법정민원은 익명으로 신청할 수 없습니다",
            "a statutory petition cannot be anonymous",
        ));
    }
    let rrn_encrypted = match (&p.resident_number, ptype.requires_rrn) {
        (Some(r), true) if !r.trim().is_empty() => Some(key.encrypt(&normal_rrn(r)?)?),
        (_, true) => {
            return Err(bad(
                "missing_field",
                "이 민원은 주민등록번호가 필요합니다",
                "this petition type requires a resident registration number",
            ));
        }
        (Some(r), false) if !r.trim().is_empty() => {
            return Err(bad(
                "rrn_not_allowed",
                "이 민원에는 주민등록번호를 받지 않습니다",
                "this petition type does not collect resident registration numbers",
            ));
        }
        _ => None,
    };
    let extra = validate_values(&ptype.fields, &new.extra)?;
    let intake =
        domain::petitions::intake::check(new.channel, &new.intake, &ptype.required_documents)
            .map_err(|(_, e)| StoreError::Rule(e))?;
    let department_id = new.department_id.or(ptype.department_id).ok_or_else(|| {
        bad(
            "no_department",
            "이 민원 종류에는 처리 부서가 정해지지 않았습니다. 관리자에게 문의하세요",
            "this petition type has no handling department yet; ask an administrator",
        )
    })?;

    // Repeated petitions (Act art. 23): same petitioner, same content.
    let petitioner_key = petitioner_key(&new);
    // A temporary access restriction covering online filing (Decree art. 4) answers online
    // channels with its notice; counter and phone filings are shown to the official instead.
    if !new.anonymous && matches!(new.channel, Channel::Web | Channel::Api | Channel::Open311) {
        crate::protection::restriction_refusal(
            db,
            &petitioner_key,
            domain::protection::RestrictionCover::Online,
            crate::now(),
        )
        .await?;
    }
    let repeat = if new.anonymous {
        None
    } else {
        find_repeats(db, &petitioner_key, title, body).await?
    };
    Ok(Checked {
        title: title.to_string(),
        body: body.to_string(),
        kind: ptype.kind,
        period: ptype.period,
        rrn_encrypted,
        extra,
        intake,
        department_id,
        petitioner_key,
        repeat,
        screening,
        new,
    })
}

/// File a checked petition. Online channels arrive and wait for receipt; counter, phone and
/// mail are received at once. A refusal changes nothing.
pub async fn file(
    tx: &mut Tx,
    checked: &Checked,
    actor: Option<AccountId>,
    cal: &WorkCalendar,
    now: DateTime<Utc>,
) -> Result<Filed> {
    let Checked {
        new,
        title,
        body,
        kind,
        period,
        rrn_encrypted,
        extra,
        intake,
        department_id,
        petitioner_key: pkey,
        repeat,
        screening,
    } = checked;
    let (p, department_id) = (&new.petitioner, *department_id);
    // SQLite holds the write lock already: every write transaction begins IMMEDIATE (Db::begin).
    let idem = new
        .idempotency_key
        .as_ref()
        .map(|k| format!("{}:{}", actor.map(|a| a.to_string()).unwrap_or_default(), k));
    if let Some(k) = &idem {
        if k.len() > 300 {
            return Err(bad(
                "bad_idempotency_key",
                "Idempotency-Key가 너무 깁니다",
                "the Idempotency-Key is too long",
            ));
        }
        if let Some(existing) = find_by_idempotency(tx, k).await? {
            return Ok(Filed {
                petition: existing,
                replayed: true,
                tracking_code: None,
            });
        }
    }
    let receipt_due = if new.channel.is_online() {
        Some(
            calendar::deadline(
                cal,
                &DeadlineInput::new(now, Period::Hours(domain::petitions::RECEIPT_WITHIN_HOURS)),
                now,
            )
            .map_err(deadline_error)?,
        )
    } else {
        None
    };
    let filed = Event::Filed {
        kind: *kind,
        channel: new.channel,
        anonymous: new.anonymous,
        department_id,
        period: Some(*period),
        receipt_due,
        repeat: repeat.clone(),
        flagged: screening.abusive,
    };
    // The petition's state after its first events is computed here and written once.
    let mut current = Derived::filed(&filed, now)?;
    let mut entries = vec![(
        i64::from(current.events),
        TimelineEntry {
            at: now,
            actor,
            event: filed,
        },
    )];
    if !new.channel.is_online() {
        // Entered by staff: received at once.
        let received = Event::Received {
            receipt_no: String::new(),
        };
        let (next, received) = advance(tx, &current, received, cal, now).await?;
        current = next;
        entries.push((
            i64::from(current.events),
            TimelineEntry {
                at: now,
                actor,
                event: received,
            },
        ));
    }
    let row = RowState::of(tx, &current, cal, now).await?;
    let sql = format!(
        "INSERT INTO petitions (type_id, channel, anonymous, petitioner_account_id, petitioner_key, \
        petitioner_name, petitioner_phone, petitioner_email, petitioner_address, rrn_encrypted, title, body, \
        location, extra, abuse_abusive, abuse_score, abuse_kinds, abuse_model, idempotency_key, derived, state, \
        department_id, assignee_id, arrived_at, received_at, receipt_no, flagged, repeat_proposed, due_at, \
        event_count, change_seq, created_at, updated_at, intake) \
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, \
        $21, $22, $23, $24, $25, $26, $27, $28, $29, $30, $31, $24, $24, $32) RETURNING {PETITION_COLUMNS}"
    );
    let kinds = to_json(&screening.kinds)?;
    let extra_json = to_json(&extra)?;
    let intake_json = to_json(intake)?;
    let inserted = on_tx!(tx, |conn| sqlx::query_as::<_, PetitionRow>(
        sqlx::AssertSqlSafe(sql)
    )
    .bind(new.type_id)
    .bind(new.channel.as_str())
    .bind(new.anonymous)
    .bind(new.petitioner_account_id)
    .bind(pkey)
    .bind(p.name.trim())
    .bind(p.phone.trim())
    .bind(p.email.trim())
    .bind(p.address.trim())
    .bind(rrn_encrypted)
    .bind(title)
    .bind(body)
    .bind(new.location.trim())
    .bind(&extra_json)
    .bind(screening.abusive)
    .bind(screening.score)
    .bind(&kinds)
    .bind(&screening.model_version)
    .bind(&idem)
    .bind(&row.derived)
    .bind(current.state.as_str())
    .bind(current.department_id)
    .bind(current.assignee_id)
    .bind(now)
    .bind(current.received_at)
    .bind(&current.receipt_no)
    .bind(current.flagged)
    .bind(row.repeat_proposed)
    .bind(row.due)
    .bind(i64::from(current.events))
    .bind(row.change_seq)
    .bind(&intake_json)
    .fetch_one(&mut *conn)
    .await);
    let petition = inserted
        .map_err(|e| {
            conflict_on_unique(
                e,
                domain::Bilingual::new(
                    "같은 Idempotency-Key로 동시에 제출되었습니다. 다시 시도해 주세요",
                    "a submission with this Idempotency-Key is in flight; retry",
                ),
            )
        })?
        .into_petition()?;
    let entries: Vec<_> = entries
        .iter()
        .map(|(seq, e)| (petition.id, *seq, e))
        .collect();
    insert_events(tx, &entries)?;
    crate::petitions::suggestions::record_at_intake(
        tx,
        petition.id,
        screening.routing.as_ref(),
        now,
    )
    .await?;
    // Every petition gets a random tracking code, shown once: on the receipt and in this notice.
    let code = crate::petitions::tracking::issue(tx, petition.id, now).await?;
    let number = petition
        .receipt_no
        .clone()
        .unwrap_or_else(|| petition.id.to_string());
    notify_petitioner(
        tx,
        &petition,
        "민원 신청을 받았습니다 (your petition was received)",
        &format!(
            "조회 번호 (number): {number}\n조회 코드 (tracking code): {code}\n\
             처리 상황은 민원 처리 조회 화면에서 이 번호와 코드로 볼 수 있습니다 \
             (track it on the tracking page with this number and code)."
        ),
        now,
    )
    .await?;
    Ok(Filed {
        petition,
        replayed: false,
        tracking_code: Some(code),
    })
}

async fn find_by_idempotency(tx: &mut Tx, key: &str) -> Result<Option<Petition>> {
    let sql = format!("SELECT {PETITION_COLUMNS} FROM petitions WHERE idempotency_key = $1");
    let row = on_tx!(tx, |conn| sqlx::query_as::<_, PetitionRow>(
        sqlx::AssertSqlSafe(sql)
    )
    .bind(key)
    .fetch_optional(&mut *conn)
    .await)?;
    row.map(PetitionRow::into_petition).transpose()
}

/// Earlier petitions of the same petitioner whose text is the same in substance.
async fn find_repeats(
    db: &Db,
    petitioner_key: &str,
    title: &str,
    body: &str,
) -> Result<Option<RepeatInfo>> {
    let rows: Vec<(i64, String, String, String)> = on_db!(db, |pool| {
        sqlx::query_as(
        "SELECT id, title, body, derived FROM petitions WHERE petitioner_key = $1 ORDER BY id DESC LIMIT 50"
    )
    .bind(petitioner_key)
    .fetch_all(pool)
    .await
    })?;
    let text = format!("{title}\n{body}");
    let mut info = RepeatInfo {
        earlier: vec![],
        results_notified: 0,
    };
    for (id, t, b, derived) in rows {
        if text::similar::similarity(&text, &format!("{t}\n{b}")) >= REPEAT_SIMILARITY {
            let d: Derived = from_json(&derived)?;
            info.earlier.push(id);
            if d.results_notified > 0 {
                info.results_notified += 1;
            }
        }
    }
    Ok((!info.earlier.is_empty()).then_some(info))
}

/// Append timeline entries `(petition, sequence number, entry)`; they are written at the commit.
pub(crate) fn insert_events(tx: &mut Tx, entries: &[(i64, i64, &TimelineEntry)]) -> Result<()> {
    let rows = entries
        .iter()
        .map(|(petition_id, seq, e)| {
            Ok(crate::kit::pending::EventRow {
                petition_id: *petition_id,
                seq: *seq,
                at: e.at,
                actor_id: e.actor,
                kind: e.event.name(),
                data: to_json(&e.event)?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    tx.append_events(rows);
    Ok(())
}

/// Apply one event and append it to the timeline. The row is rewritten by [`persist`].
async fn step(
    tx: &mut Tx,
    id: PetitionId,
    current: &Derived,
    mut event: Event,
    actor: Option<AccountId>,
    cal: &WorkCalendar,
    now: DateTime<Utc>,
) -> Result<Derived> {
    // Who submitted an approval is who took the step: nobody decides their own.
    if let Event::ApprovalRequested { submitted_by, .. } = &mut event {
        *submitted_by = actor;
    }
    let (next, event) = advance(tx, current, event, cal, now).await?;
    let entry = TimelineEntry {
        at: now,
        actor,
        event,
    };
    insert_events(tx, &[(id, i64::from(next.events), &entry)])?;
    Ok(next)
}

/// Fill in what the store computes for an event (receipt number, transfer limit, new due
/// date) and check it with the domain rules: the next state and the event as recorded.
async fn advance(
    tx: &mut Tx,
    current: &Derived,
    mut event: Event,
    cal: &WorkCalendar,
    now: DateTime<Utc>,
) -> Result<(Derived, Event)> {
    match &event {
        Event::Transferred { to: d, .. }
        | Event::Assigned {
            department_id: d, ..
        } if *d != current.department_id => {
            ensure_active_department(tx, *d).await?;
        }
        _ => {}
    }
    match &mut event {
        Event::Received { receipt_no } if current.state == State::Arrived => {
            *receipt_no = next_receipt_no(tx, now).await?;
        }
        Event::Transferred {
            to,
            far_or_misassigned,
            due,
            ..
        } => {
            // Misassigned is the official's word; far is known from the org chart: a
            // department away from the main office (`departments.remote`) on either end.
            *far_or_misassigned |= any_remote(tx, &[current.department_id, *to]).await?;
            // The limit runs from the moment the petition reached its current department.
            let from = current.received_at.map_or(current.department_since, |r| {
                r.max(current.department_since)
            });
            *due = calendar::deadline(
                cal,
                &DeadlineInput::new(from, transfer_limit(*far_or_misassigned)),
                now,
            )
            .map_err(deadline_error)?;
        }
        Event::TransferredOut { due, .. } => {
            // Act art. 16: within 8 working hours of receipt (of arrival, before receipt).
            let from = current.received_at.unwrap_or(current.arrived_at);
            *due = Some(
                calendar::deadline(
                    cal,
                    &DeadlineInput::new(
                        from,
                        Period::Hours(domain::petitions::AGENCY_TRANSFER_WITHIN_HOURS),
                    ),
                    now,
                )
                .map_err(deadline_error)?,
            );
        }
        _ => {}
    }
    let mut next = current.apply(&event, now, cal)?;
    if let Event::Extended { new_due, .. } = &mut event {
        // The new expected date told to the petitioner, from the one deadline function.
        if let Some(due) = next.due(cal, now)? {
            *new_due = due;
        }
    }
    // Derived::apply counts events; the stored sequence number is that count.
    next.events = current.events + 1;
    Ok((next, event))
}

/// Whether any of these departments is away from the main office (migration 0014).
async fn any_remote(tx: &mut Tx, ids: &[DepartmentId]) -> Result<bool> {
    let mut remote = false;
    for id in ids {
        let row: Option<(bool,)> = on_tx!(tx, |conn| sqlx::query_as(
            "SELECT remote FROM departments WHERE id = $1"
        )
        .bind(*id)
        .fetch_optional(&mut *conn)
        .await)?;
        remote |= row.is_some_and(|r| r.0);
    }
    Ok(remote)
}

/// Mark a department as away from the main office or not: in-office transfers to or from it
/// get 3 working hours (Decree art. 13).
pub async fn set_department_remote(tx: &mut Tx, id: DepartmentId, remote: bool) -> Result<()> {
    let n = on_tx!(tx, |conn| sqlx::query(
        "UPDATE departments SET remote = $1 WHERE id = $2"
    )
    .bind(remote)
    .bind(id)
    .execute(&mut *conn)
    .await
    .map(|r| r.rows_affected()))?;
    if n == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

/// Whether a department is away from the main office.
pub async fn department_remote(db: &Db, id: DepartmentId) -> Result<bool> {
    let row: Option<(bool,)> = on_db!(db, |pool| sqlx::query_as(
        "SELECT remote FROM departments WHERE id = $1"
    )
    .bind(id)
    .fetch_optional(pool)
    .await)?;
    Ok(row.is_some_and(|r| r.0))
}

/// A petition moves only to a department that exists and is not retired.
async fn ensure_active_department(tx: &mut Tx, id: DepartmentId) -> Result<()> {
    let row: Option<(bool,)> = on_tx!(tx, |conn| sqlx::query_as(
        "SELECT active FROM departments WHERE id = $1"
    )
    .bind(id)
    .fetch_optional(&mut *conn)
    .await)?;
    match row {
        Some((true,)) => Ok(()),
        Some((false,)) => Err(bad(
            "department_retired",
            "폐지된 부서로는 옮길 수 없습니다",
            "the department is retired; choose another",
        )),
        None => Err(bad(
            "unknown_department",
            "없는 부서입니다",
            "no such department",
        )),
    }
}

/// Take the next receipt number of the year (Asia/Seoul).
async fn next_receipt_no(tx: &mut Tx, now: DateTime<Utc>) -> Result<String> {
    let year = calendar::to_seoul(now).year();
    let n = tx.next_receipt_count(i64::from(year)).await?;
    Ok(receipt_number(year, n))
}

/// What a petition's row keeps beside its columns of the derived state: the state itself
/// (JSON), the due cache, the repeat proposal and a new change number.
struct RowState {
    derived: String,
    due: Option<DateTime<Utc>>,
    repeat_proposed: bool,
    change_seq: i64,
}

impl RowState {
    async fn of(tx: &mut Tx, d: &Derived, cal: &WorkCalendar, now: DateTime<Utc>) -> Result<Self> {
        Ok(RowState {
            derived: to_json(d)?,
            // Before receipt, the receipt limit: the queue sorts, counts and reminds by it.
            due: d.clock_due(cal, now)?,
            repeat_proposed: d.repeat.as_ref().is_some_and(RepeatInfo::proposes_closing)
                && d.state.is_open(),
            change_seq: tx.next_change_seq().await?,
        })
    }
}

/// Rewrite the row's copy of the derived state, the due cache and the change number; returns
/// the row as it now is (one statement: no second read).
async fn persist(
    tx: &mut Tx,
    id: PetitionId,
    d: &Derived,
    cal: &WorkCalendar,
    now: DateTime<Utc>,
) -> Result<Petition> {
    let row = RowState::of(tx, d, cal, now).await?;
    let sql = format!(
        "UPDATE petitions SET derived = $1, state = $2, department_id = $3, assignee_id = $4, \
         received_at = $5, receipt_no = $6, flagged = $7, repeat_proposed = $8, due_at = $9, \
         event_count = $10, change_seq = $11, updated_at = $12, \
         reminded = CASE WHEN due_at IS NULL OR $9 IS NULL OR due_at <> $9 THEN '' ELSE reminded END \
         WHERE id = $13 RETURNING {PETITION_COLUMNS}"
    );
    on_tx!(tx, |conn| sqlx::query_as::<_, PetitionRow>(
        sqlx::AssertSqlSafe(sql)
    )
    .bind(&row.derived)
    .bind(d.state.as_str())
    .bind(d.department_id)
    .bind(d.assignee_id)
    .bind(d.received_at)
    .bind(&d.receipt_no)
    .bind(d.flagged)
    .bind(row.repeat_proposed)
    .bind(row.due)
    .bind(i64::from(d.events))
    .bind(row.change_seq)
    .bind(now)
    .bind(id)
    .fetch_optional(&mut *conn)
    .await)?
    .ok_or(StoreError::NotFound)?
    .into_petition()
}

/// Lock the petition for a change and read its derived state.
async fn lock(tx: &mut Tx, id: PetitionId) -> Result<Derived> {
    // A no-op update: on PostgreSQL it locks the row, on SQLite it takes the write lock before
    // the read, so two handlers of one petition queue up instead of losing an update.
    let row: Option<(String,)> = on_tx!(tx, |conn| sqlx::query_as(
        "UPDATE petitions SET event_count = event_count WHERE id = $1 RETURNING derived"
    )
    .bind(id)
    .fetch_optional(&mut *conn)
    .await)?;
    from_json(&row.ok_or(StoreError::NotFound)?.0)
}

/// Apply one handling step (any event but `Filed`). Refused steps change nothing.
pub async fn act(
    tx: &mut Tx,
    id: PetitionId,
    event: Event,
    actor: Option<AccountId>,
    cal: &WorkCalendar,
    now: DateTime<Utc>,
) -> Result<Petition> {
    let current = lock(tx, id).await?;
    let notice = petitioner_notice(&event);
    let submitted = match &event {
        Event::ApprovalRequested { step, .. } => Some(held_words(step)),
        _ => None,
    };
    let next = step(tx, id, &current, event, actor, cal, now).await?;
    let petition = persist(tx, id, &next, cal, now).await?;
    if let Some((subject, body)) = notice {
        notify_petitioner(tx, &petition, &subject, &body, now).await?;
    }
    // An official given a petition by someone else is told.
    if let Some(assignee) = next.assignee_id
        && current.assignee_id != Some(assignee)
        && actor != Some(assignee)
    {
        let line = official_line(&petition);
        notices::tell(
            tx,
            assignee,
            id,
            NoticeKind::Assigned,
            &Words::new("민원이 배정되었습니다", "A petition was assigned to you"),
            &Words::new(
                format!("민원이 배정되었습니다: {line}"),
                format!("Assigned to you: {line}"),
            ),
            now,
        )
        .await?;
    }
    // Whoever may approve the submission is told it waits for them.
    if let Some(what) = submitted {
        let line = official_line(&petition);
        for approver in notices::approvers(
            tx,
            petition.department_id,
            petition.petitioner_account_id,
            actor,
        )
        .await?
        {
            notices::tell(
                tx,
                approver,
                id,
                NoticeKind::ApprovalRequested,
                &Words::new("결재 요청이 왔습니다", "A submission awaits your approval"),
                &Words::new(
                    format!("{} 결재 요청: {line}", what.ko),
                    format!("{} submitted for your approval: {line}", what.en),
                ),
                now,
            )
            .await?;
        }
    }
    Ok(petition)
}

/// What a held step is, in a notice to an official.
fn held_words(step: &HeldStep) -> Words {
    match step {
        HeldStep::Answer { .. } => Words::new("답변", "Answer"),
        HeldStep::Extension { .. } => Words::new("처리기간 연장", "Extension"),
    }
}

/// The petition as named in a notice to an official: receipt number and title.
fn official_line(p: &Petition) -> String {
    format!(
        "[{}] {}",
        p.receipt_no.as_deref().unwrap_or("-"),
        p.title.trim()
    )
}

/// The supervisor's decision on an approval (결재).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(tag = "decision", rename_all = "snake_case")]
pub enum ApprovalDecision {
    /// The held answer or extension takes effect now.
    Approve {
        #[serde(default)]
        comment: String,
    },
    /// Back to the official with a comment; nothing takes effect.
    Return { comment: String },
}

/// Decide the approval a petition waits for, in one transaction: approving records `approved`
/// and then the held step (answered or extended, told to the petitioner as a direct step is);
/// returning records `approval_returned` and tells the official who submitted it. The approver
/// has been checked against the access policy; here nobody decides their own submission, and a
/// decided approval cannot be decided again.
pub async fn decide_approval(
    tx: &mut Tx,
    id: PetitionId,
    decision: ApprovalDecision,
    approver: AccountId,
    cal: &WorkCalendar,
    now: DateTime<Utc>,
) -> Result<Petition> {
    let current = lock(tx, id).await?;
    let pending = current
        .approval
        .clone()
        .ok_or_else(domain::petitions::nothing_to_decide)?;
    domain::petitions::check_approver(&pending, approver)?;
    match decision {
        ApprovalDecision::Return { comment } => {
            let event = Event::ApprovalReturned {
                comment: comment.trim().to_string(),
            };
            let next = step(tx, id, &current, event, Some(approver), cal, now).await?;
            let petition = persist(tx, id, &next, cal, now).await?;
            if let Some(official) = pending.submitted_by {
                let what = held_words(&pending.step);
                let (line, comment) = (official_line(&petition), comment.trim());
                notices::tell(
                    tx,
                    official,
                    id,
                    NoticeKind::ApprovalReturned,
                    &Words::new("결재가 반려되었습니다", "Your submission was returned"),
                    &Words::new(
                        format!(
                            "{} 결재가 반려되었습니다: {line} — 의견: {comment}",
                            what.ko
                        ),
                        format!("{} returned: {line} — comment: {comment}", what.en),
                    ),
                    now,
                )
                .await?;
            }
            Ok(petition)
        }
        ApprovalDecision::Approve { comment } => {
            let approved = Event::Approved {
                comment: comment.trim().to_string(),
            };
            let mid = step(tx, id, &current, approved, Some(approver), cal, now).await?;
            let held = pending.step.event(now);
            let notice = petitioner_notice(&held);
            // The step is the submitting official's, taken effect by the approval.
            let next = step(tx, id, &mid, held, pending.submitted_by, cal, now).await?;
            let petition = persist(tx, id, &next, cal, now).await?;
            if let Some((subject, body)) = notice {
                notify_petitioner(tx, &petition, &subject, &body, now).await?;
            }
            Ok(petition)
        }
    }
}

/// What the petitioner must be told of a step, if anything (subject, body).
fn petitioner_notice(event: &Event) -> Option<(String, String)> {
    match event {
        Event::TransferredOut { agency, reason, .. } => Some((
            "민원이 다른 기관으로 이송되었습니다".into(),
            format!("이송 기관: {agency}\n사유: {reason}"),
        )),
        Event::SupplementRequested { items, answer_by } => Some((
            "민원 보완을 요청합니다".into(),
            format!(
                "보완할 사항: {items}\n보완 기한: {}",
                calendar::to_seoul(*answer_by).format("%Y-%m-%d %H:%M")
            ),
        )),
        Event::Extended { reason, .. } => Some((
            "민원 처리기간이 연장되었습니다".into(),
            format!("연장 사유: {reason}"),
        )),
        Event::Answered { text, .. } => {
            Some(("민원 처리 결과를 알려 드립니다".into(), text.clone()))
        }
        Event::ProgressNotice { note } => Some(("민원 처리 진행 상황 안내".into(), note.clone())),
        Event::Closed { reason } => Some(("민원이 종결되었습니다".into(), reason.clone())),
        Event::ClosedAsRepeated { basis } => Some((
            "반복 민원으로 종결되었습니다".into(),
            format!("근거: {basis}"),
        )),
        _ => None,
    }
}

/// Queue a notice to the petitioner (email, else SMS) in the same transaction.
async fn notify_petitioner(
    tx: &mut Tx,
    p: &Petition,
    subject: &str,
    body: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    let (channel, to) = if !p.petitioner_email.is_empty() {
        (outbox::Channel::Email, p.petitioner_email.as_str())
    } else if !p.petitioner_phone.is_empty() {
        (outbox::Channel::Sms, p.petitioner_phone.as_str())
    } else {
        return Ok(());
    };
    let number = p.receipt_no.as_deref().unwrap_or("-");
    let handler = handler_tx(tx, p).await?;
    // The official's own words pass the name-hiding rule like the handler line does.
    let mut body = format!("[{number}] {}\n\n{}", p.title, handler.scrub(body));
    let line = handler.line();
    if !line.is_empty() {
        body.push_str(&format!("\n\n{line}"));
    }
    // When the corrected calendar moves the deadline, the petitioner sees the new date.
    if let (Some(due), true) = (p.due_at, p.state.is_open()) {
        body.push_str(&format!(
            "\n처리 예정일: {}",
            calendar::to_seoul(due).format("%Y-%m-%d %H:%M")
        ));
    }
    outbox::enqueue(tx, channel, to, &format!("[민원] {subject}"), &body, now).await?;
    Ok(())
}

/// Who handles a petition as stored: department, its public phone, the assigned official's
/// name and personal number, and whether the office hides officials' names.
#[derive(Debug, Clone, Default, PartialEq, Eq, sqlx::FromRow)]
pub struct HandlerRow {
    pub department: String,
    pub department_phone: String,
    pub official: Option<String>,
    pub official_phone: Option<String>,
    pub hide_names: Option<String>,
}

impl HandlerRow {
    pub fn handler(&self) -> domain::privacy::Handler<'_> {
        domain::privacy::Handler {
            department: &self.department,
            department_phone: &self.department_phone,
            official: self.official.as_deref().unwrap_or(""),
            official_phone: self.official_phone.as_deref().unwrap_or(""),
        }
    }

    pub fn hidden(&self) -> bool {
        self.hide_names
            .as_deref()
            .is_some_and(|v| v.trim() == "true")
    }

    /// The line residents read (`domain::privacy::handler_line`), empty before assignment.
    pub fn line(&self) -> String {
        domain::privacy::handler_line(&self.handler(), self.hidden())
    }

    /// The same line for an English reader (`domain::privacy::handler_line_en`).
    pub fn line_en(&self) -> String {
        domain::privacy::handler_line_en(&self.handler(), self.hidden())
    }

    /// An official's text on its way to a resident (`domain::privacy::hide_official`).
    pub fn scrub(&self, text: &str) -> String {
        domain::privacy::hide_official(text, &self.handler(), self.hidden())
    }

    /// JSON on its way to a resident (the petition's `handling`, timeline events): every text
    /// passes [`Self::scrub`], and with hiding on the officials' account ids (`assignee_id`)
    /// are dropped too, so nothing leads back to the person.
    pub fn scrub_json(&self, v: &mut serde_json::Value) {
        match v {
            serde_json::Value::String(s) => *s = self.scrub(s),
            serde_json::Value::Array(items) => items.iter_mut().for_each(|i| self.scrub_json(i)),
            serde_json::Value::Object(map) => {
                for (key, value) in map.iter_mut() {
                    if self.hidden() && OFFICIAL_IDS.contains(&key.as_str()) {
                        *value = serde_json::Value::Null;
                    } else {
                        self.scrub_json(value);
                    }
                }
            }
            _ => {}
        }
    }
}

/// JSON keys that identify an official (account ids), hidden from residents with names.
const OFFICIAL_IDS: &[&str] = &["assignee_id", "actor_id"];

const HANDLER_SQL: &str = "SELECT d.name AS department, d.public_phone AS department_phone, \
     a.display_name AS official, a.phone AS official_phone, \
     (SELECT value FROM settings WHERE key = $3) AS hide_names \
     FROM departments d LEFT JOIN accounts a ON a.id = $2 WHERE d.id = $1";

/// Who handles the petition, read in the caller's transaction (notices).
async fn handler_tx(tx: &mut Tx, p: &Petition) -> Result<HandlerRow> {
    let row: Option<HandlerRow> = on_tx!(tx, |conn| sqlx::query_as(HANDLER_SQL)
        .bind(p.department_id)
        .bind(p.assignee_id)
        .bind(crate::office::settings::HIDE_HANDLER_NAMES)
        .fetch_optional(&mut *conn)
        .await)?;
    Ok(row.unwrap_or_default())
}

/// Who handles the petition (tracking page, Open311): the one source of what residents are
/// told about their handler.
pub async fn handler(db: &Db, p: &Petition) -> Result<HandlerRow> {
    let row: Option<HandlerRow> = on_db!(db, |pool| sqlx::query_as(HANDLER_SQL)
        .bind(p.department_id)
        .bind(p.assignee_id)
        .bind(crate::office::settings::HIDE_HANDLER_NAMES)
        .fetch_optional(pool)
        .await)?;
    let mut row = row.unwrap_or_default();
    if p.department_id.is_none() {
        // Without a department the setting still matters for scrubbing texts.
        row.hide_names =
            crate::office::settings::get(db, crate::office::settings::HIDE_HANDLER_NAMES).await?;
    }
    Ok(row)
}

pub async fn get(db: &Db, id: PetitionId) -> Result<Petition> {
    let sql = format!("SELECT {PETITION_COLUMNS} FROM petitions WHERE id = $1");
    on_db!(db, |pool| sqlx::query_as::<_, PetitionRow>(
        sqlx::AssertSqlSafe(sql)
    )
    .bind(id)
    .fetch_optional(pool)
    .await)?
    .ok_or(StoreError::NotFound)?
    .into_petition()
}

pub async fn get_by_receipt_no(db: &Db, receipt_no: &str) -> Result<Petition> {
    let sql = format!("SELECT {PETITION_COLUMNS} FROM petitions WHERE receipt_no = $1");
    on_db!(db, |pool| sqlx::query_as::<_, PetitionRow>(
        sqlx::AssertSqlSafe(sql)
    )
    .bind(receipt_no)
    .fetch_optional(pool)
    .await)?
    .ok_or(StoreError::NotFound)?
    .into_petition()
}

/// Shortest and longest tracking password a petitioner may choose at filing.
pub const TRACKING_PASSWORD_CHARS: std::ops::RangeInclusive<usize> = 8..=64;

/// Remember the tracking password a petitioner chose at filing (argon2id hash), in the filing's
/// transaction.
pub async fn set_tracking_password(
    tx: &mut Tx,
    id: PetitionId,
    password: &TrackingPassword,
    now: DateTime<Utc>,
) -> Result<()> {
    on_tx!(tx, |conn| sqlx::query(
        "INSERT INTO petition_tracking (petition_id, password_hash, created_at) VALUES ($1, $2, $3)"
    )
    .bind(id)
    .bind(&password.0)
    .bind(now)
    .execute(&mut *conn)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

/// A tracking password checked and hashed (argon2id) before any transaction starts: hashing
/// takes tens of milliseconds, too long to hold the write lock for.
pub struct TrackingPassword(String);

impl TrackingPassword {
    pub fn new(password: &str) -> Result<Self> {
        if !TRACKING_PASSWORD_CHARS.contains(&password.chars().count()) {
            return Err(bad(
                "bad_tracking_password",
                "조회 비밀번호는 8자에서 64자까지입니다",
                "the tracking password has 8 to 64 characters",
            ));
        }
        Ok(TrackingPassword(crate::kit::secrets::hash_password(
            password,
        )?))
    }
}

/// Find a petition for a petitioner who has no account (tracking on the web): by its receipt
/// number or its petition number (given at filing, before there is a receipt number), and either
/// the last four digits of the phone number given at filing or the tracking password chosen
/// then (anonymous reports: the password only). Any mismatch is `NotFound`, so the answer
/// never tells which part was wrong.
pub async fn find_for_petitioner(db: &Db, number: &str, secret: &str) -> Result<Petition> {
    let number = number.trim();
    let found = if number.contains('-') {
        get_by_receipt_no(db, number).await
    } else {
        match number.parse::<i64>() {
            Ok(id) => get(db, id).await,
            Err(_) => Err(StoreError::NotFound),
        }
    };
    let p = found?;
    // An anonymous report has no phone number: only its tracking password finds it.
    let four_digits =
        !p.anonymous && secret.len() == 4 && secret.chars().all(|c| c.is_ascii_digit());
    let same = if four_digits {
        let digits: String = p
            .petitioner_phone
            .chars()
            .filter(char::is_ascii_digit)
            .collect();
        let tail = digits.get(digits.len().saturating_sub(4)..).unwrap_or("");
        tail.len() == 4
            && secret
                .bytes()
                .zip(tail.bytes())
                .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                == 0
    } else {
        let hash: Option<(String,)> = on_db!(db, |pool| sqlx::query_as(
            "SELECT password_hash FROM petition_tracking WHERE petition_id = $1"
        )
        .bind(p.id)
        .fetch_optional(pool)
        .await)?;
        match hash {
            Some((h,)) => crate::kit::secrets::verify_password(secret, &h),
            None => {
                // The same work as a real check, so timing does not tell whether one was set.
                crate::kit::secrets::verify_password(secret, crate::kit::secrets::dummy_hash());
                false
            }
        }
    };
    if same {
        Ok(p)
    } else {
        Err(StoreError::NotFound)
    }
}

/// The decrypted resident registration number, when the petition has one. The caller writes
/// the access log.
pub fn reveal_rrn(p: &Petition, key: &PiiKey) -> Result<Option<String>> {
    p.rrn_encrypted
        .as_deref()
        .map(|s| key.decrypt(s))
        .transpose()
}

/// One timeline entry as stored.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoredEvent {
    pub seq: i64,
    pub at: DateTime<Utc>,
    pub actor_id: Option<AccountId>,
    pub kind: String,
    pub event: Event,
}

/// The timeline, oldest first.
pub async fn timeline(db: &Db, id: PetitionId) -> Result<Vec<StoredEvent>> {
    type Row = (i64, DateTime<Utc>, Option<i64>, String, String);
    let rows: Vec<Row> = on_db!(db, |pool| {
        sqlx::query_as(
        "SELECT seq, at, actor_id, kind, data FROM petition_events WHERE petition_id = $1 ORDER BY seq"
    )
    .bind(id)
    .fetch_all(pool)
    .await
    })?;
    rows.into_iter()
        .map(|(seq, at, actor_id, kind, data)| {
            Ok(StoredEvent {
                seq,
                at,
                actor_id,
                kind,
                event: from_json(&data)?,
            })
        })
        .collect()
}

/// Replays the timeline and compares it with the stored copy: `Ok(true)` when they agree.
pub async fn verify(db: &Db, id: PetitionId) -> Result<bool> {
    let (cal, _) = work_calendar(db).await?;
    let events = timeline(db, id).await?;
    let entries: Vec<TimelineEntry> = events
        .into_iter()
        .map(|e| TimelineEntry {
            at: e.at,
            actor: e.actor_id,
            event: e.event,
        })
        .collect();
    let replayed = Derived::replay(&entries, &cal)?;
    let p = get(db, id).await?;
    Ok(replayed == p.derived
        && p.state == replayed.state
        && p.department_id == Some(replayed.department_id)
        && p.assignee_id == replayed.assignee_id
        && p.received_at == replayed.received_at
        && p.receipt_no == replayed.receipt_no
        && p.event_count == i64::from(replayed.events)
        && entries.len() == replayed.events as usize)
}

// ---------------------------------------------------------------------------------------------
// Attachments
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Attachment {
    pub id: i64,
    pub petition_id: i64,
    pub sha256: String,
    pub filename: String,
    pub content_type: String,
    pub size: i64,
    pub created_at: DateTime<Utc>,
}

/// Record an attachment already written to the blob store; noted on the timeline.
pub async fn add_attachment(
    tx: &mut Tx,
    petition_id: PetitionId,
    blob: &crate::kit::blobs::StoredBlob,
    filename: &str,
    actor: Option<AccountId>,
    cal: &WorkCalendar,
    now: DateTime<Utc>,
) -> Result<Attachment> {
    let current = lock(tx, petition_id).await?;
    let filename: String = filename
        .chars()
        .filter(|c| !c.is_control() && *c != '/' && *c != '\\')
        .take(200)
        .collect();
    let filename = if filename.trim().is_empty() {
        "attachment".to_string()
    } else {
        filename
    };
    let row = on_tx!(tx, |conn| sqlx::query_as::<_, Attachment>(
        "INSERT INTO petition_attachments (petition_id, sha256, filename, content_type, size, actor_id, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) \
         RETURNING id, petition_id, sha256, filename, content_type, size, created_at"
    )
    .bind(petition_id)
    .bind(&blob.sha256)
    .bind(&filename)
    .bind(&blob.content_type)
    .bind(blob.size as i64)
    .bind(actor)
    .bind(now)
    .fetch_one(&mut *conn)
    .await)
    .map_err(|e| conflict_on_unique(e, domain::Bilingual::new("같은 파일이 이미 첨부되어 있습니다", "this file is already attached")))?;
    let next = step(
        tx,
        petition_id,
        &current,
        Event::Note {
            text: format!(
                "첨부 {filename} ({} bytes, sha256 {})",
                blob.size, blob.sha256
            ),
        },
        actor,
        cal,
        now,
    )
    .await?;
    persist(tx, petition_id, &next, cal, now).await?;
    Ok(row)
}

pub async fn attachments(db: &Db, petition_id: PetitionId) -> Result<Vec<Attachment>> {
    Ok(on_db!(db, |pool| sqlx::query_as::<_, Attachment>(
        "SELECT id, petition_id, sha256, filename, content_type, size, created_at \
         FROM petition_attachments WHERE petition_id = $1 ORDER BY id"
    )
    .bind(petition_id)
    .fetch_all(pool)
    .await)?)
}

// ---------------------------------------------------------------------------------------------
// The queue
// ---------------------------------------------------------------------------------------------

/// Which petitions a queue shows. Reach (departments, own petitions) comes from the access
/// policy; the other fields are the user's filters.
#[derive(Debug, Clone, Default)]
pub struct QueueFilter {
    /// Departments in reach; `None` = the whole office.
    pub departments: Option<Vec<DepartmentId>>,
    /// Only petitions filed by this account (a resident's own).
    pub petitioner_account_id: Option<AccountId>,
    pub assignee_id: Option<AccountId>,
    pub type_id: Option<i64>,
    pub state: Option<State>,
    /// Include answered and closed ones (default: open only).
    pub include_done: bool,
    pub overdue: bool,
    pub due_today: bool,
    pub flagged: bool,
    pub limit: i64,
    pub offset: i64,
}

/// A queue row with its deadline computed now by the calendar.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QueueItem {
    pub petition: Petition,
    pub due: Option<DateTime<Utc>>,
    /// Working time left in minutes (negative when overdue); `None` without a clock.
    pub working_minutes_left: Option<i64>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct QueueCounts {
    pub total: i64,
    pub overdue: i64,
    pub due_today: i64,
    pub due_soon: i64,
    pub paused: i64,
    pub flagged: i64,
    pub repeat_proposed: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QueuePage {
    pub items: Vec<QueueItem>,
    pub counts: QueueCounts,
}

/// End of today in Seoul (the next midnight).
pub fn end_of_today(now: DateTime<Utc>) -> DateTime<Utc> {
    let local = calendar::to_seoul(now);
    let tomorrow = local.date_naive().succ_opt().unwrap_or(local.date_naive());
    tomorrow
        .and_hms_opt(0, 0, 0)
        .and_then(|t| t.and_local_timezone(calendar::seoul()).single())
        .map_or(now, |t| t.with_timezone(&Utc))
}

/// One working day (8 working hours) from now, from the deadline function: "due soon".
pub fn soon_limit(cal: &WorkCalendar, now: DateTime<Utc>) -> Result<DateTime<Utc>> {
    calendar::deadline(cal, &DeadlineInput::new(now, Period::Hours(8)), now)
        .map_err(|e| deadline_error(e).into())
}

/// The reach and filters as SQL: the WHERE clause (with `$n` placeholders from 4 on: $1 = now,
/// $2 = end of today, $3 = soon limit) and the values to bind.
fn queue_where(f: &QueueFilter, with_user_filters: bool) -> (String, Vec<i64>, Option<String>) {
    let mut sql = String::from("WHERE 1 = 1");
    let mut ints: Vec<i64> = Vec::new();
    let mut state: Option<String> = None;
    let param = |ints: &mut Vec<i64>, v: i64| {
        ints.push(v);
        format!("${}", ints.len() + 3)
    };
    if let Some(depts) = &f.departments {
        if depts.is_empty() {
            sql.push_str(" AND 1 = 0");
        } else {
            let list: Vec<String> = depts.iter().map(|d| param(&mut ints, *d)).collect();
            sql.push_str(&format!(" AND department_id IN ({})", list.join(", ")));
        }
    }
    if let Some(a) = f.petitioner_account_id {
        let p = param(&mut ints, a);
        sql.push_str(&format!(" AND petitioner_account_id = {p}"));
    }
    if with_user_filters {
        if let Some(a) = f.assignee_id {
            let p = param(&mut ints, a);
            sql.push_str(&format!(" AND assignee_id = {p}"));
        }
        if let Some(t) = f.type_id {
            let p = param(&mut ints, t);
            sql.push_str(&format!(" AND type_id = {p}"));
        }
    }
    if with_user_filters && let Some(s) = f.state {
        state = Some(s.as_str().to_string());
        sql.push_str(&format!(" AND state = ${}", ints.len() + 4));
    } else if !f.include_done {
        sql.push_str(" AND ");
        sql.push_str(OPEN_STATES_SQL);
    }
    if with_user_filters {
        if f.overdue {
            sql.push_str(&format!(" AND due_at < $1 AND {LATE_STATES_SQL}"));
        }
        if f.due_today {
            sql.push_str(" AND due_at >= $1 AND due_at < $2");
        }
        if f.flagged {
            sql.push_str(" AND flagged = TRUE");
        }
    }
    (sql, ints, state)
}

/// The open states as SQL, word for word as in the partial indexes of migration 0006: both
/// databases use a partial index only when the query carries its condition.
const OPEN_STATES_SQL: &str =
    "state IN ('arrived', 'received', 'in_progress', 'supplement', 'paused')";

/// The states whose clock runs: waiting for receipt (the receipt limit) or being handled (the
/// statutory period). Paused ones and those waiting for a supplement are never late.
const LATE_STATES_SQL: &str = "state IN ('arrived', 'received', 'in_progress')";

/// Whether the filter stays inside the open states, where the partial indexes serve it.
fn open_only(f: &QueueFilter) -> bool {
    match f.state {
        Some(s) => s.is_open(),
        None => !f.include_done,
    }
}

/// Run one page-id query with the queue's parameters ($1 now, $2 end of today, $3 soon, then
/// the filter's integers and state).
async fn page_ids_query(
    db: &Db,
    sql: String,
    binds: (DateTime<Utc>, DateTime<Utc>, DateTime<Utc>),
    ints: &[i64],
    state: &Option<String>,
) -> Result<Vec<(i64, Option<DateTime<Utc>>)>> {
    Ok(on_db!(db, |pool| {
        let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(binds.0)
            .bind(binds.1)
            .bind(binds.2);
        for v in ints {
            q = q.bind(*v);
        }
        if let Some(s) = state {
            q = q.bind(s.clone());
        }
        q.fetch_all(pool).await
    })?)
}

/// The ids of one queue page in order: due moment first, petitions without a clock last, then
/// by id. Open-only queues read each department's entries of the open-petition index in due
/// order, `offset + limit` at most per department, and merge them: a page costs the same with
/// a thousand open petitions in reach or a hundred thousand.
async fn queue_page_ids(
    db: &Db,
    f: &QueueFilter,
    now: DateTime<Utc>,
    today_end: DateTime<Utc>,
    soon: DateTime<Utc>,
) -> Result<Vec<i64>> {
    let limit = f.limit.clamp(1, 500);
    let offset = f.offset.max(0);
    let binds = (now, today_end, soon);
    if !open_only(f) {
        let (filter_sql, ints, state) = queue_where(f, true);
        let sql = format!(
            "SELECT id, due_at FROM petitions {filter_sql} \
             ORDER BY CASE WHEN due_at IS NULL THEN 1 ELSE 0 END, due_at, id LIMIT {limit} OFFSET {offset}"
        );
        let rows = page_ids_query(db, sql, binds, &ints, &state).await?;
        return Ok(rows.into_iter().map(|(id, _)| id).collect());
    }
    let want = offset + limit;
    // One partition per department in reach, or the whole office at once.
    let partitions: Vec<Option<DepartmentId>> = match &f.departments {
        Some(depts) => depts.iter().map(|d| Some(*d)).collect(),
        None => vec![None],
    };
    let mut found: Vec<(bool, Option<DateTime<Utc>>, i64)> = Vec::new();
    for with_clock in [true, false] {
        if !with_clock && found.len() as i64 >= want {
            break; // every page row has a clock: those sort first
        }
        for dept in &partitions {
            let one = QueueFilter {
                departments: dept.map(|d| vec![d]),
                ..f.clone()
            };
            let (filter_sql, ints, state) = queue_where(&one, true);
            let (clock, order) = if with_clock {
                ("due_at IS NOT NULL", "due_at, id")
            } else {
                ("due_at IS NULL", "id")
            };
            let sql = format!(
                "SELECT id, due_at FROM petitions {filter_sql} AND {OPEN_STATES_SQL} AND {clock} \
                 ORDER BY {order} LIMIT {want}"
            );
            let rows = page_ids_query(db, sql, binds, &ints, &state).await?;
            found.extend(rows.into_iter().map(|(id, due)| (due.is_none(), due, id)));
        }
    }
    found.sort_unstable();
    Ok(found
        .into_iter()
        .skip(offset as usize)
        .take(limit as usize)
        .map(|(_, _, id)| id)
        .collect())
}

/// An official's or department's work list, ordered by working time left (the cached due
/// moment; petitions without a clock last), with counts over the whole reach.
pub async fn queue(db: &Db, f: &QueueFilter, now: DateTime<Utc>) -> Result<QueuePage> {
    let (cal, fingerprint) = work_calendar(db).await?;
    refresh_due_cache_with(db, &cal, &fingerprint, now).await?;
    let today_end = end_of_today(now);
    let soon = soon_limit(&cal, now)?;

    let ids = queue_page_ids(db, f, now, today_end, soon).await?;
    let mut rows: Vec<PetitionRow> = Vec::with_capacity(ids.len());
    if !ids.is_empty() {
        let list: Vec<String> = (1..=ids.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "SELECT {PETITION_COLUMNS} FROM petitions WHERE id IN ({})",
            list.join(", ")
        );
        let mut fetched = on_db!(db, |pool| {
            let mut q = sqlx::query_as::<_, PetitionRow>(sqlx::AssertSqlSafe(sql));
            for id in &ids {
                q = q.bind(*id);
            }
            q.fetch_all(pool).await
        })?;
        for id in &ids {
            if let Some(pos) = fetched.iter().position(|r| r.id == *id) {
                rows.push(fetched.swap_remove(pos));
            }
        }
    }
    let mut items = Vec::with_capacity(rows.len());
    for row in rows {
        let petition = row.into_petition()?;
        let (due, left) = match petition.derived.clock_input(now) {
            Some(input) => (
                Some(calendar::deadline(&cal, &input, now).map_err(deadline_error)?),
                Some(
                    calendar::working_time_left(&cal, &input, now)
                        .map_err(deadline_error)?
                        .num_minutes(),
                ),
            ),
            None => (None, None),
        };
        items.push(QueueItem {
            petition,
            due,
            working_minutes_left: left,
        });
    }

    let (count_sql, count_ints, _) = queue_where(f, false);
    let sql = format!(
        "SELECT COUNT(*), \
         COALESCE(SUM(CASE WHEN due_at < $1 AND {LATE_STATES_SQL} THEN 1 ELSE 0 END), 0), \
         COALESCE(SUM(CASE WHEN due_at >= $1 AND due_at < $2 THEN 1 ELSE 0 END), 0), \
         COALESCE(SUM(CASE WHEN due_at >= $1 AND due_at < $3 THEN 1 ELSE 0 END), 0), \
         COALESCE(SUM(CASE WHEN state IN ('paused', 'supplement') THEN 1 ELSE 0 END), 0), \
         COALESCE(SUM(CASE WHEN flagged = TRUE THEN 1 ELSE 0 END), 0), \
         COALESCE(SUM(CASE WHEN repeat_proposed = TRUE THEN 1 ELSE 0 END), 0) \
         FROM petitions {count_sql}"
    );
    let c: (i64, i64, i64, i64, i64, i64, i64) = on_db!(db, |pool| {
        let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(now)
            .bind(today_end)
            .bind(soon);
        for v in &count_ints {
            q = q.bind(*v);
        }
        q.fetch_one(pool).await
    })?;
    Ok(QueuePage {
        items,
        counts: QueueCounts {
            total: c.0,
            overdue: c.1,
            due_today: c.2,
            due_soon: c.3,
            paused: c.4,
            flagged: c.5,
            repeat_proposed: c.6,
        },
    })
}

// ---------------------------------------------------------------------------------------------
// Reminders and progress notices
// ---------------------------------------------------------------------------------------------

/// What one sweep did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SweepReport {
    pub due_soon: u64,
    pub overdue: u64,
    pub progress_notices: u64,
}

/// Reminders to handlers (due within one working day; overdue) and progress notices to
/// petitioners every 30 days (Decree art. 23), all through the outbox, each once per level and
/// noted on the timeline. Run it every few minutes; it is idempotent.
pub async fn sweep(db: &Db, now: DateTime<Utc>) -> Result<SweepReport> {
    refresh_due_cache(db, now).await?;
    let (cal, _) = work_calendar(db).await?;
    let soon = soon_limit(&cal, now)?;
    let mut report = SweepReport::default();
    // Overdue first, so a petition that skipped "soon" gets the stronger reminder.
    for (level, sql) in [
        (
            "overdue",
            "SELECT id FROM petitions WHERE state IN ('arrived', 'received', 'in_progress') AND due_at < $1 \
             AND reminded <> 'overdue' ORDER BY due_at LIMIT 1000",
        ),
        (
            "soon",
            "SELECT id FROM petitions WHERE state IN ('arrived', 'received', 'in_progress') AND due_at >= $1 \
             AND due_at < $2 AND reminded = '' ORDER BY due_at LIMIT 1000",
        ),
    ] {
        let ids: Vec<(i64,)> = on_db!(db, |pool| sqlx::query_as(sql)
            .bind(now)
            .bind(soon)
            .fetch_all(pool)
            .await)?;
        for (id,) in ids {
            let mut tx = db.begin().await?;
            let p = act(
                &mut tx,
                id,
                Event::Reminder {
                    level: level.into(),
                },
                None,
                &cal,
                now,
            )
            .await?;
            on_tx!(&mut tx, |conn| sqlx::query(
                "UPDATE petitions SET reminded = $1 WHERE id = $2"
            )
            .bind(level)
            .bind(id)
            .execute(&mut *conn)
            .await
            .map(|r| r.rows_affected()))?;
            // The handler; before receipt nobody handles it yet, so the department's officials
            // and supervisors are told that it waits for receipt.
            let to: Vec<(String,)> = on_tx!(&mut tx, |conn| sqlx::query_as(
                "SELECT email FROM accounts WHERE email <> '' AND active = TRUE AND \
                 (id = $1 OR ($2 AND department_id = $3 AND role IN ('official', 'supervisor'))) \
                 ORDER BY id"
            )
            .bind(p.assignee_id)
            .bind(p.state == State::Arrived)
            .bind(p.department_id)
            .fetch_all(&mut *conn)
            .await)?;
            for (email,) in to {
                let (subject, word) = match (level, p.state == State::Arrived) {
                    ("overdue", true) => ("[민원] 접수기한이 지났습니다", "접수기한이 지난"),
                    (_, true) => ("[민원] 접수기한이 다가옵니다", "접수기한이 다가오는"),
                    ("overdue", false) => ("[민원] 처리기한이 지났습니다", "처리기한이 지난"),
                    _ => ("[민원] 처리기한이 다가옵니다", "처리기한이 다가오는"),
                };
                let due = p
                    .due_at
                    .map(|d| calendar::to_seoul(d).format("%Y-%m-%d %H:%M").to_string())
                    .unwrap_or_default();
                outbox::enqueue(
                    &mut tx,
                    outbox::Channel::Email,
                    &email,
                    subject,
                    &format!(
                        "{word} 민원: [{}] {}\n기한: {due}",
                        p.receipt_no
                            .clone()
                            .unwrap_or_else(|| format!("({})", p.id)),
                        p.title
                    ),
                    now,
                )
                .await?;
            }
            tx.commit().await?;
            if level == "overdue" {
                report.overdue += 1;
            } else {
                report.due_soon += 1;
            }
        }
    }
    // Progress notices: open, received, and 30 days since receipt or the last notice.
    let cutoff = now - chrono::Duration::days(domain::petitions::PROGRESS_NOTICE_DAYS);
    let candidates: Vec<(i64, String)> = on_db!(db, |pool| {
        sqlx::query_as(
        "SELECT id, derived FROM petitions WHERE state IN ('received', 'in_progress', 'supplement', 'paused') \
         AND anonymous = FALSE AND received_at < $1 ORDER BY id LIMIT 5000"
    )
    .bind(cutoff)
    .fetch_all(pool)
    .await
    })?;
    for (id, derived) in candidates {
        let d: Derived = from_json(&derived)?;
        let last = d.last_notice_at.or(d.received_at);
        if last.is_some_and(|t| t <= cutoff) {
            let mut tx = db.begin().await?;
            act(
                &mut tx,
                id,
                Event::ProgressNotice {
                    note: format!(
                        "민원을 처리하고 있습니다 (현재 상태: {}).",
                        d.state.korean()
                    ),
                },
                None,
                &cal,
                now,
            )
            .await?;
            tx.commit().await?;
            report.progress_notices += 1;
        }
    }
    Ok(report)
}

#[cfg(test)]
mod open_index_tests {
    /// The queue's open-state condition is the partial indexes' condition, word for word:
    /// otherwise neither database would use them, silently.
    #[test]
    fn queue_condition_matches_the_partial_indexes() {
        for migration in [
            include_str!("../../migrations/sqlite/0006_open_queue.sql"),
            include_str!("../../migrations/postgres/0006_open_queue.sql"),
        ] {
            assert_eq!(
                migration
                    .matches(&format!("WHERE {}", super::OPEN_STATES_SQL))
                    .count(),
                2
            );
        }
    }
}
