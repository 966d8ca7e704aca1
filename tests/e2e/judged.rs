//! Judgements a TC reviewer would sign, end to end (issues 18.1 and 19): the requester cannot
//! choose the rules through `received`; the policy in force during the TC applies; a screening
//! most rules could not run is never a plain accept; the judged case library decides as judged.

use crate::harness::{root, tcscreen};

/// A copy of the pooled PFM fixture with `received` moved to `received`.
fn pfm_received(received: &str) -> String {
    let text = std::fs::read_to_string(
        root().join("fixtures/requests/kh/kh-mef-2025-014-pfm-pooled.json"),
    )
    .unwrap();
    text.replacen(
        "\"received\": \"2025-03-04\"",
        &format!("\"received\": \"{received}\""),
        1,
    )
}

#[test]
fn received_before_its_own_letter_is_an_input_problem() {
    // Backdated to 2004, when no pack's rules would have applied: not screened at all.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("backdated.json");
    std::fs::write(&file, pfm_received("2004-03-01")).unwrap();
    let run = tcscreen(&["screen", &file.to_string_lossy()]);
    run.expect_code(3)
        .stderr_has("I025")
        .stderr_has("origin.request_letter.date")
        .stderr_has("set `received` to the day the coordination unit received the request");
    assert!(run.stdout.is_empty(), "no record for a backdated request");
    // `validate` says the same.
    tcscreen(&["validate", &file.to_string_lossy()])
        .expect_code(3)
        .stderr_has("I025");
    // Received on the day it was: screened.
    std::fs::write(&file, pfm_received("2025-03-04")).unwrap();
    tcscreen(&["screen", &file.to_string_lossy()]).expect_code(0);
}

#[test]
fn a_pack_past_is_bounded() {
    // The 2009 Cambodian pack no longer has an open start: an early date finds no pack.
    let run = tcscreen(&[
        "screen",
        "fixtures/requests/kh/kh-mef-2025-014-pfm-pooled.json",
        "--as-of",
        "2004-03-01",
    ]);
    run.expect_code(3)
        .stderr_has("no pack for country KH is valid on 2004-03-01");
}

#[test]
fn a_screening_most_rules_could_not_run_is_never_a_plain_accept() {
    // An officer may still screen on an early date with a pack named explicitly: most rules
    // rest on texts adopted later, and the output says so.
    let run = tcscreen(&[
        "screen",
        "fixtures/requests/kh/kh-mef-2025-014-pfm-pooled.json",
        "--pack",
        "kh@2009.2",
        "--as-of",
        "2006-06-01",
    ]);
    run.expect_code(0).stdout_has("LIMITED: only ");
    let note = tcscreen(&[
        "screen",
        "fixtures/requests/kh/kh-mef-2025-014-pfm-pooled.json",
        "--pack",
        "kh@2009.2",
        "--as-of",
        "2006-06-01",
        "--format",
        "markdown",
    ]);
    note.expect_code(0).stdout_has(", limited.** Only ");
    assert!(!note.stdout.contains("**Decision: accept.**"));
    let record = tcscreen(&[
        "screen",
        "fixtures/requests/kh/kh-mef-2025-014-pfm-pooled.json",
        "--pack",
        "kh@2009.2",
        "--as-of",
        "2006-06-01",
        "--format",
        "json",
    ]);
    record.stdout_has("\"rules_not_in_force\":[{");
}

#[test]
fn the_policy_in_force_during_the_tc_applies_and_replays() {
    // Received in December 2009, a TC through 2010 paying supplements: the 2010 ban applies.
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(
        root().join("fixtures/requests/kh/kh-mef-2009-031-pfm-supplement.json"),
    )
    .unwrap()
    .replacen(
        "\"received\": \"2009-03-04\"",
        "\"received\": \"2009-12-15\"",
        1,
    )
    .replacen("\"start\": \"2009-04-01\"", "\"start\": \"2010-01-01\"", 1)
    .replacen("\"end\": \"2010-03-31\"", "\"end\": \"2010-12-31\"", 1);
    let file = dir.path().join("december.json");
    std::fs::write(&file, text).unwrap();
    let run = tcscreen(&["screen", &file.to_string_lossy()]);
    run.expect_code(0)
        .stdout_has("REJECT")
        .stdout_has("also in force during the TC: pack kh 2010.2 from 2010-01-01")
        .stdout_has("From 1 January 2010, a policy that comes into force during this TC applies.");
    let record = dir.path().join("record.json");
    let json = tcscreen(&["screen", &file.to_string_lossy(), "--format", "json"]);
    json.stdout_has("\"in_force_during_tc\":[{\"chain\":");
    std::fs::write(&record, &json.stdout).unwrap();
    tcscreen(&["replay", &record.to_string_lossy()])
        .expect_code(0)
        .stdout_has("match     KH-MEF-2009-031");
    // With the pack pinned to a version, only that version screens.
    tcscreen(&["screen", &file.to_string_lossy(), "--pack", "kh@2009.2"])
        .expect_code(0)
        .stdout_has("ACCEPT");
}

#[test]
fn the_case_library_decides_as_judged() {
    let run = tcscreen(&["test", "--cases", "fixtures/cases"]);
    run.expect_code(0).stdout_has(" passed, 0 failed");
    // A case judged differently from what the rules decide fails, with the reviewer's reason.
    let dir = tempfile::tempdir().unwrap();
    let request = root().join("fixtures/requests/kh/kh-mef-2025-014-pfm-pooled.json");
    let case = format!(
        r#"[{{"name": "wrongly judged", "reason": "a reviewer's reason",
             "request": "{}", "patch": {{"management": {{"arrangement": "parallel_piu"}}}},
             "expect": {{"decision": "accept", "no_change": ["base/MG-01"]}}}}]"#,
        request.display()
    );
    std::fs::write(dir.path().join("case.json"), case).unwrap();
    let run = tcscreen(&["test", "--cases", &dir.path().to_string_lossy()]);
    run.expect_code(1)
        .stdout_has("FAIL  wrongly judged")
        .stdout_has("reviewer: a reviewer's reason")
        .stdout_has("expected accept, got reject")
        .stdout_has("expected `base/MG-01` not to ask for a change");
}

#[test]
fn check_warns_when_a_change_rests_on_a_sourceless_threshold_and_refuses_an_open_past() {
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("rules");
    crate::harness::copy_dir(&root().join("rules"), &rules);
    // EX-12 rejecting above the pack's guide, a figure no source gives.
    let ex12 = rules.join("base/rules/EX-12.rhai");
    let text = std::fs::read_to_string(&ex12).unwrap();
    std::fs::write(
        &ex12,
        text.replacen(
            "    note(`External TC has filled",
            "    reject(`External TC has filled",
            1,
        ),
    )
    .unwrap();
    // The 2009 Cambodian pack without a start date.
    let manifest = rules.join("kh-2009/pack.toml");
    let text = std::fs::read_to_string(&manifest).unwrap();
    std::fs::write(
        &manifest,
        text.replacen("valid_from = \"2006-03-31\"\n", "", 1),
    )
    .unwrap();
    let run = tcscreen(&["check", "--rules", &rules.to_string_lossy()]);
    run.stderr_has("warning[L020]: rule `base/EX-12` asks for a change when `params.max_months_same_function` is crossed")
        .stderr_has("error[L021]");
    assert_ne!(run.code, 0);
    // The shipped packs have neither.
    let shipped = tcscreen(&["check"]);
    assert!(
        !shipped.stderr.contains("L020") && !shipped.stderr.contains("L021"),
        "{}",
        shipped.stderr
    );
}
