//! Drills (모의훈련) planned, held and reminded.

use super::*;
use crate::{execute, fetch_all, fetch_one, fetch_optional, kit::ByKey};

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

pub(super) const DRILL_COLUMNS: &str = "id, planned_on, department_id, scenario, partner, participants, held_at, \
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
    Ok(fetch_one!(
        tx,
        Drill,
        sqlx::AssertSqlSafe(sql),
        planned_on,
        department_id,
        &scenario,
        partner.trim(),
        by,
        now
    )?)
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
    fetch_optional!(
        tx,
        Drill,
        sqlx::AssertSqlSafe(sql),
        id,
        held_at,
        participants.trim(),
        after_action.trim(),
        fixes.trim(),
        now
    )?
    .or_not_found()
}

pub async fn drills(db: &Db) -> Result<Vec<Drill>> {
    let sql =
        format!("SELECT {DRILL_COLUMNS} FROM protection_drills ORDER BY planned_on DESC, id DESC");
    Ok(fetch_all!(db, Drill, sqlx::AssertSqlSafe(sql))?)
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
    execute!(
        &mut tx,
        "INSERT INTO settings (key, value, updated_at) VALUES ($1, $2, $3) \
         ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
        KEY,
        &marker,
        now
    )?;
    tx.commit().await?;
    Ok(n)
}
