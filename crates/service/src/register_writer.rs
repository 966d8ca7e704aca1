//! The one writer of a register in a long-running process (the server): a thread that owns
//! the register's [`Appender`] (and so its exclusive lock) for the life of the process, and
//! through which every append and every read of that register goes. Requests arrive on a
//! channel from any number of threads or tasks; the writer takes them one at a time, so entries
//! are never interleaved or lost, and it syncs once for all the appends it found waiting
//! (group commit) before it answers any of them: an answered append is on disk.
//!
//! The register is verified once, as a stream, when the writer starts (a damaged register is
//! refused, with the repair hint); that pass builds the register's index
//! ([`crate::register_index`]), which the writer then updates with each append. Nothing reads
//! or verifies the whole register again while the writer runs: cases are listed from the
//! index, and an entry is opened by reading its line at the offset the index keeps and checking
//! it against the hash verified at start. A person's decision is checked against the case's
//! latest screening, so opened ([`crate::decisions::check`]). After a failed write the writer
//! refuses every later append: the file may end with a torn line that only
//! `tcscreen register repair` should touch.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, PoisonError, RwLock, RwLockReadGuard};
use std::thread::JoinHandle;

use tcscreen_core::{DecisionRecord, Json};

use crate::Screened;
use crate::decisions::{self, DecideError, DecisionInput, Latest};
use crate::register::{Appender, Body, Entry, HumanDecision};
use crate::register_index::{RegisterIndex, RoundFacts, Span, case_key};
use crate::register_scan::{read_entry_at, scan};

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
    /// The account that asked for it (a server with accounts).
    pub by: Option<String>,
    /// What the index keeps of it.
    pub facts: RoundFacts,
}

impl ScreeningEntry {
    /// The entry of a screening that names no account (see [`ScreeningEntry::by`]).
    pub fn of(screened: &Screened) -> ScreeningEntry {
        ScreeningEntry {
            request_id: screened.record.request_id.clone(),
            record: screened.record.to_json(),
            canonical: screened.canonical.clone(),
            signer: screened.signer.clone(),
            by: None,
            facts: RoundFacts::of(&screened.record),
        }
    }

    /// This entry, naming the account that asked for the screening.
    pub fn by(mut self, account: Option<String>) -> ScreeningEntry {
        self.by = account;
        self
    }
}

type Reply<T> = Box<dyn FnOnce(T) + Send>;

enum Command {
    Screening(ScreeningEntry, Reply<Result<u64, String>>),
    Decide(
        String,
        DecisionInput,
        Reply<Result<(u64, HumanDecision), DecideError>>,
    ),
}

/// What the writer shares with readers: the index, and the file opened for reading entries.
struct Shared {
    index: RwLock<RegisterIndex>,
    file: File,
}

/// An entry opened from the register: the entry, and a screening's record.
pub type Opened = (Entry, Option<DecisionRecord>);

/// The handle of a register's writer thread. Dropping it lets the thread finish what was sent
/// and end; [`RegisterWriter::close`] also waits for that.
pub struct RegisterWriter {
    commands: Option<Sender<Command>>,
    thread: Option<JoinHandle<()>>,
    path: PathBuf,
    shared: Arc<Shared>,
}

impl RegisterWriter {
    /// Open (or create) the register at `path`, verify it whole (as a stream) while building
    /// its index, and start its writer. A register that is damaged anywhere is refused, with
    /// what is wrong and how to repair it.
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
        let mut index = RegisterIndex::new();
        let verified = scan(path, None, |s| {
            index.add(&s.entry, s.record.as_ref(), s.offset, s.len);
        });
        if let Err((_, broken)) = verified {
            return Err(format!(
                "the register {} is damaged at entry {} ({}): {}; run `tcscreen register verify {}` and repair it (docs/audit.md) before serving it",
                path.display(),
                broken.seq,
                broken.damage.as_str(),
                broken.message,
                path.display()
            ));
        }
        let file = File::open(path)
            .map_err(|e| format!("cannot read the register {}: {e}", path.display()))?;
        let shared = Arc::new(Shared {
            index: RwLock::new(index),
            file,
        });
        let (commands, received) = channel();
        let owned = path.to_path_buf();
        let writing = shared.clone();
        let thread = std::thread::Builder::new()
            .name("register".into())
            .spawn(move || write(&owned, appender, &writing, &received))
            .map_err(|e| format!("cannot start the register's writer: {e}"))?;
        Ok(RegisterWriter {
            commands: Some(commands),
            thread: Some(thread),
            path: path.to_path_buf(),
            shared,
        })
    }

    /// The register's index, to read (hold it briefly: appends wait for it).
    pub fn index(&self) -> RwLockReadGuard<'_, RegisterIndex> {
        self.shared
            .index
            .read()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Open entries by number: each line is read where the index says it lies and checked
    /// against the hash verified at start. Blocks on the file: call it off an async thread.
    pub fn open(&self, seqs: &[u64]) -> Result<Vec<Opened>, String> {
        open_entries(&self.shared, seqs)
    }

    /// The entries of the case of `request_id` (matched without regard to case), oldest
    /// first: empty when the register has none. Blocks on the file.
    pub fn history(&self, request_id: &str) -> Result<Vec<Entry>, String> {
        let seqs = self
            .index()
            .case(request_id)
            .map(|c| c.entries())
            .unwrap_or_default();
        Ok(self.open(&seqs)?.into_iter().map(|(e, _)| e).collect())
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

/// Open entries `seqs` through the index (see [`RegisterWriter::open`]).
fn open_entries(shared: &Shared, seqs: &[u64]) -> Result<Vec<Opened>, String> {
    let spans = {
        let index = shared.index.read().unwrap_or_else(PoisonError::into_inner);
        seqs.iter()
            .map(|&seq| {
                index
                    .span(seq)
                    .copied()
                    .ok_or_else(|| format!("the register has no entry {seq}"))
            })
            .collect::<Result<Vec<_>, _>>()?
    };
    spans
        .iter()
        .map(|span| {
            read_entry_at(
                &shared.file,
                span.offset,
                span.len as usize,
                &span.hash_hex(),
            )
        })
        .collect()
}

/// Put the entry just appended into the index.
fn index_appended(
    shared: &Shared,
    appender: &Appender,
    add: impl FnOnce(&mut RegisterIndex, u64, &str, Span),
) {
    let (seq, hash) = appender.head();
    let (offset, len) = appender.last_span();
    let mut index = shared.index.write().unwrap_or_else(PoisonError::into_inner);
    add(&mut index, seq, hash, Span { offset, len });
}

/// The writer thread: take what is waiting, write it, sync once, answer.
fn write(path: &Path, mut appender: Appender, shared: &Shared, commands: &Receiver<Command>) {
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
        for command in batch {
            match command {
                Command::Screening(entry, reply) => {
                    let result = append_screening(path, &mut appender, shared, &mut failed, entry);
                    appended |= result.is_ok();
                    answers.push(Box::new(move |unsynced| {
                        reply(match unsynced {
                            Some(why) if result.is_ok() => Err(why),
                            _ => result,
                        });
                    }));
                }
                Command::Decide(request_id, input, reply) => {
                    let result = decide(path, &mut appender, shared, &failed, &request_id, input);
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
            }
        }
        let mut unsynced: Option<String> = None;
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

/// Append a screening (unless an earlier write failed) and index it.
fn append_screening(
    path: &Path,
    appender: &mut Appender,
    shared: &Shared,
    failed: &mut Option<String>,
    entry: ScreeningEntry,
) -> Result<u64, String> {
    if let Some(why) = failed {
        return Err(why.clone());
    }
    let body = Body::Screening {
        record: entry.record,
        signer: entry.signer,
        by: entry.by,
    };
    let seq = appender
        .append(&entry.request_id, body, Some(&entry.canonical))
        .map_err(|e| {
            let why = format!("cannot append to the register {}: {e}", path.display());
            *failed = Some(why.clone());
            why
        })?;
    index_appended(shared, appender, |index, seq, hash, at| {
        index.add_screening(seq, hash, entry.facts, at);
    });
    Ok(seq)
}

/// Check a person's decision against the case's latest screening, opened through the index,
/// append it and index it.
fn decide(
    path: &Path,
    appender: &mut Appender,
    shared: &Shared,
    failed: &Option<String>,
    request_id: &str,
    input: DecisionInput,
) -> Result<(u64, HumanDecision), DecideError> {
    if let Some(why) = failed {
        return Err(DecideError::Io(why.clone()));
    }
    let (latest_seq, rounds) = {
        let index = shared.index.read().unwrap_or_else(PoisonError::into_inner);
        match index.case(request_id) {
            Some(case) => (
                Some(case.latest().seq),
                case.rounds.iter().map(|r| r.seq).collect(),
            ),
            None => (None, Vec::new()),
        }
    };
    let opened = match latest_seq {
        Some(seq) => open_entries(shared, &[seq])
            .map_err(|why| DecideError::Io(format!("{}: {why}", path.display())))?
            .pop(),
        None => None,
    };
    let latest = opened.as_ref().and_then(|(entry, record)| {
        record.as_ref().map(|record| Latest {
            seq: entry.seq,
            request_id: &entry.request_id,
            record,
            rounds: &rounds,
        })
    });
    let decision = decisions::check(latest, request_id, input).map_err(DecideError::Refused)?;
    let recorded_as = latest.map_or(request_id, |l| l.request_id).to_string();
    let seq = appender
        .append(&recorded_as, Body::Decision(decision.clone()), None)
        .map_err(|e| {
            DecideError::Io(format!(
                "cannot append to the register {}: {e}",
                path.display()
            ))
        })?;
    index_appended(shared, appender, |index, seq, hash, at| {
        index.add_decision(seq, hash, &recorded_as, &decision, at);
    });
    debug_assert_eq!(case_key(&recorded_as), case_key(request_id));
    Ok((seq, decision))
}
