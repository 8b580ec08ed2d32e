//! A schedule of the after-hours reception (야간·휴일 민원실) as a recurrence rule.
//!
//! The rule is RFC 5545 RRULE text ("FREQ=MONTHLY;BYDAY=2TH,4TH") with an explicit anchor date
//! (DTSTART, Korean time). The anchor is stored, never recomputed, so "every other Thursday"
//! keeps the same weeks when the schedule is saved again (laravel-zap #76 in
//! SERVICE_ACCESS.md). Public holidays (공휴일) do not open; a dated exception closes an evening
//! or adds one with its own times.

use std::collections::{BTreeMap, BTreeSet};

use calendar::HolidayData;
use calendar::chrono::{
    DateTime, Datelike, FixedOffset, NaiveDate, NaiveTime, TimeDelta, TimeZone, Utc, Weekday,
};
use rrule::{Frequency, NWeekday, RRule, RRuleSet, Tz, Unvalidated};
use serde::{Deserialize, Serialize};

use crate::Invalid;
use crate::RuleError;

/// How far ahead a rule must yield an evening, and how far [`upcoming`] looks: two years, so a
/// yearly rule ("the last Saturday of December") still shows its next date.
pub const HORIZON_DAYS: i64 = 731;

/// Recurrences looked at in one listing at most: a daily rule over the horizon is 731, so this
/// only stops a rule that would never end its search.
const MAX_CANDIDATES: usize = 2_000;

/// One after-hours schedule as the administrator sets it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Schedule {
    /// RRULE text, with or without the `RRULE:` prefix: `FREQ=WEEKLY;INTERVAL=2;BYDAY=TH`.
    /// An end, if any, is its `UNTIL` (UTC, as RFC 5545 requires) or `COUNT`.
    pub rule: String,
    /// The first day the rule counts from (DTSTART), in Korean time.
    pub anchor: NaiveDate,
    /// Opening and closing time of each evening, Korean time.
    pub opens: NaiveTime,
    pub closes: NaiveTime,
    /// Dated exceptions, at most one per date.
    pub exceptions: Vec<Exception>,
}

/// A dated change to the rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Exception {
    pub date: NaiveDate,
    // One flat JSON object per exception: {"date", "kind": "closed", "reason"}.
    #[serde(flatten)]
    pub kind: ExceptionKind,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum ExceptionKind {
    /// That date does not open (staff training, an election count, ...).
    Closed { reason: String },
    /// That date opens with these times: a seasonal extra day, or other times on a rule date.
    /// Set by hand, so it opens even on a public holiday.
    Extra {
        opens: NaiveTime,
        closes: NaiveTime,
        reason: String,
    },
}

/// One concrete evening.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Opening {
    /// The date in Korean time.
    pub date: NaiveDate,
    pub starts_kst: DateTime<FixedOffset>,
    pub ends_kst: DateTime<FixedOffset>,
    pub starts_utc: DateTime<Utc>,
    pub ends_utc: DateTime<Utc>,
    /// It comes from an extra exception, not from the rule.
    pub extra: bool,
}

/// Why a date the rule yields does not open, for the administrator's page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum SkipReason {
    /// A public holiday, with its Korean name(s) (`추석`, `대체공휴일(어린이날)`).
    Holiday { name: String },
    /// A closed exception, with its reason.
    Closed { reason: String },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Skipped {
    pub date: NaiveDate,
    pub reason: SkipReason,
}

/// The next evenings and the rule's dates skipped on the way to them.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Upcoming {
    pub openings: Vec<Opening>,
    pub skipped: Vec<Skipped>,
}

/// A schedule whose input passed every static check, ready to list dates.
struct Compiled {
    set: RRuleSet,
}

impl Schedule {
    /// Every check that needs no listing of dates, field by field, all at once.
    fn compile(&self) -> Result<Compiled, Invalid> {
        let mut bad = Invalid::default();
        if let Err(e) = check_times(self.opens, self.closes) {
            push(&mut bad, "closes", e);
        }
        for e in check_exceptions(&self.exceptions) {
            push(&mut bad, "exceptions", e);
        }
        let set = match parse_rule(&self.rule).and_then(|rule| {
            check_frequency(&rule)?;
            check_no_time_parts(&rule)?;
            check_ordinal_weekdays(&rule)?;
            check_anchor_weekday(&rule, self.anchor)?;
            build(rule, self.anchor, self.opens)
        }) {
            Ok(set) => Some(set),
            Err(e) => {
                let field = match e.code {
                    "anchor_weekday" | "anchor_out_of_range" => "anchor",
                    _ => "rule",
                };
                push(&mut bad, field, e);
                None
            }
        };
        match set {
            Some(set) if bad.is_empty() => Ok(Compiled { set }),
            _ => Err(bad),
        }
    }

    /// The whole check before saving: the static checks, then that the rule itself opens at
    /// least once in the next [`HORIZON_DAYS`] from `today`, after holidays and closures.
    pub fn validate(&self, holidays: &HolidayData, today: NaiveDate) -> Result<(), Invalid> {
        let compiled = self.compile()?;
        let ahead = listing(self, &compiled, holidays, today, 1, false)?;
        if ahead.openings.is_empty() {
            let mut bad = Invalid::default();
            push(
                &mut bad,
                "rule",
                RuleError::new(
                    "no_dates",
                    "이 규칙으로는 앞으로 2년 안에 여는 날이 없습니다 (공휴일과 휴무일을 뺀 뒤)",
                    "this rule opens on no date in the next two years (after holidays and closed \
                     dates)",
                ),
            );
            return Err(bad);
        }
        Ok(())
    }
}

/// The next `n` evenings from `from` (inclusive, Korean date) within [`HORIZON_DAYS`] (from the
/// anchor if it lies ahead), with the rule's dates skipped before the last of them and why.
/// Extra exceptions are among the evenings; a closed exception on a date the rule does not
/// yield changes nothing. The holidays are the built-in ones with the administrator's data.
pub fn upcoming(
    schedule: &Schedule,
    holidays: &HolidayData,
    from: NaiveDate,
    n: usize,
) -> Result<Upcoming, Invalid> {
    let compiled = schedule.compile()?;
    listing(schedule, &compiled, holidays, from, n, true)
}

fn listing(
    schedule: &Schedule,
    compiled: &Compiled,
    holidays: &HolidayData,
    from: NaiveDate,
    n: usize,
    with_extras: bool,
) -> Result<Upcoming, Invalid> {
    // Counted from the anchor when it lies ahead, so a schedule set up a season early still
    // shows two years of evenings.
    let horizon = from.max(schedule.anchor) + TimeDelta::days(HORIZON_DAYS);
    let names = holiday_names(holidays, from, horizon).map_err(|e| one("anchor", e))?;
    let dates = rule_dates(&compiled.set, from, horizon);
    let exceptions: BTreeMap<NaiveDate, &ExceptionKind> = schedule
        .exceptions
        .iter()
        .map(|e| (e.date, &e.kind))
        .collect();

    // Each date once, in order: the rule's dates and the extra days.
    let mut all: BTreeSet<NaiveDate> = dates.into_iter().collect();
    if with_extras {
        all.extend(
            exceptions
                .iter()
                .filter(|(d, k)| matches!(k, ExceptionKind::Extra { .. }) && **d >= from)
                .filter(|(d, _)| **d < horizon)
                .map(|(d, _)| *d),
        );
    }

    let mut out = Upcoming::default();
    for date in all {
        if out.openings.len() >= n {
            break;
        }
        match day_outcome(schedule, date, exceptions.get(&date).copied(), &names) {
            Outcome::Opens(o) => out.openings.push(o),
            Outcome::Skipped(reason) => out.skipped.push(Skipped { date, reason }),
        }
    }
    Ok(out)
}

enum Outcome {
    Opens(Opening),
    Skipped(SkipReason),
}

/// What happens on one candidate date. An exception wins over a holiday: it was set by hand
/// for that date.
fn day_outcome(
    schedule: &Schedule,
    date: NaiveDate,
    exception: Option<&ExceptionKind>,
    holidays: &BTreeMap<NaiveDate, String>,
) -> Outcome {
    match exception {
        Some(ExceptionKind::Closed { reason }) => Outcome::Skipped(SkipReason::Closed {
            reason: reason.clone(),
        }),
        Some(ExceptionKind::Extra { opens, closes, .. }) => {
            Outcome::Opens(opening(date, *opens, *closes, true))
        }
        None => match holidays.get(&date) {
            Some(name) => Outcome::Skipped(SkipReason::Holiday { name: name.clone() }),
            None => Outcome::Opens(opening(date, schedule.opens, schedule.closes, false)),
        },
    }
}

/// One evening on a Korean date, in Korean time and UTC.
pub fn opening(date: NaiveDate, opens: NaiveTime, closes: NaiveTime, extra: bool) -> Opening {
    let starts_utc = kst_to_utc(date, opens);
    let ends_utc = kst_to_utc(date, closes);
    Opening {
        date,
        starts_kst: calendar::to_seoul(starts_utc),
        ends_kst: calendar::to_seoul(ends_utc),
        starts_utc,
        ends_utc,
        extra,
    }
}

/// A Korean wall-clock time as UTC. Korea keeps +09:00 all year (no DST since 1988).
pub(crate) fn kst_to_utc(date: NaiveDate, time: NaiveTime) -> DateTime<Utc> {
    let offset = TimeDelta::seconds(i64::from(calendar::SEOUL.local_minus_utc()));
    (date.and_time(time) - offset).and_utc()
}

fn push(bad: &mut Invalid, field: &'static str, e: RuleError) {
    bad.0.push(crate::FieldError { field, error: e });
}

fn one(field: &'static str, e: RuleError) -> Invalid {
    let mut bad = Invalid::default();
    push(&mut bad, field, e);
    bad
}

/// Closing must come after opening on the same day: no evening runs past midnight.
pub fn check_times(opens: NaiveTime, closes: NaiveTime) -> Result<(), RuleError> {
    if closes > opens {
        Ok(())
    } else {
        Err(RuleError::new(
            "closing_not_after_opening",
            format!(
                "마치는 시각({})이 여는 시각({}) 뒤여야 합니다",
                closes.format("%H:%M"),
                opens.format("%H:%M")
            ),
            format!(
                "closing ({}) must come after opening ({})",
                closes.format("%H:%M"),
                opens.format("%H:%M")
            ),
        ))
    }
}

/// At most one exception per date, and an extra day's times in order. One error per problem.
pub fn check_exceptions(exceptions: &[Exception]) -> Vec<RuleError> {
    let mut seen = BTreeSet::new();
    let mut errors = Vec::new();
    for e in exceptions {
        if !seen.insert(e.date) {
            errors.push(RuleError::new(
                "exception_twice",
                format!("{} 날짜의 예외가 두 번 있습니다", e.date),
                format!("{} has more than one exception", e.date),
            ));
        }
        if let ExceptionKind::Extra { opens, closes, .. } = &e.kind
            && let Err(err) = check_times(*opens, *closes)
        {
            errors.push(RuleError::new(
                err.code,
                format!("{}: {}", e.date, err.ko),
                format!("{}: {}", e.date, err.en),
            ));
        }
    }
    errors
}

/// The RRULE text parsed, with or without its `RRULE:` prefix. DTSTART comes from the anchor,
/// so the text holds the rule alone.
pub fn parse_rule(text: &str) -> Result<RRule<Unvalidated>, RuleError> {
    let text = text.trim();
    let body = text
        .strip_prefix("RRULE:")
        .or_else(|| text.strip_prefix("rrule:"))
        .unwrap_or(text);
    let unparsable = |detail: String| {
        RuleError::new(
            "rrule_unparsable",
            format!("반복 규칙(RRULE)을 읽을 수 없습니다: {detail}"),
            format!("the recurrence rule (RRULE) cannot be read: {detail}"),
        )
    };
    // DTSTART and other properties come from the schedule's own fields, never from the text.
    if body.is_empty() || body.contains(['\n', ':']) {
        return Err(unparsable(body.to_string()));
    }
    format!("RRULE:{}", until_in_utc(body))
        .parse::<RRule<Unvalidated>>()
        .map_err(|e| unparsable(e.to_string()))
}

/// RFC 5545 wants UNTIL in UTC when DTSTART has a time zone; an administrator writes the last
/// Korean day (`UNTIL=20271231`) or a Korean time. Both become the UTC moment they mean (the
/// end of that Korean day for a date), so the last evening is kept; a `Z` value stays as is.
fn until_in_utc(body: &str) -> String {
    body.split(';')
        .map(|part| match part.split_once('=') {
            Some((key, value)) if key.trim().eq_ignore_ascii_case("UNTIL") => {
                match korean_until(value.trim()) {
                    Some(utc) => format!("UNTIL={}", utc.format("%Y%m%dT%H%M%SZ")),
                    None => part.to_string(),
                }
            }
            _ => part.to_string(),
        })
        .collect::<Vec<_>>()
        .join(";")
}

/// A date-only or floating (no `Z`) UNTIL value read as Korean time; `None` leaves it to the
/// rrule parser (UTC values, or text it will reject with its own message).
fn korean_until(value: &str) -> Option<DateTime<Utc>> {
    if let Ok(date) = NaiveDate::parse_from_str(value, "%Y%m%d") {
        let end = NaiveTime::from_hms_opt(23, 59, 59)?;
        return Some(kst_to_utc(date, end));
    }
    let floating = calendar::chrono::NaiveDateTime::parse_from_str(value, "%Y%m%dT%H%M%S").ok()?;
    Some(kst_to_utc(floating.date(), floating.time()))
}

/// An evening opens on whole days: hourly, minutely and secondly rules would open many times
/// a day.
pub fn check_frequency(rule: &RRule<Unvalidated>) -> Result<(), RuleError> {
    match rule.get_freq() {
        Frequency::Yearly | Frequency::Monthly | Frequency::Weekly | Frequency::Daily => Ok(()),
        finer => Err(RuleError::new(
            "frequency_too_fine",
            format!("반복은 매일보다 잦을 수 없습니다 ({finer})"),
            format!("a schedule repeats at most daily ({finer})"),
        )),
    }
}

/// Times come from the opening and closing fields; BYHOUR/BYMINUTE/BYSECOND in the rule would
/// make several evenings a day, or an evening that starts at another time than the page says.
pub fn check_no_time_parts(rule: &RRule<Unvalidated>) -> Result<(), RuleError> {
    if rule.get_by_hour().is_empty()
        && rule.get_by_minute().is_empty()
        && rule.get_by_second().is_empty()
    {
        Ok(())
    } else {
        Err(RuleError::new(
            "rrule_time_parts",
            "시각은 여는·마치는 시각 칸에 적습니다: 규칙에 BYHOUR·BYMINUTE·BYSECOND를 쓰지 마십시오",
            "times go in the opening and closing fields: no BYHOUR, BYMINUTE or BYSECOND in \
             the rule",
        ))
    }
}

/// "The 2nd Thursday" only means something within a month or a year (RFC 5545 forbids it
/// elsewhere); the rrule crate would quietly read a weekly `BYDAY=2TH` as every Thursday.
pub fn check_ordinal_weekdays(rule: &RRule<Unvalidated>) -> Result<(), RuleError> {
    let ordinal = rule
        .get_by_weekday()
        .iter()
        .any(|w| matches!(w, NWeekday::Nth(..)));
    if !ordinal || matches!(rule.get_freq(), Frequency::Monthly | Frequency::Yearly) {
        return Ok(());
    }
    Err(RuleError::new(
        "rrule_invalid",
        "\"둘째 목요일\" 같은 순번 요일(2TH)은 매월(MONTHLY)·매년(YEARLY) 규칙에만 씁니다",
        "an ordinal weekday such as 2TH (\"the 2nd Thursday\") needs a MONTHLY or YEARLY rule",
    ))
}

/// For a weekly rule with weekdays, the anchor is the first evening and picks the weeks of
/// "every other Thursday": it must be one of those weekdays, or the weeks would be ambiguous.
/// Monthly and yearly rules ("2nd Thursday") place their days themselves; any anchor will do.
pub fn check_anchor_weekday(rule: &RRule<Unvalidated>, anchor: NaiveDate) -> Result<(), RuleError> {
    if rule.get_freq() != Frequency::Weekly || rule.get_by_weekday().is_empty() {
        return Ok(());
    }
    let on_rule = rule.get_by_weekday().iter().any(|w| match w {
        NWeekday::Every(d) | NWeekday::Nth(_, d) => *d == anchor.weekday(),
    });
    if on_rule {
        Ok(())
    } else {
        let days: Vec<&str> = rule
            .get_by_weekday()
            .iter()
            .map(|w| match w {
                NWeekday::Every(d) | NWeekday::Nth(_, d) => korean_weekday(*d),
            })
            .collect();
        Err(RuleError::new(
            "anchor_weekday",
            format!(
                "기준일 {}은 {}요일인데 규칙은 {}요일에 엽니다: 기준일을 규칙의 요일로 정하십시오",
                anchor,
                korean_weekday(anchor.weekday()),
                days.join("·")
            ),
            format!(
                "the anchor {anchor} is a {:?} but the rule opens on {:?}: pick an anchor on the \
                 rule's weekday",
                anchor.weekday(),
                rule.get_by_weekday()
                    .iter()
                    .map(|w| match w {
                        NWeekday::Every(d) | NWeekday::Nth(_, d) => *d,
                    })
                    .collect::<Vec<_>>()
            ),
        ))
    }
}

fn korean_weekday(d: Weekday) -> &'static str {
    match d {
        Weekday::Mon => "월",
        Weekday::Tue => "화",
        Weekday::Wed => "수",
        Weekday::Thu => "목",
        Weekday::Fri => "금",
        Weekday::Sat => "토",
        Weekday::Sun => "일",
    }
}

/// The rule with its anchor as DTSTART in Asia/Seoul at the opening time, so weekdays and
/// month days are counted on Korean dates.
pub fn build(
    rule: RRule<Unvalidated>,
    anchor: NaiveDate,
    opens: NaiveTime,
) -> Result<RRuleSet, RuleError> {
    let start = Tz::Asia__Seoul
        .from_local_datetime(&anchor.and_time(opens))
        .single()
        .ok_or_else(|| {
            RuleError::new(
                "anchor_out_of_range",
                format!("기준일 {anchor}을 쓸 수 없습니다"),
                format!("the anchor {anchor} cannot be used"),
            )
        })?;
    rule.build(start).map_err(|e| {
        RuleError::new(
            "rrule_invalid",
            format!("반복 규칙(RRULE)이 맞지 않습니다: {e}"),
            format!("the recurrence rule (RRULE) is not valid: {e}"),
        )
    })
}

/// The rule's Korean dates in `[from, until)`. The search is bounded (the rrule crate's own
/// loop limit and [`MAX_CANDIDATES`]) so a rule that never matches ends as "no dates".
fn rule_dates(set: &RRuleSet, from: NaiveDate, until: NaiveDate) -> Vec<NaiveDate> {
    set.clone()
        .limit()
        .into_iter()
        .map(|t| t.date_naive())
        .skip_while(|d| *d < from)
        .take_while(|d| *d < until)
        .take(MAX_CANDIDATES)
        .collect()
}

/// Public holidays by date in `[from, until]`, names of a shared date joined ("어린이날·부처님오신날").
fn holiday_names(
    data: &HolidayData,
    from: NaiveDate,
    until: NaiveDate,
) -> Result<BTreeMap<NaiveDate, String>, RuleError> {
    let mut names: BTreeMap<NaiveDate, String> = BTreeMap::new();
    for year in from.year()..=until.year() {
        let list = calendar::holidays_in_year(year, data).map_err(|e| {
            RuleError::new(
                "holidays_unknown",
                format!("{year}년의 공휴일을 알 수 없습니다: {e}"),
                format!("the public holidays of {year} are not known: {e}"),
            )
        })?;
        for h in list {
            names
                .entry(h.date)
                .and_modify(|n| {
                    n.push('·');
                    n.push_str(&h.name);
                })
                .or_insert(h.name);
        }
    }
    Ok(names)
}

#[cfg(test)]
mod tests {
    use super::*;
    use calendar::Holiday;
    use calendar::HolidayKind;
    use proptest::prelude::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn t(h: u32, m: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(h, m, 0).unwrap()
    }

    fn schedule(rule: &str, anchor: NaiveDate, opens: NaiveTime, closes: NaiveTime) -> Schedule {
        Schedule {
            rule: rule.into(),
            anchor,
            opens,
            closes,
            exceptions: vec![],
        }
    }

    fn thursdays_2_4() -> Schedule {
        schedule(
            "FREQ=MONTHLY;BYDAY=2TH,4TH",
            d(2027, 1, 1),
            t(18, 0),
            t(20, 0),
        )
    }

    fn none() -> HolidayData {
        HolidayData::default()
    }

    fn dates(u: &Upcoming) -> Vec<NaiveDate> {
        u.openings.iter().map(|o| o.date).collect()
    }

    /// The (field, code) pairs of a rejected schedule.
    fn codes(bad: &Invalid) -> Vec<(&'static str, &'static str)> {
        bad.0.iter().map(|f| (f.field, f.error.code)).collect()
    }

    fn has_hangul(s: &str) -> bool {
        s.chars().any(|c| ('가'..='힣').contains(&c))
    }

    #[test]
    fn a_year_of_second_and_fourth_thursdays_in_2027_skips_buddhas_birthday() {
        let u = upcoming(&thursdays_2_4(), &none(), d(2027, 1, 1), 100).unwrap();
        let in_2027: Vec<&Opening> = u
            .openings
            .iter()
            .filter(|o| o.date.year() == 2027)
            .collect();
        // 24 second-and-fourth Thursdays, less 2027-05-13 (부처님오신날, the 2nd Thursday of May).
        assert_eq!(in_2027.len(), 23);
        let holidays = calendar::holidays_in_year(2027, &none()).unwrap();
        for o in &in_2027 {
            assert_eq!(o.date.weekday(), Weekday::Thu);
            assert!(
                [8..=14, 22..=28].iter().any(|r| r.contains(&o.date.day())),
                "{}",
                o.date
            );
            assert!(
                !holidays.iter().any(|h| h.date == o.date),
                "{} is a holiday",
                o.date
            );
            assert_eq!(
                o.starts_kst.to_rfc3339(),
                format!("{}T18:00:00+09:00", o.date)
            );
            assert_eq!(
                o.ends_utc.to_rfc3339(),
                format!("{}T11:00:00+00:00", o.date)
            );
            assert!(!o.extra);
        }
        let skipped_2027: Vec<&Skipped> =
            u.skipped.iter().filter(|s| s.date.year() == 2027).collect();
        assert_eq!(
            skipped_2027,
            vec![&Skipped {
                date: d(2027, 5, 13),
                reason: SkipReason::Holiday {
                    name: "부처님오신날".into()
                }
            }]
        );
        // 추석 다음날 (2027-09-16) is a 3rd Thursday: not a date of the rule, so not "skipped".
        assert!(!u.skipped.iter().any(|s| s.date == d(2027, 9, 16)));
        assert_eq!(
            dates(&u)[..3],
            [d(2027, 1, 14), d(2027, 1, 28), d(2027, 2, 11)]
        );
    }

    #[test]
    fn every_other_thursday_counts_its_weeks_from_the_anchor() {
        let s = schedule(
            "RRULE:FREQ=WEEKLY;INTERVAL=2;BYDAY=TH",
            d(2027, 1, 7),
            t(18, 0),
            t(20, 0),
        );
        let u = upcoming(&s, &none(), d(2027, 1, 1), 6).unwrap();
        assert_eq!(
            dates(&u),
            [
                d(2027, 1, 7),
                d(2027, 1, 21),
                d(2027, 2, 4),
                d(2027, 2, 18),
                d(2027, 3, 4),
                d(2027, 3, 18)
            ]
        );
        // Listed again later, the same weeks: the anchor is kept, not recomputed.
        let later = upcoming(&s, &none(), d(2027, 3, 5), 1).unwrap();
        assert_eq!(dates(&later), [d(2027, 3, 18)]);
        // Anchored a week later, the other weeks.
        let other = Schedule {
            anchor: d(2027, 1, 14),
            ..s.clone()
        };
        assert_eq!(
            dates(&upcoming(&other, &none(), d(2027, 1, 1), 2).unwrap()),
            [d(2027, 1, 14), d(2027, 1, 28)]
        );
        // 2027-09-16 (추석 다음날) falls on one of its weeks and is skipped with its name.
        let autumn = upcoming(&s, &none(), d(2027, 9, 1), 2).unwrap();
        assert_eq!(dates(&autumn), [d(2027, 9, 2), d(2027, 9, 30)]);
        assert_eq!(
            autumn.skipped,
            [Skipped {
                date: d(2027, 9, 16),
                reason: SkipReason::Holiday {
                    name: "추석 다음날".into()
                }
            }]
        );
    }

    #[test]
    fn the_last_saturday_morning_skips_christmas_2027() {
        let s = schedule("FREQ=MONTHLY;BYDAY=-1SA", d(2027, 1, 1), t(9, 0), t(13, 0));
        let u = upcoming(&s, &none(), d(2027, 1, 1), 11).unwrap();
        assert_eq!(
            dates(&u),
            [
                d(2027, 1, 30),
                d(2027, 2, 27),
                d(2027, 3, 27),
                d(2027, 4, 24),
                d(2027, 5, 29),
                d(2027, 6, 26),
                d(2027, 7, 31),
                d(2027, 8, 28),
                d(2027, 9, 25),
                d(2027, 10, 30),
                d(2027, 11, 27)
            ]
        );
        // 09:00 in Seoul is midnight UTC on the same date.
        assert_eq!(
            u.openings[0].starts_utc.to_rfc3339(),
            "2027-01-30T00:00:00+00:00"
        );
        assert_eq!(
            u.openings[0].ends_kst.to_rfc3339(),
            "2027-01-30T13:00:00+09:00"
        );
        let next = upcoming(&s, &none(), d(2027, 12, 1), 1).unwrap();
        assert_eq!(dates(&next), [d(2028, 1, 29)]);
        assert_eq!(
            next.skipped,
            [Skipped {
                date: d(2027, 12, 25),
                reason: SkipReason::Holiday {
                    name: "성탄절".into()
                }
            }]
        );
    }

    #[test]
    fn a_closed_exception_skips_its_date_with_the_reason() {
        let mut s = thursdays_2_4();
        s.exceptions.push(Exception {
            date: d(2027, 1, 28),
            kind: ExceptionKind::Closed {
                reason: "직원 교육".into(),
            },
        });
        let u = upcoming(&s, &none(), d(2027, 1, 1), 2).unwrap();
        assert_eq!(dates(&u), [d(2027, 1, 14), d(2027, 2, 11)]);
        assert_eq!(
            u.skipped,
            [Skipped {
                date: d(2027, 1, 28),
                reason: SkipReason::Closed {
                    reason: "직원 교육".into()
                }
            }]
        );
    }

    #[test]
    fn an_extra_exception_adds_a_day_with_its_own_times_even_on_a_holiday() {
        let mut s = thursdays_2_4();
        let extra = |date, opens, closes| Exception {
            date,
            kind: ExceptionKind::Extra {
                opens,
                closes,
                reason: "여름 성수기".into(),
            },
        };
        s.exceptions = vec![
            // A seasonal extra Monday.
            extra(d(2027, 7, 12), t(18, 0), t(21, 0)),
            // Other times on a rule date.
            extra(d(2027, 7, 22), t(17, 0), t(21, 0)),
            // Set by hand on a holiday (제헌절 대체공휴일): it opens.
            extra(d(2027, 7, 19), t(10, 0), t(12, 0)),
        ];
        let u = upcoming(&s, &none(), d(2027, 7, 1), 4).unwrap();
        assert_eq!(
            dates(&u),
            [
                d(2027, 7, 8),
                d(2027, 7, 12),
                d(2027, 7, 19),
                d(2027, 7, 22)
            ]
        );
        assert_eq!(
            u.openings.iter().map(|o| o.extra).collect::<Vec<_>>(),
            [false, true, true, true]
        );
        assert_eq!(
            u.openings[1].ends_kst.to_rfc3339(),
            "2027-07-12T21:00:00+09:00"
        );
        assert_eq!(
            u.openings[3].starts_utc.to_rfc3339(),
            "2027-07-22T08:00:00+00:00"
        );
        assert!(u.skipped.is_empty());
    }

    #[test]
    fn a_holiday_the_administrator_adds_is_skipped_by_its_name() {
        let data = HolidayData {
            extra: vec![Holiday {
                date: d(2027, 1, 14),
                name: "임시공휴일".into(),
                kind: HolidayKind::Temporary,
            }],
            ..HolidayData::default()
        };
        let u = upcoming(&thursdays_2_4(), &data, d(2027, 1, 1), 1).unwrap();
        assert_eq!(dates(&u), [d(2027, 1, 28)]);
        assert_eq!(
            u.skipped[0].reason,
            SkipReason::Holiday {
                name: "임시공휴일".into()
            }
        );
    }

    #[test]
    fn until_and_count_end_the_rule() {
        // A date-only UNTIL is the last Korean day, so its evening is still in.
        let until = schedule(
            "FREQ=MONTHLY;BYDAY=2TH,4TH;UNTIL=20270225",
            d(2027, 1, 1),
            t(18, 0),
            t(20, 0),
        );
        let u = upcoming(&until, &none(), d(2027, 1, 1), 10).unwrap();
        assert_eq!(dates(&u).last(), Some(&d(2027, 2, 25)));
        assert_eq!(u.openings.len(), 4);
        // A floating time is Korean time; a UTC one is taken as it is.
        for text in ["UNTIL=20270225T180000", "UNTIL=20270225T090000Z"] {
            let s = Schedule {
                rule: format!("FREQ=MONTHLY;BYDAY=2TH,4TH;{text}"),
                ..until.clone()
            };
            assert_eq!(
                upcoming(&s, &none(), d(2027, 1, 1), 10)
                    .unwrap()
                    .openings
                    .len(),
                4
            );
        }
        // COUNT counts the rule's dates; a holiday among them is one of them.
        let count = schedule(
            "FREQ=MONTHLY;BYDAY=2TH;COUNT=5",
            d(2027, 1, 1),
            t(18, 0),
            t(20, 0),
        );
        let u = upcoming(&count, &none(), d(2027, 1, 1), 10).unwrap();
        assert_eq!(u.openings.len(), 4);
        assert_eq!(u.skipped[0].date, d(2027, 5, 13));
    }

    #[test]
    fn a_good_schedule_passes_and_lists_nothing_when_asked_for_nothing() {
        assert_eq!(thursdays_2_4().validate(&none(), d(2026, 12, 6)), Ok(()));
        let u = upcoming(&thursdays_2_4(), &none(), d(2027, 1, 1), 0).unwrap();
        assert!(u.openings.is_empty() && u.skipped.is_empty());
    }

    #[test]
    fn an_rrule_that_does_not_parse_is_refused() {
        for text in [
            "",
            "garbage",
            "FREQ=WEEKLY;BYDAY=XX",
            "FREQ=FORTNIGHTLY",
            "DTSTART:20270101T180000\nRRULE:FREQ=WEEKLY",
        ] {
            let s = Schedule {
                rule: text.into(),
                ..thursdays_2_4()
            };
            let bad = s.validate(&none(), d(2027, 1, 1)).unwrap_err();
            let (field, code) = codes(&bad)[0];
            assert_eq!(field, "rule", "{text}");
            assert!(
                code == "rrule_unparsable" || code == "rrule_invalid",
                "{text}: {code}"
            );
            assert!(has_hangul(&bad.0[0].error.ko));
        }
    }

    #[test]
    fn an_rrule_that_rfc_5545_forbids_is_refused() {
        for text in [
            "FREQ=MONTHLY;BYWEEKNO=1",
            "FREQ=WEEKLY;BYMONTHDAY=1",
            "FREQ=MONTHLY;BYDAY=6TH",
            "FREQ=WEEKLY;BYDAY=2TH",
            "FREQ=DAILY;BYDAY=-1SA",
            // Ends before its anchor.
            "FREQ=WEEKLY;UNTIL=20260101",
        ] {
            let s = Schedule {
                rule: text.into(),
                anchor: d(2027, 1, 7),
                ..thursdays_2_4()
            };
            let bad = s.validate(&none(), d(2027, 1, 1)).unwrap_err();
            assert_eq!(codes(&bad), [("rule", "rrule_invalid")], "{text}");
        }
    }

    #[test]
    fn a_rule_that_yields_no_dates_is_refused() {
        let feb_30 = Schedule {
            rule: "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30".into(),
            ..thursdays_2_4()
        };
        // Over before today.
        let over = Schedule {
            rule: "FREQ=WEEKLY;COUNT=2".into(),
            anchor: d(2026, 1, 1),
            ..thursdays_2_4()
        };
        // Its only date a holiday (신정).
        let holiday = Schedule {
            rule: "FREQ=YEARLY;COUNT=1".into(),
            anchor: d(2027, 1, 1),
            ..thursdays_2_4()
        };
        // Every date closed by hand.
        let mut closed = Schedule {
            rule: "FREQ=DAILY;COUNT=2".into(),
            anchor: d(2027, 3, 2),
            ..thursdays_2_4()
        };
        closed.exceptions = [2, 3]
            .map(|day| Exception {
                date: d(2027, 3, day),
                kind: ExceptionKind::Closed {
                    reason: "공사".into(),
                },
            })
            .to_vec();
        // An interval of nought never moves on.
        let nought = Schedule {
            rule: "FREQ=WEEKLY;INTERVAL=0".into(),
            ..thursdays_2_4()
        };
        for s in [feb_30, over, holiday, closed, nought] {
            let bad = s.validate(&none(), d(2027, 1, 1)).unwrap_err();
            assert_eq!(codes(&bad), [("rule", "no_dates")], "{}", s.rule);
        }
    }

    #[test]
    fn closing_must_come_after_opening() {
        for closes in [t(18, 0), t(17, 59)] {
            let s = Schedule {
                closes,
                ..thursdays_2_4()
            };
            let bad = s.validate(&none(), d(2027, 1, 1)).unwrap_err();
            assert_eq!(codes(&bad), [("closes", "closing_not_after_opening")]);
            assert!(bad.0[0].error.en.contains("18:00"));
        }
    }

    #[test]
    fn a_weekly_anchor_must_fall_on_the_rules_weekday() {
        let s = schedule(
            "FREQ=WEEKLY;INTERVAL=2;BYDAY=TH",
            d(2027, 1, 6),
            t(18, 0),
            t(20, 0),
        );
        let bad = s.validate(&none(), d(2027, 1, 1)).unwrap_err();
        assert_eq!(codes(&bad), [("anchor", "anchor_weekday")]);
        assert!(bad.0[0].error.ko.contains("수요일"));
        // Monthly rules place their own days: any anchor will do.
        let monthly = Schedule {
            anchor: d(2027, 1, 6),
            ..thursdays_2_4()
        };
        assert_eq!(monthly.validate(&none(), d(2027, 1, 1)), Ok(()));
        // A weekly rule without BYDAY takes the anchor's weekday.
        let plain = schedule("FREQ=WEEKLY", d(2027, 1, 6), t(18, 0), t(20, 0));
        let u = upcoming(&plain, &none(), d(2027, 1, 1), 2).unwrap();
        assert_eq!(dates(&u), [d(2027, 1, 6), d(2027, 1, 13)]);
    }

    #[test]
    fn an_exception_twice_for_one_date_is_refused() {
        let mut s = thursdays_2_4();
        s.exceptions = vec![
            Exception {
                date: d(2027, 1, 14),
                kind: ExceptionKind::Closed { reason: "a".into() },
            },
            Exception {
                date: d(2027, 1, 14),
                kind: ExceptionKind::Extra {
                    opens: t(17, 0),
                    closes: t(16, 0),
                    reason: "b".into(),
                },
            },
        ];
        let bad = upcoming(&s, &none(), d(2027, 1, 1), 1).unwrap_err();
        assert_eq!(
            codes(&bad),
            [
                ("exceptions", "exception_twice"),
                ("exceptions", "closing_not_after_opening")
            ]
        );
        assert!(bad.0[0].error.en.contains("2027-01-14"));
        assert!(bad.0[1].error.ko.starts_with("2027-01-14"));
    }

    #[test]
    fn a_frequency_finer_than_daily_is_refused() {
        for freq in ["HOURLY", "MINUTELY", "SECONDLY"] {
            let s = Schedule {
                rule: format!("FREQ={freq};BYMINUTE=0;BYSECOND=0"),
                ..thursdays_2_4()
            };
            let bad = s.validate(&none(), d(2027, 1, 1)).unwrap_err();
            assert_eq!(codes(&bad), [("rule", "frequency_too_fine")], "{freq}");
        }
        let daily = Schedule {
            rule: "FREQ=DAILY".into(),
            ..thursdays_2_4()
        };
        assert_eq!(daily.validate(&none(), d(2027, 1, 1)), Ok(()));
    }

    #[test]
    fn times_in_the_rule_are_refused() {
        let s = Schedule {
            rule: "FREQ=WEEKLY;BYDAY=TH;BYHOUR=18,19".into(),
            anchor: d(2027, 1, 7),
            ..thursdays_2_4()
        };
        let bad = s.validate(&none(), d(2027, 1, 1)).unwrap_err();
        assert_eq!(codes(&bad), [("rule", "rrule_time_parts")]);
    }

    #[test]
    fn every_bad_field_is_reported_at_once() {
        let mut s = Schedule {
            rule: "FREQ=HOURLY".into(),
            closes: t(17, 0),
            ..thursdays_2_4()
        };
        s.exceptions = vec![
            Exception {
                date: d(2027, 1, 14),
                kind: ExceptionKind::Closed { reason: "a".into() },
            };
            2
        ];
        let bad = s.validate(&none(), d(2027, 1, 1)).unwrap_err();
        assert_eq!(
            codes(&bad),
            [
                ("closes", "closing_not_after_opening"),
                ("exceptions", "exception_twice"),
                ("rule", "frequency_too_fine")
            ]
        );
        for f in &bad.0 {
            assert!(has_hangul(&f.error.ko) && !f.error.en.is_empty());
        }
    }

    #[test]
    fn an_anchor_beyond_the_known_holidays_is_refused_not_guessed() {
        let s = Schedule {
            anchor: d(2100, 6, 1),
            ..thursdays_2_4()
        };
        let bad = upcoming(&s, &none(), d(2100, 6, 1), 1).unwrap_err();
        assert_eq!(codes(&bad), [("anchor", "holidays_unknown")]);
    }

    #[test]
    fn an_exception_is_one_flat_json_object() {
        let e = Exception {
            date: d(2027, 7, 12),
            kind: ExceptionKind::Extra {
                opens: t(18, 0),
                closes: t(21, 0),
                reason: "여름 성수기".into(),
            },
        };
        let json = serde_json::to_value(&e).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"date": "2027-07-12", "kind": "extra", "opens": "18:00:00",
                "closes": "21:00:00", "reason": "여름 성수기"})
        );
        assert_eq!(serde_json::from_value::<Exception>(json).unwrap(), e);
    }

    #[test]
    fn until_values_are_read_as_korean_time_unless_utc() {
        assert_eq!(
            until_in_utc("FREQ=WEEKLY;UNTIL=20271231"),
            "FREQ=WEEKLY;UNTIL=20271231T145959Z"
        );
        assert_eq!(
            until_in_utc("FREQ=WEEKLY;until=20271231T200000;BYDAY=TH"),
            "FREQ=WEEKLY;UNTIL=20271231T110000Z;BYDAY=TH"
        );
        assert_eq!(
            until_in_utc("FREQ=WEEKLY;UNTIL=20271231T110000Z"),
            "FREQ=WEEKLY;UNTIL=20271231T110000Z"
        );
    }

    proptest! {
        /// Whatever the anchor and interval, a weekly rule opens on the anchor's weekday, in
        /// order, never on a holiday, and lists as skipped only dates before its last opening.
        #[test]
        fn weekly_openings_are_ordered_on_the_anchor_weekday_and_never_on_holidays(
            offset in 0i64..1400,
            interval in 1u16..5,
            from_offset in 0i64..400,
            n in 0usize..30,
        ) {
            let anchor = d(2027, 1, 1) + TimeDelta::days(offset);
            let from = d(2027, 1, 1) + TimeDelta::days(from_offset);
            let s = schedule(
                &format!("FREQ=WEEKLY;INTERVAL={interval}"),
                anchor,
                t(18, 0),
                t(20, 0),
            );
            let u = upcoming(&s, &none(), from, n).unwrap();
            prop_assert!(u.openings.len() <= n);
            prop_assert!(u.openings.windows(2).all(|w| w[0].date < w[1].date));
            let mut known = Vec::new();
            for year in 2027..=2033 {
                known.extend(calendar::holidays_in_year(year, &none()).unwrap());
            }
            for o in &u.openings {
                prop_assert!(o.date >= from && o.date >= anchor);
                prop_assert_eq!(o.date.weekday(), anchor.weekday());
                prop_assert_eq!((o.date - anchor).num_days() % (7 * i64::from(interval)), 0);
                prop_assert!(!known.iter().any(|h| h.date == o.date));
                prop_assert_eq!(o.starts_utc + TimeDelta::hours(9), o.starts_kst.naive_local().and_utc());
            }
            // With all n found, nothing after the last is looked at.
            if let (Some(last), true) = (u.openings.last(), u.openings.len() == n) {
                prop_assert!(u.skipped.iter().all(|k| k.date < last.date));
            }
            for k in &u.skipped {
                prop_assert!(known.iter().any(|h| h.date == k.date));
            }
        }
    }
}
