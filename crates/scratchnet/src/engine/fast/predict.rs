//! Predictions through the fast kernels: forward passes only, on chunks of columns that fit
//! the L1 cache, over threads when there is enough work.

use std::mem::MaybeUninit;

use ndarray::{Array2, ArrayView2, ArrayViewMut2, Axis, s};

use super::Workspace;
use crate::nn::{Dense, Network};
use crate::parallel;

/// The network's output A_L for inputs X (n_x × m), on chunks of columns through
/// forward-only workspaces, in parallel over [`crate::parallel::threads`] when there is enough
/// work; every column is computed the same way whatever the thread count.
/// [`Network::output`] is the reference. X must have n_x rows (checked by the callers).
pub(crate) fn predict_proba(net: &Network, x: ArrayView2<f64>) -> Array2<f64> {
    run_chunked(net, x, None).0
}

/// The output A_L (as [`predict_proba`]) and the cost J on (X, Y), weighted by the sample
/// weights w (m) when given, in one pass.
pub(crate) fn output_and_cost(
    net: &Network,
    x: ArrayView2<f64>,
    y: ArrayView2<f64>,
    w: Option<&[f64]>,
) -> (Array2<f64>, f64) {
    run_chunked(net, x, Some(Targets { y, w }))
}

/// The targets Y (n_y × m) of a cost and its sample weights w (m), if any.
#[derive(Clone, Copy)]
struct Targets<'a> {
    y: ArrayView2<'a, f64>,
    w: Option<&'a [f64]>,
}

impl<'a> Targets<'a> {
    /// The columns `r` of Y and w.
    fn columns(self, r: std::ops::Range<usize>) -> Targets<'a> {
        Targets {
            y: self.y.slice_move(s![.., r.clone()]),
            w: self.w.map(|w| &w[r]),
        }
    }
}

/// Forward passes over chunks of columns, in parallel when there is enough work; with Y,
/// also J = Σ_chunks (m_chunk/m)·J_chunk, summed in a fixed order.
fn run_chunked(net: &Network, x: ArrayView2<f64>, y: Option<Targets<'_>>) -> (Array2<f64>, f64) {
    let m = x.ncols();
    let n_y = net.layers().last().map_or(x.nrows(), Dense::n_out);
    if m == 0 {
        return (Array2::zeros((n_y, 0)), 0.0);
    }
    // not zeroed first: every column is written below (what zeroing cost: bench/README.md)
    let mut out = Array2::uninit((n_y, m));
    let widest = net.sizes().into_iter().max().unwrap_or(1).max(1);
    let chunk = ((1 << 14) / widest).clamp(256, 1024).min(m);
    let threads = parallel::threads_for(m.saturating_mul(net.n_parameters()), m.div_ceil(chunk));
    let per = m.div_ceil(threads).max(1);
    let jobs: Vec<_> = x
        .axis_chunks_iter(Axis(1), per)
        .zip(out.axis_chunks_iter_mut(Axis(1), per))
        .enumerate()
        .map(|(i, (xs, os))| {
            let ys = y.map(|y| y.columns(i * per..i * per + xs.ncols()));
            (xs, ys, os)
        })
        .collect();
    let sums = parallel::map_ordered(jobs, |(xs, ys, os)| forward_chunks(net, xs, ys, os, chunk));
    // one chunk: its J itself (J·m/m may differ from J in the last bit); else the weighted mean
    let cost = match sums.as_slice() {
        [(_, Some(j))] => *j,
        _ => sums.iter().map(|s| s.0).sum::<f64>() / m as f64,
    };
    // SAFETY: the chunks above cover every column of `out` and `forward_chunks` writes
    // every element of its chunk (`assign_to` of a same-shaped output).
    (unsafe { out.assume_init() }, cost)
}

/// `out ← A_L(X)`, `chunk` columns at a time through one forward-only workspace; returns
/// Σ_chunks m_chunk·J_chunk when Y is given (else 0), and J itself when there was one chunk.
fn forward_chunks(
    net: &Network,
    x: ArrayView2<f64>,
    y: Option<Targets<'_>>,
    mut out: ArrayViewMut2<MaybeUninit<f64>>,
    chunk: usize,
) -> (f64, Option<f64>) {
    let chunk = chunk.min(x.ncols()).max(1);
    let mut full = Workspace::forward_only(net, chunk);
    let mut tail: Option<Workspace> = None;
    let (mut sum, mut last) = (0.0, None);
    for (c, (xc, mut oc)) in x
        .axis_chunks_iter(Axis(1), chunk)
        .zip(out.axis_chunks_iter_mut(Axis(1), chunk))
        .enumerate()
    {
        let ws = if xc.ncols() == chunk {
            &mut full
        } else {
            tail.get_or_insert_with(|| Workspace::forward_only(net, xc.ncols()))
        };
        ws.forward(net, xc);
        if let Some(y) = y {
            let t = y.columns(c * chunk..c * chunk + xc.ncols());
            let j = match t.w {
                None => ws.cost(net.loss(), t.y),
                Some(w) => ws.weighted_cost(net.loss(), t.y, w),
            };
            sum += j * xc.ncols() as f64;
            last = Some(j);
        }
        ws.output().assign_to(&mut oc);
    }
    let single = x.ncols() <= chunk;
    (sum, last.filter(|_| single))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Rng;
    use crate::nn::{Activation, Init, LayerSizes};
    use rand::SeedableRng;

    #[test]
    fn chunked_predictions_agree_with_the_plain_forward_pass() {
        use rand::RngExt;
        let mut rng = Rng::seed_from_u64(7);
        // several chunks and a short last chunk
        // the last case has m × parameters = 20,000 × 257 ≥ 2 × MIN_WORK_PER_THREAD: it is
        // split over two threads on a machine with two cores or more
        for (n_x, h, m, transposed) in [
            (2, 4, 5_000, false),
            (2, 4, 5_000, true),
            (3, 4, 5_000, false),
            (7, 4, 5_000, false),
            (2, 64, 20_000, false),
        ] {
            let sizes = LayerSizes {
                n_x,
                n_h: vec![h],
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
            let data = Array2::from_shape_fn((m, n_x), |_| rng.random_range(-3.0..3.0));
            let standard = data.t().as_standard_layout().into_owned();
            let x = if transposed {
                data.t()
            } else {
                standard.view()
            };
            let y = Array2::from_shape_fn((1, m), |(_, j)| (j % 3 == 0) as u8 as f64);
            let cache = net.forward(x);
            let plain = cache.output().to_owned();
            let (fast, cost) = output_and_cost(&net, x, y.view(), None);
            assert_eq!(predict_proba(&net, x), fast);
            for (f, p) in fast.iter().zip(&plain) {
                assert!((f - p).abs() <= 4.0 * f64::EPSILON, "{f} vs {p}");
            }
            let reference = net.cost(&cache, y.view());
            assert!(
                (cost - reference).abs() <= 1e-12 * reference,
                "{cost} vs {reference}"
            );
        }
    }
}
