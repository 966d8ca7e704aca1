//! Findings and the decision (spec §5): what a rule records (`finding.rs`) and how findings
//! combine into a decision, overall and per criterion (`aggregation.rs`).

pub mod aggregation;
pub(crate) mod finding;
