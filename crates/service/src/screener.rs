//! The screening service: a handle that is cheap to clone and share between threads (an `Arc`
//! inside), a pool of screening threads behind it, and the packs they serve.
//!
//! Rhai values are not `Send`, so a compiled pack never leaves the thread that compiled it:
//! each pool thread has its own [`ThreadScreener`], which compiles a pack the first time a
//! request needs it and keeps it. Work reaches the threads through one bounded queue; a
//! caller either waits for room ([`Screener::submit_wait`], [`Screener::screen`]) or is told
//! the queue is full ([`Screener::submit`], for a server that answers 503). Every task carries
//! the packs in force when it was submitted, so a [`Screener::replace_packs`] (a reload) never
//! changes packs in the middle of a request or of a batch.

use std::sync::mpsc::{Receiver, SyncSender, TrySendError, channel, sync_channel};
use std::sync::{Arc, Mutex, PoisonError, RwLock};

use tcscreen_core::{Diagnostic, EVAL_STACK_BYTES};

use crate::inputs::{Item, Location};
use crate::packs::Packs;
use crate::thread_screener::{ScreenOptions, ScreenResult, ThreadScreener};

/// Work for a pool thread: anything that screens with the thread's compiled packs.
type Task = Box<dyn FnOnce(&mut ThreadScreener) + Send>;

struct Shared {
    packs: RwLock<Arc<Packs>>,
    queue: SyncSender<Task>,
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
    /// Start `size.threads` screening threads over `packs` (a [`Packs`] or an `Arc` of one).
    /// Fails only if the operating system refuses a thread.
    pub fn start(packs: impl Into<Arc<Packs>>, size: PoolSize) -> std::io::Result<Screener> {
        let (queue, tasks) = sync_channel::<Task>(size.queue.max(1));
        let tasks = Arc::new(Mutex::new(tasks));
        let threads = size.threads.max(1);
        for n in 0..threads {
            let tasks = tasks.clone();
            std::thread::Builder::new()
                .name(format!("screen-{n}"))
                .stack_size(EVAL_STACK_BYTES)
                .spawn(move || work(&tasks))?;
        }
        Ok(Screener {
            shared: Arc::new(Shared {
                packs: RwLock::new(packs.into()),
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
        self.shared
            .packs
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Put `packs` in force for every request submitted from now on; requests already
    /// submitted finish with the packs they started with. Check them first
    /// ([`Packs::check_all`]), or use [`Screener::reload`].
    pub fn replace_packs(&self, packs: Packs) {
        *self
            .shared
            .packs
            .write()
            .unwrap_or_else(PoisonError::into_inner) = Arc::new(packs);
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
    /// gets the result, on a screening thread.
    pub fn submit(
        &self,
        item: Item,
        options: Arc<ScreenOptions>,
        reply: impl FnOnce(ScreenResult) + Send + 'static,
    ) -> Result<(), Busy> {
        let task = screening(self.packs(), item, options, reply);
        match self.shared.queue.try_send(task) {
            Ok(()) => Ok(()),
            Err(TrySendError::Full(_) | TrySendError::Disconnected(_)) => Err(Busy),
        }
    }

    /// Queue `item`, waiting for room in the queue.
    pub fn submit_wait(
        &self,
        item: Item,
        options: Arc<ScreenOptions>,
        reply: impl FnOnce(ScreenResult) + Send + 'static,
    ) -> Result<(), Stopped> {
        self.queue(screening(self.packs(), item, options, reply))
    }

    /// Queue any work that screens: `task` runs on a screening thread, with its compiled packs
    /// (replay, impact, pack tests). Waits for room in the queue.
    pub fn submit_task(
        &self,
        task: impl FnOnce(&mut ThreadScreener) + Send + 'static,
    ) -> Result<(), Stopped> {
        self.queue(Box::new(task))
    }

    fn queue(&self, task: Task) -> Result<(), Stopped> {
        self.shared.queue.send(task).map_err(|_| Stopped)
    }

    /// Run `task` on a screening thread with the packs in force, and wait for its result.
    pub fn run<R: Send + 'static>(
        &self,
        task: impl FnOnce(&mut ThreadScreener, &Packs) -> R + Send + 'static,
    ) -> Result<R, Stopped> {
        let packs = self.packs();
        let (tx, rx) = channel();
        self.submit_task(move |screener| {
            let _ = tx.send(task(screener, &packs));
        })?;
        rx.recv().map_err(|_| Stopped)
    }

    /// Screen one request and wait for the result (waiting for room in the queue first).
    pub fn screen(&self, item: Item, options: Arc<ScreenOptions>) -> Result<ScreenResult, Stopped> {
        let (tx, rx) = channel();
        self.submit_wait(item, options, move |result| {
            let _ = tx.send(result);
        })?;
        rx.recv().map_err(|_| Stopped)
    }

    /// Screen one request given as text (an HTTP request body), shown in problems as `location`.
    pub fn screen_text(
        &self,
        text: String,
        location: Location,
        options: Arc<ScreenOptions>,
    ) -> Result<ScreenResult, Stopped> {
        self.screen(
            Item {
                location,
                text: Ok(text),
            },
            options,
        )
    }
}

/// The task of screening `item` with `packs`.
fn screening(
    packs: Arc<Packs>,
    item: Item,
    options: Arc<ScreenOptions>,
    reply: impl FnOnce(ScreenResult) + Send + 'static,
) -> Task {
    Box::new(move |screener: &mut ThreadScreener| {
        reply(screener.screen_item(&packs, item, &options));
    })
}

/// A screening thread: take a task, run it with this thread's compiled packs.
fn work(tasks: &Mutex<Receiver<Task>>) {
    let mut screener = ThreadScreener::new();
    loop {
        let next = tasks.lock().unwrap_or_else(PoisonError::into_inner).recv();
        let Ok(task) = next else { break };
        task(&mut screener);
    }
    // Threads end when the process is about to: freeing the compiled packs (every AST node of
    // every rule) would only delay the exit, by about a tenth of a one-request run.
    std::mem::forget(screener);
}
