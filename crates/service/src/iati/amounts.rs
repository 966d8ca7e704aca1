//! The amount of an activity, and of one recipient country's part of it.
//!
//! The first of these that gives a total above zero in one currency is used: the budgets (a
//! revised budget replaces the original of the same period), else the outgoing commitments
//! (transaction type 2, 1.0x `C`), else the planned disbursements (revised replacing original
//! in the same way). A country's part is the total times its percentage, rounded to the cent,
//! half away from zero. When the countries are named on transactions only, a country's part is
//! the sum of the commitments naming it.

use rust_decimal::{Decimal, RoundingStrategy};

use super::activity::{Activity, Budget, Money};

/// Where an amount comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AmountSource {
    /// The budgets.
    Budgets,
    /// The outgoing commitments.
    Commitments,
    /// The planned disbursements.
    PlannedDisbursements,
}

impl AmountSource {
    /// The name kept in `extensions.iati_source.amount_from`.
    pub fn as_str(self) -> &'static str {
        match self {
            AmountSource::Budgets => "budgets",
            AmountSource::Commitments => "commitments",
            AmountSource::PlannedDisbursements => "planned_disbursements",
        }
    }
}

/// A total in one currency, and where it comes from.
#[derive(Clone, Debug, PartialEq)]
pub struct Total {
    /// The amount.
    pub amount: Decimal,
    /// ISO 4217 code.
    pub currency: String,
    /// Where it comes from.
    pub source: AmountSource,
}

/// The activity's total, or why there is none (in a sentence, for `iati_source`).
pub fn activity_total(activity: &Activity) -> Result<Total, String> {
    let mut why = Vec::new();
    let budgets = latest_per_period(&activity.budgets);
    let commitments: Vec<&Money> = activity
        .transactions
        .iter()
        .filter(|t| t.kind.as_deref() == Some("2"))
        .filter_map(|t| t.value.as_ref())
        .collect();
    let planned = latest_per_period(&activity.planned_disbursements);
    let sources = [
        (AmountSource::Budgets, budgets),
        (AmountSource::Commitments, commitments),
        (AmountSource::PlannedDisbursements, planned),
    ];
    for (source, values) in sources {
        if values.is_empty() {
            continue;
        }
        match sum(&values) {
            Ok((amount, currency)) if amount > Decimal::ZERO => {
                return Ok(Total {
                    amount,
                    currency,
                    source,
                });
            }
            Ok(_) => why.push(format!("the {} add up to zero", words(source))),
            Err(problem) => why.push(format!("the {} {problem}", words(source))),
        }
    }
    if why.is_empty() {
        Err("the activity states no budget, commitment or planned disbursement".into())
    } else {
        Err(why.join("; "))
    }
}

/// The commitments of the transactions that name `country`.
pub fn country_commitments(activity: &Activity, country: &str) -> Result<Total, String> {
    let values: Vec<&Money> = activity
        .transactions
        .iter()
        .filter(|t| t.kind.as_deref() == Some("2") && t.countries.iter().any(|c| c == country))
        .filter_map(|t| t.value.as_ref())
        .collect();
    if values.is_empty() {
        return Err(format!("no commitment names {country}"));
    }
    let (amount, currency) = sum(&values).map_err(|p| format!("the commitments {p}"))?;
    Ok(Total {
        amount,
        currency,
        source: AmountSource::Commitments,
    })
}

/// `amount` times `percentage` %, to the cent, half away from zero.
pub fn share_of(amount: Decimal, percentage: Decimal) -> Decimal {
    (amount * percentage / Decimal::ONE_HUNDRED)
        .round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
        .normalize()
}

fn words(source: AmountSource) -> &'static str {
    match source {
        AmountSource::Budgets => "budgets",
        AmountSource::Commitments => "commitments",
        AmountSource::PlannedDisbursements => "planned disbursements",
    }
}

/// Per period (start, end), the last revised value, else the last original.
fn latest_per_period(budgets: &[Budget]) -> Vec<&Money> {
    let mut periods: Vec<(&Option<String>, &Option<String>)> = Vec::new();
    for b in budgets {
        if !periods.contains(&(&b.start, &b.end)) {
            periods.push((&b.start, &b.end));
        }
    }
    periods
        .into_iter()
        .filter_map(|(start, end)| {
            let same: Vec<&Budget> = budgets
                .iter()
                .filter(|b| &b.start == start && &b.end == end)
                .collect();
            same.iter()
                .rev()
                .find(|b| b.revised)
                .or_else(|| same.last())
                .map(|b| &b.value)
        })
        .collect()
}

/// The sum of values in one currency; a phrase when they have none or several.
fn sum(values: &[&Money]) -> Result<(Decimal, String), String> {
    let mut currencies: Vec<&str> = Vec::new();
    for v in values {
        match v.currency.as_deref() {
            Some(c) if !currencies.contains(&c) => currencies.push(c),
            Some(_) => {}
            None => {
                return Err("name no currency (and the activity has no default currency)".into());
            }
        }
    }
    if currencies.len() > 1 {
        return Err(format!(
            "are in several currencies ({})",
            currencies.join(", ")
        ));
    }
    let mut total = Decimal::ZERO;
    for v in values {
        total = total
            .checked_add(v.amount)
            .ok_or_else(|| "add up to more than can be held exactly".to_string())?;
    }
    Ok((total.normalize(), currencies[0].to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::iati::activity::Transaction;

    fn money(amount: i64, currency: &str) -> Money {
        Money {
            amount: Decimal::from(amount),
            currency: Some(currency.into()),
        }
    }

    fn budget(revised: bool, year: &str, amount: i64) -> Budget {
        Budget {
            revised,
            start: Some(format!("{year}-01-01")),
            end: Some(format!("{year}-12-31")),
            value: money(amount, "GBP"),
        }
    }

    #[test]
    fn a_revised_budget_replaces_the_original_of_its_period_only() {
        let activity = Activity {
            budgets: vec![
                budget(false, "2024", 100),
                budget(true, "2024", 150),
                budget(false, "2025", 200),
            ],
            ..Activity::default()
        };
        let total = activity_total(&activity).unwrap();
        assert_eq!(total.amount, Decimal::from(350));
        assert_eq!(total.source, AmountSource::Budgets);
    }

    #[test]
    fn zero_budgets_give_way_to_commitments_and_mixed_currencies_are_not_added() {
        let commitment = |amount, currency| Transaction {
            kind: Some("2".into()),
            value: Some(money(amount, currency)),
            aid_types: vec![],
            tied_status: None,
            channel: None,
            countries: vec![],
        };
        let mut activity = Activity {
            budgets: vec![budget(false, "2024", 0)],
            transactions: vec![commitment(500, "EUR")],
            ..Activity::default()
        };
        let total = activity_total(&activity).unwrap();
        assert_eq!(
            (total.amount, total.source),
            (Decimal::from(500), AmountSource::Commitments)
        );
        activity.transactions.push(commitment(10, "USD"));
        let why = activity_total(&activity).unwrap_err();
        assert!(why.contains("several currencies (EUR, USD)"), "{why}");
    }

    #[test]
    fn a_share_is_rounded_to_the_cent_half_away_from_zero() {
        assert_eq!(
            share_of(Decimal::from(1_000_000), Decimal::new(1428, 2)).to_string(),
            "142800"
        );
        assert_eq!(
            share_of(Decimal::from(1), Decimal::new(125, 1)).to_string(),
            "0.13"
        );
    }
}
