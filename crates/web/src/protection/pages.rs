//! The page route table of frontline protection under `/protection`. Every form works
//! without JavaScript; `static/protection.js` adds the running timer and the live alert banner.
//! The handlers live with their concern (see [`crate::protection`]).

use super::{
    alerts, contacts, drills, equipment, evidence, flags, incidents, indicators, measures,
};
use crate::AppState;
use axum::Router;
use axum::routing::{get, post};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/protection", get(incidents::home))
        .route("/protection/panic", post(alerts::panic))
        .route("/protection/alerts/{id}", get(alerts::alert_page))
        .route("/protection/alerts/{id}/acknowledge", post(alerts::ack))
        .route("/protection/alerts/{id}/place", post(alerts::place_form))
        .route("/protection/panic-place", post(alerts::standing_place_form))
        .route("/protection/incidents", post(incidents::create))
        .route("/protection/flags", post(flags::flag_form))
        .route(
            "/protection/petitions/{id}/history",
            get(flags::history_page),
        )
        .route(
            "/protection/incidents/{id}",
            get(incidents::incident).post(incidents::amend),
        )
        .route(
            "/protection/incidents/{id}/measures",
            post(measures::measure),
        )
        .route(
            "/protection/incidents/{id}/evidence",
            post(evidence::upload),
        )
        .route("/protection/evidence/{id}", get(evidence::evidence))
        .route(
            "/protection/evidence/{id}/download",
            get(evidence::download_page),
        )
        .route(
            "/protection/evidence/{id}/verify",
            post(evidence::verify_form),
        )
        .route(
            "/protection/evidence/{id}/handover",
            post(evidence::handover),
        )
        .route(
            "/protection/equipment",
            get(equipment::equipment).post(equipment::add_equipment_form),
        )
        .route(
            "/protection/equipment/{id}/issue",
            post(equipment::issue_form),
        )
        .route(
            "/protection/equipment/{id}/check",
            post(equipment::check_form),
        )
        .route(
            "/protection/drills",
            get(drills::drills).post(drills::plan_form),
        )
        .route("/protection/drills/{id}/held", post(drills::held_form))
        .route("/protection/indicators", get(indicators::indicators_page))
        .route(
            "/protection/contact",
            get(contacts::contact_start).post(contacts::contact_begin),
        )
        .route("/protection/contact/{id}", get(contacts::contact_page))
        .route(
            "/protection/contact/{id}/warn",
            post(contacts::contact_warn),
        )
        .route(
            "/protection/contact/{id}/finish",
            post(contacts::contact_finish),
        )
}
