//! The `tcscreen` command line (spec §7). `main.rs` only installs the allocator and calls
//! [`main`]; each verb lives in `commands/`.

#![deny(missing_docs)]

pub mod codes;
pub mod commands;
pub mod console;
pub mod diagnostics;
pub mod exit;
pub mod interrupt;
pub mod progress;

use crate::console::errln;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use tcscreen_core::{Date, EVAL_STACK_BYTES, EngineLimits, RequestLimits};

pub use exit::ExitStatus;

const AFTER_HELP: &str = "\
Exit codes:
  0  done (whatever the decisions)
  1  a negative result you asked to fail on (--fail-on reached, a test failed)
  2  usage error
  3  some input or pack could not be read, parsed or screened, or a rule failed
When several apply, 2 wins over 3, and 3 over 1.";

/// Screen requests for technical co-operation against a country's rule pack.
#[derive(Debug, Parser)]
#[command(name = "tcscreen", version, about, after_help = AFTER_HELP, propagate_version = true)]
pub struct Cli {
    /// Folder of rule packs.
    #[arg(
        long,
        global = true,
        env = "TCSCREEN_RULES",
        default_value = "rules",
        value_name = "DIR"
    )]
    pub rules: PathBuf,

    /// How to print problems: human (with the source line), plain (one line each) or json.
    #[arg(long, global = true, value_enum, env = "TCSCREEN_ERROR_FORMAT", default_value_t = diagnostics::ErrorFormat::Human)]
    pub error_format: diagnostics::ErrorFormat,

    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The verbs.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Screen requests: files, folders (their *.json and *.jsonl), .jsonl files, or - for stdin.
    Screen(commands::screen::ScreenArgs),
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
}

/// Parse an as-of date argument.
pub fn parse_date(text: &str) -> Result<Date, String> {
    Date::parse(text).ok_or_else(|| format!("`{text}` is not a date; write YYYY-MM-DD"))
}

/// The engine limits the CLI uses: the defaults, with the memory stop measured by the
/// counting allocator.
pub fn engine_limits() -> EngineLimits {
    tcscreen_service::memory::engine_limits()
}

/// The request limits the CLI uses.
pub fn request_limits() -> RequestLimits {
    RequestLimits::default()
}

/// The request limits with `--max-request-bytes`, which may lower the default but not raise it:
/// the engine's limits are sized so that the largest valid request can be screened.
pub fn request_limits_with(max_bytes: Option<usize>) -> RequestLimits {
    let mut limits = RequestLimits::default();
    if let Some(max) = max_bytes {
        limits.max_bytes = max.min(limits.max_bytes);
    }
    limits
}

/// Run the command line: parse arguments, then run the verb on a thread with a stack large
/// enough for rule evaluation.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() {
                ExitStatus::Usage.code()
            } else {
                0
            });
        }
    };
    install_panic_hook();
    let worker = std::thread::Builder::new()
        .name("tcscreen".into())
        .stack_size(EVAL_STACK_BYTES)
        .spawn(move || run(cli));
    match worker.map(|handle| handle.join()) {
        Ok(Ok(status)) => status.into(),
        _ => {
            errln!("error: tcscreen failed internally (a bug); please report it");
            ExitStatus::Error.into()
        }
    }
}

/// Run a parsed command line.
pub fn run(cli: Cli) -> ExitStatus {
    diagnostics::set_format(cli.error_format);
    match &cli.command {
        Command::Screen(args) => commands::screen::screen(&cli, args),
        Command::Packs(args) => commands::packs::packs(&cli, args),
        Command::Check(args) => commands::check::check(&cli, args),
        Command::Test(args) => commands::test::test(&cli, args),
        Command::Replay(args) => commands::replay::replay(&cli, args),
        Command::Impact(args) => commands::impact::impact(&cli, args),
        Command::Compare(args) => commands::compare::compare(&cli, args),
        Command::Register(args) => commands::register::register(&cli, args),
        Command::Keygen(args) => commands::keys::keygen(args),
        Command::Sign(args) => commands::keys::sign(&cli, args),
        Command::Explain(args) => commands::explain::explain(args),
        Command::Rule(args) => commands::rule::rule(&cli, args),
        Command::New(args) => commands::new::new(&cli, args),
        Command::Validate(args) => commands::validate::validate(&cli, args),
        Command::Schema(args) => commands::schema::schema(args),
        Command::Serve(args) => commands::serve::serve(&cli, args),
    }
}

/// Panics inside rule evaluation are reported as rule errors; keep the default message for
/// every other panic.
fn install_panic_hook() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if !tcscreen_core::panic_is_contained() {
            default(info);
        }
    }));
}
