//! The program and session forms: read from the posted fields as typed, checked field by field
//! (the domain's checks plus what a form adds: numbers, dates and times that do not parse), so
//! a page shows every problem beside its field and keeps everything typed.

use crate::kit::page::Lang;
use chrono::{NaiveDate, NaiveTime};
use domain::office::accounts::Role;
use domain::programs::{
    Audience, DayDraft, Delivery, Invalid, LearningCategory, ModuleDraft, ProgramDraft,
    ProgramKind, SessionDraft,
};
use store::programs::{Program, Session};

pub(crate) use crate::kit::form::Fields;

/// Problems by field, in the page's language (the first one per field).
#[derive(Debug, Clone, Default)]
pub(crate) struct Errors(pub Vec<(&'static str, String)>);

impl Errors {
    pub(crate) fn new() -> Self {
        Errors::default()
    }

    pub(crate) fn push(&mut self, (field, message): (&'static str, String)) {
        if self.get(field).is_none() {
            self.0.push((field, message));
        }
    }

    /// The problem of `field`, to show beside it.
    pub(crate) fn get(&self, field: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, m)| m.as_str())
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub(crate) fn all(&self) -> &[(&'static str, String)] {
        &self.0
    }
}

fn push(errors: &mut Errors, lang: Lang, field: &'static str, ko: &str, en: &str) {
    errors.push((field, lang.t(ko, en).to_string()));
}

fn merge(errors: &mut Errors, lang: Lang, invalid: Invalid) {
    for f in invalid.0 {
        errors.push((f.field, lang.of(&f.error).to_string()));
    }
}

fn time(s: &str) -> Option<NaiveTime> {
    NaiveTime::parse_from_str(s, "%H:%M").ok()
}

// ---------------------------------------------------------------------------------------------
// Programs

/// One agenda row as typed.
#[derive(Debug, Clone, Default)]
pub(crate) struct ModuleRow {
    pub day: String,
    pub title: String,
    pub title_en: String,
    pub starts: String,
    pub ends: String,
    pub leader: String,
}

/// The program form as typed.
#[derive(Debug, Clone, Default)]
pub(crate) struct ProgramForm {
    pub kind: String,
    pub title: String,
    pub title_en: String,
    pub description: String,
    pub description_en: String,
    pub recognised_hours: String,
    pub category: String,
    pub designated: bool,
    pub approval_required: bool,
    pub notify_supervisor: bool,
    pub min_attended_percent: String,
    pub feedback_required: bool,
    pub capacity_default: String,
    pub roles: Vec<String>,
    pub departments: Vec<String>,
    pub grades: String,
    pub appointed_from: String,
    pub appointed_to: String,
    pub modules: Vec<ModuleRow>,
}

/// Empty agenda rows a form offers below the filled ones.
const SPARE_ROWS: usize = 3;

fn hours_text(minutes: i64) -> String {
    if minutes % 60 == 0 {
        (minutes / 60).to_string()
    } else {
        format!("{:.2}", minutes as f64 / 60.0)
            .trim_end_matches('0')
            .to_string()
    }
}

impl ProgramForm {
    /// A blank form: a healing program with the defaults an officer starts from.
    pub(crate) fn blank() -> Self {
        ProgramForm {
            kind: ProgramKind::Training.as_str().into(),
            category: LearningCategory::Workplace.as_str().into(),
            min_attended_percent: "80".into(),
            notify_supervisor: true,
            capacity_default: "30".into(),
            modules: vec![ModuleRow::default(); SPARE_ROWS],
            ..Default::default()
        }
    }

    /// A stored program as the form shows it.
    pub(crate) fn of(p: &Program) -> Self {
        let mut modules: Vec<ModuleRow> = p
            .modules
            .iter()
            .map(|m| ModuleRow {
                day: m.day_number.to_string(),
                title: m.title.clone(),
                title_en: m.title_en.clone(),
                starts: m.starts.clone(),
                ends: m.ends.clone(),
                leader: m.leader.clone(),
            })
            .collect();
        modules.extend(std::iter::repeat_n(ModuleRow::default(), SPARE_ROWS));
        ProgramForm {
            kind: p.kind.as_str().into(),
            title: p.title.clone(),
            title_en: p.title_en.clone(),
            description: p.description.clone(),
            description_en: p.description_en.clone(),
            recognised_hours: hours_text(p.recognised_minutes),
            category: p.category.as_str().into(),
            designated: p.designated,
            approval_required: p.approval_required,
            notify_supervisor: p.notify_supervisor,
            min_attended_percent: p.min_attended_percent.to_string(),
            feedback_required: p.feedback_required,
            capacity_default: p.capacity_default.to_string(),
            roles: p
                .audience
                .roles
                .iter()
                .map(|r| r.as_str().to_string())
                .collect(),
            departments: p.audience.departments.iter().map(i64::to_string).collect(),
            grades: Audience::join(&p.audience.grades),
            appointed_from: p
                .audience
                .appointed_from
                .map(|d| d.to_string())
                .unwrap_or_default(),
            appointed_to: p
                .audience
                .appointed_to
                .map(|d| d.to_string())
                .unwrap_or_default(),
            modules,
        }
    }

    pub(crate) fn read(f: &Fields) -> Self {
        let rows = f.all("module_title").len();
        let col = |name: &str| {
            let mut v = f.all(name);
            v.resize(rows, String::new());
            v
        };
        let (day, title_en, starts, ends, leader) = (
            col("module_day"),
            col("module_title_en"),
            col("module_starts"),
            col("module_ends"),
            col("module_leader"),
        );
        let modules = f
            .all("module_title")
            .into_iter()
            .enumerate()
            .map(|(i, title)| ModuleRow {
                day: day[i].clone(),
                title,
                title_en: title_en[i].clone(),
                starts: starts[i].clone(),
                ends: ends[i].clone(),
                leader: leader[i].clone(),
            })
            .collect();
        ProgramForm {
            kind: f.get("kind"),
            title: f.get("title"),
            title_en: f.get("title_en"),
            description: f.get("description"),
            description_en: f.get("description_en"),
            recognised_hours: f.get("recognised_hours"),
            category: f.get("category"),
            designated: f.checked("designated"),
            approval_required: f.checked("approval_required"),
            notify_supervisor: f.checked("notify_supervisor"),
            min_attended_percent: f.get("min_attended_percent"),
            feedback_required: f.checked("feedback_required"),
            capacity_default: f.get("capacity_default"),
            roles: f.all("audience_roles"),
            departments: f.all("audience_departments"),
            grades: f.get("audience_grades"),
            appointed_from: f.get("audience_appointed_from"),
            appointed_to: f.get("audience_appointed_to"),
            modules,
        }
    }

    /// The draft, or every problem by field.
    pub(crate) fn draft(&self, lang: Lang) -> Result<ProgramDraft, Errors> {
        let mut e = Errors::new();
        let kind = ProgramKind::parse(&self.kind).unwrap_or_else(|err| {
            e.push(("kind", lang.of(&err).to_string()));
            ProgramKind::Training
        });
        let category = LearningCategory::parse(&self.category).unwrap_or_else(|err| {
            e.push(("category", lang.of(&err).to_string()));
            LearningCategory::Workplace
        });
        let recognised_minutes = match self.recognised_hours.replace(',', ".").parse::<f64>() {
            Ok(h) if h.is_finite() => (h * 60.0).round() as i64,
            _ => {
                push(
                    &mut e,
                    lang,
                    "recognised_minutes",
                    "인정시간을 숫자(시간)로 입력하세요 (예: 21 또는 1.5)",
                    "enter the recognised time in hours (e.g. 21 or 1.5)",
                );
                0
            }
        };
        let number = |s: &str, e: &mut Errors, field: &'static str, ko: &str, en: &str| -> i64 {
            s.parse::<i64>().unwrap_or_else(|_| {
                push(e, lang, field, ko, en);
                0
            })
        };
        let min_attended_percent = number(
            &self.min_attended_percent,
            &mut e,
            "min_attended_percent",
            "이수 기준 출석률을 숫자로 입력하세요",
            "enter the attendance needed as a number",
        );
        let capacity_default = if self.capacity_default.is_empty() {
            0
        } else {
            number(
                &self.capacity_default,
                &mut e,
                "capacity_default",
                "정원을 숫자로 입력하세요",
                "enter the capacity as a number",
            )
        };
        let mut roles = Vec::new();
        for r in &self.roles {
            match r.parse::<Role>() {
                Ok(role) => roles.push(role),
                Err(err) => e.push(("audience_roles", lang.of(&err).to_string())),
            }
        }
        let departments: Vec<i64> = self
            .departments
            .iter()
            .filter_map(|d| d.parse().ok())
            .collect();
        let mut grades = Vec::new();
        for g in self.grades.split([',', ' ']).filter(|g| !g.is_empty()) {
            match g.trim_end_matches('급').parse::<i64>() {
                Ok(n) => grades.push(n),
                Err(_) => push(
                    &mut e,
                    lang,
                    "audience_grades",
                    "급은 쉼표로 구분한 숫자로 입력하세요 (예: 7,8,9)",
                    "enter grades as numbers separated by commas (e.g. 7,8,9)",
                ),
            }
        }
        let date = |s: &str, e: &mut Errors, field: &'static str| -> Option<NaiveDate> {
            if s.is_empty() {
                return None;
            }
            s.parse().map_or_else(
                |_| {
                    push(
                        e,
                        lang,
                        field,
                        "날짜를 YYYY-MM-DD로 입력하세요",
                        "enter the date as YYYY-MM-DD",
                    );
                    None
                },
                Some,
            )
        };
        let appointed_from = date(&self.appointed_from, &mut e, "audience_appointed_from");
        let appointed_to = date(&self.appointed_to, &mut e, "audience_appointed_to");
        let mut modules = Vec::new();
        for m in &self.modules {
            let blank = m.title.is_empty()
                && m.starts.is_empty()
                && m.ends.is_empty()
                && m.leader.is_empty();
            if blank {
                continue;
            }
            match (time(&m.starts), time(&m.ends)) {
                (Some(starts), Some(ends)) => modules.push(ModuleDraft {
                    day_number: m.day.parse().unwrap_or(1),
                    title: m.title.clone(),
                    title_en: m.title_en.clone(),
                    starts,
                    ends,
                    leader: m.leader.clone(),
                }),
                _ => push(
                    &mut e,
                    lang,
                    "modules",
                    "세부 일정마다 시작과 끝 시각(HH:MM)을 입력하세요",
                    "give every agenda item a start and end time (HH:MM)",
                ),
            }
        }
        let d = ProgramDraft {
            kind,
            title: self.title.clone(),
            title_en: self.title_en.clone(),
            description: self.description.clone(),
            description_en: self.description_en.clone(),
            recognised_minutes,
            category,
            designated: self.designated,
            approval_required: self.approval_required,
            notify_supervisor: self.notify_supervisor,
            min_attended_percent,
            feedback_required: self.feedback_required,
            capacity_default,
            audience: Audience {
                roles,
                departments,
                grades,
                appointed_from,
                appointed_to,
            },
            modules,
        };
        if let Err(invalid) = d.validate() {
            merge(&mut e, lang, invalid);
        }
        if e.is_empty() { Ok(d) } else { Err(e) }
    }
}

// ---------------------------------------------------------------------------------------------
// Sessions

#[derive(Debug, Clone, Default)]
pub(crate) struct DayRow {
    pub date: String,
    pub starts: String,
    pub ends: String,
}

/// The session form as typed.
#[derive(Debug, Clone, Default)]
pub(crate) struct SessionForm {
    pub label: String,
    pub delivery: String,
    pub venue: String,
    pub capacity: String,
    pub online_link: String,
    pub materials: String,
    pub materials_link: String,
    pub days: Vec<DayRow>,
}

/// Rows for days a form offers (a session lasts at most this many days on the page; the API
/// takes up to 14).
const DAY_ROWS: usize = 5;

impl SessionForm {
    pub(crate) fn blank(capacity: i64) -> Self {
        SessionForm {
            delivery: Delivery::InPerson.as_str().into(),
            capacity: if capacity > 0 {
                capacity.to_string()
            } else {
                String::new()
            },
            days: vec![
                DayRow {
                    starts: "09:00".into(),
                    ends: "18:00".into(),
                    ..Default::default()
                };
                DAY_ROWS
            ],
            ..Default::default()
        }
    }

    pub(crate) fn of(s: &Session) -> Self {
        let mut days: Vec<DayRow> = s
            .day_drafts()
            .into_iter()
            .map(|d| DayRow {
                date: d.day.to_string(),
                starts: d.starts.format("%H:%M").to_string(),
                ends: d.ends.format("%H:%M").to_string(),
            })
            .collect();
        while days.len() < DAY_ROWS {
            days.push(DayRow::default());
        }
        SessionForm {
            label: s.label.clone(),
            delivery: s.delivery.as_str().into(),
            venue: s.venue.clone(),
            capacity: s.capacity.to_string(),
            online_link: s.online_link.clone(),
            materials: s.materials.clone(),
            materials_link: s.materials_link.clone(),
            days,
        }
    }

    pub(crate) fn read(f: &Fields) -> Self {
        let dates = f.all("day_date");
        let mut starts = f.all("day_starts");
        let mut ends = f.all("day_ends");
        starts.resize(dates.len(), String::new());
        ends.resize(dates.len(), String::new());
        SessionForm {
            label: f.get("label"),
            delivery: f.get("delivery"),
            venue: f.get("venue"),
            capacity: f.get("capacity"),
            online_link: f.get("online_link"),
            materials: f.get("materials"),
            materials_link: f.get("materials_link"),
            days: dates
                .into_iter()
                .enumerate()
                .map(|(i, date)| DayRow {
                    date,
                    starts: starts[i].clone(),
                    ends: ends[i].clone(),
                })
                .collect(),
        }
    }

    /// The draft, or every problem by field. `kept`: the days already stored (a held day stays).
    pub(crate) fn draft(
        &self,
        lang: Lang,
        now: chrono::DateTime<chrono::Utc>,
        kept: &[DayDraft],
    ) -> Result<SessionDraft, Errors> {
        let mut e = Errors::new();
        let delivery = Delivery::parse(&self.delivery).unwrap_or_else(|err| {
            e.push(("delivery", lang.of(&err).to_string()));
            Delivery::InPerson
        });
        let capacity = self.capacity.parse::<i64>().unwrap_or_else(|_| {
            push(
                &mut e,
                lang,
                "capacity",
                "정원을 숫자로 입력하세요",
                "enter the capacity as a number",
            );
            0
        });
        let mut days = Vec::new();
        for d in self.days.iter().filter(|d| !d.date.is_empty()) {
            match (d.date.parse::<NaiveDate>(), time(&d.starts), time(&d.ends)) {
                (Ok(day), Some(starts), Some(ends)) => days.push(DayDraft { day, starts, ends }),
                _ => push(
                    &mut e,
                    lang,
                    "days",
                    "날짜(YYYY-MM-DD)와 시작·끝 시각(HH:MM)을 모두 입력하세요",
                    "enter each day's date (YYYY-MM-DD) and its start and end (HH:MM)",
                ),
            }
        }
        let d = SessionDraft {
            label: self.label.clone(),
            delivery,
            venue: self.venue.clone(),
            capacity,
            online_link: self.online_link.clone(),
            materials: self.materials.clone(),
            materials_link: self.materials_link.clone(),
            days,
        };
        if let Err(invalid) = d.validate(now, kept) {
            merge(&mut e, lang, invalid);
        }
        if e.is_empty() { Ok(d) } else { Err(e) }
    }
}

/// An API error shown beside the form (a conflict found by the store, e.g. a day with
/// attendance): its text in the page's language, under `field`.
pub(crate) fn from_api(lang: Lang, field: &'static str, e: &crate::kit::error::ApiError) -> Errors {
    Errors(vec![(field, lang.of(e).to_string())])
}
