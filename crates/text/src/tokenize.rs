//! Tokenizer shared by search and similarity (토큰화).
//!
//! Korean attaches particles and endings to words (파손 → 파손된, 파손이), so a word index alone
//! misses most matches and a morphological analyser needs a dictionary we cannot download at build
//! time. Character bigrams inside each Hangul word find the stem inside inflected forms; the whole
//! word is emitted too so exact words rank higher. A two-syllable word (파손, 민원) is its own
//! bigram and is emitted once.
//!
//! Words are maximal runs of letters or digits of one script class: Hangul, Han (한자), other
//! letters (Latin etc.), digits. `CCTV설치` gives `cctv` and `설치`. Latin words and numbers are
//! emitted whole (lower-cased); Hangul and Han words also as bigrams.

use unicode_normalization::UnicodeNormalization;

/// One token: its normalised text and the byte range in the input it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    pub text: String,
    pub start: usize,
    pub end: usize,
    /// Position of the token in the stream (for phrase queries): the word's index for the word
    /// token, and consecutive positions are not guaranteed to be adjacent characters.
    pub position: u32,
    pub kind: TokenKind,
}

/// Whether the token is a whole word or a character bigram inside a word.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    Word,
    Bigram,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    Hangul,
    Han,
    Letter,
    Digit,
    Other,
}

fn class_of(c: char) -> Class {
    if crate::normalize::is_hangul(c) {
        Class::Hangul
    } else if matches!(c as u32, 0x4E00..=0x9FFF | 0x3400..=0x4DBF | 0xF900..=0xFAFF) {
        Class::Han
    } else if c.is_alphabetic() {
        Class::Letter
    } else if c.is_numeric() {
        Class::Digit
    } else {
        Class::Other
    }
}

/// Longest word we index whole; longer runs (base64 blobs, URLs without spaces) only get bigrams
/// or are cut, so that garbage cannot blow up the index.
const MAX_WORD_CHARS: usize = 40;

/// Splits `text` into tokens with byte offsets into `text`.
pub fn tokenize(text: &str) -> Vec<Token> {
    let mut tokens = Vec::new();
    let mut position = 0u32;
    for (start, end, class) in words(text) {
        let word = &text[start..end];
        emit_word(word, start, class, &mut position, &mut tokens);
    }
    tokens
}

/// Only the token strings (what an index or BM25 needs).
pub fn token_strings(text: &str) -> Vec<String> {
    tokenize(text).into_iter().map(|t| t.text).collect()
}

/// Byte ranges and classes of the words in `text`.
fn words(text: &str) -> Vec<(usize, usize, Class)> {
    let mut out = Vec::new();
    let mut current: Option<(usize, Class)> = None;
    for (i, c) in text.char_indices() {
        // Combining marks belong to the word before them.
        if unicode_normalization::char::canonical_combining_class(c) != 0 && current.is_some() {
            continue;
        }
        let class = class_of(c);
        match current {
            Some((_, k)) if k == class && class != Class::Other => {}
            Some((s, k)) => {
                if k != Class::Other {
                    out.push((s, i, k));
                }
                current = Some((i, class));
            }
            None => current = Some((i, class)),
        }
    }
    if let Some((s, k)) = current
        && k != Class::Other
    {
        out.push((s, text.len(), k));
    }
    out
}

fn fold(s: &str, class: Class) -> String {
    // NFC keeps Hangul (NFKC would turn compatibility jamo such as ㅋ into conjoining ones);
    // NFKC elsewhere, so full-width ＣＣＴＶ and １２３ match cctv and 123; lower case. (The
    // abuse normaliser does more; search must stay predictable for the officials who type
    // queries.)
    if class == Class::Hangul {
        s.nfc().flat_map(char::to_lowercase).collect()
    } else {
        s.nfkc().flat_map(char::to_lowercase).collect()
    }
}

fn emit_word(word: &str, start: usize, class: Class, position: &mut u32, out: &mut Vec<Token>) {
    let folded = fold(word, class);
    let chars: Vec<char> = folded.chars().collect();
    let mut push = |text: String, s: usize, e: usize, kind: TokenKind| {
        out.push(Token {
            text,
            start: s,
            end: e,
            position: *position,
            kind,
        });
    };
    if chars.len() <= MAX_WORD_CHARS {
        push(folded.clone(), start, start + word.len(), TokenKind::Word);
    }
    let bigrams = matches!(class, Class::Hangul | Class::Han) && chars.len() > 2;
    if bigrams {
        // Offsets of each bigram: exact when folding did not change the word (the usual case),
        // otherwise the whole word.
        let exact = folded == word;
        let offsets: Vec<usize> = word.char_indices().map(|(i, _)| start + i).collect();
        for i in 0..chars.len() - 1 {
            let text: String = chars[i..i + 2].iter().collect();
            let (s, e) = match (exact, offsets.get(i), offsets.get(i + 2)) {
                (true, Some(&s), Some(&e)) => (s, e),
                (true, Some(&s), None) => (s, start + word.len()),
                _ => (start, start + word.len()),
            };
            push(text, s, e, TokenKind::Bigram);
        }
    }
    *position += 1;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(s: &str) -> Vec<String> {
        token_strings(s)
    }

    #[test]
    fn two_syllable_words_found_once() {
        assert_eq!(texts("파손 민원"), vec!["파손", "민원"]);
    }

    #[test]
    fn bigrams_inside_longer_words() {
        assert_eq!(texts("파손된"), vec!["파손된", "파손", "손된"]);
    }

    #[test]
    fn scripts_split_and_latin_whole() {
        assert_eq!(
            texts("CCTV설치 2024년!"),
            vec!["cctv", "설치", "2024", "년"]
        );
    }

    #[test]
    fn offsets_are_into_input() {
        let s = "도로 파손된 곳";
        for t in tokenize(s) {
            assert!(s.is_char_boundary(t.start) && s.is_char_boundary(t.end));
            assert_eq!(fold(&s[t.start..t.end], Class::Hangul), t.text);
        }
    }

    #[test]
    fn full_width_matches_ascii() {
        assert_eq!(texts("ＣＣＴＶ １２３"), vec!["cctv", "123"]);
    }

    #[test]
    fn empty_and_punctuation() {
        assert!(tokenize("").is_empty());
        assert!(tokenize("!!! ... ???").is_empty());
    }
}
