//! Splitting an IATI file into activities with quick-xml as a pull parser, so that a file of
//! any size is read in one pass with memory bounded by its largest activity.
//!
//! Each `<iati-activity>` element, found at any depth (files come wrapped in `<result>` or
//! d-portal's elements), is handed on as its own small XML document, with the namespace
//! declarations of its ancestors copied onto it and the `xml:lang` and `version` it inherits.
//! The splitter checks only what it needs to find activities; each activity's own
//! well-formedness is roxmltree's to judge (crate::iati::activity), with its place in the file.
//! A document type declaration is refused outright: IATI files have none, and refusing it is
//! what keeps entity expansion and external entities out.

use std::io::Read;

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};
use tcscreen_core::Code;

use super::problem::ImportProblem;
use super::tally::{ITEM_TOO_LARGE, Place, Tally};

/// The most bytes one activity may take; a larger one is reported and skipped.
pub const MAX_ACTIVITY_BYTES: usize = 32 * 1024 * 1024;

/// Elements may nest this deep around the activities (wrappers); deeper is not IATI.
const MAX_OUTER_DEPTH: usize = 32;

/// One activity cut out of the file.
#[derive(Debug)]
pub struct RawActivity {
    /// The activity as its own XML document.
    pub text: String,
    /// Where its start tag begins in the file.
    pub place: Place,
    /// Its position among the file's activities, from 1.
    pub ordinal: usize,
    /// The IATI version it declares, or its `<iati-activities>` declares.
    pub version: Option<String>,
    /// The `xml:lang` it inherits from its ancestors, when it has none of its own.
    pub inherited_lang: Option<String>,
    /// Characters of the first line of `text` that are in the file (the rest of the start
    /// tag, the copied namespace declarations, are not): for columns on that line.
    pub head_chars: u64,
    /// Characters the copied declarations added to the first line.
    pub added_chars: u64,
}

/// What the splitter yields.
#[derive(Debug)]
pub enum Piece {
    /// An activity to read.
    Activity(RawActivity),
    /// A problem with the file or with one activity; reading goes on unless it is fatal.
    Problem(ImportProblem),
}

struct Outer {
    name: Vec<u8>,
    namespaces: Vec<(String, String)>,
    lang: Option<String>,
    version: Option<String>,
}

struct Open {
    head: String,
    place: Place,
    version: Option<String>,
    inherited_lang: Option<String>,
    head_chars: u64,
    added_chars: u64,
    depth: usize,
    /// The first problem met inside it: the activity is reported, not read.
    broken: Option<ImportProblem>,
}

/// An iterator over a file's activities and problems.
pub struct Splitter<R: Read> {
    reader: Reader<Tally<R>>,
    buf: Vec<u8>,
    outer: Vec<Outer>,
    open: Option<Open>,
    root: Option<String>,
    seen_iati: bool,
    activities: usize,
    done: bool,
    started: bool,
    limit: usize,
    /// A problem to give before the next piece.
    pending: Option<Piece>,
}

impl<R: Read> Splitter<R> {
    /// A splitter over `source`.
    pub fn new(source: R) -> Splitter<R> {
        Self::with_limit(source, MAX_ACTIVITY_BYTES)
    }

    /// A splitter whose activities may take at most `limit` bytes.
    pub fn with_limit(source: R, limit: usize) -> Splitter<R> {
        let mut reader = Reader::from_reader(Tally::new(source, limit));
        let config = reader.config_mut();
        // Each activity's well-formedness is judged by roxmltree with exact positions; the
        // splitter only counts elements.
        config.check_end_names = false;
        config.allow_unmatched_ends = true;
        config.allow_dangling_amp = true;
        Splitter {
            reader,
            buf: Vec::new(),
            outer: Vec::new(),
            open: None,
            root: None,
            seen_iati: false,
            activities: 0,
            done: false,
            started: false,
            limit,
            pending: None,
        }
    }

    /// Activities found so far.
    pub fn activities(&self) -> usize {
        self.activities
    }

    fn fatal(&mut self, place: Place, code: Code, message: String, help: &str) -> Piece {
        self.done = true;
        Piece::Problem(ImportProblem::at(code, place, message).help(help))
    }

    fn start(&mut self) -> Option<Piece> {
        self.started = true;
        match self.reader.get_mut().skip_bom() {
            Ok(None) => None,
            Ok(Some(encoding)) => Some(self.fatal(
                Place { line: 1, column: 1 },
                Code::I030,
                format!("the file is in {encoding}; tcscreen reads IATI XML in UTF-8"),
                "convert the file to UTF-8 (for example with iconv) and import it again",
            )),
            Err(e) => Some(self.fatal(
                Place { line: 1, column: 1 },
                Code::I001,
                format!("cannot read: {e}"),
                "check the file",
            )),
        }
    }

    fn step(&mut self) -> Option<Piece> {
        // The event borrows the buffer, not the splitter: it is handled without a copy.
        let mut buf = std::mem::take(&mut self.buf);
        buf.clear();
        let piece = self.step_with(&mut buf);
        self.buf = buf;
        piece
    }

    fn step_with(&mut self, buf: &mut Vec<u8>) -> Option<Piece> {
        self.reader.get_mut().start_item();
        let place = self.reader.get_ref().place();
        let before = self.reader.get_ref().offset();
        let event = match self.reader.read_event_into(buf) {
            Ok(event) => event,
            Err(e) => return self.read_error(place, before, e),
        };
        if let Some(bad) = self.reader.get_mut().take_invalid() {
            let problem = ImportProblem::at(
                Code::I030,
                bad,
                "a byte here is not UTF-8: the activity was skipped".into(),
            )
            .help("convert the file to UTF-8 (for example with iconv) and import it again");
            match self.open.as_mut() {
                Some(open) => {
                    open.broken.get_or_insert(problem);
                }
                None => {
                    let mut problem = problem;
                    problem.message = "a byte here is not UTF-8".into();
                    self.pending = Some(Piece::Problem(problem));
                }
            }
        }
        match event {
            Event::Start(start) => self.on_start(&start, place, false),
            Event::Empty(start) => self.on_start(&start, place, true),
            Event::End(end) => self.on_end(end.name().0.as_bytes(), place),
            Event::DocType(_) => Some(self.fatal(
                place,
                Code::I031,
                "the file declares a document type (<!DOCTYPE …>); IATI files have none, and tcscreen refuses them so that no entity is ever expanded or fetched".into(),
                "remove the <!DOCTYPE …> declaration; if the file uses entities it defines, it is not an IATI file as published",
            )),
            Event::Decl(decl) => self.on_declaration(&decl, place),
            Event::Eof => self.on_eof(place),
            _ => None,
        }
    }

    fn read_error(&mut self, place: Place, before: u64, e: quick_xml::Error) -> Option<Piece> {
        let text = e.to_string();
        let moved_on = self.reader.get_ref().offset() > before;
        let recoverable = !matches!(e, quick_xml::Error::Io(_) | quick_xml::Error::Syntax(_));
        if recoverable && moved_on {
            // Markup the reader has passed (bytes that are not UTF-8, a declaration without a
            // version): inside an activity, that activity is skipped when it ends; outside,
            // the problem is reported and reading goes on.
            let problem = ImportProblem::at(
                Code::I030,
                place,
                format!("the XML is not well-formed: {text}"),
            )
            .help("ask the publisher for a corrected file; the other activities are imported");
            if let Some(open) = self.open.as_mut() {
                open.broken.get_or_insert(problem);
                return None;
            }
            return Some(Piece::Problem(problem));
        }
        Some(self.stop(place, &text))
    }

    fn stop(&mut self, place: Place, text: &str) -> Piece {
        if text.contains(ITEM_TOO_LARGE) {
            return self.fatal(
                place,
                Code::I033,
                format!(
                    "an XML item starting here is larger than the limit of {} for one activity; the rest of the file cannot be read",
                    size_words(self.limit)
                ),
                "split the file, or ask the publisher why one item is this large",
            );
        }
        self.fatal(
            place,
            Code::I030,
            format!("the XML is not well-formed: {text}"),
            "the file may be cut short or damaged: download it again",
        )
    }

    fn on_declaration(
        &mut self,
        decl: &quick_xml::events::BytesDecl<'_>,
        place: Place,
    ) -> Option<Piece> {
        let encoding = decl.encoding()?.ok()?;
        let name = encoding.trim().to_string();
        let utf8 = name.eq_ignore_ascii_case("utf-8") || name.eq_ignore_ascii_case("utf8");
        if utf8 {
            return None;
        }
        Some(self.fatal(
            place,
            Code::I030,
            format!("the file declares the encoding {name}; tcscreen reads IATI XML in UTF-8"),
            "convert the file to UTF-8 (for example with iconv), change its declaration to encoding=\"UTF-8\", and import it again",
        ))
    }

    fn on_start(&mut self, start: &BytesStart<'_>, place: Place, empty: bool) -> Option<Piece> {
        let name = start.name().0.as_bytes();
        let local = local_name(name);
        if let Some(open) = self.open.as_mut() {
            if local != b"iati-activity" {
                if !empty {
                    open.depth += 1;
                }
                return None;
            }
            // An activity inside an activity: the first was never closed.
            let unclosed = self.open.take().expect("open");
            self.reader.get_mut().take_recording();
            let problem = ImportProblem::at(
                Code::I030,
                unclosed.place,
                "the XML is not well-formed: this activity is not closed before the next <iati-activity> begins".into(),
            )
            .help("the file may be damaged: ask the publisher for a corrected file");
            self.begin_activity(start, place, empty);
            return Some(Piece::Problem(problem));
        }
        if self.root.is_none() {
            self.root = Some(String::from_utf8_lossy(name).to_string());
        }
        if local == b"iati-activity" {
            return self.begin_activity(start, place, empty);
        }
        if local == b"iati-activities" {
            self.seen_iati = true;
        }
        if empty {
            return None;
        }
        if self.outer.len() >= MAX_OUTER_DEPTH {
            return Some(self.fatal(
                place,
                Code::I032,
                format!("elements nest more than {MAX_OUTER_DEPTH} deep before any activity: this is not an IATI activity file"),
                "import a file of IATI activities (<iati-activities> holding <iati-activity> elements)",
            ));
        }
        let attributes = Attributes::of(start);
        self.outer.push(Outer {
            name: name.to_vec(),
            namespaces: attributes.namespaces,
            lang: attributes.lang,
            version: if local == b"iati-activities" {
                attributes.version
            } else {
                None
            },
        });
        None
    }

    fn begin_activity(
        &mut self,
        start: &BytesStart<'_>,
        place: Place,
        empty: bool,
    ) -> Option<Piece> {
        self.seen_iati = true;
        self.activities += 1;
        let attributes = Attributes::of(start);
        let own = start.to_string();
        let mut added = String::new();
        let mut declared: Vec<String> = attributes
            .namespaces
            .iter()
            .map(|(k, _)| k.clone())
            .collect();
        for outer in self.outer.iter().rev() {
            for (key, value) in &outer.namespaces {
                if !declared.contains(key) {
                    added.push_str(&format!(" {key}=\"{}\"", value.replace('"', "&quot;")));
                    declared.push(key.clone());
                }
            }
        }
        let head_chars = 1 + own.chars().count() as u64;
        let added_chars = added.chars().count() as u64;
        let version = attributes
            .version
            .or_else(|| self.outer.iter().rev().find_map(|o| o.version.clone()));
        let inherited_lang = if attributes.lang.is_some() {
            None
        } else {
            self.outer.iter().rev().find_map(|o| o.lang.clone())
        };
        let close = if empty { "/>" } else { ">" };
        let open = Open {
            head: format!("<{own}{added}{close}"),
            place,
            version,
            inherited_lang,
            head_chars,
            added_chars,
            depth: 1,
            broken: None,
        };
        if empty {
            return Some(self.finish_activity(open, Some(Vec::new())));
        }
        self.reader.get_mut().start_recording();
        self.open = Some(open);
        None
    }

    fn finish_activity(&mut self, open: Open, body: Option<Vec<u8>>) -> Piece {
        if let Some(problem) = open.broken {
            return Piece::Problem(problem);
        }
        let Some(body) = body else {
            return Piece::Problem(
                ImportProblem::at(
                    Code::I033,
                    open.place,
                    format!(
                        "this activity is larger than the limit of {}: it was skipped",
                        size_words(self.limit)
                    ),
                )
                .help("ask the publisher why one activity is this large, or import it on its own"),
            );
        };
        let mut bytes = open.head.into_bytes();
        bytes.extend(body);
        match String::from_utf8(bytes) {
            Ok(text) => Piece::Activity(RawActivity {
                text,
                place: open.place,
                ordinal: self.activities,
                version: open.version,
                inherited_lang: open.inherited_lang,
                head_chars: open.head_chars,
                added_chars: open.added_chars,
            }),
            Err(_) => Piece::Problem(
                ImportProblem::at(
                    Code::I030,
                    open.place,
                    "this activity holds bytes that are not UTF-8: it was skipped".into(),
                )
                .help("convert the file to UTF-8 and import it again"),
            ),
        }
    }

    fn on_end(&mut self, name: &[u8], place: Place) -> Option<Piece> {
        if let Some(open) = self.open.as_mut() {
            open.depth -= 1;
            // `</iati-activity>` ends the activity whatever the count says: a mismatched tag
            // inside it is roxmltree's to report, and must not swallow what follows.
            if open.depth > 0 && local_name(name) != b"iati-activity" {
                return None;
            }
            let open = self.open.take().expect("open");
            let body = self.reader.get_mut().take_recording();
            return Some(self.finish_activity(open, body));
        }
        match self.outer.pop() {
            Some(outer) if outer.name == name => None,
            Some(outer) => Some(Piece::Problem(
                ImportProblem::at(
                    Code::I030,
                    place,
                    format!(
                        "the XML is not well-formed: </{}> closes <{}>",
                        String::from_utf8_lossy(name),
                        String::from_utf8_lossy(&outer.name)
                    ),
                )
                .help("the file may be damaged: ask the publisher for a corrected file"),
            )),
            None => Some(Piece::Problem(
                ImportProblem::at(
                    Code::I030,
                    place,
                    format!(
                        "the XML is not well-formed: </{}> closes nothing",
                        String::from_utf8_lossy(name)
                    ),
                )
                .help("the file may be damaged: ask the publisher for a corrected file"),
            )),
        }
    }

    fn on_eof(&mut self, place: Place) -> Option<Piece> {
        self.done = true;
        if let Some(open) = self.open.take() {
            return Some(Piece::Problem(
                ImportProblem::at(
                    Code::I030,
                    open.place,
                    "the XML is not well-formed: the file ends inside this activity".into(),
                )
                .help("the file is cut short: download it again"),
            ));
        }
        if !self.seen_iati {
            let message = match self.root.as_deref() {
                None => {
                    "the file holds no XML element: it is not an IATI activity file".to_string()
                }
                Some(root) if local_name(root.as_bytes()) == b"iati-organisations" => {
                    "this is an IATI organisation file (<iati-organisations>), not an activity file"
                        .to_string()
                }
                Some(root) => format!(
                    "this is not an IATI activity file: its root element is <{root}> and it holds no <iati-activity>"
                ),
            };
            return Some(Piece::Problem(ImportProblem::at(Code::I032, place, message).help(
                "import a file of IATI activities (<iati-activities> holding <iati-activity> elements), as the provider publishes it",
            )));
        }
        let outer = self.outer.last()?;
        Some(Piece::Problem(
            ImportProblem::at(
                Code::I030,
                place,
                format!(
                    "the XML is not well-formed: the file ends before </{}>",
                    String::from_utf8_lossy(&outer.name)
                ),
            )
            .help("the file may be cut short: download it again"),
        ))
    }
}

impl<R: Read> Iterator for Splitter<R> {
    type Item = Piece;

    fn next(&mut self) -> Option<Piece> {
        if !self.started
            && let Some(problem) = self.start()
        {
            return Some(problem);
        }
        loop {
            if let Some(piece) = self.pending.take() {
                return Some(piece);
            }
            if self.done {
                return None;
            }
            if let Some(piece) = self.step() {
                if let Some(first) = self.pending.take() {
                    self.pending = Some(piece);
                    return Some(first);
                }
                return Some(piece);
            }
        }
    }
}

/// `32 MiB`, or a number of bytes.
fn size_words(bytes: usize) -> String {
    if bytes >= 1024 * 1024 && bytes.is_multiple_of(1024 * 1024) {
        format!("{} MiB", bytes / (1024 * 1024))
    } else {
        format!("{bytes} bytes")
    }
}

/// The part of a name after its prefix.
fn local_name(name: &[u8]) -> &[u8] {
    match name.iter().position(|b| *b == b':') {
        Some(i) => &name[i + 1..],
        None => name,
    }
}

/// What the splitter keeps of a start tag's attributes.
struct Attributes {
    namespaces: Vec<(String, String)>,
    lang: Option<String>,
    version: Option<String>,
}

impl Attributes {
    fn of(start: &BytesStart<'_>) -> Attributes {
        let mut found = Attributes {
            namespaces: Vec::new(),
            lang: None,
            version: None,
        };
        // A malformed attribute list is left for roxmltree to report with its place.
        for attribute in start.attributes().with_checks(false).flatten() {
            let key = attribute.key.0.to_string();
            let raw = attribute.value.to_string();
            if key == "xmlns" || key.starts_with("xmlns:") {
                found.namespaces.push((key, raw));
            } else if key == "xml:lang" {
                found.lang = Some(raw);
            } else if local_name(key.as_bytes()) == b"version" {
                found.version = Some(raw.trim().to_string());
            }
        }
        found
    }
}
