//! IATI XML through the server: which bodies are IATI XML, and the import's counts and what it
//! left out, as the last line of a batch answer and for the Portfolio page.

use axum::http::{HeaderMap, header};
use tcscreen_core::canonical::to_canonical_string;
use tcscreen_core::{Json, JsonValue};
use tcscreen_service::iati::ImportCounts;
use tcscreen_service::iati::inputs::ImportLog;

/// Whether the body is XML by its content type (`application/xml`, `text/xml`, or any
/// `…+xml`).
pub fn is_xml(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        })
        .is_some_and(|t| t == "application/xml" || t == "text/xml" || t.ends_with("+xml"))
}

/// The counts as JSON members.
pub fn counts_json(counts: &ImportCounts) -> Json {
    let n = |v: usize| Json::number(v as u64);
    Json::object([
        ("activities", n(counts.activities)),
        ("tc", n(counts.tc)),
        ("requests", n(counts.requests)),
        ("not_tc", n(counts.not_tc)),
        ("other_country", n(counts.other_country)),
        ("problems", n(counts.problems)),
        ("closed_or_cancelled", n(counts.over)),
        ("tc_by_code_only", n(counts.code_only)),
    ])
}

/// `{"import": {"activities", "tc", …, "left_out": [{"identifier", "line", "reason"}]}}` and a
/// newline: the last line of a batch of IATI XML.
pub fn import_line(log: &ImportLog) -> String {
    let total = log.total();
    let left_out: Vec<Json> = log
        .files()
        .iter()
        .flat_map(|f| f.skipped.iter())
        .map(|s| {
            Json::object([
                ("identifier", Json::string(&s.identifier)),
                ("line", Json::number(s.place.line)),
                ("reason", Json::string(s.reason_text())),
            ])
        })
        .collect();
    let JsonValue::Object(mut members) = counts_json(&total).value else {
        unreachable!("an object")
    };
    members.push(tcscreen_core::json::Member {
        key: "left_out".into(),
        key_pos: tcscreen_core::Pos::NONE,
        value: Json::array(left_out),
    });
    let import = Json::new(JsonValue::Object(members));
    format!(
        "{}\n",
        to_canonical_string(&Json::object([("import", import)]))
    )
}
