//! Printing problems: like a compiler in `human` form (code, message, file:line:column, the
//! source line with the place underlined, help), one line each in `plain`, one JSON object per
//! line in `json` (stable, for tools and editors). Chosen once with `--error-format` or
//! `TCSCREEN_ERROR_FORMAT`.
//!
//! The source line is the problem's [`Excerpt`], cut from the text read when the problem was
//! found: printing never opens a file (it could have changed, be a link the loader refused, or
//! be a named pipe). In the human and plain forms every string is shown through
//! [`escape::controls`]: messages quote requests and rules.

use crate::console::errln;
use std::fmt::Write as _;
use std::sync::OnceLock;

use clap::ValueEnum;
use tcscreen_core::{Diagnostic, Excerpt, InputError, Json, Pos, Severity, canonical};

use crate::escape;
use crate::inputs::Source;

/// How problems are written to stderr.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum ErrorFormat {
    /// Like a compiler: the source line with the place underlined, and a help line.
    #[default]
    Human,
    /// One line per problem.
    Plain,
    /// One JSON object per line.
    Json,
}

static FORMAT: OnceLock<ErrorFormat> = OnceLock::new();

/// Choose the format for the rest of the run.
pub fn set_format(format: ErrorFormat) {
    let _ = FORMAT.set(format);
}

fn format() -> ErrorFormat {
    FORMAT.get().copied().unwrap_or_default()
}

/// Whether problems are written as JSON; then stderr carries nothing else.
pub fn is_json() -> bool {
    format() == ErrorFormat::Json
}

/// Write a line for people to stderr (a summary, a remark); nothing in the JSON format.
pub fn say(text: &str) {
    if !is_json() {
        errln!("{}", escape::controls(text));
    }
}

/// Write a problem to stderr in the chosen format.
pub fn emit(d: &Diagnostic) {
    errln!("{}", render(d, format()));
}

/// Write a problem to stderr on one line: the plain form, or JSON in the JSON format.
pub fn emit_line(d: &Diagnostic) {
    let format = match format() {
        ErrorFormat::Json => ErrorFormat::Json,
        ErrorFormat::Human | ErrorFormat::Plain => ErrorFormat::Plain,
    };
    errln!("{}", render(d, format));
}

/// Write several problems.
pub fn emit_all<'a>(ds: impl IntoIterator<Item = &'a Diagnostic>) {
    for d in ds {
        emit(d);
    }
}

/// A problem with an input request, as a diagnostic located in its file (and line, inside a
/// JSON Lines file). `text` is the request's text as read, for the source line; `None` when
/// it could not be read.
pub fn from_input(source: &Source, e: &InputError, text: Option<&str>) -> Diagnostic {
    let message = if e.path.is_empty() {
        e.message.clone()
    } else {
        format!("`{}`: {}", e.path, e.message)
    };
    // Positions are inside the request's text; in a JSON Lines file that text is one line.
    let pos = match (source.line, e.pos.is_known()) {
        (Some(line), true) => Pos::new(line as u32, e.pos.column),
        (Some(line), false) => Pos::new(line as u32, 0),
        (None, true) => Pos::new(e.pos.line + source.line_offset as u32, e.pos.column),
        (None, false) => e.pos,
    };
    let mut d = Diagnostic::error(e.code, message)
        .at(&source.file, pos)
        .maybe_help(e.help.clone());
    d.excerpt = text.and_then(|t| Excerpt::of(t, e.pos));
    d
}

/// Render one problem.
pub fn render(d: &Diagnostic, format: ErrorFormat) -> String {
    let level = match d.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    };
    match format {
        ErrorFormat::Json => {
            let number = |n: u32| {
                if n == 0 {
                    Json::null()
                } else {
                    Json::number(n)
                }
            };
            canonical::to_canonical_string(&Json::object([
                ("code", Json::string(d.code)),
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
            ]))
        }
        ErrorFormat::Plain => {
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
        ErrorFormat::Human => {
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

    #[test]
    fn human_form_underlines_the_token() {
        let text = "//! title: x\nif request.origin.torr == () {}\n";
        let d = Diagnostic::error("L001", "`request.origin` has no field `torr`")
            .at("r.rhai", Pos::new(2, 19))
            .help("did you mean `tor`?")
            .with_excerpt_from(text);
        let rendered = render(&d, ErrorFormat::Human);
        let expected = "error[L001]: `request.origin` has no field `torr`\n  --> r.rhai:2:19\n   |\n 2 | if request.origin.torr == () {}\n   |                   ^^^^\n   = help: did you mean `tor`?";
        assert_eq!(rendered, expected);
        assert_eq!(
            render(&d, ErrorFormat::Plain),
            "r.rhai:2:19: error[L001]: `request.origin` has no field `torr`; help: did you mean `tor`?"
        );
        assert!(render(&d, ErrorFormat::Json).starts_with(r#"{"code":"L001","column":19,"#));
    }

    #[test]
    fn columns_count_characters() {
        let d = Diagnostic::error("L001", "x")
            .at("r.rhai", Pos::new(1, 18))
            .with_excerpt_from("let 名前 = request.orgin;\n");
        let text = render(&d, ErrorFormat::Human);
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
            Diagnostic::error("P006", "symbolic link in a pack").at(&file, Pos::new(1, 1));
        let text = render(&refused, ErrorFormat::Human);
        assert!(!text.contains("SECRET"), "{text}");
        let read = Diagnostic::error("R020", "x")
            .at(&file, Pos::new(1, 1))
            .with_excerpt_from("what was read\n");
        let text = render(&read, ErrorFormat::Human);
        assert!(
            text.contains(" 1 | what was read\n") && !text.contains("SECRET"),
            "{text}"
        );
    }

    #[test]
    fn control_characters_in_problems_are_shown_escaped() {
        let d = Diagnostic::error("I013", "`\u{1b}[2Kaccept\r` is not an allowed value")
            .at("req\nuest.json", Pos::new(1, 3))
            .note("n\u{7}")
            .with_excerpt_from("{\"\u{1b}[2K\": 1}");
        for format in [ErrorFormat::Human, ErrorFormat::Plain] {
            let text = render(&d, format);
            assert!(
                !text.chars().any(|c| c.is_control() && c != '\n'),
                "{text:?}"
            );
            assert!(text.contains("`\\u{1b}[2Kaccept\\r`"), "{text}");
            assert!(text.contains("req\\nuest.json"), "{text}");
        }
        // The marker stays under the escaped token.
        let human = render(&d, ErrorFormat::Human);
        assert!(
            human.contains(" 1 | {\"\\u{1b}[2K\": 1}\n   |   ^^^^^^"),
            "{human}"
        );
    }
}
