//! `minwon holidays` and `minwon deadline`: thin command-line wrappers around the `calendar`
//! crate. Both write to the `out` they are given and return a [`CliError`]; the caller prints
//! the error on stderr and exits with [`CliError::exit_code`] (2 for bad input).
//!
//! ```text
//! minwon holidays --year 2026 [--format json] [--holiday-data FILE]
//! minwon deadline --received 2026-11-23T10:00:00+09:00 --period 3d \
//!     [--pause START/END]... [--extend 7d]... [--now INSTANT] [--quiet] [--holiday-data FILE]
//! ```
//!
//! `deadline` prints a Korean explanation, then the due moment as RFC 3339 in +09:00 on the
//! last line of stdout (`--quiet`: only that line).

use calendar::chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone, Utc};
use calendar::{
    DeadlineInput, HolidayData, OfficeHours, Pause, Period, SEOUL, WorkCalendar, explain,
    holidays::{FIRST_HOLIDAY_YEAR, LAST_HOLIDAY_YEAR},
    holidays_in_year, to_seoul,
};
use std::fmt;
use std::io::Write;
use std::path::PathBuf;

/// Output format of `minwon holidays`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum HolidayFormat {
    /// One `YYYY-MM-DD 이름` per line.
    #[default]
    Text,
    /// A JSON array of `{"date", "name", "kind"}`.
    Json,
}

/// `minwon holidays`: the public holidays of a year.
#[derive(Debug, Clone, clap::Args)]
pub struct HolidaysArgs {
    /// Year, 1990–2100.
    #[arg(long)]
    pub year: i32,
    /// Output format.
    #[arg(long, value_enum, default_value_t = HolidayFormat::Text)]
    pub format: HolidayFormat,
    /// JSON file with administrator holiday data
    /// (`{"extra": [{"date", "name", "kind"}], "removed": ["YYYY-MM-DD"]}`).
    #[arg(long, env = "MINWON_HOLIDAY_DATA")]
    pub holiday_data: Option<PathBuf>,
}

/// `minwon deadline`: the due moment of a petition.
#[derive(Debug, Clone, clap::Args)]
pub struct DeadlineArgs {
    /// Moment of receipt: RFC 3339 (`2026-11-23T10:00:00+09:00`), or a local Seoul time
    /// without offset (`2026-11-23T10:00`, `2026-11-23 10:00`).
    #[arg(long)]
    pub received: String,
    /// Period: `Nh`, `Nd`, `Nw`, `Nm`, `Ny` or `immediate` (즉시).
    #[arg(long)]
    pub period: String,
    /// A pause `START/END`; `START/` (or just `START`) for a pause still running. Repeatable.
    #[arg(long = "pause")]
    pub pauses: Vec<String>,
    /// An extension, e.g. `7d`. Repeatable; applied in order.
    #[arg(long = "extend")]
    pub extensions: Vec<String>,
    /// The current moment (for running pauses); default: the system clock.
    #[arg(long)]
    pub now: Option<String>,
    /// Print only the due moment.
    #[arg(long)]
    pub quiet: bool,
    /// JSON file with administrator holiday data (as for `holidays`).
    #[arg(long, env = "MINWON_HOLIDAY_DATA")]
    pub holiday_data: Option<PathBuf>,
}

/// What went wrong. `Usage` is bad input (exit code 2); `Io` a failed write or read (1).
#[derive(Debug)]
pub enum CliError {
    Usage(String),
    Io(std::io::Error),
}

impl CliError {
    /// Process exit code: 2 for bad input, 1 for I/O failures.
    pub fn exit_code(&self) -> i32 {
        match self {
            CliError::Usage(_) => 2,
            CliError::Io(_) => 1,
        }
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CliError::Usage(msg) => f.write_str(msg),
            CliError::Io(e) => write!(f, "I/O error: {e}"),
        }
    }
}

impl std::error::Error for CliError {}

impl From<std::io::Error> for CliError {
    fn from(e: std::io::Error) -> Self {
        CliError::Io(e)
    }
}

fn usage(e: impl fmt::Display) -> CliError {
    CliError::Usage(e.to_string())
}

fn load_holiday_data(path: Option<&PathBuf>) -> Result<HolidayData, CliError> {
    let Some(path) = path else {
        return Ok(HolidayData::default());
    };
    let text = std::fs::read_to_string(path)
        .map_err(|e| usage(format!("cannot read holiday data {}: {e}", path.display())))?;
    serde_json::from_str(&text)
        .map_err(|e| usage(format!("bad holiday data in {}: {e}", path.display())))
}

/// Prints the holidays of `args.year`.
pub fn run_holidays(args: &HolidaysArgs, out: &mut impl Write) -> Result<(), CliError> {
    let data = load_holiday_data(args.holiday_data.as_ref())?;
    let list = holidays_in_year(args.year, &data).map_err(usage)?;
    match args.format {
        HolidayFormat::Text => {
            for h in &list {
                writeln!(out, "{} {}", h.date, h.name)?;
            }
        }
        HolidayFormat::Json => {
            let json = serde_json::to_string_pretty(&list).map_err(std::io::Error::other)?;
            writeln!(out, "{json}")?;
        }
    }
    Ok(())
}

/// Parses an instant: RFC 3339, or a Seoul local time without offset.
fn parse_instant(what: &str, s: &str) -> Result<DateTime<Utc>, CliError> {
    let s = s.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(t.with_timezone(&Utc));
    }
    for format in [
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%d %H:%M",
    ] {
        if let Ok(local) = NaiveDateTime::parse_from_str(s, format) {
            // +09:00 is a fixed offset: every local time maps to exactly one instant.
            if let Some(t) = SEOUL.from_local_datetime(&local).single() {
                return Ok(t.with_timezone(&Utc));
            }
        }
    }
    if let Ok(day) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return Err(usage(format!(
            "{what} {s:?} has no time of day: write e.g. {day}T10:00:00+09:00"
        )));
    }
    Err(usage(format!(
        "{what} {s:?} is not a date and time: write RFC 3339, e.g. 2026-11-23T10:00:00+09:00"
    )))
}

fn parse_pause(s: &str) -> Result<Pause, CliError> {
    let (start, end) = match s.split_once('/') {
        Some((start, end)) => (start, end.trim()),
        None => (s, ""),
    };
    let start = parse_instant("pause start", start)?;
    let end = if end.is_empty() {
        None
    } else {
        Some(parse_instant("pause end", end)?)
    };
    if let Some(end) = end
        && end < start
    {
        return Err(usage(format!(
            "pause {s:?} ends before it starts / 정지 기간의 끝이 시작보다 앞섭니다"
        )));
    }
    Ok(Pause { start, end })
}

fn parse_period(what: &str, s: &str) -> Result<Period, CliError> {
    s.parse::<Period>()
        .map_err(|e| usage(format!("{what}: {e}")))
}

/// Computes and prints the due moment (last line: RFC 3339, +09:00).
pub fn run_deadline(args: &DeadlineArgs, out: &mut impl Write) -> Result<(), CliError> {
    let received = parse_instant("received", &args.received)?;
    let period = parse_period("period", &args.period)?;
    let pauses = args
        .pauses
        .iter()
        .map(|p| parse_pause(p))
        .collect::<Result<Vec<_>, _>>()?;
    let extensions = args
        .extensions
        .iter()
        .map(|e| parse_period("extension", e))
        .collect::<Result<Vec<_>, _>>()?;
    let now = match &args.now {
        Some(now) => parse_instant("now", now)?,
        // The CLI may read the clock; the calendar crate never does.
        None => store::now(),
    };
    let data = load_holiday_data(args.holiday_data.as_ref())?;
    let cal = WorkCalendar::new(
        FIRST_HOLIDAY_YEAR,
        LAST_HOLIDAY_YEAR,
        &data,
        OfficeHours::default(),
    )
    .map_err(usage)?;
    let input = DeadlineInput {
        received,
        period,
        pauses,
        extensions,
    };
    let explanation = explain(&cal, &input, now).map_err(usage)?;
    if !args.quiet {
        for line in explanation.korean_lines() {
            writeln!(out, "{line}")?;
        }
    }
    writeln!(out, "{}", to_seoul(explanation.due.to_utc()).to_rfc3339())?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn holidays(year: i32, format: HolidayFormat) -> Result<String, CliError> {
        let args = HolidaysArgs {
            year,
            format,
            holiday_data: None,
        };
        let mut out = Vec::new();
        run_holidays(&args, &mut out)?;
        Ok(String::from_utf8(out).unwrap())
    }

    fn deadline(
        received: &str,
        period: &str,
        pauses: &[&str],
        ext: &[&str],
    ) -> Result<String, CliError> {
        let args = DeadlineArgs {
            received: received.into(),
            period: period.into(),
            pauses: pauses.iter().map(|s| s.to_string()).collect(),
            extensions: ext.iter().map(|s| s.to_string()).collect(),
            now: Some("2026-12-31T00:00:00+09:00".into()),
            quiet: false,
            holiday_data: None,
        };
        let mut out = Vec::new();
        run_deadline(&args, &mut out)?;
        Ok(String::from_utf8(out).unwrap())
    }

    fn last_line(s: &str) -> &str {
        s.lines().last().unwrap()
    }

    #[test]
    fn holidays_text_and_json() {
        let text = holidays(2026, HolidayFormat::Text).unwrap();
        assert!(text.lines().any(|l| l == "2026-02-17 설날"));
        assert_eq!(text.lines().count(), 22);
        let json: serde_json::Value =
            serde_json::from_str(&holidays(2026, HolidayFormat::Json).unwrap()).unwrap();
        let first = &json[0];
        assert_eq!(first["date"], "2026-01-01");
        assert_eq!(first["kind"], "fixed");
        assert!(
            json.as_array()
                .unwrap()
                .iter()
                .any(|h| h["kind"] == "substitute")
        );
    }

    #[test]
    fn holidays_bad_year_is_usage_error() {
        let err = holidays(1989, HolidayFormat::Text).unwrap_err();
        assert_eq!(err.exit_code(), 2);
        assert!(err.to_string().contains("1989"));
    }

    #[test]
    fn deadline_examples() {
        let out = deadline("2026-11-23T10:00:00+09:00", "3d", &[], &[]).unwrap();
        assert_eq!(last_line(&out), "2026-11-26T10:00:00+09:00");
        assert!(out.contains("처리기한"));
        let out = deadline("2026-11-23 10:00", "7d", &[], &[]).unwrap();
        assert_eq!(last_line(&out), "2026-12-01T18:00:00+09:00");
        // UTC input, output in +09:00.
        let out = deadline("2026-11-23T01:00:00Z", "3d", &[], &[]).unwrap();
        assert_eq!(last_line(&out), "2026-11-26T10:00:00+09:00");
        let out = deadline(
            "2026-11-23T10:00:00+09:00",
            "7d",
            &["2026-11-27T15:00:00+09:00/2026-11-30T11:00:00+09:00"],
            &["7d"],
        )
        .unwrap();
        assert_eq!(last_line(&out), "2026-12-14T18:00:00+09:00");
        // A running pause (now = 31 Dec) pushes the due moment past now.
        let out = deadline(
            "2026-11-23T10:00:00+09:00",
            "3d",
            &["2026-11-24T10:00:00+09:00/"],
            &[],
        )
        .unwrap();
        assert!(last_line(&out) > "2026-12-31");
    }

    #[test]
    fn deadline_bad_input_is_usage_error() {
        for (received, period, pauses, ext) in [
            ("2026-13-01T10:00:00+09:00", "3d", vec![], vec![]),
            ("2026-11-23", "3d", vec![], vec![]),
            ("yesterday", "3d", vec![], vec![]),
            ("2026-11-23T10:00:00+09:00", "3x", vec![], vec![]),
            ("2026-11-23T10:00:00+09:00", "0d", vec![], vec![]),
            (
                "2026-11-23T10:00:00+09:00",
                "3d",
                vec!["2026-11-24T10:00:00+09:00/2026-11-24T09:00:00+09:00"],
                vec![],
            ),
            ("2026-11-23T10:00:00+09:00", "3d", vec![], vec!["soon"]),
            ("1980-11-23T10:00:00+09:00", "3d", vec![], vec![]),
        ] {
            let err = deadline(received, period, &pauses, &ext).unwrap_err();
            assert_eq!(err.exit_code(), 2, "{received} {period} {pauses:?} {ext:?}");
            assert!(!err.to_string().is_empty());
        }
    }
}
