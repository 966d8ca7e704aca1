//! Screening benchmarks, measured side by side in one run and summarised as ratios against
//! the typed-parse floor of the same run (`cargo bench -p tcscreen-bench`, or `just bench`).
//!
//! Groups (each iteration processes a whole batch of generated requests; criterion reports the
//! time per batch and the requests per second; the summary at the end divides to µs/request):
//!
//! - `parse`: typed serde parse (the floor) against `ValidRequest::from_text` + `normalize`;
//! - `screen_kh`: full screening with the shipped `kh` pack compiled once (validate, screen,
//!   write the canonical record), and screening alone on validated requests;
//! - `rules29`: the 29 base rules of `tcscreen_bench::reference` in Rust against the same rules
//!   in Rhai, end to end (parse included) and rules only;
//! - `threads`: full `kh` screening of a batch on 1 and on 2 worker threads;
//! - `pack_size`: synthetic packs of 10, 100 and 1,000 rules;
//! - `cli_cold`: one cold run of the release `tcscreen` binary on one fixture (build it first:
//!   `cargo build --release -p tcscreen-cli`; skipped when it is missing).
//!
//! The summary table is printed at the end and written to `target/criterion/summary.md`.

use std::hint::black_box;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::mpsc::{Receiver, Sender, channel};
use std::time::{Duration, Instant, SystemTime};

use criterion::{BenchmarkId, Criterion, Throughput};
use tcscreen_bench::corpus::{self, Options};
use tcscreen_bench::{packs, reference, typed};
use tcscreen_core::{
    DecisionRecord, EVAL_STACK_BYTES, RequestLimits, ResolvedPack, ValidRequest, on_eval_stack,
    screening::normalize,
};

const SEED: u64 = 0x00be_5eed;
/// Requests per iteration in the per-request groups.
const BATCH: usize = 256;
/// Requests per iteration in the threads group.
const THREAD_BATCH: usize = 1024;
/// The fixture of the cold CLI run.
const FIXTURE: &str = "fixtures/requests/kh/kh-mrd-2025-031-rural-roads-piu.json";

fn lines(count: usize, country: Option<&str>) -> Vec<String> {
    let options = Options {
        country: country.map(str::to_string),
    };
    (0..count as u64)
        .map(|i| corpus::request_line(SEED, i, &options))
        .collect()
}

fn kh_pack() -> Arc<ResolvedPack> {
    // The version in force on the date (the shipped `kh` is renumbered as it changes).
    packs::shipped(
        "kh",
        None,
        tcscreen_core::Date::parse("2025-01-01").expect("a date"),
    )
}

/// Validate, screen with the compiled pack, and write the canonical record.
fn screen_full(pack: &tcscreen_core::CompiledPack, line: &str) -> usize {
    let request = ValidRequest::from_text(line, &RequestLimits::default()).expect("valid");
    let as_of = request.received();
    let screening = pack.screen(&request, as_of).expect("no engine stop");
    let record = DecisionRecord::new(&request, pack, as_of, &screening);
    record.to_canonical().len()
}

fn configured() -> Criterion {
    Criterion::default()
        .sample_size(15)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4))
        .configure_from_args()
}

fn parse(c: &mut Criterion, kh: &[String]) {
    let mut g = c.benchmark_group("parse");
    g.throughput(Throughput::Elements(kh.len() as u64));
    g.bench_function("typed_serde", |b| {
        b.iter(|| {
            for line in kh {
                black_box(typed::Request::from_text(black_box(line)).expect("typed"));
            }
        })
    });
    g.bench_function("validate_normalize", |b| {
        let limits = RequestLimits::default();
        b.iter(|| {
            for line in kh {
                let request = ValidRequest::from_text(black_box(line), &limits).expect("valid");
                let _ = black_box(normalize::normalize(&request));
            }
        })
    });
    g.finish();
}

fn screen_kh(c: &mut Criterion, kh: &[String]) {
    let pack = packs::compile(&kh_pack());
    let limits = RequestLimits::default();
    let valid: Vec<ValidRequest> = kh
        .iter()
        .map(|l| ValidRequest::from_text(l, &limits).expect("valid"))
        .collect();
    let mut g = c.benchmark_group("screen_kh");
    g.throughput(Throughput::Elements(kh.len() as u64));
    g.bench_function("full", |b| {
        b.iter(|| {
            for line in kh {
                black_box(screen_full(&pack, black_box(line)));
            }
        })
    });
    g.bench_function("screen_only", |b| {
        b.iter(|| {
            for request in &valid {
                black_box(pack.screen(request, request.received()).expect("no stop"));
            }
        })
    });
    g.finish();
}

fn rules29(c: &mut Criterion, mixed: &[String]) {
    let (resolved, params) = packs::base_subset(&reference::RULES);
    let pack = packs::compile(&resolved);
    let limits = RequestLimits::default();
    let valid: Vec<ValidRequest> = mixed
        .iter()
        .map(|l| ValidRequest::from_text(l, &limits).expect("valid"))
        .collect();
    let typed: Vec<typed::Request> = mixed
        .iter()
        .map(|l| typed::Request::from_text(l).expect("typed"))
        .collect();
    let mut g = c.benchmark_group("rules29");
    g.throughput(Throughput::Elements(mixed.len() as u64));
    g.bench_function("rust_end_to_end", |b| {
        let mut out = Vec::new();
        b.iter(|| {
            for line in mixed {
                let r = typed::Request::from_text(black_box(line)).expect("typed");
                out.clear();
                reference::screen(&r, &params, r.received.0, &mut out);
                black_box(&out);
            }
        })
    });
    g.bench_function("rhai_end_to_end", |b| {
        b.iter(|| {
            for line in mixed {
                let r = ValidRequest::from_text(black_box(line), &limits).expect("valid");
                black_box(pack.screen(&r, r.received()).expect("no stop"));
            }
        })
    });
    g.bench_function("rust_rules_only", |b| {
        let mut out = Vec::new();
        b.iter(|| {
            for r in &typed {
                out.clear();
                reference::screen(black_box(r), &params, r.received.0, &mut out);
                black_box(&out);
            }
        })
    });
    g.bench_function("rhai_rules_only", |b| {
        b.iter(|| {
            for r in &valid {
                black_box(pack.screen(black_box(r), r.received()).expect("no stop"));
            }
        })
    });
    g.finish();
}

/// A slice of a batch for one worker: the lines, from, to.
type Job = (Arc<Vec<String>>, usize, usize);

/// Worker threads that each compile the pack once and screen the slices they are sent.
struct Pool {
    jobs: Vec<Sender<Job>>,
    done: Receiver<usize>,
    handles: Vec<std::thread::JoinHandle<()>>,
}

impl Pool {
    fn new(threads: usize, resolved: Arc<ResolvedPack>) -> Pool {
        let (done_tx, done) = channel();
        let mut jobs = Vec::new();
        let mut handles = Vec::new();
        for _ in 0..threads {
            let (tx, rx) = channel::<Job>();
            let done_tx = done_tx.clone();
            let resolved = resolved.clone();
            let handle = std::thread::Builder::new()
                .stack_size(EVAL_STACK_BYTES)
                .spawn(move || {
                    let pack = packs::compile(&resolved);
                    let _ = done_tx.send(0);
                    while let Ok((lines, from, to)) = rx.recv() {
                        let mut bytes = 0;
                        for line in &lines[from..to] {
                            bytes += screen_full(&pack, line);
                        }
                        let _ = done_tx.send(bytes);
                    }
                })
                .expect("a worker thread");
            jobs.push(tx);
            handles.push(handle);
        }
        for _ in 0..threads {
            done.recv().expect("a worker compiled its pack");
        }
        Pool {
            jobs,
            done,
            handles,
        }
    }

    /// Screen every line, split evenly between the workers; returns the wall time.
    fn run(&self, lines: &Arc<Vec<String>>) -> Duration {
        let n = self.jobs.len();
        let start = Instant::now();
        for (k, job) in self.jobs.iter().enumerate() {
            let from = lines.len() * k / n;
            let to = lines.len() * (k + 1) / n;
            job.send((lines.clone(), from, to)).expect("worker alive");
        }
        for _ in 0..n {
            black_box(self.done.recv().expect("worker done"));
        }
        start.elapsed()
    }

    fn stop(self) {
        drop(self.jobs);
        for h in self.handles {
            h.join().expect("worker exits cleanly");
        }
    }
}

fn threads(c: &mut Criterion, batch: Arc<Vec<String>>) {
    let resolved = kh_pack();
    let mut g = c.benchmark_group("threads");
    g.throughput(Throughput::Elements(batch.len() as u64));
    for n in [1usize, 2] {
        let pool = Pool::new(n, resolved.clone());
        g.bench_function(BenchmarkId::from_parameter(n), |b| {
            b.iter_custom(|iters| (0..iters).map(|_| pool.run(&batch)).sum())
        });
        pool.stop();
    }
    g.finish();
}

fn pack_size(c: &mut Criterion, kh: &[String]) {
    let limits = RequestLimits::default();
    let mut g = c.benchmark_group("pack_size");
    for rules in [10usize, 100, 1000] {
        let pack = packs::compile(&packs::synthetic(rules));
        // Fewer requests per iteration for the big pack, so a sample stays short.
        let take = if rules >= 1000 { 32 } else { 128 };
        let valid: Vec<ValidRequest> = kh[..take]
            .iter()
            .map(|l| ValidRequest::from_text(l, &limits).expect("valid"))
            .collect();
        g.throughput(Throughput::Elements(take as u64));
        g.bench_function(BenchmarkId::from_parameter(rules), |b| {
            b.iter(|| {
                for r in &valid {
                    black_box(pack.screen(r, r.received()).expect("no stop"));
                }
            })
        });
    }
    g.finish();
}

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| packs::repo_root().join("target"))
}

fn cli_cold(c: &mut Criterion) -> bool {
    let binary = target_dir().join("release/tcscreen");
    if !binary.is_file() {
        eprintln!(
            "cli_cold: skipped, {} is missing (cargo build --release -p tcscreen-cli)",
            binary.display()
        );
        return false;
    }
    let root = packs::repo_root();
    let run = |b: &mut criterion::Bencher<'_>, args: &[&str]| {
        b.iter(|| {
            let status = Command::new(&binary)
                .args(args)
                .current_dir(&root)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .expect("tcscreen runs");
            assert!(status.code().is_some_and(|c| c <= 1), "{status}");
        })
    };
    let mut g = c.benchmark_group("cli_cold");
    g.sample_size(30);
    g.bench_function("screen_one_fixture", |b| {
        run(b, &["screen", FIXTURE, "--format", "json"])
    });
    g.bench_function("version", |b| run(b, &["--version"]));
    g.finish();
    true
}

// ----- the summary --------------------------------------------------------------------------

fn criterion_dir() -> PathBuf {
    std::env::var_os("CRITERION_HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| target_dir().join("criterion"))
}

/// Median time per iteration (ns) of a benchmark measured in this run.
fn median_ns(id: &str, since: SystemTime) -> Option<f64> {
    let path = criterion_dir().join(id).join("new/estimates.json");
    let modified = std::fs::metadata(&path).ok()?.modified().ok()?;
    if modified < since {
        return None;
    }
    let text = std::fs::read_to_string(&path).ok()?;
    let json: serde_json::Value = serde_json::from_str(&text).ok()?;
    json["median"]["point_estimate"].as_f64()
}

struct Row {
    what: String,
    value: String,
    target: String,
    verdict: String,
}

fn summary(since: SystemTime, per_batch: &[(&str, usize)]) {
    // µs per request for each benchmark measured in this run.
    let us = |id: &str| -> Option<f64> {
        let (_, n) = per_batch.iter().find(|(p, _)| id.starts_with(p))?;
        median_ns(id, since).map(|ns| ns / 1000.0 / *n as f64)
    };
    let mut rows = Vec::new();
    let mut push = |what: &str, value: Option<String>, target: &str, ok: Option<bool>| {
        rows.push(Row {
            what: what.into(),
            value: value.unwrap_or_else(|| "not measured".into()),
            target: target.into(),
            verdict: match ok {
                Some(true) => "met".into(),
                Some(false) => "NOT met".into(),
                None => String::new(),
            },
        })
    };
    let ratio = |a: Option<f64>, b: Option<f64>| a.zip(b).map(|(a, b)| a / b);
    let floor = us("parse/typed_serde");
    let fmt_us = |v: Option<f64>| v.map(|v| format!("{v:.1} µs/request"));
    push("typed parse (the floor)", fmt_us(floor), "", None);
    let norm = us("parse/validate_normalize");
    push(
        "validate + normalise",
        ratio(norm, floor).map(|r| format!("{r:.2}× floor ({:.1} µs)", norm.unwrap_or(0.0))),
        "",
        None,
    );
    let full = us("screen_kh/full");
    let r = ratio(full, floor);
    push(
        "full screening, kh pack",
        r.map(|r| format!("{r:.2}× floor ({:.1} µs)", full.unwrap_or(0.0))),
        "≤ 9× floor",
        r.map(|r| r <= 9.0),
    );
    let only = us("screen_kh/screen_only");
    push(
        "screening alone, kh pack",
        ratio(only, floor).map(|r| format!("{r:.2}× floor ({:.1} µs)", only.unwrap_or(0.0))),
        "",
        None,
    );
    let (re, he) = (us("rules29/rust_end_to_end"), us("rules29/rhai_end_to_end"));
    let r = ratio(he, re);
    push(
        "29 rules, Rhai vs Rust, end to end",
        r.map(|r| {
            format!(
                "{r:.2}× ({:.1} vs {:.1} µs)",
                he.unwrap_or(0.0),
                re.unwrap_or(0.0)
            )
        }),
        "≤ 8×",
        r.map(|r| r <= 8.0),
    );
    let (ro, ho) = (us("rules29/rust_rules_only"), us("rules29/rhai_rules_only"));
    let r = ratio(ho, ro);
    push(
        "29 rules, Rhai vs Rust, rules only",
        r.map(|r| {
            format!(
                "{r:.1}× ({:.1} vs {:.2} µs)",
                ho.unwrap_or(0.0),
                ro.unwrap_or(0.0)
            )
        }),
        "≤ 8×",
        r.map(|r| r <= 8.0),
    );
    let (t1, t2) = (us("threads/1"), us("threads/2"));
    let r = ratio(t1, t2);
    push(
        "2 threads vs 1 (speed-up)",
        r.map(|r| {
            format!(
                "{r:.2}× ({:.1} vs {:.1} µs wall/request)",
                t2.unwrap_or(0.0),
                t1.unwrap_or(0.0)
            )
        }),
        "≥ 1.4×",
        r.map(|r| r >= 1.4),
    );
    for n in [10u32, 100, 1000] {
        let v = us(&format!("pack_size/{n}"));
        push(
            &format!("synthetic pack, {n} rules"),
            v.map(|v| format!("{v:.1} µs/request ({:.2} µs/rule)", v / f64::from(n))),
            "",
            None,
        );
    }
    let cold = median_ns("cli_cold/screen_one_fixture", since).map(|ns| ns / 1e6);
    let start = median_ns("cli_cold/version", since).map(|ns| ns / 1e6);
    push(
        "cold CLI run, one fixture",
        cold.map(|v| {
            format!(
                "{v:.2} ms (process start alone {:.2} ms)",
                start.unwrap_or(0.0)
            )
        }),
        "< 10 ms",
        cold.map(|v| v < 10.0),
    );

    print_table(&rows);
}

/// The summary as a Markdown table, on stdout and in `target/criterion/summary.md`.
fn print_table(rows: &[Row]) {
    let mut table = String::from("| measure | this run | target | |\n|---|---|---|---|\n");
    for r in rows {
        table.push_str(&format!(
            "| {} | {} | {} | {} |\n",
            r.what, r.value, r.target, r.verdict
        ));
    }
    println!("\nSummary (medians of this run; ratios are within this run):\n\n{table}");
    let path = criterion_dir().join("summary.md");
    if std::fs::create_dir_all(criterion_dir()).is_ok() && std::fs::write(&path, &table).is_ok() {
        println!("(also written to {})", path.display());
    }
}

fn main() {
    let since = SystemTime::now();
    on_eval_stack(move || {
        let kh = lines(BATCH, Some("KH"));
        let mixed = lines(BATCH, None);
        let big = Arc::new(lines(THREAD_BATCH, Some("KH")));
        let mut c = configured();
        parse(&mut c, &kh);
        screen_kh(&mut c, &kh);
        rules29(&mut c, &mixed);
        threads(&mut c, big);
        pack_size(&mut c, &kh);
        cli_cold(&mut c);
        c.final_summary();
    });
    summary(
        since,
        &[
            ("parse/", BATCH),
            ("screen_kh/", BATCH),
            ("rules29/", BATCH),
            ("threads/", THREAD_BATCH),
            ("pack_size/1000", 32),
            ("pack_size/", 128),
        ],
    );
}
