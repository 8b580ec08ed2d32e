//! Protection settings: contact time limits per channel, evidence retention, the security desk.

use super::*;

/// Setting key of the recommended minutes per call or visit on `channel`.
pub fn contact_minutes_key(channel: Channel) -> String {
    format!("protection.contact_minutes.{}", channel.as_str())
}

pub const RETENTION_KEY: &str = "protection.evidence_retention_days";
/// Where panic alerts go besides supervisors and protection officers: the security desk's
/// mail address or mobile number (청사 방호실).
pub const SECURITY_DESK_KEY: &str = "protection.security_desk";

/// The recommended minutes for `channel`: the setting, else the default.
pub async fn contact_minutes(db: &Db, channel: Channel) -> Result<i64> {
    let v = crate::office::settings::get(db, &contact_minutes_key(channel)).await?;
    Ok(v.and_then(|v| rules::parse_contact_minutes(&v).ok())
        .unwrap_or_else(|| rules::default_contact_minutes(channel)))
}

pub async fn evidence_retention_days(db: &Db) -> Result<i64> {
    let v = crate::office::settings::get(db, RETENTION_KEY).await?;
    Ok(v.and_then(|v| v.trim().parse::<i64>().ok())
        .filter(|d| *d >= 365)
        .unwrap_or(rules::EVIDENCE_RETENTION_DAYS))
}
