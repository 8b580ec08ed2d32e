//! The self-management plan (자기관리 계획), its check-ins and reminders.

use super::*;
use crate::{execute, fetch_all, fetch_one, fetch_optional};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Checkin {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub actions_done: i64,
    pub mood: i64,
    pub note: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Plan {
    pub goals: Vec<String>,
    pub actions: Vec<String>,
    pub reminder_weekday: Option<i64>,
    pub reminder_hour: Option<i64>,
    pub next_reminder_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Newest first.
    pub checkins: Vec<Checkin>,
}

#[derive(sqlx::FromRow)]
pub(super) struct PlanRow {
    goals: String,
    actions: String,
    reminder_weekday: Option<i64>,
    reminder_hour: Option<i64>,
    next_reminder_at: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

pub(super) fn json_lines(s: &str) -> Result<Vec<String>> {
    serde_json::from_str(s).map_err(|e| StoreError::internal("stored plan unreadable", e))
}

pub async fn plan(db: &Db, account: AccountId) -> Result<Option<Plan>> {
    let row = fetch_optional!(
        db,
        PlanRow,
        "SELECT goals, actions, reminder_weekday, reminder_hour, next_reminder_at, created_at, updated_at \
         FROM wellbeing_plans WHERE account_id = $1",
        account
    )?;
    let Some(row) = row else { return Ok(None) };
    let checkins = fetch_all!(
        db,
        Checkin,
        "SELECT id, at, actions_done, mood, note FROM wellbeing_checkins WHERE account_id = $1 \
         ORDER BY at DESC, id DESC LIMIT 52",
        account
    )?;
    Ok(Some(Plan {
        goals: json_lines(&row.goals)?,
        actions: json_lines(&row.actions)?,
        reminder_weekday: row.reminder_weekday,
        reminder_hour: row.reminder_hour,
        next_reminder_at: row.next_reminder_at,
        created_at: row.created_at,
        updated_at: row.updated_at,
        checkins,
    }))
}

/// Write (or rewrite) the plan; the weekly reminder is scheduled from now.
pub async fn save_plan(
    tx: &mut Tx,
    account: AccountId,
    input: &PlanInput,
    now: DateTime<Utc>,
) -> Result<()> {
    let p = input.normalised()?;
    let goals = serde_json::to_string(&p.goals)
        .map_err(|e| StoreError::internal("plan not serialisable", e))?;
    let actions = serde_json::to_string(&p.actions)
        .map_err(|e| StoreError::internal("plan not serialisable", e))?;
    let next = match (p.reminder_weekday, p.reminder_hour) {
        (Some(d), Some(h)) => next_reminder(now, d, h),
        _ => None,
    };
    execute!(
        tx,
        "INSERT INTO wellbeing_plans (account_id, goals, actions, reminder_weekday, reminder_hour, \
         next_reminder_at, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $7) \
         ON CONFLICT (account_id) DO UPDATE SET goals = excluded.goals, actions = excluded.actions, \
         reminder_weekday = excluded.reminder_weekday, reminder_hour = excluded.reminder_hour, \
         next_reminder_at = excluded.next_reminder_at, updated_at = excluded.updated_at",
        account,
        &goals,
        &actions,
        p.reminder_weekday.map(i64::from),
        p.reminder_hour.map(i64::from),
        next,
        now
    )?;
    Ok(())
}

pub async fn add_checkin(
    tx: &mut Tx,
    account: AccountId,
    actions_done: i64,
    mood: i64,
    note: &str,
    now: DateTime<Utc>,
) -> Result<i64> {
    let actions: Option<(String,)> = fetch_optional!(
        tx,
        _,
        "SELECT actions FROM wellbeing_plans WHERE account_id = $1",
        account
    )?;
    let Some((actions,)) = actions else {
        return Err(conflict(
            "먼저 자기관리 계획을 세워 주세요",
            "write a self-management plan first",
        ));
    };
    validate_checkin(actions_done, json_lines(&actions)?.len(), mood, note)?;
    let (id,): (i64,) = fetch_one!(
        tx,
        _,
        "INSERT INTO wellbeing_checkins (account_id, at, actions_done, mood, note) \
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
        account,
        now,
        actions_done,
        mood,
        note.trim()
    )?;
    Ok(id)
}

/// Queue the weekly plan reminders that are due, through the outbox, and schedule the next
/// ones. The message says nothing about results (mail can be read over a shoulder). Each plan is
/// claimed by moving its reminder forward first, so several servers never send one twice.
/// Call it periodically (with [`purge`]); returns how many reminders were queued.
pub async fn queue_due_reminders(db: &Db, now: DateTime<Utc>) -> Result<u64> {
    #[derive(sqlx::FromRow)]
    struct Due {
        account_id: AccountId,
        next_reminder_at: DateTime<Utc>,
        reminder_weekday: i64,
        reminder_hour: i64,
        email: String,
    }
    let due = fetch_all!(
        db,
        Due,
        "SELECT p.account_id, p.next_reminder_at, p.reminder_weekday, p.reminder_hour, a.email \
         FROM wellbeing_plans p JOIN accounts a ON a.id = p.account_id \
         WHERE p.next_reminder_at IS NOT NULL AND p.next_reminder_at <= $1 \
         AND p.reminder_weekday IS NOT NULL AND p.reminder_hour IS NOT NULL AND a.active = TRUE \
         ORDER BY p.account_id LIMIT 500",
        now
    )?;
    let mut queued = 0;
    for d in due {
        let weekday = u32::try_from(d.reminder_weekday).unwrap_or(0);
        let hour = u32::try_from(d.reminder_hour).unwrap_or(9);
        let next = next_reminder(now, weekday, hour);
        let mut tx = db.begin().await?;
        let claimed = execute!(
            &mut tx,
            "UPDATE wellbeing_plans SET next_reminder_at = $1 WHERE account_id = $2 AND next_reminder_at = $3",
            next,
            d.account_id,
            d.next_reminder_at
        )?;
        if claimed == 1 && !d.email.trim().is_empty() {
            outbox::enqueue(
                &mut tx,
                outbox::Channel::Email,
                d.email.trim(),
                "[민원] 이번 주 자기관리 계획 (Your weekly plan)",
                "이번 주 자기관리 계획을 확인하고 실천 기록을 남겨 보세요. /wellbeing/plan\n\
                 Take a look at this week's self-management plan and check in. /wellbeing/plan",
                now,
            )
            .await?;
            queued += 1;
        }
        tx.commit().await?;
    }
    Ok(queued)
}
