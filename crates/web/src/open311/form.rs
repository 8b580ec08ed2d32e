//! The Open311 form parser: `application/x-www-form-urlencoded` bodies and query strings with
//! the GeoReport keys `attribute[CODE]=v` and `attribute[CODE][]=v` (multi-value).
//!
//! Uses only `std`, so the fuzz target in `fuzz/` compiles this very file without the web crate.
//! Every input gives a [`Form`] or a [`FormError`]; nothing here panics or indexes blindly.

/// The value of one attribute: `attribute[CODE]` once, or `attribute[CODE][]` any number of times.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AttrValue {
    One(String),
    Many(Vec<String>),
}

/// A parsed form: plain parameters and attributes, each in the order first seen.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Form {
    pub fields: Vec<(String, String)>,
    pub attributes: Vec<(String, AttrValue)>,
}

/// Why a form was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FormError {
    /// Not UTF-8 after percent-decoding.
    NotUtf8,
    /// `attribute[…` that is not `attribute[CODE]` or `attribute[CODE][]`.
    BadAttributeKey(String),
    /// A parameter or single-value attribute given twice, or one attribute given both ways.
    Repeated(String),
    /// More pairs than any real client sends.
    TooMany,
}

impl std::fmt::Display for FormError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FormError::NotUtf8 => f.write_str("양식이 UTF-8이 아닙니다 (the form is not UTF-8)"),
            FormError::BadAttributeKey(k) => write!(
                f,
                "'{k}'는 attribute[코드] 또는 attribute[코드][] 형식이어야 합니다 ('{k}' must be attribute[CODE] or attribute[CODE][])"
            ),
            FormError::Repeated(k) => write!(
                f,
                "'{k}'가 두 번 이상 주어졌습니다 ('{k}' was given more than once)"
            ),
            FormError::TooMany => f.write_str("항목이 너무 많습니다 (too many parameters)"),
        }
    }
}

/// At most this many `key=value` pairs.
pub const MAX_PAIRS: usize = 500;

/// `%XX` and `+` decoding. A `%` not followed by two hex digits stays as written (what browsers
/// and `form_urlencoded` do); the result must be UTF-8.
pub fn percent_decode(s: &[u8]) -> Result<String, FormError> {
    fn hex(b: u8) -> Option<u8> {
        match b {
            b'0'..=b'9' => Some(b - b'0'),
            b'a'..=b'f' => Some(b - b'a' + 10),
            b'A'..=b'F' => Some(b - b'A' + 10),
            _ => None,
        }
    }
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while let Some(&b) = s.get(i) {
        match b {
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b'%' => match (
                s.get(i + 1).copied().and_then(hex),
                s.get(i + 2).copied().and_then(hex),
            ) {
                (Some(h), Some(l)) => {
                    out.push(h * 16 + l);
                    i += 3;
                }
                _ => {
                    out.push(b'%');
                    i += 1;
                }
            },
            _ => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).map_err(|_| FormError::NotUtf8)
}

/// What a decoded key names.
enum KeyKind<'a> {
    Plain,
    Attr(&'a str),
    AttrMany(&'a str),
}

fn classify(key: &str) -> Result<KeyKind<'_>, FormError> {
    let Some(rest) = key.strip_prefix("attribute[") else {
        return Ok(KeyKind::Plain);
    };
    let bad = || FormError::BadAttributeKey(key.to_string());
    let (code, tail) = rest.split_once(']').ok_or_else(bad)?;
    if code.is_empty() || code.contains('[') {
        return Err(bad());
    }
    match tail {
        "" => Ok(KeyKind::Attr(code)),
        "[]" => Ok(KeyKind::AttrMany(code)),
        _ => Err(bad()),
    }
}

/// Parse a form body or query string.
pub fn parse(input: &[u8]) -> Result<Form, FormError> {
    let mut form = Form::default();
    let mut pairs = 0usize;
    for pair in input.split(|b| *b == b'&') {
        if pair.is_empty() {
            continue;
        }
        pairs += 1;
        if pairs > MAX_PAIRS {
            return Err(FormError::TooMany);
        }
        let (k, v) = match pair.iter().position(|b| *b == b'=') {
            Some(at) => (
                pair.get(..at).unwrap_or_default(),
                pair.get(at + 1..).unwrap_or_default(),
            ),
            None => (pair, &[][..]),
        };
        let key = percent_decode(k)?;
        let value = percent_decode(v)?;
        match classify(&key)? {
            KeyKind::Plain => {
                if form.fields.iter().any(|(k, _)| *k == key) {
                    return Err(FormError::Repeated(key));
                }
                form.fields.push((key, value));
            }
            KeyKind::Attr(code) => {
                if form.attributes.iter().any(|(c, _)| c == code) {
                    return Err(FormError::Repeated(key));
                }
                form.attributes
                    .push((code.to_string(), AttrValue::One(value)));
            }
            KeyKind::AttrMany(code) => match form.attributes.iter_mut().find(|(c, _)| c == code) {
                Some((_, AttrValue::Many(values))) => values.push(value),
                Some((_, AttrValue::One(_))) => return Err(FormError::Repeated(key)),
                None => form
                    .attributes
                    .push((code.to_string(), AttrValue::Many(vec![value]))),
            },
        }
    }
    Ok(form)
}

impl Form {
    /// A plain parameter, trimmed; given empty is the same as absent (GeoReport rule).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim())
            .filter(|v| !v.is_empty())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_fields_and_attributes() {
        let f = parse(
            b"service_code=pothole&lat=37.5&attribute%5Bsize%5D=%EB%8C%80&attribute[tags][]=a&attribute[tags][]=b+c&description=",
        )
        .unwrap();
        assert_eq!(f.get("service_code"), Some("pothole"));
        assert_eq!(f.get("description"), None, "empty is absent");
        assert_eq!(
            f.attributes,
            vec![
                ("size".to_string(), AttrValue::One("대".into())),
                (
                    "tags".to_string(),
                    AttrValue::Many(vec!["a".into(), "b c".into()])
                ),
            ]
        );
    }

    #[test]
    fn malformed_input_is_refused_not_panicked_on() {
        assert!(matches!(
            parse(b"attribute[=1"),
            Err(FormError::BadAttributeKey(_))
        ));
        assert!(matches!(
            parse(b"attribute[]=1"),
            Err(FormError::BadAttributeKey(_))
        ));
        assert!(matches!(
            parse(b"attribute[a]x=1"),
            Err(FormError::BadAttributeKey(_))
        ));
        assert!(matches!(
            parse(b"attribute[a][b]=1"),
            Err(FormError::BadAttributeKey(_))
        ));
        assert!(matches!(parse(b"a=1&a=2"), Err(FormError::Repeated(_))));
        assert!(matches!(
            parse(b"attribute[a]=1&attribute[a][]=2"),
            Err(FormError::Repeated(_))
        ));
        assert_eq!(parse(b"%FF=1"), Err(FormError::NotUtf8));
        assert_eq!(parse(b"a=%zz%").unwrap().get("a"), Some("%zz%"));
        let many: String = (0..=MAX_PAIRS).map(|i| format!("k{i}=1&")).collect();
        assert_eq!(parse(many.as_bytes()), Err(FormError::TooMany));
    }
}
