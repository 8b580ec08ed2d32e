//! The working calendar built from the office's holiday rows and office hours, and the due
//! moments cached on open petitions.

use super::*;
use crate::{execute, fetch_all};

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
pub(super) async fn refresh_due_cache_with(
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
        let rows: Vec<(i64, String)> = fetch_all!(
            db,
            _,
            "SELECT id, derived FROM petitions WHERE id > $1 AND state IN \
             ('arrived', 'received', 'in_progress', 'supplement', 'paused') ORDER BY id LIMIT 500",
            after
        )?;
        let Some(last) = rows.last() else { break };
        after = last.0;
        let mut tx = db.begin().await?;
        for (id, derived) in &rows {
            let d: Derived = from_json(derived)?;
            let due = d.clock_due(cal, now)?;
            execute!(
                &mut tx,
                "UPDATE petitions SET due_at = $1 WHERE id = $2",
                due,
                id
            )?;
            changed += 1;
        }
        tx.commit().await?;
    }
    crate::office::settings::set(db, DUE_CACHE_SETTING, fingerprint, now).await?;
    Ok(changed)
}
