//! Extra fields of a petition type (추가 입력 항목): their definitions and the validation of a
//! petition's values against them. The same definitions later drive the web form and the
//! Open311 service attributes, so they are plain data.

use crate::RuleError;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Datatype {
    Text,
    Number,
    /// `YYYY-MM-DD`.
    Date,
    Bool,
    /// One of `choices`.
    Choice,
}

/// One extra field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldDef {
    /// Machine key, e.g. `vehicle_no`.
    pub key: String,
    /// Label shown to people (Korean).
    pub label: String,
    pub datatype: Datatype,
    #[serde(default)]
    pub required: bool,
    #[serde(default)]
    pub choices: Vec<String>,
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
                    format!("required field '{}' is missing", d.key),
                ));
            }
            continue;
        };
        let wrong = || {
            bad(
                "wrong_datatype",
                format!("항목 '{}'의 값 형식이 맞지 않습니다", d.label),
                format!("field '{}' must be {:?}", d.key, d.datatype),
            )
        };
        let normal = match (d.datatype, value) {
            (Datatype::Text, Value::String(s)) => Value::String(s.trim().to_string()),
            (Datatype::Number, Value::Number(n)) => Value::Number(n.clone()),
            (Datatype::Number, Value::String(s)) => {
                let n: f64 = s.trim().parse().map_err(|_| wrong())?;
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
                        format!("field '{}' must be one of {}", d.key, d.choices.join(", ")),
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
                choices: vec![],
            },
            FieldDef {
                key: "count".into(),
                label: "수량".into(),
                datatype: Datatype::Number,
                required: false,
                choices: vec![],
            },
            FieldDef {
                key: "size".into(),
                label: "규격".into(),
                datatype: Datatype::Choice,
                required: false,
                choices: vec!["소".into(), "대".into()],
            },
            FieldDef {
                key: "on".into(),
                label: "날짜".into(),
                datatype: Datatype::Date,
                required: false,
                choices: vec![],
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
