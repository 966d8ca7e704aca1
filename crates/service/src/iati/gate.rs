//! The TC gate: which activities are technical co-operation, on what signal, and which to
//! flag. An activity is TC when it has a TC aid type (D01, D02, E01, E02, DAC vocabulary) at
//! activity or transaction level, or TC named in its title or descriptions (in English, French,
//! Spanish, Portuguese, German, Dutch or Finnish: the phrases below), or a known TC agency
//! among its implementing organisations. A code alone is flagged: D02 is sometimes research
//! funding, not TC. Closed and cancelled activities are flagged too.

use super::activity::Activity;
use super::codelist::{self, TC_AID_TYPES};

/// Phrases that name technical co-operation, lower case; matched at the start of a word.
const TC_PHRASES: &[&str] = &[
    // English
    "technical assistance",
    "technical cooperation",
    "technical co-operation",
    "capacity building",
    "capacity-building",
    "capacity development",
    "advisory",
    "adviser",
    "advisor",
    "expert",
    "twinning",
    "scholarship",
    "training",
    "peer exchange",
    "peer-to-peer",
    // French
    "assistance technique",
    "coopération technique",
    "renforcement des capacités",
    "renforcement de capacités",
    "jumelage",
    "formation",
    // Spanish and Portuguese
    "asistencia técnica",
    "cooperación técnica",
    "fortalecimiento de capacidades",
    "hermanamiento",
    "assistência técnica",
    "cooperação técnica",
    "capacitação",
    // German
    "technische zusammenarbeit",
    "technische hilfe",
    "fachkräfte",
    "beratung",
    // Dutch
    "technische assistentie",
    "technische bijstand",
    "capaciteitsopbouw",
    "capaciteitsversterking",
    // Finnish
    "tekninen apu",
    "koulutus",
    "kapasiteetin vahvistaminen",
];

/// Agencies whose business is technical co-operation, as their names appear in IATI
/// (lower case, matched at the start of a word of an implementing organisation's name).
const TC_AGENCIES: &[&str] = &[
    "giz",
    "deutsche gesellschaft für internationale zusammenarbeit",
    "expertise france",
    "enabel",
    "jica",
    "japan international cooperation agency",
    "koica",
    "korea international cooperation agency",
    "fiiapp",
    "luxdev",
    "crown agents",
    "united nations volunteers",
    "vso",
];

/// What made an activity TC.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Signal {
    /// A TC aid type, at `activity` or `transaction` level.
    AidType {
        /// D01, D02, E01 or E02.
        code: String,
        /// `activity` or `transaction`.
        level: &'static str,
    },
    /// A TC phrase in the title or a description.
    Words(String),
    /// A known TC agency implements it.
    Agency(String),
}

impl Signal {
    /// The signal in a few words, for the import report.
    pub fn describe(&self) -> String {
        match self {
            Signal::AidType { code, level } => format!("aid type {code} ({level})"),
            Signal::Words(phrase) => format!("\"{phrase}\" in its text"),
            Signal::Agency(name) => format!("implemented by {name}"),
        }
    }
}

/// The gate's verdict on an activity.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verdict {
    /// What makes it TC; empty when nothing does.
    pub signals: Vec<Signal>,
    /// `closed` or `cancelled`, from its status.
    pub over: Option<&'static str>,
}

impl Verdict {
    /// Whether the activity is TC.
    pub fn is_tc(&self) -> bool {
        !self.signals.is_empty()
    }

    /// Whether its only signals are codes.
    pub fn code_only(&self) -> bool {
        self.is_tc()
            && self
                .signals
                .iter()
                .all(|s| matches!(s, Signal::AidType { .. }))
    }

    /// The flags kept in `extensions.iati_source.flags`: `closed`/`cancelled`,
    /// `tc_code_only`, `not_tc` (imported with `--all`).
    pub fn flags(&self) -> Vec<&'static str> {
        let mut flags = Vec::new();
        if let Some(over) = self.over {
            flags.push(over);
        }
        if !self.is_tc() {
            flags.push("not_tc");
        } else if self.code_only() {
            flags.push("tc_code_only");
        }
        flags
    }
}

/// Judge an activity.
pub fn judge(activity: &Activity) -> Verdict {
    let mut signals = Vec::new();
    let mut add = |signal: Signal| {
        if !signals.contains(&signal) {
            signals.push(signal);
        }
    };
    for aid in &activity.default_aid_types {
        if aid.vocabulary == "1" && TC_AID_TYPES.contains(&aid.code.as_str()) {
            add(Signal::AidType {
                code: aid.code.clone(),
                level: "activity",
            });
        }
    }
    for transaction in &activity.transactions {
        for aid in &transaction.aid_types {
            if aid.vocabulary == "1" && TC_AID_TYPES.contains(&aid.code.as_str()) {
                add(Signal::AidType {
                    code: aid.code.clone(),
                    level: "transaction",
                });
            }
        }
    }
    let texts = activity
        .title
        .0
        .iter()
        .chain(activity.descriptions.iter().flat_map(|(_, t)| t.0.iter()))
        .map(|(_, text)| text.to_lowercase());
    for text in texts {
        if let Some(phrase) = first_phrase(&text, TC_PHRASES) {
            add(Signal::Words(phrase.to_string()));
            break;
        }
    }
    for org in activity
        .participants
        .iter()
        .filter(|o| o.role.as_deref() == Some("4"))
    {
        for (_, name) in &org.name.0 {
            let lower = name.to_lowercase();
            if first_phrase(&lower, TC_AGENCIES).is_some() {
                add(Signal::Agency(name.clone()));
                break;
            }
        }
    }
    Verdict {
        signals,
        over: activity
            .status
            .as_deref()
            .and_then(codelist::status_is_over),
    }
}

/// The first of `phrases` that occurs in `text` at the start of a word ("training" matches
/// "trainings", not "restraining"), in the order of `phrases`. One pass over the words.
fn first_phrase<'p>(text: &str, phrases: &[&'p str]) -> Option<&'p str> {
    let mut found: Option<usize> = None;
    let mut previous_alphanumeric = false;
    for (i, c) in text.char_indices() {
        if !previous_alphanumeric {
            let rest = &text[i..];
            if let Some(k) = phrases.iter().position(|p| rest.starts_with(p))
                && found.is_none_or(|f| k < f)
            {
                found = Some(k);
            }
        }
        previous_alphanumeric = c.is_alphanumeric();
    }
    found.map(|k| phrases[k])
}

#[cfg(test)]
fn starts_a_word(text: &str, phrase: &str) -> bool {
    first_phrase(text, &[phrase]).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::iati::activity::{Coded, Org, Texts};

    #[test]
    fn words_match_at_the_start_of_a_word_only() {
        assert!(starts_a_word("on-the-job training of staff", "training"));
        assert!(!starts_a_word("restraining orders", "training"));
        assert!(starts_a_word("giz", "giz"));
    }

    #[test]
    fn a_code_alone_is_flagged_and_a_closed_activity_too() {
        let mut activity = Activity {
            default_aid_types: vec![Coded {
                code: "D02".into(),
                vocabulary: "1".into(),
            }],
            title: Texts(vec![(None, "Soil research grants".into())]),
            status: Some("4".into()),
            ..Activity::default()
        };
        let verdict = judge(&activity);
        assert!(verdict.is_tc() && verdict.code_only());
        assert_eq!(verdict.flags(), ["closed", "tc_code_only"]);
        activity.participants.push(Org {
            role: Some("4".into()),
            name: Texts(vec![(
                None,
                "Deutsche Gesellschaft für Internationale Zusammenarbeit (GIZ) GmbH".into(),
            )]),
            ..Org::default()
        });
        assert!(!judge(&activity).code_only());
    }
}
