//! The decision note (`screen --format markdown`): what a coordination unit sends back to the
//! requester as it is. The decision comes first; then every change asked for, grouped by who
//! must act (the requesting institution, the provider, both), must-change before
//! should-change before points for information, the findings of one rule gathered into one
//! point with its items listed (a sentence every item opens with said once, in the lead), each
//! with the field named in words; then the profile of the
//! request; then which pack decided, and whether that pack is illustrative. It must read well
//! to someone who has never heard of tcscreen, so it avoids the tool's vocabulary (rule ids
//! appear only as references). Nothing is left out but the coordination unit's own follow-up
//! (findings addressed to it), which the record and the page keep.
//!
//! Every string the note did not write (from the request, the pack or the record) passes
//! through [`escape`] or [`code`], the one place where such text is made safe to show.

use std::fmt::Write as _;

use tcscreen_core::{Actor, Criterion, Decision, DecisionRecord, Finding, Outcome};

use crate::thread_screener::PackNote;

/// How a criterion is named for people.
pub fn criterion_name(c: Criterion) -> &'static str {
    match c {
        Criterion::PolicyFit => "Fit with national policy",
        Criterion::DemandLed => "Demand-led origin",
        Criterion::Exit => "Exit through capacity",
        Criterion::Data => "Completeness and consistency of the request",
    }
}

/// What the decision means for the requester. `for_information`: the note has points (an
/// accepted request's are for information only); `should_change`: some point is marked
/// **should change** (a rejection names them only when there are some).
fn decision_sentence(d: Decision, for_information: bool, should_change: bool) -> &'static str {
    match d {
        Decision::Accept if for_information => {
            "The request can go ahead as submitted. The points below are for information only: none of them needs to change for the request to go ahead."
        }
        Decision::Accept => "The request can go ahead as submitted.",
        Decision::Revise => {
            "The request can go ahead once the points marked **should change** are addressed. Please resubmit it with them."
        }
        Decision::Reject if should_change => {
            "The request cannot be accepted in its present form: the points marked **must change** conflict with the rules this screening applies. \
             A new request would need to address them, and the points marked **should change**."
        }
        Decision::Reject => {
            "The request cannot be accepted in its present form: the points marked **must change** conflict with the rules this screening applies. \
             A new request would need to address them."
        }
    }
}

/// The heading of the section for an actor.
fn actor_heading(actor: Actor) -> &'static str {
    match actor {
        Actor::Requester => "For the requesting institution",
        Actor::Provider => "For the provider",
        Actor::Both | Actor::None | Actor::CoordinationUnit => {
            "For the requesting institution and the provider together"
        }
    }
}

fn outcome_label(outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::Reject => "Must change",
        Outcome::Revise => "Should change",
        Outcome::Note => "For information",
    }
}

/// Who must act on a finding: the record's own actor, else (a record from before records
/// named it) the rule's in the pack.
pub fn actor_of(f: &Finding, pack: &PackNote) -> Actor {
    f.actor
        .or_else(|| pack.actors.get(&f.rule).copied())
        .unwrap_or_default()
}

/// The findings addressed to the coordination unit itself: its follow-up, for the page and
/// the text output, never for the requester's note.
pub fn unit_follow_up<'a>(record: &'a DecisionRecord, pack: &PackNote) -> Vec<&'a Finding> {
    record
        .findings
        .iter()
        .filter(|f| actor_of(f, pack) == Actor::CoordinationUnit)
        .collect()
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

    let mut profile: Vec<&Finding> = Vec::new();
    let mut points: Vec<(Actor, &Finding)> = Vec::new();
    for f in &record.findings {
        match actor_of(f, pack) {
            // The unit's own follow-up stays in the record and on the page.
            Actor::CoordinationUnit => {}
            Actor::None if f.outcome == Outcome::Note => profile.push(f),
            actor => points.push((group_of(actor), f)),
        }
    }
    let should_change = points.iter().any(|(_, f)| f.outcome == Outcome::Revise);
    decision(&mut out, record, !points.is_empty(), should_change);

    if !points.is_empty() {
        let heading = if points.iter().any(|(_, f)| f.outcome != Outcome::Note) {
            "## What to change"
        } else {
            "## Points for information"
        };
        let _ = writeln!(out, "{heading}\n");
        let mut numbering = Numbering {
            next: 0,
            cited: Vec::new(),
        };
        // Whoever must make the change that decides is told first (an offer nobody asked
        // for is answered to its provider); otherwise requester, provider, both.
        let mut sections: Vec<(Actor, Vec<&Finding>)> =
            [Actor::Requester, Actor::Provider, Actor::Both]
                .into_iter()
                .map(|actor| {
                    let mine = points
                        .iter()
                        .filter(|(a, _)| *a == actor)
                        .map(|(_, f)| *f)
                        .collect();
                    (actor, mine)
                })
                .filter(|(_, mine): &(Actor, Vec<&Finding>)| !mine.is_empty())
                .collect();
        sections.sort_by_key(|(_, mine)| std::cmp::Reverse(mine.iter().map(|f| f.outcome).max()));
        for (actor, mine) in &sections {
            actor_section(&mut out, *actor, mine, pack, &mut numbering);
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
fn decision(out: &mut String, record: &DecisionRecord, has_points: bool, should_change: bool) {
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
                decision_sentence(decision, has_points, should_change)
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

/// One actor's points: by outcome, the findings of one rule gathered into one point.
fn actor_section(
    out: &mut String,
    actor: Actor,
    findings: &[&Finding],
    pack: &PackNote,
    numbering: &mut Numbering,
) {
    let _ = writeln!(out, "### {}\n", actor_heading(actor));
    for outcome in [Outcome::Reject, Outcome::Revise, Outcome::Note] {
        let items: Vec<&Finding> = findings
            .iter()
            .copied()
            .filter(|f| f.outcome == outcome)
            .collect();
        if items.is_empty() {
            continue;
        }
        let _ = writeln!(out, "**{}**\n", outcome_label(outcome));
        // Findings are in rule order, so one rule's are next to each other.
        for group in items.chunk_by(|a, b| a.rule == b.rule) {
            numbering.next += 1;
            let number = numbering.next;
            // The lines of a point are indented under its text, past "12. ", so that
            // Markdown keeps them inside the point.
            let indent = " ".repeat(number.to_string().len() + 2);
            match group {
                [f] => {
                    let _ = writeln!(out, "{number}. {}", escape(&f.message));
                }
                _ => {
                    let lead = group_lead(group, pack);
                    let messages: Vec<&str> = group.iter().map(|f| f.message.as_str()).collect();
                    match shared_opening(&messages) {
                        // A sentence every item opens with is said once, in the lead.
                        Some((opening, rests)) => {
                            let stop = if lead.ends_with(['.', '?', '!']) {
                                ""
                            } else {
                                "."
                            };
                            let opening = opening.strip_suffix('.').unwrap_or(opening);
                            let _ = writeln!(
                                out,
                                "{number}. {}{stop} {}:",
                                escape(&lead),
                                escape(opening)
                            );
                            for rest in rests {
                                let _ = writeln!(out, "{indent}- {}", escape(rest));
                            }
                        }
                        None => {
                            let _ = writeln!(out, "{number}. {}:", escape(&lead));
                            for message in messages {
                                let _ = writeln!(out, "{indent}- {}", escape(message));
                            }
                        }
                    }
                }
            }
            details(out, group, number, &indent, numbering);
        }
        out.push('\n');
    }
}

/// The sentence every message opens with (such as "From 1 January 2010, a policy that comes
/// into force during this TC applies."), and what each says after it; `None` unless every
/// message has more to say after the same whole first sentence.
fn shared_opening<'a>(messages: &[&'a str]) -> Option<(&'a str, Vec<&'a str>)> {
    let first = messages.first()?;
    let end = first.find(". ")? + 1;
    let opening = &first[..end];
    // "e.g." or "i.e." ends an abbreviation, not a sentence.
    if [".g.", ".e.", "etc."].iter().any(|a| opening.ends_with(a)) {
        return None;
    }
    let rests: Option<Vec<&str>> = messages
        .iter()
        .map(|m| {
            m.strip_prefix(opening)
                .and_then(|rest| rest.strip_prefix(' '))
                .map(str::trim_start)
                .filter(|rest| !rest.is_empty())
        })
        .collect();
    Some((opening, rests?))
}

/// The lead of a point that gathers several findings of one rule: the rule's title, without
/// the "(illustrative …)" that the note's last section says of the whole pack.
fn group_lead(group: &[&Finding], pack: &PackNote) -> String {
    let rule = &group[0].rule;
    match pack.titles.get(rule) {
        Some(title) => {
            let title = match title.rfind(" (illustrative") {
                Some(at) if title.ends_with(')') => &title[..at],
                _ => title.as_str(),
            };
            title.trim().to_string()
        }
        None => format!("{} points of the same kind", group.len()),
    }
}

fn details(
    out: &mut String,
    group: &[&Finding],
    number: usize,
    indent: &str,
    numbering: &mut Numbering,
) {
    let first = group[0];
    let mut about = vec![criterion_name(first.criterion).to_string()];
    for f in group {
        if let Some(field) = &f.field {
            let words = field_in_words(field);
            if !about.contains(&words) {
                about.push(words);
            }
        }
    }
    let _ = writeln!(out, "{indent}- About: {}", escape(&about.join("; ")));
    if let Some(policy) = &first.policy {
        match numbering.cited.iter().find(|(p, _)| p == policy) {
            Some((_, first)) => {
                let _ = writeln!(out, "{indent}- Policy: as for point {first}");
            }
            None => {
                let _ = writeln!(out, "{indent}- Policy: {}", escape(policy));
                numbering.cited.push((policy.clone(), number));
            }
        }
    }
    let _ = writeln!(out, "{indent}- Reference: `{}`", first.rule);
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
    if pack.fallback {
        let country = escape(&record.country);
        let _ = writeln!(
            out,
            "No rule pack of {country} is in force here: this request was screened against the pack above, \
             which the coordination unit chose for countries without one, and not against {country}'s own policy."
        );
    }
    for p in &record.in_force_during_tc {
        let _ = writeln!(
            out,
            "The policy that comes into force during the TC was applied too: {} version {}, in force from {}; its points say so.",
            code(&p.pack.id),
            escape(&p.pack.version),
            tcscreen_core::screening::period::in_words(p.from),
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

    /// The note over a record of `findings` (rule, outcome, actor, message).
    fn note_of(findings: &[(&str, Outcome, Option<Actor>, &str)], pack: &PackNote) -> String {
        let request = tcscreen_core::ValidRequest::from_text(
            r#"{"id": "R", "country": "ZZ", "title": "T", "received": "2025-03-04"}"#,
            &tcscreen_core::RequestLimits::default(),
        )
        .unwrap();
        let json = format!(
            r#"{{"as_of":"2025-03-04","criteria":{{"data":"accept","demand_led":"accept","exit":"accept","policy_fit":"accept"}},"decision":"accept","engine":{{"name":"tcscreen","version":"0.1.0"}},"errors":[],"findings":[],"input":{},"pack":{{"chain":[],"id":"p","sha256":"ab","version":"1"}},"request":{{"country":"ZZ","id":"R","sha256":"{}"}},"rules_run":1,"schema":"tcscreen/decision/v1"}}"#,
            request.canonical(),
            request.sha256()
        );
        let mut record = DecisionRecord::from_json(
            &tcscreen_core::json::parse(&json, Default::default()).unwrap(),
        )
        .unwrap();
        record.findings = findings
            .iter()
            .map(|(rule, outcome, actor, message)| Finding {
                rule: (*rule).into(),
                criterion: Criterion::Exit,
                outcome: *outcome,
                message: (*message).into(),
                field: None,
                policy: None,
                overridden_from: None,
                actor: *actor,
            })
            .collect();
        record.decision =
            tcscreen_core::decision::aggregation::of(&record.findings, &record.errors);
        decision_note(&record, pack)
    }

    fn pack() -> PackNote {
        PackNote {
            name: "P".into(),
            illustrative: false,
            actors: [("p/OLD".to_string(), Actor::Provider)].into(),
            titles: [(
                "p/A".to_string(),
                "Advisers answer to the partner (illustrative)".to_string(),
            )]
            .into(),
            fallback: false,
        }
    }

    #[test]
    fn one_rules_findings_are_one_point_and_every_point_is_listed() {
        let mut findings = vec![
            (
                "p/A",
                Outcome::Revise,
                Some(Actor::Both),
                "P1 reports to the provider.",
            ),
            (
                "p/A",
                Outcome::Revise,
                Some(Actor::Both),
                "P2 reports to the provider.",
            ),
        ];
        let many: Vec<String> = (0..20).map(|i| format!("Change {i}.")).collect();
        for m in &many {
            findings.push(("p/B", Outcome::Revise, Some(Actor::Requester), m.as_str()));
        }
        findings.push(("p/C", Outcome::Note, Some(Actor::Requester), "Noted."));
        let note = note_of(&findings, &pack());
        assert!(
            note.contains("3. Advisers answer to the partner:\n   - P1 reports to the provider.\n   - P2 reports to the provider.\n"),
            "{note}"
        );
        for m in &many {
            assert!(note.contains(m.as_str()), "{m} is listed: {note}");
        }
        assert!(!note.contains("not listed"), "{note}");
        assert_eq!(note.matches("- Reference: `p/B`").count(), 1, "{note}");
    }

    #[test]
    fn the_units_follow_up_is_left_out_and_older_records_take_the_packs_actors() {
        let note = note_of(
            &[
                (
                    "p/U",
                    Outcome::Note,
                    Some(Actor::CoordinationUnit),
                    "Check the list.",
                ),
                ("p/OLD", Outcome::Note, None, "An older finding."),
            ],
            &pack(),
        );
        assert!(!note.contains("Check the list."), "{note}");
        assert!(note.contains("### For the provider"), "{note}");
        assert!(note.contains("An older finding."), "{note}");
        assert!(
            note.contains("none of them needs to change for the request to go ahead"),
            "{note}"
        );
    }

    /// A sentence every finding of a point opens with is said once, in the point's lead; items
    /// that open differently are listed whole.
    #[test]
    fn a_sentence_every_item_opens_with_is_said_once() {
        let opening = "From 1 January 2010, a policy that comes into force during this TC applies.";
        let first = format!("{opening} Remove the supplement of C1.");
        let second = format!("{opening} Remove the supplement of C2.");
        let note = note_of(
            &[
                ("p/A", Outcome::Reject, Some(Actor::Both), first.as_str()),
                ("p/A", Outcome::Reject, Some(Actor::Both), second.as_str()),
            ],
            &pack(),
        );
        assert!(
            note.contains("1. Advisers answer to the partner. From 1 January 2010, a policy that comes into force during this TC applies:\n   - Remove the supplement of C1.\n   - Remove the supplement of C2.\n"),
            "{note}"
        );
        assert_eq!(note.matches("From 1 January 2010").count(), 1, "{note}");
        let mixed = note_of(
            &[
                ("p/A", Outcome::Reject, Some(Actor::Both), first.as_str()),
                (
                    "p/A",
                    Outcome::Reject,
                    Some(Actor::Both),
                    "Remove the supplement of C2.",
                ),
            ],
            &pack(),
        );
        assert!(
            mixed.contains("1. Advisers answer to the partner:\n"),
            "{mixed}"
        );
        assert!(mixed.contains(&format!("   - {opening} Remove")), "{mixed}");
        assert_eq!(
            shared_opening(&["E.g. one. Two.", "E.g. one. Three."]),
            None,
            "an abbreviation is not a sentence"
        );
        assert_eq!(shared_opening(&["Same.", "Same."]), None);
    }

    /// A rejection names the points marked **should change** only when the note has some.
    #[test]
    fn a_rejection_mentions_should_change_points_only_when_there_are_some() {
        let only_must = note_of(
            &[(
                "p/OLD",
                Outcome::Reject,
                Some(Actor::Provider),
                "This TC is offered by the provider.",
            )],
            &pack(),
        );
        assert!(only_must.contains("**Decision: reject.**"), "{only_must}");
        assert!(
            only_must.contains("A new request would need to address them.\n"),
            "{only_must}"
        );
        assert!(!only_must.contains("should change"), "{only_must}");
        let both = note_of(
            &[
                ("p/OLD", Outcome::Reject, Some(Actor::Provider), "Offered."),
                ("p/B", Outcome::Revise, Some(Actor::Requester), "Change."),
            ],
            &pack(),
        );
        assert!(
            both.contains("address them, and the points marked **should change**."),
            "{both}"
        );
        assert!(both.contains("**Should change**"), "{both}");
    }

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
}
