//! Protective equipment (보호장비): issue, checks and the register.

use super::*;
use crate::{execute_one, fetch_all, fetch_one, fetch_optional, kit::ByKey};

#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct Equipment {
    pub id: i64,
    pub kind: String,
    pub label: String,
    pub location: String,
    pub department_id: Option<DepartmentId>,
    pub holder_id: Option<AccountId>,
    pub issued_at: Option<DateTime<Utc>>,
    pub last_checked_at: Option<DateTime<Utc>>,
    pub faulty: bool,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct EquipmentCheck {
    pub id: i64,
    pub equipment_id: i64,
    pub at: DateTime<Utc>,
    pub checked_by: AccountId,
    pub ok: bool,
    pub fault: String,
}

pub(super) const EQUIPMENT_COLUMNS: &str = "id, kind, label, location, department_id, holder_id, issued_at, \
     last_checked_at, faulty, created_at";

pub(super) fn short(v: &str, code: &'static str, ko: &str, en: &str) -> Result<String> {
    let v = v.trim();
    if v.is_empty() || v.chars().count() > rules::MAX_SHORT_CHARS {
        return Err(bad(code, ko, en));
    }
    Ok(v.to_string())
}

pub async fn add_equipment(
    tx: &mut Tx,
    kind: EquipmentKind,
    label: &str,
    location: &str,
    department_id: Option<DepartmentId>,
    now: DateTime<Utc>,
) -> Result<Equipment> {
    let label = short(
        label,
        "equipment_label_required",
        "장비 번호(이름)를 적으세요",
        "give the equipment a label",
    )?;
    let sql = format!(
        "INSERT INTO protection_equipment (kind, label, location, department_id, created_at) \
         VALUES ($1, $2, $3, $4, $5) RETURNING {EQUIPMENT_COLUMNS}"
    );
    fetch_one!(
        tx,
        Equipment,
        sqlx::AssertSqlSafe(sql),
        kind.as_str(),
        &label,
        location.trim(),
        department_id,
        now
    )
    .map_err(|e| {
        crate::conflict_on_unique(
            e,
            domain::Bilingual::new(
                "같은 번호의 장비가 이미 있습니다",
                "equipment with this label exists",
            ),
        )
    })
}

/// Issue to `holder` (or take back with `None`).
pub async fn issue_equipment(
    tx: &mut Tx,
    id: i64,
    holder: Option<AccountId>,
    now: DateTime<Utc>,
) -> Result<Equipment> {
    let sql = format!(
        "UPDATE protection_equipment SET holder_id = $2, issued_at = $3 WHERE id = $1 RETURNING {EQUIPMENT_COLUMNS}"
    );
    fetch_optional!(
        tx,
        Equipment,
        sqlx::AssertSqlSafe(sql),
        id,
        holder,
        holder.map(|_| now)
    )?
    .or_not_found()
}

/// Record a check: working, or the fault found.
pub async fn check_equipment(
    tx: &mut Tx,
    id: i64,
    ok: bool,
    fault: &str,
    by: AccountId,
    now: DateTime<Utc>,
) -> Result<EquipmentCheck> {
    if !ok && fault.trim().is_empty() {
        return Err(bad(
            "fault_required",
            "고장 내용을 적으세요",
            "describe the fault",
        ));
    }
    execute_one!(
        tx,
        "UPDATE protection_equipment SET last_checked_at = $2, faulty = $3 WHERE id = $1",
        id,
        now,
        !ok
    )?;
    Ok(fetch_one!(
        tx,
        EquipmentCheck,
        "INSERT INTO protection_equipment_checks (equipment_id, at, checked_by, ok, fault) VALUES ($1, $2, $3, $4, $5) \
         RETURNING id, equipment_id, at, checked_by, ok, fault",
        id,
        now,
        by,
        ok,
        fault.trim()
    )?)
}

pub async fn equipment(db: &Db) -> Result<Vec<Equipment>> {
    let sql = format!("SELECT {EQUIPMENT_COLUMNS} FROM protection_equipment ORDER BY kind, label");
    Ok(fetch_all!(db, Equipment, sqlx::AssertSqlSafe(sql))?)
}

pub async fn equipment_checks(db: &Db, id: i64) -> Result<Vec<EquipmentCheck>> {
    Ok(fetch_all!(
        db,
        EquipmentCheck,
        "SELECT id, equipment_id, at, checked_by, ok, fault FROM protection_equipment_checks \
         WHERE equipment_id = $1 ORDER BY id DESC",
        id
    )?)
}
