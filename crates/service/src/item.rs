//! One request to screen as it was read: where it came from and its text, or why it could not
//! be read. Every input (files, folders, JSON Lines, stdin, IATI XML, an HTTP body) yields
//! these.

use tcscreen_core::InputError;

/// Where a request came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Location {
    /// The file as given (`-` for stdin).
    pub file: String,
    /// The line, inside a JSON Lines input.
    pub line: Option<usize>,
    /// Lines before the request's text in the file (blank lines skipped on stdin), to add to
    /// positions inside the text.
    pub line_offset: usize,
}

impl Location {
    /// A whole file.
    pub fn file(file: impl Into<String>) -> Location {
        Location {
            file: file.into(),
            line: None,
            line_offset: 0,
        }
    }

    /// A line of a JSON Lines file.
    pub fn line(file: impl Into<String>, line: usize) -> Location {
        Location {
            file: file.into(),
            line: Some(line),
            line_offset: 0,
        }
    }

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
    pub location: Location,
    /// The text, or a read error.
    pub text: Result<String, InputError>,
}
