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
