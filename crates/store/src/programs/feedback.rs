//! Feedback surveys (만족도 조사): one per program, answered once per participant, reported only
//! in aggregate ([`domain::programs::feedback`]). A program without its own questions gets
//! [`feedback::default_questions`] the first time anyone opens its survey.

use super::attendance::{days, session_facts};
use super::completion::{is_closed, judge_and_credit};
use crate::{Db, Result, StoreError, Tx, execute, fetch_all, fetch_one, fetch_optional};
use chrono::{DateTime, Utc};
use domain::programs::QuestionKind;
use domain::programs::feedback::{self, Question, Reply, Report};
use domain::{AccountId, RuleError};
use serde::Serialize;

/// A program's survey with its questions in order.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Survey {
    pub id: i64,
    pub program_id: i64,
    pub questions: Vec<Question>,
    #[serde(skip)]
    pub question_ids: Vec<i64>,
    /// How many have answered; once anyone has, the questions stay as they are.
    pub answers: i64,
}

/// The program's survey, made with the default questions when it has none yet.
pub async fn survey(tx: &mut Tx, program_id: i64, now: DateTime<Utc>) -> Result<Survey> {
    let found: Option<(i64,)> = fetch_optional!(
        &mut *tx,
        _,
        "SELECT id FROM program_surveys WHERE program_id = $1",
        program_id
    )?;
    let id = match found {
        Some((id,)) => id,
        None => {
            let (id,): (i64,) = fetch_one!(
                &mut *tx,
                _,
                "INSERT INTO program_surveys (program_id, title, created_at) VALUES ($1, '', $2) RETURNING id",
                program_id,
                now
            )?;
            for (i, q) in feedback::default_questions().iter().enumerate() {
                execute!(
                    &mut *tx,
                    "INSERT INTO program_survey_questions (survey_id, position, kind, prompt, prompt_en) \
                     VALUES ($1, $2, $3, $4, $5)",
                    id,
                    i as i64 + 1,
                    q.kind.as_str(),
                    &q.ko,
                    &q.en
                )?;
            }
            id
        }
    };
    let rows: Vec<(i64, String, String, String)> = fetch_all!(
        &mut *tx,
        _,
        "SELECT id, kind, prompt, prompt_en FROM program_survey_questions WHERE survey_id = $1 ORDER BY position, id",
        id
    )?;
    let mut questions = Vec::with_capacity(rows.len());
    let mut question_ids = Vec::with_capacity(rows.len());
    for (qid, kind, ko, en) in rows {
        questions.push(Question {
            kind: QuestionKind::parse(&kind)?,
            ko,
            en,
        });
        question_ids.push(qid);
    }
    let (answers,): (i64,) = fetch_one!(
        &mut *tx,
        _,
        "SELECT COUNT(*) FROM program_survey_responses WHERE survey_id = $1",
        id
    )?;
    Ok(Survey {
        id,
        program_id,
        questions,
        question_ids,
        answers,
    })
}

/// Replace the program's questions with the organiser's own (checked by
/// [`feedback::check_questions`]). Refused once anyone has answered: earlier answers must keep
/// meaning what they were answers to.
pub async fn replace_questions(
    tx: &mut Tx,
    program_id: i64,
    questions: &[Question],
    now: DateTime<Utc>,
) -> Result<Survey> {
    let questions = feedback::check_questions(questions).map_err(|(_, e)| e)?;
    let current = survey(&mut *tx, program_id, now).await?;
    if current.answers > 0 {
        return Err(StoreError::conflict(
            "이미 응답한 사람이 있어 문항을 바꿀 수 없습니다.",
            "Somebody has answered already, so the questions can no longer change.",
        ));
    }
    execute!(
        &mut *tx,
        "DELETE FROM program_survey_questions WHERE survey_id = $1",
        current.id
    )?;
    for (i, q) in questions.iter().enumerate() {
        execute!(
            &mut *tx,
            "INSERT INTO program_survey_questions (survey_id, position, kind, prompt, prompt_en) \
             VALUES ($1, $2, $3, $4, $5)",
            current.id,
            i as i64 + 1,
            q.kind.as_str(),
            &q.ko,
            &q.en
        )?;
    }
    survey(tx, program_id, now).await
}

/// Whether the enrolment has answered its program's survey.
pub async fn answered(db: &Db, program_id: i64, enrolment_id: i64) -> Result<bool> {
    let (n,): (i64,) = fetch_one!(
        db,
        _,
        "SELECT COUNT(*) FROM program_survey_responses r JOIN program_surveys s ON s.id = r.survey_id \
         WHERE s.program_id = $1 AND r.enrolment_id = $2",
        program_id,
        enrolment_id
    )?;
    Ok(n > 0)
}

fn already() -> StoreError {
    StoreError::conflict(
        "이미 설문에 응답하셨습니다. 응답은 한 번만 할 수 있습니다.",
        "You have already answered this survey; it can be answered once.",
    )
}

/// Record `account_id`'s answer for the session they took part in. Only someone enrolled who
/// attended at least once may answer, once. When the session is closed already, completion is
/// judged again (the feedback may be what it was waiting for). Returns the enrolment.
pub async fn answer(
    tx: &mut Tx,
    session_id: i64,
    account_id: AccountId,
    replies: &[Reply],
    now: DateTime<Utc>,
) -> Result<i64> {
    let facts = session_facts(&mut *tx, session_id).await?;
    let enrolment: Option<(i64,)> = fetch_optional!(
        &mut *tx,
        _,
        "SELECT e.id FROM program_enrolments e WHERE e.session_id = $1 AND e.account_id = $2 \
         AND e.state = 'enrolled' AND EXISTS (SELECT 1 FROM program_attendance a \
         WHERE a.enrolment_id = e.id AND a.minutes > 0)",
        session_id,
        account_id
    )?;
    let Some((enrolment_id,)) = enrolment else {
        return Err(StoreError::Rule(RuleError::new(
            "feedback_not_participant",
            "이 교육에 참석한 사람만 설문에 응답할 수 있습니다.",
            "Only people who attended this session can answer its survey.",
        )));
    };
    let survey = survey(tx, facts.program_id, now).await?;
    let replies = feedback::validate(&survey.questions, replies)?;
    let inserted: Option<(i64,)> = fetch_optional!(
        &mut *tx,
        _,
        "INSERT INTO program_survey_responses (survey_id, enrolment_id, submitted_at) VALUES ($1, $2, $3) \
         ON CONFLICT (survey_id, enrolment_id) DO NOTHING RETURNING id",
        survey.id,
        enrolment_id,
        now
    )?;
    let Some((response_id,)) = inserted else {
        return Err(already());
    };
    for (qid, reply) in survey.question_ids.iter().zip(&replies) {
        let (scale, text) = match reply {
            Reply::Scale(v) => (Some(*v), String::new()),
            Reply::Text(t) => (None, t.clone()),
        };
        execute!(
            &mut *tx,
            "INSERT INTO program_survey_answers (response_id, question_id, scale_value, text_value) \
             VALUES ($1, $2, $3, $4)",
            response_id,
            *qid,
            scale,
            &text
        )?;
    }
    let all = days(&mut *tx, session_id).await?;
    if is_closed(&all) {
        judge_and_credit(tx, &facts, &all, enrolment_id, account_id, now).await?;
    }
    Ok(enrolment_id)
}

/// The aggregate report of a program's survey over all its sessions, withheld below
/// `min_answers` (the setting, at least [`feedback::MIN_ANSWERS`]).
pub async fn report(
    db: &Db,
    program_id: i64,
    min_answers: usize,
    now: DateTime<Utc>,
) -> Result<Report> {
    let mut tx = db.begin().await?;
    let survey = survey(&mut tx, program_id, now).await?;
    tx.commit().await?;
    let rows: Vec<(i64, i64, Option<i64>, String)> = fetch_all!(
        db,
        _,
        "SELECT r.id, q.id, a.scale_value, a.text_value FROM program_survey_responses r \
         JOIN program_survey_answers a ON a.response_id = r.id \
         JOIN program_survey_questions q ON q.id = a.question_id \
         WHERE r.survey_id = $1 ORDER BY r.id",
        survey.id
    )?;
    let mut answers: Vec<Vec<Reply>> = Vec::new();
    let mut current: Option<i64> = None;
    for (response, question, scale, text) in rows {
        if current != Some(response) {
            current = Some(response);
            answers.push(
                survey
                    .questions
                    .iter()
                    .map(|q| match q.kind {
                        QuestionKind::Scale => Reply::Scale(0),
                        QuestionKind::Text => Reply::Text(String::new()),
                    })
                    .collect(),
            );
        }
        let Some(slot) = survey.question_ids.iter().position(|q| *q == question) else {
            continue;
        };
        if let Some(last) = answers.last_mut() {
            last[slot] = match scale {
                Some(v) => Reply::Scale(v),
                None => Reply::Text(text),
            };
        }
    }
    Ok(feedback::aggregate(
        &survey.questions,
        &answers,
        min_answers.max(feedback::MIN_ANSWERS),
    ))
}
