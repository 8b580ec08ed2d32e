//! Measures (보호조치) taken after an incident, append-only, in the Decree's order.

use super::*;
use crate::{execute_one, fetch_all, fetch_one};

#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct Measure {
    pub id: i64,
    pub incident_id: i64,
    pub kind: String,
    pub at: DateTime<Utc>,
    pub actor_id: AccountId,
    pub note: String,
    pub warning_reason: Option<String>,
    pub restriction_start: Option<DateTime<Utc>>,
    pub restriction_end: Option<DateTime<Utc>>,
    /// Access restrictions: what they cover (`visits,calls,online`), empty otherwise.
    pub restriction_covers: String,
    pub reason: String,
    pub link_wellbeing: bool,
    pub recipient: String,
}

pub(super) const MEASURE_COLUMNS: &str = "id, incident_id, kind, at, actor_id, note, warning_reason, restriction_start, \
     restriction_end, restriction_covers, reason, link_wellbeing, recipient";

/// Record a measure. The ones already taken are read inside the transaction, so two people
/// pressing "end" at once cannot both skip the warning.
pub async fn add_measure(
    tx: &mut Tx,
    incident_id: i64,
    input: &MeasureInput,
    actor: AccountId,
    now: DateTime<Utc>,
) -> Result<Measure> {
    // Touching the incident row first serialises measures of one incident on PostgreSQL too.
    execute_one!(
        tx,
        "UPDATE protection_incidents SET updated_at = $2 WHERE id = $1",
        incident_id,
        now
    )?;
    let taken: Vec<(String,)> = fetch_all!(
        tx,
        _,
        "SELECT kind FROM protection_measures WHERE incident_id = $1 ORDER BY id",
        incident_id
    )?;
    let taken: Vec<MeasureKind> = taken
        .iter()
        .filter_map(|(k,)| MeasureKind::parse(k).ok())
        .collect();
    let kind = rules::validate_measure(&taken, input)?;
    if kind == MeasureKind::AccessRestricted {
        // A restriction is enforced on the petitioner's identity: without one it would bind
        // nobody while looking as if it did.
        let (key,): (String,) = fetch_one!(
            tx,
            _,
            "SELECT petitioner_key FROM protection_incidents WHERE id = $1",
            incident_id
        )?;
        if key.is_empty() {
            return Err(bad(
                "restriction_needs_petitioner",
                "출입 제한은 민원인이 확인된 사건에만 기록할 수 있습니다. 먼저 민원 번호나 민원인 이름·전화번호를 적으세요",
                "an access restriction needs a known petitioner: add the petition number or the petitioner's name and phone first",
            ));
        }
    }
    let covers = if kind == MeasureKind::AccessRestricted {
        rules::covers_to_text(&input.restriction_covers)
    } else {
        String::new()
    };
    let sql = format!(
        "INSERT INTO protection_measures (incident_id, kind, at, actor_id, note, warning_reason, restriction_start, \
         restriction_end, restriction_covers, reason, link_wellbeing, recipient) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING {MEASURE_COLUMNS}"
    );
    Ok(fetch_one!(
        tx,
        Measure,
        sqlx::AssertSqlSafe(sql),
        incident_id,
        kind.as_str(),
        now,
        actor,
        input.note.trim(),
        input.warning_reason.map(|r| r.as_str()),
        input.restriction_start,
        input.restriction_end,
        &covers,
        input.reason.trim(),
        input.link_wellbeing && input.official_consent,
        input.recipient.trim()
    )?)
}

/// The measures of an incident in the order they were taken.
pub async fn measures(db: &Db, incident_id: i64) -> Result<Vec<Measure>> {
    let sql = format!(
        "SELECT {MEASURE_COLUMNS} FROM protection_measures WHERE incident_id = $1 ORDER BY id"
    );
    Ok(fetch_all!(
        db,
        Measure,
        sqlx::AssertSqlSafe(sql),
        incident_id
    )?)
}

/// The kinds already taken, for [`rules::measure_menu`].
pub fn taken(measures: &[Measure]) -> Vec<MeasureKind> {
    measures
        .iter()
        .filter_map(|m| MeasureKind::parse(&m.kind).ok())
        .collect()
}
