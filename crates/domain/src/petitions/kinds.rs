//! The vocabulary of a petition: its kind (민원 종류), channel (접수 경로), state (처리 상태), pause
//! kinds and extension grounds, each with its code and its Korean and English words.

use super::*;

/// Identifier of a petition.
pub type PetitionId = i64;

/// The five general kinds of petition and the statutory one (DOMAIN.md section 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// 법정민원: certificates, permits …; the period is set per type by the office.
    Statutory,
    /// 질의민원 on a law: 14 days (Decree art. 14).
    QuestionLaw,
    /// 질의민원 on a system or procedure: 7 days (Decree art. 14).
    QuestionSystem,
    /// 건의민원: 14 days (Decree art. 15).
    Proposal,
    /// 기타민원: 즉시, i.e. 3 working hours (Decree art. 16, 19).
    Other,
    /// 고충민원: 7 days (Decree art. 17).
    Grievance,
}

impl Kind {
    pub const ALL: [Kind; 6] = [
        Kind::Statutory,
        Kind::QuestionLaw,
        Kind::QuestionSystem,
        Kind::Proposal,
        Kind::Other,
        Kind::Grievance,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Statutory => "statutory",
            Kind::QuestionLaw => "question_law",
            Kind::QuestionSystem => "question_system",
            Kind::Proposal => "proposal",
            Kind::Other => "other",
            Kind::Grievance => "grievance",
        }
    }

    pub fn korean(self) -> &'static str {
        match self {
            Kind::Statutory => "법정민원",
            Kind::QuestionLaw => "질의민원(법령)",
            Kind::QuestionSystem => "질의민원(제도·절차)",
            Kind::Proposal => "건의민원",
            Kind::Other => "기타민원",
            Kind::Grievance => "고충민원",
        }
    }

    pub fn english(self) -> &'static str {
        match self {
            Kind::Statutory => "Statutory petition",
            Kind::QuestionLaw => "Question about a law",
            Kind::QuestionSystem => "Question about a system or procedure",
            Kind::Proposal => "Proposal",
            Kind::Other => "Other petition",
            Kind::Grievance => "Grievance",
        }
    }

    /// The default period of the general kinds; statutory types carry their own.
    pub fn default_period(self) -> Option<Period> {
        match self {
            Kind::Statutory => None,
            Kind::QuestionLaw | Kind::Proposal => Some(Period::Days(14)),
            Kind::QuestionSystem | Kind::Grievance => Some(Period::Days(7)),
            Kind::Other => Some(Period::Immediate),
        }
    }

    /// Repeated petitions may be closed only when they are not statutory (Act art. 23).
    pub fn may_close_as_repeated(self) -> bool {
        self != Kind::Statutory
    }
}

impl std::str::FromStr for Kind {
    type Err = RuleError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Kind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| {
                RuleError::new(
                    "unknown_kind",
                    "알 수 없는 민원 종류입니다",
                    "unknown petition kind",
                )
            })
    }
}

/// How a petition came in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// Filed online by the resident; must be received within 8 working hours (Decree art. 6).
    Web,
    /// At the counter (창구), entered by an official on the resident's behalf.
    Counter,
    Phone,
    Mail,
    /// Taken in by an official visiting the resident (방문 접수).
    Visit,
    /// Another system through the JSON API.
    Api,
    /// A 311 client through the Open311 GeoReport v2 API.
    Open311,
}

impl Channel {
    pub const ALL: [Channel; 7] = [
        Channel::Web,
        Channel::Counter,
        Channel::Phone,
        Channel::Mail,
        Channel::Visit,
        Channel::Api,
        Channel::Open311,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Web => "web",
            Channel::Counter => "counter",
            Channel::Phone => "phone",
            Channel::Mail => "mail",
            Channel::Visit => "visit",
            Channel::Api => "api",
            Channel::Open311 => "open311",
        }
    }

    /// Online petitions arrive first and are received by an official; the others are received
    /// when they are entered.
    pub fn is_online(self) -> bool {
        matches!(self, Channel::Web | Channel::Api | Channel::Open311)
    }
}

/// The state of a petition, derived from its timeline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    /// 도착: arrived online, not yet received.
    Arrived,
    /// 접수: received, in a department, no official assigned yet.
    Received,
    /// 처리중: an official handles it.
    InProgress,
    /// 보완요청: waiting for the petitioner's supplement; the clock is paused.
    Supplement,
    /// 처리정지: paused for another reason (site investigation, inspection …).
    Paused,
    /// 답변완료: answered (result notified).
    Answered,
    /// 종결.
    Closed,
    /// 기관이송: sent to another agency.
    TransferredOut,
    /// 반려: returned because it was not supplemented.
    Returned,
    /// 취하: treated as withdrawn (supplement request undeliverable twice).
    Withdrawn,
}

impl State {
    pub const ALL: [State; 10] = [
        State::Arrived,
        State::Received,
        State::InProgress,
        State::Supplement,
        State::Paused,
        State::Answered,
        State::Closed,
        State::TransferredOut,
        State::Returned,
        State::Withdrawn,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            State::Arrived => "arrived",
            State::Received => "received",
            State::InProgress => "in_progress",
            State::Supplement => "supplement",
            State::Paused => "paused",
            State::Answered => "answered",
            State::Closed => "closed",
            State::TransferredOut => "transferred_out",
            State::Returned => "returned",
            State::Withdrawn => "withdrawn",
        }
    }

    pub fn korean(self) -> &'static str {
        match self {
            State::Arrived => "도착",
            State::Received => "접수",
            State::InProgress => "처리중",
            State::Supplement => "보완요청",
            State::Paused => "처리정지",
            State::Answered => "답변완료",
            State::Closed => "종결",
            State::TransferredOut => "기관이송",
            State::Returned => "반려",
            State::Withdrawn => "취하",
        }
    }

    /// Still waiting for the office to act (the statutory clock may run).
    pub fn is_open(self) -> bool {
        matches!(
            self,
            State::Arrived
                | State::Received
                | State::InProgress
                | State::Supplement
                | State::Paused
        )
    }

    /// The states in which the office is working on it and may answer.
    pub(super) fn is_workable(self) -> bool {
        matches!(self, State::Received | State::InProgress)
    }
}

impl std::str::FromStr for State {
    type Err = RuleError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        State::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| {
                RuleError::new(
                    "unknown_state",
                    "알 수 없는 처리 상태입니다",
                    "unknown state",
                )
            })
    }
}

/// Why the clock stops other than for a supplement (Decree art. 20 via 행정절차법 시행령 art. 11).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PauseKind {
    /// 보완 (supplement), opened by [`Event::SupplementRequested`] only.
    Supplement,
    /// 현장조사 of a grievance.
    SiteInvestigation,
    /// 시험·검사·감정, expert review.
    Inspection,
    /// 의견청취 (hearing opinions).
    Hearing,
    /// Waiting for a prerequisite matter (선결문제).
    Prerequisite,
    /// A system outage that made processing impossible.
    Outage,
}

/// Grounds for an extension (Decree art. 21). Workload and a missing or absent handler are
/// never grounds; they are listed so that asking for them gets a precise refusal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExtensionGround {
    /// Cooperation with other bodies (관계기관 협의).
    Cooperation,
    /// Fact or site checks (사실·현장 확인).
    FactCheck,
    /// Force majeure (천재지변 등).
    ForceMajeure,
    /// Similar unavoidable reasons, explained in the reason text.
    Similar,
    /// 업무량: never allowed.
    Workload,
    /// 담당자 부재·결원: never allowed.
    AbsentHandler,
}

impl ExtensionGround {
    pub fn is_allowed(self) -> bool {
        !matches!(
            self,
            ExtensionGround::Workload | ExtensionGround::AbsentHandler
        )
    }
}
