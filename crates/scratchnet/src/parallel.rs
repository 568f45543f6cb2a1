//! How many threads scratchnet uses: all cores unless told otherwise (`--threads N`).
//!
//! Threads split the samples (columns) of a batch, never the arithmetic of one sample, so
//! predictions are identical for any thread count. Training sums the per-thread gradients in a
//! fixed order: the same thread count gives bit-identical results on every run; a different
//! count may differ in the last bits. Small batches (less than [`MIN_WORK_PER_THREAD`]
//! multiply-adds per thread, e.g. the tutorial's whole epoch) never split, so the tutorial's
//! numbers do not depend on the machine.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

static THREADS: AtomicUsize = AtomicUsize::new(0);
static POOL: OnceLock<Option<rayon::ThreadPool>> = OnceLock::new();

/// A thread must get at least this many multiply-adds (samples × parameters) of a batch, or
/// starting it costs more than it saves.
pub(crate) const MIN_WORK_PER_THREAD: usize = 2_000_000;

/// Use `n` threads (0: all cores). Call it before the first training or prediction: the worker
/// threads are started once, at first use, and then kept (a thread started per mini-batch
/// begins cold and made W2 no faster than one thread).
pub(crate) fn set_threads(n: usize) {
    THREADS.store(n, Ordering::Relaxed);
}

/// The cores this process may use, asked once: `available_parallelism` re-reads the cgroup's
/// files on every call (about 18 system calls, 11–19 µs, as long as a one-row prediction).
static CORES: OnceLock<usize> = OnceLock::new();

/// The number of threads to use: the one set by [`set_threads`], else every core.
pub(crate) fn threads() -> usize {
    match THREADS.load(Ordering::Relaxed) {
        0 => *CORES.get_or_init(|| std::thread::available_parallelism().map_or(1, |n| n.get())),
        n => n,
    }
}

/// The persistent worker threads (rayon), started at first use with [`threads`] threads;
/// `None` if the system refused to start them (then everything runs on the calling thread).
pub(crate) fn pool() -> Option<&'static rayon::ThreadPool> {
    POOL.get_or_init(|| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads())
            .thread_name(|i| format!("scratchnet-{i}"))
            .build()
            .ok()
    })
    .as_ref()
}

/// `f(i, item)` for every item, on the worker threads, results in the items' order (so sums
/// over them have a fixed order whichever thread ran what).
pub(crate) fn map_ordered<I: Send, R: Send>(
    items: Vec<I>,
    f: impl Fn(I) -> R + Sync + Send,
) -> Vec<R> {
    use rayon::prelude::*;
    match pool() {
        Some(pool) if items.len() > 1 => pool.install(|| items.into_par_iter().map(&f).collect()),
        _ => items.into_iter().map(f).collect(),
    }
}

/// How many threads to use for `work` multiply-adds over `columns` samples: at most
/// [`threads`], at least 1, and no more than gives each thread [`MIN_WORK_PER_THREAD`].
pub(crate) fn threads_for(work: usize, columns: usize) -> usize {
    (work / MIN_WORK_PER_THREAD)
        .min(threads())
        .min(columns)
        .max(1)
}

/// `0..n` cut into `parts` contiguous ranges whose lengths differ by at most one.
pub(crate) fn ranges(n: usize, parts: usize) -> Vec<std::ops::Range<usize>> {
    let parts = parts.max(1);
    (0..parts)
        .map(|p| (p * n / parts)..((p + 1) * n / parts))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_cover_everything_once() {
        assert_eq!(ranges(10, 3), vec![0..3, 3..6, 6..10]);
        assert_eq!(ranges(2, 1), vec![0..2]);
        assert_eq!(ranges(0, 2), vec![0..0, 0..0]);
    }

    #[test]
    fn small_work_stays_on_one_thread() {
        assert_eq!(threads_for(320 * 17, 320), 1);
        assert!(threads_for(usize::MAX / 2, 3) <= 3);
    }
}
