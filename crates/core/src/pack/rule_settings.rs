//! Per-rule settings: what a pack's manifest says about one rule, its own or inherited
//! (`[rules."base/EX-12"] disabled, outcome, policy, title, actor`). Settings merge per rule
//! and per key over the chain, later packs winning; a disabled rule does not run; an outcome
//! override turns every revise or reject finding of the rule into the outcome named (notes
//! stay notes), and the finding keeps the outcome the rule recorded. The compiler, the
//! screening and the linter all go through here.

use std::collections::{BTreeMap, BTreeSet};

use crate::decision::finding::{Actor, Outcome};
use crate::diagnostics::codes::Code;
use crate::diagnostics::diagnostic::Diagnostic;
use crate::json::Pos;
use crate::suggest::did_you_mean;

/// Settings a pack's manifest gives one rule (`[rules."base/EX-12"]`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RuleSettings {
    /// `disabled = true` removes the rule.
    pub disabled: Option<bool>,
    /// Every revise or reject finding of the rule becomes this outcome.
    pub outcome: Option<Outcome>,
    /// Cite this clause instead of the rule's own `policy`.
    pub policy: Option<String>,
    /// Use this title instead of the rule's own.
    pub title: Option<String>,
    /// Who must act on the rule's findings, instead of the rule's own `actor`.
    pub actor: Option<Actor>,
}

impl RuleSettings {
    /// These settings with each key `later` sets put over them.
    fn overlay(&mut self, later: &RuleSettings) {
        if later.disabled.is_some() {
            self.disabled = later.disabled;
        }
        if later.outcome.is_some() {
            self.outcome = later.outcome;
        }
        if later.policy.is_some() {
            self.policy.clone_from(&later.policy);
        }
        if later.title.is_some() {
            self.title.clone_from(&later.title);
        }
        if later.actor.is_some() {
            self.actor = later.actor;
        }
    }

    /// Whether the rule is disabled.
    pub fn is_disabled(&self) -> bool {
        self.disabled == Some(true)
    }
}

/// Settings for one rule, with where the manifest gives them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleSettingsEntry {
    /// Full rule id, `<pack id>/<rule id>`.
    pub rule: String,
    /// Where the table starts in the manifest.
    pub pos: Pos,
    /// What the table sets.
    pub settings: RuleSettings,
}

/// The settings of every rule of a pack, merged over its chain.
#[derive(Debug, Default)]
pub(crate) struct MergedSettings<'a> {
    by_rule: BTreeMap<String, RuleSettings>,
    /// The manifest, and the place in it, of the `policy` in force for each rule.
    policy_origin: BTreeMap<&'a str, (&'a str, Pos)>,
}

impl<'a> MergedSettings<'a> {
    /// Merge the settings of each manifest of a chain (farthest ancestor first) for the rules `known`; a table
    /// for any other rule is a problem (P011).
    pub(crate) fn merge(
        layers: impl IntoIterator<Item = (&'a str, &'a [RuleSettingsEntry])>,
        known: &BTreeSet<&str>,
        errors: &mut Vec<Diagnostic>,
    ) -> Self {
        let mut merged = MergedSettings::default();
        for (manifest, entries) in layers {
            for entry in entries {
                if !known.contains(entry.rule.as_str()) {
                    errors.push(unknown_rule(manifest, entry, known));
                    continue;
                }
                merged
                    .by_rule
                    .entry(entry.rule.clone())
                    .or_default()
                    .overlay(&entry.settings);
            }
            for entry in entries.iter().filter(|e| e.settings.policy.is_some()) {
                merged
                    .policy_origin
                    .insert(entry.rule.as_str(), (manifest, entry.pos));
            }
        }
        merged
    }

    /// Whether the rule `id` is disabled.
    pub(crate) fn is_disabled(&self, id: &str) -> bool {
        self.by_rule.get(id).is_some_and(RuleSettings::is_disabled)
    }

    /// The `policy` a manifest sets for the rule `id`, with the manifest and the place.
    pub(crate) fn policy(&self, id: &str) -> Option<(&str, &str, Pos)> {
        let text = self.by_rule.get(id)?.policy.as_deref()?;
        let (file, pos) = self
            .policy_origin
            .get(id)
            .copied()
            .unwrap_or(("", Pos::NONE));
        Some((text, file, pos))
    }

    /// The settings of the rule `id` (empty if none), taken out.
    pub(crate) fn take(&mut self, id: &str) -> RuleSettings {
        self.by_rule.remove(id).unwrap_or_default()
    }
}

fn unknown_rule(manifest: &str, entry: &RuleSettingsEntry, known: &BTreeSet<&str>) -> Diagnostic {
    let help = match did_you_mean(&entry.rule, known.iter().copied()) {
        Some(s) => format!("did you mean `{s}`?"),
        None => "name a rule of this pack or an ancestor as `<pack id>/<rule id>`".into(),
    };
    Diagnostic::error(
        Code::P011,
        format!("settings for rule `{}`, which does not exist", entry.rule),
    )
    .at(manifest, entry.pos)
    .help(help)
}

/// The outcome a finding is recorded with, and the one the rule recorded when an outcome
/// override changed it.
pub fn recorded_outcome(
    overridden: Option<Outcome>,
    written: Outcome,
) -> (Outcome, Option<Outcome>) {
    match overridden {
        Some(target) if written != Outcome::Note && written != target => (target, Some(written)),
        _ => (written, None),
    }
}

/// The outcome a rule that records `written` produces under the pack's override.
pub fn outcome_under(overridden: Option<Outcome>, written: Outcome) -> Outcome {
    recorded_outcome(overridden, written).0
}

/// Whether a rule that can record revise or reject still can under the pack's override.
pub fn can_decide(overridden: Option<Outcome>) -> bool {
    overridden != Some(Outcome::Note)
}

/// The rules whose `policy` these settings (one manifest's) override.
pub fn policy_overridden_by(settings: &[RuleSettingsEntry]) -> BTreeSet<&str> {
    settings
        .iter()
        .filter(|e| e.settings.policy.is_some())
        .map(|e| e.rule.as_str())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_override_changes_revise_and_reject_never_a_note() {
        use Outcome::*;
        assert_eq!(recorded_outcome(Some(Note), Reject), (Note, Some(Reject)));
        assert_eq!(
            recorded_outcome(Some(Reject), Revise),
            (Reject, Some(Revise))
        );
        assert_eq!(recorded_outcome(Some(Reject), Note), (Note, None));
        assert_eq!(recorded_outcome(Some(Revise), Revise), (Revise, None));
        assert_eq!(recorded_outcome(None, Reject), (Reject, None));
        assert!(!can_decide(Some(Note)) && can_decide(Some(Revise)) && can_decide(None));
    }

    #[test]
    fn later_layers_win_per_key_and_unknown_rules_are_refused() {
        let layer =
            |id: &str, entries: Vec<RuleSettingsEntry>| (format!("{id}/pack.toml"), entries);
        let entry = |rule: &str, settings: RuleSettings| RuleSettingsEntry {
            rule: rule.into(),
            pos: Pos::new(3, 1),
            settings,
        };
        let layers = [
            layer(
                "base",
                vec![entry(
                    "base/A",
                    RuleSettings {
                        outcome: Some(Outcome::Note),
                        policy: Some("one".into()),
                        ..RuleSettings::default()
                    },
                )],
            ),
            layer(
                "kh",
                vec![
                    entry(
                        "base/A",
                        RuleSettings {
                            policy: Some("two".into()),
                            ..RuleSettings::default()
                        },
                    ),
                    entry(
                        "base/B",
                        RuleSettings {
                            disabled: Some(true),
                            ..RuleSettings::default()
                        },
                    ),
                    entry("base/Z", RuleSettings::default()),
                ],
            ),
        ];
        let known = BTreeSet::from(["base/A", "base/B"]);
        let mut errors = Vec::new();
        let layers = layers.iter().map(|(m, e)| (m.as_str(), &e[..]));
        let mut merged = MergedSettings::merge(layers, &known, &mut errors);
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].code, Code::P011);
        assert!(merged.is_disabled("base/B") && !merged.is_disabled("base/A"));
        assert_eq!(
            merged.policy("base/A"),
            Some(("two", "kh/pack.toml", Pos::new(3, 1)))
        );
        let a = merged.take("base/A");
        assert_eq!(a.outcome, Some(Outcome::Note));
        assert_eq!(merged.take("base/A"), RuleSettings::default());
    }
}
