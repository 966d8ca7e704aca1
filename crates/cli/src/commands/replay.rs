//! `tcscreen replay`: re-screen recorded decisions and say whether each gives the same bytes,
//! and if not, exactly why.

use crate::console::{errln, outln};
use std::path::PathBuf;

use clap::ValueEnum;
use tcscreen_core::replay::FindingChange;
use tcscreen_core::{Finding, Json, canonical};

use crate::Cli;
use crate::commands::catalog;
use crate::exit::ExitStatus;
use tcscreen_service::Packs;
use tcscreen_service::escape::controls as esc;
use tcscreen_service::records;
use tcscreen_service::replay::{self, Report, Verdict, report_json};

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

fn finding_line(sign: char, f: &Finding) -> String {
    format!(
        "{sign} {} {} {}: {}",
        f.outcome,
        esc(&f.rule),
        esc(f.field.as_deref().unwrap_or("-")),
        esc(&f.message)
    )
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
            let items = reports.iter().map(report_json).collect();
            outln!("{}", canonical::to_canonical_string(&Json::array(items)));
        }
        ReplayFormat::Text => {
            for r in reports {
                let signer = r
                    .signer
                    .as_ref()
                    .map_or_else(String::new, |s| format!(" · signed by {}", esc(s)));
                outln!(
                    "{:<8}  {}  {}  ({}){signer}",
                    r.verdict.as_str(),
                    esc(r.request_id.as_deref().unwrap_or("?")),
                    esc(r.pack.as_deref().unwrap_or("?")),
                    esc(&r.source)
                );
                for cause in &r.causes {
                    outln!("          {}", esc(cause));
                }
                for change in &r.changes {
                    match change {
                        FindingChange::Added(f) => outln!("          {}", finding_line('+', f)),
                        FindingChange::Removed(f) => outln!("          {}", finding_line('-', f)),
                        FindingChange::Changed { before, after } => {
                            outln!("          {}", finding_line('-', before));
                            outln!("          {}", finding_line('+', after));
                        }
                    }
                }
                for note in &r.notes {
                    outln!("          note: {}", esc(note));
                }
            }
            let count = |v: Verdict| reports.iter().filter(|r| r.verdict == v).count();
            errln!(
                "{} record{}: {} match, {} diverged, {} could not be replayed",
                reports.len(),
                if reports.len() == 1 { "" } else { "s" },
                count(Verdict::Match),
                count(Verdict::Diverged),
                count(Verdict::Error)
            );
        }
    }
    status
}

/// Replay every record named by `inputs`.
pub fn replay_all(
    cli: &Cli,
    inputs: &[String],
    trust: Option<&PathBuf>,
) -> Result<Vec<Report>, ExitStatus> {
    let Some(catalog) = catalog(cli) else {
        return Err(ExitStatus::Error);
    };
    let mut packs = Packs::from_catalog(catalog);
    if let Some(dir) = trust
        && let Err(d) = packs.trust_keys_in(dir)
    {
        crate::diagnostics::emit(&d);
        return Err(ExitStatus::Error);
    }
    Ok(replay::replay_all(&packs, records::read(inputs)))
}

/// Run `replay`.
pub fn replay(cli: &Cli, args: &ReplayArgs) -> ExitStatus {
    match replay_all(cli, &args.records, args.trust.as_ref()) {
        Ok(reports) => print(&reports, args.format),
        Err(status) => status,
    }
}
