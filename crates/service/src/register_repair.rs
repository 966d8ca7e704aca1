//! `register repair --truncate-torn-tail`: drop the last line of a register when, and only
//! when, a crash cut it off during an append. Nothing else is ever repaired: any other damage
//! is reported and the file is left as it was (docs/audit.md, "Repairing a damaged register").

use std::fs::OpenOptions;
use std::path::Path;

use crate::register::Damage;
use crate::register_file;

/// What `register repair --truncate-torn-tail` did.
#[derive(Debug, PartialEq, Eq)]
pub enum TornTail {
    /// The file ends with a complete line: nothing to do.
    None,
    /// The unterminated last line (its bytes) was dropped; the register ends at this entry.
    Dropped {
        /// The bytes dropped.
        line: Vec<u8>,
        /// The last entry left.
        last_seq: u64,
    },
}

/// Drop the last line of a register if, and only if, it is unterminated and not a complete
/// entry: what a crash during an append leaves. `show` sees the line before it goes. Anything
/// else wrong with the register is an error, and the file is left as it was.
pub fn truncate_torn_tail(path: &Path, show: impl FnOnce(&[u8])) -> Result<TornTail, String> {
    let file = register_file::open_regular(path, OpenOptions::new().read(true).write(true))?;
    file.lock()
        .map_err(|e| format!("cannot lock the register {}: {e}", path.display()))?;
    let bytes = register_file::read_whole(path)?;
    if bytes.is_empty() || bytes.ends_with(b"\n") {
        return Ok(TornTail::None);
    }
    let keep = bytes
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |newline| newline + 1);
    let complete_lines = bytes[..keep].iter().filter(|&&b| b == b'\n').count() as u64;
    match crate::register_scan::scan(path, None, |_| {}) {
        Ok(_) => Err(format!(
            "the last entry of {} is complete but has no line end, so it is not torn; nothing was changed (add the line end by hand, e.g. `echo >> {}`, then verify)",
            path.display(),
            path.display()
        )),
        Err((_, broken))
            if broken.damage == Damage::Truncated && broken.seq == complete_lines + 1 =>
        {
            show(&bytes[keep..]);
            file.set_len(keep as u64)
                .and_then(|()| file.sync_all())
                .map_err(|e| format!("cannot shorten the register {}: {e}", path.display()))?;
            Ok(TornTail::Dropped {
                line: bytes[keep..].to_vec(),
                last_seq: complete_lines,
            })
        }
        Err((_, broken)) => Err(format!(
            "the register {} is damaged at entry {} ({}): {}; that is not a torn last line, so nothing was changed (see \"Repairing a damaged register\" in docs/audit.md)",
            path.display(),
            broken.seq,
            broken.damage.as_str(),
            broken.message
        )),
    }
}
