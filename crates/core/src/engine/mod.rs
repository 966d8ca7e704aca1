//! The sandboxed Rhai engine rules run on: the hardened engine (`sandbox.rs`) and every bound
//! on a rule (`sandbox_limits.rs`, `growth.rs`), the rule authors' API (`authors_api.rs`, with
//! the map form of a finding in `finding_call.rs`), the values handed to rules (`value.rs`),
//! ordering a number against text (`comparison.rs`), and Rhai's errors in the author's terms
//! (`rhai_error.rs`, naming the expression with `expr_at.rs`).

pub(crate) mod authors_api;
pub(crate) mod comparison;
pub(crate) mod expr_at;
pub(crate) mod finding_call;
pub(crate) mod growth;
pub(crate) mod rhai_error;
pub(crate) mod sandbox;
pub(crate) mod sandbox_limits;
pub(crate) mod value;
