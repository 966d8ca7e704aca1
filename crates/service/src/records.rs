//! Reading recorded decisions: record files (one record, or an array), JSON Lines of records,
//! registers (their screening entries), and folders of those.

use tcscreen_core::json::{self, JsonLimits, JsonValue};
use tcscreen_core::{DecisionRecord, Json};

use crate::inputs::{Inputs, Item, Location};
use crate::register::REGISTER_SCHEMA;

/// Records embed a request (up to 100,000 values) and findings.
const LIMITS: JsonLimits = JsonLimits {
    max_depth: 48,
    max_values: 2_000_000,
};

/// A recorded decision and where it came from.
pub struct Recorded {
    /// File, or file and line.
    pub location: Location,
    /// The record as read (its canonical form is what it must replay to).
    pub json: Json,
    /// The record read back (replay compares its canonical text with `json`'s).
    pub record: DecisionRecord,
    /// The signer's key id, from a register entry.
    pub signer: Option<String>,
    /// The register sequence number, from a register entry.
    pub seq: Option<u64>,
}

/// Every record named by `args`, in order; unreadable ones as errors.
pub fn read(args: &[String]) -> Vec<Result<Recorded, (Location, String)>> {
    from_items(Inputs::new(args))
}

/// Every record in `items` (each a record, an array of records or a register entry: a
/// request body, the lines of a JSON Lines body), in order; unreadable ones as errors.
pub fn from_items(items: impl Iterator<Item = Item>) -> Vec<Result<Recorded, (Location, String)>> {
    let mut out = Vec::new();
    for item in items {
        let location = item.location;
        let text = match item.text {
            Ok(text) => text,
            Err(e) => {
                out.push(Err((location, e.message)));
                continue;
            }
        };
        out.extend(from_text(&location, &text));
    }
    out
}

/// The records in one text: a record, an array of records, or a register entry (a line of a
/// JSON Lines file or register is one text); an HTTP request body, say.
pub fn from_text(location: &Location, text: &str) -> Vec<Result<Recorded, (Location, String)>> {
    let json = match json::parse(text, LIMITS) {
        Ok(json) => json,
        Err(errors) => {
            let e = &errors[0];
            return vec![Err((location.clone(), format!("{}: {}", e.pos, e.message)))];
        }
    };
    let items: Vec<Json> = match json.value {
        JsonValue::Array(items) => items,
        _ => vec![json],
    };
    items.into_iter().map(|item| one(location, item)).collect()
}

fn one(location: &Location, json: Json) -> Result<Recorded, (Location, String)> {
    let fail = |message: String| (location.clone(), message);
    if json.get("schema").and_then(Json::as_str) == Some(REGISTER_SCHEMA) {
        let kind = json.get("kind").and_then(Json::as_str).unwrap_or_default();
        if kind != "screening" {
            return Err(fail(format!(
                "register entry of kind `{kind}` holds no record"
            )));
        }
        let record = json
            .get("record")
            .cloned()
            .ok_or_else(|| fail("register entry without a record".into()))?;
        let signer = json
            .get("signer")
            .and_then(Json::as_str)
            .map(str::to_string);
        let seq = json.get("seq").and_then(|s| match &s.value {
            JsonValue::Number(n) => u64::try_from(*n).ok(),
            _ => None,
        });
        let parsed = DecisionRecord::from_json(&record)
            .map_err(|e| fail(format!("not a decision record: {e}")))?;
        return Ok(Recorded {
            location: location.clone(),
            json: record,
            record: parsed,
            signer,
            seq,
        });
    }
    let record = DecisionRecord::from_json(&json)
        .map_err(|e| fail(format!("not a decision record: {e}")))?;
    Ok(Recorded {
        location: location.clone(),
        json,
        record,
        signer: None,
        seq: None,
    })
}

/// Whether an item is a human-decision register entry (skipped silently by replay).
pub fn is_decision_entry(message: &str) -> bool {
    message.starts_with("register entry of kind `decision`")
}
