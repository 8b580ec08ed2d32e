//! The privacy officer's monthly review of the access log (접속기록 점검): what one month
//! holds, read from `audit_log`, and the signed-off review records (`audit_reviews`, each also
//! an entry of the log itself). The rule that flags unusual volumes is `domain::office::audit_review`.

use crate::{Db, Result, StoreError, Tx, fetch_all, fetch_one};
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use domain::AccountId;
use domain::office::audit::AuditRecord;
use domain::office::audit_review::{is_unusual, median};
use serde::Serialize;

/// How many earlier months make an account's own median.
pub const HISTORY_MONTHS: u32 = 6;

/// The first moment of a month in Seoul, in UTC (months are the office's months).
pub fn month_start(year: i32, month: u32) -> Result<DateTime<Utc>> {
    NaiveDate::from_ymd_opt(year, month, 1)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .and_then(|t| t.and_local_timezone(calendar::seoul()).single())
        .map(|t| t.with_timezone(&Utc))
        .ok_or_else(|| StoreError::conflict("잘못된 월입니다", "not a month"))
}

fn shift(year: i32, month: u32, by: i32) -> (i32, u32) {
    let idx = year * 12 + i32::try_from(month).unwrap_or(1) - 1 + by;
    (
        idx.div_euclid(12),
        u32::try_from(idx.rem_euclid(12)).unwrap_or(0) + 1,
    )
}

/// The month (year, month) a moment falls in, in Seoul.
pub fn month_of(at: DateTime<Utc>) -> (i32, u32) {
    let local = calendar::to_seoul(at);
    (local.year(), local.month())
}

/// One account's volume in the month.
#[derive(Debug, Clone, Serialize)]
pub struct AccountVolume {
    pub account_id: Option<AccountId>,
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub entries: i64,
    /// Median of its earlier months that had entries, if any.
    pub own_median: Option<i64>,
    pub unusual: bool,
}

/// Who looked at whose data, and how often.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct SubjectAccess {
    pub account_id: Option<AccountId>,
    pub username: Option<String>,
    pub subject: String,
    pub action: String,
    pub entries: i64,
}

/// A refused attempt.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Denial {
    pub seq: i64,
    pub at: DateTime<Utc>,
    pub account_id: Option<AccountId>,
    pub username: Option<String>,
    pub address: String,
    pub subject: String,
    pub action: String,
}

/// A signed-off review.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct SignOff {
    pub id: i64,
    pub month: String,
    pub reviewer_id: AccountId,
    pub reviewer: String,
    pub reviewed_at: DateTime<Utc>,
    pub comment: String,
    pub entries: i64,
    pub denied: i64,
    pub flagged: i64,
}

/// Everything the review page shows for one month.
#[derive(Debug, Clone, Serialize)]
pub struct MonthReview {
    pub month: String,
    pub entries: i64,
    pub office_median: i64,
    pub volumes: Vec<AccountVolume>,
    pub accesses: Vec<SubjectAccess>,
    pub denied: Vec<Denial>,
    pub denied_total: i64,
    pub sign_offs: Vec<SignOff>,
}

impl MonthReview {
    pub fn flagged(&self) -> i64 {
        i64::try_from(self.volumes.iter().filter(|v| v.unusual).count()).unwrap_or(i64::MAX)
    }
}

#[derive(sqlx::FromRow)]
struct VolumeRow {
    account_id: Option<AccountId>,
    entries: i64,
}

async fn volumes_between(
    db: &Db,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<VolumeRow>> {
    Ok(fetch_all!(
        db,
        VolumeRow,
        "SELECT account_id, COUNT(*) AS entries FROM audit_log \
         WHERE at >= $1 AND at < $2 AND action NOT LIKE 'denied.%' \
         GROUP BY account_id ORDER BY COUNT(*) DESC",
        from,
        to
    )?)
}

fn month_label(year: i32, month: u32) -> String {
    format!("{year:04}-{month:02}")
}

/// Read one month of the log for review.
pub async fn month(db: &Db, year: i32, month: u32) -> Result<MonthReview> {
    let from = month_start(year, month)?;
    let (ny, nm) = shift(year, month, 1);
    let to = month_start(ny, nm)?;
    let current = volumes_between(db, from, to).await?;
    let office_median = median(&current.iter().map(|v| v.entries).collect::<Vec<_>>());
    // Each earlier month's volumes, to give every account its own habit.
    let mut history: std::collections::HashMap<Option<AccountId>, Vec<i64>> =
        std::collections::HashMap::new();
    for back in 1..=HISTORY_MONTHS {
        let (y, m) = shift(year, month, -i32::try_from(back).unwrap_or(1));
        let (y2, m2) = shift(y, m, 1);
        for v in volumes_between(db, month_start(y, m)?, month_start(y2, m2)?).await? {
            history.entry(v.account_id).or_default().push(v.entries);
        }
    }
    let names: std::collections::HashMap<AccountId, (String, String, String)> = fetch_all!(
        db,
        (AccountId, String, String, String),
        "SELECT id, username, display_name, role FROM accounts"
    )?
    .into_iter()
    .map(|(id, u, d, r)| (id, (u, d, r)))
    .collect();
    let volumes = current
        .iter()
        .map(|v| {
            let own_median = history.get(&v.account_id).map(|h| median(h));
            let (username, display_name, role) = v
                .account_id
                .and_then(|a| names.get(&a).cloned())
                .unwrap_or_else(|| ("-".into(), "(시스템 system)".into(), String::new()));
            AccountVolume {
                account_id: v.account_id,
                username,
                display_name,
                role,
                entries: v.entries,
                own_median,
                unusual: is_unusual(v.entries, office_median, own_median),
            }
        })
        .collect::<Vec<_>>();
    let accesses = fetch_all!(
        db,
        SubjectAccess,
        "SELECT l.account_id, a.username, l.subject, l.action, COUNT(*) AS entries \
         FROM audit_log l LEFT JOIN accounts a ON a.id = l.account_id \
         WHERE l.at >= $1 AND l.at < $2 AND l.action NOT LIKE 'denied.%' \
         GROUP BY l.account_id, a.username, l.subject, l.action \
         ORDER BY COUNT(*) DESC, l.subject LIMIT 200",
        from,
        to
    )?;
    let denied = fetch_all!(
        db,
        Denial,
        "SELECT l.seq, l.at, l.account_id, a.username, l.address, l.subject, l.action \
         FROM audit_log l LEFT JOIN accounts a ON a.id = l.account_id \
         WHERE l.at >= $1 AND l.at < $2 AND l.action LIKE 'denied.%' \
         ORDER BY l.seq DESC LIMIT 200",
        from,
        to
    )?;
    let (denied_total,): (i64,) = fetch_one!(
        db,
        _,
        "SELECT COUNT(*) FROM audit_log WHERE at >= $1 AND at < $2 AND action LIKE 'denied.%'",
        from,
        to
    )?;
    let label = month_label(year, month);
    let sign_offs = sign_offs(db, &label).await?;
    Ok(MonthReview {
        entries: volumes.iter().map(|v| v.entries).sum::<i64>() + denied_total,
        month: label,
        office_median,
        volumes,
        accesses,
        denied,
        denied_total,
        sign_offs,
    })
}

/// The sign-offs of a month, newest first.
pub async fn sign_offs(db: &Db, month: &str) -> Result<Vec<SignOff>> {
    Ok(fetch_all!(
        db,
        SignOff,
        "SELECT r.id, r.month, r.reviewer_id, a.display_name AS reviewer, r.reviewed_at, \
         r.comment, r.entries, r.denied, r.flagged \
         FROM audit_reviews r JOIN accounts a ON a.id = r.reviewer_id \
         WHERE r.month = $1 ORDER BY r.id DESC",
        month
    )?)
}

/// Sign off a month: the record and its access-log entry commit together. A month that has
/// not begun cannot be reviewed, and a month is signed off once.
pub async fn sign_off(
    tx: &mut Tx,
    review: &MonthReview,
    reviewer: AccountId,
    address: &str,
    comment: &str,
    now: DateTime<Utc>,
) -> Result<i64> {
    domain::office::audit_review::validate_sign_off_comment(comment)?;
    let (done,): (i64,) = fetch_one!(
        tx,
        _,
        "SELECT COUNT(*) FROM audit_reviews WHERE month = $1",
        &review.month
    )?;
    if done > 0 {
        return Err(StoreError::conflict(
            format!("{} 점검은 이미 서명되었습니다", review.month),
            format!("the review of {} is already signed off", review.month),
        ));
    }
    let (id,): (i64,) = fetch_one!(
        tx,
        _,
        "INSERT INTO audit_reviews (month, reviewer_id, reviewed_at, comment, entries, denied, \
         flagged) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        &review.month,
        reviewer,
        now,
        comment.trim(),
        review.entries,
        review.denied_total,
        review.flagged()
    )?;
    crate::office::audit::append(
        tx,
        &AuditRecord {
            at: now,
            account_id: Some(reviewer),
            address: address.to_string(),
            subject: format!("audit-month:{}", review.month),
            action: "audit_review.sign_off".into(),
            reason: comment.trim().to_string(),
        },
    )
    .await?;
    Ok(id)
}

/// Whether a month has begun (in Seoul) at `now`.
pub fn has_begun(year: i32, month: u32, now: DateTime<Utc>) -> Result<bool> {
    Ok(month_start(year, month)? <= now)
}
