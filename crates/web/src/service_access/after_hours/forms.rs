//! The schedule, service and booking forms: read as typed, checked field by field (the
//! domain's checks plus what a form adds: numbers, dates and times that do not parse), so a
//! page shows every problem beside its field and keeps everything typed.

use crate::kit::form::Fields;
use crate::kit::page::Lang;
use crate::programs::forms::Errors;
use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use domain::Invalid;
use domain::service_access::booking::{
    ContactDraft, Cutoff, PaymentMethod, RulePattern, ScheduleDraft, ServiceDraft, ServiceKind,
    checklist_from_lines, rule_text, weekday_of,
};
use domain::service_access::{Exception, ExceptionKind};
use store::service_access::after_hours::{SlotKey, StoredSchedule};

fn push(errors: &mut Errors, lang: Lang, field: &'static str, ko: &str, en: &str) {
    errors.push((field, lang.t(ko, en).to_string()));
}

pub(crate) fn merge(errors: &mut Errors, lang: Lang, invalid: Invalid) {
    for f in invalid.0 {
        errors.push((f.field, lang.of(&f.error).to_string()));
    }
}

fn time(s: &str) -> Option<NaiveTime> {
    NaiveTime::parse_from_str(s.trim(), "%H:%M").ok()
}

fn number(s: &str) -> Option<u32> {
    s.trim().parse().ok()
}

pub(crate) const DAY_CODES: [&str; 7] = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"];

/// The schedule form as typed.
#[derive(Debug, Clone, Default)]
pub(crate) struct ScheduleForm {
    pub department: String,
    pub name: String,
    pub name_en: String,
    pub place: String,
    pub place_en: String,
    /// weekly | biweekly | nth | last | raw
    pub pattern: String,
    pub days: Vec<String>,
    pub nths: Vec<String>,
    pub rule: String,
    pub anchor: String,
    pub opens: String,
    pub closes: String,
    pub cutoff_kind: String,
    pub cutoff_time: String,
    pub cutoff_hours: String,
    pub min_bookings: String,
    pub one_per_person: bool,
    pub payments: Vec<String>,
    pub checkin_early: String,
    pub checkin_late: String,
    pub remind_day_before: bool,
    pub remind_hours_before: bool,
    pub exceptions: String,
    pub active: bool,
}

impl ScheduleForm {
    /// A new schedule's form: the 은평 pattern (2nd and 4th Thursday 18:00–20:00, booking by
    /// 18:00 the same day), so the administrator changes what differs.
    pub(crate) fn blank(today: NaiveDate) -> Self {
        ScheduleForm {
            pattern: "nth".into(),
            days: vec!["TH".into()],
            nths: vec!["2".into(), "4".into()],
            anchor: today.to_string(),
            opens: "18:00".into(),
            closes: "20:00".into(),
            cutoff_kind: "same_day_at".into(),
            cutoff_time: "18:00".into(),
            cutoff_hours: "24".into(),
            min_bookings: "1".into(),
            one_per_person: true,
            payments: vec!["cash".into(), "card".into()],
            checkin_early: "30".into(),
            checkin_late: "10".into(),
            remind_day_before: true,
            remind_hours_before: true,
            active: true,
            ..Default::default()
        }
    }

    pub(crate) fn from_fields(f: &Fields) -> Self {
        ScheduleForm {
            department: f.get("department"),
            name: f.get("name"),
            name_en: f.get("name_en"),
            place: f.get("place"),
            place_en: f.get("place_en"),
            pattern: f.get("pattern"),
            days: f.all("day"),
            nths: f.all("nth"),
            rule: f.get("rule"),
            anchor: f.get("anchor"),
            opens: f.get("opens"),
            closes: f.get("closes"),
            cutoff_kind: f.get("cutoff_kind"),
            cutoff_time: f.get("cutoff_time"),
            cutoff_hours: f.get("cutoff_hours"),
            min_bookings: f.get("min_bookings"),
            one_per_person: f.checked("one_per_person"),
            payments: f.all("payment"),
            checkin_early: f.get("checkin_early"),
            checkin_late: f.get("checkin_late"),
            remind_day_before: f.checked("remind_day_before"),
            remind_hours_before: f.checked("remind_hours_before"),
            exceptions: f.get("exceptions"),
            active: f.checked("active"),
        }
    }

    /// A stored schedule as its form (the rule in the raw field, its plain choice when it is one).
    pub(crate) fn of(s: &StoredSchedule) -> Self {
        let d = &s.draft;
        let (pattern, days, nths) = plain_choice(&d.rule);
        ScheduleForm {
            department: s.department_id.to_string(),
            name: d.name.clone(),
            name_en: d.name_en.clone(),
            place: d.place.clone(),
            place_en: d.place_en.clone(),
            pattern,
            days,
            nths,
            rule: d.rule.clone(),
            anchor: d.anchor.to_string(),
            opens: d.opens.format("%H:%M").to_string(),
            closes: d.closes.format("%H:%M").to_string(),
            cutoff_kind: d.cutoff.kind().to_string(),
            cutoff_time: match d.cutoff {
                Cutoff::SameDayAt(t) => t.format("%H:%M").to_string(),
                Cutoff::HoursBefore(_) => "18:00".into(),
            },
            cutoff_hours: match d.cutoff {
                Cutoff::HoursBefore(h) => h.to_string(),
                Cutoff::SameDayAt(_) => "24".into(),
            },
            min_bookings: d.min_bookings.to_string(),
            one_per_person: d.one_per_person,
            payments: d
                .payment_methods
                .iter()
                .map(|m| m.as_str().to_string())
                .collect(),
            checkin_early: d.checkin_early_minutes.to_string(),
            checkin_late: d.checkin_late_minutes.to_string(),
            remind_day_before: d.remind_day_before,
            remind_hours_before: d.remind_hours_before,
            exceptions: d
                .exceptions
                .iter()
                .map(exception_line)
                .collect::<Vec<_>>()
                .join("\n"),
            active: s.active,
        }
    }

    pub(crate) fn has_day(&self, code: &str) -> bool {
        self.days.iter().any(|d| d == code)
    }

    pub(crate) fn has_nth(&self, n: &str) -> bool {
        self.nths.iter().any(|d| d == n)
    }

    pub(crate) fn pays(&self, m: &str) -> bool {
        self.payments.iter().any(|d| d == m)
    }

    /// The rule the plain choice writes (or the raw one), and a problem with the choice.
    pub(crate) fn rule_text(&self) -> Result<String, (&'static str, &'static str)> {
        let days: Vec<_> = self.days.iter().filter_map(|d| weekday_of(d)).collect();
        let need_day = ("요일을 하나 이상 고르세요", "choose at least one weekday");
        let pattern = match self.pattern.as_str() {
            "raw" => {
                return if self.rule.trim().is_empty() {
                    Err(("RRULE을 입력하세요", "type the RRULE"))
                } else {
                    Ok(self.rule.trim().to_string())
                };
            }
            "weekly" | "biweekly" if days.is_empty() => return Err(need_day),
            "weekly" => RulePattern::Weekly(days),
            "biweekly" => RulePattern::EveryOtherWeek(days),
            "nth" | "last" => {
                let [day] = days[..] else {
                    return Err((
                        "이 선택에서는 요일을 하나만 고르세요",
                        "choose exactly one weekday for this choice",
                    ));
                };
                if self.pattern == "last" {
                    RulePattern::LastOfMonth(day)
                } else {
                    let nths: Vec<u8> = self.nths.iter().filter_map(|n| n.parse().ok()).collect();
                    if nths.is_empty() {
                        return Err((
                            "몇째 주인지 하나 이상 고르세요",
                            "choose at least one week of the month",
                        ));
                    }
                    RulePattern::NthOfMonth(nths, day)
                }
            }
            _ => {
                return Err(("반복 방식을 고르세요", "choose how the evenings repeat"));
            }
        };
        Ok(rule_text(&pattern))
    }

    /// The draft, or every problem at once (the domain's own checks included).
    pub(crate) fn draft(
        &self,
        lang: Lang,
        holidays: &calendar::HolidayData,
        today: NaiveDate,
    ) -> Result<ScheduleDraft, Errors> {
        let mut errors = Errors::new();
        let rule = match self.rule_text() {
            Ok(r) => r,
            Err((ko, en)) => {
                push(&mut errors, lang, "rule", ko, en);
                String::new()
            }
        };
        let anchor = self.anchor.trim().parse::<NaiveDate>().ok();
        if anchor.is_none() {
            push(
                &mut errors,
                lang,
                "anchor",
                "시작일을 고르세요 (YYYY-MM-DD)",
                "choose the start date (YYYY-MM-DD)",
            );
        }
        let opens = time(&self.opens);
        if opens.is_none() {
            push(
                &mut errors,
                lang,
                "opens",
                "여는 시각을 HH:MM으로 입력하세요",
                "give the opening time as HH:MM",
            );
        }
        let closes = time(&self.closes);
        if closes.is_none() {
            push(
                &mut errors,
                lang,
                "closes",
                "닫는 시각을 HH:MM으로 입력하세요",
                "give the closing time as HH:MM",
            );
        }
        let cutoff = if self.cutoff_kind == "hours_before" {
            number(&self.cutoff_hours).map(Cutoff::HoursBefore)
        } else {
            time(&self.cutoff_time).map(Cutoff::SameDayAt)
        };
        if cutoff.is_none() {
            push(
                &mut errors,
                lang,
                "cutoff_value",
                "마감을 HH:MM 또는 시간 수로 입력하세요",
                "give the cutoff as HH:MM or a number of hours",
            );
        }
        let min_bookings = number(&self.min_bookings);
        if min_bookings.is_none() {
            push(
                &mut errors,
                lang,
                "min_bookings",
                "0 이상의 숫자를 입력하세요",
                "give a number, 0 or more",
            );
        }
        let early = number(&self.checkin_early);
        let late = number(&self.checkin_late);
        if early.is_none() || late.is_none() {
            push(
                &mut errors,
                lang,
                "checkin_early_minutes",
                "분 단위 숫자를 입력하세요",
                "give minutes as numbers",
            );
        }
        let (exceptions, bad_line) = parse_exceptions(&self.exceptions);
        if let Some(line) = bad_line {
            errors.push((
                "exceptions",
                match lang {
                    Lang::Ko => format!(
                        "{line}번째 줄을 읽을 수 없습니다. 예: 2026-05-28 휴무 직원 교육 / 2026-07-06 추가 18:00-21:00 성수기"
                    ),
                    Lang::En => format!(
                        "line {line} cannot be read. E.g. 2026-05-28 closed staff training / 2026-07-06 extra 18:00-21:00 peak season"
                    ),
                },
            ));
        }
        let (
            Some(anchor),
            Some(opens),
            Some(closes),
            Some(cutoff),
            Some(min_bookings),
            Some(early),
            Some(late),
        ) = (anchor, opens, closes, cutoff, min_bookings, early, late)
        else {
            return Err(errors);
        };
        let d = ScheduleDraft {
            name: self.name.trim().to_string(),
            name_en: self.name_en.trim().to_string(),
            place: self.place.trim().to_string(),
            place_en: self.place_en.trim().to_string(),
            rule,
            anchor,
            opens,
            closes,
            cutoff,
            min_bookings,
            one_per_person: self.one_per_person,
            payment_methods: self
                .payments
                .iter()
                .filter_map(|m| PaymentMethod::parse(m).ok())
                .collect(),
            checkin_early_minutes: early,
            checkin_late_minutes: late,
            remind_day_before: self.remind_day_before,
            remind_hours_before: self.remind_hours_before,
            exceptions,
        };
        if let Err(e) = d.validate(holidays, today) {
            // The rule's own problems are shown unless the choice itself was the problem.
            merge(&mut errors, lang, e);
        }
        if errors.is_empty() {
            Ok(d)
        } else {
            Err(errors)
        }
    }
}

/// The plain choice a stored rule is, for the form (`raw` when none).
fn plain_choice(rule: &str) -> (String, Vec<String>, Vec<String>) {
    let r = rule.trim().trim_start_matches("RRULE:");
    let parts: Vec<&str> = r.split(';').collect();
    let get = |k: &str| {
        parts
            .iter()
            .find_map(|p| p.strip_prefix(k).and_then(|v| v.strip_prefix('=')))
    };
    let raw = ("raw".to_string(), Vec::new(), Vec::new());
    let Some(byday) = get("BYDAY") else {
        return raw;
    };
    let known = |k: &str| matches!(k, "FREQ" | "BYDAY" | "INTERVAL");
    if parts
        .iter()
        .any(|p| !known(p.split('=').next().unwrap_or("")))
    {
        return raw;
    }
    let days: Vec<&str> = byday.split(',').collect();
    match (get("FREQ"), get("INTERVAL")) {
        (Some("WEEKLY"), None | Some("1")) if days.iter().all(|d| DAY_CODES.contains(d)) => (
            "weekly".into(),
            days.iter().map(|d| d.to_string()).collect(),
            Vec::new(),
        ),
        (Some("WEEKLY"), Some("2")) if days.iter().all(|d| DAY_CODES.contains(d)) => (
            "biweekly".into(),
            days.iter().map(|d| d.to_string()).collect(),
            Vec::new(),
        ),
        (Some("MONTHLY"), None) => {
            if let [one] = days[..]
                && let Some(day) = one.strip_prefix("-1")
                && DAY_CODES.contains(&day)
            {
                return ("last".into(), vec![day.to_string()], Vec::new());
            }
            let split: Vec<(&str, &str)> = days.iter().map(|d| d.split_at(1)).collect();
            let day = split.first().map(|(_, d)| *d).unwrap_or("");
            if DAY_CODES.contains(&day)
                && split
                    .iter()
                    .all(|(n, d)| *d == day && matches!(*n, "1" | "2" | "3" | "4"))
            {
                (
                    "nth".into(),
                    vec![day.to_string()],
                    split.iter().map(|(n, _)| n.to_string()).collect(),
                )
            } else {
                raw
            }
        }
        _ => raw,
    }
}

fn exception_line(e: &Exception) -> String {
    match &e.kind {
        ExceptionKind::Closed { reason } => format!("{} closed {reason}", e.date),
        ExceptionKind::Extra {
            opens,
            closes,
            reason,
        } => format!(
            "{} extra {}-{} {reason}",
            e.date,
            opens.format("%H:%M"),
            closes.format("%H:%M")
        ),
    }
}

/// One exception a line: `DATE closed|휴무 REASON` or `DATE extra|추가 HH:MM-HH:MM REASON`.
/// Answers the exceptions read and the first line (1-based) that could not be.
pub(crate) fn parse_exceptions(text: &str) -> (Vec<Exception>, Option<usize>) {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let mut words = line.splitn(3, char::is_whitespace);
        let date = words.next().and_then(|d| d.parse::<NaiveDate>().ok());
        let kind = words.next().unwrap_or("");
        let rest = words.next().unwrap_or("").trim();
        let parsed = match (date, kind) {
            (Some(date), "closed" | "휴무") => Some(Exception {
                date,
                kind: ExceptionKind::Closed {
                    reason: rest.to_string(),
                },
            }),
            (Some(date), "extra" | "추가") => {
                let (hours, reason) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
                hours.split_once('-').and_then(|(o, c)| {
                    Some(Exception {
                        date,
                        kind: ExceptionKind::Extra {
                            opens: time(o)?,
                            closes: time(c)?,
                            reason: reason.trim().to_string(),
                        },
                    })
                })
            }
            _ => None,
        };
        match parsed {
            Some(e) => out.push(e),
            None => return (out, Some(i + 1)),
        }
    }
    (out, None)
}

/// The service form as typed.
#[derive(Debug, Clone, Default)]
pub(crate) struct ServiceForm {
    pub kind: String,
    pub slot_minutes: String,
    pub counters: String,
    pub per_counter: String,
    pub in_person: String,
    pub in_person_en: String,
    pub guardian_for_minors: bool,
    pub checklist_ko: String,
    pub checklist_en: String,
    pub fee_note: String,
    pub fee_note_en: String,
    pub active: bool,
}

impl ServiceForm {
    pub(crate) fn of(d: &ServiceDraft, active: bool) -> Self {
        ServiceForm {
            kind: d.kind.as_str().to_string(),
            slot_minutes: d.slot_minutes.to_string(),
            counters: d.counters.to_string(),
            per_counter: d.per_counter.to_string(),
            in_person: d.in_person.clone(),
            in_person_en: d.in_person_en.clone(),
            guardian_for_minors: d.guardian_for_minors,
            checklist_ko: d
                .checklist
                .iter()
                .map(|i| i.ko.as_str())
                .collect::<Vec<_>>()
                .join("\n"),
            checklist_en: d
                .checklist
                .iter()
                .map(|i| i.en.as_str())
                .collect::<Vec<_>>()
                .join("\n"),
            fee_note: d.fee_note.clone(),
            fee_note_en: d.fee_note_en.clone(),
            active,
        }
    }

    pub(crate) fn from_fields(f: &Fields) -> Self {
        ServiceForm {
            kind: f.get("kind"),
            slot_minutes: f.get("slot_minutes"),
            counters: f.get("counters"),
            per_counter: f.get("per_counter"),
            in_person: f.get("in_person"),
            in_person_en: f.get("in_person_en"),
            guardian_for_minors: f.checked("guardian_for_minors"),
            checklist_ko: f.get("checklist_ko"),
            checklist_en: f.get("checklist_en"),
            fee_note: f.get("fee_note"),
            fee_note_en: f.get("fee_note_en"),
            active: f.checked("active"),
        }
    }

    pub(crate) fn draft(
        &self,
        lang: Lang,
        opens: NaiveTime,
        closes: NaiveTime,
    ) -> Result<ServiceDraft, Errors> {
        let mut errors = Errors::new();
        let kind = ServiceKind::parse(&self.kind).ok();
        if kind.is_none() {
            push(
                &mut errors,
                lang,
                "kind",
                "업무를 고르세요",
                "choose the service",
            );
        }
        let mut n = |field: &'static str, v: &str| {
            let r = number(v);
            if r.is_none() {
                push(
                    &mut errors,
                    lang,
                    field,
                    "숫자를 입력하세요",
                    "give a number",
                );
            }
            r
        };
        let (minutes, counters, per_counter) = (
            n("slot_minutes", &self.slot_minutes),
            n("counters", &self.counters),
            n("per_counter", &self.per_counter),
        );
        let (Some(kind), Some(slot_minutes), Some(counters), Some(per_counter)) =
            (kind, minutes, counters, per_counter)
        else {
            return Err(errors);
        };
        let d = ServiceDraft {
            kind,
            slot_minutes,
            counters,
            per_counter,
            in_person: self.in_person.trim().to_string(),
            in_person_en: self.in_person_en.trim().to_string(),
            guardian_for_minors: self.guardian_for_minors,
            checklist: checklist_from_lines(&self.checklist_ko, &self.checklist_en),
            fee_note: self.fee_note.trim().to_string(),
            fee_note_en: self.fee_note_en.trim().to_string(),
        };
        if let Err(e) = d.validate(opens, closes) {
            merge(&mut errors, lang, e);
        }
        if errors.is_empty() {
            Ok(d)
        } else {
            Err(errors)
        }
    }
}

/// The booking form as typed.
#[derive(Debug, Clone, Default)]
pub(crate) struct BookingForm {
    pub schedule: String,
    /// `DAY|SERVICE|START` (start as Unix seconds).
    pub slot: String,
    pub name: String,
    pub phone: String,
    pub email: String,
    pub minor: bool,
    pub consent: bool,
}

/// A slot's value in a form.
pub(crate) fn slot_value(day: NaiveDate, service: i64, start: DateTime<Utc>) -> String {
    format!("{day}|{service}|{}", start.timestamp())
}

/// The slot a form's value names, on a schedule.
pub(crate) fn slot_key(schedule: i64, value: &str) -> Option<SlotKey> {
    let mut parts = value.split('|');
    let day = parts.next()?.parse().ok()?;
    let service_id = parts.next()?.parse().ok()?;
    let starts_at = DateTime::from_timestamp(parts.next()?.parse().ok()?, 0)?;
    Some(SlotKey {
        schedule_id: schedule,
        day,
        service_id,
        starts_at,
    })
}

impl BookingForm {
    pub(crate) fn from_fields(f: &Fields) -> Self {
        BookingForm {
            schedule: f.get("schedule"),
            slot: f.get("slot"),
            name: f.get("name"),
            phone: f.get("phone"),
            email: f.get("email"),
            minor: f.checked("minor"),
            consent: f.checked("consent"),
        }
    }

    /// The slot and contact, or every problem at once. A staff phone booking has the caller's
    /// consent in the call, so `consent_given` stands in for the box.
    pub(crate) fn read(
        &self,
        lang: Lang,
        consent_given: bool,
    ) -> Result<(SlotKey, domain::service_access::booking::Contact), Errors> {
        let mut errors = Errors::new();
        let key = self
            .schedule
            .parse()
            .ok()
            .and_then(|s| slot_key(s, &self.slot));
        if key.is_none() {
            push(
                &mut errors,
                lang,
                "slot",
                "예약할 시간을 고르세요",
                "choose a time",
            );
        }
        let contact = ContactDraft {
            name: self.name.clone(),
            phone: self.phone.clone(),
            email: self.email.clone(),
            consent: self.consent || consent_given,
        }
        .check();
        match (key, contact) {
            (Some(k), Ok(c)) => Ok((k, c)),
            (_, Err(e)) => {
                merge(&mut errors, lang, e);
                Err(errors)
            }
            (None, Ok(_)) => Err(errors),
        }
    }
}

/// Which field a store refusal belongs beside on the booking form.
pub(crate) fn booking_field(code: &str) -> &'static str {
    match code {
        "already_booked" | "bad_phone" => "phone",
        "unknown_code" => "code",
        _ => "slot",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_rules_come_back_as_their_plain_choice() {
        let (p, d, n) = plain_choice("FREQ=MONTHLY;BYDAY=2TH,4TH");
        assert_eq!(
            (p.as_str(), d, n),
            (
                "nth",
                vec!["TH".to_string()],
                vec!["2".to_string(), "4".to_string()]
            )
        );
        assert_eq!(plain_choice("FREQ=MONTHLY;BYDAY=-1SA").0, "last");
        assert_eq!(
            plain_choice("FREQ=WEEKLY;INTERVAL=2;BYDAY=TH").0,
            "biweekly"
        );
        assert_eq!(plain_choice("FREQ=WEEKLY;BYDAY=TU;UNTIL=20271231").0, "raw");
    }

    #[test]
    fn exceptions_read_line_by_line_and_name_the_bad_one() {
        let (list, bad) =
            parse_exceptions("2026-05-28 휴무 직원 교육\n\n2026-07-06 extra 18:00-21:00 성수기");
        assert_eq!(list.len(), 2);
        assert_eq!(bad, None);
        let (_, bad) = parse_exceptions("2026-05-28 closed\n2026-13-01 closed");
        assert_eq!(bad, Some(2));
    }
}
