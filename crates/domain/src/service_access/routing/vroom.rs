//! VROOM's JSON problem and solution format (VROOM-Project/vroom `docs/API.md`), read and
//! written, so an office can paste a road-network matrix or hand the problem to an external
//! VROOM. Only what home-visit rounds need is modelled: jobs (no shipments), vehicles with
//! working hours, breaks, capacity, skills and `max_tasks`, and custom duration matrices.
//! Unknown keys are ignored when reading.

use std::collections::{BTreeMap, HashSet};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::error::{Issues, ProblemError};

/// `[lon, lat]` in degrees, VROOM's order.
pub type Coordinates = [f64; 2];
/// `[start, end]` in seconds, both ends inclusive.
pub type TimeWindow = [u64; 2];

fn is_zero(v: &u64) -> bool {
    *v == 0
}
fn is_zero_u32(v: &u32) -> bool {
    *v == 0
}

/// A route-planning problem in VROOM's input format.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Problem {
    #[serde(default)]
    pub jobs: Vec<Job>,
    #[serde(default)]
    pub vehicles: Vec<Vehicle>,
    /// Per routing profile (`car`, …) custom matrices.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub matrices: BTreeMap<String, Matrices>,
    /// The older top-level duration matrix (deprecated in VROOM, still read).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub matrix: Option<Vec<Vec<u64>>>,
}

/// A place to visit (방문지): one home visit.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Job {
    pub id: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<Coordinates>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location_index: Option<usize>,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub setup: u64,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub service: u64,
    /// The older name of `delivery`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<Vec<u64>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delivery: Option<Vec<u64>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pickup: Option<Vec<u64>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub skills: Vec<u32>,
    #[serde(default, skip_serializing_if = "is_zero_u32")]
    pub priority: u32,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub time_windows: Vec<TimeWindow>,
}

/// A team (방문팀) with its working hours, breaks and what it can carry.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Vehicle {
    pub id: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start: Option<Coordinates>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_index: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end: Option<Coordinates>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_index: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capacity: Option<Vec<u64>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub skills: Vec<u32>,
    /// Working hours.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_window: Option<TimeWindow>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub breaks: Vec<Break>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_tasks: Option<usize>,
    /// A route fixed in advance (VROOM's plan mode input); see [`Problem::planned_routes`].
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub steps: Vec<VehicleStep>,
}

/// One step of a route fixed in advance. Minwon reads the order of the `job` steps; the
/// `service_*` bounds are kept for an external VROOM but not enforced here.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VehicleStep {
    #[serde(rename = "type")]
    pub kind: StepType,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_at: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_after: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_before: Option<u64>,
}

impl Vehicle {
    /// VROOM's default profile is `car`.
    pub fn profile(&self) -> &str {
        self.profile.as_deref().unwrap_or("car")
    }
}

/// A break (휴식) taken where the team is, within one of its windows.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Break {
    pub id: u64,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub time_windows: Vec<TimeWindow>,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub service: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// The custom matrices of one profile; only travel durations are used.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Matrices {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub durations: Option<Vec<Vec<u64>>>,
}

/// A solution in VROOM's output format; Minwon adds a reason to each unassigned job.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Solution {
    /// 0 when solved; VROOM uses 1 internal, 2 input, 3 routing error.
    pub code: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    #[serde(default)]
    pub summary: Summary,
    #[serde(default)]
    pub unassigned: Vec<Unassigned>,
    #[serde(default)]
    pub routes: Vec<Route>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Summary {
    /// Total travel duration in seconds (VROOM's default cost).
    #[serde(default)]
    pub cost: u64,
    #[serde(default)]
    pub routes: usize,
    #[serde(default)]
    pub unassigned: usize,
    #[serde(default)]
    pub setup: u64,
    #[serde(default)]
    pub service: u64,
    /// Total travel time.
    #[serde(default)]
    pub duration: u64,
    #[serde(default)]
    pub waiting_time: u64,
    #[serde(default)]
    pub priority: u64,
    #[serde(default)]
    pub violations: Vec<Violation>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delivery: Option<Vec<u64>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pickup: Option<Vec<u64>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub distance: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Route {
    pub vehicle: u64,
    #[serde(default)]
    pub steps: Vec<Step>,
    #[serde(default)]
    pub cost: u64,
    #[serde(default)]
    pub setup: u64,
    #[serde(default)]
    pub service: u64,
    /// Travel time of this route.
    #[serde(default)]
    pub duration: u64,
    #[serde(default)]
    pub waiting_time: u64,
    #[serde(default)]
    pub priority: u64,
    #[serde(default)]
    pub violations: Vec<Violation>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delivery: Option<Vec<u64>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pickup: Option<Vec<u64>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub distance: Option<u64>,
}

impl Route {
    /// The job ids in visiting order.
    pub fn job_ids(&self) -> Vec<u64> {
        self.steps
            .iter()
            .filter(|s| s.kind == StepType::Job)
            .filter_map(|s| s.id)
            .collect()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StepType {
    Start,
    Job,
    Pickup,
    Delivery,
    Break,
    End,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Step {
    #[serde(rename = "type")]
    pub kind: StepType,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<Coordinates>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location_index: Option<usize>,
    /// Arrival time at this step.
    #[serde(default)]
    pub arrival: u64,
    /// Travel time so far, on arrival.
    #[serde(default)]
    pub duration: u64,
    #[serde(default)]
    pub setup: u64,
    #[serde(default)]
    pub service: u64,
    #[serde(default)]
    pub waiting_time: u64,
    #[serde(default)]
    pub violations: Vec<Violation>,
    /// Load after this step, when there are capacities.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub load: Option<Vec<u64>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub distance: Option<u64>,
}

/// A broken constraint in plan mode: `delay` (late for a window or past the shift, with the
/// seconds late), `load`, `max_tasks`, `skills`, `missing_break`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Violation {
    pub cause: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration: Option<u64>,
}

impl Violation {
    /// What the violation means for staff, in Korean and English.
    pub fn text(&self) -> crate::Bilingual {
        let minutes = self.duration.map(|d| d.div_ceil(60)).unwrap_or(0);
        match self.cause.as_str() {
            "delay" => crate::Bilingual::new(
                format!("{minutes}분 늦습니다"),
                format!("{minutes} min late"),
            ),
            "lead_time" => crate::Bilingual::new(
                format!("{minutes}분 이릅니다"),
                format!("{minutes} min early"),
            ),
            "load" => crate::Bilingual::new("적재량을 넘습니다", "Over capacity"),
            "max_tasks" => {
                crate::Bilingual::new("최대 방문 수를 넘습니다", "More visits than allowed")
            }
            "skills" => crate::Bilingual::new(
                "필요한 장비·자격이 없는 팀입니다",
                "The team lacks a required skill",
            ),
            "missing_break" => crate::Bilingual::new("휴식이 빠졌습니다", "A break is missing"),
            other => crate::Bilingual::new(
                format!("제약 위반: {other}"),
                format!("Constraint broken: {other}"),
            ),
        }
    }
}

/// A job left out of every route, and (Minwon's addition) why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Unassigned {
    pub id: u64,
    #[serde(rename = "type", default = "job_type")]
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<Coordinates>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location_index: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<Reason>,
}

fn job_type() -> String {
    "job".to_owned()
}

/// Why a job was left out: a stable code and the same text in Korean and English.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reason {
    pub code: String,
    pub ko: String,
    pub en: String,
}

impl Problem {
    /// Reads a problem from VROOM JSON and checks it ([`Problem::check`]).
    pub fn from_json(text: &str) -> Result<Problem, ProblemError> {
        let value: Value = serde_json::from_str(text).map_err(|e| {
            ProblemError::one(
                format!("line {}, column {}", e.line(), e.column()),
                "bad_json",
                format!("JSON 형식이 올바르지 않습니다: {e}"),
                format!("The file is not valid JSON: {e}"),
            )
        })?;
        let problem = Self::from_value(value)?;
        problem.check()?;
        Ok(problem)
    }

    /// Reads each part on its own so a wrong value is reported with its path.
    fn from_value(value: Value) -> Result<Problem, ProblemError> {
        let Value::Object(mut top) = value else {
            return Err(ProblemError::one(
                "$",
                "not_an_object",
                "문제 파일은 JSON 객체여야 합니다.",
                "The problem file must be a JSON object.",
            ));
        };
        let mut issues = Issues::default();
        if top
            .get("shipments")
            .and_then(Value::as_array)
            .is_some_and(|s| !s.is_empty())
        {
            issues.add(
                "shipments",
                "unsupported",
                "수거·배달 쌍(shipments)은 지원하지 않습니다. 방문은 jobs로 적어 주세요.",
                "Shipments are not supported; list visits as jobs.",
            );
        }
        let jobs = read_list::<Job>(top.remove("jobs"), "jobs", &mut issues);
        let vehicles = read_list::<Vehicle>(top.remove("vehicles"), "vehicles", &mut issues);
        let matrices = match top.remove("matrices") {
            None | Some(Value::Null) => BTreeMap::new(),
            Some(v) => serde_json::from_value(v).unwrap_or_else(|e| {
                issues.add(
                    "matrices",
                    "bad_value",
                    format!("값이 올바르지 않습니다: {e}"),
                    format!("Invalid value: {e}"),
                );
                BTreeMap::new()
            }),
        };
        let matrix = match top.remove("matrix") {
            None | Some(Value::Null) => None,
            Some(v) => serde_json::from_value(v).unwrap_or_else(|e| {
                issues.add(
                    "matrix",
                    "bad_value",
                    format!("값이 올바르지 않습니다: {e}"),
                    format!("Invalid value: {e}"),
                );
                None
            }),
        };
        issues.into_result()?;
        Ok(Problem {
            jobs,
            vehicles,
            matrices,
            matrix,
        })
    }

    /// The routes fixed in the vehicles' `steps` (VROOM's plan-mode input), as
    /// `(vehicle id, job ids in order)` for [`super::plan`]; vehicles without steps are left out.
    pub fn planned_routes(&self) -> Vec<(u64, Vec<u64>)> {
        self.vehicles
            .iter()
            .filter(|v| !v.steps.is_empty())
            .map(|v| {
                let jobs = v
                    .steps
                    .iter()
                    .filter(|s| s.kind == StepType::Job)
                    .filter_map(|s| s.id)
                    .collect();
                (v.id, jobs)
            })
            .collect()
    }

    /// The same problem with these routes fixed in the vehicles' `steps`, to keep a hand-made
    /// order or hand it to VROOM's plan mode.
    pub fn with_planned_routes(&self, routes: &[(u64, Vec<u64>)]) -> Problem {
        let mut out = self.clone();
        for v in &mut out.vehicles {
            v.steps.clear();
            if let Some((_, jobs)) = routes.iter().find(|(id, _)| *id == v.id) {
                let step = |kind, id| VehicleStep {
                    kind,
                    id,
                    service_at: None,
                    service_after: None,
                    service_before: None,
                };
                v.steps.push(step(StepType::Start, None));
                v.steps
                    .extend(jobs.iter().map(|j| step(StepType::Job, Some(*j))));
                v.steps.push(step(StepType::End, None));
            }
        }
        out
    }

    /// Writes the problem as VROOM JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// The duration matrix of a profile, from `matrices.<profile>.durations` or, for any
    /// profile, the older top-level `matrix`.
    pub fn durations(&self, profile: &str) -> Option<&Vec<Vec<u64>>> {
        self.matrices
            .get(profile)
            .and_then(|m| m.durations.as_ref())
            .or(self.matrix.as_ref())
    }

    /// Every rule a problem must meet before it is solved, each broken rule with its path.
    pub fn check(&self) -> Result<(), ProblemError> {
        let mut issues = Issues::default();
        self.check_matrices(&mut issues);
        if self.vehicles.is_empty() {
            issues.add(
                "vehicles",
                "no_vehicle",
                "방문팀(vehicles)이 하나도 없습니다.",
                "There is no vehicle (team).",
            );
        }
        let dims = self.amount_dimensions();
        let mut ids = HashSet::new();
        for (i, job) in self.jobs.iter().enumerate() {
            let path = format!("jobs[{i}]");
            if !ids.insert(job.id) {
                issues.add(
                    format!("{path}.id"),
                    "duplicate_id",
                    format!("방문 id {}가 두 번 이상 나옵니다.", job.id),
                    format!("Job id {} appears more than once.", job.id),
                );
            }
            // Every vehicle profile must be able to reach the job.
            for profile in self.profiles() {
                self.check_place(
                    &mut issues,
                    &path,
                    "location",
                    job.location,
                    job.location_index,
                    profile,
                );
            }
            check_windows(
                &mut issues,
                &format!("{path}.time_windows"),
                &job.time_windows,
                true,
            );
            check_seconds(&mut issues, format!("{path}.service"), job.service);
            check_seconds(&mut issues, format!("{path}.setup"), job.setup);
            if job.priority > 100 {
                issues.add(
                    format!("{path}.priority"),
                    "priority_range",
                    "우선순위(priority)는 0~100이어야 합니다.",
                    "Priority must be between 0 and 100.",
                );
            }
            for (key, amount) in [
                ("amount", &job.amount),
                ("delivery", &job.delivery),
                ("pickup", &job.pickup),
            ] {
                if let (Some(a), Some(d)) = (amount, dims)
                    && a.len() != d
                {
                    issues.add(
                        format!("{path}.{key}"),
                        "amount_dimensions",
                        format!(
                            "수량의 항목 수({})가 팀 적재량(capacity)의 항목 수({d})와 다릅니다.",
                            a.len()
                        ),
                        format!(
                            "This amount has {} values but capacities have {d}.",
                            a.len()
                        ),
                    );
                }
            }
        }
        let mut vehicle_ids = HashSet::new();
        for (i, v) in self.vehicles.iter().enumerate() {
            let path = format!("vehicles[{i}]");
            if !vehicle_ids.insert(v.id) {
                issues.add(
                    format!("{path}.id"),
                    "duplicate_id",
                    format!("팀 id {}가 두 번 이상 나옵니다.", v.id),
                    format!("Vehicle id {} appears more than once.", v.id),
                );
            }
            let has_start = v.start.is_some() || v.start_index.is_some();
            let has_end = v.end.is_some() || v.end_index.is_some();
            if !has_start && !has_end {
                issues.add(
                    path.clone(),
                    "no_start_or_end",
                    "팀의 출발지(start)와 도착지(end)가 모두 없습니다. 하나는 있어야 합니다.",
                    "The vehicle has neither a start nor an end; at least one is needed.",
                );
            }
            if has_start {
                self.check_place(
                    &mut issues,
                    &path,
                    "start",
                    v.start,
                    v.start_index,
                    v.profile(),
                );
            }
            if has_end {
                self.check_place(&mut issues, &path, "end", v.end, v.end_index, v.profile());
            }
            if let Some(tw) = v.time_window {
                check_windows(&mut issues, &format!("{path}.time_window"), &[tw], false);
            }
            let mut break_ids = HashSet::new();
            for (b, br) in v.breaks.iter().enumerate() {
                let bpath = format!("{path}.breaks[{b}]");
                if !break_ids.insert(br.id) {
                    issues.add(
                        format!("{bpath}.id"),
                        "duplicate_id",
                        format!("이 팀의 휴식 id {}가 두 번 이상 나옵니다.", br.id),
                        format!(
                            "Break id {} appears more than once for this vehicle.",
                            br.id
                        ),
                    );
                }
                check_windows(
                    &mut issues,
                    &format!("{bpath}.time_windows"),
                    &br.time_windows,
                    true,
                );
                if let Some([start, end]) = v.time_window
                    && !br.time_windows.is_empty()
                    && br
                        .time_windows
                        .iter()
                        .all(|[bs, be]| *be < start || *bs > end)
                {
                    issues.add(
                        format!("{bpath}.time_windows"),
                        "break_outside_shift",
                        "휴식 시간대가 팀의 근무시간(time_window)과 겹치지 않습니다.",
                        "The break's windows lie outside the vehicle's working hours (time_window).",
                    );
                }
                check_seconds(&mut issues, format!("{bpath}.service"), br.service);
            }
            if let (Some(c), Some(d)) = (&v.capacity, dims)
                && c.len() != d
            {
                issues.add(
                    format!("{path}.capacity"),
                    "amount_dimensions",
                    format!("적재량의 항목 수({})가 다른 팀과 다릅니다({d}).", c.len()),
                    format!("This capacity has {} values but others have {d}.", c.len()),
                );
            }
        }
        issues.into_result()
    }

    fn profiles(&self) -> Vec<&str> {
        let mut p: Vec<&str> = self.vehicles.iter().map(Vehicle::profile).collect();
        p.sort_unstable();
        p.dedup();
        p
    }

    /// The number of amount dimensions, from the first vehicle or job that has one.
    fn amount_dimensions(&self) -> Option<usize> {
        self.vehicles
            .iter()
            .find_map(|v| v.capacity.as_ref().map(Vec::len))
            .or_else(|| {
                self.jobs.iter().find_map(|j| {
                    j.delivery
                        .as_ref()
                        .or(j.amount.as_ref())
                        .or(j.pickup.as_ref())
                        .map(Vec::len)
                })
            })
    }

    fn check_matrices(&self, issues: &mut Issues) {
        let named = self.matrices.iter().filter_map(|(k, m)| {
            m.durations
                .as_ref()
                .map(|d| (format!("matrices.{k}.durations"), d))
        });
        for (path, m) in named.chain(self.matrix.iter().map(|m| ("matrix".to_owned(), m))) {
            if m.is_empty() {
                issues.add(
                    path.clone(),
                    "empty_matrix",
                    "행렬이 비어 있습니다.",
                    "The matrix is empty.",
                );
            }
            if let Some((r, c)) = m
                .iter()
                .enumerate()
                .find_map(|(r, row)| row.iter().position(|x| *x > MAX_SECONDS).map(|c| (r, c)))
            {
                check_seconds(issues, format!("{path}[{r}][{c}]"), m[r][c]);
            }
            for (r, row) in m.iter().enumerate() {
                if row.len() != m.len() {
                    issues.add(
                        format!("{path}[{r}]"),
                        "not_square",
                        format!(
                            "행렬이 정사각형이 아닙니다: 행 {}개인데 이 행의 값은 {}개입니다.",
                            m.len(),
                            row.len()
                        ),
                        format!(
                            "The matrix is not square: {} rows but this row has {} values.",
                            m.len(),
                            row.len()
                        ),
                    );
                }
            }
        }
    }

    /// A job's or vehicle's place: an index into the profile's matrix when there is one,
    /// else coordinates for the straight-line matrix.
    fn check_place(
        &self,
        issues: &mut Issues,
        path: &str,
        key: &str,
        location: Option<Coordinates>,
        index: Option<usize>,
        profile: &str,
    ) {
        let index_key = format!("{key}_index");
        if let Some(m) = self.durations(profile) {
            match index {
                Some(i) if i >= m.len() => issues.add(
                    format!("{path}.{index_key}"),
                    "index_outside_matrix",
                    format!(
                        "위치 번호 {i}가 행렬 범위(0~{})를 벗어납니다.",
                        m.len().saturating_sub(1)
                    ),
                    format!(
                        "Index {i} is outside the matrix (0 to {}).",
                        m.len().saturating_sub(1)
                    ),
                ),
                Some(_) => {}
                None => issues.add(
                    format!("{path}.{index_key}"),
                    "no_index",
                    format!("행렬을 주었으면 {index_key}(행렬의 위치 번호)가 있어야 합니다."),
                    format!(
                        "With a custom matrix, {index_key} (the row in the matrix) is required."
                    ),
                ),
            }
        } else {
            match location {
                Some([lon, lat]) if !(-180.0..=180.0).contains(&lon) || !(-90.0..=90.0).contains(&lat) => issues.add(
                    format!("{path}.{key}"),
                    "bad_coordinates",
                    "좌표는 [경도, 위도] 순서로, 경도 -180~180, 위도 -90~90이어야 합니다.",
                    "Coordinates are [lon, lat] with lon in -180..180 and lat in -90..90.",
                ),
                Some(_) => {}
                None if index.is_some() => issues.add(
                    format!("{path}.{key}"),
                    "index_without_matrix",
                    format!("{index_key}는 행렬(matrices)이 있을 때만 쓸 수 있습니다. 좌표({key})를 적어 주세요."),
                    format!("{index_key} needs a custom matrix (matrices); give coordinates ({key}) instead."),
                ),
                None => issues.add(
                    path.to_owned(),
                    "no_location",
                    format!("위치가 없습니다: {key}(좌표)나 {index_key}(행렬 위치 번호)가 필요합니다."),
                    format!("No location: {key} (coordinates) or {index_key} (a matrix row) is required."),
                ),
            }
        }
    }
}

impl crate::Halves for Reason {
    fn ko(&self) -> &str {
        &self.ko
    }
    fn en(&self) -> &str {
        &self.en
    }
}

impl Solution {
    /// VROOM's answer to bad input: code 2 and the error (both languages, every path).
    pub fn input_error(error: &ProblemError) -> Solution {
        Solution {
            code: 2,
            error: Some(crate::Halves::joined(error)),
            ..Solution::default()
        }
    }

    /// Reads a solution written by VROOM or Minwon.
    pub fn from_json(text: &str) -> Result<Solution, ProblemError> {
        serde_json::from_str(text).map_err(|e| {
            ProblemError::one(
                format!("line {}, column {}", e.line(), e.column()),
                "bad_solution",
                format!("해답 파일을 읽을 수 없습니다: {e}"),
                format!("The solution file cannot be read: {e}"),
            )
        })
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }
}

/// Reads a list element by element so an error names the element (`jobs[3]: …`).
fn read_list<T: serde::de::DeserializeOwned>(
    value: Option<Value>,
    key: &str,
    issues: &mut Issues,
) -> Vec<T> {
    match value {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => items
            .into_iter()
            .enumerate()
            .filter_map(|(i, item)| match serde_json::from_value(item) {
                Ok(t) => Some(t),
                Err(e) => {
                    issues.add(
                        format!("{key}[{i}]"),
                        "bad_value",
                        format!("값이 올바르지 않습니다: {e}"),
                        format!("Invalid value: {e}"),
                    );
                    None
                }
            })
            .collect(),
        Some(_) => {
            issues.add(
                key,
                "not_a_list",
                "목록(배열)이어야 합니다.",
                "Must be an array.",
            );
            Vec::new()
        }
    }
}

/// VROOM keeps durations in 32 bits; larger values are a mistake (and would overflow sums).
pub const MAX_SECONDS: u64 = u32::MAX as u64;

fn check_seconds(issues: &mut Issues, path: String, value: u64) {
    if value > MAX_SECONDS {
        issues.add(
            path,
            "too_large",
            format!("{value}초는 너무 큽니다. {MAX_SECONDS}초 이하여야 합니다."),
            format!("{value} seconds is too large; at most {MAX_SECONDS}."),
        );
    }
}

fn check_windows(issues: &mut Issues, path: &str, windows: &[TimeWindow], indexed: bool) {
    for (k, [start, end]) in windows.iter().enumerate() {
        if end < start {
            let at = if indexed {
                format!("{path}[{k}]")
            } else {
                path.to_owned()
            };
            issues.add(
                at,
                "window_reversed",
                format!("시간대의 끝({end})이 시작({start})보다 앞섭니다."),
                format!("The time window ends ({end}) before it starts ({start})."),
            );
        }
    }
}
