//! A portfolio upload read as it arrives: the files of a multipart form are passed, a chunk at
//! a time, from the request's task to a blocking thread, where [`UploadItems`] turns them into
//! requests (a `.json` file is one request, a `.jsonl` file one request a line, a `.xml` file
//! a provider's IATI activity data, imported with what it leaves out kept in an
//! [`ImportLog`]) for the
//! screening pipeline. Only a few chunks are in flight at once, so an upload is never held
//! whole; the sender counts the bytes against the upload limit. A page's small fields (the
//! CSRF token, a pasted request, one file) are read whole with [`read_field`], counted the
//! same way.

use std::io::{BufReader, Read};
use std::sync::{Arc, Mutex, PoisonError};

use axum::body::Bytes;
use axum::extract::Multipart;
use axum::extract::multipart::{Field, MultipartError};
use tcscreen_service::iati::inputs::ImportLog;
use tcscreen_service::{Inputs, Item, Location};
use tokio::sync::mpsc::{Receiver, Sender};

use crate::body::{request_text, too_large_error};
use crate::problem::ApiError;

/// Chunks in flight between the request's task and the blocking thread.
const CHUNKS_IN_FLIGHT: usize = 8;

/// One piece of the upload.
pub enum Part {
    /// A file begins, with its name.
    File(String),
    /// Some of its bytes.
    Chunk(Bytes),
    /// It ends.
    End,
}

/// A channel for the parts of an upload.
pub fn channel() -> (Sender<Part>, UploadItems) {
    let (sender, receiver) = tokio::sync::mpsc::channel(CHUNKS_IN_FLIGHT);
    (
        sender,
        UploadItems {
            parts: Arc::new(Mutex::new(receiver)),
            lines: None,
            max_request: usize::MAX,
            imports: ImportLog::default(),
        },
    )
}

/// Send the files (`files` fields) of `multipart` that can hold requests (`.json`,
/// `.jsonl`) as parts, at most `max_total` bytes in all; other fields are read and dropped.
/// Ends when the form ends, or the receiver has gone.
pub async fn send_files(
    multipart: &mut Multipart,
    parts: Sender<Part>,
    max_total: usize,
) -> Result<(), ApiError> {
    const HELP: &str = "send the files again";
    let mut allowance = Allowance::new(max_total);
    while let Some(mut field) = multipart.next_field().await.map_err(unreadable(HELP))? {
        let name = field.file_name().unwrap_or_default().to_string();
        let wanted = field.name() == Some("files")
            && (name.ends_with(".json") || name.ends_with(".jsonl") || is_xml(&name));
        if wanted && parts.send(Part::File(name)).await.is_err() {
            return Ok(());
        }
        while let Some(chunk) = next_chunk(&mut field, &mut allowance, HELP).await? {
            if wanted && parts.send(Part::Chunk(chunk)).await.is_err() {
                return Ok(());
            }
        }
        if wanted && parts.send(Part::End).await.is_err() {
            return Ok(());
        }
    }
    Ok(())
}

/// Read one multipart field of a page's form whole, at most `max` bytes.
pub async fn read_field(mut field: Field<'_>, max: usize) -> Result<Vec<u8>, ApiError> {
    let mut allowance = Allowance::new(max);
    let mut bytes = Vec::new();
    while let Some(chunk) = next_chunk(&mut field, &mut allowance, "send the form again").await? {
        bytes.extend_from_slice(&chunk);
    }
    Ok(bytes)
}

/// The bytes a form may still send: each chunk read is counted against them.
struct Allowance {
    used: usize,
    max: usize,
}

impl Allowance {
    fn new(max: usize) -> Allowance {
        Allowance { used: 0, max }
    }

    /// Count `n` more bytes; 413 once they are more than the limit.
    fn take(&mut self, n: usize) -> Result<(), ApiError> {
        self.used = self.used.saturating_add(n);
        if self.used > self.max {
            let max = self.max;
            return Err(too_large_error(&format!("more than {max}"), max));
        }
        Ok(())
    }
}

/// The next chunk of `field`, counted against `allowance`; `help` says what to do when the
/// form cannot be read.
async fn next_chunk(
    field: &mut Field<'_>,
    allowance: &mut Allowance,
    help: &'static str,
) -> Result<Option<Bytes>, ApiError> {
    let chunk = field.chunk().await.map_err(unreadable(help))?;
    if let Some(chunk) = &chunk {
        allowance.take(chunk.len())?;
    }
    Ok(chunk)
}

/// The error of a form that could not be read, with `help`.
fn unreadable(help: &'static str) -> impl Fn(MultipartError) -> ApiError {
    move |e| ApiError::bad_request(format!("the upload could not be read: {e}"), help)
}

/// The requests of an upload, on a blocking thread, as its parts arrive.
pub struct UploadItems {
    parts: Arc<Mutex<Receiver<Part>>>,
    lines: Option<Inputs>,
    max_request: usize,
    imports: ImportLog,
}

/// Whether a file name is an XML file's.
fn is_xml(name: &str) -> bool {
    name.to_ascii_lowercase().ends_with(".xml")
}

impl UploadItems {
    /// What the IATI files of the upload left out, and their counts (shared: read it once the
    /// upload is screened).
    pub fn import_log(&self) -> ImportLog {
        self.imports.clone()
    }

    /// Hold each request to `max` bytes.
    pub fn with_max_request(mut self, max: usize) -> UploadItems {
        self.max_request = max;
        self
    }

    fn receive(&self) -> Option<Part> {
        self.parts
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .blocking_recv()
    }

    /// A `.json` file: one request of at most the request limit (the rest is skipped).
    fn whole_file(&self, name: String) -> Item {
        let mut bytes = Vec::new();
        let mut size = 0usize;
        while let Some(Part::Chunk(chunk)) = self.receive() {
            size += chunk.len();
            if size <= self.max_request {
                bytes.extend_from_slice(&chunk);
            }
        }
        let text = if size > self.max_request {
            Err(tcscreen_service::inputs::too_large(
                &size.to_string(),
                self.max_request,
            ))
        } else {
            request_text(&bytes)
        };
        Item {
            location: Location::file(name),
            text,
        }
    }
}

impl Iterator for UploadItems {
    type Item = Item;

    fn next(&mut self) -> Option<Item> {
        loop {
            if let Some(lines) = self.lines.as_mut() {
                if let Some(item) = lines.next() {
                    return Some(item);
                }
                self.lines = None;
            }
            match self.receive()? {
                Part::File(name) if name.ends_with(".jsonl") => {
                    let reader = PartReader {
                        parts: self.parts.clone(),
                        chunk: Bytes::new(),
                        ended: false,
                    };
                    self.lines = Some(
                        Inputs::json_lines(&name, Box::new(BufReader::new(reader)))
                            .with_max_bytes(self.max_request),
                    );
                }
                Part::File(name) if is_xml(&name) => {
                    let reader = PartReader {
                        parts: self.parts.clone(),
                        chunk: Bytes::new(),
                        ended: false,
                    };
                    self.lines = Some(
                        Inputs::iati_xml(
                            &name,
                            Box::new(reader),
                            tcscreen_service::inputs::screening_import_options(),
                            &self.imports,
                        )
                        .with_max_bytes(self.max_request),
                    );
                }
                Part::File(name) => return Some(self.whole_file(name)),
                Part::Chunk(_) | Part::End => {}
            }
        }
    }
}

/// The bytes of the current file, up to its end.
struct PartReader {
    parts: Arc<Mutex<Receiver<Part>>>,
    chunk: Bytes,
    ended: bool,
}

impl Read for PartReader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.chunk.is_empty() && !self.ended {
            let next = self
                .parts
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .blocking_recv();
            match next {
                Some(Part::Chunk(chunk)) => self.chunk = chunk,
                Some(Part::End | Part::File(_)) | None => self.ended = true,
            }
        }
        let n = buf.len().min(self.chunk.len());
        buf[..n].copy_from_slice(&self.chunk.split_to(n));
        Ok(n)
    }
}
