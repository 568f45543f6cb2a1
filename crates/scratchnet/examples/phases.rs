//! Where a training step's time goes, phase by phase, at the sizes of the benchmark workloads:
//! `cargo run --release --example phases -- w1|w2`.
//!
//! - `w1`: the tutorial's 2-4-1 network on 320 samples: the forward pass, the cost, the
//!   backward pass, the whole step, the update, and 1,280 tanh alone (the floor of the step).
//! - `w2`: the 32-256-256-1 network on a mini-batch of 256: the gather, the forward and
//!   backward passes on one thread, the step split over the threads, half a batch on one
//!   thread and on two at once (how well two threads share the machine), the update, and the
//!   matrix products alone at their shapes (the bound of the step).
//!
//! Times are means over many repetitions after a warm-up, in µs; they move with the machine's
//! load, so compare the lines of one run with each other (`bench/README.md` has a table).

use std::hint::black_box;
use std::time::Instant;

use ndarray::{Array2, linalg::general_mat_mul};
use rand::{RngExt, SeedableRng};
use scratchnet::internals::{Split, Workspace};
use scratchnet::loss::Loss;
use scratchnet::nn::{Activation, Init, LayerSizes, Network};
use scratchnet::optim::OptimizerKind;

/// Mean µs of `f` over `reps` calls (after reps/10 warm-up calls); prints a line.
fn time(name: &str, reps: usize, mut f: impl FnMut()) -> f64 {
    for _ in 0..reps / 10 + 1 {
        f();
    }
    let start = Instant::now();
    for _ in 0..reps {
        f();
    }
    let us = start.elapsed().as_secs_f64() / reps as f64 * 1e6;
    println!("{name:44} {us:10.3} µs");
    us
}

fn network(n_x: usize, n_h: Vec<usize>, init: Init) -> Network {
    let sizes = LayerSizes { n_x, n_h, n_y: 1 };
    let mut rng = scratchnet::Rng::seed_from_u64(1);
    Network::init(
        &sizes,
        Activation::Tanh,
        Activation::Sigmoid,
        init,
        &mut rng,
    )
    .expect("valid sizes")
}

fn w1() {
    let net = network(2, vec![4], Init::SmallUniform);
    let m = 320;
    let mut rng = scratchnet::Rng::seed_from_u64(2);
    let x = Array2::from_shape_fn((2, m), |_| rng.random_range(-2.0..2.0));
    let y = Array2::from_shape_fn((1, m), |(_, j)| (j % 2) as f64);
    let mut ws = Workspace::new(&net, m);
    let reps = 200_000;
    println!("W1: 2-4-1 tanh/sigmoid, 320 samples, one thread");
    time("forward (Z1, A1, Z2, A2)", reps, || {
        ws.forward(&net, x.view())
    });
    time("cost (binary cross-entropy)", reps, || {
        black_box(ws.cost(Loss::BinaryCrossEntropy, y.view()));
    });
    time("backward (dZ2, dW2, db2, dZ1, dW1, db1)", reps, || {
        ws.backward(&net, x.view(), y.view())
    });
    time("the three above, one after the other", reps, || {
        ws.forward(&net, x.view());
        black_box(ws.cost(Loss::BinaryCrossEntropy, y.view()));
        ws.backward(&net, x.view(), y.view());
    });
    let mut split = Split::new(&net, m);
    time("whole step (forward, cost, backward)", reps, || {
        black_box(split.step(&net, x.view(), y.view(), None, None));
    });
    let mut copy = net.clone();
    let mut optimizer = OptimizerKind::Gd.build();
    let grads = split.grads().clone();
    time("update (17 parameters)", reps, || {
        optimizer.step(&mut copy, &grads, 0.0)
    });
    let z: Vec<f64> = (0..4 * m).map(|i| i as f64 * 0.004 - 2.5).collect();
    let mut a = vec![0.0; z.len()];
    time("tanh of 1,280 numbers alone", reps, || {
        scratchnet::internals::tanh_slice(black_box(&z), &mut a)
    });
}

fn w2() {
    let net = network(32, vec![256, 256], Init::Xavier);
    let (n, m) = (100_000, 256);
    let x = Array2::from_shape_fn((32, n), |(j, i)| {
        (0.001 * i as f64 * (j as f64 + 1.0) + j as f64).sin()
    });
    let y = Array2::from_shape_fn((1, n), |(_, i)| (i % 2) as f64);
    let batch: Vec<usize> = (0..m).map(|i| (i * 7919) % n).collect();
    let reps = 1000;
    println!(
        "W2: 32-256-256-1 tanh/sigmoid, mini-batch of 256, {} threads",
        scratchnet::threads()
    );
    let mut ws = Workspace::new(&net, m);
    time("gather the batch (one thread)", reps, || {
        ws.gather(x.view(), y.view(), &batch)
    });
    let fwd = time("forward (one thread)", reps, || ws.forward_batch(&net));
    let bwd = time("backward (one thread)", reps, || ws.backward_batch(&net));
    let mut split = Split::new(&net, m);
    let step = time("whole step, split over the threads", reps, || {
        black_box(split.step(&net, x.view(), y.view(), None, Some(&batch)));
    });
    println!(
        "{:44} {:10.2}×",
        "  speed-up over forward + backward",
        (fwd + bwd) / step
    );
    let half: Vec<usize> = batch[..m / 2].to_vec();
    let (mut h1, mut h2) = (Workspace::new(&net, m / 2), Workspace::new(&net, m / 2));
    let pass = |ws: &mut Workspace| {
        ws.gather(x.view(), y.view(), &half);
        ws.forward_batch(&net);
        ws.backward_batch(&net);
    };
    let one = time("half a batch, one thread", reps, || pass(&mut h1));
    let start = Instant::now();
    std::thread::scope(|s| {
        s.spawn(|| (0..reps).for_each(|_| pass(&mut h1)));
        s.spawn(|| (0..reps).for_each(|_| pass(&mut h2)));
    });
    let two = start.elapsed().as_secs_f64() / reps as f64 * 1e6;
    println!(
        "{:44} {two:10.3} µs ({:.2}× the work per unit time)",
        "half a batch on each of two threads at once",
        2.0 * one / two
    );
    let mut copy = net.clone();
    let mut optimizer = OptimizerKind::Gd.build();
    let grads = split.grads().clone();
    time("update (74,497 parameters)", reps, || {
        optimizer.step(&mut copy, &grads, 0.0)
    });
    // the five matrix products of a step, alone, one thread
    let mut total = 0.0;
    for (name, (r, k, c)) in [
        ("Z1 = W1·X          256×32 · 32×256", (256, 32, 256)),
        ("Z2 = W2·A1         256×256 · 256×256", (256, 256, 256)),
        ("dW2 = dZ2·A1ᵀ      256×256 · 256×256", (256, 256, 256)),
        ("dA1 = W2ᵀ·dZ2      256×256 · 256×256", (256, 256, 256)),
        ("dW1 = dZ1·Xᵀ       256×256 · 256×32", (256, 256, 32)),
    ] {
        let a = Array2::from_elem((r, k), 0.5);
        let b = Array2::from_elem((k, c), 0.25);
        let mut out = Array2::zeros((r, c));
        total += time(name, reps, || general_mat_mul(1.0, &a, &b, 0.0, &mut out));
    }
    println!(
        "{:44} {total:10.3} µs ({:.0}% of forward + backward)",
        "  the products together",
        100.0 * total / (fwd + bwd)
    );
}

fn main() {
    match std::env::args().nth(1).as_deref() {
        Some("w1") | None => w1(),
        Some("w2") => w2(),
        Some(other) => {
            eprintln!("unknown workload `{other}`; expected w1 or w2");
            std::process::exit(2);
        }
    }
}
