//! Korean working calendar and the statutory clock of Minwon.
//!
//! * [`lunar`]: Korean lunar calendar (KASI), 1900–2100.
//! * [`holidays`]: public holidays 1990–2100 with their history, substitute holidays, election
//!   days, temporary and local holidays (administrator data comes in as [`HolidayData`]).
//! * [`WorkCalendar`]: working days as a precomputed bitset, plus office hours (Asia/Seoul,
//!   fixed +09:00).
//! * [`deadline()`]: the one function that computes a due moment (처리기한) from receipt,
//!   period, pauses and extensions; [`working_time_left`], [`working_time_elapsed`] and
//!   [`explain`] use the same engine.
//!
//! The crate is pure: no I/O, no system clock (chrono is built without its `clock` feature);
//! time comes in as arguments. Errors are values ([`CalendarError`], [`DeadlineError`]).
//! See `docs/calendar.md` for every rule and every edge case.
//!
//! ```
//! use calendar::chrono::{DateTime, Utc};
//! use calendar::{DeadlineInput, WorkCalendar, deadline, explain, to_seoul};
//!
//! let cal = WorkCalendar::standard()?; // 1990–2100, built-in holidays, 09–18 with lunch
//! let received: DateTime<Utc> = "2026-11-23T10:00:00+09:00".parse()?;
//! let input = DeadlineInput::new(received, "3d".parse()?);
//! let due = deadline(&cal, &input, received)?;
//! assert_eq!(to_seoul(due).to_rfc3339(), "2026-11-26T10:00:00+09:00");
//! assert_eq!(explain(&cal, &input, received)?.korean_lines().last().unwrap(), "처리기한: 2026-11-26 10:00");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod deadline;
mod error;
pub mod holidays;
pub mod lunar;
mod lunar_table;
mod period;
mod work;

pub use chrono;
pub use deadline::{
    DeadlineInput, Excluded, Explanation, ExtensionEffect, Pause, PauseEffect, deadline, explain,
    working_time_elapsed, working_time_left,
};
pub use error::{CalendarError, DeadlineError};
pub use holidays::{Holiday, HolidayData, HolidayEntry, HolidayKind, holidays as holidays_in_year};
pub use lunar::{LunarDate, lunar_to_solar, solar_to_lunar};
pub use period::{CountingMode, HOURS_PER_DAY, IMMEDIATE_HOURS, Period};
pub use work::{
    DayEnd, DeadlineRules, OfficeHours, PauseExclusion, SEOUL, WorkCalendar, seoul, to_seoul,
};
