//! Optimizers: how parameters move given their gradients.
//!
//! ```text
//! gradient descent (tutorial updateParameters):
//!     W_l := W_l − α · dW_l        (n_out×n_in)
//!     b_l := b_l − α · db_l        (n_out×1)
//! ```

use ndarray::{Array, Dimension, Zip};

use crate::nn::{Gradients, Network};

/// A rule that updates a network's parameters from its gradients.
pub trait Optimizer {
    /// Applies one update to every parameter of `net`.
    fn step(&mut self, net: &mut Network, grads: &Gradients);
}

/// `θ := θ − α · dθ` for one parameter array (matrix or vector), in place.
pub fn gradient_descent_update<D: Dimension>(
    theta: &mut Array<f64, D>,
    d_theta: &Array<f64, D>,
    learning_rate: f64,
) {
    Zip::from(theta)
        .and(d_theta)
        .for_each(|t, &d| *t -= learning_rate * d);
}

/// Plain (full-batch) gradient descent with a fixed learning rate α: the tutorial's optimizer.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GradientDescent {
    /// The learning rate α.
    pub learning_rate: f64,
}

impl Optimizer for GradientDescent {
    fn step(&mut self, net: &mut Network, grads: &Gradients) {
        for (layer, g) in net.layers.iter_mut().zip(&grads.layers) {
            gradient_descent_update(&mut layer.w, &g.dw, self.learning_rate);
            gradient_descent_update(&mut layer.b, &g.db, self.learning_rate);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::{Activation, Dense, DenseGrad};
    use ndarray::array;

    #[test]
    fn gradient_descent_step_matches_hand_values() {
        let layer = Dense::new(array![[1.0, -2.0]], array![0.5], Activation::Sigmoid).unwrap();
        let mut net = Network::new(vec![layer]).unwrap();
        let grads = Gradients {
            layers: vec![DenseGrad {
                dw: array![[0.1, -0.2]],
                db: array![1.0],
            }],
        };
        GradientDescent { learning_rate: 1.2 }.step(&mut net, &grads);
        // 1 − 1.2·0.1 = 0.88; −2 − 1.2·(−0.2) = −1.76; 0.5 − 1.2 = −0.7
        assert!((net.layers[0].w[[0, 0]] - 0.88).abs() < 1e-15);
        assert!((net.layers[0].w[[0, 1]] + 1.76).abs() < 1e-15);
        assert!((net.layers[0].b[0] + 0.7).abs() < 1e-15);
    }
}
