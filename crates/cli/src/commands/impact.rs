//! `tcscreen impact`: what a pack change would do (the work is `tcscreen_service::impact`).

use std::path::PathBuf;

use clap::ValueEnum;
use tcscreen_service::escape::controls as esc;
use tcscreen_service::impact::{self, Side};
use tcscreen_service::{Inputs, PoolSize, Screener};

use crate::console::{errln, out, outln};
use crate::exit_codes::ExitStatus;
use crate::global_args::GlobalArgs;

/// Arguments of `impact`.
#[derive(Debug, clap::Args)]
pub struct ImpactArgs {
    /// The rules as they are: a rules folder, or one pack folder (parents from --rules).
    #[arg(long, value_name = "RULES_OR_PACK")]
    pub from: PathBuf,

    /// The rules as proposed: a rules folder, or one pack folder (parents from --rules).
    #[arg(long, value_name = "RULES_OR_PACK")]
    pub to: PathBuf,

    /// Requests or decision records (files, folders, .jsonl).
    #[arg(value_name = "INPUT", required = true)]
    pub inputs: Vec<String>,

    /// Output format.
    #[arg(long, value_enum, default_value_t = ImpactFormat::Text)]
    pub format: ImpactFormat,
}

/// Formats of the impact report.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ImpactFormat {
    /// For people.
    Text,
    /// JSON.
    Json,
    /// A Markdown report.
    Markdown,
}

/// Run `impact`.
pub fn impact(cli: &GlobalArgs, args: &ImpactArgs) -> ExitStatus {
    let (from, to) = match (
        Side::open(&cli.rules, &args.from),
        Side::open(&cli.rules, &args.to),
    ) {
        (Ok(from), Ok(to)) => (from, to),
        (Err(e), _) | (_, Err(e)) => {
            errln!("{e}");
            return ExitStatus::Error;
        }
    };
    // One thread: each thread compiles every pack it meets, and records to replay or compare
    // usually span many pack versions, so a second thread costs more work than it saves
    // (measured on the fixture decisions: 40% more instructions for 30% less wall time).
    let threads = 1;
    let screener = match Screener::start(to.packs().clone(), PoolSize::threads(threads)) {
        Ok(screener) => screener,
        Err(e) => {
            errln!("error: cannot start a screening thread: {e}");
            return ExitStatus::Error;
        }
    };
    let report = impact::impact(&screener, from, to, Inputs::new(&args.inputs));
    for (source, e) in &report.unreadable {
        errln!("error: {}: {}", esc(&source.display()), esc(e));
    }
    match args.format {
        ImpactFormat::Json => outln!("{}", report.to_json()),
        ImpactFormat::Text => out!("{}", report.to_text()),
        ImpactFormat::Markdown => out!(
            "{}",
            report.to_markdown(
                &args.from.display().to_string(),
                &args.to.display().to_string()
            )
        ),
    }
    if report.has_errors() {
        ExitStatus::Error
    } else {
        ExitStatus::Success
    }
}
