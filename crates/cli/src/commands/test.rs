//! `tcscreen test`: run each pack's tests. A failing case says what was expected and what
//! happened, which rules fired that should not have and the other way round, with their
//! messages. `--coverage` summarises the rule × test matrix.

use tcscreen_packs::testing::{CaseResult, PackTestReport, run_pack_tests};

use crate::Cli;
use crate::commands::catalog_and_chosen;
use crate::diagnostics;
use crate::escape::controls as esc;
use crate::exit::ExitStatus;

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

    /// Run only the cases that touch this rule (full id): those that fire it or name it.
    #[arg(long, value_name = "RULE_ID")]
    pub rule: Option<String>,
}

fn touches(case: &CaseResult, rule: &str) -> bool {
    case.fired().contains(rule)
        || case.case.fires.iter().any(|r| r == rule)
        || case.case.silent.iter().any(|r| r == rule)
}

fn print_case(case: &CaseResult) {
    if case.passed() {
        println!("  ok    {}", esc(&case.case.name));
        return;
    }
    println!(
        "  FAIL  {}  ({})",
        esc(&case.case.name),
        esc(&case.case.file)
    );
    for problem in &case.problems {
        println!("          {}", esc(problem));
    }
    if case.findings.is_empty() && case.errors.is_empty() {
        println!("          (no rule fired)");
    }
    for f in &case.findings {
        println!(
            "          fired: {} {}: {}",
            f.outcome,
            esc(&f.rule),
            esc(&f.message)
        );
    }
}

fn print_coverage(report: &PackTestReport) {
    if report.rules.is_empty() {
        return;
    }
    let uncovered = report.uncovered();
    println!(
        "  coverage: {} of {} rules fire in a passing test ({}%)",
        report.rules.len() - uncovered.len(),
        report.rules.len(),
        report.coverage()
    );
    for rule in uncovered {
        println!("    never fired: {rule}");
    }
    for rule in report.never_silent() {
        println!("    never silent: {rule} (fires in every passing test)");
    }
    for (rule, outcome) in report.unproduced() {
        println!("    never produced: {outcome} by {rule}");
    }
}

/// Run `test`.
pub fn test(cli: &Cli, args: &TestArgs) -> ExitStatus {
    let Some((catalog, chosen, mut status)) = catalog_and_chosen(cli, &args.packs) else {
        return ExitStatus::Error;
    };
    let (limits, request_limits) = (crate::engine_limits(), crate::request_limits());
    let (mut passed, mut failed) = (0, 0);
    let mut below = Vec::new();
    for index in chosen {
        let entry = catalog.entry(index);
        let mut report = run_pack_tests(&catalog, index, &limits, &request_limits);
        if let Some(rule) = &args.rule {
            report.cases.retain(|c| touches(c, rule));
        }
        println!(
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
            println!(
                "  no tests{}",
                args.rule
                    .as_ref()
                    .map_or_else(String::new, |r| format!(" touch {r}"))
            );
        }
        for case in &report.cases {
            print_case(case);
            if case.passed() {
                passed += 1;
            } else {
                failed += 1;
                status.raise(ExitStatus::Failure);
            }
        }
        if (args.coverage || args.min_coverage.is_some()) && args.rule.is_none() {
            print_coverage(&report);
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
    println!("{passed} passed, {failed} failed");
    if let Some(min) = args.min_coverage
        && !below.is_empty()
    {
        eprintln!("error: rule coverage below {min}%: {}", below.join(", "));
        status.raise(ExitStatus::Failure);
    }
    status
}
