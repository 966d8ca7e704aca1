//! Writing screened records in one of the output formats, in order, to any writer: stdout or
//! `--out` for the command line, a response body for the server. The bytes do not depend on
//! the writer: the server's `POST /v1/screen` body is what `screen --format json` prints.

use std::io::{self, Write};

use tcscreen_core::DecisionRecord;

use crate::render;
use crate::thread_screener::PackNote;

/// The output formats of `screen`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RecordFormat {
    /// For people at a terminal.
    Text,
    /// The record when the batch is one request, else an array of records.
    Json,
    /// One canonical record a line, in input order.
    Jsonl,
    /// A decision note per request, to send back to the requester.
    Markdown,
}

/// The text (`text`) or decision note (`markdown`) of one record in `format`; `None` for the
/// JSON formats, whose bytes are the record's canonical text.
pub fn render_for(
    format: RecordFormat,
    record: &DecisionRecord,
    pack: &PackNote,
) -> Option<String> {
    match format {
        RecordFormat::Text => Some(render::text::record_text(record)),
        RecordFormat::Markdown => Some(render::markdown::decision_note(record, pack)),
        RecordFormat::Json | RecordFormat::Jsonl => None,
    }
}

/// Writes records in a format. For `json`, the first record is held until the writer knows
/// whether the batch is one request (the record alone) or more (an array).
#[derive(Debug)]
pub struct RecordWriter {
    format: RecordFormat,
    items: usize,
    held: Option<String>,
    array_open: bool,
    written: usize,
}

impl RecordWriter {
    /// A writer of `format`, before the first record.
    pub fn new(format: RecordFormat) -> RecordWriter {
        RecordWriter {
            format,
            items: 0,
            held: None,
            array_open: false,
            written: 0,
        }
    }

    /// Requests seen so far, screened or not.
    pub fn items(&self) -> usize {
        self.items
    }

    /// Count a request that was not screened (it has no record, but makes the batch more
    /// than one request).
    pub fn failed_item(&mut self) {
        self.items += 1;
    }

    /// Write one record; `canonical` is its canonical text.
    pub fn record(
        &mut self,
        out: &mut impl Write,
        record: &DecisionRecord,
        canonical: &str,
        pack: &PackNote,
    ) -> io::Result<()> {
        let rendered = render_for(self.format, record, pack);
        self.write(out, rendered.as_deref(), canonical)
    }

    /// Write one record whose text or note was already made by [`render_for`] (on a
    /// screening thread: only the writing stays on the thread that keeps the order); `None`
    /// for the JSON formats, which write `canonical`.
    pub fn write(
        &mut self,
        out: &mut impl Write,
        rendered: Option<&str>,
        canonical: &str,
    ) -> io::Result<()> {
        self.items += 1;
        match self.format {
            RecordFormat::Jsonl => {
                out.write_all(canonical.as_bytes())?;
                out.write_all(b"\n")
            }
            RecordFormat::Markdown => {
                if self.written > 0 {
                    out.write_all(b"\n---\n\n")?;
                }
                self.written += 1;
                out.write_all(rendered.unwrap_or_default().as_bytes())
            }
            RecordFormat::Text => {
                if self.written > 0 {
                    out.write_all(b"\n")?;
                }
                self.written += 1;
                out.write_all(rendered.unwrap_or_default().as_bytes())
            }
            RecordFormat::Json if self.items == 1 => {
                self.held = Some(canonical.to_string());
                Ok(())
            }
            RecordFormat::Json => {
                self.open_array(out)?;
                self.push(out, canonical)
            }
        }
    }

    fn open_array(&mut self, out: &mut impl Write) -> io::Result<()> {
        if !self.array_open {
            self.array_open = true;
            out.write_all(b"[")?;
            if let Some(first) = self.held.take() {
                self.push(out, &first)?;
            }
        }
        Ok(())
    }

    fn push(&mut self, out: &mut impl Write, canonical: &str) -> io::Result<()> {
        let separator = if self.written == 0 { "\n" } else { ",\n" };
        self.written += 1;
        out.write_all(format!("{separator}{canonical}").as_bytes())
    }

    /// Close the batch: the held record, or the array's end.
    pub fn finish(&mut self, out: &mut impl Write) -> io::Result<()> {
        if self.format != RecordFormat::Json {
            return Ok(());
        }
        if self.items == 1 {
            return match self.held.take() {
                Some(only) => out.write_all(format!("{only}\n").as_bytes()),
                None => Ok(()),
            };
        }
        self.open_array(out)?;
        out.write_all(if self.written == 0 { b"]\n" } else { b"\n]\n" })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_is_the_record_alone_for_one_request_and_an_array_otherwise() {
        let mut none = RecordWriter::new(RecordFormat::Json);
        let mut out = Vec::new();
        none.finish(&mut out).unwrap();
        assert_eq!(out, b"[]\n");

        let mut failed = RecordWriter::new(RecordFormat::Json);
        failed.failed_item();
        failed.failed_item();
        let mut out = Vec::new();
        failed.finish(&mut out).unwrap();
        assert_eq!(out, b"[]\n");
    }
}
