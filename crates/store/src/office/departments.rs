//! The org chart (조직도): departments with parent departments.

use crate::kit::ByKey;
use crate::{Db, Result, StoreError, Tx, conflict_on_unique, fetch_all, fetch_one, fetch_optional};
use chrono::{DateTime, Utc};
use domain::access::OrgChart;
use domain::{
    DepartmentId, office::accounts::validate_department_code,
    office::accounts::validate_display_name,
};
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Department {
    pub id: DepartmentId,
    pub code: String,
    pub name: String,
    pub name_en: String,
    pub parent_id: Option<DepartmentId>,
    pub created_at: DateTime<Utc>,
    /// Retired departments stay in the org chart but take no new accounts, types or petitions.
    pub active: bool,
    /// The phone residents are given instead of an official's when names are hidden.
    pub public_phone: String,
}

pub struct NewDepartment<'a> {
    pub code: &'a str,
    pub name: &'a str,
    pub name_en: &'a str,
    pub parent_code: Option<&'a str>,
}

pub async fn create(
    tx: &mut Tx,
    new: &NewDepartment<'_>,
    now: DateTime<Utc>,
) -> Result<Department> {
    validate_department_code(new.code)?;
    validate_display_name(new.name)?;
    let parent_id = match new.parent_code {
        Some(code) => Some(
            get_by_code_tx(tx, code)
                .await?
                .ok_or_else(|| {
                    StoreError::conflict(
                        format!("상위 부서 '{code}'가 없습니다"),
                        format!("parent department '{code}' does not exist"),
                    )
                })?
                .id,
        ),
        None => None,
    };
    let sql = "INSERT INTO departments (code, name, name_en, parent_id, created_at) \
               VALUES ($1, $2, $3, $4, $5) \
               RETURNING id, code, name, name_en, parent_id, created_at, active, public_phone";
    let msg = domain::Bilingual::new(
        format!("부서 코드 '{}'가 이미 있습니다", new.code),
        format!("department code '{}' already exists", new.code),
    );
    tx.changes(crate::Stale::OrgChart);
    fetch_one!(
        tx,
        Department,
        sql,
        new.code,
        new.name.trim(),
        new.name_en.trim(),
        parent_id,
        now
    )
    .map_err(|e| conflict_on_unique(e, msg))
}

async fn get_by_code_tx(tx: &mut Tx, code: &str) -> Result<Option<Department>> {
    let sql = "SELECT id, code, name, name_en, parent_id, created_at, active, public_phone FROM departments WHERE code = $1";
    Ok(fetch_optional!(tx, Department, sql, code)?)
}

pub async fn get_by_code(db: &Db, code: &str) -> Result<Option<Department>> {
    let sql = "SELECT id, code, name, name_en, parent_id, created_at, active, public_phone FROM departments WHERE code = $1";
    Ok(fetch_optional!(db, Department, sql, code)?)
}

pub async fn get(db: &Db, id: DepartmentId) -> Result<Department> {
    let sql = "SELECT id, code, name, name_en, parent_id, created_at, active, public_phone FROM departments WHERE id = $1";
    fetch_optional!(db, Department, sql, id)?.or_not_found()
}

pub async fn list(db: &Db) -> Result<Vec<Department>> {
    let sql = "SELECT id, code, name, name_en, parent_id, created_at, active, public_phone FROM departments ORDER BY id";
    Ok(fetch_all!(db, Department, sql)?)
}

/// What an administrator changes on a department: its names, its place in the org chart and
/// whether it is still in use (retiring is undone by setting `active` again).
pub struct DepartmentChange<'a> {
    pub name: &'a str,
    pub name_en: &'a str,
    pub parent_id: Option<DepartmentId>,
    pub active: bool,
}

/// Rename, move or retire a department. A move under itself or its own descendants is refused
/// (the org chart stays a tree, which the access policy's division scope relies on).
pub async fn update(
    tx: &mut Tx,
    id: DepartmentId,
    change: &DepartmentChange<'_>,
) -> Result<Department> {
    validate_display_name(change.name)?;
    let rows: Vec<(DepartmentId, Option<DepartmentId>)> =
        fetch_all!(tx, _, "SELECT id, parent_id FROM departments")?;
    if !rows.iter().any(|(d, _)| *d == id) {
        return Err(StoreError::NotFound);
    }
    if let Some(parent) = change.parent_id {
        if !rows.iter().any(|(d, _)| *d == parent) {
            return Err(StoreError::conflict(
                "상위 부서가 없습니다",
                "the parent department does not exist",
            ));
        }
        if OrgChart::new(rows).would_cycle(id, parent) {
            return Err(StoreError::conflict(
                "부서를 자기 자신이나 하위 부서 아래로 옮길 수 없습니다",
                "a department cannot move under itself or its own sub-departments",
            ));
        }
    }
    let sql = "UPDATE departments SET name = $1, name_en = $2, parent_id = $3, active = $4 \
               WHERE id = $5 RETURNING id, code, name, name_en, parent_id, created_at, active, public_phone";
    tx.changes(crate::Stale::OrgChart);
    fetch_optional!(
        tx,
        Department,
        sql,
        change.name.trim(),
        change.name_en.trim(),
        change.parent_id,
        change.active,
        id
    )?
    .or_not_found()
}

/// Set the department's public phone (대표 전화). Digits, spaces, `-`, `(`, `)` and `+`, with
/// 7 to 15 digits; empty clears it.
pub async fn set_public_phone(tx: &mut Tx, id: DepartmentId, phone: &str) -> Result<Department> {
    let phone = phone.trim();
    let digits = phone.chars().filter(char::is_ascii_digit).count();
    let allowed = phone
        .chars()
        .all(|c| c.is_ascii_digit() || " -()+".contains(c));
    if !phone.is_empty() && (!allowed || !(7..=15).contains(&digits)) {
        return Err(domain::RuleError::new(
            "bad_public_phone",
            "대표 전화는 숫자 7~15자리로 적어 주세요 (예: 031-580-2114)",
            "write the public phone with 7 to 15 digits (e.g. 031-580-2114)",
        )
        .into());
    }
    let sql = "UPDATE departments SET public_phone = $1 WHERE id = $2 \
               RETURNING id, code, name, name_en, parent_id, created_at, active, public_phone";
    fetch_optional!(tx, Department, sql, phone, id)?.or_not_found()
}

/// The org chart for the access policy's division scope.
/// Kept for [`crate::petitions::KEPT_FOR`]: every request that asks the access policy needs it.
pub async fn org_chart(db: &Db) -> Result<OrgChart> {
    if let Ok(kept) = db.kept.org.lock()
        && let Some((read, org)) = kept.as_ref()
        && read.elapsed() < crate::petitions::KEPT_FOR
    {
        return Ok(org.clone());
    }
    let rows = list(db).await?;
    let org = OrgChart::new(rows.into_iter().map(|d| (d.id, d.parent_id)));
    if let Ok(mut kept) = db.kept.org.lock() {
        *kept = Some((std::time::Instant::now(), org.clone()));
    }
    Ok(org)
}
