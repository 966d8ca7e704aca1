//! The map form of a finding (an extension of spec §4): `revise(#{ message, field, actor,
//! information })`, for what the string form cannot say: who must act on this finding when it
//! is not the rule's `actor` (an unsolicited offer is answered to the provider; a check by
//! hand is the coordination unit's own follow-up), and how the finding reads as information
//! when the pack lowers the rule's outcome to a note.

use rhai::Map;

use crate::decision::finding::{Actor, Outcome};

/// The members a finding's map may hold.
pub(crate) const KEYS: [&str; 4] = ["message", "field", "actor", "information"];

/// A finding as a rule called for it, in either form.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct FindingCall {
    pub(crate) message: String,
    pub(crate) field: Option<String>,
    /// Who must act, when the finding says; else the rule's actor.
    pub(crate) actor: Option<Actor>,
    /// The finding written as information, used when an override lowers it to a note.
    pub(crate) information: Option<String>,
}

impl FindingCall {
    /// The string form: `revise(message)`, `revise(message, field)`.
    pub(crate) fn plain(message: &str, field: Option<&str>) -> Self {
        FindingCall {
            message: message.to_string(),
            field: field.map(str::to_string),
            ..FindingCall::default()
        }
    }

    /// The map form, checked: every member known, each of the right type, and information
    /// only where an outcome can be lowered (revise and reject).
    pub(crate) fn from_map(outcome: Outcome, map: &Map) -> Result<Self, String> {
        let name = outcome.as_str();
        if let Some(unknown) = map.keys().find(|k| !KEYS.contains(&k.as_str())) {
            return Err(format!(
                "{name}(#{{…}}): `{unknown}` is not a member of a finding; the members are {}",
                KEYS.join(", ")
            ));
        }
        let text = |key: &str| -> Result<Option<String>, String> {
            match map.get(key) {
                None => Ok(None),
                Some(v) if v.is_unit() => Ok(None),
                Some(v) => match v.clone().into_immutable_string() {
                    Ok(s) => Ok(Some(s.to_string())),
                    Err(_) => Err(format!(
                        "{name}(#{{…}}): `{key}` must be a string in quotes, found a {}",
                        v.type_name()
                    )),
                },
            }
        };
        let message = text("message")?
            .ok_or_else(|| format!("{name}(#{{…}}) needs a `message` that says what to change"))?;
        let actor = match text("actor")? {
            None => None,
            Some(a) => Some(Actor::parse(&a).ok_or_else(|| {
                let names = Actor::ALL.map(Actor::as_str);
                format!(
                    "{name}(#{{…}}): the actor `{a}` is not known; it is one of {}",
                    names.join(", ")
                )
            })?),
        };
        let information = text("information")?;
        if information.is_some() && outcome == Outcome::Note {
            return Err(
                "note(#{…}): a note is information already; `information` is for revise and reject, read when a pack lowers them to a note"
                    .to_string(),
            );
        }
        if information.as_deref().is_some_and(|i| i.trim().is_empty()) {
            return Err(format!(
                "{name}(#{{…}}): `information` is blank; leave it out, or say what the requester should know"
            ));
        }
        Ok(FindingCall {
            message,
            field: text("field")?,
            actor,
            information,
        })
    }
}
