//! Canonical JSON (RFC 8785, JCS) for inputs and decision records.
//!
//! Object members are sorted by the UTF-16 code units of their keys, there is no insignificant
//! whitespace, and strings escape only what JCS escapes. Numbers are the one deliberate
//! difference from JCS, which prints IEEE doubles: ours are exact decimals, written in the
//! shortest exact plain form (see `number::canonical_text`). `docs/record.md` pins this down.

use crate::json::{Json, JsonValue, Member};
use crate::number;

/// The canonical text of a JSON value.
pub fn to_canonical_string(value: &Json) -> String {
    let mut out = String::new();
    write_value(value, &mut out);
    out
}

/// Append the canonical text of a JSON value.
pub fn write_value(value: &Json, out: &mut String) {
    match &value.value {
        JsonValue::Null => out.push_str("null"),
        JsonValue::Bool(true) => out.push_str("true"),
        JsonValue::Bool(false) => out.push_str("false"),
        JsonValue::Number(d) => {
            use std::fmt::Write as _;
            let _ = write!(out, "{}", number::normalize(*d));
        }
        JsonValue::String(s) => write_string(s, out),
        JsonValue::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_value(item, out);
            }
            out.push(']');
        }
        JsonValue::Object(members) => {
            let mut sorted: Vec<&Member> = members.iter().collect();
            sorted.sort_by(|a, b| utf16_order(&a.key, &b.key));
            out.push('{');
            for (i, member) in sorted.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_string(&member.key, out);
                out.push(':');
                write_value(&member.value, out);
            }
            out.push('}');
        }
    }
}

/// The canonical text of an object whose members are `members` plus `verbatim` members whose
/// values are already canonical text (used to embed a request's canonical form in its record
/// without writing it twice).
pub fn object_with_verbatim(members: Vec<(&str, Json)>, verbatim: &[(&str, &str)]) -> String {
    enum Value<'a> {
        Json(Json),
        Text(&'a str),
    }
    let mut all: Vec<(&str, Value<'_>)> = members
        .into_iter()
        .map(|(k, v)| (k, Value::Json(v)))
        .collect();
    all.extend(verbatim.iter().map(|(k, v)| (*k, Value::Text(v))));
    all.sort_by(|a, b| utf16_order(a.0, b.0));
    let mut out = String::from("{");
    for (i, (key, value)) in all.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        write_string(key, &mut out);
        out.push(':');
        match value {
            Value::Json(json) => write_value(json, &mut out),
            Value::Text(text) => out.push_str(text),
        }
    }
    out.push('}');
    out
}

/// Order of keys by UTF-16 code units (RFC 8785 §3.2.3). UTF-8 byte order agrees with it
/// except between U+E000–U+FFFF and the supplementary planes, so bytes decide unless both
/// keys have characters there.
fn utf16_order(a: &str, b: &str) -> std::cmp::Ordering {
    if a.is_ascii() || b.is_ascii() {
        a.as_bytes().cmp(b.as_bytes())
    } else {
        a.encode_utf16().cmp(b.encode_utf16())
    }
}

/// Append a string in JCS form: `"` and `\` escaped, control characters as the short escapes
/// where JSON has them and `\u00xx` otherwise, everything else as is.
pub fn write_string(s: &str, out: &mut String) {
    out.push('"');
    // Copy runs of characters that need no escape in one go.
    let mut run_start = 0;
    for (i, b) in s.bytes().enumerate() {
        let escape = match b {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            0x08 => "\\b",
            0x0c => "\\f",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0x00..=0x1f => "",
            _ => continue,
        };
        out.push_str(&s[run_start..i]);
        if escape.is_empty() {
            out.push_str(&format!("\\u{b:04x}"));
        } else {
            out.push_str(escape);
        }
        run_start = i + 1;
    }
    out.push_str(&s[run_start..]);
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::{JsonLimits, parse};

    fn canon(text: &str) -> String {
        to_canonical_string(&parse(text, JsonLimits::default()).unwrap())
    }

    #[test]
    fn sorts_keys_and_drops_whitespace() {
        assert_eq!(
            canon("{ \"b\" : [ 1 , 2 ], \"a\" : { \"d\": null, \"c\": true } }"),
            r#"{"a":{"c":true,"d":null},"b":[1,2]}"#
        );
    }

    #[test]
    fn keys_sort_by_utf16_code_units() {
        // U+1F600 is the surrogate pair D83D DE00 in UTF-16, so it sorts before U+E000, while in
        // UTF-8 byte order it sorts after (RFC 8785 §3.2.3).
        assert_eq!(
            canon("{\"\u{E000}\":2,\"\u{1F600}\":1,\"a\":3}"),
            "{\"a\":3,\"\u{1F600}\":1,\"\u{E000}\":2}"
        );
    }

    #[test]
    fn escapes_like_jcs() {
        assert_eq!(
            canon(r#""\u0001\u001f\t\"\\\/é\u2028""#),
            "\"\\u0001\\u001f\\t\\\"\\\\/é\u{2028}\""
        );
    }

    #[test]
    fn numbers_in_plain_form() {
        assert_eq!(
            canon("[1.50, 6e5, -0, 1e-3, 10]"),
            "[1.5,600000,0,0.001,10]"
        );
    }
}
