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

use super::real::Real;
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

    /// Runs `job` with this activation's element-wise function `G` known at compile time: the
    /// one place that maps each activation to its definition. Softmax maps to the identity:
    /// Z passes through element-wise and the caller normalizes the columns. Always inlined,
    /// so that `job` is compiled into its caller's instruction-set build (a SIMD kernel's).
    #[inline(always)]
    pub(crate) fn with_g<J: WithG>(self, job: J) -> J::Out {
        match self {
            Activation::Sigmoid => job.run::<g::Sigmoid>(),
            Activation::Tanh => job.run::<g::Tanh>(),
            Activation::Relu => job.run::<g::Relu>(),
            Activation::LeakyRelu => job.run::<g::LeakyRelu>(),
            Activation::Identity | Activation::Softmax => job.run::<g::Identity>(),
        }
    }

    /// a = g(z) for one number (softmax: z; it is normalized per column by [`Activation::forward`]).
    ///
    /// ```
    /// use scratchnet::nn::Activation;
    /// assert_eq!(Activation::Sigmoid.value(0.0), 0.5);
    /// assert_eq!(Activation::Relu.value(-2.0), 0.0);
    /// ```
    #[inline]
    pub fn value<T: Real>(self, z: T) -> T {
        struct Value<T>(T);
        impl<T: Real> WithG for Value<T> {
            type Out = T;
            fn run<G: Elementwise>(self) -> T {
                G::g(self.0)
            }
        }
        self.with_g(Value(z))
    }

    /// g'(z), given both z and the already computed a = g(z) (sigmoid and tanh use a, which
    /// is how the tutorial writes them: `1 − A1²`). Softmax: 1 (never used: softmax only sits
    /// on the output, where the cross-entropy gives dZ = A − Y directly).
    #[inline]
    pub fn derivative<T: Real>(self, z: T, a: T) -> T {
        struct Slope<T>(T, T);
        impl<T: Real> WithG for Slope<T> {
            type Out = T;
            fn run<G: Elementwise>(self) -> T {
                G::slope(self.0, self.1)
            }
        }
        self.with_g(Slope(z, a))
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
    ///
    /// # Panics
    /// If dA, Z and A do not have the same shape.
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

/// One element-wise activation: its value g and its slope g′, generic over the number type.
/// This is the one definition of each: the reference engine applies it number by number, the
/// fast engine's row kernels are built from it.
pub trait Elementwise {
    /// a = g(z).
    fn g<T: Real>(z: T) -> T;
    /// g′(z), given z and a = g(z).
    fn slope<T: Real>(z: T, a: T) -> T;
}

/// A computation that needs an activation's [`Elementwise`] function as a type (so that it is
/// compiled, and vectorized, once per activation): see [`Activation::with_g`].
pub(crate) trait WithG {
    /// What the computation returns.
    type Out;
    /// Runs it with g = `G`.
    fn run<G: Elementwise>(self) -> Self::Out;
}

/// The element-wise activation functions, one type each. NaN in gives NaN out, for g and g′.
pub mod g {
    use super::{Elementwise, LEAKY_SLOPE};
    use crate::nn::real::Real;

    /// σ(z) = 1 / (1 + e^(−z)),  σ′ = a·(1 − a).
    #[derive(Debug, Clone, Copy)]
    pub struct Sigmoid;
    impl Elementwise for Sigmoid {
        #[inline(always)]
        fn g<T: Real>(z: T) -> T {
            z.sigmoid()
        }
        #[inline(always)]
        fn slope<T: Real>(_: T, a: T) -> T {
            a * (T::one() - a)
        }
    }

    /// tanh(z),  tanh′ = 1 − a².
    #[derive(Debug, Clone, Copy)]
    pub struct Tanh;
    impl Elementwise for Tanh {
        #[inline(always)]
        fn g<T: Real>(z: T) -> T {
            z.tanh()
        }
        #[inline(always)]
        fn slope<T: Real>(_: T, a: T) -> T {
            T::one() - a * a
        }
    }

    /// max(0, z),  slope 1 for z > 0, else 0.
    #[derive(Debug, Clone, Copy)]
    pub struct Relu;
    impl Elementwise for Relu {
        #[inline(always)]
        fn g<T: Real>(z: T) -> T {
            if z < T::zero() { T::zero() } else { z }
        }
        #[inline(always)]
        fn slope<T: Real>(z: T, _: T) -> T {
            step(z, T::zero())
        }
    }

    /// z for z > 0, 0.01·z otherwise; slope 1 or 0.01.
    #[derive(Debug, Clone, Copy)]
    pub struct LeakyRelu;
    impl Elementwise for LeakyRelu {
        #[inline(always)]
        fn g<T: Real>(z: T) -> T {
            if z < T::zero() {
                T::of(LEAKY_SLOPE) * z
            } else {
                z
            }
        }
        #[inline(always)]
        fn slope<T: Real>(z: T, _: T) -> T {
            step(z, T::of(LEAKY_SLOPE))
        }
    }

    /// z,  slope 1.
    #[derive(Debug, Clone, Copy)]
    pub struct Identity;
    impl Elementwise for Identity {
        #[inline(always)]
        fn g<T: Real>(z: T) -> T {
            z
        }
        #[inline(always)]
        fn slope<T: Real>(_: T, _: T) -> T {
            T::one()
        }
    }

    /// 1 for z > 0, `below` for z ≤ 0, NaN for NaN: the slope of the (leaky) ReLU.
    #[inline(always)]
    fn step<T: Real>(z: T, below: T) -> T {
        if z > T::zero() {
            T::one()
        } else if z <= T::zero() {
            below
        } else {
            z
        }
    }
}

/// Softmax of every column: `A_ij = e^(Z_ij − max_i Z_ij) / Σ_i e^(Z_ij − max_i Z_ij)`,
/// (k × m) → (k × m). Subtracting the column maximum keeps every exponent ≤ 0 (no overflow).
pub fn softmax_columns(z: ArrayView2<f64>) -> Array2<f64> {
    let mut a = z.to_owned();
    softmax_columns_in_place(&mut a);
    a
}

/// [`softmax_columns`] in place (A holds Z on entry), computed in f64 whatever the number
/// type: the one softmax of both engines.
pub fn softmax_columns_in_place<T: Real>(a: &mut Array2<T>) {
    for mut col in a.columns_mut() {
        let max = col
            .iter()
            .map(|v| v.f64())
            .fold(f64::NEG_INFINITY, f64::max);
        let sum: f64 = col.iter().map(|v| (v.f64() - max).exp()).sum();
        col.mapv_inplace(|v| T::of((v.f64() - max).exp() / sum));
    }
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
                crate::Error::unknown("activation", s, "tanh, relu, leaky-relu, sigmoid, identity")
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sigmoid_matches_hand_values_and_never_overflows() {
        let sigmoid = |z: f64| Activation::Sigmoid.value(z);
        assert_eq!(sigmoid(0.0), 0.5);
        assert!((sigmoid(2.0) - 0.880_797_077_977_882_3).abs() < 1e-15);
        assert!((sigmoid(-2.0) - 0.119_202_922_022_117_57).abs() < 1e-15);
        assert!(sigmoid(-1000.0) < 1e-300);
        assert_eq!(sigmoid(1000.0), 1.0);
    }

    #[test]
    fn derivatives_match_finite_differences() {
        for act in ALL_ACTIVATIONS {
            for z in [-2.3f64, -0.4, 0.3, 1.7] {
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
