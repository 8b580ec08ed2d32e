//! Typed errors. Every message is plain English followed by Korean, so the CLI and the web
//! pages can show it as is. Nothing in this crate panics on bad input: it returns one of these.

use chrono::NaiveDate;
use std::fmt;

/// Errors about the calendar itself: dates outside the tables, invalid lunar dates, bad settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CalendarError {
    /// A solar date outside the range the tables cover.
    DateOutOfRange {
        date: NaiveDate,
        first_year: i32,
        last_year: i32,
    },
    /// A year outside the range the tables cover.
    YearOutOfRange {
        year: i32,
        first_year: i32,
        last_year: i32,
    },
    /// A lunar date that does not exist (month 13, day 30 of a short month, a leap month the
    /// year does not have, ...).
    InvalidLunarDate {
        year: i32,
        month: u32,
        day: u32,
        leap: bool,
    },
    /// Office hours that do not make sense (start after end, lunch outside the day, ...).
    InvalidOfficeHours(String),
    /// `WorkCalendar::new` with `first_year > last_year`.
    EmptyYearRange { first_year: i32, last_year: i32 },
    /// A holiday kind other than fixed, lunar, substitute, election, temporary, local.
    UnknownHolidayKind(String),
}

impl fmt::Display for CalendarError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CalendarError::DateOutOfRange {
                date,
                first_year,
                last_year,
            } => write!(
                f,
                "date {date} is outside the calendar ({first_year}–{last_year}) \
                 / 날짜 {date}는 달력 범위({first_year}–{last_year}년) 밖입니다"
            ),
            CalendarError::YearOutOfRange {
                year,
                first_year,
                last_year,
            } => write!(
                f,
                "year {year} is outside the calendar ({first_year}–{last_year}) \
                 / {year}년은 달력 범위({first_year}–{last_year}년) 밖입니다"
            ),
            CalendarError::InvalidLunarDate {
                year,
                month,
                day,
                leap,
            } => {
                let l = if *leap { "leap " } else { "" };
                let ko = if *leap { "윤" } else { "" };
                write!(
                    f,
                    "lunar date {year}-{l}{month}-{day} does not exist \
                     / 음력 {year}년 {ko}{month}월 {day}일은 없는 날짜입니다"
                )
            }
            CalendarError::InvalidOfficeHours(why) => {
                write!(
                    f,
                    "invalid office hours: {why} / 근무시간 설정이 잘못되었습니다"
                )
            }
            CalendarError::UnknownHolidayKind(kind) => write!(
                f,
                "unknown holiday kind {kind:?} (expected fixed, lunar, substitute, election, \
                 temporary or local) / 알 수 없는 휴일 종류입니다: {kind:?}"
            ),
            CalendarError::EmptyYearRange {
                first_year,
                last_year,
            } => write!(
                f,
                "empty year range {first_year}–{last_year} / 연도 범위가 비어 있습니다"
            ),
        }
    }
}

impl std::error::Error for CalendarError {}

/// Errors of the deadline computation and of period parsing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeadlineError {
    /// The computation needed a day the `WorkCalendar` does not cover (receipt too early,
    /// or a due day beyond its last year).
    Calendar(CalendarError),
    /// A period string that is not `Nh`, `Nd`, `Nw`, `Nm`, `Ny`, `immediate` or `즉시`.
    BadPeriod(String),
    /// A period or extension of length zero.
    ZeroPeriod,
    /// A pause whose end is before its start.
    PauseEndsBeforeStart { start: String, end: String },
}

impl fmt::Display for DeadlineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DeadlineError::Calendar(e) => e.fmt(f),
            DeadlineError::BadPeriod(s) => write!(
                f,
                "bad period {s:?}: expected a number followed by h, d, w, m or y \
                 (e.g. 3d, 2w, 1m), or `immediate` \
                 / 기간 {s:?}을(를) 알 수 없습니다 (예: 3d, 2w, 1m, immediate)"
            ),
            DeadlineError::ZeroPeriod => {
                write!(
                    f,
                    "a period must be longer than zero / 기간은 0보다 커야 합니다"
                )
            }
            DeadlineError::PauseEndsBeforeStart { start, end } => write!(
                f,
                "pause ends ({end}) before it starts ({start}) \
                 / 정지 기간의 끝({end})이 시작({start})보다 앞섭니다"
            ),
        }
    }
}

impl std::error::Error for DeadlineError {}

impl From<CalendarError> for DeadlineError {
    fn from(e: CalendarError) -> Self {
        DeadlineError::Calendar(e)
    }
}
