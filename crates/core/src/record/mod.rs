//! The decision record (`tcscreen/decision/v1`, spec §5): the record and its canonical bytes
//! (`decision_record.rs`), its members described once for writing and reading (`members.rs`),
//! and comparing a recorded decision with a new screening (`replay.rs`).

pub(crate) mod decision_record;
pub(crate) mod members;
pub mod replay;
