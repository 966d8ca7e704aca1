//! Printing problems: like a compiler in `human` form (code, message, file:line:column, the
//! source line with the place underlined, help), one line each in `plain`, one JSON object per
//! line in `json` (stable, for tools and editors). Chosen once with `--error-format` or
//! `TCSCREEN_ERROR_FORMAT`.

use crate::console::errln;
use std::fmt::Write as _;
use std::sync::OnceLock;

use clap::ValueEnum;
use tcscreen_core::{Diagnostic, InputError, Json, Pos, Severity, canonical};

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
        errln!("{text}");
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
/// JSON Lines file).
pub fn from_input(source: &Source, e: &InputError) -> Diagnostic {
    let message = if e.path.is_empty() {
        e.message.clone()
    } else {
        format!("`{}`: {}", e.path, e.message)
    };
    let pos = match (source.line, e.pos.is_known()) {
        (Some(line), true) => Pos::new(line as u32, e.pos.column),
        (Some(line), false) => Pos::new(line as u32, 0),
        (None, _) => e.pos,
    };
    Diagnostic::error(e.code, message)
        .at(&source.file, pos)
        .maybe_help(e.help.clone())
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
                out.push_str(file);
                if d.pos.line > 0 {
                    let _ = write!(out, ":{}", d.pos.line);
                    if d.pos.column > 0 {
                        let _ = write!(out, ":{}", d.pos.column);
                    }
                }
                out.push_str(": ");
            }
            let _ = write!(out, "{level}[{}]: {}", d.code, d.message);
            for note in &d.notes {
                let _ = write!(out, "; note: {note}");
            }
            let _ = write!(out, "; help: {}", help_line(d));
            out
        }
        ErrorFormat::Human => {
            let mut out = format!("{level}[{}]: {}", d.code, d.message);
            if let Some(file) = &d.file {
                let place = match (d.pos.line, d.pos.column) {
                    (0, _) => file.clone(),
                    (l, 0) => format!("{file}:{l}"),
                    (l, c) => format!("{file}:{l}:{c}"),
                };
                let _ = write!(out, "\n  --> {place}");
                if let Some(snippet) = snippet(file, d.pos) {
                    out.push_str(&snippet);
                }
            }
            for note in &d.notes {
                let _ = write!(out, "\n   = note: {note}");
            }
            let _ = write!(out, "\n   = help: {}", help_line(d));
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

/// The source line at `pos`, with the token there underlined.
fn snippet(file: &str, pos: Pos) -> Option<String> {
    if pos.line == 0 {
        return None;
    }
    let text = std::fs::read_to_string(file).ok()?;
    let line = text.lines().nth(pos.line as usize - 1)?;
    // Very long lines (JSON Lines) are cut around the place.
    let chars: Vec<char> = line.chars().collect();
    let column = (pos.column.max(1) as usize).min(chars.len() + 1);
    let start = column.saturating_sub(60).max(1);
    let end = (column + 60).min(chars.len());
    let shown: String = chars
        .get(start - 1..end)
        .map(|s| s.iter().collect())
        .unwrap_or_default();
    let prefix = if start > 1 { "…" } else { "" };
    let suffix = if end < chars.len() { "…" } else { "" };
    let width = chars
        .get(column - 1..)
        .map(|rest| {
            rest.iter()
                .take_while(|c| c.is_alphanumeric() || **c == '_')
                .count()
        })
        .unwrap_or(0)
        .max(1);
    let number = pos.line.to_string();
    let pad = " ".repeat(number.len());
    let marker_pad = " ".repeat(column - start + prefix.chars().count());
    let marker = if pos.column == 0 {
        String::new()
    } else {
        format!("{marker_pad}{}", "^".repeat(width))
    };
    Some(format!(
        "\n {pad} |\n {number} | {prefix}{shown}{suffix}\n {pad} | {marker}"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn human_form_underlines_the_token() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("r.rhai");
        std::fs::write(&file, "//! title: x\nif request.origin.torr == () {}\n").unwrap();
        let file = file.to_string_lossy().to_string();
        let d = Diagnostic::error("L001", "`request.origin` has no field `torr`")
            .at(&file, Pos::new(2, 19))
            .help("did you mean `tor`?");
        let text = render(&d, ErrorFormat::Human);
        let expected = format!(
            "error[L001]: `request.origin` has no field `torr`\n  --> {file}:2:19\n   |\n 2 | if request.origin.torr == () {{}}\n   |                   ^^^^\n   = help: did you mean `tor`?"
        );
        assert_eq!(text, expected);
        assert_eq!(
            render(&d, ErrorFormat::Plain),
            format!(
                "{file}:2:19: error[L001]: `request.origin` has no field `torr`; help: did you mean `tor`?"
            )
        );
        assert!(render(&d, ErrorFormat::Json).starts_with(r#"{"code":"L001","column":19,"#));
    }

    #[test]
    fn columns_count_characters() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("r.rhai");
        std::fs::write(&file, "let 名前 = request.orgin;\n").unwrap();
        let file = file.to_string_lossy().to_string();
        let d = Diagnostic::error("L001", "x").at(&file, Pos::new(1, 18));
        let text = render(&d, ErrorFormat::Human);
        assert!(
            text.contains(&format!(
                " 1 | let 名前 = request.orgin;\n   | {}^^^^^\n",
                " ".repeat(17)
            )),
            "{text}"
        );
    }
}
