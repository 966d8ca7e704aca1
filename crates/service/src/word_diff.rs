//! What changed inside a message: the words removed and added, as `git diff --word-diff`
//! marks them (`[-old-]{+new+}` in text, ~~old~~ **new** in Markdown), so that a reader of
//! `impact` sees the change instead of comparing two paragraphs.

/// A run of words kept, removed or added.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Part<'a> {
    /// In both.
    Same(Vec<&'a str>),
    /// Only in the first text.
    Removed(Vec<&'a str>),
    /// Only in the second text.
    Added(Vec<&'a str>),
}

/// Above this many word pairs the texts are shown as removed and added whole: the longest
/// common subsequence takes time and memory in proportion to it.
const MAX_PAIRS: usize = 1 << 20;

/// The words of `before` and `after` as runs kept, removed and added (a longest common
/// subsequence of words; a removal comes before the addition that replaces it).
pub fn diff<'a>(before: &'a str, after: &'a str) -> Vec<Part<'a>> {
    let a: Vec<&str> = before.split_whitespace().collect();
    let b: Vec<&str> = after.split_whitespace().collect();
    if a.len().saturating_mul(b.len()) > MAX_PAIRS {
        return vec![Part::Removed(a), Part::Added(b)];
    }
    // lengths[i][j]: the longest common subsequence of a[i..] and b[j..].
    let width = b.len() + 1;
    let mut lengths = vec![0u32; (a.len() + 1) * width];
    for i in (0..a.len()).rev() {
        for j in (0..b.len()).rev() {
            lengths[i * width + j] = if a[i] == b[j] {
                lengths[(i + 1) * width + j + 1] + 1
            } else {
                lengths[(i + 1) * width + j].max(lengths[i * width + j + 1])
            };
        }
    }
    let mut parts: Vec<Part<'a>> = Vec::new();
    let push = |parts: &mut Vec<Part<'a>>, part: Part<'a>| match (parts.last_mut(), part) {
        (Some(Part::Same(x)), Part::Same(y))
        | (Some(Part::Removed(x)), Part::Removed(y))
        | (Some(Part::Added(x)), Part::Added(y)) => x.extend(y),
        (_, part) => parts.push(part),
    };
    let (mut i, mut j) = (0, 0);
    while i < a.len() || j < b.len() {
        if i < a.len() && j < b.len() && a[i] == b[j] {
            push(&mut parts, Part::Same(vec![a[i]]));
            i += 1;
            j += 1;
        } else if j == b.len()
            || (i < a.len() && lengths[(i + 1) * width + j] >= lengths[i * width + j + 1])
        {
            push(&mut parts, Part::Removed(vec![a[i]]));
            i += 1;
        } else {
            push(&mut parts, Part::Added(vec![b[j]]));
            j += 1;
        }
    }
    parts
}

/// The change from `before` to `after` in one line: kept words as they are, removed ones in
/// `[-…-]`, added ones in `{+…+}`. `show` escapes each run for the output.
pub fn marked(before: &str, after: &str, show: &dyn Fn(&str) -> String) -> String {
    render(before, after, show, ("[-", "-]"), ("{+", "+}"), true)
}

/// The same for Markdown: removed words struck through, added ones in bold. `show` escapes
/// Markdown.
pub fn marked_markdown(before: &str, after: &str, show: &dyn Fn(&str) -> String) -> String {
    render(before, after, show, ("~~", "~~"), ("**", "**"), false)
}

fn render(
    before: &str,
    after: &str,
    show: &dyn Fn(&str) -> String,
    removed: (&str, &str),
    added: (&str, &str),
    glue_replacements: bool,
) -> String {
    let mut out = String::new();
    let mut after_removed = false;
    for part in diff(before, after) {
        let (text, is_removed) = match part {
            Part::Same(words) => (show(&words.join(" ")), false),
            Part::Removed(words) => (
                format!("{}{}{}", removed.0, show(&words.join(" ")), removed.1),
                true,
            ),
            Part::Added(words) => (
                format!("{}{}{}", added.0, show(&words.join(" ")), added.1),
                false,
            ),
        };
        // A replacement reads as one unit: `[-3-]{+6+}`.
        let replacement = glue_replacements && after_removed && text.starts_with(added.0);
        if !out.is_empty() && !replacement {
            out.push(' ');
        }
        out.push_str(&text);
        after_removed = is_removed;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_removed_and_added_are_marked_in_place() {
        let same = |s: &str| s.to_string();
        assert_eq!(
            marked(
                "Name the counterparts of P1 within 3 months of the start.",
                "Name the counterparts of P1 and P2 within 6 months of the start.",
                &same
            ),
            "Name the counterparts of P1 {+and P2+} within [-3-]{+6+} months of the start."
        );
        assert_eq!(marked("a b c", "a b c", &same), "a b c");
        assert_eq!(marked("", "new text", &same), "{+new text+}");
        assert_eq!(
            marked_markdown("keep old", "keep new", &same),
            "keep ~~old~~ **new**"
        );
    }

    #[test]
    fn very_long_texts_are_shown_whole() {
        let long = "word ".repeat(2000);
        let parts = diff(&long, "other");
        assert_eq!(parts.len(), 2);
    }
}
