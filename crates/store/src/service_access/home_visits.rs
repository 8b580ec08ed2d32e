//! Home visits (찾아가는 민원): requests, rounds, teams, stops and outcomes. The rules are in
//! `domain::service_access::home_visits`; who may see what is the web layer's question to
//! `domain::access` (a request is shared with the staff of every round it is in:
//! [`request_staff`]).

use crate::kit::outbox::{self, Channel};
use crate::kit::sql::Target;
use crate::{
    Db, Result, StoreError, Tx, execute, execute_one, fetch_all, fetch_one, fetch_optional,
};
use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use domain::AccountId;
use domain::service_access::home_visits::{
    self as hv, Condition, EligibilityRules, IdentityMethod, Kit, LeftOut, Outcome, Placed,
    RequestDraft, RequestState, RoundState, Service, TeamDraft, TeamInput, VisitInput,
};
use serde::Serialize;
use std::collections::HashMap;

/// The eligibility settings (JSON), absent = [`EligibilityRules::default`].
pub const ELIGIBILITY: &str = "home_visits.eligibility";

pub async fn rules(db: &Db) -> Result<EligibilityRules> {
    match crate::office::settings::get(db, ELIGIBILITY).await? {
        None => Ok(EligibilityRules::default()),
        Some(text) => serde_json::from_str(&text)
            .map_err(|e| StoreError::internal("stored eligibility rules unreadable", e)),
    }
}

/// Store the rules (checked by `EligibilityRules::validate` first) in the caller's
/// transaction, so the change and its access-log entry land together.
pub async fn set_rules(tx: &mut Tx, rules: &EligibilityRules, now: DateTime<Utc>) -> Result<()> {
    let text = serde_json::to_string(rules)
        .map_err(|e| StoreError::internal("eligibility rules not serialisable", e))?;
    execute!(
        tx,
        "INSERT INTO settings (key, value, updated_at) VALUES ($1, $2, $3) \
         ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
        ELIGIBILITY,
        text,
        now
    )?;
    Ok(())
}

fn codes<T: Copy>(items: &[T], code: impl Fn(T) -> &'static str) -> String {
    items.iter().map(|x| code(*x)).collect::<Vec<_>>().join(",")
}

fn parse_list<T>(
    text: &str,
    parse: impl Fn(&str) -> std::result::Result<T, domain::RuleError>,
) -> Vec<T> {
    text.split(',')
        .filter(|s| !s.is_empty())
        .filter_map(|s| parse(s).ok())
        .collect()
}

fn hhmm(t: Option<NaiveTime>) -> Option<String> {
    t.map(|t| t.format("%H:%M").to_string())
}

fn time_of(s: &str) -> Option<NaiveTime> {
    NaiveTime::parse_from_str(s, "%H:%M").ok()
}

/// A request as stored. `living_alone`, `severe_disability`, `immobile`, `age`, `reason` and
/// `eligible_by` are the sensitive part: reveal them only after the policy and log it.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct Request {
    pub id: i64,
    pub department_id: i64,
    pub owner_id: Option<i64>,
    pub name: String,
    pub birth_date: Option<String>,
    pub age: Option<i64>,
    pub phone: String,
    pub address: String,
    pub lat: f64,
    pub lon: f64,
    pub caller: String,
    pub channel: String,
    pub reason: String,
    pub living_alone: bool,
    pub severe_disability: bool,
    pub immobile: bool,
    pub eligible_by: String,
    pub services: String,
    pub preferred_days: String,
    pub window_start: Option<String>,
    pub window_end: Option<String>,
    pub state: String,
    pub state_reason: String,
    pub created_at: DateTime<Utc>,
}

impl Request {
    pub fn services(&self) -> Vec<Service> {
        parse_list(&self.services, Service::parse)
    }

    pub fn eligible_by(&self) -> Vec<Condition> {
        parse_list(&self.eligible_by, Condition::parse)
    }

    pub fn state(&self) -> RequestState {
        RequestState::parse(&self.state).unwrap_or(RequestState::Received)
    }

    pub fn window(&self) -> Option<(NaiveTime, NaiveTime)> {
        Some((
            time_of(self.window_start.as_deref()?)?,
            time_of(self.window_end.as_deref()?)?,
        ))
    }
}

const REQUEST_COLUMNS: &str = "id, department_id, owner_id, name, birth_date, age, phone, address, lat, lon, caller, \
     channel, reason, living_alone, severe_disability, immobile, eligible_by, services, preferred_days, \
     window_start, window_end, state, state_reason, created_at";

/// Store a checked request (the caller ran `hv::check_request`): eligible at once, with the
/// combination met.
pub async fn create_request(
    tx: &mut Tx,
    department_id: i64,
    owner: Option<AccountId>,
    d: &RequestDraft,
    eligible_by: &[Condition],
    now: DateTime<Utc>,
) -> Result<Request> {
    let (id,): (i64,) = fetch_one!(
        &mut *tx,
        _,
        "INSERT INTO home_visit_requests (department_id, owner_id, name, birth_date, age, phone, address, \
         lat, lon, caller, channel, reason, living_alone, severe_disability, immobile, eligible_by, consent_at, \
         services, preferred_days, window_start, window_end, state, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, \
         'eligible', $17, $17) RETURNING id",
        department_id,
        owner,
        d.name.trim(),
        d.birth_date.map(|b| b.to_string()),
        d.age.map(i64::from),
        d.phone.trim(),
        d.address.trim(),
        d.lat,
        d.lon,
        d.caller.map(|c| c.as_str()).unwrap_or("self"),
        d.channel.map(|c| c.as_str()).unwrap_or("phone"),
        d.reason.trim(),
        d.basis.living_alone,
        d.basis.severe_disability,
        d.basis.immobile,
        codes(eligible_by, Condition::as_str),
        now,
        codes(&d.services, Service::as_str),
        d.preferred_days.trim(),
        hhmm(d.window_start),
        hhmm(d.window_end)
    )?;
    request_on(&mut *tx, id).await
}

async fn request_on<'a>(on: impl Target<'a>, id: i64) -> Result<Request> {
    let sql = format!("SELECT {REQUEST_COLUMNS} FROM home_visit_requests WHERE id = $1");
    let row: Option<Request> = fetch_optional!(on, Request, sqlx::AssertSqlSafe(sql), id)?;
    row.ok_or(StoreError::NotFound)
}

pub async fn request(db: &Db, id: i64) -> Result<Request> {
    request_on(db, id).await
}

/// Every request, newest first; the web layer keeps those the caller may read.
pub async fn requests(db: &Db) -> Result<Vec<Request>> {
    let sql = format!("SELECT {REQUEST_COLUMNS} FROM home_visit_requests ORDER BY id DESC");
    Ok(fetch_all!(db, Request, sqlx::AssertSqlSafe(sql))?)
}

/// The staff of every round a request is in (it is shared with them).
pub async fn request_staff(db: &Db, request_id: i64) -> Result<Vec<AccountId>> {
    let rows: Vec<(i64,)> = fetch_all!(
        db,
        _,
        "SELECT DISTINCT m.account_id FROM home_visit_stops s \
         JOIN home_visit_teams t ON t.round_id = s.round_id \
         JOIN home_visit_team_members m ON m.team_id = t.id WHERE s.request_id = $1",
        request_id
    )?;
    Ok(rows.into_iter().map(|r| r.0).collect())
}

/// Pairs of (id, account) grouped by id: the staff of every request or round at once.
fn staff_by(rows: Vec<(i64, i64)>) -> HashMap<i64, Vec<AccountId>> {
    let mut out: HashMap<i64, Vec<AccountId>> = HashMap::new();
    for (id, account) in rows {
        out.entry(id).or_default().push(account);
    }
    out
}

/// [`request_staff`] of every request in one query (for the list the caller may read).
pub async fn staff_by_request(db: &Db) -> Result<HashMap<i64, Vec<AccountId>>> {
    let rows: Vec<(i64, i64)> = fetch_all!(
        db,
        _,
        "SELECT DISTINCT s.request_id, m.account_id FROM home_visit_stops s \
         JOIN home_visit_teams t ON t.round_id = s.round_id \
         JOIN home_visit_team_members m ON m.team_id = t.id ORDER BY s.request_id, m.account_id"
    )?;
    Ok(staff_by(rows))
}

// ---------------------------------------------------------------------------------------------
// Rounds and teams

#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct Round {
    pub id: i64,
    pub department_id: i64,
    pub day: String,
    pub area: String,
    pub state: String,
    pub created_at: DateTime<Utc>,
}

impl Round {
    pub fn state(&self) -> RoundState {
        RoundState::parse(&self.state).unwrap_or(RoundState::Draft)
    }

    pub fn date(&self) -> Option<NaiveDate> {
        self.day.parse().ok()
    }
}

pub async fn create_round(
    tx: &mut Tx,
    department_id: i64,
    day: NaiveDate,
    area: &str,
    by: AccountId,
    now: DateTime<Utc>,
) -> Result<Round> {
    let (id,): (i64,) = fetch_one!(
        &mut *tx,
        _,
        "INSERT INTO home_visit_rounds (department_id, day, area, state, created_by, created_at, updated_at) \
         VALUES ($1, $2, $3, 'draft', $4, $5, $5) RETURNING id",
        department_id,
        day.to_string(),
        area.trim(),
        by,
        now
    )?;
    round_on(&mut *tx, id).await
}

async fn round_on<'a>(on: impl Target<'a>, id: i64) -> Result<Round> {
    let row: Option<Round> = fetch_optional!(
        on,
        Round,
        "SELECT id, department_id, day, area, state, created_at FROM home_visit_rounds WHERE id = $1",
        id
    )?;
    row.ok_or(StoreError::NotFound)
}

pub async fn round(db: &Db, id: i64) -> Result<Round> {
    round_on(db, id).await
}

pub async fn rounds(db: &Db) -> Result<Vec<Round>> {
    Ok(fetch_all!(
        db,
        Round,
        "SELECT id, department_id, day, area, state, created_at FROM home_visit_rounds ORDER BY day DESC, id DESC"
    )?)
}

/// Move a round to a state.
pub async fn set_round_state(
    tx: &mut Tx,
    id: i64,
    state: RoundState,
    now: DateTime<Utc>,
) -> Result<()> {
    execute_one!(
        tx,
        "UPDATE home_visit_rounds SET state = $2, updated_at = $3 WHERE id = $1",
        id,
        state.as_str(),
        now
    )?;
    Ok(())
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Team {
    pub id: i64,
    pub round_id: i64,
    pub name: String,
    pub starts: String,
    pub ends: String,
    pub break_start: Option<String>,
    pub break_minutes: i64,
    pub max_visits: i64,
    pub skills: Vec<Kit>,
    pub start_label: String,
    pub start_lat: f64,
    pub start_lon: f64,
    /// Members as (account id, display name).
    pub members: Vec<(AccountId, String)>,
}

impl Team {
    pub fn input(&self) -> TeamInput {
        let at = |s: &str| time_of(s).unwrap_or_default();
        TeamInput {
            team_id: self.id as u64,
            name: self.name.clone(),
            starts: at(&self.starts),
            ends: at(&self.ends),
            break_start: self.break_start.as_deref().and_then(time_of),
            break_minutes: u32::try_from(self.break_minutes).unwrap_or(0),
            max_visits: u32::try_from(self.max_visits).unwrap_or(0),
            skills: self.skills.clone(),
            start: (self.start_lat, self.start_lon),
        }
    }
}

/// Add a checked team (the caller ran `hv::check_team`) to a draft round.
pub async fn add_team(tx: &mut Tx, round_id: i64, t: &TeamDraft) -> Result<i64> {
    let (id,): (i64,) = fetch_one!(
        &mut *tx,
        _,
        "INSERT INTO home_visit_teams (round_id, name, starts, ends, break_start, break_minutes, max_visits, \
         skills, start_label, start_lat, start_lon) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
        round_id,
        t.name.trim(),
        hhmm(t.starts).unwrap_or_default(),
        hhmm(t.ends).unwrap_or_default(),
        hhmm(t.break_start),
        i64::from(t.break_minutes),
        i64::from(t.max_visits),
        codes(&t.skills, Kit::as_str),
        t.start_label.trim(),
        t.start_lat,
        t.start_lon
    )?;
    for m in &t.members {
        execute!(
            &mut *tx,
            "INSERT INTO home_visit_team_members (team_id, account_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
            id,
            *m
        )?;
    }
    Ok(id)
}

pub async fn teams(db: &Db, round_id: i64) -> Result<Vec<Team>> {
    type Row = (
        i64,
        String,
        String,
        String,
        Option<String>,
        i64,
        i64,
        String,
        String,
        f64,
        f64,
    );
    let rows: Vec<Row> = fetch_all!(
        db,
        _,
        "SELECT id, name, starts, ends, break_start, break_minutes, max_visits, skills, start_label, start_lat, \
         start_lon FROM home_visit_teams WHERE round_id = $1 ORDER BY id",
        round_id
    )?;
    let members: Vec<(i64, i64, String)> = fetch_all!(
        db,
        _,
        "SELECT m.team_id, a.id, a.display_name FROM home_visit_team_members m \
         JOIN home_visit_teams t ON t.id = m.team_id JOIN accounts a ON a.id = m.account_id \
         WHERE t.round_id = $1 ORDER BY a.display_name",
        round_id
    )?;
    Ok(rows
        .into_iter()
        .map(|r| Team {
            id: r.0,
            round_id,
            name: r.1,
            starts: r.2,
            ends: r.3,
            break_start: r.4,
            break_minutes: r.5,
            max_visits: r.6,
            skills: parse_list(&r.7, Kit::parse),
            start_label: r.8,
            start_lat: r.9,
            start_lon: r.10,
            members: members
                .iter()
                .filter(|m| m.0 == r.0)
                .map(|m| (m.1, m.2.clone()))
                .collect(),
        })
        .collect())
}

/// Everyone on the round's teams (the round is shared with them).
pub async fn round_staff(db: &Db, round_id: i64) -> Result<Vec<AccountId>> {
    let rows: Vec<(i64,)> = fetch_all!(
        db,
        _,
        "SELECT DISTINCT m.account_id FROM home_visit_team_members m \
         JOIN home_visit_teams t ON t.id = m.team_id WHERE t.round_id = $1",
        round_id
    )?;
    Ok(rows.into_iter().map(|r| r.0).collect())
}

/// [`round_staff`] of every round in one query (for the list the caller may read).
pub async fn staff_by_round(db: &Db) -> Result<HashMap<i64, Vec<AccountId>>> {
    let rows: Vec<(i64, i64)> = fetch_all!(
        db,
        _,
        "SELECT DISTINCT t.round_id, m.account_id FROM home_visit_team_members m \
         JOIN home_visit_teams t ON t.id = m.team_id ORDER BY t.round_id, m.account_id"
    )?;
    Ok(staff_by(rows))
}

// ---------------------------------------------------------------------------------------------
// Stops

/// A request in a round, with what the planner decided and what happened.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct Stop {
    pub id: i64,
    pub round_id: i64,
    pub request_id: i64,
    pub team_id: Option<i64>,
    pub position: Option<i64>,
    pub arrival: Option<String>,
    pub departure: Option<String>,
    pub left_out: String,
    pub left_out_en: String,
    pub name: String,
    pub phone: String,
    pub address: String,
    pub lat: f64,
    pub lon: f64,
    pub services: String,
    pub window_start: Option<String>,
    pub window_end: Option<String>,
    pub outcome: Option<String>,
}

impl Stop {
    pub fn services(&self) -> Vec<Service> {
        parse_list(&self.services, Service::parse)
    }

    pub fn input(&self) -> VisitInput {
        VisitInput {
            stop_id: self.id as u64,
            label: self.name.clone(),
            lat: self.lat,
            lon: self.lon,
            services: self.services(),
            window: self
                .window_start
                .as_deref()
                .and_then(time_of)
                .zip(self.window_end.as_deref().and_then(time_of)),
        }
    }
}

/// The round's stops: placed ones by team and position, then those left out.
pub async fn stops(db: &Db, round_id: i64) -> Result<Vec<Stop>> {
    Ok(fetch_all!(
        db,
        Stop,
        "SELECT s.id, s.round_id, s.request_id, s.team_id, s.position, s.arrival, s.departure, s.left_out, \
         s.left_out_en, r.name, r.phone, r.address, r.lat, r.lon, r.services, r.window_start, r.window_end, \
         o.outcome FROM home_visit_stops s JOIN home_visit_requests r ON r.id = s.request_id \
         LEFT JOIN home_visit_outcomes o ON o.stop_id = s.id WHERE s.round_id = $1 \
         ORDER BY s.team_id IS NULL, s.team_id, s.position, s.id",
        round_id
    )?)
}

/// Put eligible requests into a round (scheduled); a request already scheduled is refused.
pub async fn add_requests(
    tx: &mut Tx,
    round_id: i64,
    request_ids: &[i64],
    now: DateTime<Utc>,
) -> Result<()> {
    for id in request_ids {
        let moved = execute!(
            &mut *tx,
            "UPDATE home_visit_requests SET state = 'scheduled', updated_at = $2 \
             WHERE id = $1 AND state = 'eligible'",
            *id,
            now
        )?;
        if moved == 0 {
            return Err(StoreError::conflict(
                format!("신청 {id}번은 일정에 넣을 수 있는 상태(대상 확인)가 아닙니다"),
                format!("request {id} is not waiting to be scheduled (eligible)"),
            ));
        }
        execute!(
            &mut *tx,
            "INSERT INTO home_visit_stops (round_id, request_id) VALUES ($1, $2)",
            round_id,
            *id
        )?;
    }
    execute!(
        &mut *tx,
        "UPDATE home_visit_rounds SET state = 'draft', updated_at = $2 WHERE id = $1",
        round_id,
        now
    )?;
    Ok(())
}

/// Save a plan: every stop's team, position and times, or why it was left out; the round
/// becomes `state` (planned by the solver, adjusted by hand).
pub async fn save_plan(
    tx: &mut Tx,
    round_id: i64,
    placed: &[Placed],
    left: &[LeftOut],
    state: RoundState,
    now: DateTime<Utc>,
) -> Result<()> {
    execute!(
        &mut *tx,
        "UPDATE home_visit_stops SET team_id = NULL, position = NULL, arrival = NULL, departure = NULL, \
         left_out = '', left_out_en = '' WHERE round_id = $1",
        round_id
    )?;
    for p in placed {
        execute_one!(
            &mut *tx,
            "UPDATE home_visit_stops SET team_id = $3, position = $4, arrival = $5, departure = $6 \
             WHERE id = $1 AND round_id = $2",
            p.stop_id as i64,
            round_id,
            p.team_id as i64,
            i64::from(p.position),
            hv::clock(p.arrival),
            hv::clock(p.departure)
        )?;
    }
    for l in left {
        execute_one!(
            &mut *tx,
            "UPDATE home_visit_stops SET left_out = $3, left_out_en = $4 WHERE id = $1 AND round_id = $2",
            l.stop_id as i64,
            round_id,
            &l.ko,
            &l.en
        )?;
    }
    set_round_state(tx, round_id, state, now).await
}

// ---------------------------------------------------------------------------------------------
// Outcomes

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Recorded {
    pub stop_id: i64,
    pub outcome: Outcome,
    pub request_state: RequestState,
    pub petition_id: Option<i64>,
    /// The outbox row that tells the resident.
    pub message_id: i64,
}

/// Record what happened at the door of a stop of this round, move its request on, and queue
/// the message to the resident, in the caller's transaction (with the petition filed on site,
/// when there is one). A stop of another round, or one already recorded, is refused.
#[allow(clippy::too_many_arguments)]
pub async fn record_outcome(
    tx: &mut Tx,
    round_id: i64,
    stop_id: i64,
    outcome: Outcome,
    method: Option<IdentityMethod>,
    notes: &str,
    petition_id: Option<i64>,
    by: AccountId,
    now: DateTime<Utc>,
) -> Result<Recorded> {
    let stop: Option<(i64, i64, String)> = fetch_optional!(
        &mut *tx,
        _,
        "SELECT s.request_id, s.round_id, r.phone FROM home_visit_stops s \
         JOIN home_visit_requests r ON r.id = s.request_id WHERE s.id = $1",
        stop_id
    )?;
    let Some((request_id, of_round, phone)) = stop.filter(|s| s.1 == round_id) else {
        return Err(StoreError::conflict(
            "이 방문 일정의 방문지가 아닙니다",
            "this stop is not part of this round",
        ));
    };
    let _ = of_round;
    if !round_on(&mut *tx, round_id).await?.state().visiting() {
        return Err(StoreError::conflict(
            "확정(배부)된 방문 일정에만 결과를 기록합니다",
            "outcomes are recorded only on a published round",
        ));
    }
    // A failed identity check is that outcome, whatever was chosen.
    let outcome = if method == Some(IdentityMethod::Failed) {
        Outcome::IdentityFailed
    } else {
        outcome
    };
    let taken = execute!(
        &mut *tx,
        "INSERT INTO home_visit_outcomes (stop_id, outcome, identity_method, notes, petition_id, recorded_by, recorded_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (stop_id) DO NOTHING",
        stop_id,
        outcome.as_str(),
        // Blank when nobody opened the door.
        method.map_or("", |m| m.as_str()),
        notes.trim(),
        petition_id,
        by,
        now
    )?;
    if taken == 0 {
        return Err(StoreError::conflict(
            "이 방문지의 결과는 이미 기록했습니다",
            "the outcome of this stop is already recorded",
        ));
    }
    let state = outcome.request_state();
    execute_one!(
        &mut *tx,
        "UPDATE home_visit_requests SET state = $2, updated_at = $3 WHERE id = $1",
        request_id,
        state.as_str(),
        now
    )?;
    let (ko, en) = outcome.message();
    let message_id = outbox::enqueue(
        &mut *tx,
        Channel::Sms,
        &phone,
        "찾아가는 민원 (Home visit)",
        &format!("{ko}\n{en}"),
        now,
    )
    .await?;
    execute!(
        &mut *tx,
        "UPDATE home_visit_outcomes SET message_id = $2 WHERE stop_id = $1",
        stop_id,
        message_id
    )?;
    execute!(
        &mut *tx,
        "UPDATE home_visit_rounds SET state = 'in_progress', updated_at = $2 WHERE id = $1 AND state = 'published'",
        round_id,
        now
    )?;
    Ok(Recorded {
        stop_id,
        outcome,
        request_state: state,
        petition_id,
        message_id,
    })
}

/// An outcome as recorded.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct OutcomeRow {
    pub stop_id: i64,
    pub outcome: String,
    pub identity_method: String,
    pub notes: String,
    pub petition_id: Option<i64>,
    pub message_id: Option<i64>,
    pub recorded_by: i64,
    pub recorded_at: DateTime<Utc>,
}

pub async fn outcome(db: &Db, stop_id: i64) -> Result<Option<OutcomeRow>> {
    Ok(fetch_optional!(
        db,
        OutcomeRow,
        "SELECT stop_id, outcome, identity_method, notes, petition_id, message_id, recorded_by, recorded_at \
         FROM home_visit_outcomes WHERE stop_id = $1",
        stop_id
    )?)
}

/// Close a round once every placed stop has an outcome.
pub async fn complete_if_done(tx: &mut Tx, round_id: i64, now: DateTime<Utc>) -> Result<bool> {
    let (open,): (i64,) = fetch_one!(
        &mut *tx,
        _,
        "SELECT COUNT(*) FROM home_visit_stops s LEFT JOIN home_visit_outcomes o ON o.stop_id = s.id \
         WHERE s.round_id = $1 AND s.team_id IS NOT NULL AND o.stop_id IS NULL",
        round_id
    )?;
    if open > 0 {
        return Ok(false);
    }
    execute!(
        &mut *tx,
        "UPDATE home_visit_rounds SET state = 'completed', updated_at = $2 WHERE id = $1",
        round_id,
        now
    )?;
    Ok(true)
}

/// Publish a planned round: the visits left out go back to wait for another round (their
/// stops removed), and the round's sheets are final.
pub async fn publish(tx: &mut Tx, round_id: i64, now: DateTime<Utc>) -> Result<usize> {
    let left: Vec<(i64, i64)> = fetch_all!(
        &mut *tx,
        _,
        "SELECT id, request_id FROM home_visit_stops WHERE round_id = $1 AND team_id IS NULL",
        round_id
    )?;
    for (stop, request) in &left {
        execute!(
            &mut *tx,
            "UPDATE home_visit_requests SET state = 'eligible', updated_at = $2 WHERE id = $1",
            *request,
            now
        )?;
        execute!(
            &mut *tx,
            "DELETE FROM home_visit_stops WHERE id = $1",
            *stop
        )?;
    }
    set_round_state(tx, round_id, RoundState::Published, now).await?;
    Ok(left.len())
}
