//! A case: the request, every screening round with its decision, note and findings opened
//! from the register (nothing is screened again and nothing is appended), the progress between
//! rounds, the human decisions with who, when and why (and, for each rule set aside, its title
//! and its finding), Edit and resubmit, and the form to record a decision on the latest round.
//! That form carries the screening shown: if a resubmission arrives meanwhile, the decision is
//! refused and the page says which round is now the latest. Each round also has a page of its
//! own, to print.

use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use tcscreen_core::{Date, Decision, DecisionRecord, Diagnostic};
use tcscreen_service::decisions::DecisionInput;
use tcscreen_service::register::{Body, Entry, HumanDecision};

use crate::identity::{self, Actor, Permission};
use crate::pack_facts::PackFacts;
use crate::problem::ApiError;
use crate::register::{CaseFile, open_case, record_decision};
use crate::request_form::Fields;
use crate::security::percent_encode;
use crate::state::AppState;
use crate::web::cases::{case_address, state_word};
use crate::web::recorded::{
    decision_class, decision_word, findings, note_markdown, note_section, pack_facts, progress,
};
use crate::web::{
    Section, check_csrf, countries_with_packs, csrf_field, error_page, form_body, html_page,
    layout, problems,
};

/// `?recorded=SEQ` after a decision was recorded.
#[derive(serde::Deserialize, Default)]
pub(crate) struct CaseQuery {
    recorded: Option<u64>,
}

/// What the decision form was given, to show it again after a refusal.
#[derive(Default)]
struct DecisionForm {
    decision: String,
    by: String,
    reason: String,
    waived: Vec<String>,
    at: String,
}

/// A round of the case: its number (from 1), entry, record and the facts of its pack.
struct Round<'a> {
    number: usize,
    entry: &'a Entry,
    record: &'a DecisionRecord,
    facts: Arc<PackFacts>,
}

async fn rounds<'a>(state: &AppState, file: &'a CaseFile) -> Vec<Round<'a>> {
    let mut rounds = Vec::new();
    for (number, (entry, record)) in file.rounds().enumerate() {
        let facts = pack_facts(state, record).await;
        rounds.push(Round {
            number: number + 1,
            entry,
            record,
            facts,
        });
    }
    rounds
}

fn no_case(state: &AppState, id: &str) -> Response {
    error_page(
        state,
        &ApiError::not_found(
            format!("the register has no case {id}"),
            "look for it in the list of cases, or screen the request first",
        ),
    )
}

/// `GET /cases/{id}`: the case.
pub(crate) async fn page(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(query): Query<CaseQuery>,
) -> Response {
    case_response(&state, &id, query.recorded, &DecisionForm::default(), None).await
}

async fn case_response(
    state: &AppState,
    id: &str,
    recorded: Option<u64>,
    form: &DecisionForm,
    refused: Option<&ApiError>,
) -> Response {
    let file = match open_case(state, id).await {
        Ok(Some(file)) => file,
        Ok(None) => return no_case(state, id),
        Err(e) => return error_page(state, &e),
    };
    let rounds = rounds(state, &file).await;
    let country = countries_with_packs(state)
        .await
        .into_iter()
        .find(|(code, _)| code.eq_ignore_ascii_case(&file.case.facts.country))
        .map_or_else(|| file.case.facts.country.clone(), |(_, name)| name);
    let status = refused.map_or(StatusCode::OK, |e| e.status);
    let case = &file.case;
    let title = format!("Case {}", case.facts.request_id);
    let body = html! {
        (summary(&file, &country))
        @if let Some(seq) = recorded {
            p.success role="status" #recorded { "The decision was recorded (register entry " (seq) ")." }
        }
        // Resubmitting screens the request again: only for those who may screen.
        @if identity::current().may(Permission::Screen) {
            div.buttons.noprint {
                a.button-link href=(format!("/form?case={}", percent_encode(&case.facts.request_id))) { "Edit and resubmit" }
            }
        }
        (rounds_table(&file, &rounds))
        (decisions_section(&file, &rounds))
        @for (i, round) in rounds.iter().enumerate().rev() {
            (round_section(round, i.checked_sub(1).map(|p| &rounds[p]), i + 1 == rounds.len()))
        }
        @if let Some(latest) = rounds.last() {
            (decision_form(state, &file, latest, form, refused))
        }
    };
    (
        status,
        html_page(layout(state, Section::Cases, &title, body)),
    )
        .into_response()
}

fn summary(file: &CaseFile, country: &str) -> Markup {
    let case = &file.case;
    let facts = &case.facts;
    let state = match case.human() {
        Some(h) => format!(
            "{}: {} on {} by {}",
            state_word(case.state()),
            decision_word(Some(h.decision)),
            h.at,
            h.by
        ),
        None => state_word(case.state()).to_string(),
    };
    html! {
        p.lead { (facts.title) }
        dl.facts {
            dt { "Request" } dd { (facts.request_id) }
            dt { "Country" } dd { (country) }
            dt { "Requesting institution" } dd { (facts.requester) }
            dt { "Provider" } dd { (facts.provider) }
            dt { "Received on" } dd { (facts.received.map(|d| d.to_string()).unwrap_or_else(|| "not stated".into())) }
            dt { "Screening rounds" } dd { (case.rounds.len()) }
            dt { "State" } dd #case-state { (state) }
        }
    }
}

fn round_address(file: &CaseFile, seq: u64) -> String {
    format!("{}/rounds/{seq}", case_address(&file.case.facts.request_id))
}

fn rounds_table(file: &CaseFile, rounds: &[Round<'_>]) -> Markup {
    html! {
        section aria-labelledby="rounds-title" {
            h2 #rounds-title { "Screening rounds" }
            table.rounds {
                caption { "Each screening of this request, oldest first" }
                thead {
                    tr {
                        th scope="col" { "Round" }
                        th scope="col" { "Screened as of" }
                        th scope="col" { "Screening decision" }
                        th scope="col" { "Findings" }
                        th scope="col" { "Human decision" }
                        th scope="col" { "On its own" }
                    }
                }
                tbody {
                    @for round in rounds {
                        @let human = file.case.decisions.iter().rev().find(|d| d.screening_seq == round.entry.seq);
                        tr {
                            th scope="row" { "Round " (round.number) }
                            td { (round.record.as_of.to_string()) }
                            td.(decision_class(round.record.decision)) { (decision_word(round.record.decision)) }
                            td { (round.record.findings.len()) }
                            td {
                                @match human {
                                    Some(h) => { (decision_word(Some(h.decision))) ", decided on " (h.at) " by " (h.by) }
                                    None => "None",
                                }
                            }
                            td { a href=(round_address(file, round.entry.seq)) { "Open round " (round.number) " to print" } }
                        }
                    }
                }
            }
        }
    }
}

/// A waived rule as people read it: its title and its findings in the round decided on.
fn waiver(round: Option<&Round<'_>>, rule: &str) -> Markup {
    let title = round.map_or(rule, |r| r.facts.title(rule));
    let found: Vec<&str> = round
        .map(|r| {
            r.record
                .findings
                .iter()
                .filter(|f| f.rule == rule)
                .map(|f| f.message.as_str())
                .collect()
        })
        .unwrap_or_default();
    html! {
        li {
            strong { (title) }
            @if !found.is_empty() { ": " (found.join(" ")) }
        }
    }
}

fn decisions_section(file: &CaseFile, rounds: &[Round<'_>]) -> Markup {
    let decisions: Vec<(&Entry, &HumanDecision)> = file
        .entries
        .iter()
        .filter_map(|(e, _)| match &e.body {
            Body::Decision(d) => Some((e, d)),
            Body::Screening { .. } => None,
        })
        .collect();
    html! {
        section aria-labelledby="decisions-title" {
            h2 #decisions-title { "Human decisions" }
            @if decisions.is_empty() {
                p { "No one has recorded a decision on this case yet." }
            } @else {
                table.decisions {
                    caption { "Decisions recorded by people, oldest first" }
                    thead {
                        tr {
                            th scope="col" { "Decided on" }
                            th scope="col" { "Decision" }
                            th scope="col" { "Decided by" }
                            th scope="col" { "On" }
                            th scope="col" { "Why" }
                            th scope="col" { "Findings set aside" }
                        }
                    }
                    tbody {
                        @for (_, d) in &decisions {
                            @let round = rounds.iter().find(|r| r.entry.seq == d.screening_seq);
                            tr {
                                td { (d.at) }
                                td.(decision_class(Some(d.decision))) { (decision_word(Some(d.decision))) }
                                td { (d.by) }
                                td {
                                    "Round " (round.map_or(0, |r| r.number)) " ("
                                    @if Some(d.decision) == d.screened_decision { "confirms" } @else { "departs from" }
                                    " its " (decision_word(d.screened_decision).to_lowercase()) ")"
                                }
                                td { (d.reason.as_deref().unwrap_or("")) }
                                td {
                                    @if d.waived.is_empty() { "None" } @else {
                                        ul.waived { @for rule in &d.waived { (waiver(round, rule)) } }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn round_section(round: &Round<'_>, previous: Option<&Round<'_>>, latest: bool) -> Markup {
    let markdown = note_markdown(round.record, &round.facts, previous.map(|p| p.record));
    let id = format!("round-{}", round.number);
    html! {
        details.round #(id) open[latest] {
            summary {
                "Round " (round.number) ", screened as of " (round.record.as_of.to_string()) ": "
                (decision_word(round.record.decision))
                @if latest { " (the latest)" }
            }
            (round_body(round, previous))
            (note_section(&markdown, &format!("{id}-note-title")))
        }
    }
}

fn round_body(round: &Round<'_>, previous: Option<&Round<'_>>) -> Markup {
    let record = round.record;
    html! {
        div.decision.(decision_class(record.decision)) {
            p { strong { "Screening decision: " (decision_word(record.decision)) } }
            dl.facts {
                dt { "Screened as of" } dd { (record.as_of.to_string()) }
                dt { "Rule pack" } dd { (round.facts.note.name) ", version " (record.pack.version) }
                dt { "Rules run" } dd { (record.rules_run) }
                @if let Body::Screening { by: Some(by), .. } = &round.entry.body {
                    dt { "Screened by" } dd { (by) }
                }
            }
            @if !round.facts.found {
                p.notice { "The rule pack that decided this round is no longer among the packs in force, so rules are named by their reference only." }
            }
        }
        @if let Some(previous) = previous {
            section.compare aria-label=(format!("Progress since round {}", previous.number)) {
                h3 { "Progress since round " (previous.number) }
                (progress(previous.record, record, &round.facts))
            }
        }
        h3 { "Findings" }
        (findings(record, &round.facts))
    }
}

fn decision_form(
    state: &AppState,
    file: &CaseFile,
    latest: &Round<'_>,
    form: &DecisionForm,
    refused: Option<&ApiError>,
) -> Markup {
    let record = latest.record;
    let mut rules: Vec<&str> = record.findings.iter().map(|f| f.rule.as_str()).collect();
    rules.dedup();
    let action = format!("{}/decision", case_address(&file.case.facts.request_id));
    let actor = identity::current();
    if !actor.may(Permission::Decide) {
        return html! {
            section.decide aria-labelledby="decide-title" {
                h2 #decide-title { "Record the human decision" }
                p #may-not-decide {
                    "Your account may not record decisions: that needs the role decider. "
                    "Ask an administrator of this server if you should have it."
                }
            }
        };
    }
    html! {
        section.decide aria-labelledby="decide-title" {
            h2 #decide-title { "Record the human decision" }
            p {
                "On round " (latest.number) ", the latest, screened as of " (record.as_of.to_string())
                " (screening decision: " strong { (decision_word(record.decision)) } "). "
                "A reason is required to decide otherwise, or to set aside a rule's findings."
            }
            @if let Some(e) = refused {
                section.error role="alert" tabindex="-1" #decision-problems {
                    h3 { "The decision was not recorded" }
                    (problems(e.diagnostics()))
                }
            }
            form method="post" action=(action) {
                (csrf_field(state))
                input type="hidden" name="screening_seq" value=(latest.entry.seq);
                fieldset {
                    legend { "Decision" }
                    @for d in [Decision::Accept, Decision::Revise, Decision::Reject] {
                        @let id = format!("decision-{}", d.as_str());
                        @let checked = if form.decision.is_empty() { Some(d) == record.decision } else { form.decision == d.as_str() };
                        div.choice {
                            input #(id) type="radio" name="decision" value=(d.as_str()) checked[checked] required;
                            label for=(id) { (decision_word(Some(d))) }
                        }
                    }
                }
                @if let Some(account) = &actor.account {
                    p.decided-by #decided-by { "Decided by " strong { (account) } " (you: the register records the account that decides)." }
                } @else {
                    div.field {
                        label for="by" { "Decided by" }
                        input #by type="text" name="by" value=(form.by) required autocomplete="name";
                    }
                }
                div.field {
                    label for="reason" { "Reason" }
                    textarea #reason name="reason" rows="3" aria-describedby="reason-hint" { (form.reason) }
                    p.hint #reason-hint { "Required when the decision differs from the screening's, or when findings are set aside." }
                }
                @if !rules.is_empty() {
                    fieldset {
                        legend { "Findings set aside" }
                        @for (n, rule) in rules.iter().enumerate() {
                            @let id = format!("waive-{n}");
                            @let found: Vec<&str> = record.findings.iter().filter(|f| f.rule == *rule).map(|f| f.message.as_str()).collect();
                            div.choice {
                                input #(id) type="checkbox" name="waived" value=(rule) checked[form.waived.iter().any(|w| w == rule)];
                                label for=(id) { strong { (latest.facts.title(rule)) } ": " (found.join(" ")) }
                            }
                        }
                    }
                }
                div.field {
                    label for="at" { "Decided on" }
                    input #at type="date" name="at" value=(form.at) aria-describedby="at-hint";
                    p.hint #at-hint { "Leave it empty for today." }
                }
                button type="submit" { "Record the decision" }
            }
        }
    }
}

/// `POST /cases/{id}/decision`: record the decision on the round shown, then show the case.
pub(crate) async fn decide(
    State(state): State<AppState>,
    Path(id): Path<String>,
    actor: Actor,
    headers: HeaderMap,
    body: axum::body::Body,
) -> Response {
    let fields = match form_body::read(&state, &headers, body, form_body::DECISION_LIMIT).await {
        Ok(bytes) => Fields::parse(&bytes),
        Err(refused) => return refused,
    };
    if let Err(refused) = check_csrf(&state, fields.get("_csrf")) {
        return refused;
    }
    let form = DecisionForm {
        decision: fields.get("decision").unwrap_or_default().to_string(),
        by: fields.get("by").unwrap_or_default().to_string(),
        reason: fields.get("reason").unwrap_or_default().to_string(),
        waived: fields.all("waived").map(str::to_string).collect(),
        at: fields.get("at").unwrap_or_default().trim().to_string(),
    };
    let screening = fields
        .get("screening_seq")
        .and_then(|s| s.trim().parse().ok());
    let input = match decision_input(&form, screening, &actor) {
        Ok(input) => input,
        Err(e) => return case_response(&state, &id, None, &form, Some(&e)).await,
    };
    match record_decision(&state, &id, input).await {
        Ok((seq, _)) => {
            Redirect::to(&format!("{}?recorded={seq}#recorded", case_address(&id))).into_response()
        }
        Err(e) => case_response(&state, &id, None, &form, Some(&e)).await,
    }
}

/// The decision the form describes, recorded under the signed-in account when there is one
/// (who is acting: [`Actor::decided_by`]), else under the name typed.
fn decision_input(
    form: &DecisionForm,
    screening: Option<u64>,
    actor: &Actor,
) -> Result<DecisionInput, ApiError> {
    let invalid = |message: &str, help: &str| {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            Diagnostic::error(tcscreen_core::Code::H007, message.to_string())
                .help(help.to_string()),
        )
    };
    let decision = Decision::parse(&form.decision)
        .ok_or_else(|| invalid("choose the decision taken", "accept, revise or reject"))?;
    let at = if form.at.is_empty() {
        None
    } else {
        Some(Date::parse(&form.at).ok_or_else(|| {
            invalid(
                "the date of the decision is not a date",
                "choose the day it was taken",
            )
        })?)
    };
    Ok(DecisionInput {
        decision,
        by: actor.decided_by(
            Some(&form.by)
                .filter(|_| actor.account.is_none())
                .map(String::as_str),
        )?,
        reason: Some(form.reason.clone()),
        waived: form.waived.clone(),
        at,
        screening,
    })
}

/// `GET /cases/{id}/rounds/{seq}`: one round on its own, to print: its decision, the progress
/// since the round before, its findings and its note.
pub(crate) async fn round(
    State(state): State<AppState>,
    Path((id, seq)): Path<(String, u64)>,
) -> Response {
    let file = match open_case(&state, &id).await {
        Ok(Some(file)) => file,
        Ok(None) => return no_case(&state, &id),
        Err(e) => return error_page(&state, &e),
    };
    let rounds = rounds(&state, &file).await;
    let Some(at) = rounds.iter().position(|r| r.entry.seq == seq) else {
        return error_page(
            &state,
            &ApiError::not_found(
                format!("case {id} has no screening round recorded as entry {seq}"),
                "open the case and choose one of its rounds",
            ),
        );
    };
    let round = &rounds[at];
    let previous = at.checked_sub(1).map(|p| &rounds[p]);
    let markdown = note_markdown(round.record, &round.facts, previous.map(|p| p.record));
    let title = format!(
        "Case {}, round {} of {}",
        file.case.facts.request_id,
        round.number,
        rounds.len()
    );
    let body = html! {
        p.noprint { a href=(case_address(&file.case.facts.request_id)) { "Back to the case" } }
        p.lead { (file.case.facts.title) }
        (round_body(round, previous))
        (note_section(&markdown, "round-note-title"))
    };
    html_page(layout(&state, Section::Cases, &title, body))
}
