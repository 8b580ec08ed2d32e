//! Fuzz the Open311 form parser (`attribute[code]`, `attribute[code][]`, percent-decoding):
//! any bytes give a form or an error, never a panic, and a parsed form keeps its invariants.
//!
//!     cargo +nightly fuzz run open311_form
//!
//! The parser is std-only, so this includes its source file instead of building the web crate.

#![no_main]

#[path = "../../crates/web/src/open311_form.rs"]
#[allow(dead_code)]
mod open311_form;

use libfuzzer_sys::fuzz_target;
use open311_form::{AttrValue, MAX_PAIRS, parse};

fuzz_target!(|data: &[u8]| {
    if let Ok(form) = parse(data) {
        assert!(form.fields.len() + form.attributes.len() <= MAX_PAIRS);
        for (i, (k, _)) in form.fields.iter().enumerate() {
            assert!(!k.starts_with("attribute["));
            assert!(form.fields[..i].iter().all(|(other, _)| other != k));
        }
        for (code, value) in &form.attributes {
            assert!(!code.is_empty() && !code.contains(']') && !code.contains('['));
            if let AttrValue::Many(values) = value {
                assert!(!values.is_empty());
            }
        }
    }
});
