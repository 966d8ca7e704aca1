//! Problems found while loading and compiling packs, located in a file.
//!
//! A problem carries an [`Excerpt`] of its source line, cut from the text that was read when
//! the problem was found: printing a problem never opens a file again (a file can change, be a
//! link the loader refused, or be a named pipe that blocks a second reader).

use std::fmt;

use crate::advice::{Advice, Surface};
use crate::diagnostics::codes::{Code, Severity};
use crate::json::Pos;

/// A problem in a pack, with where it is and how to fix it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// What kind of problem it is; its explanation is `tcscreen explain CODE`.
    pub code: Code,
    /// Error or warning.
    pub severity: Severity,
    /// What is wrong, in a short phrase.
    pub message: String,
    /// The file, as the user would open it.
    pub file: Option<String>,
    /// Line and column (characters) in the file, when known.
    pub pos: Pos,
    /// How to fix it.
    pub help: Option<String>,
    /// More context (for example, the rule that called a failing helper).
    pub notes: Vec<String>,
    /// The source line at `pos`, from the text already read; `None` when there is none to show.
    pub excerpt: Option<Box<Excerpt>>,
    /// Help that is worded differently on the command line and over HTTP; `help` holds the
    /// command line's words ([`Diagnostic::worded_for`] gives another surface's).
    pub advice: Option<Box<Advice>>,
}

/// At most this many characters are kept on each side of a problem's column.
pub const EXCERPT_CONTEXT_CHARS: usize = 60;

/// A bounded piece of the line a problem is on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Excerpt {
    /// The characters shown (at most [`EXCERPT_CONTEXT_CHARS`] each side of the column).
    pub text: String,
    /// Whether the line goes on before `text`.
    pub cut_before: bool,
    /// Whether the line goes on after `text`.
    pub cut_after: bool,
    /// The column of the problem inside `text`, in characters from 1; 0 when only the line is
    /// known.
    pub column: usize,
    /// How many characters to underline from `column` (the word there, at least 1).
    pub width: usize,
}

impl Excerpt {
    /// The excerpt of `text` at `pos` (line and column in characters, from 1). Only the line
    /// and the characters around the column are looked at, whatever the size of `text`.
    pub fn of(text: &str, pos: Pos) -> Option<Box<Excerpt>> {
        if pos.line == 0 {
            return None;
        }
        let line = text.lines().nth(pos.line as usize - 1)?;
        // A column past the end of the line points just after it (a missing `}`). Counting
        // stops there: a long line is never turned into anything bigger than the excerpt.
        let wanted = pos.column.max(1) as usize;
        let length = line
            .chars()
            .take(wanted + EXCERPT_CONTEXT_CHARS + 1)
            .count();
        let column = wanted.min(length + 1);
        let start = column.saturating_sub(EXCERPT_CONTEXT_CHARS).max(1);
        let end = column + EXCERPT_CONTEXT_CHARS;
        let shown: String = line.chars().skip(start - 1).take(end + 1 - start).collect();
        let width = line
            .chars()
            .skip(column - 1)
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .take(EXCERPT_CONTEXT_CHARS + 1)
            .count();
        Some(Box::new(Excerpt {
            cut_before: start > 1,
            cut_after: length > end,
            column: if pos.column == 0 {
                0
            } else {
                column - start + 1
            },
            width: width.clamp(1, EXCERPT_CONTEXT_CHARS + 1),
            text: shown,
        }))
    }
}

/// Give each problem located in a file that `text_of` knows the excerpt of its line, unless
/// it has one.
pub fn attach_excerpts<'a>(
    diagnostics: &mut [Diagnostic],
    text_of: impl Fn(&str) -> Option<&'a str>,
) {
    for d in diagnostics {
        if d.excerpt.is_none()
            && let Some(text) = d.file.as_deref().and_then(&text_of)
        {
            d.excerpt = Excerpt::of(text, d.pos);
        }
    }
}

impl Diagnostic {
    /// A problem that makes the pack or request unusable; `code` must be an error's.
    pub fn error(code: Code, message: impl Into<String>) -> Self {
        Diagnostic::new(code, Severity::Error, message.into())
    }

    /// A problem worth fixing that does not stop the pack; `code` must be a warning's.
    pub fn warning(code: Code, message: impl Into<String>) -> Self {
        Diagnostic::new(code, Severity::Warning, message.into())
    }

    fn new(code: Code, severity: Severity, message: String) -> Self {
        debug_assert_eq!(code.severity(), severity, "{code} is not an {severity:?}");
        Diagnostic {
            code,
            severity,
            message,
            file: None,
            pos: Pos::NONE,
            help: None,
            notes: Vec::new(),
            excerpt: None,
            advice: None,
        }
    }

    /// Set the help from `advice`, in the command line's words (see
    /// [`Diagnostic::worded_for`]).
    pub fn advise(mut self, advice: Advice) -> Self {
        self.help = Some(advice.words(Surface::CommandLine));
        self.advice = Some(Box::new(advice));
        self
    }

    /// The problem as `surface` says it: the advice's help in its words, and, over HTTP, the
    /// message without the server's rules folder.
    pub fn worded_for(mut self, surface: Surface) -> Self {
        if let Some(advice) = self.advice.take() {
            self.help = Some(advice.words(surface));
            if surface == Surface::Http
                && let Some(folder) = advice.folder()
            {
                self.message = self.message.replace(&format!(" under `{folder}`"), "");
            }
            self.advice = Some(advice);
        }
        self
    }

    /// Set the file and position.
    pub fn at(mut self, file: impl Into<String>, pos: Pos) -> Self {
        self.file = Some(file.into());
        self.pos = pos;
        self
    }

    /// Set the help line.
    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Set the help line if there is one.
    pub fn maybe_help(mut self, help: Option<String>) -> Self {
        self.help = help;
        self
    }

    /// Add a note.
    pub fn note(mut self, note: impl Into<String>) -> Self {
        self.notes.push(note.into());
        self
    }

    /// Keep the excerpt of `text` (the located file's text, as read) at the problem's place.
    pub fn with_excerpt_from(mut self, text: &str) -> Self {
        self.excerpt = Excerpt::of(text, self.pos);
        self
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let level = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(f, "{level}[{}]: ", self.code)?;
        if let Some(file) = &self.file {
            if self.pos.is_known() {
                write!(f, "{file}:{}:{}: ", self.pos.line, self.pos.column)?;
            } else {
                write!(f, "{file}: ")?;
            }
        }
        f.write_str(&self.message)?;
        for note in &self.notes {
            write!(f, "\n  note: {note}")?;
        }
        if let Some(help) = &self.help {
            write!(f, "\n  help: {help}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excerpts_cut_long_lines_around_the_column() {
        let text = format!(
            "first\r\n{}needle{}\nlast",
            "a ".repeat(100),
            " b".repeat(100)
        );
        let x = Excerpt::of(&text, Pos::new(2, 201)).unwrap();
        assert!(x.cut_before && x.cut_after);
        assert_eq!(x.text.chars().count(), 2 * EXCERPT_CONTEXT_CHARS + 1);
        assert_eq!(x.column, EXCERPT_CONTEXT_CHARS + 1);
        assert_eq!(x.width, "needle".len());
        assert!(x.text[x.column - 1..].starts_with("needle"));
        let first = Excerpt::of(&text, Pos::new(1, 0)).unwrap();
        assert_eq!((first.text.as_str(), first.column), ("first", 0));
        assert_eq!(Excerpt::of(&text, Pos::new(4, 1)), None);
        // Past the end of the line: just after its last character.
        assert_eq!(Excerpt::of("ab", Pos::new(1, 9)).unwrap().column, 3);
    }
}
