//! Standard output and standard error for every command.
//!
//! Rust ignores `SIGPIPE`, so writing to a pipe whose reader has gone (`tcscreen … | head -1`)
//! returns an error, which `println!` turns into a panic. Every write of the command line goes
//! through here instead (clippy refuses `println!` and friends in this crate, see
//! `crates/cli/clippy.toml`):
//!
//! - stdout ([`outln!`], [`out!`]): a closed pipe means the reader stopped early, so the process
//!   ends quietly with exit 0, as Unix tools do; any other failure to write results (a full
//!   disk) is reported on stderr and ends the process with exit 3;
//! - stderr ([`errln!`]): a failure is ignored. Messages are lost, the work is not.

use std::fmt;
use std::io::{self, Write};

use crate::exit_codes::ExitStatus;

/// Write to stdout; see the module documentation for what a failed write does.
pub fn write_stdout(args: fmt::Arguments<'_>, newline: bool) {
    let mut stdout = io::stdout().lock();
    let mut result = stdout.write_fmt(args);
    if newline && result.is_ok() {
        result = stdout.write_all(b"\n");
    }
    if let Err(e) = result {
        drop(stdout);
        stdout_failed(&e);
    }
}

/// Write to stderr, ignoring failure.
pub fn write_stderr(args: fmt::Arguments<'_>, newline: bool) {
    let mut stderr = io::stderr().lock();
    let _ = stderr.write_fmt(args);
    if newline {
        let _ = stderr.write_all(b"\n");
    }
}

/// Whether a failed write to stdout means that the reader has gone.
pub fn is_closed_pipe(e: &io::Error) -> bool {
    e.kind() == io::ErrorKind::BrokenPipe
}

/// End the process after stdout failed: quietly with 0 if the reader has gone, else with 3.
pub fn stdout_failed(e: &io::Error) -> ! {
    if is_closed_pipe(e) {
        std::process::exit(0);
    }
    write_stderr(
        format_args!("error: cannot write to standard output: {e}"),
        true,
    );
    std::process::exit(i32::from(ExitStatus::Error.code()));
}

/// `println!` for results: a closed stdout ends the process quietly (exit 0).
macro_rules! outln {
    () => {
        $crate::console::write_stdout(format_args!(""), true)
    };
    ($($arg:tt)*) => {
        $crate::console::write_stdout(format_args!($($arg)*), true)
    };
}

/// `print!` for results: a closed stdout ends the process quietly (exit 0).
macro_rules! out {
    ($($arg:tt)*) => {
        $crate::console::write_stdout(format_args!($($arg)*), false)
    };
}

/// `eprintln!` for messages: a closed stderr is ignored.
macro_rules! errln {
    ($($arg:tt)*) => {
        $crate::console::write_stderr(format_args!($($arg)*), true)
    };
}

pub(crate) use {errln, out, outln};
