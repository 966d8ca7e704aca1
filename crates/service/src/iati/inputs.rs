//! IATI XML as requests to screen (`tcscreen screen FILE.xml`, `POST /v1/screen/batch` with an
//! XML body, the Portfolio page): each draft request becomes an [`Item`] located at its
//! activity's line; a problem with the file or an activity becomes an item that is reported
//! and not screened; activities left out are not items, but are kept, with the counts, in an
//! [`ImportLog`] the caller reads once the batch is done. Drafts are received on the day of
//! the import, so they are screened as of that day unless another date is given.

use std::io::Read;
use std::sync::{Arc, Mutex};

use tcscreen_core::{InputError, Pos};

use super::importer::{ImportCounts, Imported, Importer, Skipped};
use super::mapping::ImportOptions;
use super::pretty::to_line;
use crate::item::{Item, Location};

/// What the imports of a batch left out, and their counts, file by file.
#[derive(Clone, Debug, Default)]
pub struct ImportLog {
    files: Arc<Mutex<Vec<FileImport>>>,
}

/// The import of one file.
#[derive(Clone, Debug, Default)]
pub struct FileImport {
    /// The file as shown.
    pub file: String,
    /// Its counts.
    pub counts: ImportCounts,
    /// The activities left out, with why.
    pub skipped: Vec<Skipped>,
}

impl ImportLog {
    /// The files imported so far.
    pub fn files(&self) -> Vec<FileImport> {
        self.files.lock().map(|f| f.clone()).unwrap_or_default()
    }

    /// The counts of every file.
    pub fn total(&self) -> ImportCounts {
        let mut total = ImportCounts::default();
        for file in self.files() {
            total.add(&file.counts);
        }
        total
    }

    fn start(&self, file: &str) -> usize {
        let mut files = self.files.lock().unwrap_or_else(|e| e.into_inner());
        files.push(FileImport {
            file: file.to_string(),
            ..FileImport::default()
        });
        files.len() - 1
    }

    fn update(&self, at: usize, change: impl FnOnce(&mut FileImport)) {
        let mut files = self.files.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(file) = files.get_mut(at) {
            change(file);
        }
    }
}

/// The items of one IATI file.
pub struct XmlItems<R: Read> {
    importer: Importer<R>,
    file: String,
    log: ImportLog,
    at: usize,
}

impl<R: Read> XmlItems<R> {
    /// The items of `source`, shown as `file`, imported with `options`; what is left out goes
    /// to `log`.
    pub fn new(source: R, file: &str, options: ImportOptions, log: &ImportLog) -> XmlItems<R> {
        let at = log.start(file);
        XmlItems {
            importer: Importer::new(source, options),
            file: file.to_string(),
            log: log.clone(),
            at,
        }
    }
}

impl<R: Read> Iterator for XmlItems<R> {
    type Item = Item;

    fn next(&mut self) -> Option<Item> {
        loop {
            let Some(imported) = self.importer.next() else {
                let counts = self.importer.counts();
                self.log.update(self.at, |f| f.counts = counts);
                return None;
            };
            let counts = self.importer.counts();
            match imported {
                Imported::Draft(draft) => {
                    self.log.update(self.at, |f| f.counts = counts);
                    return Some(Item {
                        location: Location::line(self.file.clone(), draft.place.line as usize),
                        text: Ok(to_line(&draft.request)),
                    });
                }
                Imported::Problem(problem) => {
                    self.log.update(self.at, |f| f.counts = counts);
                    let message = match &problem.activity {
                        Some(id) => format!("activity {id}: {}", problem.message),
                        None => problem.message.clone(),
                    };
                    return Some(Item {
                        location: Location::line(self.file.clone(), problem.place.line as usize),
                        text: Err(InputError {
                            code: problem.code,
                            path: String::new(),
                            pos: Pos::new(
                                u32::try_from(problem.place.line).unwrap_or(u32::MAX),
                                u32::try_from(problem.place.column).unwrap_or(u32::MAX),
                            ),
                            message,
                            help: problem.help.clone(),
                            advice: None,
                        }),
                    });
                }
                Imported::Skipped(skipped) => self.log.update(self.at, |f| {
                    f.counts = counts;
                    f.skipped.push(skipped);
                }),
            }
        }
    }
}
