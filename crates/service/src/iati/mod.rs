//! IATI in: published activity data (IATI XML, versions 1.01 to 2.03) turned into draft
//! requests, for `tcscreen import iati`, for screening `.xml` files, and for the server's
//! batch endpoint and Portfolio page. The stages, one module each:
//!
//! - [`splitter`]: quick-xml as a pull parser cuts the file into activities (any size, memory
//!   bounded by the largest activity; a DTD refused), over [`tally`], which knows lines and
//!   columns;
//! - [`activity`]: roxmltree reads one activity's IATI facts, in 2.03 codes ([`codelist`]);
//! - [`gate`]: the TC gate (what is technical co-operation, what to flag);
//! - [`amounts`] and [`mapping`]: the draft request for each recipient country;
//! - [`importer`]: the whole file, with what was left out and why, and the counts;
//! - [`attach`]: a published record added to a requester's own request;
//! - [`inputs`]: drafts as requests to screen.
//!
//! docs/iati.md describes the mapping field by field.

pub mod activity;
pub mod amounts;
pub mod attach;
pub mod codelist;
pub mod files;
pub mod folder;
pub mod gate;
pub mod importer;
pub mod inputs;
pub mod mapping;
pub mod pretty;
pub mod problem;
pub mod splitter;
pub mod tally;

pub use importer::{Draft, ImportCounts, Imported, Importer, SkipReason, Skipped};
pub use mapping::ImportOptions;
pub use problem::ImportProblem;
