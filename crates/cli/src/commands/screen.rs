//! `tcscreen screen`: screen requests in parallel and write records in input order. The work
//! is the service's (`tcscreen_service`): its pool and batch pipeline screen, its record sink
//! counts, registers and writes; this module turns arguments into them and says how it went.

use std::num::NonZeroUsize;
use std::path::{Path, PathBuf};

use clap::ValueEnum;
use tcscreen_core::{Date, Decision, Diagnostic};
use tcscreen_service::iati::inputs::ImportLog;
use tcscreen_service::output::{self, Output};
use tcscreen_service::plural;
use tcscreen_service::register::Appender;
use tcscreen_service::sink::{Notices, RecordSink, is_closed_pipe};
use tcscreen_service::{
    BatchEnd, Inputs, PoolSize, Prepare, RecordFormat, RecordWriter, ScreenOptions, ScreenSettings,
    Screener, SetupProblem, screen_batch_prepared,
};

use crate::console::errln;
use crate::exit_codes::ExitStatus;
use crate::global_args::GlobalArgs;
use crate::global_args::parse_date;
use crate::progress::Progress;
use crate::{diagnostics, interrupt};

/// Arguments of `screen`.
#[derive(Debug, clap::Args)]
pub struct ScreenArgs {
    /// Request files, folders (their *.json, *.jsonl and *.xml), .jsonl files (a request a
    /// line), IATI .xml files (a draft request per TC activity and recipient country), or - for
    /// stdin (the default).
    #[arg(value_name = "INPUT")]
    pub inputs: Vec<String>,

    /// Screen with this pack: ID, ID@VERSION, or a pack folder. Default: the pack whose country
    /// is the request's and whose validity covers the as-of date.
    #[arg(long, value_name = "ID[@VERSION]|PATH")]
    pub pack: Option<String>,

    /// Screen requests whose country has no pack with this pack (e.g. `base`) instead of
    /// leaving them unscreened; the note says the country's own policy was not applied.
    #[arg(long, value_name = "ID[@VERSION]")]
    pub fallback_pack: Option<String>,

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

/// The output formats, as `--format` names them.
impl From<Format> for RecordFormat {
    fn from(format: Format) -> RecordFormat {
        match format {
            Format::Text => RecordFormat::Text,
            Format::Json => RecordFormat::Json,
            Format::Jsonl => RecordFormat::Jsonl,
            Format::Markdown => RecordFormat::Markdown,
        }
    }
}

impl FailOn {
    /// The least decision that fails the batch.
    fn least(self) -> Decision {
        match self {
            FailOn::Revise => Decision::Revise,
            FailOn::Reject => Decision::Reject,
        }
    }
}

/// Run `screen`.
pub fn screen(cli: &GlobalArgs, args: &ScreenArgs) -> ExitStatus {
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
    let Some((screener, options)) = start(cli, args) else {
        return ExitStatus::Error;
    };
    let waiting = &mut |why: &str| errln!("note: {why}");
    let register = match args
        .register
        .as_deref()
        .map(|path| Appender::open_waiting(path, waiting))
        .transpose()
    {
        Ok(register) => register,
        Err(e) => {
            errln!("error: {e}");
            return ExitStatus::Error;
        }
    };
    let output = match Output::open(args.out.as_deref()) {
        Ok(output) => output,
        Err(e) => {
            let out = args.out.as_deref().unwrap_or(Path::new("")).display();
            errln!("error: cannot write {out}: {e}");
            return ExitStatus::Error;
        }
    };
    let writer = RecordWriter::new(args.format.into());
    let fail_at = args.fail_on.map(FailOn::least);
    let mut sink = RecordSink::new(screener.packs(), writer, output, register, fail_at);
    interrupt::install();
    let progress = Progress::new(args.quiet);
    let inputs = Inputs::new(&args.inputs).with_max_bytes(options.request_limits.max_bytes);
    let imports = inputs.import_log();
    // The screening threads make each record's output and drop what the sink does not read,
    // so that only reading lines and writing records in order stay on one thread.
    let prepare = Prepare {
        render: Some(args.format.into()),
        lean_records: args.register.is_none(),
    };
    let end = screen_batch_prepared(
        &screener,
        inputs,
        &options,
        prepare,
        &interrupt::requested,
        |outcome| {
            let flow = sink.take(outcome, &mut Stderr(&progress));
            progress.update(sink.tally());
            flow
        },
    );
    progress.finish();
    say_imports(&imports);
    finish(args, sink, end)
}

/// What the IATI files screened left out, and their counts.
fn say_imports(imports: &ImportLog) {
    for file in imports.files() {
        for skipped in &file.skipped {
            diagnostics::say(&format!(
                "left out  {} ({}:{}): {}",
                skipped.identifier,
                file.file,
                skipped.place.line,
                skipped.reason_text()
            ));
        }
        diagnostics::say(&format!("IATI {}: {}", file.file, file.counts.summary()));
    }
}

/// The packs (with `--pack` and `--trust` applied), a pool of `--jobs` screening threads and
/// the options of each screening; the problems are printed.
fn start(cli: &GlobalArgs, args: &ScreenArgs) -> Option<(Screener, ScreenOptions)> {
    settings(cli, args)
        .start()
        .map_err(|problem| match problem {
            SetupProblem::Threads(e) => errln!("error: cannot start a screening thread: {e}"),
            problem => diagnostics::emit_all(problem.problems()),
        })
        .ok()
}

/// What the flags say.
fn settings(cli: &GlobalArgs, args: &ScreenArgs) -> ScreenSettings {
    let jobs = args.jobs.map_or_else(
        || std::thread::available_parallelism().map_or(1, NonZeroUsize::get),
        usize::from,
    );
    ScreenSettings {
        rules: cli.rules.clone(),
        trust: args.trust.clone(),
        pool: PoolSize::threads(jobs.clamp(1, MAX_JOBS)),
        pack: args.pack.clone(),
        fallback_pack: args.fallback_pack.clone(),
        as_of: args.as_of,
        trace: args.trace,
        max_request_bytes: args.max_request_bytes,
        // The operator chooses the pack on the command line, knowingly.
        pack_of_the_request_country: false,
    }
}

/// Sync the register, put `--out` in place and say how the batch went.
fn finish(args: &ScreenArgs, mut sink: RecordSink<Output>, end: BatchEnd) -> ExitStatus {
    let mut status = ExitStatus::Success;
    if sink.failed() {
        status.raise(ExitStatus::Error);
    }
    if sink.fail_on_reached() {
        status.raise(ExitStatus::Failure);
    }
    let appended = sink.appended();
    let say_appended = || {
        if let Some(path) = args.register.as_deref() {
            diagnostics::say(&appended.describe(path));
        }
    };
    if end.stopped {
        // The reader has gone (`… | head`): stop quietly, the register complete on disk.
        if let Err(e) = sink.sync_register() {
            errln!("error: cannot write the register: {e}");
            return ExitStatus::Error;
        }
        say_appended();
        return ExitStatus::Success;
    }
    if end.interrupted {
        let place = match &args.out {
            Some(path) => format!("nothing was written to {}", path.display()),
            None => "the output above is incomplete".to_string(),
        };
        let read = end.delivered;
        errln!(
            "interrupted after {read} {}: {place}",
            plural(read, "request", "requests")
        );
        let _ = sink.sync_register();
        say_appended();
        return ExitStatus::Error;
    }
    if let Err(e) = sink.sync_register() {
        errln!("error: cannot write the register: {e}");
        status.raise(ExitStatus::Error);
    }
    say_appended();
    let (items, tally) = (sink.items(), *sink.tally());
    if let Err(e) = sink.finish().and_then(Output::finish) {
        if is_closed_pipe(&e) {
            return ExitStatus::Success;
        }
        errln!("error: cannot write the results: {e}");
        status.raise(ExitStatus::Error);
        return status;
    }
    if items > 1 || args.out.is_some() {
        let place = args
            .out
            .as_ref()
            .map_or_else(String::new, |p| format!(" (written to {})", p.display()));
        diagnostics::say(&format!("{}{place}", tally.summary()));
    }
    status
}

/// A batch's messages, on stderr, around the progress line.
struct Stderr<'a>(&'a Progress);

impl Notices for Stderr<'_> {
    fn problem(&mut self, d: &Diagnostic) {
        self.0.suspend(|| diagnostics::emit(d));
    }

    fn problem_line(&mut self, d: &Diagnostic) {
        self.0.suspend(|| diagnostics::emit_line(d));
    }

    fn say(&mut self, text: &str) {
        self.0.suspend(|| diagnostics::say(text));
    }

    fn trace(&mut self, text: &str) {
        self.0.suspend(|| errln!("{text}"));
    }

    fn error(&mut self, text: &str) {
        errln!("{text}");
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
    if let Some(why) = tcscreen_service::register::is_a_register(out) {
        return Err(format!(
            "--out {} would be replaced by the results, but {why}: write them to another file",
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
