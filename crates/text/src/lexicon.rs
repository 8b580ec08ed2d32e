//! A small lexicon of abusive expressions (욕설 사전), used to tell the *kind* of abuse and to
//! point at the exact words. The statistical model decides the score; the lexicon explains.
//!
//! Entries are written in normalised form (see [`crate::normalize`]) and matched both on the
//! normalised text and on its squeezed view, so `시1발`, `시 발`, `ㅅㅣㅂㅏㄹ` and `ㅅㅂ` are all
//! found. Words that merely contain an entry (시발점 "starting point", 한남동 a district) are
//! listed as exceptions.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::normalize::NChar;

/// Kind of abuse, where it can be told.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AbuseKind {
    /// Insult or profanity (모욕·욕설).
    Insult,
    /// Threat of violence (협박).
    Threat,
    /// Sexual harassment (성희롱).
    SexualHarassment,
    /// Hate against a group (혐오 표현).
    Hate,
}

impl AbuseKind {
    /// Korean name for display.
    pub fn korean(self) -> &'static str {
        match self {
            Self::Insult => "모욕·욕설",
            Self::Threat => "협박",
            Self::SexualHarassment => "성희롱",
            Self::Hate => "혐오 표현",
        }
    }
}

use AbuseKind::*;

/// (expression, kind). Kept short and unambiguous on purpose: a word that is often harmless
/// (보지 "to see", 자지 "to sleep") is left to the statistical model.
const ENTRIES: &[(&str, AbuseKind)] = &[
    // Profanity and insults.
    ("씨발", Insult),
    ("시발", Insult),
    ("씨바", Insult),
    ("씨빨", Insult),
    ("씨팔", Insult),
    ("시팔", Insult),
    ("쓰발", Insult),
    ("쉬발", Insult),
    ("싀발", Insult),
    ("씨부랄", Insult),
    ("ㅅㅂ", Insult),
    ("ㅆㅂ", Insult),
    ("ㅅ발", Insult),
    ("ㅆ발", Insult),
    ("시ㅂ", Insult),
    ("씨ㅂ", Insult),
    ("십팔", Insult),
    ("18놈", Insult),
    ("병신", Insult),
    ("븅신", Insult),
    ("빙신", Insult),
    ("병싄", Insult),
    ("ㅂㅅ", Insult),
    ("등신", Insult),
    ("개새끼", Insult),
    ("개새기", Insult),
    ("개색기", Insult),
    ("개색히", Insult),
    ("개섀끼", Insult),
    ("개새", Insult),
    ("새끼", Insult),
    ("색히", Insult),
    ("쌔끼", Insult),
    ("섀끼", Insult),
    ("ㅅㄲ", Insult),
    ("좆", Insult),
    ("좃같", Insult),
    ("존나", Insult),
    ("졸라", Insult),
    ("존내", Insult),
    ("ㅈㄴ", Insult),
    ("ㅈ같", Insult),
    ("지랄", Insult),
    ("ㅈㄹ", Insult),
    ("염병", Insult),
    ("엠창", Insult),
    ("느금마", Insult),
    ("니애미", Insult),
    ("니미", Insult),
    ("애미", Insult),
    ("애비", Insult),
    ("닥쳐", Insult),
    ("닥치고", Insult),
    ("꺼져", Insult),
    ("ㄲㅈ", Insult),
    ("미친놈", Insult),
    ("미친년", Insult),
    ("미친새", Insult),
    ("ㅁㅊ", Insult),
    ("또라이", Insult),
    ("쓰레기같", Insult),
    ("미친거", Insult),
    ("미친것", Insult),
    ("돌아이", Insult),
    ("후레자식", Insult),
    ("개소리", Insult),
    ("개돼지", Insult),
    ("멍청이", Insult),
    ("멍청한", Insult),
    ("머저리", Insult),
    ("찐따", Insult),
    ("저능아", Insult),
    ("정신병자", Insult),
    ("개같", Insult),
    ("개년", Insult),
    ("개놈", Insult),
    ("썅", Insult),
    ("쌍년", Insult),
    ("쌍놈", Insult),
    ("엿먹", Insult),
    ("ㅗㅗ", Insult),
    ("븅", Insult),
    ("놈아", Insult),
    ("년아", Insult),
    ("꼰대", Insult),
    ("버러지", Insult),
    ("벌레같", Insult),
    // Threats.
    ("죽여버", Threat),
    ("죽인다", Threat),
    ("죽어라", Threat),
    ("죽어버려", Threat),
    ("뒤져라", Threat),
    ("뒤질래", Threat),
    ("뒈져", Threat),
    ("디져라", Threat),
    ("죽이겠", Threat),
    ("찾아가겠", Threat),
    ("찾아간다", Threat),
    ("가만두지않", Threat),
    ("가만안둬", Threat),
    ("가만안둔", Threat),
    ("불질러", Threat),
    ("패버리", Threat),
    ("때려죽", Threat),
    ("묻어버", Threat),
    ("쏴죽", Threat),
    ("칼로찔", Threat),
    // Sexual harassment.
    ("섹스", SexualHarassment),
    ("떡치", SexualHarassment),
    ("따먹", SexualHarassment),
    ("꼴리", SexualHarassment),
    ("꼴린", SexualHarassment),
    ("창녀", SexualHarassment),
    ("창년", SexualHarassment),
    ("걸레년", SexualHarassment),
    ("빨아줘", SexualHarassment),
    ("성노리개", SexualHarassment),
    ("가슴만지", SexualHarassment),
    ("엉덩이만지", SexualHarassment),
    // Hate against groups.
    ("한남충", Hate),
    ("한남", Hate),
    ("한녀", Hate),
    ("김치녀", Hate),
    ("김치남", Hate),
    ("된장녀", Hate),
    ("메갈", Hate),
    ("꼴페미", Hate),
    ("페미년", Hate),
    ("짱깨", Hate),
    ("짱개", Hate),
    ("쪽바리", Hate),
    ("쪽발이", Hate),
    ("깜둥이", Hate),
    ("틀딱", Hate),
    ("급식충", Hate),
    ("맘충", Hate),
    ("전라디언", Hate),
    ("홍어", Hate),
    ("빨갱이", Hate),
    ("일베충", Hate),
    ("좌빨", Hate),
    ("수꼴", Hate),
    ("토착왜구", Hate),
    ("똥남아", Hate),
    ("개독", Hate),
    ("보슬아치", Hate),
    ("재기해", Hate),
    ("게이새끼", Hate),
    ("외노자", Hate),
    ("노인네", Hate),
    ("조센징", Hate),
];

/// Harmless words containing an entry; a match inside one of these is ignored.
const EXCEPTIONS: &[&str] = &[
    "시발점",
    "시발역",
    "시발택시",
    "시발자동차",
    "새끼손가락",
    "새끼발가락",
    "새끼줄",
    "한남동",
    "한남대교",
    "한남대학",
    "한남대",
    "한남오거리",
    "한남역",
    "홍어회",
    "홍어무침",
    "홍어삼합",
    "니미츠",
    "졸라맨",
    "허리띠를졸라",
    "졸라매",
    "미친듯이",
    "새끼고양",
    "새끼강아",
    "새끼를낳",
    "새끼낳",
    "애비뉴",
    "전염병",
    "감염병",
    "십팔번",
    "놈아이",
];

/// One lexicon hit: where (byte range of the original text) and what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    pub start: usize,
    pub end: usize,
    pub expression: &'static str,
    pub kind: AbuseKind,
}

/// One compiled entry: normalised characters, the expression as written, its kind.
type Entry = (Vec<char>, &'static str, AbuseKind);

/// The compiled lexicon: entries indexed by their first character.
#[derive(Debug)]
pub struct Lexicon {
    by_first: HashMap<char, Vec<Entry>>,
    exceptions: Vec<Vec<char>>,
}

impl Default for Lexicon {
    fn default() -> Self {
        Self::new()
    }
}

impl Lexicon {
    /// The built-in lexicon.
    pub fn new() -> Self {
        let mut by_first: HashMap<char, Vec<Entry>> = HashMap::new();
        for &(expr, kind) in ENTRIES {
            let chars: Vec<char> = crate::normalize::normalize_str(expr).chars().collect();
            if let Some(&first) = chars.first() {
                by_first.entry(first).or_default().push((chars, expr, kind));
            }
        }
        // Longest first, so 개새끼 wins over 새끼 at the same position.
        for v in by_first.values_mut() {
            v.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then(a.1.cmp(b.1)));
        }
        let exceptions = EXCEPTIONS.iter().map(|e| e.chars().collect()).collect();
        Self {
            by_first,
            exceptions,
        }
    }

    /// Finds hits in a character stream (normalised or squeezed view). Spaces inside the stream
    /// are ignored for exception checks so that "허리띠를 졸라" still counts as the exception.
    pub fn find(&self, chars: &[NChar], out: &mut Vec<Hit>) {
        let mut i = 0;
        while i < chars.len() {
            let mut advanced = false;
            if let Some(cands) = self.by_first.get(&chars[i].c) {
                for (pat, expr, kind) in cands {
                    let Some(window) = chars.get(i..i + pat.len()) else {
                        continue;
                    };
                    // A digit right before the match makes it part of a number: 5개년 (five-year),
                    // 2018년.
                    let after_digit = i > 0 && chars[i - 1].c.is_ascii_digit();
                    if window.iter().zip(pat).all(|(n, c)| n.c == *c)
                        && !after_digit
                        && !self.excepted(chars, i)
                    {
                        out.push(Hit {
                            start: window[0].start as usize,
                            end: window[window.len() - 1].end as usize,
                            expression: expr,
                            kind: *kind,
                        });
                        i += pat.len();
                        advanced = true;
                        break;
                    }
                }
            }
            if !advanced {
                i += 1;
            }
        }
    }

    /// Whether position `i` lies inside an exception word.
    fn excepted(&self, chars: &[NChar], i: usize) -> bool {
        self.exceptions.iter().any(|ex| {
            // Try every alignment of the exception that covers position i.
            (0..ex.len()).any(|offset| {
                i >= offset && {
                    let mut j = i - offset;
                    let mut matched = 0;
                    while matched < ex.len() {
                        match chars.get(j) {
                            Some(n) if n.c == ' ' && matched > 0 => j += 1,
                            Some(n) if n.c == ex[matched] => {
                                matched += 1;
                                j += 1;
                            }
                            _ => break,
                        }
                    }
                    matched == ex.len()
                }
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalize::normalize;

    fn hits(text: &str) -> Vec<&'static str> {
        let lx = Lexicon::new();
        let n = normalize(text);
        let mut out = Vec::new();
        lx.find(&n.chars, &mut out);
        lx.find(&n.squeezed(), &mut out);
        out.iter().map(|h| h.expression).collect()
    }

    #[test]
    fn finds_obfuscated() {
        assert!(hits("시1발 뭐야").contains(&"시발"));
        assert!(hits("ㅅㅣㅂㅏㄹ").contains(&"시발"));
        assert!(hits("ㅅㅂ 진짜").contains(&"ㅅㅂ"));
        assert!(hits("ㅄ").contains(&"ㅂㅅ"));
        assert!(hits("이 개새끼야").contains(&"개새끼"));
    }

    #[test]
    fn respects_exceptions() {
        assert!(hits("이곳이 시발점이다").is_empty());
        assert!(hits("한남동 주민센터").is_empty());
        assert!(hits("다시 발표합니다").is_empty());
        assert!(hits("도로 파손 신고합니다").is_empty());
        assert!(hits("코로나19 감염병 예방, 전염병 대책").is_empty());
        assert!(hits("경제개발 5개년 계획, 2018년 기준").is_empty());
    }
}
