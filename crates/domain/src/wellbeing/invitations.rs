//! Why a person is invited to take the self-check (검진 안내).

use super::*;

/// Why an official is invited to a check. Only the official sees an invitation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InvitationReason {
    /// Exposed to repeated incidents (protection capability).
    RepeatedIncidents,
}

impl InvitationReason {
    pub fn as_str(self) -> &'static str {
        match self {
            InvitationReason::RepeatedIncidents => "repeated_incidents",
        }
    }

    /// The words the official reads: an invitation, never an obligation.
    pub fn message(self) -> Text {
        match self {
            InvitationReason::RepeatedIncidents => Text {
                ko: "최근 어려운 민원 상황을 여러 번 겪으셨습니다. 원하시면 마음건강 자가검진을 받아 보세요. \
                     참여는 자유이며, 결과는 본인만 볼 수 있습니다."
                    .into(),
                en: "You have recently been through several difficult incidents. If you wish, take the \
                     confidential self-check. It is your choice, and only you see the result."
                    .into(),
            },
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        (s == "repeated_incidents").then_some(InvitationReason::RepeatedIncidents)
    }
}
