//! What the packs hold, for people and tools: a row per pack (`tcscreen packs`,
//! `GET /v1/packs`) and a rule with its front matter, source, adjustments by each pack and the
//! tests that cover it (`tcscreen rule ID`, `GET /v1/rules/{id}`). Both compile packs, so they
//! run on a thread with a large stack (a [`crate::Screener`] thread, or the command line's).

use std::collections::BTreeSet;

use tcscreen_core::citation::Citation;
use tcscreen_core::{Actor, CompiledPack, CompiledRule, Criterion, Json, Outcome};
use tcscreen_packs::testing::run_pack_tests;

use crate::packs::{Packs, resolution_date};

/// A pack, as `tcscreen packs` lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PackRow {
    /// The pack id.
    pub id: String,
    /// Its country, if it is a country's pack.
    pub country: Option<String>,
    /// Its version.
    pub version: String,
    /// `from – to`, open ends shown as `open`.
    pub validity: String,
    /// The ids it extends.
    pub extends: Vec<String>,
    /// How many rules run, or `does not compile`, or `unreadable`.
    pub rules: String,
    /// The pack digest (empty when unreadable).
    pub digest: String,
    /// Its folder as people see it.
    pub folder: String,
    /// Whether the pack loads and compiles.
    pub usable: bool,
}

impl PackRow {
    /// `{"id", "country", "version", "validity", "extends", "rules", "sha256", "folder"}`.
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
            ("rules", Json::string(&self.rules)),
            ("sha256", Json::string(&self.digest)),
            ("folder", Json::string(&self.folder)),
        ])
    }
}

/// Every pack of the catalog, in folder order, each resolved at the start of its validity and
/// compiled (on this thread).
pub fn packs(packs: &Packs) -> Vec<PackRow> {
    let catalog = packs.catalog();
    let limits = crate::memory::engine_limits();
    let mut rows = Vec::new();
    for (index, entry) in catalog.entries().iter().enumerate() {
        let m = &entry.manifest;
        let (rules, digest, usable) = match catalog.source(index, resolution_date(catalog, index)) {
            Ok(source) => match CompiledPack::compile(&source, &limits) {
                Ok(pack) => (
                    pack.rules().len().to_string(),
                    source.identity.sha256.clone(),
                    true,
                ),
                Err(_) => (
                    "does not compile".into(),
                    source.identity.sha256.clone(),
                    false,
                ),
            },
            Err(_) => ("unreadable".into(), String::new(), false),
        };
        rows.push(PackRow {
            id: m.id.clone(),
            country: m.country.clone(),
            version: m.version.clone(),
            validity: m.validity(),
            extends: m.extends.clone(),
            rules,
            digest,
            folder: entry.display.clone(),
            usable,
        });
    }
    rows
}

/// A rule as its own pack writes it.
#[derive(Clone, Debug)]
pub struct RuleText {
    /// Full id, `<pack id>/<rule id>`.
    pub id: String,
    /// Its title as written.
    pub title: String,
    /// Its criterion.
    pub criterion: Criterion,
    /// Its `policy` line as written.
    pub policy: Option<String>,
    /// The sources it cites, rendered.
    pub citations: Vec<Citation>,
    /// Who must act on its findings.
    pub actor: Actor,
    /// Its longer description.
    pub description: Option<String>,
    /// Its file, as people see it.
    pub file: String,
    /// Its source text.
    pub text: String,
}

/// How one pack version uses a rule.
#[derive(Clone, Debug)]
pub struct RuleUse {
    /// The pack id.
    pub pack: String,
    /// Its version.
    pub version: String,
    /// Whether the pack disables the rule.
    pub disabled: bool,
    /// `disabled (ID)`, `as written`, or the adjustments (`outcome note, policy "…"`).
    pub adjusted: String,
    /// The passing tests of that pack in which the rule fires.
    pub fires_in: Vec<String>,
    /// The passing tests that expect it silent.
    pub silent_in: Vec<String>,
}

/// What the packs say about a rule.
#[derive(Clone, Debug, Default)]
pub struct RuleInfo {
    /// The rule as its pack writes it (found in the pack that defines it).
    pub text: Option<RuleText>,
    /// Each pack version that runs or disables it.
    pub uses: Vec<RuleUse>,
    /// Every rule id of every pack (for a suggestion when none matches).
    pub all_ids: BTreeSet<String>,
}

/// The rule `id`: a full id (`base/DL-03`), or the id alone if only one pack has it. Runs each
/// pack's tests to find those that cover it.
pub fn rule(packs: &Packs, id: &str) -> RuleInfo {
    let catalog = packs.catalog();
    let limits = crate::memory::engine_limits();
    let request_limits = tcscreen_core::RequestLimits::default();
    let wanted = |full: &str| full == id || full.split_once('/').is_some_and(|(_, i)| i == id);
    let mut info = RuleInfo::default();
    for index in 0..catalog.entries().len() {
        let Ok(source) = catalog.source(index, resolution_date(catalog, index)) else {
            continue;
        };
        let Ok(pack) = CompiledPack::compile(&source, &limits) else {
            continue;
        };
        let entry = catalog.entry(index);
        let (pack_id, version) = (&entry.manifest.id, &entry.manifest.version);
        info.all_ids
            .extend(pack.rules().iter().map(|r| r.id.clone()));
        info.all_ids.extend(pack.disabled().iter().cloned());
        if let Some(full) = pack.disabled().iter().find(|r| wanted(r)) {
            info.uses.push(RuleUse {
                pack: pack_id.clone(),
                version: version.clone(),
                disabled: true,
                adjusted: format!("disabled ({full})"),
                fires_in: Vec::new(),
                silent_in: Vec::new(),
            });
        }
        let Some(rule) = pack.rules().iter().find(|r| wanted(&r.id)) else {
            continue;
        };
        if info.text.is_none() && rule.pack == *pack_id {
            info.text = Some(rule_text(rule, &source));
        }
        let report = run_pack_tests(catalog, index, &limits, &request_limits);
        let passing = || report.cases.iter().filter(|c| c.passed());
        info.uses.push(RuleUse {
            pack: pack_id.clone(),
            version: version.clone(),
            disabled: false,
            adjusted: adjusted(rule),
            fires_in: passing()
                .filter(|c| c.fired().contains(rule.id.as_str()))
                .map(|c| c.case.name.clone())
                .collect(),
            silent_in: passing()
                .filter(|c| c.case.silent.contains(&rule.id))
                .map(|c| c.case.name.clone())
                .collect(),
        });
    }
    info
}

fn rule_text(rule: &CompiledRule, source: &tcscreen_core::PackSource) -> RuleText {
    let fm = &rule.front_matter;
    RuleText {
        id: rule.id.clone(),
        title: fm.title.clone(),
        criterion: fm.criterion,
        policy: fm.policy.clone(),
        citations: rule.citations.clone(),
        actor: rule.actor,
        description: fm.description.clone(),
        file: rule.display.clone(),
        text: source
            .layers
            .iter()
            .flat_map(|l| l.rules.iter())
            .find(|f| f.display == rule.display)
            .map(|f| f.text.clone())
            .unwrap_or_default(),
    }
}

/// How a pack adjusts a rule it runs: `as written`, or its outcome, policy and title.
fn adjusted(rule: &CompiledRule) -> String {
    let outcome: Option<Outcome> = rule.outcome_override;
    let policy = rule.policy_override.as_deref();
    let title = (rule.title != rule.front_matter.title).then_some(rule.title.as_str());
    if outcome.is_none() && policy.is_none() && title.is_none() {
        return "as written".to_string();
    }
    let mut parts = Vec::new();
    if let Some(o) = outcome {
        parts.push(format!("outcome {o}"));
    }
    if let Some(policy) = policy {
        parts.push(format!("policy \"{policy}\""));
    }
    if let Some(title) = title {
        parts.push(format!("title \"{title}\""));
    }
    parts.join(", ")
}
