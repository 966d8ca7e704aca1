//! Where results go: stdout, or `--out FILE` written to a temporary file beside it and renamed
//! into place when the batch completes, so a reader never sees half a file.

use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use tempfile::NamedTempFile;

/// Where results go; written all at once at the end when it is a file.
pub enum Output {
    /// Standard output.
    Stdout(BufWriter<io::Stdout>),
    /// A temporary file that becomes `target` on [`Output::finish`].
    File {
        /// The file being written.
        temp: BufWriter<NamedTempFile>,
        /// Where it goes.
        target: PathBuf,
    },
}

impl Output {
    /// Stdout, or a temporary file next to `out`.
    pub fn open(out: Option<&Path>) -> io::Result<Output> {
        match out {
            None => Ok(Output::Stdout(BufWriter::new(io::stdout()))),
            Some(target) => {
                // Renaming over a device or directory would replace it (or fail late, after
                // the whole batch ran): refuse before any work is done.
                if std::fs::metadata(target).is_ok_and(|meta| !meta.is_file()) {
                    return Err(io::Error::new(
                        io::ErrorKind::InvalidInput,
                        "it exists and is not a regular file; \
                         give a file path, or omit --out to write to standard output",
                    ));
                }
                let dir = match target.parent() {
                    Some(p) if !p.as_os_str().is_empty() => p,
                    _ => Path::new("."),
                };
                let temp = tempfile::Builder::new()
                    .prefix(".tcscreen-")
                    .suffix(".tmp")
                    .tempfile_in(dir)?;
                Ok(Output::File {
                    temp: BufWriter::new(temp),
                    target: target.to_path_buf(),
                })
            }
        }
    }

    /// Flush, and move a temporary file into place (durably).
    pub fn finish(self) -> io::Result<()> {
        match self {
            Output::Stdout(mut w) => w.flush(),
            Output::File { temp, target } => {
                let temp = temp.into_inner().map_err(io::IntoInnerError::into_error)?;
                temp.as_file().sync_all()?;
                temp.persist(&target).map_err(|e| e.error)?;
                Ok(())
            }
        }
    }
}

impl Write for Output {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        match self {
            Output::Stdout(w) => w.write(bytes),
            Output::File { temp, .. } => temp.write(bytes),
        }
    }

    fn write_all(&mut self, bytes: &[u8]) -> io::Result<()> {
        match self {
            Output::Stdout(w) => w.write_all(bytes),
            Output::File { temp, .. } => temp.write_all(bytes),
        }
    }

    /// Flushes the buffer only: [`Output::finish`] puts a file in place.
    fn flush(&mut self) -> io::Result<()> {
        match self {
            Output::Stdout(w) => w.flush(),
            Output::File { temp, .. } => temp.flush(),
        }
    }
}

/// Whether two paths name the same file, existing or not (links, `.` and `..` resolved; hard
/// links too, on Unix).
pub fn same_file(a: &Path, b: &Path) -> bool {
    #[cfg(unix)]
    if let (Ok(x), Ok(y)) = (std::fs::metadata(a), std::fs::metadata(b)) {
        use std::os::unix::fs::MetadataExt;
        return (x.dev(), x.ino()) == (y.dev(), y.ino());
    }
    matches!((resolve(a), resolve(b)), (Some(x), Some(y)) if x == y)
}

/// Whether `path` (existing or not) is inside the folder `dir`, at any depth.
pub fn is_inside(path: &Path, dir: &Path) -> bool {
    matches!(
        (resolve(path), std::fs::canonicalize(dir)),
        (Some(p), Ok(d)) if p.starts_with(&d) && p != d
    )
}

/// The absolute path of `path` with links resolved; for a file that does not exist yet, its
/// folder resolved and its name appended.
fn resolve(path: &Path) -> Option<PathBuf> {
    if let Ok(path) = std::fs::canonicalize(path) {
        return Some(path);
    }
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    Some(std::fs::canonicalize(parent).ok()?.join(path.file_name()?))
}
