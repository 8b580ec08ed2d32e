use super::*;
use proptest::prelude::*;

const DEPOT: Coordinates = [126.9780, 37.5665];
const H: u64 = 3600;

fn job(id: u64, lon_off: f64, lat_off: f64) -> Job {
    Job {
        id,
        location: Some([DEPOT[0] + lon_off, DEPOT[1] + lat_off]),
        service: 1200,
        ..Job::default()
    }
}

fn team(id: u64) -> Vehicle {
    Vehicle {
        id,
        start: Some(DEPOT),
        end: Some(DEPOT),
        time_window: Some([9 * H, 18 * H]),
        ..Vehicle::default()
    }
}

fn quick() -> SolveOptions {
    SolveOptions {
        iterations: 300,
        ..SolveOptions::default()
    }
}

/// Re-times every route of a solution in plan mode: a feasible solution has no violation
/// and the same timings.
fn replan(problem: &Problem, s: &Solution) -> Solution {
    let routes: Vec<(u64, Vec<u64>)> = s.routes.iter().map(|r| (r.vehicle, r.job_ids())).collect();
    plan(problem, &routes).unwrap()
}

fn step(s: &Solution, id: u64) -> &Step {
    s.routes
        .iter()
        .flat_map(|r| &r.steps)
        .find(|st| st.kind == StepType::Job && st.id == Some(id))
        .unwrap()
}

// --- the format ---

#[test]
fn a_problem_written_and_read_back_is_equal() {
    let mut p = Problem {
        jobs: vec![job(1, 0.01, 0.0), job(2, 0.0, 0.02)],
        vehicles: vec![team(7)],
        ..Problem::default()
    };
    p.jobs[0].time_windows = vec![[9 * H, 12 * H], [13 * H, 17 * H]];
    p.jobs[0].skills = vec![3];
    p.jobs[0].delivery = Some(vec![1]);
    p.jobs[1].priority = 50;
    p.jobs[1].description = Some("김○○ 어르신 댁".into());
    p.vehicles[0].capacity = Some(vec![10]);
    p.vehicles[0].skills = vec![3, 4];
    p.vehicles[0].max_tasks = Some(12);
    p.vehicles[0].breaks = vec![Break {
        id: 1,
        time_windows: vec![[12 * H, 13 * H]],
        service: 1800,
        description: Some("점심".into()),
    }];
    let back = Problem::from_json(&p.to_json()).unwrap();
    assert_eq!(back, p);

    let with = with_matrix(&p, &MatrixOptions::default());
    assert!(with.matrices.contains_key("car"));
    assert_eq!(Problem::from_json(&with.to_json()).unwrap(), with);
    // With the matrix written in, the plan is the same seconds.
    assert_eq!(
        solve(&with, &quick()).unwrap().summary.duration,
        solve(&p, &quick()).unwrap().summary.duration
    );
    assert!(with.jobs.iter().all(|j| j.location_index.is_some()));
}

#[test]
fn unknown_keys_are_ignored_and_the_older_matrix_is_read() {
    let text = r#"{"jobs":[{"id":1,"location_index":1,"service":300,"setup_per_type":{"a":1},"x":true}],
        "vehicles":[{"id":1,"start_index":0,"end_index":0,"costs":{"fixed":0}}],
        "matrix":[[0,100],[120,0]],"options":{"g":true}}"#;
    let p = Problem::from_json(text).unwrap();
    let s = solve(&p, &quick()).unwrap();
    assert_eq!(s.summary.duration, 220);
    assert_eq!(s.routes[0].steps[1].arrival, 100);
}

#[test]
fn a_vroom_solution_is_read() {
    // Written by hand after VROOM's docs/API.md output section (with a deprecated `job` key).
    let text = r#"{"code":0,"summary":{"cost":5461,"routes":1,"unassigned":1,"setup":0,"service":600,
      "duration":5461,"waiting_time":30,"priority":0,"violations":[],"computing_times":{"loading":1}},
      "unassigned":[{"id":9,"type":"job","location":[2.3,48.8]}],
      "routes":[{"vehicle":0,"cost":5461,"setup":0,"service":600,"duration":5461,"waiting_time":30,
      "priority":0,"violations":[],"steps":[
        {"type":"start","location_index":0,"setup":0,"service":0,"waiting_time":0,"arrival":0,"duration":0,"violations":[]},
        {"type":"job","id":1414,"job":1414,"location_index":1,"setup":0,"service":600,"waiting_time":30,"arrival":2104,"duration":2104,"violations":[]},
        {"type":"break","id":3,"setup":0,"service":900,"waiting_time":0,"arrival":2734,"duration":2104,"violations":[]},
        {"type":"end","location_index":3,"setup":0,"service":0,"waiting_time":0,"arrival":5461,"duration":5461,
         "violations":[{"cause":"delay","duration":61}]}]}]}"#;
    let s = Solution::from_json(text).unwrap();
    assert_eq!(s.summary.cost, 5461);
    assert_eq!(s.unassigned[0].id, 9);
    assert_eq!(s.unassigned[0].reason, None);
    assert_eq!(s.routes[0].job_ids(), vec![1414]);
    assert_eq!(s.routes[0].steps[2].kind, StepType::Break);
    assert_eq!(s.routes[0].steps[3].violations[0].duration, Some(61));
    assert_eq!(Solution::from_json(&s.to_json()).unwrap(), s);
}

fn error_at(text: &str, path: &str) -> Issue {
    let e = Problem::from_json(text).unwrap_err();
    let issue = e
        .at(path)
        .unwrap_or_else(|| panic!("no issue at {path}: {e}"))
        .clone();
    assert!(!issue.ko.is_empty() && !issue.en.is_empty());
    assert!(crate::Halves::ko(&e).contains(path) && crate::Halves::en(&e).contains(path));
    issue
}

const TEAM: &str = r#"{"id":1,"start":[127.0,37.5],"end":[127.0,37.5]}"#;

#[test]
fn malformed_files_say_where() {
    assert_eq!(
        Problem::from_json("{\"jobs\": [").unwrap_err().issues[0].code,
        "bad_json"
    );
    assert_eq!(
        Problem::from_json("[1]").unwrap_err().issues[0].code,
        "not_an_object"
    );
    let no_place =
        format!(r#"{{"jobs":[{{"id":1,"location":[127,37.5]}},{{"id":2}}],"vehicles":[{TEAM}]}}"#);
    assert_eq!(error_at(&no_place, "jobs[1]").code, "no_location");
    let bad_type = format!(
        r#"{{"jobs":[{{"id":1,"location":[127,37.5]}},{{"id":2,"service":"ten"}}],"vehicles":[{TEAM}]}}"#
    );
    assert_eq!(error_at(&bad_type, "jobs[1]").code, "bad_value");
    let reversed = format!(
        r#"{{"jobs":[{{"id":1,"location":[127,37.5]}},{{"id":2,"location":[127,37.5]}},{{"id":3,"location":[127,37.5]}},
        {{"id":4,"location":[127,37.5],"time_windows":[[100,50]]}}],"vehicles":[{TEAM}]}}"#
    );
    assert_eq!(
        error_at(&reversed, "jobs[3].time_windows[0]").code,
        "window_reversed"
    );
    let dup = format!(
        r#"{{"jobs":[{{"id":1,"location":[127,37.5]}},{{"id":1,"location":[127,37.5]}}],"vehicles":[{TEAM}]}}"#
    );
    assert_eq!(error_at(&dup, "jobs[1].id").code, "duplicate_id");
    let no_vehicle = r#"{"jobs":[{"id":1,"location":[127,37.5]}],"vehicles":[]}"#;
    assert_eq!(error_at(no_vehicle, "vehicles").code, "no_vehicle");
    let outside = r#"{"jobs":[{"id":1,"location_index":5}],"vehicles":[{"id":1,"start_index":0}],
        "matrices":{"car":{"durations":[[0,1],[1,0]]}}}"#;
    assert_eq!(
        error_at(outside, "jobs[0].location_index").code,
        "index_outside_matrix"
    );
    let ragged = r#"{"jobs":[{"id":1,"location_index":1}],"vehicles":[{"id":1,"start_index":0}],
        "matrices":{"car":{"durations":[[0,1],[1]]}}}"#;
    assert_eq!(
        error_at(ragged, "matrices.car.durations[1]").code,
        "not_square"
    );
    let shift = r#"{"jobs":[],"vehicles":[{"id":1,"start":[127,37.5],"time_window":[10,5]}]}"#;
    assert_eq!(
        error_at(shift, "vehicles[0].time_window").code,
        "window_reversed"
    );
    let nowhere = r#"{"jobs":[],"vehicles":[{"id":1}]}"#;
    assert_eq!(error_at(nowhere, "vehicles[0]").code, "no_start_or_end");
}

// --- the matrix ---

#[test]
fn the_straight_line_matrix_is_haversine_times_detour_at_speed() {
    // One degree of latitude is about 111.2 km.
    let a = [127.0, 37.0];
    let b = [127.0, 38.0];
    let d = haversine_m(a, b);
    assert!((d - 111_195.0).abs() < 50.0, "{d}");
    let secs = straight_line_seconds(a, b, &MatrixOptions::default());
    assert_eq!(secs, (d * 1.3 / (25_000.0 / 3600.0)).round() as u64);
    let faster = MatrixOptions {
        detour_factor: 1.0,
        speed_kmh: 50.0,
    };
    assert_eq!(
        straight_line_seconds(a, b, &faster),
        (d / (50_000.0 / 3600.0)).round() as u64
    );
}

#[test]
fn a_given_matrix_is_used_as_is() {
    let text = r#"{"jobs":[{"id":1,"location":[127.1,37.6],"location_index":1},{"id":2,"location":[127.2,37.6],"location_index":2}],
      "vehicles":[{"id":1,"start_index":0,"end_index":0,"start":[127,37.5]}],
      "matrices":{"car":{"durations":[[0,10,1000],[10,0,20],[30,1000,0]]}}}"#;
    let p = Problem::from_json(text).unwrap();
    let s = solve(&p, &quick()).unwrap();
    // 0 → 1 → 2 → 0 = 10 + 20 + 30, the only cheap way round.
    assert_eq!(s.summary.duration, 60);
    assert_eq!(s.routes[0].job_ids(), vec![1, 2]);
}

// --- the constraints ---

#[test]
fn a_window_is_honoured_and_waiting_is_counted() {
    let mut p = Problem {
        jobs: vec![job(1, 0.01, 0.0)],
        vehicles: vec![team(1)],
        ..Problem::default()
    };
    p.jobs[0].time_windows = vec![[14 * H, 15 * H]];
    let s = solve(&p, &quick()).unwrap();
    let st = step(&s, 1);
    assert!(st.arrival + st.waiting_time >= 14 * H && st.arrival + st.waiting_time <= 15 * H);
    // The team leaves late rather than wait at the door.
    assert_eq!(st.waiting_time, 0);

    // With the same window on two visits at one place, the second waits for nothing but
    // the first visit's service; a visit after a window-bound one waits for its window.
    p.jobs.push(job(2, 0.011, 0.0));
    p.jobs[1].time_windows = vec![[16 * H, 17 * H]];
    let s = solve(&p, &quick()).unwrap();
    let second = step(&s, 2);
    assert!(second.waiting_time > 0);
    assert_eq!(second.arrival + second.waiting_time, 16 * H);
    assert_eq!(s.summary.waiting_time, second.waiting_time);
}

#[test]
fn a_break_is_placed_in_its_window() {
    let mut p = Problem {
        jobs: (1..=6).map(|i| job(i, 0.005 * i as f64, 0.002)).collect(),
        vehicles: vec![team(1)],
        ..Problem::default()
    };
    p.vehicles[0].breaks = vec![Break {
        id: 9,
        time_windows: vec![[12 * H, 13 * H]],
        service: 3600,
        description: None,
    }];
    for j in &mut p.jobs {
        j.service = 3600;
    }
    let s = solve(&p, &quick()).unwrap();
    assert_eq!(s.unassigned, vec![]);
    let br = s.routes[0]
        .steps
        .iter()
        .find(|st| st.kind == StepType::Break)
        .unwrap();
    assert_eq!(br.id, Some(9));
    let start = br.arrival + br.waiting_time;
    assert!((12 * H..=13 * H).contains(&start), "{start}");
    assert_eq!(br.service, 3600);
    // Nothing overlaps the break: the next step arrives after it ends.
    let i = s.routes[0]
        .steps
        .iter()
        .position(|st| st.kind == StepType::Break)
        .unwrap();
    assert!(s.routes[0].steps[i + 1].arrival >= start + 3600);
    assert!(replan(&p, &s).summary.violations.is_empty());
}

#[test]
fn capacity_and_max_tasks_split_the_visits() {
    let mut p = Problem {
        jobs: (1..=4).map(|i| job(i, 0.002 * i as f64, 0.0)).collect(),
        vehicles: vec![team(1), team(2)],
        ..Problem::default()
    };
    for j in &mut p.jobs {
        j.delivery = Some(vec![1]);
    }
    p.vehicles[0].capacity = Some(vec![2]);
    p.vehicles[1].capacity = Some(vec![3]);
    p.vehicles[1].max_tasks = Some(1);
    let s = solve(&p, &quick()).unwrap();
    let sizes: Vec<(u64, usize)> = s
        .routes
        .iter()
        .map(|r| (r.vehicle, r.job_ids().len()))
        .collect();
    assert!(
        sizes.contains(&(1, 2)) && sizes.contains(&(2, 1)),
        "{sizes:?}"
    );
    assert_eq!(s.unassigned.len(), 1);
    let reason = s.unassigned[0].reason.as_ref().unwrap();
    assert!(
        reason.code == "capacity" || reason.code == "max_tasks",
        "{reason:?}"
    );
    assert_eq!(s.summary.delivery, Some(vec![3]));
}

#[test]
fn skills_send_a_visit_to_the_team_that_has_them() {
    let mut p = Problem {
        jobs: vec![job(1, 0.01, 0.0), job(2, -0.01, 0.0)],
        vehicles: vec![team(1), team(2)],
        ..Problem::default()
    };
    p.jobs[0].skills = vec![5];
    p.vehicles[1].skills = vec![5];
    let s = solve(&p, &quick()).unwrap();
    let owner = s.routes.iter().find(|r| r.job_ids().contains(&1)).unwrap();
    assert_eq!(owner.vehicle, 2);

    p.jobs[1].skills = vec![6];
    let s = solve(&p, &quick()).unwrap();
    assert_eq!(s.unassigned.len(), 1);
    assert_eq!(s.unassigned[0].id, 2);
    assert_eq!(s.unassigned[0].reason.as_ref().unwrap().code, "skills");
}

#[test]
fn impossible_visits_are_unassigned_with_their_reason() {
    let mut p = Problem {
        jobs: vec![job(1, 0.01, 0.0), job(2, 0.01, 0.01), job(3, 0.0, 0.01)],
        vehicles: vec![team(1)],
        ..Problem::default()
    };
    // Outside working hours.
    p.jobs[0].time_windows = vec![[19 * H, 20 * H]];
    // Bigger than the team can carry.
    p.vehicles[0].capacity = Some(vec![5]);
    p.jobs[1].delivery = Some(vec![6]);
    let s = solve(&p, &quick()).unwrap();
    let code = |id: u64| {
        s.unassigned
            .iter()
            .find(|u| u.id == id)
            .unwrap()
            .reason
            .clone()
            .unwrap()
            .code
    };
    assert_eq!(code(1), "time_window");
    assert_eq!(code(2), "capacity");
    assert_eq!(s.routes[0].job_ids(), vec![3]);

    // Two visits in the same half hour far apart: one does not fit any more.
    let mut p = Problem {
        jobs: vec![job(1, 0.05, 0.0), job(2, -0.05, 0.0)],
        vehicles: vec![team(1)],
        ..Problem::default()
    };
    for j in &mut p.jobs {
        j.time_windows = vec![[10 * H, 10 * H + 1800]];
    }
    let s = solve(&p, &quick()).unwrap();
    assert_eq!(s.unassigned.len(), 1);
    assert_eq!(s.unassigned[0].reason.as_ref().unwrap().code, "no_room");
    assert!(!s.unassigned[0].reason.as_ref().unwrap().ko.is_empty());
}

#[test]
fn the_same_seed_gives_the_same_plan() {
    let p = generated(30, 3, 7);
    let o = SolveOptions {
        iterations: 200,
        time_budget: std::time::Duration::from_secs(30),
        ..SolveOptions::default()
    };
    assert_eq!(solve(&p, &o).unwrap(), solve(&p, &o).unwrap());
}

#[test]
fn the_search_improves_on_the_first_plan() {
    let p = generated(35, 4, 3);
    let first = solve(
        &p,
        &SolveOptions {
            iterations: 0,
            ..SolveOptions::default()
        },
    )
    .unwrap();
    let better = solve(&p, &SolveOptions::default()).unwrap();
    assert!(better.summary.unassigned <= first.summary.unassigned);
    assert!(
        better.summary.duration < first.summary.duration,
        "{} vs {}",
        better.summary.duration,
        first.summary.duration
    );
}

// --- plan mode ---

#[test]
fn plan_mode_retimes_without_reordering_and_reports_violations() {
    let mut p = Problem {
        jobs: vec![job(1, 0.02, 0.0), job(2, 0.0, 0.02), job(3, -0.02, 0.0)],
        vehicles: vec![team(1)],
        ..Problem::default()
    };
    p.jobs[0].time_windows = vec![[9 * H, 9 * H + 1800]];
    p.vehicles[0].capacity = Some(vec![1]);
    p.vehicles[0].max_tasks = Some(2);
    p.jobs[2].delivery = Some(vec![1]);
    p.jobs[1].delivery = Some(vec![1]);
    p.vehicles[0].time_window = Some([9 * H, 10 * H]);
    // Staff put job 1 last: it is late for its window.
    let s = plan(&p, &[(1, vec![3, 2, 1])]).unwrap();
    assert_eq!(s.routes[0].job_ids(), vec![3, 2, 1]);
    let late = step(&s, 1);
    assert_eq!(late.violations[0].cause, "delay");
    assert_eq!(
        late.violations[0].duration,
        Some(late.arrival - (9 * H + 1800))
    );
    let causes: Vec<&str> = s.routes[0]
        .violations
        .iter()
        .map(|v| v.cause.as_str())
        .collect();
    for c in ["max_tasks", "load", "delay"] {
        assert!(causes.contains(&c), "{causes:?}");
    }
    // Past the shift: the end step is late.
    let end = s.routes[0].steps.last().unwrap();
    assert!(end.arrival > 10 * H);
    assert_eq!(end.violations[0].duration, Some(end.arrival - 10 * H));
    // Arrivals follow the given order: each leg's travel adds to the previous departure.
    let steps = &s.routes[0].steps;
    for w in steps.windows(2) {
        assert!(w[1].arrival >= w[0].arrival + w[0].waiting_time + w[0].service);
    }

    // The same visits in a good order: no violation.
    p.vehicles[0].time_window = Some([9 * H, 18 * H]);
    p.vehicles[0].capacity = Some(vec![2]);
    p.vehicles[0].max_tasks = Some(3);
    let ok = plan(&p, &[(1, vec![1, 2, 3])]).unwrap();
    assert!(ok.summary.violations.is_empty());
}

#[test]
fn plan_mode_lists_jobs_left_out_and_refuses_unknown_ids() {
    let p = Problem {
        jobs: vec![job(1, 0.02, 0.0), job(2, 0.0, 0.02)],
        vehicles: vec![team(1)],
        ..Problem::default()
    };
    let s = plan(&p, &[(1, vec![2])]).unwrap();
    assert_eq!(s.unassigned[0].id, 1);
    assert_eq!(s.unassigned[0].reason.as_ref().unwrap().code, "not_planned");
    let e = plan(&p, &[(1, vec![2, 9]), (4, vec![])]).unwrap_err();
    assert_eq!(e.at("routes[0].jobs[1]").unwrap().code, "unknown_job");
    assert_eq!(e.at("routes[1].vehicle").unwrap().code, "unknown_vehicle");
    let e = plan(&p, &[(1, vec![2, 2])]).unwrap_err();
    assert_eq!(e.at("routes[0].jobs[1]").unwrap().code, "duplicate_job");
}

// --- generated rounds ---

/// A round like the benchmark's: stops over about 8 × 8 km around a 구청, 20-minute visits,
/// windows 30 % morning, 30 % afternoon, 40 % all day, teams of 12 working 09–18.
fn generated(visits: usize, teams: usize, seed: u64) -> Problem {
    let mut rng = solve::Rng::new(seed);
    let jobs = (0..visits)
        .map(|i| {
            let mut j = job(
                i as u64 + 1,
                (rng.unit() - 0.5) * 0.09,
                (rng.unit() - 0.5) * 0.072,
            );
            let r = rng.unit();
            j.time_windows = vec![if r < 0.3 {
                [9 * H, 12 * H]
            } else if r < 0.6 {
                [13 * H, 17 * H]
            } else {
                [9 * H, 17 * H]
            }];
            j
        })
        .collect();
    let vehicles = (0..teams)
        .map(|i| Vehicle {
            max_tasks: Some(12),
            ..team(i as u64 + 1)
        })
        .collect();
    Problem {
        jobs,
        vehicles,
        ..Problem::default()
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// Whatever the solver returns passes plan mode with no violation, with the same
    /// timings, and every visit is either in exactly one route or unassigned with a reason.
    #[test]
    fn every_solution_is_feasible(
        visits in 1usize..30,
        teams in 1usize..4,
        seed in 0u64..1000,
        capacity in proptest::option::of(3u64..10),
        with_break in any::<bool>(),
        skilled in any::<bool>(),
    ) {
        let mut p = generated(visits, teams, seed);
        for (i, j) in p.jobs.iter_mut().enumerate() {
            if capacity.is_some() { j.delivery = Some(vec![1 + (i as u64 % 2)]); }
            if skilled && i % 4 == 0 { j.skills = vec![1]; }
        }
        for (i, v) in p.vehicles.iter_mut().enumerate() {
            v.capacity = capacity.map(|c| vec![c]);
            if skilled && i == 0 { v.skills = vec![1]; }
            if with_break {
                v.breaks = vec![Break { id: 1, time_windows: vec![[12 * H, 13 * H + 1800]], service: 3600, description: None }];
            }
        }
        let s = solve(&p, &SolveOptions { iterations: 60, ..SolveOptions::default() }).unwrap();
        let again = replan(&p, &s);
        prop_assert!(again.summary.violations.is_empty(), "{:?}", again.summary.violations);
        prop_assert_eq!(&again.routes, &s.routes);
        let mut ids: Vec<u64> = s.routes.iter().flat_map(Route::job_ids).chain(s.unassigned.iter().map(|u| u.id)).collect();
        ids.sort_unstable();
        prop_assert_eq!(ids, (1..=visits as u64).collect::<Vec<_>>());
        prop_assert!(s.unassigned.iter().all(|u| u.reason.is_some()));
        for r in &s.routes {
            prop_assert!(r.steps.iter().any(|st| st.kind == StepType::Break) == with_break);
        }
    }

    /// With room to spare (enough teams, no windows, no capacity), every visit is placed.
    #[test]
    fn ample_room_places_every_visit(visits in 1usize..40, seed in 0u64..1000) {
        let mut p = generated(visits, visits.div_ceil(10) + 1, seed);
        for j in &mut p.jobs { j.time_windows.clear(); }
        let s = solve(&p, &SolveOptions { iterations: 30, ..SolveOptions::default() }).unwrap();
        prop_assert_eq!(s.summary.unassigned, 0);
        prop_assert_eq!(s.routes.iter().map(|r| r.job_ids().len()).sum::<usize>(), visits);
    }
}

#[test]
fn the_budgets_bound_the_search() {
    let p = generated(50, 5, 11);
    // No time at all: the first plan, still complete and feasible.
    let hurried = solve(
        &p,
        &SolveOptions {
            time_budget: std::time::Duration::ZERO,
            ..SolveOptions::default()
        },
    )
    .unwrap();
    let first = solve(
        &p,
        &SolveOptions {
            iterations: 0,
            ..SolveOptions::default()
        },
    )
    .unwrap();
    assert_eq!(hurried, first);
    assert!(replan(&p, &hurried).summary.violations.is_empty());
    // A short time budget cuts a long iteration budget.
    let began = std::time::Instant::now();
    solve(
        &p,
        &SolveOptions {
            iterations: u64::MAX / 2,
            restarts: 1,
            time_budget: std::time::Duration::from_millis(200),
            ..SolveOptions::default()
        },
    )
    .unwrap();
    assert!(began.elapsed() < std::time::Duration::from_secs(2));
}

#[test]
fn values_beyond_vroom_limits_and_breaks_off_shift_are_refused() {
    let big = r#"{"jobs":[{"id":1,"location_index":1,"service":99999999999}],"vehicles":[{"id":1,"start_index":0}],
        "matrices":{"car":{"durations":[[0,1],[99999999999,0]]}}}"#;
    assert_eq!(error_at(big, "jobs[0].service").code, "too_large");
    assert_eq!(
        error_at(big, "matrices.car.durations[1][0]").code,
        "too_large"
    );
    let off = r#"{"jobs":[],"vehicles":[{"id":1,"start":[127,37.5],"time_window":[32400,64800],
        "breaks":[{"id":1,"time_windows":[[70000,72000]],"service":1800}]}]}"#;
    assert_eq!(
        error_at(off, "vehicles[0].breaks[0].time_windows").code,
        "break_outside_shift"
    );
}

#[test]
fn a_higher_priority_visit_wins_the_last_place() {
    let mut p = Problem {
        jobs: vec![job(1, 0.001, 0.0), job(2, 0.05, 0.05)],
        vehicles: vec![team(1)],
        ..Problem::default()
    };
    p.vehicles[0].max_tasks = Some(1);
    // Without priority the nearer visit is cheaper; with it the farther one is placed.
    let s = solve(&p, &quick()).unwrap();
    assert_eq!(s.routes[0].job_ids(), vec![1]);
    p.jobs[1].priority = 10;
    let s = solve(&p, &quick()).unwrap();
    assert_eq!(s.routes[0].job_ids(), vec![2]);
    assert_eq!(s.summary.priority, 10);
    assert_eq!(s.unassigned[0].id, 1);
    assert_eq!(s.unassigned[0].reason.as_ref().unwrap().code, "max_tasks");
}

#[test]
fn a_team_without_an_end_stops_at_its_last_visit() {
    let mut p = Problem {
        jobs: vec![job(1, 0.01, 0.0), job(2, 0.02, 0.0)],
        vehicles: vec![team(1)],
        ..Problem::default()
    };
    p.vehicles[0].end = None;
    let s = solve(&p, &quick()).unwrap();
    let steps = &s.routes[0].steps;
    assert_eq!(s.routes[0].job_ids(), vec![1, 2]);
    let last = steps.last().unwrap();
    assert_eq!(last.kind, StepType::End);
    assert_eq!(last.location, None);
    assert_eq!(last.duration, steps[2].duration);
}

#[test]
fn a_fixed_route_travels_in_the_vehicles_steps() {
    let p = Problem {
        jobs: vec![job(1, 0.02, 0.0), job(2, 0.0, 0.02)],
        vehicles: vec![team(1), team(2)],
        ..Problem::default()
    };
    let fixed = p.with_planned_routes(&[(2, vec![2, 1])]);
    let text = fixed.to_json();
    assert!(text.contains("\"steps\""));
    let back = Problem::from_json(&text).unwrap();
    assert_eq!(back.planned_routes(), vec![(2, vec![2, 1])]);
    let s = plan(&back, &back.planned_routes()).unwrap();
    assert_eq!(s.routes.len(), 1);
    assert_eq!(s.routes[0].vehicle, 2);
    assert_eq!(s.routes[0].job_ids(), vec![2, 1]);
}

#[test]
fn violations_read_in_both_languages() {
    let late = Violation {
        cause: "delay".into(),
        duration: Some(61),
    };
    assert_eq!(late.text().ko, "2분 늦습니다");
    assert_eq!(late.text().en, "2 min late");
    let load = Violation {
        cause: "load".into(),
        duration: None,
    };
    assert_eq!(load.text().en, "Over capacity");
}

#[test]
fn a_missed_window_falls_to_the_next_one() {
    let mut p = Problem {
        jobs: vec![job(1, 0.05, 0.0), job(2, 0.0, 0.0005)],
        vehicles: vec![team(1)],
        ..Problem::default()
    };
    p.jobs[0].time_windows = vec![[9 * H, 9 * H + 600], [14 * H, 15 * H]];
    p.jobs[0].service = 3 * H;
    // Job 1 after job 2: its morning window is gone, so it waits for the afternoon one.
    let s = plan(&p, &[(1, vec![2, 1])]).unwrap();
    let st = step(&s, 1);
    assert!(st.violations.is_empty());
    assert_eq!(st.arrival + st.waiting_time, 14 * H);
}

#[test]
fn bad_input_becomes_vroom_code_two() {
    let e = Problem::from_json(r#"{"jobs":[],"vehicles":[]}"#).unwrap_err();
    let s = Solution::input_error(&e);
    assert_eq!(s.code, 2);
    let text = s.error.unwrap();
    assert!(
        text.contains("vehicles")
            && text.contains("방문팀")
            && text.contains("There is no vehicle")
    );
    assert_eq!(
        crate::Halves::en(&e.issues[0]),
        "There is no vehicle (team)."
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// A pasted matrix need not obey the triangle inequality (going via a third place can be
    /// quicker); solutions still re-check with no violation.
    #[test]
    fn a_matrix_without_the_triangle_inequality_still_gives_feasible_plans(
        size in 2usize..16,
        seed in 0u64..1000,
        with_break in any::<bool>(),
    ) {
        let mut rng = solve::Rng::new(seed);
        let n = size + 1;
        let durations: Vec<Vec<u64>> = (0..n)
            .map(|a| (0..n).map(|b| if a == b { 0 } else { 60 + rng.below(3000) as u64 }).collect())
            .collect();
        let jobs = (1..n)
            .map(|i| {
                let start = 9 * H + rng.below(7) as u64 * H;
                Job {
                    id: i as u64,
                    location_index: Some(i),
                    service: 600,
                    time_windows: vec![[start, start + H + rng.below(3) as u64 * H]],
                    ..Job::default()
                }
            })
            .collect();
        let vehicles = (0..2)
            .map(|k| Vehicle {
                id: k + 1,
                start_index: Some(0),
                end_index: Some(0),
                time_window: Some([9 * H, 18 * H]),
                breaks: if with_break {
                    vec![Break { id: 1, time_windows: vec![[12 * H, 14 * H]], service: 1800, description: None }]
                } else {
                    vec![]
                },
                ..Vehicle::default()
            })
            .collect();
        let mut matrices = std::collections::BTreeMap::new();
        matrices.insert("car".to_owned(), Matrices { durations: Some(durations) });
        let p = Problem { jobs, vehicles, matrices, matrix: None };
        let s = solve(&p, &SolveOptions { iterations: 300, restarts: 2, ..SolveOptions::default() }).unwrap();
        let again = replan(&p, &s);
        prop_assert!(again.summary.violations.is_empty(), "{:?}", again.summary.violations);
        prop_assert_eq!(&again.routes, &s.routes);
        prop_assert_eq!(s.routes.iter().map(|r| r.job_ids().len()).sum::<usize>() + s.unassigned.len(), size);
    }
}

#[test]
fn each_profile_drives_on_its_own_matrix() {
    // The van has a road matrix; the walking team has none and goes by straight line.
    let text = r#"{"jobs":[{"id":1,"location":[126.91,37.57],"location_index":1}],
      "vehicles":[{"id":1,"profile":"van","start":[126.90,37.56],"start_index":0,"end_index":0},
                  {"id":2,"profile":"foot","start":[126.90,37.56],"end":[126.90,37.56]}],
      "matrices":{"van":{"durations":[[0,5000],[5000,0]]}}}"#;
    let p = Problem::from_json(text).unwrap();
    let s = plan(&p, &[(1, vec![1])]).unwrap();
    assert_eq!(s.summary.duration, 10_000);
    let s = plan(&p, &[(2, vec![1])]).unwrap();
    let there = straight_line_seconds([126.90, 37.56], [126.91, 37.57], &MatrixOptions::default());
    assert_eq!(s.summary.duration, 2 * there);
    // The solver sends the visit with the quicker team.
    let s = solve(&p, &quick()).unwrap();
    assert_eq!(s.routes[0].vehicle, 2);
}
