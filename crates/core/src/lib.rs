//! # tcscreen-core
//!
//! The screening engine for technical co-operation requests: the request model and its
//! validation, the sandboxed Rhai engine with the rule authors' API, evaluation of a compiled
//! pack, and the decision record in canonical JSON. It does no I/O (no files, no stdout, no
//! environment): text and values in, values out, so it can be embedded in a server.
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
mod authors_api;
pub mod canonical;
pub mod citation;
pub mod codes;
mod comparison;
mod compile;
pub mod date;
pub mod decision;
mod diagnostic;
mod expr_at;
mod finding;
mod finding_call;
pub mod frontmatter;
mod growth;
pub mod hash;
mod isolation;
pub mod json;
mod layer_cache;
pub mod lint;
mod lint_cache;
mod lint_values;
pub mod lookalike;
mod members;
pub mod normalize;
pub mod number;
pub mod period;
mod received;
mod record;
pub mod replay;
mod request;
mod rhai_error;
pub mod rule_settings;
mod sandbox;
mod sandbox_limits;
pub mod schema;
pub mod schema_labels;
mod screen;
mod source;
pub mod suggest;
pub mod text;
mod threshold_lint;
mod value;

pub use authors_api::{GLOBALS, RESERVED_NAMES, signatures as authors_api_signatures};
pub use codes::{Code, Severity};
pub use compile::{CompiledPack, CompiledRule, UnidentifiedPack};
pub use date::Date;
pub use decision::Decision;
pub use diagnostic::{Diagnostic, EXCERPT_CONTEXT_CHARS, Excerpt, attach_excerpts};
pub use finding::{Actor, Criterion, Finding, Outcome, RuleError};
pub use json::{Json, JsonValue, Pos};
pub use layer_cache::LayerCache;
pub use lint_cache::LintCache;
pub use period::PackInForce;
pub use record::{DECISION_SCHEMA, DecisionRecord, ENGINE_NAME, ENGINE_VERSION, RuleNotInForce};
pub use request::{InputError, RequestLimits, ValidRequest, decode_text};
pub use rule_settings::{RuleSettings, RuleSettingsEntry};
pub use sandbox::{SafetyStop, panic_is_contained};
pub use sandbox_limits::{Clock, EVAL_STACK_BYTES, EngineLimits, MemoryGauge};
pub use screen::{EngineStop, PANIC_MESSAGE, RuleOutput, Screening};
pub use source::{PackFile, PackIdentity, PackLayer, ResolvedPack};
pub use value::Value;

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
