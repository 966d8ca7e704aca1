//! Issue 18's done-criterion: on loopback, a server under a low limit of open files keeps
//! answering `/healthz` while slow clients trickle, a flood of half-sent requests asks for
//! more connections than it has descriptors, replays run at once, and a reload meets a chain
//! of more packs than a rules folder may hold. Every step is bounded in count; a health probe
//! that gets no answer fails the test (it does not measure how fast anything is).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use crate::harness::{copy_dir, root};

struct Server {
    child: Child,
    addr: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `tcscreen serve` with at most 256 open files.
fn start(rules: &str) -> Server {
    let binary = env!("CARGO_BIN_EXE_tcscreen");
    let mut child = Command::new("sh")
        .args(["-c", "ulimit -n 256 && exec \"$0\" \"$@\""])
        .arg(binary)
        .args([
            "--rules",
            rules,
            "serve",
            "--addr",
            "127.0.0.1:0",
            "--jobs",
            "2",
        ])
        .current_dir(root())
        .env_remove("TCSCREEN_RULES")
        .env_remove("TCSCREEN_REGISTER")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
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
        .unwrap_or_else(|| panic!("no address in {line:?}"))
        .to_string();
    Server { child, addr }
}

/// Send a whole request on a new connection; the status and body, or None if the server
/// closed the connection without answering (its health reserve was full) or never answered.
fn ask(addr: &str, method: &str, path: &str, body: &[u8]) -> Option<(u16, String)> {
    let mut stream = TcpStream::connect(addr).ok()?;
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).ok()?;
    stream.write_all(body).ok()?;
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).ok()?;
    let text = String::from_utf8_lossy(&answer).into_owned();
    let status = text.split(' ').nth(1)?.parse().ok()?;
    Some((status, text))
}

/// Probe `/healthz` until `done`: each probe may be turned away a few times while the reserve
/// is full, but must then be answered 200. Returns the probes answered and those never
/// answered.
fn probe(addr: String, done: Arc<AtomicBool>) -> std::thread::JoinHandle<(usize, usize)> {
    std::thread::spawn(move || {
        let (mut answered, mut failed) = (0, 0);
        while !done.load(Ordering::SeqCst) {
            let ok = (0..50).any(|_| {
                let got = ask(&addr, "GET", "/healthz", b"");
                if got.is_none() {
                    std::thread::sleep(Duration::from_millis(100));
                }
                got.is_some_and(|(status, _)| status == 200)
            });
            if ok {
                answered += 1;
            } else {
                failed += 1;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        (answered, failed)
    })
}

#[cfg(unix)]
#[test]
fn health_checks_are_answered_through_slow_clients_a_flood_replays_and_a_long_chain() {
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("rules");
    copy_dir(&root().join("rules"), &rules);
    let rules_arg = rules.to_string_lossy().into_owned();
    let server = start(&rules_arg);
    let done = Arc::new(AtomicBool::new(false));
    let health = probe(server.addr.clone(), done.clone());

    // A flood of half-sent requests: more connections than the server has descriptors.
    let mut flood = Vec::new();
    for _ in 0..400 {
        if let Ok(mut stream) = TcpStream::connect(&server.addr) {
            let _ = stream.write_all(
                b"POST /v1/screen HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100\r\n\r\n{",
            );
            flood.push(stream);
        }
    }

    // Slow clients: headers a byte at a time.
    let slow: Vec<_> = (0..8)
        .map(|_| {
            let addr = server.addr.clone();
            std::thread::spawn(move || {
                let Ok(mut stream) = TcpStream::connect(&addr) else {
                    return;
                };
                for b in b"GET /v1/packs HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: yes\r\n" {
                    if stream.write_all(&[*b]).is_err() {
                        return;
                    }
                    std::thread::sleep(Duration::from_millis(100));
                }
            })
        })
        .collect();

    // While the flood and the slow clients hold their connections, health checks are answered
    // (a probe turned away because the reserve is full tries again).
    for _ in 0..5 {
        let answered = (0..10).any(|_| {
            let got = ask(&server.addr, "GET", "/healthz", b"");
            got.is_some_and(|(status, _)| status == 200)
        });
        assert!(
            answered,
            "/healthz went unanswered while {} connections were held",
            flood.len()
        );
    }

    // Replays at once, more than the places batches share: each is answered (200, or 503 with
    // Retry-After, then tried again).
    drop(flood);
    let records = std::fs::read(root().join("fixtures/decisions/fixtures.jsonl")).unwrap();
    let records = Arc::new(records.repeat(3));
    let answered_replays = Arc::new(AtomicUsize::new(0));
    let replays: Vec<_> = (0..6)
        .map(|_| {
            let (addr, records, answered) = (
                server.addr.clone(),
                records.clone(),
                answered_replays.clone(),
            );
            std::thread::spawn(move || {
                for _ in 0..50 {
                    match ask(&addr, "POST", "/v1/replay", &records) {
                        Some((200, _)) => {
                            answered.fetch_add(1, Ordering::SeqCst);
                            return;
                        }
                        Some((503, _)) | None => std::thread::sleep(Duration::from_millis(200)),
                        Some((status, text)) => panic!("replay answered {status}: {text}"),
                    }
                }
            })
        })
        .collect();

    // A chain of more packs than a rules folder may hold, then a reload: refused at once.
    for i in 0..1_100 {
        let pack = rules.join(format!("chain-{i}"));
        std::fs::create_dir_all(&pack).unwrap();
        let extends = if i == 0 {
            "extends = [\"base\"]\n".to_string()
        } else {
            format!("extends = [\"chain-{}\"]\n", i - 1)
        };
        std::fs::write(
            pack.join("pack.toml"),
            format!("[pack]\nid = \"chain-{i}\"\nname = \"c\"\nversion = \"1\"\n{extends}"),
        )
        .unwrap();
    }
    let reload = (0..50)
        .find_map(|_| {
            let got = ask(&server.addr, "POST", "/v1/reload", b"");
            if got.is_none() {
                std::thread::sleep(Duration::from_millis(200));
            }
            got
        })
        .expect("the reload was answered");
    assert_eq!(reload.0, 422, "{}", reload.1);
    assert!(reload.1.contains("P023"), "{}", reload.1);

    for t in slow.into_iter().chain(replays) {
        t.join().unwrap();
    }
    assert_eq!(
        answered_replays.load(Ordering::SeqCst),
        6,
        "every replay was answered"
    );
    done.store(true, Ordering::SeqCst);
    let (answered, failed) = health.join().unwrap();
    assert_eq!(
        failed, 0,
        "health probes never answered ({answered} answered)"
    );
    assert!(answered > 0);
    // The packs in force are still those of before the refused reload.
    let packs = ask(&server.addr, "GET", "/v1/packs", b"").expect("answered");
    assert_eq!(packs.0, 200);
    assert!(!packs.1.contains("chain-"));
}
