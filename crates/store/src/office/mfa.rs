//! Two-factor sign-in (이중 인증) with TOTP (RFC 6238, authenticator apps) and single-use
//! recovery codes, and the pending step between a right password and the second factor.
//!
//! The TOTP secret is sealed with the data key (`PiiKey`, AES-GCM) and shown only while the
//! person enrols; recovery codes are kept as SHA-256 hashes and each works once.

use crate::kit::ByKey;
use crate::kit::secrets::{new_token, token_hash};
use crate::petitions::PiiKey;
use crate::{Db, Result, StoreError, Tx, execute, execute_one, fetch_one, fetch_optional};
use chrono::{DateTime, Duration, Utc};
use domain::{AccountId, RuleError};
use totp_rs::{Builder, Secret, Totp};

/// How many recovery codes an enrolment gives.
pub const RECOVERY_CODES: usize = 10;
/// How long the second step may wait after a right password, and how many wrong codes it takes.
pub const PENDING_MINUTES: i64 = 5;
pub const PENDING_ATTEMPTS: i64 = 5;

fn wrong_code() -> StoreError {
    StoreError::Rule(RuleError::new(
        "wrong_code",
        "인증 코드가 맞지 않거나 이미 사용되었습니다",
        "the code is wrong or was already used",
    ))
}

fn totp(secret: Vec<u8>) -> Result<Totp> {
    Builder::new()
        .with_secret(Secret::from(secret))
        .build()
        .map_err(|_| StoreError::Hashing)
}

/// The 6-digit code of a base32 secret at a Unix time (for tests and tools that play the app).
pub fn code_at(secret_base32: &str, unix_seconds: u64) -> Result<String> {
    let secret = Secret::try_from_base32(secret_base32).map_err(|_| StoreError::Hashing)?;
    Ok(totp(secret.as_bytes().to_vec())?
        .generate(unix_seconds)
        .to_string())
}

/// What an enrolment shows once: the secret for manual entry and the `otpauth://` address
/// authenticator apps read from a QR code.
#[derive(Debug, Clone)]
pub struct Enrolment {
    pub secret_base32: String,
    pub otpauth_uri: String,
}

/// Start (or restart) enrolment: a fresh 160-bit secret, sealed and stored, not yet enabled.
pub async fn begin_enrolment(
    tx: &mut Tx,
    key: &PiiKey,
    account_id: AccountId,
    username: &str,
) -> Result<Enrolment> {
    let mut bytes = [0u8; 20];
    getrandom::fill(&mut bytes).map_err(|_| StoreError::Hashing)?;
    let secret_base32 = Secret::from(bytes).to_base32();
    let sealed = key.encrypt(&secret_base32)?;
    execute_one!(
        tx,
        "UPDATE accounts SET totp_secret = $1, totp_enabled = FALSE, totp_last_step = 0 \
         WHERE id = $2",
        &sealed,
        account_id
    )?;
    // The label is the issuer and the username: letters the URI allows as they are.
    let label: String = username
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
        .collect();
    Ok(Enrolment {
        otpauth_uri: format!(
            "otpauth://totp/Minwon:{label}?secret={secret_base32}&issuer=Minwon&algorithm=SHA1&digits=6&period=30"
        ),
        secret_base32,
    })
}

#[derive(sqlx::FromRow)]
struct SecretRow {
    totp_secret: String,
    totp_enabled: bool,
    totp_last_step: i64,
}

async fn secret_row(tx: &mut Tx, account_id: AccountId) -> Result<SecretRow> {
    fetch_optional!(
        tx,
        SecretRow,
        "SELECT totp_secret, totp_enabled, totp_last_step FROM accounts WHERE id = $1",
        account_id
    )?
    .or_not_found()
}

/// Check a TOTP code and use up its time step, so one code never signs in twice.
async fn use_totp(
    tx: &mut Tx,
    key: &PiiKey,
    account_id: AccountId,
    row: &SecretRow,
    code: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    if row.totp_secret.is_empty() {
        return Err(wrong_code());
    }
    let base32 = key.decrypt(&row.totp_secret)?;
    let secret = Secret::try_from_base32(&base32).map_err(|_| StoreError::Hashing)?;
    let totp = totp(secret.as_bytes().to_vec())?;
    let unix = u64::try_from(now.timestamp()).unwrap_or(0);
    let step = totp.check(code.trim(), unix).ok_or_else(wrong_code)?;
    let step = i64::try_from(step).unwrap_or(i64::MAX);
    if step <= row.totp_last_step {
        return Err(wrong_code());
    }
    // Conditional on the old step: two requests racing with one code cannot both win.
    let done = execute!(
        tx,
        "UPDATE accounts SET totp_last_step = $1 WHERE id = $2 AND totp_last_step < $1",
        step,
        account_id
    )?;
    if done == 0 {
        return Err(wrong_code());
    }
    Ok(())
}

fn new_recovery_code() -> Result<String> {
    // 10 characters from a 32-letter alphabet without look-alikes: 50 bits, written xxxxx-xxxxx.
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    let mut bytes = [0u8; 10];
    getrandom::fill(&mut bytes).map_err(|_| StoreError::Hashing)?;
    let s: String = bytes
        .iter()
        .map(|b| char::from(ALPHABET[usize::from(*b) % ALPHABET.len()]))
        .collect();
    Ok(format!("{}-{}", &s[..5], &s[5..]))
}

fn normalise_recovery(code: &str) -> String {
    code.trim().to_ascii_lowercase().replace([' ', '-'], "")
}

/// Confirm enrolment with a first code from the app: two-factor sign-in is on from now, and
/// ten fresh recovery codes (replacing any old ones) are returned, to be shown once.
pub async fn confirm_enrolment(
    tx: &mut Tx,
    key: &PiiKey,
    account_id: AccountId,
    code: &str,
    now: DateTime<Utc>,
) -> Result<Vec<String>> {
    let row = secret_row(tx, account_id).await?;
    if row.totp_enabled {
        return Err(StoreError::conflict(
            "이중 인증이 이미 켜져 있습니다",
            "two-factor sign-in is already on",
        ));
    }
    if row.totp_secret.is_empty() {
        return Err(StoreError::conflict(
            "먼저 등록을 시작해 주세요",
            "start the enrolment first",
        ));
    }
    use_totp(tx, key, account_id, &row, code, now).await?;
    execute!(
        tx,
        "UPDATE accounts SET totp_enabled = TRUE WHERE id = $1",
        account_id
    )?;
    replace_recovery_codes(tx, account_id).await
}

/// New recovery codes for an enrolled account; the old ones stop working.
pub async fn replace_recovery_codes(tx: &mut Tx, account_id: AccountId) -> Result<Vec<String>> {
    execute!(
        tx,
        "DELETE FROM recovery_codes WHERE account_id = $1",
        account_id
    )?;
    let mut codes = Vec::with_capacity(RECOVERY_CODES);
    for _ in 0..RECOVERY_CODES {
        let code = new_recovery_code()?;
        execute!(
            tx,
            "INSERT INTO recovery_codes (account_id, code_hash) VALUES ($1, $2)",
            account_id,
            token_hash(&normalise_recovery(&code))
        )?;
        codes.push(code);
    }
    Ok(codes)
}

/// Turn two-factor sign-in off (the person, knowing their password and a code, or an
/// administrator resetting a lost device): the secret and recovery codes are deleted.
pub async fn disable(tx: &mut Tx, account_id: AccountId) -> Result<()> {
    execute!(
        tx,
        "UPDATE accounts SET totp_secret = '', totp_enabled = FALSE, totp_last_step = 0 WHERE id = $1",
        account_id
    )?;
    execute!(
        tx,
        "DELETE FROM recovery_codes WHERE account_id = $1",
        account_id
    )?;
    Ok(())
}

/// Which second factor was used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Factor {
    Totp,
    /// A recovery code, with how many remain unused.
    Recovery {
        remaining: i64,
    },
}

/// Check the second factor of an enrolled account: a 6-digit app code, or else a recovery code
/// (used up by this check).
pub async fn verify(
    tx: &mut Tx,
    key: &PiiKey,
    account_id: AccountId,
    code: &str,
    now: DateTime<Utc>,
) -> Result<Factor> {
    let row = secret_row(tx, account_id).await?;
    if !row.totp_enabled {
        return Err(wrong_code());
    }
    let trimmed = code.trim();
    if trimmed.len() == 6 && trimmed.chars().all(|c| c.is_ascii_digit()) {
        use_totp(tx, key, account_id, &row, trimmed, now).await?;
        return Ok(Factor::Totp);
    }
    let hash = token_hash(&normalise_recovery(trimmed));
    let used = execute!(
        tx,
        "UPDATE recovery_codes SET used_at = $1 \
         WHERE account_id = $2 AND code_hash = $3 AND used_at IS NULL",
        now,
        account_id,
        &hash
    )?;
    if used == 0 {
        return Err(wrong_code());
    }
    let (remaining,): (i64,) = fetch_one!(
        tx,
        _,
        "SELECT COUNT(*) FROM recovery_codes WHERE account_id = $1 AND used_at IS NULL",
        account_id
    )?;
    Ok(Factor::Recovery { remaining })
}

/// How many unused recovery codes the account has.
pub async fn recovery_codes_left(db: &Db, account_id: AccountId) -> Result<i64> {
    let (n,): (i64,) = fetch_one!(
        db,
        _,
        "SELECT COUNT(*) FROM recovery_codes WHERE account_id = $1 AND used_at IS NULL",
        account_id
    )?;
    Ok(n)
}

// ---------------------------------------------------------------------------------------------
// The pending second step: the password was right, the code is awaited.

/// Remember a right password for [`PENDING_MINUTES`]; returns the token the browser keeps.
pub async fn begin_pending(db: &Db, account_id: AccountId, now: DateTime<Utc>) -> Result<String> {
    let token = new_token()?;
    execute!(
        db,
        "INSERT INTO pending_logins (token_hash, account_id, attempts, created_at, expires_at) \
         VALUES ($1, $2, 0, $3, $4)",
        token_hash(&token),
        account_id,
        now,
        now + Duration::minutes(PENDING_MINUTES)
    )?;
    Ok(token)
}

/// The account a pending token stands for, if live and not out of attempts.
pub async fn pending_account(
    db: &Db,
    token: &str,
    now: DateTime<Utc>,
) -> Result<Option<AccountId>> {
    let row: Option<(AccountId,)> = fetch_optional!(
        db,
        _,
        "SELECT account_id FROM pending_logins WHERE token_hash = $1 AND expires_at > $2 \
         AND attempts < $3",
        token_hash(token),
        now,
        PENDING_ATTEMPTS
    )?;
    Ok(row.map(|(a,)| a))
}

/// Finish the second step: on a right code the pending token is used up and the account
/// returned; on a wrong one the attempt is counted (in its own transaction, so it sticks).
pub async fn complete_pending(
    db: &Db,
    key: &PiiKey,
    token: &str,
    code: &str,
    now: DateTime<Utc>,
) -> Result<(AccountId, Factor)> {
    let expired = || {
        StoreError::Rule(RuleError::new(
            "sign_in_expired",
            "로그인 단계가 만료되었습니다. 처음부터 다시 로그인해 주세요",
            "this sign-in has expired; sign in again from the start",
        ))
    };
    let account_id = pending_account(db, token, now).await?.ok_or_else(expired)?;
    let mut tx = db.begin().await?;
    match verify(&mut tx, key, account_id, code, now).await {
        Ok(factor) => {
            execute!(
                &mut tx,
                "DELETE FROM pending_logins WHERE token_hash = $1",
                token_hash(token)
            )?;
            tx.commit().await?;
            Ok((account_id, factor))
        }
        Err(e) => {
            drop(tx);
            execute!(
                db,
                "UPDATE pending_logins SET attempts = attempts + 1 WHERE token_hash = $1",
                token_hash(token)
            )?;
            Err(e)
        }
    }
}
