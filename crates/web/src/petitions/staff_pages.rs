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
    Urgency, due_badge, event_words, explain_lines, form_error, ground_name, number, pause_name,
    state_name,
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
        .route("/desk/petitions/{id}/result", post(attach_result))
}

/// Department and petition type names by id, for lists.
struct Names {
    departments: HashMap<i64, String>,
    types: HashMap<i64, String>,
    /// Officials' display names (assignees).
    officials: HashMap<i64, String>,
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
        let officials = store::office::accounts::list(&state.db, None)
            .await?
            .into_iter()
            .filter(|a| a.role.is_staff())
            .map(|a| (a.id, a.display_name))
            .collect();
        Ok(Names {
            departments,
            types,
            officials,
        })
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
    /// The assigned official's name (empty before assignment).
    pub assignee: String,
    /// The petitioner's name masked as everywhere on the office's pages (김*수).
    pub petitioner: String,
    pub due: String,
    pub left: String,
    pub urgency: Urgency,
    pub flagged: bool,
    pub repeat: bool,
    /// The petitioner asked for an additional answer not given yet.
    pub additional: bool,
    /// The petitioner is under an access restriction in force (protection measure).
    pub restricted: bool,
    /// The routing suggestion made at intake, e.g. "도로과 83%" (empty without one).
    pub suggested: String,
}

/// One petition of a list (queue, dashboard), without the routing suggestion or restriction;
/// its deadline badge from the one badge function.
fn row(
    lang: Lang,
    names: &Names,
    cal: &calendar::WorkCalendar,
    i: QueueItem,
    now: DateTime<Utc>,
) -> Result<Row, ApiError> {
    let p = i.petition;
    let badge = due_badge(lang, cal, &p, now)?;
    Ok(Row {
        id: p.id,
        number: number(&p),
        type_name: names.types.get(&p.type_id).cloned().unwrap_or_default(),
        state: state_name(lang, p.state).to_string(),
        department: names.department(p.department_id),
        assignee: p
            .assignee_id
            .and_then(|a| names.officials.get(&a).cloned())
            .unwrap_or_default(),
        petitioner: domain::privacy::mask(domain::privacy::PersonalKind::Name, &p.petitioner_name),
        due: badge.due.map(when).unwrap_or_else(|| "—".into()),
        left: badge.detail,
        urgency: badge.urgency,
        flagged: p.flagged,
        repeat: p.repeat_proposed,
        additional: p.additional_requested,
        restricted: false,
        suggested: String::new(),
        title: p.title,
    })
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
    /// `due` (default), `due_desc`, `number` or `number_desc`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub sort: String,
    /// 1-based page of [`QUEUE_PAGE`] rows.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub page: String,
}

/// Rows per queue page.
pub const QUEUE_PAGE: i64 = 50;
/// The last page a queue offers (5,000 rows): further on, a filter or the search finds faster
/// than paging, and each page costs `offset + limit` index entries per department.
pub const QUEUE_MAX_PAGE: i64 = 100;

/// The quick filters (count tiles and the 기한 select): value, Korean, English.
pub const URGENCY_FILTERS: [(&str, &str, &str); 7] = [
    ("overdue", "기한 지남", "Overdue"),
    ("today", "오늘 마감", "Due today"),
    ("soon", "곧 마감", "Due soon"),
    ("paused", "기간 정지", "Clock stopped"),
    ("flagged", "주의 표시", "Flagged"),
    ("repeated", "반복 민원 제안", "Repeat proposed"),
    (
        "additional",
        "추가 답변 요청",
        "Additional answer requested",
    ),
];

/// Where the queue's paging links lead, with every filter kept.
pub struct Paging {
    pub size: i64,
    pub first_row: i64,
    pub last_row: i64,
    pub prev: Option<String>,
    pub next: Option<String>,
    /// Page numbers around this one: (number, link, is this page).
    pub pages: Vec<(i64, String, bool)>,
    /// The last page offered was reached with more rows behind it.
    pub capped: bool,
}

/// A count tile: a link that filters the queue, its words, count and whether it is in force.
pub struct Tile {
    pub key: &'static str,
    pub href: String,
    pub label: &'static str,
    pub count: i64,
    pub class: &'static str,
    pub current: bool,
}

/// A sortable column header: `aria-sort` and the link that sorts by it (or reverses it).
pub struct SortHeader {
    pub aria: &'static str,
    pub href: String,
}

impl QueueParams {
    fn page_number(&self) -> i64 {
        self.page
            .parse::<i64>()
            .unwrap_or(1)
            .clamp(1, QUEUE_MAX_PAGE)
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

    /// A count tile's link: the reach chosen (scope, department) with this quick filter only.
    fn tile_href(&self, urgency: &str) -> String {
        QueueParams {
            scope: self.scope.clone(),
            department_id: self.department_id.clone(),
            urgency: urgency.to_string(),
            ..QueueParams::default()
        }
        .href(1)
    }

    /// The order asked for: (order, descending).
    fn order(&self) -> (petitions::QueueOrder, bool) {
        match self.sort.as_str() {
            "due_desc" => (petitions::QueueOrder::Due, true),
            "number" => (petitions::QueueOrder::Receipt, false),
            "number_desc" => (petitions::QueueOrder::Receipt, true),
            _ => (petitions::QueueOrder::Due, false),
        }
    }

    /// The header of a column sorted by `key` (`due` or `number`): sorted by it now, the link
    /// reverses the direction; otherwise it sorts by it ascending, from the first page.
    fn sort_header(&self, key: &str) -> SortHeader {
        let now = if self.sort.is_empty() {
            "due"
        } else {
            self.sort.as_str()
        };
        let desc = format!("{key}_desc");
        let (aria, next) = if now == key {
            ("ascending", desc.as_str())
        } else if now == desc {
            ("descending", key)
        } else {
            ("none", key)
        };
        let p = QueueParams {
            sort: if next == "due" {
                String::new()
            } else {
                next.to_string()
            },
            ..self.clone()
        };
        SortHeader {
            aria,
            href: p.href(1),
        }
    }
}

#[derive(Template)]
#[template(path = "petitions/desk_queue.html")]
struct QueuePage {
    c: Chrome,
    p: QueueParams,
    rows: Vec<Row>,
    departments: Vec<(i64, String, bool)>,
    states: Vec<(&'static str, String, bool)>,
    /// The quick filters of the 기한 select: (value, words, selected).
    urgencies: Vec<(&'static str, &'static str, bool)>,
    /// The count tiles, "all" first.
    tiles: Vec<Tile>,
    sort_due: SortHeader,
    sort_number: SortHeader,
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
    let now = store::now();
    let awaiting = awaiting_approval(state, caller, &f, now).await?;
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
    f.due_soon = p.urgency == "soon";
    f.paused = p.urgency == "paused";
    f.flagged = p.urgency == "flagged";
    f.repeated = p.urgency == "repeated";
    f.additional = p.urgency == "additional";
    f.include_done = p.done == "1";
    (f.order, f.descending) = p.order();
    let query = p.q.trim();
    let searched = !query.is_empty();
    if searched {
        let this_year = calendar::to_seoul(now).year();
        if let Some(n) = domain::petitions::number_query(query, this_year) {
            // A number names one petition: found whatever its state (the store's rule).
            match n {
                domain::petitions::NumberQuery::Receipt(nos) => f.receipt_nos = Some(nos),
                domain::petitions::NumberQuery::Petition(id) => f.ids = Some(vec![id]),
            }
        } else if query.contains('*') {
            // A masked name as the office's pages show it (김*수).
            f.petitioner_masked = Some(query.to_string());
        } else {
            let index = state
                .petitions
                .index
                .as_ref()
                .ok_or_else(ApiError::internal)?;
            let r = index
                .search(
                    &state.db,
                    &store::petitions::search::SearchQuery {
                        text: query.to_string(),
                        departments: f.departments.clone(),
                        petitioner_account_id: None,
                        type_id: None,
                        state: f.state,
                        limit: 200,
                        offset: 0,
                    },
                )
                .await?;
            f.ids = Some(r.hits.into_iter().map(|h| h.id).collect());
        }
    }
    // One row more than a page tells whether a next page exists without counting the filter.
    let page_no = p.page_number();
    let offset = (page_no - 1) * QUEUE_PAGE;
    f.limit = QUEUE_PAGE + 1;
    f.offset = offset;
    let (cal, _) = petitions::work_calendar(&state.db).await?;
    let names = Names::read(state).await?;
    let mut page = petitions::queue(&state.db, &f, now).await?;
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
    let capped = more && page_no == QUEUE_MAX_PAGE;
    let last_page = if more && !capped {
        page_no + 1
    } else {
        page_no
    };
    let paging = Paging {
        size: QUEUE_PAGE,
        first_row: offset + 1,
        last_row: offset + page.items.len() as i64,
        prev: (page_no > 1).then(|| p.href(page_no - 1)),
        next: (more && !capped).then(|| p.href(page_no + 1)),
        pages: ((page_no - 4).max(1)..=last_page)
            .map(|n| (n, p.href(n), n == page_no))
            .collect(),
        capped,
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
    let mut rows = Vec::with_capacity(page.items.len());
    for i in page.items {
        let id = i.petition.id;
        rows.push(Row {
            restricted: restricted.contains(&id),
            suggested: suggested.get(&id).cloned().unwrap_or_default(),
            ..row(ctx.lang, &names, &cal, i, now)?
        });
    }
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
    let c = &page.counts;
    let counted = [
        c.overdue,
        c.due_today,
        c.due_soon,
        c.paused,
        c.flagged,
        c.repeat_proposed,
        c.additional,
    ];
    let classes = [
        "mw-u-overdue",
        "mw-u-today",
        "mw-u-soon",
        "mw-u-stopped",
        "",
        "",
        "mw-u-additional",
    ];
    let mut tiles = vec![Tile {
        key: "all",
        href: p.tile_href(""),
        label: ctx.lang.t("전체", "All open"),
        count: c.total,
        class: "",
        current: p.urgency.is_empty() && !searched,
    }];
    for (((key, ko, en), count), class) in URGENCY_FILTERS.iter().zip(counted).zip(classes) {
        tiles.push(Tile {
            key,
            href: p.tile_href(key),
            label: ctx.lang.t(ko, en),
            count,
            class,
            current: p.urgency == *key,
        });
    }
    let urgencies = URGENCY_FILTERS
        .iter()
        .map(|(key, ko, en)| (*key, ctx.lang.t(ko, en), p.urgency == *key))
        .collect();
    Ok(QueuePage {
        notices,
        awaiting,
        c: ctx.chrome(),
        sort_due: p.sort_header("due"),
        sort_number: p.sort_header("number"),
        p,
        rows,
        departments,
        states,
        urgencies,
        tiles,
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
    /// The kind of petition in words (법정민원 / statutory …); empty when the type's name says it.
    pub kind: &'static str,
    /// How it came in, in words (인터넷, 창구 방문 …), never the channel's code.
    pub channel: &'static str,
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
    /// Result documents the office attached to its answer (a permit, a certificate).
    pub results: Vec<Attached>,
    pub timeline: Vec<TimelineLine>,
    /// Access restrictions in force on the petitioner (period and coverage), with the number
    /// of their earlier incidents: shown to whoever may read the petition.
    pub restriction: Option<String>,
    pub flagged: bool,
    /// What the screening found, in words (모욕·욕설, 협박 …).
    pub abuse_kinds: String,
    /// The screening's finding in words, and on demand its score and model version.
    pub abuse_words: String,
    pub abuse_detail: String,
    /// The routing suggestion made at intake in words ("도로과 — 확신 높음") and on demand its
    /// score and model version.
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

/// One line of the office's timeline: when, what in words, and on demand the technical detail
/// (a file's content hash).
pub struct TimelineLine {
    pub at: String,
    pub words: String,
    pub detail: Option<String>,
}

/// A file's timeline note in words: what it is, its name and size.
fn file_note_words(l: Lang, n: &domain::petitions::FileNote) -> String {
    let kb = n.size.div_ceil(1024);
    match (l, n.result) {
        (Lang::Ko, false) => format!("파일 첨부: {} ({kb} KB)", n.filename),
        (Lang::Ko, true) => format!("결과 문서 첨부: {} ({kb} KB)", n.filename),
        (Lang::En, false) => format!("File attached: {} ({kb} KB)", n.filename),
        (Lang::En, true) => format!("Result document attached: {} ({kb} KB)", n.filename),
    }
}

/// The reminder sweep's levels in words (the sweep writes `soon` and `overdue`).
fn reminder_words(l: Lang, level: &str) -> String {
    match level {
        "soon" => l.t(
            "마감이 다가와 담당자에게 알렸습니다",
            "The handler was reminded that the deadline is near",
        ),
        "overdue" => l.t(
            "처리기한이 지나 담당자에게 알렸습니다",
            "The handler was told the deadline has passed",
        ),
        _ => l.t("담당자에게 알렸습니다", "The handler was reminded"),
    }
    .to_string()
}

/// The kinds of petition the Decree names, in the reader's language.
fn kind_name(l: Lang, k: domain::petitions::Kind) -> &'static str {
    use domain::petitions::Kind;
    match k {
        Kind::Statutory => l.t("법정민원", "statutory"),
        Kind::QuestionLaw => l.t("질의민원 (법령)", "question on a law"),
        Kind::QuestionSystem => l.t("질의민원 (제도·절차)", "question on a procedure"),
        Kind::Proposal => l.t("건의민원", "proposal"),
        Kind::Other => l.t("기타민원", "other"),
        Kind::Grievance => l.t("고충민원", "grievance"),
    }
}

/// What abuse screening found, in words (the screening stores the kinds' codes).
pub(crate) fn abuse_kind_name(l: Lang, code: &str) -> String {
    match code {
        "insult" => l.t("모욕·욕설", "insults or profanity"),
        "threat" => l.t("협박", "threats"),
        "sexualharassment" | "sexual_harassment" => l.t("성희롱", "sexual harassment"),
        "hate" => l.t("혐오 표현", "hate speech"),
        _ => l.t("그 밖의 표현", "other expressions"),
    }
    .to_string()
}

/// A routing suggestion in words for the petition page: the department and how sure the model
/// is; the percentage and model version on demand.
fn suggestion_view(l: Lang, s: &crate::petitions::assist::SuggestionView) -> (String, String) {
    let sure = if s.score >= 0.8 {
        l.t("가능성 높음", "likely")
    } else if s.score >= 0.5 {
        l.t("가능성 보통", "possible")
    } else {
        l.t("가능성 낮음", "uncertain")
    };
    let department = s.department_name.as_deref().unwrap_or(&s.department_code);
    let detail = match l {
        Lang::Ko => format!("확률 {:.0}% · 모델 {}", s.score * 100.0, s.model_version),
        Lang::En => format!(
            "probability {:.0}% · model {}",
            s.score * 100.0,
            s.model_version
        ),
    };
    (format!("{department} ({sure})"), detail)
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
    /// Whom the petition may be assigned to: each department with its officials.
    assign_groups: Vec<AssignGroup>,
    /// The `assign_to` value selected: what was typed after a refusal, else where it is now.
    assign_now: String,
    /// Why a supplement cannot be requested now (the rule the step applies), if it cannot.
    supplement_blocked: Option<String>,
    extension: ExtensionForm,
    /// Why no result document can be attached now, if it cannot.
    result_blocked: Option<String>,
    /// Today in Korea (the earliest date a date field takes).
    today: String,
    f: Refill,
}

/// One department of the assignment list: its code, name and officials (username, name).
pub struct AssignGroup {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub people: Vec<(String, String)>,
}

/// The extension form: a whole number of `unit`, at most `max` (Decree art. 21's cap in the
/// original period's own unit), closed with the reason when the rules allow no extension now.
pub struct ExtensionForm {
    pub unit: &'static str,
    pub max: u32,
    /// The cap in words: "7일", "3 working hours".
    pub cap: String,
    pub blocked: Option<String>,
    /// A second extension: the petitioner's consent is required.
    pub needs_consent: bool,
}

impl ExtensionForm {
    fn of(l: Lang, p: &Petition, needs_approval: bool, now: DateTime<Utc>) -> ExtensionForm {
        let d = &p.derived;
        let (unit, max) = d
            .period
            .map(domain::petitions::extension_room)
            .unwrap_or((domain::petitions::ExtensionUnit::Days, 0));
        let blocked = match (d.period, d.deadline_input(now)) {
            // A type that needs approval submits the extension: one submission at a time.
            (Some(_), Some(_)) => domain::petitions::check_extension_count(&d.extensions, true)
                .and_then(|_| {
                    if needs_approval {
                        d.check_no_pending_approval()
                    } else {
                        Ok(())
                    }
                })
                .err()
                .map(|e| l.of(&e).to_string()),
            _ => Some(form_error(
                l,
                "처리기간이 흐르지 않는 민원이라 연장할 수 없습니다",
                "no clock runs for this petition, so it cannot be extended",
            )),
        };
        ExtensionForm {
            unit: unit_words(l, unit),
            max,
            cap: match l {
                Lang::Ko => format!("{max}{}", unit_words(l, unit)),
                Lang::En => format!("{max} {}", unit_words(l, unit)),
            },
            blocked,
            needs_consent: d.extensions.len() == 1,
        }
    }
}

fn unit_words(l: Lang, u: domain::petitions::ExtensionUnit) -> &'static str {
    match u {
        domain::petitions::ExtensionUnit::WorkingHours => l.t("근무시간", "working hours"),
        domain::petitions::ExtensionUnit::Days => l.t("일", "days"),
    }
}

/// The extension typed as a whole number in the unit the petition's original period takes
/// (`domain::petitions::extension_room`); the cap itself is the step's own rule.
fn extension_period(
    l: Lang,
    p: &Petition,
    f: &HashMap<String, String>,
) -> Result<calendar::Period, String> {
    let (unit, _) = p
        .derived
        .period
        .map(domain::petitions::extension_room)
        .ok_or_else(|| {
            form_error(
                l,
                "처리기간이 흐르지 않는 민원입니다",
                "no clock runs for this petition",
            )
        })?;
    let amount = f
        .get("amount")
        .and_then(|v| v.trim().parse::<u32>().ok())
        .filter(|n| *n >= 1)
        .ok_or_else(|| {
            form_error(
                l,
                "연장할 기간을 1 이상의 숫자로 적어 주세요",
                "enter the extension as a whole number of 1 or more",
            )
        })?;
    Ok(unit.period(amount))
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
    let (due, lines) = match p.derived.clock_input(now) {
        Some(input) => {
            let due =
                calendar::deadline(&cal, &input, now).map_err(domain::petitions::deadline_error)?;
            let lines = calendar::explain(&cal, &input, now)
                .map(|e| explain_lines(lang, &e))
                .unwrap_or_default();
            (Some(due), lines)
        }
        None => (None, vec![]),
    };
    // The one deadline badge (queue, this page, the resident's pages).
    let badge = due_badge(lang, &cal, p, now)?;
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
            // A file's note reads as its name and size; the hash is there on demand.
            if let Event::Note { text } = &e.event
                && let Some(n) = domain::petitions::FileNote::parse(text)
            {
                return TimelineLine {
                    at: when(e.at),
                    words: file_note_words(lang, &n),
                    detail: Some(format!("SHA-256 {}", n.sha256)),
                };
            }
            // Staff also see what the petitioner wrote and the office's own notes.
            let detail = match &e.event {
                Event::Note { text } => format!("{}: {text}", lang.t("메모", "Note")),
                Event::Reminder { level } => reminder_words(lang, level),
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
            TimelineLine {
                at: when(e.at),
                words: detail,
                detail: None,
            }
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
    let (results, attachments): (Vec<_>, Vec<_>) = petitions::attachments(&state.db, p.id)
        .await?
        .into_iter()
        .partition(|a| a.result);
    let shown = |list: Vec<petitions::Attachment>| -> Vec<Attached> {
        list.into_iter()
            .map(|a| Attached {
                sha256: a.sha256,
                filename: a.filename,
                size_kb: (a.size + 1023) / 1024,
                at: when(a.created_at),
            })
            .collect()
    };
    let (results, attachments) = (shown(results), shown(attachments));
    let d = &p.derived;
    // The kind beside the type's name, unless the name already says it.
    let bare = |s: &str| s.chars().filter(|c| !c.is_whitespace()).collect::<String>();
    let kind = Some(kind_name(lang, d.kind))
        .filter(|k| bare(k) != bare(&t.name))
        .unwrap_or("");
    Ok(StaffView {
        id: p.id,
        number: number(p),
        title: p.title.clone(),
        body: p.body.clone(),
        location: p.location.clone(),
        extra,
        type_name: t.name,
        kind,
        channel: domain::petitions::Channel::ALL
            .into_iter()
            .find(|c| c.as_str() == p.channel)
            .map(|c| crate::petitions::intake_pages::channel_name(lang, c))
            .unwrap_or(""),
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
        urgency: badge.urgency,
        due: due.map(when),
        left: badge.detail,
        due_lines: lines,
        person,
        revealed: reveal,
        anonymous: p.anonymous,
        attachments,
        results,
        timeline,
        restriction: crate::protection::flags::restriction_banner(state, p.id, lang, now).await?,
        flagged: p.flagged,
        abuse_kinds: p
            .abuse_kinds
            .iter()
            .map(|k| abuse_kind_name(lang, k))
            .collect::<Vec<_>>()
            .join(", "),
        abuse_words: if p.flagged {
            lang.t(
                "주의: 폭언·욕설 등으로 보이는 표현이 있습니다",
                "Caution: the text seems to contain abusive language",
            )
        } else {
            lang.t("특이 사항 없음", "Nothing unusual found")
        }
        .to_string(),
        abuse_detail: match lang {
            Lang::Ko => format!(
                "점수 {:.2} (0~1, 0.5 이상이면 주의 표시) · 모델 {}",
                p.abuse_score, p.abuse_model
            ),
            Lang::En => format!(
                "score {:.2} (0 to 1; 0.5 or more flags it) · model {}",
                p.abuse_score, p.abuse_model
            ),
        },
        suggestion: crate::petitions::assist::suggestion(state, p)
            .await?
            .map(|s| suggestion_view(lang, &s)),
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
    let now = store::now();
    let (cal, _) = petitions::work_calendar(&state.db).await.or_page(ctx)?;
    let staff = store::office::accounts::list(&state.db, None)
        .await
        .or_page(ctx)?;
    // The same test the step applies to a chosen assignee (active staff of that department).
    let assign_groups = store::office::departments::list(&state.db)
        .await
        .or_page(ctx)?
        .into_iter()
        .map(|d| AssignGroup {
            id: d.id,
            people: staff
                .iter()
                .filter(|a| a.active && a.role.is_staff() && a.department_id == Some(d.id))
                .map(|a| (a.username.clone(), a.display_name.clone()))
                .collect(),
            code: d.code,
            name: d.name,
        })
        .collect::<Vec<_>>();
    let assignee = p
        .assignee_id
        .and_then(|a| staff.iter().find(|x| x.id == a))
        .map(|a| a.username.clone());
    let assign_now = match s.f.get("assign_to") {
        "" => assign_groups
            .iter()
            .find(|g| Some(g.id) == p.department_id)
            .map(|g| match &assignee {
                Some(u) => format!("{}/{u}", g.code),
                None => g.code.clone(),
            })
            .unwrap_or_default(),
        typed => typed.to_string(),
    };
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
            assign_groups,
            assign_now,
            supplement_blocked: p
                .derived
                .check_supplement_in_time(now, &cal)
                .err()
                .map(|e| l.of(&e).to_string()),
            extension: ExtensionForm::of(l, p, needs_approval, now),
            result_blocked: domain::petitions::check_result_document(p.state)
                .err()
                .map(|e| l.of(&e).to_string()),
            today: calendar::to_seoul(now).format("%Y-%m-%d").to_string(),
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
    // "No template" in the one selector drafts from the type's first template.
    let template = form.template.as_deref().filter(|t| !t.is_empty());
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

/// Attach a result document (a permit, a certificate) to the answer: one file, multipart (the
/// form token travels as every multipart form's does), kept like every attachment —
/// content-addressed blob, metadata row marked `result`, timeline note — with its access-log
/// entry. Refused states and files come back next to the form.
async fn attach_result(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    mp: crate::kit::extract::Multipart,
) -> PageResult {
    let caller = ctx.staff_or_refuse()?;
    let p = petition_for(&state, caller, id, Action::Update)
        .await
        .or_page(&ctx)?;
    let l = ctx.lang;
    let refused = async |m: String| {
        render_petition(&state, &ctx, caller, &p, Shown::refused(m, "result")).await
    };
    // The state is checked before any byte is stored.
    if let Err(e) = domain::petitions::check_result_document(p.state) {
        return refused(l.of(&e).to_string()).await;
    }
    let files = match crate::petitions::resident_pages::read_parts(&state, mp, async |_| true).await
    {
        Ok((_, files)) => files,
        Err((_, e)) if e.status.is_server_error() => return Err(ctx.fail(&e)),
        Err((_, e)) => return refused(l.of(&e).to_string()).await,
    };
    let Some((blob, filename)) = files.into_iter().next() else {
        return refused(form_error(
            l,
            "첨부할 결과 문서 파일을 골라 주세요",
            "choose the result document's file",
        ))
        .await;
    };
    let (cal, _) = petitions::work_calendar(&state.db).await.or_page(&ctx)?;
    let now = store::now();
    let by = Some(caller.account.id);
    let stored = crate::audited(&state, caller, async |tx: &mut store::Tx| {
        let a = petitions::add_result_document(tx, id, &blob, &filename, by, &cal, now).await?;
        let entry = crate::Audit::new(subject(&p), "petition.result_attach", &a.sha256);
        Ok((a, entry))
    })
    .await;
    match stored {
        Ok(_) => done(id),
        Err(e) if e.status.is_server_error() => Err(ctx.fail(&e)),
        Err(e) => refused(l.of(&e).to_string()).await,
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
    p: &Petition,
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
        // One list of departments and their officials: `code` or `code/username`.
        "assign" => {
            let to = required(
                "assign_to",
                "부서나 담당자를 고르세요",
                "choose a department or an official",
            )?;
            let (code, who) = match to.split_once('/') {
                Some((code, who)) => (code.to_string(), Some(who.to_string())),
                None => (to, None),
            };
            ActionRequest::Assign {
                department_code: code,
                assignee: who,
            }
        }
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
            period: extension_period(l, p, f)?,
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
    let period = extension_period(l, p, f)?;
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
    let result = match action_request(l, &p, &form, closing) {
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
        Some("assign") => "assign",
        Some("request_supplement") => "supplement",
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
        .map(|i| row(ctx.lang, &names, &cal, i, now))
        .collect::<Result<_, _>>()?;
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
