//! Personal data (개인정보): the one masking rule (DOMAIN.md section 8).
//!
//! Different masking rules combined can reveal data, so every page, API answer, log line and
//! export masks through [`mask`] and nothing else.

use serde::{Deserialize, Serialize};

/// The kinds of personal data Minwon holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PersonalKind {
    /// A person's name: 김*용 (first and last character kept).
    Name,
    /// Resident registration number (주민등록번호): 900101-*******.
    ResidentNumber,
    /// Phone number: 010-****-1234.
    Phone,
    /// Email: the first two characters of the mailbox, then the domain.
    Email,
    /// Address: kept down to the road name (도로명), the rest hidden.
    Address,
}

/// Masks one value of personal data. Never returns the input unchanged unless it is empty.
pub fn mask(kind: PersonalKind, value: &str) -> String {
    let value = value.trim();
    if value.is_empty() {
        return String::new();
    }
    match kind {
        PersonalKind::Name => mask_name(value),
        PersonalKind::ResidentNumber => {
            let digits: String = value.chars().filter(char::is_ascii_digit).collect();
            let birth: String = digits.chars().take(6).collect();
            format!("{birth:*<6}-*******")
        }
        PersonalKind::Phone => {
            let digits: String = value.chars().filter(char::is_ascii_digit).collect();
            let n = digits.len();
            if n < 8 {
                return "*".repeat(n.max(1));
            }
            let last: String = digits.chars().skip(n - 4).collect();
            // Seoul numbers have a two-digit area code (02); mobiles and others three.
            let prefix_len = if digits.starts_with("02") { 2 } else { 3 };
            let prefix: String = digits.chars().take(prefix_len).collect();
            format!("{prefix}-****-{last}")
        }
        PersonalKind::Email => match value.split_once('@') {
            Some((local, domain)) => {
                let keep: String = local.chars().take(2).collect();
                format!("{keep}***@{domain}")
            }
            None => mask_name(value),
        },
        PersonalKind::Address => mask_address(value),
    }
}

/// Masks personal data inside free text (a petition body on its way to a language model or into
/// training data): every occurrence of the `known` values (the petitioner's name, phone …) and
/// anything that looks like a resident number, phone number or e-mail address, each through
/// [`mask`]. Looks are judged per whitespace-separated word with surrounding punctuation
/// trimmed, so `010-1234-5678로` and `(hong@example.kr)` are found.
pub fn mask_text(text: &str, known: &[(PersonalKind, &str)]) -> String {
    let mut out = text.to_string();
    for (kind, value) in known {
        let value = value.trim();
        // One-character values (a one-letter name) would mask every occurrence of a common
        // syllable; they carry no identity on their own.
        if value.chars().count() >= 2 && out.contains(value) {
            out = out.replace(value, &mask(*kind, value));
        }
    }
    let mut masked = String::with_capacity(out.len());
    let mut rest = out.as_str();
    while !rest.is_empty() {
        let ws = rest
            .find(|c: char| !c.is_whitespace())
            .unwrap_or(rest.len());
        masked.push_str(&rest[..ws]);
        rest = &rest[ws..];
        let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
        let word = &rest[..end];
        rest = &rest[end..];
        let core_start = word
            .find(|c: char| c.is_ascii_alphanumeric())
            .unwrap_or(word.len());
        let core = &word[core_start..];
        let core_len = core
            .char_indices()
            .take_while(|&(_, c)| c.is_ascii_alphanumeric() || "-.@_+".contains(c))
            .last()
            .map_or(0, |(i, c)| i + c.len_utf8());
        let core = core[..core_len].trim_end_matches(['.', '-']);
        match looks_like(core) {
            Some(kind) => {
                masked.push_str(&word[..core_start]);
                masked.push_str(&mask(kind, core));
                masked.push_str(&word[core_start + core.len()..]);
            }
            None => masked.push_str(word),
        }
    }
    masked
}

/// Who handles a petition, as a resident is told it (notices, the tracking page, Open311). The
/// Decree (art. 31) wants the department, the official and a contact; an office that hides
/// officials' names (DOMAIN.md section 5) gives the department and its public phone instead, and
/// never the official's name or personal number.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Handler<'a> {
    pub department: &'a str,
    pub department_phone: &'a str,
    pub official: &'a str,
    pub official_phone: &'a str,
}

/// What residents are told about the handler: the department, the official's name (none when
/// hidden) and the phone to call. `None` when no department handles the petition yet.
pub fn handler_told<'a>(h: &Handler<'a>, hide_names: bool) -> Option<(&'a str, &'a str, &'a str)> {
    let department = h.department.trim();
    if department.is_empty() {
        return None;
    }
    let official = h.official.trim();
    if hide_names || official.is_empty() {
        return Some((department, "", h.department_phone.trim()));
    }
    let phone = match h.official_phone.trim() {
        "" => h.department_phone.trim(),
        own => own,
    };
    Some((department, official, phone))
}

/// The one line naming the handler (`담당: 민원봉사과 061-123-4567`), or empty when no
/// department handles the petition yet.
pub fn handler_line(h: &Handler<'_>, hide_names: bool) -> String {
    handler_line_in(h, hide_names, false)
}

/// The same line for an English reader: the labels in English, the department's name as
/// stored (`Handled by: 민원봉사과 (department), phone 061-123-4567`).
pub fn handler_line_en(h: &Handler<'_>, hide_names: bool) -> String {
    handler_line_in(h, hide_names, true)
}

fn handler_line_in(h: &Handler<'_>, hide_names: bool, english: bool) -> String {
    let Some((department, official, phone)) = handler_told(h, hide_names) else {
        return String::new();
    };
    if !english {
        let words: Vec<&str> = [department, official, phone]
            .into_iter()
            .filter(|p| !p.is_empty())
            .collect();
        return format!("담당: {}", words.join(" "));
    }
    let mut line = format!("Handled by: {department} (department)");
    if !official.is_empty() {
        line.push_str(&format!(", {official}"));
    }
    if !phone.is_empty() {
        line.push_str(&format!(", phone {phone}"));
    }
    line
}

/// A text an official wrote, on its way to a resident: with hiding on, the official's name
/// becomes "담당자" and their personal number "***" wherever the text names them.
pub fn hide_official(text: &str, h: &Handler<'_>, hide_names: bool) -> String {
    if !hide_names {
        return text.to_string();
    }
    let mut out = text.to_string();
    // One-character names would cut ordinary syllables.
    let name = h.official.trim();
    if name.chars().count() >= 2 {
        out = out.replace(name, "담당자");
    }
    let phone = h.official_phone.trim();
    let digits: String = phone.chars().filter(char::is_ascii_digit).collect();
    if digits.len() >= 7 {
        out = out.replace(phone, "***");
        if digits != phone {
            out = out.replace(&digits, "***");
        }
    }
    out
}

/// What kind of personal data a word looks like, if any.
fn looks_like(word: &str) -> Option<PersonalKind> {
    if word.contains('@') && word.contains('.') {
        return Some(PersonalKind::Email);
    }
    if !word.chars().all(|c| c.is_ascii_digit() || c == '-') {
        return None;
    }
    let digits = word.chars().filter(char::is_ascii_digit).count();
    if digits == 13 && word.find('-').is_none_or(|i| i == 6) {
        return Some(PersonalKind::ResidentNumber);
    }
    if (9..=11).contains(&digits) && word.starts_with('0') {
        return Some(PersonalKind::Phone);
    }
    None
}

fn mask_name(value: &str) -> String {
    let chars: Vec<char> = value.chars().collect();
    match chars.len() {
        1 => "*".to_string(),
        2 => format!("{}*", chars[0]),
        n => {
            let mut out = String::new();
            out.push(chars[0]);
            out.extend(std::iter::repeat_n('*', n - 2));
            out.push(chars[n - 1]);
            out
        }
    }
}

/// Keeps every word up to and including the first road name (a word ending in 로 or 길, or
/// 대로), hides the building number and everything after it. Without a road name, keeps the
/// first two words (province and city).
fn mask_address(value: &str) -> String {
    let words: Vec<&str> = value.split_whitespace().collect();
    let road = words
        .iter()
        .position(|w| w.ends_with('로') || w.ends_with('길'));
    let keep = match road {
        Some(i) => i + 1,
        None => words.len().min(2),
    };
    let mut out = words[..keep].join(" ");
    if keep < words.len() {
        out.push_str(" ***");
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn hidden_handler_is_the_department_and_its_phone() {
        let h = Handler {
            department: "민원봉사과",
            department_phone: "061-123-4567",
            official: "김민원",
            official_phone: "010-5555-1234",
        };
        assert_eq!(handler_line(&h, true), "담당: 민원봉사과 061-123-4567");
        assert_eq!(
            handler_line(&h, false),
            "담당: 민원봉사과 김민원 010-5555-1234"
        );
        let text = "김민원 주무관(010-5555-1234, 01055551234)이 답변합니다";
        let hidden = hide_official(text, &h, true);
        assert!(
            !hidden.contains("김민원") && !hidden.contains("5555"),
            "{hidden}"
        );
        assert_eq!(hide_official(text, &h, false), text);
        assert_eq!(
            handler_line_en(&h, true),
            "Handled by: 민원봉사과 (department), phone 061-123-4567"
        );
        assert_eq!(
            handler_line_en(&h, false),
            "Handled by: 민원봉사과 (department), 김민원, phone 010-5555-1234"
        );
        assert_eq!(handler_line_en(&Handler::default(), false), "");
        assert_eq!(handler_line(&Handler::default(), true), "");
    }

    use super::*;
    use PersonalKind::*;

    #[test]
    fn the_examples_of_domain_md() {
        assert_eq!(mask(Name, "김철용"), "김*용");
        assert_eq!(mask(ResidentNumber, "900101-1234567"), "900101-*******");
        assert_eq!(mask(Phone, "010-1234-1234"), "010-****-1234");
        assert_eq!(
            mask(Address, "경기도 가평군 가평읍 석봉로 181 2층"),
            "경기도 가평군 가평읍 석봉로 ***"
        );
    }

    #[test]
    fn other_shapes() {
        assert_eq!(mask(Name, "이"), "*");
        assert_eq!(mask(Name, "이순"), "이*");
        assert_eq!(mask(Name, "남궁민수"), "남**수");
        assert_eq!(mask(Phone, "01098765432"), "010-****-5432");
        assert_eq!(mask(Phone, "02-123-4567"), "02-****-4567");
        assert_eq!(mask(ResidentNumber, "9001011234567"), "900101-*******");
        assert_eq!(mask(Email, "hong@example.kr"), "ho***@example.kr");
        assert_eq!(mask(Address, "서울특별시 종로구"), "서울특별시 종로구");
        assert_eq!(mask(Name, ""), "");
    }

    #[test]
    fn masking_never_reveals_the_whole_value() {
        for (kind, v) in [
            (Name, "홍길동"),
            (Phone, "010-5555-1234"),
            (ResidentNumber, "900101-1234567"),
            (Email, "someone@x.kr"),
            (Address, "강원특별자치도 평창군 평창읍 군청길 77"),
        ] {
            assert_ne!(mask(kind, v), v);
        }
    }

    #[test]
    fn mask_text_hides_known_values_and_lookalikes() {
        let text = "홍길동입니다. 연락처 010-1234-5678로, 메일(hong.gd@example.kr) 주민번호 900101-1234567 주소 경기도 가평군 가평읍 석봉로 123 2025년 12건";
        let out = mask_text(
            text,
            &[
                (PersonalKind::Name, "홍길동"),
                (PersonalKind::Address, "경기도 가평군 가평읍 석봉로 123"),
            ],
        );
        for secret in ["홍길동", "1234-5678", "hong.gd@", "1234567", "석봉로 123"] {
            assert!(!out.contains(secret), "{secret} left in {out}");
        }
        assert!(out.contains("홍*동입니다"), "{out}");
        assert!(out.contains("010-****-5678로,"), "{out}");
        assert!(out.contains("(ho***@example.kr)"), "{out}");
        assert!(out.contains("900101-*******"), "{out}");
        // Ordinary numbers stay.
        assert!(out.contains("2025년 12건"), "{out}");
        assert_eq!(mask_text("", &[]), "");
        assert_eq!(
            mask_text("  a\u{0}b 😀 ", &[(PersonalKind::Name, "김")]),
            "  a\u{0}b 😀 "
        );
    }

    proptest::proptest! {
        /// Any text, any known values: no panic, and a phone number written into the text
        /// never survives whole.
        #[test]
        fn mask_text_total(text in proptest::prelude::any::<String>(), name in "\\PC{0,4}", n in 0u32..100_000_000) {
            let phone = format!("010-{:04}-{:04}", n / 10_000, n % 10_000);
            let out = mask_text(&format!("{text} {phone} {text}"), &[(Name, name.as_str()), (Phone, "")]);
            proptest::prop_assert!(!out.contains(&phone));
        }
    }
}
