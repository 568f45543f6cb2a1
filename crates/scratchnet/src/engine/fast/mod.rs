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
        w: Option<&[f64]>,
        batch: Option<&[usize]>,
    ) -> f64 {
        match self {
            Buffers::F64(s) => s.step(net, x, y, w, batch),
            Buffers::F32(s) => s.step(net, x, y, w, batch),
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
/// training steps after the first allocate nothing on small layers (the validation loss of
/// each epoch goes through the prediction path, which allocates its output).
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
        w: Option<&[f64]>,
        batch: Option<&[usize]>,
    ) -> f64 {
        let m = batch.map_or(x.ncols(), <[usize]>::len);
        self.last = self.buffers_for(net, m);
        self.buffers[self.last].step(net, x, y, w, batch)
    }

    fn gradients(&mut self) -> &mut Gradients {
        // a step always comes first (the training loop's order)
        self.buffers[self.last].grads_mut()
    }

    fn cost(
        &mut self,
        net: &Network,
        x: ArrayView2<f64>,
        y: ArrayView2<f64>,
        w: Option<&[f64]>,
    ) -> f64 {
        predict::output_and_cost(net, x, y, w).1
    }
}

#[cfg(test)]
mod tests {
    //! The fast engine's gradients against central finite differences of the cost, directly
    //! (not only through the reference): small layers (row kernels) and wide ones (GEMM), every
    //! hidden activation and output, full batches and gathered mini-batches, f64 and f32,
    //! unweighted and with sample weights (against the weighted cost's differences).
    use super::*;
    use crate::gradcheck::{compare_gradients, compare_weighted_gradients};
    use crate::nn::activation::ALL_ACTIVATIONS;
    use crate::nn::{Activation, Init, LayerSizes};
    use ndarray::{Array2, Axis};
    use rand::{RngExt, SeedableRng};

    fn check(hidden: &[usize], act: Activation, output: Activation, n_y: usize, seed: u64) {
        let mut rng = crate::Rng::seed_from_u64(seed);
        let sizes = LayerSizes {
            n_x: 3,
            n_h: hidden.to_vec(),
            n_y,
        };
        let net = Network::init(&sizes, act, output, Init::Xavier, &mut rng).unwrap();
        let m = 23;
        // (leaky) ReLU: away from the kink at 0, where a finite difference measures nonsense
        // (every hidden Z at least 1e-3 from 0; the stencil moves Z by at most ~1e-3)
        let x = loop {
            let x = Array2::from_shape_fn((3, m), |_| rng.random_range(-2.0..2.0));
            let cache = net.forward(x.view());
            let hidden = &cache.layers[..cache.layers.len() - 1];
            if hidden.iter().all(|c| c.z.iter().all(|z| z.abs() > 1e-3)) {
                break x;
            }
        };
        let y = Array2::from_shape_fn((n_y, m), |(i, j)| match output {
            Activation::Identity => ((i + j) as f64).sin(),
            _ if n_y == 1 => f64::from(u8::from(j % 3 == 0)),
            _ => f64::from(u8::from(j % n_y == i)),
        });
        let what = format!("{hidden:?} {act}/{output}");
        // full batch, f64
        let mut fast = Fast::new(Precision::F64);
        fast.step(&net, x.view(), y.view(), None, None);
        let check = compare_gradients(&net, fast.gradients(), x.view(), y.view(), 1e-4);
        assert!(check.max_relative_error < 1e-7, "{what}: {check:?}");
        // a gathered mini-batch: the gradients of those columns alone
        let idx: Vec<usize> = (0..m).filter(|j| j % 3 != 1).rev().collect();
        fast.step(&net, x.view(), y.view(), None, Some(&idx));
        let (xb, yb) = (x.select(Axis(1), &idx), y.select(Axis(1), &idx));
        let check = compare_gradients(&net, fast.gradients(), xb.view(), yb.view(), 1e-4);
        assert!(
            check.max_relative_error < 1e-7,
            "{what}, mini-batch: {check:?}"
        );
        // f32 passes: the same gradients to single precision
        let mut single = Fast::new(Precision::F32);
        single.step(&net, x.view(), y.view(), None, None);
        let check = compare_gradients(&net, single.gradients(), x.view(), y.view(), 1e-4);
        assert!(check.max_relative_error < 1e-3, "{what}, f32: {check:?}");
        // sample weights in [0, 3) (every fifth 0): the weighted cost's gradients, full batch,
        // mini-batch (the weights gathered with their columns) and f32
        let w: Vec<f64> = (0..m)
            .map(|j| {
                if j % 5 == 0 {
                    0.0
                } else {
                    rng.random_range(0.0..3.0)
                }
            })
            .collect();
        fast.step(&net, x.view(), y.view(), Some(&w), None);
        let check =
            compare_weighted_gradients(&net, fast.gradients(), x.view(), y.view(), &w, 1e-4);
        assert!(
            check.max_relative_error < 1e-7,
            "{what}, weighted: {check:?}"
        );
        fast.step(&net, x.view(), y.view(), Some(&w), Some(&idx));
        let wb: Vec<f64> = idx.iter().map(|&j| w[j]).collect();
        let check =
            compare_weighted_gradients(&net, fast.gradients(), xb.view(), yb.view(), &wb, 1e-4);
        assert!(
            check.max_relative_error < 1e-7,
            "{what}, weighted mini-batch: {check:?}"
        );
        single.step(&net, x.view(), y.view(), Some(&w), None);
        let check =
            compare_weighted_gradients(&net, single.gradients(), x.view(), y.view(), &w, 1e-4);
        assert!(
            check.max_relative_error < 1e-3,
            "{what}, weighted f32: {check:?}"
        );
    }

    #[test]
    fn fast_gradients_match_finite_differences_on_small_layers() {
        for (k, act) in ALL_ACTIVATIONS.into_iter().enumerate() {
            let seed = k as u64;
            check(&[5, 4], act, Activation::Sigmoid, 1, seed);
            check(&[4], act, Activation::Softmax, 3, seed);
            check(&[6], act, Activation::Identity, 2, seed);
        }
        check(&[], Activation::Tanh, Activation::Sigmoid, 1, 9);
    }

    #[test]
    fn fast_gradients_match_finite_differences_on_gemm_layers() {
        // 3-40-30: layers of 120 and 1,200 weights with no side ≤ 4 units → GEMM for the second
        for act in [Activation::Tanh, Activation::LeakyRelu] {
            check(&[40, 30], act, Activation::Sigmoid, 1, 21);
            check(&[40, 30], act, Activation::Softmax, 5, 22);
        }
    }
}
