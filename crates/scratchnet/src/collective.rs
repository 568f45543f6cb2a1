//! The seam to data-parallel training: a group of processes (MPI ranks, in the CLI's `mpi`
//! feature) that train one network together. The library knows no MPI; the training loop
//! only calls [`Collective::sum`].
//!
//! Every process holds the same data and the same initial network. Each mini-batch (or the
//! full batch) of the one-process run is cut into `size` contiguous slices ([`share`]);
//! process r runs forward and backward on slice r, scales its mean gradient and cost by its
//! share of the batch, b_r / b, and the scaled vectors are summed over the processes in rank
//! order, so every process gets the same bits, takes the same optimizer step, and all end with
//! identical weights. The validation loss, the final loss and the stop decision (any process
//! interrupted) are summed the same way.
//!
//! One process ([`Solo`]) is the plain training loop, bit for bit. With more, the batch's
//! gradient Σ_r (b_r/b)·g_r is the one-process gradient added in another order: equal to
//! rounding (a few ulp per step; tested in `train.rs`).

use std::ops::Range;

/// A group of processes that add vectors together.
pub trait Collective: Send + Sync + std::fmt::Debug {
    /// This process's number, 0…size−1.
    fn rank(&self) -> usize;
    /// The number of processes.
    fn size(&self) -> usize;
    /// Replaces `values` (the same length on every process) by their element-wise sum over
    /// the processes, added in rank order ((v₀ + v₁) + v₂ …), so that every process gets
    /// the same bits. Every process must call it the same number of times; a process that
    /// is gone ends the others (the MPI implementation aborts; it never returns a partial
    /// sum).
    fn sum(&self, values: &mut [f64]);
    /// True on every process when `flag` is true on any (e.g. one was interrupted).
    fn any(&self, flag: bool) -> bool {
        let mut v = [f64::from(u8::from(flag))];
        self.sum(&mut v);
        v[0] > 0.0
    }
}

/// One process: every sum is the value itself.
#[derive(Debug, Clone, Copy, Default)]
pub struct Solo;

impl Collective for Solo {
    fn rank(&self) -> usize {
        0
    }
    fn size(&self) -> usize {
        1
    }
    fn sum(&self, _values: &mut [f64]) {}
}

/// The slice of `n` items that process `rank` of `size` takes: [rank·n/size, (rank+1)·n/size),
/// contiguous, the sizes differing by at most one, covering 0…n once.
pub fn share(n: usize, rank: usize, size: usize) -> Range<usize> {
    let at = |r: usize| ((r as u128 * n as u128) / size as u128) as usize;
    at(rank)..at(rank + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_cover_every_item_once_with_sizes_within_one() {
        for n in [0, 1, 5, 64, 1001] {
            for size in 1..=5 {
                let parts: Vec<_> = (0..size).map(|r| share(n, r, size)).collect();
                assert_eq!(parts[0].start, 0);
                assert_eq!(parts[size - 1].end, n);
                for w in parts.windows(2) {
                    assert_eq!(w[0].end, w[1].start);
                }
                let lens: Vec<usize> = parts.iter().map(|p| p.len()).collect();
                let (lo, hi) = (lens.iter().min().unwrap(), lens.iter().max().unwrap());
                assert!(hi - lo <= 1, "{n} over {size}: {lens:?}");
            }
        }
    }
}
