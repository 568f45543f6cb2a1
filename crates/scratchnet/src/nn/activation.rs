//! Activation functions g(z), each with its derivative g'(z) right beside it.
//!
//! Shape legend: z and a = g(z) are (h × m): h units, m samples. Every function here is
//! element-wise, so shapes never change.
//!
//! ```text
//! sigmoid     σ(z) = 1 / (1 + e^(−z))        σ'(z) = σ(z)·(1 − σ(z))
//! tanh        tanh(z)                         tanh'(z) = 1 − tanh²(z)
//! relu        max(0, z)                       1 if z > 0 else 0
//! leaky-relu  z if z > 0 else 0.01·z          1 if z > 0 else 0.01
//! identity    z                               1
//! softmax     A_ij = e^(Z_ij) / Σ_i e^(Z_ij)   (per column; output layer only, where the
//!             cross-entropy gives dZ = A − Y directly, so its Jacobian is never needed)
//! ```

use ndarray::{Array2, ArrayView2, Zip};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Slope of leaky ReLU for negative inputs.
pub const LEAKY_SLOPE: f64 = 0.01;

/// An element-wise activation function.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Activation {
    /// σ(z) = 1 / (1 + e^(−z)), the tutorial's output activation.
    Sigmoid,
    /// tanh(z), the tutorial's hidden activation.
    Tanh,
    /// max(0, z).
    Relu,
    /// z for z > 0, 0.01·z otherwise.
    LeakyRelu,
    /// z (a linear layer): the regression output.
    Identity,
    /// Column-wise softmax: the multiclass output (not element-wise; output layer only).
    Softmax,
}

/// Every activation, in the order the help text lists them.
pub const ALL_ACTIVATIONS: [Activation; 5] = [
    Activation::Tanh,
    Activation::Relu,
    Activation::LeakyRelu,
    Activation::Sigmoid,
    Activation::Identity,
];

/// Numerically safe logistic function: σ(z) = 1 / (1 + e^(−z)), never overflows.
#[inline]
pub fn sigmoid(z: f64) -> f64 {
    if z >= 0.0 {
        1.0 / (1.0 + (-z).exp())
    } else {
        let e = z.exp();
        e / (1.0 + e)
    }
}

impl Activation {
    /// The canonical name used on the command line and in model files.
    pub fn name(self) -> &'static str {
        match self {
            Activation::Sigmoid => "sigmoid",
            Activation::Tanh => "tanh",
            Activation::Relu => "relu",
            Activation::LeakyRelu => "leaky-relu",
            Activation::Identity => "identity",
            Activation::Softmax => "softmax",
        }
    }

    /// a = g(z) for one number.
    #[inline]
    pub fn value(self, z: f64) -> f64 {
        match self {
            Activation::Sigmoid => sigmoid(z),
            Activation::Tanh => z.tanh(),
            Activation::Relu => z.max(0.0),
            Activation::LeakyRelu => {
                if z > 0.0 {
                    z
                } else {
                    LEAKY_SLOPE * z
                }
            }
            // Element-wise, softmax has no meaning; `forward` handles it column by column.
            Activation::Identity | Activation::Softmax => z,
        }
    }

    /// g'(z), given both z and the already computed a = g(z) (sigmoid and tanh use a, which
    /// is how the tutorial writes them: `1 − A1²`).
    #[inline]
    pub fn derivative(self, z: f64, a: f64) -> f64 {
        match self {
            Activation::Sigmoid => a * (1.0 - a),
            Activation::Tanh => 1.0 - a * a,
            Activation::Relu => {
                if z > 0.0 {
                    1.0
                } else {
                    0.0
                }
            }
            Activation::LeakyRelu => {
                if z > 0.0 {
                    1.0
                } else {
                    LEAKY_SLOPE
                }
            }
            Activation::Identity => 1.0,
            // The diagonal of the softmax Jacobian; never used by backpropagation, since
            // softmax only sits on the output, where dZ = A − Y.
            Activation::Softmax => a * (1.0 - a),
        }
    }

    /// True for activations a hidden layer may use (all but softmax).
    pub fn is_elementwise(self) -> bool {
        self != Activation::Softmax
    }

    /// A = g(Z): (h × m) → (h × m); element-wise, or per column for softmax.
    pub fn forward(self, z: ArrayView2<f64>) -> Array2<f64> {
        match self {
            Activation::Softmax => softmax_columns(z),
            _ => z.mapv(|v| self.value(v)),
        }
    }

    /// dZ = dA ⊙ g'(Z): the gradient through the activation, (h × m) → (h × m).
    pub fn backward(
        self,
        da: ArrayView2<f64>,
        z: ArrayView2<f64>,
        a: ArrayView2<f64>,
    ) -> Array2<f64> {
        let mut dz = da.to_owned();
        Zip::from(&mut dz)
            .and(z)
            .and(a)
            .for_each(|d, &zv, &av| *d *= self.derivative(zv, av));
        dz
    }
}

/// Softmax of every column: `A_ij = e^(Z_ij − max_i Z_ij) / Σ_i e^(Z_ij − max_i Z_ij)`,
/// (k × m) → (k × m). Subtracting the column maximum keeps every exponent ≤ 0 (no overflow).
pub fn softmax_columns(z: ArrayView2<f64>) -> Array2<f64> {
    let mut a = z.to_owned();
    for mut col in a.columns_mut() {
        let max = col.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        col.mapv_inplace(|v| (v - max).exp());
        let sum = col.sum();
        col.mapv_inplace(|v| v / sum);
    }
    a
}

impl fmt::Display for Activation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Activation {
    type Err = crate::Error;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s == "softmax" {
            return Ok(Activation::Softmax);
        }
        ALL_ACTIVATIONS
            .into_iter()
            .find(|a| a.name() == s || (s == "leaky_relu" && *a == Activation::LeakyRelu))
            .ok_or_else(|| {
                crate::Error::Config(format!(
                    "unknown activation `{s}`; expected one of: tanh, relu, leaky-relu, sigmoid, identity"
                ))
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sigmoid_matches_hand_values_and_never_overflows() {
        assert_eq!(sigmoid(0.0), 0.5);
        assert!((sigmoid(2.0) - 0.880_797_077_977_882_3).abs() < 1e-15);
        assert!((sigmoid(-2.0) - 0.119_202_922_022_117_57).abs() < 1e-15);
        assert_eq!(sigmoid(-1000.0), 0.0);
        assert_eq!(sigmoid(1000.0), 1.0);
    }

    #[test]
    fn derivatives_match_finite_differences() {
        for act in ALL_ACTIVATIONS {
            for &z in &[-2.3, -0.4, 0.3, 1.7] {
                let h = 1e-6;
                let numeric = (act.value(z + h) - act.value(z - h)) / (2.0 * h);
                let analytic = act.derivative(z, act.value(z));
                assert!(
                    (numeric - analytic).abs() < 1e-8,
                    "{act} at {z}: {numeric} vs {analytic}"
                );
            }
        }
    }

    #[test]
    fn softmax_columns_sum_to_one_and_survive_huge_logits() {
        let z = ndarray::array![[1.0, 1000.0], [2.0, 0.0], [3.0, -1000.0]];
        let a = softmax_columns(z.view());
        // column 0 by hand: e^1, e^2, e^3 over their sum
        let s = 1f64.exp() + 2f64.exp() + 3f64.exp();
        assert!((a[[0, 0]] - 1f64.exp() / s).abs() < 1e-15);
        assert!((a[[2, 0]] - 3f64.exp() / s).abs() < 1e-15);
        assert_eq!(a.column(1).to_vec(), vec![1.0, 0.0, 0.0]);
        assert!(
            a.columns()
                .into_iter()
                .all(|c| (c.sum() - 1.0).abs() < 1e-15)
        );
    }

    #[test]
    fn names_round_trip() {
        for act in ALL_ACTIVATIONS {
            assert_eq!(act.name().parse::<Activation>().unwrap(), act);
        }
        assert!("softplus".parse::<Activation>().is_err());
    }
}
