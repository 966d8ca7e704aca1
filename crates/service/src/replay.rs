//! Replaying recorded decisions: each record's input is screened again with the pack it names
//! (id and version) on its as-of date, and the new record is compared with the recorded one,
//! byte for byte. A difference is explained in terms an auditor can act on (the record was
//! altered, the pack changed, the decision, findings, errors or rules run differ); an engine
//! version that differs alone is a note. Reports render as text for people and as JSON.

use std::fmt::Write as _;

use tcscreen_core::record::replay::{self, FindingChange};
use tcscreen_core::{Decision, Finding, Json, ValidRequest, canonical, hash};

use crate::escape::controls as esc;
use crate::inputs::{Item, Location};
use crate::packs::{PackChoice, Packs};
use crate::pipeline::{BatchEnd, run_batch, run_batch_in_window};
use crate::plural;
use crate::records::{self, Recorded};
use crate::screener::Screener;
use crate::thread_screener::{Problem, ThreadScreener};

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

/// Replay one record on this thread (which needs a large stack).
pub fn replay_one(screener: &mut ThreadScreener, packs: &Packs, recorded: &Recorded) -> Report {
    let record = &recorded.record;
    let mut report = Report {
        source: recorded.location.display(),
        request_id: Some(record.request_id.clone()),
        pack: Some(format!("{} {}", record.pack.id, record.pack.version)),
        verdict: Verdict::Diverged,
        causes: altered(record),
        changes: Vec::new(),
        notes: Vec::new(),
        signer: recorded.signer.clone(),
    };
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
    // The same packs as recorded: the deciding pack and those in force during the TC, each
    // by id and version.
    let choice = PackChoice::Id(record.pack.id.clone(), Some(record.pack.version.clone()));
    let during: Result<Vec<usize>, Problem> = record
        .in_force_during_tc
        .iter()
        .map(|p| {
            let pinned = PackChoice::Id(p.pack.id.clone(), Some(p.pack.version.clone()));
            screener.choose(packs, &pinned, &request, p.from)
        })
        .collect();
    let screened = during.and_then(|during| {
        screener
            .choose(packs, &choice, &request, record.as_of)
            .and_then(|index| {
                screener.screen_during(packs, index, &during, &request, record.as_of, false)
            })
    });
    let (now, details) = match screened {
        Ok(screened) => screened,
        Err(problem) => {
            report.verdict = Verdict::Error;
            report.causes.push(not_replayed(problem));
            return report;
        }
    };
    if report.signer.is_none() {
        report.signer = details.signer;
    }
    let identical = canonical::to_canonical_string(&recorded.json) == now.to_canonical();
    let diff = replay::compare(record, &now);
    if report.causes.is_empty() && (identical || diff.matches()) {
        report.verdict = Verdict::Match;
        if let Some((then, now)) = diff.engine_only {
            report.notes.push(format!(
                "engine version differs (recorded {then}, now {now}); everything else is the same"
            ));
        }
        if diff.without_actors {
            report.notes.push(
                "recorded before findings named who must act; everything else is the same"
                    .to_string(),
            );
        }
        return report;
    }
    report.causes.extend(differences(record, &now, &diff));
    if report.causes.is_empty() {
        report
            .causes
            .push(bytes_differ(&recorded.json, &now.to_json()));
    }
    report.changes = diff.findings;
    report
}

/// How a record disagrees with itself: a decision that does not follow from its findings, an
/// input that does not hash to the recorded hash.
fn altered(record: &tcscreen_core::DecisionRecord) -> Vec<String> {
    let mut causes = Vec::new();
    let implied = tcscreen_core::decision::aggregation::of(&record.findings, &record.errors);
    if implied != record.decision {
        causes.push(format!(
            "record altered: its decision ({}) does not follow from its own findings and errors ({})",
            show(record.decision),
            show(implied)
        ));
    }
    let input_hash = hash::sha256_hex(canonical::to_canonical_string(&record.input).as_bytes());
    if input_hash != record.request_sha256 {
        causes.push(format!(
            "input altered: the embedded input hashes to {}, but the record says {}",
            short(&input_hash),
            short(&record.request_sha256)
        ));
    }
    causes
}

/// Why a record could not be screened again.
fn not_replayed(problem: Problem) -> String {
    match problem {
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
    }
}

/// The causes of a divergence, most basic first: the pack, the decision, findings, rule
/// errors, rules run.
fn differences(
    record: &tcscreen_core::DecisionRecord,
    now: &tcscreen_core::DecisionRecord,
    diff: &replay::RecordDiff,
) -> Vec<String> {
    let mut causes = Vec::new();
    if diff.pack_changed {
        causes.push(if now.pack.sha256 != record.pack.sha256 {
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
        causes.push(format!(
            "decision differs: recorded {}, screening now gives {}",
            show(then),
            show(now)
        ));
    }
    if !diff.findings.is_empty() {
        causes.push(format!(
            "findings differ ({} {})",
            diff.findings.len(),
            plural(diff.findings.len(), "change", "changes")
        ));
    }
    if !diff.errors_added.is_empty() || !diff.errors_removed.is_empty() {
        causes.push(format!(
            "rule errors differ ({} new, {} gone)",
            diff.errors_added.len(),
            diff.errors_removed.len()
        ));
    }
    if let Some((then, now)) = diff.rules_run {
        causes.push(format!("rules run differ: recorded {then}, now {now}"));
    }
    causes
}

/// The cause when nothing the record says differs, yet its bytes do.
fn bytes_differ(recorded: &Json, now: &Json) -> String {
    let mut fields = Vec::new();
    differing_fields(recorded, now, "", &mut fields);
    if fields.is_empty() {
        "the record's bytes differ from a fresh screening of its input (its JSON is not written canonically)".into()
    } else {
        format!(
            "the record's {} {} from a fresh screening of its input",
            fields
                .iter()
                .map(|f| format!("`{f}`"))
                .collect::<Vec<_>>()
                .join(", "),
            plural(fields.len(), "differs", "differ")
        )
    }
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

fn finding_line(sign: char, f: &Finding) -> String {
    format!(
        "{sign} {} {} {}: {}",
        f.outcome,
        esc(&f.rule),
        esc(f.field.as_deref().unwrap_or("-")),
        esc(&f.message)
    )
}

impl Report {
    /// The report for people: a line with the verdict, the request, the pack and the source,
    /// then its causes, finding changes and notes, indented. Every line ends with a newline.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        let signer = self
            .signer
            .as_ref()
            .map_or_else(String::new, |s| format!(" · signed by {}", esc(s)));
        let _ = writeln!(
            out,
            "{:<8}  {}  {}  ({}){signer}",
            self.verdict.as_str(),
            esc(self.request_id.as_deref().unwrap_or("?")),
            esc(self.pack.as_deref().unwrap_or("?")),
            esc(&self.source)
        );
        for cause in &self.causes {
            let _ = writeln!(out, "          {}", esc(cause));
        }
        for change in &self.changes {
            match change {
                FindingChange::Added(f) => {
                    let _ = writeln!(out, "          {}", finding_line('+', f));
                }
                FindingChange::Removed(f) => {
                    let _ = writeln!(out, "          {}", finding_line('-', f));
                }
                FindingChange::Changed { before, after } => {
                    let _ = writeln!(out, "          {}", finding_line('-', before));
                    let _ = writeln!(out, "          {}", finding_line('+', after));
                }
            }
        }
        for note in &self.notes {
            let _ = writeln!(out, "          note: {}", esc(note));
        }
        out
    }

    /// The report as JSON (an item of `replay --format json`).
    pub fn to_json(&self) -> Json {
        report_json(self)
    }
}

/// `N records: M match, D diverged, E could not be replayed`.
pub fn summary(reports: &[Report]) -> String {
    let count = |v: Verdict| reports.iter().filter(|r| r.verdict == v).count();
    format!(
        "{} {}: {} match, {} diverged, {} could not be replayed",
        reports.len(),
        plural(reports.len(), "record", "records"),
        count(Verdict::Match),
        count(Verdict::Diverged),
        count(Verdict::Error)
    )
}

fn finding_json(f: &Finding) -> Json {
    Json::object([
        ("rule", Json::string(&f.rule)),
        ("outcome", Json::string(f.outcome.as_str())),
        ("field", Json::opt_string(f.field.as_deref())),
        ("message", Json::string(&f.message)),
    ])
}

fn report_json(r: &Report) -> Json {
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

/// Replay every record of `inputs` (record files, arrays, JSON Lines, registers, folders of
/// them) on the screener's threads with `packs`, in input order. A register's human-decision
/// entries are skipped; a record that cannot be read is an `error` report.
pub fn replay_all(
    screener: &Screener,
    packs: &std::sync::Arc<Packs>,
    inputs: &[String],
) -> Vec<Report> {
    replay_records(screener, packs, records::read(inputs))
}

/// Replay `records` (from [`records::read`], or [`records::from_items`] for a request body) on
/// the screener's threads with `packs`, in order.
pub fn replay_records(
    screener: &Screener,
    packs: &std::sync::Arc<Packs>,
    records: Vec<Result<Recorded, (Location, String)>>,
) -> Vec<Report> {
    let items = records
        .into_iter()
        .filter(|item| !matches!(item, Err((_, message)) if records::is_decision_entry(message)));
    let packs = packs.clone();
    let mut reports = Vec::new();
    run_batch(
        screener,
        items,
        move |local, item| match item {
            Ok(recorded) => replay_one(local, &packs, &recorded),
            Err((location, message)) => unreadable(&location, message),
        },
        &|| false,
        |report| {
            reports.push(report);
            std::ops::ControlFlow::Continue(())
        },
    );
    reports
}

/// Replay the records of `items` (texts: a record, an array of records, or a register entry
/// each) as they are read, and hand the reports of each item to `deliver`, in order. Each text
/// is parsed on a screening thread, so parsing and replaying share the screening threads with
/// every other screening; at most `window` texts are held at once. Human-decision entries are
/// skipped.
pub fn replay_items(
    screener: &Screener,
    packs: &std::sync::Arc<Packs>,
    items: impl Iterator<Item = Item> + Send,
    window: usize,
    stop: &(dyn Fn() -> bool + Sync),
    deliver: impl FnMut(Vec<Report>) -> std::ops::ControlFlow<()>,
) -> BatchEnd {
    let packs = packs.clone();
    let task = move |local: &mut ThreadScreener, item: Item| -> Vec<Report> {
        let text = match item.text {
            Ok(text) => text,
            Err(e) => return vec![unreadable(&item.location, e.message)],
        };
        records::from_text(&item.location, &text)
            .into_iter()
            .filter(|r| !matches!(r, Err((_, message)) if records::is_decision_entry(message)))
            .map(|r| match r {
                Ok(recorded) => replay_one(local, &packs, &recorded),
                Err((location, message)) => unreadable(&location, message),
            })
            .collect()
    };
    run_batch_in_window(screener, window, items, task, stop, deliver)
}

fn unreadable(location: &Location, message: String) -> Report {
    Report {
        source: location.display(),
        request_id: None,
        pack: None,
        verdict: Verdict::Error,
        causes: vec![message],
        changes: Vec::new(),
        notes: Vec::new(),
        signer: None,
    }
}
