//! Why a decision was refused ([`Refused`]), and the refusal in words, once for each place it
//! is read ([`Refused::describe`]): the command line names its flags (`--at`, `--waive`), the
//! register's file and the commands that help; the API names the field at fault in the
//! problem's path ([`Refused::field`]) and speaks to any client.

use std::path::Path;

use tcscreen_core::{Date, Decision};

use super::Field;
use crate::escape::controls as esc;

/// Why a decision was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refused {
    /// The register holds no screening of the request.
    NoScreening {
        /// The request.
        request_id: String,
    },
    /// The decision is dated before the screening it decides on.
    BeforeScreening {
        /// The date given.
        at: Date,
        /// The screening's entry.
        screening_seq: u64,
        /// The screening's as-of date.
        as_of: Date,
    },
    /// Departing from the screening, or waiving rules, without a reason.
    ReasonRequired {
        /// The screening's entry.
        screening_seq: u64,
        /// What the screening decided.
        screened: Option<Decision>,
        /// Whether rules are waived.
        waives: bool,
    },
    /// A waived rule recorded no finding in the screening.
    NotAFinding {
        /// The rule named.
        rule: String,
        /// The screening's entry.
        screening_seq: u64,
    },
    /// The decision is dated after today (a day's margin for time zones ahead of UTC).
    InTheFuture {
        /// The date given.
        at: Date,
        /// Today, as the deciding process knows it (UTC).
        today: Date,
    },
    /// A rule is waived twice.
    WaivedTwice {
        /// The rule named twice.
        rule: String,
    },
    /// `by` is blank.
    NoOneDecides,
    /// The screening the person saw is no longer the latest of the case.
    NotLatest {
        /// The request.
        request_id: String,
        /// The screening shown.
        shown: u64,
        /// The latest screening.
        latest: u64,
        /// What the latest screening decided.
        latest_decision: Option<Decision>,
        /// Its screening date.
        latest_as_of: Date,
    },
    /// The entry named as the screening shown is not a screening of the request.
    NotAScreening {
        /// The entry named.
        shown: u64,
        /// The request.
        request_id: String,
    },
}

/// Where a refusal is read.
#[derive(Clone, Copy, Debug)]
pub enum Audience<'a> {
    /// `tcscreen register decide`, on the register at this path.
    CommandLine {
        /// The register's file, as the person gave it.
        register: &'a Path,
    },
    /// The server's API and pages (which never name the server's files).
    Api,
}

/// A refusal in words: what is wrong, and how to put it right when there is more to say.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Described {
    /// What is wrong, in one sentence (request strings escaped for a terminal).
    pub message: String,
    /// How to put it right.
    pub help: Option<String>,
}

impl Refused {
    /// The field of the decision at fault, when there is one.
    pub fn field(&self) -> Option<Field> {
        match self {
            Refused::NoScreening { .. } => None,
            Refused::BeforeScreening { .. } | Refused::InTheFuture { .. } => Some(Field::At),
            Refused::ReasonRequired { .. } => Some(Field::Reason),
            Refused::NotAFinding { .. } | Refused::WaivedTwice { .. } => Some(Field::Waived),
            Refused::NoOneDecides => Some(Field::By),
            Refused::NotLatest { .. } | Refused::NotAScreening { .. } => Some(Field::ScreeningSeq),
        }
    }

    /// The refusal in the words of `audience`.
    pub fn describe(&self, audience: Audience<'_>) -> Described {
        let (message, help) = match audience {
            Audience::CommandLine { register } => self.for_command_line(register),
            Audience::Api => (self.message(), Some(self.help())),
        };
        Described { message, help }
    }

    /// The command line's words, where they differ from the API's: its flags, the register's
    /// file, and the commands that show a request's history.
    fn for_command_line(&self, register: &Path) -> (String, Option<String>) {
        let register = register.display();
        match self {
            Refused::NoScreening { request_id } => (
                format!(
                    "no screening of request `{}` in {register}",
                    esc(request_id)
                ),
                Some(format!(
                    "screen it with `tcscreen screen … --register {register}` first"
                )),
            ),
            Refused::BeforeScreening {
                at,
                screening_seq,
                as_of,
            } => (
                format!(
                    "--at {at} is before the screening it decides on (entry {screening_seq}, as of {as_of})"
                ),
                Some(self.help()),
            ),
            Refused::ReasonRequired {
                screening_seq,
                screened,
                waives,
            } => (
                format!(
                    "the screening (entry {screening_seq}) decided {}; departing from it{} needs --reason",
                    screened.map_or("nothing", Decision::as_str),
                    if *waives { " or waiving rules" } else { "" }
                ),
                None,
            ),
            Refused::NotAFinding {
                rule,
                screening_seq,
            } => (
                format!(
                    "--waive {}: that rule recorded no finding in the screening (entry {screening_seq})",
                    esc(rule)
                ),
                None,
            ),
            Refused::InTheFuture { at, today } => (
                format!("--at {at} is in the future (today is {today})"),
                Some(
                    "give the date the decision was taken: today or earlier (leave --at out for today)"
                        .to_string(),
                ),
            ),
            Refused::WaivedTwice { rule } => (
                format!("--waive {} is given twice", esc(rule)),
                Some(self.help()),
            ),
            Refused::NoOneDecides => (format!("--by is blank: {}", self.help()), None),
            Refused::NotLatest {
                request_id, latest, ..
            } => (
                self.message(),
                Some(format!(
                    "read the latest screening (`tcscreen register show {}`) and decide on it with --screening {latest}",
                    esc(request_id)
                )),
            ),
            Refused::NotAScreening { shown, request_id } => (
                format!("--screening {shown}: {}", self.message()),
                Some(format!(
                    "`tcscreen register show {}` lists its screenings",
                    esc(request_id)
                )),
            ),
        }
    }

    /// What is wrong, in the API's words.
    fn message(&self) -> String {
        match self {
            Refused::NoScreening { request_id } => {
                format!(
                    "no screening of request `{}` in the register",
                    esc(request_id)
                )
            }
            Refused::BeforeScreening {
                at,
                screening_seq,
                as_of,
            } => format!(
                "the decision's date {at} is before the screening it decides on (entry {screening_seq}, as of {as_of})"
            ),
            Refused::ReasonRequired {
                screening_seq,
                screened,
                waives,
            } => format!(
                "the screening (entry {screening_seq}) decided {}; departing from it{} needs a reason",
                screened.map_or("nothing", Decision::as_str),
                if *waives { " or waiving rules" } else { "" }
            ),
            Refused::NotAFinding {
                rule,
                screening_seq,
            } => format!(
                "waived rule {}: that rule recorded no finding in the screening (entry {screening_seq})",
                esc(rule)
            ),
            Refused::InTheFuture { at, today } => {
                format!("the decision's date {at} is in the future (today is {today})")
            }
            Refused::WaivedTwice { rule } => {
                format!("rule {} is waived twice", esc(rule))
            }
            Refused::NoOneDecides => "the decision must name who takes it".to_string(),
            Refused::NotLatest {
                shown,
                latest,
                latest_decision,
                latest_as_of,
                ..
            } => format!(
                "the screening decided on (entry {shown}) is no longer the latest: the request was screened again (entry {latest}, as of {latest_as_of}, {}), so nothing was recorded",
                latest_decision.map_or("no decision", Decision::as_str)
            ),
            Refused::NotAScreening { shown, request_id } => format!(
                "entry {shown} is not a screening of request `{}`",
                esc(request_id)
            ),
        }
    }

    /// How to put it right, in the API's words.
    fn help(&self) -> String {
        match self {
            Refused::NoScreening { .. } => {
                "screen the request with the register first (`tcscreen screen … --register FILE`, or through a server started with --register)".to_string()
            }
            Refused::BeforeScreening { as_of, .. } => {
                format!("give the date the decision was taken, on or after {as_of}")
            }
            Refused::ReasonRequired { .. } => {
                "say why the decision differs from the screening, or why the rules are set aside"
                    .to_string()
            }
            Refused::NotAFinding { .. } => {
                "waive only rules listed among the screening's findings (full ids, e.g. base/DL-03)"
                    .to_string()
            }
            Refused::InTheFuture { .. } => {
                "give the date the decision was taken: today or earlier (leave it out for today)"
                    .to_string()
            }
            Refused::WaivedTwice { .. } => "name each waived rule once".to_string(),
            Refused::NoOneDecides => "give the name of the person taking the decision".to_string(),
            Refused::NotLatest { latest, .. } => format!(
                "read the latest screening (entry {latest}) and decide on it"
            ),
            Refused::NotAScreening { .. } => {
                "name the entry of the screening decided on, as the request's history lists it"
                    .to_string()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn every_refusal() -> Vec<Refused> {
        let date = |d| Date::parse(d).unwrap();
        vec![
            Refused::NoScreening {
                request_id: "AF-1".into(),
            },
            Refused::BeforeScreening {
                at: date("2025-01-01"),
                screening_seq: 1,
                as_of: date("2025-02-01"),
            },
            Refused::ReasonRequired {
                screening_seq: 1,
                screened: Some(Decision::Revise),
                waives: true,
            },
            Refused::NotAFinding {
                rule: "base/DL-03".into(),
                screening_seq: 1,
            },
            Refused::InTheFuture {
                at: date("2025-06-12"),
                today: date("2025-06-10"),
            },
            Refused::WaivedTwice {
                rule: "base/DL-03".into(),
            },
            Refused::NoOneDecides,
            Refused::NotLatest {
                request_id: "AF-1".into(),
                shown: 1,
                latest: 3,
                latest_decision: None,
                latest_as_of: date("2025-02-01"),
            },
            Refused::NotAScreening {
                shown: 2,
                request_id: "AF-1".into(),
            },
        ]
    }

    /// The command line names the flag of the field at fault and the register's file; the API
    /// names neither (the field is the problem's path), and always says how to put it right.
    #[test]
    fn each_audience_is_told_in_its_own_terms() {
        let flags = ["--at", "--waive", "--by", "--reason", "--screening"];
        let flag_of = |field| match field {
            Field::At => "--at",
            Field::Waived => "--waive",
            Field::By => "--by",
            Field::Reason => "--reason",
            Field::ScreeningSeq => "--screening",
            Field::Decision => "--decision",
        };
        let register = Path::new("cases/register.jsonl");
        for refused in every_refusal() {
            let cli = refused.describe(Audience::CommandLine { register });
            let api = refused.describe(Audience::Api);
            let cli_text = format!("{} {}", cli.message, cli.help.unwrap_or_default());
            assert!(api.help.is_some(), "{refused:?}");
            let api_text = format!("{} {}", api.message, api.help.unwrap_or_default());
            if let Some(field) = refused.field() {
                assert!(cli_text.contains(flag_of(field)), "{cli_text}");
            }
            assert!(!cli_text.contains("FILE"), "{cli_text}");
            assert!(!api_text.contains("register.jsonl"), "{api_text}");
            assert!(!flags.iter().any(|f| api_text.contains(f)), "{api_text}");
        }
    }

    #[test]
    fn the_command_line_names_the_register_where_the_request_was_not_found() {
        let refused = Refused::NoScreening {
            request_id: "no\u{1b}body".into(),
        };
        let told = refused.describe(Audience::CommandLine {
            register: Path::new("r.jsonl"),
        });
        assert_eq!(
            told.message,
            "no screening of request `no\\u{1b}body` in r.jsonl"
        );
        assert_eq!(
            told.help.as_deref(),
            Some("screen it with `tcscreen screen … --register r.jsonl` first")
        );
        let api = refused.describe(Audience::Api);
        assert_eq!(
            api.message,
            "no screening of request `no\\u{1b}body` in the register"
        );
    }
}
