//! Abuse screening (악성 민원 선별): is a petition or message abusive, how sure are we, what kind,
//! and which words made us think so.
//!
//! The score comes from a logistic-regression model over hashed character n-grams
//! ([`crate::linear`]); the decision threshold was tuned on the BEEP! dev set and is folded into
//! the score, so `abusive == (score >= 0.5)` always holds. The kinds and most spans come from the
//! lexicon ([`crate::lexicon`]); when the model fires without a lexicon hit, the words that
//! contributed most to its score are reported instead, so the official always sees why.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::Error;
use crate::data::AbuseItem;
use crate::features::{FeatureConfig, extract_normalized, occurrences};
use crate::lexicon::{AbuseKind, Hit, Lexicon};
use crate::linear::{Example, LinearClassifier, TrainConfig, fnv64};
use crate::normalize::normalize;

/// Why a span was flagged.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Span {
    /// Byte offsets into the original text.
    pub start: usize,
    pub end: usize,
    /// `"lexicon: <expression> (<kind>)"` or `"model: <weight>"`.
    pub reason: String,
}

/// Result of screening one text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Screening {
    pub abusive: bool,
    /// 0..1; 0.5 is the decision threshold.
    pub score: f32,
    /// Kinds we can tell (may be empty even when abusive).
    pub kinds: Vec<AbuseKind>,
    pub spans: Vec<Span>,
    pub model_version: String,
}

/// Settings stored with the model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AbuseMeta {
    /// Content-derived version, e.g. `abuse-1a2b3c4d`.
    pub version: String,
    /// Probability at or above which a text is abusive.
    pub threshold: f32,
    /// A lexicon hit lifts the score to at least this (0 = the lexicon only explains). It must be
    /// at least 0.5 to make a hit abusive on its own.
    pub lexicon_floor: f32,
    /// Free-form provenance (data sets used).
    pub trained_on: String,
}

/// The abuse model: classifier, threshold, lexicon.
#[derive(Debug)]
pub struct AbuseModel {
    clf: LinearClassifier,
    meta: AbuseMeta,
    lexicon: Lexicon,
}

/// Options for [`train_abuse`].
#[derive(Debug, Clone)]
pub struct AbuseTrainOptions {
    pub features: FeatureConfig,
    pub train: TrainConfig,
    /// Score given to a text with a lexicon hit if the model scored it lower (0 disables).
    pub lexicon_floor: f32,
    pub trained_on: String,
}

impl Default for AbuseTrainOptions {
    fn default() -> Self {
        Self {
            features: FeatureConfig {
                dim_bits: 20,
                max_n: 3,
                squeezed: true,
                choseong: false,
                words: true,
                word_bigrams: false,
                idf: false,
                max_chars: 100_000,
            },
            train: TrainConfig {
                epochs: 6,
                learning_rate: 0.1,
                l2: 1e-6,
                class_balance: 0.0,
                seed: 7,
                restarts: 1,
            },
            lexicon_floor: 0.55,
            trained_on: String::new(),
        }
    }
}

const LABELS: [&str; 2] = ["clean", "abusive"];

/// Trains the abuse model on `train` and tunes its threshold for macro-F1 on `dev`.
pub fn train_abuse(
    train: &[AbuseItem],
    dev: &[AbuseItem],
    opts: &AbuseTrainOptions,
) -> Result<AbuseModel, Error> {
    let examples: Vec<Example> = train
        .iter()
        .map(|it| Example {
            features: extract_normalized(&normalize(&it.text), &opts.features),
            label: usize::from(it.abusive),
            weight: it.weight,
        })
        .collect();
    let clf = LinearClassifier::train(
        LABELS.iter().map(|s| s.to_string()).collect(),
        opts.features.clone(),
        &examples,
        &opts.train,
    )?;
    let mut meta = AbuseMeta {
        version: String::new(),
        threshold: 0.5,
        lexicon_floor: opts.lexicon_floor,
        trained_on: opts.trained_on.clone(),
    };
    // Round-trip through the file format first, so the threshold is tuned on the quantised
    // weights that will actually ship.
    let (clf, _) = LinearClassifier::from_bytes::<AbuseMeta>(&clf.to_bytes(&meta)?)?;
    let mut model = AbuseModel {
        clf,
        meta: meta.clone(),
        lexicon: Lexicon::new(),
    };
    if !dev.is_empty() {
        // With a lexicon floor, a lexicon hit is abusive whatever the threshold; tune the
        // threshold for the texts the lexicon leaves to the model.
        let floor = opts.lexicon_floor > 0.0;
        let probs: Vec<f32> = dev
            .iter()
            .map(|it| {
                if floor && model.lexicon_hit(&it.text) {
                    f32::INFINITY
                } else {
                    model.probability(&it.text)
                }
            })
            .collect();
        let gold: Vec<usize> = dev.iter().map(|it| usize::from(it.abusive)).collect();
        let labels: Vec<String> = LABELS.iter().map(|s| s.to_string()).collect();
        // Macro-F1 on the tuning set is flat near its maximum, so the raw argmax jumps between
        // distant thresholds when the model changes slightly (0.39 vs 0.61 in our runs). Take
        // the argmax of the curve averaged over ±0.05 instead: the middle of the plateau.
        let grid: Vec<f32> = (5..=95).map(|step| step as f32 / 100.0).collect();
        let curve: Vec<f64> = grid
            .iter()
            .map(|&t| {
                let pred: Vec<usize> = probs.iter().map(|&p| usize::from(p >= t)).collect();
                crate::eval::report(&labels, &gold, &pred).macro_f1
            })
            .collect();
        let mut best = (f64::MIN, 0.5f32);
        for (i, &t) in grid.iter().enumerate() {
            let window = &curve[i.saturating_sub(5)..(i + 6).min(curve.len())];
            let smooth = window.iter().sum::<f64>() / window.len() as f64;
            if smooth > best.0 + 1e-12 {
                best = (smooth, t);
            }
        }
        meta.threshold = best.1;
    }
    let bytes = model.clf.to_bytes(&meta)?;
    meta.version = format!("abuse-{:016x}", fnv64(&bytes));
    model.meta = meta;
    Ok(model)
}

impl AbuseModel {
    /// Loads a model file.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, Error> {
        let (clf, meta): (LinearClassifier, AbuseMeta) = LinearClassifier::from_bytes(bytes)?;
        if clf.labels.len() != 2 {
            return Err(Error::Model("abuse model must have two labels".into()));
        }
        Ok(Self {
            clf,
            meta,
            lexicon: Lexicon::new(),
        })
    }

    /// Serialises the model (deterministic).
    pub fn to_bytes(&self) -> Result<Vec<u8>, Error> {
        self.clf.to_bytes(&self.meta)
    }

    /// Model version stored with every screening.
    pub fn version(&self) -> &str {
        &self.meta.version
    }

    /// Stored settings.
    pub fn meta(&self) -> &AbuseMeta {
        &self.meta
    }

    /// Raw model probability that `text` is abusive (no threshold, no lexicon).
    pub fn probability(&self, text: &str) -> f32 {
        self.probability_normalized(&normalize(text))
    }

    fn chunk_probability(&self, norm: &crate::normalize::Normalized) -> f32 {
        let x = self.clf.featurize(norm);
        self.clf.predict_proba(&x).get(1).copied().unwrap_or(0.0)
    }

    /// Long texts are scored in pieces of about [`CHUNK_CHARS`] characters, cut after a
    /// sentence end where possible, and the pieces' probabilities averaged. The model learned
    /// from comments of a sentence or two; on a whole petition the topic words of a long serious
    /// text (gender, military service, politics) added up to false alarms: on the 8,859 Blue
    /// House petitions, 11% were flagged whole, 5.6% with averaged pieces (35.8% with the
    /// maximum piece). An insult inside a long text is still caught by the lexicon.
    fn probability_normalized(&self, norm: &crate::normalize::Normalized) -> f32 {
        // The same cap as the features: megabytes of text cost no more than the first part.
        let cap = match self.clf.features.max_chars {
            0 => norm.chars.len(),
            n => n.min(norm.chars.len()),
        };
        let chars = &norm.chars[..cap];
        if chars.len() <= 2 * CHUNK_CHARS {
            return self.chunk_probability(norm);
        }
        let mut sum = 0.0;
        let mut pieces = 0usize;
        let mut start = 0;
        for i in 0..chars.len() {
            let len = i + 1 - start;
            let sentence_end = matches!(chars[i].c, '.' | '!' | '?') && len >= CHUNK_CHARS / 2;
            if sentence_end || len >= CHUNK_CHARS || i + 1 == chars.len() {
                let piece = crate::normalize::Normalized {
                    chars: chars[start..=i].to_vec(),
                };
                sum += self.chunk_probability(&piece);
                pieces += 1;
                start = i + 1;
            }
        }
        sum / pieces.max(1) as f32
    }

    /// Whether the lexicon finds anything in `text`.
    pub fn lexicon_hit(&self, text: &str) -> bool {
        let norm = normalize(text);
        let mut hits = Vec::new();
        self.lexicon.find(&norm.chars, &mut hits);
        self.lexicon.find(&norm.squeezed(), &mut hits);
        !hits.is_empty()
    }

    /// Screens one text. Never panics; empty or letter-free text is not abusive.
    pub fn screen(&self, text: &str) -> Screening {
        let norm = normalize(text);
        let p = self.probability_normalized(&norm);
        let mut score = calibrate(p, self.meta.threshold);

        let mut hits: Vec<Hit> = Vec::new();
        self.lexicon.find(&norm.chars, &mut hits);
        self.lexicon.find(&norm.squeezed(), &mut hits);
        hits.sort_by_key(|h| (h.start, h.end));
        hits.dedup_by(|b, a| b.start < a.end && b.kind == a.kind);
        if !hits.is_empty() && self.meta.lexicon_floor > 0.0 {
            score = score.max(self.meta.lexicon_floor);
        }
        let abusive = score >= 0.5;

        let mut kinds: Vec<AbuseKind> = Vec::new();
        let mut spans: Vec<Span> = Vec::new();
        if abusive {
            kinds = hits
                .iter()
                .map(|h| h.kind)
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect();
            spans = hits
                .iter()
                .map(|h| Span {
                    start: h.start,
                    end: h.end,
                    reason: format!("lexicon: {} ({})", h.expression, h.kind.korean()),
                })
                .collect();
            if spans.is_empty() {
                // Only now the whole-text features: most texts never need them.
                spans = self.model_spans(&norm, &self.clf.featurize(&norm));
            }
        }
        Screening {
            abusive,
            score,
            kinds,
            spans,
            model_version: self.meta.version.clone(),
        }
    }

    /// The words whose n-grams pushed the score up the most (at most three).
    fn model_spans(&self, norm: &crate::normalize::Normalized, x: &[(u32, f32)]) -> Vec<Span> {
        // Words of the normalised text with their original ranges.
        let words: Vec<(u32, u32)> = norm
            .chars
            .split(|n| n.c == ' ')
            .filter_map(|w| Some((w.first()?.start, w.last()?.end)))
            .collect();
        if words.is_empty() {
            return Vec::new();
        }
        let mut contrib = vec![0f32; words.len()];
        // Each bucket's push towards "abusive", looked up once per bucket rather than once per
        // occurrence (the weight array is large; random reads into it dominate).
        let push: Vec<f32> = x
            .iter()
            .map(|&(b, v)| (self.clf.weight(b, 1) - self.clf.weight(b, 0)) * v)
            .collect();
        occurrences(norm, &self.clf.features, &mut |o| {
            let Ok(i) = x.binary_search_by_key(&o.bucket, |e| e.0) else {
                return;
            };
            let idx = words
                .partition_point(|&(s, _)| s <= o.start)
                .saturating_sub(1);
            if let Some(c) = contrib.get_mut(idx) {
                *c += push[i];
            }
        });
        let mut order: Vec<usize> = (0..words.len()).filter(|&i| contrib[i] > 0.0).collect();
        order.sort_by(|&a, &b| contrib[b].total_cmp(&contrib[a]).then(a.cmp(&b)));
        let top = order.first().map_or(0.0, |&i| contrib[i]);
        let mut spans: Vec<Span> = order
            .into_iter()
            .take(3)
            .filter(|&i| contrib[i] >= 0.5 * top)
            .map(|i| Span {
                start: words[i].0 as usize,
                end: words[i].1 as usize,
                reason: format!("model: {:.2}", contrib[i]),
            })
            .collect();
        spans.sort_by_key(|s| s.start);
        spans
    }
}

/// Evaluates `model` on labelled texts (binary report: clean, abusive).
pub fn evaluate_abuse(model: &AbuseModel, items: &[AbuseItem]) -> crate::eval::Report {
    let labels: Vec<String> = LABELS.iter().map(|s| s.to_string()).collect();
    let gold: Vec<usize> = items.iter().map(|it| usize::from(it.abusive)).collect();
    let pred: Vec<usize> = items
        .iter()
        .map(|it| usize::from(model.screen(&it.text).abusive))
        .collect();
    crate::eval::report(&labels, &gold, &pred)
}

/// Texts longer than two of these (in characters) are scored in pieces of about this size: the
/// model learned from comments of a sentence or two.
const CHUNK_CHARS: usize = 200;

/// Maps probability `p` so that the threshold `t` lands on 0.5 (a shift in log-odds), keeping
/// the order of scores and the 0..1 range.
fn calibrate(p: f32, t: f32) -> f32 {
    let logit = |q: f32| {
        let q = q.clamp(1e-6, 1.0 - 1e-6);
        (q / (1.0 - q)).ln()
    };
    let z = logit(p) - logit(t);
    let s = 1.0 / (1.0 + (-z).exp());
    if s.is_finite() {
        s.clamp(0.0, 1.0)
    } else {
        0.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calibrate_puts_threshold_at_half() {
        assert!((calibrate(0.3, 0.3) - 0.5).abs() < 1e-5);
        assert!(calibrate(0.9, 0.3) > 0.5);
        assert!(calibrate(0.1, 0.3) < 0.5);
        assert!(calibrate(f32::NAN, 0.3) >= 0.0);
    }
}
