//! L020: a rule asks for a change (revise or reject) on a threshold that has no source.
//!
//! A number in `[params]` is a threshold with a source only when the pack's `[param_sources]`
//! table names the source it comes from (`min_grant_usd = "np-dcp-2014-size"`). A figure no
//! text gives may make a rule record a note, never a revise or reject: the linter finds each
//! `revise(…)`/`reject(…)` call recorded in the branch taken when an `if` condition on such a
//! param holds, read directly (`params.x`) or through a variable set from it. The branch
//! taken when the condition fails is not counted, so a threshold that only makes a finding
//! milder (`if months < params.x { note(…) } else { revise(…) }`) is allowed. Rules of the
//! `data` criterion check the request's own consistency (tolerances for rounding) and are not
//! counted. A heuristic: it does not follow params passed into `lib/` functions' conditions.

use std::collections::{BTreeMap, BTreeSet};

use rhai::{ASTNode, Expr, Position, Stmt};

use crate::decision::finding::Criterion;
use crate::diagnostics::codes::Code;
use crate::diagnostics::diagnostic::Diagnostic;
use crate::engine::value::Value;
use crate::pack::compile::CompiledRule;
use crate::pack::resolved::ResolvedPack;

/// The numbers of the pack's merged `[params]` that no layer's `[param_sources]` names.
pub(crate) fn sourceless(resolved: &ResolvedPack) -> BTreeSet<String> {
    let mut numeric = BTreeMap::new();
    for layer in &resolved.layers {
        for (name, value) in &layer.params {
            numeric.insert(
                name.clone(),
                matches!(value, Value::Int(_) | Value::Decimal(_)),
            );
        }
    }
    let sourced: BTreeSet<&String> = resolved
        .layers
        .iter()
        .flat_map(|l| l.param_sources.keys())
        .collect();
    numeric
        .into_iter()
        .filter(|(name, number)| *number && !sourced.contains(name))
        .map(|(name, _)| name)
        .collect()
}

/// The params `expr` reads: `params.x` directly, or through a variable in `tainted`.
fn params_read(expr: &Expr, tainted: &BTreeMap<String, BTreeSet<String>>) -> BTreeSet<String> {
    let mut read = BTreeSet::new();
    expr.walk(&mut Vec::new(), &mut |path: &[ASTNode]| {
        match path.last() {
            Some(ASTNode::Expr(Expr::Dot(x, _, _))) => {
                if let (Expr::Variable(v, _, _), Expr::Property(p, _)) = (&x.lhs, &x.rhs)
                    && v.1 == "params"
                {
                    read.insert(p.2.to_string());
                }
            }
            Some(ASTNode::Expr(Expr::Variable(v, _, _))) => {
                if let Some(params) = tainted.get(v.1.as_str()) {
                    read.extend(params.iter().cloned());
                }
            }
            _ => {}
        }
        true
    });
    read
}

/// L020 for one rule, given the pack's sourceless thresholds.
pub(crate) fn check(rule: &CompiledRule, thresholds: &BTreeSet<String>) -> Vec<Diagnostic> {
    if thresholds.is_empty() || rule.criterion == Criterion::Data {
        return Vec::new();
    }
    // Variables set from a threshold, in source order (a later `let` sees earlier ones).
    let mut tainted: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    rule.ast.walk(&mut |path: &[ASTNode]| {
        if let Some(ASTNode::Stmt(Stmt::Var(x, _, _))) = path.last() {
            let read: BTreeSet<String> = params_read(&x.1, &tainted)
                .into_iter()
                .filter(|p| thresholds.contains(p))
                .collect();
            if !read.is_empty() {
                tainted.insert(x.0.name.to_string(), read);
            }
        }
        true
    });
    let mut found: BTreeMap<(String, Position), ()> = BTreeMap::new();
    rule.ast.walk(&mut |path: &[ASTNode]| {
        let Some(ASTNode::Expr(Expr::FnCall(call, at)) | ASTNode::Stmt(Stmt::FnCall(call, at))) =
            path.last()
        else {
            return true;
        };
        if call.name != "revise" && call.name != "reject" {
            return true;
        }
        for node in &path[..path.len() - 1] {
            let ASTNode::Stmt(Stmt::If(flow, _)) = node else {
                continue;
            };
            let body = flow.body.span();
            let in_then = body.start() <= *at && *at <= body.end();
            if !in_then {
                continue;
            }
            for param in params_read(&flow.expr, &tainted) {
                if thresholds.contains(&param) {
                    found.insert((param, *at), ());
                }
            }
        }
        true
    });
    found
        .into_keys()
        .map(|(param, at)| {
            let p = crate::json::Pos::new(
                at.line().unwrap_or(1) as u32,
                at.position().unwrap_or(1) as u32,
            );
            Diagnostic::warning(
                Code::L020,
                format!(
                    "rule `{}` asks for a change when `params.{param}` is crossed, but no source gives that figure",
                    rule.id
                ),
            )
            .at(&rule.display, p)
            .help(format!(
                "record a note there instead of revise or reject, or name the source of the figure in pack.toml: `[param_sources] {param} = \"<source id>\"`"
            ))
        })
        .collect()
}
