//! Bad requests: each gets a clear error naming the file, the place and what was expected; it
//! is not screened, the rest of the batch is, and the exit code is 3.

use crate::harness::{tcscreen, zz_request};

const RULES: &[&str] = &[
    "--rules",
    "fixtures/packs/minimal",
    "--error-format",
    "plain",
];

/// Screen a folder holding `good.json` and `bad.json` (with `bad` as its bytes).
fn screen_with_bad(bad: &[u8]) -> crate::harness::Run {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("bad.json"), bad).unwrap();
    std::fs::write(dir.path().join("good.json"), zz_request("GOOD-1")).unwrap();
    let folder = dir.path().to_str().unwrap().to_string();
    let run = tcscreen(&[RULES, &["screen", "--format", "jsonl", &folder]].concat());
    // The good request is screened whatever happened to the bad one.
    assert_eq!(
        run.stdout.lines().count(),
        1,
        "one record expected\n{}\n{}",
        run.stdout,
        run.stderr
    );
    assert!(run.stdout.contains(r#""id":"GOOD-1""#));
    run.expect_code(3).stderr_has("bad.json was not screened");
    run
}

fn with_field(field: &str) -> String {
    format!(
        r#"{{"id": "BAD-1", "country": "ZZ", "title": "Bad", "received": "2025-03-04", {field}}}"#
    )
}

#[test]
fn invalid_json() {
    screen_with_bad(b"{\"id\": \"BAD-1\",\n  \"country\": \"ZZ\",}")
        .stderr_has("error[I002]: ")
        .stderr_has("bad.json:2:19: error[I002]: unexpected `}`: expected a key in double quotes");
}

#[test]
fn duplicate_key() {
    screen_with_bad(with_field(r#""title": "Twice""#).as_bytes())
        .stderr_has("error[I003]: ")
        .stderr_has("bad.json:1:76: error[I003]: duplicate key `title` (first at 1:34)");
}

#[test]
fn wrong_type() {
    screen_with_bad(with_field(r#""personnel": [{"months": "six"}]"#).as_bytes())
        .stderr_has("error[I012]: ")
        .stderr_has("`personnel[0].months`: expected a number, found a string");
}

#[test]
fn unknown_field_suggests_the_right_one() {
    screen_with_bad(with_field(r#""origin": {"torr": {"drafted_by": "partner"}}"#).as_bytes())
        .stderr_has("error[I011]: ")
        .stderr_has("`origin.torr`: unknown field `torr` in `origin`")
        .stderr_has("help: did you mean `tor`?");
}

#[test]
fn bad_enum_value() {
    screen_with_bad(with_field(r#""management": {"arrangement": "parallel-piu"}"#).as_bytes())
        .stderr_has("error[I013]: ")
        .stderr_has("`management.arrangement`: `parallel-piu` is not an allowed value")
        .stderr_has("help: did you mean `parallel_piu`?");
}

#[test]
fn bad_date() {
    screen_with_bad(with_field(r#""schedule": {"start": "2025-02-30"}"#).as_bytes())
        .stderr_has("error[I014]: ")
        .stderr_has("`schedule.start`: `2025-02-30` is not a calendar date")
        .stderr_has("help: write dates as YYYY-MM-DD");
}

#[test]
fn negative_amount() {
    screen_with_bad(with_field(r#""finance": {"currency": "USD", "total": -5000}"#).as_bytes())
        .stderr_has("error[I015]: ")
        .stderr_has("`finance.total`: must not be negative, found -5000");
}

#[test]
fn missing_required_field() {
    screen_with_bad(br#"{"id": "BAD-1", "country": "ZZ", "received": "2025-03-04"}"#)
        .stderr_has("error[I010]: ")
        .stderr_has("`title`: missing required field `title`");
}

#[test]
fn empty_file() {
    screen_with_bad(b"")
        .stderr_has("error[I001]: ")
        .stderr_has("bad.json: error[I001]: the file is empty");
}

#[test]
fn whitespace_only_file() {
    screen_with_bad(b"  \n ")
        .stderr_has("error[I002]: ")
        .stderr_has("no JSON value: the text is empty");
}

#[test]
fn binary_file() {
    screen_with_bad(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
        .stderr_has("error[I001]: ")
        .stderr_has("binary data, not text");
}

#[test]
fn nesting_too_deep() {
    let deep = format!("{}1{}", "[".repeat(40), "]".repeat(40));
    screen_with_bad(with_field(&format!(r#""extensions": {{"deep": {deep}}}"#)).as_bytes())
        .stderr_has("error[I005]: ")
        .stderr_has("nesting deeper than 32 levels");
}

#[test]
fn number_that_cannot_be_exact() {
    screen_with_bad(with_field(r#""extensions": {"big": 1e40}"#).as_bytes())
        .stderr_has("error[I004]: ")
        .stderr_has("number `1e40` cannot be held exactly");
}

#[test]
fn every_problem_is_reported_at_once() {
    let run = screen_with_bad(
        br#"{"id": "BAD-1", "country": "zz", "received": "2025-13-01", "personnel": [{"months": -1}], "finance": {"tied": "yes"}}"#,
    );
    for code in ["I016", "I014", "I015", "I013", "I010"] {
        run.stderr_has(&format!("error[{code}]"));
    }
}

#[test]
fn json_lines_name_the_line_and_go_on() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("batch.jsonl");
    let lines = [
        zz_request("L1"),
        "{\"id\": \"L2\", \"country\": \"ZZ\",".to_string(),
        String::new(),
        zz_request("L4"),
    ];
    std::fs::write(&file, lines.join("\n")).unwrap();
    let run = tcscreen(
        &[
            RULES,
            &["screen", "--format", "jsonl", file.to_str().unwrap()],
        ]
        .concat(),
    );
    run.expect_code(3)
        .stderr_has("batch.jsonl:2:30: error[I002]: unexpected end of text")
        .stderr_has("batch.jsonl:2 was not screened");
    let ids: Vec<&str> = run
        .stdout
        .lines()
        .map(|l| if l.contains("\"L1\"") { "L1" } else { "L4" })
        .collect();
    assert_eq!(ids, ["L1", "L4"]);
}

#[test]
fn a_missing_input_file_is_reported() {
    tcscreen(&[RULES, &["screen", "no/such/request.json"]].concat())
        .expect_code(3)
        .stderr_has("no/such/request.json: error[I001]: no such file or folder");
}

#[test]
fn usage_errors_exit_2() {
    tcscreen(&["screen", "--format", "yaml"])
        .expect_code(2)
        .stderr_has("invalid value 'yaml'");
    tcscreen(&["screen", "--as-of", "2025-02-30", "-"])
        .expect_code(2)
        .stderr_has("is not a date");
    tcscreen(&["frobnicate"]).expect_code(2);
}

#[test]
fn stdin_json_lines_with_a_bad_first_line_lose_nothing() {
    let batch = format!("{{\"id\": \"L1\",}}\n{}\n", zz_request("L2"));
    let run = crate::harness::tcscreen_with_stdin(
        &[RULES, &["screen", "--format", "jsonl", "-"]].concat(),
        batch.as_bytes(),
    );
    run.expect_code(3)
        .stderr_has("-:1:13: error[I002]")
        .stderr_has("-:1 was not screened");
    assert_eq!(run.stdout.lines().count(), 1);
    assert!(run.stdout.contains(r#""id":"L2""#));
}
