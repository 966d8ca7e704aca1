//! Showing a recorded screening again, as the register holds it: its decision, its note and
//! its findings (with each rule's title), and the progress since the round before. Nothing is
//! screened again and nothing is appended: the record is the one the register verified.

use std::sync::Arc;

use maud::{Markup, PreEscaped, html};
use tcscreen_core::{Criterion, Decision, DecisionRecord, Finding, Outcome};
use tcscreen_service::compare::Comparison;
use tcscreen_service::render::markdown::{criterion_name, decision_note, field_in_words};

use crate::pack_facts::PackFacts;
use crate::state::AppState;
use crate::web::note;

/// A decision in words.
pub fn decision_word(d: Option<Decision>) -> &'static str {
    match d {
        Some(Decision::Accept) => "Accept",
        Some(Decision::Revise) => "Revise",
        Some(Decision::Reject) => "Reject",
        None => "No decision",
    }
}

/// The class that colours a decision (always written in words too).
pub fn decision_class(d: Option<Decision>) -> &'static str {
    match d {
        Some(Decision::Accept) => "accept",
        Some(Decision::Revise) => "revise",
        Some(Decision::Reject) => "reject",
        None => "none",
    }
}

fn outcome_word(o: Outcome) -> &'static str {
    match o {
        Outcome::Reject => "Must change (reject)",
        Outcome::Revise => "Must change (revise)",
        Outcome::Note => "For information",
    }
}

/// The facts about the pack that decided `record` (kept per set of packs in force).
pub async fn pack_facts(state: &AppState, record: &DecisionRecord) -> Arc<PackFacts> {
    let (id, version, as_of) = (
        record.pack.id.clone(),
        record.pack.version.clone(),
        record.as_of,
    );
    let key = (id.clone(), version.clone());
    let packs = state.screener().packs();
    if let Some(facts) = state.kept_pack_facts(&packs, &key) {
        return facts;
    }
    let (tx, rx) = tokio::sync::oneshot::channel();
    let used = packs.clone();
    let submitted = state.screener().submit_task(move |screener| {
        let _ = tx.send(screener.pack_facts(&used, &id, &version, as_of));
    });
    let found = match submitted {
        Ok(()) => rx.await.ok().flatten(),
        Err(_) => None,
    };
    let facts = Arc::new(match found {
        Some((note, titles)) => PackFacts {
            note,
            titles,
            found: true,
        },
        None => PackFacts {
            note: Arc::new(tcscreen_service::PackNote {
                name: format!("{} {}", key.0, key.1),
                illustrative: false,
                actors: std::collections::BTreeMap::new(),
                titles: std::collections::BTreeMap::new(),
                fallback: false,
            }),
            titles: std::collections::BTreeMap::new(),
            found: false,
        },
    });
    state.keep_pack_facts(&packs, key, facts.clone());
    facts
}

/// What a resubmission's result shows besides its own screening: the round it follows.
pub struct Progress {
    /// The previous round's record, from the register.
    pub previous: DecisionRecord,
    /// The facts of the pack that decided the new round.
    pub facts: Arc<PackFacts>,
}

/// The round recorded as entry `previous` (what a resubmission follows), with the facts of the
/// pack that decided `now`; `None` when there is no such screening in the register.
pub async fn progress_since(
    state: &AppState,
    previous: Option<u64>,
    now: &DecisionRecord,
) -> Option<Progress> {
    let previous = crate::register::open_record(state, previous?)
        .await
        .ok()??;
    Some(Progress {
        previous,
        facts: pack_facts(state, now).await,
    })
}

/// The decision note of `record` (as `screen --format markdown` writes it), followed by the
/// progress since `previous` when there was a round before.
pub fn note_markdown(
    record: &DecisionRecord,
    facts: &PackFacts,
    previous: Option<&DecisionRecord>,
) -> String {
    let mut markdown = decision_note(record, &facts.note);
    if let Some(previous) = previous {
        let comparison = Comparison {
            previous: previous.clone(),
            now: record.clone(),
        };
        markdown.push('\n');
        markdown.push_str(&comparison.to_markdown());
    }
    markdown
}

/// The note as HTML, in its frame.
pub fn note_section(markdown: &str, heading_id: &str) -> Markup {
    html! {
        section.note aria-labelledby=(heading_id) {
            h2 #(heading_id) { "The decision note" }
            p.hint.noprint { "The note as it is sent to the requester; print this page to keep it or save it as PDF." }
            div.note-body { (PreEscaped(note::to_html(markdown))) }
        }
    }
}

/// One finding's rule: its title, or its reference when the pack is gone.
fn rule_cell(facts: &PackFacts, f: &Finding) -> Markup {
    html! { (facts.title(&f.rule)) }
}

/// The findings in tables, one per criterion, each with its rule's title.
pub fn findings(record: &DecisionRecord, facts: &PackFacts) -> Markup {
    html! {
        @if record.findings.is_empty() {
            p { "No rule recorded a finding." }
        }
        @for criterion in Criterion::ALL {
            @let found: Vec<&Finding> = record.findings.iter().filter(|f| f.criterion == criterion).collect();
            @if !found.is_empty() {
                table.findings {
                    caption { (criterion_name(criterion)) " (" (found.len()) ")" }
                    thead {
                        tr {
                            th scope="col" { "Outcome" }
                            th scope="col" { "What to change" }
                            th scope="col" { "About" }
                            th scope="col" { "Rule" }
                            th scope="col" { "Policy" }
                        }
                    }
                    tbody {
                        @for f in found {
                            tr {
                                td.(f.outcome.as_str()) { (outcome_word(f.outcome)) }
                                td { (f.message) }
                                td { (f.field.as_deref().map(field_in_words).unwrap_or_default()) }
                                td { (rule_cell(facts, f)) }
                                td { (f.policy.as_deref().unwrap_or("")) }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// What changed between two rounds: the findings resolved, still open and new, each with its
/// rule's title.
pub fn progress(previous: &DecisionRecord, now: &DecisionRecord, facts: &PackFacts) -> Markup {
    let comparison = Comparison {
        previous: previous.clone(),
        now: now.clone(),
    };
    let lists = [
        ("Resolved", comparison.resolved()),
        ("Still open", comparison.still_open()),
        ("New", comparison.new_findings()),
    ];
    html! {
        div.progress {
            p {
                "Screened as of " (previous.as_of.to_string()) ": " strong { (decision_word(previous.decision)) }
                "; screened as of " (now.as_of.to_string()) ": " strong { (decision_word(now.decision)) } "."
            }
            @for (title, list) in &lists {
                h4 { (title) " (" (list.len()) ")" }
                @if list.is_empty() {
                    p.hint { "None." }
                } @else {
                    ul {
                        @for f in list {
                            li { strong { (facts.title(&f.rule)) } ": " (f.message) }
                        }
                    }
                }
            }
        }
    }
}
