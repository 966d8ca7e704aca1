//! Values from a JSON Schema, as proptest strategies: [`Values::valid`] honours what the schema
//! declares (types, enums and consts, string lengths, anchored patterns, calendar dates,
//! number bounds, required and optional properties), [`Values::wrong`] puts one thing wrong
//! somewhere inside (a bound just crossed, a wrong type, an unknown or a missing property).
//! What a value is, valid or not, is decided afterwards by the description's own schema (the
//! oracle in `mod.rs`), never by which generator made it.

use proptest::prelude::*;
use proptest::strategy::{BoxedStrategy, Just, Union};
use serde_json::{Map, Value, json};

/// Below this nesting, containers are generated empty (the `ExtensionValue` levels go on).
const MAX_DEPTH: u32 = 4;
/// Integers and numbers without a declared bound are drawn from ± this.
const UNBOUNDED: i64 = 1_000_000;

pub(crate) struct Values<'a> {
    doc: &'a Value,
}

impl<'a> Values<'a> {
    pub(crate) fn new(doc: &'a Value) -> Self {
        Values { doc }
    }

    /// The schema a `$ref` (`#/components/...`) points to, followed to the end.
    pub(crate) fn resolve<'s>(&'s self, schema: &'s Value) -> &'s Value {
        let mut at = schema;
        while let Some(target) = at.get("$ref").and_then(Value::as_str) {
            let pointer = target.trim_start_matches('#');
            at = self
                .doc
                .pointer(pointer)
                .unwrap_or_else(|| panic!("the description has no {target}"));
        }
        at
    }

    pub(crate) fn valid(&self, schema: &Value, depth: u32) -> BoxedStrategy<Value> {
        let schema = self.resolve(schema);
        if let Some(value) = schema.get("const") {
            return Just(value.clone()).boxed();
        }
        if let Some(Value::Array(values)) = schema.get("enum") {
            return proptest::sample::select(values.clone()).boxed();
        }
        for key in ["oneOf", "anyOf"] {
            if let Some(Value::Array(branches)) = schema.get(key) {
                return union(branches.iter().map(|b| self.valid(b, depth)));
            }
        }
        let types = types(schema);
        if types.is_empty() {
            return any_json().boxed();
        }
        union(types.iter().map(|t| self.valid_typed(schema, t, depth)))
    }

    fn valid_typed(&self, schema: &Value, kind: &str, depth: u32) -> BoxedStrategy<Value> {
        match kind {
            "null" => Just(Value::Null).boxed(),
            "boolean" => any::<bool>().prop_map(Value::Bool).boxed(),
            "string" => valid_string(schema),
            "integer" => {
                let (min, max) = bounds(schema);
                let (min, max) = (min as i64, max as i64);
                prop_oneof![Just(min), Just(max), min..=max]
                    .prop_map(|n| json!(n))
                    .boxed()
            }
            "number" => {
                let (min, max) = bounds(schema);
                let (lo, hi) = (min as i64, max as i64);
                prop_oneof![
                    Just(number(min)),
                    Just(number(max)),
                    (lo..=hi).prop_map(|n| json!(n)),
                    (lo..hi).prop_map(|n| number(n as f64 + 0.25)),
                ]
                .boxed()
            }
            "array" if depth >= MAX_DEPTH => Just(json!([])).boxed(),
            "array" => {
                let items = schema.get("items").cloned().unwrap_or(json!({}));
                proptest::collection::vec(self.valid(&items, depth + 1), 0..=2)
                    .prop_map(Value::Array)
                    .boxed()
            }
            _ => self.valid_object(schema, depth),
        }
    }

    fn valid_object(&self, schema: &Value, depth: u32) -> BoxedStrategy<Value> {
        let required = required(schema);
        let mut members: Vec<BoxedStrategy<Option<(String, Value)>>> = Vec::new();
        for (key, property) in properties(schema) {
            let value = self.valid(property, depth + 1);
            let key = key.clone();
            if required.contains(&key) {
                members.push(value.prop_map(move |v| Some((key.clone(), v))).boxed());
            } else if depth < MAX_DEPTH {
                let weighted = proptest::option::weighted(0.3, value);
                members.push(
                    weighted
                        .prop_map(move |v| v.map(|v| (key.clone(), v)))
                        .boxed(),
                );
            }
        }
        if let Some(Value::Object(patterns)) = schema.get("patternProperties") {
            for (pattern, property) in patterns {
                let Some(keys) = regex_strings(pattern) else {
                    continue;
                };
                let pair = (keys, self.valid(property, depth + 1));
                members.push(proptest::option::weighted(0.2, pair).boxed());
            }
        }
        let extra = match schema.get("additionalProperties") {
            Some(extra @ Value::Object(_)) if depth < MAX_DEPTH => {
                proptest::collection::vec(("[a-z_]{1,8}", self.valid(extra, depth + 1)), 0..=2)
                    .boxed()
            }
            _ => Just(Vec::new()).boxed(),
        };
        (members, extra)
            .prop_map(|(members, extra)| {
                let mut object: Map<String, Value> = extra.into_iter().collect();
                object.extend(members.into_iter().flatten());
                Value::Object(object)
            })
            .boxed()
    }

    /// `base` (a known object, such as a request the server screens) with one property
    /// replaced by a value its schema takes or by one with something wrong.
    pub(crate) fn varied(&self, base: Value, schema: &Value) -> Option<BoxedStrategy<Value>> {
        let schema = self.resolve(schema);
        let mut ways = Vec::new();
        for (key, property) in properties(schema) {
            let key = key.clone();
            let base = base.clone();
            let value = prop_oneof![self.valid(property, 1), self.wrong(property, 1)];
            ways.push(
                value
                    .prop_map(move |v| {
                        let mut object = base.clone();
                        object[&key] = v;
                        object
                    })
                    .boxed(),
            );
        }
        (!ways.is_empty()).then(|| union(ways))
    }

    /// A value with one thing wrong: at this level, or in one property or item below.
    pub(crate) fn wrong(&self, schema: &Value, depth: u32) -> BoxedStrategy<Value> {
        let schema = self.resolve(schema);
        let mut ways = vec![edge(schema)];
        for key in ["oneOf", "anyOf"] {
            if let Some(Value::Array(branches)) = schema.get(key) {
                ways.extend(branches.iter().map(|b| self.wrong(b, depth)));
            }
        }
        let types = types(schema);
        if types.contains(&"object") && depth < MAX_DEPTH {
            ways.extend(self.wrong_object(schema, depth));
        }
        if types.contains(&"array") && depth < MAX_DEPTH {
            let items = schema.get("items").cloned().unwrap_or(json!({}));
            let one = self.wrong(&items, depth + 1);
            let others = proptest::collection::vec(self.valid(&items, depth + 1), 0..=1);
            ways.push(
                (one, others)
                    .prop_map(|(one, mut others)| {
                        others.push(one);
                        Value::Array(others)
                    })
                    .boxed(),
            );
        }
        union(ways)
    }

    fn wrong_object(&self, schema: &Value, depth: u32) -> Option<BoxedStrategy<Value>> {
        let base = self.valid_object(schema, depth);
        let mut ways = Vec::new();
        for (key, property) in properties(schema) {
            let key = key.clone();
            let wrong = self.wrong(property, depth + 1);
            ways.push(
                (base.clone(), wrong)
                    .prop_map(move |(mut object, wrong)| {
                        object[&key] = wrong;
                        object
                    })
                    .boxed(),
            );
        }
        for key in required(schema) {
            ways.push(
                base.clone()
                    .prop_map(move |mut object| {
                        object.as_object_mut().unwrap().remove(&key);
                        object
                    })
                    .boxed(),
            );
        }
        if schema.get("additionalProperties") == Some(&Value::Bool(false)) {
            ways.push(
                base.prop_map(|mut object| {
                    object["unexpected_field"] = json!(1);
                    object
                })
                .boxed(),
            );
        }
        (!ways.is_empty()).then(|| union(ways))
    }
}

/// Values just outside what `schema` declares at its own level, and values of another type.
fn edge(schema: &Value) -> BoxedStrategy<Value> {
    let types = types(schema);
    let mut values = vec![json!({"unexpected": true}), json!([1, "two"])];
    if !types.contains(&"null") {
        values.push(Value::Null);
    }
    if !types.contains(&"string") {
        values.extend([json!("12"), json!("")]);
    }
    if !types.iter().any(|t| *t == "number" || *t == "integer") {
        values.extend([json!(12), json!(-1.5)]);
    }
    if !types.contains(&"boolean") {
        values.push(json!(true));
    }
    if schema.get("enum").is_some() || schema.get("const").is_some() {
        values.extend([json!("not-a-listed-value"), json!("JSON")]);
    }
    if types.contains(&"string") {
        values.extend(string_edges(schema));
    }
    if types.contains(&"integer") || types.contains(&"number") {
        if let Some(min) = schema.get("minimum").and_then(Value::as_f64) {
            values.extend([number(min - 1.0), number(min - 0.5)]);
        }
        if let Some(max) = schema.get("maximum").and_then(Value::as_f64) {
            values.extend([number(max + 1.0), number(max * 2.0 + 1.0)]);
        }
        if types.contains(&"integer") {
            values.push(json!(1.5));
        }
    }
    proptest::sample::select(values).boxed()
}

fn string_edges(schema: &Value) -> Vec<Value> {
    let mut values = vec![json!(" "), json!("\u{200e}x"), json!("a/b"), json!(".x")];
    if let Some(min) = schema.get("minLength").and_then(Value::as_u64) {
        values.push(json!("x".repeat(min.saturating_sub(1) as usize)));
    }
    if let Some(max) = schema.get("maxLength").and_then(Value::as_u64) {
        values.push(json!("x".repeat(max as usize + 1)));
    }
    if schema.get("format").and_then(Value::as_str) == Some("date") {
        values.extend(
            [
                "2025-02-30",
                "2025-13-01",
                "20250101",
                "2025-1-01",
                "2023-02-29",
                "2025-06-01 ",
            ]
            .map(|d| json!(d)),
        );
    }
    values
}

fn valid_string(schema: &Value) -> BoxedStrategy<Value> {
    if schema.get("format").and_then(Value::as_str) == Some("date") {
        return prop_oneof![
            (1990u32..2040, 1u32..=12, 1u32..=28)
                .prop_map(|(y, m, d)| json!(format!("{y:04}-{m:02}-{d:02}"))),
            Just(json!("2024-02-29")),
            Just(json!("2025-01-31")),
        ]
        .boxed();
    }
    if let Some(pattern) = schema.get("pattern").and_then(Value::as_str)
        && let Some(strings) = regex_strings(pattern)
    {
        return strings.prop_map(Value::String).boxed();
    }
    let min = schema.get("minLength").and_then(Value::as_u64).unwrap_or(0) as usize;
    let max = schema
        .get("maxLength")
        .and_then(Value::as_u64)
        .map_or(min.max(1) + 16, |m| m as usize);
    let letters = proptest::collection::vec(
        prop_oneof![
            8 => proptest::char::range('a', 'z'),
            2 => proptest::char::range('A', 'Z'),
            2 => proptest::char::range('0', '9'),
            1 => proptest::sample::select(vec![' ', '-', '.', 'é', 'ភ', '"', '\\']),
        ],
        min..=max,
    );
    letters
        .prop_map(|chars| Value::String(chars.into_iter().collect()))
        .boxed()
}

/// Strings matching an anchored pattern (`^…$`); `None` for a pattern that is not anchored
/// or that proptest cannot generate from.
fn regex_strings(pattern: &str) -> Option<BoxedStrategy<String>> {
    let inner = pattern.strip_prefix('^')?.strip_suffix('$')?;
    if inner.ends_with('\\') {
        return None;
    }
    let strings = proptest::string::string_regex(inner).ok()?;
    // Long repetitions are cut: the oracle says whether the cut string still matches.
    Some(strings.prop_map(|s| s.chars().take(40).collect()).boxed())
}

fn any_json() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        (-1000i64..1000).prop_map(|n| json!(n)),
        "[a-z ]{0,8}".prop_map(Value::String),
        Just(json!({"key": [1, "two"]})),
    ]
}

fn union(strategies: impl IntoIterator<Item = BoxedStrategy<Value>>) -> BoxedStrategy<Value> {
    let all: Vec<_> = strategies.into_iter().collect();
    if all.len() == 1 {
        return all.into_iter().next().unwrap();
    }
    Union::new(all).boxed()
}

pub(crate) fn types(schema: &Value) -> Vec<&str> {
    match schema.get("type") {
        Some(Value::String(t)) => vec![t.as_str()],
        Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
        _ if schema.get("properties").is_some() => vec!["object"],
        _ => Vec::new(),
    }
}

fn properties(schema: &Value) -> Vec<(&String, &Value)> {
    schema
        .get("properties")
        .and_then(Value::as_object)
        .map(|p| p.iter().collect())
        .unwrap_or_default()
}

fn required(schema: &Value) -> Vec<String> {
    schema
        .get("required")
        .and_then(Value::as_array)
        .map(|r| {
            r.iter()
                .filter_map(|k| k.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default()
}

/// The declared bounds, or ± [`UNBOUNDED`].
fn bounds(schema: &Value) -> (f64, f64) {
    let min = schema.get("minimum").and_then(Value::as_f64);
    let max = schema.get("maximum").and_then(Value::as_f64);
    (
        min.unwrap_or(-(UNBOUNDED as f64))
            .max(-(UNBOUNDED as f64) * 1e12),
        max.unwrap_or(UNBOUNDED as f64).min(UNBOUNDED as f64 * 1e12),
    )
}

/// A number as JSON: an integer when it is one (and fits), else a float.
fn number(n: f64) -> Value {
    if n.fract() == 0.0 && n.abs() < 9e15 {
        json!(n as i64)
    } else {
        json!(n)
    }
}
