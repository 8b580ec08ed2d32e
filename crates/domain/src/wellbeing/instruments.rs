//! The instruments (검사 도구) as data: each a versioned JSON file under `data/instruments/`,
//! read and checked here, scored here; an office's import is checked against the battery.

use super::*;

/// The data files of the battery, in the order the check asks them.
pub(super) const INSTRUMENT_FILES: [&str; 4] = [
    include_str!("../../data/instruments/phq9.v1.json"),
    include_str!("../../data/instruments/gad7.v1.json"),
    include_str!("../../data/instruments/pss10.v1.json"),
    include_str!("../../data/instruments/cbi_client.v1.json"),
];

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
                format!("{}: 답하지 않은 문항이 있습니다 ({list}번)", self.name.ko),
                format!("{}: items {list} are not answered", self.name.en),
            ));
        }
        if answers.len() > self.items.len() {
            return Err(RuleError::new(
                "too_many_answers",
                format!("{}의 문항은 {}개입니다", self.name.ko, self.items.len()),
                format!(
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
                    format!(
                        "{} {}번 문항의 답 {answer}은(는) 선택지에 없습니다 (가능한 값: {allowed})",
                        self.name.ko, item.number
                    ),
                    format!(
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
            format!("검사 파일 형식이 맞지 않습니다: {e}"),
            format!("the file does not follow the instrument schema: {e}"),
        )
    })?;
    let Some(shipped) = current.get(&i.id) else {
        return Err(RuleError::new(
            "unknown_instrument",
            format!("'{}'는 이 검사 묶음에 없는 검사입니다", i.id),
            format!("'{}' is not an instrument of this battery", i.id),
        ));
    };
    let latest = current.latest_version(&i.id).unwrap_or(0);
    if i.version <= latest {
        return Err(RuleError::new(
            "instrument_version",
            format!(
                "버전은 지금의 {latest}보다 커야 합니다 (파일: {})",
                i.version
            ),
            format!(
                "the version must be above the current {latest} (the file says {})",
                i.version
            ),
        ));
    }
    if i.items.len() != shipped.items.len() {
        return Err(RuleError::new(
            "instrument_items",
            format!(
                "문항 수가 {}개여야 하는데 {}개입니다",
                shipped.items.len(),
                i.items.len()
            ),
            format!(
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
                format!("나올 수 없는 점수를 기준점으로 쓰고 있습니다: {e}"),
                format!("a cut-off is a score nobody can get: {e}"),
            )
        } else {
            RuleError::new(
                "instrument_invalid",
                format!("검사 파일을 쓸 수 없습니다: {e}"),
                format!("the instrument file cannot be used: {e}"),
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

pub(super) fn load() -> Result<Battery, String> {
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
            format!("the instrument data is broken: {e}"),
        )
    })
}
