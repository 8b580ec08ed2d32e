//! A petition as stored (민원 행), who handles it, and reading it back with its timeline.

use super::*;
use crate::kit::sql::Target;
use crate::{fetch_all, fetch_optional, kit::ByKey};

/// One petition as stored: intake data plus the copy of the derived state.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Petition {
    pub id: PetitionId,
    pub receipt_no: Option<String>,
    pub type_id: i64,
    pub channel: String,
    pub anonymous: bool,
    pub petitioner_account_id: Option<AccountId>,
    pub petitioner_name: String,
    pub petitioner_phone: String,
    pub petitioner_email: String,
    pub petitioner_address: String,
    /// Encrypted; decrypt with [`reveal_rrn`].
    #[serde(skip)]
    pub rrn_encrypted: Option<String>,
    pub title: String,
    pub body: String,
    pub location: String,
    pub extra: serde_json::Value,
    /// How an official took it in on the resident's behalf (empty for online petitions).
    pub intake: IntakeRecord,
    pub abuse_abusive: bool,
    pub abuse_score: f64,
    pub abuse_kinds: Vec<String>,
    pub abuse_model: String,
    pub derived: Derived,
    pub state: State,
    pub department_id: Option<DepartmentId>,
    pub assignee_id: Option<AccountId>,
    pub arrived_at: DateTime<Utc>,
    pub received_at: Option<DateTime<Utc>>,
    pub flagged: bool,
    pub repeat_proposed: bool,
    /// The petitioner asked for an additional answer not given yet (back in the queue).
    pub additional_requested: bool,
    pub due_at: Option<DateTime<Utc>>,
    pub event_count: i64,
    pub change_seq: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
pub(super) struct PetitionRow {
    pub(super) id: i64,
    pub(super) receipt_no: Option<String>,
    pub(super) type_id: i64,
    pub(super) channel: String,
    pub(super) anonymous: bool,
    pub(super) petitioner_account_id: Option<i64>,
    pub(super) petitioner_name: String,
    pub(super) petitioner_phone: String,
    pub(super) petitioner_email: String,
    pub(super) petitioner_address: String,
    pub(super) rrn_encrypted: Option<String>,
    pub(super) title: String,
    pub(super) body: String,
    pub(super) location: String,
    pub(super) extra: String,
    pub(super) intake: String,
    pub(super) abuse_abusive: bool,
    pub(super) abuse_score: f64,
    pub(super) abuse_kinds: String,
    pub(super) abuse_model: String,
    pub(super) derived: String,
    pub(super) state: String,
    pub(super) department_id: Option<i64>,
    pub(super) assignee_id: Option<i64>,
    pub(super) arrived_at: DateTime<Utc>,
    pub(super) received_at: Option<DateTime<Utc>>,
    pub(super) flagged: bool,
    pub(super) repeat_proposed: bool,
    pub(super) additional_requested: bool,
    pub(super) due_at: Option<DateTime<Utc>>,
    pub(super) event_count: i64,
    pub(super) change_seq: i64,
    pub(super) created_at: DateTime<Utc>,
    pub(super) updated_at: DateTime<Utc>,
}

pub(crate) const PETITION_COLUMNS: &str = "id, receipt_no, type_id, channel, anonymous, \
    petitioner_account_id, petitioner_name, petitioner_phone, petitioner_email, petitioner_address, \
    rrn_encrypted, title, body, location, extra, intake, abuse_abusive, abuse_score, abuse_kinds, abuse_model, \
    derived, state, department_id, assignee_id, arrived_at, received_at, flagged, repeat_proposed, \
    additional_requested, due_at, event_count, change_seq, created_at, updated_at";

impl PetitionRow {
    pub(super) fn into_petition(self) -> Result<Petition> {
        Ok(Petition {
            id: self.id,
            receipt_no: self.receipt_no,
            type_id: self.type_id,
            channel: self.channel,
            anonymous: self.anonymous,
            petitioner_account_id: self.petitioner_account_id,
            petitioner_name: self.petitioner_name,
            petitioner_phone: self.petitioner_phone,
            petitioner_email: self.petitioner_email,
            petitioner_address: self.petitioner_address,
            rrn_encrypted: self.rrn_encrypted,
            title: self.title,
            body: self.body,
            location: self.location,
            extra: from_json(&self.extra)?,
            intake: from_json(&self.intake)?,
            abuse_abusive: self.abuse_abusive,
            abuse_score: self.abuse_score,
            abuse_kinds: from_json(&self.abuse_kinds)?,
            abuse_model: self.abuse_model,
            derived: from_json(&self.derived)?,
            state: self.state.parse()?,
            department_id: self.department_id,
            assignee_id: self.assignee_id,
            arrived_at: self.arrived_at,
            received_at: self.received_at,
            flagged: self.flagged,
            repeat_proposed: self.repeat_proposed,
            additional_requested: self.additional_requested,
            due_at: self.due_at,
            event_count: self.event_count,
            change_seq: self.change_seq,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

/// The petitioner as given at intake.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct Petitioner {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub address: String,
    /// Only where the type requires it; stored encrypted.
    #[serde(default)]
    pub resident_number: Option<String>,
}

/// A petition to file.
#[derive(Debug, Clone)]
pub struct NewPetition {
    pub type_id: i64,
    pub channel: Channel,
    pub anonymous: bool,
    /// The resident's own account when they file themselves.
    pub petitioner_account_id: Option<AccountId>,
    pub petitioner: Petitioner,
    pub title: String,
    pub body: String,
    pub location: String,
    pub extra: serde_json::Map<String, serde_json::Value>,
    /// A retried submission with the same key returns the first petition.
    pub idempotency_key: Option<String>,
    /// Staff entering at the counter may route straight to a department (default: the type's).
    pub department_id: Option<DepartmentId>,
    /// Counter, phone, mail and visit intake: how identity was checked and which required
    /// documents were seen (checked by `domain::petitions::intake::check`).
    pub intake: IntakeRecord,
}

/// Who handles a petition as stored: department, its public phone, the assigned official's
/// name and personal number, and whether the office hides officials' names.
#[derive(Debug, Clone, Default, PartialEq, Eq, sqlx::FromRow)]
pub struct HandlerRow {
    pub department: String,
    pub department_phone: String,
    pub official: Option<String>,
    pub official_phone: Option<String>,
    pub hide_names: Option<String>,
}

impl HandlerRow {
    pub fn handler(&self) -> domain::privacy::Handler<'_> {
        domain::privacy::Handler {
            department: &self.department,
            department_phone: &self.department_phone,
            official: self.official.as_deref().unwrap_or(""),
            official_phone: self.official_phone.as_deref().unwrap_or(""),
        }
    }

    pub fn hidden(&self) -> bool {
        self.hide_names
            .as_deref()
            .is_some_and(|v| v.trim() == "true")
    }

    /// The line residents read (`domain::privacy::handler_line`), empty before assignment.
    pub fn line(&self) -> String {
        domain::privacy::handler_line(&self.handler(), self.hidden())
    }

    /// The same line for an English reader (`domain::privacy::handler_line_en`).
    pub fn line_en(&self) -> String {
        domain::privacy::handler_line_en(&self.handler(), self.hidden())
    }

    /// An official's text on its way to a resident (`domain::privacy::hide_official`).
    pub fn scrub(&self, text: &str) -> String {
        domain::privacy::hide_official(text, &self.handler(), self.hidden())
    }

    /// JSON on its way to a resident (the petition's `handling`, timeline events): every text
    /// passes [`Self::scrub`], and with hiding on the officials' account ids (`assignee_id`)
    /// are dropped too, so nothing leads back to the person.
    pub fn scrub_json(&self, v: &mut serde_json::Value) {
        match v {
            serde_json::Value::String(s) => *s = self.scrub(s),
            serde_json::Value::Array(items) => items.iter_mut().for_each(|i| self.scrub_json(i)),
            serde_json::Value::Object(map) => {
                for (key, value) in map.iter_mut() {
                    if self.hidden() && OFFICIAL_IDS.contains(&key.as_str()) {
                        *value = serde_json::Value::Null;
                    } else {
                        self.scrub_json(value);
                    }
                }
            }
            _ => {}
        }
    }
}

/// JSON keys that identify an official (account ids), hidden from residents with names.
pub(super) const OFFICIAL_IDS: &[&str] = &["assignee_id", "actor_id"];

const HANDLER_SQL: &str = "SELECT d.name AS department, d.public_phone AS department_phone, \
     a.display_name AS official, a.phone AS official_phone, \
     (SELECT value FROM settings WHERE key = $3) AS hide_names \
     FROM departments d LEFT JOIN accounts a ON a.id = $2 WHERE d.id = $1";

/// Who handles the petition, read in the caller's transaction (notices).
pub(super) async fn handler_tx(tx: &mut Tx, p: &Petition) -> Result<HandlerRow> {
    handler_row(tx, p).await
}

/// The handler as stored, on a transaction or the pool (none found: the default, all empty).
async fn handler_row<'a>(on: impl Target<'a>, p: &Petition) -> Result<HandlerRow> {
    let row: Option<HandlerRow> = fetch_optional!(
        on,
        _,
        HANDLER_SQL,
        p.department_id,
        p.assignee_id,
        crate::office::settings::HIDE_HANDLER_NAMES
    )?;
    Ok(row.unwrap_or_default())
}

/// Who handles the petition (tracking page, Open311): the one source of what residents are
/// told about their handler.
pub async fn handler(db: &Db, p: &Petition) -> Result<HandlerRow> {
    let mut row = handler_row(db, p).await?;
    if p.department_id.is_none() {
        // Without a department the setting still matters for scrubbing texts.
        row.hide_names =
            crate::office::settings::get(db, crate::office::settings::HIDE_HANDLER_NAMES).await?;
    }
    Ok(row)
}

pub async fn get(db: &Db, id: PetitionId) -> Result<Petition> {
    let sql = format!("SELECT {PETITION_COLUMNS} FROM petitions WHERE id = $1");
    fetch_optional!(db, PetitionRow, sqlx::AssertSqlSafe(sql), id)?
        .or_not_found()?
        .into_petition()
}

pub async fn get_by_receipt_no(db: &Db, receipt_no: &str) -> Result<Petition> {
    let sql = format!("SELECT {PETITION_COLUMNS} FROM petitions WHERE receipt_no = $1");
    fetch_optional!(db, PetitionRow, sqlx::AssertSqlSafe(sql), receipt_no)?
        .or_not_found()?
        .into_petition()
}

/// The decrypted resident registration number, when the petition has one. The caller writes
/// the access log.
pub fn reveal_rrn(p: &Petition, key: &PiiKey) -> Result<Option<String>> {
    p.rrn_encrypted
        .as_deref()
        .map(|s| key.decrypt(s))
        .transpose()
}

/// One timeline entry as stored.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoredEvent {
    pub seq: i64,
    pub at: DateTime<Utc>,
    pub actor_id: Option<AccountId>,
    pub kind: String,
    pub event: Event,
}

/// The timeline, oldest first.
pub async fn timeline(db: &Db, id: PetitionId) -> Result<Vec<StoredEvent>> {
    type Row = (i64, DateTime<Utc>, Option<i64>, String, String);
    let rows: Vec<Row> = fetch_all!(
        db,
        _,
        "SELECT seq, at, actor_id, kind, data FROM petition_events WHERE petition_id = $1 ORDER BY seq",
        id
    )?;
    rows.into_iter()
        .map(|(seq, at, actor_id, kind, data)| {
            Ok(StoredEvent {
                seq,
                at,
                actor_id,
                kind,
                event: from_json(&data)?,
            })
        })
        .collect()
}

/// Replays the timeline and compares it with the stored copy: `Ok(true)` when they agree.
pub async fn verify(db: &Db, id: PetitionId) -> Result<bool> {
    let (cal, _) = work_calendar(db).await?;
    let events = timeline(db, id).await?;
    let entries: Vec<TimelineEntry> = events
        .into_iter()
        .map(|e| TimelineEntry {
            at: e.at,
            actor: e.actor_id,
            event: e.event,
        })
        .collect();
    let replayed = Derived::replay(&entries, &cal)?;
    let p = get(db, id).await?;
    Ok(replayed == p.derived
        && p.state == replayed.state
        && p.department_id == Some(replayed.department_id)
        && p.assignee_id == replayed.assignee_id
        && p.received_at == replayed.received_at
        && p.receipt_no == replayed.receipt_no
        && p.event_count == i64::from(replayed.events)
        && entries.len() == replayed.events as usize)
}
