//! The options every verb takes (`--rules`, `--error-format`), and the parsers of argument
//! values that several verbs share.

use std::path::PathBuf;

use tcscreen_core::Date;

use crate::diagnostics;

/// Options every verb takes.
#[derive(Debug, clap::Args)]
pub struct GlobalArgs {
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
}

/// Parse an as-of date argument.
pub fn parse_date(text: &str) -> Result<Date, String> {
    Date::parse(text).ok_or_else(|| format!("`{text}` is not a date; write YYYY-MM-DD"))
}
