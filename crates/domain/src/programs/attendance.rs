//! Attendance (출석) per person and per day, and the minutes of a day it is worth.
//!
//! A day is marked present, late, partial (with the minutes actually attended), absent or
//! excused (공가: away on official business). Only time actually spent in the session counts
//! toward recognised hours, so an excused day is worth no minutes either; it differs from an
//! absence in the record and on the sign-in sheet, not in the hours.

use super::AttendanceStatus;
use crate::RuleError;

/// The minutes a day's mark is worth, out of the day's `scheduled` minutes, or why the mark is
/// not valid. `minutes` is what was actually attended: required for `Partial` (more than none,
/// less than the whole day), optional for `Late` (a late arrival without minutes counts the
/// whole day, as most offices allow a few minutes), and refused for the others.
pub fn attended_minutes(
    status: AttendanceStatus,
    minutes: Option<i64>,
    scheduled: i64,
) -> Result<i64, RuleError> {
    let scheduled = scheduled.max(0);
    match (status, minutes) {
        (AttendanceStatus::Partial, None) => Err(RuleError::new(
            "partial_minutes_required",
            "부분 참석은 참석한 시간(분)을 적어 주세요.",
            "For partial attendance, enter the minutes attended.",
        )),
        (AttendanceStatus::Partial, Some(m)) if m <= 0 || m >= scheduled => Err(RuleError::new(
            "partial_minutes_out_of_range",
            format!(
                "부분 참석 시간은 1분 이상 {}분 미만이어야 합니다.",
                scheduled
            ),
            format!(
                "Partial attendance must be at least 1 minute and less than {scheduled} minutes."
            ),
        )),
        (AttendanceStatus::Late, Some(m)) if m <= 0 || m > scheduled => Err(RuleError::new(
            "late_minutes_out_of_range",
            format!(
                "지각한 날의 참석 시간은 1분 이상 {}분 이하여야 합니다.",
                scheduled
            ),
            format!("Minutes attended on a late day must be between 1 and {scheduled}."),
        )),
        (AttendanceStatus::Partial | AttendanceStatus::Late, Some(m)) => Ok(m),
        (AttendanceStatus::Present | AttendanceStatus::Late, None) => Ok(scheduled),
        (
            AttendanceStatus::Present | AttendanceStatus::Absent | AttendanceStatus::Excused,
            Some(_),
        ) => Err(RuleError::new(
            "minutes_not_expected",
            "참석 시간(분)은 지각이나 부분 참석일 때만 적습니다.",
            "Minutes attended are entered only for late or partial attendance.",
        )),
        (AttendanceStatus::Absent | AttendanceStatus::Excused, None) => Ok(0),
    }
}

/// Minutes as people read them: "3시간 30분" / "3 h 30 min".
pub fn minutes_ko(minutes: i64) -> String {
    let (h, m) = (minutes / 60, minutes % 60);
    match (h, m) {
        (0, m) => format!("{m}분"),
        (h, 0) => format!("{h}시간"),
        (h, m) => format!("{h}시간 {m}분"),
    }
}

/// English twin of [`minutes_ko`].
pub fn minutes_en(minutes: i64) -> String {
    let (h, m) = (minutes / 60, minutes % 60);
    match (h, m) {
        (0, m) => format!("{m} min"),
        (h, 0) => format!("{h} h"),
        (h, m) => format!("{h} h {m} min"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use AttendanceStatus::*;

    #[test]
    fn each_status_is_worth_what_was_attended() {
        assert_eq!(attended_minutes(Present, None, 240), Ok(240));
        assert_eq!(attended_minutes(Late, None, 240), Ok(240));
        assert_eq!(attended_minutes(Late, Some(200), 240), Ok(200));
        assert_eq!(attended_minutes(Partial, Some(90), 240), Ok(90));
        assert_eq!(attended_minutes(Absent, None, 240), Ok(0));
        assert_eq!(attended_minutes(Excused, None, 240), Ok(0));
    }

    #[test]
    fn partial_needs_minutes_strictly_inside_the_day() {
        assert_eq!(
            attended_minutes(Partial, None, 240).map_err(|e| e.code),
            Err("partial_minutes_required")
        );
        for m in [0, -5, 240, 300] {
            assert_eq!(
                attended_minutes(Partial, Some(m), 240).map_err(|e| e.code),
                Err("partial_minutes_out_of_range"),
                "{m}"
            );
        }
        assert_eq!(
            attended_minutes(Late, Some(241), 240).map_err(|e| e.code),
            Err("late_minutes_out_of_range")
        );
    }

    #[test]
    fn minutes_are_refused_where_they_mean_nothing() {
        for s in [Present, Absent, Excused] {
            assert_eq!(
                attended_minutes(s, Some(30), 240).map_err(|e| e.code),
                Err("minutes_not_expected")
            );
        }
    }

    #[test]
    fn minutes_read_as_hours_and_minutes() {
        assert_eq!(minutes_ko(210), "3시간 30분");
        assert_eq!(minutes_ko(120), "2시간");
        assert_eq!(minutes_ko(45), "45분");
        assert_eq!(minutes_en(210), "3 h 30 min");
        assert_eq!(minutes_en(0), "0 min");
    }
}
