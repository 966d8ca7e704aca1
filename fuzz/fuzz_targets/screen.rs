//! An arbitrary script screened against an arbitrary request under the sandbox: compiling a
//! one-rule pack and screening ends in a pack error, a record (with findings or rule errors)
//! or an engine safety stop; never a panic, a hang or an abort.
//!
//! Input: the rule's text, then a NUL byte, then the request (the shipped fixture
//! `kh-mrd-2025-031` when there is no NUL or the request is invalid). Front matter is added
//! unless the script has its own `//! criterion:` line.

#![no_main]

use std::collections::BTreeMap;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::sync::{Mutex, OnceLock};

use libfuzzer_sys::fuzz_target;
use tcscreen_core::json::JsonLimits;
use tcscreen_core::{
    CompiledPack, DecisionRecord, EVAL_STACK_BYTES, EngineLimits, PackFile, PackIdentity,
    PackLayer, RequestLimits, ResolvedPack, ValidRequest, Value, decode_text,
};

const FIXTURE: &str =
    include_str!("../../fixtures/requests/kh/kh-mrd-2025-031-rural-roads-piu.json");

fn fixture() -> &'static ValidRequest {
    static REQUEST: OnceLock<ValidRequest> = OnceLock::new();
    REQUEST.get_or_init(|| {
        ValidRequest::from_text(FIXTURE, &RequestLimits::default()).expect("the fixture is valid")
    })
}

fn pack(script: &str) -> ResolvedPack {
    let text = if script.contains("//! criterion:") {
        script.to_string()
    } else {
        format!("//! title: Fuzzed rule\n//! criterion: exit\n{script}\n")
    };
    let params: BTreeMap<String, Value> = [
        ("limit".to_string(), Value::Int(12)),
        (
            "share".to_string(),
            Value::Decimal("0.15".parse().expect("decimal")),
        ),
        ("since".to_string(), Value::Str("2010-01-01".into())),
        (
            "list".to_string(),
            Value::Array(vec![Value::Str("a".into()), Value::Int(2)]),
        ),
    ]
    .into_iter()
    .collect();
    let data: BTreeMap<String, Value> = [(
        "kinds".to_string(),
        Value::Map(
            [("line_ministry".to_string(), Value::Str("government".into()))]
                .into_iter()
                .collect(),
        ),
    )]
    .into_iter()
    .collect();
    ResolvedPack {
        identity: PackIdentity {
            id: "fuzz".into(),
            version: "1".into(),
            sha256: "0".repeat(64),
        },
        chain: vec![],
        layers: vec![PackLayer {
            id: "fuzz".into(),
            manifest: "fuzz/pack.toml".into(),
            manifest_text: String::new(),
            rules: vec![PackFile {
                path: "rules/F-01.rhai".into(),
                display: "fuzz/rules/F-01.rhai".into(),
                text,
            }],
            libs: vec![],
            params,
            param_positions: Default::default(),
            data,
            data_files: Default::default(),
            settings: vec![],
        }],
    }
}

/// Screen one input: compile the one-rule pack and screen the request.
fn run(data: &[u8]) {
    let (script, request) = match data.iter().position(|&b| b == 0) {
        Some(i) => (&data[..i], Some(&data[i + 1..])),
        None => (data, None),
    };
    let Ok(script) = std::str::from_utf8(script) else {
        return;
    };
    let request = request
        .and_then(|bytes| decode_text(bytes).ok())
        .and_then(|text| ValidRequest::from_text(text, &RequestLimits::default()).ok());
    let request = request.as_ref().unwrap_or_else(|| fixture());
    let resolved = pack(script);
    // The wall-clock safety stop, as the service arms it (core reads no clock of its own).
    let limits = EngineLimits {
        clock: Some(std::time::Instant::now),
        ..EngineLimits::default()
    };
    let Ok(pack) = CompiledPack::compile(&resolved, &limits) else {
        return;
    };
    let as_of = request.received();
    // A safety stop (wall clock) is an engine stop, not a crash.
    if let Ok(screening) = pack.screen(request, as_of) {
        let record = DecisionRecord::new(request, &pack, as_of, &screening);
        let text = record.to_canonical();
        let limits = JsonLimits {
            max_depth: 64,
            max_values: usize::MAX,
        };
        tcscreen_core::json::parse(&text, limits).expect("a record is JSON");
    }
}

/// One long-lived thread with the evaluation stack the CLI gives rules (`EVAL_STACK_BYTES`),
/// like `on_eval_stack` but without starting a thread per input. A panic on it aborts the
/// process through libFuzzer's panic hook, which is what a crash should do.
fn worker() -> &'static Mutex<(SyncSender<Vec<u8>>, Receiver<()>)> {
    static WORKER: OnceLock<Mutex<(SyncSender<Vec<u8>>, Receiver<()>)>> = OnceLock::new();
    WORKER.get_or_init(|| {
        let (job_tx, job_rx) = sync_channel::<Vec<u8>>(0);
        let (done_tx, done_rx) = sync_channel::<()>(0);
        std::thread::Builder::new()
            .stack_size(EVAL_STACK_BYTES)
            .spawn(move || {
                while let Ok(data) = job_rx.recv() {
                    run(&data);
                    if done_tx.send(()).is_err() {
                        break;
                    }
                }
            })
            .expect("an evaluation thread");
        Mutex::new((job_tx, done_rx))
    })
}

fuzz_target!(|data: &[u8]| {
    let channels = worker().lock().expect("not poisoned");
    channels.0.send(data.to_vec()).expect("the worker is alive");
    channels.1.recv().expect("the worker finished the input");
});
