//! Intake on a resident's behalf (대리 접수): an official takes a petition in at the counter, on
//! the phone, from the mail or on a visit, and records how the person's identity was checked
//! and which of the type's required documents were seen. One rule for the JSON API and the
//! desk page ([`check`]).

use super::Channel;
use crate::RuleError;
use serde::{Deserialize, Serialize};

/// How the official checked who the petitioner is (본인 확인).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IdentityCheck {
    /// 주민등록증
    IdCard,
    /// 운전면허증
    DriverLicense,
    /// 여권
    Passport,
    /// 모바일 신분증
    MobileId,
    /// 전화 회신으로 확인 (called back on the number on record)
    PhoneCallback,
    /// 서명 대조 (the signature on a mailed petition)
    Signature,
    /// 확인하지 않음: only where the channel allows it (phone, mail)
    NotChecked,
}

impl IdentityCheck {
    pub const ALL: [IdentityCheck; 7] = [
        IdentityCheck::IdCard,
        IdentityCheck::DriverLicense,
        IdentityCheck::Passport,
        IdentityCheck::MobileId,
        IdentityCheck::PhoneCallback,
        IdentityCheck::Signature,
        IdentityCheck::NotChecked,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            IdentityCheck::IdCard => "id_card",
            IdentityCheck::DriverLicense => "driver_license",
            IdentityCheck::Passport => "passport",
            IdentityCheck::MobileId => "mobile_id",
            IdentityCheck::PhoneCallback => "phone_callback",
            IdentityCheck::Signature => "signature",
            IdentityCheck::NotChecked => "not_checked",
        }
    }

    pub fn korean(self) -> &'static str {
        match self {
            IdentityCheck::IdCard => "주민등록증 확인",
            IdentityCheck::DriverLicense => "운전면허증 확인",
            IdentityCheck::Passport => "여권 확인",
            IdentityCheck::MobileId => "모바일 신분증 확인",
            IdentityCheck::PhoneCallback => "전화 회신 확인",
            IdentityCheck::Signature => "서명 대조",
            IdentityCheck::NotChecked => "확인하지 않음",
        }
    }

    pub fn english(self) -> &'static str {
        match self {
            IdentityCheck::IdCard => "resident ID card",
            IdentityCheck::DriverLicense => "driver's licence",
            IdentityCheck::Passport => "passport",
            IdentityCheck::MobileId => "mobile ID",
            IdentityCheck::PhoneCallback => "phone call-back",
            IdentityCheck::Signature => "signature compared",
            IdentityCheck::NotChecked => "not checked",
        }
    }

    /// In person (counter, visit) an ID document is shown; on the phone a call-back or nothing;
    /// by mail the signature or nothing.
    pub fn allowed_for(self, channel: Channel) -> bool {
        use IdentityCheck::*;
        match channel {
            Channel::Counter | Channel::Visit => {
                matches!(self, IdCard | DriverLicense | Passport | MobileId)
            }
            Channel::Phone => matches!(self, PhoneCallback | NotChecked),
            Channel::Mail => matches!(self, Signature | NotChecked),
            Channel::Web | Channel::Api | Channel::Open311 => false,
        }
    }
}

impl std::str::FromStr for IdentityCheck {
    type Err = RuleError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        IdentityCheck::ALL
            .into_iter()
            .find(|c| c.as_str() == s)
            .ok_or_else(|| {
                RuleError::new(
                    "bad_identity_check",
                    "본인 확인 방법을 고르세요",
                    "choose how the identity was checked",
                )
            })
    }
}

/// What the official records when taking a petition in on the resident's behalf.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct IntakeRecord {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub identity_check: Option<IdentityCheck>,
    /// The type's required documents the official saw, word for word.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub documents_checked: Vec<String>,
}

/// Which input a refusal is about, so a form can show it beside that field.
pub const FIELD_IDENTITY: &str = "identity_check";
pub const FIELD_DOCUMENTS: &str = "documents";

/// Whether the channel brings the documents along (in person or in the envelope); on the
/// phone they are sent afterwards, so none can be checked at intake.
pub fn documents_expected(channel: Channel) -> bool {
    matches!(channel, Channel::Counter | Channel::Visit | Channel::Mail)
}

/// Check an intake on a resident's behalf against the type's required documents: the identity
/// check is given and fits the channel, every required document was seen when the channel
/// brings them, and nothing else is listed. Online channels carry no intake record.
/// Returns the record as stored (documents in the type's order).
pub fn check(
    channel: Channel,
    record: &IntakeRecord,
    required_documents: &[String],
) -> Result<IntakeRecord, (&'static str, RuleError)> {
    if channel.is_online() {
        if record != &IntakeRecord::default() {
            return Err((
                FIELD_IDENTITY,
                RuleError::new(
                    "intake_not_online",
                    "본인 확인과 서류 확인은 창구·전화·우편·방문 접수에만 기록합니다",
                    "identity and document checks are recorded for counter, phone, mail and visit intake only",
                ),
            ));
        }
        return Ok(IntakeRecord::default());
    }
    let Some(identity) = record.identity_check else {
        return Err((
            FIELD_IDENTITY,
            RuleError::new(
                "missing_identity_check",
                "본인 확인 방법을 고르세요",
                "choose how the identity was checked",
            ),
        ));
    };
    if !identity.allowed_for(channel) {
        return Err((
            FIELD_IDENTITY,
            RuleError::new(
                "identity_check_not_for_channel",
                format!("{}은(는) 이 접수 경로에 맞지 않습니다", identity.korean()),
                format!(
                    "`{}` does not fit {} intake",
                    identity.as_str(),
                    channel.as_str()
                ),
            ),
        ));
    }
    if let Some(unknown) = record
        .documents_checked
        .iter()
        .find(|d| !required_documents.contains(d))
    {
        return Err((
            FIELD_DOCUMENTS,
            RuleError::new(
                "unknown_document",
                format!("'{unknown}'은(는) 이 민원의 구비서류가 아닙니다"),
                format!("'{unknown}' is not a required document of this type"),
            ),
        ));
    }
    let missing: Vec<&str> = required_documents
        .iter()
        .filter(|d| !record.documents_checked.contains(d))
        .map(String::as_str)
        .collect();
    if documents_expected(channel) && !missing.is_empty() {
        let list = missing.join(", ");
        return Err((
            FIELD_DOCUMENTS,
            RuleError::new(
                "missing_document",
                format!("구비서류를 확인해 주세요: {list}"),
                format!("required documents not checked: {list}"),
            ),
        ));
    }
    Ok(IntakeRecord {
        identity_check: Some(identity),
        documents_checked: required_documents
            .iter()
            .filter(|d| record.documents_checked.contains(d))
            .cloned()
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn docs() -> Vec<String> {
        vec!["신분증 사본".into(), "건축물 도면".into()]
    }

    #[test]
    fn counter_needs_an_id_document_and_every_required_document() {
        let mut r = IntakeRecord {
            identity_check: None,
            documents_checked: vec!["신분증 사본".into()],
        };
        assert_eq!(
            check(Channel::Counter, &r, &docs()).unwrap_err().1.code,
            "missing_identity_check"
        );
        r.identity_check = Some(IdentityCheck::PhoneCallback);
        assert_eq!(
            check(Channel::Counter, &r, &docs()).unwrap_err().1.code,
            "identity_check_not_for_channel"
        );
        r.identity_check = Some(IdentityCheck::IdCard);
        let (field, e) = check(Channel::Counter, &r, &docs()).unwrap_err();
        assert_eq!((field, e.code), (FIELD_DOCUMENTS, "missing_document"));
        assert!(e.message().contains("건축물 도면"));
        r.documents_checked = vec!["건축물 도면".into(), "신분증 사본".into()];
        let ok = check(Channel::Counter, &r, &docs()).unwrap();
        assert_eq!(ok.documents_checked, docs());
    }

    #[test]
    fn phone_documents_come_later_and_online_records_nothing() {
        let r = IntakeRecord {
            identity_check: Some(IdentityCheck::NotChecked),
            documents_checked: vec![],
        };
        assert!(check(Channel::Phone, &r, &docs()).is_ok());
        assert!(check(Channel::Counter, &r, &[]).is_err());
        assert_eq!(
            check(Channel::Web, &r, &docs()).unwrap_err().1.code,
            "intake_not_online"
        );
        assert!(check(Channel::Web, &IntakeRecord::default(), &docs()).is_ok());
        let bogus = IntakeRecord {
            identity_check: Some(IdentityCheck::Signature),
            documents_checked: vec!["없는 서류".into()],
        };
        assert_eq!(
            check(Channel::Mail, &bogus, &docs()).unwrap_err().1.code,
            "unknown_document"
        );
    }
}
