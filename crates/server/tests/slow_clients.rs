//! Slow and idle clients over real sockets (issue 18 item 3): a connection that trickles its
//! headers or its body is closed; beyond the cap on connections, the reserve answers the
//! health checks and nothing else. Every wait below is bounded by a count of steps far beyond
//! the server's limits, so a test fails (instead of hanging) on a server without them; none
//! measures how fast anything is.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use common::*;
use tcscreen_server::Server;

fn server(max: usize, reserve: usize) -> Server {
    let mut config = config();
    config.connections.max = max;
    config.connections.reserve = reserve;
    config.connections.header_timeout = Duration::from_millis(500);
    config.connections.reserve_header_timeout = Duration::from_millis(500);
    config.connections.pace.idle = Duration::from_millis(500);
    config.connections.pace.grace = Duration::from_millis(500);
    config.connections.pace.min_bytes_per_second = 1000;
    Server::start(config).map_err(|e| e.message).unwrap()
}

/// Send `bytes` one at a time, 50 ms apart, until the server closes the connection; whether
/// it did before they ran out (and what it answered, if anything).
fn trickle(stream: &mut TcpStream, bytes: &[u8]) -> (bool, String) {
    stream
        .set_read_timeout(Some(Duration::from_millis(50)))
        .unwrap();
    let mut answer = Vec::new();
    for b in bytes {
        if stream.write_all(&[*b]).is_err() {
            return (true, String::from_utf8_lossy(&answer).into_owned());
        }
        let mut buffer = [0u8; 4096];
        match stream.read(&mut buffer) {
            Ok(0) => return (true, String::from_utf8_lossy(&answer).into_owned()),
            Ok(n) => answer.extend_from_slice(&buffer[..n]),
            Err(e)
                if e.kind() == std::io::ErrorKind::WouldBlock
                    || e.kind() == std::io::ErrorKind::TimedOut => {}
            Err(_) => return (true, String::from_utf8_lossy(&answer).into_owned()),
        }
    }
    (false, String::from_utf8_lossy(&answer).into_owned())
}

/// GET `path` on a new connection: the status line, or None if the connection was closed
/// without an answer.
fn get_status(server: &Server, path: &str) -> Option<String> {
    let mut stream = TcpStream::connect(server.addr()).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let request = format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).ok()?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer).ok()?;
    answer.lines().next().map(str::to_string)
}

#[test]
fn a_client_that_trickles_its_headers_is_disconnected() {
    let server = server(8, 2);
    let mut stream = TcpStream::connect(server.addr()).unwrap();
    // 600 bytes at 50 ms: 30 s of headers, sixty times the header timeout.
    let headers = format!(
        "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Pad: {}",
        "a".repeat(600)
    );
    let (closed, _) = trickle(&mut stream, headers.as_bytes());
    assert!(
        closed,
        "the connection stayed open while its headers trickled in"
    );
}

#[test]
fn an_idle_kept_alive_connection_is_closed() {
    let server = server(8, 2);
    let mut stream = TcpStream::connect(server.addr()).unwrap();
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        .unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(60)))
        .unwrap();
    let mut answer = Vec::new();
    // The answer, then the end of the connection once it has been idle too long.
    let ended = stream.read_to_end(&mut answer);
    assert!(String::from_utf8_lossy(&answer).starts_with("HTTP/1.1 200"));
    assert!(
        ended.is_ok(),
        "the idle connection was kept open: {ended:?}"
    );
}

#[test]
fn a_client_that_trickles_its_body_is_disconnected() {
    let server = server(8, 2);
    let mut stream = TcpStream::connect(server.addr()).unwrap();
    stream
        .write_all(
            b"POST /v1/screen HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 600\r\n\r\n",
        )
        .unwrap();
    let (closed, answer) = trickle(&mut stream, &[b' '; 600]);
    assert!(
        closed,
        "the connection stayed open while its body trickled in"
    );
    assert!(
        answer.is_empty() || answer.starts_with("HTTP/1.1 400"),
        "{answer}"
    );
}

#[test]
fn beyond_the_cap_the_reserve_answers_health_checks_only() {
    let server = server(4, 2);
    // Four connections that send nothing take every ordinary place.
    let idle: Vec<TcpStream> = (0..4)
        .map(|_| TcpStream::connect(server.addr()).unwrap())
        .collect();
    // The server has accepted them once a request on a fifth is answered from the reserve.
    let mut answered = None;
    for _ in 0..100 {
        answered = get_status(&server, "/v1/packs");
        if answered.as_deref().is_some_and(|s| s.contains("503")) {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(
        answered.as_deref(),
        Some("HTTP/1.1 503 Service Unavailable")
    );
    assert_eq!(
        get_status(&server, "/healthz").as_deref(),
        Some("HTTP/1.1 200 OK")
    );
    assert_eq!(
        get_status(&server, "/readyz").as_deref(),
        Some("HTTP/1.1 200 OK")
    );
    drop(idle);
    // Once they have gone, everything is served again.
    let mut served = None;
    for _ in 0..100 {
        served = get_status(&server, "/v1/packs");
        if served.as_deref() == Some("HTTP/1.1 200 OK") {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(served.as_deref(), Some("HTTP/1.1 200 OK"));
}
