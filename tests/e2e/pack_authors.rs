//! Issue 23, the pack authors' rough edges: a number compared with text (L030, and a rule
//! error at run time), an optional field used without a test (L031, and the scaffold's case
//! with only the required fields), failing tests that show what differs and fold the rest,
//! `check`'s summary of the pack's own unverified sources, and scaffold rules that do not
//! repeat base.

use std::fs;
use std::path::{Path, PathBuf};

use crate::harness::{Run, copy_dir, root, tcscreen};

/// A rules folder with `base` and a pack `yy` scaffolded over it: (its guard, the rules
/// folder, the pack's folder).
fn scaffold() -> (tempfile::TempDir, PathBuf, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("rules");
    copy_dir(&root().join("rules/base"), &rules.join("base"));
    let pack = rules.join("yy");
    in_rules(
        &rules,
        &[
            "new",
            pack.to_str().unwrap(),
            "--country",
            "YY",
            "--extends",
            "base",
        ],
    )
    .expect_code(0);
    (dir, rules, pack)
}

fn in_rules(rules: &Path, args: &[&str]) -> Run {
    tcscreen(&[&["--rules", rules.to_str().unwrap()], args].concat())
}

fn add_rule(pack: &Path, id: &str, body: &str) {
    fs::write(
        pack.join(format!("rules/{id}.rhai")),
        format!("//! id: {id}\n//! title: {id}\n//! criterion: exit\n//! policy: none\n{body}\n"),
    )
    .unwrap();
}

#[test]
fn a_number_compared_with_text_is_an_error_in_check_and_at_run_time() {
    let (_dir, rules, pack) = scaffold();
    // A quoted number in the rule.
    add_rule(
        &pack,
        "YY-05",
        "for (p, i) in request.personnel { if p.months > \"24\" { note(\"Long.\", `personnel[${i}].months`); } }",
    );
    in_rules(&rules, &["check", "yy"])
        .expect_code(1)
        .stderr_has("error[L030]: `p.months > \"24\"` compares a number with text")
        .stderr_has("help: write the number without quotes: `24`");
    // A param written in quotes in the manifest.
    add_rule(
        &pack,
        "YY-05",
        "for (p, i) in request.personnel { if p.months > params.long_months { note(\"Long.\", `personnel[${i}].months`); } }",
    );
    let manifest = pack.join("pack.toml");
    let text = fs::read_to_string(&manifest).unwrap();
    fs::write(
        &manifest,
        text.replace("[params]\n", "[params]\nlong_months = \"24\"\n"),
    )
    .unwrap();
    in_rules(&rules, &["check", "yy"])
        .expect_code(1)
        .stderr_has("error[L030]: `p.months > params.long_months` compares a number with text")
        .stderr_has("`long_months` is text in the manifest");
    // Where check cannot tell (a value from a data table), the rule fails when it runs, in
    // the author's terms, instead of never firing.
    fs::write(&manifest, text).unwrap();
    fs::write(pack.join("data/limits.json"), r#"{"months": "24"}"#).unwrap();
    add_rule(
        &pack,
        "YY-05",
        "for (p, i) in request.personnel { if p.months != () && p.months >= data.limits.months { note(\"Long.\", `personnel[${i}].months`); } }",
    );
    in_rules(&rules, &["check", "yy"]).expect_code(0);
    in_rules(&rules, &["test", "yy"])
        .expect_code(1)
        .stdout_has("rule `yy/YY-05` failed at ")
        .stdout_has("`>=` cannot compare a number with text: `p.months` is a number, `data.limits.months` is text");
}

#[test]
fn an_optional_field_used_without_a_test_is_a_warning_and_the_scaffold_tests_it() {
    let (_dir, rules, pack) = scaffold();
    // The scaffold's own case with only the required fields.
    let cases = fs::read_to_string(pack.join("tests/cases.json")).unwrap();
    assert!(cases.contains("a request with only the required fields"));
    in_rules(&rules, &["test", "yy"]).expect_code(0).stdout_has(
        "ok    a request with only the required fields is screened without a rule failing",
    );
    add_rule(
        &pack,
        "YY-05",
        "if request.requester.name.len() > 200 { note(\"Shorten the name.\", \"requester.name\"); }",
    );
    in_rules(&rules, &["check", "yy"])
        .expect_code(0)
        .stderr_has("warning[L031]: `request.requester.name` may be left out of a request");
    in_rules(&rules, &["check", "yy", "--deny-warnings"]).expect_code(1);
    // The case with only the required fields catches it.
    in_rules(&rules, &["test", "yy"])
        .expect_code(1)
        .stdout_has("FAIL  a request with only the required fields")
        .stdout_has("rule `yy/YY-05` failed at ");
}

#[test]
fn a_failing_test_shows_what_differs_and_folds_the_rest() {
    let (_dir, rules, pack) = scaffold();
    let path = pack.join("tests/cases.json");
    let mut cases: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(&path).unwrap()).unwrap();
    // Expect the complete request to be rejected, and one of its silent rules to fire.
    let case = &mut cases[0];
    case["expect"]["decision"] = "reject".into();
    case["expect"]["fires"] = serde_json::json!(["yy/YY-03"]);
    fs::write(&path, serde_json::to_string_pretty(&cases).unwrap()).unwrap();
    let run = in_rules(&rules, &["test", "yy"]);
    run.expect_code(1)
        .stdout_has("expected reject, got accept")
        .stdout_has("expected `yy/YY-03` to fire, but it stayed silent")
        .stdout_has("not shown (--all-findings lists every one)");
    // The generation profile (base/GP-01, a long note in every case) is folded.
    assert!(!run.stdout.contains("base/GP-01"), "{}", run.stdout);
    in_rules(&rules, &["test", "yy", "--all-findings"])
        .expect_code(1)
        .stdout_has("fired: note base/GP-01: ");

    // A decision that differs: the findings that made it are shown first.
    case_expects(&path, 1, "accept");
    in_rules(&rules, &["test", "yy"])
        .expect_code(1)
        .stdout_has("expected accept, got reject")
        .stdout_has("decided by: reject yy/YY-02: The request has not come through the aid coordination unit");
}

fn case_expects(path: &Path, index: usize, decision: &str) {
    let mut cases: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(path).unwrap()).unwrap();
    cases[index]["expect"]["decision"] = decision.into();
    fs::write(path, serde_json::to_string_pretty(&cases).unwrap()).unwrap();
}

#[test]
fn checks_summary_names_the_packs_own_unverified_sources() {
    let (_dir, rules, _pack) = scaffold();
    in_rules(&rules, &["check", "yy"])
        .expect_code(0)
        .stdout_has("1 unverified source cited by its own rules (example-national-plan), 2 more by its parents' rules (--inherited names them)");
    in_rules(&rules, &["check", "yy", "--inherited"])
        .expect_code(0)
        .stdout_has("3 unverified sources cited (aaa-2008-conditions, example-national-plan, paris-2005-ind4-cd)");
}

#[test]
fn the_scaffolds_rules_do_not_repeat_base() {
    let (dir, rules, pack) = scaffold();
    // In every case of the scaffold's tests, no finding of the scaffold's rules is about a
    // field a base rule also found something about: the old data rule (end before start)
    // fired with base/DQ-02 on `schedule.end`.
    let cases: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(pack.join("tests/cases.json")).unwrap()).unwrap();
    let requests = dir.path().join("requests.jsonl");
    let lines: Vec<String> = cases
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["request"].to_string())
        .collect();
    fs::write(&requests, lines.join("\n")).unwrap();
    let run = in_rules(
        &rules,
        &[
            "screen",
            "--pack",
            "yy",
            "--format",
            "jsonl",
            requests.to_str().unwrap(),
        ],
    );
    assert_eq!(run.stdout.lines().count(), lines.len(), "{}", run.stderr);
    let mut own_findings = 0;
    for record in run.stdout.lines() {
        let record: serde_json::Value = serde_json::from_str(record).unwrap();
        let findings = record["findings"].as_array().unwrap();
        let fields = |own: bool| -> Vec<&str> {
            findings
                .iter()
                .filter(|f| f["rule"].as_str().unwrap().starts_with("yy/") == own)
                .filter_map(|f| f["field"].as_str())
                .collect()
        };
        let base = fields(false);
        for field in fields(true) {
            own_findings += 1;
            assert!(
                !base.iter().any(|b| b == &field),
                "a scaffold rule repeats a base rule on `{field}`: {record}"
            );
        }
    }
    assert!(own_findings >= 4, "the scaffold's rules fire in its cases");
}
