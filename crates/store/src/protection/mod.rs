//! Frontline protection (capability C3): flags, incidents, the Decree's measures (append-only),
//! evidence with its custody log, equipment, drills, panic alerts, timed contacts and the
//! inputs of the indicators. Rules live in `domain::protection`; who may read what is decided
//! by `domain::access` in the web layer.

use crate::{Db, Result, StoreError, Tx, on_db, on_tx};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use domain::protection::{
    self as rules, Channel, ContactFact, CustodyAction, DrillFact, EquipmentKind, EvidenceKind,
    HeldDrill, IncidentFact, IncidentKind, MeasureInput, MeasureKind,
};
use domain::wellbeing::InvitationReason;
use domain::{AccountId, DepartmentId, RuleError};
use serde::Serialize;

fn bad(code: &'static str, ko: &str, en: &str) -> StoreError {
    StoreError::Rule(RuleError::new(code, ko, en))
}

fn parse_or_db<T>(r: std::result::Result<T, RuleError>) -> Result<T> {
    r.map_err(|e| StoreError::Database(sqlx::Error::Decode(Box::new(e))))
}

// ---------------------------------------------------------------------------------------------
// Settings
// ---------------------------------------------------------------------------------------------

/// Setting key of the recommended minutes per call or visit on `channel`.
pub fn contact_minutes_key(channel: Channel) -> String {
    format!("protection.contact_minutes.{}", channel.as_str())
}

pub const RETENTION_KEY: &str = "protection.evidence_retention_days";
/// Where panic alerts go besides supervisors and protection officers: the security desk's
/// mail address or mobile number (청사 방호실).
pub const SECURITY_DESK_KEY: &str = "protection.security_desk";

/// The recommended minutes for `channel`: the setting, else the default.
pub async fn contact_minutes(db: &Db, channel: Channel) -> Result<i64> {
    let v = crate::office::settings::get(db, &contact_minutes_key(channel)).await?;
    Ok(v.and_then(|v| rules::parse_contact_minutes(&v).ok())
        .unwrap_or_else(|| rules::default_contact_minutes(channel)))
}

pub async fn evidence_retention_days(db: &Db) -> Result<i64> {
    let v = crate::office::settings::get(db, RETENTION_KEY).await?;
    Ok(v.and_then(|v| v.trim().parse::<i64>().ok())
        .filter(|d| *d >= 365)
        .unwrap_or(rules::EVIDENCE_RETENTION_DAYS))
}

// ---------------------------------------------------------------------------------------------
// Flags
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct Flag {
    pub id: i64,
    pub petition_id: Option<i64>,
    pub channel: String,
    #[serde(skip)]
    pub petitioner_key: String,
    pub reason: String,
    pub department_id: Option<DepartmentId>,
    pub raised_by: AccountId,
    pub created_at: DateTime<Utc>,
}

/// The petitions' identity of a petitioner, so incidents and flags find their history.
pub async fn petitioner_key_of(db: &Db, petition_id: i64) -> Result<String> {
    let row: Option<(String,)> = on_db!(db, |pool| sqlx::query_as(
        "SELECT petitioner_key FROM petitions WHERE id = $1"
    )
    .bind(petition_id)
    .fetch_optional(pool)
    .await)?;
    Ok(row.ok_or(StoreError::NotFound)?.0)
}

/// The same identity for a caller or visitor known only by name and phone (as petitions
/// hash it), so a call can be matched with the same person's petitions.
pub fn petitioner_key(name: &str, phone: &str) -> String {
    use sha2::{Digest, Sha256};
    let digits: String = phone.chars().filter(char::is_ascii_digit).collect();
    if name.trim().is_empty() && digits.is_empty() {
        return String::new();
    }
    hex::encode(Sha256::digest(
        format!("person:{}:{digits}", name.trim()).as_bytes(),
    ))
}

pub struct NewFlag<'a> {
    pub petition_id: Option<i64>,
    pub channel: Channel,
    pub petitioner_key: &'a str,
    pub reason: &'a str,
    pub department_id: Option<DepartmentId>,
    pub raised_by: AccountId,
}

pub async fn raise_flag(tx: &mut Tx, new: &NewFlag<'_>, now: DateTime<Utc>) -> Result<Flag> {
    let reason = new.reason.trim();
    if reason.is_empty() || reason.chars().count() > rules::MAX_SHORT_CHARS {
        return Err(bad(
            "flag_reason_required",
            "표시 사유를 적으세요 (200자 이내)",
            "give the reason for the flag (at most 200 characters)",
        ));
    }
    Ok(on_tx!(tx, |conn| {
        sqlx::query_as::<_, Flag>(
        "INSERT INTO protection_flags (petition_id, channel, petitioner_key, reason, department_id, raised_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) \
         RETURNING id, petition_id, channel, petitioner_key, reason, department_id, raised_by, created_at"
    )
    .bind(new.petition_id)
    .bind(new.channel.as_str())
    .bind(new.petitioner_key)
    .bind(reason)
    .bind(new.department_id)
    .bind(new.raised_by)
    .bind(now)
    .fetch_one(&mut *conn)
    .await
    })?)
}

/// Flags on one petitioner (officials' own), newest first.
pub async fn flags_of_petitioner(db: &Db, key: &str) -> Result<Vec<Flag>> {
    if key.is_empty() {
        return Ok(vec![]);
    }
    Ok(on_db!(db, |pool| {
        sqlx::query_as::<_, Flag>(
        "SELECT id, petition_id, channel, petitioner_key, reason, department_id, raised_by, created_at \
         FROM protection_flags WHERE petitioner_key = $1 ORDER BY id DESC LIMIT 100"
    )
    .bind(key)
    .fetch_all(pool)
    .await
    })?)
}

/// The newest officials' flags.
pub async fn recent_flags(db: &Db, limit: i64) -> Result<Vec<Flag>> {
    Ok(on_db!(db, |pool| {
        sqlx::query_as::<_, Flag>(
        "SELECT id, petition_id, channel, petitioner_key, reason, department_id, raised_by, created_at \
         FROM protection_flags ORDER BY id DESC LIMIT $1"
    )
    .bind(limit)
    .fetch_all(pool)
    .await
    })?)
}

/// A petition the text screening flagged (the automatic flags, kept on the petitions).
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct ScreenedPetition {
    pub id: i64,
    pub receipt_no: Option<String>,
    pub department_id: Option<DepartmentId>,
    pub abuse_score: f64,
    pub abuse_kinds: String,
    pub arrived_at: DateTime<Utc>,
}

/// The newest petitions the screening flagged as abusive.
pub async fn screened(db: &Db, limit: i64) -> Result<Vec<ScreenedPetition>> {
    Ok(on_db!(db, |pool| sqlx::query_as::<_, ScreenedPetition>(
        "SELECT id, receipt_no, department_id, abuse_score, abuse_kinds, arrived_at FROM petitions \
         WHERE abuse_abusive = TRUE ORDER BY arrived_at DESC, id DESC LIMIT $1"
    )
    .bind(limit)
    .fetch_all(pool)
    .await)?)
}

// ---------------------------------------------------------------------------------------------
// Incidents
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Incident {
    pub id: i64,
    pub kind: IncidentKind,
    pub channel: Channel,
    pub occurred_at: DateTime<Utc>,
    pub place: String,
    pub petition_id: Option<i64>,
    #[serde(skip)]
    pub petitioner_key: String,
    /// Personal data: read only through the API, which logs it.
    pub petitioner_name: String,
    pub narrative: String,
    pub department_id: Option<DepartmentId>,
    pub reported_by: AccountId,
    /// Officials involved besides the reporter.
    pub involved: Vec<AccountId>,
    pub from_alert: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
struct IncidentRow {
    id: i64,
    kind: String,
    channel: String,
    occurred_at: DateTime<Utc>,
    place: String,
    petition_id: Option<i64>,
    petitioner_key: String,
    petitioner_name: String,
    narrative: String,
    department_id: Option<i64>,
    reported_by: i64,
    from_alert: bool,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl IncidentRow {
    fn into_incident(self, involved: Vec<AccountId>) -> Result<Incident> {
        Ok(Incident {
            id: self.id,
            kind: parse_or_db(IncidentKind::parse(&self.kind))?,
            channel: parse_or_db(Channel::parse(&self.channel))?,
            occurred_at: self.occurred_at,
            place: self.place,
            petition_id: self.petition_id,
            petitioner_key: self.petitioner_key,
            petitioner_name: self.petitioner_name,
            narrative: self.narrative,
            department_id: self.department_id,
            reported_by: self.reported_by,
            involved,
            from_alert: self.from_alert,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

const INCIDENT_COLUMNS: &str = "id, kind, channel, occurred_at, place, petition_id, petitioner_key, \
     petitioner_name, narrative, department_id, reported_by, from_alert, created_at, updated_at";

/// The details of an incident as reported or corrected.
#[derive(Debug, Clone, PartialEq)]
pub struct IncidentDetails {
    pub kind: IncidentKind,
    pub channel: Channel,
    pub occurred_at: DateTime<Utc>,
    pub place: String,
    pub petition_id: Option<i64>,
    pub petitioner_name: String,
    pub petitioner_phone: String,
    pub narrative: String,
    pub involved: Vec<AccountId>,
}

/// What recording an incident did besides the row itself.
#[derive(Debug, Clone, PartialEq)]
pub struct Recorded {
    pub incident: Incident,
    /// Officials invited to the wellbeing check because they reached repeated incidents.
    pub invited: Vec<AccountId>,
}

async fn resolve_key(tx: &mut Tx, d: &IncidentDetails) -> Result<String> {
    if let Some(pid) = d.petition_id {
        let row: Option<(String,)> = on_tx!(tx, |conn| sqlx::query_as(
            "SELECT petitioner_key FROM petitions WHERE id = $1"
        )
        .bind(pid)
        .fetch_optional(&mut *conn)
        .await)?;
        return row.map(|r| r.0).ok_or_else(|| {
            bad(
                "unknown_petition",
                "연결할 민원이 없습니다",
                "no such petition to link",
            )
        });
    }
    Ok(petitioner_key(&d.petitioner_name, &d.petitioner_phone))
}

async fn set_involved(tx: &mut Tx, id: i64, reporter: AccountId, ids: &[AccountId]) -> Result<()> {
    on_tx!(tx, |conn| sqlx::query(
        "DELETE FROM protection_incident_officials WHERE incident_id = $1"
    )
    .bind(id)
    .execute(&mut *conn)
    .await
    .map(|r| r.rows_affected()))?;
    let mut seen = Vec::new();
    for a in ids.iter().filter(|a| **a != reporter) {
        if seen.contains(a) {
            continue;
        }
        seen.push(*a);
        on_tx!(tx, |conn| sqlx::query(
            "INSERT INTO protection_incident_officials (incident_id, account_id) VALUES ($1, $2)"
        )
        .bind(id)
        .bind(*a)
        .execute(&mut *conn)
        .await
        .map(|r| r.rows_affected()))
        .map_err(|e| match &e {
            sqlx::Error::Database(d) if d.is_foreign_key_violation() => bad(
                "unknown_official",
                "관련 공무원 계정이 없습니다",
                "no such official",
            ),
            _ => StoreError::Database(e),
        })?;
    }
    Ok(())
}

/// Invite every official concerned who now has [`rules::REPEATED_INCIDENTS`] incidents within
/// [`rules::REPEATED_WINDOW_DAYS`] (an invitation still open is not repeated).
async fn invite_if_repeated(
    tx: &mut Tx,
    officials: &[AccountId],
    now: DateTime<Utc>,
) -> Result<Vec<AccountId>> {
    let since = now - Duration::days(rules::REPEATED_WINDOW_DAYS);
    let mut invited = Vec::new();
    for a in officials {
        let (n,): (i64,) = on_tx!(tx, |conn| sqlx::query_as(
            "SELECT COUNT(*) FROM protection_incidents i WHERE i.occurred_at >= $2 AND \
             (i.reported_by = $1 OR EXISTS (SELECT 1 FROM protection_incident_officials o \
              WHERE o.incident_id = i.id AND o.account_id = $1))"
        )
        .bind(*a)
        .bind(since)
        .fetch_one(&mut *conn)
        .await)?;
        if rules::is_repeated(n) {
            crate::wellbeing::invite(tx, *a, InvitationReason::RepeatedIncidents, now).await?;
            invited.push(*a);
        }
    }
    Ok(invited)
}

/// Record an incident reported by `reporter`.
pub async fn create_incident(
    tx: &mut Tx,
    d: &IncidentDetails,
    reporter: AccountId,
    department_id: Option<DepartmentId>,
    from_alert: bool,
    now: DateTime<Utc>,
) -> Result<Recorded> {
    rules::validate_incident(&d.narrative, &d.place, d.occurred_at, now)?;
    let key = resolve_key(tx, d).await?;
    let sql = format!(
        "INSERT INTO protection_incidents (kind, channel, occurred_at, place, petition_id, petitioner_key, \
         petitioner_name, narrative, department_id, reported_by, from_alert, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12) RETURNING {INCIDENT_COLUMNS}"
    );
    let row: IncidentRow = on_tx!(tx, |conn| sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(d.kind.as_str())
        .bind(d.channel.as_str())
        .bind(d.occurred_at)
        .bind(d.place.trim())
        .bind(d.petition_id)
        .bind(&key)
        .bind(d.petitioner_name.trim())
        .bind(d.narrative.trim())
        .bind(department_id)
        .bind(reporter)
        .bind(from_alert)
        .bind(now)
        .fetch_one(&mut *conn)
        .await)?;
    set_involved(tx, row.id, reporter, &d.involved).await?;
    let id = row.id;
    let incident = row.into_incident(involved_in(tx, id).await?)?;
    let mut concerned = vec![reporter];
    concerned.extend(incident.involved.iter().copied());
    let invited = invite_if_repeated(tx, &concerned, now).await?;
    Ok(Recorded { incident, invited })
}

/// Correct or complete the details (e.g. after a panic alert). The measures stay as they are.
pub async fn update_incident(
    tx: &mut Tx,
    id: i64,
    d: &IncidentDetails,
    now: DateTime<Utc>,
) -> Result<Incident> {
    let before = get_incident_tx(tx, id).await?;
    rules::validate_incident(&d.narrative, &d.place, d.occurred_at, now)?;
    let key = resolve_key(tx, d).await?;
    let sql = format!(
        "UPDATE protection_incidents SET kind = $2, channel = $3, occurred_at = $4, place = $5, petition_id = $6, \
         petitioner_key = $7, petitioner_name = $8, narrative = $9, updated_at = $10 WHERE id = $1 \
         RETURNING {INCIDENT_COLUMNS}"
    );
    let row: IncidentRow = on_tx!(tx, |conn| sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .bind(d.kind.as_str())
        .bind(d.channel.as_str())
        .bind(d.occurred_at)
        .bind(d.place.trim())
        .bind(d.petition_id)
        .bind(&key)
        .bind(d.petitioner_name.trim())
        .bind(d.narrative.trim())
        .bind(now)
        .fetch_one(&mut *conn)
        .await)?;
    set_involved(tx, id, before.reported_by, &d.involved).await?;
    let incident = row.into_incident(involved_in(tx, id).await?)?;
    let newly: Vec<AccountId> = incident
        .involved
        .iter()
        .copied()
        .filter(|a| !before.involved.contains(a))
        .collect();
    invite_if_repeated(tx, &newly, now).await?;
    Ok(incident)
}

async fn involved_in(tx: &mut Tx, id: i64) -> Result<Vec<AccountId>> {
    let rows: Vec<(i64,)> = on_tx!(tx, |conn| {
        sqlx::query_as(
        "SELECT account_id FROM protection_incident_officials WHERE incident_id = $1 ORDER BY account_id"
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await
    })?;
    Ok(rows.into_iter().map(|r| r.0).collect())
}

async fn get_incident_tx(tx: &mut Tx, id: i64) -> Result<Incident> {
    let sql = format!("SELECT {INCIDENT_COLUMNS} FROM protection_incidents WHERE id = $1");
    let row: Option<IncidentRow> = on_tx!(tx, |conn| sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await)?;
    let row = row.ok_or(StoreError::NotFound)?;
    let involved = involved_in(tx, id).await?;
    row.into_incident(involved)
}

pub async fn get_incident(db: &Db, id: i64) -> Result<Incident> {
    let sql = format!("SELECT {INCIDENT_COLUMNS} FROM protection_incidents WHERE id = $1");
    let row: Option<IncidentRow> = on_db!(db, |pool| sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(pool)
        .await)?;
    let row = row.ok_or(StoreError::NotFound)?;
    let rows: Vec<(i64,)> = on_db!(db, |pool| {
        sqlx::query_as(
        "SELECT account_id FROM protection_incident_officials WHERE incident_id = $1 ORDER BY account_id"
    )
    .bind(id)
    .fetch_all(pool)
    .await
    })?;
    row.into_incident(rows.into_iter().map(|r| r.0).collect())
}

/// Incidents that occurred at or after `since`, newest first (the caller filters by access).
pub async fn list_incidents(db: &Db, since: DateTime<Utc>, limit: i64) -> Result<Vec<Incident>> {
    let sql = format!(
        "SELECT {INCIDENT_COLUMNS} FROM protection_incidents WHERE occurred_at >= $1 \
         ORDER BY occurred_at DESC, id DESC LIMIT $2"
    );
    let rows: Vec<IncidentRow> = on_db!(db, |pool| sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(since)
        .bind(limit)
        .fetch_all(pool)
        .await)?;
    let links: Vec<(i64, i64)> = on_db!(db, |pool| sqlx::query_as(
        "SELECT o.incident_id, o.account_id FROM protection_incident_officials o \
         JOIN protection_incidents i ON i.id = o.incident_id WHERE i.occurred_at >= $1"
    )
    .bind(since)
    .fetch_all(pool)
    .await)?;
    rows.into_iter()
        .map(|r| {
            let involved = links
                .iter()
                .filter(|(i, _)| *i == r.id)
                .map(|(_, a)| *a)
                .collect();
            r.into_incident(involved)
        })
        .collect()
}

/// Earlier incidents with the same petitioner (their history when the next petition comes).
pub async fn petitioner_history(db: &Db, key: &str) -> Result<Vec<Incident>> {
    if key.is_empty() {
        return Ok(vec![]);
    }
    let sql = format!(
        "SELECT {INCIDENT_COLUMNS} FROM protection_incidents WHERE petitioner_key = $1 \
         ORDER BY occurred_at DESC, id DESC LIMIT 100"
    );
    let rows: Vec<IncidentRow> = on_db!(db, |pool| sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(key)
        .fetch_all(pool)
        .await)?;
    rows.into_iter().map(|r| r.into_incident(vec![])).collect()
}

// ---------------------------------------------------------------------------------------------
// Measures
// ---------------------------------------------------------------------------------------------

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

const MEASURE_COLUMNS: &str = "id, incident_id, kind, at, actor_id, note, warning_reason, restriction_start, \
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
    let touched = on_tx!(tx, |conn| sqlx::query(
        "UPDATE protection_incidents SET updated_at = $2 WHERE id = $1"
    )
    .bind(incident_id)
    .bind(now)
    .execute(&mut *conn)
    .await
    .map(|r| r.rows_affected()))?;
    if touched == 0 {
        return Err(StoreError::NotFound);
    }
    let taken: Vec<(String,)> = on_tx!(tx, |conn| sqlx::query_as(
        "SELECT kind FROM protection_measures WHERE incident_id = $1 ORDER BY id"
    )
    .bind(incident_id)
    .fetch_all(&mut *conn)
    .await)?;
    let taken: Vec<MeasureKind> = taken
        .iter()
        .filter_map(|(k,)| MeasureKind::parse(k).ok())
        .collect();
    let kind = rules::validate_measure(&taken, input)?;
    if kind == MeasureKind::AccessRestricted {
        // A restriction is enforced on the petitioner's identity: without one it would bind
        // nobody while looking as if it did.
        let (key,): (String,) = on_tx!(tx, |conn| sqlx::query_as(
            "SELECT petitioner_key FROM protection_incidents WHERE id = $1"
        )
        .bind(incident_id)
        .fetch_one(&mut *conn)
        .await)?;
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
    Ok(on_tx!(tx, |conn| sqlx::query_as::<_, Measure>(
        sqlx::AssertSqlSafe(sql)
    )
    .bind(incident_id)
    .bind(kind.as_str())
    .bind(now)
    .bind(actor)
    .bind(input.note.trim())
    .bind(input.warning_reason.map(|r| r.as_str()))
    .bind(input.restriction_start)
    .bind(input.restriction_end)
    .bind(&covers)
    .bind(input.reason.trim())
    .bind(input.link_wellbeing && input.official_consent)
    .bind(input.recipient.trim())
    .fetch_one(&mut *conn)
    .await)?)
}

/// The measures of an incident in the order they were taken.
pub async fn measures(db: &Db, incident_id: i64) -> Result<Vec<Measure>> {
    let sql = format!(
        "SELECT {MEASURE_COLUMNS} FROM protection_measures WHERE incident_id = $1 ORDER BY id"
    );
    Ok(on_db!(db, |pool| sqlx::query_as::<_, Measure>(
        sqlx::AssertSqlSafe(sql)
    )
    .bind(incident_id)
    .fetch_all(pool)
    .await)?)
}

/// The kinds already taken, for [`rules::measure_menu`].
pub fn taken(measures: &[Measure]) -> Vec<MeasureKind> {
    measures
        .iter()
        .filter_map(|m| MeasureKind::parse(&m.kind).ok())
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Evidence and custody
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct Evidence {
    pub id: i64,
    pub incident_id: i64,
    pub kind: String,
    pub sha256: String,
    pub filename: String,
    pub content_type: String,
    pub size: i64,
    pub uploaded_by: AccountId,
    pub created_at: DateTime<Utc>,
    /// When the file was deleted at the end of its retention period.
    pub purged_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct CustodyEntry {
    pub id: i64,
    pub evidence_id: i64,
    pub at: DateTime<Utc>,
    pub actor_id: Option<AccountId>,
    pub action: String,
    pub detail: String,
}

const EVIDENCE_COLUMNS: &str = "id, incident_id, kind, sha256, filename, content_type, size, uploaded_by, created_at, purged_at";

/// Attach a stored blob to an incident, and open its custody log.
pub async fn add_evidence(
    tx: &mut Tx,
    incident_id: i64,
    kind: EvidenceKind,
    blob: &crate::kit::blobs::StoredBlob,
    filename: &str,
    actor: AccountId,
    now: DateTime<Utc>,
) -> Result<Evidence> {
    let name: String = filename
        .trim()
        .chars()
        .take(rules::MAX_SHORT_CHARS)
        .collect();
    let size = i64::try_from(blob.size).unwrap_or(i64::MAX);
    let sql = format!(
        "INSERT INTO protection_evidence (incident_id, kind, sha256, filename, content_type, size, uploaded_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING {EVIDENCE_COLUMNS}"
    );
    let e: Evidence = on_tx!(tx, |conn| sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(incident_id)
        .bind(kind.as_str())
        .bind(&blob.sha256)
        .bind(&name)
        .bind(&blob.content_type)
        .bind(size)
        .bind(actor)
        .bind(now)
        .fetch_one(&mut *conn)
        .await)
    .map_err(|e| {
        crate::conflict_on_unique(
            e,
            domain::Bilingual::new(
                "같은 파일이 이미 이 사건의 증거로 등록되어 있습니다",
                "this file is already evidence of this incident",
            ),
        )
    })?;
    log_custody(
        tx,
        e.id,
        CustodyAction::Uploaded,
        Some(actor),
        &blob.sha256,
        now,
    )
    .await?;
    Ok(e)
}

pub async fn log_custody(
    tx: &mut Tx,
    evidence_id: i64,
    action: CustodyAction,
    actor: Option<AccountId>,
    detail: &str,
    now: DateTime<Utc>,
) -> Result<CustodyEntry> {
    Ok(on_tx!(tx, |conn| {
        sqlx::query_as::<_, CustodyEntry>(
        "INSERT INTO protection_custody (evidence_id, at, actor_id, action, detail) VALUES ($1, $2, $3, $4, $5) \
         RETURNING id, evidence_id, at, actor_id, action, detail"
    )
    .bind(evidence_id)
    .bind(now)
    .bind(actor)
    .bind(action.as_str())
    .bind(detail.trim())
    .fetch_one(&mut *conn)
    .await
    })?)
}

pub async fn evidence_of(db: &Db, incident_id: i64) -> Result<Vec<Evidence>> {
    let sql = format!(
        "SELECT {EVIDENCE_COLUMNS} FROM protection_evidence WHERE incident_id = $1 ORDER BY id"
    );
    Ok(on_db!(db, |pool| sqlx::query_as::<_, Evidence>(
        sqlx::AssertSqlSafe(sql)
    )
    .bind(incident_id)
    .fetch_all(pool)
    .await)?)
}

pub async fn get_evidence(db: &Db, id: i64) -> Result<Evidence> {
    let sql = format!("SELECT {EVIDENCE_COLUMNS} FROM protection_evidence WHERE id = $1");
    on_db!(db, |pool| sqlx::query_as::<_, Evidence>(
        sqlx::AssertSqlSafe(sql)
    )
    .bind(id)
    .fetch_optional(pool)
    .await)?
    .ok_or(StoreError::NotFound)
}

/// Every evidence file (for the integrity sweep).
pub async fn all_evidence(db: &Db) -> Result<Vec<Evidence>> {
    let sql = format!("SELECT {EVIDENCE_COLUMNS} FROM protection_evidence ORDER BY id");
    Ok(on_db!(db, |pool| sqlx::query_as::<_, Evidence>(
        sqlx::AssertSqlSafe(sql)
    )
    .fetch_all(pool)
    .await)?)
}

pub async fn custody_log(db: &Db, evidence_id: i64) -> Result<Vec<CustodyEntry>> {
    Ok(on_db!(db, |pool| sqlx::query_as::<_, CustodyEntry>(
        "SELECT id, evidence_id, at, actor_id, action, detail FROM protection_custody \
         WHERE evidence_id = $1 ORDER BY id"
    )
    .bind(evidence_id)
    .fetch_all(pool)
    .await)?)
}

/// Check a stored evidence file against its address: `Ok(true)` when the bytes still hash to
/// it, `Ok(false)` when they changed (or vanished).
pub async fn verify_blob(blobs: &dyn crate::kit::blobs::BlobStore, sha256: &str) -> Result<bool> {
    match blobs.open(sha256).await {
        Ok(stream) => Ok(crate::kit::blobs::hash_stream(stream).await?.0 == sha256),
        Err(StoreError::NotFound) => Ok(false),
        Err(e) => Err(e),
    }
}

/// Check every evidence file against its address and write the outcome to each custody log
/// (no actor: the sweep). Returns the files that no longer match.
pub async fn verify_all(
    db: &Db,
    blobs: &dyn crate::kit::blobs::BlobStore,
    now: DateTime<Utc>,
) -> Result<(usize, Vec<Evidence>)> {
    // Purged files are gone on purpose: nothing to verify.
    let all: Vec<Evidence> = all_evidence(db)
        .await?
        .into_iter()
        .filter(|e| e.purged_at.is_none())
        .collect();
    let mut broken = Vec::new();
    for e in &all {
        let intact = verify_blob(blobs, &e.sha256).await?;
        let action = if intact {
            CustodyAction::Verified
        } else {
            CustodyAction::Mismatch
        };
        let mut tx = db.begin().await?;
        log_custody(&mut tx, e.id, action, None, "sweep", now).await?;
        tx.commit().await?;
        if !intact {
            broken.push(e.clone());
        }
    }
    Ok((all.len(), broken))
}

/// Delete the evidence files older than the retention setting ([`evidence_retention_days`]):
/// each is marked purged with a custody entry in one transaction, then its file is removed
/// unless another evidence record or a petition attachment still refers to the same content.
/// Returns how many were purged. Run it daily; it is idempotent.
pub async fn purge_expired_evidence(
    db: &Db,
    blobs: &dyn crate::kit::blobs::BlobStore,
    now: DateTime<Utc>,
) -> Result<u64> {
    let days = evidence_retention_days(db).await?;
    let cutoff = now - chrono::Duration::days(days);
    let expired: Vec<(i64, String)> = on_db!(db, |pool| {
        sqlx::query_as(
        "SELECT id, sha256 FROM protection_evidence WHERE purged_at IS NULL AND created_at < $1 ORDER BY id"
    )
    .bind(cutoff)
    .fetch_all(pool)
    .await
    })?;
    let mut purged = 0u64;
    for (id, sha256) in expired {
        let mut tx = db.begin().await?;
        let marked = on_tx!(&mut tx, |conn| sqlx::query(
            "UPDATE protection_evidence SET purged_at = $1 WHERE id = $2 AND purged_at IS NULL"
        )
        .bind(now)
        .bind(id)
        .execute(&mut *conn)
        .await
        .map(|r| r.rows_affected()))?;
        if marked == 0 {
            continue; // purged meanwhile by another server
        }
        let detail = format!("{days}일 보존 후 삭제 (deleted after {days} days)");
        log_custody(&mut tx, id, CustodyAction::Purged, None, &detail, now).await?;
        tx.commit().await?;
        let (still_used,): (i64,) = on_db!(db, |pool| {
            sqlx::query_as(
            "SELECT (SELECT COUNT(*) FROM protection_evidence WHERE sha256 = $1 AND purged_at IS NULL) \
             + (SELECT COUNT(*) FROM petition_attachments WHERE sha256 = $1)"
        )
        .bind(&sha256)
        .fetch_one(pool)
        .await
        })?;
        if still_used == 0 {
            blobs.remove(&sha256).await?;
        }
        purged += 1;
    }
    Ok(purged)
}

// ---------------------------------------------------------------------------------------------
// Equipment
// ---------------------------------------------------------------------------------------------

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

const EQUIPMENT_COLUMNS: &str = "id, kind, label, location, department_id, holder_id, issued_at, \
     last_checked_at, faulty, created_at";

fn short(v: &str, code: &'static str, ko: &str, en: &str) -> Result<String> {
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
    on_tx!(tx, |conn| sqlx::query_as::<_, Equipment>(
        sqlx::AssertSqlSafe(sql)
    )
    .bind(kind.as_str())
    .bind(&label)
    .bind(location.trim())
    .bind(department_id)
    .bind(now)
    .fetch_one(&mut *conn)
    .await)
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
    on_tx!(tx, |conn| sqlx::query_as::<_, Equipment>(
        sqlx::AssertSqlSafe(sql)
    )
    .bind(id)
    .bind(holder)
    .bind(holder.map(|_| now))
    .fetch_optional(&mut *conn)
    .await)?
    .ok_or(StoreError::NotFound)
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
    let n = on_tx!(tx, |conn| sqlx::query(
        "UPDATE protection_equipment SET last_checked_at = $2, faulty = $3 WHERE id = $1"
    )
    .bind(id)
    .bind(now)
    .bind(!ok)
    .execute(&mut *conn)
    .await
    .map(|r| r.rows_affected()))?;
    if n == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(on_tx!(tx, |conn| {
        sqlx::query_as::<_, EquipmentCheck>(
        "INSERT INTO protection_equipment_checks (equipment_id, at, checked_by, ok, fault) VALUES ($1, $2, $3, $4, $5) \
         RETURNING id, equipment_id, at, checked_by, ok, fault"
    )
    .bind(id)
    .bind(now)
    .bind(by)
    .bind(ok)
    .bind(fault.trim())
    .fetch_one(&mut *conn)
    .await
    })?)
}

pub async fn equipment(db: &Db) -> Result<Vec<Equipment>> {
    let sql = format!("SELECT {EQUIPMENT_COLUMNS} FROM protection_equipment ORDER BY kind, label");
    Ok(on_db!(db, |pool| sqlx::query_as::<_, Equipment>(
        sqlx::AssertSqlSafe(sql)
    )
    .fetch_all(pool)
    .await)?)
}

pub async fn equipment_checks(db: &Db, id: i64) -> Result<Vec<EquipmentCheck>> {
    Ok(on_db!(db, |pool| sqlx::query_as::<_, EquipmentCheck>(
        "SELECT id, equipment_id, at, checked_by, ok, fault FROM protection_equipment_checks \
         WHERE equipment_id = $1 ORDER BY id DESC"
    )
    .bind(id)
    .fetch_all(pool)
    .await)?)
}

// ---------------------------------------------------------------------------------------------
// Drills
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct Drill {
    pub id: i64,
    pub planned_on: NaiveDate,
    pub department_id: Option<DepartmentId>,
    pub scenario: String,
    pub partner: String,
    pub participants: String,
    pub held_at: Option<DateTime<Utc>>,
    pub after_action: String,
    pub fixes: String,
    pub created_by: AccountId,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

const DRILL_COLUMNS: &str = "id, planned_on, department_id, scenario, partner, participants, held_at, \
     after_action, fixes, created_by, created_at, updated_at";

pub async fn plan_drill(
    tx: &mut Tx,
    planned_on: NaiveDate,
    department_id: Option<DepartmentId>,
    scenario: &str,
    partner: &str,
    by: AccountId,
    now: DateTime<Utc>,
) -> Result<Drill> {
    let scenario = short(
        scenario,
        "scenario_required",
        "훈련 시나리오를 적으세요 (200자 이내)",
        "describe the scenario (at most 200 characters)",
    )?;
    let sql = format!(
        "INSERT INTO protection_drills (planned_on, department_id, scenario, partner, participants, after_action, fixes, \
         created_by, created_at, updated_at) VALUES ($1, $2, $3, $4, '', '', '', $5, $6, $6) RETURNING {DRILL_COLUMNS}"
    );
    Ok(on_tx!(tx, |conn| sqlx::query_as::<_, Drill>(
        sqlx::AssertSqlSafe(sql)
    )
    .bind(planned_on)
    .bind(department_id)
    .bind(&scenario)
    .bind(partner.trim())
    .bind(by)
    .bind(now)
    .fetch_one(&mut *conn)
    .await)?)
}

/// Record that a drill was held: who took part, what was learnt and what is to be fixed.
pub async fn record_drill(
    tx: &mut Tx,
    id: i64,
    held_at: DateTime<Utc>,
    participants: &str,
    after_action: &str,
    fixes: &str,
    now: DateTime<Utc>,
) -> Result<Drill> {
    if held_at > now + Duration::minutes(5) {
        return Err(bad(
            "held_in_future",
            "아직 실시하지 않은 훈련입니다 (실시 일시가 미래)",
            "a drill cannot be recorded as held in the future",
        ));
    }
    if participants.trim().is_empty() {
        return Err(bad(
            "participants_required",
            "참가자를 적으세요",
            "list the participants",
        ));
    }
    let sql = format!(
        "UPDATE protection_drills SET held_at = $2, participants = $3, after_action = $4, fixes = $5, updated_at = $6 \
         WHERE id = $1 RETURNING {DRILL_COLUMNS}"
    );
    on_tx!(tx, |conn| sqlx::query_as::<_, Drill>(sqlx::AssertSqlSafe(
        sql
    ))
    .bind(id)
    .bind(held_at)
    .bind(participants.trim())
    .bind(after_action.trim())
    .bind(fixes.trim())
    .bind(now)
    .fetch_optional(&mut *conn)
    .await)?
    .ok_or(StoreError::NotFound)
}

pub async fn drills(db: &Db) -> Result<Vec<Drill>> {
    let sql =
        format!("SELECT {DRILL_COLUMNS} FROM protection_drills ORDER BY planned_on DESC, id DESC");
    Ok(on_db!(db, |pool| sqlx::query_as::<_, Drill>(
        sqlx::AssertSqlSafe(sql)
    )
    .fetch_all(pool)
    .await)?)
}

pub fn drill_facts(drills: &[Drill]) -> Vec<DrillFact> {
    drills
        .iter()
        .map(|d| DrillFact {
            planned_on: d.planned_on,
            held: d.held_at.is_some(),
        })
        .collect()
}

/// Remind the protection officers once per half-year and kind of reminder when a half-year
/// has no drill (planned or held). Returns the number of messages queued.
pub async fn queue_drill_reminders(db: &Db, now: DateTime<Utc>) -> Result<u64> {
    let all = drills(db).await?;
    let today = rules::local_date(now);
    let Some(reminder) = rules::drill_reminder(today, &drill_facts(&all)) else {
        return Ok(0);
    };
    let half = rules::HalfYear::of(today);
    let marker = format!("{}H{}:{:?}", half.year, half.half, reminder);
    const KEY: &str = "protection.drill_reminded";
    if crate::office::settings::get(db, KEY).await?.as_deref() == Some(marker.as_str()) {
        return Ok(0);
    }
    let (ko, en) = reminder.message(half);
    let officers: Vec<_> = crate::office::accounts::list(db, None)
        .await?
        .into_iter()
        .filter(|a| a.active && a.role == domain::office::accounts::Role::ProtectionOfficer)
        .collect();
    let mut tx = db.begin().await?;
    let mut n = 0;
    for o in officers.iter().filter(|o| !o.email.is_empty()) {
        crate::kit::outbox::enqueue(
            &mut tx,
            crate::kit::outbox::Channel::Email,
            &o.email,
            "[민원] 위험상황 대응 모의훈련 알림 (drill reminder)",
            &format!("{ko}\n\n{en}"),
            now,
        )
        .await?;
        n += 1;
    }
    on_tx!(&mut tx, |conn| sqlx::query(
        "INSERT INTO settings (key, value, updated_at) VALUES ($1, $2, $3) \
         ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at"
    )
    .bind(KEY)
    .bind(&marker)
    .bind(now)
    .execute(&mut *conn)
    .await
    .map(|r| r.rows_affected()))?;
    tx.commit().await?;
    Ok(n)
}

// ---------------------------------------------------------------------------------------------
// Panic alerts
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct Alert {
    pub id: i64,
    pub incident_id: i64,
    pub raised_by: AccountId,
    pub department_id: Option<DepartmentId>,
    pub place: String,
    pub at: DateTime<Utc>,
    pub acknowledged_by: Option<AccountId>,
    pub acknowledged_at: Option<DateTime<Utc>>,
    /// When it went to the next in line, unacknowledged.
    pub escalated_at: Option<DateTime<Utc>>,
}

const ALERT_COLUMNS: &str = "id, incident_id, raised_by, department_id, place, at, acknowledged_by, \
     acknowledged_at, escalated_at";

/// A panic alert: the alert, the start of its incident, and one row per recipient and channel
/// with the outbox message that carries it, together. `message` gives (subject, body) for
/// the alert's id, which the text links to.
#[allow(clippy::too_many_arguments)]
pub async fn raise_alert(
    tx: &mut Tx,
    by: AccountId,
    department_id: Option<DepartmentId>,
    place: &str,
    channel: Channel,
    recipients: &[AlertAddressee],
    message: &(dyn Fn(i64) -> (String, String) + Sync),
    now: DateTime<Utc>,
) -> Result<(Alert, Incident)> {
    let place: String = place.trim().chars().take(rules::MAX_SHORT_CHARS).collect();
    let details = IncidentDetails {
        kind: IncidentKind::Unclassified,
        channel,
        occurred_at: now,
        place: place.clone(),
        petition_id: None,
        petitioner_name: String::new(),
        petitioner_phone: String::new(),
        narrative: String::new(),
        involved: vec![],
    };
    let recorded = create_incident(tx, &details, by, department_id, true, now).await?;
    let sql = format!(
        "INSERT INTO protection_alerts (incident_id, raised_by, department_id, place, at) \
         VALUES ($1, $2, $3, $4, $5) RETURNING {ALERT_COLUMNS}"
    );
    let alert = on_tx!(tx, |conn| sqlx::query_as::<_, Alert>(sqlx::AssertSqlSafe(
        sql
    ))
    .bind(recorded.incident.id)
    .bind(by)
    .bind(department_id)
    .bind(&place)
    .bind(now)
    .fetch_one(&mut *conn)
    .await)?;
    let (subject, body) = message(alert.id);
    tell(tx, alert.id, 0, recipients, true, &subject, &body, now).await?;
    notify_alert(tx, alert.id).await?;
    Ok((alert, recorded.incident))
}

pub async fn acknowledge_alert(
    tx: &mut Tx,
    id: i64,
    by: AccountId,
    now: DateTime<Utc>,
) -> Result<Alert> {
    let sql = format!(
        "UPDATE protection_alerts SET acknowledged_by = $2, acknowledged_at = $3 \
         WHERE id = $1 AND acknowledged_at IS NULL RETURNING {ALERT_COLUMNS}"
    );
    on_tx!(tx, |conn| sqlx::query_as::<_, Alert>(sqlx::AssertSqlSafe(
        sql
    ))
    .bind(id)
    .bind(by)
    .bind(now)
    .fetch_optional(&mut *conn)
    .await)?
    .ok_or(StoreError::NotFound)
}

pub async fn get_alert(db: &Db, id: i64) -> Result<Alert> {
    let sql = format!("SELECT {ALERT_COLUMNS} FROM protection_alerts WHERE id = $1");
    on_db!(db, |pool| sqlx::query_as::<_, Alert>(sqlx::AssertSqlSafe(
        sql
    ))
    .bind(id)
    .fetch_optional(pool)
    .await)?
    .ok_or(StoreError::NotFound)
}

/// Alerts raised since `since`, newest first.
pub async fn alerts_since(db: &Db, since: DateTime<Utc>) -> Result<Vec<Alert>> {
    let sql = format!(
        "SELECT {ALERT_COLUMNS} FROM protection_alerts WHERE at >= $1 ORDER BY at DESC, id DESC LIMIT 200"
    );
    Ok(on_db!(db, |pool| sqlx::query_as::<_, Alert>(
        sqlx::AssertSqlSafe(sql)
    )
    .bind(since)
    .fetch_all(pool)
    .await)?)
}

/// One addressee of a panic alert as the web layer resolved it from the line of
/// `domain::protection::alert_recipients`: an account (with its phone and mail at the time) or
/// the security desk's bare address.
#[derive(Debug, Clone, PartialEq)]
pub struct AlertAddressee {
    pub account_id: Option<AccountId>,
    pub role: rules::AlertRole,
    pub phone: String,
    pub email: String,
}

/// Write the recipient rows of one round and queue their messages. Accounts get a screen row
/// (their live stream marks it delivered) when `screen` is true; then SMS and mail wherever
/// there is an address. Returns how many rows were written.
#[allow(clippy::too_many_arguments)]
async fn tell(
    tx: &mut Tx,
    alert_id: i64,
    round: i64,
    recipients: &[AlertAddressee],
    screen: bool,
    subject: &str,
    body: &str,
    now: DateTime<Utc>,
) -> Result<usize> {
    use crate::kit::outbox;
    let mut rows = 0;
    for r in recipients {
        let mut ways: Vec<(rules::AlertChannel, &str)> = Vec::new();
        if screen && r.account_id.is_some() {
            ways.push((rules::AlertChannel::Screen, ""));
        }
        if !r.phone.trim().is_empty() {
            ways.push((rules::AlertChannel::Sms, r.phone.trim()));
        }
        if !r.email.trim().is_empty() {
            ways.push((rules::AlertChannel::Email, r.email.trim()));
        }
        for (ch, address) in ways {
            let outbox_id = match ch {
                rules::AlertChannel::Screen => None,
                rules::AlertChannel::Sms => Some(
                    outbox::enqueue(tx, outbox::Channel::Sms, address, subject, body, now).await?,
                ),
                rules::AlertChannel::Email => Some(
                    outbox::enqueue(tx, outbox::Channel::Email, address, subject, body, now)
                        .await?,
                ),
            };
            on_tx!(tx, |conn| sqlx::query(
                "INSERT INTO protection_alert_recipients \
                 (alert_id, round, account_id, role, channel, address, outbox_id, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
            )
            .bind(alert_id)
            .bind(round)
            .bind(r.account_id)
            .bind(r.role.as_str())
            .bind(ch.as_str())
            .bind(address)
            .bind(outbox_id)
            .bind(now)
            .execute(&mut *conn)
            .await
            .map(|_| ()))?;
            rows += 1;
        }
    }
    Ok(rows)
}

/// The channel PostgreSQL carries alert ids on, so every app server sharing the database
/// pushes them to its own screens.
pub const ALERT_CHANNEL: &str = "minwon_protection_alerts";

/// Announce an alert (or its escalation) to every app server. Inside the transaction: on
/// PostgreSQL `pg_notify` is delivered at commit and never for a rollback. SQLite is one
/// process, whose in-process broadcast is enough.
pub async fn notify_alert(tx: &mut Tx, alert_id: i64) -> Result<()> {
    if let crate::TxConn::Postgres(t) = &mut tx.conn {
        sqlx::query("SELECT pg_notify($1, $2)")
            .bind(ALERT_CHANNEL)
            .bind(alert_id.to_string())
            .execute(&mut **t)
            .await?;
    }
    Ok(())
}

/// Alert ids announced by any app server on the same PostgreSQL database.
pub struct AlertListener(sqlx::postgres::PgListener);

impl AlertListener {
    /// `None` on SQLite (one process: nothing to listen to).
    pub async fn connect(db: &Db) -> Result<Option<AlertListener>> {
        match &db.pool {
            crate::Pool::Postgres(pool) => {
                let mut l = sqlx::postgres::PgListener::connect_with(pool).await?;
                l.listen(ALERT_CHANNEL).await?;
                Ok(Some(AlertListener(l)))
            }
            crate::Pool::Sqlite(_) => Ok(None),
        }
    }

    /// The next alert id. A dropped connection is re-established by sqlx (notifications sent
    /// meanwhile are lost; the outbox still carries them).
    pub async fn recv(&mut self) -> Result<i64> {
        loop {
            let n = self.0.recv().await?;
            if let Ok(id) = n.payload().parse::<i64>() {
                return Ok(id);
            }
        }
    }
}

/// One recipient row with what became of its message.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct AlertDelivery {
    pub id: i64,
    pub round: i64,
    pub account_id: Option<AccountId>,
    /// The account's display name, empty for an address only.
    pub name: String,
    pub role: String,
    pub channel: String,
    #[serde(skip)]
    pub address: String,
    /// The outbox's state: `pending`, `sending`, `sent`, `failed`; for screens `shown` once
    /// a live stream showed it, else `waiting`.
    pub status: String,
    pub sent_at: Option<DateTime<Utc>>,
    pub delivered_at: Option<DateTime<Utc>>,
}

/// Who an alert went to, by which channel, and what became of each message, in the order
/// they were written.
pub async fn alert_deliveries(db: &Db, alert_id: i64) -> Result<Vec<AlertDelivery>> {
    Ok(on_db!(db, |pool| {
        sqlx::query_as::<_, AlertDelivery>(
        "SELECT r.id, r.round, r.account_id, COALESCE(a.display_name, '') AS name, r.role, r.channel, \
         r.address, CASE WHEN r.channel = 'screen' THEN \
           (CASE WHEN r.delivered_at IS NULL THEN 'waiting' ELSE 'shown' END) \
           ELSE COALESCE(o.status, 'pending') END AS status, \
         o.sent_at, r.delivered_at \
         FROM protection_alert_recipients r \
         LEFT JOIN accounts a ON a.id = r.account_id \
         LEFT JOIN outbox o ON o.id = r.outbox_id \
         WHERE r.alert_id = $1 ORDER BY r.id"
    )
    .bind(alert_id)
    .fetch_all(pool)
    .await
    })?)
}

/// The accounts an alert was addressed to (any round): they see it live and acknowledge it.
pub async fn alert_recipient_ids(db: &Db, alert_id: i64) -> Result<Vec<AccountId>> {
    let rows: Vec<(AccountId,)> = on_db!(db, |pool| sqlx::query_as(
        "SELECT DISTINCT account_id FROM protection_alert_recipients \
         WHERE alert_id = $1 AND account_id IS NOT NULL ORDER BY account_id"
    )
    .bind(alert_id)
    .fetch_all(pool)
    .await)?;
    Ok(rows.into_iter().map(|(a,)| a).collect())
}

/// A live stream of `account` showed the alert: its screen row is delivered.
pub async fn mark_shown(
    db: &Db,
    alert_id: i64,
    account: AccountId,
    now: DateTime<Utc>,
) -> Result<()> {
    on_db!(db, |pool| sqlx::query(
        "UPDATE protection_alert_recipients SET delivered_at = $3 \
         WHERE alert_id = $1 AND account_id = $2 AND channel = 'screen' AND delivered_at IS NULL"
    )
    .bind(alert_id)
    .bind(account)
    .bind(now)
    .execute(pool)
    .await
    .map(|_| ()))?;
    Ok(())
}

/// Alerts nobody acknowledged by `cutoff` and not yet escalated, oldest first.
pub async fn alerts_to_escalate(db: &Db, cutoff: DateTime<Utc>) -> Result<Vec<Alert>> {
    let sql = format!(
        "SELECT {ALERT_COLUMNS} FROM protection_alerts \
         WHERE acknowledged_at IS NULL AND escalated_at IS NULL AND at <= $1 ORDER BY at, id LIMIT 100"
    );
    Ok(on_db!(db, |pool| sqlx::query_as::<_, Alert>(
        sqlx::AssertSqlSafe(sql)
    )
    .bind(cutoff)
    .fetch_all(pool)
    .await)?)
}

/// The recipients of an alert's first round, as addressees (for the escalation line).
pub async fn first_round(db: &Db, alert_id: i64) -> Result<Vec<rules::AlertRecipient>> {
    let rows: Vec<(Option<AccountId>, String, String, String)> =
        on_db!(db, |pool| sqlx::query_as(
            "SELECT account_id, role, channel, address FROM protection_alert_recipients \
         WHERE alert_id = $1 AND round = 0 ORDER BY id"
        )
        .bind(alert_id)
        .fetch_all(pool)
        .await)?;
    let mut out: Vec<rules::AlertRecipient> = Vec::new();
    for (account, role, channel, address) in rows {
        let role = parse_or_db(rules::AlertRole::parse(&role))?;
        let reach = match (account, channel.as_str()) {
            (Some(a), _) => rules::AlertReach::Account(a),
            (None, "email") => rules::AlertReach::Email(address),
            (None, _) => rules::AlertReach::Sms(address),
        };
        if !out.iter().any(|r| r.reach == reach) {
            out.push(rules::AlertRecipient { reach, role });
        }
    }
    Ok(out)
}

/// Send an unacknowledged alert to the next in line (round 1), once: the row is claimed by
/// setting `escalated_at` only while still unacknowledged and unescalated, so two app servers
/// running the job escalate it once. Returns `false` when someone else got there first or it
/// was acknowledged meanwhile (nothing written).
pub async fn escalate_alert(
    tx: &mut Tx,
    alert_id: i64,
    recipients: &[AlertAddressee],
    subject: &str,
    body: &str,
    now: DateTime<Utc>,
) -> Result<bool> {
    let claimed = on_tx!(tx, |conn| sqlx::query(
        "UPDATE protection_alerts SET escalated_at = $2 \
         WHERE id = $1 AND acknowledged_at IS NULL AND escalated_at IS NULL"
    )
    .bind(alert_id)
    .bind(now)
    .execute(&mut *conn)
    .await
    .map(|r| r.rows_affected()))?;
    if claimed == 0 {
        return Ok(false);
    }
    // SMS is the escalation channel; a desk reachable only by mail still gets its mail, and
    // accounts get a screen row so the next in line can acknowledge.
    let sms_first: Vec<AlertAddressee> = recipients
        .iter()
        .map(|r| AlertAddressee {
            email: if r.phone.trim().is_empty() {
                r.email.clone()
            } else {
                String::new()
            },
            ..r.clone()
        })
        .collect();
    tell(tx, alert_id, 1, &sms_first, true, subject, body, now).await?;
    notify_alert(tx, alert_id).await?;
    Ok(true)
}

// ---------------------------------------------------------------------------------------------
// Access restrictions in force
// ---------------------------------------------------------------------------------------------

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
type RestrictionRow = (i64, i64, DateTime<Utc>, DateTime<Utc>, String, String);

/// Restrictions in force at `now` for the petitioner known by `key` (the petitions' identity).
pub async fn active_restrictions(
    db: &Db,
    key: &str,
    now: DateTime<Utc>,
) -> Result<Vec<ActiveRestriction>> {
    if key.is_empty() {
        return Ok(vec![]);
    }
    let rows: Vec<RestrictionRow> = on_db!(db, |pool| {
        sqlx::query_as(
            "SELECT m.id, m.incident_id, m.restriction_start, m.restriction_end, m.restriction_covers, m.reason \
             FROM protection_measures m JOIN protection_incidents i ON i.id = m.incident_id \
             WHERE i.petitioner_key = $1 AND m.kind = 'access_restricted' \
             AND m.restriction_start <= $2 AND m.restriction_end > $2 ORDER BY m.restriction_end DESC"
        )
        .bind(key)
        .bind(now)
        .fetch_all(pool)
        .await
    })?;
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
    let keys: Vec<(String,)> = on_db!(db, |pool| sqlx::query_as(
        "SELECT DISTINCT i.petitioner_key FROM protection_measures m \
         JOIN protection_incidents i ON i.id = m.incident_id \
         WHERE m.kind = 'access_restricted' AND i.petitioner_key <> '' \
         AND m.restriction_start <= $1 AND m.restriction_end > $1"
    )
    .bind(now)
    .fetch_all(pool)
    .await)?;
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

// ---------------------------------------------------------------------------------------------
// Timed contacts
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct Contact {
    pub id: i64,
    pub account_id: AccountId,
    pub department_id: Option<DepartmentId>,
    pub channel: String,
    pub started_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    pub recorded: bool,
    pub warned_at: Option<DateTime<Utc>>,
    pub ended_by_official: bool,
    pub incident_id: Option<i64>,
    /// Who it is with, hashed ('' when not asked).
    #[serde(skip)]
    pub petitioner_key: String,
}

const CONTACT_COLUMNS: &str = "id, account_id, department_id, channel, started_at, finished_at, recorded, \
     warned_at, ended_by_official, incident_id, petitioner_key";

/// Name who a call or visit is with (their petitions' identity), so a restriction in force
/// on them is shown on the contact screen.
pub async fn set_contact_petitioner(tx: &mut Tx, contact_id: i64, key: &str) -> Result<()> {
    on_tx!(tx, |conn| sqlx::query(
        "UPDATE protection_contacts SET petitioner_key = $2 WHERE id = $1"
    )
    .bind(contact_id)
    .bind(key)
    .execute(&mut *conn)
    .await
    .map(|_| ()))?;
    Ok(())
}

pub async fn start_contact(
    tx: &mut Tx,
    account: AccountId,
    department_id: Option<DepartmentId>,
    channel: Channel,
    recorded: bool,
    now: DateTime<Utc>,
) -> Result<Contact> {
    if !matches!(channel, Channel::Counter | Channel::Phone | Channel::Visit) {
        return Err(bad(
            "channel_not_timed",
            "창구·전화·방문 응대만 시간을 잽니다",
            "only counter, phone and visit contacts are timed",
        ));
    }
    let sql = format!(
        "INSERT INTO protection_contacts (account_id, department_id, channel, started_at, recorded) \
         VALUES ($1, $2, $3, $4, $5) RETURNING {CONTACT_COLUMNS}"
    );
    Ok(on_tx!(tx, |conn| sqlx::query_as::<_, Contact>(
        sqlx::AssertSqlSafe(sql)
    )
    .bind(account)
    .bind(department_id)
    .bind(channel.as_str())
    .bind(now)
    .bind(recorded)
    .fetch_one(&mut *conn)
    .await)?)
}

pub async fn get_contact(db: &Db, id: i64) -> Result<Contact> {
    let sql = format!("SELECT {CONTACT_COLUMNS} FROM protection_contacts WHERE id = $1");
    on_db!(db, |pool| sqlx::query_as::<_, Contact>(
        sqlx::AssertSqlSafe(sql)
    )
    .bind(id)
    .fetch_optional(pool)
    .await)?
    .ok_or(StoreError::NotFound)
}

/// The contact's incident, created on its first warning (a warning is an incident measure).
async fn contact_incident(
    tx: &mut Tx,
    c: &Contact,
    kind: IncidentKind,
    now: DateTime<Utc>,
) -> Result<i64> {
    if let Some(id) = c.incident_id {
        return Ok(id);
    }
    let channel = parse_or_db(Channel::parse(&c.channel))?;
    let details = IncidentDetails {
        kind,
        channel,
        occurred_at: c.started_at,
        place: String::new(),
        petition_id: None,
        petitioner_name: String::new(),
        petitioner_phone: String::new(),
        narrative: String::new(),
        involved: vec![],
    };
    let r = create_incident(tx, &details, c.account_id, c.department_id, false, now).await?;
    on_tx!(tx, |conn| sqlx::query(
        "UPDATE protection_contacts SET incident_id = $2 WHERE id = $1"
    )
    .bind(c.id)
    .bind(r.incident.id)
    .execute(&mut *conn)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(r.incident.id)
}

/// Record the warning read out on a timed contact: as a measure of its incident.
pub async fn warn_contact(
    tx: &mut Tx,
    c: &Contact,
    reason: rules::WarningReason,
    now: DateTime<Utc>,
) -> Result<Measure> {
    if c.finished_at.is_some() {
        return Err(bad(
            "contact_finished",
            "이미 끝난 응대입니다",
            "this contact has already finished",
        ));
    }
    let kind = match reason {
        rules::WarningReason::Insult => IncidentKind::VerbalAbuse,
        rules::WarningReason::Threat => IncidentKind::Threat,
        rules::WarningReason::SexualHarassment => IncidentKind::SexualHarassment,
        rules::WarningReason::TimeExceeded => IncidentKind::Disruption,
    };
    let incident = contact_incident(tx, c, kind, now).await?;
    let minutes = contact_minutes_tx(tx, c).await?;
    let (ko, _) = rules::warning_text(reason, minutes);
    let m = add_measure(
        tx,
        incident,
        &MeasureInput {
            kind: Some(MeasureKind::Warning),
            warning_reason: Some(reason),
            note: ko,
            ..MeasureInput::default()
        },
        c.account_id,
        now,
    )
    .await?;
    on_tx!(tx, |conn| sqlx::query(
        "UPDATE protection_contacts SET warned_at = COALESCE(warned_at, $2) WHERE id = $1"
    )
    .bind(c.id)
    .bind(now)
    .execute(&mut *conn)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(m)
}

async fn contact_minutes_tx(tx: &mut Tx, c: &Contact) -> Result<i64> {
    let channel = parse_or_db(Channel::parse(&c.channel))?;
    let row: Option<(String,)> = on_tx!(tx, |conn| sqlx::query_as(
        "SELECT value FROM settings WHERE key = $1"
    )
    .bind(contact_minutes_key(channel))
    .fetch_optional(&mut *conn)
    .await)?;
    Ok(row
        .and_then(|(v,)| rules::parse_contact_minutes(&v).ok())
        .unwrap_or_else(|| rules::default_contact_minutes(channel)))
}

/// Finish a contact: normally, or ended by the official (which needs the recorded warning).
pub async fn finish_contact(
    tx: &mut Tx,
    c: &Contact,
    ended_by_official: bool,
    now: DateTime<Utc>,
) -> Result<Contact> {
    if c.finished_at.is_some() {
        return Err(bad(
            "contact_finished",
            "이미 끝난 응대입니다",
            "this contact has already finished",
        ));
    }
    if ended_by_official {
        let Some(incident) = c.incident_id else {
            return Err(StoreError::Rule(
                rules::order_refusal(&[], MeasureKind::Ended).unwrap_or_else(|| {
                    RuleError::new("warning_required", "경고 필요", "warning required")
                }),
            ));
        };
        add_measure(
            tx,
            incident,
            &MeasureInput {
                kind: Some(MeasureKind::Ended),
                ..MeasureInput::default()
            },
            c.account_id,
            now,
        )
        .await?;
    }
    let sql = format!(
        "UPDATE protection_contacts SET finished_at = $2, ended_by_official = $3 WHERE id = $1 RETURNING {CONTACT_COLUMNS}"
    );
    Ok(on_tx!(tx, |conn| sqlx::query_as::<_, Contact>(
        sqlx::AssertSqlSafe(sql)
    )
    .bind(c.id)
    .bind(now)
    .bind(ended_by_official)
    .fetch_one(&mut *conn)
    .await)?)
}

// ---------------------------------------------------------------------------------------------
// Indicators
// ---------------------------------------------------------------------------------------------

/// The facts the indicators are computed from, for incidents, contacts and drills in
/// `[from, to)`.
pub async fn indicator_inputs(
    db: &Db,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<(Vec<IncidentFact>, Vec<ContactFact>, Vec<HeldDrill>)> {
    let incidents: Vec<(i64, Option<i64>, DateTime<Utc>)> = on_db!(db, |pool| {
        sqlx::query_as(
        "SELECT id, department_id, occurred_at FROM protection_incidents WHERE occurred_at >= $1 AND occurred_at < $2"
    )
    .bind(from)
    .bind(to)
    .fetch_all(pool)
    .await
    })?;
    let measures: Vec<(i64, String, DateTime<Utc>)> = on_db!(db, |pool| {
        sqlx::query_as(
        "SELECT m.incident_id, m.kind, m.at FROM protection_measures m JOIN protection_incidents i ON i.id = m.incident_id \
         WHERE i.occurred_at >= $1 AND i.occurred_at < $2 ORDER BY m.id"
    )
    .bind(from)
    .bind(to)
    .fetch_all(pool)
    .await
    })?;
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
    let contacts: Vec<(Option<i64>, DateTime<Utc>, String, bool)> = on_db!(db, |pool| {
        sqlx::query_as(
        "SELECT department_id, started_at, channel, recorded FROM protection_contacts WHERE started_at >= $1 AND started_at < $2"
    )
    .bind(from)
    .bind(to)
    .fetch_all(pool)
    .await
    })?;
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
    let drills: Vec<(Option<i64>, DateTime<Utc>)> = on_db!(db, |pool| {
        sqlx::query_as(
        "SELECT department_id, held_at FROM protection_drills WHERE held_at >= $1 AND held_at < $2"
    )
    .bind(from)
    .bind(to)
    .fetch_all(pool)
    .await
    })?;
    let drills = drills
        .into_iter()
        .map(|(dept, at)| HeldDrill {
            department_id: dept,
            held_at: at,
        })
        .collect();
    Ok((incidents, contacts, drills))
}

// ---------------------------------------------------------------------------------------------
// Demo
// ---------------------------------------------------------------------------------------------

/// Fill an empty protection record with the demo county's: a few incidents with measures,
/// the counter's equipment and this half-year's drill. Does nothing when incidents exist or the
/// demo accounts are missing. Returns the number of incidents made.
pub async fn demo(db: &Db, now: DateTime<Utc>) -> Result<usize> {
    let (existing,): (i64,) = on_db!(db, |pool| sqlx::query_as(
        "SELECT COUNT(*) FROM protection_incidents"
    )
    .fetch_one(pool)
    .await)?;
    if existing > 0 {
        return Ok(0);
    }
    let id = |name: &'static str| async move {
        crate::office::accounts::find_by_username(db, name)
            .await
            .ok()
    };
    let (Some(official), Some(sup), Some(guard)) = (
        id("official.desk").await,
        id("sup.civil").await,
        id("protect").await,
    ) else {
        return Ok(0);
    };
    let dept = official.department_id;
    let mut tx = db.begin().await?;
    let incidents = [
        (
            IncidentKind::VerbalAbuse,
            Channel::Phone,
            20,
            "통화 중 반복된 욕설. 사유를 알린 뒤 통화를 종료함.",
            true,
        ),
        (
            IncidentKind::Threat,
            Channel::Counter,
            9,
            "민원창구에서 \"가만두지 않겠다\"는 협박. 방호실 출동.",
            true,
        ),
        (
            IncidentKind::RepeatedNoPurpose,
            Channel::Online,
            3,
            "같은 내용의 민원 12회 반복 제출.",
            false,
        ),
    ];
    for (kind, channel, days_ago, narrative, ended) in incidents {
        let at = now - Duration::days(days_ago);
        let d = IncidentDetails {
            kind,
            channel,
            occurred_at: at,
            place: if channel == Channel::Counter {
                "1층 민원실 2번 창구".into()
            } else {
                String::new()
            },
            petition_id: None,
            petitioner_name: "민원인(데모)".into(),
            petitioner_phone: "010-0000-0000".into(),
            narrative: narrative.into(),
            involved: vec![],
        };
        let r = create_incident(&mut tx, &d, official.id, dept, false, at).await?;
        if ended {
            let steps = [
                (
                    MeasureKind::Warning,
                    Some(rules::WarningReason::Insult),
                    official.id,
                    3,
                ),
                (MeasureKind::Ended, None, official.id, 4),
                (MeasureKind::Counselling, None, sup.id, 120),
            ];
            for (kind, warning_reason, actor, minutes) in steps {
                let input = MeasureInput {
                    kind: Some(kind),
                    warning_reason,
                    ..MeasureInput::default()
                };
                let at = at + Duration::minutes(minutes);
                add_measure(&mut tx, r.incident.id, &input, actor, at).await?;
            }
        }
    }
    for (kind, label, location, holder) in [
        (
            EquipmentKind::Whistle,
            "호루라기-01",
            "1층 민원실 1번 창구",
            Some(official.id),
        ),
        (
            EquipmentKind::PortableRecorder,
            "녹음기-01",
            "1층 민원실 2번 창구",
            Some(official.id),
        ),
        (
            EquipmentKind::BodyCamera,
            "웨어러블캠-01",
            "민원실 보관함",
            None,
        ),
        (
            EquipmentKind::EmergencyBell,
            "비상벨-01",
            "1층 민원실 2번 창구",
            None,
        ),
    ] {
        let e = add_equipment(
            &mut tx,
            kind,
            label,
            location,
            dept,
            now - Duration::days(60),
        )
        .await?;
        if holder.is_some() {
            issue_equipment(&mut tx, e.id, holder, now - Duration::days(60)).await?;
        }
        check_equipment(&mut tx, e.id, true, "", guard.id, now - Duration::days(7)).await?;
    }
    let today = rules::local_date(now);
    let half = rules::HalfYear::of(today);
    let planned = if half.half == 1 {
        NaiveDate::from_ymd_opt(half.year, 5, 20)
    } else {
        NaiveDate::from_ymd_opt(half.year, 11, 18)
    }
    .unwrap_or(today);
    plan_drill(
        &mut tx,
        planned,
        guard.department_id,
        "흉기 소지 민원인 난동 대응",
        "예시경찰서",
        guard.id,
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(incidents.len())
}
