//! The authors' loop: `new` → `check --deny-warnings` → `test --coverage`, tests that teach,
//! lint with suggestions, `--trace`, `rule`, `explain` and `--error-format` from the
//! environment; and every shipped pack's own tests.

use std::fs;
use std::path::Path;
use std::process::Command;

use crate::harness::{Run, copy_dir, root, tcscreen, tcscreen_with_stdin};

fn in_rules(rules: &Path, args: &[&str]) -> Run {
    tcscreen(&[&["--rules", rules.to_str().unwrap()], args].concat())
}

#[test]
fn a_new_pack_passes_check_and_its_tests_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("rules");
    copy_dir(&root().join("rules/base"), &rules.join("base"));
    for (name, extends) in [("zz", None), ("yy", Some("base"))] {
        let folder = rules.join(name);
        let mut args = vec!["new", folder.to_str().unwrap(), "--country", "ZZ"];
        if let Some(parent) = extends {
            args.extend(["--extends", parent]);
        }
        in_rules(&rules, &args)
            .expect_code(0)
            .stdout_has(&format!("created pack `{name}`"));
        for file in ["pack.toml", "README.md", "tests/cases.json"] {
            assert!(folder.join(file).is_file(), "{name}: no {file}");
        }
        in_rules(&rules, &["check", "--deny-warnings", name]).expect_code(0);
        let run = in_rules(&rules, &["test", "--coverage", name]);
        run.expect_code(0).stdout_has("6 passed, 0 failed");
        for outcome in ["accept", "revise", "reject"] {
            let cases: serde_json::Value =
                serde_json::from_str(&fs::read_to_string(folder.join("tests/cases.json")).unwrap())
                    .unwrap();
            assert!(
                cases
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|c| c["expect"]["decision"] == outcome),
                "{name}: no {outcome} case"
            );
        }
    }
    // Without a parent, the scaffold's own tests cover every rule.
    in_rules(&rules, &["test", "--min-coverage", "100", "zz"])
        .expect_code(0)
        .stdout_has("(100%)");
    // With `base` underneath, coverage is of the pack's own rules; --inherited counts base's
    // too, and the gate says so.
    in_rules(&rules, &["test", "--min-coverage", "100", "yy"])
        .expect_code(0)
        .stdout_has("(100%)");
    in_rules(
        &rules,
        &["test", "--inherited", "--min-coverage", "100", "yy"],
    )
    .expect_code(1)
    .stdout_has("never fired: base/")
    .stderr_has("rule coverage below 100%: yy");
}

#[test]
fn a_failing_test_shows_what_was_expected_and_what_fired() {
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("rules");
    let folder = rules.join("zz");
    in_rules(
        &rules,
        &["new", folder.to_str().unwrap(), "--country", "ZZ"],
    )
    .expect_code(0);
    let path = folder.join("tests/cases.json");
    let mut cases: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(&path).unwrap()).unwrap();
    let case = cases
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|c| c["expect"]["decision"] == "revise" && c["expect"]["fires"][0] == "zz/ZZ-03")
        .expect("the support-after-exit case");
    case["expect"]["decision"] = "accept".into();
    case["expect"]["fires"] = serde_json::json!(["zz/ZZ-02"]);
    case["expect"]["silent"] = serde_json::json!(["zz/ZZ-03"]);
    let name = case["name"].as_str().unwrap().to_string();
    fs::write(&path, serde_json::to_string_pretty(&cases).unwrap()).unwrap();

    let run = in_rules(&rules, &["test", "zz"]);
    run.expect_code(1)
        .stdout_has(&format!("FAIL  {name}"))
        .stdout_has("expected accept, got revise")
        .stdout_has("expected `zz/ZZ-02` to fire, but it stayed silent")
        .stdout_has("expected `zz/ZZ-03` to stay silent, but it fired: revise \"A TC of 23 months should say what support continues after it ends")
        .stdout_has("5 passed, 1 failed");
}

#[test]
fn every_shipped_pack_passes_its_tests_with_every_rule_covered() {
    // Every rule that runs in each shipped pack, the inherited ones included.
    let run = tcscreen(&["test", "--inherited", "--min-coverage", "100"]);
    run.expect_code(0).stdout_has(" 0 failed");
    let coverage: Vec<&str> = run
        .stdout
        .lines()
        .filter(|l| l.contains("coverage:"))
        .collect();
    let packs = fs::read_dir(root().join("rules"))
        .unwrap()
        .filter(|e| e.as_ref().unwrap().path().join("pack.toml").is_file())
        .count();
    assert_eq!(coverage.len(), packs, "{}", run.stdout);
    assert!(
        coverage.iter().all(|l| l.ends_with("(100%)")),
        "{coverage:?}"
    );
    let passed: usize = run
        .stdout
        .lines()
        .last()
        .and_then(|l| l.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap();
    assert!(passed >= 40, "{passed} cases");

    // `--rule` runs only the cases that touch one rule.
    let one = tcscreen(&["test", "kh", "--rule", "base/MG-01"]);
    one.expect_code(0);
    let count = |out: &str| out.lines().filter(|l| l.starts_with("  ok ")).count();
    let all = tcscreen(&["test", "kh"]);
    assert!(
        count(&one.stdout) > 0 && count(&one.stdout) < count(&all.stdout),
        "{}",
        one.stdout
    );
}

#[test]
fn check_reports_each_authoring_mistake_with_a_suggestion() {
    let dir = tempfile::tempdir().unwrap();
    let pack = dir.path().join("rules/zz");
    fs::create_dir_all(pack.join("rules")).unwrap();
    fs::create_dir_all(pack.join("data")).unwrap();
    fs::write(
        pack.join("pack.toml"),
        "[pack]\nid = \"zz\"\nname = \"ZZ\"\ncountry = \"ZZ\"\nversion = \"1\"\n\n[params]\nmax_months = 24\nforgotten = 3\n",
    )
    .unwrap();
    fs::write(
        pack.join("data/priorities.json"),
        "{\"sectors\": [\"15111\"]}\n",
    )
    .unwrap();
    fs::write(
        pack.join("rules/R1.rhai"),
        "//! title: Mistakes\n//! criterion: demand_led\n//! policy: test\n\
         let tor = request.origin.torr;\n\
         if is_blnk(request.title) && data.prioritys.len() > params.max_months && data.priorities.sectors.len() > 0 {\n\
         \x20   revise(\"Fix it.\", \"origin.tor\");\n}\n",
    )
    .unwrap();
    let run = in_rules(&dir.path().join("rules"), &["check"]);
    run.expect_code(1)
        .stderr_has("error[L001]: `request.origin` has no field `torr`")
        .stderr_has("rules/zz/rules/R1.rhai:4:26")
        .stderr_has("help: did you mean `tor`?")
        .stderr_has("error[L002]: the pack defines no data table `prioritys`")
        .stderr_has("help: did you mean `priorities`?")
        .stderr_has("error[L004]: no function `is_blnk`")
        .stderr_has("help: did you mean `is_blank`?")
        .stderr_has("warning[L003]: param `forgotten` is defined but no rule reads it")
        .stderr_has("rules/zz/pack.toml:9:1");
}

#[test]
fn trace_lists_every_rule_in_order_with_reads_findings_and_debug_output() {
    let dir = tempfile::tempdir().unwrap();
    let pack = dir.path().join("rules/zz");
    fs::create_dir_all(pack.join("rules")).unwrap();
    fs::write(
        pack.join("pack.toml"),
        "[pack]\nid = \"zz\"\nname = \"ZZ\"\ncountry = \"ZZ\"\nversion = \"1\"\n",
    )
    .unwrap();
    fs::write(
        pack.join("rules/A.rhai"),
        "//! title: Talks\n//! criterion: data\n//! policy: test\ndebug(`title is ${request.title}`);\nif request.title == \"T\" { note(\"A title of one letter.\", \"title\"); }\n",
    )
    .unwrap();
    fs::write(
        pack.join("rules/B.rhai"),
        "//! title: Quiet\n//! criterion: data\n//! policy: test\nif request.origin.tor.drafted_by == \"provider\" { revise(\"x\"); }\n",
    )
    .unwrap();
    let request = dir.path().join("r.json");
    fs::write(
        &request,
        r#"{"id": "R1", "country": "ZZ", "title": "T", "received": "2025-03-04"}"#,
    )
    .unwrap();
    let run = in_rules(
        &dir.path().join("rules"),
        &[
            "screen",
            "--trace",
            "--format",
            "jsonl",
            request.to_str().unwrap(),
        ],
    );
    run.expect_code(0);
    let trace = &run.stderr;
    let a = trace.find("zz/A  Talks").expect(trace);
    let b = trace.find("zz/B  Quiet").expect(trace);
    assert!(a < b, "{trace}");
    run.stderr_has("reads   title")
        .stderr_has("note    A title of one letter. (title)")
        // `debug` shows values as Rhai's debug form: strings quoted.
        .stderr_has("debug   \"title is T\"")
        .stderr_has("reads   origin.tor.drafted_by")
        .stderr_has("silent");
    assert!(
        !run.stdout.contains("title is T"),
        "debug output stays out of the records"
    );
}

#[test]
fn rule_shows_a_rule_with_its_source_and_tests() {
    let run = tcscreen(&["rule", "MG-01"]);
    run.expect_code(0)
        .stdout_has("base/MG-01  No parallel project implementation unit")
        .stdout_has("policy:    paris-2005-ind6, eu-backbone-gp7")
        .stdout_has("from 2005-03-02: Paris Declaration on Aid Effectiveness (Second High Level Forum on Aid Effectiveness, Paris, 2 March 2005), Indicator 6")
        .stdout_has("actor:     both")
        .stdout_has("//! id: MG-01")
        .stdout_has("in packs:");
    assert!(
        run.stdout.contains("fires in test:"),
        "covering tests are listed\n{}",
        run.stdout
    );
    tcscreen(&["rule", "MG-99"])
        .expect_code(2)
        .stderr_has("no rule `MG-99`");
}

#[test]
fn explain_describes_a_code_and_names_the_list_for_an_unknown_one() {
    tcscreen(&["explain", "L001"])
        .expect_code(0)
        .stdout_has("L001: a rule reads a request field that does not exist");
    let all = tcscreen(&["explain"]);
    all.expect_code(0);
    for code in ["I001", "P012", "R020", "L004"] {
        all.stdout_has(code);
    }
    tcscreen(&["explain", "Z999"])
        .expect_code(2)
        .stderr_has("no code `Z999`");
}

#[test]
fn the_environment_chooses_the_error_format() {
    let out = Command::new(env!("CARGO_BIN_EXE_tcscreen"))
        .args([
            "--rules",
            "fixtures/packs/invalid/P012-extends-cycle",
            "check",
        ])
        .current_dir(root())
        .env("TCSCREEN_ERROR_FORMAT", "json")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    let stderr = String::from_utf8(out.stderr).unwrap();
    let problems: Vec<serde_json::Value> = stderr
        .lines()
        .filter(|l| l.starts_with('{'))
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(problems.iter().any(|p| p["code"] == "P012"), "{stderr}");
}

/// Every list of the request schema, as dotted paths (`capacity.indicators.targets`), read
/// from `tcscreen schema`.
fn schema_lists() -> Vec<String> {
    fn walk(schema: &serde_json::Value, path: &str, out: &mut Vec<String>) {
        let Some(properties) = schema["properties"].as_object() else {
            return;
        };
        for (name, field) in properties {
            let here = if path.is_empty() {
                name.clone()
            } else {
                format!("{path}.{name}")
            };
            if field["items"].is_object() {
                out.push(here.clone());
                walk(&field["items"], &here, out);
            } else {
                walk(field, &here, out);
            }
        }
    }
    let run = tcscreen(&["schema"]);
    run.expect_code(0);
    let schema: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let mut lists = Vec::new();
    walk(&schema, "", &mut lists);
    lists
}

#[test]
fn the_valid_idiom_corpus_passes_check_deny_warnings() {
    // Defect 1 of issue 10: closure parameters were typed by name, not by receiver.
    let corpus = "fixtures/packs/idioms";
    let run = tcscreen(&["--rules", corpus, "check", "--deny-warnings"]);
    run.expect_code(0).stdout_has("ok    idioms");
    assert!(!run.stderr.contains("L00"), "{}", run.stderr);
    // The idioms are valid Rhai, too: they run on a request with every field stated and on
    // one with none, without a rule error.
    for request in [
        "crates/core/src/request/example-request.json",
        "fixtures/requests/kh/kh-mrd-2025-031-rural-roads-piu.json",
    ] {
        tcscreen(&[
            "--rules", corpus, "screen", "--pack", "idioms", "--format", "jsonl", request,
        ])
        .expect_code(0)
        .stdout_has("\"errors\":[]");
    }
    tcscreen_with_stdin(
        &["--rules", corpus, "screen", "--pack", "idioms", "-"],
        crate::harness::zz_request("ZZ-1").as_bytes(),
    )
    .expect_code(0);
    // Every list of the schema has its idioms: a rule named after it, or for a list inside
    // list items, the rule on nested lists.
    let rules = root().join(corpus).join("idioms/rules");
    let nested = fs::read_to_string(rules.join("nested-lists.rhai")).unwrap();
    let lists = schema_lists();
    assert!(lists.len() >= 16, "{lists:?}");
    for list in &lists {
        let inside_a_list = lists
            .iter()
            .any(|other| list.starts_with(&format!("{other}.")));
        if inside_a_list {
            let last = list.rsplit('.').next().unwrap();
            assert!(
                nested.contains(&format!(".{last}.")),
                "no nested idioms over {list}"
            );
        } else {
            let file = rules.join(format!("{}.rhai", list.replace(['.', '_'], "-")));
            assert!(file.is_file(), "no idioms over {list}: {}", file.display());
        }
    }
}

/// Every shipped pack's README lists every source of its sources table, with its date and
/// whether it was verified, and every country pack says it is illustrative.
#[test]
fn every_shipped_pack_readme_lists_its_sources() {
    let rules = crate::harness::root().join("rules");
    let mut packs = 0;
    for entry in std::fs::read_dir(&rules).unwrap() {
        let dir = entry.unwrap().path();
        let Ok(manifest) = std::fs::read_to_string(dir.join("pack.toml")) else {
            continue;
        };
        packs += 1;
        let readme = std::fs::read_to_string(dir.join("README.md")).unwrap();
        let mut sources = 0;
        let mut current: Option<(String, Option<String>)> = None;
        let check = |id: &str, date: &Option<String>, verified: bool| {
            let row = readme
                .lines()
                .find(|l| l.starts_with(&format!("| `{id}` |")))
                .unwrap_or_else(|| panic!("{}: README lists no source `{id}`", dir.display()));
            let date = date.as_deref().unwrap_or_default();
            assert!(
                row.contains(&format!("| {date} |")),
                "{id}: date {date} in `{row}`"
            );
            let mark = if verified { "| yes |" } else { "| **no** |" };
            assert!(row.contains(mark), "{id}: verified {verified} in `{row}`");
        };
        for line in manifest.lines() {
            if let Some(id) = line
                .strip_prefix("[sources.")
                .and_then(|r| r.strip_suffix(']'))
            {
                current = Some((id.to_string(), None));
                sources += 1;
            } else if let Some((_, date)) = current.as_mut()
                && let Some(value) = line.strip_prefix("date = ")
            {
                *date = Some(value.trim_matches('"').to_string());
            } else if let Some((id, date)) = current.as_ref()
                && let Some(value) = line.strip_prefix("verified = ")
            {
                check(id, date, value.trim() == "true");
            }
        }
        if manifest.contains("\ncountry = ") {
            assert!(
                manifest.contains("\nillustrative = true"),
                "{}: a shipped country pack says it is illustrative",
                dir.display()
            );
            assert!(readme.contains("Illustrative, not official policy"));
        }
        assert!(
            sources > 0 || dir.ends_with("kh-2009") || dir.ends_with("np-2014"),
            "{} has a sources table",
            dir.display()
        );
    }
    assert!(packs >= 6);
}

/// `check` names the unverified sources a pack cites, which its rules may only note.
#[test]
fn check_names_the_unverified_sources_a_pack_cites() {
    let run = tcscreen(&["check", "np", "--deny-warnings"]);
    run.expect_code(0)
        .stdout_has("np 2014.2")
        .stdout_has("1 unverified source cited by its own rules (np-dcp-2014-domestic-ta), 2 more by its parents' rules (--inherited names them)");
    tcscreen(&["check", "np", "--inherited"])
        .expect_code(0)
        .stdout_has("3 unverified sources cited (aaa-2008-conditions, np-dcp-2014-domestic-ta, paris-2005-ind4-cd)");
}

/// `--trace` says which rules did not run because their sources postdate the screening date.
#[test]
fn trace_names_the_rules_whose_sources_postdate_the_screening() {
    let run = tcscreen(&[
        "screen",
        "--trace",
        "fixtures/requests/kh/kh-mef-2010-004-supplement-transition.json",
    ]);
    run.expect_code(0)
        .stderr_has("base/DQ-01")
        .stderr_has("not run: its sources date from 2018-02-19, after 2010-02-15");
}
