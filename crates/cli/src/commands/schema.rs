//! `tcscreen schema`: the JSON Schema of a request, or (`--example`) a complete example request.

use crate::console::{out, outln};
use tcscreen_core::{canonical, schema};

use crate::exit::ExitStatus;

/// A complete request: every field of the schema, with plausible values to replace.
pub const EXAMPLE: &str = include_str!("../scaffold/example-request.json");

/// Arguments of `schema`.
#[derive(Debug, clap::Args)]
pub struct SchemaArgs {
    /// Print a complete example request instead, every field filled in.
    #[arg(long)]
    pub example: bool,
}

/// Run `schema`.
pub fn schema(args: &SchemaArgs) -> ExitStatus {
    if args.example {
        out!("{EXAMPLE}");
    } else {
        outln!("{}", canonical::to_canonical_string(&schema::json_schema()));
    }
    ExitStatus::Success
}
