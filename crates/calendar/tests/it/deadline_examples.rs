//! The worked examples of DOMAIN.md section 2 and every documented edge case, as tests.
//! Times are written in Seoul time (+09:00).

// Test helpers outside `#[test]` fns: clippy.toml's test allowances do not reach them.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use calendar::chrono::{DateTime, TimeDelta, Utc};
use calendar::{
    DeadlineError, DeadlineInput, HolidayData, OfficeHours, Pause, Period, WorkCalendar, deadline,
    explain, to_seoul, working_time_elapsed, working_time_left,
};

fn t(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn cal() -> WorkCalendar {
    WorkCalendar::new(1990, 2100, &HolidayData::default(), OfficeHours::default()).unwrap()
}

fn input(received: &str, period: &str) -> DeadlineInput {
    DeadlineInput::new(t(received), period.parse().unwrap())
}

fn pause(start: &str, end: &str) -> Pause {
    Pause {
        start: t(start),
        end: Some(t(end)),
    }
}

/// Due moment as Seoul RFC 3339, with `now` far in the future (no open pauses here).
fn due(input: &DeadlineInput) -> String {
    due_at(input, "2099-01-01T00:00:00+09:00")
}

fn due_at(input: &DeadlineInput, now: &str) -> String {
    to_seoul(deadline(&cal(), input, t(now)).unwrap()).to_rfc3339()
}

#[test]
fn domain_example_3_days_in_working_hours() {
    // Mon 10:00 + 3 days: Mon 7 h, Tue 8 h, Wed 8 h, Thu 1 h -> Thu 10:00.
    assert_eq!(
        due(&input("2026-11-23T10:00:00+09:00", "3d")),
        "2026-11-26T10:00:00+09:00"
    );
}

#[test]
fn domain_example_7_days_counted_in_days() {
    // Mon 2026-11-23 + 7 days: 23, 24, 25, 26, 27, 30 Nov, 1 Dec -> 1 Dec 18:00.
    assert_eq!(
        due(&input("2026-11-23T10:00:00+09:00", "7d")),
        "2026-12-01T18:00:00+09:00"
    );
    // Whatever the hour of receipt, even after office hours.
    assert_eq!(
        due(&input("2026-11-23T20:30:00+09:00", "7d")),
        "2026-12-01T18:00:00+09:00"
    );
}

#[test]
fn domain_example_calendar_month_rolls_past_weekend_and_seollal() {
    // 2026-01-15 + 1 month ends on 2026-02-14 (Sat); 15 Sun; 16-18 설날 -> Thu 19 Feb 18:00.
    assert_eq!(
        due(&input("2026-01-15T15:00:00+09:00", "1m")),
        "2026-02-19T18:00:00+09:00"
    );
}

#[test]
fn immediate_is_three_working_hours() {
    // Mon 10:00: 10-12 (2 h), lunch, 13-14 (1 h).
    assert_eq!(
        due(&input("2026-11-23T10:00:00+09:00", "immediate")),
        "2026-11-23T14:00:00+09:00"
    );
    assert_eq!(
        due(&input("2026-11-23T10:00:00+09:00", "즉시")),
        "2026-11-23T14:00:00+09:00"
    );
}

#[test]
fn hour_boundaries() {
    // A count that ends at the start of lunch or at closing time ends there.
    assert_eq!(
        due(&input("2026-11-23T09:00:00+09:00", "3h")),
        "2026-11-23T12:00:00+09:00"
    );
    assert_eq!(
        due(&input("2026-11-23T09:00:00+09:00", "1d")),
        "2026-11-23T18:00:00+09:00"
    );
    // Sub-second parts are kept (to the microsecond).
    assert_eq!(
        due(&input("2026-11-23T10:00:00.250+09:00", "1h")),
        "2026-11-23T11:00:00.250+09:00"
    );
}

#[test]
fn receipt_during_lunch_after_hours_and_on_holidays() {
    // Lunch: the count starts at 13:00.
    assert_eq!(
        due(&input("2026-11-23T12:30:00+09:00", "1h")),
        "2026-11-23T14:00:00+09:00"
    );
    // After hours: the count starts at 09:00 the next working day.
    assert_eq!(
        due(&input("2026-11-23T19:00:00+09:00", "1d")),
        "2026-11-24T18:00:00+09:00"
    );
    // Before opening.
    assert_eq!(
        due(&input("2026-11-23T07:00:00+09:00", "2h")),
        "2026-11-23T11:00:00+09:00"
    );
    // On 설날 (Tue 2026-02-17): the holidays run to Wed 18; the count starts Thu 19 09:00.
    assert_eq!(
        due(&input("2026-02-17T10:00:00+09:00", "3h")),
        "2026-02-19T12:00:00+09:00"
    );
    // Day-counted, received on a Saturday: day 1 is Monday 30 Nov.
    // 30 Nov, 1, 2, 3, 4, 7, 8 Dec -> 8 Dec 18:00.
    assert_eq!(
        due(&input("2026-11-28T10:00:00+09:00", "7d")),
        "2026-12-08T18:00:00+09:00"
    );
    // Calendar counting starts on the receipt day even when it is a holiday:
    // Sat 2026-11-28 + 1 week ends Fri 4 Dec.
    assert_eq!(
        due(&input("2026-11-28T10:00:00+09:00", "1w")),
        "2026-12-04T18:00:00+09:00"
    );
}

#[test]
fn calendar_periods_follow_the_civil_act() {
    // 2 weeks from Mon 23 Nov end Sun 6 Dec -> rolled to Mon 7 Dec.
    assert_eq!(
        due(&input("2026-11-23T10:00:00+09:00", "2w")),
        "2026-12-07T18:00:00+09:00"
    );
    // 31 Jan + 1 month: February has no 31st, so the period ends on its last day, Sat 28
    // Feb; 1 Mar is Sunday (3·1절), 2 Mar its substitute holiday -> Tue 3 Mar.
    assert_eq!(
        due(&input("2026-01-31T10:00:00+09:00", "1m")),
        "2026-03-03T18:00:00+09:00"
    );
    // 29 Feb 2028 + 1 year: no 29 Feb 2029, so 28 Feb 2029 (Wed).
    assert_eq!(
        due(&input("2028-02-29T10:00:00+09:00", "1y")),
        "2029-02-28T18:00:00+09:00"
    );
    // 15 Mar + 1 month ends 14 Apr 2026 (Tue).
    assert_eq!(
        due(&input("2026-03-15T10:00:00+09:00", "1m")),
        "2026-04-14T18:00:00+09:00"
    );
}

#[test]
fn pause_spanning_a_weekend_hour_counted() {
    // Thu 26 Nov 10:00 + 3 days = 24 h: without the pause, Tue 1 Dec 10:00.
    let mut i = input("2026-11-26T10:00:00+09:00", "3d");
    assert_eq!(due(&i), "2026-12-01T10:00:00+09:00");
    // Paused Fri 10:00 -> Mon 10:00: the working time in between (Fri 7 h + Mon 1 h = 8 h)
    // does not count; the weekend was not working time anyway.
    i.pauses.push(pause(
        "2026-11-27T10:00:00+09:00",
        "2026-11-30T10:00:00+09:00",
    ));
    assert_eq!(due(&i), "2026-12-02T10:00:00+09:00");
}

#[test]
fn pause_spanning_a_weekend_day_counted_then_extension() {
    // Mon 23 Nov + 7 days, paused Fri 27 -> Mon 30: both dates and the weekend are out.
    // Counted: 23, 24, 25, 26, 1, 2, 3 Dec -> 3 Dec 18:00.
    let mut i = input("2026-11-23T10:00:00+09:00", "7d");
    i.pauses.push(pause(
        "2026-11-27T15:00:00+09:00",
        "2026-11-30T11:00:00+09:00",
    ));
    assert_eq!(due(&i), "2026-12-03T18:00:00+09:00");
    // Extension of 7 days after the pause: 7 counted days after 3 Dec:
    // 4, 7, 8, 9, 10, 11, 14 -> 14 Dec 18:00.
    i.extensions.push(Period::Days(7));
    assert_eq!(due(&i), "2026-12-14T18:00:00+09:00");
}

#[test]
fn extension_of_an_hour_counted_period() {
    // 3 days (Thu 26 Nov 10:00) + 1 day = 8 more working hours -> Fri 27 Nov 10:00.
    let mut i = input("2026-11-23T10:00:00+09:00", "3d");
    i.extensions.push(Period::Days(1));
    assert_eq!(due(&i), "2026-11-27T10:00:00+09:00");
    // A further 2-hour extension.
    i.extensions.push(Period::Hours(2));
    assert_eq!(due(&i), "2026-11-27T12:00:00+09:00");
}

#[test]
fn calendar_extension_of_a_day_counted_period() {
    // 7 days -> 1 Dec; + 1 week counted from 2 Dec: ends 8 Dec (Tue).
    let mut i = input("2026-11-23T10:00:00+09:00", "7d");
    i.extensions.push(Period::Weeks(1));
    assert_eq!(due(&i), "2026-12-08T18:00:00+09:00");
}

#[test]
fn pause_overlapping_the_due_moment() {
    // Due Thu 26 Nov 10:00 without the pause. Paused Thu 09:30 -> 11:00: 23.5 h were
    // counted by 09:30, the last 30 minutes run from 11:00 -> 11:30.
    let mut i = input("2026-11-23T10:00:00+09:00", "3d");
    i.pauses.push(pause(
        "2026-11-26T09:30:00+09:00",
        "2026-11-26T11:00:00+09:00",
    ));
    assert_eq!(due(&i), "2026-11-26T11:30:00+09:00");
    // A pause that starts exactly at the due moment changes nothing: the work was due.
    let mut i = input("2026-11-23T10:00:00+09:00", "3d");
    i.pauses.push(pause(
        "2026-11-26T10:00:00+09:00",
        "2026-11-26T12:00:00+09:00",
    ));
    assert_eq!(due(&i), "2026-11-26T10:00:00+09:00");
}

#[test]
fn pause_before_receipt_is_ignored() {
    let mut i = input("2026-11-23T10:00:00+09:00", "3d");
    i.pauses.push(pause(
        "2026-11-20T10:00:00+09:00",
        "2026-11-22T10:00:00+09:00",
    ));
    assert_eq!(due(&i), "2026-11-26T10:00:00+09:00");
    // A pause that ends exactly at receipt has no effect, even on a day count.
    let mut d = input("2026-11-23T10:00:00+09:00", "7d");
    d.pauses.push(pause(
        "2026-11-20T10:00:00+09:00",
        "2026-11-23T10:00:00+09:00",
    ));
    assert_eq!(due(&d), "2026-12-01T18:00:00+09:00");
    // Partly before: only the part after receipt counts (Mon 10:00-11:00 = 1 h).
    i.pauses.push(pause(
        "2026-11-20T10:00:00+09:00",
        "2026-11-23T11:00:00+09:00",
    ));
    assert_eq!(due(&i), "2026-11-26T11:00:00+09:00");
}

#[test]
fn open_pause_runs_until_now() {
    // Paused since Tue 10:00; at Wed 10:00 it has taken 8 working hours -> due Fri 10:00.
    let mut i = input("2026-11-23T10:00:00+09:00", "3d");
    i.pauses.push(Pause {
        start: t("2026-11-24T10:00:00+09:00"),
        end: None,
    });
    assert_eq!(
        due_at(&i, "2026-11-25T10:00:00+09:00"),
        "2026-11-27T10:00:00+09:00"
    );
    // Asked before the pause began: no effect yet.
    assert_eq!(
        due_at(&i, "2026-11-24T09:00:00+09:00"),
        "2026-11-26T10:00:00+09:00"
    );
}

#[test]
fn errors() {
    let c = cal();
    let now = t("2026-11-25T10:00:00+09:00");
    assert_eq!("0d".parse::<Period>(), Err(DeadlineError::ZeroPeriod));
    let zero = DeadlineInput::new(t("2026-11-23T10:00:00+09:00"), Period::Days(0));
    assert_eq!(deadline(&c, &zero, now), Err(DeadlineError::ZeroPeriod));
    let mut i = input("2026-11-23T10:00:00+09:00", "3d");
    i.extensions.push(Period::Hours(0));
    assert_eq!(deadline(&c, &i, now), Err(DeadlineError::ZeroPeriod));
    let mut i = input("2026-11-23T10:00:00+09:00", "3d");
    i.pauses.push(pause(
        "2026-11-24T10:00:00+09:00",
        "2026-11-24T09:00:00+09:00",
    ));
    assert!(matches!(
        deadline(&c, &i, now),
        Err(DeadlineError::PauseEndsBeforeStart { .. })
    ));
    // Outside the calendar's years.
    assert!(matches!(
        deadline(&c, &input("1989-12-01T10:00:00+09:00", "3d"), now),
        Err(DeadlineError::Calendar(_))
    ));
    assert!(matches!(
        deadline(&c, &input("2100-12-30T10:00:00+09:00", "7d"), now),
        Err(DeadlineError::Calendar(_))
    ));
    assert!(deadline(&c, &input("2026-01-01T10:00:00+09:00", "4000000000y"), now).is_err());
    assert!(deadline(&c, &input("2026-01-01T10:00:00+09:00", "4000000000h"), now).is_err());
    // A small calendar: a due day past its last year is an error, not a wrong answer.
    let small =
        WorkCalendar::new(2026, 2026, &HolidayData::default(), OfficeHours::default()).unwrap();
    assert!(deadline(&small, &input("2026-12-28T10:00:00+09:00", "14d"), now).is_err());
}

#[test]
fn time_left_and_elapsed() {
    let c = cal();
    let i = input("2026-11-23T10:00:00+09:00", "3d");
    let at = |s| {
        (
            working_time_elapsed(&c, &i, t(s)).unwrap(),
            working_time_left(&c, &i, t(s)).unwrap(),
        )
    };
    assert_eq!(
        at("2026-11-24T10:00:00+09:00"),
        (TimeDelta::hours(8), TimeDelta::hours(16))
    );
    assert_eq!(
        at("2026-11-26T10:00:00+09:00"),
        (TimeDelta::hours(24), TimeDelta::zero())
    );
    // Overdue by one working day on Fri 10:00; the weekend adds nothing.
    assert_eq!(at("2026-11-27T10:00:00+09:00").1, TimeDelta::hours(-8));
    assert_eq!(at("2026-11-29T10:00:00+09:00").1, TimeDelta::hours(-15));
    // Before receipt: nothing elapsed.
    assert_eq!(at("2026-11-20T10:00:00+09:00").0, TimeDelta::zero());
    // A pause is excluded from both.
    let mut p = i.clone();
    p.pauses.push(pause(
        "2026-11-24T09:00:00+09:00",
        "2026-11-24T18:00:00+09:00",
    ));
    let now = t("2026-11-25T09:00:00+09:00");
    assert_eq!(
        working_time_elapsed(&c, &p, now).unwrap(),
        TimeDelta::hours(7)
    );
    assert_eq!(
        working_time_left(&c, &p, now).unwrap(),
        TimeDelta::hours(17)
    );
}

#[test]
fn local_holidays_setting() {
    use calendar::{Holiday, HolidayKind};
    let local = Holiday {
        date: "2026-11-24".parse().unwrap(),
        name: "시민의 날".into(),
        kind: HolidayKind::Local,
    };
    let mut data = HolidayData {
        extra: vec![local],
        ..HolidayData::default()
    };
    let closed = WorkCalendar::new(2026, 2027, &data, OfficeHours::default()).unwrap();
    data.local_holidays_are_working_days = true;
    let open = WorkCalendar::new(2026, 2027, &data, OfficeHours::default()).unwrap();
    let i = input("2026-11-23T10:00:00+09:00", "3d");
    let now = t("2026-11-23T10:00:00+09:00");
    assert_eq!(
        to_seoul(deadline(&closed, &i, now).unwrap()).to_rfc3339(),
        "2026-11-27T10:00:00+09:00"
    );
    assert_eq!(
        to_seoul(deadline(&open, &i, now).unwrap()).to_rfc3339(),
        "2026-11-26T10:00:00+09:00"
    );
}

#[test]
fn explanation_in_korean() {
    let mut i = input("2026-11-23T10:00:00+09:00", "7d");
    i.pauses.push(pause(
        "2026-11-27T15:00:00+09:00",
        "2026-11-30T11:00:00+09:00",
    ));
    i.extensions.push(Period::Days(7));
    let now = t("2026-12-01T10:00:00+09:00");
    let e = explain(&cal(), &i, now).unwrap();
    assert_eq!(e.due.to_rfc3339(), "2026-12-14T18:00:00+09:00");
    assert_eq!(to_seoul(deadline(&cal(), &i, now).unwrap()), e.due);
    let lines = e.korean_lines();
    assert_eq!(
        lines,
        vec![
            "처리기간: 7일 — 근무일로 계산 (접수일이 근무일이면 첫날 산입)",
            "접수: 2026-11-23 10:00",
            "기산일: 2026-11-23",
            "정지·연장 전 처리기한: 2026-12-01 18:00",
            "처리 정지: 2026-11-27 15:00 ~ 2026-11-30 11:00 (4일(근무일 2일) 제외)",
            "연장: 7일 → 2026-12-14 18:00",
            "처리기한: 2026-12-14 18:00",
        ]
    );
    let json = serde_json::to_value(&e).unwrap();
    assert_eq!(json["mode"], "working_days");
    assert_eq!(json["period"], "7d");
}

#[test]
fn settings_for_our_readings() {
    use calendar::{DayEnd, DeadlineRules, PauseExclusion};
    let now = t("2099-01-01T00:00:00+09:00");
    let with = |rules: DeadlineRules, i: &DeadlineInput| {
        let c = cal().with_rules(rules);
        to_seoul(deadline(&c, i, now).unwrap()).to_rfc3339()
    };
    // Receipt after hours, day-counted: by default day 1 is the receipt day (1 Dec);
    // with the setting the count starts the next working day (2 Dec).
    let late = input("2026-11-23T18:30:00+09:00", "7d");
    assert_eq!(
        with(DeadlineRules::default(), &late),
        "2026-12-01T18:00:00+09:00"
    );
    let next_day = DeadlineRules {
        after_hours_receipt_starts_next_day: true,
        ..Default::default()
    };
    assert_eq!(with(next_day, &late), "2026-12-02T18:00:00+09:00");
    // Before closing time the setting changes nothing.
    assert_eq!(
        with(next_day, &input("2026-11-23T17:59:00+09:00", "7d")),
        "2026-12-01T18:00:00+09:00"
    );

    // Hour-counted pause excluded as whole days: paused Tue 15:00-16:00 takes all of Tuesday.
    let mut i = input("2026-11-23T10:00:00+09:00", "3d");
    i.pauses.push(pause(
        "2026-11-24T15:00:00+09:00",
        "2026-11-24T16:00:00+09:00",
    ));
    assert_eq!(
        with(DeadlineRules::default(), &i),
        "2026-11-26T11:00:00+09:00"
    );
    let whole = DeadlineRules {
        hour_counted_pauses: PauseExclusion::WholeDays,
        ..Default::default()
    };
    assert_eq!(with(whole, &i), "2026-11-27T10:00:00+09:00");

    // Calendar periods ending at midnight instead of closing time.
    let midnight = DeadlineRules {
        calendar_period_end: DayEnd::Midnight,
        ..Default::default()
    };
    let mut m = input("2026-01-15T15:00:00+09:00", "1m");
    assert_eq!(with(midnight, &m), "2026-02-20T00:00:00+09:00");
    // ... and an extension of 1 week counts from the day after the due day (20 Feb).
    m.extensions.push(Period::Weeks(1));
    assert_eq!(with(midnight, &m), "2026-02-27T00:00:00+09:00");
    assert_eq!(
        with(DeadlineRules::default(), &m),
        "2026-02-26T18:00:00+09:00"
    );
}
