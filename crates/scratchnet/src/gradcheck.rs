//! Gradient checking: compare backpropagation with central finite differences.
//!
//! ```text
//! numeric ∂J/∂θ ≈ [J(θ − 2h) − 8·J(θ − h) + 8·J(θ + h) − J(θ + 2h)] / (12h)   (error O(h⁴))
//! relative error = |analytic − numeric| / max(|analytic| + |numeric|, floor)
//! ```
//! The five-point stencil lets h be larger (1e-4) than the plain (J(θ+h) − J(θ−h))/2h needs,
//! which cuts the rounding noise (≈ 1.5·ε·J/h ≈ 1e-12): a correct backward pass agrees to
//! ~1e-10. The denominator is floored at [`REL_FLOOR`] so that gradients that are essentially
//! zero are compared absolutely.

use ndarray::ArrayView2;

use crate::nn::{Gradients, Network};

/// The result of a gradient check.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GradCheck {
    /// Largest relative error over all parameters.
    pub max_relative_error: f64,
    /// Number of parameters checked.
    pub n_checked: usize,
    /// The (analytic, numeric) pair with the largest relative error.
    pub worst_pair: (f64, f64),
}

/// Checks every weight and bias of `net` on inputs X (n_x × m) and targets Y (n_y × m):
/// backpropagation's gradients against finite differences.
pub fn check_gradients(net: &Network, x: ArrayView2<f64>, y: ArrayView2<f64>, h: f64) -> GradCheck {
    let cache = net.forward(x);
    let grads = net.backward(&cache, y);
    compare_gradients(net, &grads, x, y, h)
}

/// Compares the given gradients `grads` (same layout as `net`'s parameters) with finite
/// differences of `net`'s cost.
pub fn compare_gradients(
    net: &Network,
    grads: &Gradients,
    x: ArrayView2<f64>,
    y: ArrayView2<f64>,
    h: f64,
) -> GradCheck {
    compare_to_cost(net, grads, |n| n.cost(&n.forward(x), y), h)
}

/// [`check_gradients`] for the weighted cost J = (1/m)·Σ_j w̃_j·L_j with sample weights w̃
/// (m): [`Network::weighted_backward`] against finite differences of
/// [`Network::weighted_cost`].
pub fn check_weighted_gradients(
    net: &Network,
    x: ArrayView2<f64>,
    y: ArrayView2<f64>,
    w: &[f64],
    h: f64,
) -> GradCheck {
    let cache = net.forward(x);
    let grads = net.weighted_backward(&cache, y, w);
    compare_weighted_gradients(net, &grads, x, y, w, h)
}

/// Compares the given gradients with finite differences of `net`'s weighted cost, with
/// sample weights w̃ (m).
pub fn compare_weighted_gradients(
    net: &Network,
    grads: &Gradients,
    x: ArrayView2<f64>,
    y: ArrayView2<f64>,
    w: &[f64],
    h: f64,
) -> GradCheck {
    compare_to_cost(net, grads, |n| n.weighted_cost(&n.forward(x), y, w), h)
}

/// Compares `grads` with the five-point finite differences of `cost`, parameter by parameter.
fn compare_to_cost(
    net: &Network,
    grads: &Gradients,
    cost: impl Fn(&Network) -> f64,
    h: f64,
) -> GradCheck {
    let mut probe = net.clone();
    let mut worst: f64 = 0.0;
    let mut n_checked = 0;
    let mut worst_pair = (0.0, 0.0);
    for l in 0..net.layers().len() {
        let analytic: Vec<f64> = grads.layers[l]
            .dw
            .iter()
            .chain(grads.layers[l].db.iter())
            .copied()
            .collect();
        for (i, &a) in analytic.iter().enumerate() {
            let original = *param_mut(&mut probe, l, i);
            let mut at = |delta: f64| {
                *param_mut(&mut probe, l, i) = original + delta;
                cost(&probe)
            };
            let numeric = (at(-2.0 * h) - 8.0 * at(-h) + 8.0 * at(h) - at(2.0 * h)) / (12.0 * h);
            *param_mut(&mut probe, l, i) = original;
            let rel = (a - numeric).abs() / (a.abs() + numeric.abs()).max(REL_FLOOR);
            if rel > worst {
                worst = rel;
                worst_pair = (a, numeric);
            }
            n_checked += 1;
        }
    }
    GradCheck {
        max_relative_error: worst,
        n_checked,
        worst_pair,
    }
}

/// Denominators below this are treated as this. The finite difference itself carries a
/// rounding noise of about 1e-12 (see the module docs), so for gradients smaller than 1e-4 the
/// check becomes an absolute one (error < 1e-7 · 1e-4 = 1e-11), ten times the noise floor.
pub const REL_FLOOR: f64 = 1e-4;

/// Parameter `i` of layer `l`, counting the weights row by row and then the biases.
fn param_mut(net: &mut Network, l: usize, i: usize) -> &mut f64 {
    let (w, b) = net.layers_mut()[l].params_mut();
    let n_w = w.len();
    if i < n_w {
        let cols = w.ncols();
        &mut w[[i / cols, i % cols]]
    } else {
        &mut b[i - n_w]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::{Activation, Init, LayerSizes};
    use rand::SeedableRng;

    #[test]
    fn detects_a_wrong_gradient() {
        let sizes = LayerSizes {
            n_x: 2,
            n_h: vec![3],
            n_y: 1,
        };
        let mut rng = crate::Rng::seed_from_u64(4);
        let net = Network::init(
            &sizes,
            Activation::Tanh,
            Activation::Sigmoid,
            Init::Xavier,
            &mut rng,
        )
        .unwrap();
        let x = ndarray::array![[0.5, -1.0, 2.0], [1.5, 0.3, -0.7]];
        let y = ndarray::array![[1.0, 0.0, 1.0]];
        let cache = net.forward(x.view());
        let mut grads = net.backward(&cache, y.view());
        assert!(
            compare_gradients(&net, &grads, x.view(), y.view(), 1e-5).max_relative_error < 1e-7
        );
        // A bug that forgets the 1/m in one gradient must be caught.
        grads.layers[0].dw *= 3.0;
        assert!(compare_gradients(&net, &grads, x.view(), y.view(), 1e-5).max_relative_error > 0.1);
    }
}
