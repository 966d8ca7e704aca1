//! The packs a screener serves: the catalog under a rules folder and, under `--trust`, the keys
//! whose signatures they must carry. Built once, then shared read-only (`Arc`) by every
//! screening thread; a reload builds a new [`Packs`], checks it, and swaps it in whole.

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

use std::sync::Arc;

use tcscreen_core::{
    CompiledPack, Date, Diagnostic, LayerCache, LintCache, PackSource, Severity, lint,
    on_eval_stack,
};
use tcscreen_packs::Catalog;
pub use tcscreen_packs::PackChoice;
use tcscreen_packs::signature::TrustedKeys;

/// The catalog of packs under a rules folder, and the trusted keys if signatures are required.
#[derive(Debug)]
pub struct Packs {
    /// Tells these packs from any other in this process (compiled packs are kept per `Packs`).
    id: u64,
    catalog: Catalog,
    trust: Option<TrustedKeys>,
}

static NEXT_ID: AtomicU64 = AtomicU64::new(1);

impl Packs {
    /// Discover the packs under `rules` (only manifests are read now; each pack's files are
    /// read once, the first time it is used).
    pub fn discover(rules: &Path) -> Result<Packs, Diagnostic> {
        let display = rules.to_string_lossy().trim_end_matches('/').to_string();
        Ok(Packs::from_catalog(Catalog::discover(rules, &display)?))
    }

    /// Packs over an existing catalog, trusting any signature or none.
    pub fn from_catalog(catalog: Catalog) -> Packs {
        Packs {
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
            catalog,
            trust: None,
        }
    }

    /// A number no other `Packs` of this process has.
    pub fn id(&self) -> u64 {
        self.id
    }

    /// Refuse every pack not signed by a key in `dir` (its `*.pub` files): `--trust DIR`.
    pub fn trust_keys_in(&mut self, dir: &Path) -> Result<(), Diagnostic> {
        self.trust = Some(TrustedKeys::load(dir)?);
        Ok(())
    }

    /// The catalog: every pack found, and the problems of those that could not be read.
    pub fn catalog(&self) -> &Catalog {
        &self.catalog
    }

    /// The keys signatures are checked against, under `--trust`.
    pub fn trust(&self) -> Option<&TrustedKeys> {
        self.trust.as_ref()
    }

    /// The choice `--pack` makes (`None`: automatic). A folder is added to the catalog, which
    /// is why this needs the packs before they are shared.
    pub fn choose(&mut self, pack: Option<&str>) -> Result<PackChoice, Vec<Diagnostic>> {
        self.catalog.choice(pack)
    }

    /// Load, compile and lint every pack, as `tcscreen check` does, and under `--trust` check
    /// its signature; refuse the lot if the catalog or any pack has an error: what a reload
    /// runs before it swaps packs in. Returns
    /// the warnings. Runs the compiler on a thread of its own, with the stack rules need.
    pub fn check_all(&self) -> Result<Vec<Diagnostic>, Vec<Diagnostic>> {
        on_eval_stack(|| {
            let limits = crate::memory::engine_limits();
            let mut errors: Vec<Diagnostic> = self.catalog.problems().to_vec();
            let mut warnings = Vec::new();
            let mut reported = BTreeSet::new();
            // Each ancestor is compiled and linted once for all the packs that extend it.
            let (mut layers, mut lints) = (LayerCache::new(), LintCache::new());
            for index in 0..self.catalog.entries().len() {
                // Under --trust a pack that would be refused at screening time is an error
                // now, so a reload never puts unsigned packs in force; the signature is
                // checked before the pack is compiled, so an unsigned pack costs no compiling.
                let signed = |source: &Arc<PackSource>| match &self.trust {
                    None => Ok(()),
                    Some(trust) => {
                        let entry = self.catalog.entry(index);
                        self.catalog.files(index).and_then(|files| {
                            trust
                                .verify(entry, &files, &source.identity)
                                .map(|_signer| ())
                                .map_err(|d| vec![d])
                        })
                    }
                };
                let found = self
                    .catalog
                    .source(index, resolution_date(&self.catalog, index))
                    .and_then(|source| signed(&source).map(|()| source))
                    .and_then(|source| {
                        CompiledPack::compile_cached(&source, &limits, &mut layers)
                            .map(|pack| (source, pack))
                    })
                    .map_or_else(
                        |problems| problems,
                        |(source, pack)| lint::lint_cached(&pack, &source, &mut lints),
                    );
                for d in found {
                    // An ancestor's problem is found again with every pack that extends it.
                    if !reported.insert(d.to_string()) {
                        continue;
                    }
                    match d.severity {
                        Severity::Error => errors.push(d),
                        Severity::Warning => warnings.push(d),
                    }
                }
            }
            if errors.is_empty() {
                Ok(warnings)
            } else {
                Err(errors)
            }
        })
    }
}

/// The as-of date used to resolve a pack's parents when no request is at hand: the start of
/// its validity, else its end.
pub fn resolution_date(catalog: &Catalog, index: usize) -> Option<Date> {
    let m = &catalog.entry(index).manifest;
    m.valid_from.or(m.valid_to)
}
