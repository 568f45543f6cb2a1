//! Full-batch epochs allocate nothing of ours: every Z, A, dZ and gradient is allocated once,
//! before the first epoch, in `nn::Workspace`. What remains is matrixmultiply's packing buffer,
//! one per matrix product (two forward and three backward for a 2-layer network); a counting
//! global allocator checks that a 500-epoch difference costs at most that. (Zero needs our own
//! small-matrix kernel; it would change the rounding of every product, so it waits for the
//! performance work and a re-baselined demo.)

use std::alloc::{GlobalAlloc, Layout, System};
use std::ops::ControlFlow;
use std::sync::atomic::{AtomicUsize, Ordering};

use ndarray::{Array1, Array2};
use scratchnet::nn::{Activation, Dense, Network};
use scratchnet::train::TrainConfig;

struct Counting;

static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

// SAFETY: forwards every call to `System` and only counts.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: the caller's contract.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: the caller's contract.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: the caller's contract.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn allocations_for(epochs: usize, hidden: usize, m: usize) -> usize {
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
    let cfg = TrainConfig::default().epochs(epochs);
    let before = ALLOCATIONS.load(Ordering::Relaxed);
    let fitted = cfg
        .fit_from(net, x.view(), y.view(), None, |_| ControlFlow::Continue(()))
        .unwrap();
    let after = ALLOCATIONS.load(Ordering::Relaxed);
    drop(fitted);
    after - before
}

#[test]
fn full_batch_epochs_allocate_only_matrixmultiply_packing_buffers() {
    // W1's sizes (2-4-1 on 320 samples) and a wider network
    for (hidden, m) in [(4, 320), (64, 2000)] {
        let short = allocations_for(10, hidden, m);
        let long = allocations_for(510, hidden, m);
        let per_epoch = (long - short) as f64 / 500.0;
        assert!(
            per_epoch <= 5.0,
            "2-{hidden}-1 on {m} samples: {per_epoch} allocations per epoch"
        );
    }
}
