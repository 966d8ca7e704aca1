//! Growing an array costs operations in proportion to its size. Rhai 1.27 checks the size
//! limits of a value after every method that takes it by reference, by walking the whole
//! value, so pushing items one at a time onto an array of n items walks n items each time: a
//! loop of 150,000 pushes fits in the operation budget but takes minutes, and the wall-clock
//! safety net, which depends on the machine, would decide. Rhai cannot be told to count
//! sizes incrementally, so the cost of that walk is charged to the rule's operation budget
//! instead: `push` and `append` on an array charge one operation per
//! [`ITEMS_PER_OPERATION`] items the check walks. Then the operation budget, a count that is
//! the same on every machine, ends such a loop long before any clock could, and an array of
//! the usual size (fewer than [`ITEMS_PER_OPERATION`] items) costs nothing more.
//!
//! Not covered: `a += [x]` (Rhai's built-in operator runs before any registered function
//! while fast operators are on), `a = a + [x]`, and other methods called on a large array or
//! map in a loop (`a.len()` walks the array too); those still cost time quadratic in the
//! size within the budget. A complete fix needs Rhai to keep the size of each value.

use std::cell::Cell;

use rhai::{Array, Dynamic, Engine, EvalAltResult, FuncRegistration, Map, NativeCallContext};

/// Items of an array walked per operation charged.
pub(crate) const ITEMS_PER_OPERATION: usize = 32;

/// The token of an `on_progress` stop for the operation budget spent with charges.
pub(crate) const BUDGET_TOKEN: &str = "tcscreen-operation-budget";

thread_local! {
    /// Operations charged in the rule running on this thread, on top of Rhai's count.
    static CHARGED: Cell<u64> = const { Cell::new(0) };
    /// Rhai's operation count, as last reported to the progress callback.
    static COUNTED: Cell<u64> = const { Cell::new(0) };
    /// The rule's operation budget.
    static BUDGET: Cell<u64> = const { Cell::new(u64::MAX) };
}

/// A rule starts on this thread with `budget` operations.
pub(crate) fn start(budget: u64) {
    CHARGED.with(|c| c.set(0));
    COUNTED.with(|c| c.set(0));
    BUDGET.with(|b| b.set(budget));
}

/// Rhai has counted `operations`: whether the charges have spent the budget with them.
pub(crate) fn spent(operations: u64) -> bool {
    COUNTED.with(|c| c.set(operations));
    let charged = CHARGED.with(Cell::get);
    charged > 0 && operations.saturating_add(charged) > BUDGET.with(Cell::get)
}

/// Charge the walk of `items` items; the budget error if that spends it.
fn charge(ctx: &NativeCallContext, items: usize) -> Result<(), Box<EvalAltResult>> {
    let operations = (items / ITEMS_PER_OPERATION) as u64;
    if operations == 0 {
        return Ok(());
    }
    let charged = CHARGED.with(|c| {
        let total = c.get().saturating_add(operations);
        c.set(total);
        total
    });
    if COUNTED.with(Cell::get).saturating_add(charged) > BUDGET.with(Cell::get) {
        return Err(EvalAltResult::ErrorTooManyOperations(ctx.call_position()).into());
    }
    Ok(())
}

/// Items and entries in `value`, nested ones included, as Rhai's size check walks them.
fn walked(value: &Dynamic) -> usize {
    if value.is_array() {
        value.read_lock::<Array>().map_or(0, |a| walked_array(&a))
    } else if value.is_map() {
        value
            .read_lock::<Map>()
            .map_or(0, |m| m.values().map(|v| 1 + walked(v)).sum())
    } else {
        0
    }
}

fn walked_array(array: &Array) -> usize {
    array.iter().map(|v| 1 + walked(v)).sum()
}

/// Register `push` and `append` on arrays, each charging the size check that follows it,
/// over Rhai's own (same results). Both change their array, so they are registered as not
/// pure: Rhai refuses them on a constant (`request.tags.push(…)`), as it does its own.
pub(crate) fn register(engine: &mut Engine) {
    FuncRegistration::new("push")
        .with_purity(false)
        .register_into_engine(
            engine,
            |ctx: NativeCallContext,
             array: &mut Array,
             item: Dynamic|
             -> Result<(), Box<EvalAltResult>> {
                charge(&ctx, walked_array(array) + 1 + walked(&item))?;
                array.push(item);
                Ok(())
            },
        );
    FuncRegistration::new("append")
        .with_purity(false)
        .register_into_engine(
            engine,
            |ctx: NativeCallContext,
             array: &mut Array,
             more: Array|
             -> Result<(), Box<EvalAltResult>> {
                charge(&ctx, walked_array(array) + walked_array(&more))?;
                if !more.is_empty() {
                    if array.is_empty() {
                        *array = more;
                    } else {
                        array.extend(more);
                    }
                }
                Ok(())
            },
        );
}
