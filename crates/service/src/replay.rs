//! Replaying recorded decisions: each record's input is screened again with the pack and
//! version it names, as of its date, and the new record is compared with the recorded one byte
//! for byte. A report says `match`, or `diverged` with the causes (record or input altered,
//! pack changed, decision or findings differ) and a finding-level diff, or `error` when the
//! record could not be replayed. What `tcscreen replay` prints and `POST /v1/replay` returns.
//! Screening evaluates rules: call these on a thread with `EVAL_STACK_BYTES` of stack.

use tcscreen_core::replay::{self, FindingChange};
use tcscreen_core::{Decision, Finding, Json, ValidRequest, canonical, hash};

use crate::inputs::Source;
use crate::records::{self, Recorded};
use crate::{PackChoice, Packs, Problem, ThreadScreener};

/// What replaying one record found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Same bytes (or only the engine version differs).
    Match,
    /// Different, with causes.
    Diverged,
    /// Could not be replayed.
    Error,
}

impl Verdict {
    /// `match`, `diverged` or `error`.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Match => "match",
            Verdict::Diverged => "diverged",
            Verdict::Error => "error",
        }
    }
}

/// The report on one record.
pub struct Report {
    /// Where the record came from.
    pub source: String,
    /// Its request id, if it could be read.
    pub request_id: Option<String>,
    /// `id version` of its pack.
    pub pack: Option<String>,
    /// The verdict.
    pub verdict: Verdict,
    /// Why it diverged or could not be replayed, most basic cause first.
    pub causes: Vec<String>,
    /// Finding-level differences.
    pub changes: Vec<FindingChange>,
    /// Remarks that are not divergences.
    pub notes: Vec<String>,
    /// Who signed the pack (from the register, or `--trust`).
    pub signer: Option<String>,
}

/// Replay one record.
pub fn replay_one(screener: &mut ThreadScreener, packs: &Packs, recorded: &Recorded) -> Report {
    let record = &recorded.record;
    let mut report = Report {
        source: recorded.source.display(),
        request_id: Some(record.request_id.clone()),
        pack: Some(format!("{} {}", record.pack.id, record.pack.version)),
        verdict: Verdict::Diverged,
        causes: Vec::new(),
        changes: Vec::new(),
        notes: Vec::new(),
        signer: recorded.signer.clone(),
    };
    // The record must agree with itself.
    let implied = if record.errors.is_empty() {
        Some(Decision::from_outcomes(
            record.findings.iter().map(|f| f.outcome),
        ))
    } else {
        None
    };
    if implied != record.decision {
        report.causes.push(format!(
            "record altered: its decision ({}) does not follow from its own findings and errors ({})",
            show(record.decision),
            show(implied)
        ));
    }
    let input_hash = hash::sha256_hex(canonical::to_canonical_string(&record.input).as_bytes());
    if input_hash != record.request_sha256 {
        report.causes.push(format!(
            "input altered: the embedded input hashes to {}, but the record says {}",
            short(&input_hash),
            short(&record.request_sha256)
        ));
    }
    let request = match ValidRequest::from_json((*record.input).clone()) {
        Ok(request) => request,
        Err(errors) => {
            let first = errors.first().map_or_else(String::new, ToString::to_string);
            report.causes.push(format!(
                "the embedded input is not a valid request any more: {first}"
            ));
            return report;
        }
    };
    let choice = PackChoice::Id(record.pack.id.clone(), Some(record.pack.version.clone()));
    let screened = screener
        .choose(packs, &choice, &request, record.as_of)
        .and_then(|index| screener.screen(packs, index, &request, record.as_of, false));
    let (now, details) = match screened {
        Ok(screened) => screened,
        Err(problem) => {
            report.verdict = Verdict::Error;
            report.causes.push(match problem {
                Problem::Select(d) => format!("pack not found: {}", d.message),
                Problem::Pack { diagnostics, .. } => {
                    let first = diagnostics
                        .first()
                        .map_or_else(String::new, |d| d.message.clone());
                    format!("the pack cannot be used: {first}")
                }
                Problem::Stop(stop) => stop.to_string(),
                Problem::Input(errors) => format!(
                    "invalid input: {}",
                    errors.first().map_or_else(String::new, ToString::to_string)
                ),
            });
            return report;
        }
    };
    if report.signer.is_none() {
        report.signer = details.signer;
    }
    let now = &now;
    let identical = canonical::to_canonical_string(&recorded.json) == now.to_canonical();
    let diff = replay::compare(record, now);
    if report.causes.is_empty() && (identical || diff.engine_only.is_some()) {
        report.verdict = Verdict::Match;
        if let Some((then, now)) = diff.engine_only {
            report.notes.push(format!(
                "engine version differs (recorded {then}, now {now}); everything else is the same"
            ));
        }
        return report;
    }
    if diff.pack_changed {
        report
            .causes
            .push(if now.pack.sha256 != record.pack.sha256 {
                format!(
                    "pack changed: digest recorded {}, now {}",
                    short(&record.pack.sha256),
                    short(&now.pack.sha256)
                )
            } else {
                "pack changed: an ancestor's digest differs".to_string()
            });
    }
    if let Some((then, now)) = diff.decision {
        report.causes.push(format!(
            "decision differs: recorded {}, screening now gives {}",
            show(then),
            show(now)
        ));
    }
    if !diff.findings.is_empty() {
        report.causes.push(format!(
            "findings differ ({} change{})",
            diff.findings.len(),
            if diff.findings.len() == 1 { "" } else { "s" }
        ));
    }
    if !diff.errors_added.is_empty() || !diff.errors_removed.is_empty() {
        report.causes.push(format!(
            "rule errors differ ({} new, {} gone)",
            diff.errors_added.len(),
            diff.errors_removed.len()
        ));
    }
    if let Some((then, now)) = diff.rules_run {
        report
            .causes
            .push(format!("rules run differ: recorded {then}, now {now}"));
    }
    if report.causes.is_empty() {
        let mut fields = Vec::new();
        differing_fields(&recorded.json, &now.to_json(), "", &mut fields);
        report.causes.push(if fields.is_empty() {
            "the record's bytes differ from a fresh screening of its input (its JSON is not written canonically)".into()
        } else {
            format!(
                "the record's {} differ{} from a fresh screening of its input",
                fields
                    .iter()
                    .map(|f| format!("`{f}`"))
                    .collect::<Vec<_>>()
                    .join(", "),
                if fields.len() == 1 { "s" } else { "" }
            )
        });
    }
    report.changes = diff.findings;
    report
}

/// The paths of the members that differ between two records (at most 8), descending into
/// objects: `criteria.exit`, `extra_field`.
fn differing_fields(recorded: &Json, now: &Json, path: &str, out: &mut Vec<String>) {
    use tcscreen_core::JsonValue;
    const MAX: usize = 8;
    let join = |key: &str| {
        if path.is_empty() {
            key.to_string()
        } else {
            format!("{path}.{key}")
        }
    };
    match (&recorded.value, &now.value) {
        (JsonValue::Object(a), JsonValue::Object(b)) => {
            let mut keys: Vec<&str> = a.iter().chain(b.iter()).map(|m| m.key.as_str()).collect();
            keys.sort_unstable();
            keys.dedup();
            for key in keys {
                if out.len() >= MAX {
                    return;
                }
                match (recorded.get(key), now.get(key)) {
                    (Some(x), Some(y)) => differing_fields(x, y, &join(key), out),
                    _ => out.push(join(key)),
                }
            }
        }
        _ => {
            if canonical::to_canonical_string(recorded) != canonical::to_canonical_string(now) {
                out.push(if path.is_empty() {
                    "whole record".to_string()
                } else {
                    path.to_string()
                });
            }
        }
    }
}

fn show(d: Option<Decision>) -> &'static str {
    d.map_or("no decision", Decision::as_str)
}

fn short(digest: &str) -> &str {
    digest.get(..12).unwrap_or(digest)
}

/// Replay every record of `items` (as [`records::read`] gives them) with `packs`. Human
/// decisions in a register hold no record and are skipped; an unreadable record is an
/// `error` report.
pub fn replay_all(
    packs: &Packs,
    items: impl IntoIterator<Item = Result<Recorded, (Source, String)>>,
) -> Vec<Report> {
    let mut screener = ThreadScreener::new();
    let mut reports = Vec::new();
    for item in items {
        match item {
            Ok(recorded) => reports.push(replay_one(&mut screener, packs, &recorded)),
            Err((_, message)) if records::is_decision_entry(&message) => {}
            Err((source, message)) => reports.push(Report {
                source: source.display(),
                request_id: None,
                pack: None,
                verdict: Verdict::Error,
                causes: vec![message],
                changes: Vec::new(),
                notes: Vec::new(),
                signer: None,
            }),
        }
    }
    reports
}

fn finding_json(f: &Finding) -> Json {
    Json::object([
        ("rule", Json::string(&f.rule)),
        ("outcome", Json::string(f.outcome.as_str())),
        ("field", Json::opt_string(f.field.as_deref())),
        ("message", Json::string(&f.message)),
    ])
}

/// The report as JSON: an item of `replay --format json`.
pub fn report_json(r: &Report) -> Json {
    let (mut added, mut removed, mut changed) = (Vec::new(), Vec::new(), Vec::new());
    for change in &r.changes {
        match change {
            FindingChange::Added(f) => added.push(finding_json(f)),
            FindingChange::Removed(f) => removed.push(finding_json(f)),
            FindingChange::Changed { before, after } => {
                changed.push(Json::object([
                    ("before", finding_json(before)),
                    ("after", finding_json(after)),
                ]));
            }
        }
    }
    Json::object([
        ("source", Json::string(&r.source)),
        ("request_id", Json::opt_string(r.request_id.as_deref())),
        ("pack", Json::opt_string(r.pack.as_deref())),
        ("verdict", Json::string(r.verdict.as_str())),
        (
            "causes",
            Json::array(r.causes.iter().map(Json::string).collect()),
        ),
        (
            "findings",
            Json::object([
                ("added", Json::array(added)),
                ("removed", Json::array(removed)),
                ("changed", Json::array(changed)),
            ]),
        ),
        (
            "notes",
            Json::array(r.notes.iter().map(Json::string).collect()),
        ),
        ("signer", Json::opt_string(r.signer.as_deref())),
    ])
}
