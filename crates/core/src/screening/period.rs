//! The policy in force during the TC, not only on the screening date.
//!
//! A coordination unit that screens a request knows the policy that will govern every month
//! of the TC: a pack that comes into force after the screening date but before the TC ends
//! (a later version of the country's pack, or an announced policy) governs those months. The
//! service screens the request with each such pack as well, on the same screening date (so its
//! findings cite only sources dated by then), and [`merge_later`] adds what that pack asks
//! beyond the pack in force today, each finding saying from when it applies. The record lists
//! every pack that took part ([`PackInForce`]), so that replay screens with the same packs.

use crate::date::Date;
use crate::decision::finding::Finding;
use crate::pack::resolved::PackIdentity;
use crate::screening::screen::Screening;

/// A pack that comes into force during the TC and took part in the screening.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PackInForce {
    /// Which pack, which version, which bytes.
    pub pack: PackIdentity,
    /// Its ancestors, nearest first.
    pub chain: Vec<PackIdentity>,
    /// The day it comes into force (its `valid_from`).
    pub from: Date,
}

/// A date as people write it: `1 January 2010`.
pub fn in_words(date: Date) -> String {
    let month = crate::date::MONTH_NAMES
        .get(date.month().saturating_sub(1) as usize)
        .copied()
        .unwrap_or("?");
    format!("{} {month} {}", date.day(), date.year())
}

/// Add to `screening` (by the pack in force on the screening date) what `later` (by a pack in
/// force from `from`, during the TC) finds beyond it: each finding not already recorded with
/// the same rule, outcome, message and field, its message saying from when the policy applies;
/// and every rule error not already recorded. A finding of today's pack that the later pack
/// makes stricter (same rule and field, a higher outcome) gives way to it, so a point is made
/// once. Findings stay in rule-id order, those of the pack in force today first for each rule.
pub fn merge_later(screening: &mut Screening, later: Screening, from: Date) {
    let when = in_words(from);
    let added: Vec<Finding> = later
        .findings
        .into_iter()
        .filter(|finding| {
            !screening.findings.iter().any(|f| {
                f.rule == finding.rule
                    && f.outcome == finding.outcome
                    && f.message == finding.message
                    && f.field == finding.field
            })
        })
        .collect();
    screening.findings.retain(|f| {
        !added
            .iter()
            .any(|g| g.rule == f.rule && g.field == f.field && g.outcome > f.outcome)
    });
    for mut finding in added {
        finding.message = format!(
            "From {when}, a policy that comes into force during this TC applies. {}",
            finding.message
        );
        let at = screening
            .findings
            .iter()
            .rposition(|f| f.rule <= finding.rule)
            .map_or(0, |i| i + 1);
        screening.findings.insert(at, finding);
    }
    for error in later.errors {
        if !screening.errors.contains(&error) {
            screening.errors.push(error);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decision::finding::{Criterion, Finding, Outcome};

    fn finding(rule: &str, outcome: Outcome, message: &str) -> Finding {
        Finding {
            rule: rule.into(),
            criterion: Criterion::Exit,
            outcome,
            message: message.into(),
            field: None,
            policy: None,
            overridden_from: None,
            actor: None,
        }
    }

    fn screening(findings: Vec<Finding>) -> Screening {
        Screening {
            findings,
            errors: Vec::new(),
            rules_run: 3,
            output: Vec::new(),
        }
    }

    #[test]
    fn later_findings_are_added_once_in_rule_order_and_say_from_when() {
        let mut today = screening(vec![
            finding("b/A", Outcome::Revise, "a"),
            finding("b/C", Outcome::Note, "c"),
            finding("b/D", Outcome::Revise, "d"),
        ]);
        let later = screening(vec![
            finding("b/A", Outcome::Revise, "a"),
            finding("b/B", Outcome::Reject, "b"),
            finding("b/C", Outcome::Reject, "c"),
            finding("b/D", Outcome::Note, "d"),
        ]);
        let from = Date::parse("2010-01-01").unwrap();
        merge_later(&mut today, later, from);
        let rules: Vec<(&str, Outcome)> = today
            .findings
            .iter()
            .map(|f| (f.rule.as_str(), f.outcome))
            .collect();
        assert_eq!(
            rules,
            [
                ("b/A", Outcome::Revise),
                ("b/B", Outcome::Reject),
                ("b/C", Outcome::Reject),
                ("b/D", Outcome::Revise),
                ("b/D", Outcome::Note),
            ]
        );
        assert_eq!(
            today.findings[1].message,
            "From 1 January 2010, a policy that comes into force during this TC applies. b"
        );
        assert_eq!(
            today.decision(),
            Some(crate::decision::aggregation::Decision::Reject)
        );
    }

    #[test]
    fn dates_in_words() {
        assert_eq!(in_words(Date::parse("2019-05-30").unwrap()), "30 May 2019");
    }
}
