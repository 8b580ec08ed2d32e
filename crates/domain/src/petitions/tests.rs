use super::*;
use chrono::TimeZone;
use proptest::prelude::*;

fn cal() -> WorkCalendar {
    WorkCalendar::standard().unwrap()
}

/// Mon 2026-11-23 10:00 KST.
fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, 1, 0, 0).unwrap()
}

fn h(hours: i64) -> DateTime<Utc> {
    t0() + chrono::Duration::hours(hours)
}

fn filed(anonymous: bool) -> Event {
    filed_as(Kind::QuestionSystem, anonymous)
}

fn filed_as(kind: Kind, anonymous: bool) -> Event {
    Event::Filed {
        kind,
        channel: Channel::Web,
        anonymous,
        department_id: 1,
        period: Some(Period::Days(7)),
        receipt_due: None,
        repeat: None,
        flagged: false,
    }
}

fn received() -> Derived {
    let c = cal();
    Derived::filed(&filed(false), t0())
        .unwrap()
        .apply(
            &Event::Received {
                receipt_no: "2026-0000001".into(),
            },
            t0(),
            &c,
        )
        .unwrap()
}

fn ext(ground: ExtensionGround, consent: bool) -> Event {
    Event::Extended {
        period: Period::Days(7),
        ground,
        reason: "관계기관 협의".into(),
        consent,
        new_due: h(500),
    }
}

#[test]
fn deadline_comes_from_the_calendar() {
    let d = received();
    let c = cal();
    let want = calendar::deadline(&c, &DeadlineInput::new(t0(), Period::Days(7)), t0()).unwrap();
    assert_eq!(d.due(&c, t0()).unwrap(), Some(want));
    // DOMAIN.md example: received Mon 23 Nov, 7 days → 1 Dec 18:00 KST.
    assert_eq!(
        calendar::to_seoul(want).to_rfc3339(),
        "2026-12-01T18:00:00+09:00"
    );
}

#[test]
fn extensions_follow_decree_21() {
    let c = cal();
    let d = received();
    for bad in [ExtensionGround::Workload, ExtensionGround::AbsentHandler] {
        let e = d.apply(&ext(bad, true), h(1), &c).unwrap_err();
        assert_eq!(e.code, "extension_ground_not_allowed");
    }
    let too_long = Event::Extended {
        period: Period::Days(8),
        ground: ExtensionGround::Cooperation,
        reason: "x".into(),
        consent: false,
        new_due: h(1),
    };
    assert_eq!(
        d.apply(&too_long, h(1), &c).unwrap_err().code,
        "extension_too_long"
    );
    let once = d
        .apply(&ext(ExtensionGround::Cooperation, false), h(1), &c)
        .unwrap();
    assert_eq!(
        once.apply(&ext(ExtensionGround::FactCheck, false), h(2), &c)
            .unwrap_err()
            .code,
        "extension_needs_consent"
    );
    let twice = once
        .apply(&ext(ExtensionGround::FactCheck, true), h(2), &c)
        .unwrap();
    assert_eq!(
        twice
            .apply(&ext(ExtensionGround::FactCheck, true), h(3), &c)
            .unwrap_err()
            .code,
        "extension_limit"
    );
    // Each extension adds to the calendar's input.
    assert_eq!(twice.deadline_input(h(3)).unwrap().extensions.len(), 2);
}

#[test]
fn supplement_only_within_eight_working_hours() {
    let c = cal();
    let d = received();
    let ask = |at| Event::SupplementRequested {
        items: "도면 사본".into(),
        answer_by: at + chrono::Duration::days(7),
    };
    // Mon 10:00 + 7 working hours (Mon 10–18 minus lunch) is fine.
    assert!(d.apply(&ask(h(7)), h(7), &c).is_ok());
    // Wednesday is far beyond 8 working hours.
    let e = d.apply(&ask(h(48)), h(48), &c).unwrap_err();
    assert_eq!(e.code, "supplement_too_late");
}

#[test]
fn the_desk_asks_the_same_supplement_rule_the_step_applies() {
    let c = cal();
    let d = received();
    assert!(d.check_supplement_in_time(h(7), &c).is_ok());
    assert_eq!(
        d.check_supplement_in_time(h(48), &c).unwrap_err().code,
        "supplement_too_late"
    );
}

#[test]
fn extension_room_is_exactly_the_cap() {
    for original in [
        Period::Immediate,
        Period::Hours(4),
        Period::Days(3),
        Period::Days(7),
        Period::Days(14),
        Period::Weeks(2),
        Period::Months(1),
    ] {
        let (unit, max) = extension_room(original);
        let check = |n| {
            check_extension(
                original,
                &[],
                unit.period(n),
                ExtensionGround::FactCheck,
                "현장 확인",
                false,
            )
        };
        assert!(check(1).is_ok(), "{original:?} 1");
        assert!(check(max).is_ok(), "{original:?} {max}");
        assert_eq!(
            check(max + 1).unwrap_err().code,
            "extension_too_long",
            "{original:?} {max}+1"
        );
    }
    // An immediate petition is extended in working hours, at most its own 3.
    assert_eq!(
        extension_room(Period::Immediate),
        (ExtensionUnit::WorkingHours, 3)
    );
}

#[test]
fn extension_count_is_the_rule_the_step_applies() {
    assert!(check_extension_count(&[], false).is_ok());
    let one = [ExtensionRecord {
        at: t0(),
        period: Period::Days(7),
        ground: ExtensionGround::FactCheck,
        reason: "x".into(),
        consent: false,
    }];
    assert_eq!(
        check_extension_count(&one, false).unwrap_err().code,
        "extension_needs_consent"
    );
    assert!(check_extension_count(&one, true).is_ok());
    let two = [one[0].clone(), one[0].clone()];
    assert_eq!(
        check_extension_count(&two, true).unwrap_err().code,
        "extension_limit"
    );
}

#[test]
fn supplement_pauses_the_clock_and_failed_deliveries_withdraw() {
    let c = cal();
    let d = received()
        .apply(
            &Event::SupplementRequested {
                items: "서류".into(),
                answer_by: h(100),
            },
            h(1),
            &c,
        )
        .unwrap();
    assert_eq!(d.state, State::Supplement);
    assert_eq!(d.pauses.len(), 1);
    assert!(d.pauses[0].end.is_none());
    let more = d
        .apply(&Event::SupplementMoreTime { answer_by: h(150) }, h(2), &c)
        .unwrap()
        .apply(&Event::SupplementMoreTime { answer_by: h(200) }, h(3), &c)
        .unwrap();
    assert_eq!(
        more.apply(&Event::SupplementMoreTime { answer_by: h(300) }, h(4), &c)
            .unwrap_err()
            .code,
        "supplement_more_time_limit"
    );
    let back = d
        .apply(&Event::SupplementReceived { note: "".into() }, h(30), &c)
        .unwrap();
    assert_eq!(back.state, State::Received);
    assert_eq!(back.pauses[0].end, Some(h(30)));
    let gone = d
        .apply(&Event::SupplementDeliveryFailed, h(2), &c)
        .unwrap()
        .apply(&Event::SupplementDeliveryFailed, h(3), &c)
        .unwrap();
    assert_eq!(gone.state, State::Withdrawn);
    assert!(
        d.apply(
            &Event::ReturnedUnsupplemented { reason: "x".into() },
            h(50),
            &c
        )
        .is_err(),
        "not before the supplement deadline"
    );
    assert_eq!(
        d.apply(
            &Event::ReturnedUnsupplemented { reason: "x".into() },
            h(101),
            &c
        )
        .unwrap()
        .state,
        State::Returned
    );
}

#[test]
fn answering_a_closed_petition_is_refused() {
    let c = cal();
    let answered = received()
        .apply(
            &Event::Answered {
                text: "답변".into(),
                template: None,
                additional: false,
            },
            h(1),
            &c,
        )
        .unwrap();
    let closed = answered
        .apply(&Event::Closed { reason: "".into() }, h(2), &c)
        .unwrap();
    let again = Event::Answered {
        text: "또".into(),
        template: None,
        additional: false,
    };
    let e = closed.apply(&again, h(3), &c).unwrap_err();
    assert_eq!(e.code, "transition_not_allowed");
    // Additional answers only after a dissatisfied rating.
    let more = Event::Answered {
        text: "추가".into(),
        template: None,
        additional: true,
    };
    assert_eq!(
        closed.apply(&more, h(3), &c).unwrap_err().code,
        "not_dissatisfied"
    );
    let rated = closed
        .apply(
            &Event::Rated {
                score: 1,
                comment: "".into(),
                more_wanted: false,
            },
            h(3),
            &c,
        )
        .unwrap();
    let re = rated.apply(&more, h(4), &c).unwrap();
    assert_eq!(re.results_notified, 2);
    assert_eq!(re.state, State::Closed);
    assert!(re.satisfaction.is_none(), "a new answer can be rated again");
}

#[test]
fn repeated_petitions_need_two_notified_results() {
    let c = cal();
    let mut d = received();
    d.repeat = Some(RepeatInfo {
        earlier: vec![1],
        results_notified: 1,
    });
    let close = Event::ClosedAsRepeated {
        basis: "동일 내용 3회".into(),
    };
    assert_eq!(d.apply(&close, h(1), &c).unwrap_err().code, "not_repeated");
    d.repeat = Some(RepeatInfo {
        earlier: vec![1, 2],
        results_notified: 2,
    });
    assert_eq!(d.apply(&close, h(1), &c).unwrap().state, State::Closed);
}

#[test]
fn anonymous_reports_have_no_clock() {
    let c = cal();
    let d = Derived::filed(&filed(true), t0())
        .unwrap()
        .apply(
            &Event::Received {
                receipt_no: "2026-0000002".into(),
            },
            t0(),
            &c,
        )
        .unwrap();
    assert_eq!(d.due(&c, t0()).unwrap(), None);
    assert!(
        d.apply(&ext(ExtensionGround::Cooperation, false), h(1), &c)
            .is_err()
    );
    assert_eq!(
        d.apply(
            &Event::Closed {
                reason: "확인".into()
            },
            h(1),
            &c
        )
        .unwrap()
        .state,
        State::Closed
    );
}

#[test]
fn templates_fill_known_placeholders() {
    assert_eq!(
        render_template(
            "{name}님, 접수번호 {receipt_no} {unknown}",
            &[("name", "홍*동"), ("receipt_no", "2026-0000001")]
        ),
        "홍*동님, 접수번호 2026-0000001 {unknown}"
    );
    assert_eq!(render_template("열린 {괄호", &[]), "열린 {괄호");
    assert_eq!(receipt_number(2026, 123), "2026-0000123");
}

#[test]
fn receipt_numbers_are_read_in_every_usual_form() {
    let one = NumberQuery::Receipt(vec!["2026-0000061".into()]);
    assert_eq!(number_query("2026-0000061", 2026), Some(one.clone()));
    assert_eq!(number_query(" 2026-61 ", 2026), Some(one));
    let years: Vec<String> = (2022..=2026).rev().map(|y| receipt_number(y, 61)).collect();
    assert_eq!(
        number_query("0000061", 2026),
        Some(NumberQuery::Receipt(years.clone()))
    );
    assert_eq!(number_query("61", 2026), Some(NumberQuery::Receipt(years)));
    assert_eq!(number_query("(61)", 2026), Some(NumberQuery::Petition(61)));
    for words in [
        "도로 파손",
        "김*수",
        "",
        "0",
        "12345678",
        "26-61",
        "2026-",
        "(x)",
    ] {
        assert_eq!(number_query(words, 2026), None, "{words}");
    }
}

#[test]
fn an_additional_answer_request_needs_a_low_rating_and_ends_with_the_answer() {
    let c = cal();
    let answered = received()
        .apply(
            &Event::Answered {
                text: "답변".into(),
                template: None,
                additional: false,
            },
            h(1),
            &c,
        )
        .unwrap();
    let ask = |score| Event::Rated {
        score,
        comment: String::new(),
        more_wanted: true,
    };
    assert_eq!(
        answered.apply(&ask(3), h(3), &c).unwrap_err().code,
        "additional_needs_low_rating"
    );
    let asked = answered.apply(&ask(2), h(3), &c).unwrap();
    assert_eq!(asked.additional_requested, Some(h(3)));
    assert_eq!(asked.state, State::Answered, "the state stays answered");
    let given = asked
        .apply(
            &Event::Answered {
                text: "추가 답변".into(),
                template: None,
                additional: true,
            },
            h(4),
            &c,
        )
        .unwrap();
    assert_eq!(given.additional_requested, None);
}

#[test]
fn templates_may_use_only_known_placeholders() {
    assert!(
        validate_template(
            "기본",
            "{name}님, {answer} — {department} {official} {date}"
        )
        .is_ok()
    );
    assert!(validate_template("괄호", "열린 {괄호 {receipt_no}").is_ok());
    let e = validate_template("오타", "{nmae}님").unwrap_err();
    assert!(e.message().contains("{nmae}") && e.message().contains("{receipt_no}"));
    assert!(validate_template("", "text").is_err());
    assert!(validate_template("빈 서식", "  ").is_err());
}

fn any_event() -> impl Strategy<Value = Event> {
    prop_oneof![
        Just(Event::Received {
            receipt_no: "2026-0000009".into()
        }),
        (1i64..4, proptest::option::of(1i64..4)).prop_map(|(d, a)| Event::Assigned {
            department_id: d,
            assignee_id: a
        }),
        (1i64..4).prop_map(|to| Event::Transferred {
            to,
            far_or_misassigned: false,
            reason: "소관".into(),
            due: h(1)
        }),
        Just(Event::SupplementRequested {
            items: "서류".into(),
            answer_by: h(400)
        }),
        Just(Event::SupplementReceived { note: "".into() }),
        Just(Event::SupplementDeliveryFailed),
        Just(Event::PauseStarted {
            kind: PauseKind::Inspection,
            reason: "검사".into()
        }),
        Just(Event::PauseEnded { note: "".into() }),
        Just(site("현장 확인")),
        Just(Event::SiteInvestigationExtended {
            reason: "추가 조사".into()
        }),
        any::<bool>().prop_map(|c| ext(ExtensionGround::Cooperation, c)),
        Just(ext(ExtensionGround::Workload, true)),
        Just(Event::ProgressNotice { note: "".into() }),
        any::<bool>().prop_map(|additional| Event::Answered {
            text: "답변".into(),
            template: None,
            additional
        }),
        Just(Event::Closed { reason: "".into() }),
        (0u8..7, any::<bool>()).prop_map(|(score, more_wanted)| Event::Rated {
            score,
            comment: "".into(),
            more_wanted
        }),
        Just(Event::Reopened {
            reason: "재검토".into()
        }),
        Just(Event::Note {
            text: "메모".into()
        }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// Applying steps one by one (refused ones dropped, as storage does) and replaying the
    /// accepted timeline give the same state: the copy can never disagree with the timeline.
    #[test]
    fn replay_equals_stepwise_state(
        grievance in any::<bool>(),
        events in proptest::collection::vec((any_event(), 1i64..5000), 0..25),
    ) {
        let c = cal();
        let event = if grievance { grievance_filed() } else { filed(false) };
        let first = TimelineEntry { at: t0(), actor: None, event };
        let mut timeline = vec![first.clone()];
        let mut state = Derived::filed(&first.event, first.at).unwrap();
        let mut at = t0();
        for (e, gap_minutes) in events {
            // Gaps from a minute to about three days: within and beyond the 8-hour and
            // 14-day limits.
            at += chrono::Duration::minutes(gap_minutes);
            let before = state.clone();
            match state.apply(&e, at, &c) {
                Ok(next) => {
                    state = next;
                    timeline.push(TimelineEntry { at, actor: None, event: e });
                }
                Err(_) => prop_assert_eq!(&state, &before),
            }
            prop_assert_eq!(state.events as usize, timeline.len());
            // The deadline is always computable from the derived inputs.
            prop_assert!(state.due(&c, at).is_ok());
        }
        prop_assert_eq!(Derived::replay(&timeline, &c).unwrap(), state);
    }
}

fn grievance_filed() -> Event {
    filed_as(Kind::Grievance, false)
}

fn grievance_received() -> Derived {
    let c = cal();
    Derived::filed(&grievance_filed(), t0())
        .unwrap()
        .apply(
            &Event::Received {
                receipt_no: "2026-0000002".into(),
            },
            t0(),
            &c,
        )
        .unwrap()
}

fn site(reason: &str) -> Event {
    Event::PauseStarted {
        kind: PauseKind::SiteInvestigation,
        reason: reason.into(),
    }
}

fn days(n: i64) -> DateTime<Utc> {
    t0() + chrono::Duration::days(n)
}

/// Seoul dates from 2026-11-24 on, `n` of them, as pauses: what the calendar must skip.
fn due_with_pause_days(first: i64, n: i64) -> DateTime<Utc> {
    let c = cal();
    let mut input = DeadlineInput::new(t0(), Period::Days(7));
    input.pauses.push(Pause {
        start: days(first),
        end: Some(days(first + n - 1)),
    });
    calendar::deadline(&c, &input, days(first + n)).unwrap()
}

#[test]
fn site_investigation_is_for_grievances_only() {
    let c = cal();
    assert_eq!(
        received()
            .apply(&site("현장 확인"), h(1), &c)
            .unwrap_err()
            .code,
        "site_investigation_grievance_only"
    );
    assert!(
        grievance_received()
            .apply(&site("현장 확인"), h(1), &c)
            .is_ok()
    );
}

#[test]
fn site_investigation_stops_the_clock_for_fourteen_days_at_most() {
    let c = cal();
    let paused = grievance_received()
        .apply(&site("현장 확인"), days(1), &c)
        .unwrap();
    // Ten days in: all of it is excluded, like any pause.
    let resumed = paused
        .apply(&Event::PauseEnded { note: "".into() }, days(10), &c)
        .unwrap();
    assert_eq!(
        resumed.due(&c, days(10)).unwrap().unwrap(),
        due_with_pause_days(1, 10)
    );
    // Thirty days in: only fourteen dates are excluded; the rest counts.
    let long = paused
        .apply(&Event::PauseEnded { note: "".into() }, days(30), &c)
        .unwrap();
    assert_eq!(
        long.due(&c, days(30)).unwrap().unwrap(),
        due_with_pause_days(1, 14)
    );
    // Still open after thirty days: the same, the clock has run again since day 15.
    assert_eq!(
        paused.due(&c, days(30)).unwrap().unwrap(),
        due_with_pause_days(1, 14)
    );
    // The allowance is shared by every investigation of the petition.
    assert_eq!(long.site_investigation_days_left(days(30)), 0);
    assert_eq!(
        long.apply(&site("재조사"), days(31), &c).unwrap_err().code,
        "site_investigation_exhausted"
    );
    let short = resumed;
    assert_eq!(short.site_investigation_days_left(days(11)), 4);
}

#[test]
fn site_investigation_extends_once_by_seven_days() {
    let c = cal();
    let paused = grievance_received()
        .apply(&site("현장 확인"), days(1), &c)
        .unwrap();
    let extend = |reason: &str| Event::SiteInvestigationExtended {
        reason: reason.into(),
    };
    assert_eq!(
        grievance_received()
            .apply(&extend("추가 조사"), days(1), &c)
            .unwrap_err()
            .code,
        "not_investigating"
    );
    assert_eq!(
        paused.apply(&extend(" "), days(5), &c).unwrap_err().code,
        "missing_field"
    );
    let extended = paused.apply(&extend("추가 조사"), days(12), &c).unwrap();
    assert_eq!(
        extended
            .apply(&extend("또"), days(13), &c)
            .unwrap_err()
            .code,
        "site_investigation_extended_once"
    );
    let ended = extended
        .apply(&Event::PauseEnded { note: "".into() }, days(40), &c)
        .unwrap();
    assert_eq!(
        ended.due(&c, days(40)).unwrap().unwrap(),
        due_with_pause_days(1, 21)
    );
}

fn received_with(period: Period) -> Derived {
    let c = cal();
    let filed = Event::Filed {
        kind: Kind::QuestionSystem,
        channel: Channel::Web,
        anonymous: false,
        department_id: 1,
        period: Some(period),
        receipt_due: None,
        repeat: None,
        flagged: false,
    };
    Derived::filed(&filed, t0())
        .unwrap()
        .apply(
            &Event::Received {
                receipt_no: "2026-0000009".into(),
            },
            t0(),
            &c,
        )
        .unwrap()
}

fn extend_by(period: Period) -> Event {
    Event::Extended {
        period,
        ground: ExtensionGround::Cooperation,
        reason: "관계기관 협의".into(),
        consent: false,
        new_due: h(1),
    }
}

/// Decree art. 21 caps an extension at the original period, compared in the period's own unit:
/// working hours up to 5 days, days beyond. Each case sits on a boundary.
#[test]
fn extension_cap_in_the_periods_own_unit() {
    let c = cal();
    let cases: [(Period, Period, bool); 17] = [
        // 즉시 = 3 working hours: 3h fits, 4h and one day do not.
        (Period::Immediate, Period::Hours(3), true),
        (Period::Immediate, Period::Immediate, true),
        (Period::Immediate, Period::Hours(4), false),
        (Period::Immediate, Period::Days(1), false),
        // 8 hours = 1 day.
        (Period::Hours(8), Period::Days(1), true),
        (Period::Hours(8), Period::Hours(9), false),
        // 5 days = 40 working hours: 40h fits, 41h does not, nor 6 days or a week.
        (Period::Days(5), Period::Hours(40), true),
        (Period::Days(5), Period::Days(5), true),
        (Period::Days(5), Period::Hours(41), false),
        (Period::Days(5), Period::Days(6), false),
        (Period::Days(5), Period::Weeks(1), false),
        // 6 days counts in days: 6 days or 48 hours fit, 7 days or 49 hours (a 7th day) do not.
        (Period::Days(6), Period::Days(6), true),
        (Period::Days(6), Period::Hours(48), true),
        (Period::Days(6), Period::Hours(49), false),
        (Period::Days(6), Period::Days(7), false),
        // 14 days against two weeks, and a month against a month.
        (Period::Days(14), Period::Weeks(2), true),
        (Period::Months(1), Period::Months(2), false),
    ];
    for (original, extension, allowed) in cases {
        let got = received_with(original).apply(&extend_by(extension), h(1), &c);
        match (allowed, got) {
            (true, Ok(_)) => {}
            (false, Err(e)) => {
                assert_eq!(e.code, "extension_too_long", "{original} + {extension}");
                assert!(e.message().contains("(an extension of"), "{}", e.message());
            }
            (want, got) => panic!("{original} + {extension}: wanted {want}, got {got:?}"),
        }
    }
    let (ext, cap, unit) = extension_against_cap(Period::Days(5), Period::Hours(41));
    assert_eq!((ext, cap, unit), (41, 40, Unit::WorkingHours));
    let (ext, cap, unit) = extension_against_cap(Period::Days(6), Period::Hours(49));
    assert_eq!((ext, cap, unit), (7, 6, Unit::Days));
}

#[test]
fn answers_with_draft_marks_or_placeholders_are_refused() {
    for bad in [
        "[초안 · DRAFT] 담당자가 검토·수정한 뒤 발송하십시오.\n\n답변입니다.",
        "김민원님, {answer}",
        "김민원님, {{ name }} 답변입니다.",
        "처리했습니다. [채울 항목 · to fill] 처리기한",
        "{처리기한}까지 처리하겠습니다.",
    ] {
        let e = check_answer_text(bad).unwrap_err();
        assert!(
            matches!(e.code, "answer_is_draft" | "answer_unfilled"),
            "{bad}: {e:?}"
        );
        assert!(
            e.message().contains('('),
            "Korean and English: {}",
            e.message()
        );
    }
    for good in [
        "김민원님, 보도블록을 11월 30일까지 고치겠습니다.",
        "수식 {x + 1}은 자리표시자가 아닙니다.",
        "{} 빈 괄호",
    ] {
        check_answer_text(good).unwrap();
    }
}

fn submitted(d: &Derived, step: HeldStep, by: AccountId, at: DateTime<Utc>) -> Derived {
    d.apply(
        &Event::ApprovalRequested {
            step,
            submitted_by: Some(by),
        },
        at,
        &cal(),
    )
    .unwrap()
}

#[test]
fn approval_holds_the_step_until_decided() {
    let c = cal();
    let d = received_with(Period::Days(7));
    let answer = HeldStep::Answer {
        text: "답변입니다.".into(),
        template: None,
        additional: false,
    };
    let held = submitted(&d, answer.clone(), 7, h(1));
    // Nothing took effect and the clock keeps running (no pause).
    assert_eq!(held.state, State::Received);
    assert!(held.answers.is_empty());
    assert_eq!(held.pauses.len(), 0);
    assert_eq!(held.due(&c, h(1)).unwrap(), d.due(&c, h(1)).unwrap());
    // One at a time.
    let again = held.apply(
        &Event::ApprovalRequested {
            step: answer.clone(),
            submitted_by: Some(7),
        },
        h(2),
        &c,
    );
    assert_eq!(again.unwrap_err().code, "approval_pending");
    // Nobody decides their own submission.
    let pending = held.approval.clone().unwrap();
    assert_eq!(
        check_approver(&pending, 7).unwrap_err().code,
        "own_submission"
    );
    check_approver(&pending, 8).unwrap();
    // Returned needs a comment; then it is remembered for the official.
    let no_comment = held.apply(
        &Event::ApprovalReturned {
            comment: " ".into(),
        },
        h(2),
        &c,
    );
    assert_eq!(no_comment.unwrap_err().code, "missing_field");
    let returned = held
        .apply(
            &Event::ApprovalReturned {
                comment: "근거 법령을 적어 주세요".into(),
            },
            h(2),
            &c,
        )
        .unwrap();
    assert!(returned.approval.is_none());
    assert_eq!(
        returned.approval_returned.as_ref().unwrap().submitted_by,
        Some(7)
    );
    // Deciding twice is refused.
    for decision in [
        Event::Approved {
            comment: String::new(),
        },
        Event::ApprovalReturned {
            comment: "x".into(),
        },
    ] {
        assert_eq!(
            returned.apply(&decision, h(3), &c).unwrap_err().code,
            "no_pending_approval"
        );
    }
    // Resubmitted and approved: then the held answer applies.
    let resubmitted = submitted(&returned, answer.clone(), 7, h(3));
    assert!(resubmitted.approval_returned.is_none());
    let approved = resubmitted
        .apply(
            &Event::Approved {
                comment: String::new(),
            },
            h(4),
            &c,
        )
        .unwrap();
    let answered = approved.apply(&answer.event(h(4)), h(4), &c).unwrap();
    assert_eq!(answered.state, State::Answered);
}

#[test]
fn an_extension_over_the_cap_cannot_even_be_submitted() {
    let d = received_with(Period::Immediate);
    let e = d
        .apply(
            &Event::ApprovalRequested {
                step: HeldStep::Extension {
                    period: Period::Days(1),
                    ground: ExtensionGround::Cooperation,
                    reason: "협의".into(),
                    consent: false,
                },
                submitted_by: Some(7),
            },
            h(1),
            &cal(),
        )
        .unwrap_err();
    assert_eq!(e.code, "extension_too_long");
}
