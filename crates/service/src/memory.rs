//! A global allocator that counts, per thread, the bytes allocated and not yet freed. The
//! engine's memory safety stop reads it while a rule runs (`EngineLimits::memory_gauge`); the
//! engine's limits for screening are built here with it and the clock (`EngineLimits::clock`).

#![allow(
    unsafe_code,
    reason = "a GlobalAlloc wrapper is unsafe by definition; it only forwards to System"
)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

thread_local! {
    static LIVE: Cell<usize> = const { Cell::new(0) };
}

/// Forwards to the system allocator and keeps a per-thread count of live bytes.
pub struct CountingAllocator;

// SAFETY: every method forwards to `System` with the same arguments; the bookkeeping touches
// only a const-initialised thread-local `Cell`, which never allocates.
unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let _ = LIVE.try_with(|c| c.set(c.get().wrapping_add(layout.size())));
        // SAFETY: forwarded unchanged.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        let _ = LIVE.try_with(|c| c.set(c.get().wrapping_sub(layout.size())));
        // SAFETY: forwarded unchanged.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let _ = LIVE.try_with(|c| c.set(c.get().wrapping_add(layout.size())));
        // SAFETY: forwarded unchanged.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let _ =
            LIVE.try_with(|c| c.set(c.get().wrapping_sub(layout.size()).wrapping_add(new_size)));
        // SAFETY: forwarded unchanged.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

/// Bytes allocated on this thread and not yet freed on it (wrapping; compare differences).
pub fn thread_live_bytes() -> usize {
    LIVE.try_with(Cell::get).unwrap_or(0)
}

/// The engine's limits for screening: the defaults, with the memory stop measured by
/// [`CountingAllocator`] and the wall-clock stops by the system's monotonic clock (core reads
/// no clock of its own). A binary that does not install the allocator as its global allocator
/// gets no memory stop (the other limits still hold).
pub fn engine_limits() -> tcscreen_core::EngineLimits {
    tcscreen_core::EngineLimits {
        memory_gauge: Some(thread_live_bytes),
        clock: Some(std::time::Instant::now),
        ..tcscreen_core::EngineLimits::default()
    }
}
