//! The operator's own files (issue 18 items 7 and 12): `--out` never replaces a register, a
//! register is a regular file, and a second writer of a held register says at once who holds
//! it. Each test failed before its fix.

use std::fs;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use tcscreen_service::register::Appender;

use crate::harness::{Run, root, tcscreen_with_stdin};

const FIXTURE: &str = "fixtures/requests/kh/kh-mrd-2025-031-rural-roads-piu.json";

/// Run `tcscreen ARGS`, failing the test (instead of hanging) if it does not end.
fn finishes(args: &[&str]) -> Run {
    let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let _ = tx.send(tcscreen_with_stdin(&args, b""));
    });
    rx.recv_timeout(Duration::from_secs(120))
        .expect("tcscreen hung")
}

fn text(path: &Path) -> String {
    path.to_string_lossy().into_owned()
}

#[test]
fn screen_out_never_replaces_a_register() {
    let dir = tempfile::tempdir().unwrap();
    let register = dir.path().join("decisions.jsonl");
    finishes(&["screen", FIXTURE, "--register", &text(&register)]).expect_code(0);
    let before = fs::read(&register).unwrap();
    // Without --register, the file is still recognised as a register.
    finishes(&["screen", FIXTURE, "--out", &text(&register)])
        .expect_code(2)
        .stderr_has("it is a register");
    assert_eq!(fs::read(&register).unwrap(), before);

    // A register another process holds, even empty, is refused too, naming the holder.
    let held = dir.path().join("held.jsonl");
    let appender = Appender::open(&held).unwrap();
    finishes(&["screen", FIXTURE, "--out", &text(&held)])
        .expect_code(2)
        .stderr_has(&format!("held by process {}", std::process::id()));
    drop(appender);
    assert!(
        !dir.path().join("held.jsonl.holder").exists(),
        "the note goes with the lock"
    );
}

#[cfg(unix)]
#[test]
fn a_register_that_is_not_a_regular_file_is_refused_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("register.jsonl");
    assert!(
        Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    finishes(&["register", "verify", &text(&fifo)])
        .expect_code(3)
        .stderr_has("named pipe");
    finishes(&["screen", FIXTURE, "--register", &text(&fifo)])
        .expect_code(3)
        .stderr_has("not a regular file");
    finishes(&["register", "verify", "/dev/zero"])
        .expect_code(3)
        .stderr_has("not a regular file");
    finishes(&["screen", FIXTURE, "--register", "/dev/zero"])
        .expect_code(3)
        .stderr_has("not a regular file");
}

#[test]
fn a_second_writer_says_at_once_who_holds_the_register() {
    let dir = tempfile::tempdir().unwrap();
    let register = dir.path().join("decisions.jsonl");
    let held = Appender::open(&register).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_tcscreen"))
        .args(["screen", FIXTURE, "--register", &text(&register)])
        .current_dir(root())
        .env_remove("TCSCREEN_RULES")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let (lines, received) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = lines.send(line);
        }
    });
    // The message comes while the lock is still held: the writer has not finished waiting.
    let said = received
        .recv_timeout(Duration::from_secs(120))
        .expect("the second writer waited without a word");
    assert!(
        said.contains(&format!("held by process {}", std::process::id()))
            && said.contains("waiting until it stops")
            && said.contains("through it"),
        "{said}"
    );
    drop(held);
    assert!(child.wait().unwrap().success());
    let lines = fs::read_to_string(&register).unwrap();
    assert_eq!(lines.lines().count(), 1, "appended once the lock was free");
}

/// Issue 18 item 12: a server starting on a register another process holds said nothing and
/// waited; now it says at once who holds it and what to do, then starts once it is free.
#[test]
fn a_server_says_at_once_who_holds_its_register() {
    let dir = tempfile::tempdir().unwrap();
    let register = dir.path().join("decisions.jsonl");
    let held = Appender::open(&register).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_tcscreen"))
        .args([
            "serve",
            "--addr",
            "127.0.0.1:0",
            "--register",
            &text(&register),
        ])
        .current_dir(root())
        .env_remove("TCSCREEN_RULES")
        .env_remove("TCSCREEN_REGISTER")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let lines = |stream: Box<dyn std::io::Read + Send>| {
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stream).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        rx
    };
    let stderr = lines(Box::new(child.stderr.take().unwrap()));
    let stdout = lines(Box::new(child.stdout.take().unwrap()));
    let said = stderr.recv_timeout(Duration::from_secs(120));
    let listening_early = stdout.try_recv().ok();
    drop(held);
    let listening = stdout.recv_timeout(Duration::from_secs(120));
    let _ = child.kill();
    let _ = child.wait();
    let said = said.expect("the server waited without a word");
    assert!(
        said.contains(&format!("held by process {}", std::process::id()))
            && said.contains("this server waits until it stops")
            && said.contains("Stop that process"),
        "{said}"
    );
    assert_eq!(
        listening_early, None,
        "served while another process held the register"
    );
    let listening = listening.expect("the server started once the register was free");
    assert!(listening.starts_with("tcscreen serving"), "{listening}");
}
