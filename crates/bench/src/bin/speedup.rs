//! `speedup [--requests N] [--runs R] [--format F] [--seed S] [--tcscreen PATH]`: how much
//! faster `tcscreen screen --jobs 2` is than `--jobs 1` on N generated requests (`just
//! speedup`), at the command line, as users run it.
//!
//! 1. Writes N generated requests (seed S) as JSON Lines to a temporary file.
//! 2. Runs `tcscreen screen FILE --format F --jobs J --quiet` R times for each J in 1, 2,
//!    alternating (1, 2, 1, 2, …) so that a change in the machine's load touches both alike, the
//!    records going to a file (`--out` in the temporary folder).
//! 3. Reports, for each J, the wall time (median, and the spread: lowest and highest) and the
//!    CPU time (user + system, from `getrusage` of the children), then the speed-up (the ratio of
//!    the medians, and the lowest and highest ratio of the runs paired in order) and the share
//!    of the work the second core took over.
//!
//! On a machine shared with other work, wall times move with the load; CPU time moves much
//! less. Nothing here asserts a time.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use tcscreen_bench::corpus::{Options, request_line};

const USAGE: &str = "usage: speedup [--requests N] [--runs R] [--format text|json|jsonl|markdown] [--seed S] [--tcscreen PATH]";

struct Args {
    requests: usize,
    runs: usize,
    format: String,
    seed: u64,
    tcscreen: PathBuf,
}

fn parse_args() -> Result<Args, String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let mut args = Args {
        requests: 100_000,
        runs: 3,
        format: "jsonl".into(),
        seed: 11,
        tcscreen: exe.with_file_name("tcscreen"),
    };
    let mut given = std::env::args().skip(1);
    while let Some(arg) = given.next() {
        let mut value = || given.next().ok_or(format!("{arg} needs a value"));
        match arg.as_str() {
            "--requests" => {
                args.requests = value()?.parse().map_err(|e| format!("--requests: {e}"))?
            }
            "--runs" => args.runs = value()?.parse().map_err(|e| format!("--runs: {e}"))?,
            "--format" => args.format = value()?,
            "--seed" => args.seed = value()?.parse().map_err(|e| format!("--seed: {e}"))?,
            "--tcscreen" => args.tcscreen = PathBuf::from(value()?),
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    if args.requests == 0 || args.runs == 0 {
        return Err("--requests and --runs must be at least 1".into());
    }
    if !args.tcscreen.is_file() {
        return Err(format!(
            "no tcscreen binary at {} (build it: cargo build --release -p tcscreen-cli, or give --tcscreen)",
            args.tcscreen.display()
        ));
    }
    Ok(args)
}

/// One run: (wall, CPU).
fn run_once(
    args: &Args,
    corpus: &Path,
    out: &Path,
    jobs: usize,
) -> Result<(Duration, Duration), String> {
    let _ = std::fs::remove_file(out);
    let cpu_before = tcscreen_bench::children::cpu();
    let start = Instant::now();
    let status = Command::new(&args.tcscreen)
        .current_dir(tcscreen_bench::children::workspace_root())
        .args(["screen", "--quiet", "--format", &args.format, "--jobs"])
        .arg(jobs.to_string())
        .arg("--out")
        .arg(out)
        .arg(corpus)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map_err(|e| format!("cannot run {}: {e}", args.tcscreen.display()))?;
    let wall = start.elapsed();
    // 0 or 3: the corpus holds a few requests no pack was valid for.
    if !matches!(status.code(), Some(0 | 3)) {
        return Err(format!("tcscreen screen --jobs {jobs} failed: {status}"));
    }
    Ok((wall, tcscreen_bench::children::cpu() - cpu_before))
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2.0
    }
}

fn spread(values: &[f64]) -> (f64, f64) {
    let low = values.iter().copied().fold(f64::INFINITY, f64::min);
    let high = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    (low, high)
}

fn run(args: &Args) -> Result<(), String> {
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let corpus = dir.path().join("requests.jsonl");
    {
        use std::io::Write;
        let mut file =
            std::io::BufWriter::new(std::fs::File::create(&corpus).map_err(|e| e.to_string())?);
        for i in 0..args.requests as u64 {
            writeln!(file, "{}", request_line(args.seed, i, &Options::default()))
                .map_err(|e| e.to_string())?;
        }
        file.flush().map_err(|e| e.to_string())?;
    }
    let out = dir.path().join("records.out");
    let (mut wall, mut cpu) = ([Vec::new(), Vec::new()], [Vec::new(), Vec::new()]);
    for run in 0..args.runs {
        for (slot, jobs) in [(0, 1), (1, 2)] {
            let (w, c) = run_once(args, &corpus, &out, jobs)?;
            eprintln!(
                "run {}: --jobs {jobs}: {:.2} s wall, {:.2} s CPU",
                run + 1,
                w.as_secs_f64(),
                c.as_secs_f64()
            );
            wall[slot].push(w.as_secs_f64());
            cpu[slot].push(c.as_secs_f64());
        }
    }
    println!(
        "{} requests, --format {}, {} runs of each, alternating",
        args.requests, args.format, args.runs
    );
    for (slot, jobs) in [(0, 1), (1, 2)] {
        let (low, high) = spread(&wall[slot]);
        println!(
            "--jobs {jobs}: wall median {:.2} s (from {low:.2} to {high:.2}), CPU median {:.2} s ({:.1} µs a request)",
            median(wall[slot].clone()),
            median(cpu[slot].clone()),
            median(cpu[slot].clone()) / args.requests as f64 * 1e6,
        );
    }
    let ratios: Vec<f64> = wall[0].iter().zip(&wall[1]).map(|(a, b)| a / b).collect();
    let (low, high) = spread(&ratios);
    let (w1, w2) = (median(wall[0].clone()), median(wall[1].clone()));
    let (c1, c2) = (median(cpu[0].clone()), median(cpu[1].clone()));
    println!(
        "speed-up --jobs 2 / --jobs 1: {:.2}x (medians), {low:.2}x to {high:.2}x (runs paired in order); target 1.8x",
        w1 / w2
    );
    // CPU time over wall time: how many cores each run kept busy on average.
    println!(
        "cores busy on average: {:.2} with --jobs 1, {:.2} with --jobs 2; CPU with --jobs 2 / --jobs 1: {:.2}",
        c1 / w1,
        c2 / w2,
        c2 / c1
    );
    Ok(())
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(args) => args,
        Err(message) => {
            if !message.is_empty() {
                eprintln!("error: {message}");
            }
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}
