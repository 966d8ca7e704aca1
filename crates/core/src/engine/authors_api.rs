//! The rule authors' API (spec §4): findings and helpers registered on the engine.
//!
//! Findings go to a per-thread sink that the evaluator opens before each rule and drains after
//! it, so rules cannot see each other's findings and engines stay shareable.

use std::cell::RefCell;

use rhai::{Dynamic, Engine, EvalAltResult, FuncRegistration, INT, ImmutableString, Map, Position};

use crate::date::Date;
use crate::decision::finding::{Actor, Outcome};
use crate::engine::finding_call::FindingCall;

/// The names rules see as read-only globals.
pub const GLOBALS: &[&str] = &["request", "params", "data", "as_of"];

/// Function names that belong to the API; packs may not define functions with these names.
pub const RESERVED_NAMES: &[&str] = &[
    "reject",
    "revise",
    "note",
    "is_blank",
    "get",
    "days_between",
    "add_months",
    "months_between",
    "is_date",
    "format_amount",
];

/// A finding as the rule recorded it, before pack overrides.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct RawFinding {
    pub(crate) outcome: Outcome,
    pub(crate) message: String,
    pub(crate) field: Option<String>,
    /// Who must act: the finding's own actor, else the rule's.
    pub(crate) actor: Actor,
    /// The finding as information, for when an override lowers it to a note.
    pub(crate) information: Option<String>,
}

/// What a rule may still add to its request's findings and printed output.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Allowance {
    /// Bytes of findings text (messages and field paths) left for the request.
    pub(crate) findings_bytes: usize,
    /// Bytes of `print`/`debug` output left for the request.
    pub(crate) output_bytes: usize,
    /// Whether printed output is kept (for a trace) or only counted.
    pub(crate) keep_output: bool,
    /// The request's limit on findings text, for the message.
    pub(crate) findings_limit: usize,
    /// Who must act on the rule's findings unless a finding names someone else.
    pub(crate) actor: Actor,
}

#[derive(Default)]
pub(crate) struct Sink {
    pub(crate) findings: Vec<RawFinding>,
    pub(crate) output: Vec<String>,
    /// Bytes of findings text this rule recorded.
    pub(crate) findings_bytes: usize,
    /// Bytes this rule printed, kept or not.
    pub(crate) output_bytes: usize,
    /// The rule printed more than its request's allowance.
    pub(crate) output_overflow: bool,
    allowance: Allowance,
}

thread_local! {
    static SINK: RefCell<Option<Sink>> = const { RefCell::new(None) };
}

/// Start collecting what a rule records, within what its request has left.
pub(crate) fn open_sink(allowance: Allowance) {
    SINK.with(|s| {
        *s.borrow_mut() = Some(Sink {
            allowance,
            ..Sink::default()
        })
    });
}

/// Stop collecting and return what the rule recorded.
pub(crate) fn close_sink() -> Sink {
    SINK.with(|s| s.borrow_mut().take()).unwrap_or_default()
}

/// Count what a rule printed, and keep it only for a trace: past the request's allowance the
/// rule fails when it ends (a print cannot fail), and nothing more is kept.
pub(crate) fn capture_output(text: &str) {
    SINK.with(|s| {
        if let Some(sink) = s.borrow_mut().as_mut() {
            sink.output_bytes = sink.output_bytes.saturating_add(text.len());
            if sink.output_bytes > sink.allowance.output_bytes {
                sink.output_overflow = true;
            } else if sink.allowance.keep_output && sink.output.len() < 1000 {
                sink.output.push(text.to_string());
            }
        }
    });
}

type Result<T> = std::result::Result<T, Box<EvalAltResult>>;

fn fail<T>(message: impl Into<String>) -> Result<T> {
    Err(EvalAltResult::ErrorRuntime(Dynamic::from(message.into()), Position::NONE).into())
}

fn record(outcome: Outcome, call: FindingCall) -> Result<()> {
    let name = outcome.as_str();
    if call.message.trim().is_empty() {
        return fail(format!("{name}() needs a message that says what to change"));
    }
    if let Some(field) = &call.field
        && (field.trim().is_empty() || field.contains(char::is_whitespace))
    {
        return fail(format!(
            "{name}(): the field path `{field}` is not a dotted path like \"origin.tor.drafted_by\""
        ));
    }
    SINK.with(|s| match s.borrow_mut().as_mut() {
        Some(sink) => {
            if sink.findings.len() >= 1000 {
                return fail("a rule may record at most 1000 findings");
            }
            let actor = call.actor.unwrap_or(sink.allowance.actor);
            if actor == Actor::CoordinationUnit && outcome != Outcome::Note {
                return fail(format!(
                    "{name}(): the coordination unit is not asked to change the request; record its own follow-up with note()"
                ));
            }
            let bytes = call.message.len()
                + call.field.as_ref().map_or(0, String::len)
                + call.information.as_ref().map_or(0, String::len);
            if sink.findings_bytes + bytes > sink.allowance.findings_bytes {
                return fail(format!(
                    "the findings of this request would hold more than {} bytes of text (messages and field paths); record shorter messages, or fewer",
                    sink.allowance.findings_limit
                ));
            }
            sink.findings_bytes += bytes;
            sink.findings.push(RawFinding {
                outcome,
                message: call.message,
                field: call.field,
                actor,
                information: call.information,
            });
            Ok(())
        }
        None => fail(format!(
            "{name}() can only be called while a rule runs, not when a module loads"
        )),
    })
}

fn type_name(value: &Dynamic) -> &'static str {
    match value.type_name() {
        "()" => "() (nothing)",
        "i64" => "an integer",
        "decimal" => "a decimal number",
        "string" | "ImmutableString" => "a string",
        "bool" => "a boolean",
        "array" => "an array",
        "map" => "a map",
        _ => "a value of another type",
    }
}

/// A date argument: a `YYYY-MM-DD` string, or an error naming the argument.
fn date_arg(function: &str, which: &str, value: &Dynamic) -> Result<Date> {
    if value.is_unit() {
        return fail(format!(
            "{function}(): the {which} is () (not stated) but must be a date; check it first, e.g. `if x != () {{ … }}`"
        ));
    }
    match value.clone().into_immutable_string() {
        Ok(s) => Date::parse(&s).map_or_else(
            || {
                fail(format!(
                    "{function}(): the {which} is \"{s}\", not a date (YYYY-MM-DD)"
                ))
            },
            Ok,
        ),
        Err(_) => fail(format!(
            "{function}(): the {which} is {}, not a date string",
            type_name(value)
        )),
    }
}

fn months_arg(value: &Dynamic) -> Result<INT> {
    if let Ok(n) = value.as_int() {
        return Ok(n);
    }
    if let Ok(d) = value.as_decimal() {
        if d.fract().is_zero()
            && let Ok(n) = INT::try_from(d)
        {
            return Ok(n);
        }
        return fail(format!(
            "add_months(): the number of months must be a whole number, found {d}"
        ));
    }
    fail(format!(
        "add_months(): the number of months is {}, not a number",
        type_name(value)
    ))
}

/// `is_blank(x)`: unit, a blank string, an empty array, or a map whose values are all blank.
pub(crate) fn is_blank(value: &Dynamic) -> bool {
    if value.is_unit() {
        return true;
    }
    if let Some(s) = value.read_lock::<ImmutableString>() {
        return s.trim().is_empty();
    }
    if let Some(a) = value.read_lock::<rhai::Array>() {
        return a.is_empty();
    }
    if let Some(m) = value.read_lock::<Map>() {
        return m.values().all(is_blank);
    }
    false
}

/// The most decimals `format_amount` writes.
const MAX_DECIMALS: INT = 6;

/// `format_amount(amount, currency, decimals)`: "USD 1,234,567.50". The amount is rounded
/// half away from zero to exactly `decimals` places; `()` is "(amount not stated)", and a
/// currency not stated is said after the amount.
fn format_amount(amount: &Dynamic, currency: &Dynamic, decimals: INT) -> Result<String> {
    if !(0..=MAX_DECIMALS).contains(&decimals) {
        return fail(format!(
            "format_amount(): the number of decimals must be 0 to {MAX_DECIMALS}, found {decimals}"
        ));
    }
    let currency = if currency.is_unit() {
        None
    } else {
        match currency.clone().into_immutable_string() {
            Ok(c) if c.trim().is_empty() => None,
            Ok(c) => Some(c),
            Err(_) => {
                return fail(format!(
                    "format_amount(): the currency must be a string such as \"USD\", found {}",
                    type_name(currency)
                ));
            }
        }
    };
    if amount.is_unit() {
        return Ok("(amount not stated)".to_string());
    }
    let value = if let Ok(i) = amount.as_int() {
        rust_decimal::Decimal::from(i)
    } else if let Ok(d) = amount.as_decimal() {
        d
    } else {
        return fail(format!(
            "format_amount(): the amount must be a number, found {}",
            type_name(amount)
        ));
    };
    let places = decimals as u32;
    let rounded =
        value.round_dp_with_strategy(places, rust_decimal::RoundingStrategy::MidpointAwayFromZero);
    let text = format!("{:.*}", places as usize, rounded.abs());
    let (whole, fraction) = text.split_once('.').unwrap_or((&text, ""));
    let mut grouped = String::with_capacity(text.len() + whole.len() / 3 + 8);
    if rounded.is_sign_negative() && !rounded.is_zero() {
        grouped.push('-');
    }
    for (i, digit) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    if !fraction.is_empty() {
        grouped.push('.');
        grouped.push_str(fraction);
    }
    Ok(match currency {
        Some(c) => format!("{c} {grouped}"),
        None => format!("{grouped} (currency not stated)"),
    })
}

/// The rule API as (name, number of arguments), from the engine itself: what the authors'
/// guide must document.
pub fn signatures() -> Vec<(String, usize)> {
    let mut engine = Engine::new_raw();
    register(&mut engine);
    let mut all: Vec<(String, usize)> = engine
        .collect_fn_metadata(
            None,
            |info| Some((info.metadata.name.to_string(), info.metadata.num_params)),
            false,
        )
        .into_iter()
        .filter(|(name, _)| RESERVED_NAMES.contains(&name.as_str()))
        .collect();
    all.sort();
    all.dedup();
    all
}

pub(crate) fn register(engine: &mut Engine) {
    for outcome in [Outcome::Reject, Outcome::Revise, Outcome::Note] {
        let name = outcome.as_str();
        engine.register_fn(name, move |message: ImmutableString| {
            record(outcome, FindingCall::plain(&message, None))
        });
        engine.register_fn(
            name,
            move |message: ImmutableString, field: ImmutableString| {
                record(outcome, FindingCall::plain(&message, Some(&field)))
            },
        );
        engine.register_fn(name, move |call: Map| -> Result<()> {
            match FindingCall::from_map(outcome, &call) {
                Ok(call) => record(outcome, call),
                Err(message) => fail(message),
            }
        });
        engine.register_fn(name, move |message: Dynamic| -> Result<()> {
            fail(format!(
                "{name}() takes a message string, or a map #{{ message, field, actor, information }}, found {}",
                type_name(&message)
            ))
        });
        engine.register_fn(
            name,
            move |message: Dynamic, field: Dynamic| -> Result<()> {
                let (what, value) = if message.is_string() {
                    ("field path", &field)
                } else {
                    ("message", &message)
                };
                fail(format!(
                    "{name}(message, field): the {what} must be a string, found {}",
                    type_name(value)
                ))
            },
        );
    }

    engine.register_fn("is_blank", |value: Dynamic| is_blank(&value));

    FuncRegistration::new("get")
        .with_purity(true)
        .register_into_engine(
            engine,
            |map: &mut Map, key: ImmutableString, default: Dynamic| -> Dynamic {
                match map.get(key.as_str()) {
                    Some(value) if !value.is_unit() => value.clone(),
                    _ => default,
                }
            },
        );
    engine.register_fn(
        "get",
        |map: Dynamic, _key: Dynamic, _default: Dynamic| -> Result<Dynamic> {
            fail(format!(
                "get(map, key, default): the first argument must be a map, found {}",
                type_name(&map)
            ))
        },
    );

    engine.register_fn("days_between", |a: Dynamic, b: Dynamic| -> Result<INT> {
        let a = date_arg("days_between", "first argument (a)", &a)?;
        let b = date_arg("days_between", "second argument (b)", &b)?;
        Ok(a.days_until(b))
    });
    engine.register_fn("months_between", |a: Dynamic, b: Dynamic| -> Result<INT> {
        let a = date_arg("months_between", "first argument (a)", &a)?;
        let b = date_arg("months_between", "second argument (b)", &b)?;
        Ok(a.months_until(b))
    });
    engine.register_fn(
        "add_months",
        |date: Dynamic, n: Dynamic| -> Result<ImmutableString> {
            let date = date_arg("add_months", "first argument (date)", &date)?;
            let n = months_arg(&n)?;
            match date.add_months(n) {
                Some(d) => Ok(d.to_string().into()),
                None => fail(format!(
                    "add_months(): {date} plus {n} months is outside the years 1–9999"
                )),
            }
        },
    );
    engine.register_fn("is_date", |value: Dynamic| -> bool {
        value
            .into_immutable_string()
            .is_ok_and(|s| Date::parse(&s).is_some())
    });

    engine.register_fn(
        "format_amount",
        |amount: Dynamic, currency: Dynamic| -> Result<String> {
            format_amount(&amount, &currency, 0)
        },
    );
    engine.register_fn(
        "format_amount",
        |amount: Dynamic, currency: Dynamic, decimals: Dynamic| -> Result<String> {
            match decimals.as_int() {
                Ok(n) => format_amount(&amount, &currency, n),
                Err(_) => fail(format!(
                    "format_amount(): the number of decimals must be a whole number, found {}",
                    type_name(&decimals)
                )),
            }
        },
    );

    // `sleep` lives in the core package; these shadow it (registered functions win).
    engine.register_fn("sleep", |_: INT| -> Result<()> {
        fail("sleep() is not available to rules")
    });
    engine.register_fn("sleep", |_: Dynamic| -> Result<()> {
        fail("sleep() is not available to rules")
    });
}
