//! Petitions (민원): types, the timeline of events and the state derived from it, and the rules
//! of the Act on Civil Petitions (민원 처리에 관한 법률) that decide which step is allowed when.
//!
//! The timeline is the truth: every state change, notice and note is an [`Event`], appended and
//! never changed. [`Derived`] is what the events add up to ([`Derived::replay`]); storage keeps a
//! copy of it for queries and proves the copy equal to a replay. Each step is checked by
//! [`Derived::apply`], which either returns the next state or a [`RuleError`] and changes nothing.
//!
//! Deadlines come only from [`calendar::deadline`]; this module builds its input
//! ([`Derived::deadline_input`]) and never does date arithmetic of its own.

use crate::{AccountId, DepartmentId, RuleError};
use calendar::{DeadlineInput, Pause, Period, WorkCalendar};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

pub mod fields;
pub mod intake;

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
    fn is_workable(self) -> bool {
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

/// A pause of the clock as recorded on the timeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PauseRecord {
    pub kind: PauseKind,
    pub reason: String,
    pub start: DateTime<Utc>,
    pub end: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExtensionRecord {
    pub period: Period,
    pub ground: ExtensionGround,
    pub reason: String,
    pub consent: bool,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnswerRecord {
    pub at: DateTime<Utc>,
    pub text: String,
    /// An additional answer (재답변) given to a dissatisfied petitioner.
    pub additional: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransferRecord {
    pub at: DateTime<Utc>,
    pub from: Option<DepartmentId>,
    pub to: DepartmentId,
    /// The working-hour limit that applied (1, or 3 when far or misassigned).
    pub limit_hours: u32,
    /// When the transfer was due, from `calendar::deadline` of the arrival in `from`.
    pub due: DateTime<Utc>,
    pub on_time: bool,
}

/// A transfer to another agency (Act art. 16) with its due moment and whether it was met.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgencyTransferRecord {
    pub at: DateTime<Utc>,
    pub agency: String,
    pub limit_hours: u32,
    pub due: DateTime<Utc>,
    pub on_time: bool,
}

/// The supplement request in force (보완요청).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SupplementStatus {
    pub requested_at: DateTime<Utc>,
    pub items: String,
    pub answer_by: DateTime<Utc>,
    /// Times the petitioner asked for more time (at most twice, Decree art. 24).
    pub more_time: u32,
    /// Undelivered requests; the second makes the petition withdrawn (Decree art. 25).
    pub failed_deliveries: u32,
}

/// What the system found about earlier petitions of the same petitioner and content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RepeatInfo {
    /// The earlier petitions judged the same (most recent first).
    pub earlier: Vec<PetitionId>,
    /// How many of them had their result notified.
    pub results_notified: u32,
}

impl RepeatInfo {
    /// The system proposes closing as repeated (Act art. 23): the same petition a third time or
    /// more, with the result notified at least twice.
    pub fn proposes_closing(&self) -> bool {
        self.earlier.len() >= 2 && self.results_notified >= 2
    }
}

/// One step on the timeline. Serialised with a `type` tag; stored as JSON.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Event {
    /// The petition came in. Always the first event.
    Filed {
        kind: Kind,
        channel: Channel,
        anonymous: bool,
        department_id: DepartmentId,
        /// `None` for anonymous reports: no statutory clock.
        period: Option<Period>,
        /// When the online petition must be received by (8 working hours after arrival).
        receipt_due: Option<DateTime<Utc>>,
        repeat: Option<RepeatInfo>,
        flagged: bool,
    },
    /// 접수 with its number in the petition register.
    Received {
        receipt_no: String,
    },
    Assigned {
        department_id: DepartmentId,
        assignee_id: Option<AccountId>,
    },
    /// 이송 to another department of the office.
    Transferred {
        to: DepartmentId,
        /// The 1-hour rule, or 3 hours when far or misassigned (Decree art. 13).
        far_or_misassigned: bool,
        reason: String,
        /// Filled in by [`Derived::apply`]'s caller from `calendar::deadline`.
        due: DateTime<Utc>,
    },
    /// 이송 to another agency; the petitioner is told.
    TransferredOut {
        agency: String,
        reason: String,
        /// 8 working hours from receipt (Act art. 16), filled in by [`Derived::apply`]'s caller
        /// from `calendar::deadline`; absent on events recorded before it was kept.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        due: Option<DateTime<Utc>>,
    },
    SupplementRequested {
        items: String,
        answer_by: DateTime<Utc>,
    },
    SupplementMoreTime {
        answer_by: DateTime<Utc>,
    },
    SupplementDeliveryFailed,
    SupplementReceived {
        note: String,
    },
    ReturnedUnsupplemented {
        reason: String,
    },
    PauseStarted {
        kind: PauseKind,
        reason: String,
    },
    PauseEnded {
        note: String,
    },
    /// The one 7-day extension of a grievance's on-site investigation (Decree art. 17).
    SiteInvestigationExtended {
        reason: String,
    },
    Extended {
        period: Period,
        ground: ExtensionGround,
        reason: String,
        consent: bool,
        /// The new expected date told to the petitioner.
        new_due: DateTime<Utc>,
    },
    /// 중간통지 (Decree art. 23).
    ProgressNotice {
        note: String,
    },
    Answered {
        text: String,
        template: Option<String>,
        additional: bool,
    },
    Closed {
        reason: String,
    },
    ClosedAsRepeated {
        basis: String,
    },
    Rated {
        score: u8,
        comment: String,
    },
    Reopened {
        reason: String,
    },
    Note {
        text: String,
    },
    /// A reminder to the handler (due soon, overdue); not a change of state.
    Reminder {
        level: String,
    },
    /// An answer or an extension sent to the supervisor for approval (결재 상신) instead of
    /// taking effect; the clock keeps running.
    ApprovalRequested {
        step: HeldStep,
        /// Filled in by the store from the timeline entry's actor: nobody approves their own.
        submitted_by: Option<AccountId>,
    },
    /// The supervisor returned it with a comment (반려); nothing took effect.
    ApprovalReturned {
        comment: String,
    },
    /// The supervisor approved it (결재); the held step follows as its own event.
    Approved {
        #[serde(default)]
        comment: String,
    },
}

/// The step an approval holds until it is decided.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum HeldStep {
    Answer {
        text: String,
        template: Option<String>,
        additional: bool,
    },
    Extension {
        period: Period,
        ground: ExtensionGround,
        reason: String,
        consent: bool,
    },
}

impl HeldStep {
    /// The step held back by an approval request, if it is one that needs approval.
    pub fn of(event: &Event) -> Option<HeldStep> {
        match event {
            Event::Answered {
                text,
                template,
                additional,
            } => Some(HeldStep::Answer {
                text: text.clone(),
                template: template.clone(),
                additional: *additional,
            }),
            Event::Extended {
                period,
                ground,
                reason,
                consent,
                ..
            } => Some(HeldStep::Extension {
                period: *period,
                ground: *ground,
                reason: reason.clone(),
                consent: *consent,
            }),
            _ => None,
        }
    }

    /// The event that takes effect once approved (an extension's new due date is filled in by
    /// the store from the deadline function, as for a direct extension).
    pub fn event(&self, placeholder_due: DateTime<Utc>) -> Event {
        match self {
            HeldStep::Answer {
                text,
                template,
                additional,
            } => Event::Answered {
                text: text.clone(),
                template: template.clone(),
                additional: *additional,
            },
            HeldStep::Extension {
                period,
                ground,
                reason,
                consent,
            } => Event::Extended {
                period: *period,
                ground: *ground,
                reason: reason.clone(),
                consent: *consent,
                new_due: placeholder_due,
            },
        }
    }
}

/// An approval waiting for the supervisor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingApproval {
    pub step: HeldStep,
    pub submitted_by: Option<AccountId>,
    pub at: DateTime<Utc>,
}

/// The supervisor's last return, shown to the official until they submit again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReturnedApproval {
    pub comment: String,
    pub at: DateTime<Utc>,
    /// Who submitted what was returned (the official told).
    pub submitted_by: Option<AccountId>,
}

/// Who may decide an approval: the access policy has already said the approver supervises the
/// petition's division; this rule adds that nobody approves or returns what they submitted.
pub fn check_approver(pending: &PendingApproval, approver: AccountId) -> Result<(), RuleError> {
    if pending.submitted_by == Some(approver) {
        return Err(rule(
            "own_submission",
            "자신이 올린 결재는 스스로 결재하거나 반려할 수 없습니다",
            "nobody approves or returns what they submitted themselves",
        ));
    }
    Ok(())
}

/// The marks that say a text is not yet the office's answer: the draft banner and the built-in
/// draft's list of items to fill.
pub const DRAFT_MARKERS: [&str; 3] = ["[초안 · DRAFT]", "[채울 항목 · to fill]", "[확인 필요]"];

/// An answer goes out only as the official meant it: no draft marker and no unfilled template
/// placeholder (`{answer}`, `{{name}}` …) may reach the petitioner.
pub fn check_answer_text(text: &str) -> Result<(), RuleError> {
    nonempty(text, "답변", "answer text")?;
    if let Some(m) = DRAFT_MARKERS.iter().find(|m| text.contains(*m)) {
        return Err(RuleError::new(
            "answer_is_draft",
            format!("답변에 초안 표시 '{m}'가 남아 있습니다. 내용을 확인하고 지운 뒤 보내세요"),
            format!(
                "the answer still carries the draft marker '{m}'; check the text and remove it before sending"
            ),
        ));
    }
    if let Some(key) = unfilled_placeholder(text) {
        return Err(RuleError::new(
            "answer_unfilled",
            format!("답변에 채우지 않은 자리표시자 {{{key}}}가 있습니다. 내용을 써 넣으세요"),
            format!(
                "the answer has an unfilled placeholder {{{key}}}; write the text in its place"
            ),
        ));
    }
    Ok(())
}

/// The first `{word}` (or `{{word}}`) left in a text, a word being ASCII letters, digits, `_`
/// or Hangul, as templates write placeholders.
fn unfilled_placeholder(text: &str) -> Option<String> {
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        let after = rest[open + 1..].trim_start_matches('{');
        let Some(close) = after.find('}') else { break };
        let key = after[..close].trim();
        let word = !key.is_empty()
            && key
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || ('가'..='힣').contains(&c));
        if word {
            return Some(key.to_string());
        }
        rest = &after[close + 1..];
    }
    None
}

impl Event {
    /// Stable name stored in the `kind` column.
    pub fn name(&self) -> &'static str {
        match self {
            Event::Filed { .. } => "filed",
            Event::Received { .. } => "received",
            Event::Assigned { .. } => "assigned",
            Event::Transferred { .. } => "transferred",
            Event::TransferredOut { .. } => "transferred_out",
            Event::SupplementRequested { .. } => "supplement_requested",
            Event::SupplementMoreTime { .. } => "supplement_more_time",
            Event::SupplementDeliveryFailed => "supplement_delivery_failed",
            Event::SupplementReceived { .. } => "supplement_received",
            Event::ReturnedUnsupplemented { .. } => "returned_unsupplemented",
            Event::PauseStarted { .. } => "pause_started",
            Event::PauseEnded { .. } => "pause_ended",
            Event::SiteInvestigationExtended { .. } => "site_investigation_extended",
            Event::Extended { .. } => "extended",
            Event::ProgressNotice { .. } => "progress_notice",
            Event::Answered { .. } => "answered",
            Event::Closed { .. } => "closed",
            Event::ClosedAsRepeated { .. } => "closed_as_repeated",
            Event::Rated { .. } => "rated",
            Event::Reopened { .. } => "reopened",
            Event::Note { .. } => "note",
            Event::Reminder { .. } => "reminder",
            Event::ApprovalRequested { .. } => "approval_requested",
            Event::ApprovalReturned { .. } => "approval_returned",
            Event::Approved { .. } => "approved",
        }
    }

    /// Steps inside the office the petitioner is not shown: approvals (결재) in progress.
    pub fn is_internal(&self) -> bool {
        matches!(
            self,
            Event::ApprovalRequested { .. }
                | Event::ApprovalReturned { .. }
                | Event::Approved { .. }
        )
    }

    /// Steps the petitioner takes; every other step is the office's.
    pub fn is_petitioner_step(&self) -> bool {
        matches!(
            self,
            Event::Filed { .. }
                | Event::SupplementMoreTime { .. }
                | Event::SupplementReceived { .. }
                | Event::Rated { .. }
        )
    }
}

/// An event with who and when, as the timeline keeps it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TimelineEntry {
    pub at: DateTime<Utc>,
    pub actor: Option<AccountId>,
    pub event: Event,
}

/// Everything the timeline adds up to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Derived {
    pub state: State,
    pub kind: Kind,
    pub channel: Channel,
    pub anonymous: bool,
    pub department_id: DepartmentId,
    /// When the petition reached its current department (for the transfer limits).
    pub department_since: DateTime<Utc>,
    pub assignee_id: Option<AccountId>,
    pub arrived_at: DateTime<Utc>,
    pub receipt_due: Option<DateTime<Utc>>,
    pub received_at: Option<DateTime<Utc>>,
    pub receipt_no: Option<String>,
    pub period: Option<Period>,
    pub pauses: Vec<PauseRecord>,
    pub extensions: Vec<ExtensionRecord>,
    pub supplement: Option<SupplementStatus>,
    pub transfers: Vec<TransferRecord>,
    pub transferred_to_agency: Option<String>,
    /// The due moment and result of the transfer to another agency, when it was timed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agency_transfer: Option<AgencyTransferRecord>,
    pub answers: Vec<AnswerRecord>,
    /// Results notified to the petitioner (answers, additional answers).
    pub results_notified: u32,
    /// The latest rating (1 = very dissatisfied … 5 = very satisfied) since the last answer.
    pub satisfaction: Option<u8>,
    pub ratings: u32,
    pub progress_notices: u32,
    pub last_notice_at: Option<DateTime<Utc>>,
    pub repeat: Option<RepeatInfo>,
    pub closed_reason: Option<String>,
    /// Flagged by abuse screening at intake.
    pub flagged: bool,
    /// The grievance's on-site investigation was extended once (14 + 7 days).
    #[serde(default)]
    pub site_investigation_extended: bool,
    /// An answer or extension waiting for the supervisor (결재 대기).
    #[serde(default)]
    pub approval: Option<PendingApproval>,
    /// The last approval returned, until the next submission or approval.
    #[serde(default)]
    pub approval_returned: Option<ReturnedApproval>,
    pub events: u32,
}

/// Ratings at or below this are dissatisfied and open the way to an additional answer.
pub const DISSATISFIED_AT_MOST: u8 = 2;
/// A supplement may be requested within this many working hours of receipt (Rules art. 9).
pub const SUPPLEMENT_WITHIN_HOURS: u32 = 8;
/// Online petitions are received within this many working hours of arrival (Decree art. 6).
pub const RECEIPT_WITHIN_HOURS: u32 = 8;
/// A petition for another agency goes there within this many working hours (Act art. 16).
pub const AGENCY_TRANSFER_WITHIN_HOURS: u32 = 8;
/// Days between progress notices (Decree art. 23).
pub const PROGRESS_NOTICE_DAYS: i64 = 30;
/// Days of a grievance's on-site investigation that do not count (Decree art. 17) …
pub const SITE_INVESTIGATION_DAYS: i64 = 14;
/// … and the one extension of it.
pub const SITE_INVESTIGATION_EXTENSION_DAYS: i64 = 7;

/// Seoul dates from `start`'s through `end`'s, both included (how a pause excludes days).
fn seoul_days_covered(start: DateTime<Utc>, end: DateTime<Utc>) -> i64 {
    let (a, b) = (
        calendar::to_seoul(start).date_naive(),
        calendar::to_seoul(end.max(start)).date_naive(),
    );
    (b - a).num_days() + 1
}

/// The last moment of an on-site investigation starting at `start` that may still stop the
/// clock with `days` of the allowance left: the end of its `days`-th Seoul date.
fn site_investigation_limit(start: DateTime<Utc>, days: i64) -> DateTime<Utc> {
    let first = calendar::to_seoul(start).date_naive();
    first
        .checked_add_days(chrono::Days::new(days.max(0).unsigned_abs()))
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .and_then(|t| t.and_local_timezone(calendar::seoul()).single())
        .map_or(DateTime::<Utc>::MAX_UTC, |t| {
            t.with_timezone(&Utc) - chrono::Duration::microseconds(1)
        })
}

fn rule(code: &'static str, korean: &str, english: &str) -> RuleError {
    RuleError::new(code, korean, english)
}

fn not_now(state: State, what_ko: &str, what_en: &str) -> RuleError {
    RuleError::new(
        "transition_not_allowed",
        format!("'{}' 상태에서는 {what_ko}할 수 없습니다", state.korean()),
        format!("cannot {what_en} a petition in state '{}'", state.as_str()),
    )
}

/// Deciding an approval that is not (or no longer) waiting.
pub fn nothing_to_decide() -> RuleError {
    rule(
        "no_pending_approval",
        "결재를 기다리는 건이 없습니다. 이미 결재되었거나 반려되었습니다",
        "nothing awaits approval: it was already approved or returned",
    )
}

fn nonempty(text: &str, field_ko: &str, field_en: &str) -> Result<(), RuleError> {
    if text.trim().is_empty() {
        return Err(RuleError::new(
            "missing_field",
            format!("{field_ko}을(를) 입력해 주세요"),
            format!("{field_en} is required"),
        ));
    }
    Ok(())
}

/// An extension's length against the original period's, in the original's own unit (Decree
/// art. 21 caps an extension at the original period): working hours when the original counts in
/// working hours (즉시, hours, up to 5 days), days otherwise. `(extension, cap, unit)`; a period
/// that cannot be said in working hours (weeks and longer) always exceeds an hour-counted one.
pub fn extension_against_cap(original: Period, extension: Period) -> (u64, u64, Unit) {
    if original.counting_mode() == calendar::CountingMode::WorkingHours {
        let cap = original.as_working_hours().unwrap_or(0);
        let ext = extension.as_working_hours().unwrap_or(u64::MAX);
        return (ext, cap, Unit::WorkingHours);
    }
    (days_of(extension), days_of(original), Unit::Days)
}

/// The unit an extension is compared in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    WorkingHours,
    Days,
}

/// Length in days of a period compared with a day-counted one: hours in whole 8-hour days
/// (started days count), weeks as 7 days, months as 30, years as 365.
fn days_of(p: Period) -> u64 {
    match p {
        Period::Hours(h) => u64::from(h).div_ceil(u64::from(calendar::HOURS_PER_DAY)),
        Period::Immediate => 1,
        Period::Days(d) => u64::from(d),
        Period::Weeks(w) => u64::from(w) * 7,
        Period::Months(m) => u64::from(m) * 30,
        Period::Years(y) => u64::from(y) * 365,
    }
}

impl Derived {
    /// The state right after filing.
    pub fn filed(event: &Event, at: DateTime<Utc>) -> Result<Derived, RuleError> {
        let Event::Filed {
            kind,
            channel,
            anonymous,
            department_id,
            period,
            receipt_due,
            repeat,
            flagged,
        } = event
        else {
            return Err(rule(
                "timeline_corrupt",
                "타임라인의 첫 단계는 접수 신청이어야 합니다",
                "the first event of a timeline must be `filed`",
            ));
        };
        if !*anonymous && period.is_none() {
            return Err(rule(
                "period_missing",
                "처리기간을 정할 수 없습니다",
                "the petition has no processing period",
            ));
        }
        Ok(Derived {
            state: State::Arrived,
            kind: *kind,
            channel: *channel,
            anonymous: *anonymous,
            department_id: *department_id,
            department_since: at,
            assignee_id: None,
            arrived_at: at,
            receipt_due: *receipt_due,
            received_at: None,
            receipt_no: None,
            period: if *anonymous { None } else { *period },
            pauses: Vec::new(),
            extensions: Vec::new(),
            supplement: None,
            transfers: Vec::new(),
            transferred_to_agency: None,
            agency_transfer: None,
            answers: Vec::new(),
            results_notified: 0,
            satisfaction: None,
            ratings: 0,
            progress_notices: 0,
            last_notice_at: None,
            repeat: repeat.clone(),
            closed_reason: None,
            flagged: *flagged,
            site_investigation_extended: false,
            approval: None,
            approval_returned: None,
            events: 1,
        })
    }

    /// The timeline replayed from the start. Storage compares its copy with this.
    pub fn replay(entries: &[TimelineEntry], cal: &WorkCalendar) -> Result<Derived, RuleError> {
        let (first, rest) = entries.split_first().ok_or_else(|| {
            rule(
                "timeline_corrupt",
                "빈 타임라인입니다",
                "the timeline is empty",
            )
        })?;
        let mut d = Derived::filed(&first.event, first.at)?;
        for e in rest {
            d = d.apply(&e.event, e.at, cal)?;
        }
        Ok(d)
    }

    /// The input of `calendar::deadline`: receipt, period, pauses and extensions. `None` while
    /// not received and for anonymous reports (no statutory clock). `now` matters only for a
    /// grievance's on-site investigation, which stops the clock for at most
    /// [`SITE_INVESTIGATION_DAYS`] (+ [`SITE_INVESTIGATION_EXTENSION_DAYS`] once) in all: a longer
    /// one is cut at its limit, and the clock runs again although the petition stays paused.
    pub fn deadline_input(&self, now: DateTime<Utc>) -> Option<DeadlineInput> {
        let received = self.received_at?;
        let period = self.period?;
        Some(DeadlineInput {
            received,
            period,
            pauses: self.counted_pauses(now).0,
            extensions: self.extensions.iter().map(|e| e.period).collect(),
        })
    }

    /// The clock the office works against now: while an online petition waits for receipt, the
    /// 8 working hours from its arrival (Decree art. 6); afterwards the statutory period
    /// ([`Derived::deadline_input`]). The queue's due cache, its order, the overdue count and
    /// the reminders all follow it.
    pub fn clock_input(&self, now: DateTime<Utc>) -> Option<DeadlineInput> {
        if self.state == State::Arrived {
            self.receipt_due?;
            return Some(DeadlineInput::new(
                self.arrived_at,
                Period::Hours(RECEIPT_WITHIN_HOURS),
            ));
        }
        self.deadline_input(now)
    }

    /// The input for the answer the petitioner can expect, and whether it is an estimate:
    /// once received, the statutory one; before receipt, as if received at the latest legal
    /// moment (the end of the receipt limit), which is the latest the answer can be due.
    pub fn expected_input(&self, now: DateTime<Utc>) -> Option<(DeadlineInput, bool)> {
        match self.deadline_input(now) {
            Some(input) => Some((input, false)),
            None if self.state == State::Arrived => {
                Some((DeadlineInput::new(self.receipt_due?, self.period?), true))
            }
            None => None,
        }
    }

    /// The moment [`Derived::clock_input`] runs out: the due cache of the queue.
    pub fn clock_due(
        &self,
        cal: &WorkCalendar,
        now: DateTime<Utc>,
    ) -> Result<Option<DateTime<Utc>>, RuleError> {
        match self.clock_input(now) {
            Some(input) => calendar::deadline(cal, &input, now)
                .map(Some)
                .map_err(deadline_error),
            None => Ok(None),
        }
    }

    /// The answer the petitioner can expect ([`Derived::expected_input`]) from the one
    /// deadline function.
    pub fn expected_answer(
        &self,
        cal: &WorkCalendar,
        now: DateTime<Utc>,
    ) -> Result<Option<DateTime<Utc>>, RuleError> {
        match self.expected_input(now) {
            Some((input, _)) => calendar::deadline(cal, &input, now)
                .map(Some)
                .map_err(deadline_error),
            None => Ok(None),
        }
    }

    /// Transfers that missed their limit (Decree art. 13, Act art. 16): the dashboard and the
    /// petition page flag them.
    pub fn late_transfers(&self) -> u32 {
        let inside = self.transfers.iter().filter(|t| !t.on_time).count();
        let out = self.agency_transfer.iter().filter(|t| !t.on_time).count();
        u32::try_from(inside + out).unwrap_or(u32::MAX)
    }

    /// Days of on-site investigation a grievance may take without counting.
    fn site_investigation_allowance(&self) -> i64 {
        if self.site_investigation_extended {
            SITE_INVESTIGATION_DAYS + SITE_INVESTIGATION_EXTENSION_DAYS
        } else {
            SITE_INVESTIGATION_DAYS
        }
    }

    /// Days of the allowance still unused at `at`.
    pub fn site_investigation_days_left(&self, at: DateTime<Utc>) -> i64 {
        self.counted_pauses(at).1
    }

    /// The pauses as they stop the clock at `now`, and the site-investigation allowance left:
    /// each on-site investigation is cut at the end of its last allowed Seoul date (dropped
    /// once the allowance is used up); every other pause counts as recorded.
    fn counted_pauses(&self, now: DateTime<Utc>) -> (Vec<Pause>, i64) {
        let mut site_days_left = self.site_investigation_allowance();
        let mut pauses = Vec::with_capacity(self.pauses.len());
        for p in &self.pauses {
            if p.kind != PauseKind::SiteInvestigation {
                pauses.push(Pause {
                    start: p.start,
                    end: p.end,
                });
                continue;
            }
            if site_days_left <= 0 {
                continue;
            }
            let limit = site_investigation_limit(p.start, site_days_left);
            let end = match p.end {
                Some(end) => Some(end.min(limit)),
                None if now > limit => Some(limit),
                None => None,
            };
            site_days_left -= seoul_days_covered(p.start, end.unwrap_or(now));
            pauses.push(Pause {
                start: p.start,
                end,
            });
        }
        (pauses, site_days_left.max(0))
    }

    /// The due moment (처리기한) from the one deadline function.
    pub fn due(
        &self,
        cal: &WorkCalendar,
        now: DateTime<Utc>,
    ) -> Result<Option<DateTime<Utc>>, RuleError> {
        match self.deadline_input(now) {
            Some(input) => calendar::deadline(cal, &input, now)
                .map(Some)
                .map_err(deadline_error),
            None => Ok(None),
        }
    }

    /// The state the petition returns to after a pause or a reopening.
    fn working_state(&self) -> State {
        if self.assignee_id.is_some() {
            State::InProgress
        } else {
            State::Received
        }
    }

    fn close_open_pause(&mut self, at: DateTime<Utc>) {
        if let Some(p) = self.pauses.last_mut()
            && p.end.is_none()
        {
            p.end = Some(at.max(p.start));
        }
    }

    /// Apply one event at `at`: the next state, or why the step is not allowed. Pure: `self`
    /// is untouched, so a refused step leaves everything as it was.
    pub fn apply(
        &self,
        event: &Event,
        at: DateTime<Utc>,
        cal: &WorkCalendar,
    ) -> Result<Derived, RuleError> {
        let mut d = self.clone();
        let s = self.state;
        match event {
            Event::Filed { .. } => {
                return Err(rule(
                    "transition_not_allowed",
                    "이미 신청된 민원입니다",
                    "the petition was already filed",
                ));
            }
            Event::Received { receipt_no } => {
                if s != State::Arrived {
                    return Err(not_now(s, "접수", "receive"));
                }
                nonempty(receipt_no, "접수번호", "receipt number")?;
                d.received_at = Some(at);
                d.receipt_no = Some(receipt_no.clone());
                d.state = State::Received;
            }
            Event::Assigned {
                department_id,
                assignee_id,
            } => {
                if !s.is_open() || s == State::Arrived {
                    return Err(not_now(s, "배정", "assign"));
                }
                if *department_id != d.department_id {
                    d.department_since = at;
                }
                d.department_id = *department_id;
                d.assignee_id = *assignee_id;
                if s == State::Received && assignee_id.is_some() {
                    d.state = State::InProgress;
                }
                if s == State::InProgress && assignee_id.is_none() {
                    d.state = State::Received;
                }
            }
            Event::Transferred {
                to,
                far_or_misassigned,
                reason,
                due,
            } => {
                if !matches!(s, State::Arrived | State::Received | State::InProgress) {
                    return Err(not_now(s, "이송", "transfer"));
                }
                nonempty(reason, "이송 사유", "transfer reason")?;
                if *to == d.department_id {
                    return Err(rule(
                        "same_department",
                        "같은 부서로는 이송할 수 없습니다",
                        "the petition is already in that department",
                    ));
                }
                d.transfers.push(TransferRecord {
                    at,
                    from: Some(d.department_id),
                    to: *to,
                    limit_hours: if *far_or_misassigned { 3 } else { 1 },
                    due: *due,
                    on_time: at <= *due,
                });
                d.department_id = *to;
                d.department_since = at;
                d.assignee_id = None;
                if s == State::InProgress {
                    d.state = State::Received;
                }
            }
            Event::TransferredOut {
                agency,
                reason,
                due,
            } => {
                if !matches!(s, State::Arrived | State::Received | State::InProgress) {
                    return Err(not_now(s, "기관 이송", "transfer out"));
                }
                nonempty(agency, "이송 기관", "receiving agency")?;
                nonempty(reason, "이송 사유", "transfer reason")?;
                d.transferred_to_agency = Some(agency.clone());
                d.agency_transfer = due.map(|due| AgencyTransferRecord {
                    at,
                    agency: agency.clone(),
                    limit_hours: AGENCY_TRANSFER_WITHIN_HOURS,
                    due,
                    on_time: at <= due,
                });
                d.state = State::TransferredOut;
            }
            Event::SupplementRequested { items, answer_by } => {
                if !s.is_workable() {
                    return Err(not_now(s, "보완 요청", "request a supplement for"));
                }
                nonempty(items, "보완할 사항", "items to supplement")?;
                if *answer_by <= at {
                    return Err(rule(
                        "bad_date",
                        "보완 기한은 요청 시각 이후여야 합니다",
                        "the supplement deadline must be after the request",
                    ));
                }
                // Rules art. 9: within 8 working hours of receipt, paused time excluded.
                if let Some(input) = self.deadline_input(at) {
                    let elapsed =
                        calendar::working_time_elapsed(cal, &input, at).map_err(deadline_error)?;
                    if elapsed > chrono::TimeDelta::hours(i64::from(SUPPLEMENT_WITHIN_HOURS)) {
                        return Err(rule(
                            "supplement_too_late",
                            "보완 요청은 접수 후 8근무시간 안에 해야 합니다",
                            "a supplement must be requested within 8 working hours of receipt",
                        ));
                    }
                }
                d.supplement = Some(SupplementStatus {
                    requested_at: at,
                    items: items.clone(),
                    answer_by: *answer_by,
                    more_time: 0,
                    failed_deliveries: 0,
                });
                d.pauses.push(PauseRecord {
                    kind: PauseKind::Supplement,
                    reason: items.clone(),
                    start: at,
                    end: None,
                });
                d.state = State::Supplement;
            }
            Event::SupplementMoreTime { answer_by } => {
                let sup = match (s, d.supplement.as_mut()) {
                    (State::Supplement, Some(sup)) => sup,
                    _ => return Err(not_now(s, "보완 기간 연장", "extend the supplement of")),
                };
                if sup.more_time >= 2 {
                    return Err(rule(
                        "supplement_more_time_limit",
                        "보완 기간 연장은 두 번까지입니다",
                        "more time for a supplement may be asked at most twice",
                    ));
                }
                if *answer_by <= sup.answer_by {
                    return Err(rule(
                        "bad_date",
                        "새 보완 기한은 지금 기한보다 늦어야 합니다",
                        "the new supplement deadline must be later than the current one",
                    ));
                }
                sup.more_time += 1;
                sup.answer_by = *answer_by;
            }
            Event::SupplementDeliveryFailed => {
                let sup = match (s, d.supplement.as_mut()) {
                    (State::Supplement, Some(sup)) => sup,
                    _ => return Err(not_now(s, "송달 실패 기록", "record a failed delivery for")),
                };
                sup.failed_deliveries += 1;
                if sup.failed_deliveries >= 2 {
                    d.close_open_pause(at);
                    d.state = State::Withdrawn;
                    d.closed_reason = Some(
                        "보완요청 2회 송달 불능으로 취하 처리 (withdrawn: request undeliverable twice)"
                            .into(),
                    );
                }
            }
            Event::SupplementReceived { .. } => {
                if s != State::Supplement {
                    return Err(not_now(s, "보완 접수", "receive a supplement for"));
                }
                d.close_open_pause(at);
                d.supplement = None;
                d.state = d.working_state();
            }
            Event::ReturnedUnsupplemented { reason } => {
                let answer_by = match (s, &d.supplement) {
                    (State::Supplement, Some(sup)) => sup.answer_by,
                    _ => return Err(not_now(s, "반려", "return")),
                };
                if at < answer_by {
                    return Err(rule(
                        "supplement_pending",
                        "보완 기한이 지나기 전에는 반려할 수 없습니다",
                        "the petition may be returned only after the supplement deadline",
                    ));
                }
                nonempty(reason, "반려 사유", "reason")?;
                d.close_open_pause(at);
                d.state = State::Returned;
                d.closed_reason = Some(reason.clone());
            }
            Event::PauseStarted { kind, reason } => {
                if !s.is_workable() {
                    return Err(not_now(s, "처리 정지", "pause"));
                }
                if *kind == PauseKind::Supplement {
                    return Err(rule(
                        "use_supplement_request",
                        "보완은 보완 요청으로 기록해 주세요",
                        "record a supplement with a supplement request",
                    ));
                }
                if d.period.is_none() {
                    return Err(rule(
                        "no_clock",
                        "처리기한이 없는 신고에는 정지가 필요 없습니다",
                        "a report without a statutory clock cannot be paused",
                    ));
                }
                if *kind == PauseKind::SiteInvestigation {
                    if d.kind != Kind::Grievance {
                        return Err(rule(
                            "site_investigation_grievance_only",
                            "현장조사 정지는 고충민원에만 적용됩니다",
                            "an on-site investigation pause applies to grievances only",
                        ));
                    }
                    if d.site_investigation_days_left(at) <= 0 {
                        return Err(rule(
                            "site_investigation_exhausted",
                            "현장조사 기간(14일, 연장 시 7일 추가)을 모두 썼습니다",
                            "the on-site investigation allowance (14 days, +7 once) is used up",
                        ));
                    }
                }
                nonempty(reason, "정지 사유", "reason")?;
                d.pauses.push(PauseRecord {
                    kind: *kind,
                    reason: reason.clone(),
                    start: at,
                    end: None,
                });
                d.state = State::Paused;
            }
            Event::PauseEnded { .. } => {
                if s != State::Paused {
                    return Err(not_now(s, "정지 해제", "resume"));
                }
                d.close_open_pause(at);
                d.state = d.working_state();
            }
            Event::SiteInvestigationExtended { reason } => {
                let investigating = s == State::Paused
                    && d.pauses
                        .last()
                        .is_some_and(|p| p.kind == PauseKind::SiteInvestigation && p.end.is_none());
                if !investigating {
                    return Err(rule(
                        "not_investigating",
                        "현장조사 중일 때만 조사 기간을 연장할 수 있습니다",
                        "the investigation can be extended only while it runs",
                    ));
                }
                if d.site_investigation_extended {
                    return Err(rule(
                        "site_investigation_extended_once",
                        "현장조사 기간은 한 번(7일)만 연장할 수 있습니다",
                        "an on-site investigation can be extended once (7 days)",
                    ));
                }
                nonempty(reason, "연장 사유", "reason")?;
                d.site_investigation_extended = true;
            }
            Event::Extended {
                period,
                ground,
                reason,
                consent,
                ..
            } => {
                if !matches!(
                    s,
                    State::Received | State::InProgress | State::Paused | State::Supplement
                ) {
                    return Err(not_now(s, "처리기간 연장", "extend"));
                }
                let original = d.period.ok_or_else(|| {
                    rule(
                        "no_clock",
                        "처리기한이 없는 신고는 연장할 수 없습니다",
                        "a report without a statutory clock cannot be extended",
                    )
                })?;
                check_extension(original, &d.extensions, *period, *ground, reason, *consent)?;
                d.extensions.push(ExtensionRecord {
                    period: *period,
                    ground: *ground,
                    reason: reason.clone(),
                    consent: *consent,
                    at,
                });
            }
            Event::ProgressNotice { .. } => {
                if !s.is_open() || s == State::Arrived {
                    return Err(not_now(s, "중간 통지", "send a progress notice for"));
                }
                d.progress_notices += 1;
                d.last_notice_at = Some(at);
            }
            Event::Answered {
                text, additional, ..
            } => {
                nonempty(text, "답변", "answer text")?;
                if *additional {
                    if !matches!(s, State::Answered | State::Closed) {
                        return Err(not_now(s, "추가 답변", "add an answer to"));
                    }
                    if d.satisfaction.is_none_or(|r| r > DISSATISFIED_AT_MOST) {
                        return Err(rule(
                            "not_dissatisfied",
                            "추가 답변은 만족도가 낮은(불만족) 민원에만 합니다",
                            "an additional answer follows a dissatisfied rating",
                        ));
                    }
                } else if !s.is_workable() {
                    return Err(not_now(s, "답변", "answer"));
                }
                d.answers.push(AnswerRecord {
                    at,
                    text: text.clone(),
                    additional: *additional,
                });
                d.results_notified += 1;
                d.satisfaction = None;
                if !*additional {
                    d.state = State::Answered;
                }
            }
            Event::Closed { reason } => {
                let allowed = s == State::Answered || (d.anonymous && s.is_workable());
                if !allowed {
                    return Err(not_now(s, "종결", "close"));
                }
                d.state = State::Closed;
                d.closed_reason = Some(reason.clone());
            }
            Event::ClosedAsRepeated { basis } => {
                if !s.is_workable() {
                    return Err(not_now(s, "반복민원 종결", "close as repeated"));
                }
                nonempty(basis, "종결 근거", "basis")?;
                let proposed = d.repeat.as_ref().is_some_and(RepeatInfo::proposes_closing);
                if !proposed || !d.kind.may_close_as_repeated() {
                    return Err(rule(
                        "not_repeated",
                        "같은 민원이 세 번 이상이고 결과를 두 번 이상 통지한 경우에만 반복민원으로 종결할 수 있습니다",
                        "only a third or later petition, with two results notified, may be closed as repeated",
                    ));
                }
                d.state = State::Closed;
                d.closed_reason = Some(format!("반복민원 종결 (repeated petition): {basis}"));
            }
            Event::Rated { score, .. } => {
                if !matches!(s, State::Answered | State::Closed) {
                    return Err(not_now(s, "만족도 평가", "rate"));
                }
                if !(1..=5).contains(score) {
                    return Err(rule(
                        "bad_score",
                        "만족도는 1에서 5 사이여야 합니다",
                        "the rating must be between 1 and 5",
                    ));
                }
                if d.satisfaction.is_some() {
                    return Err(rule(
                        "already_rated",
                        "이 답변은 이미 평가했습니다",
                        "this answer was already rated",
                    ));
                }
                d.satisfaction = Some(*score);
                d.ratings += 1;
            }
            Event::Reopened { reason } => {
                if !matches!(s, State::Answered | State::Closed) {
                    return Err(not_now(s, "재개", "reopen"));
                }
                nonempty(reason, "재개 사유", "reason")?;
                d.closed_reason = None;
                d.state = d.working_state();
            }
            Event::Note { text } => nonempty(text, "메모", "note text")?,
            Event::Reminder { .. } => {
                if !s.is_open() {
                    return Err(not_now(s, "알림", "remind about"));
                }
            }
            Event::ApprovalRequested { step, submitted_by } => {
                if d.approval.is_some() {
                    return Err(rule(
                        "approval_pending",
                        "이미 결재를 기다리는 건이 있습니다. 결재나 반려 뒤에 다시 올리세요",
                        "something already awaits approval; submit again once it is decided",
                    ));
                }
                // What is held must be allowed now, as if it took effect at once.
                self.apply(&step.event(at), at, cal)?;
                d.approval = Some(PendingApproval {
                    step: step.clone(),
                    submitted_by: *submitted_by,
                    at,
                });
                d.approval_returned = None;
            }
            Event::ApprovalReturned { comment } => {
                let Some(pending) = d.approval.take() else {
                    return Err(nothing_to_decide());
                };
                nonempty(comment, "반려 의견", "comment")?;
                d.approval_returned = Some(ReturnedApproval {
                    comment: comment.clone(),
                    at,
                    submitted_by: pending.submitted_by,
                });
            }
            Event::Approved { .. } => {
                if d.approval.take().is_none() {
                    return Err(nothing_to_decide());
                }
                d.approval_returned = None;
            }
        }
        d.events += 1;
        Ok(d)
    }
}

/// Decree art. 21: allowed grounds only; once, by at most the original period; a second time
/// only with the petitioner's recorded consent; never a third time.
pub fn check_extension(
    original: Period,
    earlier: &[ExtensionRecord],
    period: Period,
    ground: ExtensionGround,
    reason: &str,
    consent: bool,
) -> Result<(), RuleError> {
    if !ground.is_allowed() {
        return Err(rule(
            "extension_ground_not_allowed",
            "업무량이나 담당자 부재·결원은 연장 사유가 될 수 없습니다",
            "workload or a missing or absent handler is never a ground for extension",
        ));
    }
    nonempty(reason, "연장 사유", "extension reason")?;
    let (ext, cap, unit) = extension_against_cap(original, period);
    // Same unit of months or years: compare the counts, not 30- or 365-day approximations.
    let over = match (original, period) {
        (Period::Months(a), Period::Months(b)) | (Period::Years(a), Period::Years(b)) => b > a,
        _ => ext > cap,
    };
    if over {
        let (ko, en) = match unit {
            Unit::WorkingHours => ("근무시간", "working hours"),
            Unit::Days => ("일", "days"),
        };
        let (ext_ko, ext_en) = if ext == u64::MAX {
            ("주 이상".to_string(), "weeks or more".to_string())
        } else {
            (format!("{ext}{ko}"), format!("{ext} {en}"))
        };
        return Err(RuleError::new(
            "extension_too_long",
            format!(
                "연장 {}({ext_ko})은 처음 처리기간 {}({cap}{ko})을 넘을 수 없습니다",
                period.korean(),
                original.korean()
            ),
            format!(
                "an extension of {period} = {ext_en} may not exceed the original period {original} = {cap} {en}"
            ),
        ));
    }
    match earlier.len() {
        0 => Ok(()),
        1 if consent => Ok(()),
        1 => Err(rule(
            "extension_needs_consent",
            "두 번째 연장에는 민원인의 동의가 필요합니다",
            "a second extension needs the petitioner's consent",
        )),
        _ => Err(rule(
            "extension_limit",
            "처리기간은 두 번까지만 연장할 수 있습니다",
            "a petition may be extended at most twice",
        )),
    }
}

pub fn deadline_error(e: calendar::DeadlineError) -> RuleError {
    RuleError::new(
        "period_not_computable",
        "처리기한을 계산할 수 없습니다",
        format!("the deadline cannot be computed: {e}"),
    )
}

/// A transfer limit in working hours: 1, or 3 when the department is far or the petition was
/// misassigned (Decree art. 13); 8 to another agency (Act art. 16).
pub fn transfer_limit(far_or_misassigned: bool) -> Period {
    Period::Hours(if far_or_misassigned { 3 } else { 1 })
}

/// Fills a response template (답변 서식). Placeholders are `{name}`: unknown ones are left as
/// written so a typo is visible rather than silently blank.
pub fn render_template(template: &str, values: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        match after.find('}') {
            Some(close) => {
                let key = &after[..close];
                match values.iter().find(|(k, _)| *k == key) {
                    Some((_, v)) => out.push_str(v),
                    None => {
                        out.push('{');
                        out.push_str(key);
                        out.push('}');
                    }
                }
                rest = &after[close + 1..];
            }
            None => {
                out.push_str(&rest[open..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

/// The placeholders the answer step fills (`web::petitions::api`' answer action and the draft).
pub const TEMPLATE_PLACEHOLDERS: [&str; 7] = [
    "name",
    "receipt_no",
    "title",
    "department",
    "official",
    "date",
    "answer",
];

/// Checks a template an administrator writes: a name, and only placeholders the answer step
/// knows (a misspelt one would reach the petitioner as written).
pub fn validate_template(name: &str, text: &str) -> Result<(), RuleError> {
    if name.trim().is_empty() || text.trim().is_empty() {
        return Err(RuleError::new(
            "bad_template",
            "답변 서식에는 이름과 내용이 필요합니다",
            "an answer template needs a name and a text",
        ));
    }
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        let Some(close) = after.find('}') else { break };
        let key = &after[..close];
        let looks_like_placeholder =
            !key.is_empty() && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if looks_like_placeholder && !TEMPLATE_PLACEHOLDERS.contains(&key) {
            let list = TEMPLATE_PLACEHOLDERS.map(|p| format!("{{{p}}}")).join(" ");
            return Err(RuleError::new(
                "bad_template",
                format!(
                    "답변 서식 '{name}'의 {{{key}}}는 알 수 없는 자리표시자입니다. 쓸 수 있는 것: {list}"
                ),
                format!("unknown placeholder {{{key}}} in template '{name}'; known: {list}"),
            ));
        }
        rest = &after[close + 1..];
    }
    Ok(())
}

/// The receipt number in the petition register (민원 처리부): year and a 7-digit sequence.
pub fn receipt_number(year: i32, seq: i64) -> String {
    format!("{year}-{seq:07}")
}

#[cfg(test)]
mod tests;

/// Years a completed petition is kept unless its type says otherwise (the consent text
/// promises 10 years from the 1 January after completion).
pub const DEFAULT_RETENTION_YEARS: u32 = 10;

/// The first moment a petition completed at `completed` may be deleted: 1 January (Seoul) of
/// the year after completion, plus `years`.
pub fn retention_ends(completed: DateTime<Utc>, years: u32) -> DateTime<Utc> {
    use chrono::Datelike;
    let year =
        calendar::to_seoul(completed).year() + 1 + i32::try_from(years).unwrap_or(i32::MAX / 2);
    new_year_in_seoul(year)
}

/// Petitions completed before this moment have reached the end of a `years` retention at
/// `now` (the inverse of [`retention_ends`]: completion before 1 January of `now`'s year
/// minus `years`).
pub fn retention_cutoff(now: DateTime<Utc>, years: u32) -> DateTime<Utc> {
    use chrono::Datelike;
    let year = calendar::to_seoul(now).year() - i32::try_from(years).unwrap_or(i32::MAX / 2);
    new_year_in_seoul(year)
}

/// Midnight of 1 January of `year` in Seoul (no daylight saving there, so it always exists).
fn new_year_in_seoul(year: i32) -> DateTime<Utc> {
    use chrono::TimeZone;
    let year = year.clamp(1, 9999);
    calendar::seoul()
        .with_ymd_and_hms(year, 1, 1, 0, 0, 0)
        .single()
        .map_or(DateTime::<Utc>::MAX_UTC, |t| t.with_timezone(&Utc))
}

impl Derived {
    /// Whether the first answer came before the due moment that applied then (the anonymous
    /// statistics kept after deletion count it).
    pub fn answered_on_time(&self, cal: &WorkCalendar) -> bool {
        let Some(first) = self.answers.iter().find(|a| !a.additional) else {
            return false;
        };
        self.deadline_input(first.at).is_some_and(|input| {
            calendar::deadline(cal, &input, first.at).is_ok_and(|due| first.at <= due)
        })
    }
}
