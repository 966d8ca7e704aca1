//! `tcscreen packs`: list the packs under the rules folder.

use clap::ValueEnum;
use tcscreen_core::{Json, canonical};
use tcscreen_service::Packs;
use tcscreen_service::listing::{self, PackRow};

use crate::console::outln;
use crate::exit_codes::ExitStatus;
use crate::global_args::GlobalArgs;
use crate::rules_folder::catalog;
use tcscreen_service::escape::controls as esc;

/// Arguments of `packs`.
#[derive(Debug, clap::Args)]
pub struct PacksArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = ListFormat::Text)]
    pub format: ListFormat,
}

/// Formats of the list.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    /// A table.
    Text,
    /// A JSON array.
    Json,
}

/// A row of the table, as shown.
struct Row {
    id: String,
    country: String,
    version: String,
    validity: String,
    extends: String,
    rules: String,
    digest: String,
    folder: String,
}

/// Run `packs`.
pub fn packs(cli: &GlobalArgs, args: &PacksArgs) -> ExitStatus {
    let Some(catalog) = catalog(cli) else {
        return ExitStatus::Error;
    };
    let packs = Packs::from_catalog(catalog);
    let rows = listing::packs(&packs);
    let mut status = ExitStatus::Success;
    if rows.iter().any(|r| !r.usable) {
        status.raise(ExitStatus::Error);
    }
    for problem in packs.catalog().problems() {
        crate::diagnostics::emit(problem);
        status.raise(ExitStatus::Error);
    }
    match args.format {
        ListFormat::Json => {
            let items = rows.iter().map(PackRow::to_json).collect();
            outln!("{}", canonical::to_canonical_string(&Json::array(items)));
        }
        ListFormat::Text => print_table(&rows),
    }
    status
}

fn print_table(rows: &[PackRow]) {
    let header = Row {
        id: "ID".into(),
        country: "COUNTRY".into(),
        version: "VERSION".into(),
        validity: "VALID".into(),
        extends: "EXTENDS".into(),
        rules: "RULES".into(),
        digest: "DIGEST".into(),
        folder: "FOLDER".into(),
    };
    // Names, versions and folders come from the packs: shown escaped.
    let shown: Vec<Row> = rows
        .iter()
        .map(|r| {
            let extends = if r.extends.is_empty() {
                "-".to_string()
            } else {
                r.extends.join(", ")
            };
            Row {
                id: esc(&r.id).into_owned(),
                country: esc(r.country.as_deref().unwrap_or("-")).into_owned(),
                version: esc(&r.version).into_owned(),
                validity: esc(&r.validity).into_owned(),
                extends: esc(&extends).into_owned(),
                rules: esc(&r.rules).into_owned(),
                digest: esc(&r.digest).into_owned(),
                folder: esc(&r.folder).into_owned(),
            }
        })
        .collect();
    let all: Vec<&Row> = std::iter::once(&header).chain(shown.iter()).collect();
    let w = |f: fn(&Row) -> &str| all.iter().map(|r| f(r).chars().count()).max().unwrap_or(0);
    let widths = [
        w(|r| &r.id),
        w(|r| &r.country),
        w(|r| &r.version),
        w(|r| &r.validity),
        w(|r| &r.extends),
        w(|r| &r.rules),
    ];
    for r in &all {
        let digest = if r.digest.len() > 12 {
            &r.digest[..12]
        } else {
            &r.digest
        };
        outln!(
            "{:<a$}  {:<b$}  {:<c$}  {:<d$}  {:<e$}  {:>f$}  {:<12}  {}",
            r.id,
            r.country,
            r.version,
            r.validity,
            r.extends,
            r.rules,
            digest,
            r.folder,
            a = widths[0],
            b = widths[1],
            c = widths[2],
            d = widths[3],
            e = widths[4],
            f = widths[5],
        );
    }
}
