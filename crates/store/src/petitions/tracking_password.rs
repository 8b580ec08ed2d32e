//! The tracking password a petitioner chose at filing, and the look-up it opens.

use super::*;
use crate::{execute, fetch_optional};

/// Shortest and longest tracking password a petitioner may choose at filing.
pub const TRACKING_PASSWORD_CHARS: std::ops::RangeInclusive<usize> = 8..=64;

/// Remember the tracking password a petitioner chose at filing (argon2id hash), in the filing's
/// transaction.
pub async fn set_tracking_password(
    tx: &mut Tx,
    id: PetitionId,
    password: &TrackingPassword,
    now: DateTime<Utc>,
) -> Result<()> {
    execute!(
        tx,
        "INSERT INTO petition_tracking (petition_id, password_hash, created_at) VALUES ($1, $2, $3)",
        id,
        &password.0,
        now
    )?;
    Ok(())
}

/// A tracking password checked and hashed (argon2id) before any transaction starts: hashing
/// takes tens of milliseconds, too long to hold the write lock for.
pub struct TrackingPassword(String);

impl TrackingPassword {
    pub fn new(password: &str) -> Result<Self> {
        if !TRACKING_PASSWORD_CHARS.contains(&password.chars().count()) {
            return Err(bad(
                "bad_tracking_password",
                "조회 비밀번호는 8자에서 64자까지입니다",
                "the tracking password has 8 to 64 characters",
            ));
        }
        Ok(TrackingPassword(crate::kit::secrets::hash_password(
            password,
        )?))
    }
}

/// Find a petition for a petitioner who has no account (tracking on the web): by its receipt
/// number or its petition number (given at filing, before there is a receipt number), and either
/// the last four digits of the phone number given at filing or the tracking password chosen
/// then (anonymous reports: the password only). Any mismatch is `NotFound`, so the answer
/// never tells which part was wrong.
pub async fn find_for_petitioner(db: &Db, number: &str, secret: &str) -> Result<Petition> {
    let number = number.trim();
    let found = if number.contains('-') {
        get_by_receipt_no(db, number).await
    } else {
        match number.parse::<i64>() {
            Ok(id) => get(db, id).await,
            Err(_) => Err(StoreError::NotFound),
        }
    };
    let p = found?;
    // An anonymous report has no phone number: only its tracking password finds it.
    let four_digits =
        !p.anonymous && secret.len() == 4 && secret.chars().all(|c| c.is_ascii_digit());
    let same = if four_digits {
        let digits: String = p
            .petitioner_phone
            .chars()
            .filter(char::is_ascii_digit)
            .collect();
        let tail = digits.get(digits.len().saturating_sub(4)..).unwrap_or("");
        tail.len() == 4
            && secret
                .bytes()
                .zip(tail.bytes())
                .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                == 0
    } else {
        let hash: Option<(String,)> = fetch_optional!(
            db,
            _,
            "SELECT password_hash FROM petition_tracking WHERE petition_id = $1",
            p.id
        )?;
        match hash {
            Some((h,)) => crate::kit::secrets::verify_password(secret, &h),
            None => {
                // The same work as a real check, so timing does not tell whether one was set.
                crate::kit::secrets::verify_password(secret, crate::kit::secrets::dummy_hash());
                false
            }
        }
    };
    if same {
        Ok(p)
    } else {
        Err(StoreError::NotFound)
    }
}
