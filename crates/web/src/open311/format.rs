//! One answer, two formats: every Open311 answer is built once as a [`Val`] tree and written as
//! XML (quick-xml) or JSON. GeoReport's shapes: a list is a bare JSON array and, in XML, a root
//! element with one child per item (`<services><service>…`); errors are
//! `[{code, description}]` / `<errors><error><code/><description/></error></errors>`.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};

/// The answer format, chosen by the path's extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Xml,
    Json,
}

impl Format {
    /// `services.json` → (`services`, Json). `None` for a missing or unknown extension.
    pub fn split(file: &str) -> Option<(&str, Format)> {
        let (stem, ext) = file.rsplit_once('.')?;
        let format = match ext {
            "xml" => Format::Xml,
            "json" => Format::Json,
            _ => return None,
        };
        (!stem.is_empty()).then_some((stem, format))
    }
}

/// A value in an answer.
#[derive(Debug, Clone, PartialEq)]
pub enum Val {
    Str(String),
    Int(i64),
    Num(f64),
    Bool(bool),
    /// JSON `null`, an empty XML element.
    Null,
    /// Named children, in order.
    Obj(Vec<(&'static str, Val)>),
    /// A list; in XML each item is an element named by the first field.
    List(&'static str, Vec<Val>),
}

impl Val {
    pub fn str(s: impl Into<String>) -> Val {
        Val::Str(s.into())
    }

    /// `Null` for `None` or an empty string.
    pub fn opt(s: Option<String>) -> Val {
        match s {
            Some(s) if !s.is_empty() => Val::Str(s),
            _ => Val::Null,
        }
    }

    fn to_json(&self) -> serde_json::Value {
        use serde_json::Value;
        match self {
            Val::Str(s) => Value::String(s.clone()),
            Val::Int(i) => Value::from(*i),
            Val::Num(n) => serde_json::Number::from_f64(*n).map_or(Value::Null, Value::Number),
            Val::Bool(b) => Value::Bool(*b),
            Val::Null => Value::Null,
            Val::Obj(fields) => Value::Object(
                fields
                    .iter()
                    .map(|(k, v)| ((*k).to_string(), v.to_json()))
                    .collect(),
            ),
            Val::List(_, items) => Value::Array(items.iter().map(Val::to_json).collect()),
        }
    }

    fn write_xml(&self, w: &mut Writer<Vec<u8>>, name: &str) -> std::io::Result<()> {
        let text = match self {
            Val::Str(s) => xml_safe(s),
            Val::Int(i) => i.to_string(),
            Val::Num(n) => n.to_string(),
            Val::Bool(b) => b.to_string(),
            Val::Null => return w.write_event(Event::Empty(BytesStart::new(name))),
            Val::Obj(fields) => {
                w.write_event(Event::Start(BytesStart::new(name)))?;
                for (k, v) in fields {
                    v.write_xml(w, k)?;
                }
                return w.write_event(Event::End(BytesEnd::new(name)));
            }
            Val::List(item, items) => {
                w.write_event(Event::Start(BytesStart::new(name)))?;
                for v in items {
                    v.write_xml(w, item)?;
                }
                return w.write_event(Event::End(BytesEnd::new(name)));
            }
        };
        if text.is_empty() {
            return w.write_event(Event::Empty(BytesStart::new(name)));
        }
        w.write_event(Event::Start(BytesStart::new(name)))?;
        w.write_event(Event::Text(BytesText::new(&text)))?;
        w.write_event(Event::End(BytesEnd::new(name)))
    }
}

/// XML 1.0 cannot carry most control characters even escaped; they are dropped.
fn xml_safe(s: &str) -> String {
    s.chars()
        .filter(|c| {
            matches!(c, '\t' | '\n' | '\r') || (*c >= ' ' && !matches!(c, '\u{FFFE}' | '\u{FFFF}'))
        })
        .collect()
}

/// Write `root` as a whole answer with the status given.
pub fn respond(format: Format, status: StatusCode, root: &'static str, value: &Val) -> Response {
    let (body, content_type) = match format {
        Format::Json => (
            serde_json::to_vec(&value.to_json()).unwrap_or_default(),
            "application/json; charset=utf-8",
        ),
        Format::Xml => {
            let mut w = Writer::new(Vec::new());
            let written = w
                .write_event(Event::Decl(BytesDecl::new("1.0", Some("utf-8"), None)))
                .and_then(|()| value.write_xml(&mut w, root));
            match written {
                Ok(()) => (w.into_inner(), "text/xml; charset=utf-8"),
                Err(e) => {
                    tracing::error!(error = %e, "open311 XML writing failed");
                    return StatusCode::INTERNAL_SERVER_ERROR.into_response();
                }
            }
        }
    };
    let mut res = (status, body).into_response();
    res.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    res
}

/// A GeoReport error: HTTP 404 (unknown resource or jurisdiction), 403 (api_key), 400 (any other
/// bad input), 429 (the key's rate), 500.
#[derive(Debug, Clone)]
pub struct Open311Error {
    pub status: StatusCode,
    /// Stable machine code, e.g. `unknown_service`.
    pub code: &'static str,
    /// For people: Korean first, English in parentheses.
    pub message: String,
}

impl Open311Error {
    pub fn new(status: StatusCode, code: &'static str, korean: &str, english: &str) -> Self {
        Self {
            status,
            code,
            message: format!("{korean} ({english})"),
        }
    }

    pub fn bad(code: &'static str, message: String) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            code,
            message,
        }
    }

    pub fn not_found(what_ko: &str, what_en: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "not_found",
            &format!("{what_ko}이(가) 없습니다"),
            &format!("{what_en} not found"),
        )
    }

    /// `[{code, description}]`: `code` is the HTTP status as GeoReport's examples show; the
    /// description starts with the machine code so programs can tell errors apart.
    pub fn render(&self, format: Format) -> Response {
        let error = Val::Obj(vec![
            ("code", Val::Int(i64::from(self.status.as_u16()))),
            (
                "description",
                Val::Str(format!("{}: {}", self.code, self.message)),
            ),
        ]);
        let mut res = respond(
            format,
            self.status,
            "errors",
            &Val::List("error", vec![error]),
        );
        if self.status == StatusCode::TOO_MANY_REQUESTS {
            res.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("10"));
        }
        res
    }
}

impl From<store::StoreError> for Open311Error {
    fn from(e: store::StoreError) -> Self {
        match e {
            store::StoreError::NotFound => Open311Error::not_found("항목", "resource"),
            store::StoreError::Rule(r) => Open311Error::bad(r.code, r.message()),
            store::StoreError::Conflict(message) => {
                Open311Error::bad("conflict", message.to_string())
            }
            other => {
                tracing::error!(error = %other, "storage failure (open311)");
                Open311Error::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    "서버 오류가 발생했습니다",
                    "server error",
                )
            }
        }
    }
}

impl From<domain::RuleError> for Open311Error {
    fn from(r: domain::RuleError) -> Self {
        Open311Error::bad(r.code, r.message())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_and_objects_in_both_formats() {
        let v = Val::List(
            "service",
            vec![Val::Obj(vec![
                ("service_code", Val::str("a&b")),
                ("metadata", Val::Bool(true)),
                ("lat", Val::Null),
                ("keywords", Val::str("\u{1}x<y")),
            ])],
        );
        assert_eq!(
            v.to_json(),
            serde_json::json!([{"service_code": "a&b", "metadata": true, "lat": null, "keywords": "\u{1}x<y"}])
        );
        let mut w = Writer::new(Vec::new());
        v.write_xml(&mut w, "services").unwrap();
        assert_eq!(
            String::from_utf8(w.into_inner()).unwrap(),
            "<services><service><service_code>a&amp;b</service_code><metadata>true</metadata>\
             <lat/><keywords>x&lt;y</keywords></service></services>"
        );
        assert_eq!(
            Format::split("services.json"),
            Some(("services", Format::Json))
        );
        assert_eq!(Format::split("a.b.xml"), Some(("a.b", Format::Xml)));
        assert_eq!(Format::split("services.csv"), None);
        assert_eq!(Format::split(".xml"), None);
    }
}
