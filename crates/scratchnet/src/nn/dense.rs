//! A fully connected layer: `forward` and `backward` side by side.
//!
//! Shape legend: m = samples, n_in = units of the layer below (d for the input layer),
//! n_out = units of this layer (h for a hidden layer, 1 for the binary output).
//!
//! ```text
//! forward    Z = W·A_prev + b          (n_out×n_in)·(n_in×m) + (n_out×1) → n_out×m
//!            A = g(Z)                  n_out×m
//! backward   dZ = dA ⊙ g'(Z)           n_out×m    (the network gives dZ directly for the output)
//!            dW = (1/m) · dZ · A_prevᵀ (n_out×m)·(m×n_in) → n_out×n_in
//!            db = (1/m) · Σ_columns dZ  n_out×1
//!            dA_prev = Wᵀ · dZ         (n_in×n_out)·(n_out×m) → n_in×m
//! ```
//!
//! In the tutorial's 2-4-1 network the first layer is (W1, b1) with g = tanh and the second
//! (W2, b2) with g = σ; the formulas above are its equations with the layer number filled in.

use std::borrow::Cow;

use ndarray::{Array1, Array2, ArrayView2, Axis};

use super::{Activation, Init, real};
use crate::{Error, Result, Rng};

/// One fully connected layer: its parameters and its activation.
#[derive(Debug, Clone, PartialEq)]
pub struct Dense {
    /// Weights W, (n_out × n_in): row i holds the incoming weights of unit i.
    w: Array2<f64>,
    /// Biases b, one per unit (n_out), broadcast over the m columns.
    b: Array1<f64>,
    /// The activation g applied to Z.
    activation: Activation,
}

/// What `forward` keeps for `backward`: Z and A = g(Z), both (n_out × m).
#[derive(Debug, Clone, PartialEq)]
pub struct DenseCache {
    /// Pre-activation Z = W·A_prev + b.
    pub z: Array2<f64>,
    /// Activation A = g(Z).
    pub a: Array2<f64>,
}

/// The gradient of the cost with respect to one layer's parameters: same shapes as
/// [`Dense::w`] and [`Dense::b`], so an update reads `w -= lr · dw`. (`T` is f32 only inside
/// the `--precision f32` training path.)
#[derive(Debug, Clone, PartialEq)]
pub struct DenseGrad<T = f64> {
    /// dW = ∂J/∂W, (n_out × n_in).
    pub dw: Array2<T>,
    /// db = ∂J/∂b, (n_out).
    pub db: Array1<T>,
}

/// `Z = W·A_prev + b`: the linear step of forward propagation (tutorial equations (1) and (3)).
///
/// `(n_out×n_in)·(n_in×m) + (n_out×1) → n_out×m`; b is broadcast over the m columns.
///
/// # Panics
/// If A_prev does not have n_in rows or b does not have n_out entries.
///
/// ```
/// use ndarray::array;
/// use scratchnet::nn::dense::linear_forward;
/// // W (1×2), b (1), A_prev (2×3): Z = [1·1 + 2·0 + 0.5, 1·0 + 2·1 + 0.5, 1·2 + 2·(−1) + 0.5]
/// let z = linear_forward(&array![[1.0, 2.0]], &array![0.5], array![[1.0, 0.0, 2.0], [0.0, 1.0, -1.0]].view());
/// assert_eq!(z, array![[1.5, 2.5, 0.5]]);
/// ```
pub fn linear_forward(w: &Array2<f64>, b: &Array1<f64>, a_prev: ArrayView2<f64>) -> Array2<f64> {
    assert_eq!(
        w.nrows(),
        b.len(),
        "W has {} rows, b {} entries",
        w.nrows(),
        b.len()
    );
    let mut z = matmul_rows(w.view(), a_prev);
    for (mut z_i, &b_i) in z.rows_mut().into_iter().zip(b) {
        // Z_i· += b_i
        z_i.mapv_inplace(|v| v + b_i);
    }
    z
}

/// `dW = (1/m) · dZ · A_prevᵀ`: the weight gradient, e.g. `dW2 = (1/m) · dZ2 · A1ᵀ`.
///
/// `(n_out×m)·(m×n_in) → n_out×n_in`: entry (i, k) is `(1/m)·Σ_j dZ_ij·A_prev,kj`, a dot
/// product of row i of dZ with row k of A_prev (summed in `nn::real::dot`'s fixed order).
///
/// # Panics
/// If dZ and A_prev do not have the same number of columns m.
pub fn weight_gradient(dz: ArrayView2<f64>, a_prev: ArrayView2<f64>) -> Array2<f64> {
    assert_eq!(dz.ncols(), a_prev.ncols(), "dZ and A_prev need the same m");
    let m = dz.ncols() as f64;
    let (dz_rows, a_rows) = (rows(dz), rows(a_prev));
    Array2::from_shape_fn((dz.nrows(), a_prev.nrows()), |(i, k)| {
        real::dot(&dz_rows[i], &a_rows[k]) / m
    })
}

/// `db = (1/m) · Σ_columns dZ`: the bias gradient, e.g. `db2 = (1/m) · rowSums(dZ2)`.
///
/// `n_out×m → n_out` (each row summed in `nn::real::sum`'s fixed order).
pub fn bias_gradient(dz: ArrayView2<f64>) -> Array1<f64> {
    let m = dz.ncols() as f64;
    rows(dz).iter().map(|d| real::sum(d) / m).collect()
}

/// `dA_prev = Wᵀ · dZ`: the gradient passed to the layer below, e.g. `W2ᵀ · dZ2`.
///
/// `(n_in×n_out)·(n_out×m) → n_in×m`.
///
/// # Panics
/// If dZ does not have n_out rows.
pub fn input_gradient(w: &Array2<f64>, dz: ArrayView2<f64>) -> Array2<f64> {
    matmul_rows(w.t(), dz)
}

/// `P = W·R`, row by row: `P_i· = W_i0·R_0· + Σ_{t ≥ 1} W_it·R_t·`, each further term one
/// fused multiply-add. (The fast engine's small layers add in this same order, so the two
/// engines give the same bits; its wide layers use a blocked GEMM, which adds in another.)
fn matmul_rows(w: ArrayView2<f64>, r: ArrayView2<f64>) -> Array2<f64> {
    assert_eq!(
        w.ncols(),
        r.nrows(),
        "W has {} columns, R {} rows",
        w.ncols(),
        r.nrows()
    );
    let mut p = Array2::zeros((w.nrows(), r.ncols()));
    for (i, mut p_i) in p.rows_mut().into_iter().enumerate() {
        for (t, r_t) in r.rows().into_iter().enumerate() {
            let w_it = w[[i, t]];
            if t == 0 {
                p_i.zip_mut_with(&r_t, |p, &x| *p = w_it * x);
            } else {
                p_i.zip_mut_with(&r_t, |p, &x| *p = crate::nn::Real::mul_add(w_it, x, *p));
            }
        }
    }
    p
}

/// The rows of a matrix as slices (copied when a row's elements are not adjacent).
fn rows(v: ArrayView2<'_, f64>) -> Vec<Cow<'_, [f64]>> {
    (0..v.nrows())
        .map(|i| v.index_axis_move(Axis(0), i))
        .map(|r| match r.to_slice() {
            Some(s) => Cow::Borrowed(s),
            None => Cow::Owned(r.to_vec()),
        })
        .collect()
}

impl Dense {
    /// A layer from given parameters; W must be (n_out × n_in) and b must have n_out entries.
    pub fn new(w: Array2<f64>, b: Array1<f64>, activation: Activation) -> Result<Self> {
        if w.nrows() != b.len() {
            return Err(Error::Invalid(format!(
                "weights have {} rows (units) but the bias has {} entries",
                w.nrows(),
                b.len()
            )));
        }
        // row-major and contiguous, whatever the caller's layout: the fast engine reads W and b
        // as slices
        let w = w.as_standard_layout().into_owned();
        let b = b.as_standard_layout().into_owned();
        Ok(Dense { w, b, activation })
    }

    /// A freshly initialized layer: W drawn by `init`, b = 0.
    pub fn init(
        n_in: usize,
        n_out: usize,
        activation: Activation,
        init: Init,
        rng: &mut Rng,
    ) -> Self {
        Dense {
            w: init.weights(n_out, n_in, rng),
            b: Array1::zeros(n_out),
            activation,
        }
    }

    /// Weights W, (n_out × n_in): row i holds the incoming weights of unit i.
    pub fn w(&self) -> &Array2<f64> {
        &self.w
    }

    /// Biases b, one per unit (n_out).
    pub fn b(&self) -> &Array1<f64> {
        &self.b
    }

    /// The activation g applied to Z.
    pub fn activation(&self) -> Activation {
        self.activation
    }

    /// W and b to update in place (their shapes must stay).
    pub(crate) fn params_mut(&mut self) -> (&mut Array2<f64>, &mut Array1<f64>) {
        (&mut self.w, &mut self.b)
    }

    /// Number of inputs (n_in).
    pub fn n_in(&self) -> usize {
        self.w.ncols()
    }

    /// Number of units (n_out).
    pub fn n_out(&self) -> usize {
        self.w.nrows()
    }

    /// Forward: `Z = W·A_prev + b`, `A = g(Z)`; keeps Z and A for `backward`.
    ///
    /// # Panics
    /// If A_prev does not have n_in rows.
    pub fn forward(&self, a_prev: ArrayView2<f64>) -> DenseCache {
        let z = linear_forward(&self.w, &self.b, a_prev);
        let a = self.activation.forward(z.view());
        DenseCache { z, a }
    }

    /// Backward from dZ: returns (dW, db) and, when `need_input_grad`, dA_prev = Wᵀ·dZ
    /// (the first layer does not need it: nothing sits below the input).
    ///
    /// # Panics
    /// If dZ is not (n_out × m) or A_prev not (n_in × m).
    pub fn backward(
        &self,
        dz: ArrayView2<f64>,
        a_prev: ArrayView2<f64>,
        need_input_grad: bool,
    ) -> (DenseGrad, Option<Array2<f64>>) {
        assert_eq!(dz.nrows(), self.n_out(), "dZ needs n_out rows");
        assert_eq!(a_prev.nrows(), self.n_in(), "A_prev needs n_in rows");
        let grad = DenseGrad {
            dw: weight_gradient(dz, a_prev),
            db: bias_gradient(dz),
        };
        let da_prev = need_input_grad.then(|| input_gradient(&self.w, dz));
        (grad, da_prev)
    }

    /// True when every weight and bias is a finite number.
    pub fn is_finite(&self) -> bool {
        self.w.iter().chain(self.b.iter()).all(|v| v.is_finite())
    }

    /// True when every parameter is a number of size at most `limit` (NaN is not).
    pub fn is_within(&self, limit: f64) -> bool {
        self.w.iter().chain(self.b.iter()).all(|v| v.abs() <= limit)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn forward_on_a_2x3_input_matches_hand_values() {
        // W (2×2), b (2), X (2×3): Z = W·X + b by hand.
        let layer = Dense::new(
            array![[1.0, 2.0], [-1.0, 0.5]],
            array![0.5, -1.0],
            Activation::Identity,
        )
        .unwrap();
        let x = array![[1.0, 0.0, 2.0], [0.0, 1.0, -1.0]];
        let cache = layer.forward(x.view());
        assert_eq!(cache.z, array![[1.5, 2.5, 0.5], [-2.0, -0.5, -3.5]]);
        assert_eq!(cache.a, cache.z);
    }

    #[test]
    fn backward_matches_hand_values() {
        let layer = Dense::new(array![[1.0, 2.0]], array![0.0], Activation::Identity).unwrap();
        let a_prev = array![[1.0, 3.0], [2.0, -1.0]];
        let dz = array![[0.5, -1.0]];
        let (g, da) = layer.backward(dz.view(), a_prev.view(), true);
        // dW = 1/2 · [0.5·1 + (−1)·3, 0.5·2 + (−1)(−1)] = [−1.25, 1.0]
        assert_eq!(g.dw, array![[-1.25, 1.0]]);
        // db = 1/2 · (0.5 − 1) = −0.25
        assert_eq!(g.db, array![-0.25]);
        // dA_prev = Wᵀ·dZ = [[0.5, −1], [1, −2]]
        assert_eq!(da.unwrap(), array![[0.5, -1.0], [1.0, -2.0]]);
    }

    #[test]
    fn rejects_mismatched_bias() {
        assert!(Dense::new(Array2::zeros((3, 2)), Array1::zeros(2), Activation::Tanh).is_err());
    }
}
