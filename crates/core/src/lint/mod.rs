//! Static checks of a compiled pack (`tcscreen check`), found by walking each rule's AST, not
//! by matching text. [`lint_cached`] runs them all, each rule's own checks once for every pack
//! that has the rule in the same context (`cache.rs`):
//!
//! | code | severity | finds | where |
//! |---|---|---|---|
//! | L001 | error | a read of a request field that is not in the schema (with "did you mean") | `walk.rs` |
//! | L002 | error | a read of a param or data table the pack does not define | `walk.rs` |
//! | L003 | warning | a param or data table the pack defines that no rule reads | `whole_pack.rs` |
//! | L004 | error | a call to a function that exists neither in the API nor in the pack | `walk.rs` |
//! | L005 | warning | a finding whose field path is not a path of the request schema | `walk.rs` |
//! | L006 | warning | a rule that can never record a finding | `walk.rs` |
//! | L007 | warning | a rule without a `policy` line | `walk.rs` |
//! | L008 | warning | a rule that can revise or reject but cites a source not verified against its text | `whole_pack.rs` |
//! | L009 | warning | a rule that can revise or reject but reads a placeholder data table | `whole_pack.rs` |
//! | L010 | warning | a message that names a request field by its path instead of in words | `walk.rs` |
//! | L011 | warning | a source of the pack's sources table that no rule cites | `whole_pack.rs` |
//! | L012 | warning | a rule of the pack whose sources all date from after the pack's `valid_from`, or any rule whose sources all date from after its `valid_to` | `whole_pack.rs` |
//! | L013 | warning | a message or a source that names a file, which requesters do not have | `walk.rs`, `whole_pack.rs` |
//! | L014 | warning | a revise or reject the pack lowers to a note, without an information text | `walk.rs` |
//! | L020 | warning | a revise or reject on a threshold that no source gives | `thresholds.rs` |
//! | L021 | error | a country pack with dated sources but no `valid_from` | `whole_pack.rs` |
//! | L030, L031 | error, warning | a number compared with text; an optional field used untested | `values.rs` |
//! | L032 | warning | a money threshold (a param named after a currency, `…_usd`) read by a rule that never reads a currency | `currency.rs` |

pub(crate) mod cache;
mod currency;
mod thresholds;
mod values;
mod walk;
mod whole_pack;

use std::collections::BTreeSet;
use std::rc::Rc;

use crate::diagnostics::diagnostic::Diagnostic;
use crate::lint::cache::{LintCache, LintedRule, RuleKey};
use crate::lint::walk::{Defined, RuleLint};
use crate::pack::compile::{CompiledPack, CompiledRule};
use crate::pack::resolved::ResolvedPack;
use crate::pack::rule_settings;

pub use crate::lint::walk::rule_facts;

/// Lint a compiled pack. `resolved` gives the manifest paths and `lib/` texts.
pub fn lint(pack: &CompiledPack, resolved: &ResolvedPack) -> Vec<Diagnostic> {
    lint_cached(pack, resolved, &mut LintCache::new())
}

/// [`lint`], taking from `cache` what linting the same rules in the same context found
/// before (each ancestor's rules are linted once for the packs that extend it), and adding
/// what this pack's lint finds. The problems are the same, in the same order.
pub fn lint_cached(
    pack: &CompiledPack,
    resolved: &ResolvedPack,
    cache: &mut LintCache,
) -> Vec<Diagnostic> {
    let known = cache
        .known
        .get_or_insert_with(|| Rc::new(walk::known_functions(&pack.engine)))
        .clone();
    let params: BTreeSet<String> = resolved
        .layers
        .iter()
        .flat_map(|l| l.params.keys().cloned())
        .collect();
    let data: BTreeSet<String> = resolved
        .layers
        .iter()
        .flat_map(|l| l.data.keys().cloned())
        .collect();
    let placeholders = whole_pack::placeholder_tables(resolved);
    let thresholds = thresholds::sourceless(resolved);
    let context: Rc<str> = [&params, &data, &thresholds]
        .iter()
        .map(|names| {
            names
                .iter()
                .map(String::as_str)
                .collect::<Vec<_>>()
                .join("\0")
        })
        .collect::<Vec<_>>()
        .join("\u{1}")
        .into();
    let mut out = Vec::new();
    let mut params_read = BTreeSet::new();
    let mut data_read = BTreeSet::new();
    for rule in &pack.rules {
        let key = RuleKey {
            layer: rule.layer,
            rule: rule.id.clone(),
            cites_a_policy: rule.policy.is_some(),
            cites_nothing: rule.cites_nothing,
            outcome_override: rule.outcome_override,
            context: context.clone(),
        };
        let defined = Defined {
            known: &known,
            libs: pack.lib_functions.get(&rule.pack),
            params: &params,
            data: &data,
        };
        let linted = cache.rule(key, || lint_rule(rule, defined, &thresholds));
        out.extend(linted.problems.iter().cloned());
        params_read.extend(linted.params_read.iter().cloned());
        data_read.extend(linted.data_read.iter().cloned());
        if linted.decides {
            whole_pack::deciding_on_weak_ground(rule, &linted.tables_read, &placeholders, &mut out);
            out.extend(linted.thresholds.iter().cloned());
        }
        out.extend(linted.currency.iter().cloned());
    }
    if let Some(own) = resolved.layers.last() {
        whole_pack::sources_of_the_pack(pack, own, &mut out);
        whole_pack::open_start(resolved, own, &mut out);
        whole_pack::unused_definitions(own, &params_read, &data_read, &mut out);
    }
    values::lint(pack, resolved, &mut out);
    crate::diagnostics::diagnostic::attach_excerpts(&mut out, |file| {
        crate::pack::resolved::text_in(&resolved.layers, file)
    });
    out
}

/// What linting one rule finds on its own. Its problems are all in its own file, so those of
/// other rules never hide one of its own.
fn lint_rule(
    rule: &CompiledRule,
    defined: Defined<'_>,
    thresholds: &BTreeSet<String>,
) -> LintedRule {
    let (mut params_read, mut data_read, mut problems) =
        (BTreeSet::new(), BTreeSet::new(), Vec::new());
    let mut linter = RuleLint::new(
        rule,
        defined,
        &mut params_read,
        &mut data_read,
        &mut problems,
    );
    linter.run();
    let decides = linter.decides();
    let tables_read = std::mem::take(&mut linter.tables_read);
    let threshold_problems = if decides && rule_settings::can_decide(rule.outcome_override) {
        thresholds::check(rule, thresholds)
    } else {
        Vec::new()
    };
    let mut currency = Vec::new();
    currency::thresholds_without_currency(rule, &mut currency);
    LintedRule {
        problems,
        thresholds: threshold_problems,
        currency,
        params_read,
        data_read,
        tables_read,
        decides,
    }
}
