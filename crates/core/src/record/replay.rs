//! Comparing a recorded decision with a new screening of the same input.
//!
//! Records are compared by their canonical bytes. When they differ, the comparison says why
//! in terms an auditor can act on: the decision, findings added, removed or changed (matched
//! by rule and field), rule errors, the number of rules run. A different engine version on its
//! own is reported as a note, not a divergence.

use crate::decision::aggregation::Decision;
use crate::decision::finding::{Finding, RuleError};
use crate::record::decision_record::DecisionRecord;

/// How a finding differs between the recorded and the new screening.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FindingChange {
    /// Only in the new screening.
    Added(Finding),
    /// Only in the record.
    Removed(Finding),
    /// Same rule and field, different outcome, message or policy.
    Changed {
        /// As recorded.
        before: Finding,
        /// As screened now.
        after: Finding,
    },
}

/// What differs between two records of the same request.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RecordDiff {
    /// The decision, if it changed: (recorded, now).
    pub decision: Option<(Option<Decision>, Option<Decision>)>,
    /// Finding-level changes.
    pub findings: Vec<FindingChange>,
    /// Rule errors only in the record.
    pub errors_removed: Vec<RuleError>,
    /// Rule errors only in the new screening.
    pub errors_added: Vec<RuleError>,
    /// Rules run, if it changed: (recorded, now).
    pub rules_run: Option<(usize, usize)>,
    /// The pack or its ancestors differ in id, version or digest.
    pub pack_changed: bool,
    /// Only the engine version differs (recorded, now); everything else is the same bytes.
    pub engine_only: Option<(String, String)>,
    /// The record was written before findings named who must act (`findings[].actor`), and
    /// is otherwise the same bytes (the engine version aside).
    pub without_actors: bool,
    /// Whether the canonical bytes are identical.
    pub identical: bool,
}

impl RecordDiff {
    /// Whether the records match (identical, or differing only in engine version or in the
    /// actors an older record could not hold).
    pub fn matches(&self) -> bool {
        self.identical || self.engine_only.is_some() || self.without_actors
    }
}

/// Compare a recorded decision with a new one.
pub fn compare(recorded: &DecisionRecord, now: &DecisionRecord) -> RecordDiff {
    let mut diff = RecordDiff {
        identical: recorded.to_canonical() == now.to_canonical(),
        ..RecordDiff::default()
    };
    if diff.identical {
        return diff;
    }
    // What an older record could not hold is compared as it would have written it.
    let mut as_then = now.clone();
    let without_actors = recorded.findings.iter().all(|f| f.actor.is_none())
        && now.findings.iter().any(|f| f.actor.is_some());
    if without_actors {
        for f in &mut as_then.findings {
            f.actor = None;
        }
    }
    if recorded.engine_version != now.engine_version || without_actors {
        as_then.engine_version.clone_from(&recorded.engine_version);
        if as_then.to_canonical() == recorded.to_canonical() {
            if recorded.engine_version != now.engine_version {
                diff.engine_only =
                    Some((recorded.engine_version.clone(), now.engine_version.clone()));
            }
            diff.without_actors = without_actors;
            return diff;
        }
    }
    if recorded.decision != now.decision {
        diff.decision = Some((recorded.decision, now.decision));
    }
    if recorded.rules_run != now.rules_run {
        diff.rules_run = Some((recorded.rules_run, now.rules_run));
    }
    diff.pack_changed = recorded.pack != now.pack
        || recorded.chain != now.chain
        || recorded.in_force_during_tc != now.in_force_during_tc;
    diff.findings = finding_changes(&recorded.findings, &now.findings);
    diff.errors_removed = recorded
        .errors
        .iter()
        .filter(|e| !now.errors.contains(e))
        .cloned()
        .collect();
    diff.errors_added = now
        .errors
        .iter()
        .filter(|e| !recorded.errors.contains(e))
        .cloned()
        .collect();
    diff
}

/// Findings only in `before`, only in `after`, and pairs with the same rule and field that
/// differ otherwise.
pub fn finding_changes(before: &[Finding], after: &[Finding]) -> Vec<FindingChange> {
    let mut removed: Vec<&Finding> = Vec::new();
    let mut unmatched_after: Vec<&Finding> = after.iter().collect();
    for f in before {
        match unmatched_after.iter().position(|g| *g == f) {
            Some(i) => {
                unmatched_after.remove(i);
            }
            None => removed.push(f),
        }
    }
    let mut changes = Vec::new();
    for f in removed {
        match unmatched_after
            .iter()
            .position(|g| g.rule == f.rule && g.field == f.field)
        {
            Some(i) => {
                let g = unmatched_after.remove(i);
                changes.push(FindingChange::Changed {
                    before: f.clone(),
                    after: g.clone(),
                });
            }
            None => changes.push(FindingChange::Removed(f.clone())),
        }
    }
    changes.extend(
        unmatched_after
            .into_iter()
            .map(|g| FindingChange::Added(g.clone())),
    );
    changes
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decision::finding::{Criterion, Outcome};

    fn finding(rule: &str, field: &str, outcome: Outcome, message: &str) -> Finding {
        Finding {
            rule: rule.into(),
            criterion: Criterion::Exit,
            outcome,
            message: message.into(),
            field: Some(field.into()),
            policy: None,
            overridden_from: None,
            actor: Some(crate::decision::finding::Actor::Requester),
        }
    }

    #[test]
    fn a_record_from_before_actors_matches_the_same_screening_with_them() {
        use crate::request::validate::{RequestLimits, ValidRequest};
        let request = ValidRequest::from_text(
            r#"{"id": "R", "country": "ZZ", "title": "T", "received": "2025-03-04"}"#,
            &RequestLimits::default(),
        )
        .unwrap();
        let text = |actor: &str, message: &str| {
            format!(
                r#"{{"as_of":"2025-03-04","criteria":{{"data":"accept","demand_led":"accept","exit":"accept","policy_fit":"accept"}},"decision":"accept","engine":{{"name":"tcscreen","version":"0.1.0"}},"errors":[],"findings":[{{{actor}"criterion":"exit","field":null,"message":"{message}","outcome":"note","overridden_from":null,"policy":null,"rule":"p/A"}}],"input":{},"pack":{{"chain":[],"id":"p","sha256":"ab","version":"1"}},"request":{{"country":"ZZ","id":"R","sha256":"{}"}},"rules_run":1,"schema":"tcscreen/decision/v1"}}"#,
                request.shared_canonical(),
                request.sha256()
            )
        };
        let read = |t: String| {
            DecisionRecord::from_json(&crate::json::parse(&t, Default::default()).unwrap()).unwrap()
        };
        let old = read(text("", "m"));
        assert_eq!(old.findings[0].actor, None);
        assert_eq!(
            old.to_canonical(),
            text("", "m"),
            "an older record keeps its bytes"
        );
        let now = read(text(r#""actor":"provider","#, "m"));
        let diff = compare(&old, &now);
        assert!(diff.matches() && diff.without_actors, "{diff:?}");
        // Anything else that differs is still a divergence.
        let changed = read(text(r#""actor":"provider","#, "n"));
        assert!(!compare(&old, &changed).matches());
        // A record that names actors must match them.
        let other = read(text(r#""actor":"requester","#, "m"));
        assert!(!compare(&now, &other).matches());
    }

    #[test]
    fn findings_pair_by_rule_and_field() {
        let before = [
            finding("b/A", "x", Outcome::Revise, "m"),
            finding("b/B", "y", Outcome::Revise, "m"),
            finding("b/C", "z", Outcome::Note, "m"),
        ];
        let after = [
            finding("b/A", "x", Outcome::Revise, "m"),
            finding("b/B", "y", Outcome::Reject, "m"),
            finding("b/D", "w", Outcome::Note, "m"),
        ];
        let changes = finding_changes(&before, &after);
        assert_eq!(
            changes,
            [
                FindingChange::Changed {
                    before: before[1].clone(),
                    after: after[1].clone()
                },
                FindingChange::Removed(before[2].clone()),
                FindingChange::Added(after[2].clone()),
            ]
        );
    }
}
