//! A rule that fails: said in the pack author's terms with its place (screen, test, --trace),
//! named on stderr in every format, and never shown to the requester in engine text.

use std::fs;
use std::path::Path;

use crate::harness::{Run, tcscreen};

/// A rules root with pack `zz`: rule F fails on a request without `requester.name`; rule G
/// notes the title. Returns (rules root, request file).
fn failing_pack(dir: &Path) -> (String, String) {
    let pack = dir.join("rules/zz");
    fs::create_dir_all(pack.join("rules")).unwrap();
    fs::create_dir_all(pack.join("tests")).unwrap();
    fs::write(
        pack.join("pack.toml"),
        "[pack]\nid = \"zz\"\nname = \"ZZ\"\ncountry = \"ZZ\"\nversion = \"1\"\n",
    )
    .unwrap();
    fs::write(
        pack.join("rules/F.rhai"),
        "//! title: Shouts the requester's name\n//! criterion: data\n//! policy: test\n\n\
         let name = request.requester.name.to_upper();\n\
         if name == \"\" { note(\"No name.\"); }\n",
    )
    .unwrap();
    fs::write(
        pack.join("rules/G.rhai"),
        "//! title: Notes\n//! criterion: data\n//! policy: test\nnote(\"A note.\", \"title\");\n",
    )
    .unwrap();
    fs::write(
        pack.join("tests/cases.json"),
        r#"{"name": "accepted", "request": {"id": "T1", "country": "ZZ", "title": "T", "received": "2025-03-04"},
            "expect": {"decision": "accept"}}"#,
    )
    .unwrap();
    let request = dir.join("r1.json");
    fs::write(
        &request,
        r#"{"id": "R1", "country": "ZZ", "title": "T", "received": "2025-03-04"}"#,
    )
    .unwrap();
    (
        dir.join("rules").to_str().unwrap().to_string(),
        request.to_str().unwrap().to_string(),
    )
}

/// The stderr lines that name a failed rule.
fn failure_lines(run: &Run) -> Vec<&str> {
    run.stderr.lines().filter(|l| l.contains("E002")).collect()
}

#[test]
fn a_failed_rule_is_named_on_stderr_in_every_format() {
    let dir = tempfile::tempdir().unwrap();
    let (rules, request) = failing_pack(dir.path());
    let out = dir.path().join("out");
    let out = out.to_str().unwrap();
    let expected = format!(
        "rules/zz/rules/F.rhai:5:35: error[E002]: rule `zz/F` failed on request \"R1\" ({request}): `request.requester.name` is not stated (it is `()`), so `to_upper` cannot be used on it"
    );
    for format in ["text", "json", "jsonl", "markdown"] {
        for with_out in [false, true] {
            let mut args = vec!["--rules", &rules, "screen", "--format", format, &request];
            if with_out {
                args.extend(["--out", out]);
            }
            let run = tcscreen(&args);
            run.expect_code(3);
            let lines = failure_lines(&run);
            assert_eq!(lines.len(), 1, "{format} {with_out}:\n{}", run.stderr);
            assert!(
                lines[0].contains(&expected),
                "{format} {with_out}:\n{}\nlacks\n{expected}",
                lines[0]
            );
        }
    }
    // An id that would break the line cannot get this far: validation refuses control
    // characters in ids (I018, tests/e2e/hardening.rs). The line can be JSON, for tools.
    let run = tcscreen(&[
        "--rules",
        &rules,
        "--error-format",
        "json",
        "screen",
        "--format",
        "jsonl",
        &request,
    ]);
    let line = failure_lines(&run)[0];
    let json: serde_json::Value = serde_json::from_str(line).unwrap();
    assert_eq!(json["code"], "E002");
    assert_eq!(json["line"], 5);
    assert!(
        json["file"]
            .as_str()
            .unwrap()
            .ends_with("rules/zz/rules/F.rhai")
    );
}

#[test]
fn the_requester_never_reads_engine_text() {
    let dir = tempfile::tempdir().unwrap();
    let (rules, request) = failing_pack(dir.path());
    let run = tcscreen(&[
        "--rules", &rules, "screen", "--format", "markdown", &request,
    ]);
    run.expect_code(3).stdout_has(
        "**No decision.** A check could not be completed, and the coordination unit has been told.",
    );
    for engine_text in ["to_upper", "not stated", "zz/F", "()", "rhai"] {
        assert!(
            !run.stdout.contains(engine_text),
            "the note shows {engine_text:?}:\n{}",
            run.stdout
        );
    }
}

#[test]
fn test_and_trace_give_the_place_of_a_rule_error() {
    let dir = tempfile::tempdir().unwrap();
    let (rules, request) = failing_pack(dir.path());
    tcscreen(&["--rules", &rules, "test", "zz"])
        .expect_code(1)
        .stdout_has("rule `zz/F` failed at ")
        .stdout_has("rules/zz/rules/F.rhai:5:35: `request.requester.name` is not stated");
    tcscreen(&[
        "--rules", &rules, "screen", "--trace", "--format", "jsonl", &request,
    ])
    .expect_code(3)
    .stderr_has("error   `request.requester.name` is not stated")
    .stderr_has(&format!("              at {rules}/zz/rules/F.rhai:5:35\n"));
}

#[test]
fn a_safety_stop_in_a_lib_module_names_the_module_and_the_stop() {
    // Issue 11, item 11: the lib/ line was reported against the rule file, and the message
    // did not say which safety net stopped it.
    let run = tcscreen(&[
        "--rules",
        "fixtures/packs/hostile",
        "--error-format",
        "plain",
        "check",
        "memory-in-lib",
    ]);
    run.expect_code(3).stderr_has(
        "fixtures/packs/hostile/memory-in-lib/rules/H-01.rhai:4:1: error[R021]: loading fixtures/packs/hostile/memory-in-lib/lib/grow.rhai held more memory than the safety limit",
    );
    run.stderr_has("the stop came at fixtures/packs/hostile/memory-in-lib/lib/grow.rhai:");
}
