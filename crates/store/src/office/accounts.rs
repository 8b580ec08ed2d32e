//! Accounts, sessions, API tokens and login throttling.

use crate::kit::ByKey;
use crate::kit::secrets::{new_token, token_hash};
use crate::kit::sql::Target;
use crate::{
    Db, Result, StoreError, Tx, conflict_on_unique, execute, execute_one, fetch_all, fetch_one,
    fetch_optional,
};
use chrono::{DateTime, Duration, Utc};
use domain::office::accounts::{Role, validate_display_name, validate_username};
use domain::{AccountId, DepartmentId};
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Account {
    pub id: AccountId,
    pub username: String,
    pub display_name: String,
    pub email: String,
    pub phone: String,
    pub role: Role,
    pub department_id: Option<DepartmentId>,
    pub active: bool,
    pub created_at: DateTime<Utc>,
    /// The head of the civil-affairs office (민원실장): late petitions of every department,
    /// and the person panic alerts escalate to.
    pub office_head: bool,
    /// Signs in with a second factor (TOTP).
    pub totp_enabled: bool,
}

#[derive(sqlx::FromRow)]
struct AccountRow {
    id: AccountId,
    username: String,
    display_name: String,
    email: String,
    phone: String,
    role: String,
    department_id: Option<DepartmentId>,
    active: bool,
    created_at: DateTime<Utc>,
    password_hash: String,
    office_head: bool,
    totp_enabled: bool,
}

impl AccountRow {
    fn into_account(self) -> Result<(Account, String)> {
        let role: Role = self.role.parse()?;
        Ok((
            Account {
                id: self.id,
                username: self.username,
                display_name: self.display_name,
                email: self.email,
                phone: self.phone,
                role,
                department_id: self.department_id,
                active: self.active,
                created_at: self.created_at,
                office_head: self.office_head,
                totp_enabled: self.totp_enabled,
            },
            self.password_hash,
        ))
    }
}

const SELECT: &str = "SELECT id, username, display_name, email, phone, role, department_id, \
                      active, created_at, password_hash, office_head, totp_enabled FROM accounts";

pub struct NewAccount<'a> {
    pub username: &'a str,
    pub display_name: &'a str,
    pub email: &'a str,
    pub phone: &'a str,
    pub role: Role,
    pub department_id: Option<DepartmentId>,
    pub password_hash: &'a str,
}

pub async fn create(tx: &mut Tx, new: &NewAccount<'_>, now: DateTime<Utc>) -> Result<Account> {
    validate_username(new.username)?;
    validate_display_name(new.display_name)?;
    check_staff_department(new.role, new.department_id)?;
    let sql = "INSERT INTO accounts (username, display_name, email, phone, role, department_id, \
               password_hash, active, created_at, password_changed_at) \
               VALUES ($1, $2, $3, $4, $5, $6, $7, TRUE, $8, $8) \
               RETURNING id, username, display_name, email, phone, role, department_id, active, \
               created_at, password_hash, office_head, totp_enabled";
    let msg = domain::Bilingual::new(
        format!("아이디 '{}'는 이미 사용 중입니다", new.username),
        format!("username '{}' is taken", new.username),
    );
    let row = fetch_one!(
        tx,
        AccountRow,
        sql,
        new.username,
        new.display_name.trim(),
        new.email.trim(),
        new.phone.trim(),
        new.role.as_str(),
        new.department_id,
        new.password_hash,
        now
    )
    .map_err(|e| conflict_on_unique(e, msg))?;
    Ok(row.into_account()?.0)
}

pub async fn get(db: &Db, id: AccountId) -> Result<Account> {
    by_id(db, id).await
}

/// An account read inside a transaction (sees the transaction's own changes).
pub async fn get_in(tx: &mut Tx, id: AccountId) -> Result<Account> {
    by_id(tx, id).await
}

async fn by_id<'a>(on: impl Target<'a>, id: AccountId) -> Result<Account> {
    let sql = format!("{SELECT} WHERE id = $1");
    let row = fetch_optional!(on, AccountRow, sqlx::AssertSqlSafe(sql), id)?;
    Ok(row.or_not_found()?.into_account()?.0)
}

/// The account and its password hash, for login.
pub async fn find_for_login(db: &Db, username: &str) -> Result<Option<(Account, String)>> {
    let sql = format!("{SELECT} WHERE username = $1");
    let row = fetch_optional!(db, AccountRow, sqlx::AssertSqlSafe(sql), username)?;
    row.map(AccountRow::into_account).transpose()
}

pub async fn find_by_username(db: &Db, username: &str) -> Result<Account> {
    Ok(find_for_login(db, username).await?.or_not_found()?.0)
}

/// Every account, or those of the given departments.
pub async fn list(db: &Db, departments: Option<&[DepartmentId]>) -> Result<Vec<Account>> {
    let sql = format!("{SELECT} ORDER BY id");
    let rows = fetch_all!(db, AccountRow, sqlx::AssertSqlSafe(sql))?;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let (account, _) = row.into_account()?;
        let keep = match departments {
            None => true,
            Some(ids) => account.department_id.is_some_and(|d| ids.contains(&d)),
        };
        if keep {
            out.push(account);
        }
    }
    Ok(out)
}

/// An administrator's change of an account's role, department and lock (`active = false`).
pub struct AccountChange {
    pub role: Role,
    pub department_id: Option<DepartmentId>,
    pub active: bool,
}

/// Change role, department or lock. Locking also ends the account's sessions and API tokens,
/// so a locked person is out at once rather than at the next check.
pub async fn update(
    tx: &mut Tx,
    id: AccountId,
    change: &AccountChange,
    now: DateTime<Utc>,
) -> Result<Account> {
    check_staff_department(change.role, change.department_id)?;
    let sql = "UPDATE accounts SET role = $1, department_id = $2, active = $3 WHERE id = $4 \
               RETURNING id, username, display_name, email, phone, role, department_id, active, \
               created_at, password_hash, office_head, totp_enabled";
    let row = fetch_optional!(
        tx,
        AccountRow,
        sql,
        change.role.as_str(),
        change.department_id,
        change.active,
        id
    )?
    .or_not_found()?;
    if !change.active {
        end_sessions(tx, id, now).await?;
    }
    Ok(row.into_account()?.0)
}

fn check_staff_department(role: Role, department_id: Option<DepartmentId>) -> Result<()> {
    if role.is_staff() && department_id.is_none() && role != Role::Administrator {
        return Err(StoreError::conflict(
            "직원 계정에는 부서가 필요합니다",
            "a staff account needs a department",
        ));
    }
    Ok(())
}

/// Set a new password and end every session and API token of the account.
pub async fn set_password(
    tx: &mut Tx,
    id: AccountId,
    password_hash: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    store_password_hash(tx, id, password_hash, now).await?;
    end_sessions(tx, id, now).await
}

async fn store_password_hash(
    tx: &mut Tx,
    id: AccountId,
    password_hash: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    execute_one!(
        tx,
        "UPDATE accounts SET password_hash = $1, password_changed_at = $2 WHERE id = $3",
        password_hash,
        now,
        id
    )
}

async fn end_sessions(tx: &mut Tx, id: AccountId, now: DateTime<Utc>) -> Result<()> {
    execute!(tx, "DELETE FROM sessions WHERE account_id = $1", id)?;
    revoke_tokens(tx, id, now).await
}

async fn revoke_tokens(tx: &mut Tx, id: AccountId, now: DateTime<Utc>) -> Result<()> {
    execute!(
        tx,
        "UPDATE api_tokens SET revoked_at = $1 WHERE account_id = $2 AND revoked_at IS NULL",
        now,
        id
    )?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Sessions (browser logins), stored in our database with an expiry.

/// A live session: the account and the CSRF token its forms must carry.
#[derive(Debug, Clone)]
pub struct Session {
    pub account: Account,
    pub csrf_token: String,
    pub expires_at: DateTime<Utc>,
}

/// Start a session; returns the secret token for the cookie (only its hash is stored).
pub async fn create_session(
    db: &Db,
    account_id: AccountId,
    address: &str,
    ttl: Duration,
    now: DateTime<Utc>,
) -> Result<String> {
    create_session_with_agent(db, account_id, address, "", ttl, now).await
}

/// Start a session labelled with the browser's user agent, so the person can tell their
/// sessions apart in the list of their sessions.
pub async fn create_session_with_agent(
    db: &Db,
    account_id: AccountId,
    address: &str,
    user_agent: &str,
    ttl: Duration,
    now: DateTime<Utc>,
) -> Result<String> {
    let token = new_token()?;
    let csrf = new_token()?;
    let agent: String = user_agent
        .chars()
        .filter(|c| !c.is_control())
        .take(200)
        .collect();
    execute!(
        db,
        "INSERT INTO sessions (token_hash, account_id, csrf_token, address, user_agent, \
             created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        token_hash(&token),
        account_id,
        &csrf,
        address,
        &agent,
        now,
        now + ttl
    )?;
    Ok(token)
}

/// One of a person's live sessions, as their list shows it. `id` is a prefix of the stored
/// hash: it names the session without revealing the cookie.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct SessionInfo {
    pub id: String,
    pub address: String,
    pub user_agent: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    #[sqlx(skip)]
    pub current: bool,
}

/// The public name of the session whose cookie token this is.
pub fn session_id(token: &str) -> String {
    token_hash(token).chars().take(16).collect()
}

/// The account's live sessions, newest first; `current` marks the one of `current_token`.
pub async fn list_sessions(
    db: &Db,
    account_id: AccountId,
    current_token: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Vec<SessionInfo>> {
    let mut rows = fetch_all!(
        db,
        SessionInfo,
        "SELECT SUBSTR(token_hash, 1, 16) AS id, address, user_agent, created_at, expires_at \
         FROM sessions WHERE account_id = $1 AND expires_at > $2 ORDER BY created_at DESC",
        account_id,
        now
    )?;
    let current = current_token.map(session_id);
    for r in &mut rows {
        r.current = current.as_deref() == Some(r.id.as_str());
    }
    Ok(rows)
}

/// End every session of the account except the one of `keep_token`; returns how many ended.
pub async fn end_other_sessions(
    tx: &mut Tx,
    account_id: AccountId,
    keep_token: Option<&str>,
) -> Result<u64> {
    let keep = keep_token.map(token_hash).unwrap_or_default();
    Ok(execute!(
        tx,
        "DELETE FROM sessions WHERE account_id = $1 AND token_hash <> $2",
        account_id,
        &keep
    )?)
}

/// A person's own password change: the new hash, and every other session and API token ends
/// (someone who knew the old password is out); the session in use stays.
pub async fn change_own_password(
    tx: &mut Tx,
    id: AccountId,
    password_hash: &str,
    keep_token: Option<&str>,
    now: DateTime<Utc>,
) -> Result<u64> {
    store_password_hash(tx, id, password_hash, now).await?;
    revoke_tokens(tx, id, now).await?;
    end_other_sessions(tx, id, keep_token).await
}

/// Mark or unmark an account as the head of the civil-affairs office (민원실장).
pub async fn set_office_head(tx: &mut Tx, id: AccountId, head: bool) -> Result<()> {
    execute_one!(
        tx,
        "UPDATE accounts SET office_head = $1 WHERE id = $2",
        head,
        id
    )
}

/// Make one account the head of the civil-affairs office (or nobody, with `None`): every other
/// account loses the flag, so there is never more than one head.
pub async fn make_office_head(tx: &mut Tx, id: Option<AccountId>) -> Result<()> {
    execute!(
        tx,
        "UPDATE accounts SET office_head = CASE WHEN id = $1 THEN TRUE ELSE FALSE END \
         WHERE office_head = TRUE OR id = $1",
        id
    )?;
    Ok(())
}

/// The active heads of the civil-affairs office (for escalations such as panic alerts).
pub async fn office_heads(db: &Db) -> Result<Vec<Account>> {
    let sql = format!("{SELECT} WHERE office_head = TRUE AND active = TRUE ORDER BY id");
    let rows = fetch_all!(db, AccountRow, sqlx::AssertSqlSafe(sql))?;
    rows.into_iter()
        .map(|r| r.into_account().map(|(a, _)| a))
        .collect()
}

#[derive(sqlx::FromRow)]
struct SessionRow {
    account_id: AccountId,
    csrf_token: String,
    expires_at: DateTime<Utc>,
}

/// The session of a cookie token, if it exists, has not expired and its account is active.
pub async fn find_session(db: &Db, token: &str, now: DateTime<Utc>) -> Result<Option<Session>> {
    let row = fetch_optional!(
        db,
        SessionRow,
        "SELECT account_id, csrf_token, expires_at FROM sessions WHERE token_hash = $1 AND expires_at > $2",
        token_hash(token),
        now
    )?;
    let Some(row) = row else { return Ok(None) };
    let account = get(db, row.account_id).await?;
    if !account.active {
        return Ok(None);
    }
    Ok(Some(Session {
        account,
        csrf_token: row.csrf_token,
        expires_at: row.expires_at,
    }))
}

pub async fn delete_session(db: &Db, token: &str) -> Result<()> {
    execute!(
        db,
        "DELETE FROM sessions WHERE token_hash = $1",
        token_hash(token)
    )?;
    Ok(())
}

/// Remove expired sessions, old login attempts and old failed tracking look-ups (housekeeping).
pub async fn purge_expired(db: &Db, now: DateTime<Utc>) -> Result<u64> {
    let s = execute!(db, "DELETE FROM sessions WHERE expires_at <= $1", now)?;
    let a = execute!(
        db,
        "DELETE FROM login_attempts WHERE at <= $1",
        now - Duration::days(1)
    )?;
    let t = crate::petitions::tracking::purge(db, now).await?;
    Ok(s + a + t)
}

// ---------------------------------------------------------------------------------------------
// API tokens for the JSON API (Authorization: Bearer …).

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct ApiToken {
    pub id: i64,
    pub account_id: AccountId,
    pub name: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// Issue a token; returns its record and the secret, shown once.
pub async fn create_api_token(
    tx: &mut Tx,
    account_id: AccountId,
    name: &str,
    ttl: Duration,
    now: DateTime<Utc>,
) -> Result<(ApiToken, String)> {
    validate_display_name(name)?;
    let secret = format!("mw_{}", new_token()?);
    let token = fetch_one!(
        tx,
        ApiToken,
        "INSERT INTO api_tokens (account_id, name, token_hash, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5) RETURNING id, account_id, name, created_at, expires_at",
        account_id,
        name.trim(),
        token_hash(&secret),
        now,
        now + ttl
    )?;
    Ok((token, secret))
}

/// The account behind a bearer token, if the token is live and the account active.
pub async fn find_api_token(
    db: &Db,
    secret: &str,
    now: DateTime<Utc>,
) -> Result<Option<(ApiToken, Account)>> {
    // One statement for the token and its account: every API request starts here.
    #[derive(sqlx::FromRow)]
    struct Row {
        token_id: i64,
        token_name: String,
        token_created_at: DateTime<Utc>,
        token_expires_at: DateTime<Utc>,
        #[sqlx(flatten)]
        account: AccountRow,
    }
    let row = fetch_optional!(
        db,
        Row,
        "SELECT t.id AS token_id, t.name AS token_name, t.created_at AS token_created_at, \
         t.expires_at AS token_expires_at, a.id, a.username, a.display_name, a.email, a.phone, \
         a.role, a.department_id, a.active, a.created_at, a.password_hash, a.office_head, \
         a.totp_enabled \
         FROM api_tokens t JOIN accounts a ON a.id = t.account_id \
         WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND t.expires_at > $2",
        token_hash(secret),
        now
    )?;
    let Some(row) = row else { return Ok(None) };
    let (account, _) = row.account.into_account()?;
    let token = ApiToken {
        id: row.token_id,
        account_id: account.id,
        name: row.token_name,
        created_at: row.token_created_at,
        expires_at: row.token_expires_at,
    };
    Ok(account.active.then_some((token, account)))
}

pub async fn revoke_api_token(db: &Db, id: i64, now: DateTime<Utc>) -> Result<()> {
    execute!(
        db,
        "UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL",
        now,
        id
    )?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Login throttling against password guessing.

/// How many failed logins within the window lock a username, and an address.
pub const MAX_FAILURES_PER_USERNAME: i64 = 5;
pub const MAX_FAILURES_PER_ADDRESS: i64 = 20;
pub const THROTTLE_WINDOW_MINUTES: i64 = 15;

pub async fn record_login_attempt(
    db: &Db,
    username: &str,
    address: &str,
    success: bool,
    now: DateTime<Utc>,
) -> Result<()> {
    execute!(
        db,
        "INSERT INTO login_attempts (username, address, at, success) VALUES ($1, $2, $3, $4)",
        username,
        address,
        now,
        success
    )?;
    Ok(())
}

/// Whether a login for this username from this address may be tried now. Failures count since
/// the last success, within the window, so a successful login clears the username's count.
pub async fn login_allowed(
    db: &Db,
    username: &str,
    address: &str,
    now: DateTime<Utc>,
) -> Result<bool> {
    let since = now - Duration::minutes(THROTTLE_WINDOW_MINUTES);
    let (by_user,): (i64,) = fetch_one!(
        db,
        _,
        "SELECT COUNT(*) FROM login_attempts WHERE username = $1 AND at > $2 AND success = FALSE \
         AND at > COALESCE((SELECT MAX(at) FROM login_attempts WHERE username = $1 AND success = TRUE), $2)",
        username,
        since
    )?;
    let (by_address,): (i64,) = fetch_one!(
        db,
        _,
        "SELECT COUNT(*) FROM login_attempts WHERE address = $1 AND at > $2 AND success = FALSE",
        address,
        since
    )?;
    Ok(by_user < MAX_FAILURES_PER_USERNAME && by_address < MAX_FAILURES_PER_ADDRESS)
}
