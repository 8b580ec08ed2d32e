//! Residents' sign-up (회원가입) with a verification code sent through the outbox.
//!
//! Signing up creates the account inactive and queues a 6-digit code to the contact given (mail,
//! or SMS to a mobile number). The code expires after `VERIFICATION_MINUTES` and allows
//! `VERIFICATION_ATTEMPTS` wrong tries. Verifying activates the account and claims the
//! petitions filed without an account under that same contact (the contact is now proven to be
//! theirs), so a resident sees all their petitions, old and new, under "my petitions".

use crate::kit::outbox::{self, Channel};
use crate::kit::secrets::{new_token, token_hash};
use crate::office::accounts::{self, Account, NewAccount};
use crate::{Db, Result, StoreError, Tx, execute, fetch_optional};
use chrono::{DateTime, Duration, Utc};
use domain::RuleError;
use domain::office::accounts::{
    ContactChannel, Role, VERIFICATION_ATTEMPTS, VERIFICATION_MINUTES, validate_contact,
};
use sha2::{Digest, Sha256};

/// What a sign-up asks for.
pub struct SignUp<'a> {
    pub username: &'a str,
    pub display_name: &'a str,
    pub contact: &'a str,
    pub password_hash: &'a str,
}

/// A started sign-up: the token that names it (kept by the browser or the API client), where
/// the code went, and until when it works.
#[derive(Debug, Clone)]
pub struct Pending {
    pub token: String,
    pub account: Account,
    pub channel: ContactChannel,
    /// The contact masked for showing back (the full value is what the person typed).
    pub recipient: String,
    pub expires_at: DateTime<Utc>,
}

fn code_hash(token: &str, code: &str) -> String {
    // The token salts the short code, so equal codes of two sign-ups hash differently.
    hex::encode(Sha256::digest(
        format!("{token}:{}", code.trim()).as_bytes(),
    ))
}

fn new_code() -> Result<String> {
    let mut b = [0u8; 4];
    getrandom::fill(&mut b).map_err(|_| StoreError::Hashing)?;
    Ok(format!("{:06}", u32::from_be_bytes(b) % 1_000_000))
}

/// Create the inactive resident account and queue its code, in one transaction.
pub async fn start(tx: &mut Tx, s: &SignUp<'_>, now: DateTime<Utc>) -> Result<Pending> {
    let (channel, recipient) = validate_contact(s.contact)?;
    let (email, phone) = match channel {
        ContactChannel::Email => (recipient.as_str(), ""),
        ContactChannel::Sms => ("", recipient.as_str()),
    };
    let account = accounts::create(
        tx,
        &NewAccount {
            username: s.username,
            display_name: s.display_name,
            email,
            phone,
            role: Role::Resident,
            department_id: None,
            password_hash: s.password_hash,
        },
        now,
    )
    .await?;
    execute!(
        tx,
        "UPDATE accounts SET active = FALSE WHERE id = $1",
        account.id
    )?;
    let account = Account {
        active: false,
        ..account
    };
    let token = new_token()?;
    let code = new_code()?;
    let expires_at = now + Duration::minutes(VERIFICATION_MINUTES);
    execute!(
        tx,
        "INSERT INTO verification_codes (token_hash, account_id, channel, recipient, code_hash, \
         attempts, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, 0, $6, $7)",
        token_hash(&token),
        account.id,
        channel.as_str(),
        &recipient,
        code_hash(&token, &code),
        now,
        expires_at
    )?;
    let body = format!(
        "[민원] 가입 인증번호 {code} ({VERIFICATION_MINUTES}분 안에 입력하세요). \
         Minwon sign-up code {code}, valid for {VERIFICATION_MINUTES} minutes."
    );
    let out_channel = match channel {
        ContactChannel::Email => Channel::Email,
        ContactChannel::Sms => Channel::Sms,
    };
    outbox::enqueue(
        tx,
        out_channel,
        &recipient,
        "민원 가입 인증번호 (Minwon sign-up code)",
        &body,
        now,
    )
    .await?;
    let kind = match channel {
        ContactChannel::Email => domain::privacy::PersonalKind::Email,
        ContactChannel::Sms => domain::privacy::PersonalKind::Phone,
    };
    Ok(Pending {
        token,
        account,
        channel,
        recipient: domain::privacy::mask(kind, &recipient),
        expires_at,
    })
}

#[derive(sqlx::FromRow)]
struct CodeRow {
    id: i64,
    account_id: i64,
    channel: String,
    recipient: String,
    code_hash: String,
    attempts: i64,
    expires_at: DateTime<Utc>,
    used_at: Option<DateTime<Utc>>,
}

fn rule(code: &'static str, ko: &str, en: &str) -> StoreError {
    StoreError::Rule(RuleError::new(code, ko, en))
}

/// The outcome of a right code: the now active account and how many earlier petitions it
/// claimed by the verified contact.
#[derive(Debug, Clone)]
pub struct Verified {
    pub account: Account,
    pub claimed: u64,
}

/// Check a code. A wrong one is counted (committed by the caller even though the sign-up
/// does not complete: see [`count_wrong`]); expired or used-up codes are refused.
pub async fn verify(tx: &mut Tx, token: &str, code: &str, now: DateTime<Utc>) -> Result<Verified> {
    let row = fetch_optional!(
        tx,
        CodeRow,
        "SELECT id, account_id, channel, recipient, code_hash, attempts, expires_at, used_at \
         FROM verification_codes WHERE token_hash = $1",
        token_hash(token)
    )?
    .ok_or_else(|| {
        rule(
            "unknown_signup",
            "가입 요청을 찾을 수 없습니다. 처음부터 다시 가입해 주세요",
            "this sign-up was not found; start again",
        )
    })?;
    if row.used_at.is_some() {
        return Err(rule(
            "code_used",
            "이미 인증을 마쳤습니다. 로그인해 주세요",
            "this sign-up is already verified; sign in",
        ));
    }
    if row.expires_at <= now {
        return Err(rule(
            "code_expired",
            "인증번호가 만료되었습니다. 처음부터 다시 가입해 주세요",
            "the code has expired; start the sign-up again",
        ));
    }
    if row.attempts >= VERIFICATION_ATTEMPTS {
        return Err(rule(
            "code_attempts",
            "잘못 입력한 횟수가 너무 많습니다. 처음부터 다시 가입해 주세요",
            "too many wrong codes; start the sign-up again",
        ));
    }
    let given = code_hash(token, code);
    let same = given.len() == row.code_hash.len()
        && given
            .bytes()
            .zip(row.code_hash.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0;
    if !same {
        return Err(rule(
            "wrong_code",
            "인증번호가 맞지 않습니다",
            "the code is not right",
        ));
    }
    execute!(
        tx,
        "UPDATE verification_codes SET used_at = $1 WHERE id = $2",
        now,
        row.id
    )?;
    execute!(
        tx,
        "UPDATE accounts SET active = TRUE WHERE id = $1",
        row.account_id
    )?;
    // Earlier petitions filed without an account under the proven contact become theirs.
    // Anonymous reports stay unlinked: their filer chose not to be known.
    let claim = if row.channel == ContactChannel::Email.as_str() {
        "UPDATE petitions SET petitioner_account_id = $1 WHERE petitioner_account_id IS NULL \
         AND anonymous = FALSE AND LOWER(TRIM(petitioner_email)) = $2"
    } else {
        "UPDATE petitions SET petitioner_account_id = $1 WHERE petitioner_account_id IS NULL \
         AND anonymous = FALSE AND REPLACE(REPLACE(petitioner_phone, '-', ''), ' ', '') = $2"
    };
    let claimed = execute!(tx, claim, row.account_id, &row.recipient)?;
    let account = Account {
        active: true,
        ..accounts::get_in(tx, row.account_id).await?
    };
    Ok(Verified { account, claimed })
}

/// Count a wrong try against the code (its own statement, so it sticks when the verifying
/// transaction rolls back).
pub async fn count_wrong(db: &Db, token: &str) -> Result<()> {
    execute!(
        db,
        "UPDATE verification_codes SET attempts = attempts + 1 WHERE token_hash = $1",
        token_hash(token)
    )?;
    Ok(())
}

/// Where a pending sign-up's code went (masked), for the page that asks for it.
pub async fn pending_recipient(db: &Db, token: &str) -> Result<Option<(ContactChannel, String)>> {
    let row: Option<(String, String)> = fetch_optional!(
        db,
        _,
        "SELECT channel, recipient FROM verification_codes WHERE token_hash = $1 AND used_at IS NULL",
        token_hash(token)
    )?;
    Ok(row.map(|(channel, recipient)| {
        if channel == ContactChannel::Email.as_str() {
            (
                ContactChannel::Email,
                domain::privacy::mask(domain::privacy::PersonalKind::Email, &recipient),
            )
        } else {
            (
                ContactChannel::Sms,
                domain::privacy::mask(domain::privacy::PersonalKind::Phone, &recipient),
            )
        }
    }))
}
