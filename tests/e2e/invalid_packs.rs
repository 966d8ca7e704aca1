//! The catalogue of broken packs in fixtures/packs/invalid/<CODE>-<what>/: each holds one
//! mistake. `check` must name it with its code, file, line and column, and a help line; the
//! rendered diagnostics are snapshots (human form for all, JSON for a few).

use crate::harness::{root, tcscreen};

fn cases() -> Vec<(String, String)> {
    let mut cases: Vec<(String, String)> = std::fs::read_dir(root().join("fixtures/packs/invalid"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .map(|name| (name.split('-').next().unwrap().to_string(), name))
        .collect();
    cases.sort();
    cases
}

#[test]
fn at_least_25_kinds_of_mistake_are_catalogued() {
    let codes: std::collections::BTreeSet<String> =
        cases().into_iter().map(|(code, _)| code).collect();
    assert!(
        cases().len() >= 25 && codes.len() >= 25,
        "{} cases, {} codes",
        cases().len(),
        codes.len()
    );
}

#[test]
fn each_broken_pack_is_named_with_code_place_and_help() {
    for (code, name) in cases() {
        let rules = format!("fixtures/packs/invalid/{name}");
        let run = tcscreen(&["--rules", &rules, "check", "--deny-warnings"]);
        assert!(run.code == 1 || run.code == 3, "{name}: exit {}", run.code);
        let lines: Vec<&str> = run.stderr.lines().collect();
        let at = lines
            .iter()
            .position(|l| l.contains(&format!("[{code}]: ")))
            .unwrap_or_else(|| panic!("{name}: no {code} in\n{}", run.stderr));
        let place = lines[at + 1];
        let (file, line, column) = {
            let place = place.trim().trim_start_matches("--> ");
            let mut parts = place.rsplitn(3, ':');
            let column: u32 = parts
                .next()
                .unwrap()
                .parse()
                .unwrap_or_else(|_| panic!("{name}: no column in {place}"));
            let line: u32 = parts
                .next()
                .unwrap()
                .parse()
                .unwrap_or_else(|_| panic!("{name}: no line in {place}"));
            (parts.next().unwrap().to_string(), line, column)
        };
        assert!(file.starts_with(&rules), "{name}: {file}");
        assert!(line >= 1 && column >= 1, "{name}: {place}");
        let help = lines[at..]
            .iter()
            .find(|l| l.trim_start().starts_with("= help: "));
        assert!(help.is_some(), "{name}: no help line in\n{}", run.stderr);
        insta::with_settings!({ snapshot_path => "snapshots/invalid", prepend_module_to_snapshot => false }, {
            insta::assert_snapshot!(name.clone(), run.stderr);
        });
    }
}

#[test]
fn the_json_form_is_stable() {
    for name in [
        "L001-misspelt-request-field",
        "P012-extends-cycle",
        "R020-syntax-error",
    ] {
        let rules = format!("fixtures/packs/invalid/{name}");
        let run = tcscreen(&["--rules", &rules, "--error-format", "json", "check"]);
        for line in run.stderr.lines() {
            assert!(
                line.starts_with("{\"code\":\""),
                "one JSON object per line: {line}"
            );
        }
        insta::with_settings!({ snapshot_path => "snapshots/invalid-json", prepend_module_to_snapshot => false }, {
            insta::assert_snapshot!(name, run.stderr);
        });
    }
}

#[test]
fn explain_describes_every_code_in_the_catalogue() {
    for (code, name) in cases() {
        let run = tcscreen(&["explain", &code]);
        assert_eq!(run.code, 0, "{name}");
        assert!(
            run.stdout.starts_with(&format!("{code}: ")),
            "{}",
            run.stdout
        );
    }
}
