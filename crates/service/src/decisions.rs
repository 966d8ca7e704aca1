//! A person's decision on a screened request, checked against the register and appended
//! ([`decide`]): what `tcscreen register decide` and the server's decision endpoint share. The
//! decision is taken on the latest screening of the request; departing from it, or setting
//! aside a rule's findings, needs a reason; only rules that recorded a finding can be waived;
//! and the decision cannot be dated before the screening.

use tcscreen_core::{Date, Decision, DecisionRecord};

use crate::escape::controls as esc;
use std::path::Path;

use crate::register::{self, Appender, Body, Broken, Entry, HumanDecision};

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
}

/// Why a decision was not recorded.
#[derive(Debug)]
pub enum DecideError {
    /// The decision breaks a rule of the register (no screening, no reason, …).
    Refused(Refused),
    /// The register is damaged: nothing can be decided on it.
    Damaged(Broken),
    /// Writing failed (the message says why).
    Io(String),
}

/// Why a decision was refused. [`Refused::message`] and [`Refused::help`] say it for people.
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
}

impl Refused {
    /// What is wrong, in one sentence (request strings escaped for a terminal).
    pub fn message(&self) -> String {
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
        }
    }

    /// The field of the decision at fault, when there is one (`at`, `waived`, `by`, `reason`).
    pub fn field(&self) -> Option<&'static str> {
        match self {
            Refused::NoScreening { .. } => None,
            Refused::BeforeScreening { .. } | Refused::InTheFuture { .. } => Some("at"),
            Refused::ReasonRequired { .. } => Some("reason"),
            Refused::NotAFinding { .. } | Refused::WaivedTwice { .. } => Some("waived"),
            Refused::NoOneDecides => Some("by"),
        }
    }

    /// How to put it right.
    pub fn help(&self) -> String {
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
        }
    }
}

/// The latest screening of `request_id` in `entries`: its sequence number and record.
pub fn latest_screening(entries: &[Entry], request_id: &str) -> Option<(u64, DecisionRecord)> {
    entries
        .iter()
        .rev()
        .filter(|e| e.request_id == request_id)
        .find_map(|e| match &e.body {
            Body::Screening { record, .. } => {
                DecisionRecord::from_json(record).ok().map(|r| (e.seq, r))
            }
            Body::Decision(_) => None,
        })
}

/// Check `input` against the verified `entries` of a register, and make the entry to append
/// for `request_id`, dated today (from the system clock) unless `input` says otherwise.
pub fn check(
    entries: &[Entry],
    request_id: &str,
    input: DecisionInput,
) -> Result<HumanDecision, Refused> {
    check_on(entries, request_id, input, today())
}

/// [`check`] on the day `today` (UTC; `None` if the clock cannot say): a decision dated after
/// it, beyond a day's margin for time zones ahead of UTC, is refused.
pub fn check_on(
    entries: &[Entry],
    request_id: &str,
    input: DecisionInput,
    today: Option<Date>,
) -> Result<HumanDecision, Refused> {
    if let (Some(at), Some(today)) = (input.at, today)
        && today.days_until(at) > 1
    {
        return Err(Refused::InTheFuture { at, today });
    }
    let mut named = std::collections::BTreeSet::new();
    if let Some(rule) = input
        .waived
        .iter()
        .find(|rule| !named.insert(rule.as_str()))
    {
        return Err(Refused::WaivedTwice { rule: rule.clone() });
    }
    let Some((screening_seq, record)) = latest_screening(entries, request_id) else {
        return Err(Refused::NoScreening {
            request_id: request_id.to_string(),
        });
    };
    if let Some(at) = input.at
        && at < record.as_of
    {
        return Err(Refused::BeforeScreening {
            at,
            screening_seq,
            as_of: record.as_of,
        });
    }
    let by = input.by.trim();
    if by.is_empty() {
        return Err(Refused::NoOneDecides);
    }
    let reason = input
        .reason
        .as_deref()
        .map(str::trim)
        .filter(|r| !r.is_empty());
    let departs = Some(input.decision) != record.decision || !input.waived.is_empty();
    if departs && reason.is_none() {
        return Err(Refused::ReasonRequired {
            screening_seq,
            screened: record.decision,
            waives: !input.waived.is_empty(),
        });
    }
    for rule in &input.waived {
        if !record.findings.iter().any(|f| &f.rule == rule) {
            return Err(Refused::NotAFinding {
                rule: rule.clone(),
                screening_seq,
            });
        }
    }
    Ok(HumanDecision {
        screening_seq,
        screened_decision: record.decision,
        decision: input.decision,
        by: by.to_string(),
        reason: reason.map(str::to_string),
        waived: input.waived,
        at: input
            .at
            .or(today)
            .map_or_else(|| "unknown".to_string(), |d| d.to_string()),
    })
}

/// Today's date in UTC, from the system clock (only for the date of human decisions).
pub fn today() -> Option<Date> {
    let seconds = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .ok()?
        .as_secs();
    Date::from_days_since_epoch(i64::try_from(seconds / 86_400).ok()?)
}

/// Record `input` as the decision on the latest screening of `request_id` in the register at
/// `path`, which `appender` holds open (and locked): the whole chain is verified first, under
/// the lock, so a person decides on a verified history ([`check`]). Returns the
/// entry's sequence number and the entry; the caller syncs ([`Appender::sync`]) before saying
/// it is recorded.
pub fn decide(
    appender: &mut Appender,
    path: &Path,
    request_id: &str,
    input: DecisionInput,
) -> Result<(u64, HumanDecision), DecideError> {
    let entries = register::read(path, None).map_err(|(_, broken)| DecideError::Damaged(broken))?;
    let decision = check(&entries, request_id, input).map_err(DecideError::Refused)?;
    let seq = appender
        .append(request_id, Body::Decision(decision.clone()), None)
        .map_err(|e| {
            DecideError::Io(format!(
                "cannot append to the register {}: {e}",
                path.display()
            ))
        })?;
    Ok((seq, decision))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::register::Damage;
    use tcscreen_core::json::{self, JsonLimits};

    const LIMITS: JsonLimits = JsonLimits {
        max_depth: 48,
        max_values: 2_000_000,
    };

    /// A register holding one screening: the first recorded fixture decision.
    fn screened_register(dir: &Path) -> (std::path::PathBuf, DecisionRecord) {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let text = std::fs::read_to_string(root.join("fixtures/decisions/fixtures.jsonl")).unwrap();
        let record = json::parse(text.lines().next().unwrap(), LIMITS).unwrap();
        let parsed = DecisionRecord::from_json(&record).unwrap();
        let path = dir.join("register.jsonl");
        let mut appender = Appender::open(&path).unwrap();
        let body = Body::Screening {
            record,
            signer: None,
        };
        appender.append(&parsed.request_id, body, None).unwrap();
        (path, parsed)
    }

    #[test]
    fn a_decision_is_refused_until_it_is_complete_and_then_recorded() {
        let dir = tempfile::tempdir().unwrap();
        let (path, record) = screened_register(dir.path());
        let id = record.request_id.as_str();
        let other = match record.decision {
            Some(Decision::Accept) => Decision::Reject,
            _ => Decision::Accept,
        };
        let input = |decision, reason: Option<&str>, waive: &[&str], at| DecisionInput {
            decision,
            by: "A. Officer".into(),
            reason: reason.map(str::to_string),
            waived: waive.iter().map(|w| w.to_string()).collect(),
            at,
        };
        let mut appender = Appender::open(&path).unwrap();
        let mut decide =
            |request: &str, input: DecisionInput| decide(&mut appender, &path, request, input);
        let same = record.decision.unwrap_or(Decision::Revise);
        assert!(matches!(
            decide("nobody", input(same, None, &[], None)),
            Err(DecideError::Refused(Refused::NoScreening { .. }))
        ));
        assert!(matches!(
            decide(id, input(other, Some("  "), &[], None)),
            Err(DecideError::Refused(Refused::ReasonRequired {
                screening_seq: 1,
                ..
            }))
        ));
        let rule = record.findings.first().map(|f| f.rule.clone());
        if let Some(rule) = &rule {
            assert!(matches!(
                decide(id, input(same, None, &[rule.as_str()], None)),
                Err(DecideError::Refused(Refused::ReasonRequired { .. }))
            ));
        }
        assert!(matches!(
            decide(id, input(same, Some("why"), &["base/NO-SUCH"], None)),
            Err(DecideError::Refused(Refused::NotAFinding { rule, .. })) if rule == "base/NO-SUCH"
        ));
        let before = Date::from_days_since_epoch(0);
        assert!(matches!(
            decide(id, input(same, None, &[], before)),
            Err(DecideError::Refused(Refused::BeforeScreening {
                screening_seq: 1,
                ..
            }))
        ));
        let (seq, decided) = decide(
            id,
            input(other, Some("agreed with the ministry"), &[], None),
        )
        .unwrap();
        assert_eq!(seq, 2);
        assert_eq!(decided.screened_decision, record.decision);
        assert_eq!(decided.decision, other);
        drop(appender);
        let (history, broken) = register::history(&path, id);
        assert!(broken.is_none());
        assert_eq!(history.len(), 2);
        assert!(
            matches!(&history[1].body, Body::Decision(d) if d.decision == other && d.screening_seq == 1)
        );

        // A register damaged before its last entry is refused before anything is appended.
        let text = std::fs::read_to_string(&path).unwrap();
        let tampered = text.replacen("\"signer\":null", "\"signer\":\"k\"", 1);
        assert_ne!(tampered, text);
        std::fs::write(&path, &tampered).unwrap();
        let mut appender = Appender::open(&path).unwrap_or_else(|e| panic!("{e}"));
        assert!(matches!(
            super::decide(&mut appender, &path, id, input(same, Some("x"), &[], None)),
            Err(DecideError::Damaged(Broken {
                seq: 1,
                damage: Damage::Modified,
                ..
            }))
        ));
        assert_eq!(std::fs::read_to_string(&path).unwrap(), tampered);
    }

    #[test]
    fn a_decision_dated_after_today_or_waiving_a_rule_twice_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let (path, record) = screened_register(dir.path());
        let entries = register::read(&path, None).unwrap();
        let id = record.request_id.as_str();
        let input = |at: &str, waived: &[&str]| DecisionInput {
            decision: record.decision.unwrap_or(Decision::Revise),
            by: "A. Officer".into(),
            reason: Some("agreed with the ministry".into()),
            waived: waived.iter().map(|w| w.to_string()).collect(),
            at: Date::parse(at),
        };
        // Whatever the clock says, the year 9999 is not today.
        assert!(matches!(
            check(&entries, id, input("9999-12-31", &[])),
            Err(Refused::InTheFuture { .. })
        ));
        let today = Date::parse("2025-06-10");
        assert!(matches!(
            check_on(&entries, id, input("2025-06-12", &[]), today),
            Err(Refused::InTheFuture { .. })
        ));
        // A day ahead is allowed: it is already tomorrow east of UTC.
        assert!(check_on(&entries, id, input("2025-06-11", &[]), today).is_ok());
        let fired = record.findings[0].rule.as_str();
        let twice = check_on(&entries, id, input("2025-06-10", &[fired, fired]), today);
        assert_eq!(
            twice.unwrap_err(),
            Refused::WaivedTwice {
                rule: fired.to_string()
            }
        );
        assert_eq!(
            Refused::WaivedTwice { rule: fired.into() }.field(),
            Some("waived")
        );
    }
}
