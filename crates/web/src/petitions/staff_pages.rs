//! Pages for officials and supervisors: the work queue ordered by working time left, one
//! petition with every handling step of the desk, and the supervisor's dashboard.
//!
//! Reach and permissions come from the one access policy through the same helpers the JSON API
//! uses (`petitions::filter_for`, `record_target`, `take_step`); deadlines from the calendar.

use crate::AppState;
use crate::kit::auth::Caller;
use crate::kit::error::ApiError;
use crate::kit::extract::{Path, Query};
use crate::kit::form::PageForm;
use crate::kit::page::{Chrome, Ctx, Lang, OrPage, PageError, PageResult, when};
use crate::petitions::answers::DecisionRequest;
use crate::petitions::api::{
    ActionRequest, filter_for, may_on, petition_for, record_target, subject, take_step,
};
use crate::petitions::assist::{CorrectionRequest, DraftRequest};
use crate::petitions::views::{
    event_words, explain_lines, form_error, ground_name, number, pause_name, state_name,
};
use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use domain::access::{Action, Capability, Screen};
use domain::petitions::{ExtensionGround, PauseKind, State as PState};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use store::petitions::{self, Petition, QueueFilter, QueueItem};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/desk", get(queue))
        .route("/desk/dashboard", get(dashboard))
        .route("/desk/petitions/{id}", get(petition_page))
        .route("/desk/petitions/{id}/reveal", post(reveal))
        .route("/desk/petitions/{id}/act", post(act))
        .route("/desk/petitions/{id}/draft", post(draft))
        .route("/desk/petitions/{id}/approval", post(decide_approval))
        .route("/desk/petitions/{id}/routing", post(correct_routing))
}

/// How urgent a petition is, shown as a colour and always also as words.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Urgency {
    Overdue,
    DueToday,
    DueSoon,
    Stopped,
    Normal,
    NoClock,
}

impl Urgency {
    pub fn class(&self) -> &'static str {
        match self {
            Urgency::Overdue => "mw-u-overdue",
            Urgency::DueToday => "mw-u-today",
            Urgency::DueSoon => "mw-u-soon",
            Urgency::Stopped => "mw-u-stopped",
            Urgency::Normal => "mw-u-normal",
            Urgency::NoClock => "mw-u-none",
        }
    }

    pub fn label(&self, l: &Lang) -> &'static str {
        match self {
            Urgency::Overdue => l.t("기한 지남", "Overdue"),
            Urgency::DueToday => l.t("오늘 마감", "Due today"),
            Urgency::DueSoon => l.t("곧 마감", "Due soon"),
            Urgency::Stopped => l.t("기간 정지", "Clock stopped"),
            Urgency::Normal => l.t("여유", "On track"),
            Urgency::NoClock => l.t("기한 없음", "No deadline"),
        }
    }
}

/// The same thresholds as the queue's counts (store::petitions: end of today, one working day).
fn urgency(
    cal: &calendar::WorkCalendar,
    p: &Petition,
    due: Option<DateTime<Utc>>,
    left: Option<i64>,
    now: DateTime<Utc>,
) -> Urgency {
    let Some(due) = due else {
        return Urgency::NoClock;
    };
    if matches!(p.state, PState::Supplement | PState::Paused) {
        return Urgency::Stopped;
    }
    if !p.state.is_open() {
        return Urgency::Normal;
    }
    // Past the due moment outside working hours, no working time is left yet none is overdue.
    if due <= now || left.is_some_and(|m| m < 0) {
        Urgency::Overdue
    } else if due < petitions::end_of_today(now) {
        Urgency::DueToday
    } else if petitions::soon_limit(cal, now).is_ok_and(|s| due <= s) {
        Urgency::DueSoon
    } else {
        Urgency::Normal
    }
}

/// Working minutes as people say them: "3시간 20분 남음" / "2 h 5 min overdue". A due moment
/// already passed with no working time since (evening, weekend) reads "기한 지남".
fn left_words(l: Lang, minutes: Option<i64>, past_due: bool) -> String {
    let Some(m) = minutes else {
        return "—".into();
    };
    let (h, mm) = (m.abs() / 60, m.abs() % 60);
    match (l, m < 0, past_due) {
        (Lang::Ko, false, true) => "기한 지남".into(),
        (Lang::En, false, true) => "past due".into(),
        (Lang::Ko, false, false) => format!("근무 {h}시간 {mm}분 남음"),
        (Lang::Ko, true, _) => format!("{h}시간 {mm}분 지남"),
        (Lang::En, false, false) => format!("{h} h {mm} min working time left"),
        (Lang::En, true, _) => format!("{h} h {mm} min overdue"),
    }
}

/// Department and petition type names by id, for lists.
struct Names {
    departments: HashMap<i64, String>,
    types: HashMap<i64, String>,
}

impl Names {
    async fn read(state: &AppState) -> Result<Names, ApiError> {
        let departments = store::office::departments::list(&state.db)
            .await?
            .into_iter()
            .map(|d| (d.id, d.name))
            .collect();
        let types = petitions::list_types(&state.db, false)
            .await?
            .into_iter()
            .map(|t| (t.id, t.name))
            .collect();
        Ok(Names { departments, types })
    }

    fn department(&self, id: Option<i64>) -> String {
        id.and_then(|d| self.departments.get(&d).cloned())
            .unwrap_or_default()
    }
}

// ---------------------------------------------------------------------------------------------
// The queue
// ---------------------------------------------------------------------------------------------

pub struct Row {
    pub id: i64,
    pub number: String,
    pub title: String,
    pub type_name: String,
    pub state: String,
    pub department: String,
    pub due: String,
    pub left: String,
    pub urgency: Urgency,
    pub flagged: bool,
    pub repeat: bool,
    /// The petitioner is under an access restriction in force (protection measure).
    pub restricted: bool,
    /// The routing suggestion made at intake, e.g. "도로과 83%" (empty without one).
    pub suggested: String,
}

/// One petition of a list (queue, dashboard), without the routing suggestion or restriction.
fn row(lang: Lang, names: &Names, i: QueueItem, urgency: Urgency, now: DateTime<Utc>) -> Row {
    let p = i.petition;
    Row {
        id: p.id,
        number: number(&p),
        type_name: names.types.get(&p.type_id).cloned().unwrap_or_default(),
        state: state_name(lang, p.state).to_string(),
        department: names.department(p.department_id),
        due: i.due.map(when).unwrap_or_else(|| "—".into()),
        left: left_words(
            lang,
            i.working_minutes_left,
            i.due.is_some_and(|d| d <= now),
        ),
        urgency,
        flagged: p.flagged,
        repeat: p.repeat_proposed,
        restricted: false,
        suggested: String::new(),
        title: p.title,
    }
}

#[derive(Deserialize, Serialize, Default, Clone)]
pub struct QueueParams {
    #[serde(default)]
    pub scope: String,
    #[serde(default)]
    pub state: String,
    #[serde(default)]
    pub urgency: String,
    #[serde(default)]
    pub department_id: String,
    #[serde(default)]
    pub q: String,
    #[serde(default)]
    pub done: String,
    /// 1-based page of [`QUEUE_PAGE`] rows.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub page: String,
}

/// Rows per queue page.
pub const QUEUE_PAGE: i64 = 50;

/// Where the queue's paging links lead, with every filter kept.
pub struct Paging {
    pub size: i64,
    pub first_row: i64,
    pub last_row: i64,
    pub prev: Option<String>,
    pub next: Option<String>,
}

impl QueueParams {
    fn page_number(&self) -> i64 {
        self.page.parse::<i64>().unwrap_or(1).clamp(1, 10_000)
    }

    fn href(&self, page: i64) -> String {
        let mut p = self.clone();
        p.page = if page > 1 {
            page.to_string()
        } else {
            String::new()
        };
        match serde_urlencoded::to_string(&p) {
            Ok(q) => format!("/desk?{q}"),
            Err(_) => "/desk".into(),
        }
    }
}

#[derive(Template)]
#[template(path = "petitions/desk_queue.html")]
struct QueuePage {
    c: Chrome,
    p: QueueParams,
    rows: Vec<Row>,
    counts: petitions::QueueCounts,
    departments: Vec<(i64, String, bool)>,
    states: Vec<(&'static str, String, bool)>,
    searched: bool,
    paging: Paging,
    /// The caller's own notices (assigned, approval returned): (petition, text, when, read).
    notices: Vec<(i64, String, String, bool)>,
    /// For supervisors: petitions in reach waiting for their approval (결재 대기).
    awaiting: Vec<(i64, String, String)>,
}

/// Petitions in the caller's reach that wait for approval, for a supervisor: (id, number, title).
async fn awaiting_approval(
    state: &AppState,
    caller: &Caller,
    base: &QueueFilter,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Vec<(i64, String, String)>, ApiError> {
    if !domain::access::holds(caller.account.role, Capability::Petitions, Action::Approve) {
        return Ok(vec![]);
    }
    let f = QueueFilter {
        limit: 1000,
        offset: 0,
        ..base.clone()
    };
    Ok(petitions::queue(&state.db, &f, now)
        .await?
        .items
        .into_iter()
        .filter(|i| {
            i.petition
                .derived
                .approval
                .as_ref()
                .is_some_and(|a| a.submitted_by != Some(caller.account.id))
        })
        .map(|i| {
            let p = i.petition;
            (p.id, number(&p), p.title)
        })
        .collect())
}

/// The caller's own notices for a page, in its language: (petition, text, when, read).
async fn notice_rows(
    state: &AppState,
    lang: Lang,
    caller: &Caller,
) -> Result<Vec<(i64, String, String, bool)>, ApiError> {
    Ok(crate::petitions::answers::my_notices(state, caller)
        .await?
        .into_iter()
        .map(|n| {
            let body = match lang {
                Lang::Ko => n.body_ko,
                Lang::En => n.body_en,
            };
            (n.petition_id, body, when(n.created_at), n.read)
        })
        .collect())
}

async fn queue(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(p): Query<QueueParams>,
) -> PageResult {
    let caller = ctx.staff_or_refuse()?;
    let page = queue_page(&state, &ctx, caller, p).await.or_page(&ctx)?;
    Ok(ctx.render(&page))
}

async fn queue_page(
    state: &AppState,
    ctx: &Ctx,
    caller: &Caller,
    p: QueueParams,
) -> Result<QueuePage, ApiError> {
    let mut f: QueueFilter = filter_for(state, caller).await?;
    let reach = f.departments.clone();
    let awaiting = awaiting_approval(state, caller, &f, store::now()).await?;
    let notices = notice_rows(state, ctx.lang, caller).await?;
    let department: Option<i64> = p.department_id.parse().ok();
    if let Some(d) = department {
        f.departments = match f.departments {
            None => Some(vec![d]),
            Some(list) if list.contains(&d) => Some(vec![d]),
            Some(_) => return Err(ApiError::forbidden()),
        };
    }
    if p.scope == "mine" {
        f.assignee_id = Some(caller.account.id);
    }
    f.state = p
        .state
        .parse::<PState>()
        .ok()
        .filter(|_| !p.state.is_empty());
    f.overdue = p.urgency == "overdue";
    f.due_today = p.urgency == "today";
    f.flagged = p.urgency == "flagged";
    f.include_done = p.done == "1";
    // One row more than a page tells whether a next page exists without counting the filter.
    let page_no = p.page_number();
    let searched = !p.q.trim().is_empty();
    // Search narrows the queue to the petitions the index finds (at most 200), in the queue's
    // order; those are paged here. Without search the store pages, one row more than a page
    // telling whether a next page exists without counting the filter.
    let offset = (page_no - 1) * QUEUE_PAGE;
    if searched {
        f.limit = 500;
        f.offset = 0;
    } else {
        f.limit = QUEUE_PAGE + 1;
        f.offset = offset;
    }
    let now = store::now();
    let (cal, _) = petitions::work_calendar(&state.db).await?;
    let names = Names::read(state).await?;
    let mut page = petitions::queue(&state.db, &f, now).await?;
    if searched {
        let index = state
            .petitions
            .index
            .as_ref()
            .ok_or_else(ApiError::internal)?;
        let r = index
            .search(
                &state.db,
                &store::petitions::search::SearchQuery {
                    text: p.q.clone(),
                    departments: f.departments.clone(),
                    petitioner_account_id: None,
                    type_id: None,
                    state: f.state,
                    limit: 200,
                    offset: 0,
                },
            )
            .await?;
        let hits: Vec<i64> = r.hits.into_iter().map(|h| h.id).collect();
        page.items.retain(|i| hits.contains(&i.petition.id));
        page.items.drain(..(offset as usize).min(page.items.len()));
    }
    let more = page.items.len() as i64 > QUEUE_PAGE;
    page.items.truncate(QUEUE_PAGE as usize);
    let ids: Vec<i64> = page.items.iter().map(|i| i.petition.id).collect();
    let suggested: HashMap<i64, String> =
        store::petitions::suggestions::for_petitions(&state.db, &ids)
            .await?
            .into_iter()
            .map(|s| (s.petition_id, suggestion_words(&s.into())))
            .collect();
    let restricted = store::protection::restricted_petitions(&state.db, &ids, now).await?;
    let paging = Paging {
        size: QUEUE_PAGE,
        first_row: offset + 1,
        last_row: offset + page.items.len() as i64,
        prev: (page_no > 1).then(|| p.href(page_no - 1)),
        next: more.then(|| p.href(page_no + 1)),
    };
    state
        .log_access(
            caller,
            "petitions",
            if searched {
                "petition.search"
            } else {
                "petition.list"
            },
            "",
        )
        .await?;
    let rows = page
        .items
        .into_iter()
        .map(|i| {
            let u = urgency(&cal, &i.petition, i.due, i.working_minutes_left, now);
            let id = i.petition.id;
            Row {
                restricted: restricted.contains(&id),
                suggested: suggested.get(&id).cloned().unwrap_or_default(),
                ..row(ctx.lang, &names, i, u, now)
            }
        })
        .collect();
    let departments = store::office::departments::list(&state.db)
        .await?
        .into_iter()
        .filter(|d| reach.as_ref().is_none_or(|r| r.contains(&d.id)))
        .map(|d| (d.id, d.name, Some(d.id) == department))
        .collect();
    let states = PState::ALL
        .iter()
        .map(|s| {
            (
                s.as_str(),
                state_name(ctx.lang, *s).to_string(),
                s.as_str() == p.state,
            )
        })
        .collect();
    Ok(QueuePage {
        notices,
        awaiting,
        c: ctx.chrome(),
        p,
        rows,
        counts: page.counts,
        departments,
        states,
        searched,
        paging,
    })
}

// ---------------------------------------------------------------------------------------------
// One petition
// ---------------------------------------------------------------------------------------------

pub struct Attached {
    pub sha256: String,
    pub filename: String,
    pub size_kb: i64,
    /// When it came: with the petition, or later with a supplement.
    pub at: String,
}

pub struct StaffView {
    pub id: i64,
    pub number: String,
    pub title: String,
    pub body: String,
    pub location: String,
    pub extra: Vec<(String, String)>,
    pub type_name: String,
    pub kind: &'static str,
    pub channel: String,
    pub state: String,
    pub state_code: &'static str,
    pub department: String,
    pub assignee: String,
    pub arrived_at: String,
    pub received_at: Option<String>,
    pub receipt_due: Option<String>,
    pub due: Option<String>,
    pub left: String,
    pub urgency: Urgency,
    pub due_lines: Vec<String>,
    pub person: crate::petitions::api::PetitionerView,
    pub revealed: bool,
    pub anonymous: bool,
    pub attachments: Vec<Attached>,
    pub timeline: Vec<(String, String)>,
    /// Access restrictions in force on the petitioner (period and coverage), with the number
    /// of their earlier incidents: shown to whoever may read the petition.
    pub restriction: Option<String>,
    pub flagged: bool,
    pub abuse_kinds: String,
    /// Abuse screening score, two decimals, and the model version.
    pub abuse_score: String,
    pub abuse_model: String,
    /// The routing suggestion made at intake ("도로과 83%") and its model version.
    pub suggestion: Option<(String, String)>,
    pub repeat_proposed: bool,
    pub may_close_repeated: bool,
    pub supplement: Option<(String, String)>,
    pub answers: Vec<(String, String, bool)>,
    pub satisfaction: Option<u8>,
    pub dissatisfied: bool,
    pub extensions: usize,
    pub may_reveal: bool,
    /// A grievance's running on-site investigation: days of the 14 (+7) allowance left, and
    /// whether the one extension is still possible.
    pub site_investigation: Option<(i64, bool)>,
    pub grievance: bool,
    /// Transfers with their limits and results (issue 14).
    pub transfers: Vec<crate::petitions::intake_pages::TransferLine>,
    /// Counter, phone, mail and visit intake: how identity was checked, documents seen.
    pub intake_identity: Option<&'static str>,
    pub intake_documents: Vec<String>,
}

/// What was typed into an action form, to put back after a refusal.
#[derive(Default)]
pub struct Refill(pub(crate) HashMap<String, String>);

impl Refill {
    pub fn get(&self, key: &str) -> &str {
        self.0.get(key).map(String::as_str).unwrap_or("")
    }
    pub fn is(&self, key: &str, value: &str) -> bool {
        self.get(key) == value
    }
}

#[derive(Template)]
#[template(path = "petitions/desk_petition.html")]
struct PetitionPage {
    c: Chrome,
    p: StaffView,
    departments: Vec<(String, String)>,
    templates: Vec<(String, String)>,
    pauses: Vec<(&'static str, &'static str)>,
    grounds: Vec<(&'static str, &'static str)>,
    notice: Option<String>,
    error: Option<String>,
    /// The extension notice the petitioner would receive, when previewed.
    preview: Option<String>,
    /// The answer exactly as the petitioner would receive it, when previewed, and whether
    /// sending submits it for approval.
    answer_preview: Option<(String, bool)>,
    /// Similar answered petitions beside the editor after a draft: (title, masked answer).
    similar: Vec<(String, String)>,
    /// Which form the error belongs to (shown next to its field as well).
    error_at: &'static str,
    /// The approval in progress: (what, held text or extension, when submitted).
    pending: Option<(String, String, String)>,
    /// The caller may decide it (a supervisor of the division who did not submit it).
    may_decide: bool,
    /// The supervisor's last return, until the official submits again: (comment, when).
    returned: Option<(String, String)>,
    /// The type sends answers and extensions to the supervisor first.
    needs_approval: bool,
    f: Refill,
}

async fn staff_view(
    state: &AppState,
    lang: Lang,
    p: &Petition,
    reveal: bool,
    may_reveal: bool,
) -> Result<StaffView, ApiError> {
    let now = store::now();
    let (cal, _) = petitions::work_calendar(&state.db).await?;
    let t = petitions::get_type(&state.db, p.type_id).await?;
    let names = Names::read(state).await?;
    // Before receipt the clock is the receipt limit (Decree art. 6), as in the queue.
    let (due, left, lines) = match p.derived.clock_input(now) {
        Some(input) => {
            let due =
                calendar::deadline(&cal, &input, now).map_err(domain::petitions::deadline_error)?;
            let left = calendar::working_time_left(&cal, &input, now)
                .map_err(domain::petitions::deadline_error)?
                .num_minutes();
            let lines = calendar::explain(&cal, &input, now)
                .map(|e| explain_lines(lang, &e))
                .unwrap_or_default();
            (Some(due), Some(left), lines)
        }
        None => (None, None, vec![]),
    };
    let person = crate::petitions::api::petitioner_view(state, p, reveal)?;
    let assignee = match p.assignee_id {
        Some(a) => store::office::accounts::get(&state.db, a)
            .await
            .map(|a| a.display_name)
            .unwrap_or_default(),
        None => String::new(),
    };
    let events = petitions::timeline(&state.db, p.id).await?;
    let timeline = events
        .iter()
        .map(|e| {
            use domain::petitions::Event;
            let words = event_words(lang, &e.event).unwrap_or_default();
            // Staff also see what the petitioner wrote and the office's own notes.
            let detail = match &e.event {
                Event::Note { text } => format!("{}: {text}", lang.t("메모", "Note")),
                Event::Reminder { level } => format!("{}: {level}", lang.t("알림", "Reminder")),
                Event::SupplementReceived { note } if !note.is_empty() => {
                    format!("{words} — {}: {note}", lang.t("보완 내용", "supplement"))
                }
                Event::Rated { comment, .. } if !comment.is_empty() => {
                    format!("{words} — {}: {comment}", lang.t("의견", "comment"))
                }
                Event::Closed { reason } if !reason.is_empty() => format!("{words} {reason}"),
                Event::ApprovalRequested { step, .. } => match step {
                    domain::petitions::HeldStep::Answer { .. } => lang
                        .t("답변 결재 요청", "Answer submitted for approval")
                        .to_string(),
                    domain::petitions::HeldStep::Extension { .. } => lang
                        .t(
                            "처리기간 연장 결재 요청",
                            "Extension submitted for approval",
                        )
                        .to_string(),
                },
                Event::ApprovalReturned { comment } => {
                    format!(
                        "{}: {comment}",
                        lang.t("결재 반려", "Returned by the supervisor")
                    )
                }
                Event::Approved { .. } => lang.t("결재함", "Approved").to_string(),
                _ => words,
            };
            (when(e.at), detail)
        })
        .collect();
    let extra = t
        .fields
        .iter()
        .filter_map(|d| {
            p.extra.get(&d.key).map(|v| {
                let shown = match v {
                    serde_json::Value::String(s) => s.clone(),
                    serde_json::Value::Bool(b) => lang
                        .t(
                            if *b { "예" } else { "아니오" },
                            if *b { "yes" } else { "no" },
                        )
                        .to_string(),
                    other => other.to_string(),
                };
                (d.label.clone(), shown)
            })
        })
        .collect();
    let attachments = petitions::attachments(&state.db, p.id)
        .await?
        .into_iter()
        .map(|a| Attached {
            sha256: a.sha256,
            filename: a.filename,
            size_kb: (a.size + 1023) / 1024,
            at: when(a.created_at),
        })
        .collect();
    let d = &p.derived;
    Ok(StaffView {
        id: p.id,
        number: number(p),
        title: p.title.clone(),
        body: p.body.clone(),
        location: p.location.clone(),
        extra,
        type_name: t.name,
        kind: d.kind.korean(),
        channel: p.channel.clone(),
        state: state_name(lang, p.state).to_string(),
        state_code: p.state.as_str(),
        department: names.department(p.department_id),
        assignee,
        arrived_at: when(p.arrived_at),
        received_at: p.received_at.map(when),
        receipt_due: d
            .receipt_due
            .filter(|_| p.state == PState::Arrived)
            .map(when),
        site_investigation: (p.state == PState::Paused
            && d.pauses
                .last()
                .is_some_and(|x| x.kind == PauseKind::SiteInvestigation && x.end.is_none()))
        .then(|| {
            (
                d.site_investigation_days_left(now),
                !d.site_investigation_extended,
            )
        }),
        grievance: d.kind == domain::petitions::Kind::Grievance,
        urgency: urgency(&cal, p, due, left, now),
        due: due.map(when),
        left: left_words(lang, left, due.is_some_and(|d| d <= now)),
        due_lines: lines,
        person,
        revealed: reveal,
        anonymous: p.anonymous,
        attachments,
        timeline,
        restriction: crate::protection::flags::restriction_banner(state, p.id, lang, now).await?,
        flagged: p.flagged,
        abuse_kinds: p.abuse_kinds.join(", "),
        abuse_score: format!("{:.2}", p.abuse_score),
        abuse_model: p.abuse_model.clone(),
        suggestion: crate::petitions::assist::suggestion(state, p)
            .await?
            .map(|s| (suggestion_words(&s), s.model_version)),
        repeat_proposed: p.repeat_proposed,
        may_close_repeated: d.kind.may_close_as_repeated(),
        supplement: d
            .supplement
            .as_ref()
            .filter(|_| p.state == PState::Supplement)
            .map(|s| (s.items.clone(), when(s.answer_by))),
        answers: d
            .answers
            .iter()
            .map(|a| (when(a.at), a.text.clone(), a.additional))
            .collect(),
        satisfaction: d.satisfaction,
        dissatisfied: d
            .satisfaction
            .is_some_and(|s| s <= domain::petitions::DISSATISFIED_AT_MOST),
        extensions: d.extensions.len(),
        may_reveal,
        transfers: crate::petitions::intake_pages::transfer_lines(p, &names.departments)
            .into_iter()
            .map(|(_, t)| t)
            .collect(),
        intake_identity: p
            .intake
            .identity_check
            .map(|i| crate::petitions::intake_pages::identity_name(lang, i)),
        intake_documents: p.intake.documents_checked.clone(),
    })
}

struct Shown {
    reveal: bool,
    notice: Option<String>,
    error: Option<String>,
    error_at: &'static str,
    preview: Option<String>,
    answer_preview: Option<(String, bool)>,
    similar: Vec<(String, String)>,
    f: Refill,
    status: StatusCode,
}

impl Shown {
    fn plain() -> Self {
        Shown {
            reveal: false,
            notice: None,
            error: None,
            error_at: "",
            preview: None,
            answer_preview: None,
            similar: Vec::new(),
            f: Refill::default(),
            status: StatusCode::OK,
        }
    }

    /// The page again with a refused form's message beside the form it belongs to (422).
    fn refused(error: String, error_at: &'static str) -> Self {
        Shown {
            error: Some(error),
            error_at,
            status: StatusCode::UNPROCESSABLE_ENTITY,
            ..Shown::plain()
        }
    }
}

/// The signed-in official and the petition they ask for, when the policy lets them read it
/// (the read itself is logged when the page is shown); else the page saying why not.
async fn open<'c>(
    state: &AppState,
    ctx: &'c Ctx,
    id: i64,
) -> Result<(&'c Caller, Petition), PageError> {
    let caller = ctx.staff_or_refuse()?;
    let p = petition_for(state, caller, id, Action::Read)
        .await
        .or_page(ctx)?;
    Ok((caller, p))
}

/// After a step: the petition page again, saying it was done.
fn done(id: i64) -> PageResult {
    Ok(Redirect::to(&format!("/desk/petitions/{id}?done=1")).into_response())
}

async fn render_petition(
    state: &AppState,
    ctx: &Ctx,
    caller: &Caller,
    p: &Petition,
    s: Shown,
) -> PageResult {
    let may_reveal = caller
        .may(
            state,
            Capability::PetitionerPersonalData,
            Action::Read,
            record_target(p),
        )
        .await
        .is_ok();
    let action = if s.reveal {
        "petitioner.reveal"
    } else {
        "petition.read"
    };
    if !s.reveal {
        state
            .log_access(caller, &subject(p), action, "")
            .await
            .or_page(ctx)?;
    }
    let view = staff_view(state, ctx.lang, p, s.reveal, may_reveal)
        .await
        .or_page(ctx)?;
    let departments = store::office::departments::list(&state.db)
        .await
        .or_page(ctx)?
        .into_iter()
        .map(|d| (d.code, d.name))
        .collect();
    let t = petitions::get_type(&state.db, p.type_id)
        .await
        .or_page(ctx)?;
    let needs_approval = t.needs_approval;
    let templates = t.templates.into_iter().map(|t| (t.name, t.text)).collect();
    // Opening the petition reads the caller's notices about it.
    store::petitions::notices::mark_read(&state.db, caller.account.id, p.id, store::now())
        .await
        .or_page(ctx)?;
    let l = ctx.lang;
    let pending = p.derived.approval.as_ref().map(|a| held_words(l, a));
    let may_decide = match &p.derived.approval {
        Some(a) if a.submitted_by != Some(caller.account.id) => {
            may_on(state, caller, p, Action::Approve).await.is_ok()
        }
        _ => false,
    };
    let returned = p
        .derived
        .approval_returned
        .as_ref()
        .map(|r| (r.comment.clone(), when(r.at)));
    Ok(ctx.render_status(
        s.status,
        &PetitionPage {
            answer_preview: s.answer_preview,
            similar: s.similar,
            error_at: s.error_at,
            pending,
            may_decide,
            returned,
            needs_approval,
            c: ctx
                .chrome()
                .crumb(ctx.lang.t("업무 목록", "Work queue"), "/desk")
                .crumb(view.number.clone(), ""),
            p: view,
            departments,
            templates,
            pauses: [
                PauseKind::SiteInvestigation,
                PauseKind::Inspection,
                PauseKind::Hearing,
                PauseKind::Prerequisite,
                PauseKind::Outage,
            ]
            .into_iter()
            .map(|k| (pause_key(k), pause_name(l, k)))
            .collect(),
            grounds: [
                ExtensionGround::Cooperation,
                ExtensionGround::FactCheck,
                ExtensionGround::ForceMajeure,
                ExtensionGround::Similar,
            ]
            .into_iter()
            .map(|g| (ground_key(g), ground_name(l, g)))
            .collect(),
            notice: s.notice,
            error: s.error,
            preview: s.preview,
            f: s.f,
        },
    ))
}

/// What an approval holds, in words: (what, the answer's text or the extension, submitted when).
fn held_words(l: Lang, a: &domain::petitions::PendingApproval) -> (String, String, String) {
    use domain::petitions::HeldStep;
    match &a.step {
        HeldStep::Answer { text, .. } => {
            (l.t("답변", "Answer").to_string(), text.clone(), when(a.at))
        }
        HeldStep::Extension {
            period,
            ground,
            reason,
            ..
        } => (
            l.t("처리기간 연장", "Extension").to_string(),
            format!(
                "{} — {}: {reason}",
                crate::petitions::views::period_words(l, *period),
                ground_name(l, *ground)
            ),
            when(a.at),
        ),
    }
}

fn pause_key(k: PauseKind) -> &'static str {
    match k {
        PauseKind::Supplement => "supplement",
        PauseKind::SiteInvestigation => "site_investigation",
        PauseKind::Inspection => "inspection",
        PauseKind::Hearing => "hearing",
        PauseKind::Prerequisite => "prerequisite",
        PauseKind::Outage => "outage",
    }
}

fn ground_key(g: ExtensionGround) -> &'static str {
    match g {
        ExtensionGround::Cooperation => "cooperation",
        ExtensionGround::FactCheck => "fact_check",
        ExtensionGround::ForceMajeure => "force_majeure",
        ExtensionGround::Similar => "similar",
        ExtensionGround::Workload => "workload",
        ExtensionGround::AbsentHandler => "absent_handler",
    }
}

#[derive(Deserialize)]
struct DoneQuery {
    done: Option<String>,
}

async fn petition_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Query(q): Query<DoneQuery>,
) -> PageResult {
    let (caller, p) = open(&state, &ctx, id).await?;
    let s = Shown {
        notice: q
            .done
            .map(|_| ctx.lang.t("처리했습니다.", "Done.").to_string()),
        ..Shown::plain()
    };
    render_petition(&state, &ctx, caller, &p, s).await
}

#[derive(Deserialize)]
struct RevealForm {
    #[serde(default)]
    reason: String,
}

/// Show the petitioner unmasked: needs the personal-data grant and a reason, both logged.
async fn reveal(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    crate::kit::extract::Form(form): crate::kit::extract::Form<RevealForm>,
) -> PageResult {
    let (caller, p) = open(&state, &ctx, id).await?;
    let reason = form.reason.trim();
    if reason.is_empty() {
        let m = form_error(
            ctx.lang,
            "개인정보를 보려면 사유를 적어 주세요",
            "give a reason to see the personal data",
        );
        return render_petition(&state, &ctx, caller, &p, Shown::refused(m, "")).await;
    }
    caller
        .may(
            &state,
            Capability::PetitionerPersonalData,
            Action::Read,
            record_target(&p),
        )
        .await
        .or_page(&ctx)?;
    state
        .log_access(caller, &subject(&p), "petitioner.reveal", reason)
        .await
        .or_page(&ctx)?;
    let s = Shown {
        reveal: true,
        ..Shown::plain()
    };
    render_petition(&state, &ctx, caller, &p, s).await
}

/// A routing suggestion in words: the department (or its code when it no longer exists) and the
/// score in percent.
fn suggestion_words(s: &crate::petitions::assist::SuggestionView) -> String {
    format!(
        "{} {:.0}%",
        s.department_name.as_deref().unwrap_or(&s.department_code),
        s.score * 100.0
    )
}

/// The similar answered petitions beside the answer editor: (title, masked answer).
async fn similar_rows(state: &AppState, p: &Petition) -> Result<Vec<(String, String)>, ApiError> {
    Ok(crate::petitions::assist::similar_beside(state, p)
        .await?
        .into_iter()
        .map(|x| (x.title, x.answer))
        .collect())
}

/// Draft an answer: the petition page again with the draft in the answer form, marked as a
/// draft, for the official to edit and send.
async fn draft(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    PageForm(form): PageForm<DraftRequest>,
) -> PageResult {
    let (caller, p) = open(&state, &ctx, id).await?;
    let template = form.template.as_deref();
    let s = match crate::petitions::assist::draft(&state, caller, id, template).await {
        Ok(d) => Shown {
            notice: Some(ctx.lang.of(&d.note_parts).to_string()),
            f: Refill(HashMap::from([
                ("text".to_string(), d.text),
                ("template".to_string(), String::new()),
            ])),
            similar: d.similar.into_iter().map(|x| (x.title, x.answer)).collect(),
            ..Shown::plain()
        },
        Err(e) => Shown::refused(ctx.lang.of(&e).to_string(), ""),
    };
    render_petition(&state, &ctx, caller, &p, s).await
}

/// Correct the routing suggestion (recorded as a training example; the petition stays where it
/// is).
async fn correct_routing(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    PageForm(form): PageForm<CorrectionRequest>,
) -> PageResult {
    let (caller, p) = open(&state, &ctx, id).await?;
    match crate::petitions::assist::correct(&state, caller, id, &form.department_code).await {
        Ok(_) => done(id),
        Err(e) => {
            let s = Shown::refused(ctx.lang.of(&e).to_string(), "");
            render_petition(&state, &ctx, caller, &p, s).await
        }
    }
}

/// A date from a form as the end of that working day (the office's closing time, Korean time).
pub(crate) fn end_of_day(s: &str, closing: chrono::NaiveTime) -> Option<DateTime<Utc>> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
        .ok()?
        .and_time(closing)
        .and_local_timezone(calendar::seoul())
        .single()
        .map(|t| t.with_timezone(&Utc))
}

/// Steps that cannot be undone need the confirmation box ticked.
const IRREVERSIBLE: [&str; 4] = [
    "close",
    "close_as_repeated",
    "transfer_out",
    "return_unsupplemented",
];

/// The form as the API's action request: the same enum, so the same checks apply.
fn action_request(
    l: Lang,
    f: &HashMap<String, String>,
    closing: chrono::NaiveTime,
) -> Result<ActionRequest, String> {
    let get = |k: &str| f.get(k).map(|v| v.trim().to_string()).unwrap_or_default();
    let required = |k: &str, ko: &str, en: &str| {
        let v = get(k);
        if v.is_empty() {
            Err(form_error(l, ko, en))
        } else {
            Ok(v)
        }
    };
    let action = get("action");
    if IRREVERSIBLE.contains(&action.as_str()) && get("confirm").is_empty() {
        return Err(form_error(
            l,
            "되돌릴 수 없는 처리입니다. 확인란에 표시해 주세요",
            "this step cannot be undone; tick the confirmation box",
        ));
    }
    let date = |k: &str| {
        end_of_day(&get(k), closing)
            .ok_or_else(|| form_error(l, "날짜를 골라 주세요", "please choose a date"))
    };
    Ok(match action.as_str() {
        "receive" => ActionRequest::Receive,
        "assign" => ActionRequest::Assign {
            department_code: required("department_code", "부서를 고르세요", "choose a department")?,
            assignee: Some(get("assignee")).filter(|a| !a.is_empty()),
        },
        "transfer" => ActionRequest::Transfer {
            department_code: required("department_code", "부서를 고르세요", "choose a department")?,
            far_or_misassigned: !get("far").is_empty(),
            reason: required("reason", "이송 사유를 적어 주세요", "give the reason")?,
        },
        "transfer_out" => ActionRequest::TransferOut {
            agency: required("agency", "받을 기관을 적어 주세요", "name the agency")?,
            reason: required("reason", "이송 사유를 적어 주세요", "give the reason")?,
        },
        "request_supplement" => ActionRequest::RequestSupplement {
            items: required("items", "보완할 내용을 적어 주세요", "say what is missing")?,
            answer_by: date("answer_by")?,
        },
        "supplement_more_time" => ActionRequest::SupplementMoreTime {
            answer_by: date("answer_by")?,
        },
        "supplement_delivery_failed" => ActionRequest::SupplementDeliveryFailed,
        "supplement_received" => ActionRequest::SupplementReceived { note: get("note") },
        "return_unsupplemented" => ActionRequest::ReturnUnsupplemented {
            reason: required("reason", "반려 사유를 적어 주세요", "give the reason")?,
        },
        "pause" => ActionRequest::Pause {
            kind: serde_json::from_value(serde_json::Value::String(get("kind"))).map_err(|_| {
                form_error(l, "정지 사유 종류를 고르세요", "choose the kind of pause")
            })?,
            reason: required("reason", "정지 사유를 적어 주세요", "give the reason")?,
        },
        "resume" => ActionRequest::Resume { note: get("note") },
        "extend" => ActionRequest::Extend {
            period: get("period").parse().map_err(|_| {
                form_error(
                    l,
                    "연장 기간을 예: 7d, 3d 처럼 적어 주세요",
                    "write the extension like 7d or 3d",
                )
            })?,
            ground: serde_json::from_value(serde_json::Value::String(get("ground")))
                .map_err(|_| form_error(l, "연장 사유 종류를 고르세요", "choose the ground"))?,
            reason: required("reason", "연장 사유를 적어 주세요", "give the reason")?,
            consent: !get("consent").is_empty(),
        },
        "progress_notice" => ActionRequest::ProgressNotice {
            note: required("note", "안내 내용을 적어 주세요", "write the notice")?,
        },
        // The previewed text, exactly: already filled, so no template.
        "send_answer" => ActionRequest::Answer {
            text: required("text", "답변 내용을 적어 주세요", "write the answer")?,
            template: None,
        },
        "answer" => ActionRequest::Answer {
            text: required("text", "답변 내용을 적어 주세요", "write the answer")?,
            template: Some(get("template")).filter(|t| !t.is_empty()),
        },
        "additional_answer" => ActionRequest::AdditionalAnswer {
            text: required(
                "text",
                "추가 답변 내용을 적어 주세요",
                "write the additional answer",
            )?,
        },
        "close" => ActionRequest::Close {
            reason: get("reason"),
        },
        "close_as_repeated" => ActionRequest::CloseAsRepeated {
            basis: required(
                "basis",
                "반복 민원으로 보는 근거를 적어 주세요",
                "give the basis",
            )?,
        },
        "reopen" => ActionRequest::Reopen {
            reason: required("reason", "사유를 적어 주세요", "give the reason")?,
        },
        "note" => ActionRequest::Note {
            text: required("text", "메모를 적어 주세요", "write the note")?,
        },
        "extend_site_investigation" => ActionRequest::ExtendSiteInvestigation {
            reason: required("reason", "연장 사유를 적어 주세요", "give the reason")?,
        },
        _ => return Err(form_error(l, "알 수 없는 처리입니다", "unknown step")),
    })
}

/// The notice an extension would send the petitioner, with the new date from the deadline
/// function (the same computation the store makes when the step is taken).
fn extension_preview(
    l: Lang,
    cal: &calendar::WorkCalendar,
    p: &Petition,
    f: &HashMap<String, String>,
) -> Result<String, String> {
    let get = |k: &str| f.get(k).map(|v| v.trim().to_string()).unwrap_or_default();
    let period: calendar::Period = get("period").parse().map_err(|_| {
        form_error(
            l,
            "연장 기간을 예: 7d 처럼 적어 주세요",
            "write the extension like 7d",
        )
    })?;
    let ground: ExtensionGround = serde_json::from_value(serde_json::Value::String(get("ground")))
        .map_err(|_| form_error(l, "연장 사유 종류를 고르세요", "choose the ground"))?;
    let now = store::now();
    let mut input = p.derived.deadline_input(now).ok_or_else(|| {
        form_error(
            l,
            "처리기간이 흐르지 않는 민원입니다",
            "no clock runs for this petition",
        )
    })?;
    // A notice is previewed only for an extension the Decree allows (the cap in the period's
    // own unit, grounds, consent): the same rule the step itself applies.
    domain::petitions::check_extension(
        input.period,
        &p.derived.extensions,
        period,
        ground,
        &get("reason"),
        !get("consent").is_empty(),
    )
    .map_err(|e| l.of(&e).to_string())?;
    input.extensions.push(period);
    let due = calendar::deadline(cal, &input, now).map_err(|e| {
        let r = domain::petitions::deadline_error(e);
        l.of(&r).to_string()
    })?;
    let reason = get("reason");
    Ok(match l {
        Lang::Ko => format!(
            "귀하의 민원({})의 처리기간을 {} 연장합니다. 사유: {} — {}. 새 처리 예정일: {}. (민원처리법 시행령 제21조)",
            p.receipt_no.clone().unwrap_or_default(),
            period.korean(),
            ground_name(l, ground),
            reason,
            when(due)
        ),
        Lang::En => format!(
            "The processing period of your petition ({}) is extended by {}. Ground: {} — {}. New expected completion: {}. (Decree art. 21)",
            p.receipt_no.clone().unwrap_or_default(),
            period.korean(),
            ground_name(l, ground),
            reason,
            when(due)
        ),
    })
}

async fn act(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    crate::kit::extract::Form(form): crate::kit::extract::Form<HashMap<String, String>>,
) -> PageResult {
    let (caller, p) = open(&state, &ctx, id).await?;
    let l = ctx.lang;
    if form.get("action").is_some_and(|a| a == "preview_answer") {
        let text = form.get("text").cloned().unwrap_or_default();
        let template = form.get("template").filter(|t| !t.is_empty()).cloned();
        let mut s =
            match crate::petitions::answers::preview(&state, caller, id, text, template.as_deref())
                .await
            {
                Ok(v) => Shown {
                    answer_preview: Some((v.text, v.needs_approval)),
                    ..Shown::plain()
                },
                Err(e) => Shown::refused(l.of(&e).to_string(), "answer"),
            };
        // The similar answers stay beside the editor while the official corrects the answer.
        s.similar = similar_rows(&state, &p).await.or_page(&ctx)?;
        s.f = Refill(form);
        return render_petition(&state, &ctx, caller, &p, s).await;
    }
    if form.get("preview").is_some_and(|v| !v.is_empty()) {
        let (cal, _) = petitions::work_calendar(&state.db).await.or_page(&ctx)?;
        let mut s = match extension_preview(l, &cal, &p, &form) {
            Ok(text) => Shown {
                preview: Some(text),
                ..Shown::plain()
            },
            Err(m) => Shown::refused(m, "extend"),
        };
        s.f = Refill(form);
        return render_petition(&state, &ctx, caller, &p, s).await;
    }
    // A date typed for an answer-by means the end of that working day: the office's closing time.
    let closing = caller
        .settings(&state)
        .await
        .and_then(|s| s.office_hours())
        .or_page(&ctx)?
        .end;
    let result = match action_request(l, &form, closing) {
        Ok(req) => take_step(&state, caller, id, req)
            .await
            .map_err(|e| l.of(&e).to_string()),
        Err(m) => Err(m),
    };
    let Err(m) = result else {
        return done(id);
    };
    let at = match form.get("action").map(String::as_str) {
        Some("answer" | "send_answer") => "answer",
        Some("extend") => "extend",
        _ => "",
    };
    let mut s = Shown::refused(m, at);
    if at == "answer" {
        s.similar = similar_rows(&state, &p).await.or_page(&ctx)?;
    }
    s.f = Refill(form);
    render_petition(&state, &ctx, caller, &p, s).await
}

/// The supervisor approves or returns what awaits approval; refusals come back next to the
/// comment with what was typed kept.
async fn decide_approval(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    PageForm(form): PageForm<DecisionRequest>,
) -> PageResult {
    let (caller, p) = open(&state, &ctx, id).await?;
    match crate::petitions::answers::decide(
        &state,
        caller,
        id,
        &form.decision,
        form.comment.clone(),
    )
    .await
    {
        Ok(_) => done(id),
        Err(e) => {
            let mut s = Shown::refused(ctx.lang.of(&e).to_string(), "approval");
            // Refused input is 422 like every form; who may not (403) and what was already
            // decided (409) keep their own status.
            if e.status != StatusCode::BAD_REQUEST {
                s.status = e.status;
            }
            s.f = Refill(HashMap::from([
                ("comment".to_string(), form.comment),
                ("decision".to_string(), form.decision),
            ]));
            render_petition(&state, &ctx, caller, &p, s).await
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Supervisor dashboard
// ---------------------------------------------------------------------------------------------

pub struct Backlog {
    pub name: String,
    pub total: i64,
    pub overdue: i64,
    pub due_today: i64,
    pub due_soon: i64,
}

#[derive(Template)]
#[template(path = "petitions/desk_dashboard.html")]
struct DashboardPage {
    c: Chrome,
    backlog: Vec<Backlog>,
    overdue: Vec<Row>,
    month: String,
    answered: usize,
    on_time: usize,
    on_time_percent: Option<u32>,
    rated: usize,
    satisfaction: Option<String>,
    /// The last 30 days' transfers, and the late ones listed (issue 14).
    transfers: usize,
    late_transfers: Vec<crate::petitions::intake_pages::TransferLine>,
    /// Petitions in reach waiting for the supervisor's approval (결재 대기): (id, number, title).
    awaiting: Vec<(i64, String, String)>,
    /// The caller's own notices: (petition, text, when, read).
    notices: Vec<(i64, String, String, bool)>,
}

async fn dashboard(State(state): State<AppState>, ctx: Ctx) -> PageResult {
    let caller = ctx.staff_or_refuse()?;
    if !caller.may_open(Screen::Dashboard) {
        return Err(ctx.fail(&ApiError::forbidden()));
    }
    let page = dashboard_page(&state, &ctx, caller).await.or_page(&ctx)?;
    Ok(ctx.render(&page))
}

async fn dashboard_page(
    state: &AppState,
    ctx: &Ctx,
    caller: &Caller,
) -> Result<DashboardPage, ApiError> {
    let base = filter_for(state, caller).await?;
    let now = store::now();
    let awaiting = awaiting_approval(state, caller, &base, now).await?;
    let notices = notice_rows(state, ctx.lang, caller).await?;
    let (cal, _) = petitions::work_calendar(&state.db).await?;
    let names = Names::read(state).await?;
    let mut backlog = Vec::new();
    for d in store::office::departments::list(&state.db).await? {
        if base
            .departments
            .as_ref()
            .is_some_and(|r| !r.contains(&d.id))
        {
            continue;
        }
        let f = QueueFilter {
            departments: Some(vec![d.id]),
            limit: 1,
            ..QueueFilter::default()
        };
        let c = petitions::queue(&state.db, &f, now).await?.counts;
        if c.total > 0 {
            backlog.push(Backlog {
                name: d.name,
                total: c.total,
                overdue: c.overdue,
                due_today: c.due_today,
                due_soon: c.due_soon,
            });
        }
    }
    let overdue_filter = QueueFilter {
        overdue: true,
        limit: 50,
        ..base.clone()
    };
    // The dashboard lists overdue work; suggestions and restrictions matter on the queue.
    let overdue = petitions::queue(&state.db, &overdue_filter, now)
        .await?
        .items
        .into_iter()
        .map(|i| row(ctx.lang, &names, i, Urgency::Overdue, now))
        .collect();
    // This month's first answers: on time when given before the due moment that applied then
    // (the deadline function evaluated at the moment of the answer).
    let local = calendar::to_seoul(now);
    let done_filter = QueueFilter {
        include_done: true,
        limit: 5000,
        ..base
    };
    let (mut answered, mut on_time, mut rated, mut score_sum) = (0usize, 0usize, 0usize, 0u32);
    let (mut transfers, mut late_transfers) = (0usize, Vec::new());
    // Transfers of the last 30 days: a late one stays in sight past a month's turn.
    let recent = now - chrono::Duration::days(30);
    for i in petitions::queue(&state.db, &done_filter, now).await?.items {
        for (at, t) in
            crate::petitions::intake_pages::transfer_lines(&i.petition, &names.departments)
        {
            if at >= recent {
                transfers += 1;
                if !t.on_time {
                    late_transfers.push(t);
                }
            }
        }
        let d = &i.petition.derived;
        let Some(first) = d.answers.iter().find(|a| !a.additional) else {
            continue;
        };
        let at = calendar::to_seoul(first.at);
        if at.year() != local.year() || at.month() != local.month() {
            continue;
        }
        answered += 1;
        if let Some(input) = d.deadline_input(first.at)
            && calendar::deadline(&cal, &input, first.at).is_ok_and(|due| first.at <= due)
        {
            on_time += 1;
        }
        if let Some(s) = d.satisfaction {
            rated += 1;
            score_sum += u32::from(s);
        }
    }
    state
        .log_access(caller, "petitions", "petition.dashboard", "")
        .await?;
    Ok(DashboardPage {
        c: ctx.chrome(),
        backlog,
        overdue,
        month: local.format("%Y-%m").to_string(),
        answered,
        on_time,
        on_time_percent: (answered > 0).then(|| (on_time * 100 / answered) as u32),
        rated,
        satisfaction: (rated > 0).then(|| format!("{:.1}", f64::from(score_sum) / rated as f64)),
        transfers,
        late_transfers,
        awaiting,
        notices,
    })
}
