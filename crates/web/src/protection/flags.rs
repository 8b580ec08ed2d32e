//! Flags on petitioners (text screening and officials' own) and the petitioner's history,
//! with the access restrictions in force.

use super::incidents::{Forms, IncidentSummary, Typed, home_page, invalid_form, no_such_petition};
use super::targets::{Policy, may_record_own, readable_petitioner};
use super::views::{PageId, Row, name_of, named, names};
use crate::AppState;
use crate::kit::auth::{ApiCaller, Caller};
use crate::kit::error::{ApiError, ErrorBody};
use crate::kit::form::PageForm;
use crate::kit::json::ApiJson;
use crate::kit::page::{Chrome, Ctx, OrPage, PageResult, when};
use crate::wellbeing::api::Id;
use askama::Template;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{DateTime, Utc};
use domain::DepartmentId;
use domain::access::{Action, Capability, Target};
use domain::protection::{self as rules, Channel, IncidentKind};
use serde::{Deserialize, Serialize};
use store::protection::{self as sp};
use utoipa::ToSchema;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FlagRequest {
    #[serde(default, deserialize_with = "crate::kit::form::empty_as_none")]
    pub petition_id: Option<i64>,
    pub channel: String,
    pub petitioner_name: Option<String>,
    pub petitioner_phone: Option<String>,
    pub reason: String,
}

#[derive(Serialize, ToSchema)]
pub struct FlagsView {
    /// Petitions the text screening flagged (automatic), in the caller's reach.
    #[schema(value_type = Vec<Object>)]
    pub screened: Vec<sp::ScreenedPetition>,
    /// Officials' own flags in the caller's reach.
    #[schema(value_type = Vec<Object>)]
    pub flags: Vec<sp::Flag>,
}

#[derive(Serialize, ToSchema)]
pub struct HistoryView {
    pub petition_id: i64,
    pub incidents: i64,
    pub flags: i64,
    /// Details for supervisors and protection officers; officials get the counts.
    pub recent: Option<Vec<IncidentSummary>>,
    /// Access restrictions in force on this petitioner: period and coverage for whoever may
    /// read the petition (they must apply it); the reason and incident only with `recent`.
    pub restrictions: Vec<RestrictionView>,
}

/// An access restriction in force, as the desk sees it.
#[derive(Serialize, ToSchema)]
pub struct RestrictionView {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    /// `visits`, `calls`, `online`.
    pub covers: Vec<String>,
    /// The lawful notice to give the petitioner (Korean, then English in parentheses).
    pub notice: String,
    /// The same notice with its halves apart, for pages.
    #[serde(skip)]
    pub notice_parts: domain::Bilingual,
    pub reason: Option<String>,
    pub incident_id: Option<i64>,
}

/// The automatic flags (text screening) and officials' own flags in the caller's reach.
#[utoipa::path(get, path = "/api/v1/protection/flags", tag = "protection", security(("bearer" = [])),
    responses((status = 200, body = FlagsView)))]
pub(crate) async fn list_flags(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
) -> Result<Json<FlagsView>, ApiError> {
    Ok(Json(flags_view(&state, &caller).await?))
}

/// The flagged petitions and officials' flags the caller may see (petitions they may read).
pub(crate) async fn flags_view(state: &AppState, caller: &Caller) -> Result<FlagsView, ApiError> {
    let policy = Policy::of(state, caller).await?;
    let in_reach = |dept: Option<DepartmentId>| {
        policy.may(
            Capability::Petitions,
            Action::Read,
            Target::Record {
                owner: None,
                department: dept,
                shared_with: &[],
            },
        )
    };
    let screened = sp::screened(&state.db, 200)
        .await?
        .into_iter()
        .filter(|p| in_reach(p.department_id))
        .collect();
    let flags = sp::recent_flags(&state.db, 200)
        .await?
        .into_iter()
        .filter(|f| f.raised_by == caller.account.id || in_reach(f.department_id))
        .collect();
    Ok(FlagsView { screened, flags })
}

pub(crate) async fn flag(
    state: &AppState,
    caller: &Caller,
    req: &FlagRequest,
) -> Result<sp::Flag, ApiError> {
    let dept = caller.account.department_id;
    may_record_own(state, caller).await?;
    let channel = Channel::parse(&req.channel)?;
    let key = match req.petition_id {
        Some(pid) => readable_petitioner(state, caller, pid).await?.1,
        None => sp::petitioner_key(
            req.petitioner_name.as_deref().unwrap_or(""),
            req.petitioner_phone.as_deref().unwrap_or(""),
        ),
    };
    let now = store::now();
    let mut tx = state.db.begin().await?;
    let f = sp::raise_flag(
        &mut tx,
        &sp::NewFlag {
            petition_id: req.petition_id,
            channel,
            petitioner_key: &key,
            reason: &req.reason,
            department_id: dept,
            raised_by: caller.account.id,
        },
        now,
    )
    .await?;
    crate::commit_logged(
        tx,
        caller,
        &format!("protection_flag:{}", f.id),
        "protection.flag",
        "",
    )
    .await?;
    Ok(f)
}

/// An official's own flag on a petition, a call or a visit.
#[utoipa::path(post, path = "/api/v1/protection/flags", tag = "protection", security(("bearer" = [])),
    request_body = FlagRequest,
    responses((status = 201, body = Object), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub(crate) async fn raise_flag(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiJson(req): ApiJson<FlagRequest>,
) -> Result<Response, ApiError> {
    let f = flag(&state, &caller, &req).await?;
    Ok((StatusCode::CREATED, Json(f)).into_response())
}

pub(crate) async fn history(
    state: &AppState,
    caller: &Caller,
    petition_id: i64,
) -> Result<HistoryView, ApiError> {
    let (p, key) = readable_petitioner(state, caller, petition_id).await?;
    let incidents = sp::petitioner_history(&state.db, &key).await?;
    let flags = sp::flags_of_petitioner(&state.db, &key).await?;
    let policy = Policy::of(state, caller).await?;
    let detailed = p
        .department_id
        .is_some_and(|d| policy.may(Capability::Protection, Action::Read, Target::Department(d)));
    if detailed {
        state
            .log_access(
                caller,
                &format!("petition:{petition_id}"),
                "protection.history_read",
                "",
            )
            .await?;
    }
    let restrictions = sp::active_restrictions(&state.db, &key, store::now())
        .await?
        .into_iter()
        .map(|r| RestrictionView {
            notice: rules::restriction_notice(r.start, r.end, &r.covers).message(),
            notice_parts: {
                let n = rules::restriction_notice(r.start, r.end, &r.covers);
                domain::Bilingual::new(n.ko, n.en)
            },
            covers: r.covers.iter().map(|c| c.as_str().to_string()).collect(),
            start: r.start,
            end: r.end,
            reason: detailed.then_some(r.reason),
            incident_id: detailed.then_some(r.incident_id),
        })
        .collect();
    Ok(HistoryView {
        petition_id,
        restrictions,
        incidents: incidents.len() as i64,
        flags: flags.len() as i64,
        recent: detailed.then(|| {
            incidents
                .iter()
                .take(20)
                .map(IncidentSummary::from)
                .collect()
        }),
    })
}

/// The banner of the desk's petition page while the petitioner is under an access
/// restriction: period, coverage and how many incidents they have. The page is only shown to
/// whoever may read the petition (asked before), so no further decision here.
pub(crate) async fn restriction_banner(
    state: &AppState,
    petition_id: i64,
    lang: crate::kit::page::Lang,
    now: DateTime<Utc>,
) -> Result<Option<String>, ApiError> {
    let key = sp::petitioner_key_of(&state.db, petition_id).await?;
    let running = sp::active_restrictions(&state.db, &key, now).await?;
    let Some(r) = running.first() else {
        return Ok(None);
    };
    let incidents = sp::petitioner_history(&state.db, &key).await?.len();
    let kst = |t: DateTime<Utc>| calendar::to_seoul(t).format("%Y-%m-%d %H:%M").to_string();
    let covers = |ko: bool| {
        r.covers
            .iter()
            .map(|c| if ko { c.korean() } else { c.english() })
            .collect::<Vec<_>>()
            .join(", ")
    };
    Ok(Some(lang.t(
        &format!(
            "이 민원인은 접근 제한 조치 중입니다 (시행령 제4조): {} ~ {}, 범위: {}. 이전 사건 {}건. 제한 범위의 방문·전화는 안내문을 알리고 응대를 제한하세요.",
            kst(r.start), kst(r.end), covers(true), incidents
        ),
        &format!(
            "This petitioner is under an access restriction (Decree art. 4): {} to {} (Korean time), covering {}. Earlier incidents: {}. For covered visits and calls, give the notice and limit the contact.",
            kst(r.start), kst(r.end), covers(false), incidents
        ),
    ).to_string()))
}

/// The petitioner's history when their petition arrives: counts for the official handling it,
/// the incidents themselves for the division's supervisors and protection officers.
#[utoipa::path(get, path = "/api/v1/protection/petitions/{id}/history", tag = "protection", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 200, body = HistoryView), (status = 403, body = ErrorBody)))]
pub(crate) async fn petitioner_history(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Id(id): Id,
) -> Result<Json<HistoryView>, ApiError> {
    Ok(Json(history(&state, &caller, id).await?))
}

/// The flag form as typed, so a refused form comes back as it was.
#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub(crate) struct FlagForm {
    pub(crate) channel: String,
    /// The petition as people know it: receipt number, its sequence, or the petition number.
    pub(crate) petition: String,
    pub(crate) petitioner_name: String,
    pub(crate) petitioner_phone: String,
    pub(crate) reason: String,
}

/// The field a refusal of the flag concerns, to show it there.
fn flag_field(code: &str) -> &'static str {
    match code {
        "flag_reason_required" => "reason",
        "unknown_petition" | "not_found" => "petition",
        c if c.contains("channel") => "channel",
        _ => "form",
    }
}

pub(crate) async fn flag_form(
    State(state): State<AppState>,
    ctx: Ctx,
    PageForm(form): PageForm<FlagForm>,
) -> PageResult {
    let caller = ctx.staff_or_refuse()?;
    let lang = ctx.lang;
    let mut errors: Vec<(&'static str, String)> = Vec::new();
    let typed = form.petition.trim();
    let petition_id = if typed.is_empty() {
        None
    } else {
        let found = sp::petition_by_reference(&state.db, typed)
            .await
            .or_page(&ctx)?;
        if found.is_none() {
            errors.push(("petition", lang.of(&no_such_petition(typed)).to_string()));
        }
        found
    };
    let text = |s: &str| (!s.trim().is_empty()).then(|| s.to_string());
    let req = FlagRequest {
        petition_id,
        channel: form.channel.trim().to_string(),
        petitioner_name: text(&form.petitioner_name),
        petitioner_phone: text(&form.petitioner_phone),
        reason: form.reason.clone(),
    };
    if form.reason.trim().is_empty() {
        let e = ApiError::bad_request(
            "flag_reason_required",
            "표시 사유를 적으세요 (200자 이내)",
            "give the reason for the flag (at most 200 characters)",
        );
        errors.push(("reason", lang.of(&e).to_string()));
    }
    let error = if errors.is_empty() {
        match flag(&state, caller, &req).await {
            Ok(_) => return Ok(Redirect::to("/protection?done=1").into_response()),
            Err(e) => {
                errors.push((flag_field(e.code), lang.of(&e).to_string()));
                e
            }
        }
    } else {
        invalid_form()
    };
    let forms = Forms {
        flag: Typed { form, errors },
        ..Forms::default()
    };
    home_page(&state, &ctx, caller, None, Some(&error), forms)
        .await
        .map_err(|_| ctx.fail(&error))
}

#[derive(Template)]
#[template(path = "protection/protection_history.html")]
pub(crate) struct HistoryPage {
    c: Chrome,
    petition_id: i64,
    incidents: i64,
    flags: i64,
    recent: Option<Vec<Row>>,
}

/// The petitioner's history, linked from the petition page: counts for the official,
/// the incidents for supervisors and protection officers.
pub(crate) async fn history_page(
    State(state): State<AppState>,
    ctx: Ctx,
    PageId(id): PageId,
) -> PageResult {
    let caller = ctx.staff_or_refuse()?;
    let lang = ctx.lang;
    let r = async {
        let h = history(&state, caller, id).await?;
        let names = names(&state).await?;
        let recent = h.recent.map(|list| {
            list.into_iter()
                .map(|i| {
                    let kind = IncidentKind::parse(&i.kind).unwrap_or(IncidentKind::Unclassified);
                    let channel = Channel::parse(&i.channel).unwrap_or(Channel::Counter);
                    Row {
                        id: i.id,
                        when: when(i.occurred_at),
                        kind: named(lang, kind),
                        channel: named(lang, channel),
                        place: i.place,
                        reporter: name_of(&names, i.reported_by),
                        from_alert: i.from_alert,
                    }
                })
                .collect()
        });
        Ok::<_, ApiError>(ctx.render(&HistoryPage {
            c: ctx.chrome(),
            petition_id: id,
            incidents: h.incidents,
            flags: h.flags,
            recent,
        }))
    }
    .await;
    r.or_page(&ctx)
}
