//! The OpenAPI description served at `GET /v1/openapi.json`: the written description of the
//! endpoints (`assets/openapi.json`) with two components made from the request schema itself,
//! so that they cannot drift from what the server checks:
//!
//! - `Request`: the JSON Schema of a request (`tcscreen schema`, the bounds of every number
//!   included), referred to as `#/components/schemas/Request` so that a code generator can
//!   resolve it;
//! - `RequestForm`: the fields of the page's request form that `POST /v1/validate` also takes,
//!   each named by its path (`personnel[0].months` for the rows of a list).

use std::sync::OnceLock;

use tcscreen_core::json::{self, JsonLimits, JsonValue, Member, Pos};
use tcscreen_core::request::schema::{self, Shape};
use tcscreen_core::{Json, canonical};

/// The written part of the description.
const ASSET: &str = include_str!("../assets/openapi.json");

/// The whole description, as served.
pub fn description() -> &'static str {
    static TEXT: OnceLock<String> = OnceLock::new();
    TEXT.get_or_init(|| {
        let mut doc = json::parse(ASSET, JsonLimits::default())
            .unwrap_or_else(|e| panic!("assets/openapi.json is not JSON: {}", e[0].message));
        if let Some(schemas) = member(&mut doc, &["components", "schemas"]) {
            let (request, defs) = request_component();
            insert(schemas, "Request", request);
            for (name, def) in defs {
                insert(schemas, &name, def);
            }
            insert(schemas, "RequestForm", form_component());
        }
        let mut text = canonical::to_canonical_string(&doc);
        text.push('\n');
        text
    })
}

/// The request's JSON Schema as a component: what `tcscreen schema` prints, without the
/// document's own `$schema`, `$id` and `title` (a code generator names the model after the
/// component), and its `$defs` as components of their own (`extension_value` becomes
/// `ExtensionValue`), every reference rewritten to them.
///
/// A definition that refers to itself (a value of `extensions`: arrays and objects of such
/// values) is unrolled into one component per level of nesting the server reads
/// (`ExtensionValue`, `ExtensionValue2`, …), the last without containers: code generators
/// cannot follow a schema that refers to itself, and the depth is bounded anyway.
fn request_component() -> (Json, Vec<(String, Json)>) {
    let mut schema = schema::json_schema();
    let mut defs = Vec::new();
    if let JsonValue::Object(members) = &mut schema.value {
        if let Some(i) = members.iter().position(|m| m.key == "$defs")
            && let JsonValue::Object(inner) = members.remove(i).value.value
        {
            for m in inner {
                defs.extend(unrolled(&m.key, m.value));
            }
        }
        members.retain(|m| !matches!(m.key.as_str(), "$schema" | "$id" | "title"));
    }
    rewrite_refs(&mut schema, &|def| component_name(def, 1));
    (schema, defs)
}

/// How many levels of `extensions` values the server reads: the request is level 1 and
/// `extensions` level 2 of the JSON reader's nesting limit, and its values may be containers
/// down to that limit; the level below holds only scalars.
fn extension_levels() -> usize {
    JsonLimits::default().max_depth - 1
}

/// The definition `name` as components: itself, or one per level if it refers to itself.
fn unrolled(name: &str, def: Json) -> Vec<(String, Json)> {
    let self_ref = format!("#/$defs/{name}");
    if !canonical::to_canonical_string(&def).contains(&self_ref) {
        let mut def = def;
        rewrite_refs(&mut def, &|d| component_name(d, 1));
        return vec![(component_name(name, 1), def)];
    }
    let levels = extension_levels();
    (1..=levels)
        .map(|level| {
            let mut this = def.clone();
            if level == levels {
                drop_alternatives_referring_to(&mut this, &self_ref);
            }
            rewrite_refs(&mut this, &|d| {
                if d == name {
                    component_name(d, level + 1)
                } else {
                    component_name(d, 1)
                }
            });
            (component_name(name, level), this)
        })
        .collect()
}

/// Remove from `anyOf` the alternatives that hold `target` anywhere.
fn drop_alternatives_referring_to(json: &mut Json, target: &str) {
    if let JsonValue::Object(members) = &mut json.value {
        for m in members.iter_mut().filter(|m| m.key == "anyOf") {
            if let JsonValue::Array(items) = &mut m.value.value {
                items.retain(|item| !canonical::to_canonical_string(item).contains(target));
            }
        }
    }
}

/// `extension_value` at `level` → `ExtensionValue`, `ExtensionValue2`, ….
fn component_name(def: &str, level: usize) -> String {
    let name: String = def
        .split('_')
        .map(|word| {
            let mut chars = word.chars();
            chars.next().map_or_else(String::new, |first| {
                first.to_uppercase().chain(chars).collect()
            })
        })
        .collect();
    if level == 1 {
        name
    } else {
        format!("{name}{level}")
    }
}

/// Every `"$ref": "#/$defs/NAME"` in `json` → `"#/components/schemas/"` and `component(NAME)`.
fn rewrite_refs(json: &mut Json, component: &dyn Fn(&str) -> String) {
    match &mut json.value {
        JsonValue::Object(members) => {
            for m in members {
                if m.key == "$ref"
                    && let JsonValue::String(target) = &mut m.value.value
                    && let Some(def) = target.strip_prefix("#/$defs/")
                {
                    *target = format!("#/components/schemas/{}", component(def));
                } else {
                    rewrite_refs(&mut m.value, component);
                }
            }
        }
        JsonValue::Array(items) => items.iter_mut().for_each(|i| rewrite_refs(i, component)),
        _ => {}
    }
}

/// The request form's fields, each a string named by its path: `properties` for the fields
/// outside lists of objects, `patternProperties` for those inside (`personnel[0].months`).
fn form_component() -> Json {
    let mut properties = Vec::new();
    let mut patterns = Vec::new();
    let mut required = Vec::new();
    for (path, field) in schema::fields() {
        let value = match field.shape {
            Shape::Object(_) | Shape::SchemaName => continue,
            Shape::List(Shape::Object(_)) => continue,
            Shape::List(Shape::Enum(values)) => Json::object([
                ("type", Json::string("array")),
                (
                    "items",
                    Json::object([(
                        "enum",
                        Json::array(values.iter().map(|v| Json::string(*v)).collect()),
                    )]),
                ),
            ]),
            Shape::Enum(values) => {
                let blank = (!field.required).then_some("");
                Json::object([(
                    "enum",
                    Json::array(
                        blank
                            .iter()
                            .chain(values.iter())
                            .map(|v| Json::string(*v))
                            .collect(),
                    ),
                )])
            }
            Shape::Bool => Json::object([(
                "enum",
                Json::array(["", "true", "false"].map(Json::string).to_vec()),
            )]),
            _ if field.required => Json::object([
                ("type", Json::string("string")),
                ("minLength", Json::number(1)),
            ]),
            _ => Json::object([("type", Json::string("string"))]),
        };
        if field.required {
            required.push(Json::string(&path));
        }
        let mut value = value;
        if let JsonValue::Object(members) = &mut value.value {
            members.push(Member {
                key: "description".into(),
                key_pos: Pos::NONE,
                value: Json::string(field.description),
            });
        }
        if path.contains("[]") {
            let pattern = format!("^{}$", regex_escape(&path).replace(r"\[\]", r"\[[0-9]+\]"));
            patterns.push((pattern, value));
        } else {
            properties.push((path, value));
        }
    }
    Json::object([
        ("type", Json::string("object")),
        (
            "description",
            Json::string(
                "The fields of the page's request form (`/form`), each named by its path in the request, with a row number for the rows of a list (`personnel[0].months`); every value is text as typed. A list of texts is one field with a line per item; `extensions` is a JSON object as text.",
            ),
        ),
        ("properties", Json::object(properties)),
        ("patternProperties", Json::object(patterns)),
        ("required", Json::array(required)),
    ])
}

fn regex_escape(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        if "\\.+*?()|[]{}^$".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// The value at `path` of nested objects.
fn member<'a>(json: &'a mut Json, path: &[&str]) -> Option<&'a mut Json> {
    let Some((first, rest)) = path.split_first() else {
        return Some(json);
    };
    let JsonValue::Object(members) = &mut json.value else {
        return None;
    };
    let found = members.iter_mut().find(|m| m.key == *first)?;
    member(&mut found.value, rest)
}

fn insert(object: &mut Json, key: &str, value: Json) {
    if let JsonValue::Object(members) = &mut object.value {
        members.retain(|m| m.key != key);
        members.push(Member {
            key: key.into(),
            key_pos: Pos::NONE,
            value,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_description_refers_to_components_it_holds() {
        let text = description();
        assert!(!text.contains(r#""$ref":"/v1/schema""#));
        let doc: serde_json::Value = serde_json::from_str(text).unwrap();
        let schemas = &doc["components"]["schemas"];
        for reference in text.split(r##""$ref":"#/components/schemas/"##).skip(1) {
            let name = &reference[..reference.find('"').unwrap()];
            assert!(schemas.get(name).is_some(), "no component {name}");
        }
        let request = &schemas["Request"];
        assert_eq!(
            request["properties"]["finance"]["properties"]["total"]["maximum"],
            serde_json::json!(1_000_000_000_000_000u64)
        );
        assert!(request.get("$schema").is_none());
        let form = &schemas["RequestForm"];
        assert!(form["properties"]["origin.tor.drafted_by"].is_object());
        assert!(form["patternProperties"][r"^personnel\[[0-9]+\]\.months$"].is_object());
    }
}
