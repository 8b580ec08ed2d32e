//! Wellbeing instrument versions an office imported (its licensed, validated text), merged
//! with the shipped battery: the newest version of each instrument is asked, older ones stay
//! to read the results they scored. The checks are `domain::wellbeing::check_import`.

use crate::{Db, Result, StoreError, conflict_on_unique, execute, fetch_all};
use chrono::{DateTime, Utc};
use domain::wellbeing::{Battery, Instrument, battery as shipped, check_import};

/// The imported versions, oldest first.
pub async fn imported(db: &Db) -> Result<Vec<Instrument>> {
    let rows: Vec<(String,)> = fetch_all!(
        db,
        _,
        "SELECT body FROM wellbeing_instrument_versions ORDER BY instrument_id, version"
    )?;
    rows.into_iter()
        .map(|(body,)| {
            serde_json::from_str(&body)
                .map_err(|e| StoreError::internal("an imported instrument cannot be read", e))
        })
        .collect()
}

/// The battery this office uses: shipped files plus imported versions.
pub async fn battery(db: &Db) -> Result<Battery> {
    Ok(shipped()?.with_versions(imported(db).await?))
}

/// Check an instrument file and add it as a new version. Returns what was added.
pub async fn import(db: &Db, text: &str, now: DateTime<Utc>) -> Result<Instrument> {
    let current = battery(db).await?;
    let i = check_import(text, &current)?;
    let body = serde_json::to_string(&i)
        .map_err(|e| StoreError::internal("instrument not serialisable", e))?;
    let msg = domain::Bilingual::new(
        format!("{} 버전 {}은 이미 있습니다", i.id, i.version),
        format!("version {} of {} exists", i.version, i.id),
    );
    execute!(
        db,
        "INSERT INTO wellbeing_instrument_versions (instrument_id, version, body, imported_at) \
         VALUES ($1, $2, $3, $4)",
        &i.id,
        i.version,
        &body,
        now
    )
    .map_err(|e| conflict_on_unique(e, msg))?;
    Ok(i)
}
