//! `profile WHAT --count N [--seed S]`: screen N generated requests one way, single-threaded,
//! for a profiler (`valgrind --tool=callgrind target/release/profile kh --count 2000`).
//!
//! WHAT is one of:
//! - `typed`: typed serde parse only (the floor);
//! - `validate`: `ValidRequest::from_text` + `normalize`;
//! - `kh`: full screening with the shipped `kh` pack (validate, screen, canonical record);
//! - `rhai29`: the 29 reference rules in Rhai (validate + screen);
//! - `rust29`: the same rules in Rust (typed parse + reference);
//! - `kh-only:ID`: the `kh` pack with every rule but `ID` (e.g. `base/DQ-02`) disabled, or
//!   none with `kh-only:none`, screening validated requests: the cost of one rule, with
//!   `valgrind --tool=callgrind --toggle-collect='*CompiledPack*screen*'`.
//!
//! Requests are generated before the work starts (KH only for `typed`, `validate` and `kh`),
//! so the profile of the work is not mixed with the generator's.

use std::hint::black_box;
use std::process::ExitCode;

use tcscreen_bench::corpus::{self, Options};
use tcscreen_bench::{packs, reference, typed};
use tcscreen_core::{
    Date, DecisionRecord, RequestLimits, ValidRequest, on_eval_stack, screening::normalize,
};

const USAGE: &str =
    "usage: profile typed|validate|kh|rhai29|rust29|kh-only:RULE --count N [--seed S]";

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let Some(what) = args.next() else {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    };
    let mut count = 2_000u64;
    let mut seed = 0x00be_5eedu64;
    while let Some(arg) = args.next() {
        let value = args.next().and_then(|v| v.parse().ok());
        match (arg.as_str(), value) {
            ("--count", Some(v)) => count = v,
            ("--seed", Some(v)) => seed = v,
            _ => {
                eprintln!("{USAGE}");
                return ExitCode::from(2);
            }
        }
    }
    let country = (matches!(what.as_str(), "typed" | "validate" | "kh")
        || what.starts_with("kh-only:"))
    .then(|| "KH".to_string());
    let options = Options { country };
    let lines: Vec<String> = (0..count)
        .map(|i| corpus::request_line(seed, i, &options))
        .collect();
    let limits = RequestLimits::default();
    let done = on_eval_stack(move || -> Result<(usize, f64), String> {
        let started = std::time::Instant::now();
        let n = work(&what, &lines, &limits)?;
        // Setup (compiling a pack) is included; it is about a millisecond.
        let us = started.elapsed().as_secs_f64() * 1e6 / lines.len().max(1) as f64;
        Ok((n, us))
    });
    match done {
        Ok((n, us)) => {
            eprintln!("{us:.1} µs/request over {count} requests (checksum {n})");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("profile: {e}");
            ExitCode::from(2)
        }
    }
}

/// Do the work `what` on every request of `lines`; a checksum of what it produced.
fn work(what: &str, lines: &[String], limits: &RequestLimits) -> Result<usize, String> {
    let mut n = 0usize;
    match what {
        "typed" => {
            for l in lines {
                black_box(typed::Request::from_text(l).map_err(|e| e.to_string())?);
                n += 1;
            }
        }
        "validate" => {
            for l in lines {
                let r = ValidRequest::from_text(l, limits).map_err(|e| format!("{e:?}"))?;
                let _ = black_box(normalize::normalize(&r));
                n += 1;
            }
        }
        "kh" => {
            let as_of = Date::parse("2025-01-01").expect("a date");
            let pack = packs::compile(&packs::shipped("kh", None, as_of));
            for l in lines {
                let r = ValidRequest::from_text(l, limits).map_err(|e| format!("{e:?}"))?;
                let s = pack.screen(&r, r.received()).map_err(|e| e.to_string())?;
                n += DecisionRecord::new(&r, &pack, r.received(), &s)
                    .to_canonical()
                    .len()
                    .min(1);
            }
        }
        "rhai29" => {
            let (resolved, _) = packs::base_subset(&reference::RULES);
            let pack = packs::compile(&resolved);
            for l in lines {
                let r = ValidRequest::from_text(l, limits).map_err(|e| format!("{e:?}"))?;
                n += pack
                    .screen(&r, r.received())
                    .map_err(|e| e.to_string())?
                    .findings
                    .len();
            }
        }
        "rust29" => {
            let (_, params) = packs::base_subset(&reference::RULES);
            let mut out = Vec::new();
            for l in lines {
                let r = typed::Request::from_text(l).map_err(|e| e.to_string())?;
                out.clear();
                reference::screen(&r, &params, r.received.0, &mut out);
                n += out.len();
            }
        }
        only if only.starts_with("kh-only:") => {
            let keep = &only["kh-only:".len()..];
            let as_of = Date::parse("2025-01-01").expect("a date");
            let mut resolved = (*packs::shipped("kh", None, as_of)).clone();
            let ids: Vec<String> = packs::compile(&resolved)
                .rules()
                .iter()
                .map(|r| r.id.clone())
                .collect();
            let layer = resolved.layers.last_mut().expect("a layer");
            for id in ids.iter().filter(|id| id.as_str() != keep) {
                layer.settings.push(tcscreen_core::RuleSettingsEntry {
                    rule: id.clone(),
                    pos: tcscreen_core::Pos::NONE,
                    settings: tcscreen_core::RuleSettings {
                        disabled: Some(true),
                        ..Default::default()
                    },
                });
            }
            let pack = packs::compile(&resolved);
            let valid: Vec<ValidRequest> = lines
                .iter()
                .map(|l| ValidRequest::from_text(l, limits).map_err(|e| format!("{e:?}")))
                .collect::<Result<_, _>>()?;
            for r in &valid {
                n += pack
                    .screen(r, r.received())
                    .map_err(|e| e.to_string())?
                    .findings
                    .len();
            }
        }
        _ => return Err(USAGE.to_string()),
    }
    Ok(n)
}
