//! Portfolio: many requests at once (a JSON Lines file, several files, or a folder's worth),
//! screened with the packs in force, counted by decision, criterion, rule and provider, as
//! tables and bar charts drawn on the server as SVG, with a CSV export. This is where a unit
//! sees which providers keep sending supply-led requests. A portfolio is an analysis: nothing
//! is appended to the register.

use std::collections::BTreeMap;
use std::io::Cursor;
use std::ops::ControlFlow;
use std::sync::Arc;
use tcscreen_core::Code;

use axum::extract::{Multipart, Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use maud::{Markup, html};
use tcscreen_core::{Criterion, Decision, Diagnostic, Outcome as FindingOutcome};
use tcscreen_service::render::markdown::criterion_name;
use tcscreen_service::{Inputs, Item, Outcome, ScreenOptions, Source, screen_batch};

use crate::app::AppState;
use crate::body::too_large_error;
use crate::problem::ApiError;
use crate::web::screen::read_field;
use crate::web::{Section, check_csrf, csrf_field, error_page, html_page, layout, problems};

/// One request of a portfolio.
#[derive(Clone, Debug)]
pub struct Row {
    /// File, or file and line.
    pub source: String,
    /// Request id (empty when it could not be read).
    pub request_id: String,
    /// The provider's name, as the request states it.
    pub provider: String,
    /// The provider's kind.
    pub provider_kind: String,
    /// The requesting institution.
    pub requester: String,
    /// `id version` of the pack.
    pub pack: String,
    /// Screening date.
    pub as_of: String,
    /// The decision (`None`: a rule failed, or not screened).
    pub decision: Option<Decision>,
    /// Per criterion.
    pub criteria: BTreeMap<Criterion, Decision>,
    /// Rule, criterion, outcome of each finding.
    pub findings: Vec<(String, Criterion, FindingOutcome)>,
    /// Why it was not screened (first problem), if it was not.
    pub not_screened: Option<String>,
}

/// A screened portfolio.
#[derive(Clone, Debug, Default)]
pub struct Portfolio {
    /// Every request, in upload order.
    pub rows: Vec<Row>,
    /// The problems of the requests not screened, by source.
    pub problems: Vec<(String, Vec<Diagnostic>)>,
}

const NOT_STATED: &str = "(not stated)";

fn text_at<'a>(json: &'a tcscreen_core::Json, path: &[&str]) -> Option<&'a str> {
    path.iter()
        .try_fold(json, |j, key| j.get(key))
        .and_then(tcscreen_core::Json::as_str)
}

impl Portfolio {
    fn add(&mut self, outcome: Outcome, catalog: &tcscreen_packs::Catalog) {
        match outcome {
            Outcome::Screened(s) => {
                let r = &s.record;
                let input = &r.input;
                self.rows.push(Row {
                    source: s.source.display(),
                    request_id: r.request_id.clone(),
                    provider: text_at(input, &["provider", "name"])
                        .unwrap_or(NOT_STATED)
                        .to_string(),
                    provider_kind: text_at(input, &["provider", "kind"])
                        .unwrap_or("")
                        .to_string(),
                    requester: text_at(input, &["requester", "name"])
                        .unwrap_or(NOT_STATED)
                        .to_string(),
                    pack: format!("{} {}", r.pack.id, r.pack.version),
                    as_of: r.as_of.to_string(),
                    decision: r.decision,
                    criteria: r.criteria.clone().unwrap_or_default(),
                    findings: r
                        .findings
                        .iter()
                        .map(|f| (f.rule.clone(), f.criterion, f.outcome))
                        .collect(),
                    not_screened: None,
                });
            }
            Outcome::NotScreened(not) => {
                let problems = not.diagnostics(catalog, &mut Default::default());
                let first = problems
                    .first()
                    .map_or_else(String::new, |d| format!("{}: {}", d.code, d.message));
                self.rows.push(Row {
                    source: not.source.display(),
                    request_id: not.request_id.clone().unwrap_or_default(),
                    provider: String::new(),
                    provider_kind: String::new(),
                    requester: String::new(),
                    pack: String::new(),
                    as_of: String::new(),
                    decision: None,
                    criteria: BTreeMap::new(),
                    findings: Vec::new(),
                    not_screened: Some(first),
                });
                self.problems.push((not.source.display(), problems));
            }
        }
    }

    fn screened(&self) -> impl Iterator<Item = &Row> {
        self.rows.iter().filter(|r| r.not_screened.is_none())
    }

    /// Counts by decision: accept, revise, reject, no decision (a rule failed), not screened.
    pub fn by_decision(&self) -> [(&'static str, usize, &'static str); 5] {
        let count = |d: Option<Decision>| self.screened().filter(|r| r.decision == d).count();
        [
            ("Accept", count(Some(Decision::Accept)), "accept"),
            ("Revise", count(Some(Decision::Revise)), "revise"),
            ("Reject", count(Some(Decision::Reject)), "reject"),
            ("No decision (a rule failed)", count(None), "none"),
            (
                "Not screened (invalid request)",
                self.rows.len() - self.screened().count(),
                "invalid",
            ),
        ]
    }

    /// Per criterion: how many requests it accepts, revises, rejects.
    pub fn by_criterion(&self) -> Vec<(Criterion, [usize; 3])> {
        Criterion::ALL
            .into_iter()
            .map(|c| {
                let mut counts = [0; 3];
                for r in self.screened() {
                    match r.criteria.get(&c) {
                        Some(Decision::Accept) => counts[0] += 1,
                        Some(Decision::Revise) => counts[1] += 1,
                        Some(Decision::Reject) => counts[2] += 1,
                        None => {}
                    }
                }
                (c, counts)
            })
            .collect()
    }

    /// Per rule that recorded something: criterion, and the requests where it recorded a
    /// reject, a revise, a note; most decisive first.
    pub fn by_rule(&self) -> Vec<(String, Criterion, [usize; 3])> {
        let mut rules: BTreeMap<String, (Criterion, [usize; 3])> = BTreeMap::new();
        for r in self.screened() {
            let mut seen = std::collections::BTreeSet::new();
            for (rule, criterion, outcome) in &r.findings {
                if !seen.insert((rule, *outcome)) {
                    continue;
                }
                let entry = rules.entry(rule.clone()).or_insert((*criterion, [0; 3]));
                match outcome {
                    FindingOutcome::Reject => entry.1[0] += 1,
                    FindingOutcome::Revise => entry.1[1] += 1,
                    FindingOutcome::Note => entry.1[2] += 1,
                }
            }
        }
        let mut out: Vec<_> = rules.into_iter().map(|(r, (c, n))| (r, c, n)).collect();
        out.sort_by(|a, b| {
            (b.2[0] + b.2[1])
                .cmp(&(a.2[0] + a.2[1]))
                .then(a.0.cmp(&b.0))
        });
        out
    }

    /// Per provider: requests, accept, revise, reject, no decision, and how many were found
    /// not demand-led (the demand-led criterion revises or rejects them); most such first.
    pub fn by_provider(&self) -> Vec<(String, [usize; 6])> {
        let mut providers: BTreeMap<String, [usize; 6]> = BTreeMap::new();
        for r in self.screened() {
            let counts = providers.entry(r.provider.clone()).or_default();
            counts[0] += 1;
            match r.decision {
                Some(Decision::Accept) => counts[1] += 1,
                Some(Decision::Revise) => counts[2] += 1,
                Some(Decision::Reject) => counts[3] += 1,
                None => counts[4] += 1,
            }
            if matches!(
                r.criteria.get(&Criterion::DemandLed),
                Some(Decision::Revise | Decision::Reject)
            ) {
                counts[5] += 1;
            }
        }
        let mut out: Vec<_> = providers.into_iter().collect();
        out.sort_by(|a, b| {
            b.1[5]
                .cmp(&a.1[5])
                .then(b.1[0].cmp(&a.1[0]))
                .then(a.0.cmp(&b.0))
        });
        out
    }

    /// The portfolio as CSV: one line per request.
    pub fn csv(&self) -> String {
        let mut out = String::from(
            "source,request_id,provider,provider_kind,requester,pack,as_of,decision,policy_fit,demand_led,exit,data,findings,not_screened\r\n",
        );
        for r in &self.rows {
            let criterion = |c: Criterion| r.criteria.get(&c).map_or("", |d| d.as_str());
            let findings: Vec<String> = r
                .findings
                .iter()
                .map(|(rule, _, outcome)| format!("{rule}:{}", outcome.as_str()))
                .collect();
            let cells = [
                r.source.as_str(),
                &r.request_id,
                &r.provider,
                &r.provider_kind,
                &r.requester,
                &r.pack,
                &r.as_of,
                r.decision.map_or("", Decision::as_str),
                criterion(Criterion::PolicyFit),
                criterion(Criterion::DemandLed),
                criterion(Criterion::Exit),
                criterion(Criterion::Data),
                &findings.join(" "),
                r.not_screened.as_deref().unwrap_or(""),
            ];
            let line: Vec<String> = cells.iter().map(|c| csv_cell(c)).collect();
            out.push_str(&line.join(","));
            out.push_str("\r\n");
        }
        out
    }
}

/// A CSV cell: quoted when needed, and a leading `=`, `+`, `-` or `@` defused so that a
/// spreadsheet never runs request text as a formula.
fn csv_cell(text: &str) -> String {
    let defused = if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_string()
    };
    if defused.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", defused.replace('"', "\"\""))
    } else {
        defused
    }
}

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

/// `POST /portfolio`: screen what was uploaded and show the counts.
pub async fn submit(State(state): State<AppState>, mut multipart: Multipart) -> Response {
    let max_total = state.max_upload_bytes();
    let max_request = state.max_request_bytes();
    let mut csrf = None;
    let mut items: Vec<Item> = Vec::new();
    let mut total = 0usize;
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(e) => {
                return error_page(
                    &state,
                    &ApiError::bad_request(
                        format!("the upload could not be read: {e}"),
                        "send the files again",
                    ),
                );
            }
        };
        let name = field.name().unwrap_or_default().to_string();
        let file_name = field.file_name().unwrap_or_default().to_string();
        // A file larger than the upload limit is refused whole; each request in it is then
        // held to the request limit as it is read.
        let bytes = match read_field(field, max_total - total).await {
            Ok(bytes) => bytes,
            Err(_) => {
                return error_page(
                    &state,
                    &ApiError::new(
                        StatusCode::PAYLOAD_TOO_LARGE,
                        Diagnostic::error(Code::H009, format!("the upload is larger than the limit of {max_total} bytes"))
                            .help("screen the portfolio in parts, or use POST /v1/screen/batch, which streams"),
                    ),
                );
            }
        };
        total += bytes.len();
        match name.as_str() {
            "_csrf" => csrf = Some(String::from_utf8_lossy(&bytes).into_owned()),
            "files" if !bytes.is_empty() => {
                if file_name.ends_with(".jsonl") {
                    items.extend(
                        Inputs::json_lines(&file_name, Box::new(Cursor::new(bytes)))
                            .with_max_bytes(max_request),
                    );
                } else if file_name.ends_with(".json") {
                    let text = if bytes.len() > max_request {
                        Err(too_large_error(&bytes.len().to_string(), max_request))
                    } else {
                        Ok(crate::body::request_text(&bytes))
                    };
                    match text {
                        Ok(text) => items.push(Item {
                            source: Source::file(file_name),
                            text,
                        }),
                        Err(e) => return error_page(&state, &e),
                    }
                }
            }
            _ => {}
        }
    }
    if let Err(refused) = check_csrf(&state, csrf.as_deref()) {
        return refused;
    }
    if items.is_empty() {
        return error_page(
            &state,
            &ApiError::bad_request(
                "there are no requests in the upload",
                "choose .json or .jsonl files of requests",
            ),
        );
    }
    let Some(slot) = state.batch_slot() else {
        return error_page(&state, &ApiError::busy());
    };
    let screener = state.screener().clone();
    let mut options = ScreenOptions::default();
    options.request_limits.max_bytes = max_request;
    let portfolio = tokio::task::spawn_blocking(move || {
        let _slot = slot;
        let packs = screener.packs();
        let mut portfolio = Portfolio::default();
        screen_batch(
            &screener,
            items.into_iter(),
            &options,
            &|| false,
            |outcome| {
                portfolio.add(outcome, packs.catalog());
                ControlFlow::Continue(())
            },
        );
        portfolio
    })
    .await;
    let Ok(portfolio) = portfolio else {
        return error_page(
            &state,
            &ApiError::register("the portfolio's screening stopped"),
        );
    };
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_cells_are_quoted_and_formulas_defused() {
        assert_eq!(csv_cell("plain"), "plain");
        assert_eq!(csv_cell("a,b"), "\"a,b\"");
        assert_eq!(csv_cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_cell("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(csv_cell("-1"), "'-1");
    }
}
