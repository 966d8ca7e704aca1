//! The decision note (`screen --format markdown`): what a coordination unit sends back to the
//! requester. The decision comes first, then what to change grouped by criterion, then what
//! was noted, then which pack decided. It must read well to someone who has never heard of
//! tcscreen, so it avoids the tool's vocabulary (rule ids appear only as references).

use std::fmt::Write as _;

use tcscreen_core::{Criterion, Decision, DecisionRecord, Finding, Outcome};

/// How a criterion is named for people.
fn criterion_name(c: Criterion) -> &'static str {
    match c {
        Criterion::PolicyFit => "Fit with national policy",
        Criterion::DemandLed => "Demand-led origin",
        Criterion::Exit => "Exit through capacity",
        Criterion::Data => "Completeness and consistency of the request",
    }
}

fn decision_sentence(d: Decision) -> &'static str {
    match d {
        Decision::Accept => "The request can go ahead as submitted.",
        Decision::Revise => {
            "The request can go ahead once the changes below are made. Please resubmit it with them."
        }
        Decision::Reject => {
            "The request cannot be accepted in its present form: the points marked **must change** conflict with policy. \
             A new request would need to address them, and the other changes below."
        }
    }
}

/// One decision note in Markdown. `pack_name` is the deciding pack's name for people.
pub fn decision_note(record: &DecisionRecord, pack_name: &str) -> String {
    let mut out = String::new();
    let title = record
        .input
        .get("title")
        .and_then(|t| t.as_str())
        .unwrap_or("(no title)");
    let _ = writeln!(
        out,
        "# Screening of request {}: {}\n",
        escape(&record.request_id),
        escape(title)
    );
    match record.decision {
        Some(decision) => {
            let _ = writeln!(
                out,
                "**Decision: {}.** {}\n",
                decision.as_str(),
                decision_sentence(decision)
            );
            if let Some(criteria) = &record.criteria {
                let _ = writeln!(out, "| Criterion | Result |\n|---|---|");
                for c in Criterion::ALL {
                    let result = criteria.get(&c).copied().unwrap_or(Decision::Accept);
                    let _ = writeln!(out, "| {} | {} |", criterion_name(c), result.as_str());
                }
                out.push('\n');
            }
        }
        // What failed is for the pack's authors (stderr, the record): the requester reads
        // no engine text, only that a check could not be completed.
        None => {
            let checks = match record.errors.len() {
                1 => "A check".to_string(),
                n => format!("{n} checks"),
            };
            let _ = writeln!(
                out,
                "**No decision.** {checks} could not be completed, and the coordination unit has been told. \
                 This says nothing about the request itself: the coordination unit will correct the rule pack and screen the request again.\n",
            );
        }
    }

    let to_change: Vec<&Finding> = record
        .findings
        .iter()
        .filter(|f| f.outcome != Outcome::Note)
        .collect();
    if !to_change.is_empty() {
        let _ = writeln!(out, "## What to change\n");
        for c in Criterion::ALL {
            let mut items: Vec<&&Finding> = to_change.iter().filter(|f| f.criterion == c).collect();
            if items.is_empty() {
                continue;
            }
            // What must change before what should.
            items.sort_by_key(|f| std::cmp::Reverse(f.outcome));
            let _ = writeln!(out, "### {}\n", criterion_name(c));
            for (i, f) in items.iter().enumerate() {
                let label = if f.outcome == Outcome::Reject {
                    "Must change"
                } else {
                    "To change"
                };
                let _ = writeln!(out, "{}. **{label}:** {}", i + 1, escape(&f.message));
                details(&mut out, f, "   ");
            }
            out.push('\n');
        }
    }

    let notes: Vec<&Finding> = record
        .findings
        .iter()
        .filter(|f| f.outcome == Outcome::Note)
        .collect();
    if !notes.is_empty() {
        let _ = writeln!(
            out,
            "## Also noted\n\nThese points do not affect the decision.\n"
        );
        for f in notes {
            let _ = writeln!(
                out,
                "- {} ({})",
                escape(&f.message),
                criterion_name(f.criterion).to_lowercase()
            );
            details(&mut out, f, "  ");
        }
        out.push('\n');
    }

    let _ = writeln!(out, "## How this was decided\n");
    let ancestors = if record.chain.is_empty() {
        String::new()
    } else {
        let names: Vec<String> = record
            .chain
            .iter()
            .map(|p| format!("{} version {}", code(&p.id), escape(&p.version)))
            .collect();
        format!(", which builds on {}", names.join(" and "))
    };
    let _ = writeln!(
        out,
        "Screened as of {} against the rule pack **{}** ({} version {}){ancestors}. \
         The record of this screening can be checked against request digest `{}` and pack digest `{}` \
         (tcscreen {}).",
        record.as_of,
        escape(pack_name),
        code(&record.pack.id),
        escape(&record.pack.version),
        short(&record.request_sha256),
        short(&record.pack.sha256),
        tcscreen_core::ENGINE_VERSION,
    );
    out
}

fn details(out: &mut String, f: &Finding, indent: &str) {
    if let Some(field) = &f.field {
        let _ = writeln!(out, "{indent}- Where in the request: {}", code(field));
    }
    if let Some(policy) = &f.policy {
        let _ = writeln!(out, "{indent}- Policy: {}", escape(policy));
    }
    let _ = writeln!(out, "{indent}- Reference: {}", code(&f.rule));
}

fn short(digest: &str) -> &str {
    digest.get(..12).unwrap_or(digest)
}

/// Keep text from being read as Markdown markup (emphasis, links, HTML and comments, tables,
/// code, strikethrough) and show control characters visibly. Every string that comes from the
/// request, the pack or the record goes through this or [`code`].
pub fn escape(text: &str) -> String {
    let flat = text.replace(['\n', '\r'], " ");
    let mut out = String::with_capacity(flat.len());
    for c in crate::escape::controls(&flat).chars() {
        if matches!(c, '\\' | '*' | '[' | ']' | '<' | '>' | '|' | '`' | '~') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// `text` as an inline code span whose fence no backtick inside can close, with control
/// characters shown visibly.
pub fn code(text: &str) -> String {
    let flat = text.replace(['\n', '\r'], " ");
    let text = crate::escape::controls(&flat);
    let longest = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest + 1);
    let pad = if text.starts_with('`') || text.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{text}{pad}{fence}")
}
