//! `loadtest [--requests N] [--clients C] [--jobs J] [--seed S] [--tcscreen PATH]`: a bounded
//! load test of `tcscreen serve` on loopback, against the command line on the same corpus in
//! the same run (`just load`).
//!
//! 1. Writes N generated requests (seed S) as JSON Lines.
//! 2. Screens them with `tcscreen screen --format jsonl --jobs J` and times it.
//! 3. Starts `tcscreen serve --jobs J` on 127.0.0.1 (a free port), and sends the same N
//!    requests to `POST /v1/screen` from C concurrent keep-alive clients, each request once.
//!    Every answer must be the command line's: 200 with its record for that request, byte for
//!    byte, or a 4xx for a request the command line did not screen either (the corpus holds a
//!    few requests received before any pack of their country was valid); anything else counts
//!    as an error.
//! 4. Reports throughput of both, the server's latency (p50, p99, max), errors, and the peak
//!    resident memory of the CLI run and of the server process.
//!
//! Everything runs on this machine: the clients share its cores with the server. The request
//! count bounds the run; nothing here is a pass/fail timing.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, ExitStatus, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use tcscreen_bench::corpus::{Options, request_line};

const USAGE: &str =
    "usage: loadtest [--requests N] [--clients C] [--jobs J] [--seed S] [--tcscreen PATH]";

struct Args {
    requests: usize,
    clients: usize,
    jobs: usize,
    seed: u64,
    tcscreen: PathBuf,
}

fn parse_args() -> Result<Args, String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let mut args = Args {
        requests: 5000,
        clients: 8,
        jobs: std::thread::available_parallelism().map_or(1, usize::from),
        seed: 7,
        tcscreen: exe.with_file_name("tcscreen"),
    };
    let mut given = std::env::args().skip(1);
    while let Some(arg) = given.next() {
        let mut value = || given.next().ok_or(format!("{arg} needs a value"));
        match arg.as_str() {
            "--requests" => {
                args.requests = value()?.parse().map_err(|e| format!("--requests: {e}"))?
            }
            "--clients" => {
                args.clients = value()?.parse().map_err(|e| format!("--clients: {e}"))?
            }
            "--jobs" => args.jobs = value()?.parse().map_err(|e| format!("--jobs: {e}"))?,
            "--seed" => args.seed = value()?.parse().map_err(|e| format!("--seed: {e}"))?,
            "--tcscreen" => args.tcscreen = PathBuf::from(value()?),
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    if args.requests == 0 || args.clients == 0 || args.jobs == 0 {
        return Err("--requests, --clients and --jobs must be at least 1".into());
    }
    if !args.tcscreen.is_file() {
        return Err(format!(
            "no tcscreen binary at {} (build it: cargo build --release -p tcscreen-cli, or give --tcscreen)",
            args.tcscreen.display()
        ));
    }
    Ok(args)
}

/// Peak resident memory of a running process (`VmHWM`), in bytes.
fn process_peak_rss(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok())
        })
        .map_or(0, |kb| kb * 1024)
}

/// The `id` of a request or the `request.id` of a record, given as one JSON line.
fn request_id(line: &str) -> String {
    let json: serde_json::Value = serde_json::from_str(line).unwrap_or_default();
    json.get("request")
        .and_then(|r| r.get("id"))
        .or_else(|| json.get("id"))
        .and_then(serde_json::Value::as_str)
        .unwrap_or_default()
        .to_string()
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn mb(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / 1_000_000.0)
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(args) => args,
        Err(e) => {
            if !e.is_empty() {
                eprintln!("loadtest: {e}");
            }
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match run(&args) {
        Ok(0) => ExitCode::SUCCESS,
        Ok(_) => ExitCode::from(1),
        Err(e) => {
            eprintln!("loadtest: {e}");
            ExitCode::from(3)
        }
    }
}

/// What the command line's run of the corpus gave.
struct CliRun {
    time: Duration,
    peak_rss: u64,
}

/// What the clients of the server measured.
struct ServerRun {
    elapsed: Duration,
    /// Sorted.
    latencies: Vec<Duration>,
    errors: usize,
    peak_rss: u64,
    exit: ExitStatus,
}

fn run(args: &Args) -> Result<usize, String> {
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let corpus = dir.path().join("corpus.jsonl");
    // Written as generated and read back after the CLI has run: the CLI is started while this
    // process is small, since a child's peak memory counts what it shared before `exec`.
    write_corpus(args, &corpus)?;
    let (cli, expected) = run_cli(args, &corpus, &dir.path().join("cli.jsonl"))?;
    let lines: Vec<String> = std::fs::read_to_string(&corpus)
        .map_err(|e| e.to_string())?
        .lines()
        .map(str::to_string)
        .collect();
    let ids: Vec<String> = lines.iter().map(|l| request_id(l)).collect();
    let not_screened = ids.iter().filter(|id| !expected.contains_key(*id)).count();
    let server = run_server(
        args,
        Work {
            lines,
            expected,
            ids,
            next: AtomicUsize::new(0),
        },
    )?;
    report(args, &cli, &server, not_screened);
    Ok(server.errors)
}

/// Write the generated requests as JSON Lines.
fn write_corpus(args: &Args, corpus: &Path) -> Result<(), String> {
    let mut file =
        std::io::BufWriter::new(std::fs::File::create(corpus).map_err(|e| e.to_string())?);
    for i in 0..args.requests as u64 {
        writeln!(file, "{}", request_line(args.seed, i, &Options::default()))
            .map_err(|e| e.to_string())?;
    }
    file.flush().map_err(|e| e.to_string())
}

/// Screen the corpus with the command line, writing its records to `records`: how it ran, and
/// the CLI's record of each request, by request id (one line each, as the server answers).
fn run_cli(
    args: &Args,
    corpus: &Path,
    records: &Path,
) -> Result<(CliRun, HashMap<String, String>), String> {
    let started = Instant::now();
    let cli = Command::new(&args.tcscreen)
        .args(["screen", "--format", "jsonl", "--quiet", "--jobs"])
        .arg(args.jobs.to_string())
        .arg("--out")
        .arg(records)
        .arg(corpus)
        .current_dir(tcscreen_bench::children::workspace_root())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map_err(|e| format!("cannot run {}: {e}", args.tcscreen.display()))?;
    let time = started.elapsed();
    let peak_rss = tcscreen_bench::children::peak_rss();
    let records = std::fs::read_to_string(records)
        .map_err(|e| format!("the CLI wrote no records ({cli}): {e}"))?
        .lines()
        .map(|l| (request_id(l), format!("{l}\n")))
        .collect();
    Ok((CliRun { time, peak_rss }, records))
}

/// Start the server on loopback, send it every request from the clients, and stop it.
fn run_server(args: &Args, work: Work) -> Result<ServerRun, String> {
    let (mut server, addr) = start_server(args)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let uri: hyper::Uri = format!("http://{addr}/v1/screen").parse().expect("a URI");
    let (elapsed, mut latencies, errors) =
        runtime.block_on(send_all(args.clients, uri, Arc::new(work)));
    let peak_rss = process_peak_rss(server.id());
    // SAFETY: sends SIGTERM to the server this program started, by its id.
    #[allow(unsafe_code)]
    unsafe {
        libc::kill(server.id() as libc::pid_t, libc::SIGTERM);
    }
    let exit = server.wait().map_err(|e| e.to_string())?;
    latencies.sort_unstable();
    Ok(ServerRun {
        elapsed,
        latencies,
        errors,
        peak_rss,
        exit,
    })
}

/// Start `tcscreen serve` on a free loopback port: the process and the address it announced.
fn start_server(args: &Args) -> Result<(Child, String), String> {
    let mut server = Command::new(&args.tcscreen)
        .args(["serve", "--addr", "127.0.0.1:0", "--jobs"])
        .arg(args.jobs.to_string())
        .arg("--queue")
        .arg((args.jobs * 4).max(args.clients * 2).to_string())
        .current_dir(tcscreen_bench::children::workspace_root())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot start the server: {e}"))?;
    let mut announced = String::new();
    BufReader::new(server.stdout.take().ok_or("no stdout")?)
        .read_line(&mut announced)
        .map_err(|e| e.to_string())?;
    let addr = announced
        .split("http://")
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .ok_or_else(|| format!("the server did not say where it listens: {announced:?}"))?
        .to_string();
    Ok((server, addr))
}

/// The requests the clients share, each sent once, and the answers they expect.
struct Work {
    lines: Vec<String>,
    expected: HashMap<String, String>,
    ids: Vec<String>,
    /// The next line to send.
    next: AtomicUsize,
}

/// Send every line from `clients` concurrent keep-alive clients: the wall time, every latency
/// and the number of answers that were not the command line's.
async fn send_all(
    clients: usize,
    uri: hyper::Uri,
    work: Arc<Work>,
) -> (Duration, Vec<Duration>, usize) {
    let client: Client<_, Full<Bytes>> = Client::builder(TokioExecutor::new()).build_http();
    let started = Instant::now();
    let tasks: Vec<_> = (0..clients)
        .map(|_| tokio::spawn(one_client(client.clone(), uri.clone(), work.clone())))
        .collect();
    let mut all = Vec::new();
    let mut errors = 0;
    for task in tasks {
        let (latencies, e) = task.await.unwrap_or_default();
        all.extend(latencies);
        errors += e;
    }
    (started.elapsed(), all, errors)
}

/// One client: send lines until none is left; its latencies and errors.
async fn one_client(
    client: Client<HttpConnector, Full<Bytes>>,
    uri: hyper::Uri,
    work: Arc<Work>,
) -> (Vec<Duration>, usize) {
    let mut latencies = Vec::new();
    let mut errors = 0usize;
    loop {
        let i = work.next.fetch_add(1, Ordering::Relaxed);
        if i >= work.lines.len() {
            break;
        }
        let request = hyper::Request::post(uri.clone())
            .header("content-type", "application/json")
            .body(Full::new(Bytes::from(work.lines[i].clone())))
            .expect("a request");
        let sent = Instant::now();
        let ok = match client.request(request).await {
            Ok(response) => {
                let status = response.status();
                match (
                    response.into_body().collect().await,
                    work.expected.get(&work.ids[i]),
                ) {
                    (Ok(body), Some(record)) => {
                        status == hyper::StatusCode::OK && body.to_bytes() == record.as_bytes()
                    }
                    (Ok(_), None) => status.is_client_error(),
                    (Err(_), _) => false,
                }
            }
            Err(_) => false,
        };
        latencies.push(sent.elapsed());
        if !ok {
            errors += 1;
        }
    }
    (latencies, errors)
}

/// Print the comparison table and the server's latencies.
fn report(args: &Args, cli: &CliRun, server: &ServerRun, not_screened: usize) {
    let latencies = &server.latencies;
    let n = args.requests as f64;
    let server_rate = n / server.elapsed.as_secs_f64();
    let cli_rate = n / cli.time.as_secs_f64();
    let mut out = std::io::stdout().lock();
    let _ = writeln!(
        out,
        "loadtest: {} generated requests (seed {}), {} clients, {} screening threads, on {}",
        args.requests,
        args.seed,
        args.clients,
        args.jobs,
        std::env::consts::ARCH
    );
    let _ = writeln!(out, "| | requests/s | wall | peak RSS |");
    let _ = writeln!(out, "|---|---:|---:|---:|");
    let _ = writeln!(
        out,
        "| `tcscreen screen --jobs {}` (one process, the file) | {:.0} | {:.2} s | {} |",
        args.jobs,
        cli_rate,
        cli.time.as_secs_f64(),
        mb(cli.peak_rss)
    );
    let _ = writeln!(
        out,
        "| `POST /v1/screen`, {} clients on loopback | {:.0} | {:.2} s | {} (server) |",
        args.clients,
        server_rate,
        server.elapsed.as_secs_f64(),
        mb(server.peak_rss)
    );
    let _ = writeln!(
        out,
        "server / CLI throughput: {:.2}; latency p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms; errors {} of {} ({not_screened} not screened by either, no pack valid on their date); server exit {}",
        server_rate / cli_rate,
        percentile(latencies, 50.0).as_secs_f64() * 1000.0,
        percentile(latencies, 99.0).as_secs_f64() * 1000.0,
        latencies.last().copied().unwrap_or_default().as_secs_f64() * 1000.0,
        server.errors,
        args.requests,
        server
            .exit
            .code()
            .map_or_else(|| "by signal".into(), |c| c.to_string()),
    );
}
