//! A pack found on disk: its folder, how people see it, and its manifest, read once when the
//! pack is found (the digest covers exactly those bytes).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use tcscreen_core::{Code, Diagnostic, Pos};

use crate::manifest::{self, Manifest};
use crate::read::{self, Links, MAX_FILE_BYTES};

/// A pack found under the rules root (or named by path).
#[derive(Clone, Debug)]
pub struct PackEntry {
    /// The pack folder on this machine (only ever read through the loader).
    pub dir: PathBuf,
    /// The folder as people see it.
    pub display: String,
    /// Its manifest, parsed from `manifest_bytes`.
    pub manifest: Manifest,
    /// Named by `--pack PATH` from outside the rules root: never a parent or auto-selected.
    pub external: bool,
    /// The bytes of `pack.toml` that `manifest` was parsed from, read once at discovery: the
    /// digest covers exactly these.
    pub manifest_bytes: Arc<[u8]>,
}

impl PackEntry {
    /// `id version` for messages.
    pub fn label(&self) -> String {
        format!("`{}` {}", self.manifest.id, self.manifest.version)
    }

    /// The manifest's display path.
    pub fn manifest_display(&self) -> String {
        display_join(&self.display, "pack.toml")
    }

    /// The manifest's text, as read at discovery.
    pub fn manifest_text(&self) -> std::borrow::Cow<'_, str> {
        String::from_utf8_lossy(&self.manifest_bytes)
    }
}

/// Join a display folder and a path inside the pack.
pub fn display_join(dir: &str, inner: &str) -> String {
    if dir.is_empty() || dir == "." {
        inner.to_string()
    } else {
        format!("{}/{inner}", dir.trim_end_matches('/'))
    }
}

/// Read the manifest of the pack in `dir`, shown to people as `display`.
pub(crate) fn load_entry(
    dir: &Path,
    display: &str,
    external: bool,
) -> Result<PackEntry, Vec<Diagnostic>> {
    let manifest_display = display_join(display, "pack.toml");
    let bytes = read::read_regular(&dir.join("pack.toml"), MAX_FILE_BYTES, Links::Refuse)
        .map_err(|e| vec![e.diagnostic(&manifest_display)])?;
    let text = std::str::from_utf8(&bytes).map_err(|_| {
        vec![
            Diagnostic::error(Code::P002, "manifest is not UTF-8 text")
                .at(&manifest_display, Pos::NONE),
        ]
    })?;
    let manifest = manifest::parse(text, &manifest_display)?;
    Ok(PackEntry {
        dir: dir.to_path_buf(),
        display: display.to_string(),
        manifest,
        external,
        manifest_bytes: bytes.into(),
    })
}
