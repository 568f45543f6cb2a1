//! The fast engine: the reference's math in preallocated buffers, through row kernels compiled
//! for AVX-512, AVX2 and the baseline, matrixmultiply's GEMM for wide layers, an f32 copy of
//! the weights for `Precision::F32`, and big batches split over threads. Private to the crate:
//! the public way in is [`crate::engine::Engine`] (through training) and
//! [`crate::engine::predict_proba`].
//!
//! Timings and the experiments that shaped these files are in `bench/README.md`.

use ndarray::ArrayView2;

use super::Engine;
use crate::nn::{Gradients, Network};
use crate::train::Precision;

pub(crate) mod kernels;
pub(crate) mod predict;
pub(crate) mod workspace;

pub use workspace::{Split, Workspace};

/// The buffers of one batch size in one precision.
#[derive(Debug)]
enum Buffers {
    F64(Split),
    F32(Split<f32>),
}

impl Buffers {
    fn new(precision: Precision, net: &Network, m: usize) -> Self {
        match precision {
            Precision::F64 => Buffers::F64(Split::new(net, m)),
            Precision::F32 => Buffers::F32(Split::for_network(net, m)),
        }
    }

    fn batch_size(&self) -> usize {
        match self {
            Buffers::F64(s) => s.batch_size(),
            Buffers::F32(s) => s.batch_size(),
        }
    }

    fn step(
        &mut self,
        net: &Network,
        x: ArrayView2<f64>,
        y: ArrayView2<f64>,
        batch: Option<&[usize]>,
    ) -> f64 {
        match self {
            Buffers::F64(s) => s.step(net, x, y, batch),
            Buffers::F32(s) => s.step(net, x, y, batch),
        }
    }

    fn grads_mut(&mut self) -> &mut Gradients {
        match self {
            Buffers::F64(s) => s.grads_mut(),
            Buffers::F32(s) => s.grads_mut(),
        }
    }
}

/// The fast engine. Buffers are made on the first step of each batch size and kept: one set
/// for the full batch (or the mini-batch size), one for a smaller last mini-batch, so that
/// epochs after the first allocate nothing on small layers.
#[derive(Debug)]
pub(crate) struct Fast {
    precision: Precision,
    buffers: Vec<Buffers>,
    last: usize,
}

impl Fast {
    /// A fast engine computing in `precision`.
    pub(crate) fn new(precision: Precision) -> Self {
        Fast {
            precision,
            buffers: Vec::with_capacity(2),
            last: 0,
        }
    }

    /// The buffers for batches of `m` samples, made on first use (at most two sizes kept).
    fn buffers_for(&mut self, net: &Network, m: usize) -> usize {
        if let Some(i) = self.buffers.iter().position(|b| b.batch_size() == m) {
            return i;
        }
        if self.buffers.len() == 2 {
            self.buffers.pop();
        }
        self.buffers.push(Buffers::new(self.precision, net, m));
        self.buffers.len() - 1
    }
}

impl Engine for Fast {
    fn step(
        &mut self,
        net: &Network,
        x: ArrayView2<f64>,
        y: ArrayView2<f64>,
        batch: Option<&[usize]>,
    ) -> f64 {
        let m = batch.map_or(x.ncols(), <[usize]>::len);
        self.last = self.buffers_for(net, m);
        self.buffers[self.last].step(net, x, y, batch)
    }

    fn gradients(&mut self) -> &mut Gradients {
        // a step always comes first (the training loop's order)
        self.buffers[self.last].grads_mut()
    }

    fn cost(&mut self, net: &Network, x: ArrayView2<f64>, y: ArrayView2<f64>) -> f64 {
        predict::output_and_cost(net, x, y).1
    }
}
