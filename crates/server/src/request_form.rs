//! The request form's fields and the request they describe. Field names are the fields' paths
//! in the request (`origin.tor.drafted_by`, `personnel[0].months`), so a form posts plain
//! fields and the server builds the request from them ([`build_request`]) and checks it
//! ([`validate`]), for the page's form ([`crate::web::form`]) and for the validate endpoint
//! when the page's script checks the form as you type.
//!
//! Empty fields are left out of the request (not stated); list rows left empty are dropped,
//! and problems found in the request are put back on the field of the row they came from.

use tcscreen_core::Code;
use tcscreen_core::json::{JsonLimits, JsonValue};
use tcscreen_core::request::schema::{self, Field, Shape};
use tcscreen_core::{Diagnostic, Json, ValidRequest, canonical};
use tcscreen_service::Location;
use tcscreen_service::problems::from_input;

use crate::body::request_limits;

/// A complete example request, every field filled in (`tcscreen schema --example`): the
/// form can start from it.
pub const EXAMPLE: &str = schema::EXAMPLE_REQUEST;

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
    pub fn rows(&self, path: &str) -> Vec<usize> {
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

    /// Every (name, value), in order.
    pub fn pairs(&self) -> impl Iterator<Item = (&str, &str)> {
        self.pairs.iter().map(|(n, v)| (n.as_str(), v.as_str()))
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

/// The path of the field `name` inside `prefix` (`origin` and `tor` → `origin.tor`).
pub fn join(prefix: &str, name: &str) -> String {
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
    let location = Location::file("request form");
    let limits = request_limits(max_bytes);
    let mut problems = built.problems.clone();
    match ValidRequest::from_text(&built.text, &limits) {
        Ok(request) if problems.is_empty() => Ok(request.id().to_string()),
        Ok(_) => Err(problems),
        Err(errors) => {
            for e in &errors {
                let mut d = from_input(&location, e, None);
                // Positions are in text the server wrote: the field says where.
                d.pos = tcscreen_core::Pos::NONE;
                let path = (!e.path.is_empty()).then(|| built.form_path(&e.path));
                problems.push((d, path));
            }
            Err(problems)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_example_goes_through_the_form_and_back_to_the_same_request() {
        let example = tcscreen_core::json::parse(EXAMPLE, JsonLimits::default()).unwrap();
        let built = build_request(&fields_of(&example));
        let limits = tcscreen_core::RequestLimits::default();
        let again = ValidRequest::from_text(&built.text, &limits).expect("valid");
        let original = ValidRequest::from_text(EXAMPLE, &limits).unwrap();
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
