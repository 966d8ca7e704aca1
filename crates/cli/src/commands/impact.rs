//! `tcscreen impact`: what a pack change would do. Screens requests (or the inputs of
//! records) under the old and the new rules and lists decisions that flip and findings that
//! appear or disappear, with a summary table.

use crate::console::{errln, outln};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use clap::ValueEnum;
use tcscreen_core::replay::{FindingChange, finding_changes};
use tcscreen_core::{Date, Decision, DecisionRecord, Json, ValidRequest, canonical, json};
use tcscreen_packs::Catalog;

use crate::Cli;
use crate::exit::ExitStatus;
use tcscreen_service::escape::controls as esc;
use tcscreen_service::inputs::{Inputs, Source};
use tcscreen_service::{PackChoice, Packs, Problem, ThreadScreener};

/// Arguments of `impact`.
#[derive(Debug, clap::Args)]
pub struct ImpactArgs {
    /// The rules as they are: a rules folder, or one pack folder (parents from --rules).
    #[arg(long, value_name = "RULES_OR_PACK")]
    pub from: PathBuf,

    /// The rules as proposed: a rules folder, or one pack folder (parents from --rules).
    #[arg(long, value_name = "RULES_OR_PACK")]
    pub to: PathBuf,

    /// Requests or decision records (files, folders, .jsonl).
    #[arg(value_name = "INPUT", required = true)]
    pub inputs: Vec<String>,

    /// Output format.
    #[arg(long, value_enum, default_value_t = ImpactFormat::Text)]
    pub format: ImpactFormat,
}

/// Formats of the impact report.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ImpactFormat {
    /// For people.
    Text,
    /// JSON.
    Json,
    /// A Markdown report.
    Markdown,
}

struct Side {
    packs: Packs,
    choice: PackChoice,
}

fn side(cli: &Cli, path: &Path) -> Result<Side, String> {
    if path.join("pack.toml").is_file() {
        let root = cli
            .rules
            .to_string_lossy()
            .trim_end_matches('/')
            .to_string();
        let mut catalog = Catalog::discover(&cli.rules, &root).map_err(|d| d.to_string())?;
        let index = catalog.add_path(path).map_err(|e| {
            e.iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("\n")
        })?;
        Ok(Side {
            packs: Packs::from_catalog(catalog),
            choice: PackChoice::Index(index),
        })
    } else {
        let display = path.to_string_lossy().trim_end_matches('/').to_string();
        let catalog = Catalog::discover(path, &display).map_err(|d| d.to_string())?;
        Ok(Side {
            packs: Packs::from_catalog(catalog),
            choice: PackChoice::Automatic,
        })
    }
}

/// One request screened both ways.
struct Compared {
    source: Source,
    request_id: String,
    before: Result<DecisionRecord, String>,
    after: Result<DecisionRecord, String>,
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
    ValidRequest::from_text(text, &crate::request_limits())
        .map(|r| (r, None))
        .map_err(|e| {
            e.iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("; ")
        })
}

fn screen(
    screener: &mut ThreadScreener,
    side: &Side,
    request: &ValidRequest,
    as_of: Date,
) -> Result<DecisionRecord, String> {
    let describe = |p| match p {
        Problem::Select(d) => d.message,
        Problem::Pack {
            diagnostics, label, ..
        } => {
            format!(
                "pack {label}: {}",
                diagnostics
                    .first()
                    .map_or_else(String::new, |d| d.message.clone())
            )
        }
        Problem::Stop(s) => s.to_string(),
        Problem::Input(e) => e.first().map_or_else(String::new, ToString::to_string),
    };
    let index = screener
        .choose(&side.packs, &side.choice, request, as_of)
        .map_err(describe)?;
    screener
        .screen(&side.packs, index, request, as_of, false)
        .map(|(record, _)| record)
        .map_err(describe)
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

/// Run `impact`.
pub fn impact(cli: &Cli, args: &ImpactArgs) -> ExitStatus {
    let (from, to) = match (side(cli, &args.from), side(cli, &args.to)) {
        (Ok(from), Ok(to)) => (from, to),
        (Err(e), _) | (_, Err(e)) => {
            errln!("{e}");
            return ExitStatus::Error;
        }
    };
    // One per side: a pack compiled from `--from` is never used for `--to`, even when their
    // bytes are the same (the files are shown by their own paths).
    let (mut before, mut after) = (ThreadScreener::new(), ThreadScreener::new());
    let mut status = ExitStatus::Success;
    let mut compared = Vec::new();
    for item in Inputs::new(&args.inputs) {
        let parsed = item
            .text
            .map_err(|e| e.message)
            .and_then(|t| request_of(&t));
        match parsed {
            Ok((request, as_of)) => {
                let as_of = as_of.unwrap_or(request.received());
                let b = screen(&mut before, &from, &request, as_of);
                let a = screen(&mut after, &to, &request, as_of);
                if b.is_err() || a.is_err() {
                    status.raise(ExitStatus::Error);
                }
                compared.push(Compared {
                    source: item.source,
                    request_id: request.id().to_string(),
                    before: b,
                    after: a,
                });
            }
            Err(e) => {
                errln!(
                    "error: {}: {}",
                    esc(&item.source.display()),
                    esc(&e.to_string())
                );
                status.raise(ExitStatus::Error);
            }
        }
    }
    let mut table: BTreeMap<(String, String), usize> = BTreeMap::new();
    for c in &compared {
        *table
            .entry((label(&c.before), label(&c.after)))
            .or_default() += 1;
    }
    let changes = |c: &Compared| -> Vec<FindingChange> {
        match (&c.before, &c.after) {
            (Ok(b), Ok(a)) => finding_changes(&b.findings, &a.findings),
            _ => Vec::new(),
        }
    };
    match args.format {
        ImpactFormat::Json => {
            let items = compared
                .iter()
                .map(|c| {
                    let errors: Vec<Json> = [&c.before, &c.after]
                        .iter()
                        .filter_map(|r| r.as_ref().err().map(Json::string))
                        .collect();
                    let (mut appear, mut disappear) = (Vec::new(), Vec::new());
                    for change in changes(c) {
                        match change {
                            FindingChange::Added(f) => {
                                appear.push(Json::string(format!("{} {}", f.outcome, f.rule)))
                            }
                            FindingChange::Removed(f) => {
                                disappear.push(Json::string(format!("{} {}", f.outcome, f.rule)))
                            }
                            FindingChange::Changed { before, after } => {
                                disappear.push(Json::string(format!(
                                    "{} {}",
                                    before.outcome, before.rule
                                )));
                                appear.push(Json::string(format!(
                                    "{} {}",
                                    after.outcome, after.rule
                                )));
                            }
                        }
                    }
                    Json::object([
                        ("source", Json::string(c.source.display())),
                        ("request_id", Json::string(&c.request_id)),
                        ("from", Json::string(label(&c.before))),
                        ("to", Json::string(label(&c.after))),
                        ("findings_appear", Json::array(appear)),
                        ("findings_disappear", Json::array(disappear)),
                        ("errors", Json::array(errors)),
                    ])
                })
                .collect();
            let summary = table
                .iter()
                .map(|((f, t), n)| {
                    Json::object([
                        ("from", Json::string(f)),
                        ("to", Json::string(t)),
                        ("count", Json::number(*n as u64)),
                    ])
                })
                .collect();
            outln!(
                "{}",
                canonical::to_canonical_string(&Json::object([
                    ("requests", Json::array(items)),
                    ("summary", Json::array(summary))
                ]))
            );
        }
        ImpactFormat::Text | ImpactFormat::Markdown => {
            let md = args.format == ImpactFormat::Markdown;
            if md {
                outln!(
                    "# Impact of the rule change\n\nFrom {} to {}, on {} request{}.\n",
                    tcscreen_service::render::markdown::code(&args.from.display().to_string()),
                    tcscreen_service::render::markdown::code(&args.to.display().to_string()),
                    compared.len(),
                    if compared.len() == 1 { "" } else { "s" }
                );
                outln!("| from | to | requests |\n|---|---|---|");
                for ((f, t), n) in &table {
                    outln!("| {f} | {t} | {n} |");
                }
                outln!("\n## Requests that change\n");
            }
            let mut unchanged = 0;
            for c in &compared {
                let list = changes(c);
                let flipped = label(&c.before) != label(&c.after);
                if !flipped && list.is_empty() {
                    unchanged += 1;
                    continue;
                }
                // Text from requests and rules: escaped for the terminal, or for Markdown.
                let show = |text: &str| -> String {
                    if md {
                        tcscreen_service::render::markdown::escape(text)
                    } else {
                        esc(text).into_owned()
                    }
                };
                let head = format!(
                    "{}  {} → {}",
                    show(&c.request_id),
                    label(&c.before),
                    label(&c.after)
                );
                if md {
                    outln!("- **{head}** ({})", show(&c.source.display()));
                } else {
                    outln!("{head}  ({})", show(&c.source.display()));
                }
                let indent = if md { "  - " } else { "    " };
                for r in [&c.before, &c.after] {
                    if let Err(e) = r {
                        outln!("{indent}not screened: {}", show(e));
                    }
                }
                for change in list {
                    match change {
                        FindingChange::Added(f) => outln!(
                            "{indent}+ {} {}: {}",
                            f.outcome,
                            show(&f.rule),
                            show(&f.message)
                        ),
                        FindingChange::Removed(f) => outln!(
                            "{indent}- {} {}: {}",
                            f.outcome,
                            show(&f.rule),
                            show(&f.message)
                        ),
                        FindingChange::Changed { before, after } => {
                            outln!(
                                "{indent}~ {}: {} → {}: {}",
                                show(&after.rule),
                                before.outcome,
                                after.outcome,
                                show(&after.message)
                            )
                        }
                    }
                }
            }
            if !md {
                outln!(
                    "\nsummary ({} requests, {unchanged} unchanged):",
                    compared.len()
                );
                outln!("  {:<14} {:<14} {:>8}", "from", "to", "requests");
                for ((f, t), n) in &table {
                    outln!("  {f:<14} {t:<14} {n:>8}");
                }
            } else if unchanged > 0 {
                outln!(
                    "\n{unchanged} other request{} unchanged.",
                    if unchanged == 1 { " is" } else { "s are" }
                );
            }
        }
    }
    status
}
