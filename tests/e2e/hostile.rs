//! Hostile packs (fixtures/packs/hostile/<case>): each is contained with a clear error and
//! exit code 3, never a crash, a hang, an accept or output on stdout other than the record.

use crate::harness::{Run, tcscreen_with_stdin, zz_request};

fn screen_with(case: &str) -> Run {
    let pack = format!("fixtures/packs/hostile/{case}");
    tcscreen_with_stdin(
        &[
            "--rules",
            "fixtures/packs/hostile",
            "--error-format",
            "plain",
            "screen",
            "--format",
            "json",
            "--pack",
            &pack,
            "-",
        ],
        zz_request("ZZ-1").as_bytes(),
    )
}

/// The rule ran and failed: a record with `decision: null` and its error.
#[track_caller]
fn rule_error(case: &str, message: &str, place: &str) {
    let run = screen_with(case);
    run.expect_code(3);
    run.stdout_has(r#""decision":null"#);
    run.stdout_has(r#""criteria":{"data":null,"demand_led":null,"exit":null,"policy_fit":null}"#);
    run.stdout_has(&format!(r#""file":"{case}/rules/H-01.rhai""#));
    run.stdout_has(&format!(r#""message":"{message}""#));
    run.stdout_has(place);
    run.stdout_has(r#""findings":[]"#);
}

/// The pack was refused before any rule ran.
#[track_caller]
fn refused(case: &str, diagnostic: &str) {
    let run = screen_with(case);
    run.expect_code(3);
    assert_eq!(run.stdout, "", "no record for a pack that does not load");
    run.stderr_has(diagnostic);
    run.stderr_has("(request `ZZ-1`) was not screened");
}

#[test]
fn endless_loop_uses_up_the_budget() {
    rule_error(
        "loop",
        "the rule used up its budget of 1000000 operations",
        r#""line":4,"#,
    );
}

#[test]
fn runaway_recursion_is_an_error_not_a_crash() {
    rule_error(
        "recursion",
        "calls nested deeper than 32 levels",
        r#""line":5,"#,
    );
    rule_error(
        "recursion-wide",
        "calls nested deeper than 32 levels",
        r#""line":5,"#,
    );
}

#[test]
fn growing_values_hit_their_limits() {
    rule_error(
        "growing-string",
        "a value grew beyond the limit of 4194304 bytes of text",
        r#""line":5,"#,
    );
    rule_error(
        "growing-array",
        "a value grew beyond the limit of 200000 array items",
        r#""line":5,"#,
    );
    rule_error(
        "padded-array",
        "a value grew beyond the limit of 200000 array items",
        r#""line":5,"#,
    );
}

#[test]
fn imports_cannot_leave_the_pack() {
    refused(
        "import-parent",
        "fixtures/packs/hostile/import-parent/rules/H-01.rhai:4:1: error[R021]: import \"../secret\" is not allowed",
    );
    refused(
        "import-absolute",
        "fixtures/packs/hostile/import-absolute/rules/H-01.rhai:4:1: error[R021]: import \"/etc/passwd\" is not allowed",
    );
}

#[test]
fn eval_is_refused_when_the_pack_loads() {
    refused(
        "eval",
        "fixtures/packs/hostile/eval/rules/H-01.rhai:4:9: error[R020]: reserved keyword 'eval' is disabled",
    );
}

#[test]
fn sleep_and_the_clock_are_not_available() {
    rule_error("sleep", "sleep() is not available to rules", r#""line":4,"#);
    rule_error("timestamp", "no function `timestamp ()`", r#""line":4,"#);
}

#[test]
fn throw_is_a_rule_error() {
    rule_error(
        "throw",
        "the rule gave up",
        r#"{"column":1,"file":"throw/rules/H-01.rhai","line":4,"#,
    );
}

#[test]
fn the_request_is_read_only() {
    let read_only = "`request`, `params`, `data`, `as_of` and constants are read-only";
    rule_error(
        "assign-request",
        &format!("cannot change `request`: {read_only}"),
        r#""line":4,"#,
    );
    rule_error(
        "replace-request",
        &format!("cannot change `request`: {read_only}"),
        r#""line":4,"#,
    );
    rule_error(
        "push-request",
        &format!("`push` would change a read-only value: {read_only}"),
        r#""line":4,"#,
    );
}

#[test]
fn assigning_to_a_constant_map_is_an_error_not_a_panic() {
    rule_error(
        "constant-map",
        "cannot change `LIMITS`: `request`, `params`, `data`, `as_of` and constants are read-only",
        r#""line":5,"#,
    );
}

#[test]
fn packs_may_not_shadow_the_api() {
    refused(
        "shadow-reject",
        "fixtures/packs/hostile/shadow-reject/rules/H-01.rhai:4:1: error[R010]: defines a function named `reject`, which is part of the rule API",
    );
}

#[test]
fn syntax_errors_and_missing_front_matter_are_located() {
    refused(
        "syntax-error",
        "fixtures/packs/hostile/syntax-error/rules/H-01.rhai:7:1: error[R020]: ",
    );
    refused(
        "no-front-matter",
        "fixtures/packs/hostile/no-front-matter/rules/H-01.rhai:1:1: error[R001]: rule file has no front matter",
    );
}

#[test]
fn extends_cycles_are_named() {
    let run = tcscreen_with_stdin(
        &[
            "--rules",
            "fixtures/packs/cycle",
            "--error-format",
            "plain",
            "screen",
            "-",
        ],
        zz_request("ZZ-1").as_bytes(),
    );
    run.expect_code(3).stderr_has("fixtures/packs/cycle/b/pack.toml:5:11: error[P012]: extends cycle: `a` extends `b` extends `a`");
    assert_eq!(run.stdout, "");
}

#[test]
fn printing_never_reaches_the_output() {
    let run = screen_with("printing");
    run.expect_code(0);
    assert!(
        !run.stdout.contains("to stdout?") && !run.stderr.contains("to stdout?"),
        "{run:?}"
    );
    run.stdout_has(r#""message":"printed""#);
}

#[test]
fn check_reports_every_hostile_pack_that_cannot_load() {
    let run = crate::harness::tcscreen(&["--rules", "fixtures/packs/hostile", "check"]);
    run.expect_code(3);
    for case in [
        "eval",
        "import-parent",
        "import-absolute",
        "no-front-matter",
        "shadow-reject",
        "syntax-error",
    ] {
        run.stdout_has(&format!("FAIL  {case} 1"));
    }
    // The loop compiles; only lints (no policy line, nothing recorded) are reported.
    run.stdout_has("WARN  loop 1");
}

#[test]
fn no_rule_sees_what_another_did_nor_another_request() {
    let batch = format!(
        "{}\n{}\n",
        r#"{"id": "ISO-1", "country": "ZZ", "title": "Isolation", "received": "2025-03-04"}"#,
        r#"{"id": "ISO-2", "country": "ZZ", "title": "Isolation", "received": "2025-03-05"}"#
    );
    for jobs in ["1", "2"] {
        let run = tcscreen_with_stdin(
            &[
                "--rules",
                "fixtures/packs/isolation",
                "screen",
                "--format",
                "jsonl",
                "--jobs",
                jobs,
                "-",
            ],
            batch.as_bytes(),
        );
        run.expect_code(3);
        let records: Vec<&str> = run.stdout.lines().collect();
        assert_eq!(records.len(), 2);
        for record in records {
            // The tampering rule fails; the checking rule saw nothing changed.
            assert!(
                record.contains(r#""message":"the rule changed `request`, which is read-only"#),
                "{record}"
            );
            assert!(
                record.contains(r#""message":"unchanged","outcome":"note""#),
                "{record}"
            );
            assert!(
                !record.contains("another rule changed shared state"),
                "{record}"
            );
        }
    }
}

#[test]
fn holding_too_much_memory_is_an_engine_stop_not_a_decision() {
    refused(
        "memory",
        "-:1: error[E001]: rule `memory/H-01` held more memory than the safety limit before its operation budget ran out; this is an engine stop, not a decision (no record written)",
    );
}
