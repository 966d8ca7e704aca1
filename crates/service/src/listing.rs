//! What the packs in force hold, for people: one row per pack (`tcscreen packs`,
//! `GET /v1/packs`), one pack's rules with their citations and the tests that exercise them
//! (the server's Packs page), and everything about one rule (`tcscreen rule`,
//! `GET /v1/rules/{id}`). Compiling and running pack tests evaluates rules: these functions do
//! it on a thread of their own with the stack rules need.

use std::collections::BTreeSet;

use tcscreen_core::citation::Citation;
use tcscreen_core::{
    Actor, CompiledPack, CompiledRule, Criterion, Date, Diagnostic, Json, Outcome, RequestLimits,
    on_eval_stack, suggest::did_you_mean,
};
use tcscreen_packs::testing::{PackTestReport, run_pack_tests};

use crate::packs::{Packs, resolution_date};

/// One pack of the catalog.
#[derive(Clone, Debug)]
pub struct PackRow {
    /// Its index in the catalog of the [`Packs`] it was listed from.
    pub index: usize,
    /// The pack id (versions share it).
    pub id: String,
    /// Its name for people.
    pub name: String,
    /// The country it screens for (`None`: a pack such as `base` that others extend).
    pub country: Option<String>,
    /// Its version.
    pub version: String,
    /// First day of validity.
    pub valid_from: Option<Date>,
    /// Last day of validity.
    pub valid_to: Option<Date>,
    /// `from – to`, `open` for an open end.
    pub validity: String,
    /// Parents, nearest first.
    pub extends: Vec<String>,
    /// Whether it says it is illustrative rather than official policy.
    pub illustrative: bool,
    /// How many rules run, or why that is not known ("does not compile", "unreadable").
    pub rules: Result<usize, &'static str>,
    /// The pack digest (empty when unreadable).
    pub sha256: String,
    /// Its folder, as people see it.
    pub folder: String,
}

impl PackRow {
    /// The row as `tcscreen packs --format json` writes it.
    pub fn to_json(&self) -> Json {
        Json::object([
            ("id", Json::string(&self.id)),
            ("country", Json::opt_string(self.country.as_deref())),
            ("version", Json::string(&self.version)),
            ("validity", Json::string(&self.validity)),
            (
                "extends",
                Json::array(self.extends.iter().map(Json::string).collect()),
            ),
            (
                "rules",
                Json::string(match self.rules {
                    Ok(n) => n.to_string(),
                    Err(why) => why.to_string(),
                }),
            ),
            ("sha256", Json::string(&self.sha256)),
            ("folder", Json::string(&self.folder)),
        ])
    }
}

/// Every pack of the catalog, compiled to count its rules (catalog problems are in
/// `packs.catalog().problems()`).
pub fn pack_rows(packs: &Packs) -> Vec<PackRow> {
    on_eval_stack(|| {
        let catalog = packs.catalog();
        let limits = crate::memory::engine_limits();
        (0..catalog.entries().len())
            .map(|index| {
                let (rules, sha256) = match catalog.source(index, resolution_date(catalog, index)) {
                    Ok(source) => (
                        CompiledPack::compile(&source, &limits)
                            .map(|pack| pack.rules().len())
                            .map_err(|_| "does not compile"),
                        source.identity.sha256.clone(),
                    ),
                    Err(_) => (Err("unreadable"), String::new()),
                };
                row(packs, index, rules, sha256)
            })
            .collect()
    })
}

fn row(packs: &Packs, index: usize, rules: Result<usize, &'static str>, sha256: String) -> PackRow {
    let entry = packs.catalog().entry(index);
    let m = &entry.manifest;
    PackRow {
        index,
        id: m.id.clone(),
        name: m.name.clone(),
        country: m.country.clone(),
        version: m.version.clone(),
        valid_from: m.valid_from,
        valid_to: m.valid_to,
        validity: m.validity(),
        extends: m.extends.clone(),
        illustrative: m.illustrative,
        rules,
        sha256,
        folder: entry.display.clone(),
    }
}

/// A rule as one pack runs it, with the tests of that pack that exercise it.
#[derive(Clone, Debug)]
pub struct RuleRow {
    /// Full id (`base/DL-03`).
    pub id: String,
    /// Title, as the pack shows it.
    pub title: String,
    /// The criterion it judges.
    pub criterion: Criterion,
    /// Who must act on its findings.
    pub actor: Actor,
    /// The sources it cites, with their clauses.
    pub citations: Vec<Citation>,
    /// What the rule checks, from its front matter.
    pub description: Option<String>,
    /// How the pack adjusts it: "as written", or "outcome reject, policy …".
    pub adjusted: String,
    /// The outcome a pack override gives its findings.
    pub outcome_override: Option<Outcome>,
    /// Its file, as people see it.
    pub file: String,
    /// Passing tests of the pack in which it records a finding.
    pub fires_in: Vec<String>,
    /// Passing tests of the pack that require it to stay silent.
    pub silent_in: Vec<String>,
}

/// One pack: its row, its rules in the order they run, and its tests.
#[derive(Clone, Debug)]
pub struct PackDetail {
    /// The pack.
    pub row: PackRow,
    /// Every rule that runs.
    pub rules: Vec<RuleRow>,
    /// Rules a pack of the chain disables (full ids).
    pub disabled: Vec<String>,
    /// Test cases of the pack, and how many passed.
    pub tests: (usize, usize),
    /// Problems loading the pack's tests.
    pub test_errors: Vec<Diagnostic>,
}

/// The pack at `index` with its rules, citations and tests, or why it cannot be loaded.
pub fn pack_detail(packs: &Packs, index: usize) -> Result<PackDetail, Vec<Diagnostic>> {
    on_eval_stack(|| {
        let catalog = packs.catalog();
        let limits = crate::memory::engine_limits();
        let source = catalog.source(index, resolution_date(catalog, index))?;
        let pack = CompiledPack::compile(&source, &limits)?;
        let report = run_pack_tests(catalog, index, &limits, &RequestLimits::default());
        let rules = pack
            .rules()
            .iter()
            .map(|rule| {
                let (fires_in, silent_in) = tests_of(&report, &rule.id);
                RuleRow {
                    id: rule.id.clone(),
                    title: rule.title.clone(),
                    criterion: rule.criterion,
                    actor: rule.actor,
                    citations: rule.citations.clone(),
                    description: rule.front_matter.description.clone(),
                    adjusted: adjustment(rule),
                    outcome_override: rule.outcome_override,
                    file: rule.display.clone(),
                    fires_in,
                    silent_in,
                }
            })
            .collect();
        let passed = report.cases.iter().filter(|c| c.passed()).count();
        Ok(PackDetail {
            row: row(
                packs,
                index,
                Ok(pack.rules().len()),
                source.identity.sha256.clone(),
            ),
            rules,
            disabled: pack.disabled().to_vec(),
            tests: (report.cases.len(), passed),
            test_errors: report.errors,
        })
    })
}

/// The names of the passing cases in which `rule` fires, and of those that keep it silent.
fn tests_of(report: &PackTestReport, rule: &str) -> (Vec<String>, Vec<String>) {
    let passing = || report.cases.iter().filter(|c| c.passed());
    (
        passing()
            .filter(|c| c.fired().contains(rule))
            .map(|c| c.case.name.clone())
            .collect(),
        passing()
            .filter(|c| c.case.silent.iter().any(|s| s == rule))
            .map(|c| c.case.name.clone())
            .collect(),
    )
}

/// How a pack adjusts an inherited or own rule, in words.
fn adjustment(rule: &CompiledRule) -> String {
    match (
        rule.outcome_override,
        rule.policy_override.is_some(),
        rule.title != rule.front_matter.title,
    ) {
        (None, false, false) => "as written".to_string(),
        (outcome, policy, title) => {
            let mut parts = Vec::new();
            if let Some(o) = outcome {
                parts.push(format!("outcome {o}"));
            }
            if policy {
                parts.push(format!(
                    "policy \"{}\"",
                    rule.policy_override.as_deref().unwrap_or_default()
                ));
            }
            if title {
                parts.push(format!("title \"{}\"", rule.title));
            }
            parts.join(", ")
        }
    }
}

/// A rule as the pack that defines it writes it.
#[derive(Clone, Debug)]
pub struct RuleDefinition {
    /// Full id.
    pub id: String,
    /// The pack that defines it.
    pub pack: String,
    /// Its title, as written.
    pub title: String,
    /// The criterion it judges.
    pub criterion: Criterion,
    /// Its `policy` line, as written.
    pub policy: Option<String>,
    /// The sources it cites, with their clauses.
    pub citations: Vec<Citation>,
    /// Who must act on its findings.
    pub actor: Actor,
    /// What it checks.
    pub description: Option<String>,
    /// Its file, as people see it.
    pub file: String,
    /// Its source text.
    pub text: String,
}

/// How one pack uses a rule.
#[derive(Clone, Debug)]
pub enum RuleUse {
    /// The pack disables it.
    Disabled {
        /// Pack id.
        pack: String,
        /// Pack version.
        version: String,
        /// The full id disabled.
        rule: String,
    },
    /// The pack runs it.
    Runs {
        /// Pack id.
        pack: String,
        /// Pack version.
        version: String,
        /// How the pack adjusts it.
        adjusted: String,
        /// Passing tests of the pack in which it records a finding.
        fires_in: Vec<String>,
        /// Passing tests of the pack that require it to stay silent.
        silent_in: Vec<String>,
    },
}

/// Everything about one rule: how it is written, and how each pack uses it.
#[derive(Clone, Debug)]
pub struct RuleInfo {
    /// The rule as written (`None` if no readable pack defines it, only adjusts it).
    pub definition: Option<RuleDefinition>,
    /// Each pack that runs or disables it, in catalog order.
    pub uses: Vec<RuleUse>,
}

impl RuleInfo {
    /// The rule as JSON (`GET /v1/rules/{id}`).
    pub fn to_json(&self) -> Json {
        let definition = self.definition.as_ref().map_or_else(Json::null, |d| {
            Json::object([
                ("id", Json::string(&d.id)),
                ("pack", Json::string(&d.pack)),
                ("title", Json::string(&d.title)),
                ("criterion", Json::string(d.criterion.as_str())),
                ("policy", Json::opt_string(d.policy.as_deref())),
                (
                    "citations",
                    Json::array(d.citations.iter().map(citation_json).collect()),
                ),
                ("actor", Json::string(d.actor.to_string())),
                ("description", Json::opt_string(d.description.as_deref())),
                ("file", Json::string(&d.file)),
                ("source", Json::string(&d.text)),
            ])
        });
        let uses = self
            .uses
            .iter()
            .map(|u| match u {
                RuleUse::Disabled {
                    pack,
                    version,
                    rule,
                } => Json::object([
                    ("pack", Json::string(pack)),
                    ("version", Json::string(version)),
                    ("disabled", Json::new(tcscreen_core::JsonValue::Bool(true))),
                    ("rule", Json::string(rule)),
                ]),
                RuleUse::Runs {
                    pack,
                    version,
                    adjusted,
                    fires_in,
                    silent_in,
                } => Json::object([
                    ("pack", Json::string(pack)),
                    ("version", Json::string(version)),
                    ("disabled", Json::new(tcscreen_core::JsonValue::Bool(false))),
                    ("adjusted", Json::string(adjusted)),
                    (
                        "fires_in_tests",
                        Json::array(fires_in.iter().map(Json::string).collect()),
                    ),
                    (
                        "silent_in_tests",
                        Json::array(silent_in.iter().map(Json::string).collect()),
                    ),
                ]),
            })
            .collect();
        Json::object([("rule", definition), ("packs", Json::array(uses))])
    }
}

/// A citation as JSON: the source id, the date it applies from, its clause, whether verified.
pub fn citation_json(c: &Citation) -> Json {
    Json::object([
        ("source", Json::string(&c.id)),
        ("from", Json::string(c.from.to_string())),
        ("text", Json::string(&c.text)),
        (
            "verified",
            Json::new(tcscreen_core::JsonValue::Bool(c.verified)),
        ),
    ])
}

/// No pack has the rule; the closest id, if one is close.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NoSuchRule {
    /// A rule id close to the one asked for.
    pub did_you_mean: Option<String>,
}

/// The rule `id` (its full id, `base/DL-03`, or its id alone if only one pack has it) in every
/// readable pack of the catalog.
pub fn rule(packs: &Packs, id: &str) -> Result<RuleInfo, NoSuchRule> {
    on_eval_stack(|| {
        let catalog = packs.catalog();
        let limits = crate::memory::engine_limits();
        let wanted =
            |full: &str| full == id || full.split_once('/').is_some_and(|(_, short)| short == id);
        let mut all_ids = BTreeSet::new();
        let mut info = RuleInfo {
            definition: None,
            uses: Vec::new(),
        };
        for index in 0..catalog.entries().len() {
            let Ok(source) = catalog.source(index, resolution_date(catalog, index)) else {
                continue;
            };
            let Ok(pack) = CompiledPack::compile(&source, &limits) else {
                continue;
            };
            let m = &catalog.entry(index).manifest;
            all_ids.extend(pack.rules().iter().map(|r| r.id.clone()));
            all_ids.extend(pack.disabled().iter().cloned());
            if let Some(full) = pack.disabled().iter().find(|r| wanted(r)) {
                info.uses.push(RuleUse::Disabled {
                    pack: m.id.clone(),
                    version: m.version.clone(),
                    rule: full.clone(),
                });
            }
            let Some(rule) = pack.rules().iter().find(|r| wanted(&r.id)) else {
                continue;
            };
            if info.definition.is_none() && rule.pack == m.id {
                let fm = &rule.front_matter;
                let text = source
                    .layers
                    .iter()
                    .flat_map(|l| l.rules.iter())
                    .find(|f| f.display == rule.display)
                    .map(|f| f.text.clone())
                    .unwrap_or_default();
                info.definition = Some(RuleDefinition {
                    id: rule.id.clone(),
                    pack: rule.pack.clone(),
                    title: fm.title.clone(),
                    criterion: fm.criterion,
                    policy: fm.policy.clone(),
                    citations: rule.citations.clone(),
                    actor: rule.actor,
                    description: fm.description.clone(),
                    file: rule.display.clone(),
                    text,
                });
            }
            let report = run_pack_tests(catalog, index, &limits, &RequestLimits::default());
            let (fires_in, silent_in) = tests_of(&report, &rule.id);
            info.uses.push(RuleUse::Runs {
                pack: m.id.clone(),
                version: m.version.clone(),
                adjusted: adjustment(rule),
                fires_in,
                silent_in,
            });
        }
        if info.uses.is_empty() {
            return Err(NoSuchRule {
                did_you_mean: did_you_mean(id, all_ids.iter().map(String::as_str))
                    .map(str::to_string),
            });
        }
        Ok(info)
    })
}
