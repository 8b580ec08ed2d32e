//! The inputs of the protection indicators (지표).

use super::*;
use crate::fetch_all;

/// The facts the indicators are computed from, for incidents, contacts and drills in
/// `[from, to)`.
pub async fn indicator_inputs(
    db: &Db,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<(Vec<IncidentFact>, Vec<ContactFact>, Vec<HeldDrill>)> {
    let incidents: Vec<(i64, Option<i64>, DateTime<Utc>)> = fetch_all!(
        db,
        _,
        "SELECT id, department_id, occurred_at FROM protection_incidents WHERE occurred_at >= $1 AND occurred_at < $2",
        from,
        to
    )?;
    let measures: Vec<(i64, String, DateTime<Utc>)> = fetch_all!(
        db,
        _,
        "SELECT m.incident_id, m.kind, m.at FROM protection_measures m JOIN protection_incidents i ON i.id = m.incident_id \
         WHERE i.occurred_at >= $1 AND i.occurred_at < $2 ORDER BY m.id",
        from,
        to
    )?;
    let incidents = incidents
        .into_iter()
        .map(|(id, dept, at)| IncidentFact {
            department_id: dept,
            occurred_at: at,
            measures: measures
                .iter()
                .filter(|(i, _, _)| *i == id)
                .filter_map(|(_, k, at)| MeasureKind::parse(k).ok().map(|k| (k, *at)))
                .collect(),
        })
        .collect();
    let contacts: Vec<(Option<i64>, DateTime<Utc>, String, bool)> = fetch_all!(
        db,
        _,
        "SELECT department_id, started_at, channel, recorded FROM protection_contacts WHERE started_at >= $1 AND started_at < $2",
        from,
        to
    )?;
    let contacts = contacts
        .into_iter()
        .filter_map(|(dept, at, ch, rec)| {
            Channel::parse(&ch).ok().map(|channel| ContactFact {
                department_id: dept,
                started_at: at,
                channel,
                recorded: rec,
            })
        })
        .collect();
    let drills: Vec<(Option<i64>, DateTime<Utc>)> = fetch_all!(
        db,
        _,
        "SELECT department_id, held_at FROM protection_drills WHERE held_at >= $1 AND held_at < $2",
        from,
        to
    )?;
    let drills = drills
        .into_iter()
        .map(|(dept, at)| HeldDrill {
            department_id: dept,
            held_at: at,
        })
        .collect();
    Ok((incidents, contacts, drills))
}
