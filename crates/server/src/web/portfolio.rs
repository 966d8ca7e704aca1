//! Portfolio: many requests at once (a JSON Lines file, several files, or a folder's worth),
//! screened with the packs in force, counted by decision, criterion, rule and provider, as
//! tables and bar charts drawn on the server as SVG, with a CSV export. This is where a unit
//! sees which providers keep sending supply-led requests. A portfolio is an analysis: nothing
//! is appended to the register.

use std::ops::ControlFlow;
use std::sync::Arc;
use tcscreen_core::Code;

use axum::extract::multipart::MultipartRejection;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use maud::{Markup, html};
use tcscreen_core::Diagnostic;
use tcscreen_service::iati::SkipReason;
use tcscreen_service::render::markdown::criterion_name;
use tcscreen_service::{Item, screen_batch};

use crate::portfolio::Portfolio;
use crate::problem::ApiError;
use crate::screening::ScreenQuery;
use crate::state::AppState;
use crate::upload;
use crate::web::{
    Section, check_csrf, countries_with_packs, csrf_field, error_page, form_body, html_page,
    layout, problems,
};

const LABEL: usize = 300;
const WIDTH: usize = 760;
const BAR: usize = 22;
const GAP: usize = 10;
const LINE: usize = 16;
/// Characters per line of a label; longer labels wrap onto more lines (never cut).
const LABEL_CHARS: usize = 38;

/// A label broken into lines of at most [`LABEL_CHARS`] characters, at spaces where it can.
fn wrapped(label: &str) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in label.split_whitespace() {
        let mut word = word.to_string();
        while word.chars().count() > LABEL_CHARS {
            let head: String = word.chars().take(LABEL_CHARS).collect();
            word = word.chars().skip(LABEL_CHARS).collect();
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
            lines.push(head);
        }
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > LABEL_CHARS {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(&word);
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

/// The height of a row whose label has `lines` lines.
fn row_height(lines: usize) -> usize {
    BAR.max(lines * LINE)
}

/// The top of each row and the chart's height, for rows of these labels.
fn layout_rows<'a>(labels: impl Iterator<Item = &'a str>) -> (Vec<(usize, usize)>, usize) {
    let mut rows = Vec::new();
    let mut y = GAP;
    for label in labels {
        let h = row_height(wrapped(label).len());
        rows.push((y, h));
        y += h + GAP;
    }
    (rows, y)
}

/// A label in full, on as many lines as it needs, right-aligned against the bars and centred
/// on the row that starts at `y`.
fn label_text(label: &str, y: usize) -> Markup {
    let lines = wrapped(label);
    let height = row_height(lines.len());
    let first = y + (height - lines.len() * LINE) / 2 + LINE - 4;
    html! {
        text.label x=(LABEL - 8) y=(first) text-anchor="end" {
            @for (i, line) in lines.iter().enumerate() {
                tspan x=(LABEL - 8) dy=(if i == 0 { 0 } else { LINE }) { (line) }
            }
        }
    }
}

/// The colours of the bars, in words: a legend shown with every chart.
fn legend(items: &[(&str, &str)]) -> Markup {
    html! {
        ul.legend aria-label="Legend" {
            @for (class, label) in items {
                li { span.swatch.(class) aria-hidden="true" {} (label) }
            }
        }
    }
}

/// A horizontal bar chart: one bar per (label, count, class), with the counts written out.
fn bar_chart(id: &str, title: &str, bars: &[(String, usize, &str)]) -> Markup {
    let max = bars.iter().map(|b| b.1).max().unwrap_or(0).max(1);
    let (rows, height) = layout_rows(bars.iter().map(|b| b.0.as_str()));
    let scale = |n: usize| n * (WIDTH - LABEL - 60) / max;
    html! {
        svg.chart role="img" aria-labelledby=(format!("{id}-title")) viewBox=(format!("0 0 {WIDTH} {height}"))
            width=(WIDTH) height=(height) xmlns="http://www.w3.org/2000/svg" {
            title #(format!("{id}-title")) { (title) }
            @for ((label, count, class), (top, h)) in bars.iter().zip(&rows) {
                @let bar_y = top + (h - BAR) / 2;
                (label_text(label, *top))
                rect class=(format!("bar {class}")) x=(LABEL) y=(bar_y) width=(scale(*count).max(1)) height=(BAR) {}
                text.value x=(LABEL + scale(*count).max(1) + 6) y=(bar_y + BAR / 2 + 5) { (count) }
            }
        }
    }
}

/// Stacked bars per provider: accept, revise, reject; full names, wrapped.
fn provider_chart(providers: &[(String, [usize; 6])]) -> Markup {
    let shown: Vec<_> = providers.iter().take(12).collect();
    let max = shown.iter().map(|p| p.1[0]).max().unwrap_or(0).max(1);
    let (rows, height) = layout_rows(shown.iter().map(|p| p.0.as_str()));
    let scale = |n: usize| n * (WIDTH - LABEL - 220) / max;
    html! {
        (legend(&[("accept", "Accept"), ("revise", "Revise"), ("reject", "Reject")]))
        svg.chart role="img" aria-labelledby="providers-chart-title" viewBox=(format!("0 0 {WIDTH} {height}"))
            width=(WIDTH) height=(height) xmlns="http://www.w3.org/2000/svg" {
            title #providers-chart-title { "Decisions by provider: accept, revise and reject, the providers with most requests not found demand-led first" }
            @for ((name, counts), (top, h)) in shown.iter().zip(&rows) {
                @let bar_y = top + (h - BAR) / 2;
                (label_text(name, *top))
                @let a = scale(counts[1]);
                @let r = scale(counts[2]);
                @let j = scale(counts[3]);
                rect class="bar accept" x=(LABEL) y=(bar_y) width=(a) height=(BAR) {}
                rect class="bar revise" x=(LABEL + a) y=(bar_y) width=(r) height=(BAR) {}
                rect class="bar reject" x=(LABEL + a + r) y=(bar_y) width=(j) height=(BAR) {}
                text.value x=(LABEL + a + r + j + 6) y=(bar_y + BAR / 2 + 5) {
                    (counts[1]) " accept, " (counts[2]) " revise, " (counts[3]) " reject"
                }
            }
        }
    }
}

fn upload_form(state: &AppState) -> Markup {
    html! {
        form method="post" action="/portfolio" enctype="multipart/form-data" {
            (csrf_field(state))
            div.field {
                label for="files" { "Request files" }
                input #files type="file" name="files" multiple accept=".json,.jsonl,.xml,application/json,application/xml,text/xml" aria-describedby="files-hint";
                p.hint #files-hint { "A JSON Lines file (one request a line), several request files, or the activity data a provider publishes in IATI (an .xml file): each technical co-operation activity becomes a request for each country it names." }
            }
            div.field {
                label for="folder" { "Or a folder of requests" }
                input #folder type="file" name="files" webkitdirectory multiple aria-describedby="folder-hint";
                p.hint #folder-hint { "Every .json, .jsonl and .xml file in the folder and the folders inside it." }
            }
            button type="submit" { "Screen the portfolio" }
            " "
            button type="submit" formaction="/portfolio?fallback_pack=base" aria-describedby="fallback-hint" {
                "Screen it, with countries that have no rule pack here"
            }
            p.hint #fallback-hint { "Requests from a country without its own rule pack are then screened against the international commitments on technical co-operation only, and each decision note says that the country's own policy was not applied." }
        }
    }
}

/// `GET /portfolio`: the upload form.
pub async fn page(State(state): State<AppState>) -> Response {
    let body = html! {
        p.lead {
            "Screen many requests at once and see them counted: by decision, by criterion, by rule and by provider. "
            "Nothing is recorded in the register."
        }
        (upload_form(&state))
    };
    html_page(self::page_markup(&state, body))
}

fn page_markup(state: &AppState, body: Markup) -> Markup {
    layout(state, Section::Portfolio, "Portfolio", body)
}

/// `POST /portfolio`: screen what was uploaded and show the counts. A place among the
/// batches is taken and the form's CSRF token (its first field) checked before a byte of the
/// files is read; the files are then screened as they arrive ([`crate::upload`]).
pub async fn submit(
    State(state): State<AppState>,
    query: Result<Query<ScreenQuery>, QueryRejection>,
    form: Result<Multipart, MultipartRejection>,
) -> Response {
    // `?fallback_pack=base`: the page's second button, for countries without a pack.
    let fallback = query
        .ok()
        .and_then(|q| q.0.fallback_pack)
        .filter(|p| p == "base");
    let mut multipart = match form_body::multipart(&state, form) {
        Ok(multipart) => multipart,
        Err(refused) => return refused,
    };
    let Some(slot) = state.batch_slot() else {
        return error_page(&state, &ApiError::busy());
    };
    let csrf = match multipart.next_field().await {
        Ok(Some(field)) if field.name() == Some("_csrf") => upload::read_field(field, 256)
            .await
            .ok()
            .map(|bytes| String::from_utf8_lossy(&bytes).into_owned()),
        _ => None,
    };
    if let Err(refused) = check_csrf(&state, csrf.as_deref()) {
        return refused;
    }
    let (parts, items) = upload::channel();
    let items = items.with_max_request(state.max_request_bytes());
    let imports = items.import_log();
    let screener = state.screener().clone();
    // As of today, as every screening of the server (a decider who needs another date sends
    // the requests to POST /v1/screen/batch with as_of).
    let query = ScreenQuery {
        fallback_pack: fallback,
        ..ScreenQuery::default()
    };
    let options = match query.options(&state) {
        Ok(options) => options,
        Err(e) => return error_page(&state, &e),
    };
    let screening = tokio::task::spawn_blocking(move || {
        let _slot = slot;
        screen_portfolio(&screener, items, &options)
    });
    let sent = upload::send_files(&mut multipart, parts, state.max_upload_bytes()).await;
    let portfolio = screening.await;
    if let Err(e) = sent {
        let max_total = state.max_upload_bytes();
        let e = if e.status == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                Diagnostic::error(
                    Code::H009,
                    format!("the upload is larger than the limit of {max_total} bytes"),
                )
                .help("screen the portfolio in parts, or use POST /v1/screen/batch, which streams"),
            )
        } else {
            e
        };
        return error_page(&state, &e);
    }
    let Ok(mut portfolio) = portfolio else {
        return error_page(
            &state,
            &ApiError::internal("the portfolio's screening stopped"),
        );
    };
    portfolio.imports = imports.files();
    // A published file may hold no technical co-operation at all: its counts are still shown.
    if portfolio.rows.is_empty() && portfolio.problems.is_empty() && portfolio.imports.is_empty() {
        return error_page(
            &state,
            &ApiError::bad_request(
                "there are no requests in the upload",
                "choose .json or .jsonl files of requests, or a provider's IATI .xml file",
            ),
        );
    }
    let portfolio = Arc::new(portfolio);
    let id = state.keep_portfolio(portfolio.clone());
    let markup = report(&state, &portfolio, &id).await;
    html_page(page_markup(&state, markup))
}

/// What the providers' published data (IATI) held, and what was left out and why, in an
/// officer's words.
fn published_data(p: &Portfolio) -> Markup {
    if p.imports.is_empty() {
        return html! {};
    }
    html! {
        section aria-labelledby="published" {
            h2 #published { "Published activity data" }
            @for file in &p.imports {
                @let c = &file.counts;
                p {
                    strong { (file.file) } ": "
                    (c.activities) " activities published, " (c.tc) " of them technical co-operation; "
                    (c.requests) " requests made from them (one for each country an activity names)."
                    @if c.over > 0 { " " (c.over) " of these requests are for activities already closed or cancelled." }
                    @if c.code_only > 0 { " " (c.code_only) " are counted as technical co-operation only because of their aid type: check that they are." }
                    @if c.problems > 0 { " " (c.problems) " could not be read (they are listed with the requests not screened)." }
                }
                @if !file.skipped.is_empty() {
                    table {
                        caption { "Activities left out of " (file.file) }
                        thead { tr { th scope="col" { "Activity" } th scope="col" { "Why it was left out" } } }
                        tbody {
                            @for s in &file.skipped {
                                tr {
                                    td { (s.identifier) }
                                    td {
                                        @match &s.reason {
                                            SkipReason::NotTc => "Not technical co-operation: nothing in its aid type, its description or who implements it says so.",
                                            SkipReason::OtherCountries(countries) => { "For " (countries.join(", ")) " only." }
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
}

/// Screen `items` (on the calling thread, which waits for the pool), count them, and find the
/// titles of the rules of the packs that screened them.
fn screen_portfolio(
    screener: &tcscreen_service::Screener,
    items: impl Iterator<Item = Item> + Send + 'static,
    options: &tcscreen_service::ScreenOptions,
) -> Portfolio {
    let packs = screener.packs();
    let mut portfolio = Portfolio::default();
    screen_batch(screener, items, options, &|| false, |outcome| {
        portfolio.add(outcome, packs.catalog());
        ControlFlow::Continue(())
    });
    let used: std::collections::BTreeSet<usize> = packs
        .catalog()
        .entries()
        .iter()
        .enumerate()
        .filter(|(_, e)| {
            let name = format!("{} {}", e.manifest.id, e.manifest.version);
            portfolio.rows.iter().any(|r| r.pack == name)
        })
        .map(|(i, _)| i)
        .collect();
    portfolio.rule_titles = tcscreen_service::listing::rule_titles(&packs, used);
    portfolio
}

/// The decisions by the requests' country, named as the countries with packs are.
fn by_country(p: &Portfolio, names: &std::collections::BTreeMap<String, String>) -> Markup {
    html! {
        section aria-labelledby="by-country" {
            h2 #by-country { "By country" }
            table {
                caption { "Decisions by the requests' country" }
                thead {
                    tr {
                        th scope="col" { "Country" } th scope="col" { "Requests" } th scope="col" { "Accept" }
                        th scope="col" { "Revise" } th scope="col" { "Reject" } th scope="col" { "No decision" }
                    }
                }
                tbody {
                    @for (country, c) in p.by_country() {
                        tr {
                            th scope="row" { (names.get(&country).cloned().unwrap_or(country)) }
                            td { (c[0]) } td { (c[1]) } td { (c[2]) } td { (c[3]) } td { (c[4]) }
                        }
                    }
                }
            }
        }
    }
}

async fn report(state: &AppState, p: &Portfolio, id: &str) -> Markup {
    let names: std::collections::BTreeMap<String, String> =
        countries_with_packs(state).await.into_iter().collect();
    let decisions = p.by_decision();
    let bars: Vec<(String, usize, &str)> = decisions
        .iter()
        .map(|(label, n, class)| ((*label).to_string(), *n, *class))
        .collect();
    let providers = p.by_provider();
    let rules = p.by_rule();
    html! {
        p.lead {
            (p.rows.len()) " requests, " (p.screened().count()) " screened. "
            a href=(format!("/portfolio/{id}/csv")) download="portfolio.csv" { "Download the table of requests (CSV)" }
        }
        (published_data(p))
        section aria-labelledby="by-decision" {
            h2 #by-decision { "By decision" }
            (bar_chart("decisions-chart", "Requests by decision", &bars))
            table {
                caption { "Requests by decision" }
                thead { tr { th scope="col" { "Decision" } th scope="col" { "Requests" } } }
                tbody {
                    @for (label, n, _) in &decisions { tr { th scope="row" { (label) } td { (n) } } }
                }
            }
        }
        section aria-labelledby="by-provider" {
            h2 #by-provider { "By provider" }
            p { "Providers whose requests are most often found not demand-led (the demand-led criterion asks to revise or rejects) come first." }
            (provider_chart(&providers))
            table {
                caption { "Decisions by provider" }
                thead {
                    tr {
                        th scope="col" { "Provider" } th scope="col" { "Requests" } th scope="col" { "Accept" }
                        th scope="col" { "Revise" } th scope="col" { "Reject" } th scope="col" { "No decision" }
                        th scope="col" { "Not demand-led" }
                    }
                }
                tbody {
                    @for (name, c) in &providers {
                        tr {
                            th scope="row" { (name) }
                            td { (c[0]) } td { (c[1]) } td { (c[2]) } td { (c[3]) } td { (c[4]) } td { (c[5]) }
                        }
                    }
                }
            }
        }
        (by_country(p, &names))
        section aria-labelledby="by-criterion" {
            h2 #by-criterion { "By criterion" }
            table {
                caption { "Requests by criterion and result" }
                thead { tr { th scope="col" { "Criterion" } th scope="col" { "Accept" } th scope="col" { "Revise" } th scope="col" { "Reject" } } }
                tbody {
                    @for (c, n) in p.by_criterion() {
                        tr { th scope="row" { (criterion_name(c)) } td { (n[0]) } td { (n[1]) } td { (n[2]) } }
                    }
                }
            }
        }
        section aria-labelledby="by-rule" {
            h2 #by-rule { "By rule" }
            @if rules.is_empty() {
                p { "No rule recorded a finding." }
            } @else {
                table {
                    caption { "Requests in which each rule recorded a finding" }
                    thead {
                        tr {
                            th scope="col" { "Rule" } th scope="col" { "Criterion" } th scope="col" { "Reject" }
                            th scope="col" { "Revise" } th scope="col" { "Note" }
                        }
                    }
                    tbody {
                        @for (rule, c, n) in &rules {
                            tr {
                                th scope="row" {
                                    code { (rule) }
                                    @if let Some(title) = p.rule_titles.get(rule) { br; span.rule-title { (title) } }
                                }
                                td { (criterion_name(*c)) } td { (n[0]) } td { (n[1]) } td { (n[2]) }
                            }
                        }
                    }
                }
            }
        }
        @if !p.problems.is_empty() {
            section.error aria-labelledby="not-screened" {
                h2 #not-screened { "Requests not screened (" (p.problems.len()) ")" }
                @for (source, list) in &p.problems {
                    h3 { (source) }
                    (problems(list))
                }
            }
        }
        h2 { "Another portfolio" }
        (upload_form(state))
    }
}

/// `GET /portfolio/{id}/csv`: a portfolio screened earlier, one line per request.
pub async fn csv(State(state): State<AppState>, Path(id): Path<String>) -> Response {
    match state.portfolio(&id) {
        Some(p) => {
            let mut response =
                ([(header::CONTENT_TYPE, "text/csv; charset=utf-8")], p.csv()).into_response();
            response.headers_mut().insert(
                header::CONTENT_DISPOSITION,
                HeaderValue::from_static("attachment; filename=\"portfolio.csv\""),
            );
            response
        }
        None => error_page(
            &state,
            &ApiError::not_found(
                "this portfolio is no longer kept",
                "the server keeps the last portfolios only while it runs: upload the files again",
            ),
        ),
    }
}
