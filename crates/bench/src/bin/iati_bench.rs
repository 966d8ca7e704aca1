//! `iati_bench [--mb N] [--runs R] [--seed S]` (`just iati-bench`): the IATI importer's
//! throughput and peak memory on a generated file of N MB (default 200), side by side in one
//! run with the floor: a plain quick-xml pull-parse of the same file that only counts events.
//!
//! Each measurement runs in a fresh child process (this binary, with `--child import|floor
//! FILE`), alternating import and floor, R times each; the child reports the bytes read, its
//! time and its peak resident memory (`VmHWM` of /proc/self/status). The report gives every
//! run, the median and spread of each, and the ratio import / floor of each pair: the machine
//! is shared, so ratios measured in the same run are the figure to compare, not seconds.

use std::io::{BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::Instant;

const USAGE: &str = "usage: iati_bench [--mb N] [--runs R] [--seed S]";

struct Measure {
    bytes: u64,
    seconds: f64,
    peak_kib: u64,
    items: u64,
}

impl Measure {
    fn mb_per_s(&self) -> f64 {
        self.bytes as f64 / 1e6 / self.seconds
    }
}

fn peak_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|n| n.parse().ok())
        })
        .unwrap_or(0)
}

/// The importer: every activity read, gated, converted and written as a JSON line (to nowhere).
fn import(file: &Path) -> std::io::Result<Measure> {
    use tcscreen_service::iati::pretty::to_line;
    use tcscreen_service::iati::{ImportOptions, Imported, Importer};
    let bytes = std::fs::metadata(file)?.len();
    let start = Instant::now();
    let options = ImportOptions {
        received: tcscreen_core::Date::parse("2025-06-01").expect("a date"),
        lang: None,
        country: None,
        all: false,
        file: file.display().to_string(),
    };
    let reader = BufReader::new(std::fs::File::open(file)?);
    let mut sink = std::io::sink();
    let mut items = 0u64;
    for imported in Importer::new(reader, options) {
        if let Imported::Draft(draft) = imported {
            writeln!(sink, "{}", to_line(&draft.request))?;
            items += 1;
        }
    }
    Ok(Measure {
        bytes,
        seconds: start.elapsed().as_secs_f64(),
        peak_kib: peak_kib(),
        items,
    })
}

/// The floor: quick-xml pulls every event of the file and counts them.
fn floor(file: &Path) -> std::io::Result<Measure> {
    let bytes = std::fs::metadata(file)?.len();
    let start = Instant::now();
    let mut reader = quick_xml::Reader::from_reader(BufReader::new(std::fs::File::open(file)?));
    let mut buf = Vec::new();
    let mut items = 0u64;
    loop {
        match reader.read_event_into(&mut buf) {
            Ok(quick_xml::events::Event::Eof) => break,
            Ok(_) => items += 1,
            Err(e) => return Err(std::io::Error::other(e.to_string())),
        }
        buf.clear();
    }
    Ok(Measure {
        bytes,
        seconds: start.elapsed().as_secs_f64(),
        peak_kib: peak_kib(),
        items,
    })
}

fn child(kind: &str, file: &Path) -> ExitCode {
    let measured = match kind {
        "import" => import(file),
        "floor" => floor(file),
        _ => return ExitCode::from(2),
    };
    match measured {
        Ok(m) => {
            println!("{} {} {} {}", m.bytes, m.seconds, m.peak_kib, m.items);
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("iati_bench: {e}");
            ExitCode::from(3)
        }
    }
}

fn run_child(kind: &str, file: &Path) -> Result<Measure, String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let out = Command::new(exe)
        .args(["--child", kind])
        .arg(file)
        .output()
        .map_err(|e| e.to_string())?;
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).to_string());
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let f: Vec<&str> = text.split_whitespace().collect();
    let parse = |i: usize| f.get(i).ok_or_else(|| format!("child said {text:?}"));
    Ok(Measure {
        bytes: parse(0)?.parse().map_err(|e| format!("{e}"))?,
        seconds: parse(1)?.parse().map_err(|e| format!("{e}"))?,
        peak_kib: parse(2)?.parse().map_err(|e| format!("{e}"))?,
        items: parse(3)?.parse().map_err(|e| format!("{e}"))?,
    })
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn spread(values: &[f64]) -> String {
    let min = values.iter().copied().fold(f64::INFINITY, f64::min);
    let max = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    format!("{min:.2}–{max:.2}")
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--child") && args.len() == 3 {
        return child(&args[1], Path::new(&args[2]));
    }
    let (mut mb, mut runs, mut seed) = (200u64, 3usize, 7u64);
    let mut given = args.iter();
    while let Some(arg) = given.next() {
        let value = given.next().and_then(|v| v.parse::<u64>().ok());
        match (arg.as_str(), value) {
            ("--mb", Some(v)) => mb = v,
            ("--runs", Some(v)) => runs = (v as usize).max(1),
            ("--seed", Some(v)) => seed = v,
            _ => {
                eprintln!("{USAGE}");
                return ExitCode::from(2);
            }
        }
    }
    match bench(mb, runs, seed) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("iati_bench: {e}");
            ExitCode::from(3)
        }
    }
}

fn bench(mb: u64, runs: usize, seed: u64) -> Result<(), String> {
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let file: PathBuf = dir.path().join("activities.xml");
    let activities = {
        let out = std::fs::File::create(&file).map_err(|e| e.to_string())?;
        let mut out = std::io::BufWriter::new(out);
        let n = tcscreen_bench::iati_file::write(&mut out, mb * 1_000_000, seed)
            .map_err(|e| e.to_string())?;
        out.flush().map_err(|e| e.to_string())?;
        n
    };
    let size = std::fs::metadata(&file).map_err(|e| e.to_string())?.len();
    println!(
        "generated {:.1} MB, {activities} activities (seed {seed}); {runs} runs each, alternating",
        size as f64 / 1e6
    );
    let (mut imports, mut floors) = (Vec::new(), Vec::new());
    for i in 0..runs {
        let floor = run_child("floor", &file)?;
        let import = run_child("import", &file)?;
        println!(
            "run {}: import {:7.1} MB/s, peak {:6.1} MiB, {} requests | floor {:7.1} MB/s, peak {:6.1} MiB | ratio {:.2}x",
            i + 1,
            import.mb_per_s(),
            import.peak_kib as f64 / 1024.0,
            import.items,
            floor.mb_per_s(),
            floor.peak_kib as f64 / 1024.0,
            floor.mb_per_s() / import.mb_per_s()
        );
        imports.push(import);
        floors.push(floor);
    }
    let speed = |m: &[Measure]| m.iter().map(Measure::mb_per_s).collect::<Vec<_>>();
    let peaks = |m: &[Measure]| {
        m.iter()
            .map(|x| x.peak_kib as f64 / 1024.0)
            .collect::<Vec<_>>()
    };
    let ratios: Vec<f64> = imports
        .iter()
        .zip(&floors)
        .map(|(i, f)| f.mb_per_s() / i.mb_per_s())
        .collect();
    println!(
        "import: {:.1} MB/s median (spread {}), peak memory {:.1} MiB median (spread {})",
        median(speed(&imports)),
        spread(&speed(&imports)),
        median(peaks(&imports)),
        spread(&peaks(&imports))
    );
    println!(
        "floor:  {:.1} MB/s median (spread {}), peak memory {:.1} MiB median (spread {})",
        median(speed(&floors)),
        spread(&speed(&floors)),
        median(peaks(&floors)),
        spread(&peaks(&floors))
    );
    println!(
        "the import takes {:.2}x the time of the plain pull-parse (median; spread {})",
        median(ratios.clone()),
        spread(&ratios)
    );
    Ok(())
}
