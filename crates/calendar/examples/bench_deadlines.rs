//! Deadlines per second on one core.
//!
//! `cargo run --release -p calendar --example bench_deadlines -- [--cases N] [--dump FILE [--dump-count M]]`
//!
//! Builds the standard calendar (1990–2100) once, generates N deterministic cases (mixed
//! periods: hours, 1–5 days, 즉시, 6–30 days, weeks, months; about 20 % with a pause, 10 % with
//! an extension), computes every deadline on this thread and prints the rate. `--dump` writes
//! the first M cases with their due moments as JSON lines, for `bench/calendar/deadlines.py`
//! (same cases in Python, and a cross-check of the results).

use calendar::chrono::{DateTime, TimeDelta, Utc};
use calendar::{DeadlineInput, Pause, Period, WorkCalendar, deadline, to_seoul};
use std::io::Write;
use std::time::Instant;

/// xorshift64*: a tiny deterministic generator, so Rust and Python see the same cases.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// 2020-01-01 00:00 KST.
const START: i64 = 1_577_804_400;
/// 15 years of minutes.
const MINUTES: u64 = 15 * 365 * 1440;

fn make_case(rng: &mut Rng) -> DeadlineInput {
    let minute = i64::try_from(rng.below(MINUTES)).unwrap_or(0);
    let received = DateTime::from_timestamp(START + minute * 60, 0).unwrap_or_default();
    let period = match rng.below(100) {
        0..=9 => Period::Hours(1 + rng.below(40) as u32),
        10..=39 => Period::Days(1 + rng.below(5) as u32),
        40..=49 => Period::Immediate,
        50..=79 => Period::Days(6 + rng.below(25) as u32),
        80..=89 => Period::Weeks(1 + rng.below(4) as u32),
        _ => Period::Months(1 + rng.below(3) as u32),
    };
    let mut input = DeadlineInput::new(received, period);
    if rng.below(5) == 0 {
        let start = received + TimeDelta::minutes(rng.below(10 * 1440) as i64);
        let end = start + TimeDelta::minutes(rng.below(5 * 1440) as i64);
        input.pauses.push(Pause {
            start,
            end: Some(end),
        });
    }
    if rng.below(10) == 0 {
        input
            .extensions
            .push(Period::Days(1 + rng.below(14) as u32));
    }
    input
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut cases_n: usize = 1_000_000;
    let mut dump: Option<String> = None;
    let mut dump_count: usize = 20_000;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--cases" => cases_n = args.next().ok_or("--cases N")?.parse()?,
            "--dump" => dump = Some(args.next().ok_or("--dump FILE")?),
            "--dump-count" => dump_count = args.next().ok_or("--dump-count M")?.parse()?,
            _ => return Err(format!("unknown argument {a}").into()),
        }
    }

    let t0 = Instant::now();
    let cal = WorkCalendar::standard()?;
    let build = t0.elapsed();

    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let cases: Vec<DeadlineInput> = (0..cases_n).map(|_| make_case(&mut rng)).collect();
    // `now` only matters for open pauses; the cases have none.
    let now = DateTime::<Utc>::from_timestamp(4_000_000_000, 0).unwrap_or_default();

    let t1 = Instant::now();
    let mut checksum: i64 = 0;
    let mut errors = 0usize;
    for case in &cases {
        match deadline(&cal, case, now) {
            Ok(due) => checksum = checksum.wrapping_add(due.timestamp()),
            Err(_) => errors += 1,
        }
    }
    let secs = t1.elapsed().as_secs_f64();
    let rate = cases_n as f64 / secs;
    println!(
        "calendar build (1990-2100): {:.2} ms",
        build.as_secs_f64() * 1e3
    );
    println!("cases: {cases_n}, errors: {errors}, checksum: {checksum}");
    println!("time: {secs:.3} s");
    println!("rust deadlines/s: {rate:.0}");

    if let Some(path) = dump {
        let mut file = std::io::BufWriter::new(std::fs::File::create(&path)?);
        for case in cases.iter().take(dump_count) {
            let due = deadline(&cal, case, now)?;
            let pauses: Vec<[String; 2]> = case
                .pauses
                .iter()
                .map(|p| {
                    let end = p.end.unwrap_or(p.start);
                    [to_seoul(p.start).to_rfc3339(), to_seoul(end).to_rfc3339()]
                })
                .collect();
            let line = serde_json::json!({
                "received": to_seoul(case.received).to_rfc3339(),
                "period": case.period.to_string(),
                "pauses": pauses,
                "extensions": case.extensions.iter().map(|e| e.to_string()).collect::<Vec<_>>(),
                "due": to_seoul(due).to_rfc3339(),
            });
            writeln!(file, "{line}")?;
        }
        file.flush()?;
        println!("dumped {} cases to {path}", dump_count.min(cases_n));
    }
    Ok(())
}
