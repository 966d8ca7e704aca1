//! What the child processes a benchmark waited for have used, from `getrusage`, and where the
//! workspace is (the benchmarks run tcscreen from its root, where `rules/` is).

use std::path::{Path, PathBuf};
use std::time::Duration;

/// The workspace root.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn usage() -> libc::rusage {
    // SAFETY: getrusage only writes the struct it is given.
    #[allow(unsafe_code)]
    unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage);
        usage
    }
}

/// User + system time of the children waited for so far.
pub fn cpu() -> Duration {
    let usage = usage();
    let time = |t: libc::timeval| {
        Duration::from_secs(u64::try_from(t.tv_sec).unwrap_or(0))
            + Duration::from_micros(u64::try_from(t.tv_usec).unwrap_or(0))
    };
    time(usage.ru_utime) + time(usage.ru_stime)
}

/// Peak resident memory of the children waited for so far, in bytes.
pub fn peak_rss() -> u64 {
    u64::try_from(usage().ru_maxrss).unwrap_or(0) * 1024
}
