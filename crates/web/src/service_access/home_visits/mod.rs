//! Home visits (찾아가는 민원): requests taken on the phone or filed online, rounds of teams
//! planned with `domain::service_access::routing`, the round sheet and the outcome at the door.
//!
//! The actions here are shared by the JSON API (`api`) and the pages (`pages`), so both are
//! refused, logged and answered alike. Access is `domain::access` only:
//! * a request is `Capability::HomeVisitRequest`, a record owned by whoever entered it, in the
//!   department that took it, shared with the staff of every round it is in ([`request_target`]);
//!   each reveal of its health and disability data is written to the access log ([`reveal`]);
//! * a round is `Capability::HomeVisitRound` in the planning division, shared with its staff.

pub mod api;
pub mod eligibility;
pub mod pages;
pub mod sheet;

use crate::kit::auth::Caller;
use crate::kit::error::ApiError;
use crate::{AppState, Audit, audited};
use axum::http::StatusCode;
use domain::access::{Action, Capability, Target};
use domain::service_access::home_visits::{
    self as hv, IdentityMethod, Outcome, RequestDraft, RoundState, TeamDraft,
};
use domain::service_access::routing::{Problem, ProblemError};
use domain::{AccountId, Invalid};
use store::service_access::home_visits::{self as sh, Recorded, Request, Round, Stop, Team};
use utoipa_axum::router::OpenApiRouter;

pub fn routes() -> OpenApiRouter<AppState> {
    api::routes()
        .merge(eligibility::routes())
        .merge(pages::routes().into())
}

/// A refusal of several fields at once, for the JSON API: the first field named in the code's
/// message (pages show each beside its field).
pub(crate) fn invalid(inv: &Invalid) -> ApiError {
    let all_ko: Vec<String> = inv.0.iter().map(|f| f.error.ko.clone()).collect();
    let all_en: Vec<String> = inv
        .0
        .iter()
        .map(|f| format!("{}: {}", f.field, f.error.en))
        .collect();
    ApiError::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        inv.first().map_or("invalid_fields", |f| f.error.code),
        all_ko.join("; "),
        all_en.join("; "),
    )
}

/// A malformed VROOM file, with where it is wrong.
pub(crate) fn problem_error(e: &ProblemError) -> ApiError {
    let ko: Vec<String> = e
        .issues
        .iter()
        .map(|i| format!("{} ({})", i.ko, i.path))
        .collect();
    let en: Vec<String> = e
        .issues
        .iter()
        .map(|i| format!("{}: {}", i.path, i.en))
        .collect();
    ApiError::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        e.issues.first().map_or("bad_problem", |i| i.code),
        ko.join("; "),
        en.join("; "),
    )
}

/// What a request is to the access policy.
pub(crate) fn request_target<'a>(r: &Request, staff: &'a [AccountId]) -> Target<'a> {
    Target::Record {
        owner: r.owner_id,
        department: Some(r.department_id),
        shared_with: staff,
    }
}

/// What a round is to the access policy.
pub(crate) fn round_target<'a>(r: &Round, staff: &'a [AccountId]) -> Target<'a> {
    Target::Record {
        owner: None,
        department: Some(r.department_id),
        shared_with: staff,
    }
}

/// Request `id` when the caller may do `action` on it (refusals are logged by the policy).
pub(crate) async fn request_for(
    state: &AppState,
    caller: &Caller,
    id: i64,
    action: Action,
) -> Result<Request, ApiError> {
    let r = sh::request(&state.db, id).await?;
    let staff = sh::request_staff(&state.db, id).await?;
    caller
        .may(
            state,
            Capability::HomeVisitRequest,
            action,
            request_target(&r, &staff),
        )
        .await?;
    Ok(r)
}

/// Write the reveal of a request's health and disability data to the access log.
pub(crate) async fn reveal(state: &AppState, caller: &Caller, r: &Request) -> Result<(), ApiError> {
    state
        .log_access(
            caller,
            &format!("home_visit_request:{}", r.id),
            "home_visit_request.reveal",
            "방문 신청의 건강·장애 정보 열람 (health and disability data of a home-visit request)",
        )
        .await
}

/// The requests the caller may read, newest first (nothing revealed: names and states only).
pub(crate) async fn visible_requests(
    state: &AppState,
    caller: &Caller,
) -> Result<Vec<Request>, ApiError> {
    let mut out = Vec::new();
    let staff_of = sh::staff_by_request(&state.db).await?;
    for r in sh::requests(&state.db).await? {
        let staff = staff_of.get(&r.id).map_or(&[][..], Vec::as_slice);
        if caller
            .permits(
                state,
                Capability::HomeVisitRequest,
                Action::Read,
                request_target(&r, staff),
            )
            .await?
        {
            out.push(r);
        }
    }
    Ok(out)
}

/// Where a new request is kept: a resident chooses the 읍면동; staff take it for their own.
pub(crate) async fn take_request(
    state: &AppState,
    caller: &Caller,
    department_id: Option<i64>,
    d: &RequestDraft,
) -> Result<Result<Request, Invalid>, ApiError> {
    let resident = caller.account.role.is_resident();
    let dept = if resident {
        department_id
    } else {
        caller.account.department_id
    };
    let target = if resident {
        Target::Record {
            owner: Some(caller.account.id),
            department: dept,
            shared_with: &[],
        }
    } else {
        Target::Department(dept.ok_or_else(ApiError::forbidden)?)
    };
    caller
        .may(state, Capability::HomeVisitRequest, Action::Create, target)
        .await?;
    let rules = sh::rules(&state.db).await?;
    let today = store::now().with_timezone(&calendar::seoul()).date_naive();
    let mut checked = hv::check_request(d, &rules, today);
    let Some(dept) = dept else {
        let mut bad = checked.err().unwrap_or_default();
        bad.add(
            "department_id",
            "missing_department",
            "신청할 읍면동을 고르세요",
            "choose the local office",
        );
        return Ok(Err(bad));
    };
    if store::office::departments::get(&state.db, dept)
        .await
        .is_err()
    {
        let mut bad = checked.err().unwrap_or_default();
        bad.add(
            "department_id",
            "unknown_department",
            "없는 읍면동입니다",
            "no such local office",
        );
        checked = Err(bad);
    }
    let by = match checked {
        Ok(by) => by,
        Err(bad) => return Ok(Err(bad)),
    };
    let owner = caller.account.id;
    let r = audited(state, caller, async |tx| {
        let r = sh::create_request(tx, dept, Some(owner), d, &by, store::now()).await?;
        let subject = format!("home_visit_request:{}", r.id);
        Ok((
            r,
            Audit::new(
                subject,
                "home_visit_request.create",
                "방문 신청 접수 (home-visit request taken)",
            ),
        ))
    })
    .await?;
    Ok(Ok(r))
}

/// Round `id` with its staff, when the caller may do `action` on it.
pub(crate) async fn round_for(
    state: &AppState,
    caller: &Caller,
    id: i64,
    action: Action,
) -> Result<Round, ApiError> {
    let r = sh::round(&state.db, id).await?;
    let staff = sh::round_staff(&state.db, id).await?;
    caller
        .may(
            state,
            Capability::HomeVisitRound,
            action,
            round_target(&r, &staff),
        )
        .await?;
    Ok(r)
}

/// Round `id` when the caller plans it: the division's supervisor (the round's staff may
/// read it and record outcomes, never change the plan).
pub(crate) async fn round_to_plan(
    state: &AppState,
    caller: &Caller,
    id: i64,
) -> Result<Round, ApiError> {
    let round = round_for(state, caller, id, Action::Update).await?;
    caller
        .may(
            state,
            Capability::HomeVisitRound,
            Action::Create,
            Target::Department(round.department_id),
        )
        .await?;
    Ok(round)
}

/// The rounds the caller may read.
pub(crate) async fn visible_rounds(
    state: &AppState,
    caller: &Caller,
) -> Result<Vec<Round>, ApiError> {
    let mut out = Vec::new();
    let staff_of = sh::staff_by_round(&state.db).await?;
    for r in sh::rounds(&state.db).await? {
        let staff = staff_of.get(&r.id).map_or(&[][..], Vec::as_slice);
        if caller
            .permits(
                state,
                Capability::HomeVisitRound,
                Action::Read,
                round_target(&r, staff),
            )
            .await?
        {
            out.push(r);
        }
    }
    Ok(out)
}

/// Whether the caller plans rounds (a supervisor, for their own division).
pub(crate) async fn plans_rounds(state: &AppState, caller: &Caller) -> Result<bool, ApiError> {
    let Some(d) = caller.account.department_id else {
        return Ok(false);
    };
    caller
        .permits(
            state,
            Capability::HomeVisitRound,
            Action::Create,
            Target::Department(d),
        )
        .await
}

fn not_editable() -> ApiError {
    ApiError::new(
        StatusCode::CONFLICT,
        "round_fixed",
        "확정된 방문 일정은 바꿀 수 없습니다",
        "a published round can no longer change",
    )
}

pub(crate) async fn create_round(
    state: &AppState,
    caller: &Caller,
    day: Option<chrono::NaiveDate>,
    area: &str,
) -> Result<Result<Round, Invalid>, ApiError> {
    let dept = caller
        .account
        .department_id
        .ok_or_else(ApiError::forbidden)?;
    caller
        .may(
            state,
            Capability::HomeVisitRound,
            Action::Create,
            Target::Department(dept),
        )
        .await?;
    let mut bad = Invalid::default();
    let today = store::now().with_timezone(&calendar::seoul()).date_naive();
    match day {
        Some(d) if d >= today => {}
        _ => bad.add(
            "day",
            "bad_day",
            "오늘이나 이후 날짜를 고르세요",
            "choose today or a later date",
        ),
    }
    if area.trim().is_empty() {
        bad.add(
            "area",
            "missing_area",
            "방문 지역을 적어 주세요",
            "enter the area",
        );
    }
    if let Err(bad) = bad.into_result() {
        return Ok(Err(bad));
    }
    let Some(day) = day else {
        return Err(ApiError::internal());
    };
    let by = caller.account.id;
    let r = audited(state, caller, async |tx| {
        let r = sh::create_round(tx, dept, day, area, by, store::now()).await?;
        Ok((
            r.clone(),
            Audit::new(
                format!("home_visit_round:{}", r.id),
                "home_visit_round.create",
                "",
            ),
        ))
    })
    .await?;
    Ok(Ok(r))
}

pub(crate) async fn add_team(
    state: &AppState,
    caller: &Caller,
    round_id: i64,
    t: &TeamDraft,
) -> Result<Result<i64, Invalid>, ApiError> {
    let round = round_to_plan(state, caller, round_id).await?;
    if !round.state().editable() {
        return Err(not_editable());
    }
    let mut checked = hv::check_team(t);
    // Members are staff accounts.
    for m in &t.members {
        let ok = store::office::accounts::get(&state.db, *m)
            .await
            .is_ok_and(|a| a.active && a.role.is_staff());
        if !ok {
            let mut bad = checked.err().unwrap_or_default();
            bad.add(
                "members",
                "unknown_member",
                "팀원은 직원 계정이어야 합니다",
                "members must be staff accounts",
            );
            checked = Err(bad);
            break;
        }
    }
    if let Err(bad) = checked {
        return Ok(Err(bad));
    }
    let id = audited(state, caller, async |tx| {
        let id = sh::add_team(tx, round_id, t).await?;
        sh::set_round_state(tx, round_id, RoundState::Draft, store::now()).await?;
        Ok((
            id,
            Audit::new(
                format!("home_visit_round:{round_id}"),
                "home_visit_round.team",
                "",
            ),
        ))
    })
    .await?;
    Ok(Ok(id))
}

/// Put eligible requests of the round's division into it.
pub(crate) async fn add_requests(
    state: &AppState,
    caller: &Caller,
    round_id: i64,
    ids: &[i64],
) -> Result<(), ApiError> {
    let round = round_to_plan(state, caller, round_id).await?;
    if !round.state().editable() {
        return Err(not_editable());
    }
    if ids.is_empty() {
        return Err(ApiError::bad_request(
            "no_requests",
            "일정에 넣을 신청을 하나 이상 고르세요",
            "choose at least one request to add",
        ));
    }
    for id in ids {
        // The supervisor reads (and so schedules) the requests of their division.
        request_for(state, caller, *id, Action::Update).await?;
    }
    audited(state, caller, async |tx| {
        sh::add_requests(tx, round_id, ids, store::now()).await?;
        Ok((
            (),
            Audit::new(
                format!("home_visit_round:{round_id}"),
                "home_visit_round.requests",
                "",
            ),
        ))
    })
    .await
}

fn inputs(teams: &[Team], stops: &[Stop]) -> (Vec<hv::TeamInput>, Vec<hv::VisitInput>) {
    (
        teams.iter().map(Team::input).collect(),
        stops.iter().map(Stop::input).collect(),
    )
}

fn nothing_to_plan() -> ApiError {
    ApiError::bad_request(
        "nothing_to_plan",
        "팀과 방문 신청이 하나 이상 있어야 계획할 수 있습니다",
        "a round needs at least one team and one visit to plan",
    )
}

/// Plan the round with the solver (or with an imported VROOM problem), and save it.
pub(crate) async fn plan(
    state: &AppState,
    caller: &Caller,
    round_id: i64,
    imported: Option<&str>,
) -> Result<(), ApiError> {
    let round = round_to_plan(state, caller, round_id).await?;
    if !round.state().editable() {
        return Err(not_editable());
    }
    let teams = sh::teams(&state.db, round_id).await?;
    let stops = sh::stops(&state.db, round_id).await?;
    if teams.is_empty() || stops.is_empty() {
        return Err(nothing_to_plan());
    }
    let (t, v) = inputs(&teams, &stops);
    let (placed, left) = match imported {
        None => hv::plan_round(&t, &v).map_err(|e| problem_error(&e))?,
        Some(text) => {
            let p = Problem::from_json(text).map_err(|e| problem_error(&e))?;
            let team_ids: Vec<u64> = t.iter().map(|x| x.team_id).collect();
            let stop_ids: Vec<u64> = v.iter().map(|x| x.stop_id).collect();
            hv::check_import(&p, &team_ids, &stop_ids).map_err(|e| problem_error(&e))?;
            let s = domain::service_access::routing::solve(&p, &Default::default())
                .map_err(|e| problem_error(&e))?;
            hv::read_solution(&s, &t, &v)
        }
    };
    audited(state, caller, async |tx| {
        sh::save_plan(
            tx,
            round_id,
            &placed,
            &left,
            RoundState::Planned,
            store::now(),
        )
        .await?;
        Ok((
            (),
            Audit::new(
                format!("home_visit_round:{round_id}"),
                "home_visit_round.plan",
                "",
            ),
        ))
    })
    .await
}

/// The routes as they stand: (team id, stop ids in order).
pub(crate) fn routes_of(teams: &[Team], stops: &[Stop]) -> Vec<(u64, Vec<u64>)> {
    teams
        .iter()
        .map(|t| {
            let mut mine: Vec<&Stop> = stops.iter().filter(|s| s.team_id == Some(t.id)).collect();
            mine.sort_by_key(|s| s.position);
            (t.id as u64, mine.iter().map(|s| s.id as u64).collect())
        })
        .collect()
}

/// Re-time hand-ordered routes and save them (the round becomes `adjusted`). Answers the
/// broken rules per stop.
pub(crate) async fn reorder(
    state: &AppState,
    caller: &Caller,
    round_id: i64,
    routes: &[(u64, Vec<u64>)],
) -> Result<Vec<(u64, String, String)>, ApiError> {
    let round = round_to_plan(state, caller, round_id).await?;
    if !round.state().editable() {
        return Err(not_editable());
    }
    let teams = sh::teams(&state.db, round_id).await?;
    let stops = sh::stops(&state.db, round_id).await?;
    let (t, v) = inputs(&teams, &stops);
    let (placed, left) = hv::retime(&t, &v, routes).map_err(|e| problem_error(&e))?;
    // Those in no route keep the reason the solver gave, when it gave one.
    let left: Vec<hv::LeftOut> = left
        .into_iter()
        .map(|l| {
            let before = stops.iter().find(|s| s.id as u64 == l.stop_id);
            match before {
                Some(s) if !s.left_out.is_empty() => hv::LeftOut {
                    stop_id: l.stop_id,
                    ko: s.left_out.clone(),
                    en: s.left_out_en.clone(),
                },
                _ => l,
            }
        })
        .collect();
    let violations = placed
        .iter()
        .flat_map(|p| {
            p.violations
                .iter()
                .map(|(ko, en)| (p.stop_id, ko.clone(), en.clone()))
        })
        .collect();
    audited(state, caller, async |tx| {
        sh::save_plan(
            tx,
            round_id,
            &placed,
            &left,
            RoundState::Adjusted,
            store::now(),
        )
        .await?;
        Ok((
            (),
            Audit::new(
                format!("home_visit_round:{round_id}"),
                "home_visit_round.reorder",
                "",
            ),
        ))
    })
    .await?;
    Ok(violations)
}

/// One hand move on the round page: a stop up, down, or to the end of another team's route.
pub(crate) fn moved(
    mut routes: Vec<(u64, Vec<u64>)>,
    stop: u64,
    how: &str,
    to_team: Option<u64>,
) -> Vec<(u64, Vec<u64>)> {
    let Some((ri, si)) = routes
        .iter()
        .enumerate()
        .find_map(|(ri, (_, s))| s.iter().position(|x| *x == stop).map(|si| (ri, si)))
    else {
        // Not on any route yet: onto the chosen team's end.
        if let Some(r) = routes.iter_mut().find(|(t, _)| Some(*t) == to_team) {
            r.1.push(stop);
        }
        return routes;
    };
    match how {
        "up" if si > 0 => routes[ri].1.swap(si, si - 1),
        "down" if si + 1 < routes[ri].1.len() => routes[ri].1.swap(si, si + 1),
        "team" => {
            if let Some(to) = routes.iter().position(|(t, _)| Some(*t) == to_team)
                && to != ri
            {
                routes[ri].1.remove(si);
                routes[to].1.push(stop);
            }
        }
        "out" => {
            routes[ri].1.remove(si);
        }
        _ => {}
    }
    routes
}

pub(crate) async fn publish(
    state: &AppState,
    caller: &Caller,
    round_id: i64,
) -> Result<usize, ApiError> {
    let round = round_to_plan(state, caller, round_id).await?;
    if !matches!(round.state(), RoundState::Planned | RoundState::Adjusted) {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "not_planned",
            "경로를 먼저 계획하세요",
            "plan the round first",
        ));
    }
    audited(state, caller, async |tx| {
        let n = sh::publish(tx, round_id, store::now()).await?;
        Ok((
            n,
            Audit::new(
                format!("home_visit_round:{round_id}"),
                "home_visit_round.publish",
                "",
            ),
        ))
    })
    .await
}

/// What the team member records at the door.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::ToSchema)]
pub struct OutcomeInput {
    /// `done`, `not_home`, `identity_failed`, `refused`, `revisit_needed`.
    pub outcome: String,
    /// `id_card`, `phone_check`, `known_by_tongjang`, `failed`; left out for `not_home`.
    #[serde(default)]
    pub identity_method: String,
    #[serde(default)]
    pub notes: String,
    /// A petition filed on site (channel `visit`): its type and title; the body is the notes.
    #[serde(default)]
    pub petition_type_id: Option<i64>,
    #[serde(default)]
    pub petition_title: Option<String>,
}

/// Record the outcome of a stop of this round, with a petition filed on site in the same
/// transaction, and the resident told through the outbox.
pub(crate) async fn record(
    state: &AppState,
    caller: &Caller,
    round_id: i64,
    stop_id: i64,
    input: &OutcomeInput,
) -> Result<Result<Recorded, Invalid>, ApiError> {
    let round = round_for(state, caller, round_id, Action::Update).await?;
    let mut bad = Invalid::default();
    let outcome = Outcome::parse(&input.outcome);
    // Nobody opened the door: no identity was checked, whatever the form says.
    let method = match (&outcome, IdentityMethod::parse(&input.identity_method)) {
        (Ok(o), _) if !o.checks_identity() => Ok(None),
        (_, m) => m.map(Some),
    };
    if outcome.is_err() {
        bad.add(
            "outcome",
            "missing_outcome",
            "방문 결과를 고르세요",
            "choose the outcome",
        );
    }
    if method.is_err() {
        bad.add(
            "identity_method",
            "missing_identity",
            "본인 확인 방법을 고르세요",
            "choose how identity was checked",
        );
    }
    let wants_petition = input.petition_type_id.is_some();
    let title = input.petition_title.clone().unwrap_or_default();
    if wants_petition && title.trim().is_empty() {
        bad.add(
            "petition_title",
            "missing_title",
            "현장 접수 민원의 제목을 적어 주세요",
            "enter the title of the petition filed on site",
        );
    }
    if wants_petition && input.notes.trim().is_empty() {
        bad.add(
            "notes",
            "missing_notes",
            "현장 접수 민원의 내용을 메모에 적어 주세요",
            "write the petition's content in the notes",
        );
    }
    if let (Ok(o), true) = (&outcome, wants_petition)
        && *o != Outcome::Done
    {
        bad.add(
            "petition_type_id",
            "petition_needs_done",
            "민원은 본인 확인 후 처리한 방문에서만 접수합니다",
            "a petition is filed on site only on a visit that was done",
        );
    }
    let stop = sh::stops(&state.db, round_id)
        .await?
        .into_iter()
        .find(|s| s.id == stop_id);
    let Some(stop) = stop else {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "stop_not_in_round",
            "이 방문 일정의 방문지가 아닙니다",
            "this stop is not part of this round",
        ));
    };
    if let Err(bad) = bad.into_result() {
        return Ok(Err(bad));
    }
    let (Ok(outcome), Ok(method)) = (outcome, method) else {
        return Err(ApiError::internal());
    };
    if !round.state().visiting() {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "round_not_published",
            "확정(배부)된 방문 일정에만 결과를 기록합니다",
            "outcomes are recorded only on a published round",
        ));
    }
    let request = sh::request(&state.db, stop.request_id).await?;
    // The petition is checked before the transaction (like every intake), then filed in it.
    let checked = match input.petition_type_id {
        None => None,
        Some(type_id) => {
            let new = store::petitions::NewPetition {
                type_id,
                channel: domain::petitions::Channel::Visit,
                anonymous: false,
                petitioner_account_id: None,
                petitioner: store::petitions::Petitioner {
                    name: request.name.clone(),
                    phone: request.phone.clone(),
                    email: String::new(),
                    address: request.address.clone(),
                    resident_number: None,
                },
                title: title.trim().to_string(),
                body: input.notes.trim().to_string(),
                location: request.address.clone(),
                extra: Default::default(),
                idempotency_key: None,
                department_id: Some(request.department_id),
                intake: domain::petitions::intake::IntakeRecord {
                    identity_check: Some(domain::petitions::intake::IdentityCheck::IdCard),
                    documents_checked: vec![],
                },
            };
            let screening = crate::petitions::api::screen(&new.title, &new.body)
                .await
                .ok_or_else(ApiError::internal)?;
            Some(store::petitions::check(&state.db, new, &state.petitions.key, screening).await?)
        }
    };
    let (cal, _) = store::petitions::work_calendar(&state.db).await?;
    let by = caller.account.id;
    let notes = input.notes.clone();
    let rec = audited(state, caller, async |tx| {
        let now = store::now();
        let petition_id = match &checked {
            Some(c) => Some(
                store::petitions::file(tx, c, Some(by), &cal, now)
                    .await?
                    .petition
                    .id,
            ),
            None => None,
        };
        let rec = sh::record_outcome(
            tx,
            round_id,
            stop_id,
            outcome,
            method,
            &notes,
            petition_id,
            by,
            now,
        )
        .await?;
        sh::complete_if_done(tx, round_id, now).await?;
        Ok((
            rec,
            Audit::new(
                format!("home_visit_request:{}", request.id),
                "home_visit.outcome",
                outcome.as_str(),
            ),
        ))
    })
    .await?;
    Ok(Ok(rec))
}

/// The round as VROOM JSON.
pub(crate) async fn vroom_text(state: &AppState, round_id: i64) -> Result<String, ApiError> {
    let teams = sh::teams(&state.db, round_id).await?;
    let stops = sh::stops(&state.db, round_id).await?;
    let (t, v) = inputs(&teams, &stops);
    Ok(hv::problem(&t, &v).to_json())
}
