//! The IATI files an import or a screening names: files as given, the `*.xml` files of
//! folders (walked in name order, hidden files skipped, links not followed), or `-` for
//! standard input.

use std::fs::File;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

/// An IATI file to read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum XmlSource {
    /// A file.
    File(PathBuf),
    /// Standard input.
    Stdin,
}

impl XmlSource {
    /// The name shown to people (`-` for stdin).
    pub fn name(&self) -> String {
        match self {
            XmlSource::File(path) => path.to_string_lossy().to_string(),
            XmlSource::Stdin => "-".into(),
        }
    }

    /// Open it for reading.
    pub fn open(&self) -> io::Result<Box<dyn Read + Send>> {
        match self {
            XmlSource::File(path) => {
                let file = File::open(path)?;
                if !file.metadata()?.is_file() {
                    return Err(io::Error::new(
                        io::ErrorKind::InvalidInput,
                        "it is not a regular file",
                    ));
                }
                Ok(Box::new(file))
            }
            XmlSource::Stdin => Ok(Box::new(io::stdin())),
        }
    }
}

/// Whether a path names an XML file by its extension.
pub fn is_xml(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("xml"))
}

/// The sources named by arguments: `-`, files, and folders' `*.xml` files. A name that does
/// not exist is an error with its name.
pub fn sources(args: &[String]) -> Result<Vec<XmlSource>, String> {
    let mut found = Vec::new();
    for arg in args {
        if arg == "-" {
            found.push(XmlSource::Stdin);
            continue;
        }
        let path = Path::new(arg);
        if path.is_dir() {
            let walker = walkdir::WalkDir::new(path)
                .follow_links(false)
                .sort_by_file_name()
                .into_iter()
                .filter_entry(|e| {
                    e.depth() == 0 || !e.file_name().to_string_lossy().starts_with('.')
                });
            for entry in walker {
                let entry = entry.map_err(|e| format!("{arg}: cannot read: {e}"))?;
                if entry.file_type().is_file() && is_xml(entry.path()) {
                    found.push(XmlSource::File(entry.path().to_path_buf()));
                }
            }
        } else if path.exists() {
            found.push(XmlSource::File(path.to_path_buf()));
        } else {
            return Err(format!("{arg}: no such file or folder"));
        }
    }
    Ok(found)
}
