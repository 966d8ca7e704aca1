//! What a catalog has read and resolved, kept so that it is done once whatever the number of
//! threads asking: each pack's files (read at most once, ever: a pack is never read twice, so
//! what is signed is what runs), and each resolved chain of packs.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError};

use tcscreen_core::{Diagnostic, ResolvedPack};

use crate::files::PackFiles;

/// A pack's files, or why they could not be read (kept either way).
pub(crate) type FilesResult = Result<Arc<PackFiles>, Vec<Diagnostic>>;

/// The snapshots of a catalog's packs and the packs resolved from them.
#[derive(Debug, Default)]
pub(crate) struct Snapshots {
    /// By pack index: a cell filled by the first thread that asks.
    files: Mutex<HashMap<usize, Arc<OnceLock<FilesResult>>>>,
    /// By precedence order (the pack, then its ancestors).
    resolved: Mutex<HashMap<Vec<usize>, Arc<ResolvedPack>>>,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Snapshots {
    /// The files of the pack at `index`, read with `read` the first time only.
    pub(crate) fn files(&self, index: usize, read: impl FnOnce() -> FilesResult) -> FilesResult {
        // The map's lock is released before reading: other packs are read meanwhile.
        let cell = lock(&self.files).entry(index).or_default().clone();
        cell.get_or_init(read).clone()
    }

    /// The pack resolved for `order`, if it was.
    pub(crate) fn resolved(&self, order: &[usize]) -> Option<Arc<ResolvedPack>> {
        lock(&self.resolved).get(order).cloned()
    }

    /// Keep the pack resolved for `order`.
    pub(crate) fn remember(&self, order: Vec<usize>, pack: ResolvedPack) -> Arc<ResolvedPack> {
        let pack = Arc::new(pack);
        lock(&self.resolved).insert(order, pack.clone());
        pack
    }
}
