//! Draft requests as people edit them: JSON indented by two spaces, members in the order of
//! the request schema (canonical JSON sorts them; a draft is read and completed by hand).

use tcscreen_core::canonical::write_string;
use tcscreen_core::number::canonical_text;
use tcscreen_core::{Json, JsonValue};

/// `value` as indented JSON, with a final newline.
pub fn to_pretty(value: &Json) -> String {
    let mut out = String::new();
    write(value, 0, &mut out);
    out.push('\n');
    out
}

fn write(value: &Json, depth: usize, out: &mut String) {
    let indent = |out: &mut String, depth: usize| {
        out.push('\n');
        out.push_str(&"  ".repeat(depth));
    };
    match &value.value {
        JsonValue::Null => out.push_str("null"),
        JsonValue::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        JsonValue::Number(n) => out.push_str(&canonical_text(*n)),
        JsonValue::String(s) => write_string(s, out),
        JsonValue::Array(items) if items.is_empty() => out.push_str("[]"),
        JsonValue::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                indent(out, depth + 1);
                write(item, depth + 1, out);
            }
            indent(out, depth);
            out.push(']');
        }
        JsonValue::Object(members) if members.is_empty() => out.push_str("{}"),
        JsonValue::Object(members) => {
            out.push('{');
            for (i, member) in members.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                indent(out, depth + 1);
                write_string(&member.key, out);
                out.push_str(": ");
                write(&member.value, depth + 1, out);
            }
            indent(out, depth);
            out.push('}');
        }
    }
}

/// `value` as one line of JSON, members in their order (a JSON Lines line, without newline).
pub fn to_line(value: &Json) -> String {
    let mut out = String::with_capacity(4096);
    write_line(value, &mut out);
    out
}

fn write_line(value: &Json, out: &mut String) {
    match &value.value {
        JsonValue::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_line(item, out);
            }
            out.push(']');
        }
        JsonValue::Object(members) => {
            out.push('{');
            for (i, member) in members.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_string(&member.key, out);
                out.push(':');
                write_line(&member.value, out);
            }
            out.push('}');
        }
        _ => write(value, 0, out),
    }
}
