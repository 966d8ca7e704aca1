//! `validate` and `schema`: intake checks without screening, and a JSON Schema that agrees
//! with them.

use crate::harness::{root, tcscreen, tcscreen_with_stdin};

#[test]
fn validate_reports_like_screen_without_screening() {
    let run = tcscreen(&["validate", "fixtures/requests"]);
    run.expect_code(0)
        .stdout_has("ok  fixtures/requests/kh/kh-mef-2025-014-pfm-pooled.json  KH-MEF-2025-014");
    assert!(!run.stdout.contains("schema"), "no records: {}", run.stdout);
    let bad = tcscreen_with_stdin(
        &["--error-format", "plain", "validate", "-"],
        br#"{"id": "X", "country": "KH", "title": "T", "received": "2025-03-04", "origin": {"torr": 1}}"#,
    );
    bad.expect_code(3).stderr_has(
        "error[I011]: `origin.torr`: unknown field `torr` in `origin`; help: did you mean `tor`?",
    );
}

#[test]
fn validate_and_screen_refuse_oversized_requests_without_reading_them() {
    let dir = tempfile::tempdir().unwrap();
    let lines = format!(
        "{}\n{{\"id\": \"BIG\", \"country\": \"KH\", \"title\": \"{}\", \"received\": \"2025-03-04\"}}\n{}\n",
        crate::harness::zz_request("A"),
        "x".repeat(5000),
        crate::harness::zz_request("B")
    );
    let file = dir.path().join("batch.jsonl");
    std::fs::write(&file, lines).unwrap();
    let run = tcscreen(&[
        "--error-format",
        "plain",
        "validate",
        "--max-request-bytes",
        "1000",
        "--format",
        "jsonl",
        file.to_str().unwrap(),
    ]);
    run.expect_code(3)
        .stderr_has("batch.jsonl:2: error[I005]: the request is at least");
    assert_eq!(
        run.stdout
            .lines()
            .filter(|l| l.contains(r#""valid":true"#))
            .count(),
        2
    );
}

#[test]
fn the_example_request_is_complete_and_valid() {
    let example = tcscreen(&["schema", "--example"]);
    example.expect_code(0);
    tcscreen_with_stdin(&["validate", "-"], example.stdout.as_bytes()).expect_code(0);
    // Every field of the schema appears in the example.
    let value: serde_json::Value = serde_json::from_str(&example.stdout).unwrap();
    let schema: serde_json::Value = serde_json::from_str(&tcscreen(&["schema"]).stdout).unwrap();
    fn missing(
        schema: &serde_json::Value,
        value: &serde_json::Value,
        path: &str,
        out: &mut Vec<String>,
    ) {
        if let Some(props) = schema.get("properties").and_then(|p| p.as_object()) {
            for (name, sub) in props {
                match value.get(name) {
                    None | Some(serde_json::Value::Null) => out.push(format!("{path}{name}")),
                    Some(v) => missing(sub, v, &format!("{path}{name}."), out),
                }
            }
        }
        if let (Some(items), Some(list)) = (schema.get("items"), value.as_array()) {
            match list.first() {
                Some(first) => missing(items, first, path, out),
                None => out.push(format!("{path}[] (empty list)")),
            }
        }
    }
    let mut out = Vec::new();
    missing(&schema, &value, "", &mut out);
    assert!(out.is_empty(), "fields missing from the example: {out:?}");
}

#[test]
fn the_json_schema_agrees_with_validate() {
    let schema: serde_json::Value = serde_json::from_str(&tcscreen(&["schema"]).stdout).unwrap();
    let validator = jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .expect("the schema compiles");
    let base =
        serde_json::from_str::<serde_json::Value>(&tcscreen(&["schema", "--example"]).stdout)
            .unwrap();
    let mut samples: Vec<serde_json::Value> = vec![base.clone()];
    for entry in walkdir::WalkDir::new(root().join("fixtures/requests"))
        .into_iter()
        .filter_map(Result::ok)
    {
        if entry.path().extension().is_some_and(|e| e == "json") {
            samples.push(
                serde_json::from_str(&std::fs::read_to_string(entry.path()).unwrap()).unwrap(),
            );
        }
    }
    let edits: &[(&str, serde_json::Value)] = &[
        ("/titel", serde_json::json!("unknown field")),
        ("/origin/torr", serde_json::json!({})),
        ("/personnel/0/months", serde_json::json!("six")),
        ("/personnel/0/months", serde_json::json!(-1)),
        ("/management/arrangement", serde_json::json!("parallel-piu")),
        ("/schedule/start", serde_json::json!("2025-02-30")),
        ("/schedule/start", serde_json::json!("25-02-01")),
        ("/country", serde_json::json!("kh")),
        ("/finance/currency", serde_json::json!("usd")),
        ("/alignment/sectors/0/share", serde_json::json!(120)),
        ("/alignment/sectors/0/code", serde_json::json!(15111)),
        ("/context/0", serde_json::Value::Null),
        ("/title", serde_json::Value::Null),
        ("/title", serde_json::json!("   ")),
        ("/schema", serde_json::json!("tcscreen/request/v2")),
        ("/summary", serde_json::Value::Null),
        (
            "/extensions",
            serde_json::json!({"anything": [1, {"goes": true}]}),
        ),
        ("/finance/total", serde_json::json!(0)),
        ("/id", serde_json::json!("KH-1\u{1b}[2K")),
        ("/id", serde_json::json!("KH-1\n**Decision: accept.**")),
        ("/personnel/0/id", serde_json::json!("P\u{202e}1")),
        ("/personnel/0/counterparts/0", serde_json::json!("C1\t")),
        ("/counterparts/0/id", serde_json::json!("C1\u{85}")),
        ("/id", serde_json::json!("KH-1 ✓ ünïcode")),
    ];
    for (pointer, value) in edits {
        let mut sample = base.clone();
        let (parent, key) = pointer.rsplit_once('/').unwrap();
        match sample.pointer_mut(parent).unwrap() {
            serde_json::Value::Object(map) => {
                map.insert(key.to_string(), value.clone());
            }
            serde_json::Value::Array(list) => list[key.parse::<usize>().unwrap()] = value.clone(),
            _ => unreachable!(),
        }
        samples.push(sample);
    }
    let lines: String = samples.iter().map(|s| format!("{s}\n")).collect();
    let run = tcscreen_with_stdin(
        &[
            "--error-format",
            "json",
            "validate",
            "--format",
            "jsonl",
            "-",
        ],
        lines.as_bytes(),
    );
    let verdicts: Vec<bool> = run
        .stdout
        .lines()
        .map(|l| l.contains(r#""valid":true"#))
        .collect();
    assert_eq!(verdicts.len(), samples.len());
    for (sample, valid) in samples.iter().zip(verdicts) {
        assert_eq!(
            validator.is_valid(sample),
            valid,
            "schema and validate disagree on\n{sample}"
        );
    }
    assert!(samples.len() > 30);
}
