//! The normalised request rules see (spec §2, "What rules see").
//!
//! Every object of the schema is present with all its fields; an absent list is `[]`, an absent
//! scalar is `()`, an absent `extensions` is `#{}`. So every documented path can be read without
//! "property not found", while a misspelt one still fails.

use rhai::{Array, Dynamic, Map};

use crate::engine::value::json_to_dynamic;
use crate::json::{Json, JsonValue};
use crate::request::schema::{self, Shape};
use crate::request::validate::ValidRequest;

/// The Rhai value of a validated request, normalised.
pub fn normalize(request: &ValidRequest) -> Dynamic {
    shaped(Some(request.json()), &schema::REQUEST)
}

fn shaped(value: Option<&Json>, shape: &Shape) -> Dynamic {
    let value = value.filter(|v| !v.is_null());
    match shape {
        Shape::Object(fields) => {
            let mut map = Map::new();
            for field in fields.iter() {
                map.insert(
                    field.name.into(),
                    shaped(value.and_then(|v| v.get(field.name)), field.shape),
                );
            }
            Dynamic::from_map(map)
        }
        Shape::List(item) => match value.map(|v| &v.value) {
            Some(JsonValue::Array(items)) => Dynamic::from_array(
                items
                    .iter()
                    .map(|i| shaped(Some(i), item))
                    .collect::<Array>(),
            ),
            _ => Dynamic::from_array(Array::new()),
        },
        Shape::FreeObject => match value {
            Some(v) => json_to_dynamic(v),
            None => Dynamic::from_map(Map::new()),
        },
        _ => value.map_or(Dynamic::UNIT, json_to_dynamic),
    }
}

/// Whether `value` still equals the normalised `request`, without building a copy: the check
/// after rules ran that none of them changed it.
pub(crate) fn unchanged(value: &Dynamic, request: &ValidRequest) -> bool {
    matches(value, Some(request.json()), &schema::REQUEST)
}

fn matches(value: &Dynamic, json: Option<&Json>, shape: &Shape) -> bool {
    let json = json.filter(|v| !v.is_null());
    match shape {
        Shape::Object(fields) => {
            let Some(map) = value.read_lock::<Map>() else {
                return false;
            };
            map.len() == fields.len()
                && fields.iter().all(|f| {
                    map.get(f.name)
                        .is_some_and(|v| matches(v, json.and_then(|j| j.get(f.name)), f.shape))
                })
        }
        Shape::List(item) => {
            let Some(array) = value.read_lock::<Array>() else {
                return false;
            };
            match json.map(|j| &j.value) {
                Some(JsonValue::Array(items)) => {
                    array.len() == items.len()
                        && array
                            .iter()
                            .zip(items)
                            .all(|(v, i)| matches(v, Some(i), item))
                }
                _ => array.is_empty(),
            }
        }
        Shape::FreeObject => match json {
            Some(j) => crate::engine::value::same_as_json(value, j),
            None => value.read_lock::<Map>().is_some_and(|m| m.is_empty()),
        },
        _ => match json {
            Some(j) => crate::engine::value::same_as_json(value, j),
            None => value.is_unit(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::request::validate::RequestLimits;

    #[test]
    fn absent_fields_are_filled() {
        let r = ValidRequest::from_text(
            r#"{"id": "R1", "country": "KH", "title": "T", "received": "2025-03-04",
                "origin": {"tor": {"drafted_by": "partner"}}, "personnel": [{"months": 6.50}]}"#,
            &RequestLimits::default(),
        )
        .unwrap();
        let map = normalize(&r).cast::<Map>();
        let origin = map["origin"].clone().cast::<Map>();
        assert!(origin["request_letter"].clone().cast::<Map>()["date"].is_unit());
        assert_eq!(
            origin["tor"].clone().cast::<Map>()["drafted_by"].to_string(),
            "partner"
        );
        assert!(origin["tor"].clone().cast::<Map>()["partner_approved"].is_unit());
        assert_eq!(map["counterparts"].clone().cast::<Array>().len(), 0);
        assert!(map["extensions"].is_map());
        assert!(map["summary"].is_unit());
        let person = map["personnel"].clone().cast::<Array>()[0]
            .clone()
            .cast::<Map>();
        assert_eq!(person["months"].to_string(), "6.5");
        assert_eq!(person["counterparts"].clone().cast::<Array>().len(), 0);
        assert!(person["cost"].is_unit());
    }
}
