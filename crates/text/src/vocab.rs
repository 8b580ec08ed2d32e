//! Exact term vocabulary with TF-IDF weighting (어휘 사전), for the routing model.
//!
//! Unlike the hashed features of the abuse model, every feature is one known term, kept when it
//! occurs in at least `min_df` training documents; terms never seen in training are ignored. Two
//! blocks, each weighted by sublinear term frequency times IDF and L2-normalised on its own (the
//! design of the strongest scikit-learn pipeline in docs/benchmarks-text.md):
//! - words (maximal runs of letters, digits and `_`) and pairs of adjacent words;
//! - character 1–`char_max_n`-grams inside whitespace-separated words, each word padded with a
//!   space on both sides so that word beginnings and endings are their own features.
//!
//! A term is stored as a 64-bit id (FNV-1a of the term, lowest bit = block), not as text: the
//! office's model is trained on residents' petitions, and the file should not carry their
//! words (names, addresses) in plain text. At 64 bits, two of a million terms collide with
//! probability about 3·10⁻⁸. Ids are stored sorted, so the same training texts always give the
//! same feature indices.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use serde::{Deserialize, Serialize};

use crate::features::{IDF_STEP, Sparse};
use crate::normalize::normalize;

/// How text becomes terms; stored in the model file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VocabConfig {
    /// Longest word n-gram (1 = words, 2 = words and adjacent pairs).
    pub word_max_n: u8,
    /// Longest character n-gram inside a word (0 = no character block).
    pub char_max_n: u8,
    /// A term is kept when at least this many training documents contain it.
    pub min_df: u32,
    /// Only the first this many normalised characters are used (0 = all). Bounds time and memory
    /// on megabyte inputs.
    pub max_chars: usize,
}

/// Words longer than this (in characters) are skipped: base64, URLs and keyboard mashing, never
/// a category's telling word, and they would make the file's term table large.
const MAX_WORD_CHARS: usize = 40;

/// Block tags, the first byte of every term key.
const WORD_TAG: char = 'w';
const CHAR_TAG: char = 'c';

/// Visits every term occurrence of raw `text` as a key: a block tag followed by the term.
/// `buf` is scratch space, so no allocation happens per term.
pub fn for_each_term(text: &str, cfg: &VocabConfig, buf: &mut String, f: &mut impl FnMut(&str)) {
    let norm = normalize(text);
    let chars = if cfg.max_chars > 0 && norm.chars.len() > cfg.max_chars {
        &norm.chars[..cfg.max_chars]
    } else {
        &norm.chars[..]
    };
    let text: Vec<char> = chars.iter().map(|n| n.c).collect();

    if cfg.word_max_n > 0 {
        let is_word = |c: &char| c.is_alphanumeric() || *c == '_';
        let words: Vec<&[char]> = text
            .split(|c| !is_word(c))
            .filter(|w| !w.is_empty())
            .collect();
        for i in 0..words.len() {
            for n in 1..=cfg.word_max_n as usize {
                let Some(gram) = words.get(i..i + n) else {
                    break;
                };
                if gram.iter().any(|w| w.len() > MAX_WORD_CHARS) {
                    break;
                }
                buf.clear();
                buf.push(WORD_TAG);
                for (j, w) in gram.iter().enumerate() {
                    if j > 0 {
                        buf.push(' ');
                    }
                    buf.extend(w.iter());
                }
                f(buf);
            }
        }
    }

    if cfg.char_max_n > 0 {
        let max_n = cfg.char_max_n as usize;
        let mut padded: Vec<char> = Vec::new();
        for w in text.split(|c| *c == ' ').filter(|w| !w.is_empty()) {
            padded.clear();
            padded.push(' ');
            padded.extend_from_slice(w);
            padded.push(' ');
            for n in 1..=max_n {
                if padded.len() <= n {
                    // A word shorter than n counts once, whole (as scikit-learn's `char_wb`).
                    buf.clear();
                    buf.push(CHAR_TAG);
                    buf.extend(padded.iter());
                    f(buf);
                    break;
                }
                for gram in padded.windows(n) {
                    buf.clear();
                    buf.push(CHAR_TAG);
                    buf.extend(gram.iter());
                    f(buf);
                }
            }
        }
    }
}

/// The distinct term keys of `text`, sorted.
pub fn distinct_terms(text: &str, cfg: &VocabConfig) -> Vec<String> {
    let mut out = Vec::new();
    let mut buf = String::new();
    for_each_term(text, cfg, &mut buf, &mut |t| out.push(t.to_string()));
    out.sort_unstable();
    out.dedup();
    out
}

/// The id of a term key: FNV-1a, lowest bit set for the word block.
pub fn term_id(key: &str) -> u64 {
    let h = crate::linear::fnv64(key.as_bytes()) & !1;
    h | u64::from(key.starts_with(WORD_TAG))
}

fn is_word_id(id: u64) -> bool {
    id & 1 == 1
}

/// Term ids are already hashes: the index map uses them as they are.
#[derive(Default)]
struct IdHasher(u64);

impl Hasher for IdHasher {
    fn write(&mut self, bytes: &[u8]) {
        // Only `write_u64` is used for u64 keys; fold anything else in for completeness.
        for &b in bytes {
            self.0 = (self.0.rotate_left(8) ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01B3);
        }
    }

    fn write_u64(&mut self, i: u64) {
        self.0 = i;
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// A term vocabulary with per-term IDF.
#[derive(Debug, Clone, Default)]
pub struct Vocabulary {
    /// Term ids, sorted; a term's position is its feature index.
    ids: Vec<u64>,
    /// IDF of each term, in steps of [`IDF_STEP`] (the resolution of the model file).
    idf: Vec<f32>,
    /// Id → feature index. A binary search over a million ids misses the cache a dozen times
    /// per term; the map once.
    index: HashMap<u64, u32, BuildHasherDefault<IdHasher>>,
}

impl Vocabulary {
    /// Builds the vocabulary of `docs`: terms in at least `cfg.min_df` documents, sorted, with
    /// smoothed IDF `ln((1+n)/(1+df)) + 1` (as scikit-learn computes it).
    pub fn build<S: AsRef<str>>(docs: &[S], cfg: &VocabConfig) -> Self {
        let mut df: HashMap<u64, u32> = HashMap::new();
        let mut buf = String::new();
        let mut doc_ids: Vec<u64> = Vec::new();
        for d in docs {
            doc_ids.clear();
            for_each_term(d.as_ref(), cfg, &mut buf, &mut |t| doc_ids.push(term_id(t)));
            doc_ids.sort_unstable();
            doc_ids.dedup();
            for &id in &doc_ids {
                *df.entry(id).or_insert(0) += 1;
            }
        }
        let n = docs.len() as f32;
        let mut kept: Vec<(u64, u32)> = df
            .into_iter()
            .filter(|(_, c)| *c >= cfg.min_df.max(1))
            .collect();
        kept.sort_unstable();
        let idf = kept
            .iter()
            .map(|(_, c)| quantize_idf(((1.0 + n) / (1.0 + *c as f32)).ln() + 1.0))
            .collect();
        Self::with_index(kept.into_iter().map(|(id, _)| id).collect(), idf)
    }

    fn with_index(ids: Vec<u64>, idf: Vec<f32>) -> Self {
        let index = ids
            .iter()
            .enumerate()
            .map(|(i, &id)| (id, i as u32))
            .collect();
        Self { ids, idf, index }
    }

    /// A vocabulary from stored parts: ids strictly increasing, one IDF per id.
    pub fn from_parts(ids: Vec<u64>, idf: Vec<f32>) -> Option<Self> {
        (ids.len() == idf.len() && ids.windows(2).all(|w| w[0] < w[1]))
            .then(|| Self::with_index(ids, idf))
    }

    /// Number of terms.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// True when no term was kept.
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// The term ids, in feature order.
    pub fn ids(&self) -> &[u64] {
        &self.ids
    }

    /// IDF per term, in feature order.
    pub fn idf(&self) -> &[f32] {
        &self.idf
    }

    /// Feature index of a term key, if known.
    pub fn get(&self, key: &str) -> Option<u32> {
        self.index.get(&term_id(key)).copied()
    }

    /// TF-IDF vector of `text`: (1 + ln tf) × idf per known term, each block L2-normalised;
    /// sorted by feature index. Unknown terms are ignored.
    pub fn featurize(&self, text: &str, cfg: &VocabConfig) -> Sparse {
        let mut found: Vec<u32> = Vec::new();
        let mut buf = String::new();
        for_each_term(text, cfg, &mut buf, &mut |t| {
            if let Some(&i) = self.index.get(&term_id(t)) {
                found.push(i);
            }
        });
        found.sort_unstable();
        let mut out: Sparse = Vec::new();
        for run in found.chunk_by(|a, b| a == b) {
            let i = run[0];
            let idf = self.idf.get(i as usize).copied().unwrap_or(1.0);
            out.push((i, (1.0 + (run.len() as f32).ln()) * idf));
        }
        // Normalise each block on its own: the word block and the character block.
        let is_word = |i: u32| self.ids.get(i as usize).is_some_and(|&id| is_word_id(id));
        for want_word in [true, false] {
            let norm: f32 = out
                .iter()
                .filter(|(i, _)| is_word(*i) == want_word)
                .map(|(_, v)| v * v)
                .sum::<f32>()
                .sqrt();
            if norm > 0.0 {
                out.iter_mut()
                    .filter(|(i, _)| is_word(*i) == want_word)
                    .for_each(|(_, v)| *v /= norm);
            }
        }
        out
    }
}

/// IDF rounded to the file's resolution, so training sees exactly what the file stores.
pub fn quantize_idf(idf: f32) -> f32 {
    (idf / IDF_STEP).round().clamp(0.0, 255.0) * IDF_STEP
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg() -> VocabConfig {
        VocabConfig {
            word_max_n: 2,
            char_max_n: 3,
            min_df: 2,
            max_chars: 0,
        }
    }

    #[test]
    fn terms_are_words_pairs_and_padded_char_ngrams() {
        let t = distinct_terms("도로 파손!", &cfg());
        for want in [
            "w도로",
            "w파손",
            "w도로 파손",
            "c 도",
            "c도로 ",
            "c로",
            "c!",
            "c손! ",
        ] {
            assert!(t.contains(&want.to_string()), "{want} missing from {t:?}");
        }
        // Punctuation separates words but stays inside the character block's words.
        assert!(!t.iter().any(|x| x.starts_with('w') && x.contains('!')));
        // A one-letter word shorter than the n-gram counts once whole.
        assert!(distinct_terms("a", &cfg()).contains(&"c a ".to_string()));
    }

    #[test]
    fn min_df_and_order_are_deterministic() {
        let docs = ["도로 파손 신고", "도로 포장 요청", "가로등 고장"];
        let v = Vocabulary::build(&docs, &cfg());
        assert!(v.get("w도로").is_some());
        assert!(v.get("w파손").is_none(), "in one document only");
        assert!(v.get("w가로등").is_none());
        assert!(v.ids().windows(2).all(|w| w[0] < w[1]));
        let reversed: Vec<&str> = docs.iter().rev().copied().collect();
        let v2 = Vocabulary::build(&reversed, &cfg());
        assert_eq!(v.ids(), v2.ids());
        assert_eq!(v.idf(), v2.idf());
        // min_df 1 keeps everything.
        let all = Vocabulary::build(&docs, &VocabConfig { min_df: 1, ..cfg() });
        assert!(all.get("w가로등").is_some());
        assert!(all.len() > v.len());
    }

    #[test]
    fn unknown_terms_are_ignored_and_blocks_normalised() {
        let docs = ["도로 파손 신고", "도로 포장 요청", "도로 가로등"];
        let v = Vocabulary::build(&docs, &cfg());
        let words_only = VocabConfig {
            char_max_n: 0,
            ..cfg()
        };
        let wv = Vocabulary::build(&docs, &words_only);
        assert!(wv.featurize("전혀 모르는 말 😀", &words_only).is_empty());
        assert_eq!(wv.featurize("모르는 도로", &words_only).len(), 1);
        let x = v.featurize("도로 도로 😀", &cfg());
        assert!(!x.is_empty());
        assert!(x.windows(2).all(|w| w[0].0 < w[1].0));
        let block = |word: bool| -> f32 {
            x.iter()
                .filter(|(i, _)| is_word_id(v.ids()[*i as usize]) == word)
                .map(|(_, v)| v * v)
                .sum()
        };
        assert!((block(true) - 1.0).abs() < 1e-5);
        assert!((block(false) - 1.0).abs() < 1e-5);
    }

    #[test]
    fn bad_input_gives_a_vector() {
        let v = Vocabulary::build(&["도로 파손", "도로 포장"], &cfg());
        let binary: String = (0u8..=255).map(char::from).collect();
        let huge = "도로 ".repeat(200_000);
        let capped = VocabConfig {
            max_chars: 1000,
            ..cfg()
        };
        for t in [
            "",
            " ",
            "\u{0}\u{1}",
            binary.as_str(),
            huge.as_str(),
            "😀😀😀",
        ] {
            let _ = v.featurize(t, &capped);
        }
        assert!(!v.featurize(&huge, &capped).is_empty());
        let long_word: String = (0..100)
            .filter_map(|i| char::from_u32(0xAC00 + i))
            .collect();
        assert!(
            !distinct_terms(&long_word, &cfg())
                .iter()
                .any(|t| t.starts_with('w'))
        );
    }
}
