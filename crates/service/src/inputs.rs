//! Turning INPUT arguments into a stream of request texts, lazily, in a fixed order, and with
//! bounded memory.
//!
//! A file is one request (a `.jsonl` file is one request a line, a `.xml` file is IATI activity
//! data, one request per TC activity and recipient country through the IATI importer); a
//! folder contributes its `*.json`, `*.jsonl` and `*.xml` files, walked in byte order of their
//! names, hidden files skipped and links not followed; `-` is stdin: IATI XML when it starts
//! with `<`, JSON Lines when its first line is a whole JSON value, otherwise one JSON document
//! (or JSON Lines, when that fails and every line is an object).
//! Nothing larger than the request size limit is ever read into memory: a longer file or line
//! is reported and skipped. Blank lines are skipped as they are read, so any number of them
//! takes constant memory.

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use tcscreen_core::{Code, InputError, Pos, RequestLimits, decode_text, json};

use crate::iati::inputs::{ImportLog, XmlItems};
use crate::iati::mapping::ImportOptions;
pub use crate::item::{Item, Location};

fn read_error(message: String) -> InputError {
    InputError {
        code: Code::I001,
        path: String::new(),
        pos: Pos::NONE,
        message,
        help: None,
        advice: None,
    }
}

/// I005: a request of `size` bytes (in words: "5000", "more than 4096") over the limit `max`.
pub fn too_large(size: &str, max: usize) -> InputError {
    InputError {
        code: Code::I005,
        path: String::new(),
        pos: Pos::NONE,
        message: format!("the request is {size} bytes, more than the limit of {max}"),
        help: Some("move bulky material (annexes, full texts) out of the request and cite it in `documents`".into()),
        advice: None,
    }
}

enum Pending {
    Path(PathBuf),
    Stdin,
    /// A named stream read as stdin is: one document, or JSON Lines.
    Stream(String, Box<dyn BufRead + Send>),
}

/// A lazy iterator over the requests named by INPUT arguments.
pub struct Inputs {
    pending: std::vec::IntoIter<Pending>,
    folder: Option<walkdir::IntoIter>,
    lines: Option<(String, usize, Box<dyn BufRead + Send>)>,
    /// A line already read from the current stream (stdin's first line).
    held: Option<Item>,
    max_bytes: usize,
    /// The requests of the IATI file being read.
    xml: Option<Box<dyn Iterator<Item = Item> + Send>>,
    /// How IATI files are imported, and where what they leave out goes.
    iati: (ImportOptions, ImportLog),
}

/// How IATI XML is imported when screened: drafts received today (UTC), every recipient
/// country, titles in each text's first language, technical co-operation only.
pub fn screening_import_options() -> ImportOptions {
    ImportOptions {
        received: crate::decisions::today()
            .unwrap_or_else(|| tcscreen_core::Date::from_ymd(1970, 1, 1).expect("a date")),
        lang: None,
        country: None,
        all: false,
        file: String::new(),
    }
}

impl Inputs {
    /// Inputs from arguments; no arguments means stdin.
    pub fn new(args: &[String]) -> Inputs {
        let pending: Vec<Pending> = if args.is_empty() {
            vec![Pending::Stdin]
        } else {
            args.iter()
                .map(|a| {
                    if a == "-" {
                        Pending::Stdin
                    } else {
                        Pending::Path(PathBuf::from(a))
                    }
                })
                .collect()
        };
        Inputs {
            pending: pending.into_iter(),
            folder: None,
            lines: None,
            held: None,
            max_bytes: RequestLimits::default().max_bytes,
            xml: None,
            iati: (screening_import_options(), ImportLog::default()),
        }
    }

    /// IATI XML read from `reader` (an HTTP request body, say), shown in problems as `name`.
    /// What it leaves out, and its counts, go to `log`.
    pub fn iati_xml(
        name: &str,
        reader: Box<dyn Read + Send>,
        options: ImportOptions,
        log: &ImportLog,
    ) -> Inputs {
        let mut inputs = Inputs::json_lines(name, Box::new(std::io::empty()));
        inputs.lines = None;
        inputs.iati = (options, log.clone());
        inputs.start_xml(name, reader);
        inputs
    }

    /// Import IATI files with `options` (the file name is set per file).
    pub fn with_import_options(mut self, options: ImportOptions) -> Inputs {
        self.iati.0 = options;
        self
    }

    /// What the IATI files read so far left out, and their counts (shared: read it after the
    /// batch).
    pub fn import_log(&self) -> ImportLog {
        self.iati.1.clone()
    }

    fn start_xml(&mut self, name: &str, reader: Box<dyn Read + Send>) {
        let options = ImportOptions {
            file: name.to_string(),
            ..self.iati.0.clone()
        };
        let items = XmlItems::new(reader, name, options, &self.iati.1);
        self.xml = Some(Box::new(items));
    }

    /// JSON Lines read from `reader` (an HTTP request body, say), one request a line, shown in
    /// problems as `name:LINE`. Blank lines are skipped; a line longer than the limit is
    /// reported and skipped without being held.
    pub fn json_lines(name: &str, reader: Box<dyn BufRead + Send>) -> Inputs {
        Inputs {
            pending: Vec::new().into_iter(),
            folder: None,
            lines: Some((name.to_string(), 0, reader)),
            held: None,
            max_bytes: RequestLimits::default().max_bytes,
            xml: None,
            iati: (screening_import_options(), ImportLog::default()),
        }
    }

    /// One stream (an HTTP request body, say) read as stdin is: one document spread over any
    /// number of lines (`name`), or, when its first non-blank line is a whole JSON value, JSON
    /// Lines streamed one line at a time (`name:LINE`). Nothing longer than the limit is held.
    pub fn document_or_lines(name: &str, reader: Box<dyn BufRead + Send>) -> Inputs {
        Inputs {
            pending: vec![Pending::Stream(name.to_string(), reader)].into_iter(),
            folder: None,
            lines: None,
            held: None,
            max_bytes: RequestLimits::default().max_bytes,
            xml: None,
            iati: (screening_import_options(), ImportLog::default()),
        }
    }

    /// Refuse requests longer than `max_bytes` without reading them whole.
    pub fn with_max_bytes(mut self, max_bytes: usize) -> Inputs {
        self.max_bytes = max_bytes;
        self
    }

    fn open_file(&mut self, path: &Path) -> Option<Item> {
        let file = path.to_string_lossy().to_string();
        let location = Location::file(file.clone());
        let fail = |e: std::io::Error| {
            Some(Item {
                location: location.clone(),
                text: Err(read_error(format!("cannot read: {e}"))),
            })
        };
        let f = match File::open(path) {
            Ok(f) => f,
            Err(e) => return fail(e),
        };
        if path.extension().is_some_and(|e| e == "jsonl") {
            self.lines = Some((file, 0, Box::new(BufReader::new(f))));
            return None;
        }
        if crate::iati::files::is_xml(path) {
            // Streamed: an IATI file may be far larger than the request limit.
            self.start_xml(&file, Box::new(BufReader::new(f)));
            return None;
        }
        let size = f.metadata().map(|m| m.len()).unwrap_or(0);
        if size > self.max_bytes as u64 {
            return Some(Item {
                location,
                text: Err(too_large(&size.to_string(), self.max_bytes)),
            });
        }
        let mut bytes = Vec::new();
        if let Err(e) = f.take(self.max_bytes as u64 + 1).read_to_end(&mut bytes) {
            return fail(e);
        }
        if bytes.len() > self.max_bytes {
            return Some(Item {
                location,
                text: Err(too_large(
                    &format!("more than {}", self.max_bytes),
                    self.max_bytes,
                )),
            });
        }
        Some(Item {
            location,
            text: decode_text(&bytes).map(str::to_string),
        })
    }

    /// Read one line of at most `max_bytes`; a longer line is skipped to its end and reported.
    fn bounded_line(
        reader: &mut Box<dyn BufRead + Send>,
        max: usize,
    ) -> std::io::Result<Option<Result<Vec<u8>, InputError>>> {
        let mut bytes = Vec::new();
        let read = reader
            .by_ref()
            .take(max as u64 + 1)
            .read_until(b'\n', &mut bytes)?;
        if read == 0 {
            return Ok(None);
        }
        let content = bytes.len() - usize::from(bytes.ends_with(b"\n"));
        if content > max || (bytes.len() > max && !bytes.ends_with(b"\n")) {
            // Skip the rest of the line without holding it.
            let mut skipped = bytes.len();
            loop {
                let (done, used) = {
                    let buffer = reader.fill_buf()?;
                    if buffer.is_empty() {
                        (true, 0)
                    } else if let Some(i) = buffer.iter().position(|b| *b == b'\n') {
                        (true, i + 1)
                    } else {
                        (false, buffer.len())
                    }
                };
                reader.consume(used);
                skipped += used;
                if done {
                    break;
                }
            }
            return Ok(Some(Err(too_large(&format!("at least {skipped}"), max))));
        }
        Ok(Some(Ok(bytes)))
    }

    fn next_line(&mut self) -> Option<Item> {
        let max = self.max_bytes;
        let (file, line_no, reader) = self.lines.as_mut()?;
        loop {
            *line_no += 1;
            let location = Location::line(file.clone(), *line_no);
            match Self::bounded_line(reader, max) {
                Ok(None) => {
                    self.lines = None;
                    return None;
                }
                Ok(Some(Ok(bytes))) => {
                    if bytes.iter().all(u8::is_ascii_whitespace) {
                        continue;
                    }
                    let text =
                        decode_text(&bytes).map(|t| t.trim_end_matches(['\n', '\r']).to_string());
                    return Some(Item { location, text });
                }
                Ok(Some(Err(e))) => {
                    return Some(Item {
                        location,
                        text: Err(e),
                    });
                }
                Err(e) => {
                    self.lines = None;
                    return Some(Item {
                        location,
                        text: Err(read_error(format!("cannot read: {e}"))),
                    });
                }
            }
        }
    }

    fn read_stream(&mut self, name: &str, mut reader: Box<dyn BufRead + Send>) -> Option<Item> {
        let mut location = Location::file(name);
        let cannot_read = |e: std::io::Error| {
            read_error(if name == "-" {
                format!("cannot read stdin: {e}")
            } else {
                format!("cannot read: {e}")
            })
        };
        let starts_xml = reader.fill_buf().is_ok_and(|head| {
            let head = head
                .strip_prefix(b"\xEF\xBB\xBF".as_slice())
                .unwrap_or(head);
            head.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'<')
        });
        if starts_xml {
            self.start_xml(name, Box::new(reader));
            return None;
        }
        // The first non-blank line decides: a whole JSON value means JSON Lines, streamed.
        // Blank lines before it are counted, not kept.
        let mut first;
        let mut line_no = 0;
        loop {
            line_no += 1;
            match Self::bounded_line(&mut reader, self.max_bytes) {
                Ok(None) => {
                    return Some(Item {
                        location,
                        text: decode_text(b"").map(str::to_string),
                    });
                }
                Ok(Some(Ok(bytes))) if bytes.iter().all(u8::is_ascii_whitespace) => {
                    location.line_offset = line_no;
                }
                Ok(Some(Ok(bytes))) => {
                    let whole_value = std::str::from_utf8(&bytes)
                        .is_ok_and(|t| json::parse(t, json::JsonLimits::default()).is_ok());
                    if whole_value {
                        let text = decode_text(&bytes)
                            .map(|t| t.trim_end_matches(['\n', '\r']).to_string());
                        self.held = Some(Item {
                            location: Location::line(name, line_no),
                            text,
                        });
                        self.lines = Some((name.into(), line_no, reader));
                        return None;
                    }
                    first = bytes;
                    break;
                }
                Ok(Some(Err(e))) => {
                    return Some(Item {
                        location: Location::line(name, line_no),
                        text: Err(e),
                    });
                }
                Err(e) => {
                    return Some(Item {
                        location,
                        text: Err(cannot_read(e)),
                    });
                }
            }
        }
        // A document spread over lines: read the rest, up to the limit.
        let mut rest = Vec::new();
        let budget = (self.max_bytes + 1).saturating_sub(first.len()) as u64;
        if let Err(e) = reader.by_ref().take(budget).read_to_end(&mut rest) {
            return Some(Item {
                location,
                text: Err(cannot_read(e)),
            });
        }
        first.extend(rest);
        if first.len() > self.max_bytes {
            return Some(Item {
                location,
                text: Err(too_large(
                    &format!("more than {}", self.max_bytes),
                    self.max_bytes,
                )),
            });
        }
        let text = match decode_text(&first) {
            Ok(text) => text.to_string(),
            Err(e) => {
                return Some(Item {
                    location,
                    text: Err(e),
                });
            }
        };
        // JSON Lines whose first line is broken: every line an object, and the whole not one
        // document. Treat it line by line so one bad line does not swallow the others.
        let lines: Vec<&str> = text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect();
        let as_lines = json::parse(&text, json::JsonLimits::default()).is_err()
            && lines.len() > 1
            && lines.iter().all(|l| l.starts_with('{'));
        if as_lines {
            self.lines = Some((
                name.into(),
                location.line_offset,
                Box::new(std::io::Cursor::new(text.into_bytes())),
            ));
            return None;
        }
        Some(Item {
            location,
            text: Ok(text),
        })
    }
}

impl Iterator for Inputs {
    type Item = Item;

    fn next(&mut self) -> Option<Item> {
        loop {
            if let Some(item) = self.held.take() {
                return Some(item);
            }
            if let Some(xml) = self.xml.as_mut() {
                if let Some(item) = xml.next() {
                    return Some(item);
                }
                self.xml = None;
                continue;
            }
            if self.lines.is_some() {
                if let Some(item) = self.next_line() {
                    return Some(item);
                }
                continue;
            }
            if let Some(walker) = self.folder.as_mut() {
                match walker.next() {
                    Some(Ok(entry)) => {
                        let name = entry.file_name().to_string_lossy();
                        if entry.depth() > 0 && name.starts_with('.') {
                            if entry.file_type().is_dir() {
                                walker.skip_current_dir();
                            }
                            continue;
                        }
                        let wanted = entry.file_type().is_file()
                            && (name.ends_with(".json")
                                || name.ends_with(".jsonl")
                                || crate::iati::files::is_xml(entry.path()));
                        if wanted {
                            let path = entry.path().to_path_buf();
                            if let Some(item) = self.open_file(&path) {
                                return Some(item);
                            }
                        }
                        continue;
                    }
                    Some(Err(e)) => {
                        let file = e
                            .path()
                            .map_or_else(String::new, |p| p.to_string_lossy().to_string());
                        return Some(Item {
                            location: Location::file(file),
                            text: Err(read_error(format!("cannot read: {e}"))),
                        });
                    }
                    None => {
                        self.folder = None;
                        continue;
                    }
                }
            }
            match self.pending.next()? {
                Pending::Stdin => {
                    let stdin = Box::new(BufReader::new(std::io::stdin()));
                    if let Some(item) = self.read_stream("-", stdin) {
                        return Some(item);
                    }
                }
                Pending::Stream(name, reader) => {
                    if let Some(item) = self.read_stream(&name, reader) {
                        return Some(item);
                    }
                }
                Pending::Path(path) => {
                    if path.is_dir() {
                        self.folder = Some(
                            walkdir::WalkDir::new(&path)
                                .follow_links(false)
                                .sort_by_file_name()
                                .into_iter(),
                        );
                    } else if !path.exists() {
                        let file = path.to_string_lossy().to_string();
                        return Some(Item {
                            location: Location::file(file),
                            text: Err(read_error("no such file or folder".into())),
                        });
                    } else if let Some(item) = self.open_file(&path) {
                        return Some(item);
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_lines_from_a_reader_are_numbered_and_bounded() {
        let body = "{\"id\": 1}\n\n   \n{\"id\": 2}\r\n{\"long\": \"xxxxxxxxxxxxxxxxxxxxxxxx\"}\n{\"id\": 3}";
        let items: Vec<Item> = Inputs::json_lines(
            "body",
            Box::new(std::io::Cursor::new(body.as_bytes().to_vec())),
        )
        .with_max_bytes(20)
        .collect();
        let shown: Vec<(String, Result<&str, &str>)> = items
            .iter()
            .map(|i| {
                (
                    i.location.display(),
                    i.text.as_deref().map_err(|e| e.code.as_str()),
                )
            })
            .collect();
        assert_eq!(
            shown,
            [
                ("body:1".to_string(), Ok("{\"id\": 1}")),
                ("body:4".to_string(), Ok("{\"id\": 2}")),
                ("body:5".to_string(), Err("I005")),
                ("body:6".to_string(), Ok("{\"id\": 3}")),
            ]
        );
    }
}
