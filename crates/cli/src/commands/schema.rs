//! `tcscreen schema`: the JSON Schema of a request, a complete example request (`--example`),
//! or what a field means (`--explain [FIELD]`). The meanings live next to the field
//! definitions in `tcscreen_core::request::schema`.

use tcscreen_core::{canonical, request::schema};

use crate::console::{errln, out, outln};
use crate::exit_codes::ExitStatus;

/// A complete request: every field of the schema, with plausible values to replace.
pub const EXAMPLE: &str = schema::EXAMPLE_REQUEST;

/// Arguments of `schema`.
#[derive(Debug, clap::Args)]
pub struct SchemaArgs {
    /// Print a complete example request instead, every field filled in.
    #[arg(long, conflicts_with = "explain")]
    pub example: bool,

    /// Say what a field means: its type, allowed values, unit and meaning. FIELD is a path
    /// such as `personnel[].cost` (or `personnel[0].cost`, `personnel.cost`); without one,
    /// list every field.
    #[arg(long, value_name = "FIELD", num_args = 0..=1, default_missing_value = "")]
    pub explain: Option<String>,
}

/// Run `schema`.
pub fn schema(args: &SchemaArgs) -> ExitStatus {
    match &args.explain {
        Some(path) if path.is_empty() => list_fields(),
        Some(path) => explain(path),
        None if args.example => {
            out!("{EXAMPLE}");
            ExitStatus::Success
        }
        None => {
            outln!("{}", canonical::to_canonical_string(&schema::json_schema()));
            ExitStatus::Success
        }
    }
}

fn explain(path: &str) -> ExitStatus {
    let Some((path, field)) = schema::field(path) else {
        let all = schema::fields();
        // Compare in the `[]` form: `personnel[0].costs` is near `personnel[].cost`.
        let written = path.strip_prefix("request.").unwrap_or(path);
        let mut normal = String::new();
        let mut in_index = false;
        for c in written.chars() {
            match c {
                '[' => {
                    in_index = true;
                    normal.push('[');
                }
                ']' => {
                    in_index = false;
                    normal.push(']');
                }
                _ if in_index => {}
                c => normal.push(c),
            }
        }
        let help =
            tcscreen_core::suggest::did_you_mean(&normal, all.iter().map(|(p, _)| p.as_str()))
                .map_or_else(
                    || "`tcscreen schema --explain` lists every field".to_string(),
                    |s| format!("did you mean `{s}`?"),
                );
        errln!("error: no field `{path}` in the request schema; {help}");
        return ExitStatus::Usage;
    };
    outln!("{path}");
    outln!("  type:      {}", schema::describe_shape(field.shape));
    outln!(
        "  {}",
        if field.required {
            "required:  yes, and not null"
        } else {
            "required:  no (left out or null means not stated)"
        }
    );
    outln!("  meaning:   {}", field.description);
    let in_rules = format!("request.{}", path.replace("[]", "[i]"));
    let empty = match field.shape {
        schema::Shape::List(_) => "`[]` when not stated",
        schema::Shape::Object(_) => "always present, its own fields `()` when not stated",
        schema::Shape::FreeObject => "`#{}` when not stated",
        _ if field.required => "always stated",
        _ => "`()` when not stated",
    };
    outln!("  in rules:  {in_rules}, {empty}");
    ExitStatus::Success
}

fn list_fields() -> ExitStatus {
    let all = schema::fields();
    let width = all.iter().map(|(p, _)| p.len()).max().unwrap_or(0);
    for (path, field) in &all {
        outln!("{path:<width$}  {}", field.description);
    }
    ExitStatus::Success
}
