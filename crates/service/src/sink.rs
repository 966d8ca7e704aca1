//! What happens to each outcome of a batch, in input order: the warnings, trace and rule
//! failures are shown, the decision is counted (and checked against `--fail-on`), the record is
//! appended to the register and written out; a request that was not screened is reported.
//! Messages for people go to a [`Notices`], which the command line prints on stderr and a
//! server can collect.

use std::collections::BTreeSet;
use std::io::{self, Write};
use std::ops::ControlFlow;
use std::path::Path;
use std::sync::Arc;

use tcscreen_core::{Decision, Diagnostic};

use crate::escape::controls as esc;
use crate::packs::Packs;
use crate::plural;
use crate::problems;
use crate::register::{Appender, Body};
use crate::thread_screener::{NotScreened, ScreenResult, Screened};
use crate::writer::RecordWriter;

/// Where a batch's messages for people go.
pub trait Notices {
    /// A problem (or warning) about a request or a pack.
    fn problem(&mut self, d: &Diagnostic);
    /// A problem to show on one line whatever the format (a rule that failed on a request).
    fn problem_line(&mut self, d: &Diagnostic);
    /// A remark for people (`= FILE was not screened`).
    fn say(&mut self, text: &str);
    /// A screening explained rule by rule (`--trace`).
    fn trace(&mut self, text: &str);
    /// A failure of the batch itself (the register cannot be appended to).
    fn error(&mut self, text: &str);
}

/// Counts of decisions for the batch summary.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Tally {
    /// Records deciding accept.
    pub accept: usize,
    /// Records deciding revise.
    pub revise: usize,
    /// Records deciding reject.
    pub reject: usize,
    /// Screened, but a rule failed: no decision.
    pub rule_errors: usize,
    /// Not screened at all.
    pub not_screened: usize,
}

impl Tally {
    /// Count one record.
    pub fn add(&mut self, decision: Option<Decision>) {
        match decision {
            Some(Decision::Accept) => self.accept += 1,
            Some(Decision::Revise) => self.revise += 1,
            Some(Decision::Reject) => self.reject += 1,
            None => self.rule_errors += 1,
        }
    }

    /// `N requests: A accept, R revise, J reject[, E with rule errors][, M not screened]`.
    pub fn summary(&self) -> String {
        let total = self.accept + self.revise + self.reject + self.rule_errors + self.not_screened;
        let mut parts = vec![
            format!("{} accept", self.accept),
            format!("{} revise", self.revise),
            format!("{} reject", self.reject),
        ];
        if self.rule_errors > 0 {
            parts.push(format!("{} with rule errors", self.rule_errors));
        }
        if self.not_screened > 0 {
            parts.push(format!("{} not screened", self.not_screened));
        }
        format!(
            "{total} {}: {}",
            plural(total, "request", "requests"),
            parts.join(", ")
        )
    }
}

/// The register entries a batch appended: how many, the first and the last.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Appended {
    /// How many entries the batch appended.
    pub count: usize,
    /// The first one's sequence number.
    pub first: u64,
    /// The last one's.
    pub last: u64,
}

impl Appended {
    fn add(&mut self, seq: u64) {
        if self.count == 0 {
            self.first = seq;
        }
        self.count += 1;
        self.last = seq;
    }

    /// What was appended to the register at `path`, in words.
    pub fn describe(&self, path: &Path) -> String {
        let path = path.display();
        match self.count {
            0 => format!("appended nothing to the register {path}"),
            1 => format!(
                "appended 1 screening to the register {path} (entry {})",
                self.first
            ),
            n => format!(
                "appended {n} screenings to the register {path} (entries {} to {})",
                self.first, self.last
            ),
        }
    }
}

/// The per-record effects of a batch, and what they add up to.
pub struct RecordSink<W: Write> {
    packs: Arc<Packs>,
    writer: RecordWriter,
    out: W,
    register: Option<Appender>,
    fail_at: Option<Decision>,
    tally: Tally,
    appended: Appended,
    reported: BTreeSet<String>,
    write_error: Option<io::Error>,
    failed: bool,
    fail_on_reached: bool,
}

impl<W: Write> RecordSink<W> {
    /// A sink writing with `writer` to `out`, appending to `register` if given. `fail_at` is
    /// `--fail-on`: the least decision that fails the batch. `packs` are those of the batch
    /// (for the catalog's problems, shown once when they stop the choice of a pack).
    pub fn new(
        packs: Arc<Packs>,
        writer: RecordWriter,
        out: W,
        register: Option<Appender>,
        fail_at: Option<Decision>,
    ) -> Self {
        RecordSink {
            packs,
            writer,
            out,
            register,
            fail_at,
            tally: Tally::default(),
            appended: Appended::default(),
            reported: BTreeSet::new(),
            write_error: None,
            failed: false,
            fail_on_reached: false,
        }
    }

    /// Take the next result, in input order. `Break` when the output's reader has gone
    /// (`… | head`): nothing more can be written, so the batch should stop.
    pub fn take(&mut self, result: ScreenResult, notices: &mut dyn Notices) -> ControlFlow<()> {
        if self.write_error.is_some() {
            return ControlFlow::Continue(());
        }
        match result {
            ScreenResult::Screened(screened) => self.screened(*screened, notices),
            ScreenResult::NotScreened(not) => {
                self.not_screened(&not, notices);
                ControlFlow::Continue(())
            }
        }
    }

    fn screened(&mut self, screened: Screened, notices: &mut dyn Notices) -> ControlFlow<()> {
        let Screened {
            location,
            record,
            canonical,
            rendered,
            pack,
            signer,
            trace,
            warning,
            failed_rule_files,
        } = screened;
        if let Some(w) = warning
            && self.reported.insert(w.message.clone())
        {
            notices.problem(&w);
        }
        if let Some(trace) = trace {
            notices.trace(&format!(
                "trace of {} ({} {}, as of {}):\n{trace}",
                esc(&record.request_id),
                esc(&record.pack.id),
                esc(&record.pack.version),
                record.as_of
            ));
        }
        // Every rule that failed, one line each, whatever the format.
        for error in &record.errors {
            let file = failed_rule_files.get(&error.rule).unwrap_or(&error.file);
            notices.problem_line(&problems::rule_failure(
                &location,
                &record.request_id,
                file,
                error,
            ));
        }
        self.tally.add(record.decision);
        match record.decision {
            None => self.failed = true,
            Some(d) if self.fail_at.is_some_and(|at| d >= at) => self.fail_on_reached = true,
            Some(_) => {}
        }
        if let Some(register) = self.register.as_mut() {
            let body = Body::Screening {
                record: record.to_json(),
                signer,
                by: None,
            };
            match register.append(&record.request_id, body, Some(&canonical)) {
                Ok(seq) => self.appended.add(seq),
                Err(e) => {
                    notices.error(&format!("error: cannot append to the register: {e}"));
                    self.failed = true;
                }
            }
        }
        let written = match rendered {
            Some(rendered) => self
                .writer
                .write(&mut self.out, Some(&rendered), &canonical),
            None => self
                .writer
                .record(&mut self.out, &record, &canonical, &pack),
        };
        if let Err(e) = written {
            let gone = is_closed_pipe(&e);
            self.write_error = Some(e);
            if gone {
                return ControlFlow::Break(());
            }
        }
        ControlFlow::Continue(())
    }

    fn not_screened(&mut self, not: &NotScreened, notices: &mut dyn Notices) {
        self.tally.not_screened += 1;
        self.failed = true;
        self.writer.failed_item();
        for d in not.diagnostics(self.packs.catalog(), &mut self.reported) {
            notices.problem(&d);
        }
        notices.say(&not.summary_line());
    }

    /// The decisions so far.
    pub fn tally(&self) -> &Tally {
        &self.tally
    }

    /// Requests seen so far, screened or not.
    pub fn items(&self) -> usize {
        self.writer.items()
    }

    /// What was appended to the register so far.
    pub fn appended(&self) -> Appended {
        self.appended
    }

    /// Whether a request was not decided (not screened, or a rule failed) or the register
    /// could not be appended to.
    pub fn failed(&self) -> bool {
        self.failed
    }

    /// Whether a decision reached `--fail-on`.
    pub fn fail_on_reached(&self) -> bool {
        self.fail_on_reached
    }

    /// Flush the register to disk (it is synced every so often, and must be at the end).
    pub fn sync_register(&mut self) -> io::Result<()> {
        match self.register.as_mut() {
            Some(register) => register.sync(),
            None => Ok(()),
        }
    }

    /// Finish the output: the first write error, if writing failed, else the end of the
    /// format written and the writer flushed. Returns the writer, to put a file in place.
    pub fn finish(mut self) -> Result<W, io::Error> {
        if let Some(e) = self.write_error.take() {
            return Err(e);
        }
        self.writer.finish(&mut self.out)?;
        Ok(self.out)
    }
}

/// Whether a failed write means that the reader has gone (a closed pipe).
pub fn is_closed_pipe(e: &io::Error) -> bool {
    e.kind() == io::ErrorKind::BrokenPipe
}
