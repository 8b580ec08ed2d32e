//! The administrator's page: the org chart and accounts, the petition types with their fields,
//! periods and answer templates, the holiday data (temporary, local and election days) and the
//! office settings. Holidays and settings are edited here; the deadline cache follows holiday
//! edits by itself (its fingerprint includes the holiday data).

use crate::AppState;
use crate::kit::error::ApiError;
use crate::kit::extract::Path;
use crate::kit::page::{
    Chrome, Ctx, Lang, OFFICE_ADDRESS_SETTING, OFFICE_PHONE_SETTING, OrPage, PageError, PageResult,
    role_name,
};
use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use chrono::NaiveDate;
use domain::access::{Action, Capability, Target};
use serde::Deserialize;
use std::collections::HashMap;

/// The setting that hides handlers' real names on public pages (DOMAIN.md section 5).
pub const HIDE_HANDLER_NAMES: &str = "petitions.hide_handler_names";

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin", get(admin))
        .route("/admin/holidays", post(add_holiday))
        .route("/admin/holidays/{id}/delete", post(delete_holiday))
        .route("/admin/settings", post(save_settings))
        .route("/admin/protection-settings", post(save_protection_settings))
        .route("/admin/office-hours", post(save_office_hours))
}

pub struct TypeRow {
    pub id: i64,
    pub name: String,
    pub code: String,
    pub kind: &'static str,
    pub period: String,
    pub department: String,
    pub public: bool,
    pub fields: String,
    pub templates: String,
}

pub struct AccountRow {
    pub id: i64,
    pub username: String,
    pub name: String,
    pub role: &'static str,
    pub department: String,
    pub active: bool,
}

pub struct HolidayView {
    pub id: i64,
    pub date: String,
    pub name: String,
    pub kind: &'static str,
    pub removed: bool,
}

#[derive(Default)]
pub struct HolidayForm {
    pub date: String,
    pub name: String,
    pub kind: String,
}

/// The office hours form (HH:MM texts), refilled as typed when refused.
pub struct HoursForm {
    pub start: String,
    pub end: String,
    pub lunch_start: String,
    pub lunch_end: String,
}

impl HoursForm {
    fn of(h: &calendar::OfficeHours) -> Self {
        let t = |t: chrono::NaiveTime| t.format("%H:%M").to_string();
        HoursForm {
            start: t(h.start),
            end: t(h.end),
            lunch_start: h.lunch.map(|l| t(l.0)).unwrap_or_default(),
            lunch_end: h.lunch.map(|l| t(l.1)).unwrap_or_default(),
        }
    }
}

pub struct DepartmentRow {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub name_en: String,
    pub parent: String,
    pub active: bool,
}

#[derive(Template)]
#[template(path = "office/admin.html")]
struct AdminPage {
    c: Chrome,
    departments: Vec<DepartmentRow>,
    accounts: Vec<AccountRow>,
    types: Vec<TypeRow>,
    holidays: Vec<HolidayView>,
    settings: SettingsForm,
    protection: crate::protection::settings::SettingsView,
    h: HolidayForm,
    hours: HoursForm,
    notice: Option<String>,
    error: Option<String>,
}

fn holiday_kind(l: Lang, k: &str) -> &'static str {
    match k {
        "temporary" => l.t("임시공휴일", "temporary holiday"),
        "local" => l.t("지방공휴일", "local holiday"),
        "election" => l.t("선거일", "election day"),
        _ => l.t("기타", "other"),
    }
}

/// The administrator (the policy's grant of `capability` over the whole office), or the sign-in
/// page / a refusal.
pub(crate) async fn allowed(
    state: &AppState,
    ctx: &Ctx,
    capability: Capability,
    action: Action,
) -> Result<(), PageError> {
    let Some(caller) = ctx.caller.as_ref() else {
        return Err(ctx.refusal());
    };
    caller
        .may(state, capability, action, Target::Office)
        .await
        .or_page(ctx)
}

/// A form page: a refused form comes back with 422.
pub(crate) fn form_page(ctx: &Ctx, error: bool, page: &impl Template) -> PageResult {
    let status = if error {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    Ok(ctx.render_status(status, page))
}

/// A message for the page: Korean with the English after it, or English alone.
pub(crate) fn both(l: Lang, ko: &str, en: &str) -> String {
    match l {
        Lang::Ko => format!("{ko} ({en})"),
        Lang::En => en.to_string(),
    }
}

async fn page(
    state: &AppState,
    ctx: &Ctx,
    h: HolidayForm,
    refill: Refill,
    notice: Option<String>,
    error: Option<String>,
) -> Result<AdminPage, ApiError> {
    let l = ctx.lang;
    let depts = store::office::departments::list(&state.db).await?;
    let name_of: HashMap<i64, String> = depts.iter().map(|d| (d.id, d.name.clone())).collect();
    let dept = |id: Option<i64>| {
        id.and_then(|d| name_of.get(&d).cloned())
            .unwrap_or_default()
    };
    let departments = depts
        .iter()
        .map(|d| DepartmentRow {
            id: d.id,
            code: d.code.clone(),
            name: d.name.clone(),
            name_en: d.name_en.clone(),
            parent: dept(d.parent_id),
            active: d.active,
        })
        .collect();
    let accounts = store::office::accounts::list(&state.db, None)
        .await?
        .into_iter()
        .map(|a| AccountRow {
            id: a.id,
            username: a.username,
            name: a.display_name,
            role: role_name(l, a.role),
            department: dept(a.department_id),
            active: a.active,
        })
        .collect();
    let types = store::petitions::list_types(&state.db, false)
        .await?
        .into_iter()
        .map(|t| TypeRow {
            fields: t
                .fields
                .iter()
                .map(|f| {
                    format!(
                        "{} ({:?}{})",
                        f.label,
                        f.datatype,
                        if f.required { ", *" } else { "" }
                    )
                })
                .collect::<Vec<_>>()
                .join(", "),
            templates: t
                .templates
                .iter()
                .map(|x| x.name.clone())
                .collect::<Vec<_>>()
                .join(", "),
            id: t.id,
            name: t.name,
            code: t.code,
            kind: t.kind.korean(),
            period: t.period.korean(),
            department: dept(t.department_id),
            public: t.public,
        })
        .collect();
    let holidays = store::office::holidays::list(&state.db)
        .await?
        .into_iter()
        .map(|r| HolidayView {
            id: r.id,
            date: r.date.to_string(),
            kind: holiday_kind(l, &r.kind),
            name: r.name,
            removed: r.removed,
        })
        .collect();
    let settings = match refill.settings {
        Some(typed) => typed,
        None => SettingsForm::stored(&state.db).await?,
    };
    let hours = match refill.hours {
        Some(h) => h,
        None => HoursForm::of(&store::office::settings::office_hours(&state.db).await?),
    };
    Ok(AdminPage {
        c: ctx.chrome(),
        departments,
        accounts,
        types,
        holidays,
        settings,
        protection: crate::protection::settings::settings_view(state).await?,
        h,
        hours,
        notice,
        error,
    })
}

async fn show(
    state: &AppState,
    ctx: &Ctx,
    h: HolidayForm,
    notice: Option<String>,
    error: Option<String>,
) -> PageResult {
    show_with(state, ctx, h, Refill::default(), notice, error).await
}

async fn show_with(
    state: &AppState,
    ctx: &Ctx,
    h: HolidayForm,
    refill: Refill,
    notice: Option<String>,
    error: Option<String>,
) -> PageResult {
    let p = page(state, ctx, h, refill, notice, error)
        .await
        .or_page(ctx)?;
    form_page(ctx, p.error.is_some(), &p)
}

/// The administration page with a notice of what was just done.
async fn done(state: &AppState, ctx: &Ctx, notice: String) -> PageResult {
    show(state, ctx, HolidayForm::default(), Some(notice), None).await
}

async fn admin(State(state): State<AppState>, ctx: Ctx) -> PageResult {
    allowed(&state, &ctx, Capability::Settings, Action::Read).await?;
    show(&state, &ctx, HolidayForm::default(), None, None).await
}

/// Note an administrator's change in the access log.
async fn logged(
    state: &AppState,
    ctx: &Ctx,
    subject: &str,
    action: &str,
    reason: &str,
) -> Result<(), PageError> {
    match ctx.caller.as_ref() {
        Some(caller) => state
            .log_access(caller, subject, action, reason)
            .await
            .or_page(ctx),
        None => Ok(()),
    }
}

#[derive(Deserialize)]
struct AddHoliday {
    #[serde(default)]
    date: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    kind: String,
}

async fn add_holiday(
    State(state): State<AppState>,
    ctx: Ctx,
    crate::kit::extract::Form(f): crate::kit::extract::Form<AddHoliday>,
) -> PageResult {
    allowed(&state, &ctx, Capability::Settings, Action::Update).await?;
    let l = ctx.lang;
    let form = HolidayForm {
        date: f.date.clone(),
        name: f.name.clone(),
        kind: f.kind.clone(),
    };
    let Ok(date) = NaiveDate::parse_from_str(f.date.trim(), "%Y-%m-%d") else {
        let m = both(l, "날짜를 골라 주세요", "choose a date");
        return show(&state, &ctx, form, None, Some(m)).await;
    };
    let added =
        store::office::holidays::add(&state.db, date, &f.name, f.kind.trim(), false, store::now())
            .await;
    let row = match added {
        Ok(row) => row,
        Err(e) => {
            let e = ApiError::from(e);
            return show(&state, &ctx, form, None, Some(l.of(&e).to_string())).await;
        }
    };
    logged(
        &state,
        &ctx,
        "holidays",
        "holiday.add",
        &row.date.to_string(),
    )
    .await?;
    let notice = l.t(
        "휴일을 추가했습니다. 처리기한이 다시 계산됩니다.",
        "Holiday added; deadlines are recomputed.",
    );
    done(&state, &ctx, notice.into()).await
}

#[derive(Deserialize)]
struct Confirm {
    #[serde(default)]
    confirm: String,
}

async fn delete_holiday(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    crate::kit::extract::Form(f): crate::kit::extract::Form<Confirm>,
) -> PageResult {
    allowed(&state, &ctx, Capability::Settings, Action::Update).await?;
    let l = ctx.lang;
    if f.confirm.is_empty() {
        let m = both(
            l,
            "삭제하려면 확인란에 표시해 주세요",
            "tick the box to delete",
        );
        return show(&state, &ctx, HolidayForm::default(), None, Some(m)).await;
    }
    store::office::holidays::delete(&state.db, id)
        .await
        .or_page(&ctx)?;
    logged(&state, &ctx, "holidays", "holiday.delete", &id.to_string()).await?;
    done(&state, &ctx, l.t("삭제했습니다.", "Deleted.").into()).await
}

/// The frontline-protection settings (recommended contact minutes, evidence retention, the
/// security desk), checked by the same code as `PUT /api/v1/protection/settings`.
async fn save_protection_settings(
    State(state): State<AppState>,
    ctx: Ctx,
    crate::kit::extract::Form(f): crate::kit::extract::Form<HashMap<String, String>>,
) -> PageResult {
    allowed(&state, &ctx, Capability::Settings, Action::Update).await?;
    let caller = ctx
        .caller
        .as_ref()
        .ok_or_else(ApiError::unauthenticated)
        .or_page(&ctx)?;
    let number = |k: &str| {
        f.get(k)
            .and_then(|v| v.trim().parse::<i64>().ok())
            .unwrap_or(-1)
    };
    let req = crate::protection::settings::SettingsView {
        counter_minutes: number("counter_minutes"),
        phone_minutes: number("phone_minutes"),
        visit_minutes: number("visit_minutes"),
        evidence_retention_days: number("evidence_retention_days"),
        security_desk: f.get("security_desk").cloned().unwrap_or_default(),
        // Absent fields (an older form) leave these settings as they are.
        office_head: f.get("office_head").cloned(),
        alert_escalation_seconds: f
            .get("alert_escalation_seconds")
            .map(|_| number("alert_escalation_seconds")),
    };
    match crate::protection::settings::save_settings(&state, caller, &req).await {
        Ok(()) => {
            let notice = ctx
                .lang
                .t("보호 설정을 저장했습니다.", "Protection settings saved.");
            done(&state, &ctx, notice.into()).await
        }
        Err(e) => {
            let m = ctx.lang.of(&e).to_string();
            show(&state, &ctx, HolidayForm::default(), None, Some(m)).await
        }
    }
}

#[derive(Deserialize)]
struct Settings {
    #[serde(default)]
    hide_names: String,
    #[serde(default)]
    office_address: String,
    #[serde(default)]
    office_phone: String,
}

/// What a refused form brings back to the administration page as typed.
#[derive(Default)]
struct Refill {
    hours: Option<HoursForm>,
    settings: Option<SettingsForm>,
}

/// The office settings form: name hiding and the office's address and main phone (the
/// footer and the privacy policy show them), with an error beside the field that has one.
pub struct SettingsForm {
    pub hide_names: bool,
    pub address: String,
    pub phone: String,
    pub address_error: Option<String>,
    pub phone_error: Option<String>,
}

impl SettingsForm {
    async fn stored(db: &store::Db) -> Result<Self, ApiError> {
        let setting = |key: &'static str| store::office::settings::get(db, key);
        Ok(SettingsForm {
            hide_names: setting(HIDE_HANDLER_NAMES)
                .await?
                .is_some_and(|v| v.trim() == "true"),
            address: setting(OFFICE_ADDRESS_SETTING).await?.unwrap_or_default(),
            phone: setting(OFFICE_PHONE_SETTING).await?.unwrap_or_default(),
            address_error: None,
            phone_error: None,
        })
    }
}

async fn save_settings(
    State(state): State<AppState>,
    ctx: Ctx,
    crate::kit::extract::Form(f): crate::kit::extract::Form<Settings>,
) -> PageResult {
    allowed(&state, &ctx, Capability::Settings, Action::Update).await?;
    let caller = ctx
        .caller
        .as_ref()
        .ok_or_else(ApiError::forbidden)
        .or_page(&ctx)?;
    let l = ctx.lang;
    let mut typed = SettingsForm {
        hide_names: !f.hide_names.is_empty(),
        address: f.office_address.trim().to_string(),
        phone: f.office_phone.trim().to_string(),
        address_error: None,
        phone_error: None,
    };
    let contact = domain::office::contact::check_office_contact(&typed.address, &typed.phone);
    if let Err(errors) = contact {
        for (field, e) in errors {
            let message = Some(both(l, &e.ko, &e.en));
            match field {
                domain::office::contact::ContactField::Address => typed.address_error = message,
                domain::office::contact::ContactField::Phone => typed.phone_error = message,
            }
        }
        let m = both(
            l,
            "표시한 항목을 고쳐 주세요",
            "please correct the marked fields",
        );
        let refill = Refill {
            hours: None,
            settings: Some(typed),
        };
        return show_with(&state, &ctx, HolidayForm::default(), refill, None, Some(m)).await;
    }
    crate::office::api::save_settings(
        &state,
        caller,
        typed.hide_names,
        &typed.address,
        &typed.phone,
    )
    .await
    .or_page(&ctx)?;
    let notice = ctx.lang.t("설정을 저장했습니다.", "Settings saved.");
    done(&state, &ctx, notice.into()).await
}

#[derive(Deserialize)]
struct HoursInput {
    #[serde(default)]
    start: String,
    #[serde(default)]
    end: String,
    #[serde(default)]
    lunch_start: String,
    #[serde(default)]
    lunch_end: String,
}

/// The typed hours as the calendar's office hours; both lunch times empty = no lunch break.
fn parse_hours(f: &HoursForm) -> Option<calendar::OfficeHours> {
    let t = |s: &str| chrono::NaiveTime::parse_from_str(s.trim(), "%H:%M").ok();
    let lunch = match (f.lunch_start.trim(), f.lunch_end.trim()) {
        ("", "") => None,
        (a, b) => Some((t(a)?, t(b)?)),
    };
    Some(calendar::OfficeHours {
        start: t(&f.start)?,
        end: t(&f.end)?,
        lunch,
    })
}

/// Office hours (근무시간): validated by the calendar, stored as a setting; the working calendar
/// and every open petition's due moment follow (their fingerprint includes the hours).
async fn save_office_hours(
    State(state): State<AppState>,
    ctx: Ctx,
    crate::kit::extract::Form(f): crate::kit::extract::Form<HoursInput>,
) -> PageResult {
    allowed(&state, &ctx, Capability::Settings, Action::Update).await?;
    let l = ctx.lang;
    let typed = HoursForm {
        start: f.start,
        end: f.end,
        lunch_start: f.lunch_start,
        lunch_end: f.lunch_end,
    };
    let refuse = |m: String, typed: HoursForm| {
        show_with(
            &state,
            &ctx,
            HolidayForm::default(),
            Refill {
                hours: Some(typed),
                settings: None,
            },
            None,
            Some(m),
        )
    };
    let Some(hours) = parse_hours(&typed) else {
        let m = both(
            l,
            "시각을 09:00처럼 적어 주세요. 점심시간이 없으면 두 칸을 비워 두세요",
            "write times as 09:00; leave both lunch times empty for no lunch break",
        );
        return refuse(m, typed).await;
    };
    let now = store::now();
    if let Err(e) = store::office::settings::set_office_hours(&state.db, &hours, now).await {
        let e = ApiError::from(e);
        return refuse(l.of(&e).to_string(), typed).await;
    }
    let recomputed = store::petitions::refresh_due_cache(&state.db, now).await;
    let hours_setting = store::office::settings::OFFICE_HOURS;
    logged(&state, &ctx, "settings", "settings.update", hours_setting).await?;
    let n = recomputed.or_page(&ctx)?;
    let notice = match l {
        Lang::Ko => {
            format!("근무시간을 저장했습니다. 진행 중인 민원 {n}건의 처리기한을 다시 계산했습니다.")
        }
        Lang::En => {
            format!("Office hours saved; the due moments of {n} open petitions were recomputed.")
        }
    };
    done(&state, &ctx, notice).await
}
