//! `tcscreen test`: run each pack's tests. A failing case says what was expected and what
//! differs (the decision, rules that should have fired or stayed silent, rules that failed),
//! then the findings that made an unexpected decision; the other findings are folded into a
//! count (`--all-findings` lists them). `--coverage` summarises the rule × test matrix, for the pack's own rules (those
//! it defines or adjusts) unless `--inherited` asks for every rule that runs.

use crate::console::{errln, outln};
use tcscreen_service::pack_tests::{CaseResult, PackTestReport, run_pack_tests_sharing};

use crate::diagnostics;
use crate::exit_codes::ExitStatus;
use crate::global_args::GlobalArgs;
use crate::rules_folder::catalog_and_chosen;
use tcscreen_service::escape::controls as esc;
use tcscreen_service::plural;

/// Arguments of `test`.
#[derive(Debug, clap::Args)]
pub struct TestArgs {
    /// Packs to test: ids (every version), ID@VERSION, or folders. Default: all.
    #[arg(value_name = "PACK")]
    pub packs: Vec<String>,

    /// Summarise coverage: rules no passing test fires, rules no test shows silent, outcomes a
    /// rule can record that no test produced, and the share of rules covered.
    #[arg(long)]
    pub coverage: bool,

    /// Fail (exit 1) if a pack's rule coverage is below N percent (implies --coverage).
    #[arg(long, value_name = "N")]
    pub min_coverage: Option<usize>,

    /// Count the rules a pack inherits in coverage too. By default coverage is of the pack's
    /// own rules: those it defines and the inherited ones it adjusts in pack.toml.
    #[arg(long)]
    pub inherited: bool,

    /// Run only the cases that touch this rule (full id): those that fire it or name it.
    #[arg(long, value_name = "RULE_ID")]
    pub rule: Option<String>,

    /// List every finding of a failing case, not only those that differ from what it
    /// expected and those that made the decision.
    #[arg(long)]
    pub all_findings: bool,

    /// Run the judged case library in DIR (e.g. fixtures/cases) instead of the packs' tests:
    /// each case is screened as `tcscreen screen` screens it (pack by country and date) and
    /// compared with the reviewer's judgement.
    #[arg(long, value_name = "DIR", conflicts_with_all = ["packs", "coverage", "min_coverage", "inherited"])]
    pub cases: Option<std::path::PathBuf>,
}

fn touches(case: &CaseResult, rule: &str) -> bool {
    case.fired().contains(rule)
        || case.case.fires.iter().any(|r| r == rule)
        || case.case.silent.iter().any(|r| r == rule)
}

/// Longest message shown for a finding of a failing case (the rest is cut with `…`).
const SHOWN_MESSAGE_CHARS: usize = 120;

/// Findings that made a decision the case did not expect, shown at most.
const SHOWN_DECIDING: usize = 5;

/// A case: `ok`, or what it expected and what differs (the decision, rules that should have
/// fired or stayed silent, rules that failed), the findings that made an unexpected decision,
/// and the rest folded into a count unless `all_findings`.
fn print_case(case: &CaseResult, all_findings: bool) {
    if case.passed() {
        outln!("  ok    {}", esc(&case.case.name));
        return;
    }
    outln!(
        "  FAIL  {}  ({})",
        esc(&case.case.name),
        esc(&case.case.file)
    );
    if let Some(reason) = &case.case.reason {
        outln!("          reviewer: {}", esc(reason));
    }
    for problem in &case.problems {
        outln!("          {}", esc(problem));
    }
    if case.findings.is_empty() && case.errors.is_empty() {
        outln!("          (no rule fired)");
        return;
    }
    let named = |rule: &String| case.case.silent.contains(rule);
    // When the decision is not the expected one, the findings that made it.
    let decided = case.decision.filter(|_| {
        case.problems
            .iter()
            .any(|p| p.starts_with("expected ") && p.contains(", got "))
    });
    let deciding: Vec<&tcscreen_core::Finding> = case
        .findings
        .iter()
        .filter(|f| decided.is_some_and(|d| f.outcome.as_str() == d.as_str()) && !named(&f.rule))
        .collect();
    for f in deciding.iter().take(SHOWN_DECIDING) {
        outln!("          decided by: {}", finding_line(f));
    }
    let shown = deciding.len().min(SHOWN_DECIDING)
        + case.findings.iter().filter(|f| named(&f.rule)).count();
    if all_findings {
        for f in &case.findings {
            outln!("          fired: {}", finding_line(f));
        }
    } else if case.findings.len() > shown {
        let rest = case.findings.len() - shown;
        outln!(
            "          … {rest} other {} not shown (--all-findings lists every one)",
            plural(rest, "finding", "findings")
        );
    }
}

/// `revise base/DL-03: Say who drafted…`, the message cut to one short line.
fn finding_line(f: &tcscreen_core::Finding) -> String {
    let message: String = f.message.chars().take(SHOWN_MESSAGE_CHARS).collect();
    let cut = if f.message.chars().count() > SHOWN_MESSAGE_CHARS {
        "…"
    } else {
        ""
    };
    format!("{} {}: {}{cut}", f.outcome, esc(&f.rule), esc(&message))
}

fn print_coverage(report: &PackTestReport, inherited: bool, all_rules: usize) {
    if report.rules.is_empty() {
        if !inherited && all_rules > 0 {
            outln!(
                "  coverage: the pack has no rules of its own; --inherited counts the {all_rules} it inherits"
            );
        }
        return;
    }
    let uncovered = report.uncovered();
    let which = if inherited {
        "rules, inherited ones included,"
    } else {
        "rules of this pack"
    };
    outln!(
        "  coverage: {} of {} {which} fire in a passing test ({}%)",
        report.rules.len() - uncovered.len(),
        report.rules.len(),
        report.coverage()
    );
    let others = all_rules - report.rules.len();
    if !inherited && others > 0 {
        outln!("    (its own and those it adjusts; --inherited counts the {others} others too)");
    }
    for rule in uncovered {
        outln!("    never fired: {rule}");
    }
    for rule in report.never_silent() {
        outln!("    never silent: {rule} (fires in every passing test)");
    }
    for (rule, outcome) in report.unproduced() {
        outln!("    never produced: {outcome} by {rule}");
    }
}

/// `test --cases DIR`: the judged case library.
fn case_library(cli: &GlobalArgs, args: &TestArgs, dir: &std::path::Path) -> ExitStatus {
    let Some(catalog) = crate::rules_folder::catalog(cli) else {
        return ExitStatus::Error;
    };
    let packs = tcscreen_service::Packs::from_catalog(catalog);
    let limits = tcscreen_core::RequestLimits::default();
    let mut report = tcscreen_service::case_library::run_library(&packs, dir, &limits);
    if let Some(rule) = &args.rule {
        report.cases.retain(|c| {
            touches(c, rule)
                || c.case.changes.iter().any(|r| r == rule)
                || c.case.no_change.iter().any(|r| r == rule)
        });
    }
    let mut status = ExitStatus::Success;
    outln!("case library {}", esc(&dir.display().to_string()));
    diagnostics::emit_all(&report.errors);
    if !report.errors.is_empty() {
        status.raise(ExitStatus::Error);
    }
    for case in &report.cases {
        print_case(case, args.all_findings);
    }
    let (passed, failed) = report.counts();
    if failed > 0 {
        status.raise(ExitStatus::Failure);
    }
    outln!("{passed} passed, {failed} failed");
    status
}

/// Run `test`.
pub fn test(cli: &GlobalArgs, args: &TestArgs) -> ExitStatus {
    if let Some(dir) = &args.cases {
        return case_library(cli, args, dir);
    }
    let Some((catalog, chosen, mut status)) = catalog_and_chosen(cli, &args.packs) else {
        return ExitStatus::Error;
    };
    let limits = tcscreen_service::memory::engine_limits();
    let request_limits = tcscreen_core::RequestLimits::default();
    let (mut passed, mut failed) = (0, 0);
    let mut below = Vec::new();
    // Each ancestor is compiled once for all the packs tested.
    let mut layers = tcscreen_core::LayerCache::new();
    for index in chosen {
        let entry = catalog.entry(index);
        let mut report =
            run_pack_tests_sharing(&catalog, index, &limits, &request_limits, &mut layers);
        if let Some(rule) = &args.rule {
            report.cases.retain(|c| touches(c, rule));
        }
        outln!(
            "{} {} ({})",
            esc(&entry.manifest.id),
            esc(&entry.manifest.version),
            esc(&entry.display)
        );
        diagnostics::emit_all(&report.errors);
        if !report.errors.is_empty() {
            status.raise(ExitStatus::Error);
        }
        if report.cases.is_empty() && report.errors.is_empty() {
            outln!(
                "  no tests{}",
                args.rule
                    .as_ref()
                    .map_or_else(String::new, |r| format!(" touch {r}"))
            );
        }
        for case in &report.cases {
            print_case(case, args.all_findings);
            if case.passed() {
                passed += 1;
            } else {
                failed += 1;
                status.raise(ExitStatus::Failure);
            }
        }
        if (args.coverage || args.min_coverage.is_some()) && args.rule.is_none() {
            let all_rules = report.rules.len();
            if !args.inherited {
                report.only_own_rules();
            }
            print_coverage(&report, args.inherited, all_rules);
            if let Some(min) = args.min_coverage
                && report.coverage() < min
            {
                below.push(format!(
                    "{} {} ({}%)",
                    entry.manifest.id,
                    entry.manifest.version,
                    report.coverage()
                ));
            }
        }
    }
    outln!("{passed} passed, {failed} failed");
    if let Some(min) = args.min_coverage
        && !below.is_empty()
    {
        errln!("error: rule coverage below {min}%: {}", below.join(", "));
        status.raise(ExitStatus::Failure);
    }
    status
}
