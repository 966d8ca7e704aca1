//! How findings combine into a decision (spec §5): reject if any finding rejects, else revise
//! if any asks to revise, else accept; notes never change it. The same per criterion. A
//! screening where a rule failed has no decision at all.

use std::collections::BTreeMap;
use std::fmt;

use crate::decision::finding::{Criterion, Finding, Outcome, RuleError};

/// The screening decision. Ordered by severity.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Decision {
    /// Nothing to change.
    Accept,
    /// Something to change.
    Revise,
    /// Not acceptable.
    Reject,
}

impl Decision {
    /// The name used in records.
    pub const fn as_str(self) -> &'static str {
        match self {
            Decision::Accept => "accept",
            Decision::Revise => "revise",
            Decision::Reject => "reject",
        }
    }

    /// Parse `accept`, `revise` or `reject`.
    pub fn parse(s: &str) -> Option<Decision> {
        match s {
            "accept" => Some(Decision::Accept),
            "revise" => Some(Decision::Revise),
            "reject" => Some(Decision::Reject),
            _ => None,
        }
    }

    /// The decision a set of outcomes leads to: reject if any is reject, else revise if any is
    /// revise, else accept. Notes never change it.
    pub fn from_outcomes(outcomes: impl IntoIterator<Item = Outcome>) -> Decision {
        outcomes
            .into_iter()
            .fold(Decision::Accept, |decision, outcome| {
                decision.max(match outcome {
                    Outcome::Note => Decision::Accept,
                    Outcome::Revise => Decision::Revise,
                    Outcome::Reject => Decision::Reject,
                })
            })
    }
}

impl fmt::Display for Decision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The decision of a screening: `None` when a rule failed.
pub fn of(findings: &[Finding], errors: &[RuleError]) -> Option<Decision> {
    errors
        .is_empty()
        .then(|| Decision::from_outcomes(findings.iter().map(|f| f.outcome)))
}

/// The decision per criterion: `None` when a rule failed.
pub fn by_criterion(
    findings: &[Finding],
    errors: &[RuleError],
) -> Option<BTreeMap<Criterion, Decision>> {
    errors.is_empty().then(|| {
        Criterion::ALL
            .into_iter()
            .map(|c| {
                let outcomes = findings
                    .iter()
                    .filter(|f| f.criterion == c)
                    .map(|f| f.outcome);
                (c, Decision::from_outcomes(outcomes))
            })
            .collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notes_never_change_the_decision() {
        assert_eq!(Decision::from_outcomes([]), Decision::Accept);
        assert_eq!(
            Decision::from_outcomes([Outcome::Note, Outcome::Note]),
            Decision::Accept
        );
        assert_eq!(
            Decision::from_outcomes([Outcome::Note, Outcome::Revise]),
            Decision::Revise
        );
        assert_eq!(
            Decision::from_outcomes([Outcome::Reject, Outcome::Revise]),
            Decision::Reject
        );
    }
}
