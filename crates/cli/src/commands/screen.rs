//! `tcscreen screen`: screen requests in parallel and write records in input order.
//!
//! A reader thread walks the inputs lazily; worker threads (each with a large stack and its
//! own compiled packs) validate, select a pack and screen; the calling thread puts results back
//! in input order and writes them. At most a fixed window of requests is in flight, so memory
//! does not grow with the size of the input. The records do not depend on `--jobs`.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::num::NonZeroUsize;
use std::path::PathBuf;
use std::rc::Rc;
use std::sync::mpsc::{Receiver, Sender, channel, sync_channel};
use std::sync::{Arc, Condvar, Mutex};

use clap::ValueEnum;
use tcscreen_core::{
    CompiledPack, Date, Decision, DecisionRecord, Diagnostic, EVAL_STACK_BYTES, EngineLimits,
    EngineStop, InputError, RequestLimits, ValidRequest,
};
use tcscreen_packs::{Catalog, PackSpec};

use crate::exit::ExitStatus;
use crate::inputs::{Inputs, Item, Source};
use crate::output::{self, Output};
use crate::render::{self, Tally};
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

    /// Screening threads. Default: the number of available cores.
    #[arg(long, value_name = "N")]
    pub jobs: Option<NonZeroUsize>,

    /// Exit with 1 if any request gets this decision or a worse one.
    #[arg(long, value_enum, value_name = "DECISION")]
    pub fail_on: Option<FailOn>,
}

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

/// Why a request was not screened.
enum Problem {
    Input(Vec<InputError>),
    Select(Diagnostic),
    Pack {
        key: String,
        label: String,
        diagnostics: Vec<Diagnostic>,
    },
    Stop(EngineStop),
}

/// What happened to one request.
enum Outcome {
    Record {
        record: Box<DecisionRecord>,
        canonical: String,
        pack_name: String,
    },
    NotScreened {
        source: Source,
        request_id: Option<String>,
        problem: Problem,
    },
}

/// What workers share.
struct Shared<'a> {
    catalog: &'a Catalog,
    fixed: Option<Fixed>,
    as_of: Option<Date>,
    limits: EngineLimits,
    request_limits: RequestLimits,
}

#[derive(Clone)]
enum Fixed {
    Index(usize),
    Id(String, Option<String>),
}

/// A counting semaphore bounding the requests in flight.
struct Window {
    free: Mutex<usize>,
    changed: Condvar,
}

impl Window {
    fn acquire(&self) {
        let mut free = self
            .free
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        while *free == 0 {
            free = self
                .changed
                .wait(free)
                .unwrap_or_else(std::sync::PoisonError::into_inner);
        }
        *free -= 1;
    }

    fn release(&self) {
        *self
            .free
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) += 1;
        self.changed.notify_one();
    }
}

/// Run `screen`.
pub fn screen(cli: &Cli, args: &ScreenArgs) -> ExitStatus {
    if args.inputs.is_empty() && std::io::IsTerminal::is_terminal(&std::io::stdin()) {
        eprintln!(
            "error: no requests to screen: name files or folders, or pipe requests in and give `-`"
        );
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
            eprintln!("{d}");
            return ExitStatus::Error;
        }
    };
    let fixed = match args.pack.as_deref().map(PackSpec::parse) {
        None => None,
        Some(PackSpec::Id { id, version }) => Some(Fixed::Id(id, version)),
        Some(PackSpec::Path(path)) => match catalog.add_path(&path) {
            Ok(index) => Some(Fixed::Index(index)),
            Err(errors) => {
                for e in errors {
                    eprintln!("{e}");
                }
                return ExitStatus::Error;
            }
        },
    };
    let mut output = match Output::open(args.out.as_deref()) {
        Ok(output) => output,
        Err(e) => {
            eprintln!(
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
        NonZeroUsize::get,
    );
    let shared = Shared {
        catalog: &catalog,
        fixed,
        as_of: args.as_of,
        limits: crate::engine_limits(),
        request_limits: crate::request_limits(),
    };
    let mut writer = Writer::new(args.format);
    let mut status = ExitStatus::Success;
    let mut tally = Tally::default();
    let mut reported: BTreeSet<String> = BTreeSet::new();
    let mut write_error = None;

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
        scope.spawn(move || {
            for (index, item) in Inputs::new(inputs).enumerate() {
                reader_window.acquire();
                if work_tx.send((index, item)).is_err() {
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
                eprintln!("error: cannot start a screening thread: {e}");
                status.raise(ExitStatus::Error);
            }
        }
        drop(result_tx);

        let mut next = 0;
        let mut waiting: BTreeMap<usize, Outcome> = BTreeMap::new();
        for (index, outcome) in result_rx {
            waiting.insert(index, outcome);
            while let Some(outcome) = waiting.remove(&next) {
                next += 1;
                window.release();
                if write_error.is_some() {
                    continue;
                }
                match outcome {
                    Outcome::Record {
                        record,
                        canonical,
                        pack_name,
                    } => {
                        tally.add(record.decision);
                        match record.decision {
                            None => status.raise(ExitStatus::Error),
                            Some(d) if fails(args.fail_on, d) => status.raise(ExitStatus::Failure),
                            Some(_) => {}
                        }
                        if let Err(e) = writer.record(&mut output, &record, &canonical, &pack_name)
                        {
                            write_error = Some(e);
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
                        report(
                            &source,
                            request_id.as_deref(),
                            problem,
                            &catalog,
                            &mut reported,
                        );
                    }
                }
            }
        }
    });

    let result = match write_error {
        Some(e) => Err(e),
        None => writer.finish(&mut output).and_then(|()| output.finish()),
    };
    if let Err(e) = result {
        if !output::is_broken_pipe(&e) {
            eprintln!("error: cannot write the results: {e}");
            status.raise(ExitStatus::Error);
        }
        return status;
    }
    if writer.items > 1 || args.out.is_some() {
        let place = args
            .out
            .as_ref()
            .map_or_else(String::new, |p| format!(" (written to {})", p.display()));
        eprintln!("{}{place}", tally.summary());
    }
    status
}

fn fails(fail_on: Option<FailOn>, decision: Decision) -> bool {
    match fail_on {
        None => false,
        Some(FailOn::Revise) => decision >= Decision::Revise,
        Some(FailOn::Reject) => decision == Decision::Reject,
    }
}

fn report(
    source: &Source,
    request_id: Option<&str>,
    problem: Problem,
    catalog: &Catalog,
    reported: &mut BTreeSet<String>,
) {
    let which = request_id.map_or_else(String::new, |id| format!(" (request `{id}`)"));
    match problem {
        Problem::Input(errors) => {
            for e in &errors {
                eprintln!("{}", render::input_error(source, e));
            }
            eprintln!("  = {}{which} was not screened", source.display());
        }
        Problem::Select(d) => {
            if d.code == "P020" && reported.insert("catalog problems".into()) {
                for p in catalog.problems() {
                    eprintln!("{p}");
                }
            }
            eprintln!("{d}\n  = {}{which} was not screened", source.display());
        }
        Problem::Pack {
            key,
            label,
            diagnostics,
        } => {
            if reported.insert(key) {
                for d in &diagnostics {
                    eprintln!("{d}");
                }
            }
            eprintln!(
                "error: pack {label} cannot be used (see above)\n  = {}{which} was not screened",
                source.display()
            );
        }
        Problem::Stop(stop) => eprintln!(
            "error: {stop}\n  = {}{which} was not screened",
            source.display()
        ),
    }
}

fn worker(
    shared: &Shared<'_>,
    work: &Mutex<Receiver<(usize, Item)>>,
    results: &Sender<(usize, Outcome)>,
) {
    let mut packs: HashMap<String, Result<Rc<CompiledPack>, Vec<Diagnostic>>> = HashMap::new();
    loop {
        let next = work
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .recv();
        let Ok((index, item)) = next else { return };
        let outcome = screen_one(shared, &mut packs, item);
        if results.send((index, outcome)).is_err() {
            return;
        }
    }
}

fn screen_one(
    shared: &Shared<'_>,
    packs: &mut HashMap<String, Result<Rc<CompiledPack>, Vec<Diagnostic>>>,
    item: Item,
) -> Outcome {
    let not_screened = |source: Source, request_id: Option<String>, problem| Outcome::NotScreened {
        source,
        request_id,
        problem,
    };
    let text = match item.text {
        Ok(text) => text,
        Err(e) => return not_screened(item.source, None, Problem::Input(vec![e])),
    };
    let request = match ValidRequest::from_text(&text, &shared.request_limits) {
        Ok(request) => request,
        Err(errors) => return not_screened(item.source, None, Problem::Input(errors)),
    };
    let id = Some(request.id().to_string());
    let as_of = shared.as_of.unwrap_or(request.received());
    let index = match &shared.fixed {
        Some(Fixed::Index(i)) => Ok(*i),
        Some(Fixed::Id(pack, version)) => shared.catalog.find(pack, version.as_deref(), as_of),
        None => shared.catalog.select(request.country(), as_of),
    };
    let index = match index {
        Ok(index) => index,
        Err(d) => return not_screened(item.source, id, Problem::Select(d)),
    };
    let entry = shared.catalog.entry(index);
    let label = format!(
        "`{}` {} ({})",
        entry.manifest.id, entry.manifest.version, entry.display
    );
    let source = match shared.catalog.source(index, Some(as_of)) {
        Ok(source) => source,
        Err(diagnostics) => {
            let key = diagnostics
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("\n");
            return not_screened(
                item.source,
                id,
                Problem::Pack {
                    key,
                    label,
                    diagnostics,
                },
            );
        }
    };
    let digest = source.identity.sha256.clone();
    let compiled = packs
        .entry(digest.clone())
        .or_insert_with(|| CompiledPack::compile(&source, &shared.limits).map(Rc::new))
        .clone();
    let pack = match compiled {
        Ok(pack) => pack,
        Err(diagnostics) => {
            return not_screened(
                item.source,
                id,
                Problem::Pack {
                    key: digest,
                    label,
                    diagnostics,
                },
            );
        }
    };
    match pack.screen(&request, as_of) {
        Ok(screening) => {
            let record = DecisionRecord::new(&request, &pack, as_of, &screening);
            let canonical = record.to_canonical();
            Outcome::Record {
                record: Box::new(record),
                canonical,
                pack_name: entry.manifest.name.clone(),
            }
        }
        Err(stop) => not_screened(item.source, id, Problem::Stop(stop)),
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
        pack_name: &str,
    ) -> std::io::Result<()> {
        self.items += 1;
        match self.format {
            Format::Jsonl => out.write_str(&format!("{canonical}\n")),
            Format::Markdown => {
                let separator = if self.written > 0 { "\n---\n\n" } else { "" };
                self.written += 1;
                let note = crate::markdown::decision_note(record, pack_name);
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
