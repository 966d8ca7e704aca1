//! Characters that must never reach a terminal or a decision note as they are: requests,
//! packs and registers are untrusted, and their strings are shown to people.

/// Whether `c` is unsafe to show raw: C0 and C1 control characters and DEL (ESC starts
/// terminal escape sequences; carriage return and newline rewrite or add lines), the Unicode
/// line and paragraph separators, and the bidirectional formatting characters that reorder
/// text on screen ("Trojan Source"). Ids may not hold them (input error `I018`); everything
/// else is shown with them escaped.
pub fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061C}'
                | '\u{200E}'
                | '\u{200F}'
                | '\u{2028}'
                | '\u{2029}'
                | '\u{202A}'..='\u{202E}'
                | '\u{2066}'..='\u{2069}'
        )
}

/// The same set as a regular expression character class (ECMA-262 and Rust `regex` syntax),
/// for the JSON Schema.
pub const UNSAFE_CLASS: &str =
    "\\u0000-\\u001F\\u007F-\\u009F\\u061C\\u200E\\u200F\\u2028-\\u202E\\u2066-\\u2069";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_class_and_the_predicate_agree() {
        let ranges = [
            (0x00, 0x1F),
            (0x7F, 0x9F),
            (0x61C, 0x61C),
            (0x200E, 0x200F),
            (0x2028, 0x202E),
            (0x2066, 0x2069),
        ];
        for c in (0..=0x10FFFF_u32).filter_map(char::from_u32) {
            let listed = ranges
                .iter()
                .any(|(a, b)| (*a..=*b).contains(&u32::from(c)));
            assert_eq!(is_unsafe(c), listed, "{c:?}");
        }
    }
}
