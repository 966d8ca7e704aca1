//! What a pack change would do: requests (or the inputs of records, on their as-of dates) are
//! screened under the rules as they are and as proposed, on the batch pipeline, and the report
//! lists the decisions that flip and the findings that appear or disappear, with a table of
//! decisions before and after. It renders as text, Markdown and JSON.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;
use std::sync::Arc;

use tcscreen_core::record::replay::{FindingChange, finding_changes};
use tcscreen_core::{
    Date, Decision, DecisionRecord, Json, RequestLimits, ValidRequest, canonical, json,
};
use tcscreen_packs::Catalog;

use crate::escape::controls as esc;
use crate::inputs::{Item, Location};
use crate::packs::{PackChoice, Packs};
use crate::pipeline::run_batch;
use crate::plural;
use crate::render::markdown;
use crate::screener::Screener;
use crate::thread_screener::{Problem, ThreadScreener};
use crate::word_diff;

/// One side of the comparison: packs, and how a request's pack is chosen among them.
pub struct Side {
    packs: Arc<Packs>,
    choice: PackChoice,
}

impl Side {
    /// `path` as `--from`/`--to` gives it: a rules folder (packs chosen as `screen` does), or
    /// one pack folder whose parents come from `rules`.
    pub fn open(rules: &Path, path: &Path) -> Result<Side, String> {
        if path.join("pack.toml").is_file() {
            let root = rules.to_string_lossy().trim_end_matches('/').to_string();
            let mut catalog = Catalog::discover(rules, &root).map_err(|d| d.to_string())?;
            let index = catalog.add_path(path).map_err(|e| {
                e.iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("\n")
            })?;
            Ok(Side {
                packs: Arc::new(Packs::from_catalog(catalog)),
                choice: PackChoice::Index(index),
            })
        } else {
            let display = path.to_string_lossy().trim_end_matches('/').to_string();
            let catalog = Catalog::discover(path, &display).map_err(|d| d.to_string())?;
            Ok(Side {
                packs: Arc::new(Packs::from_catalog(catalog)),
                choice: PackChoice::Automatic,
            })
        }
    }

    /// The packs of this side.
    pub fn packs(&self) -> &Arc<Packs> {
        &self.packs
    }

    fn screen(
        &self,
        screener: &mut ThreadScreener,
        request: &ValidRequest,
        as_of: Date,
    ) -> Result<DecisionRecord, String> {
        let (index, during) = screener
            .choose_during(&self.packs, &self.choice, request, as_of)
            .map_err(describe)?;
        screener
            .screen_during(&self.packs, index, &during, request, as_of, false)
            .map(|(record, _)| record)
            .map_err(describe)
    }
}

fn describe(problem: Problem) -> String {
    match problem {
        Problem::Select(d) => d.message,
        Problem::Pack {
            diagnostics, label, ..
        } => format!(
            "pack {label}: {}",
            diagnostics
                .first()
                .map_or_else(String::new, |d| d.message.clone())
        ),
        Problem::Stop(s) => s.to_string(),
        Problem::Input(e) => e.first().map_or_else(String::new, ToString::to_string),
    }
}

/// One request screened both ways.
pub struct Compared {
    /// Where it came from.
    pub location: Location,
    /// Its id.
    pub request_id: String,
    /// The record under the rules as they are, or why there is none.
    pub before: Result<DecisionRecord, String>,
    /// The record under the rules as proposed, or why there is none.
    pub after: Result<DecisionRecord, String>,
}

impl Compared {
    fn changes(&self) -> Vec<FindingChange> {
        match (&self.before, &self.after) {
            (Ok(b), Ok(a)) => finding_changes(&b.findings, &a.findings),
            _ => Vec::new(),
        }
    }
}

/// The impact of a change on a set of requests.
pub struct Impact {
    /// Every request read, in input order.
    pub compared: Vec<Compared>,
    /// Inputs that are neither a request nor a record: (where, why).
    pub unreadable: Vec<(Location, String)>,
}

/// A request, or a record's input with its as-of date.
fn request_of(text: &str) -> Result<(ValidRequest, Option<Date>), String> {
    let value = json::parse(
        text,
        json::JsonLimits {
            max_depth: 48,
            max_values: 2_000_000,
        },
    )
    .map_err(|e| {
        e.first()
            .map_or_else(String::new, |e| format!("{}: {}", e.pos, e.message))
    })?;
    if value.get("schema").and_then(Json::as_str) == Some(tcscreen_core::DECISION_SCHEMA) {
        let record = DecisionRecord::from_json(&value)?;
        let request =
            ValidRequest::from_json((*record.input).clone()).map_err(|e| e[0].to_string())?;
        return Ok((request, Some(record.as_of)));
    }
    ValidRequest::from_text(text, &RequestLimits::default())
        .map(|r| (r, None))
        .map_err(|e| {
            e.iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("; ")
        })
}

/// Screen every input both ways on the screener's threads.
pub fn impact(
    screener: &Screener,
    from: Side,
    to: Side,
    inputs: impl Iterator<Item = Item> + Send,
) -> Impact {
    let task = move |local: &mut ThreadScreener, item: Item| {
        let (request, as_of) = item
            .text
            .map_err(|e| e.message)
            .and_then(|t| request_of(&t))
            .map_err(|e| (item.location.clone(), e))?;
        let as_of = as_of.unwrap_or(request.received());
        Ok(Compared {
            before: from.screen(local, &request, as_of),
            after: to.screen(local, &request, as_of),
            location: item.location,
            request_id: request.id().to_string(),
        })
    };
    let mut impact = Impact {
        compared: Vec::new(),
        unreadable: Vec::new(),
    };
    run_batch(screener, inputs, task, &|| false, |result| {
        match result {
            Ok(compared) => impact.compared.push(compared),
            Err(unreadable) => impact.unreadable.push(unreadable),
        }
        std::ops::ControlFlow::Continue(())
    });
    impact
}

fn label(d: &Result<DecisionRecord, String>) -> String {
    match d {
        Ok(r) => r
            .decision
            .map_or("no decision", Decision::as_str)
            .to_string(),
        Err(_) => "not screened".to_string(),
    }
}

impl Impact {
    /// Whether some input could not be read or screened.
    pub fn has_errors(&self) -> bool {
        !self.unreadable.is_empty()
            || self
                .compared
                .iter()
                .any(|c| c.before.is_err() || c.after.is_err())
    }

    /// (decision before, decision after) → requests.
    fn table(&self) -> BTreeMap<(String, String), usize> {
        let mut table = BTreeMap::new();
        for c in &self.compared {
            *table
                .entry((label(&c.before), label(&c.after)))
                .or_default() += 1;
        }
        table
    }

    /// `{"requests": [...], "summary": [...]}`, canonical.
    pub fn to_json(&self) -> String {
        let items = self.compared.iter().map(compared_json).collect();
        let summary = self
            .table()
            .iter()
            .map(|((f, t), n)| {
                Json::object([
                    ("from", Json::string(f)),
                    ("to", Json::string(t)),
                    ("count", Json::number(*n as u64)),
                ])
            })
            .collect();
        canonical::to_canonical_string(&Json::object([
            ("requests", Json::array(items)),
            ("summary", Json::array(summary)),
        ]))
    }

    /// The report for people at a terminal: the requests that change, then the table.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        let unchanged = self.changed_requests(&mut out, false);
        let _ = writeln!(
            out,
            "\nsummary ({} requests, {unchanged} unchanged):",
            self.compared.len()
        );
        let _ = writeln!(out, "  {:<14} {:<14} {:>8}", "from", "to", "requests");
        for ((f, t), n) in &self.table() {
            let _ = writeln!(out, "  {f:<14} {t:<14} {n:>8}");
        }
        out
    }

    /// The report in Markdown: the table first, then the requests that change. `from` and
    /// `to` name the two sides.
    pub fn to_markdown(&self, from: &str, to: &str) -> String {
        let mut out = String::new();
        let n = self.compared.len();
        let _ = writeln!(
            out,
            "# Impact of the rule change\n\nFrom {} to {}, on {n} {}.\n",
            markdown::code(from),
            markdown::code(to),
            plural(n, "request", "requests")
        );
        let _ = writeln!(out, "| from | to | requests |\n|---|---|---|");
        for ((f, t), n) in &self.table() {
            let _ = writeln!(out, "| {f} | {t} | {n} |");
        }
        let _ = writeln!(out, "\n## Requests that change\n");
        let unchanged = self.changed_requests(&mut out, true);
        if unchanged > 0 {
            let _ = writeln!(
                out,
                "\n{unchanged} other {} unchanged.",
                plural(unchanged, "request is", "requests are")
            );
        }
        out
    }

    /// Each request whose decision or findings change, in text or Markdown; returns how many
    /// did not change.
    fn changed_requests(&self, out: &mut String, md: bool) -> usize {
        // Text from requests and rules: escaped for the terminal, or for Markdown.
        let show = |text: &str| -> String {
            if md {
                markdown::escape(text)
            } else {
                esc(text).into_owned()
            }
        };
        let indent = if md { "  - " } else { "    " };
        let mut unchanged = 0;
        for c in &self.compared {
            let list = c.changes();
            if label(&c.before) == label(&c.after) && list.is_empty() {
                unchanged += 1;
                continue;
            }
            let head = format!(
                "{}  {} → {}",
                show(&c.request_id),
                label(&c.before),
                label(&c.after)
            );
            let _ = if md {
                writeln!(out, "- **{head}** ({})", show(&c.location.display()))
            } else {
                writeln!(out, "{head}  ({})", show(&c.location.display()))
            };
            for r in [&c.before, &c.after] {
                if let Err(e) = r {
                    let _ = writeln!(out, "{indent}not screened: {}", show(e));
                }
            }
            for change in list {
                let _ = match change {
                    FindingChange::Added(f) => writeln!(
                        out,
                        "{indent}+ {} {}: {}",
                        f.outcome,
                        show(&f.rule),
                        show(&f.message)
                    ),
                    FindingChange::Removed(f) => writeln!(
                        out,
                        "{indent}- {} {}: {}",
                        f.outcome,
                        show(&f.rule),
                        show(&f.message)
                    ),
                    FindingChange::Changed { before, after } => {
                        // What changed inside the message, marked in place.
                        let message = if md {
                            word_diff::marked_markdown(&before.message, &after.message, &show)
                        } else {
                            word_diff::marked(&before.message, &after.message, &show)
                        };
                        writeln!(
                            out,
                            "{indent}~ {}: {} → {}: {message}",
                            show(&after.rule),
                            before.outcome,
                            after.outcome,
                        )
                    }
                };
            }
        }
        unchanged
    }
}

fn compared_json(c: &Compared) -> Json {
    let errors: Vec<Json> = [&c.before, &c.after]
        .iter()
        .filter_map(|r| r.as_ref().err().map(Json::string))
        .collect();
    let (mut appear, mut disappear) = (Vec::new(), Vec::new());
    let named = |f: &tcscreen_core::Finding| Json::string(format!("{} {}", f.outcome, f.rule));
    for change in c.changes() {
        match change {
            FindingChange::Added(f) => appear.push(named(&f)),
            FindingChange::Removed(f) => disappear.push(named(&f)),
            FindingChange::Changed { before, after } => {
                disappear.push(named(&before));
                appear.push(named(&after));
            }
        }
    }
    Json::object([
        ("source", Json::string(c.location.display())),
        ("request_id", Json::string(&c.request_id)),
        ("from", Json::string(label(&c.before))),
        ("to", Json::string(label(&c.after))),
        ("findings_appear", Json::array(appear)),
        ("findings_disappear", Json::array(disappear)),
        ("errors", Json::array(errors)),
    ])
}
