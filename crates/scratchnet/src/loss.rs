//! Cost functions J(Ŷ, Y) and the gradient they send into the output layer.
//!
//! Shape legend: m = samples; the output layer's Z and A are (n_y × m), Y is (n_y × m).
//!
//! ```text
//! binary cross-entropy (tutorial eq. 6), with A = σ(Z):
//!     J = −(1/m) · Σ [ Y·log(A) + (1 − Y)·log(1 − A) ]
//! computed stably from the logits Z (never log(0), finite when the network saturates):
//!     J =  (1/m) · Σ [ max(Z, 0) − Z·Y + log(1 + e^(−|Z|)) ]
//! categorical cross-entropy, with A = softmax(Z) and Y one-hot (k × m):
//!     J = −(1/m) · Σ_j Σ_i Y_ij · log A_ij
//!       =  (1/m) · Σ_j [ logΣexp(Z_·j) − Σ_i Y_ij·Z_ij ]      (stable log-sum-exp)
//! mean squared error, with A = Z (identity output):
//!     J =  (1/m) · Σ ½ (A − Y)²
//! all three give the same output gradient (the reason these pairs are used):
//!     dZ = A − Y                                (n_y×m)
//! ```

use ndarray::{Array2, ArrayView2, Zip};
use serde::{Deserialize, Serialize};

use crate::nn::Activation;
use crate::nn::real::{self, Real};
use crate::{Error, Result};

/// A cost function, chosen by the output activation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Loss {
    /// Binary cross-entropy, paired with a sigmoid output.
    BinaryCrossEntropy,
    /// Categorical cross-entropy, paired with a softmax output.
    CategoricalCrossEntropy,
    /// Mean squared error (½ · mean of squares), paired with an identity output.
    MeanSquaredError,
}

impl Loss {
    /// The loss that pairs with an output activation so that dZ = A − Y.
    pub fn for_output(activation: Activation) -> Result<Self> {
        match activation {
            Activation::Sigmoid => Ok(Loss::BinaryCrossEntropy),
            Activation::Softmax => Ok(Loss::CategoricalCrossEntropy),
            Activation::Identity => Ok(Loss::MeanSquaredError),
            other => Err(Error::Invalid(format!(
                "output activation `{other}` has no matching loss; use sigmoid (two classes), \
                 softmax (more classes) or identity (regression)"
            ))),
        }
    }

    /// J from the output layer's Z and A and the targets Y.
    pub fn cost(self, z: ArrayView2<f64>, a: ArrayView2<f64>, y: ArrayView2<f64>) -> f64 {
        match self {
            Loss::BinaryCrossEntropy => binary_cross_entropy(z, y),
            Loss::CategoricalCrossEntropy => categorical_cross_entropy(z, y),
            Loss::MeanSquaredError => mean_squared_error(a, y),
        }
    }
}

/// Binary cross-entropy from the logits Z (tutorial equation 6), stable for any Z:
/// `J = (1/m) · Σ [max(Z,0) − Z·Y + log(1 + e^(−|Z|))]`, with Z and Y (1 × m) → scalar.
///
/// ```
/// use ndarray::array;
/// // Z = 0 means A = 0.5: the loss is log 2 whatever Y is.
/// let j = scratchnet::loss::binary_cross_entropy(array![[0.0, 0.0]].view(), array![[1.0, 0.0]].view());
/// assert!((j - std::f64::consts::LN_2).abs() < 1e-15);
/// ```
///
/// # Panics
/// If the output and Y do not have the same shape.
pub fn binary_cross_entropy(z: ArrayView2<f64>, y: ArrayView2<f64>) -> f64 {
    assert_eq!(
        z.dim(),
        y.dim(),
        "the output and Y need one shape (n_y × m)"
    );
    let m = z.ncols().max(1) as f64;
    let sum: f64 = z
        .rows()
        .into_iter()
        .zip(y.rows())
        .map(|(z, y)| real::bce_sum(&z.to_vec(), &y.to_vec()))
        .sum();
    sum / m
}

/// Categorical cross-entropy from the logits Z (k × m) and one-hot Y (k × m), via the stable
/// log-sum-exp: `J = (1/m) · Σ_j [max_j + log Σ_i e^(Z_ij − max_j) − Σ_i Y_ij·Z_ij]` → scalar.
///
/// # Panics
/// If the output and Y do not have the same shape.
pub fn categorical_cross_entropy(z: ArrayView2<f64>, y: ArrayView2<f64>) -> f64 {
    assert_eq!(
        z.dim(),
        y.dim(),
        "the output and Y need one shape (n_y × m)"
    );
    let m = z.ncols().max(1) as f64;
    let mut sum = 0.0;
    for (zc, yc) in z.columns().into_iter().zip(y.columns()) {
        let max = zc.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let lse = max + zc.iter().map(|v| (v - max).exp()).sum::<f64>().ln();
        let yz: f64 = zc.iter().zip(yc.iter()).map(|(a, b)| a * b).sum();
        let ysum: f64 = yc.sum();
        sum += ysum * lse - yz;
    }
    sum / m
}

/// Mean squared error `J = (1/m) · Σ ½ (A − Y)²`, with A and Y (n_y × m) → scalar.
///
/// # Panics
/// If the output and Y do not have the same shape.
pub fn mean_squared_error(a: ArrayView2<f64>, y: ArrayView2<f64>) -> f64 {
    assert_eq!(
        a.dim(),
        y.dim(),
        "the output and Y need one shape (n_y × m)"
    );
    let m = a.ncols().max(1) as f64;
    let mut sum = 0.0;
    Zip::from(a)
        .and(y)
        .for_each(|&av, &yv| sum += 0.5 * (av - yv) * (av - yv));
    sum / m
}

/// `dZ = A − Y`: the gradient of J·m with respect to the output layer's Z, for
/// sigmoid + binary cross-entropy, softmax + categorical cross-entropy and identity + squared
/// error alike. `(n_y×m)`.
///
/// # Panics
/// If A and Y do not have the same shape.
pub fn output_delta(a: ArrayView2<f64>, y: ArrayView2<f64>) -> Array2<f64> {
    let mut dz = Array2::zeros(a.raw_dim());
    output_delta_into(a, y, &mut dz);
    dz
}

/// [`output_delta`] into a buffer of the same shape: `dZ ← A − Y`, element by element.
///
/// # Panics
/// If A, Y and dZ do not all have the same shape.
pub(crate) fn output_delta_into<T: Real>(a: ArrayView2<T>, y: ArrayView2<T>, dz: &mut Array2<T>) {
    assert!(
        a.dim() == y.dim() && a.dim() == dz.dim(),
        "A, Y and dZ need one shape"
    );
    match (dz.as_slice_mut(), a.as_slice(), y.as_slice()) {
        (Some(d), Some(a), Some(y)) => {
            for ((d, &a), &y) in d.iter_mut().zip(a).zip(y) {
                *d = a - y;
            }
        }
        _ => Zip::from(dz).and(a).and(y).for_each(|d, &a, &y| *d = a - y),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn bce_matches_the_textbook_formula() {
        let z = array![[0.3, -1.2, 2.5, -0.1]];
        let y = array![[1.0, 0.0, 0.0, 1.0]];
        let textbook: f64 = z
            .iter()
            .zip(y.iter())
            .map(|(&z, &y)| {
                let a: f64 = 1.0 / (1.0 + f64::exp(-z));
                -(y * a.ln() + (1.0 - y) * (1.0 - a).ln())
            })
            .sum::<f64>()
            / 4.0;
        assert!((binary_cross_entropy(z.view(), y.view()) - textbook).abs() < 1e-15);
    }

    #[test]
    fn bce_is_finite_when_the_network_saturates() {
        // σ(±800) rounds to exactly 0 or 1: log(0) would give inf; the logit form does not.
        let z = array![[800.0, -800.0]];
        let y = array![[0.0, 1.0]];
        let j = binary_cross_entropy(z.view(), y.view());
        assert!(j.is_finite());
        assert!((j - 800.0).abs() < 1e-9);
        let right = binary_cross_entropy(z.view(), array![[1.0, 0.0]].view());
        assert!(right.is_finite() && right < 1e-300);
    }

    #[test]
    fn cce_matches_the_textbook_formula_and_is_stable() {
        let z = array![[1.0, 0.5], [2.0, -1.0], [0.0, 3.0]];
        let y = array![[0.0, 0.0], [1.0, 0.0], [0.0, 1.0]];
        let a = crate::nn::activation::softmax_columns(z.view());
        let textbook = -(a[[1, 0]].ln() + a[[2, 1]].ln()) / 2.0;
        assert!((categorical_cross_entropy(z.view(), y.view()) - textbook).abs() < 1e-15);
        let huge = array![[1000.0], [-1000.0]];
        let j = categorical_cross_entropy(huge.view(), array![[0.0], [1.0]].view());
        assert!((j - 2000.0).abs() < 1e-9);
    }

    #[test]
    fn mse_is_half_mean_square() {
        let j = mean_squared_error(array![[1.0, 3.0]].view(), array![[0.0, 1.0]].view());
        assert_eq!(j, (0.5 * 1.0 + 0.5 * 4.0) / 2.0);
    }
}
