//! Problems for people and for tools: like a compiler in the `human` form (code, message,
//! file:line:column, the source line with the place underlined, help), one line each in
//! `plain`, one JSON object in `json` (stable, for tools, editors and the HTTP API).
//!
//! The source line is the problem's [`Excerpt`], cut from the text read when the problem was
//! found: rendering never opens a file (it could have changed, be a link the loader refused, or
//! be a named pipe). In the human and plain forms every string is shown through
//! [`escape::controls`]: messages quote requests and rules.

use std::fmt::Write as _;

use tcscreen_core::{Diagnostic, Excerpt, Json, Severity, canonical};

use crate::escape;

/// How a problem is written.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ProblemFormat {
    /// Like a compiler: the source line with the place underlined, and a help line.
    #[default]
    Human,
    /// One line.
    Plain,
    /// One JSON object (see [`to_json`]).
    Json,
}

/// A problem as a JSON object: `code`, `severity`, `message`, `file`, `line`, `column`
/// (`null` when unknown), `help` and `notes`.
pub fn to_json(d: &Diagnostic) -> Json {
    let level = match d.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    };
    let number = |n: u32| {
        if n == 0 {
            Json::null()
        } else {
            Json::number(n)
        }
    };
    Json::object([
        ("code", Json::string(d.code.as_str())),
        ("severity", Json::string(level)),
        ("message", Json::string(&d.message)),
        ("file", Json::opt_string(d.file.as_deref())),
        ("line", number(d.pos.line)),
        ("column", number(d.pos.column)),
        ("help", Json::opt_string(d.help.as_deref())),
        (
            "notes",
            Json::array(d.notes.iter().map(Json::string).collect()),
        ),
    ])
}

/// Render one problem.
pub fn render(d: &Diagnostic, format: ProblemFormat) -> String {
    let level = match d.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    };
    match format {
        ProblemFormat::Json => canonical::to_canonical_string(&to_json(d)),
        ProblemFormat::Plain => {
            let mut out = String::new();
            if let Some(file) = &d.file {
                out.push_str(&escape::controls(file));
                if d.pos.line > 0 {
                    let _ = write!(out, ":{}", d.pos.line);
                    if d.pos.column > 0 {
                        let _ = write!(out, ":{}", d.pos.column);
                    }
                }
                out.push_str(": ");
            }
            let _ = write!(out, "{level}[{}]: {}", d.code, escape::controls(&d.message));
            for note in &d.notes {
                let _ = write!(out, "; note: {}", escape::controls(note));
            }
            let _ = write!(out, "; help: {}", escape::controls(&help_line(d)));
            out
        }
        ProblemFormat::Human => {
            let mut out = format!("{level}[{}]: {}", d.code, escape::controls(&d.message));
            if let Some(file) = &d.file {
                let file = escape::controls(file);
                let place = match (d.pos.line, d.pos.column) {
                    (0, _) => file.into_owned(),
                    (l, 0) => format!("{file}:{l}"),
                    (l, c) => format!("{file}:{l}:{c}"),
                };
                let _ = write!(out, "\n  --> {place}");
                if let Some(excerpt) = d.excerpt.as_ref().filter(|_| d.pos.line > 0) {
                    out.push_str(&snippet(excerpt, d.pos.line));
                }
            }
            for note in &d.notes {
                let _ = write!(out, "\n   = note: {}", escape::controls(note));
            }
            let _ = write!(out, "\n   = help: {}", escape::controls(&help_line(d)));
            out
        }
    }
}

/// The help of a problem, or where to read more about its code.
fn help_line(d: &Diagnostic) -> String {
    d.help
        .clone()
        .unwrap_or_else(|| format!("`tcscreen explain {}` explains this problem", d.code))
}

/// The excerpt of the source line `line`, with the place underlined.
fn snippet(excerpt: &Excerpt, line: u32) -> String {
    let prefix = if excerpt.cut_before { "…" } else { "" };
    let suffix = if excerpt.cut_after { "…" } else { "" };
    let number = line.to_string();
    let pad = " ".repeat(number.len());
    // Escaping can widen what comes before the column; the marker follows the shown text.
    let before: String = excerpt
        .text
        .chars()
        .take(excerpt.column.saturating_sub(1))
        .collect();
    let underlined: String = excerpt
        .text
        .chars()
        .skip(excerpt.column.saturating_sub(1))
        .take(excerpt.width)
        .collect();
    let marker = if excerpt.column == 0 {
        String::new()
    } else {
        format!(
            "{}{}",
            " ".repeat(prefix.chars().count() + escape::controls(&before).chars().count()),
            "^".repeat(escape::controls(&underlined).chars().count().max(1))
        )
    };
    format!(
        "\n {pad} |\n {number} | {prefix}{}{suffix}\n {pad} | {marker}",
        escape::controls(&excerpt.text)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use tcscreen_core::{Code, Pos};

    #[test]
    fn human_form_underlines_the_token() {
        let text = "//! title: x\nif request.origin.torr == () {}\n";
        let d = Diagnostic::error(Code::L001, "`request.origin` has no field `torr`")
            .at("r.rhai", Pos::new(2, 19))
            .help("did you mean `tor`?")
            .with_excerpt_from(text);
        let rendered = render(&d, ProblemFormat::Human);
        let expected = "error[L001]: `request.origin` has no field `torr`\n  --> r.rhai:2:19\n   |\n 2 | if request.origin.torr == () {}\n   |                   ^^^^\n   = help: did you mean `tor`?";
        assert_eq!(rendered, expected);
        assert_eq!(
            render(&d, ProblemFormat::Plain),
            "r.rhai:2:19: error[L001]: `request.origin` has no field `torr`; help: did you mean `tor`?"
        );
        assert!(render(&d, ProblemFormat::Json).starts_with(r#"{"code":"L001","column":19,"#));
    }

    #[test]
    fn columns_count_characters() {
        let d = Diagnostic::error(Code::L001, "x")
            .at("r.rhai", Pos::new(1, 18))
            .with_excerpt_from("let 名前 = request.orgin;\n");
        let text = render(&d, ProblemFormat::Human);
        assert!(
            text.contains(&format!(
                " 1 | let 名前 = request.orgin;\n   | {}^^^^^\n",
                " ".repeat(17)
            )),
            "{text}"
        );
    }

    /// Printing a problem never opens its file: the file may have changed since it was read,
    /// be a link the loader refused, or a named pipe.
    #[test]
    fn the_source_line_comes_from_the_text_read_never_from_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("r.rhai");
        std::fs::write(&file, "SECRET first line of another file\n").unwrap();
        let file = file.to_string_lossy().to_string();
        let refused =
            Diagnostic::error(Code::P006, "symbolic link in a pack").at(&file, Pos::new(1, 1));
        let text = render(&refused, ProblemFormat::Human);
        assert!(!text.contains("SECRET"), "{text}");
        let read = Diagnostic::error(Code::R020, "x")
            .at(&file, Pos::new(1, 1))
            .with_excerpt_from("what was read\n");
        let text = render(&read, ProblemFormat::Human);
        assert!(
            text.contains(" 1 | what was read\n") && !text.contains("SECRET"),
            "{text}"
        );
    }

    #[test]
    fn control_characters_in_problems_are_shown_escaped() {
        let d = Diagnostic::error(Code::I013, "`\u{1b}[2Kaccept\r` is not an allowed value")
            .at("req\nuest.json", Pos::new(1, 3))
            .note("n\u{7}")
            .with_excerpt_from("{\"\u{1b}[2K\": 1}");
        for format in [ProblemFormat::Human, ProblemFormat::Plain] {
            let text = render(&d, format);
            assert!(
                !text.chars().any(|c| c.is_control() && c != '\n'),
                "{text:?}"
            );
            assert!(text.contains("`\\u{1b}[2Kaccept\\r`"), "{text}");
            assert!(text.contains("req\\nuest.json"), "{text}");
        }
        // The marker stays under the escaped token.
        let human = render(&d, ProblemFormat::Human);
        assert!(
            human.contains(" 1 | {\"\\u{1b}[2K\": 1}\n   |   ^^^^^^"),
            "{human}"
        );
    }
}
