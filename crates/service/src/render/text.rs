//! Decision records in the `text` format, for people at a terminal. Every string from the
//! request or the pack is shown through [`esc`], so none can rewrite the screen.

use std::fmt::Write as _;

use tcscreen_core::{Actor, Criterion, Decision, DecisionRecord};

use crate::escape::controls as esc;
use crate::plural;

/// The line naming the pack, its ancestors, the date and the rules run, then the packs in
/// force during the TC.
fn pack_line(out: &mut String, record: &DecisionRecord) {
    let chain = if record.chain.is_empty() {
        String::new()
    } else {
        let names: Vec<String> = record
            .chain
            .iter()
            .map(|p| format!("{} {}", esc(&p.id), esc(&p.version)))
            .collect();
        format!(", extends {}", names.join(", "))
    };
    let _ = writeln!(
        out,
        "  pack {} {}{chain} · as of {} · {} rules run",
        esc(&record.pack.id),
        esc(&record.pack.version),
        record.as_of,
        record.rules_run
    );
    for p in &record.in_force_during_tc {
        let _ = writeln!(
            out,
            "  also in force during the TC: pack {} {} from {}",
            esc(&p.pack.id),
            esc(&p.pack.version),
            p.from
        );
    }
}

/// A record in the `text` format.
pub fn record_text(record: &DecisionRecord) -> String {
    let mut out = String::new();
    let title = record
        .input
        .get("title")
        .and_then(|t| t.as_str())
        .unwrap_or_default();
    let mut decision = match record.decision {
        Some(d) => d.as_str().to_uppercase(),
        None => "NO DECISION".to_string(),
    };
    if record.mostly_not_in_force() {
        // Most rules rest on texts adopted after the screening date: the decision covers only
        // the few that could run, and must not read as a plain one.
        let _ = write!(
            decision,
            " (LIMITED: only {} of {} rules could run on {})",
            record.rules_run,
            record.rules_run + record.rules_not_in_force.len(),
            record.as_of
        );
    }
    let _ = writeln!(
        out,
        "{}  {decision}  {}",
        esc(&record.request_id),
        esc(title)
    );
    pack_line(&mut out, record);
    match &record.criteria {
        Some(criteria) => {
            let parts: Vec<String> = Criterion::ALL
                .iter()
                .map(|c| {
                    format!(
                        "{} {}",
                        c,
                        criteria.get(c).copied().unwrap_or(Decision::Accept)
                    )
                })
                .collect();
            let _ = writeln!(out, "  {}", parts.join(" · "));
        }
        None => {
            let n = record.errors.len();
            let _ = writeln!(
                out,
                "  {n} {} failed, so there is no decision",
                plural(n, "rule", "rules")
            );
        }
    }
    let width = record
        .findings
        .iter()
        .map(|f| f.rule.len())
        .chain(record.errors.iter().map(|e| e.rule.len()))
        .max()
        .unwrap_or(0);
    for error in &record.errors {
        let place = match (error.line, error.column) {
            (Some(l), Some(c)) => format!("{}:{l}:{c}", esc(&error.file)),
            _ => esc(&error.file).into_owned(),
        };
        let _ = writeln!(
            out,
            "  {:<6}  {:<width$}  {}",
            "error",
            esc(&error.rule),
            esc(&error.message)
        );
        let _ = writeln!(out, "  {:<6}  {:<width$}  at {place}", "", "");
    }
    // What decides first: rejects, then revisions, then notes, each in rule order (as the
    // decision note does). The sort is stable, so a rule's findings keep their order.
    let mut findings: Vec<_> = record.findings.iter().collect();
    findings.sort_by_key(|f| std::cmp::Reverse(f.outcome));
    for finding in findings {
        let _ = writeln!(
            out,
            "  {:<6}  {:<width$}  {}",
            finding.outcome.as_str(),
            esc(&finding.rule),
            esc(&finding.message)
        );
        let mut details = Vec::new();
        if let Some(field) = &finding.field {
            details.push(format!("field {}", esc(field)));
        }
        if let Some(policy) = &finding.policy {
            details.push(esc(policy).into_owned());
        }
        match finding.actor {
            Some(Actor::Provider) => details.push("for the provider".to_string()),
            Some(Actor::CoordinationUnit) => {
                details.push("for the coordination unit, not in the requester's note".to_string());
            }
            _ => {}
        }
        if let Some(from) = finding.overridden_from {
            details.push(format!(
                "{} in the rule, {} by this pack",
                from, finding.outcome
            ));
        }
        if !details.is_empty() {
            let _ = writeln!(out, "  {:<6}  {:<width$}  {}", "", "", details.join(" · "));
        }
    }
    out
}
