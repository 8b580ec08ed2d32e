//! Normalisation of Korean text (정규화).
//!
//! Every output character remembers the byte range of the ORIGINAL text it came from, so that
//! whatever we find on the normalised text (an abusive word, a model feature) can be shown to the
//! official on the text the resident actually wrote.
//!
//! Steps, in order:
//! 1. Unicode NFC (NFKC for non-Hangul characters, so full-width `ＡＢＣ１` becomes `abc1`),
//!    lower-casing, removal of zero-width characters, control characters become spaces.
//! 2. Conjoining jamo (U+1100 block) are mapped to compatibility jamo (U+3131 block) and runs of
//!    stray jamo (자모) are composed into syllables where a consonant is followed by a vowel
//!    (`ㅅㅣㅂㅏㄹ` → `시발`); lone consonants such as `ㅋㅋ` or `ㅅㅂ` stay as they are.
//! 3. Runs of the same character longer than two collapse to two (`ㅋㅋㅋㅋ` → `ㅋㅋ`), runs of
//!    whitespace collapse to one space.
//!
//! The *squeezed* view ([`Normalized::squeezed`]) additionally undoes the usual obfuscations of
//! abusive words: digits and punctuation inside a word are dropped (`시1발` → `시발`) and runs of
//! single-syllable words are joined (`시 발 놈` → `시발놈`).

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::canonical_combining_class;

/// One character of normalised text and the byte range `start..end` of the original text it came
/// from. Inserted characters (the separators of the squeezed view) have `start == end`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NChar {
    pub c: char,
    pub start: u32,
    pub end: u32,
}

/// Normalised text with its mapping back to the original.
#[derive(Debug, Clone, Default)]
pub struct Normalized {
    pub chars: Vec<NChar>,
}

impl Normalized {
    /// The normalised text as a string.
    pub fn text(&self) -> String {
        self.chars.iter().map(|n| n.c).collect()
    }

    /// The squeezed view: Hangul only, obfuscation undone. Words are separated by a single space.
    pub fn squeezed(&self) -> Vec<NChar> {
        squeeze(&self.chars)
    }
}

/// Normalises `text`; see the module documentation.
pub fn normalize(text: &str) -> Normalized {
    let unicode = unicode_pass(text);
    let composed = compose_jamo(&unicode);
    Normalized {
        chars: collapse_repeats(&composed),
    }
}

/// Convenience: the normalised text as a plain string.
pub fn normalize_str(text: &str) -> String {
    normalize(text).text()
}

// ---------------------------------------------------------------------------------------------
// Step 1: Unicode normal form, case, invisible characters.

fn is_invisible(c: char) -> bool {
    // Zero-width space/joiners, BOM, soft hyphen, word joiner: used to hide words from filters.
    matches!(
        c,
        '\u{200B}' | '\u{200C}' | '\u{200D}' | '\u{2060}' | '\u{FEFF}' | '\u{00AD}'
    )
}

fn unicode_pass(text: &str) -> Vec<NChar> {
    let mut out = Vec::with_capacity(text.len());
    let mut indices = text.char_indices().peekable();
    let mut cluster = String::new();
    while let Some((start, first)) = indices.next() {
        // A cluster is a starter plus the combining marks that follow it; normal forms never
        // reorder or compose across starters except for Hangul, which we handle ourselves.
        let mut end = start + first.len_utf8();
        let mut simple = first.is_ascii();
        cluster.clear();
        cluster.push(first);
        while let Some(&(i, c)) = indices.peek() {
            if canonical_combining_class(c) == 0 {
                break;
            }
            cluster.push(c);
            end = i + c.len_utf8();
            simple = false;
            indices.next();
        }
        let (s, e) = (start as u32, end as u32);
        let mut push = |c: char| {
            if is_invisible(c) {
                return;
            }
            let c = if c.is_control() || c.is_whitespace() {
                ' '
            } else {
                c
            };
            for l in c.to_lowercase() {
                out.push(NChar {
                    c: l,
                    start: s,
                    end: e,
                });
            }
        };
        if simple {
            push(first);
        } else if is_hangul_jamo(first) || is_hangul_syllable(first) {
            // NFKC would turn compatibility jamo into conjoining jamo; NFC keeps them.
            for c in cluster.nfc() {
                push(c);
            }
        } else {
            for c in cluster.nfkc() {
                push(c);
            }
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Step 2: jamo.

const SYLLABLE_BASE: u32 = 0xAC00;
const SYLLABLE_LAST: u32 = 0xD7A3;

/// Hangul syllable block (가..힣).
pub fn is_hangul_syllable(c: char) -> bool {
    (SYLLABLE_BASE..=SYLLABLE_LAST).contains(&(c as u32))
}

/// Compatibility jamo (ㄱ..ㅣ) or conjoining jamo (U+1100..U+11FF).
pub fn is_hangul_jamo(c: char) -> bool {
    matches!(c as u32, 0x3131..=0x318E | 0x1100..=0x11FF)
}

/// Any Hangul letter: syllable or jamo.
pub fn is_hangul(c: char) -> bool {
    is_hangul_syllable(c) || is_hangul_jamo(c)
}

/// Compatibility consonants in code-point order (U+3131..=U+314E).
const COMPAT_CONSONANTS: [char; 30] = [
    'ㄱ', 'ㄲ', 'ㄳ', 'ㄴ', 'ㄵ', 'ㄶ', 'ㄷ', 'ㄸ', 'ㄹ', 'ㄺ', 'ㄻ', 'ㄼ', 'ㄽ', 'ㄾ', 'ㄿ', 'ㅀ',
    'ㅁ', 'ㅂ', 'ㅃ', 'ㅄ', 'ㅅ', 'ㅆ', 'ㅇ', 'ㅈ', 'ㅉ', 'ㅊ', 'ㅋ', 'ㅌ', 'ㅍ', 'ㅎ',
];
/// Initial consonants (초성) in syllable order.
const CHOSEONG: [char; 19] = [
    'ㄱ', 'ㄲ', 'ㄴ', 'ㄷ', 'ㄸ', 'ㄹ', 'ㅁ', 'ㅂ', 'ㅃ', 'ㅅ', 'ㅆ', 'ㅇ', 'ㅈ', 'ㅉ', 'ㅊ', 'ㅋ',
    'ㅌ', 'ㅍ', 'ㅎ',
];
/// Final consonants (종성) in syllable order; index 0 is "no final".
const JONGSEONG: [char; 28] = [
    '\0', 'ㄱ', 'ㄲ', 'ㄳ', 'ㄴ', 'ㄵ', 'ㄶ', 'ㄷ', 'ㄹ', 'ㄺ', 'ㄻ', 'ㄼ', 'ㄽ', 'ㄾ', 'ㄿ', 'ㅀ',
    'ㅁ', 'ㅂ', 'ㅄ', 'ㅅ', 'ㅆ', 'ㅇ', 'ㅈ', 'ㅊ', 'ㅋ', 'ㅌ', 'ㅍ', 'ㅎ',
];

fn choseong_index(c: char) -> Option<u32> {
    CHOSEONG.iter().position(|&x| x == c).map(|i| i as u32)
}

fn jongseong_index(c: char) -> Option<u32> {
    JONGSEONG
        .iter()
        .skip(1)
        .position(|&x| x == c)
        .map(|i| i as u32 + 1)
}

/// Vowel index 0..21 of a compatibility vowel (ㅏ U+314F ..= ㅣ U+3163).
fn vowel_index(c: char) -> Option<u32> {
    let u = c as u32;
    (0x314F..=0x3163).contains(&u).then(|| u - 0x314F)
}

/// Maps a conjoining jamo (U+1100 block) to its compatibility form, so that one composer
/// handles both.
fn conjoining_to_compat(c: char) -> char {
    let u = c as u32;
    let mapped = match u {
        0x1100..=0x1112 => CHOSEONG.get((u - 0x1100) as usize).copied(),
        0x1161..=0x1175 => char::from_u32(0x314F + (u - 0x1161)),
        0x11A8..=0x11C2 => JONGSEONG.get((u - 0x11A8 + 1) as usize).copied(),
        _ => None,
    };
    mapped.unwrap_or(c)
}

/// The initial consonant of a syllable, e.g. 시 → ㅅ (used for ㅅㅂ-style matching).
pub fn choseong_of(c: char) -> Option<char> {
    if !is_hangul_syllable(c) {
        return None;
    }
    let idx = (c as u32 - SYLLABLE_BASE) / (21 * 28);
    CHOSEONG.get(idx as usize).copied()
}

fn compose_jamo(chars: &[NChar]) -> Vec<NChar> {
    let mapped: Vec<NChar> = chars
        .iter()
        .map(|n| NChar {
            c: conjoining_to_compat(n.c),
            ..*n
        })
        .collect();
    let mut out = Vec::with_capacity(mapped.len());
    let mut i = 0;
    while i < mapped.len() {
        let cur = mapped[i];
        let lead = choseong_index(cur.c);
        let vowel = mapped.get(i + 1).and_then(|n| vowel_index(n.c));
        if let (Some(l), Some(v)) = (lead, vowel) {
            // A final consonant joins only if it does not start the next syllable itself.
            let mut t = 0;
            let mut end = mapped[i + 1].end;
            let mut used = 2;
            if let Some(next) = mapped.get(i + 2) {
                let starts_next = mapped
                    .get(i + 3)
                    .is_some_and(|n| vowel_index(n.c).is_some());
                if let (Some(j), false) = (jongseong_index(next.c), starts_next) {
                    t = j;
                    end = next.end;
                    used = 3;
                }
            }
            let code = SYLLABLE_BASE + (l * 21 + v) * 28 + t;
            if let Some(c) = char::from_u32(code) {
                out.push(NChar {
                    c,
                    start: cur.start,
                    end,
                });
                i += used;
                continue;
            }
        }
        // ㅄ is the single-letter spelling of ㅂㅅ (병신); expand so both spellings match.
        if cur.c == 'ㅄ' {
            out.push(NChar { c: 'ㅂ', ..cur });
            out.push(NChar { c: 'ㅅ', ..cur });
        } else {
            out.push(cur);
        }
        i += 1;
    }
    out
}

/// Whether `c` is a compatibility consonant (ㄱ..ㅎ).
pub fn is_compat_consonant(c: char) -> bool {
    COMPAT_CONSONANTS.contains(&c)
}

// ---------------------------------------------------------------------------------------------
// Step 3: repeats and whitespace.

fn collapse_repeats(chars: &[NChar]) -> Vec<NChar> {
    let mut out: Vec<NChar> = Vec::with_capacity(chars.len());
    let mut run = 0usize;
    for n in chars {
        let same = out.last().is_some_and(|p| p.c == n.c);
        run = if same { run + 1 } else { 1 };
        let limit = if n.c == ' ' { 1 } else { 2 };
        if run > limit {
            // Extend the kept character's source range so spans cover the whole run.
            if let Some(last) = out.last_mut() {
                last.end = n.end;
            }
            continue;
        }
        if n.c == ' ' && out.is_empty() {
            continue;
        }
        out.push(*n);
    }
    while out.last().is_some_and(|n| n.c == ' ') {
        out.pop();
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Squeezed view.

fn squeeze(chars: &[NChar]) -> Vec<NChar> {
    // Words of Hangul letters only, with their source ranges.
    let mut words: Vec<Vec<NChar>> = Vec::new();
    for word in chars.split(|n| n.c == ' ') {
        // Digits before the first letter stay: they make a number (2018년, 5개년), not an
        // obfuscation, and the lexicon must see them to leave such words alone.
        let first_letter = word
            .iter()
            .position(|n| is_hangul(n.c))
            .unwrap_or(word.len());
        let kept: Vec<NChar> = word
            .iter()
            .enumerate()
            .filter(|&(i, n)| is_hangul(n.c) || (i < first_letter && n.c.is_ascii_digit()))
            .map(|(_, n)| *n)
            .collect();
        if !kept.is_empty() {
            words.push(kept);
        }
    }
    let mut out = Vec::new();
    let mut prev_single = false;
    for w in words {
        let single = w.len() == 1;
        // Join runs of one-letter words (시 발 → 시발); otherwise keep a word boundary.
        let join = single && prev_single;
        if !out.is_empty() && !join {
            out.push(NChar {
                c: ' ',
                start: w[0].start,
                end: w[0].start,
            });
        }
        prev_single = single;
        out.extend(w);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn composes_stray_jamo() {
        assert_eq!(normalize_str("ㅅㅣㅂㅏㄹ"), "시발");
        assert_eq!(normalize_str("ㅎㅏㄴㄱㅡㄹ"), "한글");
        assert_eq!(normalize_str("ㅋㅋ"), "ㅋㅋ");
        assert_eq!(normalize_str("ㅄ"), "ㅂㅅ");
    }

    #[test]
    fn conjoining_jamo_become_syllables() {
        // 한 written as conjoining jamo (NFD).
        assert_eq!(normalize_str("\u{1112}\u{1161}\u{11AB}"), "한");
        let nfd: String = "민원 파손".nfd().collect();
        assert_eq!(normalize_str(&nfd), "민원 파손");
    }

    #[test]
    fn collapses_repeats_and_space() {
        assert_eq!(normalize_str("ㅋㅋㅋㅋㅋ  대박!!!!"), "ㅋㅋ 대박!!");
        assert_eq!(normalize_str("  \t a \n"), "a");
    }

    #[test]
    fn width_case_and_invisible() {
        assert_eq!(normalize_str("ＡＢＣ１"), "abc1");
        assert_eq!(normalize_str("시\u{200B}발"), "시발");
    }

    #[test]
    fn squeezed_undoes_obfuscation() {
        let sq = |s: &str| -> String { normalize(s).squeezed().iter().map(|n| n.c).collect() };
        assert_eq!(sq("시1발"), "시발");
        assert_eq!(sq("시 발 놈아"), "시발 놈아");
        assert_eq!(sq("다시 발표"), "다시 발표");
        assert_eq!(sq("ㅅ.ㅂ"), "ㅅㅂ");
        assert_eq!(sq("5개년 2018년"), "5개년 2018년");
    }

    #[test]
    fn offsets_point_into_original() {
        let text = "아 ㅅㅣㅂㅏㄹ";
        let n = normalize(text);
        let si = n.chars.iter().find(|c| c.c == '시').unwrap();
        assert_eq!(&text[si.start as usize..si.end as usize], "ㅅㅣ");
    }
}
