//! Pack tests (spec §6): `tests/*.json` cases with a request and the expected decision.
//!
//! ```json
//! { "name": "parallel PIU with salary top-ups is rejected",
//!   "request": "../../../fixtures/requests/kh/parallel-piu.json",
//!   "as_of": "2025-03-04",
//!   "expect": { "decision": "reject", "fires": ["base/MG-01"], "silent": ["base/DL-01"] } }
//! ```
//!
//! A file holds one case or an array of cases. `request` is a path relative to the test file
//! or an inline object. `decision` may also be `"error"` (a rule fails). Coverage counts a
//! rule when it fires in a passing test.
//!
//! Extensions (also used by the judged case library, `fixtures/cases/`): `reason`, why a
//! reviewer decides the case so, shown when it fails; `patch`, a JSON merge patch (RFC 7396)
//! applied to the request before it is validated, so a variant names only what it changes;
//! and in `expect`, `changes` (rules that must ask for a change: revise or reject) and
//! `no_change` (rules that must not; a note is allowed).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use tcscreen_core::{
    Code, CompiledPack, Date, Decision, Diagnostic, EngineLimits, Finding, Json, JsonValue,
    LayerCache, Outcome, Pos, RequestLimits, RuleError, ValidRequest, decode_text,
    json::{self, JsonLimits},
};

use crate::catalog::Catalog;
use crate::entry::display_join;
use crate::read::{Links, MAX_FILE_BYTES, read_regular};

/// The decision a case expects.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Expected {
    /// A decision.
    Decision(Decision),
    /// A rule error (`decision: null`).
    Error,
}

/// Where a case's request comes from.
#[derive(Clone, Debug, PartialEq)]
pub enum CaseRequest {
    /// Written in the test file.
    Inline(Json),
    /// A file, relative to the test file: (path, display).
    File(PathBuf, String),
}

/// One test case.
#[derive(Clone, Debug, PartialEq)]
pub struct TestCase {
    /// `name`, as listed by `tcscreen test`.
    pub name: String,
    /// The test file, as people see it.
    pub file: String,
    /// The request: a file beside the test, or written inline.
    pub request: CaseRequest,
    /// The screening date, if not the request's `received`.
    pub as_of: Option<Date>,
    /// The expected decision, if given.
    pub decision: Option<Expected>,
    /// Rules that must record a finding.
    pub fires: Vec<String>,
    /// Rules that must not.
    pub silent: Vec<String>,
    /// Rules that must ask for a change (record revise or reject).
    pub changes: Vec<String>,
    /// Rules that must not ask for a change (a note is allowed).
    pub no_change: Vec<String>,
    /// Why a reviewer decides the case so.
    pub reason: Option<String>,
    /// A JSON merge patch (RFC 7396) applied to the request before validation.
    pub patch: Option<Json>,
}

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

const CASE_KEYS: &[&str] = &["name", "reason", "request", "patch", "as_of", "expect"];
const EXPECT_KEYS: &[&str] = &["decision", "fires", "silent", "changes", "no_change"];

/// Read the test cases of the pack at `index`.
pub fn load_cases(catalog: &Catalog, index: usize) -> Result<Vec<TestCase>, Vec<Diagnostic>> {
    let entry = catalog.entry(index);
    let dir = entry.dir.join("tests");
    if !dir.is_dir() {
        return Ok(Vec::new());
    }
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map_err(|e| {
            vec![
                Diagnostic::error(Code::T001, format!("cannot read tests/: {e}"))
                    .at(display_join(&entry.display, "tests"), Pos::NONE),
            ]
        })?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            p.extension().is_some_and(|x| x == "json")
                && !p
                    .file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with('.'))
        })
        .collect();
    paths.sort();
    let mut cases = Vec::new();
    let mut errors = Vec::new();
    for path in paths {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        let display = display_join(&entry.display, &format!("tests/{name}"));
        match read_case_file(&path, &display) {
            Ok(mut c) => cases.append(&mut c),
            Err(mut e) => errors.append(&mut e),
        }
    }
    if errors.is_empty() {
        Ok(cases)
    } else {
        Err(errors)
    }
}

/// Read the cases of one test file (a case, or an array of cases).
pub fn read_case_file(path: &Path, display: &str) -> Result<Vec<TestCase>, Vec<Diagnostic>> {
    let err = |pos: Pos, message: String| Diagnostic::error(Code::T001, message).at(display, pos);
    // A test file is part of the pack: a regular file, not a link, of bounded size.
    let bytes = read_regular(path, MAX_FILE_BYTES, Links::Refuse)
        .map_err(|e| vec![err(Pos::NONE, format!("cannot read: {e}"))])?;
    let text = decode_text(&bytes).map_err(|e| vec![err(e.pos, e.message)])?;
    let value = json::parse(
        text,
        JsonLimits {
            max_depth: 40,
            max_values: 1_000_000,
        },
    )
    .map_err(|errors| {
        errors
            .into_iter()
            .map(|e| err(e.pos, e.message).with_excerpt_from(text))
            .collect::<Vec<_>>()
    })?;
    let items: Vec<&Json> = match &value.value {
        JsonValue::Array(items) => items.iter().collect(),
        _ => vec![&value],
    };
    let base = path.parent().unwrap_or(Path::new("."));
    let mut cases = Vec::new();
    let mut errors = Vec::new();
    for item in items {
        match read_case(item, base, display) {
            Ok(case) => cases.push(case),
            Err(message) => errors.push(err(message.0, message.1).with_excerpt_from(text)),
        }
    }
    if errors.is_empty() {
        Ok(cases)
    } else {
        Err(errors)
    }
}

fn read_case(item: &Json, base: &Path, display: &str) -> Result<TestCase, (Pos, String)> {
    let JsonValue::Object(members) = &item.value else {
        return Err((
            item.pos,
            "a test case is a JSON object with `name`, `request` and `expect`".into(),
        ));
    };
    for m in members {
        if !CASE_KEYS.contains(&m.key.as_str()) {
            return Err((
                m.key_pos,
                format!(
                    "unknown key `{}` in a test case (keys: {})",
                    m.key,
                    CASE_KEYS.join(", ")
                ),
            ));
        }
    }
    let name = item
        .get("name")
        .and_then(Json::as_str)
        .ok_or((item.pos, "a test case needs a `name` string".to_string()))?;
    let request = match item.get("request") {
        Some(Json {
            value: JsonValue::String(p),
            ..
        }) => {
            let path = base.join(p);
            let shown = path.to_string_lossy().to_string();
            CaseRequest::File(path, shown)
        }
        Some(
            j @ Json {
                value: JsonValue::Object(_),
                ..
            },
        ) => CaseRequest::Inline(j.clone()),
        _ => {
            return Err((
                item.pos,
                format!("test `{name}` needs `request`: a file path or an inline request object"),
            ));
        }
    };
    let as_of = match item.get("as_of") {
        None => None,
        Some(j) => Some(j.as_str().and_then(Date::parse).ok_or((
            j.pos,
            format!("test `{name}`: `as_of` must be a date (YYYY-MM-DD)"),
        ))?),
    };
    let expect = item
        .get("expect")
        .ok_or((item.pos, format!("test `{name}` needs `expect`")))?;
    let JsonValue::Object(expect_members) = &expect.value else {
        return Err((
            expect.pos,
            format!("test `{name}`: `expect` must be an object"),
        ));
    };
    for m in expect_members {
        if !EXPECT_KEYS.contains(&m.key.as_str()) {
            return Err((
                m.key_pos,
                format!(
                    "unknown key `{}` in `expect` (keys: {})",
                    m.key,
                    EXPECT_KEYS.join(", ")
                ),
            ));
        }
    }
    let decision = match expect.get("decision") {
        None => None,
        Some(j) => Some(match j.as_str() {
            Some("error") => Expected::Error,
            Some(s) => Expected::Decision(Decision::parse(s).ok_or((
                j.pos,
                format!("test `{name}`: decision must be accept, revise, reject or error"),
            ))?),
            None => return Err((j.pos, format!("test `{name}`: decision must be a string"))),
        }),
    };
    let list = |key: &str| -> Result<Vec<String>, (Pos, String)> {
        match expect.get(key).map(|j| &j.value) {
            None => Ok(Vec::new()),
            Some(JsonValue::Array(items)) => items
                .iter()
                .map(|i| {
                    i.as_str().map(str::to_string).ok_or((
                        i.pos,
                        format!("test `{name}`: `{key}` lists rule ids as strings"),
                    ))
                })
                .collect(),
            Some(_) => Err((
                expect.pos,
                format!("test `{name}`: `{key}` must be an array of rule ids"),
            )),
        }
    };
    let (reason, patch) = extensions(item, name)?;
    Ok(TestCase {
        name: name.to_string(),
        file: display.to_string(),
        request,
        as_of,
        decision,
        fires: list("fires")?,
        silent: list("silent")?,
        changes: list("changes")?,
        no_change: list("no_change")?,
        reason,
        patch,
    })
}

/// A case's `reason` and `patch` (extensions of the pack-test format).
fn extensions(item: &Json, name: &str) -> Result<(Option<String>, Option<Json>), (Pos, String)> {
    let reason = match item.get("reason") {
        None => None,
        Some(j) => Some(
            j.as_str()
                .ok_or((j.pos, format!("test `{name}`: `reason` must be a string")))?
                .to_string(),
        ),
    };
    let patch = match item.get("patch") {
        None => None,
        Some(
            j @ Json {
                value: JsonValue::Object(_),
                ..
            },
        ) => Some(j.clone()),
        Some(j) => {
            return Err((
                j.pos,
                format!("test `{name}`: `patch` must be an object (a JSON merge patch)"),
            ));
        }
    };
    Ok((reason, patch))
}

/// Compiled packs by digest, so cases that resolve to the same pack share one compilation,
/// over the layers compiled for the packs tested before.
struct CompileCache<'a> {
    packs: BTreeMap<String, Result<CompiledPack, Vec<Diagnostic>>>,
    layers: &'a mut LayerCache,
}

impl CompileCache<'_> {
    /// The compiled pack for a resolved source.
    fn get(
        &mut self,
        source: &tcscreen_core::PackSource,
        limits: &EngineLimits,
    ) -> &Result<CompiledPack, Vec<Diagnostic>> {
        self.packs
            .entry(source.identity.sha256.clone())
            .or_insert_with(|| CompiledPack::compile_cached(source, limits, self.layers))
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
        let pack = match catalog.source(index, Some(as_of)) {
            Ok(source) => {
                if let Some(own) = source.layers.last() {
                    report
                        .own
                        .extend(own.settings.iter().map(|entry| entry.rule.clone()));
                }
                let digest = source.identity.sha256.clone();
                match cache.get(&source, limits) {
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

/// The request of a case: its file or inline object, with the case's `patch` applied.
pub fn load_request(case: &TestCase, limits: &RequestLimits) -> Result<ValidRequest, String> {
    let describe = |errors: Vec<tcscreen_core::InputError>, file: &str| {
        let first = errors
            .iter()
            .map(|e| format!("{file}: {e}"))
            .collect::<Vec<_>>()
            .join("; ");
        format!("the request is invalid: {first}")
    };
    let patched = |mut json: Json, file: &str| {
        if let Some(patch) = &case.patch {
            merge_patch(&mut json, patch);
        }
        ValidRequest::from_json(json).map_err(|e| describe(e, file))
    };
    match &case.request {
        CaseRequest::Inline(json) => patched(json.clone(), "inline request"),
        CaseRequest::File(path, display) => {
            // Requests may live outside the pack (the shipped tests use the fixtures); they are
            // still regular files of at most the request size limit.
            let bytes = read_regular(path, limits.max_bytes as u64, Links::Follow)
                .map_err(|e| format!("cannot read the request {display}: {e}"))?;
            let text = decode_text(&bytes).map_err(|e| describe(vec![e], display))?;
            if case.patch.is_none() {
                return ValidRequest::from_text(text, limits).map_err(|e| describe(e, display));
            }
            let json = json::parse(text, limits.json).map_err(|errors| {
                let first = errors
                    .first()
                    .map_or_else(String::new, |e| e.message.clone());
                format!("the request {display} is not JSON: {first}")
            })?;
            patched(json, display)
        }
    }
}

/// Apply a JSON merge patch (RFC 7396): an object patch merges member by member (`null`
/// removes a member), anything else replaces the target.
pub fn merge_patch(target: &mut Json, patch: &Json) {
    let JsonValue::Object(patch_members) = &patch.value else {
        *target = patch.clone();
        return;
    };
    if !matches!(target.value, JsonValue::Object(_)) {
        *target = Json::object(Vec::<(&str, Json)>::new());
    }
    let JsonValue::Object(members) = &mut target.value else {
        return;
    };
    for p in patch_members {
        let at = members.iter().position(|m| m.key == p.key);
        match (&p.value.value, at) {
            (JsonValue::Null, Some(i)) => {
                members.remove(i);
            }
            (JsonValue::Null, None) => {}
            (_, Some(i)) => merge_patch(&mut members[i].value, &p.value),
            (_, None) => {
                let mut value = Json::null();
                merge_patch(&mut value, &p.value);
                members.push(tcscreen_core::json::Member {
                    key: p.key.clone(),
                    key_pos: Pos::NONE,
                    value,
                });
            }
        }
    }
}
