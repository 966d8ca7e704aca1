//! Linting each ancestor's rules once: what linting one rule finds, kept for every pack that
//! has the same rule in the same context.
//!
//! A rule's own lint (`walk::RuleLint`, the threshold and currency checks) reads the rule's
//! code, file and id (the same for every pack whose chain has the same prefix up to the rule's
//! layer: the layer's digest, `layer_cache`), the settings a pack applies to it that the lint
//! reads (a policy or none, `policy: none`, the outcome override), the names of the params and
//! data tables the pack defines and the params it treats as thresholds without a source. All of
//! these are in the key, so a pack that changes any of them lints the rule again. What depends
//! on the pack's sources and data (unverified sources, placeholder tables, the pack's own
//! sources, unused params) is checked per pack, outside this cache.

use std::collections::{BTreeSet, HashMap};
use std::rc::Rc;

use crate::decision::finding::Outcome;
use crate::diagnostics::diagnostic::Diagnostic;

/// The lint of the rules seen so far, and the function names the engine defines.
#[derive(Default)]
pub struct LintCache {
    pub(crate) known: Option<Rc<BTreeSet<String>>>,
    rules: HashMap<RuleKey, Rc<LintedRule>>,
    linted: usize,
}

/// What a rule's lint depends on.
#[derive(Clone, PartialEq, Eq, Hash)]
pub(crate) struct RuleKey {
    /// The digest of the rule's layer and the layers before it.
    pub(crate) layer: [u8; 32],
    pub(crate) rule: String,
    pub(crate) cites_a_policy: bool,
    pub(crate) cites_nothing: bool,
    pub(crate) outcome_override: Option<Outcome>,
    /// The pack's params, data tables and sourceless thresholds, by name.
    pub(crate) context: Rc<str>,
}

/// What linting one rule found.
pub(crate) struct LintedRule {
    /// The rule's own problems, in the order found.
    pub(crate) problems: Vec<Diagnostic>,
    /// Thresholds it decides on without a source (L020): reported when it can decide.
    pub(crate) thresholds: Vec<Diagnostic>,
    /// Amounts compared without the currency.
    pub(crate) currency: Vec<Diagnostic>,
    pub(crate) params_read: BTreeSet<String>,
    pub(crate) data_read: BTreeSet<String>,
    pub(crate) tables_read: BTreeSet<String>,
    pub(crate) decides: bool,
}

impl LintCache {
    /// An empty cache.
    pub fn new() -> LintCache {
        LintCache::default()
    }

    /// How many rules this cache has linted (a rule served from it again is not counted).
    pub fn rules_linted(&self) -> usize {
        self.linted
    }

    /// The lint of the rule `key` names, linting it with `lint` if it was not linted before.
    pub(crate) fn rule(
        &mut self,
        key: RuleKey,
        lint: impl FnOnce() -> LintedRule,
    ) -> Rc<LintedRule> {
        if let Some(linted) = self.rules.get(&key) {
            return linted.clone();
        }
        let linted = Rc::new(lint());
        self.linted += 1;
        self.rules.insert(key, linted.clone());
        linted
    }
}
