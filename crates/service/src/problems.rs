//! The problems a screening reports, as [`Diagnostic`]s with a code, a place and help: an
//! invalid request located in its file (and line, in JSON Lines), a rule that failed on a
//! request (E002), and why a request was not screened. The command line prints them; the
//! server returns them as JSON (`render::problem::to_json`). Nothing here prints.

use std::collections::BTreeSet;

use tcscreen_core::{Code, Diagnostic, EngineStop, Excerpt, InputError, Pos, RuleError};
use tcscreen_packs::Catalog;

use crate::inputs::Location;

/// Why a request was not screened.
#[derive(Debug)]
pub enum Problem {
    /// The request is invalid: the problems, located in its source, with their lines.
    Input(Vec<Diagnostic>),
    /// No pack could be chosen.
    Select(Diagnostic),
    /// The chosen pack cannot be loaded, compiled or trusted.
    Pack {
        /// Identifies the problem, so that a batch reports it once.
        key: String,
        /// `` `id` version (folder) ``, for people.
        label: String,
        /// What is wrong with the pack.
        diagnostics: Vec<Diagnostic>,
    },
    /// A safety stop: the request is not screened, and that is never a decision.
    Stop(EngineStop),
}

/// A request that was not screened, and why.
#[derive(Debug)]
pub struct NotScreened {
    /// Where the request came from.
    pub location: Location,
    /// Its id, when it was valid enough to have one.
    pub request_id: Option<String>,
    /// What stopped it, with the problems to show.
    pub problem: Problem,
}

/// A problem with an input request, as a diagnostic located in its file (and line, inside a
/// JSON Lines file). `text` is the request's text as read, for the source line; `None` when
/// it could not be read.
pub fn from_input(location: &Location, e: &InputError, text: Option<&str>) -> Diagnostic {
    let message = if e.path.is_empty() {
        e.message.clone()
    } else {
        format!("`{}`: {}", e.path, e.message)
    };
    // Positions are inside the request's text; in a JSON Lines file that text is one line.
    let pos = match (location.line, e.pos.is_known()) {
        (Some(line), true) => Pos::new(line as u32, e.pos.column),
        (Some(line), false) => Pos::new(line as u32, 0),
        (None, true) => Pos::new(e.pos.line + location.line_offset as u32, e.pos.column),
        (None, false) => e.pos,
    };
    let mut d = Diagnostic::error(e.code, message)
        .at(&location.file, pos)
        .maybe_help(e.help.clone());
    if let Some(advice) = &e.advice {
        d = d.advise(advice.clone());
    }
    d.excerpt = text.and_then(|t| Excerpt::of(t, e.pos));
    d
}

/// `file:line:column` of a rule error, with the rule's file as people see it.
pub fn place(file: &str, error: &RuleError) -> String {
    match (error.line, error.column) {
        (Some(line), Some(column)) => format!("{file}:{line}:{column}"),
        (Some(line), None) => format!("{file}:{line}"),
        _ => file.to_string(),
    }
}

/// The one-line problem that names a rule that failed on a request (code E002), for stderr.
pub fn rule_failure(
    location: &Location,
    request_id: &str,
    file: &str,
    error: &RuleError,
) -> Diagnostic {
    // One line whatever the texts hold: the request id is quoted and escaped, and the
    // message's line breaks become spaces.
    let message = error.message.replace(['\n', '\r'], " ");
    Diagnostic::error(
        Code::E002,
        format!(
            "rule `{}` failed on request {request_id:?} ({}): {message}",
            error.rule,
            location.display()
        ),
    )
    .at(
        file,
        Pos::new(error.line.unwrap_or(0), error.column.unwrap_or(0)),
    )
    .help("no decision was made for this request; fix the rule (`tcscreen test` and `screen --trace` show it at work), then screen the request again")
}

impl NotScreened {
    /// Why the request was not screened, as problems to show. A pack's own problems (and the
    /// catalog's, when they stop the choice of a pack) are given only the first time `reported`
    /// sees them, so that a batch shows each once; pass an empty set to get them all.
    pub fn diagnostics(
        &self,
        catalog: &Catalog,
        reported: &mut BTreeSet<String>,
    ) -> Vec<Diagnostic> {
        let here = |d: Diagnostic| d.at(self.location.display(), Pos::NONE);
        match &self.problem {
            Problem::Input(errors) => errors.clone(),
            Problem::Select(d) => {
                let mut out = Vec::new();
                if d.code == Code::P020 && reported.insert("catalog problems".into()) {
                    out.extend(catalog.problems().iter().cloned());
                }
                out.push(here(d.clone()));
                out
            }
            Problem::Pack {
                key,
                label,
                diagnostics,
            } => {
                let mut out = Vec::new();
                if reported.insert(key.clone()) {
                    out.extend(diagnostics.iter().cloned());
                }
                out.push(here(
                    Diagnostic::error(
                        Code::P030,
                        format!("pack {label} cannot be used (see the problems above)"),
                    )
                    .advise(tcscreen_core::advice::Advice::FixPackOrNameAnother),
                ));
                out
            }
            Problem::Stop(stop) => vec![here(
                Diagnostic::error(Code::E001, stop.to_string())
                    .help("screen the request again on a less loaded machine; if it stops again, the rule needs fewer or cheaper operations"),
            )],
        }
    }

    /// `  = SOURCE (request `ID`) was not screened`: the line that follows the problems.
    pub fn summary_line(&self) -> String {
        let which = self
            .request_id
            .as_deref()
            .map_or_else(String::new, |id| format!(" (request `{id}`)"));
        format!("  = {}{which} was not screened", self.location.display())
    }
}
