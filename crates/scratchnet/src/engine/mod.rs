//! The seam between the math and the machinery: an [`Engine`] runs forward propagation, the
//! cost and backpropagation on one batch and leaves the gradients for the optimizer.
//!
//! Two engines compute the same network:
//! - [`Reference`]: [`Network::forward`] → [`Network::cost`] → [`Network::backward`], nothing
//!   else. Every line it runs is in [`crate::nn`], written like the tutorial's equations. A
//!   learner can run it (`scratchnet demo --engine reference`) and step into
//!   [`crate::nn::Dense::forward`] in three calls.
//! - the fast engine (the default, private to the crate): preallocated buffers, row kernels
//!   compiled for AVX-512/AVX2, matrixmultiply's GEMM for wide layers, an optional f32 copy of
//!   the weights and a split of big batches over threads. Its row kernels are built from the
//!   same definitions of g and g′ ([`crate::nn::activation::Elementwise`]) and the same
//!   fixed-order sums ([`crate::nn::real`]), so on layers small enough for them (≤ 256
//!   weights, or a side of ≤ 4 units: the tutorial's network and most tabular ones) both
//!   engines give the same bits; wide layers add their products in GEMM's blocked order
//!   (tests: `tests/engines.rs`).
//!
//! The one training loop ([`crate::train`]) is written against this trait.

use ndarray::{Array2, ArrayView2};

use crate::nn::{Gradients, Network};
use crate::{Error, Result};

pub(crate) mod fast;
mod reference;

pub(crate) use fast::Fast;
pub use reference::Reference;

/// Forward, cost and backward on one batch, leaving the gradients in place.
///
/// Sample weights `w` (m, one per column of X; see [`crate::weights`]) make the cost
/// J = (1/m_b)·Σ_j w̃_j·L_j over the batch's m_b columns and the output delta (A − Y) ⊙ w̃
/// ([`crate::loss::weight_columns`]); they are normalized by the caller (mean 1 over the
/// training rows). `None` is the plain cost, computed exactly as without weights.
pub trait Engine {
    /// Forward propagation, the cost J and backpropagation of `net` on the columns `batch`
    /// of X (n_x × m), Y (n_y × m) and the weights w (m), or on all m columns with `None`.
    /// Returns J (without any penalty); the gradients ∂J/∂θ are then in
    /// [`Engine::gradients`].
    fn step(
        &mut self,
        net: &Network,
        x: ArrayView2<f64>,
        y: ArrayView2<f64>,
        w: Option<&[f64]>,
        batch: Option<&[usize]>,
    ) -> f64;

    /// The gradients of the last [`Engine::step`], same layout as the parameters (mutable, so
    /// that a penalty's gradient can be added).
    fn gradients(&mut self) -> &mut Gradients;

    /// The cost J of `net` on a whole set (X, Y), weighted by w (m) when given, forward
    /// only: the validation loss and the final training loss.
    fn cost(
        &mut self,
        net: &Network,
        x: ArrayView2<f64>,
        y: ArrayView2<f64>,
        w: Option<&[f64]>,
    ) -> f64;
}

/// Which engine trains: the readable reference or the fast one.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum EngineKind {
    /// [`Reference`]: the code of [`crate::nn`], as the tutorial writes it.
    Reference,
    /// The fast engine (default): same math, preallocated buffers, SIMD, threads.
    #[default]
    Fast,
}

impl EngineKind {
    /// `reference` or `fast`.
    pub fn name(self) -> &'static str {
        match self {
            EngineKind::Reference => "reference",
            EngineKind::Fast => "fast",
        }
    }
}

impl std::fmt::Display for EngineKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for EngineKind {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        match s {
            "reference" => Ok(EngineKind::Reference),
            "fast" => Ok(EngineKind::Fast),
            other => Err(Error::unknown("engine", other, "fast, reference")),
        }
    }
}

impl EngineKind {
    /// The output A_L of `net` for X (n_x × m) through this engine: the reference's
    /// [`Network::output`], or the fast engine's chunked passes ([`predict_proba`]).
    ///
    /// Errors when X does not have the network's n_x rows.
    pub fn predict_proba(self, net: &Network, x: ArrayView2<f64>) -> Result<Array2<f64>> {
        match self {
            EngineKind::Fast => predict_proba(net, x),
            EngineKind::Reference => {
                check_inputs(net, x)?;
                Ok(net.output(x))
            }
        }
    }

    /// The output A_L and the cost J of `net` on (X, Y) through this engine.
    ///
    /// Errors when X does not have n_x rows or Y is not (n_y × m).
    pub fn output_and_cost(
        self,
        net: &Network,
        x: ArrayView2<f64>,
        y: ArrayView2<f64>,
    ) -> Result<(Array2<f64>, f64)> {
        match self {
            EngineKind::Fast => output_and_cost(net, x, y),
            EngineKind::Reference => {
                check_inputs(net, x)?;
                check_targets(net, x, y)?;
                let cache = net.forward(x);
                let cost = net.cost(&cache, y);
                Ok((cache.output().to_owned(), cost))
            }
        }
    }
}

/// The output A_L of `net` for inputs X (n_x × m), through the fast engine's forward passes
/// (chunks of columns, over threads when there is enough work; each column is computed the
/// same way whatever the thread count). For a sigmoid output: the probability of the
/// positive class, one per sample. [`Network::output`] is the reference.
///
/// Errors when X does not have the network's n_x rows.
pub fn predict_proba(net: &Network, x: ArrayView2<f64>) -> Result<Array2<f64>> {
    check_inputs(net, x)?;
    Ok(fast::predict::predict_proba(net, x))
}

/// The output A_L (as [`predict_proba`]) and the cost J on (X, Y), in one pass.
///
/// Errors when X does not have n_x rows or Y does not have n_y rows and X's columns.
pub fn output_and_cost(
    net: &Network,
    x: ArrayView2<f64>,
    y: ArrayView2<f64>,
) -> Result<(Array2<f64>, f64)> {
    check_inputs(net, x)?;
    check_targets(net, x, y)?;
    Ok(fast::predict::output_and_cost(net, x, y, None))
}

/// Y must be (n_y × m) for the network's n_y and X's m.
fn check_targets(net: &Network, x: ArrayView2<f64>, y: ArrayView2<f64>) -> Result<()> {
    if y.dim() != (net.n_outputs(), x.ncols()) {
        return Err(Error::Invalid(format!(
            "Y is {}×{}; the network has {} outputs and X {} samples",
            y.nrows(),
            y.ncols(),
            net.n_outputs(),
            x.ncols()
        )));
    }
    Ok(())
}

/// X must have the network's n_x rows.
fn check_inputs(net: &Network, x: ArrayView2<f64>) -> Result<()> {
    if x.nrows() != net.n_inputs() {
        return Err(Error::Invalid(format!(
            "X has {} feature rows; the network takes {}",
            x.nrows(),
            net.n_inputs()
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::{Activation, Init, LayerSizes};
    use ndarray::array;
    use rand::SeedableRng;

    #[test]
    fn predictions_refuse_inputs_with_the_wrong_number_of_features() {
        let sizes = LayerSizes {
            n_x: 2,
            n_h: vec![4],
            n_y: 1,
        };
        let mut rng = crate::Rng::seed_from_u64(1);
        let net = Network::init(
            &sizes,
            Activation::Tanh,
            Activation::Sigmoid,
            Init::Xavier,
            &mut rng,
        )
        .unwrap();
        // three feature rows for a two-input network: an error, not the first two rows
        let x3 = array![[0.5, 1.0], [0.1, -0.2], [9.0, 9.0]];
        let e = predict_proba(&net, x3.view()).unwrap_err();
        assert_eq!(e.to_string(), "X has 3 feature rows; the network takes 2");
        assert!(output_and_cost(&net, x3.view(), array![[1.0, 0.0]].view()).is_err());
        let x2 = array![[0.5, 1.0], [0.1, -0.2]];
        assert!(output_and_cost(&net, x2.view(), array![[1.0, 0.0, 1.0]].view()).is_err());
        let p = predict_proba(&net, x2.view()).unwrap();
        // the plain forward pass, to 4 ulp (the same formulas; chunking only)
        for (a, b) in p.iter().zip(net.output(x2.view()).iter()) {
            assert!((a - b).abs() <= 4.0 * f64::EPSILON);
        }
    }
}
