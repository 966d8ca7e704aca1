//! # tcscreen-server
//!
//! `tcscreen serve`: the JSON API (`/v1/…`, described by `GET /v1/openapi.json` and
//! `docs/api.md`) and the web page for the people of a coordination unit (Screen, History,
//! Portfolio, Packs), over the service layer (`tcscreen-service`) that the command line uses
//! too, so that both give byte-identical records.
//!
//! How a request travels: axum (on tokio) reads the body within the `--max-request-bytes`
//! limit, the screening is queued on the [`tcscreen_service::Screener`]'s threads (a full queue
//! answers 503 with `Retry-After`), and the outcome comes back on a oneshot channel; nothing
//! that evaluates rules runs on a tokio thread. Every append to the register goes through one
//! writer thread ([`tcscreen_service::register_writer::RegisterWriter`]). A reload
//! (`POST /v1/reload`, SIGHUP) checks the new packs before it swaps them in. Ctrl-C or SIGTERM
//! stops accepting connections and lets requests in flight finish.
//!
//! Modules: [`config`] (what `serve` is given), [`app`] (the router and shared state),
//! [`problem`] (errors as JSON with the CLI's problem codes), [`api`] (the JSON endpoints),
//! [`security`] (loopback, token, origin checks and headers), [`web`] (the pages), [`run`]
//! (the runtime, signals and shutdown).

#![deny(missing_docs)]

pub mod api;
pub mod app;
pub mod body;
pub mod config;
pub mod problem;
pub mod run;
pub mod screening;
pub mod security;
pub mod web;

pub use app::{AppState, router};
pub use config::Config;
pub use run::{Server, serve};
