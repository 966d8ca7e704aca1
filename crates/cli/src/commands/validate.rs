//! `tcscreen validate`: check requests against the schema without screening them. The same
//! inputs, error messages and exit codes as `screen` (the work is `tcscreen_service::validate`).

use clap::ValueEnum;
use tcscreen_core::canonical;
use tcscreen_service::Inputs;
use tcscreen_service::validate::{self, validate as check};

use crate::console::{errln, outln};
use crate::diagnostics;
use crate::exit_codes::ExitStatus;
use crate::global_args::GlobalArgs;

/// Arguments of `validate`.
#[derive(Debug, clap::Args)]
pub struct ValidateArgs {
    /// Request files, folders (their *.json and *.jsonl), .jsonl files, or - for stdin.
    #[arg(value_name = "INPUT")]
    pub inputs: Vec<String>,

    /// Output format: a line per request for people, or one JSON object per request.
    #[arg(long, value_enum, default_value_t = ValidateFormat::Text)]
    pub format: ValidateFormat,

    /// Refuse requests larger than this many bytes (at most the default, 4 MiB).
    #[arg(long, value_name = "BYTES")]
    pub max_request_bytes: Option<usize>,
}

/// Formats of `validate`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ValidateFormat {
    /// `ok  SOURCE  ID` per valid request.
    Text,
    /// `{"source", "id", "valid", "errors"}` per request.
    Jsonl,
}

/// Run `validate`.
pub fn validate(_cli: &GlobalArgs, args: &ValidateArgs) -> ExitStatus {
    if args.inputs.is_empty() && std::io::IsTerminal::is_terminal(&std::io::stdin()) {
        errln!(
            "error: no requests to validate: name files or folders, or pipe requests in and give `-`"
        );
        return ExitStatus::Usage;
    }
    let limits = tcscreen_core::RequestLimits::with_max_bytes(args.max_request_bytes);
    let (mut valid, mut invalid) = (0usize, 0usize);
    for item in Inputs::new(&args.inputs).with_max_bytes(limits.max_bytes) {
        let validation = check(item, &limits);
        if validation.is_valid() {
            valid += 1;
        } else {
            invalid += 1;
            diagnostics::emit_all(&validation.problems);
        }
        match args.format {
            ValidateFormat::Text => {
                if let Some(line) = validation.ok_line() {
                    outln!("{line}");
                }
            }
            ValidateFormat::Jsonl => {
                outln!("{}", canonical::to_canonical_string(&validation.to_json()));
            }
        }
    }
    diagnostics::say(&validate::summary(valid, invalid));
    if invalid > 0 {
        ExitStatus::Error
    } else {
        ExitStatus::Success
    }
}
