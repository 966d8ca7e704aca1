//! `tcscreen compare`: progress between rounds (the work is `tcscreen_service::compare`).

use std::path::PathBuf;

use clap::ValueEnum;
use tcscreen_core::{ValidRequest, decode_text};
use tcscreen_service::compare;
use tcscreen_service::escape::controls as esc;
use tcscreen_service::{Location, Packs, ThreadScreener, records};

use crate::console::{errln, out, outln};
use crate::diagnostics;
use crate::exit_codes::ExitStatus;
use crate::global_args::GlobalArgs;
use crate::rules_folder::catalog;

/// Arguments of `compare`.
#[derive(Debug, clap::Args)]
pub struct CompareArgs {
    /// The record of the previous screening.
    #[arg(value_name = "PREVIOUS_RECORD")]
    pub previous: String,

    /// The revised request.
    #[arg(value_name = "REVISED_REQUEST")]
    pub revised: PathBuf,

    /// Screen with this pack (default: the previous record's pack id, at the revised request's
    /// date).
    #[arg(long, value_name = "ID[@VERSION]|PATH")]
    pub pack: Option<String>,

    /// Output format.
    #[arg(long, value_enum, default_value_t = CompareFormat::Text)]
    pub format: CompareFormat,
}

/// Formats of the comparison.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum CompareFormat {
    /// For people.
    Text,
    /// JSON.
    Json,
}

/// Run `compare`.
pub fn compare(cli: &GlobalArgs, args: &CompareArgs) -> ExitStatus {
    let previous = match records::read(std::slice::from_ref(&args.previous))
        .into_iter()
        .next()
    {
        Some(Ok(recorded)) => recorded.record,
        Some(Err((location, e))) => {
            errln!(
                "error: {}: {}",
                esc(&location.display()),
                esc(&e.to_string())
            );
            return ExitStatus::Error;
        }
        None => {
            errln!("error: {}: no record", args.previous);
            return ExitStatus::Error;
        }
    };
    let location = Location::file(args.revised.display().to_string());
    let request = match read_request(&args.revised) {
        Ok(request) => request,
        Err(e) => {
            errln!("error: {}: {}", esc(&location.display()), esc(&e));
            return ExitStatus::Error;
        }
    };
    if request.id() != previous.request_id {
        errln!(
            "warning: the revised request is `{}`, the previous record is of `{}`",
            esc(request.id()),
            esc(&previous.request_id)
        );
    }
    let Some(catalog) = catalog(cli) else {
        return ExitStatus::Error;
    };
    let mut packs = Packs::from_catalog(catalog);
    let choice = match args.pack.as_deref().map(|pack| packs.choose(Some(pack))) {
        None => None,
        Some(Ok(choice)) => Some(choice),
        Some(Err(errors)) => {
            diagnostics::emit_all(&errors);
            return ExitStatus::Error;
        }
    };
    let mut screener = ThreadScreener::new();
    let comparison =
        match compare::compare(&mut screener, &packs, previous, &request, location, choice) {
            Ok(comparison) => comparison,
            Err(not) => {
                diagnostics::emit_all(&not.diagnostics(packs.catalog(), &mut Default::default()));
                diagnostics::say(&not.summary_line());
                return ExitStatus::Error;
            }
        };
    match args.format {
        CompareFormat::Json => outln!("{}", comparison.to_json()),
        CompareFormat::Text => out!("{}", comparison.to_text()),
    }
    if comparison.now.decision.is_none() {
        ExitStatus::Error
    } else {
        ExitStatus::Success
    }
}

/// The revised request, or why it cannot be screened.
fn read_request(path: &std::path::Path) -> Result<ValidRequest, String> {
    let bytes = std::fs::read(path).map_err(|e| e.to_string())?;
    let text = decode_text(&bytes).map_err(|e| e.to_string())?;
    ValidRequest::from_text(text, &tcscreen_core::RequestLimits::default()).map_err(|e| {
        e.iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("\n  ")
    })
}
