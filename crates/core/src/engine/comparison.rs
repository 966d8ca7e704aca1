//! Ordering a number against text is a rule error, not a silent `false`.
//!
//! Rhai answers `request.personnel[0].months > "24"` with `false` whatever the months: a rule
//! written that way never fires, and nothing says why. Rhai's fast path for operators decides
//! such comparisons before any registered function is consulted, so the engine turns it off
//! (`set_fast_operators(false)`) and registers the four ordering operators for every pairing
//! of a number (whole or decimal) with text. Each fails as "operator not found", which
//! [`crate::engine::rhai_error`] words in the author's terms with the expressions at the
//! operator's place (`` `>` cannot compare a number with text: `request.personnel[0].months`
//! is a number, `"24"` is text ``). Equality (`==`, `!=`) keeps Rhai's meaning: a value of another
//! kind is simply not equal; `check` reports it where both sides are known (L030).

use rhai::{Dynamic, Engine, EvalAltResult, INT, ImmutableString, NativeCallContext};
use rust_decimal::Decimal;

/// The operators that order values.
pub(crate) const ORDERING: [&str; 4] = [">", ">=", "<", "<="];

/// Register the failing overloads on `engine` and turn Rhai's operator fast path off, without
/// which they would never be called.
pub(crate) fn register(engine: &mut Engine) {
    engine.set_fast_operators(false);
    for op in ORDERING {
        engine.register_fn(
            op,
            |c: NativeCallContext, a: Decimal, b: ImmutableString| {
                mismatch(&c, &Dynamic::from_decimal(a), &b.into())
            },
        );
        engine.register_fn(
            op,
            |c: NativeCallContext, a: ImmutableString, b: Decimal| {
                mismatch(&c, &a.into(), &Dynamic::from_decimal(b))
            },
        );
        engine.register_fn(op, |c: NativeCallContext, a: INT, b: ImmutableString| {
            mismatch(&c, &Dynamic::from_int(a), &b.into())
        });
        engine.register_fn(op, |c: NativeCallContext, a: ImmutableString, b: INT| {
            mismatch(&c, &a.into(), &Dynamic::from_int(b))
        });
    }
}

/// The error of a comparison of `a` with `b`: Rhai's "function not found" for the operator
/// and the two types, at the operator.
fn mismatch(c: &NativeCallContext, a: &Dynamic, b: &Dynamic) -> Result<bool, Box<EvalAltResult>> {
    Err(EvalAltResult::ErrorFunctionNotFound(
        format!("{} ({}, {})", c.fn_name(), a.type_name(), b.type_name()),
        c.call_position(),
    )
    .into())
}
