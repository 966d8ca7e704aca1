//! Printing problems on stderr, in the form chosen once with `--error-format` or
//! `TCSCREEN_ERROR_FORMAT` (the forms themselves are `tcscreen_service::render::problem`).

use std::sync::OnceLock;

use clap::ValueEnum;
use tcscreen_core::Diagnostic;
use tcscreen_service::escape;
use tcscreen_service::render::problem::{ProblemFormat, render};

use crate::console::errln;

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

impl From<ErrorFormat> for ProblemFormat {
    fn from(format: ErrorFormat) -> ProblemFormat {
        match format {
            ErrorFormat::Human => ProblemFormat::Human,
            ErrorFormat::Plain => ProblemFormat::Plain,
            ErrorFormat::Json => ProblemFormat::Json,
        }
    }
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
    errln!("{}", render(d, format().into()));
}

/// Write a problem to stderr on one line: the plain form, or JSON in the JSON format.
pub fn emit_line(d: &Diagnostic) {
    let format = match format() {
        ErrorFormat::Json => ProblemFormat::Json,
        ErrorFormat::Human | ErrorFormat::Plain => ProblemFormat::Plain,
    };
    errln!("{}", render(d, format));
}

/// Write several problems.
pub fn emit_all<'a>(ds: impl IntoIterator<Item = &'a Diagnostic>) {
    for d in ds {
        emit(d);
    }
}
