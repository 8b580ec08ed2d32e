//! The state the timeline adds up to ([`Derived`]) and every step's rule under the Act and its
//! Decree: which step is allowed when, deadlines' inputs, extensions and transfers.

use super::*;

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
    /// When the petitioner asked for an additional answer that has not been given yet: the
    /// petition is back in the office's queue with its own marker.
    #[serde(default)]
    pub additional_requested: Option<DateTime<Utc>>,
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
pub(super) fn seoul_days_covered(start: DateTime<Utc>, end: DateTime<Utc>) -> i64 {
    let (a, b) = (
        calendar::to_seoul(start).date_naive(),
        calendar::to_seoul(end.max(start)).date_naive(),
    );
    (b - a).num_days() + 1
}

/// The last moment of an on-site investigation starting at `start` that may still stop the
/// clock with `days` of the allowance left: the end of its `days`-th Seoul date.
pub(super) fn site_investigation_limit(start: DateTime<Utc>, days: i64) -> DateTime<Utc> {
    let first = calendar::to_seoul(start).date_naive();
    first
        .checked_add_days(chrono::Days::new(days.max(0).unsigned_abs()))
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .and_then(|t| t.and_local_timezone(calendar::seoul()).single())
        .map_or(DateTime::<Utc>::MAX_UTC, |t| {
            t.with_timezone(&Utc) - chrono::Duration::microseconds(1)
        })
}

pub(super) fn rule(code: &'static str, korean: &str, english: &str) -> RuleError {
    RuleError::new(code, korean, english)
}

pub(super) fn not_now(state: State, what_ko: &str, what_en: &str) -> RuleError {
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

pub(super) fn nonempty(text: &str, field_ko: &str, field_en: &str) -> Result<(), RuleError> {
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
pub(super) fn days_of(p: Period) -> u64 {
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
            additional_requested: None,
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
    /// Rules art. 9: a supplement is requested within 8 working hours of receipt, paused time
    /// excluded. The step applies it and the desk asks it to show the form disabled in time.
    pub fn check_supplement_in_time(
        &self,
        at: DateTime<Utc>,
        cal: &WorkCalendar,
    ) -> Result<(), RuleError> {
        let Some(input) = self.deadline_input(at) else {
            return Ok(());
        };
        let elapsed = calendar::working_time_elapsed(cal, &input, at).map_err(deadline_error)?;
        if elapsed > chrono::TimeDelta::hours(i64::from(SUPPLEMENT_WITHIN_HOURS)) {
            return Err(rule(
                "supplement_too_late",
                "보완 요청은 접수 후 8근무시간 안에 해야 합니다. 그 시간이 지났습니다",
                "a supplement must be requested within 8 working hours of receipt; that time has passed",
            ));
        }
        Ok(())
    }

    /// One submission awaits approval at a time: the next answer or extension goes up once it
    /// is decided. The step applies it; the desk asks it to close the forms that would submit.
    pub fn check_no_pending_approval(&self) -> Result<(), RuleError> {
        if self.approval.is_some() {
            return Err(rule(
                "approval_pending",
                "이미 결재를 기다리는 건이 있습니다. 결재나 반려 뒤에 다시 올리세요",
                "something already awaits approval; submit again once it is decided",
            ));
        }
        Ok(())
    }

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
                self.check_supplement_in_time(at, cal)?;
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
                d.additional_requested = None;
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
            Event::Rated {
                score, more_wanted, ..
            } => {
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
                if *more_wanted && *score > DISSATISFIED_AT_MOST {
                    return Err(rule(
                        "additional_needs_low_rating",
                        "추가 답변은 만족도 1~2점(불만족)일 때 요청할 수 있습니다",
                        "an additional answer can be requested with a rating of 1 or 2",
                    ));
                }
                d.satisfaction = Some(*score);
                d.ratings += 1;
                if *more_wanted {
                    d.additional_requested = Some(at);
                }
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
                d.check_no_pending_approval()?;
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
    check_extension_count(earlier, consent)
}

/// The number of extensions (Decree art. 21): a first freely, a second only with the
/// petitioner's consent, never a third. `check_extension` applies it; the desk asks it with
/// consent given to know whether the extension form is open at all.
pub fn check_extension_count(earlier: &[ExtensionRecord], consent: bool) -> Result<(), RuleError> {
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

/// How an extension is chosen on a form: a whole number of working hours or of days, at most
/// the cap of Decree art. 21 said in that unit. An immediate or hour-counted original takes
/// hours (a day would already exceed an immediate petition's 3 hours); every other one days.
/// Every amount from 1 to the maximum passes [`check_extension`]'s cap, one more does not.
pub fn extension_room(original: Period) -> (ExtensionUnit, u32) {
    match original {
        Period::Immediate => (ExtensionUnit::WorkingHours, 3),
        Period::Hours(h) => (ExtensionUnit::WorkingHours, h),
        other => (
            ExtensionUnit::Days,
            u32::try_from(days_of(other)).unwrap_or(u32::MAX),
        ),
    }
}

/// The unit an extension is typed in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExtensionUnit {
    WorkingHours,
    Days,
}

impl ExtensionUnit {
    /// `amount` of this unit as a period.
    pub fn period(self, amount: u32) -> Period {
        match self {
            ExtensionUnit::WorkingHours => Period::Hours(amount),
            ExtensionUnit::Days => Period::Days(amount),
        }
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
