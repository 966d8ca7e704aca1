//! The register's file itself, as the operator names it with `--register`: opened only if it
//! is a regular file (a named pipe or a device is refused at once, never read or waited on),
//! locked for appending with a note beside it saying which process holds it, checked before
//! every append to still be the file at its path.

use std::fs::{File, OpenOptions};
use std::io::Read;
use std::path::{Path, PathBuf};

/// Open `path` with `options`, refusing anything but a regular file before any byte is read
/// (opening a named pipe does not wait for a writer).
pub fn open_regular(path: &Path, options: &mut OpenOptions) -> Result<File, String> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK);
    }
    let file = options
        .open(path)
        .map_err(|e| format!("cannot open the register {}: {e}", path.display()))?;
    let meta = file
        .metadata()
        .map_err(|e| format!("cannot read the register {}: {e}", path.display()))?;
    if !meta.is_file() {
        return Err(format!(
            "the register {} is {}, not a regular file: a register is a file of JSON Lines; name a file",
            path.display(),
            tcscreen_packs::read::kind_of(&meta.file_type())
        ));
    }
    Ok(file)
}

/// The whole register, if it is a regular file.
pub fn read_whole(path: &Path) -> Result<Vec<u8>, String> {
    let mut file = open_regular(path, OpenOptions::new().read(true))?;
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    Ok(bytes)
}

/// The file beside a register that says which process holds its lock.
fn holder_note(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".holder");
    PathBuf::from(name)
}

/// Who holds the lock of the register at `path`, as its note says (`process 1234 (tcscreen
/// serve)`), if the note can be read.
pub fn holder(path: &Path) -> Option<String> {
    let note = tcscreen_packs::read::read_regular(
        &holder_note(path),
        256,
        tcscreen_packs::read::Links::Refuse,
    )
    .ok()?;
    let note = String::from_utf8_lossy(&note);
    let note = crate::escape::controls(note.trim());
    (!note.is_empty()).then(|| note.into_owned())
}

/// The exclusive lock of a register, held until dropped, with the note beside it.
pub struct Lock {
    note: PathBuf,
}

impl Lock {
    /// Take the exclusive lock of `file` (the register at `path`). If another process holds
    /// it, `waiting` is told at once who (from the note beside the register) before this waits
    /// for it.
    pub fn take(file: &File, path: &Path, waiting: &mut dyn FnMut(&str)) -> Result<Lock, String> {
        match file.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                let who = holder(path).unwrap_or_else(|| "another process".to_string());
                waiting(&format!(
                    "the register {} is held by {who}, which appends to it: waiting until it stops. While a server holds a register, record decisions and screenings through it (its pages or its API); or stop it, and this continues",
                    path.display()
                ));
                file.lock()
                    .map_err(|e| format!("cannot lock the register {}: {e}", path.display()))?;
            }
            Err(std::fs::TryLockError::Error(e)) => {
                return Err(format!("cannot lock the register {}: {e}", path.display()));
            }
        }
        let note = holder_note(path);
        let program = std::env::args()
            .next()
            .and_then(|p| {
                Path::new(&p)
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
            })
            .unwrap_or_else(|| "tcscreen".into());
        let verb = std::env::args().nth(1).unwrap_or_default();
        // The note is advice for people; the lock is what protects the register.
        let _ = std::fs::write(
            &note,
            format!("process {} ({program} {verb})\n", std::process::id()),
        );
        Ok(Lock { note })
    }
}

impl Drop for Lock {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.note);
    }
}

/// Which file a handle or a path names (device and inode), to notice a register replaced,
/// moved or deleted under the process that appends to it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Identity {
    device: u64,
    inode: u64,
}

impl Identity {
    /// The identity of an open file.
    pub fn of(file: &File) -> Option<Identity> {
        file.metadata().ok().and_then(|m| Identity::from_meta(&m))
    }

    /// The identity of the file at `path` now, if there is one.
    pub fn at(path: &Path) -> Option<Identity> {
        std::fs::metadata(path)
            .ok()
            .and_then(|m| Identity::from_meta(&m))
    }

    #[cfg(unix)]
    fn from_meta(meta: &std::fs::Metadata) -> Option<Identity> {
        use std::os::unix::fs::MetadataExt;
        Some(Identity {
            device: meta.dev(),
            inode: meta.ino(),
        })
    }

    #[cfg(not(unix))]
    fn from_meta(_: &std::fs::Metadata) -> Option<Identity> {
        None
    }
}

/// Refuse to go on appending when `path` no longer names the file opened as `opened`.
pub fn still_at_path(path: &Path, opened: Option<Identity>) -> std::io::Result<()> {
    let Some(opened) = opened else {
        return Ok(());
    };
    if Identity::at(path) == Some(opened) {
        return Ok(());
    }
    Err(std::io::Error::other(format!(
        "the register {} is no longer the file this process appends to (it was replaced, moved or deleted while held); nothing more is appended: stop this process, find the entries it appended in the file it held, and check every copy with `tcscreen register verify`",
        path.display()
    )))
}
