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
        // Grouped by who must act; the supply-led sequence; an allowance written as an amount.
        "fixtures/requests/kh/kh-mop-2025-058-survey-advisers-rubber-stamp.json",
        // A long list, every point listed, one rule's findings gathered into one point.
        "fixtures/requests/af/af-moph-2018-007-contractor-hospital-team.json",
        // South-South experts answering to their institution: notes, not the pack's reject.
        "fixtures/requests/af/af-nsia-2019-022-triangular-cartography.json",
        // Screened in 2009: no source of later years, no profile.
        "fixtures/requests/kh/kh-mrd-2009-021-rural-water-piu.json",
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

    Screened as of 2025-03-04 against the rule pack **Hostile pack: throw** (`throw` version 1).
    The record of this screening can be checked against request digest `e41f70d095dd` and pack digest `985f0d63110f` (tcscreen 0.1.0).
    ");
}

/// What a requester reads, over every shipped fixture: the notes name no internal document and
/// no request field by its path, write amounts for people, cite no source dated after the
/// screening date and no other country's policy, and say when the pack is illustrative (that
/// they list every change, to whoever must act: `notes.rs`).
#[test]
fn decision_notes_of_every_fixture_are_fit_to_send() {
    let run = tcscreen(&["screen", "--format", "markdown", "fixtures/requests"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let notes: Vec<&str> = run.stdout.split("\n---\n").collect();
    assert!(notes.len() >= 39, "one note per fixture");
    let internal = [
        "domain.md",
        "spec.md",
        "domain brief",
        "not a policy commitment",
        "Client criterion",
        "brief §",
    ];
    let countries = [("KH", "Cambodia"), ("NP", "Nepal"), ("AF", "Afghan")];
    for note in notes {
        let heading = note.trim().lines().next().unwrap_or_default().to_string();
        let country = heading
            .split_whitespace()
            .find(|w| w.len() > 3 && w.as_bytes()[2] == b'-')
            .map(|id| &id[..2])
            .unwrap_or_default()
            .to_string();
        let as_of: i32 = note
            .split("Screened as of ")
            .nth(1)
            .and_then(|rest| rest.get(..4))
            .and_then(|y| y.parse().ok())
            .unwrap_or_else(|| panic!("{heading}: no screening date"));
        for word in internal {
            assert!(!note.contains(word), "{heading} names `{word}`");
        }
        for (code, name) in countries {
            if code != country {
                for line in note
                    .lines()
                    .filter(|l| l.contains("Policy:") || l.contains("Source:"))
                {
                    assert!(
                        !line.contains(name),
                        "{heading} cites a policy of {name}: {line}"
                    );
                }
            }
        }
        for line in note.lines() {
            // No raw field paths: the note names fields in words.
            assert!(
                !line.contains("`origin.")
                    && !line.contains("`finance.")
                    && !line.contains("salary_supplement"),
                "{heading}: a field path in `{line}`"
            );
            // Amounts with thousands separators and no long decimals.
            let digits: Vec<&str> = line
                .split(|c: char| !(c.is_ascii_digit() || c == '.'))
                .filter(|w| w.len() >= 5 && w.chars().all(|c| c.is_ascii_digit()))
                .collect();
            if !line.contains("digest") && !line.contains("Reference:") {
                for w in digits {
                    let as_number = w.parse::<u64>().unwrap_or(0);
                    // Sector codes (5 digits) are codes, not amounts.
                    assert!(
                        as_number < 10_000 || w.len() == 5,
                        "{heading}: unformatted amount {w} in `{line}`"
                    );
                }
            }
            assert!(
                !line.contains(".33333"),
                "{heading}: a long decimal in `{line}`"
            );
            // No source dated after the screening date: every year in a citation is <= as_of.
            if line.contains("Policy:") || line.starts_with("Source:") {
                for year in line
                    .split(|c: char| !c.is_ascii_digit())
                    .filter(|w| w.len() == 4)
                    .filter_map(|w| w.parse::<i32>().ok())
                    .filter(|y| (1990..2100).contains(y))
                {
                    assert!(
                        year <= as_of,
                        "{heading} (as of {as_of}) cites a text of {year}: {line}"
                    );
                }
            }
        }
        if note.contains("(illustrative)") {
            assert!(
                note.contains("This rule pack is **illustrative**"),
                "{heading}: the pack line says it is illustrative"
            );
        }
    }
}

/// A provincial government is asked to record the TC in its own budget, not the national one.
#[test]
fn a_provincial_government_is_pointed_to_its_own_budget() {
    let request = r#"{"id": "NP-P-1", "country": "NP", "title": "Provincial TA", "received": "2021-03-01",
        "requester": {"name": "Provincial Planning Commission", "kind": "local_government"},
        "alignment": {"plans": [{"level": "subnational", "plan": "Provincial periodic plan", "objective": "3.1"}], "on_budget": false}}"#;
    let run = crate::harness::tcscreen_with_stdin(
        &["screen", "--format", "json", "-"],
        request.as_bytes(),
    );
    run.expect_code(0)
        .stdout_has("Record the TC in the provincial or local government's own budget (the budget line and the amount)");
    assert!(
        !run.stdout.contains("Record the TC in the national budget"),
        "{}",
        run.stdout
    );
}
