//! Turning Rhai's errors into messages for policy staff, located in the right file.
//!
//! Rhai nests an error once per script function call (`ErrorInFunctionCall`) and per module
//! (`ErrorInModule`). The outermost position is in the file being run (the rule); the innermost
//! is in the file that defines the innermost function. Each frame's *source* names the file of
//! the called function while its *position* is the call site in the caller.
//!
//! The common runtime errors are said in the pack author's terms, naming the expression from
//! the rule's own text when the error happened in the rule's file ([`crate::engine::expr_at`]): a
//! field that is not stated (`no function to_upper (())` becomes "`request.requester.name` is
//! not stated (it is `()`), so `to_upper` cannot be used on it"), a type mismatch, an index out
//! of range, a condition that is not true or false.

use rhai::{AST, EvalAltResult, ParseError, Position};

use crate::engine::expr_at::{self, Found, Want};

use crate::engine::authors_api::RESERVED_NAMES;
use crate::engine::growth::BUDGET_TOKEN;
use crate::engine::sandbox_limits::EngineLimits;
use crate::json::Pos;
use crate::suggest::did_you_mean;

/// An error with its place in the file being run, and the deeper place it came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Explained {
    pub(crate) message: String,
    pub(crate) pos: Pos,
    pub(crate) help: Option<String>,
    /// Where inside a helper the error happened, as notes ("in function `f` at lib/x.rhai:3:5").
    pub(crate) notes: Vec<String>,
    /// The file where the error happened (the innermost frame's).
    pub(crate) file: String,
}

/// Whether the error is a stop by the `on_progress` callback (a safety net), at any depth.
pub(crate) fn is_terminated(err: &EvalAltResult) -> bool {
    match err {
        EvalAltResult::ErrorTerminated(..) => true,
        EvalAltResult::ErrorInFunctionCall(_, _, inner, _)
        | EvalAltResult::ErrorInModule(_, inner, _) => is_terminated(inner),
        _ => false,
    }
}

pub(crate) fn pos(p: Position) -> Pos {
    match (p.line(), p.position()) {
        (Some(line), Some(column)) => Pos::new(line as u32, column as u32),
        (Some(line), None) => Pos::new(line as u32, 1),
        _ => Pos::NONE,
    }
}

/// A compiled script, to name the expression an error points at.
pub(crate) struct Script<'a> {
    /// The script's AST.
    pub(crate) ast: &'a AST,
    /// Whether the engine has a native function of this name (for any argument types).
    pub(crate) native: &'a dyn Fn(&str) -> bool,
}

/// Explain an error of the script compiled from `file`: where the error happened in that
/// file, the expression there is named in the message.
pub(crate) fn explain_in(
    err: &EvalAltResult,
    file: &str,
    limits: &EngineLimits,
    script: Option<&Script<'_>>,
) -> Explained {
    explain_frames(err, file, limits, script, None)
}

/// Explain an error of compiling `file`, whose imports are resolved then: an error in a
/// module's own code is placed in the module's file, given by `module_file` for its import
/// path (`"dates"` → `rules/kh/lib/dates.rhai`).
pub(crate) fn explain_import(
    err: &EvalAltResult,
    file: &str,
    limits: &EngineLimits,
    module_file: &dyn Fn(&str) -> String,
) -> Explained {
    explain_frames(err, file, limits, None, Some(module_file))
}

fn explain_frames(
    err: &EvalAltResult,
    file: &str,
    limits: &EngineLimits,
    script: Option<&Script<'_>>,
    module_file: Option<&dyn Fn(&str) -> String>,
) -> Explained {
    let outer = pos(err.position());
    let mut notes = Vec::new();
    let mut current = err;
    // Each frame's position is the call site in its caller; its source is the file that
    // defines the called function, which is the caller of the next frame.
    let mut caller_file = file.to_string();
    loop {
        match current {
            EvalAltResult::ErrorInFunctionCall(name, source, inner, at) => {
                if name.starts_with("anon$") {
                    // A closure is called by the array method of the frame before.
                    let by = notes
                        .pop_if(|n: &mut String| n.starts_with("in a call to `"))
                        .and_then(|n| n.split('`').nth(1).map(str::to_string));
                    let by = by.map_or_else(String::new, |m| format!(" passed to `{m}`"));
                    notes.push(format!("in a closure{by} at {caller_file}:{}", pos(*at)));
                } else {
                    notes.push(format!(
                        "in a call to `{name}` at {caller_file}:{}",
                        pos(*at)
                    ));
                }
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
                if let Some(module_file) = module_file {
                    caller_file = module_file(path);
                }
                current = inner;
            }
            _ => break,
        }
    }
    // The expression can be named only from the AST of the file where the error happened.
    let script = script.filter(|_| caller_file == file);
    let (message, help) = base_message(current, limits, script);
    let inner = pos(current.position());
    if !notes.is_empty() && inner.is_known() {
        notes.push(format!("the error is at {caller_file}:{inner}"));
    }
    Explained {
        message,
        pos: if outer.is_known() { outer } else { inner },
        help,
        notes,
        file: caller_file,
    }
}

/// Explain a parse error.
pub(crate) fn explain_parse(err: &ParseError) -> Explained {
    Explained {
        message: parse_message(&err.0.to_string()),
        pos: pos(err.1),
        help: parse_help(&err.0.to_string()),
        notes: Vec::new(),
        file: String::new(),
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

fn base_message(
    err: &EvalAltResult,
    limits: &EngineLimits,
    script: Option<&Script<'_>>,
) -> (String, Option<String>) {
    use EvalAltResult as E;
    if let Some(script) = script {
        let at = |want| expr_at::find(script.ast, err.position(), want);
        if let Some(message) = in_authors_terms(err, &at, script.native) {
            return (message, None);
        }
    }
    let budget_spent = matches!(err, E::ErrorTerminated(token, _)
        if token.clone().into_immutable_string().is_ok_and(|t| t == BUDGET_TOKEN));
    match err {
        _ if budget_spent => (
            format!(
                "the rule used up its budget of {} operations",
                limits.max_operations
            ),
            Some("look for a loop that never ends, or loop over less data".into()),
        ),
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
            let names = crate::request::schema::field_names();
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
            let (name, types) = parse_signature(signature);
            let help = did_you_mean(name, RESERVED_NAMES.iter().copied())
                .filter(|s| *s != name)
                .map(|s| format!("did you mean `{s}`?"))
                .or_else(|| {
                    Some("the function does not exist, or not for these argument types (a `()` where a value was expected?)".into())
                });
            let defined = script
                .is_none_or(|s| (s.native)(name) || s.ast.iter_functions().any(|f| f.name == name));
            let message = if defined && types.iter().any(|t| t == "()") {
                format!(
                    "`{name}` cannot take a value that is not stated (`()`); it was given {}",
                    kinds(&types)
                )
            } else if !defined || types.is_empty() {
                format!("no function `{signature}`")
            } else {
                format!("no function `{name}` that takes {}", kinds(&types))
            };
            (message, help)
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

/// The common runtime errors in the pack author's terms, naming the expression found at the
/// error's place; `None` to fall back to the general message.
fn in_authors_terms(
    err: &EvalAltResult,
    at: &dyn Fn(Want) -> Option<Found>,
    native: &dyn Fn(&str) -> bool,
) -> Option<String> {
    use EvalAltResult as E;
    match err {
        E::ErrorFunctionNotFound(signature, _) => function_not_found(signature, at, native),
        E::ErrorArrayBounds(len, index, _) | E::ErrorStringBounds(len, index, _) => {
            let Found::Index { receiver, .. } = at(Want::Index)? else {
                return None;
            };
            let what = if matches!(err, E::ErrorArrayBounds(..)) {
                ("item", "items")
            } else {
                ("character", "characters")
            };
            let has = match len {
                0 => format!("`{receiver}` is empty"),
                1 => format!("`{receiver}` has 1 {}", what.0),
                n => format!("`{receiver}` has {n} {}", what.1),
            };
            Some(format!(
                "{has}, so it has no {} [{index}] ({} are numbered from 0); check its length first (`{receiver}.len()`), or loop over it (`for x in {receiver} {{ … }}`)",
                what.0, what.1
            ))
        }
        E::ErrorIndexingType(what, _) => {
            let Found::Index { receiver, index } = at(Want::Index)? else {
                return None;
            };
            let t = what.split(" [").next().unwrap_or(what);
            if t == "()" {
                Some(format!(
                    "{}, so it has no item [{index}]; {}",
                    not_stated(&receiver),
                    test_first(&receiver)
                ))
            } else {
                Some(format!(
                    "`{receiver}` is {}, which has no items to pick with [{index}]",
                    kind(t)
                ))
            }
        }
        E::ErrorDotExpr(text, _) => {
            // "Unknown property 'first' - a getter is not registered for type '()'"
            let t = text.rsplit('\'').nth(1)?;
            let Found::Property { receiver, name } = at(Want::Property)? else {
                return None;
            };
            if t == "()" {
                Some(format!(
                    "{}, so it has no field `{name}`; {}",
                    not_stated(&receiver),
                    test_first(&receiver)
                ))
            } else {
                Some(format!(
                    "`{receiver}` is {}: it has no field `{name}`",
                    kind(t)
                ))
            }
        }
        E::ErrorMismatchDataType(expected, actual, _) => {
            let Found::Expression(expression) = at(Want::Expression)? else {
                return None;
            };
            if expected == "bool" {
                Some(format!(
                    "`{expression}` is {}, but a condition must be true or false; compare it with something (`{expression} == …`, `{expression} != ()`)",
                    kind(actual)
                ))
            } else {
                Some(format!(
                    "`{expression}` is {}, where {} is needed",
                    kind(actual),
                    kind(expected)
                ))
            }
        }
        E::ErrorFor(_) => {
            let Found::Expression(expression) = at(Want::Iterable)? else {
                return None;
            };
            Some(format!(
                "`for` needs a list, a range or text to loop over, and `{expression}` is none of these"
            ))
        }
        E::ErrorArithmetic(text, _) if text.starts_with("Division by zero") => {
            let Found::Call { name, args } = at(Want::Call)? else {
                return None;
            };
            let [a, b] = args.as_slice() else {
                return None;
            };
            Some(format!(
                "division by zero: `{b}` is zero in `{a} {name} {b}`"
            ))
        }
        _ => None,
    }
}

/// A function or operator not found for the types it was given: usually a value that was not
/// stated, or values of the wrong kinds.
fn function_not_found(
    signature: &str,
    at: &dyn Fn(Want) -> Option<Found>,
    native: &dyn Fn(&str) -> bool,
) -> Option<String> {
    let (_, types) = parse_signature(signature);
    match at(Want::Call)? {
        Found::Method {
            receiver,
            name,
            args,
        } => method_not_found(&receiver, &name, &args, &types),
        Found::Call { name, args } if is_operator(&name) => {
            operator_not_found(&name, &args, &types)
        }
        // A native function given `()`; a script function takes any value, so a call to one
        // that is not found does not exist (or not with this many arguments).
        Found::Call { name, args } if native(&name) => {
            let i = types.iter().position(|t| t == "()")?;
            let value = args.get(i)?;
            Some(format!(
                "{}, so `{name}` cannot use it; {}",
                not_stated(value),
                test_first(value)
            ))
        }
        _ => None,
    }
}

fn method_not_found(
    receiver: &String,
    name: &str,
    args: &[String],
    types: &[String],
) -> Option<String> {
    let values: Vec<&String> = std::iter::once(receiver).chain(args).collect();
    match types.iter().position(|t| t == "()") {
        Some(0) => Some(format!(
            "{}, so `{name}` cannot be used on it; {}",
            not_stated(receiver),
            test_first(receiver)
        )),
        Some(i) => {
            let value = values.get(i)?;
            Some(format!(
                "{}, so `{receiver}.{name}(…)` cannot use it; {}",
                not_stated(value),
                test_first(value)
            ))
        }
        None => {
            let kind = kind(types.first()?);
            let mut message = format!("`{name}` cannot be used on {kind}: `{receiver}` is {kind}");
            for (value, t) in args.iter().zip(types.iter().skip(1)) {
                message.push_str(&format!(", `{value}` is {}", self::kind(t)));
            }
            Some(message)
        }
    }
}

fn operator_not_found(name: &str, args: &[String], types: &[String]) -> Option<String> {
    let expression = match args {
        [one] => format!("{name}{one}"),
        [a, b] => format!("{a} {name} {b}"),
        _ => return None,
    };
    if let Some(i) = types.iter().position(|t| t == "()") {
        let value = args.get(i)?;
        return Some(format!(
            "{}, so `{expression}` cannot be computed; {}",
            not_stated(value),
            test_first(value)
        ));
    }
    match (args, types) {
        ([a, b], [ta, tb]) if crate::engine::comparison::ORDERING.contains(&name) => {
            let text = if kind(ta) == "text" { a } else { b };
            let fix = match text.strip_prefix('"').and_then(|t| t.strip_suffix('"')) {
                Some(literal) => format!("write the number without quotes: `{literal}`"),
                None => format!("turn the text into a number first: `parse_decimal({text})`"),
            };
            Some(format!(
                "`{name}` cannot compare {} with {}: `{a}` is {}, `{b}` is {}, so the comparison would never be true; {fix}",
                kind(ta),
                kind(tb),
                kind(ta),
                kind(tb),
            ))
        }
        ([a, b], [ta, tb]) => Some(format!(
            "`{name}` cannot combine {} and {}: `{a}` is {}, `{b}` is {}",
            kind(ta),
            kind(tb),
            kind(ta),
            kind(tb)
        )),
        ([a], [ta]) => Some(format!(
            "`{name}` cannot be applied to {}: `{a}` is {}",
            kind(ta),
            kind(ta)
        )),
        _ => None,
    }
}

/// "`X` is not stated (it is `()`)".
fn not_stated(value: &str) -> String {
    format!("`{value}` is not stated (it is `()`)")
}

fn test_first(value: &str) -> String {
    format!("test it first (`if {value} != () {{ … }}`) or give a default (`{value} ?? …`)")
}

fn is_operator(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| !c.is_alphanumeric() && c != '_' && c != '$')
}

/// `to_upper (())` → (`to_upper`, [`()`]); `+ (decimal, &str | ImmutableString | String)` →
/// (`+`, [`decimal`, `&str | ImmutableString | String`]).
fn parse_signature(signature: &str) -> (&str, Vec<String>) {
    let Some(open) = signature.find(" (") else {
        return (signature, Vec::new());
    };
    let name = &signature[..open];
    let inner = signature[open + 2..]
        .strip_suffix(')')
        .unwrap_or(&signature[open + 2..]);
    let mut types = Vec::new();
    let (mut depth, mut start) = (0usize, 0);
    for (i, c) in inner.char_indices() {
        match c {
            '(' | '<' => depth += 1,
            ')' | '>' => depth = depth.saturating_sub(1),
            ',' if depth == 0 => {
                types.push(inner[start..i].trim().to_string());
                start = i + 1;
            }
            _ => {}
        }
    }
    if !inner.trim().is_empty() {
        types.push(inner[start..].trim().to_string());
    }
    (name, types)
}

/// A Rhai type name as people say it: `i64` is "a whole number".
fn kind(rhai_type: &str) -> String {
    match rhai_type.trim() {
        "()" => "not stated (`()`)",
        "i64" | "int" | "INT" => "a whole number",
        "decimal" | "Decimal" | "rust_decimal::Decimal" => "a number",
        "&str | ImmutableString | String" | "string" | "ImmutableString" | "String" | "&str" => {
            "text"
        }
        "bool" => "true or false",
        "array" | "Array" => "a list",
        "map" | "Map" => "a map",
        "char" => "a character",
        "Fn" | "FnPtr" => "a function",
        t if t.starts_with("range") || t.starts_with("Range") => "a range",
        other => return format!("a value of type `{other}`"),
    }
    .to_string()
}

/// Several types as people say them: "text and a whole number".
fn kinds(types: &[String]) -> String {
    let words: Vec<String> = types.iter().map(|t| kind(t)).collect();
    match words.as_slice() {
        [] => "nothing".into(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_and_type_names() {
        assert_eq!(
            parse_signature("to_upper (())"),
            ("to_upper", vec!["()".into()])
        );
        assert_eq!(
            parse_signature("- (decimal, &str | ImmutableString | String)"),
            (
                "-",
                vec!["decimal".into(), "&str | ImmutableString | String".into()]
            )
        );
        assert_eq!(parse_signature("timestamp ()"), ("timestamp", vec![]));
        assert_eq!(
            kinds(&[
                "i64".into(),
                "&str | ImmutableString | String".into(),
                "()".into()
            ]),
            "a whole number, text and not stated (`()`)"
        );
    }
}
