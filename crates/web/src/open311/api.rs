//! Open311 GeoReport v2 (the open 311 standard) under `/open311/v2/`, so existing 311 apps and
//! libraries discover the office's services, file petitions (민원) and follow them.
//!
//! - A service is a public, open petition type that collects no resident registration number;
//!   its attributes are the type's extra fields
//!   (추가 입력 항목), and a POSTed request passes the very same validation
//!   (`domain::petitions::fields::validate_values`, called inside `store::petitions::file`).
//! - A POSTed request is a petition of the Open311 channel filed by `store::petitions::file`:
//!   same clock, routing, abuse screening, repeat detection and register as any petition.
//! - `expected_datetime` is the statutory deadline from `calendar::deadline`; `status` is
//!   open/closed from `State::is_open`; names, email and phone are write-only.
//! - GET publishes only what the office publishes (petition data serves petition handling):
//!   petitions filed through Open311 or the public web form, of a type the administrator marked
//!   publishable (never one that needs a resident registration number), the description through
//!   the one masking rule, the address down to the road name, coordinates to about 100 m, the
//!   handler as the department and its public phone. Anything else answers 404 by id.
//!
//! These routes sit outside the session/CSRF layer (see `lib.rs`): a 311 client carries no
//! cookie, and its credential is the `api_key`, checked here. The global per-address rate limit
//! still applies, and each key has its own on top.

use crate::AppState;
use crate::kit::extract::Path;
use crate::open311::form::{self as form, AttrValue, Form};
use crate::open311::format::{Format, Open311Error, Val, respond};
use axum::Router;
use axum::body::Bytes;
use axum::extract::{RawQuery, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::{DateTime, Duration, Utc};
use domain::office::audit::AuditRecord;
use domain::petitions::fields::{Datatype, FieldDef};
use domain::petitions::{Channel, Event, State as PState};
use domain::privacy::{PersonalKind, mask, mask_text};
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};
use std::time::Instant;
use store::open311::{self as keys, RequestExtra, RequestFilter};
use store::petitions::{self, Petition, PetitionType};

/// The GeoReport specification the discovery document points to.
pub const SPECIFICATION: &str = "http://wiki.open311.org/GeoReport_v2";
/// When this API's behaviour last changed (discovery `changeset`).
pub const CHANGESET: &str = "2026-11-24T00:00:00+09:00";
/// The longest `start_date`–`end_date` span, and the default window.
pub const MAX_SPAN_DAYS: i64 = 90;
/// The most requests one `GET /requests` answers.
pub const MAX_REQUESTS: i64 = 1000;
/// GeoReport's limit on `description`.
pub const MAX_DESCRIPTION_CHARS: usize = 4000;
/// Office setting: `true` hides handlers' names in public answers (DOMAIN.md section 5).
pub const HIDE_HANDLER_NAMES_SETTING: &str = store::office::settings::HIDE_HANDLER_NAMES;
/// Decimal places coordinates are published with (3 ≈ 100 m: the street, not the house).
const COORDINATE_DECIMALS: i32 = 3;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/open311/v2/{file}", get(get_top).post(post_top))
        .route("/open311/v2/services/{file}", get(get_service))
        .route("/open311/v2/requests/{file}", get(get_request))
        .route("/open311/v2/tokens/{file}", get(get_token))
}

type Answer = Result<Response, Open311Error>;

/// The format of `file`, or a 404 (answered in XML, the format the spec requires).
fn split(file: &str) -> Result<(&str, Format), Open311Error> {
    Format::split(file).ok_or_else(|| {
        Open311Error::new(
            StatusCode::NOT_FOUND,
            "unknown_format",
            "지원하지 않는 형식입니다. .xml 또는 .json을 쓰세요",
            "unknown format; use .xml or .json",
        )
    })
}

fn finish(format: Format, answer: Answer) -> Response {
    answer.unwrap_or_else(|e| e.render(format))
}

fn query_form(q: Option<String>) -> Result<Form, Open311Error> {
    form::parse(q.unwrap_or_default().as_bytes())
        .map_err(|e| Open311Error::bad("bad_form", e.to_string()))
}

async fn get_top(
    State(state): State<AppState>,
    Path(file): Path<String>,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
) -> Response {
    let (stem, format) = match split(&file) {
        Ok(x) => x,
        Err(e) => return e.render(Format::Xml),
    };
    let answer = async {
        let q = query_form(q)?;
        match stem {
            "discovery" => Ok(discovery(&state, &headers, format)),
            "services" => services(&state, &q, format).await,
            "requests" => list_requests(&state, &q, format).await,
            _ => Err(Open311Error::not_found("자원", "resource")),
        }
    }
    .await;
    finish(format, answer)
}

async fn post_top(
    State(state): State<AppState>,
    Path(file): Path<String>,
    RawQuery(q): RawQuery,
    req: Request,
) -> Response {
    let (stem, format) = match split(&file) {
        Ok(x) => x,
        Err(e) => return e.render(Format::Xml),
    };
    if stem != "requests" {
        return Open311Error::not_found("자원", "resource").render(format);
    }
    let address = crate::kit::security::client_ip(&req, &state.config)
        .map(|ip| ip.to_string())
        .unwrap_or_default();
    let body = match axum::body::to_bytes(req.into_body(), crate::MAX_FORM_BYTES).await {
        Ok(b) => b,
        Err(_) => {
            return Open311Error::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "too_large",
                "요청이 너무 큽니다",
                "the request is too large",
            )
            .render(format);
        }
    };
    finish(
        format,
        create_request(&state, q, body, &address, format).await,
    )
}

async fn get_service(
    State(state): State<AppState>,
    Path(file): Path<String>,
    RawQuery(q): RawQuery,
) -> Response {
    read_one(&state, &file, q, async |code, format| {
        let t = public_type(&state, code).await?;
        Ok(respond(
            format,
            StatusCode::OK,
            "service_definition",
            &definition(&t),
        ))
    })
    .await
}

async fn get_request(
    State(state): State<AppState>,
    Path(file): Path<String>,
    RawQuery(q): RawQuery,
) -> Response {
    read_one(&state, &file, q, async |id, format| {
        let not_found = || Open311Error::not_found("민원", "service request");
        let id: i64 = id.parse().map_err(|_| not_found())?;
        let ctx = Ctx::load(&state).await?;
        let items = ctx.views(&state, &[id]).await?;
        if items.is_empty() {
            return Err(not_found());
        }
        Ok(respond(
            format,
            StatusCode::OK,
            "service_requests",
            &Val::List("request", items),
        ))
    })
    .await
}

async fn get_token(
    State(state): State<AppState>,
    Path(file): Path<String>,
    RawQuery(q): RawQuery,
) -> Response {
    read_one(&state, &file, q, async |token, format| {
        let id = keys::petition_for_token(&state.db, token)
            .await?
            .ok_or_else(|| Open311Error::not_found("토큰", "token"))?;
        let item = Val::Obj(vec![
            ("service_request_id", Val::str(id.to_string())),
            ("token", Val::str(token)),
        ]);
        Ok(respond(
            format,
            StatusCode::OK,
            "service_requests",
            &Val::List("request", vec![item]),
        ))
    })
    .await
}

/// One resource named by `file` (`{name}.{format}`): the query is read and the jurisdiction
/// checked, then `read` answers for the name, in that format (errors too).
async fn read_one(
    state: &AppState,
    file: &str,
    q: Option<String>,
    read: impl AsyncFnOnce(&str, Format) -> Answer,
) -> Response {
    let (name, format) = match split(file) {
        Ok(x) => x,
        Err(e) => return e.render(Format::Xml),
    };
    let answer = async {
        let q = query_form(q)?;
        check_jurisdiction(state, &q).await?;
        read(name, format).await
    }
    .await;
    finish(format, answer)
}

// ---------------------------------------------------------------------------------------------
// Discovery, jurisdiction, services
// ---------------------------------------------------------------------------------------------

/// The discovery document: this server's own endpoint (from the Host it was asked on), as
/// production, in both formats.
fn discovery(state: &AppState, headers: &HeaderMap, format: Format) -> Response {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            h.chars()
                .all(|c| c.is_ascii_alphanumeric() || ".-:[]".contains(c))
        })
        .unwrap_or("localhost");
    let scheme = if state.config.behind_tls {
        "https"
    } else {
        "http"
    };
    let endpoint = Val::Obj(vec![
        ("specification", Val::str(SPECIFICATION)),
        ("url", Val::str(format!("{scheme}://{host}/open311/v2"))),
        ("changeset", Val::str(CHANGESET)),
        ("type", Val::str("production")),
        (
            "formats",
            Val::List(
                "format",
                vec![Val::str("text/xml"), Val::str("application/json")],
            ),
        ),
    ]);
    let doc = Val::Obj(vec![
        ("changeset", Val::str(CHANGESET)),
        (
            "contact",
            Val::str("민원실 (civil-affairs office) — the office's administrator"),
        ),
        (
            "key_service",
            Val::str(
                "API 키는 기관 관리자가 발급합니다 (api_key: ask the office's administrator; \
                 `minwon admin open311-key add NAME`)",
            ),
        ),
        ("endpoints", Val::List("endpoint", vec![endpoint])),
    ]);
    respond(format, StatusCode::OK, "discovery", &doc)
}

/// `jurisdiction_id`, when given, must be the office: the code of a top-level department.
async fn check_jurisdiction(state: &AppState, q: &Form) -> Result<(), Open311Error> {
    let Some(j) = q.get("jurisdiction_id") else {
        return Ok(());
    };
    let known = store::office::departments::list(&state.db)
        .await?
        .into_iter()
        .any(|d| d.parent_id.is_none() && d.code == j);
    if known {
        Ok(())
    } else {
        Err(Open311Error::new(
            StatusCode::NOT_FOUND,
            "unknown_jurisdiction",
            "알 수 없는 관할(jurisdiction_id)입니다",
            "unknown jurisdiction_id",
        ))
    }
}

/// A type Open311 clients may file: public, open, and without a resident registration number
/// (GeoReport has no safe place for one).
fn fileable(t: &PetitionType) -> bool {
    t.public && t.active && !t.requires_rrn
}

/// A type whose web and Open311 petitions the office publishes on GET.
fn published(t: &PetitionType) -> bool {
    t.publishable && !t.requires_rrn
}

/// A fileable petition type by code, or 404.
async fn public_type(state: &AppState, code: &str) -> Result<PetitionType, Open311Error> {
    let unknown = || {
        Open311Error::new(
            StatusCode::NOT_FOUND,
            "unknown_service",
            "알 수 없는 서비스(service_code)입니다",
            "unknown service_code",
        )
    };
    match petitions::get_type_by_code(&state.db, code).await {
        Ok(t) if fileable(&t) => Ok(t),
        Ok(_) | Err(store::StoreError::NotFound) => Err(unknown()),
        Err(e) => Err(e.into()),
    }
}

async fn services(state: &AppState, q: &Form, format: Format) -> Answer {
    check_jurisdiction(state, q).await?;
    let types = petitions::list_types(&state.db, true).await?;
    let items = types
        .iter()
        .filter(|t| fileable(t))
        .map(|t| {
            Val::Obj(vec![
                ("service_code", Val::str(&t.code)),
                ("service_name", Val::str(&t.name)),
                ("description", Val::str(&t.description)),
                ("metadata", Val::Bool(!t.fields.is_empty())),
                ("type", Val::str("realtime")),
                ("keywords", Val::str(t.kind.as_str())),
                ("group", Val::str(t.kind.korean())),
            ])
        })
        .collect();
    Ok(respond(
        format,
        StatusCode::OK,
        "services",
        &Val::List("service", items),
    ))
}

/// GeoReport's datatype for an extra field, and what the value must look like.
fn datatype(f: &FieldDef) -> (&'static str, &'static str) {
    match f.datatype {
        Datatype::Text => ("string", "글자 (text)"),
        Datatype::Number => ("number", "숫자 (number)"),
        Datatype::Date => ("datetime", "날짜 YYYY-MM-DD (a date)"),
        Datatype::Bool => ("singlevaluelist", "true 또는 false (true or false)"),
        Datatype::Choice => ("singlevaluelist", "목록 중 하나 (one of the values)"),
    }
}

/// The service definition: one attribute per extra field, in the type's order.
fn definition(t: &PetitionType) -> Val {
    let attributes = t
        .fields
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let (dt, dt_description) = datatype(f);
            let values: Vec<Val> = match f.datatype {
                Datatype::Bool => vec![("true", "예 (yes)"), ("false", "아니오 (no)")]
                    .into_iter()
                    .map(|(k, n)| Val::Obj(vec![("key", Val::str(k)), ("name", Val::str(n))]))
                    .collect(),
                Datatype::Choice => f
                    .choices
                    .iter()
                    .map(|c| Val::Obj(vec![("key", Val::str(c)), ("name", Val::str(c))]))
                    .collect(),
                _ => vec![],
            };
            Val::Obj(vec![
                ("variable", Val::Bool(true)),
                ("code", Val::str(&f.key)),
                ("datatype", Val::str(dt)),
                ("required", Val::Bool(f.required)),
                ("datatype_description", Val::str(dt_description)),
                ("order", Val::Int(i as i64 + 1)),
                ("description", Val::str(&f.label)),
                ("values", Val::List("value", values)),
            ])
        })
        .collect();
    Val::Obj(vec![
        ("service_code", Val::str(&t.code)),
        ("attributes", Val::List("attribute", attributes)),
    ])
}

// ---------------------------------------------------------------------------------------------
// Reading requests
// ---------------------------------------------------------------------------------------------

/// What every request view needs, loaded once per answer.
struct Ctx {
    cal: std::sync::Arc<calendar::WorkCalendar>,
    /// The published types only.
    types: HashMap<i64, PetitionType>,
    now: DateTime<Utc>,
}

impl Ctx {
    async fn load(state: &AppState) -> Result<Ctx, Open311Error> {
        let (cal, _) = petitions::work_calendar(&state.db).await?;
        let types = petitions::list_types(&state.db, false)
            .await?
            .into_iter()
            .filter(published)
            .map(|t| (t.id, t))
            .collect();
        Ok(Ctx {
            cal,
            types,
            now: store::now(),
        })
    }

    /// Views of these petitions, in the order given; petitions the office does not publish
    /// (another channel, a type not marked publishable) are left out, as if they did not exist.
    async fn views(&self, state: &AppState, ids: &[i64]) -> Result<Vec<Val>, Open311Error> {
        let extras = keys::extras(&state.db, ids).await?;
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            let p = match petitions::get(&state.db, *id).await {
                Ok(p) => p,
                Err(store::StoreError::NotFound) => continue,
                Err(e) => return Err(e.into()),
            };
            let Some(t) = self.types.get(&p.type_id) else {
                continue;
            };
            let channel = p.channel.as_str();
            if channel != Channel::Web.as_str() && channel != Channel::Open311.as_str() {
                continue;
            }
            out.push(self.view(state, &p, t, extras.get(id)).await?);
        }
        Ok(out)
    }

    async fn view(
        &self,
        state: &AppState,
        p: &Petition,
        t: &PetitionType,
        extra: Option<&RequestExtra>,
    ) -> Result<Val, Open311Error> {
        // The one deadline function; before receipt, as if received at the latest legal moment
        // (Decree art. 6); none for anonymous reports.
        let due = p.derived.expected_answer(&self.cal, self.now)?;
        let handler = petitions::handler(&state.db, p).await?;
        let notes = status_notes(state, p).await?;
        let scrub = |s: &str| public_text(s, p, &handler);
        let status = if p.state.is_open() { "open" } else { "closed" };
        let mut notice = match &p.receipt_no {
            Some(n) => format!("접수번호 {n} (receipt number {n})"),
            None if p.state == PState::Arrived => {
                "접수 대기 중입니다 (waiting to be received)".to_string()
            }
            None => String::new(),
        };
        // A public feed names the department and its public phone, never an official.
        if !handler.department_phone.is_empty() {
            notice = format!(
                "{notice} · 문의 {} {} (contact)",
                handler.department, handler.department_phone
            )
            .trim_start_matches(" · ")
            .to_string();
        }
        let address = extra
            .map(|e| e.address_string.clone())
            .filter(|a| !a.is_empty())
            .unwrap_or_else(|| p.location.clone());
        let address = mask(PersonalKind::Address, &address);
        let scale = 10f64.powi(COORDINATE_DECIMALS);
        let coord = |v: Option<f64>| v.map_or(Val::Null, |c| Val::Num((c * scale).round() / scale));
        Ok(Val::Obj(vec![
            ("service_request_id", Val::str(p.id.to_string())),
            ("status", Val::str(status)),
            ("status_notes", Val::opt(notes.map(|n| scrub(&n)))),
            ("service_name", Val::str(&t.name)),
            ("service_code", Val::str(&t.code)),
            ("description", Val::str(scrub(&p.body))),
            (
                "agency_responsible",
                Val::opt(Some(handler.department.clone()).filter(|d| !d.is_empty())),
            ),
            ("service_notice", Val::opt(Some(notice))),
            ("requested_datetime", Val::str(iso(p.arrived_at))),
            ("updated_datetime", Val::str(iso(p.updated_at))),
            ("expected_datetime", Val::opt(due.map(iso))),
            ("address", Val::opt(Some(address))),
            // An address id pins a house; it stays with the office.
            ("address_id", Val::Null),
            ("zipcode", Val::Null),
            ("lat", coord(extra.and_then(|e| e.lat))),
            ("long", coord(extra.and_then(|e| e.long))),
            ("media_url", Val::opt(extra.map(|e| e.media_url.clone()))),
        ]))
    }
}

/// ISO 8601 with the Seoul offset, to the second: `2026-11-23T10:00:00+09:00`.
fn iso(t: DateTime<Utc>) -> String {
    calendar::to_seoul(t)
        .format("%Y-%m-%dT%H:%M:%S%:z")
        .to_string()
}

/// What the petitioner was last told, from the derived state (and the timeline only when a
/// progress notice is the latest word).
async fn status_notes(state: &AppState, p: &Petition) -> Result<Option<String>, Open311Error> {
    let d = &p.derived;
    match p.state {
        PState::TransferredOut => {
            return Ok(d.transferred_to_agency.as_ref().map(|a| {
                format!("다른 기관({a})으로 이송되었습니다 (transferred to another agency: {a})")
            }));
        }
        PState::Supplement => {
            return Ok(d
                .supplement
                .as_ref()
                .map(|s| format!("보완 요청: {} (supplement requested)", s.items)));
        }
        _ => {}
    }
    let answer = d.answers.last();
    let notice_is_latest = d
        .last_notice_at
        .is_some_and(|n| answer.is_none_or(|a| n > a.at));
    if notice_is_latest {
        let timeline = petitions::timeline(&state.db, p.id).await?;
        if let Some(note) = timeline.iter().rev().find_map(|e| match &e.event {
            Event::ProgressNotice { note } => Some(note.clone()),
            _ => None,
        }) {
            return Ok(Some(note));
        }
    }
    if let Some(a) = answer {
        return Ok(Some(a.text.clone()));
    }
    Ok(d.closed_reason.clone().filter(|r| !r.trim().is_empty()))
}

/// The public part of a text about a petition: the handler's name and personal number when the
/// office hides them (`HandlerRow::scrub`), the petitioner's name (plain or masked), phone and
/// email taken out, and then the one masking rule over what is left (`mask_text`: numbers,
/// addresses and mail that look personal).
pub fn public_text(text: &str, p: &Petition, handler: &petitions::HandlerRow) -> String {
    let name = p.petitioner_name.trim();
    let mut out = handler.scrub(text);
    let mut cut = |needle: &str, with: &str| {
        // One-character needles would cut ordinary words.
        if needle.chars().count() >= 2 {
            out = out.replace(needle, with);
        }
    };
    cut(name, "민원인");
    cut(&mask(PersonalKind::Name, name), "민원인");
    cut(p.petitioner_phone.trim(), "***");
    cut(p.petitioner_email.trim(), "***");
    mask_text(
        &out,
        &[
            (PersonalKind::Address, p.petitioner_address.as_str()),
            (PersonalKind::Name, p.petitioner_name.as_str()),
        ],
    )
}

/// `start_date`/`end_date` as given (RFC 3339), or 400.
fn date_param(q: &Form, name: &'static str) -> Result<Option<DateTime<Utc>>, Open311Error> {
    q.get(name)
        .map(|v| {
            DateTime::parse_from_rfc3339(v)
                .map(|d| d.with_timezone(&Utc))
                .map_err(|_| {
                    Open311Error::bad(
                        "bad_date",
                        format!(
                            "{name}은(는) 2026-11-23T10:00:00+09:00 형식이어야 합니다 ({name} must be ISO 8601 with an offset)"
                        ),
                    )
                })
        })
        .transpose()
}

async fn list_requests(state: &AppState, q: &Form, format: Format) -> Answer {
    check_jurisdiction(state, q).await?;
    let ctx = Ctx::load(state).await?;
    let ids: Vec<i64> = if let Some(list) = q.get("service_request_id") {
        // The ids override every other parameter (spec).
        let mut ids = Vec::new();
        for part in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let id = part.parse::<i64>().map_err(|_| {
                Open311Error::bad(
                    "bad_service_request_id",
                    format!(
                        "'{part}'은(는) 민원 번호가 아닙니다 ('{part}' is not a service_request_id)"
                    ),
                )
            })?;
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
        ids.truncate(MAX_REQUESTS as usize);
        ids
    } else {
        let type_ids = match q.get("service_code") {
            None => ctx.types.keys().copied().collect(),
            Some(codes) => {
                let mut ids = Vec::new();
                for code in codes.split(',').map(str::trim).filter(|s| !s.is_empty()) {
                    // A type that may be filed but is not published lists nothing.
                    let id = public_type(state, code).await?.id;
                    if ctx.types.contains_key(&id) {
                        ids.push(id);
                    }
                }
                ids
            }
        };
        let start = date_param(q, "start_date")?;
        let end = date_param(q, "end_date")?;
        let span = Duration::days(MAX_SPAN_DAYS);
        let (start, end) = match (start, end) {
            (Some(s), Some(e)) => (s, e),
            (Some(s), None) => (s, s + span),
            (None, Some(e)) => (e - span, e),
            (None, None) => (ctx.now - span, ctx.now),
        };
        if end < start {
            return Err(Open311Error::bad(
                "bad_date_range",
                "end_date가 start_date보다 앞섭니다 (end_date is before start_date)".into(),
            ));
        }
        if end - start > span {
            return Err(Open311Error::bad(
                "date_range_too_long",
                format!(
                    "기간은 {MAX_SPAN_DAYS}일을 넘을 수 없습니다 (the date range may not exceed {MAX_SPAN_DAYS} days)"
                ),
            ));
        }
        let open = match q.get("status") {
            None => None,
            Some(s) => {
                let mut open = false;
                let mut closed = false;
                for part in s.split(',').map(str::trim) {
                    match part {
                        "open" => open = true,
                        "closed" => closed = true,
                        _ => {
                            return Err(Open311Error::bad(
                                "bad_status",
                                "status는 open 또는 closed입니다 (status must be open or closed)"
                                    .into(),
                            ));
                        }
                    }
                }
                if open && closed { None } else { Some(open) }
            }
        };
        keys::find_requests(
            &state.db,
            &RequestFilter {
                type_ids,
                start,
                end,
                open,
                limit: MAX_REQUESTS,
            },
        )
        .await?
    };
    let items = ctx.views(state, &ids).await?;
    Ok(respond(
        format,
        StatusCode::OK,
        "service_requests",
        &Val::List("request", items),
    ))
}

// ---------------------------------------------------------------------------------------------
// Filing a request
// ---------------------------------------------------------------------------------------------

/// Token buckets per key (by its hash prefix, so two test servers in one process never share
/// one): `rate_per_minute` tokens a minute, as many at once.
fn key_allows(key: &keys::Key, secret: &str) -> bool {
    static BUCKETS: OnceLock<Mutex<HashMap<String, (f64, Instant)>>> = OnceLock::new();
    let Ok(mut buckets) = BUCKETS.get_or_init(|| Mutex::new(HashMap::new())).lock() else {
        return true;
    };
    let now = Instant::now();
    if buckets.len() > 10_000 {
        buckets.retain(|_, (_, at)| now.duration_since(*at).as_secs() < 120);
    }
    let rate = key.rate_per_minute.max(1) as f64;
    let id = store::kit::secrets::token_hash(secret);
    let (tokens, last) = buckets.entry(id).or_insert((rate, now));
    *tokens = (*tokens + now.duration_since(*last).as_secs_f64() * rate / 60.0).min(rate);
    *last = now;
    if *tokens >= 1.0 {
        *tokens -= 1.0;
        true
    } else {
        false
    }
}

/// A parameter from the body, else the query string (some clients put `api_key` there).
fn param<'a>(body: &'a Form, query: &'a Form, name: &str) -> Option<&'a str> {
    body.get(name).or_else(|| query.get(name))
}

fn too_long(name: &str, max: usize) -> Open311Error {
    Open311Error::bad(
        "too_long",
        format!("{name}은(는) {max}자까지입니다 ({name} may have at most {max} characters)"),
    )
}

fn limited<'a>(v: Option<&'a str>, name: &str, max: usize) -> Result<&'a str, Open311Error> {
    let v = v.unwrap_or("");
    if v.chars().count() > max {
        return Err(too_long(name, max));
    }
    Ok(v)
}

/// The location: lat and long together, or address_string, or address_id (at least one).
struct Location {
    lat: Option<f64>,
    long: Option<f64>,
    address_string: String,
    address_id: String,
}

fn location(body: &Form, query: &Form) -> Result<Location, Open311Error> {
    let coordinate = |name: &'static str, limit: f64| -> Result<Option<f64>, Open311Error> {
        param(body, query, name)
            .map(|v| match v.parse::<f64>() {
                Ok(x) if x.is_finite() && x.abs() <= limit => Ok(x),
                _ => Err(Open311Error::bad(
                    "bad_location",
                    format!("{name} 값이 올바른 좌표가 아닙니다 ({name} is not a valid WGS84 coordinate)"),
                )),
            })
            .transpose()
    };
    let lat = coordinate("lat", 90.0)?;
    let long = coordinate("long", 180.0)?;
    if lat.is_some() != long.is_some() {
        return Err(Open311Error::bad(
            "bad_location",
            "lat과 long은 함께 주어야 합니다 (lat and long go together)".into(),
        ));
    }
    let address_string = limited(param(body, query, "address_string"), "address_string", 500)?;
    let address_id = limited(param(body, query, "address_id"), "address_id", 200)?;
    if lat.is_none() && address_string.is_empty() && address_id.is_empty() {
        return Err(Open311Error::bad(
            "missing_location",
            "위치가 필요합니다: lat과 long, address_string 또는 address_id (a location is required: lat and long, address_string or address_id)".into(),
        ));
    }
    Ok(Location {
        lat,
        long,
        address_string: address_string.to_string(),
        address_id: address_id.to_string(),
    })
}

/// Korean names are family name then given name without a space (홍 + 길동 = 홍길동); others
/// are "first last".
fn full_name(first: &str, last: &str) -> String {
    let hangul = |s: &str| s.chars().all(|c| ('\u{AC00}'..='\u{D7A3}').contains(&c));
    match (first.is_empty(), last.is_empty()) {
        (true, true) => String::new(),
        (false, true) => first.to_string(),
        (true, false) => last.to_string(),
        _ if hangul(first) && hangul(last) => format!("{last}{first}"),
        _ => format!("{first} {last}"),
    }
}

/// Form values as the JSON the extra-field validation takes. Only the *form* encoding is
/// translated here (booleans and dates as 311 clients send them); whether a value is allowed
/// is decided by `validate_values`, the same check as every other intake.
fn attribute_values(t: &PetitionType, attrs: &[(String, AttrValue)]) -> Map<String, Value> {
    let mut out = Map::new();
    for (code, v) in attrs {
        let def = t.fields.iter().find(|f| &f.key == code);
        let value = match (v, def.map(|f| f.datatype)) {
            (AttrValue::One(s), Some(Datatype::Bool)) => match s.trim() {
                "true" => Value::Bool(true),
                "false" => Value::Bool(false),
                other => Value::String(other.to_string()),
            },
            (AttrValue::One(s), Some(Datatype::Date)) => {
                // A client's datetime picker sends a full timestamp; the field keeps the
                // Seoul date.
                match DateTime::parse_from_rfc3339(s.trim()) {
                    Ok(d) => Value::String(
                        calendar::to_seoul(d.with_timezone(&Utc))
                            .format("%Y-%m-%d")
                            .to_string(),
                    ),
                    Err(_) => Value::String(s.clone()),
                }
            }
            (AttrValue::One(s), _) => Value::String(s.clone()),
            (AttrValue::Many(list), _) => {
                Value::Array(list.iter().cloned().map(Value::String).collect())
            }
        };
        out.insert(code.clone(), value);
    }
    out
}

async fn create_request(
    state: &AppState,
    query: Option<String>,
    body: Bytes,
    address: &str,
    format: Format,
) -> Answer {
    let query = query_form(query)?;
    let body = form::parse(&body).map_err(|e| Open311Error::bad("bad_form", e.to_string()))?;

    // 403 before anything else: without a valid key nothing is looked at.
    let forbidden =
        |ko: &str, en: &str| Open311Error::new(StatusCode::FORBIDDEN, "api_key", ko, en);
    let secret = param(&body, &query, "api_key")
        .ok_or_else(|| forbidden("api_key가 필요합니다", "api_key is required"))?;
    let key = keys::find_key(&state.db, secret).await?.ok_or_else(|| {
        forbidden(
            "api_key가 유효하지 않거나 폐기되었습니다",
            "the api_key is invalid or revoked",
        )
    })?;
    if !key_allows(&key, secret) {
        return Err(Open311Error::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            "이 키의 요청이 너무 많습니다. 잠시 후 다시 시도해 주세요",
            "too many requests for this api_key; try again shortly",
        ));
    }
    let merged = Form {
        fields: body
            .fields
            .iter()
            .chain(query.fields.iter())
            .cloned()
            .collect(),
        attributes: vec![],
    };
    check_jurisdiction(state, &merged).await?;
    let code = param(&body, &query, "service_code").ok_or_else(|| {
        Open311Error::bad(
            "missing_service_code",
            "service_code가 필요합니다 (service_code is required)".into(),
        )
    })?;
    let t = public_type(state, code).await?;
    let loc = location(&body, &query)?;
    let description = limited(
        param(&body, &query, "description"),
        "description",
        MAX_DESCRIPTION_CHARS,
    )?;
    let first = limited(param(&body, &query, "first_name"), "first_name", 50)?;
    let last = limited(param(&body, &query, "last_name"), "last_name", 50)?;
    let email = limited(param(&body, &query, "email"), "email", 254)?;
    let phone = limited(param(&body, &query, "phone"), "phone", 40)?;
    let device_id = limited(param(&body, &query, "device_id"), "device_id", 200)?;
    let account_id = limited(param(&body, &query, "account_id"), "account_id", 200)?;
    let media_url = limited(param(&body, &query, "media_url"), "media_url", 2000)?;
    if !(media_url.is_empty()
        || media_url.starts_with("https://")
        || media_url.starts_with("http://"))
    {
        return Err(Open311Error::bad(
            "bad_media_url",
            "media_url은 http(s) 주소여야 합니다 (media_url must be an http(s) URL)".into(),
        ));
    }
    if !email.is_empty() && !email.contains('@') {
        return Err(Open311Error::bad(
            "bad_email",
            "email 형식이 올바르지 않습니다 (email is not an address)".into(),
        ));
    }

    // Without a name and a contact it is not a petition under the Act (art. 2): it is filed
    // as an anonymous report, with no statutory clock, exactly as the web desk does.
    let name = full_name(first, last);
    let anonymous = name.is_empty() || (email.is_empty() && phone.is_empty());
    let place = if !loc.address_string.is_empty() {
        loc.address_string.clone()
    } else if let (Some(lat), Some(long)) = (loc.lat, loc.long) {
        format!("{lat}, {long}")
    } else {
        loc.address_id.clone()
    };
    let title: String = match description.lines().map(str::trim).find(|l| !l.is_empty()) {
        Some(line) => line.chars().take(60).collect(),
        None => t.name.clone(),
    };
    let body_text = if description.is_empty() {
        format!("{} — {place}", t.name)
    } else {
        description.to_string()
    };
    let new = petitions::NewPetition {
        intake: Default::default(),
        type_id: t.id,
        channel: Channel::Open311,
        anonymous,
        petitioner_account_id: None,
        petitioner: petitions::Petitioner {
            name,
            phone: phone.to_string(),
            email: email.to_string(),
            address: String::new(),
            resident_number: None,
        },
        title,
        body: body_text,
        location: place,
        extra: attribute_values(&t, &body.attributes),
        idempotency_key: None,
        department_id: None,
    };
    // The same screening as every intake.
    let screening = crate::petitions::api::screen(&new.title, &new.body)
        .await
        .ok_or_else(|| {
            Open311Error::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "서버 오류가 발생했습니다",
                "server error",
            )
        })?;
    let now = store::now();
    let (cal, _) = petitions::work_calendar(&state.db).await?;
    let request = RequestExtra {
        petition_id: 0, // known once filed
        key_id: key.id,
        token: String::new(),
        lat: loc.lat,
        long: loc.long,
        address_string: loc.address_string,
        address_id: loc.address_id,
        device_id: device_id.to_string(),
        account_id: account_id.to_string(),
        media_url: media_url.to_string(),
    };
    let mut record = AuditRecord {
        at: now,
        account_id: None,
        address: address.to_string(),
        subject: String::new(),
        action: "petition.create".into(),
        reason: format!("open311:{}", key.name),
    };
    let checked = petitions::check(&state.db, new, &state.petitions.key, screening).await?;
    let cal_kept = cal.clone();
    let (p, extra) = state
        .petitions
        .intake(&state.db)
        .run(move |tx| {
            Box::pin(async move {
                let p = petitions::file(tx, &checked, None, &cal, now)
                    .await?
                    .petition;
                let extra = keys::add_request(
                    tx,
                    &RequestExtra {
                        petition_id: p.id,
                        ..request
                    },
                    now,
                )
                .await?;
                record.subject = format!("petition:{}", p.id);
                store::office::audit::append(tx, &record).await?;
                Ok((p, extra))
            })
        })
        .await?;

    let notice = match p.derived.receipt_due {
        Some(due) => format!(
            "{}까지 접수됩니다. 접수 후 처리기한이 정해집니다 (to be received by {}; the statutory deadline runs from receipt)",
            iso(due),
            iso(due)
        ),
        None => "접수되었습니다 (received)".to_string(),
    };
    // Issue 14: a new request already has the answer time it can expect (Decree art. 6).
    let expected = p.derived.expected_answer(&cal_kept, now)?;
    let item = Val::Obj(vec![
        ("service_request_id", Val::str(p.id.to_string())),
        ("token", Val::str(extra.token)),
        ("service_notice", Val::str(notice)),
        ("expected_datetime", Val::opt(expected.map(iso))),
        ("account_id", Val::opt(Some(account_id.to_string()))),
    ]);
    // 200 rather than 201: GeoReport documents 200 and some clients test for it.
    let mut res = respond(
        format,
        StatusCode::OK,
        "service_requests",
        &Val::List("request", vec![item]),
    );
    // Clients that follow Location find the new request there.
    let ext = if format == Format::Json {
        "json"
    } else {
        "xml"
    };
    if let Ok(v) = format!("/open311/v2/requests/{}.{ext}", p.id).parse() {
        res.headers_mut().insert(header::LOCATION, v);
    }
    Ok(res.into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_their_language() {
        assert_eq!(full_name("길동", "홍"), "홍길동");
        assert_eq!(full_name("John", "Smith"), "John Smith");
        assert_eq!(full_name("", "홍"), "홍");
        assert_eq!(full_name("", ""), "");
    }
}
