//! Reminders through the outbox: the day before and the morning of each session day to
//! everyone enrolled, and to the supervisor when a nominee did not come (once the day's
//! attendance is closed). Each is sent once per enrolment and day
//! (`program_reminders_sent`), so the job may run as often as it likes.

use super::{supervisors_of, tell};
use crate::{Db, Result, Tx, execute, fetch_all};
use chrono::{DateTime, Duration, NaiveTime, Utc};
use domain::programs::ReminderKind;
use domain::{AccountId, DepartmentId};

/// From this Seoul time on, the day's reminders go out (nobody is woken at night).
pub const MORNING_FROM: NaiveTime = match NaiveTime::from_hms_opt(7, 0, 0) {
    Some(t) => t,
    None => NaiveTime::MIN,
};

#[derive(sqlx::FromRow)]
struct Due {
    day_id: i64,
    enrolment_id: i64,
    account_id: AccountId,
    department_id: Option<DepartmentId>,
    display_name: String,
    title: String,
    venue: String,
    online_link: String,
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
}

const DUE_SELECT: &str = "SELECT d.id AS day_id, e.id AS enrolment_id, e.account_id, \
    a.department_id, a.display_name, p.title, s.venue, s.online_link, d.starts_at, d.ends_at \
    FROM program_session_days d JOIN program_sessions s ON s.id = d.session_id \
    JOIN programs p ON p.id = s.program_id \
    JOIN program_enrolments e ON e.session_id = s.id AND e.state = 'enrolled' \
    JOIN accounts a ON a.id = e.account_id";

/// Mark a reminder as sent; false when it already was (so it is not sent twice).
async fn mark(
    tx: &mut Tx,
    day: i64,
    enrolment: i64,
    kind: ReminderKind,
    now: DateTime<Utc>,
) -> Result<bool> {
    let n = execute!(
        &mut *tx,
        "INSERT INTO program_reminders_sent (session_day_id, enrolment_id, kind, sent_at) \
         VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
        day,
        enrolment,
        kind.as_str(),
        now
    )?;
    Ok(n == 1)
}

fn hm(t: DateTime<Utc>) -> String {
    calendar::to_seoul(t).format("%H:%M").to_string()
}

fn place(d: &Due) -> String {
    match (d.venue.is_empty(), d.online_link.is_empty()) {
        (false, false) => format!("{} / {}", d.venue, d.online_link),
        (false, true) => d.venue.clone(),
        _ => d.online_link.clone(),
    }
}

/// Queue every reminder due at `now`. Returns how many messages were queued.
pub async fn queue_reminders(db: &Db, now: DateTime<Utc>) -> Result<usize> {
    let today = calendar::to_seoul(now).date_naive();
    let tomorrow = today + Duration::days(1);
    let awake = calendar::to_seoul(now).time() >= MORNING_FROM;
    let mut tx = db.begin().await?;
    let mut n = 0;
    let sql =
        format!("{DUE_SELECT} WHERE s.state = 'scheduled' AND d.day = $1 AND d.starts_at > $2");
    let eve: Vec<Due> = if awake {
        fetch_all!(
            &mut tx,
            Due,
            sqlx::AssertSqlSafe(sql.clone()),
            tomorrow,
            now
        )?
    } else {
        Vec::new()
    };
    for d in &eve {
        if mark(&mut tx, d.day_id, d.enrolment_id, ReminderKind::Eve, now).await?
            && tell(
                &mut tx,
                d.account_id,
                &format!("[민원] 내일 교육: {} (tomorrow)", d.title),
                &format!(
                    "내일 {}-{} '{}' 교육이 있습니다. 장소: {}\nTomorrow {}-{}: '{}'. Where: {}",
                    hm(d.starts_at),
                    hm(d.ends_at),
                    d.title,
                    place(d),
                    hm(d.starts_at),
                    hm(d.ends_at),
                    d.title,
                    place(d)
                ),
                now,
            )
            .await?
        {
            n += 1;
        }
    }
    if awake {
        let today_due: Vec<Due> = fetch_all!(&mut tx, Due, sqlx::AssertSqlSafe(sql), today, now)?;
        for d in &today_due {
            if mark(
                &mut tx,
                d.day_id,
                d.enrolment_id,
                ReminderKind::Morning,
                now,
            )
            .await?
                && tell(
                    &mut tx,
                    d.account_id,
                    &format!("[민원] 오늘 교육: {} (today)", d.title),
                    &format!(
                        "오늘 {}-{} '{}' 교육이 있습니다. 장소: {}\nToday {}-{}: '{}'. Where: {}",
                        hm(d.starts_at),
                        hm(d.ends_at),
                        d.title,
                        place(d),
                        hm(d.starts_at),
                        hm(d.ends_at),
                        d.title,
                        place(d)
                    ),
                    now,
                )
                .await?
            {
                n += 1;
            }
        }
    }
    // Nominees who did not come, once the organiser closed the day's attendance: no
    // attendance row, or one marked absent (excused is not a no-show).
    let sql = format!(
        "{DUE_SELECT} WHERE d.attendance_closed_at IS NOT NULL AND e.nominated = $1 \
         AND p.notify_supervisor = $1 AND NOT EXISTS (SELECT 1 FROM program_attendance t \
         WHERE t.session_day_id = d.id AND t.enrolment_id = e.id AND t.status <> 'absent')"
    );
    let absent: Vec<Due> = fetch_all!(&mut tx, Due, sqlx::AssertSqlSafe(sql), true)?;
    for d in &absent {
        if !mark(&mut tx, d.day_id, d.enrolment_id, ReminderKind::NoShow, now).await? {
            continue;
        }
        let day = calendar::to_seoul(d.starts_at).format("%Y-%m-%d");
        for sup in supervisors_of(&mut tx, d.department_id).await? {
            if tell(
                &mut tx,
                sup,
                &format!("[민원] 교육 불참: {} (did not attend)", d.display_name),
                &format!(
                    "추천하신 {}님이 {} '{}' 교육에 참석하지 않았습니다.\n{} did not attend '{}' on {}.",
                    d.display_name, day, d.title, d.display_name, d.title, day
                ),
                now,
            )
            .await?
            {
                n += 1;
            }
        }
    }
    tx.commit().await?;
    Ok(n)
}
