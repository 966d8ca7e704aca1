//! `tcscreen validate`: check requests against the schema without screening them. The same
//! inputs, error messages and exit codes as `screen`; an intake step for coordination units.

use crate::console::{errln, outln};
use clap::ValueEnum;
use tcscreen_core::{Json, ValidRequest, canonical};

use crate::Cli;
use crate::diagnostics;
use crate::exit::ExitStatus;
use tcscreen_service::escape;
use tcscreen_service::inputs::Inputs;

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
pub fn validate(_cli: &Cli, args: &ValidateArgs) -> ExitStatus {
    if args.inputs.is_empty() && std::io::IsTerminal::is_terminal(&std::io::stdin()) {
        errln!(
            "error: no requests to validate: name files or folders, or pipe requests in and give `-`"
        );
        return ExitStatus::Usage;
    }
    let limits = crate::request_limits_with(args.max_request_bytes);
    let mut status = ExitStatus::Success;
    let (mut valid, mut invalid) = (0usize, 0usize);
    for item in Inputs::new(&args.inputs).with_max_bytes(limits.max_bytes) {
        let (result, text) = match item.text {
            Ok(text) => (ValidRequest::from_text(&text, &limits), Some(text)),
            Err(e) => (Err(vec![e]), None),
        };
        let line = match &result {
            Ok(request) => {
                valid += 1;
                match args.format {
                    ValidateFormat::Text => {
                        format!(
                            "ok  {}  {}",
                            escape::controls(&item.source.display()),
                            escape::controls(request.id())
                        )
                    }
                    ValidateFormat::Jsonl => canonical::to_canonical_string(&Json::object([
                        ("source", Json::string(item.source.display())),
                        ("id", Json::string(request.id())),
                        ("valid", Json::new(tcscreen_core::JsonValue::Bool(true))),
                        ("errors", Json::array(vec![])),
                    ])),
                }
            }
            Err(errors) => {
                invalid += 1;
                status.raise(ExitStatus::Error);
                for e in errors {
                    diagnostics::emit(&tcscreen_service::problems::from_input(
                        &item.source,
                        e,
                        text.as_deref(),
                    ));
                }
                match args.format {
                    ValidateFormat::Text => continue,
                    ValidateFormat::Jsonl => canonical::to_canonical_string(&Json::object([
                        ("source", Json::string(item.source.display())),
                        ("id", Json::null()),
                        ("valid", Json::new(tcscreen_core::JsonValue::Bool(false))),
                        (
                            "errors",
                            Json::array(
                                errors
                                    .iter()
                                    .map(|e| {
                                        Json::object([
                                            ("code", Json::string(e.code)),
                                            ("path", Json::string(&e.path)),
                                            ("message", Json::string(&e.message)),
                                        ])
                                    })
                                    .collect(),
                            ),
                        ),
                    ])),
                }
            }
        };
        outln!("{line}");
    }
    diagnostics::say(&format!(
        "{} request{}: {valid} valid, {invalid} invalid",
        valid + invalid,
        if valid + invalid == 1 { "" } else { "s" }
    ));
    status
}
