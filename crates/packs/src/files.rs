//! Reading one pack folder into memory, once: the snapshot that the digest, the signature
//! check, parsing and compiling all use.
//!
//! `pack.toml` is read when the pack is discovered (its bytes travel in the [`PackEntry`]);
//! `rules/**/*.rhai`, `lib/**/*.rhai`, `data/*.json` and `pack.sig` are read here, each once,
//! as regular files of bounded size (see [`crate::read`]); symbolic links, hidden files, named
//! pipes and devices are refused without being opened. Nothing downstream opens a pack file
//! again: a file changed on disk after this point changes nothing that runs or is reported.
//! `tests/`, `README.md` and anything else at the top of the pack are left alone.

use std::path::Path;
use std::sync::Arc;

use tcscreen_core::{Code, Diagnostic, PackFile, Pos};
use walkdir::WalkDir;

use crate::entry::{PackEntry, display_join};
use crate::read::{
    self, Links, MAX_FILE_BYTES, MAX_KEY_FILE_BYTES, MAX_PACK_BYTES, MAX_PACK_ENTRIES,
};

/// The file a pack's signature lives in (not part of the digest).
pub const SIGNATURE_FILE: &str = "pack.sig";

/// The files of a pack that the loader reads, with their bytes: a snapshot taken once.
#[derive(Clone, Debug, Default)]
pub struct PackFiles {
    /// `pack.toml`, as read when the pack was discovered.
    pub manifest: Arc<[u8]>,
    /// `rules/**/*.rhai`, sorted by path.
    pub rules: Vec<PackFile>,
    /// `lib/**/*.rhai`, sorted by path.
    pub libs: Vec<PackFile>,
    /// `data/*.json`: (stem, file), sorted by path.
    pub data: Vec<(String, PackFile)>,
    /// `pack.sig`, if the pack has one (not part of the digest).
    pub signature: Option<Vec<u8>>,
    /// Every file of the digest, as (path inside the pack, bytes).
    pub digest_entries: Vec<(String, Arc<[u8]>)>,
}

/// Read the files of the pack `entry` (all but its manifest, which discovery read).
pub fn read_pack(entry: &PackEntry) -> Result<PackFiles, Vec<Diagnostic>> {
    read_pack_at(&entry.dir, &entry.display, entry.manifest_bytes.clone())
}

/// Read the files of the pack in `dir`, shown to people as `display_dir`, whose manifest
/// bytes are `manifest`.
pub(crate) fn read_pack_at(
    dir: &Path,
    display_dir: &str,
    manifest: Arc<[u8]>,
) -> Result<PackFiles, Vec<Diagnostic>> {
    let mut files = PackFiles {
        digest_entries: vec![("pack.toml".to_string(), manifest.clone())],
        manifest,
        ..PackFiles::default()
    };
    let mut errors = Vec::new();
    let mut budget = PackBudget {
        bytes: files.manifest.len() as u64,
        entries: 0,
    };
    let walker = WalkDir::new(dir)
        .min_depth(1)
        .follow_links(false)
        .sort_by_file_name();
    for entry in walker {
        let entry = match entry {
            Ok(entry) => entry,
            Err(e) => {
                let path = e
                    .path()
                    .map(|p| p.display().to_string())
                    .unwrap_or_else(|| display_dir.to_string());
                errors.push(
                    Diagnostic::error(Code::P001, format!("cannot read: {e}")).at(path, Pos::NONE),
                );
                continue;
            }
        };
        budget.entries += 1;
        if budget.entries > MAX_PACK_ENTRIES {
            errors.push(
                Diagnostic::error(
                    Code::P017,
                    format!("pack too large: more than {MAX_PACK_ENTRIES} files and folders"),
                )
                .at(display_dir, Pos::NONE)
                .help("a pack holds its rules, lib/ modules and data tables; move other material out of its folder"),
            );
            break;
        }
        let Ok(relative) = entry.path().strip_prefix(dir) else {
            continue;
        };
        let Some(inner) = relative.to_str().map(|s| s.replace('\\', "/")) else {
            errors.push(
                Diagnostic::error(Code::P007, "file name is not valid UTF-8")
                    .at(entry.path().display().to_string(), Pos::NONE),
            );
            continue;
        };
        let display = display_join(display_dir, &inner);
        if let Some(refused) = refused(&entry, &display) {
            errors.push(refused);
            continue;
        }
        let top = inner.split('/').next().unwrap_or_default();
        let is_dir = entry.file_type().is_dir();
        match top {
            // Read when the pack was discovered; never again.
            "pack.toml" => {}
            SIGNATURE_FILE if !is_dir => {
                match budget.read(entry.path(), &display, MAX_KEY_FILE_BYTES) {
                    Ok(bytes) => files.signature = Some(bytes.to_vec()),
                    Err(e) => errors.push(e),
                }
            }
            "data" if is_dir && inner != "data" => errors.push(
                Diagnostic::error(Code::P007, "folder inside data/")
                    .at(display, Pos::new(1, 1))
                    .help("data tables are files directly in data/, like data/rates.json"),
            ),
            "rules" | "lib" | "data" if is_dir => {}
            "rules" | "lib" | "data" => {
                let wanted = if top == "data" { ".json" } else { ".rhai" };
                if !inner.ends_with(wanted) {
                    errors.push(
                        Diagnostic::error(Code::P007, format!("unexpected file in {top}/"))
                            .at(display, Pos::new(1, 1))
                            .help(format!(
                                "{top}/ holds only {wanted} files; move this one out of the pack"
                            )),
                    );
                    continue;
                }
                let bytes = match budget.read(entry.path(), &display, MAX_FILE_BYTES) {
                    Ok(bytes) => bytes,
                    Err(e) => {
                        errors.push(e);
                        continue;
                    }
                };
                if let Err(e) = files.add(top, &inner, display, bytes) {
                    errors.push(e);
                }
            }
            _ => {}
        }
    }
    if errors.is_empty() {
        Ok(files)
    } else {
        Err(errors)
    }
}

/// A hidden file or a link in a pack, refused without being opened.
fn refused(entry: &walkdir::DirEntry, display: &str) -> Option<Diagnostic> {
    if entry.file_name().to_string_lossy().starts_with('.') {
        return Some(
            Diagnostic::error(Code::P006, "hidden file in a pack")
                .at(display, Pos::new(1, 1))
                .help("packs may not hold hidden files; delete it or move it out of the pack"),
        );
    }
    if entry.path_is_symlink() {
        // The place is the link itself; its target is never opened (not even for a snippet:
        // diagnostics show only text the loader read).
        let mut d = read::ReadError::Link.diagnostic(display);
        d.pos = Pos::new(1, 1);
        return Some(d);
    }
    None
}

impl PackFiles {
    /// Keep the file `inner` (under `top`: rules, lib or data) read as `bytes`.
    fn add(
        &mut self,
        top: &str,
        inner: &str,
        display: String,
        bytes: Arc<[u8]>,
    ) -> Result<(), Diagnostic> {
        let Ok(text) = std::str::from_utf8(&bytes).map(str::to_string) else {
            return Err(Diagnostic::error(Code::P007, "file is not UTF-8 text")
                .at(display, Pos::new(1, 1))
                .help("save it as UTF-8"));
        };
        self.digest_entries.push((inner.to_string(), bytes));
        let source = PackFile {
            path: inner.to_string(),
            display,
            text,
        };
        match top {
            "rules" => self.rules.push(source),
            "lib" => self.libs.push(source),
            _ => {
                let stem = inner
                    .trim_start_matches("data/")
                    .trim_end_matches(".json")
                    .to_string();
                let ok = stem
                    .chars()
                    .next()
                    .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                    && stem.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
                if !ok {
                    return Err(Diagnostic::error(Code::P007, format!("data table name `{stem}` cannot be read as `data.{stem}`"))
                        .at(source.display, Pos::new(1, 1))
                        .help("name data files with letters, digits and `_`, like data/exchange_rates.json"));
                }
                self.data.push((stem, source));
            }
        }
        Ok(())
    }
}

/// What one pack folder has used of its limits so far.
struct PackBudget {
    bytes: u64,
    entries: usize,
}

impl PackBudget {
    /// Read a file of at most `limit` bytes that also fits in what is left of the pack's
    /// bytes; an error names the file (`display`).
    fn read(&mut self, path: &Path, display: &str, limit: u64) -> Result<Arc<[u8]>, Diagnostic> {
        let left = MAX_PACK_BYTES.saturating_sub(self.bytes);
        match read::read_regular(path, limit.min(left), Links::Refuse) {
            Ok(bytes) => {
                self.bytes += bytes.len() as u64;
                Ok(bytes.into())
            }
            Err(read::ReadError::TooLarge { .. }) if left < limit => Err(Diagnostic::error(
                Code::P017,
                format!(
                    "pack too large: with this file, the pack's files hold more than the limit of {MAX_PACK_BYTES} bytes"
                ),
            )
            .at(display, Pos::NONE)
            .help("split large data tables out into a pack of their own, or make them smaller")),
            Err(e) => Err(e.diagnostic(display)),
        }
    }
}
