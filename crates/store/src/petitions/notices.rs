//! What an official is told (알림): a petition assigned to them, an approval (결재) returned to
//! them, and for a supervisor an answer or extension submitted for their approval. Each notice is
//! a row they see on their own screen and, when their account has an email address, a mail
//! through the outbox — both in the transaction of the step that caused it. The text is kept as
//! a Korean and an English half so each page shows its own language.

use chrono::{DateTime, Utc};
use domain::AccountId;
use domain::access::{self, Action, Actor, Capability, OrgChart, Target};
use domain::office::accounts::Role;
use serde::Serialize;

use crate::{Db, Result, Tx, execute, fetch_all, fetch_optional, kit::outbox};

/// Why an official is told.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NoticeKind {
    /// A petition was assigned to them (배정).
    Assigned,
    /// Their answer or extension came back from the supervisor with a comment (결재 반려).
    ApprovalReturned,
    /// An answer or extension was submitted for the supervisor's approval (결재 요청).
    ApprovalRequested,
}

impl NoticeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            NoticeKind::Assigned => "assigned",
            NoticeKind::ApprovalReturned => "approval_returned",
            NoticeKind::ApprovalRequested => "approval_requested",
        }
    }
}

/// One notice as the official sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct StaffNotice {
    pub id: i64,
    pub petition_id: i64,
    pub kind: String,
    pub body_ko: String,
    pub body_en: String,
    pub created_at: DateTime<Utc>,
    pub read_at: Option<DateTime<Utc>>,
}

/// A text in both languages: Korean first, English second.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Words {
    pub ko: String,
    pub en: String,
}

impl Words {
    pub fn new(ko: impl Into<String>, en: impl Into<String>) -> Self {
        Words {
            ko: ko.into(),
            en: en.into(),
        }
    }

    /// Both halves in one line, for a mail (which has no language of its own).
    fn both(&self) -> String {
        format!("{} ({})", self.ko, self.en)
    }
}

/// Tell `account` about a petition: a row for their screen and, with an address, a mail.
pub async fn tell(
    tx: &mut Tx,
    account: AccountId,
    petition_id: i64,
    kind: NoticeKind,
    subject: &Words,
    body: &Words,
    now: DateTime<Utc>,
) -> Result<()> {
    execute!(
        tx,
        "INSERT INTO staff_notices (account_id, petition_id, kind, body_ko, body_en, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
        account,
        petition_id,
        kind.as_str(),
        &body.ko,
        &body.en,
        now
    )?;
    let email: Option<(String,)> = fetch_optional!(
        tx,
        _,
        "SELECT email FROM accounts WHERE id = $1 AND active = TRUE",
        account
    )?;
    if let Some((to,)) = email.filter(|(e,)| !e.trim().is_empty()) {
        outbox::enqueue(
            tx,
            outbox::Channel::Email,
            &to,
            &format!("[민원 업무] {}", subject.both()),
            &format!("{}\n\n{}", body.ko, body.en),
            now,
        )
        .await?;
    }
    Ok(())
}

/// Who may approve (결재) a petition held in `department`, as the one access policy says:
/// active supervisors it grants `Approve` on the record, but never the one who submitted it.
pub async fn approvers(
    tx: &mut Tx,
    department: Option<domain::DepartmentId>,
    owner: Option<AccountId>,
    submitter: Option<AccountId>,
) -> Result<Vec<AccountId>> {
    let departments: Vec<(domain::DepartmentId, Option<domain::DepartmentId>)> =
        fetch_all!(tx, _, "SELECT id, parent_id FROM departments")?;
    let org = OrgChart::new(departments);
    let supervisors: Vec<(AccountId, Option<domain::DepartmentId>)> = fetch_all!(
        tx,
        _,
        "SELECT id, department_id FROM accounts WHERE role = $1 AND active = TRUE ORDER BY id",
        Role::Supervisor.as_str()
    )?;
    let target = Target::Record {
        owner,
        department,
        shared_with: &[],
    };
    Ok(supervisors
        .into_iter()
        .filter(|(id, _)| Some(*id) != submitter)
        .filter(|(id, dept)| {
            let actor = Actor {
                account_id: *id,
                role: Role::Supervisor,
                department_id: *dept,
                // The head's extra grants cover late petitions only, never approval.
                office_head: false,
            };
            access::decide(&actor, Capability::Petitions, Action::Approve, target, &org).is_ok()
        })
        .map(|(id, _)| id)
        .collect())
}

/// An official's notices, unread first, newest first within each.
pub async fn for_account(db: &Db, account: AccountId, limit: i64) -> Result<Vec<StaffNotice>> {
    Ok(fetch_all!(
        db,
        StaffNotice,
        "SELECT id, petition_id, kind, body_ko, body_en, created_at, read_at FROM staff_notices \
         WHERE account_id = $1 ORDER BY (read_at IS NULL) DESC, id DESC LIMIT $2",
        account,
        limit
    )?)
}

/// The official opened the petition: its notices to them are read.
pub async fn mark_read(
    db: &Db,
    account: AccountId,
    petition_id: i64,
    now: DateTime<Utc>,
) -> Result<u64> {
    Ok(execute!(
        db,
        "UPDATE staff_notices SET read_at = $1 \
         WHERE account_id = $2 AND petition_id = $3 AND read_at IS NULL",
        now,
        account,
        petition_id
    )?)
}
