//! The statutory clock: the one function that computes a due moment (처리기한), and the
//! working time left and elapsed (Act art. 19; Decree arts. 19–21). Every rule and every
//! reading of ours is listed in `docs/calendar.md`; the short version:
//!
//! * **Hour-counted** (`Nh`, `Nd` with N ≤ 5, 즉시 = 3 h): N working hours from the moment
//!   of receipt, one day = 8 working hours. Receipt outside working time (after hours, at
//!   lunch, on a holiday) starts the count at the next working moment. The due moment is
//!   the instant the last working hour is used up, so it is always inside working time
//!   counting the ends: 09:00 + 3 h = 12:00 (not 13:00), 09:00 + 1 d = 18:00 the same day.
//! * **Day-counted** (`Nd`, N ≥ 6): N working days; the receipt day is day 1 if it is a
//!   working day, whatever the hour (even after 18:00); due at the end of office hours (18:00)
//!   of day N.
//! * **Calendar** (`Nw`, `Nm`, `Ny`): the receipt day is the first day (whether or not it
//!   is a working day); the period ends on the day before the corresponding day of the last
//!   week/month/year (민법 art. 160(2)), or on the last day of that month if it has no
//!   corresponding day (art. 160(3)); if that day is not a working day it rolls to the next
//!   working day (art. 161). Due at the end of office hours of that day (18:00), like
//!   day-counted periods (our reading: the office closes then).
//! * **Pauses** (time that does not count, Decree art. 20): for hour-counted periods the
//!   working time between the two timestamps is excluded; for day-counted and calendar
//!   periods, whole days: every Seoul date from the pause's start date to its end date, both
//!   included, is not counted (and cannot be the due day). An open pause (no end) lasts until
//!   `now`. The part of a pause before receipt is ignored (nothing was being counted); a pause
//!   whose end precedes its start is an error.
//! * **Extensions** (Decree art. 21), applied in order after the current due moment: `Nd` on
//!   an hour-counted period adds N × 8 working hours; `Nd` on a day-counted or calendar period
//!   adds N counted days after the current due day; `Nh`/즉시 adds working hours; `Nw`/`Nm`/`Ny`
//!   counts a calendar period starting the day after the current due day.

use crate::error::{CalendarError, DeadlineError};
use crate::period::{CountingMode, HOURS_PER_DAY, Period};
use crate::work::{
    DayEnd, MICROS_PER_DAY, PauseExclusion, WorkCalendar, date_of_day, day_of, from_kst_micros,
    to_kst_micros, to_seoul,
};
use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

const MICROS_PER_HOUR: i64 = 3600 * 1_000_000;

/// A pause of the clock (e.g. a supplement request, 보완요청). `end == None` while it runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pause {
    pub start: DateTime<Utc>,
    pub end: Option<DateTime<Utc>>,
}

/// Everything the due moment depends on (apart from the calendar and `now`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeadlineInput {
    /// Moment of receipt (접수).
    pub received: DateTime<Utc>,
    pub period: Period,
    #[serde(default)]
    pub pauses: Vec<Pause>,
    /// Extensions (처리기간 연장), applied in order.
    #[serde(default)]
    pub extensions: Vec<Period>,
}

impl DeadlineInput {
    /// A petition with no pause and no extension.
    pub fn new(received: DateTime<Utc>, period: Period) -> Self {
        DeadlineInput {
            received,
            period,
            pauses: Vec::new(),
            extensions: Vec::new(),
        }
    }
}

/// What a pause took out of the count.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Excluded {
    /// Working seconds (hour-counted periods).
    WorkingSeconds(i64),
    /// Calendar days, of which `working` were working days (day and calendar counting).
    Days { days: i64, working: i64 },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PauseEffect {
    pub start: DateTime<FixedOffset>,
    pub end: DateTime<FixedOffset>,
    /// The pause is still running; `end` is `now`.
    pub open: bool,
    pub excluded: Excluded,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExtensionEffect {
    pub period: Period,
    pub due_after: DateTime<FixedOffset>,
}

/// A breakdown of the computation, for the page that shows a resident how the due moment came
/// about. All times in Seoul time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Explanation {
    pub period: Period,
    pub mode: CountingMode,
    pub received: DateTime<FixedOffset>,
    /// Hour-counted: the first working moment at or after receipt. Day-counted: opening of
    /// day 1. Calendar: midnight of the receipt day.
    pub counting_starts: DateTime<FixedOffset>,
    /// The due moment without pauses or extensions.
    pub base_due: DateTime<FixedOffset>,
    pub pauses: Vec<PauseEffect>,
    pub extensions: Vec<ExtensionEffect>,
    pub due: DateTime<FixedOffset>,
}

/// Pauses resolved into KST microseconds, clipped to receipt, sorted and merged.
struct Pauses {
    /// [start, end) intervals, disjoint and sorted (hour counting).
    spans: Vec<(i64, i64)>,
    /// Inclusive day ranges, disjoint and sorted (day and calendar counting).
    days: Vec<(i64, i64)>,
}

impl Pauses {
    fn resolve(
        cal: &WorkCalendar,
        input: &DeadlineInput,
        now: DateTime<Utc>,
    ) -> Result<Self, DeadlineError> {
        let received = to_kst_micros(input.received);
        let now = to_kst_micros(now);
        let mut raw: Vec<(i64, i64)> = Vec::with_capacity(input.pauses.len());
        for p in &input.pauses {
            let start = to_kst_micros(p.start);
            let end = match p.end {
                Some(end) => {
                    if end < p.start {
                        return Err(DeadlineError::PauseEndsBeforeStart {
                            start: to_seoul(p.start).to_rfc3339(),
                            end: to_seoul(end).to_rfc3339(),
                        });
                    }
                    to_kst_micros(end)
                }
                // An open pause runs until now; one that starts after `now` has not begun.
                None if now <= start => continue,
                None => now,
            };
            if end <= received {
                continue; // entirely before receipt: nothing was being counted
            }
            raw.push((start.max(received), end));
        }
        raw.sort_unstable();
        let mut spans: Vec<(i64, i64)> = Vec::with_capacity(raw.len());
        let mut days: Vec<(i64, i64)> = Vec::with_capacity(raw.len());
        for &(s, e) in &raw {
            match spans.last_mut() {
                Some(last) if s <= last.1 => last.1 = last.1.max(e),
                _ => spans.push((s, e)),
            }
            let (ds, de) = (day_of(s), day_of(e));
            match days.last_mut() {
                Some(last) if ds <= last.1 + 1 => last.1 = last.1.max(de),
                _ => days.push((ds, de)),
            }
        }
        if cal.rules().hour_counted_pauses == PauseExclusion::WholeDays {
            // Setting: an hour count skips every paused date entirely.
            spans = days
                .iter()
                .map(|&(a, b)| ((a * MICROS_PER_DAY).max(received), (b + 1) * MICROS_PER_DAY))
                .collect();
        }
        spans.retain(|(s, e)| e > s);
        Ok(Pauses { spans, days })
    }

    fn day_paused(&self, day: i64) -> bool {
        self.days.iter().any(|&(a, b)| a <= day && day <= b)
    }
}

/// The engine: one calendar, one input's pauses.
struct Clock<'a> {
    cal: &'a WorkCalendar,
    pauses: Pauses,
}

impl Clock<'_> {
    /// A day that counts in day counting: a working day not in a pause.
    fn counted(&self, day: i64) -> Result<bool, DeadlineError> {
        Ok(self.cal.is_working(day)? && !self.pauses.day_paused(day))
    }

    /// The n-th counted day (n ≥ 1) starting at `from` (included).
    fn nth_counted_day(&self, from: i64, n: i64) -> Result<i64, DeadlineError> {
        let mut seen = 0;
        let mut day = from;
        loop {
            if self.counted(day)? {
                seen += 1;
                if seen == n {
                    return Ok(day);
                }
            }
            day += 1;
        }
    }

    /// `amount` working microseconds from `from`, skipping paused time.
    fn advance(&self, from: i64, amount: i64) -> Result<i64, DeadlineError> {
        let mut cursor = from;
        let mut remaining = amount;
        for &(ps, pe) in &self.pauses.spans {
            if pe <= cursor {
                continue;
            }
            if ps > cursor {
                let available = self.cal.working_between(cursor, ps)?;
                if available >= remaining {
                    break;
                }
                remaining -= available;
            }
            cursor = cursor.max(pe);
        }
        Ok(self.cal.advance(cursor, remaining, false)?)
    }

    /// Last day of a calendar period whose first day is `start`, before pauses and rolling.
    fn calendar_end(&self, start: i64, period: Period) -> Result<i64, DeadlineError> {
        let months = match period {
            Period::Weeks(w) => return Ok(start + 7 * i64::from(w) - 1),
            Period::Months(m) => i64::from(m),
            Period::Years(y) => 12 * i64::from(y),
            _ => return Ok(start),
        };
        let first = date_of_day(start);
        let index = i64::from(first.year()) * 12 + i64::from(first.month0()) + months;
        let too_far = || {
            DeadlineError::from(CalendarError::YearOutOfRange {
                year: i32::try_from(index.div_euclid(12)).unwrap_or(i32::MAX),
                first_year: self.cal.first_year(),
                last_year: self.cal.last_year(),
            })
        };
        // Beyond the calendar there is nothing to count (and chrono's range is not far off).
        let year = i32::try_from(index.div_euclid(12))
            .ok()
            .filter(|&y| y <= self.cal.last_year())
            .ok_or_else(too_far)?;
        let month = u32::try_from(index.rem_euclid(12) + 1).map_err(|_| too_far())?;
        let end = match NaiveDate::from_ymd_opt(year, month, first.day()) {
            // art. 160(2): the day before the corresponding day
            Some(corresponding) => corresponding.pred_opt(),
            // art. 160(3): no corresponding day: the last day of that month
            None => NaiveDate::from_ymd_opt(year, month, 1)
                .and_then(|d| d.checked_add_months(chrono::Months::new(1)))
                .and_then(|d| d.pred_opt()),
        }
        .ok_or_else(too_far)?;
        Ok(i64::from(end.to_epoch_days()))
    }

    /// Due day of a calendar period starting at `start`: its length in non-paused calendar
    /// days, then rolled forward to a counted (working, not paused) day.
    fn calendar_due_day(&self, start: i64, period: Period) -> Result<i64, DeadlineError> {
        let length = self.calendar_end(start, period)? - start + 1;
        let mut day = start;
        let mut seen = 0;
        loop {
            // Range check first, so a period reaching past the calendar is an error.
            self.cal.is_working(day)?;
            if !self.pauses.day_paused(day) {
                seen += 1;
                if seen == length {
                    break;
                }
            }
            day += 1;
        }
        while !self.counted(day)? {
            day += 1;
        }
        Ok(day)
    }

    /// Day 1 candidate of a day count: the receipt day, or (setting) the next day when
    /// received at or after closing time.
    fn first_count_day(&self, received: i64) -> i64 {
        let day = day_of(received);
        if self.cal.rules().after_hours_receipt_starts_next_day
            && received >= self.cal.day_close(day)
        {
            day + 1
        } else {
            day
        }
    }

    /// The moment a day-long count ends on its last day: closing time, or (setting, calendar
    /// periods only) midnight.
    fn end_of(&self, mode: CountingMode, day: i64) -> i64 {
        match (mode, self.cal.rules().calendar_period_end) {
            (CountingMode::Calendar, DayEnd::Midnight) => (day + 1) * MICROS_PER_DAY,
            _ => self.cal.day_close(day),
        }
    }

    /// Due moment (KST micros) of `period` counted from `received` in its own mode.
    fn base(&self, received: i64, period: Period) -> Result<i64, DeadlineError> {
        if period.count() == 0 {
            return Err(DeadlineError::ZeroPeriod);
        }
        match (period.counting_mode(), period.as_working_hours()) {
            (CountingMode::WorkingHours, Some(hours)) => {
                self.advance(received, hours_to_micros(hours)?)
            }
            (CountingMode::WorkingDays, _) => {
                let first = self.first_count_day(received);
                let day = self.nth_counted_day(first, i64::from(period.count()))?;
                Ok(self.cal.day_close(day))
            }
            (mode, _) => Ok(self.end_of(mode, self.calendar_due_day(day_of(received), period)?)),
        }
    }

    /// Applies one extension to the current due moment.
    fn extend(&self, mode: CountingMode, due: i64, ext: Period) -> Result<i64, DeadlineError> {
        if ext.count() == 0 {
            return Err(DeadlineError::ZeroPeriod);
        }
        match ext {
            Period::Hours(_) | Period::Immediate => {
                self.advance(due, hours_to_micros(ext.as_working_hours().unwrap_or(0))?)
            }
            Period::Days(n) if mode == CountingMode::WorkingHours => self.advance(
                due,
                hours_to_micros(u64::from(n) * u64::from(HOURS_PER_DAY))?,
            ),
            // The current due day: the day of the due moment (a midnight end belongs to the
            // day before, hence the 1 µs).
            Period::Days(n) => {
                let day = self.nth_counted_day(day_of(due - 1) + 1, i64::from(n))?;
                Ok(self.end_of(mode, day))
            }
            Period::Weeks(_) | Period::Months(_) | Period::Years(_) => {
                let day = self.calendar_due_day(day_of(due - 1) + 1, ext)?;
                Ok(self.end_of(CountingMode::Calendar, day))
            }
        }
    }

    fn due(&self, input: &DeadlineInput) -> Result<i64, DeadlineError> {
        let mode = input.period.counting_mode();
        let mut due = self.base(to_kst_micros(input.received), input.period)?;
        for &ext in &input.extensions {
            due = self.extend(mode, due, ext)?;
        }
        Ok(due)
    }

    /// Working microseconds in [a, b) outside pauses.
    fn counted_working_time(&self, a: i64, b: i64) -> Result<i64, DeadlineError> {
        let mut total = self.cal.working_between(a, b)?;
        for &(ps, pe) in &self.pauses.spans {
            let (lo, hi) = (ps.max(a), pe.min(b));
            if hi > lo {
                total -= self.cal.working_between(lo, hi)?;
            }
        }
        Ok(total)
    }
}

fn hours_to_micros(hours: u64) -> Result<i64, DeadlineError> {
    i64::try_from(hours)
        .ok()
        .and_then(|h| h.checked_mul(MICROS_PER_HOUR))
        .ok_or_else(|| DeadlineError::BadPeriod(format!("{hours}h")))
}

/// THE deadline function: the due moment of a petition. `now` only matters for open pauses,
/// which last until `now` (so while the clock is paused, the due moment moves forward).
///
/// Errors: a zero period or extension, a pause ending before it starts, or a day outside the
/// calendar's years. Never panics.
pub fn deadline(
    cal: &WorkCalendar,
    input: &DeadlineInput,
    now: DateTime<Utc>,
) -> Result<DateTime<Utc>, DeadlineError> {
    let clock = Clock {
        cal,
        pauses: Pauses::resolve(cal, input, now)?,
    };
    Ok(from_kst_micros(clock.due(input)?))
}

/// Working time left until the due moment at `now` (negative when overdue), paused time
/// excluded. Measured in working time (office hours of working days) whatever the counting
/// mode, for the queue's colours and for reminders.
pub fn working_time_left(
    cal: &WorkCalendar,
    input: &DeadlineInput,
    now: DateTime<Utc>,
) -> Result<TimeDelta, DeadlineError> {
    let clock = Clock {
        cal,
        pauses: Pauses::resolve(cal, input, now)?,
    };
    let due = clock.due(input)?;
    let now = to_kst_micros(now);
    let left = if now <= due {
        clock.counted_working_time(now, due)?
    } else {
        -clock.counted_working_time(due, now)?
    };
    Ok(TimeDelta::microseconds(left))
}

/// Working time elapsed since receipt at `now`, paused time excluded (zero before receipt).
pub fn working_time_elapsed(
    cal: &WorkCalendar,
    input: &DeadlineInput,
    now: DateTime<Utc>,
) -> Result<TimeDelta, DeadlineError> {
    let clock = Clock {
        cal,
        pauses: Pauses::resolve(cal, input, now)?,
    };
    let now = to_kst_micros(now);
    let received = to_kst_micros(input.received);
    Ok(TimeDelta::microseconds(
        clock.counted_working_time(received, now.max(received))?,
    ))
}

/// The computation step by step (same result as [`deadline`]), for residents and staff.
pub fn explain(
    cal: &WorkCalendar,
    input: &DeadlineInput,
    now: DateTime<Utc>,
) -> Result<Explanation, DeadlineError> {
    let pauses = Pauses::resolve(cal, input, now)?;
    let clock = Clock { cal, pauses };
    let bare = Clock {
        cal,
        pauses: Pauses {
            spans: Vec::new(),
            days: Vec::new(),
        },
    };
    let mode = input.period.counting_mode();
    let received = to_kst_micros(input.received);
    let counting_starts = match mode {
        CountingMode::WorkingHours => cal.advance(received, 0, true)?,
        CountingMode::WorkingDays => {
            cal.day_open(clock.nth_counted_day(clock.first_count_day(received), 1)?)
        }
        CountingMode::Calendar => day_of(received) * MICROS_PER_DAY,
    };
    let seoul = |t: i64| to_seoul(from_kst_micros(t));
    let mut pause_effects = Vec::new();
    for p in &input.pauses {
        let start = to_kst_micros(p.start).max(received);
        // The same pauses as `Pauses::resolve` keeps (reversed ones were rejected there).
        let end = match p.end {
            Some(e) => to_kst_micros(e),
            None if to_kst_micros(now) <= to_kst_micros(p.start) => continue, // not begun
            None => to_kst_micros(now),
        };
        if end <= received {
            continue; // entirely before receipt
        }
        let excluded = match mode {
            CountingMode::WorkingHours => {
                let (a, b) = match cal.rules().hour_counted_pauses {
                    PauseExclusion::WorkingTime => (start, end),
                    PauseExclusion::WholeDays => (
                        (day_of(start) * MICROS_PER_DAY).max(received),
                        (day_of(end) + 1) * MICROS_PER_DAY,
                    ),
                };
                Excluded::WorkingSeconds(cal.working_between(a, b)? / 1_000_000)
            }
            _ => {
                let (a, b) = (day_of(start), day_of(end));
                let mut working = 0;
                for day in a..=b {
                    if cal.is_working(day)? {
                        working += 1;
                    }
                }
                Excluded::Days {
                    days: b - a + 1,
                    working,
                }
            }
        };
        pause_effects.push(PauseEffect {
            start: seoul(start),
            end: seoul(end),
            open: p.end.is_none(),
            excluded,
        });
    }
    let mut due = clock.base(received, input.period)?;
    let mut extensions = Vec::new();
    for &ext in &input.extensions {
        due = clock.extend(mode, due, ext)?;
        extensions.push(ExtensionEffect {
            period: ext,
            due_after: seoul(due),
        });
    }
    Ok(Explanation {
        period: input.period,
        mode,
        received: to_seoul(input.received),
        counting_starts: seoul(counting_starts),
        base_due: seoul(bare.base(received, input.period)?),
        pauses: pause_effects,
        extensions,
        due: seoul(due),
    })
}

impl Explanation {
    /// The breakdown in Korean, one line per step, for the resident's page and the CLI.
    pub fn korean_lines(&self) -> Vec<String> {
        let moment = |t: &DateTime<FixedOffset>| t.format("%Y-%m-%d %H:%M").to_string();
        let day = |t: &DateTime<FixedOffset>| t.format("%Y-%m-%d").to_string();
        let mut lines = Vec::new();
        let period = self.period.korean();
        lines.push(match self.mode {
            CountingMode::WorkingHours => format!(
                "처리기간: {period} — 근무시간으로 계산 ({}근무시간, 1일 = 8시간)",
                self.period.as_working_hours().unwrap_or(0)
            ),
            CountingMode::WorkingDays => {
                format!("처리기간: {period} — 근무일로 계산 (접수일이 근무일이면 첫날 산입)")
            }
            CountingMode::Calendar => {
                format!("처리기간: {period} — 역일로 계산 (첫날 산입, 민법 제159조~제161조)")
            }
        });
        lines.push(format!("접수: {}", moment(&self.received)));
        lines.push(match self.mode {
            CountingMode::WorkingHours => format!("기산: {}", moment(&self.counting_starts)),
            _ => format!("기산일: {}", day(&self.counting_starts)),
        });
        lines.push(format!("정지·연장 전 처리기한: {}", moment(&self.base_due)));
        for p in &self.pauses {
            let what = match p.excluded {
                Excluded::WorkingSeconds(s) => {
                    format!("근무시간 {}시간 {}분 제외", s / 3600, (s % 3600) / 60)
                }
                Excluded::Days { days, working } => {
                    format!("{days}일(근무일 {working}일) 제외")
                }
            };
            let end = if p.open {
                "진행 중".to_string()
            } else {
                moment(&p.end)
            };
            lines.push(format!("처리 정지: {} ~ {end} ({what})", moment(&p.start)));
        }
        for e in &self.extensions {
            lines.push(format!(
                "연장: {} → {}",
                e.period.korean(),
                moment(&e.due_after)
            ));
        }
        lines.push(format!("처리기한: {}", moment(&self.due)));
        lines
    }
}
