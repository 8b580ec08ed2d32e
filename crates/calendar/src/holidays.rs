//! Public holidays (공휴일) of the Republic of Korea, 1990–2100, as the 관공서의 공휴일에 관한
//! 규정 (arts. 2–3, as amended 2026-04-30) and its history define them. Sundays are days off
//! too but are not listed: [`holidays`] returns the named holidays only.
//!
//! What is rule and what is data:
//! * fixed (solar) and lunar holidays follow the regulation and its history (below);
//! * substitute holidays (대체공휴일) follow art. 3 with each holiday's start year;
//! * election days are a table for the past (1990–2026) and the Public Official Election Act
//!   art. 34 formula from 2027 on (see [`election_days`]);
//! * temporary holidays (임시공휴일) are seeded with every known past one;
//! * everything an administrator edits comes in as [`HolidayData`]: extra days (a new temporary
//!   holiday, a by-election, a local holiday) and removed dates (e.g. a formula election date
//!   that turned out different).
//!
//! History encoded here (from the regulation's amendments; checked against PyPI `holidays`):
//! * 1월 2일 was a holiday until 1998 (1월 3일 until 1989, before our range);
//! * 식목일 (5 Apr) until 2005; 국군의 날 (1 Oct) until 1990;
//! * 제헌절 (17 Jul) until 2007 and again from 2026; 노동절 (1 May) from 2026;
//! * 한글날 (9 Oct) not a holiday 1991–2012;
//! * 설날 and 추석 are three days in the whole range (설날 became three days in 1989).

use crate::error::CalendarError;
use crate::lunar::{LunarDate, last_day_of_lunar_year, lunar_to_solar};
use chrono::{Datelike, Days, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};

/// Years for which holidays are known.
pub const FIRST_HOLIDAY_YEAR: i32 = 1990;
pub const LAST_HOLIDAY_YEAR: i32 = 2100;

/// What kind of holiday a day is. Serialised in lowercase (`"lunar"`, `"substitute"`, ...).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum HolidayKind {
    /// A fixed solar date (3·1절, 어린이날, ...).
    Fixed,
    /// A lunar date (설날, 부처님오신날, 추석).
    Lunar,
    /// A substitute holiday (대체공휴일).
    Substitute,
    /// Election day of a regular (or early presidential) election (선거일).
    Election,
    /// A temporary holiday designated by the government (임시공휴일).
    Temporary,
    /// A local holiday (지방공휴일) an office adds; whether it counts is a setting.
    Local,
}

impl HolidayKind {
    /// Lowercase English name, as in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            HolidayKind::Fixed => "fixed",
            HolidayKind::Lunar => "lunar",
            HolidayKind::Substitute => "substitute",
            HolidayKind::Election => "election",
            HolidayKind::Temporary => "temporary",
            HolidayKind::Local => "local",
        }
    }
}

impl std::str::FromStr for HolidayKind {
    type Err = CalendarError;

    /// Parses the lowercase names (`"temporary"`, `"local"`, ...), as the database stores them.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s.trim() {
            "fixed" => HolidayKind::Fixed,
            "lunar" => HolidayKind::Lunar,
            "substitute" => HolidayKind::Substitute,
            "election" => HolidayKind::Election,
            "temporary" => HolidayKind::Temporary,
            "local" => HolidayKind::Local,
            other => return Err(CalendarError::UnknownHolidayKind(other.to_string())),
        })
    }
}

/// One holiday. Two holidays may share a date (2025-05-05: 어린이날 and 부처님오신날).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Holiday {
    pub date: NaiveDate,
    /// Korean name, e.g. `설날`, `대체공휴일(어린이날)`.
    pub name: String,
    pub kind: HolidayKind,
}

/// A row of administrator-edited holiday data: the same shape as [`Holiday`].
pub type HolidayEntry = Holiday;

/// Holiday data an administrator edits (stored by the database layer, passed in here).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HolidayData {
    /// Days added: temporary holidays, by-elections, a corrected election date, local holidays.
    /// They are holidays as given; they do not themselves get substitute holidays (an
    /// administrator adds those too, as the government announces them), but they do count as
    /// "another holiday" when a substitute day is placed.
    #[serde(default)]
    pub extra: Vec<HolidayEntry>,
    /// Dates whose built-in holidays (of any kind, substitutes included) are dropped.
    /// Entries of `extra` are never dropped.
    #[serde(default)]
    pub removed: Vec<NaiveDate>,
    /// Whether local holidays (지방공휴일, kind `local`) are working days for deadlines.
    /// The law is unsettled; default `false`: an office that enters a local holiday is closed.
    #[serde(default)]
    pub local_holidays_are_working_days: bool,
}

impl HolidayData {
    /// Builds the data from rows as the database keeps them: `(date, name, kind, removed)`,
    /// where a row with `removed` cancels the built-in holidays of its date and any other row
    /// adds a holiday of that kind. Local holidays are days off (see the field to change it).
    pub fn from_rows<'a>(
        rows: impl IntoIterator<Item = (NaiveDate, &'a str, &'a str, bool)>,
    ) -> Result<Self, CalendarError> {
        let mut data = HolidayData::default();
        for (date, name, kind, removed) in rows {
            if removed {
                data.removed.push(date);
            } else {
                data.extra.push(Holiday {
                    date,
                    name: name.to_string(),
                    kind: kind.parse()?,
                });
            }
        }
        Ok(data)
    }
}

/// When a holiday gets a substitute day: from `since`, if it falls on a Sunday, on another
/// holiday, or (when `saturday`) on a Saturday.
#[derive(Debug, Clone, Copy)]
struct SubstituteRule {
    since: i32,
    saturday: bool,
}

/// 설날/추석 (from 2014): Sunday or another holiday, not Saturday.
const SUB_FESTIVAL: SubstituteRule = SubstituteRule {
    since: 2014,
    saturday: false,
};
/// 어린이날 (from 2014): Saturday, Sunday or another holiday.
const SUB_CHILDREN: SubstituteRule = SubstituteRule {
    since: 2014,
    saturday: true,
};
/// 광복절, 개천절, 한글날 (from 2021).
const SUB_2021: SubstituteRule = SubstituteRule {
    since: 2021,
    saturday: true,
};
/// 3·1절 (from 2022).
const SUB_2022: SubstituteRule = SubstituteRule {
    since: 2022,
    saturday: true,
};
/// 부처님오신날, 성탄절 (from 2023).
const SUB_2023: SubstituteRule = SubstituteRule {
    since: 2023,
    saturday: true,
};
/// 노동절, 제헌절 (from 2026).
const SUB_2026: SubstituteRule = SubstituteRule {
    since: 2026,
    saturday: true,
};

/// A built-in holiday before substitutes are placed.
struct Entry {
    date: NaiveDate,
    name: String,
    kind: HolidayKind,
    rule: Option<SubstituteRule>,
}

/// Election days 1990–2026, from the National Election Commission's records
/// (checked against PyPI `holidays`). Later ones come from [`statutory_election_days`].
const PAST_ELECTIONS: &[(i32, u32, u32, &str)] = &[
    (1991, 3, 26, "지방선거일"), // 기초의회
    (1991, 6, 20, "지방선거일"), // 광역의회
    (1992, 3, 24, "국회의원 선거일"),
    (1992, 12, 18, "대통령 선거일"),
    (1995, 6, 27, "지방선거일"),
    (1996, 4, 11, "국회의원 선거일"),
    (1997, 12, 18, "대통령 선거일"),
    (1998, 6, 4, "지방선거일"),
    (2000, 4, 13, "국회의원 선거일"),
    (2002, 6, 13, "지방선거일"),
    (2002, 12, 19, "대통령 선거일"),
    (2004, 4, 15, "국회의원 선거일"),
    (2006, 5, 31, "지방선거일"),
    (2007, 12, 19, "대통령 선거일"),
    (2008, 4, 9, "국회의원 선거일"),
    (2010, 6, 2, "지방선거일"),
    (2012, 4, 11, "국회의원 선거일"),
    (2012, 12, 19, "대통령 선거일"),
    (2014, 6, 4, "지방선거일"),
    (2016, 4, 13, "국회의원 선거일"),
    (2017, 5, 9, "대통령 선거일"), // early election after the impeachment
    (2018, 6, 13, "지방선거일"),
    (2020, 4, 15, "국회의원 선거일"),
    (2022, 3, 9, "대통령 선거일"),
    (2022, 6, 1, "지방선거일"),
    (2024, 4, 10, "국회의원 선거일"),
    (2025, 6, 3, "대통령 선거일"), // early election after the impeachment
    (2026, 6, 3, "지방선거일"),
];

/// Last year covered by [`PAST_ELECTIONS`]; the formula applies after it.
const LAST_PAST_ELECTION_YEAR: i32 = 2026;

/// Temporary holidays (임시공휴일) designated so far, 1990 on.
pub const SEEDED_TEMPORARY_HOLIDAYS: &[(i32, u32, u32, &str)] = &[
    (2002, 7, 1, "임시공휴일(월드컵 4강)"),
    (2015, 8, 14, "임시공휴일"),
    (2016, 5, 6, "임시공휴일"),
    (2017, 10, 2, "임시공휴일"),
    (2020, 8, 17, "임시공휴일"),
    (2023, 10, 2, "임시공휴일"),
    (2024, 10, 1, "임시공휴일(국군의 날)"),
    (2025, 1, 27, "임시공휴일"),
];

fn ymd(year: i32, month: u32, day: u32) -> Result<NaiveDate, CalendarError> {
    NaiveDate::from_ymd_opt(year, month, day).ok_or(CalendarError::YearOutOfRange {
        year,
        first_year: FIRST_HOLIDAY_YEAR,
        last_year: LAST_HOLIDAY_YEAR,
    })
}

fn add_days(date: NaiveDate, n: i64) -> NaiveDate {
    // Dates here are 1990–2101: adding a few days can never leave chrono's range.
    if n >= 0 {
        date.checked_add_days(Days::new(n.unsigned_abs()))
            .unwrap_or(date)
    } else {
        date.checked_sub_days(Days::new(n.unsigned_abs()))
            .unwrap_or(date)
    }
}

fn check_year(year: i32) -> Result<(), CalendarError> {
    if (FIRST_HOLIDAY_YEAR..=LAST_HOLIDAY_YEAR).contains(&year) {
        Ok(())
    } else {
        Err(CalendarError::YearOutOfRange {
            year,
            first_year: FIRST_HOLIDAY_YEAR,
            last_year: LAST_HOLIDAY_YEAR,
        })
    }
}

/// Fixed and lunar holidays of a year (no substitutes, elections or temporary holidays).
fn fixed_and_lunar(year: i32) -> Result<Vec<Entry>, CalendarError> {
    let mut out = Vec::with_capacity(20);
    let mut fixed = |month: u32, day: u32, name: &str, rule: Option<SubstituteRule>| {
        ymd(year, month, day).map(|date| {
            out.push(Entry {
                date,
                name: name.to_string(),
                kind: HolidayKind::Fixed,
                rule,
            })
        })
    };
    fixed(1, 1, "신정", None)?;
    if year <= 1998 {
        fixed(1, 2, "신정 연휴", None)?;
    }
    fixed(3, 1, "3·1절", Some(SUB_2022))?;
    if year <= 2005 {
        fixed(4, 5, "식목일", None)?;
    }
    if year >= 2026 {
        fixed(5, 1, "노동절", Some(SUB_2026))?;
    }
    fixed(5, 5, "어린이날", Some(SUB_CHILDREN))?;
    fixed(6, 6, "현충일", None)?;
    if year <= 2007 || year >= 2026 {
        fixed(7, 17, "제헌절", Some(SUB_2026))?;
    }
    fixed(8, 15, "광복절", Some(SUB_2021))?;
    if year <= 1990 {
        fixed(10, 1, "국군의 날", None)?;
    }
    fixed(10, 3, "개천절", Some(SUB_2021))?;
    if !(1991..=2012).contains(&year) {
        fixed(10, 9, "한글날", Some(SUB_2021))?;
    }
    fixed(12, 25, "성탄절", Some(SUB_2023))?;

    let mut lunar = |date: NaiveDate, name: &str, rule: SubstituteRule| {
        out.push(Entry {
            date,
            name: name.to_string(),
            kind: HolidayKind::Lunar,
            rule: Some(rule),
        })
    };
    let seollal = lunar_to_solar(LunarDate::new(year, 1, 1, false))?;
    lunar(last_day_of_lunar_year(year - 1)?, "설날 전날", SUB_FESTIVAL);
    lunar(seollal, "설날", SUB_FESTIVAL);
    lunar(add_days(seollal, 1), "설날 다음날", SUB_FESTIVAL);
    lunar(
        lunar_to_solar(LunarDate::new(year, 4, 8, false))?,
        "부처님오신날",
        SUB_2023,
    );
    let chuseok = lunar_to_solar(LunarDate::new(year, 8, 15, false))?;
    lunar(add_days(chuseok, -1), "추석 전날", SUB_FESTIVAL);
    lunar(chuseok, "추석", SUB_FESTIVAL);
    lunar(add_days(chuseok, 1), "추석 다음날", SUB_FESTIVAL);
    Ok(out)
}

fn first_wednesday_on_or_after(date: NaiveDate) -> NaiveDate {
    let ahead = (7 + 2 - i64::from(date.weekday().num_days_from_monday())) % 7;
    add_days(date, ahead)
}

/// Election days a year gets by the Public Official Election Act, from 2027 on.
///
/// Art. 34(1): the election is held on the first Wednesday from the Nth day before the term
/// ends — presidential 70th (the term that began with the 2025 early election ends on
/// 3 June, so from 25 March, in 2030, 2035, ...), National Assembly 50th (term ends 29 May:
/// from 9 April, in 2028, 2032, ...), local 30th (term ends 30 June: from 31 May, in 2030,
/// 2034, ...). Art. 34(2): if that Wednesday is a holiday or folk festival, or the day before
/// or after it is a holiday, the election moves to the Wednesday of the next week.
/// Early elections cannot be predicted: an administrator adds them as data.
pub fn statutory_election_days(year: i32) -> Result<Vec<(NaiveDate, &'static str)>, CalendarError> {
    check_year(year)?;
    let mut out = Vec::new();
    if year <= LAST_PAST_ELECTION_YEAR {
        return Ok(out);
    }
    let holidays: Vec<NaiveDate> = fixed_and_lunar(year)?.iter().map(|e| e.date).collect();
    let clash = |d: NaiveDate| {
        [-1, 0, 1]
            .iter()
            .any(|&k| holidays.contains(&add_days(d, k)))
    };
    let mut push = |from: NaiveDate, name: &'static str| {
        let mut day = first_wednesday_on_or_after(from);
        for _ in 0..4 {
            if !clash(day) {
                break;
            }
            day = add_days(day, 7);
        }
        out.push((day, name));
    };
    if (year - 2030) % 5 == 0 {
        push(ymd(year, 3, 25)?, "대통령 선거일");
    }
    if year % 4 == 0 {
        push(ymd(year, 4, 9)?, "국회의원 선거일");
    }
    if year % 4 == 2 {
        push(ymd(year, 5, 31)?, "지방선거일");
    }
    Ok(out)
}

/// Election days of a year: the past table up to 2026, the formula after.
pub fn election_days(year: i32) -> Result<Vec<(NaiveDate, &'static str)>, CalendarError> {
    check_year(year)?;
    if year > LAST_PAST_ELECTION_YEAR {
        return statutory_election_days(year);
    }
    PAST_ELECTIONS
        .iter()
        .filter(|e| e.0 == year)
        .map(|&(y, m, d, name)| ymd(y, m, d).map(|date| (date, name)))
        .collect()
}

/// Built-in holidays of a year (no administrator data).
pub fn statutory_holidays(year: i32) -> Result<Vec<Holiday>, CalendarError> {
    holidays(year, &HolidayData::default())
}

/// All holidays of a year, sorted by date (then kind, then name), built-in ones adjusted by
/// the administrator's data. Errors for years outside 1990–2100.
pub fn holidays(year: i32, data: &HolidayData) -> Result<Vec<Holiday>, CalendarError> {
    check_year(year)?;
    let mut entries = fixed_and_lunar(year)?;
    for (date, name) in election_days(year)? {
        entries.push(Entry {
            date,
            name: name.to_string(),
            kind: HolidayKind::Election,
            rule: None,
        });
    }
    for &(y, m, d, name) in SEEDED_TEMPORARY_HOLIDAYS.iter().filter(|t| t.0 == year) {
        entries.push(Entry {
            date: ymd(y, m, d)?,
            name: name.to_string(),
            kind: HolidayKind::Temporary,
            rule: None,
        });
    }
    entries.retain(|e| !data.removed.contains(&e.date));
    for extra in data.extra.iter().filter(|h| h.date.year() == year) {
        entries.push(Entry {
            date: extra.date,
            name: extra.name.clone(),
            kind: extra.kind,
            rule: None,
        });
    }
    entries.sort_by_key(|e| e.date);

    // Substitute holidays (art. 3). Local holidays are not 공휴일 and play no part here.
    let public: Vec<NaiveDate> = entries
        .iter()
        .filter(|e| e.kind != HolidayKind::Local)
        .map(|e| e.date)
        .collect();
    let mut substitutes: Vec<Holiday> = Vec::new();
    let mut i = 0;
    while i < entries.len() {
        let date = entries[i].date;
        let same_day: Vec<&Entry> = entries[i..].iter().take_while(|e| e.date == date).collect();
        i += same_day.len();
        let overlap = public.iter().filter(|&&d| d == date).count() > 1;
        let names: Vec<&str> = same_day
            .iter()
            .filter(|e| match e.rule {
                Some(rule) if year >= rule.since => {
                    overlap
                        || date.weekday() == Weekday::Sun
                        || (rule.saturday && date.weekday() == Weekday::Sat)
                }
                _ => false,
            })
            .map(|e| e.name.as_str())
            .collect();
        if names.is_empty() {
            continue;
        }
        // The first following day that is not a Saturday, a Sunday, a holiday or an already
        // placed substitute. One substitute per date, however many holidays share it
        // (2025-05-05 어린이날 + 부처님오신날 gave one day, 2025-05-06).
        let mut day = add_days(date, 1);
        while matches!(day.weekday(), Weekday::Sat | Weekday::Sun)
            || public.contains(&day)
            || substitutes.iter().any(|s| s.date == day)
        {
            day = add_days(day, 1);
        }
        // Both days of a multi-day festival may trigger (설날 on Sunday and 설날 다음날 on
        // 3·1절 would be two lost days): each gets its own substitute, named after it.
        substitutes.push(Holiday {
            date: day,
            name: format!("대체공휴일({})", festival_name(&names)),
            kind: HolidayKind::Substitute,
        });
    }
    substitutes.retain(|s| !data.removed.contains(&s.date));

    let mut out: Vec<Holiday> = entries
        .into_iter()
        .map(|e| Holiday {
            date: e.date,
            name: e.name,
            kind: e.kind,
        })
        .chain(substitutes)
        .collect();
    out.sort_by(|a, b| (a.date, a.kind, &a.name).cmp(&(b.date, b.kind, &b.name)));
    out.dedup();
    Ok(out)
}

/// `설날 전날` → `설날`: a substitute is named after the festival, not the day.
fn festival_name(names: &[&str]) -> String {
    let mut base: Vec<&str> = names
        .iter()
        .map(|n| n.trim_end_matches(" 전날").trim_end_matches(" 다음날"))
        .collect();
    base.dedup();
    base.join("·")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(year: i32) -> Vec<(String, String)> {
        statutory_holidays(year)
            .unwrap()
            .into_iter()
            .map(|h| (h.date.to_string(), h.name))
            .collect()
    }

    fn has(year: i32, date: &str, name: &str) -> bool {
        list(year).iter().any(|(d, n)| d == date && n == name)
    }

    #[test]
    fn year_2026() {
        let got = list(2026);
        let want = [
            ("2026-01-01", "신정"),
            ("2026-02-16", "설날 전날"),
            ("2026-02-17", "설날"),
            ("2026-02-18", "설날 다음날"),
            ("2026-03-01", "3·1절"),
            ("2026-03-02", "대체공휴일(3·1절)"),
            ("2026-05-01", "노동절"),
            ("2026-05-05", "어린이날"),
            ("2026-05-24", "부처님오신날"),
            ("2026-05-25", "대체공휴일(부처님오신날)"),
            ("2026-06-03", "지방선거일"),
            ("2026-06-06", "현충일"),
            ("2026-07-17", "제헌절"),
            ("2026-08-15", "광복절"),
            ("2026-08-17", "대체공휴일(광복절)"),
            ("2026-09-24", "추석 전날"),
            ("2026-09-25", "추석"),
            ("2026-09-26", "추석 다음날"),
            ("2026-10-03", "개천절"),
            ("2026-10-05", "대체공휴일(개천절)"),
            ("2026-10-09", "한글날"),
            ("2026-12-25", "성탄절"),
        ];
        let want: Vec<(String, String)> = want
            .iter()
            .map(|(d, n)| (d.to_string(), n.to_string()))
            .collect();
        assert_eq!(got, want);
    }

    #[test]
    fn history() {
        assert!(has(1998, "1998-01-02", "신정 연휴"));
        assert!(!has(1999, "1999-01-02", "신정 연휴"));
        assert!(has(2005, "2005-04-05", "식목일"));
        assert!(!has(2006, "2006-04-05", "식목일"));
        assert!(has(2007, "2007-07-17", "제헌절"));
        assert!(!has(2008, "2008-07-17", "제헌절"));
        assert!(!has(2025, "2025-05-01", "노동절"));
        assert!(has(1990, "1990-10-09", "한글날"));
        assert!(!has(1991, "1991-10-09", "한글날"));
        assert!(!has(2012, "2012-10-09", "한글날"));
        assert!(has(2013, "2013-10-09", "한글날"));
        assert!(has(1990, "1990-10-01", "국군의 날"));
    }

    #[test]
    fn substitutes() {
        // 2014 추석 Sep 7 (Sun) - 9: substitute Wed Sep 10.
        assert!(has(2014, "2014-09-10", "대체공휴일(추석)"));
        // 2025 어린이날 and 부처님오신날 on Mon 5 May: one substitute, Tue 6 May.
        let may: Vec<_> = list(2025)
            .into_iter()
            .filter(|(d, _)| d.starts_with("2025-05"))
            .collect();
        assert_eq!(may.iter().filter(|(_, n)| n.starts_with("대체")).count(), 1);
        assert!(has(2025, "2025-05-06", "대체공휴일(어린이날·부처님오신날)"));
        // 3·1절 2020 fell on a Sunday: no substitute before 2022.
        assert!(
            !list(2020)
                .iter()
                .any(|(_, n)| n.contains("3·1절") && n.starts_with("대체"))
        );
        // 노동절 2027 on Saturday: substitute Mon 3 May.
        assert!(has(2027, "2027-05-03", "대체공휴일(노동절)"));
        // 2029 설날 다음날 is a Saturday? No substitute for Saturdays of 설날.
        // 2033: 설날 on Monday 31 Jan, 전날 on Sunday 30 Jan -> substitute Wed 2 Feb.
        assert!(has(2033, "2033-02-02", "대체공휴일(설날)"));
    }

    #[test]
    fn elections() {
        assert_eq!(
            election_days(2028).unwrap(),
            vec![(ymd(2028, 4, 12).unwrap(), "국회의원 선거일")]
        );
        // 2030: presidential from 25 Mar -> Wed 27 Mar; local from 31 May -> Wed 5 Jun, but
        // 6 Jun (현충일) is the next day, so it moves to Wed 12 Jun.
        assert_eq!(
            election_days(2030).unwrap(),
            vec![
                (ymd(2030, 3, 27).unwrap(), "대통령 선거일"),
                (ymd(2030, 6, 12).unwrap(), "지방선거일")
            ]
        );
        assert!(has(2017, "2017-05-09", "대통령 선거일"));
    }

    #[test]
    fn admin_data() {
        let data = HolidayData {
            extra: vec![Holiday {
                date: ymd(2027, 6, 2).unwrap(),
                name: "시민의 날".into(),
                kind: HolidayKind::Local,
            }],
            removed: vec![ymd(2026, 6, 3).unwrap()],
            local_holidays_are_working_days: false,
        };
        assert!(
            holidays(2026, &data)
                .unwrap()
                .iter()
                .all(|h| h.name != "지방선거일")
        );
        assert!(
            holidays(2027, &data)
                .unwrap()
                .iter()
                .any(|h| h.kind == HolidayKind::Local)
        );
        assert!(holidays(1989, &data).is_err());
        assert!(holidays(2101, &data).is_err());
    }

    #[test]
    fn from_database_rows() {
        let d = |s: &str| s.parse::<NaiveDate>().unwrap();
        let data = HolidayData::from_rows([
            (d("2026-06-03"), "지방선거일", "election", true),
            (d("2026-06-10"), "지방선거일", "election", false),
            (d("2026-11-24"), "시민의 날", "local", false),
        ])
        .unwrap();
        assert_eq!(data.removed, vec![d("2026-06-03")]);
        assert_eq!(data.extra.len(), 2);
        assert_eq!(data.extra[1].kind, HolidayKind::Local);
        let list = holidays(2026, &data).unwrap();
        assert!(
            list.iter()
                .any(|h| h.date == d("2026-06-10") && h.kind == HolidayKind::Election)
        );
        assert!(!list.iter().any(|h| h.date == d("2026-06-03")));
        assert!(HolidayData::from_rows([(d("2026-01-01"), "x", "weekly", false)]).is_err());
    }

    #[test]
    fn serde_kind_is_lowercase() {
        let h = Holiday {
            date: ymd(2026, 2, 17).unwrap(),
            name: "설날".into(),
            kind: HolidayKind::Lunar,
        };
        assert_eq!(
            serde_json::to_string(&h).unwrap(),
            r#"{"date":"2026-02-17","name":"설날","kind":"lunar"}"#
        );
    }
}
