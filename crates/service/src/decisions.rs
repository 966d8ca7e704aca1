//! A person's decision on a screened request, checked against the register and appended
//! ([`decide`]): what `tcscreen register decide` and the server's decision endpoint share. The
//! decision is taken on the latest screening of the case, and on the screening the person saw
//! when one is named: if a newer screening arrived since (a resubmission), the decision is
//! refused rather than recorded against a screening nobody read. Departing from the screening,
//! or setting aside a rule's findings, needs a reason; only rules that recorded a finding can
//! be waived; and the decision cannot be dated before the screening.

mod input;
mod refused;

use std::path::Path;

use tcscreen_core::{Date, DecisionRecord};

pub use input::{BadDecision, DecisionInput, Field};
pub use refused::{Audience, Described, Refused};

use crate::register::{Appender, Body, Broken, HumanDecision};
use crate::register_index::case_key;
use crate::register_scan::scan;

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

/// The latest screening of a case, as the register holds it.
#[derive(Clone, Copy, Debug)]
pub struct Latest<'a> {
    /// Its entry.
    pub seq: u64,
    /// The request id as that screening gives it (the decision is recorded under it).
    pub request_id: &'a str,
    /// Its record.
    pub record: &'a DecisionRecord,
    /// Every screening of the case, oldest first (the latest last).
    pub rounds: &'a [u64],
}

/// Check `input` against the latest screening of the case of `request_id` (`None`: never
/// screened), and make the entry to append (under [`Latest::request_id`]), dated today (from
/// the system clock) unless `input` says otherwise.
pub fn check(
    latest: Option<Latest<'_>>,
    request_id: &str,
    input: DecisionInput,
) -> Result<HumanDecision, Refused> {
    check_on(latest, request_id, input, today())
}

/// [`check`] on the day `today` (UTC; `None` if the clock cannot say): a decision dated after
/// it, beyond a day's margin for time zones ahead of UTC, is refused.
pub fn check_on(
    latest: Option<Latest<'_>>,
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
    let Some(latest) = latest else {
        return Err(Refused::NoScreening {
            request_id: request_id.to_string(),
        });
    };
    let (screening_seq, record) = (latest.seq, latest.record);
    if let Some(shown) = input.screening
        && shown != screening_seq
    {
        return Err(if latest.rounds.contains(&shown) {
            Refused::NotLatest {
                request_id: request_id.to_string(),
                shown,
                latest: screening_seq,
                latest_decision: record.decision,
                latest_as_of: record.as_of,
            }
        } else {
            Refused::NotAScreening {
                shown,
                request_id: request_id.to_string(),
            }
        });
    }
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

/// Record `input` as the decision on the latest screening of the case of `request_id` in the
/// register at `path`, which `appender` holds open (and locked): the whole chain is verified
/// first, as a stream under the lock, so a person decides on a verified history ([`check`]);
/// only the case's latest record is kept in memory. Returns the entry's sequence number and
/// the entry; the caller syncs ([`Appender::sync`]) before saying it is recorded.
pub fn decide(
    appender: &mut Appender,
    path: &Path,
    request_id: &str,
    input: DecisionInput,
) -> Result<(u64, HumanDecision), DecideError> {
    let key = case_key(request_id);
    let mut rounds = Vec::new();
    let mut latest: Option<(u64, String, DecisionRecord)> = None;
    scan(path, None, |s| {
        if let (Some(record), true) = (s.record, case_key(&s.entry.request_id) == key) {
            rounds.push(s.entry.seq);
            latest = Some((s.entry.seq, s.entry.request_id, record));
        }
    })
    .map_err(|(_, broken)| DecideError::Damaged(broken))?;
    let latest_ref = latest.as_ref().map(|(seq, id, record)| Latest {
        seq: *seq,
        request_id: id,
        record,
        rounds: &rounds,
    });
    let decision = check(latest_ref, request_id, input).map_err(DecideError::Refused)?;
    let recorded_as = latest_ref.map_or(request_id, |l| l.request_id);
    let seq = appender
        .append(recorded_as, Body::Decision(decision.clone()), None)
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
    use tcscreen_core::Decision;
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
            by: None,
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
            screening: None,
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
        let (history, broken) = crate::register_scan::history(&path, id);
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
    fn a_decision_on_a_screening_that_is_no_longer_the_latest_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let (path, record) = screened_register(dir.path());
        let id = record.request_id.clone();
        let same = record.decision.unwrap_or(Decision::Revise);
        let on = |screening: Option<u64>| DecisionInput {
            decision: same,
            by: "A. Officer".into(),
            reason: None,
            waived: vec![],
            at: None,
            screening,
        };
        let mut appender = Appender::open(&path).unwrap();
        // Entry 2: a decision on entry 1; entry 3: the request screened again (resubmitted),
        // under its id in lower case: the same case.
        decide(&mut appender, &path, &id, on(Some(1))).unwrap();
        let record_json = record.to_json();
        let body = Body::Screening {
            record: record_json,
            signer: None,
            by: None,
        };
        appender.append(&id.to_lowercase(), body, None).unwrap();
        appender.sync().unwrap();
        let before = std::fs::read(&path).unwrap();
        match decide(&mut appender, &path, &id, on(Some(1))) {
            Err(DecideError::Refused(
                refused @ Refused::NotLatest {
                    shown: 1,
                    latest: 3,
                    ..
                },
            )) => {
                let told = refused.describe(Audience::Api);
                assert!(
                    told.message.contains("no longer the latest"),
                    "{}",
                    told.message
                );
                let help = told.help.unwrap_or_default();
                assert!(help.contains("entry 3"), "{help}");
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            decide(&mut appender, &path, &id, on(Some(2))),
            Err(DecideError::Refused(Refused::NotAScreening {
                shown: 2,
                ..
            }))
        ));
        assert_eq!(std::fs::read(&path).unwrap(), before, "nothing appended");
        // On the screening shown, the latest: recorded, under the id that screening gave.
        let (seq, decided) = decide(&mut appender, &path, &id, on(Some(3))).unwrap();
        assert_eq!((seq, decided.screening_seq), (4, 3));
        drop(appender);
        let entries = crate::register_scan::read(&path, None).expect("the chain verifies");
        assert_eq!(entries[3].request_id, id.to_lowercase());
    }

    #[test]
    fn a_decision_dated_after_today_or_waiving_a_rule_twice_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let (_path, record) = screened_register(dir.path());
        let id = record.request_id.as_str();
        let rounds = [1];
        let latest = || {
            Some(Latest {
                seq: 1,
                request_id: id,
                record: &record,
                rounds: &rounds,
            })
        };
        let input = |at: &str, waived: &[&str]| DecisionInput {
            decision: record.decision.unwrap_or(Decision::Revise),
            by: "A. Officer".into(),
            reason: Some("agreed with the ministry".into()),
            waived: waived.iter().map(|w| w.to_string()).collect(),
            at: Date::parse(at),
            screening: None,
        };
        // Whatever the clock says, the year 9999 is not today.
        assert!(matches!(
            check(latest(), id, input("9999-12-31", &[])),
            Err(Refused::InTheFuture { .. })
        ));
        let today = Date::parse("2025-06-10");
        assert!(matches!(
            check_on(latest(), id, input("2025-06-12", &[]), today),
            Err(Refused::InTheFuture { .. })
        ));
        // A day ahead is allowed: it is already tomorrow east of UTC.
        assert!(check_on(latest(), id, input("2025-06-11", &[]), today).is_ok());
        let fired = record.findings[0].rule.as_str();
        let twice = check_on(latest(), id, input("2025-06-10", &[fired, fired]), today);
        assert_eq!(
            twice.unwrap_err(),
            Refused::WaivedTwice {
                rule: fired.to_string()
            }
        );
        assert_eq!(
            Refused::WaivedTwice { rule: fired.into() }.field(),
            Some(Field::Waived)
        );
    }
}
