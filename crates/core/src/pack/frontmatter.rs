//! Rule front matter: the `//! key: value` lines that open every rule file (spec §4).
//!
//! ```text
//! //! id: DL-03
//! //! title: Terms of reference are drafted or approved by the partner
//! //! criterion: demand_led
//! //! policy: Accra Agenda for Action, para 14(b)(i)
//! ```
//!
//! `title` and `criterion` are required; `id` defaults to the file's path under `rules/`.
//! Extensions of the spec: `description` (free text for people), `actor` (who must act on
//! the findings: `requester`, `provider`, `both` or `none`), and values continued on following
//! lines indented by at least two spaces after `//!`.

use crate::decision::finding::{Actor, Criterion};
use crate::diagnostics::codes::Code;
use crate::json::Pos;
use crate::suggest::did_you_mean;

/// The keys front matter may hold.
pub const KEYS: &[&str] = &["id", "title", "criterion", "policy", "actor", "description"];

/// Parsed front matter.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FrontMatter {
    /// The rule id, if given.
    pub id: Option<String>,
    /// What the rule checks, in a line.
    pub title: String,
    /// The criterion the rule belongs to.
    pub criterion: Criterion,
    /// The clause the rule enforces: in a pack with a sources table, source ids.
    pub policy: Option<String>,
    /// Where the `policy` value starts, for errors about the sources it names.
    pub policy_pos: Option<Pos>,
    /// Who must act on the rule's findings (extension; the default is the requester).
    pub actor: Option<Actor>,
    /// Longer text for people.
    pub description: Option<String>,
}

/// A problem in front matter.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FrontMatterError {
    /// A stable code.
    pub code: Code,
    /// Where.
    pub pos: Pos,
    /// What is wrong.
    pub message: String,
    /// How to fix it.
    pub help: Option<String>,
}

const EXAMPLE: &str =
    "start the file with lines like `//! title: …` and `//! criterion: demand_led`";

/// The `//! key: value` lines at the top of `text` (continuation lines joined), with where
/// each value is, and the number of the last front matter line (0: none).
#[allow(
    clippy::type_complexity,
    reason = "a private list of (key, value, place)"
)]
fn read_fields(
    text: &str,
    errors: &mut Vec<FrontMatterError>,
) -> (Vec<(&'static str, String, Pos)>, u32) {
    let mut fields: Vec<(&'static str, String, Pos)> = Vec::new();
    let mut last_line = 0u32;
    for (index, line) in text.lines().enumerate() {
        let line_no = index as u32 + 1;
        let Some(rest) = line.strip_prefix("//!") else {
            break;
        };
        last_line = line_no;
        if rest.trim().is_empty() {
            continue;
        }
        // An indented line continues the previous value: `//!   more words`.
        if rest.starts_with("  ")
            && let Some((_, value, _)) = fields.last_mut()
        {
            value.push(' ');
            value.push_str(rest.trim());
            continue;
        }
        let Some((key, value)) = rest.split_once(':') else {
            errors.push(FrontMatterError {
                code: Code::R002,
                pos: Pos::new(line_no, 4),
                message: "front matter line is not `key: value`".into(),
                help: Some(format!(
                    "write it as `//! key: value`, with a key among {}",
                    KEYS.join(", ")
                )),
            });
            continue;
        };
        let key_text = key.trim();
        let column = 4 + (key.len() - key.trim_start().len()) as u32;
        let Some(&known) = KEYS.iter().find(|k| **k == key_text) else {
            errors.push(FrontMatterError {
                code: Code::R003,
                pos: Pos::new(line_no, column),
                message: format!("unknown front matter key `{key_text}`"),
                help: Some(match did_you_mean(key_text, KEYS.iter().copied()) {
                    Some(k) => format!("did you mean `{k}`?"),
                    None => format!("the keys are {}", KEYS.join(", ")),
                }),
            });
            continue;
        };
        let value = value.trim();
        if value.is_empty() {
            errors.push(FrontMatterError {
                code: Code::R002,
                pos: Pos::new(line_no, column),
                message: format!("front matter key `{known}` has no value"),
                help: None,
            });
            continue;
        }
        if let Some((_, _, first)) = fields.iter().find(|(k, _, _)| *k == known) {
            errors.push(FrontMatterError {
                code: Code::R002,
                pos: Pos::new(line_no, column),
                message: format!(
                    "front matter key `{known}` given twice (first on line {})",
                    first.line
                ),
                help: None,
            });
            continue;
        }
        fields.push((known, value.to_string(), Pos::new(line_no, column)));
    }
    (fields, last_line)
}

/// Parse the front matter at the top of a rule file, reporting every problem.
pub fn parse(text: &str) -> Result<FrontMatter, Vec<FrontMatterError>> {
    let mut errors = Vec::new();
    let (fields, last_line) = read_fields(text, &mut errors);
    if last_line == 0 {
        return Err(vec![FrontMatterError {
            code: Code::R001,
            pos: Pos::new(1, 1),
            message: "rule file has no front matter".into(),
            help: Some(EXAMPLE.into()),
        }]);
    }
    let get = |key: &str| {
        fields
            .iter()
            .find(|(k, _, _)| *k == key)
            .map(|(_, v, p)| (v.clone(), *p))
    };
    let after = Pos::new(last_line, 1);
    let title = get("title");
    if title.is_none() {
        errors.push(FrontMatterError {
            code: Code::R001,
            pos: after,
            message: "front matter has no `title`".into(),
            help: Some("add `//! title: <what the rule checks, in one line>`".into()),
        });
    }
    let criterion = match get("criterion") {
        None => {
            errors.push(FrontMatterError {
                code: Code::R001,
                pos: after,
                message: "front matter has no `criterion`".into(),
                help: Some(criteria_help()),
            });
            None
        }
        Some((value, pos)) => match Criterion::parse(&value) {
            Some(c) => Some(c),
            None => {
                let names = Criterion::ALL.map(Criterion::as_str);
                errors.push(FrontMatterError {
                    code: Code::R004,
                    pos,
                    message: format!("unknown criterion `{value}`"),
                    help: Some(match did_you_mean(&value, names) {
                        Some(c) => format!("did you mean `{c}`?"),
                        None => criteria_help(),
                    }),
                });
                None
            }
        },
    };
    if let Some((id, pos)) = get("id")
        && let Err(why) = check_rule_id(&id)
    {
        errors.push(FrontMatterError {
            code: Code::R005,
            pos,
            message: format!("rule id `{id}` {why}"),
            help: None,
        });
    }
    let actor = get("actor").and_then(|(value, pos)| match Actor::parse(&value) {
        Some(a) => Some(a),
        None => {
            let names = Actor::ALL.map(Actor::as_str);
            errors.push(FrontMatterError {
                code: Code::R006,
                pos,
                message: format!("unknown actor `{value}`"),
                help: Some(match did_you_mean(&value, names) {
                    Some(a) => format!("did you mean `{a}`?"),
                    None => format!("the actor is one of {}", names.join(", ")),
                }),
            });
            None
        }
    });
    let policy = get("policy");
    match (title, criterion) {
        (Some((title, _)), Some(criterion)) if errors.is_empty() => Ok(FrontMatter {
            id: get("id").map(|(v, _)| v),
            title,
            criterion,
            policy_pos: policy.as_ref().map(|(_, p)| *p),
            policy: policy.map(|(v, _)| v),
            actor,
            description: get("description").map(|(v, _)| v),
        }),
        _ => Err(errors),
    }
}

fn criteria_help() -> String {
    format!(
        "the criterion is one of {}",
        Criterion::ALL.map(Criterion::as_str).join(", ")
    )
}

/// Rule ids are segments of letters, digits, `_`, `-` and `.` joined by `/`.
pub fn check_rule_id(id: &str) -> Result<(), &'static str> {
    let segment_ok = |s: &str| {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-' || b == b'.')
            && s != "."
            && s != ".."
    };
    if id.split('/').all(segment_ok) {
        Ok(())
    } else {
        Err("may hold only letters, digits, `_`, `-`, `.` and `/`")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_spec_example() {
        let fm = parse(
            "//! id: DL-03\n//! title: ToR by the partner\n//! criterion: demand_led\n//! policy: AAA 14(b)(i)\n\nlet x = 1;",
        )
        .unwrap();
        assert_eq!(fm.id.as_deref(), Some("DL-03"));
        assert_eq!(fm.criterion, Criterion::DemandLed);
        assert_eq!(fm.policy.as_deref(), Some("AAA 14(b)(i)"));
    }

    #[test]
    fn indented_lines_continue_a_value() {
        let fm = parse("//! title: A long\n//!   title\n//! criterion: exit\n").unwrap();
        assert_eq!(fm.title, "A long title");
    }

    #[test]
    fn reports_each_problem_with_its_place() {
        let errors = parse("//! titel: x\n//! criterion: demand-led\n").unwrap_err();
        let found: Vec<_> = errors
            .iter()
            .map(|e| (e.code, e.pos, e.message.as_str()))
            .collect();
        assert_eq!(
            found,
            [
                (
                    Code::R003,
                    Pos::new(1, 5),
                    "unknown front matter key `titel`"
                ),
                (Code::R001, Pos::new(2, 1), "front matter has no `title`"),
                (Code::R004, Pos::new(2, 5), "unknown criterion `demand-led`"),
            ]
        );
        assert_eq!(errors[0].help.as_deref(), Some("did you mean `title`?"));
        assert_eq!(
            parse("let x = 1;").unwrap_err()[0].message,
            "rule file has no front matter"
        );
    }
}
