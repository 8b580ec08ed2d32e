//! Multinomial logistic regression over an exact vocabulary (최대 엔트로피 분류기), trained
//! full-batch with L-BFGS — the routing model.
//!
//! Objective (scikit-learn's `LogisticRegression(C, class_weight="balanced")` up to a constant
//! factor): the weighted mean cross-entropy plus `||W||² / (2 C S)`, where `S` is the sum of the
//! example weights and the biases are not penalised. Each example's weight is its own weight
//! (staff corrections count more) times its class weight `n / (k n_c)` when balancing. The
//! objective is convex, so L-BFGS finds the one optimum whatever the example order.

use serde::{Deserialize, Serialize};

use crate::Error;
use crate::features::{IDF_STEP, Sparse};
use crate::lbfgs::{LbfgsOptions, LbfgsResult, minimize};
use crate::linear::{class_scales, f32s, softmax};
use crate::vocab::{VocabConfig, Vocabulary};

/// Training settings.
#[derive(Debug, Clone, PartialEq)]
pub struct MaxentTrainConfig {
    /// Inverse regularisation strength (larger = weaker penalty), as scikit-learn's `C`.
    pub c: f64,
    /// Weight classes by inverse frequency.
    pub balanced: bool,
    /// Bits per stored weight: 8 or 16.
    pub weight_bits: u8,
    pub lbfgs: LbfgsOptions,
}

/// A labelled, featurised training example.
#[derive(Debug, Clone)]
pub struct MaxentExample {
    pub features: Sparse,
    pub label: usize,
    pub weight: f32,
}

/// A trained model: labels, vocabulary, weights (feature-major), biases.
#[derive(Debug, Clone)]
pub struct MaxentClassifier {
    pub labels: Vec<String>,
    pub config: VocabConfig,
    pub vocab: Vocabulary,
    weights: Vec<f32>,
    bias: Vec<f32>,
    weight_bits: u8,
}

/// The training objective over the parameter vector `[W (feature-major, n_features × k); b (k)]`.
/// Writes the gradient into `grad` and returns the value.
pub fn objective(
    params: &[f64],
    grad: &mut [f64],
    examples: &[MaxentExample],
    example_weights: &[f64],
    k: usize,
    lambda: f64,
) -> f64 {
    let n_w = params.len() - k;
    let (w, b) = params.split_at(n_w);
    grad.iter_mut().for_each(|g| *g = 0.0);
    let mut loss = 0.0;
    let mut z = vec![0.0f64; k];
    for (e, &sw) in examples.iter().zip(example_weights) {
        z.copy_from_slice(b);
        for &(i, v) in &e.features {
            let base = i as usize * k;
            if let Some(ws) = w.get(base..base + k) {
                for (z, w) in z.iter_mut().zip(ws) {
                    *z += w * f64::from(v);
                }
            }
        }
        let max = z.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let sum: f64 = z.iter().map(|z| (z - max).exp()).sum();
        let lse = max + sum.ln();
        loss += sw * (lse - z[e.label]);
        // Residual r_c = sw (p_c - [c = label]).
        for (c, zc) in z.iter_mut().enumerate() {
            *zc = sw * ((*zc - lse).exp() - if c == e.label { 1.0 } else { 0.0 });
        }
        for &(i, v) in &e.features {
            let base = i as usize * k;
            if let Some(gs) = grad.get_mut(base..base + k) {
                for (g, r) in gs.iter_mut().zip(&z) {
                    *g += r * f64::from(v);
                }
            }
        }
        for (g, r) in grad[n_w..].iter_mut().zip(&z) {
            *g += r;
        }
    }
    let mut penalty = 0.0;
    for (g, w) in grad[..n_w].iter_mut().zip(w) {
        penalty += w * w;
        *g += lambda * w;
    }
    loss + 0.5 * lambda * penalty
}

impl MaxentClassifier {
    /// Trains on featurised examples (`labels[e.label]` names each example's class). Returns the
    /// model with its weights in f32 (not yet quantised) and what the optimiser reported.
    pub fn train(
        labels: Vec<String>,
        config: VocabConfig,
        vocab: Vocabulary,
        examples: &[MaxentExample],
        cfg: &MaxentTrainConfig,
    ) -> Result<(Self, LbfgsResult), Error> {
        let k = labels.len();
        if k < 2 {
            return Err(Error::Training("need at least two labels".into()));
        }
        if examples.is_empty() {
            return Err(Error::Training("no training examples".into()));
        }
        if examples.iter().any(|e| e.label >= k) {
            return Err(Error::Training("label index out of range".into()));
        }
        if !(cfg.c.is_finite() && cfg.c > 0.0) {
            return Err(Error::Training("C must be a positive number".into()));
        }
        let mut counts = vec![0f64; k];
        for e in examples {
            counts[e.label] += 1.0;
        }
        let n = examples.len() as f64;
        let weights: Vec<f64> = examples
            .iter()
            .map(|e| {
                let own = if e.weight.is_finite() && e.weight > 0.0 {
                    f64::from(e.weight)
                } else {
                    1.0
                };
                let class = if cfg.balanced {
                    n / (k as f64 * counts[e.label])
                } else {
                    1.0
                };
                own * class
            })
            .collect();
        // Mean loss (divide by S) keeps the objective near 1 whatever the data size, so the
        // optimiser's tolerances mean the same on a few dozen rows as on thousands.
        let total: f64 = weights.iter().sum();
        let weights: Vec<f64> = weights.iter().map(|w| w / total).collect();
        let lambda = 1.0 / (cfg.c * total);
        let n_w = vocab.len() * k;
        let mut params = vec![0.0f64; n_w + k];
        let report = minimize(
            |p, g| objective(p, g, examples, &weights, k, lambda),
            &mut params,
            &cfg.lbfgs,
        );
        let model = Self {
            labels,
            config,
            vocab,
            weights: params[..n_w].iter().map(|&w| w as f32).collect(),
            bias: params[n_w..].iter().map(|&b| b as f32).collect(),
            weight_bits: if cfg.weight_bits >= 16 { 16 } else { 8 },
        };
        Ok((model, report))
    }

    /// Class probabilities of raw text, in label order.
    pub fn predict_proba(&self, text: &str) -> Vec<f32> {
        let x = self.vocab.featurize(text, &self.config);
        let k = self.labels.len();
        let mut z = self.bias.clone();
        for &(i, v) in &x {
            let base = i as usize * k;
            if let Some(ws) = self.weights.get(base..base + k) {
                for (z, w) in z.iter_mut().zip(ws) {
                    *z += w * v;
                }
            }
        }
        softmax(&mut z);
        z
    }

    /// Serialises the model (deterministic).
    ///
    /// Layout: magic `MWTXTVC1`, u32 header length, JSON header (labels, vocabulary
    /// configuration, weight bits, number of terms, `meta`), then the u64 term ids (sorted; see
    /// [`crate::vocab`]), one IDF byte per term (steps of 1/16), per class an f32 scale, the weights
    /// quantised to i8 or i16 (feature-major), the f32 biases; all little-endian.
    pub fn to_bytes<M: Serialize>(&self, meta: &M) -> Result<Vec<u8>, Error> {
        let header = serde_json::to_vec(&Header {
            labels: self.labels.clone(),
            config: self.config.clone(),
            weight_bits: self.weight_bits,
            terms: self.vocab.len(),
            meta,
        })
        .map_err(|e| Error::Model(e.to_string()))?;
        let k = self.labels.len();
        let top = if self.weight_bits == 16 {
            32767.0
        } else {
            127.0
        };
        let scales = class_scales(&self.weights, k, top);
        let mut out = Vec::with_capacity(16 + header.len() + 8 * self.vocab.len() * (k + 1));
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&(header.len() as u32).to_le_bytes());
        out.extend_from_slice(&header);
        for id in self.vocab.ids() {
            out.extend_from_slice(&id.to_le_bytes());
        }
        out.extend(
            self.vocab
                .idf()
                .iter()
                .map(|v| (v / IDF_STEP).round().clamp(0.0, 255.0) as u8),
        );
        for s in &scales {
            out.extend_from_slice(&s.to_le_bytes());
        }
        for (i, w) in self.weights.iter().enumerate() {
            let q = (w / scales[i % k]).round().clamp(-top, top);
            if self.weight_bits == 16 {
                out.extend_from_slice(&(q as i16).to_le_bytes());
            } else {
                out.push((q as i8) as u8);
            }
        }
        for b in &self.bias {
            out.extend_from_slice(&b.to_le_bytes());
        }
        Ok(out)
    }

    /// True when `bytes` starts like a file of this format.
    pub fn is_format(bytes: &[u8]) -> bool {
        bytes.starts_with(MAGIC)
    }

    /// Reads a model written by [`to_bytes`](Self::to_bytes); returns it with its metadata.
    pub fn from_bytes<M: for<'de> Deserialize<'de>>(bytes: &[u8]) -> Result<(Self, M), Error> {
        let bad = |m: &str| Error::Model(m.to_string());
        let rest = bytes
            .strip_prefix(MAGIC.as_slice())
            .ok_or_else(|| bad("not a minwon routing model (bad magic)"))?;
        let (len, rest) = take(rest, 4).ok_or_else(|| bad("truncated header length"))?;
        let len = u32::from_le_bytes([len[0], len[1], len[2], len[3]]) as usize;
        let (header, rest) = take(rest, len).ok_or_else(|| bad("truncated header"))?;
        let header: Header<M> =
            serde_json::from_slice(header).map_err(|e| Error::Model(format!("header: {e}")))?;
        let k = header.labels.len();
        let wb = match header.weight_bits {
            8 => 1,
            16 => 2,
            _ => return Err(bad("weight bits must be 8 or 16")),
        };
        // Refuse term counts the file cannot hold before allocating for them.
        if k < 2 || header.terms > rest.len() / 8 {
            return Err(bad("implausible header"));
        }
        let n = header.terms;
        let (id_bytes, rest) = rest.split_at(8 * n);
        let ids: Vec<u64> = id_bytes
            .chunks_exact(8)
            .map(|b| u64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]))
            .collect();
        let need = n + 4 * k + n * k * wb + 4 * k;
        if rest.len() != need {
            return Err(Error::Model(format!(
                "weights: expected {need} bytes, found {}",
                rest.len()
            )));
        }
        let (idf, rest) = rest.split_at(n);
        let (scale_bytes, rest) = rest.split_at(4 * k);
        let (weight_bytes, bias_bytes) = rest.split_at(n * k * wb);
        let scales = f32s(scale_bytes);
        let weights = if wb == 2 {
            weight_bytes
                .chunks_exact(2)
                .enumerate()
                .map(|(i, b)| f32::from(i16::from_le_bytes([b[0], b[1]])) * scales[i % k])
                .collect()
        } else {
            weight_bytes
                .iter()
                .enumerate()
                .map(|(i, &b)| f32::from(b as i8) * scales[i % k])
                .collect()
        };
        let idf = idf.iter().map(|&b| f32::from(b) * IDF_STEP).collect();
        let vocab = Vocabulary::from_parts(ids, idf).ok_or_else(|| bad("term ids not sorted"))?;
        let model = Self {
            labels: header.labels,
            config: header.config,
            vocab,
            weights,
            bias: f32s(bias_bytes),
            weight_bits: header.weight_bits,
        };
        Ok((model, header.meta))
    }
}

const MAGIC: &[u8; 8] = b"MWTXTVC1";

#[derive(Serialize, Deserialize)]
struct Header<M> {
    labels: Vec<String>,
    config: VocabConfig,
    weight_bits: u8,
    terms: usize,
    meta: M,
}

fn take(b: &[u8], n: usize) -> Option<(&[u8], &[u8])> {
    (b.len() >= n).then(|| b.split_at(n))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vocab::term_id;

    fn ex(features: Sparse, label: usize) -> MaxentExample {
        MaxentExample {
            features,
            label,
            weight: 1.0,
        }
    }

    #[test]
    fn gradient_matches_finite_differences() {
        let k = 3;
        let examples = vec![
            ex(vec![(0, 0.6), (2, 0.8)], 0),
            ex(vec![(1, 1.0)], 1),
            ex(vec![(0, 0.3), (1, 0.4), (3, 0.866)], 2),
            ex(vec![(3, 1.0)], 0),
        ];
        let sw = [0.1, 0.4, 0.2, 0.3];
        let n = 4 * k + k;
        let params: Vec<f64> = (0..n).map(|i| ((i * 7 % 11) as f64 - 5.0) / 7.0).collect();
        let mut grad = vec![0.0; n];
        objective(&params, &mut grad, &examples, &sw, k, 0.05);
        let mut scratch = vec![0.0; n];
        for i in 0..n {
            let h = 1e-6;
            let mut p = params.clone();
            p[i] += h;
            let up = objective(&p, &mut scratch, &examples, &sw, k, 0.05);
            p[i] -= 2.0 * h;
            let down = objective(&p, &mut scratch, &examples, &sw, k, 0.05);
            let numeric = (up - down) / (2.0 * h);
            assert!(
                (numeric - grad[i]).abs() < 1e-6,
                "parameter {i}: analytic {} numeric {numeric}",
                grad[i]
            );
        }
    }

    fn labels() -> Vec<String> {
        vec!["a".into(), "b".into()]
    }

    fn config() -> VocabConfig {
        VocabConfig {
            word_max_n: 1,
            char_max_n: 0,
            min_df: 1,
            max_chars: 0,
        }
    }

    fn train_cfg(c: f64, balanced: bool) -> MaxentTrainConfig {
        MaxentTrainConfig {
            c,
            balanced,
            weight_bits: 16,
            lbfgs: LbfgsOptions {
                max_iter: 500,
                gtol: 1e-9,
                ftol: 0.0,
                ..LbfgsOptions::default()
            },
        }
    }

    #[test]
    fn reaches_the_known_optimum_of_a_non_separable_problem() {
        // One feature x = 1 on every example, 3 of class b and 1 of class a, no usable penalty
        // on the bias: the optimum has p(b) = 3/4 exactly; with a strong penalty on the weight
        // the weights stay near 0 and the biases carry it: b_b - b_a = ln 3.
        let vocab = Vocabulary::from_parts(vec![term_id("wx")], vec![1.0]).unwrap();
        let data: Vec<MaxentExample> = [0, 1, 1, 1]
            .iter()
            .map(|&l| ex(vec![(0, 1.0)], l))
            .collect();
        let (m, r) =
            MaxentClassifier::train(labels(), config(), vocab, &data, &train_cfg(1e-6, false))
                .unwrap();
        assert!(r.converged, "{r:?}");
        let p = m.predict_proba("x");
        assert!((p[1] - 0.75).abs() < 1e-4, "{p:?}");
        assert!(((m.bias[1] - m.bias[0]) as f64 - 3f64.ln()).abs() < 1e-3);
        // Balanced classes: both classes weigh the same, so p(b) = 1/2.
        let vocab = Vocabulary::from_parts(vec![term_id("wx")], vec![1.0]).unwrap();
        let (m, _) =
            MaxentClassifier::train(labels(), config(), vocab, &data, &train_cfg(1e-6, true))
                .unwrap();
        assert!((m.predict_proba("x")[1] - 0.5).abs() < 1e-4);
    }

    #[test]
    fn separable_problem_and_file_round_trip() {
        let docs = ["도로 파손", "도로 구멍", "가로등 고장", "가로등 꺼짐"];
        let vocab = Vocabulary::build(&docs, &config());
        let data: Vec<MaxentExample> = docs
            .iter()
            .zip([0, 0, 1, 1])
            .map(|(d, l)| ex(vocab.featurize(d, &config()), l))
            .collect();
        for bits in [8, 16] {
            let cfg = MaxentTrainConfig {
                weight_bits: bits,
                ..train_cfg(10.0, true)
            };
            let (m, _) =
                MaxentClassifier::train(labels(), config(), vocab.clone(), &data, &cfg).unwrap();
            assert!(m.predict_proba("가로등")[1] > 0.8);
            assert!(m.predict_proba("도로")[0] > 0.8);
            let bytes = m.to_bytes(&"meta").unwrap();
            // Terms are stored as ids: the residents' words are not in the file.
            assert!(
                !bytes
                    .windows("가로등".len())
                    .any(|w| w == "가로등".as_bytes())
            );
            let (m2, meta): (MaxentClassifier, String) =
                MaxentClassifier::from_bytes(&bytes).unwrap();
            assert_eq!(meta, "meta");
            assert_eq!(m2.to_bytes(&"meta").unwrap(), bytes);
            let (p, p2) = (
                m.predict_proba("가로등 도로"),
                m2.predict_proba("가로등 도로"),
            );
            assert!((p[0] - p2[0]).abs() < if bits == 8 { 0.02 } else { 1e-3 });
            // Truncated or altered files are refused, not read.
            assert!(MaxentClassifier::from_bytes::<String>(&bytes[..bytes.len() - 1]).is_err());
            assert!(MaxentClassifier::from_bytes::<String>(&bytes[..20]).is_err());
        }
        assert!(MaxentClassifier::from_bytes::<String>(b"MWTXTVC1\xff\xff\xff\xff").is_err());
    }
}
