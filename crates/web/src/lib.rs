//! HTTP: the JSON API (`/api/v1`), the pages, sessions, CSRF, security headers, rate limits,
//! and the outbox worker that sends notifications.

// Plumbing that knows no capability.
pub mod kit;

// One folder per capability, with the same name in `domain` and `store`.
pub mod office;
pub mod open311;
pub mod petitions;
pub mod programs;
pub mod protection;
pub mod service_access;
pub mod wellbeing;

/// Every capability, each registering its routes, OpenAPI paths and menu entries once.
const CAPABILITIES: &[Registration] = &[
    office::REGISTRATION,
    petitions::REGISTRATION,
    open311::REGISTRATION,
    protection::REGISTRATION,
    wellbeing::REGISTRATION,
    programs::REGISTRATION,
    service_access::REGISTRATION,
];

/// What one capability brings to the application.
pub struct Registration {
    /// The capability's folder name, the same in `domain`, `store` and `web`.
    pub name: &'static str,
    /// Routes behind the session layer, with the OpenAPI paths of their handlers.
    pub routes: fn() -> OpenApiRouter<AppState>,
    /// Routes whose clients carry their own credential instead of a session (Open311's
    /// api_key): outside the session and CSRF layer, inside every other.
    pub public_routes: Option<fn() -> Router<AppState>>,
    /// Entries of the header menu.
    pub nav: &'static [kit::page::NavEntry],
}

/// Every capability's menu entries.
pub fn navigation() -> impl Iterator<Item = &'static kit::page::NavEntry> {
    CAPABILITIES.iter().flat_map(|c| c.nav.iter())
}

#[derive(OpenApi)]
#[openapi(
    info(title = "Minwon API", version = "1", description = "민원 처리 플랫폼 API (Minwon JSON API). Authenticate with `Authorization: Bearer <token>` from POST /api/v1/tokens."),
    modifiers(&BearerAuth)
)]
struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// Every capability's session routes, with the OpenAPI document they describe.
fn capability_routes() -> OpenApiRouter<AppState> {
    CAPABILITIES
        .iter()
        .fold(OpenApiRouter::with_openapi(ApiDoc::openapi()), |r, c| {
            r.merge((c.routes)())
        })
}

/// The OpenAPI document served at `/api/v1/openapi.json`.
pub fn openapi_document() -> utoipa::openapi::OpenApi {
    capability_routes().split_for_parts().1
}

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderName, Request};
use domain::office::audit::AuditRecord;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use store::Db;
use tokio::net::TcpListener;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{
    MakeRequestId, PropagateRequestIdLayer, RequestId, SetRequestIdLayer,
};
use tower_http::trace::TraceLayer;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;

/// Largest JSON or form body accepted (attachments get their own limit on their own routes).
pub const MAX_BODY_BYTES: usize = 1024 * 1024;
pub const MAX_FORM_BYTES: usize = MAX_BODY_BYTES;

/// Settings of the HTTP layer.
#[derive(Debug, Clone)]
pub struct WebConfig {
    /// Session lifetime.
    pub session_hours: i64,
    /// API token lifetime.
    pub token_days: i64,
    /// Set when a TLS-terminating proxy stands in front: cookies get `Secure`, HSTS is sent.
    pub behind_tls: bool,
    /// Take the client address from X-Forwarded-For, as seen by the trusted proxies below.
    pub trust_proxy: bool,
    /// The proxies (addresses or CIDR blocks) whose X-Forwarded-For entries are believed: the
    /// socket peer must be one, and the client is the right-most entry that is not one.
    pub trusted_proxies: Vec<kit::security::TrustedProxy>,
    /// Requests per minute per client address (0 disables), and the burst allowed.
    pub rate_per_minute: u32,
    pub rate_burst: u32,
    /// Key for resident registration numbers (`store::petitions::PiiKey::load_or_create` on a
    /// file in the data directory). Without one, a key that lives as long as the process.
    pub pii_key: Option<store::petitions::PiiKey>,
    /// Data directory: attachments in `blobs/`, the search index in `search-index/`. Without
    /// one, a temporary directory and an in-memory index.
    pub data_dir: Option<std::path::PathBuf>,
    /// Largest attachment accepted, in bytes.
    pub attachment_max_bytes: u64,
    /// Optional OpenAI-compatible endpoint for draft answers (off by default).
    pub drafting: Option<petitions::assist::DraftEndpoint>,
    /// The address residents reach this site at (`https://minwon.example.go.kr`), put in front
    /// of links in e-mail and text messages. Empty: links stay site-relative.
    pub public_url: String,
}

impl WebConfig {
    /// `path` as a link for a message that leaves the site.
    pub fn public_link(&self, path: &str) -> String {
        format!("{}{path}", self.public_url.trim_end_matches('/'))
    }
}

impl Default for WebConfig {
    fn default() -> Self {
        Self {
            session_hours: 8,
            token_days: 90,
            behind_tls: false,
            trust_proxy: false,
            trusted_proxies: Vec::new(),
            rate_per_minute: 600,
            rate_burst: 200,
            pii_key: None,
            data_dir: None,
            attachment_max_bytes: 20 * 1024 * 1024,
            drafting: None,
            public_url: String::new(),
        }
    }
}

#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub config: Arc<WebConfig>,
    pub limiter: Arc<kit::security::RateLimiter>,
    /// The petition desk's key, blob store and search index.
    pub petitions: Arc<petitions::Desk>,
    /// Live panic alerts (server-sent events) and the shutdown signal for open streams.
    pub protection: Arc<protection::Live>,
}

impl AppState {
    pub fn new(db: Db, config: WebConfig) -> Self {
        let limiter = kit::security::RateLimiter::new(config.rate_per_minute, config.rate_burst);
        let desk = petitions::Desk::from_config(
            config.pii_key.clone(),
            config.data_dir.as_deref(),
            config.attachment_max_bytes,
        );
        Self {
            petitions: Arc::new(desk),
            protection: Arc::new(protection::Live::new()),
            db,
            config: Arc::new(config),
            limiter: Arc::new(limiter),
        }
    }

    /// Write one access-log entry in its own transaction (reads of personal data).
    pub async fn log_access(
        &self,
        caller: &kit::auth::Caller,
        subject: &str,
        action: &str,
        reason: &str,
    ) -> Result<(), kit::error::ApiError> {
        store::office::audit::record(&self.db, &access_record(caller, subject, action, reason))
            .await?;
        Ok(())
    }
}

/// The access-log record of one action by a caller.
pub fn access_record(
    caller: &kit::auth::Caller,
    subject: &str,
    action: &str,
    reason: &str,
) -> AuditRecord {
    AuditRecord {
        at: store::now(),
        account_id: Some(caller.account.id),
        address: caller.address.clone(),
        subject: subject.to_string(),
        action: action.to_string(),
        reason: reason.to_string(),
    }
}

/// What an audited write leaves in the access log: whose data, which action, why.
pub struct Audit {
    pub subject: String,
    pub action: String,
    pub reason: String,
}

impl Audit {
    pub fn new(subject: impl Into<String>, action: &str, reason: &str) -> Self {
        Audit {
            subject: subject.into(),
            action: action.into(),
            reason: reason.into(),
        }
    }
}

/// One audited write: begin a transaction, make the change (which may queue outbox messages
/// in the same transaction), append the caller's access-log entry, commit. The change and its
/// log entry land together or not at all.
pub async fn audited<T>(
    state: &AppState,
    caller: &kit::auth::Caller,
    change: impl AsyncFnOnce(&mut store::Tx) -> Result<(T, Audit), kit::error::ApiError>,
) -> Result<T, kit::error::ApiError> {
    let mut tx = state.db.begin().await?;
    let (value, audit) = change(&mut tx).await?;
    commit_logged(tx, caller, &audit.subject, &audit.action, &audit.reason).await?;
    Ok(value)
}

/// The end of an audited write whose transaction the handler already holds: append the
/// caller's access-log entry to it and commit both, so they land together or not at all.
pub(crate) async fn commit_logged(
    mut tx: store::Tx,
    caller: &kit::auth::Caller,
    subject: &str,
    action: &str,
    reason: &str,
) -> Result<(), store::StoreError> {
    let record = access_record(caller, subject, action, reason);
    store::office::audit::append(&mut tx, &record).await?;
    tx.commit().await
}

/// Request ids: a process-unique counter with a random prefix, cheap and unique enough to
/// follow one request through the logs.
#[derive(Clone)]
struct NextRequestId {
    prefix: Arc<str>,
    counter: Arc<AtomicU64>,
}

impl MakeRequestId for NextRequestId {
    fn make_request_id<B>(&mut self, _: &Request<B>) -> Option<RequestId> {
        let n = self.counter.fetch_add(1, Ordering::Relaxed);
        format!("{}-{n}", self.prefix)
            .parse()
            .ok()
            .map(RequestId::new)
    }
}

/// Run each request on its database's clock, so that `store::now()` in a handler reads the time
/// a test has set for this server (the system time otherwise).
async fn on_the_db_clock(
    axum::extract::State(state): axum::extract::State<AppState>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    state.db.clock().scope(next.run(req)).await
}

/// The whole application.
pub fn app(state: AppState) -> Router {
    let request_id = HeaderName::from_static("x-request-id");
    let prefix: String = store::kit::secrets::new_token()
        .unwrap_or_default()
        .chars()
        .take(8)
        .collect();
    let ids = NextRequestId {
        prefix: prefix.into(),
        counter: Arc::new(AtomicU64::new(1)),
    };
    let (routes, document) = capability_routes().split_for_parts();
    let document = Arc::new(document);
    let public = CAPABILITIES
        .iter()
        .filter_map(|c| c.public_routes)
        .fold(Router::new(), |r, routes| r.merge(routes()));
    routes
        .route(
            "/api/v1/openapi.json",
            axum::routing::get(move || async move { axum::Json(document.as_ref().clone()) }),
        )
        .route("/static/{*path}", axum::routing::get(kit::page::static_file))
        .route("/favicon.ico", axum::routing::get(kit::page::favicon))
        .fallback(kit::page::not_found)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            kit::auth::authenticate,
        ))
        // Open311 clients carry no session: the api_key is their credential, so these routes
        // skip the session/CSRF layer above but keep every layer below (rate limit, headers …).
        .merge(public)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            kit::security::rate_limit,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            kit::security::security_headers,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            on_the_db_clock,
        ))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(CatchPanicLayer::custom(|_| {
            axum::response::IntoResponse::into_response(kit::error::ApiError::internal())
        }))
        // Inside the request id layers, so error bodies can carry the id.
        .layer(axum::middleware::from_fn(kit::error::answer_errors))
        .layer(PropagateRequestIdLayer::new(request_id.clone()))
        .layer(TraceLayer::new_for_http().make_span_with(|req: &Request<_>| {
            let id = req
                .headers()
                .get("x-request-id")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("-");
            tracing::info_span!("request", id = %id, method = %req.method(), path = %req.uri().path())
        }))
        .layer(SetRequestIdLayer::new(request_id, ids))
        .with_state(state)
}

/// Serve until `shutdown` resolves, then finish the requests in flight. Returns once every
/// acknowledged request has completed (its writes committed).
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    // Open event streams end when shutdown begins, or the graceful shutdown would wait on them.
    let live = state.protection.clone();
    // Alerts raised on other app servers sharing the PostgreSQL database reach this one's
    // screens through the relay; it ends with the server.
    tokio::spawn(protection::run_relay(state.clone()));
    let shutdown = async move {
        shutdown.await;
        live.stopping.send_replace(true);
    };
    let app = app(state);
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}
