//! One module per verb.

pub mod check;
pub mod compare;
pub mod explain;
pub mod impact;
pub mod keys;
pub mod new;
pub mod packs;
pub mod register;
pub mod replay;
pub mod rule;
pub mod schema;
pub mod screen;
pub mod serve;
pub mod test;
pub mod validate;

use tcscreen_core::Diagnostic;
use tcscreen_packs::{Catalog, PackSpec};

use crate::Cli;
use crate::exit::ExitStatus;

/// Discover the packs under `--rules`; the error is printed.
pub(crate) fn catalog(cli: &Cli) -> Option<Catalog> {
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
    cli: &Cli,
    names: &[String],
) -> Option<(Catalog, Vec<usize>, ExitStatus)> {
    let mut catalog = catalog(cli)?;
    let mut status = ExitStatus::Success;
    for problem in catalog.problems() {
        crate::diagnostics::emit(problem);
        status.raise(ExitStatus::Error);
    }
    match chosen_packs(&mut catalog, names) {
        Ok(chosen) => Some((catalog, chosen, status)),
        Err(errors) => {
            for e in errors {
                crate::diagnostics::emit(&e);
            }
            None
        }
    }
}

/// The packs named on the command line (ids select every version; paths one folder), or all.
pub(crate) fn chosen_packs(
    catalog: &mut Catalog,
    names: &[String],
) -> Result<Vec<usize>, Vec<Diagnostic>> {
    if names.is_empty() {
        return Ok((0..catalog.entries().len()).collect());
    }
    let mut chosen = Vec::new();
    let mut errors = Vec::new();
    for name in names {
        match PackSpec::parse(name) {
            PackSpec::Path(path) => match catalog.add_path(&path) {
                Ok(i) => chosen.push(i),
                Err(mut e) => errors.append(&mut e),
            },
            PackSpec::Id { id, version } => {
                let versions: Vec<usize> = catalog
                    .versions(&id)
                    .into_iter()
                    .filter(|&i| {
                        version
                            .as_ref()
                            .is_none_or(|v| &catalog.entry(i).manifest.version == v)
                    })
                    .collect();
                if versions.is_empty() {
                    errors.push(Diagnostic::error(
                        "P021",
                        format!("no pack `{name}` under `{}`", catalog.root_display()),
                    ));
                }
                chosen.extend(versions);
            }
        }
    }
    chosen.sort_unstable();
    chosen.dedup();
    if errors.is_empty() {
        Ok(chosen)
    } else {
        Err(errors)
    }
}

/// The as-of date used to resolve a pack's parents when no request is at hand: the start of
/// its validity, else its end.
pub(crate) fn resolution_date(catalog: &Catalog, index: usize) -> Option<tcscreen_core::Date> {
    let m = &catalog.entry(index).manifest;
    m.valid_from.or(m.valid_to)
}
