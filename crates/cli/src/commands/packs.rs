//! `tcscreen packs`: list the packs under the rules folder.

use crate::console::outln;
use clap::ValueEnum;
use tcscreen_core::{CompiledPack, Json};

use crate::Cli;
use crate::commands::{catalog, resolution_date};
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
    let limits = crate::engine_limits();
    let mut rows = Vec::new();
    for (index, entry) in catalog.entries().iter().enumerate() {
        let m = &entry.manifest;
        let (rules, digest) = match catalog.source(index, resolution_date(&catalog, index)) {
            Ok(source) => {
                let rules = match CompiledPack::compile(&source, &limits) {
                    Ok(pack) => pack.rules().len().to_string(),
                    Err(_) => {
                        status.raise(ExitStatus::Error);
                        "does not compile".into()
                    }
                };
                (rules, source.identity.sha256.clone())
            }
            Err(_) => {
                status.raise(ExitStatus::Error);
                ("unreadable".into(), String::new())
            }
        };
        rows.push(Row {
            id: m.id.clone(),
            country: m.country.clone().unwrap_or_else(|| "-".into()),
            version: m.version.clone(),
            validity: m.validity(),
            extends: if m.extends.is_empty() {
                "-".into()
            } else {
                m.extends.join(", ")
            },
            rules,
            digest,
            folder: entry.display.clone(),
        });
    }
    for problem in catalog.problems() {
        crate::diagnostics::emit(problem);
        status.raise(ExitStatus::Error);
    }
    match args.format {
        ListFormat::Json => {
            let items = rows
                .iter()
                .map(|r| {
                    Json::object([
                        ("id", Json::string(&r.id)),
                        (
                            "country",
                            if r.country == "-" {
                                Json::null()
                            } else {
                                Json::string(&r.country)
                            },
                        ),
                        ("version", Json::string(&r.version)),
                        ("validity", Json::string(&r.validity)),
                        (
                            "extends",
                            Json::array(
                                r.extends
                                    .split(", ")
                                    .filter(|s| *s != "-")
                                    .map(Json::string)
                                    .collect(),
                            ),
                        ),
                        ("rules", Json::string(&r.rules)),
                        ("sha256", Json::string(&r.digest)),
                        ("folder", Json::string(&r.folder)),
                    ])
                })
                .collect();
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
            // Names, versions and folders come from the packs: shown escaped.
            let shown: Vec<Row> = rows
                .iter()
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
