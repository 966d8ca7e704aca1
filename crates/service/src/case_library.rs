//! The judged case library (`fixtures/cases/`, `tcscreen test --cases DIR`): requests judged
//! by a TC policy reviewer before the rules were written, each with the decision the reviewer
//! signs, the rules that must and must not ask for a change, and the reviewer's reason.
//!
//! A case is written in the pack-test format (see [`tcscreen_packs::testing`]) with its
//! extensions `reason`, `patch`, `changes` and `no_change`. Unlike a pack test, a case names no
//! pack: it is screened exactly as `tcscreen screen` screens it (the pack chosen by country and
//! date, the packs in force during the TC included), so the library judges what a coordination
//! unit would receive. Must run on a thread with a large stack.

use std::path::{Path, PathBuf};

use tcscreen_core::{Code, Date, Diagnostic, Pos, RequestLimits};
use tcscreen_packs::testing::{
    CaseResult, TestCase, load_request, read_case_file, unmet_expectations,
};

use crate::packs::{PackChoice, Packs};
use crate::thread_screener::{Problem, ThreadScreener};

/// How the library went.
#[derive(Debug, Default)]
pub struct LibraryReport {
    /// Files that could not be read as cases: the run failed.
    pub errors: Vec<Diagnostic>,
    /// Every case, files in path order, the cases of a file in its order.
    pub cases: Vec<CaseResult>,
}

impl LibraryReport {
    /// How many cases passed and failed.
    pub fn counts(&self) -> (usize, usize) {
        let passed = self.cases.iter().filter(|c| c.passed()).count();
        (passed, self.cases.len() - passed)
    }
}

/// Every `*.json` file under `dir`, at any depth, in path order (hidden entries and links
/// skipped).
fn case_files(dir: &Path) -> Result<Vec<PathBuf>, Diagnostic> {
    let mut files = Vec::new();
    for entry in walkdir::WalkDir::new(dir)
        .follow_links(false)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| e.depth() == 0 || !e.file_name().to_string_lossy().starts_with('.'))
    {
        let entry = entry.map_err(|e| {
            Diagnostic::error(Code::T001, format!("cannot read the case library: {e}"))
                .at(dir.display().to_string(), Pos::NONE)
        })?;
        if entry.file_type().is_file() && entry.path().extension().is_some_and(|x| x == "json") {
            files.push(entry.into_path());
        }
    }
    Ok(files)
}

/// Screen every case under `dir` with `packs`, as `tcscreen screen` would, and compare with
/// what the reviewer expects.
pub fn run_library(packs: &Packs, dir: &Path, limits: &RequestLimits) -> LibraryReport {
    let mut report = LibraryReport::default();
    let files = match case_files(dir) {
        Ok(files) => files,
        Err(e) => {
            report.errors.push(e);
            return report;
        }
    };
    if files.is_empty() {
        report.errors.push(
            Diagnostic::error(Code::T001, "no case files (*.json) in the case library")
                .at(dir.display().to_string(), Pos::NONE),
        );
        return report;
    }
    let mut screener = ThreadScreener::new();
    for path in files {
        let display = path.display().to_string();
        match read_case_file(&path, &display) {
            Ok(cases) => {
                for case in cases {
                    report
                        .cases
                        .push(run_case(&mut screener, packs, case, limits));
                }
            }
            Err(mut errors) => report.errors.append(&mut errors),
        }
    }
    report
}

/// One case, screened as a coordination unit would screen it.
fn run_case(
    screener: &mut ThreadScreener,
    packs: &Packs,
    case: TestCase,
    limits: &RequestLimits,
) -> CaseResult {
    let mut result = CaseResult {
        case,
        problems: Vec::new(),
        decision: None,
        findings: Vec::new(),
        errors: Vec::new(),
    };
    let request = match load_request(&result.case, limits) {
        Ok(request) => request,
        Err(problem) => {
            result.problems.push(problem);
            return result;
        }
    };
    let as_of: Date = result.case.as_of.unwrap_or(request.received());
    let screened = screener
        .choose_during(packs, &PackChoice::Automatic, &request, as_of)
        .and_then(|(index, during)| {
            screener.screen_during(packs, index, &during, &request, as_of, false)
        });
    match screened {
        Err(problem) => result.problems.push(describe(problem)),
        Ok((record, _)) => {
            result.problems.extend(unmet_expectations(
                &result.case,
                None,
                record.decision,
                &record.findings,
            ));
            for error in &record.errors {
                result
                    .problems
                    .push(format!("rule `{}` failed: {}", error.rule, error.message));
            }
            result.decision = record.decision;
            result.findings = record.findings;
            result.errors = record.errors;
        }
    }
    result
}

/// Why a case could not be screened, in one line.
fn describe(problem: Problem) -> String {
    match problem {
        Problem::Select(d) => format!("no pack: {}", d.message),
        Problem::Pack { diagnostics, .. } => format!(
            "the pack cannot be used: {}",
            diagnostics
                .first()
                .map_or_else(String::new, |d| d.message.clone())
        ),
        Problem::Stop(stop) => stop.to_string(),
        Problem::Input(errors) => format!(
            "the request is invalid: {}",
            errors.first().map_or_else(String::new, ToString::to_string)
        ),
    }
}
