//! The hardened Rhai engine every rule is compiled and run on.
//!
//! Starts from `Engine::new_raw` (no file resolver, no stdout, no packages) and adds only pure
//! packages: no time package, `sleep` shadowed, `eval` disabled, strict variables, no shadowing
//! (refused when compiling; `compile` turns Rhai's run-time repeat of that check off once the
//! pack is compiled), missing properties are errors, every limit set explicitly. Optimisation is off: the `Simple`
//! optimiser folds constants (freezing placeholders) and panics on assignment to a constant map
//! in Rhai 1.27; at `None` both are clean errors and speed is the same within noise.
//! Options apply when compiling, so the same builder is used for compiling and running, and
//! no AST compiled elsewhere is ever run.

use std::cell::{Cell, RefCell};
use std::time::Instant;

use rhai::packages::{
    BasicArrayPackage, BasicMapPackage, BasicMathPackage, CorePackage, LogicPackage,
    MoreStringPackage, Package,
};
use rhai::{Dynamic, Engine, OptimizationLevel, Shared};

use crate::engine::authors_api;
use crate::engine::sandbox_limits::EngineLimits;

thread_local! {
    /// Packages are built once per thread and shared by every engine on it.
    static PACKAGES: Vec<Shared<rhai::Module>> = vec![
        CorePackage::new().as_shared_module(),
        LogicPackage::new().as_shared_module(),
        BasicMathPackage::new().as_shared_module(),
        BasicArrayPackage::new().as_shared_module(),
        BasicMapPackage::new().as_shared_module(),
        MoreStringPackage::new().as_shared_module(),
    ];
    static GUARD: Cell<Option<Guard>> = const { Cell::new(None) };
    static STOPPED: RefCell<Option<SafetyStop>> = const { RefCell::new(None) };
    static CONTAINED: Cell<bool> = const { Cell::new(false) };
}

/// The token an `on_progress` stop carries, to tell it apart from a script's own errors.
pub(crate) const SAFETY_STOP_TOKEN: &str = "tcscreen-safety-stop";

/// Why a safety net stopped a rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SafetyStop {
    /// The rule ran longer than the wall-clock limit.
    WallClock,
    /// The request's rules together ran longer than the request's wall-clock limit.
    RequestWallClock,
    /// The rule held more memory than the memory limit.
    Memory,
}

impl SafetyStop {
    /// What the stopped code did, as the predicate of a sentence whose subject is the code.
    pub fn what_happened(self) -> &'static str {
        match self {
            SafetyStop::WallClock => "ran past the wall-clock safety limit",
            SafetyStop::RequestWallClock => {
                "ran when the request's rules had used up their wall-clock safety limit together"
            }
            SafetyStop::Memory => "held more memory than the safety limit",
        }
    }
}

#[derive(Clone, Copy)]
struct Guard {
    /// `None` without a clock (no wall-clock stop).
    deadline: Option<Instant>,
    /// The deadline is the request's, not the rule's.
    request_deadline: bool,
    memory_start: usize,
    limits: EngineLimits,
}

/// Build the engine with every restriction and the authors' API.
pub(crate) fn engine(limits: &EngineLimits) -> Engine {
    let mut engine = Engine::new_raw();
    PACKAGES.with(|packages| {
        for package in packages {
            engine.register_global_module(package.clone());
        }
    });
    engine.disable_symbol("eval");
    engine.set_strict_variables(true);
    engine.set_allow_shadowing(false);
    engine.set_fail_on_invalid_map_property(true);
    engine.set_optimization_level(OptimizationLevel::None);
    engine.set_max_operations(limits.max_operations);
    engine.set_max_call_levels(limits.max_call_levels);
    engine.set_max_expr_depths(limits.max_expr_depth, limits.max_function_expr_depth);
    engine.set_max_string_size(limits.max_string_bytes);
    engine.set_max_array_size(limits.max_array_items);
    engine.set_max_map_size(limits.max_map_entries);
    engine.set_max_variables(limits.max_variables);
    engine.set_max_functions(limits.max_functions);
    engine.set_max_modules(limits.max_modules);
    engine.set_module_resolver(rhai::module_resolvers::DummyModuleResolver::new());
    engine.on_print(authors_api::capture_output);
    engine.on_debug(|text, _source, _pos| authors_api::capture_output(text));
    engine.on_progress(progress);
    authors_api::register(&mut engine);
    crate::engine::comparison::register(&mut engine);
    engine
}

fn progress(operations: u64) -> Option<Dynamic> {
    if crate::engine::growth::spent(operations) {
        return Some(Dynamic::from(crate::engine::growth::BUDGET_TOKEN));
    }
    // Memory is read often (one operation can copy a large value); the clock less often.
    if !operations.is_multiple_of(16) {
        return None;
    }
    let guard = GUARD.with(Cell::get)?;
    let past_deadline = |deadline: Instant| guard.limits.clock.is_some_and(|now| now() > deadline);
    let stop = if operations.is_multiple_of(1024) && guard.deadline.is_some_and(past_deadline) {
        Some(if guard.request_deadline {
            SafetyStop::RequestWallClock
        } else {
            SafetyStop::WallClock
        })
    } else {
        guard
            .limits
            .memory_gauge
            // Counters wrap; a signed difference tells growth from memory freed during the rule.
            .filter(|gauge| {
                gauge().wrapping_sub(guard.memory_start) as isize
                    > guard.limits.max_memory_bytes as isize
            })
            .map(|_| SafetyStop::Memory)
    };
    stop.map(|reason| {
        STOPPED.with(|s| *s.borrow_mut() = Some(reason));
        Dynamic::from(SAFETY_STOP_TOKEN)
    })
}

/// Runs `f` with the safety nets armed and panics contained; returns what it returned, or
/// `Err(())` if it panicked. The panic hook of an embedder can consult [`panic_is_contained`]
/// to stay quiet about panics that are reported as rule errors instead.
///
/// The wall-clock stop is at `limits.max_wall_time` from now, or at `request_deadline` (the
/// end of the request's time) if that comes first; there is none without `limits.clock`.
pub(crate) fn guarded<R>(
    limits: &EngineLimits,
    request_deadline: Option<Instant>,
    f: impl FnOnce() -> R,
) -> Result<R, ()> {
    let memory_start = limits.memory_gauge.map_or(0, |gauge| gauge());
    let rule_deadline = limits.clock.map(|now| now() + limits.max_wall_time);
    let (deadline, request_deadline) = match (request_deadline, rule_deadline) {
        (Some(end), Some(rule_end)) if end < rule_end => (Some(end), true),
        _ => (rule_deadline, false),
    };
    GUARD.with(|g| {
        g.set(Some(Guard {
            deadline,
            request_deadline,
            memory_start,
            limits: *limits,
        }))
    });
    STOPPED.with(|s| *s.borrow_mut() = None);
    crate::engine::growth::start(limits.max_operations);
    let was_contained = CONTAINED.with(|c| c.replace(true));
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
    CONTAINED.with(|c| c.set(was_contained));
    GUARD.with(|g| g.set(None));
    result.map_err(|_| ())
}

/// The safety stop that ended the last guarded run, if any.
pub(crate) fn take_safety_stop() -> Option<SafetyStop> {
    STOPPED.with(|s| s.borrow_mut().take())
}

/// Whether a panic on this thread now would be caught and reported as a rule error. For panic
/// hooks: `std::panic::set_hook` can skip printing such panics.
pub fn panic_is_contained() -> bool {
    CONTAINED.with(Cell::get)
}
