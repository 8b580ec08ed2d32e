//! Extractors that answer bad input with our bilingual error: JSON for programs (`/api/`,
//! `/open311/`), a page in the reader's language for people. Each wraps axum's extractor of
//! the same name, so a handler switches by changing its `use` line.

use crate::kit::error::{ApiError, is_api, respond};
use crate::kit::page::Lang;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde::de::DeserializeOwned;

/// Bad input, answered the way the caller reads: JSON or a page.
#[derive(Debug)]
pub struct Rejection {
    api: bool,
    lang: Lang,
    pub error: ApiError,
}

impl Rejection {
    fn new(parts: &Parts, error: ApiError) -> Self {
        Rejection::to(&Caller::of(parts.uri.path(), &parts.headers), error)
    }

    fn to(caller: &Caller, error: ApiError) -> Self {
        Rejection {
            api: caller.api,
            lang: caller.lang,
            error,
        }
    }
}

/// Who a body extractor answers, noted before the body is taken.
struct Caller {
    api: bool,
    lang: Lang,
}

impl Caller {
    fn of(path: &str, headers: &axum::http::HeaderMap) -> Self {
        Caller {
            api: is_api(path),
            lang: Lang::of_request(headers),
        }
    }

    fn of_request(req: &Request) -> Self {
        Caller::of(req.uri().path(), req.headers())
    }
}

impl IntoResponse for Rejection {
    fn into_response(self) -> Response {
        respond(self.api, self.lang, &self.error)
    }
}

/// What axum said went wrong, as our error: its status, our code and Korean, its English.
fn rejected(
    status: StatusCode,
    code: &'static str,
    ko: &str,
    en: impl std::fmt::Display,
) -> ApiError {
    if status.is_server_error() {
        // A route and its extractor disagree (a programming error), not bad input.
        return ApiError::internal_because(en);
    }
    ApiError::new(status, code, ko, en.to_string())
}

/// A JSON body (`Json<T>` as in axum); also answers with JSON.
pub struct Json<T>(pub T);

impl<S, T> FromRequest<S> for Json<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = Rejection;

    async fn from_request(req: Request, state: &S) -> Result<Self, Rejection> {
        let caller = Caller::of_request(&req);
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(Json(v)),
            Err(r) => Err(Rejection::to(&caller, crate::kit::json::json_rejection(r))),
        }
    }
}

impl<T: Serialize> IntoResponse for Json<T> {
    fn into_response(self) -> Response {
        axum::Json(self.0).into_response()
    }
}

/// A URL-encoded form body (or the query of a GET), as in axum.
pub struct Form<T>(pub T);

impl<S, T> FromRequest<S> for Form<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = Rejection;

    async fn from_request(req: Request, state: &S) -> Result<Self, Rejection> {
        let caller = Caller::of_request(&req);
        match axum::Form::<T>::from_request(req, state).await {
            Ok(axum::Form(v)) => Ok(Form(v)),
            Err(r) => {
                let e = rejected(
                    r.status(),
                    "bad_form",
                    "입력한 양식의 값이 올바르지 않습니다",
                    r.body_text(),
                );
                Err(Rejection::to(&caller, e))
            }
        }
    }
}

/// The query string, as in axum.
pub struct Query<T>(pub T);

impl<S, T> FromRequestParts<S> for Query<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = Rejection;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Rejection> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(v)) => Ok(Query(v)),
            Err(r) => {
                let e = rejected(
                    r.status(),
                    "bad_query",
                    "주소의 조회 조건이 올바르지 않습니다",
                    r.body_text(),
                );
                Err(Rejection::new(parts, e))
            }
        }
    }
}

/// Path parameters (typed ids), as in axum. An id that does not parse is bad input (400).
pub struct Path<T>(pub T);

impl<S, T> FromRequestParts<S> for Path<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = Rejection;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Rejection> {
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(v)) => Ok(Path(v)),
            Err(r) => {
                let e = rejected(
                    r.status(),
                    "bad_path",
                    "주소에 든 번호나 값이 올바르지 않습니다",
                    r.body_text(),
                );
                Err(Rejection::new(parts, e))
            }
        }
    }
}

/// A multipart body (uploads), as in axum; use it like axum's (`next_field`).
pub struct Multipart(pub axum::extract::Multipart);

impl<S> FromRequest<S> for Multipart
where
    S: Send + Sync,
{
    type Rejection = Rejection;

    async fn from_request(req: Request, state: &S) -> Result<Self, Rejection> {
        let caller = Caller::of_request(&req);
        match axum::extract::Multipart::from_request(req, state).await {
            Ok(m) => Ok(Multipart(m)),
            Err(r) => {
                let e = rejected(
                    r.status(),
                    "bad_multipart",
                    "첨부 양식(multipart)을 읽을 수 없습니다",
                    r.body_text(),
                );
                Err(Rejection::to(&caller, e))
            }
        }
    }
}

impl std::ops::Deref for Multipart {
    type Target = axum::extract::Multipart;
    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

impl std::ops::DerefMut for Multipart {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.0
    }
}
