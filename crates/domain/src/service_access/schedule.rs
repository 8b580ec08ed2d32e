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
use serde::Serialize;

use crate::RuleError;
use crate::programs::Invalid;

/// How far ahead a rule must yield an evening, and how far [`upcoming`] looks: two years, so a
/// yearly rule ("the last Saturday of December") still shows its next date.
pub const HORIZON_DAYS: i64 = 731;

/// Recurrences looked at in one listing at most: a daily rule over the horizon is 731, so this
/// only stops a rule that would never end its search.
const MAX_CANDIDATES: usize = 2_000;

/// One after-hours schedule as the administrator sets it.
#[derive(Debug, Clone, PartialEq, Eq)]
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Exception {
    pub date: NaiveDate,
    pub kind: ExceptionKind,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
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
            check_anchor_weekday(&rule, self.anchor)?;
            build(rule, self.anchor, self.opens)
        }) {
            Ok(set) => Some(set),
            Err(e) => {
                push(&mut bad, if e.code == "anchor_weekday" { "anchor" } else { "rule" }, e);
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

/// The next `n` evenings from `from` (inclusive, Korean date) within [`HORIZON_DAYS`], with the
/// rule's dates skipped before the last of them and why. Extra exceptions are among the
/// evenings. The holidays are the built-in ones with the administrator's `holidays` data.
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
    let horizon = from + TimeDelta::days(HORIZON_DAYS);
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
    bad.0.push(crate::programs::FieldError { field, error: e });
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
    format!("RRULE:{body}")
        .parse::<RRule<Unvalidated>>()
        .map_err(|e| unparsable(e.to_string()))
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
