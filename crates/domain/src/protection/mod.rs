//! Protection of frontline officials (민원공무원 보호, Act art. 4; Decree art. 4 as amended
//! 2024-10-29): incident kinds and channels, the measures the Decree lists and the order they
//! may be taken in, evidence types, equipment, drills per half-year, the recommended contact
//! time and the indicators for the evaluation. Pure: time comes in as arguments.

use crate::{DepartmentId, RuleError};
use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

use crate::label::labelled;

labelled! {
    /// What happened (특이민원 유형).
    IncidentKind {
        /// Raised by the panic button, not yet described.
        Unclassified = "unclassified", "분류 전", "not yet classified";
        VerbalAbuse = "verbal_abuse", "폭언·욕설", "verbal abuse";
        Threat = "threat", "협박", "threat";
        SexualHarassment = "sexual_harassment", "성희롱", "sexual harassment";
        Violence = "violence", "폭행", "violence";
        Weapon = "weapon", "위험물 소지", "weapon";
        RepeatedNoPurpose = "repeated_no_purpose", "정당한 사유 없는 반복 민원", "repeated petitions with no legitimate purpose";
        Disruption = "disruption", "업무 방해·소란", "disruption";
    }
}

labelled! {
    /// Where the contact happened (접점).
    Channel {
        Counter = "counter", "민원창구", "counter";
        Phone = "phone", "전화", "phone";
        Visit = "visit", "방문", "visit";
        Online = "online", "온라인", "online";
    }
}

labelled! {
    /// The protective measures of Decree art. 4, in the order the Decree lists them. The
    /// declaration order is the legal order pages show them in.
    MeasureKind {
        /// 중단 사유 고지: telling the petitioner why the contact may end.
        Warning = "warning", "경고(사유 고지)", "warning given";
        /// 통화·면담 종료: only after a recorded warning.
        Ended = "ended", "통화·면담 종료", "call or visit ended";
        Separated = "separated", "공무원 분리·업무 중단", "official separated or work paused";
        AccessRestricted = "access_restricted", "퇴거·일시 출입 제한", "removal or temporary access restriction";
        Counselling = "counselling", "치료·상담 지원", "treatment and counselling offered";
        CriminalComplaint = "criminal_complaint", "기관 고발", "criminal complaint filed by the office";
        LegalSupport = "legal_support", "소송 등 법률 지원", "legal support to the official";
        EvidenceHanded = "evidence_handed", "증거 제출 지원", "evidence handed to investigators";
    }
}

labelled! {
    /// Why a warning is given (중단 사유).
    WarningReason {
        Insult = "insult", "반복된 폭언·욕설", "repeated insults";
        Threat = "threat", "협박", "threats";
        SexualHarassment = "sexual_harassment", "성희롱", "sexual harassment";
        TimeExceeded = "time_exceeded", "권장 시간 초과", "recommended time clearly exceeded";
    }
}

labelled! {
    /// What an evidence file is.
    EvidenceKind {
        Recording = "recording", "녹음", "recording";
        Video = "video", "영상", "video";
        Photo = "photo", "사진", "photo";
        Document = "document", "문서", "document";
    }
}

labelled! {
    /// One entry of an evidence file's custody log (증거 관리 기록).
    CustodyAction {
        Uploaded = "uploaded", "등록", "uploaded";
        Viewed = "viewed", "열람", "viewed";
        Downloaded = "downloaded", "내려받기", "downloaded";
        HandedOver = "handed_over", "인계", "handed over";
        Verified = "verified", "무결성 확인", "integrity verified";
        Mismatch = "mismatch", "무결성 불일치", "integrity mismatch";
        Purged = "purged", "보존기간 만료 삭제", "deleted at the end of retention";
    }
}

labelled! {
    /// Safety equipment (안전장비).
    EquipmentKind {
        Whistle = "whistle", "호신용 호루라기", "whistle";
        PortableRecorder = "portable_recorder", "휴대용 녹음기", "portable recorder";
        BodyCamera = "body_camera", "웨어러블 캠", "body camera";
        EmergencyBell = "emergency_bell", "비상벨", "emergency bell";
        Cctv = "cctv", "CCTV", "CCTV";
    }
}

labelled! {
    /// Where a flag came from.
    FlagSource {
        /// The text screening of a petition (automatic).
        Screening = "screening", "자동 선별", "text screening";
        /// An official's own judgement.
        Official = "official", "담당자 표시", "official";
    }
}

/// Content types accepted as evidence, recognised from the bytes (never from the client).
pub const EVIDENCE_TYPES: &[&str] = &[
    "audio/mpeg",
    "audio/wav",
    "audio/ogg",
    "audio/mp4",
    "video/mp4",
    "video/webm",
    "image/png",
    "image/jpeg",
    "application/pdf",
    "text/plain",
];

/// Largest evidence file by default (an hour of phone recording fits many times over).
pub const EVIDENCE_MAX_BYTES: u64 = 200 * 1024 * 1024;

/// Evidence is kept this long by default (setting `protection.evidence_retention_days`):
/// criminal complaints and civil suits take years, so three years after the incident.
pub const EVIDENCE_RETENTION_DAYS: i64 = 3 * 365;

/// An official with this many incidents within [`REPEATED_WINDOW_DAYS`] is invited (never
/// obliged) to the wellbeing self-check.
pub const REPEATED_INCIDENTS: i64 = 2;
pub const REPEATED_WINDOW_DAYS: i64 = 90;

/// Whether `count` incidents within the window make an official's exposure "repeated".
pub fn is_repeated(count_in_window: i64) -> bool {
    count_in_window >= REPEATED_INCIDENTS
}

fn rule(code: &'static str, ko: &str, en: &str) -> RuleError {
    RuleError::new(code, ko, en)
}

/// Longest narrative, place and note accepted.
pub const MAX_NARRATIVE_CHARS: usize = 10_000;
pub const MAX_SHORT_CHARS: usize = 200;

/// Check the free text of an incident and that it did not happen in the future.
pub fn validate_incident(
    narrative: &str,
    place: &str,
    occurred_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<(), RuleError> {
    match incident_problems(narrative, place, occurred_at, now)
        .into_iter()
        .next()
    {
        Some((_, e)) => Err(e),
        None => Ok(()),
    }
}

/// Every problem [`validate_incident`] finds, each with the field it concerns (`narrative`,
/// `place`, `occurred_at`), so a form can say them all at once beside their fields.
pub fn incident_problems(
    narrative: &str,
    place: &str,
    occurred_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Vec<(&'static str, RuleError)> {
    let mut problems = Vec::new();
    if narrative.chars().count() > MAX_NARRATIVE_CHARS {
        problems.push((
            "narrative",
            rule(
                "narrative_too_long",
                "경위는 10,000자까지 적을 수 있습니다",
                "the narrative may be at most 10,000 characters",
            ),
        ));
    }
    if place.chars().count() > MAX_SHORT_CHARS {
        problems.push((
            "place",
            rule(
                "place_too_long",
                "장소는 200자까지입니다",
                "the place may be at most 200 characters",
            ),
        ));
    }
    // A few minutes of clock skew between a counter PC and the server is not the future.
    if occurred_at > now + Duration::minutes(5) {
        problems.push((
            "occurred_at",
            rule(
                "occurred_in_future",
                "발생 일시가 미래입니다",
                "the incident cannot have happened in the future",
            ),
        ));
    }
    problems
}

/// A measure as asked for, before it is recorded.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MeasureInput {
    pub kind: Option<MeasureKind>,
    pub note: String,
    /// Warnings: why the contact may end.
    pub warning_reason: Option<WarningReason>,
    /// Access restriction: from, until, and why.
    pub restriction_start: Option<DateTime<Utc>>,
    pub restriction_end: Option<DateTime<Utc>>,
    /// … and what it covers (visits, calls, online filing): at least one.
    pub restriction_covers: Vec<RestrictionCover>,
    pub reason: String,
    /// Counselling: link the offer to the official's wellbeing page …
    pub link_wellbeing: bool,
    /// … which needs the official's own consent.
    pub official_consent: bool,
    /// Evidence handed over: to whom (e.g. the police station).
    pub recipient: String,
}

/// Why `kind` cannot be taken now, given the measures already taken (in any order), or `None`
/// when it may. This is the ordering rule alone; [`validate_measure`] checks the details too.
pub fn order_refusal(taken: &[MeasureKind], kind: MeasureKind) -> Option<RuleError> {
    match kind {
        MeasureKind::Ended if !taken.contains(&MeasureKind::Warning) => Some(rule(
            "warning_required",
            "통화·면담은 중단 사유를 먼저 알린(경고를 기록한) 뒤에만 종료할 수 있습니다",
            "a call or visit may be ended only after a warning telling the petitioner why has been recorded",
        )),
        MeasureKind::Ended if taken.contains(&MeasureKind::Ended) => Some(rule(
            "already_ended",
            "이미 종료된 통화·면담입니다",
            "the call or visit has already been ended",
        )),
        _ => None,
    }
}

/// Validate a measure against the Decree's rules and those already taken.
pub fn validate_measure(
    taken: &[MeasureKind],
    input: &MeasureInput,
) -> Result<MeasureKind, RuleError> {
    let kind = input.kind.ok_or_else(|| {
        rule(
            "measure_kind_required",
            "조치 종류를 고르세요",
            "choose the kind of measure",
        )
    })?;
    if let Some(e) = order_refusal(taken, kind) {
        return Err(e);
    }
    if input.note.chars().count() > MAX_NARRATIVE_CHARS {
        return Err(rule(
            "note_too_long",
            "메모는 10,000자까지입니다",
            "the note may be at most 10,000 characters",
        ));
    }
    match kind {
        MeasureKind::Warning if input.warning_reason.is_none() => Err(rule(
            "warning_reason_required",
            "경고에는 중단 사유가 필요합니다",
            "a warning needs the reason told to the petitioner",
        )),
        MeasureKind::AccessRestricted => {
            let (Some(start), Some(end)) = (input.restriction_start, input.restriction_end) else {
                return Err(rule(
                    "restriction_period_required",
                    "출입 제한에는 시작과 종료 일시가 필요합니다",
                    "an access restriction needs a start and an end",
                ));
            };
            if end <= start {
                return Err(rule(
                    "restriction_ends_before_start",
                    "출입 제한의 종료 일시는 시작 일시보다 늦어야 합니다",
                    "an access restriction must end after it starts",
                ));
            }
            if input.restriction_covers.is_empty() {
                return Err(rule(
                    "restriction_covers_required",
                    "제한 범위(방문, 전화, 온라인 신청)를 하나 이상 고르세요",
                    "choose what the restriction covers (visits, calls, online filing)",
                ));
            }
            if input.reason.trim().is_empty() || input.reason.chars().count() > MAX_SHORT_CHARS {
                return Err(rule(
                    "restriction_reason_required",
                    "출입 제한 사유를 적으세요 (200자 이내)",
                    "give the reason for the access restriction (at most 200 characters)",
                ));
            }
            Ok(kind)
        }
        MeasureKind::Counselling if input.link_wellbeing && !input.official_consent => Err(rule(
            "consent_required",
            "마음건강 연계는 해당 공무원의 동의가 있어야 합니다",
            "linking to wellbeing needs the official's consent",
        )),
        MeasureKind::EvidenceHanded if input.recipient.trim().is_empty() => Err(rule(
            "recipient_required",
            "증거를 받은 기관을 적으세요",
            "name who received the evidence",
        )),
        _ => Ok(kind),
    }
}

/// The measures in legal order, each with why it is refused now (for the buttons).
pub fn measure_menu(taken: &[MeasureKind]) -> Vec<(MeasureKind, Option<RuleError>)> {
    MeasureKind::ALL
        .iter()
        .map(|k| (*k, order_refusal(taken, *k)))
        .collect()
}

/// What the official may read out when a contact runs long or turns abusive: the reason, then
/// that the contact will end (Decree art. 4: "after telling the petitioner why").
pub fn warning_text(reason: WarningReason, minutes: i64) -> (String, String) {
    let (ko, en) = match reason {
        WarningReason::TimeExceeded => (
            format!(
                "민원 응대 권장 시간({minutes}분)을 넘었습니다. 다른 민원인을 위해 곧 상담을 마치겠습니다. 추가로 필요한 내용은 서면이나 예약으로 안내해 드리겠습니다."
            ),
            format!(
                "We have passed the recommended time of {minutes} minutes. For the other residents waiting, we will end this conversation shortly; anything further can follow in writing or by appointment."
            ),
        ),
        other => (
            format!(
                "{}이(가) 계속되면 관련 법령(민원처리법 제4조)에 따라 상담을 중단합니다. 이 대화는 녹음되고 있습니다.",
                other.korean()
            ),
            format!(
                "If the {} continues, this conversation will be ended under the Civil Petitions Act art. 4. It is being recorded.",
                other.english()
            ),
        ),
    };
    (ko, en)
}

/// Default recommended minutes per call or visit (setting `protection.contact_minutes.<channel>`).
pub fn default_contact_minutes(channel: Channel) -> i64 {
    match channel {
        Channel::Phone => 15,
        Channel::Counter | Channel::Visit => 30,
        Channel::Online => 0,
    }
}

/// Parse a setting of recommended minutes: 1 to 240.
pub fn parse_contact_minutes(value: &str) -> Result<i64, RuleError> {
    value
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|m| (1..=240).contains(m))
        .ok_or_else(|| {
            rule(
                "bad_contact_minutes",
                "권장 시간은 1~240분입니다",
                "the recommended time is 1 to 240 minutes",
            )
        })
}

/// A start and an optional end of an access restriction: is it in force at `at`?
pub fn restriction_active(
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    lifted: bool,
    at: DateTime<Utc>,
) -> bool {
    !lifted && start <= at && at < end
}

/// The date in Korea of an instant.
pub fn local_date(at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&calendar::SEOUL).date_naive()
}

/// The month (KST) an instant falls in, as `YYYY-MM`.
pub fn month_of(at: DateTime<Utc>) -> String {
    at.with_timezone(&calendar::SEOUL)
        .format("%Y-%m")
        .to_string()
}

/// A half-year (반기): 1 = January–June, 2 = July–December.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct HalfYear {
    pub year: i32,
    pub half: u8,
}

impl HalfYear {
    pub fn of(date: NaiveDate) -> HalfYear {
        HalfYear {
            year: date.year(),
            half: if date.month() <= 6 { 1 } else { 2 },
        }
    }

    pub fn of_instant(at: DateTime<Utc>) -> HalfYear {
        Self::of(local_date(at))
    }

    /// The last day of the half-year.
    pub fn last_day(self) -> NaiveDate {
        let (m, d) = if self.half == 1 { (6, 30) } else { (12, 31) };
        NaiveDate::from_ymd_opt(self.year, m, d).unwrap_or(NaiveDate::MIN)
    }

    pub fn label(self) -> String {
        format!(
            "{}년 {} ({} H{})",
            self.year,
            if self.half == 1 {
                "상반기"
            } else {
                "하반기"
            },
            self.year,
            self.half
        )
    }
}

/// A drill as far as the half-year rule cares: when, and whether it was held.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DrillFact {
    pub planned_on: NaiveDate,
    pub held: bool,
}

/// Why a reminder is due for the half-year of `today`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DrillReminder {
    /// No drill is planned or held in this half-year.
    NonePlanned,
    /// A drill is planned but none held, and the half-year ends within [`DRILL_WARN_DAYS`].
    NotYetHeld,
}

pub const DRILL_WARN_DAYS: i64 = 30;

/// The seeds' practice (drills with the police in each half-year) as a rule: a reminder when
/// the current half-year has no drill, or has one planned but not held a month before it ends.
pub fn drill_reminder(today: NaiveDate, drills: &[DrillFact]) -> Option<DrillReminder> {
    let half = HalfYear::of(today);
    let this: Vec<&DrillFact> = drills
        .iter()
        .filter(|d| HalfYear::of(d.planned_on) == half)
        .collect();
    if this.is_empty() {
        return Some(DrillReminder::NonePlanned);
    }
    let days_left = (half.last_day() - today).num_days();
    if !this.iter().any(|d| d.held) && days_left <= DRILL_WARN_DAYS {
        return Some(DrillReminder::NotYetHeld);
    }
    None
}

impl DrillReminder {
    pub fn message(self, half: HalfYear) -> (String, String) {
        match self {
            DrillReminder::NonePlanned => (
                format!(
                    "{} 위험상황 대응 모의훈련이 계획되지 않았습니다. 경찰서와 합동 훈련을 계획하세요.",
                    half.label()
                ),
                format!(
                    "No emergency drill is planned for {} H{}: plan one with the police.",
                    half.year, half.half
                ),
            ),
            DrillReminder::NotYetHeld => (
                format!(
                    "{} 모의훈련이 아직 실시되지 않았습니다 (반기 종료 30일 이내).",
                    half.label()
                ),
                format!(
                    "The drill for {} H{} has not been held and the half-year ends within 30 days.",
                    half.year, half.half
                ),
            ),
        }
    }
}

/// One incident as the indicators see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncidentFact {
    pub department_id: Option<DepartmentId>,
    pub occurred_at: DateTime<Utc>,
    /// Measures with the time each was recorded.
    pub measures: Vec<(MeasureKind, DateTime<Utc>)>,
}

/// One call or visit timed at the counter or phone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactFact {
    pub department_id: Option<DepartmentId>,
    pub started_at: DateTime<Utc>,
    pub channel: Channel,
    pub recorded: bool,
}

/// A drill held, for the indicators.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeldDrill {
    pub department_id: Option<DepartmentId>,
    pub held_at: DateTime<Utc>,
}

/// The indicators of one month and department.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Indicators {
    pub calls: i64,
    pub calls_recorded: i64,
    /// Share of phone calls recorded, 0–1 (`None` without calls).
    pub recorded_share: Option<f64>,
    pub incidents: i64,
    /// Incidents with at least one measure, and the mean minutes to the first.
    pub responded: i64,
    pub mean_response_minutes: Option<f64>,
    pub measures: BTreeMap<String, i64>,
    pub drills_held: i64,
    /// Counselling and legal support given.
    pub support_given: i64,
}

/// Indicators per (month, department). Department `None` rows are office-wide totals.
pub fn indicators(
    incidents: &[IncidentFact],
    contacts: &[ContactFact],
    drills: &[HeldDrill],
) -> BTreeMap<(String, Option<DepartmentId>), Indicators> {
    let mut out: BTreeMap<(String, Option<DepartmentId>), Indicators> = BTreeMap::new();
    let mut response_minutes: BTreeMap<(String, Option<DepartmentId>), Vec<f64>> = BTreeMap::new();
    // Every fact counts for its department and for the office total.
    let keys = |at: DateTime<Utc>, dept: Option<DepartmentId>| {
        let m = month_of(at);
        let mut v = vec![(m.clone(), None)];
        if dept.is_some() {
            v.push((m, dept));
        }
        v
    };
    for c in contacts.iter().filter(|c| c.channel == Channel::Phone) {
        for k in keys(c.started_at, c.department_id) {
            let row = out.entry(k).or_default();
            row.calls += 1;
            row.calls_recorded += i64::from(c.recorded);
        }
    }
    for i in incidents {
        let first = i.measures.iter().map(|(_, at)| *at).min();
        for k in keys(i.occurred_at, i.department_id) {
            let row = out.entry(k.clone()).or_default();
            row.incidents += 1;
            for (m, _) in &i.measures {
                *row.measures.entry(m.as_str().to_string()).or_default() += 1;
                if matches!(m, MeasureKind::Counselling | MeasureKind::LegalSupport) {
                    row.support_given += 1;
                }
            }
            if let Some(first) = first {
                row.responded += 1;
                let mins = (first - i.occurred_at).num_seconds().max(0) as f64 / 60.0;
                response_minutes.entry(k).or_default().push(mins);
            }
        }
    }
    for d in drills {
        for k in keys(d.held_at, d.department_id) {
            out.entry(k).or_default().drills_held += 1;
        }
    }
    for (k, row) in out.iter_mut() {
        row.recorded_share = (row.calls > 0).then(|| row.calls_recorded as f64 / row.calls as f64);
        row.mean_response_minutes = response_minutes
            .get(k)
            .filter(|v| !v.is_empty())
            .map(|v| v.iter().sum::<f64>() / v.len() as f64);
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Panic alerts: who is told, and who is next in line
// ---------------------------------------------------------------------------------------------

labelled! {
    /// Why someone receives a panic alert (the order is the line: supervisors first).
    AlertRole {
        Supervisor = "supervisor", "부서장", "supervisor";
        ProtectionOfficer = "protection_officer", "보호 담당자", "protection officer";
        SecurityDesk = "security_desk", "청사 방호실", "security desk";
        OfficeHead = "office_head", "민원실장", "head of the civil-affairs office";
    }
}

labelled! {
    /// How a recipient was told.
    AlertChannel {
        Screen = "screen", "화면", "screen";
        Sms = "sms", "문자", "SMS";
        Email = "email", "메일", "mail";
    }
}

/// A staff account as the alert line sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertStaff {
    pub id: crate::AccountId,
    pub role: crate::office::accounts::Role,
    pub department_id: Option<DepartmentId>,
    pub active: bool,
}

/// The security desk as the administrator set it: an account, or an address only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecurityDesk {
    Account(crate::AccountId),
    Sms(String),
    Email(String),
}

/// Whom one recipient is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AlertReach {
    Account(crate::AccountId),
    Sms(String),
    Email(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertRecipient {
    pub reach: AlertReach,
    pub role: AlertRole,
}

/// Who a panic alert pressed by `caller` (in `caller_department`) goes to: the supervisors of
/// the caller's division (a supervisor whose department is the caller's or an ancestor of it),
/// every protection officer of the office, and the security desk; when none of those exists,
/// the office head. Inactive accounts and the caller are left out (nobody alerts themself).
/// Empty means nobody can be reached, which the confirmation must say.
pub fn alert_recipients(
    caller: crate::AccountId,
    caller_department: Option<DepartmentId>,
    org: &crate::access::OrgChart,
    staff: &[AlertStaff],
    desk: Option<&SecurityDesk>,
    office_head: Option<crate::AccountId>,
) -> Vec<AlertRecipient> {
    use crate::office::accounts::Role;
    let usable =
        |id: crate::AccountId| id != caller && staff.iter().any(|s| s.id == id && s.active);
    let mut out: Vec<AlertRecipient> = Vec::new();
    let push = |out: &mut Vec<AlertRecipient>, reach: AlertReach, role: AlertRole| {
        if !out.iter().any(|r| r.reach == reach) {
            out.push(AlertRecipient { reach, role });
        }
    };
    for s in staff
        .iter()
        .filter(|s| s.role == Role::Supervisor && usable(s.id))
    {
        if let (Some(mine), Some(theirs)) = (caller_department, s.department_id)
            && org.is_within(mine, theirs)
        {
            push(&mut out, AlertReach::Account(s.id), AlertRole::Supervisor);
        }
    }
    for s in staff
        .iter()
        .filter(|s| s.role == Role::ProtectionOfficer && usable(s.id))
    {
        push(
            &mut out,
            AlertReach::Account(s.id),
            AlertRole::ProtectionOfficer,
        );
    }
    match desk {
        Some(SecurityDesk::Account(id)) if usable(*id) => {
            push(&mut out, AlertReach::Account(*id), AlertRole::SecurityDesk)
        }
        Some(SecurityDesk::Sms(a)) => push(
            &mut out,
            AlertReach::Sms(a.clone()),
            AlertRole::SecurityDesk,
        ),
        Some(SecurityDesk::Email(a)) => push(
            &mut out,
            AlertReach::Email(a.clone()),
            AlertRole::SecurityDesk,
        ),
        _ => {}
    }
    if out.is_empty()
        && let Some(head) = office_head.filter(|h| usable(*h))
    {
        push(&mut out, AlertReach::Account(head), AlertRole::OfficeHead);
    }
    out
}

/// The next in line for an alert nobody acknowledged in time: the office head when they were
/// not told yet, else everyone already told again (an SMS is harder to miss than a screen).
pub fn escalation_recipients(
    told: &[AlertRecipient],
    caller: crate::AccountId,
    office_head: Option<crate::AccountId>,
    staff: &[AlertStaff],
) -> Vec<AlertRecipient> {
    if let Some(head) = office_head.filter(|h| {
        *h != caller
            && staff.iter().any(|s| s.id == *h && s.active)
            && !told.iter().any(|r| r.reach == AlertReach::Account(*h))
    }) {
        return vec![AlertRecipient {
            reach: AlertReach::Account(head),
            role: AlertRole::OfficeHead,
        }];
    }
    told.to_vec()
}

/// Seconds an alert may stay unacknowledged before it goes to the next in line by SMS
/// (setting `protection.alert_escalation_seconds`).
pub const ALERT_ESCALATION_SECONDS: i64 = 60;

pub fn parse_escalation_seconds(value: &str) -> Result<i64, RuleError> {
    value
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|s| (10..=3600).contains(s))
        .ok_or_else(|| {
            rule(
                "escalation_seconds_out_of_range",
                "재알림 시간은 10초에서 3600초 사이입니다",
                "the escalation time is 10 to 3600 seconds",
            )
        })
}

/// What the security desk setting names: an account (by username, looked up by the caller),
/// a mail address, or a mobile number. `None` for an empty setting.
pub fn parse_security_desk(value: &str) -> Result<Option<DeskAddress>, RuleError> {
    let v = value.trim();
    if v.is_empty() {
        return Ok(None);
    }
    if v.contains('@') {
        let (user, host) = v.split_once('@').unwrap_or_default();
        if user.is_empty() || !host.contains('.') || v.contains(char::is_whitespace) {
            return Err(desk_error());
        }
        return Ok(Some(DeskAddress::Email(v.to_string())));
    }
    let digits = v.chars().filter(char::is_ascii_digit).count();
    if v.chars()
        .all(|c| c.is_ascii_digit() || c == '-' || c == ' ' || c == '+')
    {
        return if (9..=15).contains(&digits) {
            Ok(Some(DeskAddress::Sms(v.to_string())))
        } else {
            Err(desk_error())
        };
    }
    Ok(Some(DeskAddress::Username(v.to_string())))
}

/// A parsed security desk setting before the account is looked up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeskAddress {
    Username(String),
    Sms(String),
    Email(String),
}

fn desk_error() -> RuleError {
    rule(
        "security_desk_invalid",
        "방호실은 계정 아이디, 메일 주소 또는 휴대전화 번호로 적으세요",
        "give the security desk as an account username, a mail address or a mobile number",
    )
}

// ---------------------------------------------------------------------------------------------
// Access restrictions: what they cover and the notice a covered channel answers with
// ---------------------------------------------------------------------------------------------

labelled! {
    /// What a temporary access restriction covers (제한 범위).
    RestrictionCover {
        Visits = "visits", "방문", "visits";
        Calls = "calls", "전화", "calls";
        Online = "online", "온라인 신청", "online filing";
    }
}

/// Stored as a comma-separated list in legal (declaration) order.
pub fn covers_to_text(covers: &[RestrictionCover]) -> String {
    RestrictionCover::ALL
        .iter()
        .filter(|c| covers.contains(c))
        .map(|c| c.as_str())
        .collect::<Vec<_>>()
        .join(",")
}

/// The stored list back; unknown entries are ignored (they cannot be written).
pub fn covers_from_text(s: &str) -> Vec<RestrictionCover> {
    s.split(',')
        .filter_map(|p| RestrictionCover::parse(p.trim()).ok())
        .collect()
}

/// The lawful notice a covered channel answers with while a restriction runs: the measure,
/// its period (Korean time) and the basis. Returned as the refusal itself.
pub fn restriction_notice(
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    covers: &[RestrictionCover],
) -> RuleError {
    let fmt = |t: DateTime<Utc>| {
        t.with_timezone(&calendar::SEOUL)
            .format("%Y-%m-%d %H:%M")
            .to_string()
    };
    let ko_cov: Vec<&str> = covers.iter().map(|c| c.korean()).collect();
    let en_cov: Vec<&str> = covers.iter().map(|c| c.english()).collect();
    rule(
        "access_restricted",
        &format!(
            "민원 처리에 관한 법률 시행령 제4조에 따른 일시 출입·접근 제한 조치 기간({} ~ {}, 한국시간)이므로 이 경로({})로는 민원을 받을 수 없습니다. 서면(우편)으로 제출하거나 제한 기간이 끝난 뒤 신청해 주세요",
            fmt(start),
            fmt(end),
            ko_cov.join("·")
        ),
        &format!(
            "a temporary access restriction under Decree art. 4 of the Civil Petitions Act applies from {} to {} (Korean time), covering {}; petitions cannot be received this way until it ends — submit in writing by mail or after that date",
            fmt(start),
            fmt(end),
            en_cov.join(", ")
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use proptest::prelude::*;

    fn at(y: i32, m: u32, d: u32, h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, h, 0, 0).unwrap()
    }

    fn input(kind: MeasureKind) -> MeasureInput {
        MeasureInput {
            kind: Some(kind),
            ..MeasureInput::default()
        }
    }

    #[test]
    fn labels_round_trip_and_unknown_is_refused() {
        for k in MeasureKind::ALL {
            assert_eq!(MeasureKind::parse(k.as_str()).unwrap(), *k);
        }
        for k in IncidentKind::ALL {
            assert_eq!(IncidentKind::parse(k.as_str()).unwrap(), *k);
        }
        let e = Channel::parse("fax").unwrap_err();
        assert_eq!(e.code, "unknown_Channel");
        assert!(e.message().contains("counter"));
    }

    #[test]
    fn the_decree_order_is_the_declaration_order() {
        assert_eq!(MeasureKind::ALL[0], MeasureKind::Warning);
        assert_eq!(MeasureKind::ALL[1], MeasureKind::Ended);
        assert_eq!(MeasureKind::ALL.len(), 8);
    }

    #[test]
    fn ending_needs_a_recorded_warning_first() {
        let e = validate_measure(&[], &input(MeasureKind::Ended)).unwrap_err();
        assert_eq!(e.code, "warning_required");
        assert!(e.message().starts_with("통화"));
        let e = validate_measure(&[], &input(MeasureKind::Warning)).unwrap_err();
        assert_eq!(e.code, "warning_reason_required");
        let warn = MeasureInput {
            warning_reason: Some(WarningReason::Insult),
            ..input(MeasureKind::Warning)
        };
        assert_eq!(validate_measure(&[], &warn), Ok(MeasureKind::Warning));
        assert_eq!(
            validate_measure(&[MeasureKind::Warning], &input(MeasureKind::Ended)),
            Ok(MeasureKind::Ended)
        );
        let e = validate_measure(
            &[MeasureKind::Warning, MeasureKind::Ended],
            &input(MeasureKind::Ended),
        )
        .unwrap_err();
        assert_eq!(e.code, "already_ended");
        let menu = measure_menu(&[]);
        assert!(menu[0].1.is_none());
        assert_eq!(menu[1].1.as_ref().unwrap().code, "warning_required");
        assert!(menu[2..].iter().all(|(_, r)| r.is_none()));
    }

    fn staff(id: i64, role: crate::office::accounts::Role, dept: Option<i64>) -> AlertStaff {
        AlertStaff {
            id,
            role,
            department_id: dept,
            active: true,
        }
    }

    #[test]
    fn panic_alert_line_reaches_someone_or_says_nobody() {
        use crate::access::OrgChart;
        use crate::office::accounts::Role;
        // 1 county ─ 2 civil ─ 3 desk; 4 build (no supervisor).
        let org = OrgChart::new([(1, None), (2, Some(1)), (3, Some(2)), (4, Some(1))]);
        let mut people = vec![
            staff(10, Role::Official, Some(3)),
            staff(11, Role::Supervisor, Some(2)),
            staff(12, Role::ProtectionOfficer, Some(2)),
            staff(13, Role::Official, Some(4)),
            staff(14, Role::Supervisor, None),
            staff(15, Role::Administrator, Some(1)),
        ];
        let acc = |r: &AlertRecipient| match r.reach {
            AlertReach::Account(a) => a,
            _ => 0,
        };
        // The desk official: their division's supervisor, the protection officer, the desk.
        let desk = SecurityDesk::Sms("010-0000-0112".into());
        let r = alert_recipients(10, Some(3), &org, &people, Some(&desk), Some(15));
        assert_eq!(r.iter().map(acc).collect::<Vec<_>>(), vec![11, 12, 0]);
        assert_eq!(r[0].role, AlertRole::Supervisor);
        assert_eq!(r[2].reach, AlertReach::Sms("010-0000-0112".into()));
        // Construction has no supervisor: the protection officer of another division still comes.
        let r = alert_recipients(13, Some(4), &org, &people, None, Some(15));
        assert_eq!(r.iter().map(acc).collect::<Vec<_>>(), vec![12]);
        // Nobody in the line: the office head.
        people[2].active = false;
        let r = alert_recipients(13, Some(4), &org, &people, None, Some(15));
        assert_eq!(r.len(), 1);
        assert_eq!(r[0].role, AlertRole::OfficeHead);
        // No office head either: nobody, and the caller never alerts themself.
        assert!(alert_recipients(13, Some(4), &org, &people, None, None).is_empty());
        assert!(alert_recipients(15, Some(4), &org, &people, None, Some(15)).is_empty());
        // The security desk as an account; a deactivated desk account is not counted.
        let desk = SecurityDesk::Account(15);
        let r = alert_recipients(13, Some(4), &org, &people, Some(&desk), None);
        assert_eq!(r[0].role, AlertRole::SecurityDesk);
        // Escalation: the office head if not told yet, else everyone told again.
        let told = alert_recipients(10, Some(3), &org, &people, None, None);
        let next = escalation_recipients(&told, 10, Some(15), &people);
        assert_eq!(next[0].reach, AlertReach::Account(15));
        assert_eq!(escalation_recipients(&told, 10, None, &people), told);
    }

    #[test]
    fn security_desk_and_escalation_settings_parse() {
        assert_eq!(parse_security_desk(" ").unwrap(), None);
        assert_eq!(
            parse_security_desk("guard@yesi.example.kr").unwrap(),
            Some(DeskAddress::Email("guard@yesi.example.kr".into()))
        );
        assert_eq!(
            parse_security_desk("010-1234-5678").unwrap(),
            Some(DeskAddress::Sms("010-1234-5678".into()))
        );
        assert_eq!(
            parse_security_desk("guard.desk").unwrap(),
            Some(DeskAddress::Username("guard.desk".into()))
        );
        assert!(parse_security_desk("12-3").is_err());
        assert!(parse_security_desk("a@b").is_err());
        assert_eq!(parse_escalation_seconds("60"), Ok(60));
        assert!(parse_escalation_seconds("5").is_err());
        assert!(parse_escalation_seconds("soon").is_err());
    }

    #[test]
    fn restriction_covers_round_trip_and_the_notice_states_period_and_basis() {
        let c = vec![RestrictionCover::Online, RestrictionCover::Visits];
        assert_eq!(covers_to_text(&c), "visits,online");
        assert_eq!(
            covers_from_text("visits,online,bogus"),
            vec![RestrictionCover::Visits, RestrictionCover::Online]
        );
        let n = restriction_notice(at(2026, 5, 1, 0), at(2026, 5, 8, 0), &c);
        assert_eq!(n.code, "access_restricted");
        assert!(n.message().contains("시행령 제4조"), "{}", n.message());
        assert!(n.message().contains("2026-05-01 09:00"), "{}", n.message());
        assert!(n.message().contains("Decree art. 4"), "{}", n.message());
    }

    #[test]
    fn access_restriction_needs_a_period_and_a_reason() {
        let mut m = input(MeasureKind::AccessRestricted);
        assert_eq!(
            validate_measure(&[], &m).unwrap_err().code,
            "restriction_period_required"
        );
        m.restriction_start = Some(at(2026, 5, 2, 0));
        m.restriction_end = Some(at(2026, 5, 1, 0));
        assert_eq!(
            validate_measure(&[], &m).unwrap_err().code,
            "restriction_ends_before_start"
        );
        m.restriction_end = m.restriction_start;
        assert_eq!(
            validate_measure(&[], &m).unwrap_err().code,
            "restriction_ends_before_start"
        );
        m.restriction_end = Some(at(2026, 5, 9, 0));
        assert_eq!(
            validate_measure(&[], &m).unwrap_err().code,
            "restriction_covers_required"
        );
        m.restriction_covers = vec![RestrictionCover::Online];
        assert_eq!(
            validate_measure(&[], &m).unwrap_err().code,
            "restriction_reason_required"
        );
        m.reason = "흉기 소지".into();
        assert_eq!(validate_measure(&[], &m), Ok(MeasureKind::AccessRestricted));
        assert!(restriction_active(
            at(2026, 5, 2, 0),
            at(2026, 5, 9, 0),
            false,
            at(2026, 5, 3, 0)
        ));
        assert!(!restriction_active(
            at(2026, 5, 2, 0),
            at(2026, 5, 9, 0),
            false,
            at(2026, 5, 9, 0)
        ));
    }

    #[test]
    fn counselling_links_to_wellbeing_only_with_consent() {
        let mut m = input(MeasureKind::Counselling);
        assert!(validate_measure(&[], &m).is_ok());
        m.link_wellbeing = true;
        assert_eq!(
            validate_measure(&[], &m).unwrap_err().code,
            "consent_required"
        );
        m.official_consent = true;
        assert!(validate_measure(&[], &m).is_ok());
        let e = validate_measure(&[], &input(MeasureKind::EvidenceHanded)).unwrap_err();
        assert_eq!(e.code, "recipient_required");
    }

    #[test]
    fn incidents_in_the_future_or_too_long_are_refused() {
        let now = at(2026, 5, 1, 3);
        assert!(validate_incident("욕설", "1층 창구", now, now).is_ok());
        assert!(validate_incident("", "", now + Duration::minutes(4), now).is_ok());
        assert_eq!(
            validate_incident("", "", now + Duration::hours(1), now)
                .unwrap_err()
                .code,
            "occurred_in_future"
        );
        let long = "가".repeat(MAX_NARRATIVE_CHARS + 1);
        assert_eq!(
            validate_incident(&long, "", now, now).unwrap_err().code,
            "narrative_too_long"
        );
    }

    #[test]
    fn drills_are_due_every_half_year() {
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();
        assert_eq!(
            drill_reminder(d(2026, 3, 1), &[]),
            Some(DrillReminder::NonePlanned)
        );
        // A drill last half-year does not count for this one.
        let last = DrillFact {
            planned_on: d(2025, 11, 5),
            held: true,
        };
        assert_eq!(
            drill_reminder(d(2026, 3, 1), &[last]),
            Some(DrillReminder::NonePlanned)
        );
        let planned = DrillFact {
            planned_on: d(2026, 6, 20),
            held: false,
        };
        assert_eq!(drill_reminder(d(2026, 3, 1), &[last, planned]), None);
        assert_eq!(
            drill_reminder(d(2026, 6, 1), &[planned]),
            Some(DrillReminder::NotYetHeld)
        );
        let held = DrillFact {
            held: true,
            ..planned
        };
        assert_eq!(drill_reminder(d(2026, 6, 25), &[held]), None);
        assert_eq!(
            drill_reminder(d(2026, 7, 1), &[held]),
            Some(DrillReminder::NonePlanned)
        );
        assert_eq!(HalfYear::of(d(2026, 7, 1)).last_day(), d(2026, 12, 31));
        let (ko, en) = DrillReminder::NonePlanned.message(HalfYear::of(d(2026, 7, 1)));
        assert!(ko.contains("하반기") && en.contains("2026 H2"));
    }

    #[test]
    fn indicators_count_per_month_and_department() {
        // 2026-04-30 20:00 UTC is 2026-05-01 in Korea.
        let incidents = vec![
            IncidentFact {
                department_id: Some(3),
                occurred_at: at(2026, 4, 30, 20),
                measures: vec![
                    (
                        MeasureKind::Warning,
                        at(2026, 4, 30, 20) + Duration::minutes(6),
                    ),
                    (MeasureKind::Ended, at(2026, 4, 30, 21)),
                    (MeasureKind::Counselling, at(2026, 5, 2, 1)),
                ],
            },
            IncidentFact {
                department_id: Some(4),
                occurred_at: at(2026, 5, 10, 2),
                measures: vec![],
            },
        ];
        let contacts = vec![
            ContactFact {
                department_id: Some(3),
                started_at: at(2026, 5, 3, 1),
                channel: Channel::Phone,
                recorded: true,
            },
            ContactFact {
                department_id: Some(3),
                started_at: at(2026, 5, 3, 2),
                channel: Channel::Phone,
                recorded: false,
            },
            ContactFact {
                department_id: Some(3),
                started_at: at(2026, 5, 3, 2),
                channel: Channel::Counter,
                recorded: false,
            },
        ];
        let drills = vec![HeldDrill {
            department_id: None,
            held_at: at(2026, 5, 20, 5),
        }];
        let r = indicators(&incidents, &contacts, &drills);
        let office = &r[&("2026-05".to_string(), None)];
        assert_eq!(office.incidents, 2);
        assert_eq!(office.responded, 1);
        assert_eq!(office.mean_response_minutes, Some(6.0));
        assert_eq!(office.calls, 2);
        assert_eq!(office.recorded_share, Some(0.5));
        assert_eq!(office.measures["warning"], 1);
        assert_eq!(office.support_given, 1);
        assert_eq!(office.drills_held, 1);
        let civil = &r[&("2026-05".to_string(), Some(3))];
        assert_eq!(civil.incidents, 1);
        assert_eq!(civil.drills_held, 0);
        assert!(!r.contains_key(&("2026-04".to_string(), None)));
    }

    fn any_kind() -> impl Strategy<Value = MeasureKind> {
        (0..MeasureKind::ALL.len()).prop_map(|i| MeasureKind::ALL[i])
    }

    proptest! {
        /// Whatever sequence is attempted, what gets accepted never ends a contact before a
        /// warning and never ends it twice.
        #[test]
        fn accepted_sequences_respect_the_order(seq in proptest::collection::vec(any_kind(), 0..20)) {
            let mut taken = Vec::new();
            for k in seq {
                if order_refusal(&taken, k).is_none() {
                    taken.push(k);
                }
            }
            let ended = taken.iter().position(|k| *k == MeasureKind::Ended);
            let warned = taken.iter().position(|k| *k == MeasureKind::Warning);
            if let Some(e) = ended {
                prop_assert!(warned.is_some_and(|w| w < e));
            }
            prop_assert!(taken.iter().filter(|k| **k == MeasureKind::Ended).count() <= 1);
        }

        /// Office totals are the sum over departments when every fact has a department.
        #[test]
        fn office_totals_add_up(depts in proptest::collection::vec(1i64..4, 1..30), hours in proptest::collection::vec(0i64..2000, 30)) {
            let incidents: Vec<IncidentFact> = depts.iter().zip(&hours).map(|(d, h)| IncidentFact {
                department_id: Some(*d),
                occurred_at: at(2026, 1, 1, 0) + Duration::hours(*h),
                measures: vec![],
            }).collect();
            let r = indicators(&incidents, &[], &[]);
            for ((month, dept), row) in &r {
                if dept.is_none() {
                    let sum: i64 = r.iter().filter(|((m, d), _)| m == month && d.is_some()).map(|(_, v)| v.incidents).sum();
                    prop_assert_eq!(sum, row.incidents);
                }
            }
        }
    }
}
