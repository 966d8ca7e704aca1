//! # tcscreen-service
//!
//! The application layer that the command line and the HTTP server share. It owns what the
//! engine (`tcscreen-core`, no I/O) must not do: files, folders, JSON Lines and stdin as
//! inputs; the packs in force (`tcscreen-packs`) and their trusted keys; a pool of screening
//! threads ([`Screener`]) and the batch pipeline over it; the per-record effects of a batch
//! ([`sink::RecordSink`]): counts, `--fail-on`, the register, traces and the output; the
//! register itself; and the renderers of records and problems for people.
//!
//! Screening one request:
//!
//! ```no_run
//! use std::sync::Arc;
//! use tcscreen_service::{ScreenResult, Packs, PoolSize, ScreenOptions, Screener, Location};
//!
//! let packs = Packs::discover("rules".as_ref()).expect("a rules folder");
//! let screener = Screener::start(packs, PoolSize::threads(2)).expect("threads");
//! let body = std::fs::read_to_string("request.json").unwrap();
//! let options = Arc::new(ScreenOptions::default());
//! match screener.screen_text(body, Location::file("request.json"), options).unwrap() {
//!     // `--format json` prints the canonical record and a newline.
//!     ScreenResult::Screened(screened) => println!("{}", screened.canonical),
//!     ScreenResult::NotScreened(not) => {
//!         let problems = not.diagnostics(screener.packs().catalog(), &mut Default::default());
//!         eprintln!("{} problems", problems.len());
//!     }
//! }
//! ```

#![deny(missing_docs)]

pub mod case_library;
pub mod case_list;
pub mod compare;
pub mod decisions;
pub mod escape;
pub mod iati;
pub mod impact;
pub mod inputs;
pub mod item;
pub mod listing;
pub mod memory;
pub mod output;
pub mod pack_check;
pub mod pack_tests;
pub mod packs;
pub mod pipeline;
mod plural;
pub mod problems;
pub mod records;
pub mod register;
pub mod register_file;
pub mod register_index;
pub mod register_repair;
pub mod register_scan;
pub mod register_writer;
pub mod render;
pub mod replay;
pub mod screener;
pub mod settings;
pub mod sink;
pub mod strength;
pub mod thread_screener;
pub mod users;
pub mod validate;
pub mod word_diff;
pub mod writer;

pub use inputs::{Inputs, Item, Location};
pub use packs::{PackChoice, Packs};
pub use pipeline::{BatchEnd, Prepare, run_batch, screen_batch, screen_batch_prepared};
pub use plural::plural;
pub use screener::{Busy, PoolSize, Screener, Stopped};
pub use settings::{ScreenSettings, SetupProblem};
pub use thread_screener::{
    NotScreened, PackNote, Problem, ScreenOptions, ScreenResult, Screened, ThreadScreener,
};
pub use writer::{RecordFormat, RecordWriter};
