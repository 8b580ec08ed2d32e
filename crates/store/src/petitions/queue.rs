//! The desk's queue (처리 대기열): filters, counts and one page of petitions, on the partial indexes.

use super::*;

/// Which petitions a queue shows. Reach (departments, own petitions) comes from the access
/// policy; the other fields are the user's filters.
#[derive(Debug, Clone, Default)]
pub struct QueueFilter {
    /// Departments in reach; `None` = the whole office.
    pub departments: Option<Vec<DepartmentId>>,
    /// Only petitions filed by this account (a resident's own).
    pub petitioner_account_id: Option<AccountId>,
    pub assignee_id: Option<AccountId>,
    pub type_id: Option<i64>,
    pub state: Option<State>,
    /// Include answered and closed ones (default: open only).
    pub include_done: bool,
    pub overdue: bool,
    pub due_today: bool,
    pub flagged: bool,
    pub limit: i64,
    pub offset: i64,
}

/// A queue row with its deadline computed now by the calendar.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QueueItem {
    pub petition: Petition,
    pub due: Option<DateTime<Utc>>,
    /// Working time left in minutes (negative when overdue); `None` without a clock.
    pub working_minutes_left: Option<i64>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct QueueCounts {
    pub total: i64,
    pub overdue: i64,
    pub due_today: i64,
    pub due_soon: i64,
    pub paused: i64,
    pub flagged: i64,
    pub repeat_proposed: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QueuePage {
    pub items: Vec<QueueItem>,
    pub counts: QueueCounts,
}

/// End of today in Seoul (the next midnight).
pub fn end_of_today(now: DateTime<Utc>) -> DateTime<Utc> {
    let local = calendar::to_seoul(now);
    let tomorrow = local.date_naive().succ_opt().unwrap_or(local.date_naive());
    tomorrow
        .and_hms_opt(0, 0, 0)
        .and_then(|t| t.and_local_timezone(calendar::seoul()).single())
        .map_or(now, |t| t.with_timezone(&Utc))
}

/// One working day (8 working hours) from now, from the deadline function: "due soon".
pub fn soon_limit(cal: &WorkCalendar, now: DateTime<Utc>) -> Result<DateTime<Utc>> {
    calendar::deadline(cal, &DeadlineInput::new(now, Period::Hours(8)), now)
        .map_err(|e| deadline_error(e).into())
}

/// The reach and filters as SQL: the WHERE clause (with `$n` placeholders from 4 on: $1 = now,
/// $2 = end of today, $3 = soon limit) and the values to bind.
pub(super) fn queue_where(
    f: &QueueFilter,
    with_user_filters: bool,
) -> (String, Vec<i64>, Option<String>) {
    let mut sql = String::from("WHERE 1 = 1");
    let mut ints: Vec<i64> = Vec::new();
    let mut state: Option<String> = None;
    let param = |ints: &mut Vec<i64>, v: i64| {
        ints.push(v);
        format!("${}", ints.len() + 3)
    };
    if let Some(depts) = &f.departments {
        if depts.is_empty() {
            sql.push_str(" AND 1 = 0");
        } else {
            let list: Vec<String> = depts.iter().map(|d| param(&mut ints, *d)).collect();
            sql.push_str(&format!(" AND department_id IN ({})", list.join(", ")));
        }
    }
    if let Some(a) = f.petitioner_account_id {
        let p = param(&mut ints, a);
        sql.push_str(&format!(" AND petitioner_account_id = {p}"));
    }
    if with_user_filters {
        if let Some(a) = f.assignee_id {
            let p = param(&mut ints, a);
            sql.push_str(&format!(" AND assignee_id = {p}"));
        }
        if let Some(t) = f.type_id {
            let p = param(&mut ints, t);
            sql.push_str(&format!(" AND type_id = {p}"));
        }
    }
    if with_user_filters && let Some(s) = f.state {
        state = Some(s.as_str().to_string());
        sql.push_str(&format!(" AND state = ${}", ints.len() + 4));
    } else if !f.include_done {
        sql.push_str(" AND ");
        sql.push_str(OPEN_STATES_SQL);
    }
    if with_user_filters {
        if f.overdue {
            sql.push_str(&format!(" AND due_at < $1 AND {LATE_STATES_SQL}"));
        }
        if f.due_today {
            sql.push_str(" AND due_at >= $1 AND due_at < $2");
        }
        if f.flagged {
            sql.push_str(" AND flagged = TRUE");
        }
    }
    (sql, ints, state)
}

/// The open states as SQL, word for word as in the partial indexes of migration 0006: both
/// databases use a partial index only when the query carries its condition.
pub(super) const OPEN_STATES_SQL: &str =
    "state IN ('arrived', 'received', 'in_progress', 'supplement', 'paused')";

/// The states whose clock runs: waiting for receipt (the receipt limit) or being handled (the
/// statutory period). Paused ones and those waiting for a supplement are never late.
pub(super) const LATE_STATES_SQL: &str = "state IN ('arrived', 'received', 'in_progress')";

/// Whether the filter stays inside the open states, where the partial indexes serve it.
pub(super) fn open_only(f: &QueueFilter) -> bool {
    match f.state {
        Some(s) => s.is_open(),
        None => !f.include_done,
    }
}

/// Run one page-id query with the queue's parameters ($1 now, $2 end of today, $3 soon, then
/// the filter's integers and state).
pub(super) async fn page_ids_query(
    db: &Db,
    sql: String,
    binds: (DateTime<Utc>, DateTime<Utc>, DateTime<Utc>),
    ints: &[i64],
    state: &Option<String>,
) -> Result<Vec<(i64, Option<DateTime<Utc>>)>> {
    Ok(on_db!(db, |pool| {
        let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(binds.0)
            .bind(binds.1)
            .bind(binds.2);
        for v in ints {
            q = q.bind(*v);
        }
        if let Some(s) = state {
            q = q.bind(s.clone());
        }
        q.fetch_all(pool).await
    })?)
}

/// The ids of one queue page in order: due moment first, petitions without a clock last, then
/// by id. Open-only queues read each department's entries of the open-petition index in due
/// order, `offset + limit` at most per department, and merge them: a page costs the same with
/// a thousand open petitions in reach or a hundred thousand.
pub(super) async fn queue_page_ids(
    db: &Db,
    f: &QueueFilter,
    now: DateTime<Utc>,
    today_end: DateTime<Utc>,
    soon: DateTime<Utc>,
) -> Result<Vec<i64>> {
    let limit = f.limit.clamp(1, 500);
    let offset = f.offset.max(0);
    let binds = (now, today_end, soon);
    if !open_only(f) {
        let (filter_sql, ints, state) = queue_where(f, true);
        let sql = format!(
            "SELECT id, due_at FROM petitions {filter_sql} \
             ORDER BY CASE WHEN due_at IS NULL THEN 1 ELSE 0 END, due_at, id LIMIT {limit} OFFSET {offset}"
        );
        let rows = page_ids_query(db, sql, binds, &ints, &state).await?;
        return Ok(rows.into_iter().map(|(id, _)| id).collect());
    }
    let want = offset + limit;
    // One partition per department in reach, or the whole office at once.
    let partitions: Vec<Option<DepartmentId>> = match &f.departments {
        Some(depts) => depts.iter().map(|d| Some(*d)).collect(),
        None => vec![None],
    };
    let mut found: Vec<(bool, Option<DateTime<Utc>>, i64)> = Vec::new();
    for with_clock in [true, false] {
        if !with_clock && found.len() as i64 >= want {
            break; // every page row has a clock: those sort first
        }
        for dept in &partitions {
            let one = QueueFilter {
                departments: dept.map(|d| vec![d]),
                ..f.clone()
            };
            let (filter_sql, ints, state) = queue_where(&one, true);
            let (clock, order) = if with_clock {
                ("due_at IS NOT NULL", "due_at, id")
            } else {
                ("due_at IS NULL", "id")
            };
            let sql = format!(
                "SELECT id, due_at FROM petitions {filter_sql} AND {OPEN_STATES_SQL} AND {clock} \
                 ORDER BY {order} LIMIT {want}"
            );
            let rows = page_ids_query(db, sql, binds, &ints, &state).await?;
            found.extend(rows.into_iter().map(|(id, due)| (due.is_none(), due, id)));
        }
    }
    found.sort_unstable();
    Ok(found
        .into_iter()
        .skip(offset as usize)
        .take(limit as usize)
        .map(|(_, _, id)| id)
        .collect())
}

/// An official's or department's work list, ordered by working time left (the cached due
/// moment; petitions without a clock last), with counts over the whole reach.
pub async fn queue(db: &Db, f: &QueueFilter, now: DateTime<Utc>) -> Result<QueuePage> {
    let (cal, fingerprint) = work_calendar(db).await?;
    refresh_due_cache_with(db, &cal, &fingerprint, now).await?;
    let today_end = end_of_today(now);
    let soon = soon_limit(&cal, now)?;

    let ids = queue_page_ids(db, f, now, today_end, soon).await?;
    let mut rows: Vec<PetitionRow> = Vec::with_capacity(ids.len());
    if !ids.is_empty() {
        let list: Vec<String> = (1..=ids.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "SELECT {PETITION_COLUMNS} FROM petitions WHERE id IN ({})",
            list.join(", ")
        );
        let mut fetched = on_db!(db, |pool| {
            let mut q = sqlx::query_as::<_, PetitionRow>(sqlx::AssertSqlSafe(sql));
            for id in &ids {
                q = q.bind(*id);
            }
            q.fetch_all(pool).await
        })?;
        for id in &ids {
            if let Some(pos) = fetched.iter().position(|r| r.id == *id) {
                rows.push(fetched.swap_remove(pos));
            }
        }
    }
    let mut items = Vec::with_capacity(rows.len());
    for row in rows {
        let petition = row.into_petition()?;
        let (due, left) = match petition.derived.clock_input(now) {
            Some(input) => (
                Some(calendar::deadline(&cal, &input, now).map_err(deadline_error)?),
                Some(
                    calendar::working_time_left(&cal, &input, now)
                        .map_err(deadline_error)?
                        .num_minutes(),
                ),
            ),
            None => (None, None),
        };
        items.push(QueueItem {
            petition,
            due,
            working_minutes_left: left,
        });
    }

    let (count_sql, count_ints, _) = queue_where(f, false);
    let sql = format!(
        "SELECT COUNT(*), \
         COALESCE(SUM(CASE WHEN due_at < $1 AND {LATE_STATES_SQL} THEN 1 ELSE 0 END), 0), \
         COALESCE(SUM(CASE WHEN due_at >= $1 AND due_at < $2 THEN 1 ELSE 0 END), 0), \
         COALESCE(SUM(CASE WHEN due_at >= $1 AND due_at < $3 THEN 1 ELSE 0 END), 0), \
         COALESCE(SUM(CASE WHEN state IN ('paused', 'supplement') THEN 1 ELSE 0 END), 0), \
         COALESCE(SUM(CASE WHEN flagged = TRUE THEN 1 ELSE 0 END), 0), \
         COALESCE(SUM(CASE WHEN repeat_proposed = TRUE THEN 1 ELSE 0 END), 0) \
         FROM petitions {count_sql}"
    );
    let c: (i64, i64, i64, i64, i64, i64, i64) = on_db!(db, |pool| {
        let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(now)
            .bind(today_end)
            .bind(soon);
        for v in &count_ints {
            q = q.bind(*v);
        }
        q.fetch_one(pool).await
    })?;
    Ok(QueuePage {
        items,
        counts: QueueCounts {
            total: c.0,
            overdue: c.1,
            due_today: c.2,
            due_soon: c.3,
            paused: c.4,
            flagged: c.5,
            repeat_proposed: c.6,
        },
    })
}

#[cfg(test)]
mod open_index_tests {
    /// The queue's open-state condition is the partial indexes' condition, word for word:
    /// otherwise neither database would use them, silently.
    #[test]
    fn queue_condition_matches_the_partial_indexes() {
        for migration in [
            include_str!("../../migrations/sqlite/0006_open_queue.sql"),
            include_str!("../../migrations/postgres/0006_open_queue.sql"),
        ] {
            assert_eq!(
                migration
                    .matches(&format!("WHERE {}", super::OPEN_STATES_SQL))
                    .count(),
                2
            );
        }
    }
}
