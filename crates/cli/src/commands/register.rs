//! `tcscreen register`: verify the decision register, replay it, record human decisions, show
//! a request's history, and drop the torn last line a crash can leave.

use crate::console::{errln, outln};
use std::path::{Path, PathBuf};

use tcscreen_core::{Date, Decision};

use crate::commands::replay::{self, ReplayFormat};
use crate::commands::verify_report;
use crate::exit_codes::ExitStatus;
use crate::global_args::GlobalArgs;
use tcscreen_service::decisions::{self, Audience, DecideError, DecisionInput};
use tcscreen_service::escape::controls as esc;
use tcscreen_service::plural;
use tcscreen_service::register::{Appender, Body};
use tcscreen_service::register_repair::{self, TornTail};
use tcscreen_service::register_scan::{self, Tally};

/// Arguments of `register`.
#[derive(Debug, clap::Args)]
pub struct RegisterArgs {
    /// What to do with the register.
    #[command(subcommand)]
    pub action: RegisterAction,
}

/// The register's verbs.
#[derive(Debug, clap::Subcommand)]
pub enum RegisterAction {
    /// Check that no entry was modified, deleted, inserted, reordered or cut off.
    Verify {
        /// The register file.
        file: PathBuf,
        /// The last entry as recorded elsewhere (`SEQ:HASH`, from `register head`), to also
        /// catch entries removed from the end.
        #[arg(long, value_name = "SEQ:HASH")]
        head: Option<String>,
    },
    /// Print the last entry's sequence number and hash, to keep somewhere else.
    Head {
        /// The register file.
        file: PathBuf,
    },
    /// Replay every screening in the register.
    Replay {
        /// The register file.
        file: PathBuf,
        /// Output format.
        #[arg(long, value_enum, default_value_t = ReplayFormat::Text)]
        format: ReplayFormat,
        /// Accept only packs signed by a key in DIR.
        #[arg(long, value_name = "DIR")]
        trust: Option<PathBuf>,
    },
    /// Record a person's decision on the latest screening of a request.
    Decide {
        /// The request.
        request_id: String,
        /// The register file.
        #[arg(long, env = "TCSCREEN_REGISTER", value_name = "FILE")]
        register: PathBuf,
        /// The decision taken.
        #[arg(long, value_parser = decision_value())]
        decision: Decision,
        /// Who takes it: with `--users`, an account with the decider role, whose password is
        /// asked; without, the name of the one person who keeps this register.
        #[arg(long, value_name = "NAME")]
        by: String,
        /// The accounts of `tcscreen serve --users FILE`: the decision is recorded under the
        /// account `--by` names once its password is given, as the server records it.
        #[arg(long, env = "TCSCREEN_USERS", value_name = "FILE")]
        users: Option<PathBuf>,
        /// Read the account's password from the first line of standard input instead of
        /// asking.
        #[arg(long, requires = "users")]
        password_stdin: bool,
        /// Why; required when it departs from the screening or waives rules.
        #[arg(long, value_name = "TEXT")]
        reason: Option<String>,
        /// Rules whose findings are set aside (full ids, e.g. base/DL-03).
        #[arg(long = "waive", value_name = "RULE_ID")]
        waive: Vec<String>,
        /// The date of the decision (default: today, UTC).
        #[arg(long, value_name = "YYYY-MM-DD", value_parser = crate::global_args::parse_date)]
        at: Option<Date>,
        /// The entry of the screening read and decided on (from `register show`): refused if
        /// the request was screened again since. Default: the latest screening.
        #[arg(long, value_name = "SEQ")]
        screening: Option<u64>,
    },
    /// Repair a register a crash left with an incomplete last line: show that line, then
    /// drop it. Nothing else is ever changed; any other damage is reported and left as it is.
    Repair {
        /// The register file.
        file: PathBuf,
        /// Drop the last line if it is unterminated and not a complete entry (required: the
        /// only repair there is).
        #[arg(long, required = true)]
        truncate_torn_tail: bool,
    },
    /// Print a request's history: its screenings and the decisions taken on them.
    Show {
        /// The request.
        request_id: String,
        /// The register file.
        #[arg(long, env = "TCSCREEN_REGISTER", value_name = "FILE")]
        register: PathBuf,
    },
}

/// `--decision`: accept, revise or reject, read as the API reads a decision's `decision`.
fn decision_value() -> impl clap::builder::TypedValueParser<Value = Decision> {
    use clap::builder::TypedValueParser as _;
    clap::builder::PossibleValuesParser::new([
        Decision::Accept.as_str(),
        Decision::Revise.as_str(),
        Decision::Reject.as_str(),
    ])
    .try_map(|name| Decision::parse(&name).ok_or("not a decision"))
}

/// Run `register`.
pub fn register(cli: &GlobalArgs, args: &RegisterArgs) -> ExitStatus {
    match &args.action {
        RegisterAction::Verify { file, head } => verify(file, head.as_deref()),
        RegisterAction::Head { file } => match register_scan::scan(file, None, |_| {}) {
            Ok(Tally {
                entries, last_hash, ..
            }) => {
                outln!("{entries}:{last_hash}");
                ExitStatus::Success
            }
            Err((_, broken)) => {
                errln!(
                    "error: {}: entry {} {}: {}",
                    file.display(),
                    broken.seq,
                    broken.damage.as_str(),
                    broken.message
                );
                ExitStatus::Failure
            }
        },
        RegisterAction::Replay {
            file,
            format,
            trust,
        } => {
            if let Err((_, broken)) = register_scan::scan(file, None, |_| {}) {
                errln!(
                    "error: {}: entry {} {}: {}",
                    file.display(),
                    broken.seq,
                    broken.damage.as_str(),
                    broken.message
                );
                return ExitStatus::Failure;
            }
            match replay::replay_all(cli, &[file.to_string_lossy().to_string()], trust.as_deref()) {
                Ok(reports) => replay::print(&reports, *format),
                Err(status) => status,
            }
        }
        RegisterAction::Decide {
            request_id,
            register,
            decision,
            by,
            users,
            password_stdin,
            reason,
            waive,
            at,
            screening,
        } => decide(
            request_id,
            register,
            *decision,
            &DecidedBy {
                name: by,
                users: users.as_deref(),
                password_stdin: *password_stdin,
            },
            reason.as_deref(),
            waive,
            (*at, *screening),
        ),
        RegisterAction::Show {
            request_id,
            register,
        } => show(request_id, register),
        RegisterAction::Repair { file, .. } => repair(file),
    }
}

fn repair(file: &Path) -> ExitStatus {
    let show = |line: &[u8]| {
        // The line as it is, escaped so that it stays one line and shows every byte.
        let text = String::from_utf8_lossy(line);
        let shown: String = text.chars().take(400).collect();
        let more = if text.chars().count() > 400 {
            "…"
        } else {
            ""
        };
        outln!(
            "torn last line of {} ({} bytes):",
            file.display(),
            line.len()
        );
        outln!("  {:?}{more}", shown);
    };
    match register_repair::truncate_torn_tail(file, show) {
        Ok(TornTail::None) => {
            outln!(
                "nothing to repair: {} ends with a complete line (`tcscreen register verify` checks the rest)",
                file.display()
            );
            ExitStatus::Success
        }
        Ok(TornTail::Dropped { line, last_seq }) => {
            outln!(
                "dropped the torn last line ({} bytes); the register ends at entry {last_seq}",
                line.len()
            );
            verify(file, None)
        }
        Err(e) => {
            errln!("error: {e}");
            ExitStatus::Failure
        }
    }
}

/// Verify as a stream: memory holds one entry at a time (and 8 bytes a screening).
fn verify(file: &Path, head: Option<&str>) -> ExitStatus {
    // A name that is not a regular file (a pipe, a device) is refused before anything is read.
    let readable =
        tcscreen_service::register_file::open_regular(file, std::fs::OpenOptions::new().read(true));
    if let Err(why) = readable {
        errln!("error: {}", esc(&why));
        return ExitStatus::Error;
    }
    match register_scan::scan(file, head, |_| {}) {
        Ok(tally) => {
            verify_report::intact(file, &tally);
            ExitStatus::Success
        }
        Err((good, broken)) => {
            verify_report::broken(file, &good, &broken);
            ExitStatus::Failure
        }
    }
}

#[allow(
    clippy::too_many_arguments,
    reason = "one argument per flag of the verb"
)]
fn decide(
    request_id: &str,
    file: &Path,
    decision: Decision,
    by: &DecidedBy<'_>,
    reason: Option<&str>,
    waive: &[String],
    (at, screening): (Option<Date>, Option<u64>),
) -> ExitStatus {
    let by = match by.account() {
        Ok(name) => name,
        Err(why) => {
            errln!("error: {why}");
            return ExitStatus::Usage;
        }
    };
    let mut appender = match Appender::open_waiting(file, &mut |why| errln!("note: {why}")) {
        Ok(a) => a,
        Err(e) => {
            errln!("error: {e}");
            return ExitStatus::Error;
        }
    };
    let input = DecisionInput {
        decision,
        by,
        reason: reason.map(str::to_string),
        waived: waive.to_vec(),
        at,
        screening,
    };
    let decided =
        decisions::decide(&mut appender, file, request_id, input).and_then(
            |decided| match appender.sync() {
                Ok(()) => Ok(decided),
                Err(e) => Err(DecideError::Io(format!(
                    "cannot sync the register {}: {e}",
                    file.display()
                ))),
            },
        );
    match decided {
        Ok((seq, decided)) => {
            let overrides = if Some(decided.decision) == decided.screened_decision {
                String::new()
            } else {
                format!(
                    ", overriding the screening's {}",
                    decided
                        .screened_decision
                        .map_or("no decision", Decision::as_str)
                )
            };
            outln!(
                "entry {seq}: {} decided {} on {}{overrides}",
                esc(&decided.by),
                decided.decision,
                esc(request_id)
            );
            ExitStatus::Success
        }
        Err(e) => not_decided(&e, file),
    }
}

/// Say why a decision was not recorded, in the terms of the command line (its flags, the
/// register's file).
fn not_decided(e: &DecideError, file: &Path) -> ExitStatus {
    match e {
        DecideError::Damaged(broken) => {
            errln!(
                "error: the register {} is damaged at entry {} ({}): {}; run `tcscreen register verify` and repair it before deciding",
                file.display(),
                broken.seq,
                broken.damage.as_str(),
                esc(&broken.message)
            );
            ExitStatus::Error
        }
        DecideError::Io(why) => {
            errln!("error: {why}");
            ExitStatus::Error
        }
        DecideError::Refused(refused) => {
            let told = refused.describe(Audience::CommandLine { register: file });
            errln!("error: {}", told.message);
            if let Some(help) = told.help {
                errln!("  help: {help}");
            }
            ExitStatus::Usage
        }
    }
}

fn show(request_id: &str, file: &Path) -> ExitStatus {
    let (history, broken) = register_scan::history(file, request_id);
    let status = match broken {
        None => ExitStatus::Success,
        Some(broken) => {
            errln!(
                "warning: {}: entry {} {}: {}; showing the entries before it",
                file.display(),
                broken.seq,
                broken.damage.as_str(),
                esc(&broken.message)
            );
            ExitStatus::Failure
        }
    };
    if history.is_empty() {
        errln!(
            "no entries for request `{}` in {}",
            esc(request_id),
            file.display()
        );
        return status.max(ExitStatus::Failure);
    }
    outln!(
        "{}: {} {}",
        esc(request_id),
        history.len(),
        plural(history.len(), "entry", "entries")
    );
    for entry in &history {
        match &entry.body {
            Body::Screening { signer, by, .. } => {
                let r = entry.screening_record();
                let decision = r
                    .as_ref()
                    .and_then(|r| r.decision)
                    .map_or("no decision", Decision::as_str);
                let (pack, as_of, findings) =
                    r.as_ref().map_or((String::new(), String::new(), 0), |r| {
                        (
                            format!("{} {}", esc(&r.pack.id), esc(&r.pack.version)),
                            r.as_of.to_string(),
                            r.findings.len(),
                        )
                    });
                let signer = signer
                    .as_ref()
                    .map_or_else(String::new, |s| format!(", pack signed by {}", esc(s)));
                let by = by
                    .as_ref()
                    .map_or_else(String::new, |a| format!(", screened by {}", esc(a)));
                outln!(
                    "  #{:<4} screening  {as_of}  {decision:<11} pack {pack}, {findings} findings{signer}{by}",
                    entry.seq
                );
            }
            Body::Decision(d) => {
                let screened = d.screened_decision.map_or("no decision", Decision::as_str);
                let verb = if Some(d.decision) == d.screened_decision {
                    "confirms"
                } else {
                    "overrides"
                };
                outln!(
                    "  #{:<4} decision   {}  {:<11} by {}, {verb} #{} ({screened})",
                    entry.seq,
                    esc(&d.at),
                    d.decision.as_str(),
                    esc(&d.by),
                    d.screening_seq
                );
                if let Some(reason) = &d.reason {
                    outln!("          reason: {}", esc(reason));
                }
                if !d.waived.is_empty() {
                    outln!("          waived: {}", esc(&d.waived.join(", ")));
                }
            }
        }
    }
    status
}

/// Who `register decide` records as taking the decision.
struct DecidedBy<'a> {
    /// `--by`.
    name: &'a str,
    /// `--users`: the server's accounts.
    users: Option<&'a Path>,
    /// `--password-stdin`.
    password_stdin: bool,
}

impl DecidedBy<'_> {
    /// The name to record: with a users file, the account `--by` names, once it is shown to
    /// have the decider role and its password is given (as the server records the signed-in
    /// account); without one, the name given, as in the server's single-person mode.
    fn account(&self) -> Result<String, String> {
        let name = self.name.trim();
        let Some(file) = self.users else {
            return Ok(name.to_string());
        };
        let accounts = tcscreen_service::users::read(file)?;
        let password = if self.password_stdin {
            let mut line = String::new();
            std::io::BufRead::read_line(&mut std::io::stdin().lock(), &mut line)
                .map_err(|e| format!("cannot read the password: {e}"))?;
            line.trim_end_matches(['\n', '\r']).to_string()
        } else {
            rpassword::prompt_password(format!("Password for {name}: ")).map_err(|e| {
                format!(
                    "cannot ask for the password on a terminal ({e}): give --password-stdin and the password on standard input"
                )
            })?
        };
        let user = accounts.get(name);
        if !tcscreen_service::users::verify_password(user, &password) {
            return Err(format!(
                "no account {name} with that password in {}: the decision is recorded under an account of the users file once its password is given",
                file.display()
            ));
        }
        if !user.is_some_and(|u| u.has(tcscreen_service::users::Role::Decider)) {
            return Err(format!(
                "the account {name} may not record decisions: give it the decider role (`tcscreen users roles {name} --role decider`)"
            ));
        }
        Ok(name.to_string())
    }
}
