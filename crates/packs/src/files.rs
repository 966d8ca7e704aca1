//! Reading one pack folder: the files the loader reads, with symlinks and hidden files refused.
//!
//! `pack.toml`, `rules/**/*.rhai`, `lib/**/*.rhai` and `data/*.json` are read (and make up the
//! digest); `tests/`, `README.md` and anything else at the top of the pack are left alone.

use std::path::Path;

use tcscreen_core::{Diagnostic, Pos, SourceFile};
use walkdir::WalkDir;

/// The files of a pack that the loader reads, with their bytes.
#[derive(Clone, Debug, Default)]
pub struct PackFiles {
    /// `pack.toml`.
    pub manifest: Vec<u8>,
    /// `rules/**/*.rhai`, sorted by path.
    pub rules: Vec<SourceFile>,
    /// `lib/**/*.rhai`, sorted by path.
    pub libs: Vec<SourceFile>,
    /// `data/*.json`: (stem, file), sorted by path.
    pub data: Vec<(String, SourceFile)>,
    /// Every file read, as (path inside the pack, bytes), for the digest.
    pub digest_entries: Vec<(String, Vec<u8>)>,
}

/// Join a display folder and a path inside the pack.
pub fn display_join(dir: &str, inner: &str) -> String {
    if dir.is_empty() || dir == "." {
        inner.to_string()
    } else {
        format!("{}/{inner}", dir.trim_end_matches('/'))
    }
}

/// Read the files of the pack in `dir`; `display_dir` is how people see that folder.
pub fn read_pack(dir: &Path, display_dir: &str) -> Result<PackFiles, Vec<Diagnostic>> {
    let mut files = PackFiles::default();
    let mut errors = Vec::new();
    let mut has_manifest = false;
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
                    Diagnostic::error("P001", format!("cannot read: {e}")).at(path, Pos::NONE),
                );
                continue;
            }
        };
        let Ok(relative) = entry.path().strip_prefix(dir) else {
            continue;
        };
        let Some(inner) = relative.to_str().map(|s| s.replace('\\', "/")) else {
            errors.push(
                Diagnostic::error("P007", "file name is not valid UTF-8")
                    .at(entry.path().display().to_string(), Pos::NONE),
            );
            continue;
        };
        let display = display_join(display_dir, &inner);
        let name = entry.file_name().to_string_lossy();
        if name.starts_with('.') {
            errors.push(
                Diagnostic::error("P006", "hidden file in a pack")
                    .at(display, Pos::new(1, 1))
                    .help("packs may not hold hidden files; delete it or move it out of the pack"),
            );
            continue;
        }
        if entry.path_is_symlink() {
            errors.push(
                Diagnostic::error("P006", "symbolic link in a pack")
                    .at(display, Pos::new(1, 1))
                    .help("packs may not hold links; copy the file into the pack instead"),
            );
            continue;
        }
        let top = inner.split('/').next().unwrap_or_default();
        let is_dir = entry.file_type().is_dir();
        match top {
            "pack.toml" if !is_dir => match read(entry.path(), &display) {
                Ok(bytes) => {
                    files.digest_entries.push((inner.clone(), bytes.clone()));
                    files.manifest = bytes;
                    has_manifest = true;
                }
                Err(e) => errors.push(e),
            },
            "data" if is_dir && inner != "data" => errors.push(
                Diagnostic::error("P007", "folder inside data/")
                    .at(display, Pos::new(1, 1))
                    .help("data tables are files directly in data/, like data/rates.json"),
            ),
            "rules" | "lib" | "data" if is_dir => {}
            "rules" | "lib" | "data" => {
                let wanted = if top == "data" { ".json" } else { ".rhai" };
                if !inner.ends_with(wanted) {
                    errors.push(
                        Diagnostic::error("P007", format!("unexpected file in {top}/"))
                            .at(display, Pos::new(1, 1))
                            .help(format!(
                                "{top}/ holds only {wanted} files; move this one out of the pack"
                            )),
                    );
                    continue;
                }
                let bytes = match read(entry.path(), &display) {
                    Ok(bytes) => bytes,
                    Err(e) => {
                        errors.push(e);
                        continue;
                    }
                };
                let text = match String::from_utf8(bytes.clone()) {
                    Ok(text) => text,
                    Err(_) => {
                        errors.push(
                            Diagnostic::error("P007", "file is not UTF-8 text")
                                .at(display, Pos::new(1, 1))
                                .help("save it as UTF-8"),
                        );
                        continue;
                    }
                };
                files.digest_entries.push((inner.clone(), bytes));
                let source = SourceFile {
                    path: inner.clone(),
                    display,
                    text,
                };
                match top {
                    "rules" => files.rules.push(source),
                    "lib" => files.libs.push(source),
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
                        if ok {
                            files.data.push((stem, source));
                        } else {
                            errors.push(
                                Diagnostic::error("P007", format!("data table name `{stem}` cannot be read as `data.{stem}`"))
                                    .at(source.display, Pos::new(1, 1))
                                    .help("name data files with letters, digits and `_`, like data/exchange_rates.json"),
                            );
                        }
                    }
                }
            }
            _ => {}
        }
    }
    if !has_manifest && errors.is_empty() {
        errors.push(
            Diagnostic::error("P001", "no pack.toml in this folder").at(display_dir, Pos::NONE),
        );
    }
    if errors.is_empty() {
        Ok(files)
    } else {
        Err(errors)
    }
}

fn read(path: &Path, display: &str) -> Result<Vec<u8>, Diagnostic> {
    std::fs::read(path).map_err(|e| {
        Diagnostic::error("P001", format!("cannot read: {e}")).at(display, Pos::new(1, 1))
    })
}
