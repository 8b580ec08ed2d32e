//! Processing periods (처리기간) and how each is counted.

use crate::error::DeadlineError;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::str::FromStr;

/// A processing period. Written `3h`, `5d`, `2w`, `1m`, `1y` or `immediate` (also `즉시`);
/// Korean units are accepted too (`3시간`, `7일`, `2주`, `1개월`, `1년`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Period {
    /// N working hours (근무시간).
    Hours(u32),
    /// N days: 1–5 counted as N × 8 working hours, 6 or more counted in working days.
    Days(u32),
    /// N weeks, calendar counting (민법 art. 159–161).
    Weeks(u32),
    /// N months, calendar counting.
    Months(u32),
    /// N years, calendar counting.
    Years(u32),
    /// 즉시: 3 working hours (Decree art. 19).
    Immediate,
}

/// How a period is counted (Act art. 19).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CountingMode {
    /// Hours, days ≤ 5 and 즉시: working time from the moment of receipt.
    WorkingHours,
    /// Days ≥ 6: working days, the receipt day being day 1 if it is a working day.
    WorkingDays,
    /// Weeks, months, years: calendar days from the receipt day, rolled to a working day.
    Calendar,
}

/// Working hours in one statutory day (Decree art. 19: one day = 8 working hours).
pub const HOURS_PER_DAY: u32 = 8;
/// Working hours of 즉시.
pub const IMMEDIATE_HOURS: u32 = 3;
/// Largest day count still counted in working hours.
pub const MAX_HOUR_COUNTED_DAYS: u32 = 5;

impl Period {
    pub fn counting_mode(self) -> CountingMode {
        match self {
            Period::Hours(_) | Period::Immediate => CountingMode::WorkingHours,
            Period::Days(n) if n <= MAX_HOUR_COUNTED_DAYS => CountingMode::WorkingHours,
            Period::Days(_) => CountingMode::WorkingDays,
            Period::Weeks(_) | Period::Months(_) | Period::Years(_) => CountingMode::Calendar,
        }
    }

    /// The number in the period (3 for `3d`; 3 hours for 즉시).
    pub fn count(self) -> u32 {
        match self {
            Period::Hours(n)
            | Period::Days(n)
            | Period::Weeks(n)
            | Period::Months(n)
            | Period::Years(n) => n,
            Period::Immediate => IMMEDIATE_HOURS,
        }
    }

    /// Working hours this period stands for when counted in hours: `Nh` = N, `Nd` = 8N,
    /// 즉시 = 3; `None` for weeks, months and years.
    pub fn as_working_hours(self) -> Option<u64> {
        match self {
            Period::Hours(n) => Some(u64::from(n)),
            Period::Days(n) => Some(u64::from(n) * u64::from(HOURS_PER_DAY)),
            Period::Immediate => Some(u64::from(IMMEDIATE_HOURS)),
            _ => None,
        }
    }

    /// Korean wording, e.g. `7일`, `1개월`, `즉시`.
    pub fn korean(self) -> String {
        match self {
            Period::Hours(n) => format!("{n}시간"),
            Period::Days(n) => format!("{n}일"),
            Period::Weeks(n) => format!("{n}주"),
            Period::Months(n) => format!("{n}개월"),
            Period::Years(n) => format!("{n}년"),
            Period::Immediate => "즉시".to_string(),
        }
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Period::Hours(n) => write!(f, "{n}h"),
            Period::Days(n) => write!(f, "{n}d"),
            Period::Weeks(n) => write!(f, "{n}w"),
            Period::Months(n) => write!(f, "{n}m"),
            Period::Years(n) => write!(f, "{n}y"),
            Period::Immediate => write!(f, "immediate"),
        }
    }
}

impl FromStr for Period {
    type Err = DeadlineError;

    /// Parses `Nh`, `Nd`, `Nw`, `Nm`, `Ny` (any case), `immediate`/`즉시`, or Korean units.
    /// Zero is rejected with [`DeadlineError::ZeroPeriod`].
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let text = s.trim();
        if text.eq_ignore_ascii_case("immediate") || text == "즉시" {
            return Ok(Period::Immediate);
        }
        let bad = || DeadlineError::BadPeriod(s.to_string());
        let digits = text.find(|c: char| !c.is_ascii_digit()).ok_or_else(bad)?;
        let (number, unit) = text.split_at(digits);
        let n: u32 = number.parse().map_err(|_| bad())?;
        let period = match unit.trim().to_lowercase().as_str() {
            "h" | "시간" => Period::Hours(n),
            "d" | "일" => Period::Days(n),
            "w" | "주" => Period::Weeks(n),
            "m" | "개월" | "달" => Period::Months(n),
            "y" | "년" => Period::Years(n),
            _ => return Err(bad()),
        };
        if n == 0 {
            return Err(DeadlineError::ZeroPeriod);
        }
        Ok(period)
    }
}

/// Serialised as its string form (`"7d"`), the same text the CLI and the database use.
impl Serialize for Period {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Period {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_and_display() {
        for (text, p) in [
            ("3h", Period::Hours(3)),
            ("7d", Period::Days(7)),
            ("2W", Period::Weeks(2)),
            ("1m", Period::Months(1)),
            ("1y", Period::Years(1)),
            ("immediate", Period::Immediate),
        ] {
            assert_eq!(text.parse::<Period>().unwrap(), p);
            assert_eq!(p.to_string(), text.to_lowercase());
        }
        assert_eq!("즉시".parse::<Period>().unwrap(), Period::Immediate);
        assert_eq!("14일".parse::<Period>().unwrap(), Period::Days(14));
        assert_eq!("1개월".parse::<Period>().unwrap(), Period::Months(1));
        for bad in ["", "d", "3", "3x", "-3d", "3.5d", "99999999999d", "3 days"] {
            assert!(
                matches!(bad.parse::<Period>(), Err(DeadlineError::BadPeriod(_))),
                "{bad}"
            );
        }
        assert_eq!("0d".parse::<Period>(), Err(DeadlineError::ZeroPeriod));
    }

    #[test]
    fn modes() {
        assert_eq!(Period::Days(5).counting_mode(), CountingMode::WorkingHours);
        assert_eq!(Period::Days(6).counting_mode(), CountingMode::WorkingDays);
        assert_eq!(Period::Immediate.as_working_hours(), Some(3));
        assert_eq!(Period::Months(1).counting_mode(), CountingMode::Calendar);
    }

    #[test]
    fn serde_as_string() {
        assert_eq!(serde_json::to_string(&Period::Days(7)).unwrap(), "\"7d\"");
        assert_eq!(
            serde_json::from_str::<Period>("\"2w\"").unwrap(),
            Period::Weeks(2)
        );
        assert!(serde_json::from_str::<Period>("\"0w\"").is_err());
    }
}
