//! L032: a money threshold read by a rule that never reads a currency.

use rhai::{ASTNode, Expr, Position};

use crate::diagnostics::codes::Code;
use crate::diagnostics::diagnostic::Diagnostic;
use crate::engine::rhai_error::pos;
use crate::pack::compile::CompiledRule;

/// Lower-case ISO 4217 codes that name a threshold's currency at the end of a param's name
/// (`max_total_without_steering_usd`): the currencies of providers and of partner countries
/// that packs are written for. A name ending otherwise is not taken for an amount.
const CURRENCY_SUFFIXES: &[&str] = &[
    "usd", "eur", "gbp", "jpy", "chf", "cad", "aud", "nzd", "sek", "nok", "dkk", "cny", "krw",
    "inr", "brl", "mxn", "zar", "xdr", "afn", "npr", "khr", "bdt", "lkr", "pkr", "vnd", "lak",
    "mmk", "idr", "php", "kes", "tzs", "ugx", "etb", "rwf", "ngn", "ghs", "xof", "xaf", "mzn",
    "mwk", "zmw", "htg", "bob", "pen", "cop", "hnl", "nio", "gtq",
];

/// L032: a rule reads a money threshold (a param named after a currency) but never reads a
/// currency (`request.finance.currency`, a programme's `currency`), so a request in another
/// currency is compared as if it were in the threshold's: GBP 300,000 is not USD 300,000. A
/// rule that hands the threshold to a helper together with the currency reads it, and is
/// silent here.
pub(super) fn thresholds_without_currency(rule: &CompiledRule, out: &mut Vec<Diagnostic>) {
    let mut thresholds: Vec<(String, Position)> = Vec::new();
    let mut reads_currency = false;
    rule.ast.walk(&mut |path: &[ASTNode]| {
        match path.last() {
            Some(ASTNode::Expr(Expr::Dot(x, _, _))) => {
                if let (Expr::Variable(v, _, at), Expr::Property(p, _)) = (&x.lhs, &x.rhs)
                    && v.1 == "params"
                {
                    let name = p.2.to_string();
                    let suffix = name.rsplit('_').next().unwrap_or_default();
                    if name.contains('_') && CURRENCY_SUFFIXES.contains(&suffix) {
                        thresholds.push((name, *at));
                    }
                }
            }
            Some(ASTNode::Expr(Expr::Property(p, _))) if p.2 == "currency" => {
                reads_currency = true;
            }
            Some(ASTNode::Expr(Expr::StringConstant(s, _))) if s.as_str() == "currency" => {
                reads_currency = true;
            }
            _ => {}
        }
        true
    });
    if reads_currency {
        return;
    }
    for (name, at) in thresholds {
        let currency = name.rsplit('_').next().unwrap_or_default().to_uppercase();
        let p = pos(at);
        let d = Diagnostic::warning(
            Code::L032,
            format!(
                "rule `{}` compares `params.{name}`, an amount in {currency}, but never reads the request's currency",
                rule.id
            ),
        )
        .at(&rule.display, if p.is_known() { p } else { crate::json::Pos::new(1, 1) })
        .help(format!(
            "an amount in another currency would be compared as if it were in {currency}: convert it first (the base pack's lib/money.rhai: `money::compare_in(amount, request.finance.currency, params.{name}, \"{currency}\", data.usd_rates, as_of)`), or note that the threshold could not be applied when the currencies differ"
        ));
        if !out.contains(&d) {
            out.push(d);
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::diagnostics::codes::Code;
    use crate::engine::sandbox_limits::EngineLimits;
    use crate::lint::lint;
    use crate::pack::compile::CompiledPack;
    use crate::pack::resolved::{PackFile, PackLayer, ResolvedPack};

    /// The L032 lines of a pack whose one rule is `body`.
    fn l032(body: &str) -> Vec<String> {
        let resolved = ResolvedPack::for_test(vec![PackLayer::for_test(vec![PackFile {
            path: "rules/A.rhai".into(),
            display: "A.rhai".into(),
            text: format!("//! title: A\n//! criterion: exit\n//! policy: p\n{body}\n"),
        }])]);
        let pack = CompiledPack::compile(&resolved, &EngineLimits::default())
            .unwrap_or_else(|e| panic!("{e:?}"));
        lint(&pack, &resolved)
            .into_iter()
            .filter(|d| d.code == Code::L032)
            .map(|d| format!("{}:{} {}", d.pos.line, d.pos.column, d.message))
            .collect()
    }

    #[test]
    fn a_threshold_compared_without_the_currency_is_reported() {
        let found = l032(
            "let f = request.finance;\nif f.total != () && f.total < params.min_grant_usd { note(\"small\"); }",
        );
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(
            found[0].starts_with("5:")
                && found[0].contains("`params.min_grant_usd`, an amount in USD"),
            "{found:?}"
        );
    }

    #[test]
    fn a_rule_that_reads_the_currency_or_a_param_not_named_after_one_is_silent() {
        assert!(l032("let f = request.finance;\nif f.currency == \"USD\" && f.total < params.min_grant_usd { note(\"small\"); }").is_empty());
        assert!(
            l032("if request.finance.total > params.max_total { note(\"large\"); }").is_empty()
        );
        assert!(
            l032("if request.personnel.len() > params.max_persons_busy { note(\"many\"); }")
                .is_empty()
        );
    }
}
