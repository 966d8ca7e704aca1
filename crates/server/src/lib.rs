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
//! Modules, each using only those listed before it: [`problem`] (errors as JSON with the
//! CLI's problem codes), [`pace`] (a request body held to a minimum rate), [`connections`]
//! (the accept loop: a cap on connections, a reserve for the health checks, header timeouts),
//! [`config`] (what `serve` is given), [`body`] (reading a body within its limit), [`security`]
//! (the security policy: host names, origins, headers), [`throttle`] (failed sign-ins and
//! tokens counted per account and address), [`sessions`] (the sessions of people signed in),
//! [`identity`] (who acts on a request, and the permission each route needs), [`access`] (the
//! access mode, accounts, tokens, form tokens and the sign-in log), [`portfolio`] (a screened
//! portfolio, its counts and CSV), [`pack_facts`] (what a recorded screening's pack tells a
//! page), [`state`] (what every handler shares), [`upload`] (a
//! portfolio upload read as it arrives), [`screening`] (screening one request and appending it
//! to the register), [`register`] (the cases, a case's entries opened from the register, and recording a
//! person's decision), [`case_params`] (the query of the list of cases),
//! [`replay`] (replaying a body of records, bounded and streamed), [`request_form`] (the
//! request form's fields and the request they describe), [`openapi`] (the description served,
//! with the request schema as a component), [`words`] (an officer's words for
//! fields, values and problems), [`api`] (the JSON endpoints) and [`api_cases`] (the list of cases), [`web`]
//! (the pages), [`guard`] (the checks and headers of every request), [`routes`] (the router),
//! [`run`] (the runtime, signals and shutdown).

#![deny(missing_docs)]

pub mod access;
pub mod api;
pub mod api_cases;
pub mod body;
pub mod case_params;
pub mod config;
pub mod connections;
pub mod guard;
pub mod iati;
pub mod identity;
pub mod openapi;
pub mod pace;
pub mod pack_facts;
pub mod portfolio;
pub mod problem;
pub mod register;
pub mod replay;
pub mod request_form;
pub mod routes;
pub mod run;
pub mod screening;
pub mod security;
pub mod sessions;
pub mod state;
pub mod throttle;
pub mod upload;
pub mod web;
pub mod words;

pub use config::Config;
pub use routes::router;
pub use run::{Server, serve};
pub use state::AppState;
