//! Timed contacts (응대 시간 관리): start, warn, finish.

use super::*;
use crate::{execute, fetch_one, fetch_optional, kit::ByKey};

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

pub(super) const CONTACT_COLUMNS: &str = "id, account_id, department_id, channel, started_at, finished_at, recorded, \
     warned_at, ended_by_official, incident_id, petitioner_key";

/// Name who a call or visit is with (their petitions' identity), so a restriction in force
/// on them is shown on the contact screen.
pub async fn set_contact_petitioner(tx: &mut Tx, contact_id: i64, key: &str) -> Result<()> {
    execute!(
        tx,
        "UPDATE protection_contacts SET petitioner_key = $2 WHERE id = $1",
        contact_id,
        key
    )?;
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
    Ok(fetch_one!(
        tx,
        Contact,
        sqlx::AssertSqlSafe(sql),
        account,
        department_id,
        channel.as_str(),
        now,
        recorded
    )?)
}

pub async fn get_contact(db: &Db, id: i64) -> Result<Contact> {
    let sql = format!("SELECT {CONTACT_COLUMNS} FROM protection_contacts WHERE id = $1");
    fetch_optional!(db, Contact, sqlx::AssertSqlSafe(sql), id)?.or_not_found()
}

/// The contact's incident, created on its first warning (a warning is an incident measure).
pub(super) async fn contact_incident(
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
    execute!(
        tx,
        "UPDATE protection_contacts SET incident_id = $2 WHERE id = $1",
        c.id,
        r.incident.id
    )?;
    Ok(r.incident.id)
}

/// A finished contact takes no warning and cannot finish again.
fn still_open(c: &Contact) -> Result<()> {
    if c.finished_at.is_some() {
        return Err(bad(
            "contact_finished",
            "이미 끝난 응대입니다",
            "this contact has already finished",
        ));
    }
    Ok(())
}

/// Record the warning read out on a timed contact: as a measure of its incident.
pub async fn warn_contact(
    tx: &mut Tx,
    c: &Contact,
    reason: rules::WarningReason,
    now: DateTime<Utc>,
) -> Result<Measure> {
    still_open(c)?;
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
    execute!(
        tx,
        "UPDATE protection_contacts SET warned_at = COALESCE(warned_at, $2) WHERE id = $1",
        c.id,
        now
    )?;
    Ok(m)
}

pub(super) async fn contact_minutes_tx(tx: &mut Tx, c: &Contact) -> Result<i64> {
    let channel = parse_or_db(Channel::parse(&c.channel))?;
    let row: Option<(String,)> = fetch_optional!(
        tx,
        _,
        "SELECT value FROM settings WHERE key = $1",
        contact_minutes_key(channel)
    )?;
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
    still_open(c)?;
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
    Ok(fetch_one!(
        tx,
        Contact,
        sqlx::AssertSqlSafe(sql),
        c.id,
        now,
        ended_by_official
    )?)
}
