//! The one writer of a register in a long-running process (the server): a thread that owns
//! the register's [`Appender`] (and so its exclusive lock) for the life of the process, and
//! through which every append and every read of that register goes. Requests arrive on a
//! channel from any number of threads or tasks; the writer takes them one at a time, so entries
//! are never interleaved or lost, and it syncs once for all the appends it found waiting
//! (group commit) before it answers any of them: an answered append is on disk.
//!
//! The register is verified whole when the writer starts (a damaged register is refused, with
//! the repair hint), and a person's decision is checked against a fresh, verified read of it
//! ([`crate::decisions::check`]), as `tcscreen register decide` does. After a failed write the
//! writer refuses every later append: the file may end with a torn line that only
//! `tcscreen register repair` should touch.

use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::thread::JoinHandle;

use tcscreen_core::Json;

use crate::decisions::{self, DecideError, DecisionInput};
use crate::register::{self, Appender, Body, Broken, Entry, HumanDecision};

/// Appends waiting when the writer wakes are written together, up to this many, then synced.
const GROUP_COMMIT: usize = 256;

/// A screening to append.
pub struct ScreeningEntry {
    /// The request screened.
    pub request_id: String,
    /// The record as JSON.
    pub record: Json,
    /// The record's canonical text (written as it is).
    pub canonical: String,
    /// The key that signed the pack, under `--trust`.
    pub signer: Option<String>,
}

type Reply<T> = Box<dyn FnOnce(T) + Send>;

enum Command {
    Screening(ScreeningEntry, Reply<Result<u64, String>>),
    Decide(
        String,
        DecisionInput,
        Reply<Result<(u64, HumanDecision), DecideError>>,
    ),
    History(String, Reply<Result<Vec<Entry>, Broken>>),
}

/// The handle of a register's writer thread. Dropping it lets the thread finish what was sent
/// and end; [`RegisterWriter::close`] also waits for that.
pub struct RegisterWriter {
    commands: Option<Sender<Command>>,
    thread: Option<JoinHandle<()>>,
    path: PathBuf,
}

impl RegisterWriter {
    /// Open (or create) the register at `path`, verify it whole, and start its writer. A
    /// register that is damaged anywhere is refused, with what is wrong and how to repair it.
    pub fn start(path: &Path) -> Result<RegisterWriter, String> {
        RegisterWriter::start_saying(path, &mut |_| {})
    }

    /// [`RegisterWriter::start`], telling `say` at once, if another process holds the
    /// register, which one and what to do, before waiting for it (a server starting on a
    /// register that `screen --register`, `register decide` or another server holds).
    pub fn start_saying(path: &Path, say: &mut dyn FnMut(&str)) -> Result<RegisterWriter, String> {
        let appender = Appender::open_waiting(path, &mut |_| {
            let who =
                crate::register_file::holder(path).unwrap_or_else(|| "another process".to_string());
            say(&format!(
                "the register {} is held by {who}, which appends to it: this server waits until it stops, then starts (a server is its register's only writer while it runs). Stop that process, or serve another register with --register",
                path.display()
            ));
        })?;
        if let Err((_, broken)) = register::read(path, None) {
            return Err(format!(
                "the register {} is damaged at entry {} ({}): {}; run `tcscreen register verify {}` and repair it (docs/audit.md) before serving it",
                path.display(),
                broken.seq,
                broken.damage.as_str(),
                broken.message,
                path.display()
            ));
        }
        let (commands, received) = channel();
        let owned = path.to_path_buf();
        let thread = std::thread::Builder::new()
            .name("register".into())
            .spawn(move || write(&owned, appender, &received))
            .map_err(|e| format!("cannot start the register's writer: {e}"))?;
        Ok(RegisterWriter {
            commands: Some(commands),
            thread: Some(thread),
            path: path.to_path_buf(),
        })
    }

    /// The register's file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn send(&self, command: Command) {
        if let Some(commands) = &self.commands {
            // The thread only ends when the handle is dropped or closed.
            let _ = commands.send(command);
        }
    }

    /// Append a screening; `reply` gets its sequence number once it is on disk.
    pub fn append_screening(
        &self,
        entry: ScreeningEntry,
        reply: impl FnOnce(Result<u64, String>) + Send + 'static,
    ) {
        self.send(Command::Screening(entry, Box::new(reply)));
    }

    /// Check a person's decision on the latest screening of `request_id` and append it;
    /// `reply` gets its sequence number and the entry once it is on disk.
    pub fn decide(
        &self,
        request_id: &str,
        input: DecisionInput,
        reply: impl FnOnce(Result<(u64, HumanDecision), DecideError>) + Send + 'static,
    ) {
        self.send(Command::Decide(
            request_id.to_string(),
            input,
            Box::new(reply),
        ));
    }

    /// The verified entries about `request_id`, in order (screenings and decisions).
    pub fn history(
        &self,
        request_id: &str,
        reply: impl FnOnce(Result<Vec<Entry>, Broken>) + Send + 'static,
    ) {
        self.send(Command::History(request_id.to_string(), Box::new(reply)));
    }

    /// Stop taking requests, finish those sent, sync, and wait for the writer to end.
    pub fn close(mut self) {
        self.stop();
    }

    fn stop(&mut self) {
        self.commands = None;
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for RegisterWriter {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The writer thread: take what is waiting, write it, sync once, answer.
fn write(path: &Path, mut appender: Appender, commands: &Receiver<Command>) {
    let mut failed: Option<String> = None;
    while let Ok(first) = commands.recv() {
        let mut batch = vec![first];
        while batch.len() < GROUP_COMMIT {
            match commands.try_recv() {
                Ok(next) => batch.push(next),
                Err(_) => break,
            }
        }
        // Each answer is given the sync's failure, if any: an append is only done once synced.
        let mut answers: Vec<Box<dyn FnOnce(Option<String>) + Send>> = Vec::new();
        let mut appended = false;
        let mut unsynced: Option<String> = None;
        for command in batch {
            match command {
                Command::Screening(entry, reply) => {
                    let result = match &failed {
                        Some(why) => Err(why.clone()),
                        None => {
                            let body = Body::Screening {
                                record: entry.record,
                                signer: entry.signer,
                            };
                            appender
                                .append(&entry.request_id, body, Some(&entry.canonical))
                                .map_err(|e| {
                                    let why = format!(
                                        "cannot append to the register {}: {e}",
                                        path.display()
                                    );
                                    failed = Some(why.clone());
                                    why
                                })
                        }
                    };
                    appended |= result.is_ok();
                    answers.push(Box::new(move |unsynced| {
                        reply(match unsynced {
                            Some(why) if result.is_ok() => Err(why),
                            _ => result,
                        });
                    }));
                }
                Command::Decide(request_id, input, reply) => {
                    // A decision is checked against what is on disk, so what was appended
                    // before it must be there first.
                    if appended {
                        if let Err(e) = appender.sync() {
                            let why = format!("cannot sync the register {}: {e}", path.display());
                            failed.get_or_insert(why.clone());
                            unsynced = Some(why);
                        }
                        appended = false;
                    }
                    let result = decide(path, &mut appender, &failed, &request_id, input);
                    if let Err(DecideError::Io(why)) = &result {
                        failed.get_or_insert(why.clone());
                    }
                    appended |= result.is_ok();
                    answers.push(Box::new(move |unsynced| {
                        reply(match unsynced {
                            Some(why) if result.is_ok() => Err(DecideError::Io(why)),
                            _ => result,
                        });
                    }));
                }
                Command::History(request_id, reply) => {
                    let result = register::read(path, None)
                        .map(|entries| {
                            entries
                                .into_iter()
                                .filter(|e| e.request_id == request_id)
                                .collect()
                        })
                        .map_err(|(_, broken)| broken);
                    answers.push(Box::new(move |_| reply(result)));
                }
            }
        }
        if appended && let Err(e) = appender.sync() {
            // The appends may not be on disk: say so to everyone waiting for one.
            let why = format!("cannot sync the register {}: {e}", path.display());
            failed.get_or_insert(why.clone());
            unsynced = Some(why);
        }
        for answer in answers {
            answer(unsynced.clone());
        }
    }
}

fn decide(
    path: &Path,
    appender: &mut Appender,
    failed: &Option<String>,
    request_id: &str,
    input: DecisionInput,
) -> Result<(u64, HumanDecision), DecideError> {
    if let Some(why) = failed {
        return Err(DecideError::Io(why.clone()));
    }
    decisions::decide(appender, path, request_id, input)
}
