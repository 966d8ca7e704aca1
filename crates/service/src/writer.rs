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
        self.items += 1;
        match self.format {
            RecordFormat::Jsonl => out.write_all(format!("{canonical}\n").as_bytes()),
            RecordFormat::Markdown => {
                let separator = if self.written > 0 { "\n---\n\n" } else { "" };
                self.written += 1;
                let note = render::markdown::decision_note(record, pack);
                out.write_all(format!("{separator}{note}").as_bytes())
            }
            RecordFormat::Text => {
                let separator = if self.written > 0 { "\n" } else { "" };
                self.written += 1;
                let text = render::text::record_text(record);
                out.write_all(format!("{separator}{text}").as_bytes())
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
