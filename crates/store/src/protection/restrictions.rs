//! Access restrictions in force (접근 제한) on a petitioner.

use super::*;
use crate::fetch_all;

/// An access restriction measure that runs now.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ActiveRestriction {
    pub measure_id: i64,
    pub incident_id: i64,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub covers: Vec<rules::RestrictionCover>,
    pub reason: String,
}

/// (measure, incident, start, end, covers, reason) as read.
pub(super) type RestrictionRow = (i64, i64, DateTime<Utc>, DateTime<Utc>, String, String);

/// Restrictions in force at `now` for the petitioner known by `key` (the petitions' identity).
pub async fn active_restrictions(
    db: &Db,
    key: &str,
    now: DateTime<Utc>,
) -> Result<Vec<ActiveRestriction>> {
    if key.is_empty() {
        return Ok(vec![]);
    }
    let rows: Vec<RestrictionRow> = fetch_all!(
        db,
        _,
        "SELECT m.id, m.incident_id, m.restriction_start, m.restriction_end, m.restriction_covers, m.reason \
             FROM protection_measures m JOIN protection_incidents i ON i.id = m.incident_id \
             WHERE i.petitioner_key = $1 AND m.kind = 'access_restricted' \
             AND m.restriction_start <= $2 AND m.restriction_end > $2 ORDER BY m.restriction_end DESC",
        key,
        now
    )?;
    Ok(rows
        .into_iter()
        .map(
            |(measure_id, incident_id, start, end, covers, reason)| ActiveRestriction {
                measure_id,
                incident_id,
                start,
                end,
                covers: rules::covers_from_text(&covers),
                reason,
            },
        )
        .collect())
}

/// The lawful notice when a restriction in force covers `cover` for this petitioner: the
/// refusal every intake path answers with (Decree art. 4).
pub async fn restriction_refusal(
    db: &Db,
    key: &str,
    cover: rules::RestrictionCover,
    now: DateTime<Utc>,
) -> Result<()> {
    let running = active_restrictions(db, key, now).await?;
    match running.iter().find(|r| r.covers.contains(&cover)) {
        Some(r) => Err(StoreError::Rule(rules::restriction_notice(
            r.start, r.end, &r.covers,
        ))),
        None => Ok(()),
    }
}

/// Of these petitions, those whose petitioner is under a restriction in force (queue flags).
pub async fn restricted_petitions(
    db: &Db,
    petition_ids: &[i64],
    now: DateTime<Utc>,
) -> Result<std::collections::HashSet<i64>> {
    if petition_ids.is_empty() {
        return Ok(Default::default());
    }
    // The restricted identities are few; the petitions' keys are read for the page's rows.
    let keys: Vec<(String,)> = fetch_all!(
        db,
        _,
        "SELECT DISTINCT i.petitioner_key FROM protection_measures m \
         JOIN protection_incidents i ON i.id = m.incident_id \
         WHERE m.kind = 'access_restricted' AND i.petitioner_key <> '' \
         AND m.restriction_start <= $1 AND m.restriction_end > $1",
        now
    )?;
    if keys.is_empty() {
        return Ok(Default::default());
    }
    let keys: std::collections::HashSet<String> = keys.into_iter().map(|(k,)| k).collect();
    let mut out = std::collections::HashSet::new();
    for chunk in petition_ids.chunks(200) {
        let marks = vec!["?"; chunk.len()]
            .iter()
            .enumerate()
            .map(|(i, _)| format!("${}", i + 1))
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!("SELECT id, petitioner_key FROM petitions WHERE id IN ({marks})");
        let rows: Vec<(i64, String)> = on_db!(db, |pool| {
            let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()));
            for id in chunk {
                q = q.bind(*id);
            }
            q.fetch_all(pool).await
        })?;
        out.extend(
            rows.into_iter()
                .filter(|(_, k)| keys.contains(k))
                .map(|(id, _)| id),
        );
    }
    Ok(out)
}
