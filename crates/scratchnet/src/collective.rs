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

/// A group of threads in one process, for tests: each thread holds one member; `sum` waits
/// for all and adds their vectors in rank order.
#[cfg(test)]
pub(crate) mod threads {
    use std::sync::{Arc, Barrier, Mutex};

    use super::Collective;

    #[derive(Debug)]
    struct Shared {
        slots: Mutex<Vec<Vec<f64>>>,
        barrier: Barrier,
    }

    /// One member of a thread group.
    #[derive(Debug)]
    pub(crate) struct Member {
        rank: usize,
        size: usize,
        shared: Arc<Shared>,
    }

    /// `size` members of one group.
    pub(crate) fn group(size: usize) -> Vec<Member> {
        let shared = Arc::new(Shared {
            slots: Mutex::new(vec![Vec::new(); size]),
            barrier: Barrier::new(size),
        });
        (0..size)
            .map(|rank| Member {
                rank,
                size,
                shared: Arc::clone(&shared),
            })
            .collect()
    }

    impl Collective for Member {
        fn rank(&self) -> usize {
            self.rank
        }
        fn size(&self) -> usize {
            self.size
        }
        fn sum(&self, values: &mut [f64]) {
            self.shared.slots.lock().unwrap()[self.rank] = values.to_vec();
            self.shared.barrier.wait();
            {
                let slots = self.shared.slots.lock().unwrap();
                values.copy_from_slice(&slots[0]);
                for other in &slots[1..] {
                    values.iter_mut().zip(other).for_each(|(v, o)| *v += o);
                }
            }
            self.shared.barrier.wait();
        }
    }
}

#[cfg(test)]
mod tests {
    use std::ops::ControlFlow;
    use std::sync::Arc;

    use super::*;
    use crate::experiment::{Experiment, Outcome};
    use crate::train::{Stream, TrainConfig, rng};

    /// Mini-batches of 40 with Adam, a validation share with early stopping: every piece of
    /// the loop that a group shares.
    fn experiment() -> Experiment {
        Experiment {
            config: TrainConfig {
                hidden: vec![8, 4],
                epochs: 60,
                learning_rate: 0.01,
                optimizer: "adam".parse().unwrap(),
                batch_size: Some(40),
                patience: Some(5),
                ..TrainConfig::default()
            },
            validation: 0.2,
            ..Experiment::default()
        }
    }

    /// The experiment run by `size` threads, each one member of a group.
    fn run_in_group(exp: &Experiment, data: &crate::data::Dataset, size: usize) -> Vec<Outcome> {
        let members = threads::group(size);
        std::thread::scope(|s| {
            let handles: Vec<_> = members
                .into_iter()
                .map(|m| {
                    let exp = Experiment {
                        group: Some(Arc::new(m)),
                        ..exp.clone()
                    };
                    s.spawn(move || exp.run(data, |_| ControlFlow::Continue(())).unwrap())
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        })
    }

    fn weights(out: &Outcome) -> Vec<f64> {
        let layers = out.model.network.layers();
        layers
            .iter()
            .flat_map(|l| l.w().iter().chain(l.b()).copied())
            .collect()
    }

    #[test]
    fn groups_of_two_and_three_train_the_one_process_network_to_rounding() {
        let data = crate::data::synth::flower(333, &mut rng(3, Stream::Data)).unwrap();
        let exp = experiment();
        let alone = exp.run(&data, |_| ControlFlow::Continue(())).unwrap();
        let one = run_in_group(&exp, &data, 1);
        // a group of one is the plain loop, bit for bit
        assert_eq!(weights(&one[0]), weights(&alone));
        assert_eq!(one[0].history, alone.history);
        for size in [2, 3] {
            let group = run_in_group(&exp, &data, size);
            for member in &group[1..] {
                // every member holds the same bits: the sums are added in rank order
                assert_eq!(weights(member), weights(&group[0]));
                assert_eq!(member.history, group[0].history);
                assert_eq!(
                    member.model.training.best_epoch,
                    group[0].model.training.best_epoch
                );
            }
            let (w, w1) = (weights(&group[0]), weights(&alone));
            let worst = w
                .iter()
                .zip(&w1)
                .map(|(a, b)| (a - b).abs())
                .fold(0.0, f64::max);
            assert!(
                worst < 1e-9,
                "{size} processes: weights differ by {worst:e}"
            );
            assert_eq!(group[0].history.len(), alone.history.len());
            assert_eq!(
                group[0].model.training.best_epoch,
                alone.model.training.best_epoch
            );
        }
    }

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

    #[test]
    fn thread_group_sums_in_rank_order_on_every_member() {
        let members = threads::group(3);
        let sums: Vec<Vec<f64>> = std::thread::scope(|s| {
            let handles: Vec<_> = members
                .iter()
                .map(|m| {
                    s.spawn(move || {
                        // 1e16 + 1 − 1e16 depends on the order: rank order gives 0
                        let mut v = vec![[1e16, 1.0, -1e16][m.rank()], m.rank() as f64];
                        m.sum(&mut v);
                        assert!(m.any(m.rank() == 2));
                        assert!(!m.any(false));
                        v
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        for v in &sums {
            assert_eq!(v, &vec![(1e16 + 1.0) - 1e16, 3.0]);
        }
    }
}
