//! Panic alerts (비상벨): raising, telling the right people, acknowledgement, escalation and the
//! relay between app servers (PostgreSQL LISTEN/NOTIFY).

use super::*;
use crate::{execute, fetch_all, fetch_one, fetch_optional, kit::ByKey};

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

pub(super) const ALERT_COLUMNS: &str = "id, incident_id, raised_by, department_id, place, at, acknowledged_by, \
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
    let alert = fetch_one!(
        tx,
        Alert,
        sqlx::AssertSqlSafe(sql),
        recorded.incident.id,
        by,
        department_id,
        &place,
        now
    )?;
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
    fetch_optional!(tx, Alert, sqlx::AssertSqlSafe(sql), id, by, now)?.or_not_found()
}

pub(super) async fn get_alert_tx(tx: &mut Tx, id: i64) -> Result<Alert> {
    let sql = format!("SELECT {ALERT_COLUMNS} FROM protection_alerts WHERE id = $1");
    fetch_optional!(tx, Alert, sqlx::AssertSqlSafe(sql), id)?.or_not_found()
}

pub async fn get_alert(db: &Db, id: i64) -> Result<Alert> {
    let sql = format!("SELECT {ALERT_COLUMNS} FROM protection_alerts WHERE id = $1");
    fetch_optional!(db, Alert, sqlx::AssertSqlSafe(sql), id)?.or_not_found()
}

/// Alerts raised since `since`, newest first.
pub async fn alerts_since(db: &Db, since: DateTime<Utc>) -> Result<Vec<Alert>> {
    let sql = format!(
        "SELECT {ALERT_COLUMNS} FROM protection_alerts WHERE at >= $1 ORDER BY at DESC, id DESC LIMIT 200"
    );
    Ok(fetch_all!(db, Alert, sqlx::AssertSqlSafe(sql), since)?)
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
pub(super) async fn tell(
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
            execute!(
                tx,
                "INSERT INTO protection_alert_recipients \
                 (alert_id, round, account_id, role, channel, address, outbox_id, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                alert_id,
                round,
                r.account_id,
                r.role.as_str(),
                ch.as_str(),
                address,
                outbox_id,
                now
            )?;
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
    Ok(fetch_all!(
        db,
        AlertDelivery,
        "SELECT r.id, r.round, r.account_id, COALESCE(a.display_name, '') AS name, r.role, r.channel, \
         r.address, CASE WHEN r.channel = 'screen' THEN \
           (CASE WHEN r.delivered_at IS NULL THEN 'waiting' ELSE 'shown' END) \
           ELSE COALESCE(o.status, 'pending') END AS status, \
         o.sent_at, r.delivered_at \
         FROM protection_alert_recipients r \
         LEFT JOIN accounts a ON a.id = r.account_id \
         LEFT JOIN outbox o ON o.id = r.outbox_id \
         WHERE r.alert_id = $1 ORDER BY r.id",
        alert_id
    )?)
}

/// The accounts an alert was addressed to (any round): they see it live and acknowledge it.
pub async fn alert_recipient_ids(db: &Db, alert_id: i64) -> Result<Vec<AccountId>> {
    let rows: Vec<(AccountId,)> = fetch_all!(
        db,
        _,
        "SELECT DISTINCT account_id FROM protection_alert_recipients \
         WHERE alert_id = $1 AND account_id IS NOT NULL ORDER BY account_id",
        alert_id
    )?;
    Ok(rows.into_iter().map(|(a,)| a).collect())
}

/// A live stream of `account` showed the alert: its screen row is delivered.
pub async fn mark_shown(
    db: &Db,
    alert_id: i64,
    account: AccountId,
    now: DateTime<Utc>,
) -> Result<()> {
    execute!(
        db,
        "UPDATE protection_alert_recipients SET delivered_at = $3 \
         WHERE alert_id = $1 AND account_id = $2 AND channel = 'screen' AND delivered_at IS NULL",
        alert_id,
        account,
        now
    )?;
    Ok(())
}

/// Alerts nobody acknowledged by `cutoff` and not yet escalated, oldest first.
pub async fn alerts_to_escalate(db: &Db, cutoff: DateTime<Utc>) -> Result<Vec<Alert>> {
    let sql = format!(
        "SELECT {ALERT_COLUMNS} FROM protection_alerts \
         WHERE acknowledged_at IS NULL AND escalated_at IS NULL AND at <= $1 ORDER BY at, id LIMIT 100"
    );
    Ok(fetch_all!(db, Alert, sqlx::AssertSqlSafe(sql), cutoff)?)
}

/// The recipients of an alert's first round, as addressees (for the escalation line).
pub async fn first_round(db: &Db, alert_id: i64) -> Result<Vec<rules::AlertRecipient>> {
    let rows: Vec<(Option<AccountId>, String, String, String)> = fetch_all!(
        db,
        _,
        "SELECT account_id, role, channel, address FROM protection_alert_recipients \
         WHERE alert_id = $1 AND round = 0 ORDER BY id",
        alert_id
    )?;
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
    let claimed = execute!(
        tx,
        "UPDATE protection_alerts SET escalated_at = $2 \
         WHERE id = $1 AND acknowledged_at IS NULL AND escalated_at IS NULL",
        alert_id,
        now
    )?;
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
