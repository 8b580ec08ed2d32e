//! The practice desk (실습, issue 17 item 9): a sandbox of synthetic petitions per training
//! session. Cases come from the demo generator's kind of text (its samples, places and fake
//! names), deterministic per session, with what the generator knows to be right and what the
//! assistant said when the desk opened (the office's routing model, or a practice model trained
//! on the samples; the abuse screening; the built-in draft).
//!
//! Everything lives in `practice_*` tables: no row in `petitions`, so nothing reaches the queue,
//! search, statistics, Open311, dashboards, the outbox to residents or the evaluation.

pub mod demo;

use crate::petitions::demo::{Lcg, PLACES, SAMPLES, person};
use crate::{Db, Result, StoreError, Tx, execute, fetch_all, fetch_one, fetch_optional};
use chrono::{DateTime, Utc};
use domain::AccountId;
use domain::petitions::Kind;
use domain::programs::practice::{self as rules, Choice, Comparison, Expected, Suggestion};
use domain::programs::{ProgramKind, SessionState};
use std::collections::HashMap;
use std::sync::OnceLock;

/// The marks the assistant's draft carries until an official has written over them.
pub const UNFINISHED: &[&str] = &["[초안 · DRAFT]", "{answer}"];

/// Sentences a petitioner loses their temper with, added to some cases so that screening is
/// worth practising (the generator knows these cases are abusive).
const OUTBURSTS: &[&str] = &[
    "이딴 식으로 일하는 공무원들은 다 멍청한 놈들이다. 담당자 가만두지 않겠다.",
    "당장 처리 안 하면 찾아가서 죽여버리겠다. 씨발 세금 아깝다.",
    "병신 같은 공무원 새끼들, 전화도 안 받고 뭐 하는 거냐.",
];

/// The answer letter the assistant drafts from; `{answer}` is for the trainee to write.
const LETTER: &str = "{{민원인}}님, 안녕하십니까. {{부서}}입니다.\n\n\
    귀하께서 신청하신 「{{제목}}」 민원에 대하여 다음과 같이 답변드립니다.\n\n{answer}\n\n\
    기타 궁금하신 사항은 {{부서}}로 문의하여 주시면 친절히 안내해 드리겠습니다. 감사합니다.";

/// A desk on a session.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct Desk {
    pub id: i64,
    pub session_id: i64,
    pub case_count: i64,
    pub opened_by: Option<AccountId>,
    pub opened_at: DateTime<Utc>,
    pub closed_at: Option<DateTime<Utc>>,
}

impl Desk {
    pub fn is_closed(&self) -> bool {
        self.closed_at.is_some()
    }
}

/// One synthetic petition with the truth and the assistant's view of it.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct Case {
    pub id: i64,
    pub desk_id: i64,
    pub number: i64,
    pub title: String,
    pub body: String,
    pub petitioner: String,
    pub phone: String,
    pub expected_department: String,
    pub expected_kind: String,
    pub expected_abusive: bool,
    /// Empty when the assistant had no suggestion.
    pub suggested_department: String,
    pub suggested_score: f64,
    pub suggestion_model: String,
    pub screened_abusive: bool,
    pub screened_score: f64,
    /// Comma-separated kinds of abuse the screening named.
    pub screened_kinds: String,
    pub screening_model: String,
    pub draft: String,
}

impl Case {
    pub fn expected(&self) -> Expected {
        Expected {
            kind: self.expected_kind.parse().unwrap_or(Kind::Other),
            department: self.expected_department.clone(),
            abusive: self.expected_abusive,
        }
    }
}

/// A trainee's work on a case: opened, and once decided, the decision with the assistant's
/// suggestion at that moment and the seconds it took.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct Decision {
    pub case_id: i64,
    pub case_number: i64,
    pub account_id: AccountId,
    pub trainee: String,
    pub opened_at: DateTime<Utc>,
    pub decided_at: Option<DateTime<Utc>>,
    pub kind: String,
    pub department: String,
    pub abusive: bool,
    pub draft: String,
    pub suggested_department: String,
    pub suggested_score: f64,
    pub screened_abusive: bool,
    pub seconds: i64,
}

impl Decision {
    /// The decision as the rules compare it (`None` while only opened).
    pub fn compared(&self, case: &Case) -> Option<Comparison> {
        self.decided_at?;
        let choice = Choice {
            kind: self.kind.parse().ok()?,
            department: self.department.clone(),
            abusive: self.abusive,
            draft: self.draft.clone(),
        };
        let suggestion = Suggestion {
            department: (!self.suggested_department.is_empty())
                .then(|| self.suggested_department.clone()),
            abusive: self.screened_abusive,
        };
        Some(rules::compare(&choice, &suggestion, &case.expected()))
    }
}

/// An enrolled trainee of a session.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct Trainee {
    pub account_id: AccountId,
    pub name: String,
    pub department: Option<String>,
}

/// A case before it is stored.
#[derive(Debug, Clone, PartialEq)]
pub struct NewCase {
    pub title: String,
    pub body: String,
    pub petitioner: String,
    pub phone: String,
    pub expected: Expected,
}

fn kind_of_type(code: &str) -> Kind {
    match code {
        "grievance" => Kind::Grievance,
        "question-system" => Kind::QuestionSystem,
        "question-law" => Kind::QuestionLaw,
        "proposal" => Kind::Proposal,
        "other" => Kind::Other,
        // road-use, basic-living, streetlight: statutory types with periods of their own.
        _ => Kind::Statutory,
    }
}

/// `n` synthetic petitions for a session, the same every time for the same session: samples in
/// a shuffled order (no repeat before every sample has come once), a place, a fake petitioner,
/// and about one case in five with an outburst.
pub fn generate(session_id: i64, n: usize) -> Vec<NewCase> {
    let mut r = Lcg(0x5eed_0000_u64 ^ (session_id as u64).wrapping_mul(0x9e37_79b9));
    let mut order: Vec<usize> = (0..SAMPLES.len()).collect();
    for i in (1..order.len()).rev() {
        order.swap(i, r.below(i as u64 + 1) as usize);
    }
    (0..n)
        .map(|i| {
            let (dept, type_code, title, body) = SAMPLES[order[i % order.len()]];
            let place = PLACES[r.below(PLACES.len() as u64) as usize];
            let (petitioner, phone) = person(&mut r);
            let mut body = body.replace("{place}", place);
            let abusive = r.below(5) == 0;
            if abusive {
                body.push(' ');
                body.push_str(OUTBURSTS[r.below(OUTBURSTS.len() as u64) as usize]);
            }
            NewCase {
                title: title.to_string(),
                body,
                petitioner,
                phone,
                expected: Expected {
                    kind: kind_of_type(type_code),
                    department: dept.to_string(),
                    abusive,
                },
            }
        })
        .collect()
}

/// The practice assistant's routing model when the office has not trained its own: trained once
/// on the generator's samples at every place (labels: department codes).
fn practice_router() -> Option<&'static text::Router> {
    static MODEL: OnceLock<Option<text::Router>> = OnceLock::new();
    MODEL
        .get_or_init(|| {
            let examples: Vec<text::RoutingExample> = SAMPLES
                .iter()
                .flat_map(|(dept, _, title, body)| {
                    PLACES.iter().map(move |place| text::RoutingExample {
                        text: crate::petitions::suggestions::routing_text(
                            title,
                            &body.replace("{place}", place),
                        ),
                        label: (*dept).to_string(),
                        weight: 1.0,
                    })
                })
                .collect();
            let opts = text::routing::RoutingTrainOptions {
                trained_on: "practice samples".into(),
                ..Default::default()
            };
            match text::train_routing(&examples, &opts) {
                Ok(r) => Some(r),
                Err(e) => {
                    tracing::error!(error = %e, "practice routing model failed; no suggestions");
                    None
                }
            }
        })
        .as_ref()
}

/// A case as the assistant sees it, ready to store: CPU work (screening, routing, drafting),
/// to be done outside transactions.
#[derive(Debug, Clone, PartialEq)]
pub struct Prepared {
    pub case: NewCase,
    pub suggested_department: String,
    pub suggested_score: f64,
    pub suggestion_model: String,
    pub screened_abusive: bool,
    pub screened_score: f64,
    pub screened_kinds: String,
    pub screening_model: String,
    pub draft: String,
}

/// Ask the assistant about each case, as intake does for a real petition: the abuse screening,
/// the office's routing model (or the practice one), and the built-in draft addressed from the
/// suggested department (`names`: department code → name).
pub fn prepare(cases: Vec<NewCase>, names: &HashMap<String, String>) -> Vec<Prepared> {
    cases
        .into_iter()
        .map(|case| {
            let s = crate::petitions::screen(&case.title, &case.body);
            let routing = s.routing.clone().or_else(|| {
                let r = practice_router()?;
                let g = r.suggest(
                    &crate::petitions::suggestions::routing_text(&case.title, &case.body),
                    1,
                );
                (!g.category.is_empty()).then_some(crate::petitions::suggestions::RoutingGuess {
                    label: g.category,
                    score: g.score,
                    model_version: g.model_version,
                })
            });
            let (dept, score, model) = match routing {
                Some(g) => (g.label, f64::from(g.score), g.model_version),
                None => (String::new(), 0.0, String::new()),
            };
            let placeholders: HashMap<String, String> = [
                ("민원인", case.petitioner.clone()),
                ("제목", case.title.clone()),
                (
                    "부서",
                    names
                        .get(&dept)
                        .cloned()
                        .unwrap_or_else(|| "담당 부서".into()),
                ),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect();
            let draft = text::draft_answer(LETTER, &placeholders, &[]).text;
            Prepared {
                suggested_department: dept,
                suggested_score: score,
                suggestion_model: model,
                screened_abusive: s.abusive,
                screened_score: s.score,
                screened_kinds: s.kinds.join(","),
                screening_model: s.model_version,
                draft,
                case,
            }
        })
        .collect()
}

/// The office's departments as code → name.
pub async fn department_names(db: &Db) -> Result<HashMap<String, String>> {
    Ok(crate::office::departments::list(db)
        .await?
        .into_iter()
        .filter(|d| d.active)
        .map(|d| (d.code, d.name))
        .collect())
}

/// Whether a session may hold a desk (its program's kind, its state).
pub async fn check_session(db: &Db, session_id: i64) -> Result<()> {
    let row: Option<(String, String)> = fetch_optional!(
        db,
        _,
        "SELECT p.kind, s.state FROM program_sessions s JOIN programs p ON p.id = s.program_id \
         WHERE s.id = $1",
        session_id
    )?;
    let (kind, state) = row.ok_or(StoreError::NotFound)?;
    let kind = ProgramKind::parse(&kind)?;
    let state = SessionState::parse(&state)?;
    Ok(rules::may_hold_desk(kind, state)?)
}

fn already_open() -> StoreError {
    StoreError::Conflict(domain::Bilingual::new(
        "이 회차에는 이미 실습 창구가 열려 있습니다",
        "this session already has a practice desk",
    ))
}

/// Open the desk of a session with its prepared cases, in one transaction. Refused when the
/// session may not hold one or already has one.
pub async fn open_desk(
    tx: &mut Tx,
    session_id: i64,
    cases: &[Prepared],
    by: AccountId,
    now: DateTime<Utc>,
) -> Result<Desk> {
    let existing: Option<(i64,)> = fetch_optional!(
        &mut *tx,
        _,
        "SELECT id FROM practice_desks WHERE session_id = $1",
        session_id
    )?;
    if existing.is_some() {
        return Err(already_open());
    }
    let desk: Desk = fetch_one!(
        &mut *tx,
        Desk,
        "INSERT INTO practice_desks (session_id, case_count, opened_by, opened_at) \
         VALUES ($1, $2, $3, $4) \
         RETURNING id, session_id, case_count, opened_by, opened_at, closed_at",
        session_id,
        cases.len() as i64,
        by,
        now
    )
    .map_err(|e| match e {
        sqlx::Error::Database(d) if d.is_unique_violation() => already_open(),
        e => e.into(),
    })?;
    for (i, p) in cases.iter().enumerate() {
        execute!(
            &mut *tx,
            "INSERT INTO practice_cases (desk_id, number, title, body, petitioner, phone, \
             expected_department, expected_kind, expected_abusive, suggested_department, \
             suggested_score, suggestion_model, screened_abusive, screened_score, screened_kinds, \
             screening_model, draft) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)",
            desk.id,
            i as i64 + 1,
            &p.case.title,
            &p.case.body,
            &p.case.petitioner,
            &p.case.phone,
            &p.case.expected.department,
            p.case.expected.kind.as_str(),
            p.case.expected.abusive,
            &p.suggested_department,
            p.suggested_score,
            &p.suggestion_model,
            p.screened_abusive,
            p.screened_score,
            &p.screened_kinds,
            &p.screening_model,
            &p.draft
        )?;
    }
    Ok(desk)
}

const DESK: &str =
    "SELECT id, session_id, case_count, opened_by, opened_at, closed_at FROM practice_desks";

/// The desk of a session, if one was opened.
pub async fn desk_of_session(db: &Db, session_id: i64) -> Result<Option<Desk>> {
    Ok(fetch_optional!(
        db,
        Desk,
        sqlx::AssertSqlSafe(format!("{DESK} WHERE session_id = $1")),
        session_id
    )?)
}

/// Close a desk: no more decisions, and trainees see the expected answers.
pub async fn close_desk(
    tx: &mut Tx,
    desk_id: i64,
    by: AccountId,
    now: DateTime<Utc>,
) -> Result<()> {
    let n = execute!(
        &mut *tx,
        "UPDATE practice_desks SET closed_at = $1, closed_by = $2 WHERE id = $3 AND closed_at IS NULL",
        now,
        by,
        desk_id
    )?;
    if n == 0 {
        return Err(StoreError::Conflict(domain::Bilingual::new(
            "이미 닫힌 실습 창구입니다",
            "the practice desk is already closed",
        )));
    }
    Ok(())
}

const CASE: &str = "SELECT id, desk_id, number, title, body, petitioner, phone, expected_department, \
    expected_kind, expected_abusive, suggested_department, suggested_score, suggestion_model, \
    screened_abusive, screened_score, screened_kinds, screening_model, draft FROM practice_cases";

/// A desk's cases in order.
pub async fn cases(db: &Db, desk_id: i64) -> Result<Vec<Case>> {
    Ok(fetch_all!(
        db,
        Case,
        sqlx::AssertSqlSafe(format!("{CASE} WHERE desk_id = $1 ORDER BY number")),
        desk_id
    )?)
}

/// One case with its desk.
pub async fn case(db: &Db, case_id: i64) -> Result<(Case, Desk)> {
    let case: Case = fetch_optional!(
        db,
        Case,
        sqlx::AssertSqlSafe(format!("{CASE} WHERE id = $1")),
        case_id
    )?
    .ok_or(StoreError::NotFound)?;
    let desk: Desk = fetch_optional!(
        db,
        Desk,
        sqlx::AssertSqlSafe(format!("{DESK} WHERE id = $1")),
        case.desk_id
    )?
    .ok_or(StoreError::NotFound)?;
    Ok((case, desk))
}

/// The trainees of a session: everyone enrolled on it.
pub async fn trainees(db: &Db, session_id: i64) -> Result<Vec<Trainee>> {
    Ok(fetch_all!(
        db,
        Trainee,
        "SELECT a.id AS account_id, a.display_name AS name, d.name AS department \
         FROM program_enrolments e JOIN accounts a ON a.id = e.account_id \
         LEFT JOIN departments d ON d.id = a.department_id \
         WHERE e.session_id = $1 AND e.state = 'enrolled' ORDER BY a.display_name, a.id",
        session_id
    )?)
}

/// Whether someone is enrolled on the session.
pub async fn is_trainee(db: &Db, session_id: i64, account: AccountId) -> Result<bool> {
    let (n,): (i64,) = fetch_one!(
        db,
        _,
        "SELECT COUNT(*) FROM program_enrolments WHERE session_id = $1 AND account_id = $2 \
         AND state = 'enrolled'",
        session_id,
        account
    )?;
    Ok(n > 0)
}

/// Work on a desk's cases: everyone's, or one trainee's.
pub async fn decisions(db: &Db, desk_id: i64, account: Option<AccountId>) -> Result<Vec<Decision>> {
    Ok(fetch_all!(
        db,
        Decision,
        "SELECT w.case_id, c.number AS case_number, w.account_id, a.display_name AS trainee, \
         w.opened_at, w.decided_at, w.kind, w.department, w.abusive, w.draft, \
         w.suggested_department, w.suggested_score, w.screened_abusive, w.seconds \
         FROM practice_decisions w JOIN practice_cases c ON c.id = w.case_id \
         JOIN accounts a ON a.id = w.account_id \
         WHERE c.desk_id = $1 AND ($2 IS NULL OR w.account_id = $2) \
         ORDER BY a.display_name, w.account_id, c.number",
        desk_id,
        account
    )?)
}

/// Note that a trainee opened a case (the clock of its time taken starts at the first look).
pub async fn open_case(
    tx: &mut Tx,
    case_id: i64,
    account: AccountId,
    now: DateTime<Utc>,
) -> Result<()> {
    execute!(
        &mut *tx,
        "INSERT INTO practice_decisions (case_id, account_id, opened_at) VALUES ($1, $2, $3) \
         ON CONFLICT (case_id, account_id) DO NOTHING",
        case_id,
        account,
        now
    )?;
    Ok(())
}

/// Record a trainee's decision on a case, with the assistant's suggestion of this moment and
/// the seconds since they opened it. Once per case; refused when the desk is closed or the
/// trainee is not enrolled on its session.
pub async fn decide(
    tx: &mut Tx,
    case_id: i64,
    account: AccountId,
    choice: &Choice,
    now: DateTime<Utc>,
) -> Result<Decision> {
    let row: Option<(i64, Option<DateTime<Utc>>, String, bool)> = fetch_optional!(
        &mut *tx,
        _,
        "SELECT d.session_id, d.closed_at, c.suggested_department, c.screened_abusive \
         FROM practice_cases c JOIN practice_desks d ON d.id = c.desk_id WHERE c.id = $1",
        case_id
    )?;
    let (session_id, closed_at, suggested, screened) = row.ok_or(StoreError::NotFound)?;
    if closed_at.is_some() {
        return Err(StoreError::Conflict(domain::Bilingual::new(
            "실습 창구가 닫혀 더 처리할 수 없습니다",
            "the practice desk is closed; no more decisions",
        )));
    }
    let (enrolled,): (i64,) = fetch_one!(
        &mut *tx,
        _,
        "SELECT COUNT(*) FROM program_enrolments WHERE session_id = $1 AND account_id = $2 \
         AND state = 'enrolled'",
        session_id,
        account
    )?;
    if enrolled == 0 {
        return Err(StoreError::NotFound);
    }
    open_case(tx, case_id, account, now).await?;
    let (opened_at, decided_at): (DateTime<Utc>, Option<DateTime<Utc>>) = fetch_one!(
        &mut *tx,
        _,
        "SELECT opened_at, decided_at FROM practice_decisions WHERE case_id = $1 AND account_id = $2",
        case_id,
        account
    )?;
    if decided_at.is_some() {
        return Err(StoreError::Conflict(domain::Bilingual::new(
            "이미 처리한 사례입니다",
            "you have already decided this case",
        )));
    }
    let seconds = (now - opened_at).num_seconds().max(0);
    execute!(
        &mut *tx,
        "UPDATE practice_decisions SET decided_at = $1, kind = $2, department = $3, abusive = $4, \
         draft = $5, suggested_department = $6, suggested_score = \
         (SELECT suggested_score FROM practice_cases WHERE id = $7), screened_abusive = $8, \
         seconds = $9 WHERE case_id = $7 AND account_id = $10 AND decided_at IS NULL",
        now,
        choice.kind.as_str(),
        &choice.department,
        choice.abusive,
        &choice.draft,
        &suggested,
        case_id,
        screened,
        seconds,
        account
    )?;
    let all = fetch_all!(
        &mut *tx,
        Decision,
        "SELECT w.case_id, c.number AS case_number, w.account_id, a.display_name AS trainee, \
         w.opened_at, w.decided_at, w.kind, w.department, w.abusive, w.draft, \
         w.suggested_department, w.suggested_score, w.screened_abusive, w.seconds \
         FROM practice_decisions w JOIN practice_cases c ON c.id = w.case_id \
         JOIN accounts a ON a.id = w.account_id WHERE w.case_id = $1 AND w.account_id = $2",
        case_id,
        account
    )?;
    all.into_iter().next().ok_or(StoreError::NotFound)
}

/// The desks a trainee may open (those of sessions they are enrolled on), or with `None` every
/// desk (the trainer's list); newest first.
pub async fn desks_for(db: &Db, trainee: Option<AccountId>) -> Result<Vec<Desk>> {
    Ok(fetch_all!(
        db,
        Desk,
        "SELECT id, session_id, case_count, opened_by, opened_at, closed_at FROM practice_desks d \
         WHERE $1 IS NULL OR EXISTS (SELECT 1 FROM program_enrolments e WHERE e.session_id = \
         d.session_id AND e.account_id = $1 AND e.state = 'enrolled') ORDER BY opened_at DESC, id DESC",
        trainee
    )?)
}
