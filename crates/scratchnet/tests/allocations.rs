//! Epochs allocate nothing: every Z, A, dZ, gradient and mini-batch buffer is allocated once,
//! before the first epoch, in `nn::Workspace`, and the small layers of the tutorial's sizes
//! use scratchnet's own row kernels instead of GEMM (whose packing buffers are allocated per
//! product). A counting global allocator checks that 500 more epochs cost zero allocations.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::ops::ControlFlow;

use ndarray::{Array1, Array2};
use scratchnet::nn::{Activation, Dense, Network};
use scratchnet::train::TrainConfig;

struct Counting;

thread_local! {
    // per thread, so the test harness's own threads do not count
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

// SAFETY: forwards every call to `System` and only counts.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.with(|n| n.set(n.get() + 1));
        // SAFETY: the caller's contract.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: the caller's contract.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.with(|n| n.set(n.get() + 1));
        // SAFETY: the caller's contract.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn allocations_for(epochs: usize, hidden: usize, m: usize, batch: Option<usize>) -> usize {
    let net = Network::new(vec![
        Dense::new(
            Array2::from_elem((hidden, 2), 0.01),
            Array1::zeros(hidden),
            Activation::Tanh,
        )
        .unwrap(),
        Dense::new(
            Array2::from_elem((1, hidden), 0.01),
            Array1::zeros(1),
            Activation::Sigmoid,
        )
        .unwrap(),
    ])
    .unwrap();
    let x = Array2::from_shape_fn((2, m), |(i, j)| ((i * 7 + j * 3) % 11) as f64 / 5.0 - 1.0);
    let y = Array2::from_shape_fn((1, m), |(_, j)| (j % 2) as f64);
    let cfg = TrainConfig {
        batch_size: batch,
        ..TrainConfig::default().epochs(epochs)
    };
    let before = ALLOCATIONS.with(Cell::get);
    let fitted = cfg
        .fit_from(net, x.view(), y.view(), None, |_| ControlFlow::Continue(()))
        .unwrap();
    let after = ALLOCATIONS.with(Cell::get);
    drop(fitted);
    after - before
}

#[test]
fn epochs_allocate_nothing_after_the_first() {
    // W1's sizes (2-4-1 on 320 samples, full batch), a wider network, and mini-batches
    // (including a smaller last batch: 2000 = 7·256 + 208)
    allocations_for(1, 4, 320, None); // one-time set-up (lazy statics) out of the way
    for (hidden, m, batch) in [(4, 320, None), (64, 2000, None), (16, 2000, Some(256))] {
        let short = allocations_for(10, hidden, m, batch);
        let long = allocations_for(510, hidden, m, batch);
        assert_eq!(
            long,
            short,
            "2-{hidden}-1 on {m} samples, batch {batch:?}: 500 more epochs allocated {} more times",
            long as i64 - short as i64
        );
    }
}
