//! `corpus --seed N --count M [--skip K] [--country XX]`: write M generated requests (request
//! K to K+M-1 of seed N) to stdout as JSON Lines. Deterministic: the same arguments give the
//! same bytes on every machine.

use std::io::{BufWriter, Write};
use std::process::ExitCode;

use tcscreen_bench::corpus::{self, Options};

const USAGE: &str = "usage: corpus --seed N --count M [--skip K] [--country XX]";

fn main() -> ExitCode {
    let mut seed = None;
    let mut count = None;
    let mut skip = 0u64;
    let mut options = Options::default();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().ok_or_else(|| format!("{name} needs a value"));
        let parsed = match arg.as_str() {
            "--seed" => value("--seed").and_then(|v| {
                v.parse()
                    .map(|n| seed = Some(n))
                    .map_err(|e| format!("--seed: {e}"))
            }),
            "--count" => value("--count").and_then(|v| {
                v.parse()
                    .map(|n| count = Some(n))
                    .map_err(|e| format!("--count: {e}"))
            }),
            "--skip" => value("--skip").and_then(|v| {
                v.parse()
                    .map(|n| skip = n)
                    .map_err(|e| format!("--skip: {e}"))
            }),
            "--country" => value("--country").map(|v| options.country = Some(v)),
            "-h" | "--help" => {
                println!("{USAGE}");
                return ExitCode::SUCCESS;
            }
            other => Err(format!("unknown argument `{other}`")),
        };
        if let Err(e) = parsed {
            eprintln!("corpus: {e}\n{USAGE}");
            return ExitCode::from(2);
        }
    }
    let (Some(seed), Some(count)) = (seed, count) else {
        eprintln!("corpus: --seed and --count are required\n{USAGE}");
        return ExitCode::from(2);
    };
    if let Some(c) = &options.country
        && (c.len() != 2 || !c.bytes().all(|b| b.is_ascii_uppercase()))
    {
        eprintln!("corpus: --country must be an ISO 3166-1 alpha-2 code in upper case, like KH");
        return ExitCode::from(2);
    }
    let stdout = std::io::stdout();
    let mut out = BufWriter::with_capacity(1 << 16, stdout.lock());
    for i in skip..skip.saturating_add(count) {
        let line = corpus::request_line(seed, i, &options);
        if writeln!(out, "{line}").is_err() {
            // A closed pipe (`| head`) is not an error worth a message.
            return ExitCode::SUCCESS;
        }
    }
    if out.flush().is_err() {
        return ExitCode::SUCCESS;
    }
    ExitCode::SUCCESS
}
