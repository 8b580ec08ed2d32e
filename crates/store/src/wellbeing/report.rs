//! The inputs of the group report (집단 분석), counted without names.

use super::*;
use crate::fetch_all;

/// The departments with their staff headcount, and each respondent's latest completed check in
/// `year` (Korean calendar year). Only department and band keys leave this function.
pub async fn report_inputs(db: &Db, year: i32) -> Result<(Vec<ReportDepartment>, Vec<Respondent>)> {
    let bound = |y: i32| {
        calendar::SEOUL
            .with_ymd_and_hms(y, 1, 1, 0, 0, 0)
            .single()
            .map(|t| t.with_timezone(&Utc))
            .ok_or_else(|| {
                StoreError::Rule(RuleError::new(
                    "bad_year",
                    "연도가 올바르지 않습니다",
                    "the year is out of range",
                ))
            })
    };
    let (start, end) = (bound(year)?, bound(year + 1)?);
    let departments = crate::office::departments::list(db).await?;
    let heads: Vec<(i64, i64)> = fetch_all!(
        db,
        _,
        "SELECT department_id, COUNT(*) FROM accounts WHERE active = TRUE AND role <> 'resident' \
         AND department_id IS NOT NULL GROUP BY department_id"
    )?;
    let heads: BTreeMap<i64, i64> = heads.into_iter().collect();
    let depts = departments
        .into_iter()
        .map(|d| ReportDepartment {
            headcount: heads.get(&d.id).copied().unwrap_or(0),
            id: d.id,
            parent: d.parent_id,
            name: d.name,
        })
        .collect();

    #[derive(sqlx::FromRow)]
    struct Row {
        account_id: i64,
        check_id: i64,
        department_id: Option<i64>,
        instrument: String,
        band: String,
    }
    // Newest check first per account, so the first one seen per account is its latest.
    let rows = fetch_all!(
        db,
        Row,
        "SELECT c.account_id, c.id AS check_id, c.department_id, r.instrument, r.band \
         FROM wellbeing_checks c JOIN wellbeing_responses r ON r.check_id = c.id \
         WHERE c.completed_at IS NOT NULL AND c.completed_at >= $1 AND c.completed_at < $2 \
         ORDER BY c.account_id, c.completed_at DESC, c.id DESC",
        start,
        end
    )?;
    let mut latest: BTreeMap<i64, (i64, Respondent)> = BTreeMap::new();
    for r in rows {
        let entry = latest.entry(r.account_id).or_insert_with(|| {
            (
                r.check_id,
                Respondent {
                    department: r.department_id,
                    bands: BTreeMap::new(),
                },
            )
        });
        if entry.0 == r.check_id {
            entry.1.bands.insert(r.instrument, r.band);
        }
    }
    Ok((depts, latest.into_values().map(|(_, r)| r).collect()))
}

/// The current year in Korea, the default report period.
pub fn current_year(now: DateTime<Utc>) -> i32 {
    calendar::to_seoul(now).year()
}
