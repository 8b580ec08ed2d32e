//! The petition filed from a checked-in booking in one step: the counter petition form, prefilled
//! from the booking, filed through the petitions capability's counter filing (every petition rule
//! applies) in one transaction with the booking served, its ticket done and the access-log entry.

use super::actions::counter_of;
use super::views::{hm, service_name};
use crate::AppState;
use crate::kit::auth::{ApiCaller, Caller};
use crate::kit::error::{ApiError, ErrorBody};
use crate::kit::extract::{Path, Query};
use crate::kit::form::{Fields, PageForm};
use crate::kit::json::ApiJson;
use crate::kit::page::{Chrome, Ctx, Lang, OrPage, PageResult};
use askama::Template;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use domain::office::audit::AuditRecord;
use domain::petitions::intake::{IdentityCheck, IntakeRecord};
use serde::{Deserialize, Serialize};
use store::petitions::{self, PetitionType};
use store::service_access::evening::petition::{self as from_booking, FromBooking};
use store::service_access::evening::{self as ev, Booking};
use utoipa::ToSchema;

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct PetitionRequest {
    pub type_id: Option<i64>,
    /// Prefilled from the booking when left out.
    pub name: Option<String>,
    pub phone: Option<String>,
    pub title: String,
    pub body: String,
    /// id_card | driver_license | passport | mobile_id
    pub identity_check: Option<String>,
    /// The type's required documents seen, word for word.
    pub documents_checked: Vec<String>,
}

#[derive(Serialize, ToSchema)]
pub struct FiledView {
    pub petition_id: i64,
    pub receipt_no: Option<String>,
    /// Given this once; only its hash is kept.
    pub tracking_code: Option<String>,
    pub booking_id: i64,
}

/// What filing answers: the petition and its tracking code (shown once).
pub struct Filed {
    pub petition: store::petitions::Petition,
    pub tracking_code: Option<String>,
}

fn input_of(b: &Booking, req: PetitionRequest) -> Result<FromBooking, ApiError> {
    let type_id = req.type_id.ok_or_else(|| {
        ApiError::bad_request(
            "unknown_type",
            "민원 종류를 고르세요",
            "choose the petition type",
        )
    })?;
    let identity_check = match req.identity_check.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(s) => Some(s.parse::<IdentityCheck>().map_err(|_| {
            ApiError::bad_request(
                "bad_identity_check",
                "본인 확인 방법이 올바르지 않습니다",
                "unknown identity check",
            )
        })?),
    };
    Ok(FromBooking {
        type_id,
        name: req.name.unwrap_or_else(|| b.name.clone()),
        phone: req.phone.unwrap_or_else(|| b.phone.clone()),
        title: req.title,
        body: req.body,
        intake: IntakeRecord {
            identity_check,
            documents_checked: req.documents_checked,
        },
    })
}

/// File the petition from booking `booking_id` of evening `id`.
pub async fn file(
    state: &AppState,
    caller: &Caller,
    address: String,
    id: i64,
    booking_id: i64,
    req: PetitionRequest,
) -> Result<Filed, ApiError> {
    counter_of(state, caller, id).await?;
    crate::petitions::api::may_take_in(state, caller).await?;
    let b = ev::booking(&state.db, booking_id).await?;
    from_booking::may_file(&b, id)?;
    let new = from_booking::new_petition(&b, input_of(&b, req)?);
    let screening = crate::petitions::api::screen(&new.title, &new.body)
        .await
        .ok_or_else(ApiError::internal)?;
    let now = store::now();
    let (cal, _) = petitions::work_calendar(&state.db).await?;
    let checked = petitions::check(&state.db, new, &state.petitions.key, screening).await?;
    let actor = caller.account.id;
    let filed = state
        .petitions
        .intake(&state.db)
        .run(move |tx| {
            Box::pin(async move {
                let filed =
                    from_booking::file_from_booking(tx, id, booking_id, &checked, actor, &cal, now)
                        .await?;
                let record = AuditRecord {
                    at: now,
                    account_id: Some(actor),
                    address,
                    subject: crate::petitions::api::subject(&filed.petition),
                    action: "petition.create".into(),
                    reason: format!("after_hours_booking:{booking_id}"),
                };
                store::office::audit::append(tx, &record).await?;
                Ok(filed)
            })
        })
        .await?;
    Ok(Filed {
        petition: filed.petition,
        tracking_code: filed.tracking_code,
    })
}

/// File a petition from a checked-in booking: a counter petition (every petition rule applies;
/// counter petitions are never published on Open311), the booking served and its ticket done,
/// in one transaction.
#[utoipa::path(post, path = "/api/v1/after-hours/evenings/{id}/bookings/{booking_id}/petition", tag = "after-hours", security(("bearer" = [])),
    params(("id" = i64, Path), ("booking_id" = i64, Path)), request_body = PetitionRequest,
    responses((status = 201, body = FiledView), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(crate) async fn petition_api(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path((id, booking_id)): Path<(i64, i64)>,
    ApiJson(req): ApiJson<PetitionRequest>,
) -> Result<(StatusCode, Json<FiledView>), ApiError> {
    let f = file(&state, &caller, String::new(), id, booking_id, req).await?;
    Ok((
        StatusCode::CREATED,
        Json(FiledView {
            petition_id: f.petition.id,
            receipt_no: f.petition.receipt_no,
            tracking_code: f.tracking_code,
            booking_id,
        }),
    ))
}

// ---------------------------------------------------------------------------------------------
// The page
// ---------------------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "service_access/evening/petition.html")]
pub(crate) struct PetitionPage {
    c: Chrome,
    evening_id: i64,
    booking_id: i64,
    booking_code: String,
    booking_line: String,
    types: Vec<(i64, String, bool)>,
    type_id: i64,
    documents: Vec<(String, bool)>,
    identities: Vec<(&'static str, &'static str, bool)>,
    name: String,
    phone: String,
    title: String,
    body: String,
    /// (field, message): shown beside the field.
    errors: Vec<(&'static str, String)>,
    filed: Option<FiledLine>,
}

pub(crate) struct FiledLine {
    petition_id: i64,
    receipt_no: String,
    tracking_code: Option<String>,
}

impl PetitionPage {
    fn error(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, m)| m.as_str())
    }
}

/// The types an official files at the counter (active, no resident number asked here).
async fn counter_types(state: &AppState) -> Result<Vec<PetitionType>, ApiError> {
    Ok(petitions::list_types(&state.db, false)
        .await?
        .into_iter()
        .filter(|t| t.active && !t.requires_rrn)
        .collect())
}

/// The type that fits the booking's service (same code), else "other" (기타), else the first.
fn default_type(types: &[PetitionType], service: &str) -> i64 {
    types
        .iter()
        .find(|t| t.code == service)
        .or_else(|| types.iter().find(|t| t.code == "other"))
        .or(types.first())
        .map(|t| t.id)
        .unwrap_or_default()
}

fn field_of(code: &str) -> &'static str {
    match code {
        "missing_identity_check" | "identity_check_not_for_channel" | "bad_identity_check" => {
            "identity_check"
        }
        "missing_document" | "unknown_document" => "documents",
        "bad_phone" => "phone",
        "unknown_type" | "type_inactive" | "no_department" => "type_id",
        "too_long" => "body",
        "missing_field" => "title",
        _ => "form",
    }
}

struct Values {
    type_id: i64,
    name: String,
    phone: String,
    title: String,
    body: String,
    identity: String,
    documents: Vec<String>,
}

fn prefill(b: &Booking, type_id: i64) -> Values {
    let service = service_name(Lang::Ko, &b.service_kind);
    Values {
        type_id,
        name: b.name.clone(),
        phone: b.phone.clone(),
        // The petition is the resident's record: its text is Korean whatever the page's language.
        title: format!("[야간 민원실] {service}"),
        body: format!(
            "야간 민원실 예약({}, {} 예약)으로 방문하여 창구에서 접수한 {service} 민원입니다.",
            b.code,
            hm(b.slot_start)
        ),
        identity: "id_card".into(),
        documents: Vec::new(),
    }
}

async fn page(
    state: &AppState,
    ctx: &Ctx,
    b: &Booking,
    v: Values,
    errors: Vec<(&'static str, String)>,
    filed: Option<FiledLine>,
) -> Result<PetitionPage, ApiError> {
    let lang = ctx.lang;
    let types = counter_types(state).await?;
    let chosen = types.iter().find(|t| t.id == v.type_id);
    let documents = chosen
        .map(|t| {
            t.required_documents
                .iter()
                .map(|d| (d.clone(), v.documents.contains(d)))
                .collect()
        })
        .unwrap_or_default();
    let identities = [
        IdentityCheck::IdCard,
        IdentityCheck::DriverLicense,
        IdentityCheck::Passport,
        IdentityCheck::MobileId,
    ]
    .iter()
    .map(|i| {
        (
            i.as_str(),
            lang.t(i.korean(), i.english()),
            i.as_str() == v.identity,
        )
    })
    .collect();
    Ok(PetitionPage {
        c: ctx
            .chrome()
            .crumb(
                lang.t("야간 민원실 창구", "After-hours desk"),
                "/after-hours/desk",
            )
            .crumb(
                lang.t("창구", "Counter"),
                &format!("/after-hours/evenings/{}/counter", b.evening_id),
            )
            .crumb(lang.t("민원 접수", "File the petition"), ""),
        evening_id: b.evening_id,
        booking_id: b.id,
        booking_code: b.code.clone(),
        booking_line: format!(
            "{} · {} · {}",
            b.name,
            service_name(lang, &b.service_kind),
            hm(b.slot_start)
        ),
        types: types
            .iter()
            .map(|t| {
                (
                    t.id,
                    t.name_in(matches!(lang, Lang::En)).to_string(),
                    t.id == v.type_id,
                )
            })
            .collect(),
        type_id: v.type_id,
        documents,
        identities,
        name: v.name,
        phone: v.phone,
        title: v.title,
        body: v.body,
        errors,
        filed,
    })
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct TypeQuery {
    r#type: Option<i64>,
}

/// The form, prefilled from the booking (`?type=` changes the petition type).
pub(crate) async fn petition_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, booking_id)): Path<(i64, i64)>,
    Query(q): Query<TypeQuery>,
) -> PageResult {
    let caller = ctx.staff_or_refuse()?;
    let b = async {
        counter_of(&state, caller, id).await?;
        let b = ev::booking(&state.db, booking_id).await?;
        from_booking::may_file(&b, id)?;
        Ok::<_, ApiError>(b)
    }
    .await
    .or_page(&ctx)?;
    let types = counter_types(&state).await.or_page(&ctx)?;
    let type_id = q
        .r#type
        .filter(|t| types.iter().any(|x| x.id == *t))
        .unwrap_or_else(|| default_type(&types, &b.service_kind));
    let p = page(&state, &ctx, &b, prefill(&b, type_id), vec![], None)
        .await
        .or_page(&ctx)?;
    Ok(ctx.render(&p))
}

pub(crate) async fn petition_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, booking_id)): Path<(i64, i64)>,
    PageForm(f): PageForm<Fields>,
) -> PageResult {
    let caller = ctx.staff_or_refuse()?;
    let b = async {
        counter_of(&state, caller, id).await?;
        Ok::<_, ApiError>(ev::booking(&state.db, booking_id).await?)
    }
    .await
    .or_page(&ctx)?;
    let v = Values {
        type_id: f.get("type_id").parse().unwrap_or_default(),
        name: f.get("name"),
        phone: f.get("phone"),
        title: f.get("title"),
        body: f.get("body"),
        identity: f.get("identity_check"),
        documents: f.all("documents"),
    };
    let req = PetitionRequest {
        type_id: Some(v.type_id),
        name: Some(v.name.clone()),
        phone: Some(v.phone.clone()),
        title: v.title.clone(),
        body: v.body.clone(),
        identity_check: Some(v.identity.clone()),
        documents_checked: v.documents.clone(),
    };
    match file(&state, caller, ctx.address.clone(), id, booking_id, req).await {
        Ok(done) => {
            let line = FiledLine {
                petition_id: done.petition.id,
                receipt_no: done.petition.receipt_no.clone().unwrap_or_default(),
                tracking_code: done.tracking_code,
            };
            let p = page(&state, &ctx, &b, v, vec![], Some(line))
                .await
                .or_page(&ctx)?;
            Ok(ctx.render(&p))
        }
        Err(e) if e.status.is_server_error() || e.status == StatusCode::FORBIDDEN => {
            Err(ctx.fail(&e))
        }
        Err(e) => {
            let errors = vec![(field_of(e.code), ctx.lang.of(&e).to_string())];
            let p = page(&state, &ctx, &b, v, errors, None)
                .await
                .or_page(&ctx)?;
            Ok(ctx.render_status(StatusCode::UNPROCESSABLE_ENTITY, &p))
        }
    }
}
