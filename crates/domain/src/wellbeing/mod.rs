//! Staff wellbeing (직원 마음건강, capability C4): the self-check battery, its scoring, the crisis
//! gate, referral levels, what to do next, the self-management plan and retention.
//!
//! The instruments are data: each lives in one versioned JSON file under `data/instruments/`
//! (item texts in Korean and English, answer options, scoring key, reversed items, bands with their
//! source and whether they are a convention). This module only reads them, so a corrected text
//! or a new instrument is a new file, not new code. Results are a screening, never a diagnosis;
//! every text shown to people says so.
//!
//! Who may see what is decided in [`crate::access`] alone; group reports and their small-cell
//! suppression are in [`crate::wellbeing::report`].

pub mod report;

use crate::RuleError;
use chrono::{DateTime, Datelike, Duration, FixedOffset, Months, NaiveTime, Offset, TimeZone, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::OnceLock;

/// The data files of the battery, in the order the check asks them.
const INSTRUMENT_FILES: [&str; 4] = [
    include_str!("../../data/instruments/phq9.v1.json"),
    include_str!("../../data/instruments/gad7.v1.json"),
    include_str!("../../data/instruments/pss10.v1.json"),
    include_str!("../../data/instruments/cbi_client.v1.json"),
];

/// The version of the consent text an official agrees to; a new text needs a new consent.
pub const CONSENT_VERSION: i64 = 1;

/// Results, consents, referrals and plans are kept this many years, then deleted.
pub const RETENTION_YEARS: u32 = 5;

/// A text in Korean and English.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Text {
    pub ko: String,
    pub en: String,
}

/// One answer option: the value an answer sends and its wording.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnswerOption {
    pub value: i64,
    pub ko: String,
    pub en: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Item {
    /// 1-based, as printed on the published form.
    pub number: usize,
    /// The key of the item's answer options in [`Instrument::option_sets`].
    pub options: String,
    pub ko: String,
    pub en: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// Sum of the item points.
    Sum,
    /// Mean of the item points (the CBI's 0–100 scale).
    Mean,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Scoring {
    pub method: Method,
    /// Item numbers scored in reverse (lowest option value + highest − answer).
    pub reversed: Vec<usize>,
}

/// A band of the score scale, from `from` (inclusive) up to the next band's `from`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Band {
    pub key: String,
    pub from: i64,
    /// 0 = no concern, 1 = watch, 2 = concern, 3 = high concern (drives what to do next).
    pub level: u8,
    pub ko: String,
    pub en: String,
}

/// An item whose answer at or above `at_least` opens the crisis gate, whatever the total.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CrisisItem {
    pub item: usize,
    pub at_least: i64,
}

/// Scores from which a referral to a professional is suggested, or urgent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReferralRule {
    pub suggested_from: i64,
    pub urgent_from: i64,
}

/// Whether the Korean texts are the published wording or a working translation to check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TextSource {
    Published,
    WorkingTranslation,
}

/// One instrument, as its data file describes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Instrument {
    pub id: String,
    pub version: i64,
    pub name: Text,
    pub construct: Text,
    pub source: String,
    pub korean_source: String,
    pub license: String,
    pub text_source: TextSource,
    pub text_source_note: String,
    pub timeframe: Text,
    pub option_sets: BTreeMap<String, Vec<AnswerOption>>,
    pub items: Vec<Item>,
    pub scoring: Scoring,
    pub bands_source: String,
    /// True when the bands are a convention rather than validated cut-offs (shown as such).
    pub bands_convention: bool,
    pub bands: Vec<Band>,
    pub crisis_items: Vec<CrisisItem>,
    pub referral: Option<ReferralRule>,
}

/// A score: the sum of item points and how many items, so a mean is kept exact.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Score {
    pub total: i64,
    pub items: i64,
    pub method: Method,
}

impl Score {
    /// Whether the score is at least `x` on the instrument's scale, in integers (no rounding).
    pub fn at_least(&self, x: i64) -> bool {
        match self.method {
            Method::Sum => self.total >= x,
            Method::Mean => self.total >= x * self.items,
        }
    }

    /// The score on the instrument's scale (a mean keeps one decimal when shown).
    pub fn value(&self) -> f64 {
        match self.method {
            Method::Sum => self.total as f64,
            Method::Mean if self.items > 0 => self.total as f64 / self.items as f64,
            Method::Mean => 0.0,
        }
    }

    /// The score as people read it: whole numbers for sums, one decimal for means.
    pub fn display(&self) -> String {
        match self.method {
            Method::Sum => self.total.to_string(),
            Method::Mean => format!("{:.1}", self.value()),
        }
    }
}

impl Instrument {
    fn options_of(&self, item: &Item) -> &[AnswerOption] {
        self.option_sets
            .get(&item.options)
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }

    /// The points one answer gives (reversed items counted backwards).
    fn points(&self, item: &Item, answer: i64) -> i64 {
        if self.scoring.reversed.contains(&item.number) {
            let values = self.options_of(item).iter().map(|o| o.value);
            let lo = values.clone().min().unwrap_or(0);
            let hi = values.max().unwrap_or(0);
            lo + hi - answer
        } else {
            answer
        }
    }

    /// Score a full set of answers, one per item in order (`None` = not answered). Refuses
    /// missing answers and values that are not one of the item's options, naming the items.
    pub fn score(&self, answers: &[Option<i64>]) -> Result<Score, RuleError> {
        let missing: Vec<String> = self
            .items
            .iter()
            .enumerate()
            .filter(|(i, _)| answers.get(*i).copied().flatten().is_none())
            .map(|(_, item)| item.number.to_string())
            .collect();
        if !missing.is_empty() {
            let list = missing.join(", ");
            return Err(RuleError::new(
                "missing_answers",
                &format!("{}: 답하지 않은 문항이 있습니다 ({list}번)", self.name.ko),
                &format!("{}: items {list} are not answered", self.name.en),
            ));
        }
        if answers.len() > self.items.len() {
            return Err(RuleError::new(
                "too_many_answers",
                &format!("{}의 문항은 {}개입니다", self.name.ko, self.items.len()),
                &format!(
                    "{} has {} items, {} answers were sent",
                    self.name.en,
                    self.items.len(),
                    answers.len()
                ),
            ));
        }
        let mut total = 0;
        for (item, answer) in self.items.iter().zip(answers) {
            let Some(answer) = *answer else { continue };
            let options = self.options_of(item);
            if !options.iter().any(|o| o.value == answer) {
                let allowed: Vec<String> = options.iter().map(|o| o.value.to_string()).collect();
                let allowed = allowed.join(", ");
                return Err(RuleError::new(
                    "answer_out_of_range",
                    &format!(
                        "{} {}번 문항의 답 {answer}은(는) 선택지에 없습니다 (가능한 값: {allowed})",
                        self.name.ko, item.number
                    ),
                    &format!(
                        "{} item {}: {answer} is not one of the options ({allowed})",
                        self.name.en, item.number
                    ),
                ));
            }
            total += self.points(item, answer);
        }
        Ok(Score {
            total,
            items: self.items.len() as i64,
            method: self.scoring.method,
        })
    }

    /// The band a score falls in: the last band whose lower bound the score reaches.
    pub fn band(&self, score: &Score) -> Option<&Band> {
        self.bands.iter().rev().find(|b| score.at_least(b.from))
    }

    /// A band by its key (results store the key).
    pub fn band_by_key(&self, key: &str) -> Option<&Band> {
        self.bands.iter().find(|b| b.key == key)
    }

    /// Whether these answers open the crisis gate.
    pub fn opens_crisis_gate(&self, answers: &[Option<i64>]) -> bool {
        self.crisis_items.iter().any(|c| {
            c.item >= 1
                && answers
                    .get(c.item - 1)
                    .copied()
                    .flatten()
                    .is_some_and(|a| a >= c.at_least)
        })
    }

    /// The referral level a score calls for.
    pub fn referral(&self, score: &Score) -> ReferralLevel {
        match self.referral {
            Some(r) if score.at_least(r.urgent_from) => ReferralLevel::Urgent,
            Some(r) if score.at_least(r.suggested_from) => ReferralLevel::Suggested,
            _ => ReferralLevel::None,
        }
    }

    /// Every score the instrument can produce, as totals (for means: totals over all items).
    pub fn attainable_totals(&self) -> std::collections::BTreeSet<i64> {
        let mut reachable = std::collections::BTreeSet::from([0i64]);
        for item in &self.items {
            let points: Vec<i64> = self
                .options_of(item)
                .iter()
                .map(|o| self.points(item, o.value))
                .collect();
            reachable = reachable
                .iter()
                .flat_map(|t| points.iter().map(move |p| t + p))
                .collect();
        }
        reachable
    }

    /// Checks a data file must pass before it is used: items numbered 1..n, every item's option
    /// set present and non-empty, reversed and crisis items exist, bands ascending from the
    /// lowest score, and every band's lower bound a score the instrument can actually produce.
    pub fn validate(&self) -> Result<(), String> {
        let id = &self.id;
        for (i, item) in self.items.iter().enumerate() {
            if item.number != i + 1 {
                return Err(format!("{id}: item {} is numbered {}", i + 1, item.number));
            }
            if self.options_of(item).is_empty() {
                return Err(format!("{id}: item {} has no options", item.number));
            }
            if item.ko.trim().is_empty() || item.en.trim().is_empty() {
                return Err(format!("{id}: item {} lacks a text", item.number));
            }
        }
        for n in self
            .scoring
            .reversed
            .iter()
            .chain(self.crisis_items.iter().map(|c| &c.item))
        {
            if *n == 0 || *n > self.items.len() {
                return Err(format!("{id}: item {n} does not exist"));
            }
        }
        let totals = self.attainable_totals();
        let score_of = |total: i64| Score {
            total,
            items: self.items.len() as i64,
            method: self.scoring.method,
        };
        let lowest = totals.first().copied().unwrap_or(0);
        match self.bands.first() {
            Some(b)
                if score_of(lowest).at_least(b.from) && !score_of(lowest - 1).at_least(b.from) => {}
            _ => {
                return Err(format!(
                    "{id}: the first band must start at the lowest score"
                ));
            }
        }
        for pair in self.bands.windows(2) {
            if pair[0].from >= pair[1].from {
                return Err(format!("{id}: bands are not ascending"));
            }
        }
        for b in &self.bands {
            // The cut-off itself must be a score someone can get, or the band edge is fiction.
            let exact = totals.iter().any(|t| {
                let s = score_of(*t);
                s.at_least(b.from) && !s.at_least(b.from + 1) && s.value() == b.from as f64
            });
            if !exact {
                return Err(format!(
                    "{id}: cut-off {} of band {} is not attainable",
                    b.from, b.key
                ));
            }
        }
        if let Some(r) = self.referral {
            for from in [r.suggested_from, r.urgent_from] {
                if !totals.iter().any(|t| score_of(*t).value() == from as f64) {
                    return Err(format!("{id}: referral threshold {from} is not attainable"));
                }
            }
        }
        Ok(())
    }
}

/// The whole battery, in the order the check asks it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Battery {
    pub instruments: Vec<Instrument>,
    /// Earlier versions, no longer asked, kept to read the results they scored.
    #[serde(skip)]
    pub retired: Vec<Instrument>,
}

impl Battery {
    pub fn get(&self, id: &str) -> Option<&Instrument> {
        self.instruments.iter().find(|i| i.id == id)
    }

    /// The instrument that scored a stored result (a result keeps its instrument's version).
    pub fn get_version(&self, id: &str, version: i64) -> Option<&Instrument> {
        self.instruments
            .iter()
            .chain(&self.retired)
            .find(|i| i.id == id && i.version == version)
    }

    /// The battery with an office's imported versions: for each instrument the newest version
    /// is the one asked, in the same place of the order; older ones move to `retired`.
    pub fn with_versions(&self, imported: Vec<Instrument>) -> Battery {
        let mut b = self.clone();
        let mut imported = imported;
        imported.sort_by_key(|i| i.version);
        for i in imported {
            match b.instruments.iter().position(|c| c.id == i.id) {
                Some(pos) if b.instruments[pos].version < i.version => {
                    let old = std::mem::replace(&mut b.instruments[pos], i);
                    b.retired.push(old);
                }
                _ => b.retired.push(i),
            }
        }
        b
    }

    /// The newest version known of an instrument, asked or retired.
    pub fn latest_version(&self, id: &str) -> Option<i64> {
        self.instruments
            .iter()
            .chain(&self.retired)
            .filter(|i| i.id == id)
            .map(|i| i.version)
            .max()
    }
}

/// Check an office's licensed, validated text of an instrument before it becomes a new
/// version (`minwon admin wellbeing import-instrument FILE`): the schema, the same instrument
/// and a higher version, the same number of items, the same scoring (method, reversed items,
/// answer values) so results stay comparable, every cut-off attainable, and a published text.
pub fn check_import(text: &str, current: &Battery) -> Result<Instrument, RuleError> {
    let i: Instrument = serde_json::from_str(text).map_err(|e| {
        RuleError::new(
            "instrument_schema",
            &format!("검사 파일 형식이 맞지 않습니다: {e}"),
            &format!("the file does not follow the instrument schema: {e}"),
        )
    })?;
    let Some(shipped) = current.get(&i.id) else {
        return Err(RuleError::new(
            "unknown_instrument",
            &format!("'{}'는 이 검사 묶음에 없는 검사입니다", i.id),
            &format!("'{}' is not an instrument of this battery", i.id),
        ));
    };
    let latest = current.latest_version(&i.id).unwrap_or(0);
    if i.version <= latest {
        return Err(RuleError::new(
            "instrument_version",
            &format!(
                "버전은 지금의 {latest}보다 커야 합니다 (파일: {})",
                i.version
            ),
            &format!(
                "the version must be above the current {latest} (the file says {})",
                i.version
            ),
        ));
    }
    if i.items.len() != shipped.items.len() {
        return Err(RuleError::new(
            "instrument_items",
            &format!(
                "문항 수가 {}개여야 하는데 {}개입니다",
                shipped.items.len(),
                i.items.len()
            ),
            &format!(
                "{} has {} items; the file has {}",
                i.id,
                shipped.items.len(),
                i.items.len()
            ),
        ));
    }
    let values = |inst: &Instrument| -> Vec<Vec<i64>> {
        inst.items
            .iter()
            .map(|it| inst.options_of(it).iter().map(|o| o.value).collect())
            .collect()
    };
    if i.scoring != shipped.scoring || values(&i) != values(shipped) {
        return Err(RuleError::new(
            "instrument_scoring",
            "채점 방식(합계/평균, 역채점 문항, 응답 점수)이 지금 판과 다릅니다",
            "the scoring (sum or mean, reversed items, answer values) differs from the current version",
        ));
    }
    i.validate().map_err(|e| {
        if e.contains("not attainable") {
            RuleError::new(
                "unattainable_cut_off",
                &format!("나올 수 없는 점수를 기준점으로 쓰고 있습니다: {e}"),
                &format!("a cut-off is a score nobody can get: {e}"),
            )
        } else {
            RuleError::new(
                "instrument_invalid",
                &format!("검사 파일을 쓸 수 없습니다: {e}"),
                &format!("the instrument file cannot be used: {e}"),
            )
        }
    })?;
    if i.text_source != TextSource::Published || i.license.trim().is_empty() {
        return Err(RuleError::new(
            "instrument_text_source",
            "공인 한국어판만 들일 수 있습니다: text_source를 published로, license를 기관의 사용 허락으로 적어 주세요",
            "only a licensed validated text can be imported: set text_source to published and license to the office's permission",
        ));
    }
    Ok(i)
}

fn load() -> Result<Battery, String> {
    let mut instruments = Vec::new();
    for text in INSTRUMENT_FILES {
        let i: Instrument = serde_json::from_str(text).map_err(|e| e.to_string())?;
        i.validate()?;
        instruments.push(i);
    }
    Ok(Battery {
        instruments,
        retired: Vec::new(),
    })
}

/// The battery, parsed and validated once. An error here means a shipped data file is broken
/// (a test catches it before release); callers answer with a server error.
pub fn battery() -> Result<&'static Battery, RuleError> {
    static BATTERY: OnceLock<Result<Battery, String>> = OnceLock::new();
    BATTERY.get_or_init(load).as_ref().map_err(|e| {
        RuleError::new(
            "instrument_data",
            "검사 문항 자료를 읽을 수 없습니다",
            &format!("the instrument data is broken: {e}"),
        )
    })
}

/// How strongly a professional's help is advised.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReferralLevel {
    None,
    Suggested,
    Urgent,
}

/// A telephone line shown when the crisis gate opens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct CrisisLine {
    pub number: &'static str,
    pub ko: &'static str,
    pub en: &'static str,
}

/// The crisis lines (WELLBEING.md): shown at once, whatever the total.
pub const CRISIS_LINES: [CrisisLine; 4] = [
    CrisisLine {
        number: "109",
        ko: "자살예방 상담전화 (24시간, 2024년부터 통합 번호)",
        en: "Suicide prevention line, 24 hours (unified number since 2024)",
    },
    CrisisLine {
        number: "1577-0199",
        ko: "정신건강 위기상담전화 (24시간)",
        en: "Mental-health crisis line, 24 hours",
    },
    CrisisLine {
        number: "112",
        ko: "경찰 — 위급한 상황",
        en: "Police — emergencies",
    },
    CrisisLine {
        number: "119",
        ko: "구급 — 위급한 상황",
        en: "Ambulance — emergencies",
    },
];

/// The result of one instrument within a check.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InstrumentResult {
    pub instrument: String,
    pub version: i64,
    pub name: Text,
    pub score: Score,
    pub score_display: String,
    pub band: Band,
    pub bands_convention: bool,
    pub referral: ReferralLevel,
}

/// Score answers to one instrument and place them in a band.
pub fn result_of(
    instrument: &Instrument,
    answers: &[Option<i64>],
) -> Result<InstrumentResult, RuleError> {
    let score = instrument.score(answers)?;
    let band = instrument.band(&score).cloned().ok_or_else(|| {
        RuleError::new(
            "instrument_data",
            "점수 구간을 찾을 수 없습니다",
            "no band for this score",
        )
    })?;
    Ok(InstrumentResult {
        instrument: instrument.id.clone(),
        version: instrument.version,
        name: instrument.name.clone(),
        score_display: score.display(),
        referral: instrument.referral(&score),
        score,
        band,
        bands_convention: instrument.bands_convention,
    })
}

/// One recommendation of what to do next, in plain Korean and English.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NextStep {
    /// Stable key for clients and tests: `crisis_lines`, `counsellor`, `referral_urgent`,
    /// `referral_suggested`, `healing_program`, `self_management`, `self_care`, `recheck`.
    pub key: &'static str,
    pub ko: &'static str,
    pub en: &'static str,
}

/// Shown with every result: a screening, never a diagnosis.
pub const SCREENING_NOTICE_KO: &str = "이 결과는 마음 상태를 살펴보는 선별검사 결과이며, 의학적 진단이 아닙니다. \
     정확한 평가는 전문가 상담을 통해서만 받을 수 있습니다.";
pub const SCREENING_NOTICE_EN: &str = "This is a screening result, not a medical diagnosis. Only a professional can assess it properly.";

/// What to do next, from the results of a check and whether the crisis gate opened.
pub fn next_steps(results: &[InstrumentResult], crisis: bool) -> Vec<NextStep> {
    let mut steps = Vec::new();
    let referral = results
        .iter()
        .map(|r| r.referral)
        .max()
        .unwrap_or(ReferralLevel::None);
    let worst_level = results.iter().map(|r| r.band.level).max().unwrap_or(0);
    if crisis {
        steps.push(NextStep {
            key: "crisis_lines",
            ko: "지금 힘드시다면 혼자 견디지 마세요. 109(자살예방 상담전화)나 1577-0199(정신건강 위기상담전화)에 전화하면 24시간 상담을 받을 수 있습니다. 위급하면 112나 119에 전화하세요.",
            en: "If you are struggling now, do not carry it alone: call 109 or 1577-0199 (24 hours); in an emergency call 112 or 119.",
        });
        steps.push(NextStep {
            key: "counsellor",
            ko: "기관의 상담사와 이야기할 수 있습니다. 아래에서 상담을 요청하세요. 결과를 공유할지는 본인이 정합니다.",
            en: "You can talk to the office's counsellor: ask for counselling below. Whether to share your result is your choice.",
        });
    }
    match referral {
        ReferralLevel::Urgent => steps.push(NextStep {
            key: "referral_urgent",
            ko: "가능한 한 빨리 전문가(상담사, 정신건강의학과, 정신건강복지센터)의 도움을 받으시기를 권합니다.",
            en: "We recommend seeing a professional (counsellor, psychiatrist, mental-health welfare centre) as soon as possible.",
        }),
        ReferralLevel::Suggested => steps.push(NextStep {
            key: "referral_suggested",
            ko: "전문가 상담을 받아 보시기를 권합니다. 상담 요청은 상담사에게만 전달됩니다.",
            en: "We suggest talking to a professional. A counselling request reaches only the counsellor.",
        }),
        ReferralLevel::None => {}
    }
    if worst_level >= 1 {
        steps.push(NextStep {
            key: "healing_program",
            ko: "힐링 프로그램이나 스트레스 관리 교육에 참여해 보세요.",
            en: "Consider a healing programme or a stress-management course.",
        });
        steps.push(NextStep {
            key: "self_management",
            ko: "작은 목표와 주간 실천 계획으로 자기관리 계획을 세워 보세요.",
            en: "Write a self-management plan with small goals and weekly actions.",
        });
    } else {
        steps.push(NextStep {
            key: "self_care",
            ko: "지금의 생활 습관(수면, 운동, 휴식)을 잘 유지하세요.",
            en: "Keep up what works for you: sleep, exercise, rest.",
        });
    }
    steps.push(NextStep {
        key: "recheck",
        ko: "몇 달 뒤 다시 검사하면 변화를 볼 수 있습니다.",
        en: "Take the check again in a few months to see how things change.",
    });
    steps
}

/// Why a share is given: per purpose, so a counsellor sees what it is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SharePurpose {
    /// 상담: individual counselling.
    Counselling,
    /// 프로그램 연계: placement in a healing program.
    HealingProgram,
    /// 외부 의뢰: referral to outside care.
    ExternalReferral,
}

impl SharePurpose {
    pub const ALL: [SharePurpose; 3] = [
        SharePurpose::Counselling,
        SharePurpose::HealingProgram,
        SharePurpose::ExternalReferral,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SharePurpose::Counselling => "counselling",
            SharePurpose::HealingProgram => "healing_program",
            SharePurpose::ExternalReferral => "external_referral",
        }
    }

    pub fn korean(self) -> &'static str {
        match self {
            SharePurpose::Counselling => "상담",
            SharePurpose::HealingProgram => "힐링 프로그램 연계",
            SharePurpose::ExternalReferral => "외부 전문기관 의뢰",
        }
    }

    pub fn parse(s: &str) -> Result<Self, RuleError> {
        Self::ALL
            .into_iter()
            .find(|p| p.as_str() == s)
            .ok_or_else(|| {
                RuleError::new(
                    "unknown_purpose",
                    &format!("알 수 없는 공유 목적입니다: {s}"),
                    "purpose must be counselling, healing_program or external_referral",
                )
            })
    }
}

/// What an official asks for in a referral.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReferralKind {
    /// 상담 요청
    Counselling,
    /// 힐링 프로그램 참여 요청
    HealingProgram,
}

impl ReferralKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ReferralKind::Counselling => "counselling",
            ReferralKind::HealingProgram => "healing_program",
        }
    }

    pub fn korean(self) -> &'static str {
        match self {
            ReferralKind::Counselling => "상담 요청",
            ReferralKind::HealingProgram => "힐링 프로그램 참여 요청",
        }
    }

    pub fn parse(s: &str) -> Result<Self, RuleError> {
        match s {
            "counselling" => Ok(ReferralKind::Counselling),
            "healing_program" => Ok(ReferralKind::HealingProgram),
            _ => Err(RuleError::new(
                "unknown_referral_kind",
                &format!("알 수 없는 요청 종류입니다: {s}"),
                "kind must be counselling or healing_program",
            )),
        }
    }
}

/// Where a referral stands; only the counsellor moves it on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReferralStatus {
    Open,
    Acknowledged,
    Closed,
}

impl ReferralStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ReferralStatus::Open => "open",
            ReferralStatus::Acknowledged => "acknowledged",
            ReferralStatus::Closed => "closed",
        }
    }

    pub fn korean(self) -> &'static str {
        match self {
            ReferralStatus::Open => "접수",
            ReferralStatus::Acknowledged => "확인함",
            ReferralStatus::Closed => "종결",
        }
    }

    pub fn parse(s: &str) -> Result<Self, RuleError> {
        match s {
            "open" => Ok(ReferralStatus::Open),
            "acknowledged" => Ok(ReferralStatus::Acknowledged),
            "closed" => Ok(ReferralStatus::Closed),
            _ => Err(RuleError::new(
                "unknown_status",
                &format!("알 수 없는 상태입니다: {s}"),
                "status must be open, acknowledged or closed",
            )),
        }
    }
}

/// A short free text of a referral or check-in: at most this many characters.
pub const MAX_NOTE_CHARS: usize = 1000;
/// A goal or weekly action: at most this many characters.
pub const MAX_PLAN_LINE_CHARS: usize = 200;
pub const MAX_GOALS: usize = 5;
pub const MAX_ACTIONS: usize = 7;

/// Check a free-text note (referral message, check-in note).
pub fn validate_note(note: &str) -> Result<(), RuleError> {
    if note.chars().count() > MAX_NOTE_CHARS {
        return Err(RuleError::new(
            "note_too_long",
            &format!("메모는 {MAX_NOTE_CHARS}자 이하로 써 주세요"),
            &format!("the note must be at most {MAX_NOTE_CHARS} characters"),
        ));
    }
    Ok(())
}

/// A self-management plan (자기관리 계획) as the official writes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanInput {
    pub goals: Vec<String>,
    pub actions: Vec<String>,
    /// Day of the weekly reminder, 0 = Monday … 6 = Sunday; `None` = no reminder.
    pub reminder_weekday: Option<u32>,
    /// Hour of the reminder in Korean time, 0–23.
    pub reminder_hour: Option<u32>,
}

impl PlanInput {
    /// Trim lines, drop empty ones, and check the limits.
    pub fn normalised(&self) -> Result<PlanInput, RuleError> {
        let clean = |lines: &[String]| -> Vec<String> {
            lines
                .iter()
                .map(|l| l.trim().to_string())
                .filter(|l| !l.is_empty())
                .collect()
        };
        let goals = clean(&self.goals);
        let actions = clean(&self.actions);
        if goals.is_empty() || goals.len() > MAX_GOALS {
            return Err(RuleError::new(
                "plan_goals",
                &format!("목표를 1개에서 {MAX_GOALS}개까지 적어 주세요"),
                &format!("write 1 to {MAX_GOALS} goals"),
            ));
        }
        if actions.is_empty() || actions.len() > MAX_ACTIONS {
            return Err(RuleError::new(
                "plan_actions",
                &format!("주간 실천 항목을 1개에서 {MAX_ACTIONS}개까지 적어 주세요"),
                &format!("write 1 to {MAX_ACTIONS} weekly actions"),
            ));
        }
        if goals
            .iter()
            .chain(&actions)
            .any(|l| l.chars().count() > MAX_PLAN_LINE_CHARS)
        {
            return Err(RuleError::new(
                "plan_line_too_long",
                &format!("목표와 실천 항목은 각각 {MAX_PLAN_LINE_CHARS}자 이하로 써 주세요"),
                &format!("each goal and action must be at most {MAX_PLAN_LINE_CHARS} characters"),
            ));
        }
        let (reminder_weekday, reminder_hour) = match (self.reminder_weekday, self.reminder_hour) {
            (None, _) => (None, None),
            (Some(d), h) if d <= 6 && h.unwrap_or(9) <= 23 => (Some(d), Some(h.unwrap_or(9))),
            _ => {
                return Err(RuleError::new(
                    "plan_reminder",
                    "알림 요일은 0(월)~6(일), 시각은 0~23시로 정해 주세요",
                    "reminder weekday must be 0 (Monday) to 6 (Sunday) and hour 0 to 23",
                ));
            }
        };
        Ok(PlanInput {
            goals,
            actions,
            reminder_weekday,
            reminder_hour,
        })
    }
}

/// Korean time (UTC+9, no daylight saving), for weekly reminders.
fn kst() -> FixedOffset {
    // 9 hours is always in range; the fallback only keeps this free of a panic path.
    FixedOffset::east_opt(9 * 3600).unwrap_or_else(|| Utc.fix())
}

/// The next weekly reminder strictly after `after`: on `weekday` (0 = Monday) at `hour`:00 KST.
pub fn next_reminder(after: DateTime<Utc>, weekday: u32, hour: u32) -> Option<DateTime<Utc>> {
    let local = after.with_timezone(&kst());
    let time = NaiveTime::from_hms_opt(hour.min(23), 0, 0)?;
    let today = local.date_naive();
    let days_ahead = (i64::from(weekday.min(6))
        - i64::from(today.weekday().num_days_from_monday()))
    .rem_euclid(7);
    for extra in [0, 7] {
        let date = today + Duration::days(days_ahead + extra);
        let at = kst()
            .from_local_datetime(&date.and_time(time))
            .single()?
            .with_timezone(&Utc);
        if at > after {
            return Some(at);
        }
    }
    None
}

/// A check-in on the plan: how many of the weekly actions were done, and how the week felt.
pub fn validate_checkin(
    actions_done: i64,
    action_count: usize,
    mood: i64,
    note: &str,
) -> Result<(), RuleError> {
    if actions_done < 0 || actions_done > action_count as i64 {
        return Err(RuleError::new(
            "checkin_actions",
            &format!("실천한 항목 수는 0~{action_count} 사이여야 합니다"),
            &format!("actions done must be between 0 and {action_count}"),
        ));
    }
    if !(1..=5).contains(&mood) {
        return Err(RuleError::new(
            "checkin_mood",
            "이번 주 기분은 1(아주 나쁨)~5(아주 좋음) 중에서 골라 주세요",
            "mood must be 1 (very bad) to 5 (very good)",
        ));
    }
    validate_note(note)
}

/// Records older than this are deleted (kept [`RETENTION_YEARS`] years).
pub fn retention_cutoff(now: DateTime<Utc>) -> DateTime<Utc> {
    now.checked_sub_months(Months::new(12 * RETENTION_YEARS))
        .unwrap_or(DateTime::<Utc>::MIN_UTC)
}

/// Why an official is invited to a check. Only the official sees an invitation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InvitationReason {
    /// Exposed to repeated incidents (protection capability).
    RepeatedIncidents,
}

impl InvitationReason {
    pub fn as_str(self) -> &'static str {
        match self {
            InvitationReason::RepeatedIncidents => "repeated_incidents",
        }
    }

    /// The words the official reads: an invitation, never an obligation.
    pub fn message(self) -> Text {
        match self {
            InvitationReason::RepeatedIncidents => Text {
                ko: "최근 어려운 민원 상황을 여러 번 겪으셨습니다. 원하시면 마음건강 자가검진을 받아 보세요. \
                     참여는 자유이며, 결과는 본인만 볼 수 있습니다."
                    .into(),
                en: "You have recently been through several difficult incidents. If you wish, take the \
                     confidential self-check. It is your choice, and only you see the result."
                    .into(),
            },
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        (s == "repeated_incidents").then_some(InvitationReason::RepeatedIncidents)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inst(id: &str) -> &'static Instrument {
        battery().unwrap().get(id).unwrap()
    }

    fn all(id: &str, v: i64) -> Vec<Option<i64>> {
        vec![Some(v); inst(id).items.len()]
    }

    #[test]
    fn the_battery_loads_in_order_with_32_items() {
        let b = battery().unwrap();
        let ids: Vec<&str> = b.instruments.iter().map(|i| i.id.as_str()).collect();
        assert_eq!(ids, ["phq9", "gad7", "pss10", "cbi_client"]);
        let items: usize = b.instruments.iter().map(|i| i.items.len()).sum();
        assert_eq!(items, 32, "WELLBEING.md: 32 items");
        for i in &b.instruments {
            assert_eq!(i.version, 1);
            // Honest labelling: nothing here was checked against the published Korean text.
            assert_eq!(i.text_source, TextSource::WorkingTranslation, "{}", i.id);
            assert!(!i.text_source_note.is_empty());
        }
    }

    #[test]
    fn every_cut_off_is_attainable() {
        for i in &battery().unwrap().instruments {
            i.validate().unwrap();
            let totals = i.attainable_totals();
            for b in &i.bands {
                let hit = totals.iter().any(|t| {
                    let s = Score {
                        total: *t,
                        items: i.items.len() as i64,
                        method: i.scoring.method,
                    };
                    s.value() == b.from as f64 && i.band(&s) == Some(b)
                });
                assert!(hit, "{} band {} from {}", i.id, b.key, b.from);
            }
        }
    }

    #[test]
    fn validation_refuses_an_unattainable_cut_off() {
        let mut cbi = inst("cbi_client").clone();
        // A mean of 51 needs a total of 306 over 6 items in steps of 25: impossible.
        cbi.bands[1].from = 51;
        assert!(cbi.validate().unwrap_err().contains("not attainable"));
        let mut phq = inst("phq9").clone();
        phq.bands[4].from = 28;
        assert!(phq.validate().is_err());
        let mut pss = inst("pss10").clone();
        pss.scoring.reversed.push(11);
        assert!(pss.validate().is_err());
    }

    #[test]
    fn worked_checks_of_wellbeing_md() {
        // PSS-10: every answer 0 → 16 (the four reversed items give 4 each); every answer 4 → 24.
        let pss = inst("pss10");
        assert_eq!(pss.score(&all("pss10", 0)).unwrap().total, 16);
        assert_eq!(pss.score(&all("pss10", 4)).unwrap().total, 24);
        assert_eq!(pss.scoring.reversed, [4, 5, 7, 8]);
        // PHQ-9 all 3 → 27 (severe).
        let r = result_of(inst("phq9"), &all("phq9", 3)).unwrap();
        assert_eq!(r.score.total, 27);
        assert_eq!(r.band.key, "severe");
        // GAD-7 all 1 → 7 (mild).
        let r = result_of(inst("gad7"), &all("gad7", 1)).unwrap();
        assert_eq!(r.score.total, 7);
        assert_eq!(r.band.key, "mild");
    }

    #[test]
    fn bands_at_their_edges() {
        let phq = inst("phq9");
        let band_of = |total| {
            phq.band(&Score {
                total,
                items: 9,
                method: Method::Sum,
            })
            .unwrap()
            .key
            .clone()
        };
        let expected = [
            (0, "minimal"),
            (4, "minimal"),
            (5, "mild"),
            (9, "mild"),
            (10, "moderate"),
            (14, "moderate"),
            (15, "moderately_severe"),
            (19, "moderately_severe"),
            (20, "severe"),
            (27, "severe"),
        ];
        for (total, key) in expected {
            assert_eq!(band_of(total), key, "PHQ-9 {total}");
        }
        // CBI: mean of 100/75/50/25/0; below 50 low, 50–74 moderate, 75 and above high.
        let cbi = inst("cbi_client");
        let r = |answers: [i64; 6]| result_of(cbi, &answers.map(Some)).unwrap();
        assert_eq!(r([50, 50, 50, 50, 50, 25]).band.key, "low"); // 45.8
        assert_eq!(r([50, 50, 50, 50, 50, 50]).band.key, "moderate"); // 50
        assert_eq!(r([75, 75, 75, 75, 75, 50]).band.key, "moderate"); // 70.8
        assert_eq!(r([75; 6]).band.key, "high");
        assert_eq!(r([75, 75, 75, 75, 75, 50]).score_display, "70.8");
        let pss = inst("pss10");
        assert!(pss.bands_convention && cbi.bands_convention);
        assert!(!phq.bands_convention && !inst("gad7").bands_convention);
    }

    #[test]
    fn bad_answers_are_named() {
        let phq = inst("phq9");
        let mut answers = all("phq9", 1);
        answers[2] = None;
        answers.truncate(8);
        let e = phq.score(&answers).unwrap_err();
        assert_eq!(e.code, "missing_answers");
        assert!(e.message().contains("3, 9"), "{}", e.message());
        let mut answers = all("phq9", 1);
        answers[4] = Some(4);
        let e = phq.score(&answers).unwrap_err();
        assert_eq!(e.code, "answer_out_of_range");
        assert!(e.message().contains("5번") && e.message().contains("item 5"));
        let e = phq.score(&[Some(0); 10]).unwrap_err();
        assert_eq!(e.code, "too_many_answers");
        // CBI answers are the coded values, so 60 is not an option.
        let e = inst("cbi_client").score(&[Some(60); 6]).unwrap_err();
        assert_eq!(e.code, "answer_out_of_range");
    }

    #[test]
    fn crisis_gate_opens_on_item_nine_whatever_the_total() {
        let phq = inst("phq9");
        let mut answers = all("phq9", 0);
        assert!(!phq.opens_crisis_gate(&answers));
        answers[8] = Some(1);
        assert!(phq.opens_crisis_gate(&answers));
        let r = result_of(phq, &answers).unwrap();
        assert_eq!(r.band.key, "minimal");
        let steps = next_steps(&[r], true);
        assert_eq!(steps[0].key, "crisis_lines");
        assert!(steps[0].ko.contains("109") && steps[0].ko.contains("1577-0199"));
        assert!(steps.iter().any(|s| s.key == "counsellor"));
        let numbers: Vec<&str> = CRISIS_LINES.iter().map(|l| l.number).collect();
        assert_eq!(numbers, ["109", "1577-0199", "112", "119"]);
        // Other instruments never open it.
        assert!(!inst("gad7").opens_crisis_gate(&all("gad7", 3)));
    }

    #[test]
    fn referral_levels() {
        let level = |id: &str, total| {
            let i = inst(id);
            i.referral(&Score {
                total,
                items: i.items.len() as i64,
                method: Method::Sum,
            })
        };
        assert_eq!(level("phq9", 9), ReferralLevel::None);
        assert_eq!(level("phq9", 10), ReferralLevel::Suggested);
        assert_eq!(level("phq9", 19), ReferralLevel::Suggested);
        assert_eq!(level("phq9", 20), ReferralLevel::Urgent);
        assert_eq!(level("gad7", 10), ReferralLevel::Suggested);
        assert_eq!(level("gad7", 14), ReferralLevel::Suggested);
        assert_eq!(level("gad7", 15), ReferralLevel::Urgent);
        assert_eq!(level("pss10", 40), ReferralLevel::None);
        let r = result_of(inst("gad7"), &all("gad7", 3)).unwrap();
        let keys: Vec<&str> = next_steps(&[r], false).iter().map(|s| s.key).collect();
        assert!(keys.contains(&"referral_urgent") && !keys.contains(&"crisis_lines"));
        let r = result_of(inst("gad7"), &all("gad7", 0)).unwrap();
        let keys: Vec<&str> = next_steps(&[r], false).iter().map(|s| s.key).collect();
        assert_eq!(keys, ["self_care", "recheck"]);
    }

    #[test]
    fn plans_are_checked() {
        let p = PlanInput {
            goals: vec![" 잠 7시간 ".into(), "".into()],
            actions: vec!["점심 산책".into()],
            reminder_weekday: Some(0),
            reminder_hour: None,
        };
        let n = p.normalised().unwrap();
        assert_eq!(n.goals, ["잠 7시간"]);
        assert_eq!(n.reminder_hour, Some(9));
        let none = PlanInput {
            goals: vec![],
            ..p.clone()
        };
        assert_eq!(none.normalised().unwrap_err().code, "plan_goals");
        let bad_day = PlanInput {
            reminder_weekday: Some(7),
            ..p.clone()
        };
        assert_eq!(bad_day.normalised().unwrap_err().code, "plan_reminder");
        let long = PlanInput {
            actions: vec!["가".repeat(201)],
            ..p
        };
        assert_eq!(long.normalised().unwrap_err().code, "plan_line_too_long");
        assert!(validate_checkin(1, 1, 3, "").is_ok());
        assert_eq!(
            validate_checkin(2, 1, 3, "").unwrap_err().code,
            "checkin_actions"
        );
        assert_eq!(
            validate_checkin(0, 1, 6, "").unwrap_err().code,
            "checkin_mood"
        );
    }

    #[test]
    fn weekly_reminders_fall_on_the_chosen_day_in_korean_time() {
        // Tuesday 2026-11-24 10:00 KST = 01:00 UTC.
        let after = Utc.with_ymd_and_hms(2026, 11, 24, 1, 0, 0).unwrap();
        // Monday 09:00 KST → next Monday 2026-11-30 00:00 UTC.
        assert_eq!(
            next_reminder(after, 0, 9),
            Some(Utc.with_ymd_and_hms(2026, 11, 30, 0, 0, 0).unwrap())
        );
        // Tuesday 09:00 KST has passed today → a week later.
        assert_eq!(
            next_reminder(after, 1, 9),
            Some(Utc.with_ymd_and_hms(2026, 12, 1, 0, 0, 0).unwrap())
        );
        // Tuesday 18:00 KST is still ahead today.
        assert_eq!(
            next_reminder(after, 1, 18),
            Some(Utc.with_ymd_and_hms(2026, 11, 24, 9, 0, 0).unwrap())
        );
    }

    #[test]
    fn retention_is_five_calendar_years() {
        let now = Utc.with_ymd_and_hms(2026, 11, 24, 0, 0, 0).unwrap();
        assert_eq!(
            retention_cutoff(now),
            Utc.with_ymd_and_hms(2021, 11, 24, 0, 0, 0).unwrap()
        );
    }

    use proptest::prelude::*;

    proptest! {
        /// PSS-10 against an independent reading of the scoring key: items 4, 5, 7, 8 count
        /// 4 − x, the rest x; the band follows 0–13 / 14–26 / 27–40.
        #[test]
        fn pss_scoring_matches_the_key(answers in proptest::collection::vec(0i64..=4, 10)) {
            let expected: i64 = answers
                .iter()
                .enumerate()
                .map(|(i, a)| if [3, 4, 6, 7].contains(&i) { 4 - a } else { *a })
                .sum();
            let given: Vec<Option<i64>> = answers.iter().copied().map(Some).collect();
            let r = result_of(inst("pss10"), &given).unwrap();
            prop_assert_eq!(r.score.total, expected);
            let band = match expected { 0..=13 => "low", 14..=26 => "moderate", _ => "high" };
            prop_assert_eq!(r.band.key.as_str(), band);
        }

        /// Any valid answers to any instrument give a score within the scale and a band; the
        /// crisis gate opens exactly when PHQ-9 item 9 is 1 or more.
        #[test]
        fn any_valid_answers_score_and_band(picks in proptest::collection::vec(0usize..5, 10)) {
            for i in &battery().unwrap().instruments {
                let given: Vec<Option<i64>> = i
                    .items
                    .iter()
                    .zip(picks.iter().cycle())
                    .map(|(item, p)| {
                        let options = &i.option_sets[&item.options];
                        Some(options[p % options.len()].value)
                    })
                    .collect();
                let r = result_of(i, &given).unwrap();
                let v = r.score.value();
                let max = if i.id == "cbi_client" { 100.0 } else { (i.items.len() * (i.option_sets.values().next().unwrap().len() - 1)) as f64 };
                prop_assert!((0.0..=max).contains(&v), "{} scored {}", i.id, v);
                if i.id == "phq9" {
                    prop_assert_eq!(i.opens_crisis_gate(&given), given[8].unwrap_or(0) >= 1);
                }
            }
        }
    }

    /// An office's licensed text of an instrument, as a test builds it from the shipped file.
    fn licensed(file: &str, edit: impl Fn(&mut serde_json::Value)) -> String {
        let mut v: serde_json::Value = serde_json::from_str(file).unwrap();
        v["version"] = serde_json::json!(2);
        v["text_source"] = serde_json::json!("published");
        v["license"] = serde_json::json!("예시군 사용 허락 2026-11");
        edit(&mut v);
        v.to_string()
    }

    #[test]
    fn an_office_imports_its_validated_text_as_a_new_version() {
        let b = battery().unwrap();
        let text = licensed(INSTRUMENT_FILES[3], |_| {});
        let cbi = check_import(&text, b).unwrap();
        assert_eq!((cbi.id.as_str(), cbi.version), ("cbi_client", 2));
        let merged = b.with_versions(vec![cbi]);
        assert_eq!(
            merged.get("cbi_client").unwrap().version,
            2,
            "the new text is asked"
        );
        assert_eq!(
            merged.instruments.len(),
            4,
            "in the same place of the order"
        );
        assert_eq!(
            merged.get_version("cbi_client", 1).unwrap().text_source,
            TextSource::WorkingTranslation,
            "old results keep the version that scored them"
        );
        // The same version twice is refused.
        assert_eq!(
            check_import(&text, &merged).unwrap_err().code,
            "instrument_version"
        );
    }

    #[test]
    fn imports_that_would_change_the_instrument_are_refused() {
        let b = battery().unwrap();
        let code = |text: String| check_import(&text, b).unwrap_err().code;
        // A CBI cut-off of 51: a mean of six answers in steps of 25 is 50 or 54.2, never 51.
        let unattainable = licensed(INSTRUMENT_FILES[3], |v| v["bands"][1]["from"] = 51.into());
        assert_eq!(code(unattainable.clone()), "unattainable_cut_off");
        let e = check_import(&unattainable, b).unwrap_err();
        assert!(e.message().starts_with("나올 수 없는 점수") && e.message().contains("(a cut-off"));
        let fewer = licensed(INSTRUMENT_FILES[0], |v| {
            v["items"].as_array_mut().unwrap().pop();
        });
        assert_eq!(code(fewer), "instrument_items");
        let reversed = licensed(INSTRUMENT_FILES[2], |v| {
            v["scoring"]["reversed"] = serde_json::json!([4, 5]);
        });
        assert_eq!(code(reversed), "instrument_scoring");
        let unknown = licensed(INSTRUMENT_FILES[0], |v| v["id"] = "k10".into());
        assert_eq!(code(unknown), "unknown_instrument");
        let working = licensed(INSTRUMENT_FILES[0], |v| {
            v["text_source"] = "working_translation".into();
        });
        assert_eq!(code(working), "instrument_text_source");
        assert_eq!(code("{\"id\": \"phq9\"}".into()), "instrument_schema");
        assert_eq!(
            code(licensed(INSTRUMENT_FILES[0], |v| v["extra"] = 1.into())),
            "instrument_schema"
        );
    }
}
