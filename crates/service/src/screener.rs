//! The screening service: a handle that is cheap to clone and share between threads (an `Arc`
//! inside), a pool of screening threads behind it, and the packs they serve.
//!
//! Rhai values are not `Send`, so a compiled pack never leaves the thread that compiled it:
//! each pool thread has its own [`ThreadScreener`], which compiles a pack the first time a
//! request needs it and keeps it. Work reaches the threads through one bounded queue; a
//! caller either waits for room ([`Screener::submit_wait`], [`Screener::screen`]) or is told
//! the queue is full ([`Screener::submit`], for a server that answers 503). Every job carries
//! the packs in force when it was submitted, so a [`Screener::replace_packs`] (a reload) never
//! changes packs in the middle of a request or of a batch.

use std::sync::mpsc::{Receiver, SyncSender, TrySendError, channel, sync_channel};
use std::sync::{Arc, Mutex, PoisonError, RwLock};

use tcscreen_core::{Diagnostic, EVAL_STACK_BYTES};

use crate::inputs::{Item, Source};
use crate::packs::Packs;
use crate::thread_screener::{Outcome, ScreenOptions, ThreadScreener};

/// What a pool thread is asked to do with one request.
struct Job {
    packs: Arc<Packs>,
    generation: u64,
    item: Item,
    options: Arc<ScreenOptions>,
    reply: Box<dyn FnOnce(Outcome) + Send>,
}

/// The packs in force and their generation (incremented by every swap).
struct Current {
    packs: Arc<Packs>,
    generation: u64,
}

struct Shared {
    current: RwLock<Current>,
    queue: SyncSender<Job>,
    threads: usize,
}

/// The screening service. Clones share the same threads and packs.
#[derive(Clone)]
pub struct Screener {
    shared: Arc<Shared>,
}

/// How many threads screen, and how many requests may wait for one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PoolSize {
    /// Screening threads (at least 1). Each compiles its own copy of the packs it uses.
    pub threads: usize,
    /// Requests that may wait for a thread beyond those being screened (at least 1).
    pub queue: usize,
}

impl PoolSize {
    /// `threads` threads, and a queue of twice as many requests.
    pub fn threads(threads: usize) -> PoolSize {
        let threads = threads.max(1);
        PoolSize {
            threads,
            queue: threads * 2,
        }
    }
}

/// The queue is full: every thread is busy and `queue` requests wait. Try again later.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Busy;

/// The screening threads have stopped (they never do while a [`Screener`] exists, unless one
/// could not be started).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stopped;

impl Screener {
    /// Start `size.threads` screening threads over `packs`. Fails only if the operating system
    /// refuses a thread.
    pub fn start(packs: Packs, size: PoolSize) -> std::io::Result<Screener> {
        let (queue, jobs) = sync_channel::<Job>(size.queue.max(1));
        let jobs = Arc::new(Mutex::new(jobs));
        let threads = size.threads.max(1);
        for n in 0..threads {
            let jobs = jobs.clone();
            std::thread::Builder::new()
                .name(format!("screen-{n}"))
                .stack_size(EVAL_STACK_BYTES)
                .spawn(move || work(&jobs))?;
        }
        Ok(Screener {
            shared: Arc::new(Shared {
                current: RwLock::new(Current {
                    packs: Arc::new(packs),
                    generation: 0,
                }),
                queue,
                threads,
            }),
        })
    }

    /// How many threads screen.
    pub fn threads(&self) -> usize {
        self.shared.threads
    }

    /// The packs in force now.
    pub fn packs(&self) -> Arc<Packs> {
        self.current().0
    }

    fn current(&self) -> (Arc<Packs>, u64) {
        let current = self
            .shared
            .current
            .read()
            .unwrap_or_else(PoisonError::into_inner);
        (current.packs.clone(), current.generation)
    }

    /// Put `packs` in force for every request submitted from now on; requests already
    /// submitted finish with the packs they started with. Check them first
    /// ([`Packs::check_all`]), or use [`Screener::reload`].
    pub fn replace_packs(&self, packs: Packs) {
        let mut current = self
            .shared
            .current
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        current.packs = Arc::new(packs);
        current.generation += 1;
    }

    /// Load, check and compile `packs` on the calling thread, and put them in force only if
    /// every pack passes: on an error, the packs in force stay, and the problems say why.
    /// Returns the warnings of the packs put in force.
    pub fn reload(&self, packs: Packs) -> Result<Vec<Diagnostic>, Vec<Diagnostic>> {
        let warnings = packs.check_all()?;
        self.replace_packs(packs);
        Ok(warnings)
    }

    /// Queue `item` for screening with the packs in force, unless the queue is full; `reply`
    /// gets the outcome, on a screening thread.
    pub fn submit(
        &self,
        item: Item,
        options: Arc<ScreenOptions>,
        reply: impl FnOnce(Outcome) + Send + 'static,
    ) -> Result<(), Busy> {
        match self.shared.queue.try_send(self.job(item, options, reply)) {
            Ok(()) => Ok(()),
            Err(TrySendError::Full(_) | TrySendError::Disconnected(_)) => Err(Busy),
        }
    }

    /// Queue `item`, waiting for room in the queue.
    pub fn submit_wait(
        &self,
        item: Item,
        options: Arc<ScreenOptions>,
        reply: impl FnOnce(Outcome) + Send + 'static,
    ) -> Result<(), Stopped> {
        self.submit_with(self.current(), item, options, Box::new(reply))
    }

    /// Queue `item` with the given packs (a batch keeps the packs it started with).
    pub(crate) fn submit_with(
        &self,
        (packs, generation): (Arc<Packs>, u64),
        item: Item,
        options: Arc<ScreenOptions>,
        reply: Box<dyn FnOnce(Outcome) + Send>,
    ) -> Result<(), Stopped> {
        let job = Job {
            packs,
            generation,
            item,
            options,
            reply,
        };
        self.shared.queue.send(job).map_err(|_| Stopped)
    }

    fn job(
        &self,
        item: Item,
        options: Arc<ScreenOptions>,
        reply: impl FnOnce(Outcome) + Send + 'static,
    ) -> Job {
        let (packs, generation) = self.current();
        Job {
            packs,
            generation,
            item,
            options,
            reply: Box::new(reply),
        }
    }

    /// Screen one request and wait for the outcome (waiting for room in the queue first).
    pub fn screen(&self, item: Item, options: Arc<ScreenOptions>) -> Result<Outcome, Stopped> {
        let (tx, rx) = channel();
        self.submit_wait(item, options, move |outcome| {
            let _ = tx.send(outcome);
        })?;
        rx.recv().map_err(|_| Stopped)
    }

    /// Screen one request given as text (an HTTP request body), shown in problems as `source`.
    pub fn screen_text(
        &self,
        text: String,
        source: Source,
        options: Arc<ScreenOptions>,
    ) -> Result<Outcome, Stopped> {
        self.screen(
            Item {
                source,
                text: Ok(text),
            },
            options,
        )
    }

    /// The packs a batch screens with: those in force when it starts.
    pub(crate) fn snapshot(&self) -> (Arc<Packs>, u64) {
        self.current()
    }
}

/// A screening thread: take a job, screen it with this thread's compiled packs, reply.
fn work(jobs: &Mutex<Receiver<Job>>) {
    let mut screener = ThreadScreener::new();
    let mut generation = 0;
    loop {
        let next = jobs.lock().unwrap_or_else(PoisonError::into_inner).recv();
        let Ok(job) = next else { break };
        if job.generation != generation {
            // The packs were replaced: the compiled ones will not be asked for again.
            screener.clear();
            generation = job.generation;
        }
        let outcome = screener.screen_item(&job.packs, job.item, &job.options);
        (job.reply)(outcome);
    }
    // Threads end when the process is about to: freeing the compiled packs (every AST node of
    // every rule) would only delay the exit, by about a tenth of a one-request run.
    std::mem::forget(screener);
}
