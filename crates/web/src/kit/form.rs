//! Reading HTML forms into the same input types as the JSON API: one input type per action.
//! A form sends every field as text, empty when left blank, and the form token beside them;
//! these helpers read blanks as absent, checkboxes and `datetime-local` values (Korean time),
//! and [`PageForm`] leaves the token to the CSRF check that has already read it.

use crate::AppState;
use crate::kit::error::ApiError;
use crate::kit::page::Ctx;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{DateTime, NaiveDateTime, Utc};
use serde::de::{DeserializeOwned, Error as _};
use serde::{Deserialize, Deserializer};
use std::fmt::Display;
use std::str::FromStr;

/// A form body read into `T`; a body that does not fit answers with the error page.
pub struct PageForm<T>(pub T);

impl<T: DeserializeOwned> FromRequest<AppState> for PageForm<T> {
    type Rejection = Response;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Response> {
        let (mut parts, body) = req.into_parts();
        let ctx = Ctx::from_request_parts(&mut parts, state).await?;
        let req = Request::from_parts(parts, body);
        let bad = |detail: String| {
            ctx.error(&ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_fields",
                "입력 항목이 올바르지 않습니다",
                format!("invalid fields: {detail}"),
            ))
        };
        let text = String::from_request(req, state)
            .await
            .map_err(|e| bad(e.body_text()))?;
        // The form token was checked by the CSRF layer; it is not part of the action.
        let pairs: Vec<(String, String)> =
            serde_urlencoded::from_str(&text).map_err(|e| bad(e.to_string()))?;
        let kept: Vec<&(String, String)> =
            pairs.iter().filter(|(k, _)| k != "csrf_token").collect();
        let encoded = serde_urlencoded::to_string(&kept).map_err(|e| bad(e.to_string()))?;
        serde_urlencoded::from_str(&encoded)
            .map(PageForm)
            .map_err(|e| bad(e.to_string()))
    }
}

/// A form's fields in the order posted, for forms whose rows and checkboxes repeat a name (a
/// struct keeps one value per name). Read with `PageForm<Fields>`; values come trimmed.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(transparent)]
pub struct Fields(Vec<(String, String)>);

impl Fields {
    /// The first value of `key`, or empty.
    pub fn get(&self, key: &str) -> String {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.trim().to_string())
            .unwrap_or_default()
    }

    /// Every value of `key`, in the order posted.
    pub fn all(&self, key: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(k, _)| k == key)
            .map(|(_, v)| v.trim().to_string())
            .collect()
    }

    /// Whether a checkbox named `key` was ticked.
    pub fn checked(&self, key: &str) -> bool {
        matches!(self.get(key).as_str(), "on" | "true" | "1" | "yes")
    }
}

/// Text or a number, as JSON or a form sends it.
#[derive(Deserialize)]
#[serde(untagged)]
enum Scalar {
    Text(String),
    Bool(bool),
    Int(i64),
}

/// An optional value that a form sends as text: blank is `None`, anything else is parsed.
/// JSON may send the value itself, `null`, or leave it out (with `#[serde(default)]`).
pub fn empty_as_none<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: FromStr,
    T::Err: Display,
{
    match Option::<Scalar>::deserialize(d)? {
        None => Ok(None),
        Some(Scalar::Text(s)) if s.trim().is_empty() => Ok(None),
        Some(Scalar::Text(s)) => s.trim().parse().map(Some).map_err(D::Error::custom),
        Some(Scalar::Int(n)) => n.to_string().parse().map(Some).map_err(D::Error::custom),
        Some(Scalar::Bool(b)) => b.to_string().parse().map(Some).map_err(D::Error::custom),
    }
}

/// A yes-or-no: JSON's `true`/`false`, or a form's checkbox or hidden field (`yes`, `on`,
/// `true`; blank, `no` or `false` is no). Absent is no with `#[serde(default)]`.
pub fn yes_no<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    truth(Scalar::deserialize(d)?).map_err(D::Error::custom)
}

/// [`yes_no`] for a field JSON may leave out or set to `null`.
pub fn yes_no_opt<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    Option::<Scalar>::deserialize(d)?
        .map(truth)
        .transpose()
        .map_err(D::Error::custom)
}

fn truth(s: Scalar) -> Result<bool, String> {
    match s {
        Scalar::Bool(b) => Ok(b),
        Scalar::Text(s) => match s.trim() {
            "yes" | "on" | "true" => Ok(true),
            "" | "no" | "off" | "false" => Ok(false),
            other => Err(format!("not yes or no: '{other}'")),
        },
        Scalar::Int(n) => Err(format!("not yes or no: {n}")),
    }
}

/// A moment: RFC 3339 as JSON sends it, or a form's `datetime-local` value, which is Korean
/// time. Blank or absent is `None`.
pub fn moment<'de, D: Deserializer<'de>>(d: D) -> Result<Option<DateTime<Utc>>, D::Error> {
    let Some(s) = Option::<String>::deserialize(d)? else {
        return Ok(None);
    };
    let s = s.trim();
    if s.is_empty() {
        return Ok(None);
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(Some(t.with_timezone(&Utc)));
    }
    NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M")
        .or_else(|_| NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S"))
        .ok()
        .and_then(|t| t.and_local_timezone(calendar::seoul()).single())
        .map(|t| Some(t.with_timezone(&Utc)))
        .ok_or_else(|| D::Error::custom(format!("not a date and time: '{s}'")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize, Debug, PartialEq)]
    struct Input {
        #[serde(default, deserialize_with = "empty_as_none")]
        number: Option<i64>,
        #[serde(default, deserialize_with = "yes_no")]
        flag: bool,
        #[serde(default, deserialize_with = "moment")]
        at: Option<DateTime<Utc>>,
    }

    fn utc(s: &str) -> Option<DateTime<Utc>> {
        DateTime::parse_from_rfc3339(s)
            .ok()
            .map(|t| t.with_timezone(&Utc))
    }

    #[test]
    fn a_form_and_json_read_into_the_same_input() {
        let form: Input =
            serde_urlencoded::from_str("number=7&flag=yes&at=2026-03-02T09%3A30").unwrap();
        let json: Input =
            serde_json::from_str(r#"{"number":7,"flag":true,"at":"2026-03-02T00:30:00Z"}"#)
                .unwrap();
        assert_eq!(form, json);
        assert_eq!(form.at, utc("2026-03-02T00:30:00Z"));
    }

    #[test]
    fn blanks_are_absent_and_bad_values_refused() {
        let blank: Input = serde_urlencoded::from_str("number=&flag=&at=").unwrap();
        assert_eq!(
            blank,
            Input {
                number: None,
                flag: false,
                at: None
            }
        );
        let none: Input = serde_json::from_str(r#"{"number":null}"#).unwrap();
        assert_eq!(none.number, None);
        assert!(serde_urlencoded::from_str::<Input>("number=seven").is_err());
        assert!(serde_urlencoded::from_str::<Input>("flag=maybe").is_err());
        assert!(serde_urlencoded::from_str::<Input>("at=yesterday").is_err());
    }
}
