//! Forward, backward and one epoch at the sizes of W1 (the tutorial's 2-4-1 on 320 samples) and
//! W2 (32-256-256-1 on a mini-batch of 256), each fast kernel beside its plain reference
//! (`Network::forward`/`backward`, `f64::tanh`), and W3's prediction of 1,000,000 samples.
//! Run: `cargo bench -p scratchnet --bench kernels`. Compare ratios within one run only.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use ndarray::Array2;
use rand::{RngExt, SeedableRng};
use scratchnet::Rng;
use scratchnet::internals::{Split, Workspace, tanh_slice};
use scratchnet::nn::{Activation, Init, LayerSizes, Network};
use scratchnet::optim::OptimizerKind;

fn net(n_x: usize, hidden: Vec<usize>, rng: &mut Rng) -> Network {
    let sizes = LayerSizes {
        n_x,
        n_h: hidden,
        n_y: 1,
    };
    Network::init(
        &sizes,
        Activation::Tanh,
        Activation::Sigmoid,
        Init::Xavier,
        rng,
    )
    .unwrap()
}

fn data(n_x: usize, m: usize, rng: &mut Rng) -> (Array2<f64>, Array2<f64>) {
    let x = Array2::from_shape_fn((n_x, m), |_| rng.random_range(-2.0..2.0));
    let y = Array2::from_shape_fn((1, m), |(_, j)| f64::from(u8::from(x[[0, j]] > 0.0)));
    (x, y)
}

fn sizes(c: &mut Criterion, name: &str, n_x: usize, hidden: Vec<usize>, m: usize) {
    let mut rng = Rng::seed_from_u64(1);
    let mut network = net(n_x, hidden, &mut rng);
    let (x, y) = data(n_x, m, &mut rng);
    let mut ws = Workspace::new(&network, m);
    let mut g = c.benchmark_group(name);
    g.bench_function("forward (fast)", |b| {
        b.iter(|| ws.forward(&network, black_box(x.view())))
    });
    g.bench_function("forward (plain reference)", |b| {
        b.iter(|| black_box(network.forward(black_box(x.view()))))
    });
    ws.forward(&network, x.view());
    g.bench_function("backward (fast)", |b| {
        b.iter(|| ws.backward(&network, black_box(x.view()), y.view()))
    });
    let cache = network.forward(x.view());
    g.bench_function("backward (plain reference)", |b| {
        b.iter(|| black_box(network.backward(&cache, y.view())))
    });
    let mut split = Split::new(&network, m);
    let mut opt = OptimizerKind::Gd.build();
    g.bench_function(
        format!(
            "epoch: forward, cost, backward, update ({} threads)",
            split.threads()
        ),
        |b| {
            b.iter(|| {
                let cost = split.step(&network, x.view(), y.view(), None, None);
                opt.step(&mut network, split.grads(), 0.01);
                black_box(cost)
            })
        },
    );
    g.finish();
}

fn bench(c: &mut Criterion) {
    sizes(c, "W1 2-4-1 × 320", 2, vec![4], 320);
    sizes(c, "W2 32-256-256-1 × 256", 32, vec![256, 256], 256);

    let z: Vec<f64> = (0..1280).map(|i| f64::from(i) / 160.0 - 4.0).collect();
    let mut a = vec![0.0; z.len()];
    let mut g = c.benchmark_group("tanh × 1280");
    g.bench_function("fast (vectorized)", |b| {
        b.iter(|| tanh_slice(black_box(&z), &mut a))
    });
    g.bench_function("f64::tanh (reference)", |b| {
        b.iter(|| {
            for (a, z) in a.iter_mut().zip(black_box(&z)) {
                *a = z.tanh();
            }
        })
    });
    g.finish();

    // W2's mini-batch gather: 256 random columns of a 32 × 100,000 matrix
    let mut rng = Rng::seed_from_u64(3);
    let w2 = net(32, vec![256, 256], &mut rng);
    let (x, y) = data(32, 100_000, &mut rng);
    let idx: Vec<usize> = (0..256).map(|_| rng.random_range(0..100_000)).collect();
    let mut ws = Workspace::new(&w2, 256);
    c.bench_function("W2 gather 256 of 100,000 columns", |b| {
        b.iter(|| ws.gather(x.view(), y.view(), black_box(&idx)))
    });

    let mut rng = Rng::seed_from_u64(2);
    let network = net(2, vec![4], &mut rng);
    let (x, _) = data(2, 1_000_000, &mut rng);
    let mut g = c.benchmark_group("W3 predict 1,000,000 × 2-4-1");
    g.sample_size(20);
    g.bench_function("predict_proba (fast, threaded)", |b| {
        b.iter(|| black_box(scratchnet::engine::predict_proba(&network, x.view())))
    });
    g.bench_function("forward (plain reference)", |b| {
        b.iter(|| black_box(network.forward(x.view())))
    });
    g.finish();

    // latency: one row through a 20-100-1 classifier (the estimator's predict_proba: checks,
    // standardizer, engine)
    let (x, y) = data(20, 2_000, &mut rng);
    let rows = x.t().to_owned();
    let labels: Vec<u8> = y.iter().map(|&v| v as u8).collect();
    let fitted = scratchnet::estimator::Mlp::classifier()
        .hidden(&[100])
        .epochs(2)
        .check()
        .and_then(|m| m.fit(rows.view(), &labels))
        .expect("the bench's model trains");
    let one = rows.slice(ndarray::s![0..1, ..]).to_owned();
    c.bench_function(
        "latency: one row through 20-100-1 (FittedMlp::predict_proba)",
        |b| b.iter(|| black_box(fitted.predict_proba(black_box(one.view())))),
    );
}

criterion_group!(benches, bench);
criterion_main!(benches);
