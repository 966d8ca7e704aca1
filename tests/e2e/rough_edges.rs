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
    .stdout_has("never fired: base/DL-01")
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
