//! Host-side values handed to rules as `params` and `data`, and their conversion to Rhai.
//!
//! Integers stay integers (`INT`), every other number is an exact decimal, maps keep sorted
//! keys (Rhai maps are ordered), and JSON `null` becomes `()`.

use std::collections::BTreeMap;

use rhai::{Array, Dynamic, Map};
use rust_decimal::Decimal;

use crate::json::{Json, JsonValue};

/// A value from a manifest's `[params]` or a `data/*.json` table.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// Absent (`()` in Rhai).
    Unit,
    /// `true` or `false` (TOML and JSON booleans alike).
    Bool(bool),
    /// An integer (TOML integers).
    Int(i64),
    /// An exact decimal (TOML fractional numbers, every JSON number).
    Decimal(Decimal),
    /// A string (TOML dates become `YYYY-MM-DD` strings).
    Str(String),
    /// A list, in the order given.
    Array(Vec<Value>),
    /// A TOML table or JSON object, its keys in byte order.
    Map(BTreeMap<String, Value>),
}

impl Value {
    /// The Rhai value rules see.
    pub fn to_dynamic(&self) -> Dynamic {
        match self {
            Value::Unit => Dynamic::UNIT,
            Value::Bool(b) => Dynamic::from_bool(*b),
            Value::Int(i) => Dynamic::from_int(*i),
            Value::Decimal(d) => Dynamic::from_decimal(*d),
            Value::Str(s) => Dynamic::from(s.clone()),
            Value::Array(items) => {
                Dynamic::from_array(items.iter().map(Value::to_dynamic).collect::<Array>())
            }
            Value::Map(map) => Dynamic::from_map(
                map.iter()
                    .map(|(k, v)| (k.as_str().into(), v.to_dynamic()))
                    .collect::<Map>(),
            ),
        }
    }

    /// A value from JSON: numbers become decimals, `null` becomes `Unit`.
    pub fn from_json(json: &Json) -> Value {
        match &json.value {
            JsonValue::Null => Value::Unit,
            JsonValue::Bool(b) => Value::Bool(*b),
            JsonValue::Number(d) => Value::Decimal(*d),
            JsonValue::String(s) => Value::Str(s.clone()),
            JsonValue::Array(items) => Value::Array(items.iter().map(Value::from_json).collect()),
            JsonValue::Object(members) => Value::Map(
                members
                    .iter()
                    .map(|m| (m.key.clone(), Value::from_json(&m.value)))
                    .collect(),
            ),
        }
    }
}

/// JSON straight to Rhai, without the intermediate [`Value`].
pub(crate) fn json_to_dynamic(json: &Json) -> Dynamic {
    match &json.value {
        JsonValue::Null => Dynamic::UNIT,
        JsonValue::Bool(b) => Dynamic::from_bool(*b),
        JsonValue::Number(d) => Dynamic::from_decimal(*d),
        JsonValue::String(s) => Dynamic::from(s.clone()),
        JsonValue::Array(items) => {
            Dynamic::from_array(items.iter().map(json_to_dynamic).collect::<Array>())
        }
        JsonValue::Object(members) => Dynamic::from_map(
            members
                .iter()
                .map(|m| (m.key.as_str().into(), json_to_dynamic(&m.value)))
                .collect::<Map>(),
        ),
    }
}

/// Whether a Rhai value is exactly what [`json_to_dynamic`] makes of `json`.
pub(crate) fn same_as_json(value: &Dynamic, json: &Json) -> bool {
    match &json.value {
        JsonValue::Null => value.is_unit(),
        JsonValue::Bool(b) => value.as_bool() == Ok(*b),
        JsonValue::Number(d) => value
            .as_decimal()
            .is_ok_and(|v| v == *d && v.scale() == d.scale()),
        JsonValue::String(s) => value
            .read_lock::<rhai::ImmutableString>()
            .is_some_and(|v| v.as_str() == s),
        JsonValue::Array(items) => value.read_lock::<Array>().is_some_and(|a| {
            a.len() == items.len() && a.iter().zip(items).all(|(v, j)| same_as_json(v, j))
        }),
        JsonValue::Object(members) => value.read_lock::<Map>().is_some_and(|m| {
            m.len() == members.len()
                && members.iter().all(|member| {
                    m.get(member.key.as_str())
                        .is_some_and(|v| same_as_json(v, &member.value))
                })
        }),
    }
}

/// Deep equality of two Rhai values of the kinds rules receive (unit, bool, integer, decimal,
/// string, array, map). Any other kind is never equal: the caller then assumes a change.
pub(crate) fn same_value(a: &Dynamic, b: &Dynamic) -> bool {
    if a.type_id() != b.type_id() {
        return false;
    }
    if a.is_unit() {
        return true;
    }
    if let (Ok(x), Ok(y)) = (a.as_bool(), b.as_bool()) {
        return x == y;
    }
    if let (Ok(x), Ok(y)) = (a.as_int(), b.as_int()) {
        return x == y;
    }
    if let (Ok(x), Ok(y)) = (a.as_decimal(), b.as_decimal()) {
        // Same value and same scale: a rule must not be able to tell them apart.
        return x == y && x.scale() == y.scale();
    }
    if let (Some(x), Some(y)) = (
        a.read_lock::<rhai::ImmutableString>(),
        b.read_lock::<rhai::ImmutableString>(),
    ) {
        return *x == *y;
    }
    if let (Some(x), Some(y)) = (a.read_lock::<Array>(), b.read_lock::<Array>()) {
        return x.len() == y.len() && x.iter().zip(y.iter()).all(|(p, q)| same_value(p, q));
    }
    if let (Some(x), Some(y)) = (a.read_lock::<Map>(), b.read_lock::<Map>()) {
        return x.len() == y.len()
            && x.iter()
                .zip(y.iter())
                .all(|((k1, v1), (k2, v2))| k1 == k2 && same_value(v1, v2));
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_value_is_deep() {
        let a = Value::Map(
            [(
                "x".to_string(),
                Value::Array(vec![Value::Int(1), Value::Str("s".into())]),
            )]
            .into(),
        )
        .to_dynamic();
        let b = a.clone();
        assert!(same_value(&a, &b));
        let c = Value::Map(
            [(
                "x".to_string(),
                Value::Array(vec![Value::Int(1), Value::Str("t".into())]),
            )]
            .into(),
        )
        .to_dynamic();
        assert!(!same_value(&a, &c));
        let d = Value::Map(
            [
                ("x".to_string(), Value::Unit),
                ("y".to_string(), Value::Unit),
            ]
            .into(),
        )
        .to_dynamic();
        let e = Value::Map([("x".to_string(), Value::Unit)].into()).to_dynamic();
        assert!(!same_value(&d, &e));
        assert!(!same_value(
            &Value::Int(1).to_dynamic(),
            &Value::Decimal(1.into()).to_dynamic()
        ));
    }
}
