//! Snapshots of the decision record of every shipped fixture request, and of the text output
//! of a few. A change in behaviour shows up here as a snapshot diff to review.

use crate::harness::{root, tcscreen};

#[test]
fn records_of_every_fixture() {
    let mut paths: Vec<std::path::PathBuf> =
        walkdir::WalkDir::new(root().join("fixtures/requests"))
            .sort_by_file_name()
            .into_iter()
            .map(|e| e.unwrap().into_path())
            .filter(|p| p.extension().is_some_and(|e| e == "json"))
            .collect();
    paths.sort();
    assert!(paths.len() >= 10, "at least ten fixture requests ship");
    for path in paths {
        let relative = path
            .strip_prefix(root())
            .unwrap()
            .to_string_lossy()
            .to_string();
        let run = tcscreen(&["screen", "--format", "json", &relative]);
        assert_eq!(
            run.code, 0,
            "{relative} screens without error: {}",
            run.stderr
        );
        let name = relative
            .trim_start_matches("fixtures/requests/")
            .trim_end_matches(".json")
            .replace('/', "__");
        insta::with_settings!({ snapshot_path => "snapshots/records", prepend_module_to_snapshot => false, input_file => &path }, {
            insta::assert_snapshot!(name, run.stdout);
        });
    }
}

#[test]
fn text_output_of_an_accept_a_revise_and_a_reject() {
    for fixture in [
        "fixtures/requests/kh/kh-cso-2025-007-budget-network.json",
        "fixtures/requests/kh/kh-mcs-2025-040-scholarships.json",
        "fixtures/requests/kh/kh-mrd-2025-031-rural-roads-piu.json",
    ] {
        let run = tcscreen(&["screen", fixture]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        let name = std::path::Path::new(fixture)
            .file_stem()
            .unwrap()
            .to_string_lossy()
            .to_string();
        insta::with_settings!({ snapshot_path => "snapshots/text", prepend_module_to_snapshot => false, input_file => fixture }, {
            insta::assert_snapshot!(name, run.stdout);
        });
    }
}

#[test]
fn decision_notes_in_markdown() {
    for fixture in [
        "fixtures/requests/kh/kh-cso-2025-007-budget-network.json",
        "fixtures/requests/kh/kh-mrd-2025-031-rural-roads-piu.json",
    ] {
        let run = tcscreen(&["screen", "--format", "markdown", fixture]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        assert!(
            run.stdout.starts_with("# Screening of request "),
            "the decision note opens with the request"
        );
        let name = std::path::Path::new(fixture)
            .file_stem()
            .unwrap()
            .to_string_lossy()
            .to_string();
        insta::with_settings!({ snapshot_path => "snapshots/markdown", prepend_module_to_snapshot => false, input_file => fixture }, {
            insta::assert_snapshot!(name, run.stdout);
        });
    }
}

#[test]
fn a_decision_note_without_a_decision_says_so() {
    let run = crate::harness::tcscreen_with_stdin(
        &[
            "--rules",
            "fixtures/packs/hostile",
            "screen",
            "--format",
            "markdown",
            "--pack",
            "fixtures/packs/hostile/throw",
            "-",
        ],
        crate::harness::zz_request("ZZ-1").as_bytes(),
    );
    run.expect_code(3);
    insta::assert_snapshot!(run.stdout, @r"
    # Screening of request ZZ-1: Test request

    **No decision.** A check could not be completed, and the coordination unit has been told. This says nothing about the request itself: the coordination unit will correct the rule pack and screen the request again.

    ## How this was decided

    Screened as of 2025-03-04 against the rule pack **Hostile pack: throw** (`throw` version 1). The record of this screening can be checked against request digest `e41f70d095dd` and pack digest `985f0d63110f` (tcscreen 0.1.0).
    ");
}
