//! `tcscreen check`: load and compile packs, reporting every problem with its place.

use tcscreen_core::CompiledPack;

use crate::Cli;
use crate::commands::{catalog_and_chosen, resolution_date};
use crate::exit::ExitStatus;

/// Arguments of `check`.
#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// Packs to check: ids (every version), ID@VERSION, or folders. Default: all.
    #[arg(value_name = "PACK")]
    pub packs: Vec<String>,
}

/// Run `check`.
pub fn check(cli: &Cli, args: &CheckArgs) -> ExitStatus {
    let Some((catalog, chosen, mut status)) = catalog_and_chosen(cli, &args.packs) else {
        return ExitStatus::Error;
    };
    let limits = crate::engine_limits();
    let mut failed = 0;
    for &index in &chosen {
        let entry = catalog.entry(index);
        let label = format!("{} {}", entry.manifest.id, entry.manifest.version);
        let result = catalog
            .source(index, resolution_date(&catalog, index))
            .and_then(|source| CompiledPack::compile(&source, &limits));
        match result {
            Ok(pack) => {
                let disabled = pack.disabled().len();
                let disabled = if disabled > 0 {
                    format!(", {disabled} disabled")
                } else {
                    String::new()
                };
                println!(
                    "ok    {label:<24} {} rules{disabled}  ({})",
                    pack.rules().len(),
                    entry.display
                );
            }
            Err(errors) => {
                failed += 1;
                println!(
                    "FAIL  {label:<24} {} problem{}  ({})",
                    errors.len(),
                    if errors.len() == 1 { "" } else { "s" },
                    entry.display
                );
                for e in errors {
                    eprintln!("{e}");
                }
                status.raise(ExitStatus::Error);
            }
        }
    }
    if chosen.len() > 1 {
        eprintln!(
            "{} pack{} checked, {failed} with problems",
            chosen.len(),
            if chosen.len() == 1 { "" } else { "s" }
        );
    }
    status
}
