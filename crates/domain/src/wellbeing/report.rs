//! Group reports of the self-check (집단 분석) for HR and the health counsellor: participation and
//! band distributions by department and year, without ever exposing a person.
//!
//! Rule (WELLBEING.md, after Japan's Stress Check Program): a group is shown only when it has at
//! least [`MIN_CELL`] respondents, and neighbouring groups are suppressed too when subtracting
//! shown totals would reveal a smaller group (complementary suppression).
//!
//! Departments form a tree and each row counts a department *with everything under it*, plus one
//! row for the whole office. What a reader can derive by subtraction is exactly a shown row minus
//! some shown rows below it whose subtrees do not overlap. Such a difference equals the shown row's
//! *residual* (its total minus its topmost shown descendants) plus the residuals of the shown rows
//! in between, so it is enough that every shown row's residual is 0 or at least [`MIN_CELL`]:
//! [`suppress`] hides more rows, smallest first, until that holds. The period is a whole calendar
//! year, so two reports never overlap in time and cannot be subtracted from each other either.

use crate::DepartmentId;
use crate::wellbeing::{Battery, Text};
use serde::Serialize;
use std::collections::BTreeMap;

/// The smallest group shown.
pub const MIN_CELL: i64 = 10;

/// Why a row is hidden.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Hidden {
    /// Fewer than [`MIN_CELL`] respondents.
    Small,
    /// Enough respondents, but showing it would let a smaller group be derived.
    Complementary,
}

/// Decide which rows of a tree may be shown. `parent[i]` is the index of row `i`'s parent (row 0
/// is the root, its parent `None`; parents come before children), `direct[i]` the respondents
/// counted at row `i` itself. Returns each row's total and `None` when shown, or why it is hidden.
pub fn suppress(parent: &[Option<usize>], direct: &[i64]) -> Vec<(i64, Option<Hidden>)> {
    let n = direct.len().min(parent.len());
    let mut children: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (i, p) in parent.iter().enumerate().take(n) {
        if let Some(p) = *p
            && p < n
            && p != i
        {
            children[p].push(i);
        }
    }
    // Totals bottom-up: parents come before children, so walk in reverse.
    let mut total: Vec<i64> = direct[..n].to_vec();
    for i in (0..n).rev() {
        if let Some(p) = parent[i]
            && p < i
        {
            total[p] += total[i];
        }
    }
    let mut hidden: Vec<Option<Hidden>> = total
        .iter()
        .map(|t| (*t < MIN_CELL).then_some(Hidden::Small))
        .collect();

    // The shown rows nearest below `i` (not below another shown row).
    fn topmost(i: usize, children: &[Vec<usize>], hidden: &[Option<Hidden>], out: &mut Vec<usize>) {
        for &c in &children[i] {
            if hidden[c].is_none() {
                out.push(c);
            } else {
                topmost(c, children, hidden, out);
            }
        }
    }

    // Each pass hides one more row or ends, so at most n passes.
    for _ in 0..=n {
        let mut changed = false;
        for i in 0..n {
            if hidden[i].is_some() {
                continue;
            }
            let mut below = Vec::new();
            topmost(i, &children, &hidden, &mut below);
            let residual = total[i] - below.iter().map(|&c| total[c]).sum::<i64>();
            if residual > 0 && residual < MIN_CELL {
                // Hide the smallest shown row below: the residual grows by at least its own.
                if let Some(&c) = below.iter().min_by_key(|&&c| (total[c], c)) {
                    hidden[c] = Some(Hidden::Complementary);
                    changed = true;
                }
            }
        }
        if !changed {
            break;
        }
    }
    total.into_iter().zip(hidden).collect()
}

/// A department as the report needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportDepartment {
    pub id: DepartmentId,
    pub parent: Option<DepartmentId>,
    pub name: String,
    /// Active staff accounts in this department itself (not below it).
    pub headcount: i64,
}

/// One respondent's latest completed check in the year: where they worked, and the band of each
/// instrument (instrument id → band key). Nothing else about them enters a report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Respondent {
    pub department: Option<DepartmentId>,
    pub bands: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BandCount {
    pub key: String,
    pub ko: String,
    pub en: String,
    pub count: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Distribution {
    pub instrument: String,
    pub name: Text,
    pub bands_convention: bool,
    pub bands: Vec<BandCount>,
}

/// One row: a department with everything under it (`department_id` `None` = the whole office).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GroupRow {
    pub department_id: Option<DepartmentId>,
    pub name: String,
    /// Depth in the org chart, for indenting (the office is 0).
    pub depth: usize,
    pub headcount: i64,
    /// `None` when hidden.
    pub respondents: Option<i64>,
    /// Respondents per 100 staff, rounded down; `None` when hidden.
    pub participation_percent: Option<i64>,
    pub hidden: Option<Hidden>,
    /// Empty when hidden.
    pub distributions: Vec<Distribution>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GroupReport {
    pub year: i32,
    pub min_cell: i64,
    pub rows: Vec<GroupRow>,
}

/// Build the report of one year. Respondents whose department is unknown count for the whole
/// office only.
pub fn group_report(
    year: i32,
    battery: &Battery,
    departments: &[ReportDepartment],
    respondents: &[Respondent],
) -> GroupReport {
    // Order the tree so parents come before children (depth-first from the office root).
    let ids: BTreeMap<DepartmentId, usize> = departments
        .iter()
        .enumerate()
        .map(|(i, d)| (d.id, i))
        .collect();
    let mut kids: BTreeMap<Option<DepartmentId>, Vec<usize>> = BTreeMap::new();
    for (i, d) in departments.iter().enumerate() {
        // A parent that is missing (or itself) makes the department top-level.
        let p = d.parent.filter(|p| ids.contains_key(p) && *p != d.id);
        kids.entry(p).or_default().push(i);
    }
    // (department index or None for the office, parent row, depth)
    let mut order: Vec<(Option<usize>, Option<usize>, usize)> = vec![(None, None, 0)];
    let mut stack: Vec<(usize, usize, usize)> = kids
        .get(&None)
        .map(|v| v.iter().rev().map(|&d| (d, 0, 1)).collect())
        .unwrap_or_default();
    let mut seen = vec![false; departments.len()];
    while let Some((d, parent_row, depth)) = stack.pop() {
        if seen[d] {
            continue;
        }
        seen[d] = true;
        let row = order.len();
        order.push((Some(d), Some(parent_row), depth));
        if let Some(children) = kids.get(&Some(departments[d].id)) {
            for &c in children.iter().rev() {
                stack.push((c, row, depth + 1));
            }
        }
    }
    // Departments in a cycle are unreachable from the root: hang them under the office.
    for (d, seen) in seen.iter().enumerate() {
        if !seen {
            order.push((Some(d), Some(0), 1));
        }
    }
    let row_of: BTreeMap<usize, usize> = order
        .iter()
        .enumerate()
        .filter_map(|(row, (d, _, _))| d.map(|d| (d, row)))
        .collect();

    // Which respondents count directly at each row.
    let mut direct_members: Vec<Vec<&Respondent>> = vec![Vec::new(); order.len()];
    for r in respondents {
        let row = r
            .department
            .and_then(|id| ids.get(&id))
            .and_then(|d| row_of.get(d))
            .copied()
            .unwrap_or(0);
        direct_members[row].push(r);
    }
    let parents: Vec<Option<usize>> = order.iter().map(|(_, p, _)| *p).collect();
    let direct: Vec<i64> = direct_members.iter().map(|m| m.len() as i64).collect();
    let decided = suppress(&parents, &direct);

    // Headcounts and band counts of each subtree, accumulated bottom-up.
    let mut headcount: Vec<i64> = order
        .iter()
        .map(|(d, _, _)| d.map(|d| departments[d].headcount).unwrap_or(0))
        .collect();
    let mut counts: Vec<BTreeMap<(String, String), i64>> = direct_members
        .iter()
        .map(|members| {
            let mut m = BTreeMap::new();
            for r in members {
                for (instrument, band) in &r.bands {
                    *m.entry((instrument.clone(), band.clone())).or_insert(0) += 1;
                }
            }
            m
        })
        .collect();
    for row in (1..order.len()).rev() {
        if let Some(p) = parents[row] {
            headcount[p] += headcount[row];
            let child = std::mem::take(&mut counts[row]);
            for (k, v) in &child {
                *counts[p].entry(k.clone()).or_insert(0) += v;
            }
            counts[row] = child;
        }
    }

    let rows = order
        .iter()
        .enumerate()
        .map(|(row, (d, _, depth))| {
            let (total, hidden) = decided
                .get(row)
                .copied()
                .unwrap_or((0, Some(Hidden::Small)));
            let shown = hidden.is_none();
            let distributions = if shown {
                battery
                    .instruments
                    .iter()
                    .map(|i| Distribution {
                        instrument: i.id.clone(),
                        name: i.name.clone(),
                        bands_convention: i.bands_convention,
                        bands: i
                            .bands
                            .iter()
                            .map(|b| BandCount {
                                key: b.key.clone(),
                                ko: b.ko.clone(),
                                en: b.en.clone(),
                                count: counts[row]
                                    .get(&(i.id.clone(), b.key.clone()))
                                    .copied()
                                    .unwrap_or(0),
                            })
                            .collect(),
                    })
                    .collect()
            } else {
                Vec::new()
            };
            GroupRow {
                department_id: d.map(|d| departments[d].id),
                name: d
                    .map(|d| departments[d].name.clone())
                    .unwrap_or_else(|| "기관 전체 (whole office)".to_string()),
                depth: *depth,
                headcount: headcount[row],
                respondents: shown.then_some(total),
                participation_percent: (shown && headcount[row] > 0)
                    .then(|| total * 100 / headcount[row]),
                hidden,
                distributions,
            }
        })
        .collect();
    GroupReport {
        year,
        min_cell: MIN_CELL,
        rows,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wellbeing::battery;
    use proptest::prelude::*;

    /// The attacker: every difference between a shown row and a set of shown rows below it
    /// whose subtrees do not overlap. Returns the smallest non-empty group so derived.
    fn smallest_derivable(
        parent: &[Option<usize>],
        decided: &[(i64, Option<Hidden>)],
    ) -> Option<i64> {
        let n = decided.len();
        let is_below = |a: usize, b: usize| {
            // a strictly below b
            let mut cur = parent[a];
            while let Some(p) = cur {
                if p == b {
                    return true;
                }
                cur = parent[p];
            }
            false
        };
        let shown: Vec<usize> = (0..n).filter(|&i| decided[i].1.is_none()).collect();
        let mut smallest: Option<i64> = None;
        for &top in &shown {
            let below: Vec<usize> = shown
                .iter()
                .copied()
                .filter(|&c| is_below(c, top))
                .collect();
            assert!(below.len() <= 16, "test tree too large to enumerate");
            for mask in 0u32..(1 << below.len()) {
                let chosen: Vec<usize> = (0..below.len())
                    .filter(|b| mask & (1 << b) != 0)
                    .map(|b| below[b])
                    .collect();
                let overlapping = chosen
                    .iter()
                    .any(|&a| chosen.iter().any(|&b| a != b && is_below(a, b)));
                if overlapping {
                    continue;
                }
                let diff = decided[top].0 - chosen.iter().map(|&c| decided[c].0).sum::<i64>();
                if diff > 0 {
                    smallest = Some(smallest.map_or(diff, |s: i64| s.min(diff)));
                }
            }
        }
        smallest
    }

    #[test]
    fn a_small_group_cannot_be_derived_by_subtraction() {
        // Office (direct 0) > 민원과 (direct 3) > 민원팀 (12); office > 건설과 (15) > 도로팀 (11).
        let parent = [None, Some(0), Some(1), Some(0), Some(3)];
        let direct = [0, 3, 12, 4, 11];
        // Without complementary suppression: 민원과 15 − 민원팀 12 = 3 people.
        let naive: Vec<(i64, Option<Hidden>)> = [30, 15, 12, 15, 11]
            .map(|t| (t, (t < MIN_CELL).then_some(Hidden::Small)))
            .to_vec();
        assert_eq!(smallest_derivable(&parent, &naive), Some(3));
        let decided = suppress(&parent, &direct);
        assert_eq!(
            decided.iter().map(|d| d.0).collect::<Vec<_>>(),
            [30, 15, 12, 15, 11]
        );
        // 민원팀 and 도로팀 are hidden to protect the 3 and the 4.
        assert_eq!(decided[2].1, Some(Hidden::Complementary));
        assert_eq!(decided[4].1, Some(Hidden::Complementary));
        assert!(decided[0].1.is_none() && decided[1].1.is_none() && decided[3].1.is_none());
        let smallest = smallest_derivable(&parent, &decided);
        assert!(smallest.is_none_or(|s| s >= MIN_CELL), "{smallest:?}");
    }

    #[test]
    fn office_minus_departments_is_protected_too() {
        // Office: 민원과 20 and 건설과 20 shown, 3 respondents without a department.
        let parent = [None, Some(0), Some(0)];
        let decided = suppress(&parent, &[3, 20, 20]);
        assert_eq!(decided[0].0, 43);
        assert!(decided[1].1.is_some() || decided[2].1.is_some());
        assert!(smallest_derivable(&parent, &decided).is_none_or(|s| s >= MIN_CELL));
    }

    proptest! {
        #[test]
        fn no_random_tree_leaks(shape in proptest::collection::vec((0usize..8, 0i64..25), 1..10)) {
            // Row 0 is the office; row i>0 hangs under a random earlier row.
            let mut parent = vec![None];
            let mut direct = vec![shape[0].1 % 5];
            for (i, (p, d)) in shape.iter().enumerate().skip(1) {
                parent.push(Some(p % i));
                direct.push(*d);
            }
            let decided = suppress(&parent, &direct);
            for (t, h) in &decided {
                if *t < MIN_CELL {
                    prop_assert!(h.is_some());
                }
            }
            let smallest = smallest_derivable(&parent, &decided);
            prop_assert!(smallest.is_none_or(|s| s >= MIN_CELL), "derived {:?}", smallest);
        }
    }

    #[test]
    fn report_rows_counts_and_participation() {
        let b = battery().unwrap();
        let depts = [
            ReportDepartment {
                id: 1,
                parent: None,
                name: "예시군청".into(),
                headcount: 2,
            },
            ReportDepartment {
                id: 2,
                parent: Some(1),
                name: "민원과".into(),
                headcount: 20,
            },
            ReportDepartment {
                id: 3,
                parent: Some(2),
                name: "민원팀".into(),
                headcount: 14,
            },
            ReportDepartment {
                id: 4,
                parent: Some(1),
                name: "건설과".into(),
                headcount: 10,
            },
        ];
        let person = |dept: i64, phq: &str| Respondent {
            department: Some(dept),
            bands: BTreeMap::from([("phq9".to_string(), phq.to_string())]),
        };
        let mut rs = Vec::new();
        rs.extend((0..12).map(|_| person(3, "mild")));
        rs.extend((0..3).map(|_| person(2, "severe")));
        rs.extend((0..4).map(|_| person(4, "minimal")));
        let r = group_report(2026, b, &depts, &rs);
        let names: Vec<&str> = r.rows.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "기관 전체 (whole office)",
                "예시군청",
                "민원과",
                "민원팀",
                "건설과"
            ]
        );
        let office = &r.rows[0];
        assert_eq!(office.respondents, Some(19));
        assert_eq!(office.headcount, 46);
        assert_eq!(office.participation_percent, Some(41));
        // 예시군청 (19) minus 민원과 (15) would reveal 건설과's 4: one of them is hidden.
        let shown: Vec<bool> = r.rows.iter().map(|r| r.hidden.is_none()).collect();
        assert!(!shown[4], "건설과 has 4");
        assert!(!shown[3], "민원과 15 − 민원팀 12 = 3 must not be derivable");
        let phq = |row: &GroupRow, key: &str| {
            row.distributions[0]
                .bands
                .iter()
                .find(|b| b.key == key)
                .unwrap()
                .count
        };
        assert_eq!(phq(office, "mild"), 12);
        assert_eq!(phq(office, "severe"), 3);
        assert!(
            r.rows
                .iter()
                .filter(|r| r.hidden.is_some())
                .all(|r| r.distributions.is_empty() && r.respondents.is_none())
        );
        // The whole office minus every shown row below it never leaves a group under 10.
        let parent: Vec<Option<usize>> = vec![None, Some(0), Some(1), Some(2), Some(1)];
        let decided: Vec<(i64, Option<Hidden>)> = r
            .rows
            .iter()
            .map(|row| (row.respondents.unwrap_or(0), row.hidden))
            .collect();
        assert!(smallest_derivable(&parent, &decided).is_none_or(|s| s >= MIN_CELL));
    }
}
