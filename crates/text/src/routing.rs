//! Routing (민원 분류·배정): suggest the petition type or handling department (담당부서) from the
//! text. The same linear machinery as the abuse model, with one output per category.
//!
//! It learns from any (text, label) pairs: the office's closed petitions, read by the binary from
//! the database, and staff corrections, which are simply examples with a larger weight. A
//! suggestion never decides: it gives the best category, its probability and the runners-up.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::Error;
use crate::lbfgs::{LbfgsOptions, LbfgsResult};
use crate::linear::{LinearClassifier, fnv64};
use crate::maxent::{MaxentClassifier, MaxentExample, MaxentTrainConfig};
use crate::normalize::normalize;
use crate::vocab::{VocabConfig, Vocabulary};

/// A labelled text for training; `weight` > 1 for staff corrections.
#[derive(Debug, Clone, PartialEq)]
pub struct RoutingExample {
    pub text: String,
    pub label: String,
    pub weight: f32,
}

/// One suggestion: the best category and the top-k with probabilities.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Suggestion {
    pub category: String,
    /// Probability of `category`, 0..1.
    pub score: f32,
    /// Best first; ties broken by label order.
    pub top: Vec<(String, f32)>,
    pub model_version: String,
}

/// Settings stored with the model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RouterMeta {
    /// Content-derived version, e.g. `routing-1a2b3c4d5e6f7a8b`.
    pub version: String,
    /// Free-form provenance (data set, split).
    pub trained_on: String,
}

/// The two model kinds a router file can hold.
#[derive(Debug, Clone)]
enum Model {
    /// Exact vocabulary, L-BFGS (`MWTXTVC1`): what [`train_routing`] builds.
    Vocab(MaxentClassifier),
    /// Hashed features, AdaGrad (`MWTXTLC1`): files written before 2026-11-25, still readable
    /// so an office's trained model keeps working until it is retrained.
    Hashed(LinearClassifier),
}

/// A routing model.
#[derive(Debug, Clone)]
pub struct Router {
    model: Model,
    meta: RouterMeta,
}

/// Options for [`train_routing`].
#[derive(Debug, Clone)]
pub struct RoutingTrainOptions {
    pub vocab: VocabConfig,
    pub train: MaxentTrainConfig,
    pub trained_on: String,
}

impl Default for RoutingTrainOptions {
    /// The shipped settings (docs/benchmarks-text.md, third attempt): words and within-word
    /// character 1–3-grams kept in at least two documents, TF-IDF per block, balanced classes,
    /// C = 1; C and the word pairs (left out) were chosen on the mean macro-F1 of two
    /// development splits (January–June / July and January–May / June–July); 8-bit weights.
    fn default() -> Self {
        Self {
            vocab: VocabConfig {
                word_max_n: 1,
                char_max_n: 3,
                min_df: 2,
                max_chars: 10_000,
            },
            train: MaxentTrainConfig {
                c: 1.0,
                balanced: true,
                weight_bits: 8,
                lbfgs: LbfgsOptions {
                    history: 7,
                    max_iter: 200,
                    gtol: 1e-5,
                    ftol: 1e-9,
                },
            },
            trained_on: String::new(),
        }
    }
}

/// Trains a router. Labels are sorted and the optimum of the convex objective does not depend
/// on the examples' order (up to rounding), so the same examples give the same model.
pub fn train_routing(
    examples: &[RoutingExample],
    opts: &RoutingTrainOptions,
) -> Result<Router, Error> {
    train_routing_with_report(examples, opts).map(|(r, _)| r)
}

/// [`train_routing`], also returning what the optimiser reported (iterations, convergence).
pub fn train_routing_with_report(
    examples: &[RoutingExample],
    opts: &RoutingTrainOptions,
) -> Result<(Router, LbfgsResult), Error> {
    let labels: Vec<String> = examples
        .iter()
        .map(|e| e.label.clone())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    if labels.len() < 2 {
        return Err(Error::Training(
            "routing needs examples of at least two categories".into(),
        ));
    }
    let texts: Vec<&str> = examples.iter().map(|e| e.text.as_str()).collect();
    let vocab = Vocabulary::build(&texts, &opts.vocab);
    let exs: Vec<MaxentExample> = examples
        .iter()
        .map(|e| MaxentExample {
            features: vocab.featurize(&e.text, &opts.vocab),
            label: labels.binary_search(&e.label).unwrap_or(0),
            weight: e.weight,
        })
        .collect();
    let (clf, report) =
        MaxentClassifier::train(labels, opts.vocab.clone(), vocab, &exs, &opts.train)?;
    let mut meta = RouterMeta {
        version: String::new(),
        trained_on: opts.trained_on.clone(),
    };
    // Ship what we measure: reload through the quantised file format.
    let bytes = clf.to_bytes(&meta)?;
    meta.version = format!("routing-{:016x}", fnv64(&bytes));
    let (clf, _) = MaxentClassifier::from_bytes::<RouterMeta>(&bytes)?;
    Ok((
        Router {
            model: Model::Vocab(clf),
            meta,
        },
        report,
    ))
}

impl Router {
    /// Loads a model file (either format).
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, Error> {
        if MaxentClassifier::is_format(bytes) {
            let (clf, meta) = MaxentClassifier::from_bytes(bytes)?;
            return Ok(Self {
                model: Model::Vocab(clf),
                meta,
            });
        }
        let (clf, meta) = LinearClassifier::from_bytes(bytes)?;
        Ok(Self {
            model: Model::Hashed(clf),
            meta,
        })
    }

    /// Serialises the model (deterministic).
    pub fn to_bytes(&self) -> Result<Vec<u8>, Error> {
        match &self.model {
            Model::Vocab(m) => m.to_bytes(&self.meta),
            Model::Hashed(m) => m.to_bytes(&self.meta),
        }
    }

    /// The categories this model knows, sorted.
    pub fn labels(&self) -> &[String] {
        match &self.model {
            Model::Vocab(m) => &m.labels,
            Model::Hashed(m) => &m.labels,
        }
    }

    /// Model version.
    pub fn version(&self) -> &str {
        &self.meta.version
    }

    /// Stored provenance.
    pub fn meta(&self) -> &RouterMeta {
        &self.meta
    }

    /// Probabilities for every label, in [`labels`](Self::labels) order.
    pub fn probabilities(&self, text: &str) -> Vec<f32> {
        match &self.model {
            Model::Vocab(m) => m.predict_proba(text),
            Model::Hashed(m) => m.predict_proba(&m.featurize(&normalize(text))),
        }
    }

    /// The best category and the `k` best overall (k is at least 1).
    pub fn suggest(&self, text: &str, k: usize) -> Suggestion {
        let probs = self.probabilities(text);
        let labels = self.labels();
        let mut order: Vec<usize> = (0..probs.len()).collect();
        order.sort_by(|&a, &b| probs[b].total_cmp(&probs[a]).then(a.cmp(&b)));
        let top: Vec<(String, f32)> = order
            .iter()
            .take(k.max(1))
            .map(|&i| (labels[i].clone(), probs[i]))
            .collect();
        let (category, score) = top.first().cloned().unwrap_or_default();
        Suggestion {
            category,
            score,
            top,
            model_version: self.meta.version.clone(),
        }
    }
}

/// Evaluates `router` on labelled texts. Gold labels the model does not know count as errors
/// (they appear in the report with zero recall).
pub fn evaluate_routing(router: &Router, examples: &[RoutingExample]) -> crate::eval::Report {
    let mut labels: Vec<String> = router.labels().to_vec();
    for e in examples {
        if !labels.contains(&e.label) {
            labels.push(e.label.clone());
        }
    }
    let index = |l: &str| labels.iter().position(|x| x == l).unwrap_or(0);
    let gold: Vec<usize> = examples.iter().map(|e| index(&e.label)).collect();
    let pred: Vec<usize> = examples
        .iter()
        .map(|e| index(&router.suggest(&e.text, 1).category))
        .collect();
    crate::eval::report(&labels, &gold, &pred)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ex(text: &str, label: &str) -> RoutingExample {
        RoutingExample {
            text: text.into(),
            label: label.into(),
            weight: 1.0,
        }
    }

    fn small() -> RoutingTrainOptions {
        let mut o = RoutingTrainOptions::default();
        o.vocab.min_df = 1;
        o
    }

    #[test]
    fn learns_corrections_and_round_trips() {
        let data = vec![
            ex("도로 포장이 파손되어 위험합니다", "도로과"),
            ex("도로에 구멍이 났어요 보수 바랍니다", "도로과"),
            ex("가로등이 고장나서 밤길이 어둡습니다", "건설과"),
            ex("놀이터 가로등 점검 요청", "건설과"),
            ex("불법 주차 차량 단속 요청", "교통과"),
            ex("주차 단속 카메라 설치 요청", "교통과"),
        ];
        let r = train_routing(&data, &small()).unwrap();
        let s = r.suggest("가로등 고장 신고", 2);
        assert_eq!(s.category, "건설과");
        assert_eq!(s.top.len(), 2);
        assert!(s.score > 0.0 && s.score <= 1.0);
        let r2 = Router::from_bytes(&r.to_bytes().unwrap()).unwrap();
        assert_eq!(r2.suggest("가로등 고장 신고", 1).category, "건설과");
        assert_eq!(r.to_bytes().unwrap(), r2.to_bytes().unwrap());
        assert!(train_routing(&data[..2], &small()).is_err());
    }

    #[test]
    fn empty_text_still_answers() {
        let data = vec![ex("도로 파손", "a"), ex("가로등 고장", "b")];
        let r = train_routing(&data, &small()).unwrap();
        let s = r.suggest("", 3);
        assert_eq!(s.top.len(), 2);
    }

    #[test]
    fn a_few_dozen_office_rows_train_with_the_shipped_settings() {
        let topics = [
            ("도로과", ["도로 파손", "도로 구멍", "포장 보수"]),
            ("건설과", ["가로등 고장", "가로등 꺼짐", "공사 소음"]),
            ("교통과", ["불법 주차", "주차 단속", "신호등 고장"]),
        ];
        let mut data = Vec::new();
        for i in 0..10 {
            for (label, texts) in &topics {
                data.push(ex(&format!("{} 민원 {i}번입니다", texts[i % 3]), label));
            }
        }
        // A staff correction counts more.
        data.push(RoutingExample {
            weight: 3.0,
            ..ex("신호등 고장 민원", "교통과")
        });
        let opts = RoutingTrainOptions::default();
        let (r, report) = train_routing_with_report(&data, &opts).unwrap();
        assert!(report.iterations > 0);
        assert_eq!(r.labels(), ["건설과", "교통과", "도로과"]);
        assert_eq!(r.suggest("주차 단속 부탁합니다", 1).category, "교통과");
        assert_eq!(r.suggest("도로에 구멍", 1).category, "도로과");
        // Deterministic: the same rows give the same file.
        let again = train_routing(&data, &opts).unwrap();
        assert_eq!(r.to_bytes().unwrap(), again.to_bytes().unwrap());
        assert_eq!(r.version(), again.version());
        // Rows with nothing in common still train (bias only) and answer.
        let bare = train_routing(&[ex("ㄱ", "a"), ex("ㄴ", "b")], &opts).unwrap();
        assert_eq!(bare.suggest("아무 말", 2).top.len(), 2);
    }

    #[test]
    fn bad_input_always_gets_a_suggestion() {
        let data = vec![
            ex("도로 파손", "a"),
            ex("도로 구멍", "a"),
            ex("가로등 고장", "b"),
            ex("가로등 꺼짐", "b"),
        ];
        let r = train_routing(&data, &small()).unwrap();
        let binary: String = (0u32..2000).filter_map(char::from_u32).collect();
        let huge = "가로등 고장 ".repeat(300_000);
        for t in ["", "\u{0}", "😀🙏🏻👍", binary.as_str(), huge.as_str()] {
            let s = r.suggest(t, 5);
            assert_eq!(s.top.len(), 2);
            assert!(s.score.is_finite() && s.score > 0.0);
        }
        assert_eq!(r.suggest(&huge, 1).category, "b");
        // NaN or negative weights count as 1 rather than poisoning training.
        let mut odd = data.clone();
        odd[0].weight = f32::NAN;
        odd[1].weight = -2.0;
        assert!(train_routing(&odd, &small()).is_ok());
    }

    #[test]
    fn files_of_the_hashed_format_still_load() {
        use crate::features::{FeatureConfig, extract};
        use crate::linear::{Example, TrainConfig};
        let cfg = FeatureConfig {
            dim_bits: 10,
            max_n: 2,
            squeezed: false,
            choseong: false,
            words: true,
            word_bigrams: false,
            idf: false,
            max_chars: 0,
        };
        let exs: Vec<Example> = [("도로 파손", 0), ("가로등 고장", 1)]
            .iter()
            .map(|(t, l)| Example {
                features: extract(t, &cfg),
                label: *l,
                weight: 1.0,
            })
            .collect();
        let clf = LinearClassifier::train(
            vec!["a".into(), "b".into()],
            cfg,
            &exs,
            &TrainConfig::default(),
        )
        .unwrap();
        let meta = RouterMeta {
            version: "routing-old".into(),
            trained_on: "test".into(),
        };
        let bytes = clf.to_bytes(&meta).unwrap();
        let r = Router::from_bytes(&bytes).unwrap();
        assert_eq!(r.version(), "routing-old");
        assert_eq!(r.suggest("가로등", 1).category, "b");
        assert_eq!(r.to_bytes().unwrap(), bytes);
        assert!(Router::from_bytes(b"MWTXTVC1").is_err());
        assert!(Router::from_bytes(b"").is_err());
    }
}
