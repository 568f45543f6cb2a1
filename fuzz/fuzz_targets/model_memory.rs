//! Model-file bytes → `Model::from_json`, with the allocator counting: whatever the bytes, the
//! peak of what parsing allocates stays within 96 bytes per JSON value that can start in them
//! (a comma, `[` or `{`) plus 6 per byte and 24 more per control or non-ASCII byte (an error
//! quotes a string of the file whole, escaped) and 4 kB, the bound
//! `Model::load` checks against the machine's memory first.
#![no_main]

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use libfuzzer_sys::fuzz_target;
use scratchnet::model_file::Model;

static NOW: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

struct Peak;

fn grow(by: usize) {
    let now = NOW.fetch_add(by, Ordering::Relaxed) + by;
    PEAK.fetch_max(now, Ordering::Relaxed);
}

// SAFETY: forwards every call to `System` and only counts.
unsafe impl GlobalAlloc for Peak {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        grow(layout.size());
        // SAFETY: the caller's contract.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        NOW.fetch_sub(layout.size(), Ordering::Relaxed);
        // SAFETY: the caller's contract.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        grow(new_size);
        NOW.fetch_sub(layout.size(), Ordering::Relaxed);
        // SAFETY: the caller's contract.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Peak = Peak;

fuzz_target!(|data: &[u8]| {
    let values = 1 + data
        .iter()
        .filter(|&&b| matches!(b, b',' | b'[' | b'{'))
        .count();
    let escaped = data.iter().filter(|&&b| b < 0x20 || b >= 0x7f).count();
    let before = NOW.load(Ordering::Relaxed);
    PEAK.store(before, Ordering::Relaxed);
    let result = Model::from_json(data);
    let peak = PEAK.load(Ordering::Relaxed) - before;
    drop(result);
    // 4 KiB of fixed cost (an error message being formatted, the parser's scratch space)
    assert!(
        peak <= 96 * values + 6 * data.len() + 24 * escaped + 4096,
        "{peak} bytes at the peak for {} bytes ({values} values)",
        data.len()
    );
});
