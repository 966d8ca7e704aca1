//! The size checks and copies of a rule are paid for from its operation budget. With size
//! limits set, Rhai checks a value's size after every method that may change it and after
//! every assignment into it, by walking the whole value, and copies arrays and maps whole when
//! a variable is read: growing an array or a map one item at a time (`push`, `+=`,
//! `a = a + [x]`, `m[k] = v`) costs time quadratic in its size within a linear number of
//! operations, and the wall-clock safety net, which depends on the machine, would decide. Our
//! Rhai counts the values those walks and copies visit (`rhai::values_walked`,
//! vendor/rhai/PATCHES.md), and a rule is charged one operation per [`VALUES_PER_OPERATION`]
//! of them: the budget, a count that is the same on every machine, ends such a loop long
//! before any clock could, and values of the usual size cost almost nothing more.
//!
//! The rate is set so that the largest valid request still screens with every shipped pack
//! (`base/DQ-02`, which builds maps of identifiers key by key, needs about a third of its
//! budget there) while the most a budget can buy stays well under the wall-clock net.

use std::cell::Cell;

/// Values (array items and map entries) walked by size checks per operation charged.
pub(crate) const VALUES_PER_OPERATION: u64 = 128;

/// The token of an `on_progress` stop for the operation budget spent with charges.
pub(crate) const BUDGET_TOKEN: &str = "tcscreen-operation-budget";

thread_local! {
    /// Rhai's count of values walked when the rule running on this thread started.
    static WALKED_AT_START: Cell<u64> = const { Cell::new(0) };
    /// The rule's operation budget.
    static BUDGET: Cell<u64> = const { Cell::new(u64::MAX) };
}

/// A rule starts on this thread with `budget` operations.
pub(crate) fn start(budget: u64) {
    WALKED_AT_START.with(|w| w.set(rhai::values_walked()));
    BUDGET.with(|b| b.set(budget));
}

/// Operations charged so far to the rule running on this thread for its size checks.
pub(crate) fn charged() -> u64 {
    let walked = rhai::values_walked().wrapping_sub(WALKED_AT_START.with(Cell::get));
    walked / VALUES_PER_OPERATION
}

/// Rhai has counted `operations`: whether they and the charges together have spent the budget.
pub(crate) fn spent(operations: u64) -> bool {
    operations.saturating_add(charged()) > BUDGET.with(Cell::get)
}
