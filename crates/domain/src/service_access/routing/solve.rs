//! Minwon's own solver: cheapest insertion to start, then ruin and recreate (slack induction
//! by string removals, Christiaens & Vanden Berghe 2020) under simulated annealing, keeping
//! the best plan seen. The objective is VROOM's: place as much priority and as many visits
//! as possible, then minimise total travel time.

use std::time::Instant;

use super::SolveOptions;
use super::model::Instance;

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

#[derive(Clone)]
pub(super) struct State {
    pub routes: Vec<Vec<usize>>,
    pub travel: Vec<i64>,
    pub unassigned: Vec<usize>,
}

pub(super) struct Search<'a> {
    inst: &'a Instance,
    /// Cost of leaving a job out: larger than any travel, more for higher priority.
    penalty: Vec<i64>,
    /// Other jobs by closeness, for string removal.
    near: Vec<Vec<usize>>,
    /// Distance from the vehicles' starts, for the recreate orders.
    depot: Vec<i64>,
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
        let base = (longest_leg + 1) * 2 * (n as i64 + 2) + 1;
        let penalty = inst
            .jobs
            .iter()
            .map(|j| base + base * (n as i64 + 1) * j.priority)
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
        Search {
            inst,
            penalty,
            near,
            depot,
            scratch: Vec::new(),
        }
    }

    pub fn objective(&self, s: &State) -> i64 {
        s.travel.iter().sum::<i64>() + s.unassigned.iter().map(|&j| self.penalty[j]).sum::<i64>()
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
                self.scratch.clear();
                self.scratch.extend_from_slice(&route[..p]);
                self.scratch.push(j);
                self.scratch.extend_from_slice(&route[p..]);
                if inst.feasible(v, &self.scratch).is_some() {
                    best = Some((delta, v, p));
                }
            }
        }
        best
    }

    fn insert(&self, s: &mut State, j: usize, v: usize, p: usize) {
        s.routes[v].insert(p, j);
        s.travel[v] = self.inst.travel(v, &s.routes[v]);
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
    fn ruin(&self, s: &mut State, rng: &mut Rng, mean_removed: f64, max_string: f64) -> Vec<usize> {
        let inst = self.inst;
        let n = inst.jobs.len();
        let mut removed = Vec::new();
        let used: Vec<usize> = (0..s.routes.len())
            .filter(|&v| !s.routes[v].is_empty())
            .collect();
        if used.is_empty() || n == 0 {
            return removed;
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
            s.travel[v] = inst.travel(v, &s.routes[v]);
        }
        removed
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
    pub fn improve(&mut self, start: State, options: &SolveOptions, began: Instant) -> State {
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
                m.iter().sum::<i64>() as f64 / m.len() as f64
            }
        };
        let t0 = options.start_temperature * mean_edge;
        let t1 = options.end_temperature * mean_edge;
        let mean_removed = options.mean_removed.min(n as f64 / 2.0).max(1.0);
        let mut current = start;
        let mut current_obj = self.objective(&current);
        let mut best = current.clone();
        let mut best_obj = current_obj;
        for it in 0..options.iterations {
            if it % 64 == 0 && began.elapsed() >= options.time_budget {
                break;
            }
            let progress = it as f64 / options.iterations as f64;
            let temp = t0 * (t1 / t0).powf(progress);
            let mut next = current.clone();
            let mut jobs = self.ruin(&mut next, &mut rng, mean_removed, options.max_string);
            jobs.append(&mut next.unassigned);
            self.order(&mut jobs, &mut rng);
            self.recreate(&mut next, &jobs, &mut rng, options.blink);
            let obj = self.objective(&next);
            if (obj as f64) < current_obj as f64 - temp * rng.unit().max(1e-12).ln() {
                current = next;
                current_obj = obj;
                if obj < best_obj {
                    best = current.clone();
                    best_obj = obj;
                }
            }
        }
        best
    }
}
