//! Incidents (피해 사건): recording, the people involved, and reading them back.

use super::*;
use crate::kit::sql::Target;
use crate::{execute, fetch_all, fetch_one, fetch_optional, kit::ByKey};

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
pub(super) struct IncidentRow {
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

pub(super) const INCIDENT_COLUMNS: &str = "id, kind, channel, occurred_at, place, petition_id, petitioner_key, \
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

pub(super) async fn resolve_key(tx: &mut Tx, d: &IncidentDetails) -> Result<String> {
    if let Some(pid) = d.petition_id {
        let row: Option<(String,)> = fetch_optional!(
            tx,
            _,
            "SELECT petitioner_key FROM petitions WHERE id = $1",
            pid
        )?;
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

pub(super) async fn set_involved(
    tx: &mut Tx,
    id: i64,
    reporter: AccountId,
    ids: &[AccountId],
) -> Result<()> {
    execute!(
        tx,
        "DELETE FROM protection_incident_officials WHERE incident_id = $1",
        id
    )?;
    let mut seen = Vec::new();
    for a in ids.iter().filter(|a| **a != reporter) {
        if seen.contains(a) {
            continue;
        }
        seen.push(*a);
        execute!(
            tx,
            "INSERT INTO protection_incident_officials (incident_id, account_id) VALUES ($1, $2)",
            id,
            *a
        )
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
pub(super) async fn invite_if_repeated(
    tx: &mut Tx,
    officials: &[AccountId],
    now: DateTime<Utc>,
) -> Result<Vec<AccountId>> {
    let since = now - Duration::days(rules::REPEATED_WINDOW_DAYS);
    let mut invited = Vec::new();
    for a in officials {
        let (n,): (i64,) = fetch_one!(
            tx,
            _,
            "SELECT COUNT(*) FROM protection_incidents i WHERE i.occurred_at >= $2 AND \
             (i.reported_by = $1 OR EXISTS (SELECT 1 FROM protection_incident_officials o \
              WHERE o.incident_id = i.id AND o.account_id = $1))",
            *a,
            since
        )?;
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
    let new = Write::New {
        department_id,
        from_alert,
    };
    let incident = write_incident(tx, new, reporter, d, now).await?;
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
    let incident = write_incident(tx, Write::Correct(id), before.reported_by, d, now).await?;
    let newly: Vec<AccountId> = incident
        .involved
        .iter()
        .copied()
        .filter(|a| !before.involved.contains(a))
        .collect();
    invite_if_repeated(tx, &newly, now).await?;
    Ok(incident)
}

/// What writing an incident's details does: record a new one, or correct incident `id`.
enum Write {
    New {
        department_id: Option<DepartmentId>,
        from_alert: bool,
    },
    Correct(i64),
}

/// Check and write the details and the officials involved (besides `reporter`). Both statements
/// take the details as the same nine parameters; the rest follow.
async fn write_incident(
    tx: &mut Tx,
    write: Write,
    reporter: AccountId,
    d: &IncidentDetails,
    now: DateTime<Utc>,
) -> Result<Incident> {
    rules::validate_incident(&d.narrative, &d.place, d.occurred_at, now)?;
    let key = resolve_key(tx, d).await?;
    macro_rules! with_details {
        ($sql:expr $(, $more:expr)*) => {
            fetch_one!(
                tx,
                IncidentRow,
                sqlx::AssertSqlSafe($sql),
                d.kind.as_str(),
                d.channel.as_str(),
                d.occurred_at,
                d.place.trim(),
                d.petition_id,
                &key,
                d.petitioner_name.trim(),
                d.narrative.trim(),
                now
                $(, $more)*
            )
        };
    }
    let row = match write {
        Write::New {
            department_id,
            from_alert,
        } => with_details!(
            format!(
                "INSERT INTO protection_incidents (kind, channel, occurred_at, place, petition_id, \
                 petitioner_key, petitioner_name, narrative, created_at, updated_at, department_id, \
                 reported_by, from_alert) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, $10, $11, $12) RETURNING {INCIDENT_COLUMNS}"
            ),
            department_id,
            reporter,
            from_alert
        ),
        Write::Correct(id) => with_details!(
            format!(
                "UPDATE protection_incidents SET kind = $1, channel = $2, occurred_at = $3, place = $4, \
                 petition_id = $5, petitioner_key = $6, petitioner_name = $7, narrative = $8, \
                 updated_at = $9 WHERE id = $10 RETURNING {INCIDENT_COLUMNS}"
            ),
            id
        ),
    }?;
    set_involved(tx, row.id, reporter, &d.involved).await?;
    let id = row.id;
    row.into_incident(involved_in(tx, id).await?)
}

pub(super) async fn involved_in<'a>(on: impl Target<'a>, id: i64) -> Result<Vec<AccountId>> {
    let rows: Vec<(i64,)> = fetch_all!(
        on,
        _,
        "SELECT account_id FROM protection_incident_officials WHERE incident_id = $1 ORDER BY account_id",
        id
    )?;
    Ok(rows.into_iter().map(|r| r.0).collect())
}

async fn incident_row<'a>(on: impl Target<'a>, id: i64) -> Result<IncidentRow> {
    let sql = format!("SELECT {INCIDENT_COLUMNS} FROM protection_incidents WHERE id = $1");
    fetch_optional!(on, IncidentRow, sqlx::AssertSqlSafe(sql), id)?.or_not_found()
}

pub(super) async fn get_incident_tx(tx: &mut Tx, id: i64) -> Result<Incident> {
    let row = incident_row(&mut *tx, id).await?;
    row.into_incident(involved_in(tx, id).await?)
}

pub async fn get_incident(db: &Db, id: i64) -> Result<Incident> {
    let row = incident_row(db, id).await?;
    row.into_incident(involved_in(db, id).await?)
}

/// Incidents that occurred at or after `since`, newest first (the caller filters by access).
pub async fn list_incidents(db: &Db, since: DateTime<Utc>, limit: i64) -> Result<Vec<Incident>> {
    let sql = format!(
        "SELECT {INCIDENT_COLUMNS} FROM protection_incidents WHERE occurred_at >= $1 \
         ORDER BY occurred_at DESC, id DESC LIMIT $2"
    );
    let rows: Vec<IncidentRow> = fetch_all!(db, _, sqlx::AssertSqlSafe(sql), since, limit)?;
    let links: Vec<(i64, i64)> = fetch_all!(
        db,
        _,
        "SELECT o.incident_id, o.account_id FROM protection_incident_officials o \
         JOIN protection_incidents i ON i.id = o.incident_id WHERE i.occurred_at >= $1",
        since
    )?;
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
    let rows: Vec<IncidentRow> = fetch_all!(db, _, sqlx::AssertSqlSafe(sql), key)?;
    rows.into_iter().map(|r| r.into_incident(vec![])).collect()
}

/// The petition a person's number refers to, as they know it: a receipt number
/// (`2026-0000061`, also `2026-61`), its 7-digit sequence alone (`0000061`, the newest year
/// that has it), or the petition number (`61`, `#61`). `None` when nothing matches or the text
/// is not a number.
pub async fn petition_by_reference(db: &Db, reference: &str) -> Result<Option<i64>> {
    let r = reference.trim().trim_start_matches('#').trim();
    let digits = |s: &str| !s.is_empty() && s.len() <= 10 && s.bytes().all(|b| b.is_ascii_digit());
    let row: Option<(i64,)> = if let Some((year, seq)) = r.split_once('-') {
        if !(year.len() == 4 && digits(year) && digits(seq)) {
            return Ok(None);
        }
        let Ok(seq) = seq.parse::<i64>() else {
            return Ok(None);
        };
        let receipt_no = format!("{year}-{seq:07}");
        fetch_optional!(
            db,
            _,
            "SELECT id FROM petitions WHERE receipt_no = $1",
            receipt_no
        )?
    } else if digits(r) && (r.starts_with('0') || r.len() == 7) {
        let Ok(seq) = r.parse::<i64>() else {
            return Ok(None);
        };
        let pattern = format!("%-{seq:07}");
        fetch_optional!(
            db,
            _,
            "SELECT id FROM petitions WHERE receipt_no LIKE $1 ORDER BY receipt_no DESC LIMIT 1",
            pattern
        )?
    } else if digits(r) {
        let Ok(id) = r.parse::<i64>() else {
            return Ok(None);
        };
        fetch_optional!(db, _, "SELECT id FROM petitions WHERE id = $1", id)?
    } else {
        None
    };
    Ok(row.map(|r| r.0))
}

/// How people know a petition: its receipt number once it has one, else its number.
pub async fn petition_reference(db: &Db, id: i64) -> Result<String> {
    let row: Option<(Option<String>,)> =
        fetch_optional!(db, _, "SELECT receipt_no FROM petitions WHERE id = $1", id)?;
    Ok(row.and_then(|r| r.0).unwrap_or_else(|| id.to_string()))
}
