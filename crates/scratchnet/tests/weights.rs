//! Sample and class weights through the library: a weight of 2 is the row twice, weights of 1
//! are no weights, balanced class weights (n / (k · n_c), hand-computed) in the experiment and
//! the estimator, and the model's record of them.

use std::ops::ControlFlow;

use ndarray::{Array2, Axis, array};
use rand::{RngExt, SeedableRng};
use scratchnet::data::{Dataset, Standardizer};
use scratchnet::engine::{Engine, Reference};
use scratchnet::estimator::{ClassWeight, Mlp};
use scratchnet::experiment::Experiment;
use scratchnet::metrics::Metrics;
use scratchnet::nn::Network;
use scratchnet::train::{Fitted, Stream, TrainConfig, rng};
use scratchnet::weights::normalized;

/// The flower data, standardized: X (2 × 400), Y (1 × 400).
fn flower() -> (Array2<f64>, Array2<f64>) {
    let data = scratchnet::data::synth::flower(400, &mut rng(69, Stream::Data)).unwrap();
    let x = Standardizer::fit(data.x.view())
        .transform(data.x.view())
        .unwrap();
    (x, data.y())
}

fn params(net: &Network) -> Vec<f64> {
    net.layers()
        .iter()
        .flat_map(|l| {
            l.w()
                .iter()
                .chain(l.b().iter())
                .copied()
                .collect::<Vec<_>>()
        })
        .collect()
}

fn assert_close(a: &[f64], b: &[f64], rel: f64, what: &str) {
    assert_eq!(a.len(), b.len());
    for (p, q) in a.iter().zip(b) {
        assert!(
            (p - q).abs() <= rel * p.abs().max(1e-3),
            "{what}: {p} vs {q}"
        );
    }
}

#[test]
fn a_sample_weight_of_two_is_the_row_duplicated() {
    // rows 5 and 17 weigh 2 (the others 1) against a copy of the data with rows 5 and 17
    // appended once more: the same cost (1/402)·Σ L and, for full-batch gradient descent, the
    // same gradients and the same run, to rounding (the sums run in another order)
    let (x, y) = flower();
    let mut w = vec![1.0; 400];
    w[5] = 2.0;
    w[17] = 2.0;
    let extra = [5, 17];
    let xd = ndarray::concatenate(Axis(1), &[x.view(), x.select(Axis(1), &extra).view()]).unwrap();
    let yd = ndarray::concatenate(Axis(1), &[y.view(), y.select(Axis(1), &extra).view()]).unwrap();
    let cfg = TrainConfig::default().epochs(500);
    let net = cfg.init_network(x.view(), y.view()).unwrap();
    // one step of the reference engine: the normalized weights w̃ = w·400/402
    let wn = normalized(&w, "rows").unwrap();
    let mut engine = Reference::new();
    let cost = engine.step(&net, x.view(), y.view(), Some(&wn), None);
    let grads = engine.gradients().clone();
    let cost_twice = engine.step(&net, xd.view(), yd.view(), None, None);
    assert!(
        (cost - cost_twice).abs() < 1e-15 * cost,
        "{cost} vs {cost_twice}"
    );
    for (g, h) in grads.layers.iter().zip(&engine.gradients().layers) {
        let flat = |d: &scratchnet::nn::DenseGrad| {
            d.dw.iter().chain(d.db.iter()).copied().collect::<Vec<_>>()
        };
        assert_close(&flat(g), &flat(h), 1e-12, "gradient");
    }
    // 500 epochs of the tutorial's gradient descent, the fast engine
    let weighted: Fitted = cfg
        .fit_weighted(x.view(), y.view(), &w, |_| ControlFlow::Continue(()))
        .unwrap();
    let twice = cfg
        .fit(xd.view(), yd.view(), |_| ControlFlow::Continue(()))
        .unwrap();
    assert_close(&weighted.history, &twice.history, 1e-10, "loss history");
    assert_close(
        &params(&weighted.network),
        &params(&twice.network),
        1e-9,
        "weights",
    );
}

#[test]
fn weights_must_be_finite_non_negative_and_not_all_zero() {
    let (x, y) = flower();
    let cfg = TrainConfig::default().epochs(1);
    let fit = |w: &[f64]| {
        cfg.fit_weighted(x.view(), y.view(), w, |_| ControlFlow::Continue(()))
            .unwrap_err()
            .to_string()
    };
    let mut w = vec![1.0; 400];
    w[9] = -1.0;
    assert_eq!(
        fit(&w),
        "sample_weight of sample 10 is -1; a weight must be a finite number ≥ 0"
    );
    w[9] = f64::NAN;
    assert!(fit(&w).contains("sample 10 is NaN"));
    assert!(fit(&[1.0; 3]).contains("has 3 weights for 400 samples"));
    assert!(fit(&[0.0; 400]).contains("weighs the 400 training rows 0 in all"));
}

/// 400 rows of two features, 5% positives (rows ≡ 3 mod 20): uniform in [0, 1)², the
/// positives shifted by 0.4, so that they overlap the 19-times more numerous negatives.
fn imbalanced() -> Dataset {
    let mut r = scratchnet::Rng::seed_from_u64(3);
    let positive = |j: usize| j % 20 == 3;
    let x = Array2::from_shape_fn((400, 2), |(j, _)| {
        r.random_range(0.0..1.0) + if positive(j) { 0.4 } else { 0.0 }
    })
    .reversed_axes();
    let labels = (0..400).map(|j| usize::from(positive(j))).collect();
    Dataset::new(
        vec!["a".into(), "b".into()],
        "y".into(),
        x.as_standard_layout().into_owned(),
        labels,
        vec!["no".into(), "yes".into()],
    )
    .unwrap()
}

fn recall(m: &Metrics) -> f64 {
    match m {
        Metrics::Binary(r) => r.recall,
        other => panic!("not binary: {other:?}"),
    }
}

#[test]
fn balanced_class_weights_in_the_experiment_raise_the_rare_class_recall() {
    let data = imbalanced();
    let exp = Experiment {
        config: TrainConfig::default().epochs(2_000),
        ..Experiment::default()
    };
    let plain = exp.run(&data, |_| ControlFlow::Continue(())).unwrap();
    let balanced = Experiment {
        class_weight: ClassWeight::Balanced,
        ..exp.clone()
    }
    .run(&data, |_| ControlFlow::Continue(()))
    .unwrap();
    let (b, p) = (recall(&balanced.report.train), recall(&plain.report.train));
    assert!(b > p + 0.3, "training recall {b} balanced vs {p} plain");
    assert!(
        recall(&balanced.report.baseline.train) > recall(&plain.report.baseline.train),
        "the baseline trains with the same weights"
    );
    assert_eq!(
        balanced.model.training.class_weight.as_deref(),
        Some("balanced")
    );
    assert_eq!(
        balanced.baseline.training.class_weight.as_deref(),
        Some("balanced")
    );
    assert_eq!(plain.model.training.class_weight, None);
    assert_eq!(balanced.model.training.sample_weight, None);
    // the saved file says so too, and loads again
    let json = balanced.model.to_json();
    assert!(json.contains("\"class_weight\": \"balanced\""), "{json}");
    let back = scratchnet::model_file::Model::from_json(json.as_bytes()).unwrap();
    assert_eq!(back.training, balanced.model.training);
    // sample weights that are all 1 change nothing at all
    let ones = data.clone().with_weights(vec![1.0; 400]).unwrap();
    let same = exp.run(&ones, |_| ControlFlow::Continue(())).unwrap();
    assert_eq!(same.model.network, plain.model.network);
    assert_eq!(same.history, plain.history);
    assert_eq!(same.model.training.sample_weight.as_deref(), Some("given"));
}

#[test]
fn class_weights_need_classes() {
    let x = Array2::from_shape_fn((1, 20), |(_, j)| j as f64);
    let data = Dataset::regression(
        vec!["a".into()],
        "t".into(),
        x,
        (0..20).map(f64::from).collect(),
    )
    .unwrap();
    let exp = Experiment {
        class_weight: ClassWeight::Balanced,
        ..Experiment::default()
    };
    let e = exp.run(&data, |_| ControlFlow::Continue(())).unwrap_err();
    assert!(
        matches!(
            e,
            scratchnet::Error::Config {
                setting: "class_weight",
                ..
            }
        ),
        "{e}"
    );
    // sample weights are fine for regression
    let weighted = data
        .with_weights((0..20).map(|j| f64::from(j % 3)).collect())
        .unwrap();
    let exp = Experiment {
        config: TrainConfig::default().epochs(50),
        ..Experiment::default()
    };
    assert!(exp.run(&weighted, |_| ControlFlow::Continue(())).is_ok());
}

#[test]
fn the_estimator_takes_sample_weights_and_class_weights() {
    let x = array![[0.0], [1.0], [2.0], [3.0], [4.0], [5.0], [6.0], [7.0]];
    let labels = ["a", "a", "a", "a", "a", "a", "b", "b"];
    let settings = Mlp::classifier().hidden(&[]).epochs(300);
    let plain = settings
        .clone()
        .check()
        .unwrap()
        .fit(x.view(), &labels)
        .unwrap();
    let ones = settings
        .clone()
        .check()
        .unwrap()
        .fit_weighted(x.view(), &labels, &[1.0; 8])
        .unwrap();
    assert_eq!(
        ones.predict_proba(x.view()).unwrap(),
        plain.predict_proba(x.view()).unwrap()
    );
    assert_eq!(ones.loss_curve(), plain.loss_curve());
    assert_eq!(
        ones.model().training.sample_weight.as_deref(),
        Some("given")
    );
    // weighing the `b` rows up moves P(b) up everywhere
    let heavy_b = [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 5.0, 5.0];
    let weighted = settings
        .clone()
        .check()
        .unwrap()
        .fit_weighted(x.view(), &labels, &heavy_b)
        .unwrap();
    let (pw, pp) = (
        weighted.predict_proba(x.view()).unwrap(),
        plain.predict_proba(x.view()).unwrap(),
    );
    for j in 0..8 {
        assert!(
            pw[[j, 1]] > pp[[j, 1]],
            "row {j}: {} vs {}",
            pw[[j, 1]],
            pp[[j, 1]]
        );
    }
    // balanced: c_a = 8/(2·6) = 2/3, c_b = 8/(2·2) = 2, the same as sample weights 2/3 and 2
    // (normalized to mean 1 either way)
    let balanced = settings
        .clone()
        .class_weight(ClassWeight::Balanced)
        .check()
        .unwrap()
        .fit(x.view(), &labels)
        .unwrap();
    let by_hand: Vec<f64> = labels
        .iter()
        .map(|&l| if l == "a" { 8.0 / 12.0 } else { 2.0 })
        .collect();
    let as_samples = settings
        .clone()
        .check()
        .unwrap()
        .fit_weighted(x.view(), &labels, &by_hand)
        .unwrap();
    assert_eq!(balanced.loss_curve(), as_samples.loss_curve());
    assert_eq!(balanced.model().network, as_samples.model().network);
    assert_eq!(
        balanced.model().training.class_weight.as_deref(),
        Some("balanced")
    );
    // a regressor takes sample weights; bad ones are a settings error
    let values = [0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0];
    let reg = Mlp::regressor().hidden(&[]).epochs(100).check().unwrap();
    assert!(reg.fit_weighted(x.view(), &values, &[2.0; 8]).is_ok());
    let e = reg.fit_weighted(x.view(), &values, &[1.0; 7]).unwrap_err();
    assert!(
        matches!(
            e,
            scratchnet::Error::Config {
                setting: "sample_weight",
                ..
            }
        ),
        "{e}"
    );
}
