//! `tcscreen check`: load and compile packs, reporting every problem with its place.

use crate::console::outln;
use std::collections::BTreeSet;
use std::path::PathBuf;
use tcscreen_core::CompiledPack;
use tcscreen_packs::signature::TrustedKeys;

use crate::diagnostics;
use crate::exit_codes::ExitStatus;
use crate::global_args::GlobalArgs;
use crate::rules_folder::catalog_and_chosen;
use tcscreen_service::escape::controls as esc;
use tcscreen_service::pack_check::PackChecker;
use tcscreen_service::plural;

/// Arguments of `check`.
#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// Packs to check: ids (every version), ID@VERSION, or folders. Default: all.
    #[arg(value_name = "PACK")]
    pub packs: Vec<String>,

    /// Fail (exit 1) on warnings too, not only on errors.
    #[arg(long)]
    pub deny_warnings: bool,

    /// Name in each summary the unverified sources cited by every rule that runs, the
    /// parents' included (by default: those the pack's own rules cite).
    #[arg(long)]
    pub inherited: bool,

    /// Check each pack's signature too, as `screen --trust DIR` would before running it: a pack
    /// not signed by a key in DIR (its `*.pub` files) does not load.
    #[arg(long, value_name = "DIR")]
    pub trust: Option<PathBuf>,
}

/// Run `check`.
pub fn check(cli: &GlobalArgs, args: &CheckArgs) -> ExitStatus {
    let Some((catalog, chosen, mut status)) = catalog_and_chosen(cli, &args.packs) else {
        return ExitStatus::Error;
    };
    let trust = match args.trust.as_deref().map(TrustedKeys::load).transpose() {
        Ok(trust) => trust,
        Err(d) => {
            diagnostics::emit(&d);
            return ExitStatus::Error;
        }
    };
    let (mut failed, mut warned) = (0, 0);
    // Each ancestor is compiled and linted once for all the packs that extend it.
    let mut checker = PackChecker::new(&catalog, trust.as_ref());
    for &index in &chosen {
        let entry = catalog.entry(index);
        let label = format!(
            "{} {}",
            esc(&entry.manifest.id),
            esc(&entry.manifest.version)
        );
        let display = esc(&entry.display);
        match checker.check(index) {
            Ok(checked) => {
                let (errors, warnings) = checked.counts();
                let (pack, resolved) = (&checked.pack, &checked.resolved);
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
                    (e, w) => format!(
                        ", {e} {}, {w} {}",
                        plural(e, "error", "errors"),
                        plural(w, "warning", "warnings")
                    ),
                };
                let unverified = unverified_sources(pack, resolved, args.inherited);
                outln!(
                    "{verdict}  {label:<24} {} rules{disabled}{counts}{unverified}  ({})",
                    pack.rules().len(),
                    display
                );
                diagnostics::emit_all(&checked.problems);
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
                    "FAIL  {label:<24} does not load: {} {}  ({})",
                    errors.len(),
                    plural(errors.len(), "problem", "problems"),
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

/// Unverified sources are allowed where the rules citing them only note (L008 warns
/// otherwise); the summary says which the pack's own rules (those it defines or adjusts) cite,
/// so none goes unnoticed, and how many more its parents' rules cite (all of them with
/// `inherited`).
fn unverified_sources(
    pack: &CompiledPack,
    resolved: &tcscreen_core::ResolvedPack,
    inherited: bool,
) -> String {
    let adjusted: BTreeSet<&str> = resolved
        .layers
        .last()
        .map(|own| own.settings.iter().map(|s| s.rule.as_str()).collect())
        .unwrap_or_default();
    let cited = |own_only: bool| -> BTreeSet<&str> {
        pack.rules()
            .iter()
            .filter(|r| {
                !own_only || r.pack == pack.identity().id || adjusted.contains(r.id.as_str())
            })
            .flat_map(|r| r.citations.iter())
            .filter(|c| !c.verified)
            .map(|c| c.id.as_str())
            .collect()
    };
    let all = cited(false);
    let shown = if inherited { all.clone() } else { cited(true) };
    let more = all.len() - shown.len();
    let listed = match shown.len() {
        0 => String::new(),
        n => format!(
            ", {n} unverified {} cited{} ({})",
            plural(n, "source", "sources"),
            if inherited { "" } else { " by its own rules" },
            shown.into_iter().collect::<Vec<_>>().join(", ")
        ),
    };
    let others = match (more, listed.is_empty()) {
        (0, _) => String::new(),
        (n, true) => format!(
            ", {n} unverified {} cited by its parents' rules (--inherited names them)",
            plural(n, "source", "sources")
        ),
        (n, false) => format!(", {n} more by its parents' rules (--inherited names them)"),
    };
    format!("{listed}{others}")
}
