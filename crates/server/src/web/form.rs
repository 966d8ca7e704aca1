//! The request form, generated from the request schema (`tcscreen_core::schema::REQUEST`,
//! the definition `GET /v1/schema` is written from): every field with its meaning as a hint,
//! enumerations as choices, dates as dates, lists of objects as rows. Field names are the
//! fields' paths (`origin.tor.drafted_by`, `personnel[0].months`), so the form posts plain
//! fields and the server builds the request from them ([`build_request`]); the same
//! conversion serves the validate endpoint when the script checks the form as you type.
//!
//! Empty fields are left out of the request (not stated); list rows left empty are dropped,
//! and problems found in the request are put back on the field of the row they came from.

use std::collections::BTreeMap;
use tcscreen_core::Code;

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use maud::{Markup, html};
use tcscreen_core::json::{JsonLimits, JsonValue};
use tcscreen_core::schema::{self, Field, Shape};
use tcscreen_core::{Diagnostic, Json, ValidRequest, canonical};
use tcscreen_service::Source;
use tcscreen_service::problems::from_input;
use tcscreen_service::render::markdown::field_in_words;

use crate::app::AppState;
use crate::web::screen::{Submitted, options_fields, screen_and_show};
use crate::web::{Section, check_csrf, csrf_field, html_page, layout};

/// The fields a form posted, in order (a name may repeat: checkboxes).
#[derive(Clone, Debug, Default)]
pub struct Fields {
    pairs: Vec<(String, String)>,
}

impl Fields {
    /// Fields from an `application/x-www-form-urlencoded` body.
    pub fn parse(bytes: &[u8]) -> Fields {
        Fields {
            pairs: form_urlencoded::parse(bytes).into_owned().collect(),
        }
    }

    /// The first value of `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// Every value of `name`.
    pub fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.pairs
            .iter()
            .filter(move |(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The row numbers used under the list `path` (`personnel` → 0, 1, …), in order.
    fn rows(&self, path: &str) -> Vec<usize> {
        let open = format!("{path}[");
        let mut rows: Vec<usize> = self
            .pairs
            .iter()
            .filter(|(_, v)| !v.is_empty())
            .filter_map(|(n, _)| n.strip_prefix(&open))
            .filter_map(|rest| rest.split(']').next()?.parse().ok())
            .filter(|&n: &usize| n < MAX_ROWS)
            .collect();
        rows.sort_unstable();
        rows.dedup();
        rows
    }

    fn push(&mut self, name: String, value: String) {
        self.pairs.push((name, value));
    }
}

/// Rows a list may have in the form.
const MAX_ROWS: usize = 200;

/// A request built from a form: its JSON text, where each row of the request came from in the
/// form, and problems found while building it.
#[derive(Debug, Default)]
pub struct Built {
    /// The request, as JSON.
    pub text: String,
    /// (path in the request, path in the form) for each list row kept.
    rows: Vec<(String, String)>,
    /// Problems the request cannot show (extensions that are not a JSON object).
    problems: Vec<(Diagnostic, Option<String>)>,
}

impl Built {
    /// The form's path of a request path: rows dropped for being empty renumber the rest.
    pub fn form_path(&self, path: &str) -> String {
        let best = self
            .rows
            .iter()
            .filter(|(json, _)| {
                path == json
                    || path.starts_with(&format!("{json}."))
                    || path.starts_with(&format!("{json}["))
            })
            .max_by_key(|(json, _)| json.len());
        match best {
            Some((json, form)) => format!("{form}{}", &path[json.len()..]),
            None => path.to_string(),
        }
    }
}

fn join(prefix: &str, name: &str) -> String {
    if prefix.is_empty() {
        name.to_string()
    } else {
        format!("{prefix}.{name}")
    }
}

fn json_string(text: &str) -> String {
    let mut out = String::new();
    canonical::write_string(text, &mut out);
    out
}

/// Whether `text` is a JSON number, to be written as it was typed (exact).
fn is_json_number(text: &str) -> bool {
    tcscreen_core::json::parse(text, JsonLimits::default())
        .is_ok_and(|j| matches!(j.value, JsonValue::Number(_)))
}

/// The request the form's fields describe.
pub fn build_request(form: &Fields) -> Built {
    let mut built = Built::default();
    let Shape::Object(fields) = &schema::REQUEST else {
        return built;
    };
    let schema_member = format!(
        "{}:{}",
        json_string("schema"),
        json_string(schema::REQUEST_SCHEMA)
    );
    built.text = match object(fields, "", "", form, &mut built) {
        // `{…}`: the schema's name goes first.
        Some(body) => format!("{{{schema_member},{}", &body[1..]),
        None => format!("{{{schema_member}}}"),
    };
    built
}

fn object(
    fields: &'static [Field],
    json_prefix: &str,
    form_prefix: &str,
    form: &Fields,
    built: &mut Built,
) -> Option<String> {
    let mut members = Vec::new();
    for f in fields {
        let (jp, fp) = (join(json_prefix, f.name), join(form_prefix, f.name));
        let text = |form: &Fields| {
            form.get(&fp)
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_string)
        };
        let value = match f.shape {
            Shape::SchemaName => None,
            Shape::Object(inner) => object(inner, &jp, &fp, form, built),
            Shape::List(inner) => list(inner, &jp, &fp, form, built),
            Shape::FreeObject => text(form).and_then(|t| {
                match tcscreen_core::json::parse(&t, JsonLimits::default()) {
                    Ok(j) if matches!(j.value, JsonValue::Object(_)) => {
                        Some(canonical::to_canonical_string(&j))
                    }
                    _ => {
                        built.problems.push((
                            Diagnostic::error(Code::I012, format!("`{jp}`: expected a JSON object"))
                                .help("write the extensions as a JSON object, such as {\"key\": \"value\"}, or leave the box empty"),
                            Some(fp.clone()),
                        ));
                        None
                    }
                }
            }),
            Shape::Bool => text(form).filter(|v| v == "true" || v == "false"),
            Shape::NonNegative | Shape::Percent => text(form).map(|v| {
                if is_json_number(&v) {
                    v
                } else {
                    json_string(&v)
                }
            }),
            _ => text(form).map(|v| json_string(&v)),
        };
        if let Some(value) = value {
            members.push(format!("{}:{value}", json_string(f.name)));
        }
    }
    (!members.is_empty()).then(|| format!("{{{}}}", members.join(",")))
}

fn list(
    inner: &'static Shape,
    json_path: &str,
    form_path: &str,
    form: &Fields,
    built: &mut Built,
) -> Option<String> {
    let items: Vec<String> = match inner {
        Shape::Object(fields) => {
            let mut items = Vec::new();
            for row in form.rows(form_path) {
                let json_row = format!("{json_path}[{}]", items.len());
                let form_row = format!("{form_path}[{row}]");
                if let Some(item) = object(fields, &json_row, &form_row, form, built) {
                    built.rows.push((json_row, form_row));
                    items.push(item);
                }
            }
            items
        }
        Shape::Enum(_) => form
            .all(form_path)
            .filter(|v| !v.is_empty())
            .map(json_string)
            .collect(),
        _ => form
            .get(form_path)
            .unwrap_or_default()
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(json_string)
            .collect(),
    };
    (!items.is_empty()).then(|| format!("[{}]", items.join(",")))
}

/// Check a built request: its id, or the problems with the form's field path of each.
pub fn validate(
    built: &Built,
    max_bytes: usize,
) -> Result<String, Vec<(Diagnostic, Option<String>)>> {
    let source = Source::file("request form");
    let limits = crate::api::tcscreen_limits(max_bytes);
    let mut problems = built.problems.clone();
    match ValidRequest::from_text(&built.text, &limits) {
        Ok(request) if problems.is_empty() => Ok(request.id().to_string()),
        Ok(_) => Err(problems),
        Err(errors) => {
            for e in &errors {
                let mut d = from_input(&source, e, None);
                // Positions are in text the server wrote: the field says where.
                d.pos = tcscreen_core::Pos::NONE;
                let path = (!e.path.is_empty()).then(|| built.form_path(&e.path));
                problems.push((d, path));
            }
            Err(problems)
        }
    }
}

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
    let words = name.replace('_', " ");
    let mut chars = words.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => words,
    }
}

/// Problems by the form path of their field.
type Errors = BTreeMap<String, Vec<String>>;

struct Render<'a> {
    values: &'a Fields,
    errors: &'a Errors,
    /// The list a row was asked for (`_add`).
    add: Option<&'a str>,
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
                                p.hint { (f.description) }
                                (self.object(inner, &path, false))
                            }
                        } @else {
                            fieldset data-path=(path) {
                                legend { (label_of(f.name)) }
                                p.hint { (f.description) }
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
            .pairs
            .iter()
            .any(|(n, v)| inside(n) && !v.trim().is_empty())
            || self.errors.keys().any(|n| inside(n))
            || self.add.is_some_and(inside)
    }

    fn rows_of(&self, f: &Field, inner: &'static [Field], path: &str) -> Markup {
        html! {
            fieldset.list data-path=(path) {
                legend { (label_of(f.name)) }
                p.hint { (f.description) }
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
                                    label for=(choice_id) { (v.replace('_', " ")) }
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
                    (f.description)
                    " "
                    span.shape { "(" (schema::describe_shape(f.shape)) ")" }
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
                            option value=(v) selected[value == *v] { (v.replace('_', " ")) }
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

/// The form's fields for a request given as JSON (the example), by walking it with the schema.
pub fn fields_of(json: &Json) -> Fields {
    fn walk(json: &Json, shape: &'static Shape, path: &str, out: &mut Fields) {
        match (&json.value, shape) {
            (JsonValue::Object(members), Shape::Object(fields)) => {
                for m in members {
                    if let Some(f) = fields.iter().find(|f| f.name == m.key) {
                        walk(&m.value, f.shape, &join(path, f.name), out);
                    }
                }
            }
            (JsonValue::Object(_), Shape::FreeObject) => {
                out.push(path.to_string(), canonical::to_canonical_string(json));
            }
            (JsonValue::Array(items), Shape::List(Shape::Object(_))) => {
                for (i, item) in items.iter().enumerate() {
                    if let Shape::List(inner) = shape {
                        walk(item, inner, &format!("{path}[{i}]"), out);
                    }
                }
            }
            (JsonValue::Array(items), Shape::List(Shape::Enum(_))) => {
                for item in items {
                    if let Some(s) = item.as_str() {
                        out.push(path.to_string(), s.to_string());
                    }
                }
            }
            (JsonValue::Array(items), Shape::List(_)) => {
                let lines: Vec<&str> = items.iter().filter_map(Json::as_str).collect();
                out.push(path.to_string(), lines.join("\n"));
            }
            (JsonValue::String(s), _) => out.push(path.to_string(), s.clone()),
            (JsonValue::Bool(b), _) => out.push(path.to_string(), b.to_string()),
            (JsonValue::Number(n), _) => out.push(path.to_string(), n.to_string()),
            _ => {}
        }
    }
    let mut out = Fields::default();
    walk(json, &schema::REQUEST, "", &mut out);
    out
}

async fn form_page(
    state: &AppState,
    values: &Fields,
    problems: &[(Diagnostic, Option<String>)],
    add: Option<&str>,
) -> Markup {
    let mut errors = Errors::new();
    for (d, path) in problems {
        if let Some(path) = path {
            errors
                .entry(path.clone())
                .or_default()
                .push(d.message.clone());
        }
    }
    let Shape::Object(fields) = &schema::REQUEST else {
        return html! {};
    };
    let submitted = Submitted {
        request: String::new(),
        pack: values.get("pack").unwrap_or_default().to_string(),
        as_of: values.get("as_of").unwrap_or_default().to_string(),
    };
    let render = Render {
        values,
        errors: &errors,
        add,
    };
    let body = html! {
        p.lead {
            "Fill in what the request states; leave the rest empty (not stated). Each field says what it means. "
            "The four fields at the top are required. "
            a href="/form?example=1" { "Start from the complete example" } "."
        }
        div #form-status aria-live="polite" role="status" {
            @if !problems.is_empty() {
                section.error aria-labelledby="form-problems-title" {
                    h2 #form-problems-title { (problems.len()) " problem" @if problems.len() != 1 { "s" } " to fix" }
                    ul {
                        @for (d, path) in problems {
                            li {
                                @if let Some(path) = path {
                                    a href=(format!("#{}", field_id(path))) { (field_in_words(path)) } ": "
                                }
                                (d.message)
                                @if let Some(help) = &d.help { " — " (help) }
                            }
                        }
                    }
                }
            }
        }
        form #request-form method="post" action="/form" novalidate data-validate="/v1/validate" {
            (csrf_field(state))
            (render.object(fields, "", true))
            (options_fields(state, &submitted).await)
            button type="submit" { "Screen" }
        }
    };
    layout(state, Section::Form, "Request form", body)
}

#[derive(serde::Deserialize, Default)]
pub(crate) struct FormQuery {
    example: Option<String>,
}

/// `GET /form`: the empty form, or (`?example=1`) the complete example filled in.
pub(crate) async fn page(
    State(state): State<AppState>,
    Query(query): Query<FormQuery>,
) -> Response {
    let example = query.example.is_some();
    let values = if example {
        tcscreen_core::json::parse(crate::api::EXAMPLE, JsonLimits::default())
            .map(|j| fields_of(&j))
            .unwrap_or_default()
    } else {
        Fields::default()
    };
    html_page(form_page(&state, &values, &[], None).await)
}

/// `POST /form`: add a row (`_add`), or check the request and screen it.
pub async fn submit(State(state): State<AppState>, body: Bytes) -> Response {
    let fields = Fields::parse(&body);
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
    };
    screen_and_show(
        &state,
        Section::Form,
        Source::file("request form"),
        Ok(built.text),
        &submitted,
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_example_goes_through_the_form_and_back_to_the_same_request() {
        let example =
            tcscreen_core::json::parse(crate::api::EXAMPLE, JsonLimits::default()).unwrap();
        let built = build_request(&fields_of(&example));
        let limits = tcscreen_core::RequestLimits::default();
        let again = ValidRequest::from_text(&built.text, &limits).expect("valid");
        let original = ValidRequest::from_text(crate::api::EXAMPLE, &limits).unwrap();
        assert_eq!(again.canonical(), original.canonical());
    }

    #[test]
    fn empty_rows_are_dropped_and_problems_point_at_the_row_they_came_from() {
        let fields = Fields::parse(
            b"id=R1&country=KH&title=T&received=2025-01-01&personnel%5B0%5D.title=&personnel%5B3%5D.months=six",
        );
        let built = build_request(&fields);
        assert!(
            built.text.contains(r#""personnel":[{"months":"six"}]"#),
            "{}",
            built.text
        );
        let problems = validate(&built, 1 << 20).unwrap_err();
        assert!(
            problems
                .iter()
                .any(|(_, path)| path.as_deref() == Some("personnel[3].months")),
            "{problems:?}"
        );
    }
}
