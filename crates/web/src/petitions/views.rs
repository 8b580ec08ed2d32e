//! How the petition desk's pages put states, timeline events and deadlines into words, in the
//! reader's language (Korean first, English by the switch).

use crate::kit::page::{Lang, when};
use chrono::{DateTime, Utc};
use domain::petitions::{Event, ExtensionGround, PauseKind, State as PState};

/// How the office's pages name a petition: its receipt number, or before receipt its
/// number in parentheses.
pub fn number(p: &store::petitions::Petition) -> String {
    p.receipt_no
        .clone()
        .unwrap_or_else(|| format!("({})", p.id))
}

/// A refused form's message: both languages on a Korean page (the office's own language), the
/// English one alone on an English page.
pub fn form_error(lang: Lang, ko: &str, en: &str) -> String {
    match lang {
        Lang::Ko => format!("{ko} ({en})"),
        Lang::En => en.to_string(),
    }
}

pub fn state_name(lang: Lang, s: PState) -> &'static str {
    match lang {
        Lang::Ko => s.korean(),
        Lang::En => match s {
            PState::Arrived => "arrived, waiting for receipt",
            PState::Received => "received",
            PState::InProgress => "being handled",
            PState::Supplement => "waiting for your supplement",
            PState::Paused => "paused",
            PState::Answered => "answered",
            PState::Closed => "closed",
            PState::TransferredOut => "sent to another agency",
            PState::Returned => "returned",
            PState::Withdrawn => "withdrawn",
        },
    }
}

pub fn pause_name(lang: Lang, k: PauseKind) -> &'static str {
    match k {
        PauseKind::Supplement => lang.t("보완", "supplement"),
        PauseKind::SiteInvestigation => lang.t("현장조사", "site investigation"),
        PauseKind::Inspection => lang.t("시험·검사·감정", "tests or expert review"),
        PauseKind::Hearing => lang.t("의견청취", "hearing opinions"),
        PauseKind::Prerequisite => lang.t("선결문제 대기", "waiting for a prerequisite matter"),
        PauseKind::Outage => lang.t("시스템 장애", "system outage"),
    }
}

pub fn ground_name(lang: Lang, g: ExtensionGround) -> &'static str {
    match g {
        ExtensionGround::Cooperation => lang.t("관계기관 협의", "cooperation with other bodies"),
        ExtensionGround::FactCheck => lang.t("사실·현장 확인", "fact or site checks"),
        ExtensionGround::ForceMajeure => lang.t("천재지변 등", "force majeure"),
        ExtensionGround::Similar => lang.t("그 밖의 부득이한 사유", "similar unavoidable reason"),
        ExtensionGround::Workload => lang.t("업무량 (불가)", "workload (not allowed)"),
        ExtensionGround::AbsentHandler => {
            lang.t("담당자 부재 (불가)", "absent handler (not allowed)")
        }
    }
}

/// A timeline event in plain words for the petitioner; `None` for the office's internal steps
/// (notes, reminders), which residents do not see.
pub fn event_words(lang: Lang, e: &Event) -> Option<String> {
    let l = lang;
    Some(match e {
        Event::Filed { .. } => l.t("민원이 도착했습니다.", "Your petition arrived.").into(),
        Event::Received { receipt_no } => match l {
            Lang::Ko => format!("접수되었습니다. 접수번호 {receipt_no}"),
            Lang::En => format!("Received with receipt number {receipt_no}."),
        },
        Event::Assigned { .. } => l
            .t(
                "담당 부서(담당자)가 정해졌습니다.",
                "A department and official took it on.",
            )
            .into(),
        Event::Transferred { reason, .. } => match l {
            Lang::Ko => format!("처리할 부서로 옮겼습니다 (이송). 사유: {reason}"),
            Lang::En => format!("Moved to the competent department. Reason: {reason}"),
        },
        Event::TransferredOut { agency, reason, .. } => match l {
            Lang::Ko => format!("{agency}(으)로 이송했습니다. 사유: {reason}"),
            Lang::En => format!("Sent to {agency}. Reason: {reason}"),
        },
        Event::SupplementRequested { items, answer_by } => match l {
            Lang::Ko => format!(
                "보완을 요청했습니다: {items} — {}까지 보내 주세요. 그동안 처리기간은 멈춥니다.",
                when(*answer_by)
            ),
            Lang::En => format!(
                "We asked you for more information: {items} — please send it by {}. The processing clock stops meanwhile.",
                when(*answer_by)
            ),
        },
        Event::SupplementMoreTime { answer_by } => match l {
            Lang::Ko => format!("보완 기한을 {}까지 늘렸습니다.", when(*answer_by)),
            Lang::En => format!("The supplement deadline moved to {}.", when(*answer_by)),
        },
        Event::SupplementDeliveryFailed => l
            .t(
                "보완 요청을 전달하지 못했습니다.",
                "The supplement request could not be delivered.",
            )
            .into(),
        Event::SupplementReceived { .. } => l
            .t(
                "보완 내용을 받았습니다. 처리기간이 다시 흐릅니다.",
                "We received your supplement; the clock runs again.",
            )
            .into(),
        Event::ReturnedUnsupplemented { reason } => match l {
            Lang::Ko => format!("보완되지 않아 돌려보냈습니다 (반려). 사유: {reason}"),
            Lang::En => format!("Returned because it was not supplemented. Reason: {reason}"),
        },
        Event::PauseStarted { kind, reason } => match l {
            Lang::Ko => format!(
                "처리를 잠시 멈췄습니다 ({}): {reason}. 이 기간은 처리기간에 넣지 않습니다.",
                pause_name(l, *kind)
            ),
            Lang::En => format!(
                "Handling paused ({}): {reason}. This time does not count.",
                pause_name(l, *kind)
            ),
        },
        Event::PauseEnded { .. } => l.t("처리를 다시 시작했습니다.", "Handling resumed.").into(),
        Event::SiteInvestigationExtended { reason } => match l {
            Lang::Ko => format!(
                "현장조사 기간을 7일 연장했습니다: {reason}. 현장조사는 모두 21일까지 처리기간에 넣지 않습니다."
            ),
            Lang::En => format!(
                "The on-site investigation was extended by 7 days: {reason}. Up to 21 days of investigation do not count."
            ),
        },
        Event::Extended {
            ground,
            reason,
            new_due,
            ..
        } => match l {
            Lang::Ko => format!(
                "처리기간을 연장했습니다 ({}): {reason}. 새 처리 예정: {}",
                ground_name(l, *ground),
                when(*new_due)
            ),
            Lang::En => format!(
                "The period was extended ({}): {reason}. New expected completion: {}",
                ground_name(l, *ground),
                when(*new_due)
            ),
        },
        Event::ProgressNotice { note } => match l {
            Lang::Ko => format!("처리 상황 안내: {note}"),
            Lang::En => format!("Progress notice: {note}"),
        },
        Event::Answered { additional, .. } => if *additional {
            l.t("추가 답변을 드렸습니다.", "We sent an additional answer.")
        } else {
            l.t("답변을 드렸습니다.", "We answered.")
        }
        .into(),
        Event::Closed { .. } => l.t("종결되었습니다.", "Closed.").into(),
        Event::ClosedAsRepeated { basis } => match l {
            Lang::Ko => {
                format!("같은 내용이 반복되어 종결했습니다 (민원처리법 제23조). 근거: {basis}")
            }
            Lang::En => format!("Closed as a repeated petition (Act art. 23). Basis: {basis}"),
        },
        Event::Rated { score, .. } => match l {
            Lang::Ko => format!("만족도 {score}점을 남기셨습니다."),
            Lang::En => format!("You rated the answer {score} of 5."),
        },
        Event::Reopened { reason } => match l {
            Lang::Ko => format!("다시 처리합니다: {reason}"),
            Lang::En => format!("Reopened: {reason}"),
        },
        // Internal: notes, reminders and approvals (결재) in progress; the petitioner sees
        // the approved step itself.
        Event::Note { .. }
        | Event::Reminder { .. }
        | Event::ApprovalRequested { .. }
        | Event::ApprovalReturned { .. }
        | Event::Approved { .. } => return None,
    })
}

/// How a petition stands against its deadline, shown as a colour and always also as words.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Urgency {
    Overdue,
    DueToday,
    DueSoon,
    Stopped,
    Normal,
    NoClock,
    /// Finished (answered, closed, sent on) before its due moment.
    DoneOnTime,
    /// Finished after its due moment.
    DoneLate,
}

impl Urgency {
    pub fn class(&self) -> &'static str {
        match self {
            Urgency::Overdue => "mw-u-overdue",
            Urgency::DueToday => "mw-u-today",
            Urgency::DueSoon => "mw-u-soon",
            Urgency::Stopped => "mw-u-stopped",
            Urgency::Normal => "mw-u-normal",
            Urgency::NoClock => "mw-u-none",
            Urgency::DoneOnTime => "mw-u-done",
            Urgency::DoneLate => "mw-u-late",
        }
    }

    pub fn label(&self, l: &Lang) -> &'static str {
        match self {
            Urgency::Overdue => l.t("기한 지남", "Overdue"),
            Urgency::DueToday => l.t("오늘 마감", "Due today"),
            Urgency::DueSoon => l.t("곧 마감", "Due soon"),
            Urgency::Stopped => l.t("기간 정지", "Clock stopped"),
            Urgency::Normal => l.t("여유", "On track"),
            Urgency::NoClock => l.t("기한 없음", "No deadline"),
            Urgency::DoneOnTime => l.t("기한 내 처리", "Done on time"),
            Urgency::DoneLate => l.t("기한 넘겨 처리", "Done late"),
        }
    }
}

/// The deadline badge of one petition: the same on the queue, the petition page and the
/// resident's pages.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DueBadge {
    pub urgency: Urgency,
    /// The words beside the badge: time left or overdue, or when it was finished.
    pub detail: String,
    /// The due moment the badge speaks of (the receipt limit before receipt).
    pub due: Option<DateTime<Utc>>,
}

/// The badge of a finished petition (done on time or late), for pages that then show the
/// outcome instead of an expected date.
pub fn finished(badge: Option<&DueBadge>) -> Option<&DueBadge> {
    badge.filter(|b| matches!(b.urgency, Urgency::DoneOnTime | Urgency::DoneLate))
}

/// Working time as people say it, in working days of [`calendar::HOURS_PER_DAY`] hours and
/// hours: "2일 4시간" / "2 days 4 h"; under a day "3시간 20분" / "3 h 20 min".
pub fn working_span(lang: Lang, minutes: i64) -> String {
    let day = i64::from(calendar::HOURS_PER_DAY) * 60;
    let m = minutes.abs();
    let (days, hours, mins) = (m / day, (m % day) / 60, m % 60);
    match lang {
        Lang::Ko => match (days, hours, mins) {
            (0, 0, m) => format!("{m}분"),
            (0, h, 0) => format!("{h}시간"),
            (0, h, m) => format!("{h}시간 {m}분"),
            (d, 0, _) => format!("{d}일"),
            (d, h, _) => format!("{d}일 {h}시간"),
        },
        Lang::En => {
            let d = if days == 1 {
                "1 day".to_string()
            } else {
                format!("{days} days")
            };
            match (days, hours, mins) {
                (0, 0, m) => format!("{m} min"),
                (0, h, 0) => format!("{h} h"),
                (0, h, m) => format!("{h} h {m} min"),
                (_, 0, _) => d,
                (_, h, _) => format!("{d} {h} h"),
            }
        }
    }
}

/// When a finished petition was finished: its first answer, the transfer to another agency,
/// or else its last change (returned, withdrawn, closed without an answer).
fn finished_at(p: &store::petitions::Petition) -> DateTime<Utc> {
    let d = &p.derived;
    d.answers
        .iter()
        .find(|a| !a.additional)
        .map(|a| a.at)
        .or_else(|| d.agency_transfer.as_ref().map(|t| t.at))
        .unwrap_or(p.updated_at)
}

/// THE deadline badge, from the working calendar: an open petition's time left or overdue in
/// working days and hours (overdue is never shown as on track); a stopped clock as stopped;
/// a finished one as when it was finished and whether on time, never as a countdown.
pub fn due_badge(
    lang: Lang,
    cal: &calendar::WorkCalendar,
    p: &store::petitions::Petition,
    now: DateTime<Utc>,
) -> Result<DueBadge, domain::RuleError> {
    use domain::petitions::deadline_error;
    let d = &p.derived;
    if !p.state.is_open() {
        let at = finished_at(p);
        let answered = d.answers.iter().any(|a| !a.additional);
        let words = match (lang, answered) {
            (Lang::Ko, true) => format!("{} 답변", when(at)),
            (Lang::En, true) => format!("answered {}", when(at)),
            (Lang::Ko, false) => format!("{} {}", when(at), p.state.korean()),
            (Lang::En, false) => format!("{} {}", state_name(lang, p.state), when(at)),
        };
        // Sent to another agency: judged against its own limit (8 working hours, Act art. 16).
        if let (PState::TransferredOut, Some(t)) = (p.state, &d.agency_transfer) {
            return Ok(DueBadge {
                urgency: if t.on_time {
                    Urgency::DoneOnTime
                } else {
                    Urgency::DoneLate
                },
                detail: words,
                due: Some(t.due),
            });
        }
        let Some(input) = d.deadline_input(at) else {
            return Ok(DueBadge {
                urgency: Urgency::NoClock,
                detail: words,
                due: None,
            });
        };
        let due = calendar::deadline(cal, &input, at).map_err(deadline_error)?;
        let late = calendar::working_time_left(cal, &input, at)
            .map_err(deadline_error)?
            .num_minutes();
        let (urgency, detail) = if at <= due {
            (Urgency::DoneOnTime, words)
        } else {
            let span = working_span(lang, late);
            let detail = match lang {
                Lang::Ko if late < 0 => format!("{words} ({span} 늦음)"),
                Lang::En if late < 0 => format!("{words} ({span} late)"),
                _ => words,
            };
            (Urgency::DoneLate, detail)
        };
        return Ok(DueBadge {
            urgency,
            detail,
            due: Some(due),
        });
    }
    let Some(input) = d.clock_input(now) else {
        return Ok(DueBadge {
            urgency: Urgency::NoClock,
            detail: "—".into(),
            due: None,
        });
    };
    let due = calendar::deadline(cal, &input, now).map_err(deadline_error)?;
    let left = calendar::working_time_left(cal, &input, now)
        .map_err(deadline_error)?
        .num_minutes();
    let span = working_span(lang, left);
    let stopped = matches!(p.state, PState::Supplement | PState::Paused);
    // Past the due moment outside working hours no working time has run since: overdue all
    // the same.
    let overdue = due <= now || left < 0;
    let urgency = if stopped {
        Urgency::Stopped
    } else if overdue {
        Urgency::Overdue
    } else if due < store::petitions::end_of_today(now) {
        Urgency::DueToday
    } else if store::petitions::soon_limit(cal, now).is_ok_and(|s| due <= s) {
        Urgency::DueSoon
    } else {
        Urgency::Normal
    };
    let detail = match (lang, overdue, left < 0) {
        (Lang::Ko, true, true) => format!("{span} 지남"),
        (Lang::En, true, true) => format!("{span} overdue"),
        (Lang::Ko, true, false) => format!("{} 기한 지남", when(due)),
        (Lang::En, true, false) => format!("due {}", when(due)),
        (Lang::Ko, false, _) if stopped => format!("근무 {span} 남음 (정지 중)"),
        (Lang::En, false, _) if stopped => format!("{span} working time left (stopped)"),
        (Lang::Ko, false, _) => format!("근무 {span} 남음"),
        (Lang::En, false, _) => format!("{span} working time left"),
    };
    Ok(DueBadge {
        urgency,
        detail,
        due: Some(due),
    })
}

/// A period in words.
pub fn period_words(lang: Lang, p: calendar::Period) -> String {
    use calendar::Period;
    match lang {
        Lang::Ko => p.korean(),
        Lang::En => match p {
            Period::Hours(n) => format!("{n} working hours"),
            Period::Days(n) => format!("{n} days"),
            Period::Weeks(n) => format!("{n} weeks"),
            Period::Months(n) => format!("{n} months"),
            Period::Years(n) => format!("{n} years"),
            Period::Immediate => "immediate (3 working hours)".into(),
        },
    }
}

/// How the due moment was computed, step by step: the calendar's own Korean lines, or the same
/// steps in English from the same breakdown.
pub fn explain_lines(lang: Lang, e: &calendar::Explanation) -> Vec<String> {
    use calendar::{CountingMode, Excluded};
    if lang == Lang::Ko {
        return e.korean_lines();
    }
    let moment = |t: &chrono::DateTime<chrono::FixedOffset>| t.format("%Y-%m-%d %H:%M").to_string();
    let day = |t: &chrono::DateTime<chrono::FixedOffset>| t.format("%Y-%m-%d").to_string();
    let period = period_words(lang, e.period);
    let mut lines = vec![match e.mode {
        CountingMode::WorkingHours => format!(
            "Period: {period}, counted in working hours ({} working hours; a day is 8 hours)",
            e.period.as_working_hours().unwrap_or(0)
        ),
        CountingMode::WorkingDays => format!(
            "Period: {period}, counted in working days (the receipt day counts if it is a working day)"
        ),
        CountingMode::Calendar => {
            format!(
                "Period: {period}, counted in calendar days (first day included, Civil Act art. 159–161)"
            )
        }
    }];
    lines.push(format!("Received: {}", moment(&e.received)));
    lines.push(match e.mode {
        CountingMode::WorkingHours => format!("Counting starts: {}", moment(&e.counting_starts)),
        _ => format!("Day 1: {}", day(&e.counting_starts)),
    });
    lines.push(format!(
        "Due before pauses and extensions: {}",
        moment(&e.base_due)
    ));
    for p in &e.pauses {
        let what = match p.excluded {
            Excluded::WorkingSeconds(s) => {
                format!(
                    "{} h {} min of working time not counted",
                    s / 3600,
                    (s % 3600) / 60
                )
            }
            Excluded::Days { days, working } => {
                format!("{days} days ({working} working days) not counted")
            }
        };
        let end = if p.open {
            "ongoing".to_string()
        } else {
            moment(&p.end)
        };
        lines.push(format!("Paused: {} – {end} ({what})", moment(&p.start)));
    }
    for x in &e.extensions {
        lines.push(format!(
            "Extended by {} → {}",
            period_words(lang, x.period),
            moment(&x.due_after)
        ));
    }
    lines.push(format!("Due: {}", moment(&e.due)));
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};

    #[test]
    fn english_explanation_has_the_same_steps_and_due_moment() {
        let cal = calendar::WorkCalendar::standard().unwrap();
        // DOMAIN.md's example: received Mon 2026-11-23, 7 days → due Tue 1 Dec 18:00.
        let received = calendar::seoul()
            .with_ymd_and_hms(2026, 11, 23, 10, 0, 0)
            .unwrap()
            .with_timezone(&Utc);
        let input = calendar::DeadlineInput::new(received, calendar::Period::Days(7));
        let e = calendar::explain(&cal, &input, received).unwrap();
        let ko = explain_lines(Lang::Ko, &e);
        let en = explain_lines(Lang::En, &e);
        assert_eq!(ko, e.korean_lines());
        assert_eq!(ko.len(), en.len());
        assert_eq!(en.last().unwrap(), "Due: 2026-12-01 18:00");
        assert!(en[0].contains("working days"));
    }

    #[test]
    fn working_spans_read_in_working_days_and_hours() {
        let cases = [
            (2 * 480 + 4 * 60 + 10, "2일 4시간", "2 days 4 h"),
            (480, "1일", "1 day"),
            (-(3 * 60 + 20), "3시간 20분", "3 h 20 min"),
            (120, "2시간", "2 h"),
            (5, "5분", "5 min"),
        ];
        for (m, ko, en) in cases {
            assert_eq!(working_span(Lang::Ko, m), ko);
            assert_eq!(working_span(Lang::En, m), en);
        }
    }
}
