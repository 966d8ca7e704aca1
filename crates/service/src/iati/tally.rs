//! The byte source under the splitter: a buffered reader that knows the line and column of
//! every byte the XML parser consumes, copies the bytes of the activity being read (up to a
//! limit), and refuses to let any single XML item grow past the limit, so that memory stays
//! bounded by the largest activity whatever the file's size.

use std::io::{self, BufRead, Read};

const CHUNK: usize = 64 * 1024;

/// Line and column (characters, from 1) in the file.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Place {
    /// Line, from 1.
    pub line: u64,
    /// Column in characters, from 1.
    pub column: u64,
}

/// The error an oversized XML item turns into; the splitter recognises it by its message.
pub const ITEM_TOO_LARGE: &str = "an XML item is larger than the activity size limit";

/// A buffered reader that counts lines and columns and can record what is consumed.
pub struct Tally<R> {
    inner: R,
    buf: Box<[u8]>,
    pos: usize,
    filled: usize,
    /// Bytes consumed so far.
    offset: u64,
    line: u64,
    /// Characters since the last line break.
    column: u64,
    /// The bytes consumed since recording started, while within the limit.
    recording: Option<Vec<u8>>,
    /// Whether the recording passed the limit (and was dropped).
    overflowed: bool,
    limit: usize,
    /// Where the current XML item started (offset), for the item size limit.
    item_start: u64,
    /// Buffer index of the first byte that was not UTF-8 (replaced by `?` so the parser can
    /// go on), until consumed.
    invalid_in_buffer: Option<usize>,
    /// Where the first byte that was not UTF-8 was, since last taken.
    invalid: Option<Place>,
    /// Whether the source starts with a UTF-16 byte-order mark.
    utf16: bool,
}

impl<R: Read> Tally<R> {
    /// A tally over `inner`; no recording or item may exceed `limit` bytes.
    pub fn new(inner: R, limit: usize) -> Tally<R> {
        Tally {
            inner,
            buf: vec![0; CHUNK + 3].into_boxed_slice(),
            pos: 0,
            filled: 0,
            offset: 0,
            line: 1,
            column: 0,
            recording: None,
            overflowed: false,
            limit,
            item_start: 0,
            invalid_in_buffer: None,
            invalid: None,
            utf16: false,
        }
    }

    /// Where the next byte to be consumed is.
    pub fn place(&self) -> Place {
        Place {
            line: self.line,
            column: self.column + 1,
        }
    }

    /// Bytes consumed so far.
    pub fn offset(&self) -> u64 {
        self.offset
    }

    /// A new XML item starts here: the item size limit counts from this point.
    pub fn start_item(&mut self) {
        self.item_start = self.offset;
    }

    /// Start recording consumed bytes.
    pub fn start_recording(&mut self) {
        self.recording = Some(Vec::new());
        self.overflowed = false;
    }

    /// Stop recording: the bytes, or `None` when they passed the limit.
    pub fn take_recording(&mut self) -> Option<Vec<u8>> {
        let recorded = self.recording.take();
        if self.overflowed { None } else { recorded }
    }

    /// Where the first byte that was not UTF-8 was since the last call, if any.
    pub fn take_invalid(&mut self) -> Option<Place> {
        self.invalid.take()
    }

    /// Skip a byte-order mark; say which encoding it announces when it is not UTF-8's.
    pub fn skip_bom(&mut self) -> io::Result<Option<&'static str>> {
        let head = self.fill_buf()?;
        if head.starts_with(&[0xEF, 0xBB, 0xBF]) {
            self.pos += 3;
            self.offset += 3;
            return Ok(None);
        }
        if self.utf16 {
            return Ok(Some("UTF-16"));
        }
        Ok(None)
    }

    /// Read a chunk that ends on a character boundary, with every byte that is not UTF-8
    /// replaced by `?` and the first one remembered: a parser that met one would stop there,
    /// and one bad activity must not stop the file.
    fn refill(&mut self) -> io::Result<usize> {
        let mut filled = read_some(&mut self.inner, &mut self.buf[..CHUNK])?;
        if self.offset == 0
            && (self.buf[..filled].starts_with(&[0xFF, 0xFE])
                || self.buf[..filled].starts_with(&[0xFE, 0xFF]))
        {
            // UTF-16: said once by skip_bom, not byte by byte.
            self.utf16 = true;
            return Ok(filled);
        }
        // Complete a character cut by the end of the chunk (at most 3 more bytes).
        let mut missing = missing_bytes(&self.buf[..filled]);
        while missing > 0 {
            let more = read_some(&mut self.inner, &mut self.buf[filled..filled + missing])?;
            if more == 0 {
                break;
            }
            filled += more;
            missing -= more;
        }
        let mut from = 0;
        while let Err(e) = std::str::from_utf8(&self.buf[from..filled]) {
            let bad = from + e.valid_up_to();
            let len = e.error_len().unwrap_or(filled - bad);
            self.invalid_in_buffer.get_or_insert(bad);
            self.buf[bad..bad + len].fill(b'?');
            from = bad + len;
        }
        Ok(filled)
    }

    fn count(&mut self, bytes_from: usize, bytes_to: usize) {
        if let Some(bad) = self.invalid_in_buffer
            && bad < bytes_to
        {
            self.invalid_in_buffer = None;
            self.count(bytes_from, bad);
            if self.invalid.is_none() {
                self.invalid = Some(self.place());
            }
            return self.count(bad, bytes_to);
        }
        let chunk = &self.buf[bytes_from..bytes_to];
        let breaks = chunk.iter().filter(|b| **b == b'\n').count() as u64;
        let after_break = if breaks > 0 {
            self.line += breaks;
            let last = chunk.iter().rposition(|b| *b == b'\n').unwrap_or(0);
            self.column = 0;
            &chunk[last + 1..]
        } else {
            chunk
        };
        // Characters, not bytes: UTF-8 continuation bytes do not start a character.
        self.column += after_break.iter().filter(|b| (**b & 0xC0) != 0x80).count() as u64;
        if let Some(recording) = self.recording.as_mut() {
            if recording.len() + chunk.len() > self.limit {
                self.recording = None;
                self.overflowed = true;
            } else {
                recording.extend_from_slice(chunk);
            }
        }
    }
}

impl<R: Read> Read for Tally<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let available = self.fill_buf()?;
        let n = available.len().min(out.len());
        out[..n].copy_from_slice(&available[..n]);
        self.consume(n);
        Ok(n)
    }
}

impl<R: Read> BufRead for Tally<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        if self.offset - self.item_start > self.limit as u64 {
            return Err(io::Error::other(ITEM_TOO_LARGE));
        }
        if self.pos >= self.filled {
            self.pos = 0;
            self.filled = 0;
            self.invalid_in_buffer = None;
            self.filled = self.refill()?;
        }
        Ok(&self.buf[self.pos..self.filled])
    }

    fn consume(&mut self, n: usize) {
        let n = n.min(self.filled - self.pos);
        self.count(self.pos, self.pos + n);
        self.pos += n;
        self.offset += n as u64;
    }
}

/// How many bytes the last character of `bytes` lacks, by its lead byte.
fn missing_bytes(bytes: &[u8]) -> usize {
    for back in 1..=bytes.len().min(4) {
        let lead = bytes[bytes.len() - back];
        if lead & 0xC0 != 0x80 {
            let length: usize = match lead {
                0xC0..=0xDF => 2,
                0xE0..=0xEF => 3,
                0xF0..=0xF7 => 4,
                _ => 1,
            };
            return length.saturating_sub(back);
        }
    }
    0
}

fn read_some(inner: &mut impl Read, out: &mut [u8]) -> io::Result<usize> {
    loop {
        match inner.read(out) {
            Ok(n) => return Ok(n),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_and_columns_count_characters_and_recording_stops_at_the_limit() {
        let mut tally = Tally::new("ab\ncé\nxyz".as_bytes(), 5);
        tally.start_recording();
        let mut line = String::new();
        tally.read_line(&mut line).unwrap();
        assert_eq!(tally.place(), Place { line: 2, column: 1 });
        line.clear();
        tally.start_item();
        tally.read_line(&mut line).unwrap();
        assert_eq!(tally.place(), Place { line: 3, column: 1 });
        // "ab\ncé\n" is 7 bytes: past the limit of 5, so the recording is dropped.
        assert_eq!(tally.take_recording(), None);
        let mut rest = [0u8; 2];
        tally.start_item();
        tally.read_exact(&mut rest).unwrap();
        assert_eq!(tally.place(), Place { line: 3, column: 3 });
    }

    #[test]
    fn bytes_that_are_not_utf8_are_replaced_and_located_even_across_chunks() {
        let mut text = vec![b'a'; CHUNK - 1];
        // "é" straddles the first chunk's end; the byte after the line break is not UTF-8.
        text.extend("é\n".as_bytes());
        text.push(0xff);
        let mut tally = Tally::new(&text[..], usize::MAX);
        let mut out = Vec::new();
        tally.read_to_end(&mut out).unwrap();
        assert_eq!(&out[CHUNK - 1..], "é\n?".as_bytes());
        assert_eq!(tally.take_invalid(), Some(Place { line: 2, column: 1 }));
        assert_eq!(tally.take_invalid(), None);
    }

    #[test]
    fn an_item_longer_than_the_limit_is_an_error() {
        let mut tally = Tally::new(&b"0123456789abcdef"[..], 4);
        tally.start_item();
        let mut out = Vec::new();
        let e = tally.read_to_end(&mut out).unwrap_err();
        assert_eq!(e.to_string(), ITEM_TOO_LARGE);
    }
}
