//! Screen: paste or upload one request, and see the decision, the note (the same Markdown as
//! `screen --format markdown`, rendered), the findings grouped by criterion and the pack that
//! decided; download the record, the request and the note. Without script the whole flow is
//! forms: paste, submit, read.

use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use maud::{Markup, PreEscaped, html};
use tcscreen_core::{Criterion, Decision, DecisionRecord};
use tcscreen_service::compare::Comparison;
use tcscreen_service::render::markdown::{
    criterion_name, decision_note, field_in_words, unit_follow_up,
};
use tcscreen_service::{Location, RecordFormat, RecordWriter, Screened};

use crate::body::{request_text, too_large_error};
use crate::identity::{self, Permission};
use crate::problem::ApiError;
use crate::request_form::Fields;
use crate::screening::{self, Register, ScreenQuery};
use crate::state::AppState;
use crate::upload;
use crate::web::recorded::{self, Progress, progress_since};
use crate::web::{
    Section, check_csrf, csrf_field, error_page, follow_up, form_body, html_page, layout, note,
    problems,
};

/// The comparison of a resubmission with the round it follows.
fn comparison(previous: &DecisionRecord, now: &DecisionRecord) -> Comparison {
    Comparison {
        previous: previous.clone(),
        now: now.clone(),
    }
}

/// What the screen form was given, to show it again.
#[derive(Clone, Debug, Default)]
pub struct Submitted {
    /// The pasted request.
    pub request: String,
    /// `ID` or `ID@VERSION`, empty for automatic.
    pub pack: String,
    /// The screening date, empty for the request's own.
    pub as_of: String,
    /// The register entry of the round this screening resubmits (Edit and resubmit).
    pub previous: Option<u64>,
}

/// `GET /`: the screen form.
pub async fn page(State(state): State<AppState>) -> Response {
    html_page(screen_page(&state, &Submitted::default(), None).await)
}

/// The pack choices: automatic, or a pack of the catalog by id and version.
pub async fn pack_options(state: &AppState, chosen: &str) -> Markup {
    let rows = state.pack_rows().await;
    html! {
        option value="" selected[chosen.is_empty()] { "Chosen by the request's country and date" }
        @for row in rows.iter() {
            @let value = format!("{}@{}", row.id, row.version);
            option value=(value) selected[chosen == value] {
                (row.name) " — " (row.id) " " (row.version) " (" (row.validity) ")"
            }
        }
    }
}

/// The options shared by the screen form and the request form: the pack and the screening
/// date, for those allowed to choose them (a decider; everyone in single-person mode). Others
/// screen as of today with the pack of the request's country.
pub async fn options_fields(state: &AppState, submitted: &Submitted) -> Markup {
    if !identity::current().may(Permission::ChooseDateOrPack) {
        return html! {
            p.hint #options-hint { "Screened as of today, with the pack of the request's country in force today." }
        };
    }
    html! {
        fieldset.options {
            legend { "Options" }
            div.field {
                label for="pack" { "Pack" }
                select #pack name="pack" aria-describedby="pack-hint" {
                    (pack_options(state, &submitted.pack).await)
                }
                p.hint #pack-hint { "Leave it to choose the pack of the request's country valid on the screening date." }
            }
            div.field {
                label for="as_of" { "Screening date" }
                input #as_of type="date" name="as_of" value=(submitted.as_of) aria-describedby="as_of-hint";
                p.hint #as_of-hint { "Leave it empty to screen as of today. Another date screens with the rules in force on that date." }
            }
        }
    }
}

async fn screen_page(state: &AppState, submitted: &Submitted, error: Option<&ApiError>) -> Markup {
    let body = html! {
        p.lead {
            "Paste a request, or choose its file, and screen it with the packs in force. "
            "A request is a file in the request format (" a href="/v1/schema/example" { "a complete example" } "); "
            a href="/form" { "the request form" } " builds one field by field, with each field explained."
        }
        @if let Some(error) = error {
            section.error role="alert" aria-labelledby="problems-title" tabindex="-1" #problems {
                h2 #problems-title { "The request was not screened" }
                (problems(error.diagnostics()))
            }
        }
        form method="post" action="/screen" enctype="multipart/form-data" {
            (csrf_field(state))
            div.field {
                label for="request" { "Request (JSON)" }
                textarea #request name="request" rows="16" spellcheck="false" aria-describedby="request-hint" { (submitted.request) }
                p.hint #request-hint { "One request, as JSON. Problems are reported with their line and column." }
            }
            div.field {
                label for="file" { "Or choose a request file" }
                input #file type="file" name="file" accept=".json,application/json" aria-describedby="file-hint";
                p.hint #file-hint { "A file chosen here is screened instead of the text above." }
            }
            (options_fields(state, submitted).await)
            button type="submit" { "Screen" }
        }
    };
    layout(state, Section::Screen, "Screen a request", body)
}

/// `POST /screen`: screen what was pasted or uploaded.
pub async fn submit(
    State(state): State<AppState>,
    form: Result<Multipart, MultipartRejection>,
) -> Response {
    let mut multipart = match form_body::multipart(&state, form) {
        Ok(multipart) => multipart,
        Err(refused) => return refused,
    };
    let max = state.max_request_bytes();
    // Every field together: at most a form that carries a request (many small fields add up).
    let mut room = form_body::request_form_limit(max);
    let mut submitted = Submitted::default();
    let mut csrf = None;
    let mut file: Option<(String, Vec<u8>)> = None;
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(e) => {
                return error_page(
                    &state,
                    &ApiError::bad_request(
                        format!("the form could not be read: {e}"),
                        "send the form again",
                    ),
                );
            }
        };
        let name = field.name().unwrap_or_default().to_string();
        let file_name = field.file_name().map(str::to_string);
        let bytes = match upload::read_field(field, max.min(room)).await {
            Ok(bytes) => bytes,
            Err(e) => return error_page(&state, &e),
        };
        room -= bytes.len();
        match name.as_str() {
            "_csrf" => csrf = Some(String::from_utf8_lossy(&bytes).into_owned()),
            "request" => submitted.request = String::from_utf8_lossy(&bytes).into_owned(),
            "pack" => submitted.pack = String::from_utf8_lossy(&bytes).trim().to_string(),
            "as_of" => submitted.as_of = String::from_utf8_lossy(&bytes).trim().to_string(),
            "file" if !bytes.is_empty() => {
                file = Some((
                    file_name.unwrap_or_else(|| "uploaded file".into()),
                    bytes.to_vec(),
                ));
            }
            _ => {}
        }
    }
    if let Err(refused) = check_csrf(&state, csrf.as_deref()) {
        return refused;
    }
    let (location, text) = match file {
        Some((name, bytes)) => {
            let text = request_text(&bytes);
            if let Ok(text) = &text {
                submitted.request.clone_from(text);
            }
            (Location::file(name), text)
        }
        None if submitted.request.trim().is_empty() => {
            let error = ApiError::bad_request(
                "there is no request to screen",
                "paste a request in the box, or choose its file",
            );
            return (
                StatusCode::BAD_REQUEST,
                html_page(screen_page(&state, &submitted, Some(&error)).await),
            )
                .into_response();
        }
        None => (
            Location::file("pasted request"),
            Ok(submitted.request.clone()),
        ),
    };
    screen_and_show(&state, Section::Screen, location, text, &submitted).await
}

/// Screen a request from a page, and show the result (or the screen form with the problems).
pub async fn screen_and_show(
    state: &AppState,
    section: Section,
    location: Location,
    text: Result<String, tcscreen_core::InputError>,
    submitted: &Submitted,
) -> Response {
    let query = ScreenQuery {
        as_of: Some(submitted.as_of.clone()),
        pack: Some(submitted.pack.clone()),
        ..ScreenQuery::default()
    };
    let outcome = match query.options(state) {
        Ok(options) => screening::screen(state, location, text, options, Register::Append).await,
        Err(e) => Err(e),
    };
    match outcome {
        Ok(screened) => {
            let registered = state.register().is_some();
            let progress = progress_since(state, submitted.previous, &screened.record).await;
            html_page(result_page(
                state,
                section,
                &screened,
                submitted,
                registered,
                progress.as_ref(),
            ))
        }
        Err(error) if error.status == StatusCode::SERVICE_UNAVAILABLE => error_page(state, &error),
        Err(error) => (
            error.status,
            html_page(screen_page(state, submitted, Some(&error)).await),
        )
            .into_response(),
    }
}

fn decision_word(d: Option<Decision>) -> &'static str {
    match d {
        Some(Decision::Accept) => "Accept",
        Some(Decision::Revise) => "Revise",
        Some(Decision::Reject) => "Reject",
        None => "No decision",
    }
}

fn decision_class(d: Option<Decision>) -> &'static str {
    match d {
        Some(Decision::Accept) => "accept",
        Some(Decision::Revise) => "revise",
        Some(Decision::Reject) => "reject",
        None => "none",
    }
}

/// The decision, the note, the findings and the downloads.
pub fn result_page(
    state: &AppState,
    section: Section,
    screened: &Screened,
    submitted: &Submitted,
    registered: bool,
    progress: Option<&Progress>,
) -> Markup {
    let record = &screened.record;
    let mut markdown = decision_note(record, &screened.pack);
    if let Some(progress) = progress {
        markdown.push('\n');
        markdown.push_str(&comparison(&progress.previous, record).to_markdown());
    }
    let title = format!("Screening of {}", record.request_id);
    let body = html! {
        section.decision.(decision_class(record.decision)) aria-labelledby="decision-title" {
            h2 #decision-title { "Decision: " (decision_word(record.decision)) }
            @if record.decision.is_none() {
                p { "A rule could not be completed on this request, so there is no decision. The people who maintain the pack have been told which rule failed (it is named below)." }
                ul {
                    @for e in &record.errors { li { code { (e.rule) } ": " (e.message) } }
                }
            }
            dl.facts {
                dt { "Request" } dd { (record.request_id) }
                dt { "Pack" } dd { (screened.pack.name) " — " code { (record.pack.id) } " version " (record.pack.version) }
                dt { "Screened as of" } dd { (record.as_of.to_string()) }
                dt { "Rules run" } dd { (record.rules_run) }
            }
            @if screened.pack.illustrative {
                p.notice { "This pack is illustrative: it shows how a country could write its policy, and is not any country's official policy." }
            }
            @if let Some(criteria) = &record.criteria {
                table.criteria {
                    caption { "Result by criterion" }
                    thead { tr { th scope="col" { "Criterion" } th scope="col" { "Result" } } }
                    tbody {
                        @for (criterion, decision) in criteria {
                            tr {
                                th scope="row" { (criterion_name(*criterion)) }
                                td.(decision_class(Some(*decision))) { (decision_word(Some(*decision))) }
                            }
                        }
                    }
                }
            }
            @if registered {
                p.noprint { "Recorded in the register. " a href=(crate::web::cases::case_address(&record.request_id)) { "Open this case and record the human decision" } "." }
            }
        }
        (follow_up::section(&unit_follow_up(record, &screened.pack)))
        section.downloads aria-labelledby="downloads-title" {
            h2 #downloads-title { "Download" }
            div.buttons {
                @for (what, label) in [("record", "The record (JSON)"), ("request", "The request (JSON)"), ("note", "The note (Markdown)")] {
                    form method="post" action="/screen/download" {
                        (csrf_field(state))
                        input type="hidden" name="request" value=(submitted.request);
                        input type="hidden" name="pack" value=(submitted.pack);
                        input type="hidden" name="as_of" value=(submitted.as_of);
                        @if let Some(previous) = submitted.previous {
                            input type="hidden" name="previous" value=(previous);
                        }
                        input type="hidden" name="what" value=(what);
                        button type="submit" { (label) }
                    }
                }
            }
        }
        @if let Some(progress) = progress {
            section.compare aria-labelledby="progress-title" {
                h2 #progress-title { "Progress since the previous round" }
                (recorded::progress(&progress.previous, record, &progress.facts))
            }
        }
        section.note aria-labelledby="note-title" {
            h2 #note-title { "The decision note" }
            p.hint.noprint { "The note as it is sent to the requester; print this page to keep it or save it as PDF." }
            div.note-body { (PreEscaped(note::to_html(&markdown))) }
        }
        section.findings aria-labelledby="findings-title" {
            h2 #findings-title { "Findings by criterion" }
            (findings_by_criterion(record))
        }
    };
    layout(state, section, &title, body)
}

/// The findings in tables, one per criterion.
pub fn findings_by_criterion(record: &DecisionRecord) -> Markup {
    html! {
        @if record.findings.is_empty() {
            p { "No rule recorded a finding." }
        }
        @for criterion in Criterion::ALL {
            @let found: Vec<_> = record.findings.iter().filter(|f| f.criterion == criterion).collect();
            @if !found.is_empty() {
                table.findings {
                    caption { (criterion_name(criterion)) " (" (found.len()) ")" }
                    thead {
                        tr {
                            th scope="col" { "Outcome" }
                            th scope="col" { "What to change" }
                            th scope="col" { "About" }
                            th scope="col" { "Policy" }
                            th scope="col" { "Rule" }
                        }
                    }
                    tbody {
                        @for f in found {
                            tr {
                                td.(f.outcome.as_str()) { (f.outcome.as_str()) }
                                td { (f.message) }
                                td { (f.field.as_deref().map(field_in_words).unwrap_or_default()) }
                                td { (f.policy.as_deref().unwrap_or("")) }
                                td { code { (f.rule) } }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// What a download form asks for: the request, and which file (`record`, `request`, `note`).
struct DownloadForm {
    request: String,
    /// The round a resubmission follows: its progress goes into the note.
    previous: Option<u64>,
    what: String,
}

/// `POST /screen/download`: screen the request again (without appending it to the register)
/// and send the record, the request or the note as a file.
pub(crate) async fn download(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
    body: axum::body::Body,
) -> Response {
    let limit = form_body::request_form_limit(state.max_request_bytes());
    let fields = match form_body::read(&state, &headers, body, limit).await {
        Ok(bytes) => Fields::parse(&bytes),
        Err(refused) => return refused,
    };
    if let Err(refused) = check_csrf(&state, fields.get("_csrf")) {
        return refused;
    }
    let text = |name: &str| fields.get(name).unwrap_or_default().to_string();
    let form = DownloadForm {
        request: text("request"),
        previous: fields.get("previous").and_then(|p| p.trim().parse().ok()),
        what: text("what"),
    };
    let query = ScreenQuery {
        as_of: Some(text("as_of")),
        pack: Some(text("pack")),
        ..ScreenQuery::default()
    };
    if form.request.len() > state.max_request_bytes() {
        let max = state.max_request_bytes();
        return error_page(
            &state,
            &too_large_error(&form.request.len().to_string(), max),
        );
    }
    let screened = match query.options(&state) {
        Ok(options) => {
            screening::screen(
                &state,
                Location::file("pasted request"),
                Ok(form.request.clone()),
                options,
                Register::Skip,
            )
            .await
        }
        Err(e) => Err(e),
    };
    let screened = match screened {
        Ok(s) => s,
        Err(e) => return error_page(&state, &e),
    };
    let stem: String = screened
        .record
        .request_id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let (bytes, content_type, name) = match form.what.as_str() {
        "request" => (
            form.request.clone().into_bytes(),
            "application/json",
            format!("{stem}.request.json"),
        ),
        "note" => (
            {
                let mut note = decision_note(&screened.record, &screened.pack);
                let previous = match form.previous {
                    Some(seq) => crate::register::open_record(&state, seq)
                        .await
                        .ok()
                        .flatten(),
                    None => None,
                };
                if let Some(previous) = previous {
                    note.push('\n');
                    note.push_str(&comparison(&previous, &screened.record).to_markdown());
                }
                note.into_bytes()
            },
            "text/markdown; charset=utf-8",
            format!("{stem}.note.md"),
        ),
        _ => {
            let mut out = Vec::new();
            let mut writer = RecordWriter::new(RecordFormat::Json);
            let written = writer
                .record(
                    &mut out,
                    &screened.record,
                    &screened.canonical,
                    &screened.pack,
                )
                .and_then(|()| writer.finish(&mut out));
            if let Err(e) = written {
                return error_page(
                    &state,
                    &ApiError::internal(format!("cannot write the record for the download: {e}")),
                );
            }
            (out, "application/json", format!("{stem}.record.json"))
        }
    };
    let mut response = ([(header::CONTENT_TYPE, content_type)], bytes).into_response();
    if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        response
            .headers_mut()
            .insert(header::CONTENT_DISPOSITION, value);
    }
    response
}
