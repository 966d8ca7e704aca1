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
