//! Route planning for home-visit rounds (찾아가는 종합민원실 방문 경로, issue 18 item 9).
//!
//! * [`vroom`]: VROOM's JSON problem and solution format, read (with errors that say where)
//!   and written, so an office can paste a road-network matrix or use an external VROOM.
//! * [`matrix`]: the default travel times, straight line × detour factor at a set speed.
//! * [`solve`]: Minwon's own solver behind the [`Solver`] trait; jobs it cannot place are
//!   listed with a reason in Korean and English.
//! * [`plan`]: staff reorder a route by hand; it is re-timed, not re-optimised, and every
//!   broken rule is reported per step.
//!
//! Pure: no I/O. The only clock is the solver's stopwatch for its time budget.
//!
//! ```
//! use domain::service_access::routing::{Job, Problem, SolveOptions, Vehicle, plan, solve};
//! # fn main() -> Result<(), domain::service_access::routing::ProblemError> {
//! let office = [126.9015, 37.5663]; // [lon, lat]
//! let problem = Problem {
//!     jobs: vec![Job {
//!         id: 41,
//!         location: Some([126.91, 37.57]),
//!         service: 1200,
//!         time_windows: vec![[9 * 3600, 12 * 3600]],
//!         skills: vec![2],
//!         ..Job::default()
//!     }],
//!     vehicles: vec![Vehicle {
//!         id: 7,
//!         start: Some(office),
//!         end: Some(office),
//!         time_window: Some([9 * 3600, 18 * 3600]),
//!         skills: vec![2],
//!         max_tasks: Some(12),
//!         ..Vehicle::default()
//!     }],
//!     ..Problem::default()
//! };
//! let planned = solve(&problem, &SolveOptions::default())?;
//! assert_eq!(planned.routes[0].job_ids(), vec![41]);
//! let retimed = plan(&problem, &[(7, vec![41])])?;
//! assert!(retimed.summary.violations.is_empty());
//! # Ok(())
//! # }
//! ```

pub mod error;
pub mod matrix;
mod model;
mod solve;
#[cfg(test)]
mod tests;
pub mod vroom;

use std::time::{Duration, Instant};

pub use error::{Issue, ProblemError};
pub use matrix::{MatrixOptions, haversine_m, straight_line_seconds, with_matrix};
pub use vroom::{
    Break, Coordinates, Job, Matrices, Problem, Reason, Route, Solution, Step, StepType, Summary,
    TimeWindow, Unassigned, Vehicle, VehicleStep, Violation,
};

use model::Instance;

/// How hard and how the solver searches.
#[derive(Debug, Clone, PartialEq)]
pub struct SolveOptions {
    /// The same seed gives the same plan, unless the time budget cuts the search short.
    pub seed: u64,
    /// Ruin-and-recreate rounds of each search.
    pub iterations: u64,
    /// Independent searches from the first plan, each with its own seed; the best wins.
    pub restarts: u32,
    /// Wall-clock cap; the search stops at whichever budget runs out first.
    pub time_budget: Duration,
    /// Travel times when the problem carries no matrix.
    pub matrix: MatrixOptions,
    /// Simulated annealing from this to that temperature, in multiples of the mean leg.
    pub start_temperature: f64,
    pub end_temperature: f64,
    /// Visits removed per round on average, and the longest string removed from one route.
    pub mean_removed: f64,
    pub max_string: f64,
    /// Chance to skip a candidate place while reinserting (SISR's blinks).
    pub blink: f64,
}

impl Default for SolveOptions {
    fn default() -> Self {
        Self {
            seed: 1,
            iterations: 6_000,
            restarts: 12,
            time_budget: Duration::from_millis(800),
            matrix: MatrixOptions::default(),
            start_temperature: 0.05,
            end_temperature: 0.001,
            mean_removed: 8.0,
            max_string: 8.0,
            blink: 0.01,
        }
    }
}

/// A route planner: Minwon's own ([`LocalSolver`]), or an external VROOM behind the same
/// format.
pub trait Solver {
    fn solve(&self, problem: &Problem, options: &SolveOptions) -> Result<Solution, ProblemError>;
}

/// Minwon's built-in solver.
#[derive(Debug, Clone, Copy, Default)]
pub struct LocalSolver;

impl Solver for LocalSolver {
    fn solve(&self, problem: &Problem, options: &SolveOptions) -> Result<Solution, ProblemError> {
        let began = Instant::now();
        problem.check()?;
        let inst = Instance::new(problem, &options.matrix);
        let mut search = solve::Search::new(&inst);
        let first = search.construct();
        let mut best = first.clone();
        for k in 0..options.restarts.max(1) {
            // Each search may use what is left of the time budget, so the budget only bites
            // (and the plan only depends on the machine's speed) when the searches overrun it.
            let left = options.time_budget.saturating_sub(began.elapsed());
            if left.is_zero() {
                break;
            }
            let seeded = SolveOptions {
                seed: options
                    .seed
                    .wrapping_add(u64::from(k).wrapping_mul(0x9E37_79B9)),
                ..options.clone()
            };
            let found = search.improve(first.clone(), &seeded, Instant::now(), left);
            if search.objective(&found) < search.objective(&best) {
                best = found;
            }
        }
        let unassigned = best
            .unassigned
            .iter()
            .map(|&j| (j, model::reason(&inst, &best.routes, j)))
            .collect();
        Ok(model::solution(problem, &inst, &best.routes, unassigned))
    }
}

/// Plans the rounds: every visit placed where it can be, total travel time minimised.
pub fn solve(problem: &Problem, options: &SolveOptions) -> Result<Solution, ProblemError> {
    LocalSolver.solve(problem, options)
}

/// Plan mode: times the given routes (vehicle id, job ids in order) without reordering them,
/// with the default straight-line matrix when the problem has none.
pub fn plan(problem: &Problem, routes: &[(u64, Vec<u64>)]) -> Result<Solution, ProblemError> {
    plan_with(problem, routes, &MatrixOptions::default())
}

/// Plan mode with a chosen straight-line model. Every arrival, wait and break is computed;
/// a late visit or end (`delay`, with the seconds late), an over-full team (`load`), too many
/// visits (`max_tasks`) and a missing skill (`skills`) are reported on their step. Jobs in no
/// route are listed as unassigned (`not_planned`).
pub fn plan_with(
    problem: &Problem,
    routes: &[(u64, Vec<u64>)],
    options: &MatrixOptions,
) -> Result<Solution, ProblemError> {
    problem.check()?;
    let mut issues = error::Issues::default();
    let mut seqs = vec![Vec::new(); problem.vehicles.len()];
    let mut seen = vec![false; problem.jobs.len()];
    let mut vehicle_seen = vec![false; problem.vehicles.len()];
    for (r, (vehicle, jobs)) in routes.iter().enumerate() {
        let Some(v) = problem.vehicles.iter().position(|x| x.id == *vehicle) else {
            issues.add(
                format!("routes[{r}].vehicle"),
                "unknown_vehicle",
                format!("팀 id {vehicle}가 문제에 없습니다."),
                format!("Vehicle id {vehicle} is not in the problem."),
            );
            continue;
        };
        if std::mem::replace(&mut vehicle_seen[v], true) {
            issues.add(
                format!("routes[{r}].vehicle"),
                "duplicate_vehicle",
                format!("팀 id {vehicle}의 경로가 두 번 있습니다."),
                format!("Vehicle id {vehicle} has two routes."),
            );
        }
        for (k, id) in jobs.iter().enumerate() {
            let path = format!("routes[{r}].jobs[{k}]");
            match problem.jobs.iter().position(|j| j.id == *id) {
                None => issues.add(
                    path,
                    "unknown_job",
                    format!("방문 id {id}가 문제에 없습니다."),
                    format!("Job id {id} is not in the problem."),
                ),
                Some(j) if std::mem::replace(&mut seen[j], true) => issues.add(
                    path,
                    "duplicate_job",
                    format!("방문 id {id}가 경로에 두 번 나옵니다."),
                    format!("Job id {id} appears twice in the routes."),
                ),
                Some(j) => seqs[v].push(j),
            }
        }
    }
    issues.into_result()?;
    let inst = Instance::new(problem, options);
    let unassigned = (0..problem.jobs.len())
        .filter(|&j| !seen[j])
        .map(|j| {
            (
                j,
                Reason {
                    code: "not_planned".into(),
                    ko: "직접 짠 경로 어디에도 들어 있지 않습니다.".into(),
                    en: "It is in none of the routes given.".into(),
                },
            )
        })
        .collect();
    Ok(model::solution(problem, &inst, &seqs, unassigned))
}
