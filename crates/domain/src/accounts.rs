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
}

impl Role {
    pub const ALL: [Role; 8] = [
        Role::Resident,
        Role::Official,
        Role::Supervisor,
        Role::TrainingOfficer,
        Role::Counsellor,
        Role::CommitteeMember,
        Role::ProtectionOfficer,
        Role::Administrator,
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
        }
    }

    /// Staff are the office's own people; residents are the public.
    pub fn is_staff(self) -> bool {
        self != Role::Resident
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
                    &format!("알 수 없는 역할입니다: {s}"),
                    &format!(
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
    fn username_rules() {
        assert!(validate_username("kim.official").is_ok());
        assert!(validate_username("김공무원").is_err());
        assert!(validate_username("a' OR 1=1 --").is_err());
    }
}
