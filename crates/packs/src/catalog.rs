//! The packs under a rules root: discovery, lookup by id and version, and selection (spec §3).
//!
//! Discovery reads only manifests, each once (its bytes are kept: they are the manifest the
//! digest covers, see [`crate::files`]). A folder holding `pack.toml` is a pack and is not
//! searched further; hidden folders are skipped and links are not followed. Versions of one id must
//! not overlap in validity. While any manifest is broken, automatic selection refuses to
//! guess: the broken pack might have been the right one.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use tcscreen_core::{Code, Date, Diagnostic, PackLayer, PackSource, Pos, suggest::did_you_mean};
use walkdir::WalkDir;

use crate::files::{PackFiles, display_join};
use crate::manifest::{self, Manifest};
use crate::read::{self, Links, MAX_FILE_BYTES};

/// A pack found under the rules root (or named by path).
#[derive(Clone, Debug)]
pub struct PackEntry {
    /// The pack folder.
    pub dir: PathBuf,
    /// The folder as people see it.
    pub display: String,
    /// Its manifest.
    pub manifest: Manifest,
    /// Named by `--pack PATH` from outside the rules root: never a parent or auto-selected.
    pub external: bool,
    /// The bytes of `pack.toml` that `manifest` was parsed from, read once at discovery: the
    /// digest covers exactly these.
    pub manifest_bytes: Arc<[u8]>,
}

impl PackEntry {
    /// `id version` for messages.
    pub fn label(&self) -> String {
        format!("`{}` {}", self.manifest.id, self.manifest.version)
    }

    /// The manifest's display path.
    pub fn manifest_display(&self) -> String {
        display_join(&self.display, "pack.toml")
    }

    /// The manifest's text, as read at discovery.
    pub fn manifest_text(&self) -> std::borrow::Cow<'_, str> {
        String::from_utf8_lossy(&self.manifest_bytes)
    }
}

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

/// A pack's files, or why they could not be read (cached either way).
pub(crate) type FilesResult = Result<Arc<PackFiles>, Vec<Diagnostic>>;

/// The snapshot of each pack's files, taken at most once per catalog whatever the number of
/// threads asking for it.
pub(crate) type FilesCache = Mutex<HashMap<usize, Arc<OnceLock<FilesResult>>>>;

/// Every pack under a rules root.
#[derive(Debug)]
pub struct Catalog {
    pub(crate) root_display: String,
    pub(crate) entries: Vec<PackEntry>,
    pub(crate) broken: Vec<Diagnostic>,
    pub(crate) files: FilesCache,
    pub(crate) sources: Mutex<HashMap<Vec<usize>, Arc<PackSource>>>,
}

impl Catalog {
    /// Find the packs under `root`, shown to people as `root_display`.
    pub fn discover(root: &Path, root_display: &str) -> Result<Catalog, Diagnostic> {
        if !root.is_dir() {
            return Err(Diagnostic::error(
                Code::P001,
                format!("rules folder `{root_display}` not found"),
            )
            .help("pass --rules DIR, set TCSCREEN_RULES, or run from a folder that has ./rules"));
        }
        let mut entries = Vec::new();
        let mut broken = Vec::new();
        let mut walker = WalkDir::new(root)
            .follow_links(false)
            .sort_by_file_name()
            .into_iter();
        while let Some(entry) = walker.next() {
            let entry = match entry {
                Ok(entry) => entry,
                Err(e) => {
                    broken.push(Diagnostic::error(
                        Code::P001,
                        format!("cannot read the rules folder: {e}"),
                    ));
                    continue;
                }
            };
            if !entry.file_type().is_dir() {
                continue;
            }
            if entry.depth() > 0 && entry.file_name().to_string_lossy().starts_with('.') {
                walker.skip_current_dir();
                continue;
            }
            // Any pack.toml that is not a folder makes a pack, so that a link, a named pipe or
            // an oversized file in its place is reported, not skipped (and never read).
            let manifest_path = entry.path().join("pack.toml");
            match std::fs::symlink_metadata(&manifest_path) {
                Ok(meta) if !meta.is_dir() => {}
                _ => continue,
            }
            walker.skip_current_dir();
            let relative = entry.path().strip_prefix(root).unwrap_or(entry.path());
            let display =
                display_join(root_display, &relative.to_string_lossy().replace('\\', "/"));
            match load_entry(entry.path(), &display, false) {
                Ok(pack) => entries.push(pack),
                Err(mut errors) => broken.append(&mut errors),
            }
        }
        let mut catalog = Catalog::new(root_display, entries, broken);
        catalog.check_versions();
        Ok(catalog)
    }

    fn new(root_display: &str, entries: Vec<PackEntry>, broken: Vec<Diagnostic>) -> Catalog {
        Catalog {
            root_display: root_display.to_string(),
            entries,
            broken,
            files: Mutex::default(),
            sources: Mutex::default(),
        }
    }

    /// Versions of one id must differ and must not overlap in validity.
    fn check_versions(&mut self) {
        let mut problems = Vec::new();
        for (i, a) in self.entries.iter().enumerate() {
            for b in self.entries.iter().skip(i + 1) {
                if a.external || b.external || a.manifest.id != b.manifest.id {
                    continue;
                }
                let (ma, mb) = (&a.manifest, &b.manifest);
                // Closed ranges with open ends overlap when each starts before the other ends.
                let overlap = lower_le_upper(ma.valid_from, mb.valid_to)
                    && lower_le_upper(mb.valid_from, ma.valid_to);
                if ma.version == mb.version {
                    problems.push(
                        Diagnostic::error(
                            Code::P008,
                            format!("two packs `{}` with version {}", ma.id, ma.version),
                        )
                        .at(b.manifest_display(), Pos::new(1, 1))
                        .note(format!("the other is {}", a.manifest_display()))
                        .help("give each version of a pack its own version string"),
                    );
                } else if overlap {
                    problems.push(
                        Diagnostic::error(
                            Code::P008,
                            format!(
                                "versions {} and {} of pack `{}` are both valid on some dates",
                                ma.version, mb.version, ma.id
                            ),
                        )
                        .at(b.manifest_display(), Pos::new(1, 1))
                        .note(format!(
                            "{} is valid {}; {} is valid {}",
                            a.manifest_display(),
                            ma.validity(),
                            b.manifest_display(),
                            mb.validity()
                        ))
                        .help("set valid_from / valid_to so that the ranges do not overlap"),
                    );
                }
            }
        }
        self.excerpt_manifests(&mut problems);
        self.broken.extend(problems);
    }

    /// Give problems located in a manifest of this catalog the excerpt of their line, from
    /// the bytes read at discovery.
    pub(crate) fn excerpt_manifests(&self, problems: &mut [Diagnostic]) {
        for d in problems.iter_mut().filter(|d| d.excerpt.is_none()) {
            if let Some(entry) = self
                .entries
                .iter()
                .find(|e| d.file.as_deref() == Some(e.manifest_display().as_str()))
            {
                d.excerpt = tcscreen_core::Excerpt::of(&entry.manifest_text(), d.pos);
            }
        }
    }

    /// Add a pack named by path (`--pack PATH`); returns its index. A folder that is already
    /// under the rules root is the same entry.
    pub fn add_path(&mut self, dir: &Path) -> Result<usize, Vec<Diagnostic>> {
        let wanted = std::fs::canonicalize(dir).map_err(|e| {
            vec![Diagnostic::error(
                Code::P001,
                format!("pack folder `{}` not found: {e}", dir.display()),
            )]
        })?;
        if let Some(i) = self
            .entries
            .iter()
            .position(|e| std::fs::canonicalize(&e.dir).is_ok_and(|d| d == wanted))
        {
            return Ok(i);
        }
        let display = dir.to_string_lossy().trim_end_matches('/').to_string();
        let entry = load_entry(dir, &display, true)?;
        self.entries.push(entry);
        Ok(self.entries.len() - 1)
    }

    /// The rules root as people see it.
    pub fn root_display(&self) -> &str {
        &self.root_display
    }

    /// Every pack found, in folder order.
    pub fn entries(&self) -> &[PackEntry] {
        &self.entries
    }

    /// The pack at `index`.
    pub fn entry(&self, index: usize) -> &PackEntry {
        &self.entries[index]
    }

    /// Manifests that could not be read, and conflicts between versions.
    pub fn problems(&self) -> &[Diagnostic] {
        &self.broken
    }

    /// Indices of the versions of `id` under the rules root.
    pub fn versions(&self, id: &str) -> Vec<usize> {
        (0..self.entries.len())
            .filter(|&i| !self.entries[i].external && self.entries[i].manifest.id == id)
            .collect()
    }

    fn ids(&self) -> Vec<&str> {
        let mut ids: Vec<&str> = self
            .entries
            .iter()
            .filter(|e| !e.external)
            .map(|e| e.manifest.id.as_str())
            .collect();
        ids.dedup();
        ids
    }

    /// The pack for a request from `country` screened as of `as_of`: the one whose country
    /// matches and whose validity covers the date. None or several is an error naming the
    /// candidates.
    pub fn select(&self, country: &str, as_of: Date) -> Result<usize, Diagnostic> {
        if !self.broken.is_empty() {
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
        let for_country: Vec<usize> = (0..self.entries.len())
            .filter(|&i| {
                !self.entries[i].external
                    && self.entries[i].manifest.country.as_deref() == Some(country)
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
                format!("no pack `{id}` under `{}`", self.root_display),
            )
            .help(help));
        }
        if let Some(version) = version {
            return versions
                .iter()
                .copied()
                .find(|&i| self.entries[i].manifest.version == version)
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

    fn valid_on(&self, indices: &[usize], date: Date) -> Vec<usize> {
        indices
            .iter()
            .copied()
            .filter(|&i| self.entries[i].manifest.covers(date))
            .collect()
    }

    fn describe(&self, indices: &[usize]) -> String {
        indices
            .iter()
            .map(|&i| {
                let e = &self.entries[i];
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

    /// The snapshot of the files of the pack at `index` (not its ancestors): read the first
    /// time it is asked for, and never again. Its signature (`pack.sig`) is checked from here.
    pub fn files(&self, index: usize) -> Result<Arc<PackFiles>, Vec<Diagnostic>> {
        crate::resolve::read_files(self, index)
    }

    /// Resolve the pack at `index`: linearise its ancestors, read its files, compute digests.
    /// Parents with several versions resolve at `as_of`.
    pub fn source(
        &self,
        index: usize,
        as_of: Option<Date>,
    ) -> Result<Arc<PackSource>, Vec<Diagnostic>> {
        crate::resolve::source(self, index, as_of)
    }

    /// The source of the pack at `index`, if [`Catalog::source`] resolved it already.
    pub fn cached_source(&self, index: usize, as_of: Option<Date>) -> Option<Arc<PackSource>> {
        crate::resolve::cached_source(self, index, as_of)
    }

    /// [`Catalog::source`], doing `work` on the pack's layers (compiling them, say) while the
    /// digests are computed on another thread. The layers are those of the returned source.
    pub fn source_while<R>(
        &self,
        index: usize,
        as_of: Option<Date>,
        work: impl FnOnce(&[PackLayer]) -> R,
    ) -> Result<(Arc<PackSource>, R), Vec<Diagnostic>> {
        crate::resolve::source_while(self, index, as_of, work)
    }
}

fn lower_le_upper(from: Option<Date>, to: Option<Date>) -> bool {
    match (from, to) {
        (Some(from), Some(to)) => from <= to,
        _ => true,
    }
}

fn load_entry(dir: &Path, display: &str, external: bool) -> Result<PackEntry, Vec<Diagnostic>> {
    let manifest_display = display_join(display, "pack.toml");
    let bytes = read::read_regular(&dir.join("pack.toml"), MAX_FILE_BYTES, Links::Refuse)
        .map_err(|e| vec![e.diagnostic(&manifest_display)])?;
    let text = std::str::from_utf8(&bytes).map_err(|_| {
        vec![
            Diagnostic::error(Code::P002, "manifest is not UTF-8 text")
                .at(&manifest_display, Pos::NONE),
        ]
    })?;
    let manifest = manifest::parse(text, &manifest_display)?;
    Ok(PackEntry {
        dir: dir.to_path_buf(),
        display: display.to_string(),
        manifest,
        external,
        manifest_bytes: bytes.into(),
    })
}
