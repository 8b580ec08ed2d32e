//! Sharing with a counsellor (공유) and referrals (의뢰): purposes, kinds and statuses.

use super::*;

/// Why a share is given: per purpose, so a counsellor sees what it is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SharePurpose {
    /// 상담: individual counselling.
    Counselling,
    /// 프로그램 연계: placement in a healing program.
    HealingProgram,
    /// 외부 의뢰: referral to outside care.
    ExternalReferral,
}

impl SharePurpose {
    pub const ALL: [SharePurpose; 3] = [
        SharePurpose::Counselling,
        SharePurpose::HealingProgram,
        SharePurpose::ExternalReferral,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SharePurpose::Counselling => "counselling",
            SharePurpose::HealingProgram => "healing_program",
            SharePurpose::ExternalReferral => "external_referral",
        }
    }

    pub fn korean(self) -> &'static str {
        match self {
            SharePurpose::Counselling => "상담",
            SharePurpose::HealingProgram => "힐링 프로그램 연계",
            SharePurpose::ExternalReferral => "외부 전문기관 의뢰",
        }
    }

    pub fn english(self) -> &'static str {
        match self {
            SharePurpose::Counselling => "Counselling",
            SharePurpose::HealingProgram => "Placement in a healing program",
            SharePurpose::ExternalReferral => "Referral to outside care",
        }
    }

    pub fn parse(s: &str) -> Result<Self, RuleError> {
        Self::ALL
            .into_iter()
            .find(|p| p.as_str() == s)
            .ok_or_else(|| {
                RuleError::new(
                    "unknown_purpose",
                    format!("알 수 없는 공유 목적입니다: {s}"),
                    "purpose must be counselling, healing_program or external_referral",
                )
            })
    }
}

/// What an official asks for in a referral.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReferralKind {
    /// 상담 요청
    Counselling,
    /// 힐링 프로그램 참여 요청
    HealingProgram,
}

impl ReferralKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ReferralKind::Counselling => "counselling",
            ReferralKind::HealingProgram => "healing_program",
        }
    }

    pub fn korean(self) -> &'static str {
        match self {
            ReferralKind::Counselling => "상담 요청",
            ReferralKind::HealingProgram => "힐링 프로그램 참여 요청",
        }
    }

    pub fn english(self) -> &'static str {
        match self {
            ReferralKind::Counselling => "Counselling request",
            ReferralKind::HealingProgram => "Healing program request",
        }
    }

    pub fn parse(s: &str) -> Result<Self, RuleError> {
        match s {
            "counselling" => Ok(ReferralKind::Counselling),
            "healing_program" => Ok(ReferralKind::HealingProgram),
            _ => Err(RuleError::new(
                "unknown_referral_kind",
                format!("알 수 없는 요청 종류입니다: {s}"),
                "kind must be counselling or healing_program",
            )),
        }
    }
}

/// Where a referral stands; only the counsellor moves it on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReferralStatus {
    Open,
    Acknowledged,
    Closed,
}

impl ReferralStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ReferralStatus::Open => "open",
            ReferralStatus::Acknowledged => "acknowledged",
            ReferralStatus::Closed => "closed",
        }
    }

    pub fn korean(self) -> &'static str {
        match self {
            ReferralStatus::Open => "접수",
            ReferralStatus::Acknowledged => "확인함",
            ReferralStatus::Closed => "종결",
        }
    }

    pub fn english(self) -> &'static str {
        match self {
            ReferralStatus::Open => "Open",
            ReferralStatus::Acknowledged => "Acknowledged",
            ReferralStatus::Closed => "Closed",
        }
    }

    pub fn parse(s: &str) -> Result<Self, RuleError> {
        match s {
            "open" => Ok(ReferralStatus::Open),
            "acknowledged" => Ok(ReferralStatus::Acknowledged),
            "closed" => Ok(ReferralStatus::Closed),
            _ => Err(RuleError::new(
                "unknown_status",
                format!("알 수 없는 상태입니다: {s}"),
                "status must be open, acknowledged or closed",
            )),
        }
    }
}
