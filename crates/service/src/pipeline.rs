//! The batch pipeline: a reader thread walks the inputs lazily and queues each request on the
//! [`Screener`]'s threads; the calling thread puts the outcomes back in input order and hands
//! them, one by one, to the caller (a [`crate::sink::RecordSink`], say). At most a fixed window
//! of requests is in flight, so memory does not grow with the size of the input, and the
//! outcomes do not depend on the number of threads.

use std::collections::BTreeMap;
use std::ops::ControlFlow;
use std::sync::mpsc::channel;
use std::sync::{Arc, Condvar, Mutex, PoisonError};

use std::time::Duration;

use crate::inputs::Item;
use crate::screener::Screener;
use crate::thread_screener::{ScreenOptions, ScreenResult, Screened, ThreadScreener};
use crate::writer::{RecordFormat, render_for};

/// Requests in flight (read, not yet handed over in order) per screening thread.
const WINDOW_PER_THREAD: usize = 16;

/// How a batch ended.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BatchEnd {
    /// Outcomes handed over, in input order.
    pub delivered: usize,
    /// `stop` said to stop (Ctrl-C on the command line, a client gone for a server).
    pub interrupted: bool,
    /// The caller's `deliver` asked to stop (the reader of the results has gone).
    pub stopped: bool,
}

/// Screen every request of `items` with the packs in force when the batch starts, and hand
/// each outcome to `deliver` in input order. `stop` is polled while waiting; when it says so,
/// no more requests are read or handed over.
pub fn screen_batch<I>(
    screener: &Screener,
    items: I,
    options: &ScreenOptions,
    stop: &(dyn Fn() -> bool + Sync),
    deliver: impl FnMut(ScreenResult) -> ControlFlow<()>,
) -> BatchEnd
where
    I: Iterator<Item = Item> + Send,
{
    screen_batch_prepared(screener, items, options, Prepare::default(), stop, deliver)
}

/// What the screening threads do to each outcome of a batch besides screening, so that only
/// reading lines and writing bytes in order stay on one thread.
#[derive(Clone, Copy, Debug, Default)]
pub struct Prepare {
    /// Make each record's text or decision note for this format ([`Screened::rendered`]).
    pub render: Option<RecordFormat>,
    /// Keep only what a batch's sink reads of each record (its id, pack, date, decision and
    /// errors): its findings and the request it embeds are dropped on the screening thread.
    /// For a batch written from `canonical` and `rendered`, without a register.
    pub lean_records: bool,
}

impl Prepare {
    fn apply(self, mut result: ScreenResult) -> ScreenResult {
        if let ScreenResult::Screened(screened) = &mut result {
            let screened: &mut Screened = screened;
            if let Some(format) = self.render {
                screened.rendered = render_for(format, &screened.record, &screened.pack);
            }
            if self.lean_records {
                // Freed here, in parallel, not on the thread that keeps the order.
                screened.record.findings = Vec::new();
                screened.record.input = EMPTY_INPUT.with(Arc::clone);
            }
        }
        result
    }
}

thread_local! {
    /// The request a lean record embeds: none, one shared value, so dropping it is free.
    static EMPTY_INPUT: Arc<tcscreen_core::Json> = Arc::new(tcscreen_core::Json::null());
}

/// [`screen_batch`], each outcome prepared on its screening thread as `prepare` says.
pub fn screen_batch_prepared<I>(
    screener: &Screener,
    items: I,
    options: &ScreenOptions,
    prepare: Prepare,
    stop: &(dyn Fn() -> bool + Sync),
    deliver: impl FnMut(ScreenResult) -> ControlFlow<()>,
) -> BatchEnd
where
    I: Iterator<Item = Item> + Send,
{
    let packs = screener.packs();
    let options = options.clone();
    let task = move |local: &mut ThreadScreener, item: Item| {
        prepare.apply(local.screen_item(&packs, item, &options))
    };
    run_batch(screener, items, task, stop, deliver)
}

/// Run `task` on every item of `items`, on the screener's threads, and hand each result to
/// `deliver` in input order: the pipeline under [`screen_batch`], for any work that screens
/// (replay, impact). The task holds the packs it screens with.
pub fn run_batch<T, R>(
    screener: &Screener,
    items: impl Iterator<Item = T> + Send,
    task: impl Fn(&mut ThreadScreener, T) -> R + Send + Sync + 'static,
    stop: &(dyn Fn() -> bool + Sync),
    deliver: impl FnMut(R) -> ControlFlow<()>,
) -> BatchEnd
where
    T: Send + 'static,
    R: Send + 'static,
{
    let window = screener.threads() * WINDOW_PER_THREAD;
    run_batch_in_window(screener, window, items, task, stop, deliver)
}

/// [`run_batch`] with at most `window` items read and not yet handed over: a caller whose
/// items are large (whole records) keeps fewer of them in memory at once.
pub fn run_batch_in_window<T, R>(
    screener: &Screener,
    window: usize,
    items: impl Iterator<Item = T> + Send,
    task: impl Fn(&mut ThreadScreener, T) -> R + Send + Sync + 'static,
    stop: &(dyn Fn() -> bool + Sync),
    mut deliver: impl FnMut(R) -> ControlFlow<()>,
) -> BatchEnd
where
    T: Send + 'static,
    R: Send + 'static,
{
    let task = Arc::new(task);
    let window = Window::new(window);
    let mut end = BatchEnd::default();
    std::thread::scope(|scope| {
        let (results, outcomes) = channel::<(usize, R)>();
        let window = &window;
        scope.spawn(move || {
            for (index, item) in items.enumerate() {
                if !window.acquire(stop) {
                    break;
                }
                let (results, task) = (results.clone(), task.clone());
                let queued = screener.submit_task(move |local| {
                    let _ = results.send((index, task(local, item)));
                });
                if queued.is_err() {
                    break;
                }
            }
        });
        let mut waiting: BTreeMap<usize, R> = BTreeMap::new();
        'results: for (index, outcome) in outcomes {
            if stop() {
                break;
            }
            waiting.insert(index, outcome);
            while let Some(outcome) = waiting.remove(&end.delivered) {
                end.delivered += 1;
                window.release();
                if deliver(outcome).is_break() {
                    end.stopped = true;
                    break 'results;
                }
            }
        }
        window.close();
    });
    end.interrupted = stop();
    end
}

/// A counting semaphore bounding the requests in flight, closed when the batch is over.
struct Window {
    state: Mutex<WindowState>,
    changed: Condvar,
}

struct WindowState {
    free: usize,
    closed: bool,
}

impl Window {
    fn new(size: usize) -> Window {
        Window {
            state: Mutex::new(WindowState {
                free: size.max(1),
                closed: false,
            }),
            changed: Condvar::new(),
        }
    }

    /// Wait for a free place; false if the batch is over (stopped, or the window closed).
    fn acquire(&self, stop: &(dyn Fn() -> bool + Sync)) -> bool {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        while state.free == 0 && !state.closed {
            if stop() {
                return false;
            }
            state = self
                .changed
                .wait_timeout(state, Duration::from_millis(100))
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
        if state.closed || stop() {
            return false;
        }
        state.free -= 1;
        true
    }

    fn release(&self) {
        self.state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .free += 1;
        self.changed.notify_one();
    }

    /// Stop the reader: the batch is over.
    fn close(&self) {
        self.state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .closed = true;
        self.changed.notify_all();
    }
}
