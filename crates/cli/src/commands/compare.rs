//! `tcscreen compare`: progress between rounds. Screens a revised request and lists the
//! previous screening's findings that are resolved or still open, and the new ones; findings
//! match by rule and field.

use crate::console::{errln, outln};
use std::path::PathBuf;

use clap::ValueEnum;
use tcscreen_core::{Decision, Finding, Json, Outcome, ValidRequest, canonical, decode_text};

use crate::Cli;
use crate::commands::catalog;
use crate::exit::ExitStatus;
use tcscreen_service::escape::controls as esc;
use tcscreen_service::inputs::Source;
use tcscreen_service::records;
use tcscreen_service::{NotScreened, PackChoice, Packs, ThreadScreener};

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
pub fn compare(cli: &Cli, args: &CompareArgs) -> ExitStatus {
    let previous = match records::read(std::slice::from_ref(&args.previous))
        .into_iter()
        .next()
    {
        Some(Ok(recorded)) => recorded.record,
        Some(Err((source, e))) => {
            errln!("error: {}: {}", esc(&source.display()), esc(&e.to_string()));
            return ExitStatus::Error;
        }
        None => {
            errln!("error: {}: no record", args.previous);
            return ExitStatus::Error;
        }
    };
    let source = Source::file(args.revised.display().to_string());
    let request = match std::fs::read(&args.revised)
        .map_err(|e| e.to_string())
        .and_then(|bytes| {
            let text = decode_text(&bytes).map_err(|e| e.to_string())?;
            ValidRequest::from_text(text, &crate::request_limits()).map_err(|e| {
                e.iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("\n  ")
            })
        }) {
        Ok(request) => request,
        Err(e) => {
            errln!("error: {}: {}", esc(&source.display()), esc(&e));
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
    let choice = match &args.pack {
        Some(pack) => match packs.choose(Some(pack)) {
            Ok(choice) => choice,
            Err(errors) => {
                crate::diagnostics::emit_all(&errors);
                return ExitStatus::Error;
            }
        },
        None => PackChoice::Id(previous.pack.id.clone(), None),
    };
    let mut screener = ThreadScreener::new();
    let as_of = request.received();
    let now = match screener
        .choose(&packs, &choice, &request, as_of)
        .and_then(|i| screener.screen(&packs, i, &request, as_of, false))
    {
        Ok((record, _)) => record,
        Err(problem) => {
            let not = NotScreened {
                source,
                request_id: Some(request.id().to_string()),
                problem,
            };
            crate::diagnostics::emit_all(
                &not.diagnostics(packs.catalog(), &mut Default::default()),
            );
            crate::diagnostics::say(&not.summary_line());
            return ExitStatus::Error;
        }
    };
    let same = |a: &Finding, b: &Finding| a.rule == b.rule && a.field == b.field;
    let resolved: Vec<&Finding> = previous
        .findings
        .iter()
        .filter(|f| !now.findings.iter().any(|g| same(f, g)))
        .collect();
    let open: Vec<&Finding> = now
        .findings
        .iter()
        .filter(|g| previous.findings.iter().any(|f| same(f, g)))
        .collect();
    let new: Vec<&Finding> = now
        .findings
        .iter()
        .filter(|g| !previous.findings.iter().any(|f| same(f, g)))
        .collect();
    let show = |d: Option<Decision>| d.map_or("no decision", Decision::as_str);
    match args.format {
        CompareFormat::Json => {
            let list = |fs: &[&Finding]| {
                Json::array(
                    fs.iter()
                        .map(|f| {
                            Json::object([
                                ("rule", Json::string(&f.rule)),
                                ("field", Json::opt_string(f.field.as_deref())),
                                ("outcome", Json::string(f.outcome.as_str())),
                                ("message", Json::string(&f.message)),
                            ])
                        })
                        .collect(),
                )
            };
            outln!(
                "{}",
                canonical::to_canonical_string(&Json::object([
                    ("request_id", Json::string(request.id())),
                    ("previous_decision", Json::string(show(previous.decision))),
                    ("decision", Json::string(show(now.decision))),
                    ("resolved", list(&resolved)),
                    ("still_open", list(&open)),
                    ("new", list(&new)),
                ]))
            );
        }
        CompareFormat::Text => {
            outln!(
                "{}: {} → {}  (pack {} {}, as of {})",
                esc(request.id()),
                show(previous.decision),
                show(now.decision),
                esc(&now.pack.id),
                esc(&now.pack.version),
                now.as_of
            );
            let print = |title: &str, fs: &[&Finding]| {
                let to_change = fs.iter().filter(|f| f.outcome != Outcome::Note).count();
                outln!("{title}: {} ({to_change} to change)", fs.len());
                for f in fs {
                    outln!(
                        "  {:<6}  {}  {}  {}",
                        f.outcome,
                        esc(&f.rule),
                        esc(f.field.as_deref().unwrap_or("-")),
                        esc(&f.message)
                    );
                }
            };
            print("resolved", &resolved);
            print("still open", &open);
            print("new", &new);
        }
    }
    if now.decision.is_none() {
        ExitStatus::Error
    } else {
        ExitStatus::Success
    }
}
