//! Minwon's own solver: cheapest insertion to start, then ruin and recreate (slack induction
//! by string removals, Christiaens & Vanden Berghe 2020) under simulated annealing, keeping
//! the best plan seen. The objective is VROOM's: place as much priority and as many visits
//! as possible, then minimise total travel time.

use std::time::{Duration, Instant};

use super::SolveOptions;
use super::model::{Instance, OPEN, window_start};

/// The latest moment at or before `bound` inside one of `windows`; far in the past if none.
fn latest_start(windows: &[(i64, i64)], bound: i64) -> i64 {
    windows
        .iter()
        .filter(|(s, _)| *s <= bound)
        .map(|(_, e)| (*e).min(bound))
        .max()
        .unwrap_or(-OPEN)
}

/// A small deterministic generator (SplitMix64): the same seed gives the same plan.
pub(super) struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed ^ 0x9E37_79B9_7F4A_7C15)
    }
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in `[0, 1)`.
    pub fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    /// Uniform in `0..n` (`n > 0`).
    pub fn below(&mut self, n: usize) -> usize {
        (self.unit() * n as f64) as usize % n.max(1)
    }
}

pub(super) struct State {
    pub routes: Vec<Vec<usize>>,
    pub travel: Vec<i64>,
    pub unassigned: Vec<usize>,
    /// Per route, what the quick insertion check needs.
    pub times: Vec<Times>,
}

/// A route's timings for checking an insertion without walking the whole route
/// (Savelsbergh's forward and backward slack): when service ends at each visit on the
/// earliest schedule, the latest service start at each visit that keeps the rest of the
/// route feasible, and the deliveries on board.
#[derive(Default)]
pub(super) struct Times {
    pub depart: Vec<i64>,
    pub latest: Vec<i64>,
    pub delivery: Vec<i64>,
}

// Written out so `clone_from` reuses every buffer: the search copies a state each round.
impl Clone for State {
    fn clone(&self) -> Self {
        State {
            routes: self.routes.clone(),
            travel: self.travel.clone(),
            unassigned: self.unassigned.clone(),
            times: self.times.clone(),
        }
    }
    fn clone_from(&mut self, other: &Self) {
        self.routes.clone_from(&other.routes);
        self.travel.clone_from(&other.travel);
        self.unassigned.clone_from(&other.unassigned);
        self.times.clone_from(&other.times);
    }
}

impl Clone for Times {
    fn clone(&self) -> Self {
        Times {
            depart: self.depart.clone(),
            latest: self.latest.clone(),
            delivery: self.delivery.clone(),
        }
    }
    fn clone_from(&mut self, other: &Self) {
        self.depart.clone_from(&other.depart);
        self.latest.clone_from(&other.latest);
        self.delivery.clone_from(&other.delivery);
    }
}

pub(super) struct Search<'a> {
    inst: &'a Instance,
    /// Cost of leaving a job out: larger than any travel, more for higher priority.
    penalty: Vec<i128>,
    /// Other jobs by closeness, for string removal.
    near: Vec<Vec<usize>>,
    /// Distance from the vehicles' starts, for the recreate orders.
    depot: Vec<i64>,
    /// Vehicles for which the quick check is exact: no breaks, and no job with a setup
    /// time or a pickup (both depend on more than the neighbours). For the others it only
    /// rules places out, and the route is walked.
    quick: Vec<bool>,
    scratch: Vec<usize>,
}

impl<'a> Search<'a> {
    pub fn new(inst: &'a Instance) -> Self {
        let n = inst.jobs.len();
        let longest = inst.between.iter().flatten().copied().max().unwrap_or(0);
        let longest_leg = inst
            .vehicles
            .iter()
            .flat_map(|v| v.from_start.iter().chain(&v.to_end))
            .copied()
            .max()
            .unwrap_or(0)
            .max(longest);
        // Wide enough that no travel saving outweighs a visit, nor visits a unit of priority.
        let base = i128::from(longest_leg + 1) * 2 * (n as i128 + 2) + 1;
        let penalty = inst
            .jobs
            .iter()
            .map(|j| base + base * (n as i128 + 1) * i128::from(j.priority))
            .collect();
        let mut near = Vec::with_capacity(n);
        for a in 0..n {
            let mut others: Vec<usize> = (0..n).filter(|&b| b != a).collect();
            others.sort_by_key(|&b| {
                (
                    inst.leg(0, Some(a), Some(b)) + inst.leg(0, Some(b), Some(a)),
                    b,
                )
            });
            near.push(others);
        }
        let depot = (0..n)
            .map(|j| {
                inst.vehicles
                    .first()
                    .map(|_| inst.leg(0, None, Some(j)))
                    .unwrap_or(0)
            })
            .collect();
        let plain_jobs = inst
            .jobs
            .iter()
            .all(|j| j.setup == 0 && j.pickup.iter().all(|p| *p == 0));
        let quick = inst
            .vehicles
            .iter()
            .map(|v| plain_jobs && v.breaks.is_empty())
            .collect();
        Search {
            inst,
            penalty,
            near,
            depot,
            quick,
            scratch: Vec::new(),
        }
    }

    pub fn objective(&self, s: &State) -> i128 {
        s.travel.iter().map(|t| i128::from(*t)).sum::<i128>()
            + s.unassigned.iter().map(|&j| self.penalty[j]).sum::<i128>()
    }

    /// The cheapest feasible place for job `j`: (extra travel, vehicle, position).
    /// `blink` skips each candidate with that probability (SISR's blinks).
    fn best_insertion(
        &mut self,
        s: &State,
        j: usize,
        rng: &mut Rng,
        blink: f64,
    ) -> Option<(i64, usize, usize)> {
        let inst = self.inst;
        let mut best: Option<(i64, usize, usize)> = None;
        for v in 0..inst.vehicles.len() {
            if !inst.skills_ok[v][j] || s.routes[v].len() >= inst.vehicles[v].max_tasks {
                continue;
            }
            let route = &s.routes[v];
            for p in 0..=route.len() {
                let prev = if p == 0 { None } else { Some(route[p - 1]) };
                let next = route.get(p).copied();
                let delta = if route.is_empty() {
                    inst.leg(v, None, Some(j)) + inst.leg(v, Some(j), None)
                } else {
                    inst.leg(v, prev, Some(j)) + inst.leg(v, Some(j), next)
                        - inst.leg(v, prev, next)
                };
                if best.is_some_and(|(d, _, _)| delta >= d) {
                    continue;
                }
                if blink > 0.0 && rng.unit() < blink {
                    continue;
                }
                // The quick check ignores breaks, setups and pickups, which only add time or
                // load: when it fails the walk would too, and when it is exact it decides.
                let ok = if !self.fits(s, v, j, p) {
                    false
                } else if self.quick[v] {
                    true
                } else {
                    self.scratch.clear();
                    self.scratch.extend_from_slice(&route[..p]);
                    self.scratch.push(j);
                    self.scratch.extend_from_slice(&route[p..]);
                    inst.feasible(v, &self.scratch).is_some()
                };
                if ok {
                    best = Some((delta, v, p));
                }
            }
        }
        best
    }

    fn insert(&self, s: &mut State, j: usize, v: usize, p: usize) {
        s.routes[v].insert(p, j);
        self.refresh(s, v);
    }

    /// Recomputes a changed route's travel and timings.
    pub fn refresh(&self, s: &mut State, v: usize) {
        let inst = self.inst;
        let route = &s.routes[v];
        s.travel[v] = inst.travel(v, route);
        let veh = &inst.vehicles[v];
        let times = &mut s.times[v];
        times.depart.clear();
        let mut t = veh.shift.0;
        let mut prev = None;
        for &j in route {
            let arrival = t + inst.leg(v, prev, Some(j));
            // A route in a state is feasible, so a window is found; OPEN marks the impossible.
            let start = window_start(&inst.jobs[j].windows, arrival).unwrap_or(OPEN);
            t = start + inst.jobs[j].service;
            times.depart.push(t);
            prev = Some(j);
        }
        times.latest.clear();
        times.latest.resize(route.len(), 0);
        let mut latest_next = veh.shift.1;
        let mut next = None;
        for (i, &j) in route.iter().enumerate().rev() {
            let bound = latest_next - inst.leg(v, Some(j), next) - inst.jobs[j].service;
            let latest = latest_start(&inst.jobs[j].windows, bound);
            times.latest[i] = latest;
            latest_next = latest;
            next = Some(j);
        }
        times.delivery.clear();
        if let Some(c) = &veh.capacity {
            times.delivery.resize(c.len(), 0);
            for &j in route {
                for (d, x) in times.delivery.iter_mut().zip(&inst.jobs[j].delivery) {
                    *d += x;
                }
            }
        }
    }

    /// Can job `j` go at position `p` of route `v`? The quick check of [`Times`]: the new
    /// visit's window is met and the next visit is reached by its latest start. Breaks,
    /// setups and pickups are left out, so a `false` is final and a `true` is final only
    /// for a `quick` vehicle.
    fn fits(&self, s: &State, v: usize, j: usize, p: usize) -> bool {
        let inst = self.inst;
        let veh = &inst.vehicles[v];
        let route = &s.routes[v];
        let times = &s.times[v];
        if let Some(cap) = &veh.capacity
            && cap
                .iter()
                .zip(&times.delivery)
                .zip(&inst.jobs[j].delivery)
                .any(|((c, d), x)| d + x > *c)
        {
            return false;
        }
        let prev = if p == 0 { None } else { Some(route[p - 1]) };
        let depart = if p == 0 {
            veh.shift.0
        } else {
            times.depart[p - 1]
        };
        let arrival = depart + inst.leg(v, prev, Some(j));
        let Some(start) = window_start(&inst.jobs[j].windows, arrival) else {
            return false;
        };
        let done = start + inst.jobs[j].service;
        let next = route.get(p).copied();
        let reach = done + inst.leg(v, Some(j), next);
        match next {
            Some(_) => reach <= times.latest[p],
            None => reach <= veh.shift.1,
        }
    }

    /// Puts every job in `jobs` at its cheapest place, in the given order.
    fn recreate(&mut self, s: &mut State, jobs: &[usize], rng: &mut Rng, blink: f64) {
        for &j in jobs {
            match self.best_insertion(s, j, rng, blink) {
                Some((_, v, p)) => self.insert(s, j, v, p),
                None => s.unassigned.push(j),
            }
        }
    }

    /// The first plan: jobs with the tightest windows and most priority first.
    pub fn construct(&mut self) -> State {
        let inst = self.inst;
        let mut s = State {
            routes: vec![Vec::new(); inst.vehicles.len()],
            travel: vec![0; inst.vehicles.len()],
            unassigned: Vec::new(),
            times: vec![Times::default(); inst.vehicles.len()],
        };
        let mut order: Vec<usize> = (0..inst.jobs.len()).collect();
        order.sort_by_key(|&j| {
            let job = &inst.jobs[j];
            let width: i64 = job
                .windows
                .iter()
                .map(|(a, b)| (b - a).min(super::model::OPEN))
                .sum();
            (-job.priority, width, -self.depot[j], j)
        });
        let mut rng = Rng::new(0);
        self.recreate(&mut s, &order, &mut rng, 0.0);
        s
    }

    /// SISR's ruin: remove strings of nearby visits from a few routes.
    fn ruin(
        &self,
        s: &mut State,
        rng: &mut Rng,
        mean_removed: f64,
        max_string: f64,
        removed: &mut Vec<usize>,
    ) {
        let inst = self.inst;
        let n = inst.jobs.len();
        let used: Vec<usize> = (0..s.routes.len())
            .filter(|&v| !s.routes[v].is_empty())
            .collect();
        if used.is_empty() || n == 0 {
            return;
        }
        let assigned: usize = used.iter().map(|&v| s.routes[v].len()).sum();
        let avg_len = assigned as f64 / used.len() as f64;
        let l_max = max_string.min(avg_len);
        let k_max = (4.0 * mean_removed / (1.0 + l_max) - 1.0).max(1.0);
        let k = (rng.unit() * k_max) as usize + 1;
        let seed = loop {
            let j = rng.below(n);
            if !s.unassigned.contains(&j) {
                break j;
            }
        };
        let mut touched: Vec<usize> = Vec::new();
        for c in std::iter::once(seed).chain(self.near[seed].iter().copied()) {
            if touched.len() >= k {
                break;
            }
            let Some(v) = (0..s.routes.len()).find(|&v| s.routes[v].contains(&c)) else {
                continue;
            };
            if touched.contains(&v) {
                continue;
            }
            touched.push(v);
            let route = &mut s.routes[v];
            let len = route.len();
            let lt_max = l_max.min(len as f64);
            let lt = ((rng.unit() * lt_max) as usize + 1).min(len);
            let pos = route.iter().position(|&x| x == c).unwrap_or(0);
            // A string of length lt that contains c, at a random offset.
            let lo = pos.saturating_sub(lt - 1);
            let hi = pos.min(len - lt);
            let start = lo + rng.below(hi - lo + 1);
            if lt >= 3 && rng.unit() < 0.5 {
                // Split string: keep a few visits in the middle of the string.
                let m = 1 + rng.below((lt / 3).max(1));
                let keep_at = start + rng.below(lt - m + 1).min(lt - 1);
                let mut kept = Vec::new();
                for (i, x) in route.drain(start..start + lt).enumerate() {
                    if i + start >= keep_at && i + start < keep_at + m {
                        kept.push(x);
                    } else {
                        removed.push(x);
                    }
                }
                for (i, x) in kept.into_iter().enumerate() {
                    route.insert(start + i, x);
                }
            } else {
                removed.extend(route.drain(start..start + lt));
            }
            // Without the triangle inequality (a pasted road matrix) a shorter route can
            // arrive later; such a route is emptied rather than kept broken.
            if inst.feasible(v, &s.routes[v]).is_none() {
                removed.append(&mut s.routes[v]);
            }
            self.refresh(s, v);
        }
    }

    /// SISR's recreate orders: random, far first, near first, tight windows first.
    fn order(&self, jobs: &mut [usize], rng: &mut Rng) {
        let r = rng.unit();
        if r < 0.4 {
            for i in (1..jobs.len()).rev() {
                jobs.swap(i, rng.below(i + 1));
            }
        } else if r < 0.7 {
            jobs.sort_by_key(|&j| (-self.inst.jobs[j].priority, -self.depot[j]));
        } else if r < 0.85 {
            jobs.sort_by_key(|&j| (-self.inst.jobs[j].priority, self.depot[j]));
        } else {
            jobs.sort_by_key(|&j| {
                let w: i64 = self.inst.jobs[j].windows.iter().map(|(a, b)| b - a).sum();
                (-self.inst.jobs[j].priority, w)
            });
        }
    }

    /// Improves `start` within the budget; returns the best state seen.
    pub fn improve(
        &mut self,
        start: State,
        options: &SolveOptions,
        began: Instant,
        budget: Duration,
    ) -> State {
        let inst = self.inst;
        let n = inst.jobs.len();
        if n == 0 || options.iterations == 0 {
            return start;
        }
        let mut rng = Rng::new(options.seed);
        let mean_edge = {
            let m = &inst.between[0];
            if m.is_empty() {
                1.0
            } else {
                (m.iter().sum::<i64>() as f64 / m.len() as f64).max(1.0)
            }
        };
        let t0 = options.start_temperature * mean_edge;
        let t1 = options.end_temperature * mean_edge;
        let mean_removed = options.mean_removed.min(n as f64 / 2.0).max(1.0);
        let mut current = start;
        let mut current_obj = self.objective(&current);
        let mut best = current.clone();
        let mut best_obj = current_obj;
        // Reused between rounds so a round copies into existing buffers.
        let mut next = current.clone();
        let mut jobs = Vec::new();
        for it in 0..options.iterations {
            if it % 64 == 0 && began.elapsed() >= budget {
                break;
            }
            let progress = it as f64 / options.iterations as f64;
            let temp = t0 * (t1 / t0).powf(progress);
            next.clone_from(&current);
            jobs.clear();
            self.ruin(
                &mut next,
                &mut rng,
                mean_removed,
                options.max_string,
                &mut jobs,
            );
            jobs.append(&mut next.unassigned);
            self.order(&mut jobs, &mut rng);
            self.recreate(&mut next, &jobs, &mut rng, options.blink);
            let obj = self.objective(&next);
            if (obj as f64) < current_obj as f64 - temp * rng.unit().max(1e-12).ln() {
                std::mem::swap(&mut current, &mut next);
                current_obj = obj;
                if obj < best_obj {
                    best.clone_from(&current);
                    best_obj = obj;
                }
            }
        }
        best
    }
}
