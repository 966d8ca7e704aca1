//! `casebench [--small N] [--large N] [--runs R] [--dir DIR]`: the cost of the register's
//! cases on a large register against a small one, measured in the same run (`just cases-bench`).
//!
//! 1. Writes two registers (kept in DIR, `target/casebench` by default, and reused when already
//!    there): N screenings and human decisions made from the shipped fixtures' records, each
//!    case a request screened one to three times, about half of them decided.
//! 2. Starts `tcscreen serve` in this process on a copy of each (so decisions recorded here
//!    never grow the kept registers) and reports what its start costs: the time to verify the
//!    register and build its index, and the resident memory that adds.
//! 3. Over loopback HTTP, alternating between the two servers, R runs of: the first page of
//!    Cases (the home page), the same page from `GET /v1/cases`, a case page (three entries,
//!    its notes rendered), and recording a decision (`POST /v1/register/{id}/decision`,
//!    synced to disk). Each run reports the median of each on both registers and their ratio
//!    (large / small); the summary gives the spread of the ratios over the runs. The very first
//!    Cases page after start is reported on its own.
//! 4. Runs `tcscreen register verify` (the release binary beside this one) on both registers
//!    and reports its time and peak memory.
//!
//! Nothing here passes or fails on a time: it prints figures for docs/performance.md.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::{Duration, Instant};

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use tcscreen_core::json::{self, JsonLimits, JsonValue};
use tcscreen_core::{Decision, DecisionRecord, Json, canonical, hash};
use tcscreen_server::Config;
use tcscreen_server::run::{Server, prepare};
use tcscreen_service::register::{Appender, Body, HumanDecision};

const USAGE: &str = "usage: casebench [--small N] [--large N] [--runs R] [--dir DIR]";

struct Args {
    small: u64,
    large: u64,
    runs: usize,
    dir: PathBuf,
}

fn parse_args() -> Result<Args, String> {
    let root = tcscreen_bench::children::workspace_root();
    let mut args = Args {
        small: 1_000,
        large: 100_000,
        runs: 3,
        dir: root.join("target/casebench"),
    };
    let mut given = std::env::args().skip(1);
    while let Some(arg) = given.next() {
        let mut value = || given.next().ok_or(format!("{arg} needs a value"));
        match arg.as_str() {
            "--small" => args.small = value()?.parse().map_err(|e| format!("--small: {e}"))?,
            "--large" => args.large = value()?.parse().map_err(|e| format!("--large: {e}"))?,
            "--runs" => args.runs = value()?.parse().map_err(|e| format!("--runs: {e}"))?,
            "--dir" => args.dir = PathBuf::from(value()?),
            _ => return Err(USAGE.to_string()),
        }
    }
    Ok(args)
}

/// The shipped fixtures' records, parsed.
fn fixture_records() -> Vec<DecisionRecord> {
    let text = std::fs::read_to_string(
        tcscreen_bench::children::workspace_root().join("fixtures/decisions/fixtures.jsonl"),
    )
    .expect("the recorded fixtures");
    text.lines()
        .map(|line| {
            let json = json::parse(line, JsonLimits::default()).expect("a record");
            DecisionRecord::from_json(&json).expect("a record")
        })
        .collect()
}

/// `record` as the screening of case `n`: its request's id and title made the case's own
/// (and its digest with them).
fn as_case(record: &DecisionRecord, n: u64) -> (String, Json) {
    let id = format!("BENCH-{n:06}-{}", record.request_id);
    let mut input = (*record.input).clone();
    if let JsonValue::Object(members) = &mut input.value {
        for m in members.iter_mut() {
            match m.key.as_str() {
                "id" => m.value = Json::string(&id),
                "title" => {
                    let title = m.value.as_str().unwrap_or_default().to_string();
                    m.value = Json::string(format!("{title} (case {n})"));
                }
                _ => {}
            }
        }
    }
    let mut record = record.clone();
    record.request_id.clone_from(&id);
    record.request_sha256 = hash::sha256_hex(canonical::to_canonical_string(&input).as_bytes());
    record.input = std::sync::Arc::new(input);
    (id, record.to_json())
}

/// Write a register of at least `entries` entries at `path` (unless one is there already).
fn generate(path: &Path, entries: u64) -> Result<(), String> {
    if path.is_file() {
        return Ok(());
    }
    let records = fixture_records();
    let partial = path.with_extension("partial");
    let _ = std::fs::remove_file(&partial);
    let mut appender = Appender::open(&partial)?;
    let mut written = 0;
    let mut case = 0u64;
    while written < entries {
        let record = &records[(case as usize) % records.len()];
        let (id, json) = as_case(record, case);
        let rounds = 1 + case % 3;
        let mut last = 0;
        for _ in 0..rounds.min(entries - written) {
            let body = Body::Screening {
                record: json.clone(),
                signer: None,
                by: None,
            };
            last = appender
                .append(&id, body, None)
                .map_err(|e| e.to_string())?;
            written += 1;
        }
        if case.is_multiple_of(2) && written < entries {
            let decision = HumanDecision {
                screening_seq: last,
                screened_decision: record.decision,
                decision: Decision::Revise,
                by: "A. Officer".into(),
                reason: Some("generated for the benchmark".into()),
                waived: vec![],
                at: record.as_of.to_string(),
            };
            appender
                .append(&id, Body::Decision(decision), None)
                .map_err(|e| e.to_string())?;
            written += 1;
        }
        case += 1;
    }
    appender.sync().map_err(|e| e.to_string())?;
    drop(appender);
    std::fs::rename(&partial, path).map_err(|e| e.to_string())
}

/// This process's resident memory now, in bytes (Linux; 0 elsewhere).
fn resident() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map_or(0, |kb| kb * 1024)
}

struct Served {
    name: String,
    server: Server,
    _copy: tempfile::TempDir,
    start: Duration,
    memory: u64,
    /// A case with three rounds and a decision, to open.
    case: String,
    /// Another, to record decisions on (so the case opened keeps its size).
    decide: String,
    first_page: Duration,
}

async fn serve(
    name: &str,
    kept: &Path,
    client: &Client<HttpConnector, Full<Bytes>>,
) -> Result<Served, String> {
    let copy = tempfile::tempdir().map_err(|e| e.to_string())?;
    let path = copy.path().join("register.jsonl");
    std::fs::copy(kept, &path).map_err(|e| e.to_string())?;
    let mut config = Config::new(tcscreen_bench::children::workspace_root().join("rules"));
    config.addr = "127.0.0.1:0".parse().map_err(|e| format!("{e}"))?;
    config.register = Some(path);
    let before = resident();
    let started = Instant::now();
    let (state, _) = prepare(&config).map_err(|e| e.message)?;
    let start = started.elapsed();
    let memory = resident().saturating_sub(before);
    let server = Server::start_with(config.addr, state).map_err(|e| e.message)?;
    let url = server.url();
    let first = Instant::now();
    let page = get(client, &format!("{url}/")).await?;
    let first_page = first.elapsed();
    if !page.contains("cases found") {
        return Err(format!("{name}: the home page is not the list of cases"));
    }
    // Cases 2 and 5 have three rounds (the generator screens case n 1 + n % 3 times).
    let records = fixture_records();
    let case = format!("BENCH-000002-{}", records[2 % records.len()].request_id);
    let decide = format!("BENCH-000005-{}", records[5 % records.len()].request_id);
    Ok(Served {
        name: name.to_string(),
        server,
        _copy: copy,
        start,
        memory,
        case,
        decide,
        first_page,
    })
}

async fn send(
    client: &Client<HttpConnector, Full<Bytes>>,
    method: &str,
    url: &str,
    body: &str,
) -> Result<(u16, String), String> {
    let request = hyper::Request::builder()
        .method(method)
        .uri(url)
        .header("host", "127.0.0.1")
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from(body.to_string())))
        .map_err(|e| e.to_string())?;
    let answer = client.request(request).await.map_err(|e| e.to_string())?;
    let status = answer.status().as_u16();
    let bytes = answer
        .into_body()
        .collect()
        .await
        .map_err(|e| e.to_string())?
        .to_bytes();
    Ok((status, String::from_utf8_lossy(&bytes).into_owned()))
}

async fn get(client: &Client<HttpConnector, Full<Bytes>>, url: &str) -> Result<String, String> {
    match send(client, "GET", url, "").await? {
        (200, text) => Ok(text),
        (status, text) => Err(format!("GET {url}: {status} {text}")),
    }
}

/// The four operations measured.
const OPERATIONS: [&str; 4] = [
    "Cases page (HTML, first page)",
    "GET /v1/cases (first page)",
    "Case page (3 rounds, notes)",
    "Record a decision (synced)",
];

async fn operation(
    client: &Client<HttpConnector, Full<Bytes>>,
    served: &Served,
    which: usize,
) -> Result<Duration, String> {
    let url = served.server.url();
    let started = Instant::now();
    match which {
        0 => drop(get(client, &format!("{url}/")).await?),
        1 => drop(get(client, &format!("{url}/v1/cases")).await?),
        2 => drop(get(client, &format!("{url}/cases/{}", served.case)).await?),
        _ => {
            let body = r#"{"decision": "accept", "by": "B. Officer", "reason": "measured"}"#;
            let (status, text) = send(
                client,
                "POST",
                &format!("{url}/v1/register/{}/decision", served.decide),
                body,
            )
            .await?;
            if status != 201 {
                return Err(format!("decision: {status} {text}"));
            }
        }
    }
    Ok(started.elapsed())
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort_unstable();
    times[times.len() / 2]
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

/// One run: each operation `repeat` times on both servers, alternating; the medians.
async fn run(
    client: &Client<HttpConnector, Full<Bytes>>,
    small: &Served,
    large: &Served,
    repeat: usize,
) -> Result<Vec<(Duration, Duration)>, String> {
    let mut medians = Vec::new();
    for which in 0..OPERATIONS.len() {
        let (mut a, mut b) = (Vec::new(), Vec::new());
        for _ in 0..repeat {
            a.push(operation(client, small, which).await?);
            b.push(operation(client, large, which).await?);
        }
        medians.push((median(a), median(b)));
    }
    Ok(medians)
}

/// `tcscreen register verify` on `path`: its time and peak memory, read from the child's own
/// `VmHWM` while it runs (a figure from `wait4` would count what the child shared with this
/// process before it ran the program).
fn verify(path: &Path) -> Result<(Duration, u64), String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let tcscreen = exe.with_file_name("tcscreen");
    let started = Instant::now();
    let mut child = Command::new(&tcscreen)
        .args(["register", "verify"])
        .arg(path)
        .stdout(std::process::Stdio::null())
        .spawn()
        .map_err(|e| format!("{}: {e}", tcscreen.display()))?;
    let status_file = format!("/proc/{}/status", child.id());
    let mut peak = 0;
    let status = loop {
        if let Some(hwm) = std::fs::read_to_string(&status_file).ok().and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        }) {
            peak = peak.max(hwm * 1024);
        }
        match child.try_wait().map_err(|e| e.to_string())? {
            Some(status) => break status,
            None => std::thread::sleep(Duration::from_millis(5)),
        }
    };
    if !status.success() {
        return Err(format!("register verify {} failed", path.display()));
    }
    Ok((started.elapsed(), peak))
}

async fn bench(args: &Args) -> Result<(), String> {
    std::fs::create_dir_all(&args.dir).map_err(|e| e.to_string())?;
    let small_path = args.dir.join(format!("register-{}.jsonl", args.small));
    let large_path = args.dir.join(format!("register-{}.jsonl", args.large));
    for (path, n) in [(&small_path, args.small), (&large_path, args.large)] {
        let started = Instant::now();
        generate(path, n)?;
        let size = std::fs::metadata(path).map_err(|e| e.to_string())?.len();
        println!(
            "register {}: {} MB (ready in {:.1} s)",
            path.display(),
            size / 1_000_000,
            started.elapsed().as_secs_f64()
        );
    }
    let client: Client<HttpConnector, Full<Bytes>> =
        Client::builder(TokioExecutor::new()).build_http();
    let small = serve(&format!("{} entries", args.small), &small_path, &client).await?;
    let large = serve(&format!("{} entries", args.large), &large_path, &client).await?;
    println!("\nstart (verify the register, build its index) and the memory it adds:");
    for s in [&small, &large] {
        println!(
            "  {:>16}: start {:>10}, +{} MB resident, first Cases page {}",
            s.name,
            ms(s.start),
            s.memory / 1_000_000,
            ms(s.first_page)
        );
    }
    // Warm both (pack compiled for the notes, connections open).
    for which in 0..OPERATIONS.len() {
        operation(&client, &small, which).await?;
        operation(&client, &large, which).await?;
    }
    let mut ratios: Vec<Vec<f64>> = vec![Vec::new(); OPERATIONS.len()];
    for n in 1..=args.runs {
        println!(
            "\nrun {n}: median of 50 each, {} | {} | ratio",
            small.name, large.name
        );
        let medians = run(&client, &small, &large, 50).await?;
        for (i, (a, b)) in medians.iter().enumerate() {
            let ratio = b.as_secs_f64() / a.as_secs_f64();
            ratios[i].push(ratio);
            println!(
                "  {:<32} {:>10} | {:>10} | {ratio:.2}",
                OPERATIONS[i],
                ms(*a),
                ms(*b)
            );
        }
    }
    println!(
        "\nsummary: large / small, over {} runs (min, median, max)",
        args.runs
    );
    for (i, r) in ratios.iter_mut().enumerate() {
        r.sort_by(f64::total_cmp);
        println!(
            "  {:<32} {:.2}  {:.2}  {:.2}",
            OPERATIONS[i],
            r[0],
            r[r.len() / 2],
            r[r.len() - 1]
        );
    }
    println!("\n`tcscreen register verify` (streamed):");
    for (path, n) in [(&small_path, args.small), (&large_path, args.large)] {
        let (time, memory) = verify(path)?;
        println!(
            "  {n:>8} entries: {:>10}, peak {} MB resident",
            ms(time),
            memory / 1_000_000
        );
    }
    let _ = std::io::stdout().flush();
    Ok(())
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(args) => args,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("casebench: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(bench(&args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("casebench: {e}");
            ExitCode::FAILURE
        }
    }
}
