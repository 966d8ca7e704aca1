//! The conformance suite in fixtures/conformance/: packs, requests and expected records
//! written from spec.md alone by someone who did not read the implementation; its runner
//! and its model of the spec are Python (standard library only).

use std::process::Command;

use crate::harness::root;

#[test]
fn the_expectations_are_generated_from_the_model() {
    let status = Command::new("python3")
        .args(["fixtures/conformance/expect.py", "--check"])
        .current_dir(root())
        .status()
        .expect("python3 runs (CI installs it)");
    assert!(
        status.success(),
        "fixtures/conformance/expected.json is out of date: run python3 fixtures/conformance/expect.py"
    );
}

#[test]
fn every_conformance_case_passes() {
    let out = Command::new("python3")
        .arg("fixtures/conformance/run.py")
        .env("TCSCREEN_BIN", env!("CARGO_BIN_EXE_tcscreen"))
        .current_dir(root())
        .output()
        .expect("python3 runs (CI installs it)");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "conformance failures:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains(" 0 failed"), "{stdout}");
}
