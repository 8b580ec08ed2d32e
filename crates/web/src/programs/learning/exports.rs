//! Exports for the HR office (교육 이수 현황): one row per person and session (and per approved
//! outside entry), with the start, end and duration of each session and the Korean column names an
//! HR office expects, as XLSX or CSV (UTF-8 with a byte-order mark, so spreadsheet programs read
//! the Korean correctly).

use super::organiser_of;
use super::record::team_of;
use crate::AppState;
use crate::kit::auth::{ApiCaller, Caller};
use crate::kit::error::{ApiError, ErrorBody};
use crate::kit::page::{Ctx, OrPage, PageResult};
use crate::protection::views::PageId;
use crate::wellbeing::api::Id;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use rust_xlsxwriter::{Format, Workbook};
use serde::Deserialize;
use std::collections::HashSet;
use store::programs::record::{self as rec, HoursRow};
use utoipa::ToSchema;

/// The columns, as an HR office names them.
pub const HEADERS: [&str; 12] = [
    "성명",
    "소속",
    "직급",
    "과정명",
    "기수",
    "교육기간",
    "시작일시",
    "종료일시",
    "교육시간(시간)",
    "참석시간(시간)",
    "인정시간(시간)",
    "이수여부",
];

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct ExportQuery {
    /// `xlsx` (default) or `csv`.
    pub format: String,
    /// For the year's export: the year (this year when left out).
    #[serde(deserialize_with = "crate::kit::form::empty_as_none")]
    pub year: Option<i32>,
}

fn hours(minutes: i64) -> f64 {
    (minutes as f64 / 60.0 * 100.0).round() / 100.0
}

fn moment(t: Option<DateTime<Utc>>) -> String {
    t.map(crate::kit::page::when).unwrap_or_default()
}

/// One row's cells, as text (numbers are written as numbers in XLSX).
fn cells(r: &HoursRow) -> [String; 12] {
    let period = match (r.first_day, r.last_day) {
        (Some(a), Some(b)) if a == b => a.to_string(),
        (Some(a), Some(b)) => format!("{a} ~ {b}"),
        _ => String::new(),
    };
    let state = match (r.closed, r.credited_minutes) {
        (_, Some(_)) => "이수",
        (true, None) => "미이수",
        (false, None) => "진행 중",
    };
    [
        r.name.clone(),
        r.department.clone(),
        r.grade.map(|g| format!("{g}급")).unwrap_or_default(),
        r.title.clone(),
        r.session_label.clone(),
        period,
        moment(r.starts_at),
        moment(r.ends_at),
        hours(r.scheduled_minutes).to_string(),
        hours(r.attended_minutes).to_string(),
        hours(r.credited_minutes.unwrap_or(0)).to_string(),
        state.to_string(),
    ]
}

/// CSV text with a byte-order mark, every field quoted as needed.
pub fn csv(rows: &[HoursRow]) -> String {
    let field = |s: &str| {
        // A leading =, +, - or @ would be read as a formula by spreadsheet programs.
        let s = if s.starts_with(['=', '+', '-', '@']) {
            format!("'{s}")
        } else {
            s.to_string()
        };
        if s.contains([',', '"', '\n', '\r']) {
            format!("\"{}\"", s.replace('"', "\"\""))
        } else {
            s
        }
    };
    let mut out = String::from("\u{feff}");
    out.push_str(&HEADERS.join(","));
    out.push_str("\r\n");
    for r in rows {
        let line: Vec<String> = cells(r).iter().map(|c| field(c)).collect();
        out.push_str(&line.join(","));
        out.push_str("\r\n");
    }
    out
}

/// The workbook's bytes: one sheet, headers bold and frozen, hours as numbers.
pub fn xlsx(rows: &[HoursRow], sheet: &str) -> Result<Vec<u8>, ApiError> {
    let mut book = Workbook::new();
    let ws = book.add_worksheet();
    let fail = |e: rust_xlsxwriter::XlsxError| ApiError::internal_because(e);
    ws.set_name(sheet).map_err(fail)?;
    let bold = Format::new().set_bold();
    for (c, h) in HEADERS.iter().enumerate() {
        let c = c as u16;
        ws.write_string_with_format(0, c, *h, &bold).map_err(fail)?;
        let width = match c {
            3 => 30.0,
            5..=7 => 20.0,
            _ => 12.0,
        };
        ws.set_column_width(c, width).map_err(fail)?;
    }
    ws.set_freeze_panes(1, 0).map_err(fail)?;
    for (i, r) in rows.iter().enumerate() {
        let row = i as u32 + 1;
        for (c, value) in cells(r).iter().enumerate() {
            let c = c as u16;
            match c {
                8..=10 => ws
                    .write_number(row, c, value.parse::<f64>().unwrap_or(0.0))
                    .map_err(fail)?,
                _ => ws.write_string(row, c, value).map_err(fail)?,
            };
        }
    }
    book.save_to_buffer().map_err(fail)
}

fn download(rows: &[HoursRow], format: &str, name: &str) -> Result<Response, ApiError> {
    let (body, content_type, ext) = match format {
        "csv" => (csv(rows).into_bytes(), "text/csv; charset=utf-8", "csv"),
        "" | "xlsx" => (
            xlsx(rows, "교육 이수 현황")?,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "xlsx",
        ),
        _ => {
            return Err(ApiError::bad_request(
                "unknown_format",
                "형식은 xlsx 또는 csv입니다.",
                "The format is xlsx or csv.",
            ));
        }
    };
    let mut res = body.into_response();
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    // An ASCII file name, and the Korean one for browsers that read RFC 5987.
    let ascii: String = name
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .collect();
    let encoded: String = format!("{name}.{ext}")
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    if let Ok(v) = HeaderValue::from_str(&format!(
        "attachment; filename=\"{ascii}.{ext}\"; filename*=UTF-8''{encoded}"
    )) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(res)
}

async fn session_rows(
    state: &AppState,
    caller: &Caller,
    id: i64,
) -> Result<Vec<HoursRow>, ApiError> {
    organiser_of(state, caller, id).await?;
    let rows = rec::session_hours(&state.db, id).await?;
    state
        .log_access(
            caller,
            &format!("program_session:{id}"),
            "programs.export",
            "",
        )
        .await?;
    Ok(rows)
}

async fn year_rows(
    state: &AppState,
    caller: &Caller,
    year: i32,
) -> Result<Vec<HoursRow>, ApiError> {
    let team = team_of(state, caller, year).await?;
    let reach: HashSet<i64> = team.people.iter().map(|p| p.account_id).collect();
    let rows = rec::year_hours(&state.db, year)
        .await?
        .into_iter()
        .filter(|r| reach.contains(&r.account_id))
        .collect();
    state
        .log_access(caller, "office", "programs.export.year", &year.to_string())
        .await?;
    Ok(rows)
}

/// A session's attendance and hours per person (organiser).
#[utoipa::path(get, path = "/api/v1/programs/sessions/{id}/export", tag = "programs", security(("bearer" = [])),
    params(("id" = i64, Path), ("format" = Option<String>, Query, description = "xlsx (default) or csv")),
    responses((status = 200, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"), (status = 403, body = ErrorBody)))]
pub(crate) async fn session_export_api(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Id(id): Id,
    Query(q): Query<ExportQuery>,
) -> Result<Response, ApiError> {
    let rows = session_rows(&state, &caller, id).await?;
    download(&rows, &q.format, &format!("attendance-{id}"))
}

/// The year's hours per person and session of the people the caller reaches (their division,
/// or the office for the training officer), outside hours included.
#[utoipa::path(get, path = "/api/v1/programs/learning/export", tag = "programs", security(("bearer" = [])),
    params(("year" = Option<i32>, Query), ("format" = Option<String>, Query, description = "xlsx (default) or csv")),
    responses((status = 200, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"), (status = 403, body = ErrorBody)))]
pub(crate) async fn year_export_api(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Query(q): Query<ExportQuery>,
) -> Result<Response, ApiError> {
    let year = q
        .year
        .unwrap_or_else(|| store::programs::korean_year(store::now()));
    let rows = year_rows(&state, &caller, year).await?;
    download(&rows, &q.format, &format!("learning-{year}"))
}

pub(crate) async fn session_export_page(
    State(state): State<AppState>,
    ctx: Ctx,
    PageId(id): PageId,
    Query(q): Query<ExportQuery>,
) -> PageResult {
    let caller = ctx.staff_or_refuse()?;
    let rows = session_rows(&state, caller, id).await.or_page(&ctx)?;
    download(&rows, &q.format, &format!("attendance-{id}")).or_page(&ctx)
}

pub(crate) async fn year_export_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<ExportQuery>,
) -> PageResult {
    let caller = ctx.staff_or_refuse()?;
    let year = q
        .year
        .unwrap_or_else(|| store::programs::korean_year(store::now()));
    let rows = year_rows(&state, caller, year).await.or_page(&ctx)?;
    download(&rows, &q.format, &format!("learning-{year}")).or_page(&ctx)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{NaiveDate, TimeZone};

    fn row(name: &str) -> HoursRow {
        HoursRow {
            account_id: 1,
            name: name.into(),
            department: "민원과".into(),
            grade: Some(7),
            title: "친절 응대, \"힐링\"".into(),
            session_label: "1기".into(),
            first_day: NaiveDate::from_ymd_opt(2026, 5, 12),
            last_day: NaiveDate::from_ymd_opt(2026, 5, 14),
            starts_at: Utc.with_ymd_and_hms(2026, 5, 12, 0, 0, 0).single(),
            ends_at: Utc.with_ymd_and_hms(2026, 5, 14, 8, 0, 0).single(),
            scheduled_minutes: 1440,
            attended_minutes: 1410,
            credited_minutes: Some(1080),
            closed: true,
        }
    }

    #[test]
    fn csv_has_the_korean_headers_and_quotes_what_needs_it() {
        let text = csv(&[row("김민원"), row("=SUM(A1)")]);
        let mut lines = text.lines();
        assert_eq!(
            lines.next(),
            Some(
                "\u{feff}성명,소속,직급,과정명,기수,교육기간,시작일시,종료일시,교육시간(시간),참석시간(시간),인정시간(시간),이수여부"
            )
        );
        assert_eq!(
            lines.next(),
            Some(
                "김민원,민원과,7급,\"친절 응대, \"\"힐링\"\"\",1기,2026-05-12 ~ 2026-05-14,2026-05-12 09:00,2026-05-14 17:00,24,23.5,18,이수"
            )
        );
        assert!(lines.next().is_some_and(|l| l.starts_with("'=SUM(A1)")));
    }

    #[test]
    fn xlsx_is_a_workbook() {
        let bytes = xlsx(&[row("김민원")], "교육 이수 현황").unwrap_or_default();
        // An XLSX file is a zip archive.
        assert!(bytes.starts_with(b"PK"));
        assert!(bytes.len() > 1000);
    }
}
