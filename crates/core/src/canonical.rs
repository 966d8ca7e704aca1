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
        JsonValue::Number(d) => out.push_str(&number::canonical_text(*d)),
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
            sorted.sort_by(|a, b| a.key.encode_utf16().cmp(b.key.encode_utf16()));
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

/// Append a string in JCS form: `"` and `\` escaped, control characters as the short escapes
/// where JSON has them and `\u00xx` otherwise, everything else as is.
pub fn write_string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                out.push_str(&format!("\\u{:04x}", c as u32));
            }
            c => out.push(c),
        }
    }
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
