//! Feedback surveys (만족도 조사): a program's questions, one answer per participant, and the
//! aggregate the organiser sees.
//!
//! The organiser never sees one person's answer: the report shows averages and counts per
//! question, and free texts sorted alphabetically so they cannot be lined up with each other or
//! with the order people answered — and nothing at all until at least [`MIN_ANSWERS`] answered.

use super::QuestionKind;
use crate::RuleError;
use serde::{Deserialize, Serialize};

/// The fewest answers a report is ever shown for; an office may set a higher number
/// (`LearningRequirement::feedback_min_answers`).
pub const MIN_ANSWERS: usize = 5;
/// The longest free text kept.
pub const MAX_TEXT_CHARS: usize = 2000;

/// One question of a survey.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Question {
    pub kind: QuestionKind,
    pub ko: String,
    pub en: String,
}

/// One participant's answer to one question: a scale value or a text (empty when skipped).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Reply {
    Scale(i64),
    Text(String),
}

/// Check a participant's replies against the survey: one per question, in order; every scale
/// question answered 1–5; free texts optional and at most [`MAX_TEXT_CHARS`] characters. Returns
/// the replies as they are kept (texts trimmed).
pub fn validate(questions: &[Question], replies: &[Reply]) -> Result<Vec<Reply>, RuleError> {
    if replies.len() != questions.len() {
        return Err(RuleError::new(
            "feedback_incomplete",
            "모든 문항에 답해 주세요.",
            "Please answer every question.",
        ));
    }
    questions
        .iter()
        .zip(replies)
        .enumerate()
        .map(|(i, (q, r))| match (q.kind, r) {
            (QuestionKind::Scale, Reply::Scale(v)) if (1..=5).contains(v) => Ok(Reply::Scale(*v)),
            (QuestionKind::Scale, _) => Err(RuleError::new(
                "feedback_scale_required",
                format!("{}번 문항에 1에서 5 사이로 답해 주세요.", i + 1),
                format!("Please answer question {} with a value from 1 to 5.", i + 1),
            )),
            (QuestionKind::Text, Reply::Text(t)) if t.trim().chars().count() <= MAX_TEXT_CHARS => {
                Ok(Reply::Text(t.trim().to_string()))
            }
            (QuestionKind::Text, Reply::Text(_)) => Err(RuleError::new(
                "feedback_text_too_long",
                format!("{}번 문항은 {MAX_TEXT_CHARS}자 이내로 적어 주세요.", i + 1),
                format!(
                    "Please keep question {} within {MAX_TEXT_CHARS} characters.",
                    i + 1
                ),
            )),
            (QuestionKind::Text, Reply::Scale(_)) => Err(RuleError::new(
                "feedback_text_expected",
                format!("{}번 문항은 글로 답하는 문항입니다.", i + 1),
                format!("Question {} takes a written answer.", i + 1),
            )),
        })
        .collect()
}

/// The aggregate of one question.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QuestionReport {
    pub question: Question,
    /// Average of the scale answers, one decimal (scale questions only).
    pub average: Option<f64>,
    /// How many answered 1, 2, 3, 4 and 5 (scale questions only).
    pub counts: [i64; 5],
    /// Non-empty free texts, sorted (text questions only).
    pub texts: Vec<String>,
}

/// What the organiser sees.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "shown", rename_all = "snake_case")]
pub enum Report {
    /// Fewer than [`MIN_ANSWERS`] answered: only the count.
    Withheld { answers: usize, needed: usize },
    Shown {
        answers: usize,
        questions: Vec<QuestionReport>,
    },
}

/// Aggregate the answers (each one participant's validated replies), withheld below
/// `min_answers` (never below [`MIN_ANSWERS`]).
pub fn aggregate(questions: &[Question], answers: &[Vec<Reply>], min_answers: usize) -> Report {
    let needed = min_answers.max(MIN_ANSWERS);
    if answers.len() < needed {
        return Report::Withheld {
            answers: answers.len(),
            needed,
        };
    }
    let questions = questions
        .iter()
        .enumerate()
        .map(|(i, q)| {
            let mut counts = [0i64; 5];
            let mut texts = Vec::new();
            for answer in answers {
                match answer.get(i) {
                    Some(Reply::Scale(v)) if (1..=5).contains(v) => {
                        counts[(*v - 1) as usize] += 1;
                    }
                    Some(Reply::Text(t)) if !t.trim().is_empty() => {
                        texts.push(t.trim().to_string())
                    }
                    _ => {}
                }
            }
            texts.sort();
            let n: i64 = counts.iter().sum();
            let sum: i64 = counts.iter().zip(1..).map(|(c, v)| c * v).sum();
            let average = (q.kind == QuestionKind::Scale && n > 0)
                .then(|| (sum as f64 / n as f64 * 10.0).round() / 10.0);
            QuestionReport {
                question: q.clone(),
                average,
                counts,
                texts,
            }
        })
        .collect();
    Report::Shown {
        answers: answers.len(),
        questions,
    }
}

/// The most questions one survey may have: a feedback form people finish.
pub const MAX_QUESTIONS: usize = 20;
/// The longest question text, in each language.
pub const MAX_PROMPT_CHARS: usize = 300;

/// A survey's questions as its organiser wrote them, or why not: which question (1-based) is
/// wrong and what is wrong with it. Texts come back trimmed.
pub fn check_questions(questions: &[Question]) -> Result<Vec<Question>, (usize, RuleError)> {
    if questions.is_empty() {
        return Err((
            1,
            RuleError::new(
                "survey_empty",
                "문항을 하나 이상 적어 주세요.",
                "Please write at least one question.",
            ),
        ));
    }
    if questions.len() > MAX_QUESTIONS {
        return Err((
            MAX_QUESTIONS + 1,
            RuleError::new(
                "survey_too_long",
                format!("문항은 {MAX_QUESTIONS}개까지입니다."),
                format!("A survey has at most {MAX_QUESTIONS} questions."),
            ),
        ));
    }
    questions
        .iter()
        .enumerate()
        .map(|(i, q)| {
            let (ko, en) = (q.ko.trim(), q.en.trim());
            if ko.is_empty() {
                return Err((
                    i + 1,
                    RuleError::new(
                        "survey_prompt_required",
                        format!("{}번 문항의 한국어 문장을 적어 주세요.", i + 1),
                        format!("Please write question {} in Korean.", i + 1),
                    ),
                ));
            }
            if ko.chars().count() > MAX_PROMPT_CHARS || en.chars().count() > MAX_PROMPT_CHARS {
                return Err((
                    i + 1,
                    RuleError::new(
                        "survey_prompt_too_long",
                        format!(
                            "{}번 문항은 {MAX_PROMPT_CHARS}자 이내로 적어 주세요.",
                            i + 1
                        ),
                        format!(
                            "Please keep question {} within {MAX_PROMPT_CHARS} characters.",
                            i + 1
                        ),
                    ),
                ));
            }
            Ok(Question {
                kind: q.kind,
                ko: ko.to_string(),
                en: en.to_string(),
            })
        })
        .collect()
}

/// The survey a program gets unless its organiser writes its own.
pub fn default_questions() -> Vec<Question> {
    let q = |kind, ko: &str, en: &str| Question {
        kind,
        ko: ko.to_string(),
        en: en.to_string(),
    };
    vec![
        q(
            QuestionKind::Scale,
            "과정 내용에 전반적으로 만족하십니까?",
            "Overall, were you satisfied with the content?",
        ),
        q(
            QuestionKind::Scale,
            "업무에 도움이 될 것 같습니까?",
            "Will it help you in your work?",
        ),
        q(
            QuestionKind::Scale,
            "강사와 진행은 어떠했습니까?",
            "How were the instructors and the running of the course?",
        ),
        q(
            QuestionKind::Text,
            "좋았던 점이나 바라는 점을 자유롭게 적어 주세요.",
            "What worked well, and what would you change?",
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(a: i64, b: i64, c: i64, text: &str) -> Vec<Reply> {
        vec![
            Reply::Scale(a),
            Reply::Scale(b),
            Reply::Scale(c),
            Reply::Text(text.into()),
        ]
    }

    #[test]
    fn an_organiser_s_questions_are_checked_one_by_one() {
        let q = |ko: &str, en: &str| Question {
            kind: QuestionKind::Scale,
            ko: ko.into(),
            en: en.into(),
        };
        let ok = check_questions(&[q(" 강의가 유익했습니까? ", "")]).unwrap();
        assert_eq!(ok[0].ko, "강의가 유익했습니까?");
        assert_eq!(check_questions(&[]).unwrap_err().1.code, "survey_empty");
        let (n, e) =
            check_questions(&[q("좋았나요?", "Good?"), q("  ", "Only English")]).unwrap_err();
        assert_eq!((n, e.code), (2, "survey_prompt_required"));
        let long = "가".repeat(MAX_PROMPT_CHARS + 1);
        assert_eq!(
            check_questions(&[q(&long, "")]).unwrap_err().1.code,
            "survey_prompt_too_long"
        );
        let many = vec![q("문항", ""); MAX_QUESTIONS + 1];
        assert_eq!(
            check_questions(&many).unwrap_err().1.code,
            "survey_too_long"
        );
    }

    #[test]
    fn replies_must_fit_the_questions() {
        let qs = default_questions();
        assert!(validate(&qs, &answer(5, 4, 3, "  좋았습니다 ")).is_ok());
        assert_eq!(
            validate(&qs, &answer(5, 4, 3, "  좋았습니다 "))
                .ok()
                .and_then(|r| r.last().cloned()),
            Some(Reply::Text("좋았습니다".into()))
        );
        assert_eq!(
            validate(&qs, &answer(0, 4, 3, "")).map_err(|e| e.code),
            Err("feedback_scale_required")
        );
        assert_eq!(
            validate(&qs, &answer(6, 4, 3, "")).map_err(|e| e.code),
            Err("feedback_scale_required")
        );
        assert_eq!(
            validate(&qs, &answer(5, 4, 3, "")[..3]).map_err(|e| e.code),
            Err("feedback_incomplete")
        );
        let long = "가".repeat(MAX_TEXT_CHARS + 1);
        assert_eq!(
            validate(&qs, &answer(5, 4, 3, &long)).map_err(|e| e.code),
            Err("feedback_text_too_long")
        );
        let mut wrong = answer(5, 4, 3, "");
        wrong[3] = Reply::Scale(3);
        assert_eq!(
            validate(&qs, &wrong).map_err(|e| e.code),
            Err("feedback_text_expected")
        );
    }

    #[test]
    fn fewer_than_five_answers_show_nothing_but_the_count() {
        let qs = default_questions();
        let answers: Vec<_> = (0..4).map(|_| answer(5, 5, 5, "비밀")).collect();
        let report = aggregate(&qs, &answers, 5);
        assert_eq!(
            report,
            Report::Withheld {
                answers: 4,
                needed: 5
            }
        );
        assert!(
            !serde_json::to_string(&report)
                .unwrap_or_default()
                .contains("비밀")
        );
    }

    #[test]
    fn five_answers_are_aggregated() {
        let qs = default_questions();
        let answers = vec![
            answer(5, 4, 3, "다"),
            answer(4, 4, 3, ""),
            answer(5, 3, 3, "가"),
            answer(3, 4, 3, "나"),
            answer(5, 5, 3, ""),
        ];
        let Report::Shown {
            answers: n,
            questions,
        } = aggregate(&qs, &answers, 5)
        else {
            panic!("five answers are shown");
        };
        assert_eq!(n, 5);
        assert_eq!(questions[0].average, Some(4.4));
        assert_eq!(questions[0].counts, [0, 0, 1, 1, 3]);
        assert_eq!(questions[2].average, Some(3.0));
        assert_eq!(questions[3].average, None);
        // Sorted, so the order people answered in is gone.
        assert_eq!(questions[3].texts, vec!["가", "나", "다"]);
    }
}
