//! Turning INPUT arguments into a stream of request texts, lazily and in a fixed order.
//!
//! A file is one request (a `.jsonl` file is one request a line); a folder contributes its
//! `*.json` and `*.jsonl` files, walked in byte order of their names, hidden files skipped and
//! links not followed; `-` is stdin (JSON, or JSON Lines when more than one value follows).

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use tcscreen_core::{InputError, Pos, decode_text, json};

/// Where a request came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Source {
    /// The file as given (`-` for stdin).
    pub file: String,
    /// The line, inside a JSON Lines input.
    pub line: Option<usize>,
}

impl Source {
    /// `file` or `file:line`.
    pub fn display(&self) -> String {
        match self.line {
            Some(line) => format!("{}:{line}", self.file),
            None => self.file.clone(),
        }
    }
}

/// One request to screen: its text, or why it could not be read.
#[derive(Debug)]
pub struct Item {
    /// Where it came from.
    pub source: Source,
    /// The text, or a read error.
    pub text: Result<String, InputError>,
}

fn read_error(message: String) -> InputError {
    InputError {
        code: "I001",
        path: String::new(),
        pos: Pos::NONE,
        message,
        help: None,
    }
}

enum Pending {
    Path(PathBuf),
    Stdin,
}

/// A lazy iterator over the requests named by INPUT arguments.
pub struct Inputs {
    pending: std::vec::IntoIter<Pending>,
    folder: Option<walkdir::IntoIter>,
    lines: Option<(String, usize, Box<dyn BufRead + Send>)>,
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
        }
    }

    fn open_file(&mut self, path: &Path) -> Option<Item> {
        let file = path.to_string_lossy().to_string();
        let is_jsonl = path.extension().is_some_and(|e| e == "jsonl");
        if is_jsonl {
            match File::open(path) {
                Ok(f) => {
                    self.lines = Some((file, 0, Box::new(BufReader::new(f))));
                    None
                }
                Err(e) => Some(Item {
                    source: Source { file, line: None },
                    text: Err(read_error(format!("cannot read: {e}"))),
                }),
            }
        } else {
            let text = std::fs::read(path)
                .map_err(|e| read_error(format!("cannot read: {e}")))
                .and_then(|bytes| decode_text(&bytes).map(str::to_string));
            Some(Item {
                source: Source { file, line: None },
                text,
            })
        }
    }

    fn next_line(&mut self) -> Option<Item> {
        let (file, line_no, reader) = self.lines.as_mut()?;
        loop {
            let mut bytes = Vec::new();
            *line_no += 1;
            match reader.read_until(b'\n', &mut bytes) {
                Ok(0) => {
                    self.lines = None;
                    return None;
                }
                Ok(_) => {
                    if bytes.iter().all(u8::is_ascii_whitespace) {
                        continue;
                    }
                    let source = Source {
                        file: file.clone(),
                        line: Some(*line_no),
                    };
                    let text =
                        decode_text(&bytes).map(|t| t.trim_end_matches(['\n', '\r']).to_string());
                    return Some(Item { source, text });
                }
                Err(e) => {
                    let source = Source {
                        file: file.clone(),
                        line: Some(*line_no),
                    };
                    self.lines = None;
                    return Some(Item {
                        source,
                        text: Err(read_error(format!("cannot read: {e}"))),
                    });
                }
            }
        }
    }

    fn read_stdin(&mut self) -> Option<Item> {
        let mut bytes = Vec::new();
        let source = Source {
            file: "-".into(),
            line: None,
        };
        if let Err(e) = std::io::stdin().read_to_end(&mut bytes) {
            return Some(Item {
                source,
                text: Err(read_error(format!("cannot read stdin: {e}"))),
            });
        }
        let text = match decode_text(&bytes) {
            Ok(text) => text.to_string(),
            Err(e) => {
                return Some(Item {
                    source,
                    text: Err(e),
                });
            }
        };
        // One JSON document, unless it fails to parse and every line holds an object: then it
        // is JSON Lines, so that one bad line does not swallow the others.
        let one_document = match json::parse(&text, json::JsonLimits::default()) {
            Ok(_) => true,
            Err(errors) => {
                let trailing = errors
                    .iter()
                    .any(|e| e.kind == json::JsonErrorKind::TrailingContent);
                let lines: Vec<&str> = text
                    .lines()
                    .map(str::trim)
                    .filter(|l| !l.is_empty())
                    .collect();
                !(trailing || (lines.len() > 1 && lines.iter().all(|l| l.starts_with('{'))))
            }
        };
        if one_document {
            return Some(Item {
                source,
                text: Ok(text),
            });
        }
        self.lines = Some((
            "-".into(),
            0,
            Box::new(std::io::Cursor::new(text.into_bytes())),
        ));
        None
    }
}

impl Iterator for Inputs {
    type Item = Item;

    fn next(&mut self) -> Option<Item> {
        loop {
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
                            && (name.ends_with(".json") || name.ends_with(".jsonl"));
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
                            source: Source { file, line: None },
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
                    if let Some(item) = self.read_stdin() {
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
                            source: Source { file, line: None },
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
