//! Exact decimal numbers: reading them from JSON text and writing their canonical form.
//!
//! Every number a rule sees is a `rust_decimal::Decimal` (96-bit mantissa, up to 28 digits
//! after the point) converted from the text, never through binary floating point. Canonical
//! form is the shortest exact plain notation: `1.50` → `1.5`, `6e5` → `600000`, no exponent.

use rust_decimal::Decimal;

/// Largest mantissa a `Decimal` holds: 2^96 - 1.
const MAX_MANTISSA: u128 = (1u128 << 96) - 1;
/// Most digits after the decimal point a `Decimal` holds.
const MAX_SCALE: u32 = 28;

/// Read a number written in JSON syntax (already checked by the caller) as an exact decimal.
/// The error says why it cannot be held exactly.
pub fn parse_exact(text: &str) -> Result<Decimal, &'static str> {
    if let Some(d) = parse_plain(text) {
        return Ok(d);
    }
    let (negative, rest) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (mantissa_text, exponent) = match rest.find(['e', 'E']) {
        Some(i) => {
            let exp_text = &rest[i + 1..];
            let exp_text = exp_text.strip_prefix('+').unwrap_or(exp_text);
            // Exponents beyond ±10^9 saturate; any non-zero number there is out of range anyway.
            let exponent = exp_text
                .parse::<i64>()
                .unwrap_or(if exp_text.starts_with('-') {
                    i64::MIN / 2
                } else {
                    i64::MAX / 2
                });
            (&rest[..i], exponent)
        }
        None => (rest, 0),
    };
    let (int_part, frac_part) = match mantissa_text.split_once('.') {
        Some((i, f)) => (i, f),
        None => (mantissa_text, ""),
    };
    let mut digits: String = format!("{int_part}{frac_part}");
    // Value = digits × 10^(exponent - frac_len).
    let mut power = exponent.saturating_sub(frac_part.len() as i64);
    // Strip zeros that carry no value, so `1.500e2` and `150` meet the same limits.
    let trimmed_start = digits.trim_start_matches('0').len();
    digits.drain(..digits.len() - trimmed_start);
    if digits.is_empty() {
        return Ok(Decimal::ZERO);
    }
    while digits.ends_with('0') {
        digits.pop();
        power += 1;
    }
    let scale: u32 = if power < 0 {
        let scale = power.unsigned_abs();
        if scale > u64::from(MAX_SCALE) {
            return Err("more than 28 digits after the decimal point");
        }
        scale as u32
    } else {
        if digits.len() as i64 + power > 29 {
            return Err("too large");
        }
        digits.extend(std::iter::repeat_n('0', power as usize));
        0
    };
    if digits.len() > 29 {
        return Err("more than 29 significant digits");
    }
    let mantissa: u128 = digits.parse().map_err(|_| "too large")?;
    if mantissa > MAX_MANTISSA {
        return Err("too large");
    }
    let signed = if negative {
        -(mantissa as i128)
    } else {
        mantissa as i128
    };
    let value = Decimal::try_from_i128_with_scale(signed, scale).map_err(|_| "too large")?;
    Ok(normalize(value))
}

/// The common case without allocation: `-?digits(.digits)?` with at most 28 digits in all.
fn parse_plain(text: &str) -> Option<Decimal> {
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let mut mantissa: u128 = 0;
    let (mut count, mut scale, mut after_point) = (0u32, 0u32, false);
    for b in digits.bytes() {
        match b {
            b'0'..=b'9' => {
                // More digits than this path takes (and than a u128 holds, soon after).
                if count == 28 {
                    return None;
                }
                mantissa = mantissa * 10 + u128::from(b - b'0');
                count += 1;
                if after_point {
                    scale += 1;
                }
            }
            b'.' if !after_point => after_point = true,
            _ => return None,
        }
    }
    if count == 0 {
        return None;
    }
    let signed = if negative {
        -(mantissa as i128)
    } else {
        mantissa as i128
    };
    Decimal::try_from_i128_with_scale(signed, scale)
        .ok()
        .map(normalize)
}

/// The canonical value of a decimal: no trailing fractional zeros, and zero is never negative.
pub fn normalize(d: Decimal) -> Decimal {
    if d.is_zero() {
        Decimal::ZERO
    } else {
        d.normalize()
    }
}

/// The canonical text of a decimal: shortest exact plain notation, never an exponent.
pub fn canonical_text(d: Decimal) -> String {
    normalize(d).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_forms() {
        for (text, want) in [
            ("0", "0"),
            ("-0", "0"),
            ("-0.000", "0"),
            ("1.50", "1.5"),
            ("6e5", "600000"),
            ("6E+5", "600000"),
            ("1.234e2", "123.4"),
            ("1e-28", "0.0000000000000000000000000001"),
            ("-12.5e-1", "-1.25"),
            (
                "79228162514264337593543950335",
                "79228162514264337593543950335",
            ),
            (
                "0.0000000000000000000000000001000",
                "0.0000000000000000000000000001",
            ),
            ("100e-2", "1"),
        ] {
            let d = parse_exact(text).unwrap_or_else(|e| panic!("{text}: {e}"));
            assert_eq!(canonical_text(d), want, "{text}");
        }
    }

    #[test]
    fn out_of_range() {
        for text in [
            "1e29",
            "79228162514264337593543950336",
            "1e-29",
            "1.00000000000000000000000000001",
        ] {
            assert!(parse_exact(text).is_err(), "{text} should be out of range");
        }
        assert_eq!(parse_exact("0e99999999999999999999"), Ok(Decimal::ZERO));
        // Found by the `request` fuzz target: a long run of digits overflowed the fast path's
        // u128 before it gave way to the exact one (a panic where overflow is checked).
        assert!(parse_exact("1111111111111111100000000000000000001400").is_err());
        assert!(parse_exact(&"9".repeat(400)).is_err());
        assert_eq!(
            parse_exact(&format!("0.{}1", "0".repeat(27))).map(canonical_text),
            Ok(format!("0.{}1", "0".repeat(27)))
        );
        assert_eq!(
            parse_exact(&format!("{}.0", "0".repeat(60))),
            Ok(Decimal::ZERO)
        );
    }
}
