//! Optimizers: how parameters move given their gradients, and how the learning rate changes.
//!
//! Every rule works on each parameter array θ (a W or a b) with its gradient dθ:
//!
//! ```text
//! gd        θ := θ − α·dθ                                   (tutorial updateParameters)
//! momentum  v := μ·v − α·dθ;   θ := θ + v                    (Polyak; Sutskever et al. 2013)
//! nesterov  v := μ·v − α·dθ;   θ := θ + μ·v − α·dθ           (Nesterov, as in Sutskever et al. 2013)
//! adam      m := β1·m + (1−β1)·dθ;   s := β2·s + (1−β2)·dθ²
//!           m̂ := m / (1 − β1^t);     ŝ := s / (1 − β2^t)
//!           θ := θ − α·m̂ / (√ŝ + ε)                          (Kingma & Ba 2015)
//! ```
//! v, m and s have the shapes of their parameters and start at 0; t counts the steps from 1.

use std::fmt;
use std::str::FromStr;

use ndarray::{Array, Dimension, Zip};

use crate::nn::{Gradients, Network};
use crate::{Error, Result};

/// `θ := θ − α · dθ` for one parameter array (matrix or vector), in place.
pub fn gradient_descent_update<D: Dimension>(
    theta: &mut Array<f64, D>,
    d_theta: &Array<f64, D>,
    learning_rate: f64,
) {
    if theta.shape() != d_theta.shape() {
        // the shapes must agree: Zip's panic names them (a caller's bug, never user input)
    } else if let (Some(t), Some(d)) = (theta.as_slice_mut(), d_theta.as_slice()) {
        // the common case, contiguous arrays: a plain loop (Zip's setup costs more than the
        // tutorial's 17 updates)
        for (t, &d) in t.iter_mut().zip(d) {
            *t -= learning_rate * d;
        }
        return;
    }
    Zip::from(theta)
        .and(d_theta)
        .for_each(|t, &d| *t -= learning_rate * d);
}

/// Which update rule to use, with its hyper-parameters.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum OptimizerKind {
    /// Plain gradient descent.
    Gd,
    /// Gradient descent with momentum μ.
    Momentum {
        /// μ, the share of the previous step kept (default 0.9).
        momentum: f64,
    },
    /// Nesterov's accelerated gradient with momentum μ.
    Nesterov {
        /// μ (default 0.9).
        momentum: f64,
    },
    /// Adam.
    Adam {
        /// Decay of the first-moment average (default 0.9).
        beta1: f64,
        /// Decay of the second-moment average (default 0.999).
        beta2: f64,
        /// Added to √ŝ to avoid dividing by 0 (default 1e-8).
        eps: f64,
    },
}

impl OptimizerKind {
    /// Adam with Kingma & Ba's hyper-parameters: β1 = 0.9, β2 = 0.999, ε = 10⁻⁸.
    pub const ADAM: OptimizerKind = OptimizerKind::Adam {
        beta1: 0.9,
        beta2: 0.999,
        eps: 1e-8,
    };

    /// The name used on the command line.
    pub fn name(self) -> &'static str {
        match self {
            OptimizerKind::Gd => "gd",
            OptimizerKind::Momentum { .. } => "momentum",
            OptimizerKind::Nesterov { .. } => "nesterov",
            OptimizerKind::Adam { .. } => "adam",
        }
    }

    /// The name with its hyper-parameters, as the model file records it, e.g.
    /// `adam(beta1=0.9, beta2=0.999, eps=0.00000001)`.
    pub fn describe(self) -> String {
        match self {
            OptimizerKind::Gd => "gd".into(),
            OptimizerKind::Momentum { momentum } => format!("momentum(momentum={momentum})"),
            OptimizerKind::Nesterov { momentum } => format!("nesterov(momentum={momentum})"),
            OptimizerKind::Adam { beta1, beta2, eps } => {
                format!("adam(beta1={beta1}, beta2={beta2}, eps={eps:e})")
            }
        }
    }

    /// Checks the hyper-parameters.
    pub fn validate(self) -> Result<()> {
        let bad = |what: &'static str, v: f64| {
            Err(Error::config(what, format!("must be in [0, 1), got {v}")))
        };
        match self {
            OptimizerKind::Gd => Ok(()),
            OptimizerKind::Momentum { momentum } | OptimizerKind::Nesterov { momentum } => {
                if (0.0..1.0).contains(&momentum) {
                    Ok(())
                } else {
                    bad("momentum", momentum)
                }
            }
            OptimizerKind::Adam { beta1, beta2, eps } => {
                if !(0.0..1.0).contains(&beta1) {
                    return bad("beta1", beta1);
                }
                if !(0.0..1.0).contains(&beta2) {
                    return bad("beta2", beta2);
                }
                if !(eps > 0.0 && eps.is_finite()) {
                    return Err(Error::config("eps", format!("must be positive, got {eps}")));
                }
                Ok(())
            }
        }
    }

    /// A fresh optimizer (zero state) of this kind.
    pub fn build(self) -> Optimizer {
        Optimizer {
            kind: self,
            state: Vec::new(),
            t: 0,
        }
    }
}

impl FromStr for OptimizerKind {
    type Err = Error;

    /// Parses a name with default hyper-parameters.
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "gd" | "sgd" => Ok(OptimizerKind::Gd),
            "momentum" => Ok(OptimizerKind::Momentum { momentum: 0.9 }),
            "nesterov" => Ok(OptimizerKind::Nesterov { momentum: 0.9 }),
            "adam" => Ok(OptimizerKind::ADAM),
            other => Err(Error::unknown(
                "optimizer",
                other,
                "gd, momentum, nesterov, adam",
            )),
        }
    }
}

/// Per-layer optimizer state: (v or m, s) for W and for b.
#[derive(Debug, Clone)]
struct LayerState {
    w1: ndarray::Array2<f64>,
    w2: ndarray::Array2<f64>,
    b1: ndarray::Array1<f64>,
    b2: ndarray::Array1<f64>,
}

/// An optimizer with its state (velocities or moment averages) and step count.
#[derive(Debug, Clone)]
pub struct Optimizer {
    kind: OptimizerKind,
    state: Vec<LayerState>,
    t: u64,
}

/// One parameter array's update under `kind`; `s1`, `s2` are its state arrays.
fn update<D: Dimension>(
    kind: OptimizerKind,
    t: u64,
    lr: f64,
    theta: &mut Array<f64, D>,
    d: &Array<f64, D>,
    s1: &mut Array<f64, D>,
    s2: &mut Array<f64, D>,
) {
    match kind {
        OptimizerKind::Gd => gradient_descent_update(theta, d, lr),
        OptimizerKind::Momentum { momentum } => {
            // v := μ·v − α·dθ;  θ := θ + v
            Zip::from(theta).and(d).and(s1).for_each(|th, &g, v| {
                *v = momentum * *v - lr * g;
                *th += *v;
            });
        }
        OptimizerKind::Nesterov { momentum } => {
            // v := μ·v − α·dθ;  θ := θ + μ·v − α·dθ
            Zip::from(theta).and(d).and(s1).for_each(|th, &g, v| {
                *v = momentum * *v - lr * g;
                *th += momentum * *v - lr * g;
            });
        }
        OptimizerKind::Adam { beta1, beta2, eps } => {
            let c1 = 1.0 - beta1.powf(t as f64);
            let c2 = 1.0 - beta2.powf(t as f64);
            Zip::from(theta)
                .and(d)
                .and(s1)
                .and(s2)
                .for_each(|th, &g, m, s| {
                    *m = beta1 * *m + (1.0 - beta1) * g;
                    *s = beta2 * *s + (1.0 - beta2) * g * g;
                    *th -= lr * (*m / c1) / ((*s / c2).sqrt() + eps);
                });
        }
    }
}

impl Optimizer {
    /// Applies one update with learning rate `lr` to every parameter of `net`.
    pub fn step(&mut self, net: &mut Network, grads: &Gradients, lr: f64) {
        if self.state.len() != net.layers().len() {
            self.state = net
                .layers()
                .iter()
                .map(|l| LayerState {
                    w1: ndarray::Array2::zeros(l.w().raw_dim()),
                    w2: ndarray::Array2::zeros(l.w().raw_dim()),
                    b1: ndarray::Array1::zeros(l.b().raw_dim()),
                    b2: ndarray::Array1::zeros(l.b().raw_dim()),
                })
                .collect();
        }
        self.t += 1;
        for ((layer, g), st) in net
            .layers_mut()
            .iter_mut()
            .zip(&grads.layers)
            .zip(&mut self.state)
        {
            let (w, b) = layer.params_mut();
            update(self.kind, self.t, lr, w, &g.dw, &mut st.w1, &mut st.w2);
            update(self.kind, self.t, lr, b, &g.db, &mut st.b1, &mut st.b2);
        }
    }
}

/// How the learning rate changes over the epochs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Schedule {
    /// α at every epoch.
    Constant,
    /// α·γ^⌊e / every⌋: multiplied by γ every `every` epochs.
    Step {
        /// Epochs between drops.
        every: usize,
        /// Factor per drop.
        gamma: f64,
    },
    /// α·½·(1 + cos(π·e / E)): from α down to 0 over the E epochs.
    Cosine,
}

impl Schedule {
    /// The learning rate at epoch `e` (0-based) of `epochs`, from the base rate α.
    pub fn rate(self, alpha: f64, e: usize, epochs: usize) -> f64 {
        match self {
            Schedule::Constant => alpha,
            Schedule::Step { every, gamma } => alpha * gamma.powi((e / every.max(1)) as i32),
            Schedule::Cosine => {
                alpha * 0.5 * (1.0 + (std::f64::consts::PI * e as f64 / epochs.max(1) as f64).cos())
            }
        }
    }

    /// The schedule with its parameters, e.g. `step(every=100, gamma=0.1)`.
    pub fn describe(self) -> String {
        match self {
            Schedule::Step { every, gamma } => format!("step(every={every}, gamma={gamma})"),
            other => other.name().into(),
        }
    }

    /// The schedule's name.
    pub fn name(self) -> &'static str {
        match self {
            Schedule::Constant => "constant",
            Schedule::Step { .. } => "step",
            Schedule::Cosine => "cosine",
        }
    }
}

impl fmt::Display for OptimizerKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::{Activation, Dense, DenseGrad};
    use ndarray::array;

    /// A one-weight network (w = 1, b = 0) and a constant gradient dW = 0.5, db = −1.
    fn setup() -> (Network, Gradients) {
        let layer = Dense::new(array![[1.0]], array![0.0], Activation::Sigmoid).unwrap();
        let grads = Gradients {
            layers: vec![DenseGrad {
                dw: array![[0.5]],
                db: array![-1.0],
            }],
        };
        (Network::new(vec![layer]).unwrap(), grads)
    }

    fn run(kind: OptimizerKind, steps: usize) -> Vec<f64> {
        let (mut net, grads) = setup();
        let mut opt = kind.build();
        (0..steps)
            .map(|_| {
                opt.step(&mut net, &grads, 0.1);
                net.layers()[0].w()[[0, 0]]
            })
            .collect()
    }

    fn close(a: &[f64], b: &[f64]) {
        for (x, y) in a.iter().zip(b) {
            assert!((x - y).abs() < 1e-12, "{a:?} vs {b:?}");
        }
    }

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
        OptimizerKind::Gd.build().step(&mut net, &grads, 1.2);
        // 1 − 1.2·0.1 = 0.88; −2 − 1.2·(−0.2) = −1.76; 0.5 − 1.2 = −0.7
        assert!((net.layers()[0].w()[[0, 0]] - 0.88).abs() < 1e-15);
        assert!((net.layers()[0].w()[[0, 1]] + 1.76).abs() < 1e-15);
        assert!((net.layers()[0].b()[0] + 0.7).abs() < 1e-15);
    }

    #[test]
    fn gradient_descent_update_by_hand_in_any_memory_order() {
        use ndarray::ShapeBuilder;
        // θ − 0.5·dθ: [[1 − 1, 2 − 0.5], [3 + 1, 4]] in row-major and column-major storage
        let d = array![[2.0, 1.0], [-2.0, 0.0]];
        let expected = array![[0.0, 1.5], [4.0, 4.0]];
        let mut rows = array![[1.0, 2.0], [3.0, 4.0]];
        gradient_descent_update(&mut rows, &d, 0.5);
        assert_eq!(rows, expected);
        let mut cols = ndarray::Array2::zeros((2, 2).f());
        cols.assign(&array![[1.0, 2.0], [3.0, 4.0]]);
        assert!(
            cols.as_slice().is_none(),
            "column-major takes the general path"
        );
        gradient_descent_update(&mut cols, &d, 0.5);
        assert_eq!(cols, expected);
    }

    #[test]
    fn momentum_first_steps_by_hand() {
        // v1 = −0.05, w = 0.95; v2 = 0.9·(−0.05) − 0.05 = −0.095, w = 0.855;
        // v3 = −0.0855 − 0.05 = −0.1355, w = 0.7195
        close(
            &run(OptimizerKind::Momentum { momentum: 0.9 }, 3),
            &[0.95, 0.855, 0.7195],
        );
    }

    #[test]
    fn nesterov_first_steps_by_hand() {
        // v1 = −0.05, w = 1 + 0.9·(−0.05) − 0.05 = 0.905
        // v2 = −0.095, w = 0.905 − 0.0855 − 0.05 = 0.7695
        close(
            &run(OptimizerKind::Nesterov { momentum: 0.9 }, 2),
            &[0.905, 0.7695],
        );
    }

    #[test]
    fn adam_first_steps_by_hand() {
        // With a constant gradient g, m̂ = g and ŝ = g² at every step, so each step moves
        // α·g/(|g| + ε) ≈ α = 0.1: w = 0.9, 0.8, 0.7 (up to ε).
        let eps = 1e-8;
        let step = 0.1 * 0.5 / (0.5 + eps);
        close(
            &run(
                OptimizerKind::Adam {
                    beta1: 0.9,
                    beta2: 0.999,
                    eps,
                },
                3,
            ),
            &[1.0 - step, 1.0 - 2.0 * step, 1.0 - 3.0 * step],
        );
    }

    #[test]
    fn schedules_by_hand() {
        assert_eq!(Schedule::Constant.rate(0.5, 7, 10), 0.5);
        let step = Schedule::Step {
            every: 3,
            gamma: 0.1,
        };
        assert_eq!(step.rate(1.0, 2, 10), 1.0);
        assert!((step.rate(1.0, 3, 10) - 0.1).abs() < 1e-15);
        assert!((step.rate(1.0, 6, 10) - 0.01).abs() < 1e-15);
        assert_eq!(Schedule::Cosine.rate(1.0, 0, 10), 1.0);
        assert!((Schedule::Cosine.rate(1.0, 5, 10) - 0.5).abs() < 1e-15);
    }

    #[test]
    fn hyper_parameters_are_checked() {
        assert!(
            OptimizerKind::Momentum { momentum: 1.0 }
                .validate()
                .is_err()
        );
        assert!(
            OptimizerKind::Adam {
                beta1: 0.9,
                beta2: 0.999,
                eps: 0.0
            }
            .validate()
            .is_err()
        );
        assert!("rmsprop".parse::<OptimizerKind>().is_err());
    }
}
