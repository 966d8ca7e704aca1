//! # tcscreen-bench
//!
//! Measurement and robustness tooling for tcscreen (test and bench code only, not published):
//!
//! - [`children`]: CPU time and peak memory of the child processes a benchmark ran, and the
//!   workspace root they run in;
//! - [`corpus`]: a seeded, deterministic generator of realistic requests of every shape the
//!   schema allows (binary `corpus`);
//! - [`typed`]: the request as typed serde structs, the parse floor;
//! - [`reference`]: 29 rules of the `base` pack in plain Rust, for the differential test
//!   (`tests/differential.rs`) and the benchmarks (`benches/screening.rs`);
//! - [`packs`]: helpers that build the packs the tests and benchmarks screen with;
//! - [`iati_file`]: a generated IATI file of any size, for the import benchmark (binary
//!   `iati_bench`).
//!
//! See `docs/performance.md` for the figures and how to reproduce them.

#![deny(missing_docs)]

pub mod children;
pub mod corpus;
pub mod iati_file;
pub mod packs;
pub mod reference;
pub mod typed;
