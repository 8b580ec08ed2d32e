//! Solves every VROOM instance in a folder with Minwon's solver on one thread, and prints
//! file, travel seconds, unassigned visits and wall seconds (tab-separated), after checking
//! each plan again in plan mode. See `bench/routing/README.md`.
//!
//!     cargo run --release -p domain --example route_bench -- bench/routing/instances [iterations]

use std::time::Instant;

use domain::service_access::routing::{Problem, SolveOptions, plan, solve};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let folder = args
        .next()
        .unwrap_or_else(|| "bench/routing/instances".to_owned());
    let mut options = SolveOptions::default();
    if let Some(it) = args.next() {
        options.iterations = it.parse()?;
    }
    if let Some(seed) = args.next() {
        options.seed = seed.parse()?;
    }
    // Tuning knobs for experiments; the defaults are what `solve` uses.
    let env = |k: &str| std::env::var(k).ok().and_then(|v| v.parse::<f64>().ok());
    if let Some(v) = env("MW_RESTARTS") {
        options.restarts = v as u32;
    }
    if let Some(v) = env("MW_T0") {
        options.start_temperature = v;
    }
    if let Some(v) = env("MW_T1") {
        options.end_temperature = v;
    }
    if let Some(v) = env("MW_REMOVED") {
        options.mean_removed = v;
    }
    if let Some(v) = env("MW_STRING") {
        options.max_string = v;
    }
    let mut files: Vec<_> = std::fs::read_dir(&folder)?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    println!("file\ttravel\tunassigned\tseconds\tcpu");
    for path in files {
        let problem = Problem::from_json(&std::fs::read_to_string(&path)?)?;
        let began = Instant::now();
        let cpu_before = thread_cpu_seconds();
        let solution = solve(&problem, &options)?;
        let took = began.elapsed().as_secs_f64();
        let cpu = thread_cpu_seconds() - cpu_before;
        let routes: Vec<(u64, Vec<u64>)> = solution
            .routes
            .iter()
            .map(|r| (r.vehicle, r.job_ids()))
            .collect();
        let check = plan(&problem, &routes)?;
        if !check.summary.violations.is_empty()
            || check.summary.duration != solution.summary.duration
        {
            return Err(format!("{}: the plan does not re-check", path.display()).into());
        }
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("?");
        // MW_OUT=folder keeps each solution for the independent check (verify.py).
        if let Ok(out) = std::env::var("MW_OUT") {
            std::fs::create_dir_all(&out)?;
            std::fs::write(std::path::Path::new(&out).join(name), solution.to_json())?;
        }
        println!(
            "{name}\t{}\t{}\t{took:.3}\t{cpu:.2}",
            solution.summary.duration, solution.summary.unassigned
        );
    }
    Ok(())
}

/// This thread's CPU time (user + system) from `/proc/thread-self/stat`, in 1/100 s ticks:
/// on a shared machine it shows the work a solve does, whatever else is running.
fn thread_cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/thread-self/stat").unwrap_or_default();
    // Fields after the command name (which is in parentheses): utime and stime are 14 and 15.
    let after = stat.rsplit_once(')').map(|(_, rest)| rest).unwrap_or("");
    let fields: Vec<&str> = after.split_whitespace().collect();
    let tick = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    (tick(11) + tick(12)) / 100.0
}
