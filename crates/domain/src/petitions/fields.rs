//! Extra fields of a petition type (추가 입력 항목): their definitions and the validation of a
//! petition's values against them. The same definitions later drive the web form and the
//! Open311 service attributes, so they are plain data.

use crate::RuleError;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Datatype {
    #[default]
    Text,
    Number,
    /// `YYYY-MM-DD`.
    Date,
    Bool,
    /// One of `choices`.
    Choice,
}

/// One extra field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct FieldDef {
    /// Machine key, e.g. `vehicle_no`.
    pub key: String,
    /// Label shown to people (Korean).
    pub label: String,
    /// The label in English; the Korean one is shown when the office has not given it.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub label_en: String,
    pub datatype: Datatype,
    #[serde(default)]
    pub required: bool,
    /// The values of a choice field, in Korean: what is stored and sent.
    #[serde(default)]
    pub choices: Vec<String>,
    /// The choices' English words, in the same order (missing ones fall back to the Korean).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub choices_en: Vec<String>,
    /// The smallest number a number field takes. Without one, negative numbers are refused:
    /// areas, counts and amounts are never below zero.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<i64>,
    /// The largest number a number field takes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<i64>,
}

impl FieldDef {
    /// The label in English, or the Korean one when the office gave none.
    pub fn label_english(&self) -> &str {
        if self.label_en.trim().is_empty() {
            &self.label
        } else {
            &self.label_en
        }
    }

    /// The English words of choice `i`, or its Korean value.
    pub fn choice_english(&self, i: usize) -> &str {
        match self.choices_en.get(i).filter(|c| !c.trim().is_empty()) {
            Some(en) => en,
            None => self.choices.get(i).map_or("", String::as_str),
        }
    }

    /// The lowest number allowed: the given minimum, else zero.
    pub fn lowest(&self) -> i64 {
        self.min.unwrap_or(0)
    }
}

fn bad(code: &'static str, ko: String, en: String) -> RuleError {
    RuleError::new(code, ko, en)
}

/// Checks the definitions themselves (an administrator writes them).
pub fn validate_defs(defs: &[FieldDef]) -> Result<(), RuleError> {
    let mut seen = std::collections::HashSet::new();
    for d in defs {
        let ok_key = !d.key.is_empty()
            && d.key.len() <= 40
            && d.key
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if !ok_key {
            return Err(bad(
                "bad_field_definition",
                format!(
                    "항목 키 '{}'는 영문 소문자, 숫자, _ 로 40자까지입니다",
                    d.key
                ),
                format!(
                    "field key '{}' must be lower-case ASCII, digits or _, up to 40",
                    d.key
                ),
            ));
        }
        if !seen.insert(d.key.as_str()) {
            return Err(bad(
                "bad_field_definition",
                format!("항목 키 '{}'가 중복됩니다", d.key),
                format!("duplicate field key '{}'", d.key),
            ));
        }
        if d.label.trim().is_empty() {
            return Err(bad(
                "bad_field_definition",
                format!("항목 '{}'에 이름이 없습니다", d.key),
                format!("field '{}' needs a label", d.key),
            ));
        }
        if let (Some(min), Some(max)) = (d.min, d.max)
            && min > max
        {
            return Err(bad(
                "bad_field_definition",
                format!("항목 '{}'의 최솟값이 최댓값보다 큽니다", d.key),
                format!("field '{}' has a minimum above its maximum", d.key),
            ));
        }
        if d.choices_en.len() > d.choices.len() {
            return Err(bad(
                "bad_field_definition",
                format!("항목 '{}'의 영문 선택지가 선택지보다 많습니다", d.key),
                format!("field '{}' has more English choices than choices", d.key),
            ));
        }
        if d.datatype == Datatype::Choice && d.choices.is_empty() {
            return Err(bad(
                "bad_field_definition",
                format!("선택 항목 '{}'에 선택지가 없습니다", d.key),
                format!("choice field '{}' needs choices", d.key),
            ));
        }
    }
    Ok(())
}

/// Validates a petition's extra values against the type's fields: unknown keys, missing
/// required fields and wrong datatypes are refused. Returns the values in a normal form
/// (trimmed text, numbers as numbers).
pub fn validate_values(
    defs: &[FieldDef],
    values: &Map<String, Value>,
) -> Result<Map<String, Value>, RuleError> {
    for key in values.keys() {
        if !defs.iter().any(|d| &d.key == key) {
            return Err(bad(
                "unknown_field",
                format!("알 수 없는 항목 '{key}'입니다"),
                format!("unknown field '{key}'"),
            ));
        }
    }
    let mut out = Map::new();
    for d in defs {
        let value = values.get(&d.key).filter(|v| match v {
            Value::Null => false,
            Value::String(s) => !s.trim().is_empty(),
            _ => true,
        });
        let Some(value) = value else {
            if d.required {
                return Err(bad(
                    "missing_field",
                    format!("필수 항목 '{}'을(를) 입력해 주세요", d.label),
                    format!("please fill in '{}'", d.label_english()),
                ));
            }
            continue;
        };
        let wrong = || {
            bad(
                "wrong_datatype",
                match d.datatype {
                    Datatype::Number => format!("'{}'에는 숫자를 적어 주세요", d.label),
                    Datatype::Date => {
                        format!("'{}'에는 날짜를 YYYY-MM-DD로 적어 주세요", d.label)
                    }
                    _ => format!("항목 '{}'의 값 형식이 맞지 않습니다", d.label),
                },
                match d.datatype {
                    Datatype::Number => format!("'{}' takes a number", d.label_english()),
                    Datatype::Date => {
                        format!("'{}' takes a date as YYYY-MM-DD", d.label_english())
                    }
                    _ => format!("'{}' has the wrong kind of value", d.label_english()),
                },
            )
        };
        let normal = match (d.datatype, value) {
            (Datatype::Text, Value::String(s)) => Value::String(s.trim().to_string()),
            (Datatype::Number, Value::Number(n)) => {
                let n = n.as_f64().ok_or_else(wrong)?;
                in_range(d, n)?;
                serde_json::Number::from_f64(n)
                    .map(Value::Number)
                    .ok_or_else(wrong)?
            }
            (Datatype::Number, Value::String(s)) => {
                let n: f64 = s.trim().parse().map_err(|_| wrong())?;
                in_range(d, n)?;
                serde_json::Number::from_f64(n)
                    .map(Value::Number)
                    .ok_or_else(wrong)?
            }
            (Datatype::Date, Value::String(s)) => {
                chrono::NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").map_err(|_| wrong())?;
                Value::String(s.trim().to_string())
            }
            (Datatype::Bool, Value::Bool(b)) => Value::Bool(*b),
            (Datatype::Choice, Value::String(s)) => {
                let s = s.trim();
                if !d.choices.iter().any(|c| c == s) {
                    return Err(bad(
                        "bad_choice",
                        format!(
                            "항목 '{}'은(는) {} 중 하나여야 합니다",
                            d.label,
                            d.choices.join(", ")
                        ),
                        format!(
                            "'{}' must be one of {}",
                            d.label_english(),
                            (0..d.choices.len())
                                .map(|i| d.choice_english(i))
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    ));
                }
                Value::String(s.to_string())
            }
            _ => return Err(wrong()),
        };
        out.insert(d.key.clone(), normal);
    }
    Ok(out)
}

/// A number within the field's range (the lowest is zero unless the office set a minimum).
fn in_range(d: &FieldDef, n: f64) -> Result<(), RuleError> {
    let low = d.lowest();
    let too_low = n < low as f64;
    let too_high = d.max.is_some_and(|max| n > max as f64);
    if !(too_low || too_high) {
        return Ok(());
    }
    let (ko, en) = match d.max {
        Some(max) => (
            format!("'{}'은(는) {low}에서 {max} 사이의 숫자입니다", d.label),
            format!("'{}' takes a number from {low} to {max}", d.label_english()),
        ),
        None => (
            format!("'{}'은(는) {low} 이상의 숫자입니다", d.label),
            format!("'{}' takes a number of at least {low}", d.label_english()),
        ),
    };
    Err(bad("out_of_range", ko, en))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn defs() -> Vec<FieldDef> {
        vec![
            FieldDef {
                key: "vehicle_no".into(),
                label: "차량번호".into(),
                datatype: Datatype::Text,
                required: true,
                ..FieldDef::default()
            },
            FieldDef {
                key: "count".into(),
                label: "수량".into(),
                datatype: Datatype::Number,
                required: false,
                max: Some(1000),
                ..FieldDef::default()
            },
            FieldDef {
                key: "size".into(),
                label: "규격".into(),
                datatype: Datatype::Choice,
                required: false,
                choices: vec!["소".into(), "대".into()],
                choices_en: vec!["small".into()],
                ..FieldDef::default()
            },
            FieldDef {
                key: "on".into(),
                label: "날짜".into(),
                datatype: Datatype::Date,
                required: false,
                max: Some(1000),
                ..FieldDef::default()
            },
        ]
    }

    fn obj(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap()
    }

    #[test]
    fn good_values_are_normalised() {
        let out = validate_values(
            &defs(),
            &obj(
                json!({"vehicle_no": " 12가3456 ", "count": "3", "size": "대", "on": "2026-11-24"}),
            ),
        )
        .unwrap();
        assert_eq!(out["vehicle_no"], json!("12가3456"));
        assert_eq!(out["count"], json!(3.0));
    }

    #[test]
    fn bad_values_are_refused_with_codes() {
        let code = |v: Value| validate_values(&defs(), &obj(v)).unwrap_err().code;
        assert_eq!(code(json!({})), "missing_field");
        assert_eq!(code(json!({"vehicle_no": "  "})), "missing_field");
        assert_eq!(code(json!({"vehicle_no": "x", "nope": 1})), "unknown_field");
        assert_eq!(code(json!({"vehicle_no": 5})), "wrong_datatype");
        assert_eq!(
            code(json!({"vehicle_no": "x", "count": "many"})),
            "wrong_datatype"
        );
        assert_eq!(
            code(json!({"vehicle_no": "x", "on": "24/11/2026"})),
            "wrong_datatype"
        );
        assert_eq!(code(json!({"vehicle_no": "x", "size": "중"})), "bad_choice");
    }

    #[test]
    fn numbers_stay_within_the_range() {
        let code = |v: Value| validate_values(&defs(), &obj(v)).err().map(|e| e.code);
        // An area of −5 is no area: without a minimum, zero is the lowest.
        assert_eq!(
            code(json!({"vehicle_no": "x", "count": "-5"})),
            Some("out_of_range")
        );
        assert_eq!(
            code(json!({"vehicle_no": "x", "count": -0.5})),
            Some("out_of_range")
        );
        assert_eq!(
            code(json!({"vehicle_no": "x", "count": "1001"})),
            Some("out_of_range")
        );
        assert_eq!(code(json!({"vehicle_no": "x", "count": "0"})), None);
        assert_eq!(code(json!({"vehicle_no": "x", "count": "1000"})), None);
        let mut d = defs();
        d[1].min = Some(-10);
        let e = validate_values(&d, &obj(json!({"vehicle_no": "x", "count": "-11"}))).unwrap_err();
        assert!(e.en.contains("from -10 to 1000"), "{}", e.en);
        assert!(validate_values(&d, &obj(json!({"vehicle_no": "x", "count": "-10"}))).is_ok());
        d[1].max = Some(-20);
        assert!(validate_defs(&d).is_err());
    }

    #[test]
    fn english_words_fall_back_to_the_korean() {
        let d = defs();
        assert_eq!(d[2].choice_english(0), "small");
        assert_eq!(d[2].choice_english(1), "대");
        assert_eq!(d[0].label_english(), "차량번호");
        let e = validate_values(&d, &obj(json!({"vehicle_no": "x", "size": "중"}))).unwrap_err();
        assert!(e.en.contains("small, 대"), "{}", e.en);
    }

    #[test]
    fn definitions_are_checked() {
        let mut d = defs();
        assert!(validate_defs(&d).is_ok());
        d.push(d[0].clone());
        assert!(validate_defs(&d).is_err());
        let bad_key = vec![FieldDef {
            key: "Bad Key".into(),
            ..defs()[0].clone()
        }];
        assert!(validate_defs(&bad_key).is_err());
    }
}
