//! `tcscreen import iati`: draft requests from published IATI activity data, or a published
//! record attached to a requester's own request (`--attach`). The work is the service's
//! (`tcscreen_service::iati`); this module wires arguments to it and reports on stderr what
//! was left out and why.

use std::path::PathBuf;

use clap::ValueEnum;
use tcscreen_core::Date;
use tcscreen_service::escape;
use tcscreen_service::iati::files::{self, XmlSource};
use tcscreen_service::iati::folder::{DraftFolder, NotWritten};
use tcscreen_service::iati::pretty::{to_line, to_pretty};
use tcscreen_service::iati::{ImportCounts, ImportOptions, Imported, Importer, attach};

use crate::console::{errln, out, outln};
use crate::diagnostics;
use crate::exit_codes::ExitStatus;
use crate::global_args::{GlobalArgs, parse_date};

/// Arguments of `import`.
#[derive(Debug, clap::Args)]
pub struct ImportArgs {
    /// What to import from.
    #[command(subcommand)]
    pub from: ImportFrom,
}

/// The formats `import` reads.
#[derive(Debug, clap::Subcommand)]
pub enum ImportFrom {
    /// Draft requests from IATI activity XML (versions 1.01 to 2.03): one per technical
    /// co-operation activity and recipient country, with only what IATI states.
    Iati(IatiArgs),
}

/// Arguments of `import iati`.
#[derive(Debug, clap::Args)]
pub struct IatiArgs {
    /// IATI XML files, folders (their *.xml files), or - for stdin. With --attach: the one
    /// file holding the activity.
    #[arg(value_name = "FILE|DIR|-", required = true)]
    pub inputs: Vec<String>,

    /// Only requests for this recipient country (ISO code, e.g. KH).
    #[arg(long, value_name = "XX", value_parser = parse_country)]
    pub country: Option<String>,

    /// The `received` date of the requests. Default: today (the import date).
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_date)]
    pub received: Option<Date>,

    /// The language of titles and summaries (e.g. en, fr); else each text's first language.
    #[arg(long, value_name = "LANG")]
    pub lang: Option<String>,

    /// Write one file per request into DIR (`<identifier>.<country>.json`) instead of JSON
    /// Lines on stdout.
    #[arg(long, value_name = "DIR", conflicts_with = "format")]
    pub out: Option<PathBuf>,

    /// Replace files that exist in --out DIR (drafts may have been completed by hand).
    #[arg(long, requires = "out")]
    pub replace: bool,

    /// Output format on stdout.
    #[arg(long, value_enum)]
    pub format: Option<ImportFormat>,

    /// Import every activity, not only technical co-operation (the others are flagged
    /// `not_tc`).
    #[arg(long)]
    pub all: bool,

    /// Add the published record of --identifier to this request (printed, or written to
    /// --out FILE), instead of making drafts.
    #[arg(long, value_name = "REQUEST.json", requires = "identifier")]
    pub attach: Option<PathBuf>,

    /// The IATI identifier of the activity to attach.
    #[arg(long, value_name = "ID", requires = "attach")]
    pub identifier: Option<String>,
}

/// Formats of `import iati` on stdout.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ImportFormat {
    /// One request a line (what `tcscreen screen -` reads).
    Jsonl,
}

fn parse_country(text: &str) -> Result<String, String> {
    let upper = text.trim().to_ascii_uppercase();
    if upper.len() == 2 && upper.bytes().all(|b| b.is_ascii_uppercase()) {
        Ok(upper)
    } else {
        Err(format!(
            "`{text}` is not a country code; write two letters, e.g. KH"
        ))
    }
}

/// Run `import`.
pub fn import(_cli: &GlobalArgs, args: &ImportArgs) -> ExitStatus {
    match &args.from {
        ImportFrom::Iati(args) if args.attach.is_some() => attach_record(args),
        ImportFrom::Iati(args) => import_iati(args),
    }
}

fn options(args: &IatiArgs, file: String) -> ImportOptions {
    ImportOptions {
        received: args
            .received
            .or_else(tcscreen_service::decisions::today)
            .unwrap_or_else(|| Date::from_ymd(1970, 1, 1).expect("a date")),
        lang: args.lang.clone(),
        country: args.country.clone(),
        all: args.all,
        file,
    }
}

fn import_iati(args: &IatiArgs) -> ExitStatus {
    let sources = match files::sources(&args.inputs) {
        Ok(sources) => sources,
        Err(why) => {
            errln!("error: {why}");
            return ExitStatus::Usage;
        }
    };
    let mut folder = match args
        .out
        .as_deref()
        .map(|dir| DraftFolder::open(dir, args.replace))
    {
        Some(Err(e)) => {
            errln!(
                "error: cannot write to {}: {e}",
                args.out.as_ref().expect("out").display()
            );
            return ExitStatus::Error;
        }
        Some(Ok(folder)) => Some(folder),
        None => None,
    };
    let mut status = ExitStatus::Success;
    let mut total = ImportCounts::default();
    for source in &sources {
        let counts = import_one(source, args, folder.as_mut(), &mut status);
        total.add(&counts);
    }
    if sources.len() != 1 || total.requests != 1 {
        let place = args.out.as_ref().map_or_else(String::new, |dir| {
            format!(" (written to {})", dir.display())
        });
        diagnostics::say(&format!("{}{place}", total.summary()));
    }
    status
}

/// Import one file; its counts.
fn import_one(
    source: &XmlSource,
    args: &IatiArgs,
    mut folder: Option<&mut DraftFolder>,
    status: &mut ExitStatus,
) -> ImportCounts {
    let name = source.name();
    let reader = match source.open() {
        Ok(reader) => reader,
        Err(e) => {
            errln!("error: {name}: cannot read: {e}");
            status.raise(ExitStatus::Error);
            return ImportCounts::default();
        }
    };
    let mut importer = Importer::new(std::io::BufReader::new(reader), options(args, name.clone()));
    for imported in importer.by_ref() {
        match imported {
            Imported::Problem(problem) => {
                diagnostics::emit(&problem.to_diagnostic(&name));
                status.raise(ExitStatus::Error);
            }
            Imported::Skipped(skipped) => diagnostics::say(&format!(
                "left out  {} ({name}:{}): {}",
                skipped.identifier,
                skipped.place.line,
                skipped.reason_text()
            )),
            Imported::Draft(draft) => {
                if !draft.flags.is_empty() {
                    diagnostics::say(&format!(
                        "flagged   {} ({}, {name}:{}): {}",
                        draft.identifier,
                        draft.country,
                        draft.place.line,
                        flag_words(&draft.flags)
                    ));
                }
                match folder.as_deref_mut() {
                    None => outln!("{}", to_line(&draft.request)),
                    Some(folder) => match folder.write(&draft) {
                        Ok(_) => {}
                        Err(NotWritten::Exists(path)) => {
                            errln!(
                                "error: {} exists and was not replaced (it may have been completed by hand): import into another folder, or give --replace",
                                escape::controls(&path.display().to_string())
                            );
                            status.raise(ExitStatus::Error);
                        }
                        Err(NotWritten::Failed(path, e)) => {
                            errln!(
                                "error: cannot write {}: {e}",
                                escape::controls(&path.display().to_string())
                            );
                            status.raise(ExitStatus::Error);
                        }
                    },
                }
            }
        }
    }
    importer.counts()
}

fn flag_words(flags: &[&str]) -> String {
    flags
        .iter()
        .map(|f| match *f {
            "closed" => "the activity is closed",
            "cancelled" => "the activity is cancelled",
            "tc_code_only" => {
                "TC by aid type only (D02 is sometimes research funding): check it is TC"
            }
            "not_tc" => "not technical co-operation (imported with --all)",
            other => other,
        })
        .collect::<Vec<_>>()
        .join("; ")
}

fn attach_record(args: &IatiArgs) -> ExitStatus {
    let request_path = args.attach.as_ref().expect("attach");
    let identifier = args.identifier.as_deref().expect("identifier");
    let [input] = args.inputs.as_slice() else {
        errln!("error: --attach takes one IATI file, the one that holds the activity");
        return ExitStatus::Usage;
    };
    let request_text = match std::fs::read_to_string(request_path) {
        Ok(text) => text,
        Err(e) => {
            errln!("error: {}: cannot read: {e}", request_path.display());
            return ExitStatus::Error;
        }
    };
    let source = match files::sources(std::slice::from_ref(input)) {
        Ok(mut s) if s.len() == 1 => s.remove(0),
        Ok(_) => {
            errln!("error: --attach takes one IATI file, not a folder");
            return ExitStatus::Usage;
        }
        Err(why) => {
            errln!("error: {why}");
            return ExitStatus::Usage;
        }
    };
    let reader = match source.open() {
        Ok(reader) => std::io::BufReader::new(reader),
        Err(e) => {
            errln!("error: {}: cannot read: {e}", source.name());
            return ExitStatus::Error;
        }
    };
    let options = options(args, source.name());
    match attach::attach(&request_text, reader, identifier, &options) {
        Ok(attached) => {
            for remark in &attached.remarks {
                diagnostics::say(&format!("note: {remark}"));
            }
            let text = to_pretty(&attached.request);
            match &args.out {
                None => out!("{text}"),
                Some(path) => {
                    let written = tcscreen_service::output::Output::open(Some(path)).and_then(
                        |mut output| {
                            std::io::Write::write_all(&mut output, text.as_bytes())?;
                            output.finish()
                        },
                    );
                    if let Err(e) = written {
                        errln!("error: cannot write {}: {e}", path.display());
                        return ExitStatus::Error;
                    }
                }
            }
            ExitStatus::Success
        }
        Err(why) => {
            errln!("error: {}", escape::controls(&why));
            ExitStatus::Error
        }
    }
}
