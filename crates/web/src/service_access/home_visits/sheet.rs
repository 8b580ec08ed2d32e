//! The round sheet (방문표) per team, printable on A4: stops in order with arrival windows,
//! addresses, the kit to bring, the contact and phone, and a sketch of the stops drawn here
//! from the coordinates (SVG: numbered in order, the start point; no map tiles, nothing
//! loaded from outside).

use crate::AppState;
use crate::kit::page::{Chrome, Ctx, Lang, OrPage, PageResult};
use askama::Template;
use axum::extract::{Query, State};
use domain::access::Action;
use serde::Deserialize;
use store::service_access::home_visits::{self as sh, Round, Stop, Team};

use crate::kit::extract::Path;

#[derive(Deserialize)]
pub(crate) struct Which {
    team: Option<i64>,
}

pub(crate) struct SheetStop {
    position: i64,
    name: String,
    phone: String,
    address: String,
    arrival: String,
    window: String,
    services: String,
    kit: String,
}

pub(crate) struct SheetTeam {
    name: String,
    members: String,
    hours: String,
    start: String,
    stops: Vec<SheetStop>,
    kit_total: String,
    sketch: String,
}

#[derive(Template)]
#[template(path = "service_access/home_visits/sheet.html")]
struct SheetPage {
    c: Chrome,
    round: Round,
    teams: Vec<SheetTeam>,
}

/// The sketch: the start point (a square) and the stops (numbered circles) joined in order,
/// scaled into a fixed box. Plain SVG text, escaped, from numbers only.
pub(crate) fn sketch(lang: Lang, team: &Team, stops: &[&Stop]) -> String {
    let (w, h, pad) = (640.0_f64, 360.0_f64, 28.0_f64);
    let mut points: Vec<(f64, f64)> = vec![(team.start_lat, team.start_lon)];
    points.extend(stops.iter().map(|s| (s.lat, s.lon)));
    let (min_lat, max_lat) = points
        .iter()
        .fold((f64::MAX, f64::MIN), |(a, b), p| (a.min(p.0), b.max(p.0)));
    let (min_lon, max_lon) = points
        .iter()
        .fold((f64::MAX, f64::MIN), |(a, b), p| (a.min(p.1), b.max(p.1)));
    // Keep the aspect: a degree of longitude is shorter than one of latitude by cos(latitude).
    let k = ((min_lat + max_lat) / 2.0).to_radians().cos();
    let span_x = ((max_lon - min_lon) * k).max(1e-6);
    let span_y = (max_lat - min_lat).max(1e-6);
    let scale = ((w - 2.0 * pad) / span_x).min((h - 2.0 * pad) / span_y);
    // Centred in the box.
    let (dx, dy) = (
        (w - 2.0 * pad - span_x * scale) / 2.0,
        (h - 2.0 * pad - span_y * scale) / 2.0,
    );
    let xy = |p: &(f64, f64)| {
        let x = pad + dx + (p.1 - min_lon) * k * scale;
        let y = h - pad - dy - (p.0 - min_lat) * scale;
        (x, y)
    };
    let title = lang.t("방문 순서 약도", "Sketch of the stops in order");
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {w} {h}\" class=\"mw-sketch\" role=\"img\" aria-labelledby=\"sk-{id}\"><title id=\"sk-{id}\">{title}</title>\
         <rect x=\"0\" y=\"0\" width=\"{w}\" height=\"{h}\" fill=\"#fff\" stroke=\"#333\"/>",
        id = team.id
    );
    let mut path = String::new();
    for (i, p) in points.iter().chain(std::iter::once(&points[0])).enumerate() {
        let (x, y) = xy(p);
        path.push_str(&format!("{}{x:.1},{y:.1} ", if i == 0 { "M" } else { "L" }));
    }
    svg.push_str(&format!(
        "<path d=\"{}\" fill=\"none\" stroke=\"#555\" stroke-width=\"1.5\" stroke-dasharray=\"6 4\"/>",
        path.trim()
    ));
    let (sx, sy) = xy(&points[0]);
    svg.push_str(&format!(
        "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"16\" height=\"16\" fill=\"#000\"/><text x=\"{:.1}\" y=\"{:.1}\" font-size=\"13\" fill=\"#000\">{}</text>",
        sx - 8.0,
        sy - 8.0,
        sx + 12.0,
        sy + 5.0,
        askama::filters::escape(&team.start_label, askama::filters::Html).map(|e| e.to_string()).unwrap_or_default()
    ));
    for (i, p) in points.iter().skip(1).enumerate() {
        let (x, y) = xy(p);
        svg.push_str(&format!(
            "<circle cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"11\" fill=\"#fff\" stroke=\"#000\" stroke-width=\"2\"/><text x=\"{x:.1}\" y=\"{:.1}\" font-size=\"12\" font-weight=\"700\" text-anchor=\"middle\" fill=\"#000\">{}</text>",
            y + 4.0,
            i + 1
        ));
    }
    svg.push_str("</svg>");
    svg
}

pub(crate) async fn sheet_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Query(which): Query<Which>,
) -> PageResult {
    let caller = ctx.staff_or_refuse()?;
    let lang = ctx.lang;
    let round = super::round_for(&state, caller, id, Action::Read)
        .await
        .or_page(&ctx)?;
    let teams = sh::teams(&state.db, id).await.or_page(&ctx)?;
    let stops = sh::stops(&state.db, id).await.or_page(&ctx)?;
    let blocks = teams
        .iter()
        .filter(|t| which.team.is_none_or(|w| w == t.id))
        .map(|t| {
            let mine: Vec<&Stop> = stops.iter().filter(|s| s.team_id == Some(t.id)).collect();
            let all: Vec<_> = mine.iter().flat_map(|s| s.services()).collect();
            SheetTeam {
                name: t.name.clone(),
                members: super::pages::members_words(t),
                hours: format!("{}–{}", t.starts, t.ends),
                start: t.start_label.clone(),
                kit_total: super::pages::kit_words(lang, &all),
                sketch: sketch(lang, t, &mine),
                stops: mine
                    .iter()
                    .map(|s| SheetStop {
                        position: s.position.unwrap_or(0),
                        name: s.name.clone(),
                        phone: s.phone.clone(),
                        address: s.address.clone(),
                        arrival: s.arrival.clone().unwrap_or_default(),
                        window: super::pages::window_words(lang, &s.window_start, &s.window_end),
                        services: super::pages::services_words(lang, &s.services()),
                        kit: super::pages::kit_words(lang, &s.services()),
                    })
                    .collect(),
            }
        })
        .collect();
    let page = SheetPage {
        c: ctx
            .chrome()
            .crumb(lang.t("방문 일정", "Rounds"), "/home-visits/rounds")
            .crumb(
                format!("{} {}", round.day, round.area),
                &format!("/home-visits/rounds/{id}"),
            )
            .crumb(lang.t("방문표", "Round sheet"), ""),
        round,
        teams: blocks,
    };
    Ok(ctx.render(&page))
}
