//! `tcscreen test`: run each pack's tests and, with `--coverage`, list rules no test fires.

use tcscreen_packs::testing::run_pack_tests;

use crate::Cli;
use crate::commands::catalog_and_chosen;
use crate::exit::ExitStatus;

/// Arguments of `test`.
#[derive(Debug, clap::Args)]
pub struct TestArgs {
    /// Packs to test: ids (every version), ID@VERSION, or folders. Default: all.
    #[arg(value_name = "PACK")]
    pub packs: Vec<String>,

    /// List the rules that no passing test fires, and those that no passing test shows silent.
    #[arg(long)]
    pub coverage: bool,
}

/// Run `test`.
pub fn test(cli: &Cli, args: &TestArgs) -> ExitStatus {
    let Some((catalog, chosen, mut status)) = catalog_and_chosen(cli, &args.packs) else {
        return ExitStatus::Error;
    };
    let (limits, request_limits) = (crate::engine_limits(), crate::request_limits());
    let (mut passed, mut failed) = (0, 0);
    for index in chosen {
        let entry = catalog.entry(index);
        let report = run_pack_tests(&catalog, index, &limits, &request_limits);
        println!(
            "{} {} ({})",
            entry.manifest.id, entry.manifest.version, entry.display
        );
        for e in &report.errors {
            eprintln!("{e}");
            status.raise(ExitStatus::Error);
        }
        if report.cases.is_empty() && report.errors.is_empty() {
            println!("  no tests");
        }
        for case in &report.cases {
            if case.passed() {
                passed += 1;
                println!("  ok    {}", case.case.name);
            } else {
                failed += 1;
                status.raise(ExitStatus::Failure);
                println!("  FAIL  {}  ({})", case.case.name, case.case.file);
                for problem in &case.problems {
                    println!("          {problem}");
                }
                for finding in &case.findings {
                    println!(
                        "          fired {} {}: {}",
                        finding.outcome, finding.rule, finding.message
                    );
                }
            }
        }
        if args.coverage && !report.rules.is_empty() {
            let uncovered = report.uncovered();
            let covered = report.rules.len() - uncovered.len();
            println!(
                "  coverage: {covered} of {} rules fire in a passing test ({}%)",
                report.rules.len(),
                covered * 100 / report.rules.len()
            );
            for rule in uncovered {
                println!("    never fired: {rule}");
            }
            for rule in report.never_silent() {
                println!("    never silent: {rule} (fires in every passing test)");
            }
        }
    }
    println!("{passed} passed, {failed} failed");
    status
}
