//! Which pack screens a request (spec §3): the one whose country is the request's and whose
//! validity covers the screening date, or the one named with `--pack` (`ID`, `ID@VERSION`, a
//! folder); and which packs a command works on when it names some (`check`, `test`, `sign`).
//! While any manifest is broken, automatic selection refuses to guess: the broken pack might
//! have been the right one.

use std::path::{Path, PathBuf};

use tcscreen_core::{Code, Date, Diagnostic, suggest::did_you_mean};

use crate::catalog::Catalog;

/// How a user names a pack with `--pack`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PackSpec {
    /// `ID` or `ID@VERSION`.
    Id {
        /// The pack id.
        id: String,
        /// A version, if pinned.
        version: Option<String>,
    },
    /// A pack folder.
    Path(PathBuf),
}

impl PackSpec {
    /// Read `--pack`: a path if it contains a slash or names an existing folder, else `ID[@VERSION]`.
    pub fn parse(text: &str) -> PackSpec {
        if text.contains('/')
            || text.contains('\\')
            || text.starts_with('.')
            || Path::new(text).is_dir()
        {
            return PackSpec::Path(PathBuf::from(text));
        }
        match text.split_once('@') {
            Some((id, version)) => PackSpec::Id {
                id: id.to_string(),
                version: Some(version.to_string()),
            },
            None => PackSpec::Id {
                id: text.to_string(),
                version: None,
            },
        }
    }
}

/// How the pack that screens a request is chosen.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PackChoice {
    /// By the request's country and the as-of date.
    Automatic,
    /// A pack folder named by path: its index in the catalog it was added to (the command
    /// line only).
    Index(usize),
    /// `ID` or `ID@VERSION`: the version valid on the as-of date, or the one named.
    Id(String, Option<String>),
}

impl PackChoice {
    /// `ID` or `ID@VERSION`, as a web form or a query string gives it; a path is refused
    /// (P021), since a remote caller must not name folders on this machine.
    pub fn by_name(text: &str) -> Result<PackChoice, Diagnostic> {
        match PackSpec::parse(text) {
            PackSpec::Id { id, version } if !id.is_empty() => Ok(PackChoice::Id(id, version)),
            _ => Err(Diagnostic::error(
                Code::P021,
                format!("`{text}` does not name a pack: give ID or ID@VERSION"),
            )
            .help("`GET /v1/packs` or `tcscreen packs` lists the packs and their versions")),
        }
    }
}

impl Catalog {
    /// The choice `--pack` makes (`None`: automatic). A folder is added to the catalog.
    pub fn choice(&mut self, pack: Option<&str>) -> Result<PackChoice, Vec<Diagnostic>> {
        match pack.map(PackSpec::parse) {
            None => Ok(PackChoice::Automatic),
            Some(PackSpec::Id { id, version }) => Ok(PackChoice::Id(id, version)),
            Some(PackSpec::Path(path)) => self.add_path(&path).map(PackChoice::Index),
        }
    }

    /// The pack `choice` gives for a request from `country` screened as of `as_of`.
    pub fn choose(
        &self,
        choice: &PackChoice,
        country: &str,
        as_of: Date,
    ) -> Result<usize, Diagnostic> {
        match choice {
            PackChoice::Automatic => self.select(country, as_of),
            PackChoice::Index(i) => Ok(*i),
            PackChoice::Id(id, version) => self.find(id, version.as_deref(), as_of),
        }
    }

    /// The packs a command names (ids select every version; paths one folder, added to the
    /// catalog), or all of them.
    pub fn chosen(&mut self, names: &[String]) -> Result<Vec<usize>, Vec<Diagnostic>> {
        if names.is_empty() {
            return Ok((0..self.entries().len()).collect());
        }
        let mut chosen = Vec::new();
        let mut errors = Vec::new();
        for name in names {
            match PackSpec::parse(name) {
                PackSpec::Path(path) => match self.add_path(&path) {
                    Ok(i) => chosen.push(i),
                    Err(mut e) => errors.append(&mut e),
                },
                PackSpec::Id { id, version } => {
                    let versions: Vec<usize> = self
                        .versions(&id)
                        .into_iter()
                        .filter(|&i| {
                            version
                                .as_ref()
                                .is_none_or(|v| &self.entry(i).manifest.version == v)
                        })
                        .collect();
                    if versions.is_empty() {
                        errors.push(Diagnostic::error(
                            Code::P021,
                            format!("no pack `{name}` under `{}`", self.root_display()),
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

    /// The pack for a request from `country` screened as of `as_of`: the one whose country
    /// matches and whose validity covers the date. None or several is an error naming the
    /// candidates.
    pub fn select(&self, country: &str, as_of: Date) -> Result<usize, Diagnostic> {
        if !self.problems().is_empty() {
            return Err(Diagnostic::error(
                Code::P020,
                format!(
                    "cannot choose a pack for country {country}: some packs under `{}` are broken",
                    self.root_display
                ),
            )
            .help(
                "fix the problems reported above (`tcscreen check`), or name the pack with --pack",
            ));
        }
        let for_country: Vec<usize> = (0..self.entries().len())
            .filter(|&i| {
                !self.entries()[i].external
                    && self.entries()[i].manifest.country.as_deref() == Some(country)
            })
            .collect();
        let valid = self.valid_on(&for_country, as_of);
        match valid.as_slice() {
            [one] => Ok(*one),
            [] if for_country.is_empty() => Err(Diagnostic::error(
                Code::P021,
                format!(
                    "no pack for country {country} under `{}`",
                    self.root_display
                ),
            )
            // `country` passed validation: two upper-case letters, safe to show.
            .help(format!("add a pack with `country = \"{country}\"` in its manifest (`tcscreen new DIR --country {country}` scaffolds one), or name one with --pack"))),
            [] => Err(Diagnostic::error(
                Code::P021,
                format!("no pack for country {country} is valid on {as_of}"),
            )
            .note(format!("candidates: {}", self.describe(&for_country)))
            .help("screen with --as-of inside a pack's validity, or name a pack with --pack")),
            several => Err(Diagnostic::error(
                Code::P022,
                format!("several packs for country {country} are valid on {as_of}"),
            )
            .note(format!("candidates: {}", self.describe(several)))
            .help("make their validity ranges not overlap, or name one with --pack ID@VERSION")),
        }
    }

    /// The pack named by `--pack ID[@VERSION]` for a request screened as of `as_of`.
    pub fn find(&self, id: &str, version: Option<&str>, as_of: Date) -> Result<usize, Diagnostic> {
        let versions = self.versions(id);
        if versions.is_empty() {
            let help = match did_you_mean(id, self.ids()) {
                Some(s) => format!("did you mean `{s}`?"),
                None => format!("the packs are: {}", self.ids().join(", ")),
            };
            return Err(Diagnostic::error(
                Code::P021,
                format!("no pack `{id}` under `{}`", self.root_display()),
            )
            .help(help));
        }
        if let Some(version) = version {
            return versions
                .iter()
                .copied()
                .find(|&i| self.entries()[i].manifest.version == version)
                .ok_or_else(|| {
                    Diagnostic::error(Code::P021, format!("pack `{id}` has no version {version}"))
                        .note(format!("versions: {}", self.describe(&versions)))
                });
        }
        if let [one] = versions.as_slice() {
            return Ok(*one);
        }
        let valid = self.valid_on(&versions, as_of);
        match valid.as_slice() {
            [one] => Ok(*one),
            _ => Err(Diagnostic::error(
                Code::P021,
                format!("no single version of pack `{id}` is valid on {as_of}"),
            )
            .note(format!("versions: {}", self.describe(&versions)))
            .help(format!("name one with --pack {id}@VERSION"))),
        }
    }

    /// The packs that come into force during a TC running from `start` to `end` screened as
    /// of `as_of` with the pack at `chosen`: the other packs the choice could have given (the
    /// country's packs when chosen automatically, the versions of the pack named by id
    /// without a version; none for a pinned version or a folder) whose validity starts after
    /// the screening date and on or before the TC's end, and does not end before the TC's
    /// remaining months begin; in order of their start.
    pub fn in_force_during(
        &self,
        choice: &PackChoice,
        chosen: usize,
        as_of: Date,
        start: Option<Date>,
        end: Option<Date>,
    ) -> Vec<usize> {
        let Some(end) = end else {
            return Vec::new();
        };
        let country = self.entry(chosen).manifest.country.clone();
        let candidates: Vec<usize> = match choice {
            PackChoice::Automatic => (0..self.entries().len())
                .filter(|&i| {
                    let e = &self.entries()[i];
                    !e.external && country.is_some() && e.manifest.country == country
                })
                .collect(),
            PackChoice::Id(id, None) => self.versions(id),
            PackChoice::Id(_, Some(_)) | PackChoice::Index(_) => Vec::new(),
        };
        let remaining_from = start.map_or(as_of, |s| s.max(as_of));
        let mut during: Vec<(Date, usize)> = candidates
            .into_iter()
            .filter(|&i| i != chosen)
            .filter_map(|i| {
                let m = &self.entries()[i].manifest;
                let from = m.valid_from?;
                let starts_during = from > as_of && from <= end;
                let lasts = m.valid_to.is_none_or(|to| to >= remaining_from);
                (starts_during && lasts).then_some((from, i))
            })
            .collect();
        during.sort_unstable();
        during.into_iter().map(|(_, i)| i).collect()
    }

    fn valid_on(&self, indices: &[usize], date: Date) -> Vec<usize> {
        indices
            .iter()
            .copied()
            .filter(|&i| self.entries()[i].manifest.covers(date))
            .collect()
    }

    fn describe(&self, indices: &[usize]) -> String {
        indices
            .iter()
            .map(|&i| {
                let e = &self.entries()[i];
                format!(
                    "{} {} (valid {}, {})",
                    e.manifest.id,
                    e.manifest.version,
                    e.manifest.validity(),
                    e.display
                )
            })
            .collect::<Vec<_>>()
            .join("; ")
    }
}
