//! What an epoch allocates, counted by a counting global allocator.
//!
//! Small layers (at most 256 weights, or a side of at most 4 units: every layer of the
//! tutorial's 2-4-1 network, and the 64×2 and 1×64 layers below) run scratchnet's own row
//! kernels in buffers allocated once, before the first epoch: their epochs allocate nothing.
//! A wider layer (the 64×64 of 2-64-64-1) runs matrixmultiply's GEMM, which allocates one
//! packing buffer per product; such a layer makes three products per batch (Z = W·A_prev,
//! dW = dZ·A_prevᵀ, dA_prev = Wᵀ·dZ), so three allocations per batch, every epoch.
//!
//! The counter is per thread: the sizes here stay below the work that splits a batch over
//! threads (2,000,000 multiply-adds per thread: `MIN_WORK_PER_THREAD` in `parallel.rs`), so
//! every allocation of training is counted.

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

/// A network with 2 inputs, tanh hidden layers of `hidden` units and one sigmoid output, all
/// weights 0.01.
fn network(hidden: &[usize]) -> Network {
    let mut sizes = vec![2];
    sizes.extend_from_slice(hidden);
    sizes.push(1);
    let last = sizes.len() - 2;
    let layers = sizes
        .windows(2)
        .enumerate()
        .map(|(l, s)| {
            let g = if l == last {
                Activation::Sigmoid
            } else {
                Activation::Tanh
            };
            Dense::new(
                Array2::from_elem((s[1], s[0]), 0.01),
                Array1::zeros(s[1]),
                g,
            )
            .unwrap()
        })
        .collect();
    Network::new(layers).unwrap()
}

/// Allocations of a whole training run (set-up included) of `epochs` epochs on m samples.
fn allocations_for(epochs: usize, hidden: &[usize], m: usize, batch: Option<usize>) -> usize {
    let net = network(hidden);
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

/// Allocations per epoch beyond the set-up: (run of 510 epochs − run of 10) / 500.
fn allocations_per_epoch(hidden: &[usize], m: usize, batch: Option<usize>) -> f64 {
    allocations_for(1, &[4], 320, None); // one-time set-up (lazy statics) out of the way
    let short = allocations_for(10, hidden, m, batch);
    let long = allocations_for(510, hidden, m, batch);
    (long as f64 - short as f64) / 500.0
}

#[test]
fn epochs_of_small_layers_allocate_nothing() {
    // W1's sizes (2-4-1 on 320 samples, full batch), a wider network whose layers are thin
    // (64×2 and 1×64), and mini-batches (including a smaller last batch: 2000 = 7·256 + 208)
    for (hidden, m, batch) in [(4, 320, None), (64, 2000, None), (16, 2000, Some(256))] {
        let per_epoch = allocations_per_epoch(&[hidden], m, batch);
        assert_eq!(
            per_epoch, 0.0,
            "2-{hidden}-1 on {m} samples, batch {batch:?}: {per_epoch} allocations per epoch"
        );
    }
}

#[test]
fn a_gemm_layer_allocates_three_times_per_batch() {
    // 2-64-64-1: the 64×64 layer (4,096 weights) runs GEMM, three products per batch, each
    // allocating matrixmultiply's packing buffer; the 64×2 and 1×64 layers stay on row kernels
    let full = allocations_per_epoch(&[64, 64], 400, None);
    assert_eq!(full, 3.0, "full batch: {full} allocations per epoch");
    // 2000 samples in mini-batches of 256: 8 batches (the last of 208) per epoch
    let mini = allocations_per_epoch(&[64, 64], 2000, Some(256));
    assert_eq!(
        mini,
        3.0 * 8.0,
        "mini-batches: {mini} allocations per epoch"
    );
}
