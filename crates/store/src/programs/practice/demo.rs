//! The demo's practice desk: the onboarding session for the 19 new officials holds a desk of 12
//! cases, and several trainees have worked some of them — mostly as the assistant suggested,
//! sometimes not, at varied speeds.

use super::{Choice, decide, department_names, generate, open_case, open_desk, prepare};
use crate::{Db, Result};
use chrono::{DateTime, Duration, Utc};
use domain::AccountId;
use domain::petitions::Kind;

/// Open the desk on `session` and work some cases as `trainees` (in enrolment order). Returns
/// how many decisions were made.
pub async fn seed(
    db: &Db,
    session: i64,
    trainer: AccountId,
    trainees: &[AccountId],
    now: DateTime<Utc>,
) -> Result<usize> {
    let names = department_names(db).await?;
    let opened = now - Duration::days(1);
    let prepared = prepare(generate(session, 12), &names);
    let mut tx = db.begin().await?;
    let desk = open_desk(&mut tx, session, &prepared, trainer, opened).await?;
    tx.commit().await?;
    let cases = super::cases(db, desk.id).await?;
    let mut made = 0;
    // (trainee, cases worked): a few keen trainees, some just started.
    let plan: [(usize, usize); 6] = [(0, 7), (1, 5), (2, 4), (3, 3), (4, 2), (6, 1)];
    for (who, n) in plan {
        let Some(&account) = trainees.get(who) else {
            continue;
        };
        let mut at = opened + Duration::hours(2 + who as i64);
        for (i, c) in cases.iter().take(n).enumerate() {
            let step = (who * 7 + i * 13) % 10;
            let expected = c.expected();
            // Usually the assistant's department; now and then the trainee goes their own way
            // (sometimes rightly). The kind is sometimes mistaken for a neighbouring one.
            let department = if step == 3 && !c.expected_department.is_empty() {
                "civil-desk".to_string()
            } else if c.suggested_department.is_empty() {
                expected.department.clone()
            } else {
                c.suggested_department.clone()
            };
            let kind = if step == 5 {
                match expected.kind {
                    Kind::Grievance => Kind::Other,
                    Kind::QuestionSystem => Kind::QuestionLaw,
                    _ => Kind::Grievance,
                }
            } else {
                expected.kind
            };
            let abusive = if step == 7 {
                !c.screened_abusive
            } else {
                c.screened_abusive
            };
            let draft = c.draft.replace(text::draft::DRAFT_BANNER, "").replace(
                "{answer}",
                "말씀하신 내용을 현장에서 확인한 뒤 조치 계획을 다시 알려 드리겠습니다.",
            );
            let choice = Choice {
                kind,
                department,
                abusive,
                draft: draft.trim().to_string(),
            };
            let took = Duration::seconds(70 + ((who * 53 + i * 97) % 400) as i64);
            let mut tx = db.begin().await?;
            open_case(&mut tx, c.id, account, at).await?;
            decide(&mut tx, c.id, account, &choice, at + took).await?;
            tx.commit().await?;
            made += 1;
            at += took + Duration::minutes(3);
        }
    }
    Ok(made)
}
