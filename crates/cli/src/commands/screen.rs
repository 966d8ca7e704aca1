//! `tcscreen screen`: screen requests in parallel and write records in input order.
//!
//! A reader thread walks the inputs lazily; worker threads (each with a large stack and its
//! own compiled packs) validate, select a pack and screen; the calling thread puts results back
//! in input order and writes them. At most a fixed window of requests is in flight, so memory
//! does not grow with the size of the input. The records do not depend on `--jobs`.

use crate::console::{self, errln};
use std::collections::{BTreeMap, BTreeSet};
use std::num::NonZeroUsize;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, Sender, channel, sync_channel};
use std::sync::{Arc, Condvar, Mutex};

use clap::ValueEnum;
use tcscreen_core::{
    Date, Decision, DecisionRecord, EVAL_STACK_BYTES, RequestLimits, ValidRequest,
};
use tcscreen_packs::Catalog;
use tcscreen_packs::signature::TrustedKeys;

use crate::escape::controls as esc;
use crate::exit::ExitStatus;
use crate::inputs::{Inputs, Item, Source};
use crate::interrupt;
use crate::output::{self, Output};
use crate::progress::Progress;
use crate::register::{Appender, Body};
use crate::render::{self, Tally};
use crate::screener::{self, PackChoice, PackNote, Problem, Screened, Screener};
use crate::{Cli, parse_date};

/// Arguments of `screen`.
#[derive(Debug, clap::Args)]
pub struct ScreenArgs {
    /// Request files, folders (their *.json and *.jsonl), .jsonl files (a request a line), or -
    /// for stdin (the default).
    #[arg(value_name = "INPUT")]
    pub inputs: Vec<String>,

    /// Screen with this pack: ID, ID@VERSION, or a pack folder. Default: the pack whose country
    /// is the request's and whose validity covers the as-of date.
    #[arg(long, value_name = "ID[@VERSION]|PATH")]
    pub pack: Option<String>,

    /// The screening date. Default: each request's `received` date.
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_date)]
    pub as_of: Option<Date>,

    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,

    /// Write results to FILE (atomically, when the batch completes) instead of stdout.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,

    /// Screening threads, 1 to 256. Default: the number of available cores (at most 256).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=MAX_JOBS as i64))]
    pub jobs: Option<u16>,

    /// Accept only packs signed by a key in DIR (its *.pub files); refuse the rest.
    #[arg(long, value_name = "DIR")]
    pub trust: Option<PathBuf>,

    /// Explain each screening on stderr: every rule in order, what it read, what it recorded
    /// and what it printed with debug().
    #[arg(long)]
    pub trace: bool,

    /// Append every record to this decision register (created if missing).
    #[arg(long, value_name = "FILE")]
    pub register: Option<PathBuf>,

    /// Refuse requests larger than this many bytes (at most the default, 4 MiB), without
    /// reading them whole.
    #[arg(long, value_name = "BYTES")]
    pub max_request_bytes: Option<usize>,

    /// No progress bar.
    #[arg(long, short)]
    pub quiet: bool,

    /// Exit with 1 if any request gets this decision or a worse one.
    #[arg(long, value_enum, value_name = "DECISION")]
    pub fail_on: Option<FailOn>,
}

/// The most screening threads `--jobs` accepts: each holds its own compiled packs.
pub const MAX_JOBS: usize = 256;

/// Output formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// For people.
    Text,
    /// The record when one request was given, else an array of records.
    Json,
    /// One canonical record a line, in input order.
    Jsonl,
    /// A decision note per request, to send back to the requester.
    Markdown,
}

/// Decisions `--fail-on` can name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    /// Revise or reject.
    Revise,
    /// Reject.
    Reject,
}

/// What happened to one request.
enum Outcome {
    Record(Box<Screened>, String, Source),
    NotScreened {
        source: Source,
        request_id: Option<String>,
        problem: Problem,
    },
}

/// What workers share.
struct Shared<'a> {
    catalog: &'a Catalog,
    choice: PackChoice,
    as_of: Option<Date>,
    request_limits: RequestLimits,
    trust: Option<&'a TrustedKeys>,
    trace: bool,
}

/// A counting semaphore bounding the requests in flight.
struct Window {
    free: Mutex<usize>,
    changed: Condvar,
}

impl Window {
    /// Wait for a free place; false if the batch is over (interrupted, or the writer stopped).
    fn acquire(&self) -> bool {
        let mut free = self
            .free
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        while *free == 0 {
            if interrupt::requested() {
                return false;
            }
            free = self
                .changed
                .wait_timeout(free, std::time::Duration::from_millis(100))
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .0;
        }
        if interrupt::requested() {
            return false;
        }
        *free -= 1;
        true
    }

    fn release(&self) {
        *self
            .free
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) += 1;
        self.changed.notify_one();
    }

    /// Let a waiting reader go.
    fn close(&self) {
        *self
            .free
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = usize::MAX / 2;
        self.changed.notify_all();
    }
}

/// Run `screen`.
pub fn screen(cli: &Cli, args: &ScreenArgs) -> ExitStatus {
    if args.inputs.is_empty() && std::io::IsTerminal::is_terminal(&std::io::stdin()) {
        errln!(
            "error: no requests to screen: name files or folders, or pipe requests in and give `-`"
        );
        return ExitStatus::Usage;
    }
    if let Err(why) = check_out(args) {
        errln!("error: {why}");
        return ExitStatus::Usage;
    }
    let rules_display = cli
        .rules
        .to_string_lossy()
        .trim_end_matches('/')
        .to_string();
    let mut catalog = match Catalog::discover(&cli.rules, &rules_display) {
        Ok(catalog) => catalog,
        Err(d) => {
            crate::diagnostics::emit(&d);
            return ExitStatus::Error;
        }
    };
    let Some(choice) = PackChoice::from_arg(args.pack.as_deref(), &mut catalog) else {
        return ExitStatus::Error;
    };
    let trust = match args.trust.as_deref().map(TrustedKeys::load).transpose() {
        Ok(trust) => trust,
        Err(d) => {
            crate::diagnostics::emit(&d);
            return ExitStatus::Error;
        }
    };
    let mut register = match args.register.as_deref().map(Appender::open).transpose() {
        Ok(register) => register,
        Err(e) => {
            errln!("error: {e}");
            return ExitStatus::Error;
        }
    };
    let mut output = match Output::open(args.out.as_deref()) {
        Ok(output) => output,
        Err(e) => {
            errln!(
                "error: cannot write {}: {e}",
                args.out
                    .as_deref()
                    .map_or_else(String::new, |p| p.display().to_string())
            );
            return ExitStatus::Error;
        }
    };
    let jobs = args.jobs.map_or_else(
        || std::thread::available_parallelism().map_or(1, NonZeroUsize::get),
        usize::from,
    );
    let jobs = jobs.clamp(1, MAX_JOBS);
    let shared = Shared {
        catalog: &catalog,
        choice,
        as_of: args.as_of,
        request_limits: crate::request_limits_with(args.max_request_bytes),
        trust: trust.as_ref(),
        trace: args.trace,
    };
    let mut writer = Writer::new(args.format);
    let mut status = ExitStatus::Success;
    let mut tally = Tally::default();
    let mut reported: BTreeSet<String> = BTreeSet::new();
    let mut write_error = None;
    let mut reader_gone = false;
    let mut appended = Appended::default();

    interrupt::install();
    let progress = Progress::new(args.quiet);
    let mut read = 0;
    std::thread::scope(|scope| {
        let window = Arc::new(Window {
            free: Mutex::new(jobs * 16),
            changed: Condvar::new(),
        });
        let (work_tx, work_rx) = sync_channel::<(usize, Item)>(jobs * 2);
        let work_rx = Arc::new(Mutex::new(work_rx));
        let (result_tx, result_rx) = channel::<(usize, Outcome)>();
        let reader_window = window.clone();
        let inputs = &args.inputs;
        let max_bytes = shared.request_limits.max_bytes;
        scope.spawn(move || {
            for (index, item) in Inputs::new(inputs).with_max_bytes(max_bytes).enumerate() {
                if !reader_window.acquire() || work_tx.send((index, item)).is_err() {
                    break;
                }
            }
        });
        for n in 0..jobs {
            let (rx, tx, shared) = (work_rx.clone(), result_tx.clone(), &shared);
            let spawned = std::thread::Builder::new()
                .name(format!("screen-{n}"))
                .stack_size(EVAL_STACK_BYTES)
                .spawn_scoped(scope, move || worker(shared, &rx, &tx));
            if let Err(e) = spawned {
                errln!("error: cannot start a screening thread: {e}");
                status.raise(ExitStatus::Error);
            }
        }
        // Only the workers hold the queue now: when they stop, the reader's sends fail.
        drop(work_rx);
        drop(result_tx);

        let mut waiting: BTreeMap<usize, Outcome> = BTreeMap::new();
        'results: for (index, outcome) in result_rx {
            if interrupt::requested() {
                break;
            }
            waiting.insert(index, outcome);
            while let Some(outcome) = waiting.remove(&read) {
                read += 1;
                window.release();
                if write_error.is_some() {
                    continue;
                }
                match outcome {
                    Outcome::Record(screened, canonical, source) => {
                        let Screened {
                            record,
                            pack,
                            signer,
                            trace,
                            warning,
                            failed_rule_files,
                        } = *screened;
                        if let Some(w) = warning
                            && reported.insert(w.message.clone())
                        {
                            progress.suspend(|| crate::diagnostics::emit(&w));
                        }
                        if let Some(trace) = trace {
                            progress.suspend(|| {
                                errln!(
                                    "trace of {} ({} {}, as of {}):\n{trace}",
                                    esc(&record.request_id),
                                    esc(&record.pack.id),
                                    esc(&record.pack.version),
                                    record.as_of
                                );
                            });
                        }
                        // Every rule that failed, one line each, whatever the format.
                        for error in &record.errors {
                            let file = failed_rule_files.get(&error.rule).unwrap_or(&error.file);
                            let d =
                                screener::rule_failure(&source, &record.request_id, file, error);
                            progress.suspend(|| crate::diagnostics::emit_line(&d));
                        }
                        tally.add(record.decision);
                        match record.decision {
                            None => status.raise(ExitStatus::Error),
                            Some(d) if fails(args.fail_on, d) => status.raise(ExitStatus::Failure),
                            Some(_) => {}
                        }
                        if let Some(register) = register.as_mut() {
                            let body = Body::Screening {
                                record: record.to_json(),
                                signer,
                            };
                            match register.append(&record.request_id, body, Some(&canonical)) {
                                Ok(seq) => appended.add(seq),
                                Err(e) => {
                                    errln!("error: cannot append to the register: {e}");
                                    status.raise(ExitStatus::Error);
                                }
                            }
                        }
                        if let Err(e) = writer.record(&mut output, &record, &canonical, &pack) {
                            // The reader has gone (`… | head`): stop screening, quietly.
                            reader_gone = console::is_closed_pipe(&e);
                            write_error = Some(e);
                            if reader_gone {
                                break 'results;
                            }
                        }
                    }
                    Outcome::NotScreened {
                        source,
                        request_id,
                        problem,
                    } => {
                        tally.not_screened += 1;
                        status.raise(ExitStatus::Error);
                        writer.failed_item();
                        progress.suspend(|| {
                            screener::report(
                                &source,
                                request_id.as_deref(),
                                problem,
                                &catalog,
                                &mut reported,
                            )
                        });
                    }
                }
                progress.update(&tally);
            }
        }
        window.close();
    });
    progress.finish();
    if reader_gone {
        if let Some(mut register) = register
            && let Err(e) = register.sync()
        {
            errln!("error: cannot write the register: {e}");
            return ExitStatus::Error;
        }
        appended.say(args.register.as_deref());
        return ExitStatus::Success;
    }
    if interrupt::requested() {
        let place = match &args.out {
            Some(path) => format!("nothing was written to {}", path.display()),
            None => "the output above is incomplete".to_string(),
        };
        errln!(
            "interrupted after {read} request{}: {place}",
            if read == 1 { "" } else { "s" }
        );
        if let Some(mut register) = register {
            let _ = register.sync();
        }
        appended.say(args.register.as_deref());
        return ExitStatus::Error;
    }

    if let Some(mut register) = register
        && let Err(e) = register.sync()
    {
        errln!("error: cannot write the register: {e}");
        status.raise(ExitStatus::Error);
    }
    appended.say(args.register.as_deref());
    let result = match write_error {
        Some(e) => Err(e),
        None => writer.finish(&mut output).and_then(|()| output.finish()),
    };
    if let Err(e) = result {
        if console::is_closed_pipe(&e) {
            return ExitStatus::Success;
        }
        errln!("error: cannot write the results: {e}");
        status.raise(ExitStatus::Error);
        return status;
    }
    if writer.items > 1 || args.out.is_some() {
        let place = args
            .out
            .as_ref()
            .map_or_else(String::new, |p| format!(" (written to {})", p.display()));
        crate::diagnostics::say(&format!("{}{place}", tally.summary()));
    }
    status
}

/// The register entries a batch appended: how many, the first and the last.
#[derive(Default)]
struct Appended {
    count: usize,
    first: u64,
    last: u64,
}

impl Appended {
    fn add(&mut self, seq: u64) {
        if self.count == 0 {
            self.first = seq;
        }
        self.count += 1;
        self.last = seq;
    }

    /// Say on stderr what was appended to the register at `path`.
    fn say(&self, path: Option<&std::path::Path>) {
        let Some(path) = path else { return };
        let path = path.display();
        let text = match self.count {
            0 => format!("appended nothing to the register {path}"),
            1 => format!(
                "appended 1 screening to the register {path} (entry {})",
                self.first
            ),
            n => format!(
                "appended {n} screenings to the register {path} (entries {} to {})",
                self.first, self.last
            ),
        };
        crate::diagnostics::say(&text);
    }
}

/// `--out` is written over when the batch ends: it must not be the register (which would be
/// lost) or an input (read, then replaced), nor a `.json`/`.jsonl` file inside an input folder
/// (the next run would screen the results as requests).
fn check_out(args: &ScreenArgs) -> Result<(), String> {
    let Some(out) = args.out.as_deref() else {
        return Ok(());
    };
    if let Some(register) = args.register.as_deref()
        && output::same_file(out, register)
    {
        return Err(format!(
            "--out {} is the register given with --register: the results would replace it; write them to another file",
            out.display()
        ));
    }
    for input in args.inputs.iter().filter(|i| *i != "-") {
        let input = Path::new(input);
        if output::same_file(out, input) {
            return Err(format!(
                "--out {} is one of the requests to screen: it would be replaced by the results; write them to another file",
                out.display()
            ));
        }
        let results_look_like_requests =
            out.extension().is_some_and(|e| e == "json" || e == "jsonl");
        if input.is_dir() && results_look_like_requests && output::is_inside(out, input) {
            return Err(format!(
                "--out {} is inside the folder of requests {}: its results would be screened as requests next time; write them outside it",
                out.display(),
                input.display()
            ));
        }
    }
    Ok(())
}

fn fails(fail_on: Option<FailOn>, decision: Decision) -> bool {
    match fail_on {
        None => false,
        Some(FailOn::Revise) => decision >= Decision::Revise,
        Some(FailOn::Reject) => decision == Decision::Reject,
    }
}

fn worker(
    shared: &Shared<'_>,
    work: &Mutex<Receiver<(usize, Item)>>,
    results: &Sender<(usize, Outcome)>,
) {
    let mut screener = Screener::new(shared.catalog, shared.trust);
    screener.trace = shared.trace;
    loop {
        let next = work
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .recv();
        let Ok((index, item)) = next else { break };
        let outcome = screen_one(shared, &mut screener, item);
        if results.send((index, outcome)).is_err() {
            break;
        }
    }
    // The process ends with the batch: freeing the compiled packs (every AST node of every
    // rule) would only delay the exit, by about a tenth of a one-request run.
    std::mem::forget(screener);
}

fn screen_one(shared: &Shared<'_>, screener: &mut Screener<'_>, item: Item) -> Outcome {
    let not_screened = |source: Source, request_id: Option<String>, problem| Outcome::NotScreened {
        source,
        request_id,
        problem,
    };
    let input_problem = |errors: &[tcscreen_core::InputError], text: Option<&str>| {
        Problem::Input(
            errors
                .iter()
                .map(|e| crate::diagnostics::from_input(&item.source, e, text))
                .collect(),
        )
    };
    let text = match &item.text {
        Ok(text) => text,
        Err(e) => {
            let problem = input_problem(std::slice::from_ref(e), None);
            return not_screened(item.source, None, problem);
        }
    };
    let request = match ValidRequest::from_text(text, &shared.request_limits) {
        Ok(request) => request,
        Err(errors) => {
            let problem = input_problem(&errors, Some(text));
            return not_screened(item.source, None, problem);
        }
    };
    let id = Some(request.id().to_string());
    let as_of = shared.as_of.unwrap_or(request.received());
    let screened = screener
        .choose(&shared.choice, &request, as_of)
        .and_then(|index| screener.screen(index, &request, as_of));
    match screened {
        Ok(screened) => {
            let canonical = screened.record.to_canonical();
            Outcome::Record(Box::new(screened), canonical, item.source)
        }
        Err(problem) => not_screened(item.source, id, problem),
    }
}

/// Writes records in the chosen format. For `json`, the first record is held until the
/// writer knows whether the batch is one request (the record alone) or more (an array).
struct Writer {
    format: Format,
    items: usize,
    held: Option<String>,
    array_open: bool,
    written: usize,
}

impl Writer {
    fn new(format: Format) -> Writer {
        Writer {
            format,
            items: 0,
            held: None,
            array_open: false,
            written: 0,
        }
    }

    fn failed_item(&mut self) {
        self.items += 1;
    }

    fn record(
        &mut self,
        out: &mut Output,
        record: &DecisionRecord,
        canonical: &str,
        pack: &PackNote,
    ) -> std::io::Result<()> {
        self.items += 1;
        match self.format {
            Format::Jsonl => out.write_str(&format!("{canonical}\n")),
            Format::Markdown => {
                let separator = if self.written > 0 { "\n---\n\n" } else { "" };
                self.written += 1;
                let note = crate::markdown::decision_note(record, pack);
                out.write_str(&format!("{separator}{note}"))
            }
            Format::Text => {
                let separator = if self.written > 0 { "\n" } else { "" };
                self.written += 1;
                out.write_str(&format!("{separator}{}", render::record_text(record)))
            }
            Format::Json if self.items == 1 => {
                self.held = Some(canonical.to_string());
                Ok(())
            }
            Format::Json => {
                self.open_array(out)?;
                self.push(out, canonical)
            }
        }
    }

    fn open_array(&mut self, out: &mut Output) -> std::io::Result<()> {
        if !self.array_open {
            self.array_open = true;
            out.write_str("[")?;
            if let Some(first) = self.held.take() {
                self.push(out, &first)?;
            }
        }
        Ok(())
    }

    fn push(&mut self, out: &mut Output, canonical: &str) -> std::io::Result<()> {
        let separator = if self.written == 0 { "\n" } else { ",\n" };
        self.written += 1;
        out.write_str(&format!("{separator}{canonical}"))
    }

    fn finish(&mut self, out: &mut Output) -> std::io::Result<()> {
        if self.format != Format::Json {
            return Ok(());
        }
        if self.items == 1 {
            return match self.held.take() {
                Some(only) => out.write_str(&format!("{only}\n")),
                None => Ok(()),
            };
        }
        self.open_array(out)?;
        out.write_str(if self.written == 0 { "]\n" } else { "\n]\n" })
    }
}
