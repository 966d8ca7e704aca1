//! Differential test: the Rhai rules of `rules/base` and their plain-Rust reference
//! (`tcscreen_bench::reference`) agree exactly on generated requests: the same multiset of
//! (rule, outcome, field, message) on every request.
//!
//! `TCSCREEN_DIFFERENTIAL_COUNT` sets how many requests (default 2,000, which stays fast in
//! debug builds); `TCSCREEN_DIFFERENTIAL_SEED` the corpus seed. `just differential` runs
//! 100,000 in release mode.

use std::collections::BTreeMap;

use tcscreen_bench::corpus::{self, Options};
use tcscreen_bench::reference::{self, RefFinding};
use tcscreen_bench::{packs, typed};
use tcscreen_core::{Outcome, RequestLimits, ValidRequest, on_eval_stack};

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .map(|v| v.parse().unwrap_or_else(|e| panic!("{name}={v}: {e}")))
        .unwrap_or(default)
}

type Key = (String, Outcome, Option<String>, String);

fn sorted(mut keys: Vec<Key>) -> Vec<Key> {
    keys.sort();
    keys
}

#[test]
fn rhai_rules_and_the_rust_reference_agree() {
    let count = env_u64("TCSCREEN_DIFFERENTIAL_COUNT", 2_000);
    let seed = env_u64("TCSCREEN_DIFFERENTIAL_SEED", 0x00d1_ff00);
    let (source, params) = packs::base_subset(&reference::RULES);
    let report = on_eval_stack(move || {
        let pack = packs::compile(&source);
        assert_eq!(pack.rules().len(), reference::RULES.len());
        // The reference runs each rule from the date of its first source, as the engine does.
        for rule in pack.rules() {
            let id = rule.id.trim_start_matches("base/");
            let table = reference::IN_FORCE_FROM
                .iter()
                .find(|(r, _)| *r == id)
                .and_then(|(_, from)| *from)
                .map(str::to_string);
            assert_eq!(
                table,
                rule.in_force_from().map(|d| d.to_string()),
                "IN_FORCE_FROM for {id}"
            );
        }
        let limits = RequestLimits::default();
        let options = Options::default();
        let mut fired: BTreeMap<String, u64> = BTreeMap::new();
        let mut silent_requests = 0u64;
        let mut findings = 0u64;
        let mut mismatches = Vec::new();
        let mut ours = Vec::new();
        for i in 0..count {
            let line = corpus::request_line(seed, i, &options);
            let request = ValidRequest::from_text(&line, &limits)
                .unwrap_or_else(|e| panic!("request {i} is invalid: {e:?}"));
            let screening = pack
                .screen(&request, request.received())
                .unwrap_or_else(|stop| panic!("request {i}: {stop}"));
            assert!(
                screening.errors.is_empty(),
                "request {i}: rule errors {:#?}\n{line}",
                screening.errors
            );
            let rhai: Vec<Key> = screening
                .findings
                .iter()
                .map(|f| {
                    (
                        f.rule.clone(),
                        f.outcome,
                        f.field.clone(),
                        f.message.clone(),
                    )
                })
                .collect();

            let typed = typed::Request::from_text(&line)
                .unwrap_or_else(|e| panic!("request {i}: typed parse: {e}"));
            ours.clear();
            reference::screen(&typed, &params, request.received(), &mut ours);
            let rust: Vec<Key> = ours
                .iter()
                .map(|f: &RefFinding| {
                    (
                        f.rule.to_string(),
                        f.outcome,
                        f.field.clone(),
                        f.message.clone(),
                    )
                })
                .collect();

            findings += rhai.len() as u64;
            if rhai.is_empty() {
                silent_requests += 1;
            }
            for key in &rhai {
                *fired.entry(key.0.clone()).or_default() += 1;
            }
            let (rhai, rust) = (sorted(rhai), sorted(rust));
            if rhai != rust && mismatches.len() < 5 {
                let only_rhai: Vec<&Key> = rhai.iter().filter(|k| !rust.contains(k)).collect();
                let only_rust: Vec<&Key> = rust.iter().filter(|k| !rhai.contains(k)).collect();
                mismatches.push(format!(
                    "request {i} (seed {seed}):\n  only in Rhai: {only_rhai:#?}\n  only in Rust: {only_rust:#?}\n  request: {line}"
                ));
            } else if rhai != rust {
                mismatches.push(String::new());
            }
        }
        (fired, silent_requests, findings, mismatches)
    });
    let (fired, silent_requests, findings, mismatches) = report;
    eprintln!(
        "differential: {count} requests (seed {seed}), {} rules, {findings} findings, {silent_requests} requests with none, {} mismatches",
        reference::RULES.len(),
        mismatches.len()
    );
    for (rule, n) in &fired {
        eprintln!("  {rule}: {n}");
    }
    if !mismatches.is_empty() {
        let shown: Vec<&String> = mismatches.iter().filter(|m| !m.is_empty()).collect();
        panic!(
            "{} of {count} requests differ; the first {}:\n{}",
            mismatches.len(),
            shown.len(),
            shown
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join("\n")
        );
    }
    // The corpus must exercise every rule, or agreement would prove little.
    if count >= 2_000 {
        for rule in reference::RULES {
            let id = format!("base/{rule}");
            assert!(fired.get(&id).copied().unwrap_or(0) > 0, "{id} never fired");
        }
    }
}
