//! Draft requests written into a folder (`import iati --out DIR`): one file per activity and
//! country, `<identifier>.<country>.json`, each written to a temporary file and renamed into
//! place. A file that exists is not replaced unless asked (`--replace`): drafts are completed
//! by hand, and a second import must not wipe that work.

use std::collections::HashSet;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use super::importer::Draft;
use super::pretty::to_pretty;

/// A folder of drafts.
pub struct DraftFolder {
    dir: PathBuf,
    replace: bool,
    written: HashSet<PathBuf>,
}

/// Why a draft was not written.
#[derive(Debug)]
pub enum NotWritten {
    /// The file exists and `--replace` was not given.
    Exists(PathBuf),
    /// Writing failed.
    Failed(PathBuf, io::Error),
}

impl DraftFolder {
    /// The folder `dir`, created if missing.
    pub fn open(dir: &Path, replace: bool) -> io::Result<DraftFolder> {
        std::fs::create_dir_all(dir)?;
        Ok(DraftFolder {
            dir: dir.to_path_buf(),
            replace,
            written: HashSet::new(),
        })
    }

    /// The file name of a draft: its identifier with every character but letters, digits,
    /// `.`, `_` and `-` replaced by `_`, then its country, lower case.
    pub fn file_name(identifier: &str, country: &str) -> String {
        let safe: String = identifier
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        let safe = safe.trim_start_matches('.');
        format!("{safe}.{}.json", country.to_ascii_lowercase())
    }

    /// Write a draft; its path.
    pub fn write(&mut self, draft: &Draft) -> Result<PathBuf, NotWritten> {
        let name = Self::file_name(&draft.identifier, &draft.country);
        let mut path = self.dir.join(&name);
        // Two activities of one import with the same (cleaned) identifier: number the next.
        let mut n = 2;
        while self.written.contains(&path) {
            path = self.dir.join(name.replace(".json", &format!("-{n}.json")));
            n += 1;
        }
        if !self.replace && path.exists() {
            return Err(NotWritten::Exists(path));
        }
        let result = (|| {
            let mut temp = tempfile::Builder::new()
                .prefix(".tcscreen-")
                .suffix(".tmp")
                .tempfile_in(&self.dir)?;
            temp.write_all(to_pretty(&draft.request).as_bytes())?;
            temp.as_file().sync_all()?;
            temp.persist(&path).map_err(|e| e.error)?;
            Ok(())
        })();
        match result {
            Ok(()) => {
                self.written.insert(path.clone());
                Ok(path)
            }
            Err(e) => Err(NotWritten::Failed(path, e)),
        }
    }
}
