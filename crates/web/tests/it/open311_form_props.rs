//! Property tests of the Open311 form parser: arbitrary bytes never panic it, and forms that a
//! client encodes come back as they were sent (plain fields, `attribute[code]` and
//! `attribute[code][]`). The cargo-fuzz target in `fuzz/` explores the same parser further.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use proptest::prelude::*;
use web::open311::form::{AttrValue, Form, parse};

/// Text as clients send it: ASCII, Hangul, punctuation that needs percent-encoding.
fn text() -> impl Strategy<Value = String> {
    proptest::string::string_regex("[a-z0-9 가-힣%&=+\\[\\]._-]{0,12}").unwrap()
}

fn code() -> impl Strategy<Value = String> {
    proptest::string::string_regex("[a-z0-9_가-힣]{1,8}").unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        let _ = parse(&bytes);
    }

    #[test]
    fn arbitrary_form_like_strings_never_panic(s in "(attribute|\\[|\\]|%[0-9A-Fa-f]{0,2}|[a-z=&+]|가){0,60}") {
        let _ = parse(s.as_bytes());
    }

    #[test]
    fn encoded_forms_come_back(
        fields in proptest::collection::btree_map("[a-z_]{1,10}", text(), 0..6),
        ones in proptest::collection::btree_map(code(), text(), 0..4),
        manys in proptest::collection::btree_map(code(), proptest::collection::vec(text(), 1..4), 0..3),
    ) {
        let manys: Vec<_> = manys.into_iter().filter(|(c, _)| !ones.contains_key(c)).collect();
        let mut pairs: Vec<(String, String)> = fields.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
        pairs.extend(ones.iter().map(|(c, v)| (format!("attribute[{c}]"), v.clone())));
        for (c, values) in &manys {
            pairs.extend(values.iter().map(|v| (format!("attribute[{c}][]"), v.clone())));
        }
        let body = serde_urlencoded::to_string(&pairs).unwrap();
        let form = parse(body.as_bytes()).unwrap();
        let mut attributes: Vec<(String, AttrValue)> =
            ones.into_iter().map(|(c, v)| (c, AttrValue::One(v))).collect();
        attributes.extend(manys.into_iter().map(|(c, v)| (c, AttrValue::Many(v))));
        let want = Form {
            fields: fields.into_iter().collect(),
            attributes,
        };
        prop_assert_eq!(form, want);
    }
}
