//! The demo's before-and-after checks (issue 17, item 8): the reports' three-day healing program
//! offers the check before and after on its coming session, and two earlier sessions of it show
//! what the organiser sees — six weeks ago, 16 participants took both checks (the group's change
//! shows: a little better on average, not for everyone); ten days ago, only 6 did (suppressed).
//! A new official's request for a healing program waits for the counsellor to place it.

use super::{Phase, set_before_after};
use crate::{Db, Result, Tx, execute, fetch_one};
use chrono::{DateTime, Duration, NaiveTime, Utc};
use domain::AccountId;
use domain::wellbeing::Instrument;

/// A Seoul time `days_ago` days before `now` at `h`:00.
fn at(now: DateTime<Utc>, days_ago: i64, h: u32) -> DateTime<Utc> {
    let day = calendar::to_seoul(now).date_naive() - Duration::days(days_ago);
    let local = day.and_time(NaiveTime::from_hms_opt(h, 0, 0).unwrap_or(NaiveTime::MIN));
    local
        .and_local_timezone(calendar::SEOUL)
        .single()
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or(now)
}

/// A small deterministic generator (the demo is the same every time).
struct Dice(u64);

impl Dice {
    /// A number in [0, 1).
    fn next(&mut self) -> f64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// Answers at a severity (0 = none, 1 = worst) with some noise; positively worded (reversed)
/// items answered the other way; PHQ-9's item 9 left at 0 (the demo opens no crisis gate).
fn answers(i: &Instrument, severity: f64, dice: &mut Dice) -> Vec<Option<i64>> {
    i.items
        .iter()
        .map(|item| {
            let mut values: Vec<i64> = i
                .option_sets
                .get(&item.options)
                .map(|o| o.iter().map(|o| o.value).collect())
                .unwrap_or_default();
            values.sort_unstable();
            let top = values.len().saturating_sub(1) as f64;
            let idx = (severity * top + dice.next() - 0.5).round().clamp(0.0, top) as usize;
            let idx = if i.scoring.reversed.contains(&item.number) {
                values.len().saturating_sub(1) - idx
            } else {
                idx
            };
            if i.id == "phq9" && item.number == 9 {
                return values.first().copied();
            }
            values.get(idx).copied()
        })
        .collect()
}

async fn take(
    tx: &mut Tx,
    who: AccountId,
    session: i64,
    phase: Phase,
    severity: f64,
    when: DateTime<Utc>,
    dice: &mut Dice,
) -> Result<()> {
    let (check,): (i64,) = fetch_one!(
        &mut *tx,
        _,
        "INSERT INTO wellbeing_checks (account_id, department_id, started_at, completed_at, crisis) \
         SELECT id, department_id, $2, NULL, FALSE FROM accounts WHERE id = $1 RETURNING id",
        who,
        when
    )?;
    let battery = domain::wellbeing::battery()?;
    for i in &battery.instruments {
        let a = answers(i, severity, dice);
        crate::wellbeing::submit(tx, check, battery, &i.id, &a, when).await?;
    }
    execute!(
        &mut *tx,
        "INSERT INTO wellbeing_program_checks (check_id, account_id, session_id, phase, linked_at) \
         VALUES ($1, $2, $3, $4, $5)",
        check,
        who,
        session,
        phase.as_str(),
        when
    )?;
    Ok(())
}

/// An earlier three-day session of the program, held `days_ago`, with `people` enrolled and
/// before and after on.
async fn past_session(
    tx: &mut Tx,
    program: i64,
    label: &str,
    days_ago: i64,
    people: &[AccountId],
    by: AccountId,
    now: DateTime<Utc>,
) -> Result<i64> {
    let created = at(now, days_ago + 40, 10);
    let mut secret = [0u8; 24];
    getrandom::fill(&mut secret).map_err(|e| crate::StoreError::internal("demo secret", e))?;
    let (session,): (i64,) = fetch_one!(
        &mut *tx,
        _,
        "INSERT INTO program_sessions (program_id, label, delivery, venue, capacity, checkin_secret, \
         arrivals, before_after, created_by, created_at, updated_at) \
         VALUES ($1, $2, 'in_person', '국립산림치유원 (경북 영주)', 30, $3, $4, $5, $6, $7, $7) RETURNING id",
        program,
        label,
        hex::encode(secret),
        people.len() as i64,
        true,
        by,
        created
    )?;
    for d in 0..3 {
        let start = at(now, days_ago - d, 9);
        execute!(
            &mut *tx,
            "INSERT INTO program_session_days (session_id, day, starts_at, ends_at) VALUES ($1, $2, $3, $4)",
            session,
            calendar::to_seoul(start).date_naive(),
            start,
            at(now, days_ago - d, 18)
        )?;
    }
    for (i, who) in people.iter().enumerate() {
        execute!(
            &mut *tx,
            "INSERT INTO program_enrolments (session_id, account_id, state, origin, arrival, requested_at, updated_at) \
             VALUES ($1, $2, 'enrolled', 'self', $3, $4, $4)",
            session,
            *who,
            i as i64 + 1,
            created
        )?;
        // Everyone was told when each window opened (so the job does not tell them again now).
        for (phase, told) in [
            (Phase::Pre, created),
            (Phase::Post, at(now, days_ago - 2, 18)),
        ] {
            execute!(
                &mut *tx,
                "INSERT INTO program_self_check_offers (session_id, account_id, phase, sent_at) VALUES ($1, $2, $3, $4)",
                session,
                *who,
                phase.as_str(),
                told
            )?;
        }
    }
    Ok(session)
}

/// Seed the before-and-after demo: `program` is the healing program, `coming` its coming
/// session, `people` the counter officials. Returns how many pairs were made.
pub async fn seed(
    db: &Db,
    now: DateTime<Utc>,
    program: i64,
    coming: i64,
    people: &[AccountId],
    officer: AccountId,
) -> Result<usize> {
    let mut tx = db.begin().await?;
    set_before_after(&mut tx, coming, true, now).await?;
    // Six weeks ago: 22 took part, 16 took both checks, 3 only the one before.
    let earlier = &people[people.len().saturating_sub(22)..];
    let first = past_session(&mut tx, program, "시범 1기", 45, earlier, officer, now).await?;
    // Ten days ago: 12 took part, 6 took both (too few to show).
    let recent = &people[people.len().saturating_sub(36)..people.len().saturating_sub(24)];
    let second = past_session(&mut tx, program, "시범 2기", 12, recent, officer, now).await?;
    let mut dice = Dice(2026);
    let mut pairs = 0;
    for (session, group, both, only_before, days_ago) in
        [(first, earlier, 16, 3, 45), (second, recent, 6, 2, 12)]
    {
        for (n, &who) in group.iter().enumerate().take(both + only_before) {
            crate::wellbeing::give_consent(&mut tx, who, at(now, days_ago + 20, 9)).await?;
            let before = 0.2 + 0.4 * dice.next();
            // Most feel a little better; about one in four the same or a little worse.
            let shift = if dice.next() < 0.75 {
                0.02 + 0.1 * dice.next()
            } else {
                -0.06 * dice.next()
            };
            let pre_day = days_ago + 2 + (n as i64 % 5);
            take(
                &mut tx,
                who,
                session,
                Phase::Pre,
                before,
                at(now, pre_day, 12),
                &mut dice,
            )
            .await?;
            if n < both {
                let post_day = days_ago - 3 - (n as i64 % 6);
                take(
                    &mut tx,
                    who,
                    session,
                    Phase::Post,
                    (before - shift).max(0.0),
                    at(now, post_day, 12),
                    &mut dice,
                )
                .await?;
                pairs += 1;
            }
        }
    }
    // A new official asked, from their result, for a place in a healing program; the counsellor
    // acknowledged it and has yet to place them (the counsellor's page offers the coming session).
    if let Ok(asker) = crate::office::accounts::find_by_username(db, "new03").await {
        crate::wellbeing::give_consent(&mut tx, asker.id, at(now, 6, 10)).await?;
        let referral = crate::wellbeing::create_referral(
            &mut tx,
            asker.id,
            domain::wellbeing::ReferralKind::HealingProgram,
            None,
            "요즘 많이 지쳤습니다. 힐링 프로그램에 참여하고 싶어요.",
            at(now, 5, 11),
        )
        .await?;
        crate::wellbeing::set_referral_status(
            &mut tx,
            referral,
            domain::wellbeing::ReferralStatus::Acknowledged,
            at(now, 4, 15),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(pairs)
}
