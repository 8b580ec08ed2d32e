//! The rotating check-in code (출석 코드) shown in the room.
//!
//! Each session has a random secret kept in the database. The code for a moment is six digits
//! derived from the secret and the 30-second step the moment falls in (HMAC-SHA256 with the
//! dynamic truncation of RFC 4226, as TOTP does), so it changes every 30 seconds and a photo of it
//! sent out of the room is useless a minute later. The current and the previous step are
//! accepted, so someone typing as the code rotates is not refused. Nothing about the code is
//! stored: reopening the room's page shows the same code (mod_attendance #746).

use crate::RuleError;
use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

/// Seconds each code is shown for.
pub const STEP_SECONDS: i64 = 30;
/// Digits in a code.
pub const CODE_DIGITS: usize = 6;
/// How far back a code of this session is recognised as expired rather than wrong (10 minutes).
const EXPIRED_STEPS: i64 = 20;

/// The 30-second step `at` falls in.
pub fn step_of(at: DateTime<Utc>) -> i64 {
    at.timestamp().div_euclid(STEP_SECONDS)
}

/// Seconds until the code shown at `at` changes.
pub fn seconds_left(at: DateTime<Utc>) -> i64 {
    STEP_SECONDS - at.timestamp().rem_euclid(STEP_SECONDS)
}

/// The code of `secret` for `step`.
pub fn code_for(secret: &[u8], step: i64) -> String {
    let mac = hmac_sha256(secret, &step.to_be_bytes());
    // RFC 4226 §5.3 dynamic truncation.
    let offset = usize::from(mac[31] & 0x0f);
    let word = u32::from_be_bytes([
        mac[offset] & 0x7f,
        mac[offset + 1],
        mac[offset + 2],
        mac[offset + 3],
    ]);
    format!("{:06}", word % 1_000_000)
}

/// The code to show at `at`.
pub fn code_at(secret: &[u8], at: DateTime<Utc>) -> String {
    code_for(secret, step_of(at))
}

/// Why a typed code was not accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Not six digits.
    Malformed,
    /// This session's code, but from more than one step ago.
    Expired,
    /// The current code of another session running now.
    OtherSession,
    /// No session's code.
    Wrong,
}

impl Refusal {
    pub fn error(self) -> RuleError {
        match self {
            Refusal::Malformed => RuleError::new(
                "checkin_code_malformed",
                "출석 코드는 숫자 6자리입니다.",
                "The check-in code is six digits.",
            ),
            Refusal::Expired => RuleError::new(
                "checkin_code_expired",
                "만료된 출석 코드입니다. 화면에 지금 보이는 코드를 입력해 주세요.",
                "That check-in code has expired. Enter the code on the screen now.",
            ),
            Refusal::OtherSession => RuleError::new(
                "checkin_code_other_session",
                "다른 교육의 출석 코드입니다. 참석 중인 교육의 화면을 확인해 주세요.",
                "That code belongs to another session. Check the screen of the session you are in.",
            ),
            Refusal::Wrong => RuleError::new(
                "checkin_code_wrong",
                "맞지 않는 출석 코드입니다. 다시 확인해 주세요.",
                "That check-in code is not right. Please check it again.",
            ),
        }
    }
}

/// Check a typed `code` against this session's `secret` at `now`; `others` are the secrets of
/// the other sessions running now, so a code from the wrong room is told apart from a wrong
/// one. Spaces and hyphens people type are ignored.
pub fn check(
    code: &str,
    secret: &[u8],
    others: &[&[u8]],
    now: DateTime<Utc>,
) -> Result<(), Refusal> {
    let code: String = code
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .collect();
    if code.len() != CODE_DIGITS || !code.chars().all(|c| c.is_ascii_digit()) {
        return Err(Refusal::Malformed);
    }
    let step = step_of(now);
    if [step, step - 1]
        .iter()
        .any(|s| code_for(secret, *s) == code)
    {
        return Ok(());
    }
    if others
        .iter()
        .any(|other| [step, step - 1].iter().any(|s| code_for(other, *s) == code))
    {
        return Err(Refusal::OtherSession);
    }
    if (2..=EXPIRED_STEPS).any(|back| code_for(secret, step - back) == code) {
        return Err(Refusal::Expired);
    }
    Err(Refusal::Wrong)
}

/// HMAC-SHA256 (RFC 2104) over the workspace's `sha2`.
fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    const BLOCK: usize = 64;
    let mut block = [0u8; BLOCK];
    if key.len() > BLOCK {
        block[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let mut inner = Sha256::new();
    inner.update(block.map(|b| b ^ 0x36));
    inner.update(message);
    let mut outer = Sha256::new();
    outer.update(block.map(|b| b ^ 0x5c));
    outer.update(inner.finalize());
    outer.finalize().into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(seconds: i64) -> DateTime<Utc> {
        Utc.timestamp_opt(1_790_000_000 + seconds, 0)
            .single()
            .unwrap_or_default()
    }

    #[test]
    fn hmac_matches_rfc_4231_case_2() {
        let mac = hmac_sha256(b"Jefe", b"what do ya want for nothing?");
        assert_eq!(
            hex::encode(mac),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn hmac_hashes_long_keys_first() {
        // RFC 4231 case 6: a 131-byte key.
        let mac = hmac_sha256(
            &[0xaa; 131],
            b"Test Using Larger Than Block-Size Key - Hash Key First",
        );
        assert_eq!(
            hex::encode(mac),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
        );
    }

    #[test]
    fn code_is_six_digits_and_changes_every_step() {
        let secret = b"session-secret-one";
        let now = at(0);
        let code = code_at(secret, now);
        assert_eq!(code.len(), 6);
        assert!(code.chars().all(|c| c.is_ascii_digit()));
        // Same step, same code (reopening the room's page shows it again).
        let start = step_of(now) * STEP_SECONDS - now.timestamp();
        assert_eq!(code_at(secret, at(start + 29)), code_at(secret, at(start)));
        assert_ne!(code_at(secret, at(start + 30)), code_at(secret, at(start)));
        assert_eq!(seconds_left(at(start)), 30);
        assert_eq!(seconds_left(at(start + 29)), 1);
    }

    #[test]
    fn current_and_previous_codes_are_accepted() {
        let secret = b"session-secret-one";
        let now = at(1000);
        assert_eq!(
            check(&code_for(secret, step_of(now)), secret, &[], now),
            Ok(())
        );
        assert_eq!(
            check(&code_for(secret, step_of(now) - 1), secret, &[], now),
            Ok(())
        );
        let spaced = code_at(secret, now);
        let spaced = format!("{} {}", &spaced[..3], &spaced[3..]);
        assert_eq!(check(&spaced, secret, &[], now), Ok(()));
    }

    #[test]
    fn older_codes_are_expired_not_wrong() {
        let secret = b"session-secret-one";
        let now = at(1000);
        let old = code_for(secret, step_of(now) - 2);
        // Guard against the 1-in-a-million chance that the old code equals a current one.
        if old != code_at(secret, now) && old != code_for(secret, step_of(now) - 1) {
            assert_eq!(check(&old, secret, &[], now), Err(Refusal::Expired));
        }
        let later = at(1000 + 60);
        assert_eq!(
            check(&code_at(secret, now), secret, &[], later),
            Err(Refusal::Expired)
        );
    }

    #[test]
    fn another_rooms_code_is_told_apart() {
        let mine = b"session-secret-one".as_slice();
        let theirs = b"session-secret-two".as_slice();
        let now = at(5000);
        let code = code_at(theirs, now);
        assert_eq!(
            check(&code, mine, &[theirs], now),
            Err(Refusal::OtherSession)
        );
        // Without knowing the other session it is simply wrong.
        assert_eq!(check(&code, mine, &[], now), Err(Refusal::Wrong));
    }

    #[test]
    fn malformed_codes_are_refused_before_any_comparison() {
        let now = at(0);
        for bad in ["", "12345", "1234567", "12a456", "１２３４５６"] {
            assert_eq!(check(bad, b"s", &[], now), Err(Refusal::Malformed), "{bad}");
        }
        assert_eq!(Refusal::Expired.error().code, "checkin_code_expired");
    }
}
