//! Running a parsed command line: the verb's function, with the error format chosen.

use crate::args::{Cli, Command};
use crate::commands;
use crate::diagnostics;
use crate::exit_codes::ExitStatus;

/// Run a parsed command line.
pub fn run(cli: Cli) -> ExitStatus {
    diagnostics::set_format(cli.global.error_format);
    let global = &cli.global;
    match &cli.command {
        Command::Screen(args) => commands::screen::screen(global, args),
        Command::Import(args) => commands::import::import(global, args),
        Command::Packs(args) => commands::packs::packs(global, args),
        Command::Check(args) => commands::check::check(global, args),
        Command::Test(args) => commands::test::test(global, args),
        Command::Replay(args) => commands::replay::replay(global, args),
        Command::Impact(args) => commands::impact::impact(global, args),
        Command::Compare(args) => commands::compare::compare(global, args),
        Command::Register(args) => commands::register::register(global, args),
        Command::Keygen(args) => commands::keys::keygen(args),
        Command::Sign(args) => commands::keys::sign(global, args),
        Command::Explain(args) => commands::explain::explain(args),
        Command::Rule(args) => commands::rule::rule(global, args),
        Command::New(args) => commands::new::new(global, args),
        Command::Validate(args) => commands::validate::validate(global, args),
        Command::Schema(args) => commands::schema::schema(args),
        Command::Serve(args) => commands::serve::serve(global, args),
        Command::Users(args) => commands::users::users(args),
    }
}
