//! Accounts (계정) and roles (역할).

use crate::RuleError;
use serde::{Deserialize, Serialize};

/// The roles of PRODUCT.md. One account has one role; its department gives the scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// 민원인
    Resident,
    /// 민원 담당자
    Official,
    /// 민원과장 / division head
    Supervisor,
    /// 교육 담당자 (HR / training officer)
    TrainingOfficer,
    /// 상담사 (health counsellor)
    Counsellor,
    /// 적극행정위원회 위원
    CommitteeMember,
    /// 민원공무원 보호 담당자
    ProtectionOfficer,
    /// 시스템 관리자
    Administrator,
    /// 개인정보 보호책임자 / 분야별 책임자: reviews the access log month by month.
    PrivacyOfficer,
}

impl Role {
    pub const ALL: [Role; 9] = [
        Role::Resident,
        Role::Official,
        Role::Supervisor,
        Role::TrainingOfficer,
        Role::Counsellor,
        Role::CommitteeMember,
        Role::ProtectionOfficer,
        Role::Administrator,
        Role::PrivacyOfficer,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Resident => "resident",
            Role::Official => "official",
            Role::Supervisor => "supervisor",
            Role::TrainingOfficer => "training_officer",
            Role::Counsellor => "counsellor",
            Role::CommitteeMember => "committee_member",
            Role::ProtectionOfficer => "protection_officer",
            Role::Administrator => "administrator",
            Role::PrivacyOfficer => "privacy_officer",
        }
    }

    pub fn korean(self) -> &'static str {
        match self {
            Role::Resident => "민원인",
            Role::Official => "민원 담당자",
            Role::Supervisor => "민원과장",
            Role::TrainingOfficer => "교육 담당자",
            Role::Counsellor => "상담사",
            Role::CommitteeMember => "적극행정위원",
            Role::ProtectionOfficer => "보호 담당자",
            Role::Administrator => "관리자",
            Role::PrivacyOfficer => "개인정보 보호책임자",
        }
    }

    /// The role's English name, as pages show it.
    pub fn english(self) -> &'static str {
        match self {
            Role::Resident => "resident",
            Role::Official => "official",
            Role::Supervisor => "supervisor",
            Role::TrainingOfficer => "training officer",
            Role::Counsellor => "counsellor",
            Role::CommitteeMember => "committee member",
            Role::ProtectionOfficer => "protection officer",
            Role::Administrator => "administrator",
            Role::PrivacyOfficer => "privacy officer",
        }
    }

    /// Staff are the office's own people; residents are the public.
    pub fn is_staff(self) -> bool {
        self != Role::Resident
    }

    /// A member of the public: files and follows petitions for themself.
    pub fn is_resident(self) -> bool {
        self == Role::Resident
    }
}

impl std::str::FromStr for Role {
    type Err = RuleError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| {
                RuleError::new(
                    "unknown_role",
                    format!("알 수 없는 역할입니다: {s}"),
                    format!(
                        "unknown role '{s}'; expected one of {}",
                        Role::ALL.map(|r| r.as_str()).join(", ")
                    ),
                )
            })
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Login names: 3–40 characters of ASCII letters, digits, `.`, `_`, `-`.
pub fn validate_username(name: &str) -> Result<(), RuleError> {
    let ok_len = (3..=40).contains(&name.chars().count());
    let ok_chars = name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if ok_len && ok_chars {
        Ok(())
    } else {
        Err(RuleError::new(
            "invalid_username",
            "아이디는 영문, 숫자, '.', '_', '-'로 3~40자여야 합니다",
            "a username is 3 to 40 ASCII letters, digits, '.', '_' or '-'",
        ))
    }
}

/// Passwords: at least 10 characters and not all of one class, at most 200 (hashing cost).
pub fn validate_password(password: &str) -> Result<(), RuleError> {
    let n = password.chars().count();
    let classes = [
        password.chars().any(|c| c.is_ascii_lowercase()),
        password.chars().any(|c| c.is_ascii_uppercase()),
        password.chars().any(|c| c.is_ascii_digit()),
        password.chars().any(|c| !c.is_ascii_alphanumeric()),
    ]
    .iter()
    .filter(|b| **b)
    .count();
    if (10..=200).contains(&n) && classes >= 2 {
        Ok(())
    } else {
        Err(RuleError::new(
            "weak_password",
            "비밀번호는 10자 이상, 200자 이하이고 영문·숫자·기호 중 두 종류 이상을 섞어야 합니다",
            "a password needs 10 to 200 characters mixing at least two of letters, digits and symbols",
        ))
    }
}

/// Department codes are short stable identifiers used in URLs and imports.
pub fn validate_department_code(code: &str) -> Result<(), RuleError> {
    let ok = (2..=32).contains(&code.len())
        && code
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if ok {
        Ok(())
    } else {
        Err(RuleError::new(
            "invalid_department_code",
            "부서 코드는 영문 소문자, 숫자, '-'로 2~32자여야 합니다",
            "a department code is 2 to 32 lowercase ASCII letters, digits or '-'",
        ))
    }
}

/// Names shown to people: non-empty after trimming, at most 100 characters, no control characters.
pub fn validate_display_name(name: &str) -> Result<(), RuleError> {
    let t = name.trim();
    if !t.is_empty() && t.chars().count() <= 100 && !t.chars().any(char::is_control) {
        Ok(())
    } else {
        Err(RuleError::new(
            "invalid_name",
            "이름은 1~100자이며 제어 문자를 포함할 수 없습니다",
            "a name is 1 to 100 characters without control characters",
        ))
    }
}

/// How a resident proves the contact they sign up with (가입 인증): a code by mail or by SMS.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ContactChannel {
    Email,
    Sms,
}

impl ContactChannel {
    pub fn as_str(self) -> &'static str {
        match self {
            ContactChannel::Email => "email",
            ContactChannel::Sms => "sms",
        }
    }
}

/// A sign-up verification code lives this long, and this many wrong tries use it up.
pub const VERIFICATION_MINUTES: i64 = 10;
pub const VERIFICATION_ATTEMPTS: i64 = 5;

/// A resident's contact for sign-up: an e-mail address (sent by mail) or a Korean mobile
/// number (sent by SMS), returned in the form stored and matched: e-mail trimmed and
/// lowercased, a phone as its digits.
pub fn validate_contact(contact: &str) -> Result<(ContactChannel, String), RuleError> {
    let t = contact.trim();
    if t.contains('@') {
        let lower = t.to_lowercase();
        let ok = lower.len() <= 200
            && lower.split_once('@').is_some_and(|(local, domain)| {
                !local.is_empty()
                    && domain.contains('.')
                    && !domain.starts_with('.')
                    && !domain.ends_with('.')
            })
            && !lower.chars().any(|c| c.is_whitespace() || c.is_control());
        if ok {
            return Ok((ContactChannel::Email, lower));
        }
    } else {
        let digits: String = t.chars().filter(char::is_ascii_digit).collect();
        let only_phone_chars = t
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '-' | ' '));
        if only_phone_chars && (10..=11).contains(&digits.len()) && digits.starts_with("01") {
            return Ok((ContactChannel::Sms, digits));
        }
    }
    Err(RuleError::new(
        "invalid_contact",
        "이메일 주소나 휴대전화 번호(010-1234-5678)를 적어 주세요",
        "give an e-mail address or a mobile number (010-1234-5678)",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_round_trip() {
        for r in Role::ALL {
            assert_eq!(r.as_str().parse::<Role>().unwrap(), r);
        }
        assert!("root".parse::<Role>().is_err());
    }

    #[test]
    fn password_rules() {
        assert!(validate_password("short1!").is_err());
        assert!(validate_password("onlyletterslong").is_err());
        assert!(validate_password("letters-and-1").is_ok());
    }

    #[test]
    fn contacts() {
        assert_eq!(
            validate_contact(" Kim@Example.kr ").unwrap(),
            (ContactChannel::Email, "kim@example.kr".to_string())
        );
        assert_eq!(
            validate_contact("010-1234-5678").unwrap(),
            (ContactChannel::Sms, "01012345678".to_string())
        );
        assert!(validate_contact("02-123-4567").is_err());
        assert!(validate_contact("kim@localhost").is_err());
        assert!(validate_contact("").is_err());
    }

    #[test]
    fn username_rules() {
        assert!(validate_username("kim.official").is_ok());
        assert!(validate_username("김공무원").is_err());
        assert!(validate_username("a' OR 1=1 --").is_err());
    }
}
