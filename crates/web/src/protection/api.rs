//! The JSON route table of frontline protection under `/api/v1/protection` and its OpenAPI
//! document. The handlers live with their concern (see [`crate::protection`]).

use super::{
    alerts, contacts, drills, equipment, evidence, flags, incidents, indicators, measures, settings,
};
use crate::AppState;
use axum::Router;
use axum::routing::{get, post};
use utoipa::OpenApi;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/api/v1/protection/incidents",
            get(incidents::list_incidents).post(incidents::create_incident),
        )
        .route(
            "/api/v1/protection/incidents/{id}",
            get(incidents::get_incident).put(incidents::update_incident),
        )
        .route(
            "/api/v1/protection/incidents/{id}/measures",
            post(measures::add_measure),
        )
        .route(
            "/api/v1/protection/incidents/{id}/evidence",
            post(evidence::upload_evidence).layer(axum::extract::DefaultBodyLimit::disable()),
        )
        .route(
            "/api/v1/protection/evidence/{id}",
            get(evidence::get_evidence),
        )
        .route(
            "/api/v1/protection/evidence/{id}/download",
            get(evidence::download_evidence),
        )
        .route(
            "/api/v1/protection/evidence/{id}/verify",
            post(evidence::verify_evidence),
        )
        .route(
            "/api/v1/protection/evidence/{id}/handover",
            post(evidence::hand_over_evidence),
        )
        .route(
            "/api/v1/protection/flags",
            get(flags::list_flags).post(flags::raise_flag),
        )
        .route(
            "/api/v1/protection/petitions/{id}/history",
            get(flags::petitioner_history),
        )
        .route(
            "/api/v1/protection/alerts",
            get(alerts::list_alerts).post(alerts::raise_alert),
        )
        .route(
            "/api/v1/protection/alerts/stream",
            get(alerts::alert_stream),
        )
        .route("/api/v1/protection/alerts/{id}", get(alerts::get_alert))
        .route(
            "/api/v1/protection/alerts/{id}/acknowledge",
            post(alerts::acknowledge_alert),
        )
        .route(
            "/api/v1/protection/equipment",
            get(equipment::list_equipment).post(equipment::add_equipment),
        )
        .route(
            "/api/v1/protection/equipment/{id}/issue",
            post(equipment::issue_equipment),
        )
        .route(
            "/api/v1/protection/equipment/{id}/checks",
            post(equipment::check_equipment),
        )
        .route(
            "/api/v1/protection/drills",
            get(drills::list_drills).post(drills::plan_drill),
        )
        .route(
            "/api/v1/protection/drills/{id}/held",
            post(drills::record_drill),
        )
        .route("/api/v1/protection/contacts", post(contacts::start_contact))
        .route(
            "/api/v1/protection/contacts/{id}/warn",
            post(contacts::warn_contact),
        )
        .route(
            "/api/v1/protection/contacts/{id}/finish",
            post(contacts::finish_contact),
        )
        .route("/api/v1/protection/indicators", get(indicators::indicators))
        .route(
            "/api/v1/protection/settings",
            get(settings::get_settings).put(settings::put_settings),
        )
}

#[derive(OpenApi)]
#[openapi(
    paths(incidents::list_incidents, incidents::create_incident, incidents::get_incident, incidents::update_incident, measures::add_measure, evidence::upload_evidence, evidence::get_evidence, evidence::download_evidence, evidence::verify_evidence, evidence::hand_over_evidence, flags::list_flags, flags::raise_flag, flags::petitioner_history, alerts::list_alerts, alerts::raise_alert, alerts::get_alert, alerts::alert_stream, alerts::acknowledge_alert, equipment::list_equipment, equipment::add_equipment, equipment::issue_equipment, equipment::check_equipment, drills::list_drills, drills::plan_drill, drills::record_drill, contacts::start_contact, contacts::warn_contact, contacts::finish_contact, indicators::indicators, settings::get_settings, settings::put_settings),
    components(schemas(incidents::IncidentRequest, incidents::IncidentSummary, incidents::IncidentView, measures::MeasureRequest, measures::MenuItem, evidence::EvidenceView, evidence::HandoverRequest, evidence::VerifyView, flags::FlagRequest, flags::FlagsView, flags::HistoryView, flags::RestrictionView, alerts::AlertRequest, alerts::AlertEvent, alerts::AlertReceipt, alerts::DeliveryView, equipment::EquipmentRequest, equipment::IssueRequest, equipment::CheckRequest, drills::DrillsView, drills::DrillRequest, drills::DrillHeldRequest, contacts::ContactRequest, contacts::ContactView, contacts::WarnRequest, contacts::FinishRequest, indicators::IndicatorsView, settings::SettingsView)),
    tags((name = "protection", description = "민원공무원 보호 (frontline protection): incidents, the Decree's measures in legal order, evidence with custody log, equipment, drills, panic alerts, indicators."))
)]
pub struct ProtectionDoc;
