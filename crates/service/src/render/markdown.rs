//! The decision note (`screen --format markdown`): what a coordination unit sends back to the
//! requester. The decision comes first; then what to change, grouped by who must act (the
//! requesting institution, the provider, both), must-change before should-change before
//! points for information, each with the field named in words; then the profile of the
//! request; then which pack decided, and whether that pack is illustrative. It must read well
//! to someone who has never heard of tcscreen, so it avoids the tool's vocabulary (rule ids
//! appear only as references). The list is capped; the record keeps every finding.
//!
//! Every string the note did not write (from the request, the pack or the record) passes
//! through [`escape`] or [`code`], the one place where such text is made safe to show.

use std::fmt::Write as _;

use tcscreen_core::{Actor, Criterion, Decision, DecisionRecord, Finding, Outcome};

use crate::thread_screener::PackNote;

/// At most this many points are listed; must-change points are always listed.
const MAX_POINTS: usize = 12;

/// How a criterion is named for people.
pub fn criterion_name(c: Criterion) -> &'static str {
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
            "The request can go ahead once the points marked **should change** are addressed. Please resubmit it with them."
        }
        Decision::Reject => {
            "The request cannot be accepted in its present form: the points marked **must change** conflict with the rules this screening applies. \
             A new request would need to address them, and the points marked **should change**."
        }
    }
}

/// The heading of the section for an actor.
fn actor_heading(actor: Actor) -> &'static str {
    match actor {
        Actor::Requester => "For the requesting institution",
        Actor::Provider => "For the provider",
        Actor::Both | Actor::None => "For the requesting institution and the provider together",
    }
}

fn outcome_label(outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::Reject => "Must change",
        Outcome::Revise => "Should change",
        Outcome::Note => "For information",
    }
}

/// One decision note in Markdown.
pub fn decision_note(record: &DecisionRecord, pack: &PackNote) -> String {
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
    decision(&mut out, record);

    let actor_of = |f: &Finding| pack.actors.get(&f.rule).copied().unwrap_or_default();
    let (profile, points): (Vec<&Finding>, Vec<&Finding>) = record
        .findings
        .iter()
        .partition(|f| actor_of(f) == Actor::None && f.outcome == Outcome::Note);
    let shown = shown_points(&points);
    let hidden: Vec<&&Finding> = points
        .iter()
        .zip(&shown)
        .filter(|(_, shown)| !**shown)
        .map(|(f, _)| f)
        .collect();

    if !points.is_empty() {
        let heading = if points.iter().any(|f| f.outcome != Outcome::Note) {
            "## What to change"
        } else {
            "## Points for information"
        };
        let _ = writeln!(out, "{heading}\n");
        let mut numbering = Numbering {
            next: 0,
            cited: Vec::new(),
        };
        for actor in [Actor::Requester, Actor::Provider, Actor::Both] {
            let mine: Vec<&Finding> = points
                .iter()
                .zip(&shown)
                .filter(|(f, shown)| **shown && group_of(actor_of(f)) == actor)
                .map(|(f, _)| *f)
                .collect();
            if !mine.is_empty() {
                actor_section(&mut out, actor, &mine, &mut numbering);
            }
        }
        if !hidden.is_empty() {
            let changes = hidden.iter().filter(|f| f.outcome != Outcome::Note).count();
            let notes = hidden.len() - changes;
            let mut parts = Vec::new();
            if changes > 0 {
                parts.push(plural(changes, "change", "changes"));
            }
            if notes > 0 {
                parts.push(plural(
                    notes,
                    "point for information",
                    "points for information",
                ));
            }
            let _ = writeln!(
                out,
                "{} more {} ({}) {} not listed here. The coordination unit keeps all {} points in the record of this screening and can share them.\n",
                hidden.len(),
                if hidden.len() == 1 { "point" } else { "points" },
                parts.join(" and "),
                if hidden.len() == 1 { "is" } else { "are" },
                points.len()
            );
        }
    }

    if !profile.is_empty() {
        let _ = writeln!(out, "## Profile of the request\n");
        for f in &profile {
            let _ = writeln!(out, "{}\n", escape(&f.message));
            if let Some(policy) = &f.policy {
                let _ = writeln!(out, "Source: {}.\n", escape(policy));
            }
        }
    }

    provenance(&mut out, record, pack);
    out
}

/// The decision, the table of criteria, or why there is no decision.
fn decision(out: &mut String, record: &DecisionRecord) {
    match record.decision {
        Some(decision) if record.mostly_not_in_force() => {
            let _ = writeln!(
                out,
                "**Decision: {}, limited.** Only {} of {} checks could be made as of {}: the others rest on policies adopted after that date. \
                 This is not a full screening: the coordination unit will screen the request again as of a date when those policies apply.\n",
                decision.as_str(),
                record.rules_run,
                record.rules_run + record.rules_not_in_force.len(),
                record.as_of,
            );
        }
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
}

/// Which points are listed: every must-change point, then should-change points, then points
/// for information, in record order, up to [`MAX_POINTS`].
fn shown_points(points: &[&Finding]) -> Vec<bool> {
    let mut order: Vec<usize> = (0..points.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(points[i].outcome));
    let mut shown = vec![false; points.len()];
    for (rank, i) in order.into_iter().enumerate() {
        shown[i] = rank < MAX_POINTS || points[i].outcome == Outcome::Reject;
    }
    shown
}

/// The section a point is listed under: a point addressed to nobody in particular that asks
/// for a change goes to both.
fn group_of(actor: Actor) -> Actor {
    match actor {
        Actor::None => Actor::Both,
        a => a,
    }
}

/// Points are numbered through the note, and a citation already given is referred to by the
/// point that gave it.
struct Numbering {
    next: usize,
    cited: Vec<(String, usize)>,
}

fn actor_section(out: &mut String, actor: Actor, points: &[&Finding], numbering: &mut Numbering) {
    let _ = writeln!(out, "### {}\n", actor_heading(actor));
    for outcome in [Outcome::Reject, Outcome::Revise, Outcome::Note] {
        let items: Vec<&&Finding> = points.iter().filter(|f| f.outcome == outcome).collect();
        if items.is_empty() {
            continue;
        }
        let _ = writeln!(out, "**{}**\n", outcome_label(outcome));
        for f in items {
            numbering.next += 1;
            let number = numbering.next;
            let _ = writeln!(out, "{number}. {}", escape(&f.message));
            details(out, f, number, numbering);
        }
        out.push('\n');
    }
}

fn details(out: &mut String, f: &Finding, number: usize, numbering: &mut Numbering) {
    let mut about = vec![criterion_name(f.criterion).to_string()];
    if let Some(field) = &f.field {
        about.push(field_in_words(field));
    }
    let _ = writeln!(out, "   - About: {}", escape(&about.join("; ")));
    if let Some(policy) = &f.policy {
        match numbering.cited.iter().find(|(p, _)| p == policy) {
            Some((_, first)) => {
                let _ = writeln!(out, "   - Policy: as for point {first}");
            }
            None => {
                let _ = writeln!(out, "   - Policy: {}", escape(policy));
                numbering.cited.push((policy.clone(), number));
            }
        }
    }
    let _ = writeln!(out, "   - Reference: `{}`", f.rule);
}

/// Which pack decided, whether it is illustrative, and the digests to check the record with.
fn provenance(out: &mut String, record: &DecisionRecord, pack: &PackNote) {
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
        "Screened as of {} against the rule pack **{}** ({} version {}){ancestors}.",
        record.as_of,
        escape(&pack.name),
        code(&record.pack.id),
        escape(&record.pack.version),
    );
    for p in &record.in_force_during_tc {
        let _ = writeln!(
            out,
            "The policy that comes into force during the TC was applied too: {} version {}, in force from {}; its points say so.",
            code(&p.pack.id),
            escape(&p.pack.version),
            tcscreen_core::period::in_words(p.from),
        );
    }
    if pack.illustrative {
        let _ = writeln!(
            out,
            "This rule pack is **illustrative**: it shows how a country's policy could be applied to technical co-operation requests. \
             It is not the government's official policy, and its points are not an official position."
        );
    }
    let _ = writeln!(
        out,
        "The record of this screening can be checked against request digest `{}` and pack digest `{}` (tcscreen {}).",
        short(&record.request_sha256),
        short(&record.pack.sha256),
        tcscreen_core::ENGINE_VERSION,
    );
}

fn plural(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
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

/// A field path in words: `counterparts[0].salary_supplement` is "counterpart 1: salary
/// supplement", `origin.tor.partner_approved` "terms of reference: approved by the partner".
pub fn field_in_words(path: &str) -> String {
    let mut words: Vec<String> = Vec::new();
    let segments: Vec<&str> = path.split('.').collect();
    let mut in_extensions = false;
    for (depth, segment) in segments.iter().enumerate() {
        let (name, index) = match segment.split_once('[') {
            Some((name, rest)) => (
                name,
                rest.trim_end_matches(']')
                    .split("][")
                    .next()
                    .and_then(|i| i.parse::<usize>().ok()),
            ),
            None => (*segment, None),
        };
        if in_extensions {
            let mut word = name.replace('_', " ");
            if let Some(i) = index {
                word = format!("{word} {}", i + 1);
            }
            words.push(word);
            continue;
        }
        let last = depth + 1 == segments.len();
        let label = FIELD_WORDS.iter().find(|(n, ..)| *n == name);
        let word = match (label, index) {
            (Some((_, one, _, _)), Some(i)) => format!("{one} {}", i + 1),
            (Some((_, _, many, _)), None) => (*many).to_string(),
            (None, Some(i)) => format!("{} {}", name.replace('_', " "), i + 1),
            (None, None) => name.replace('_', " "),
        };
        if name == "extensions" {
            in_extensions = true;
        }
        // Sections whose name adds nothing once a field inside them is named.
        let silent = label.is_some_and(|(.., section)| *section) && !last;
        if !silent && !word.is_empty() {
            words.push(word);
        }
    }
    if words.is_empty() {
        path.replace(['.', '_'], " ")
    } else {
        words.join(": ")
    }
}

/// Field names in words: (name, one item, the field or the whole list, a section whose name
/// is left out when a field inside it is named).
const FIELD_WORDS: &[(&str, &str, &str, bool)] = &[
    ("requester", "requester", "requester", false),
    ("provider", "provider", "provider", false),
    ("kind", "kind", "kind of body", false),
    ("endorsements", "endorsement", "endorsements", false),
    ("modality", "modality", "modality", true),
    ("types", "type", "types of technical co-operation", false),
    ("iati_aid_type", "aid type", "aid type (IATI)", false),
    ("free_standing", "free-standing", "free-standing", false),
    ("origin", "origin", "origin of the request", true),
    (
        "initiated_by",
        "who initiated it",
        "who initiated the request",
        false,
    ),
    ("request_letter", "request letter", "request letter", false),
    (
        "provider_approval_date",
        "provider's approval",
        "date of the provider's approval",
        false,
    ),
    (
        "provider_approval_ref",
        "provider's approval",
        "reference of the provider's approval",
        false,
    ),
    (
        "needs_assessment",
        "needs assessment",
        "needs assessment",
        false,
    ),
    ("led_by", "led by", "who led it", false),
    ("tor", "terms of reference", "terms of reference", false),
    ("drafted_by", "drafted by", "who drafted them", false),
    (
        "partner_approved",
        "partner's approval",
        "approved by the partner",
        false,
    ),
    (
        "approval_date",
        "approval date",
        "date of the partner's approval",
        false,
    ),
    (
        "approval_ref",
        "approval reference",
        "record of the partner's approval",
        false,
    ),
    ("recruitment", "recruitment", "recruitment", false),
    (
        "partner_on_panel",
        "partner on the panel",
        "partner on the selection panel",
        false,
    ),
    (
        "national_market_tested",
        "national market tested",
        "national market tested",
        false,
    ),
    (
        "international_justification",
        "justification",
        "justification for recruiting abroad",
        false,
    ),
    (
        "linked_conditions",
        "conditions",
        "link to policy conditions",
        false,
    ),
    ("alignment", "alignment", "alignment", true),
    ("plans", "plan", "plans the request serves", false),
    ("level", "level", "level", false),
    ("plan", "plan", "plan", false),
    ("objective", "objective", "objective", false),
    (
        "capacity_plans",
        "capacity-development plan",
        "capacity-development plans",
        false,
    ),
    ("priority", "priority", "priority", false),
    ("sector_forum", "sector forum", "sector forum", false),
    ("endorsed", "endorsed", "endorsement", false),
    ("on_budget", "on budget", "recorded in the budget", false),
    (
        "programme_based",
        "programme-based",
        "programme-based delivery",
        false,
    ),
    ("sectors", "sector", "sectors", false),
    ("code", "code", "code", false),
    ("share", "share", "share", false),
    ("management", "management", "management", true),
    (
        "arrangement",
        "arrangement",
        "management arrangement",
        false,
    ),
    (
        "accountable_to",
        "accountable to",
        "to whom the TC is accountable",
        false,
    ),
    (
        "steering",
        "steering committee",
        "steering committee",
        false,
    ),
    ("chaired_by", "chair", "chair", false),
    (
        "meets_every_months",
        "meetings",
        "how often it meets",
        false,
    ),
    ("pooled", "pooled", "pooled funding", false),
    ("procurement", "procurement", "procurement", false),
    ("personnel", "position", "personnel", false),
    ("id", "id", "id", false),
    ("title", "title", "title", false),
    ("function", "function", "function", false),
    ("reports_to", "reports to", "reporting line", false),
    ("months", "months", "months", false),
    ("cost", "cost", "cost", false),
    ("counterparts", "counterpart", "counterparts", false),
    ("position", "position", "position", false),
    (
        "on_establishment",
        "on the establishment",
        "on the civil-service establishment",
        false,
    ),
    ("assigned", "assigned", "assigned", false),
    (
        "assigned_from",
        "assigned from",
        "date of assignment",
        false,
    ),
    (
        "salary_supplement",
        "salary supplement",
        "salary supplement",
        false,
    ),
    ("finance", "budget", "budget", false),
    ("currency", "currency", "currency", false),
    ("total", "total", "total", false),
    ("training", "training", "training line", false),
    ("travel", "travel", "travel line", false),
    ("equipment", "equipment", "equipment line", false),
    ("management_fee", "management fee", "management fee", false),
    ("allowances", "allowances", "allowances", false),
    ("other", "other", "other costs", false),
    ("tied", "tied status", "tied status", false),
    ("in_kind", "in kind", "provided in kind", false),
    (
        "recurrent_after_exit",
        "running costs after the TC",
        "running costs after the TC",
        false,
    ),
    ("annual", "yearly amount", "yearly amount", false),
    ("financed_by", "paid by", "who pays them", false),
    ("schedule", "schedule", "schedule", true),
    ("start", "start", "start date", false),
    ("end", "end", "end date", false),
    ("extension", "extension", "extension", false),
    (
        "previous_phases",
        "previous phase",
        "previous phases",
        false,
    ),
    ("evaluation", "evaluation", "evaluation", false),
    (
        "months_same_function",
        "months",
        "months of TC in the same function",
        false,
    ),
    ("capacity", "capacity", "capacity results", true),
    ("assessment", "assessment", "capacity assessment", false),
    ("indicators", "indicator", "capacity indicators", false),
    ("description", "description", "description", false),
    ("baseline", "baseline", "baseline", false),
    ("targets", "target", "targets", false),
    ("value", "value", "value", false),
    ("date", "date", "date", false),
    ("ref", "reference", "reference", false),
    ("exit", "exit plan", "exit plan", false),
    ("end_point", "end point", "end point", false),
    ("criteria", "exit criterion", "exit criteria", false),
    ("handover", "handover", "handover milestones", false),
    ("to", "counterpart", "counterpart taking over", false),
    (
        "post_exit_support",
        "support after exit",
        "support after exit",
        false,
    ),
    ("reviews", "review", "reviews", false),
    ("due", "due", "due date", false),
    ("joint", "joint", "joint", false),
    (
        "covers_sustainability",
        "sustainability",
        "covers sustainability",
        false,
    ),
    ("context", "context", "context", false),
    ("documents", "document", "documents", false),
    (
        "extensions",
        "additional information",
        "additional information",
        false,
    ),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_named_in_words() {
        for (path, words) in [
            (
                "counterparts[0].salary_supplement",
                "counterpart 1: salary supplement",
            ),
            (
                "origin.tor.partner_approved",
                "terms of reference: approved by the partner",
            ),
            (
                "origin.tor.drafted_by",
                "terms of reference: who drafted them",
            ),
            ("alignment.plans[1].objective", "plan 2: objective"),
            ("alignment.plans", "plans the request serves"),
            ("management.arrangement", "management arrangement"),
            ("finance.total", "budget: total"),
            (
                "finance.recurrent_after_exit.financed_by",
                "budget: running costs after the TC: who pays them",
            ),
            ("schedule.end", "end date"),
            ("personnel[2].reports_to", "position 3: reporting line"),
            ("exit.handover[0].date", "exit plan: handover 1: date"),
            (
                "extensions.nta.positions",
                "additional information: nta: positions",
            ),
            ("documents", "documents"),
        ] {
            assert_eq!(field_in_words(path), words, "{path}");
        }
    }

    #[test]
    fn at_most_twelve_points_are_listed_but_never_a_must_change_one() {
        let finding = |outcome| Finding {
            rule: "p/R".into(),
            criterion: Criterion::Exit,
            outcome,
            message: "m".into(),
            field: None,
            policy: None,
            overridden_from: None,
        };
        let notes: Vec<Finding> = (0..10).map(|_| finding(Outcome::Note)).collect();
        let changes: Vec<Finding> = (0..5).map(|_| finding(Outcome::Revise)).collect();
        let all: Vec<&Finding> = notes.iter().chain(&changes).collect();
        let shown = shown_points(&all);
        assert_eq!(shown.iter().filter(|s| **s).count(), 12);
        assert!(
            shown[10..].iter().all(|s| *s),
            "every change is listed before notes"
        );
        let rejects: Vec<Finding> = (0..14).map(|_| finding(Outcome::Reject)).collect();
        let all: Vec<&Finding> = rejects.iter().collect();
        assert!(shown_points(&all).iter().all(|s| *s));
    }
}
