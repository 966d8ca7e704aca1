//! Exit codes (spec §7): 0 done, 1 a negative result the user asked to fail on, 2 usage error,
//! 3 some input or pack could not be read, parsed or screened, or a rule failed. When several
//! apply, 2 wins over 3, and 3 over 1.

use std::process::ExitCode;

/// The exit codes, as `--help` ends.
pub(crate) const AFTER_HELP: &str = "\
Exit codes:
  0  done (whatever the decisions)
  1  a negative result you asked to fail on (--fail-on reached, a test failed)
  2  usage error
  3  some input or pack could not be read, parsed or screened, or a rule failed
When several apply, 2 wins over 3, and 3 over 1.";

/// The outcome of a command, as an exit code.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ExitStatus {
    /// Done, whatever the decisions.
    #[default]
    Success,
    /// `--fail-on` reached, a test failed, `check` found problems.
    Failure,
    /// Bad command line.
    Usage,
    /// Input or pack unreadable, or a rule failed.
    Error,
}

impl ExitStatus {
    /// The process exit code.
    pub fn code(self) -> u8 {
        match self {
            ExitStatus::Success => 0,
            ExitStatus::Failure => 1,
            ExitStatus::Usage => 2,
            ExitStatus::Error => 3,
        }
    }

    fn priority(self) -> u8 {
        match self {
            ExitStatus::Success => 0,
            ExitStatus::Failure => 1,
            ExitStatus::Error => 2,
            ExitStatus::Usage => 3,
        }
    }

    /// The status that wins when both apply.
    pub fn max(self, other: ExitStatus) -> ExitStatus {
        if other.priority() > self.priority() {
            other
        } else {
            self
        }
    }

    /// Raise to `other` if it wins.
    pub fn raise(&mut self, other: ExitStatus) {
        *self = self.max(other);
    }
}

impl From<ExitStatus> for ExitCode {
    fn from(status: ExitStatus) -> ExitCode {
        ExitCode::from(status.code())
    }
}

#[cfg(test)]
mod tests {
    use super::ExitStatus::*;

    #[test]
    fn priority_is_usage_then_error_then_failure() {
        assert_eq!(Failure.max(Error), Error);
        assert_eq!(Error.max(Failure), Error);
        assert_eq!(Error.max(Usage), Usage);
        assert_eq!(Success.max(Failure), Failure);
    }
}
