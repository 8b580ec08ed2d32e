//! Booking the after-hours reception (야간·휴일 민원실): what a schedule and a service are when
//! the administrator sets them, the plain recurrence choices that write the rule, each
//! service's defaults (who must come, what to bring), the booking's contact check, the
//! confirmation code, the cutoff decision and when reminders are due.

use calendar::chrono::{DateTime, NaiveDate, NaiveTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use super::schedule::{Exception, Schedule, kst_to_utc};
use super::slots::{CutoffRule, SlotPlan};
use crate::label::labelled;
use crate::petitions::contact::{check_email, check_phone};
use crate::{Invalid, RuleError};

labelled! {
    /// What a resident comes for on an evening. Passport collection is its own service:
    /// issuance takes days and the passport is handed over in person.
    ServiceKind {
        PassportApplication = "passport_application", "여권 신청", "Passport application";
        PassportCollection = "passport_collection", "여권 수령", "Passport collection";
        Certificates = "certificates", "제증명 발급", "Certificates";
        FamilyRegistration = "family_registration", "가족관계등록 신고", "Family registration";
    }
}

labelled! {
    /// An evening's course: decided at the cutoff, run, or cancelled by the office.
    EveningState {
        Scheduled = "scheduled", "예정", "Scheduled";
        Confirmed = "confirmed", "운영 확정", "Confirmed";
        NotOpened = "not_opened", "미운영 (예약 부족)", "Not opened (too few bookings)";
        InProgress = "in_progress", "운영 중", "In progress";
        Closed = "closed", "종료", "Closed";
        Cancelled = "cancelled", "취소", "Cancelled";
    }
}

labelled! {
    BookingState {
        Confirmed = "confirmed", "예약 확정", "Confirmed";
        CheckedIn = "checked_in", "도착", "Checked in";
        Served = "served", "처리 완료", "Served";
        NoShow = "no_show", "미방문", "No-show";
        Cancelled = "cancelled", "취소", "Cancelled";
    }
}

labelled! {
    BookingChannel {
        Online = "online", "온라인", "Online";
        Phone = "phone", "전화", "Phone";
    }
}

labelled! {
    PaymentMethod {
        Cash = "cash", "현금", "Cash";
        Card = "card", "카드", "Card";
        Mobile = "mobile", "모바일 결제", "Mobile payment";
    }
}

/// One line of what to bring, in both languages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChecklistItem {
    pub ko: String,
    pub en: String,
}

fn item(ko: &str, en: &str) -> ChecklistItem {
    ChecklistItem {
        ko: ko.into(),
        en: en.into(),
    }
}

/// A service as the administrator sets it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceDraft {
    pub kind: ServiceKind,
    pub slot_minutes: u32,
    pub counters: u32,
    pub per_counter: u32,
    pub in_person: String,
    pub in_person_en: String,
    pub guardian_for_minors: bool,
    pub checklist: Vec<ChecklistItem>,
    pub fee_note: String,
    pub fee_note_en: String,
}

impl ServiceDraft {
    pub fn plan(&self) -> SlotPlan {
        SlotPlan {
            minutes: self.slot_minutes,
            counters: self.counters,
            per_counter: self.per_counter,
        }
    }

    /// The slot plan against the schedule's evening (`slots::slots` on a sample evening), and
    /// the lengths of the texts.
    pub fn validate(&self, opens: NaiveTime, closes: NaiveTime) -> Result<(), Invalid> {
        let sample = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap_or_default();
        let opening = super::schedule::opening(sample, opens, closes, false);
        let mut bad = match super::slots::slots(&opening, &self.plan()) {
            Ok(_) => Invalid::default(),
            Err(e) => e,
        };
        if self.counters > 50 {
            bad.add(
                "counters",
                "too_many_counters",
                "창구는 50개 이하로 입력하세요",
                "at most 50 counters",
            );
        }
        if self.per_counter > 50 {
            bad.add(
                "per_counter",
                "too_many_per_counter",
                "창구당 인원은 50명 이하로 입력하세요",
                "at most 50 residents per counter and slot",
            );
        }
        if self.checklist.len() > 30
            || self
                .checklist
                .iter()
                .any(|i| i.ko.chars().count() > 300 || i.en.chars().count() > 300)
        {
            bad.add(
                "checklist",
                "checklist_too_long",
                "준비물은 30줄, 한 줄 300자 이내로 입력하세요",
                "at most 30 lines of 300 characters each",
            );
        }
        bad.into_result()
    }
}

/// The service as the administrator finds it before editing (SERVICE_ACCESS.md §1: who must
/// come in person, what to bring, the photo rules).
pub fn defaults(kind: ServiceKind) -> ServiceDraft {
    let id_card = item(
        "주민등록번호 뒷자리까지 전부 보이는 신분증 (주민등록증, 운전면허증)",
        "Photo ID showing the full resident registration number (ID card, driving licence)",
    );
    let (slot_minutes, in_person, in_person_en, guardian, checklist, fee, fee_en) = match kind {
        ServiceKind::PassportApplication => (
            20,
            "본인이 직접 방문해야 합니다 (지문 확인). 예외: 18세 미만은 법정대리인이, 질병·장애로 \
             올 수 없는 분은 대리인이 신청합니다.",
            "The applicant comes in person (fingerprint check). Exceptions: a minor under 18 \
             applies through a legal guardian; someone ill or disabled through a representative.",
            true,
            vec![
                item(
                    "여권용 사진 1매: 3.5×4.5cm, 6개월 이내 촬영, 흰색 바탕, 머리 길이 3.2~3.6cm, \
                     양쪽 눈썹이 보이게 (보정·AI 사진 불가)",
                    "One passport photo: 3.5×4.5 cm, taken within 6 months, white background, \
                     head 3.2–3.6 cm, both eyebrows visible (no edited or AI photos)",
                ),
                item(
                    "여권 발급 신청서 (민원실에 비치, 미리 컬러로 인쇄해 와도 됩니다)",
                    "The passport application form (at the counter, or printed in colour)",
                ),
                id_card.clone(),
                item(
                    "유효기간이 남은 옛 여권 (반납)",
                    "Your old passport if still valid (it is handed back)",
                ),
                item(
                    "미성년자: 법정대리인 신분증과 동의서, 가족관계증명서",
                    "For a minor: the guardian's ID, consent form and family relation certificate",
                ),
                item(
                    "수수료 (10년 복수여권 58면 50,000원)",
                    "The fee (10-year passport, 58 pages: KRW 50,000)",
                ),
            ],
            "수수료는 여권 종류에 따라 다릅니다. 발급까지 5일 이상 걸립니다.",
            "The fee depends on the passport. Issuance takes at least 5 days.",
        ),
        ServiceKind::PassportCollection => (
            10,
            "신청인 본인이 받습니다. 미성년자는 법정대리인이 받을 수 있습니다.",
            "The applicant collects in person; a minor's passport may be collected by a legal \
             guardian.",
            true,
            vec![
                id_card.clone(),
                item(
                    "여권 접수증 (받은 경우)",
                    "The application receipt, if you were given one",
                ),
                item(
                    "대리 수령: 법정대리인 신분증과 가족관계증명서",
                    "Collecting for a minor: the guardian's ID and family relation certificate",
                ),
            ],
            "",
            "",
        ),
        ServiceKind::Certificates => (
            10,
            "본인 또는 위임받은 대리인 (위임장 필요)",
            "You, or a representative with your letter of authority",
            false,
            vec![
                id_card.clone(),
                item(
                    "대리인: 위임장과 위임한 분의 신분증",
                    "A representative: the letter of authority and the principal's ID",
                ),
                item(
                    "수수료 (등·초본 1통 400원 안팎)",
                    "The fee (about KRW 400 per certificate)",
                ),
            ],
            "증명서마다 수수료가 다릅니다.",
            "Each certificate has its own fee.",
        ),
        ServiceKind::FamilyRegistration => (
            20,
            "신고인이 방문합니다 (혼인신고는 두 사람 모두의 서명과 증인 2명의 서명 필요)",
            "The reporting person comes (a marriage report needs both signatures and two \
             witnesses')",
            false,
            vec![
                item("신고서 (민원실에 비치)", "The report form (at the counter)"),
                id_card,
                item(
                    "관련 서류 (출생증명서 등, 신고 종류에 따라)",
                    "Supporting papers for the kind of report (birth certificate, …)",
                ),
            ],
            "",
            "",
        ),
    };
    ServiceDraft {
        kind,
        slot_minutes,
        counters: 2,
        per_counter: 1,
        in_person: in_person.into(),
        in_person_en: in_person_en.into(),
        guardian_for_minors: guardian,
        checklist,
        fee_note: fee.into(),
        fee_note_en: fee_en.into(),
    }
}

/// The checklist from the form's two text areas, one item a line, paired by line number; a
/// missing English line is left empty (the page shows the Korean one).
pub fn checklist_from_lines(ko: &str, en: &str) -> Vec<ChecklistItem> {
    let en: Vec<&str> = en.lines().map(str::trim).collect();
    ko.lines()
        .map(str::trim)
        .enumerate()
        .filter(|(_, l)| !l.is_empty())
        .map(|(i, l)| ChecklistItem {
            ko: l.to_string(),
            en: en.get(i).copied().unwrap_or("").to_string(),
        })
        .collect()
}

/// A schedule as the administrator sets it: the rule, its evening and the booking settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScheduleDraft {
    pub name: String,
    pub name_en: String,
    pub place: String,
    pub place_en: String,
    pub rule: String,
    pub anchor: NaiveDate,
    pub opens: NaiveTime,
    pub closes: NaiveTime,
    pub cutoff: Cutoff,
    /// The evening opens only with this many bookings at the cutoff; 0: it always opens.
    pub min_bookings: u32,
    pub one_per_person: bool,
    pub payment_methods: Vec<PaymentMethod>,
    pub checkin_early_minutes: u32,
    pub checkin_late_minutes: u32,
    pub remind_day_before: bool,
    pub remind_hours_before: bool,
    pub exceptions: Vec<Exception>,
}

/// The cutoff as stored: `same_day_at` with HH:MM, or `hours_before` with a number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum Cutoff {
    SameDayAt(NaiveTime),
    HoursBefore(u32),
}

impl Cutoff {
    pub fn rule(self) -> CutoffRule {
        match self {
            Cutoff::SameDayAt(t) => CutoffRule::SameDayAt(t),
            Cutoff::HoursBefore(h) => CutoffRule::HoursBefore(h),
        }
    }

    pub fn kind(self) -> &'static str {
        match self {
            Cutoff::SameDayAt(_) => "same_day_at",
            Cutoff::HoursBefore(_) => "hours_before",
        }
    }

    pub fn value(self) -> String {
        match self {
            Cutoff::SameDayAt(t) => t.format("%H:%M").to_string(),
            Cutoff::HoursBefore(h) => h.to_string(),
        }
    }

    /// The stored pair back; an unreadable pair is the default (18:00 the same day).
    pub fn from_stored(kind: &str, value: &str) -> Cutoff {
        match kind {
            "hours_before" => value
                .parse()
                .map(Cutoff::HoursBefore)
                .unwrap_or(Cutoff::SameDayAt(six_pm())),
            _ => NaiveTime::parse_from_str(value, "%H:%M")
                .map(Cutoff::SameDayAt)
                .unwrap_or(Cutoff::SameDayAt(six_pm())),
        }
    }
}

fn six_pm() -> NaiveTime {
    NaiveTime::from_hms_opt(18, 0, 0).unwrap_or_default()
}

impl ScheduleDraft {
    pub fn schedule(&self) -> Schedule {
        Schedule {
            rule: self.rule.trim().to_string(),
            anchor: self.anchor,
            opens: self.opens,
            closes: self.closes,
            exceptions: self.exceptions.clone(),
        }
    }

    /// Every check before saving, all at once: the names and numbers here, then the rule's
    /// own ([`Schedule::validate`]).
    pub fn validate(
        &self,
        holidays: &calendar::HolidayData,
        today: NaiveDate,
    ) -> Result<Schedule, Invalid> {
        let mut bad = Invalid::default();
        let name = self.name.trim().chars().count();
        if name == 0 || name > 100 {
            bad.add(
                "name",
                "name_required",
                "이름을 100자 이내로 입력하세요",
                "give a name of at most 100 characters",
            );
        }
        if self.place.trim().chars().count() > 200 {
            bad.add(
                "place",
                "place_too_long",
                "장소는 200자 이내로 입력하세요",
                "at most 200 characters",
            );
        }
        if let Cutoff::HoursBefore(h) = self.cutoff
            && h > 24 * 14
        {
            bad.add(
                "cutoff_value",
                "cutoff_too_early",
                "마감은 14일(336시간) 전까지만 정할 수 있습니다",
                "the cutoff is at most 14 days (336 hours) before",
            );
        }
        if self.min_bookings > 1000 {
            bad.add(
                "min_bookings",
                "min_bookings_too_high",
                "최소 예약 수는 1000 이하로 입력하세요",
                "at most 1000",
            );
        }
        if self.payment_methods.is_empty() {
            bad.add(
                "payment_methods",
                "payment_required",
                "결제 수단을 하나 이상 고르세요",
                "choose at least one payment method",
            );
        }
        if self.checkin_early_minutes > 240 || self.checkin_late_minutes > 240 {
            bad.add(
                "checkin_early_minutes",
                "checkin_window_too_wide",
                "도착 확인 시간은 240분 이내로 입력하세요",
                "the check-in window is at most 240 minutes each way",
            );
        }
        let schedule = self.schedule();
        if let Err(e) = schedule.validate(holidays, today) {
            bad.0.extend(e.0);
        }
        bad.into_result().map(|_| schedule)
    }
}

/// The plain choices of the schedule form that write the RRULE.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RulePattern {
    /// Every week on these weekdays.
    Weekly(Vec<Weekday>),
    /// Every other week on these weekdays, counted from the anchor.
    EveryOtherWeek(Vec<Weekday>),
    /// The given weeks of the month (1-4) on one weekday: 2nd and 4th Thursday.
    NthOfMonth(Vec<u8>, Weekday),
    /// The last such weekday of the month.
    LastOfMonth(Weekday),
}

pub use calendar::chrono::Weekday;

fn day_code(d: Weekday) -> &'static str {
    match d {
        Weekday::Mon => "MO",
        Weekday::Tue => "TU",
        Weekday::Wed => "WE",
        Weekday::Thu => "TH",
        Weekday::Fri => "FR",
        Weekday::Sat => "SA",
        Weekday::Sun => "SU",
    }
}

/// The RRULE text of a plain choice.
pub fn rule_text(p: &RulePattern) -> String {
    let days = |v: &[Weekday]| v.iter().map(|d| day_code(*d)).collect::<Vec<_>>().join(",");
    match p {
        RulePattern::Weekly(v) => format!("FREQ=WEEKLY;BYDAY={}", days(v)),
        RulePattern::EveryOtherWeek(v) => format!("FREQ=WEEKLY;INTERVAL=2;BYDAY={}", days(v)),
        RulePattern::NthOfMonth(n, d) => format!(
            "FREQ=MONTHLY;BYDAY={}",
            n.iter()
                .map(|k| format!("{k}{}", day_code(*d)))
                .collect::<Vec<_>>()
                .join(",")
        ),
        RulePattern::LastOfMonth(d) => format!("FREQ=MONTHLY;BYDAY=-1{}", day_code(*d)),
    }
}

/// A weekday from its RRULE code (`TH`).
pub fn weekday_of(code: &str) -> Option<Weekday> {
    [
        Weekday::Mon,
        Weekday::Tue,
        Weekday::Wed,
        Weekday::Thu,
        Weekday::Fri,
        Weekday::Sat,
        Weekday::Sun,
    ]
    .into_iter()
    .find(|d| day_code(*d) == code)
}

/// What a booking gives to be reached, before its check.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ContactDraft {
    pub name: String,
    pub phone: String,
    pub email: String,
    pub consent: bool,
}

/// The contact once checked: the phone as digits is the person's key (one booking per person
/// per evening, the second factor for a code).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Contact {
    pub name: String,
    pub phone: String,
    pub email: String,
}

impl ContactDraft {
    pub fn check(&self) -> Result<Contact, Invalid> {
        let mut bad = Invalid::default();
        let name = self.name.trim();
        if name.is_empty() || name.chars().count() > 50 {
            bad.add(
                "name",
                "name_required",
                "이름을 50자 이내로 입력하세요",
                "give your name (at most 50 characters)",
            );
        }
        let phone = match check_phone(&self.phone) {
            Ok(p) => p,
            Err(e) => {
                bad.0.push(crate::FieldError {
                    field: "phone",
                    error: e,
                });
                String::new()
            }
        };
        let email = self.email.trim();
        if !email.is_empty()
            && let Err(e) = check_email(email)
        {
            bad.0.push(crate::FieldError {
                field: "email",
                error: e,
            });
        }
        if !self.consent {
            bad.add(
                "consent",
                "consent_required",
                "예약을 위한 개인정보 수집·이용에 동의해야 예약할 수 있습니다",
                "booking needs your consent to the use of your personal data",
            );
        }
        bad.into_result().map(|_| Contact {
            name: name.to_string(),
            phone,
            email: email.to_string(),
        })
    }
}

/// The phone typed as the second factor, as the key it is stored under (digits only); an
/// unreadable number is returned as typed so it simply matches nothing.
pub fn person_key(phone: &str) -> String {
    crate::petitions::contact::phone_digits(phone).unwrap_or_else(|| phone.trim().to_string())
}

/// Confirmation codes use no letters or digits that read alike (0/O, 1/I/L).
pub const CODE_ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTUVWXYZ23456789";
/// Eight characters: 31^8 ≈ 8.5 × 10^11 codes, read out on the phone as two groups of four.
pub const CODE_LENGTH: usize = 8;

/// A code from random bytes (one byte a character; the slight bias of `% 31` does not matter
/// for a code that also needs the phone number).
pub fn code_from(random: &[u8; CODE_LENGTH]) -> String {
    random
        .iter()
        .map(|b| char::from(CODE_ALPHABET[usize::from(*b) % CODE_ALPHABET.len()]))
        .collect()
}

/// A typed code as stored: upper case, without spaces or hyphens.
pub fn normalise_code(typed: &str) -> String {
    typed
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// The code shown to a person: `ABCD-EFGH`.
pub fn show_code(code: &str) -> String {
    if code.len() == CODE_LENGTH {
        format!("{}-{}", &code[..4], &code[4..])
    } else {
        code.to_string()
    }
}

/// The decision at the cutoff: the evening opens when it holds enough bookings.
pub fn decide(bookings: u32, min_bookings: u32) -> EveningState {
    if bookings >= min_bookings {
        EveningState::Confirmed
    } else {
        EveningState::NotOpened
    }
}

/// Whether a new booking is taken: before the cutoff, on an evening neither cancelled nor
/// decided against.
pub fn may_book(
    state: EveningState,
    cutoff: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<(), RuleError> {
    match state {
        EveningState::Cancelled => Err(RuleError::new(
            "evening_cancelled",
            "이 날의 야간 민원실은 취소되었습니다",
            "this evening has been cancelled",
        )),
        EveningState::NotOpened => Err(RuleError::new(
            "evening_not_opened",
            "예약이 부족해 이 날은 운영하지 않습니다",
            "this evening does not open: too few bookings by the cutoff",
        )),
        EveningState::InProgress | EveningState::Closed => Err(past_cutoff(cutoff)),
        EveningState::Scheduled | EveningState::Confirmed => {
            if now >= cutoff {
                Err(past_cutoff(cutoff))
            } else {
                Ok(())
            }
        }
    }
}

fn past_cutoff(cutoff: DateTime<Utc>) -> RuleError {
    let at = calendar::to_seoul(cutoff)
        .format("%Y-%m-%d %H:%M")
        .to_string();
    RuleError::new(
        "past_cutoff",
        format!("예약은 {at}에 마감되었습니다"),
        format!("booking closed at {at} (Korean time)"),
    )
}

labelled! {
    ReminderKind {
        DayBefore = "day_before", "하루 전 안내", "Day-before reminder";
        HoursBefore = "hours_before", "2시간 전 안내", "Two-hour reminder";
    }
}

/// Reminders the day before go out from this Korean time on (nobody is woken at night).
pub const DAY_BEFORE_FROM: NaiveTime = match NaiveTime::from_hms_opt(9, 0, 0) {
    Some(t) => t,
    None => NaiveTime::MIN,
};

/// Whether a reminder of this kind is due at `now` for a slot starting at `slot`: the day
/// before from 09:00 Korean time, or from two hours before; neither once the slot began, and
/// the day-before one not once the two-hour one is due (two messages an hour apart help no one).
pub fn reminder_due(kind: ReminderKind, slot: DateTime<Utc>, now: DateTime<Utc>) -> bool {
    let two_hours = slot - TimeDelta::hours(2);
    if now >= slot {
        return false;
    }
    match kind {
        ReminderKind::HoursBefore => now >= two_hours,
        ReminderKind::DayBefore => {
            let day = calendar::to_seoul(slot).date_naive() - TimeDelta::days(1);
            now >= kst_to_utc(day, DAY_BEFORE_FROM) && now < two_hours
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use calendar::chrono::TimeZone;

    fn t(h: u32, m: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(h, m, 0).unwrap()
    }

    #[test]
    fn plain_choices_write_the_rules_of_the_offices() {
        assert_eq!(
            rule_text(&RulePattern::NthOfMonth(vec![2, 4], Weekday::Thu)),
            "FREQ=MONTHLY;BYDAY=2TH,4TH"
        );
        assert_eq!(
            rule_text(&RulePattern::EveryOtherWeek(vec![Weekday::Thu])),
            "FREQ=WEEKLY;INTERVAL=2;BYDAY=TH"
        );
        assert_eq!(
            rule_text(&RulePattern::LastOfMonth(Weekday::Sat)),
            "FREQ=MONTHLY;BYDAY=-1SA"
        );
        assert_eq!(
            rule_text(&RulePattern::Weekly(vec![Weekday::Tue, Weekday::Fri])),
            "FREQ=WEEKLY;BYDAY=TU,FR"
        );
        assert_eq!(weekday_of("TH"), Some(Weekday::Thu));
        assert_eq!(weekday_of("XX"), None);
    }

    #[test]
    fn codes_avoid_look_alikes_and_read_back_as_typed() {
        let c = code_from(&[0, 30, 31, 255, 8, 9, 14, 100]);
        assert_eq!(c.len(), CODE_LENGTH);
        assert!(!c.contains(['0', 'O', '1', 'I', 'L']));
        assert_eq!(
            normalise_code(&format!(" {} ", show_code(&c).to_lowercase())),
            c
        );
    }

    #[test]
    fn contact_errors_name_their_fields_all_at_once() {
        let e = ContactDraft {
            name: " ".into(),
            phone: "12345".into(),
            email: "not-mail".into(),
            consent: false,
        }
        .check()
        .unwrap_err();
        let fields: Vec<_> = e.0.iter().map(|f| f.field).collect();
        assert_eq!(fields, ["name", "phone", "email", "consent"]);
        let ok = ContactDraft {
            name: "홍길동".into(),
            phone: "010-1234-5678".into(),
            email: String::new(),
            consent: true,
        }
        .check()
        .unwrap();
        assert_eq!(ok.phone, "01012345678");
        assert_eq!(person_key("010 1234 5678"), "01012345678");
    }

    #[test]
    fn the_evening_opens_only_with_enough_bookings() {
        assert_eq!(decide(0, 0), EveningState::Confirmed);
        assert_eq!(decide(0, 1), EveningState::NotOpened);
        assert_eq!(decide(3, 3), EveningState::Confirmed);
    }

    #[test]
    fn booking_stops_at_the_cutoff_and_names_it() {
        let cutoff = Utc.with_ymd_and_hms(2026, 5, 14, 9, 0, 0).unwrap();
        let before = cutoff - TimeDelta::minutes(1);
        assert!(may_book(EveningState::Scheduled, cutoff, before).is_ok());
        let e = may_book(EveningState::Scheduled, cutoff, cutoff).unwrap_err();
        assert_eq!(e.code, "past_cutoff");
        assert!(e.ko.contains("2026-05-14 18:00"));
        assert_eq!(
            may_book(EveningState::NotOpened, cutoff, before)
                .unwrap_err()
                .code,
            "evening_not_opened"
        );
        assert_eq!(
            may_book(EveningState::Cancelled, cutoff, before)
                .unwrap_err()
                .code,
            "evening_cancelled"
        );
    }

    #[test]
    fn reminders_fall_due_the_day_before_and_two_hours_before() {
        // Slot 2026-05-14 18:00 KST = 09:00 UTC.
        let slot = Utc.with_ymd_and_hms(2026, 5, 14, 9, 0, 0).unwrap();
        let eve_8am = Utc.with_ymd_and_hms(2026, 5, 12, 23, 0, 0).unwrap(); // 08:00 KST 13th
        let eve_9am = eve_8am + TimeDelta::hours(1);
        assert!(!reminder_due(ReminderKind::DayBefore, slot, eve_8am));
        assert!(reminder_due(ReminderKind::DayBefore, slot, eve_9am));
        assert!(!reminder_due(ReminderKind::HoursBefore, slot, eve_9am));
        let at_16 = slot - TimeDelta::hours(2);
        assert!(reminder_due(ReminderKind::HoursBefore, slot, at_16));
        assert!(!reminder_due(ReminderKind::DayBefore, slot, at_16));
        assert!(!reminder_due(ReminderKind::HoursBefore, slot, slot));
    }

    #[test]
    fn defaults_pass_their_own_check_on_a_two_hour_evening() {
        for kind in ServiceKind::ALL {
            let d = defaults(*kind);
            assert!(d.validate(t(18, 0), t(20, 0)).is_ok(), "{kind:?}");
            assert!(!d.checklist.is_empty());
        }
        let mut long = defaults(ServiceKind::PassportApplication);
        long.slot_minutes = 180;
        let e = long.validate(t(18, 0), t(20, 0)).unwrap_err();
        assert_eq!(
            e.get("slot_minutes").unwrap().code,
            "slot_longer_than_opening"
        );
    }

    #[test]
    fn a_schedule_draft_reports_every_field_at_once() {
        let d = ScheduleDraft {
            name: " ".into(),
            name_en: String::new(),
            place: String::new(),
            place_en: String::new(),
            rule: "FREQ=MONTHLY;BYDAY=2TH,4TH".into(),
            anchor: NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
            opens: t(18, 0),
            closes: t(17, 0),
            cutoff: Cutoff::HoursBefore(400),
            min_bookings: 1,
            one_per_person: true,
            payment_methods: vec![],
            checkin_early_minutes: 30,
            checkin_late_minutes: 10,
            remind_day_before: true,
            remind_hours_before: true,
            exceptions: vec![],
        };
        let holidays = calendar::HolidayData::default();
        let today = NaiveDate::from_ymd_opt(2026, 5, 1).unwrap();
        let e = d.validate(&holidays, today).unwrap_err();
        let fields: Vec<_> = e.0.iter().map(|f| f.field).collect();
        assert_eq!(
            fields,
            ["name", "cutoff_value", "payment_methods", "closes"]
        );
        let ok = ScheduleDraft {
            name: "야간".into(),
            closes: t(20, 0),
            cutoff: Cutoff::SameDayAt(t(18, 0)),
            payment_methods: vec![PaymentMethod::Cash],
            ..d
        };
        assert_eq!(
            ok.validate(&holidays, today).unwrap().rule,
            "FREQ=MONTHLY;BYDAY=2TH,4TH"
        );
        assert_eq!(
            Cutoff::from_stored("hours_before", "3"),
            Cutoff::HoursBefore(3)
        );
        assert_eq!(
            Cutoff::from_stored("same_day_at", "17:30"),
            Cutoff::SameDayAt(t(17, 30))
        );
    }

    #[test]
    fn checklist_lines_pair_korean_and_english() {
        let c = checklist_from_lines("사진\n\n신분증\n", "Photo\n\nID");
        assert_eq!(c.len(), 2);
        assert_eq!(c[0].en, "Photo");
        // The blank line is skipped on both sides: lines pair by their number.
        assert_eq!(c[1].en, "ID");
    }
}
