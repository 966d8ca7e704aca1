//! Issue 23, the auditors' rough edges: `register verify` in JSON and with what to do next
//! when the chain is broken (commands that recover the intact entries and check a backup, run
//! here as written), `impact` marking the words a changed message removed and added, and
//! `tcscreen rule` suggesting the rule meant.

use std::fs;

use crate::harness::{copy_dir, root, tcscreen, zz_request};

/// A register of the kh fixtures' screenings in `dir`: its path and lines.
fn register(dir: &std::path::Path) -> (String, Vec<String>) {
    let path = dir.join("register.jsonl").to_str().unwrap().to_string();
    tcscreen(&[
        "screen",
        "--quiet",
        "--register",
        &path,
        "--format",
        "jsonl",
        "fixtures/requests/kh",
    ])
    .expect_code(0);
    let lines = fs::read_to_string(&path)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect();
    (path, lines)
}

#[test]
fn a_broken_register_says_what_to_do_next_and_the_commands_work() {
    let dir = tempfile::tempdir().unwrap();
    let (backup, lines) = register(dir.path());
    let mut modified = lines.clone();
    modified[2] = modified[2].replacen(r#""message":""#, r#""message":"Softened: "#, 1);
    let damaged = dir.path().join("damaged.jsonl");
    fs::write(&damaged, modified.join("\n") + "\n").unwrap();
    let damaged = damaged.to_str().unwrap();
    let head_of_two = tcscreen(&["register", "head", &{
        let two = dir.path().join("two.jsonl");
        fs::write(&two, lines[..2].join("\n") + "\n").unwrap();
        two.to_str().unwrap().to_string()
    }]);
    let head = head_of_two.stdout.trim().to_string();

    let run = tcscreen(&["register", "verify", damaged]);
    run.expect_code(1)
        .stdout_has("first bad entry 3 (modified)")
        .stdout_has(&format!("the 2 entries before it are intact (head {head})"))
        .stdout_has(&format!("`head -n 2 {damaged} > intact.jsonl`"))
        .stdout_has(&format!(
            "`tcscreen register verify BACKUP --head {head}` passes when the backup holds the same 2 entries"
        ));
    // The commands it gives do what it says: the intact entries verify against that head,
    // and so does the backup.
    let intact = dir.path().join("intact.jsonl");
    fs::write(&intact, lines[..2].join("\n") + "\n").unwrap();
    tcscreen(&[
        "register",
        "verify",
        intact.to_str().unwrap(),
        "--head",
        &head,
    ])
    .expect_code(0);
    tcscreen(&["register", "verify", &backup, "--head", &head]).expect_code(0);

    // --error-format json: one JSON object, the same facts.
    let run = tcscreen(&["--error-format", "json", "register", "verify", damaged]);
    run.expect_code(1);
    let report: serde_json::Value = serde_json::from_str(run.stdout.trim()).unwrap();
    assert_eq!(report["intact"], false);
    assert_eq!(report["first_bad_entry"], 3);
    assert_eq!(report["damage"], "modified");
    assert_eq!(report["intact_entries"], 2);
    assert_eq!(report["intact_head"], head.as_str());
    assert!(report["next"].as_array().unwrap().len() >= 3);
    let run = tcscreen(&["--error-format", "json", "register", "verify", &backup]);
    run.expect_code(0);
    let report: serde_json::Value = serde_json::from_str(run.stdout.trim()).unwrap();
    assert_eq!(report["intact"], true);
    assert_eq!(report["entries"], lines.len());
}

#[test]
fn impact_marks_the_words_a_changed_message_removed_and_added() {
    let dir = tempfile::tempdir().unwrap();
    let from = dir.path().join("from");
    let to = dir.path().join("to");
    copy_dir(&root().join("fixtures/packs/minimal"), &from);
    copy_dir(&root().join("fixtures/packs/minimal"), &to);
    let rule = to.join("zz/rules/ZZ-01.rhai");
    let text = fs::read_to_string(&rule).unwrap();
    fs::write(
        &rule,
        text.replace(
            "State who drafted the terms of reference.",
            "State who drafted and who approved the terms of reference.",
        ),
    )
    .unwrap();
    let request = dir.path().join("r.json");
    fs::write(&request, zz_request("ZZ-1")).unwrap();
    let (from, to, request) = (
        from.to_str().unwrap(),
        to.to_str().unwrap(),
        request.to_str().unwrap(),
    );
    tcscreen(&["impact", "--from", from, "--to", to, request])
        .expect_code(0)
        .stdout_has("~ zz/ZZ-01: revise → revise: State who drafted {+and who approved+} the terms of reference.");
    tcscreen(&[
        "impact", "--from", from, "--to", to, "--format", "markdown", request,
    ])
    .expect_code(0)
    .stdout_has("State who drafted **and who approved** the terms of reference.");
}

/// Issue 23, item 8 at the command line: a rule id a character off, with or without its pack,
/// gets the rule it most likely meant; the id alone finds a rule one pack has.
#[test]
fn rule_suggests_the_id_meant_and_finds_an_id_without_its_pack() {
    for asked in ["DL-3", "base/DL-3"] {
        tcscreen(&["rule", asked])
            .expect_code(2)
            .stderr_has("help: did you mean `base/DL-03`?");
    }
    tcscreen(&["rule", "DL-03"])
        .expect_code(0)
        .stdout_has("base/DL-03");
}
