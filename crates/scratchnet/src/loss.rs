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
//!
//! With sample weights (class weights, `--sample-weight`: see [`crate::weights`]) each sample's
//! loss L_j counts w̃_j times, the weights normalized to mean 1 over the training rows
//! (w̃ (m), Σ_j w̃_j = m), so that weights of 1 are the unweighted cost:
//!
//! ```text
//! J  = (1/m) · Σ_j w̃_j · L_j          L_j the bracket of column j in each cost above
//! dZ = (A − Y) ⊙ w̃                    column j of A − Y times w̃_j   (n_y×m)
//! ```
//! Everything after dZ (dW, db, the layers below) is unchanged: the weights enter once, in the
//! output delta ([`weight_columns`]).

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

    /// The weighted J = (1/m)·Σ_j w̃_j·L_j from the output layer's Z and A (n_y × m), the
    /// targets Y (n_y × m) and one weight per sample w̃ (m).
    pub fn weighted_cost(
        self,
        z: ArrayView2<f64>,
        a: ArrayView2<f64>,
        y: ArrayView2<f64>,
        w: &[f64],
    ) -> f64 {
        match self {
            Loss::BinaryCrossEntropy => weighted_binary_cross_entropy(z, y, w),
            Loss::CategoricalCrossEntropy => weighted_categorical_cross_entropy(z, y, w),
            Loss::MeanSquaredError => weighted_mean_squared_error(a, y, w),
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

/// Weighted binary cross-entropy from the logits Z (1 × m), Y (1 × m) and the sample weights
/// w̃ (m), stable for any Z:
/// `J = (1/m) · Σ_j w̃_j · [max(Z_j,0) − Z_j·Y_j + log(1 + e^(−|Z_j|))]` → scalar.
/// Weights of exactly 1 give [`binary_cross_entropy`]'s bits.
///
/// ```
/// use ndarray::array;
/// // Z = 0: every term is log 2; weights 3 and 1 over m = 2 give (3 + 1)·log 2 / 2
/// let j = scratchnet::loss::weighted_binary_cross_entropy(
///     array![[0.0, 0.0]].view(),
///     array![[1.0, 0.0]].view(),
///     &[3.0, 1.0],
/// );
/// assert!((j - 2.0 * std::f64::consts::LN_2).abs() < 1e-15);
/// ```
///
/// # Panics
/// If the output and Y do not have the same shape, or w̃ does not have m entries.
pub fn weighted_binary_cross_entropy(z: ArrayView2<f64>, y: ArrayView2<f64>, w: &[f64]) -> f64 {
    assert_weights_fit(z, y, w);
    let m = z.ncols().max(1) as f64;
    let sum: f64 = z
        .rows()
        .into_iter()
        .zip(y.rows())
        .map(|(z, y)| real::weighted_bce_sum(&z.to_vec(), &y.to_vec(), w))
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

/// Weighted categorical cross-entropy from the logits Z (k × m), one-hot Y (k × m) and the
/// sample weights w̃ (m):
/// `J = (1/m) · Σ_j w̃_j · [max_j + log Σ_i e^(Z_ij − max_j) − Σ_i Y_ij·Z_ij]` → scalar.
/// Weights of exactly 1 give [`categorical_cross_entropy`]'s bits.
///
/// # Panics
/// If the output and Y do not have the same shape, or w̃ does not have m entries.
pub fn weighted_categorical_cross_entropy(
    z: ArrayView2<f64>,
    y: ArrayView2<f64>,
    w: &[f64],
) -> f64 {
    assert_weights_fit(z, y, w);
    let m = z.ncols().max(1) as f64;
    let mut sum = 0.0;
    for ((zc, yc), &wj) in z.columns().into_iter().zip(y.columns()).zip(w) {
        let max = zc.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let lse = max + zc.iter().map(|v| (v - max).exp()).sum::<f64>().ln();
        let yz: f64 = zc.iter().zip(yc.iter()).map(|(a, b)| a * b).sum();
        let ysum: f64 = yc.sum();
        sum += wj * (ysum * lse - yz);
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

/// Weighted mean squared error `J = (1/m) · Σ_j w̃_j · Σ_i ½ (A_ij − Y_ij)²`, with A and Y
/// (n_y × m) and the sample weights w̃ (m) → scalar. Weights of exactly 1 give
/// [`mean_squared_error`]'s bits.
///
/// # Panics
/// If the output and Y do not have the same shape, or w̃ does not have m entries.
pub fn weighted_mean_squared_error(a: ArrayView2<f64>, y: ArrayView2<f64>, w: &[f64]) -> f64 {
    assert_weights_fit(a, y, w);
    let m = a.ncols().max(1) as f64;
    let mut sum = 0.0;
    // row by row (the order of `mean_squared_error` on standard-layout arrays), each term
    // scaled by its column's weight
    for (ar, yr) in a.rows().into_iter().zip(y.rows()) {
        for ((&av, &yv), &wj) in ar.iter().zip(yr.iter()).zip(w) {
            sum += wj * (0.5 * (av - yv) * (av - yv));
        }
    }
    sum / m
}

/// The output and Y share one shape (n_y × m) and there is one weight per column.
fn assert_weights_fit(out: ArrayView2<f64>, y: ArrayView2<f64>, w: &[f64]) {
    assert_eq!(
        out.dim(),
        y.dim(),
        "the output and Y need one shape (n_y × m)"
    );
    assert_eq!(w.len(), out.ncols(), "one sample weight per column (m)");
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

/// `dZ ← dZ ⊙ w̃`: column j of the output delta dZ (n_y × m) times the sample weight w̃_j
/// (m), which turns `A − Y` into the delta of the weighted cost, `(A − Y) ⊙ w̃` (the one place
/// the weights enter backpropagation; both engines call it after [`output_delta`]).
///
/// ```
/// use ndarray::array;
/// let mut dz = array![[0.5, -0.25, 1.0]];
/// scratchnet::loss::weight_columns(&mut dz, &[2.0, 0.0, 1.0]);
/// assert_eq!(dz, array![[1.0, 0.0, 1.0]]);
/// ```
///
/// # Panics
/// If w̃ does not have one entry per column of dZ.
pub fn weight_columns<T: Real>(dz: &mut Array2<T>, w: &[f64]) {
    assert_eq!(w.len(), dz.ncols(), "one sample weight per column (m)");
    let m = dz.ncols().max(1);
    match dz.as_slice_mut() {
        // standard layout: each row of m columns, scaled element by element (vectorizes)
        Some(d) => {
            for row in d.chunks_exact_mut(m) {
                for (d, &wj) in row.iter_mut().zip(w) {
                    *d = *d * T::of(wj);
                }
            }
        }
        None => {
            for mut row in dz.rows_mut() {
                for (d, &wj) in row.iter_mut().zip(w) {
                    *d = *d * T::of(wj);
                }
            }
        }
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
    fn weighted_bce_matches_a_hand_computed_value() {
        // Four samples whose sigmoids are round numbers, with w̃ = (0.5, 1, 2, 0.5) (mean 1):
        //   j  Z        A = σ(Z)   Y   L_j = −[Y·ln A + (1−Y)·ln(1−A)]
        //   1  0        1/2        1   ln 2          = 0.693147
        //   2  ln 3     3/4        1   ln(4/3)       = 0.287682
        //   3  ln 3     3/4        0   ln 4 = 2·ln 2 = 1.386294
        //   4  −ln 3    1/4        0   ln(4/3)       = 0.287682
        // J = (1/4)·(0.5·ln 2 + 1·ln(4/3) + 2·2·ln 2 + 0.5·ln(4/3))
        //   = (1/4)·(4.5·ln 2 + 1.5·ln(4/3)) = (3.119162 + 0.431523)/4 = 0.887671
        let l3 = 3.0f64.ln();
        let z = array![[0.0, l3, l3, -l3]];
        let y = array![[1.0, 1.0, 0.0, 0.0]];
        let w = [0.5, 1.0, 2.0, 0.5];
        let by_hand = (4.5 * std::f64::consts::LN_2 + 1.5 * (4.0f64 / 3.0).ln()) / 4.0;
        let j = weighted_binary_cross_entropy(z.view(), y.view(), &w);
        assert!((j - by_hand).abs() < 1e-15, "{j} vs {by_hand}");
        assert!((j - 0.887671).abs() < 1e-6);
        // the loss picks it by the output: the same number through Loss::weighted_cost
        let a = z.mapv(|v| 1.0 / (1.0 + (-v).exp()));
        let via_loss = Loss::BinaryCrossEntropy.weighted_cost(z.view(), a.view(), y.view(), &w);
        assert_eq!(via_loss, j);
    }

    #[test]
    fn weighted_cce_and_mse_match_hand_computed_values() {
        // CCE: two samples, Z = 0 in every row of k = 2 (A = ½ each): L = ln 2 per sample;
        // w̃ = (1.5, 0.5): J = (1.5 + 0.5)·ln 2 / 2 = ln 2
        let z = array![[0.0, 0.0], [0.0, 0.0]];
        let y = array![[1.0, 0.0], [0.0, 1.0]];
        let j = weighted_categorical_cross_entropy(z.view(), y.view(), &[1.5, 0.5]);
        assert!((j - std::f64::consts::LN_2).abs() < 1e-15);
        // MSE: A − Y = (1, 2), ½·(1, 4) = (0.5, 2); w̃ = (2, 0): J = (2·0.5 + 0·2)/2 = 0.5
        let j = weighted_mean_squared_error(
            array![[1.0, 3.0]].view(),
            array![[0.0, 1.0]].view(),
            &[2.0, 0.0],
        );
        assert_eq!(j, 0.5);
    }

    #[test]
    fn weights_of_one_give_the_unweighted_costs_bit_for_bit() {
        // 37 samples: more than one block of 32 in the BCE sum, and a remainder
        let z = Array2::from_shape_fn((3, 37), |(i, j)| ((i * 37 + j) as f64 * 0.37).sin() * 4.0);
        let y = Array2::from_shape_fn((3, 37), |(i, j)| f64::from(u8::from(j % 3 == i)));
        let ones = vec![1.0; 37];
        let (z1, y1) = (
            z.slice(ndarray::s![0..1, ..]),
            y.slice(ndarray::s![0..1, ..]),
        );
        assert_eq!(
            weighted_binary_cross_entropy(z1, y1, &ones).to_bits(),
            binary_cross_entropy(z1, y1).to_bits()
        );
        assert_eq!(
            weighted_categorical_cross_entropy(z.view(), y.view(), &ones).to_bits(),
            categorical_cross_entropy(z.view(), y.view()).to_bits()
        );
        assert_eq!(
            weighted_mean_squared_error(z.view(), y.view(), &ones).to_bits(),
            mean_squared_error(z.view(), y.view()).to_bits()
        );
        let mut dz = output_delta(z.view(), y.view());
        let plain = dz.clone();
        weight_columns(&mut dz, &ones);
        assert_eq!(dz, plain);
    }

    #[test]
    fn weight_columns_scales_each_sample_of_every_output() {
        // (A − Y) ⊙ w̃ column by column, k = 2 outputs, also on a transposed (strided) view
        let mut dz = array![[1.0, -2.0, 0.5], [4.0, 1.0, -1.0]];
        weight_columns(&mut dz, &[0.0, 2.0, 3.0]);
        assert_eq!(dz, array![[0.0, -4.0, 1.5], [0.0, 2.0, -3.0]]);
        let mut t = array![[1.0, 4.0], [-2.0, 1.0], [0.5, -1.0]].reversed_axes();
        weight_columns(&mut t, &[0.0, 2.0, 3.0]);
        assert_eq!(t, array![[0.0, -4.0, 1.5], [0.0, 2.0, -3.0]]);
    }

    #[test]
    fn mse_is_half_mean_square() {
        let j = mean_squared_error(array![[1.0, 3.0]].view(), array![[0.0, 1.0]].view());
        assert_eq!(j, (0.5 * 1.0 + 0.5 * 4.0) / 2.0);
    }
}
