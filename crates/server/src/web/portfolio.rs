//! Portfolio: many requests at once (a JSON Lines file, several files, or a folder's worth),
//! screened with the packs in force, counted by decision, criterion, rule and provider, as
//! tables and bar charts drawn on the server as SVG, with a CSV export. This is where a unit
//! sees which providers keep sending supply-led requests. A portfolio is an analysis: nothing
//! is appended to the register.

use std::ops::ControlFlow;
use std::sync::Arc;
use tcscreen_core::Code;

use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use maud::{Markup, html};
use tcscreen_core::Diagnostic;
use tcscreen_service::render::markdown::criterion_name;
use tcscreen_service::{ScreenOptions, screen_batch};

use crate::portfolio::Portfolio;
use crate::problem::ApiError;
use crate::state::AppState;
use crate::upload;
use crate::web::screen::read_field;
use crate::web::{
    Section, check_csrf, csrf_field, error_page, form_body, html_page, layout, problems,
};

/// A horizontal bar chart: one bar per (label, count, class), with the counts written out.
fn bar_chart(id: &str, title: &str, bars: &[(String, usize, &str)]) -> Markup {
    const LABEL: usize = 290;
    const WIDTH: usize = 720;
    const BAR: usize = 22;
    const GAP: usize = 8;
    let max = bars.iter().map(|b| b.1).max().unwrap_or(0).max(1);
    let height = bars.len() * (BAR + GAP) + GAP;
    let scale = |n: usize| n * (WIDTH - LABEL - 60) / max;
    html! {
        svg.chart role="img" aria-labelledby=(format!("{id}-title")) viewBox=(format!("0 0 {WIDTH} {height}"))
            width=(WIDTH) height=(height) xmlns="http://www.w3.org/2000/svg" {
            title #(format!("{id}-title")) { (title) }
            @for (i, (label, count, class)) in bars.iter().enumerate() {
                @let y = GAP + i * (BAR + GAP);
                text.label x=(LABEL - 8) y=(y + BAR / 2 + 5) text-anchor="end" { (shorten(label)) }
                rect class=(format!("bar {class}")) x=(LABEL) y=(y) width=(scale(*count).max(1)) height=(BAR) {}
                text.value x=(LABEL + scale(*count).max(1) + 6) y=(y + BAR / 2 + 5) { (count) }
            }
        }
    }
}

/// Stacked bars per provider: accept, revise, reject.
fn provider_chart(providers: &[(String, [usize; 6])]) -> Markup {
    const LABEL: usize = 290;
    const WIDTH: usize = 720;
    const BAR: usize = 22;
    const GAP: usize = 8;
    let shown: Vec<_> = providers.iter().take(12).collect();
    let max = shown.iter().map(|p| p.1[0]).max().unwrap_or(0).max(1);
    let height = shown.len() * (BAR + GAP) + GAP + 24;
    let scale = |n: usize| n * (WIDTH - LABEL - 60) / max;
    html! {
        svg.chart role="img" aria-labelledby="providers-chart-title" viewBox=(format!("0 0 {WIDTH} {height}"))
            width=(WIDTH) height=(height) xmlns="http://www.w3.org/2000/svg" {
            title #providers-chart-title { "Decisions by provider: accept, revise and reject, the providers with most requests not found demand-led first" }
            @for (i, (name, counts)) in shown.iter().enumerate() {
                @let y = GAP + i * (BAR + GAP);
                text.label x=(LABEL - 8) y=(y + BAR / 2 + 5) text-anchor="end" { (shorten(name)) }
                @let a = scale(counts[1]);
                @let r = scale(counts[2]);
                @let j = scale(counts[3]);
                rect class="bar accept" x=(LABEL) y=(y) width=(a) height=(BAR) {}
                rect class="bar revise" x=(LABEL + a) y=(y) width=(r) height=(BAR) {}
                rect class="bar reject" x=(LABEL + a + r) y=(y) width=(j) height=(BAR) {}
                text.value x=(LABEL + a + r + j + 6) y=(y + BAR / 2 + 5) {
                    (counts[1]) " / " (counts[2]) " / " (counts[3])
                }
            }
            @let legend_y = height - 12;
            rect class="bar accept" x=(LABEL) y=(legend_y - 10) width="12" height="12" {}
            text.legend x=(LABEL + 16) y=(legend_y) { "accept" }
            rect class="bar revise" x=(LABEL + 80) y=(legend_y - 10) width="12" height="12" {}
            text.legend x=(LABEL + 96) y=(legend_y) { "revise" }
            rect class="bar reject" x=(LABEL + 160) y=(legend_y - 10) width="12" height="12" {}
            text.legend x=(LABEL + 176) y=(legend_y) { "reject" }
        }
    }
}

fn shorten(label: &str) -> String {
    if label.chars().count() > 32 {
        let short: String = label.chars().take(31).collect();
        format!("{short}…")
    } else {
        label.to_string()
    }
}

fn upload_form(state: &AppState) -> Markup {
    html! {
        form method="post" action="/portfolio" enctype="multipart/form-data" {
            (csrf_field(state))
            div.field {
                label for="files" { "Request files" }
                input #files type="file" name="files" multiple accept=".json,.jsonl,application/json" aria-describedby="files-hint";
                p.hint #files-hint { "A JSON Lines file (one request a line), or several request files." }
            }
            div.field {
                label for="folder" { "Or a folder of requests" }
                input #folder type="file" name="files" webkitdirectory multiple aria-describedby="folder-hint";
                p.hint #folder-hint { "Every .json and .jsonl file in the folder and the folders inside it." }
            }
            button type="submit" { "Screen the portfolio" }
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
    form: Result<Multipart, MultipartRejection>,
) -> Response {
    let mut multipart = match form_body::multipart(&state, form) {
        Ok(multipart) => multipart,
        Err(refused) => return refused,
    };
    let Some(slot) = state.batch_slot() else {
        return error_page(&state, &ApiError::busy());
    };
    let csrf = match multipart.next_field().await {
        Ok(Some(field)) if field.name() == Some("_csrf") => read_field(field, 256)
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
    let screener = state.screener().clone();
    let mut options = ScreenOptions::default();
    options.request_limits.max_bytes = state.max_request_bytes();
    let screening = tokio::task::spawn_blocking(move || {
        let _slot = slot;
        let packs = screener.packs();
        let mut portfolio = Portfolio::default();
        screen_batch(&screener, items, &options, &|| false, |outcome| {
            portfolio.add(outcome, packs.catalog());
            ControlFlow::Continue(())
        });
        portfolio
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
    let Ok(portfolio) = portfolio else {
        return error_page(
            &state,
            &ApiError::register("the portfolio's screening stopped"),
        );
    };
    if portfolio.rows.is_empty() && portfolio.problems.is_empty() {
        return error_page(
            &state,
            &ApiError::bad_request(
                "there are no requests in the upload",
                "choose .json or .jsonl files of requests",
            ),
        );
    }
    let portfolio = Arc::new(portfolio);
    let id = state.keep_portfolio(portfolio.clone());
    html_page(page_markup(&state, report(&state, &portfolio, &id)))
}

fn report(state: &AppState, p: &Portfolio, id: &str) -> Markup {
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
                                th scope="row" { code { (rule) } }
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
