//! A problem met while importing IATI XML: what is wrong, where in the file, the activity it
//! concerns when known, and how to fix it. It becomes a [`Diagnostic`] named after the file,
//! printed like every other problem.

use tcscreen_core::{Code, Diagnostic, Pos};

use super::tally::Place;

/// A problem with an IATI file or one of its activities.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportProblem {
    /// What kind of problem (`I03x`).
    pub code: Code,
    /// Where it is in the file.
    pub place: Place,
    /// What is wrong.
    pub message: String,
    /// How to fix it.
    pub help: Option<String>,
    /// The activity's identifier, when it has one.
    pub activity: Option<String>,
}

impl ImportProblem {
    /// A problem at `place`.
    pub fn at(code: Code, place: Place, message: String) -> ImportProblem {
        ImportProblem {
            code,
            place,
            message,
            help: None,
            activity: None,
        }
    }

    /// With a help line.
    pub fn help(mut self, help: &str) -> ImportProblem {
        self.help = Some(help.to_string());
        self
    }

    /// About the activity `identifier`.
    pub fn activity(mut self, identifier: Option<&str>) -> ImportProblem {
        self.activity = identifier.map(str::to_string);
        self
    }

    /// The problem as a diagnostic located in `file`.
    pub fn to_diagnostic(&self, file: &str) -> Diagnostic {
        let message = match &self.activity {
            Some(id) => format!("activity {id}: {}", self.message),
            None => self.message.clone(),
        };
        let mut d = Diagnostic::error(self.code, message);
        d.file = Some(file.to_string());
        d.pos = Pos::new(
            u32::try_from(self.place.line).unwrap_or(u32::MAX),
            u32::try_from(self.place.column).unwrap_or(u32::MAX),
        );
        d.help = self.help.clone();
        d
    }
}
