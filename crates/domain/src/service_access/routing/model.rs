//! The problem in the solver's own terms (indices, seconds as `i64`), and the one schedule
//! rule both the solver and plan mode use: walk a route in order, wait for windows, take
//! breaks where the team is, and report what breaks (plan mode) or stop at the first broken
//! rule (the solver).

use super::matrix::{MatrixOptions, places};
use super::vroom::{
    Problem, Reason, Route, Solution, Step, StepType, Summary, Unassigned, Violation,
};

/// Far enough to mean "no limit" yet safe to add to.
pub(super) const OPEN: i64 = i64::MAX / 8;

pub(super) struct IJob {
    pub service: i64,
    pub setup: i64,
    /// Sorted by start.
    pub windows: Vec<(i64, i64)>,
    pub delivery: Vec<i64>,
    pub pickup: Vec<i64>,
    pub priority: i64,
}

pub(super) struct IBreak {
    pub windows: Vec<(i64, i64)>,
    pub service: i64,
    /// Its position in the problem's `breaks`.
    pub source: usize,
}

pub(super) struct IVehicle {
    pub shift: (i64, i64),
    /// Sorted by their first window.
    pub breaks: Vec<IBreak>,
    /// `None` when the vehicle has no capacity limit.
    pub capacity: Option<Vec<i64>>,
    pub max_tasks: usize,
    /// Travel seconds start → job, job → end, start → end; jobs × jobs in `between`.
    pub from_start: Vec<i64>,
    pub to_end: Vec<i64>,
    pub start_end: i64,
    pub matrix: usize,
    /// The job's row in this vehicle's matrix, for setup times at a shared place.
    pub rows: Vec<usize>,
    pub start_row: Option<usize>,
}

pub(super) struct Instance {
    pub jobs: Vec<IJob>,
    pub vehicles: Vec<IVehicle>,
    /// Per matrix, jobs × jobs travel seconds.
    pub between: Vec<Vec<i64>>,
    /// May vehicle `v` serve job `j` at all (skills, and the job's amounts alone fit)?
    pub skills_ok: Vec<Vec<bool>>,
}

/// One step of a walked route, before it becomes a VROOM step.
#[derive(Debug, Clone)]
pub(super) struct Timed {
    pub kind: StepType,
    /// Job index or break index.
    pub index: usize,
    pub arrival: i64,
    pub travel_so_far: i64,
    pub setup: i64,
    pub service: i64,
    pub waiting: i64,
    pub violations: Vec<Violation>,
    pub load: Vec<i64>,
}

fn windows(tws: &[[u64; 2]]) -> Vec<(i64, i64)> {
    let mut w: Vec<(i64, i64)> = tws.iter().map(|[s, e]| (to_i64(*s), to_i64(*e))).collect();
    if w.is_empty() {
        w.push((0, OPEN));
    }
    w.sort_unstable();
    w
}

fn to_i64(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(OPEN).min(OPEN)
}

fn amounts(v: Option<&Vec<u64>>, dims: usize) -> Vec<i64> {
    let mut a: Vec<i64> = v
        .map(|a| a.iter().map(|x| to_i64(*x)).collect())
        .unwrap_or_default();
    a.resize(dims, 0);
    a
}

/// The first moment at or after `t` inside one of `windows`, if any.
pub(super) fn window_start(windows: &[(i64, i64)], t: i64) -> Option<i64> {
    windows
        .iter()
        .find(|(_, e)| t <= *e)
        .map(|(s, _)| t.max(*s))
}

impl Instance {
    /// Builds the instance of a checked problem.
    pub fn new(problem: &Problem, options: &MatrixOptions) -> Instance {
        let p = places(problem, options);
        let dims = problem
            .vehicles
            .iter()
            .find_map(|v| v.capacity.as_ref().map(Vec::len))
            .unwrap_or(0);
        let jobs: Vec<IJob> = problem
            .jobs
            .iter()
            .map(|j| {
                let mut delivery = amounts(j.delivery.as_ref(), dims);
                for (d, a) in delivery.iter_mut().zip(amounts(j.amount.as_ref(), dims)) {
                    *d += a;
                }
                IJob {
                    service: to_i64(j.service),
                    setup: to_i64(j.setup),
                    windows: windows(&j.time_windows),
                    delivery,
                    pickup: amounts(j.pickup.as_ref(), dims),
                    priority: i64::from(j.priority),
                }
            })
            .collect();
        let n = jobs.len();
        let between = p
            .matrices
            .iter()
            .enumerate()
            .map(|(m, mat)| {
                let rows = &p.job_row[m];
                let mut d = vec![0; n * n];
                for a in 0..n {
                    for b in 0..n {
                        d[a * n + b] = to_i64(mat.get(rows[a], rows[b]));
                    }
                }
                d
            })
            .collect();
        let vehicles: Vec<IVehicle> = problem
            .vehicles
            .iter()
            .enumerate()
            .map(|(vi, v)| {
                let m = p.vehicle_matrix[vi];
                let mat = &p.matrices[m];
                let rows = p.job_row[m].clone();
                let (s, e) = (p.start_row[vi], p.end_row[vi]);
                let leg = |a: Option<usize>, b: Option<usize>| match (a, b) {
                    (Some(a), Some(b)) => to_i64(mat.get(a, b)),
                    _ => 0,
                };
                let mut breaks: Vec<IBreak> = v
                    .breaks
                    .iter()
                    .enumerate()
                    .map(|(source, b)| IBreak {
                        windows: windows(&b.time_windows),
                        service: to_i64(b.service),
                        source,
                    })
                    .collect();
                breaks.sort_by_key(|b| b.windows.first().map(|w| w.0).unwrap_or(0));
                IVehicle {
                    shift: v
                        .time_window
                        .map(|[s, e]| (to_i64(s), to_i64(e)))
                        .unwrap_or((0, OPEN)),
                    breaks,
                    capacity: v.capacity.as_ref().map(|c| amounts(Some(c), dims)),
                    max_tasks: v.max_tasks.unwrap_or(usize::MAX),
                    from_start: rows.iter().map(|r| leg(s, Some(*r))).collect(),
                    to_end: rows.iter().map(|r| leg(Some(*r), e)).collect(),
                    start_end: leg(s, e),
                    matrix: m,
                    rows,
                    start_row: s,
                }
            })
            .collect();
        let skills_ok = problem
            .vehicles
            .iter()
            .map(|v| {
                problem
                    .jobs
                    .iter()
                    .map(|j| j.skills.iter().all(|s| v.skills.contains(s)))
                    .collect()
            })
            .collect();
        Instance {
            jobs,
            vehicles,
            between,
            skills_ok,
        }
    }

    /// Travel seconds from `a` to `b` for vehicle `v`; `None` is the start or end.
    pub fn leg(&self, v: usize, a: Option<usize>, b: Option<usize>) -> i64 {
        let veh = &self.vehicles[v];
        match (a, b) {
            (Some(a), Some(b)) => self.between[veh.matrix][a * self.jobs.len() + b],
            (None, Some(b)) => veh.from_start[b],
            (Some(a), None) => veh.to_end[a],
            (None, None) => veh.start_end,
        }
    }

    /// Total travel of a route, feasibility aside.
    pub fn travel(&self, v: usize, seq: &[usize]) -> i64 {
        if seq.is_empty() {
            return 0;
        }
        let mut prev = None;
        let mut sum = 0;
        for &j in seq {
            sum += self.leg(v, prev, Some(j));
            prev = Some(j);
        }
        sum + self.leg(v, prev, None)
    }

    /// Setup applies on arriving at a new place, not for a second job at the same place.
    fn setup(&self, v: usize, prev: Option<usize>, j: usize) -> i64 {
        let veh = &self.vehicles[v];
        let prev_row = match prev {
            Some(p) => Some(veh.rows[p]),
            None => veh.start_row,
        };
        if prev_row == Some(veh.rows[j]) {
            0
        } else {
            self.jobs[j].setup
        }
    }

    /// Can the route be driven with every rule met? Returns its travel when it can.
    pub fn feasible(&self, v: usize, seq: &[usize]) -> Option<i64> {
        self.walk(v, seq, None)
    }

    /// Walks the route. Without `record` it stops at the first broken rule (`None`); with it,
    /// it records every step and its violations and always finishes (plan mode).
    pub fn walk(
        &self,
        v: usize,
        seq: &[usize],
        mut record: Option<&mut Vec<Timed>>,
    ) -> Option<i64> {
        let veh = &self.vehicles[v];
        let soft = record.is_some();
        let mut route_violations = Vec::new();
        if seq.len() > veh.max_tasks {
            if !soft {
                return None;
            }
            route_violations.push(Violation {
                cause: "max_tasks".into(),
                duration: None,
            });
        }
        // Every delivery is on board at the start; pickups are carried back.
        let mut load: Vec<i64> = veh
            .capacity
            .as_ref()
            .map(|c| vec![0; c.len()])
            .unwrap_or_default();
        for &j in seq {
            for (l, d) in load.iter_mut().zip(&self.jobs[j].delivery) {
                *l += d;
            }
        }
        let over = |load: &[i64]| {
            veh.capacity
                .as_ref()
                .is_some_and(|c| load.iter().zip(c).any(|(l, c)| l > c))
        };
        let mut start_violations = route_violations;
        if over(&load) {
            if !soft {
                return None;
            }
            start_violations.push(Violation {
                cause: "load".into(),
                duration: None,
            });
        }
        let mut t = veh.shift.0;
        let mut travel = 0;
        if let Some(r) = record.as_deref_mut() {
            r.push(Timed {
                kind: StepType::Start,
                index: 0,
                arrival: t,
                travel_so_far: 0,
                setup: 0,
                service: 0,
                waiting: 0,
                violations: start_violations,
                load: load.clone(),
            });
        }
        let mut next_break = 0;
        let mut prev: Option<usize> = None;
        for &j in seq {
            let job = &self.jobs[j];
            let leg = self.leg(v, prev, Some(j));
            let action = self.setup(v, prev, j) + job.service;
            // Breaks are taken where the team is, before driving on.
            while let Some(b) = veh.breaks.get(next_break) {
                if !break_now(b, t, Some((job, leg, action))) {
                    break;
                }
                t = self.take_break(b, t, travel, &load, record.as_deref_mut())?;
                next_break += 1;
            }
            let arrival = t + leg;
            travel += leg;
            let mut violations = Vec::new();
            let start = match window_start(&job.windows, arrival) {
                Some(s) => s,
                None if soft => {
                    let last_end = job
                        .windows
                        .iter()
                        .map(|w| w.1)
                        .filter(|e| *e < arrival)
                        .max()
                        .unwrap_or(arrival);
                    violations.push(Violation {
                        cause: "delay".into(),
                        duration: u64::try_from(arrival - last_end).ok(),
                    });
                    arrival
                }
                None => return None,
            };
            if !self.skills_ok[v][j] {
                if !soft {
                    return None;
                }
                violations.push(Violation {
                    cause: "skills".into(),
                    duration: None,
                });
            }
            for (i, l) in load.iter_mut().enumerate() {
                *l += job.pickup.get(i).copied().unwrap_or(0)
                    - job.delivery.get(i).copied().unwrap_or(0);
            }
            if over(&load) {
                if !soft {
                    return None;
                }
                violations.push(Violation {
                    cause: "load".into(),
                    duration: None,
                });
            }
            if let Some(r) = record.as_deref_mut() {
                let setup = action - job.service;
                r.push(Timed {
                    kind: StepType::Job,
                    index: j,
                    arrival,
                    travel_so_far: travel,
                    setup,
                    service: job.service,
                    waiting: start - arrival,
                    violations,
                    load: load.clone(),
                });
            }
            t = start + action;
            prev = Some(j);
        }
        while let Some(b) = veh.breaks.get(next_break) {
            t = self.take_break(b, t, travel, &load, record.as_deref_mut())?;
            next_break += 1;
        }
        let leg = self.leg(v, prev, None);
        let arrival = t + leg;
        travel += leg;
        let mut violations = Vec::new();
        if arrival > veh.shift.1 {
            if !soft {
                return None;
            }
            violations.push(Violation {
                cause: "delay".into(),
                duration: u64::try_from(arrival - veh.shift.1).ok(),
            });
        }
        if let Some(r) = record {
            r.push(Timed {
                kind: StepType::End,
                index: 0,
                arrival,
                travel_so_far: travel,
                setup: 0,
                service: 0,
                waiting: 0,
                violations,
                load,
            });
        }
        Some(travel)
    }

    /// Takes break `b` at time `t` where the team is; returns when it ends.
    fn take_break(
        &self,
        b: &IBreak,
        t: i64,
        travel: i64,
        load: &[i64],
        record: Option<&mut Vec<Timed>>,
    ) -> Option<i64> {
        let mut violations = Vec::new();
        let start = match window_start(&b.windows, t) {
            Some(s) => s,
            None if record.is_some() => {
                let last_end = b.windows.iter().map(|w| w.1).max().unwrap_or(t);
                violations.push(Violation {
                    cause: "delay".into(),
                    duration: u64::try_from(t - last_end).ok(),
                });
                t
            }
            None => return None,
        };
        if let Some(r) = record {
            r.push(Timed {
                kind: StepType::Break,
                index: b.source,
                arrival: t,
                travel_so_far: travel,
                setup: 0,
                service: b.service,
                waiting: start - t,
                violations,
                load: load.to_vec(),
            });
        }
        Some(start + b.service)
    }
}

/// Should the pending break be taken now, at time `t`, before driving to the next job
/// (`None`: to the end)? Yes when the end comes next, when after the next job the break
/// could no longer start in a window, or when it fits in the wait for the next job anyway.
fn break_now(b: &IBreak, t: i64, next: Option<(&IJob, i64, i64)>) -> bool {
    let Some((job, leg, action)) = next else {
        return true;
    };
    let Some(service_start) = window_start(&job.windows, t + leg) else {
        return false;
    };
    if window_start(&b.windows, service_start + action).is_none() {
        return true;
    }
    match window_start(&b.windows, t) {
        Some(bs) => bs + b.service + leg <= service_start,
        None => false,
    }
}

/// The VROOM steps and route of one walked route.
pub(super) fn route(problem: &Problem, inst: &Instance, v: usize, seq: &[usize]) -> Route {
    let mut timed = Vec::new();
    let travel = inst.walk(v, seq, Some(&mut timed)).unwrap_or(0);
    // Leave the start later rather than wait at the first visit (nothing before it moves).
    if timed.len() > 1 && timed[1].kind == StepType::Job && timed[1].waiting > 0 {
        let w = timed[1].waiting;
        timed[0].arrival += w;
        timed[1].arrival += w;
        timed[1].waiting = 0;
    }
    let vehicle = &problem.vehicles[v];
    let has_load = vehicle.capacity.is_some();
    let steps: Vec<Step> = timed
        .iter()
        .map(|t| {
            let (id, description, location, location_index) = match t.kind {
                StepType::Job => {
                    let j = &problem.jobs[t.index];
                    (
                        Some(j.id),
                        j.description.clone(),
                        j.location,
                        j.location_index,
                    )
                }
                StepType::Break => {
                    let b = vehicle.breaks.get(t.index);
                    (
                        b.map(|b| b.id),
                        b.and_then(|b| b.description.clone()),
                        None,
                        None,
                    )
                }
                StepType::Start => (None, None, vehicle.start, vehicle.start_index),
                _ => (None, None, vehicle.end, vehicle.end_index),
            };
            Step {
                kind: t.kind,
                id,
                description,
                location,
                location_index,
                arrival: as_u64(t.arrival),
                duration: as_u64(t.travel_so_far),
                setup: as_u64(t.setup),
                service: as_u64(t.service),
                waiting_time: as_u64(t.waiting),
                violations: t.violations.clone(),
                load: has_load.then(|| t.load.iter().map(|l| as_u64(*l)).collect()),
                distance: None,
            }
        })
        .collect();
    let mut violations: Vec<Violation> = Vec::new();
    for s in &steps {
        for x in &s.violations {
            if !violations.iter().any(|y| y.cause == x.cause) {
                violations.push(Violation {
                    cause: x.cause.clone(),
                    duration: None,
                });
            }
        }
    }
    let dims = inst.vehicles[v].capacity.as_ref().map(Vec::len);
    let sum = |f: fn(&IJob) -> &Vec<i64>| {
        dims.map(|d| {
            let mut total = vec![0u64; d];
            for &j in seq {
                for (t, a) in total.iter_mut().zip(f(&inst.jobs[j])) {
                    *t += as_u64(*a);
                }
            }
            total
        })
    };
    Route {
        vehicle: vehicle.id,
        cost: as_u64(travel),
        setup: steps.iter().map(|s| s.setup).sum(),
        service: steps
            .iter()
            .filter(|s| s.kind == StepType::Job)
            .map(|s| s.service)
            .sum(),
        duration: as_u64(travel),
        waiting_time: steps.iter().map(|s| s.waiting_time).sum(),
        priority: seq.iter().map(|j| as_u64(inst.jobs[*j].priority)).sum(),
        violations,
        delivery: sum(|j| &j.delivery),
        pickup: sum(|j| &j.pickup),
        description: vehicle.description.clone(),
        distance: None,
        steps,
    }
}

pub(super) fn as_u64(v: i64) -> u64 {
    u64::try_from(v).unwrap_or(0)
}

/// A whole VROOM solution from routes (vehicle index → job indices) and reasons for the rest.
pub(super) fn solution(
    problem: &Problem,
    inst: &Instance,
    routes: &[Vec<usize>],
    unassigned: Vec<(usize, Reason)>,
) -> Solution {
    let routes: Vec<Route> = routes
        .iter()
        .enumerate()
        .filter(|(_, seq)| !seq.is_empty())
        .map(|(v, seq)| route(problem, inst, v, seq))
        .collect();
    let mut unassigned = unassigned;
    unassigned.sort_by_key(|(j, _)| *j);
    let unassigned: Vec<Unassigned> = unassigned
        .into_iter()
        .map(|(j, reason)| {
            let job = &problem.jobs[j];
            Unassigned {
                id: job.id,
                kind: "job".into(),
                description: job.description.clone(),
                location: job.location,
                location_index: job.location_index,
                reason: Some(reason),
            }
        })
        .collect();
    let add = |a: Option<Vec<u64>>, b: &Option<Vec<u64>>| match (a, b) {
        (None, b) => b.clone(),
        (Some(a), None) => Some(a),
        (Some(a), Some(b)) => Some(a.iter().zip(b).map(|(x, y)| x + y).collect()),
    };
    let mut violations: Vec<Violation> = Vec::new();
    for r in &routes {
        for s in &r.steps {
            violations.extend(s.violations.iter().cloned());
        }
    }
    let summary = Summary {
        cost: routes.iter().map(|r| r.cost).sum(),
        routes: routes.len(),
        unassigned: unassigned.len(),
        setup: routes.iter().map(|r| r.setup).sum(),
        service: routes.iter().map(|r| r.service).sum(),
        duration: routes.iter().map(|r| r.duration).sum(),
        waiting_time: routes.iter().map(|r| r.waiting_time).sum(),
        priority: routes.iter().map(|r| r.priority).sum(),
        violations,
        delivery: routes.iter().fold(None, |acc, r| add(acc, &r.delivery)),
        pickup: routes.iter().fold(None, |acc, r| add(acc, &r.pickup)),
        distance: None,
    };
    Solution {
        code: 0,
        error: None,
        summary,
        unassigned,
        routes,
    }
}

/// Why a job is in no route. Looks at each team that could serve it alone, then at what the
/// solution left in those teams.
pub(super) fn reason(inst: &Instance, routes: &[Vec<usize>], j: usize) -> Reason {
    let r = |code: &str, ko: &str, en: &str| Reason {
        code: code.into(),
        ko: ko.into(),
        en: en.into(),
    };
    let candidates: Vec<usize> = (0..inst.vehicles.len())
        .filter(|&v| inst.skills_ok[v][j])
        .collect();
    if candidates.is_empty() {
        return r(
            "skills",
            "이 방문에 필요한 장비·자격(skills)을 모두 갖춘 팀이 없습니다.",
            "No team has all the skills this visit needs.",
        );
    }
    let fits_alone = |v: usize| inst.feasible(v, &[j]).is_some();
    let too_big = |v: usize| {
        let veh = &inst.vehicles[v];
        let job = &inst.jobs[j];
        veh.capacity.as_ref().is_some_and(|c| {
            c.iter().enumerate().any(|(i, c)| {
                job.delivery.get(i).copied().unwrap_or(0) > *c
                    || job.pickup.get(i).copied().unwrap_or(0) > *c
            })
        })
    };
    let alone: Vec<usize> = candidates
        .iter()
        .copied()
        .filter(|&v| fits_alone(v))
        .collect();
    if alone.is_empty() {
        if candidates.iter().all(|&v| too_big(v)) {
            return r(
                "capacity",
                "이 방문의 수량이 어느 팀의 적재량(capacity)보다도 큽니다.",
                "This visit's amount is larger than any team's capacity.",
            );
        }
        if candidates.iter().all(|&v| inst.vehicles[v].max_tasks == 0) {
            return r(
                "max_tasks",
                "이 방문을 맡을 수 있는 팀의 최대 방문 수(max_tasks)가 0입니다.",
                "The teams that could go may take no visits (max_tasks is 0).",
            );
        }
        return r(
            "time_window",
            "어느 팀의 근무시간 안에서도 이 방문의 시간대에 맞춰 다녀올 수 없습니다.",
            "No team can reach this visit within its time window and be back within its working hours.",
        );
    }
    let full_tasks = |v: usize| routes[v].len() >= inst.vehicles[v].max_tasks;
    let full_load = |v: usize| {
        let Some(cap) = &inst.vehicles[v].capacity else {
            return false;
        };
        let job = &inst.jobs[j];
        cap.iter().enumerate().any(|(i, c)| {
            let used: i64 = routes[v]
                .iter()
                .map(|&k| inst.jobs[k].delivery.get(i).copied().unwrap_or(0))
                .sum();
            used + job.delivery.get(i).copied().unwrap_or(0) > *c
        })
    };
    if alone.iter().all(|&v| full_tasks(v)) {
        return r(
            "max_tasks",
            "이 방문을 맡을 수 있는 팀마다 최대 방문 수(max_tasks)가 찼습니다.",
            "Every team that could take this visit already has its maximum number of visits.",
        );
    }
    if alone.iter().all(|&v| full_load(v)) {
        return r(
            "capacity",
            "이 방문을 맡을 수 있는 팀마다 적재량(capacity)이 찼습니다.",
            "Every team that could take this visit has its capacity full.",
        );
    }
    if alone.iter().all(|&v| full_tasks(v) || full_load(v)) {
        return r(
            "capacity",
            "이 방문을 맡을 수 있는 팀마다 적재량(capacity)이나 최대 방문 수(max_tasks)가 찼습니다.",
            "Every team that could take this visit has its capacity or its maximum number of visits full.",
        );
    }
    r(
        "no_room",
        "더 넣을 자리가 없습니다: 팀들의 남은 근무시간이 다른 방문과 겹칩니다.",
        "It does not fit any more: the teams' remaining hours are taken by other visits.",
    )
}
