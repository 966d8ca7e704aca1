//! `tcscreen replay`: re-screen recorded decisions and say whether each gives the same bytes,
//! and if not, exactly why (the work is `tcscreen_service::replay`).

use std::path::{Path, PathBuf};

use clap::ValueEnum;
use tcscreen_core::{Json, canonical};
use tcscreen_service::replay::{self, Report, Verdict};

use crate::console::{errln, out, outln};
use crate::exit_codes::ExitStatus;
use crate::global_args::GlobalArgs;

/// Arguments of `replay`.
#[derive(Debug, clap::Args)]
pub struct ReplayArgs {
    /// Records: files (a record or an array), folders, .jsonl files of records, or registers.
    #[arg(value_name = "RECORD", required = true)]
    pub records: Vec<String>,

    /// Output format.
    #[arg(long, value_enum, default_value_t = ReplayFormat::Text)]
    pub format: ReplayFormat,

    /// Accept only packs signed by a key in DIR.
    #[arg(long, value_name = "DIR")]
    pub trust: Option<PathBuf>,
}

/// Formats of the replay report.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ReplayFormat {
    /// For people.
    Text,
    /// A JSON array, one report per record.
    Json,
}

/// Run `replay`.
pub fn replay(cli: &GlobalArgs, args: &ReplayArgs) -> ExitStatus {
    match replay_all(cli, &args.records, args.trust.as_deref()) {
        Ok(reports) => print(&reports, args.format),
        Err(status) => status,
    }
}

/// Replay every record named by `inputs` with the packs under `--rules`.
pub fn replay_all(
    cli: &GlobalArgs,
    inputs: &[String],
    trust: Option<&Path>,
) -> Result<Vec<Report>, ExitStatus> {
    let screener = crate::rules_folder::screener(cli, trust).ok_or(ExitStatus::Error)?;
    Ok(replay::replay_all(&screener, &screener.packs(), inputs))
}

/// Print reports and return the exit status: 0 if all match, 1 if any diverged, 3 on errors.
pub fn print(reports: &[Report], format: ReplayFormat) -> ExitStatus {
    let mut status = ExitStatus::Success;
    for r in reports {
        status.raise(match r.verdict {
            Verdict::Match => ExitStatus::Success,
            Verdict::Diverged => ExitStatus::Failure,
            Verdict::Error => ExitStatus::Error,
        });
    }
    match format {
        ReplayFormat::Json => {
            let items = reports.iter().map(Report::to_json).collect();
            outln!("{}", canonical::to_canonical_string(&Json::array(items)));
        }
        ReplayFormat::Text => {
            for r in reports {
                out!("{}", r.to_text());
            }
            errln!("{}", replay::summary(reports));
        }
    }
    status
}
