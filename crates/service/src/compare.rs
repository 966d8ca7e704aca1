//! Progress between rounds: a revised request is screened, and the findings of the previous
//! screening are sorted into resolved, still open and new, matched by rule and field.

use std::fmt::Write as _;

use tcscreen_core::{Decision, DecisionRecord, Finding, Json, Outcome, ValidRequest, canonical};

use crate::escape::controls as esc;
use crate::inputs::Location;
use crate::packs::{PackChoice, Packs};
use crate::thread_screener::{NotScreened, ThreadScreener};

/// A revised request's screening against the previous one.
pub struct Comparison {
    /// The previous screening's record.
    pub previous: DecisionRecord,
    /// The revised request's record.
    pub now: DecisionRecord,
}

/// Screen the revised `request` (read from `location`) on this thread, with the pack `choice`
/// names (the previous record's pack id by default), as of its `received` date.
pub fn compare(
    screener: &mut ThreadScreener,
    packs: &Packs,
    previous: DecisionRecord,
    request: &ValidRequest,
    location: Location,
    choice: Option<PackChoice>,
) -> Result<Comparison, NotScreened> {
    let choice = choice.unwrap_or_else(|| PackChoice::Id(previous.pack.id.clone(), None));
    let as_of = request.received();
    let now = screener
        .choose_during(packs, &choice, request, as_of)
        .and_then(|(i, during)| screener.screen_during(packs, i, &during, request, as_of, false));
    match now {
        Ok((now, _)) => Ok(Comparison { previous, now }),
        Err(problem) => Err(NotScreened {
            location,
            request_id: Some(request.id().to_string()),
            problem,
        }),
    }
}

fn same(a: &Finding, b: &Finding) -> bool {
    a.rule == b.rule && a.field == b.field
}

fn show(d: Option<Decision>) -> &'static str {
    d.map_or("no decision", Decision::as_str)
}

impl Comparison {
    /// Findings of the previous screening that the revised request no longer has.
    pub fn resolved(&self) -> Vec<&Finding> {
        let now = &self.now.findings;
        self.previous
            .findings
            .iter()
            .filter(|f| !now.iter().any(|g| same(f, g)))
            .collect()
    }

    /// Findings of the revised request that the previous screening had too.
    pub fn still_open(&self) -> Vec<&Finding> {
        let before = &self.previous.findings;
        self.now
            .findings
            .iter()
            .filter(|g| before.iter().any(|f| same(f, g)))
            .collect()
    }

    /// Findings of the revised request that the previous screening did not have.
    pub fn new_findings(&self) -> Vec<&Finding> {
        let before = &self.previous.findings;
        self.now
            .findings
            .iter()
            .filter(|g| !before.iter().any(|f| same(f, g)))
            .collect()
    }

    /// `{"request_id", "previous_decision", "decision", "resolved", "still_open", "new"}`,
    /// canonical.
    pub fn to_json(&self) -> String {
        let list = |fs: &[&Finding]| {
            Json::array(
                fs.iter()
                    .map(|f| {
                        Json::object([
                            ("rule", Json::string(&f.rule)),
                            ("field", Json::opt_string(f.field.as_deref())),
                            ("outcome", Json::string(f.outcome.as_str())),
                            ("message", Json::string(&f.message)),
                        ])
                    })
                    .collect(),
            )
        };
        canonical::to_canonical_string(&Json::object([
            ("request_id", Json::string(&self.now.request_id)),
            (
                "previous_decision",
                Json::string(show(self.previous.decision)),
            ),
            ("decision", Json::string(show(self.now.decision))),
            ("resolved", list(&self.resolved())),
            ("still_open", list(&self.still_open())),
            ("new", list(&self.new_findings())),
        ]))
    }

    /// The comparison as a section of the decision note (Markdown): what the previous
    /// screening decided, then the points resolved, still open and new, in the note's words
    /// (request and pack text escaped).
    pub fn to_markdown(&self) -> String {
        use crate::render::markdown::{escape, field_in_words};
        let word = |d: Option<Decision>| match d {
            Some(Decision::Accept) => "accept",
            Some(Decision::Revise) => "revise",
            Some(Decision::Reject) => "reject",
            None => "no decision",
        };
        let mut out = String::new();
        let _ = writeln!(
            out,
            "## Progress since the previous screening
"
        );
        let _ = writeln!(
            out,
            "The previous screening (as of {}) decided **{}**; this one decides **{}**.\n",
            self.previous.as_of,
            word(self.previous.decision),
            word(self.now.decision)
        );
        let mut list = |title: &str, fs: &[&Finding]| {
            let _ = writeln!(out, "**{title}: {}**\n", fs.len());
            for f in fs {
                let about = f
                    .field
                    .as_deref()
                    .map(|field| format!(" ({})", escape(&field_in_words(field))))
                    .unwrap_or_default();
                let _ = writeln!(out, "- {}{about}", escape(&f.message));
            }
            if !fs.is_empty() {
                out.push('\n');
            }
        };
        list("Resolved since the previous screening", &self.resolved());
        list("Still open", &self.still_open());
        list("New in this screening", &self.new_findings());
        out
    }

    /// The comparison for people: the decisions, then each list of findings.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "{}: {} → {}  (pack {} {}, as of {})",
            esc(&self.now.request_id),
            show(self.previous.decision),
            show(self.now.decision),
            esc(&self.now.pack.id),
            esc(&self.now.pack.version),
            self.now.as_of
        );
        let mut list = |title: &str, fs: &[&Finding]| {
            let to_change = fs.iter().filter(|f| f.outcome != Outcome::Note).count();
            let _ = writeln!(out, "{title}: {} ({to_change} to change)", fs.len());
            for f in fs {
                let _ = writeln!(
                    out,
                    "  {:<6}  {}  {}  {}",
                    f.outcome,
                    esc(&f.rule),
                    esc(f.field.as_deref().unwrap_or("-")),
                    esc(&f.message)
                );
            }
        };
        list("resolved", &self.resolved());
        list("still open", &self.still_open());
        list("new", &self.new_findings());
        out
    }
}
