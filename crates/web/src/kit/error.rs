//! Errors as HTTP answers: JSON `{code, message}` for the API, a bilingual page for people.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use store::StoreError;

/// An error answer. `message` is for people: Korean first, English in parentheses.
#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// Stable machine-readable code, e.g. `forbidden`, `invalid_json`.
    pub code: String,
    /// Explanation for people, Korean first, English second.
    pub message: String,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, korean: &str, english: &str) -> Self {
        Self {
            status,
            code,
            message: format!("{korean} ({english})"),
        }
    }

    pub fn bad_request(code: &'static str, message: String) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            code,
            message,
        }
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

    pub fn internal() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "서버 오류가 발생했습니다. 잠시 후 다시 시도해 주세요",
            "server error; please try again later",
        )
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            code: self.code.to_string(),
            message: self.message,
        };
        (self.status, Json(body)).into_response()
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => ApiError::not_found(),
            StoreError::Conflict(message) => ApiError {
                status: StatusCode::CONFLICT,
                code: "conflict",
                message,
            },
            StoreError::Rule(r) => ApiError::bad_request(r.code, r.message),
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
        ApiError::bad_request(r.code, r.message)
    }
}
