//! Programs with their agenda (modules) and audience, and the official facts the audience rule
//! reads (grade, appointment date).

use super::refused;
use crate::kit::ByKey;
use crate::{Db, Result, Tx, execute, execute_one, fetch_all, fetch_one, fetch_optional};
use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use domain::office::accounts::Role;
use domain::programs::{
    Audience, LearningCategory, ModuleDraft, Person, ProgramDraft, ProgramKind,
};
use domain::{AccountId, DepartmentId};
use serde::Serialize;

/// A program as stored, with its agenda.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Program {
    pub id: i64,
    pub kind: ProgramKind,
    pub title: String,
    pub title_en: String,
    pub description: String,
    pub description_en: String,
    pub recognised_minutes: i64,
    pub category: LearningCategory,
    pub designated: bool,
    pub approval_required: bool,
    pub notify_supervisor: bool,
    pub min_attended_percent: i64,
    pub feedback_required: bool,
    pub capacity_default: i64,
    pub audience: Audience,
    pub archived: bool,
    pub modules: Vec<Module>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Module {
    pub id: i64,
    pub day_number: i64,
    pub title: String,
    pub title_en: String,
    pub starts: String,
    pub ends: String,
    pub leader: String,
}

#[derive(sqlx::FromRow)]
struct ProgramRow {
    id: i64,
    kind: String,
    title: String,
    title_en: String,
    description: String,
    description_en: String,
    recognised_minutes: i64,
    category: String,
    designated: bool,
    approval_required: bool,
    notify_supervisor: bool,
    min_attended_percent: i64,
    feedback_required: bool,
    capacity_default: i64,
    audience_roles: String,
    audience_departments: String,
    audience_grades: String,
    audience_appointed_from: Option<NaiveDate>,
    audience_appointed_to: Option<NaiveDate>,
    archived: bool,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

const PROGRAM_COLUMNS: &str = "id, kind, title, title_en, description, description_en, \
    recognised_minutes, category, designated, approval_required, notify_supervisor, \
    min_attended_percent, feedback_required, capacity_default, audience_roles, \
    audience_departments, audience_grades, audience_appointed_from, audience_appointed_to, \
    archived, created_at, updated_at";

impl ProgramRow {
    fn into_program(self, modules: Vec<Module>) -> Result<Program> {
        Ok(Program {
            id: self.id,
            kind: ProgramKind::parse(&self.kind)?,
            title: self.title,
            title_en: self.title_en,
            description: self.description,
            description_en: self.description_en,
            recognised_minutes: self.recognised_minutes,
            category: LearningCategory::parse(&self.category)?,
            designated: self.designated,
            approval_required: self.approval_required,
            notify_supervisor: self.notify_supervisor,
            min_attended_percent: self.min_attended_percent,
            feedback_required: self.feedback_required,
            capacity_default: self.capacity_default,
            audience: Audience::from_stored(
                &self.audience_roles,
                &self.audience_departments,
                &self.audience_grades,
                self.audience_appointed_from,
                self.audience_appointed_to,
            ),
            archived: self.archived,
            modules,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

fn roles_text(a: &Audience) -> String {
    Audience::join(&a.roles.iter().map(|r| r.as_str()).collect::<Vec<_>>())
}

/// Create a program and its agenda. Returns its id.
pub async fn create_program(
    tx: &mut Tx,
    d: &ProgramDraft,
    by: AccountId,
    owner_department: Option<DepartmentId>,
    now: DateTime<Utc>,
) -> Result<i64> {
    d.validate().map_err(refused)?;
    let (id,): (i64,) = fetch_one!(
        &mut *tx,
        _,
        "INSERT INTO programs (kind, title, title_en, description, description_en, \
         owner_department_id, recognised_minutes, category, designated, approval_required, \
         notify_supervisor, min_attended_percent, feedback_required, capacity_default, \
         audience_roles, audience_departments, audience_grades, audience_appointed_from, \
         audience_appointed_to, created_by, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, \
         $18, $19, $20, $21, $21) RETURNING id",
        d.kind.as_str(),
        d.title.trim(),
        d.title_en.trim(),
        d.description.trim(),
        d.description_en.trim(),
        owner_department,
        d.recognised_minutes,
        d.category.as_str(),
        d.designated,
        d.approval_required,
        d.notify_supervisor,
        d.min_attended_percent,
        d.feedback_required,
        d.capacity_default,
        roles_text(&d.audience),
        Audience::join(&d.audience.departments),
        Audience::join(&d.audience.grades),
        d.audience.appointed_from,
        d.audience.appointed_to,
        by,
        now
    )?;
    write_modules(tx, id, &d.modules).await?;
    Ok(id)
}

/// Replace a program's fields and agenda. Sessions keep their own capacity.
pub async fn update_program(
    tx: &mut Tx,
    id: i64,
    d: &ProgramDraft,
    now: DateTime<Utc>,
) -> Result<()> {
    d.validate().map_err(refused)?;
    execute_one!(
        &mut *tx,
        "UPDATE programs SET kind = $1, title = $2, title_en = $3, description = $4, \
         description_en = $5, recognised_minutes = $6, category = $7, designated = $8, \
         approval_required = $9, notify_supervisor = $10, min_attended_percent = $11, \
         feedback_required = $12, capacity_default = $13, audience_roles = $14, \
         audience_departments = $15, audience_grades = $16, audience_appointed_from = $17, \
         audience_appointed_to = $18, updated_at = $19 WHERE id = $20",
        d.kind.as_str(),
        d.title.trim(),
        d.title_en.trim(),
        d.description.trim(),
        d.description_en.trim(),
        d.recognised_minutes,
        d.category.as_str(),
        d.designated,
        d.approval_required,
        d.notify_supervisor,
        d.min_attended_percent,
        d.feedback_required,
        d.capacity_default,
        roles_text(&d.audience),
        Audience::join(&d.audience.departments),
        Audience::join(&d.audience.grades),
        d.audience.appointed_from,
        d.audience.appointed_to,
        now,
        id
    )?;
    execute!(
        &mut *tx,
        "DELETE FROM program_modules WHERE program_id = $1",
        id
    )?;
    write_modules(tx, id, &d.modules).await
}

async fn write_modules(tx: &mut Tx, program: i64, modules: &[ModuleDraft]) -> Result<()> {
    let hm = |t: NaiveTime| t.format("%H:%M").to_string();
    for (i, m) in modules.iter().enumerate() {
        execute!(
            &mut *tx,
            "INSERT INTO program_modules (program_id, position, day_number, title, title_en, \
             starts, ends, leader) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            program,
            i as i64 + 1,
            m.day_number,
            m.title.trim(),
            m.title_en.trim(),
            hm(m.starts),
            hm(m.ends),
            m.leader.trim()
        )?;
    }
    Ok(())
}

async fn modules_of(db: &Db, program: i64) -> Result<Vec<Module>> {
    Ok(fetch_all!(
        db,
        Module,
        "SELECT id, day_number, title, title_en, starts, ends, leader FROM program_modules \
         WHERE program_id = $1 ORDER BY day_number, starts, position",
        program
    )?)
}

pub async fn program(db: &Db, id: i64) -> Result<Program> {
    let sql = format!("SELECT {PROGRAM_COLUMNS} FROM programs WHERE id = $1");
    let row = fetch_optional!(db, ProgramRow, sqlx::AssertSqlSafe(sql), id)?.or_not_found()?;
    row.into_program(modules_of(db, id).await?)
}

/// Every program, newest first, without their agenda.
pub async fn programs(db: &Db) -> Result<Vec<Program>> {
    let sql = format!("SELECT {PROGRAM_COLUMNS} FROM programs ORDER BY created_at DESC, id DESC");
    fetch_all!(db, ProgramRow, sqlx::AssertSqlSafe(sql))?
        .into_iter()
        .map(|r| r.into_program(Vec::new()))
        .collect()
}

#[derive(sqlx::FromRow)]
struct PersonRow {
    id: AccountId,
    role: String,
    department_id: Option<DepartmentId>,
    grade: Option<i64>,
    appointed_on: Option<NaiveDate>,
}

/// What the audience rule reads of an official.
pub async fn person(db: &Db, account: AccountId) -> Result<Person> {
    let row = fetch_optional!(
        db,
        PersonRow,
        "SELECT id, role, department_id, grade, appointed_on FROM accounts WHERE id = $1",
        account
    )?
    .or_not_found()?;
    Ok(Person {
        account_id: row.id,
        role: row.role.parse::<Role>()?,
        department_id: row.department_id,
        grade: row.grade,
        appointed_on: row.appointed_on,
    })
}

/// Record an official's grade (급) and appointment date, read by audience rules and the
/// hours requirement.
pub async fn set_official_facts(
    tx: &mut Tx,
    account: AccountId,
    grade: Option<i64>,
    appointed_on: Option<NaiveDate>,
) -> Result<()> {
    if grade.is_some_and(|g| !(1..=9).contains(&g)) {
        return Err(domain::RuleError::new(
            "invalid_grade",
            "급은 1부터 9 사이여야 합니다",
            "grades run from 1 to 9",
        )
        .into());
    }
    execute_one!(
        &mut *tx,
        "UPDATE accounts SET grade = $1, appointed_on = $2 WHERE id = $3",
        grade,
        appointed_on,
        account
    )
}

/// An official a supervisor or the training officer may nominate: active staff.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Official {
    pub id: AccountId,
    pub display_name: String,
    pub department_id: Option<DepartmentId>,
    pub department_name: String,
}

/// Active staff, in the given departments when a list is given.
pub async fn officials(db: &Db, departments: Option<&[DepartmentId]>) -> Result<Vec<Official>> {
    let all: Vec<Official> = fetch_all!(
        db,
        Official,
        "SELECT a.id, a.display_name, a.department_id, COALESCE(d.name, '') AS department_name \
         FROM accounts a LEFT JOIN departments d ON d.id = a.department_id \
         WHERE a.active = $1 AND a.role <> 'resident' ORDER BY d.name, a.display_name",
        true
    )?;
    Ok(match departments {
        None => all,
        Some(list) => all
            .into_iter()
            .filter(|o| o.department_id.is_some_and(|d| list.contains(&d)))
            .collect(),
    })
}
