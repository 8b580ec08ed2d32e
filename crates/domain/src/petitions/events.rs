//! The timeline's events (처리 이력) and the records they carry: pauses, extensions, answers,
//! transfers, supplements, repeats and the steps held for approval.

use super::*;

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
        /// The petitioner asks for an additional answer (추가 답변 요청; ratings 1–2 only): the
        /// petition goes back to the office's queue until it is given.
        #[serde(default)]
        more_wanted: bool,
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
