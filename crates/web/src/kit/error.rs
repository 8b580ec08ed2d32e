//! Errors as HTTP answers: JSON `{code, message, message_ko, message_en}` for the API, a
//! bilingual page for people. An internal failure is a 500 that carries the request id, so a
//! person can quote it and an operator can find the logged cause; its text never leaves the
//! server.

use axum::Json;
use axum::extract::Request;
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use store::StoreError;

/// An error answer: a stable code and the same explanation in Korean and in English.
#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub ko: String,
    pub en: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// Stable machine-readable code, e.g. `forbidden`, `invalid_json`.
    pub code: String,
    /// Explanation for people, Korean first, English in parentheses: "한국어 (English)".
    pub message: String,
    /// The explanation in Korean.
    pub message_ko: String,
    /// The explanation in English.
    pub message_en: String,
    /// On a server error (500): the id of this request in the server's log (`x-request-id`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
}

impl ApiError {
    pub fn new(
        status: StatusCode,
        code: &'static str,
        ko: impl Into<String>,
        en: impl Into<String>,
    ) -> Self {
        Self {
            status,
            code,
            ko: ko.into(),
            en: en.into(),
        }
    }

    pub fn bad_request(code: &'static str, ko: impl Into<String>, en: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, ko, en)
    }

    /// Both halves in one line, Korean first: "한국어 (English)".
    pub fn message(&self) -> String {
        domain::Halves::joined(self)
    }

    pub fn unauthenticated() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
            "로그인이 필요합니다",
            "sign in first",
        )
    }

    pub fn forbidden() -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "이 작업을 할 권한이 없습니다",
            "you are not allowed to do this",
        )
    }

    pub fn not_found() -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "not_found",
            "찾는 항목이 없습니다",
            "not found",
        )
    }

    /// A failure the caller cannot fix. Log its cause where it happens (`tracing::error!`).
    pub fn internal() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "서버 오류가 발생했습니다. 잠시 후 다시 시도해 주세요",
            "server error; please try again later",
        )
    }

    /// An internal failure, logged with its cause (the cause stays in the log).
    pub fn internal_because(cause: impl std::fmt::Display) -> Self {
        tracing::error!(error = %cause, "internal failure");
        Self::internal()
    }

    /// The answer for a JSON client.
    pub fn body(&self) -> ErrorBody {
        ErrorBody {
            code: self.code.to_string(),
            message: self.message(),
            message_ko: self.ko.clone(),
            message_en: self.en.clone(),
            request_id: if self.status.is_server_error() {
                current_request_id()
            } else {
                None
            },
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, Json(self.body())).into_response()
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => ApiError::not_found(),
            StoreError::Conflict(m) => ApiError::new(StatusCode::CONFLICT, "conflict", m.ko, m.en),
            StoreError::Rule(r) => ApiError::from(r),
            other => {
                tracing::error!(error = %other, "storage failure");
                ApiError::internal()
            }
        }
    }
}

impl From<domain::access::Denied> for ApiError {
    fn from(_: domain::access::Denied) -> Self {
        ApiError::forbidden()
    }
}

impl From<domain::RuleError> for ApiError {
    fn from(r: domain::RuleError) -> Self {
        ApiError::bad_request(r.code, r.ko, r.en)
    }
}

tokio::task_local! {
    /// The id of the request being answered, for the body of a 500.
    static REQUEST_ID: String;
}

/// The `x-request-id` of the request this task answers, if any.
pub fn current_request_id() -> Option<String> {
    REQUEST_ID.try_with(Clone::clone).ok()
}

/// Longest request target (path and query) and total header size answered normally; beyond
/// them the answer is 414 or 431 with our body (the HTTP server's own limits are higher and
/// answer with an empty body).
pub const MAX_URI_BYTES: usize = 8 * 1024;
pub const MAX_HEADER_BYTES: usize = 32 * 1024;

/// Middleware: keeps the request id for error bodies, refuses over-long targets and headers
/// with our error, and gives our body to bodiless error answers (405 from the router).
pub async fn answer_errors(req: Request, next: Next) -> Response {
    let id = req
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("-")
        .to_string();
    let api = is_api(req.uri().path());
    let lang = crate::kit::page::Lang::of_request(req.headers());
    REQUEST_ID
        .scope(id, async move {
            let header_bytes: usize = req
                .headers()
                .iter()
                .map(|(k, v)| k.as_str().len() + v.len() + 4)
                .sum();
            let early = if req.uri().to_string().len() > MAX_URI_BYTES {
                Some(ApiError::new(
                    StatusCode::URI_TOO_LONG,
                    "uri_too_long",
                    "요청 주소가 너무 깁니다",
                    "the request address is too long",
                ))
            } else if header_bytes > MAX_HEADER_BYTES {
                Some(ApiError::new(
                    StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
                    "headers_too_large",
                    "요청 헤더가 너무 큽니다",
                    "the request headers are too large",
                ))
            } else {
                None
            };
            if let Some(e) = early {
                return respond(api, lang, &e);
            }
            let res = next.run(req).await;
            if !needs_body(&res) {
                return res;
            }
            let e = match res.status() {
                StatusCode::METHOD_NOT_ALLOWED => ApiError::new(
                    StatusCode::METHOD_NOT_ALLOWED,
                    "method_not_allowed",
                    "이 주소는 이 방식(HTTP 메서드)의 요청을 받지 않습니다",
                    "this address does not accept this HTTP method",
                ),
                s => ApiError::new(
                    s,
                    "error",
                    "요청을 처리할 수 없습니다",
                    "the request cannot be done",
                ),
            };
            let (mut parts, _) = res.into_parts();
            let ours = respond(api, lang, &e);
            // Keep what the router said (e.g. `Allow` on a 405), with our body's type.
            parts.headers.remove(header::CONTENT_LENGTH);
            if let Some(t) = ours.headers().get(header::CONTENT_TYPE) {
                parts.headers.insert(header::CONTENT_TYPE, t.clone());
            }
            Response::from_parts(parts, ours.into_body())
        })
        .await
}

/// An error answer without a body (nothing says what it is).
fn needs_body(res: &Response) -> bool {
    let s = res.status();
    (s.is_client_error() || s.is_server_error())
        && res.headers().get(header::CONTENT_TYPE).is_none()
        && axum::body::HttpBody::size_hint(res.body()).exact() == Some(0)
}

/// Paths whose callers are programs: they get JSON errors; everything else gets a page.
pub fn is_api(path: &str) -> bool {
    path.starts_with("/api/") || path.starts_with("/open311/")
}

/// An error as JSON for programs or as a page for people.
pub fn respond(api: bool, lang: crate::kit::page::Lang, e: &ApiError) -> Response {
    if api {
        e.clone().into_response()
    } else {
        crate::kit::page::error_page_in(lang, e)
    }
}

impl domain::Halves for ApiError {
    fn ko(&self) -> &str {
        &self.ko
    }
    fn en(&self) -> &str {
        &self.en
    }
}
