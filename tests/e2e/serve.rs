//! `tcscreen serve` as a process: the server's records are the command line's bytes for every
//! shipped fixture, SIGTERM lets a request in flight finish and leaves the register verifiable,
//! SIGHUP reloads only packs that pass, and a public address needs a token.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::harness::{copy_dir, root, tcscreen};

/// A server process, stopped (SIGTERM) when dropped.
struct Served {
    child: Child,
    addr: String,
    stderr: PathBuf,
    _dir: tempfile::TempDir,
}

impl Served {
    fn start(args: &[&str]) -> Served {
        let dir = tempfile::tempdir().unwrap();
        let stderr = dir.path().join("stderr");
        let mut child = Command::new(env!("CARGO_BIN_EXE_tcscreen"))
            .arg("serve")
            .args(["--addr", "127.0.0.1:0", "--jobs", "2"])
            .args(args)
            .current_dir(root())
            .env_remove("TCSCREEN_RULES")
            .env_remove("TCSCREEN_REGISTER")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&stderr).unwrap())
            .spawn()
            .expect("tcscreen serve runs");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let addr = line
            .split("http://")
            .nth(1)
            .and_then(|rest| rest.split('/').next())
            .unwrap_or_else(|| {
                panic!(
                    "no address in {line:?}; stderr: {}",
                    std::fs::read_to_string(&stderr).unwrap_or_default()
                )
            })
            .to_string();
        Served {
            child,
            addr,
            stderr,
            _dir: dir,
        }
    }

    fn signal(&self, name: &str) {
        let sent = Command::new("kill")
            .args([format!("-{name}"), self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(sent.success());
    }

    fn stderr(&self) -> String {
        std::fs::read_to_string(&self.stderr).unwrap_or_default()
    }

    /// Wait (at most 60 s) until stderr holds `text`.
    fn wait_for(&self, text: &str) {
        let start = Instant::now();
        while !self.stderr().contains(text) {
            assert!(
                start.elapsed() < Duration::from_secs(60),
                "stderr never said {text:?}:\n{}",
                self.stderr()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Wait (at most 60 s) for the process to end; its exit code.
    fn wait(&mut self) -> i32 {
        let start = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status.code().unwrap_or(-1);
            }
            assert!(
                start.elapsed() < Duration::from_secs(60),
                "the server did not stop"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// One HTTP/1.1 exchange on a new connection: the status and the body (de-chunked).
fn http(addr: &str, method: &str, path: &str, body: &[u8]) -> (u16, Vec<u8>) {
    let mut stream = TcpStream::connect(addr).unwrap();
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )
    .unwrap();
    stream.write_all(body).unwrap();
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).unwrap();
    split_response(&answer)
}

fn split_response(answer: &[u8]) -> (u16, Vec<u8>) {
    let end = answer
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("headers");
    let head = String::from_utf8_lossy(&answer[..end]).to_lowercase();
    let status = head[9..12].parse().unwrap();
    let body = &answer[end + 4..];
    if head.contains("transfer-encoding: chunked") {
        (status, dechunk(body))
    } else {
        (status, body.to_vec())
    }
}

fn dechunk(mut body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let Some(line_end) = body.windows(2).position(|w| w == b"\r\n") else {
            return out;
        };
        let size =
            usize::from_str_radix(std::str::from_utf8(&body[..line_end]).unwrap().trim(), 16)
                .unwrap();
        if size == 0 {
            return out;
        }
        out.extend_from_slice(&body[line_end + 2..line_end + 2 + size]);
        body = &body[line_end + 2 + size + 2..];
    }
}

fn fixtures() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = walkdir::WalkDir::new(root().join("fixtures/requests"))
        .into_iter()
        .filter_map(Result::ok)
        .map(|e| e.path().to_path_buf())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    files
}

#[test]
fn the_server_and_the_command_line_write_the_same_record_for_every_fixture() {
    let server = Served::start(&[]);
    for file in fixtures() {
        // The server screens as of today unless told otherwise; the command line as of each
        // request's `received` date: `as_of=received` asks the server for the same.
        let (status, body) = http(
            &server.addr,
            "POST",
            "/v1/screen?as_of=received",
            &std::fs::read(&file).unwrap(),
        );
        assert_eq!(status, 200, "{}", file.display());
        let cli = tcscreen(&["screen", &file.to_string_lossy(), "--format", "json"]);
        assert_eq!(
            String::from_utf8(body).unwrap(),
            cli.stdout,
            "{}",
            file.display()
        );
    }
}

#[test]
fn sigterm_lets_a_request_in_flight_finish_and_leaves_the_register_verifiable() {
    let dir = tempfile::tempdir().unwrap();
    let register = dir.path().join("register.jsonl");
    let mut server = Served::start(&["--register", &register.to_string_lossy()]);
    let line = |file: &Path| {
        let text = std::fs::read_to_string(file).unwrap();
        format!(
            "{}\n",
            text.split_whitespace().collect::<Vec<_>>().join(" ")
        )
    };
    let files = fixtures();
    let (first, second) = (line(&files[0]), line(&files[1]));
    // A batch whose body is still being sent: the request is in flight.
    let mut stream = TcpStream::connect(&server.addr).unwrap();
    write!(
        stream,
        "POST /v1/screen/batch HTTP/1.1\r\nHost: {}\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n{:x}\r\n{first}\r\n",
        server.addr,
        first.len()
    )
    .unwrap();
    stream.flush().unwrap();
    // The first record comes back: the server is working on the request.
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut seen = Vec::new();
    while !String::from_utf8_lossy(&seen).contains("\"schema\":\"tcscreen/decision/v1\"") {
        let mut buf = [0u8; 4096];
        let n = reader.read(&mut buf).unwrap();
        assert!(n > 0, "the connection closed early");
        seen.extend_from_slice(&buf[..n]);
    }
    server.signal("TERM");
    // The rest of the body, after the stop was asked for.
    write!(stream, "{:x}\r\n{second}\r\n0\r\n\r\n", second.len()).unwrap();
    stream.flush().unwrap();
    reader.read_to_end(&mut seen).unwrap();
    let (status, body) = split_response(&seen);
    assert_eq!(status, 200);
    let records = String::from_utf8(body).unwrap();
    assert_eq!(records.lines().count(), 2, "{records}");
    assert_eq!(server.wait(), 0, "{}", server.stderr());
    assert!(server.stderr().contains("stopped"), "{}", server.stderr());
    tcscreen(&["register", "verify", &register.to_string_lossy()])
        .expect_code(0)
        .stdout_has("2 entries, chain intact");
}

#[test]
fn sighup_reloads_packs_that_pass_and_keeps_the_old_ones_otherwise() {
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("rules");
    copy_dir(&root().join("rules"), &rules);
    let server = Served::start(&["--rules", &rules.to_string_lossy()]);
    std::fs::write(
        rules.join("kh/rules/ZZ-01.rhai"),
        "//! title: x\n//! criterion: exit\nif {\n",
    )
    .unwrap();
    server.signal("HUP");
    server.wait_for("reload refused: the packs in force are unchanged");
    assert!(server.stderr().contains("R020"), "{}", server.stderr());
    let fixture = std::fs::read(&fixtures()[0]).unwrap();
    assert_eq!(http(&server.addr, "POST", "/v1/screen", &fixture).0, 200);
    std::fs::remove_file(rules.join("kh/rules/ZZ-01.rhai")).unwrap();
    server.signal("HUP");
    server.wait_for("reloaded: 6 packs in force");
    assert_eq!(http(&server.addr, "POST", "/v1/screen", &fixture).0, 200);
}

#[test]
fn serve_refuses_a_public_address_without_a_token() {
    tcscreen(&["serve", "--addr", "0.0.0.0:0"])
        .expect_code(2)
        .stderr_has("--token-file");
}

#[test]
fn the_server_refuses_a_request_received_before_its_own_letter() {
    // Issue 18.1 through the API: the same input problem as the CLI's, with its code and path.
    let server = Served::start(&[]);
    let text = std::fs::read_to_string(
        root().join("fixtures/requests/kh/kh-mef-2025-014-pfm-pooled.json"),
    )
    .unwrap()
    .replacen(
        "\"received\": \"2025-03-04\"",
        "\"received\": \"2004-03-01\"",
        1,
    );
    let (status, body) = http(&server.addr, "POST", "/v1/screen", text.as_bytes());
    let body = String::from_utf8(body).unwrap();
    assert!((400..500).contains(&status), "{status} {body}");
    assert!(
        body.contains("I025") && body.contains("origin.request_letter.date"),
        "{body}"
    );
}
