//! Certificates of completion (수료증) and what their public verification page may show.
//!
//! The verification code is 80 random bits written as 16 characters of Crockford's base32 in four
//! groups (`K7QM-2XRT-9PBD-H4WN`): unguessable, and easy to read aloud and type, because the
//! alphabet leaves out I, L, O and U and a reader's O, I and L are taken as 0, 1 and 1. Anyone may
//! check a code, signed in or not; the answer shows only the masked name, the program, the dates
//! and the hours (DOMAIN.md §8) — nothing else about the person.

use crate::privacy::{PersonalKind, mask};
use chrono::NaiveDate;
use serde::Serialize;

const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
/// Random bytes behind a code.
pub const CODE_BYTES: usize = 10;
const CODE_CHARS: usize = 16;

/// The code for `random` bytes (from the operating system's generator).
pub fn code_from(random: [u8; CODE_BYTES]) -> String {
    // 80 bits, 5 at a time, most significant first.
    let mut bits: u128 = 0;
    for b in random {
        bits = (bits << 8) | u128::from(b);
    }
    let mut out = String::with_capacity(CODE_CHARS + 3);
    for i in 0..CODE_CHARS {
        if i > 0 && i % 4 == 0 {
            out.push('-');
        }
        let shift = 5 * (CODE_CHARS - 1 - i);
        let index = ((bits >> shift) & 0x1f) as usize;
        out.push(char::from(ALPHABET[index]));
    }
    out
}

/// A typed code in its stored form, or `None` when it cannot be one: case, spaces and hyphens
/// are ignored and the letters people confuse with digits are read as those digits.
pub fn normalise(typed: &str) -> Option<String> {
    let mut chars = Vec::with_capacity(CODE_CHARS);
    for c in typed.chars() {
        let c = match c.to_ascii_uppercase() {
            ' ' | '-' | '\t' => continue,
            'O' => '0',
            'I' | 'L' => '1',
            c => c,
        };
        if !c.is_ascii() || !ALPHABET.contains(&(c as u8)) {
            return None;
        }
        chars.push(c);
    }
    if chars.len() != CODE_CHARS {
        return None;
    }
    let mut out = String::with_capacity(CODE_CHARS + 3);
    for (i, c) in chars.into_iter().enumerate() {
        if i > 0 && i % 4 == 0 {
            out.push('-');
        }
        out.push(c);
    }
    Some(out)
}

/// What the public verification page shows of a certificate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PublicView {
    pub code: String,
    /// The holder's name, masked (김*용).
    pub name: String,
    pub program: String,
    pub first_day: NaiveDate,
    pub last_day: NaiveDate,
    /// Recognised minutes (인정시간).
    pub minutes: i64,
}

/// The public view of a certificate: everything else the record holds stays out.
pub fn public_view(
    code: &str,
    holder_name: &str,
    program: &str,
    first_day: NaiveDate,
    last_day: NaiveDate,
    minutes: i64,
) -> PublicView {
    PublicView {
        code: code.to_string(),
        name: mask(PersonalKind::Name, holder_name),
        program: program.to_string(),
        first_day,
        last_day,
        minutes,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_four_groups_of_four_from_the_alphabet() {
        let code = code_from([0; CODE_BYTES]);
        assert_eq!(code, "0000-0000-0000-0000");
        let code = code_from([0xff; CODE_BYTES]);
        assert_eq!(code, "ZZZZ-ZZZZ-ZZZZ-ZZZZ");
        let code = code_from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
        assert_eq!(code.len(), 19);
        assert!(
            code.chars()
                .all(|c| c == '-' || ALPHABET.contains(&(c as u8)))
        );
        // Different bytes, different codes.
        assert_ne!(code, code_from([1, 2, 3, 4, 5, 6, 7, 8, 9, 11]));
    }

    #[test]
    fn typed_codes_are_forgiven_case_spacing_and_lookalikes() {
        let code = code_from([0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0, 0x11, 0x22]);
        assert_eq!(normalise(&code).as_deref(), Some(code.as_str()));
        assert_eq!(
            normalise(&code.to_lowercase().replace('-', " ")).as_deref(),
            Some(code.as_str())
        );
        assert_eq!(
            normalise("oooo-iiii-llll-0000").as_deref(),
            Some("0000-1111-1111-0000")
        );
        for bad in [
            "",
            "ABCD",
            "ABCD-EFGH-JKMN-PQRSU",
            "ABCD-EFGH-JKMN-PQR!",
            "가나다라-EFGH-JKMN-PQRS",
        ] {
            assert_eq!(normalise(bad), None, "{bad}");
        }
        // U is not in the alphabet.
        assert_eq!(normalise("UUUU-0000-0000-0000"), None);
    }

    #[test]
    fn the_public_view_masks_the_name() {
        let day = NaiveDate::from_ymd_opt(2026, 5, 12).unwrap_or_default();
        let v = public_view(
            "0000-0000-0000-0000",
            "김민용",
            "친절 응대 힐링",
            day,
            day,
            1080,
        );
        assert_eq!(v.name, "김*용");
        assert_eq!(v.minutes, 1080);
        // Only these six fields are serialised.
        let json = serde_json::to_value(&v).unwrap_or_default();
        let keys: Vec<&str> = json
            .as_object()
            .map(|o| o.keys().map(String::as_str).collect())
            .unwrap_or_default();
        assert_eq!(keys.len(), 6);
        assert!(!json.to_string().contains("김민용"));
    }
}
