//! The JSON route table of frontline protection under `/api/v1/protection` and its OpenAPI
//! document. The handlers live with their concern (see [`crate::protection`]).

use super::{
    alerts, contacts, drills, equipment, evidence, flags, incidents, indicators, measures, settings,
};
use crate::AppState;
use utoipa::OpenApi;
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouterExt};
use utoipa_axum::routes;

/// The JSON routes, each handler named once with its OpenAPI path (evidence uploads keep their
/// own size limit, checked while the body streams).
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ProtectionDoc::openapi())
        .routes(routes!(
            incidents::list_incidents,
            incidents::create_incident
        ))
        .routes(routes!(incidents::get_incident, incidents::update_incident))
        .routes(routes!(measures::add_measure))
        .routes(
            routes!(evidence::upload_evidence).layer(axum::extract::DefaultBodyLimit::disable()),
        )
        .routes(routes!(evidence::get_evidence))
        .routes(routes!(evidence::download_evidence))
        .routes(routes!(evidence::verify_evidence))
        .routes(routes!(evidence::hand_over_evidence))
        .routes(routes!(flags::list_flags, flags::raise_flag))
        .routes(routes!(flags::petitioner_history))
        .routes(routes!(alerts::list_alerts, alerts::raise_alert))
        .routes(routes!(alerts::alert_stream))
        .routes(routes!(alerts::get_alert))
        .routes(routes!(alerts::acknowledge_alert))
        .routes(routes!(equipment::list_equipment, equipment::add_equipment))
        .routes(routes!(equipment::issue_equipment))
        .routes(routes!(equipment::check_equipment))
        .routes(routes!(drills::list_drills, drills::plan_drill))
        .routes(routes!(drills::record_drill))
        .routes(routes!(contacts::start_contact))
        .routes(routes!(contacts::warn_contact))
        .routes(routes!(contacts::finish_contact))
        .routes(routes!(indicators::indicators))
        .routes(routes!(settings::get_settings, settings::put_settings))
}

#[derive(OpenApi)]
#[openapi(
    components(schemas(incidents::IncidentRequest, incidents::IncidentSummary, incidents::IncidentView, measures::MeasureRequest, measures::MenuItem, evidence::EvidenceView, evidence::HandoverRequest, evidence::VerifyView, flags::FlagRequest, flags::FlagsView, flags::HistoryView, flags::RestrictionView, alerts::AlertRequest, alerts::AlertEvent, alerts::AlertReceipt, alerts::DeliveryView, equipment::EquipmentRequest, equipment::IssueRequest, equipment::CheckRequest, drills::DrillsView, drills::DrillRequest, drills::DrillHeldRequest, contacts::ContactRequest, contacts::ContactView, contacts::WarnRequest, contacts::FinishRequest, indicators::IndicatorsView, settings::SettingsView)),
    tags((name = "protection", description = "민원공무원 보호 (frontline protection): incidents, the Decree's measures in legal order, evidence with custody log, equipment, drills, panic alerts, indicators."))
)]
pub struct ProtectionDoc;
