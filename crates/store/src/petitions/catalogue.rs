//! The catalogue of petition types (민원 종류): legal periods, required fields, templates, what
//! Open311 may publish.

use super::*;
use crate::{fetch_all, fetch_optional, kit::ByKey};

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
    /// The name on the English pages; empty when the office gave none (see [`PetitionType::name_in`]).
    pub name_en: String,
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
pub(super) struct TypeRow {
    id: i64,
    code: String,
    name: String,
    name_en: String,
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

pub(super) const TYPE_COLUMNS: &str = "id, code, name, name_en, kind, period, department_id, description, \
    required_documents, fields, templates, requires_rrn, public, active, needs_approval, publishable";

pub(super) fn from_json<T: serde::de::DeserializeOwned>(text: &str) -> Result<T> {
    serde_json::from_str(text).map_err(|e| StoreError::internal("stored JSON unreadable", e))
}

pub(super) fn to_json<T: Serialize>(v: &T) -> Result<String> {
    serde_json::to_string(v).map_err(|e| StoreError::internal("JSON not serialisable", e))
}

impl TypeRow {
    fn into_type(self) -> Result<PetitionType> {
        Ok(PetitionType {
            id: self.id,
            code: self.code,
            name: self.name,
            name_en: self.name_en,
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

impl PetitionType {
    /// The name in English (`english`) or Korean; the Korean one when no English name was given.
    pub fn name_in(&self, english: bool) -> &str {
        if english && !self.name_en.trim().is_empty() {
            &self.name_en
        } else {
            &self.name
        }
    }
}

/// What an administrator writes to define or change a type.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct TypeSpec {
    pub code: String,
    pub name: String,
    /// The English name (optional: the Korean one stands in).
    #[serde(default)]
    pub name_en: String,
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

pub(super) fn yes() -> bool {
    true
}

pub(super) fn check_spec(spec: &TypeSpec) -> Result<Period> {
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
    write_type(tx, None, spec, now)
        .await?
        .or_not_found()?
        .into_type()
}

pub async fn update_type(
    tx: &mut Tx,
    id: i64,
    spec: &TypeSpec,
    now: DateTime<Utc>,
) -> Result<PetitionType> {
    let row = write_type(tx, Some(id), spec, now).await?;
    tx.changes(crate::Stale::Type(id));
    row.or_not_found()?.into_type()
}

/// Insert a type (no `id`) or rewrite type `id` from a spec: the row written, none when there is
/// no type `id`. Both statements take the spec as the same sixteen parameters; the update adds
/// the id as the seventeenth.
async fn write_type(
    tx: &mut Tx,
    id: Option<i64>,
    spec: &TypeSpec,
    now: DateTime<Utc>,
) -> Result<Option<TypeRow>> {
    let period = check_spec(spec)?;
    let docs = to_json(&spec.required_documents)?;
    let fields = to_json(&spec.fields)?;
    let templates = to_json(&spec.templates)?;
    macro_rules! with_spec {
        ($sql:expr $(, $id:expr)?) => {
            fetch_optional!(
                tx,
                TypeRow,
                sqlx::AssertSqlSafe($sql),
                &spec.code,
                spec.name.trim(),
                spec.kind.as_str(),
                period.to_string(),
                spec.department_id,
                &spec.description,
                &docs,
                &fields,
                &templates,
                spec.requires_rrn,
                spec.public,
                spec.active,
                now,
                spec.needs_approval,
                spec.publishable,
                spec.name_en.trim()
                $(, $id)?
            )
        };
    }
    let written = match id {
        None => with_spec!(format!(
            "INSERT INTO petition_types (code, name, kind, period, department_id, description, \
             required_documents, fields, templates, requires_rrn, public, active, created_at, updated_at, \
             needs_approval, publishable, name_en) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13, $14, $15, $16) RETURNING {TYPE_COLUMNS}"
        )),
        Some(id) => with_spec!(
            format!(
                "UPDATE petition_types SET code = $1, name = $2, kind = $3, period = $4, department_id = $5, \
                 description = $6, required_documents = $7, fields = $8, templates = $9, requires_rrn = $10, \
                 public = $11, active = $12, updated_at = $13, needs_approval = $14, publishable = $15, \
                 name_en = $16 WHERE id = $17 RETURNING {TYPE_COLUMNS}"
            ),
            id
        ),
    };
    let msg = domain::Bilingual::new(
        format!("민원 종류 코드 '{}'가 이미 있습니다", spec.code),
        format!("type code '{}' exists", spec.code),
    );
    written.map_err(|e| conflict_on_unique(e, msg))
}

pub async fn get_type(db: &Db, id: i64) -> Result<PetitionType> {
    let sql = format!("SELECT {TYPE_COLUMNS} FROM petition_types WHERE id = $1");
    fetch_optional!(db, TypeRow, sqlx::AssertSqlSafe(sql), id)?
        .or_not_found()?
        .into_type()
}

/// [`get_type`], kept for [`KEPT_FOR`] (intake reads the type of every petition).
pub(super) async fn get_type_kept(db: &Db, id: i64) -> Result<PetitionType> {
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
    fetch_optional!(db, TypeRow, sqlx::AssertSqlSafe(sql), code)?
        .or_not_found()?
        .into_type()
}

/// Every type, or only public active ones (what residents may choose).
pub async fn list_types(db: &Db, public_only: bool) -> Result<Vec<PetitionType>> {
    let sql = format!(
        "SELECT {TYPE_COLUMNS} FROM petition_types WHERE ($1 = FALSE OR (public = TRUE AND active = TRUE)) ORDER BY id"
    );
    let rows = fetch_all!(db, TypeRow, sqlx::AssertSqlSafe(sql), public_only)?;
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
        ("question-law", Kind::QuestionLaw),
        ("question-system", Kind::QuestionSystem),
        ("proposal", Kind::Proposal),
        ("other", Kind::Other),
        ("grievance", Kind::Grievance),
    ];
    for (code, kind) in general {
        let exists: Option<(i64,)> =
            fetch_optional!(tx, _, "SELECT id FROM petition_types WHERE code = $1", code)?;
        if exists.is_some() {
            continue;
        }
        create_type(
            tx,
            &TypeSpec {
                code: code.into(),
                name: kind.korean().into(),
                name_en: kind.english().into(),
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
