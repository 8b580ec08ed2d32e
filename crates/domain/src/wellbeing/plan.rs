//! The self-management plan (자기관리 계획): notes, goals and actions, check-ins and their reminders,
//! and how long records are kept.

use super::*;

/// A short free text of a referral or check-in: at most this many characters.
pub const MAX_NOTE_CHARS: usize = 1000;
/// A goal or weekly action: at most this many characters.
pub const MAX_PLAN_LINE_CHARS: usize = 200;
pub const MAX_GOALS: usize = 5;
pub const MAX_ACTIONS: usize = 7;

/// Check a free-text note (referral message, check-in note).
pub fn validate_note(note: &str) -> Result<(), RuleError> {
    if note.chars().count() > MAX_NOTE_CHARS {
        return Err(RuleError::new(
            "note_too_long",
            format!("메모는 {MAX_NOTE_CHARS}자 이하로 써 주세요"),
            format!("the note must be at most {MAX_NOTE_CHARS} characters"),
        ));
    }
    Ok(())
}

/// A self-management plan (자기관리 계획) as the official writes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanInput {
    pub goals: Vec<String>,
    pub actions: Vec<String>,
    /// Day of the weekly reminder, 0 = Monday … 6 = Sunday; `None` = no reminder.
    pub reminder_weekday: Option<u32>,
    /// Hour of the reminder in Korean time, 0–23.
    pub reminder_hour: Option<u32>,
}

impl PlanInput {
    /// Trim lines, drop empty ones, and check the limits.
    pub fn normalised(&self) -> Result<PlanInput, RuleError> {
        let clean = |lines: &[String]| -> Vec<String> {
            lines
                .iter()
                .map(|l| l.trim().to_string())
                .filter(|l| !l.is_empty())
                .collect()
        };
        let goals = clean(&self.goals);
        let actions = clean(&self.actions);
        if goals.is_empty() || goals.len() > MAX_GOALS {
            return Err(RuleError::new(
                "plan_goals",
                format!("목표를 1개에서 {MAX_GOALS}개까지 적어 주세요"),
                format!("write 1 to {MAX_GOALS} goals"),
            ));
        }
        if actions.is_empty() || actions.len() > MAX_ACTIONS {
            return Err(RuleError::new(
                "plan_actions",
                format!("주간 실천 항목을 1개에서 {MAX_ACTIONS}개까지 적어 주세요"),
                format!("write 1 to {MAX_ACTIONS} weekly actions"),
            ));
        }
        if goals
            .iter()
            .chain(&actions)
            .any(|l| l.chars().count() > MAX_PLAN_LINE_CHARS)
        {
            return Err(RuleError::new(
                "plan_line_too_long",
                format!("목표와 실천 항목은 각각 {MAX_PLAN_LINE_CHARS}자 이하로 써 주세요"),
                format!("each goal and action must be at most {MAX_PLAN_LINE_CHARS} characters"),
            ));
        }
        let (reminder_weekday, reminder_hour) = match (self.reminder_weekday, self.reminder_hour) {
            (None, _) => (None, None),
            (Some(d), h) if d <= 6 && h.unwrap_or(9) <= 23 => (Some(d), Some(h.unwrap_or(9))),
            _ => {
                return Err(RuleError::new(
                    "plan_reminder",
                    "알림 요일은 0(월)~6(일), 시각은 0~23시로 정해 주세요",
                    "reminder weekday must be 0 (Monday) to 6 (Sunday) and hour 0 to 23",
                ));
            }
        };
        Ok(PlanInput {
            goals,
            actions,
            reminder_weekday,
            reminder_hour,
        })
    }
}

/// The next weekly reminder strictly after `after`: on `weekday` (0 = Monday) at `hour`:00 KST.
pub fn next_reminder(after: DateTime<Utc>, weekday: u32, hour: u32) -> Option<DateTime<Utc>> {
    let local = after.with_timezone(&calendar::SEOUL);
    let time = NaiveTime::from_hms_opt(hour.min(23), 0, 0)?;
    let today = local.date_naive();
    let days_ahead = (i64::from(weekday.min(6))
        - i64::from(today.weekday().num_days_from_monday()))
    .rem_euclid(7);
    for extra in [0, 7] {
        let date = today + Duration::days(days_ahead + extra);
        let at = calendar::SEOUL
            .from_local_datetime(&date.and_time(time))
            .single()?
            .with_timezone(&Utc);
        if at > after {
            return Some(at);
        }
    }
    None
}

/// A check-in on the plan: how many of the weekly actions were done, and how the week felt.
pub fn validate_checkin(
    actions_done: i64,
    action_count: usize,
    mood: i64,
    note: &str,
) -> Result<(), RuleError> {
    if actions_done < 0 || actions_done > action_count as i64 {
        return Err(RuleError::new(
            "checkin_actions",
            format!("실천한 항목 수는 0~{action_count} 사이여야 합니다"),
            format!("actions done must be between 0 and {action_count}"),
        ));
    }
    if !(1..=5).contains(&mood) {
        return Err(RuleError::new(
            "checkin_mood",
            "이번 주 기분은 1(아주 나쁨)~5(아주 좋음) 중에서 골라 주세요",
            "mood must be 1 (very bad) to 5 (very good)",
        ));
    }
    validate_note(note)
}

/// Records older than this are deleted (kept [`RETENTION_YEARS`] years).
pub fn retention_cutoff(now: DateTime<Utc>) -> DateTime<Utc> {
    now.checked_sub_months(Months::new(12 * RETENTION_YEARS))
        .unwrap_or(DateTime::<Utc>::MIN_UTC)
}
