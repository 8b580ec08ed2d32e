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
    /// Include answered and closed ones (default: open ones and those owed an additional answer).
    pub include_done: bool,
    pub overdue: bool,
    pub due_today: bool,
    /// Due within one working day ([`soon_limit`]), as the "due soon" count.
    pub due_soon: bool,
    /// The clock stopped: paused or waiting for a supplement.
    pub paused: bool,
    pub flagged: bool,
    /// Proposed for closing as repeated (Act art. 23).
    pub repeated: bool,
    /// Only those whose petitioner asked for an additional answer not given yet.
    pub additional: bool,
    /// Only these petitions (search hits).
    pub ids: Option<Vec<PetitionId>>,
    /// Only these receipt numbers (a number typed into the search box, in its possible forms),
    /// in any state.
    pub receipt_nos: Option<Vec<String>>,
    /// Only petitioners whose masked name is this (as the pages show it: 김*수).
    pub petitioner_masked: Option<String>,
    pub order: QueueOrder,
    pub descending: bool,
    pub limit: i64,
    pub offset: i64,
}

impl QueueFilter {
    /// Narrowed to a few petitions by a search: read through their own indexes, any state.
    fn searched(&self) -> bool {
        self.ids.is_some() || self.receipt_nos.is_some() || self.petitioner_masked.is_some()
    }

    /// Whether those owed an additional answer belong to this list beside the open ones: not
    /// under a filter that only open petitions can meet.
    fn with_additional(&self) -> bool {
        self.state.is_none()
            && !(self.overdue || self.due_today || self.due_soon || self.paused || self.repeated)
    }
}

/// The order of a queue page. Petitions without a clock come last in due order either way.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum QueueOrder {
    /// By the due moment (working time left): the desk's default.
    #[default]
    Due,
    /// By receipt number (the register's order); petitions not yet received come last.
    Receipt,
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
    /// Owed an additional answer the petitioner asked for (추가 답변 요청).
    pub additional: i64,
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

/// A value bound to a queue query after its three moments.
#[derive(Debug, Clone)]
pub(super) enum Bind {
    Int(i64),
    Text(String),
}

/// The reach and filters as SQL: the WHERE clause (with `$n` placeholders from 4 on: $1 = now,
/// $2 = end of today, $3 = soon limit) and the values to bind.
pub(super) fn queue_where(f: &QueueFilter, with_user_filters: bool) -> (String, Vec<Bind>) {
    let mut sql = String::from("WHERE 1 = 1");
    let mut binds: Vec<Bind> = Vec::new();
    let param = |binds: &mut Vec<Bind>, v: Bind| {
        binds.push(v);
        format!("${}", binds.len() + 3)
    };
    let list = |binds: &mut Vec<Bind>, values: Vec<Bind>| {
        values
            .into_iter()
            .map(|v| param(binds, v))
            .collect::<Vec<_>>()
            .join(", ")
    };
    if let Some(depts) = &f.departments {
        if depts.is_empty() {
            sql.push_str(" AND 1 = 0");
        } else {
            let l = list(&mut binds, depts.iter().map(|d| Bind::Int(*d)).collect());
            sql.push_str(&format!(" AND department_id IN ({l})"));
        }
    }
    if let Some(a) = f.petitioner_account_id {
        let p = param(&mut binds, Bind::Int(a));
        sql.push_str(&format!(" AND petitioner_account_id = {p}"));
    }
    if with_user_filters {
        if let Some(a) = f.assignee_id {
            let p = param(&mut binds, Bind::Int(a));
            sql.push_str(&format!(" AND assignee_id = {p}"));
        }
        if let Some(t) = f.type_id {
            let p = param(&mut binds, Bind::Int(t));
            sql.push_str(&format!(" AND type_id = {p}"));
        }
        if let Some(ids) = &f.ids {
            if ids.is_empty() {
                sql.push_str(" AND 1 = 0");
            } else {
                let l = list(&mut binds, ids.iter().map(|i| Bind::Int(*i)).collect());
                sql.push_str(&format!(" AND id IN ({l})"));
            }
        }
        if let Some(nos) = &f.receipt_nos {
            if nos.is_empty() {
                sql.push_str(" AND 1 = 0");
            } else {
                let l = list(
                    &mut binds,
                    nos.iter().map(|n| Bind::Text(n.clone())).collect(),
                );
                sql.push_str(&format!(" AND receipt_no IN ({l})"));
            }
        }
        if let Some(m) = &f.petitioner_masked {
            let p = param(&mut binds, Bind::Text(m.clone()));
            sql.push_str(&format!(" AND petitioner_masked = {p}"));
        }
    }
    if with_user_filters && let Some(s) = f.state {
        let p = param(&mut binds, Bind::Text(s.as_str().to_string()));
        sql.push_str(&format!(" AND state = {p}"));
    } else if with_user_filters && (f.additional || f.receipt_nos.is_some()) {
        // Any state: the marker says the petition is owed an answer; a number names one
        // petition, found finished or not (and the counts stay those of the queue).
    } else if !f.include_done {
        if with_user_filters && f.searched() && f.with_additional() {
            sql.push_str(&format!(
                " AND ({OPEN_STATES_SQL} OR additional_requested = TRUE)"
            ));
        } else {
            sql.push_str(" AND ");
            sql.push_str(OPEN_STATES_SQL);
        }
    }
    if with_user_filters {
        if f.overdue {
            sql.push_str(&format!(" AND due_at < $1 AND {LATE_STATES_SQL}"));
        }
        if f.due_today {
            sql.push_str(" AND due_at >= $1 AND due_at < $2");
        }
        if f.due_soon {
            sql.push_str(" AND due_at >= $1 AND due_at < $3");
        }
        if f.paused {
            sql.push_str(&format!(" AND {STOPPED_STATES_SQL}"));
        }
        if f.flagged {
            sql.push_str(" AND flagged = TRUE");
        }
        if f.repeated {
            sql.push_str(" AND repeat_proposed = TRUE");
        }
        if f.additional {
            sql.push_str(" AND additional_requested = TRUE");
        }
    }
    (sql, binds)
}

/// The states in which the clock stands still (the "clock stopped" count and filter).
pub(super) const STOPPED_STATES_SQL: &str = "state IN ('paused', 'supplement')";

/// The open states as SQL, word for word as in the partial indexes of migration 0006: both
/// databases use a partial index only when the query carries its condition.
pub(super) const OPEN_STATES_SQL: &str =
    "state IN ('arrived', 'received', 'in_progress', 'supplement', 'paused')";

/// The states whose clock runs: waiting for receipt (the receipt limit) or being handled (the
/// statutory period). Paused ones and those waiting for a supplement are never late.
pub(super) const LATE_STATES_SQL: &str = "state IN ('arrived', 'received', 'in_progress')";

/// Whether the filter stays inside the open states (with, beside them, those owed an
/// additional answer), where the partial indexes serve it department by department.
pub(super) fn open_only(f: &QueueFilter) -> bool {
    if f.searched() || f.additional {
        return false;
    }
    match f.state {
        Some(s) => s.is_open(),
        None => !f.include_done,
    }
}

/// Run one page-id query with the queue's parameters ($1 now, $2 end of today, $3 soon, then
/// the filter's values).
pub(super) async fn page_ids_query(
    db: &Db,
    sql: String,
    moments: (DateTime<Utc>, DateTime<Utc>, DateTime<Utc>),
    binds: &[Bind],
) -> Result<Vec<(i64, Option<DateTime<Utc>>, Option<String>)>> {
    Ok(on_db!(db, |pool| {
        let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(moments.0)
            .bind(moments.1)
            .bind(moments.2);
        for v in binds {
            q = match v {
                Bind::Int(i) => q.bind(*i),
                Bind::Text(t) => q.bind(t.clone()),
            };
        }
        q.fetch_all(pool).await
    })?)
}

/// One queue row's place: its group (in due order: open with a clock, owed an additional
/// answer, open without a clock; in receipt order: received, not yet received), due moment,
/// receipt number and id.
type Place = (u8, Option<DateTime<Utc>>, Option<String>, i64);

/// Sorts places into the page's order.
fn sort_places(found: &mut [Place], order: QueueOrder, descending: bool) {
    use std::cmp::Reverse;
    match (order, descending) {
        (QueueOrder::Due, false) => found.sort_unstable_by_key(|p| (p.0, p.1, p.3)),
        (QueueOrder::Due, true) => {
            found.sort_unstable_by_key(|p| (p.0, Reverse(p.1), Reverse(p.3)))
        }
        (QueueOrder::Receipt, false) => {
            found.sort_unstable_by(|a, b| (a.0, &a.2, a.3).cmp(&(b.0, &b.2, b.3)))
        }
        (QueueOrder::Receipt, true) => found.sort_unstable_by(|a, b| {
            (a.0, Reverse(&a.2), Reverse(a.3)).cmp(&(b.0, Reverse(&b.2), Reverse(b.3)))
        }),
    }
}

/// The ids of one queue page in order. Open-only queues read each department's entries of the
/// open-petition indexes in the page's order (due moment, or receipt order), `offset + limit`
/// at most per department and group, and merge them: a page costs the same with a thousand
/// open petitions in reach or a hundred thousand. Those owed an additional answer come from
/// their own small partial index.
pub(super) async fn queue_page_ids(
    db: &Db,
    f: &QueueFilter,
    now: DateTime<Utc>,
    today_end: DateTime<Utc>,
    soon: DateTime<Utc>,
) -> Result<Vec<i64>> {
    let limit = f.limit.clamp(1, 500);
    let offset = f.offset.max(0);
    let moments = (now, today_end, soon);
    let dir = if f.descending { "DESC" } else { "ASC" };
    if !open_only(f) {
        let (filter_sql, binds) = queue_where(f, true);
        let order = match f.order {
            QueueOrder::Due => {
                format!("CASE WHEN due_at IS NULL THEN 1 ELSE 0 END, due_at {dir}, id {dir}")
            }
            QueueOrder::Receipt => format!(
                "CASE WHEN receipt_no IS NULL THEN 1 ELSE 0 END, receipt_no {dir}, id {dir}"
            ),
        };
        let sql = format!(
            "SELECT id, due_at, receipt_no FROM petitions {filter_sql} ORDER BY {order} LIMIT {limit} OFFSET {offset}"
        );
        let rows = page_ids_query(db, sql, moments, &binds).await?;
        return Ok(rows.into_iter().map(|(id, _, _)| id).collect());
    }
    let want = offset + limit;
    // One partition per department in reach, or the whole office at once.
    let partitions: Vec<Option<DepartmentId>> = match &f.departments {
        Some(depts) => depts.iter().map(|d| Some(*d)).collect(),
        None => vec![None],
    };
    // The groups in due order; receipt order merges them all by number.
    let mut groups: Vec<(u8, String, String)> = Vec::new();
    match f.order {
        QueueOrder::Due => {
            groups.push((
                0,
                format!("{OPEN_STATES_SQL} AND due_at IS NOT NULL"),
                format!("due_at {dir}, id {dir}"),
            ));
            if f.with_additional() {
                groups.push((1, "additional_requested = TRUE".into(), format!("id {dir}")));
            }
            groups.push((
                2,
                format!("{OPEN_STATES_SQL} AND due_at IS NULL"),
                format!("id {dir}"),
            ));
        }
        QueueOrder::Receipt => {
            let by_number = format!("receipt_no {dir}, id {dir}");
            groups.push((
                0,
                format!("{OPEN_STATES_SQL} AND receipt_no IS NOT NULL"),
                by_number.clone(),
            ));
            if f.with_additional() {
                // Answered, so numbered: merged with the open ones by number.
                groups.push((0, "additional_requested = TRUE".into(), by_number));
            }
            groups.push((
                2,
                format!("{OPEN_STATES_SQL} AND receipt_no IS NULL"),
                format!("id {dir}"),
            ));
        }
    }
    let mut found: Vec<Place> = Vec::new();
    for (group, condition, order) in groups {
        if group == 2 && found.len() as i64 >= want {
            break; // the page is filled from the groups before
        }
        for dept in &partitions {
            // Each group states its own state condition (the partial index's).
            let one = QueueFilter {
                departments: dept.map(|d| vec![d]),
                include_done: true,
                ..f.clone()
            };
            let (filter_sql, binds) = queue_where(&one, true);
            let sql = format!(
                "SELECT id, due_at, receipt_no FROM petitions {filter_sql} AND {condition} ORDER BY {order} LIMIT {want}"
            );
            let rows = page_ids_query(db, sql, moments, &binds).await?;
            found.extend(rows.into_iter().map(|(id, due, no)| (group, due, no, id)));
        }
    }
    sort_places(&mut found, f.order, f.descending);
    Ok(found
        .into_iter()
        .skip(offset as usize)
        .take(limit as usize)
        .map(|(_, _, _, id)| id)
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

    let (count_sql, count_binds) = queue_where(f, false);
    let sql = format!(
        "SELECT COUNT(*), \
         COALESCE(SUM(CASE WHEN due_at < $1 AND {LATE_STATES_SQL} THEN 1 ELSE 0 END), 0), \
         COALESCE(SUM(CASE WHEN due_at >= $1 AND due_at < $2 THEN 1 ELSE 0 END), 0), \
         COALESCE(SUM(CASE WHEN due_at >= $1 AND due_at < $3 THEN 1 ELSE 0 END), 0), \
         COALESCE(SUM(CASE WHEN {STOPPED_STATES_SQL} THEN 1 ELSE 0 END), 0), \
         COALESCE(SUM(CASE WHEN flagged = TRUE THEN 1 ELSE 0 END), 0), \
         COALESCE(SUM(CASE WHEN repeat_proposed = TRUE THEN 1 ELSE 0 END), 0) \
         FROM petitions {count_sql}"
    );
    let c: (i64, i64, i64, i64, i64, i64, i64) =
        count_query(db, sql, (now, today_end, soon), &count_binds).await?;
    // Those owed an additional answer, from their own partial index (any state).
    let (reach_sql, reach_binds) = queue_where(
        &QueueFilter {
            include_done: true,
            ..f.clone()
        },
        false,
    );
    let sql = format!("SELECT COUNT(*) FROM petitions {reach_sql} AND additional_requested = TRUE");
    let (additional,): (i64,) = on_db!(db, |pool| {
        let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(now)
            .bind(today_end)
            .bind(soon);
        for v in &reach_binds {
            q = match v {
                Bind::Int(i) => q.bind(*i),
                Bind::Text(t) => q.bind(t.clone()),
            };
        }
        q.fetch_one(pool).await
    })?;
    Ok(QueuePage {
        items,
        counts: QueueCounts {
            // With finished ones included they are among the rows counted already.
            total: c.0 + if f.include_done { 0 } else { additional },
            overdue: c.1,
            due_today: c.2,
            due_soon: c.3,
            paused: c.4,
            flagged: c.5,
            repeat_proposed: c.6,
            additional,
        },
    })
}

/// One row of seven counts with the queue's parameters.
async fn count_query(
    db: &Db,
    sql: String,
    moments: (DateTime<Utc>, DateTime<Utc>, DateTime<Utc>),
    binds: &[Bind],
) -> Result<(i64, i64, i64, i64, i64, i64, i64)> {
    Ok(on_db!(db, |pool| {
        let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(moments.0)
            .bind(moments.1)
            .bind(moments.2);
        for v in binds {
            q = match v {
                Bind::Int(i) => q.bind(*i),
                Bind::Text(t) => q.bind(t.clone()),
            };
        }
        q.fetch_one(pool).await
    })?)
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
            include_str!("../../migrations/sqlite/0018_pages_queue.sql"),
            include_str!("../../migrations/postgres/0018_pages_queue.sql"),
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
