//! Characters that make one text look like another: invisible ones (format characters such as
//! the zero-width space and joiners, the fillers that Hangul fonts draw as blank, the blank
//! Braille pattern, the combining grapheme joiner, spaces other than the ASCII space) and, in
//! ids, combining marks and letters of more than one of the scripts whose letters look alike
//! (Latin, Greek, Cyrillic, Armenian, Cherokee). An id holding one could look exactly like
//! another id (`KH-1` with a Cyrillic `К`, or with a zero-width space): ids may not hold them
//! (input error `I019`), and every human output shows invisible characters escaped
//! (`tcscreen_service::escape::controls`). General categories come from
//! `unicode-general-category` (Unicode 16).

use unicode_general_category::{GeneralCategory, get_general_category};

/// Whether `c` draws nothing (or only space) yet is not the ASCII space: a format character
/// (zero-width space, joiners, word joiner, byte-order mark, tags…), a Hangul filler, the
/// blank Braille pattern, the combining grapheme joiner, or a space other than U+0020.
pub fn is_invisible(c: char) -> bool {
    // No ASCII character is invisible in this sense (the controls are `text::is_unsafe`'s),
    // and most text is ASCII: skip the category table for it.
    !c.is_ascii()
        && (matches!(
            c,
            '\u{115F}' | '\u{1160}' | '\u{3164}' | '\u{FFA0}' | '\u{2800}' | '\u{034F}'
        ) || matches!(
            get_general_category(c),
            GeneralCategory::Format
                | GeneralCategory::SpaceSeparator
                | GeneralCategory::LineSeparator
                | GeneralCategory::ParagraphSeparator
        ))
}

/// Scripts whose letters are easily taken for one another's.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Script {
    Latin,
    Greek,
    Cyrillic,
    Armenian,
    Cherokee,
}

fn script(c: char) -> Option<Script> {
    let n = u32::from(c);
    if !c.is_alphabetic() {
        return None;
    }
    Some(match n {
        0x41..=0x5A
        | 0x61..=0x7A
        | 0xC0..=0x24F
        | 0x1E00..=0x1EFF
        | 0xFF21..=0xFF3A
        | 0xFF41..=0xFF5A => Script::Latin,
        0x370..=0x3FF | 0x1F00..=0x1FFF => Script::Greek,
        0x400..=0x52F | 0x1C80..=0x1C8F | 0x2DE0..=0x2DFF | 0xA640..=0xA69F => Script::Cyrillic,
        0x530..=0x58F => Script::Armenian,
        0x13A0..=0x13FF | 0xAB70..=0xABBF => Script::Cherokee,
        _ => return None,
    })
}

/// Why `id` could pass for another id, if it could: the character (its index from 1) and
/// what it is.
pub fn id_lookalike(id: &str) -> Option<(usize, char, &'static str)> {
    let mut first_script: Option<Script> = None;
    for (i, c) in id.chars().enumerate() {
        if is_invisible(c) {
            return Some((i + 1, c, "an invisible character"));
        }
        if matches!(
            get_general_category(c),
            GeneralCategory::NonspacingMark
                | GeneralCategory::EnclosingMark
                | GeneralCategory::SpacingMark
        ) {
            return Some((i + 1, c, "a combining mark"));
        }
        if let Some(s) = script(c) {
            match first_script {
                None => first_script = Some(s),
                Some(first) if first != s => {
                    return Some((
                        i + 1,
                        c,
                        "a letter of another script than the id's first letters",
                    ));
                }
                Some(_) => {}
            }
        }
    }
    None
}

/// The invisible characters of the Basic Multilingual Plane as a regular expression character
/// class (`\uXXXX` escapes, which every JSON Schema regex dialect reads), for the JSON Schema;
/// `validate` refuses the few beyond it too.
pub fn invisible_class() -> &'static str {
    static CLASS: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    CLASS.get_or_init(class_of_invisibles)
}

fn class_of_invisibles() -> String {
    let mut class = String::new();
    let mut run: Option<(u32, u32)> = None;
    let push = |(a, b): (u32, u32), class: &mut String| {
        let esc = |n: u32| format!("\\u{n:04X}");
        class.push_str(&esc(a));
        if b > a {
            class.push('-');
            class.push_str(&esc(b));
        }
    };
    for c in (0..=0xFFFF_u32).filter_map(char::from_u32) {
        let n = u32::from(c);
        if is_invisible(c) {
            run = match run {
                Some((a, b)) if b + 1 == n => Some((a, n)),
                Some(done) => {
                    push(done, &mut class);
                    Some((n, n))
                }
                None => Some((n, n)),
            };
        }
    }
    if let Some(done) = run {
        push(done, &mut class);
    }
    class
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The ASCII shortcut changes nothing: no ASCII character but the space is a separator or
    /// a format character.
    #[test]
    fn no_ascii_character_is_invisible() {
        for c in (0..=0x7F_u8).map(char::from) {
            let category = get_general_category(c);
            let by_category = c != ' '
                && matches!(
                    category,
                    GeneralCategory::Format
                        | GeneralCategory::SpaceSeparator
                        | GeneralCategory::LineSeparator
                        | GeneralCategory::ParagraphSeparator
                );
            assert!(!by_category && !is_invisible(c), "{c:?} {category:?}");
        }
        assert!(is_invisible('\u{A0}') && is_invisible('\u{AD}') && !is_invisible('é'));
    }

    #[test]
    fn invisible_and_lookalike_ids_are_told_apart_from_plain_ones() {
        for plain in [
            "KH-MRD-2025-031",
            "NP/NPC 2017",
            "ទ-១",
            "नेपाल-1",
            "Ελλάδα-1",
            "Москва",
        ] {
            let marks = plain.chars().any(|c| {
                matches!(
                    get_general_category(c),
                    GeneralCategory::NonspacingMark | GeneralCategory::SpacingMark
                )
            });
            assert_eq!(id_lookalike(plain).is_some(), marks, "{plain}");
        }
        for (spoof, at) in [
            ("KH\u{200B}-1", 3),
            ("KH-\u{3164}1", 4),
            ("\u{115F}KH", 1),
            ("KH\u{FFA0}", 3),
            ("KH\u{2060}1", 3),
            ("KH\u{00A0}1", 3),
            ("KH\u{FEFF}", 3),
            ("e\u{301}", 2),
            ("\u{41A}H-1", 2),
            ("KH-\u{3BF}", 4),
        ] {
            assert_eq!(
                id_lookalike(spoof).map(|(i, _, _)| i),
                Some(at),
                "{spoof:?}"
            );
        }
        assert!(!is_invisible(' ') && is_invisible('\u{200D}') && !is_invisible('a'));
        let class = invisible_class();
        assert!(
            class.contains("\\u2000-\\u200F") && class.contains("\\u3164"),
            "{class}"
        );
    }
}
