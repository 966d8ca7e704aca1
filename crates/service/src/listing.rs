//! What the packs hold, for people and tools: a row per pack (`tcscreen packs`,
//! `GET /v1/packs`), one pack's rules with their citations and the tests that exercise them
//! (the server's Packs page), and a rule with its front matter, source, adjustments by each
//! pack and the tests that cover it (`tcscreen rule ID`, `GET /v1/rules/{id}`). All compile
//! packs, so they run on a thread with a large stack (a [`crate::Screener`] thread, the
//! command line's, or `tcscreen_core::on_eval_stack`).

use std::collections::BTreeSet;

use crate::pack_tests::{PackTestReport, run_pack_tests_sharing};
use tcscreen_core::pack::citation::Citation;
use tcscreen_core::{
    Actor, CompiledRule, Criterion, Date, Diagnostic, Json, JsonValue, Outcome, RequestLimits,
};

use crate::pack_check::PackChecker;
use crate::packs::Packs;

/// A pack, as `tcscreen packs` lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PackRow {
    /// Its index in the catalog of the [`Packs`] it was listed from.
    pub index: usize,
    /// The pack id.
    pub id: String,
    /// Its name for people.
    pub name: String,
    /// Its country, if it is a country's pack.
    pub country: Option<String>,
    /// Its version.
    pub version: String,
    /// First day of validity.
    pub valid_from: Option<Date>,
    /// Last day of validity.
    pub valid_to: Option<Date>,
    /// Whether it says it is illustrative rather than official policy.
    pub illustrative: bool,
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
/// compiled (on this thread). Signatures are not checked: a listing shows every pack.
pub fn packs(packs: &Packs) -> Vec<PackRow> {
    let catalog = packs.catalog();
    let mut checker = PackChecker::new(catalog, None);
    (0..catalog.entries().len())
        .map(|index| match checker.resolve_then_compile(index) {
            Ok((resolved, Ok(pack))) => {
                let digest = resolved.identity.sha256.clone();
                row(packs, index, pack.rules().len().to_string(), digest, true)
            }
            Ok((resolved, Err(_))) => {
                let digest = resolved.identity.sha256.clone();
                row(packs, index, "does not compile".into(), digest, false)
            }
            Err(_) => row(packs, index, "unreadable".into(), String::new(), false),
        })
        .collect()
}

fn row(packs: &Packs, index: usize, rules: String, digest: String, usable: bool) -> PackRow {
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
        illustrative: m.illustrative,
        validity: m.validity(),
        extends: m.extends.clone(),
        rules,
        digest,
        folder: entry.display.clone(),
        usable,
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
    /// How the pack adjusts it: `as written`, or `outcome reject, policy "…"`.
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
    let catalog = packs.catalog();
    let mut checker = PackChecker::new(catalog, None);
    let (resolved, pack) = checker.compile(index)?;
    let limits = *checker.limits();
    let request_limits = RequestLimits::default();
    let report = run_pack_tests_sharing(catalog, index, &limits, &request_limits, checker.layers());
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
                adjusted: adjusted(rule),
                outcome_override: rule.outcome_override,
                file: rule.display.clone(),
                fires_in,
                silent_in,
            }
        })
        .collect();
    let passed = report.cases.iter().filter(|c| c.passed()).count();
    let digest = resolved.identity.sha256.clone();
    Ok(PackDetail {
        row: row(packs, index, pack.rules().len().to_string(), digest, true),
        rules,
        disabled: pack.disabled().to_vec(),
        tests: (report.cases.len(), passed),
        test_errors: report.errors,
    })
}

/// The title of every rule of the packs at `indices` (full id to title; the first pack that
/// has a rule gives its title). Packs that cannot be compiled are left out.
pub fn rule_titles(
    packs: &Packs,
    indices: impl IntoIterator<Item = usize>,
) -> std::collections::BTreeMap<String, String> {
    let mut checker = PackChecker::new(packs.catalog(), None);
    let mut titles = std::collections::BTreeMap::new();
    for index in indices {
        let Ok((_, pack)) = checker.compile(index) else {
            continue;
        };
        for rule in pack.rules() {
            titles
                .entry(rule.id.clone())
                .or_insert_with(|| rule.title.clone());
        }
    }
    titles
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

/// A rule's id without its pack: `DL-03` of `base/DL-03`.
fn short(full: &str) -> &str {
    full.split_once('/').map_or(full, |(_, s)| s)
}

impl RuleInfo {
    /// Whether no pack defines, runs or disables the rule.
    pub fn is_unknown(&self) -> bool {
        self.text.is_none() && self.uses.is_empty()
    }

    /// The rule `id` most likely meant, for a "did you mean": a close full id (`base/DL-3` →
    /// `base/DL-03`), or a rule whose id without its pack is close (`DL-3` → `base/DL-03`;
    /// the id alone when several packs have it).
    pub fn suggestion(&self, id: &str) -> Option<String> {
        let all = || self.all_ids.iter().map(String::as_str);
        if let Some(close) = tcscreen_core::suggest::did_you_mean(id, all()) {
            return Some(close.to_string());
        }
        let (pack, rule) = match id.split_once('/') {
            Some((pack, rule)) => (Some(pack), rule),
            None => (None, id),
        };
        let in_pack =
            |full: &&str| pack.is_none_or(|p| full.split_once('/').is_some_and(|(q, _)| q == p));
        let close = tcscreen_core::suggest::did_you_mean(rule, all().filter(in_pack).map(short))?;
        let full: Vec<&str> = all()
            .filter(in_pack)
            .filter(|f| short(f) == close)
            .collect();
        Some(match full.as_slice() {
            [one] => (*one).to_string(),
            _ => close.to_string(),
        })
    }

    /// The packs' full ids of the rules an id without its pack names, when more than one pack
    /// has a rule of that id (then the id alone is ambiguous).
    pub fn ambiguous(&self, id: &str) -> Vec<&str> {
        if id.contains('/') {
            return Vec::new();
        }
        let matching: Vec<&str> = self
            .all_ids
            .iter()
            .map(String::as_str)
            .filter(|f| f.split_once('/').is_some_and(|(_, s)| s == id))
            .collect();
        if matching.len() > 1 {
            matching
        } else {
            Vec::new()
        }
    }

    /// The rule as JSON (`GET /v1/rules/{id}`): `{"rule": {…} | null, "packs": [{…}]}`.
    pub fn to_json(&self) -> Json {
        let strings = |items: &[String]| Json::array(items.iter().map(Json::string).collect());
        let rule = self.text.as_ref().map_or_else(Json::null, |r| {
            Json::object([
                ("id", Json::string(&r.id)),
                (
                    "pack",
                    Json::string(r.id.split_once('/').map_or("", |(pack, _)| pack)),
                ),
                ("title", Json::string(&r.title)),
                ("criterion", Json::string(r.criterion.as_str())),
                ("policy", Json::opt_string(r.policy.as_deref())),
                (
                    "citations",
                    Json::array(r.citations.iter().map(citation_json).collect()),
                ),
                ("actor", Json::string(r.actor.to_string())),
                ("description", Json::opt_string(r.description.as_deref())),
                ("file", Json::string(&r.file)),
                ("source", Json::string(&r.text)),
            ])
        });
        let uses = self.uses.iter().map(|u| {
            Json::object([
                ("pack", Json::string(&u.pack)),
                ("version", Json::string(&u.version)),
                ("disabled", Json::new(JsonValue::Bool(u.disabled))),
                ("adjusted", Json::string(&u.adjusted)),
                ("fires_in_tests", strings(&u.fires_in)),
                ("silent_in_tests", strings(&u.silent_in)),
            ])
        });
        Json::object([("rule", rule), ("packs", Json::array(uses.collect()))])
    }
}

/// A citation as JSON: the source id, the date it applies from, its clause, whether verified.
pub fn citation_json(c: &Citation) -> Json {
    Json::object([
        ("source", Json::string(&c.id)),
        ("from", Json::string(c.from.to_string())),
        ("text", Json::string(&c.text)),
        ("verified", Json::new(JsonValue::Bool(c.verified))),
    ])
}

/// The rule `id`: a full id (`base/DL-03`), or the id alone if only one pack has it. Runs each
/// pack's tests to find those that cover it.
pub fn rule(packs: &Packs, id: &str) -> RuleInfo {
    let catalog = packs.catalog();
    let mut checker = PackChecker::new(catalog, None);
    let limits = *checker.limits();
    let request_limits = RequestLimits::default();
    let wanted = |full: &str| full == id || full.split_once('/').is_some_and(|(_, i)| i == id);
    let mut info = RuleInfo::default();
    for index in 0..catalog.entries().len() {
        let Ok((resolved, pack)) = checker.compile(index) else {
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
            info.text = Some(rule_text(rule, &resolved));
        }
        let report =
            run_pack_tests_sharing(catalog, index, &limits, &request_limits, checker.layers());
        let (fires_in, silent_in) = tests_of(&report, &rule.id);
        info.uses.push(RuleUse {
            pack: pack_id.clone(),
            version: version.clone(),
            disabled: false,
            adjusted: adjusted(rule),
            fires_in,
            silent_in,
        });
    }
    info
}

fn rule_text(rule: &CompiledRule, resolved: &tcscreen_core::ResolvedPack) -> RuleText {
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
        text: resolved
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
