//! Tracking a petition without an account (민원 처리 조회): the random tracking code given on
//! the receipt, and the one counted check every look-up goes through.
//!
//! A four-digit phone tail on a sequential petition number was found by one address in under a
//! minute. The receipt now gives a random code (12 characters from an alphabet without look-alike
//! characters, about 59 bits), stored as a SHA-256 hash like session tokens. Old links with the
//! petition number and phone digits or tracking password keep working through the same check.
//! Failed look-ups are counted in the database per petition and per client address in a sliding
//! window, so every app server sees the same count; at the limit the look-up locks until the
//! window has moved on, and the answer says when.

use crate::kit::secrets::token_hash;
use crate::petitions::{self, Petition};
use crate::{Db, Result, StoreError, Tx, execute, fetch_optional};
use chrono::{DateTime, Duration, Utc};
use domain::petitions::PetitionId;

/// Characters of a tracking code: upper-case letters and digits without 0/O, 1/I/L.
pub const CODE_ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTUVWXYZ23456789";
/// Characters in a tracking code (shown in groups of four).
pub const CODE_CHARS: usize = 12;

/// Settings (in `settings`, with these defaults): failures per petition and per address in the
/// window before look-ups lock.
pub const MAX_FAILURES_PER_PETITION_SETTING: &str = "tracking.max_failures_per_petition";
pub const MAX_FAILURES_PER_ADDRESS_SETTING: &str = "tracking.max_failures_per_address";
pub const WINDOW_MINUTES_SETTING: &str = "tracking.window_minutes";
pub const DEFAULT_MAX_FAILURES_PER_PETITION: i64 = 5;
pub const DEFAULT_MAX_FAILURES_PER_ADDRESS: i64 = 20;
pub const DEFAULT_WINDOW_MINUTES: i64 = 15;

/// A new random tracking code, grouped for reading: `ABCD-EFGH-JKMN`.
pub fn new_code() -> Result<String> {
    let mut out = String::with_capacity(CODE_CHARS + 2);
    let mut filled = 0;
    while filled < CODE_CHARS {
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes).map_err(|_| StoreError::Hashing)?;
        // Rejection sampling keeps every character equally likely.
        let limit = 256 - 256 % CODE_ALPHABET.len();
        for b in bytes {
            if filled == CODE_CHARS {
                break;
            }
            if usize::from(b) < limit {
                if filled > 0 && filled % 4 == 0 {
                    out.push('-');
                }
                out.push(char::from(
                    CODE_ALPHABET[usize::from(b) % CODE_ALPHABET.len()],
                ));
                filled += 1;
            }
        }
    }
    Ok(out)
}

/// A typed code as stored: upper case, without spaces or hyphens; `None` when it cannot be a
/// tracking code (then it may be old-style phone digits or a tracking password).
pub fn normalize_code(typed: &str) -> Option<String> {
    let code: String = typed
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| c.to_ascii_uppercase())
        .collect();
    (code.len() == CODE_CHARS && code.bytes().all(|b| CODE_ALPHABET.contains(&b))).then_some(code)
}

/// Give the petition its tracking code, in the filing's transaction. Returns the code, which is
/// shown this once (receipt page, receipt notice, API answer).
pub async fn issue(tx: &mut Tx, petition_id: PetitionId, now: DateTime<Utc>) -> Result<String> {
    let code = new_code()?;
    let stored = normalize_code(&code).ok_or(StoreError::Hashing)?;
    execute!(
        tx,
        "INSERT INTO petition_codes (petition_id, code_hash, created_at) VALUES ($1, $2, $3)",
        petition_id,
        token_hash(&stored),
        now
    )?;
    Ok(code)
}

/// A new code for a petition whose petitioner lost theirs: every earlier code stops working.
pub async fn reissue(tx: &mut Tx, petition_id: PetitionId, now: DateTime<Utc>) -> Result<String> {
    execute!(
        tx,
        "DELETE FROM petition_codes WHERE petition_id = $1",
        petition_id
    )?;
    issue(tx, petition_id, now).await
}

/// The limits in force (office settings, else the defaults).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub per_petition: i64,
    pub per_address: i64,
    pub window: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            per_petition: DEFAULT_MAX_FAILURES_PER_PETITION,
            per_address: DEFAULT_MAX_FAILURES_PER_ADDRESS,
            window: Duration::minutes(DEFAULT_WINDOW_MINUTES),
        }
    }
}

pub async fn limits(db: &Db) -> Result<Limits> {
    let read = async |key: &str, default: i64| -> Result<i64> {
        Ok(crate::office::settings::get(db, key)
            .await?
            .and_then(|v| v.trim().parse::<i64>().ok())
            .filter(|v| (1..=100_000).contains(v))
            .unwrap_or(default))
    };
    Ok(Limits {
        per_petition: read(
            MAX_FAILURES_PER_PETITION_SETTING,
            DEFAULT_MAX_FAILURES_PER_PETITION,
        )
        .await?,
        per_address: read(
            MAX_FAILURES_PER_ADDRESS_SETTING,
            DEFAULT_MAX_FAILURES_PER_ADDRESS,
        )
        .await?,
        window: Duration::minutes(read(WINDOW_MINUTES_SETTING, DEFAULT_WINDOW_MINUTES).await?),
    })
}

/// The answer of a look-up. `NotFound` never says which part was wrong.
#[derive(Debug, Clone)]
pub enum Lookup {
    Found(Box<Petition>),
    NotFound,
    /// Too many failures from this address or for this petition: try again at `until`.
    Locked {
        until: DateTime<Utc>,
    },
}

/// When a count of failures reaches `max`, the moment the window lets one go: the `max`-th most
/// recent failure leaves the window then.
async fn locked_until(
    db: &Db,
    column: &'static str,
    petition: Option<PetitionId>,
    address: &str,
    max: i64,
    since: DateTime<Utc>,
    window: Duration,
) -> Result<Option<DateTime<Utc>>> {
    // `column` is one of two constants, never input.
    let sql = format!(
        "SELECT at FROM tracking_failures WHERE {column} = $1 AND at > $2 \
         ORDER BY at DESC LIMIT 1 OFFSET $3"
    );
    let row: Option<(DateTime<Utc>,)> = match petition {
        Some(id) => fetch_optional!(db, _, sqlx::AssertSqlSafe(sql.clone()), id, since, max - 1)?,
        None => fetch_optional!(
            db,
            _,
            sqlx::AssertSqlSafe(sql.clone()),
            address,
            since,
            max - 1
        )?,
    };
    Ok(row.map(|(at,)| at + window))
}

/// The petition a number refers to: a receipt number (`2026-000123`) or, before receipt, the
/// petition number.
async fn by_number(db: &Db, number: &str) -> Result<Option<Petition>> {
    let number = number.trim();
    let found = if number.contains('-') {
        petitions::get_by_receipt_no(db, number).await
    } else {
        match number.parse::<i64>() {
            Ok(id) => petitions::get(db, id).await,
            Err(_) => Err(StoreError::NotFound),
        }
    };
    match found {
        Ok(p) => Ok(Some(p)),
        Err(StoreError::NotFound) => Ok(None),
        Err(e) => Err(e),
    }
}

/// Whether the code matches the petition's stored tracking code.
async fn code_matches(db: &Db, id: PetitionId, code: &str) -> Result<bool> {
    let row: Option<(String,)> = fetch_optional!(
        db,
        _,
        "SELECT code_hash FROM petition_codes WHERE petition_id = $1",
        id
    )?;
    let given = token_hash(code);
    Ok(row.is_some_and(|(stored,)| {
        // Equal-length hex strings, compared without an early exit.
        stored.len() == given.len()
            && stored
                .bytes()
                .zip(given.bytes())
                .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                == 0
    }))
}

async fn record_failure(
    db: &Db,
    petition: Option<PetitionId>,
    address: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    execute!(
        db,
        "INSERT INTO tracking_failures (petition_id, address, at) VALUES ($1, $2, $3)",
        petition,
        address,
        now
    )?;
    Ok(())
}

/// The one counted check behind every look-up without an account: by number and tracking code,
/// or (old links) number and phone digits or tracking password (`petitions::find_for_petitioner`).
/// Locks are checked first, so a locked look-up tells nothing about the secret; each failure is
/// counted for the address and, when the number names a petition, for that petition.
pub async fn find(
    db: &Db,
    number: &str,
    secret: &str,
    address: &str,
    now: DateTime<Utc>,
) -> Result<Lookup> {
    let limits = limits(db).await?;
    let since = now - limits.window;
    if let Some(until) = locked_until(
        db,
        "address",
        None,
        address,
        limits.per_address,
        since,
        limits.window,
    )
    .await?
    {
        return Ok(Lookup::Locked { until });
    }
    let petition = by_number(db, number).await?;
    if let Some(p) = &petition
        && let Some(until) = locked_until(
            db,
            "petition_id",
            Some(p.id),
            address,
            limits.per_petition,
            since,
            limits.window,
        )
        .await?
    {
        return Ok(Lookup::Locked { until });
    }
    let found = match &petition {
        _ if secret.trim().is_empty() => None,
        None => {
            // The same work as a password check, so timing does not tell unknown numbers.
            crate::kit::secrets::verify_password(secret, crate::kit::secrets::dummy_hash());
            None
        }
        Some(p) => {
            let by_code = match normalize_code(secret) {
                Some(code) => code_matches(db, p.id, &code).await?,
                None => false,
            };
            if by_code {
                Some(p.clone())
            } else {
                // Old links: the phone digits or tracking password, checked as before.
                match petitions::find_for_petitioner(db, number, secret).await {
                    Ok(p) => Some(p),
                    Err(StoreError::NotFound) => None,
                    Err(e) => return Err(e),
                }
            }
        }
    };
    match found {
        Some(p) => Ok(Lookup::Found(Box::new(p))),
        None => {
            record_failure(db, petition.as_ref().map(|p| p.id), address, now).await?;
            Ok(Lookup::NotFound)
        }
    }
}

/// Forget failures older than a day (housekeeping, with the login attempts).
pub async fn purge(db: &Db, now: DateTime<Utc>) -> Result<u64> {
    Ok(execute!(
        db,
        "DELETE FROM tracking_failures WHERE at <= $1",
        now - Duration::days(1)
    )?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_long_random_and_unambiguous() {
        let a = new_code().unwrap_or_default();
        let b = new_code().unwrap_or_default();
        assert_ne!(a, b);
        assert_eq!(a.len(), CODE_CHARS + 2, "{a}");
        assert_eq!(
            normalize_code(&a.to_lowercase().replace('-', " ")).map(|c| c.len()),
            Some(12)
        );
        assert!(!a.contains(['0', 'O', '1', 'I', 'L']), "{a}");
        assert_eq!(normalize_code("1234"), None);
        assert_eq!(normalize_code("ABCD-EFGH-JKM0"), None);
    }
}
