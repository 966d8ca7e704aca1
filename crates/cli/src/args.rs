//! The command line's arguments: the global options and the verbs (each verb's own
//! arguments live with it in `commands/`).

use clap::{Parser, Subcommand};

use crate::commands;
use crate::exit_codes::AFTER_HELP;
use crate::global_args::GlobalArgs;

/// Screen requests for technical co-operation against a country's rule pack.
#[derive(Debug, Parser)]
#[command(name = "tcscreen", version, about, after_help = AFTER_HELP, propagate_version = true)]
pub struct Cli {
    /// Options every verb takes.
    #[command(flatten)]
    pub global: GlobalArgs,

    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The verbs.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Screen requests: files, folders (their *.json and *.jsonl), .jsonl files, or - for stdin.
    Screen(commands::screen::ScreenArgs),
    /// Make draft requests from what providers publish (IATI XML).
    Import(commands::import::ImportArgs),
    /// List the packs under the rules folder.
    Packs(commands::packs::PacksArgs),
    /// Load and compile packs (all, or the ones named), then lint them: sources, messages,
    /// params and tables, request fields; the summary names unverified sources cited.
    Check(commands::check::CheckArgs),
    /// Run pack tests (tests/*.json in each pack).
    Test(commands::test::TestArgs),
    /// Re-screen recorded decisions and report matches and divergences.
    Replay(commands::replay::ReplayArgs),
    /// What a pack change would flip, over a set of requests or records.
    Impact(commands::impact::ImpactArgs),
    /// Findings resolved, still open and new after a resubmission.
    Compare(commands::compare::CompareArgs),
    /// The tamper-evident register of screenings and human decisions.
    Register(commands::register::RegisterArgs),
    /// Make an ed25519 key pair for signing packs.
    Keygen(commands::keys::KeygenArgs),
    /// Sign a pack (writes pack.sig in its folder).
    Sign(commands::keys::SignArgs),
    /// The long description of a problem code (P012, L001, …).
    Explain(commands::explain::ExplainArgs),
    /// A rule's front matter, source, adjustments and the tests that cover it.
    Rule(commands::rule::RuleArgs),
    /// Scaffold a pack that passes `check --deny-warnings` and `test` as written.
    New(commands::new::NewArgs),
    /// Check requests against the schema without screening them.
    Validate(commands::validate::ValidateArgs),
    /// Print the JSON Schema of a request, or a complete example request.
    Schema(commands::schema::SchemaArgs),
    /// Serve the HTTP API and the web page (default http://127.0.0.1:8080/).
    Serve(commands::serve::ServeArgs),
    /// The accounts people sign in to `serve` with: add, remove, list, passwd, roles, token.
    Users(commands::users::UsersArgs),
}
