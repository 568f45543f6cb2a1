//! Preallocated forward and backward passes: every Z, A, dZ and gradient lives in a buffer
//! allocated once, before the first epoch (or the first mini-batch).
//!
//! The arithmetic is that of [`Network::forward`] and [`Network::backward`] (the reference
//! engine, which runs them as written), through the row kernels of [`super::kernels`]: small
//! layers (at most [`SMALL_WEIGHTS`] weights, e.g. the tutorial's 4×2 and 1×4, or a side of
//! at most [`THIN_SIDE`] units) use row-wise products in the reference's order and allocate
//! nothing; wider ones use matrixmultiply's GEMM, whose packing buffers are allocated per
//! product (3 per batch and wide layer, counted in `tests/allocations.rs`). Tests check both
//! paths against the reference.
//!
//! The buffers are generic over the number type `T` ([`Real`]): f64, or f32 for
//! `--precision f32` training, where a [`Split`] keeps an f32 copy of the parameters, refreshed
//! from the f64 network before every step, and hands the optimizer f64 gradients.
//!
//! ```text
//! forward   Z_l ← W_l·A_(l−1)        then, fused per row:  Z_l += b_l,  A_l ← g(Z_l)
//! backward  dZ_L ← A_L − Y          (with sample weights: then dZ_L ← dZ_L ⊙ w̃, column by column)
//!           dW_l ← (1/m)·dZ_l·A_(l−1)ᵀ    db_l ← (1/m)·Σ dZ_l
//!           dA_(l−1) ← W_lᵀ·dZ_l     then, fused per row:  dZ_(l−1) ← dA_(l−1) ⊙ g'(Z_(l−1))
//! ```

use std::ops::Range;

use ndarray::linalg::general_mat_mul;
use ndarray::{Array1, Array2, ArrayView2, Axis, s};

use super::kernels::{self, simd_dispatch};
use crate::loss::{self, Loss};
use crate::nn::activation::{Elementwise, WithG, softmax_columns_in_place};
use crate::nn::real::{self, Real};
use crate::nn::{Activation, DenseGrad, Gradients, Network};
use crate::parallel;

/// Layers with at most this many weights (n_out·n_in) use the row-wise kernels instead of GEMM:
/// below it, GEMM's packing costs more than the product (and allocates).
pub const SMALL_WEIGHTS: usize = 256;

/// Layers whose input or output has at most this many units also use the row-wise kernels
/// (e.g. the 1024×2 first layer or the 1×1024 output of a wide 2-1024-1 network): a product
/// with such a thin side is a few passes over rows, which GEMM does no faster.
pub const THIN_SIDE: usize = 4;

/// True when the row-wise kernels do layer (n_out × n_in).
fn small_layer(n: usize, k: usize) -> bool {
    n * k <= SMALL_WEIGHTS || n.min(k) <= THIN_SIDE
}

/// Buffers for one network and one batch size m: per layer Z, A and dZ (n_out × m), the
/// input and labels of a gathered mini-batch, and the gradients.
#[derive(Debug, Clone)]
pub struct Workspace<T = f64> {
    m: usize,
    n_x: usize,
    n_y: usize,
    z: Vec<Array2<T>>,
    a: Vec<Array2<T>>,
    dz: Vec<Array2<T>>,
    x: Array2<T>,
    y: Array2<T>,
    /// The sample weights of a gathered mini-batch (m; empty until weights are used).
    w: Vec<f64>,
    /// The gradients of the last backward pass, same layout as the parameters.
    pub grads: Gradients<T>,
}

impl Workspace {
    /// Buffers for `net` on batches of `m` samples.
    pub fn new(net: &Network, m: usize) -> Self {
        Self::for_network(net, m)
    }
}

impl<T: Kernels> Workspace<T> {
    /// Buffers of type `T` for `net` on batches of `m` samples.
    pub fn for_network(net: &Network, m: usize) -> Self {
        let shape = |n: usize| Array2::zeros((n, m));
        let n_y = net.layers().last().map_or(0, |l| l.n_out());
        Workspace {
            m,
            n_x: net.n_inputs(),
            n_y,
            z: net.layers().iter().map(|l| shape(l.n_out())).collect(),
            a: net.layers().iter().map(|l| shape(l.n_out())).collect(),
            dz: net.layers().iter().map(|l| shape(l.n_out())).collect(),
            // the batch buffers are made on first use: full-batch f64 training never needs them
            x: Array2::zeros((0, 0)),
            y: Array2::zeros((0, 0)),
            w: Vec::new(),
            grads: Gradients {
                layers: net
                    .layers()
                    .iter()
                    .map(|l| DenseGrad {
                        dw: Array2::zeros(l.w().raw_dim()),
                        db: Array1::zeros(l.b().raw_dim()),
                    })
                    .collect(),
            },
        }
    }

    /// Buffers for forward passes only (Z and A): no dZ, batch or gradient buffers, so
    /// backward passes must never see it. For prediction.
    pub(crate) fn forward_only(net: &Network, m: usize) -> Self {
        let shape = |n: usize| Array2::zeros((n, m));
        Workspace {
            m,
            n_x: 0,
            n_y: 0,
            z: net.layers().iter().map(|l| shape(l.n_out())).collect(),
            a: net.layers().iter().map(|l| shape(l.n_out())).collect(),
            dz: Vec::new(),
            x: Array2::zeros((0, 0)),
            y: Array2::zeros((0, 0)),
            w: Vec::new(),
            grads: Gradients { layers: Vec::new() },
        }
    }

    /// The batch size m these buffers hold.
    pub fn batch_size(&self) -> usize {
        self.m
    }

    /// The output A_L of the last forward pass.
    pub fn output(&self) -> ArrayView2<'_, T> {
        self.a[self.a.len() - 1].view()
    }

    /// The output layer's Z_L of the last forward pass.
    pub fn output_z(&self) -> ArrayView2<'_, T> {
        self.z[self.z.len() - 1].view()
    }

    /// Copies the columns `idx` of X and Y into the workspace's own batch buffers (a
    /// mini-batch, converted to `T`), for [`Workspace::forward_batch`] and
    /// [`Workspace::backward_batch`].
    ///
    /// # Panics
    /// If `idx` does not have the workspace's m entries or names a column X lacks.
    pub fn gather(&mut self, x: ArrayView2<f64>, y: ArrayView2<f64>, idx: &[usize]) {
        assert_eq!(idx.len(), self.m, "a batch of m columns");
        assert!(
            x.nrows() == self.n_x && y.nrows() == self.n_y,
            "X n_x rows, Y n_y rows"
        );
        self.batch_buffers();
        for (mut to, from) in self.x.rows_mut().into_iter().zip(x.rows()) {
            for (t, &j) in to.iter_mut().zip(idx) {
                *t = T::of(from[j]);
            }
        }
        for (mut to, from) in self.y.rows_mut().into_iter().zip(y.rows()) {
            for (t, &j) in to.iter_mut().zip(idx) {
                *t = T::of(from[j]);
            }
        }
    }

    /// Makes the batch buffers X (n_x × m) and Y (n_y × m) on first use.
    fn batch_buffers(&mut self) {
        if self.x.dim() != (self.n_x, self.m) {
            self.x = Array2::zeros((self.n_x, self.m));
        }
        if self.y.dim() != (self.n_y, self.m) {
            self.y = Array2::zeros((self.n_y, self.m));
        }
    }

    /// Copies the columns `r` of X and Y (converted to `T`) into the batch buffers.
    pub fn load_columns(&mut self, x: ArrayView2<f64>, y: ArrayView2<f64>, r: Range<usize>) {
        self.batch_buffers();
        self.x
            .zip_mut_with(&x.slice(s![.., r.clone()]), |t, &v| *t = T::of(v));
        self.y
            .zip_mut_with(&y.slice(s![.., r]), |t, &v| *t = T::of(v));
    }

    /// The cost J of the last forward pass against Y (n_y × m), with the fast kernels for the
    /// binary cross-entropy (the plain [`Loss::cost`], in f64, for the others).
    pub fn cost(&self, loss: Loss, y: ArrayView2<T>) -> f64 {
        let (z, a) = (self.output_z(), self.output());
        match (loss, z.as_slice(), y.as_slice()) {
            (Loss::BinaryCrossEntropy, Some(z), Some(y)) => T::bce_mean(z, y),
            _ => loss.cost(
                z.mapv(T::f64).view(),
                a.mapv(T::f64).view(),
                y.mapv(T::f64).view(),
            ),
        }
    }

    /// The weighted cost J = (1/m)·Σ_j w̃_j·L_j of the last forward pass against Y (n_y × m)
    /// and the sample weights w̃ (m), with the fast kernels for the binary cross-entropy (the
    /// plain [`Loss::weighted_cost`], in f64, for the others).
    pub fn weighted_cost(&self, loss: Loss, y: ArrayView2<T>, w: &[f64]) -> f64 {
        let (z, a) = (self.output_z(), self.output());
        match (loss, z.as_slice(), y.as_slice()) {
            (Loss::BinaryCrossEntropy, Some(z), Some(y)) => T::weighted_bce_mean(z, y, w),
            _ => loss.weighted_cost(
                z.mapv(T::f64).view(),
                a.mapv(T::f64).view(),
                y.mapv(T::f64).view(),
                w,
            ),
        }
    }

    /// Copies the entries `idx` of the sample weights w into the workspace's own buffer (the
    /// weights of a mini-batch); allocates only on first use.
    fn gather_weights(&mut self, w: &[f64], idx: &[usize]) {
        self.w.clear();
        self.w.reserve(self.m);
        self.w.extend(idx.iter().map(|&j| w[j]));
    }

    /// [`Workspace::cost`] against the labels of the last [`Workspace::gather`].
    pub fn batch_cost(&self, loss: Loss) -> f64 {
        self.cost(loss, self.y.view())
    }
}

/// The kernels a number type runs: each compiled for AVX-512, AVX2 and the baseline (see
/// `simd_dispatch`), in f64 and f32.
pub trait Kernels: Real + Native {
    /// One layer forward (see `layer_forward_body`).
    fn layer_forward(
        w: ArrayView2<'_, Self>,
        b: &[Self],
        act: Activation,
        input: ArrayView2<'_, Self>,
        z: &mut Array2<Self>,
        a: &mut Array2<Self>,
    );
    /// One layer backward (see `layer_backward_body`).
    fn layer_backward(
        w: ArrayView2<'_, Self>,
        dz: ArrayView2<'_, Self>,
        a_prev: ArrayView2<'_, Self>,
        grad: &mut DenseGrad<Self>,
        below: Option<Below<'_, Self>>,
    );
    /// (1/m)·Σ of the binary cross-entropy terms of a row of logits, in f64.
    fn bce_mean(z: &[Self], y: &[Self]) -> f64;
    /// (1/m)·Σ_j w_j·(term j) of the binary cross-entropy of a row of logits, in f64.
    fn weighted_bce_mean(z: &[Self], y: &[Self], w: &[f64]) -> f64;
    /// `sum ← share·g` (`first`) or `sum ← share·g + sum` (one rounding), element-wise in f64:
    /// one thread's part of a split batch's gradient.
    fn add_share(sum: &mut [f64], share: f64, g: &[Self], first: bool);
}

/// What f64 has natively and other types must copy or convert.
pub trait Native: Sized {
    /// The network itself as the parameter source, when it has this type (f64).
    fn network_params(net: &Network) -> Option<&dyn Params<Self>>;
    /// These gradients as f64 gradients, when they are (f64).
    fn as_f64(g: &mut Gradients<Self>) -> Option<&mut Gradients>;
    /// An f64 view as a view of this type, when it is (f64).
    fn cast_view(x: ArrayView2<'_, f64>) -> Option<ArrayView2<'_, Self>>;
}

impl Native for f64 {
    fn network_params(net: &Network) -> Option<&dyn Params<f64>> {
        Some(net)
    }
    fn as_f64(g: &mut Gradients) -> Option<&mut Gradients> {
        Some(g)
    }
    fn cast_view(x: ArrayView2<'_, f64>) -> Option<ArrayView2<'_, f64>> {
        Some(x)
    }
}

impl Native for f32 {
    fn network_params(_: &Network) -> Option<&dyn Params<f32>> {
        None
    }
    fn as_f64(_: &mut Gradients<f32>) -> Option<&mut Gradients> {
        None
    }
    fn cast_view(_: ArrayView2<'_, f64>) -> Option<ArrayView2<'_, f32>> {
        None
    }
}

macro_rules! kernels_for {
    ($t:ty, $fwd:ident, $bwd:ident, $bce:ident, $wbce:ident, $share:ident) => {
        simd_dispatch! {
            fn $share(sum: &mut [f64], share: f64, g: &[$t], first: bool) {
                if first {
                    for (s, v) in sum.iter_mut().zip(g) {
                        *s = share * v.f64();
                    }
                } else {
                    for (s, v) in sum.iter_mut().zip(g) {
                        *s = Real::mul_add(share, v.f64(), *s);
                    }
                }
            }
        }
        simd_dispatch! {
            fn $fwd(
                w: ArrayView2<'_, $t>,
                b: &[$t],
                act: Activation,
                input: ArrayView2<'_, $t>,
                z: &mut Array2<$t>,
                a: &mut Array2<$t>,
            ) {
                layer_forward_body(w, b, act, input, z, a)
            }
        }
        simd_dispatch! {
            fn $bwd(
                w: ArrayView2<'_, $t>,
                dz: ArrayView2<'_, $t>,
                a_prev: ArrayView2<'_, $t>,
                grad: &mut DenseGrad<$t>,
                below: Option<Below<'_, $t>>,
            ) {
                layer_backward_body(w, dz, a_prev, grad, below)
            }
        }
        simd_dispatch! {
            fn $bce(z: &[$t], y: &[$t]) -> f64 {
                real::bce_sum(z, y) / z.len().max(1) as f64
            }
        }
        simd_dispatch! {
            fn $wbce(z: &[$t], y: &[$t], w: &[f64]) -> f64 {
                real::weighted_bce_sum(z, y, w) / z.len().max(1) as f64
            }
        }
        impl Kernels for $t {
            fn layer_forward(
                w: ArrayView2<'_, Self>,
                b: &[Self],
                act: Activation,
                input: ArrayView2<'_, Self>,
                z: &mut Array2<Self>,
                a: &mut Array2<Self>,
            ) {
                $fwd(w, b, act, input, z, a)
            }
            fn layer_backward(
                w: ArrayView2<'_, Self>,
                dz: ArrayView2<'_, Self>,
                a_prev: ArrayView2<'_, Self>,
                grad: &mut DenseGrad<Self>,
                below: Option<Below<'_, Self>>,
            ) {
                $bwd(w, dz, a_prev, grad, below)
            }
            fn bce_mean(z: &[Self], y: &[Self]) -> f64 {
                $bce(z, y)
            }
            fn weighted_bce_mean(z: &[Self], y: &[Self], w: &[f64]) -> f64 {
                $wbce(z, y, w)
            }
            fn add_share(sum: &mut [f64], share: f64, g: &[Self], first: bool) {
                $share(sum, share, g, first)
            }
        }
    };
}

kernels_for!(
    f64,
    layer_forward_f64,
    layer_backward_f64,
    bce_mean_f64,
    weighted_bce_mean_f64,
    add_share_f64
);
kernels_for!(
    f32,
    layer_forward_f32,
    layer_backward_f32,
    bce_mean_f32,
    weighted_bce_mean_f32,
    add_share_f32
);

/// Row r of a view as a slice with the view's lifetime, when its elements are adjacent.
fn row_of<T>(v: ArrayView2<'_, T>, r: usize) -> Option<&'_ [T]> {
    v.index_axis_move(Axis(0), r).to_slice()
}

/// True when every row of `v` is contiguous (the small kernels work on row slices).
fn rows_contiguous<T>(v: ArrayView2<'_, T>) -> bool {
    v.ncols() <= 1 || v.strides()[1] == 1
}

/// Rows of two owned standard-layout matrices of the same shape (Z and A of a layer), in pairs.
#[inline(always)]
fn row_pairs<'a, T>(
    z: &'a Array2<T>,
    a: &'a Array2<T>,
) -> impl Iterator<Item = (&'a [T], &'a [T])> {
    let m = a.ncols().max(1);
    let zs = z.as_slice().unwrap_or_default().chunks_exact(m);
    zs.zip(a.as_slice().unwrap_or_default().chunks_exact(m))
}

/// `out_r· = Σ_t w(r, t) · rows_t·` for every row r of `out`, row-wise (the first term scaled,
/// the others added by axpy: vectorizes along the samples). The small products of both passes:
/// Z = W·A_prev forward (w(i, k) = W_ik), dA_prev = Wᵀ·dZ backward (w(k, i) = W_ik).
/// Inlined, so that it is compiled into each instruction set's build of its caller.
#[inline(always)]
fn row_products<T: Real>(
    out: &mut Array2<T>,
    rows: ArrayView2<'_, T>,
    w: impl Fn(usize, usize) -> T,
) {
    for (r, out_r) in rows_mut(out).enumerate() {
        for t in 0..rows.nrows() {
            if let Some(x) = row_of(rows, t) {
                if t == 0 {
                    real::scale_into(out_r, w(r, t), x);
                } else {
                    real::axpy(out_r, w(r, t), x);
                }
            }
        }
    }
}

/// Rows of an owned standard-layout (n × m) matrix as mutable slices.
fn rows_mut<T>(a: &mut Array2<T>) -> std::slice::ChunksExactMut<'_, T> {
    let m = a.ncols().max(1);
    a.as_slice_mut().unwrap_or_default().chunks_exact_mut(m)
}

/// One layer forward: `Z ← W·A_prev`, then `Z += b` and `A ← g(Z)` fused per row (softmax:
/// `A ← Z`, then each column normalized).
#[inline(always)]
fn layer_forward_body<T: Real>(
    w: ArrayView2<'_, T>,
    b: &[T],
    act: Activation,
    input: ArrayView2<'_, T>,
    z: &mut Array2<T>,
    a: &mut Array2<T>,
) {
    let (n, k) = w.dim();
    let small = small_layer(n, k) && rows_contiguous(input);
    let softmax = act == Activation::Softmax;
    act.with_g(LayerForward {
        w,
        b,
        input,
        z,
        a: &mut *a,
        small,
        one_pass: small && !softmax,
    });
    if softmax {
        softmax_columns_in_place(a);
    }
}

/// [`layer_forward_body`] once g is known: the arguments, and which kernels may run.
struct LayerForward<'a, T> {
    w: ArrayView2<'a, T>,
    b: &'a [T],
    input: ArrayView2<'a, T>,
    z: &'a mut Array2<T>,
    a: &'a mut Array2<T>,
    small: bool,
    one_pass: bool,
}

impl<T: Real> WithG for LayerForward<'_, T> {
    type Out = ();
    #[inline(always)]
    fn run<G: Elementwise>(self) {
        let LayerForward {
            w,
            b,
            input,
            z,
            a,
            small,
            one_pass,
        } = self;
        if one_pass {
            // up to 4 inputs: Z_i· = Σ_k W_ik · A_prev,k· + b_i and A_i· = g(Z_i·) in one pass
            let done = match w.ncols() {
                1 => affine_rows::<T, G, 1>(w, b, input, z, a),
                2 => affine_rows::<T, G, 2>(w, b, input, z, a),
                3 => affine_rows::<T, G, 3>(w, b, input, z, a),
                4 => affine_rows::<T, G, 4>(w, b, input, z, a),
                _ => false,
            };
            if done {
                return;
            }
        }
        if small {
            // Z_i· = Σ_k W_ik · A_prev,k·
            row_products(z, input, |i, kk| w[[i, kk]]);
        } else {
            general_mat_mul(T::one(), &w, &input, T::zero(), z);
        }
        for ((zr, ar), &bi) in rows_mut(z).zip(rows_mut(a)).zip(b) {
            kernels::bias_activate_row::<T, G>(zr, bi, ar);
        }
    }
}

/// The K input rows of a layer as slices (None unless all are contiguous).
#[inline(always)]
fn rows_of<T, const K: usize>(v: ArrayView2<'_, T>) -> Option<[&'_ [T]; K]> {
    let rows: [Option<&[T]>; K] = std::array::from_fn(|k| row_of(v, k));
    rows.iter()
        .all(Option::is_some)
        .then(|| rows.map(Option::unwrap_or_default))
}

/// The forward step of a small layer with K inputs, one pass per unit
/// ([`kernels::affine_activate_row`]); false (nothing done) if a row is not contiguous.
#[inline(always)]
fn affine_rows<T: Real, G: Elementwise, const K: usize>(
    w: ArrayView2<'_, T>,
    b: &[T],
    input: ArrayView2<'_, T>,
    z: &mut Array2<T>,
    a: &mut Array2<T>,
) -> bool {
    let Some(x) = rows_of::<T, K>(input) else {
        return false;
    };
    for (i, ((zr, ar), &bi)) in rows_mut(z).zip(rows_mut(a)).zip(b).enumerate() {
        let wi = std::array::from_fn(|k| w[[i, k]]);
        kernels::affine_activate_row::<T, G, K>(zr, ar, wi, x, bi);
    }
    true
}

/// `dW_i,k0+q ← (1/m)·d·A_prev,k0+qᵀ` for q < K ([`kernels::dots_and_sum`]); returns Σ d.
/// The rows of `a_prev` are contiguous (checked by the caller).
#[inline(always)]
fn dots_into<T: Real, const K: usize>(
    d: &[T],
    a_prev: ArrayView2<'_, T>,
    k0: usize,
    dw: &mut Array2<T>,
    i: usize,
    m: T,
) -> T {
    let p = std::array::from_fn(|q| row_of(a_prev, k0 + q).unwrap_or_default());
    let (dots, sum) = kernels::dots_and_sum::<T, K>(d, p);
    for (q, v) in dots.into_iter().enumerate() {
        dw[[i, k0 + q]] = v / m;
    }
    sum
}

/// The backward step into the layer below from a small layer with K units, one pass per unit
/// below ([`kernels::back_derivative_row`]); false (nothing done) if a row is not contiguous.
#[inline(always)]
fn back_rows<T: Real, G: Elementwise, const K: usize>(
    w: ArrayView2<'_, T>,
    dz: ArrayView2<'_, T>,
    dz_prev: &mut Array2<T>,
    z_prev: &Array2<T>,
    a_below: &Array2<T>,
) -> bool {
    let Some(d) = rows_of::<T, K>(dz) else {
        return false;
    };
    for (kk, (out, (zr, ar))) in rows_mut(dz_prev)
        .zip(row_pairs(z_prev, a_below))
        .enumerate()
    {
        let wk = std::array::from_fn(|i| w[[i, kk]]);
        kernels::back_derivative_row::<T, G, K>(out, wk, d, zr, ar);
    }
    true
}

/// The layer under the one going backward: its dZ buffer (to fill), its Z and A, and its g.
pub type Below<'a, T> = (&'a mut Array2<T>, &'a Array2<T>, &'a Array2<T>, Activation);

/// One layer backward, given its dZ: `dW = (1/m)·dZ·A_prevᵀ`, `db = (1/m)·Σ dZ`, and when
/// `below` is given (the layer under it: its dZ buffer, Z, A and g), `dZ_prev = Wᵀ·dZ ⊙
/// g'(Z_prev)` fused per row.
#[inline(always)]
fn layer_backward_body<T: Real>(
    w: ArrayView2<'_, T>,
    dz: ArrayView2<'_, T>,
    a_prev: ArrayView2<'_, T>,
    grad: &mut DenseGrad<T>,
    below: Option<Below<'_, T>>,
) {
    let (n, k) = w.dim();
    let m = T::of(dz.ncols() as f64);
    let small = small_layer(n, k) && rows_contiguous(a_prev) && rows_contiguous(dz);
    if small {
        // dW_ik = (1/m)·Σ_j dZ_ij·A_prev,kj  and  db_i = (1/m)·Σ_j dZ_ij: dot products of
        // rows, four A_prev rows (and the sum) per pass over a row of dZ
        for i in 0..n {
            let d = row_of(dz, i).unwrap_or_default();
            for k0 in (0..k).step_by(4) {
                let sum = match k - k0 {
                    1 => dots_into::<T, 1>(d, a_prev, k0, &mut grad.dw, i, m),
                    2 => dots_into::<T, 2>(d, a_prev, k0, &mut grad.dw, i, m),
                    3 => dots_into::<T, 3>(d, a_prev, k0, &mut grad.dw, i, m),
                    _ => dots_into::<T, 4>(d, a_prev, k0, &mut grad.dw, i, m),
                };
                if k0 == 0 {
                    grad.db[i] = sum / m;
                }
            }
        }
    } else {
        general_mat_mul(T::one(), &dz, &a_prev.t(), T::zero(), &mut grad.dw);
        grad.dw.mapv_inplace(|v| v / m);
        for (i, db) in grad.db.iter_mut().enumerate() {
            *db = match row_of(dz, i) {
                Some(d) => real::sum(d) / m,
                None => dz.row(i).sum() / m,
            };
        }
    }
    let Some((dz_prev, z_prev, a_below, g)) = below else {
        return;
    };
    g.with_g(LayerBackwardInput {
        w,
        dz,
        dz_prev,
        z_prev,
        a_below,
        small,
    });
}

/// The last step of [`layer_backward_body`] once the g of the layer below is known:
/// `dZ_prev = Wᵀ·dZ ⊙ g'(Z_prev)`.
struct LayerBackwardInput<'a, T> {
    w: ArrayView2<'a, T>,
    dz: ArrayView2<'a, T>,
    dz_prev: &'a mut Array2<T>,
    z_prev: &'a Array2<T>,
    a_below: &'a Array2<T>,
    small: bool,
}

impl<T: Real> WithG for LayerBackwardInput<'_, T> {
    type Out = ();
    #[inline(always)]
    fn run<G: Elementwise>(self) {
        let LayerBackwardInput {
            w,
            dz,
            dz_prev,
            z_prev,
            a_below,
            small,
        } = self;
        if small {
            // up to 4 units: dZ_prev,k· = (Σ_i W_ik · dZ_i·) ⊙ g'(Z_prev,k·) in one pass
            let done = match w.nrows() {
                1 => back_rows::<T, G, 1>(w, dz, &mut *dz_prev, z_prev, a_below),
                2 => back_rows::<T, G, 2>(w, dz, &mut *dz_prev, z_prev, a_below),
                3 => back_rows::<T, G, 3>(w, dz, &mut *dz_prev, z_prev, a_below),
                4 => back_rows::<T, G, 4>(w, dz, &mut *dz_prev, z_prev, a_below),
                _ => false,
            };
            if done {
                return;
            }
            // dA_prev,k· = Σ_i W_ik · dZ_i·
            row_products(dz_prev, dz, |kk, i| w[[i, kk]]);
        } else {
            general_mat_mul(T::one(), &w.t(), &dz, T::zero(), dz_prev);
        }
        for (d, (zr, ar)) in rows_mut(dz_prev).zip(row_pairs(z_prev, a_below)) {
            kernels::times_derivative_row::<T, G>(d, zr, ar);
        }
    }
}

/// Where the layers' parameters come from: the f64 network itself, or an f32 copy of it.
pub trait Params<T>: Sync {
    /// Number of layers.
    fn n_layers(&self) -> usize;
    /// Layer l's W (n_out × n_in), b (n_out) and activation.
    fn layer(&self, l: usize) -> (ArrayView2<'_, T>, &[T], Activation);
}

impl Params<f64> for Network {
    fn n_layers(&self) -> usize {
        self.layers().len()
    }
    fn layer(&self, l: usize) -> (ArrayView2<'_, f64>, &[f64], Activation) {
        let layer = &self.layers()[l];
        (
            layer.w().view(),
            layer.b().as_slice().unwrap_or_default(),
            layer.activation(),
        )
    }
}

/// A copy of a network's parameters in another number type (f32 for `--precision f32`).
#[derive(Debug, Clone)]
pub struct ParamCopy<T> {
    layers: Vec<(Array2<T>, Array1<T>, Activation)>,
}

impl<T: Real> ParamCopy<T> {
    /// The parameters of `net`, converted to `T`.
    pub fn of(net: &Network) -> Self {
        ParamCopy {
            layers: net
                .layers()
                .iter()
                .map(|l| (l.w().mapv(T::of), l.b().mapv(T::of), l.activation()))
                .collect(),
        }
    }

    /// Refreshes the copy from `net` (same shapes), allocating nothing.
    pub fn load(&mut self, net: &Network) {
        for ((w, b, _), l) in self.layers.iter_mut().zip(net.layers()) {
            w.zip_mut_with(l.w(), |t, &v| *t = T::of(v));
            b.zip_mut_with(l.b(), |t, &v| *t = T::of(v));
        }
    }
}

impl<T: Real> Params<T> for ParamCopy<T> {
    fn n_layers(&self) -> usize {
        self.layers.len()
    }
    fn layer(&self, l: usize) -> (ArrayView2<'_, T>, &[T], Activation) {
        let (w, b, act) = &self.layers[l];
        (w.view(), b.as_slice().unwrap_or_default(), *act)
    }
}

/// Forward through every layer into the Z and A buffers.
fn forward_layers<T: Kernels>(
    params: &dyn Params<T>,
    x: ArrayView2<'_, T>,
    z: &mut [Array2<T>],
    a: &mut [Array2<T>],
) {
    for l in 0..params.n_layers() {
        let (w, b, act) = params.layer(l);
        let (done, rest) = a.split_at_mut(l);
        let input = if l == 0 { x } else { done[l - 1].view() };
        T::layer_forward(w, b, act, input, &mut z[l], &mut rest[0]);
    }
}

/// Backward through every layer, from `dZ_L = A_L − Y` (times the sample weights w̃, column
/// by column, when given), into the gradients.
#[allow(clippy::too_many_arguments)]
fn backward_layers<T: Kernels>(
    params: &dyn Params<T>,
    x: ArrayView2<'_, T>,
    y: ArrayView2<'_, T>,
    w: Option<&[f64]>,
    z: &[Array2<T>],
    a: &[Array2<T>],
    dz: &mut [Array2<T>],
    grads: &mut Gradients<T>,
) {
    let n = params.n_layers();
    // dZ_L = A_L − Y
    loss::output_delta_into(a[n - 1].view(), y, &mut dz[n - 1]);
    if let Some(w) = w {
        // dZ_L = (A_L − Y) ⊙ w̃
        loss::weight_columns(&mut dz[n - 1], w);
    }
    for l in (0..n).rev() {
        let a_prev = if l == 0 { x } else { a[l - 1].view() };
        let (below, here) = dz.split_at_mut(l);
        let under = if l > 0 {
            Some((
                &mut below[l - 1],
                &z[l - 1],
                &a[l - 1],
                params.layer(l - 1).2,
            ))
        } else {
            None
        };
        T::layer_backward(
            params.layer(l).0,
            here[0].view(),
            a_prev,
            &mut grads.layers[l],
            under,
        );
    }
}

impl Workspace {
    /// [`Network::forward`] into these buffers. X is (n_x × m) with this workspace's m.
    ///
    /// # Panics
    /// If X is not (n_x × m).
    pub fn forward(&mut self, net: &Network, x: ArrayView2<f64>) {
        assert_eq!(x.dim(), (net.n_inputs(), self.m), "X must be n_x × m");
        forward_layers(net, x, &mut self.z, &mut self.a);
    }

    /// [`Network::backward`] into [`Workspace::grads`]; needs the [`Workspace::forward`] of
    /// the same X just before.
    ///
    /// # Panics
    /// If X is not (n_x × m) or Y not (n_y × m), or for a forward-only workspace.
    pub fn backward(&mut self, net: &Network, x: ArrayView2<f64>, y: ArrayView2<f64>) {
        assert_eq!(x.dim(), (net.n_inputs(), self.m), "X must be n_x × m");
        assert_eq!(y.dim(), (net.n_outputs(), self.m), "Y must be n_y × m");
        assert_eq!(
            self.dz.len(),
            net.layers().len(),
            "a forward-only workspace"
        );
        backward_layers(
            net,
            x,
            y,
            None,
            &self.z,
            &self.a,
            &mut self.dz,
            &mut self.grads,
        );
    }

    /// [`Workspace::forward`] on the mini-batch of the last [`Workspace::gather`].
    pub fn forward_batch(&mut self, net: &Network) {
        assert_eq!(
            self.x.dim(),
            (net.n_inputs(), self.m),
            "gather a batch first"
        );
        forward_layers(net, self.x.view(), &mut self.z, &mut self.a);
    }

    /// [`Workspace::backward`] on the mini-batch of the last [`Workspace::gather`].
    pub fn backward_batch(&mut self, net: &Network) {
        assert_eq!(
            self.x.dim(),
            (net.n_inputs(), self.m),
            "gather a batch first"
        );
        assert_eq!(
            self.dz.len(),
            net.layers().len(),
            "a forward-only workspace"
        );
        backward_layers(
            net,
            self.x.view(),
            self.y.view(),
            None,
            &self.z,
            &self.a,
            &mut self.dz,
            &mut self.grads,
        );
    }
}

/// One batch split by columns over threads: a [`Workspace`] per thread (a contiguous range of
/// the batch's samples each) and the gradients they sum to, `∇ = Σ_t (m_t/m)·∇_t` in thread
/// order, in f64. With one thread (every small batch, see `parallel::threads_for`) and f64 it is
/// exactly the plain workspace. With `T = f32` it computes in f32 from a copy of the
/// parameters refreshed before every step.
#[derive(Debug)]
pub struct Split<T = f64> {
    m: usize,
    parts: Vec<Workspace<T>>,
    ranges: Vec<Range<usize>>,
    sum: Gradients,
    copy: Option<ParamCopy<T>>,
}

impl Split {
    /// f64 buffers for `net` on batches of `m` samples, over as many threads as pay
    /// ([`crate::parallel::threads_for`]).
    pub fn new(net: &Network, m: usize) -> Self {
        Split::for_network(net, m)
    }
}

impl<T: Kernels> Split<T> {
    /// Buffers of type `T` for `net` on batches of `m` samples, over as many threads as pay.
    pub fn for_network(net: &Network, m: usize) -> Self {
        let threads = parallel::threads_for(m.saturating_mul(net.n_parameters()), m);
        let ranges = parallel::ranges(m, threads);
        let parts: Vec<Workspace<T>> = ranges
            .iter()
            .map(|r| Workspace::for_network(net, r.len()))
            .collect();
        let sum = Workspace::<f64>::for_network(net, 0).grads;
        let copy = T::network_params(net).is_none().then(|| ParamCopy::of(net));
        Split {
            m,
            parts,
            ranges,
            sum,
            copy,
        }
    }

    /// The batch size m these buffers hold.
    pub fn batch_size(&self) -> usize {
        self.m
    }

    /// How many threads share each batch.
    pub fn threads(&self) -> usize {
        self.parts.len()
    }

    /// The f64 gradients of the last [`Split::step`].
    pub fn grads(&self) -> &Gradients {
        &self.sum
    }

    /// The f64 gradients of the last [`Split::step`], to add a penalty's gradient to.
    pub fn grads_mut(&mut self) -> &mut Gradients {
        &mut self.sum
    }

    /// Forward, cost and backward on the columns `idx` of (X, Y) and the sample weights w
    /// (a mini-batch of m samples) or, with `None`, on all m columns. Returns the cost J
    /// (weighted, `(1/m)·Σ w̃·L`, with weights); the gradients are in [`Split::grads`].
    pub fn step(
        &mut self,
        net: &Network,
        x: ArrayView2<f64>,
        y: ArrayView2<f64>,
        w: Option<&[f64]>,
        idx: Option<&[usize]>,
    ) -> f64 {
        if let Some(copy) = &mut self.copy {
            copy.load(net);
        }
        let params: &dyn Params<T> = match (&self.copy, T::network_params(net)) {
            (Some(copy), _) => copy,
            (None, Some(native)) => native,
            (None, None) => return f64::NAN, // unreachable: a copy exists for every non-f64 T
        };
        if let ([ws], [r]) = (self.parts.as_mut_slice(), self.ranges.as_slice()) {
            let cost = run_part(params, net.loss(), (x, y, w), idx, r.clone(), ws);
            match T::as_f64(&mut ws.grads) {
                // one f64 part: its gradients are the result; swap instead of copying
                Some(g) => std::mem::swap(g, &mut self.sum),
                None => convert_into(&ws.grads, &mut self.sum),
            }
            return cost;
        }
        let loss = net.loss();
        let jobs: Vec<_> = self.parts.iter_mut().zip(&self.ranges).collect();
        let costs = parallel::map_ordered(jobs, |(ws, r)| {
            run_part(params, loss, (x, y, w), idx, r.clone(), ws)
        });
        let m = self.m as f64;
        let mut cost = 0.0;
        for (p, (ws, r)) in self.parts.iter().zip(&self.ranges).enumerate() {
            let share = r.len() as f64 / m;
            cost += share * costs[p];
            // dispatched: outside the SIMD kernels, mul_add would be a libm call per element
            // (timings: bench/README.md, "Design notes")
            for (sum, g) in self.sum.layers.iter_mut().zip(&ws.grads.layers) {
                add_share_to(&mut sum.dw, share, &g.dw, p == 0);
                add_share_to(&mut sum.db, share, &g.db, p == 0);
            }
        }
        cost
    }
}

/// `sum ← share·g` (`first`) or `sum ← share·g + sum`: [`Kernels::add_share`] on contiguous
/// arrays (always, for buffers made here), element by element otherwise.
fn add_share_to<T: Kernels, D: ndarray::Dimension>(
    sum: &mut ndarray::Array<f64, D>,
    share: f64,
    g: &ndarray::Array<T, D>,
    first: bool,
) {
    if let (Some(s), Some(gs)) = (sum.as_slice_mut(), g.as_slice()) {
        T::add_share(s, share, gs, first);
    } else if first {
        sum.zip_mut_with(g, |s, &v| *s = share * v.f64());
    } else {
        sum.zip_mut_with(g, |s, &v| *s = Real::mul_add(share, v.f64(), *s));
    }
}

/// `to ← from` converted to f64, same shapes.
fn convert_into<T: Real>(from: &Gradients<T>, to: &mut Gradients) {
    for (t, f) in to.layers.iter_mut().zip(&from.layers) {
        t.dw.zip_mut_with(&f.dw, |t, &v| *t = v.f64());
        t.db.zip_mut_with(&f.db, |t, &v| *t = v.f64());
    }
}

/// X (n_x × m), Y (n_y × m) and the sample weights (m), if any, of a batch.
type Columns<'a> = (ArrayView2<'a, f64>, ArrayView2<'a, f64>, Option<&'a [f64]>);

/// One thread's part of [`Split::step`]: forward, cost, backward on the columns `r` of the
/// batch (`idx[r]` of X, Y and w for a mini-batch), in `T`.
fn run_part<T: Kernels>(
    params: &dyn Params<T>,
    loss: Loss,
    (x, y, w): Columns<'_>,
    idx: Option<&[usize]>,
    r: Range<usize>,
    ws: &mut Workspace<T>,
) -> f64 {
    if let (Some(w), Some(idx)) = (w, idx) {
        ws.gather_weights(w, &idx[r.clone()]);
    }
    let part = r.clone();
    let (xs, ys) = match (idx, T::cast_view(x), T::cast_view(y)) {
        // the full batch in f64: the columns r of X and Y themselves, no copy
        (None, Some(x), Some(y)) => (x.slice_move(s![.., r.clone()]), y.slice_move(s![.., r])),
        (Some(idx), _, _) => {
            ws.gather(x, y, &idx[r]);
            (ws.x.view(), ws.y.view())
        }
        (None, _, _) => {
            ws.load_columns(x, y, r);
            (ws.x.view(), ws.y.view())
        }
    };
    // the part's sample weights: its slice of w, or the gathered ones of a mini-batch
    let w = match (w, idx) {
        (None, _) => None,
        (Some(w), None) => Some(&w[part]),
        (Some(_), Some(_)) => Some(ws.w.as_slice()),
    };
    forward_layers(params, xs, &mut ws.z, &mut ws.a);
    let cost = match w {
        None => ws.cost(loss, ys),
        Some(w) => ws.weighted_cost(loss, ys, w),
    };
    backward_layers(params, xs, ys, w, &ws.z, &ws.a, &mut ws.dz, &mut ws.grads);
    cost
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::{Init, LayerSizes};
    use rand::{RngExt, SeedableRng};

    /// Every dW and db of `b` within `rel`·max(|a|, `floor`) of `a`'s.
    fn assert_grads_close<T: Real>(a: &Gradients, b: &Gradients<T>, rel: f64, floor: f64) {
        for (g, h) in a.layers.iter().zip(&b.layers) {
            let (ga, hb) = (
                g.dw.iter().chain(g.db.iter()),
                h.dw.iter().chain(h.db.iter()),
            );
            for (p, q) in ga.zip(hb) {
                let q = q.f64();
                assert!((p - q).abs() <= rel * p.abs().max(floor), "{p} vs {q}");
            }
        }
    }

    fn check(hidden: Vec<usize>, m: usize, transposed_input: bool) {
        let mut rng = crate::Rng::seed_from_u64(8);
        for (output, n_y) in [
            (Activation::Sigmoid, 1),
            (Activation::Softmax, 3),
            (Activation::Identity, 1),
        ] {
            for act in crate::nn::activation::ALL_ACTIVATIONS {
                let sizes = LayerSizes {
                    n_x: 3,
                    n_h: hidden.clone(),
                    n_y,
                };
                let net = Network::init(&sizes, act, output, Init::Xavier, &mut rng).unwrap();
                let x = if transposed_input {
                    Array2::from_shape_fn((m, 3), |_| rng.random_range(-2.0..2.0)).reversed_axes()
                } else {
                    Array2::from_shape_fn((3, m), |_| rng.random_range(-2.0..2.0))
                };
                let y = Array2::from_shape_fn((n_y, m), |(i, j)| {
                    f64::from(u8::from((i + j) % n_y == 0))
                });
                let cache = net.forward(x.view());
                let grads = net.backward(&cache, y.view());
                let mut ws = Workspace::new(&net, m);
                ws.forward(&net, x.view());
                ws.backward(&net, x.view(), y.view());
                for (c, a) in cache.output().iter().zip(ws.output().iter()) {
                    assert!((c - a).abs() <= 1e-14 * c.abs().max(1.0), "{c} vs {a}");
                }
                let plain = net.cost(&cache, y.view());
                let fast = ws.cost(net.loss(), y.view());
                assert!((plain - fast).abs() <= 1e-14 * plain.abs().max(1.0));
                assert_grads_close(&grads, &ws.grads, 1e-13, 1e-3);
                // a gathered mini-batch of every column, in order, gives the same numbers
                let idx: Vec<usize> = (0..m).collect();
                let mut wb = Workspace::new(&net, m);
                wb.gather(x.view(), y.view(), &idx);
                wb.forward_batch(&net);
                wb.backward_batch(&net);
                if transposed_input {
                    // the gathered copy has contiguous rows: small kernels, other rounding
                    assert!(
                        (wb.batch_cost(net.loss()) - fast).abs() <= 1e-14 * fast.abs().max(1.0)
                    );
                } else {
                    assert_eq!(wb.grads, ws.grads);
                    assert_eq!(wb.batch_cost(net.loss()), fast);
                }
            }
        }
    }

    #[test]
    fn small_kernels_agree_with_the_plain_passes() {
        check(vec![5, 4], 9, false);
        check(vec![4], 320, false);
    }

    #[test]
    fn gemm_path_agrees_with_the_plain_passes() {
        // 3-100-90 has layers of 300 and 9,000 weights: GEMM for those, small for the output
        check(vec![100, 90], 37, false);
    }

    #[test]
    fn training_is_bit_identical_on_every_instruction_set() {
        use crate::train::{Stream, TrainConfig, rng};
        use std::sync::atomic::Ordering;
        let data = crate::data::synth::flower(400, &mut rng(1, Stream::Data)).unwrap();
        let (x, y) = (data.x.view(), data.y());
        let run = |batch| {
            let cfg = TrainConfig {
                batch_size: batch,
                ..TrainConfig::default().epochs(300)
            };
            cfg.fit(x, y.view(), |_| std::ops::ControlFlow::Continue(()))
                .unwrap()
        };
        for batch in [None, Some(64)] {
            let fast = run(batch);
            super::kernels::BASELINE_ONLY.store(true, Ordering::Relaxed);
            let baseline = run(batch);
            super::kernels::BASELINE_ONLY.store(false, Ordering::Relaxed);
            assert_eq!(fast.network, baseline.network);
            assert_eq!(fast.history, baseline.history);
        }
    }

    #[test]
    fn a_batch_split_over_threads_sums_to_the_whole() {
        let mut rng = crate::Rng::seed_from_u64(9);
        let sizes = LayerSizes {
            n_x: 3,
            n_h: vec![300],
            n_y: 1,
        };
        let net = Network::init(
            &sizes,
            Activation::Tanh,
            Activation::Sigmoid,
            Init::Xavier,
            &mut rng,
        )
        .unwrap();
        let m = 4001;
        let x = Array2::from_shape_fn((3, m), |_| rng.random_range(-2.0..2.0));
        let y = Array2::from_shape_fn((1, m), |(_, j)| f64::from(u8::from(j % 3 == 0)));
        let cache = net.forward(x.view());
        let plain = net.backward(&cache, y.view());
        let plain_cost = net.cost(&cache, y.view());
        crate::parallel::set_threads(3);
        let mut split = Split::new(&net, m);
        assert!(
            split.threads() > 1,
            "4001 × 1501 multiply-adds should split"
        );
        let cost = split.step(&net, x.view(), y.view(), None, None);
        let idx: Vec<usize> = (0..m).rev().collect();
        let cost_rev = split.step(&net, x.view(), y.view(), None, Some(&idx));
        assert!((cost - plain_cost).abs() < 1e-13);
        assert!((cost_rev - plain_cost).abs() < 1e-13);
        assert_grads_close(&plain, split.grads(), 1e-13, 1e-3);
        // with sample weights: each thread weighs its own columns (a slice, or the gathered
        // weights of a mini-batch), and the parts still sum to the weighted whole
        let w: Vec<f64> = (0..m).map(|j| (j % 7) as f64 / 3.0).collect();
        let weighted = net.weighted_backward(&cache, y.view(), &w);
        let weighted_cost = net.weighted_cost(&cache, y.view(), &w);
        let cost = split.step(&net, x.view(), y.view(), Some(&w), None);
        assert!((cost - weighted_cost).abs() < 1e-13);
        assert_grads_close(&weighted, split.grads(), 1e-13, 1e-3);
        let cost_rev = split.step(&net, x.view(), y.view(), Some(&w), Some(&idx));
        crate::parallel::set_threads(0);
        assert!((cost_rev - weighted_cost).abs() < 1e-13);
        assert_grads_close(&weighted, split.grads(), 1e-13, 1e-3);
    }

    #[test]
    fn f32_split_agrees_with_the_f64_reference_to_single_precision() {
        let mut rng = crate::Rng::seed_from_u64(10);
        for hidden in [vec![4], vec![40, 30]] {
            let sizes = LayerSizes {
                n_x: 3,
                n_h: hidden,
                n_y: 1,
            };
            let net = Network::init(
                &sizes,
                Activation::Tanh,
                Activation::Sigmoid,
                Init::Xavier,
                &mut rng,
            )
            .unwrap();
            let m = 300;
            let x = Array2::from_shape_fn((3, m), |_| rng.random_range(-2.0..2.0));
            let y = Array2::from_shape_fn((1, m), |(_, j)| f64::from(u8::from(j % 3 == 0)));
            let cache = net.forward(x.view());
            let plain = net.backward(&cache, y.view());
            let plain_cost = net.cost(&cache, y.view());
            let idx: Vec<usize> = (0..m).collect();
            for batch in [None, Some(idx.as_slice())] {
                let mut split: Split<f32> = Split::for_network(&net, m);
                let cost = split.step(&net, x.view(), y.view(), None, batch);
                assert!((cost - plain_cost).abs() < 1e-6, "{cost} vs {plain_cost}");
                assert_grads_close(&plain, split.grads(), 1e-5, 1e-2);
            }
        }
    }

    #[test]
    fn inputs_with_strided_rows_take_the_general_path() {
        check(vec![5], 11, true);
    }
}
