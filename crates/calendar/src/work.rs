//! Working time (근무시간): office hours and the precomputed working-day calendar.
//!
//! Time zone: all rules are in Asia/Seoul, which is UTC+09:00 all year. Korea has not used
//! daylight saving time since 1988, and the calendar starts in 1990, so a fixed offset is
//! exact and we need no time-zone database (chrono-tz).
//!
//! Internally instants are "KST microseconds": microseconds since 1970-01-01 00:00 in Seoul
//! local time (UTC microseconds + 9 h). Day numbers are days since 1970-01-01 in Seoul.
//! Sub-microsecond parts of inputs are dropped, like the database does.

use crate::error::CalendarError;
use crate::holidays::{FIRST_HOLIDAY_YEAR, LAST_HOLIDAY_YEAR};
use crate::holidays::{HolidayData, HolidayKind, holidays};
use chrono::{
    DateTime, Datelike, FixedOffset, NaiveDate, NaiveTime, TimeDelta, Timelike, Utc, Weekday,
};
use serde::{Deserialize, Serialize};

pub(crate) const MICROS_PER_SEC: i64 = 1_000_000;
pub(crate) const MICROS_PER_DAY: i64 = 86_400 * MICROS_PER_SEC;
const KST_OFFSET_SECS: i32 = 9 * 3600;
const KST_OFFSET_MICROS: i64 = KST_OFFSET_SECS as i64 * MICROS_PER_SEC;

/// The Asia/Seoul offset, +09:00.
// `east_opt` is a const fn: this is evaluated at compile time, so the `None` arm could only
// ever be a build error, never a panic at run time. The one offset built by hand (clippy.toml).
#[allow(clippy::panic, clippy::disallowed_methods)]
pub const SEOUL: FixedOffset = match FixedOffset::east_opt(KST_OFFSET_SECS) {
    Some(offset) => offset,
    None => panic!("+09:00 is a valid offset"),
};

/// The Asia/Seoul offset, +09:00 (same as [`SEOUL`]).
pub fn seoul() -> FixedOffset {
    SEOUL
}

/// A UTC instant in Seoul local time.
pub fn to_seoul(t: DateTime<Utc>) -> DateTime<FixedOffset> {
    t.with_timezone(&seoul())
}

pub(crate) fn to_kst_micros(t: DateTime<Utc>) -> i64 {
    t.timestamp_micros() + KST_OFFSET_MICROS
}

pub(crate) fn from_kst_micros(t: i64) -> DateTime<Utc> {
    // Only instants inside a WorkCalendar (1990–2101) come here, well within chrono's range;
    // the default is unreachable.
    DateTime::from_timestamp_micros(t - KST_OFFSET_MICROS).unwrap_or_default()
}

pub(crate) fn day_of(t: i64) -> i64 {
    t.div_euclid(MICROS_PER_DAY)
}

fn epoch() -> NaiveDate {
    NaiveDate::from_epoch_days(0).unwrap_or_default()
}

pub(crate) fn date_of_day(day: i64) -> NaiveDate {
    i32::try_from(day)
        .ok()
        .and_then(NaiveDate::from_epoch_days)
        .unwrap_or_else(epoch)
}

pub(crate) fn day_of_date(date: NaiveDate) -> i64 {
    i64::from(date.to_epoch_days())
}

/// Office hours of a working day. Default 09:00–18:00 with lunch 12:00–13:00 (8 hours;
/// 지방공무원 복무규정 art. 2). Whatever the hours, one statutory day stays 8 working hours
/// when days are counted in hours (Decree art. 19).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct OfficeHours {
    pub start: NaiveTime,
    pub end: NaiveTime,
    /// Lunch break (점심시간), not working time. `None` = no break.
    pub lunch: Option<(NaiveTime, NaiveTime)>,
}

impl Default for OfficeHours {
    fn default() -> Self {
        let t = |h| NaiveTime::from_hms_opt(h, 0, 0).unwrap_or(NaiveTime::MIN);
        OfficeHours {
            start: t(9),
            end: t(18),
            lunch: Some((t(12), t(13))),
        }
    }
}

fn micros_of(t: NaiveTime) -> i64 {
    i64::from(t.num_seconds_from_midnight()) * MICROS_PER_SEC + i64::from(t.nanosecond() / 1000)
}

impl OfficeHours {
    /// Whether these hours make a working day: start before end, lunch strictly inside.
    pub fn validate(&self) -> Result<(), CalendarError> {
        self.intervals().map(|_| ())
    }

    /// The working intervals of a day, as [start, end) microseconds after midnight.
    fn intervals(&self) -> Result<Vec<(i64, i64)>, CalendarError> {
        let (s, e) = (micros_of(self.start), micros_of(self.end));
        let bad = |why: &str| Err(CalendarError::InvalidOfficeHours(why.to_string()));
        if s >= e {
            return bad("start must be before end");
        }
        match self.lunch {
            None => Ok(vec![(s, e)]),
            Some((ls, le)) => {
                let (ls, le) = (micros_of(ls), micros_of(le));
                if !(s < ls && ls < le && le < e) {
                    return bad("lunch must lie strictly inside the working day");
                }
                Ok(vec![(s, ls), (le, e)])
            }
        }
    }
}

/// The readings of the law that DOMAIN.md marks as ours, as settings. `Default` is the
/// documented reading.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct DeadlineRules {
    /// Day-counted periods: whether a receipt after office hours on a working day still makes
    /// that day day 1. Default `true` ("whatever the hour of receipt", our reading); `false`
    /// starts the count on the next working day when received at or after closing time.
    #[serde(default)]
    pub after_hours_receipt_starts_next_day: bool,
    /// How pauses are excluded from hour-counted periods. Default: the working time between
    /// the two timestamps (our reading); alternatively whole days, as for day counting.
    #[serde(default)]
    pub hour_counted_pauses: PauseExclusion,
    /// When a calendar period (weeks, months, years) ends on its last day. Default: at the
    /// office's closing time, like day-counted periods (our reading); alternatively at 24:00.
    #[serde(default)]
    pub calendar_period_end: DayEnd,
}

/// How a pause is taken out of an hour count.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PauseExclusion {
    /// The working time between start and end.
    #[default]
    WorkingTime,
    /// Every day from the start date to the end date, both included.
    WholeDays,
}

/// The moment a day-long period ends on its last day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DayEnd {
    /// Closing time of the office (18:00 by default).
    #[default]
    OfficeClose,
    /// Midnight at the end of the day (24:00, written as 00:00 of the next day).
    Midnight,
}

/// The working calendar of an office: which days are working days (a compact bitset over the
/// year range, built once from the holidays) and its office hours. Lookups are O(1).
///
/// A working day is a day that is not a Saturday, a Sunday or a holiday (any kind; local
/// holidays unless `HolidayData::local_holidays_are_working_days`).
#[derive(Debug, Clone)]
pub struct WorkCalendar {
    first_year: i32,
    last_year: i32,
    /// Day number of 1 January of `first_year`.
    first_day: i64,
    /// Day number of 31 December of `last_year`.
    last_day: i64,
    /// Bit (day - first_day) set = working day.
    working: Vec<u64>,
    hours: OfficeHours,
    rules: DeadlineRules,
    /// Working intervals of a day, microseconds after midnight, sorted, disjoint.
    intervals: [(i64, i64); 2],
    interval_count: usize,
    /// Total working microseconds of a working day.
    day_length: i64,
}

impl WorkCalendar {
    /// Builds the calendar for `first_year..=last_year` (within 1990–2100).
    pub fn new(
        first_year: i32,
        last_year: i32,
        data: &HolidayData,
        hours: OfficeHours,
    ) -> Result<Self, CalendarError> {
        if first_year > last_year {
            return Err(CalendarError::EmptyYearRange {
                first_year,
                last_year,
            });
        }
        for year in [first_year, last_year] {
            if !(FIRST_HOLIDAY_YEAR..=LAST_HOLIDAY_YEAR).contains(&year) {
                return Err(CalendarError::YearOutOfRange {
                    year,
                    first_year: FIRST_HOLIDAY_YEAR,
                    last_year: LAST_HOLIDAY_YEAR,
                });
            }
        }
        let list = hours.intervals()?;
        let mut intervals = [(0, 0); 2];
        for (slot, iv) in intervals.iter_mut().zip(&list) {
            *slot = *iv;
        }
        let day_length = list.iter().map(|(s, e)| e - s).sum();
        let jan1 = |y| {
            NaiveDate::from_ymd_opt(y, 1, 1).ok_or(CalendarError::YearOutOfRange {
                year: y,
                first_year: FIRST_HOLIDAY_YEAR,
                last_year: LAST_HOLIDAY_YEAR,
            })
        };
        let first_day = day_of_date(jan1(first_year)?);
        let last_day = day_of_date(jan1(last_year + 1)?) - 1;
        let len = usize::try_from(last_day - first_day + 1).unwrap_or(0);
        let mut working = vec![0u64; len.div_ceil(64)];
        for i in 0..len {
            let date = date_of_day(first_day + i as i64);
            if !matches!(date.weekday(), Weekday::Sat | Weekday::Sun) {
                working[i / 64] |= 1 << (i % 64);
            }
        }
        for year in first_year..=last_year {
            for h in holidays(year, data)? {
                if h.kind == HolidayKind::Local && data.local_holidays_are_working_days {
                    continue;
                }
                let i = (day_of_date(h.date) - first_day) as usize;
                if let Some(word) = working.get_mut(i / 64) {
                    *word &= !(1 << (i % 64));
                }
            }
        }
        Ok(WorkCalendar {
            first_year,
            last_year,
            first_day,
            last_day,
            working,
            hours,
            intervals,
            interval_count: list.len(),
            rules: DeadlineRules::default(),
            day_length,
        })
    }

    /// The default: 1990–2100, built-in holidays only, default office hours.
    pub fn standard() -> Result<Self, CalendarError> {
        WorkCalendar::new(
            FIRST_HOLIDAY_YEAR,
            LAST_HOLIDAY_YEAR,
            &HolidayData::default(),
            OfficeHours::default(),
        )
    }

    pub fn first_year(&self) -> i32 {
        self.first_year
    }

    pub fn last_year(&self) -> i32 {
        self.last_year
    }

    /// The same calendar with other deadline settings.
    pub fn with_rules(mut self, rules: DeadlineRules) -> Self {
        self.rules = rules;
        self
    }

    pub fn rules(&self) -> &DeadlineRules {
        &self.rules
    }

    pub fn office_hours(&self) -> &OfficeHours {
        &self.hours
    }

    /// Working microseconds of one working day under these office hours.
    pub fn working_day_length(&self) -> TimeDelta {
        TimeDelta::microseconds(self.day_length)
    }

    /// Whether a date is a working day. Errors outside the calendar's years.
    pub fn is_working_day(&self, date: NaiveDate) -> Result<bool, CalendarError> {
        self.is_working(day_of_date(date))
    }

    pub(crate) fn out_of_range(&self, day: i64) -> CalendarError {
        CalendarError::DateOutOfRange {
            date: date_of_day(day),
            first_year: self.first_year,
            last_year: self.last_year,
        }
    }

    /// O(1) lookup by day number.
    #[inline]
    pub(crate) fn is_working(&self, day: i64) -> Result<bool, CalendarError> {
        if day < self.first_day || day > self.last_day {
            return Err(self.out_of_range(day));
        }
        let i = (day - self.first_day) as usize;
        Ok(self
            .working
            .get(i / 64)
            .is_some_and(|w| w & (1 << (i % 64)) != 0))
    }

    pub(crate) fn intervals(&self) -> &[(i64, i64)] {
        &self.intervals[..self.interval_count]
    }

    /// Start of office hours on a day (KST micros).
    pub(crate) fn day_open(&self, day: i64) -> i64 {
        day * MICROS_PER_DAY + self.intervals[0].0
    }

    /// End of office hours on a day (KST micros), the due moment of a day-counted period.
    pub(crate) fn day_close(&self, day: i64) -> i64 {
        day * MICROS_PER_DAY + self.intervals[self.interval_count.saturating_sub(1)].1
    }

    /// Whether an instant is working time. Interval ends are included ([09:00, 12:00] and
    /// [13:00, 18:00]): a due moment of exactly 18:00 is "in working time".
    pub fn is_working_time(&self, t: DateTime<Utc>) -> Result<bool, CalendarError> {
        let t = to_kst_micros(t);
        let day = day_of(t);
        let tod = t - day * MICROS_PER_DAY;
        Ok(self.is_working(day)? && self.intervals().iter().any(|&(s, e)| s <= tod && tod <= e))
    }

    /// The first working moment at or after `t` (itself if `t` is working time; 13:00 for a
    /// receipt during lunch; the next working day's opening for one after hours or on a
    /// holiday). This is where an hour count starts.
    pub fn next_working_moment(&self, t: DateTime<Utc>) -> Result<DateTime<Utc>, CalendarError> {
        Ok(from_kst_micros(self.advance(to_kst_micros(t), 0, true)?))
    }

    /// Working microseconds in [a, b) (0 if b <= a).
    pub(crate) fn working_between(&self, a: i64, b: i64) -> Result<i64, CalendarError> {
        if b <= a {
            return Ok(0);
        }
        let (da, db) = (day_of(a), day_of(b));
        let mut total = 0;
        for day in da..=db {
            if !self.is_working(day)? {
                continue;
            }
            let base = day * MICROS_PER_DAY;
            if day > da && day < db {
                total += self.day_length;
                continue;
            }
            for &(s, e) in self.intervals() {
                let lo = (base + s).max(a);
                let hi = (base + e).min(b);
                if hi > lo {
                    total += hi - lo;
                }
            }
        }
        Ok(total)
    }

    /// The earliest instant `t >= from` such that there are `amount` working microseconds in
    /// [from, t). With `amount == 0` and `snap`, the first working moment at or after `from`.
    /// A positive amount ends inside or at the end of an interval, never at a start: 3 hours
    /// from 09:00 is 12:00, not 13:00.
    pub(crate) fn advance(&self, from: i64, amount: i64, snap: bool) -> Result<i64, CalendarError> {
        if amount == 0 && !snap {
            return Ok(from);
        }
        let mut remaining = amount;
        let mut day = day_of(from);
        loop {
            if self.is_working(day)? {
                let base = day * MICROS_PER_DAY;
                for &(s, e) in self.intervals() {
                    let start = (base + s).max(from);
                    let end = base + e;
                    if start >= end {
                        continue;
                    }
                    if end - start >= remaining {
                        return Ok(start + remaining);
                    }
                    remaining -= end - start;
                }
            }
            day += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kst(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn working_days() {
        let cal = WorkCalendar::standard().unwrap();
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();
        assert!(cal.is_working_day(d(2026, 11, 23)).unwrap()); // Monday
        assert!(!cal.is_working_day(d(2026, 11, 28)).unwrap()); // Saturday
        assert!(!cal.is_working_day(d(2026, 2, 17)).unwrap()); // 설날
        assert!(!cal.is_working_day(d(2026, 3, 2)).unwrap()); // substitute for 3·1절
        assert!(cal.is_working_day(d(1989, 12, 29)).is_err());
        assert!(cal.is_working_day(d(2101, 1, 3)).is_err());
    }

    #[test]
    fn next_working_moment() {
        let cal = WorkCalendar::standard().unwrap();
        let n = |s| to_seoul(cal.next_working_moment(kst(s)).unwrap()).to_rfc3339();
        assert_eq!(n("2026-11-23T10:00:00+09:00"), "2026-11-23T10:00:00+09:00");
        assert_eq!(n("2026-11-23T12:30:00+09:00"), "2026-11-23T13:00:00+09:00");
        assert_eq!(n("2026-11-23T18:00:00+09:00"), "2026-11-24T09:00:00+09:00");
        assert_eq!(n("2026-11-27T19:00:00+09:00"), "2026-11-30T09:00:00+09:00");
        assert_eq!(n("2026-11-28T10:00:00+09:00"), "2026-11-30T09:00:00+09:00");
    }

    #[test]
    fn office_hours_validation() {
        let t = |h| NaiveTime::from_hms_opt(h, 0, 0).unwrap();
        let bad = OfficeHours {
            start: t(18),
            end: t(9),
            lunch: None,
        };
        assert!(WorkCalendar::new(2026, 2026, &HolidayData::default(), bad).is_err());
        let bad = OfficeHours {
            start: t(9),
            end: t(18),
            lunch: Some((t(8), t(10))),
        };
        assert!(WorkCalendar::new(2026, 2026, &HolidayData::default(), bad).is_err());
        assert!(bad.validate().is_err());
        let ok = OfficeHours {
            start: t(10),
            end: t(19),
            lunch: None,
        };
        assert!(ok.validate().is_ok() && OfficeHours::default().validate().is_ok());
        let cal = WorkCalendar::new(2026, 2026, &HolidayData::default(), ok).unwrap();
        assert_eq!(cal.working_day_length(), TimeDelta::hours(9));
        assert!(WorkCalendar::new(2027, 2026, &HolidayData::default(), ok).is_err());
    }
}
