//! `tcscreen packs`: list the packs under the rules folder.

use crate::console::outln;
use clap::ValueEnum;
use tcscreen_core::Json;
use tcscreen_service::Packs;
use tcscreen_service::listing::{self, PackRow};

use crate::Cli;
use crate::commands::catalog;
use crate::exit::ExitStatus;
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
pub fn packs(cli: &Cli, args: &PacksArgs) -> ExitStatus {
    let Some(catalog) = catalog(cli) else {
        return ExitStatus::Error;
    };
    let mut status = ExitStatus::Success;
    let packs = Packs::from_catalog(catalog);
    let listed = listing::pack_rows(&packs);
    if listed.iter().any(|r| r.rules.is_err()) {
        status.raise(ExitStatus::Error);
    }
    for problem in packs.catalog().problems() {
        crate::diagnostics::emit(problem);
        status.raise(ExitStatus::Error);
    }
    match args.format {
        ListFormat::Json => {
            let items = listed.iter().map(PackRow::to_json).collect();
            outln!(
                "{}",
                tcscreen_core::canonical::to_canonical_string(&Json::array(items))
            );
        }
        ListFormat::Text => {
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
            let rows = listed.iter().map(|r| Row {
                id: r.id.clone(),
                country: r.country.clone().unwrap_or_else(|| "-".into()),
                version: r.version.clone(),
                validity: r.validity.clone(),
                extends: if r.extends.is_empty() {
                    "-".into()
                } else {
                    r.extends.join(", ")
                },
                rules: match r.rules {
                    Ok(n) => n.to_string(),
                    Err(why) => why.to_string(),
                },
                digest: r.sha256.clone(),
                folder: r.folder.clone(),
            });
            // Names, versions and folders come from the packs: shown escaped.
            let shown: Vec<Row> = rows
                .map(|r| Row {
                    id: esc(&r.id).into_owned(),
                    country: esc(&r.country).into_owned(),
                    version: esc(&r.version).into_owned(),
                    validity: esc(&r.validity).into_owned(),
                    extends: esc(&r.extends).into_owned(),
                    rules: esc(&r.rules).into_owned(),
                    digest: esc(&r.digest).into_owned(),
                    folder: esc(&r.folder).into_owned(),
                })
                .collect();
            let all: Vec<&Row> = std::iter::once(&header).chain(shown.iter()).collect();
            let w =
                |f: fn(&Row) -> &str| all.iter().map(|r| f(r).chars().count()).max().unwrap_or(0);
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
    }
    status
}
