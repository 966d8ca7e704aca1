//! Cases: the register's cases in a table (the home page when the server keeps a register).
//! Filters and the search are a form sent with GET, column headings are links that sort
//! (again to reverse), and pages follow with a link: all of it works without script. The list
//! comes from the register's index, so a page costs the same whatever the register's size.

use std::collections::BTreeMap;

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use maud::{Markup, html};
use tcscreen_service::case_list::{CasePage, CaseSummary};
use tcscreen_service::plural;
use tcscreen_service::register_index::{CaseState, SortBy};

use crate::case_params::CaseParams;
use crate::identity::{self, Permission};
use crate::problem::ApiError;
use crate::register;
use crate::state::AppState;
use crate::web::recorded::{decision_class, decision_word};
use crate::web::{Section, countries_with_packs, html_page, layout, problems};

/// Country codes and their names ("Cambodia (KH)"), for the countries that have a pack.
type CountryNames = BTreeMap<String, String>;

/// A country by its name when a pack names it, else by its code as recorded.
fn country_name<'a>(names: &'a CountryNames, code: &'a str) -> &'a str {
    names
        .iter()
        .find(|(c, _)| c.eq_ignore_ascii_case(code))
        .map_or(code, |(_, name)| name.as_str())
}

/// The columns: the order they sort by and their heading.
const COLUMNS: [(SortBy, &str); 10] = [
    (SortBy::Id, "Request"),
    (SortBy::Title, "Title"),
    (SortBy::Country, "Country"),
    (SortBy::Requester, "Requesting institution"),
    (SortBy::Provider, "Provider"),
    (SortBy::Decision, "Screening decision"),
    (SortBy::HumanDecision, "Human decision"),
    (SortBy::Rounds, "Rounds"),
    (SortBy::Received, "Received on"),
    (SortBy::Decided, "Decided on"),
];

/// The address of a case's page: its id as one path segment (a `/` in an id is encoded too).
pub fn case_address(request_id: &str) -> String {
    let mut out = String::from("/cases/");
    for b in request_id.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The address of the list with these parameters.
fn address(params: &CaseParams) -> String {
    let mut query = form_urlencoded::Serializer::new(String::new());
    let pairs = [
        ("q", &params.q),
        ("state", &params.state),
        ("country", &params.country),
        ("decision", &params.decision),
        ("provider", &params.provider),
        ("received_from", &params.received_from),
        ("received_to", &params.received_to),
        ("sort", &params.sort),
        ("order", &params.order),
        ("limit", &params.limit),
        ("cursor", &params.cursor),
    ];
    for (name, value) in pairs {
        if let Some(value) = value.as_deref().filter(|v| !v.trim().is_empty()) {
            query.append_pair(name, value);
        }
    }
    let query = query.finish();
    if query.is_empty() {
        "/cases".to_string()
    } else {
        format!("/cases?{query}")
    }
}

/// `GET /cases` (and `GET /` with a register): the list.
pub async fn page(State(state): State<AppState>, Query(params): Query<CaseParams>) -> Response {
    if state.register().is_none() {
        let body = html! {
            p.notice { "This server keeps no register, so there are no cases to list: screenings are not recorded. Ask the person who runs the server to start it with a register." }
            p { a href="/screen" { "Screen a request" } }
        };
        return html_page(layout(&state, Section::Cases, "Cases", body));
    }
    let listed = match params.to_query() {
        Ok(query) => register::cases(&state, query).await,
        Err(e) => Err(e),
    };
    let awaiting = register::awaiting(&state).await.unwrap_or_default();
    let names: CountryNames = countries_with_packs(&state).await.into_iter().collect();
    let (status, list) = match &listed {
        Ok(page) => (StatusCode::OK, table(&params, page, &names)),
        Err(e) => (e.status, refused(e)),
    };
    let body = html! {
        p.lead {
            (awaiting) " " (plural(awaiting, "case", "cases")) " awaiting a human decision."
            @if identity::current().may(Permission::Screen) {
                " " a href="/screen" { "Screen a new request" } "."
            }
        }
        (filters(&state, &params, &names))
        (list)
    };
    (
        status,
        html_page(layout(&state, Section::Cases, "Cases", body)),
    )
        .into_response()
}

fn refused(error: &ApiError) -> Markup {
    html! {
        section.error role="alert" {
            h2 { "The list could not be shown" }
            (problems(error.diagnostics()))
            p { a href="/cases" { "Show every case" } }
        }
    }
}

fn filters(state: &AppState, params: &CaseParams, names: &CountryNames) -> Markup {
    let value = |v: &Option<String>| v.clone().unwrap_or_default();
    let (countries, providers): (Vec<(String, u32)>, Vec<String>) = state
        .register()
        .map(|w| {
            let index = w.index();
            (
                index.countries().map(|(c, n)| (c.to_string(), n)).collect(),
                index
                    .providers()
                    .take(500)
                    .map(|(p, _)| p.to_string())
                    .collect(),
            )
        })
        .unwrap_or_default();
    let chosen = |v: &Option<String>, option: &str| v.as_deref() == Some(option);
    html! {
        form.filters method="get" action="/cases" role="search" aria-label="Find cases" {
            div.field {
                label for="q" { "Search" }
                input #q type="text" name="q" value=(value(&params.q)) aria-describedby="q-hint";
                p.hint #q-hint { "Part of the request's reference, title, requesting institution or provider." }
            }
            div.filter-row {
                div.field {
                    label for="state" { "State" }
                    select #state name="state" {
                        option value="" { "All cases" }
                        option value="awaiting" selected[chosen(&params.state, "awaiting")] { "Awaiting a human decision" }
                        option value="decided" selected[chosen(&params.state, "decided")] { "Decided" }
                    }
                }
                div.field {
                    label for="country" { "Country" }
                    select #country name="country" {
                        option value="" { "All countries" }
                        @for (country, n) in &countries {
                            option value=(country) selected[params.country.as_deref().is_some_and(|c| c.eq_ignore_ascii_case(country))] { (country_name(names, country)) ": " (n) }
                        }
                    }
                }
                div.field {
                    label for="decision" { "Screening decision" }
                    select #decision name="decision" {
                        option value="" { "Any" }
                        @for (v, label) in [("accept", "Accept"), ("revise", "Revise"), ("reject", "Reject"), ("none", "No decision")] {
                            option value=(v) selected[chosen(&params.decision, v)] { (label) }
                        }
                    }
                }
            }
            div.filter-row {
                div.field {
                    label for="provider" { "Provider" }
                    input #provider type="text" name="provider" list="providers" value=(value(&params.provider)) aria-describedby="provider-hint";
                    datalist #providers { @for p in &providers { option value=(p) {} } }
                    p.hint #provider-hint { "The provider's whole name." }
                }
                div.field {
                    label for="received_from" { "Received from" }
                    input #received_from type="date" name="received_from" value=(value(&params.received_from));
                }
                div.field {
                    label for="received_to" { "Received until" }
                    input #received_to type="date" name="received_to" value=(value(&params.received_to));
                }
            }
            @if let Some(sort) = params.sort.as_deref() { input type="hidden" name="sort" value=(sort); }
            @if let Some(order) = params.order.as_deref() { input type="hidden" name="order" value=(order); }
            div.buttons {
                button type="submit" { "Show cases" }
                a.button-link href="/cases" { "Clear the filters" }
            }
        }
    }
}

fn sort_heading(params: &CaseParams, sort: SortBy, label: &str) -> Markup {
    let current = params
        .to_query()
        .map(|q| (q.sort, q.descending))
        .unwrap_or_default();
    let is_current = current.0 == sort;
    let descending_next = if is_current {
        !current.1
    } else {
        sort.descending_by_default()
    };
    let link = address(&CaseParams {
        sort: Some(sort.as_str().to_string()),
        order: Some(if descending_next { "desc" } else { "asc" }.to_string()),
        cursor: None,
        ..params.clone()
    });
    let aria_sort = is_current.then_some(if current.1 { "descending" } else { "ascending" });
    html! {
        th scope="col" aria-sort=[aria_sort] {
            a href=(link) {
                (label)
                @if is_current {
                    span.sort-mark aria-hidden="true" { @if current.1 { " ▼" } @else { " ▲" } }
                }
                span.visually-hidden {
                    @if is_current { ", sorted " @if current.1 { "descending" } @else { "ascending" } "; sort the other way" }
                    @else { ", sort by this column" }
                }
            }
        }
    }
}

fn caption(params: &CaseParams, page: &CasePage) -> String {
    let order = params.to_query().ok().map_or(SortBy::Attention, |q| q.sort);
    let by = match order {
        SortBy::Attention => {
            "awaiting a decision first, then the most recently screened".to_string()
        }
        other => {
            let label = COLUMNS
                .iter()
                .find(|(s, _)| *s == other)
                .map_or("", |(_, l)| *l);
            format!("sorted by {}", label.to_lowercase())
        }
    };
    let shown = page.cases.len();
    format!(
        "{} {} found, {by}; {shown} on this page",
        page.total,
        plural(page.total, "case", "cases")
    )
}

fn table(params: &CaseParams, page: &CasePage, names: &CountryNames) -> Markup {
    html! {
        @if page.cases.is_empty() {
            p #no-cases { "No case matches. " a href="/cases" { "Show every case" } "." }
        } @else {
            table.cases {
                caption { (caption(params, page)) }
                thead {
                    tr {
                        @for (sort, label) in COLUMNS { (sort_heading(params, sort, label)) }
                    }
                }
                tbody {
                    @for summary in &page.cases { (row(summary, names)) }
                }
            }
        }
        nav.pages aria-label="Pages of cases" {
            @if params.cursor.as_deref().is_some_and(|c| !c.is_empty()) {
                a href=(address(&CaseParams { cursor: None, ..params.clone() })) { "First page" }
            }
            @if let Some(next) = &page.next {
                " "
                a href=(address(&CaseParams { cursor: Some(next.clone()), ..params.clone() })) rel="next" { "Next page" }
            }
        }
    }
}

fn row(summary: &CaseSummary, names: &CountryNames) -> Markup {
    let case = &summary.case;
    let facts = &case.facts;
    let latest = case.latest();
    let human = case.human();
    html! {
        tr {
            th scope="row" {
                a href=(case_address(&facts.request_id)) { (facts.request_id) }
            }
            td { (facts.title) }
            td { (country_name(names, &facts.country)) }
            td { (facts.requester) }
            td { (facts.provider) }
            td.(decision_class(latest.decision)) { (decision_word(latest.decision)) }
            @match human {
                Some(h) => td.(decision_class(Some(h.decision))) { (decision_word(Some(h.decision))) span.by { " by " (h.by) } },
                None => td.awaiting { "Awaiting decision" },
            }
            td { (case.rounds.len()) }
            td { (facts.received.map(|d| d.to_string()).unwrap_or_default()) }
            td { (human.map(|h| h.at.as_str()).unwrap_or("")) }
        }
    }
}

/// A case's state in words.
pub fn state_word(state: CaseState) -> &'static str {
    match state {
        CaseState::Awaiting => "Awaiting a human decision",
        CaseState::Decided => "Decided",
    }
}
