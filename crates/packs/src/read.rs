//! Opening the files a pack, a signature or a key consists of: regular files only, of bounded
//! size, checked before a byte is read.
//!
//! A file is opened first and checked on the open handle (`fstat`), so what is checked is what
//! is read: a link swapped in, a named pipe (which would block a reader forever), a device
//! (`/dev/zero` never ends) or a file larger than its limit is refused with an error that
//! names it, and a file that grows after the check is cut at the limit and refused. On Unix,
//! pack files are opened with `O_NOFOLLOW` (a link is refused, never followed) and
//! `O_NONBLOCK` (opening a named pipe does not wait for a writer).

use std::fmt;
use std::fs::{File, OpenOptions};
use std::io::{self, Read};
use std::path::Path;

use tcscreen_core::{Code, Diagnostic, Pos};

/// The largest file of a pack the loader reads (`pack.toml`, a rule, a lib module, a data
/// table, a test file): 8 MiB.
pub const MAX_FILE_BYTES: u64 = 8 * 1024 * 1024;
/// The most bytes the loader reads from one pack folder (every file it reads, together): 32 MiB.
pub const MAX_PACK_BYTES: u64 = 32 * 1024 * 1024;
/// The most files (and folders) the loader looks at in one pack folder.
pub const MAX_PACK_ENTRIES: usize = 10_000;
/// The largest signature (`pack.sig`) or key file: 64 KiB (they hold a few hundred bytes).
pub const MAX_KEY_FILE_BYTES: u64 = 64 * 1024;

/// Whether a link may stand for the file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Links {
    /// Refuse a link without following it (every file of a pack).
    Refuse,
    /// Follow a link to a regular file (keys named by the operator: mounted secrets are links).
    Follow,
}

/// Why a file was not read.
#[derive(Debug)]
pub enum ReadError {
    /// It is a symbolic link.
    Link,
    /// It is not a regular file (a named pipe, a device, a socket, a folder).
    NotRegular(&'static str),
    /// It is larger than the limit.
    TooLarge {
        /// Its size in bytes, or `None` when it grew past the limit while being read.
        size: Option<u64>,
        /// The limit in bytes.
        limit: u64,
    },
    /// The system refused (not found, no permission…).
    Io(io::Error),
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReadError::Link => f.write_str("it is a symbolic link"),
            ReadError::NotRegular(kind) => write!(f, "it is {kind}, not a regular file"),
            ReadError::TooLarge {
                size: Some(size),
                limit,
            } => write!(
                f,
                "it is {} bytes, more than the limit of {} bytes",
                size, limit
            ),
            ReadError::TooLarge { size: None, limit } => write!(
                f,
                "it grew past the limit of {limit} bytes while it was read"
            ),
            ReadError::Io(e) => write!(f, "{e}"),
        }
    }
}

impl ReadError {
    /// The problem as a diagnostic located at `display` (how people see the file).
    pub fn diagnostic(&self, display: &str) -> Diagnostic {
        let d = match self {
            ReadError::Link => Diagnostic::error(Code::P006, "symbolic link in a pack")
                .help("packs may not hold links; copy the file into the pack instead"),
            ReadError::NotRegular(kind) => {
                Diagnostic::error(Code::P016, format!("not a regular file: it is {kind}"))
                    .help("a pack holds only regular files; remove this one from the pack")
            }
            ReadError::TooLarge { .. } => Diagnostic::error(
                Code::P017,
                format!("file too large: {self}"),
            )
            .help(
                "split the table or module into smaller files, or move bulky text out of the pack",
            ),
            ReadError::Io(e) => Diagnostic::error(Code::P001, format!("cannot read: {e}")),
        };
        d.at(display, Pos::NONE)
    }
}

/// Read the file at `path` whole, if it is a regular file of at most `limit` bytes.
pub fn read_regular(path: &Path, limit: u64, links: Links) -> Result<Vec<u8>, ReadError> {
    let file = open(path, links)?;
    let meta = file.metadata().map_err(ReadError::Io)?;
    if !meta.is_file() {
        return Err(ReadError::NotRegular(kind_of(&meta.file_type())));
    }
    if meta.len() > limit {
        return Err(ReadError::TooLarge {
            size: Some(meta.len()),
            limit,
        });
    }
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
    file.take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(ReadError::Io)?;
    if bytes.len() as u64 > limit {
        return Err(ReadError::TooLarge { size: None, limit });
    }
    Ok(bytes)
}

#[cfg(unix)]
fn open(path: &Path, links: Links) -> Result<File, ReadError> {
    use std::os::unix::fs::OpenOptionsExt;
    let mut flags = libc::O_NONBLOCK;
    if links == Links::Refuse {
        flags |= libc::O_NOFOLLOW;
    }
    match OpenOptions::new().read(true).custom_flags(flags).open(path) {
        Ok(file) => Ok(file),
        // O_NOFOLLOW on a link fails with ELOOP (EMLINK on some BSDs); say what it is.
        Err(_)
            if links == Links::Refuse
                && std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink()) =>
        {
            Err(ReadError::Link)
        }
        Err(e) => Err(ReadError::Io(e)),
    }
}

#[cfg(not(unix))]
fn open(path: &Path, links: Links) -> Result<File, ReadError> {
    // Without O_NOFOLLOW: check the name, then the handle (above). A link swapped in between
    // is read, but only as a regular file within the limit, and it is in the digest.
    if links == Links::Refuse
        && std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink())
    {
        return Err(ReadError::Link);
    }
    File::open(path).map_err(ReadError::Io)
}

/// A word for what a file is, for messages.
pub fn kind_of(file_type: &std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if file_type.is_fifo() {
            return "a named pipe (FIFO)";
        }
        if file_type.is_char_device() || file_type.is_block_device() {
            return "a device";
        }
        if file_type.is_socket() {
            return "a socket";
        }
    }
    if file_type.is_dir() {
        "a folder"
    } else if file_type.is_symlink() {
        "a symbolic link"
    } else if file_type.is_file() {
        "a regular file"
    } else {
        "a special file"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_regular_files_within_the_limit_only() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("f");
        std::fs::write(&file, b"12345").unwrap();
        assert_eq!(read_regular(&file, 5, Links::Refuse).unwrap(), b"12345");
        assert!(matches!(
            read_regular(&file, 4, Links::Refuse),
            Err(ReadError::TooLarge {
                size: Some(5),
                limit: 4
            })
        ));
        assert!(matches!(
            read_regular(dir.path(), 4, Links::Refuse),
            Err(ReadError::NotRegular("a folder"))
        ));
    }

    #[cfg(unix)]
    #[test]
    fn links_are_refused_or_followed_and_devices_never_read() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("target");
        std::fs::write(&target, b"secret").unwrap();
        let link = dir.path().join("link");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        assert!(matches!(
            read_regular(&link, 100, Links::Refuse),
            Err(ReadError::Link)
        ));
        assert_eq!(read_regular(&link, 100, Links::Follow).unwrap(), b"secret");
        let zero = dir.path().join("zero");
        std::os::unix::fs::symlink("/dev/zero", &zero).unwrap();
        assert!(matches!(
            read_regular(&zero, 100, Links::Follow),
            Err(ReadError::NotRegular("a device"))
        ));
    }
}
