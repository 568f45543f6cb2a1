//! The reference engine: the tutorial's three steps, as [`crate::nn`] writes them, and nothing
//! else.
//!
//! ```text
//! cache = forward(X)            Z1 A1 Z2 A2          Network::forward → Dense::forward
//! J     = cost(cache, Y)                             Network::cost → loss
//! grads = backward(cache, Y)    dW1 db1 dW2 db2      Network::backward → Dense::backward
//! ```

use ndarray::{ArrayView2, Axis};

use super::Engine;
use crate::nn::{Gradients, Network};

/// Runs [`Network::forward`], [`Network::cost`] and [`Network::backward`] on each batch,
/// allocating fresh matrices every time, exactly as the plain functions do.
#[derive(Debug, Clone, Default)]
pub struct Reference {
    grads: Gradients,
}

impl Reference {
    /// A reference engine (it holds only the last gradients).
    pub fn new() -> Self {
        Reference::default()
    }
}

impl Engine for Reference {
    fn step(
        &mut self,
        net: &Network,
        x: ArrayView2<f64>,
        y: ArrayView2<f64>,
        batch: Option<&[usize]>,
    ) -> f64 {
        let picked;
        let (x, y) = match batch {
            None => (x, y),
            Some(columns) => {
                // the mini-batch: these columns of X and Y
                picked = (x.select(Axis(1), columns), y.select(Axis(1), columns));
                (picked.0.view(), picked.1.view())
            }
        };
        let cache = net.forward(x); // Z1 A1 Z2 A2
        let cost = net.cost(&cache, y); // J
        self.grads = net.backward(&cache, y); // dW1 db1 dW2 db2
        cost
    }

    fn gradients(&mut self) -> &mut Gradients {
        &mut self.grads
    }

    fn cost(&mut self, net: &Network, x: ArrayView2<f64>, y: ArrayView2<f64>) -> f64 {
        net.cost(&net.forward(x), y)
    }
}
