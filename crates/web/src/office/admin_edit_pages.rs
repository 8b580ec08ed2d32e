//! The administrator's editing pages: departments (create, rename, move in the org chart,
//! retire), accounts (create, change role and department, lock, reset the password) and
//! petition types (statutory types in full; the five general types keep their kind and period
//! and may change department and templates). Every form is refilled with what was typed when a
//! rule refuses it; every change and its access-log entry commit in one transaction.

use crate::AppState;
use crate::kit::error::ApiError;
use crate::kit::extract::{Path, Query};
use crate::kit::page::{Chrome, Ctx, Lang, OrPage, PageError, PageResult, role_name};
use crate::office::admin_pages::{allowed, both, form_page};
use crate::petitions::staff_pages::Refill;
use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use calendar::Period;
use domain::access::{self, Action, Capability};
use domain::office::accounts::Role;
use domain::petitions::Kind;
use domain::petitions::fields::{Datatype, FieldDef};
use serde::Deserialize;
use std::collections::HashMap;
use store::petitions::{Template as AnswerTemplate, TypeSpec};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/departments/new", get(new_department))
        .route("/admin/departments", post(create_department))
        .route(
            "/admin/departments/{id}",
            get(edit_department).post(update_department),
        )
        .route("/admin/accounts/new", get(new_account))
        .route("/admin/accounts", post(create_account))
        .route(
            "/admin/accounts/{id}",
            get(edit_account).post(update_account),
        )
        .route("/admin/accounts/{id}/password", post(reset_password))
        .route("/admin/types/new", get(new_type))
        .route("/admin/types", post(create_type))
        .route("/admin/types/{id}", get(edit_type).post(update_type))
}

type FormMap = HashMap<String, String>;

#[derive(Deserialize, Default)]
struct Saved {
    #[serde(default)]
    saved: String,
}

fn saved_notice(l: Lang, s: &Saved) -> Option<String> {
    (!s.saved.is_empty()).then(|| l.t("저장했습니다.", "Saved.").to_string())
}

fn ticked(f: &FormMap, key: &str) -> bool {
    f.get(key).is_some_and(|v| !v.is_empty())
}

fn text<'a>(f: &'a FormMap, key: &str) -> &'a str {
    f.get(key).map(String::as_str).unwrap_or("")
}

/// Department choices for a select: (id, name, selected), retired ones marked.
async fn department_options(
    state: &AppState,
    l: Lang,
    selected: &str,
    except: Option<i64>,
) -> Result<Vec<(i64, String, bool)>, ApiError> {
    Ok(store::office::departments::list(&state.db)
        .await?
        .into_iter()
        .filter(|d| Some(d.id) != except)
        .map(|d| {
            let name = if d.active {
                d.name
            } else {
                format!("{} ({})", d.name, l.t("폐지", "retired"))
            };
            (d.id, name, d.id.to_string() == selected)
        })
        .collect())
}

fn optional_id(l: Lang, f: &FormMap, key: &str) -> Result<Option<i64>, String> {
    let v = text(f, key).trim();
    if v.is_empty() {
        return Ok(None);
    }
    v.parse().map(Some).map_err(|_| {
        both(
            l,
            "목록에서 부서를 골라 주세요",
            "choose a department from the list",
        )
    })
}

/// Run one change and its access-log entry in a transaction.
async fn commit<T>(
    state: &AppState,
    ctx: &Ctx,
    action: &str,
    subject: impl Fn(&T) -> String,
    change: impl AsyncFnOnce(&mut store::Tx) -> Result<T, ApiError>,
) -> Result<T, ApiError> {
    let caller = ctx.caller.as_ref().ok_or_else(ApiError::forbidden)?;
    let mut tx = state.db.begin().await?;
    let done = change(&mut tx).await?;
    crate::commit_logged(tx, caller, &subject(&done), action, "").await?;
    Ok(done)
}

/// Why a form was not saved: a rule's words, shown on the form refilled with what was typed,
/// or a page of its own (a record that is not there, a failure).
enum Unsaved {
    Form(String),
    Page(PageError),
}

impl From<String> for Unsaved {
    fn from(m: String) -> Self {
        Unsaved::Form(m)
    }
}

impl From<PageError> for Unsaved {
    fn from(e: PageError) -> Self {
        Unsaved::Page(e)
    }
}

/// A refused change as words for the refilled form.
fn said(l: Lang) -> impl Fn(ApiError) -> Unsaved {
    move |e| Unsaved::Form(l.of(&e).to_string())
}

/// The answer to a saved form: on to the saved record (`to`), or the form `again` with why not.
async fn answer(
    saved: Result<String, Unsaved>,
    again: impl AsyncFnOnce(String) -> PageResult,
) -> PageResult {
    match saved {
        Ok(to) => Ok(Redirect::to(&to).into_response()),
        Err(Unsaved::Form(m)) => again(m).await,
        Err(Unsaved::Page(e)) => Err(e),
    }
}

// ---------------------------------------------------------------------------------------------
// Departments
// ---------------------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "office/admin_department.html")]
struct DepartmentPage {
    c: Chrome,
    id: Option<i64>,
    f: Refill,
    parents: Vec<(i64, String, bool)>,
    notice: Option<String>,
    error: Option<String>,
}

async fn department_page(
    state: &AppState,
    ctx: &Ctx,
    id: Option<i64>,
    f: FormMap,
    notice: Option<String>,
    error: Option<String>,
) -> PageResult {
    let parents = department_options(state, ctx.lang, text(&f, "parent_id"), id)
        .await
        .or_page(ctx)?;
    let page = DepartmentPage {
        c: admin_crumbs(
            ctx,
            id,
            ("부서 수정", "Edit department"),
            ("부서 추가", "Add a department"),
        ),
        id,
        f: Refill(f),
        parents,
        notice,
        error,
    };
    form_page(ctx, page.error.is_some(), &page)
}

async fn new_department(State(state): State<AppState>, ctx: Ctx) -> PageResult {
    allowed(&state, &ctx, Capability::Departments, Action::Create).await?;
    let f = FormMap::from([("active".to_string(), "yes".to_string())]);
    department_page(&state, &ctx, None, f, None, None).await
}

async fn create_department(
    State(state): State<AppState>,
    ctx: Ctx,
    crate::kit::extract::Form(f): crate::kit::extract::Form<FormMap>,
) -> PageResult {
    allowed(&state, &ctx, Capability::Departments, Action::Create).await?;
    let made = add_department(&state, &ctx, &f).await;
    answer(made, async |m| {
        department_page(&state, &ctx, None, f, None, Some(m)).await
    })
    .await
}

async fn add_department(state: &AppState, ctx: &Ctx, f: &FormMap) -> Result<String, Unsaved> {
    let l = ctx.lang;
    let parent_code = match optional_id(l, f, "parent_id")? {
        Some(id) => Some(
            store::office::departments::get(&state.db, id)
                .await
                .or_page(ctx)?
                .code,
        ),
        None => None,
    };
    let d = commit(
        state,
        ctx,
        "department.create",
        |d: &store::office::departments::Department| format!("department:{}", d.id),
        async |tx| {
            let d = store::office::departments::create(
                tx,
                &store::office::departments::NewDepartment {
                    code: text(f, "code").trim(),
                    name: text(f, "name"),
                    name_en: text(f, "name_en"),
                    parent_code: parent_code.as_deref(),
                },
                store::now(),
            )
            .await?;
            // The public phone is set in the same transaction, so a bad one adds nothing.
            Ok(
                store::office::departments::set_public_phone(tx, d.id, text(f, "public_phone"))
                    .await?,
            )
        },
    )
    .await
    .map_err(said(l))?;
    Ok(format!("/admin/departments/{}?saved=1", d.id))
}

async fn edit_department(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Query(s): Query<Saved>,
) -> PageResult {
    allowed(&state, &ctx, Capability::Departments, Action::Update).await?;
    let d = store::office::departments::get(&state.db, id)
        .await
        .or_page(&ctx)?;
    let mut f = FormMap::from([
        ("code".to_string(), d.code),
        ("name".to_string(), d.name),
        ("name_en".to_string(), d.name_en),
        ("public_phone".to_string(), d.public_phone),
        (
            "parent_id".to_string(),
            d.parent_id.map(|p| p.to_string()).unwrap_or_default(),
        ),
    ]);
    if d.active {
        f.insert("active".into(), "yes".into());
    }
    department_page(&state, &ctx, Some(id), f, saved_notice(ctx.lang, &s), None).await
}

async fn update_department(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    crate::kit::extract::Form(mut f): crate::kit::extract::Form<FormMap>,
) -> PageResult {
    allowed(&state, &ctx, Capability::Departments, Action::Update).await?;
    let before = store::office::departments::get(&state.db, id)
        .await
        .or_page(&ctx)?;
    f.insert("code".into(), before.code.clone());
    let done = change_department(&state, &ctx, &before, &f).await;
    answer(done, async |m| {
        department_page(&state, &ctx, Some(id), f, None, Some(m)).await
    })
    .await
}

async fn change_department(
    state: &AppState,
    ctx: &Ctx,
    before: &store::office::departments::Department,
    f: &FormMap,
) -> Result<String, Unsaved> {
    let l = ctx.lang;
    let id = before.id;
    let active = ticked(f, "active");
    if before.active && !active && !ticked(f, "confirm") {
        return Err(Unsaved::Form(both(
            l,
            "부서를 폐지하려면 확인란에 표시해 주세요. 폐지한 부서에는 새 계정이나 민원 종류를 둘 수 없습니다",
            "tick the confirmation to retire the department; a retired department takes no new accounts or petition types",
        )));
    }
    let parent = optional_id(l, f, "parent_id")?;
    commit(
        state,
        ctx,
        "department.update",
        |d: &store::office::departments::Department| format!("department:{}", d.id),
        async |tx| {
            store::office::departments::update(
                tx,
                id,
                &store::office::departments::DepartmentChange {
                    name: text(f, "name"),
                    name_en: text(f, "name_en"),
                    parent_id: parent,
                    active,
                },
            )
            .await?;
            Ok(
                store::office::departments::set_public_phone(tx, id, text(f, "public_phone"))
                    .await?,
            )
        },
    )
    .await
    .map_err(said(l))?;
    Ok(format!("/admin/departments/{id}?saved=1"))
}

// ---------------------------------------------------------------------------------------------
// Accounts
// ---------------------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "office/admin_account.html")]
struct AccountPage {
    c: Chrome,
    id: Option<i64>,
    f: Refill,
    roles: Vec<(&'static str, &'static str, bool)>,
    departments: Vec<(i64, String, bool)>,
    notice: Option<String>,
    error: Option<String>,
}

async fn account_page(
    state: &AppState,
    ctx: &Ctx,
    id: Option<i64>,
    mut f: FormMap,
    notice: Option<String>,
    error: Option<String>,
) -> PageResult {
    // A password is never sent back into a page.
    f.remove("password");
    let departments = department_options(state, ctx.lang, text(&f, "department_id"), None)
        .await
        .or_page(ctx)?;
    let roles = Role::ALL
        .iter()
        .map(|r| {
            (
                r.as_str(),
                role_name(ctx.lang, *r),
                text(&f, "role") == r.as_str(),
            )
        })
        .collect();
    let page = AccountPage {
        c: admin_crumbs(
            ctx,
            id,
            ("계정 수정", "Edit account"),
            ("계정 추가", "Add an account"),
        ),
        id,
        f: Refill(f),
        roles,
        departments,
        notice,
        error,
    };
    form_page(ctx, page.error.is_some(), &page)
}

async fn new_account(State(state): State<AppState>, ctx: Ctx) -> PageResult {
    allowed(&state, &ctx, Capability::Accounts, Action::Create).await?;
    let f = FormMap::from([("role".to_string(), "official".to_string())]);
    account_page(&state, &ctx, None, f, None, None).await
}

/// The role and department of an account form, checked: a known role, and a department that
/// exists and is not retired (an account may stay in a department retired after it was put there).
async fn role_and_department(
    state: &AppState,
    l: Lang,
    f: &FormMap,
    current: Option<i64>,
) -> Result<(Role, Option<i64>), String> {
    let role: Role = text(f, "role")
        .parse()
        .map_err(|e: domain::RuleError| l.of(&e).to_string())?;
    let department = optional_id(l, f, "department_id")?;
    in_use(state, l, department, current).await?;
    Ok((role, department))
}

/// A department chosen on a form exists and, unless it is the one already there, is not retired.
async fn in_use(
    state: &AppState,
    l: Lang,
    chosen: Option<i64>,
    current: Option<i64>,
) -> Result<(), String> {
    let Some(d) = chosen else { return Ok(()) };
    let dept = store::office::departments::get(&state.db, d)
        .await
        .map_err(|e| {
            let e = ApiError::from(e);
            l.of(&e).to_string()
        })?;
    if !dept.active && chosen != current {
        return Err(both(
            l,
            "폐지된 부서에는 새 계정이나 민원 종류를 둘 수 없습니다",
            "a retired department takes no new accounts or petition types",
        ));
    }
    Ok(())
}

/// A new password from the form, checked by the rules and hashed.
fn password_hash(ctx: &Ctx, password: &str) -> Result<String, Unsaved> {
    domain::office::accounts::validate_password(password)
        .map_err(|e| Unsaved::Form(ctx.lang.of(&e).to_string()))?;
    Ok(store::kit::secrets::hash_password(password).or_page(ctx)?)
}

async fn create_account(
    State(state): State<AppState>,
    ctx: Ctx,
    crate::kit::extract::Form(f): crate::kit::extract::Form<FormMap>,
) -> PageResult {
    allowed(&state, &ctx, Capability::Accounts, Action::Create).await?;
    let made = add_account(&state, &ctx, &f).await;
    answer(made, async |m| {
        account_page(&state, &ctx, None, f, None, Some(m)).await
    })
    .await
}

async fn add_account(state: &AppState, ctx: &Ctx, f: &FormMap) -> Result<String, Unsaved> {
    let l = ctx.lang;
    let (role, department_id) = role_and_department(state, l, f, None).await?;
    let hash = password_hash(ctx, text(f, "password"))?;
    let a = commit(
        state,
        ctx,
        "account.create",
        |a: &store::office::accounts::Account| format!("account:{}", a.id),
        async |tx| {
            Ok(store::office::accounts::create(
                tx,
                &store::office::accounts::NewAccount {
                    username: text(f, "username").trim(),
                    display_name: text(f, "display_name"),
                    email: text(f, "email"),
                    phone: text(f, "phone"),
                    role,
                    department_id,
                    password_hash: &hash,
                },
                store::now(),
            )
            .await?)
        },
    )
    .await
    .map_err(said(l))?;
    Ok(format!("/admin/accounts/{}?saved=1", a.id))
}

fn account_form(a: store::office::accounts::Account) -> FormMap {
    let mut f = FormMap::from([
        ("username".to_string(), a.username),
        ("display_name".to_string(), a.display_name),
        ("role".to_string(), a.role.as_str().to_string()),
        (
            "department_id".to_string(),
            a.department_id.map(|d| d.to_string()).unwrap_or_default(),
        ),
    ]);
    if a.active {
        f.insert("active".into(), "yes".into());
    }
    f
}

async fn edit_account(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Query(s): Query<Saved>,
) -> PageResult {
    allowed(&state, &ctx, Capability::Accounts, Action::Update).await?;
    let a = store::office::accounts::get(&state.db, id)
        .await
        .or_page(&ctx)?;
    let notice = saved_notice(ctx.lang, &s);
    account_page(&state, &ctx, Some(id), account_form(a), notice, None).await
}

async fn update_account(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    crate::kit::extract::Form(mut f): crate::kit::extract::Form<FormMap>,
) -> PageResult {
    allowed(&state, &ctx, Capability::Accounts, Action::Update).await?;
    let before = store::office::accounts::get(&state.db, id)
        .await
        .or_page(&ctx)?;
    // Name and username are not edited here; keep them on the page.
    f.insert("username".into(), before.username.clone());
    f.insert("display_name".into(), before.display_name.clone());
    let done = change_account(&state, &ctx, &before, &f).await;
    answer(done, async |m| {
        account_page(&state, &ctx, Some(id), f, None, Some(m)).await
    })
    .await
}

async fn change_account(
    state: &AppState,
    ctx: &Ctx,
    before: &store::office::accounts::Account,
    f: &FormMap,
) -> Result<String, Unsaved> {
    let l = ctx.lang;
    let id = before.id;
    let (role, department_id) = role_and_department(state, l, f, before.department_id).await?;
    let active = ticked(f, "active");
    // Whoever edits their own account keeps the right to manage accounts, so the office is
    // never left without an administrator by a slip.
    let own = ctx.caller.as_ref().is_some_and(|c| c.account.id == id);
    let keeps_admin = active && access::reaches_office(role, Capability::Accounts, Action::Update);
    if own && !keeps_admin {
        return Err(Unsaved::Form(both(
            l,
            "자기 계정을 잠그거나 관리자 역할을 뺄 수 없습니다. 다른 관리자에게 부탁해 주세요",
            "you cannot lock your own account or take away your own administrator role; ask another administrator",
        )));
    }
    let action = match (before.active, active) {
        (true, false) => "account.lock",
        (false, true) => "account.unlock",
        _ => "account.update",
    };
    commit(
        state,
        ctx,
        action,
        |a: &store::office::accounts::Account| format!("account:{}", a.id),
        async |tx| {
            Ok(store::office::accounts::update(
                tx,
                id,
                &store::office::accounts::AccountChange {
                    role,
                    department_id,
                    active,
                },
                store::now(),
            )
            .await?)
        },
    )
    .await
    .map_err(said(l))?;
    Ok(format!("/admin/accounts/{id}?saved=1"))
}

async fn reset_password(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    crate::kit::extract::Form(f): crate::kit::extract::Form<FormMap>,
) -> PageResult {
    allowed(&state, &ctx, Capability::Accounts, Action::Update).await?;
    let before = store::office::accounts::get(&state.db, id)
        .await
        .or_page(&ctx)?;
    let done = set_password(&state, &ctx, id, &f).await;
    answer(done, async |m| {
        account_page(&state, &ctx, Some(id), account_form(before), None, Some(m)).await
    })
    .await
}

async fn set_password(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    f: &FormMap,
) -> Result<String, Unsaved> {
    let l = ctx.lang;
    if !ticked(f, "confirm") {
        return Err(Unsaved::Form(both(
            l,
            "비밀번호를 바꾸려면 확인란에 표시해 주세요. 이전 비밀번호와 로그인은 되돌릴 수 없게 끝납니다",
            "tick the confirmation to set the password; the old password and every session end and cannot be restored",
        )));
    }
    let hash = password_hash(ctx, text(f, "new_password"))?;
    commit(
        state,
        ctx,
        "account.password_reset",
        |_: &()| format!("account:{id}"),
        async |tx| Ok(store::office::accounts::set_password(tx, id, &hash, store::now()).await?),
    )
    .await
    .map_err(said(l))?;
    Ok(format!("/admin/accounts/{id}?saved=1"))
}

// ---------------------------------------------------------------------------------------------
// Petition types
// ---------------------------------------------------------------------------------------------

/// How many empty rows a type form offers for new extra fields and templates.
const BLANK_FIELD_ROWS: usize = 2;
const BLANK_TEMPLATE_ROWS: usize = 1;

pub struct FieldRow {
    pub i: usize,
    pub key: String,
    pub label: String,
    pub datatype: String,
    pub required: bool,
    pub choices: String,
    pub label_en: String,
    pub choices_en: String,
    pub min: String,
    pub max: String,
}

pub struct TemplateRow {
    pub i: usize,
    pub name: String,
    pub text: String,
}

const DATATYPES: [(&str, &str, &str); 5] = [
    ("text", "글", "text"),
    ("number", "숫자", "number"),
    ("date", "날짜", "date"),
    ("bool", "예/아니오", "yes/no"),
    ("choice", "고르기", "choice"),
];

#[derive(Template)]
#[template(path = "petitions/admin_type.html")]
struct TypePage {
    c: Chrome,
    id: Option<i64>,
    /// The five general types: only the department and templates are editable.
    general: Option<String>,
    f: Refill,
    fields: Vec<FieldRow>,
    templates: Vec<TemplateRow>,
    datatypes: Vec<(&'static str, &'static str)>,
    placeholders: String,
    departments: Vec<(i64, String, bool)>,
    notice: Option<String>,
    error: Option<String>,
}

/// The numbered rows of the form (`f0_key`, `t0_name`, …) in which one of the `typed` parts
/// holds something: a select and a checkbox are not typed, so a blank row stays blank.
fn row_numbers(f: &FormMap, prefix: char, typed: &[&str]) -> Vec<usize> {
    let mut n: Vec<usize> = f
        .iter()
        .filter(|(_, v)| !v.trim().is_empty())
        .filter_map(|(k, _)| {
            let rest = k.strip_prefix(prefix)?;
            let (i, part) = rest.split_once('_')?;
            typed.contains(&part).then_some(())?;
            i.parse().ok()
        })
        .collect();
    n.sort_unstable();
    n.dedup();
    n
}

const FIELD_TYPED: [&str; 7] = [
    "key",
    "label",
    "choices",
    "label_en",
    "choices_en",
    "min",
    "max",
];
const TEMPLATE_TYPED: [&str; 2] = ["name", "text"];

async fn type_page(
    state: &AppState,
    ctx: &Ctx,
    id: Option<i64>,
    general: Option<String>,
    f: FormMap,
    notice: Option<String>,
    error: Option<String>,
) -> PageResult {
    let l = ctx.lang;
    let departments = department_options(state, l, text(&f, "department_id"), None)
        .await
        .or_page(ctx)?;
    let filled = row_numbers(&f, 'f', &FIELD_TYPED);
    let next = filled.last().map_or(0, |i| i + 1);
    let fields = filled
        .into_iter()
        .chain(next..next + BLANK_FIELD_ROWS)
        .map(|i| FieldRow {
            i,
            key: text(&f, &format!("f{i}_key")).to_string(),
            label: text(&f, &format!("f{i}_label")).to_string(),
            datatype: text(&f, &format!("f{i}_datatype")).to_string(),
            required: ticked(&f, &format!("f{i}_required")),
            choices: text(&f, &format!("f{i}_choices")).to_string(),
            label_en: text(&f, &format!("f{i}_label_en")).to_string(),
            choices_en: text(&f, &format!("f{i}_choices_en")).to_string(),
            min: text(&f, &format!("f{i}_min")).to_string(),
            max: text(&f, &format!("f{i}_max")).to_string(),
        })
        .collect();
    let filled = row_numbers(&f, 't', &TEMPLATE_TYPED);
    let next = filled.last().map_or(0, |i| i + 1);
    let templates = filled
        .into_iter()
        .chain(next..next + BLANK_TEMPLATE_ROWS)
        .map(|i| TemplateRow {
            i,
            name: text(&f, &format!("t{i}_name")).to_string(),
            text: text(&f, &format!("t{i}_text")).to_string(),
        })
        .collect();
    let page = TypePage {
        c: admin_crumbs(
            ctx,
            id,
            ("민원 종류 수정", "Edit petition type"),
            ("법정민원 종류 추가", "Add a statutory type"),
        ),
        id,
        general,
        f: Refill(f),
        fields,
        templates,
        datatypes: DATATYPES
            .iter()
            .map(|(k, ko, en)| (*k, l.t(ko, en)))
            .collect(),
        placeholders: domain::petitions::TEMPLATE_PLACEHOLDERS
            .map(|p| format!("{{{p}}}"))
            .join(" "),
        departments,
        notice,
        error,
    };
    form_page(ctx, page.error.is_some(), &page)
}

/// A stored type as the form's fields.
fn type_form(t: &store::petitions::PetitionType) -> FormMap {
    let mut f = FormMap::from([
        ("code".to_string(), t.code.clone()),
        ("name".to_string(), t.name.clone()),
        ("name_en".to_string(), t.name_en.clone()),
        ("period".to_string(), t.period.to_string()),
        (
            "department_id".to_string(),
            t.department_id.map(|d| d.to_string()).unwrap_or_default(),
        ),
        ("description".to_string(), t.description.clone()),
        ("documents".to_string(), t.required_documents.join("\n")),
    ]);
    for (flag, on) in [
        ("requires_rrn", t.requires_rrn),
        ("public", t.public),
        ("active", t.active),
        ("needs_approval", t.needs_approval),
        ("publishable", t.publishable),
    ] {
        if on {
            f.insert(flag.into(), "yes".into());
        }
    }
    for (i, d) in t.fields.iter().enumerate() {
        f.insert(format!("f{i}_key"), d.key.clone());
        f.insert(format!("f{i}_label"), d.label.clone());
        f.insert(
            format!("f{i}_datatype"),
            serde_json::to_value(d.datatype)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default(),
        );
        if d.required {
            f.insert(format!("f{i}_required"), "yes".into());
        }
        f.insert(format!("f{i}_choices"), d.choices.join(", "));
        f.insert(format!("f{i}_label_en"), d.label_en.clone());
        f.insert(format!("f{i}_choices_en"), d.choices_en.join(", "));
        for (k, n) in [("min", d.min), ("max", d.max)] {
            if let Some(n) = n {
                f.insert(format!("f{i}_{k}"), n.to_string());
            }
        }
    }
    for (i, t) in t.templates.iter().enumerate() {
        f.insert(format!("t{i}_name"), t.name.clone());
        f.insert(format!("t{i}_text"), t.text.clone());
    }
    f
}

fn parse_templates(f: &FormMap) -> Vec<AnswerTemplate> {
    row_numbers(f, 't', &TEMPLATE_TYPED)
        .into_iter()
        .map(|i| AnswerTemplate {
            name: text(f, &format!("t{i}_name")).trim().to_string(),
            // Browsers send CRLF from a textarea; the answer text uses plain newlines.
            text: text(f, &format!("t{i}_text")).replace("\r\n", "\n"),
        })
        .collect()
}

fn parse_fields(l: Lang, f: &FormMap) -> Result<Vec<FieldDef>, String> {
    row_numbers(f, 'f', &FIELD_TYPED)
        .into_iter()
        .map(|i| {
            let get = |k: &str| text(f, &format!("f{i}_{k}")).trim().to_string();
            let datatype: Datatype = serde_json::from_value(serde_json::Value::String(get(
                "datatype",
            )))
            .map_err(|_| {
                both(
                    l,
                    &format!("{}번째 추가 항목의 자료형을 골라 주세요", i + 1),
                    &format!("choose the datatype of extra field {}", i + 1),
                )
            })?;
            let list = |k: &str| -> Vec<String> {
                get(k)
                    .split([',', '\n'])
                    .map(str::trim)
                    .filter(|c| !c.is_empty())
                    .map(str::to_string)
                    .collect()
            };
            let number = |k: &str| -> Result<Option<i64>, String> {
                let s = get(k);
                if s.is_empty() {
                    return Ok(None);
                }
                s.parse().map(Some).map_err(|_| {
                    both(
                        l,
                        &format!("{}번째 추가 항목의 숫자 범위는 정수로 적어 주세요", i + 1),
                        &format!("write extra field {}'s range as whole numbers", i + 1),
                    )
                })
            };
            Ok(FieldDef {
                key: get("key"),
                label: get("label"),
                label_en: get("label_en"),
                datatype,
                required: ticked(f, &format!("f{i}_required")),
                choices: list("choices"),
                choices_en: list("choices_en"),
                min: number("min")?,
                max: number("max")?,
            })
        })
        .collect()
}

/// The type the form describes. General types keep everything but department and templates.
fn parse_spec(
    l: Lang,
    f: &FormMap,
    before: Option<&store::petitions::PetitionType>,
) -> Result<TypeSpec, String> {
    let department_id = optional_id(l, f, "department_id")?;
    let templates = parse_templates(f);
    if let Some(t) = before.filter(|t| t.kind != Kind::Statutory) {
        return Ok(TypeSpec {
            code: t.code.clone(),
            name: t.name.clone(),
            name_en: t.name_en.clone(),
            kind: t.kind,
            period: Some(t.period),
            department_id,
            description: t.description.clone(),
            required_documents: t.required_documents.clone(),
            fields: t.fields.clone(),
            templates,
            requires_rrn: t.requires_rrn,
            public: t.public,
            active: t.active,
            needs_approval: ticked(f, "needs_approval"),
            // Publishing on Open311 is the office's choice for general types too.
            publishable: ticked(f, "publishable"),
        });
    }
    let period: Period = text(f, "period").trim().parse().map_err(|_| {
        both(
            l,
            "처리기간을 7d(7일), 3h(3시간), 2w(2주), 1m(1개월), 1y(1년) 또는 immediate(즉시) 형식으로 적어 주세요",
            "write the period as 7d (days), 3h (hours), 2w (weeks), 1m (months), 1y (years) or immediate",
        )
    })?;
    Ok(TypeSpec {
        code: text(f, "code").trim().to_string(),
        name: text(f, "name").to_string(),
        name_en: text(f, "name_en").to_string(),
        kind: Kind::Statutory,
        period: Some(period),
        department_id,
        description: text(f, "description").trim().to_string(),
        required_documents: text(f, "documents")
            .lines()
            .map(str::trim)
            .filter(|d| !d.is_empty())
            .map(str::to_string)
            .collect(),
        fields: parse_fields(l, f)?,
        templates,
        requires_rrn: ticked(f, "requires_rrn"),
        public: ticked(f, "public"),
        active: ticked(f, "active"),
        needs_approval: ticked(f, "needs_approval"),
        publishable: ticked(f, "publishable"),
    })
}

fn general_name(l: Lang, t: &store::petitions::PetitionType) -> Option<String> {
    (t.kind != Kind::Statutory).then(|| {
        format!(
            "{} · {} {}",
            t.name,
            l.t("처리기간", "period"),
            t.period.korean()
        )
    })
}

async fn new_type(State(state): State<AppState>, ctx: Ctx) -> PageResult {
    allowed(&state, &ctx, Capability::Settings, Action::Update).await?;
    let f = FormMap::from([
        ("public".to_string(), "yes".to_string()),
        ("active".to_string(), "yes".to_string()),
    ]);
    type_page(&state, &ctx, None, None, f, None, None).await
}

async fn create_type(
    State(state): State<AppState>,
    ctx: Ctx,
    crate::kit::extract::Form(f): crate::kit::extract::Form<FormMap>,
) -> PageResult {
    allowed(&state, &ctx, Capability::Settings, Action::Update).await?;
    let made = save_type(&state, &ctx, None, &f).await;
    answer(made, async |m| {
        type_page(&state, &ctx, None, None, f, None, Some(m)).await
    })
    .await
}

async fn edit_type(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Query(s): Query<Saved>,
) -> PageResult {
    allowed(&state, &ctx, Capability::Settings, Action::Update).await?;
    let t = store::petitions::get_type(&state.db, id)
        .await
        .or_page(&ctx)?;
    let general = general_name(ctx.lang, &t);
    let notice = saved_notice(ctx.lang, &s);
    type_page(&state, &ctx, Some(id), general, type_form(&t), notice, None).await
}

async fn update_type(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    crate::kit::extract::Form(f): crate::kit::extract::Form<FormMap>,
) -> PageResult {
    allowed(&state, &ctx, Capability::Settings, Action::Update).await?;
    let before = store::petitions::get_type(&state.db, id)
        .await
        .or_page(&ctx)?;
    let general = general_name(ctx.lang, &before);
    let done = save_type(&state, &ctx, Some(&before), &f).await;
    answer(done, async |m| {
        type_page(&state, &ctx, Some(id), general, f, None, Some(m)).await
    })
    .await
}

/// Create a type (`before` is `None`) or change the one `before` is.
async fn save_type(
    state: &AppState,
    ctx: &Ctx,
    before: Option<&store::petitions::PetitionType>,
    f: &FormMap,
) -> Result<String, Unsaved> {
    let l = ctx.lang;
    let spec = parse_spec(l, f, before)?;
    in_use(
        state,
        l,
        spec.department_id,
        before.and_then(|t| t.department_id),
    )
    .await?;
    let subject = |t: &store::petitions::PetitionType| format!("petition_type:{}", t.id);
    let now = store::now();
    let t = match before {
        None => {
            commit(state, ctx, "petition_type.create", subject, async |tx| {
                Ok(store::petitions::create_type(tx, &spec, now).await?)
            })
            .await
        }
        Some(b) => {
            commit(state, ctx, "petition_type.update", subject, async |tx| {
                Ok(store::petitions::update_type(tx, b.id, &spec, now).await?)
            })
            .await
        }
    }
    .map_err(said(l))?;
    Ok(format!("/admin/types/{}?saved=1", t.id))
}

/// Home › 관리 › this page: the trail of an administration edit page (edit or add).
fn admin_crumbs(
    ctx: &Ctx,
    id: Option<i64>,
    edit: (&str, &str),
    add: (&str, &str),
) -> crate::kit::page::Chrome {
    let (ko, en) = if id.is_some() { edit } else { add };
    ctx.chrome()
        .crumb(ctx.lang.t("관리", "Administration"), "/admin")
        .crumb(ctx.lang.t(ko, en), "")
}
