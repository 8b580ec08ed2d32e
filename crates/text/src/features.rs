//! Hashed character n-gram features (특징 추출) for the linear classifiers.
//!
//! We hash n-grams into a fixed number of buckets instead of keeping a vocabulary: the model is a
//! flat weight array, training needs no dictionary pass, and an unseen word still maps somewhere.
//! Feature groups, each hashed with its own seed so they do not collide systematically:
//! - character n-grams (1..=`max_n`) over the normalised text with spaces kept, so n-grams inside
//!   words and across word boundaries both count;
//! - character n-grams (2..=`max_n`) over the squeezed view (obfuscations undone);
//! - whole words, and optionally word bigrams.
//!
//! Values are sublinear term frequencies (1 + ln tf), L2-normalised, so that long petitions and
//! short comments live on the same scale.

use serde::{Deserialize, Serialize};

use crate::normalize::{NChar, Normalized, normalize};

/// How text becomes a feature vector. Stored in the model file, so a model always extracts
/// features the way it was trained.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeatureConfig {
    /// log2 of the number of hash buckets.
    pub dim_bits: u8,
    /// Longest character n-gram.
    pub max_n: u8,
    /// Add n-grams of the squeezed (de-obfuscated) view.
    pub squeezed: bool,
    /// Add n-grams of the initial-consonant view (시발 → ㅅㅂ), which ties abbreviations such as
    /// ㅅㅂ to the words they stand for.
    #[serde(default)]
    pub choseong: bool,
    /// Add whole words.
    pub words: bool,
    /// Add pairs of adjacent words.
    pub word_bigrams: bool,
    /// Weight features by inverse document frequency (learned at training, stored in the
    /// model). Helps long petitions, where frequent n-grams drown the telling ones.
    #[serde(default)]
    pub idf: bool,
    /// Only the first this many characters are used (0 = all); long petitions say what they are
    /// about early, and the cap bounds time and memory on megabyte inputs.
    pub max_chars: usize,
}

impl FeatureConfig {
    /// Number of hash buckets.
    pub fn dim(&self) -> usize {
        1usize << self.dim_bits.min(28)
    }
}

/// A sparse feature vector: (bucket, value) sorted by bucket, no duplicates.
pub type Sparse = Vec<(u32, f32)>;

const SEED_CHARS: u64 = 0x9E37_79B9_7F4A_7C15;
const SEED_SQUEEZED: u64 = 0xC2B2_AE3D_27D4_EB4F;
const SEED_WORDS: u64 = 0x1656_67B1_9E37_79F9;
const SEED_CHOSEONG: u64 = 0x85EB_CA77_C2B2_AE63;
const SEED_WORD_PAIRS: u64 = 0x27D4_EB2F_1656_67C5;

/// Mixes one character into a running hash (FxHash step: fast and good enough for bucketing).
#[inline]
fn step(h: u64, c: char) -> u64 {
    (h.rotate_left(5) ^ c as u64).wrapping_mul(0x517C_C1B7_2722_0A95)
}

/// Final avalanche (splitmix64) so that the low bits used as bucket index are well mixed.
#[inline]
fn finish(mut h: u64) -> u64 {
    h ^= h >> 30;
    h = h.wrapping_mul(0xBF58_476D_1CE4_E5B9);
    h ^= h >> 27;
    h = h.wrapping_mul(0x94D0_49BB_1331_11EB);
    h ^ (h >> 31)
}

/// One hashed feature occurrence together with the source range it covers (for explanations).
#[derive(Debug, Clone, Copy)]
pub struct Occurrence {
    pub bucket: u32,
    pub start: u32,
    pub end: u32,
}

/// Visits every n-gram of `chars` with lengths `min_n..=max_n`, skipping n-grams that are only
/// a space.
fn char_ngrams(
    chars: &[NChar],
    min_n: usize,
    max_n: usize,
    seed: u64,
    mask: u64,
    f: &mut impl FnMut(Occurrence),
) {
    for i in 0..chars.len() {
        let mut h = seed;
        for n in 1..=max_n {
            let Some(nc) = chars.get(i + n - 1) else {
                break;
            };
            h = step(h, nc.c);
            if n < min_n || (n == 1 && nc.c == ' ') {
                continue;
            }
            f(Occurrence {
                bucket: (finish(h ^ n as u64) & mask) as u32,
                start: chars[i].start,
                end: nc.end.max(chars[i].start),
            });
        }
    }
}

/// Visits all feature occurrences of already normalised text.
pub fn occurrences(norm: &Normalized, cfg: &FeatureConfig, f: &mut impl FnMut(Occurrence)) {
    let mask = (cfg.dim() as u64).wrapping_sub(1);
    let chars: &[NChar] = if cfg.max_chars > 0 && norm.chars.len() > cfg.max_chars {
        &norm.chars[..cfg.max_chars]
    } else {
        &norm.chars
    };
    if chars.is_empty() {
        return;
    }
    // Pad with spaces so word-initial and word-final n-grams are distinct features.
    let pad = NChar {
        c: ' ',
        start: 0,
        end: 0,
    };
    let mut padded = Vec::with_capacity(chars.len() + 2);
    padded.push(NChar {
        start: chars.first().map_or(0, |c| c.start),
        end: chars.first().map_or(0, |c| c.start),
        ..pad
    });
    padded.extend_from_slice(chars);
    let last = chars.last().map_or(0, |c| c.end);
    padded.push(NChar {
        start: last,
        end: last,
        ..pad
    });
    char_ngrams(&padded, 1, cfg.max_n as usize, SEED_CHARS, mask, f);

    if cfg.squeezed {
        let sq = crate::normalize::Normalized {
            chars: chars.to_vec(),
        }
        .squeezed();
        char_ngrams(&sq, 2, cfg.max_n as usize, SEED_SQUEEZED, mask, f);
    }

    if cfg.choseong {
        // Only syllables and consonants take part; everything else is a boundary.
        let view: Vec<NChar> = chars
            .iter()
            .map(|n| {
                let c = crate::normalize::choseong_of(n.c).unwrap_or(
                    if crate::normalize::is_compat_consonant(n.c) {
                        n.c
                    } else {
                        ' '
                    },
                );
                NChar { c, ..*n }
            })
            .collect();
        for run in view.split(|n| n.c == ' ').filter(|r| r.len() >= 2) {
            char_ngrams(run, 2, 3, SEED_CHOSEONG, mask, f);
        }
    }

    if cfg.words || cfg.word_bigrams {
        let mut prev: Option<(u64, u32)> = None;
        for word in chars.split(|n| n.c == ' ') {
            let (Some(first), Some(lastc)) = (word.first(), word.last()) else {
                continue;
            };
            let h = word.iter().fold(SEED_WORDS, |h, n| step(h, n.c));
            if cfg.words {
                f(Occurrence {
                    bucket: (finish(h) & mask) as u32,
                    start: first.start,
                    end: lastc.end,
                });
            }
            if cfg.word_bigrams
                && let Some((ph, pstart)) = prev
            {
                f(Occurrence {
                    bucket: (finish(SEED_WORD_PAIRS ^ ph.rotate_left(17) ^ h) & mask) as u32,
                    start: pstart,
                    end: lastc.end,
                });
            }
            prev = Some((h, first.start));
        }
    }
}

/// Feature vector of raw text (no IDF weighting), L2-normalised.
pub fn extract(text: &str, cfg: &FeatureConfig) -> Sparse {
    extract_normalized(&normalize(text), cfg)
}

/// Feature vector of normalised text (no IDF weighting), L2-normalised.
pub fn extract_normalized(norm: &Normalized, cfg: &FeatureConfig) -> Sparse {
    let mut x = extract_counts(norm, cfg);
    l2_normalize(&mut x);
    x
}

/// Sublinear term frequencies (1 + ln tf) per bucket, not normalised.
pub fn extract_counts(norm: &Normalized, cfg: &FeatureConfig) -> Sparse {
    let mut buckets: Vec<u32> = Vec::with_capacity(norm.chars.len() * 8);
    occurrences(norm, cfg, &mut |o| buckets.push(o.bucket));
    buckets.sort_unstable();
    let mut out: Sparse = Vec::with_capacity(buckets.len());
    let mut i = 0;
    while i < buckets.len() {
        let b = buckets[i];
        let mut j = i;
        while j < buckets.len() && buckets[j] == b {
            j += 1;
        }
        out.push((b, 1.0 + ((j - i) as f32).ln()));
        i = j;
    }
    out
}

/// Scales `x` to unit length (no-op for the zero vector).
pub fn l2_normalize(x: &mut Sparse) {
    let norm2: f32 = x.iter().map(|(_, v)| v * v).sum::<f32>().sqrt();
    if norm2 > 0.0 {
        for (_, v) in x.iter_mut() {
            *v /= norm2;
        }
    }
}

/// IDF step: the stored table has 1/16 resolution (one byte per bucket in the model file).
pub const IDF_STEP: f32 = 1.0 / 16.0;

/// Smoothed inverse document frequency per bucket, `ln((1+n)/(1+df)) + 1` as scikit-learn
/// computes it, rounded to [`IDF_STEP`] so that training sees exactly what the file stores.
pub fn idf_table(docs: &[Sparse], dim: usize) -> Vec<f32> {
    let mut df = vec![0u32; dim];
    for d in docs {
        for &(i, _) in d {
            if let Some(c) = df.get_mut(i as usize) {
                *c += 1;
            }
        }
    }
    let n = docs.len() as f32;
    df.iter()
        .map(|&c| {
            let idf = ((1.0 + n) / (1.0 + c as f32)).ln() + 1.0;
            ((idf / IDF_STEP).round().clamp(0.0, 255.0)) * IDF_STEP
        })
        .collect()
}

/// Multiplies each value by its bucket's IDF and re-normalises.
pub fn apply_idf(x: &mut Sparse, idf: &[f32]) {
    for (i, v) in x.iter_mut() {
        *v *= idf.get(*i as usize).copied().unwrap_or(1.0);
    }
    l2_normalize(x);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg() -> FeatureConfig {
        FeatureConfig {
            dim_bits: 16,
            max_n: 4,
            squeezed: true,
            choseong: true,
            words: true,
            word_bigrams: true,
            idf: false,
            max_chars: 0,
        }
    }

    #[test]
    fn deterministic_sorted_normalised() {
        let a = extract("도로가 파손되었습니다 ㅋㅋㅋ", &cfg());
        let b = extract("도로가 파손되었습니다 ㅋㅋㅋ", &cfg());
        assert_eq!(a, b);
        assert!(a.windows(2).all(|w| w[0].0 < w[1].0));
        let n: f32 = a.iter().map(|(_, v)| v * v).sum();
        assert!((n - 1.0).abs() < 1e-4);
    }

    #[test]
    fn empty_text_has_no_features() {
        assert!(extract("", &cfg()).is_empty());
        assert!(extract("   ", &cfg()).is_empty());
    }

    #[test]
    fn obfuscation_shares_features() {
        let a: std::collections::BTreeSet<u32> =
            extract("시발", &cfg()).into_iter().map(|x| x.0).collect();
        let b: std::collections::BTreeSet<u32> =
            extract("시1발", &cfg()).into_iter().map(|x| x.0).collect();
        assert!(a.intersection(&b).count() >= 1);
    }
}
