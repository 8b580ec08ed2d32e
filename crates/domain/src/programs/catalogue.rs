//! The catalogue: programs with their agenda and audience, and sessions with their days.

use super::{Delivery, Invalid, LearningCategory, ProgramKind};
use crate::office::accounts::Role;
use crate::{AccountId, DepartmentId};
use calendar::SEOUL;
use chrono::{DateTime, NaiveDate, NaiveTime, TimeZone, Utc};
use serde::{Deserialize, Serialize};

/// Longest title, venue and leader a page lays out (characters).
pub const MAX_TITLE: usize = 200;
/// Longest description or materials text (characters).
pub const MAX_TEXT: usize = 5000;
/// A session lasts at most this many days.
pub const MAX_DAYS: usize = 14;
/// The most places one session offers.
pub const MAX_CAPACITY: i64 = 5000;

/// Who a program is for. Each list left empty admits everyone on that count; all the
/// non-empty ones must hold.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Audience {
    pub roles: Vec<Role>,
    pub departments: Vec<DepartmentId>,
    /// 급 (1-9).
    pub grades: Vec<i64>,
    /// New officials: appointed on or after this date …
    pub appointed_from: Option<NaiveDate>,
    /// … and on or before this one.
    pub appointed_to: Option<NaiveDate>,
}

/// What the audience rule needs to know of an official.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    pub account_id: AccountId,
    pub role: Role,
    pub department_id: Option<DepartmentId>,
    pub grade: Option<i64>,
    pub appointed_on: Option<NaiveDate>,
}

impl Audience {
    /// Whether `person` belongs to the audience. A rule on grade or appointment date excludes
    /// an account that has none recorded.
    pub fn admits(&self, person: &Person) -> bool {
        let listed = |list: &[i64], value: Option<i64>| {
            list.is_empty() || value.is_some_and(|v| list.contains(&v))
        };
        let appointed = match (self.appointed_from, self.appointed_to) {
            (None, None) => true,
            (from, to) => person
                .appointed_on
                .is_some_and(|d| from.is_none_or(|f| d >= f) && to.is_none_or(|t| d <= t)),
        };
        person.role.is_staff()
            && (self.roles.is_empty() || self.roles.contains(&person.role))
            && listed(&self.departments, person.department_id)
            && listed(&self.grades, person.grade)
            && appointed
    }

    /// Whether the audience is everyone on staff.
    pub fn is_everyone(&self) -> bool {
        *self == Audience::default()
    }

    /// Stored form of a list: comma-separated codes.
    pub fn join<T: ToString>(list: &[T]) -> String {
        list.iter().map(T::to_string).collect::<Vec<_>>().join(",")
    }

    /// The stored lists back; unknown entries are skipped (they were validated on the way in).
    pub fn from_stored(
        roles: &str,
        departments: &str,
        grades: &str,
        appointed_from: Option<NaiveDate>,
        appointed_to: Option<NaiveDate>,
    ) -> Self {
        let split = |s: &str| {
            s.split(',')
                .filter_map(|p| p.trim().parse::<i64>().ok())
                .collect::<Vec<_>>()
        };
        Self {
            roles: roles
                .split(',')
                .filter_map(|r| Role::ALL.iter().copied().find(|x| x.as_str() == r.trim()))
                .collect(),
            departments: split(departments),
            grades: split(grades),
            appointed_from,
            appointed_to,
        }
    }

    fn check(&self, e: &mut Invalid) {
        if self.roles.iter().any(|r| !r.is_staff()) {
            e.add(
                "audience_roles",
                "audience_not_staff",
                "프로그램 대상은 직원 역할만 고를 수 있습니다",
                "a program's audience can only name staff roles",
            );
        }
        if self.grades.iter().any(|g| !(1..=9).contains(g)) {
            e.add(
                "audience_grades",
                "invalid_grade",
                "급은 1부터 9 사이여야 합니다",
                "grades run from 1 to 9",
            );
        }
        if let (Some(f), Some(t)) = (self.appointed_from, self.appointed_to)
            && f > t
        {
            e.add(
                "audience_appointed_to",
                "appointed_range_reversed",
                "임용일 범위의 끝이 시작보다 앞입니다",
                "the appointment period ends before it starts",
            );
        }
    }
}

/// One agenda item (모듈): its day of the program, times within that day and leader.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModuleDraft {
    #[serde(default = "first_day")]
    pub day_number: i64,
    pub title: String,
    #[serde(default)]
    pub title_en: String,
    /// HH:MM
    pub starts: NaiveTime,
    /// HH:MM
    pub ends: NaiveTime,
    #[serde(default)]
    pub leader: String,
}

fn first_day() -> i64 {
    1
}

/// A program as the training officer writes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProgramDraft {
    pub kind: ProgramKind,
    pub title: String,
    #[serde(default)]
    pub title_en: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub description_en: String,
    /// 인정시간 in minutes.
    pub recognised_minutes: i64,
    pub category: LearningCategory,
    #[serde(default)]
    pub designated: bool,
    #[serde(default)]
    pub approval_required: bool,
    /// Tell the supervisor of reminders and no-shows. Healing programs default to no
    /// (WELLBEING.md: the organiser's reasons stay private).
    #[serde(default)]
    pub notify_supervisor: bool,
    /// Share of the session's time a participant must attend to complete (percent).
    #[serde(default = "full_attendance")]
    pub min_attended_percent: i64,
    #[serde(default)]
    pub feedback_required: bool,
    /// The capacity a new session starts with.
    #[serde(default)]
    pub capacity_default: i64,
    #[serde(default)]
    pub audience: Audience,
    #[serde(default)]
    pub modules: Vec<ModuleDraft>,
}

fn full_attendance() -> i64 {
    100
}

fn blank(s: &str) -> bool {
    s.trim().is_empty()
}

fn too_long(s: &str, max: usize) -> bool {
    s.chars().count() > max
}

impl ProgramDraft {
    /// Every error at once, each for its field.
    pub fn validate(&self) -> Result<(), Invalid> {
        let mut e = Invalid::default();
        if blank(&self.title) {
            e.add(
                "title",
                "title_required",
                "프로그램 이름을 입력하세요",
                "enter the program's title",
            );
        } else if too_long(&self.title, MAX_TITLE) || too_long(&self.title_en, MAX_TITLE) {
            e.add(
                "title",
                "title_too_long",
                "이름은 200자 이내로 입력하세요",
                "keep the title within 200 characters",
            );
        }
        if too_long(&self.description, MAX_TEXT) || too_long(&self.description_en, MAX_TEXT) {
            e.add(
                "description",
                "description_too_long",
                "설명은 5,000자 이내로 입력하세요",
                "keep the description within 5,000 characters",
            );
        }
        if !(1..=200 * 60).contains(&self.recognised_minutes) {
            e.add(
                "recognised_minutes",
                "invalid_recognised_minutes",
                "인정시간은 1분 이상 200시간 이하로 입력하세요",
                "recognised time must be between 1 minute and 200 hours",
            );
        }
        if !(1..=100).contains(&self.min_attended_percent) {
            e.add(
                "min_attended_percent",
                "invalid_min_attended",
                "이수 기준 출석률은 1~100% 사이여야 합니다",
                "the attendance needed to complete must be 1-100 %",
            );
        }
        if !(0..=MAX_CAPACITY).contains(&self.capacity_default) {
            e.add(
                "capacity_default",
                "invalid_capacity",
                "정원은 0~5,000명 사이여야 합니다",
                "capacity must be between 0 and 5,000",
            );
        }
        self.audience.check(&mut e);
        for m in &self.modules {
            if blank(&m.title) || too_long(&m.title, MAX_TITLE) || too_long(&m.leader, MAX_TITLE) {
                e.add(
                    "modules",
                    "module_title",
                    "세부 일정마다 200자 이내의 제목을 입력하세요",
                    "give every agenda item a title within 200 characters",
                );
                break;
            }
            if m.ends <= m.starts {
                e.add(
                    "modules",
                    "module_ends_before_start",
                    &format!("세부 일정 '{}'의 끝 시각이 시작 시각보다 빠릅니다", m.title),
                    &format!("agenda item '{}' ends before it starts", m.title),
                );
                break;
            }
            if !(1..=MAX_DAYS as i64).contains(&m.day_number) {
                e.add(
                    "modules",
                    "module_day",
                    "세부 일정의 일차는 1~14 사이여야 합니다",
                    "an agenda item's day must be 1 to 14",
                );
                break;
            }
        }
        e.into_result()
    }
}

/// One day of a session as entered: the Korean date and local times.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DayDraft {
    pub day: NaiveDate,
    pub starts: NaiveTime,
    pub ends: NaiveTime,
}

impl DayDraft {
    /// The start and end as UTC instants (the times are Seoul's).
    pub fn instants(&self) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
        let at = |t: NaiveTime| {
            SEOUL
                .from_local_datetime(&self.day.and_time(t))
                .single()
                .map(|d| d.with_timezone(&Utc))
        };
        Some((at(self.starts)?, at(self.ends)?))
    }
}

/// A session as the training officer writes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SessionDraft {
    #[serde(default)]
    pub label: String,
    pub delivery: Delivery,
    #[serde(default)]
    pub venue: String,
    pub capacity: i64,
    #[serde(default)]
    pub online_link: String,
    #[serde(default)]
    pub materials: String,
    #[serde(default)]
    pub materials_link: String,
    pub days: Vec<DayDraft>,
}

fn link_ok(s: &str) -> bool {
    s.is_empty() || ((s.starts_with("https://") || s.starts_with("http://")) && s.len() <= 2000)
}

impl SessionDraft {
    /// Every error at once. `now` decides what lies in the past: a new day may not start
    /// before it (a day already held keeps its place when a session is edited: pass the
    /// days that were stored as `kept`).
    pub fn validate(&self, now: DateTime<Utc>, kept: &[DayDraft]) -> Result<(), Invalid> {
        let mut e = Invalid::default();
        if too_long(&self.label, MAX_TITLE) || too_long(&self.venue, MAX_TITLE) {
            e.add(
                "venue",
                "venue_too_long",
                "장소와 기수는 200자 이내로 입력하세요",
                "keep the venue and label within 200 characters",
            );
        }
        if self.delivery != Delivery::Online && blank(&self.venue) {
            e.add(
                "venue",
                "venue_required",
                "대면 교육은 장소를 입력하세요",
                "enter the venue of an in-person session",
            );
        }
        if self.delivery != Delivery::InPerson && blank(&self.online_link) {
            e.add(
                "online_link",
                "online_link_required",
                "온라인·생중계 교육은 접속 주소를 입력하세요",
                "enter the link of an online or broadcast session",
            );
        }
        if !link_ok(self.online_link.trim()) {
            e.add(
                "online_link",
                "invalid_link",
                "주소는 https:// 로 시작해야 합니다",
                "the link must start with https://",
            );
        }
        if !link_ok(self.materials_link.trim()) {
            e.add(
                "materials_link",
                "invalid_link",
                "자료 주소는 https:// 로 시작해야 합니다",
                "the materials link must start with https://",
            );
        }
        if too_long(&self.materials, MAX_TEXT) {
            e.add(
                "materials",
                "materials_too_long",
                "자료 안내는 5,000자 이내로 입력하세요",
                "keep the materials text within 5,000 characters",
            );
        }
        if !(1..=MAX_CAPACITY).contains(&self.capacity) {
            e.add(
                "capacity",
                "invalid_capacity",
                "정원은 1~5,000명 사이여야 합니다",
                "capacity must be between 1 and 5,000",
            );
        }
        check_days(&self.days, now, kept, &mut e);
        e.into_result()
    }
}

fn check_days(days: &[DayDraft], now: DateTime<Utc>, kept: &[DayDraft], e: &mut Invalid) {
    if days.is_empty() {
        e.add(
            "days",
            "days_required",
            "교육 날짜를 하루 이상 입력하세요",
            "enter at least one day",
        );
        return;
    }
    if days.len() > MAX_DAYS {
        e.add(
            "days",
            "too_many_days",
            "한 회차는 14일을 넘을 수 없습니다",
            "a session lasts at most 14 days",
        );
        return;
    }
    for d in days {
        if d.ends <= d.starts {
            e.add(
                "days",
                "ends_before_start",
                &format!("{}의 끝 시각이 시작 시각과 같거나 빠릅니다", d.day),
                &format!("on {} the session ends before it starts", d.day),
            );
            return;
        }
        let past = d.instants().is_none_or(|(start, _)| start <= now);
        if past && !kept.contains(d) {
            e.add(
                "days",
                "day_in_past",
                &format!(
                    "{} {}은 이미 지났습니다. 앞으로의 날짜를 입력하세요",
                    d.day,
                    d.starts.format("%H:%M")
                ),
                &format!(
                    "{} {} has already passed; enter a date to come",
                    d.day,
                    d.starts.format("%H:%M")
                ),
            );
            return;
        }
    }
    let mut sorted: Vec<NaiveDate> = days.iter().map(|d| d.day).collect();
    sorted.sort();
    if sorted.windows(2).any(|w| w[0] == w[1]) {
        e.add(
            "days",
            "duplicate_day",
            "같은 날짜가 두 번 있습니다",
            "the same date is entered twice",
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn person(role: Role, dept: i64, grade: Option<i64>, appointed: Option<&str>) -> Person {
        Person {
            account_id: 1,
            role,
            department_id: Some(dept),
            grade,
            appointed_on: appointed.map(|d| d.parse().unwrap()),
        }
    }

    #[test]
    fn the_audience_admits_only_who_every_rule_names() {
        let everyone = Audience::default();
        assert!(everyone.admits(&person(Role::Official, 3, None, None)));
        assert!(!everyone.admits(&person(Role::Resident, 3, None, None)));
        let counter = Audience {
            roles: vec![Role::Official],
            departments: vec![3],
            grades: vec![7, 8, 9],
            ..Audience::default()
        };
        assert!(counter.admits(&person(Role::Official, 3, Some(8), None)));
        assert!(!counter.admits(&person(Role::Supervisor, 3, Some(8), None)));
        assert!(!counter.admits(&person(Role::Official, 4, Some(8), None)));
        assert!(!counter.admits(&person(Role::Official, 3, Some(5), None)));
        assert!(!counter.admits(&person(Role::Official, 3, None, None)));
        let new = Audience {
            appointed_from: Some("2026-01-01".parse().unwrap()),
            ..Audience::default()
        };
        assert!(new.admits(&person(Role::Official, 3, None, Some("2026-03-02"))));
        assert!(!new.admits(&person(Role::Official, 3, None, Some("2025-12-31"))));
        assert!(!new.admits(&person(Role::Official, 3, None, None)));
        let stored = Audience::from_stored(
            &Audience::join(&[Role::Official.as_str()]),
            "3",
            "7,8,9",
            None,
            None,
        );
        assert_eq!(stored, counter);
    }

    fn draft() -> ProgramDraft {
        ProgramDraft {
            kind: ProgramKind::Healing,
            title: "힐링".into(),
            title_en: String::new(),
            description: String::new(),
            description_en: String::new(),
            recognised_minutes: 1260,
            category: LearningCategory::Workplace,
            designated: false,
            approval_required: true,
            notify_supervisor: false,
            min_attended_percent: 80,
            feedback_required: true,
            capacity_default: 80,
            audience: Audience::default(),
            modules: vec![],
        }
    }

    #[test]
    fn a_program_reports_every_bad_field() {
        assert!(draft().validate().is_ok());
        let bad = ProgramDraft {
            title: " ".into(),
            recognised_minutes: 0,
            min_attended_percent: 0,
            audience: Audience {
                roles: vec![Role::Resident],
                grades: vec![10],
                ..Audience::default()
            },
            modules: vec![ModuleDraft {
                day_number: 1,
                title: "숲길 걷기".into(),
                title_en: String::new(),
                starts: NaiveTime::from_hms_opt(11, 0, 0).unwrap(),
                ends: NaiveTime::from_hms_opt(10, 0, 0).unwrap(),
                leader: String::new(),
            }],
            ..draft()
        };
        let e = bad.validate().unwrap_err();
        for f in [
            "title",
            "recognised_minutes",
            "min_attended_percent",
            "audience_roles",
            "audience_grades",
            "modules",
        ] {
            assert!(e.get(f).is_some(), "{f}");
        }
    }

    fn session(days: Vec<DayDraft>) -> SessionDraft {
        SessionDraft {
            label: "1기".into(),
            delivery: Delivery::InPerson,
            venue: "대강당".into(),
            capacity: 80,
            online_link: String::new(),
            materials: String::new(),
            materials_link: String::new(),
            days,
        }
    }

    fn day(d: &str, s: u32, e: u32) -> DayDraft {
        DayDraft {
            day: d.parse().unwrap(),
            starts: NaiveTime::from_hms_opt(s, 0, 0).unwrap(),
            ends: NaiveTime::from_hms_opt(e, 0, 0).unwrap(),
        }
    }

    #[test]
    fn a_session_that_ends_before_it_starts_or_lies_in_the_past_is_refused() {
        let now = Utc.with_ymd_and_hms(2026, 5, 1, 0, 0, 0).unwrap();
        assert!(
            session(vec![day("2026-05-11", 9, 18), day("2026-05-12", 9, 18)])
                .validate(now, &[])
                .is_ok()
        );
        let e = session(vec![day("2026-05-11", 18, 9)])
            .validate(now, &[])
            .unwrap_err();
        assert_eq!(e.get("days").unwrap().code, "ends_before_start");
        let e = session(vec![day("2026-04-30", 9, 18)])
            .validate(now, &[])
            .unwrap_err();
        assert_eq!(e.get("days").unwrap().code, "day_in_past");
        // A day already held stays when the session is edited.
        let held = day("2026-04-30", 9, 18);
        assert!(
            session(vec![held, day("2026-05-11", 9, 18)])
                .validate(now, &[held])
                .is_ok()
        );
        let e = session(vec![]).validate(now, &[]).unwrap_err();
        assert_eq!(e.get("days").unwrap().code, "days_required");
        let e = session(vec![day("2026-05-11", 9, 12), day("2026-05-11", 13, 18)])
            .validate(now, &[])
            .unwrap_err();
        assert_eq!(e.get("days").unwrap().code, "duplicate_day");
        let hybrid = SessionDraft {
            delivery: Delivery::Hybrid,
            online_link: "ftp://x".into(),
            ..session(vec![day("2026-05-11", 9, 18)])
        };
        assert_eq!(
            hybrid
                .validate(now, &[])
                .unwrap_err()
                .get("online_link")
                .unwrap()
                .code,
            "invalid_link"
        );
    }

    #[test]
    fn seoul_times_become_utc_instants() {
        let (s, e) = day("2026-05-11", 9, 18).instants().unwrap();
        assert_eq!(s, Utc.with_ymd_and_hms(2026, 5, 11, 0, 0, 0).unwrap());
        assert_eq!(e, Utc.with_ymd_and_hms(2026, 5, 11, 9, 0, 0).unwrap());
    }
}
