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

/// Append a string in JCS form, or `null`.
pub fn write_opt_string(s: Option<&str>, out: &mut String) {
    match s {
        Some(s) => write_string(s, out),
        None => out.push_str("null"),
    }
}

/// Append a whole number, or `null`.
pub fn write_whole(n: Option<u64>, out: &mut String) {
    use std::fmt::Write as _;
    match n {
        Some(n) => {
            let _ = write!(out, "{n}");
        }
        None => out.push_str("null"),
    }
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
    out.reserve(s.len() + 2);
    out.push('"');
    let bytes = s.as_bytes();
    // Copy runs of characters that need no escape in one go.
    let mut run_start = 0;
    let mut i = 0;
    while let Some(offset) = next_escape(&bytes[i..]) {
        i += offset;
        let b = bytes[i];
        out.push_str(&s[run_start..i]);
        match b {
            b'"' => out.push_str("\\\""),
            b'\\' => out.push_str("\\\\"),
            0x08 => out.push_str("\\b"),
            0x0c => out.push_str("\\f"),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            b'\t' => out.push_str("\\t"),
            _ => {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                out.push_str("\\u00");
                out.push(HEX[usize::from(b >> 4)] as char);
                out.push(HEX[usize::from(b & 0xf)] as char);
            }
        }
        i += 1;
        run_start = i;
    }
    out.push_str(&s[run_start..]);
    out.push('"');
}

/// Whether a byte must be escaped in a JSON string.
fn needs_escape(b: u8) -> bool {
    b < 0x20 || b == b'"' || b == b'\\'
}

/// The offset of the first byte of `bytes` that must be escaped. Records are mostly long
/// messages with nothing to escape, so this looks at eight bytes at a time: a word has such a
/// byte when one of its bytes is below 0x20 or equals `"` or `\` (the classic "has a zero or
/// a small byte" bit tricks; multi-byte UTF-8 only has bytes of 0x80 and above, which never
/// match).
fn next_escape(bytes: &[u8]) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let has_zero = |x: u64| x.wrapping_sub(ONES) & !x & HIGHS;
    let mut chunks = bytes.chunks_exact(8);
    let mut offset = 0;
    for chunk in chunks.by_ref() {
        let word = u64::from_le_bytes(chunk.try_into().expect("eight bytes"));
        let below_space = word.wrapping_sub(ONES * 0x20) & !word & HIGHS;
        let found = below_space
            | has_zero(word ^ (ONES * u64::from(b'"')))
            | has_zero(word ^ (ONES * u64::from(b'\\')));
        // The tricks say exactly whether a word has such a byte, but can mark the wrong lane
        // after the first one, so the position is found byte by byte.
        if found != 0
            && let Some(p) = chunk.iter().position(|&b| needs_escape(b))
        {
            return Some(offset + p);
        }
        offset += 8;
    }
    chunks
        .remainder()
        .iter()
        .position(|&b| needs_escape(b))
        .map(|p| offset + p)
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
    fn every_byte_position_is_escaped_like_the_plain_loop() {
        fn plain(s: &str) -> String {
            let mut out = String::from("\"");
            for c in s.chars() {
                match c {
                    '"' => out.push_str("\\\""),
                    '\\' => out.push_str("\\\\"),
                    '\u{8}' => out.push_str("\\b"),
                    '\u{c}' => out.push_str("\\f"),
                    '\n' => out.push_str("\\n"),
                    '\r' => out.push_str("\\r"),
                    '\t' => out.push_str("\\t"),
                    c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
                    c => out.push(c),
                }
            }
            out.push('"');
            out
        }
        // Every special byte (and some that are not: space, 0x7f, 'A', 'é', '€') at every
        // position of strings up to 20 bytes, so each lands in every lane of a word and in the
        // tail.
        let specials: Vec<char> = (0u8..0x20)
            .map(char::from)
            .chain([
                '"',
                '\\',
                ' ',
                '\u{7f}',
                'A',
                '#',
                ']',
                'é',
                '€',
                '\u{1F600}',
            ])
            .collect();
        for len in 0..20 {
            for at in 0..len {
                for &c in &specials {
                    let mut s: String = "abcdefghijklmnopqrstuvwxyz".chars().take(len).collect();
                    s.replace_range(
                        s.char_indices().nth(at).map(|(i, _)| i).unwrap()..,
                        &format!("{c}{}", &"abcdefghijklmnopqrstuvwxyz"[at + 1..len]),
                    );
                    let mut out = String::new();
                    write_string(&s, &mut out);
                    assert_eq!(out, plain(&s), "{s:?}");
                }
            }
        }
    }

    #[test]
    fn numbers_in_plain_form() {
        assert_eq!(
            canon("[1.50, 6e5, -0, 1e-3, 10]"),
            "[1.5,600000,0,0.001,10]"
        );
    }
}
