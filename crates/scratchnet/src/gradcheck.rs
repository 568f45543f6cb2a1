//! Gradient checking: compare backpropagation with central finite differences.
//!
//! ```text
//! numeric ∂J/∂θ ≈ (J(θ + h) − J(θ − h)) / (2h)
//! relative error = |analytic − numeric| / max(|analytic| + |numeric|, floor)
//! ```
//! With f64 and h = 1e-5 a correct backward pass agrees to ~1e-9 or better.

use ndarray::ArrayView2;

use crate::nn::Network;

/// The result of a gradient check.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GradCheck {
    /// Largest relative error over all parameters.
    pub max_relative_error: f64,
    /// Number of parameters checked.
    pub n_checked: usize,
}

/// Checks every weight and bias of `net` on inputs X (n_x × m) and targets Y (n_y × m).
pub fn check_gradients(net: &Network, x: ArrayView2<f64>, y: ArrayView2<f64>, h: f64) -> GradCheck {
    let cache = net.forward(x);
    let grads = net.backward(&cache, y);
    let cost = |n: &Network| n.cost(&n.forward(x), y);
    let mut probe = net.clone();
    let mut worst: f64 = 0.0;
    let mut n_checked = 0;
    for l in 0..net.layers.len() {
        let analytic: Vec<f64> = grads.layers[l].dw.iter().chain(grads.layers[l].db.iter()).copied().collect();
        for (i, &a) in analytic.iter().enumerate() {
            let original = *param_mut(&mut probe, l, i);
            *param_mut(&mut probe, l, i) = original + h;
            let plus = cost(&probe);
            *param_mut(&mut probe, l, i) = original - h;
            let minus = cost(&probe);
            *param_mut(&mut probe, l, i) = original;
            let numeric = (plus - minus) / (2.0 * h);
            let rel = (a - numeric).abs() / (a.abs() + numeric.abs()).max(REL_FLOOR);
            worst = worst.max(rel);
            n_checked += 1;
        }
    }
    GradCheck { max_relative_error: worst, n_checked }
}

/// Denominators below this are treated as this (both gradients are then essentially zero).
const REL_FLOOR: f64 = 1e-8;

/// Parameter `i` of layer `l`, counting the weights row by row and then the biases.
fn param_mut(net: &mut Network, l: usize, i: usize) -> &mut f64 {
    let layer = &mut net.layers[l];
    let n_w = layer.w.len();
    if i < n_w {
        let cols = layer.w.ncols();
        &mut layer.w[[i / cols, i % cols]]
    } else {
        &mut layer.b[i - n_w]
    }
}
