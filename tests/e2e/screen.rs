//! `screen` output: formats, input order, determinism across runs and `--jobs`, `--out`,
//! `--fail-on`, and exit codes.

use crate::harness::{root, tcscreen, tcscreen_with_stdin, zz_request};

const MINIMAL: &[&str] = &["--rules", "fixtures/packs/minimal"];

fn request(id: &str, arrangement: Option<&str>) -> String {
    let management = arrangement.map_or_else(String::new, |a| {
        format!(r#", "management": {{"arrangement": "{a}"}}"#)
    });
    format!(
        r#"{{"id": "{id}", "country": "ZZ", "title": "T", "received": "2025-03-04", "origin": {{"tor": {{"drafted_by": "partner"}}}}{management}}}"#
    )
}

#[test]
fn json_is_the_record_for_one_request_and_an_array_for_more() {
    let one = tcscreen_with_stdin(
        &[MINIMAL, &["screen", "--format", "json", "-"]].concat(),
        request("A", None).as_bytes(),
    );
    one.expect_code(0);
    assert!(
        one.stdout.starts_with(r#"{"as_of":"2025-03-04","#),
        "{}",
        one.stdout
    );
    assert_eq!(one.stdout.lines().count(), 1);

    let two = format!(
        "{}\n{}\n",
        request("A", None),
        request("B", Some("parallel_piu"))
    );
    let run = tcscreen_with_stdin(
        &[MINIMAL, &["screen", "--format", "json", "-"]].concat(),
        two.as_bytes(),
    );
    run.expect_code(0);
    assert!(run.stdout.starts_with("[\n{"), "{}", run.stdout);
    assert!(run.stdout.ends_with("}\n]\n"), "{}", run.stdout);
    assert_eq!(
        run.stdout
            .matches(r#""schema":"tcscreen/decision/v1""#)
            .count(),
        2
    );
}

#[test]
fn records_are_canonical_and_in_input_order() {
    let batch: String = (0..40)
        .map(|i| request(&format!("R{i:02}"), (i % 3 == 0).then_some("parallel_piu")) + "\n")
        .collect();
    let run = tcscreen_with_stdin(
        &[
            MINIMAL,
            &["screen", "--format", "jsonl", "--jobs", "2", "-"],
        ]
        .concat(),
        batch.as_bytes(),
    );
    run.expect_code(0);
    let ids: Vec<String> = run
        .stdout
        .lines()
        .map(|l| {
            l.split(r#""request":{"country":"ZZ","id":""#)
                .nth(1)
                .unwrap()[..3]
                .to_string()
        })
        .collect();
    let expected: Vec<String> = (0..40).map(|i| format!("R{i:02}")).collect();
    assert_eq!(ids, expected);
    let rejects = run
        .stdout
        .lines()
        .filter(|l| l.contains(r#""decision":"reject""#))
        .count();
    assert_eq!(rejects, 14);
    run.stderr_has("40 requests: 26 accept, 0 revise, 14 reject");
}

#[test]
fn the_same_bytes_every_run_and_any_thread_count() {
    let args = |jobs: &'static str| -> Vec<&'static str> {
        vec![
            "screen",
            "--format",
            "jsonl",
            "--jobs",
            jobs,
            "fixtures/requests",
        ]
    };
    let first = tcscreen(&args("1"));
    assert!(first.code == 0 || first.code == 1, "{first:?}");
    assert!(
        first.stdout.lines().count() >= 10,
        "the shipped fixtures screen: {}",
        first.stderr
    );
    for jobs in ["1", "2", "2"] {
        let again = tcscreen(&args(jobs));
        assert_eq!(again.code, first.code);
        assert!(
            again.stdout == first.stdout,
            "records differ with --jobs {jobs}"
        );
    }
}

#[test]
fn out_writes_the_file_only_when_the_batch_completes() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("records.jsonl");
    let input = dir.path().join("in.jsonl");
    std::fs::write(
        &input,
        format!(
            "{}\n{}\n{{oops\n",
            request("A", None),
            request("B", Some("parallel_piu"))
        ),
    )
    .unwrap();
    let run = tcscreen(
        &[
            MINIMAL,
            &[
                "screen",
                "--format",
                "jsonl",
                "--out",
                out.to_str().unwrap(),
                input.to_str().unwrap(),
            ],
        ]
        .concat(),
    );
    run.expect_code(3);
    assert_eq!(run.stdout, "", "results go to the file");
    let written = std::fs::read_to_string(&out).unwrap();
    assert_eq!(written.lines().count(), 2);
    run.stderr_has("3 requests: 1 accept, 0 revise, 1 reject, 1 not screened (written to");
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(
        leftovers.len(),
        2,
        "no temporary file is left behind: {leftovers:?}"
    );
}

#[test]
fn fail_on_sets_exit_code_1_and_errors_win() {
    let batch = format!(
        "{}\n{}\n",
        request("A", None),
        request("B", Some("parallel_piu"))
    );
    let screen = |fail_on: &str, input: &str| {
        tcscreen_with_stdin(
            &[
                MINIMAL,
                &["screen", "--format", "jsonl", "--fail-on", fail_on, "-"],
            ]
            .concat(),
            input.as_bytes(),
        )
    };
    screen("reject", &batch).expect_code(1);
    screen("revise", &request("A", None)).expect_code(0);
    // A request without `origin.tor` gets a revise from ZZ-01.
    screen("revise", &zz_request("C")).expect_code(1);
    // A bad request (exit 3) wins over a decision that fails (exit 1).
    screen("reject", &format!("{batch}{{\"id\": 1}}\n")).expect_code(3);
}

#[test]
fn text_output_shows_decision_findings_and_policy() {
    let run = tcscreen_with_stdin(
        &[MINIMAL, &["screen", "-"]].concat(),
        request("B", Some("parallel_piu")).as_bytes(),
    );
    run.expect_code(0);
    insta::assert_snapshot!(run.stdout, @r"
    B  REJECT  T
      pack zz 1 · as of 2025-03-04 · 2 rules run
      policy_fit reject · demand_led accept · exit accept · data accept
      reject  zz/ZZ-02  Run the work through the ministry, not a parallel unit.
                        field management.arrangement · test rule, no source
    ");
}

#[test]
fn as_of_overrides_received() {
    let run = tcscreen_with_stdin(
        &[
            MINIMAL,
            &["screen", "--format", "json", "--as-of", "2026-01-02", "-"],
        ]
        .concat(),
        request("A", None).as_bytes(),
    );
    run.expect_code(0).stdout_has(r#""as_of":"2026-01-02""#);
}

#[test]
fn no_pack_for_the_country_is_an_error_naming_why() {
    let run = tcscreen_with_stdin(
        &[MINIMAL, &["screen", "-"]].concat(),
        br#"{"id": "NP-1", "country": "NP", "title": "T", "received": "2025-03-04"}"#,
    );
    run.expect_code(3)
        .stderr_has("error[P021]: no pack for country NP under `fixtures/packs/minimal`");
}

#[test]
fn the_rules_folder_must_exist() {
    tcscreen(&["--rules", "no/such/rules", "screen", "-"])
        .expect_code(3)
        .stderr_has("rules folder `no/such/rules` not found");
    assert!(root().join("rules").is_dir());
}

#[test]
fn ctrl_c_leaves_no_partial_output_and_says_how_far_it_got() {
    let dir = tempfile::tempdir().unwrap();
    let request = std::fs::read_to_string(
        root().join("fixtures/requests/kh/kh-mef-2025-014-pfm-pooled.json"),
    )
    .unwrap();
    let line = request.split_whitespace().collect::<Vec<_>>().join(" ");
    let input = dir.path().join("big.jsonl");
    std::fs::write(&input, format!("{line}\n").repeat(50_000)).unwrap();
    let out = dir.path().join("records.jsonl");
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_tcscreen"))
        .args([
            "screen",
            "--format",
            "jsonl",
            "--jobs",
            "1",
            "--out",
            out.to_str().unwrap(),
            input.to_str().unwrap(),
        ])
        .current_dir(root())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Wait until the batch is under way (the temporary output file exists), then interrupt.
    let started = std::time::Instant::now();
    while std::fs::read_dir(dir.path()).unwrap().count() < 2 && started.elapsed().as_secs() < 30 {
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    std::thread::sleep(std::time::Duration::from_millis(300));
    let killed = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            panic!("tcscreen did not stop after Ctrl-C");
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
    assert_eq!(status.code(), Some(3), "{stderr}");
    assert!(
        stderr.contains("interrupted after ") && stderr.contains("nothing was written to"),
        "{stderr}"
    );
    let left: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(
        left,
        vec![std::ffi::OsString::from("big.jsonl")],
        "no output and no temporary file is left"
    );
}

#[test]
fn out_refuses_a_directory_before_screening() {
    let dir = tempfile::tempdir().unwrap();
    let run = tcscreen_with_stdin(
        &[
            MINIMAL,
            &[
                "screen",
                "--format",
                "jsonl",
                "--out",
                dir.path().to_str().unwrap(),
                "-",
            ],
        ]
        .concat(),
        request("A", None).as_bytes(),
    );
    run.expect_code(3);
    run.stderr_has("is not a regular file");
    assert_eq!(run.stdout, "");
    assert!(
        std::fs::read_dir(dir.path()).unwrap().next().is_none(),
        "nothing is written inside the directory"
    );
}
