//! Problems found while loading and compiling packs, located in a file.

use std::fmt;

use crate::json::Pos;

/// How serious a problem is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// Worth fixing; the pack still works.
    Warning,
    /// The pack cannot be used.
    Error,
}

/// A problem in a pack, with where it is and how to fix it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// A stable code (`P0xx` pack, `R0xx` rule), see `tcscreen explain`.
    pub code: &'static str,
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
}

impl Diagnostic {
    /// An error.
    pub fn error(code: &'static str, message: impl Into<String>) -> Self {
        Diagnostic {
            code,
            severity: Severity::Error,
            message: message.into(),
            file: None,
            pos: Pos::NONE,
            help: None,
            notes: Vec::new(),
        }
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
