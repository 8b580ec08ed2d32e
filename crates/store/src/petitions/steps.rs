//! Every step of handling (처리 단계): the row lock, the Decree's transitions applied to the stored
//! state, approval (결재) and the notices each step sends.

use super::*;
use crate::{execute_one, fetch_optional, kit::ByKey};

/// Apply one event and append it to the timeline. The row is rewritten by [`persist`].
pub(super) async fn step(
    tx: &mut Tx,
    id: PetitionId,
    current: &Derived,
    mut event: Event,
    actor: Option<AccountId>,
    cal: &WorkCalendar,
    now: DateTime<Utc>,
) -> Result<Derived> {
    // Who submitted an approval is who took the step: nobody decides their own.
    if let Event::ApprovalRequested { submitted_by, .. } = &mut event {
        *submitted_by = actor;
    }
    let (next, event) = advance(tx, current, event, cal, now).await?;
    let entry = TimelineEntry {
        at: now,
        actor,
        event,
    };
    insert_events(tx, &[(id, i64::from(next.events), &entry)])?;
    Ok(next)
}

/// Fill in what the store computes for an event (receipt number, transfer limit, new due
/// date) and check it with the domain rules: the next state and the event as recorded.
pub(super) async fn advance(
    tx: &mut Tx,
    current: &Derived,
    mut event: Event,
    cal: &WorkCalendar,
    now: DateTime<Utc>,
) -> Result<(Derived, Event)> {
    match &event {
        Event::Transferred { to: d, .. }
        | Event::Assigned {
            department_id: d, ..
        } if *d != current.department_id => {
            ensure_active_department(tx, *d).await?;
        }
        _ => {}
    }
    match &mut event {
        Event::Received { receipt_no } if current.state == State::Arrived => {
            *receipt_no = next_receipt_no(tx, now).await?;
        }
        Event::Transferred {
            to,
            far_or_misassigned,
            due,
            ..
        } => {
            // Misassigned is the official's word; far is known from the org chart: a
            // department away from the main office (`departments.remote`) on either end.
            *far_or_misassigned |= any_remote(tx, &[current.department_id, *to]).await?;
            // The limit runs from the moment the petition reached its current department.
            let from = current.received_at.map_or(current.department_since, |r| {
                r.max(current.department_since)
            });
            *due = calendar::deadline(
                cal,
                &DeadlineInput::new(from, transfer_limit(*far_or_misassigned)),
                now,
            )
            .map_err(deadline_error)?;
        }
        Event::TransferredOut { due, .. } => {
            // Act art. 16: within 8 working hours of receipt (of arrival, before receipt).
            let from = current.received_at.unwrap_or(current.arrived_at);
            *due = Some(
                calendar::deadline(
                    cal,
                    &DeadlineInput::new(
                        from,
                        Period::Hours(domain::petitions::AGENCY_TRANSFER_WITHIN_HOURS),
                    ),
                    now,
                )
                .map_err(deadline_error)?,
            );
        }
        _ => {}
    }
    let mut next = current.apply(&event, now, cal)?;
    if let Event::Extended { new_due, .. } = &mut event {
        // The new expected date told to the petitioner, from the one deadline function.
        if let Some(due) = next.due(cal, now)? {
            *new_due = due;
        }
    }
    // Derived::apply counts events; the stored sequence number is that count.
    next.events = current.events + 1;
    Ok((next, event))
}

/// Whether any of these departments is away from the main office (migration 0014).
pub(super) async fn any_remote(tx: &mut Tx, ids: &[DepartmentId]) -> Result<bool> {
    let mut remote = false;
    for id in ids {
        let row: Option<(bool,)> =
            fetch_optional!(tx, _, "SELECT remote FROM departments WHERE id = $1", *id)?;
        remote |= row.is_some_and(|r| r.0);
    }
    Ok(remote)
}

/// Mark a department as away from the main office or not: in-office transfers to or from it
/// get 3 working hours (Decree art. 13).
pub async fn set_department_remote(tx: &mut Tx, id: DepartmentId, remote: bool) -> Result<()> {
    execute_one!(
        tx,
        "UPDATE departments SET remote = $1 WHERE id = $2",
        remote,
        id
    )
}

/// Whether a department is away from the main office.
pub async fn department_remote(db: &Db, id: DepartmentId) -> Result<bool> {
    let row: Option<(bool,)> =
        fetch_optional!(db, _, "SELECT remote FROM departments WHERE id = $1", id)?;
    Ok(row.is_some_and(|r| r.0))
}

/// A petition moves only to a department that exists and is not retired.
pub(super) async fn ensure_active_department(tx: &mut Tx, id: DepartmentId) -> Result<()> {
    let row: Option<(bool,)> =
        fetch_optional!(tx, _, "SELECT active FROM departments WHERE id = $1", id)?;
    match row {
        Some((true,)) => Ok(()),
        Some((false,)) => Err(bad(
            "department_retired",
            "폐지된 부서로는 옮길 수 없습니다",
            "the department is retired; choose another",
        )),
        None => Err(bad(
            "unknown_department",
            "없는 부서입니다",
            "no such department",
        )),
    }
}

/// Take the next receipt number of the year (Asia/Seoul).
pub(super) async fn next_receipt_no(tx: &mut Tx, now: DateTime<Utc>) -> Result<String> {
    let year = calendar::to_seoul(now).year();
    let n = tx.next_receipt_count(i64::from(year)).await?;
    Ok(receipt_number(year, n))
}

/// What a petition's row keeps beside its columns of the derived state: the state itself
/// (JSON), the due cache, the repeat proposal and a new change number.
pub(super) struct RowState {
    pub(super) derived: String,
    pub(super) due: Option<DateTime<Utc>>,
    pub(super) repeat_proposed: bool,
    pub(super) change_seq: i64,
}

impl RowState {
    pub(super) async fn of(
        tx: &mut Tx,
        d: &Derived,
        cal: &WorkCalendar,
        now: DateTime<Utc>,
    ) -> Result<Self> {
        Ok(RowState {
            derived: to_json(d)?,
            // Before receipt, the receipt limit: the queue sorts, counts and reminds by it.
            due: d.clock_due(cal, now)?,
            repeat_proposed: d.repeat.as_ref().is_some_and(RepeatInfo::proposes_closing)
                && d.state.is_open(),
            change_seq: tx.next_change_seq().await?,
        })
    }
}

/// Rewrite the row's copy of the derived state, the due cache and the change number; returns
/// the row as it now is (one statement: no second read).
pub(super) async fn persist(
    tx: &mut Tx,
    id: PetitionId,
    d: &Derived,
    cal: &WorkCalendar,
    now: DateTime<Utc>,
) -> Result<Petition> {
    let row = RowState::of(tx, d, cal, now).await?;
    let sql = format!(
        "UPDATE petitions SET derived = $1, state = $2, department_id = $3, assignee_id = $4, \
         received_at = $5, receipt_no = $6, flagged = $7, repeat_proposed = $8, due_at = $9, \
         event_count = $10, change_seq = $11, updated_at = $12, additional_requested = $14, \
         reminded = CASE WHEN due_at IS NULL OR $9 IS NULL OR due_at <> $9 THEN '' ELSE reminded END \
         WHERE id = $13 RETURNING {PETITION_COLUMNS}"
    );
    fetch_optional!(
        tx,
        PetitionRow,
        sqlx::AssertSqlSafe(sql),
        &row.derived,
        d.state.as_str(),
        d.department_id,
        d.assignee_id,
        d.received_at,
        &d.receipt_no,
        d.flagged,
        row.repeat_proposed,
        row.due,
        i64::from(d.events),
        row.change_seq,
        now,
        id,
        d.additional_requested.is_some()
    )?
    .or_not_found()?
    .into_petition()
}

/// Lock the petition for a change and read its derived state.
pub(super) async fn lock(tx: &mut Tx, id: PetitionId) -> Result<Derived> {
    // A no-op update: on PostgreSQL it locks the row, on SQLite it takes the write lock before
    // the read, so two handlers of one petition queue up instead of losing an update.
    let row: Option<(String,)> = fetch_optional!(
        tx,
        _,
        "UPDATE petitions SET event_count = event_count WHERE id = $1 RETURNING derived",
        id
    )?;
    from_json(&row.or_not_found()?.0)
}

/// Apply one handling step (any event but `Filed`). Refused steps change nothing.
pub async fn act(
    tx: &mut Tx,
    id: PetitionId,
    event: Event,
    actor: Option<AccountId>,
    cal: &WorkCalendar,
    now: DateTime<Utc>,
) -> Result<Petition> {
    let current = lock(tx, id).await?;
    let notice = petitioner_notice(&event);
    let submitted = match &event {
        Event::ApprovalRequested { step, .. } => Some(held_words(step)),
        _ => None,
    };
    let next = step(tx, id, &current, event, actor, cal, now).await?;
    let petition = persist(tx, id, &next, cal, now).await?;
    if let Some((subject, body)) = notice {
        notify_petitioner(tx, &petition, &subject, &body, now).await?;
    }
    // An official given a petition by someone else is told.
    if let Some(assignee) = next.assignee_id
        && current.assignee_id != Some(assignee)
        && actor != Some(assignee)
    {
        let line = official_line(&petition);
        notices::tell(
            tx,
            assignee,
            id,
            NoticeKind::Assigned,
            &Words::new("민원이 배정되었습니다", "A petition was assigned to you"),
            &Words::new(
                format!("민원이 배정되었습니다: {line}"),
                format!("Assigned to you: {line}"),
            ),
            now,
        )
        .await?;
    }
    // Whoever may approve the submission is told it waits for them.
    if let Some(what) = submitted {
        let line = official_line(&petition);
        for approver in notices::approvers(
            tx,
            petition.department_id,
            petition.petitioner_account_id,
            actor,
        )
        .await?
        {
            notices::tell(
                tx,
                approver,
                id,
                NoticeKind::ApprovalRequested,
                &Words::new("결재 요청이 왔습니다", "A submission awaits your approval"),
                &Words::new(
                    format!("{} 결재 요청: {line}", what.ko),
                    format!("{} submitted for your approval: {line}", what.en),
                ),
                now,
            )
            .await?;
        }
    }
    Ok(petition)
}

/// What a held step is, in a notice to an official.
pub(super) fn held_words(step: &HeldStep) -> Words {
    match step {
        HeldStep::Answer { .. } => Words::new("답변", "Answer"),
        HeldStep::Extension { .. } => Words::new("처리기간 연장", "Extension"),
    }
}

/// The petition as named in a notice to an official: receipt number and title.
pub(super) fn official_line(p: &Petition) -> String {
    format!(
        "[{}] {}",
        p.receipt_no.as_deref().unwrap_or("-"),
        p.title.trim()
    )
}

/// The supervisor's decision on an approval (결재).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(tag = "decision", rename_all = "snake_case")]
pub enum ApprovalDecision {
    /// The held answer or extension takes effect now.
    Approve {
        #[serde(default)]
        comment: String,
    },
    /// Back to the official with a comment; nothing takes effect.
    Return { comment: String },
}

/// Decide the approval a petition waits for, in one transaction: approving records `approved`
/// and then the held step (answered or extended, told to the petitioner as a direct step is);
/// returning records `approval_returned` and tells the official who submitted it. The approver
/// has been checked against the access policy; here nobody decides their own submission, and a
/// decided approval cannot be decided again.
pub async fn decide_approval(
    tx: &mut Tx,
    id: PetitionId,
    decision: ApprovalDecision,
    approver: AccountId,
    cal: &WorkCalendar,
    now: DateTime<Utc>,
) -> Result<Petition> {
    let current = lock(tx, id).await?;
    let pending = current
        .approval
        .clone()
        .ok_or_else(domain::petitions::nothing_to_decide)?;
    domain::petitions::check_approver(&pending, approver)?;
    match decision {
        ApprovalDecision::Return { comment } => {
            let event = Event::ApprovalReturned {
                comment: comment.trim().to_string(),
            };
            let next = step(tx, id, &current, event, Some(approver), cal, now).await?;
            let petition = persist(tx, id, &next, cal, now).await?;
            if let Some(official) = pending.submitted_by {
                let what = held_words(&pending.step);
                let (line, comment) = (official_line(&petition), comment.trim());
                notices::tell(
                    tx,
                    official,
                    id,
                    NoticeKind::ApprovalReturned,
                    &Words::new("결재가 반려되었습니다", "Your submission was returned"),
                    &Words::new(
                        format!(
                            "{} 결재가 반려되었습니다: {line} — 의견: {comment}",
                            what.ko
                        ),
                        format!("{} returned: {line} — comment: {comment}", what.en),
                    ),
                    now,
                )
                .await?;
            }
            Ok(petition)
        }
        ApprovalDecision::Approve { comment } => {
            let approved = Event::Approved {
                comment: comment.trim().to_string(),
            };
            let mid = step(tx, id, &current, approved, Some(approver), cal, now).await?;
            let held = pending.step.event(now);
            let notice = petitioner_notice(&held);
            // The step is the submitting official's, taken effect by the approval.
            let next = step(tx, id, &mid, held, pending.submitted_by, cal, now).await?;
            let petition = persist(tx, id, &next, cal, now).await?;
            if let Some((subject, body)) = notice {
                notify_petitioner(tx, &petition, &subject, &body, now).await?;
            }
            Ok(petition)
        }
    }
}

/// What the petitioner must be told of a step, if anything (subject, body).
pub(super) fn petitioner_notice(event: &Event) -> Option<(String, String)> {
    match event {
        Event::TransferredOut { agency, reason, .. } => Some((
            "민원이 다른 기관으로 이송되었습니다".into(),
            format!("이송 기관: {agency}\n사유: {reason}"),
        )),
        Event::SupplementRequested { items, answer_by } => Some((
            "민원 보완을 요청합니다".into(),
            format!(
                "보완할 사항: {items}\n보완 기한: {}",
                calendar::to_seoul(*answer_by).format("%Y-%m-%d %H:%M")
            ),
        )),
        Event::Extended { reason, .. } => Some((
            "민원 처리기간이 연장되었습니다".into(),
            format!("연장 사유: {reason}"),
        )),
        Event::Answered { text, .. } => {
            Some(("민원 처리 결과를 알려 드립니다".into(), text.clone()))
        }
        Event::ProgressNotice { note } => Some(("민원 처리 진행 상황 안내".into(), note.clone())),
        Event::Closed { reason } => Some(("민원이 종결되었습니다".into(), reason.clone())),
        Event::ClosedAsRepeated { basis } => Some((
            "반복 민원으로 종결되었습니다".into(),
            format!("근거: {basis}"),
        )),
        _ => None,
    }
}

/// Queue a notice to the petitioner (email, else SMS) in the same transaction.
pub(super) async fn notify_petitioner(
    tx: &mut Tx,
    p: &Petition,
    subject: &str,
    body: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    let (channel, to) = if !p.petitioner_email.is_empty() {
        (outbox::Channel::Email, p.petitioner_email.as_str())
    } else if !p.petitioner_phone.is_empty() {
        (outbox::Channel::Sms, p.petitioner_phone.as_str())
    } else {
        return Ok(());
    };
    let number = p.receipt_no.as_deref().unwrap_or("-");
    let handler = handler_tx(tx, p).await?;
    // The official's own words pass the name-hiding rule like the handler line does.
    let mut body = format!("[{number}] {}\n\n{}", p.title, handler.scrub(body));
    let line = handler.line();
    if !line.is_empty() {
        body.push_str(&format!("\n\n{line}"));
    }
    // When the corrected calendar moves the deadline, the petitioner sees the new date.
    if let (Some(due), true) = (p.due_at, p.state.is_open()) {
        body.push_str(&format!(
            "\n처리 예정일: {}",
            calendar::to_seoul(due).format("%Y-%m-%d %H:%M")
        ));
    }
    outbox::enqueue(tx, channel, to, &format!("[민원] {subject}"), &body, now).await?;
    Ok(())
}
