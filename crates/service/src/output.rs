//! Where results go: stdout, or `--out FILE` written to a temporary file beside it and renamed
//! into place when the batch completes, so a reader never sees half a file. A file is written
//! through a large buffer, and on Linux its bytes are handed to the disk as they come
//! ([`WRITEBACK_EVERY`]), so the `fsync` that ends the batch has little left to do and does
//! not stand alone at the end of a large batch (see docs/performance.md, section 9).

use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use tempfile::NamedTempFile;

/// Bytes of the buffer in front of a file (a record is about 15 KB).
const FILE_BUFFER_BYTES: usize = 1 << 20;

/// Bytes written to a file between two requests to start writing them to the disk.
const WRITEBACK_EVERY: u64 = 32 << 20;

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
        /// Bytes given to the buffer so far.
        written: u64,
        /// Bytes of the file the kernel has been asked to write to the disk.
        handed_over: u64,
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
                    temp: BufWriter::with_capacity(FILE_BUFFER_BYTES, temp),
                    target: target.to_path_buf(),
                    written: 0,
                    handed_over: 0,
                })
            }
        }
    }

    /// Flush, and move a temporary file into place (durably).
    pub fn finish(self) -> io::Result<()> {
        match self {
            Output::Stdout(mut w) => w.flush(),
            Output::File { temp, target, .. } => {
                let temp = temp.into_inner().map_err(io::IntoInnerError::into_error)?;
                temp.as_file().sync_all()?;
                temp.persist(&target).map_err(|e| e.error)?;
                Ok(())
            }
        }
    }
}

impl Output {
    /// After a write to a file: once [`WRITEBACK_EVERY`] more bytes have reached it, ask the
    /// kernel to start writing them to the disk, without waiting for it.
    fn hand_over(&mut self) {
        if let Output::File {
            temp,
            written,
            handed_over,
            ..
        } = self
        {
            let in_file = *written - temp.buffer().len() as u64;
            if in_file >= *handed_over + WRITEBACK_EVERY {
                start_writeback(
                    temp.get_ref().as_file(),
                    *handed_over,
                    in_file - *handed_over,
                );
                *handed_over = in_file;
            }
        }
    }
}

impl Write for Output {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        let taken = match self {
            Output::Stdout(w) => w.write(bytes),
            Output::File { temp, written, .. } => {
                let taken = temp.write(bytes)?;
                *written += taken as u64;
                Ok(taken)
            }
        }?;
        self.hand_over();
        Ok(taken)
    }

    fn write_all(&mut self, bytes: &[u8]) -> io::Result<()> {
        match self {
            Output::Stdout(w) => w.write_all(bytes)?,
            Output::File { temp, written, .. } => {
                temp.write_all(bytes)?;
                *written += bytes.len() as u64;
            }
        }
        self.hand_over();
        Ok(())
    }

    /// Flushes the buffer only: [`Output::finish`] puts a file in place.
    fn flush(&mut self) -> io::Result<()> {
        match self {
            Output::Stdout(w) => w.flush(),
            Output::File { temp, .. } => temp.flush(),
        }
    }
}

/// Ask the kernel to start writing `len` bytes of `file` from `offset` to the disk, without
/// waiting. Only a hint: the `fsync` in [`Output::finish`] is what makes the file durable, so a
/// failure here changes nothing but when the bytes are written.
#[cfg(target_os = "linux")]
#[allow(
    unsafe_code,
    reason = "sync_file_range has no safe wrapper in std; it only reads the open descriptor"
)]
fn start_writeback(file: &std::fs::File, offset: u64, len: u64) {
    use std::os::fd::AsRawFd;
    let (Ok(offset), Ok(len)) = (i64::try_from(offset), i64::try_from(len)) else {
        return;
    };
    // SAFETY: the descriptor belongs to `file`, open for the whole call; no memory is passed.
    unsafe {
        libc::sync_file_range(file.as_raw_fd(), offset, len, libc::SYNC_FILE_RANGE_WRITE);
    }
}

#[cfg(not(target_os = "linux"))]
fn start_writeback(_file: &std::fs::File, _offset: u64, _len: u64) {}

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

#[cfg(test)]
mod tests {
    use super::*;

    /// A file larger than [`WRITEBACK_EVERY`], written in record-sized pieces through both write
    /// calls, arrives whole and in order, and only when the batch finishes.
    #[test]
    fn a_large_file_is_written_whole_and_put_in_place_at_the_end() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("out.jsonl");
        let mut output = Output::open(Some(&target)).unwrap();
        let mut expected = Vec::new();
        let mut line = 0u64;
        while (expected.len() as u64) < WRITEBACK_EVERY * 2 + 12_345 {
            let record = format!("{{\"n\":{line},\"pad\":\"{}\"}}\n", "x".repeat(15_000));
            if line.is_multiple_of(2) {
                output.write_all(record.as_bytes()).unwrap();
            } else {
                let mut rest = record.as_bytes();
                while !rest.is_empty() {
                    let taken = output.write(rest).unwrap();
                    rest = &rest[taken..];
                }
            }
            expected.extend_from_slice(record.as_bytes());
            line += 1;
        }
        let Output::File { handed_over, .. } = &output else {
            panic!("a file output")
        };
        assert!(*handed_over >= WRITEBACK_EVERY, "handed over {handed_over}");
        assert!(!target.exists(), "nothing in place before the end");
        output.finish().unwrap();
        assert!(std::fs::read(&target).unwrap() == expected);
    }
}
