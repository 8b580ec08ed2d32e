//! Home visits (찾아가는 민원): who qualifies, what each service needs, the request and its
//! states, teams, rounds and what happened at the door. Pure rules: time comes in as arguments.
//!
//! * Eligibility is office settings ([`EligibilityRules`]): an age threshold (65 or 75) and the
//!   combinations of conditions that qualify; [`judge`] answers eligible with the combination
//!   met, or ineligible with why.
//! * A request with no eligible basis is **refused beside the field** (never stored as
//!   `ineligible`): the caller is on the phone, so the official tells them at once and nothing
//!   half-written is kept. The `ineligible` state stays for a request whose basis a supervisor
//!   later finds wrong.
//! * Each [`Service`] maps to the kit staff bring, the team skill it needs and its minutes.

use super::routing::{
    self, Break, Job, Problem, ProblemError, Solution, StepType, Vehicle, Violation,
};
use crate::label::labelled;
use crate::{Invalid, RuleError};
use chrono::{NaiveDate, NaiveTime, Timelike};
use serde::{Deserialize, Serialize};

labelled! {
    /// A service delivered at home.
    Service {
        CertificateDelivery = "certificate_delivery", "증명서 발급·전달", "Certificate delivery";
        PassportDelivery = "passport_delivery", "여권 전달", "Passport delivery";
        IdCardApplication = "id_card_application", "주민등록증 신청 (열 손가락 지문)", "ID-card application (ten fingerprints)";
        MarriageReport = "marriage_report", "혼인신고", "Marriage report";
        WelfareConsultation = "welfare_consultation", "복지 상담·신청", "Welfare consultation";
    }
}

labelled! {
    /// Equipment a team carries; a team's skills are the kits it carries.
    Kit {
        FingerprintScanner = "fingerprint_scanner", "지문 스캐너", "fingerprint scanner";
        SignatureTablet = "signature_tablet", "전자서명 태블릿", "tablet with e-signature";
        Forms = "forms", "신청 서식", "forms";
        SealPad = "seal_pad", "인주·도장 패드", "seal pad";
        CashBox = "cash_box", "카드 단말기·현금함", "card reader and cash box";
    }
}

impl Service {
    /// What staff must bring for this service.
    pub fn kit(self) -> &'static [Kit] {
        use Kit::*;
        match self {
            Service::CertificateDelivery => &[Forms, SealPad, CashBox],
            Service::PassportDelivery => &[SignatureTablet],
            Service::IdCardApplication => &[FingerprintScanner, Forms, CashBox],
            Service::MarriageReport => &[Forms, SealPad],
            Service::WelfareConsultation => &[SignatureTablet, Forms],
        }
    }

    /// The one kit without which a team cannot deliver the service (the solver's skill).
    pub fn skill(self) -> Kit {
        match self {
            Service::CertificateDelivery => Kit::CashBox,
            Service::PassportDelivery => Kit::SignatureTablet,
            Service::IdCardApplication => Kit::FingerprintScanner,
            Service::MarriageReport => Kit::SealPad,
            Service::WelfareConsultation => Kit::SignatureTablet,
        }
    }

    /// Minutes at the door.
    pub fn minutes(self) -> u32 {
        match self {
            Service::CertificateDelivery => 15,
            Service::PassportDelivery => 10,
            Service::IdCardApplication => 30,
            Service::MarriageReport => 20,
            Service::WelfareConsultation => 40,
        }
    }
}

/// Everything to bring for a visit's services, each kit once, in the kits' order.
pub fn kit_for(services: &[Service]) -> Vec<Kit> {
    let mut kits: Vec<Kit> = services
        .iter()
        .flat_map(|s| s.kit().iter().copied())
        .collect();
    kits.sort();
    kits.dedup();
    kits
}

/// The skills a visit needs, each once.
pub fn skills_for(services: &[Service]) -> Vec<Kit> {
    let mut skills: Vec<Kit> = services.iter().map(|s| s.skill()).collect();
    skills.sort();
    skills.dedup();
    skills
}

/// Minutes at the door for all of a visit's services (5 minutes for the identity check).
pub fn service_minutes(services: &[Service]) -> u32 {
    5 + services.iter().map(|s| s.minutes()).sum::<u32>()
}

labelled! {
    /// One condition of eligibility.
    Condition {
        Age = "age", "고령", "older age";
        LivingAlone = "living_alone", "홀로 사는 분", "living alone";
        SevereDisability = "severe_disability", "중증 장애", "severe disability";
        Immobile = "immobile", "거동 불편", "unable to move about";
    }
}

/// The eligibility settings: the age threshold and the combinations that qualify (each
/// combination holds when all its conditions hold).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EligibilityRules {
    pub age_threshold: u32,
    pub combinations: Vec<Vec<Condition>>,
}

impl Default for EligibilityRules {
    /// 65+ living alone; severe disability; immobility.
    fn default() -> Self {
        EligibilityRules {
            age_threshold: 65,
            combinations: vec![
                vec![Condition::Age, Condition::LivingAlone],
                vec![Condition::SevereDisability],
                vec![Condition::Immobile],
            ],
        }
    }
}

impl EligibilityRules {
    /// The administrator's check: 65 or 75, at least one non-empty combination.
    pub fn validate(&self) -> Result<(), Invalid> {
        let mut bad = Invalid::default();
        if self.age_threshold != 65 && self.age_threshold != 75 {
            bad.add(
                "age_threshold",
                "bad_age_threshold",
                "나이 기준은 65세 또는 75세입니다",
                "the age threshold is 65 or 75",
            );
        }
        if self.combinations.is_empty() || self.combinations.iter().any(Vec::is_empty) {
            bad.add(
                "combinations",
                "no_combination",
                "대상 조건을 하나 이상 고르세요 (빈 조합은 안 됩니다)",
                "choose at least one qualifying combination (none may be empty)",
            );
        }
        bad.into_result()
    }

    /// A combination in words: "고령(65세 이상) + 홀로 사는 분".
    pub fn describe(&self, combination: &[Condition], korean: bool) -> String {
        combination
            .iter()
            .map(|c| match (c, korean) {
                (Condition::Age, true) => format!("{}세 이상", self.age_threshold),
                (Condition::Age, false) => format!("aged {}+", self.age_threshold),
                (c, true) => c.korean().to_string(),
                (c, false) => c.english().to_string(),
            })
            .collect::<Vec<_>>()
            .join(" + ")
    }
}

/// What the caller says of the person's situation (the eligibility basis; sensitive).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Basis {
    pub age: Option<u32>,
    pub living_alone: bool,
    pub severe_disability: bool,
    pub immobile: bool,
}

impl Basis {
    fn holds(&self, c: Condition, rules: &EligibilityRules) -> bool {
        match c {
            Condition::Age => self.age.is_some_and(|a| a >= rules.age_threshold),
            Condition::LivingAlone => self.living_alone,
            Condition::SevereDisability => self.severe_disability,
            Condition::Immobile => self.immobile,
        }
    }
}

/// Eligible with the first combination met, or the reason none is.
pub fn judge(rules: &EligibilityRules, basis: &Basis) -> Result<Vec<Condition>, RuleError> {
    rules
        .combinations
        .iter()
        .find(|combo| combo.iter().all(|c| basis.holds(*c, rules)))
        .cloned()
        .ok_or_else(|| {
            let ko: Vec<String> = rules
                .combinations
                .iter()
                .map(|c| rules.describe(c, true))
                .collect();
            let en: Vec<String> = rules
                .combinations
                .iter()
                .map(|c| rules.describe(c, false))
                .collect();
            RuleError::new(
                "not_eligible",
                format!("방문 대상이 아닙니다. 대상: {} 중 하나", ko.join(" 또는 ")),
                format!(
                    "not eligible for a home visit; one of these must hold: {}",
                    en.join("; or ")
                ),
            )
        })
}

/// The age on a date from a birth date.
pub fn age_on(birth: NaiveDate, on: NaiveDate) -> u32 {
    use chrono::Datelike;
    let mut years = on.year() - birth.year();
    if (on.month(), on.day()) < (birth.month(), birth.day()) {
        years -= 1;
    }
    u32::try_from(years).unwrap_or(0)
}

labelled! {
    /// Who called.
    Caller {
        #[serde(rename = "self")]
        SelfCaller = "self", "본인", "the person";
        Family = "family", "가족", "family";
        Staff = "staff", "읍면동 직원", "local office staff";
    }
}

labelled! {
    /// How the request came in.
    RequestChannel {
        Phone = "phone", "전화", "phone";
        Counter = "counter", "방문 창구", "counter";
        Online = "online", "온라인", "online";
    }
}

labelled! {
    /// Request states: received → eligible/ineligible → scheduled → visited → closed (or back
    /// to scheduled on a revisit).
    RequestState {
        Received = "received", "접수", "received";
        Eligible = "eligible", "대상 확인", "eligible";
        Ineligible = "ineligible", "대상 아님", "ineligible";
        Scheduled = "scheduled", "일정 배정", "scheduled";
        Visited = "visited", "방문함", "visited";
        Closed = "closed", "종결", "closed";
    }
}

labelled! {
    /// Round states: draft → planned → adjusted → published → in_progress → completed.
    RoundState {
        Draft = "draft", "작성 중", "draft";
        Planned = "planned", "경로 계획됨", "planned";
        Adjusted = "adjusted", "순서 조정됨", "adjusted";
        Published = "published", "확정·배부", "published";
        InProgress = "in_progress", "방문 중", "in progress";
        Completed = "completed", "완료", "completed";
    }
}

impl RoundState {
    /// Whether teams, requests and the order may still change.
    pub fn editable(self) -> bool {
        matches!(
            self,
            RoundState::Draft | RoundState::Planned | RoundState::Adjusted
        )
    }

    /// Whether outcomes may be recorded.
    pub fn visiting(self) -> bool {
        matches!(self, RoundState::Published | RoundState::InProgress)
    }
}

labelled! {
    /// What happened at the door.
    Outcome {
        Done = "done", "처리 완료", "done";
        NotHome = "not_home", "부재", "not at home";
        IdentityFailed = "identity_failed", "본인 확인 실패", "identity not confirmed";
        Refused = "refused", "거절", "refused";
        RevisitNeeded = "revisit_needed", "재방문 필요", "needs another visit";
    }
}

impl Outcome {
    /// Whether identity was checked at the door: not when nobody opened it.
    pub fn checks_identity(self) -> bool {
        self != Outcome::NotHome
    }

    /// The request's state after this outcome: a revisit (or nobody home) goes back to be
    /// scheduled; a refusal or a failed identity check closes it; done is visited.
    pub fn request_state(self) -> RequestState {
        match self {
            Outcome::Done => RequestState::Visited,
            Outcome::NotHome | Outcome::RevisitNeeded => RequestState::Eligible,
            Outcome::IdentityFailed | Outcome::Refused => RequestState::Closed,
        }
    }

    /// The message to the resident.
    pub fn message(self) -> (&'static str, &'static str) {
        match self {
            Outcome::Done => (
                "찾아가는 민원 방문이 끝났습니다. 신청하신 업무를 처리했습니다.",
                "Your home visit is done; the services you asked for were handled.",
            ),
            Outcome::NotHome => (
                "찾아가는 민원 방문 때 댁에 계시지 않아 다시 일정을 잡아 연락드리겠습니다.",
                "You were not at home at the visit; we will arrange another and call you.",
            ),
            Outcome::IdentityFailed => (
                "방문 때 본인 확인을 하지 못해 처리하지 못했습니다. 읍면동에 문의해 주세요.",
                "Your identity could not be confirmed at the visit, so nothing was handled; please call your local office.",
            ),
            Outcome::Refused => (
                "요청에 따라 찾아가는 민원 방문을 마쳤습니다.",
                "As you asked, the home visit ended without service.",
            ),
            Outcome::RevisitNeeded => (
                "찾아가는 민원을 한 번 더 방문해야 합니다. 일정을 잡아 연락드리겠습니다.",
                "Your home visit needs another visit; we will arrange it and call you.",
            ),
        }
    }
}

labelled! {
    /// How identity was checked at the door.
    IdentityMethod {
        IdCard = "id_card", "신분증 확인", "ID card";
        PhoneCheck = "phone_check", "전화로 주민등록 확인", "resident registration check by phone";
        KnownByTongjang = "known_by_tongjang", "통장 확인 (아는 사람)", "known by the 통장";
        Failed = "failed", "확인 실패", "failed";
    }
}

/// Korea's bounding box (mainland, Jeju, Ulleung, Dokdo), for coordinates typed by hand.
pub fn in_korea(lat: f64, lon: f64) -> bool {
    (33.0..=38.7).contains(&lat) && (124.5..=131.9).contains(&lon)
}

/// The demo county's office (예시군청): the default coordinates of a new request and a team.
pub const DEFAULT_POINT: (f64, f64) = (36.6424, 127.4890);

/// A request as typed, before it is stored (absent fields are blank and refused by the check).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct RequestDraft {
    pub name: String,
    pub birth_date: Option<NaiveDate>,
    pub age: Option<u32>,
    pub phone: String,
    pub address: String,
    pub lat: f64,
    pub lon: f64,
    pub caller: Option<Caller>,
    pub channel: Option<RequestChannel>,
    pub reason: String,
    pub basis: Basis,
    pub consent: bool,
    pub services: Vec<Service>,
    pub preferred_days: String,
    pub window_start: Option<NaiveTime>,
    pub window_end: Option<NaiveTime>,
}

/// Check a request field by field; on success, the combination that makes it eligible.
/// `today` turns a birth date into the age.
pub fn check_request(
    d: &RequestDraft,
    rules: &EligibilityRules,
    today: NaiveDate,
) -> Result<Vec<Condition>, Invalid> {
    let mut bad = Invalid::default();
    if d.name.trim().is_empty() {
        bad.add(
            "name",
            "missing_name",
            "이름을 적어 주세요",
            "enter the name",
        );
    }
    if d.phone.chars().filter(char::is_ascii_digit).count() < 9 {
        bad.add(
            "phone",
            "bad_phone",
            "연락처 전화번호를 적어 주세요 (숫자 9자리 이상)",
            "enter a phone number (at least 9 digits)",
        );
    }
    if d.address.trim().is_empty() {
        bad.add(
            "address",
            "missing_address",
            "주소를 적어 주세요",
            "enter the address",
        );
    }
    if !in_korea(d.lat, d.lon) {
        bad.add(
            "lat",
            "outside_korea",
            "좌표가 대한민국 밖입니다 (위도 33~38.7, 경도 124.5~131.9)",
            "the coordinates are outside Korea (latitude 33–38.7, longitude 124.5–131.9)",
        );
    }
    if d.caller.is_none() {
        bad.add(
            "caller",
            "missing_caller",
            "누가 신청하는지 고르세요",
            "choose who is calling",
        );
    }
    if d.channel.is_none() {
        bad.add(
            "channel",
            "missing_channel",
            "신청 경로를 고르세요",
            "choose the channel",
        );
    }
    if d.reason.trim().is_empty() {
        bad.add(
            "reason",
            "missing_reason",
            "방문하지 못하는 사정을 적어 주세요",
            "say why they cannot come",
        );
    }
    if d.services.is_empty() {
        bad.add(
            "services",
            "no_service",
            "원하는 업무를 하나 이상 고르세요",
            "choose at least one service",
        );
    }
    if let (Some(s), Some(e)) = (d.window_start, d.window_end)
        && s >= e
    {
        bad.add(
            "window_start",
            "bad_window",
            "희망 시간은 시작이 끝보다 앞이어야 합니다",
            "the preferred window must start before it ends",
        );
    }
    if !d.consent {
        bad.add(
            "consent",
            "no_consent",
            "건강·장애 정보 수집과 방문에 대한 동의가 필요합니다",
            "consent to collecting health and disability data and to the visit is required",
        );
    }
    let mut basis = d.basis;
    if let Some(b) = d.birth_date {
        basis.age = Some(age_on(b, today));
    } else if d.age.is_some() {
        basis.age = d.age;
    }
    let verdict = judge(rules, &basis);
    if let Err(e) = &verdict {
        bad.0.push(crate::FieldError {
            field: "basis",
            error: e.clone(),
        });
    }
    bad.into_result()?;
    verdict.map_err(|e| {
        Invalid(vec![crate::FieldError {
            field: "basis",
            error: e,
        }])
    })
}

/// A team as typed (absent fields are blank and refused by the check).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct TeamDraft {
    pub name: String,
    pub members: Vec<i64>,
    pub starts: Option<NaiveTime>,
    pub ends: Option<NaiveTime>,
    pub break_start: Option<NaiveTime>,
    pub break_minutes: u32,
    pub max_visits: u32,
    pub skills: Vec<Kit>,
    pub start_label: String,
    pub start_lat: f64,
    pub start_lon: f64,
}

pub fn check_team(t: &TeamDraft) -> Result<(), Invalid> {
    let mut bad = Invalid::default();
    if t.name.trim().is_empty() {
        bad.add(
            "name",
            "missing_name",
            "팀 이름을 적어 주세요",
            "enter the team's name",
        );
    }
    if t.members.is_empty() {
        bad.add(
            "members",
            "no_members",
            "팀원을 한 명 이상 고르세요",
            "choose at least one member",
        );
    }
    match (t.starts, t.ends) {
        (Some(s), Some(e)) if s < e => {
            if let Some(b) = t.break_start
                && (b < s || b >= e)
            {
                bad.add(
                    "break_start",
                    "break_outside",
                    "휴식 시간은 근무 시간 안이어야 합니다",
                    "the break must fall within working hours",
                );
            }
        }
        _ => bad.add(
            "starts",
            "bad_hours",
            "근무 시작과 끝을 적어 주세요 (시작이 끝보다 앞)",
            "enter working hours (start before end)",
        ),
    }
    if t.max_visits == 0 || t.max_visits > 40 {
        bad.add(
            "max_visits",
            "bad_cap",
            "방문 한도는 1~40건입니다",
            "the visit cap is 1 to 40",
        );
    }
    if !in_korea(t.start_lat, t.start_lon) {
        bad.add(
            "start_lat",
            "outside_korea",
            "출발지 좌표가 대한민국 밖입니다",
            "the start point is outside Korea",
        );
    }
    bad.into_result()
}

// ---------------------------------------------------------------------------------------------
// Planning a round with `routing`: teams are vehicles, visits are jobs, kits are skills.

/// Seconds since midnight (Korean time) of a time of day: the routing problem's clock.
pub fn seconds(t: NaiveTime) -> u64 {
    u64::from(t.num_seconds_from_midnight())
}

/// "HH:MM" of seconds since midnight.
pub fn clock(secs: u64) -> String {
    format!("{:02}:{:02}", secs / 3600, (secs % 3600) / 60)
}

/// A kit as the solver's skill number.
pub fn skill_number(k: Kit) -> u32 {
    Kit::ALL
        .iter()
        .position(|x| *x == k)
        .map_or(0, |i| i as u32 + 1)
}

/// One visit of a round, as the planner needs it.
#[derive(Debug, Clone, PartialEq)]
pub struct VisitInput {
    pub stop_id: u64,
    pub label: String,
    pub lat: f64,
    pub lon: f64,
    pub services: Vec<Service>,
    pub window: Option<(NaiveTime, NaiveTime)>,
}

/// One team of a round, as the planner needs it.
#[derive(Debug, Clone, PartialEq)]
pub struct TeamInput {
    pub team_id: u64,
    pub name: String,
    pub starts: NaiveTime,
    pub ends: NaiveTime,
    pub break_start: Option<NaiveTime>,
    pub break_minutes: u32,
    pub max_visits: u32,
    pub skills: Vec<Kit>,
    pub start: (f64, f64),
}

/// The round as a VROOM problem (coordinates are [lon, lat]; times in seconds of the day).
pub fn problem(teams: &[TeamInput], visits: &[VisitInput]) -> Problem {
    let jobs = visits
        .iter()
        .map(|v| Job {
            id: v.stop_id,
            description: Some(v.label.clone()),
            location: Some([v.lon, v.lat]),
            service: u64::from(service_minutes(&v.services)) * 60,
            skills: skills_for(&v.services)
                .into_iter()
                .map(skill_number)
                .collect(),
            time_windows: v
                .window
                .map(|(a, b)| vec![[seconds(a), seconds(b)]])
                .unwrap_or_default(),
            ..Job::default()
        })
        .collect();
    let vehicles = teams
        .iter()
        .map(|t| Vehicle {
            id: t.team_id,
            description: Some(t.name.clone()),
            start: Some([t.start.1, t.start.0]),
            end: Some([t.start.1, t.start.0]),
            skills: t.skills.iter().copied().map(skill_number).collect(),
            time_window: Some([seconds(t.starts), seconds(t.ends)]),
            breaks: t
                .break_start
                .filter(|_| t.break_minutes > 0)
                .map(|b| {
                    // The break may start within an hour of its set time.
                    let from = seconds(b);
                    vec![Break {
                        id: t.team_id,
                        time_windows: vec![[from, from + 3600]],
                        service: u64::from(t.break_minutes) * 60,
                        description: None,
                    }]
                })
                .unwrap_or_default(),
            max_tasks: Some(t.max_visits as usize),
            ..Vehicle::default()
        })
        .collect();
    Problem {
        jobs,
        vehicles,
        ..Problem::default()
    }
}

/// A visit placed on a team's route.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placed {
    pub stop_id: u64,
    pub team_id: u64,
    pub position: u32,
    pub arrival: u64,
    pub departure: u64,
    /// Broken rules on this step (plan mode), in words.
    pub violations: Vec<(String, String)>,
}

/// A visit left out, with why (Korean, English).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeftOut {
    pub stop_id: u64,
    pub ko: String,
    pub en: String,
}

fn violation_words(v: &Violation) -> (String, String) {
    let mins = v.duration.map(|d| d.div_ceil(60)).unwrap_or(0);
    match v.cause.as_str() {
        "delay" => (
            format!("{mins}분 늦음 (희망 시간이나 근무 시간을 넘김)"),
            format!("{mins} min late (past the preferred window or working hours)"),
        ),
        "max_tasks" => (
            "팀의 방문 한도를 넘음".into(),
            "over the team's visit cap".into(),
        ),
        "skills" => (
            "이 팀에는 필요한 장비가 없음".into(),
            "this team does not carry the kit needed".into(),
        ),
        other => (other.to_string(), other.to_string()),
    }
}

/// The kits a visit needs that no team carries, in words.
fn missing_kits(services: &[Service], teams: &[TeamInput]) -> Vec<Kit> {
    let need = skills_for(services);
    // A team must carry all of them; name those that no team carries, else all of them.
    let carried = |k: &Kit| teams.iter().any(|t| t.skills.contains(k));
    let missing: Vec<Kit> = need.iter().copied().filter(|k| !carried(k)).collect();
    if missing.is_empty() { need } else { missing }
}

/// Read a solution back into placed and left-out visits, with the reasons in the office's
/// words (the missing kit named).
pub fn read_solution(
    solution: &Solution,
    teams: &[TeamInput],
    visits: &[VisitInput],
) -> (Vec<Placed>, Vec<LeftOut>) {
    let mut placed = Vec::new();
    for route in &solution.routes {
        let mut position = 0;
        for step in &route.steps {
            if step.kind != StepType::Job {
                continue;
            }
            let Some(id) = step.id else { continue };
            position += 1;
            placed.push(Placed {
                stop_id: id,
                team_id: route.vehicle,
                position,
                arrival: step.arrival + step.waiting_time,
                departure: step.arrival + step.waiting_time + step.setup + step.service,
                violations: step.violations.iter().map(violation_words).collect(),
            });
        }
    }
    let left = solution
        .unassigned
        .iter()
        .map(|u| {
            let visit = visits.iter().find(|v| v.stop_id == u.id);
            let (ko, en) = match (&u.reason, visit) {
                (Some(r), Some(v)) if r.code == "skills" => {
                    let kits = missing_kits(&v.services, teams);
                    (
                        format!(
                            "필요한 장비({})를 모두 가진 팀이 없습니다",
                            kits.iter().map(|k| k.korean()).collect::<Vec<_>>().join(", ")
                        ),
                        format!(
                            "no team carries all the kit needed ({})",
                            kits.iter().map(|k| k.english()).collect::<Vec<_>>().join(", ")
                        ),
                    )
                }
                (Some(r), _) if r.code == "max_tasks" => (
                    "팀마다 방문 한도가 찼습니다".into(),
                    "every team that could go has reached its visit cap".into(),
                ),
                (Some(r), _) if r.code == "time_window" => (
                    "근무 시간 안에 희망 시간에 맞춰 다녀올 팀이 없습니다 (근무 시간이 모자람)".into(),
                    "no room in working hours: no team can reach it in its window and be back in time".into(),
                ),
                (Some(r), _) => (r.ko.clone(), r.en.clone()),
                (None, _) => ("배정하지 못했습니다".into(), "not placed".into()),
            };
            LeftOut {
                stop_id: u.id,
                ko,
                en,
            }
        })
        .collect();
    (placed, left)
}

/// Plan a round: every visit placed where it can be, the rest left out with why.
pub fn plan_round(
    teams: &[TeamInput],
    visits: &[VisitInput],
) -> Result<(Vec<Placed>, Vec<LeftOut>), ProblemError> {
    let p = problem(teams, visits);
    let s = routing::solve(&p, &routing::SolveOptions::default())?;
    Ok(read_solution(&s, teams, visits))
}

/// Re-time hand-ordered routes (team id, stop ids in order); broken rules are on the steps.
pub fn retime(
    teams: &[TeamInput],
    visits: &[VisitInput],
    routes: &[(u64, Vec<u64>)],
) -> Result<(Vec<Placed>, Vec<LeftOut>), ProblemError> {
    let p = problem(teams, visits);
    let s = routing::plan(&p, routes)?;
    Ok(read_solution(&s, teams, visits))
}

/// An imported VROOM problem checked against the round: its jobs must be the round's visits
/// and its vehicles the round's teams (so a plan from it can be saved).
pub fn check_import(p: &Problem, team_ids: &[u64], stop_ids: &[u64]) -> Result<(), ProblemError> {
    let mut issues = Vec::new();
    for (i, j) in p.jobs.iter().enumerate() {
        if !stop_ids.contains(&j.id) {
            issues.push(routing::Issue {
                path: format!("jobs[{i}].id"),
                code: "unknown_job",
                ko: format!("방문 id {}는 이 방문 일정에 없습니다", j.id),
                en: format!("job id {} is not a visit of this round", j.id),
            });
        }
    }
    for (i, v) in p.vehicles.iter().enumerate() {
        if !team_ids.contains(&v.id) {
            issues.push(routing::Issue {
                path: format!("vehicles[{i}].id"),
                code: "unknown_vehicle",
                ko: format!("팀 id {}는 이 방문 일정에 없습니다", v.id),
                en: format!("vehicle id {} is not a team of this round", v.id),
            });
        }
    }
    if issues.is_empty() {
        Ok(())
    } else {
        Err(ProblemError::new(issues))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identity_is_checked_unless_nobody_was_home() {
        for o in Outcome::ALL {
            assert_eq!(o.checks_identity(), *o != Outcome::NotHome, "{o:?}");
        }
    }

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap_or_default()
    }

    fn draft() -> RequestDraft {
        RequestDraft {
            name: "김순자".into(),
            birth_date: Some(d(1940, 3, 1)),
            phone: "010-1234-5678".into(),
            address: "예시군 예시읍 1".into(),
            lat: DEFAULT_POINT.0,
            lon: DEFAULT_POINT.1,
            caller: Some(Caller::Family),
            channel: Some(RequestChannel::Phone),
            reason: "거동 불편".into(),
            basis: Basis {
                living_alone: true,
                ..Basis::default()
            },
            consent: true,
            services: vec![Service::CertificateDelivery],
            ..RequestDraft::default()
        }
    }

    #[test]
    fn age_and_living_alone_qualify_by_default() {
        let r = check_request(&draft(), &EligibilityRules::default(), d(2026, 12, 9));
        assert_eq!(r, Ok(vec![Condition::Age, Condition::LivingAlone]));
    }

    #[test]
    fn threshold_75_refuses_a_70_year_old_living_alone() {
        let rules = EligibilityRules {
            age_threshold: 75,
            ..EligibilityRules::default()
        };
        let mut x = draft();
        x.birth_date = Some(d(1956, 1, 1));
        let e = check_request(&x, &rules, d(2026, 12, 9)).unwrap_err();
        assert_eq!(e.get("basis").map(|e| e.code), Some("not_eligible"));
        assert!(e.get("basis").is_some_and(|e| e.ko.contains("75세")));
    }

    #[test]
    fn every_bad_field_is_named_at_once() {
        let x = RequestDraft {
            lat: 10.0,
            lon: 10.0,
            ..RequestDraft::default()
        };
        let e = check_request(&x, &EligibilityRules::default(), d(2026, 1, 1)).unwrap_err();
        for f in [
            "name", "phone", "address", "lat", "caller", "channel", "reason", "services",
            "consent", "basis",
        ] {
            assert!(e.get(f).is_some(), "{f}");
        }
    }

    #[test]
    fn severe_disability_alone_qualifies() {
        let mut x = draft();
        x.birth_date = None;
        x.basis = Basis {
            severe_disability: true,
            ..Basis::default()
        };
        assert_eq!(
            check_request(&x, &EligibilityRules::default(), d(2026, 1, 1)),
            Ok(vec![Condition::SevereDisability])
        );
    }

    #[test]
    fn ages_count_birthdays() {
        assert_eq!(age_on(d(1960, 12, 10), d(2025, 12, 9)), 64);
        assert_eq!(age_on(d(1960, 12, 9), d(2025, 12, 9)), 65);
    }

    #[test]
    fn kits_and_skills_follow_services() {
        let s = [Service::IdCardApplication, Service::CertificateDelivery];
        assert_eq!(
            kit_for(&s),
            vec![
                Kit::FingerprintScanner,
                Kit::Forms,
                Kit::SealPad,
                Kit::CashBox
            ]
        );
        assert_eq!(skills_for(&s), vec![Kit::FingerprintScanner, Kit::CashBox]);
        assert_eq!(service_minutes(&s), 50);
    }

    #[test]
    fn rules_are_checked() {
        let bad = EligibilityRules {
            age_threshold: 70,
            combinations: vec![vec![]],
        };
        let e = bad.validate().unwrap_err();
        assert!(e.get("age_threshold").is_some() && e.get("combinations").is_some());
        assert!(EligibilityRules::default().validate().is_ok());
    }

    #[test]
    fn a_team_needs_members_and_hours() {
        let t = TeamDraft {
            name: "1팀".into(),
            start_lat: DEFAULT_POINT.0,
            start_lon: DEFAULT_POINT.1,
            max_visits: 8,
            ..TeamDraft::default()
        };
        let e = check_team(&t).unwrap_err();
        assert!(e.get("members").is_some() && e.get("starts").is_some());
    }

    #[test]
    fn outcomes_move_the_request() {
        assert_eq!(
            Outcome::RevisitNeeded.request_state(),
            RequestState::Eligible
        );
        assert_eq!(Outcome::Done.request_state(), RequestState::Visited);
        assert_eq!(Outcome::Refused.request_state(), RequestState::Closed);
    }

    fn team(id: u64, skills: Vec<Kit>, max: u32) -> TeamInput {
        let t = |h| NaiveTime::from_hms_opt(h, 0, 0).unwrap_or_default();
        TeamInput {
            team_id: id,
            name: format!("{id}팀"),
            starts: t(9),
            ends: t(17),
            break_start: Some(t(12)),
            break_minutes: 60,
            max_visits: max,
            skills,
            start: DEFAULT_POINT,
        }
    }

    fn visit(id: u64, services: Vec<Service>) -> VisitInput {
        VisitInput {
            stop_id: id,
            label: format!("visit {id}"),
            lat: DEFAULT_POINT.0 + 0.01 * id as f64,
            lon: DEFAULT_POINT.1,
            services,
            window: None,
        }
    }

    #[test]
    fn a_round_plans_and_names_the_missing_kit_and_the_cap() {
        let teams = vec![team(
            1,
            vec![Kit::SignatureTablet, Kit::CashBox, Kit::SealPad],
            2,
        )];
        let visits = vec![
            visit(10, vec![Service::PassportDelivery]),
            visit(11, vec![Service::IdCardApplication]),
            visit(12, vec![Service::CertificateDelivery]),
            visit(13, vec![Service::PassportDelivery]),
        ];
        let (placed, left) = plan_round(&teams, &visits).unwrap_or_default();
        assert_eq!(placed.len(), 2);
        assert!(
            placed
                .iter()
                .all(|p| p.arrival >= 9 * 3600 && p.departure > p.arrival)
        );
        let scanner = left.iter().find(|l| l.stop_id == 11).map(|l| l.en.clone());
        assert!(scanner.is_some_and(|e| e.contains("fingerprint scanner")));
        assert_eq!(left.len(), 2);
        assert!(left.iter().any(|l| l.en.contains("visit cap")));
    }

    #[test]
    fn a_hand_order_is_retimed_in_that_order() {
        let teams = vec![team(1, vec![Kit::SignatureTablet], 5)];
        let visits = vec![
            visit(10, vec![Service::PassportDelivery]),
            visit(11, vec![Service::PassportDelivery]),
        ];
        let (placed, left) = retime(&teams, &visits, &[(1, vec![11, 10])]).unwrap_or_default();
        assert!(left.is_empty());
        assert_eq!(
            placed.iter().map(|p| p.stop_id).collect::<Vec<_>>(),
            vec![11, 10]
        );
        assert!(placed[0].departure <= placed[1].arrival);
    }

    #[test]
    fn an_import_must_match_the_round() {
        let p = problem(&[team(1, vec![], 3)], &[visit(10, vec![])]);
        assert!(check_import(&p, &[1], &[10]).is_ok());
        let e = check_import(&p, &[2], &[10]).err();
        assert!(e.is_some_and(|e| e.at("vehicles[0].id").is_some()));
    }

    #[test]
    fn clocks_read_back() {
        assert_eq!(clock(9 * 3600 + 5 * 60), "09:05");
    }

    #[test]
    fn korea_is_bounded() {
        assert!(in_korea(DEFAULT_POINT.0, DEFAULT_POINT.1));
        assert!(!in_korea(35.68, 139.69)); // Tokyo
    }
}
