//! The rough edges of issue 10: the order of the text output, `screen --register` saying what
//! it appended, `register repair --truncate-torn-tail`, the P021 help, coverage of a pack's own
//! rules, field meanings (`schema --explain`), and the install step of the README.

use crate::harness::tcscreen;

#[test]
fn text_output_lists_findings_by_outcome_then_rule() {
    let run = tcscreen(&[
        "screen",
        "fixtures/requests/kh/kh-mrd-2025-031-rural-roads-piu.json",
    ]);
    run.expect_code(0);
    let order: Vec<(u8, &str)> = run
        .stdout
        .lines()
        .filter_map(|line| {
            let mut words = line.split_whitespace();
            let rank = match words.next()? {
                "reject" => 0,
                "revise" => 1,
                "note" => 2,
                _ => return None,
            };
            Some((rank, words.next()?))
        })
        .collect();
    assert!(order.len() > 5, "{}", run.stdout);
    let mut sorted = order.clone();
    sorted.sort();
    assert_eq!(order, sorted, "by outcome, then rule id");
    assert_eq!(order[0].0, 0, "a reject comes first");
}

#[test]
fn coverage_counts_the_packs_own_rules_unless_asked_for_the_inherited() {
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("rules");
    crate::harness::copy_dir(
        &crate::harness::root().join("rules/base"),
        &rules.join("base"),
    );
    let rules = rules.to_str().unwrap();
    let pack = format!("{rules}/yy");
    tcscreen(&[
        "--rules",
        rules,
        "new",
        &pack,
        "--country",
        "YY",
        "--extends",
        "base",
    ])
    .expect_code(0);
    // The scaffold's tests fire each of its own rules: 100% without testing base.
    tcscreen(&["--rules", rules, "test", "--min-coverage", "100", "yy"])
        .expect_code(0)
        .stdout_has("coverage: 4 of 4 rules of this pack fire in a passing test (100%)")
        .stdout_has("--inherited");
    // An inherited rule the pack adjusts is its own to test.
    let manifest = format!("{pack}/pack.toml");
    let text = std::fs::read_to_string(&manifest).unwrap();
    std::fs::write(
        &manifest,
        format!("{text}\n[rules.\"base/MG-01\"]\noutcome = \"revise\"\n"),
    )
    .unwrap();
    tcscreen(&["--rules", rules, "test", "--coverage", "yy"])
        .expect_code(0)
        .stdout_has("of 5 rules of this pack")
        .stdout_has("never fired: base/MG-01");
    // --inherited counts every rule that runs, the parents' included.
    tcscreen(&[
        "--rules",
        rules,
        "test",
        "--inherited",
        "--min-coverage",
        "100",
        "yy",
    ])
    .expect_code(1)
    .stdout_has("rules, inherited ones included,")
    .stdout_has("never fired: base/")
    .stderr_has("rule coverage below 100%: yy");
}

#[test]
fn no_pack_for_a_country_says_which_country_to_write() {
    crate::harness::tcscreen_with_stdin(
        &["--rules", "fixtures/packs/minimal", "screen", "-"],
        br#"{"id": "NP-1", "country": "NP", "title": "T", "received": "2025-03-04"}"#,
    )
    .expect_code(3)
    .stderr_has(r#"help: add a pack with `country = "NP"` in its manifest (`tcscreen new DIR --country NP` scaffolds one), or name one with --pack"#);
}

const KH_REQUESTS: &str = "fixtures/requests/kh";

/// A register with the screenings of the kh fixtures; (its path, the number of entries).
fn register(dir: &std::path::Path) -> (String, usize) {
    let path = dir.join("register.jsonl");
    let path = path.to_str().unwrap().to_string();
    let run = tcscreen(&[
        "screen",
        "--quiet",
        "--register",
        &path,
        "--format",
        "jsonl",
        KH_REQUESTS,
    ]);
    run.expect_code(0);
    let entries = std::fs::read_to_string(&path).unwrap().lines().count();
    (path, entries)
}

#[test]
fn screen_says_what_it_appended_to_the_register() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("register.jsonl");
    let path = path.to_str().unwrap();
    let one = "fixtures/requests/kh/kh-mrd-2025-031-rural-roads-piu.json";
    tcscreen(&["screen", "--register", path, one])
        .expect_code(0)
        .stderr_has(&format!(
            "appended 1 screening to the register {path} (entry 1)"
        ));
    let run = tcscreen(&[
        "screen",
        "--register",
        path,
        "--format",
        "jsonl",
        KH_REQUESTS,
    ]);
    run.expect_code(0);
    let entries = std::fs::read_to_string(path).unwrap().lines().count();
    run.stderr_has(&format!(
        "appended {} screenings to the register {path} (entries 2 to {entries})",
        entries - 1
    ));
}

#[test]
fn repair_drops_only_a_torn_last_line_after_showing_it() {
    let dir = tempfile::tempdir().unwrap();
    let (path, entries) = register(dir.path());
    let intact = std::fs::read(&path).unwrap();
    // A clean register: nothing to do.
    tcscreen(&["register", "repair", &path, "--truncate-torn-tail"])
        .expect_code(0)
        .stdout_has("nothing to repair");
    // A crash in the middle of an append leaves an unterminated last line: appending refuses
    // the register and says how to repair it.
    let mut torn = intact.clone();
    torn.extend_from_slice(br#"{"hash":"5e2a","kind":"screening","prev":"#);
    std::fs::write(&path, &torn).unwrap();
    tcscreen(&["screen", "--register", &path, KH_REQUESTS])
        .expect_code(3)
        .stderr_has("tcscreen register repair")
        .stderr_has("--truncate-torn-tail");
    let run = tcscreen(&["register", "repair", &path, "--truncate-torn-tail"]);
    run.expect_code(0)
        .stdout_has(r#"{\"hash\":\"5e2a\",\"kind\":\"screening\",\"prev\":"#)
        .stdout_has(&format!(
            "dropped the torn last line (41 bytes); the register ends at entry {entries}"
        ));
    assert_eq!(
        std::fs::read(&path).unwrap(),
        intact,
        "exactly the torn line went"
    );
    tcscreen(&["register", "verify", &path]).expect_code(0);
    // Damage anywhere else is not a torn tail: nothing is changed.
    let text = String::from_utf8(intact.clone()).unwrap();
    let modified = text.replacen("\"decision\":\"reject\"", "\"decision\":\"accept\"", 1);
    assert_ne!(modified, text);
    let mut damaged = modified.clone().into_bytes();
    damaged.extend_from_slice(b"{\"torn");
    std::fs::write(&path, &damaged).unwrap();
    tcscreen(&["register", "repair", &path, "--truncate-torn-tail"])
        .expect_code(1)
        .stderr_has("nothing was changed");
    assert_eq!(std::fs::read(&path).unwrap(), damaged);
    // A last entry that is complete but lost its line end is not torn either.
    let mut unterminated = intact.clone();
    unterminated.pop();
    std::fs::write(&path, &unterminated).unwrap();
    tcscreen(&["register", "repair", &path, "--truncate-torn-tail"])
        .expect_code(1)
        .stderr_has("complete")
        .stderr_has("nothing was changed");
    assert_eq!(std::fs::read(&path).unwrap(), unterminated);
    // The flag is required: repair does nothing it was not asked for.
    tcscreen(&["register", "repair", &path]).expect_code(2);
}

#[test]
fn every_field_of_the_json_schema_has_a_description() {
    fn walk(schema: &serde_json::Value, path: &str, missing: &mut Vec<String>) {
        let Some(properties) = schema["properties"].as_object() else {
            return;
        };
        for (name, field) in properties {
            let here = format!("{path}.{name}");
            if field["description"].as_str().is_none_or(|d| d.len() <= 10) {
                missing.push(here.clone());
            }
            walk(field, &here, missing);
            walk(&field["items"], &format!("{here}[]"), missing);
        }
    }
    let run = tcscreen(&["schema"]);
    let schema: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let mut missing = Vec::new();
    walk(&schema, "", &mut missing);
    assert_eq!(missing, Vec::<String>::new());
    assert!(
        schema["properties"]["personnel"]["items"]["properties"]["cost"]["description"]
            .as_str()
            .unwrap()
            .contains("in `finance.currency`")
    );
}

#[test]
fn schema_explain_says_what_a_field_means() {
    for path in [
        "personnel[].cost",
        "personnel[0].cost",
        "request.personnel.cost",
    ] {
        tcscreen(&["schema", "--explain", path])
            .expect_code(0)
            .stdout_has("personnel[].cost\n")
            .stdout_has("  type:      a number from 0 to 10^15")
            .stdout_has("total cost over the whole TC")
            .stdout_has("in `finance.currency`")
            .stdout_has("  in rules:  request.personnel[i].cost, `()` when not stated");
    }
    tcscreen(&["schema", "--explain", "management.arrangement"])
        .expect_code(0)
        .stdout_has("one of: country_systems, integrated_piu, parallel_piu, provider_managed");
    tcscreen(&["schema", "--explain", "id"])
        .expect_code(0)
        .stdout_has("required");
    tcscreen(&["schema", "--explain", "personnel[].costs"])
        .expect_code(2)
        .stderr_has("no field `personnel[].costs`")
        .stderr_has("did you mean `personnel[].cost`?");
    // Without a field: every field, one line each.
    let all = tcscreen(&["schema", "--explain"]);
    all.expect_code(0);
    assert!(all.stdout.lines().count() > 100, "{}", all.stdout);
    all.stdout_has("finance.currency  ");
}
