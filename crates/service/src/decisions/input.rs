//! A person's decision as it is given: its fields, and reading it from JSON (the body of
//! `POST /v1/register/{request_id}/decision`) with a typed problem that names the member at
//! fault ([`BadDecision::path`]).

use tcscreen_core::json::{Json, JsonValue};
use tcscreen_core::{Date, Decision};

/// What a person decides, before it is checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DecisionInput {
    /// The decision taken.
    pub decision: Decision,
    /// Who takes it.
    pub by: String,
    /// Why (required to depart from the screening or to waive rules); blank means none.
    pub reason: Option<String>,
    /// Rules whose findings are set aside (full ids, `base/DL-03`).
    pub waived: Vec<String>,
    /// The date of the decision; `None`: today (UTC).
    pub at: Option<Date>,
    /// The screening the person read and decides on (its entry number); `None`: the latest.
    pub screening: Option<u64>,
}

/// A field of a decision, by its name in JSON (the path of a problem about it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Field {
    /// `decision`: accept, revise or reject.
    Decision,
    /// `by`: who takes it.
    By,
    /// `reason`: why.
    Reason,
    /// `waived`: the rules set aside.
    Waived,
    /// `at`: the date of the decision.
    At,
    /// `screening_seq`: the screening decided on.
    ScreeningSeq,
}

impl Field {
    /// Every field, in the order the API lists them.
    pub const ALL: [Field; 6] = [
        Field::Decision,
        Field::By,
        Field::Reason,
        Field::Waived,
        Field::At,
        Field::ScreeningSeq,
    ];

    /// The field's name in JSON.
    pub fn name(self) -> &'static str {
        match self {
            Field::Decision => "decision",
            Field::By => "by",
            Field::Reason => "reason",
            Field::Waived => "waived",
            Field::At => "at",
            Field::ScreeningSeq => "screening_seq",
        }
    }
}

/// Why a JSON value is not a decision. Each problem names the member at fault
/// ([`BadDecision::path`]); [`BadDecision::message`] and [`BadDecision::help`] say it for the
/// API's clients.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BadDecision {
    /// The value is not a JSON object.
    NotAnObject,
    /// A member that is not a field of a decision.
    UnknownField(String),
    /// `screening_seq` is a number, but no entry's (negative, or too large).
    NotAnEntry,
    /// `screening_seq` is not a number.
    EntryNotANumber,
    /// A field that must be text is not.
    NotText(Field),
    /// `decision` is missing, or not accept, revise or reject.
    NoDecision,
    /// `at` is not a date.
    NotADate(String),
    /// `waived` is not a list.
    WaivedNotAList,
    /// An item of `waived` is not text.
    WaivedNotText,
}

impl BadDecision {
    /// The member at fault: a field's name, the unknown member's, or `""` for the value as a
    /// whole.
    pub fn path(&self) -> &str {
        match self {
            BadDecision::NotAnObject => "",
            BadDecision::UnknownField(name) => name,
            BadDecision::NotAnEntry | BadDecision::EntryNotANumber => Field::ScreeningSeq.name(),
            BadDecision::NotText(field) => field.name(),
            BadDecision::NoDecision => Field::Decision.name(),
            BadDecision::NotADate(_) => Field::At.name(),
            BadDecision::WaivedNotAList | BadDecision::WaivedNotText => Field::Waived.name(),
        }
    }

    /// What is wrong, in one sentence.
    pub fn message(&self) -> String {
        match self {
            BadDecision::NotAnObject => "the body must be a JSON object".to_string(),
            BadDecision::UnknownField(name) => format!("`{name}` is not a field of a decision"),
            BadDecision::NotAnEntry => {
                "`screening_seq` must be the entry number of a screening".to_string()
            }
            BadDecision::EntryNotANumber => "`screening_seq` must be a number".to_string(),
            BadDecision::NotText(field) => format!("`{}` must be a string", field.name()),
            BadDecision::NoDecision => "`decision` must be accept, revise or reject".to_string(),
            BadDecision::NotADate(at) => format!("`at` `{at}` is not a date"),
            BadDecision::WaivedNotAList => "`waived` must be a list of rule ids".to_string(),
            BadDecision::WaivedNotText => "`waived` must list rule ids".to_string(),
        }
    }

    /// How to put it right.
    pub fn help(&self) -> &'static str {
        match self {
            BadDecision::NotAnObject => "see docs/api.md",
            BadDecision::UnknownField(_) => {
                "a decision has decision, by, reason, waived, at and screening_seq"
            }
            BadDecision::NotAnEntry | BadDecision::EntryNotANumber => {
                "give the `seq` of the screening decided on, from GET /v1/register/{request_id}"
            }
            BadDecision::NotText(_) => "give it as text",
            BadDecision::NoDecision => "give the decision taken",
            BadDecision::NotADate(_) => "write it as YYYY-MM-DD",
            BadDecision::WaivedNotAList | BadDecision::WaivedNotText => "such as [\"base/DL-03\"]",
        }
    }
}

impl DecisionInput {
    /// The decision `json` gives: `{"decision", "by", "reason"?, "waived"?, "at"?,
    /// "screening_seq"?}`, a `null` member standing for one left out, and a missing `by` for a
    /// blank one (refused when the decision is checked). The first problem is reported,
    /// looking in this order: the shape, a member that is not a field, `screening_seq`,
    /// `decision`, `by`, `at`, `waived`, `reason`.
    pub fn from_json(json: &Json) -> Result<DecisionInput, BadDecision> {
        let JsonValue::Object(members) = &json.value else {
            return Err(BadDecision::NotAnObject);
        };
        if let Some(m) = members
            .iter()
            .find(|m| !Field::ALL.iter().any(|f| f.name() == m.key))
        {
            return Err(BadDecision::UnknownField(m.key.clone()));
        }
        let screening = match json.get(Field::ScreeningSeq.name()).map(|j| &j.value) {
            None | Some(JsonValue::Null) => None,
            Some(JsonValue::Number(n)) => {
                Some(u64::try_from(*n).map_err(|_| BadDecision::NotAnEntry)?)
            }
            Some(_) => return Err(BadDecision::EntryNotANumber),
        };
        let text_of = |field: Field| -> Result<Option<String>, BadDecision> {
            match json.get(field.name()) {
                None => Ok(None),
                Some(j) if j.is_null() => Ok(None),
                Some(j) => j
                    .as_str()
                    .map(|s| Some(s.to_string()))
                    .ok_or(BadDecision::NotText(field)),
            }
        };
        let decision = text_of(Field::Decision)?
            .as_deref()
            .and_then(Decision::parse)
            .ok_or(BadDecision::NoDecision)?;
        let by = text_of(Field::By)?.unwrap_or_default();
        let at = match text_of(Field::At)? {
            None => None,
            Some(at) => Some(Date::parse(&at).ok_or(BadDecision::NotADate(at))?),
        };
        let waived = match json.get(Field::Waived.name()).map(|j| &j.value) {
            None | Some(JsonValue::Null) => Vec::new(),
            Some(JsonValue::Array(items)) => items
                .iter()
                .map(|i| {
                    i.as_str()
                        .map(str::to_string)
                        .ok_or(BadDecision::WaivedNotText)
                })
                .collect::<Result<_, _>>()?,
            Some(_) => return Err(BadDecision::WaivedNotAList),
        };
        Ok(DecisionInput {
            decision,
            by,
            reason: text_of(Field::Reason)?,
            waived,
            at,
            screening,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tcscreen_core::json::{self, JsonLimits};

    fn read(text: &str) -> Result<DecisionInput, BadDecision> {
        DecisionInput::from_json(&json::parse(text, JsonLimits::default()).unwrap())
    }

    #[test]
    fn a_complete_decision_is_read_and_null_stands_for_a_field_left_out() {
        let input = read(
            r#"{"decision": "accept", "by": "A. Officer", "reason": "agreed", "waived": ["base/DL-03"], "at": "2025-06-10", "screening_seq": 3}"#,
        )
        .unwrap();
        assert_eq!(
            input,
            DecisionInput {
                decision: Decision::Accept,
                by: "A. Officer".into(),
                reason: Some("agreed".into()),
                waived: vec!["base/DL-03".into()],
                at: Date::parse("2025-06-10"),
                screening: Some(3),
            }
        );
        let bare = read(
            r#"{"decision": "revise", "by": null, "reason": null, "waived": null, "at": null, "screening_seq": null}"#,
        )
        .unwrap();
        assert_eq!(
            (
                bare.by.as_str(),
                bare.reason,
                bare.waived.len(),
                bare.at,
                bare.screening
            ),
            ("", None, 0, None, None)
        );
    }

    #[test]
    fn each_problem_names_the_member_at_fault() {
        let cases: [(&str, BadDecision, &str); 12] = [
            ("[]", BadDecision::NotAnObject, ""),
            (
                r#"{"decision": "accept", "by": "A", "note": 1}"#,
                BadDecision::UnknownField("note".into()),
                "note",
            ),
            (
                r#"{"decision": "accept", "screening_seq": -1}"#,
                BadDecision::NotAnEntry,
                "screening_seq",
            ),
            (
                r#"{"decision": "accept", "screening_seq": "1"}"#,
                BadDecision::EntryNotANumber,
                "screening_seq",
            ),
            (
                r#"{"decision": 5}"#,
                BadDecision::NotText(Field::Decision),
                "decision",
            ),
            (
                r#"{"decision": "maybe"}"#,
                BadDecision::NoDecision,
                "decision",
            ),
            (r#"{"by": "A"}"#, BadDecision::NoDecision, "decision"),
            (
                r#"{"decision": "accept", "by": 5}"#,
                BadDecision::NotText(Field::By),
                "by",
            ),
            (
                r#"{"decision": "accept", "at": "2025-02-30"}"#,
                BadDecision::NotADate("2025-02-30".into()),
                "at",
            ),
            (
                r#"{"decision": "accept", "waived": "base/DL-03"}"#,
                BadDecision::WaivedNotAList,
                "waived",
            ),
            (
                r#"{"decision": "accept", "waived": [5]}"#,
                BadDecision::WaivedNotText,
                "waived",
            ),
            (
                r#"{"decision": "accept", "reason": 5}"#,
                BadDecision::NotText(Field::Reason),
                "reason",
            ),
        ];
        for (text, problem, path) in cases {
            let found = read(text).unwrap_err();
            assert_eq!(found, problem, "{text}");
            assert_eq!(found.path(), path, "{text}");
        }
    }

    #[test]
    fn the_first_problem_is_reported_in_the_order_the_fields_are_read() {
        // An unknown member before a bad field; `screening_seq` before `decision`; `by` before
        // `at`; `at` before `waived`; `waived` before `reason`.
        let first = |text| read(text).unwrap_err().path().to_string();
        assert_eq!(first(r#"{"decision": 5, "note": 1}"#), "note");
        assert_eq!(
            first(r#"{"decision": 5, "screening_seq": "x"}"#),
            "screening_seq"
        );
        assert_eq!(first(r#"{"decision": "accept", "by": 5, "at": "x"}"#), "by");
        assert_eq!(
            first(r#"{"decision": "accept", "at": "x", "waived": 5}"#),
            "at"
        );
        assert_eq!(
            first(r#"{"decision": "accept", "waived": [5], "reason": 5}"#),
            "waived"
        );
    }

    #[test]
    fn an_entry_number_is_the_whole_part_of_the_number_given() {
        let seq = |text: &str| read(text).map(|i| i.screening);
        assert_eq!(
            seq(r#"{"decision": "accept", "screening_seq": 1.5}"#),
            Ok(Some(1))
        );
        assert_eq!(
            seq(r#"{"decision": "accept", "screening_seq": 1e2}"#),
            Ok(Some(100))
        );
        assert_eq!(
            seq(r#"{"decision": "accept", "screening_seq": 18446744073709551616}"#),
            Err(BadDecision::NotAnEntry)
        );
    }
}
