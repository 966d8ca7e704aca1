//! Every generated request passes validation (and the typed parse), and the corpus covers the
//! shapes it promises: every top-level field absent, `null` and present, every enum value,
//! empty and long lists, blank strings, zero amounts, 100% shares, many personnel.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;
use tcscreen_bench::corpus::{self, Options};
use tcscreen_bench::typed;
use tcscreen_core::{RequestLimits, ValidRequest};

const SEED: u64 = 20_250_304;

fn count() -> u64 {
    std::env::var("TCSCREEN_CORPUS_COUNT")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2_000)
}

/// Walk a value, recording every path (indices dropped) with the kinds of value seen there.
fn walk(value: &Value, path: &str, seen: &mut BTreeMap<String, BTreeSet<String>>) {
    let kind = match value {
        Value::Null => "null".to_string(),
        Value::Bool(b) => format!("bool:{b}"),
        Value::Number(n) if n.as_f64() == Some(0.0) => "zero".to_string(),
        Value::Number(n) if n.as_f64() == Some(100.0) => "hundred".to_string(),
        Value::Number(_) => "number".to_string(),
        Value::String(s) if s.trim().is_empty() => "blank".to_string(),
        Value::String(s) => format!("string:{}", if s.len() < 40 { s.as_str() } else { "long" }),
        Value::Array(items) if items.is_empty() => "empty".to_string(),
        Value::Array(items) if items.len() >= 20 => "long".to_string(),
        Value::Array(_) => "list".to_string(),
        Value::Object(_) => "object".to_string(),
    };
    seen.entry(path.to_string()).or_default().insert(kind);
    match value {
        Value::Array(items) => {
            for item in items {
                walk(item, &format!("{path}[]"), seen);
            }
        }
        Value::Object(map) if path != "extensions" => {
            for (k, v) in map {
                let p = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                walk(v, &p, seen);
            }
        }
        _ => {}
    }
}

#[test]
fn every_generated_request_is_valid_and_the_corpus_covers_the_schema() {
    let limits = RequestLimits::default();
    let options = Options::default();
    let mut seen: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut absent: BTreeMap<&str, u64> = BTreeMap::new();
    let mut countries = BTreeSet::new();
    let top = [
        "schema",
        "summary",
        "requester",
        "provider",
        "modality",
        "origin",
        "alignment",
        "management",
        "personnel",
        "counterparts",
        "finance",
        "schedule",
        "capacity",
        "exit",
        "reviews",
        "context",
        "documents",
        "extensions",
    ];
    let n = count();
    for i in 0..n {
        let line = corpus::request_line(SEED, i, &options);
        if let Err(errors) = ValidRequest::from_text(&line, &limits) {
            panic!("request {i} of seed {SEED} is invalid: {errors:#?}\n{line}");
        }
        if let Err(e) = typed::Request::from_text(&line) {
            panic!("request {i} of seed {SEED} fails the typed parse: {e}\n{line}");
        }
        let value: Value = serde_json::from_str(&line).expect("JSON");
        for key in top {
            if value.get(key).is_none() {
                *absent.entry(key).or_default() += 1;
            }
        }
        countries.insert(value["country"].as_str().expect("a country").to_string());
        walk(&value, "", &mut seen);
    }

    // Every optional top-level field is sometimes absent, sometimes null, sometimes stated.
    for key in top {
        assert!(
            absent.get(key).copied().unwrap_or(0) > 0,
            "`{key}` is never absent"
        );
        let kinds = &seen[key];
        if key != "schema" {
            assert!(kinds.contains("null"), "`{key}` is never null: {kinds:?}");
        }
        assert!(kinds.iter().any(|k| k != "null"), "`{key}` is never stated");
    }
    assert_eq!(
        countries,
        ["AF", "KH", "NP"].iter().map(|s| s.to_string()).collect()
    );

    // Every enum value of the schema appears where it belongs.
    let has = |path: &str, kind: &str| seen.get(path).is_some_and(|k| k.contains(kind));
    let enums: [(&str, Vec<&str>); 21] = [
        (
            "requester.kind",
            typed::RequesterKind::ALL
                .iter()
                .map(|v| v.as_str())
                .collect(),
        ),
        (
            "requester.endorsements[].body",
            typed::EndorsementBody::ALL
                .iter()
                .map(|v| v.as_str())
                .collect(),
        ),
        (
            "provider.kind",
            typed::ProviderKind::ALL
                .iter()
                .map(|v| v.as_str())
                .collect(),
        ),
        (
            "modality.types[]",
            typed::ModalityType::ALL
                .iter()
                .map(|v| v.as_str())
                .collect(),
        ),
        (
            "origin.initiated_by",
            typed::InitiatedBy::ALL.iter().map(|v| v.as_str()).collect(),
        ),
        (
            "origin.tor.drafted_by",
            typed::Party::ALL.iter().map(|v| v.as_str()).collect(),
        ),
        (
            "origin.needs_assessment.led_by",
            typed::NeedsLedBy::ALL.iter().map(|v| v.as_str()).collect(),
        ),
        (
            "alignment.plans[].level",
            typed::PlanLevel::ALL.iter().map(|v| v.as_str()).collect(),
        ),
        (
            "management.arrangement",
            typed::Arrangement::ALL.iter().map(|v| v.as_str()).collect(),
        ),
        (
            "management.steering.chaired_by",
            typed::ChairedBy::ALL.iter().map(|v| v.as_str()).collect(),
        ),
        (
            "management.procurement",
            typed::Procurement::ALL.iter().map(|v| v.as_str()).collect(),
        ),
        (
            "personnel[].origin",
            typed::PersonOrigin::ALL
                .iter()
                .map(|v| v.as_str())
                .collect(),
        ),
        (
            "personnel[].function",
            typed::Function::ALL.iter().map(|v| v.as_str()).collect(),
        ),
        (
            "personnel[].reports_to",
            typed::ReportsTo::ALL.iter().map(|v| v.as_str()).collect(),
        ),
        (
            "finance.tied",
            typed::Tied::ALL.iter().map(|v| v.as_str()).collect(),
        ),
        (
            "finance.recurrent_after_exit.financed_by",
            typed::FinancedBy::ALL.iter().map(|v| v.as_str()).collect(),
        ),
        (
            "capacity.indicators[].level",
            typed::IndicatorLevel::ALL
                .iter()
                .map(|v| v.as_str())
                .collect(),
        ),
        (
            "exit.post_exit_support",
            typed::PostExitSupport::ALL
                .iter()
                .map(|v| v.as_str())
                .collect(),
        ),
        (
            "reviews[].kind",
            typed::ReviewKind::ALL.iter().map(|v| v.as_str()).collect(),
        ),
        (
            "context[]",
            typed::Context::ALL.iter().map(|v| v.as_str()).collect(),
        ),
        (
            "documents[].kind",
            typed::DocumentKind::ALL
                .iter()
                .map(|v| v.as_str())
                .collect(),
        ),
    ];
    for (path, values) in &enums {
        for v in values {
            assert!(
                has(path, &format!("string:{v}")),
                "`{path}` never has `{v}`"
            );
        }
    }

    // Edge cases.
    for (path, kind) in [
        ("personnel", "empty"),
        ("personnel", "long"),
        ("counterparts", "long"),
        ("requester.name", "blank"),
        ("exit.end_point", "blank"),
        ("personnel[].id", "blank"),
        ("finance.total", "zero"),
        ("personnel[].months", "zero"),
        ("alignment.sectors[].share", "hundred"),
        ("alignment.sectors[].share", "null"),
        ("personnel[].counterparts[]", "blank"),
        ("schedule.extension", "bool:true"),
        ("origin.tor.partner_approved", "bool:false"),
    ] {
        assert!(
            has(path, kind),
            "`{path}` never is {kind}: {:?}",
            seen.get(path)
        );
    }
    for currency in ["USD", "EUR", "KHR", "NPR", "AFN", "JPY"] {
        assert!(
            has("finance.currency", &format!("string:{currency}")),
            "no {currency}"
        );
    }
    // Dates on both sides of the Cambodian packs' boundary.
    for date in ["2009-12-31", "2010-01-01"] {
        assert!(
            has("received", &format!("string:{date}")),
            "never received on {date}"
        );
    }
}

#[test]
fn a_fixed_country_is_honoured() {
    let options = Options {
        country: Some("KH".into()),
    };
    for i in 0..200 {
        let value: Value =
            serde_json::from_str(&corpus::request_line(1, i, &options)).expect("JSON");
        assert_eq!(value["country"], "KH");
    }
}
