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
use crate::thread_screener::{Outcome, ScreenOptions, ThreadScreener};

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
    deliver: impl FnMut(Outcome) -> ControlFlow<()>,
) -> BatchEnd
where
    I: Iterator<Item = Item> + Send,
{
    let packs = screener.packs();
    let options = options.clone();
    let task =
        move |local: &mut ThreadScreener, item: Item| local.screen_item(&packs, item, &options);
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
