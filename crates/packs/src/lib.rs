//! # tcscreen-packs
//!
//! Rule packs on disk (spec §3 and §6): discovery under a rules root, `pack.toml` manifests,
//! `extends` linearised with cycles detected, params, `data/*.json` tables, `lib/` modules,
//! rule settings (overrides and disabling), versions sharing an id, the pack digest, selection
//! by country and validity, and pack test cases. Everything that touches the file system for
//! packs lives here; the engine in `tcscreen-core` receives text.

#![deny(missing_docs)]

pub mod bounds;
mod cache;
mod catalog;
mod digest;
mod entry;
mod files;
pub mod manifest;
pub mod read;
mod resolve;
pub mod selection;
pub mod signature;
pub mod testing;

pub use catalog::Catalog;
pub use digest::digest;
pub use entry::{PackEntry, display_join};
pub use files::{PackFiles, read_pack};
pub use manifest::Manifest;
pub use selection::{PackChoice, PackSpec};
