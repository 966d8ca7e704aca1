//! Running a pack's tests (spec §6): each case read by [`tcscreen_packs::test_cases`] is
//! screened with the pack it resolves to, and what it expects is compared with what the
//! screening gave. Coverage counts a rule when it fires in a passing test.

use std::collections::{BTreeMap, BTreeSet};

use tcscreen_core::{
    CompiledPack, Decision, Diagnostic, EngineLimits, Finding, LayerCache, Outcome, RequestLimits,
    RuleError,
};
use tcscreen_packs::Catalog;
use tcscreen_packs::test_cases::{Expected, TestCase, load_cases, load_request};

/// How one case went.
#[derive(Clone, Debug)]
pub struct CaseResult {
    /// The case as its test file gives it.
    pub case: TestCase,
    /// What did not match; empty when the case passed.
    pub problems: Vec<String>,
    /// The decision reached (`None` for a rule error or a case that could not run).
    pub decision: Option<Decision>,
    /// Findings of the screening.
    pub findings: Vec<Finding>,
    /// Rule errors of the screening.
    pub errors: Vec<RuleError>,
}

impl CaseResult {
    /// Whether the case passed.
    pub fn passed(&self) -> bool {
        self.problems.is_empty()
    }

    /// Rules that fired.
    pub fn fired(&self) -> BTreeSet<&str> {
        self.findings.iter().map(|f| f.rule.as_str()).collect()
    }
}

/// The tests of one pack and how they went.
#[derive(Debug, Default)]
pub struct PackTestReport {
    /// Problems reading the tests or loading the pack: the run failed.
    pub errors: Vec<Diagnostic>,
    /// Each case: test files in name order, the cases of a file as it lists them.
    pub cases: Vec<CaseResult>,
    /// Every rule that runs in the pack (across the versions the cases used).
    pub rules: BTreeSet<String>,
    /// The outcomes each rule can record (after pack overrides).
    pub possible: BTreeMap<String, BTreeSet<Outcome>>,
    /// The pack's own rules: those it defines, and the inherited ones its manifest adjusts
    /// (`[rules."base/EX-05"]`).
    pub own: BTreeSet<String>,
}

impl PackTestReport {
    /// Count only the pack's own rules in coverage (see [`PackTestReport::own`]): its authors
    /// test what they wrote or adjusted, and the parents' tests cover the rest.
    pub fn only_own_rules(&mut self) {
        let own = &self.own;
        self.rules.retain(|r| own.contains(r));
        self.possible.retain(|r, _| own.contains(r));
    }

    /// Rules that fire in every passing test that ran: no test shows them staying silent.
    pub fn never_silent(&self) -> Vec<&str> {
        let passing: Vec<&CaseResult> = self.cases.iter().filter(|c| c.passed()).collect();
        if passing.is_empty() {
            return Vec::new();
        }
        let fired: Vec<BTreeSet<&str>> = passing.iter().map(|c| c.fired()).collect();
        self.rules
            .iter()
            .map(String::as_str)
            .filter(|r| fired.iter().all(|f| f.contains(r)))
            .collect()
    }

    /// Outcomes a rule can record that no passing test produced, as (rule, outcome).
    pub fn unproduced(&self) -> Vec<(&str, Outcome)> {
        let produced: BTreeSet<(&str, Outcome)> = self
            .cases
            .iter()
            .filter(|c| c.passed())
            .flat_map(|c| c.findings.iter().map(|f| (f.rule.as_str(), f.outcome)))
            .collect();
        self.possible
            .iter()
            .flat_map(|(rule, outcomes)| outcomes.iter().map(move |o| (rule.as_str(), *o)))
            .filter(|pair| !produced.contains(pair))
            .collect()
    }

    /// The share of rules that fire in a passing test, in percent (100 for a pack without rules).
    pub fn coverage(&self) -> usize {
        if self.rules.is_empty() {
            return 100;
        }
        (self.rules.len() - self.uncovered().len()) * 100 / self.rules.len()
    }

    /// Rules that fire in no passing test.
    pub fn uncovered(&self) -> Vec<&str> {
        let covered: BTreeSet<&str> = self
            .cases
            .iter()
            .filter(|c| c.passed())
            .flat_map(CaseResult::fired)
            .collect();
        self.rules
            .iter()
            .map(String::as_str)
            .filter(|r| !covered.contains(r))
            .collect()
    }
}

/// Compiled packs by digest, so cases that resolve to the same pack share one compilation,
/// over the layers compiled for the packs tested before.
struct CompileCache<'a> {
    packs: BTreeMap<String, Result<CompiledPack, Vec<Diagnostic>>>,
    layers: &'a mut LayerCache,
}

impl CompileCache<'_> {
    /// The compiled pack for a resolved pack.
    fn get(
        &mut self,
        resolved: &tcscreen_core::ResolvedPack,
        limits: &EngineLimits,
    ) -> &Result<CompiledPack, Vec<Diagnostic>> {
        self.packs
            .entry(resolved.identity.sha256.clone())
            .or_insert_with(|| CompiledPack::compile_cached(resolved, limits, self.layers))
    }
}

/// Run the tests of the pack at `index`. Must run on a thread with a large stack.
pub fn run_pack_tests(
    catalog: &Catalog,
    index: usize,
    limits: &EngineLimits,
    request_limits: &RequestLimits,
) -> PackTestReport {
    run_pack_tests_sharing(
        catalog,
        index,
        limits,
        request_limits,
        &mut LayerCache::new(),
    )
}

/// [`run_pack_tests`], compiling the packs over `layers`: running the tests of several packs
/// with one cache compiles each ancestor once.
pub fn run_pack_tests_sharing(
    catalog: &Catalog,
    index: usize,
    limits: &EngineLimits,
    request_limits: &RequestLimits,
    layers: &mut LayerCache,
) -> PackTestReport {
    let mut report = PackTestReport::default();
    let cases = match load_cases(catalog, index) {
        Ok(cases) => cases,
        Err(errors) => {
            report.errors = errors;
            return report;
        }
    };
    let mut cache = CompileCache {
        packs: BTreeMap::new(),
        layers,
    };
    let mut reported_pack_errors = BTreeSet::new();
    for case in cases {
        let mut result = CaseResult {
            case,
            problems: Vec::new(),
            decision: None,
            findings: Vec::new(),
            errors: Vec::new(),
        };
        let request = match load_request(&result.case, request_limits) {
            Ok(r) => r,
            Err(problem) => {
                result.problems.push(problem);
                report.cases.push(result);
                continue;
            }
        };
        let as_of = result.case.as_of.unwrap_or(request.received());
        let pack = match catalog.resolve(index, Some(as_of)) {
            Ok(resolved) => {
                if let Some(own) = resolved.layers.last() {
                    report
                        .own
                        .extend(own.settings.iter().map(|entry| entry.rule.clone()));
                }
                let digest = resolved.identity.sha256.clone();
                match cache.get(&resolved, limits) {
                    Ok(pack) => pack,
                    Err(errors) => {
                        if reported_pack_errors.insert(digest) {
                            report.errors.extend(errors.iter().cloned());
                        }
                        result
                            .problems
                            .push("the pack does not compile (see the errors above)".into());
                        report.cases.push(result);
                        continue;
                    }
                }
            }
            Err(errors) => {
                report.errors.extend(errors);
                result
                    .problems
                    .push("the pack could not be loaded (see the errors above)".into());
                report.cases.push(result);
                continue;
            }
        };
        for rule in pack.rules() {
            if rule.pack == pack.identity().id {
                report.own.insert(rule.id.clone());
            }
            if report.rules.insert(rule.id.clone()) {
                let (_, outcomes) = tcscreen_core::lint::rule_facts(rule);
                report.possible.insert(rule.id.clone(), outcomes);
            }
        }
        match pack.screen(&request, as_of) {
            Err(stop) => result.problems.push(stop.to_string()),
            Ok(screening) => judge(&mut result, pack, screening),
        }
        report.cases.push(result);
    }
    report
}

/// What did not go as `case` expects, given the screening's decision and findings. `known`,
/// when given, are the rules that ran: a rule named but not among them is a mistake of the
/// case.
pub fn unmet_expectations(
    case: &TestCase,
    known: Option<&BTreeSet<&str>>,
    decision: Option<Decision>,
    findings: &[Finding],
) -> Vec<String> {
    let mut problems = Vec::new();
    let actual = match decision {
        Some(d) => Expected::Decision(d),
        None => Expected::Error,
    };
    if let Some(expected) = case.decision
        && expected != actual
    {
        problems.push(format!("expected {}, got {}", show(expected), show(actual)));
    }
    let unknown = |rule: &str| known.is_some_and(|k| !k.contains(rule));
    let asks = |f: &&Finding| f.outcome != Outcome::Note;
    for (key, rules) in [
        ("fires", &case.fires),
        ("silent", &case.silent),
        ("changes", &case.changes),
        ("no_change", &case.no_change),
    ] {
        for rule in rules {
            if unknown(rule) {
                problems.push(format!(
                    "`{key}` names `{rule}`, which is not a rule of this pack (or is disabled)"
                ));
                continue;
            }
            let mut of_rule = findings.iter().filter(|f| &f.rule == rule);
            match key {
                "fires" if of_rule.next().is_none() => {
                    problems.push(format!("expected `{rule}` to fire, but it stayed silent"));
                }
                "silent" => {
                    if let Some(f) = of_rule.next() {
                        problems.push(format!(
                            "expected `{rule}` to stay silent, but it fired: {} \"{}\"",
                            f.outcome, f.message
                        ));
                    }
                }
                "changes" if !of_rule.any(|f| asks(&f)) => {
                    problems.push(format!(
                        "expected `{rule}` to ask for a change (revise or reject), but it did not"
                    ));
                }
                "no_change" => {
                    if let Some(f) = of_rule.find(asks) {
                        problems.push(format!(
                            "expected `{rule}` not to ask for a change, but it did: {} \"{}\"",
                            f.outcome, f.message
                        ));
                    }
                }
                _ => {}
            }
        }
    }
    problems
}

/// Compare what a case expects with what the screening gave.
fn judge(result: &mut CaseResult, pack: &CompiledPack, screening: tcscreen_core::Screening) {
    let known: BTreeSet<&str> = pack.rules().iter().map(|r| r.id.as_str()).collect();
    result.decision = screening.decision();
    let unmet = unmet_expectations(
        &result.case,
        Some(&known),
        screening.decision(),
        &screening.findings,
    );
    result.problems.extend(unmet);
    if expected_no_error(&result.case) {
        for error in &screening.errors {
            let file = pack
                .rules()
                .iter()
                .find(|r| r.id == error.rule)
                .map_or(error.file.as_str(), |r| r.display.as_str());
            let place = match (error.line, error.column) {
                (Some(line), Some(column)) => format!("{file}:{line}:{column}"),
                _ => file.to_string(),
            };
            result.problems.push(format!(
                "rule `{}` failed at {place}: {}",
                error.rule, error.message
            ));
        }
    }
    result.findings = screening.findings;
    result.errors = screening.errors;
}

fn expected_no_error(case: &TestCase) -> bool {
    case.decision != Some(Expected::Error)
}

fn show(e: Expected) -> &'static str {
    match e {
        Expected::Decision(d) => d.as_str(),
        Expected::Error => "a rule error",
    }
}
