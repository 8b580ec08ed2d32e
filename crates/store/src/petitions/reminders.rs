//! Reminders and progress notices (중간 통지) swept on a schedule.

use super::*;
use crate::{execute, fetch_all};

/// What one sweep did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SweepReport {
    pub due_soon: u64,
    pub overdue: u64,
    pub progress_notices: u64,
}

/// Reminders to handlers (due within one working day; overdue) and progress notices to
/// petitioners every 30 days (Decree art. 23), all through the outbox, each once per level and
/// noted on the timeline. Run it every few minutes; it is idempotent.
pub async fn sweep(db: &Db, now: DateTime<Utc>) -> Result<SweepReport> {
    refresh_due_cache(db, now).await?;
    let (cal, _) = work_calendar(db).await?;
    let soon = soon_limit(&cal, now)?;
    let mut report = SweepReport::default();
    // Overdue first, so a petition that skipped "soon" gets the stronger reminder.
    for (level, sql) in [
        (
            "overdue",
            "SELECT id FROM petitions WHERE state IN ('arrived', 'received', 'in_progress') AND due_at < $1 \
             AND reminded <> 'overdue' ORDER BY due_at LIMIT 1000",
        ),
        (
            "soon",
            "SELECT id FROM petitions WHERE state IN ('arrived', 'received', 'in_progress') AND due_at >= $1 \
             AND due_at < $2 AND reminded = '' ORDER BY due_at LIMIT 1000",
        ),
    ] {
        let ids: Vec<(i64,)> = fetch_all!(db, _, sql, now, soon)?;
        for (id,) in ids {
            let mut tx = db.begin().await?;
            let p = act(
                &mut tx,
                id,
                Event::Reminder {
                    level: level.into(),
                },
                None,
                &cal,
                now,
            )
            .await?;
            execute!(
                &mut tx,
                "UPDATE petitions SET reminded = $1 WHERE id = $2",
                level,
                id
            )?;
            // The handler; before receipt nobody handles it yet, so the department's officials
            // and supervisors are told that it waits for receipt.
            let to: Vec<(String,)> = fetch_all!(
                &mut tx,
                _,
                "SELECT email FROM accounts WHERE email <> '' AND active = TRUE AND \
                 (id = $1 OR ($2 AND department_id = $3 AND role IN ('official', 'supervisor'))) \
                 ORDER BY id",
                p.assignee_id,
                p.state == State::Arrived,
                p.department_id
            )?;
            for (email,) in to {
                let (subject, word) = match (level, p.state == State::Arrived) {
                    ("overdue", true) => ("[민원] 접수기한이 지났습니다", "접수기한이 지난"),
                    (_, true) => ("[민원] 접수기한이 다가옵니다", "접수기한이 다가오는"),
                    ("overdue", false) => ("[민원] 처리기한이 지났습니다", "처리기한이 지난"),
                    _ => ("[민원] 처리기한이 다가옵니다", "처리기한이 다가오는"),
                };
                let due = p
                    .due_at
                    .map(|d| calendar::to_seoul(d).format("%Y-%m-%d %H:%M").to_string())
                    .unwrap_or_default();
                outbox::enqueue(
                    &mut tx,
                    outbox::Channel::Email,
                    &email,
                    subject,
                    &format!(
                        "{word} 민원: [{}] {}\n기한: {due}",
                        p.receipt_no
                            .clone()
                            .unwrap_or_else(|| format!("({})", p.id)),
                        p.title
                    ),
                    now,
                )
                .await?;
            }
            tx.commit().await?;
            if level == "overdue" {
                report.overdue += 1;
            } else {
                report.due_soon += 1;
            }
        }
    }
    // Progress notices: open, received, and 30 days since receipt or the last notice.
    let cutoff = now - chrono::Duration::days(domain::petitions::PROGRESS_NOTICE_DAYS);
    let candidates: Vec<(i64, String)> = fetch_all!(
        db,
        _,
        "SELECT id, derived FROM petitions WHERE state IN ('received', 'in_progress', 'supplement', 'paused') \
         AND anonymous = FALSE AND received_at < $1 ORDER BY id LIMIT 5000",
        cutoff
    )?;
    for (id, derived) in candidates {
        let d: Derived = from_json(&derived)?;
        let last = d.last_notice_at.or(d.received_at);
        if last.is_some_and(|t| t <= cutoff) {
            let mut tx = db.begin().await?;
            act(
                &mut tx,
                id,
                Event::ProgressNotice {
                    note: format!(
                        "민원을 처리하고 있습니다 (현재 상태: {}).",
                        d.state.korean()
                    ),
                },
                None,
                &cal,
                now,
            )
            .await?;
            tx.commit().await?;
            report.progress_notices += 1;
        }
    }
    Ok(report)
}
