//! Every bound on a rule, set explicitly so that debug and release builds behave the same.
//!
//! The operation budget is the only limit that decides: breaching it (or a size or depth limit,
//! or the bytes of findings or printed output of a request) is a rule error in the record. The
//! wall-clock and memory stops are safety nets for single operations that are slow or large
//! (sorting a big array, copying the request); tripping one is an engine stop, never a
//! decision, because it depends on the machine.

use std::time::{Duration, Instant};

/// Stack size for threads that compile or evaluate rules. Deep recursion in a rule must end in
/// Rhai's "stack overflow" error well before the thread's stack is exhausted; this is ample
/// for `max_call_levels` = 32 even in unoptimised builds (see the hostile-pack tests).
pub const EVAL_STACK_BYTES: usize = 64 * 1024 * 1024;

/// Reads how many bytes the current thread has allocated and not yet freed. An embedder with a
/// counting allocator can supply one to bound a rule's memory (the CLI does).
pub type MemoryGauge = fn() -> usize;

/// Reads a monotonic clock. An embedder supplies one to arm the wall-clock safety stops (the
/// service supplies `Instant::now`); core itself never reads a clock.
pub type Clock = fn() -> Instant;

/// Bounds on one rule evaluation.
#[derive(Clone, Copy, Debug)]
pub struct EngineLimits {
    /// Rhai operations per rule evaluation (the deterministic budget).
    pub max_operations: u64,
    /// Nested function calls.
    pub max_call_levels: usize,
    /// Expression nesting at the top level of a script.
    pub max_expr_depth: usize,
    /// Expression nesting inside functions.
    pub max_function_expr_depth: usize,
    /// Bytes of string data in one value (strings inside arrays and maps add up).
    pub max_string_bytes: usize,
    /// Array items in one value (nested arrays add up).
    pub max_array_items: usize,
    /// Map entries in one value (nested maps add up).
    pub max_map_entries: usize,
    /// Variables alive at once.
    pub max_variables: usize,
    /// Functions defined in one script.
    pub max_functions: usize,
    /// Modules imported in one evaluation.
    pub max_modules: usize,
    /// Bytes of text in the findings of one request (messages and field paths, of the rules
    /// that did not fail): past it, the rule recording is a rule error.
    pub max_findings_bytes: usize,
    /// Bytes a request's rules may print with `print` and `debug` (counted whether or not it
    /// is kept; it is kept only for a trace): past it, the printing rule is a rule error.
    pub max_output_bytes: usize,
    /// Safety stop: wall-clock time for one rule (an engine stop, not a decision), measured
    /// by `clock`.
    pub max_wall_time: Duration,
    /// Safety stop: wall-clock time for all the rules of one request together, measured by
    /// `clock`.
    pub max_request_wall_time: Duration,
    /// How to read the time; without one there is no wall-clock stop.
    pub clock: Option<Clock>,
    /// Safety stop: bytes a rule may hold at once, measured by `memory_gauge`.
    pub max_memory_bytes: usize,
    /// How to measure memory; without one there is no memory stop.
    pub memory_gauge: Option<MemoryGauge>,
}

impl Default for EngineLimits {
    fn default() -> Self {
        EngineLimits {
            max_operations: 1_000_000,
            max_call_levels: 32,
            max_expr_depth: 64,
            max_function_expr_depth: 32,
            // The largest valid request (4 MiB of text, 100,000 JSON values) fits in each of
            // these once normalised, so `let r = request;` works on it: strings add up to at
            // most the text size; arrays to at most 100,000 items; map entries to at most
            // about nine per value. See docs/record.md, "Limits".
            max_string_bytes: 4 * 1024 * 1024,
            max_array_items: 200_000,
            max_map_entries: 1_000_000,
            max_variables: 512,
            max_functions: 256,
            max_modules: 16,
            // A kh screening records about 20 KB of findings; a record stays far below these.
            max_findings_bytes: 1024 * 1024,
            max_output_bytes: 1024 * 1024,
            max_wall_time: Duration::from_secs(10),
            max_request_wall_time: Duration::from_secs(20),
            clock: None,
            max_memory_bytes: 1024 * 1024 * 1024,
            memory_gauge: None,
        }
    }
}
