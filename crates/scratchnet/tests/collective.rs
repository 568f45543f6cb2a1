//! The training loop as a group of processes ([`scratchnet::collective`]), played by threads
//! of this test: a `Collective` of its own (the trait is all the library asks of MPI), summing
//! in rank order behind a barrier.

use std::ops::ControlFlow;
use std::sync::{Arc, Barrier, Mutex};

use scratchnet::collective::Collective;
use scratchnet::data::Dataset;
use scratchnet::experiment::{Experiment, Outcome};
use scratchnet::train::{Stream, TrainConfig, rng};

#[derive(Debug)]
struct Shared {
    slots: Mutex<Vec<Vec<f64>>>,
    barrier: Barrier,
}

/// One member of a thread group.
#[derive(Debug)]
struct Member {
    rank: usize,
    size: usize,
    shared: Arc<Shared>,
}

/// `size` members of one group.
fn group(size: usize) -> Vec<Member> {
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

#[test]
fn thread_group_sums_in_rank_order_on_every_member() {
    let members = group(3);
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

/// Mini-batches of 40 with Adam, a validation share with early stopping: every piece of the
/// loop that a group shares.
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
fn run_in_group(exp: &Experiment, data: &Dataset, size: usize) -> Vec<Outcome> {
    let members = group(size);
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
    let data = scratchnet::data::synth::flower(333, &mut rng(3, Stream::Data)).unwrap();
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
            assert_eq!(member.report.test, group[0].report.test);
        }
        let (w, w1) = (weights(&group[0]), weights(&alone));
        let worst = w
            .iter()
            .zip(&w1)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f64::max);
        // the batches' gradients added in another order: rounding, not bits
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
fn a_batch_smaller_than_the_group_is_refused() {
    let data = scratchnet::data::synth::flower(60, &mut rng(3, Stream::Data)).unwrap();
    let mut exp = experiment();
    exp.config.batch_size = Some(2);
    let members = group(3);
    let errors: Vec<String> = std::thread::scope(|s| {
        let handles: Vec<_> = members
            .into_iter()
            .map(|m| {
                let exp = Experiment {
                    group: Some(Arc::new(m)),
                    ..exp.clone()
                };
                let data = &data;
                s.spawn(move || exp.run(data, |_| ControlFlow::Continue(())).unwrap_err())
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap().to_string())
            .collect()
    });
    for e in errors {
        assert!(e.contains("less than the 3 processes"), "{e}");
    }
}
