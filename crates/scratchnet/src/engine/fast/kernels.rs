//! The fast engine's row kernels: fused bias + activation, fused derivative, and the small
//! matrix products of the tutorial's sizes, all on contiguous rows, compiled for AVX-512, AVX2
//! and the baseline.
//!
//! They are built from the one definition of each activation ([`Elementwise`]: g and g′) and
//! the fixed-order sums of [`crate::nn::real`], so they compute what the reference engine
//! computes; the tests below check the one-pass kernels against the passes they replace, bit
//! for bit. The loops must be loops over slices: the compiler's loop vectorizer handles them
//! well, while fixed-size arrays of lanes go to its SLP vectorizer, which made a fused 8-sample
//! step slower (bench/README.md, "Design notes").
//!
//! Reproducibility: every multiply-add is an explicit fused one (`mul_add`) and every sum has a
//! fixed order, so the results are bit-identical whichever instruction set runs them. (The
//! baseline build computes `mul_add` in software where the CPU lacks FMA, as x86-64 CPUs before
//! 2013 do: correct, but slow.)

use crate::nn::activation::Elementwise;
use crate::nn::real::{Real, sigmoid, tanh, tree8};

/// Runs the body compiled for AVX-512 or AVX2 (each with FMA) when the CPU has them, else the
/// baseline build. The body is the same code: only the width of the vectors differs, never the
/// arithmetic.
macro_rules! simd_dispatch {
    ($(#[$meta:meta])* $vis:vis fn $name:ident($($arg:ident : $ty:ty),* $(,)?) $(-> $ret:ty)? $body:block) => {
        $(#[$meta])*
        $vis fn $name($($arg: $ty),*) $(-> $ret)? {
            #[inline(always)]
            fn body($($arg: $ty),*) $(-> $ret)? $body
            #[cfg(target_arch = "x86_64")]
            if !$crate::engine::fast::kernels::BASELINE_ONLY.load(std::sync::atomic::Ordering::Relaxed) {
                #[target_feature(enable = "avx512f,fma")]
                unsafe fn avx512($($arg: $ty),*) $(-> $ret)? {
                    body($($arg),*)
                }
                if std::is_x86_feature_detected!("avx512f") && std::is_x86_feature_detected!("fma") {
                    // SAFETY: the CPU has AVX-512F and FMA, checked on the line above.
                    return unsafe { avx512($($arg),*) };
                }
                #[target_feature(enable = "avx2,fma")]
                unsafe fn avx2($($arg: $ty),*) $(-> $ret)? {
                    body($($arg),*)
                }
                if std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma") {
                    // SAFETY: the CPU has AVX2 and FMA, checked on the line above.
                    return unsafe { avx2($($arg),*) };
                }
            }
            body($($arg),*)
        }
    };
}

pub(crate) use simd_dispatch;

/// When set, every dispatched kernel runs its baseline build (for tests that check the builds
/// agree bit for bit). Only x86-64 has other builds to dispatch to.
#[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
pub(crate) static BASELINE_ONLY: std::sync::atomic::AtomicBool =
    std::sync::atomic::AtomicBool::new(false);

/// `([Σ_j d_j·p_k,j for each k], Σ_j d_j)`: K dot products of one row with K others and the
/// row's sum, in one pass. Each is bit for bit [`dot`] / [`sum`] (the same 8 partial sums in
/// the same order), but the K + 1 sums advance together, so the pass runs at the speed of the
/// multiply-adds instead of waiting on one chain of additions (the tutorial's backward pass
/// had 17 such chains; timings: bench/README.md, "Design notes").
#[inline(always)]
pub fn dots_and_sum<T: Real, const K: usize>(d: &[T], p: [&[T]; K]) -> ([T; K], T) {
    let (p, n) = cut(p, d.len());
    let d = &d[..n];
    let mut acc = [[T::zero(); 8]; K];
    let mut acc_s = [T::zero(); 8];
    let full = n / 8 * 8;
    for (c, dc) in d[..full].chunks_exact(8).enumerate() {
        let j0 = c * 8;
        for k in 0..K {
            let pk = &p[k][j0..j0 + 8];
            for l in 0..8 {
                acc[k][l] = dc[l].mul_add(pk[l], acc[k][l]);
            }
        }
        for l in 0..8 {
            acc_s[l] = acc_s[l] + dc[l];
        }
    }
    for (l, j) in (full..n).enumerate() {
        for k in 0..K {
            acc[k][l] = d[j].mul_add(p[k][j], acc[k][l]);
        }
        acc_s[l] = acc_s[l] + d[j];
    }
    (acc.map(tree8), tree8(acc_s))
}

/// `row ← row + b`, then `out ← g(row)`: the bias and the activation in one pass over a row of
/// Z (element-wise activations only; softmax is per column and done by the caller).
#[inline(always)]
pub fn bias_activate_row<T: Real, G: Elementwise>(z: &mut [T], b: T, out: &mut [T]) {
    let n = z.len().min(out.len());
    for (z, a) in z[..n].iter_mut().zip(out[..n].iter_mut()) {
        *z = *z + b;
        *a = G::g(*z);
    }
}

/// `d ← d ⊙ g'(z)` along a row, with a = g(z) (tanh: 1 − a², σ: a(1 − a)).
#[inline(always)]
pub fn times_derivative_row<T: Real, G: Elementwise>(d: &mut [T], z: &[T], a: &[T]) {
    let n = d.len().min(z.len()).min(a.len());
    for ((d, z), a) in d[..n].iter_mut().zip(&z[..n]).zip(&a[..n]) {
        *d = *d * G::slope(*z, *a);
    }
}

/// `Σ_k w_k·x_k[j]` as `w_0·x_0[j]`, then `+ w_k·x_k[j]` fused for k = 1…K−1: the order of
/// `scale_into` followed by K − 1 `axpy` passes, element by element.
#[inline(always)]
fn combine<T: Real, const K: usize>(w: &[T; K], x: &[&[T]; K], j: usize) -> T {
    let mut s = w[0] * x[0][j];
    for k in 1..K {
        s = w[k].mul_add(x[k][j], s);
    }
    s
}

/// The K input rows cut to the length `n` they all share with the output rows.
#[inline(always)]
fn cut<T, const K: usize>(x: [&[T]; K], n: usize) -> ([&[T]; K], usize) {
    let n = x.iter().fold(n, |n, r| n.min(r.len()));
    (x.map(|r| &r[..n]), n)
}

/// `z ← Σ_k w_k·x_k + b`, then `a ← g(z)`, along a row in one pass (K input rows): the
/// forward step of a layer with K inputs, for one unit. The same operations in the same order
/// as [`scale_into`](crate::nn::real::scale_into), K − 1 [`axpy`](crate::nn::real::axpy) and
/// [`bias_activate_row`], so the same bits, without writing and reading Z K + 1 times.
#[inline(always)]
pub fn affine_activate_row<T: Real, G: Elementwise, const K: usize>(
    z: &mut [T],
    a: &mut [T],
    w: [T; K],
    x: [&[T]; K],
    b: T,
) {
    let (x, n) = cut(x, z.len().min(a.len()));
    let (z, a) = (&mut z[..n], &mut a[..n]);
    for j in 0..n {
        let v = combine(&w, &x, j) + b;
        z[j] = v;
        a[j] = G::g(v);
    }
}

/// `d ← (Σ_i w_i·dz_i) ⊙ g'(z)` along a row in one pass (K rows dz_i of the layer above): the
/// backward step into one unit of the layer below. The same operations in the same order as
/// `scale_into`, K − 1 `axpy` and [`times_derivative_row`].
#[inline(always)]
pub fn back_derivative_row<T: Real, G: Elementwise, const K: usize>(
    d: &mut [T],
    w: [T; K],
    dz: [&[T]; K],
    z: &[T],
    a: &[T],
) {
    let (dz, n) = cut(dz, d.len().min(z.len()).min(a.len()));
    let (d, z, a) = (&mut d[..n], &z[..n], &a[..n]);
    for j in 0..n {
        d[j] = combine(&w, &dz, j) * G::slope(z[j], a[j]);
    }
}

simd_dispatch! {
    /// `a ← tanh(z)` for a whole slice, vectorized (the slice form of `nn::real::tanh`).
    pub fn tanh_slice(z: &[f64], a: &mut [f64]) {
        for (a, z) in a.iter_mut().zip(z) {
            *a = tanh(*z);
        }
    }
}

simd_dispatch! {
    /// `a ← σ(z)` for a whole slice, vectorized (the slice form of `nn::real::sigmoid`).
    pub fn sigmoid_slice(z: &[f64], a: &mut [f64]) {
        for (a, z) in a.iter_mut().zip(z) {
            *a = sigmoid(*z);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::Activation;
    use crate::nn::activation::WithG;
    use crate::nn::real::{axpy, dot, scale_into, sum};
    use rand::{RngExt, SeedableRng};

    #[test]
    fn slice_kernels_match_the_scalar_ones_exactly() {
        let z: Vec<f64> = (0..1003).map(|i| f64::from(i) / 50.0 - 10.0).collect();
        let mut a = vec![0.0; z.len()];
        tanh_slice(&z, &mut a);
        assert!(z.iter().zip(&a).all(|(z, a)| tanh(*z) == *a));
        sigmoid_slice(&z, &mut a);
        assert!(z.iter().zip(&a).all(|(z, a)| sigmoid(*z) == *a));
    }

    #[test]
    fn every_instruction_set_gives_the_same_bits() {
        use std::sync::atomic::Ordering;
        let z: Vec<f64> = (0..1003).map(|i| f64::from(i) / 37.0 - 13.0).collect();
        let (mut fast_t, mut fast_s) = (vec![0.0; z.len()], vec![0.0; z.len()]);
        tanh_slice(&z, &mut fast_t);
        sigmoid_slice(&z, &mut fast_s);
        BASELINE_ONLY.store(true, Ordering::Relaxed);
        let (mut base_t, mut base_s) = (vec![0.0; z.len()], vec![0.0; z.len()]);
        tanh_slice(&z, &mut base_t);
        sigmoid_slice(&z, &mut base_s);
        BASELINE_ONLY.store(false, Ordering::Relaxed);
        assert_eq!(fast_t, base_t);
        assert_eq!(fast_s, base_s);
    }

    /// The bit patterns of a row (so that −0.0 and 0.0 differ).
    fn bits(v: &[f64]) -> Vec<u64> {
        v.iter().map(|x| x.to_bits()).collect()
    }

    /// The one-pass kernels against the passes they replace, bit for bit, for K inputs.
    fn one_pass_matches_the_passes<G: Elementwise, const K: usize>(act: Activation) {
        let mut rng = crate::Rng::seed_from_u64(K as u64);
        let n = 37;
        let rows: Vec<Vec<f64>> = (0..K)
            .map(|_| (0..n).map(|_| rng.random_range(-3.0..3.0)).collect())
            .collect();
        let x: [&[f64]; K] = std::array::from_fn(|k| rows[k].as_slice());
        let w: [f64; K] = std::array::from_fn(|_| rng.random_range(-2.0..2.0));
        let b = rng.random_range(-1.0..1.0);
        // forward: Z = Σ_k w_k·x_k (scale, then axpy), Z += b, A = g(Z)
        let (mut z_ref, mut a_ref) = (vec![0.0; n], vec![0.0; n]);
        scale_into(&mut z_ref, w[0], x[0]);
        for k in 1..K {
            axpy(&mut z_ref, w[k], x[k]);
        }
        bias_activate_row::<f64, G>(&mut z_ref, b, &mut a_ref);
        let (mut z, mut a) = (vec![0.0; n], vec![0.0; n]);
        affine_activate_row::<f64, G, K>(&mut z, &mut a, w, x, b);
        assert_eq!(bits(&z), bits(&z_ref), "forward Z, {act}, K = {K}");
        assert_eq!(bits(&a), bits(&a_ref), "forward A, {act}, K = {K}");
        // backward: D = Σ_k w_k·dz_k, then D ⊙ g'(Z)
        let mut d_ref = vec![0.0; n];
        scale_into(&mut d_ref, w[0], x[0]);
        for k in 1..K {
            axpy(&mut d_ref, w[k], x[k]);
        }
        times_derivative_row::<f64, G>(&mut d_ref, &z, &a);
        let mut d = vec![0.0; n];
        back_derivative_row::<f64, G, K>(&mut d, w, x, &z, &a);
        assert_eq!(bits(&d), bits(&d_ref), "backward, {act}, K = {K}");
        // and by hand, the first element: Σ_k w_k·x_k[0] + b
        let by_hand: f64 = (0..K).map(|k| w[k] * x[k][0]).sum::<f64>() + b;
        assert!((z[0] - by_hand).abs() <= 1e-14, "{} vs {by_hand}", z[0]);
    }

    fn dots_match<const K: usize>(n: usize) {
        let mut rng = crate::Rng::seed_from_u64(n as u64);
        let rows: Vec<Vec<f64>> = (0..=K)
            .map(|_| (0..n).map(|_| rng.random_range(-1.0..1.0)).collect())
            .collect();
        let d = rows[0].as_slice();
        let p: [&[f64]; K] = std::array::from_fn(|k| rows[k + 1].as_slice());
        let (dots, s) = dots_and_sum(d, p);
        for k in 0..K {
            assert_eq!(
                dots[k].to_bits(),
                dot(d, p[k]).to_bits(),
                "K = {K}, n = {n}, k = {k}"
            );
            let naive: f64 = d.iter().zip(p[k]).map(|(a, b)| a * b).sum();
            assert!((dots[k] - naive).abs() <= 1e-14 * (n as f64).max(1.0));
        }
        assert_eq!(s.to_bits(), sum(d).to_bits(), "K = {K}, n = {n}");
    }

    #[test]
    fn dots_in_one_pass_give_the_bits_of_one_at_a_time() {
        for n in [0, 1, 7, 8, 9, 33, 320, 1001] {
            dots_match::<1>(n);
            dots_match::<2>(n);
            dots_match::<3>(n);
            dots_match::<4>(n);
        }
        // by hand: [1, 2, 3]·[4, 5, 6] = 32, [1, 2, 3]·[1, 0, −1] = −2, Σ = 6
        let (dots, s) = dots_and_sum(&[1.0, 2.0, 3.0], [&[4.0, 5.0, 6.0], &[1.0, 0.0, -1.0]]);
        assert_eq!((dots, s), ([32.0, -2.0], 6.0));
    }

    #[test]
    fn one_pass_row_kernels_give_the_bits_of_the_passes_they_replace() {
        for act in [
            Activation::Tanh,
            Activation::Sigmoid,
            Activation::Relu,
            Activation::LeakyRelu,
            Activation::Identity,
        ] {
            struct Check(Activation);
            impl WithG for Check {
                type Out = ();
                fn run<G: Elementwise>(self) {
                    one_pass_matches_the_passes::<G, 1>(self.0);
                    one_pass_matches_the_passes::<G, 2>(self.0);
                    one_pass_matches_the_passes::<G, 3>(self.0);
                    one_pass_matches_the_passes::<G, 4>(self.0);
                }
            }
            act.with_g(Check(act));
        }
    }

    #[test]
    fn an_upstream_nan_stays_nan_through_relu_on_both_paths() {
        // the drift the engine seam removed: dZ = dA ⊙ g'(Z) with dA = NaN and Z < 0 was NaN
        // in the reference and an exact 0 in the kernels
        use crate::nn::activation::g;
        use ndarray::array;
        for act in [Activation::Relu, Activation::LeakyRelu] {
            let plain = act.backward(
                array![[f64::NAN, 1.0]].view(),
                array![[-1.0, -1.0]].view(),
                array![[0.0, 0.0]].view(),
            );
            assert!(plain[[0, 0]].is_nan(), "{act} reference");
        }
        let mut d = [f64::NAN, 1.0];
        times_derivative_row::<f64, g::Relu>(&mut d, &[-1.0, -1.0], &[0.0, 0.0]);
        assert!(d[0].is_nan() && d[1] == 0.0);
        let mut d = [0.0; 2];
        back_derivative_row::<f64, g::LeakyRelu, 1>(
            &mut d,
            [1.0],
            [&[f64::NAN, 2.0]],
            &[-1.0, -1.0],
            &[0.0, 0.0],
        );
        assert!(d[0].is_nan() && d[1] == 0.02);
    }

    #[test]
    fn row_kernels_apply_bias_activation_and_derivative() {
        for act in [
            Activation::Tanh,
            Activation::Sigmoid,
            Activation::Relu,
            Activation::LeakyRelu,
            Activation::Identity,
        ] {
            struct Rows;
            impl WithG for Rows {
                type Out = ([f64; 8], [f64; 8], [f64; 8]);
                fn run<G: Elementwise>(self) -> Self::Out {
                    let (mut z, mut a, mut d) = (Z0, [0.0; 8], [1.5; 8]);
                    bias_activate_row::<f64, G>(&mut z, 0.5, &mut a);
                    times_derivative_row::<f64, G>(&mut d, &z, &a);
                    (z, a, d)
                }
            }
            const Z0: [f64; 8] = [
                -2.0,
                -0.5,
                0.0,
                0.25,
                3.0,
                f64::NAN,
                f64::INFINITY,
                f64::NEG_INFINITY,
            ];
            let (z, a, d) = act.with_g(Rows);
            // the kernels give exactly the one definition's g and g′, NaN and ±∞ included
            for j in 0..8 {
                assert_eq!(z[j].to_bits(), (Z0[j] + 0.5).to_bits());
                let (g, slope) = (act.value(z[j]), act.derivative(z[j], a[j]));
                assert_eq!(a[j].to_bits(), g.to_bits(), "{act} g({})", z[j]);
                assert_eq!(
                    d[j].to_bits(),
                    (1.5 * slope).to_bits(),
                    "{act} g'({})",
                    z[j]
                );
            }
            assert!(a[5].is_nan(), "{act}: NaN in, NaN out");
            assert!(
                d[5].is_nan() || act == Activation::Identity,
                "{act}: NaN slope"
            );
        }
    }
}
