//! The reference engine: the tutorial's three steps, as [`crate::nn`] writes them, and nothing
//! else.
//!
//! ```text
//! cache = forward(X)            Z1 A1 Z2 A2          Network::forward → Dense::forward
//! J     = cost(cache, Y)                             Network::cost → loss
//! grads = backward(cache, Y)    dW1 db1 dW2 db2      Network::backward → Dense::backward
//! ```
//! With sample weights w̃: `Network::weighted_cost` and `Network::weighted_backward` (the same
//! layers from dZ_L = (A_L − Y) ⊙ w̃).

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
        w: Option<&[f64]>,
        batch: Option<&[usize]>,
    ) -> f64 {
        let (picked, gathered);
        let (x, y, w) = match batch {
            None => (x, y, w),
            Some(columns) => {
                // the mini-batch: these columns of X and Y, these entries of w
                picked = (x.select(Axis(1), columns), y.select(Axis(1), columns));
                gathered = w.map(|w| columns.iter().map(|&j| w[j]).collect::<Vec<f64>>());
                (picked.0.view(), picked.1.view(), gathered.as_deref())
            }
        };
        let cache = net.forward(x); // Z1 A1 Z2 A2
        match w {
            None => {
                let cost = net.cost(&cache, y); // J
                self.grads = net.backward(&cache, y); // dW1 db1 dW2 db2
                cost
            }
            Some(w) => {
                let cost = net.weighted_cost(&cache, y, w); // J = (1/m)·Σ w̃·L
                self.grads = net.weighted_backward(&cache, y, w); // from dZ2 = (A2 − Y) ⊙ w̃
                cost
            }
        }
    }

    fn gradients(&mut self) -> &mut Gradients {
        &mut self.grads
    }

    fn cost(
        &mut self,
        net: &Network,
        x: ArrayView2<f64>,
        y: ArrayView2<f64>,
        w: Option<&[f64]>,
    ) -> f64 {
        let cache = net.forward(x);
        match w {
            None => net.cost(&cache, y),
            Some(w) => net.weighted_cost(&cache, y, w),
        }
    }
}
