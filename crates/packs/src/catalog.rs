//! The packs under a rules root: discovery, and the versions of an id (spec §3). Choosing
//! the pack for a request is `selection.rs`; resolving a pack with its ancestors is
//! `resolve.rs`.
//!
//! Discovery reads only manifests, each once (their bytes are kept: they are the manifests
//! the digest covers). A folder holding `pack.toml` is a pack and is not searched further;
//! hidden folders are skipped and links are not followed. Versions of one id must not overlap
//! in validity.

use std::path::Path;

use tcscreen_core::{Code, Date, Diagnostic, Pos};
use walkdir::WalkDir;

use crate::cache::Snapshots;
use crate::entry::{PackEntry, display_join, load_entry};

/// Every pack under a rules root.
#[derive(Debug)]
pub struct Catalog {
    pub(crate) root_display: String,
    pub(crate) entries: Vec<PackEntry>,
    pub(crate) broken: Vec<Diagnostic>,
    /// Packs beyond the bounds on inheritance (`bounds.rs`), never resolved, by index.
    pub(crate) out_of_bounds: std::collections::BTreeMap<usize, Diagnostic>,
    cache: Snapshots,
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
        catalog.check_bounds();
        if catalog.out_of_bounds.len() < catalog.entries.len() {
            catalog.check_versions();
        }
        Ok(catalog)
    }

    fn new(root_display: &str, entries: Vec<PackEntry>, broken: Vec<Diagnostic>) -> Catalog {
        Catalog {
            root_display: root_display.to_string(),
            entries,
            broken,
            out_of_bounds: Default::default(),
            cache: Snapshots::default(),
        }
    }

    /// Refuse the packs whose inheritance reaches too far (and every pack of a folder with too
    /// many), before anything about them is resolved.
    fn check_bounds(&mut self) {
        let (refused, mut problems) = crate::bounds::check(&self.entries);
        self.excerpt_manifests(&mut problems);
        let each = problems.len() == refused.len();
        for (n, &i) in refused.iter().enumerate() {
            let problem = problems[if each { n } else { 0 }].clone();
            self.out_of_bounds.insert(i, problem);
        }
        self.broken.extend(problems);
    }

    /// Why the pack at `index` is never resolved, if it is beyond the bounds on inheritance.
    pub(crate) fn out_of_bounds(&self, index: usize) -> Option<&Diagnostic> {
        self.out_of_bounds.get(&index)
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

    /// The ids of the packs under the rules root.
    pub(crate) fn ids(&self) -> Vec<&str> {
        let mut ids: Vec<&str> = self
            .entries
            .iter()
            .filter(|e| !e.external)
            .map(|e| e.manifest.id.as_str())
            .collect();
        ids.dedup();
        ids
    }

    /// What this catalog has read and resolved.
    pub(crate) fn cache(&self) -> &Snapshots {
        &self.cache
    }
}

fn lower_le_upper(from: Option<Date>, to: Option<Date>) -> bool {
    match (from, to) {
        (Some(from), Some(to)) => from <= to,
        _ => true,
    }
}
