//! End-to-end tests of the `tcscreen` binary, run from the workspace root.
//!
//! - `audit`: replay, the register and its tampering, signed packs, impact, compare.
//! - `bad_input`: every kind of bad request, each contained, the rest of the batch screened.
//! - `hostile`: packs that loop, recurse, grow, escape, sleep, throw or tamper.
//! - `hardening`: the second hostile catalogue: links, named pipes, oversized files, spoofing,
//!   flooding and operator mistakes.
//! - `screen`: output formats, ordering, determinism across `--jobs`, `--out`, `--fail-on`.
//! - `serve`: the server process: the CLI's bytes, SIGTERM with a request in flight, SIGHUP.
//! - `users`: the accounts of the server: add, list, passwd, roles, token, remove; weak
//!   passwords refused; the file never holds a password or a token.
//! - `serve_under_load`: `/healthz` answered through slow clients, a flood, replays and a long
//!   chain (issue 18's done-criterion).
//! - `fixtures`: snapshots of the records of every shipped fixture and a few text outputs.
//! - `notes`: the note a ministry sends as it is: every change listed, one point per rule,
//!   information as information, each point to whoever must act; over every fixture and every
//!   variant of the judged case library.
//! - `invalid_packs`: a catalogue of broken packs, one mistake each, and their diagnostics.
//! - `validate`: validate and schema, and their agreement.
//! - `limits`: the largest valid request screens.
//! - `operator_files`: `--out` never replaces a register; registers are regular files; a
//!   second writer says who holds the register.
//! - `pipes`: a closed stdout ends every command quietly.
//! - `rough_edges`: text order, register messages and repair, coverage, field meanings, install.
//! - `rule_errors`: a failing rule, said in authors' terms with its place, named on stderr.
//! - `judged`: judgements a TC reviewer would sign (issues 18.1, 19) and the judged case library.
//! - `conformance`: the independent suite written from spec.md (fixtures/conformance).

mod audit;
mod bad_input;
mod conformance;
mod fixtures;
mod hardening;
mod harness;
mod hostile;
mod iati;
mod invalid_packs;
mod judged;
mod limits;
mod notes;
mod operator_files;
mod pipes;
mod rough_edges;
mod rule_errors;
mod screen;
mod serve;
mod serve_under_load;
mod users;
mod validate;
mod workbench;
