//! A closed standard output (`tcscreen … | head -1`): every command stops quietly with exit 0,
//! never a panic. The pipe's read end is closed before the command starts, so every write to
//! stdout fails: the test does not depend on timing.

use std::process::{Command, Stdio};

use crate::harness::root;

/// Run `tcscreen ARGS` with a stdout whose reader has gone; returns (exit code, stderr).
fn with_closed_stdout(args: &[&str]) -> (i32, String) {
    let (reader, writer) = std::io::pipe().expect("a pipe");
    drop(reader);
    let out = Command::new(env!("CARGO_BIN_EXE_tcscreen"))
        .args(args)
        .current_dir(root())
        .env_remove("TCSCREEN_RULES")
        .stdin(Stdio::null())
        .stdout(writer)
        .stderr(Stdio::piped())
        .output()
        .expect("tcscreen runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[track_caller]
fn quiet(args: &[&str]) {
    let (code, stderr) = with_closed_stdout(args);
    assert!(
        !stderr.contains("panicked") && !stderr.contains("Broken pipe"),
        "{args:?} complained about the closed pipe:\n{stderr}"
    );
    assert_eq!(code, 0, "{args:?} exit code; stderr:\n{stderr}");
}

#[test]
fn every_command_stops_quietly_when_the_reader_has_gone() {
    quiet(&["rule", "base/GP-01"]);
    quiet(&["check"]);
    quiet(&["test", "--coverage"]);
    quiet(&["explain"]);
    quiet(&["explain", "L001"]);
    quiet(&["packs"]);
    quiet(&["schema"]);
    quiet(&["schema", "--example"]);
    quiet(&["validate", "fixtures/requests"]);
    quiet(&["screen", "fixtures/requests"]);
    quiet(&["screen", "--format", "jsonl", "fixtures/requests"]);
    quiet(&["screen", "--format", "markdown", "fixtures/requests"]);
    quiet(&["replay", "fixtures/decisions"]);
    quiet(&[
        "impact",
        "--from",
        "rules",
        "--to",
        "rules",
        "fixtures/requests/kh",
    ]);
}

#[test]
fn register_show_stops_quietly_when_the_reader_has_gone() {
    let dir = tempfile::tempdir().unwrap();
    let register = dir.path().join("register.jsonl");
    let register = register.to_str().unwrap();
    let request = "fixtures/requests/kh/kh-mrd-2025-031-rural-roads-piu.json";
    let screened = crate::harness::tcscreen(&["screen", "--register", register, request]);
    screened.expect_code(0);
    quiet(&[
        "register",
        "show",
        "KH-MRD-2025-031",
        "--register",
        register,
    ]);
    quiet(&["register", "verify", register]);
    quiet(&["register", "head", register]);
}
