//! Routing (민원 분류·배정): suggest the petition type or handling department (담당부서) from the
//! text. The same linear machinery as the abuse model, with one output per category.
//!
//! It learns from any (text, label) pairs: the office's closed petitions, read by the binary from
//! the database, and staff corrections, which are simply examples with a larger weight. A
//! suggestion never decides: it gives the best category, its probability and the runners-up.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::Error;
use crate::features::{FeatureConfig, apply_idf, extract_counts, idf_table, l2_normalize};
use crate::linear::{Example, LinearClassifier, TrainConfig, fnv64};
use crate::normalize::normalize;

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

/// A routing model.
#[derive(Debug, Clone)]
pub struct Router {
    clf: LinearClassifier,
    meta: RouterMeta,
}

/// Options for [`train_routing`].
#[derive(Debug, Clone)]
pub struct RoutingTrainOptions {
    pub features: FeatureConfig,
    pub train: TrainConfig,
    pub trained_on: String,
}

impl Default for RoutingTrainOptions {
    /// The shipped settings, chosen on a Jan–Jun train / Jul dev split of the Blue House data
    /// (docs/benchmarks-text.md): character 1–2-grams and words with IDF, balanced classes,
    /// many small AdaGrad steps.
    fn default() -> Self {
        Self {
            features: FeatureConfig {
                dim_bits: 18,
                max_n: 2,
                squeezed: false,
                choseong: false,
                words: true,
                word_bigrams: false,
                idf: true,
                max_chars: 3000,
            },
            train: TrainConfig {
                epochs: 40,
                learning_rate: 0.05,
                l2: 1e-5,
                class_balance: 1.0,
                seed: 11,
                restarts: 1,
            },
            trained_on: String::new(),
        }
    }
}

/// Trains a router. Labels are sorted, so the same examples in any order name classes the same
/// way; the examples' order still matters for the training shuffle.
pub fn train_routing(
    examples: &[RoutingExample],
    opts: &RoutingTrainOptions,
) -> Result<Router, Error> {
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
    let mut feats: Vec<_> = examples
        .iter()
        .map(|e| extract_counts(&normalize(&e.text), &opts.features))
        .collect();
    let idf = if opts.features.idf {
        idf_table(&feats, opts.features.dim())
    } else {
        Vec::new()
    };
    for x in &mut feats {
        if idf.is_empty() {
            l2_normalize(x);
        } else {
            apply_idf(x, &idf);
        }
    }
    let exs: Vec<Example> = examples
        .iter()
        .zip(feats)
        .map(|(e, features)| Example {
            features,
            label: labels.binary_search(&e.label).unwrap_or(0),
            weight: if e.weight.is_finite() && e.weight > 0.0 {
                e.weight
            } else {
                1.0
            },
        })
        .collect();
    let clf =
        LinearClassifier::train(labels, opts.features.clone(), &exs, &opts.train)?.with_idf(idf);
    let mut meta = RouterMeta {
        version: String::new(),
        trained_on: opts.trained_on.clone(),
    };
    // Ship what we measure: reload through the quantised file format.
    let bytes = clf.to_bytes(&meta)?;
    meta.version = format!("routing-{:016x}", fnv64(&bytes));
    let (clf, _) = LinearClassifier::from_bytes::<RouterMeta>(&bytes)?;
    Ok(Router { clf, meta })
}

impl Router {
    /// Loads a model file.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, Error> {
        let (clf, meta) = LinearClassifier::from_bytes(bytes)?;
        Ok(Self { clf, meta })
    }

    /// Serialises the model (deterministic).
    pub fn to_bytes(&self) -> Result<Vec<u8>, Error> {
        self.clf.to_bytes(&self.meta)
    }

    /// The categories this model knows, sorted.
    pub fn labels(&self) -> &[String] {
        &self.clf.labels
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
        self.clf
            .predict_proba(&self.clf.featurize(&normalize(text)))
    }

    /// The best category and the `k` best overall (k is at least 1).
    pub fn suggest(&self, text: &str, k: usize) -> Suggestion {
        let probs = self.probabilities(text);
        let mut order: Vec<usize> = (0..probs.len()).collect();
        order.sort_by(|&a, &b| probs[b].total_cmp(&probs[a]).then(a.cmp(&b)));
        let top: Vec<(String, f32)> = order
            .iter()
            .take(k.max(1))
            .map(|&i| (self.clf.labels[i].clone(), probs[i]))
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
        o.features.dim_bits = 14;
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
}
