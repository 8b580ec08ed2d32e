//! Closing a session (출석 마감), completion (이수), recognised minutes credited into
//! `learning_credits`, certificates (수료증) and their public verification.
//!
//! A completion, its credit and its certificate are each one row keyed by the enrolment (the
//! unique keys of 0020), written with `ON CONFLICT DO NOTHING`: closing twice, or answering the
//! feedback after closing, never credits twice.

use super::attendance::{Day, SessionFacts, days, session_facts};
use crate::kit::sql::Target;
use crate::{Db, Result, StoreError, Tx, execute, fetch_all, fetch_one, fetch_optional};
use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use domain::programs::certificate::{self, PublicView};
use domain::programs::completion::{Judgement, Outcome, Rule, judge};
use domain::{AccountId, RuleError};
use serde::Serialize;

/// Failed verifications per client address within [`LOOKUP_WINDOW_MINUTES`] before the public
/// page locks for that address.
pub const MAX_LOOKUP_FAILURES: i64 = 10;
pub const LOOKUP_WINDOW_MINUTES: i64 = 15;

/// One participant's result at closing.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Judged {
    pub enrolment_id: i64,
    pub account_id: AccountId,
    pub name: String,
    pub outcome: Outcome,
    pub share_percent: i64,
    pub credited_minutes: i64,
}

/// Whether every day of the session is closed.
pub fn is_closed(days: &[Day]) -> bool {
    !days.is_empty() && days.iter().all(|d| d.attendance_closed_at.is_some())
}

/// Close a session's attendance once its last day has ended and judge every participant.
pub async fn close(
    tx: &mut Tx,
    session_id: i64,
    by: AccountId,
    now: DateTime<Utc>,
) -> Result<Vec<Judged>> {
    let facts = session_facts(&mut *tx, session_id).await?;
    let all = days(&mut *tx, session_id).await?;
    if facts.state == "cancelled" {
        return Err(StoreError::Rule(RuleError::new(
            "session_cancelled",
            "취소된 교육은 마감할 수 없습니다.",
            "A cancelled session cannot be closed.",
        )));
    }
    match all.last() {
        Some(last) if now >= last.ends_at => {}
        _ => {
            return Err(StoreError::Rule(RuleError::new(
                "session_not_over",
                "교육이 끝난 뒤에 마감할 수 있습니다.",
                "A session can be closed once it is over.",
            )));
        }
    }
    execute!(
        &mut *tx,
        "UPDATE program_session_days SET attendance_closed_at = $2, attendance_closed_by = $3 \
         WHERE session_id = $1 AND attendance_closed_at IS NULL",
        session_id,
        now,
        by
    )?;
    let enrolled: Vec<(i64, AccountId, String)> = fetch_all!(
        &mut *tx,
        _,
        "SELECT e.id, e.account_id, a.display_name FROM program_enrolments e \
         JOIN accounts a ON a.id = e.account_id WHERE e.session_id = $1 AND e.state = 'enrolled' ORDER BY e.id",
        session_id
    )?;
    let mut out = Vec::with_capacity(enrolled.len());
    for (enrolment_id, account_id, name) in enrolled {
        let j = judge_and_credit(tx, &facts, &all, enrolment_id, account_id, now).await?;
        out.push(Judged {
            enrolment_id,
            account_id,
            name,
            outcome: j.outcome,
            share_percent: j.share_percent,
            credited_minutes: j.credited_minutes,
        });
    }
    Ok(out)
}

/// Judge one enrolment of a closed session and, when completed, write its completion, credit and
/// certificate (each at most once).
pub(crate) async fn judge_and_credit(
    tx: &mut Tx,
    facts: &SessionFacts,
    all: &[Day],
    enrolment_id: i64,
    account_id: AccountId,
    now: DateTime<Utc>,
) -> Result<Judgement> {
    let scheduled: i64 = all.iter().map(Day::minutes).sum();
    let (attended,): (i64,) = fetch_one!(
        &mut *tx,
        _,
        "SELECT CAST(COALESCE(SUM(minutes), 0) AS BIGINT) FROM program_attendance WHERE enrolment_id = $1",
        enrolment_id
    )?;
    let (answered,): (i64,) = fetch_one!(
        &mut *tx,
        _,
        "SELECT COUNT(*) FROM program_survey_responses r JOIN program_surveys s ON s.id = r.survey_id \
         WHERE s.program_id = $1 AND r.enrolment_id = $2",
        facts.program_id,
        enrolment_id
    )?;
    let rule = Rule {
        min_share_percent: facts.min_attended_percent,
        feedback_required: facts.feedback_required,
    };
    let j = judge(
        rule,
        scheduled,
        attended,
        answered > 0,
        facts.recognised_minutes,
    );
    if j.outcome != Outcome::Completed {
        return Ok(j);
    }
    let completion: Option<(i64,)> = fetch_optional!(
        &mut *tx,
        _,
        "INSERT INTO program_completions (enrolment_id, completed_at, attended_percent, credited_minutes) \
         VALUES ($1, $2, $3, $4) ON CONFLICT (enrolment_id) DO NOTHING RETURNING id",
        enrolment_id,
        now,
        j.share_percent,
        j.credited_minutes
    )?;
    let Some((completion_id,)) = completion else {
        // Completed and credited before.
        return Ok(j);
    };
    // The credit counts in the year of the session's last day (Korean calendar).
    let year = all
        .last()
        .map(|d| d.day.year())
        .unwrap_or_else(|| now.with_timezone(&calendar::SEOUL).year());
    execute!(
        &mut *tx,
        "INSERT INTO learning_credits (account_id, year, category, designated, minutes, title, completion_id, credited_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (completion_id) DO NOTHING",
        account_id,
        i64::from(year),
        &facts.category,
        facts.designated,
        j.credited_minutes,
        &facts.title,
        completion_id,
        now
    )?;
    let mut random = [0u8; certificate::CODE_BYTES];
    getrandom::fill(&mut random).map_err(|e| StoreError::internal("certificate code", e))?;
    execute!(
        &mut *tx,
        "INSERT INTO program_certificates (enrolment_id, code, issued_at) VALUES ($1, $2, $3) \
         ON CONFLICT (enrolment_id) DO NOTHING",
        enrolment_id,
        certificate::code_from(random),
        now
    )?;
    Ok(j)
}

/// A certificate as its printable page shows it.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct Certificate {
    pub id: i64,
    pub enrolment_id: i64,
    pub code: String,
    pub issued_at: DateTime<Utc>,
    pub account_id: AccountId,
    pub department_id: Option<i64>,
    pub holder: String,
    pub department: String,
    pub program_id: i64,
    pub title: String,
    pub title_en: String,
    pub category: String,
    pub session_label: String,
    pub minutes: i64,
    pub first_day: NaiveDate,
    pub last_day: NaiveDate,
}

const CERTIFICATE_SELECT: &str = "SELECT c.id, c.enrolment_id, c.code, c.issued_at, e.account_id, a.department_id, \
     a.display_name AS holder, COALESCE(d.name, '') AS department, p.id AS program_id, p.title, p.title_en, \
     p.category, s.label AS session_label, m.credited_minutes AS minutes, \
     (SELECT MIN(day) FROM program_session_days WHERE session_id = s.id) AS first_day, \
     (SELECT MAX(day) FROM program_session_days WHERE session_id = s.id) AS last_day \
     FROM program_certificates c JOIN program_enrolments e ON e.id = c.enrolment_id \
     JOIN program_completions m ON m.enrolment_id = e.id \
     JOIN accounts a ON a.id = e.account_id LEFT JOIN departments d ON d.id = a.department_id \
     JOIN program_sessions s ON s.id = e.session_id JOIN programs p ON p.id = s.program_id";

pub async fn certificate(db: &Db, id: i64) -> Result<Certificate> {
    fetch_optional!(
        db,
        Certificate,
        sqlx::AssertSqlSafe(format!("{CERTIFICATE_SELECT} WHERE c.id = $1")),
        id
    )?
    .ok_or(StoreError::NotFound)
}

/// An official's certificates, newest first.
pub async fn certificates_of<'a>(
    target: impl Target<'a>,
    account_id: AccountId,
) -> Result<Vec<Certificate>> {
    Ok(fetch_all!(
        target,
        Certificate,
        sqlx::AssertSqlSafe(format!(
            "{CERTIFICATE_SELECT} WHERE e.account_id = $1 ORDER BY c.issued_at DESC, c.id DESC"
        )),
        account_id
    )?)
}

/// The answer of the public verification page.
#[derive(Debug, Clone, PartialEq)]
pub enum Verification {
    Found(PublicView),
    NotFound,
    /// Too many failed codes from this address: try again at `until`.
    Locked {
        until: DateTime<Utc>,
    },
}

/// Verify a typed code for anyone, counting failures per client `address`.
pub async fn verify(
    db: &Db,
    typed: &str,
    address: &str,
    now: DateTime<Utc>,
) -> Result<Verification> {
    let since = now - Duration::minutes(LOOKUP_WINDOW_MINUTES);
    let nth: Option<(DateTime<Utc>,)> = fetch_optional!(
        db,
        _,
        "SELECT at FROM certificate_lookup_failures WHERE address = $1 AND at > $2 \
         ORDER BY at DESC LIMIT 1 OFFSET $3",
        address,
        since,
        MAX_LOOKUP_FAILURES - 1
    )?;
    if let Some((at,)) = nth {
        return Ok(Verification::Locked {
            until: at + Duration::minutes(LOOKUP_WINDOW_MINUTES),
        });
    }
    let found = match certificate::normalise(typed) {
        Some(code) => fetch_optional!(
            db,
            Certificate,
            sqlx::AssertSqlSafe(format!("{CERTIFICATE_SELECT} WHERE c.code = $1")),
            &code
        )?,
        None => None,
    };
    match found {
        Some(c) => Ok(Verification::Found(certificate::public_view(
            &c.code,
            &c.holder,
            &c.title,
            c.first_day,
            c.last_day,
            c.minutes,
        ))),
        None => {
            execute!(
                db,
                "INSERT INTO certificate_lookup_failures (address, at) VALUES ($1, $2)",
                address,
                now
            )?;
            // Old failures are of no further use.
            execute!(
                db,
                "DELETE FROM certificate_lookup_failures WHERE at < $1",
                now - Duration::days(1)
            )?;
            Ok(Verification::NotFound)
        }
    }
}

/// What closing gave each enrolment of a session: credited minutes and the certificate, when
/// completed.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct Completed {
    pub enrolment_id: i64,
    pub attended_percent: i64,
    pub credited_minutes: i64,
    pub certificate_id: Option<i64>,
}

pub async fn completed(db: &Db, session_id: i64) -> Result<Vec<Completed>> {
    Ok(fetch_all!(
        db,
        Completed,
        "SELECT m.enrolment_id, m.attended_percent, m.credited_minutes, c.id AS certificate_id \
         FROM program_completions m JOIN program_enrolments e ON e.id = m.enrolment_id \
         LEFT JOIN program_certificates c ON c.enrolment_id = e.id WHERE e.session_id = $1",
        session_id
    )?)
}
