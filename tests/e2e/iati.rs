//! IATI in, end to end: `tcscreen import iati` (drafts, `--out`, `--attach`) and screening IATI
//! XML with `tcscreen screen` (counts, what was left out, `--fallback-pack`).

use crate::harness::{tcscreen, tcscreen_with_stdin};

#[test]
fn drafts_are_written_one_file_each_and_never_replaced_unasked() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("drafts");
    let out = out.to_str().unwrap();
    let args = [
        "import",
        "iati",
        "fixtures/iati/versions/v1.03.xml",
        "--received",
        "2025-06-01",
        "--out",
        out,
    ];
    tcscreen(&args)
        .expect_code(0)
        .stderr_has("flagged   FR-6-103-EXPERTS (KH")
        .stderr_has("1 activity read, 1 technical co-operation; 2 requests made");
    let kh = std::fs::read_to_string(dir.path().join("drafts/FR-6-103-EXPERTS.kh.json")).unwrap();
    assert!(kh.contains("\"received\": \"2025-06-01\""), "{kh}");
    // The drafts are valid requests.
    tcscreen(&["validate", out])
        .expect_code(0)
        .stderr_has("2 valid");
    // A second import would wipe drafts completed by hand: refused unless asked.
    tcscreen(&args)
        .expect_code(3)
        .stderr_has("exists and was not replaced");
    let mut replace = args.to_vec();
    replace.push("--replace");
    tcscreen(&replace).expect_code(0);
}

#[test]
fn json_lines_on_stdout_screen_as_they_are() {
    let run = tcscreen(&[
        "import",
        "iati",
        "fixtures/iati/versions/v2.01.xml",
        "--format",
        "jsonl",
        "--all",
    ]);
    run.expect_code(0)
        .stderr_has("not technical co-operation (imported with --all)")
        .stderr_has("3 requests made");
    assert_eq!(run.stdout.lines().count(), 3, "{}", run.stdout);
    tcscreen_with_stdin(&["screen", "-", "--format", "jsonl"], run.stdout.as_bytes())
        .expect_code(0);
}

#[test]
fn bad_input_is_reported_with_file_line_and_column_and_the_rest_imported() {
    let run = tcscreen(&[
        "--error-format",
        "plain",
        "import",
        "iati",
        "fixtures/iati/bad/one-bad-activity.xml",
        "--format",
        "jsonl",
    ]);
    run.expect_code(3)
        .stderr_has("fixtures/iati/bad/one-bad-activity.xml:5:43: error[I030]")
        .stderr_has("fixtures/iati/bad/one-bad-activity.xml:8:3: error[I034]")
        .stderr_has("error[I035]: activity XX-BAD-3")
        .stderr_has("fixtures/iati/bad/one-bad-activity.xml:22:7: error[I036]");
    assert!(run.stdout.contains("XX-GOOD-5"));
    tcscreen(&["import", "iati", "fixtures/iati/bad/billion-laughs.xml"])
        .expect_code(3)
        .stderr_has("error[I031]");
    tcscreen(&["explain", "I031"])
        .expect_code(0)
        .stdout_has("billion laughs");
}

#[test]
fn an_attached_record_lets_dq01_compare_the_two_sides() {
    let dir = tempfile::tempdir().unwrap();
    let request = dir.path().join("request.json");
    std::fs::write(
        &request,
        r#"{"id": "KH-MLVT-2021-7", "country": "KH", "title": "TVET council support", "received": "2021-03-01",
            "finance": {"currency": "EUR", "total": 900000, "tied": "untied"}}"#,
    )
    .unwrap();
    let attached = dir.path().join("attached.json");
    tcscreen(&[
        "import",
        "iati",
        "--attach",
        request.to_str().unwrap(),
        "fixtures/iati/versions/v2.01.xml",
        "--identifier",
        "DE-1-201-TVET",
        "--out",
        attached.to_str().unwrap(),
    ])
    .expect_code(0);
    // The requester says untied; the provider published partially tied (TiedStatus 3).
    let run = tcscreen(&["screen", attached.to_str().unwrap(), "--format", "jsonl"]);
    run.expect_code(0);
    assert!(
        run.stdout.contains("\"rule\":\"base/DQ-01\"")
            && run.stdout.contains("reports it as partially tied"),
        "{}",
        run.stdout
    );
    tcscreen(&[
        "import",
        "iati",
        "--attach",
        request.to_str().unwrap(),
        "fixtures/iati/versions/v2.01.xml",
        "--identifier",
        "DE-1-201-TVT",
    ])
    .expect_code(3)
    .stderr_has("did you mean DE-1-201-TVET?");
}

#[test]
fn screening_published_data_says_what_was_left_out_and_falls_back_only_when_asked() {
    let file = "fixtures/iati/real/iati-cloud_example_203_file.xml";
    // Egypt has no pack: not screened (P021) unless a fallback is named.
    let run = tcscreen(&["screen", file, "--format", "jsonl"]);
    run.expect_code(3)
        .stderr_has("error[P021]: no pack for country EG")
        .stderr_has("left out  NL-1-PPR-24706")
        .stderr_has("13 activities read, 3 technical co-operation");
    let run = tcscreen(&[
        "screen",
        file,
        "--fallback-pack",
        "base",
        "--format",
        "markdown",
    ]);
    run.stderr_has("warning[P032]: no pack for country EG")
        .stdout_has("No rule pack of EG is in force here");
    // Stdin is recognised as XML by its first character.
    let xml =
        std::fs::read(crate::harness::root().join("fixtures/iati/versions/v1.01.xml")).unwrap();
    tcscreen_with_stdin(&["screen", "-", "--format", "jsonl"], &xml)
        .expect_code(0)
        .stdout_has("\"id\":\"GB-1-101-TA\"");
}
