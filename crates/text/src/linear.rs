//! Multinomial logistic regression over hashed features (선형 분류기), trained with AdaGrad.
//!
//! Why this and not a neural model: it trains in seconds on two cores, runs at hundreds of
//! thousands of short texts per second, is deterministic, and each weight belongs to a visible
//! n-gram, so the screening can say which words made it fire.
//!
//! Training is deterministic: examples are visited in an order drawn from a fixed-seed generator,
//! all sums run in a fixed order, and no threads are used. The same data and configuration give
//! byte-identical model files on the same platform.

use serde::{Deserialize, Serialize};

use crate::Error;
use crate::features::{FeatureConfig, Sparse};

/// A trained classifier: labels, feature configuration, weights.
#[derive(Debug, Clone)]
pub struct LinearClassifier {
    pub labels: Vec<String>,
    pub features: FeatureConfig,
    /// Feature-major: the weights of bucket `i` are `weights[i*k..(i+1)*k]`.
    weights: Vec<f32>,
    bias: Vec<f32>,
    /// Per-bucket IDF weights when `features.idf` is set, else empty.
    idf: Vec<f32>,
}

/// Training hyper-parameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainConfig {
    pub epochs: u32,
    pub learning_rate: f32,
    /// L2 penalty applied to every weight an example touches.
    pub l2: f32,
    /// 0 = every example counts once; 1 = classes weighted by inverse frequency (balanced).
    pub class_balance: f32,
    pub seed: u64,
    /// Train this many models with consecutive seeds and average their weights. For a linear
    /// model that equals averaging their scores, so it removes most of the run-to-run noise of
    /// SGD at no cost in model size.
    #[serde(default = "one")]
    pub restarts: u32,
}

fn one() -> u32 {
    1
}

impl Default for TrainConfig {
    fn default() -> Self {
        Self {
            epochs: 8,
            learning_rate: 0.3,
            l2: 1e-6,
            class_balance: 0.0,
            seed: 20_260_101,
            restarts: 1,
        }
    }
}

/// A labelled training example; `weight` lets staff corrections count more than old data.
#[derive(Debug, Clone)]
pub struct Example {
    pub features: Sparse,
    pub label: usize,
    pub weight: f32,
}

/// Small deterministic generator (xorshift64*), so training needs no `rand` dependency.
pub(crate) struct Rng(u64);

impl Rng {
    pub(crate) fn new(seed: u64) -> Self {
        // Spread the seed first: `seed | 1` alone would map 2 and 3 to the same stream.
        Self((seed ^ 0x9E37_79B9_7F4A_7C15).wrapping_mul(0xBF58_476D_1CE4_E5B9) | 1)
    }
    pub(crate) fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    /// Fisher–Yates shuffle.
    pub(crate) fn shuffle<T>(&mut self, v: &mut [T]) {
        for i in (1..v.len()).rev() {
            let j = (self.next_u64() % (i as u64 + 1)) as usize;
            v.swap(i, j);
        }
    }
}

const MAGIC: &[u8; 8] = b"MWTXTLC1";

#[derive(Serialize, Deserialize)]
struct Header<M> {
    labels: Vec<String>,
    features: FeatureConfig,
    meta: M,
}

impl LinearClassifier {
    /// Trains a model. `labels[e.label]` names the class of each example.
    pub fn train(
        labels: Vec<String>,
        features: FeatureConfig,
        examples: &[Example],
        cfg: &TrainConfig,
    ) -> Result<Self, Error> {
        let runs = cfg.restarts.max(1);
        let mut avg = Self::train_once(labels.clone(), features.clone(), examples, cfg)?;
        for r in 1..runs {
            let c = TrainConfig {
                seed: cfg.seed.wrapping_add(u64::from(r)),
                ..cfg.clone()
            };
            let m = Self::train_once(labels.clone(), features.clone(), examples, &c)?;
            for (a, w) in avg.weights.iter_mut().zip(&m.weights) {
                *a += w;
            }
            for (a, b) in avg.bias.iter_mut().zip(&m.bias) {
                *a += b;
            }
        }
        let scale = 1.0 / runs as f32;
        avg.weights.iter_mut().for_each(|w| *w *= scale);
        avg.bias.iter_mut().for_each(|b| *b *= scale);
        Ok(avg)
    }

    fn train_once(
        labels: Vec<String>,
        features: FeatureConfig,
        examples: &[Example],
        cfg: &TrainConfig,
    ) -> Result<Self, Error> {
        let k = labels.len();
        if k < 2 {
            return Err(Error::Training("need at least two labels".into()));
        }
        if examples.is_empty() {
            return Err(Error::Training("no training examples".into()));
        }
        if let Some(e) = examples.iter().find(|e| e.label >= k) {
            return Err(Error::Training(format!(
                "label index {} out of range",
                e.label
            )));
        }
        let dim = features.dim();
        let mut model = Self {
            labels,
            features,
            weights: vec![0.0; dim * k],
            bias: vec![0.0; k],
            idf: Vec::new(),
        };
        // Class weights for balancing: (n / (k * n_c)) ^ class_balance.
        let mut counts = vec![0f64; k];
        for e in examples {
            counts[e.label] += 1.0;
        }
        let n = examples.len() as f64;
        let class_w: Vec<f32> = counts
            .iter()
            .map(|&c| {
                if c == 0.0 {
                    1.0
                } else {
                    (n / (k as f64 * c)).powf(cfg.class_balance as f64) as f32
                }
            })
            .collect();

        let mut g2 = vec![0f32; dim * k];
        let mut g2_bias = vec![0f32; k];
        let mut order: Vec<usize> = (0..examples.len()).collect();
        let mut rng = Rng::new(cfg.seed);
        let mut probs = vec![0f32; k];
        const EPS: f32 = 1e-8;
        for _ in 0..cfg.epochs {
            rng.shuffle(&mut order);
            for &idx in &order {
                let e = &examples[idx];
                model.scores_into(&e.features, &mut probs);
                softmax(&mut probs);
                let w = e.weight * class_w[e.label];
                for (c, p) in probs.iter_mut().enumerate() {
                    *p = w * (*p - if c == e.label { 1.0 } else { 0.0 });
                }
                for (c, &g) in probs.iter().enumerate() {
                    g2_bias[c] += g * g;
                    model.bias[c] -= cfg.learning_rate * g / (g2_bias[c].sqrt() + EPS);
                }
                for &(i, v) in &e.features {
                    let base = i as usize * k;
                    let (Some(ws), Some(gs)) = (
                        model.weights.get_mut(base..base + k),
                        g2.get_mut(base..base + k),
                    ) else {
                        continue;
                    };
                    for c in 0..k {
                        let grad = probs[c] * v + cfg.l2 * ws[c];
                        gs[c] += grad * grad;
                        ws[c] -= cfg.learning_rate * grad / (gs[c].sqrt() + EPS);
                    }
                }
            }
        }
        Ok(model)
    }

    /// The feature vector of normalised text as this model expects it.
    pub fn featurize(&self, norm: &crate::normalize::Normalized) -> Sparse {
        let mut x = crate::features::extract_counts(norm, &self.features);
        if self.idf.is_empty() {
            crate::features::l2_normalize(&mut x);
        } else {
            crate::features::apply_idf(&mut x, &self.idf);
        }
        x
    }

    /// Number of classes.
    pub fn n_classes(&self) -> usize {
        self.labels.len()
    }

    /// Raw scores (logits) for each class.
    pub fn scores(&self, x: &Sparse) -> Vec<f32> {
        let mut out = vec![0.0; self.labels.len()];
        self.scores_into(x, &mut out);
        out
    }

    fn scores_into(&self, x: &Sparse, out: &mut [f32]) {
        let k = self.labels.len();
        out.copy_from_slice(&self.bias);
        for &(i, v) in x {
            let base = i as usize * k;
            if let Some(ws) = self.weights.get(base..base + k) {
                for (o, w) in out.iter_mut().zip(ws) {
                    *o += w * v;
                }
            }
        }
    }

    /// Class probabilities.
    pub fn predict_proba(&self, x: &Sparse) -> Vec<f32> {
        let mut p = self.scores(x);
        softmax(&mut p);
        p
    }

    /// Weight of bucket `i` for class `c` (0 when out of range).
    pub fn weight(&self, i: u32, c: usize) -> f32 {
        self.weights
            .get(i as usize * self.labels.len() + c)
            .copied()
            .unwrap_or(0.0)
    }

    /// Serialises the model with a JSON header carrying `meta`.
    ///
    /// Layout: magic, u32 header length, header JSON, then per class an f32 scale, then the
    /// weights quantised to i8 (feature-major), then the f32 biases; all little-endian. Quantising
    /// to one byte per weight keeps the files a few megabytes; the accuracy loss is measured in
    /// docs/benchmarks-text.md (it is below the noise).
    pub fn to_bytes<M: Serialize>(&self, meta: &M) -> Result<Vec<u8>, Error> {
        let header = serde_json::to_vec(&Header {
            labels: self.labels.clone(),
            features: self.features.clone(),
            meta,
        })
        .map_err(|e| Error::Model(e.to_string()))?;
        let k = self.labels.len();
        let scales = class_scales(&self.weights, k, 127.0);
        let mut out = Vec::with_capacity(16 + header.len() + self.weights.len() + 8 * k);
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&(header.len() as u32).to_le_bytes());
        out.extend_from_slice(&header);
        for s in &scales {
            out.extend_from_slice(&s.to_le_bytes());
        }
        for (i, w) in self.weights.iter().enumerate() {
            let q = (w / scales[i % k]).round().clamp(-127.0, 127.0) as i8;
            out.push(q as u8);
        }
        for b in &self.bias {
            out.extend_from_slice(&b.to_le_bytes());
        }
        if self.features.idf {
            if self.idf.len() != self.features.dim() {
                return Err(Error::Model("IDF table missing".into()));
            }
            let step = crate::features::IDF_STEP;
            out.extend(
                self.idf
                    .iter()
                    .map(|v| (v / step).round().clamp(0.0, 255.0) as u8),
            );
        }
        Ok(out)
    }

    /// Reads a model written by [`to_bytes`](Self::to_bytes); returns it with its metadata.
    pub fn from_bytes<M: for<'de> Deserialize<'de>>(bytes: &[u8]) -> Result<(Self, M), Error> {
        let bad = |m: &str| Error::Model(m.to_string());
        let rest = bytes
            .strip_prefix(MAGIC.as_slice())
            .ok_or_else(|| bad("not a minwon text model (bad magic)"))?;
        let (len, rest) = split_u32(rest).ok_or_else(|| bad("truncated header length"))?;
        let len = len as usize;
        if rest.len() < len {
            return Err(bad("truncated header"));
        }
        let (header, rest) = rest.split_at(len);
        let header: Header<M> =
            serde_json::from_slice(header).map_err(|e| Error::Model(format!("header: {e}")))?;
        let k = header.labels.len();
        if k < 2 || header.features.dim_bits > 28 {
            return Err(bad("implausible header"));
        }
        let dim = header.features.dim();
        let idf_len = if header.features.idf { dim } else { 0 };
        let need = 4 * k + dim * k + 4 * k + idf_len;
        if rest.len() != need {
            return Err(Error::Model(format!(
                "weights: expected {need} bytes, found {}",
                rest.len()
            )));
        }
        let (scale_bytes, rest) = rest.split_at(4 * k);
        let (weight_bytes, rest) = rest.split_at(dim * k);
        let (bias_bytes, idf_bytes) = rest.split_at(4 * k);
        let scales = f32s(scale_bytes);
        let weights = weight_bytes
            .iter()
            .enumerate()
            .map(|(i, &b)| (b as i8) as f32 * scales[i % k])
            .collect();
        let model = Self {
            labels: header.labels,
            features: header.features,
            weights,
            bias: f32s(bias_bytes),
            idf: idf_bytes
                .iter()
                .map(|&b| b as f32 * crate::features::IDF_STEP)
                .collect(),
        };
        Ok((model, header.meta))
    }
}

fn split_u32(b: &[u8]) -> Option<(u32, &[u8])> {
    let (head, rest) = b.split_first_chunk::<4>()?;
    Some((u32::from_le_bytes(*head), rest))
}

/// Per-class quantisation scales of feature-major weights: the largest |weight| of each class
/// maps to `top` (127 for 8 bits).
pub(crate) fn class_scales(weights: &[f32], k: usize, top: f32) -> Vec<f32> {
    (0..k)
        .map(|c| {
            let max = weights
                .iter()
                .skip(c)
                .step_by(k)
                .fold(0f32, |m, w| m.max(w.abs()));
            if max > 0.0 { max / top } else { 1.0 }
        })
        .collect()
}

pub(crate) fn f32s(b: &[u8]) -> Vec<f32> {
    b.chunks_exact(4)
        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect()
}

/// In-place softmax, stable against large logits.
pub fn softmax(v: &mut [f32]) {
    let max = v.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let mut sum = 0.0;
    for x in v.iter_mut() {
        *x = (*x - max).exp();
        sum += *x;
    }
    if sum > 0.0 && sum.is_finite() {
        for x in v.iter_mut() {
            *x /= sum;
        }
    }
}

/// 64-bit FNV-1a, used for model version strings (content hash of the weights).
pub fn fnv64(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ b as u64).wrapping_mul(0x0000_0100_0000_01B3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::features::extract;

    fn cfg() -> FeatureConfig {
        FeatureConfig {
            dim_bits: 12,
            max_n: 3,
            squeezed: false,
            choseong: false,
            words: true,
            word_bigrams: false,
            idf: false,
            max_chars: 0,
        }
    }

    fn toy() -> LinearClassifier {
        let data = [
            ("도로 파손", 0),
            ("도로가 깨졌어요", 0),
            ("가로등 고장", 1),
            ("가로등이 꺼졌어요", 1),
        ];
        let ex: Vec<Example> = data
            .iter()
            .map(|(t, l)| Example {
                features: extract(t, &cfg()),
                label: *l,
                weight: 1.0,
            })
            .collect();
        LinearClassifier::train(
            vec!["road".into(), "light".into()],
            cfg(),
            &ex,
            &TrainConfig::default(),
        )
        .unwrap()
    }

    #[test]
    fn learns_and_round_trips() {
        let m = toy();
        let x = extract("가로등 고장났어요", &cfg());
        let p = m.predict_proba(&x);
        assert!(p[1] > p[0]);
        let bytes = m.to_bytes(&"meta").unwrap();
        let (m2, meta): (LinearClassifier, String) = LinearClassifier::from_bytes(&bytes).unwrap();
        assert_eq!(meta, "meta");
        let p2 = m2.predict_proba(&x);
        assert!((p[1] - p2[1]).abs() < 0.05);
        // Deterministic: same data, same bytes.
        assert_eq!(bytes, toy().to_bytes(&"meta").unwrap());
    }

    #[test]
    fn rejects_garbage() {
        assert!(LinearClassifier::from_bytes::<String>(b"").is_err());
        assert!(LinearClassifier::from_bytes::<String>(b"MWTXTLC1\xff\xff\xff\xff").is_err());
        let mut bytes = toy().to_bytes(&"m").unwrap();
        bytes.pop();
        assert!(LinearClassifier::from_bytes::<String>(&bytes).is_err());
    }
}
