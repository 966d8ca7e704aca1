//! Static checks of a compiled pack (`tcscreen check`): the lints of each rule's code and of
//! the pack as a whole (`walk.rs`), of the kinds of values (`values.rs`), of thresholds without a
//! source (`thresholds.rs`), and each rule linted once for every pack (`cache.rs`).

pub(crate) mod cache;
pub(crate) mod thresholds;
pub(crate) mod values;
mod walk;

pub use crate::lint::walk::{lint, lint_cached, rule_facts};
