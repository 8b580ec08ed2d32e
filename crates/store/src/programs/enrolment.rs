//! Enrolment: self-enrolment, nomination, approval, cancellation and the waitlist.
//!
//! Every change to a session's places begins by taking the session's lock
//! ([`super::lock_session`]), then counts and decides inside the same transaction, so places
//! are never over-given on either database, and a freed place goes to the head of the
//! waitlist in the transaction that freed it.

use super::{cancelled, describe, korean_year, lock_session, requirement, tell};
use crate::kit::ByKey;
use crate::{Db, Result, Tx, execute, fetch_all, fetch_one, fetch_optional};
use chrono::{DateTime, Utc};
use domain::programs::{
    Audience, EnrolmentOrigin, EnrolmentState, SessionState, WAITLIST_ORDER, landing,
    may_ask_again, may_cancel, may_decide,
};
use domain::{AccountId, DepartmentId, RuleError};
use serde::Serialize;

/// One person's place on a session, with where they stand.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Enrolment {
    pub id: i64,
    pub session_id: i64,
    pub account_id: AccountId,
    pub display_name: String,
    pub department_id: Option<DepartmentId>,
    pub department_name: String,
    pub state: EnrolmentState,
    pub origin: EnrolmentOrigin,
    pub nominated_by_name: Option<String>,
    pub hours_short_minutes: i64,
    pub arrival: i64,
    pub requested_at: DateTime<Utc>,
    pub decided_by_name: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
    pub decision_note: String,
    /// 1-based place on the waitlist, when waitlisted.
    pub waitlist_position: Option<i64>,
}

#[derive(sqlx::FromRow)]
struct EnrolmentRow {
    id: i64,
    session_id: i64,
    account_id: AccountId,
    display_name: String,
    department_id: Option<DepartmentId>,
    department_name: String,
    state: String,
    origin: String,
    nominated_by_name: Option<String>,
    hours_short_minutes: i64,
    arrival: i64,
    requested_at: DateTime<Utc>,
    decided_by_name: Option<String>,
    decided_at: Option<DateTime<Utc>>,
    decision_note: String,
    waitlist_position: Option<i64>,
}

/// The waitlist position is counted in SQL with the same order as promotion.
fn enrolment_select() -> String {
    format!(
        "SELECT e.id, e.session_id, e.account_id, a.display_name, a.department_id, \
         COALESCE(dp.name, '') AS department_name, e.state, e.origin, \
         n.display_name AS nominated_by_name, e.hours_short_minutes, e.arrival, e.requested_at, \
         dc.display_name AS decided_by_name, e.decided_at, e.decision_note, \
         CASE WHEN e.state = 'waitlisted' THEN (SELECT COUNT(*) + 1 FROM program_enrolments w \
           WHERE w.session_id = e.session_id AND w.state = 'waitlisted' AND \
           ({ahead})) END AS waitlist_position \
         FROM program_enrolments e JOIN accounts a ON a.id = e.account_id \
         LEFT JOIN departments dp ON dp.id = a.department_id \
         LEFT JOIN accounts n ON n.id = e.nominated_by \
         LEFT JOIN accounts dc ON dc.id = e.decided_by",
        ahead = "w.nominated > e.nominated OR (w.nominated = e.nominated AND \
                 (w.hours_short_minutes > e.hours_short_minutes OR \
                 (w.hours_short_minutes = e.hours_short_minutes AND w.arrival < e.arrival)))"
    )
}

impl EnrolmentRow {
    fn into_enrolment(self) -> Result<Enrolment> {
        Ok(Enrolment {
            id: self.id,
            session_id: self.session_id,
            account_id: self.account_id,
            display_name: self.display_name,
            department_id: self.department_id,
            department_name: self.department_name,
            state: EnrolmentState::parse(&self.state)?,
            origin: EnrolmentOrigin::parse(&self.origin)?,
            nominated_by_name: self.nominated_by_name,
            hours_short_minutes: self.hours_short_minutes,
            arrival: self.arrival,
            requested_at: self.requested_at,
            decided_by_name: self.decided_by_name,
            decided_at: self.decided_at,
            decision_note: self.decision_note,
            waitlist_position: self.waitlist_position,
        })
    }
}

pub async fn enrolment(db: &Db, id: i64) -> Result<Enrolment> {
    let sql = format!("{} WHERE e.id = $1", enrolment_select());
    fetch_optional!(db, EnrolmentRow, sqlx::AssertSqlSafe(sql), id)?
        .or_not_found()?
        .into_enrolment()
}

async fn enrolment_in(tx: &mut Tx, id: i64) -> Result<Enrolment> {
    let sql = format!("{} WHERE e.id = $1", enrolment_select());
    fetch_optional!(&mut *tx, EnrolmentRow, sqlx::AssertSqlSafe(sql), id)?
        .or_not_found()?
        .into_enrolment()
}

/// A session's roster: enrolled, then awaiting approval, then the waitlist in its order,
/// then declined and cancelled.
pub async fn roster(db: &Db, session: i64) -> Result<Vec<Enrolment>> {
    let sql = format!(
        "{} WHERE e.session_id = $1 ORDER BY CASE e.state WHEN 'enrolled' THEN 0 \
         WHEN 'requested' THEN 1 WHEN 'waitlisted' THEN 2 ELSE 3 END, \
         e.{WAITLIST_ORDER_E}",
        enrolment_select()
    );
    fetch_all!(db, EnrolmentRow, sqlx::AssertSqlSafe(sql), session)?
        .into_iter()
        .map(EnrolmentRow::into_enrolment)
        .collect()
}

/// [`WAITLIST_ORDER`] on the `e` alias.
const WAITLIST_ORDER_E: &str = "nominated DESC, e.hours_short_minutes DESC, e.arrival ASC";

/// One person's enrolments, newest first.
pub async fn enrolments_of(db: &Db, account: AccountId) -> Result<Vec<Enrolment>> {
    let sql = format!(
        "{} WHERE e.account_id = $1 ORDER BY e.requested_at DESC, e.id DESC",
        enrolment_select()
    );
    fetch_all!(db, EnrolmentRow, sqlx::AssertSqlSafe(sql), account)?
        .into_iter()
        .map(EnrolmentRow::into_enrolment)
        .collect()
}

/// Requests awaiting approval from people of the given departments (all when `None`),
/// oldest first.
pub async fn awaiting_approval(
    db: &Db,
    departments: Option<&[DepartmentId]>,
) -> Result<Vec<Enrolment>> {
    let sql = format!(
        "{} JOIN program_sessions s ON s.id = e.session_id WHERE e.state = 'requested' \
         AND s.state = 'scheduled' ORDER BY e.requested_at, e.id",
        enrolment_select()
    );
    let all = fetch_all!(db, EnrolmentRow, sqlx::AssertSqlSafe(sql))?;
    all.into_iter()
        .filter(|r| match departments {
            None => true,
            Some(list) => r.department_id.is_some_and(|d| list.contains(&d)),
        })
        .map(EnrolmentRow::into_enrolment)
        .collect()
}

/// Minutes credited to a person in a year (zero when none).
pub async fn credited_minutes(db: &Db, account: AccountId, year: i32) -> Result<i64> {
    let (m,): (i64,) = fetch_one!(
        db,
        _,
        "SELECT CAST(COALESCE(SUM(minutes), 0) AS BIGINT) FROM learning_credits \
         WHERE account_id = $1 AND year = $2",
        account,
        i64::from(year)
    )?;
    Ok(m)
}

/// Who asks for a place, and how.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EnrolRequest {
    pub session: i64,
    pub account: AccountId,
    /// The supervisor or training officer who nominated them; `None` for self-enrolment.
    pub nominated_by: Option<AccountId>,
}

#[derive(sqlx::FromRow)]
struct PlaceFacts {
    state: String,
    capacity: i64,
    approval_required: bool,
    audience_roles: String,
    audience_departments: String,
    audience_grades: String,
    audience_appointed_from: Option<chrono::NaiveDate>,
    audience_appointed_to: Option<chrono::NaiveDate>,
    first_start: Option<DateTime<Utc>>,
}

/// Ask for a place. Self-enrolment must fit the program's audience; a nomination is the
/// nominator's decision and needs no further approval. Places go in arrival order while there
/// are any; then the request waits in the waitlist's order. Asking twice is refused.
///
/// The minutes short of the yearly requirement are read before the transaction (they do not
/// change with this session's places) so the lock is held only for the decision.
pub async fn enrol(db: &Db, req: EnrolRequest, now: DateTime<Utc>) -> Result<Enrolment> {
    let person = super::person(db, req.account).await?;
    let rule = requirement(db).await?;
    let credited = credited_minutes(db, req.account, korean_year(now)).await?;
    let short = rule.short_by(person.grade, credited);
    let mut tx = db.begin().await?;
    let e = enrol_in(&mut tx, req, &person, short, now).await?;
    tx.commit().await?;
    Ok(e)
}

/// [`enrol`] inside the caller's transaction (for an audited write): `short` is the minutes
/// the person is short of the year's requirement.
pub async fn enrol_in(
    tx: &mut Tx,
    req: EnrolRequest,
    person: &domain::programs::Person,
    short: i64,
    now: DateTime<Utc>,
) -> Result<Enrolment> {
    let arrival = lock_session(tx, req.session).await?;
    let f: PlaceFacts = fetch_one!(
        &mut *tx,
        PlaceFacts,
        "SELECT s.state, s.capacity, p.approval_required, p.audience_roles, \
         p.audience_departments, p.audience_grades, p.audience_appointed_from, \
         p.audience_appointed_to, \
         (SELECT MIN(d.starts_at) FROM program_session_days d WHERE d.session_id = s.id) AS first_start \
         FROM program_sessions s JOIN programs p ON p.id = s.program_id WHERE s.id = $1",
        req.session
    )?;
    if SessionState::parse(&f.state)? == SessionState::Cancelled {
        return Err(cancelled());
    }
    if f.first_start.is_none_or(|s| s <= now) {
        return Err(RuleError::new(
            "session_started",
            "이미 시작한 회차에는 신청할 수 없습니다",
            "this session has already begun; enrolment is closed",
        )
        .into());
    }
    let nominated = req.nominated_by.is_some();
    let audience = Audience::from_stored(
        &f.audience_roles,
        &f.audience_departments,
        &f.audience_grades,
        f.audience_appointed_from,
        f.audience_appointed_to,
    );
    if !person.role.is_staff() || (!nominated && !audience.admits(person)) {
        return Err(RuleError::new(
            "not_in_audience",
            "이 프로그램의 대상이 아닙니다",
            "you are not in this program's audience",
        )
        .into());
    }
    let earlier: Option<(i64, String)> = fetch_optional!(
        &mut *tx,
        _,
        "SELECT id, state FROM program_enrolments WHERE session_id = $1 AND account_id = $2",
        req.session,
        req.account
    )?;
    if let Some((_, state)) = &earlier {
        may_ask_again(EnrolmentState::parse(state)?, nominated)?;
    }
    let (enrolled,): (i64,) = fetch_one!(
        &mut *tx,
        _,
        "SELECT COUNT(*) FROM program_enrolments WHERE session_id = $1 AND state = 'enrolled'",
        req.session
    )?;
    let state = landing(nominated || !f.approval_required, enrolled, f.capacity);
    let origin = if nominated {
        EnrolmentOrigin::Nominated
    } else {
        EnrolmentOrigin::SelfEnrolled
    };
    let id = match earlier {
        Some((id, _)) => {
            execute!(
                &mut *tx,
                "UPDATE program_enrolments SET state = $1, origin = $2, nominated_by = $3, \
                 nominated = $4, hours_short_minutes = $5, arrival = $6, requested_at = $7, \
                 decided_by = NULL, decided_at = NULL, decision_note = '', updated_at = $7 \
                 WHERE id = $8",
                state.as_str(),
                origin.as_str(),
                req.nominated_by,
                nominated,
                short,
                arrival,
                now,
                id
            )?;
            id
        }
        None => {
            let (id,): (i64,) = fetch_one!(
                &mut *tx,
                _,
                "INSERT INTO program_enrolments (session_id, account_id, state, origin, \
                 nominated_by, nominated, hours_short_minutes, arrival, requested_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) RETURNING id",
                req.session,
                req.account,
                state.as_str(),
                origin.as_str(),
                req.nominated_by,
                nominated,
                short,
                arrival,
                now
            )?;
            id
        }
    };
    let (title, when) = describe(tx, req.session).await?;
    let (subject, body) = match state {
        EnrolmentState::Enrolled => (
            format!("[민원] 교육 신청 확정: {title} (enrolled)"),
            format!(
                "'{title}' ({when}) 신청이 확정되었습니다.\nYou are enrolled in '{title}' ({when})."
            ),
        ),
        EnrolmentState::Waitlisted => (
            format!("[민원] 교육 대기 등록: {title} (waitlisted)"),
            format!(
                "'{title}' ({when}) 정원이 차 대기자로 등록되었습니다. 자리가 나면 자동으로 확정되고 알려 드립니다.\n\
                 '{title}' ({when}) is full: you are on the waitlist and will be told when a place is yours."
            ),
        ),
        _ => (
            format!("[민원] 교육 신청 승인 대기: {title} (awaiting approval)"),
            format!(
                "'{title}' ({when}) 신청이 부서장 승인을 기다립니다.\n\
                 Your request for '{title}' ({when}) awaits your supervisor's approval."
            ),
        ),
    };
    tell(tx, req.account, &subject, &body, now).await?;
    if state == EnrolmentState::Requested {
        for sup in supervisors_of(tx, person.department_id).await? {
            tell(
                tx,
                sup,
                &format!("[민원] 교육 신청 승인 요청: {title} (approval requested)"),
                &format!(
                    "부서원의 '{title}' ({when}) 신청이 승인을 기다립니다. 교육 신청 승인 화면에서 처리하세요.\n\
                     A request for '{title}' ({when}) from your division awaits your approval."
                ),
                now,
            )
            .await?;
        }
    }
    enrolment_in(tx, id).await
}

/// Supervisors of a department: those of the department itself and of every department above.
pub(crate) async fn supervisors_of(
    tx: &mut Tx,
    department: Option<DepartmentId>,
) -> Result<Vec<AccountId>> {
    let Some(mut dept) = department else {
        return Ok(Vec::new());
    };
    let mut chain = vec![dept];
    // Bounded walk up the org chart (a corrupt cycle cannot hang).
    for _ in 0..32 {
        let parent: Option<(Option<DepartmentId>,)> = fetch_optional!(
            &mut *tx,
            _,
            "SELECT parent_id FROM departments WHERE id = $1",
            dept
        )?;
        match parent.and_then(|p| p.0) {
            Some(p) if !chain.contains(&p) => {
                chain.push(p);
                dept = p;
            }
            _ => break,
        }
    }
    let mut out = Vec::new();
    for d in chain {
        let rows: Vec<(AccountId,)> = fetch_all!(
            &mut *tx,
            _,
            "SELECT id FROM accounts WHERE role = 'supervisor' AND active = $1 AND department_id = $2",
            true,
            d
        )?;
        out.extend(rows.into_iter().map(|r| r.0));
        if !out.is_empty() {
            break;
        }
    }
    Ok(out)
}

/// Approve or decline a request (a supervisor of the division, or the training officer).
/// Approved, it takes a place if one is free, else the waitlist; declining a place frees it
/// for the head of the waitlist.
pub async fn decide(
    tx: &mut Tx,
    enrolment: i64,
    approve: bool,
    by: AccountId,
    note: &str,
    now: DateTime<Utc>,
) -> Result<Enrolment> {
    let (session,): (i64,) = fetch_optional!(
        &mut *tx,
        _,
        "SELECT session_id FROM program_enrolments WHERE id = $1",
        enrolment
    )?
    .or_not_found()?;
    lock_session(tx, session).await?;
    let e = enrolment_in(tx, enrolment).await?;
    may_decide(e.state, approve)?;
    if note.chars().count() > 500 {
        return Err(RuleError::new(
            "note_too_long",
            "의견은 500자 이내로 입력하세요",
            "keep the note within 500 characters",
        )
        .into());
    }
    let (capacity,): (i64,) = fetch_one!(
        &mut *tx,
        _,
        "SELECT capacity FROM program_sessions WHERE id = $1",
        session
    )?;
    let (enrolled,): (i64,) = fetch_one!(
        &mut *tx,
        _,
        "SELECT COUNT(*) FROM program_enrolments WHERE session_id = $1 AND state = 'enrolled'",
        session
    )?;
    let state = if approve {
        landing(true, enrolled, capacity)
    } else {
        EnrolmentState::Declined
    };
    execute!(
        &mut *tx,
        "UPDATE program_enrolments SET state = $1, decided_by = $2, decided_at = $3, \
         decision_note = $4, updated_at = $3 WHERE id = $5",
        state.as_str(),
        by,
        now,
        note.trim(),
        enrolment
    )?;
    let (title, when) = describe(tx, session).await?;
    let (subject, body) = match state {
        EnrolmentState::Enrolled => (
            format!("[민원] 교육 신청 승인: {title} (approved)"),
            format!(
                "'{title}' ({when}) 신청이 승인되어 확정되었습니다.\nYour request for '{title}' ({when}) was approved: you are enrolled."
            ),
        ),
        EnrolmentState::Waitlisted => (
            format!("[민원] 교육 신청 승인 (대기): {title} (approved, waitlisted)"),
            format!(
                "'{title}' ({when}) 신청이 승인되었으나 정원이 차 대기자로 등록되었습니다.\nYour request for '{title}' ({when}) was approved; the session is full, so you are on the waitlist."
            ),
        ),
        _ => (
            format!("[민원] 교육 신청 반려: {title} (declined)"),
            format!(
                "'{title}' ({when}) 신청이 반려되었습니다. {n}\nYour request for '{title}' ({when}) was declined. {n}",
                n = note.trim()
            ),
        ),
    };
    tell(tx, e.account_id, &subject, &body, now).await?;
    if e.state == EnrolmentState::Enrolled {
        promote(tx, session, now).await?;
    }
    enrolment_in(tx, enrolment).await
}

/// What a cancellation did: the cancelled enrolment and whoever took the freed place.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Cancelled {
    pub enrolment: Enrolment,
    pub promoted: Vec<i64>,
}

/// Cancel a place, a request or a waitlist entry. A freed place goes to the head of the
/// waitlist in the same transaction, and that person is told.
pub async fn cancel(
    tx: &mut Tx,
    enrolment: i64,
    by: AccountId,
    now: DateTime<Utc>,
) -> Result<Cancelled> {
    let (session,): (i64,) = fetch_optional!(
        &mut *tx,
        _,
        "SELECT session_id FROM program_enrolments WHERE id = $1",
        enrolment
    )?
    .or_not_found()?;
    lock_session(tx, session).await?;
    let e = enrolment_in(tx, enrolment).await?;
    may_cancel(e.state)?;
    execute!(
        &mut *tx,
        "UPDATE program_enrolments SET state = 'cancelled', decided_by = $1, decided_at = $2, \
         updated_at = $2 WHERE id = $3",
        by,
        now,
        enrolment
    )?;
    if by != e.account_id {
        let (title, when) = describe(tx, session).await?;
        tell(
            tx,
            e.account_id,
            &format!("[민원] 교육 신청 취소: {title} (enrolment cancelled)"),
            &format!("'{title}' ({when}) 신청이 취소되었습니다.\nYour enrolment in '{title}' ({when}) was cancelled."),
            now,
        )
        .await?;
    }
    let promoted = if e.state == EnrolmentState::Enrolled {
        promote(tx, session, now).await?
    } else {
        Vec::new()
    };
    Ok(Cancelled {
        enrolment: enrolment_in(tx, enrolment).await?,
        promoted,
    })
}

/// Fill free places from the head of the waitlist, telling each person promoted. The caller
/// holds the session's lock. Returns the enrolments promoted.
pub(crate) async fn promote(tx: &mut Tx, session: i64, now: DateTime<Utc>) -> Result<Vec<i64>> {
    let (capacity, state): (i64, String) = fetch_one!(
        &mut *tx,
        _,
        "SELECT capacity, state FROM program_sessions WHERE id = $1",
        session
    )?;
    if SessionState::parse(&state)? == SessionState::Cancelled {
        return Ok(Vec::new());
    }
    let (enrolled,): (i64,) = fetch_one!(
        &mut *tx,
        _,
        "SELECT COUNT(*) FROM program_enrolments WHERE session_id = $1 AND state = 'enrolled'",
        session
    )?;
    let free = capacity - enrolled;
    if free <= 0 {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT id, account_id FROM program_enrolments WHERE session_id = $1 AND state = 'waitlisted' \
         ORDER BY {WAITLIST_ORDER} LIMIT $2"
    );
    let heads: Vec<(i64, AccountId)> =
        fetch_all!(&mut *tx, _, sqlx::AssertSqlSafe(sql), session, free)?;
    if heads.is_empty() {
        return Ok(Vec::new());
    }
    let (title, when) = describe(tx, session).await?;
    let mut promoted = Vec::with_capacity(heads.len());
    for (id, account) in heads {
        execute!(
            &mut *tx,
            "UPDATE program_enrolments SET state = 'enrolled', updated_at = $1 WHERE id = $2",
            now,
            id
        )?;
        tell(
            tx,
            account,
            &format!("[민원] 대기 → 신청 확정: {title} (a place is yours)"),
            &format!(
                "'{title}' ({when})에 자리가 나서 대기에서 신청 확정으로 바뀌었습니다.\n\
                 A place in '{title}' ({when}) came free: you are now enrolled."
            ),
            now,
        )
        .await?;
        promoted.push(id);
    }
    Ok(promoted)
}
