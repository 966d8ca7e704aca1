//! The OpenAPI description as a test oracle: its operations ([`operations`]), cases generated
//! for each from its declared parameters and bodies ([`cases`]), and the checks of an answer
//! against what the description promises ([`Oracle::check`]). What is valid is decided by the
//! description's own schemas, compiled by `jsonschema` (with calendar dates checked), never by
//! the generator that made the value.

pub(crate) mod generate;

use std::collections::BTreeMap;

use proptest::prelude::*;
use proptest::strategy::{BoxedStrategy, Just, Union};
use serde_json::{Value, json};

use generate::Values;

pub(crate) struct Param {
    pub(crate) name: String,
    pub(crate) location: String,
    pub(crate) required: bool,
    pub(crate) schema: Value,
}

pub(crate) struct Operation {
    pub(crate) method: String,
    pub(crate) path: String,
    pub(crate) params: Vec<Param>,
    /// Content type → schema of the request body.
    pub(crate) bodies: Vec<(String, Value)>,
    /// Whether the server reads each query parameter trimmed, an empty one as absent
    /// (`x-trimmed-query`).
    pub(crate) trimmed_query: bool,
    /// Status → content type → schema, `$ref`s to `#/components/responses` followed.
    pub(crate) responses: BTreeMap<String, BTreeMap<String, Value>>,
}

impl Operation {
    pub(crate) fn name(&self) -> String {
        format!("{} {}", self.method.to_uppercase(), self.path)
    }
}

/// Every operation of the description, in its order.
pub(crate) fn operations(doc: &Value) -> Vec<Operation> {
    let values = Values::new(doc);
    let mut out = Vec::new();
    for (path, methods) in doc["paths"].as_object().unwrap() {
        for (method, op) in methods.as_object().unwrap() {
            let params = op["parameters"]
                .as_array()
                .map(|ps| ps.iter().map(|p| values.resolve(p)).collect::<Vec<_>>())
                .unwrap_or_default()
                .into_iter()
                .map(|p| Param {
                    name: p["name"].as_str().unwrap().to_string(),
                    location: p["in"].as_str().unwrap().to_string(),
                    required: p["required"] == json!(true),
                    schema: p["schema"].clone(),
                })
                .collect();
            let bodies = op["requestBody"]["content"]
                .as_object()
                .map(|c| {
                    c.iter()
                        .map(|(t, m)| (t.clone(), m["schema"].clone()))
                        .collect()
                })
                .unwrap_or_default();
            let responses = op["responses"]
                .as_object()
                .unwrap()
                .iter()
                .map(|(status, response)| {
                    let response = values.resolve(response);
                    let content = response["content"]
                        .as_object()
                        .map(|c| {
                            c.iter()
                                .map(|(t, m)| (t.clone(), m["schema"].clone()))
                                .collect()
                        })
                        .unwrap_or_default();
                    (status.clone(), content)
                })
                .collect();
            out.push(Operation {
                method: method.clone(),
                path: path.clone(),
                params,
                bodies,
                trimmed_query: op["x-trimmed-query"] == json!(true),
                responses,
            });
        }
    }
    out
}

/// One generated call: its parameters by name (path and query) and its body.
#[derive(Clone, Debug)]
pub(crate) struct Case {
    pub(crate) params: Vec<(String, String)>,
    pub(crate) body: Option<(String, Value)>,
}

/// Known values the generators cannot guess: ids the server holds (a rule, a screened
/// request), opaque values it gives (a page's `cursor`, which it refuses unless it gave it,
/// as the description says), and bodies of the right kind (a recorded decision record,
/// request lines).
pub(crate) struct Samples {
    pub(crate) path_values: BTreeMap<String, Vec<String>>,
    pub(crate) opaque_query: BTreeMap<String, Vec<String>>,
    pub(crate) texts: Vec<String>,
    pub(crate) json: Vec<Value>,
}

/// The cases of an operation: each parameter absent, valid or wrong; a body of one of its
/// content types, valid or wrong.
pub(crate) fn cases(doc: &Value, op: &Operation, samples: &Samples) -> BoxedStrategy<Case> {
    let values = Values::new(doc);
    let mut params: Vec<BoxedStrategy<Option<(String, String)>>> = Vec::new();
    for p in &op.params {
        let name = p.name.clone();
        let text = if p.location == "path" {
            let known = samples
                .path_values
                .get(&p.name)
                .cloned()
                .unwrap_or_default();
            let mut ways = vec!["[A-Za-z0-9/ ._-]{1,12}".prop_map(Value::String).boxed()];
            ways.extend(known.into_iter().map(|k| Just(Value::String(k)).boxed()));
            Union::new(ways).boxed()
        } else if let Some(given) = samples.opaque_query.get(&p.name) {
            proptest::sample::select(given.clone())
                .prop_map(Value::String)
                .boxed()
        } else {
            prop_oneof![
                4 => values.valid(&p.schema, 0),
                1 => values.wrong(&p.schema, 0),
            ]
            .boxed()
        };
        let text = text.prop_map(move |v| Some((name.clone(), as_text(&v))));
        params.push(if p.required {
            text.boxed()
        } else {
            prop_oneof![1 => Just(None), 1 => text].boxed()
        });
    }
    let body = if op.bodies.is_empty() {
        Just(None).boxed()
    } else {
        Union::new(
            op.bodies
                .iter()
                .map(|(t, schema)| body(&values, t, schema, samples)),
        )
        .boxed()
    };
    (params, body)
        .prop_map(|(params, body)| Case {
            params: params.into_iter().flatten().collect(),
            body,
        })
        .boxed()
}

fn body(
    values: &Values,
    content_type: &str,
    schema: &Value,
    samples: &Samples,
) -> BoxedStrategy<Option<(String, Value)>> {
    let is_text = values.resolve(schema)["type"] == json!("string");
    let mut ways = vec![(3, values.valid(schema, 0)), (2, values.wrong(schema, 0))];
    if is_text {
        let lines =
            proptest::collection::vec(proptest::sample::select(samples.texts.clone()), 1..=3)
                .prop_map(|lines| Value::String(lines.join("\n")))
                .boxed();
        ways.push((3, lines));
        ways.push((1, Just(json!("\n \n")).boxed()));
    } else if content_type == "application/json" && !samples.json.is_empty() {
        ways.push((2, proptest::sample::select(samples.json.clone()).boxed()));
        for sample in samples.json.iter().filter(|s| s.is_object()) {
            ways.extend(values.varied(sample.clone(), schema).map(|v| (2, v)));
        }
    }
    let content_type = content_type.to_string();
    Union::new_weighted(ways)
        .prop_map(move |v| Some((content_type.clone(), v)))
        .boxed()
}

/// A parameter's value as the text sent: a string as it is, anything else as JSON.
pub(crate) fn as_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// A parameter's text as the value its schema describes: a number or a boolean where the
/// schema's type is one and the text reads as one (a query string has only text).
pub(crate) fn parameter_value(schema: &Value, text: &str) -> Value {
    let types = generate::types(schema);
    if types.iter().any(|t| *t == "integer" || *t == "number")
        && let Ok(number @ Value::Number(_)) = serde_json::from_str::<Value>(text)
    {
        return number;
    }
    if types.contains(&"boolean") && matches!(text, "true" | "false") {
        return Value::Bool(text == "true");
    }
    Value::String(text.to_string())
}

/// The body's bytes for its content type, and the value the server will see (what the
/// description's schema is checked against).
pub(crate) fn encode(content_type: &str, value: &Value) -> (Vec<u8>, Value) {
    match content_type {
        "application/json" => (serde_json::to_vec(value).unwrap(), value.clone()),
        "application/x-www-form-urlencoded" => {
            let mut form = form_urlencoded::Serializer::new(String::new());
            let mut seen = serde_json::Map::new();
            for (name, v) in value.as_object().into_iter().flatten() {
                match v {
                    Value::Array(items) => {
                        for item in items {
                            form.append_pair(name, &as_text(item));
                        }
                        seen.insert(
                            name.clone(),
                            json!(items.iter().map(as_text).collect::<Vec<_>>()),
                        );
                    }
                    Value::Null => {}
                    v => {
                        form.append_pair(name, &as_text(v));
                        seen.insert(name.clone(), json!(as_text(v)));
                    }
                }
            }
            (form.finish().into_bytes(), Value::Object(seen))
        }
        _ => {
            let text = as_text(value);
            (text.clone().into_bytes(), Value::String(text))
        }
    }
}

/// The description's schemas compiled against its components.
pub(crate) struct Oracle {
    components: Value,
    compiled: std::cell::RefCell<BTreeMap<String, std::rc::Rc<jsonschema::Validator>>>,
}

impl Oracle {
    pub(crate) fn new(doc: &Value) -> Self {
        let mut components = doc["components"].clone();
        without_digit_limits(&mut components);
        Oracle {
            components,
            compiled: Default::default(),
        }
    }

    fn validator(&self, schema: &Value) -> std::rc::Rc<jsonschema::Validator> {
        let key = schema.to_string();
        if let Some(v) = self.compiled.borrow().get(&key) {
            return v.clone();
        }
        let mut root = match schema {
            Value::Object(o) => o.clone(),
            _ => serde_json::Map::new(),
        };
        root.insert("components".into(), self.components.clone());
        let mut root = Value::Object(root);
        without_digit_limits(&mut root);
        let validator = jsonschema::options()
            .with_draft(jsonschema::Draft::Draft202012)
            .should_validate_formats(true)
            .build(&root)
            .unwrap_or_else(|e| panic!("the description's schema does not compile: {e}: {schema}"));
        let validator = std::rc::Rc::new(validator);
        self.compiled.borrow_mut().insert(key, validator.clone());
        validator
    }

    /// Why the schema refuses the value (empty when it takes it).
    pub(crate) fn refusals(&self, schema: &Value, value: &Value) -> Vec<String> {
        self.validator(schema)
            .iter_errors(value)
            .take(3)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect()
    }
}

/// `"multipleOf": 1e-28` says "at most 28 digits after the point", which `jsonschema` checks
/// in binary floating point (it refuses `-1e18`); the generators make no number with more
/// digits, so the keyword is left out of the oracle.
fn without_digit_limits(schema: &mut Value) {
    match schema {
        Value::Object(members) => {
            if members
                .get("multipleOf")
                .and_then(Value::as_f64)
                .is_some_and(|m| m < 1e-9)
            {
                members.remove("multipleOf");
            }
            members.values_mut().for_each(without_digit_limits);
        }
        Value::Array(items) => items.iter_mut().for_each(without_digit_limits),
        _ => {}
    }
}

/// What the server answered.
pub(crate) struct Reply {
    pub(crate) status: u16,
    pub(crate) content_type: Option<String>,
    pub(crate) body: Vec<u8>,
}

/// Why a valid call may still be refused: what the description says in words where its
/// schemas cannot (a decision departing from the screening needs a reason, waives only rules
/// that recorded a finding, is not dated before the screening; several packs match a request;
/// a request received before one of its own dates, I025, in the `Request` description).
fn refused_for_a_documented_reason(reply: &Reply) -> bool {
    let Ok(json) = serde_json::from_slice::<Value>(&reply.body) else {
        return false;
    };
    let errors = json["errors"].as_array().cloned().unwrap_or_default();
    !errors.is_empty()
        && errors.iter().all(|e| {
            e["code"] == "P022"
                || e["code"] == "I025"
                || (e["code"] == "H007"
                    && matches!(
                        e["path"].as_str(),
                        Some("reason" | "waived" | "at" | "screening_seq")
                    ))
        })
}

impl Oracle {
    /// The description's promises for this call and answer: no server error, a declared
    /// status and content type, a JSON answer that matches its schema, a valid call never
    /// refused as invalid, an invalid one never taken.
    pub(crate) fn check(
        &self,
        op: &Operation,
        invalid: &[String],
        body_kind: Option<&str>,
        reply: &Reply,
    ) -> Result<(), String> {
        let status = reply.status.to_string();
        let text = String::from_utf8_lossy(&reply.body);
        let text = &text[..text.len().min(600)];
        if reply.status >= 500 {
            return Err(format!("a server error, {status}: {text}"));
        }
        let Some(declared) = op.responses.get(&status) else {
            return Err(format!("status {status} is not declared: {text}"));
        };
        let content_type = reply
            .content_type
            .as_deref()
            .map(|t| t.split(';').next().unwrap().trim().to_string());
        if !declared.is_empty() && !reply.body.is_empty() {
            let Some(content_type) = &content_type else {
                return Err(format!("{status} without a content type"));
            };
            let Some(schema) = declared.get(content_type) else {
                return Err(format!(
                    "{status} answered {content_type}, the description declares {:?}: {text}",
                    declared.keys()
                ));
            };
            if content_type == "application/json" {
                let json: Value = serde_json::from_slice(&reply.body)
                    .map_err(|e| format!("{status}: not JSON ({e}): {text}"))?;
                let refusals = self.refusals(schema, &json);
                if !refusals.is_empty() {
                    return Err(format!(
                        "{status}: the answer does not match its schema: {refusals:?}: {text}"
                    ));
                }
            }
            if content_type == "application/x-ndjson" {
                for line in String::from_utf8_lossy(&reply.body).lines() {
                    serde_json::from_str::<Value>(line)
                        .map_err(|e| format!("{status}: a line that is not JSON ({e}): {line}"))?;
                }
            }
        }
        let success = (200..300).contains(&reply.status);
        if !invalid.is_empty() && success {
            return Err(format!(
                "the description refuses the call ({invalid:?}) but the server took it, {status}: {text}"
            ));
        }
        // The request form's values are all text: whether they make a request is `/v1/validate`'s
        // documented answer (422), which the form's schema cannot say.
        let form = body_kind == Some("application/x-www-form-urlencoded");
        let refused = matches!(reply.status, 400 | 413 | 422);
        if invalid.is_empty() && refused && !form && !refused_for_a_documented_reason(reply) {
            return Err(format!(
                "the description takes the call, but the server refused it, {status}: {text}"
            ));
        }
        Ok(())
    }
}
