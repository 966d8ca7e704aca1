//! # tcscreen-core
//!
//! The screening engine for technical co-operation requests: the request model and its
//! validation, the sandboxed Rhai engine with the rule authors' API, evaluation of a compiled
//! pack, and the decision record in canonical JSON. It does no I/O (no files, no stdout, no
//! environment): text and values in, values out, so it can be embedded in a server.
//!
//! The building blocks every part uses are at the root: [`json`], [`number`], [`canonical`],
//! [`date`], [`hash`], [`text`], [`lookalike`], [`suggest`] and [`advice`]. The parts are
//! folders, each using only those listed before it: [`diagnostics`] (problem codes and
//! located problems), [`request`] (reading and validating a request, its schema), [`decision`]
//! (findings and how they combine), `engine` (the sandboxed Rhai engine and the rule authors'
//! API), [`pack`] (a pack given as text, and compiling it), [`screening`] (running a pack's
//! rules on a request), [`record`] (the decision record, and replay) and [`lint`] (the static
//! checks of `tcscreen check`).
//!
//! ```
//! use tcscreen_core::{CompiledPack, EngineLimits, PackIdentity, PackLayer, ResolvedPack,
//!                    RequestLimits, PackFile, ValidRequest, DecisionRecord};
//!
//! let rule = "//! title: Terms of reference are the partner's\n\
//!             //! criterion: demand_led\n\
//!             if request.origin.tor.drafted_by == \"provider\" {\n\
//!                 revise(\"Have the partner draft or approve the ToR.\", \"origin.tor.drafted_by\");\n\
//!             }";
//! let resolved = ResolvedPack {
//!     identity: PackIdentity { id: "demo".into(), version: "1".into(), sha256: "…".into() },
//!     chain: vec![],
//!     layers: vec![PackLayer {
//!         id: "demo".into(),
//!         manifest: "demo/pack.toml".into(),
//!         rules: vec![PackFile { path: "rules/DL-03.rhai".into(), display: "DL-03.rhai".into(), text: rule.into() }],
//!         ..PackLayer::default()
//!     }],
//! };
//! let pack = CompiledPack::compile(&resolved, &EngineLimits::default()).expect("compiles");
//! let request = ValidRequest::from_text(
//!     r#"{"id": "R1", "country": "KH", "title": "Advisers", "received": "2025-03-04",
//!         "origin": {"tor": {"drafted_by": "provider"}}}"#,
//!     &RequestLimits::default(),
//! ).expect("valid");
//! // Evaluate on a thread with a large stack (see EVAL_STACK_BYTES); doctests have one.
//! let screening = pack.screen(&request, request.received()).expect("no engine stop");
//! let record = DecisionRecord::new(&request, &pack, request.received(), &screening);
//! assert_eq!(record.decision.map(|d| d.as_str()), Some("revise"));
//! assert!(record.to_canonical().starts_with(r#"{"as_of":"2025-03-04","criteria":{"#));
//! ```

#![deny(missing_docs)]

#[cfg(panic = "abort")]
compile_error!("tcscreen-core contains panics inside rule evaluation and needs panic = \"unwind\"");

pub mod advice;
pub mod canonical;
pub mod date;
pub mod hash;
pub mod json;
pub mod lookalike;
pub mod number;
pub mod suggest;
pub mod text;

pub mod decision;
pub mod diagnostics;
mod engine;
pub mod lint;
pub mod pack;
pub mod record;
pub mod request;
pub mod screening;

pub use date::Date;
pub use decision::aggregation::Decision;
pub use decision::finding::{Actor, Criterion, Finding, Outcome, RuleError};
pub use diagnostics::codes::{Code, Severity};
pub use diagnostics::diagnostic::{Diagnostic, EXCERPT_CONTEXT_CHARS, Excerpt, attach_excerpts};
pub use engine::authors_api::{GLOBALS, RESERVED_NAMES, signatures as authors_api_signatures};
pub use engine::sandbox::{SafetyStop, panic_is_contained};
pub use engine::sandbox_limits::{Clock, EVAL_STACK_BYTES, EngineLimits, MemoryGauge};
pub use engine::value::Value;
pub use json::{Json, JsonValue, Pos};
pub use lint::cache::LintCache;
pub use pack::compile::{CompiledPack, CompiledRule, UnidentifiedPack};
pub use pack::layer_cache::LayerCache;
pub use pack::resolved::{PackFile, PackIdentity, PackLayer, ResolvedPack};
pub use pack::rule_settings::{RuleSettings, RuleSettingsEntry};
pub use record::decision_record::{
    DECISION_SCHEMA, DecisionRecord, ENGINE_NAME, ENGINE_VERSION, RuleNotInForce,
};
pub use request::validate::{InputError, RequestLimits, ValidRequest, decode_text};
pub use screening::period::PackInForce;
pub use screening::screen::{EngineStop, PANIC_MESSAGE, RuleOutput, Screening};

/// Run `f` on a new thread with a stack of [`EVAL_STACK_BYTES`], for embedders whose threads
/// have small stacks. Deep recursion in a rule then ends in a rule error, never a crash.
pub fn on_eval_stack<R: Send>(f: impl FnOnce() -> R + Send) -> R {
    std::thread::scope(|scope| {
        match std::thread::Builder::new()
            .stack_size(EVAL_STACK_BYTES)
            .spawn_scoped(scope, f)
        {
            Ok(handle) => match handle.join() {
                Ok(value) => value,
                Err(panic) => std::panic::resume_unwind(panic),
            },
            Err(e) => panic!("cannot start an evaluation thread: {e}"),
        }
    })
}
