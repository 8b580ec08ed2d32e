//! Office settings as key/value text (hours, retention periods, name hiding …).

use crate::kit::sql::Target;
use crate::{Db, Result, StoreError, Tx, execute, fetch_all, fetch_optional};
use calendar::OfficeHours;
use chrono::{DateTime, Utc};

/// The office hours (근무시간) the working calendar counts with, as JSON; absent = the default
/// 09:00–18:00 with lunch 12:00–13:00.
pub const OFFICE_HOURS: &str = "calendar.office_hours";

/// `true` hides officials' names and personal numbers from residents (DOMAIN.md section 5):
/// notices, tracking and Open311 give the department and its public phone.
pub const HIDE_HANDLER_NAMES: &str = "petitions.hide_handler_names";

/// The office's postal address and main phone number (the footer and the privacy policy).
pub const OFFICE_ADDRESS: &str = "office.address";
pub const OFFICE_PHONE: &str = "office.phone";

pub async fn get(db: &Db, key: &str) -> Result<Option<String>> {
    let row: Option<(String,)> =
        fetch_optional!(db, _, "SELECT value FROM settings WHERE key = $1", key)?;
    Ok(row.map(|r| r.0))
}

pub async fn set(db: &Db, key: &str, value: &str, now: DateTime<Utc>) -> Result<()> {
    write(db, key, value, now).await
}

async fn write<'a>(on: impl Target<'a>, key: &str, value: &str, now: DateTime<Utc>) -> Result<()> {
    execute!(
        on,
        "INSERT INTO settings (key, value, updated_at) VALUES ($1, $2, $3) \
         ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
        key,
        value,
        now
    )?;
    Ok(())
}

/// Whether the office hides officials' names from residents (absent = no).
pub async fn hide_handler_names(db: &Db) -> Result<bool> {
    Ok(get(db, HIDE_HANDLER_NAMES)
        .await?
        .is_some_and(|v| v.trim() == "true"))
}

/// Turn name hiding on or off inside the caller's transaction, so the change and its
/// access-log entry land together or not at all.
pub async fn set_hide_handler_names(tx: &mut Tx, hide: bool, now: DateTime<Utc>) -> Result<()> {
    let value = if hide { "true" } else { "false" };
    write(tx, HIDE_HANDLER_NAMES, value, now).await
}

/// The office's address and phone inside the caller's transaction (checked by
/// `domain::office::contact` first); empty texts clear them.
pub async fn set_office_contact(
    tx: &mut Tx,
    address: &str,
    phone: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    write(&mut *tx, OFFICE_ADDRESS, address, now).await?;
    write(tx, OFFICE_PHONE, phone, now).await
}

pub async fn all(db: &Db) -> Result<Vec<(String, String)>> {
    Ok(fetch_all!(
        db,
        _,
        "SELECT key, value FROM settings ORDER BY key"
    )?)
}

/// The office's hours, or the default when never set.
pub async fn office_hours(db: &Db) -> Result<OfficeHours> {
    parse_office_hours(get(db, OFFICE_HOURS).await?.as_deref())
}

/// The office hours from the setting's text (absent = the default).
pub fn parse_office_hours(text: Option<&str>) -> Result<OfficeHours> {
    match text {
        None => Ok(OfficeHours::default()),
        Some(text) => serde_json::from_str(text)
            .map_err(|e| StoreError::internal("stored office hours unreadable", e)),
    }
}

/// Store new office hours after the calendar's own check. The working calendar and the due
/// cache follow by themselves: both are keyed by a fingerprint that includes the hours.
pub async fn set_office_hours(db: &Db, hours: &OfficeHours, now: DateTime<Utc>) -> Result<()> {
    hours.validate().map_err(|e| {
        // The calendar's own text carries both languages; each half here keeps to its own.
        let why = match e {
            calendar::CalendarError::InvalidOfficeHours(why) => why,
            other => other.to_string(),
        };
        StoreError::conflict(
            "근무시간이 맞지 않습니다: 시작은 끝보다 앞이고 점심시간은 그 사이에 있어야 합니다",
            format!("the office hours do not work: {why} (start before end, lunch inside the day)"),
        )
    })?;
    let text = serde_json::to_string(hours)
        .map_err(|e| StoreError::internal("office hours not serialisable", e))?;
    set(db, OFFICE_HOURS, &text, now).await?;
    db.kept.forget(&crate::Stale::Calendar);
    Ok(())
}
