//! The second hostile catalogue (issue 11): what an untrusted pack author, a requester or a
//! careless operator could do to make tcscreen hang, flood, spoof its output or lose data.
//! Each test failed before its fix.

use std::fs;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use crate::harness::{Run, root, tcscreen, tcscreen_with_stdin, zz_request};

/// A pack folder for a test to fill, with a rules root around it.
fn scratch_pack(rules: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let pack = dir.path().join("rules/p");
    fs::create_dir_all(pack.join("rules")).unwrap();
    fs::write(
        pack.join("pack.toml"),
        "[pack]\nid = \"p\"\nname = \"Test pack\"\ncountry = \"ZZ\"\nversion = \"1\"\n",
    )
    .unwrap();
    for (name, body) in rules {
        fs::write(
            pack.join(format!("rules/{name}.rhai")),
            format!("//! title: {name}\n//! criterion: data\n//! policy: test\n{body}\n"),
        )
        .unwrap();
    }
    dir
}

fn rules_arg(dir: &Path) -> String {
    dir.join("rules").to_string_lossy().into_owned()
}

/// Run `tcscreen ARGS` with `stdin`, failing (instead of hanging the suite) if it has not
/// finished after two minutes.
fn finishes(args: &[&str], stdin: &[u8]) -> Run {
    let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    let stdin = stdin.to_vec();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let _ = tx.send(tcscreen_with_stdin(&args, &stdin));
    });
    rx.recv_timeout(Duration::from_secs(120))
        .expect("tcscreen hung")
}

#[cfg(unix)]
#[test]
fn a_refused_link_is_never_opened_not_even_for_a_snippet() {
    let dir = scratch_pack(&[("A", "note(\"a\");")]);
    let outside = dir.path().join("outside.txt");
    fs::write(&outside, "TOP SECRET first line\n").unwrap();
    let lib = dir.path().join("rules/p/lib");
    fs::create_dir_all(&lib).unwrap();
    std::os::unix::fs::symlink(&outside, lib.join("x.rhai")).unwrap();
    std::os::unix::fs::symlink("/dev/zero", lib.join("zero.rhai")).unwrap();
    let run = finishes(&["--rules", &rules_arg(dir.path()), "check"], b"");
    run.expect_code(3)
        .stderr_has("error[P006]: symbolic link in a pack")
        .stderr_has("lib/x.rhai")
        .stderr_has("lib/zero.rhai");
    assert!(!run.stderr.contains("TOP SECRET"), "{}", run.stderr);
}

#[cfg(unix)]
fn mkfifo(path: &Path) {
    let status = Command::new("mkfifo").arg(path).status().unwrap();
    assert!(status.success());
}

#[cfg(unix)]
#[test]
fn named_pipes_in_a_pack_or_the_trusted_keys_never_hang() {
    let dir = scratch_pack(&[("A", "note(\"a\");")]);
    let rules = rules_arg(dir.path());
    mkfifo(&dir.path().join("rules/p/rules/F.rhai"));
    let request = zz_request("ZZ-1");
    for args in [
        vec!["--rules", &rules, "check"],
        vec!["--rules", &rules, "screen", "-"],
    ] {
        finishes(&args, request.as_bytes())
            .expect_code(3)
            .stderr_has("rules/p/rules/F.rhai")
            .stderr_has("error[P016]: not a regular file: it is a named pipe (FIFO)");
    }
    fs::remove_file(dir.path().join("rules/p/rules/F.rhai")).unwrap();
    let keys = dir.path().join("keys");
    fs::create_dir(&keys).unwrap();
    mkfifo(&keys.join("k.pub"));
    let keys = keys.to_string_lossy().into_owned();
    finishes(
        &["--rules", &rules, "screen", "--trust", &keys, "-"],
        request.as_bytes(),
    )
    .expect_code(3)
    .stderr_has("named pipe");
}

#[test]
fn an_oversized_rule_is_refused_before_it_is_read_and_before_the_signature() {
    let dir = scratch_pack(&[("A", "note(\"a\");")]);
    let huge = fs::File::create(dir.path().join("rules/p/rules/BIG.rhai")).unwrap();
    huge.set_len(1024 * 1024 * 1024).unwrap();
    let keys = dir.path().join("keys");
    fs::create_dir(&keys).unwrap();
    let run = tcscreen(&["keygen", "--out", &keys.join("k").to_string_lossy()]);
    run.expect_code(0);
    let run = finishes(
        &[
            "--rules",
            &rules_arg(dir.path()),
            "screen",
            "--trust",
            &keys.to_string_lossy(),
            "-",
        ],
        zz_request("ZZ-1").as_bytes(),
    );
    run.expect_code(3).stderr_has(
        "error[P017]: file too large: it is 1073741824 bytes, more than the limit of 8388608 bytes",
    );
    assert!(!run.stderr.contains("not signed"), "{}", run.stderr);
}

#[cfg(unix)]
#[test]
fn input_problems_are_shown_from_the_bytes_read_even_from_a_named_pipe() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("requests.jsonl");
    mkfifo(&fifo);
    let child = Command::new(env!("CARGO_BIN_EXE_tcscreen"))
        .arg("validate")
        .arg(&fifo)
        .current_dir(root())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // One writer, once: a second open of the pipe (to print a snippet) would wait for ever.
    let lines: String = (0..3)
        .map(|i| format!("{{\"id\": \"R{i}\", \"country\": \"zz\", \"title\": \"t\", \"received\": \"2025-03-04\"}}\n"))
        .collect();
    fs::write(&fifo, lines).unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    let out = rx
        .recv_timeout(Duration::from_secs(120))
        .expect("validate hung re-opening the pipe")
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.matches("error[I016]").count(), 3, "{stderr}");
    assert!(
        stderr.contains(":3:") && stderr.contains("\"country\": \"zz\""),
        "{stderr}"
    );
}

/// A pack whose one rule rejects every request and prints what it saw.
fn rejecting_pack() -> tempfile::TempDir {
    scratch_pack(&[(
        "GUARD",
        "print(`saw ${request.title}`);\nreject(`The title \"${request.title}\" is not acceptable.`, \"title\");",
    )])
}

const SPOOF_TITLE: &str = "Advisers\r\u{1b}[2KZZ-1  ACCEPT  Advisers\u{1b}[8m";

fn spoof_request(id: &str) -> String {
    format!(
        r#"{{"id": {}, "country": "ZZ", "title": {}, "received": "2025-03-04"}}"#,
        serde_json::to_string(id).unwrap(),
        serde_json::to_string(SPOOF_TITLE).unwrap()
    )
}

#[track_caller]
fn no_raw_controls(text: &str) {
    assert!(
        !text.chars().any(|c| c.is_control() && c != '\n'),
        "raw control characters reached the output:\n{text:?}"
    );
}

#[test]
fn a_request_cannot_make_a_rejection_look_like_an_accept_on_the_terminal() {
    let dir = rejecting_pack();
    let rules = rules_arg(dir.path());
    let run = tcscreen_with_stdin(
        &["--rules", &rules, "screen", "--trace", "-"],
        spoof_request("ZZ-1").as_bytes(),
    );
    run.expect_code(0);
    no_raw_controls(&run.stdout);
    no_raw_controls(&run.stderr);
    run.stdout_has("ZZ-1  REJECT  Advisers\\r\\u{1b}[2KZZ-1  ACCEPT  Advisers\\u{1b}[8m")
        .stdout_has("The title \"Advisers\\r\\u{1b}[2K");
    // The trace shows the rule's debug output escaped too.
    run.stderr_has("debug   saw Advisers\\r\\u{1b}[2K");
    // JSON keeps the exact text (escaped the JSON way).
    let json = tcscreen_with_stdin(
        &["--rules", &rules, "screen", "--format", "json", "-"],
        spoof_request("ZZ-1").as_bytes(),
    );
    json.stdout_has(r#""title":"Advisers\r\u001b[2KZZ-1  ACCEPT  Advisers\u001b[8m""#);
}

#[test]
fn a_request_cannot_rewrite_the_decision_note() {
    let dir = rejecting_pack();
    let rules = rules_arg(dir.path());
    let id = "ZZ-1 **Decision: accept.** The request can go ahead. <!--";
    let request = format!(
        r#"{{"id": {}, "country": "ZZ", "title": "T\n\n**Decision: accept.**\n<!--", "received": "2025-03-04"}}"#,
        serde_json::to_string(id).unwrap()
    );
    let run = tcscreen_with_stdin(
        &["--rules", &rules, "screen", "--format", "markdown", "-"],
        request.as_bytes(),
    );
    run.expect_code(0);
    no_raw_controls(&run.stdout);
    // One decision line, the real one; the id and title stay inside the heading, inert.
    let decisions: Vec<&str> = run
        .stdout
        .lines()
        .filter(|l| l.starts_with("**Decision:"))
        .collect();
    assert!(
        decisions.len() == 1 && decisions[0].starts_with("**Decision: reject.**"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.starts_with("# Screening of request ZZ-1 \\*\\*Decision: accept.\\*\\* The request can go ahead. \\<!--: T  \\*\\*Decision: accept.\\*\\* \\<!--\n"), "{}", run.stdout);
    assert!(!run.stdout.contains(" <!--"), "{}", run.stdout);
}

#[test]
fn ids_with_control_characters_are_refused_at_validation() {
    let dir = rejecting_pack();
    let rules = rules_arg(dir.path());
    for id in [
        "ZZ-1\r\u{1b}[2K",
        "ZZ-1\n**Decision: accept.**",
        "ZZ\u{202e}1-",
    ] {
        let run = tcscreen_with_stdin(
            &["--rules", &rules, "--error-format", "plain", "screen", "-"],
            spoof_request(id).as_bytes(),
        );
        run.expect_code(3)
            .stderr_has("error[I018]: `id`: an id may not hold control characters");
        assert_eq!(run.stdout, "");
        no_raw_controls(&run.stderr);
    }
}

#[test]
fn the_register_shows_names_and_reasons_escaped() {
    let dir = rejecting_pack();
    let rules = rules_arg(dir.path());
    let register = dir.path().join("register.jsonl");
    let register = register.to_string_lossy();
    tcscreen_with_stdin(
        &["--rules", &rules, "screen", "--register", &register, "-"],
        spoof_request("ZZ-1").as_bytes(),
    )
    .expect_code(0);
    let by = "A. Officer\r\u{1b}[2K#1 decision ACCEPT";
    let decide = tcscreen(&[
        "register",
        "decide",
        "ZZ-1",
        "--register",
        &register,
        "--decision",
        "reject",
        "--by",
        by,
        "--reason",
        "fine\u{1b}[8m",
    ]);
    decide.expect_code(0);
    no_raw_controls(&decide.stdout);
    let show = tcscreen(&["register", "show", "ZZ-1", "--register", &register]);
    show.expect_code(0);
    no_raw_controls(&show.stdout);
    show.stdout_has("by A. Officer\\r\\u{1b}[2K#1 decision ACCEPT")
        .stdout_has("reason: fine\\u{1b}[8m");
}

#[test]
fn a_rule_cannot_change_what_a_later_rule_sees_even_if_a_third_changes_it_back() {
    let run = tcscreen_with_stdin(
        &[
            "--rules",
            "fixtures/packs/hostile",
            "screen",
            "--format",
            "json",
            "--pack",
            "fixtures/packs/hostile/change-and-restore",
            "-",
        ],
        zz_request("ZZ-1").as_bytes(),
    );
    run.expect_code(3)
        .stdout_has(r#""message":"unchanged""#)
        .stdout_has(r#""message":"the rule changed `request`, which is read-only"#)
        .stdout_has(r#""rule":"change-and-restore/H-01""#);
    assert!(
        !run.stdout.contains("another rule changed shared state"),
        "{}",
        run.stdout
    );
}

#[test]
fn out_may_not_be_the_register_or_an_input() {
    let dir = rejecting_pack();
    let rules = rules_arg(dir.path());
    let register = dir.path().join("register.jsonl");
    let register_arg = register.to_string_lossy().into_owned();
    let request = dir.path().join("request.json");
    fs::write(&request, spoof_request("ZZ-1")).unwrap();
    let request_arg = request.to_string_lossy().into_owned();
    tcscreen(&[
        "--rules",
        &rules,
        "screen",
        &request_arg,
        "--register",
        &register_arg,
    ])
    .expect_code(0);
    let before = fs::read(&register).unwrap();
    // The register, named the same way or another way.
    let other_name = dir.path().join("./register.jsonl");
    for out in [
        register_arg.clone(),
        other_name.to_string_lossy().into_owned(),
    ] {
        tcscreen(&[
            "--rules",
            &rules,
            "screen",
            &request_arg,
            "--register",
            &register_arg,
            "--out",
            &out,
        ])
        .expect_code(2)
        .stderr_has("is the register given with --register");
    }
    assert_eq!(
        fs::read(&register).unwrap(),
        before,
        "the register is intact"
    );
    // An input file, or a results file inside a folder of inputs.
    tcscreen(&[
        "--rules",
        &rules,
        "screen",
        &request_arg,
        "--out",
        &request_arg,
    ])
    .expect_code(2)
    .stderr_has("is one of the requests to screen");
    let folder = dir.path().to_string_lossy().into_owned();
    let inside = dir.path().join("results.jsonl");
    tcscreen(&[
        "--rules",
        &rules,
        "screen",
        &folder,
        "--out",
        &inside.to_string_lossy(),
    ])
    .expect_code(2)
    .stderr_has("is inside the folder of requests");
    assert!(!inside.exists());
    assert_eq!(fs::read_to_string(&request).unwrap(), spoof_request("ZZ-1"));
}

#[test]
fn jobs_beyond_a_sane_maximum_are_a_usage_error() {
    for jobs in ["18446744073709551615", "1000000000", "257", "0"] {
        let run = tcscreen_with_stdin(&["screen", "--jobs", jobs, "-"], b"");
        run.expect_code(2).stderr_has("--jobs");
        assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    }
}

#[test]
fn blank_lines_on_stdin_are_skipped_as_they_come() {
    // More blank lines than a request may hold bytes, before a document: skipped without
    // being kept (they used to be kept, and counted against the request's size), and the
    // document's positions are still the file's.
    let blank = 5 * 1024 * 1024;
    let mut input = "\n".repeat(blank);
    input.push_str("{\"id\": \"ZZ-1\",\n \"country\": \"zz\", \"title\": \"t\", \"received\": \"2025-03-04\"}\n");
    let run = tcscreen_with_stdin(
        &["--error-format", "plain", "validate", "-"],
        input.as_bytes(),
    );
    run.expect_code(3)
        .stderr_has(&format!("-:{}:", blank + 2))
        .stderr_has("error[I016]");
    // Nothing but blank lines is an empty input, not a hang or a flood.
    let run = tcscreen_with_stdin(&["validate", "-"], "\n \n\t\n".repeat(100_000).as_bytes());
    run.expect_code(3).stderr_has("the file is empty");
}

#[test]
fn register_verify_checks_the_exact_bytes() {
    let dir = rejecting_pack();
    let rules = rules_arg(dir.path());
    let register = dir.path().join("register.jsonl");
    let register_arg = register.to_string_lossy().into_owned();
    let request = r#"{"id": "ZZ-1", "country": "ZZ", "title": "Replacement � here", "received": "2025-03-04"}"#;
    tcscreen_with_stdin(
        &[
            "--rules",
            &rules,
            "screen",
            "--register",
            &register_arg,
            "-",
        ],
        request.as_bytes(),
    )
    .expect_code(0);
    tcscreen_with_stdin(
        &[
            "--rules",
            &rules,
            "screen",
            "--register",
            &register_arg,
            "-",
        ],
        request.as_bytes(),
    )
    .expect_code(0);
    tcscreen(&["register", "verify", &register_arg]).expect_code(0);
    // Replace the first stored U+FFFD (3 bytes) by one invalid byte: a lossy reading would
    // turn it back into U+FFFD and find nothing wrong.
    let bytes = fs::read(&register).unwrap();
    let at = bytes
        .windows(3)
        .position(|w| w == "\u{fffd}".as_bytes())
        .unwrap();
    let mut tampered = bytes[..at].to_vec();
    tampered.push(0xff);
    tampered.extend_from_slice(&bytes[at + 3..]);
    fs::write(&register, tampered).unwrap();
    tcscreen(&["register", "verify", &register_arg])
        .expect_code(1)
        .stdout_has("first bad entry 1 (modified): entry 1 is not UTF-8 text");
}

#[test]
fn a_decision_cannot_be_dated_before_its_screening() {
    let dir = rejecting_pack();
    let rules = rules_arg(dir.path());
    let register = dir.path().join("register.jsonl");
    let register_arg = register.to_string_lossy().into_owned();
    tcscreen_with_stdin(
        &[
            "--rules",
            &rules,
            "screen",
            "--register",
            &register_arg,
            "-",
        ],
        zz_request("ZZ-1").as_bytes(),
    )
    .expect_code(0);
    let decide = |at: &str| {
        tcscreen(&[
            "register",
            "decide",
            "ZZ-1",
            "--register",
            &register_arg,
            "--decision",
            "reject",
            "--by",
            "A. Officer",
            "--at",
            at,
        ])
    };
    decide("2025-03-03").expect_code(2).stderr_has(
        "--at 2025-03-03 is before the screening it decides on (entry 1, as of 2025-03-04)",
    );
    decide("2025-03-04").expect_code(0);
}

#[test]
fn appending_reads_only_the_end_of_the_register() {
    let dir = rejecting_pack();
    let rules = rules_arg(dir.path());
    let register = dir.path().join("register.jsonl");
    let register_arg = register.to_string_lossy().into_owned();
    let screen = || {
        tcscreen_with_stdin(
            &[
                "--rules",
                &rules,
                "screen",
                "--register",
                &register_arg,
                "-",
            ],
            zz_request("ZZ-1").as_bytes(),
        )
    };
    screen().expect_code(0);
    screen().expect_code(0);
    // Damage the first entry's bytes beyond repair: reading the whole register would refuse
    // it; appending looks only at the last entry, and verify still names entry 1.
    let mut bytes = fs::read(&register).unwrap();
    bytes[10] = b'#';
    fs::write(&register, &bytes).unwrap();
    screen().expect_code(0);
    let text = fs::read_to_string(&register).unwrap();
    assert_eq!(text.lines().count(), 3);
    assert!(text.lines().last().unwrap().contains(r#""seq":3"#));
    tcscreen(&["register", "verify", &register_arg])
        .expect_code(1)
        .stdout_has("first bad entry 1 (modified)");
}

#[test]
fn replay_names_the_field_of_an_edited_record() {
    let records = fs::read_to_string(root().join("fixtures/decisions/fixtures.jsonl")).unwrap();
    let record = records.lines().next().unwrap();
    let data = record
        .split(r#""criteria":{"data":""#)
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap();
    let other = if data == "accept" { "reject" } else { "accept" };
    let edited = record.replacen(
        &format!(r#""criteria":{{"data":"{data}""#),
        &format!(r#""criteria":{{"data":"{other}""#),
        1,
    );
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("edited.json");
    fs::write(&file, edited).unwrap();
    tcscreen(&["replay", &file.to_string_lossy()])
        .expect_code(1)
        .stdout_has("the record's `criteria.data` differs from a fresh screening of its input");
}
