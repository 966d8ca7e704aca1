//! History: a request's screenings and human decisions from the register, and the form to
//! record a person's decision on its latest screening (a reason is required to depart from
//! the screening or to waive rules, and only rules that recorded a finding can be waived).

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use tcscreen_core::Code;
use tcscreen_core::{Decision, DecisionRecord};
use tcscreen_service::decisions::DecisionInput;
use tcscreen_service::register::{Body, Entry};

use crate::identity::{self, Actor, Permission};
use crate::problem::ApiError;
use crate::register::{record_decision, request_history};
use crate::request_form::Fields;
use crate::security::percent_encode;
use crate::state::AppState;
use crate::web::{Section, check_csrf, csrf_field, form_body, html_page, layout, problems};

#[derive(serde::Deserialize, Default)]
pub(crate) struct HistoryQuery {
    request_id: Option<String>,
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
    /// The screening shown when the form was filled in.
    screening: String,
}

/// `GET /history`: look a request up; its history and the decision form.
pub(crate) async fn page(
    State(state): State<AppState>,
    Query(query): Query<HistoryQuery>,
) -> Response {
    let request_id = query.request_id.unwrap_or_default().trim().to_string();
    let (status, markup) = history_page(
        &state,
        &request_id,
        query.recorded,
        &DecisionForm::default(),
        None,
    )
    .await;
    (status, html_page(markup)).into_response()
}

async fn history_page(
    state: &AppState,
    request_id: &str,
    recorded: Option<u64>,
    form: &DecisionForm,
    refused: Option<&ApiError>,
) -> (StatusCode, Markup) {
    let mut status = refused.map_or(StatusCode::OK, |e| e.status);
    let entries = if request_id.is_empty() || state.register().is_none() {
        Ok(Vec::new())
    } else {
        request_history(state, request_id).await
    };
    if let Err(e) = &entries {
        status = e.status;
    }
    let body = html! {
        @if state.register().is_none() {
            p.notice { "This server keeps no register, so there is no history to show. Ask the person who runs it to start it with a register, so that every screening and human decision is recorded." }
        }
        form.lookup method="get" action="/history" role="search" {
            div.field {
                label for="request_id" { "Request id" }
                input #request_id type="text" name="request_id" value=(request_id) autocomplete="off";
            }
            button type="submit" { "Show the history" }
        }
        @if let Some(seq) = recorded {
            p.success role="status" { "The decision was recorded as entry " (seq) " of the register." }
        }
        @match &entries {
            Err(e) => section.error role="alert" { (problems(e.diagnostics())) },
            Ok(entries) if !request_id.is_empty() && state.register().is_some() => {
                @if entries.is_empty() {
                    p { "The register has no entry for request " strong { (request_id) } ". Screen it first: every screening made through this server is recorded." }
                } @else {
                    (history_table(entries))
                    (decision_form(state, request_id, entries, form, refused))
                }
            },
            Ok(_) => {}
        }
    };
    let title = if request_id.is_empty() {
        "History".to_string()
    } else {
        format!("History of {request_id}")
    };
    (status, layout(state, Section::History, &title, body))
}

fn screening_record(entry: &Entry) -> Option<DecisionRecord> {
    match &entry.body {
        Body::Screening { record, .. } => DecisionRecord::from_json(record).ok(),
        Body::Decision(_) => None,
    }
}

fn history_table(entries: &[Entry]) -> Markup {
    html! {
        table.history {
            caption { "Entries of the register about this request, oldest first" }
            thead {
                tr {
                    th scope="col" { "Entry" }
                    th scope="col" { "What" }
                    th scope="col" { "Date" }
                    th scope="col" { "Decision" }
                    th scope="col" { "Details" }
                }
            }
            tbody {
                @for e in entries {
                    tr {
                        td { (e.seq) }
                        @match &e.body {
                            Body::Screening { signer, by, .. } => {
                                @let record = screening_record(e);
                                td { "Screening" }
                                td { (record.as_ref().map(|r| r.as_of.to_string()).unwrap_or_default()) }
                                td { (record.as_ref().and_then(|r| r.decision).map_or("no decision", Decision::as_str)) }
                                td {
                                    @if let Some(r) = &record {
                                        "pack " code { (r.pack.id) } " " (r.pack.version) ", " (r.findings.len()) " findings"
                                    }
                                    @if let Some(signer) = signer { ", pack signed by " (signer) }
                                    @if let Some(by) = by { ", screened by " (by) }
                                }
                            }
                            Body::Decision(d) => {
                                td { "Human decision" }
                                td { (d.at) }
                                td { (d.decision.as_str()) }
                                td {
                                    "by " (d.by) ", "
                                    @if Some(d.decision) == d.screened_decision { "confirms" } @else { "overrides" }
                                    " entry " (d.screening_seq) " (" (d.screened_decision.map_or("no decision", Decision::as_str)) ")"
                                    @if let Some(reason) = &d.reason { br; "Reason: " (reason) }
                                    @if !d.waived.is_empty() { br; "Waived: " (d.waived.join(", ")) }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn decision_form(
    state: &AppState,
    request_id: &str,
    entries: &[Entry],
    form: &DecisionForm,
    refused: Option<&ApiError>,
) -> Markup {
    let latest = entries
        .iter()
        .rev()
        .find_map(|e| screening_record(e).map(|r| (e.seq, r)));
    let Some((seq, record)) = latest else {
        return html! {};
    };
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
    let mut rules: Vec<&str> = record.findings.iter().map(|f| f.rule.as_str()).collect();
    rules.dedup();
    let screened = record.decision.map_or("no decision", Decision::as_str);
    html! {
        section.decide aria-labelledby="decide-title" {
            h2 #decide-title { "Record the human decision" }
            p { "On the latest screening (entry " (seq) ", decided " strong { (screened) } "). A reason is required to decide otherwise, or to set aside a rule's findings." }
            @if let Some(e) = refused {
                section.error role="alert" tabindex="-1" #decision-problems {
                    h3 { "The decision was not recorded" }
                    (problems(e.diagnostics()))
                }
            }
            form method="post" action="/history/decision" {
                (csrf_field(state))
                input type="hidden" name="request_id" value=(request_id);
                input type="hidden" name="screening_seq" value=(seq);
                fieldset {
                    legend { "Decision" }
                    @for d in ["accept", "revise", "reject"] {
                        @let id = format!("decision-{d}");
                        @let checked = if form.decision.is_empty() { Some(d) == record.decision.map(Decision::as_str) } else { form.decision == d };
                        div.choice {
                            input #(id) type="radio" name="decision" value=(d) checked[checked] required;
                            label for=(id) { (d) }
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
                    p.hint #reason-hint { "Required when the decision differs from the screening's or rules are waived." }
                }
                @if !rules.is_empty() {
                    fieldset {
                        legend { "Rules whose findings are set aside" }
                        @for rule in &rules {
                            @let id = format!("waive-{}", rule.replace('/', "-"));
                            div.choice {
                                input #(id) type="checkbox" name="waived" value=(rule) checked[form.waived.iter().any(|w| w == rule)];
                                label for=(id) { code { (rule) } }
                            }
                        }
                    }
                }
                div.field {
                    label for="at" { "Date of the decision" }
                    input #at type="date" name="at" value=(form.at) aria-describedby="at-hint";
                    p.hint #at-hint { "Leave it empty for today." }
                }
                button type="submit" { "Record the decision" }
            }
        }
    }
}

/// `POST /history/decision`: record the decision, then show the history (or why not).
pub async fn decide(
    State(state): State<AppState>,
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
    let request_id = fields.get("request_id").unwrap_or_default().to_string();
    let form = DecisionForm {
        decision: fields.get("decision").unwrap_or_default().to_string(),
        by: fields.get("by").unwrap_or_default().to_string(),
        reason: fields.get("reason").unwrap_or_default().to_string(),
        waived: fields.all("waived").map(str::to_string).collect(),
        at: fields.get("at").unwrap_or_default().trim().to_string(),
        screening: fields
            .get("screening_seq")
            .unwrap_or_default()
            .trim()
            .to_string(),
    };
    let input = match decision_input(&form, &actor) {
        Ok(input) => input,
        Err(e) => return refused_page(&state, &request_id, &form, &e).await,
    };
    match record_decision(&state, &request_id, input).await {
        Ok((seq, _)) => Redirect::to(&format!(
            "/history?request_id={}&recorded={seq}",
            percent_encode(&request_id)
        ))
        .into_response(),
        Err(e) => refused_page(&state, &request_id, &form, &e).await,
    }
}

async fn refused_page(
    state: &AppState,
    request_id: &str,
    form: &DecisionForm,
    error: &ApiError,
) -> Response {
    let (status, markup) = history_page(state, request_id, None, form, Some(error)).await;
    (status, html_page(markup)).into_response()
}

fn decision_input(form: &DecisionForm, actor: &Actor) -> Result<DecisionInput, ApiError> {
    let invalid = |message: &str, help: &str| {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            tcscreen_core::Diagnostic::error(Code::H007, message.to_string())
                .help(help.to_string()),
        )
    };
    let decision = Decision::parse(&form.decision)
        .ok_or_else(|| invalid("choose the decision taken", "accept, revise or reject"))?;
    let at = if form.at.is_empty() {
        None
    } else {
        Some(
            tcscreen_core::Date::parse(&form.at)
                .ok_or_else(|| invalid("the date of the decision is not a date", "YYYY-MM-DD"))?,
        )
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
        screening: form.screening.parse().ok(),
    })
}
