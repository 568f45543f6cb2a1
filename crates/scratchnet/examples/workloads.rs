//! The benchmark workloads of `bench/README.md`, timed on scratchnet's side:
//! `cargo run --release --example workloads -- w1|w2|w3 [FIXTURE.json]` or `w4|w5 DATA_DIR` (the
//! tables `bench/peers/practitioner_data.py` writes). Prints one JSON line with the seconds, the
//! per-epoch time and the accuracy, so `bench/run.py` can compare it with the peers measured in
//! the same run.

use std::ops::ControlFlow;
use std::time::Instant;

use ndarray::{Array1, Array2, Axis};
use scratchnet::nn::{Activation, Dense, Network};
use scratchnet::optim::OptimizerKind;
use scratchnet::train::TrainConfig;
use serde_json::{Value, json};

fn matrix(v: &Value) -> Array2<f64> {
    let rows: Vec<Vec<f64>> = serde_json::from_value(v.clone()).expect("a matrix");
    let (r, c) = (rows.len(), rows[0].len());
    Array2::from_shape_vec((r, c), rows.into_iter().flatten().collect()).expect("rectangular")
}

fn vector(v: &Value) -> Array1<f64> {
    Array1::from(serde_json::from_value::<Vec<f64>>(v.clone()).expect("a vector"))
}

fn tutorial_net(p: &Value) -> Network {
    Network::new(vec![
        Dense::new(matrix(&p["W1"]), vector(&p["b1"]), Activation::Tanh).expect("W1"),
        Dense::new(matrix(&p["W2"]), vector(&p["b2"]), Activation::Sigmoid).expect("W2"),
    ])
    .expect("2-4-1")
}

fn accuracy(net: &Network, x: &Array2<f64>, y: &Array2<f64>) -> f64 {
    let p = net.predict(x.view());
    p.iter()
        .zip(y.row(0))
        .filter(|(a, b)| (**a as f64) == **b)
        .count() as f64
        / y.ncols() as f64
}

/// W2's data: 100,000 × 32, x_ij = sin(0.001·i·(j+1) + j), y_i = [Σ_j cos(j)·x_ij > 0].
pub fn w2_data(m: usize) -> (Array2<f64>, Array2<f64>) {
    let x = Array2::from_shape_fn((32, m), |(j, i)| {
        (0.001 * i as f64 * (j as f64 + 1.0) + j as f64).sin()
    });
    let y = Array2::from_shape_fn((1, m), |(_, i)| {
        let s: f64 = (0..32).map(|j| (j as f64).cos() * x[[j, i]]).sum();
        f64::from(u8::from(s > 0.0))
    });
    (x, y)
}

/// One table of `practitioner_data.py`: X (features × rows) and the class of each row.
fn read_table(path: &str) -> (Array2<f64>, Vec<usize>) {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let mut values = Vec::new();
    let mut classes = Vec::new();
    let mut cols = 0;
    for line in text.lines() {
        let row: Vec<f64> = line
            .split(',')
            .map(|v| v.parse().expect("a number"))
            .collect();
        cols = row.len() - 1;
        classes.push(row[cols] as usize);
        values.extend_from_slice(&row[..cols]);
    }
    let rows = Array2::from_shape_vec((classes.len(), cols), values).expect("rectangular");
    (rows.t().as_standard_layout().into_owned(), classes)
}

/// W4 and W5, scikit-learn's MLP defaults on a practitioner's table: ReLU, Adam 1e-3, L2
/// α = 1e-4 as scikit-learn applies it (α/(2·batch)·Σ‖W‖² on every batch, which is our
/// whole-set λ/(2m) with λ = α·m/batch), Glorot-uniform weights as scikit-learn draws them (our
/// default for ReLU, He, ends W5 1.2–1.5 points lower after 10 epochs: bench/README.md).
/// W4: 20-100-1 (sigmoid), batch 200, 20 epochs; W5: 64-128-64-10 (softmax), batch 128, 10
/// epochs.
fn practitioner(which: &str, dir: &str) -> Value {
    let (x, c) = read_table(&format!("{dir}/{which}_train.csv"));
    let (xt, ct) = read_table(&format!("{dir}/{which}_test.csv"));
    let (hidden, batch, epochs, output) = if which == "w4" {
        (vec![100], 200, 20, Activation::Sigmoid)
    } else {
        (vec![128, 64], 128, 10, Activation::Softmax)
    };
    let k = c.iter().max().map_or(1, |&m| m + 1);
    let y = if k == 2 {
        Array2::from_shape_fn((1, c.len()), |(_, i)| c[i] as f64)
    } else {
        Array2::from_shape_fn((k, c.len()), |(r, i)| f64::from(u8::from(c[i] == r)))
    };
    let m = c.len();
    let cfg = TrainConfig {
        hidden,
        hidden_activation: Activation::Relu,
        output_activation: output,
        epochs,
        learning_rate: 1e-3,
        batch_size: Some(batch),
        optimizer: OptimizerKind::ADAM,
        l2: 1e-4 * m as f64 / batch as f64,
        init: Some(scratchnet::nn::Init::Xavier),
        ..TrainConfig::default()
    };
    let start = Instant::now();
    let fitted = cfg
        .fit(x.view(), y.view(), |_| ControlFlow::Continue(()))
        .expect("train");
    let s = start.elapsed().as_secs_f64();
    let predicted = fitted.network.predict(xt.view());
    let right = predicted.iter().zip(&ct).filter(|(p, c)| p == c).count();
    json!({"workload": which, "seconds": s, "per_epoch_s": s / epochs as f64,
           "accuracy": right as f64 / ct.len() as f64,
           "final_loss": fitted.history[fitted.history.len() - 2]})
}

/// Seconds per full-batch epoch of a 2-h-1 network on m samples: as many epochs as fit in
/// about 0.3 s (at least 3), after one warm-up epoch.
fn per_epoch(m: usize, h: usize) -> f64 {
    let x = Array2::from_shape_fn((2, m), |(r, i)| ((i * (r + 3)) as f64 * 0.001).sin() * 2.0);
    let y = Array2::from_shape_fn((1, m), |(_, i)| {
        f64::from(u8::from(x[[0, i]] * x[[1, i]] > 0.0))
    });
    let time = |epochs: usize| {
        let cfg = TrainConfig {
            hidden: vec![h],
            epochs,
            learning_rate: 0.5,
            init: Some(scratchnet::nn::Init::Xavier),
            ..TrainConfig::default()
        };
        let start = Instant::now();
        cfg.fit(x.view(), y.view(), |_| ControlFlow::Continue(()))
            .expect("train");
        start.elapsed().as_secs_f64()
    };
    let one = time(1);
    let epochs = ((0.3 / one) as usize).clamp(3, 100_000);
    (time(epochs + 1) - one) / epochs as f64
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let which = args.get(1).map_or("w1", String::as_str);
    let fixture = args.get(2).cloned().unwrap_or_else(|| {
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/reference_2-4-1.json"
        )
        .to_string()
    });
    // SCRATCHNET_THREADS=N: like the CLI's --threads N (default: every core)
    if let Some(n) = std::env::var("SCRATCHNET_THREADS")
        .ok()
        .and_then(|v| v.parse().ok())
    {
        scratchnet::set_threads(n);
    }
    if which == "w4" || which == "w5" {
        println!("{}", practitioner(which, &fixture));
        return;
    }
    let f: Value =
        serde_json::from_str(&std::fs::read_to_string(&fixture).expect("fixture")).expect("json");
    let report = match which {
        "w1" => {
            // 2-4-1 on the 320 standardized flower samples, 10,000 full-batch epochs, lr 1.2,
            // loss computed every epoch.
            let x = matrix(&f["X"]);
            let y = vector(&f["Y"]).insert_axis(Axis(0));
            let cfg = TrainConfig::default().epochs(10_000);
            let start = Instant::now();
            let fitted = cfg
                .fit_from(
                    tutorial_net(&f["initial"]),
                    x.view(),
                    y.view(),
                    None,
                    |_| ControlFlow::Continue(()),
                )
                .expect("train");
            let s = start.elapsed().as_secs_f64();
            json!({"workload": "w1", "seconds": s, "per_epoch_us": s / 10_000.0 * 1e6,
                   "accuracy": accuracy(&fitted.network, &x, &y), "final_loss": fitted.history[10_000]})
        }
        "w2" | "w2-f32" => {
            // 32-256-256-1 tanh, mini-batch 256, lr 0.05, 5 epochs on 100,000 samples
            // (w2-f32: the same with --precision f32).
            let (x, y) = w2_data(100_000);
            let cfg = TrainConfig {
                hidden: vec![256, 256],
                epochs: 5,
                learning_rate: 0.05,
                batch_size: Some(256),
                optimizer: OptimizerKind::Gd,
                init: Some(scratchnet::nn::Init::Xavier),
                precision: if which == "w2-f32" {
                    scratchnet::train::Precision::F32
                } else {
                    scratchnet::train::Precision::F64
                },
                ..TrainConfig::default()
            };
            let start = Instant::now();
            let fitted = cfg
                .fit(x.view(), y.view(), |_| ControlFlow::Continue(()))
                .expect("train");
            let s = start.elapsed().as_secs_f64();
            json!({"workload": which, "seconds": s, "per_epoch_s": s / 5.0, "accuracy": accuracy(&fitted.network, &x, &y)})
        }
        "w3" => {
            // probabilities for 1,000,000 × 2 samples through the trained 2-4-1 model
            let net = tutorial_net(&f["steps"][6]);
            let m = 1_000_000;
            let x = Array2::from_shape_fn((2, m), |(r, i)| {
                if r == 0 {
                    (i as f64 * 0.001).sin() * 2.0
                } else {
                    (i as f64 * 0.0007).cos() * 2.0
                }
            });
            // steady state: 5 warm-up calls, then the median of 10 timed calls (the same on
            // every side)
            let mut times = Vec::new();
            let mut p = Array2::zeros((1, 0));
            for k in 0..15 {
                let start = Instant::now();
                p = scratchnet::engine::predict_proba(&net, x.view()).expect("2 inputs");
                if k >= 5 {
                    times.push(start.elapsed().as_secs_f64());
                }
            }
            times.sort_by(f64::total_cmp);
            json!({"workload": "w3", "seconds": times[5],
                   "mean_probability": p.mean().unwrap_or(f64::NAN)})
        }
        "scaling" => {
            // time per full-batch epoch (forward, loss, backward, update) of 2-H-1 tanh/sigmoid
            // networks: H = 4 as the samples grow, m = 10,000 as the width grows. One JSON line
            // per point (bench/scaling.py collects them).
            let mut points = Vec::new();
            for m in [1_000, 3_162, 10_000, 31_623, 100_000, 316_228, 1_000_000] {
                points.push(("samples", m, per_epoch(m, 4)));
            }
            for h in [4, 16, 64, 256, 1024] {
                points.push(("width", h, per_epoch(10_000, h)));
            }
            for (sweep, size, s) in &points {
                println!(
                    "{}",
                    json!({"sweep": sweep, "size": size, "seconds_per_epoch": s})
                );
            }
            json!({"workload": "scaling", "seconds": points.iter().map(|p| p.2).sum::<f64>()})
        }
        "gemm" => {
            // the GEMM peak W2 runs against: C = A·B at W2's layer size (256×256 times 256
            // columns), one thread, f64 and f32, in GFLOP/s (2·n³ flops per product)
            fn peak<T: ndarray::LinalgScalar>(n: usize, one: T) -> f64 {
                let a = Array2::from_elem((n, n), one);
                let b = Array2::from_elem((n, n), one);
                let mut c = Array2::from_elem((n, n), one);
                let reps = 200;
                let start = Instant::now();
                for _ in 0..reps {
                    ndarray::linalg::general_mat_mul(one, &a, &b, one, &mut c);
                }
                2.0 * (n * n * n * reps) as f64 / start.elapsed().as_secs_f64() / 1e9
            }
            let _warm_up = (peak(256, 1.0f64), peak(256, 1.0f32));
            json!({"workload": "gemm", "n": 256, "f64_gflops": peak(256, 1.0f64),
                   "f32_gflops": peak(256, 1.0f32), "seconds": 0.0})
        }
        other => {
            eprintln!("unknown workload `{other}`; expected w1…w5, scaling or gemm");
            std::process::exit(2);
        }
    };
    println!("{report}");
}
