//! How long a completed petition is kept (보존 기간) and what is counted when it goes.

use super::*;

/// Years a completed petition is kept unless its type says otherwise (the consent text
/// promises 10 years from the 1 January after completion).
pub const DEFAULT_RETENTION_YEARS: u32 = 10;

/// The first moment a petition completed at `completed` may be deleted: 1 January (Seoul) of
/// the year after completion, plus `years`.
pub fn retention_ends(completed: DateTime<Utc>, years: u32) -> DateTime<Utc> {
    use chrono::Datelike;
    let year =
        calendar::to_seoul(completed).year() + 1 + i32::try_from(years).unwrap_or(i32::MAX / 2);
    new_year_in_seoul(year)
}

/// Petitions completed before this moment have reached the end of a `years` retention at
/// `now` (the inverse of [`retention_ends`]: completion before 1 January of `now`'s year
/// minus `years`).
pub fn retention_cutoff(now: DateTime<Utc>, years: u32) -> DateTime<Utc> {
    use chrono::Datelike;
    let year = calendar::to_seoul(now).year() - i32::try_from(years).unwrap_or(i32::MAX / 2);
    new_year_in_seoul(year)
}

/// Midnight of 1 January of `year` in Seoul (no daylight saving there, so it always exists).
pub(super) fn new_year_in_seoul(year: i32) -> DateTime<Utc> {
    use chrono::TimeZone;
    let year = year.clamp(1, 9999);
    calendar::seoul()
        .with_ymd_and_hms(year, 1, 1, 0, 0, 0)
        .single()
        .map_or(DateTime::<Utc>::MAX_UTC, |t| t.with_timezone(&Utc))
}

impl Derived {
    /// Whether the first answer came before the due moment that applied then (the anonymous
    /// statistics kept after deletion count it).
    pub fn answered_on_time(&self, cal: &WorkCalendar) -> bool {
        let Some(first) = self.answers.iter().find(|a| !a.additional) else {
            return false;
        };
        self.deadline_input(first.at).is_some_and(|input| {
            calendar::deadline(cal, &input, first.at).is_ok_and(|due| first.at <= due)
        })
    }
}
