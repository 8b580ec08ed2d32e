//! Bulk generator of realistic petitions for benchmarks (`minwon admin generate N`): many rows
//! per statement, a consistent timeline for each (filed, received, and for older ones answered
//! and closed), the derived copy and due cache computed by the same domain and calendar code as
//! real petitions. Deterministic for a given `seed`.
//!
//! Receipt numbers are taken in blocks per year, so within a year they do not follow arrival
//! order as the register of a real office would; everything else is as real intake leaves it.

use super::demo::{Lcg, PLACES, SAMPLES, person};
use super::{ensure_general_types, list_types, to_json, work_calendar};
use crate::kit::ByKey;
use crate::{Db, Result, StoreError, fetch_all, fetch_one, office::departments, on_tx};
use chrono::{DateTime, Datelike, Duration, Utc};
use domain::petitions::{Channel, Derived, Event, TimelineEntry, receipt_number};
use sha2::{Digest, Sha256};

/// Rows per INSERT statement and per transaction.
const ROWS_PER_STATEMENT: usize = 100;
const ROWS_PER_TX: usize = 1000;

struct Row {
    type_id: i64,
    key: String,
    name: String,
    phone: String,
    address: String,
    title: String,
    body: String,
    location: String,
    derived: Derived,
    department_id: i64,
    arrived_at: DateTime<Utc>,
    receipt_no: String,
    due_at: Option<DateTime<Utc>>,
    change_seq: i64,
    timeline: Vec<TimelineEntry>,
}

/// Insert `n` petitions spread over the two years before `now`. Calls `progress` with the
/// running count after each transaction. Returns the number inserted.
pub async fn generate(
    db: &Db,
    n: u64,
    seed: u64,
    now: DateTime<Utc>,
    mut progress: impl FnMut(u64),
) -> Result<u64> {
    let depts = departments::list(db).await?;
    let Some(first) = depts.first() else {
        return Err(StoreError::conflict(
            "부서가 없습니다. 먼저 조직도를 만드세요",
            "no departments yet",
        ));
    };
    let mut types = list_types(db, false).await?;
    if types.is_empty() {
        let mut tx = db.begin().await?;
        ensure_general_types(&mut tx, Some(first.id), now).await?;
        tx.commit().await?;
        types = list_types(db, false).await?;
    }
    // Types a generated petition can use: no extra fields and no RRN to invent.
    let types: Vec<_> = types
        .into_iter()
        .filter(|t| t.fields.iter().all(|f| !f.required) && !t.requires_rrn)
        .collect();
    if types.is_empty() {
        return Err(StoreError::conflict(
            "생성에 쓸 민원 종류가 없습니다",
            "no usable petition type",
        ));
    }
    // Bring the petitions already there to the current calendar first: the generated ones are
    // computed with it, and the due cache is then marked current below, so the first queue
    // request does not rewrite every open row (which would also undo the vacuum).
    super::refresh_due_cache(db, now).await?;
    let (cal, fingerprint) = work_calendar(db).await?;
    let mut r = Lcg(seed ^ 0x5eed);
    let mut done = 0u64;
    while done < n {
        let count = (n - done).min(ROWS_PER_TX as u64) as usize;
        let mut rows = Vec::with_capacity(count);
        for _ in 0..count {
            let (_, _, title, body) = SAMPLES[r.below(SAMPLES.len() as u64) as usize];
            let place = PLACES[r.below(PLACES.len() as u64) as usize];
            let ptype = &types[r.below(types.len() as u64) as usize];
            let dept = &depts[r.below(depts.len() as u64) as usize];
            let (name, phone) = person(&mut r);
            // Minutes back from now, biased towards the recent past.
            let span = if r.below(4) == 0 {
                60 * 24 * 30
            } else {
                60 * 24 * 730
            };
            let arrived = now - Duration::minutes(r.below(span) as i64 + 1);
            let filed = Event::Filed {
                kind: ptype.kind,
                channel: Channel::Counter,
                anonymous: false,
                department_id: dept.id,
                period: Some(ptype.period),
                receipt_due: None,
                repeat: None,
                flagged: false,
            };
            let mut d = Derived::filed(&filed, arrived)?;
            let mut timeline = vec![TimelineEntry {
                at: arrived,
                actor: None,
                event: filed,
            }];
            // The number is a placeholder until the block of numbers is taken below.
            let mut steps = vec![Event::Received {
                receipt_no: "pending".into(),
            }];
            let age_days = (now - arrived).num_days();
            if age_days > 20 || r.below(3) == 0 {
                steps.push(Event::Answered {
                    text: format!("{place} 건은 현장 확인 후 조치하였습니다. 문의: 담당 부서"),
                    template: None,
                    additional: false,
                });
                if age_days > 40 {
                    steps.push(Event::Closed {
                        reason: "처리 완료".into(),
                    });
                }
            }
            let mut at = arrived;
            for e in steps {
                at = (at + Duration::minutes(30 + r.below(600) as i64)).min(now);
                d = d.apply(&e, at, &cal)?;
                timeline.push(TimelineEntry {
                    at,
                    actor: None,
                    event: e,
                });
            }
            rows.push(Row {
                type_id: ptype.id,
                key: hex::encode(Sha256::digest(format!("person:{name}:{phone}").as_bytes())),
                name,
                phone,
                address: format!("경기도 가평군 {place} {}", 1 + r.below(200)),
                title: title.to_string(),
                body: body.replace("{place}", place),
                location: place.to_string(),
                derived: d,
                department_id: dept.id,
                arrived_at: arrived,
                receipt_no: String::new(),
                due_at: None,
                change_seq: 0,
                timeline,
            });
        }
        let mut tx = db.begin().await?;
        // Receipt and change numbers: taken in memory, the counters written back at commit.
        for row in rows.iter_mut() {
            row.change_seq = tx.next_change_seq().await?;
            row.due_at = row.derived.due(&cal, now)?;
            let Some(received) = row.derived.received_at else {
                continue;
            };
            let year = calendar::to_seoul(received).year();
            let no = receipt_number(year, tx.next_receipt_count(i64::from(year)).await?);
            row.receipt_no = no.clone();
            row.derived.receipt_no = Some(no.clone());
            if let Some(TimelineEntry {
                event: Event::Received { receipt_no },
                ..
            }) = row.timeline.get_mut(1)
            {
                *receipt_no = no;
            }
        }
        let (first_seq, last_seq) = (
            rows.first().map_or(0, |r| r.change_seq),
            rows.last().map_or(0, |r| r.change_seq),
        );
        for chunk in rows.chunks(ROWS_PER_STATEMENT) {
            insert_rows(&mut tx, chunk).await?;
        }
        let ids: Vec<(i64, i64)> = fetch_all!(
            &mut tx,
            _,
            "SELECT change_seq, id FROM petitions WHERE change_seq BETWEEN $1 AND $2",
            first_seq,
            last_seq
        )?;
        let id_of: std::collections::HashMap<i64, i64> = ids.into_iter().collect();
        let mut events: Vec<(i64, i64, &TimelineEntry)> = Vec::new();
        for row in &rows {
            let id = *id_of.get(&row.change_seq).or_not_found()?;
            for (k, e) in row.timeline.iter().enumerate() {
                events.push((id, k as i64 + 1, e));
            }
        }
        super::insert_events(&mut tx, &events)?;
        tx.commit().await?;
        done += count as u64;
        progress(done);
    }
    crate::office::settings::set(db, super::DUE_CACHE_SETTING, &fingerprint, now).await?;
    // Fresh statistics after a bulk load, so the planner uses the queue indexes at once. On
    // PostgreSQL also VACUUM: an index-only scan (the queue's counts) must visit the table for
    // every row until the visibility map says its page is all-visible, which autovacuum would
    // only get to later.
    match &db.pool {
        crate::Pool::Sqlite(pool) => sqlx::query("ANALYZE petitions")
            .execute(pool)
            .await
            .map(|_| ())?,
        crate::Pool::Postgres(pool) => sqlx::query("VACUUM ANALYZE petitions")
            .execute(pool)
            .await
            .map(|_| ())?,
    }
    Ok(done)
}

async fn insert_rows(tx: &mut crate::Tx, rows: &[Row]) -> Result<()> {
    const PER_ROW: usize = 20;
    let mut sql = String::from(
        "INSERT INTO petitions (type_id, petitioner_key, petitioner_name, petitioner_phone, petitioner_address, \
         title, body, location, derived, state, department_id, arrived_at, received_at, receipt_no, due_at, \
         event_count, change_seq, created_at, updated_at, channel, anonymous, petitioner_email, extra, \
         abuse_abusive, abuse_score, abuse_kinds, abuse_model, petitioner_masked) VALUES ",
    );
    for i in 0..rows.len() {
        if i > 0 {
            sql.push_str(", ");
        }
        sql.push('(');
        for k in 1..PER_ROW {
            sql.push_str(&format!("${}, ", i * PER_ROW + k));
        }
        sql.push_str("'counter', FALSE, '', '{}', FALSE, 0, '[]', 'generated', ");
        sql.push_str(&format!("${})", i * PER_ROW + PER_ROW));
    }
    let mut derived = Vec::with_capacity(rows.len());
    for row in rows {
        derived.push(to_json(&row.derived)?);
    }
    on_tx!(tx, |conn| {
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.clone()));
        for (row, d) in rows.iter().zip(&derived) {
            q = q
                .bind(row.type_id)
                .bind(&row.key)
                .bind(&row.name)
                .bind(&row.phone)
                .bind(&row.address)
                .bind(&row.title)
                .bind(&row.body)
                .bind(&row.location)
                .bind(d)
                .bind(row.derived.state.as_str())
                .bind(row.department_id)
                .bind(row.arrived_at)
                .bind(row.derived.received_at)
                .bind(&row.receipt_no)
                .bind(row.due_at)
                .bind(i64::from(row.derived.events))
                .bind(row.change_seq)
                .bind(row.arrived_at)
                .bind(row.arrived_at)
                .bind(domain::privacy::mask(
                    domain::privacy::PersonalKind::Name,
                    &row.name,
                ));
        }
        q.execute(&mut *conn).await.map(|r| r.rows_affected())
    })?;
    Ok(())
}

/// How many petitions are stored (for the benchmark's report).
pub async fn count(db: &Db) -> Result<i64> {
    let (n,): (i64,) = fetch_one!(db, _, "SELECT COUNT(*) FROM petitions")?;
    Ok(n)
}
