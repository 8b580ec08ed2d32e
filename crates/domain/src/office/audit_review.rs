//! The monthly review of the access log (접속기록 점검) by the privacy officer (개인정보
//! 보호책임자): volumes per account, the unusual ones, denied attempts, and the sign-off.
//!
//! The Personal Information Protection Act's safety standards ask the controller to check the
//! access log at least monthly for misuse. A person cannot read every entry; the review points
//! them at accounts whose volume stands out, by the one rule in [`is_unusual`].

use crate::RuleError;

/// Below this many entries in a month an account is never flagged: small numbers are noise.
pub const UNUSUAL_FLOOR: i64 = 20;
/// How many times a median a volume must exceed to be flagged.
pub const UNUSUAL_FACTOR: i64 = 3;

/// Whether an account's monthly volume is unusual: at least [`UNUSUAL_FLOOR`] entries, more
/// than [`UNUSUAL_FACTOR`] times the office's median for the month (the typical colleague),
/// and, when the account has earlier months, also more than that factor times its own median
/// (a desk that always reads a lot is explained by its habit).
pub fn is_unusual(volume: i64, office_median: i64, own_median: Option<i64>) -> bool {
    let above = |median: i64| volume > UNUSUAL_FACTOR * median.max(1);
    volume >= UNUSUAL_FLOOR && above(office_median) && own_median.is_none_or(above)
}

/// The median of some counts (the lower middle for an even number), 0 for none.
pub fn median(values: &[i64]) -> i64 {
    if values.is_empty() {
        return 0;
    }
    let mut v = values.to_vec();
    v.sort_unstable();
    v[(v.len() - 1) / 2]
}

/// A review month as written in URLs and records: `YYYY-MM`.
pub fn parse_month(s: &str) -> Result<(i32, u32), RuleError> {
    let bad = || {
        RuleError::new(
            "invalid_month",
            "월은 YYYY-MM 형식이어야 합니다",
            "a month is written YYYY-MM",
        )
    };
    let (y, m) = s.trim().split_once('-').ok_or_else(bad)?;
    let y: i32 = y.parse().map_err(|_| bad())?;
    let m: u32 = m.parse().map_err(|_| bad())?;
    if !(2000..=2200).contains(&y) || !(1..=12).contains(&m) || s.trim().len() != 7 {
        return Err(bad());
    }
    Ok((y, m))
}

/// A sign-off needs a comment: what was looked at and what was done about the flags.
pub fn validate_sign_off_comment(comment: &str) -> Result<(), RuleError> {
    let n = comment.trim().chars().count();
    if (5..=2000).contains(&n)
        && !comment
            .chars()
            .any(|c| c.is_control() && c != '\n' && c != '\r')
    {
        Ok(())
    } else {
        Err(RuleError::new(
            "invalid_comment",
            "점검 의견을 5~2000자로 적어 주세요",
            "write a review comment of 5 to 2000 characters",
        ))
    }
}

/// A download of an attachment or evidence needs a stated reason (열람 사유), kept in the log.
pub fn validate_reason(reason: &str) -> Result<String, RuleError> {
    let t = reason.trim();
    let n = t.chars().count();
    if (2..=300).contains(&n) && !t.chars().any(char::is_control) {
        Ok(t.to_string())
    } else {
        Err(RuleError::new(
            "reason_required",
            "내려받는 사유를 2~300자로 적어 주세요",
            "state a reason of 2 to 300 characters for this download",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_volumes_are_never_flagged() {
        assert!(!is_unusual(UNUSUAL_FLOOR - 1, 0, None));
    }

    #[test]
    fn far_above_the_office_is_flagged_without_history() {
        assert!(is_unusual(100, 10, None));
        assert!(!is_unusual(30, 10, None));
    }

    #[test]
    fn own_habit_explains_a_busy_desk() {
        // Always around 100 a month: 120 is not unusual even though the office median is 10.
        assert!(!is_unusual(120, 10, Some(100)));
        // Four times its own habit and far above the office: flagged.
        assert!(is_unusual(400, 10, Some(100)));
    }

    #[test]
    fn medians_and_months() {
        assert_eq!(median(&[]), 0);
        assert_eq!(median(&[5, 1, 3]), 3);
        assert_eq!(median(&[4, 1, 3, 2]), 2);
        assert_eq!(parse_month("2026-11").unwrap(), (2026, 11));
        assert!(parse_month("2026-13").is_err());
        assert!(parse_month("2026-1").is_err());
    }

    #[test]
    fn reasons_and_comments() {
        assert!(validate_reason(" ").is_err());
        assert_eq!(validate_reason(" 답변 작성 ").unwrap(), "답변 작성");
        assert!(validate_sign_off_comment("ok").is_err());
        assert!(validate_sign_off_comment("이상 없음, 검토 완료").is_ok());
    }
}
