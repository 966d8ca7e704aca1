//! Showing untrusted text to people: every human output (the `text` format, diagnostics,
//! traces, `register show`, replay reports, confirmations) passes each string that came from a
//! request, a pack, a register or an argument through [`controls`], so that no such string can
//! move the cursor, erase or hide a line, start a new line of its own, or reorder what is
//! shown. Machine formats (JSON, JSON Lines) escape control characters by their own rules; the
//! Markdown note has its own escape (`markdown.rs`) built on this one.

use std::borrow::Cow;
use std::fmt::Write as _;

pub use tcscreen_core::text::is_unsafe;

/// Whether `c` is shown escaped: unsafe ([`is_unsafe`]), or invisible (zero-width and other
/// format characters, fillers, spaces other than the ASCII space:
/// [`tcscreen_core::lookalike::is_invisible`]), so that two strings that differ never look
/// the same.
pub fn is_escaped(c: char) -> bool {
    is_unsafe(c) || tcscreen_core::lookalike::is_invisible(c)
}

/// `text` with every unsafe or invisible character written visibly: `\n`, `\r`, `\t`, or
/// `\u{…}` with its code point in hex (`\u{1b}` for ESC, `\u{200b}` for a zero-width space).
/// Text without one is returned as it is.
pub fn controls(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_escaped) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if is_escaped(c) => {
                let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terminal_controls_become_visible_and_the_rest_is_untouched() {
        assert!(matches!(controls("Plain – ünïcode ✓"), Cow::Borrowed(_)));
        assert_eq!(
            controls("a\r\u{1b}[2KACCEPT\u{1b}[8m\nb\tc\u{7f}\u{9b}"),
            "a\\r\\u{1b}[2KACCEPT\\u{1b}[8m\\nb\\tc\\u{7f}\\u{9b}"
        );
        assert_eq!(controls("x\u{202E}cod.exe"), "x\\u{202e}cod.exe");
        assert_eq!(controls("\u{2028}"), "\\u{2028}");
        // Invisible characters too: a spoofed id or name cannot look like another.
        assert_eq!(
            controls("KH\u{200B}-1 \u{3164}x\u{a0}y"),
            "KH\\u{200b}-1 \\u{3164}x\\u{a0}y"
        );
        for c in (0..=0x10FFFF_u32).filter_map(char::from_u32) {
            let shown = controls(&c.to_string()).into_owned();
            assert!(!shown.chars().any(is_unsafe), "{c:?} shown as {shown:?}");
        }
    }
}
