//! `tcscreen check`: load and compile packs, reporting every problem with its place.

use crate::console::outln;
use tcscreen_core::{CompiledPack, LayerCache, LintCache, Severity, lint};

use crate::diagnostics;
use crate::exit_codes::ExitStatus;
use crate::global_args::GlobalArgs;
use crate::rules_folder::catalog_and_chosen;
use tcscreen_service::escape::controls as esc;
use tcscreen_service::packs::resolution_date;

/// Arguments of `check`.
#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// Packs to check: ids (every version), ID@VERSION, or folders. Default: all.
    #[arg(value_name = "PACK")]
    pub packs: Vec<String>,

    /// Fail (exit 1) on warnings too, not only on errors.
    #[arg(long)]
    pub deny_warnings: bool,
}

/// Run `check`.
pub fn check(cli: &GlobalArgs, args: &CheckArgs) -> ExitStatus {
    let Some((catalog, chosen, mut status)) = catalog_and_chosen(cli, &args.packs) else {
        return ExitStatus::Error;
    };
    let limits = tcscreen_service::memory::engine_limits();
    let (mut failed, mut warned) = (0, 0);
    // Each ancestor is compiled and linted once for all the packs that extend it.
    let (mut layers, mut lints) = (LayerCache::new(), LintCache::new());
    for &index in &chosen {
        let entry = catalog.entry(index);
        let label = format!(
            "{} {}",
            esc(&entry.manifest.id),
            esc(&entry.manifest.version)
        );
        let display = esc(&entry.display);
        let result = catalog
            .source(index, resolution_date(&catalog, index))
            .and_then(|source| {
                CompiledPack::compile_cached(&source, &limits, &mut layers)
                    .map(|pack| (source, pack))
            });
        match result {
            Ok((source, pack)) => {
                let lints = lint::lint_cached(&pack, &source, &mut lints);
                let errors = lints
                    .iter()
                    .filter(|d| d.severity == Severity::Error)
                    .count();
                let warnings = lints.len() - errors;
                let disabled = pack.disabled().len();
                let disabled = if disabled > 0 {
                    format!(", {disabled} disabled")
                } else {
                    String::new()
                };
                let verdict = match (errors, warnings) {
                    (0, 0) => "ok  ",
                    (0, _) => "WARN",
                    _ => "FAIL",
                };
                let counts = match (errors, warnings) {
                    (0, 0) => String::new(),
                    (e, w) => format!(", {e} error{}, {w} warning{}", plural(e), plural(w)),
                };
                // Unverified sources are allowed where the rules citing them only note (L008
                // warns otherwise); say how many there are, so none goes unnoticed.
                let unverified: std::collections::BTreeSet<&str> = pack
                    .rules()
                    .iter()
                    .flat_map(|r| r.citations.iter())
                    .filter(|c| !c.verified)
                    .map(|c| c.id.as_str())
                    .collect();
                let unverified = match unverified.len() {
                    0 => String::new(),
                    n => format!(
                        ", {n} unverified source{} cited ({})",
                        plural(n),
                        unverified.into_iter().collect::<Vec<_>>().join(", ")
                    ),
                };
                outln!(
                    "{verdict}  {label:<24} {} rules{disabled}{counts}{unverified}  ({})",
                    pack.rules().len(),
                    display
                );
                diagnostics::emit_all(&lints);
                if errors > 0 {
                    failed += 1;
                    status.raise(ExitStatus::Failure);
                } else if warnings > 0 {
                    warned += 1;
                    if args.deny_warnings {
                        status.raise(ExitStatus::Failure);
                    }
                }
            }
            Err(errors) => {
                failed += 1;
                outln!(
                    "FAIL  {label:<24} does not load: {} problem{}  ({})",
                    errors.len(),
                    plural(errors.len()),
                    display
                );
                diagnostics::emit_all(&errors);
                status.raise(ExitStatus::Error);
            }
        }
    }
    if chosen.len() > 1 {
        diagnostics::say(&format!(
            "{} packs checked: {failed} with errors, {warned} with warnings only",
            chosen.len()
        ));
    }
    status
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}
