//! The largest valid request (4 MiB of text, 100,000 JSON values) screens with the shipped
//! packs; one value more is refused before any rule runs.

use crate::harness::tcscreen;

/// A request with exactly `values` JSON values and about `bytes` bytes of text.
fn large_request(values: usize, bytes: usize) -> String {
    // Fixed part: the object, 6 top-level string members, and the 3 lists: 10 values.
    let person = |i: usize| {
        format!(
            r#"{{"id": "p{i}", "title": "Adviser {i}", "origin": "national", "function": "capacity_development", "reports_to": "partner", "months": 12, "cost": 1000.5, "counterparts": ["c{i}"]}}"#
        )
    };
    let counterpart = |i: usize| {
        format!(
            r#"{{"id": "c{i}", "position": "Officer {i}", "on_establishment": true, "assigned": true, "assigned_from": "2025-01-01", "salary_supplement": false}}"#
        )
    };
    // A person is 10 values, a counterpart 7: 17 per pair.
    let pairs = (values - 10) / 17;
    let mut extra = values - 10 - pairs * 17;
    let personnel: Vec<String> = (0..pairs).map(person).collect();
    let counterparts: Vec<String> = (0..pairs).map(counterpart).collect();
    let mut criteria = Vec::new();
    while extra > 0 {
        criteria.push("\"x\"".to_string());
        extra -= 1;
    }
    let body = format!(
        r#""id": "BIG-1", "country": "KH", "title": "The largest request", "received": "2025-03-04", "personnel": [{}], "counterparts": [{}], "exit": {{"criteria": [{}]}}"#,
        personnel.join(","),
        counterparts.join(","),
        criteria.join(",")
    );
    // The criteria list sits inside `exit`: one more object value; compensate with the summary.
    let used = body.len() + 20;
    let summary = "a".repeat(bytes.saturating_sub(used));
    format!(r#"{{{body}, "summary": "{summary}"}}"#)
}

#[test]
fn the_largest_valid_request_screens() {
    let text = large_request(100_000 - 2, 4 * 1024 * 1024 - 64);
    assert!(
        text.len() <= 4 * 1024 * 1024 && text.len() > 4 * 1024 * 1024 - 256,
        "{}",
        text.len()
    );
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("big.json");
    std::fs::write(&file, &text).unwrap();
    let run = tcscreen(&["screen", "--format", "json", file.to_str().unwrap()]);
    assert!(
        run.code == 0,
        "the largest valid request must screen: {}",
        run.stderr
    );
    assert!(
        run.stdout.contains(r#""errors":[]"#),
        "no rule may fail on it"
    );
    assert!(!run.stdout.contains(r#""decision":null"#));
}

#[test]
fn one_value_too_many_is_refused_before_screening() {
    let text = large_request(100_001, 100_000);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("too-big.json");
    std::fs::write(&file, &text).unwrap();
    tcscreen(&["screen", file.to_str().unwrap()])
        .expect_code(3)
        .stderr_has("error[I005]")
        .stderr_has("more than 100000 values");
}

#[test]
fn text_beyond_four_mebibytes_is_refused() {
    let text = large_request(1_000, 4 * 1024 * 1024 + 10);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("too-long.json");
    std::fs::write(&file, &text).unwrap();
    tcscreen(&["screen", file.to_str().unwrap()])
        .expect_code(3)
        .stderr_has("error[I005]")
        .stderr_has("more than the limit of 4194304");
}

/// Issue 18, item 13: base/DQ-02 overflowed on amounts the schema accepted (7.9e28). Amounts
/// are bounded; at the bound every shipped pack screens without a rule failing, and one more
/// is refused naming the field and the bound.
#[test]
fn amounts_at_the_schemas_bound_screen_with_every_shipped_pack() {
    const MAX: &str = "1000000000000000";
    let finance = format!(
        r#""finance": {{"currency": "USD", "total": {MAX}, "personnel": {MAX}, "training": {MAX}, "travel": {MAX}, "equipment": {MAX}, "management_fee": {MAX}, "allowances": {MAX}, "other": {MAX}, "recurrent_after_exit": {{"annual": {MAX}}}}}"#
    );
    let personnel: Vec<String> = (0..200)
        .map(|i| format!(r#"{{"id": "p{i}", "months": {MAX}, "cost": {MAX}}}"#))
        .collect();
    let lines: Vec<String> = [("KH", "2025-03-04"), ("NP", "2020-03-04"), ("AF", "2016-03-04")]
        .iter()
        .map(|(country, received)| {
            format!(
                r#"{{"id": "MAX-{country}", "country": "{country}", "title": "At the bound", "received": "{received}", {finance}, "schedule": {{"months_same_function": {MAX}}}, "personnel": [{}]}}"#,
                personnel.join(",")
            )
        })
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("max.jsonl");
    std::fs::write(&file, lines.join("\n")).unwrap();
    let run = tcscreen(&["screen", "--format", "jsonl", file.to_str().unwrap()]);
    run.expect_code(0);
    assert_eq!(run.stdout.lines().count(), 3, "{}", run.stderr);
    for record in run.stdout.lines() {
        assert!(
            record.contains(r#""errors":[]"#),
            "no rule may fail: {record:.300}"
        );
        assert!(!record.contains(r#""decision":null"#));
    }

    let over = lines[0].replacen(
        r#""total": 1000000000000000"#,
        r#""total": 1000000000000001"#,
        1,
    );
    std::fs::write(&file, over).unwrap();
    tcscreen(&["screen", file.to_str().unwrap()])
        .expect_code(3)
        .stderr_has("error[I015]")
        .stderr_has("`finance.total`: must be at most 1000000000000000 (10^15)");
}
