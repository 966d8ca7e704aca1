//! Opening the packs under `--rules` for a command, printing what is wrong with them.
use tcscreen_packs::Catalog;
use tcscreen_service::{PoolSize, ScreenSettings, Screener, SetupProblem};

use crate::exit_codes::ExitStatus;
use crate::global_args::GlobalArgs;

/// Discover the packs under `--rules`; the error is printed.
pub(crate) fn catalog(cli: &GlobalArgs) -> Option<Catalog> {
    let display = cli
        .rules
        .to_string_lossy()
        .trim_end_matches('/')
        .to_string();
    match Catalog::discover(&cli.rules, &display) {
        Ok(catalog) => Some(catalog),
        Err(d) => {
            crate::diagnostics::emit(&d);
            None
        }
    }
}

/// Discover the packs and pick the ones named (all if none), printing the catalog's problems.
/// Returns the catalog, the chosen packs, and the status so far; `None` if nothing can run.
pub(crate) fn catalog_and_chosen(
    cli: &GlobalArgs,
    names: &[String],
) -> Option<(Catalog, Vec<usize>, ExitStatus)> {
    let mut catalog = catalog(cli)?;
    let mut status = ExitStatus::Success;
    for problem in catalog.problems() {
        crate::diagnostics::emit(problem);
        status.raise(ExitStatus::Error);
    }
    match catalog.chosen(names) {
        Ok(chosen) => Some((catalog, chosen, status)),
        Err(errors) => {
            for e in errors {
                crate::diagnostics::emit(&e);
            }
            None
        }
    }
}

/// A screening thread over the packs under `--rules`, trusting only the
/// keys in `trust` if given; the problems are printed.
pub(crate) fn screener(cli: &GlobalArgs, trust: Option<&std::path::Path>) -> Option<Screener> {
    let settings = ScreenSettings {
        trust: trust.map(std::path::Path::to_path_buf),
        // One thread: each thread compiles every pack it meets, and records to replay or
        // compare usually span many pack versions, so a second thread costs more work than it
        // saves (measured on the fixture decisions: 40% more instructions for 30% less wall
        // time).
        pool: PoolSize::threads(1),
        ..ScreenSettings::new(cli.rules.clone())
    };
    let started = settings
        .packs()
        .and_then(|(packs, _automatic)| settings.screener(packs).map_err(SetupProblem::Threads));
    match started {
        Ok(screener) => Some(screener),
        Err(SetupProblem::Threads(e)) => {
            crate::console::errln!("error: cannot start a screening thread: {e}");
            None
        }
        Err(problem) => {
            crate::diagnostics::emit_all(problem.problems());
            None
        }
    }
}
