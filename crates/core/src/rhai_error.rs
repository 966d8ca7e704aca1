//! Turning Rhai's errors into messages for policy staff, located in the right file.
//!
//! Rhai nests an error once per script function call (`ErrorInFunctionCall`) and per module
//! (`ErrorInModule`). The outermost position is in the file being run (the rule); the innermost
//! is in the file that defines the innermost function. Each frame's *source* names the file of
//! the called function while its *position* is the call site in the caller.

use rhai::{EvalAltResult, ParseError, Position};

use crate::api::RESERVED_NAMES;
use crate::json::Pos;
use crate::limits::EngineLimits;
use crate::suggest::did_you_mean;

/// An error with its place in the file being run, and the deeper place it came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Explained {
    pub(crate) message: String,
    pub(crate) pos: Pos,
    pub(crate) help: Option<String>,
    /// Where inside a helper the error happened, as notes ("in function `f` at lib/x.rhai:3:5").
    pub(crate) notes: Vec<String>,
}

pub(crate) fn pos(p: Position) -> Pos {
    match (p.line(), p.position()) {
        (Some(line), Some(column)) => Pos::new(line as u32, column as u32),
        (Some(line), None) => Pos::new(line as u32, 1),
        _ => Pos::NONE,
    }
}

/// Explain a runtime or compile-time error of a script whose file is `file`.
pub(crate) fn explain(err: &EvalAltResult, file: &str, limits: &EngineLimits) -> Explained {
    let outer = pos(err.position());
    let mut notes = Vec::new();
    let mut current = err;
    // Each frame's position is the call site in its caller; its source is the file that
    // defines the called function, which is the caller of the next frame.
    let mut caller_file = file.to_string();
    loop {
        match current {
            EvalAltResult::ErrorInFunctionCall(name, source, inner, at) => {
                notes.push(format!(
                    "in a call to `{name}` at {caller_file}:{}",
                    pos(*at)
                ));
                if !source.is_empty() {
                    caller_file = source.clone();
                }
                current = inner;
            }
            EvalAltResult::ErrorInModule(path, inner, at) => {
                notes.push(format!(
                    "while loading module \"{path}\" imported at {caller_file}:{}",
                    pos(*at)
                ));
                current = inner;
            }
            _ => break,
        }
    }
    let (message, help) = base_message(current, limits);
    let inner = pos(current.position());
    if !notes.is_empty() && inner.is_known() {
        notes.push(format!("the error is at {caller_file}:{inner}"));
    }
    Explained {
        message,
        pos: if outer.is_known() { outer } else { inner },
        help,
        notes,
    }
}

/// Explain a parse error.
pub(crate) fn explain_parse(err: &ParseError) -> Explained {
    Explained {
        message: parse_message(&err.0.to_string()),
        pos: pos(err.1),
        help: parse_help(&err.0.to_string()),
        notes: Vec::new(),
    }
}

fn parse_message(text: &str) -> String {
    text.to_string()
}

fn parse_help(text: &str) -> Option<String> {
    if text.contains("'eval'") {
        Some("`eval` runs code built from text; rules must be plain code".into())
    } else if text.contains("Undefined variable") {
        Some("rules see `request`, `params`, `data` and `as_of`; other names must be defined with `let` first".into())
    } else if text.contains("already defined") {
        Some("`request`, `params`, `data` and `as_of` are read-only; choose another name".into())
    } else {
        None
    }
}

fn base_message(err: &EvalAltResult, limits: &EngineLimits) -> (String, Option<String>) {
    use EvalAltResult as E;
    match err {
        E::ErrorTooManyOperations(_) => (
            format!(
                "the rule used up its budget of {} operations",
                limits.max_operations
            ),
            Some("look for a loop that never ends, or loop over less data".into()),
        ),
        E::ErrorStackOverflow(_) => (
            format!("calls nested deeper than {} levels", limits.max_call_levels),
            Some("look for a function that calls itself without stopping".into()),
        ),
        E::ErrorDataTooLarge(what, _) => {
            let limit = match what.as_str() {
                w if w.contains("string") => format!("{} bytes of text", limits.max_string_bytes),
                w if w.contains("map") => format!("{} map entries", limits.max_map_entries),
                _ => format!("{} array items", limits.max_array_items),
            };
            (
                format!("a value grew beyond the limit of {limit}"),
                Some("look for a value that keeps growing in a loop".into()),
            )
        }
        E::ErrorTooManyVariables(_) => (
            format!("more than {} variables at once", limits.max_variables),
            None,
        ),
        E::ErrorTooManyModules(_) => (
            format!("more than {} module imports", limits.max_modules),
            None,
        ),
        E::ErrorAssignmentToConstant(name, _) | E::ErrorNonPureMethodCallOnConstant(name, _) => {
            let what = if matches!(err, E::ErrorAssignmentToConstant(..)) {
                format!("cannot change `{name}`")
            } else {
                format!("`{name}` would change a read-only value")
            };
            (
                format!("{what}: `request`, `params`, `data`, `as_of` and constants are read-only"),
                Some("copy the value first (`let x = request.personnel; x.push(…)`), or record a finding instead".into()),
            )
        }
        E::ErrorPropertyNotFound(name, _) => {
            let names = crate::schema::field_names();
            let message = match did_you_mean(name, names.iter().copied()).filter(|s| *s != name) {
                Some(close) => format!("no field `{name}` here; did you mean `{close}`?"),
                None => format!(
                    "no field `{name}` here (to read an optional key of `params`, `data` or `extensions`, test `\"{name}\" in map` or use `get(map, \"{name}\", default)`)"
                ),
            };
            (
                message,
                Some("check the spelling against the request schema; for optional keys in `params`, `data` or `extensions` use `\"key\" in map` or `get(map, key, default)`".into()),
            )
        }
        E::ErrorFunctionNotFound(signature, _) => {
            let name = signature.split([' ', '(']).next().unwrap_or(signature);
            let help = did_you_mean(name, RESERVED_NAMES.iter().copied())
                .filter(|s| *s != name)
                .map(|s| format!("did you mean `{s}`?"))
                .or_else(|| {
                    Some("the function does not exist, or not for these argument types (a `()` where a value was expected?)".into())
                });
            (format!("no function `{signature}`"), help)
        }
        E::ErrorVariableNotFound(name, _) => (format!("no variable `{name}`"), None),
        E::ErrorRuntime(value, _) => (value.to_string(), None),
        E::ErrorTerminated(..) => ("the rule was stopped".into(), None),
        E::ErrorParsing(kind, _) => {
            let text = kind.to_string();
            (parse_message(&text), parse_help(&text))
        }
        other => (strip_position(&other.to_string()), None),
    }
}

/// Rhai's `Display` ends with ` (line L, position C)` and maybe ` @ 'source'`; we show places
/// ourselves.
fn strip_position(text: &str) -> String {
    let text = text.lines().next().unwrap_or(text);
    let text = match text.rfind(" (line ") {
        Some(i) if text.ends_with(')') => &text[..i],
        _ => text,
    };
    let text = match text.rfind(" @ '") {
        Some(i) => &text[..i],
        None => text,
    };
    text.to_string()
}
