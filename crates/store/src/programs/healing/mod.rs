//! Healing programs and wellbeing (issue 17, item 8): the organiser's switch for the self-check
//! before and after, a participant's offers and their checks linked to a session, the group's
//! change (and nothing else) for the organiser, and placing a referral in a healing session.
//!
//! A linked check is an ordinary wellbeing check (`wellbeing_checks`); the link
//! (`wellbeing_program_checks`) is deleted with it, so whoever deletes their wellbeing data drops
//! out of the group's change. Rules: `domain::programs::healing`.

pub mod demo;

use super::{EnrolRequest, Enrolment, enrol_in, tell};
use crate::kit::ByKey;
use crate::{Db, Result, StoreError, Tx, execute, fetch_all, fetch_one, fetch_optional};
use chrono::{DateTime, Utc};
use domain::programs::healing::{self as rules, GroupChange, Pair, Phase};
use domain::programs::{ProgramKind, SessionState};
use domain::wellbeing::Battery;
use domain::{AccountId, DepartmentId, RuleError};
use serde::Serialize;
use std::collections::BTreeMap;

/// What the rules need to know about a session.
#[derive(Debug, Clone, sqlx::FromRow)]
struct FactsRow {
    kind: String,
    state: String,
    before_after: bool,
    title: String,
    title_en: String,
    label: String,
    first_start: Option<DateTime<Utc>>,
    last_end: Option<DateTime<Utc>>,
}

/// A session as the healing rules see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Facts {
    pub session_id: i64,
    pub kind: ProgramKind,
    pub cancelled: bool,
    pub before_after: bool,
    pub title: String,
    pub title_en: String,
    pub label: String,
    pub first_start: DateTime<Utc>,
    pub last_end: DateTime<Utc>,
}

impl Facts {
    /// When the check after closes (the group's change may show from then).
    pub fn post_closes(&self) -> DateTime<Utc> {
        rules::window(Phase::Post, self.first_start, self.last_end).1
    }
}

const FACTS_SELECT: &str = "SELECT p.kind, s.state, s.before_after, p.title, p.title_en, s.label, \
    (SELECT MIN(d.starts_at) FROM program_session_days d WHERE d.session_id = s.id) AS first_start, \
    (SELECT MAX(d.ends_at) FROM program_session_days d WHERE d.session_id = s.id) AS last_end \
    FROM program_sessions s JOIN programs p ON p.id = s.program_id WHERE s.id = $1";

fn into_facts(session_id: i64, r: FactsRow) -> Result<Facts> {
    let (Some(first_start), Some(last_end)) = (r.first_start, r.last_end) else {
        return Err(StoreError::internal(
            "a session without days",
            format!("session {session_id}"),
        ));
    };
    Ok(Facts {
        session_id,
        kind: ProgramKind::parse(&r.kind)?,
        cancelled: SessionState::parse(&r.state)? == SessionState::Cancelled,
        before_after: r.before_after,
        title: r.title,
        title_en: r.title_en,
        label: r.label,
        first_start,
        last_end,
    })
}

pub async fn facts(db: &Db, session: i64) -> Result<Facts> {
    let row = fetch_optional!(db, FactsRow, FACTS_SELECT, session)?.or_not_found()?;
    into_facts(session, row)
}

async fn facts_in(tx: &mut Tx, session: i64) -> Result<Facts> {
    let row = fetch_optional!(&mut *tx, FactsRow, FACTS_SELECT, session)?.or_not_found()?;
    into_facts(session, row)
}

/// Switch the self-check before and after on or off (the organiser). Switching on tells every
/// participant whose window is open now; the periodic job tells the rest when theirs opens.
/// Returns how many were told.
pub async fn set_before_after(
    tx: &mut Tx,
    session: i64,
    on: bool,
    now: DateTime<Utc>,
) -> Result<u64> {
    let f = facts_in(tx, session).await?;
    rules::may_switch(f.kind, f.cancelled)?;
    execute!(
        &mut *tx,
        "UPDATE program_sessions SET before_after = $1 WHERE id = $2",
        on,
        session
    )?;
    if !on {
        return Ok(0);
    }
    offer_in(
        tx,
        &Facts {
            before_after: true,
            ..f
        },
        now,
    )
    .await
}

/// Tell each enrolled participant of a before-and-after session, once per phase, that the
/// check of the open phase is offered. The text names the program and the voluntary check only.
async fn offer_in(tx: &mut Tx, f: &Facts, now: DateTime<Utc>) -> Result<u64> {
    if !f.before_after || f.cancelled || f.kind != ProgramKind::Healing {
        return Ok(0);
    }
    let Some(phase) = rules::open_phase(now, f.first_start, f.last_end) else {
        return Ok(0);
    };
    let untold: Vec<(AccountId,)> = fetch_all!(
        &mut *tx,
        _,
        "SELECT e.account_id FROM program_enrolments e WHERE e.session_id = $1 AND e.state = 'enrolled' \
         AND NOT EXISTS (SELECT 1 FROM program_self_check_offers o WHERE o.session_id = e.session_id \
         AND o.account_id = e.account_id AND o.phase = $2) ORDER BY e.account_id",
        f.session_id,
        phase.as_str()
    )?;
    let closes = calendar::to_seoul(rules::window(phase, f.first_start, f.last_end).1)
        .format("%Y-%m-%d %H:%M");
    let subject = format!(
        "[민원] 자가점검({}) 안내: {} (self-check {})",
        phase.korean(),
        f.title,
        phase.english()
    );
    let body = format!(
        "'{title}'의 {ko} 마음건강 자가점검을 원하시면 {closes}까지 받을 수 있습니다. 참여는 자유이며 결과는 본인만 봅니다. \
         담당자는 사전·사후를 모두 받은 사람이 10명 이상일 때 집단의 평균 변화만 봅니다. 교육·프로그램 화면에서 받으세요.\n\
         If you wish, take the confidential self-check {en} '{title}' until {closes}. It is your choice and only you see \
         the result; the organiser sees only the group's average change, and only when at least 10 people took both. \
         Take it from the Programs page.",
        title = f.title,
        ko = phase.korean(),
        en = phase.english(),
    );
    let mut n = 0;
    for (who,) in untold {
        execute!(
            &mut *tx,
            "INSERT INTO program_self_check_offers (session_id, account_id, phase, sent_at) VALUES ($1, $2, $3, $4)",
            f.session_id,
            who,
            phase.as_str(),
            now
        )?;
        tell(tx, who, &subject, &body, now).await?;
        n += 1;
    }
    Ok(n)
}

/// The periodic job: offer the open phase's check to participants not told yet (a late
/// enrolment, or the after-window opening). Returns how many were told.
pub async fn queue_offers(db: &Db, now: DateTime<Utc>) -> Result<u64> {
    let sessions: Vec<(i64,)> = fetch_all!(
        db,
        _,
        "SELECT s.id FROM program_sessions s JOIN programs p ON p.id = s.program_id \
         WHERE s.before_after = $1 AND s.state = 'scheduled' AND p.kind = 'healing' ORDER BY s.id",
        true
    )?;
    let mut n = 0;
    for (id,) in sessions {
        let mut tx = db.begin().await?;
        let f = facts_in(&mut tx, id).await?;
        n += offer_in(&mut tx, &f, now).await?;
        tx.commit().await?;
    }
    Ok(n)
}

/// A check offered to a participant, and how far they are with it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Offer {
    pub session_id: i64,
    pub title: String,
    pub title_en: String,
    pub label: String,
    pub phase: Phase,
    pub closes: DateTime<Utc>,
    /// The check taken for it, and whether it is finished.
    pub check_id: Option<i64>,
    pub completed: bool,
}

/// The checks offered to a person now: one per before-and-after session they hold a place on
/// whose window is open.
pub async fn offers_for(db: &Db, account: AccountId, now: DateTime<Utc>) -> Result<Vec<Offer>> {
    let sessions: Vec<(i64,)> = fetch_all!(
        db,
        _,
        "SELECT s.id FROM program_enrolments e JOIN program_sessions s ON s.id = e.session_id \
         JOIN programs p ON p.id = s.program_id WHERE e.account_id = $1 AND e.state = 'enrolled' \
         AND s.before_after = $2 AND s.state = 'scheduled' AND p.kind = 'healing' ORDER BY s.id",
        account,
        true
    )?;
    let mut out = Vec::new();
    for (id,) in sessions {
        let f = facts(db, id).await?;
        let Some(phase) = rules::open_phase(now, f.first_start, f.last_end) else {
            continue;
        };
        let taken: Option<(i64, Option<DateTime<Utc>>)> = fetch_optional!(
            db,
            _,
            "SELECT c.id, c.completed_at FROM wellbeing_program_checks l JOIN wellbeing_checks c ON c.id = l.check_id \
             WHERE l.account_id = $1 AND l.session_id = $2 AND l.phase = $3",
            account,
            id,
            phase.as_str()
        )?;
        out.push(Offer {
            session_id: id,
            closes: rules::window(phase, f.first_start, f.last_end).1,
            title: f.title,
            title_en: f.title_en,
            label: f.label,
            phase,
            check_id: taken.map(|t| t.0),
            completed: taken.is_some_and(|t| t.1.is_some()),
        });
    }
    Ok(out)
}

/// Start (or resume) the participant's check for a session's phase: the ordinary wellbeing
/// check, linked to the session. Refused when the session does not offer it, the person holds
/// no place, the window is closed, it was already taken, or another unfinished check waits
/// for another purpose. Returns the check and whether it is new.
pub async fn start_linked(
    tx: &mut Tx,
    account: AccountId,
    department: Option<DepartmentId>,
    session: i64,
    phase: Phase,
    now: DateTime<Utc>,
) -> Result<(i64, bool)> {
    let f = facts_in(tx, session).await?;
    if !f.before_after || f.cancelled || f.kind != ProgramKind::Healing {
        return Err(RuleError::new(
            "not_offered",
            "이 회차에는 자가점검 사전·사후가 없습니다",
            "this session offers no self-check before and after",
        )
        .into());
    }
    let (enrolled,): (i64,) = fetch_one!(
        &mut *tx,
        _,
        "SELECT COUNT(*) FROM program_enrolments WHERE session_id = $1 AND account_id = $2 AND state = 'enrolled'",
        session,
        account
    )?;
    if enrolled == 0 {
        return Err(RuleError::new(
            "not_enrolled",
            "이 회차의 참가자만 받을 수 있습니다",
            "only this session's participants are offered it",
        )
        .into());
    }
    rules::check_window(phase, now, f.first_start, f.last_end)?;
    let taken: Option<(i64, Option<DateTime<Utc>>)> = fetch_optional!(
        &mut *tx,
        _,
        "SELECT c.id, c.completed_at FROM wellbeing_program_checks l JOIN wellbeing_checks c ON c.id = l.check_id \
         WHERE l.account_id = $1 AND l.session_id = $2 AND l.phase = $3",
        account,
        session,
        phase.as_str()
    )?;
    match taken {
        Some((_, Some(_))) => {
            return Err(StoreError::conflict(
                "이 회차의 자가점검을 이미 받았습니다",
                "you have already taken this check for this session",
            ));
        }
        Some((id, None)) => return Ok((id, false)),
        None => {}
    }
    let (id, new) = crate::wellbeing::start_check(tx, account, department, now).await?;
    let (linked,): (i64,) = fetch_one!(
        &mut *tx,
        _,
        "SELECT COUNT(*) FROM wellbeing_program_checks WHERE check_id = $1",
        id
    )?;
    if linked > 0 {
        return Err(StoreError::conflict(
            "끝내지 않은 다른 자가점검이 있습니다. 그 검사를 먼저 끝내 주세요",
            "you have another unfinished check; finish it first",
        ));
    }
    execute!(
        &mut *tx,
        "INSERT INTO wellbeing_program_checks (check_id, account_id, session_id, phase, linked_at) \
         VALUES ($1, $2, $3, $4, $5)",
        id,
        account,
        session,
        phase.as_str(),
        now
    )?;
    Ok((id, new))
}

/// Each participant's scores before and after, for those who completed both (one [`Pair`] per
/// person and instrument). Read only to aggregate; never returned to a caller as such.
async fn pairs(db: &Db, f: &Facts, battery: &Battery) -> Result<Vec<Pair>> {
    let links: Vec<(AccountId, String, i64, DateTime<Utc>)> = fetch_all!(
        db,
        _,
        "SELECT l.account_id, l.phase, l.check_id, c.completed_at FROM wellbeing_program_checks l \
         JOIN wellbeing_checks c ON c.id = l.check_id \
         WHERE l.session_id = $1 AND c.completed_at IS NOT NULL ORDER BY l.account_id",
        f.session_id
    )?;
    let mut by_person: BTreeMap<AccountId, (Option<i64>, Option<i64>)> = BTreeMap::new();
    for (who, phase, check, completed) in links {
        let phase = Phase::parse(&phase)?;
        // Only a check finished inside its window counts: once the after-window has closed,
        // nothing finished later can change the figures (and give one person away).
        if completed >= rules::window(phase, f.first_start, f.last_end).1 {
            continue;
        }
        let e = by_person.entry(who).or_default();
        match phase {
            Phase::Pre => e.0 = Some(check),
            Phase::Post => e.1 = Some(check),
        }
    }
    let mut out = Vec::new();
    for (before, after) in by_person.into_values() {
        let (Some(before), Some(after)) = (before, after) else {
            continue;
        };
        let before = crate::wellbeing::get_check(db, before)
            .await?
            .results(battery);
        let after = crate::wellbeing::get_check(db, after)
            .await?
            .results(battery);
        for b in &before {
            if let Some(a) = after.iter().find(|a| a.instrument == b.instrument) {
                out.push(Pair {
                    instrument: b.instrument.clone(),
                    before: b.score.value(),
                    after: a.score.value(),
                });
            }
        }
    }
    Ok(out)
}

/// What the organiser sees of a session's checks: the group's change, suppressed below ten pairs.
pub async fn group_change(
    db: &Db,
    session: i64,
    battery: &Battery,
    now: DateTime<Utc>,
) -> Result<GroupChange> {
    let f = facts(db, session).await?;
    let pairs = pairs(db, &f, battery).await?;
    Ok(rules::group_change(battery, &pairs, f.post_closes(), now))
}

/// Upcoming sessions of healing programs that go ahead (where a referral may be placed), soonest first.
pub async fn upcoming_healing(db: &Db, now: DateTime<Utc>) -> Result<Vec<Facts>> {
    let ids: Vec<(i64,)> = fetch_all!(
        db,
        _,
        "SELECT s.id FROM program_sessions s JOIN programs p ON p.id = s.program_id \
         WHERE p.kind = 'healing' AND s.state = 'scheduled' AND p.archived = $1 \
         AND (SELECT MIN(d.starts_at) FROM program_session_days d WHERE d.session_id = s.id) > $2 \
         ORDER BY s.id",
        false,
        now
    )?;
    let mut out = Vec::new();
    for (id,) in ids {
        out.push(facts(db, id).await?);
    }
    out.sort_by_key(|f| f.first_start);
    Ok(out)
}

/// Place the owner of a healing-program referral in a healing session. The enrolment is an
/// ordinary self-enrolment (same origin, no nominator, the same messages): when approval is
/// required it waits for it, when full it waits on the waitlist like anyone's. Only the
/// referral remembers where it was placed. Refused for a session that is not a healing
/// program's, cancelled or begun, and for a referral placed already.
pub async fn place_referral(
    tx: &mut Tx,
    referral: i64,
    session: i64,
    person: &domain::programs::Person,
    short: i64,
    now: DateTime<Utc>,
) -> Result<Enrolment> {
    let (owner, kind, placed): (AccountId, String, Option<i64>) = fetch_optional!(
        &mut *tx,
        _,
        "SELECT owner_id, kind, placed_session_id FROM wellbeing_referrals WHERE id = $1",
        referral
    )?
    .or_not_found()?;
    if kind != domain::wellbeing::ReferralKind::HealingProgram.as_str() {
        return Err(RuleError::new(
            "not_healing_referral",
            "힐링 프로그램 참여 요청이 아닙니다",
            "this referral does not ask for a healing program",
        )
        .into());
    }
    if placed.is_some() {
        return Err(StoreError::conflict(
            "이미 힐링 프로그램 회차에 배정한 요청입니다",
            "this referral is already placed in a session",
        ));
    }
    let f = facts_in(tx, session).await?;
    if f.kind != ProgramKind::Healing {
        return Err(RuleError::new(
            "not_healing",
            "힐링 프로그램의 회차만 고를 수 있습니다",
            "choose a session of a healing program",
        )
        .into());
    }
    if f.cancelled {
        return Err(super::cancelled());
    }
    let e = enrol_in(
        tx,
        EnrolRequest {
            session,
            account: owner,
            nominated_by: None,
        },
        person,
        short,
        now,
    )
    .await?;
    execute!(
        &mut *tx,
        "UPDATE wellbeing_referrals SET placed_session_id = $1, updated_at = $2 WHERE id = $3",
        session,
        now,
        referral
    )?;
    Ok(e)
}
