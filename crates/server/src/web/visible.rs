//! Invisible characters made visible on every page (issue 18 item 10). A request's text may
//! hold characters that draw nothing (a zero-width space, a joiner, a Hangul filler, a space
//! other than the ASCII space: [`tcscreen_core::lookalike::is_invisible`]), so that two ids or
//! names that differ look the same. Ids refuse them (I019); every other text a page shows marks
//! each one where it stands, as the notes and the terminal do, with its code point.
//!
//! The marking is applied to the page as rendered, to its text only: never inside a tag (an
//! attribute keeps its value) nor inside a `textarea`, `script` or `style` element, whose text
//! is data sent back as it is (the request being edited). The pages' own words hold no such
//! character, so only what came from a request is marked.

use tcscreen_core::lookalike::is_invisible;

/// Elements whose text is data, left as it is.
const RAW_ELEMENTS: [&str; 3] = ["textarea", "script", "style"];

/// `html` with each invisible character in its text replaced by a visible mark.
pub fn mark_invisibles(html: &str) -> String {
    if !html.chars().any(is_invisible) {
        return html.to_string();
    }
    let mut out = String::with_capacity(html.len() + 64);
    let mut rest = html;
    let mut raw_until: Option<&str> = None;
    while let Some(c) = rest.chars().next() {
        if c == '<' {
            let end = rest.find('>').map_or(rest.len(), |i| i + 1);
            let tag = &rest[..end];
            match raw_until {
                Some(element) if closes(tag, element) => raw_until = None,
                Some(_) => {}
                None => raw_until = RAW_ELEMENTS.into_iter().find(|e| opens(tag, e)),
            }
            out.push_str(tag);
            rest = &rest[end..];
            continue;
        }
        if raw_until.is_none() && is_invisible(c) {
            let code = format!("U+{:04X}", c as u32);
            out.push_str(&format!(
                "<mark class=\"invisible\" title=\"An invisible character ({code}) stands here\">{code}</mark>"
            ));
        } else {
            out.push(c);
        }
        rest = &rest[c.len_utf8()..];
    }
    out
}

fn opens(tag: &str, element: &str) -> bool {
    tag.len() > element.len() + 1
        && tag[1..].to_ascii_lowercase().starts_with(element)
        && tag[1 + element.len()..].starts_with(['>', ' ', '\t', '\n', '/'])
}

fn closes(tag: &str, element: &str) -> bool {
    tag.to_ascii_lowercase()
        .strip_prefix("</")
        .is_some_and(|t| t.starts_with(element))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_invisible_character_in_text_is_marked_where_it_stands() {
        let page = "<p>KH\u{200B}-1 and x\u{a0}y</p>";
        let marked = mark_invisibles(page);
        assert!(marked.contains("KH<mark class=\"invisible\""), "{marked}");
        assert!(marked.contains(">U+200B</mark>-1"), "{marked}");
        assert!(marked.contains(">U+00A0</mark>y"), "{marked}");
        assert!(!marked.contains('\u{200B}'));
    }

    #[test]
    fn attributes_and_the_data_of_a_textarea_are_left_as_they_are() {
        let page = "<input value=\"a\u{200B}b\"><textarea name=\"r\">{\"title\": \"a\u{200B}b\"}</textarea><p>c\u{200B}d</p>";
        let marked = mark_invisibles(page);
        assert!(marked.starts_with("<input value=\"a\u{200B}b\"><textarea name=\"r\">{\"title\": \"a\u{200B}b\"}</textarea><p>c<mark"), "{marked}");
    }

    #[test]
    fn a_page_without_invisible_characters_is_unchanged() {
        let page = "<p>Plain words, \u{e9}t\u{e9} and \u{5e9}\u{5dc}\u{5d5}\u{5dd}</p>";
        assert_eq!(mark_invisibles(page), page);
    }
}
