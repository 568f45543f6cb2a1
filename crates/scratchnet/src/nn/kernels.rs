//! The fast kernels behind [`Workspace`](super::Workspace): vectorizable tanh, σ and
//! log(1 + e^(−|z|)), fused bias + activation, and the small matrix products of the tutorial's
//! sizes, all on contiguous rows of `f64`.
//!
//! Every kernel has a plain reference next to it (`f64::tanh`, [`super::activation::sigmoid`],
//! `ln_1p(exp(−|z|))`, ndarray's `dot`); the tests below check that they agree (within 4 units
//! in the last place for the functions; summation order only for the products).
//!
//! Why: `f64::tanh` and `f64::exp` call the C library one number at a time (≈10 ns each); the
//! tutorial's epoch has 1,280 tanh and 640 exp/log, which made them the whole cost of W1. The
//! functions here are branch-free polynomials, so the compiler turns a loop over a row into
//! SIMD code: 4 lanes of f64 with AVX2, 8 with AVX-512, chosen at run time. The loops must be
//! loops over slices: the compiler's loop vectorizer handles them well, while fixed-size
//! arrays of lanes go to its SLP vectorizer, which made a fused 8-sample step 4× slower (see
//! bench/README.md). tanh is then bound by its division (`vdivpd`) and its FMAs together.
//!
//! Reproducibility: every multiply-add is written as an explicit fused one (`mul_add`, one
//! rounding) and every sum has a fixed order (8 partial sums, combined in a fixed tree), so the
//! results are bit-identical whichever instruction set runs them: AVX-512, AVX2 (both chosen
//! at run time) or the baseline build. (The baseline build computes
//! `mul_add` in software where the CPU lacks FMA, as x86-64 CPUs before 2013 do: correct, but
//! slow.)
//!
//! ```text
//! exp(x)    = 2^k · (1 + p(r)),      k = round(x / ln 2), r = x − k·ln 2, |r| ≤ ln2 / 2
//! expm1(x)  = 2^k · p(r) + (2^k − 1),   p(r) = r + r²·q(r), q a degree-9 fit of (e^r − 1 − r)/r²
//! tanh(x)   = sign(x) · (−e / (2 + e)),   e = expm1(−2|x|)     (no cancellation near 0)
//! σ(z)      = (z ≥ 0 ? 1 : e) / (1 + e), e = exp(−|z|)        (never overflows)
//! log1p(t)  = 2·atanh(s),  s = t / (2 + t)                     for t ≤ √2 − 1
//!           = ln 2 + 2·atanh(s),  s = (t − 1) / (t + 3)        otherwise (|s| ≤ 0.172)
//! ```

use super::Activation;
use super::activation::LEAKY_SLOPE;

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
            if !$crate::nn::kernels::BASELINE_ONLY.load(std::sync::atomic::Ordering::Relaxed) {
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
/// agree bit for bit).
pub(crate) static BASELINE_ONLY: std::sync::atomic::AtomicBool =
    std::sync::atomic::AtomicBool::new(false);

/// fdlibm's split of ln 2 into a high part with trailing zero bits (k·LN2_HI is exact) and
/// the rest.
const LN2_HI: f64 = f64::from_bits(0x3FE6_2E42_FEE0_0000);
const LN2_LO: f64 = f64::from_bits(0x3DEA_39EF_3579_3C76);
/// 1.5·2⁵²: adding it rounds a number below 2⁵¹ to an integer held in the low mantissa bits.
const SHIFTER: f64 = 6_755_399_441_055_744.0;

/// `x < lo ? lo : x` (NaN passes through, unlike `f64::max`).
#[inline(always)]
fn at_least(x: f64, lo: f64) -> f64 {
    if x < lo { lo } else { x }
}

/// Range reduction for exp and expm1: (2^k, r) with x = k·ln 2 + r, |r| ≤ ln2/2.
/// Needs −1021·ln 2 ≤ x ≤ 1023·ln 2 so that 2^k is a normal number.
#[inline(always)]
fn reduce(x: f64) -> (f64, f64) {
    let t = x * std::f64::consts::LOG2_E + SHIFTER;
    let k = t - SHIFTER;
    let r = (x - k * LN2_HI) - k * LN2_LO;
    let ki = (t.to_bits() as i64).wrapping_sub(SHIFTER.to_bits() as i64);
    let scale = f64::from_bits((ki.wrapping_add(1023) as u64) << 52);
    (scale, r)
}

/// p(r) = e^r − 1 = r + r²·q(r) for |r| ≤ ln2/2, with q(r) ≈ (e^r − 1 − r)/r² a degree-9
/// polynomial fitted on [−ln2/2, ln2/2] (Chebyshev, `mpmath.chebyfit`, 40 digits; relative error
/// of q < 2.3·10⁻¹⁶, so of p < 10⁻¹⁷). Its coefficients are close to 1/2!, 1/3!, … 1/11!: the
/// Taylor polynomial needs degree 11 (two more multiply-adds) for the same accuracy.
#[inline(always)]
fn expm1_poly(r: f64) -> f64 {
    const C: [f64; 10] = [
        0.500_000_000_000_000_1,
        0.166_666_666_666_666_69,
        0.041_666_666_666_624_13,
        0.008_333_333_333_330_062,
        0.001_388_888_891_721_371_7,
        0.000_198_412_698_630_536_18,
        2.480_152_129_595_437_6e-5,
        2.755_726_845_999_706_4e-6,
        2.762_008_844_540_974_6e-7,
        2.510_038_549_551_032e-8,
    ];
    let mut p = C[9];
    for c in C[..9].iter().rev() {
        p = p.mul_add(r, *c);
    }
    (r * r).mul_add(p, r)
}

/// e^x for x ≥ −708 (smaller x gives e^(−708) ≈ 3·10⁻³⁰⁸ instead of a subnormal), ≤ 1 ulp
/// from `f64::exp` in practice (tests allow 4). Reference: `f64::exp`.
#[inline(always)]
pub fn exp_neg(x: f64) -> f64 {
    let x = at_least(x, -708.0);
    let (scale, r) = reduce(x);
    scale.mul_add(expm1_poly(r), scale)
}

/// tanh(x) = sign(x)·(−e/(2 + e)) with e = expm1(−2|x|): branch-free, within 4 ulp of
/// `f64::tanh` (the reference).
#[inline(always)]
pub fn tanh(x: f64) -> f64 {
    // tanh(20) rounds to 1, so −2|x| ≥ −40 loses nothing and keeps 2^k normal
    let u = at_least(-2.0 * x.abs(), -40.0);
    let (scale, r) = reduce(u);
    let e = scale.mul_add(expm1_poly(r), scale - 1.0);
    (-e / (2.0 + e)).copysign(x)
}

/// σ(z) = 1 / (1 + e^(−z)) as `(z ≥ 0 ? 1 : e) / (1 + e)` with e = e^(−|z|): never overflows.
/// Reference: [`super::activation::sigmoid`].
#[inline(always)]
pub fn sigmoid(z: f64) -> f64 {
    let e = exp_neg(-z.abs());
    let num = if z >= 0.0 { 1.0 } else { e };
    num / (1.0 + e)
}

/// log(1 + t) for 0 ≤ t ≤ 1 (the only range the cross-entropy needs). Reference: `f64::ln_1p`.
#[inline(always)]
fn log1p_unit(t: f64) -> f64 {
    // 1/(2n+1) for n = 1…10: 2·atanh(s) = 2s·Σ s^(2n)/(2n+1)
    const C: [f64; 10] = [
        1.0 / 3.0,
        1.0 / 5.0,
        1.0 / 7.0,
        1.0 / 9.0,
        1.0 / 11.0,
        1.0 / 13.0,
        1.0 / 15.0,
        1.0 / 17.0,
        1.0 / 19.0,
        1.0 / 21.0,
    ];
    let big = t > std::f64::consts::SQRT_2 - 1.0;
    let num = if big { t - 1.0 } else { t };
    let den = if big { t + 3.0 } else { t + 2.0 };
    let s = num / den;
    let s2 = s * s;
    let mut p = C[9];
    for c in C[..9].iter().rev() {
        p = p.mul_add(s2, *c);
    }
    let atanh2 = (2.0 * s).mul_add(s2 * p, 2.0 * s);
    atanh2 + if big { std::f64::consts::LN_2 } else { 0.0 }
}

/// One term of the binary cross-entropy from the logit z and the label y:
/// `max(z, 0) − z·y + log(1 + e^(−|z|))`. Reference: [`crate::loss::binary_cross_entropy`].
#[inline(always)]
pub fn bce_term(z: f64, y: f64) -> f64 {
    let zp = if z > 0.0 { z } else { 0.0 };
    zp - z * y + log1p_unit(exp_neg(-z.abs()))
}

/// A floating-point type the fast kernels run on: f64 everywhere, f32 inside the
/// `--precision f32` training path. The transcendental functions of f32 are computed in f64
/// (convert, compute, round once), so f32 results are correctly rounded to within an ulp.
pub trait Real:
    ndarray::LinalgScalar + PartialOrd + Send + Sync + std::fmt::Debug + 'static
{
    /// The value as this type (rounded to nearest for f32).
    fn of(v: f64) -> Self;
    /// The value as f64 (exact).
    fn f64(self) -> f64;
    /// `self·a + b` with one rounding.
    fn mul_add(self, a: Self, b: Self) -> Self;
    /// [`tanh`] in this type.
    fn tanh(self) -> Self;
    /// [`sigmoid`] in this type.
    fn sigmoid(self) -> Self;
}

impl Real for f64 {
    #[inline(always)]
    fn of(v: f64) -> Self {
        v
    }
    #[inline(always)]
    fn f64(self) -> f64 {
        self
    }
    #[inline(always)]
    fn mul_add(self, a: Self, b: Self) -> Self {
        f64::mul_add(self, a, b)
    }
    #[inline(always)]
    fn tanh(self) -> Self {
        tanh(self)
    }
    #[inline(always)]
    fn sigmoid(self) -> Self {
        sigmoid(self)
    }
}

impl Real for f32 {
    #[inline(always)]
    fn of(v: f64) -> Self {
        v as f32
    }
    #[inline(always)]
    fn f64(self) -> f64 {
        f64::from(self)
    }
    #[inline(always)]
    fn mul_add(self, a: Self, b: Self) -> Self {
        f32::mul_add(self, a, b)
    }
    #[inline(always)]
    fn tanh(self) -> Self {
        tanh(f64::from(self)) as f32
    }
    #[inline(always)]
    fn sigmoid(self) -> Self {
        sigmoid(f64::from(self)) as f32
    }
}

/// Σ_j f(a_j, b_j) (as `acc ← f(acc, a_j, b_j)`) over two rows (the shorter length), with 8
/// partial sums combined in a fixed tree: the order never depends on the instruction set, and
/// the compiler keeps the 8 sums in vector registers.
#[inline(always)]
fn sum8<T: Copy, S: Real>(a: &[T], b: &[T], f: impl Fn(S, T, T) -> S) -> S {
    let n = a.len().min(b.len());
    let (a, b) = (&a[..n], &b[..n]);
    let mut acc = [S::zero(); 8];
    let (ca, cb) = (a.chunks_exact(8), b.chunks_exact(8));
    let (ra, rb) = (ca.remainder(), cb.remainder());
    for (x, y) in ca.zip(cb) {
        for l in 0..8 {
            acc[l] = f(acc[l], x[l], y[l]);
        }
    }
    for (l, (x, y)) in ra.iter().zip(rb).enumerate() {
        acc[l] = f(acc[l], *x, *y);
    }
    ((acc[0] + acc[4]) + (acc[2] + acc[6])) + ((acc[1] + acc[5]) + (acc[3] + acc[7]))
}

/// `([Σ_j d_j·p_k,j for each k], Σ_j d_j)`: K dot products of one row with K others and the
/// row's sum, in one pass. Each is bit for bit [`dot`] / [`sum`] (the same 8 partial sums in
/// the same order), but the K + 1 sums advance together, so the pass runs at the speed of the
/// multiply-adds instead of waiting on one chain of additions (the small layers' gradients of
/// the tutorial's backward pass were 17 such chains, 0.6 µs of its 0.9).
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
    let tree = |a: [T; 8]| ((a[0] + a[4]) + (a[2] + a[6])) + ((a[1] + a[5]) + (a[3] + a[7]));
    (acc.map(tree), tree(acc_s))
}

/// Σ_j a_j·b_j over two rows of equal length, in the fixed order of `sum8`.
#[inline(always)]
pub fn dot<T: Real>(a: &[T], b: &[T]) -> T {
    sum8(a, b, |acc: T, x, y| x.mul_add(y, acc))
}

/// Σ_j a_j over a row, in the fixed order of `sum8`.
#[inline(always)]
pub fn sum<T: Real>(a: &[T]) -> T {
    sum8(a, a, |acc: T, x, _| acc + x)
}

/// `row ← row + b`, then `out ← g(row)`: the bias and the activation in one pass over a row of
/// Z (element-wise activations only; softmax is per column and done by the caller).
#[inline(always)]
pub fn bias_activate_row<T: Real>(z: &mut [T], b: T, out: &mut [T], act: Activation) {
    let n = z.len().min(out.len());
    let (z, out) = (&mut z[..n], &mut out[..n]);
    let slope = T::of(LEAKY_SLOPE);
    match act {
        Activation::Tanh => {
            for (z, a) in z.iter_mut().zip(out.iter_mut()) {
                *z = *z + b;
                *a = z.tanh();
            }
        }
        Activation::Sigmoid => {
            for (z, a) in z.iter_mut().zip(out.iter_mut()) {
                *z = *z + b;
                *a = z.sigmoid();
            }
        }
        Activation::Relu => {
            for (z, a) in z.iter_mut().zip(out.iter_mut()) {
                *z = *z + b;
                *a = if *z > T::zero() { *z } else { T::zero() };
            }
        }
        Activation::LeakyRelu => {
            for (z, a) in z.iter_mut().zip(out.iter_mut()) {
                *z = *z + b;
                *a = if *z > T::zero() { *z } else { slope * *z };
            }
        }
        Activation::Identity | Activation::Softmax => {
            for (z, a) in z.iter_mut().zip(out.iter_mut()) {
                *z = *z + b;
                *a = *z;
            }
        }
    }
}

/// `d ← d ⊙ g'(z)` along a row, with a = g(z) (tanh: 1 − a², σ: a(1 − a)).
#[inline(always)]
pub fn times_derivative_row<T: Real>(d: &mut [T], z: &[T], a: &[T], act: Activation) {
    let n = d.len().min(z.len()).min(a.len());
    let (d, z, a) = (&mut d[..n], &z[..n], &a[..n]);
    let slope = T::of(LEAKY_SLOPE);
    match act {
        Activation::Tanh => {
            for (d, a) in d.iter_mut().zip(a) {
                *d = *d * (T::one() - *a * *a);
            }
        }
        Activation::Sigmoid | Activation::Softmax => {
            for (d, a) in d.iter_mut().zip(a) {
                *d = *d * (*a * (T::one() - *a));
            }
        }
        Activation::Relu => {
            for (d, z) in d.iter_mut().zip(z) {
                *d = if *z > T::zero() { *d } else { T::zero() };
            }
        }
        Activation::LeakyRelu => {
            for (d, z) in d.iter_mut().zip(z) {
                *d = if *z > T::zero() { *d } else { slope * *d };
            }
        }
        Activation::Identity => {}
    }
}

/// `Σ_k w_k·x_k[j]` as `w_0·x_0[j]`, then `+ w_k·x_k[j]` fused for k = 1…K−1: the order of
/// [`scale_into`] followed by K − 1 [`axpy`] passes, element by element.
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
/// as [`scale_into`], K − 1 [`axpy`] and [`bias_activate_row`], so the same bits, without
/// writing and reading Z K + 1 times.
#[inline(always)]
pub fn affine_activate_row<T: Real, const K: usize>(
    z: &mut [T],
    a: &mut [T],
    w: [T; K],
    x: [&[T]; K],
    b: T,
    act: Activation,
) {
    #[inline(always)]
    fn run<T: Real, const K: usize>(
        z: &mut [T],
        a: &mut [T],
        w: &[T; K],
        x: [&[T]; K],
        b: T,
        g: impl Fn(T) -> T,
    ) {
        let (x, n) = cut(x, z.len().min(a.len()));
        let (z, a) = (&mut z[..n], &mut a[..n]);
        for j in 0..n {
            let v = combine(w, &x, j) + b;
            z[j] = v;
            a[j] = g(v);
        }
    }
    let slope = T::of(LEAKY_SLOPE);
    match act {
        Activation::Tanh => run(z, a, &w, x, b, T::tanh),
        Activation::Sigmoid => run(z, a, &w, x, b, T::sigmoid),
        Activation::Relu => run(
            z,
            a,
            &w,
            x,
            b,
            |v| if v > T::zero() { v } else { T::zero() },
        ),
        Activation::LeakyRelu => run(
            z,
            a,
            &w,
            x,
            b,
            |v| if v > T::zero() { v } else { slope * v },
        ),
        Activation::Identity | Activation::Softmax => run(z, a, &w, x, b, |v| v),
    }
}

/// `d ← (Σ_i w_i·dz_i) ⊙ g'(z)` along a row in one pass (K rows dz_i of the layer above): the
/// backward step into one unit of the layer below. The same operations in the same order as
/// [`scale_into`], K − 1 [`axpy`] and [`times_derivative_row`].
#[inline(always)]
pub fn back_derivative_row<T: Real, const K: usize>(
    d: &mut [T],
    w: [T; K],
    dz: [&[T]; K],
    z: &[T],
    a: &[T],
    act: Activation,
) {
    #[inline(always)]
    fn run<T: Real, const K: usize>(
        d: &mut [T],
        w: &[T; K],
        dz: [&[T]; K],
        z: &[T],
        a: &[T],
        g: impl Fn(T, T, T) -> T,
    ) {
        let (dz, n) = cut(dz, d.len().min(z.len()).min(a.len()));
        let (d, z, a) = (&mut d[..n], &z[..n], &a[..n]);
        for j in 0..n {
            d[j] = g(combine(w, &dz, j), z[j], a[j]);
        }
    }
    let slope = T::of(LEAKY_SLOPE);
    match act {
        Activation::Tanh => run(d, &w, dz, z, a, |s, _, a| s * (T::one() - a * a)),
        Activation::Sigmoid | Activation::Softmax => {
            run(d, &w, dz, z, a, |s, _, a| s * (a * (T::one() - a)))
        }
        Activation::Relu => run(
            d,
            &w,
            dz,
            z,
            a,
            |s, z, _| if z > T::zero() { s } else { T::zero() },
        ),
        Activation::LeakyRelu => run(
            d,
            &w,
            dz,
            z,
            a,
            |s, z, _| if z > T::zero() { s } else { slope * s },
        ),
        Activation::Identity => run(d, &w, dz, z, a, |s, _, _| s),
    }
}

/// `out += w·x` along a row (axpy): the inner step of the small products.
#[inline(always)]
pub fn axpy<T: Real>(out: &mut [T], w: T, x: &[T]) {
    let n = out.len().min(x.len());
    for (o, x) in out[..n].iter_mut().zip(&x[..n]) {
        *o = w.mul_add(*x, *o);
    }
}

/// `out ← w·x` along a row: the first term of the small products.
#[inline(always)]
pub fn scale_into<T: Real>(out: &mut [T], w: T, x: &[T]) {
    let n = out.len().min(x.len());
    for (o, x) in out[..n].iter_mut().zip(&x[..n]) {
        *o = w * *x;
    }
}

/// The sum of [`bce_term`] over a row of logits and labels, in f64.
#[inline(always)]
pub fn bce_sum<T: Real>(z: &[T], y: &[T]) -> f64 {
    // The terms of 32 samples are computed before they are added (in `sum8`'s order): four
    // vectors of independent work at a time, instead of one long chain (exp, log, division)
    // per vector that the next must wait behind (0.6 → 0.3 µs for the tutorial's 320).
    let n = z.len().min(y.len());
    let (z, y) = (&z[..n], &y[..n]);
    let mut acc = [0.0; 8];
    let (zc, yc) = (z.chunks_exact(32), y.chunks_exact(32));
    let (zr, yr) = (zc.remainder(), yc.remainder());
    for (zc, yc) in zc.zip(yc) {
        let mut t = [0.0; 32];
        for j in 0..32 {
            t[j] = bce_term(zc[j].f64(), yc[j].f64());
        }
        for q in 0..4 {
            for l in 0..8 {
                acc[l] += t[8 * q + l];
            }
        }
    }
    for (j, (z, y)) in zr.iter().zip(yr).enumerate() {
        acc[j % 8] += bce_term(z.f64(), y.f64());
    }
    ((acc[0] + acc[4]) + (acc[2] + acc[6])) + ((acc[1] + acc[5]) + (acc[3] + acc[7]))
}

simd_dispatch! {
    /// `a ← tanh(z)` for a whole slice, vectorized (the slice form of [`tanh`]).
    pub fn tanh_slice(z: &[f64], a: &mut [f64]) {
        for (a, z) in a.iter_mut().zip(z) {
            *a = tanh(*z);
        }
    }
}

simd_dispatch! {
    /// `a ← σ(z)` for a whole slice, vectorized (the slice form of [`sigmoid`]).
    pub fn sigmoid_slice(z: &[f64], a: &mut [f64]) {
        for (a, z) in a.iter_mut().zip(z) {
            *a = sigmoid(*z);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{RngExt, SeedableRng};

    /// Distance in units in the last place between two finite numbers of the same sign.
    fn ulps(a: f64, b: f64) -> u64 {
        if a == b {
            return 0;
        }
        assert_eq!(a.is_sign_negative(), b.is_sign_negative(), "{a} vs {b}");
        (a.to_bits() as i64 - b.to_bits() as i64).unsigned_abs()
    }

    /// Points that cover every branch and range: a dense grid, tiny and huge magnitudes, and
    /// random numbers.
    fn points() -> Vec<f64> {
        let mut rng = crate::Rng::seed_from_u64(3);
        let mut v: Vec<f64> = (-4000..=4000).map(|i| f64::from(i) / 100.0).collect();
        for e in -300..=3 {
            v.push(10f64.powi(e));
            v.push(-(10f64.powi(e)));
            v.push(1.234_567 * 10f64.powi(e));
        }
        v.extend((0..100_000).map(|_| rng.random_range(-25.0..25.0)));
        v.extend([
            0.0,
            -0.0,
            f64::MIN_POSITIVE,
            700.0,
            -700.0,
            1e300,
            -1e300,
            0.549,
            0.55,
            std::f64::consts::LN_2 / 2.0,
        ]);
        v
    }

    #[test]
    fn tanh_agrees_with_the_libm_reference() {
        let mut worst = 0;
        for x in points() {
            let (fast, reference) = (tanh(x), x.tanh());
            let u = ulps(fast, reference);
            assert!(u <= 4, "tanh({x}): {fast} vs {reference} ({u} ulp)");
            worst = worst.max(u);
        }
        assert_eq!(tanh(f64::INFINITY), 1.0);
        assert_eq!(tanh(f64::NEG_INFINITY), -1.0);
        assert!(tanh(f64::NAN).is_nan());
        assert!(tanh(-0.0).is_sign_negative());
        assert!(worst >= 1, "the fast tanh should not be the same function");
    }

    #[test]
    fn sigmoid_agrees_with_the_reference() {
        for z in points().into_iter().filter(|z| z.abs() < 700.0) {
            let (fast, reference) = (sigmoid(z), crate::nn::activation::sigmoid(z));
            let u = ulps(fast, reference);
            assert!(u <= 4, "σ({z}): {fast} vs {reference} ({u} ulp)");
        }
        assert_eq!(sigmoid(1000.0), 1.0);
        assert!(sigmoid(-1000.0) < 1e-300);
        assert!(sigmoid(f64::NAN).is_nan());
    }

    #[test]
    fn exp_and_log1p_agree_with_the_reference() {
        for x in points().into_iter().filter(|x| *x <= 0.0 && *x > -708.0) {
            let u = ulps(exp_neg(x), x.exp());
            assert!(u <= 4, "exp({x}): {} vs {} ({u} ulp)", exp_neg(x), x.exp());
        }
        for i in 0..=100_000 {
            let t = f64::from(i) / 100_000.0;
            let u = ulps(log1p_unit(t), t.ln_1p());
            assert!(
                u <= 4,
                "log1p({t}): {} vs {} ({u} ulp)",
                log1p_unit(t),
                t.ln_1p()
            );
        }
        for z in points().into_iter().filter(|z| z.abs() < 700.0) {
            for y in [0.0, 1.0] {
                let reference = z.max(0.0) - z * y + (-z.abs()).exp().ln_1p();
                let fast = bce_term(z, y);
                assert!(
                    (fast - reference).abs() <= 4.0 * f64::EPSILON * reference.abs(),
                    "bce({z}, {y}): {fast} vs {reference}"
                );
            }
        }
    }

    #[test]
    fn sums_and_products_agree_with_ndarray() {
        let mut rng = crate::Rng::seed_from_u64(5);
        for n in [0usize, 1, 7, 8, 9, 31, 320, 1001] {
            let a: Vec<f64> = (0..n).map(|_| rng.random_range(-1.0..1.0)).collect();
            let b: Vec<f64> = (0..n).map(|_| rng.random_range(-1.0..1.0)).collect();
            let reference = ndarray::Array1::from(a.clone()).dot(&ndarray::Array1::from(b.clone()));
            assert!((dot(&a, &b) - reference).abs() <= 1e-14 * (n as f64).max(1.0));
            let (a32, b32): (Vec<f32>, Vec<f32>) = a
                .iter()
                .zip(&b)
                .map(|(x, y)| (*x as f32, *y as f32))
                .unzip();
            assert!((f64::from(dot(&a32, &b32)) - reference).abs() <= 1e-5 * (n as f64).max(1.0));
            let s: f64 = a.iter().sum();
            assert!((sum(&a) - s).abs() <= 1e-14 * (n as f64).max(1.0));
        }
        // by hand: 1·4 + 2·5 + 3·6
        assert_eq!(dot(&[1.0, 2.0, 3.0], &[4.0, 5.0, 6.0]), 32.0);
    }

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
    fn one_pass_matches_the_passes<const K: usize>(act: Activation) {
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
        bias_activate_row(&mut z_ref, b, &mut a_ref, act);
        let (mut z, mut a) = (vec![0.0; n], vec![0.0; n]);
        affine_activate_row(&mut z, &mut a, w, x, b, act);
        assert_eq!(bits(&z), bits(&z_ref), "forward Z, {act}, K = {K}");
        assert_eq!(bits(&a), bits(&a_ref), "forward A, {act}, K = {K}");
        // backward: D = Σ_k w_k·dz_k, then D ⊙ g'(Z)
        let mut d_ref = vec![0.0; n];
        scale_into(&mut d_ref, w[0], x[0]);
        for k in 1..K {
            axpy(&mut d_ref, w[k], x[k]);
        }
        times_derivative_row(&mut d_ref, &z, &a, act);
        let mut d = vec![0.0; n];
        back_derivative_row(&mut d, w, x, &z, &a, act);
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
    fn the_chunked_cross_entropy_sum_keeps_the_order_of_sum8() {
        for n in [0usize, 5, 31, 32, 33, 320, 1000] {
            let z: Vec<f64> = (0..n).map(|j| (j as f64 * 0.37).sin() * 6.0).collect();
            let y: Vec<f64> = (0..n).map(|j| (j % 3 == 0) as u8 as f64).collect();
            let eight = sum8(&z, &y, |acc: f64, z: f64, y: f64| acc + bce_term(z, y));
            assert_eq!(bce_sum(&z, &y).to_bits(), eight.to_bits(), "n = {n}");
        }
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
            one_pass_matches_the_passes::<1>(act);
            one_pass_matches_the_passes::<2>(act);
            one_pass_matches_the_passes::<3>(act);
            one_pass_matches_the_passes::<4>(act);
        }
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
            let z0 = [-2.0, -0.5, 0.0, 0.25, 3.0];
            let mut z = z0;
            let mut a = [0.0; 5];
            bias_activate_row(&mut z, 0.5, &mut a, act);
            for ((z0, z), a) in z0.iter().zip(&z).zip(&a) {
                assert_eq!(*z, z0 + 0.5);
                assert!((a - act.value(*z)).abs() <= 4.0 * f64::EPSILON, "{act}");
            }
            let mut d = [1.5; 5];
            times_derivative_row(&mut d, &z, &a, act);
            for ((d, z), a) in d.iter().zip(&z).zip(&a) {
                assert!((d - 1.5 * act.derivative(*z, *a)).abs() <= 1e-15, "{act}");
            }
        }
    }
}
