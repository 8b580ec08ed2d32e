//! Similar petitions (유사 민원): an in-memory BM25 index over the shared tokenizer, and
//! near-duplicate clustering (중복 민원 묶음) so that one answer can serve many residents
//! writing about the same pothole.
//!
//! The index is rebuilt from the database by the binary; it is small (postings of token ids)
//! and deterministic: equal scores are ordered by document id.

use std::collections::{BTreeSet, HashMap};

use crate::tokenize::tokenize;

/// BM25 parameters (the usual defaults).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bm25Params {
    pub k1: f32,
    pub b: f32,
}

impl Default for Bm25Params {
    fn default() -> Self {
        Self { k1: 1.2, b: 0.75 }
    }
}

/// An in-memory BM25 index. Document ids are the caller's (e.g. petition ids).
#[derive(Debug, Clone, Default)]
pub struct Bm25Index {
    params: Bm25Params,
    ids: Vec<u64>,
    lengths: Vec<u32>,
    total_len: u64,
    vocab: HashMap<String, u32>,
    /// Per token id: (document index, term frequency), in insertion order.
    postings: Vec<Vec<(u32, u32)>>,
    /// Document indices removed by [`remove`](Self::remove).
    removed: BTreeSet<u32>,
}

/// A search hit.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Hit {
    pub id: u64,
    pub score: f32,
}

impl Bm25Index {
    /// Empty index with default parameters.
    pub fn new() -> Self {
        Self::default()
    }

    /// Empty index with the given parameters.
    pub fn with_params(params: Bm25Params) -> Self {
        Self {
            params,
            ..Self::default()
        }
    }

    /// Number of live documents.
    pub fn len(&self) -> usize {
        self.ids.len() - self.removed.len()
    }

    /// Whether no live document is indexed.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Adds a document. Adding an id twice indexes both versions; call
    /// [`remove`](Self::remove) first to replace one.
    pub fn add(&mut self, id: u64, text: &str) {
        let doc = self.ids.len() as u32;
        let mut tf: HashMap<u32, u32> = HashMap::new();
        let mut len = 0u32;
        for t in tokenize(text) {
            let next = self.vocab.len() as u32;
            let tid = *self.vocab.entry(t.text).or_insert(next);
            if tid as usize == self.postings.len() {
                self.postings.push(Vec::new());
            }
            *tf.entry(tid).or_insert(0) += 1;
            len += 1;
        }
        let mut entries: Vec<(u32, u32)> = tf.into_iter().collect();
        entries.sort_unstable();
        for (tid, n) in entries {
            if let Some(p) = self.postings.get_mut(tid as usize) {
                p.push((doc, n));
            }
        }
        self.ids.push(id);
        self.lengths.push(len);
        self.total_len += u64::from(len);
    }

    /// Removes every document with this id from results.
    pub fn remove(&mut self, id: u64) {
        for (i, &d) in self.ids.iter().enumerate() {
            if d == id && self.removed.insert(i as u32) {
                self.total_len -= u64::from(self.lengths[i]);
            }
        }
    }

    /// The `k` best documents for `query`, best first; ties by id.
    pub fn search(&self, query: &str, k: usize) -> Vec<Hit> {
        let n = self.len() as f32;
        if n == 0.0 || k == 0 {
            return Vec::new();
        }
        let avg = (self.total_len as f32 / n).max(1.0);
        // Query terms, each once, in first-seen order (a fixed summation order).
        let mut seen = BTreeSet::new();
        let terms: Vec<u32> = tokenize(query)
            .into_iter()
            .filter_map(|t| self.vocab.get(&t.text).copied())
            .filter(|tid| seen.insert(*tid))
            .collect();
        let mut scores: HashMap<u32, f32> = HashMap::new();
        let Bm25Params { k1, b } = self.params;
        for tid in terms {
            let Some(post) = self.postings.get(tid as usize) else {
                continue;
            };
            let df = post
                .iter()
                .filter(|(d, _)| !self.removed.contains(d))
                .count() as f32;
            if df == 0.0 {
                continue;
            }
            let idf = (1.0 + (n - df + 0.5) / (df + 0.5)).ln();
            for &(d, tf) in post {
                if self.removed.contains(&d) {
                    continue;
                }
                let len = self.lengths[d as usize] as f32;
                let tf = tf as f32;
                let s = idf * tf * (k1 + 1.0) / (tf + k1 * (1.0 - b + b * len / avg));
                *scores.entry(d).or_insert(0.0) += s;
            }
        }
        let mut hits: Vec<Hit> = scores
            .into_iter()
            .map(|(d, score)| Hit {
                id: self.ids[d as usize],
                score,
            })
            .collect();
        hits.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.id.cmp(&b.id)));
        hits.truncate(k);
        hits
    }
}

// ---------------------------------------------------------------------------------------------
// Near-duplicate clustering.

/// Character 3-gram shingles of the normalised text without spaces, as hashes. Working on
/// characters rather than words makes "포트홀이 생겼어요" and "포트홀 생겼습니다" overlap.
fn shingles(text: &str) -> BTreeSet<u64> {
    let chars: Vec<char> = crate::normalize::normalize(text)
        .chars
        .iter()
        .map(|n| n.c)
        .filter(|c| c.is_alphanumeric())
        .collect();
    let mut out = BTreeSet::new();
    if chars.len() < 3 {
        if !chars.is_empty() {
            out.insert(hash_chars(&chars, 0));
        }
        return out;
    }
    for w in chars.windows(3) {
        out.insert(hash_chars(w, 0));
    }
    out
}

fn hash_chars(cs: &[char], seed: u64) -> u64 {
    let mut h = 0xcbf2_9ce4_8422_2325u64 ^ seed;
    for &c in cs {
        h = (h ^ c as u64).wrapping_mul(0x0000_0100_0000_01B3);
    }
    mix(h)
}

fn mix(mut h: u64) -> u64 {
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    h ^ (h >> 33)
}

fn jaccard(a: &BTreeSet<u64>, b: &BTreeSet<u64>) -> f32 {
    if a.is_empty() && b.is_empty() {
        return 0.0;
    }
    let inter = a.intersection(b).count();
    let union = a.len() + b.len() - inter;
    inter as f32 / union as f32
}

struct UnionFind(Vec<usize>);

impl UnionFind {
    fn find(&mut self, mut x: usize) -> usize {
        while self.0[x] != x {
            self.0[x] = self.0[self.0[x]];
            x = self.0[x];
        }
        x
    }
    fn union(&mut self, a: usize, b: usize) {
        let (ra, rb) = (self.find(a), self.find(b));
        // The smaller index becomes the root: deterministic cluster representatives.
        if ra != rb {
            let (lo, hi) = if ra < rb { (ra, rb) } else { (rb, ra) };
            self.0[hi] = lo;
        }
    }
}

const BANDS: usize = 16;
const ROWS: usize = 4;

/// Groups near-duplicate texts: two texts are linked when the Jaccard similarity of their
/// character 3-gram sets is at least `threshold` (0.5 is a good start), and clusters are the
/// connected components. Returns clusters of two or more indices into `texts`, each sorted, the
/// clusters ordered by their first index.
///
/// Candidate pairs come from MinHash with locality-sensitive banding (16 bands of 4 rows), so
/// the cost grows with the number of similar pairs rather than with all pairs; every candidate
/// is then checked with the exact Jaccard similarity, so there are no false links.
pub fn cluster_duplicates(texts: &[&str], threshold: f32) -> Vec<Vec<usize>> {
    let sets: Vec<BTreeSet<u64>> = texts.iter().map(|t| shingles(t)).collect();
    let sigs: Vec<[u64; BANDS * ROWS]> = sets
        .iter()
        .map(|s| {
            let mut sig = [u64::MAX; BANDS * ROWS];
            for &h in s {
                for (i, slot) in sig.iter_mut().enumerate() {
                    let v = mix(h ^ (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15));
                    if v < *slot {
                        *slot = v;
                    }
                }
            }
            sig
        })
        .collect();
    let mut uf = UnionFind((0..texts.len()).collect());
    let mut checked: BTreeSet<(usize, usize)> = BTreeSet::new();
    for band in 0..BANDS {
        let mut buckets: HashMap<u64, Vec<usize>> = HashMap::new();
        for (i, sig) in sigs.iter().enumerate() {
            if sets[i].is_empty() {
                continue;
            }
            let key = sig[band * ROWS..(band + 1) * ROWS]
                .iter()
                .fold(band as u64, |h, &v| mix(h ^ v));
            buckets.entry(key).or_default().push(i);
        }
        let mut groups: Vec<Vec<usize>> = buckets.into_values().filter(|g| g.len() > 1).collect();
        groups.sort();
        for g in groups {
            for (x, &a) in g.iter().enumerate() {
                for &b in &g[x + 1..] {
                    if checked.insert((a, b)) && jaccard(&sets[a], &sets[b]) >= threshold {
                        uf.union(a, b);
                    }
                }
            }
        }
    }
    let mut clusters: HashMap<usize, Vec<usize>> = HashMap::new();
    for i in 0..texts.len() {
        let r = uf.find(i);
        clusters.entry(r).or_default().push(i);
    }
    let mut out: Vec<Vec<usize>> = clusters.into_values().filter(|c| c.len() > 1).collect();
    for c in &mut out {
        c.sort_unstable();
    }
    out.sort();
    out
}

/// Exact Jaccard similarity of two texts' character 3-gram sets (0..1), for display.
pub fn similarity(a: &str, b: &str) -> f32 {
    jaccard(&shingles(a), &shingles(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bm25_finds_two_syllable_word_in_inflected_form() {
        let mut ix = Bm25Index::new();
        ix.add(1, "우리 동네 도로가 파손되었습니다");
        ix.add(2, "가로등이 고장났어요");
        ix.add(3, "공원 벤치 파손 신고");
        let hits = ix.search("파손", 10);
        let ids: Vec<u64> = hits.iter().map(|h| h.id).collect();
        assert_eq!(ids.len(), 2);
        assert!(ids.contains(&1) && ids.contains(&3));
        assert!(ix.search("", 5).is_empty());
        ix.remove(3);
        assert_eq!(ix.search("파손", 10).len(), 1);
        assert_eq!(ix.len(), 2);
    }

    #[test]
    fn bm25_ranks_closer_document_first() {
        let mut ix = Bm25Index::new();
        ix.add(10, "불법 주차 단속을 요청합니다");
        ix.add(11, "도로 파손 보수 요청");
        ix.add(12, "인도 파손 보수 요청합니다 도로 파손");
        let hits = ix.search("인도 파손 보수", 3);
        assert_eq!(hits[0].id, 12);
        assert!(hits.iter().all(|h| h.id != 10));
    }

    #[test]
    fn clusters_near_duplicates() {
        let texts = [
            "OO동 123번지 앞 도로에 포트홀이 생겨 위험합니다. 보수 부탁드립니다.",
            "가로등이 꺼져 있어요",
            "OO동 123번지 앞 도로에 포트홀이 생겨서 위험합니다 보수 부탁드려요",
            "OO동 123번지 앞 도로에 포트홀이 생겨 위험합니다. 빠른 보수 부탁드립니다.",
            "",
        ];
        let c = cluster_duplicates(&texts, 0.5);
        assert_eq!(c, vec![vec![0, 2, 3]]);
        assert!(similarity(texts[0], texts[1]) < 0.2);
    }
}
