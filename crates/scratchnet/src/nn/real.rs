//! The numbers the network computes with, and their elementary functions, each written once.
//!
//! [`Real`] is f64 everywhere, or f32 inside the fast engine's `--precision f32` passes. Both
//! engines (the readable reference and the fast one) call the functions here, so they compute
//! tanh, σ, the cross-entropy terms and every sum the same way, bit for bit.
//!
//! Why our own tanh and exp: `f64::tanh` and `f64::exp` call the C library one number at a time
//! (see bench/README.md, "Design notes"); the functions here are branch-free polynomials, so the compiler turns a loop
//! over a row into SIMD code. Each is within 4 units in the last place of its libm reference
//! (tested below). Every multiply-add is an explicit fused one (`mul_add`, one rounding; on
//! WebAssembly, which has no such instruction, two: see `fused_f64`) and every sum has a fixed order (8 partial sums combined in a fixed tree), so results do not
//! depend on the instruction set.
//!
//! ```text
//! exp(x)    = 2^k · (1 + p(r)),      k = round(x / ln 2), r = x − k·ln 2, |r| ≤ ln2 / 2
//! expm1(x)  = 2^k · p(r) + (2^k − 1),   p(r) = r + r²·q(r), q a degree-9 fit of (e^r − 1 − r)/r²
//! tanh(x)   = sign(x) · (−e / (2 + e)),   e = expm1(−2|x|)     (no cancellation near 0)
//! σ(z)      = (z ≥ 0 ? 1 : e) / (1 + e), e = exp(−|z|)        (never overflows)
//! log1p(t)  = 2·atanh(s),  s = t / (2 + t)                     for t ≤ √2 − 1
//!           = ln 2 + 2·atanh(s),  s = (t − 1) / (t + 3)        otherwise (|s| ≤ 0.172)
//! bce(z, y) = max(z, 0) − z·y + log1p(e^(−|z|))               (one cross-entropy term)
//! Σ_j a_j   = ((s0 + s4) + (s2 + s6)) + ((s1 + s5) + (s3 + s7)),  s_l = Σ_{j ≡ l mod 8} a_j
//! ```

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
    let t = Real::mul_add(x, std::f64::consts::LOG2_E, SHIFTER);
    let k = t - SHIFTER;
    // k·LN2_HI is exact, so the first multiply-add is the plain difference; the second keeps
    // k·LN2_LO unrounded (three operations fewer than the separate products)
    let r = Real::mul_add(-k, LN2_LO, Real::mul_add(-k, LN2_HI, x));
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
        p = Real::mul_add(p, r, *c);
    }
    Real::mul_add(r * r, p, r)
}

/// e^x for x ≥ −708 (smaller x gives e^(−708) ≈ 3·10⁻³⁰⁸ instead of a subnormal), ≤ 1 ulp
/// from `f64::exp` in practice (tests allow 4). Reference: `f64::exp`.
#[inline(always)]
pub(crate) fn exp_neg(x: f64) -> f64 {
    let x = at_least(x, -708.0);
    let (scale, r) = reduce(x);
    Real::mul_add(scale, expm1_poly(r), scale)
}

/// tanh(x) = sign(x)·(−e/(2 + e)) with e = expm1(−2|x|): branch-free, within 4 ulp of
/// `f64::tanh` (the reference).
#[inline(always)]
pub(crate) fn tanh(x: f64) -> f64 {
    // tanh(20) rounds to 1, so −2|x| ≥ −40 loses nothing and keeps 2^k normal
    let u = at_least(-2.0 * x.abs(), -40.0);
    let (scale, r) = reduce(u);
    let e = Real::mul_add(scale, expm1_poly(r), scale - 1.0);
    (-e / (2.0 + e)).copysign(x)
}

/// σ(z) = 1 / (1 + e^(−z)) as `(z ≥ 0 ? 1 : e) / (1 + e)` with e = e^(−|z|): never overflows.
/// Reference: `1 / (1 + f64::exp(−z))`.
#[inline(always)]
pub(crate) fn sigmoid(z: f64) -> f64 {
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
        p = Real::mul_add(p, s2, *c);
    }
    let atanh2 = Real::mul_add(2.0 * s, s2 * p, 2.0 * s);
    atanh2 + if big { std::f64::consts::LN_2 } else { 0.0 }
}

/// One term of the binary cross-entropy from the logit z and the label y:
/// `max(z, 0) − z·y + log(1 + e^(−|z|))`. Reference: [`crate::loss::binary_cross_entropy`].
#[inline(always)]
pub(crate) fn bce_term(z: f64, y: f64) -> f64 {
    let zp = if z > 0.0 { z } else { 0.0 };
    zp - z * y + log1p_unit(exp_neg(-z.abs()))
}

/// A floating-point type the fast kernels run on: f64 everywhere, f32 inside the
/// `--precision f32` training path. The transcendental functions of f32 are computed in f64
/// (convert, compute, round once), so f32 results are correctly rounded to within an ulp.
pub trait Real:
    ndarray::LinalgScalar + PartialOrd + Send + Sync + std::fmt::Debug + 'static + sealed::Sealed
{
    /// The value as this type (rounded to nearest for f32).
    fn of(v: f64) -> Self;
    /// The value as f64 (exact).
    fn f64(self) -> f64;
    /// `self·a + b` with one rounding (on WebAssembly with two: see `fused_f64` in the source).
    fn mul_add(self, a: Self, b: Self) -> Self;
    /// The branch-free `tanh` of this module, in this type.
    fn tanh(self) -> Self;
    /// The branch-free `sigmoid` of this module, in this type.
    fn sigmoid(self) -> Self;
}

/// `a·b + c` with one rounding: the one multiply-add of every kernel and elementary function
/// here. On WebAssembly, which has no fused multiply-add instruction (the software one costs
/// 10×: 9.2 s instead of 0.78 s for the tutorial's 10,000 epochs), it is `a·b + c` with two
/// roundings, so the playground's numbers differ from native ones in the last bits (measured
/// and bounded in `crates/scratchnet-wasm`). Native code is unchanged.
#[inline(always)]
fn fused_f64(a: f64, b: f64, c: f64) -> f64 {
    #[cfg(not(target_arch = "wasm32"))]
    {
        a.mul_add(b, c)
    }
    #[cfg(target_arch = "wasm32")]
    {
        a * b + c
    }
}

/// [`fused_f64`] in f32.
#[inline(always)]
fn fused_f32(a: f32, b: f32, c: f32) -> f32 {
    #[cfg(not(target_arch = "wasm32"))]
    {
        a.mul_add(b, c)
    }
    #[cfg(target_arch = "wasm32")]
    {
        a * b + c
    }
}

mod sealed {
    /// Only f64 and f32 are [`super::Real`]: the kernels' accuracy is tested for those two.
    pub trait Sealed {}
    impl Sealed for f64 {}
    impl Sealed for f32 {}
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
        fused_f64(self, a, b)
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
        fused_f32(self, a, b)
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
    tree8(acc)
}

/// The 8 partial sums combined in the fixed tree ((s0 + s4) + (s2 + s6)) + ((s1 + s5) + (s3 + s7)):
/// the last step of every sum here, so that its order never depends on the instruction set.
#[inline(always)]
pub(crate) fn tree8<T: Real>(s: [T; 8]) -> T {
    ((s[0] + s[4]) + (s[2] + s[6])) + ((s[1] + s[5]) + (s[3] + s[7]))
}

/// Σ_j a_j·b_j over two rows of equal length, in the fixed order of `sum8`.
#[inline(always)]
pub(crate) fn dot<T: Real>(a: &[T], b: &[T]) -> T {
    sum8(a, b, |acc: T, x, y| x.mul_add(y, acc))
}

/// Σ_j a_j over a row, in the fixed order of `sum8`.
#[inline(always)]
pub(crate) fn sum<T: Real>(a: &[T]) -> T {
    sum8(a, a, |acc: T, x, _| acc + x)
}

/// `out += w·x` along a row (axpy): the inner step of the small products.
#[inline(always)]
pub(crate) fn axpy<T: Real>(out: &mut [T], w: T, x: &[T]) {
    let n = out.len().min(x.len());
    for (o, x) in out[..n].iter_mut().zip(&x[..n]) {
        *o = w.mul_add(*x, *o);
    }
}

/// `out ← w·x` along a row: the first term of the small products.
#[inline(always)]
pub(crate) fn scale_into<T: Real>(out: &mut [T], w: T, x: &[T]) {
    let n = out.len().min(x.len());
    for (o, x) in out[..n].iter_mut().zip(&x[..n]) {
        *o = w * *x;
    }
}

/// The sum of [`bce_term`] over a row of logits and labels, in f64.
#[inline(always)]
pub(crate) fn bce_sum<T: Real>(z: &[T], y: &[T]) -> f64 {
    // The terms of 32 samples are computed before they are added (in `sum8`'s order): four
    // vectors of independent work at a time, instead of one long chain (exp, log, division)
    // per vector that the next must wait behind (timings: bench/README.md, "Design notes").
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
    tree8(acc)
}

/// The weighted sum `Σ_j w_j · bce_term(z_j, y_j)` over a row of logits, labels and sample
/// weights, in f64: [`bce_sum`] with each term scaled before it is added (in the same order, so
/// weights of exactly 1 give [`bce_sum`]'s bits). Reference:
/// [`crate::loss::weighted_binary_cross_entropy`].
#[inline(always)]
pub(crate) fn weighted_bce_sum<T: Real>(z: &[T], y: &[T], w: &[f64]) -> f64 {
    let n = z.len().min(y.len()).min(w.len());
    let (z, y, w) = (&z[..n], &y[..n], &w[..n]);
    let mut acc = [0.0; 8];
    let (zc, yc, wc) = (z.chunks_exact(32), y.chunks_exact(32), w.chunks_exact(32));
    let (zr, yr, wr) = (zc.remainder(), yc.remainder(), wc.remainder());
    for ((zc, yc), wc) in zc.zip(yc).zip(wc) {
        let mut t = [0.0; 32];
        for j in 0..32 {
            t[j] = wc[j] * bce_term(zc[j].f64(), yc[j].f64());
        }
        for q in 0..4 {
            for l in 0..8 {
                acc[l] += t[8 * q + l];
            }
        }
    }
    for (j, ((z, y), w)) in zr.iter().zip(yr).zip(wr).enumerate() {
        acc[j % 8] += w * bce_term(z.f64(), y.f64());
    }
    tree8(acc)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{RngExt, SeedableRng};

    /// The plain logistic function from libm, the reference for [`sigmoid`].
    fn libm_sigmoid(z: f64) -> f64 {
        if z >= 0.0 {
            1.0 / (1.0 + (-z).exp())
        } else {
            let e = z.exp();
            e / (1.0 + e)
        }
    }

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
            let (fast, reference) = (sigmoid(z), libm_sigmoid(z));
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
    fn the_chunked_cross_entropy_sum_keeps_the_order_of_sum8() {
        for n in [0usize, 5, 31, 32, 33, 320, 1000] {
            let z: Vec<f64> = (0..n).map(|j| (j as f64 * 0.37).sin() * 6.0).collect();
            let y: Vec<f64> = (0..n).map(|j| (j % 3 == 0) as u8 as f64).collect();
            let eight = sum8(&z, &y, |acc: f64, z: f64, y: f64| acc + bce_term(z, y));
            assert_eq!(bce_sum(&z, &y).to_bits(), eight.to_bits(), "n = {n}");
        }
    }
}
