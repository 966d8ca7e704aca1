//! Checking a pack, written once: resolve it at the start of its validity (its parents as they
//! were then), under `--trust` verify its signature before anything is compiled, compile it,
//! and lint it. `tcscreen check`, a reload ([`crate::Packs::check_all`]) and the pack pages
//! ([`crate::listing`]) all go through a [`PackChecker`].
//!
//! A checker keeps the layers it compiled and the rules it linted, so checking every pack of a
//! folder compiles and lints each ancestor once for all the packs that extend it. Must run on a
//! thread with the stack rules need (`tcscreen_core::on_eval_stack`).

use std::sync::Arc;

use tcscreen_core::{
    CompiledPack, Date, Diagnostic, EngineLimits, LayerCache, LintCache, ResolvedPack, Severity,
    lint,
};
use tcscreen_packs::Catalog;
use tcscreen_packs::signature::TrustedKeys;

/// A pack that loaded and compiled, with what its lint found.
pub struct CheckedPack {
    /// The pack's files and its parents', as resolved.
    pub resolved: Arc<ResolvedPack>,
    /// The compiled pack.
    pub pack: CompiledPack,
    /// What the lint found, errors and warnings, in the order found (an ancestor's problems
    /// again with every pack that extends it).
    pub problems: Vec<Diagnostic>,
}

impl CheckedPack {
    /// How many of the problems are errors, and how many warnings.
    pub fn counts(&self) -> (usize, usize) {
        let errors = self
            .problems
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .count();
        (errors, self.problems.len() - errors)
    }
}

/// A resolved pack and how compiling it went.
pub type Compiled = (Arc<ResolvedPack>, Result<CompiledPack, Vec<Diagnostic>>);

/// Compiles and lints the packs of one catalog, each ancestor once.
pub struct PackChecker<'a> {
    catalog: &'a Catalog,
    trust: Option<&'a TrustedKeys>,
    limits: EngineLimits,
    layers: LayerCache,
    lints: LintCache,
}

impl<'a> PackChecker<'a> {
    /// A checker over `catalog`; with `trust`, a pack not signed by one of its keys does not
    /// load (as it would not screen).
    pub fn new(catalog: &'a Catalog, trust: Option<&'a TrustedKeys>) -> PackChecker<'a> {
        PackChecker {
            catalog,
            trust,
            limits: crate::memory::engine_limits(),
            layers: LayerCache::new(),
            lints: LintCache::new(),
        }
    }

    /// The limits packs are compiled under (those of screening).
    pub fn limits(&self) -> &EngineLimits {
        &self.limits
    }

    /// The layers compiled so far, to compile more packs over (pack tests).
    pub fn layers(&mut self) -> &mut LayerCache {
        &mut self.layers
    }

    /// The pack at `index`, resolved at the start of its validity and compiled; under trust
    /// its signature is checked first, so an unsigned pack costs no compiling.
    pub fn compile(
        &mut self,
        index: usize,
    ) -> Result<(Arc<ResolvedPack>, CompiledPack), Vec<Diagnostic>> {
        let (resolved, pack) = self.resolve_then_compile(index)?;
        Ok((resolved, pack?))
    }

    /// [`PackChecker::compile`], telling a pack that cannot be resolved (its files, its parents,
    /// its signature: the outer `Err`) from one that does not compile (the inner one).
    pub fn resolve_then_compile(&mut self, index: usize) -> Result<Compiled, Vec<Diagnostic>> {
        let resolved = self
            .catalog
            .resolve(index, resolution_date(self.catalog, index))?;
        if let Some(trust) = self.trust {
            let entry = self.catalog.entry(index);
            let files = self.catalog.files(index)?;
            trust
                .verify(entry, &files, &resolved.identity)
                .map_err(|d| vec![d])?;
        }
        let pack = CompiledPack::compile_cached(&resolved, &self.limits, &mut self.layers);
        Ok((resolved, pack))
    }

    /// [`PackChecker::compile`], then the lint: what `tcscreen check` reports of one pack.
    /// `Err` holds why the pack does not load or compile.
    pub fn check(&mut self, index: usize) -> Result<CheckedPack, Vec<Diagnostic>> {
        let (resolved, pack) = self.compile(index)?;
        let problems = lint::lint_cached(&pack, &resolved, &mut self.lints);
        Ok(CheckedPack {
            resolved,
            pack,
            problems,
        })
    }
}

/// The as-of date used to resolve a pack's parents when no request is at hand: the start of
/// its validity, else its end.
pub fn resolution_date(catalog: &Catalog, index: usize) -> Option<Date> {
    let m = &catalog.entry(index).manifest;
    m.valid_from.or(m.valid_to)
}
