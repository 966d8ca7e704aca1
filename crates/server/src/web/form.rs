//! The request form page, generated from the request schema
//! (`tcscreen_core::request::schema::REQUEST`, the definition `GET /v1/schema` is written
//! from): every field with its meaning as a hint, enumerations as choices, dates as dates,
//! lists of objects as rows, and each problem on its field. Posting it builds the request from
//! the fields ([`crate::request_form`]) and screens it.

use std::collections::BTreeMap;

use axum::body::Body;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use maud::{Markup, html};
use tcscreen_core::Diagnostic;
use tcscreen_core::json::JsonLimits;
use tcscreen_core::request::schema::{self, CodeKind, Field, Shape};
use tcscreen_core::request::schema_labels::enum_label;
use tcscreen_service::Location;
use tcscreen_service::plural;

use crate::request_form::{EXAMPLE, Fields, build_request, fields_of, join, validate};
use crate::state::AppState;
use crate::web::screen::{Submitted, options_fields, screen_and_show};
use crate::web::{
    Section, check_csrf, countries_with_packs, csrf_field, form_body, html_page, layout,
};
use crate::words;

/// The id of a field's input.
fn field_id(path: &str) -> String {
    let mut id = String::from("f-");
    for c in path.chars() {
        id.push(if c.is_ascii_alphanumeric() || c == '_' {
            c
        } else {
            '-'
        });
    }
    id
}

fn label_of(name: &str) -> String {
    words::field_label(name)
}

/// Problems by the form path of their field.
type Errors = BTreeMap<String, Vec<String>>;

struct Render<'a> {
    values: &'a Fields,
    errors: &'a Errors,
    /// The list a row was asked for (`_add`).
    add: Option<&'a str>,
    /// The countries with packs: (code, name), for the request's country.
    countries: &'a [(String, String)],
}

impl Render<'_> {
    fn rows(&self, path: &str) -> Vec<usize> {
        let mut rows = self.values.rows(path);
        if rows.is_empty() {
            rows.push(0);
        }
        if self.add == Some(path) {
            let next = rows.last().map_or(0, |l| l + 1);
            rows.push(next);
        }
        rows
    }

    fn object(&self, fields: &'static [Field], prefix: &str, top: bool) -> Markup {
        html! {
            @for f in fields {
                @let path = join(prefix, f.name);
                @match f.shape {
                    Shape::SchemaName => {}
                    Shape::Object(inner) => {
                        @if top {
                            details.section open[self.has_content(&path)] {
                                summary { (label_of(f.name)) }
                                p.hint { (words::field_description(&path, f.description)) }
                                (self.object(inner, &path, false))
                            }
                        } @else {
                            fieldset data-path=(path) {
                                legend { (label_of(f.name)) }
                                p.hint { (words::field_description(&path, f.description)) }
                                (self.object(inner, &path, false))
                            }
                        }
                    }
                    Shape::List(Shape::Object(inner)) => {
                        @if top {
                            details.section open[self.has_content(&path)] {
                                summary { (label_of(f.name)) }
                                (self.rows_of(f, inner, &path))
                            }
                        } @else {
                            (self.rows_of(f, inner, &path))
                        }
                    }
                    _ => {
                        @if top && !f.required {
                            details.section open[self.has_content(&path)] {
                                summary { (label_of(f.name)) }
                                (self.field(f, &path))
                            }
                        } @else {
                            (self.field(f, &path))
                        }
                    }
                }
            }
        }
    }

    fn has_content(&self, path: &str) -> bool {
        let inside = |n: &str| {
            n == path || n.starts_with(&format!("{path}.")) || n.starts_with(&format!("{path}["))
        };
        self.values
            .pairs()
            .any(|(n, v)| inside(n) && !v.trim().is_empty())
            || self.errors.keys().any(|n| inside(n))
            || self.add.is_some_and(inside)
    }

    fn rows_of(&self, f: &Field, inner: &'static [Field], path: &str) -> Markup {
        html! {
            fieldset.list data-path=(path) {
                legend { (label_of(f.name)) }
                p.hint { (words::field_description(path, f.description)) }
                @for row in self.rows(path) {
                    @let row_path = format!("{path}[{row}]");
                    fieldset.row data-path=(row_path) {
                        legend { (label_of(f.name)) ", row " (row + 1) }
                        (self.object(inner, &row_path, false))
                    }
                }
                button.add type="submit" name="_add" value=(path) formnovalidate {
                    "Add a row to " (label_of(f.name).to_lowercase())
                }
            }
        }
    }

    fn field(&self, f: &Field, path: &str) -> Markup {
        let id = field_id(path);
        let hint = format!("{id}-hint");
        let error_id = format!("{id}-error");
        let errors = self.errors.get(path);
        let described = format!("{hint} {error_id}");
        let value = self.values.get(path).unwrap_or_default();
        let invalid = errors.map(|_| "true");
        html! {
            div.field data-path=(path) {
                @match f.shape {
                    Shape::List(Shape::Enum(values)) => {
                        fieldset.choices aria-describedby=(described) {
                            legend { (label_of(f.name)) }
                            @for v in values.iter() {
                                @let choice_id = format!("{id}-{v}");
                                div.choice {
                                    input #(choice_id) type="checkbox" name=(path) value=(v)
                                        checked[self.values.all(path).any(|x| x == *v)];
                                    label for=(choice_id) { (enum_label(v)) }
                                }
                            }
                        }
                    }
                    _ => {
                        label for=(id) {
                            (label_of(f.name))
                            @if f.required { span.required { " (required)" } }
                        }
                        (self.input(f, path, &id, value, &described, invalid))
                    }
                }
                p.hint #(hint) {
                    (words::field_description(path, f.description))
                    @let shape = if path == "country" { "" } else { words::shape_hint(f.shape) };
                    @if !shape.is_empty() { " " span.shape { (shape) } }
                }
                p.field-error #(error_id) {
                    @if let Some(errors) = errors {
                        @for e in errors { (e) " " }
                    }
                }
            }
        }
    }

    fn input(
        &self,
        f: &Field,
        path: &str,
        id: &str,
        value: &str,
        described: &str,
        invalid: Option<&str>,
    ) -> Markup {
        let required = f.required.then_some("true");
        html! {
            @match f.shape {
                Shape::Enum(values) => {
                    select #(id) name=(path) aria-describedby=(described) aria-invalid=[invalid] aria-required=[required] {
                        option value="" { "— not stated —" }
                        @for v in values.iter() {
                            option value=(v) selected[value == *v] { (enum_label(v)) }
                        }
                    }
                }
                Shape::Code(CodeKind::Country) if path == "country" => {
                    select #(id) name=(path) aria-describedby=(described) aria-invalid=[invalid] aria-required=[required] {
                        option value="" { "— choose the country —" }
                        @for (code, name) in self.countries {
                            option value=(code) selected[value == code] { (name) }
                        }
                        @if !value.is_empty() && !self.countries.iter().any(|(c, _)| c == value) {
                            option value=(value) selected { (value) " (no pack for this country)" }
                        }
                    }
                }
                Shape::Bool => {
                    select #(id) name=(path) aria-describedby=(described) aria-invalid=[invalid] {
                        option value="" { "— not stated —" }
                        option value="true" selected[value == "true"] { "Yes" }
                        option value="false" selected[value == "false"] { "No" }
                    }
                }
                Shape::Date => {
                    input #(id) type="date" name=(path) value=(value) aria-describedby=(described) aria-invalid=[invalid] aria-required=[required];
                }
                Shape::NonNegative | Shape::Percent => {
                    input #(id) type="text" inputmode="decimal" name=(path) value=(value) aria-describedby=(described) aria-invalid=[invalid];
                }
                Shape::List(_) | Shape::FreeObject => {
                    textarea #(id) name=(path) rows="3" aria-describedby=(described) aria-invalid=[invalid] { (value) }
                }
                _ => {
                    input #(id) type="text" name=(path) value=(value) aria-describedby=(described) aria-invalid=[invalid] aria-required=[required];
                }
            }
        }
    }
}

/// Edit and resubmit: the case whose latest request the form was loaded with, and that
/// round's register entry (the new screening is compared with it).
struct Resubmit {
    case: String,
    previous: u64,
}

impl Resubmit {
    /// From the form's hidden fields.
    fn of(fields: &Fields) -> Option<Resubmit> {
        Some(Resubmit {
            case: fields.get("_case")?.to_string(),
            previous: fields.get("_previous")?.trim().parse().ok()?,
        })
    }
}

async fn form_page(
    state: &AppState,
    values: &Fields,
    problems: &[(Diagnostic, Option<String>)],
    add: Option<&str>,
) -> Markup {
    let resubmit = Resubmit::of(values);
    let mut errors = Errors::new();
    for (d, path) in problems {
        if let Some(path) = path {
            errors
                .entry(path.clone())
                .or_default()
                .push(words::problem_in_words(d, Some(path)));
        }
    }
    let Shape::Object(fields) = &schema::REQUEST else {
        return html! {};
    };
    let submitted = Submitted {
        request: String::new(),
        pack: values.get("pack").unwrap_or_default().to_string(),
        as_of: values.get("as_of").unwrap_or_default().to_string(),
        previous: None,
    };
    let countries = countries_with_packs(state).await;
    let render = Render {
        values,
        errors: &errors,
        add,
        countries: &countries,
    };
    let title = match &resubmit {
        Some(r) => format!("Edit and resubmit case {}", r.case),
        None => "Request form".to_string(),
    };
    let body = html! {
        @if let Some(r) = &resubmit {
            p.lead #resubmit-lead {
                "The latest request of case " strong { (r.case) } " is loaded. Change what the screening asked for, "
                "then screen it again: it becomes the case's next round, and the result shows what was resolved, what is still open and what is new. "
                a href=(crate::web::cases::case_address(&r.case)) { "Back to the case" } "."
            }
        } @else {
            p.lead {
                "Fill in what the request states; leave the rest empty (not stated). Each field says what it means. "
                "The four fields at the top are required. "
                a href="/form?example=1" { "Start from the complete example" } "."
            }
        }
        div #form-status aria-live="polite" role="status" {
            @if !problems.is_empty() {
                section.error aria-labelledby="form-problems-title" {
                    h2 #form-problems-title { (problems.len()) " " (plural(problems.len(), "problem", "problems")) " to fix" }
                    ul {
                        @for (d, path) in problems {
                            li {
                                @if let Some(path) = path {
                                    a href=(format!("#{}", field_id(path))) { (words::problem_in_words(d, Some(path))) }
                                } @else {
                                    (words::problem_in_words(d, None))
                                }
                            }
                        }
                    }
                }
            }
        }
        form #request-form method="post" action="/form" novalidate data-validate="/v1/validate" {
            (csrf_field(state))
            @if let Some(r) = &resubmit {
                input type="hidden" name="_case" value=(r.case);
                input type="hidden" name="_previous" value=(r.previous);
            }
            (render.object(fields, "", true))
            (options_fields(state, &submitted).await)
            button type="submit" { "Screen" }
        }
    };
    layout(state, Section::Form, &title, body)
}

#[derive(serde::Deserialize, Default)]
pub(crate) struct FormQuery {
    example: Option<String>,
    /// Edit and resubmit this case: its latest request loaded.
    case: Option<String>,
}

/// `GET /form`: the empty form, or (`?example=1`) the complete example filled in.
pub(crate) async fn page(
    State(state): State<AppState>,
    Query(query): Query<FormQuery>,
) -> Response {
    if let Some(case) = &query.case {
        return resubmit_page(&state, case).await;
    }
    let example = query.example.is_some();
    let values = if example {
        tcscreen_core::json::parse(EXAMPLE, JsonLimits::default())
            .map(|j| fields_of(&j))
            .unwrap_or_default()
    } else {
        Fields::default()
    };
    html_page(form_page(&state, &values, &[], None).await)
}

/// `GET /form?case=ID`: the case's latest request in the form, to edit and screen again.
async fn resubmit_page(state: &AppState, case: &str) -> Response {
    let file = match crate::register::open_case(state, case).await {
        Ok(Some(file)) => file,
        Ok(None) => {
            return crate::web::error_page(
                state,
                &crate::problem::ApiError::not_found(
                    format!("the register has no case {case}"),
                    "open the case from the list of cases",
                ),
            );
        }
        Err(e) => return crate::web::error_page(state, &e),
    };
    let Some((entry, record)) = file.rounds().last() else {
        return crate::web::not_found(state, "/form");
    };
    let mut text = String::new();
    for (name, value) in fields_of(&record.input).pairs() {
        form_urlencoded::Serializer::for_suffix(&mut text, 0).append_pair(name, value);
    }
    form_urlencoded::Serializer::for_suffix(&mut text, 0)
        .append_pair("_case", &file.case.facts.request_id)
        .append_pair("_previous", &entry.seq.to_string());
    let values = Fields::parse(text.as_bytes());
    html_page(form_page(state, &values, &[], None).await)
}

/// `POST /form`: add a row (`_add`), or check the request and screen it.
pub async fn submit(State(state): State<AppState>, headers: HeaderMap, body: Body) -> Response {
    let limit = form_body::request_form_limit(state.max_request_bytes());
    let fields = match form_body::read(&state, &headers, body, limit).await {
        Ok(bytes) => Fields::parse(&bytes),
        Err(refused) => return refused,
    };
    if let Err(refused) = check_csrf(&state, fields.get("_csrf")) {
        return refused;
    }
    if let Some(list) = fields.get("_add") {
        return html_page(form_page(&state, &fields, &[], Some(list)).await);
    }
    let built = build_request(&fields);
    if let Err(problems) = validate(&built, state.max_request_bytes()) {
        return (
            StatusCode::UNPROCESSABLE_ENTITY,
            html_page(form_page(&state, &fields, &problems, None).await),
        )
            .into_response();
    }
    let submitted = Submitted {
        request: built.text.clone(),
        pack: fields.get("pack").unwrap_or_default().trim().to_string(),
        as_of: fields.get("as_of").unwrap_or_default().trim().to_string(),
        previous: Resubmit::of(&fields).map(|r| r.previous),
    };
    screen_and_show(
        &state,
        Section::Form,
        Location::file("request form"),
        Ok(built.text),
        &submitted,
    )
    .await
}
