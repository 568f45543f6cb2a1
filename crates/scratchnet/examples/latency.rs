//! One-row prediction latency in the library, for `bench/latency.py`:
//! `cargo run --release --example latency -- MODEL.json CALLS` times `Model::predict_proba` on
//! one row (the model's first input row of zeros replaced by 0.1·j) `CALLS` times, each call
//! timed on its own after 1,000 warm-up calls, and prints one JSON line with p50, p99 and the
//! mean in µs. The row is d × 1, the layout the CLI's `predict` hands the model.

use std::time::Instant;

use ndarray::Array2;
use scratchnet::model_file::Model;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (Some(path), Some(calls)) = (args.get(1), args.get(2).and_then(|c| c.parse().ok())) else {
        eprintln!("usage: latency MODEL.json CALLS");
        std::process::exit(2);
    };
    let calls: usize = calls;
    let model = Model::load(std::path::Path::new(path)).unwrap_or_else(|e| {
        eprintln!("{e}");
        std::process::exit(2);
    });
    let d = model.network.layers()[0].n_in();
    let row = Array2::from_shape_fn((d, 1), |(j, _)| 0.1 * j as f64);
    let mut p = 0.0;
    for _ in 0..1_000 {
        p += model.predict_proba(row.view()).expect("one row")[[0, 0]];
    }
    let mut us = Vec::with_capacity(calls);
    for _ in 0..calls {
        let start = Instant::now();
        let out = model.predict_proba(row.view()).expect("one row");
        us.push(start.elapsed().as_secs_f64() * 1e6);
        p += out[[0, 0]];
    }
    let mean = us.iter().sum::<f64>() / calls as f64;
    us.sort_by(f64::total_cmp);
    let q = |f: f64| us[((calls as f64 * f) as usize).min(calls - 1)];
    println!(
        "{}",
        serde_json::json!({"side": "scratchnet (library)", "calls": calls, "p50_us": q(0.5),
                           "p99_us": q(0.99), "mean_us": mean,
                           "probability": out_probability(&model, &row), "checksum": p})
    );
}

/// The probability of the positive class for the timed row (to compare with the other sides).
fn out_probability(model: &Model, row: &Array2<f64>) -> f64 {
    model.predict_proba(row.view()).expect("one row")[[0, 0]]
}
