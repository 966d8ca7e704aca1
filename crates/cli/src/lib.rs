//! The `tcscreen` command line (spec §7): arguments (`args`), the verb run for them
//! (`dispatch`, `commands/`), printing (`console`, `diagnostics`, `progress`) and exit codes
//! (`exit_codes`). The work is the service's (`tcscreen_service`). `main.rs` only installs the
//! allocator and calls [`main`].

#![deny(missing_docs)]

pub mod args;
pub mod commands;
pub mod console;
pub mod diagnostics;
pub mod dispatch;
pub mod exit_codes;
pub mod global_args;
pub mod interrupt;
pub mod progress;
pub mod rules_folder;

use std::process::ExitCode;

use clap::Parser;
use tcscreen_core::EVAL_STACK_BYTES;

pub use args::Cli;
use console::errln;
pub use exit_codes::ExitStatus;

/// Run the command line: parse arguments, then run the verb on a thread with a stack large
/// enough for rule evaluation.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() {
                ExitStatus::Usage.code()
            } else {
                0
            });
        }
    };
    install_panic_hook();
    let worker = std::thread::Builder::new()
        .name("tcscreen".into())
        .stack_size(EVAL_STACK_BYTES)
        .spawn(move || dispatch::run(cli));
    match worker.map(|handle| handle.join()) {
        Ok(Ok(status)) => status.into(),
        _ => {
            errln!("error: tcscreen failed internally (a bug); please report it");
            ExitStatus::Error.into()
        }
    }
}

/// Panics inside rule evaluation are reported as rule errors; keep the default message for
/// every other panic.
fn install_panic_hook() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if !tcscreen_core::panic_is_contained() {
            default(info);
        }
    }));
}
