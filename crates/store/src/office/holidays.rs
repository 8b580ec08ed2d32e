//! Holiday data an administrator edits: temporary (임시공휴일), local (지방공휴일) and election
//! days added, and computed holidays removed. The calendar crate takes these rows as input.

use crate::{Db, Result, StoreError, conflict_on_unique, execute_one, fetch_all, fetch_one};
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct HolidayRow {
    pub id: i64,
    pub date: NaiveDate,
    pub name: String,
    /// `temporary`, `local` or `election`.
    pub kind: String,
    /// A removal cancels a computed holiday on that date instead of adding one.
    pub removed: bool,
}

pub const KINDS: [&str; 3] = ["temporary", "local", "election"];

pub async fn list(db: &Db) -> Result<Vec<HolidayRow>> {
    Ok(fetch_all!(
        db,
        HolidayRow,
        "SELECT id, date, name, kind, removed FROM holiday_data ORDER BY date, kind"
    )?)
}

pub async fn add(
    db: &Db,
    date: NaiveDate,
    name: &str,
    kind: &str,
    removed: bool,
    now: DateTime<Utc>,
) -> Result<HolidayRow> {
    if !KINDS.contains(&kind) {
        return Err(StoreError::conflict(
            format!("휴일 종류는 {}여야 합니다", KINDS.join(", ")),
            format!("holiday kind must be one of {}", KINDS.join(", ")),
        ));
    }
    domain::office::accounts::validate_display_name(name)?;
    let msg = domain::Bilingual::new(
        format!("{date}에 같은 종류의 휴일이 이미 있습니다"),
        format!("a {kind} holiday on {date} exists"),
    );
    let row = fetch_one!(db, HolidayRow, "INSERT INTO holiday_data (date, name, kind, removed, created_at) VALUES ($1, $2, $3, $4, $5) \
         RETURNING id, date, name, kind, removed", date, name.trim(), kind, removed, now)
    .map_err(|e| conflict_on_unique(e, msg))?;
    db.kept.forget(&crate::Stale::Calendar);
    Ok(row)
}

pub async fn delete(db: &Db, id: i64) -> Result<()> {
    execute_one!(db, "DELETE FROM holiday_data WHERE id = $1", id)?;
    db.kept.forget(&crate::Stale::Calendar);
    Ok(())
}
