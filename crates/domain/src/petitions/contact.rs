//! How a petitioner can be reached: Korean telephone numbers and e-mail addresses in the forms
//! people actually type (with or without hyphens, spaces, parentheses or +82).

use crate::RuleError;

/// The digits of a Korean telephone number in its national form (leading 0), or `None` when
/// it is not one: mobile `010-1234-5678`, Seoul `02-123-4567`, the other areas `031-123-4567`,
/// internet phones `070-…`, personal numbers `050x-…` and the nationwide `1588-1234`.
pub fn phone_digits(typed: &str) -> Option<String> {
    let t = typed.trim();
    if t.is_empty()
        || !t
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '-' | ' ' | '.' | '(' | ')' | '+'))
    {
        return None;
    }
    let mut digits: String = t.chars().filter(char::is_ascii_digit).collect();
    if t.starts_with('+') {
        // +82 10-1234-5678 → 010-1234-5678 (a leading 0 after +82 is dropped as people write it).
        let rest = digits.strip_prefix("82")?;
        digits = format!("0{}", rest.trim_start_matches('0'));
    } else if t.contains('+') {
        return None;
    }
    let n = digits.len();
    let ok = if let Some(rest) = digits.strip_prefix("02") {
        (7..=8).contains(&rest.len())
    } else if digits.starts_with("01") {
        // 010, 011, 016, 017, 018, 019
        matches!(digits.as_bytes()[2], b'0' | b'1' | b'6'..=b'9') && (10..=11).contains(&n)
    } else if digits.starts_with("050") {
        (11..=12).contains(&n)
    } else if digits.starts_with('0') {
        // Area codes 031–064 and 070: three digits, then 7 or 8.
        (10..=11).contains(&n) && !digits.starts_with("00")
    } else {
        // 15xx, 16xx, 18xx: the eight-digit nationwide numbers.
        n == 8 && matches!(&digits[..2], "15" | "16" | "18")
    };
    ok.then_some(digits)
}

/// A telephone number is checked; the rule's message names the forms people know.
pub fn check_phone(typed: &str) -> Result<String, RuleError> {
    phone_digits(typed).ok_or_else(|| {
        RuleError::new(
            "bad_phone",
            "전화번호 형식이 맞지 않습니다 (예: 010-1234-5678, 02-123-4567)",
            "this is not a Korean phone number (e.g. 010-1234-5678, 02-123-4567)",
        )
    })
}

/// Whether `typed` looks like an e-mail address: one `@`, a name before it and a domain with a
/// dot after it, no spaces. (Whether it exists only a message can tell.)
pub fn is_email(typed: &str) -> bool {
    let t = typed.trim();
    let Some((local, domain)) = t.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && local.len() <= 64
        && t.len() <= 254
        && !domain.contains('@')
        && !t.chars().any(|c| c.is_whitespace() || c.is_control())
        && domain.contains('.')
        && domain
            .split('.')
            .all(|l| !l.is_empty() && !l.starts_with('-') && !l.ends_with('-'))
}

pub fn check_email(typed: &str) -> Result<(), RuleError> {
    if is_email(typed) {
        Ok(())
    } else {
        Err(RuleError::new(
            "bad_email",
            "전자우편 주소 형식이 맞지 않습니다 (예: hong@example.kr)",
            "this is not an e-mail address (e.g. hong@example.kr)",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn korean_numbers_in_the_usual_forms() {
        for (typed, digits) in [
            ("010-1234-5678", "01012345678"),
            ("01012345678", "01012345678"),
            ("010 1234 5678", "01012345678"),
            ("+82 10-1234-5678", "01012345678"),
            ("+82 (0)10 1234 5678", "01012345678"),
            ("011-123-4567", "0111234567"),
            ("02-123-4567", "021234567"),
            ("(02) 1234-5678", "0212345678"),
            ("031-123-4567", "0311234567"),
            ("064-7123-4567", "06471234567"),
            ("070-1234-5678", "07012345678"),
            ("0505-123-4567", "05051234567"),
            ("1588-1234", "15881234"),
        ] {
            assert_eq!(phone_digits(typed).as_deref(), Some(digits), "{typed}");
        }
        for typed in [
            "",
            "12345",
            "010-1234",
            "010-1234-56789",
            "02-12-345",
            "015-123-4567",
            "1234-5678",
            "+1 415 555 0100",
            "010-1234-567a",
            "call me",
            "0010-1234-5678",
        ] {
            assert!(phone_digits(typed).is_none(), "{typed}");
        }
        assert_eq!(check_phone("5").unwrap_err().code, "bad_phone");
    }

    #[test]
    fn email_addresses() {
        for ok in ["hong@example.kr", "a.b+c@mail.go.kr", " x@y.co "] {
            assert!(is_email(ok), "{ok}");
        }
        for bad in [
            "",
            "hong",
            "hong@",
            "@example.kr",
            "hong@example",
            "a b@c.kr",
            "a@b@c.kr",
            "a@.kr",
            "a@b..kr",
        ] {
            assert!(!is_email(bad), "{bad}");
        }
        assert_eq!(check_email("x").unwrap_err().code, "bad_email");
    }
}
